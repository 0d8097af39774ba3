"""The Spark SQL the batch path emits (`.sql(dialect="spark")`), run on a
local PySpark session, equals the Python runtime field for field: the
calendar tables and the due-time query (slalang/sql/calendar.py) against
`BusinessCalendar.add`, on every example contract with a business calendar,
for requests drawn from generated tickets.

One Spark session serves the whole module (tests/sparkharness.py); each
contract gets its own Spark database holding the calendar tables made by
the emitted CREATE/INSERT statements, and the input tables are temporary
views of generated tickets.

Slow (JVM start-up): marked `slow`, and it runs in CI like every test. It
fails, saying what is missing, without a Java runtime or PySpark, unless
SLALANG_NO_SPARK=1 is set. A case Spark rejects or computes differently is
kept as `xfail(strict=True)` with its reason (today: the outcome query at
Spark's default analyzer limit), so it flips when the query is fixed.
"""

from __future__ import annotations

import datetime as dt
import random
import zlib
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import sparkharness
import sqlharness
from sqlglot import exp

from slalang.businesstime import CalendarRangeError
from slalang.runtime.availability import period_key
from slalang.runtime.engine import TicketError
from slalang.runtime.report import PeriodReport
from slalang.sql.calendar import compiled_calendars, due_query
from slalang.sql.expr import LAST, Zone, floordiv, mod
from slalang.sql.inputs import OUTCOME_FIELDS, Inputs

pytestmark = pytest.mark.slow

TICKETS = 300  # per contract


def _params(contracts: list[str]) -> list:
    """One parameter per contract, named without `contracts/` and `.sla`."""
    return [pytest.param(c, id=c.removeprefix("contracts/").removesuffix(".sla")) for c in contracts]


@pytest.fixture(scope="session")
def spark(request):
    if sparkharness.skipped_on_purpose():
        pytest.skip(f"{sparkharness.NO_SPARK}=1: the Spark SQL tests are skipped on purpose")
    why = sparkharness.missing()
    if why is not None:
        pytest.fail(
            f"the Spark SQL test cannot run: {why}. (Set {sparkharness.NO_SPARK}=1 to skip it on purpose.)",
            pytrace=False,
        )
    session = sparkharness.start()
    yield session
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line("")
        reporter.write_line(sparkharness.timing_summary(session))
    session.stop()


def _contract(spark, contract: str, codegen: bool = True):
    """The contract's rule file and runtime rules, its Spark database current;
    `codegen` off for the builders' many small queries (see sparkharness.codegen)."""
    sparkharness.codegen(spark, codegen)
    rf, rules = sqlharness.rules_of(contract)
    sparkharness.use_contract(spark, contract, rf)
    return rf, rules


# ------------------------------------------------------------ due times
def _runtime_due(cal, t: int, n: int) -> tuple[int | None, bool]:
    """(due, out_of_range) as `BusinessCalendar.add` gives them."""
    try:
        return cal.add(t, n), False
    except CalendarRangeError:
        return None, True
    except ValueError:
        return None, False


def _requests(rf, rng: random.Random) -> list[tuple[int, str, int, int]]:
    """(id, calendar, opened_at_s, seconds): each generated ticket's opening
    instant, per calendar, with 0 seconds, a round amount, an amount landing
    exactly on an interval's end, a random amount, and one past the
    calendar's last working second; and a few instants outside the range."""
    if rf.priorities:
        openings = [t.opened_at for t in sqlharness.generated(rf, TICKETS, seed=rng.randrange(1 << 30))]
    else:  # an availability-only contract: instants over the whole calendar
        cal = next(iter(compiled_calendars(rf).values()))
        openings = [rng.randint(cal.lo, cal.hi) // 60 * 60 for _ in range(TICKETS)]
    out: list[tuple[int, str, int, int]] = []
    for key, cal in compiled_calendars(rf).items():
        day = max(cal._day_len) if cal._day_len else 3600
        for opened in openings:
            amounts = [0, rng.choice((1, 60, 3600, day, 2 * day)), rng.randint(1, 5 * day)]
            if cal.lo <= opened <= cal.hi:
                off = cal.offset(opened)
                j = rng.randrange(len(cal._cumend))
                if cal._cumend[j] > off:
                    amounts.append(cal._cumend[j] - off)
                amounts.append(cal.total - off + rng.choice((0, 1)))
            for n in amounts:
                out.append((len(out), key, opened, n))
        for t in (cal.lo - 1, cal.lo, cal.hi, cal.hi + 1):
            out.append((len(out), key, t, rng.choice((0, 60, day))))
    out.append((len(out), "no-such-calendar", 0, 60))
    return out


WITH_CALENDARS = [c for c in sqlharness.EXAMPLES if compiled_calendars(sqlharness.rules_of(c)[0])]


@pytest.mark.parametrize("contract", _params(WITH_CALENDARS))
def test_due_query_equals_runtime(spark, contract: str) -> None:
    rf, _ = _contract(spark, contract)
    rng = random.Random(f"spark-due-{contract}")
    reqs = _requests(rf, rng)
    cals = compiled_calendars(rf)
    expected = {rid: (_runtime_due(cals[key], t, n) if key in cals else (None, True)) for rid, key, t, n in reqs}
    sparkharness.register(
        spark,
        "requests",
        [("id", "bigint"), ("calendar", "string"), ("opened_at_s", "bigint"), ("seconds", "bigint")],
        reqs,
    )
    rows = sparkharness.run(spark, due_query().sql(dialect="spark"), "due query")
    got = {rid: (due, oor) for rid, due, oor in rows}
    assert len(rows) == len(got) == len(expected)
    bad = [(reqs[rid], want, got.get(rid)) for rid, want in expected.items() if got.get(rid) != want]
    assert not bad, f"{len(bad)} of {len(expected)} differ, e.g. {bad[:5]}"
    outside = sum(1 for _, oor in expected.values() if oor)
    assert outside >= 10 and len(expected) - outside >= TICKETS  # both kinds, in number


# ------------------------------------------------------- portable expressions
def _wall(tz, start: int, days: int, seconds: int) -> int:
    local = dt.datetime.fromtimestamp(start, tz).replace(tzinfo=None) + dt.timedelta(days=days)
    return int(local.replace(tzinfo=tz, fold=0).timestamp()) + seconds


# DST by the hour and by the half hour (the contracts' own zones run in every builder's test)
EXPR_ZONES = ("Europe/London", "Australia/Lord_Howe")


@pytest.mark.parametrize("zone", EXPR_ZONES)
def test_zone_expressions_equal_zoneinfo(spark, zone: str) -> None:
    """slalang/sql/expr.py on Spark, code generation on: UTC offsets, `Rules.wall_due`, local
    days, local instants read back (fold=0) and ISO-week labels, at random
    instants and around every other transition of 2020–2030."""
    sparkharness.codegen(spark, True)
    z, tz = Zone.of(zone), ZoneInfo(zone)
    rng = random.Random(f"spark-expr-{zone}")
    lo, hi = z.first_instant(dt.date(2020, 1, 1)), z.first_instant(dt.date(2030, 1, 1))
    ts = [rng.randrange(0, LAST - 40 * 86400) for _ in range(300)]
    ts += [rng.randrange(lo, hi) for _ in range(300)]
    for s in [s for s in z.starts if lo <= s < hi][::2]:
        ts += [s + d for d in (-86401, -3601, -1, 0, 1, 1799, 3599, 3600, 7200)]
    first, last = dt.date(2025, 12, 20), dt.date(2027, 1, 10)
    sparkharness.register(spark, "instants", [("t", "bigint")], [(t,) for t in ts])
    c = exp.column("t")
    q = exp.select(
        "t",
        z.offset(c).as_("o"),
        z.wall_due(c, 1).as_("w1"),
        z.wall_due(c, 30, 60).as_("w30"),
        z.local_day(c).as_("d"),
        z.from_local(c).as_("u"),
        z.period_key(c, "week", first, last).as_("k"),
        floordiv(exp.Neg(this=c), 86400).as_("q"),
        mod(exp.Neg(this=c), 7).as_("r"),
    ).from_("instants")
    rows = sparkharness.run(spark, q.sql(dialect="spark"), "zone expressions")
    starts = z.period_starts("week", first, last)
    bad = []
    for t, o, w1, w30, d, u, k, q_, r in rows:
        local = dt.datetime.fromtimestamp(t, tz)
        naive = dt.datetime(1970, 1, 1) + dt.timedelta(seconds=t)
        week = period_key(local.date(), "week") if starts[0][0] <= t < starts[-1][0] else None
        want = (
            int(local.utcoffset().total_seconds()),
            _wall(tz, t, 1, 0),
            _wall(tz, t, 30, 60),
            (local.date() - dt.date(1970, 1, 1)).days,
            int(naive.replace(tzinfo=tz, fold=0).timestamp()),
            week,
            -t // 86400,
            -t % 7,
        )
        if (o, w1, w30, d, u, k, q_, r) != want:
            bad.append((t, (o, w1, w30, d, u, k, q_, r), want))
    assert len(rows) == len(ts)
    assert not bad, f"{len(bad)} of {len(ts)} differ, e.g. {bad[:3]}"


# ------------------------------------------------------- ticket queries
TICKET_CONTRACTS = [c for c in sqlharness.EXAMPLES if sqlharness.rules_of(c)[0].priorities]


def _tickets(rf, contract: str, what: str) -> tuple[list, Inputs]:
    """Generated tickets of the contract, and the inputs: key `k`, every
    column, open tickets judged at the median opening instant."""
    tickets = sqlharness.generated(rf, TICKETS, seed=zlib.crc32(f"{what}-{contract}".encode()))
    opened = sorted(t.opened_at for t in tickets)
    return tickets, Inputs(key="k", at=opened[len(opened) // 2])


def _runtime(rules, rf, t, inputs: Inputs):
    """The runtime's outcome of one ticket, or the TicketError it raises."""
    try:
        return rules.evaluate(t, at=inputs.at, unmeasured=inputs.unmeasured(), unknown_flags=inputs.unknown_flags(rf))
    except TicketError as exc:
        return exc


def _on_duckdb(rf, tickets, inputs: Inputs, statements, query) -> list[tuple]:
    """The same query tree rendered for DuckDB, on the same input."""
    con = sqlharness.connect(rf)
    for stmt in statements:
        con.execute(stmt.sql(dialect="duckdb"))
    sqlharness.load_tickets(con, rf, tickets, inputs)
    return sorted(con.execute(query.sql(dialect="duckdb")).fetchall())


def _on_spark(spark, rf, tickets, inputs: Inputs, what: str, statements, query) -> list[tuple]:
    sparkharness.ensure_tables(spark, what, statements)
    sparkharness.load_tickets(spark, rf, tickets, inputs)
    return sorted(sparkharness.run(spark, query.sql(dialect="spark"), f"{what} query"))


def _cadence_fields(c) -> tuple:
    return (None, None, None) if c is None else (c.status, c.missed, c.due)


@pytest.mark.parametrize("contract", _params(TICKET_CONTRACTS))
def test_cadence_query_equals_runtime(spark, contract: str) -> None:
    """slalang.sql.cadence on Spark: every field of every ticket equals the
    runtime's `updates` and `followup` (and the DuckDB rendering's row, error
    rows included)."""
    from slalang.sql.cadence import cadence_query, cadence_statements

    rf, rules = _contract(spark, contract, codegen=False)
    tickets, inputs = _tickets(rf, contract, "cadence")
    statements, query = cadence_statements(rf, inputs), cadence_query(rf, inputs)
    rows = _on_spark(spark, rf, tickets, inputs, "cadence", statements, query)
    assert len(rows) == len(tickets)
    bad, judged = [], 0
    for k, *got in rows:
        o = _runtime(rules, rf, tickets[k], inputs)
        if isinstance(o, TicketError):
            continue  # the outcome query reports it (compared with DuckDB below)
        judged += 1
        updates = _cadence_fields(o.updates)
        want = (*updates, o.followup.status if o.followup else None, o.followup.due if o.followup else None)
        if tuple(got) != (*want, None, None):
            bad.append((k, tuple(got), want))
    assert not bad, f"{len(bad)} of {judged} differ, e.g. {bad[:3]}"
    assert judged >= TICKETS * 0.9
    assert rows == _on_duckdb(rf, tickets, inputs, statements, query)


# ------------------------------------------------------------ the report
_INT_FIELDS = {"due", "event", "late", "done", "total", "line"}
PERIODS = ("day", "week", "month")


def _outcome_table(rf, items) -> tuple[list[tuple[str, str]], list[tuple]]:
    """The outcome table (slalang/sql/inputs.py, KEY `k`) made from the
    runtime's own outcomes: the report's input, without the outcome query."""
    from slalang.sql.money import money_scale
    from slalang.sql.report import ticket_ladders

    metrics, ladders = [m.name for m in rf.metrics], ticket_ladders(rf)
    cols = [("k", "bigint")]
    for m in metrics:
        cols += [(f"{m}_{f}", "bigint" if f in _INT_FIELDS else "string") for f in OUTCOME_FIELDS]
    scale = money_scale(rf)
    cols += [(f"credit_{name}", f"decimal(38, {scale})") for name in ladders]
    cols += [("breached", "boolean"), ("error_key", "string"), ("error_column", "string")]
    rows = []
    for k, o in enumerate(items):
        row: list = [k]
        if isinstance(o, TicketError):
            row += [None] * (len(metrics) * len(OUTCOME_FIELDS) + len(ladders)) + [None, o.key, o.column]
        else:
            for m in metrics:
                row += list(o.deadlines[m][1:])
            row += [o.credits.get(name) for name in ladders]
            row += [o.breached, None, None]
        rows.append(tuple(row))
    return cols, rows


def _money(v) -> Decimal | None:
    return None if v is None else Decimal(v)


@pytest.mark.parametrize("contract", _params(TICKET_CONTRACTS))
def test_report_queries_equal_period_report(spark, contract: str) -> None:
    """slalang.sql.report on Spark, over an outcome table made from the
    runtime's outcomes: the aggregates folded into `PeriodReport` and the
    whole report in SQL both equal `PeriodReport.result()` field for field
    (one period per contract, in turn day, week, month)."""
    from slalang.sql.report import aggregate_queries, report_from_aggregates, report_queries

    rf, rules = _contract(spark, contract, codegen=False)
    period = PERIODS[TICKET_CONTRACTS.index(contract) % len(PERIODS)]
    tickets, inputs = _tickets(rf, contract, "report")
    items = [_runtime(rules, rf, t, inputs) for t in tickets]
    ref = PeriodReport(rules, period)
    for o in items:
        if not isinstance(o, TicketError):
            ref.add(o)
    want = ref.result()
    sparkharness.load_tickets(spark, rf, tickets, inputs)
    cols, rows = _outcome_table(rf, items)
    sparkharness.register(spark, "slalang_outcomes", cols, rows)

    agg = {
        n: sparkharness.run(spark, q.sql(dialect="spark"), "report query")
        for n, q in aggregate_queries(rf, inputs, period).items()
    }
    assert report_from_aggregates(rules, period, agg).result() == want

    rep = {
        n: sparkharness.run(spark, q.sql(dialect="spark"), "report query")
        for n, q in report_queries(rf, inputs, period).items()
    }
    keys = ("period", "metric", "priority", "judged", "met", "breached", "pending", "excluded", "not_measured")
    sla = [{**dict(zip(keys, r[:-1])), "attainment_percent": None if r[-1] is None else str(r[-1])} for r in rep["sla"]]
    assert sla == want["sla"]
    mttr = [{"period": p, "priority": pr, "resolved": n, "mttr_seconds": s} for p, pr, n, s in rep["mttr"]]
    assert mttr == want["mttr"]
    assert [(p, pr, c) for p, pr, c in rep["accrued"]] == [
        (r["period"], r["product"], Decimal(r["credit"])) for r in want["accrued_credits"]
    ]
    got_credits = [(p, pr, t, a, tot, cap, owed, cur) for p, pr, t, a, tot, cap, owed, cur in rep["credits"]]
    assert got_credits == [
        (
            r["period"],
            r["product"],
            Decimal(r["tickets"]),
            Decimal(r["availability"]),
            Decimal(r["total"]),
            _money(r["cap"]),
            Decimal(r["owed"]),
            r["currency"],
        )
        for r in want["credits"]
    ]
    assert rep["tickets"] == [(want["tickets"],)]


# ------------------------------------------------------------ availability
def _availability_contracts() -> list[str]:
    return [c for c in sqlharness.EXAMPLES if sqlharness.rules_of(c)[0].availability]


@pytest.mark.parametrize("contract", _params(_availability_contracts()))
def test_availability_queries_equal_ledger(spark, contract: str) -> None:
    """slalang.sql.availability on Spark: every field of every outcome equals
    `AvailabilityLedger.results()` (and the report's line and cap period),
    and the credits per cap period equal the report's availability part —
    on the random downtime, requests, charges, given figures and touched
    days of tests/test_sql_availability.py (one definition of the feed and
    of the expected rows)."""
    import test_sql_availability as ta

    from slalang.sql.availability import TABLES, availability_credits_query, availability_query, input_columns

    rf, rules = _contract(spark, contract, codegen=False)
    rng = random.Random(zlib.crc32(f"spark-availability-{contract}".encode()))
    feed = ta.random_feed(rf, rules, rng)
    ta._given_for_free_periods(feed, rng)
    want = ta.expected(feed)
    cols = input_columns(rf)
    for name, table in TABLES.items():
        sparkharness.register(spark, table, cols[name], feed.rows[name])
    got = sparkharness.run_dicts(spark, availability_query(rf).sql(dialect="spark"), "availability query")
    assert len(got) == len(want), [(r["period"], r["product"]) for r in got]
    bad = [(g, {k: (g.get(k), w[k]) for k in w if g.get(k) != w[k]}) for g, w in zip(got, want) if g != w]
    assert not bad, f"{len(bad)} of {len(want)} differ, e.g. {bad[0][1]}"
    credits: dict[tuple[str, str], Decimal] = {}
    for w in want:
        if any(w[f"credit_{ld.name}"] is not None for ld in feed.ledger.ladders):
            k = (w["cap_period"], w["product"])
            credits[k] = credits.get(k, Decimal(0)) + w["credit"]
    rows = sparkharness.run(spark, availability_credits_query(rf).sql(dialect="spark"), "availability query")
    assert {(p, pr): c for p, pr, c in rows} == credits


# ------------------------------------------------------------ outcomes
def _deadline_of(row: dict, m: str) -> tuple:
    """A metric's fields of an outcome row, read as slalang.sql.engine.outcome_rows reads them."""
    v = [row[f"{m}_{f}"] for f in OUTCOME_FIELDS]
    return (
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


# Spark's analyzer gives up on the outcome query at its default of 100
# resolution passes ("Max iterations (100) reached for batch Resolution");
# with spark.sql.analyzer.maxIterations=1000 it runs. Kept as a strict xfail
# at the default, so it flips when the query needs fewer passes.
MAX_ITERATIONS = "1000"
OUTCOME_CONTRACTS = ["contracts/itops.sla"]  # each takes ~45 s on Spark here: the others were not run yet


@pytest.mark.xfail(
    strict=True, reason="Spark: Max iterations (100) reached for batch Resolution (spark.sql.analyzer.maxIterations)"
)
def test_outcome_query_at_spark_defaults(spark) -> None:
    from slalang.sql.tickets import outcome_query

    rf, _ = _contract(spark, "contracts/itops.sla", codegen=False)
    tickets, inputs = _tickets(rf, "contracts/itops.sla", "outcome")
    sparkharness.load_tickets(spark, rf, tickets, inputs)
    spark.spark.conf.set("spark.sql.analyzer.maxIterations", "100")
    spark.spark.sql(outcome_query(rf, inputs).sql(dialect="spark"))


@pytest.mark.parametrize("contract", _params(OUTCOME_CONTRACTS))
def test_outcome_query_equals_runtime(spark, contract: str) -> None:
    """slalang.sql.tickets.outcome_query on Spark (analyzer passes raised,
    see MAX_ITERATIONS): every deadline field, credit and `breached` of
    every ticket equals `Rules.evaluate`'s, an error row the TicketError's
    key and column; and every row equals the DuckDB rendering's."""
    from slalang.sql.tickets import outcome_query

    rf, rules = _contract(spark, contract, codegen=False)
    spark.spark.conf.set("spark.sql.analyzer.maxIterations", MAX_ITERATIONS)
    tickets, inputs = _tickets(rf, contract, "outcome")
    query = outcome_query(rf, inputs)
    sparkharness.load_tickets(spark, rf, tickets, inputs)
    rows = sparkharness.run_dicts(spark, query.sql(dialect="spark"), "outcome query")
    assert len(rows) == len(tickets)
    metrics = [m.name for m in rf.metrics]
    bad = []
    for row in rows:
        o = _runtime(rules, rf, tickets[row["k"]], inputs)
        if isinstance(o, TicketError):
            got: tuple = (row["error_key"], row["error_column"])
            want: tuple = (o.key, o.column)
        else:
            credits = {c[len("credit_") :]: v for c, v in row.items() if c.startswith("credit_") and v is not None}
            got = (tuple(_deadline_of(row, m) for m in metrics), credits, bool(row["breached"]), row["error_key"])
            want = (tuple(tuple(o.deadlines[m]) for m in metrics), dict(o.credits), o.breached, None)
        if got != want:
            bad.append((row["k"], got, want))
    assert not bad, f"{len(bad)} of {len(rows)} differ, e.g. {bad[:2]}"
    con = sqlharness.connect(rf)
    sqlharness.load_tickets(con, rf, tickets, inputs)
    duck = sorted(con.execute(query.sql(dialect="duckdb")).fetchall())
    assert sorted(tuple(r.values()) for r in rows) == duck
