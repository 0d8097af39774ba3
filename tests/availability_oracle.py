"""A brute-force availability oracle: spec10 §2 applied second by second.

Independent of slalang (imports nothing from it): a period part is a buffer
with one byte per second, each second marked up (0), down (1), maintenance
that may be allowed (2) or excluded (3), in that order of precedence (an
exclusion wins over maintenance, maintenance over plain downtime). Then:
- maintenance beyond the allowance of its calendar month (or of its
  quarter/year for `max … per quarter|year`) becomes downtime, earliest first;
- outages are the maximal runs of downtime seconds; a grace removes the short
  ones, the counting rule rounds each one to minutes;
- the denominator is the period part (`whole_period`) or that less excluded
  and allowed maintenance seconds (`eligible_time`);
- availability = (denominator − downtime) / denominator × 100, a Fraction.
Request buckets: each bucket from local midnight is down when
errors × 100 > limit × requests.

The buffer costs a byte per second (2.7 MB a month, 8 MB a quarter); the
scans over it (slice assignment, bytes.count, re) run in C."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from fractions import Fraction
from zoneinfo import ZoneInfo

UP, DOWN, MAINT, EXCL = 0, 1, 2, 3
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MONTHS = {"month": 1, "quarter": 3, "year": 12}


@dataclass(frozen=True)
class Maintenance:
    notice: int | None  # seconds the announcement must precede the start
    max_seconds: int | None
    max_period: str  # month | quarter | year
    windows: tuple[tuple[str, str, str], ...]  # (weekday, "HH:MM", "HH:MM")


@dataclass(frozen=True)
class Target:
    tz: str
    term: tuple[dt.date, dt.date]  # first and last day, inclusive
    period: str  # month | quarter | year
    counting: str = "second"  # second | started_minute | full_minute
    ignore_under: int | None = None
    ignore_inclusive: bool = False
    denominator: str = "whole_period"
    maintenance: Maintenance | None = None
    bucket: int | None = None  # seconds
    bucket_limit: Fraction | None = None  # percent


@dataclass(frozen=True)
class Row:
    start: int
    end: int
    code: str | None = None  # None: plain downtime; "maintenance"; any other code: excluded
    notified_at: int | None = None


@dataclass
class Measure:
    denominator: int
    downtime: int
    excluded: int
    maintenance: int
    availability: Fraction
    outages: list[int] = field(default_factory=list)  # counted seconds per outage


def _midnight(d: dt.date, tz: ZoneInfo) -> int:
    return int(dt.datetime(d.year, d.month, d.day, tzinfo=tz).timestamp())


def _first_of(d: dt.date, months: int) -> dt.date:
    m0 = (d.month - 1) // months * months
    return dt.date(d.year, m0 + 1, 1)


def _add_months(d: dt.date, months: int) -> dt.date:
    m = d.month - 1 + months
    return dt.date(d.year + m // 12, m % 12 + 1, 1)


def period_of(label: str) -> tuple[str, dt.date]:
    """`2026-03` / `2026-Q1` / `2026` → (period, first day)."""
    if "-Q" in label:
        y, q = label.split("-Q")
        return "quarter", dt.date(int(y), 3 * int(q) - 2, 1)
    if "-" in label:
        y, m = label.split("-")
        return "month", dt.date(int(y), int(m), 1)
    return "year", dt.date(int(label), 1, 1)


def label_of(d: dt.date, period: str) -> str:
    if period == "month":
        return f"{d.year}-{d.month:02d}"
    if period == "quarter":
        return f"{d.year}-Q{(d.month - 1) // 3 + 1}"
    return str(d.year)


def part(target: Target, label: str) -> tuple[int, int]:
    """The period part inside the term, as [start, end) epoch seconds."""
    tz = ZoneInfo(target.tz)
    period, first = period_of(label)
    last_next = _add_months(first, MONTHS[period])
    lo = max(first, target.term[0])
    hi = min(last_next, target.term[1] + dt.timedelta(days=1))
    return _midnight(lo, tz), _midnight(hi, tz)


def labels_touched(target: Target, rows: list[Row]) -> set[str]:
    """Every period label whose part some row overlaps."""
    tz = ZoneInfo(target.tz)
    t_lo = _midnight(target.term[0], tz)
    t_hi = _midnight(target.term[1] + dt.timedelta(days=1), tz)
    out: set[str] = set()
    for r in rows:
        a, b = max(r.start, t_lo), min(r.end, t_hi)
        if a >= b:
            continue
        d = dt.datetime.fromtimestamp(a, tz).date()
        while True:
            label = label_of(d, target.period)
            out.add(label)
            nxt = _add_months(_first_of(d, MONTHS[target.period]), MONTHS[target.period])
            if _midnight(nxt, tz) >= b:
                break
            d = nxt
    return out


def _window_spans(m: Maintenance, lo: int, hi: int, tz: ZoneInfo) -> list[tuple[int, int]]:
    """The maintenance windows' instants within [lo, hi)."""
    spans = []
    d = dt.datetime.fromtimestamp(lo, tz).date() - dt.timedelta(days=1)
    last = dt.datetime.fromtimestamp(hi, tz).date()
    while d <= last:
        for day, a, b in m.windows:
            if WEEKDAYS[d.weekday()] != day:
                continue
            ha, ma = map(int, a.split(":"))
            hb, mb = map(int, b.split(":"))
            base = dt.datetime(d.year, d.month, d.day, tzinfo=tz)
            s = int((base + dt.timedelta(hours=ha, minutes=ma)).timestamp())
            e = int((base + dt.timedelta(hours=hb, minutes=mb)).timestamp())
            s, e = max(s, lo), min(e, hi)
            if s < e:
                spans.append((s, e))
        d += dt.timedelta(days=1)
    return spans


_RUNS = {v: re.compile(re.escape(bytes([v])) + b"+") for v in (DOWN, MAINT)}


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[list[int]] = []
    for a, b in sorted(spans):
        if out and a <= out[-1][1]:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return [(a, b) for a, b in out]


def _runs(buf: bytearray, value: int, marked: list[tuple[int, int]], lo: int = 0, hi: int | None = None):
    """The maximal runs of `value`, in order. Only the marked stretches are
    scanned: every second outside them is up, so no run crosses their edges."""
    hi = len(buf) if hi is None else hi
    for a, b in marked:
        a, b = max(a, lo), min(b, hi)
        if a < b:
            for run in _RUNS[value].finditer(buf, a, b):
                yield run.span()


def measure(target: Target, rows: list[Row], label: str) -> Measure:
    tz = ZoneInfo(target.tz)
    p0, p1 = part(target, label)
    buf = bytearray(p1 - p0)
    m = target.maintenance
    # Marks in increasing precedence: later assignments overwrite earlier ones.
    plain, maint, excl = [], [], []
    for r in rows:
        a, b = max(r.start, p0), min(r.end, p1)
        if a >= b:
            continue
        if r.code is None:
            plain.append((a, b))
        elif r.code == "maintenance":
            announced = m is not None and (
                m.notice is None or (r.notified_at is not None and r.start - r.notified_at >= m.notice)
            )
            plain.append((a, b))  # outside the windows, or not announced: downtime
            if announced:
                maint.extend(_window_spans(m, a, b, tz))
        else:
            excl.append((a, b))
    for value, spans in ((DOWN, plain), (MAINT, maint), (EXCL, excl)):
        for a, b in spans:
            buf[a - p0 : b - p0] = bytes([value]) * (b - a)
    marked = _merged([(a - p0, b - p0) for a, b in plain + excl])
    # The allowance, within each calendar month (or quarter/year), earliest first.
    if m is not None and m.max_seconds is not None and maint:
        first = dt.datetime.fromtimestamp(p0, tz).date()
        d = _first_of(first, MONTHS[m.max_period])
        while _midnight(d, tz) < p1:
            nxt = _add_months(d, MONTHS[m.max_period])
            lo, hi = max(_midnight(d, tz), p0) - p0, min(_midnight(nxt, tz), p1) - p0
            left = m.max_seconds
            for a, b in _runs(buf, MAINT, marked, lo, hi):
                keep = min(left, b - a)
                left -= keep
                if a + keep < b:
                    buf[a + keep : b] = bytes([DOWN]) * (b - a - keep)
            d = nxt
    excluded = buf.count(EXCL)
    allowed = buf.count(MAINT)
    outages = []
    for a, b in _runs(buf, DOWN, marked):
        n = b - a
        g = target.ignore_under
        if g is not None and (n <= g if target.ignore_inclusive else n < g):
            continue
        if target.counting == "started_minute":
            n = -(-n // 60) * 60
        elif target.counting == "full_minute":
            n = n // 60 * 60
        outages.append(n)
    total = len(buf)
    den = total if target.denominator == "whole_period" else total - excluded - allowed
    down = min(sum(outages), den)
    return Measure(den, down, excluded, allowed, Fraction(den - down, den) * 100, outages)


def measure_buckets(target: Target, requests: dict[int, tuple[int, int]], label: str) -> Measure:
    """`requests`: bucket start → (requests, errors)."""
    assert target.bucket is not None and target.bucket_limit is not None
    p0, p1 = part(target, label)
    down = 0
    for t in range(p0, p1, target.bucket):
        n, errors = requests.get(t, (0, 0))
        if n and Fraction(errors * 100, n) > target.bucket_limit:
            down += target.bucket
    total = p1 - p0
    return Measure(total, down, 0, 0, Fraction(total - down, total) * 100)
