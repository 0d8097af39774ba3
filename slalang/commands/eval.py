"""`slalang eval RULES TICKETS`: enforce a compiled rule file on tickets.

Reads tickets (CSV or JSON Lines, see slalang/runtime/tickets.py for the
columns) one at a time, evaluates each against the rules, and prints a period
report (SLA attainment, MTTR, breaches, availability, credits) — or, with
`--per-ticket`, one outcome line per ticket as it goes. Memory does not grow
with the number of tickets. A progress bar is drawn on stderr only when
stderr is a terminal. A bad row (a bad cell, invalid UTF-8, a quote never
closed: slalang/runtime/tickets.py) stops the run: the first bad rows are
listed with their line and column (at most `MAX_SHOWN_ERRORS`) and no report
is made (exit 1); `--skip-bad` reports them, skips them, counts them and goes
on. Every text from the data or the contract is escaped where it is printed:
`textsafe.term` in tables and messages, `textsafe.csv_cell` (and `term`) in
CSV cells, control and bidirectional characters as `\\uXXXX` in JSON
(`textsafe.json_safe`)."""

from __future__ import annotations

import functools
import sys
import time

from slalang.cliutil import (
    EXIT_ERRORS,
    EXIT_OK,
    UsageError,
    add_lang_argument,
    json_reason,
    lang_of,
    rules_exit_code,
    say,
)
from slalang.source import display_width
from slalang.textsafe import csv_cell, json_safe, term

MAX_SHOWN_ERRORS = 20


class _Progress:
    """A one-line progress bar on stderr, drawn at most 5 times a second."""

    def __init__(self, fh, label: str):
        import os

        self.enabled = sys.stderr.isatty()
        self.fh, self.label = fh, label
        self.start = self.last = time.monotonic()
        try:
            self.size = os.fstat(fh.fileno()).st_size
        except (OSError, ValueError, AttributeError):
            self.size = 0
        self.drawn = False

    def tick(self, rows: int) -> None:
        if not self.enabled or rows % 4096:
            return
        now = time.monotonic()
        if now - self.last < 0.2:
            return
        self.last = now
        rate = rows / max(now - self.start, 1e-9)
        pos = 0
        try:
            pos = self.fh.buffer.tell()
        except (OSError, ValueError, AttributeError):
            pass
        if self.size and pos:
            frac = min(pos / self.size, 1.0)
            bar = "█" * int(frac * 30) + "░" * (30 - int(frac * 30))
            text = f"{self.label} {bar} {frac * 100:5.1f}%  {rows:,} tickets  {rate:,.0f}/s"
        else:
            text = f"{self.label} {rows:,} tickets  {rate:,.0f}/s"
        sys.stderr.write("\r" + text + "\033[K")
        sys.stderr.flush()
        self.drawn = True

    def finished(self, rows: int) -> None:
        """The whole file evaluated at once (the DuckDB engine): one full bar."""
        if not self.enabled:
            return
        rate = rows / max(time.monotonic() - self.start, 1e-9)
        sys.stderr.write(f"\r{self.label} {'█' * 30} 100.0%  {rows:,} tickets  {rate:,.0f}/s\033[K")
        sys.stderr.flush()
        self.drawn = True

    def done(self) -> None:
        if self.drawn:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()


def _fmt_instant(rules, t):
    return "" if t is None else rules.format(t)


OUTCOME_COLUMNS = (
    "id",
    "priority",
    "product",
    "exclusion",
    "response_column",
    "response_target",
    "response_due",
    "response_status",
    "response_late_seconds",
    "response_warning",
    "resolution_column",
    "resolution_target",
    "resolution_due",
    "resolution_status",
    "resolution_late_seconds",
    "resolution_warning",
    "updates_status",
    "updates_missed",
    "followup_status",
    "credit",
    "currency",
)


def outcome_columns(rules) -> tuple[str, ...]:
    """The per-ticket CSV columns: `plan` after `product` when the contract has plans."""
    if not rules.plans:
        return OUTCOME_COLUMNS
    i = OUTCOME_COLUMNS.index("product") + 1
    return OUTCOME_COLUMNS[:i] + ("plan",) + OUTCOME_COLUMNS[i:]


def outcome_row(rules, o) -> dict:
    t = o.ticket
    row = {"id": t.id, "priority": t.priority, "product": t.product or "", "exclusion": o.exclusion or ""}
    if rules.plans:
        row["plan"] = t.plan or ""
    for metric in ("response", "resolution"):
        d = o.deadlines.get(metric)
        row[f"{metric}_column"] = d.column if d else ""
        row[f"{metric}_target"] = d.target if d else ""
        row[f"{metric}_due"] = _fmt_instant(rules, d.due) if d else ""
        row[f"{metric}_status"] = d.status if d else ""
        row[f"{metric}_late_seconds"] = d.late if d else 0
        row[f"{metric}_warning"] = (d.warning or "") if d else ""
    row["updates_status"] = o.updates.status if o.updates else ""
    row["updates_missed"] = o.updates.missed if o.updates else 0
    row["followup_status"] = o.followup.status if o.followup else ""
    row["credit"] = str(rules.round(o.credit))
    row["currency"] = rules.currency
    return row


def outcome_json(rules, o) -> dict:
    t = o.ticket
    out = {
        "id": t.id,
        "priority": t.priority,
        "product": t.product,
        "region": t.region,
    }
    # What only some contracts have: the plan, the flags set, a clock start other than opened_at.
    if rules.plans:
        out["plan"] = t.plan
    if rules.flags:
        out["flags"] = sorted(t.flags)
    return out | {
        "exclusion": o.exclusion,
        "deadlines": {
            m: {
                **(
                    {"start": _fmt_instant(rules, rules.clock_start(m, t)) or None}
                    if rules.starts.get(m, "opened_at") != "opened_at"
                    else {}
                ),
                "column": d.column,
                "target": d.target,
                "clock": d.clock,
                "due": None if d.due is None else rules.format(d.due),
                "status": d.status,
                "late_seconds": d.late,
                "warning": d.warning,
                "elapsed_percent": None if d.elapsed is None else round(float(d.elapsed) * 100, 2),
                "line": d.line or None,
            }
            for m, d in o.deadlines.items()
        },
        "updates": None if o.updates is None else {"status": o.updates.status, "missed": o.updates.missed},
        "followup": None
        if o.followup is None
        else {"status": o.followup.status, "due": _fmt_instant(rules, o.followup.due) or None},
        "credits": {k: str(rules.round(v)) for k, v in sorted(o.credits.items())},
        "credit": str(rules.round(o.credit)),
        "currency": rules.currency,
    }


# ------------------------------------------------------------------ report output
# The words of the table and per-ticket outputs are catalogue messages
# (`cli.eval.report.*` in templates/messages/<lang>/cli.yaml); JSON and CSV keep
# their machine keys. Columns are padded by terminal cells (a CJK character
# takes two), so Chinese headers and ticket ids line up.
def _word(lang: str, key: str, **fields) -> str:
    return say(f"cli.eval.report.{key}", lang, **fields)


def _pad(text: str, width: int, right: bool = False) -> str:
    if text.isascii():
        return text.rjust(width) if right else text.ljust(width)
    fill = " " * max(width - display_width(text), 0)
    return fill + text if right else text + fill


def _table(headers, rows) -> str:
    cells = [[("" if c is None else term(str(c))) for c in r] for r in rows]
    widths = [max([display_width(h)] + [display_width(r[i]) for r in cells]) for i, h in enumerate(headers)]

    def line(vals):
        return "  ".join(
            _pad(v, w, right=i > 1 and v[:1].isdigit()) for i, (v, w) in enumerate(zip(vals, widths))
        ).rstrip()

    return "\n".join([line(headers), line(["-" * w for w in widths])] + [line(r) for r in cells])


def render_table(rep: dict, lang: str = "en") -> str:
    from slalang.i18n import T

    def col(name: str, **fields) -> str:
        return _word(lang, f"col.{name}", **fields)

    def metric(name: str) -> str:
        return _word(lang, f"metric.{name}")

    currency = rep["currency"]
    period = T(f"cli.eval.report.period.{rep['period']}")
    cap_period = rep["cap_period"]
    out = [
        _word(
            lang,
            "title",
            contract=_verbatim(rep["contract"]),
            version=_verbatim(rep["version"]),
            count=f"{rep['tickets']:,}",
            period=period,
        ),
        "",
    ]
    if rep["sla"]:
        out.append(_word(lang, "sla"))
        # The not-measured count only when some metric is (its input column absent).
        unmeasured = any(r.get("not_measured") for r in rep["sla"])
        names = ["period", "metric", "priority", "judged", "met", "breached", "pending", "excluded"]
        out.append(
            _table(
                [col(c) for c in names] + ([col("not_measured")] if unmeasured else []) + [col("attainment")],
                [
                    [
                        r["period"],
                        metric(r["metric"]),
                        r["priority"],
                        r["judged"],
                        r["met"],
                        r["breached"],
                        r["pending"],
                        r["excluded"],
                    ]
                    + ([r["not_measured"]] if unmeasured else [])
                    + [r["attainment_percent"] or "-"]
                    for r in rep["sla"]
                ],
            )
        )
        out.append("")
    if rep["mttr"]:
        out.append(_word(lang, "mttr"))
        out.append(
            _table(
                [col("period"), col("priority"), col("resolved"), col("mttr")],
                [[r["period"], r["priority"], r["resolved"], _hms(r["mttr_seconds"])] for r in rep["mttr"]],
            )
        )
        out.append("")
    if rep["availability"]:
        yes, no = _word(lang, "met_yes"), _word(lang, "met_no")
        per_resource = any(r.get("resource") for r in rep["availability"])
        out.append(_word(lang, "availability"))
        out.append(
            _table(
                [col("period"), col("product")]
                + ([col("resource")] if per_resource else [])
                + [
                    col("availability_percent"),
                    col("target_percent"),
                    col("met"),
                    col("downtime"),
                    col("excluded_time"),
                    col("maintenance"),
                    col("tier"),
                    col("credit", currency=currency),
                ],
                [
                    [r["period"], r["product"]]
                    + ([r.get("resource") or "-"] if per_resource else [])
                    + [
                        r["availability_percent"],
                        r["target_percent"],
                        # A credit is owed only below the target: "met" never sits beside one.
                        yes if r["met"] else no,
                        _hms(r["downtime_seconds"]),
                        _hms(r["excluded_seconds"]),
                        _hms(r["maintenance_seconds"]),
                        r["tier"] or "-",
                        r["credit"] if not r["met"] else "-",
                    ]
                    for r in rep["availability"]
                ],
            )
        )
        out.append("")
    if rep.get("availability_products"):
        out.append(_word(lang, "availability_products"))
        out.append(
            _table(
                [
                    col("period"),
                    col("product"),
                    col("resources"),
                    col("resources_met"),
                    col("downtime"),
                    col("credit", currency=currency),
                ],
                [
                    [
                        r["period"],
                        r["product"],
                        r["resources"],
                        r["resources_met"],
                        _hms(r["downtime_seconds"]),
                        r["credit"],
                    ]
                    for r in rep["availability_products"]
                ],
            )
        )
        out.append("")
    if rep["period"] != cap_period and rep["accrued_credits"]:
        out.append(_word(lang, "accrued", period=period, cap=T(f"cli.eval.report.cap_adjective.{cap_period}")))
        out.append(
            _table(
                [col("period"), col("product"), col("credit", currency=currency)],
                [[r["period"], r["product"], r["credit"]] for r in rep["accrued_credits"]],
            )
        )
        out.append("")
    out.append(_word(lang, "credits", period=T(f"cli.eval.report.period.{cap_period}"), currency=currency))
    if rep["credits"]:
        out.append(
            _table(
                [
                    col(c)
                    for c in ("period", "product", "credit_tickets", "credit_availability", "total", "cap", "owed")
                ],
                [
                    [r["period"], r["product"], r["tickets"], r["availability"], r["total"], r["cap"] or "-", r["owed"]]
                    for r in rep["credits"]
                ],
            )
        )
    else:
        out.append(_word(lang, "none_owed"))
    if "claims" in rep:
        out.append("")
        out.append(_word(lang, "claims"))
        if rep["claims"]:
            out.append(
                _table(
                    [col(c) for c in ("product", "resource", "period", "claimed_on", "first_day", "last_day", "claim")],
                    [
                        [
                            r["product"],
                            r["resource"] or "-",
                            r["period"],
                            r["claimed_on"],
                            r["first_day"],
                            r["last_day"],
                            _word(lang, f"claim.{r['status']}"),
                        ]
                        for r in rep["claims"]
                    ],
                )
            )
        else:
            out.append(_word(lang, "no_claims"))
    return "\n".join(out) + "\n"


def _hms(seconds: int) -> str:
    h, rem = divmod(int(seconds), 3600)
    return f"{h}:{rem // 60:02d}:{rem % 60:02d}"


REPORT_CSV_COLUMNS = (
    "section",
    "period",
    "metric",
    "priority",
    "product",
    "resource",
    "judged",
    "met",
    "breached",
    "pending",
    "excluded",
    "not_measured",
    "attainment_percent",
    "resolved",
    "mttr_seconds",
    "availability_percent",
    "target_percent",
    "downtime_seconds",
    "tier",
    "tickets_credit",
    "availability_credit",
    "total",
    "cap",
    "owed",
    "currency",
    "denominator_seconds",
    "claimed_on",
    "first_day",
    "last_day",
    "claim_status",
)


def render_csv(rep: dict) -> str:
    import io

    buf = io.StringIO()
    w = _SafeCsv(buf, REPORT_CSV_COLUMNS)
    w.writeheader()
    for r in rep["sla"]:
        w.writerow(
            {
                "section": "sla",
                **{
                    k: r[k]
                    for k in (
                        "period",
                        "metric",
                        "priority",
                        "judged",
                        "met",
                        "breached",
                        "pending",
                        "excluded",
                        "not_measured",
                        "attainment_percent",
                    )
                },
            }
        )
    for r in rep["mttr"]:
        w.writerow(
            {
                "section": "mttr",
                "period": r["period"],
                "priority": r["priority"],
                "resolved": r["resolved"],
                "mttr_seconds": r["mttr_seconds"],
            }
        )
    for r in rep["availability"]:
        w.writerow(
            {
                "section": "availability",
                "period": r["period"],
                "product": r["product"],
                "resource": r.get("resource") or "",
                "met": r["met"],
                "availability_percent": r["availability_percent"],
                "target_percent": r["target_percent"],
                "downtime_seconds": r["downtime_seconds"],
                "denominator_seconds": r["denominator_seconds"],
                "tier": r["tier"],
                "availability_credit": r["credit"],
                "currency": rep["currency"],
            }
        )
    for r in rep.get("availability_products", ()):
        w.writerow(
            {
                "section": "availability_product",
                "period": r["period"],
                "product": r["product"],
                "downtime_seconds": r["downtime_seconds"],
                "availability_credit": r["credit"],
                "currency": rep["currency"],
            }
        )
    for r in rep["credits"]:
        w.writerow(
            {
                "section": "credits",
                "period": r["period"],
                "product": r["product"],
                "tickets_credit": r["tickets"],
                "availability_credit": r["availability"],
                "total": r["total"],
                "cap": r["cap"],
                "owed": r["owed"],
                "currency": r["currency"],
            }
        )
    for r in rep.get("claims", ()):
        w.writerow(
            {
                "section": "claims",
                "period": r["period"],
                "product": r["product"],
                "resource": r["resource"] or "",
                "claimed_on": r["claimed_on"],
                "first_day": r["first_day"],
                "last_day": r["last_day"],
                "claim_status": r["status"],
            }
        )
    return buf.getvalue()


class _SafeCsv:
    """A csv.DictWriter whose text cells are escaped (`term`, newlines kept
    for CSV quoting) and cannot start a formula (`csv_cell`); numbers are
    written as they are."""

    def __init__(self, fh, columns) -> None:
        import csv

        self.w = csv.DictWriter(fh, columns, lineterminator="\n")

    def writeheader(self) -> None:
        self.w.writeheader()

    def writerow(self, row: dict) -> None:
        self.w.writerow({k: _csv_text(v) for k, v in row.items()})


def _csv_text(v):
    if v.__class__ is not str or not v:
        return v
    if v.isascii() and v.isprintable() and v[0] not in "=+-@":
        return v
    if v == "-" or (v[0] == "-" and v[1:].replace(".", "", 1).isdigit()):
        return v  # slalang's "none" or a number it wrote: no formula
    return csv_cell(term(v, keep_newlines=True))


# ------------------------------------------------------------------ runtime errors
# The runtime raises its errors as data (a catalogue key under `cli.runtime.`,
# its fields, and the English text; see slalang.ruleschema.Problem): here they
# become the user's language. Without a key, or with a key the catalogue lacks,
# the English text is shown as it is.
def _runtime_text(key: str | None, fields: dict | None, english: str, lang: str) -> str:
    if key is None:
        return english
    from slalang.i18n import CatalogueError

    try:
        return _problem_text(key, fields or {}, lang)
    except CatalogueError:
        return english


def _problem_text(key: str, fields: dict | None, lang: str) -> str:
    from slalang.i18n import Msg, render

    return render(Msg(f"cli.runtime.{key}", **{k: _field(v, lang) for k, v in (fields or {}).items()}), lang)


def _field(value, lang: str):
    """A field of a runtime message: a nested message, a list, an OS error's
    reason, or a value from the data (at most `SHOWN` characters, escaped)."""
    from slalang.i18n import Verbatim
    from slalang.ruleschema import Problem
    from slalang.runtime.tickets import shown

    if isinstance(value, Problem):
        return Verbatim(_problem_text(value.key, value.fields, lang))
    if isinstance(value, OSError):
        return Verbatim(_os_reason(value, lang))
    if isinstance(value, ValueError) and hasattr(value, "msg") and hasattr(value, "pos"):  # json.JSONDecodeError
        return Verbatim(json_reason(value.msg, lang))
    if isinstance(value, list | tuple):
        if value and all(isinstance(v, Problem) for v in value):
            sep = say("cli.runtime.clause_separator", lang)
            return Verbatim(sep.join(_problem_text(v.key, v.fields, lang) for v in value))
        return [Verbatim(term(shown(v))) for v in value]
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() < 64:
        return value  # a count may choose a plural form
    return Verbatim(term(shown(value)))


def _os_reason(exc: OSError, lang: str) -> str:
    """Why a file cannot be opened, in the user's words where the catalogue
    knows the error number, else as the system says it."""
    import errno

    from slalang.i18n import CatalogueError

    name = errno.errorcode.get(exc.errno or 0)
    if name:
        try:
            return say(f"cli.runtime.os_error.{name}", lang)
        except CatalogueError:
            pass
    return str(exc.strerror or exc)


def _rules_error(exc, lang: str) -> tuple[str, str | None]:
    """A `RulesError` as (detail, hint) in the user's language."""
    message = _runtime_text(exc.key, exc.fields, exc.message, lang)
    detail = message
    if exc.path:
        detail = say("cli.runtime.at_path", lang, path=_verbatim(exc.path), message=_verbatim(message))
    hint = exc.hint
    if exc.hint_key is not None and hint is not None:
        hint = _runtime_text(exc.hint_key, {}, hint, lang)
    if exc.key is None:  # an error without its message id: show it whole, as is
        detail = str(exc)
    return detail, hint


def _row_text(err, lang: str) -> str:
    """A `RowError` ("line N, column `c`: …") in the user's language."""
    from slalang.runtime.tickets import shown

    if err.key is None:
        return term(shown(str(err), 400))
    message = _runtime_text(err.key, err.fields, err.message, lang)
    if err.column:
        where = say("cli.runtime.row.line_column", lang, line=err.line, column=_verbatim(err.column))
    else:
        where = say("cli.runtime.row.line", lang, line=err.line)
    return say("cli.runtime.row.at", lang, where=_verbatim(where), message=_verbatim(message))


def _verbatim(text: str):
    """Text shown as it is, escaped for the terminal (`term` is idempotent:
    an already escaped message stays the same)."""
    from slalang.i18n import Verbatim

    return Verbatim(term(str(text)))


# ------------------------------------------------------------------ the command
def _input_kind(path: str):
    low = path.lower()
    if low.endswith((".jsonl", ".ndjson", ".json")):
        return True
    if low.endswith((".csv", ".tsv")):
        return False
    return None  # sniff


_MEASURED = (("first_response_at", "response"), ("resolved_at", "resolution"))


def _label_kind(label: str) -> str:
    """The period of a label (`2026-03` month, `2026-Q1` quarter, `2026` year)."""
    from slalang.runtime.availability import period_of_label

    try:
        return period_of_label(label)
    except ValueError:
        return "month"  # set_percent then says what a month label looks like


def _is_parquet(path: str) -> bool:
    if path == "-":
        return False
    if path.lower().endswith(".parquet"):
        return True
    try:
        with open(path, "rb") as fh:
            return fh.read(4) == b"PAR1"
    except OSError:
        return False


class _Batch:
    """A ticket file evaluated by DuckDB (slalang.sql.engine): the report
    (None with --per-ticket), the outcomes, what the Python loop would
    have counted and warned."""

    def __init__(self, cm, con, rules, ev, report, count, paused, warnings, touched):
        self.cm, self.con, self.rules, self.ev = cm, con, rules, ev
        self.report, self.count, self.paused = report, count, paused
        self.warnings, self.touched = warnings, touched

    def outcomes(self):
        from slalang.sql.engine import outcome_rows

        return outcome_rows(self.con, self.rules, self.ev)

    def close(self) -> None:
        self.cm.__exit__(None, None, None)


def _header_warnings(rules, header: set[str]) -> list[tuple[str, list[str]]]:
    """The warnings the Python loop prints for absent columns, in its order."""
    out: list[tuple[str, list[str]]] = []
    absent = [c for c, _ in _MEASURED if c not in header]
    if absent:
        out.append(("cli.eval.unmeasured", absent))
    flags, starts = tuple(rules.flags), rules.start_columns
    if flags or starts:
        nf = [f for f in flags if f not in header]
        if nf:
            out.append(("cli.runtime.warning.unknown_flags", nf))
        ns = [c for c in starts if c not in header]
        if ns:
            out.append(("cli.runtime.warning.no_start", ns))
    return out


def _batch(args, rules, at, lang: str, explicit: bool) -> _Batch | None:
    """The ticket file evaluated by DuckDB, or None when the Python engine
    must (with `--engine duckdb`, a note on stderr says why)."""

    def note(key: str, **fields) -> None:
        if explicit:
            print(say(f"cli.eval.engine.fallback.{key}", lang, **fields), file=sys.stderr)

    if args.tickets == "-":
        note("stdin")
        return None
    try:
        import duckdb  # noqa: F401
    except ImportError:
        note("no_duckdb")
        return None
    from dataclasses import replace

    from slalang.sql import engine as batch_engine
    from slalang.sql import ingest
    from slalang.sql.inputs import Inputs

    why = batch_engine.unsupported(rules.file)
    if why:
        from slalang.commands.sql import unsupported_text

        note("unsupported", construct=_verbatim(unsupported_text(why[0], lang)))
        return None
    cm = batch_engine.connect()
    con = cm.__enter__()
    try:
        ing = ingest.ingest(con, args.tickets, rules, ingest.kind_of(args.tickets), Inputs(key=ingest.KEY, at=at))
        inputs = replace(ing.inputs, at=at)
        ev = batch_engine.evaluate_tables(con, rules.file, inputs)
        report = None if args.per_ticket else batch_engine.report_of(con, rules, ev, args.period)
        touched = [] if args.per_ticket else batch_engine.touched_instants(con, inputs)
    except ingest.NotCanonical as exc:
        cm.__exit__(None, None, None)
        note(
            f"file.{exc.key}",
            path=_verbatim(args.tickets),
            **{k: (_verbatim(str(v)) if isinstance(v, str) else v) for k, v in exc.fields.items()},
        )
        return None
    except batch_engine.Fallback as exc:
        cm.__exit__(None, None, None)
        fields = {k: (_verbatim(str(v)) if isinstance(v, str) else v) for k, v in exc.fields.items()}
        note(exc.key, path=_verbatim(args.tickets), **fields)
        return None
    except BaseException:
        cm.__exit__(None, None, None)
        raise
    paused = 0 if rules.pauses_apply else ing.paused
    return _Batch(cm, con, rules, ev, report, ev.count, paused, _header_warnings(rules, set(ing.header)), touched)


def cmd_eval(args) -> int:
    from slalang.runtime import RulesError, TicketError, open_rules
    from slalang.runtime.tickets import (
        InstantParser,
        RowError,
        open_text,
        read_charges,
        read_claims,
        read_downtime,
        read_tickets,
    )

    lang = lang_of(args)
    try:
        rules = open_rules(args.rules)
    except RulesError as exc:
        detail, hint = _rules_error(exc, lang)
        print(say("cli.eval.rules_error", lang, detail=_verbatim(detail)), file=sys.stderr)
        if hint:
            print(say("cli.error.help", lang, hint=_verbatim(hint)), file=sys.stderr)
        return rules_exit_code(exc)
    at = None
    if args.at == "now":
        at = int(time.time())
    elif args.at:
        try:
            at = InstantParser(rules.tz)(args.at, "--at")
        except TicketError as exc:
            raise UsageError(term(f"--at: {_runtime_text(exc.key, exc.fields, str(exc), lang)}"))
    try:
        fh = open_text(args.tickets)
    except OSError as exc:
        raise UsageError(term(f"{args.tickets}: {_os_reason(exc, lang)}"))

    from slalang.runtime.availability import AvailabilityLedger
    from slalang.runtime.report import PeriodReport

    claims = None
    if args.claims:
        from slalang.runtime.availability import ClaimWindows

        claims = ClaimWindows(rules)
        why = claims.judgeable()
        if why is not None:
            raise UsageError(say(f"cli.eval.claims.cannot_judge.{why}", lang))
    report = PeriodReport(rules, args.period)
    ledger = AvailabilityLedger(rules) if (args.downtime or args.charges) else None
    bad = 0
    shown = 0
    stopping = False  # a bad row without --skip-bad: list the first ones, then stop

    def row_error(path, err) -> bool:
        """Report a bad row; True if reading goes on (without --skip-bad, to
        list the next bad rows: then nothing more is reported or written)."""
        nonlocal bad, shown, stopping
        bad += 1
        if not args.skip_bad:
            stopping = True
            print(
                say("cli.eval.bad_row", lang, path=_verbatim(path), detail=_verbatim(_row_text(err, lang))),
                file=sys.stderr,
            )
            shown += 1
            return shown < MAX_SHOWN_ERRORS
        if shown < MAX_SHOWN_ERRORS:
            print(
                say("cli.eval.skipped_row", lang, path=_verbatim(path), detail=_verbatim(_row_text(err, lang))),
                file=sys.stderr,
            )
            shown += 1
        return True

    def stop() -> int:
        """The end of a run that found bad rows without --skip-bad."""
        progress.done()
        if shown >= MAX_SHOWN_ERRORS:
            print(say("cli.eval.first_bad_rows", lang, n=shown), file=sys.stderr)
        print(say("cli.eval.bad_row_help", lang), file=sys.stderr)
        return EXIT_ERRORS

    def bad_file(path, exc) -> int:
        detail = _runtime_text(exc.key, exc.fields, str(exc), lang)
        print(say("cli.eval.bad_file", lang, path=_verbatim(path), detail=_verbatim(detail)), file=sys.stderr)
        return EXIT_ERRORS

    def side_file(path: str, rows, use) -> int | None:
        """Feed each good row of a side input (downtime, charges, claims) to
        `use(row)`; a bad row is reported (and skipped with --skip-bad). An exit
        code when the run must stop, else None."""
        try:
            sfh = open_text(path)
        except OSError as exc:
            raise UsageError(term(f"{path}: {_os_reason(exc, lang)}"))
        with sfh:
            try:
                for entry in rows(sfh):
                    if isinstance(entry, RowError):
                        if not row_error(path, entry):
                            return stop()
                        continue
                    if stopping:
                        continue
                    n, row = entry
                    try:
                        use(row)
                    except TicketError as exc:
                        if not row_error(path, RowError(n, exc.column, str(exc), None, exc.key, exc.fields)):
                            return stop()
            except TicketError as exc:
                return bad_file(path, exc)
        return stop() if stopping else None

    def downtime(d) -> None:
        assert ledger is not None  # a side file is read only with its ledger
        if d.availability is not None:
            assert d.period is not None  # the reader gives a percentage with its period
            ledger.set_percent(d.product, d.period, d.availability, period=_label_kind(d.period), resource=d.resource)
        elif d.requests is not None:
            assert d.start is not None  # the reader gives a request count with its interval
            ledger.add_requests(
                d.product,
                d.start,
                d.requests,
                d.errors,
                resource=d.resource,
                error_rate=d.error_rate,
                exclusion=d.exclusion,
            )
        else:
            assert d.start is not None and d.end is not None  # or a downtime with both ends
            ledger.add_downtime(d.product, d.start, d.end, d.exclusion, d.notified_at, resource=d.resource)

    def charge(ch) -> None:
        assert ledger is not None  # a side file is read only with its ledger
        ledger.add_charges(ch.product, ch.period, ch.amount, resource=ch.resource)

    progress = _Progress(fh, say("cli.eval.progress", lang))
    if ledger is not None and args.downtime:
        stop_code = side_file(args.downtime, lambda f: read_downtime(f, rules.tz, _input_kind(args.downtime)), downtime)
        if stop_code is not None:
            return stop_code
    if ledger is not None and args.charges:
        stop_code = side_file(args.charges, lambda f: read_charges(f, _input_kind(args.charges)), charge)
        if stop_code is not None:
            return stop_code

    writer = None
    engine = getattr(args, "engine", "python")
    parquet = _is_parquet(args.tickets)

    def tickets_of(fh, header):
        if parquet:
            from slalang.sql.ingest import read_parquet_tickets

            return read_parquet_tickets(args.tickets, rules, header)
        return read_tickets(fh, rules.tz, _input_kind(args.tickets), header, flags, starts)

    count = 0
    seen_days: set[int] = set()
    evaluate = rules.evaluate
    header: set[str] = set()
    unmeasured: frozenset[str] | None = None
    unknown_flags: frozenset[str] = frozenset()
    warned: set[str] = set()  # absent columns already named in a warning
    flags, starts = tuple(rules.flags), rules.start_columns
    paused_ignored = 0  # tickets whose pauses the contract gives no effect (no `pauses` statement)
    pauses_apply = rules.pauses_apply

    def warn(key: str, absent: list[str]) -> None:
        warned.update(absent)
        print(say(key, lang, columns=[_verbatim(f"`{c}`") for c in absent], n=len(absent)), file=sys.stderr)

    batch = None
    if engine != "python":
        batch = _batch(args, rules, at, lang, engine == "duckdb")
    if batch is not None:
        fh.close()
        report = batch.report if batch.report is not None else report
        count, paused_ignored = batch.count, batch.paused
        for key, absent in batch.warnings:
            warn(key, absent)
        progress.finished(count)
        if args.per_ticket:
            writer = _OutcomeWriter(args.format, rules, lang)
            for outcome in batch.outcomes():
                writer.write(outcome)
        elif ledger is not None:
            for t in batch.touched:
                ledger.touch(report.local_date(t))
        batch.close()
    else:
        if args.per_ticket:
            writer = _OutcomeWriter(args.format, rules, lang)
        with fh:
            try:
                for item in tickets_of(fh, header):
                    # An absent column (in JSON Lines, a key an object does not
                    # have) is not a missed deadline: that metric is not measured.
                    now = frozenset(m for c, m in _MEASURED if c not in header) if header else None
                    changed = False
                    if now is not None and now != unmeasured:
                        absent = [c for c, m in _MEASURED if m in now and c not in warned]
                        if absent:
                            warn("cli.eval.unmeasured", absent)
                        unmeasured, changed = now, True
                    if (flags or starts) and header:
                        # A flag column absent: the rows on that flag cannot be chosen (the
                        # metric is not measured); a clock-start column absent: that metric is not.
                        nf = frozenset(f for f in flags if f not in header)
                        absent = [f for f in flags if f in nf and f not in warned]
                        if absent:
                            warn("cli.runtime.warning.unknown_flags", absent)
                        if nf != unknown_flags:
                            unknown_flags, changed = nf, True
                        absent = [c for c in starts if c not in header and c not in warned]
                        if absent:
                            warn("cli.runtime.warning.no_start", absent)
                    if changed:
                        evaluate = (
                            functools.partial(
                                rules.evaluate, unmeasured=unmeasured or frozenset(), unknown_flags=unknown_flags
                            )
                            if unmeasured or unknown_flags
                            else rules.evaluate
                        )
                    if isinstance(item, RowError):
                        if not row_error(args.tickets, item):
                            return stop()
                        continue
                    n, ticket = item
                    if ticket.pauses and not pauses_apply:
                        paused_ignored += 1
                    try:
                        outcome = evaluate(ticket, at)
                    except TicketError as exc:
                        if not row_error(
                            args.tickets, RowError(n, exc.column, str(exc), ticket.id, exc.key, exc.fields)
                        ):
                            return stop()
                        continue
                    if stopping:
                        continue  # only looking for the next bad rows
                    count += 1
                    progress.tick(count)
                    if writer is not None:
                        writer.write(outcome)
                    else:
                        report.add(outcome)
                        if ledger is not None:
                            day = ticket.opened_at // 86400
                            if day not in seen_days:
                                seen_days.add(day)
                                ledger.touch(report.local_date(ticket.opened_at))
            except TicketError as exc:  # the header itself is wrong
                progress.done()
                detail = _runtime_text(exc.key, exc.fields, str(exc), lang)
                print(
                    say("cli.eval.bad_file", lang, path=_verbatim(args.tickets), detail=_verbatim(detail)),
                    file=sys.stderr,
                )
                return EXIT_ERRORS
    if stopping:
        return stop()
    progress.done()
    if paused_ignored:
        print(say("cli.runtime.warning.pauses_ignored", lang, n=paused_ignored), file=sys.stderr)
    if writer is not None:
        writer.close()
    else:
        if ledger is not None:
            try:
                report.add_availability(ledger.results())
            except TicketError as exc:  # a credit on a product with no fee, charges not given
                charges = exc.key is not None and exc.key.startswith("charges.")
                return bad_file((args.charges if charges else None) or args.downtime or args.charges, exc)
        rep = report.result()
        if claims is not None:
            judged: list[dict] = []

            def claim(cl) -> None:
                assert claims is not None  # read only when --claims is given
                j = claims.judge(cl.product, cl.period, cl.claimed_on, cl.resource)
                judged.append(
                    {
                        "product": j.product,
                        "resource": j.resource,
                        "period": j.period,
                        "claimed_on": j.claimed_on.isoformat(),
                        "first_day": j.first_day.isoformat(),
                        "last_day": j.last_day.isoformat(),
                        "status": j.status,
                    }
                )

            stop_code = side_file(args.claims, lambda f: read_claims(f, rules.tz, _input_kind(args.claims)), claim)
            if stop_code is not None:
                return stop_code
            rep["claims"] = judged
        if args.format == "json":
            import json

            sys.stdout.write(json_safe(json.dumps(rep, indent=2, ensure_ascii=False)) + "\n")
        elif args.format == "csv":
            sys.stdout.write(render_csv(rep))
        else:
            sys.stdout.write(render_table(rep, lang))
    if bad:
        more = say("cli.eval.not_shown", lang, n=bad - shown) if bad > shown else ""
        print(say("cli.eval.skipped", lang, n=bad, more=more, count=f"{count:,}"), file=sys.stderr)
    return EXIT_OK


class _OutcomeWriter:
    # The per-ticket table: (column of outcome_row, metric or None, header key).
    TABLE = (
        ("id", None, "id"),
        ("priority", None, "priority"),
        ("response_due", "response", "due"),
        ("response_status", "response", "status"),
        ("response_warning", "response", "warning"),
        ("resolution_due", "resolution", "due"),
        ("resolution_status", "resolution", "status"),
        ("resolution_warning", "resolution", "warning"),
        ("credit", None, "credit"),
    )

    def __init__(self, fmt: str, rules, lang: str = "en"):
        self.fmt, self.rules, self.lang = fmt, rules, lang
        if fmt == "csv":
            self.w = _SafeCsv(sys.stdout, outcome_columns(rules))
            self.w.writeheader()
        elif fmt == "table":
            from slalang.i18n import T

            self.cols = [c for c, _, _ in self.TABLE]
            headers = [
                _word(lang, f"ticket.{key}", metric=T(f"cli.eval.report.metric.{m}") if m else "")
                for _, m, key in self.TABLE
            ]
            # Fixed widths (the table is streamed): wide enough for the header,
            # an instant, or an 8-cell id, priority, status or credit.
            self.widths = [max(display_width(h), 25 if c.endswith("due") else 8) for h, c in zip(headers, self.cols)]
            self.words: dict[str, str] = {}
            print("  ".join(_pad(h, w) for h, w in zip(headers, self.widths)).rstrip())

    def _cell(self, col: str, value) -> str:
        text = str(value)
        kind = col.rpartition("_")[2]
        if text and kind in ("status", "warning"):
            word = self.words.get(f"{kind}.{text}")
            if word is None:
                word = self.words[f"{kind}.{text}"] = _word(self.lang, f"{kind}.{text}")
            return word
        return term(text)

    def write(self, o) -> None:
        if self.fmt == "json":
            import json

            sys.stdout.write(json_safe(json.dumps(outcome_json(self.rules, o), ensure_ascii=False)) + "\n")
        elif self.fmt == "csv":
            self.w.writerow(outcome_row(self.rules, o))
        else:
            row = outcome_row(self.rules, o)
            print("  ".join(_pad(self._cell(c, row[c]), w) for c, w in zip(self.cols, self.widths)).rstrip())

    def close(self) -> None:
        sys.stdout.flush()


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "eval",
        help="enforce a rule file on tickets: due times, breaches, credits, reports",
        description="Evaluate tickets (CSV, JSON Lines or Parquet) against a compiled rule file and print a period "
        "report: SLA attainment per metric and priority, MTTR, availability and credits with the "
        "monthly cap applied. Ticket columns: id, priority, opened_at (required); product, region, plan, "
        "first_response_at, resolved_at, followup_at, exclusion, updates (a;b;…), pauses "
        "(start/end;…), one column per flag (true/false) and per clock start the contract names. Instants are ISO 8601; without an offset they are in the contract's timezone.",
    )
    p.add_argument("rules", metavar="RULES", help="a <id>.rules.json or .rules.yaml file from `slalang build`")
    p.add_argument("tickets", metavar="TICKETS", help="tickets as .csv, .jsonl or .parquet (`-` for stdin)")
    p.add_argument(
        "--downtime",
        metavar="FILE",
        help="downtime per product or resource (product,resource,start,end,exclusion,notified_at), given "
        "percentages (product,resource,period,availability) or request buckets (product,resource,start,requests,"
        "errors|error_rate)",
    )
    p.add_argument(
        "--charges",
        metavar="FILE",
        help="charges billed per product, resource and period (product,resource,period,amount): "
        "the base of credits `of charges`",
    )
    p.add_argument(
        "--claims",
        metavar="FILE",
        help="credit claims (product,resource,period,claimed_on): says for each whether it came early, "
        "inside the contract's claim window or late",
    )
    p.add_argument(
        "--at",
        metavar="INSTANT",
        help="judge open tickets at this instant, e.g. 2026-03-01T09:00 (contract time) or `now` "
        "(breached if past due; warning levels)",
    )
    p.add_argument("--period", choices=("month", "week", "day"), default="month", help="report period (default month)")
    p.add_argument("--format", choices=("table", "json", "csv"), default="table", help="output format (default table)")
    p.add_argument(
        "--per-ticket",
        action="store_true",
        help="print one outcome per ticket as it is evaluated instead of the report",
    )
    p.add_argument("--skip-bad", action="store_true", help="report bad rows on stderr and go on")
    p.add_argument(
        "--engine",
        choices=("auto", "duckdb", "python"),
        default="auto",
        help="auto (default): DuckDB for ticket files it reads exactly, else the Python engine; duckdb: the "
        "same, saying why when it falls back to Python; python: the Python engine only",
    )
    add_lang_argument(p)
    p.set_defaults(func=cmd_eval)
