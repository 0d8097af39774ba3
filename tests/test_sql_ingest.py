"""slalang.sql.ingest: DuckDB reads ticket files into the input tables and
accepts only what the Python reader reads to the same values — every
accepted cell equal to the Python reader's, everything else NotCanonical
(then the Python engine reads the file)."""

from __future__ import annotations

import csv
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import ticketgen
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlharness import EXAMPLES, rules_of

duckdb = pytest.importorskip("duckdb")

from slalang.runtime.tickets import RowError, open_text, read_tickets  # noqa: E402
from slalang.sql import ingest  # noqa: E402

CONTRACTS = [c for c in EXAMPLES if rules_of(c)[0].priorities]


def _write_csv(path, rows) -> None:
    cols = list(dict.fromkeys(k for r in rows for k in r))
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, cols, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


def _python(path, rules):
    with open_text(str(path)) as fh:
        return list(read_tickets(fh, rules.tz, False, set(), tuple(rules.flags), rules.start_columns))


def _tables(con, rules):
    """The ingested tickets as (dict of ticket fields, sorted updates, sorted pauses) by KEY."""
    cur = con.execute("SELECT * FROM slalang_tickets ORDER BY k")
    names = [d[0] for d in cur.description]
    rows = [dict(zip(names, r)) for r in cur.fetchall()]
    ups: dict[int, list] = {}
    for k, a in con.execute('SELECT k, "at" FROM slalang_updates').fetchall():
        ups.setdefault(k, []).append(a)
    ps: dict[int, list] = {}
    for k, a, b in con.execute("SELECT k, start_at, end_at FROM slalang_pauses").fetchall():
        ps.setdefault(k, []).append((a, b))
    return [(r, sorted(ups.get(r["k"], [])), sorted(ps.get(r["k"], []))) for r in rows]


def _same(py, tables, rules) -> None:
    assert len(py) == len(tables)
    for (_, t), (row, ups, ps) in zip(py, tables):
        for c, v in row.items():
            if c == "k":
                continue
            if c in rules.flags:
                want = c in t.flags
            elif c in rules.start_columns:
                want = (t.instants or {}).get(c)
            else:
                want = getattr(t, c)
            assert v == want, (c, v, want, t)
        assert ups == sorted(t.updates)
        assert ps == sorted(t.pauses)


def _ingest(path, rules, kind="csv"):
    con = duckdb.connect()
    return con, ingest.ingest(con, str(path), rules, kind)


@pytest.mark.parametrize("contract", CONTRACTS)
def test_generated_csv_equals_python_reader(contract, tmp_path):
    rf, rules = rules_of(contract)
    path = tmp_path / "t.csv"
    _write_csv(path, ticketgen.tickets(rf, 150, 3))
    py = _python(path, rules)
    assert not [x for x in py if isinstance(x, RowError)]
    con, ing = _ingest(path, rules)
    assert ing.count == len(py)
    _same(py, _tables(con, rules), rules)


@pytest.mark.parametrize("contract", ["contracts/itops.sla", "contracts/support/triage.sla"])
def test_parquet_typed_and_text(contract, tmp_path):
    """A Parquet file with typed columns (TIMESTAMPTZ, local TIMESTAMP, BIGINT,
    BOOLEAN, LIST) reads as the same tickets as the CSV it came from, and the
    Python path over it (read_parquet_tickets) agrees."""
    rf, rules = rules_of(contract)
    src = tmp_path / "t.csv"
    _write_csv(src, ticketgen.tickets(rf, 120, 4))
    py = _python(src, rules)
    con, _ = _ingest(src, rules)
    cols = [d[0] for d in con.execute("SELECT * FROM slalang_tickets LIMIT 0").description]
    sel = []
    for c in cols:
        if c == "k":
            continue
        if c == "opened_at":
            sel.append("make_timestamptz(opened_at * 1000000) AS opened_at")
        elif c == "resolved_at":
            sel.append("resolved_at")  # BIGINT epoch
        elif c in ("first_response_at",):
            # a local TIMESTAMP in the contract's zone, as the CSV's naive form would be
            sel.append(f"CAST(timezone('{rf.timezone}', make_timestamptz({c} * 1000000)) AS TIMESTAMP) AS {c}")
        else:
            sel.append(f'"{c}"')
    ups = '(SELECT list(make_timestamptz(u."at" * 1000000) ORDER BY u."at") FROM slalang_updates u WHERE u.k = t.k)'
    ps = "(SELECT list([p.start_at, p.end_at] ORDER BY p.start_at) FROM slalang_pauses p WHERE p.k = t.k) AS pauses"
    out = tmp_path / "t.parquet"
    con.execute(
        f"COPY (SELECT {', '.join(sel)}, {ups} AS updates, {ps} FROM slalang_tickets t ORDER BY k) "
        f"TO '{out}' (FORMAT parquet)"
    )
    con2, ing = _ingest(out, rules, "parquet")
    tables = _tables(con2, rules)
    # Local times that fall in a fold are refused (the Python reader refuses them too): none here.
    _same(py, tables, rules)
    back = list(ingest.read_parquet_tickets(str(out), rules))
    assert not [x for x in back if isinstance(x, RowError)]
    _same(back, tables, rules)


# ------------------------------------------------------------------ hostile cells
_WS = [" ", "\t", "\u00a0", "\u3000", "\u2028", "\u200b", "\ufeff", "\x1c", "\x85", "\u2009"]
_ODD = st.sampled_from(
    [
        "2026-03-08T02:30",  # New York: in the gap
        "2026-11-01T01:30",  # New York: in the fold
        "2026-03-08T03:00",
        "2026-11-01T02:00",
        "2026-11-01T00:59:59",
        "2026-03-29T01:30",  # London: gap
        "2026-01-05T24:00",
        "2026-01-05T23:59:60",
        "2026-02-29T10:00",
        "2028-02-29T10:00",
        "2026-01-05T09:30:00.5",
        "2026-01-05T09:30:00.1234567",
        "2026-01-05T09:30:00,5",
        "2026-01-05 09:30",
        "2026-01-05t09:30",
        "2026-01-05T09:30z",
        "2026-01-05T09:30Z",
        "2026-01-05T09:30+08:00",
        "2026-01-05T09:30+0800",
        "2026-01-05T09:30+24:00",
        "2026-01-05T09:30-23:59",
        "2026-01-05T09:30+08:00:00",
        "2026-01-05",
        "1970-01-01T00:00Z",
        "1969-12-31T23:59:59Z",
        "1970-01-01T00:00",
        "2200-12-31T23:59:59Z",
        "2201-01-01T00:00Z",
        "2200-12-31T23:59:59-01:00",
        "0",
        "7289654399",
        "7289654400",
        "000001767225600",
        "1767225600",
        "١٧٦٧٢٢٥٦٠٠",
        "+1767225600",
        "",
        "yes",
        "是",
        "否",
        "YES",
        "True",
        "tRuE",
        "ſ",
        "yeſ",
        "1",
        "0",
        "2",
        "a;b",
        "2026-01-05T09:30Z;2026-01-05T10:30Z",
        "2026-01-05T09:30Z/2026-01-05T10:30Z",
        "2026-01-05T09:30Z/2026-01-05T10:30Z; ;2026-01-06T09:30Z/2026-01-06T10:30Z",
        "2026-01-05T09:30Z/",
        "/2026-01-05T09:30Z",
        "2026-01-05T09:30Z/2026-01-05T10:30Z/2026-01-05T11:30Z",
        "P1",
        "p1",
        'a"b',
        '"',
        "\x00",
        "x\u0301",
    ]
)
_CELL = st.one_of(
    _ODD,
    st.builds(lambda a, v, b: a + v + b, st.sampled_from(["", *_WS]), _ODD, st.sampled_from(["", *_WS])),
    st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\r\n\x00"), max_size=12),
)
_COLUMNS = [
    "id",
    "priority",
    "opened_at",
    "first_response_at",
    "resolved_at",
    "updates",
    "pauses",
    "product",
    "exclusion",
]


def _quote(v: str) -> str:
    return '"' + v.replace('"', '""') + '"' if any(c in v for c in ',"') else v


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(
    contract=st.sampled_from(["contracts/itops.sla", "contracts/support/regional.sla", "contracts/support/triage.sla"]),
    cells=st.lists(st.tuples(st.sampled_from(_COLUMNS), _CELL), min_size=1, max_size=3),
    quoted=st.booleans(),
)
def test_hostile_cells_accept_exactly_or_fall_back(contract, cells, quoted, tmp_path_factory):
    """A row of odd cells: DuckDB's canonical stage either gives exactly the
    Python reader's values or refuses the file (NotCanonical)."""
    rf, rules = rules_of(contract)
    base = {"id": "T1", "priority": rf.priorities[0].name, "opened_at": "2026-03-02T09:00:00+08:00"}
    for c, v in cells:
        base[c] = v
    cols = list(base)
    path = tmp_path_factory.mktemp("h") / "t.csv"
    line = ",".join((f'"{base[c]}"' if quoted and '"' not in base[c] else _quote(base[c])) for c in cols)
    path.write_bytes((",".join(cols) + "\n" + line + "\n").encode("utf-8"))
    py = _python(path, rules)
    con = duckdb.connect()
    try:
        ing = ingest.ingest(con, str(path), rules, "csv")
    except ingest.NotCanonical:
        return
    assert py and all(not isinstance(x, RowError) for x in py), (py, base)
    assert ing.count == len(py)
    _same(py, _tables(con, rules), rules)


@pytest.mark.parametrize(
    "tz, text, ok",
    [
        ("America/New_York", "2026-03-08T02:30", False),
        ("America/New_York", "2026-03-08T01:59:59", True),
        ("America/New_York", "2026-03-08T03:00", True),
        ("America/New_York", "2026-11-01T01:00", False),
        ("America/New_York", "2026-11-01T01:59:59", False),
        ("America/New_York", "2026-11-01T02:00", True),
        ("America/New_York", "2026-11-01T00:59:59", True),
        ("Europe/London", "2026-03-29T01:00", False),
        ("Europe/London", "2026-03-29T02:00", True),
        ("Asia/Shanghai", "1991-09-15T01:30", False),
        ("Asia/Shanghai", "2026-01-05T09:30", True),
    ],
)
def test_local_times_across_dst(tz, text, ok):
    """A local time the clocks skip or repeat is not canonical (the Python
    reader refuses it); the times either side are read as zoneinfo does."""
    con = duckdb.connect()
    ingest.create_macros(con)
    con.execute("CREATE TABLE s AS SELECT ? AS t", [text])
    ingest.to_instants(con, "s", "o", [], ["t"], tz)
    got, bad = con.execute("SELECT t, t__bad FROM o").fetchone()
    if not ok:
        assert bad and got is None
        return
    d = dt.datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(tz))
    assert not bad and got == int(d.timestamp())


def test_civil_days_every_day():
    """sl_days and sl_dim over every day of 1970..2200 equal Python's calendar."""
    con = duckdb.connect()
    ingest.create_macros(con)
    got = con.execute(
        "SELECT count(*) FROM (SELECT d, year(d) AS y, month(d) AS m, day(d) AS dd FROM "
        "range(DATE '1970-01-01', DATE '2201-01-01', INTERVAL 1 DAY) r(d)) "
        "WHERE sl_days(y, m, dd) <> date_diff('day', DATE '1970-01-01', CAST(d AS DATE)) OR sl_dim(y, m) < dd "
        "OR (dd = sl_dim(y, m) AND month(d + INTERVAL 1 DAY) = m)"
    ).fetchone()[0]
    assert got == 0


@pytest.mark.parametrize(
    "text, key",
    [
        ("\ufeffid,priority,opened_at\nT1,P1,2026-01-05T09:30Z\n", None),
        ("id,priority,opened_at,bogus\nT1,P1,2026-01-05T09:30Z,x\n", "header"),
        ("id,priority,id\nT1,P1,T2\n", "header"),
        ("id,priority\nT1,P1\n", "header"),
        ('"id",priority,opened_at\nT1,P1,2026-01-05T09:30Z\n', "header_form"),
        ("id,priority,opened_at\n", "empty"),
        ("id,priority,opened_at\nT1,P1,2026-01-05T09:30Z\rT2,P1,2026-01-05T09:30Z\n", "row"),
        ("id,priority,opened_at\nT1,P1,2026-01-05T09:30Z,x\n", "row"),
        ("id,priority,opened_at\nT1,P1\n", "row"),
        ('id,priority,opened_at\nT1,P1,"2026-01-05T09:30Z\n', "row"),
        ("id,priority,opened_at\nT1,P1,2026-01-05T09:30Z\nT2,P1,2026-02-30T09:30Z\n", "cell"),
        ("id,priority,opened_at\nT1,,2026-01-05T09:30Z\n", "cell"),
        ('id,priority,opened_at\nT1,"P\n1",2026-01-05T09:30Z\n', "cell"),
        ("id,priority,opened_at\r\nT1,P1,2026-01-05T09:30Z\r\n", None),
    ],
)
def test_file_forms(text, key, tmp_path):
    _, rules = rules_of("contracts/itops.sla")
    text = text.replace("P1", rules.file.priorities[0].name)
    path = tmp_path / "t.csv"
    path.write_bytes(text.encode())
    con = duckdb.connect()
    if key is None:
        ing = ingest.ingest(con, str(path), rules, "csv")
        _same(_python(path, rules), _tables(con, rules), rules)
        assert ing.count == 1
        return
    with pytest.raises(ingest.NotCanonical) as exc:
        ingest.ingest(con, str(path), rules, "csv")
    assert exc.value.key == key, exc.value


def test_nul_and_long_cells(tmp_path):
    _, rules = rules_of("contracts/itops.sla")
    p = rules.file.priorities[0].name
    for body, key in (
        (f"T1,{p},2026-01-05T09:30Z,a\x00b\n", "nul"),
        (f"T1,{p},2026-01-05T09:30Z,{'x' * 17000}\n", "row"),
        (f"T1,{p},2026-01-05T09:30Z,{'x' * 16000}\n", None),
    ):
        path = tmp_path / "t.csv"
        path.write_bytes(("id,priority,opened_at,product\n" + body).encode())
        con = duckdb.connect()
        if key is None:
            ingest.ingest(con, str(path), rules, "csv")
            continue
        with pytest.raises(ingest.NotCanonical) as exc:
            ingest.ingest(con, str(path), rules, "csv")
        assert exc.value.key in (key, "row", "cell", "reader"), exc.value


@pytest.mark.parametrize("tz", ["America/New_York", "Europe/London", "Asia/Shanghai", "Australia/Lord_Howe"])
def test_local_times_near_transitions_equal_instant_parser(tz):
    """Naive local times every 10 minutes (and on the odd second) around
    transitions from 1970 to 2200: NotCanonical exactly where the Python
    reader refuses them, else its instant."""
    from slalang.runtime.engine import TicketError
    from slalang.runtime.tickets import InstantParser

    parse = InstantParser(ZoneInfo(tz))
    regions = ingest.zone_regions(tz)
    texts = []
    for start, _ in regions[1::7]:
        base = dt.datetime(1970, 1, 1) + dt.timedelta(seconds=start)
        for m in range(-90, 100, 10):
            for extra in (0, 59):
                d = base + dt.timedelta(minutes=m, seconds=extra)
                if 1970 <= d.year <= 2200:
                    texts.append(d.isoformat())
    con = duckdb.connect()
    ingest.create_macros(con)
    con.execute("CREATE TABLE s (t VARCHAR)")
    con.executemany("INSERT INTO s VALUES (?)", [(t,) for t in texts])
    con.execute("CREATE TABLE s2 AS SELECT t AS x, t FROM s")
    ingest.to_instants(con, "s2", "o", ["x"], ["t"], tz)
    got = {x: (v, bad) for x, v, bad in con.execute("SELECT x, t, t__bad FROM o").fetchall()}
    assert len(got) == len(set(texts))
    for text in texts:
        try:
            want = parse(text, "opened_at")
        except TicketError:
            want = None
        v, bad = got[text]
        if want is None:
            assert bad and v is None, (text, v)
        else:
            # Transitions on whole minutes (every zone here): exactly the reader's instant.
            assert v == want, (text, v, want)


def _iso_texts():
    """ISO forms with every field at, inside and past its bounds."""
    out = []
    for y in ("1969", "1970", "2000", "2100", "2200", "2201", "0999"):
        for mo, d in (
            ("01", "01"),
            ("02", "28"),
            ("02", "29"),
            ("02", "30"),
            ("04", "30"),
            ("04", "31"),
            ("12", "31"),
            ("00", "10"),
            ("13", "01"),
            ("06", "00"),
            ("06", "32"),
            ("1", "01"),
        ):
            out.append(f"{y}-{mo}-{d}T12:00")
    for hm in ("00:00", "23:59", "24:00", "23:60", "9:30", "09:3", "19:59", "20:00", "29:00"):
        for sec in ("", ":00", ":59", ":60", ":5", ".5", ":59.9", ":00.123456", ":00.1234567", ":00."):
            for z in ("", "Z", "+08:00", "-23:59", "+24:00", "-00:60", "+19:30", "+0800", "z", "+08"):
                for sep in ("T", " "):
                    out.append(f"2026-01-05{sep}{hm}{sec}{z}")
    out += [
        "2200-12-31T23:59:59Z",
        "2200-12-31T23:59:59-00:01",
        "1970-01-01T00:00:00+00:01",
        "1970-01-01T00:00Z",
        "2026-01-05T09:30:00Z ",
        "2026-01-05",
        "2026-01-05T",
        "x2026-01-05T09:30",
        "2026-01-05T09:30Zx",
    ]
    return out


@pytest.mark.parametrize("tz", ["Asia/Shanghai", "America/New_York"])
def test_iso_field_bounds_equal_instant_parser(tz):
    """Every field at and past its bounds (the strict pattern and DuckDB's
    TIMESTAMP cast): accepted exactly where the Python reader reads the
    text, with its instant."""
    from slalang.runtime.engine import TicketError
    from slalang.runtime.tickets import InstantParser

    parse = InstantParser(ZoneInfo(tz))
    texts = sorted(set(_iso_texts()))
    con = duckdb.connect()
    ingest.create_macros(con)
    con.execute("CREATE TABLE s (t VARCHAR)")
    con.executemany("INSERT INTO s VALUES (?)", [(t,) for t in texts])
    con.execute("CREATE TABLE s2 AS SELECT t AS x, t FROM s")
    ingest.to_instants(con, "s2", "o", ["x"], ["t"], tz)
    got = {x: (v, bad) for x, v, bad in con.execute("SELECT x, t, t__bad FROM o").fetchall()}
    accepted = 0
    for text in texts:
        try:
            want = parse(text, "opened_at")
        except TicketError:
            want = None
        v, bad = got[text]
        if bad:
            assert v is None, text
            continue
        accepted += 1
        assert v == want, (text, v, want)
    assert accepted > 100


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.text(
            alphabet=st.sampled_from(
                [*_WS, "\r", "\n", "\x0b", "a", "\u0301", "\u200d", "é", "\U0001f600", "是", "~", "!"]
            ),
            max_size=6,
        ),
        min_size=1,
        max_size=40,
    )
)
def test_strip_equals_python(texts):
    """sl_strip (its printable-ASCII-ends fast path and its regexp) is str.strip(), empty → NULL."""
    con = duckdb.connect()
    ingest.create_macros(con)
    con.execute("CREATE TABLE s (i INT, t VARCHAR)")
    con.executemany("INSERT INTO s VALUES (?, ?)", list(enumerate(texts)))
    got = [r[0] for r in con.execute("SELECT sl_strip(t) FROM s ORDER BY i").fetchall()]
    assert got == [t.strip() or None for t in texts]
