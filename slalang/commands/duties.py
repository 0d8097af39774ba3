"""`slalang duties RULES --evidence FILE`: track a contract's recurring duties
and service targets against evidence of what was done.

RULES is a compiled rule file (`slalang.rules/v4`, JSON or YAML, as `slalang
eval` takes it). The evidence (CSV or JSON Lines, see
slalang/runtime/evidence.py for the columns) is read row by row; each duty's
periods and each target's periods get a status at `--at` (slalang/runtime/
duties.py says how). Output: a text report in the user's language, JSON for
CI (`slalang.duties/v1`), or an iCalendar file of what is still to do. A bad
row stops the run naming its line and column; `--skip-bad` reports it and
goes on (as in `slalang eval`). `--check` exits 1 when a period is overdue or
a target missed. Every field from the data is escaped where it is printed."""

from __future__ import annotations

import datetime as dt
import sys

from slalang.cliutil import (
    EXIT_ERRORS,
    EXIT_OK,
    UsageError,
    add_lang_argument,
    lang_of,
    os_reason,
    rules_exit_code,
    say,
    write_file,
)
from slalang.source import display_width
from slalang.textsafe import term

JSON_SCHEMA_ID = "slalang.duties/v1"
MAX_SHOWN = 20  # bad rows and notes shown on stderr, each


# ------------------------------------------------------------------ escaping
safe = term  # contract text and evidence cells, escaped for the terminal


def _v(text) -> object:
    from slalang.i18n import Verbatim

    return Verbatim(safe(str(text)))


# ------------------------------------------------------------------ messages
def _field(value, lang: str):
    """A field of a runtime or evidence message, shown as it is (escaped)."""
    from slalang.i18n import Verbatim
    from slalang.ruleschema import Problem

    if isinstance(value, Problem):
        return Verbatim(_message(f"cli.runtime.{value.key}", value.fields, value.english, lang))
    if isinstance(value, OSError):
        return Verbatim(str(value.strerror or value))
    if isinstance(value, ValueError) and hasattr(value, "msg") and hasattr(value, "pos"):  # json.JSONDecodeError
        return Verbatim(str(value.msg))
    if isinstance(value, list | tuple):
        if value and all(isinstance(v, Problem) for v in value):
            sep = say("cli.runtime.clause_separator", lang)
            return Verbatim(sep.join(_message(f"cli.runtime.{v.key}", v.fields, v.english, lang) for v in value))
        return [Verbatim(f"`{safe(str(v))}`") for v in value] if value else Verbatim("-")
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return Verbatim(safe(str(value)))


def _message(key: str, fields: dict | None, english: str, lang: str) -> str:
    from slalang.i18n import CatalogueError, Msg, render

    try:
        return render(Msg(key, **{k: _field(v, lang) for k, v in (fields or {}).items()}), lang)
    except CatalogueError:
        return safe(english)


def _row_text(line: int, column: str | None, key: str | None, fields: dict | None, english: str, lang: str) -> str:
    """`line N, column `c`: …` in the user's language."""
    if key is None:
        message = safe(english)
    elif key.startswith("evidence."):
        message = _message(f"cli.duties.{key}", fields, english, lang)
    else:
        message = _message(f"cli.runtime.{key}", fields, english, lang)
    if column:
        where = say("cli.runtime.row.line_column", lang, line=line, column=_v(column))
    else:
        where = say("cli.runtime.row.line", lang, line=line)
    return say("cli.runtime.row.at", lang, where=_v(where), message=_v(message))


def _rules_error(exc, lang: str) -> tuple[str, str | None]:
    """A `RulesError` as (detail, hint) in the user's language."""
    if exc.key is None:
        return safe(str(exc)), exc.hint
    message = _message(f"cli.runtime.{exc.key}", exc.fields, exc.message, lang)
    detail = say("cli.runtime.at_path", lang, path=_v(exc.path), message=_v(message)) if exc.path else message
    hint = exc.hint
    if exc.hint_key is not None and hint is not None:
        hint = _message(f"cli.runtime.{exc.hint_key}", {}, hint, lang)
    return detail, hint


def _input_kind(path: str) -> bool | None:
    low = path.lower()
    if low.endswith((".jsonl", ".ndjson", ".json")):
        return True
    if low.endswith((".csv", ".tsv")):
        return False
    return None  # sniff


# ------------------------------------------------------------------ words
def _pick(text: dict[str, str] | None, lang: str) -> str | None:
    if not text:
        return None
    return text.get(lang) or next(iter(text.values()))


def duty_title(d, lang: str) -> str:
    """A duty's title in `lang` (the audit: the catalogue's word)."""
    if d.title is None:
        return say("cli.duties.audit", lang) if d.name == "audit" else d.name
    return _pick(d.title, lang) or d.name


def cadence_words(d, lang: str) -> str:
    c = d.cadence
    if c is None:
        return say("cli.duties.cadence.none", lang)
    if c.kind == "every":
        return say(f"cli.duties.cadence.every.{c.unit}", lang, n=c.count)
    return say(f"cli.duties.cadence.times.{c.period}", lang, n=c.count)


def performer_words(d, lang: str) -> str:
    if d.performer == "named":
        return say("cli.duties.performer.named", lang, who=_v(_pick(d.performer_title, lang) or "-"))
    return say(f"cli.duties.performer.{d.performer}", lang)


def evidence_words(d, lang: str) -> str:
    what = _pick(d.evidence, lang)
    if what is None:
        return say("cli.duties.no_evidence_named", lang)
    return say("cli.duties.evidence_required", lang, what=_v(what))


def target_words(t, lang: str) -> str:
    value = t.value + ("%" if t.percent else "")
    bound = say(f"cli.duties.bound.{t.bound}", lang, value=_v(value))
    return say("cli.duties.ics.target", lang, bound=_v(bound), per=_v(say(f"cli.duties.per.{t.period}", lang)))


def _span(p) -> str:
    return f"{p.start.isoformat()} – {p.end.isoformat()}"


def _due_text(tracker, d, dp) -> str:
    if d.calendar is None or dp.no_working_time:
        return dp.due_date.isoformat()
    return dt.datetime.fromtimestamp(dp.due, tracker.tz).strftime("%Y-%m-%d %H:%M")


def _pad(text: str, width: int) -> str:
    return text + " " * max(width - display_width(text), 0)


def _table(rows: list[list[str]], indent: str = "  ") -> list[str]:
    # Escaped before measuring, so a cell with a control character lines up as shown.
    rows = [[safe(c) for c in r] for r in rows]
    widths = [max(display_width(r[i]) for r in rows) for i in range(len(rows[0]))]
    return [(indent + "  ".join(_pad(c, w) for c, w in zip(r, widths))).rstrip() for r in rows]


# ------------------------------------------------------------------ outputs
def render_text(tracker, duties, targets, at: int, lang: str, evidence_path: str, counted: int) -> str:
    from slalang.runtime.duties import summary

    rf = tracker.rules
    w = lambda key, **f: say(f"cli.duties.{key}", lang, **f)  # noqa: E731
    out = [
        w("title", contract=_v(rf.contract.id), version=_v(rf.contract.version), at=_v(tracker.format(at))),
        w("evidence_file", path=_v(evidence_path), n=counted),
        "",
    ]
    if not duties and not targets:
        out.append(w("nothing"))
        return "\n".join(safe(line) for line in out) + "\n"
    for r in duties:
        d = r.duty
        out.append(f"{d.name} — {duty_title(d, lang)}")
        facts = [cadence_words(d, lang), performer_words(d, lang), evidence_words(d, lang)]
        if d.calendar is not None:
            facts.append(w("on_calendar", calendar=_v(d.calendar)))
        out.append("  " + " · ".join(facts))
        rows = [[w("header.period"), w("header.due"), w("header.status"), w("header.evidence")]]
        notes = []
        for dp in r.periods:
            status = w(f"status.{dp.status}")
            if dp.period.required > 1 and dp.status != "upcoming":
                status += " " + w("progress", done=len(dp.on_time) + len(dp.late), required=dp.period.required)
            refs = [f"{e.day.isoformat()} {e.reference}" for e in dp.on_time]
            refs += [f"{e.day.isoformat()} {e.reference}{w('late_mark')}" for e in dp.late]
            span = _span(dp.period) + (w("cut") if dp.period.cut else "")
            rows.append([span, _due_text(tracker, d, dp), status, "; ".join(refs) or "-"])
            if dp.no_working_time:
                notes.append(
                    "  "
                    + w(
                        "no_working_time",
                        calendar=_v(d.calendar),
                        start=dp.period.start.isoformat(),
                        end=dp.period.end.isoformat(),
                    )
                )
        out.extend(_table(rows))
        out.extend(notes)
        out.append("")
    if targets:
        out.append(w("targets"))
        out.append("")
        for tr in targets:
            t = tr.target
            out.append(f"{t.name} — {_pick(t.title, lang) or t.name}")
            facts = [target_words(t, lang)]
            method = _pick(t.method, lang)
            if method:
                facts.append(w("method", method=_v(method)))
            out.append("  " + " · ".join(facts))
            rows = [[w("header.period"), w("header.result"), w("header.value"), w("header.evidence")]]
            for tp in tr.periods:
                m = tp.measurement
                value = "-" if m is None else (f"{m.value}%" if t.percent else str(m.value))
                ref = "-" if m is None else f"{m.day.isoformat()} {m.reference}"
                span = _span(tp.period) + (w("cut") if tp.period.cut else "")
                rows.append([span, w(f"status.{tp.status}"), value, ref])
            out.extend(_table(rows))
            out.append("")
    s = summary(duties, targets)
    if duties:
        out.append(w("summary", **s["duties"]))
    if targets:
        out.append(w("summary_targets", **s["targets"]))
    return "\n".join(safe(line) for line in out) + "\n"


def render_json(tracker, duties, targets, at: int, lang: str, rows: list[dict]) -> str:
    import json

    from slalang.runtime.duties import summary
    from slalang.textsafe import json_safe

    rf = tracker.rules

    def record(e) -> dict:
        out = {"date": e.day.isoformat(), "reference": e.reference, "line": e.line, "note": e.note}
        return out

    doc = {
        "schema": JSON_SCHEMA_ID,
        "contract": {"id": rf.contract.id, "version": rf.contract.version},
        "at": tracker.format(at),
        "timezone": rf.timezone,
        "term": {"start": rf.effective.start.isoformat(), "end": rf.effective.end.isoformat()},
        "duties": [
            {
                "name": r.duty.name,
                "title": duty_title(r.duty, lang),
                "section": r.duty.section,
                "cadence": None if r.duty.cadence is None else r.duty.cadence.model_dump(mode="json"),
                "performer": r.duty.performer,
                "calendar": r.duty.calendar,
                "line": r.duty.line,
                "periods": [
                    {
                        "index": dp.period.index,
                        "start": dp.period.start.isoformat(),
                        "end": dp.period.end.isoformat(),
                        "cut": dp.period.cut,
                        "required": dp.period.required,
                        "due": tracker.format(dp.due),
                        "due_date": dp.due_date.isoformat(),
                        "no_working_time": dp.no_working_time,
                        "status": dp.status,
                        "performed": dp.performed,
                        "on_time": [record(e) for e in dp.on_time],
                        "late": [record(e) for e in dp.late],
                    }
                    for dp in r.periods
                ],
            }
            for r in duties
        ],
        "targets": [
            {
                "name": tr.target.name,
                "title": _pick(tr.target.title, lang) or tr.target.name,
                "bound": tr.target.bound,
                "value": tr.target.value,
                "percent": tr.target.percent,
                "period": tr.target.period,
                "line": tr.target.line,
                "periods": [
                    {
                        "start": tp.period.start.isoformat(),
                        "end": tp.period.end.isoformat(),
                        "cut": tp.period.cut,
                        "status": tp.status,
                        "measurement": None
                        if tp.measurement is None
                        else {**record(tp.measurement), "value": str(tp.measurement.value)},
                    }
                    for tp in tr.periods
                ],
            }
            for tr in targets
        ],
        "summary": summary(duties, targets),
        "rows": rows,
    }
    return json_safe(json.dumps(doc, indent=2, ensure_ascii=False)) + "\n"


def render_ics(tracker, duties, targets, at: int, lang: str) -> bytes:
    """One all-day event per period still to do (`due` or `upcoming`), on its
    due date. Byte-identical for the same inputs: DTSTAMP is `at`."""
    import icalendar

    rf = tracker.rules
    cal = icalendar.Calendar()
    cal.add("prodid", "-//slalang//duties//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", safe(_pick(rf.contract.title, lang) or rf.contract.id))
    stamp = dt.datetime.fromtimestamp(at, dt.UTC)

    def event(name: str, start: dt.date, day: dt.date, summary_: str, description: str) -> None:
        ev = icalendar.Event()
        ev.add("uid", f"{rf.contract.id}-{name}-{start.isoformat()}@slalang")
        ev.add("dtstamp", stamp)
        ev.add("dtstart", day)
        ev.add("dtend", day + dt.timedelta(days=1))
        ev.add("summary", safe(summary_))
        ev.add("description", description)
        ev.add("transp", "TRANSPARENT")
        cal.add_component(ev)

    for r in duties:
        d = r.duty
        facts = [cadence_words(d, lang), performer_words(d, lang), evidence_words(d, lang)]
        for dp in r.periods:
            if dp.status in ("due", "upcoming"):
                event(d.name, dp.period.start, dp.due_date, duty_title(d, lang), "\n".join(map(safe, facts)))
    for tr in targets:
        t = tr.target
        facts = [target_words(t, lang)]
        method = _pick(t.method, lang)
        if method:
            facts.append(say("cli.duties.method", lang, method=_v(method)))
        for tp in tr.periods:
            if tp.status in ("due", "upcoming"):
                event(
                    t.name, tp.period.start, tp.period.end, _pick(t.title, lang) or t.name, "\n".join(map(safe, facts))
                )
    return bytes(cal.to_ical())


# ------------------------------------------------------------------ the command
def _at(value: str | None, tracker, lang: str) -> int:
    import time

    from slalang.runtime import TicketError
    from slalang.runtime.tickets import YEAR_FIRST, YEAR_LAST, InstantParser, shown

    if value is None or value == "now":
        return int(time.time())
    text = value.strip()
    if len(text) == 10:
        try:
            day = dt.date.fromisoformat(text)
        except ValueError:
            day = None
        if day is not None and YEAR_FIRST <= day.year <= YEAR_LAST:
            return tracker.midnight(day)
        if day is not None:  # a date, but one the runtime does not reach
            text = day.isoformat() + "T00:00:00"
    if not text.isdigit():
        try:
            return InstantParser(tracker.tz)(text, "--at")
        except TicketError as exc:
            if exc.key == "instant.out_of_range":
                message = _message(f"cli.runtime.{exc.key}", {**exc.fields, "value": value}, str(exc), lang)
                raise UsageError(safe(f"--at: {message}")) from None
    raise UsageError(say("cli.duties.at_bad", lang, value=_v(shown(value))))


def _write(path: str | None, data: bytes, lang: str) -> None:
    if path is None or path == "-":
        buffer = getattr(sys.stdout, "buffer", None)
        if buffer is None:  # a text-only stream (a test's StringIO)
            sys.stdout.write(data.decode("utf-8"))
            return
        sys.stdout.flush()
        buffer.write(data)
        buffer.flush()
        return
    try:
        write_file(path, data)
    except OSError as exc:
        raise UsageError(say("cli.duties.cannot_write", lang, path=_v(path), reason=_v(os_reason(exc, lang)))) from exc


def cmd_duties(args) -> int:
    from slalang.runtime import RulesError, TicketError, load_rules
    from slalang.runtime.duties import Tracker
    from slalang.runtime.evidence import EvidenceError, EvidenceReader, Issue
    from slalang.runtime.tickets import RowError, open_text

    lang = lang_of(args)
    try:
        rules = load_rules(args.rules)
    except RulesError as exc:
        detail, hint = _rules_error(exc, lang)
        print(say("cli.eval.rules_error", lang, detail=_v(detail)), file=sys.stderr)
        if hint:
            print(say("cli.error.help", lang, hint=_v(hint)), file=sys.stderr)
        return rules_exit_code(exc)
    tracker = Tracker(rules)
    at = _at(args.at, tracker, lang)
    if args.format == "ics":
        try:
            import icalendar  # noqa: F401
        except ImportError:
            raise UsageError(say("cli.duties.no_icalendar", lang))
    try:
        fh = open_text(args.evidence)
    except OSError as exc:
        raise UsageError(f"{safe(args.evidence)}: {safe(str(exc.strerror or exc))}")
    path = args.evidence
    reader = EvidenceReader(tracker, tracker.local_date(at))
    records = []
    rows: list[dict] = []  # the rows that did not count, or counted with a remark (JSON)
    bad = notes = shown_bad = shown_notes = 0
    stopping = False  # a bad row without --skip-bad: list the first ones, then stop

    def report(line: int, column, key, fields, english: str, note: bool) -> bool:
        """Report a row; True if reading goes on (without --skip-bad, only to
        list the next bad rows: nothing is judged or written then)."""
        nonlocal bad, notes, shown_bad, shown_notes, stopping
        detail = _row_text(line, column, key, fields, english, lang)
        rows.append({"line": line, "column": column, "kind": "note" if note else "bad", "key": key, "message": detail})
        if note:
            notes += 1
            if shown_notes < MAX_SHOWN:
                print(say("cli.duties.note", lang, path=_v(path), detail=_v(detail)), file=sys.stderr)
                shown_notes += 1
            return True
        bad += 1
        if not args.skip_bad:
            stopping = True
            print(say("cli.eval.bad_row", lang, path=_v(path), detail=_v(detail)), file=sys.stderr)
            shown_bad += 1
            return shown_bad < MAX_SHOWN
        if shown_bad < MAX_SHOWN:
            print(say("cli.eval.skipped_row", lang, path=_v(path), detail=_v(detail)), file=sys.stderr)
            shown_bad += 1
        return True

    def stop() -> int:
        """The end of a run that found bad rows without --skip-bad."""
        if shown_bad >= MAX_SHOWN:
            print(say("cli.eval.first_bad_rows", lang, n=shown_bad), file=sys.stderr)
        print(say("cli.eval.bad_row_help", lang), file=sys.stderr)
        return EXIT_ERRORS

    with fh:
        try:
            for item in reader.read(fh, _input_kind(path)):
                if isinstance(item, RowError):
                    if not report(item.line, item.column, item.key, item.fields, item.message, False):
                        return stop()
                elif isinstance(item, Issue):
                    if not report(item.line, item.column, item.key, item.fields, item.english, item.note):
                        return stop()
                else:
                    records.append(item)
        except TicketError as exc:  # the header itself is wrong
            detail = _message(f"cli.runtime.{exc.key}", exc.fields, str(exc), lang) if exc.key else safe(str(exc))
            print(say("cli.eval.bad_file", lang, path=_v(path), detail=_v(detail)), file=sys.stderr)
            return EXIT_ERRORS
        except EvidenceError as exc:
            detail = _message(f"cli.duties.{exc.key}", exc.fields, exc.english, lang)
            print(say("cli.eval.bad_file", lang, path=_v(path), detail=_v(detail)), file=sys.stderr)
            return EXIT_ERRORS
        except UnicodeDecodeError as exc:
            print(
                say("cli.eval.bad_file", lang, path=_v(path), detail=_v(f"not UTF-8 text (byte {exc.start})")),
                file=sys.stderr,
            )
            return EXIT_ERRORS
    if stopping:
        return stop()
    duties, targets = tracker.judge(records, at)
    if args.format == "json":
        data = render_json(tracker, duties, targets, at, lang, rows).encode("utf-8")
    elif args.format == "ics":
        data = render_ics(tracker, duties, targets, at, lang)
    else:
        data = render_text(tracker, duties, targets, at, lang, path, len(records)).encode("utf-8")
    _write(args.output, data, lang)
    if bad:
        more = say("cli.eval.not_shown", lang, n=bad - shown_bad) if bad > shown_bad else ""
        print(say("cli.duties.skipped", lang, n=bad, more=more, count=len(records)), file=sys.stderr)
    if notes:
        more = say("cli.eval.not_shown", lang, n=notes - shown_notes) if notes > shown_notes else ""
        print(say("cli.duties.notes", lang, n=notes, more=more), file=sys.stderr)
    if args.check:
        failing = sum(1 for r in duties for p in r.periods if p.status == "overdue")
        failing += sum(1 for r in targets for q in r.periods if q.status in ("overdue", "missed"))
        if failing:
            print(say("cli.duties.check_failed", lang, n=failing), file=sys.stderr)
            return EXIT_ERRORS
    return EXIT_OK


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "duties",
        help="track recurring duties and service targets against evidence",
        description="Judge each period of the contract's duties (drills, tests, audits, reports…) and service "
        "targets against evidence (CSV or JSON Lines: duty, date, evidence, value, note) at an instant: done, "
        "late, overdue, due or upcoming; met, missed, overdue, due or upcoming. Prints a report, JSON "
        f"({JSON_SCHEMA_ID}) or an iCalendar file of what is still to do.",
    )
    p.add_argument("rules", metavar="RULES", help="a <id>.rules.json or .rules.yaml file from `slalang build`")
    p.add_argument(
        "--evidence",
        metavar="FILE",
        required=True,
        help="evidence as .csv or .jsonl (`-` for stdin): duty, date, evidence (a reference, never fetched), "
        "value (targets), note",
    )
    p.add_argument(
        "--at",
        metavar="INSTANT",
        help="judge at this instant or date, e.g. 2026-07-01 (its start, contract time) or 2026-07-01T09:00+08:00 "
        "(default: now; the report says which)",
    )
    p.add_argument("--format", choices=("text", "json", "ics"), default="text", help="output format (default text)")
    p.add_argument("-o", "--output", metavar="OUT", help="write the output to this file (default: standard output)")
    p.add_argument("--check", action="store_true", help="exit 1 when a period is overdue or a target missed")
    p.add_argument("--skip-bad", action="store_true", help="report bad rows on stderr and go on")
    add_lang_argument(p)
    p.set_defaults(func=cmd_duties)
