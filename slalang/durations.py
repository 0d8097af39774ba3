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
    """One spelling per duration: units in order, repeats summed (`30m1h` → `1h30m`)."""
    totals: dict[str, int] = {}
    for n, u in parts:
        totals[u] = totals.get(u, 0) + n
    out = "".join(f"{totals[u]}{u}" for u in DURATION_UNITS if totals.get(u))
    return out or "0m"


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
