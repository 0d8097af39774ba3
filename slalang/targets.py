"""One comparison of targets (docs/language.md, "Comparing two targets").

Target A is **stricter** than B in a matrix column when, for every opening
instant of the effective period that falls in that column, A's due time is no
later than B's, and earlier for at least one; **looser** when the reverse
holds; **equal** when the due times agree at every instant; **unclear** when
neither dominates. Due times are those the runtime computes: a wall duration
is `t + seconds`; a business one is `BusinessCalendar.advance(t, days,
seconds)` on the matrix's clock calendar, compiled from the contract's
calendar exactly as the rule file compiles it (holiday sets, make-up days,
the contract's own dates, the contract's timezone across DST). `-` (no
commitment) is later than any due time. The diff, W0408/W0409 and lint all
ask this module, so no second notion of "longer" exists.

The comparison is exact, not sampled. Calendar edges fall on whole minutes
and durations are whole minutes, so a due time is affine in the opening
instant (slope 0 or 1) between finitely many breakpoints: the clock
calendar's interval edges and day starts, the instants whose due time lands
on an edge (found through the running totals of working time), the instants
where a `bd` target is clamped to a shorter day, and the domain's ends.
Evaluating both due times at each breakpoint and one second either side of it
decides every instant. Instants whose due time the calendar cannot compute
(no holiday data that far) are left out; a comparison with no instant left
is unclear.

Compiled calendars, due functions and their values are cached per process:
`slalang check` compares every pair of priorities in every column."""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from slalang.businesstime import _EPOCH_ORDINAL, DAY, BusinessCalendar, CalendarRangeError, offset_stretches

STRICTER, LOOSER, EQUAL, UNCLEAR = "stricter", "looser", "equal", "unclear"
_FLIP = {STRICTER: LOOSER, LOOSER: STRICTER, EQUAL: EQUAL, UNCLEAR: UNCLEAR}

__all__ = ["EQUAL", "LOOSER", "STRICTER", "UNCLEAR", "Domain", "Due", "TargetMeasure", "compare", "flip"]

Intervals = list[tuple[int, int]]


def flip(direction: str) -> str:
    """The direction of B relative to A, given A's relative to B."""
    return _FLIP[direction]


# ---------------------------------------------------------------- interval sets (sorted, disjoint, half-open)
def _clip(xs: Intervals, lo: int, hi: int) -> Intervals:
    return [(max(a, lo), min(b, hi)) for a, b in xs if b > lo and a < hi and max(a, lo) < min(b, hi)]


def _union(xs: Intervals, ys: Intervals) -> Intervals:
    out: Intervals = []
    for a, b in sorted(xs + ys):
        if out and a <= out[-1][1]:
            if b > out[-1][1]:
                out[-1] = (out[-1][0], b)
        else:
            out.append((a, b))
    return out


def _intersect(xs: Intervals, ys: Intervals) -> Intervals:
    return _subtract(xs, _subtract(xs, ys))


def _subtract(xs: Intervals, ys: Intervals) -> Intervals:
    out: Intervals = []
    j = 0
    for a, b in xs:
        while j < len(ys) and ys[j][1] <= a:
            j += 1
        k = j
        while a < b:
            if k >= len(ys) or ys[k][0] >= b:
                out.append((a, b))
                break
            c, d = ys[k]
            if c > a:
                out.append((a, c))
            a = max(a, d)
            k += 1
    return out


# ---------------------------------------------------------------- compiled calendars
class _Clock:
    """A compiled calendar with what the breakpoint search needs: the working
    offsets of its interval edges and the instants every due on it may
    break at (interval edges, day starts, ends of the covered range)."""

    __slots__ = ("cal", "edges", "base", "dues")

    def __init__(self, cal: BusinessCalendar):
        self.cal = cal
        self.edges = sorted(set(cal._cum) | {cal.total})
        self.base = sorted({*cal._starts, *cal._ends, *cal._day_start, cal.lo, cal.hi})
        self.dues: dict[tuple[int, int], Due] = {}


def _calendar_key(cal: Any, tz: str, years: range) -> tuple:
    return (
        cal.name,
        tuple((w.weekday, w.start_minute, w.end_minute) for w in cal.hours),
        tuple(cal.holiday_sets),
        tuple(d.date for d in cal.extra_holidays),
        tuple(d.date for d in cal.extra_workdays),
        tz,
        years.start,
        years.stop,
    )


_CLOCKS: dict[tuple, _Clock | None] = {}


def _compile(cal: Any, tz: str, start: dt.date, end: dt.date) -> _Clock | None:
    """The calendar as the rule file compiles it (same years, same dates), or
    None when it cannot be compiled (a holiday set the package does not know)."""
    from slalang import holidaysets

    try:
        years = holidaysets.covered_years(cal.holiday_sets, start.year, end.year, [sc.year for sc in cal.schedules])
        key = _calendar_key(cal, tz, years)
        if key in _CLOCKS:
            return _CLOCKS[key]
        days = holidaysets.calendar_days(cal, years)
    except holidaysets.UnknownHolidaySet:
        return None
    if len(_CLOCKS) > 256:
        _CLOCKS.clear()
    bc = BusinessCalendar(
        cal.name,
        _zone(tz),
        days.hours,
        days.first,
        days.last,
        holidays=days.holidays,
        workdays={d: day.hours_of for d, day in days.workdays.items() if day.hours_of is not None},
    )
    clock = _CLOCKS[key] = _Clock(bc)
    return clock


@lru_cache(maxsize=32)
def _zone(tz: str) -> ZoneInfo:
    return ZoneInfo(tz)


@lru_cache(maxsize=256)
def _local_midnight(tz: str, date: dt.date) -> int:
    """The first instant at or after local midnight of `date` (as the runtime's
    `local_to_epoch`: a midnight skipped by DST is the end of the gap)."""
    naive = (date.toordinal() - _EPOCH_ORDINAL) * DAY
    for u0, u1, off in offset_stretches(_zone(tz), naive - 2 * DAY, naive + 2 * DAY):
        if u1 + off > naive:
            return max(u0, naive - off)
    raise CalendarRangeError(f"{date} is beyond the compiled range")  # pragma: no cover


# ---------------------------------------------------------------- domains and due functions
class Domain:
    """The opening instants of one matrix column in the effective period:
    sorted disjoint half-open intervals of epoch seconds."""

    __slots__ = ("intervals", "column", "__weakref__")

    def __init__(self, intervals: Intervals, column: str = ""):
        self.intervals = intervals
        self.column = column

    def __bool__(self) -> bool:
        return bool(self.intervals)

    def __contains__(self, t: int) -> bool:
        i = bisect_right(self.intervals, (t, 1 << 62)) - 1
        return i >= 0 and self.intervals[i][0] <= t < self.intervals[i][1]

    def __repr__(self) -> str:
        seconds = sum(b - a for a, b in self.intervals)
        return f"Domain({self.column!r}, {len(self.intervals)} intervals, {seconds // 3600} h)"


class Due:
    """A target as a function from opening instant to due instant.

    kind: "wall" (t + seconds), "business" (`advance` on `clock`), "none"
    (no commitment: later than any instant), or "unknown" (a business
    target whose calendar cannot be compiled: compares as unclear)."""

    __slots__ = ("kind", "days", "seconds", "clock", "_memo", "_cuts", "_breaks", "_gaps", "_bounds", "_lim")

    def __init__(self, kind: str, days: int = 0, seconds: int = 0, clock: _Clock | None = None):
        self.kind, self.days, self.seconds, self.clock = kind, days, seconds, clock
        self._memo: dict[int, int | None] = {}
        self._cuts: list[int] | None = None
        self._bounds: tuple[int, int | None] | None = None
        self._lim: int | None = None
        self._breaks: list[int] | None = None
        self._gaps: dict[Domain, tuple[int, int] | None] = {}

    @property
    def key(self) -> tuple:
        return (self.kind, id(self.clock) if self.clock else None, self.days, self.seconds)

    def at(self, t: int) -> int | None:
        """The due instant for a ticket opened at `t`, or None where the
        calendar has no data for it."""
        if self.kind == "wall":
            return t + self.seconds
        memo = self._memo
        if t in memo:
            return memo[t]
        try:
            r: int | None = self.clock.cal.advance(t, self.days, self.seconds)  # type: ignore[union-attr]
        except CalendarRangeError:
            r = None
        if len(memo) < 200_000:
            memo[t] = r
        return r

    def cuts(self) -> list[int]:
        """Sorted instants between which due(t) − t is monotone: the clock's
        interval edges and day starts, and where a `bd` target starts being
        clamped to a shorter day. Inside a working stretch of one day the
        due time keeps pace with t (gap nondecreasing); elsewhere it stands
        still (gap decreasing)."""
        if self._cuts is not None:
            return self._cuts
        if self.kind != "business":
            self._cuts = []
            return self._cuts
        clock = self.clock
        assert clock is not None
        cal = clock.cal
        d = self.days
        clamps = [self._limit() + 1]
        if d and cal._starts:
            d_off, d_len = cal._day_off, cal._day_len
            for k in range(len(d_off) - d):
                if d_len[k + d] < d_len[k]:
                    clamps.append(self._instant(d_off[k] + d_len[k + d]))
        self._cuts = sorted(set(clock.base).union(clamps))
        return self._cuts

    def _limit(self) -> int:
        """The last opening instant whose due time the clock can compute (the
        computable instants are a prefix of the covered range: a due time
        only moves later)."""
        if self._lim is not None:
            return self._lim
        cal = self.clock.cal  # type: ignore[union-attr]
        days, seconds = self.days, self.seconds

        def ok(t: int) -> bool:
            try:
                cal.advance(t, days, seconds)
            except CalendarRangeError:
                return False
            return True

        lo, hi = cal.lo, cal.hi
        if not ok(lo):
            lo -= 1
        elif not ok(hi):
            while hi - lo > 1:  # ok(lo), not ok(hi)
                mid = (lo + hi) // 2
                if ok(mid):
                    lo = mid
                else:
                    hi = mid
        else:
            lo = hi
        self._lim = lo
        return lo

    def _instant(self, x: int) -> int:
        """The earliest instant at which `x` working seconds of the clock have passed."""
        cal = self.clock.cal  # type: ignore[union-attr]
        j = bisect_left(cal._cumend, x)
        return cal._starts[j] + x - cal._cum[j]

    def breaks(self) -> list[int]:
        """Sorted instants between which the due time is affine in t: the
        cuts, and the instants whose due time lands on an edge of the clock
        (offset(t) plus the target reaches an edge's running total)."""
        if self._breaks is not None:
            return self._breaks
        if self.kind != "business":
            self._breaks = []
            return self._breaks
        clock = self.clock
        assert clock is not None
        cal = clock.cal
        edges = clock.edges
        pts = set(self.cuts())
        if cal._starts:
            S, d = self.seconds, self.days
            at_offset = self._instant
            if d == 0:
                for c in edges[bisect_left(edges, S) :]:
                    pts.add(at_offset(c - S))
            else:
                # On working day k, o = offset into the day; the due offset is
                # day_off[k+d] + min(o, day_len[k+d]) + S.
                d_off, d_len = cal._day_off, cal._day_len
                for k in range(len(d_off) - d):
                    kk = k + d
                    span = min(d_len[kk], d_len[k])
                    base = d_off[kk] + S
                    for c in edges[bisect_left(edges, base) : bisect_left(edges, base + span)]:
                        pts.add(at_offset(d_off[k] + c - base))
        self._breaks = sorted(pts)
        return self._breaks

    def bounds(self) -> tuple[int, int | None]:
        """Cheap bounds on due(t) − t over every computable t of the clock:
        a ticket snapped to working day k is opened before that day's last
        working instant and after the previous day's, and is due no earlier
        than the start of day k+days (plus the `bh` part, which takes at
        least as long on the wall clock) and no later than the end of that
        day plus the `bh` part."""
        if self._bounds is not None:
            return self._bounds
        cal = self.clock.cal  # type: ignore[union-attr]
        d, S = self.days, self.seconds
        if d == 0 or not cal._starts:
            self._bounds = (S, None)
            return self._bounds
        d_start, d_off, d_len = cal._day_start, cal._day_off, cal._day_len
        total = cal.total
        lb: int | None = None
        ub: int | None = None
        ub_known = True
        prev_end = cal.lo
        for k in range(len(d_off) - d):
            kk = k + d
            end_k = self._instant(d_off[k] + d_len[k])
            low = d_start[kk] + S - end_k
            lb = low if lb is None or low < lb else lb
            latest = d_off[kk] + d_len[kk] + S
            if latest > total:
                ub_known = False  # some due times of this day are beyond the data
            elif ub_known:
                high = self._instant(latest) - prev_end
                ub = high if ub is None or high > ub else ub
            prev_end = end_k
        if not ub_known:
            ub = None
        self._bounds = (lb if lb is not None else S, ub)
        return self._bounds

    def computable_in(self, domain: Domain) -> bool:
        """Whether some instant of the domain has a due time on this clock."""
        if self.kind != "business":
            return bool(domain.intervals)
        lo, hi = self.clock.cal.lo, self._limit() + 1  # type: ignore[union-attr]
        return any(a < hi and b > lo for a, b in domain.intervals)

    def gaps(self, domain: Domain) -> tuple[int, int] | None:
        """(min, max) of due(t) − t over the domain's computable instants.
        The gap is monotone between cuts, so each piece's ends decide."""
        if domain in self._gaps:
            return self._gaps[domain]
        advance = self.clock.cal.advance  # type: ignore[union-attr]
        days, seconds = self.days, self.seconds
        gs = []
        for a, b in _pieces(domain.intervals, self.cuts()):
            try:
                gs.append(advance(a, days, seconds) - a)
            except CalendarRangeError:
                continue
            try:
                gs.append(advance(b - 1, days, seconds) - b + 1)
            except CalendarRangeError:
                pass
        out = (min(gs), max(gs)) if gs else None
        self._gaps[domain] = out
        return out

    def __repr__(self) -> str:
        if self.kind == "business":
            return f"Due(business {self.days}bd {self.seconds}s on {self.clock.cal.name})"  # type: ignore[union-attr]
        return f"Due({self.kind} {self.seconds}s)"


_NONE = Due("none")
_UNKNOWN = Due("unknown")
_WALL: dict[int, Due] = {}


def _pieces(intervals: Intervals, cuts: list[int]):
    """The pieces [u, v) of the domain cut at `cuts`."""
    n = len(cuts)
    for a, b in intervals:
        i = bisect_right(cuts, a)
        u = a
        while i < n and cuts[i] < b:
            yield u, cuts[i]
            u = cuts[i]
            i += 1
        yield u, b


def _points(intervals: Intervals, breaks: list[int]):
    """For each piece [u, v) of the domain cut at `breaks`: u, u + 1 and v − 1
    (between breaks both due times are affine, so these decide the piece)."""
    for u, v in _pieces(intervals, breaks):
        yield u
        if u + 1 < v:
            yield u + 1
            if v - 1 > u + 1:
                yield v - 1


def _merge(xs: list[int], ys: list[int]) -> list[int]:
    if not xs:
        return ys
    if not ys or xs is ys:
        return xs
    return sorted(set(xs).union(ys))


class TargetMeasure:
    """Due times and column domains of one contract version."""

    def __init__(self, calendars: Sequence[Any], timezone: str, start: dt.date, end: dt.date):
        self.calendars = {c.name: c for c in calendars}
        self.timezone, self.start, self.end = timezone, start, end
        self.lo = _local_midnight(timezone, start)
        self.hi = _local_midnight(timezone, end + dt.timedelta(days=1))
        self._clocks: dict[str, _Clock | None] = {}
        self._domains: dict[tuple, Domain] = {}

    def clock(self, name: str | None) -> _Clock | None:
        if name is None or name not in self.calendars:
            return None
        if name not in self._clocks:
            cal = self.calendars[name]
            # A regional calendar has no one clock (each region's variant has its
            # own): its business targets compare as unclear, never guessed.
            self._clocks[name] = (
                None if cal.variants else _compile(cal, cal.timezone or self.timezone, self.start, self.end)
            )
        return self._clocks[name]

    def _working(self, name: str) -> tuple[Intervals, Intervals] | None:
        """(working intervals, covered range) of a calendar inside the period."""
        clock = self.clock(name)
        if clock is None:
            return None
        cal = clock.cal
        lo, hi = max(self.lo, cal.lo), min(self.hi, cal.hi)
        if lo >= hi:
            return [], []
        return cal.intervals(lo, hi), [(lo, hi)]

    def domain(self, matrix: Any, column: str) -> Domain:
        """The instants of the effective period a ticket opened at falls into
        `column`, chosen as the runtime chooses: the first `calendar` column
        whose calendar is working; else `off_hours`; `any` and `region`
        columns take every instant no earlier calendar column took."""
        key = (tuple((c.name, c.kind) for c in matrix.columns), column)
        found = self._domains.get(key)
        if found is not None:
            return found
        if column not in {c.name for c in matrix.columns}:
            raise KeyError(column)
        # Plan columns: only the columns of the same plan compete for a ticket.
        plan = next(c.plan for c in matrix.columns if c.name == column)
        group = [c for c in matrix.columns if c.plan == plan]
        # Only instants every column calendar covers can be placed.
        placed: Intervals = [(self.lo, self.hi)]
        works: dict[str, Intervals] = {}
        for c in group:
            if c.kind == "calendar":
                w = self._working(c.calendar or c.name)
                if w is None:
                    placed, works[c.name] = [], []
                else:
                    works[c.name] = w[0]
                    placed = _intersect(placed, w[1])
        taken: Intervals = []
        result: Intervals = []
        for c in group:
            if c.kind == "calendar":
                if c.name == column:
                    result = _intersect(_subtract(works[c.name], taken), placed)
                    break
                taken = _union(taken, works[c.name])
            else:
                if c.name == column:
                    result = _subtract(placed, taken)
                    break
                if c.kind in ("any", "off_hours", "plan"):
                    break  # no later column is ever chosen
        dom = self._domains[key] = Domain(result, column)
        return dom

    def due(self, duration: Any, clock: str | None) -> Due:
        """A target (a `model.Duration`, or None for `-`) as a due function;
        business targets count on calendar `clock`."""
        if duration is None:
            return _NONE
        if duration.clock == "wall":
            s = int(duration.seconds)
            d = _WALL.get(s)
            if d is None:
                d = _WALL[s] = Due("wall", 0, s)
            return d
        c = self.clock(clock)
        if c is None:
            return _UNKNOWN
        k = (int(duration.days), int(duration.seconds))
        d = c.dues.get(k)
        if d is None:
            d = c.dues[k] = Due("business", k[0], k[1], c)
        return d


def _direction(less: bool, greater: bool) -> str:
    if less and greater:
        return UNCLEAR
    if less:
        return STRICTER
    return LOOSER if greater else EQUAL


def _wall_vs(n: int, b: Due, domain: Domain) -> str:
    """Wall `n` seconds (A) against due function B, by the range of B's lead time."""
    if not b.computable_in(domain):
        return UNCLEAR
    lb, ub = b.bounds()
    if n < lb:
        return STRICTER  # e.g. business time never runs faster than the wall clock
    if ub is not None and n > ub:
        return LOOSER
    g = b.gaps(domain)
    if g is None:
        return UNCLEAR
    lo, hi = g
    return _direction(n < hi, n > lo)


def _fewer_days_vs(a: Due, b: Due) -> str:
    """Same clock, a.days < b.days and a.seconds > b.seconds: a bound over
    every working day decides most pairs (`2bh` against `1bd`). In working
    offsets, a `d`-day target from offset o into day k reaches
    day_off[k+d] + min(o, day_len[k+d]) before its `bh` part; A is stricter
    wherever that offset, plus its seconds, stays below B's (the due time is
    increasing in the offset), so compare the seconds difference with the
    least and greatest gap between the two day offsets. UNCLEAR: undecided."""
    cal = a.clock.cal  # type: ignore[union-attr]
    d1, d2 = a.days, b.days
    d_off, d_len = cal._day_off, cal._day_len
    lo: int | None = None
    hi: int | None = None
    for k in range(len(d_off) - d2):
        n, l1, l2 = d_len[k], d_len[k + d1], d_len[k + d2]
        base = d_off[k + d2] - d_off[k + d1]
        # min(o, l2) − min(o, l1) for 0 ≤ o < n, bounded below and above.
        low = base + (0 if l2 >= l1 else l2 - min(n, l1))
        high = base + (max(0, min(n, l2) - l1) if l2 > l1 else 0)
        lo = low if lo is None or low < lo else lo
        hi = high if hi is None or high > hi else hi
    if lo is None or hi is None:
        return UNCLEAR
    diff = a.seconds - b.seconds
    if diff < lo:
        return STRICTER
    if diff > hi:
        return LOOSER
    return UNCLEAR


def compare(a: Due, b: Due, domain: Domain) -> str:
    """A relative to B over `domain`: STRICTER (A's due time never later, once
    earlier), LOOSER, EQUAL or UNCLEAR."""
    if a.kind == "none" or b.kind == "none":
        if a.kind == b.kind:
            return EQUAL
        if a.kind == "unknown" or b.kind == "unknown":
            return UNCLEAR
        return LOOSER if a.kind == "none" else STRICTER
    if a.kind != "unknown" and (a is b or a.key == b.key):  # the one `_UNKNOWN` is not equal to itself
        return EQUAL
    if a.kind == "unknown" or b.kind == "unknown" or not domain.intervals:
        return UNCLEAR
    if a.kind == "wall" and b.kind == "wall":
        return _direction(a.seconds < b.seconds, a.seconds > b.seconds)
    if a.kind == "wall":
        return _wall_vs(a.seconds, b, domain)
    if b.kind == "wall":
        return flip(_wall_vs(b.seconds, a, domain))
    if a.clock is b.clock:
        # Same calendar: `advance` is increasing in both days and seconds.
        if a.days <= b.days and a.seconds <= b.seconds:
            return STRICTER
        if a.days >= b.days and a.seconds >= b.seconds:
            return LOOSER
        if not (a.computable_in(domain) and b.computable_in(domain)):
            return UNCLEAR
        found = flip(_fewer_days_vs(b, a)) if a.days > b.days else _fewer_days_vs(a, b)
        if found != UNCLEAR:
            return found
        # Between the cuts of both, offset(due) − offset(t) is constant or
        # one of the two stands still, so u, u + 1 and v − 1 decide a piece.
        breaks = _merge(a.cuts(), b.cuts())
    else:
        breaks = _merge(a.breaks(), b.breaks())
    less = greater = seen = False
    fa, fb = a.at, b.at
    for t in _points(domain.intervals, breaks):
        x, y = fa(t), fb(t)
        if x is None or y is None:
            continue
        seen = True
        if x < y:
            less = True
        elif x > y:
            greater = True
        else:
            continue
        if less and greater:
            return UNCLEAR
    return _direction(less, greater) if seen else UNCLEAR
