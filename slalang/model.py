"""The contract model: what a `.sla` file means, resolved and validated.

Lowering (slalang/lower.py) builds these pydantic models from the AST once
every name is resolved and every range checked; backends (letter, rules,
diff, lint) read only this. Durations are integer seconds plus the clock they
run on; percentages and money are `Decimal`. Each node that becomes an
enforceable rule records the source `line` it came from."""



import datetime as dt
from decimal import Decimal
from typing import Literal, Optional

from pydantic import BaseModel, ConfigDict, Field

Period = Literal["month", "quarter", "year"]
Clock = Literal["wall", "business"]
MetricName = Literal["response", "resolution"]
LevelName = Literal["yellow", "orange", "red"]
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


class Segment(_Model):
    """A piece of a text: literal words, or a reference to a contract value."""

    text: Optional[str] = None
    ref: Optional[str] = None


class Text(_Model):
    """One text in every declared language (`values["zh"]`, `values["en"]`)."""

    values: dict[str, str]
    segments: dict[str, tuple[Segment, ...]]

    def __getitem__(self, lang: str) -> str:
        return self.values[lang]

    @property
    def refs(self) -> list[str]:
        return sorted({s.ref for segs in self.segments.values() for s in segs if s.ref})


class Duration(_Model):
    """A span of time as written (`spelling`) and as counted.

    `clock="wall"`: `seconds` of elapsed time (units m, h, d).
    `clock="business"`: `days` whole business days (unit bd), then `seconds`
    of business time (unit bh), on the calendar named by the context."""

    spelling: str
    clock: Clock
    seconds: int
    days: int = 0

    def nominal_seconds(self, business_day_seconds: int) -> int:
        """A comparable size: business days count as `business_day_seconds`."""
        return self.days * business_day_seconds + self.seconds


class Money(_Model):
    amount: Decimal
    currency: str


class Amount(_Model):
    """A credit amount: a percentage of the product's monthly fee, or money."""

    percent: Optional[Decimal] = None
    base: Optional[Literal["monthly_fee"]] = None
    money: Optional[Money] = None


class CalendarSpan(_Model):
    count: int
    unit: Literal["day", "week", "month", "year"]


class Party(_Model):
    name: Text
    credentials: tuple[Text, ...] = ()
    address: Optional[Text] = None
    contact: Optional[Text] = None


class Region(_Model):
    name: str
    title: Text


class Product(_Model):
    name: str
    title: Text
    fee: Optional[Money] = None
    fee_period: Optional[Period] = None


class Service(_Model):
    name: str
    title: Text


class Scope(_Model):
    regions: tuple[Region, ...] = ()
    products: tuple[Product, ...] = ()
    services: tuple[Service, ...] = ()


class WeeklyWindow(_Model):
    """Working time on one weekday (0 = Monday), minutes after midnight."""

    weekday: int
    start_minute: int
    end_minute: int


class DatedNote(_Model):
    date: dt.date
    note: Optional[Text] = None


class Calendar(_Model):
    name: str
    title: Text
    hours: tuple[WeeklyWindow, ...]  # sorted by (weekday, start), merged
    holiday_sets: tuple[str, ...] = ()
    extra_holidays: tuple[DatedNote, ...] = ()
    extra_workdays: tuple[DatedNote, ...] = ()
    line: int

    @property
    def longest_day_seconds(self) -> int:
        per_day: dict[int, int] = {}
        for w in self.hours:
            per_day[w.weekday] = per_day.get(w.weekday, 0) + (w.end_minute - w.start_minute) * 60
        return max(per_day.values(), default=0)


class Priority(_Model):
    name: str
    rank: int  # 0 is the most severe
    title: Text
    definitions: tuple[Text, ...] = ()


class Column(_Model):
    """How a ticket falls into a matrix column: opened inside a calendar's
    working time, outside all the calendar columns (`off_hours`), always
    (`any`), or by the ticket's region."""

    name: str
    kind: Literal["calendar", "off_hours", "any", "region"]


class Target(_Model):
    priority: str
    column: str
    duration: Optional[Duration]  # None: no commitment (`-`)
    line: int


class Matrix(_Model):
    metric: MetricName
    title: Text
    clock: Optional[str] = None  # calendar that `bh`/`bd` count on
    columns: tuple[Column, ...]
    targets: tuple[Target, ...]  # priority order, then column order
    line: int

    def cell(self, priority: str, column: str) -> Optional[Duration]:
        for t in self.targets:
            if t.priority == priority and t.column == column:
                return t.duration
        raise KeyError((priority, column))


class UpdateRule(_Model):
    priority: str
    every: Duration
    line: int


class Updates(_Model):
    title: Text
    clock: Optional[str] = None
    rules: tuple[UpdateRule, ...]
    line: int


class Followup(_Model):
    title: Text
    within: Duration
    line: int


class AvailabilityTarget(_Model):
    product: str
    percent: Decimal
    period: Period
    line: int


class WarningLevel(_Model):
    level: LevelName
    percent: Decimal  # of the target elapsed
    line: int


class StepRule(_Model):
    mode: Literal["started", "full"]
    every: Duration
    amount: Amount
    line: int


class TierRule(_Model):
    below: Decimal
    amount: Amount
    line: int


class CreditLadder(_Model):
    name: str
    title: Text
    metric: Literal["response", "resolution", "availability"]
    step: Optional[StepRule] = None
    tiers: tuple[TierRule, ...] = ()  # highest threshold first
    cap: Optional[Amount] = None
    line: int


class CreditPolicy(_Model):
    cap: Optional[Amount] = None
    cap_period: Optional[Period] = None
    form: Optional[Literal["service_credit", "refund", "cash"]] = None
    claim_within: Optional[Duration] = None
    claim_after: Optional[Literal["month_end", "breach", "report"]] = None
    rounding: Literal["half_up", "half_even", "down", "up"] = "half_up"
    quantum: Decimal = Decimal("0.01")
    line: int


class ForceMajeure(_Model):
    events: Text
    notify_within: Optional[Duration] = None
    line: int


class Maintenance(_Model):
    notice: Optional[Duration] = None
    max: Optional[Duration] = None
    max_period: Optional[Period] = None
    windows: tuple[WeeklyWindow, ...] = ()
    line: int


class CustomerCaused(_Model):
    text: Optional[Text] = None
    line: int


class OtherExclusion(_Model):
    name: str
    text: Text
    line: int


class Exclusions(_Model):
    force_majeure: Optional[ForceMajeure] = None
    maintenance: Optional[Maintenance] = None
    customer_caused: Optional[CustomerCaused] = None
    others: tuple[OtherExclusion, ...] = ()

    @property
    def codes(self) -> list[str]:
        codes = [c for c, v in (("force_majeure", self.force_majeure), ("maintenance", self.maintenance),
                                ("customer_caused", self.customer_caused)) if v is not None]
        return codes + [o.name for o in self.others]


class Audit(_Model):
    every: CalendarSpan
    by: Literal["third_party", "customer", "provider"]


class Reporting(_Model):
    reports: tuple[Literal["daily", "weekly", "monthly", "quarterly", "yearly"], ...] = ()
    metrics: tuple[str, ...] = ()
    retention: Optional[CalendarSpan] = None
    audit: Optional[Audit] = None


class Disputes(_Model):
    law: Optional[Text] = None
    forum: Optional[Literal["arbitration", "court"]] = None
    forum_name: Optional[Text] = None
    seat: Optional[Text] = None


class Clause(_Model):
    name: Optional[str] = None
    title: Text
    paragraphs: tuple[Text, ...]
    line: int


class Value(_Model):
    """A contract value that a text can quote as `{path}`."""

    kind: Literal["duration", "percent", "money", "date", "text", "span"]
    duration: Optional[Duration] = None
    percent: Optional[Decimal] = None
    money: Optional[Money] = None
    date: Optional[dt.date] = None
    text: Optional[Text] = None
    span: Optional[CalendarSpan] = None


class Contract(_Model):
    id: str
    version: str
    title: Text
    languages: tuple[str, ...]
    prevailing: str
    effective_start: dt.date
    effective_end: dt.date
    timezone: str
    currency: str
    provider: Party
    customer: Party
    scope: Scope = Field(default_factory=Scope)
    calendars: tuple[Calendar, ...] = ()
    priorities: tuple[Priority, ...] = ()
    response: Optional[Matrix] = None
    resolution: Optional[Matrix] = None
    updates: Optional[Updates] = None
    followup: Optional[Followup] = None
    availability: tuple[AvailabilityTarget, ...] = ()
    warnings: tuple[WarningLevel, ...] = ()
    credit_ladders: tuple[CreditLadder, ...] = ()
    credits: Optional[CreditPolicy] = None
    exclusions: Optional[Exclusions] = None
    reporting: Optional[Reporting] = None
    disputes: Optional[Disputes] = None
    clauses: tuple[Clause, ...] = ()
    values: dict[str, Value] = Field(default_factory=dict)

    def calendar(self, name: str) -> Calendar:
        return next(c for c in self.calendars if c.name == name)

    def product(self, name: str) -> Product:
        return next(p for p in self.scope.products if p.name == name)

    def priority(self, name: str) -> Priority:
        return next(p for p in self.priorities if p.name == name)

    def matrix(self, metric: str) -> Optional[Matrix]:
        return self.response if metric == "response" else self.resolution if metric == "resolution" else None
