"""A brute-force business-time oracle, one minute at a time, written from the
definitions in docs/language.md ("Calendars", "Durations and clocks") and
docs/runtime.md ("Semantics") — independently of slalang: it imports only
the standard library (zoneinfo) and the `holidays` package.

Working time, by definition: a real instant works when its local wall-clock
minute, in the calendar's own timezone, falls inside the hours of its local
date. A date's hours are:
- none on a holiday: the holiday set's dates (with, for China's decreed set,
  the Saturdays and Sundays chained to a break, up to a make-up working day),
  the contract's `holiday` dates, a supplied year's `holiday` dates;
- a make-up working day (调休) of the set works the hours of the weekday it
  pays for (the package's "Day off (substituted from MM/DD/YYYY)" entry),
  or, failing that, of its own weekday if that weekday has hours, else of
  the first weekday with hours; a supplied year's `workday` and the
  contract's `workday` work their own weekday's hours (or the first weekday
  with hours) — the contract's keeps the paid-for weekday of a set's day;
- a year the contract supplies replaces the set's data for that year;
- otherwise its weekday's weekly hours.
Across DST: minutes in a spring-forward gap do not exist; a repeated hour's
minutes are walked twice.

`N bh` after t: the instant at which N×60 working minutes have elapsed.
`N bd` after t: snap t to the next working minute; o = the working minutes
of that local date before it; the due time is offset o into the N-th working
date after it (its first working minute when o = 0, else the end of its o-th
working minute, clamped to the end of that date's working time).
`NbdMbh`: the days first, then the hours.

Instants are integer epoch seconds; the oracle works on whole minutes."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from zoneinfo import ZoneInfo

import holidays as holidays_pkg

DECREED = {"CN"}  # sets published as decreed breaks with make-up working days
_SUBSTITUTED = re.compile(r"substituted from (\d{2})/(\d{2})/(\d{4})")
Hours = Mapping[int, Iterable[tuple[int, int]]]  # weekday (Mon = 0) → (start, end) minutes


def _package_year_days(
    country: str, subdiv: str | None, years: list[int]
) -> tuple[set[dt.date], dict[dt.date, dt.date | None]]:
    """Days off and make-up working days (→ the weekday holiday each pays
    for, when the package names it) of a holiday set for some years."""
    if not years:
        return set(), {}
    cal = holidays_pkg.country_holidays(country, subdiv=subdiv, years=years, language="en_US")
    wanted = set(years)
    off = {d for d in cal if d.year in wanted}
    make_up: dict[dt.date, dt.date | None] = {d: None for d in getattr(cal, "weekend_workdays", ()) if d.year in wanted}
    for d, name in cal.items():
        m = _SUBSTITUTED.search(str(name))
        if m and d.year in wanted:
            month, day, year = map(int, m.groups())
            paid = dt.date(year, month, day)
            if paid in make_up:
                make_up[paid] = d
    if country in DECREED:
        for d in sorted(off):
            for step in (1, -1):
                e = d + dt.timedelta(days=step)
                while e.weekday() >= 5 and e not in make_up and e not in off and e.year in wanted:
                    off.add(e)
                    e += dt.timedelta(days=step)
    return off, make_up


class Oracle:
    """One calendar, walked minute by minute.

    hours: weekly hours; tz: an IANA name; holiday_set: a country code of
    the holidays package (`"cn"`, `"us"`), with `subdiv` (`"eng"`, `"ca"`,
    `"by"`) or written `"gb-eng"`; years: the years the calendar covers
    (instants outside them are out of range); holidays / workdays: the
    contract's own dates; supplied: year → (holiday dates, workday dates) of
    a supplied schedule, replacing the set's data for that year."""

    def __init__(
        self,
        hours: Hours,
        tz: str,
        holiday_set: str | None = None,
        subdiv: str | None = None,
        years: Iterable[int] = (2026,),
        holidays: Iterable[dt.date] = (),
        workdays: Iterable[dt.date] = (),
        supplied: Mapping[int, tuple[Iterable[dt.date], Iterable[dt.date]]] | None = None,
    ) -> None:
        self.tz = ZoneInfo(tz)
        self.hours = {int(d): sorted(ws) for d, ws in hours.items() if ws}
        worked = sorted(self.hours)
        self.years = sorted(set(years))
        self.first, self.last = dt.date(self.years[0], 1, 1), dt.date(self.years[-1], 12, 31)
        supplied = dict(supplied or {})

        def own(date: dt.date) -> int:
            wd = date.weekday()
            return wd if wd in self.hours or not worked else worked[0]

        off: set[dt.date] = set()
        works: dict[dt.date, int] = {}  # date → the weekday whose hours it works
        paid_for: dict[dt.date, dt.date | None] = {}
        if holiday_set:
            country, _, sub = holiday_set.upper().partition("-")
            sub = (subdiv or sub or "").upper() or None
            own_years = [y for y in self.years if y not in supplied]
            set_off, make_up = _package_year_days(country, sub, own_years)
            off |= set_off
            for d, paid in make_up.items():
                paid_for[d] = paid
                works[d] = paid.weekday() if paid is not None and paid.weekday() in self.hours else own(d)
        for year, (days_off, days_on) in supplied.items():
            for d in days_off:
                assert d.year == year
                off.add(d)
            for d in days_on:
                assert d.year == year
                off.discard(d)
                works[d] = own(d)
        for d in workdays:
            off.discard(d)
            paid = paid_for.get(d)
            works[d] = paid.weekday() if paid is not None and paid.weekday() in self.hours else own(d)
        for d in holidays:
            works.pop(d, None)
            off.add(d)
        self.off, self.works = off, works
        self.lo = int(dt.datetime.combine(self.first, dt.time(), self.tz).timestamp())
        self.hi = int(dt.datetime.combine(self.last + dt.timedelta(days=1), dt.time(), self.tz).timestamp())
        self._cache: dict[int, tuple[dt.date, bool]] = {}

    # ------------------------------------------------------------ one minute
    def windows(self, date: dt.date) -> list[tuple[int, int]]:
        if date in self.off:
            return []
        return self.hours.get(self.works.get(date, date.weekday()), [])

    def local(self, u: int) -> tuple[dt.date, int]:
        d = dt.datetime.fromtimestamp(u, self.tz)
        return d.date(), d.hour * 60 + d.minute

    def working(self, u: int) -> bool:
        """Is the minute starting at u working time?"""
        got = self._cache.get(u)
        if got is None:
            date, minute = self.local(u)
            got = (date, any(s <= minute < e for s, e in self.windows(date)))
            self._cache[u] = got
        return got[1]

    def date_of(self, u: int) -> dt.date:
        self.working(u)
        return self._cache[u][0]

    # ------------------------------------------------------------ arithmetic
    def add_minutes(self, t: int, minutes: int) -> int | None:
        """`N bh` (N×60 minutes) after t; None when it runs past the covered days."""
        assert t % 60 == 0 and minutes >= 0
        if minutes == 0:
            return t
        u, n = t, 0
        while u < self.hi:
            if self.working(u):
                n += 1
                if n == minutes:
                    return u + 60
            u += 60
        return None

    def between(self, t1: int, t2: int) -> int:
        """Working seconds in [t1, t2) (minute-aligned)."""
        return sum(60 for u in range(t1, t2, 60) if self.working(u))

    def add_days(self, t: int, days: int) -> int | None:
        """`N bd` after t; None when it runs past the covered days."""
        assert t % 60 == 0 and days >= 1
        u = t
        while not self.working(u):
            u += 60
            if u >= self.hi:
                return None
        day0 = self.date_of(u)
        o, v = 0, u - 60
        while v >= self.lo and self.date_of(v) == day0:
            o += self.working(v)
            v -= 60
        seen, current, minutes = 0, day0, []
        v = u
        while v < self.hi:
            if self.working(v):
                d = self.date_of(v)
                if d != current:
                    if seen == days:
                        break
                    current, seen = d, seen + 1
                if seen == days:
                    minutes.append(v)
            v += 60
        else:
            if seen != days or not minutes:
                return None
            # the N-th working date may be the last covered date: it is whole
        if not minutes:
            return None
        if o == 0:
            return minutes[0]
        return minutes[min(o, len(minutes)) - 1] + 60

    def due(self, t: int, days: int = 0, seconds: int = 0) -> int | None:
        """`NbdMbh` after t: the days first, then the business seconds."""
        assert seconds % 60 == 0
        u: int | None = t
        if days:
            u = self.add_days(t, days)
        if u is None:
            return None
        return self.add_minutes(u, seconds // 60)


def package_schedule(code: str, year: int) -> tuple[list[dt.date], list[dt.date]]:
    """The days off and make-up working days the holidays package publishes
    for one year (with a decreed set's break weekends): what a contract
    would supply as that year's `year YEAR "…" { holiday …  workday … }`."""
    country, _, sub = code.upper().partition("-")
    off, make_up = _package_year_days(country, sub or None, [year])
    return sorted(off), sorted(make_up)


def add_calendar_days(t: int, days: int, seconds: int, tz: str) -> int:
    """`Nd` + rest on the wall clock (SEMANTICS §4): the same local clock time
    `days` calendar days later in `tz` — a time a DST change skips is read
    with the offset before the change (so it moves forward by the gap), a
    time it repeats is the first of the two — then `seconds` elapsed."""
    zone = ZoneInfo(tz)
    local = dt.datetime.fromtimestamp(t, zone).replace(tzinfo=None)
    later = (local + dt.timedelta(days=days)).replace(tzinfo=zone, fold=0)
    return int(later.timestamp()) + seconds
