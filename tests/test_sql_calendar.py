"""The SQL calendar tables and due-time query equal `BusinessCalendar.add`
on random requests, on DuckDB, for the DuckDB and (transpiled) Trino SQL."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

duckdb = pytest.importorskip("duckdb")
sqlglot = pytest.importorskip("sqlglot")

from slalang.runtime import load_rules  # noqa: E402
from slalang.sql.calendar import calendar_sql, compiled_calendars, due_query_sql  # noqa: E402

RULES = sorted((Path(__file__).parent / "golden" / "rules").glob("example-*.rules.json"))
PER_CALENDAR = 4000


def _requests(cal, rng: random.Random) -> list[tuple[int, int]]:
    """(opened_at_s, seconds) within the covered range whose due time exists."""
    starts, ends = cal._starts, cal._ends
    lengths = sorted({e - s for s, e in zip(starts, ends)})
    day = max(cal._day_len) if cal._day_len else 3600
    out: list[tuple[int, int]] = []
    while len(out) < PER_CALENDAR:
        k = rng.randrange(len(starts))
        pick = rng.random()
        if pick < 0.25:
            t = rng.randint(cal.lo, cal.hi)  # anywhere: nights, weekends, holidays
        elif pick < 0.45:
            t = starts[k]
        elif pick < 0.65:
            t = ends[k]
        elif pick < 0.75:
            t = ends[k] + rng.choice((-1, 1))
        else:
            t = rng.randint(starts[k], ends[k])
        t = min(max(t, cal.lo), cal.hi)
        s = rng.random()
        if s < 0.1:
            n = 0
        elif s < 0.3:
            n = rng.choice(lengths) * rng.randint(1, 3)
        elif s < 0.4:
            n = rng.choice((1, 60, 3600, day, 2 * day))
        elif s < 0.6 and k + 1 < len(starts):
            # land exactly on an interval end or start
            j = rng.randrange(k, min(k + 20, len(starts)))
            n = max(cal._cumend[j] - cal.offset(t), 0)
        else:
            n = rng.randint(1, 5 * day)
        if n and cal.offset(t) + n > cal.total:
            continue
        out.append((t, n))
    return out


def _setup(rules_path: Path, dialect: str, rng: random.Random):
    rules = load_rules(rules_path)
    con = duckdb.connect()
    for stmt in calendar_sql(rules, dialect):
        con.execute(stmt if dialect == "duckdb" else sqlglot.transpile(stmt, read=dialect, write="duckdb")[0])
    cals = compiled_calendars(rules)
    rows, expected = [], {}
    for key, cal in cals.items():
        for t, n in _requests(cal, rng):
            rid = len(rows)
            rows.append((rid, key, t, n))
            expected[rid] = cal.add(t, n)
    con.execute("CREATE TABLE requests (id BIGINT, calendar TEXT, opened_at_s BIGINT, seconds BIGINT)")
    for i in range(0, len(rows), 5000):  # executemany is slow: literal rows (ints, known keys)
        values = ", ".join(f"({r}, '{k}', {t}, {n})" for r, k, t, n in rows[i : i + 5000])
        con.execute(f"INSERT INTO requests VALUES {values}")
    return con, expected


@pytest.mark.parametrize("dialect", ["duckdb", "trino"])
@pytest.mark.parametrize("rules_path", RULES, ids=lambda p: p.name.split(".")[0])
def test_due_times_equal_runtime(rules_path: Path, dialect: str) -> None:
    rng = random.Random(f"{rules_path.name}-{dialect}")
    con, expected = _setup(rules_path, dialect, rng)
    query = due_query_sql(dialect)
    if dialect != "duckdb":
        query = sqlglot.transpile(query, read=dialect, write="duckdb")[0]
    got = dict(con.execute(query).fetchall())
    assert len(got) == len(expected)
    mismatches = [(rid, due, got.get(rid)) for rid, due in expected.items() if got.get(rid) != due]
    assert not mismatches, mismatches[:10]
    assert len(expected) >= PER_CALENDAR


def test_beyond_calendar_is_null() -> None:
    rules = load_rules(RULES[0])
    con = duckdb.connect()
    for stmt in calendar_sql(rules, "duckdb"):
        con.execute(stmt)
    key, cal = next(iter(compiled_calendars(rules).items()))
    con.execute("CREATE TABLE requests (id BIGINT, calendar TEXT, opened_at_s BIGINT, seconds BIGINT)")
    con.execute("INSERT INTO requests VALUES (1, ?, ?, ?), (2, ?, ?, ?)", [key, cal.lo, cal.total + 1, key, cal.lo, -1])
    assert sorted(con.execute(due_query_sql("duckdb")).fetchall()) == [(1, None), (2, None)]


@pytest.mark.parametrize("dialect", ["spark", "trino", "duckdb"])
def test_emitted_sql_parses_back(dialect: str) -> None:
    for path in RULES:
        rules = load_rules(path)
        stmts = calendar_sql(rules, dialect) + [due_query_sql(dialect)]
        for stmt in stmts:
            parsed = sqlglot.parse(stmt, read=dialect)
            assert len(parsed) == 1 and parsed[0] is not None
