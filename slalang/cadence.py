"""The periods of a recurring duty (`every 3 months`, `2 times per year`).

One definition, used by lowering (the warning for a period the term cuts),
the letter (the sentence that says what happens then) and the runtime
(`slalang duties`). Standard library only: the runtime may import it.

- `every N unit`: consecutive periods from the first day of the term, each N
  units long (months and years by calendar arithmetic from the start date,
  the day clamped to the month's end); the last one is cut by the term's end
  when the term is not a whole number of periods.
- `N times per period`: calendar months, quarters or years, intersected with
  the term (the first and the last may be cut); N performances on distinct
  dates are needed in each.
- no cadence: one period, the whole term, one performance."""

from __future__ import annotations

import calendar as _calendar
import datetime as dt
from dataclasses import dataclass
from fractions import Fraction

from slalang.terms import PERIOD_MONTHS as _PERIOD_MONTHS

UNITS = ("day", "week", "month", "year")
PERIODS = ("month", "quarter", "year")
# The most performances on distinct dates a period can hold (E0802).
MAX_TIMES = {"month": 31, "quarter": 92, "year": 366}


@dataclass(frozen=True, slots=True)
class Period:
    index: int  # 0-based, in order
    start: dt.date
    end: dt.date  # the last day, inclusive
    cut: bool  # shorter than a full period: the term starts or ends inside it
    required: int  # performances (on distinct dates) needed in it


def _add_months(anchor: dt.date, months: int) -> dt.date:
    y, m0 = divmod(anchor.month - 1 + months, 12)
    year, month = anchor.year + y, m0 + 1
    return dt.date(year, month, min(anchor.day, _calendar.monthrange(year, month)[1]))


def _nth_start(start: dt.date, k: int, count: int, unit: str) -> dt.date:
    """The first day of the k-th `every count unit` period from `start`."""
    if unit == "day":
        return start + dt.timedelta(days=k * count)
    if unit == "week":
        return start + dt.timedelta(weeks=k * count)
    months = count if unit == "month" else 12 * count
    return _add_months(start, k * months)


def periods(
    start: dt.date,
    end: dt.date,
    kind: str | None,
    count: int = 1,
    unit: str | None = None,
    period: str | None = None,
) -> list[Period]:
    """The periods of a duty over the term `start`..`end` (inclusive)."""
    if end < start:
        return []
    if kind is None:
        return [Period(0, start, end, False, 1)]
    out: list[Period] = []
    if kind == "every":
        assert unit in UNITS and count >= 1, (unit, count)
        k = 0
        while True:
            first = _nth_start(start, k, count, unit)
            if first > end:
                break
            last_full = _nth_start(start, k + 1, count, unit) - dt.timedelta(days=1)
            out.append(Period(k, first, min(last_full, end), last_full > end, 1))
            k += 1
        return out
    assert kind == "times" and period in PERIODS and count >= 1, (kind, period, count)
    step = _PERIOD_MONTHS[period]
    # The calendar period holding the term's first day.
    first_month = ((start.month - 1) // step) * step + 1
    cursor = dt.date(start.year, first_month, 1)
    k = 0
    while cursor <= end:
        nxt = _add_months(cursor, step)
        last = nxt - dt.timedelta(days=1)
        lo, hi = max(cursor, start), min(last, end)
        out.append(Period(k, lo, hi, lo != cursor or hi != last, count))
        cursor, k = nxt, k + 1
    return out


def per_year(kind: str | None, count: int = 1, unit: str | None = None, period: str | None = None) -> Fraction | None:
    """How many performances a year the cadence asks for (to compare two
    cadences: more is stricter for the provider). None without a cadence."""
    if kind is None:
        return None
    if kind == "times":
        assert period is not None
        return Fraction(count * 12, _PERIOD_MONTHS[period])
    assert unit is not None
    per_unit = {
        "day": Fraction(146097, 400),
        "week": Fraction(146097, 400 * 7),
        "month": Fraction(12),
        "year": Fraction(1),
    }
    return per_unit[unit] / count


def singular(unit: str) -> str:
    """`months` → `month` (the contract's CALENDAR_UNIT spellings)."""
    return unit[:-1] if unit.endswith("s") else unit
