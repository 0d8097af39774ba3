"""Holiday sets a calendar can name (`holidays cn`): which years the data
covers, and the dates themselves. Backed by the `holidays` package, which
publishes China's statutory holidays and make-up working days year by year.

Importing `holidays` costs ~0.1 s, so `slalang check` reads coverage, and the
expanded dates the comparison of targets needs (`dates_cached`), from a small
cache file keyed by the installed holidays version (through
`slalang.usercache`: an envelope with slalang's version and the content's
digest, and every entry validated — set codes, years, real ISO dates inside
the years asked for, bounded names — or the file is dropped and rewritten); a
warm `slalang check` never imports the package.

`calendar_days` expands a contract calendar into dated holidays and make-up
working days exactly as the rule file does (sets, break weekends, make-up
days working the hours of the weekday they pay for, the contract's own
dates last)."""

from __future__ import annotations

import datetime as dt
import importlib.util
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from slalang.terms import DECREED_SETS, holiday_set_code


class Coverage(NamedTuple):
    code: str
    first_year: int
    last_year: int
    source: str  # e.g. "python-holidays 0.109"


def holidays_version() -> str | None:
    """The installed holidays version, without importing the package."""
    spec = importlib.util.find_spec("holidays")
    if spec is None or not spec.origin:
        return None
    site = Path(spec.origin).parent.parent
    found = sorted(site.glob("holidays-*.dist-info"))
    if len(found) == 1:
        return found[0].name[len("holidays-") : -len(".dist-info")]
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("holidays")
    except PackageNotFoundError:
        return None


def _cache_name(version: str) -> str:
    return f"holiday-coverage-{version}.json"


def _cache_file(version: str) -> Path:
    from slalang import usercache

    return usercache.path(_cache_name(version))


def split_code(code: str) -> tuple[str, str | None]:
    """`GB-ENG` → (`GB`, `ENG`): a country and, optionally, its subdivision."""
    country, _, subdiv = holiday_set_code(code).partition("-")
    return country, subdiv or None


def _compute(code: str) -> tuple[int, int] | None:
    import holidays  # heavy: only on a cache miss

    supported = holidays.list_supported_countries()
    country, subdiv = split_code(code)
    if country not in supported:
        return None
    cls = getattr(holidays, country)
    if subdiv is not None and subdiv not in {str(x).upper() for x in cls.subdivisions}:
        return None
    first, last = int(cls.start_year), int(cls.end_year)
    static_name = DECREED_SETS.get(code)
    if static_name:
        from holidays.countries import china

        static = getattr(china, static_name)
        years = sorted(static.special_public_holidays)
        first, last = max(first, years[0]), min(last, years[-1])
    return first, last


_loaded: dict[str, dict[str, Any]] = {}  # version → the cache file's contents, read once per process

# `slalang build` reads no cache at all (`read_no_cache`): what it writes, and
# whether it writes anything, comes from the holidays package itself.
_no_cache = False


def read_no_cache() -> None:
    """From now on in this process, coverage and dates come from the holidays
    package, never from the user's cache folder (a build calls this first)."""
    global _no_cache
    _no_cache = True


# What a cache entry may hold (slalang.usercache validates the envelope; these
# its content): a holiday set code, coverage years the package could publish,
# and dates that are real days inside the years asked for, named in bounded text.
_CODE = re.compile(r"[A-Z]{2,3}(-[A-Z0-9]{1,5})?")
_ISO = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_YEARS = (1, 9999)  # the package publishes from as early as 1777 (US); dates are checked against the years asked for
_MAX_NAME = 300


def _iso_in(text: Any, years: range) -> dt.date | None:
    if not (isinstance(text, str) and _ISO.fullmatch(text)):
        return None
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        return None
    return day if day.year in years else None


def _valid_entry(key: Any, value: Any) -> bool:
    if not isinstance(key, str):
        return False
    if not key.startswith("dates:"):
        if not _CODE.fullmatch(key):
            return False
        if value is None:
            return True
        return (
            isinstance(value, list)
            and len(value) == 2
            and all(isinstance(y, int) and not isinstance(y, bool) for y in value)
            and _YEARS[0] <= value[0] <= value[1] <= _YEARS[1]
        )
    parts = key.split(":")
    if len(parts) != 4 or not _CODE.fullmatch(parts[1]) or not (parts[2].isdigit() and parts[3].isdigit()):
        return False
    first, stop = int(parts[2]), int(parts[3])
    if not _YEARS[0] <= first < stop <= _YEARS[1] + 1:
        return False
    years = range(first, stop)
    if not (isinstance(value, dict) and set(value) == {"holidays", "workdays"}):
        return False
    days, workdays = value["holidays"], value["workdays"]
    if not (isinstance(days, list) and isinstance(workdays, list) and len(days) + len(workdays) <= 400 * len(years)):
        return False
    seen: set[dt.date] = set()
    for item in days:
        if not (isinstance(item, list) and len(item) == 2 and isinstance(item[1], str) and len(item[1]) <= _MAX_NAME):
            return False
        day = _iso_in(item[0], years)
        if day is None or day in seen:
            return False
        seen.add(day)
    for text in workdays:
        day = _iso_in(text, years)
        if day is None or day in seen:
            return False
        seen.add(day)
    return True


def _valid_cache(data: Any) -> bool:
    return isinstance(data, dict) and len(data) <= 10_000 and all(_valid_entry(k, v) for k, v in data.items())


def _read(version: str) -> dict[str, Any]:
    from slalang import usercache

    data = usercache.load(_cache_name(version), _valid_cache)
    return data if isinstance(data, dict) else {}


def _cache(version: str) -> dict[str, Any]:
    cached = _loaded.get(version)
    if cached is None:
        cached = _loaded[version] = _read(version)
    return cached


def _store(version: str, key: str, value: Any) -> None:
    """Add one entry to the cache file (read again first: another process may
    have added entries since this one read it). A read-only home is fine: we
    only lose the speed-up."""
    from slalang import usercache

    merged = {**_read(version), **_cache(version), key: value}
    _loaded[version] = merged
    usercache.store(_cache_name(version), merged)


def coverage(code: str, fresh: bool = False) -> Coverage | None:
    """Years covered by holiday set `code` (case-insensitive), or None if the
    holidays package does not know the set. `fresh`: from the package, never
    from the cache (what a build writes into a rule file)."""
    code = holiday_set_code(code)
    version = holidays_version()
    if version is None:
        return None
    fresh = fresh or _no_cache
    cached = {} if fresh else _cache(version)
    if code in cached:
        entry = cached[code]
        return None if entry is None else Coverage(code, entry[0], entry[1], f"python-holidays {version}")
    result = _compute(code)
    if not fresh:
        _store(version, code, list(result) if result else None)
    return None if result is None else Coverage(code, result[0], result[1], f"python-holidays {version}")


def known_sets() -> list[str]:
    import holidays

    return sorted(c.lower() for c in holidays.list_supported_countries())


def subdivisions(country: str) -> list[str]:
    """A country's subdivisions as holiday-set names (`gb-eng`, …); [] for none or an unknown country."""
    import holidays

    cls = getattr(holidays, holiday_set_code(country), None)
    if cls is None:
        return []
    return sorted(f"{country.lower()}-{str(x).lower()}" for x in cls.subdivisions)


def dates(code: str, years: range) -> tuple[dict[dt.date, str], list[dt.date]]:
    """Holidays (date → English name) and make-up working days (weekend days
    that are working days) for the given years."""
    import holidays

    country, subdiv = split_code(code)
    cal = holidays.country_holidays(country, subdiv=subdiv, years=list(years), language="en_US")
    days_off = {d: str(name) for d, name in sorted(cal.items()) if d.year in years}
    workdays = sorted(d for d in getattr(cal, "weekend_workdays", ()) if d.year in years)
    return days_off, workdays


def dates_cached(code: str, years: range) -> tuple[dict[dt.date, str], list[dt.date]]:
    """`dates(code, years)`, read from the per-version cache file when it has
    them (the `holidays` package is imported only on a miss). Keyed by the
    exact range: the package's answer for a year can depend on its
    neighbours being asked for too."""
    code = holiday_set_code(code)
    version = holidays_version()
    if version is None or _no_cache:
        return dates(code, years)
    key = f"dates:{code}:{years.start}:{years.stop}"
    entry = _cache(version).get(key)
    if isinstance(entry, dict):
        try:
            days_off = {dt.date.fromisoformat(d): name for d, name in entry["holidays"]}
            workdays = [dt.date.fromisoformat(d) for d in entry["workdays"]]
            return days_off, workdays
        except (KeyError, TypeError, ValueError):
            pass  # a damaged entry: compute it again
    days_off, workdays = dates(code, years)
    _store(
        version,
        key,
        {
            "holidays": [[d.isoformat(), name] for d, name in days_off.items()],
            "workdays": [d.isoformat() for d in workdays],
        },
    )
    return days_off, workdays


# ---------------------------------------------------------------- one calendar's dates
def covered_years(
    holiday_sets: Sequence[str], first_year: int, last_year: int, supplied: Sequence[int] = (), fresh: bool = False
) -> range:
    """The years a calendar is expanded for: the effective years, plus the
    next year when every holiday set already has data for it, or the
    contract supplies that year's schedule (so that a ticket opened late in
    December can still get a due time in January). A calendar without
    holiday sets always gets the next year. `fresh`: coverage from the
    package, not the cache."""
    if not holiday_sets:
        return range(first_year, last_year + 2)
    covs = [coverage(code, fresh) for code in holiday_sets]
    nxt = last_year + 1
    if nxt in supplied or all(c is not None and c.last_year >= nxt for c in covs):
        last_year = nxt
    return range(first_year, last_year + 1)


def published(code: str, year: int) -> tuple[set[dt.date], set[dt.date]] | None:
    """The holiday set's own days off (with a decreed set's weekend days
    inside its breaks) and make-up working days for one year, or None when
    the installed package has no data for that year."""
    cov = coverage(code)
    if cov is None or not cov.first_year <= year <= cov.last_year:
        return None
    days_off, make_up = dates_cached(code, range(year, year + 1))
    off = set(days_off)
    if holiday_set_code(code) in DECREED_SETS:
        off |= set(_break_weekends(days_off, set(make_up), range(year, year + 1)))
    return off, set(make_up)


class Day(NamedTuple):
    """One dated exception of a calendar. `origin` is the holiday set's code
    as the contract writes it, or "contract"; `name` is the set's English
    name of the day (None for the contract's own days, whose text is `note`);
    `hours_of` (workdays only) is the weekday whose hours the day works."""

    date: dt.date
    origin: str
    name: str | None = None
    note: Any = None  # slalang.model.Text | None for the contract's own dates
    hours_of: int | None = None


class CalendarDays:
    """A calendar expanded for some years: weekly hours (weekday → sorted
    (start minute, end minute) windows), holidays and make-up working days."""

    __slots__ = ("years", "hours", "holidays", "workdays", "sources")

    def __init__(
        self,
        years: range,
        hours: dict[int, list[tuple[int, int]]],
        holidays: dict[dt.date, Day] | None = None,
        workdays: dict[dt.date, Day] | None = None,
        sources: list[tuple[str, str]] | None = None,
    ) -> None:
        self.years = years
        self.hours = hours
        self.holidays: dict[dt.date, Day] = {} if holidays is None else holidays
        self.workdays: dict[dt.date, Day] = {} if workdays is None else workdays
        self.sources: list[tuple[str, str]] = (
            [] if sources is None else sources
        )  # (set as written, "python-holidays 0.109")

    @property
    def first(self) -> dt.date:
        return dt.date(self.years.start, 1, 1)

    @property
    def last(self) -> dt.date:
        return dt.date(self.years.stop - 1, 12, 31)


_BREAK_WEEKEND = "weekend day inside the statutory break"
_SUBSTITUTED = re.compile(r"substituted from (\d{2})/(\d{2})/(\d{4})")


def _break_weekends(days_off: dict[dt.date, str], make_up: set[dt.date], years: range) -> dict[dt.date, str]:
    # Sets published as decreed breaks (China) list the weekday holidays of a
    # break and the make-up days, but not the Saturdays and Sundays inside the
    # break (the 2026 Spring Festival break is Feb 15–23; the package lists
    # Feb 16–20 and 23). For a calendar that works on Saturdays those days
    # matter, so the weekend days chained to a holiday (up to a make-up
    # working day) are holidays too.
    out: dict[dt.date, str] = {}
    for date, _name in sorted(days_off.items()):
        for step in (1, -1):
            d = date + dt.timedelta(days=step)
            while d.weekday() >= 5 and d not in make_up and d not in days_off and d.year in years:
                out.setdefault(d, _BREAK_WEEKEND)
                d += dt.timedelta(days=step)
    return out


def _substitutions(days_off: dict[dt.date, str]) -> dict[dt.date, dt.date]:
    """make-up working day → the weekday holiday it pays for."""
    out: dict[dt.date, dt.date] = {}
    for date, name in days_off.items():
        m = _SUBSTITUTED.search(name)
        if m:
            month, day, year = map(int, m.groups())
            out[dt.date(year, month, day)] = date
    return out


class UnknownHolidaySet(LookupError):
    """A calendar names a set the installed holidays package does not know."""

    def __init__(self, code: str) -> None:
        super().__init__(f"holiday set `{code}` is not known to the installed holidays package")
        self.code = code


def calendar_days(
    cal: Any,
    years: range,
    load: Callable[[str, range], tuple[dict[dt.date, str], list[dt.date]]] | None = None,
    fresh: bool = False,
) -> CalendarDays:
    """Expand a `slalang.model.Calendar` for `years`, exactly as the rule file
    does: each holiday set's holidays (and, for decreed sets, the weekend
    days inside a break) and make-up working days, first set first; then the
    contract's own working days, then its own holidays, which win. The dates
    come from `load`, by default the cache (`dates_cached`) or, with `fresh`,
    the package itself (`dates`): a build passes `fresh`, so that no file in
    the user's cache folder can change a rule file."""
    if load is None:
        load = dates if fresh else dates_cached
    hours: dict[int, list[tuple[int, int]]] = {}
    for w in cal.hours:
        hours.setdefault(w.weekday, []).append((w.start_minute, w.end_minute))
    out = CalendarDays(years, {d: sorted(ws) for d, ws in hours.items()})
    worked_days = sorted({w.weekday for w in cal.hours})

    def hours_of(date: dt.date, replaces: dt.date | None = None) -> int:
        # A make-up day works the hours of the weekday it replaces (the
        # published "Day off (substituted from …)" entry names it); failing
        # that, its own weekday's hours if that weekday works at all, else
        # those of the first working weekday.
        if replaces is not None and replaces.weekday() in worked_days:
            return replaces.weekday()
        wd = date.weekday()
        return wd if wd in worked_days or not worked_days else worked_days[0]

    replaced: dict[dt.date, dt.date] = {}
    holidays, workdays = out.holidays, out.workdays
    # A year the contract supplies is the contract's: the sets' data for it
    # (if any) gives way to the published notice the parties signed.
    supplied = {sc.year: sc for sc in getattr(cal, "schedules", ()) if sc.year in years}
    for code in cal.holiday_sets:
        cov = coverage(code, fresh)
        if cov is None:
            raise UnknownHolidaySet(code)
        out.sources.append((code, cov.source))
        if supplied:
            own = [y for y in years if y not in supplied and cov.first_year <= y <= cov.last_year]
            if not own:
                continue
            days_off, make_up = load(code, range(own[0], own[-1] + 1))
            days_off = {d: n for d, n in days_off.items() if d.year not in supplied}
            make_up = [d for d in make_up if d.year not in supplied]
        else:
            days_off, make_up = load(code, years)
        for made_up, paid_for in _substitutions(days_off).items():
            replaced.setdefault(made_up, paid_for)
        for date, name in days_off.items():
            holidays.setdefault(date, Day(date, code, name))
        if holiday_set_code(code) in DECREED_SETS:
            for date, name in _break_weekends(days_off, set(make_up), years).items():
                holidays.setdefault(date, Day(date, code, name))
        for date in make_up:
            workdays.setdefault(
                date, Day(date, code, "make-up working day", hours_of=hours_of(date, replaced.get(date)))
            )
    for year, sc in sorted(supplied.items()):
        out.sources.append((",".join(cal.holiday_sets), f"year {year}: {schedule_source(sc)}"))
        for d in sc.holidays:
            holidays[d.date] = Day(d.date, "schedule", note=d.note)
        for d in sc.workdays:
            holidays.pop(d.date, None)
            workdays[d.date] = Day(d.date, "schedule", note=d.note, hours_of=hours_of(d.date))
    for d in cal.extra_workdays:
        holidays.pop(d.date, None)
        workdays[d.date] = Day(d.date, "contract", note=d.note, hours_of=hours_of(d.date, replaced.get(d.date)))
    for d in cal.extra_holidays:
        workdays.pop(d.date, None)
        holidays[d.date] = Day(d.date, "contract", note=d.note)
    return out


def schedule_source(sc: Any) -> str:
    """The notice a supplied schedule comes from, in one line for the rule file."""
    values = sc.source.values
    return " / ".join(values[lang] for lang in values)


__all__ = [
    "CalendarDays",
    "Coverage",
    "Day",
    "UnknownHolidaySet",
    "calendar_days",
    "coverage",
    "covered_years",
    "dates",
    "dates_cached",
    "holidays_version",
    "known_sets",
    "published",
    "schedule_source",
    "split_code",
    "subdivisions",
]
