"""Business calendars: exact cases (China's make-up working days, DST) and
property tests of `add`, `between`, `contains` and business days against a
brute-force minute-by-minute walk over the same definition of working time
(a real instant works when its local wall-clock time, in the calendar's
zone, falls inside that local date's hours).

Holiday data: python-holidays 0.109 publishes China's holidays up to 2026
only (2027 is not announced yet), so the CN property tests cover 2025–2026;
the DST tests use America/New_York with US federal holidays 2025–2026."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from slalang import holidaysets
from slalang.runtime import BusinessCalendar, CalendarRangeError

ROOT = Path(__file__).resolve().parent.parent
SH = ZoneInfo("Asia/Shanghai")
NY = ZoneInfo("America/New_York")
FIRST, LAST = dt.date(2025, 1, 1), dt.date(2026, 12, 31)
MON_FRI = {d: [(9 * 60, 12 * 60), (13 * 60, 18 * 60)] for d in range(5)}


def at(tz, *args) -> int:
    return int(dt.datetime(*args, tzinfo=tz).timestamp())


@pytest.fixture(scope="module")
def itops():
    from slalang.build import build_one
    from slalang.runtime import Rules, loads_rules

    files = build_one(str(ROOT / "contracts" / "itops.sla"), frozenset({"rules"})).files
    return Rules(loads_rules(files["example-itops.rules.json"]))


def test_cn_make_up_sunday(itops):
    """The issue's case: Fri 2026-01-02 is a holiday, Sun 2026-01-04 a
    make-up working day; 30 business minutes from Fri 17:30 → Sun 09:30."""
    cal = itops.calendars["business"]
    fri = dt.datetime(2026, 1, 2, 17, 30, tzinfo=SH)
    assert not cal.contains(fri)
    assert cal.add(fri, 30 * 60) == dt.datetime(2026, 1, 4, 9, 30, tzinfo=SH)
    assert cal.add(int(fri.timestamp()), 1800) == at(SH, 2026, 1, 4, 9, 30)
    assert cal.contains(dt.datetime(2026, 1, 4, 10, 0, tzinfo=SH))
    assert cal.between(at(SH, 2026, 1, 1, 0, 0), at(SH, 2026, 1, 5, 0, 0)) == 8 * 3600  # only the Sunday


def test_cn_spring_festival_and_make_up_saturday(itops):
    cal = itops.calendars["business"]
    # 2026-02-16 … 02-23 are holidays; Sat 02-14 and Sat 02-28 are make-up days.
    assert cal.contains(at(SH, 2026, 2, 14, 10, 0))
    assert not cal.contains(at(SH, 2026, 2, 17, 10, 0))
    # Fri 02-13 17:00 + 2 business hours: 1 h on Friday, 1 h on the make-up Saturday.
    assert cal.add(at(SH, 2026, 2, 13, 17, 0), 7200) == at(SH, 2026, 2, 14, 10, 0)
    # Sat 02-14 17:30 + 1 h: the next working day is Tue 02-24 (02-23 is off).
    assert cal.add(at(SH, 2026, 2, 14, 17, 30), 3600) == at(SH, 2026, 2, 24, 9, 30)


def test_due_time_at_the_end_of_an_interval_is_that_end(itops):
    cal = itops.calendars["business"]
    assert cal.add(at(SH, 2026, 1, 5, 11, 0), 3600) == at(SH, 2026, 1, 5, 12, 0)
    assert cal.add(at(SH, 2026, 1, 5, 11, 0), 3601) == at(SH, 2026, 1, 5, 13, 0, 1)


def test_business_days(itops):
    cal = itops.calendars["business"]
    # Mon 10:30 + 1bd = Tue 10:30; + 3bd from Fri 17:30 (holiday) snaps to the make-up Sunday 09:00.
    assert cal.add_days(at(SH, 2026, 1, 5, 10, 30), 1) == at(SH, 2026, 1, 6, 10, 30)
    assert cal.add_days(at(SH, 2026, 1, 2, 17, 30), 3) == at(SH, 2026, 1, 7, 9, 0)
    # Opened after hours: the offset is 0 into the next working day.
    assert cal.add_days(at(SH, 2026, 1, 5, 19, 0), 1) == at(SH, 2026, 1, 7, 9, 0)
    # Offset 8 h (the whole day, ending at 18:00) into the next day.
    assert cal.add_days(at(SH, 2026, 1, 5, 17, 59, 59), 1) == at(SH, 2026, 1, 6, 17, 59, 59)
    # 1bd4bh: days first, then business hours.
    assert cal.advance(at(SH, 2026, 1, 5, 16, 0), 1, 4 * 3600) == at(SH, 2026, 1, 7, 11, 0)


def test_outside_the_covered_years_is_an_error(itops):
    cal = itops.calendars["business"]
    with pytest.raises(CalendarRangeError, match="outside the days calendar `business` covers"):
        cal.contains(at(SH, 2027, 1, 4, 10, 0))
    with pytest.raises(CalendarRangeError, match="after the last day"):
        cal.add(at(SH, 2026, 12, 30, 10, 0), 40 * 3600)
    with pytest.raises(CalendarRangeError):
        cal.add_days(at(SH, 2026, 12, 29, 10, 0), 5)


def test_dst_new_york_days_are_23_and_25_hours():
    cal = BusinessCalendar("always", NY, {d: [(0, 1440)] for d in range(7)}, FIRST, LAST)
    assert cal.between(at(NY, 2026, 3, 8, 0, 0), at(NY, 2026, 3, 9, 0, 0)) == 23 * 3600
    assert cal.between(at(NY, 2026, 11, 1, 0, 0), at(NY, 2026, 11, 2, 0, 0)) == 25 * 3600
    # Wall-clock hours in the gap do not exist; the repeated hour works twice.
    night = BusinessCalendar("night", NY, {d: [(60, 180)] for d in range(7)}, FIRST, LAST)
    assert night.between(at(NY, 2026, 3, 8, 0, 0), at(NY, 2026, 3, 8, 12, 0)) == 3600
    assert night.between(at(NY, 2026, 11, 1, 0, 0), at(NY, 2026, 11, 1, 12, 0)) == 3 * 3600
    day = BusinessCalendar("day", NY, MON_FRI, FIRST, LAST)
    # Fri 17:30 EST + 1 h → Mon 09:30 EDT, across the spring-forward weekend.
    assert day.add(at(NY, 2026, 3, 6, 17, 30), 3600) == at(NY, 2026, 3, 9, 9, 30)


def test_datetime_and_epoch_inputs():
    cal = BusinessCalendar("day", SH, MON_FRI, FIRST, LAST)
    with pytest.raises(ValueError, match="naive"):
        cal.contains(dt.datetime(2026, 1, 5, 10, 0))
    with pytest.raises(TypeError):
        cal.contains("2026-01-05")
    with pytest.raises(ValueError):
        cal.add(at(SH, 2026, 1, 5, 10, 0), -1)
    assert cal.add(at(SH, 2026, 1, 5, 10, 0), 0) == at(SH, 2026, 1, 5, 10, 0)


# ------------------------------------------------------------------ the oracle
class MinuteWalk:
    """Working time by definition, one minute at a time."""

    def __init__(self, tz, hours, holidays, workdays):
        self.tz, self.hours, self.holidays, self.workdays = tz, hours, holidays, workdays

    def local(self, u):
        d = dt.datetime.fromtimestamp(u, self.tz)
        return d.date(), d.hour * 60 + d.minute

    def working(self, u) -> bool:
        date, minute = self.local(u)
        if date in self.holidays:
            return False
        wd = self.workdays.get(date, date.weekday())
        return any(s <= minute < e for s, e in self.hours.get(wd, ()))

    def add(self, t, minutes, limit):
        u, n = t, 0
        while u < limit:
            if self.working(u):
                n += 1
                if n == minutes:
                    return u + 60
            u += 60
        return None

    def between(self, t1, t2):
        return sum(60 for u in range(t1, t2, 60) if self.working(u))

    def add_days(self, t, days, limit):
        u = t
        while not self.working(u):
            u += 60
            if u >= limit:
                return None
        day0 = self.local(u)[0]
        o, v = 0, u - 60
        while self.local(v)[0] == day0:
            o += self.working(v)
            v -= 60
        seen, v, day_minutes = 0, u, []
        current = day0
        while v < limit:
            if self.working(v):
                d = self.local(v)[0]
                if d != current:
                    if seen == days:
                        break
                    current, seen = d, seen + 1
                if seen == days:
                    day_minutes.append(v)
            v += 60
        if seen != days or not day_minutes:
            return None
        if o == 0:
            return day_minutes[0]
        o = min(o, len(day_minutes))
        return day_minutes[o - 1] + 60


windows = st.lists(st.tuples(st.integers(0, 95), st.integers(1, 24)), max_size=2).map(
    lambda ws: sorted({(s * 15, min(s * 15 + n * 15, 1440)) for s, n in ws})
)


def _merge(ws):
    out = []
    for s, e in ws:
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


weekly = st.lists(windows, min_size=7, max_size=7).map(lambda days: {i: _merge(w) for i, w in enumerate(days) if w})


@pytest.fixture(scope="module")
def cn_days():
    holidays, workdays = holidaysets.dates("cn", range(2025, 2027))
    return set(holidays), {d: 0 for d in workdays}


@pytest.fixture(scope="module")
def us_days():
    holidays, _ = holidaysets.dates("us", range(2025, 2027))
    return set(holidays), {}


def _instant(draw_minutes, tz, near_dst):
    if near_dst:
        base = at(tz, 2026, 3, 7, 0, 0) if draw_minutes % 2 else at(tz, 2026, 10, 31, 0, 0)
        return base + (draw_minutes // 2 % (4 * 1440)) * 60
    return at(tz, 2025, 1, 1, 0, 0) + draw_minutes % (729 * 1440) * 60


SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)


@pytest.mark.parametrize("zone", ["cn", "us"])
@SETTINGS
@given(hours=weekly, start=st.integers(0, 10**9), span=st.integers(1, 1500), near_dst=st.booleans(), data=st.data())
def test_add_between_contains_match_the_minute_walk(zone, hours, start, span, near_dst, data, cn_days, us_days):
    assume(hours)
    tz, (holidays, workdays) = (SH, cn_days) if zone == "cn" else (NY, us_days)
    if zone == "cn":
        # Make-up days work the hours of the first working weekday.
        workdays = {d: min(hours) for d in workdays}
    cal = BusinessCalendar("c", tz, hours, FIRST, LAST, holidays, workdays)
    walk = MinuteWalk(tz, hours, holidays, workdays)
    t = _instant(start, tz, near_dst and zone == "us")
    weekly_minutes = sum(e - s for ws in hours.values() for s, e in ws)
    minutes = 1 + span % max(1, min(weekly_minutes * 2, 1500))
    limit = min(t + 40 * 86400, cal.hi)  # the walk must not go past the covered days either
    expected = walk.add(t, minutes, limit)
    assert cal.contains(t) == walk.working(t)
    if expected is not None:
        assert cal.add(t, minutes * 60) == expected
        assert cal.deadline(t, 0, minutes * 60) == (expected, cal.offset(t), cal.offset(expected))
        assert cal.between(t, expected) == minutes * 60
    t2 = min(t + data.draw(st.integers(0, 3 * 1440)) * 60, cal.hi)
    assert cal.between(t, t2) == walk.between(t, t2)
    days = data.draw(st.integers(1, 3))
    got = walk.add_days(t, days, limit)
    if got is not None:
        assert cal.add_days(t, days) == got
        assert cal.deadline(t, days, 0) == (got, cal.offset(t), cal.offset(got))
        if walk.add(got, minutes, limit) is not None:  # NbdMbh: days first, then hours
            assert cal.deadline(t, days, minutes * 60)[0] == cal.add(got, minutes * 60)


def test_oracle_is_not_vacuous():
    """The walk itself disagrees with a wrong calendar (guards the oracle)."""
    walk = MinuteWalk(SH, MON_FRI, set(), {})
    cal = BusinessCalendar("wrong", SH, {d: [(9 * 60, 18 * 60)] for d in range(5)}, FIRST, LAST)
    t = at(SH, 2026, 1, 5, 11, 0)
    assert cal.add(t, 7200) != walk.add(t, 120, t + 86400 * 7)


def test_a_rule_file_calendar_is_compiled_in_its_own_timezone(itops):
    """v3: each calendar carries its timezone; the itops calendar is the
    contract's (Asia/Shanghai), and a London variant counts London hours:
    Monday 2026-03-30 (after the change) 09:00 BST is 08:00 UTC."""
    assert itops.calendars["business"].tz.key == "Asia/Shanghai"
    src = next(c for c in itops.file.calendars if c.name == "business")
    london = BusinessCalendar.from_rules(src.model_copy(update={"timezone": "Europe/London"}), "Europe/London")
    utc = dt.UTC
    assert london.contains(at(utc, 2026, 3, 30, 8, 0)) and not london.contains(at(utc, 2026, 3, 30, 7, 59))
    assert london.add(at(utc, 2026, 3, 27, 17, 30), 3600) == at(
        utc, 2026, 3, 30, 8, 30
    )  # Fri 17:30 GMT → Mon 09:30 BST
