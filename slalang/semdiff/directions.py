"""Which way a change moves the balance between the parties.

  stricter  stricter on the provider: the customer gains (a shorter target,
            a larger credit, a narrower exclusion, a new commitment);
  looser    looser for the provider: the customer's position weakens;
  neutral   wording, order or names only: nothing a ticket or an invoice
            would notice;
  unclear   the meaning changes but no side clearly gains: review it.

Targets of a response or resolution matrix are compared instant by instant
by `slalang.targets` (SEMANTICS §2): the new target is stricter when, for
every opening instant of the effective period that falls in the cell's
column, its due time is no later than the old one's, and earlier for at
least one. Other durations compare by their measures from
`slalang.durations`: wall-clock ones by elapsed seconds, business ones on one
calendar only when one is no longer in both days and hours; anything else is
unclear. No duration here is ever turned into an "average" length."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slalang import durations
from slalang import model as m

STRICTER, LOOSER, NEUTRAL, UNCLEAR = "stricter", "looser", "neutral", "unclear"
DIRECTIONS = (STRICTER, LOOSER, NEUTRAL, UNCLEAR)


def flip(direction: str) -> str:
    return {STRICTER: LOOSER, LOOSER: STRICTER}.get(direction, direction)


def combine(directions: list[str]) -> str:
    """One direction for several effects: all one way (or neutral) → that way."""
    moved = {d for d in directions if d != NEUTRAL}
    if not moved:
        return NEUTRAL
    return moved.pop() if len(moved) == 1 else UNCLEAR


# ---------------------------------------------------------------- sizes
# An order says how two values compare: -1 (a smaller), 0, 1, or None when
# neither is smaller (they cannot be compared).
Order = Callable[[Any, Any], int | None]


def by_number(a, b) -> int:
    return (a > b) - (a < b)


def by_duration(a: m.Duration, b: m.Duration) -> int | None:
    """Durations outside a matrix: the wall clock by elapsed seconds; two
    business durations (on the same calendar) only when one is no longer in
    both its days and its hours; a wall and a business duration never."""
    if a.clock != b.clock:
        return None
    if a.clock == "wall":
        return by_number(durations.wall_seconds(a), durations.wall_seconds(b))
    da, db = durations.business_days(a), durations.business_days(b)
    sa, sb = durations.business_seconds(a), durations.business_seconds(b)
    if (da, sa) == (db, sb):
        return 0
    if da <= db and sa <= sb:
        return -1
    if da >= db and sa >= sb:
        return 1
    return None


def sized(order: int | None, smaller_is_stricter: bool = True) -> str:
    """The direction of a change from a to b, given how a compares with b."""
    if order is None:
        return UNCLEAR
    if order == 0:
        return NEUTRAL
    b_smaller = order > 0
    return STRICTER if b_smaller == smaller_is_stricter else LOOSER


# ---------------------------------------------------------------- targets


class Targets:
    """Matrix targets of two contract versions, compared on each version's
    own compiled calendar (`slalang.targets.TargetMeasure`)."""

    def __init__(self, old: m.Contract, new: m.Contract) -> None:
        self.old, self.new = old, new
        self._measures: dict[str, Any] = {}
        self._domains: dict[tuple[str, str, str, str | None], Any] = {}

    def measure(self, which: str, region: str | None = None) -> Any:
        """A version's calendars compiled; with `region`, each regional
        calendar stands for that region's variant (a ticket of that region)."""
        key = f"{which}@{region}" if region else which
        if key not in self._measures:
            from slalang.targets import TargetMeasure

            c = self.old if which == "old" else self.new
            cals = [next((v for v in cal.variants if v.region == region), cal) for cal in c.calendars]
            self._measures[key] = TargetMeasure(cals, c.timezone, c.effective_start, c.effective_end)
        return self._measures[key]

    def regions(self) -> list[str | None]:
        """The regions whose tickets see different calendars ([None]: no regional calendar)."""
        found = sorted(
            {v.region for c in (self.old, self.new) for cal in c.calendars for v in cal.variants if v.region}
        )
        return list(found) or [None]

    def domain(self, which: str, matrix: m.Matrix, column: str, region: str | None = None) -> Any:
        key = (which, matrix.metric, column, region)
        if key not in self._domains:
            self._domains[key] = self.measure(which, region).domain(matrix, column)
        return self._domains[key]

    def direction(
        self,
        old: tuple[m.Matrix, m.Duration | None],
        new: tuple[m.Matrix, m.Duration | None],
        column: tuple[str | None, str | None],
    ) -> str:
        """old → new for tickets of one column: `column` is (its name in the
        new matrix, its name in the old one); the new version's column decides
        which opening instants count, or the old one's when it is gone."""
        (mo, do), (mn, dn) = old, new
        if do is None and dn is None:
            return NEUTRAL
        if _elapsed_only(do) and _elapsed_only(dn):
            # Due = opened + seconds at every instant: the seconds decide.
            return sized(by_number(durations.wall_seconds(do), durations.wall_seconds(dn)))
        from slalang import targets as tg

        new_col, old_col = column
        found = []
        # A regional calendar: compared for each region's tickets on its variant.
        for region in self.regions():
            if new_col is not None:
                domain = self.domain("new", mn, new_col, region)
            else:
                domain = self.domain("old", mo, old_col or "", region)
            a = self.measure("new", region).due(dn, mn.clock)
            b = self.measure("old", region).due(do, mo.clock)
            result = tg.compare(a, b, domain)
            found.append({tg.STRICTER: STRICTER, tg.LOOSER: LOOSER, tg.EQUAL: NEUTRAL, tg.UNCLEAR: UNCLEAR}[result])
        return combine(found)


def _elapsed_only(d: m.Duration | None) -> bool:
    """A wall-clock duration of hours and minutes only. Durations with days
    go through the instant-by-instant measure, which follows the runtime's
    meaning of `d` (today 86,400 elapsed seconds; SEMANTICS §4 makes `Nd` the
    same local clock time N days later, which differs across a DST change)."""
    return d is not None and d.clock == "wall" and "d" not in d.spelling
