"""The one comparison of targets (slalang/targets.py, SEMANTICS §2): the
itops cases the issue names, the calendar it compares on (the rule file's,
date for date), the holiday cache, and a brute-force oracle that walks every
minute of small random calendars across a DST change."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from slalang import holidaysets
from slalang import model as m
from slalang import targets as T
from slalang.businesstime import BusinessCalendar, CalendarRangeError
from slalang.compiler import compile_file
from slalang.durations import clock_of, measures
from slalang.terms import duration_parts

ROOT = Path(__file__).resolve().parent.parent
CONTRACTS = sorted((ROOT / "contracts").glob("*.sla"))


def dur(spelling: str) -> m.Duration | None:
    if spelling == "-":
        return None
    parts = duration_parts(spelling)
    days, seconds = measures(parts)
    clock = clock_of(parts)
    assert clock is not None
    return m.Duration(spelling=spelling, clock=clock, seconds=seconds, days=days)


@pytest.fixture(scope="module")
def itops():
    c = compile_file(ROOT / "contracts" / "itops.sla").contract
    assert c is not None
    return c, T.TargetMeasure(c.calendars, c.timezone, c.effective_start, c.effective_end)


def cmp(itops, a: str, b: str, column: str = "off_hours", matrix: str = "response") -> str:
    c, measure = itops
    mx = c.response if matrix == "response" else c.resolution
    dom = measure.domain(mx, column)
    return T.compare(measure.due(dur(a), mx.clock), measure.due(dur(b), mx.clock), dom)


# ---------------------------------------------------------------- the cases (itops, off-hours column)
@pytest.mark.parametrize(
    "a, b, expected",
    [
        ("12h", "1bd", T.STRICTER),  # 1bd → 12h is stricter on the provider
        ("1bd", "12h", T.LOOSER),
        ("1bh", "4h", T.UNCLEAR),  # 4h → 1bh: sooner for Monday 08:00, later for Friday 18:30
        ("1bh", "8h", T.UNCLEAR),
        ("4h", "1bh", T.UNCLEAR),
        ("60m", "1h", T.EQUAL),
        ("15m", "30m", T.STRICTER),
        ("30m", "15m", T.LOOSER),
        ("-", "4h", T.LOOSER),
        ("-", "3bd", T.LOOSER),
        ("2bd", "-", T.STRICTER),
        ("-", "-", T.EQUAL),
        ("1bd", "2bd", T.STRICTER),
        ("2bd", "1bd", T.LOOSER),
        ("1bd", "1bd", T.EQUAL),
        ("2bh", "1bd", T.STRICTER),  # off hours, 2bh is due by 11:00 or 15:00 of the next working day
    ],
)
def test_itops_off_hours(itops, a, b, expected):
    assert cmp(itops, a, b) == expected


def test_itops_business_column_and_any(itops):
    assert cmp(itops, "15m", "2bh", "business") == T.STRICTER  # business time never runs faster
    assert cmp(itops, "2bh", "1bd", "business") == T.STRICTER
    assert cmp(itops, "8h", "1bh", "business") == T.UNCLEAR  # Friday 17:30: 01:30 against Monday 09:30
    assert cmp(itops, "1h", "1bh", "business") == T.STRICTER  # equal at 10:00, earlier across lunch
    assert cmp(itops, "1h", "1bh", "any", "resolution") == T.STRICTER
    assert cmp(itops, "9h", "1bd", "business") == T.STRICTER  # a business day takes at least 23 h here
    assert cmp(itops, "30h", "1bd", "business") == T.UNCLEAR  # Mon 10:00 → Tue 10:00; Fri 10:00 → Mon 10:00
    assert cmp(itops, "4h", "3bd", "any", "resolution") == T.STRICTER
    assert cmp(itops, "3bd", "5bd", "any", "resolution") == T.STRICTER


def test_flip():
    assert [T.flip(d) for d in (T.STRICTER, T.LOOSER, T.EQUAL, T.UNCLEAR)] == [
        T.LOOSER,
        T.STRICTER,
        T.EQUAL,
        T.UNCLEAR,
    ]


def test_itops_domains(itops):
    c, measure = itops
    zone = T._zone(c.timezone)
    work = measure.domain(c.response, "business")
    off = measure.domain(c.response, "off_hours")
    every = measure.domain(c.resolution, "any")
    assert every.intervals == [(measure.lo, measure.hi)]
    assert sum(b - a for a, b in work.intervals) + sum(b - a for a, b in off.intervals) == measure.hi - measure.lo

    def at(*args):
        return int(dt.datetime(*args, tzinfo=zone).timestamp())

    assert at(2026, 3, 2, 9, 0) in work and at(2026, 3, 2, 8, 59) in off  # a Monday
    assert at(2026, 3, 2, 12, 30) in off  # lunch is off hours
    assert at(2026, 1, 4, 10, 0) in work  # Sunday 4 January 2026 is a make-up working day
    assert at(2026, 12, 31, 10, 0) in off  # the contract's own holiday
    assert measure.lo == at(2026, 1, 1, 0, 0) and measure.hi == at(2027, 1, 1, 0, 0)


def test_due_is_the_runtimes(itops):
    """A business due time is the runtime's, on the rule file's calendar."""
    from slalang.rules import rules_json
    from slalang.runtime import Rules, loads_rules

    c, measure = itops
    rules = Rules(loads_rules(rules_json(c, "x")))
    rt = rules.calendars["business"]
    due = measure.due(dur("1bd2bh"), "business")
    for t in range(measure.lo, measure.hi - 40 * 86400, 7919 * 61):
        assert due.at(t) == rt.advance(t, 1, 7200)
        assert due.at(t) == rt.deadline(t, 1, 7200)[0]


@pytest.mark.parametrize("path", CONTRACTS, ids=lambda p: p.stem)
def test_calendars_are_the_rule_files(path):
    """The measure compiles each calendar to the same working intervals as
    the runtime compiles from the rule file."""
    from slalang.rules import rule_document, rules_json
    from slalang.runtime import Rules, loads_rules

    c = compile_file(path).contract
    assert c is not None
    rules = Rules(loads_rules(rules_json(c, "x")))
    doc = rule_document(c, "x")
    measure = T.TargetMeasure(c.calendars, c.timezone, c.effective_start, c.effective_end)
    for cal, rc in zip(c.calendars, doc["calendars"]):
        mine = measure.clock(cal.name)
        assert mine is not None
        theirs = rules.calendars[cal.name]
        assert (mine.cal.first, mine.cal.last) == (theirs.first, theirs.last)
        assert mine.cal._starts == theirs._starts and mine.cal._ends == theirs._ends
        years = holidaysets.covered_years(cal.holiday_sets, c.effective_start.year, c.effective_end.year)
        days = holidaysets.calendar_days(cal, years)
        assert [h["date"] for h in rc["holidays"]] == [d.isoformat() for d in sorted(days.holidays)]
        assert [(w["date"], w["hours_of"]) for w in rc["workdays"]] == [
            (d.isoformat(), m.WEEKDAYS[days.workdays[d].hours_of]) for d in sorted(days.workdays)
        ]


def test_dates_cached_is_dates(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(holidaysets, "_loaded", {})
    monkeypatch.setattr(holidaysets, "_no_cache", False)  # a build in this process turned the cache off
    for code, years in (("cn", range(2025, 2027)), ("us", range(2026, 2028)), ("CN", range(2026, 2027))):
        expected = holidaysets.dates(code, years)
        assert holidaysets.dates_cached(code, years) == expected  # computed, stored
        monkeypatch.setattr(holidaysets, "_loaded", {})
        assert holidaysets.dates_cached(code, years) == expected  # read back from the file
    assert list(tmp_path.glob("slalang/holiday-coverage-*.json"))


def test_warm_check_does_not_import_holidays(itops):
    """Once cached, comparing on itops imports neither `holidays` nor the rules backend."""
    code = (
        "import sys, time\n"
        "from slalang.compiler import compile_file\n"
        "from slalang import targets as T\n"
        f"c = compile_file({str(ROOT / 'contracts' / 'itops.sla')!r}).contract\n"
        "t0 = time.perf_counter()\n"
        "n = 0\n"
        "for mx in (c.response, c.resolution):\n"
        "    me = T.TargetMeasure(c.calendars, c.timezone, c.effective_start, c.effective_end)\n"
        "    for col in mx.columns:\n"
        "        dom = me.domain(mx, col.name)\n"
        "        cells = [me.due(mx.cell(p.name, col.name), mx.clock) for p in c.priorities]\n"
        "        for i, a in enumerate(cells):\n"
        "            for b in cells[i + 1:]:\n"
        "                T.compare(a, b, dom); n += 1\n"
        "ms = (time.perf_counter() - t0) * 1e3\n"
        "print(n, round(ms, 2), 'holidays' in sys.modules, 'slalang.rules' in sys.modules)\n"
    )
    for _ in range(2):  # the first run may fill the cache
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    n, ms, imported_holidays, imported_rules = out
    assert int(n) == 30
    assert imported_holidays == "False" and imported_rules == "False"
    assert float(ms) < 100  # generous for loaded CI machines; ~10 ms measured


def test_cached_compare_is_fast(itops):
    c, measure = itops
    mx = c.response
    dom = measure.domain(mx, "off_hours")
    a, b = measure.due(dur("12h"), mx.clock), measure.due(dur("1bd"), mx.clock)
    T.compare(a, b, dom)
    t0 = time.perf_counter()
    for _ in range(100):
        assert T.compare(a, b, dom) == T.STRICTER
    assert (time.perf_counter() - t0) / 100 < 0.001


# ---------------------------------------------------------------- the brute-force oracle
# Small random calendars in Europe/Berlin over two or three weeks around a
# DST change; every minute (and minute + 30 s) of the period is placed in its
# column and both due times are computed by the runtime's own calendar,
# built here straight from the random data (not through the measure).
BERLIN = "Europe/Berlin"
DST_STARTS = (dt.date(2026, 3, 16), dt.date(2026, 10, 12))


def _windows(bounds: list[int]) -> list[tuple[int, int]]:
    bounds = sorted(set(bounds))
    return [(bounds[i], bounds[i + 1]) for i in range(0, len(bounds) - 1, 2)]


def _week(draw):
    full = draw(st.booleans()) and draw(st.booleans())
    hours = {}
    for day in range(7):
        if full and day < 5:
            hours[day] = [(0, 1440)]  # whole days: intervals merge across midnight
            continue
        n = draw(st.sampled_from((0, 2, 2, 4)))
        # Quarter hours make edges coincide (ties); any minute, anything else.
        edge = st.integers(0, 96).map(lambda q: q * 15) | st.integers(0, 1440)
        ws = _windows(draw(st.lists(edge, min_size=n, max_size=n, unique=True)))
        if ws:
            hours[day] = ws
    if not hours:
        hours[0] = [(9 * 60, 17 * 60)]
    return hours


def _calendar_model(name: str, hours, holidays, workdays):
    windows = tuple(
        m.WeeklyWindow.model_construct(weekday=d, start_minute=s, end_minute=e)
        for d in sorted(hours)
        for s, e in hours[d]
    )
    return m.Calendar.model_construct(
        name=name,
        title=None,
        hours=windows,
        holiday_sets=(),
        extra_holidays=tuple(m.DatedNote.model_construct(date=d, note=None) for d in sorted(holidays)),
        extra_workdays=tuple(m.DatedNote.model_construct(date=d, note=None) for d in sorted(workdays)),
        line=1,
    )


def _runtime_calendar(name, hours, holidays, workdays, years):
    worked = sorted(hours)
    return BusinessCalendar(
        name,
        BERLIN,
        hours,
        dt.date(years.start, 1, 1),
        dt.date(years.stop - 1, 12, 31),
        holidays=sorted(holidays),
        workdays={d: (d.weekday() if d.weekday() in worked else worked[0]) for d in workdays},
    )


def _duration(draw) -> m.Duration:
    if draw(st.booleans()):
        h = draw(st.sampled_from((4, 1, 8, 12, 24, 0, 36, 2, 60)) | st.integers(0, 60))
        mi = draw(st.sampled_from((0, 30, 15, 45, 1, 59)))
        if h == mi == 0:
            mi = 1
        spelling = (f"{h}h" if h else "") + (f"{mi}m" if mi else "")
        return m.Duration.model_construct(spelling=spelling, clock="wall", seconds=h * 3600 + mi * 60, days=0)
    days = draw(st.sampled_from((1, 0, 2, 3)))
    bh = draw(st.sampled_from((0, 2, 1, 4, 8, 3, 10, 12)))
    if days == bh == 0:
        bh = 1
    spelling = (f"{days}bd" if days else "") + (f"{bh}bh" if bh else "")
    return m.Duration.model_construct(spelling=spelling, clock="business", seconds=bh * 3600, days=days)


@st.composite
def scenarios(draw):
    start = draw(st.sampled_from(DST_STARTS)) + dt.timedelta(days=draw(st.integers(0, 8)))
    end = start + dt.timedelta(days=draw(st.integers(13, 20)))
    cals = {}
    for name in ("one", "two"):
        hours = _week(draw)
        near = st.integers(-7, 28).map(lambda k: start + dt.timedelta(days=k))
        holidays = set(draw(st.lists(near, max_size=3)))
        workdays = {d for d in draw(st.lists(near, max_size=2)) if d.weekday() >= 5} - holidays
        cals[name] = (hours, holidays, workdays)
    column = draw(st.sampled_from(("one", "off_hours", "any")))
    clock_a, clock_b = draw(st.sampled_from(("one", "two"))), draw(st.sampled_from(("one", "two")))
    a = _duration(draw)
    b = a if draw(st.integers(0, 7)) == 7 else _duration(draw)
    return start, end, cals, column, (a, clock_a), (b, clock_b)


def _oracle(start, end, runtime, column, a, b) -> str:
    zone = ZoneInfo(BERLIN)
    lo = int(dt.datetime(start.year, start.month, start.day, tzinfo=zone).timestamp())
    e1 = end + dt.timedelta(days=1)
    hi = int(dt.datetime(e1.year, e1.month, e1.day, tzinfo=zone).timestamp())
    (da, ca), (db, cb) = a, b

    def due(d, cal, t):
        if d.clock == "wall":
            return t + d.seconds
        return runtime[cal].advance(t, d.days, d.seconds)

    less = greater = seen = False
    one = runtime["one"]
    for minute in range(lo, hi, 60):
        for t in (minute, minute + 30):
            inside = one.contains(t)
            if (column == "one" and not inside) or (column == "off_hours" and inside):
                continue
            try:
                x, y = due(da, ca, t), due(db, cb, t)
            except CalendarRangeError:
                continue
            seen = True
            less |= x < y
            greater |= x > y
    if not seen:
        return T.UNCLEAR
    return T._direction(less, greater)


_FULL_WEEK = {d: [(0, 1440)] for d in range(5)} | {6: [(0, 15)]}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
@example(  # a day bound that cannot decide must fall through to the scan
    (
        dt.date(2026, 3, 16),
        dt.date(2026, 3, 29),
        {"one": ({0: [(540, 1020)]}, set(), set()), "two": (_FULL_WEEK, set(), set())},
        "one",
        (dur("2bd"), "two"),
        (dur("1bd2bh"), "two"),
    )
)
def test_compare_matches_a_minute_walk(scenario):
    start, end, cals, column, a, b = scenario
    years = range(start.year, end.year + 2)  # a calendar without holiday sets gets the next year
    models = [_calendar_model(n, *cals[n]) for n in ("one", "two")]
    runtime = {n: _runtime_calendar(n, *cals[n], years) for n in ("one", "two")}
    matrix = m.Matrix.model_construct(
        metric="response",
        title=None,
        clock=None,
        columns=(
            (m.Column.model_construct(name="any", kind="any"),)
            if column == "any"
            else (
                m.Column.model_construct(name="one", kind="calendar"),
                m.Column.model_construct(name="off_hours", kind="off_hours"),
            )
        ),
        targets=(),
        line=1,
    )
    measure = T.TargetMeasure(models, BERLIN, start, end)
    for n in ("one", "two"):  # the measure compiles the same calendar as the runtime
        clock = measure.clock(n)
        assert clock is not None
        assert (clock.cal._starts, clock.cal._ends) == (runtime[n]._starts, runtime[n]._ends)
    domain = measure.domain(matrix, column)
    (da, ca), (db, cb) = a, b
    got = T.compare(measure.due(da, ca), measure.due(db, cb), domain)
    event(f"{got} {da.clock[0]}{db.clock[0]} {'same' if ca == cb else 'cross'}")
    assert got == _oracle(start, end, runtime, column, a, b), (da.spelling, ca, db.spelling, cb, column)
    assert T.compare(measure.due(db, cb), measure.due(da, ca), domain) == T.flip(got)


def test_two_versions(itops):
    """The diff compares a target of one version with one of another: the
    due times come from each version's own calendar, the instants from the
    column of the new one."""
    from slalang.compiler import compile_text

    c_old, old = itops
    text = (ROOT / "contracts" / "itops.sla").read_text(encoding="utf-8")
    assert "mon..fri 09:00-12:00, 13:00-18:00" in text
    c_new = compile_text(
        text.replace("mon..fri 09:00-12:00, 13:00-18:00", "mon..fri 09:00-12:00, 13:00-17:00")
    ).contract
    assert c_new is not None
    new = T.TargetMeasure(c_new.calendars, c_new.timezone, c_new.effective_start, c_new.effective_end)
    off = new.domain(c_new.response, "off_hours")
    one_day = dur("1bd")
    # Opened Mon 17:30: working time before, off hours now (due Wed 09:00 instead of Tue 17:30).
    assert T.compare(new.due(one_day, "business"), old.due(one_day, "business"), off) == T.LOOSER
    assert T.compare(old.due(one_day, "business"), new.due(one_day, "business"), off) == T.STRICTER
    # 2bh: from 12:30 or 20:00 the same; from Mon 17:30 Tue 11:00 instead of Tue 10:30.
    assert T.compare(new.due(dur("2bh"), "business"), old.due(dur("2bh"), "business"), off) == T.LOOSER
    assert T.compare(new.due(dur("1bh"), "business"), old.due(dur("2bh"), "business"), off) == T.STRICTER
    assert T.compare(new.due(dur("4h"), "business"), old.due(dur("4h"), "business"), off) == T.EQUAL
