"""The runtime's business-time arithmetic against the brute-force minute walk
of tests/calendar_oracle.py (which imports nothing from slalang), extended
to what issue 11 added (deliverable 8):
- a supplied schedule year (`year 2026 "…" { holiday …  workday … }`, written
  with the holidays package's own published 2026 dates, as
  tests/data/schedule-cn-2026.sla does), also with Saturday hours, where a
  supplied make-up day works its own weekday's hours;
- holiday sets with subdivisions (`gb-eng`, `us-ca`, `de-by`), each calendar
  in its own timezone;
- a regional calendar whose variants have their own timezone, hours and
  holiday set, the ticket's region choosing the variant — through
  `Rules.evaluate` (column and due time) as well as the calendar itself.
Random start instants (whole minutes, some near DST changes), bounded
examples."""

from __future__ import annotations

import datetime as dt
import sys
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parent))
from calendar_oracle import Oracle, add_calendar_days, package_schedule  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
MON_FRI = range(5)


def hours(days, *windows: str) -> dict[int, list[tuple[int, int]]]:
    def m(s: str) -> int:
        h, mm = s.split(":")
        return int(h) * 60 + int(mm)

    ws = [(m(w.split("-")[0]), m(w.split("-")[1])) for w in windows]
    return {d: ws for d in days}


def merged(*parts: dict) -> dict:
    out: dict[int, list] = {}
    for p in parts:
        for d, ws in p.items():
            out.setdefault(d, []).extend(ws)
    return out


HEADER = """contract "{id}" version "1.0.0" {{
  title      "服务承诺" | "Service commitment"
  languages  zh, en
  prevailing zh
  effective  2026-01-01 to 2026-12-31
  timezone   "Asia/Shanghai"
  currency   CNY

  provider "示例公司" | "Example Co."
  customer "客户公司" | "Customer Co."
{scope}
{calendars}

  priority P1 "高" | "High"
  priority P2 "中" | "Medium"
  priority P3 "低" | "Low"

  response "首次响应" | "First response" {{
    clock   {clock}
    columns {clock}, off_hours
    P1      3bh    5bh
    P2      1bd    2bd
    P3      1bd4bh 2bd
  }}
}}
"""
TARGETS = {"P1": ((0, 3 * 3600), (0, 5 * 3600)), "P2": ((1, 0), (2, 0)), "P3": ((1, 4 * 3600), (2, 0))}


def schedule_block(code: str, year: int) -> str:
    off, on = package_schedule(code, year)
    lines = [
        f'    year {year} "国务院办公厅关于{year}年部分节假日安排的通知" | "Notice of the General Office of the State '
        f'Council on the {year} holiday arrangements" {{'
    ]
    lines += [f"      holiday {d.isoformat()}" for d in off]
    lines += [f"      workday {d.isoformat()}" for d in on]
    return "\n".join(lines) + "\n    }"


@cache
def build(name: str, text: str):
    """Compile a contract written here (in a temporary folder) and load its rules."""
    import tempfile

    from slalang.build import build_one
    from slalang.runtime import Rules, loads_rules

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{name}.sla"
        path.write_text(text, encoding="utf-8")
        out = build_one(str(path), frozenset({"rules"}))
        assert out.files, f"{name} did not build: {getattr(out, 'diagnostics', out)}"
        doc = next(v for k, v in out.files.items() if k.endswith(".rules.json"))
    return Rules(loads_rules(doc if isinstance(doc, bytes) else doc.encode()))


# ---------------------------------------------------------------- the contracts


SUPPLIED = HEADER.format(
    id="oracle-supplied",
    scope="",
    clock="office",
    calendars=f"""
  calendar office "工作时间" | "Business hours" {{
    hours    mon..fri 09:00-12:00, 13:00-18:00
    hours    sat 09:00-12:00
    holidays cn
{schedule_block("cn", 2026)}
  }}""",
)
CN_HOURS = merged(hours(MON_FRI, "09:00-12:00", "13:00-18:00"), hours([5], "09:00-12:00"))

SUBDIVISIONS = HEADER.format(
    id="oracle-subdivisions",
    scope="",
    clock="eng",
    calendars="""
  calendar eng "英格兰" | "England" {
    timezone "Europe/London"
    hours    mon..fri 09:00-17:30
    holidays gb-eng
  }
  calendar ca "加利福尼亚" | "California" {
    timezone "America/Los_Angeles"
    hours    mon..fri 08:00-17:00
    hours    sat 10:00-14:00
    holidays us-ca
  }
  calendar by "巴伐利亚" | "Bavaria" {
    timezone "Europe/Berlin"
    hours    mon..fri 08:00-12:00, 13:00-17:00
    holidays de-by
  }""",
)
SUBDIV_ORACLES = {
    "eng": lambda: Oracle(hours(MON_FRI, "09:00-17:30"), "Europe/London", "gb-eng", years=(2026, 2027)),
    "ca": lambda: Oracle(
        merged(hours(MON_FRI, "08:00-17:00"), hours([5], "10:00-14:00")),
        "America/Los_Angeles",
        "us-ca",
        years=(2026, 2027),
    ),
    "by": lambda: Oracle(hours(MON_FRI, "08:00-12:00", "13:00-17:00"), "Europe/Berlin", "de-by", years=(2026, 2027)),
}

REGIONAL = HEADER.format(
    id="oracle-regional",
    scope="""
  scope {
    region na   "北美" | "North America"
    region emea "欧洲" | "Europe"
    region apac "亚太" | "Asia Pacific"
  }""",
    clock="support",
    calendars="""
  calendar support "支持时间" | "Support hours" {
    region na   { timezone "America/Chicago" hours mon..fri 07:00-19:00 holidays us-ca }
    region emea { timezone "Europe/Berlin"   hours mon..fri 08:00-12:00, 13:00-17:00 holidays de-by }
    region apac { timezone "Asia/Shanghai"   hours mon..fri 09:00-18:00 holidays cn }
  }""",
)
REGION_ORACLES = {
    "na": lambda: Oracle(hours(MON_FRI, "07:00-19:00"), "America/Chicago", "us-ca", years=(2026, 2027)),
    "emea": lambda: Oracle(hours(MON_FRI, "08:00-12:00", "13:00-17:00"), "Europe/Berlin", "de-by", years=(2026, 2027)),
    "apac": lambda: Oracle(hours(MON_FRI, "09:00-18:00"), "Asia/Shanghai", "cn", years=(2026,)),
}


@cache
def oracle(kind: str, name: str) -> Oracle:
    if kind == "supplied":
        off, on = package_schedule("cn", 2026)
        return Oracle(CN_HOURS, "Asia/Shanghai", "cn", years=(2026,), supplied={2026: (off, on)})
    if kind == "supplied-file":
        off, on = package_schedule("cn", 2026)
        return Oracle(hours(MON_FRI, "09:00-18:00"), "Asia/Shanghai", "cn", years=(2026,), supplied={2026: (off, on)})
    if kind == "package":
        return Oracle(CN_HOURS, "Asia/Shanghai", "cn", years=(2026,))
    return (SUBDIV_ORACLES if kind == "subdiv" else REGION_ORACLES)[name]()


@cache
def schedule_file_rules():
    from slalang.build import build_one
    from slalang.runtime import Rules, loads_rules

    out = build_one(str(ROOT / "tests" / "data" / "schedule-cn-2026.sla"), frozenset({"rules"}))
    doc = next(v for k, v in out.files.items() if k.endswith(".rules.json"))
    return Rules(loads_rules(doc if isinstance(doc, bytes) else doc.encode()))


# ---------------------------------------------------------------- instants


DST_DAYS = {
    "America/New_York": [(2026, 3, 6), (2026, 10, 30)],
    "America/Chicago": [(2026, 3, 6), (2026, 10, 30)],
    "America/Los_Angeles": [(2026, 3, 6), (2026, 10, 30)],
    "Europe/London": [(2026, 3, 27), (2026, 10, 23)],
    "Europe/Berlin": [(2026, 3, 27), (2026, 10, 23)],
}


def start_instant(tz: str, n: int, near_dst: bool, last_day=dt.date(2026, 12, 31)) -> int:
    """A whole-minute instant in 2026 (or within 4 days of a DST change)."""
    zone = ZoneInfo(tz)
    if near_dst and tz in DST_DAYS:
        y, m, d = DST_DAYS[tz][n % 2]
        base = int(dt.datetime(y, m, d, tzinfo=zone).timestamp())
        return base + (n // 2 % (4 * 1440)) * 60
    lo = int(dt.datetime(2026, 1, 1, tzinfo=zone).timestamp())
    hi = int(dt.datetime.combine(last_day, dt.time(23, 59), zone).timestamp())
    return lo + n % ((hi - lo) // 60 + 1) * 60


def runtime_due(cal, t: int, days: int, seconds: int) -> int | None:
    from slalang.runtime import CalendarRangeError

    try:
        return cal.deadline(t, days, seconds)[0] if days else cal.add(t, seconds)
    except CalendarRangeError:
        return None


def compare(cal, orc: Oracle, t: int, days: int, minutes: int) -> None:
    assert cal.contains(t) == orc.working(t), f"contains({iso(t, orc)})"
    want = orc.due(t, days, minutes * 60)
    got = runtime_due(cal, t, days, minutes * 60)
    assert got == want, f"{days}bd{minutes}m after {iso(t, orc)}: runtime {iso(got, orc)}, oracle {iso(want, orc)}"
    if want is not None and not days:
        assert cal.between(t, want) == minutes * 60


def iso(u: int | None, orc: Oracle) -> str:
    return "None" if u is None else dt.datetime.fromtimestamp(u, orc.tz).isoformat()


draws = dict(
    n=st.integers(0, 10**9),
    near_dst=st.booleans(),
    days=st.integers(0, 3),
    minutes=st.integers(0, 40 * 60),
)


# ---------------------------------------------------------------- supplied schedule


def test_supplied_schedule_is_the_package_data():
    """The supplied year, written with the package's own dates, gives the
    calendar the package gives on a Monday–Friday calendar (the oracle's
    supplied and package forms agree there), and the compiled schedule of
    tests/data/schedule-cn-2026.sla has the same days off and make-up days."""
    off, on = package_schedule("cn", 2026)
    assert dt.date(2026, 1, 4) in on and dt.date(2026, 10, 10) in on and dt.date(2026, 2, 21) in off
    cal = schedule_file_rules().calendars["business"]
    walk = oracle("supplied-file", "")
    for d in (
        dt.date(2026, 1, 2),
        dt.date(2026, 1, 4),
        dt.date(2026, 2, 14),
        dt.date(2026, 2, 23),
        dt.date(2026, 10, 10),
    ):
        t = int(dt.datetime.combine(d, dt.time(10), walk.tz).timestamp())
        assert cal.contains(t) == walk.working(t) == (d in on), d


@pytest.mark.parametrize("which", ["supplied", "supplied-file"])
@SETTINGS
@given(**draws)
def test_supplied_year_matches_the_walk(which, n, near_dst, days, minutes):
    rules = build("oracle-supplied", SUPPLIED) if which == "supplied" else schedule_file_rules()
    cal = rules.calendars["office" if which == "supplied" else "business"]
    orc = oracle(which, "")
    t = start_instant("Asia/Shanghai", n, near_dst)
    compare(cal, orc, t, days, minutes if days or minutes else 1)


def test_supplied_make_up_saturday_works_its_own_hours():
    """With Saturday hours, the supplied make-up day Sat 2026-02-14 works
    Saturday's 09:00–12:00 (a supplied day works its own weekday), where the
    package's make-up day works the Friday it pays for (09:00–18:00): the
    oracle's two forms differ, and the runtime follows the supplied one."""
    cal = build("oracle-supplied", SUPPLIED).calendars["office"]
    supplied, package = oracle("supplied", ""), oracle("package", "")
    t = int(dt.datetime(2026, 2, 14, 14, 0, tzinfo=supplied.tz).timestamp())
    assert (supplied.working(t), package.working(t)) == (False, True)
    assert cal.contains(t) is False


# ---------------------------------------------------------------- subdivisions


@pytest.mark.parametrize("name", ["eng", "ca", "by"])
@SETTINGS
@given(**draws)
def test_subdivision_calendars_match_the_walk(name, n, near_dst, days, minutes):
    cal = build("oracle-subdivisions", SUBDIVISIONS).calendars[name]
    orc = oracle("subdiv", name)
    t = start_instant(str(orc.tz), n, near_dst)
    compare(cal, orc, t, days, minutes if days or minutes else 1)


def test_subdivision_days_are_in_the_walk():
    """The walk knows the regional days the federal/national sets lack."""
    assert dt.date(2026, 3, 31) in oracle("subdiv", "ca").off  # Cesar Chavez Day
    assert dt.date(2026, 1, 6) in oracle("subdiv", "by").off  # Epiphany (Bavaria)
    assert dt.date(2026, 8, 31) in oracle("subdiv", "eng").off  # Late Summer Bank Holiday (England)
    rules = build("oracle-subdivisions", SUBDIVISIONS)
    for name, day in (("ca", dt.date(2026, 3, 31)), ("by", dt.date(2026, 1, 6)), ("eng", dt.date(2026, 8, 31))):
        orc = oracle("subdiv", name)
        t = int(dt.datetime.combine(day, dt.time(11), orc.tz).timestamp())
        assert not rules.calendars[name].contains(t), (name, day)


# ---------------------------------------------------------------- regional calendars


@pytest.mark.parametrize("region", ["na", "emea", "apac"])
@SETTINGS
@given(n=st.integers(0, 10**9), near_dst=st.booleans(), priority=st.sampled_from(sorted(TARGETS)))
def test_regional_due_times_match_the_walk(region, n, near_dst, priority):
    from slalang.runtime import Ticket, TicketError

    rules = build("oracle-regional", REGIONAL)
    orc = oracle("region", region)
    t = start_instant(str(orc.tz), n, near_dst)
    inside = orc.working(t)
    days, seconds = TARGETS[priority][0 if inside else 1]
    want = orc.due(t, days, seconds)
    assert rules.calendar_variants[("support", region)].contains(t) == inside
    ticket = Ticket("R", priority, t, region=region)
    if want is None:
        with pytest.raises(TicketError) as info:
            rules.evaluate(ticket)
        assert info.value.key == "ticket.due_beyond_calendar"
        return
    d = rules.evaluate(ticket).deadlines["response"]
    assert d.column == ("support" if inside else "off_hours")
    assert d.due == want, f"{priority} {region} from {iso(t, orc)}: runtime {iso(d.due, orc)}, oracle {iso(want, orc)}"


@pytest.mark.parametrize("region", ["na", "emea", "apac"])
@SETTINGS
@given(**draws)
def test_regional_variants_match_the_walk(region, n, near_dst, days, minutes):
    cal = build("oracle-regional", REGIONAL).calendar_variants[("support", region)]
    orc = oracle("region", region)
    t = start_instant(str(orc.tz), n, near_dst)
    compare(cal, orc, t, days, minutes if days or minutes else 1)


def test_one_instant_three_regions():
    """Mon 2026-03-09 14:30 UTC: Chicago 09:30 CDT (in hours), Berlin 15:30
    CET (in hours), Shanghai 22:30 (outside): each variant in its own zone."""
    from slalang.runtime import Ticket

    rules = build("oracle-regional", REGIONAL)
    t = int(dt.datetime(2026, 3, 9, 14, 30, tzinfo=dt.UTC).timestamp())
    cols = {r: rules.evaluate(Ticket("R", "P1", t, region=r)).deadlines["response"].column for r in REGION_ORACLES}
    assert cols == {"na": "support", "emea": "support", "apac": "off_hours"}
    for r in REGION_ORACLES:
        assert rules.calendar_variants[("support", r)].contains(t) == oracle("region", r).working(t)


def test_oracle_is_not_vacuous():
    """The walk tells a wrong calendar from the right one: the national set
    instead of the subdivision, the package's make-up hours instead of the
    supplied day's own."""
    by = build("oracle-subdivisions", SUBDIVISIONS).calendars["by"]
    right = oracle("subdiv", "by")
    wrong = Oracle(hours(MON_FRI, "08:00-12:00", "13:00-17:00"), "Europe/Berlin", "de", years=(2026, 2027))
    t = int(dt.datetime(2026, 1, 5, 16, 0, tzinfo=right.tz).timestamp())  # Mon; Tue 01-06 is Epiphany in Bavaria
    assert (
        by.add(t, 2 * 3600)
        == right.add_minutes(t, 120)
        == int(dt.datetime(2026, 1, 7, 9, 0, tzinfo=right.tz).timestamp())
    )
    assert wrong.add_minutes(t, 120) != right.add_minutes(t, 120)
    office = build("oracle-supplied", SUPPLIED).calendars["office"]
    supplied, package = oracle("supplied", ""), oracle("package", "")
    t = int(dt.datetime(2026, 2, 14, 11, 30, tzinfo=supplied.tz).timestamp())  # the make-up Saturday
    assert (
        office.add(t, 3600)
        == supplied.add_minutes(t, 60)
        == int(dt.datetime(2026, 2, 24, 9, 30, tzinfo=supplied.tz).timestamp())
    )
    assert package.add_minutes(t, 60) == int(dt.datetime(2026, 2, 14, 13, 30, tzinfo=supplied.tz).timestamp())


# ---------------------------------------------------------------- calendar days (`Nd`)


@SETTINGS
@given(n=st.integers(0, 10**9), near_dst=st.booleans(), priority=st.sampled_from(["P1", "P2", "P3"]))
def test_calendar_days_match_the_local_clock(n, near_dst, priority):
    """contracts/support/field_service.sla's repair targets `1d`, `2d`,
    `4d12h` (America/New_York) against the local-clock definition, from
    random instants, many of them in the days around a DST change."""
    from slalang.build import build_one
    from slalang.runtime import Ticket

    rules = _field_service_rules(build_one)
    days, seconds = {"P1": (1, 0), "P2": (2, 0), "P3": (4, 12 * 3600)}[priority]
    tz = "America/New_York"
    if near_dst:
        zone = ZoneInfo(tz)
        base = [dt.datetime(2026, 10, 29, tzinfo=zone), dt.datetime(2027, 3, 11, tzinfo=zone)][n % 2]
        t = int(base.timestamp()) + (n // 2 % (4 * 1440)) * 60
    else:
        t = int(dt.datetime(2026, 7, 1, tzinfo=ZoneInfo(tz)).timestamp()) + n % (360 * 1440) * 60
    got = rules.evaluate(Ticket("D", priority, t)).deadlines["resolution"].due
    assert got == add_calendar_days(t, days, seconds, tz), (priority, t)


@cache
def _field_service_rules(build_one):
    from slalang.runtime import Rules, loads_rules

    out = build_one(str(ROOT / "contracts" / "support" / "field_service.sla"), frozenset({"rules"}))
    doc = next(v for k, v in out.files.items() if k.endswith(".rules.json"))
    return Rules(loads_rules(doc if isinstance(doc, bytes) else doc.encode()))


def test_calendar_day_oracle_examples():
    """The definition itself, on the two DST nights of New York."""
    ny = ZoneInfo("America/New_York")
    t = int(dt.datetime(2026, 10, 31, 1, 30, tzinfo=ny).timestamp())
    assert add_calendar_days(t, 1, 0, "America/New_York") == t + 24 * 3600  # the first 01:30 of Nov 1 (EDT)
    t = int(dt.datetime(2027, 3, 13, 2, 30, tzinfo=ny).timestamp())
    assert add_calendar_days(t, 1, 0, "America/New_York") == t + 24 * 3600  # 02:30 is skipped: 03:30 EDT
    t = int(dt.datetime(2026, 10, 30, 10, 0, tzinfo=ny).timestamp())
    assert add_calendar_days(t, 2, 0, "America/New_York") == t + 49 * 3600
