"""Tracking a contract's recurring duties and service targets against evidence.

A rule file (`slalang.rules/v4`) lists the duties (`duties[]`: a drill every
month, a penetration test twice a year, the audit…) and the measured service
targets (`service_targets[]`: an NPS of at least 75 per quarter). Evidence is
what was done, one row each: the duty or target's name, the date, a reference
to the proof (a report number, a URL, a file name: text, never fetched) and,
for a target, the measured value (see `slalang.runtime.evidence`).

For each duty, in the rule file's order, and each of its periods
(`slalang.cadence.periods`: `every N unit` from the term's start, `N times per
period` over calendar periods, once per term; a period the term cuts is still
due), the performances are the distinct dates in the period with evidence.
At an instant `at`, a period is

- `upcoming`: it starts after `at`;
- `done`: it has its required performances, all dated on or before its due
  date;
- `late`: it has them only counting dates after the due date (possible when
  a duty is due on a calendar's last working time: `on CAL`);
- `overdue`: its due instant is at or before `at` and it has fewer;
- `due`: it has started, its due instant is after `at`, and it is not done.

A period's due instant is the end of its last day (the next day's 00:00) in
the contract's timezone; with `on CAL`, the end of the last working interval
of that calendar ending within the period (none: the end of its last day,
and `no_working_time` says so).

A service target is judged per calendar period (month, quarter or year, cut
by the term) on its latest measurement (by date, then row order): `met` or
`missed` against its bound; without one, `overdue` once the period has ended
(never silently fine), `due` while it runs, `upcoming` before it starts.

Evidence dated after `at`'s date does not count at `at` (it did not exist
yet): such rows are notes, like a second row for the same duty and date.

Depends on the rule schema, business time and `slalang.cadence` only."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

from slalang.businesstime import BusinessCalendar, CalendarRangeError
from slalang.cadence import Period, periods
from slalang.ruleschema import Duty, RuleFile, ServiceTarget

DUTY_STATUSES = ("done", "late", "overdue", "due", "upcoming")
TARGET_STATUSES = ("met", "missed", "overdue", "due", "upcoming")
DAY = 86400


@dataclass(frozen=True, slots=True)
class Record:
    """One evidence row that counts: a performance of a duty, or a
    measurement of a target (`value` set)."""

    line: int
    name: str
    day: dt.date
    reference: str
    value: Decimal | None = None
    note: str | None = None


@dataclass(slots=True)
class DutyPeriod:
    period: Period
    due: int  # the due instant, epoch seconds
    due_date: dt.date  # the local date of the last instant before `due`
    no_working_time: bool  # `on CAL` and the calendar has no working time in the period
    status: str = "upcoming"
    on_time: list[Record] = field(default_factory=list)  # one per date, on or before the due date
    late: list[Record] = field(default_factory=list)  # one per date, after the due date

    @property
    def performed(self) -> int:
        return len(self.on_time) + len(self.late)


@dataclass(slots=True)
class DutyResult:
    duty: Duty
    periods: list[DutyPeriod]


@dataclass(slots=True)
class TargetPeriod:
    period: Period
    ends: int  # the end of its last day, epoch seconds
    status: str = "upcoming"
    measurement: Record | None = None


@dataclass(slots=True)
class TargetResult:
    target: ServiceTarget
    periods: list[TargetPeriod]


def met(target: ServiceTarget, value: Decimal) -> bool:
    bound = Decimal(target.value)
    return value >= bound if target.bound == "at_least" else value <= bound


class Tracker:
    """The duties and targets of one rule file, judged at one instant."""

    def __init__(self, rules: RuleFile, calendars: dict[str, BusinessCalendar] | None = None):
        self.rules = rules
        self.tz = ZoneInfo(rules.timezone)
        self.start, self.end = rules.effective.start, rules.effective.end
        if calendars is None:
            calendars = {
                c.name: BusinessCalendar.from_rules(c, c.timezone) for c in rules.calendars if c.region is None
            }
        self.calendars = calendars
        self.duties = {d.name: d for d in rules.duties}
        self.targets = {t.name: t for t in rules.service_targets}

    # ------------------------------------------------------------ instants
    def midnight(self, day: dt.date) -> int:
        """The first instant of a local date in the contract's timezone."""
        local = dt.datetime(day.year, day.month, day.day)
        return int(local.replace(tzinfo=self.tz).timestamp())

    def local_date(self, t: int) -> dt.date:
        return dt.datetime.fromtimestamp(t, self.tz).date()

    def format(self, t: int) -> str:
        return dt.datetime.fromtimestamp(t, self.tz).isoformat()

    def names(self) -> list[str]:
        return list(self.duties) + list(self.targets)

    # ------------------------------------------------------------ periods
    def duty_periods(self, d: Duty) -> list[Period]:
        c = d.cadence
        if c is None:
            return periods(self.start, self.end, None)
        return periods(self.start, self.end, c.kind, c.count, c.unit, c.period)

    def target_periods(self, t: ServiceTarget) -> list[Period]:
        return periods(self.start, self.end, "times", 1, period=t.period)

    def due_of(self, d: Duty, p: Period) -> tuple[int, bool]:
        """(due instant, no working time): the end of the period's last day,
        or with `on CAL` the end of CAL's last working interval ending within
        the period."""
        end = self.midnight(p.end + dt.timedelta(days=1))
        if d.calendar is None:
            return end, False
        cal = self.calendars[d.calendar]
        lo = self.midnight(p.start)
        try:
            spans = cal.intervals(max(lo, cal.lo), min(end, cal.hi)) if lo < cal.hi and end > cal.lo else []
        except CalendarRangeError:
            spans = []
        if not spans:
            return end, True
        return spans[-1][1], False

    # ------------------------------------------------------------ judging
    def judge(self, records: list[Record], at: int) -> tuple[list[DutyResult], list[TargetResult]]:
        """Every duty's and target's periods with their status at `at`.
        `records` are the rows that count (in file order; one per name and
        date for duties — see `evidence.read_evidence`)."""
        by_name: dict[str, list[Record]] = {}
        for r in records:
            by_name.setdefault(r.name, []).append(r)
        duties = [self._duty(d, by_name.get(d.name, []), at) for d in self.rules.duties]
        targets = [self._target(t, by_name.get(t.name, []), at) for t in self.rules.service_targets]
        return duties, targets

    def _duty(self, d: Duty, records: list[Record], at: int) -> DutyResult:
        out = []
        first_by_day: dict[dt.date, Record] = {}
        for r in sorted(records, key=lambda r: (r.day, r.line)):
            first_by_day.setdefault(r.day, r)
        days = sorted(first_by_day)
        for p in self.duty_periods(d):
            due, none = self.due_of(d, p)
            due_date = self.local_date(due - 1)
            dp = DutyPeriod(p, due, due_date, none)
            for day in days:
                if p.start <= day <= p.end:
                    (dp.on_time if day <= due_date else dp.late).append(first_by_day[day])
            dp.status = self._duty_status(dp, at)
            out.append(dp)
        return DutyResult(d, out)

    def _duty_status(self, dp: DutyPeriod, at: int) -> str:
        p = dp.period
        if self.midnight(p.start) > at:
            return "upcoming"
        if len(dp.on_time) >= p.required:
            return "done"
        if dp.performed >= p.required:
            return "late"
        if dp.due <= at:
            return "overdue"
        return "due"

    def _target(self, t: ServiceTarget, records: list[Record], at: int) -> TargetResult:
        out = []
        ordered = sorted(records, key=lambda r: (r.day, r.line))
        for p in self.target_periods(t):
            ends = self.midnight(p.end + dt.timedelta(days=1))
            tp = TargetPeriod(p, ends)
            inside = [r for r in ordered if p.start <= r.day <= p.end]
            if self.midnight(p.start) > at:
                tp.status = "upcoming"
            elif inside:
                tp.measurement = inside[-1]
                assert tp.measurement.value is not None  # the reader gives every target row its value
                tp.status = "met" if met(t, tp.measurement.value) else "missed"
            else:
                tp.status = "overdue" if ends <= at else "due"
            out.append(tp)
        return TargetResult(t, out)


def summary(duties: list[DutyResult], targets: list[TargetResult]) -> dict[str, dict[str, int]]:
    """Counts of periods per status: `{"duties": {...}, "targets": {...}}`."""
    ds = {s: 0 for s in DUTY_STATUSES}
    for d in duties:
        for p in d.periods:
            ds[p.status] += 1
    ts = {s: 0 for s in TARGET_STATUSES}
    for t in targets:
        for q in t.periods:
            ts[q.status] += 1
    return {"duties": ds, "targets": ts}
