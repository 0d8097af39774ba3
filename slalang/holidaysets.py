"""Holiday sets a calendar can name (`holidays cn`): which years the data
covers, and the dates themselves. Backed by the `holidays` package, which
publishes China's statutory holidays and make-up working days year by year.

Importing `holidays` costs ~0.1 s, so `slalang check` reads coverage from a
small cache file keyed by the installed holidays version; the dates are only
loaded when rules are built."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

# Sets whose data is published year by year (holidays moved by decree, with
# make-up working days): a year without published data is not covered.
_DECREED = {"CN": "ChinaStaticHolidays"}


@dataclass(frozen=True)
class Coverage:
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


def _cache_file(version: str) -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "slalang" / f"holiday-coverage-{version}.json"


def _compute(code: str) -> tuple[int, int] | None:
    import holidays  # heavy: only on a cache miss

    supported = holidays.list_supported_countries()
    if code not in supported:
        return None
    cls = getattr(holidays, code)
    first, last = int(cls.start_year), int(cls.end_year)
    static_name = _DECREED.get(code)
    if static_name:
        from holidays.countries import china

        static = getattr(china, static_name)
        years = sorted(static.special_public_holidays)
        first, last = max(first, years[0]), min(last, years[-1])
    return first, last


def coverage(code: str) -> Coverage | None:
    """Years covered by holiday set `code` (case-insensitive), or None if the
    holidays package does not know the set."""
    code = code.upper()
    version = holidays_version()
    if version is None:
        return None
    path = _cache_file(version)
    try:
        cached = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        cached = {}
    if code in cached:
        entry = cached[code]
        return None if entry is None else Coverage(code, entry[0], entry[1], f"python-holidays {version}")
    result = _compute(code)
    cached[code] = list(result) if result else None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, suffix=".tmp") as fh:
            json.dump(cached, fh)
        os.replace(fh.name, path)
    except OSError:
        pass  # a read-only home is fine: we only lose the speed-up
    return None if result is None else Coverage(code, result[0], result[1], f"python-holidays {version}")


def known_sets() -> list[str]:
    import holidays

    return sorted(c.lower() for c in holidays.list_supported_countries())


def dates(code: str, years: range) -> tuple[dict[dt.date, str], list[dt.date]]:
    """Holidays (date → English name) and make-up working days (weekend days
    that are working days) for the given years."""
    import holidays

    cal = holidays.country_holidays(code.upper(), years=list(years), language="en_US")
    days_off = {d: str(name) for d, name in sorted(cal.items()) if d.year in years}
    workdays = sorted(d for d in getattr(cal, "weekend_workdays", ()) if d.year in years)
    return days_off, workdays
