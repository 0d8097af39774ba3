"""The contract model: what a `.sla` file means, resolved and validated.

Lowering (slalang/lower/) builds these pydantic models from the AST once
every name is resolved and every range checked; backends (letter, rules,
diff, lint) read only this. Durations are integer seconds plus the clock they
run on; percentages and money are `Decimal`. Each node that becomes an
enforceable rule, or that a diagnostic may point at, records the `span` of
source text it came from (`SourceSpan`: offsets and 1-based line/column)."""

import datetime as dt
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from slalang.terms import WEEKDAYS  # noqa: F401  (re-exported as model.WEEKDAYS)

Period = Literal["month", "quarter", "year"]
Clock = Literal["wall", "business"]
MetricName = Literal["response", "resolution"]
LevelName = Literal["yellow", "orange", "red"]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


class SourceSpan(_Model):
    """Where a model object was written: character offsets [start, end) and
    1-based line and column of both ends (columns count characters).

    Where a value was written is not part of what it means: any two spans
    compare equal (and hash alike), so two models are equal exactly when
    they mean the same — the formatter's meaning check and the semantic diff
    rely on it. Compare `.start`/`.line` explicitly to compare positions."""

    start: int
    end: int
    line: int
    column: int
    end_line: int
    end_column: int

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SourceSpan)

    def __hash__(self) -> int:
        return 0


class _Located(_Model):
    # Where, not what: left out of model_dump, so a model read back from JSON
    # has no positions (lowering always sets them).
    span: SourceSpan | None = Field(default=None, exclude=True)

    @property
    def line(self) -> int:
        """The source line the object starts on (rule files record it); 0 if unknown."""
        return self.span.line if self.span is not None else 0


class Segment(_Model):
    """A piece of a text: literal words, or a reference to a contract value."""

    text: str | None = None
    ref: str | None = None


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
    of business time (unit bh), on the calendar named by the context.
    A business duration has no size in seconds: compare targets with
    slalang/targets.py and read measures with slalang/durations.py."""

    spelling: str
    clock: Clock
    seconds: int
    days: int = 0
    calendar_days: int = 0  # wall clock: the count of `d` units (each the same local time a day later); `seconds` includes them as 86,400 each


class Money(_Model):
    amount: Decimal
    currency: str


class Amount(_Model):
    """A credit amount: a percentage of a base (the product's monthly fee, or
    the charges billed for the product or resource in the period), or money."""

    percent: Decimal | None = None
    base: Literal["monthly_fee", "charges"] | None = None
    money: Money | None = None


class CalendarSpan(_Model):
    count: int
    unit: Literal["day", "week", "month", "year"]


class Party(_Model):
    span: SourceSpan | None = Field(default=None, exclude=True)
    name: Text
    credentials: tuple[Text, ...] = ()
    address: Text | None = None
    contact: Text | None = None


class Region(_Model):
    span: SourceSpan | None = Field(default=None, exclude=True)
    name: str
    title: Text


class Product(_Model):
    span: SourceSpan | None = Field(default=None, exclude=True)
    name: str
    title: Text
    fee: Money | None = None
    fee_period: Period | None = None


class Service(_Model):
    span: SourceSpan | None = Field(default=None, exclude=True)
    name: str
    title: Text


class Plan(_Model):
    """A subscription tier (Standard, Premium…): matrix columns can go by it."""

    span: SourceSpan | None = Field(default=None, exclude=True)
    name: str
    title: Text


class Flag(_Model):
    """A yes/no attribute of a ticket (e.g. 24×7 handling requested) that a
    conditional matrix row (`p1 when NAME …`) depends on."""

    span: SourceSpan | None = Field(default=None, exclude=True)
    name: str
    title: Text


class Scope(_Model):
    span: SourceSpan | None = Field(default=None, exclude=True)
    regions: tuple[Region, ...] = ()
    products: tuple[Product, ...] = ()
    services: tuple[Service, ...] = ()
    plans: tuple[Plan, ...] = ()
    flags: tuple[Flag, ...] = ()


class WeeklyWindow(_Model):
    """Working time on one weekday (0 = Monday), minutes after midnight."""

    weekday: int
    start_minute: int
    end_minute: int


class DatedNote(_Model):
    span: SourceSpan | None = Field(default=None, exclude=True)
    date: dt.date
    note: Text | None = None


class Schedule(_Located):
    """A year's official holidays and make-up working days, supplied in the
    contract for a year its holiday set has no data for yet (`year 2027
    "<notice>" { … }`), with the notice they come from."""

    year: int
    source: Text
    holidays: tuple[DatedNote, ...] = ()  # one per day, ranges expanded
    workdays: tuple[DatedNote, ...] = ()


class Calendar(_Located):
    name: str
    title: Text
    hours: tuple[WeeklyWindow, ...]  # sorted by (weekday, start), merged
    holiday_sets: tuple[str, ...] = ()
    extra_holidays: tuple[DatedNote, ...] = ()
    extra_workdays: tuple[DatedNote, ...] = ()
    schedules: tuple[Schedule, ...] = ()  # by year
    timezone: str | None = None  # its hours are local times there; None: the contract's
    region: str | None = None  # set on the variants of a regional calendar
    variants: tuple["Calendar", ...] = ()  # a regional calendar: one per region (then no hours of its own)


class Priority(_Model):
    span: SourceSpan | None = Field(default=None, exclude=True)
    name: str
    rank: int  # 0 is the most severe
    title: Text
    definitions: tuple[Text, ...] = ()


class Column(_Model):
    """How a ticket falls into a matrix column: its clock starts inside a
    calendar's working time, outside all the calendar columns (`off_hours`),
    always (`any`), by the ticket's region, or by its plan (`plan`). A
    qualified column `PLAN.WINDOW` (`plan` set) takes only tickets of that
    plan. `name` is the column as written; `calendar` the calendar of a
    `calendar` column."""

    name: str
    kind: Literal["calendar", "off_hours", "any", "region", "plan"]
    plan: str | None = None
    calendar: str | None = None


class Target(_Located):
    priority: str
    column: str
    duration: Duration | None  # None: no commitment (`-`)
    strict: bool = False  # `<1h`: met only strictly before the due instant
    when: str | None = None  # a conditional row: applies to tickets with this flag


class Matrix(_Located):
    metric: MetricName
    title: Text
    clock: str | None = None  # calendar that `bh`/`bd` count on
    columns: tuple[Column, ...]
    targets: tuple[Target, ...]  # priority order, the plain row then conditional rows in source order, column order
    start: str | None = None  # the ticket instant the clock starts at (`from NAME`); None: opened_at
    start_title: Text | None = None
    confirm: Text | None = None  # what the provider confirms to the customer at this milestone

    __slots__ = ("_cells",)  # an index built on first use, outside the fields (so == and hash ignore it)

    def cell(self, priority: str, column: str, when: str | None = None) -> Duration | None:
        index: dict[tuple[str, str, str | None], Duration | None] | None = getattr(self, "_cells", None)
        if index is None:
            index = {(t.priority, t.column, t.when): t.duration for t in self.targets}
            object.__setattr__(self, "_cells", index)
        try:
            return index[(priority, column, when)]
        except KeyError:
            raise KeyError((priority, column, when)) from None

    def conditions(self, priority: str) -> tuple[str, ...]:
        """The flags of `priority`'s conditional rows, in source order."""
        return tuple(dict.fromkeys(t.when for t in self.targets if t.priority == priority and t.when is not None))


class UpdateRule(_Located):
    priority: str
    every: Duration
    column: str | None = None  # None: every column (the `p1 every 30m` form)


class Updates(_Located):
    title: Text
    clock: str | None = None  # calendar that `bh`/`bd` cadences count on
    columns: tuple[Column, ...] = ()  # empty: one cadence per priority, in every column
    rules: tuple[UpdateRule, ...]


class Followup(_Located):
    title: Text
    within: Duration


class Pauses(_Located):
    """`pauses "<the periods>"`: a ticket's pause intervals (e.g. waiting on
    the customer) stop its target and update clocks. `when` says what the
    periods are, for the letter."""

    when: Text


class AvailabilityTarget(_Located):
    """`availability PRODUCT PERCENT per PERIOD { … }`: measured per product,
    or per resource of kind `resource` (`per instance`); downtime counted in
    exact seconds or per started/full minute of each outage, outages shorter
    than `ignore_under` (at most, if `ignore_inclusive`) not counted; or by
    request buckets of `bucket` length, down when the error rate is above
    `bucket_error_percent`; over the whole period or the eligible time."""

    product: str
    percent: Decimal
    period: Period
    resource: str | None = None
    counting: Literal["second", "started_minute", "full_minute"] = "second"
    ignore_under: Duration | None = None
    ignore_inclusive: bool = False
    bucket: Duration | None = None
    bucket_error_percent: Decimal | None = None
    denominator: Literal["whole_period", "eligible_time"] = "whole_period"


class Monitor(_Located):
    """`monitor "…"` in `warnings`: the monitoring the provider runs."""

    tool: Text


class WarningLevel(_Located):
    level: LevelName
    percent: Decimal  # of the target elapsed


class StepRule(_Located):
    mode: Literal["started", "full"]
    every: Duration
    amount: Amount


class TierRule(_Located):
    below: Decimal
    amount: Amount


class CreditForm(_Located):
    """How a credit is given (`form voucher "…"`), with its restriction."""

    kind: Literal["service_credit", "voucher", "refund", "cash"]
    restriction: Text | None = None


class CreditLadder(_Located):
    name: str
    title: Text
    metric: Literal["response", "resolution", "availability"]
    products: tuple[str, ...] = ()  # `on … of A, B`; empty: every product (with a target, for availability)
    step: StepRule | None = None
    tiers: tuple[TierRule, ...] = ()  # highest threshold first
    minimum: Amount | None = None
    cap: Amount | None = None
    form: CreditForm | None = None


class ClaimSpan(_Model):
    """A claim window's length: `60d` (days), `10bd` (business days on the
    claim's calendar), `2 months` (calendar months)."""

    count: int
    unit: Literal["days", "business_days", "months"]
    spelling: str


class Claim(_Located):
    """`claim [from SPAN] within SPAN after ANCHOR [on CALENDAR]`."""

    within: ClaimSpan
    opens: ClaimSpan | None = None
    after: Literal["month_end", "breach", "report"]
    calendar: str | None = None


class CreditPolicy(_Located):
    cap: Amount | None = None
    cap_period: Period | None = None
    form: CreditForm | None = None
    combine: Literal["sum", "highest"] | None = None
    partial_periods: Literal["prorated", "full_fee"] = "prorated"
    claim: Claim | None = None
    rounding: Literal["half_up", "half_even", "down", "up"] | None = None
    quantum: Decimal = Decimal("0.01")
    rounding_scope: Literal["line", "total"] | None = None


class ForceMajeure(_Located):
    events: Text
    notify_within: Duration | None = None


class Maintenance(_Located):
    notice: Duration | None = None
    max: Duration | None = None
    max_period: Period | None = None
    windows: tuple[WeeklyWindow, ...] = ()


class CustomerCaused(_Located):
    text: Text | None = None


class OtherExclusion(_Located):
    name: str
    text: Text


class Exclusions(_Model):
    span: SourceSpan | None = Field(default=None, exclude=True)
    force_majeure: ForceMajeure | None = None
    maintenance: Maintenance | None = None
    customer_caused: CustomerCaused | None = None
    others: tuple[OtherExclusion, ...] = ()

    @property
    def codes(self) -> list[str]:
        codes = [
            c
            for c, v in (
                ("force_majeure", self.force_majeure),
                ("maintenance", self.maintenance),
                ("customer_caused", self.customer_caused),
            )
            if v is not None
        ]
        return codes + [o.name for o in self.others]


class Audit(_Model):
    span: SourceSpan | None = Field(default=None, exclude=True)
    every: CalendarSpan
    by: Literal["third_party", "customer", "provider"]


class Reporting(_Model):
    span: SourceSpan | None = Field(default=None, exclude=True)
    reports: tuple[Literal["daily", "weekly", "monthly", "quarterly", "yearly"], ...] = ()
    metrics: tuple[str, ...] = ()
    retention: CalendarSpan | None = None
    audit: Audit | None = None


class Disputes(_Model):
    span: SourceSpan | None = Field(default=None, exclude=True)
    law: Text | None = None
    forum: Literal["arbitration", "court"] | None = None
    forum_name: Text | None = None
    seat: Text | None = None


class Cadence(_Located):
    """How often a duty recurs: `every 3 months` (consecutive periods from
    the term's first day) or `2 times per year` (calendar periods, that many
    performances on distinct dates in each). slalang/cadence.py cuts them."""

    kind: Literal["every", "times"]
    count: int  # every: N units; times: N performances per period
    unit: Literal["day", "week", "month", "year"] | None = None  # every
    period: Period | None = None  # times


class Duty(_Located):
    """A recurring duty (`duty NAME "…" every 3 months by third_party { evidence "…" }`),
    at top level or in `continuity`, `security` or `reporting` (its section)."""

    name: str
    title: Text
    section: Literal["continuity", "security", "reporting", "general"]
    cadence: Cadence | None = None  # None: once within the term
    # Who performs it; not written: the Provider (the letter says so).
    performer: Literal["provider", "customer", "third_party", "named"] = "provider"
    performer_written: bool = False
    performer_title: Text | None = None  # performer "named": the `by "…"` text
    evidence: Text | None = None  # what is delivered as proof of each performance
    calendar: str | None = None  # `on CAL`: due at the close of the period's last working time on CAL


class Continuity(_Located):
    title: Text
    standby: Text | None = None
    rto: Duration | None = None  # recovery time objective (wall clock)
    rpo: Duration | None = None  # recovery point objective (wall clock)


class Security(_Located):
    title: Text
    standards: tuple[Text, ...] = ()
    encrypted: tuple[Text, ...] = ()  # what is stored encrypted
    access: tuple[Text, ...] = ()  # the access model


class ServiceTarget(_Located):
    """A measured service target beyond time (`target nps "…" at least 75 per quarter`)."""

    name: str
    title: Text
    bound: Literal["at_least", "at_most"]
    value: Decimal
    percent: bool = False  # written as a percentage (`0.5%`)
    period: Period
    method: Text | None = None  # how it is measured


class Clause(_Located):
    name: str | None = None
    title: Text
    paragraphs: tuple[Text, ...]


class Value(_Model):
    """A contract value that a text can quote as `{path}`."""

    kind: Literal["duration", "percent", "money", "date", "text", "span"]
    duration: Duration | None = None
    strict: bool = False  # a strict matrix cell (`<1h`): quoted as "less than 1 hour"
    percent: Decimal | None = None
    money: Money | None = None
    date: dt.date | None = None
    text: Text | None = None
    span: CalendarSpan | None = None


class Contract(_Model):
    id: str
    version: str
    title: Text
    languages: tuple[str, ...]
    prevailing: str | None  # None: `prevailing none`, both texts equally authentic
    kind: Literal["commitment_letter", "availability_sla", "support_policy"] = "commitment_letter"
    kind_written: bool = False  # the contract says its kind (`kind …`); else inferred from its content
    # Where the header statements the letter renders were written (for its `data-line`s).
    timezone_span: SourceSpan | None = Field(default=None, exclude=True)
    languages_span: SourceSpan | None = Field(default=None, exclude=True)
    prevailing_span: SourceSpan | None = Field(default=None, exclude=True)
    version_label: Text | None = None  # `version_label "…" | "…"`: the version as each language names it
    version_label_span: SourceSpan | None = Field(default=None, exclude=True)
    effective_start: dt.date
    effective_end: dt.date
    timezone: str
    currency: str
    provider: Party
    customer: Party
    scope: Scope = Field(default_factory=Scope)
    calendars: tuple[Calendar, ...] = ()
    priorities: tuple[Priority, ...] = ()
    response: Matrix | None = None
    resolution: Matrix | None = None
    updates: Updates | None = None
    followup: Followup | None = None
    pauses: Pauses | None = None
    availability: tuple[AvailabilityTarget, ...] = ()
    warnings: tuple[WarningLevel, ...] = ()
    monitor: Monitor | None = None
    credit_ladders: tuple[CreditLadder, ...] = ()
    credits: CreditPolicy | None = None
    exclusions: Exclusions | None = None
    reporting: Reporting | None = None
    disputes: Disputes | None = None
    continuity: Continuity | None = None
    security: Security | None = None
    duties: tuple[Duty, ...] = ()  # every section's, in source order
    service_targets: tuple[ServiceTarget, ...] = ()
    clauses: tuple[Clause, ...] = ()
    values: dict[str, Value] = Field(default_factory=dict)

    def calendar(self, name: str) -> Calendar:
        return next(c for c in self.calendars if c.name == name)

    def product(self, name: str) -> Product:
        return next(p for p in self.scope.products if p.name == name)

    def priority(self, name: str) -> Priority:
        return next(p for p in self.priorities if p.name == name)

    def matrix(self, metric: str) -> Matrix | None:
        return self.response if metric == "response" else self.resolution if metric == "resolution" else None
