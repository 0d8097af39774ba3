"""The portable scalar expressions of slalang/sql/expr.py equal the Python
runtime on DuckDB, and their Spark and Trino renderings parse back (Trino's
transpiled to DuckDB gives the same rows): UTC offsets, `Rules.wall_due`
(calendar days across DST changes, the clocks' gaps and repeats), local days,
period labels, floor division of negative numbers."""

from __future__ import annotations

import datetime as dt
import random
from zoneinfo import ZoneInfo

import pytest

duckdb = pytest.importorskip("duckdb")
sqlglot = pytest.importorskip("sqlglot")
from sqlglot import exp  # noqa: E402

from slalang.runtime.availability import period_key  # noqa: E402
from slalang.sql.expr import LAST, Zone, floordiv, mod  # noqa: E402

ZONES = ("Europe/London", "Asia/Shanghai", "America/New_York", "Africa/Casablanca", "Australia/Lord_Howe")


def _wall(tz, start: int, days: int, seconds: int) -> int:
    local = dt.datetime.fromtimestamp(start, tz).replace(tzinfo=None) + dt.timedelta(days=days)
    return int(local.replace(tzinfo=tz, fold=0).timestamp()) + seconds


def _instants(z: Zone, n: int, seed: int) -> list[int]:
    rng = random.Random(seed)
    ts = [rng.randrange(0, LAST - 40 * 86400) for _ in range(n)]
    for s in z.starts[::2]:
        for d in (-86401, -3601, -1, 0, 1, 1799, 3599, 3600, 7200, 86400):
            ts.append(max(0, s + d))
    return ts


def _table(con, name: str, col: str, values: list[int]) -> None:
    con.execute(f"CREATE TABLE {name} AS SELECT UNNEST(?::BIGINT[]) AS {col}", [values])


@pytest.mark.parametrize("zone", ZONES)
def test_offsets_wall_due_and_local_days_equal_zoneinfo(zone):
    z = Zone.of(zone)
    tz = ZoneInfo(zone)
    con = duckdb.connect()
    ts = _instants(z, 4000, 1)
    _table(con, "t", "t", ts)
    c = exp.column("t")
    q = exp.select(
        "t",
        z.offset(c).as_("o"),
        z.wall_due(c, 1).as_("w1"),
        z.wall_due(c, 30, 60).as_("w30"),
        z.wall_due(c, 0, 90).as_("w0"),
        z.local_day(c).as_("d"),
    ).from_("t")
    bad = []
    for t, o, w1, w30, w0, d in con.execute(q.sql(dialect="duckdb")).fetchall():
        local = dt.datetime.fromtimestamp(t, tz)
        want = (
            int(local.utcoffset().total_seconds()),
            _wall(tz, t, 1, 0),
            _wall(tz, t, 30, 60),
            t + 90,
            (local.date() - dt.date(1970, 1, 1)).days,
        )
        if (o, w1, w30, w0, d) != want:
            bad.append((t, (o, w1, w30, w0, d), want))
    assert not bad, bad[:5]


def test_from_local_reads_skipped_and_repeated_times_as_zoneinfo_fold0():
    z = Zone.of("Europe/London")
    tz = ZoneInfo("Europe/London")
    con = duckdb.connect()
    locals_ = []
    for s in z.starts[-200:-150]:
        for d in range(-7200, 7201, 900):
            locals_.append(s + 3600 + d)
    _table(con, "l", "l", locals_)
    q = exp.select("l", z.from_local(exp.column("l")).as_("u")).from_("l")
    for L, u in con.execute(q.sql(dialect="duckdb")).fetchall():
        naive = dt.datetime(1970, 1, 1) + dt.timedelta(seconds=L)
        assert u == int(naive.replace(tzinfo=tz, fold=0).timestamp()), L


@pytest.mark.parametrize("zone", ("Europe/London", "Asia/Shanghai", "America/Santiago"))
@pytest.mark.parametrize("period", ("day", "week", "month", "quarter", "year"))
def test_period_keys_equal_the_runtime(zone, period):
    z = Zone.of(zone)
    tz = ZoneInfo(zone)
    first, last = dt.date(2025, 12, 20), dt.date(2027, 1, 10)
    lo, hi = z.first_instant(first) - 86400, z.first_instant(last) + 40 * 86400
    rng = random.Random(2)
    ts = [rng.randrange(lo, hi) for _ in range(3000)]
    ts += [a + d for a, _ in z.period_starts("day", first, last) for d in (-1, 0, 1)]
    con = duckdb.connect()
    _table(con, "t", "t", ts)
    q = exp.select("t", z.period_key(exp.column("t"), period, first, last).as_("k")).from_("t")
    starts = z.period_starts(period, first, last)
    for t, k in con.execute(q.sql(dialect="duckdb")).fetchall():
        if starts[0][0] <= t < starts[-1][0]:
            assert k == period_key(dt.datetime.fromtimestamp(t, tz).date(), period), t
        else:
            assert k is None, t


def test_floordiv_and_mod_of_negative_numbers():
    con = duckdb.connect()
    values = list(range(-50, 51)) + [-(2**40) - 7, 2**40 + 7, -86401, 86399]
    _table(con, "v", "v", values)
    c = exp.column("v")
    q = exp.select("v", floordiv(c, 7).as_("q"), mod(c, 7).as_("r"), floordiv(c, 86400).as_("d")).from_("v")
    for v, q_, r, d in con.execute(q.sql(dialect="duckdb")).fetchall():
        assert (q_, r, d) == (v // 7, v % 7, v // 86400)


def test_spark_and_trino_renderings_parse_back_and_trino_runs_equal():
    z = Zone.of("Europe/London")
    c = exp.column("t")
    first, last = dt.date(2026, 1, 1), dt.date(2026, 12, 31)
    q = exp.select(
        "t", z.wall_due(c, 2, 5).as_("w"), z.local_day(c).as_("d"), z.period_key(c, "week", first, last).as_("k")
    ).from_("t")
    con = duckdb.connect()
    _table(con, "t", "t", _instants(z, 500, 3)[:500])
    want = con.execute(q.sql(dialect="duckdb")).fetchall()
    for dialect in ("spark", "trino"):
        back = sqlglot.transpile(q.sql(dialect=dialect), read=dialect, write="duckdb")[0]
        if dialect == "trino":
            assert con.execute(back).fetchall() == want


def test_an_expression_argument_is_refused():
    z = Zone.of("Europe/London")
    with pytest.raises(ValueError):
        z.offset(exp.column("a") + exp.column("b"))
