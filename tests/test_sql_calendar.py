"""The SQL calendar tables and due-time query equal `BusinessCalendar.add`
on random requests, on DuckDB, for the DuckDB and (transpiled) Trino SQL:
due times, and `out_of_range` where the runtime raises CalendarRangeError;
and the `slalang sql` command that writes them."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from sqlharness import EXAMPLES, rules_of

duckdb = pytest.importorskip("duckdb")
sqlglot = pytest.importorskip("sqlglot")

from slalang.businesstime import CalendarRangeError  # noqa: E402
from slalang.cli import main  # noqa: E402
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
    got = {rid: due for rid, due, oor in con.execute(query).fetchall() if not oor}
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
    # past the last working second: out of range; negative: NULL, a ValueError in the runtime
    assert sorted(con.execute(due_query_sql("duckdb")).fetchall()) == [(1, None, True), (2, None, False)]


def _runtime(cal, t: int, n: int):
    """(due, out_of_range) as the runtime gives them; None for a ValueError."""
    try:
        return cal.add(t, n), False
    except CalendarRangeError:
        return None, True
    except ValueError:
        return None, False


@pytest.mark.parametrize("dialect", ["duckdb", "trino"])
@pytest.mark.parametrize("rules_path", RULES, ids=lambda p: p.name.split(".")[0])
def test_out_of_range_equals_runtime_raising(rules_path: Path, dialect: str) -> None:
    rules = load_rules(rules_path)
    con = duckdb.connect()
    for stmt in calendar_sql(rules, dialect):
        con.execute(stmt if dialect == "duckdb" else sqlglot.transpile(stmt, read=dialect, write="duckdb")[0])
    rng = random.Random(f"range-{rules_path.name}-{dialect}")
    rows, expected = [], {}
    for key, cal in compiled_calendars(rules).items():
        day = max(cal._day_len) if cal._day_len else 3600
        edges = (cal.lo - 1, cal.lo, cal.hi, cal.hi + 1, cal.lo - 86400 * 400, cal.hi + 86400 * 400)
        for _ in range(600):
            pick = rng.random()
            t = rng.choice(edges) if pick < 0.5 else rng.randint(cal.lo - 86400 * 30, cal.hi + 86400 * 30)
            u = rng.random()
            if u < 0.15:
                n = 0
            elif u < 0.2:
                n = -rng.randint(1, 3600)
            elif u < 0.35 and cal.lo <= t <= cal.hi:
                n = cal.total - cal.offset(t) + rng.choice((0, 1))  # on the last working second, or one past
            else:
                n = rng.randint(1, 5 * day)
            rid = len(rows)
            rows.append((rid, key, t, n))
            expected[rid] = _runtime(cal, t, n)
    rows.append((len(rows), "no-such-calendar", 0, 60))
    expected[len(rows) - 1] = (None, True)
    con.execute("CREATE TABLE requests (id BIGINT, calendar TEXT, opened_at_s BIGINT, seconds BIGINT)")
    con.executemany("INSERT INTO requests VALUES (?, ?, ?, ?)", rows)
    query = due_query_sql(dialect)
    if dialect != "duckdb":
        query = sqlglot.transpile(query, read=dialect, write="duckdb")[0]
    got = {rid: (due, oor) for rid, due, oor in con.execute(query).fetchall()}
    mismatches = [(rows[rid], want, got.get(rid)) for rid, want in expected.items() if got.get(rid) != want]
    assert not mismatches, mismatches[:10]
    outside = sum(1 for _, oor in expected.values() if oor)
    assert outside >= 100 and len(expected) - outside >= 100  # both kinds, in number


@pytest.mark.parametrize("dialect", ["spark", "trino", "duckdb"])
def test_emitted_sql_parses_back(dialect: str) -> None:
    for path in RULES:
        rules = load_rules(path)
        stmts = calendar_sql(rules, dialect) + [due_query_sql(dialect)]
        for stmt in stmts:
            parsed = sqlglot.parse(stmt, read=dialect)
            assert len(parsed) == 1 and parsed[0] is not None


# ------------------------------------------------------------------ the command
def _sample(rules_path: Path) -> tuple[list[tuple[int, str, int, int]], dict[int, tuple[int | None, bool]]]:
    rules = load_rules(rules_path)
    rng = random.Random(f"cli-{rules_path.name}")
    rows, expected = [], {}
    for key, cal in compiled_calendars(rules).items():
        for t, n in _requests(cal, rng)[:300]:
            rows.append((len(rows), key, t, n))
            expected[len(rows) - 1] = (cal.add(t, n), False)
        rows.append((len(rows), key, cal.hi + 1, 3600))
        expected[len(rows) - 1] = (None, True)
    return rows, expected


def _statements(text: str) -> list[str]:
    return [s for s in sqlglot.transpile(text, read="duckdb", write="duckdb") if s.strip()]


@pytest.mark.parametrize("dialect", ["duckdb", "spark", "trino"])
def test_command_writes_both_files(tmp_path: Path, capsys, dialect: str) -> None:
    rules_path = RULES[0]
    out = tmp_path / "out"
    assert main(["sql", str(rules_path), "--dialect", dialect, "-o", str(out)]) == 0
    err = capsys.readouterr().err
    assert f"wrote {out / 'calendar.sql'}" in err and f"wrote {out / 'due.sql'}" in err
    calendar = (out / "calendar.sql").read_text(encoding="utf-8")
    due = (out / "due.sql").read_text(encoding="utf-8")
    assert "slalang_calendar_range" in calendar and "out_of_range" in due
    assert calendar == ";\n".join(calendar_sql(load_rules(rules_path), dialect)) + ";\n"
    assert due == due_query_sql(dialect) + ";\n"
    for stmt in sqlglot.parse(calendar + due, read=dialect):
        assert stmt is not None

    assert main(["sql", str(rules_path), "--dialect", dialect]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("-- calendar.sql\n" + calendar + "-- due.sql\n" + due + "-- outcomes.sql\n")


@pytest.mark.parametrize("rules_path", RULES, ids=lambda p: p.name.split(".")[0])
def test_command_duckdb_sql_runs_on_duckdb(tmp_path: Path, rules_path: Path) -> None:
    assert main(["sql", str(rules_path), "--dialect", "duckdb", "-o", str(tmp_path)]) == 0
    con = duckdb.connect()
    for stmt in _statements((tmp_path / "calendar.sql").read_text(encoding="utf-8")):
        con.execute(stmt)
    rows, expected = _sample(rules_path)
    con.execute("CREATE TABLE requests (id BIGINT, calendar TEXT, opened_at_s BIGINT, seconds BIGINT)")
    con.executemany("INSERT INTO requests VALUES (?, ?, ?, ?)", rows)
    due = (tmp_path / "due.sql").read_text(encoding="utf-8").rstrip().rstrip(";")
    got = {rid: (d, oor) for rid, d, oor in con.execute(due).fetchall()}
    assert got == expected
    assert len(expected) >= 300


def test_command_missing_rule_file(tmp_path: Path, capsys) -> None:
    assert main(["sql", str(tmp_path / "nope.rules.json"), "--dialect", "duckdb", "-o", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "rule file" in err and "nope.rules.json" in err
    assert not (tmp_path / "o").exists()


def test_command_malformed_rule_file(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "bad.rules.json"
    bad.write_text('{"schema": ', encoding="utf-8")
    assert main(["sql", str(bad), "--dialect", "trino"]) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and "rule file" in captured.err
    assert main(["sql", str(bad), "--dialect", "trino", "--lang", "zh"]) == 1
    assert "规则文件" in capsys.readouterr().err


def test_command_needs_a_dialect(capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["sql", str(RULES[0])])
    assert exc.value.code == 2


# ------------------------------------------------------------ lookup tables
def test_piece_offset_and_day_tables_equal_the_runtime() -> None:
    """offset, contains, the business-day snap and `_at_offset` through the
    lookup tables, at random instants and interval edges, on DuckDB."""
    from slalang.sql.calendar import BUCKET, day_rows, offset_rows, piece_rows

    for path in RULES:
        rules = load_rules(path)
        rng = random.Random(f"pieces-{path.name}")
        for key, cal in compiled_calendars(rules).items():
            pieces = list(piece_rows(cal, key))
            offsets = list(offset_rows(cal, key))
            days = {r[1]: r for r in day_rows(cal, key)}
            by_bucket: dict[int, list] = {}
            for r in pieces:
                by_bucket.setdefault(r[1], []).append(r)
            ob: dict[int, list] = {}
            for r in offsets:
                ob.setdefault(r[1], []).append(r)
            probes = [cal.lo, cal.hi, cal.lo - 1, cal.hi + 1]
            probes += [rng.choice(cal._starts) + rng.choice((-1, 0, 1)) for _ in range(300)]
            probes += [rng.choice(cal._ends) + rng.choice((-1, 0, 1)) for _ in range(300)]
            probes += [rng.randint(cal.lo, cal.hi) for _ in range(300)]
            for t in probes:
                hit = [r for r in by_bucket.get(t // BUCKET, []) if r[2] <= t < r[3]]
                if not cal.lo <= t <= cal.hi:
                    assert hit == []
                    continue
                assert len(hit) == 1, (key, t)
                _, _, a, _, working, off_a, snap, k, k_off = hit[0]
                assert bool(working) == cal.contains(t)
                assert off_a + (t - a if working else 0) == cal.offset(t)
                e = t if working else snap
                if e is None:  # no working time after t
                    with pytest.raises(CalendarRangeError):
                        cal.next_working(t)
                    continue
                assert e == cal.next_working(t)
                from bisect import bisect_right

                kk = bisect_right(cal._day_start, e) - 1
                assert k == kk and k_off == cal._day_off[kk] and days[k][2] == cal._day_start[kk]
            for _ in range(300):
                target = rng.randint(1, cal.total)
                got = [r for r in ob.get((target - 1) // BUCKET, []) if r[2] < target <= r[3]]
                assert len(got) == 1
                assert got[0][4] + target - got[0][2] == cal._at_offset(target)
            assert not [r for r in ob.get(cal.total // BUCKET, []) if r[2] < cal.total + 1 <= r[3]]


@pytest.mark.parametrize("contract", EXAMPLES)
def test_bound_load_equals_the_statements(contract):
    """The embedded engine's calendar load (`load_calendar_tables`, rows bound
    as parameters) creates the same tables, types and rows as the
    `calendar_statements` SQL that `slalang sql` writes."""
    import duckdb

    from slalang.sql.calendar import TABLES, calendar_statements, load_calendar_tables

    rf, _ = rules_of(contract)
    a, b = duckdb.connect(), duckdb.connect()
    for stmt in calendar_statements(rf):
        a.execute(stmt.sql(dialect="duckdb"))
    load_calendar_tables(b, rf)
    for table in TABLES.values():
        assert a.execute(f"DESCRIBE {table}").fetchall() == b.execute(f"DESCRIBE {table}").fetchall()
        rows = a.execute(f"SELECT * FROM {table} ORDER BY ALL").fetchall()
        assert rows or not rf.calendars, table
        assert rows == b.execute(f"SELECT * FROM {table} ORDER BY ALL").fetchall(), table
