"""Portable scalar SQL expressions (sqlglot trees) for the batch path: integer
arithmetic, local time in a timezone, calendar dates and period labels —
pure CASE and arithmetic, no table and no dialect's own time functions, so
DuckDB, Spark SQL and Trino compute the same integers as the Python runtime.

- `floordiv(a, b)`, `mod(a, b)`: floor division and its remainder for a
  positive integer `b` up to 2^20 and integers `|a|` below 2^50 (through
  DOUBLE division, which is exact there: a quotient's fractional part is at
  least 1/b, far above the rounding error — Trino's integer `/` truncates and
  DuckDB's `//` rounds towards zero, so neither is used).
- `Zone(tz, lo, hi)`: the UTC offsets of an IANA timezone on the instants
  [lo, hi) as a balanced CASE over its transitions (found as the runtime finds
  them, probing weekly: see `_stretches`); outside [lo, hi) the offset
  of the nearest end. `Zone.of(tz)` covers every instant the runtime reads
  (1970 to 2200): about 460 transitions for a zone with daylight saving time,
  a CASE nine levels deep, so one `offset(t)` is a few dozen kilobytes of SQL
  text — compute it once per instant (a column in a CTE) and reuse that
  column, rather than nesting `Zone` calls.
  - `offset(t)`: the UTC offset in seconds at instant t;
  - `local(t)`: t's local wall-clock time as naive seconds since 1970-01-01
    00:00 local (t + offset);
  - `from_local(L)`: the instant of naive local seconds L, as zoneinfo reads
    it with fold=0: a local time the clocks skip is moved forward by the gap,
    one they repeat is its first occurrence;
  - `wall_due(t, days, seconds)`: `Rules.wall_due` — the same local clock time
    `days` calendar days later, then `seconds` elapsed;
  - `local_day(t)`: days since 1970-01-01 of t's local date.
- `Zone.period_key(t, period, first, last)`: the label
  `slalang.runtime.availability.period_key` gives t's local date (day
  `2026-03-05`, ISO week `2026-W10`, month `2026-03`, quarter `2026-Q1`, year
  `2026`) — one CASE over t on the first instants of the periods meeting the
  local dates first..last (a contract's term: a few hundred leaves), NULL
  outside them.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlglot import exp

from slalang.runtime.availability import add_months, period_key
from slalang.terms import PERIOD_MONTHS

__all__ = ["Zone", "epoch_day", "floordiv", "lit", "mod"]

FIRST, LAST = 0, 7289654400  # 1970-01-01 and 2201-01-01 UTC: the instants the runtime reads
DAY = 86400
PERIODS = ("day", "week", "month", "quarter", "year")


def lit(n: int) -> exp.Expression:
    """An integer literal (negative as a unary minus, which every dialect reads)."""
    return exp.Literal.number(n) if n >= 0 else exp.Neg(this=exp.Literal.number(-n))


def _e(x: exp.Expression | int) -> exp.Expression:
    return lit(x) if isinstance(x, int) else x.copy()


def floordiv(a: exp.Expression | int, b: int) -> exp.Expression:
    """⌊a / b⌋ as BIGINT (b a positive integer up to 2^20, |a| < 2^50)."""
    if b <= 0 or b > 1 << 20:
        raise ValueError("floordiv: the divisor must be in 1..2^20")
    if b == 1:
        return exp.cast(_e(a), "BIGINT")
    q = exp.Div(this=exp.cast(_e(a), "DOUBLE"), expression=lit(b))
    return exp.cast(exp.Floor(this=q), "BIGINT")


def mod(a: exp.Expression | int, b: int) -> exp.Expression:
    """a − b·⌊a / b⌋: in 0..b−1 whatever the sign of a."""
    return exp.paren(_e(a) - exp.paren(lit(b) * floordiv(a, b)))


def _tree(t: exp.Expression, bounds: list[int], values: list[int]) -> exp.Expression:
    """A balanced CASE: values[i] for bounds[i-1] <= t < bounds[i] (values has
    one more item than bounds)."""
    return _tree_of(t, bounds, [lit(v) for v in values])


def _tree_of(t: exp.Expression, bounds: list[int], values: list[exp.Expression]) -> exp.Expression:
    if not bounds:
        return values[0].copy()
    mid = len(bounds) // 2
    left = _tree_of(t, bounds[:mid], values[: mid + 1])
    right = _tree_of(t, bounds[mid + 1 :], values[mid + 1 :])
    return exp.Case(ifs=[exp.If(this=t.copy() < lit(bounds[mid]), true=left)], default=right)


class Zone:
    """A timezone's UTC offsets on [lo, hi) as CASE expressions (see the module docstring)."""

    def __init__(self, tz: str, lo: int = FIRST, hi: int = LAST) -> None:
        self.name = tz
        self.tz = ZoneInfo(tz)
        stretches = _stretches(self.tz, lo, hi)
        self.offsets = [o for _, _, o in stretches]
        self.starts = [a for a, _, _ in stretches[1:]]  # the instants the offset changes
        # zoneinfo's fold=0: the offset before a change holds for local times
        # up to the change's instant plus the larger of the two offsets.
        self.local_bounds = [t + max(a, b) for t, a, b in zip(self.starts, self.offsets, self.offsets[1:])]
        self._wall: dict[int, tuple[list[int], list[int]]] = {}

    @classmethod
    def of(cls, tz: str) -> Zone:
        return _zones(tz)

    def offset(self, t: exp.Expression) -> exp.Expression:
        return _tree(_arg(t), self.starts, self.offsets)

    def local(self, t: exp.Expression) -> exp.Expression:
        return exp.paren(_arg(t) + self.offset(t))

    def from_local(self, local: exp.Expression) -> exp.Expression:
        return exp.paren(_arg(local) - _tree(local, self.local_bounds, self.offsets))

    def _wall_due(self, t: int, days: int) -> int:
        local = dt.datetime.fromtimestamp(t, self.tz).replace(tzinfo=None) + dt.timedelta(days=days)
        return int(local.replace(tzinfo=self.tz, fold=0).timestamp())

    def _wall_pieces(self, days: int) -> tuple[list[int], list[int]]:
        """wall_due(t, days) − t − days·86400 is constant between the instants
        where t's offset changes and where t's local time plus `days` crosses
        a change of the fold=0 reading: those instants, and the constants."""
        got = self._wall.get(days)
        if got is not None:
            return got
        cuts = set(self.starts)
        edges = [FIRST - 10 * DAY, *self.starts, LAST + 10 * DAY]
        for b in self.local_bounds:
            target = b - days * DAY  # t + offset(t) == target, on the piece where offset(t) is constant
            for (a, e), off in zip(zip(edges, edges[1:]), self.offsets):
                t = target - off
                if a <= t < e:
                    cuts.add(t)
        bounds = sorted(c for c in cuts if FIRST - 10 * DAY < c < LAST + 10 * DAY)
        values = []
        for a in [FIRST - 10 * DAY, *bounds]:
            probe = max(a, FIRST)
            values.append(self._wall_due(probe, days) - probe - days * DAY)
        # Merge neighbours with the same constant (most cuts change nothing).
        mb, mv = [], [values[0]]
        for b, v in zip(bounds, values[1:]):
            if v != mv[-1]:
                mb.append(b)
                mv.append(v)
        self._wall[days] = got = (mb, mv)
        return got

    def wall_due(self, t: exp.Expression, days: int, seconds: int | exp.Expression = 0) -> exp.Expression:
        """`Rules.wall_due(t, days, seconds)`: one CASE over t (see `_wall_pieces`)."""
        if not days:
            return exp.paren(_arg(t) + _e(seconds))
        bounds, values = self._wall_pieces(days)
        return exp.paren(_arg(t) + lit(days * DAY) + _tree(t, bounds, values) + _e(seconds))

    def local_day(self, t: exp.Expression) -> exp.Expression:
        return floordiv(self.local(t), DAY)

    def first_instant(self, date: dt.date) -> int:
        """The first instant whose local date is `date` (its midnight; where the
        clocks skip midnight, the instant they jump)."""
        return int(dt.datetime.combine(date, dt.time(0), self.tz).replace(fold=0).timestamp())

    def period_starts(self, period: str, first: dt.date, last: dt.date) -> list[tuple[int, str]]:
        """(first instant, label) of every `period` (day|week|month|quarter|year)
        that meets the local dates first..last, then (the end of the last one, "")."""
        if period not in PERIODS:
            raise ValueError(f"unknown period {period!r}")
        out: list[tuple[int, str]] = []
        d = _period_first(first, period)
        while d <= last:
            out.append((self.first_instant(d), period_key(d, period)))
            d = _period_next(d, period)
        out.append((self.first_instant(d), ""))
        return out

    def period_key(self, t: exp.Expression, period: str, first: dt.date, last: dt.date) -> exp.Expression:
        """The label (`slalang.runtime.availability.period_key`) of the period
        containing t's local date, for instants whose local date is in the
        periods meeting first..last; NULL outside them. One CASE over t."""
        starts = self.period_starts(period, first, last)
        bounds = [a for a, _ in starts]
        labels: list[exp.Expression] = [
            exp.null(),
            *(exp.Literal.string(label) for _, label in starts[:-1]),
            exp.null(),
        ]
        return _tree_of(_arg(t), bounds, labels)


def _arg(e: exp.Expression) -> exp.Expression:
    """An argument a CASE tree repeats at every node: a column or a literal
    only (compute anything else into a column first), so the SQL stays small."""
    if not isinstance(e, (exp.Column, exp.Literal, exp.Neg)):
        raise ValueError("pass a column (or a literal): a CASE tree repeats its argument at every node")
    return e.copy()


def _stretches(tz: dt.tzinfo, lo: int, hi: int) -> list[tuple[int, int, int]]:
    """[(u0, u1, offset)] on [lo, hi), like `offset_stretches` but probing
    weekly (the whole range the runtime reads in well under a second): every
    change found is pinned to the second by bisection, and a change is missed
    only if the offset changes and changes back within one week."""
    step = 7 * DAY
    out = []
    start, off, u = lo, _off(tz, lo), lo
    while u < hi:
        nxt = min(u + step, hi)
        o2 = _off(tz, nxt) if nxt < hi else off
        if o2 != off:
            a, b = u, nxt
            while b - a > 1:
                mid = (a + b) // 2
                if _off(tz, mid) == off:
                    a = mid
                else:
                    b = mid
            out.append((start, b, off))
            start, off = b, _off(tz, b)
            if off != o2:  # two changes inside one step: go on from this one
                u = b
                continue
        u = nxt
    out.append((start, hi, off))
    return out


def _off(tz: dt.tzinfo, t: int) -> int:
    o = dt.datetime.fromtimestamp(t, tz).utcoffset()
    assert o is not None  # an aware datetime has an offset
    return int(o.total_seconds())


_cache: dict[str, Zone] = {}


def _zones(tz: str) -> Zone:
    z = _cache.get(tz)
    if z is None:
        z = _cache[tz] = Zone(tz)
    return z


def epoch_day(date: dt.date) -> int:
    """The day number of a date (days since 1970-01-01)."""
    return (date - dt.date(1970, 1, 1)).days


def _period_first(d: dt.date, period: str) -> dt.date:
    if period == "day":
        return d
    if period == "week":
        return d - dt.timedelta(days=d.weekday())
    if period == "month":
        return d.replace(day=1)
    if period == "quarter":
        return dt.date(d.year, (d.month - 1) // 3 * 3 + 1, 1)
    return dt.date(d.year, 1, 1)


def _period_next(d: dt.date, period: str) -> dt.date:
    if period == "day":
        return d + dt.timedelta(days=1)
    if period == "week":
        return d + dt.timedelta(days=7)
    return add_months(d, PERIOD_MONTHS[period])
