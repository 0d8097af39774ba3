"""DuckDB as the embedded batch engine: a ticket file or table evaluated in
SQL, equal to the Python runtime, or refused (and then the Python engine
evaluates it).

`slalang eval --engine duckdb|auto` (slalang/commands/eval.py) runs, for a
ticket file:

1. `slalang.sql.ingest.ingest`: DuckDB reads the file (CSV,
   Parquet; JSON Lines go to the Python engine) into the input tables of slalang/sql/inputs.py (KEY `k` = the
   row's position), accepting only cells the Python reader reads to the same
   value (`NotCanonical` otherwise);
2. the calendar tables (slalang.sql.calendar), the outcome query
   (slalang.sql.tickets.outcome_query, materialised as `slalang_outcomes`)
   and the cadence query (slalang.sql.cadence.cadence_query, as
   `slalang_cadence`), joined on KEY: a row with an `error_key` in either
   (a TicketError the Python runtime would raise for that ticket) sends the
   whole file to the Python engine, which reports it with its line;
3. the report: slalang.sql.report.aggregate_queries over the outcomes,
   folded by `report_from_aggregates` into the reference `PeriodReport`
   (so rendering, caps and rounding are the Python report's), or, with
   `--per-ticket`, the outcome rows fetched in batches and rebuilt as
   `TicketOutcome` objects for eval's writers (`outcome_rows`).

Availability (downtime, given percentages, request buckets), charges and
claims are small side files: both engines feed them to the Python
`AvailabilityLedger`; the DuckDB engine gives the ledger the days it must
`touch` (`touched_instants`: the opening instant of the first ticket, in
file order, of each UTC day — as the Python loop does).

Anything the SQL builders cannot compile exactly (`unsupported(rule_file)`,
the union of their lists) makes the file go to the Python engine too, as do
stdin (`-`) and a file DuckDB cannot read exactly. So DuckDB only ever
evaluates input on which it is equal to the Python engine.

DuckDB runs with `threads` = the machine's cores, a `memory_limit`
(default 1 GB, `SLALANG_DUCKDB_MEMORY`) and its temporary files in a private
temporary folder removed afterwards, so memory stays flat on files larger
than memory.

`evaluate_table(rules, table, at=None, period="month")`: a table DuckDB can
scan (an Arrow table, a pandas frame, a DuckDB relation, a table name) with
the typed columns of slalang/sql/inputs.py (`updates` a LIST of BIGINT and
`pauses` a LIST of [start, end] BIGINT pairs, when given) → the report dict
(`PeriodReport.result()`); `TableError` lists the rows the SQL cannot
evaluate (it has no lines to name)."""

from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, replace
from decimal import Decimal

from slalang.sql.inputs import Inputs, Unsupported

OUTCOMES = "slalang_outcomes"
CADENCE = "slalang_cadence"
KEY = "k"


class Fallback(Exception):
    """The input goes to the Python engine: `key` names why
    (`cli.eval.engine.fallback.<key>`), `fields` its fields; `str()` is English."""

    def __init__(self, key: str, english: str, **fields) -> None:
        self.key, self.fields = key, fields
        super().__init__(english)


class TableError(ValueError):
    """`evaluate_table`: rows the SQL cannot evaluate (`rows`: (KEY, reason) pairs)."""

    def __init__(self, message: str, rows: list) -> None:
        super().__init__(message)
        self.rows = rows


def unsupported(rule_file) -> list[Unsupported]:
    """What the SQL builders cannot compile for `rule_file` (the outcome,
    cadence and report queries)."""
    from slalang.sql import cadence, report, tickets

    return [*tickets.unsupported(rule_file), *cadence.unsupported(rule_file), *report.unsupported(rule_file)]


@contextmanager
def connect(memory_limit: str | None = None, threads: int | None = None):
    """A DuckDB connection with its limits set and a private temp folder."""
    import duckdb

    tmp = tempfile.mkdtemp(prefix="slalang-duckdb-")
    con = duckdb.connect(config={"allow_unsigned_extensions": False})
    try:
        limit = memory_limit or os.environ.get("SLALANG_DUCKDB_MEMORY") or "1GB"
        con.execute(f"SET memory_limit = '{_plain(limit)}'")
        con.execute(f"SET threads = {int(threads or os.cpu_count() or 1)}")
        con.execute(f"SET temp_directory = '{_plain(tmp)}'")
        con.execute("SET preserve_insertion_order = true")
        yield con
    finally:
        con.close()
        shutil.rmtree(tmp, ignore_errors=True)


def _plain(text: str) -> str:
    return text.replace("'", "''")


def load_calendars(con, rule_file) -> None:
    from slalang.sql.calendar import load_calendar_tables

    load_calendar_tables(con, rule_file)


def _extra_statements(rule_file, inputs: Inputs) -> list:
    """Tables a builder needs besides the calendar (cadence's, when it has them)."""
    out: list = []
    try:
        from slalang.sql import cadence
    except ImportError:
        return out
    fn = getattr(cadence, "cadence_statements", None)
    if fn is not None:
        out.extend(fn(rule_file, inputs))
    return out


@dataclass
class Evaluated:
    """The outcome and cadence tables are built and free of errors."""

    inputs: Inputs
    count: int


def evaluate_tables(con, rule_file, inputs: Inputs) -> Evaluated:
    """Build the outcome and cadence tables over the input tables already
    in `con`; `Fallback` when the rule file has unsupported constructs or
    some ticket has an error (the first by KEY named)."""
    import duckdb

    why = unsupported(rule_file)
    if why:
        u = why[0]
        raise Fallback("unsupported", f"the SQL does not compile {u}", construct=str(u))
    from slalang.sql.cadence import cadence_query
    from slalang.sql.tickets import outcome_query

    try:
        load_calendars(con, rule_file)
        for stmt in _extra_statements(rule_file, inputs):
            con.execute(stmt.sql(dialect="duckdb"))
        con.execute(f"CREATE OR REPLACE TABLE {OUTCOMES} AS {outcome_query(rule_file, inputs).sql(dialect='duckdb')}")
        con.execute(f"CREATE OR REPLACE TABLE {CADENCE} AS {cadence_query(rule_file, inputs).sql(dialect='duckdb')}")
    except Unsupported as exc:
        raise Fallback("unsupported", f"the SQL does not compile {exc}", construct=str(exc)) from None
    except duckdb.Error as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
        raise Fallback("sql_error", f"DuckDB: {first}", reason=first) from None
    k = inputs.key
    got = con.execute(
        f"SELECT {k}, error_key FROM {OUTCOMES} WHERE error_key IS NOT NULL "
        f"UNION ALL SELECT {k}, error_key FROM {CADENCE} WHERE error_key IS NOT NULL ORDER BY 1 LIMIT 1"
    ).fetchall()
    bad = got[0] if got else None
    if bad is not None:
        raise Fallback("ticket_error", f"row {bad[0] + 1}: {bad[1]}", row=bad[0] + 1, error=bad[1])
    count = con.execute(f"SELECT count(*) FROM {OUTCOMES}").fetchall()[0][0]
    return Evaluated(inputs, count)


def report_of(con, rules, ev: Evaluated, period: str):
    """The reference `PeriodReport` filled from the aggregate queries."""
    from slalang.sql.report import aggregate_queries, report_from_aggregates

    inputs = replace(ev.inputs, extra={**ev.inputs.extra, "outcomes": OUTCOMES})
    rows = {
        name: con.execute(q.sql(dialect="duckdb")).fetchall()
        for name, q in aggregate_queries(rules.file, inputs, period).items()
    }
    return report_from_aggregates(rules, period, rows)


def touched_instants(con, inputs: Inputs) -> list[int]:
    """The opening instant of the first ticket (by KEY) of each UTC day
    (what the Python loop hands the availability ledger's `touch`)."""
    k = inputs.key
    return [
        r[0]
        for r in con.execute(
            f"SELECT arg_min(opened_at, {k}) FROM {inputs.tickets} GROUP BY opened_at // 86400"
        ).fetchall()
    ]


def outcome_rows(con, rules, ev: Evaluated, batch: int = 8192):
    """The tickets' `TicketOutcome`s in KEY order, rebuilt from the outcome,
    cadence and ticket tables (for eval's per-ticket writers)."""
    from slalang.runtime.engine import CadenceCheck, Deadline, Ticket, TicketOutcome

    inputs = ev.inputs
    k = inputs.key
    rf = rules.file
    metrics = [m.name for m in rf.metrics]
    tcols = [c for c in _ticket_columns(con, inputs.tickets) if c != k]
    ocols = _ticket_columns(con, OUTCOMES)
    credit_cols = [c for c in ocols if c.startswith("credit_")]
    fields = ("column", "target", "clock", "due", "event", "status", "late", "warning", "done", "total", "line")
    mcols = [f"{m}_{f}" for m in metrics for f in fields]
    ccols = ["updates_status", "updates_missed", "updates_due", "followup_status", "followup_due"]
    sel = (
        [f't."{c}"' for c in tcols]
        + [f'o."{c}"' for c in mcols + credit_cols]
        + ["o.breached"]
        + [f'c."{c}"' for c in ccols]
    )
    cur = con.execute(
        f"SELECT {', '.join(sel)} FROM {inputs.tickets} t JOIN {OUTCOMES} o USING ({k}) "
        f"JOIN {CADENCE} c USING ({k}) ORDER BY t.{k}"
    )
    flags = set(rules.flags)
    starts = set(rules.start_columns)
    nt, nm, nc = len(tcols), len(mcols), len(credit_cols)
    while True:
        got = cur.fetchmany(batch)
        if not got:
            break
        for r in got:
            tv = dict(zip(tcols, r[:nt]))
            t = Ticket(tv["id"], tv["priority"], tv["opened_at"])
            for c in ("first_response_at", "resolved_at", "followup_at", "product", "region", "plan", "exclusion"):
                if c in tv:
                    setattr(t, c, tv[c])
            on = [f for f in tv if f in flags and tv[f]]
            if on:
                t.flags = frozenset(on)
            if starts:
                t.instants = {c: tv[c] for c in tv if c in starts}
            deadlines = {}
            base = nt
            for i, m in enumerate(metrics):
                v = r[base + i * 11 : base + i * 11 + 11]
                deadlines[m] = Deadline(
                    m,
                    v[0] if v[0] is not None else "",
                    v[1] if v[1] is not None else "",
                    v[2] if v[2] is not None else "none",
                    v[3],
                    v[4],
                    v[5],
                    int(v[6] or 0),
                    v[7],
                    int(v[8] or 0),
                    int(v[9] or 0),
                    int(v[10] or 0),
                )
            cv = r[nt + nm : nt + nm + nc]
            credits = {name[len("credit_") :]: Decimal(x) for name, x in zip(credit_cols, cv) if x is not None}
            breached = bool(r[nt + nm + nc])
            us, um, ud, fs, fd = r[nt + nm + nc + 1 :]
            updates = None if us is None else CadenceCheck(us, int(um or 0), ud)
            followup = (
                None if fs is None else CadenceCheck(fs, 1 if fs == "breached" and _followup_missed(t) else 0, fd)
            )
            yield TicketOutcome(t, deadlines, credits, t.exclusion, updates, followup, breached)


def _followup_missed(t) -> bool:
    """The runtime counts a follow-up breached for want of a call as one missed (none when the call came late)."""
    return t.followup_at is None


def _ticket_columns(con, table: str) -> list[str]:
    return [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()]


# ------------------------------------------------------------------ tables from Python
def evaluate_table(rules, table, at: int | None = None, period: str = "month") -> dict:
    """The period report (`PeriodReport.result()`) of a table of tickets
    with the typed columns of slalang/sql/inputs.py: an Arrow table, a
    pandas frame, a DuckDB relation, or anything else DuckDB can scan.
    Optional columns may be left out (as absent CSV columns: that metric is
    not measured); `updates` is a LIST of epoch seconds, `pauses` a LIST of
    [start, end] pairs. Raises `TableError` listing the rows the SQL
    cannot evaluate (their position, and why) and `Fallback` for a rule
    file the SQL cannot compile."""
    from slalang.sql.inputs import ticket_columns

    rf = rules.file
    known = set(ticket_columns(rf)) | {"updates", "pauses"}
    with connect() as con:
        con.register("slalang_input", table)
        cols = [r[0] for r in con.execute("DESCRIBE slalang_input").fetchall()]
        unknown = [c for c in cols if c not in known]
        if unknown:
            raise TableError(f"unknown column `{unknown[0]}`; columns: {', '.join(sorted(known))}", [])
        for c in ("id", "priority", "opened_at"):
            if c not in cols:
                raise TableError(f"the table has no `{c}` column", [])
        inputs = Inputs(key=KEY, present=frozenset(cols), at=at)
        plain = [f'"{c}"' for c in cols if c not in ("updates", "pauses")]
        con.execute(f"CREATE TABLE slalang_in AS SELECT row_number() OVER () - 1 AS {KEY}, * FROM slalang_input")
        con.execute(f"CREATE TABLE {inputs.tickets} AS SELECT {KEY}, {', '.join(plain)} FROM slalang_in")
        if "updates" in cols:
            con.execute(
                f'CREATE TABLE {inputs.updates} AS SELECT {KEY}, CAST(u AS BIGINT) AS "at" '
                f"FROM (SELECT {KEY}, unnest(updates) AS u FROM slalang_in)"
            )
        else:
            con.execute(f'CREATE TABLE {inputs.updates} ({KEY} BIGINT, "at" BIGINT)')
        if "pauses" in cols:
            con.execute(
                f"CREATE TABLE {inputs.pauses} AS SELECT {KEY}, CAST(p[1] AS BIGINT) AS start_at, "
                f"CAST(p[2] AS BIGINT) AS end_at FROM (SELECT {KEY}, unnest(pauses) AS p FROM slalang_in)"
            )
        else:
            con.execute(f"CREATE TABLE {inputs.pauses} ({KEY} BIGINT, start_at BIGINT, end_at BIGINT)")
        bad = con.execute(
            f"SELECT {KEY}, 'id, priority and opened_at must be given' FROM {inputs.tickets} "
            f"WHERE id IS NULL OR priority IS NULL OR opened_at IS NULL ORDER BY 1 LIMIT 20"
        ).fetchall()
        if bad:
            raise TableError(_rows_text(bad), bad)
        try:
            ev = evaluate_tables(con, rf, inputs)
        except Fallback as exc:
            if exc.key != "ticket_error":
                raise
            errs = con.execute(
                f"SELECT {KEY}, error_key, error_column FROM {OUTCOMES} WHERE error_key IS NOT NULL "
                f"UNION ALL SELECT {KEY}, error_key, error_column FROM {CADENCE} WHERE error_key IS NOT NULL "
                "ORDER BY 1 LIMIT 20"
            ).fetchall()
            rows = [(r[0], f"{r[1]}" + (f" (column `{r[2]}`)" if r[2] else "")) for r in errs]
            raise TableError(_rows_text(rows), rows) from None
        return report_of(con, rules, ev, period).result()


def _rows_text(rows) -> str:
    shown = "; ".join(f"row {k}: {why}" for k, why in rows[:20])
    return f"the table has rows the rules cannot evaluate: {shown}"
