"""The business-time kernel: calendars compiled for fast, exact arithmetic
on working time, shared by the runtime (`slalang.runtime.calendar`
re-exports it) and by the comparison of targets (`slalang.targets`).
Standard library and `slalang.terms` only, so the runtime stays free of the
compiler.

A `BusinessCalendar` is compiled once from a rule file's calendar into
sorted working intervals of UTC epoch seconds with running totals of working
seconds, so `add`, `between` and `contains` are each one or two binary
searches. The contract's IANA timezone is applied only while compiling, at
interval edges: working time is exactly the set of real instants whose local
wall-clock time falls inside that day's hours. On a day when clocks jump
forward, hours inside the gap do not exist and do not count; when they fall
back, the repeated hour counts twice. A date outside the years the calendar
covers raises `CalendarRangeError`, never a silently normal week.

Working intervals are half-open: [start, end)."""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping, Sequence
from zoneinfo import ZoneInfo

from slalang.terms import WEEKDAY_INDEX, minutes_of

__all__ = [
    "DAY",
    "WEEKDAY_INDEX",
    "BusinessCalendar",
    "CalendarRangeError",
    "offset_stretches",
    "utc_offset",
]

DAY = 86400
_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()


class CalendarRangeError(ValueError):
    """An instant (or a due time) falls outside the days a calendar covers."""


def _hm(text: str) -> int:
    minute = minutes_of(text)
    if minute is None:
        raise ValueError(f"`{text}` is not a time of day (HH:MM)")
    return minute


def utc_offset(tz: dt.tzinfo, t: int) -> int:
    off = dt.datetime.fromtimestamp(t, tz).utcoffset()
    assert off is not None  # an aware datetime always has an offset
    return int(off.total_seconds())


def offset_stretches(tz: dt.tzinfo, lo: int, hi: int) -> list[tuple[int, int, int]]:
    """[(u0, u1, offset)]: pieces of [lo, hi) in which the UTC offset of `tz`
    is constant. zoneinfo does not publish its transitions, so probe every
    six hours and pin each change to the second by bisection."""
    step = 6 * 3600
    out = []
    start, off, u = lo, utc_offset(tz, lo), lo
    while u < hi:
        nxt = min(u + step, hi)
        o2 = utc_offset(tz, nxt) if nxt < hi else off
        if o2 != off:
            a, b = u, nxt
            while b - a > 1:
                mid = (a + b) // 2
                if utc_offset(tz, mid) == off:
                    a = mid
                else:
                    b = mid
            out.append((start, b, off))
            start, off = b, o2
        u = nxt
    out.append((start, hi, off))
    return out


class BusinessCalendar:
    """Working time of one calendar, in epoch seconds.

    `hours` maps weekday (0 = Monday) to [(start_minute, end_minute)];
    `holidays` are non-working dates; `workdays` maps a date that works
    although its weekday may not to the weekday whose hours it works.
    The calendar is defined for the local dates `first`..`last`."""

    def __init__(
        self,
        name: str,
        tz: str | dt.tzinfo,
        hours: Mapping[int, Sequence[tuple[int, int]]],
        first: dt.date,
        last: dt.date,
        holidays: Iterable[dt.date] = (),
        workdays: Mapping[dt.date, int] | None = None,
    ):
        self.name = name
        self.tz = ZoneInfo(tz) if isinstance(tz, str) else tz
        self.first, self.last = first, last
        self._hours = {d: sorted(hours.get(d, ())) for d in range(7)}
        self._holidays = frozenset(holidays)
        self._workdays = dict(workdays or {})
        self._compile()

    @classmethod
    def from_rules(cls, cal, tz: str | dt.tzinfo) -> BusinessCalendar:
        """Compile a `slalang.ruleschema.Calendar`."""
        hours: dict[int, list[tuple[int, int]]] = {}
        for h in cal.hours:
            hours.setdefault(WEEKDAY_INDEX[h.day], []).append((_hm(h.start), _hm(h.end)))
        return cls(
            cal.name,
            tz,
            hours,
            cal.covers.start,
            cal.covers.end,
            holidays=[h.date for h in cal.holidays],
            workdays={w.date: WEEKDAY_INDEX[w.hours_of] for w in cal.workdays},
        )

    def windows_of(self, date: dt.date) -> Sequence[tuple[int, int]]:
        """Working windows (minutes after local midnight) of one date."""
        if date in self._holidays:
            return ()
        wd = self._workdays.get(date)
        return self._hours[date.weekday() if wd is None else wd]

    # ---------------------------------------------------------------- compile
    def _compile(self) -> None:
        tz = self.tz
        naive_lo = (self.first.toordinal() - _EPOCH_ORDINAL) * DAY
        naive_hi = (self.last.toordinal() + 1 - _EPOCH_ORDINAL) * DAY
        # Local offsets never exceed ±26 h: two days of margin cover any zone.
        stretches = offset_stretches(tz, naive_lo - 2 * DAY, naive_hi + 2 * DAY)
        self._stretches = stretches
        self.lo = self.local_to_epoch(naive_lo)
        self.hi = self.local_to_epoch(naive_hi)
        pieces: list[tuple[int, int, int]] = []  # (start, end, local day number)
        first_day, last_day = naive_lo // DAY, naive_hi // DAY - 1
        for u0, u1, off in stretches:
            l0, l1 = u0 + off, u1 + off
            for day in range(max(l0 // DAY, first_day), min((l1 - 1) // DAY, last_day) + 1):
                base = day * DAY
                for s, e in self.windows_of(dt.date.fromordinal(day + _EPOCH_ORDINAL)):
                    a, b = max(l0, base + s * 60), min(l1, base + e * 60)
                    if a < b:
                        pieces.append((a - off, b - off, day))
        pieces.sort()
        # Days, for business-day arithmetic: first working instant, working
        # offset at that instant, and working seconds of the day.
        day_of: dict[int, int] = {}
        day_start: list[int] = []
        day_off: list[int] = []
        day_len: list[int] = []
        starts: list[int] = []
        ends: list[int] = []
        cum: list[int] = []  # working seconds before starts[i]
        total = 0
        for a, b, day in pieces:
            k = day_of.get(day)
            if k is None:
                day_of[day] = len(day_start)
                day_start.append(a)
                day_off.append(total)
                day_len.append(0)
                k = len(day_start) - 1
            day_len[k] += b - a
            if ends and ends[-1] == a:  # adjacent: one interval (e.g. 24-hour days)
                ends[-1] = b
            else:
                starts.append(a)
                ends.append(b)
                cum.append(total)
            total += b - a
        self._starts, self._ends, self._cum = starts, ends, cum
        self._cumend = [c + (e - s) for c, s, e in zip(cum, starts, ends)]
        self._day_start, self._day_off, self._day_len = day_start, day_off, day_len
        self.total = total

    def local_to_epoch(self, naive: int) -> int:
        """The first real instant whose local time is at or after the naive
        local time `naive` (seconds since 1970-01-01 00:00 local)."""
        for u0, u1, off in self._stretches:
            if u1 + off > naive:
                return max(u0, naive - off)
        raise CalendarRangeError(f"{naive} is beyond the compiled range")

    # ---------------------------------------------------------------- queries
    def _range_error(self, t: int, what: str) -> CalendarRangeError:
        when = dt.datetime.fromtimestamp(t, self.tz).strftime("%Y-%m-%d %H:%M")
        return CalendarRangeError(
            f"{what} {when} ({self.tz.key if hasattr(self.tz, 'key') else self.tz}) is outside the days "
            f"calendar `{self.name}` covers ({self.first} to {self.last})"
        )

    def _check(self, t: int, what: str = "instant") -> None:
        if not self.lo <= t <= self.hi:
            raise self._range_error(t, what)

    def offset(self, t: int) -> int:
        """Working seconds from the start of the covered range to `t`."""
        if not self.lo <= t <= self.hi:
            raise self._range_error(t, "instant")
        i = bisect_right(self._starts, t) - 1
        if i < 0:
            return 0
        e = self._ends[i]
        return self._cum[i] + (t if t < e else e) - self._starts[i]

    def _at_offset(self, target: int) -> int:
        # The earliest instant at which `target` working seconds have passed:
        # a due time landing on the end of an interval is that end instant.
        if target > self.total:
            raise CalendarRangeError(
                f"the due time falls after the last day calendar `{self.name}` covers ({self.last})"
            )
        j = bisect_left(self._cumend, target)
        return self._starts[j] + target - self._cum[j]

    def contains(self, t):
        """Whether instant `t` (epoch seconds or aware datetime) is working time."""
        t = _epoch(t)
        self._check(t)
        i = bisect_right(self._starts, t) - 1
        return i >= 0 and t < self._ends[i]

    def between(self, t1, t2) -> int:
        """Working seconds in [t1, t2); negative if t2 is before t1."""
        return self.offset(_epoch(t2)) - self.offset(_epoch(t1))

    def add(self, t, seconds: int):
        """The instant at which `seconds` working seconds have elapsed after
        `t`. Returns the type it was given (epoch seconds or a datetime in the
        calendar's zone)."""
        if seconds <= 0:
            if seconds < 0:
                raise ValueError("cannot add a negative business duration")
            return t
        if type(t) is int:
            # offset() and _at_offset() inlined: this is the hot path.
            if not self.lo <= t <= self.hi:
                raise self._range_error(t, "instant")
            starts, cum = self._starts, self._cum
            i = bisect_right(starts, t) - 1
            if i < 0:
                target = seconds
            else:
                e = self._ends[i]
                target = cum[i] + (t if t < e else e) - starts[i] + seconds
            if target > self.total:
                return self._at_offset(target)  # raises the range error
            j = bisect_left(self._cumend, target)
            return starts[j] + target - cum[j]
        r = self._at_offset(self.offset(_epoch(t)) + seconds)
        return r if isinstance(t, int) else dt.datetime.fromtimestamp(r, self.tz)

    def add_days(self, t, days: int):
        """`N bd` after `t`: snap `t` forward to working time; o = working
        seconds since the start of that day's working time; the result is
        the instant o working seconds into the N-th working day after it,
        clamped to the end of that day's working time."""
        r = self._add_days(_epoch(t), days)
        return r if isinstance(t, int) else dt.datetime.fromtimestamp(r, self.tz)

    def _add_days(self, e: int, days: int) -> int:
        if not self.lo <= e <= self.hi:
            raise self._range_error(e, "instant")
        starts = self._starts
        i = bisect_right(starts, e) - 1
        if i < 0 or e >= self._ends[i]:
            i += 1
            if i >= len(starts):
                raise CalendarRangeError(
                    f"no working time after {dt.datetime.fromtimestamp(e, self.tz):%Y-%m-%d %H:%M} "
                    f"in the days calendar `{self.name}` covers (to {self.last})"
                )
            e = starts[i]
            o_abs = self._cum[i]
        else:
            o_abs = self._cum[i] + e - starts[i]
        k = bisect_right(self._day_start, e) - 1
        o = o_abs - self._day_off[k]
        kk = k + days
        if kk >= len(self._day_start):
            raise CalendarRangeError(
                f"the due time falls after the last day calendar `{self.name}` covers ({self.last})"
            )
        day_len = self._day_len[kk]
        if o > day_len:
            o = day_len
        return self._day_start[kk] if o == 0 else self._at_offset(self._day_off[kk] + o)

    def advance(self, t: int, days: int, seconds: int) -> int:
        """`{days}bd{seconds}bh` after epoch instant `t`: days first."""
        if days:
            t = self._add_days(t, days)
        return self._at_offset(self.offset(t) + seconds) if seconds else t

    def deadline(self, t: int, days: int, seconds: int) -> tuple[int, int, int]:
        """`advance(t, days, seconds)` with the working offsets of `t` and of
        the result: (due, offset(t), offset(due)). One pass for the hot path:
        the offsets give the share of a target elapsed without more searches."""
        if not self.lo <= t <= self.hi:
            raise self._range_error(t, "instant")
        starts, cum = self._starts, self._cum
        i = bisect_right(starts, t) - 1
        if i < 0:
            o_t = 0
        else:
            e = self._ends[i]
            o_t = cum[i] + (t if t < e else e) - starts[i]
        target = o_t
        if days:
            if i < 0 or t >= self._ends[i]:
                i += 1
                if i >= len(starts):
                    raise self._range_error(t, "no working time after")
                t = starts[i]  # snapped: no working time passes, so the offset stays o_t
            k = bisect_right(self._day_start, t) - 1
            o = o_t - self._day_off[k]
            kk = k + days
            if kk >= len(self._day_start):
                raise CalendarRangeError(
                    f"the due time falls after the last day calendar `{self.name}` covers ({self.last})"
                )
            day_len = self._day_len[kk]
            if o > day_len:
                o = day_len
            target = self._day_off[kk] + o
            if not seconds:
                if o == 0:
                    return self._day_start[kk], o_t, target
                return self._at_offset(target), o_t, target
        target += seconds
        if target > self.total:
            self._at_offset(target)  # raises the range error
        j = bisect_left(self._cumend, target)
        return starts[j] + target - cum[j], o_t, target

    def fast_contains(self, t: int) -> bool:
        """`contains` for epoch seconds only (the evaluation hot path)."""
        if not self.lo <= t <= self.hi:
            raise self._range_error(t, "instant")
        i = bisect_right(self._starts, t) - 1
        return i >= 0 and t < self._ends[i]

    def next_working(self, t: int) -> int:
        """`t` if it is working time, else the start of the next interval."""
        self._check(t)
        i = bisect_right(self._starts, t) - 1
        if i >= 0 and t < self._ends[i]:
            return t
        if i + 1 >= len(self._starts):
            raise self._range_error(t, "no working time after")
        return self._starts[i + 1]

    def intervals(self, t1: int, t2: int) -> list[tuple[int, int]]:
        """The working parts of [t1, t2), as epoch-second intervals."""
        self._check(t1)
        self._check(t2)
        out = []
        i = max(bisect_right(self._starts, t1) - 1, 0)
        starts, ends = self._starts, self._ends
        while i < len(starts) and starts[i] < t2:
            a, b = max(starts[i], t1), min(ends[i], t2)
            if a < b:
                out.append((a, b))
            i += 1
        return out

    def __repr__(self) -> str:
        return (
            f"BusinessCalendar({self.name!r}, {self.first}..{self.last}, "
            f"{len(self._starts)} intervals, {self.total // 3600} working hours)"
        )


def _epoch(t) -> int:
    if isinstance(t, int):
        return t
    if isinstance(t, dt.datetime):
        if t.tzinfo is None:
            raise ValueError("a naive datetime has no timezone: give an aware datetime or epoch seconds")
        return int(t.timestamp())
    raise TypeError(f"expected epoch seconds or an aware datetime, got {type(t).__name__}")
