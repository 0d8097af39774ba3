"""Durations: how a spelling (`1bd4bh`, `1h30m`) is counted, and the named
measures of its size. Every module that reads a duration's size goes through
here, so no module can give `1bd` a value of its own.

A duration runs on one of two clocks:
- **wall**: units `m`, `h`, `d`; its one measure is `wall_seconds`, elapsed
  seconds (`1d` = 86,400 s);
- **business**: units `bh`, `bd`, on the calendar the context names; it has
  two measures, `business_days` (the `bd` part) and `business_seconds` (the
  `bh` part), and **no** length in seconds: a business day lasts what its
  calendar's day lasts, and a target on it is compared with another only on
  that calendar, instant by instant (slalang/targets.py).

There is deliberately no function turning `1bd` into seconds."""

from __future__ import annotations

from collections.abc import Iterable

from slalang.terms import BUSINESS_UNITS, DURATION_UNITS, UNIT_SECONDS, duration_parts

MAX_WALL_SECONDS = 366 * 86400  # a contract's durations are at most a year
MAX_BUSINESS_DAYS = 366


def clock_of(parts: Iterable[tuple[int, str]]) -> str | None:
    """ "wall" or "business" for the units used, or None when they mix."""
    units = {u for _, u in parts}
    business = units & BUSINESS_UNITS
    if business and units - business:
        return None
    return "business" if business else "wall"


def measures(parts: Iterable[tuple[int, str]]) -> tuple[int, int]:
    """(days, seconds): `bd` counted as days, every other unit in seconds."""
    parts = list(parts)
    days = sum(n for n, u in parts if u == "bd")
    seconds = sum(n * UNIT_SECONDS[u] for n, u in parts if u != "bd")
    return days, seconds


def canonical(parts: Iterable[tuple[int, str]]) -> str:
    """One spelling per duration: units in order, repeats summed (`30m1h` → `1h30m`).
    The formatter writes every duration this way."""
    parts = list(parts)
    totals: dict[str, int] = {}
    for n, u in parts:
        totals[u] = totals.get(u, 0) + int(n)
    out = "".join(f"{totals[u]}{u}" for u in DURATION_UNITS if totals.get(u))
    if not out:  # all zero: not a valid contract value, but keep it readable
        return f"0{parts[0][1] if parts else 'm'}"
    return out


def canonical_spelling(spelling: str) -> str:
    return canonical(duration_parts(spelling))


def wall_seconds(d) -> int:
    """Elapsed seconds of a wall-clock duration (`slalang.model.Duration`)."""
    if d.clock != "wall":
        raise ValueError(f"`{d.spelling}` runs on a business calendar; it has no length in seconds")
    return int(d.seconds)


def business_days(d) -> int:
    if d.clock != "business":
        raise ValueError(f"`{d.spelling}` runs on the wall clock")
    return int(d.days)


def business_seconds(d) -> int:
    """The `bh` part of a business duration, in seconds of working time."""
    if d.clock != "business":
        raise ValueError(f"`{d.spelling}` runs on the wall clock")
    return int(d.seconds)


# ---------------------------------------------------------------- calendar spans
_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _month_sums(n: int) -> tuple[int, int]:
    """Fewest and most days in `n` consecutive calendar months (over every
    starting month of a four-year leap cycle)."""
    cycle = [d + (1 if i == 1 and y == 0 else 0) for y in range(4) for i, d in enumerate(_MONTH_DAYS)]
    whole, rest = divmod(n, 48)
    base = whole * sum(cycle)
    sums = [base + sum(cycle[(s + k) % 48] for k in range(rest)) for s in range(48)]
    return min(sums), max(sums)


def span_days(span) -> tuple[int, int]:
    """The fewest and most days a calendar span (`slalang.model.CalendarSpan`:
    `6 months`, `1 year`, `90 days`) can last, whichever day it starts on."""
    if span.unit == "day":
        return span.count, span.count
    if span.unit == "week":
        return 7 * span.count, 7 * span.count
    months = span.count * (12 if span.unit == "year" else 1)
    return _month_sums(months)


def compare_spans(a, b) -> int | None:
    """-1 if span `a` is always shorter than `b`, 1 if always longer, 0 if
    always the same length, None if that depends on the starting day."""
    la, ha = span_days(a)
    lb, hb = span_days(b)
    if (a.unit in ("month", "year")) == (b.unit in ("month", "year")) and not (la == ha) ^ (lb == hb):
        # same kind of unit: months against years compare by months, days by days
        ma = a.count * (12 if a.unit == "year" else 1 if a.unit == "month" else 7 if a.unit == "week" else 1)
        mb = b.count * (12 if b.unit == "year" else 1 if b.unit == "month" else 7 if b.unit == "week" else 1)
        return (ma > mb) - (ma < mb)
    if ha < lb:
        return -1
    if la > hb:
        return 1
    return None
