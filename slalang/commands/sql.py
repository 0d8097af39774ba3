"""`slalang sql`: a rule file compiled to SQL for a batch engine (slalang/sql).

  slalang sql RULES --dialect duckdb|spark|trino            print both files
  slalang sql RULES --dialect duckdb|spark|trino -o DIR     write DIR/calendar.sql, DIR/due.sql

`calendar.sql` creates and fills the tables `slalang_calendar` and
`slalang_calendar_range`; `due.sql` is the due-time query over a table or
view `requests (id, calendar, opened_at_s, seconds)` (docs/runtime.md).
Exit codes: 0 written, 1 the rule file is refused (malformed, unknown
version), 2 usage or a missing rule file, 4 a file could not be read or
written."""

from __future__ import annotations

import os
import sys

from slalang.cliutil import EXIT_OK, add_lang_argument, json_reason, lang_of, os_reason, rules_exit_code, say

DIALECTS = ("duckdb", "spark", "trino")


def register(sub) -> None:
    p = sub.add_parser(
        "sql",
        help="compile a rule file to SQL tables and queries",
        description="Compile a rule file (from `slalang build`) to SQL for a batch engine: the calendar "
        "tables (calendar.sql) and the due-time query over a `requests` table (due.sql).",
    )
    p.add_argument("rules", metavar="RULES", help="a rule file (.rules.json) written by `slalang build`")
    p.add_argument("--dialect", required=True, choices=DIALECTS, help="the SQL dialect to emit")
    p.add_argument("-o", "--output", metavar="DIR", help="write calendar.sql and due.sql into DIR (else stdout)")
    add_lang_argument(p)
    p.set_defaults(func=run)


def _field(value, lang: str):
    from slalang.i18n import Verbatim
    from slalang.textsafe import term

    if isinstance(value, OSError):
        return Verbatim(os_reason(value, lang))
    if isinstance(value, ValueError) and hasattr(value, "msg") and hasattr(value, "pos"):  # json.JSONDecodeError
        return Verbatim(json_reason(value.msg, lang))
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return Verbatim(term(str(value)))


def _hint(exc, lang: str) -> str:
    from slalang.i18n import Msg, render

    if exc.hint_key is not None:
        try:
            return render(Msg(f"cli.runtime.{exc.hint_key}"), lang)
        except Exception:  # not in the catalogue: the English text
            pass
    return str(exc.hint)


def _rules_detail(exc, lang: str) -> str:
    """A `RulesError` in the user's language where the catalogue has it."""
    from slalang.i18n import Msg, Verbatim, render
    from slalang.textsafe import term

    message = term(str(exc.message if exc.message else exc))
    if exc.key is not None:
        fields = {k: _field(v, lang) for k, v in exc.fields.items()}
        try:
            message = render(Msg(f"cli.runtime.{exc.key}", **fields), lang)
        except Exception:  # a field the message needs in another shape: the English text
            pass
    if exc.path:
        return say("cli.runtime.at_path", lang, path=Verbatim(term(str(exc.path))), message=Verbatim(message))
    return message


def run(args) -> int:
    from slalang.i18n import Verbatim
    from slalang.runtime import RulesError, load_rules
    from slalang.sql.calendar import calendar_sql, due_query_sql

    lang = lang_of(args)
    try:
        rules = load_rules(args.rules)
    except RulesError as exc:
        print(say("cli.sql.rules_error", lang, detail=Verbatim(_rules_detail(exc, lang))), file=sys.stderr)
        if exc.hint:
            print(say("cli.error.help", lang, hint=Verbatim(_hint(exc, lang))), file=sys.stderr)
        return rules_exit_code(exc)
    calendar = ";\n".join(calendar_sql(rules, args.dialect)) + ";\n"
    due = due_query_sql(args.dialect) + ";\n"
    if args.output is None:
        sys.stdout.write("-- calendar.sql\n" + calendar)
        sys.stdout.write("-- due.sql\n" + due)
        return EXIT_OK
    from slalang.cliutil import write_file

    for name, text in (("calendar.sql", calendar), ("due.sql", due)):
        path = os.path.join(args.output, name)
        write_file(path, text.encode("utf-8"))
        print(say("cli.build.wrote", lang, path=path), file=sys.stderr)
    return EXIT_OK
