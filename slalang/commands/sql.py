"""`slalang sql`: a rule file compiled to SQL for a batch engine (slalang/sql).

  slalang sql RULES --dialect duckdb|spark|trino [--period P] [--at T]          print the files
  slalang sql RULES --dialect duckdb|spark|trino [--period P] [--at T] -o DIR   write them into DIR

Files, to run in this order after creating the input tables (docs/scale.md):
`calendar.sql` creates and fills the calendar lookup tables; `outcomes.sql`
creates the view `slalang_outcomes`, `cadence.sql` the cadence lookup tables
(for a business-hours cadence) and the view `slalang_cadence`, both
over `slalang_tickets`, `slalang_pauses`, `slalang_updates`; for a contract
with availability targets `availability.sql` the views
`slalang_availability` and `slalang_availability_credits` over the downtime
tables; `report.sql` the views `slalang_report_sla`, `_mttr`, `_accrued`,
`_credits`, `_tickets` (the period report). `due.sql` is the due-time query
over a table or view `requests (id, calendar, opened_at_s, seconds)`.
Exit codes: 0 written, 1 the rule file is refused (malformed, unknown
version) or has a construct the SQL does not compile exactly, 2 usage or a
missing rule file, 4 a file could not be read or written."""

from __future__ import annotations

import os
import sys

from slalang.cliutil import (
    EXIT_ERRORS,
    EXIT_OK,
    add_lang_argument,
    json_reason,
    lang_of,
    os_reason,
    rules_exit_code,
    say,
)

DIALECTS = ("duckdb", "spark", "trino")
OUTCOMES, CADENCE = "slalang_outcomes", "slalang_cadence"
SPARK_SETTING = "SET spark.sql.analyzer.maxIterations=1000;\n"
AVAILABILITY, AVAILABILITY_CREDITS = "slalang_availability", "slalang_availability_credits"


def register(sub) -> None:
    p = sub.add_parser(
        "sql",
        help="compile a rule file to SQL tables and queries",
        description="Compile a rule file (from `slalang build`) to SQL for a batch engine: the lookup tables "
        "(calendar.sql), views over the input tables slalang_tickets, slalang_pauses, slalang_updates (and, for "
        "availability, slalang_downtime and the others of docs/scale.md): per-ticket outcomes (outcomes.sql), "
        "progress updates and follow-ups (cadence.sql), availability (availability.sql), the period report "
        "(report.sql); and the due-time query over a `requests` table (due.sql).",
    )
    p.add_argument("rules", metavar="RULES", help="a rule file (.rules.json) written by `slalang build`")
    p.add_argument("--dialect", required=True, choices=DIALECTS, help="the SQL dialect to emit")
    p.add_argument("-o", "--output", metavar="DIR", help="write the .sql files into DIR (else print them)")
    p.add_argument("--period", choices=("month", "week", "day"), default="month", help="report period (default month)")
    p.add_argument(
        "--at",
        metavar="INSTANT",
        help="judge open tickets at this instant (ISO 8601, contract time without an offset; written into the SQL)",
    )
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


def _instant(text: str, rules, lang: str) -> int:
    from slalang.cliutil import UsageError
    from slalang.runtime import TicketError
    from slalang.runtime.tickets import InstantParser
    from slalang.textsafe import term

    try:
        return InstantParser(rules.tz)(text, "--at")
    except TicketError as exc:
        raise UsageError(term(f"--at: {exc}")) from None


def _view(name: str, query):
    from sqlglot import exp

    return exp.Create(this=exp.to_table(name), kind="VIEW", replace=True, expression=query)


def files(rule_file, dialect: str, period: str = "month", at: int | None = None) -> dict[str, str]:
    """The SQL files of a rule file, by name (see the module docstring)."""
    from slalang.sql import availability, cadence, report, tickets
    from slalang.sql.calendar import calendar_statements, due_query
    from slalang.sql.inputs import Inputs

    def text(statements) -> str:
        return "".join(s.sql(dialect=dialect) + ";\n" for s in statements)

    has_availability = bool(rule_file.availability)
    extra = {"availability_credits": AVAILABILITY_CREDITS} if has_availability else {}
    inputs = Inputs(at=at, extra=extra)
    out = {
        "calendar.sql": text(calendar_statements(rule_file)),
        "due.sql": text([due_query()]),
        # Spark's analyzer stops at 100 iterations; the outcome query's chain of CTEs needs more.
        "outcomes.sql": (SPARK_SETTING if dialect == "spark" else "")
        + text([_view(OUTCOMES, tickets.outcome_query(rule_file, inputs))]),
        "cadence.sql": text(
            [*cadence.cadence_statements(rule_file, inputs), _view(CADENCE, cadence.cadence_query(rule_file, inputs))]
        ),
    }
    if has_availability:
        out["availability.sql"] = text(
            [
                _view(AVAILABILITY, availability.availability_query(rule_file, inputs)),
                _view(AVAILABILITY_CREDITS, availability.availability_credits_query(rule_file, inputs)),
            ]
        )
    queries = report.report_queries(rule_file, inputs, period)
    out["report.sql"] = text([_view(f"slalang_report_{name}", q) for name, q in queries.items()])
    return out


def unsupported_text(exc, lang: str) -> str:
    """What an `Unsupported` names, in the user's language (`cli.sql.unsupported.<key>`)."""
    from slalang.i18n import Msg, render
    from slalang.textsafe import term

    fields = {k: _field(v, lang) for k, v in exc.fields.items()}
    try:
        return render(Msg(f"cli.sql.unsupported.{exc.key}", **fields), lang)
    except Exception:  # a message the catalogue words differently: the English text
        return term(str(exc))


def run(args) -> int:
    from slalang.i18n import Verbatim
    from slalang.runtime import RulesError, load_rules
    from slalang.sql.inputs import Unsupported

    lang = lang_of(args)
    try:
        rules = load_rules(args.rules)
    except RulesError as exc:
        print(say("cli.sql.rules_error", lang, detail=Verbatim(_rules_detail(exc, lang))), file=sys.stderr)
        if exc.hint:
            print(say("cli.error.help", lang, hint=Verbatim(_hint(exc, lang))), file=sys.stderr)
        return rules_exit_code(exc)
    at = None
    if args.at:
        from slalang.runtime import Rules

        at = _instant(args.at, Rules(rules), lang)
    try:
        out = files(rules, args.dialect, args.period, at)
    except Unsupported as exc:
        print(say("cli.sql.not_compiled", lang, construct=Verbatim(unsupported_text(exc, lang))), file=sys.stderr)
        return EXIT_ERRORS
    if args.output is None:
        for name, text in out.items():
            sys.stdout.write(f"-- {name}\n" + text)
        return EXIT_OK
    from slalang.cliutil import write_file

    for name, text in out.items():
        path = os.path.join(args.output, name)
        write_file(path, text.encode("utf-8"))
        print(say("cli.build.wrote", lang, path=path), file=sys.stderr)
    return EXIT_OK
