"""The rule schema: the shape of a compiled rule file (`slalang.rules/v4`).

A rule file is what an engineer loads to enforce a contract: calendars
expanded to dates, targets in integer seconds, money and percentages as
decimal strings, and for each rule the source line it came from. These
pydantic models are the single definition of that shape: the compiler
(slalang/rules) fills them from the contract model, `schema/rules-v4.json`
is generated from them, and the runtime (slalang/runtime) reads only them.
This module must never import the parser or the contract model, so that the
runtime stays usable without the compiler.

The errors a loader raises live here too (`RulesError` and its kinds), so
every consumer of rule files (runtime, `slalang extract-rules`) reports the
same problems in the same words."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from slalang.terms import ID_PATTERN, MAX_ID, VERSION_PATTERN, WEEKDAYS

SCHEMA_ID = "slalang.rules/v4"
SCHEMA_URL = "urn:slalang:schema:rules-v4"  # an identifier, not a download location
# Refused with "rebuild it with slalang build", never read (v3: before duties,
# service targets, continuity and security).
OLD_SCHEMA_IDS = ("slalang.rules/v1", "slalang.rules/v2", "slalang.rules/v3")

# The ranges a rule file's values must lie in (docs/rules.md, "What the loader
# refuses"). A file slalang builds is always inside them: they bound the work
# and the arithmetic of the runtime on a file someone else made.
MAX_SECONDS = 366 * 86400  # a contract's durations are at most a year (slalang.durations.MAX_WALL_SECONDS)
MAX_DAYS = 366  # business or calendar days of one duration (slalang.durations.MAX_BUSINESS_DAYS)
FIRST_YEAR, LAST_YEAR = 1900, 2200  # the years a date of a rule file may name
MAX_SPAN_DAYS = 100 * 366  # the longest effective period or calendar coverage (the runtime expands it day by day)
MAX_NAME = 256  # characters of a name (calendar, priority, product, column, duty …)
MAX_TEXT = 4 * 1024 * 1024  # characters of any text (titles, notes, evidence): no more than a contract source holds
MAX_LINE = 10_000_000  # a source line number
MAX_COUNT = 10_000  # ranks, claim-window and cadence counts
MAX_ITEMS = 1_000  # entries of one list (calendars, priorities, products, columns, ladders, duties …)
MAX_TARGETS = 10_000  # matrix cells (targets, update rules)
MAX_WINDOWS = 7 * 24 * 60  # working-hour windows of one week (one a minute at most)
MAX_CALENDAR_DAYS = 200 * 366  # days all calendars cover together (the runtime expands each day; ~0.5 s)

# Exact decimal numbers travel as strings: a JSON float cannot hold 99.95 or
# 120000.00 exactly, and money must never pass through binary floating point.
# Each has a bounded number of digits (a contract's numbers have at most 12
# before the point and 20 characters in all), so no arithmetic on them overflows.
DecimalStr = Annotated[str, Field(pattern=r"^-?[0-9]{1,15}(\.[0-9]{1,18})?$", examples=["99.95"])]
Percent = Annotated[
    str, Field(pattern=r"^(100(\.0{1,18})?|[0-9]{1,2}(\.[0-9]{1,18})?)$", examples=["99.95"], description="0 to 100")
]
Money = Annotated[str, Field(pattern=r"^[0-9]{1,15}(\.[0-9]{1,18})?$", examples=["120000.00"])]
Quantum = Annotated[
    str,
    Field(
        pattern=r"^(0\.0{0,17}1|1|10{1,11})$",
        examples=["0.01"],
        description="a power of ten, 0.000000000000000001 to 100000000000",
    ),
]
TimeOfDay = Annotated[str, Field(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$", examples=["09:00"])]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
Line = Annotated[int, Field(ge=1, le=MAX_LINE, description="line of the .sla source this rule came from")]
Seconds = Annotated[int, Field(ge=0, le=MAX_SECONDS)]
Days = Annotated[int, Field(ge=0, le=MAX_DAYS)]
Name = Annotated[str, Field(min_length=1, max_length=MAX_NAME)]
Count = Annotated[int, Field(ge=0, le=MAX_COUNT)]
TimeZone = Annotated[
    str, Field(pattern=r"^[A-Za-z0-9_+\-]{1,40}(/[A-Za-z0-9_+\-]{1,40}){0,2}$", examples=["Asia/Shanghai"])
]
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _refuse(kind: str, english: str, **ctx: Any) -> PydanticCustomError:
    """A validation error of a rule file, named `rules_<kind>`: the loader
    shows it through the catalogue key `rules.reason.<kind>` with `ctx`."""
    return PydanticCustomError("rules_" + kind, english, ctx)


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:39] + "…"


def _date(value: Any) -> dt.date:
    # Only `YYYY-MM-DD` (pydantic alone would take `0` as 1970-01-01), in the years the runtime reads.
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        day = value
    elif isinstance(value, str) and _DATE.fullmatch(value):
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            raise _refuse("date", "{value} is not a date written YYYY-MM-DD", value=_shown(value)) from None
    else:
        raise _refuse("date", "{value} is not a date written YYYY-MM-DD", value=_shown(value))
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise _refuse(
            "year", "{value} is outside the years {first} to {last}", value=str(day), first=FIRST_YEAR, last=LAST_YEAR
        )
    return day


Date = Annotated[dt.date, BeforeValidator(_date)]
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$", examples=["CNY"])]


def _check_duration(clock: str, days: int, seconds: int) -> None:
    # A target, cadence or follow-up of no time at all: the compiler refuses it (E0407); the runtime divides by it.
    if clock != "none" and days == 0 and seconds == 0:
        raise _refuse("zero_duration", "a duration of no time at all (days and seconds both 0)")


def _minutes(hhmm: str) -> int:
    return int(hhmm[:2]) * 60 + int(hhmm[3:])


def _check_span(start: dt.date, end: dt.date) -> None:
    if end < start:
        raise _refuse("span_reversed", "ends ({end}) before it starts ({start})", start=str(start), end=str(end))
    if (end - start).days > MAX_SPAN_DAYS:
        raise _refuse("span_long", "spans more than {days} days", days=MAX_SPAN_DAYS)


class Problem:
    """A runtime message as data, for a front end to show in its user's
    language: `key` names it in the catalogue (under `cli.runtime.`),
    `fields` fill it in, and `english` is the text `str()` gives (the
    runtime never imports the catalogue). A field may itself be a
    `Problem`, a list (of names, or of `Problem`s), an `OSError` or a
    `json.JSONDecodeError` (its reason) or a plain value shown as is."""

    __slots__ = ("key", "english", "fields")

    def __init__(self, key: str, english: str, **fields: Any) -> None:
        self.key, self.english, self.fields = key, english, fields

    def __str__(self) -> str:
        return self.english

    def __repr__(self) -> str:
        return f"Problem({self.key!r}, {self.english!r}, **{self.fields!r})"


class RulesError(Exception):
    """A rule file cannot be used. `kind` says why:
    `malformed` (not JSON/YAML, or not the shape of the schema),
    `version` (a schema identifier this slalang does not know),
    `checksum` (the content does not match its checksum: edited or damaged),
    `io` (the file cannot be read). `str(err)` is a complete sentence naming
    the file; `hint` says what to do. `key` and `fields` (and `hint_key`)
    name the same message in the catalogue (see `Problem`)."""

    def __init__(
        self,
        kind: str,
        message: str,
        hint: str | None = None,
        path: str | None = None,
        *,
        key: str | None = None,
        fields: dict[str, Any] | None = None,
        hint_key: str | None = None,
    ):
        self.kind, self.message, self.hint, self.path = kind, message, hint, path
        self.key, self.fields, self.hint_key = key, fields or {}, hint_key
        super().__init__(f"{path}: {message}" if path else message)


class _Rules(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_max_length=MAX_TEXT)


class ContractInfo(_Rules):
    # as the compiler allows (terms.ID_PATTERN): the id reaches file names,
    # calendar UIDs and terminals
    id: Annotated[str, Field(pattern=f"^{ID_PATTERN}$", max_length=MAX_ID)]
    version: Annotated[str, Field(pattern=f"^{VERSION_PATTERN}$", max_length=MAX_NAME)]
    title: dict[str, str]
    languages: Annotated[list[Literal["zh", "en"]], Field(min_length=1, max_length=2)]


class Effective(_Rules):
    start: Date
    end: Date = Field(description="last day of the contract, inclusive")

    @model_validator(mode="after")
    def _ordered(self) -> Effective:
        _check_span(self.start, self.end)
        return self


class WorkingHours(_Rules):
    """Working time on one weekday, local time in the calendar's timezone.
    `end` is exclusive; `24:00` is the end of the day."""

    day: Weekday
    start: TimeOfDay
    end: TimeOfDay

    @model_validator(mode="after")
    def _ordered(self) -> WorkingHours:
        if _minutes(self.start) >= _minutes(self.end):
            raise _refuse(
                "hours_reversed", "the hours {start}-{end} do not end after they start", start=self.start, end=self.end
            )
        return self


class HolidaySource(_Rules):
    set: str = Field(description="holiday set code as written in the contract, e.g. `cn`")
    source: str = Field(description="data source and version, e.g. `python-holidays 0.109`")


class Holiday(_Rules):
    date: Date
    name: str
    origin: str = Field(
        description="the holiday set code (e.g. `cn`), `contract` for a `holiday` line, or `schedule` for a "
        "day of a year's schedule the contract supplies (its notice is in the calendar's `holiday_sets`)"
    )


class Workday(_Rules):
    """A day that works although its weekday does not (a make-up working day),
    or that the contract declares working. It works with the hours of
    `hours_of`."""

    date: Date
    name: str
    origin: str
    hours_of: Weekday


class Calendar(_Rules):
    name: Name
    title: dict[str, str]
    hours: list[WorkingHours] = Field(max_length=MAX_WINDOWS, description="sorted by day, then start")
    holiday_sets: Annotated[list[HolidaySource], Field(max_length=MAX_ITEMS)]
    covers: Effective = Field(
        description="first and last day the calendar is defined for; a due time "
        "outside it is an error, never silently a normal week"
    )
    holidays: list[Holiday] = Field(
        max_length=MAX_SPAN_DAYS, description="non-working days inside `covers`, sorted by date"
    )
    workdays: list[Workday] = Field(
        max_length=MAX_SPAN_DAYS, description="extra working days inside `covers`, sorted by date"
    )
    timezone: TimeZone = Field(
        description="IANA timezone its hours and days are local to (the contract's unless written)"
    )
    region: Name | None = Field(
        description="set on each variant of a regional calendar: entries sharing `name` are one calendar, "
        "and the ticket's region chooses the variant"
    )
    line: Line

    @model_validator(mode="after")
    def _consistent(self) -> Calendar:
        # Sorted, not overlapping, and every dated day inside `covers`, once.
        cov = self.covers
        last: tuple[int, int] | None = None
        for w in self.hours:
            key = (WEEKDAYS.index(w.day), _minutes(w.start))
            if last is not None and (key < last or (key[0] == last[0] and key[1] < last[1])):
                raise _refuse("hours_order", "the hours of {day} overlap or are out of order", day=w.day)
            last = (key[0], _minutes(w.end))
        before: dt.date | None = None
        for h in self.holidays:
            if not cov.start <= h.date <= cov.end:
                raise _refuse("day_outside", "{date} is outside the days the calendar covers", date=str(h.date))
            if before is not None and h.date <= before:
                raise _refuse("days_order", "{date} is listed twice or out of order", date=str(h.date))
            before = h.date
        before = None
        off = {h.date for h in self.holidays}
        for wd in self.workdays:
            if not cov.start <= wd.date <= cov.end:
                raise _refuse("day_outside", "{date} is outside the days the calendar covers", date=str(wd.date))
            if (before is not None and wd.date <= before) or wd.date in off:
                raise _refuse("days_order", "{date} is listed twice or out of order", date=str(wd.date))
            before = wd.date
        return self


class Priority(_Rules):
    name: Name
    rank: int = Field(ge=0, le=MAX_COUNT, description="0 is the most severe")
    title: dict[str, str]


class Product(_Rules):
    name: Name
    title: dict[str, str]
    monthly_fee: Money | None = Field(
        description="fee per month in the contract currency; a quarterly or yearly fee is divided by 3 or 12"
    )


class Region(_Rules):
    name: Name
    title: dict[str, str]


class Plan(_Rules):
    name: Name
    title: dict[str, str]


class Flag(_Rules):
    """A yes/no ticket attribute: the input has a column of this name."""

    name: Name
    title: dict[str, str]


class Column(_Rules):
    """How a ticket falls into a column, decided at the instant its clock
    starts; the first column that takes it wins. A column with `plan` set
    takes only tickets of that plan; then by `kind`: `calendar` — the
    instant is inside `calendar`'s working time (the ticket region's variant
    of a regional calendar); `off_hours` — no earlier column of the same plan
    took it; `any`, `plan` — every ticket (of the plan); `region` — the
    ticket's region is `region`."""

    name: Name
    kind: Literal["calendar", "off_hours", "any", "region", "plan"]
    calendar: Name | None = None
    region: Name | None = None
    plan: Name | None = None


class Metric(_Rules):
    name: Literal["response", "resolution"]
    title: dict[str, str]
    calendar: Name | None = Field(description="the calendar `bh`/`bd` targets count on")
    columns: Annotated[list[Column], Field(max_length=MAX_ITEMS)]
    start: Name = Field(description="the ticket instant column the clock starts at (`opened_at` unless written)")
    start_title: dict[str, str] | None = Field(description="what the start instant is, per language (`from`)")
    line: Line


class Target(_Rules):
    """One cell of a matrix. `clock: wall` — `days` calendar days (the same
    local clock time that many days later), then `seconds` of elapsed time;
    `clock: business` — `days` business days then `seconds` business seconds
    on `calendar`; `clock: none` — no commitment (`-`). `strict`: met only
    strictly before the due instant (`<1h`); otherwise at or before it.
    `when`: a conditional row, for tickets with that flag (the first such row
    of the priority, in order, whose flag the ticket has; else the row with
    `when` null)."""

    metric: Literal["response", "resolution"]
    priority: Name
    column: Name
    clock: Literal["wall", "business", "none"]
    calendar: Name | None
    days: Days
    seconds: Seconds
    strict: bool
    when: Name | None
    spelling: str = Field(description="as written in the contract, e.g. `1bd4bh`")
    line: Line

    @model_validator(mode="after")
    def _some_time(self) -> Target:
        _check_duration(self.clock, self.days, self.seconds)
        return self


class UpdateRule(_Rules):
    """A progress-update cadence: `column` null applies in every column.
    Clock, calendar, days and seconds as in `Target`."""

    priority: Name
    column: Name | None
    clock: Literal["wall", "business"]
    calendar: Name | None
    days: Days
    seconds: Seconds
    spelling: str
    line: Line

    @model_validator(mode="after")
    def _some_time(self) -> UpdateRule:
        _check_duration(self.clock, self.days, self.seconds)
        return self


class Updates(_Rules):
    """Progress updates: due every cadence from the first response until
    resolution; pauses (waiting on the customer) stop the cadence's clock."""

    calendar: Name | None = Field(description="the calendar `bh`/`bd` cadences count on")
    columns: list[Column] = Field(max_length=MAX_ITEMS, description="empty: one cadence per priority, in every column")
    rules: Annotated[list[UpdateRule], Field(max_length=MAX_TARGETS)]
    line: Line


class Followup(_Rules):
    """The follow-up call: `days` calendar days then `seconds` after resolution."""

    days: Days
    seconds: Seconds
    spelling: str
    line: Line

    @model_validator(mode="after")
    def _some_time(self) -> Followup:
        _check_duration("wall", self.days, self.seconds)
        return self


class Pauses(_Rules):
    """The contract stops its ticket clocks (targets and progress updates)
    during a ticket's pause intervals; `when` says what they are."""

    when: dict[str, str]
    line: Line


class AvailabilityTarget(_Rules):
    """An availability target, measured over each period cut by the term.
    `resource`: measured per resource of that kind (downtime rows name it),
    null: per product. `counting`: each outage's length in exact seconds, or
    rounded up (`started_minute`) or down (`full_minute`) to whole minutes,
    after outages shorter than `ignore_under_seconds` (at most, when
    `ignore_inclusive`) are dropped. `bucket_seconds`: request based — the
    period is cut into intervals of that length from local midnight, each down
    when failed requests exceed `bucket_error_percent` of requests.
    `denominator`: `whole_period` (the period's seconds inside the term) or
    `eligible_time` (that, less excluded time and allowed maintenance)."""

    product: Name
    percent: Percent
    period: Literal["month", "quarter", "year"]
    resource: Name | None
    counting: Literal["second", "started_minute", "full_minute"]
    ignore_under_seconds: Annotated[int, Field(ge=1, le=MAX_SECONDS)] | None
    ignore_inclusive: bool
    bucket_seconds: Annotated[int, Field(ge=60, le=86400)] | None
    bucket_error_percent: Percent | None
    denominator: Literal["whole_period", "eligible_time"]
    line: Line


class WarningLevel(_Rules):
    level: Literal["yellow", "orange", "red"]
    percent: Percent = Field(description="share of the target elapsed, on the target's clock")
    line: Line


class Amount(_Rules):
    """`percent` of `base` — the product's monthly fee (times the months of
    the period, prorated for a period cut by the term unless the policy says
    `full_fee`), or the `charges` billed for the product (or resource) and
    period, given as data — or a fixed `money` amount."""

    percent: Percent | None = None
    base: Literal["monthly_fee", "charges"] | None = None
    money: Money | None = None
    currency: Currency | None = None

    @model_validator(mode="after")
    def _one(self) -> Amount:
        # Money or a percentage, never both nor neither (a null amount owes nothing anyone can compute).
        if (self.money is None) == (self.percent is None):
            raise _refuse("amount", "an amount is money or a percentage: give exactly one of `money` and `percent`")
        if self.money is None and self.currency is not None:
            raise _refuse("amount_currency", "a percentage has no currency")
        if self.percent is None and self.base is not None:
            raise _refuse("amount_base", "a money amount has no base")
        return self


class Step(_Rules):
    """`per started S`: ⌈late / S⌉ steps; `per full S`: ⌊late / S⌋ steps;
    `late` is wall-clock seconds after the due time."""

    mode: Literal["started", "full"]
    every_seconds: Annotated[int, Field(ge=1, le=MAX_SECONDS)]
    spelling: str
    amount: Amount
    line: Line


class Tier(_Rules):
    below: Percent
    amount: Amount
    line: Line


class CreditForm(_Rules):
    kind: Literal["service_credit", "voucher", "refund", "cash"]
    restriction: dict[str, str] | None = Field(description="what the credit may be used for, per language")


class CreditLadder(_Rules):
    name: Name
    title: dict[str, str]
    metric: Literal["response", "resolution", "availability"]
    products: list[Name] = Field(
        max_length=MAX_ITEMS,
        description="the products this ladder pays for; empty: every product (with an availability target, "
        "for an availability ladder)",
    )
    step: Step | None
    tiers: list[Tier] = Field(
        max_length=MAX_ITEMS, description="highest threshold first; the lowest threshold crossed applies"
    )
    minimum: Amount | None = Field(description="an owed credit line is at least this, before the cap")
    cap: Amount | None = Field(
        description="limit on what this ladder owes for one ticket (for availability: one product, or one "
        "resource, and period)"
    )
    form: CreditForm | None
    line: Line

    @model_validator(mode="after")
    def _tiers_descend(self) -> CreditLadder:
        below = [Decimal(t.below) for t in self.tiers]
        if any(b >= a for a, b in zip(below, below[1:])):
            raise _refuse("tiers_order", "the tiers must go from the highest threshold down, each once")
        return self


class ClaimSpan(_Rules):
    count: Count
    unit: Literal["days", "business_days", "months"]
    spelling: str


class Claim(_Rules):
    """The claim window, in local dates counted from the day `after` names
    (`month_end`: the last day of the period): the last day to claim is
    `within` later; with `opens`, the first day to claim is `opens` later.
    Business days count on `calendar`."""

    within: ClaimSpan
    opens: ClaimSpan | None
    after: Literal["month_end", "breach", "report"]
    calendar: Name | None
    line: Line


class CreditPolicy(_Rules):
    cap: Amount | None = Field(description="limit on all credits of one product in one `cap_period`")
    cap_period: Literal["month", "quarter", "year"] | None
    form: CreditForm | None
    combine: Literal["sum", "highest"] | None = Field(
        description="how two availability ladders paying for one product and period combine"
    )
    partial_periods: Literal["prorated", "full_fee"] = Field(
        description="the fee base of a period cut by the term: prorated by its days inside the term, or the full fee"
    )
    claim: Claim | None
    rounding: Literal["half_up", "half_even", "down", "up"] | None = Field(
        description="null only when the contract has no credit ladder"
    )
    quantum: Quantum
    rounding_scope: Literal["line", "total"] | None = Field(
        description="`line`: every credit line is rounded, then caps apply; `total`: the product's total per cap "
        "period is rounded, then the cap. A cap never exceeds its value rounded down to the quantum"
    )
    line: Annotated[int, Field(ge=1, le=MAX_LINE)] | None = Field(
        description="null when the contract has no `credits` block"
    )

    @model_validator(mode="after")
    def _cap_period(self) -> CreditPolicy:
        if self.cap is not None and self.cap_period is None:
            raise _refuse("cap_period", "a cap on all credits needs its period (`cap_period`)")
        return self


class Exclusion(_Rules):
    """An exclusion code a ticket or downtime interval may carry. For
    `maintenance`: downtime inside `windows`, announced at least
    `notice_seconds` ahead, is not downtime, up to `max_seconds` per
    `max_period`."""

    code: Name
    notify_within_seconds: Seconds | None = None
    notice_seconds: Seconds | None = None
    max_seconds: Seconds | None = None
    max_period: Literal["month", "quarter", "year"] | None = None
    windows: Annotated[list[WorkingHours], Field(max_length=MAX_WINDOWS)] = []
    line: Line


class DutyCadence(_Rules):
    """How often a duty recurs. `every`: consecutive periods of `count`
    `unit`s from the term's first day (`period` null); `times`: `count`
    performances on distinct dates in each calendar `period` intersected with
    the term (`unit` null). The last (or first) period may be cut by the
    term: it is still due, at the term's end at the latest."""

    kind: Literal["every", "times"]
    count: Annotated[int, Field(ge=1, le=MAX_COUNT)]
    unit: Literal["day", "week", "month", "year"] | None
    period: Literal["month", "quarter", "year"] | None


class Duty(_Rules):
    """A recurring duty (`duty NAME "…" every 3 months by third_party`), and
    the audit of `reporting` as the duty `audit`. `cadence` null: once within
    the term. A period's due instant is the end of its last day in the
    contract's timezone; with `calendar`, the end of that calendar's last
    working interval ending within the period."""

    name: Name
    title: dict[str, str] | None = Field(
        description="per language; null for `audit`, which the contract does not title (a report uses its own word)"
    )
    section: Literal["continuity", "security", "reporting", "general"]
    cadence: DutyCadence | None
    performer: Literal["provider", "customer", "third_party", "named"]
    performer_title: dict[str, str] | None = Field(description="performer `named`: who, per language")
    evidence: dict[str, str] | None = Field(description="what is delivered as proof of each performance")
    calendar: Name | None = Field(description="`on CAL`: the calendar whose working time sets the due instant")
    line: Line

    @model_validator(mode="after")
    def _performer_named(self) -> Duty:
        if (self.performer == "named") != (self.performer_title is not None):
            raise _refuse(
                "performer", "a duty names its performer (`performer_title`) exactly when `performer` is `named`"
            )
        return self


class ServiceTarget(_Rules):
    """A measured target beyond time (`target nps "…" at least 75 per quarter`):
    in each calendar `period` its latest measurement is compared with `value`
    (a percentage when `percent`)."""

    name: Name
    title: dict[str, str]
    bound: Literal["at_least", "at_most"]
    value: DecimalStr
    percent: bool
    period: Literal["month", "quarter", "year"]
    method: dict[str, str] | None = Field(description="how it is measured, per language")
    line: Line

    @model_validator(mode="after")
    def _percent_range(self) -> ServiceTarget:
        if self.percent and not Decimal(0) <= Decimal(self.value) <= Decimal(100):
            raise _refuse("target_percent", "a percentage target lies between 0 and 100, not {value}", value=self.value)
        return self


class Continuity(_Rules):
    """Business continuity: the standby arrangement and the recovery time and
    point objectives, in wall-clock seconds (its drills are in `duties`)."""

    title: dict[str, str]
    standby: dict[str, str] | None
    rto_seconds: Seconds | None
    rpo_seconds: Seconds | None
    line: Line


class Security(_Rules):
    """Data security: the standards met, what is stored encrypted and the
    access model, each per language (its tests are in `duties`)."""

    title: dict[str, str]
    standards: Annotated[list[dict[str, str]], Field(max_length=MAX_ITEMS)]
    encrypted: Annotated[list[dict[str, str]], Field(max_length=MAX_ITEMS)]
    access: Annotated[list[dict[str, str]], Field(max_length=MAX_ITEMS)]
    line: Line


class RuleFile(_Rules):
    """A compiled rule file. `checksum` is `sha256:` + the hex digest of the
    canonical JSON of every other field (see `canonical_bytes`)."""

    schema_: Literal["slalang.rules/v4"] = Field(alias="schema")
    checksum: Annotated[str, Field(pattern=r"^sha256:[0-9a-f]{64}$")]
    contract: ContractInfo
    source_sha256: Annotated[
        str, Field(pattern=r"^[0-9a-f]{64}$", description="sha256 of the contract's canonical source text (UTF-8)")
    ]
    effective: Effective
    timezone: TimeZone = Field(description="IANA timezone every calendar and period is evaluated in")
    currency: Currency
    calendars: Annotated[list[Calendar], Field(max_length=MAX_ITEMS)]
    priorities: list[Priority] = Field(max_length=MAX_ITEMS, description="most severe first")
    products: Annotated[list[Product], Field(max_length=MAX_ITEMS)]
    regions: Annotated[list[Region], Field(max_length=MAX_ITEMS)]
    plans: Annotated[list[Plan], Field(max_length=MAX_ITEMS)]
    flags: Annotated[list[Flag], Field(max_length=MAX_ITEMS)]
    metrics: Annotated[list[Metric], Field(max_length=MAX_ITEMS)]
    targets: list[Target] = Field(max_length=MAX_TARGETS, description="by metric, then priority, then column")
    updates: Updates | None
    followup: Followup | None
    pauses: Pauses | None = Field(
        description="null: the contract does not stop its clocks, so pause intervals in ticket data are ignored"
    )
    availability: Annotated[list[AvailabilityTarget], Field(max_length=MAX_ITEMS)]
    warnings: list[WarningLevel] = Field(max_length=3, description="by percent, lowest first")
    credit_ladders: Annotated[list[CreditLadder], Field(max_length=MAX_ITEMS)]
    credit_policy: CreditPolicy
    exclusions: Annotated[list[Exclusion], Field(max_length=MAX_ITEMS)]
    duties: list[Duty] = Field(
        max_length=MAX_ITEMS, description="every section's duties in source order, `audit` among them"
    )
    service_targets: Annotated[list[ServiceTarget], Field(max_length=MAX_ITEMS)]
    continuity: Continuity | None
    security: Security | None

    @model_validator(mode="after")
    def _calendar_days(self) -> RuleFile:
        days = sum((c.covers.end - c.covers.start).days + 1 for c in self.calendars)
        if days > MAX_CALENDAR_DAYS:
            raise _refuse(
                "calendar_days",
                "the calendars cover {days} days together, more than {limit}",
                days=days,
                limit=MAX_CALENDAR_DAYS,
            )
        return self

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        populate_by_name=True,
        title="slalang compiled rule file",
        json_schema_extra={"$id": SCHEMA_URL},
    )


def canonical_bytes(document: dict) -> bytes:
    """The bytes a checksum is computed over: the document without its
    `checksum`, as compact JSON with sorted keys. Independent of whether the
    file was written as JSON or YAML, or how it was indented."""
    body = {k: v for k, v in document.items() if k != "checksum"}
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def checksum_of(document: dict) -> str:
    return "sha256:" + hashlib.sha256(canonical_bytes(document)).hexdigest()


def json_schema() -> dict:
    """The JSON Schema of a rule file (what `schema/rules-v4.json` holds)."""
    schema = RuleFile.model_json_schema(by_alias=True, mode="serialization")
    out = {"$schema": "https://json-schema.org/draft/2020-12/schema"}
    out.update(schema)
    return out


def json_schema_text() -> str:
    return json.dumps(json_schema(), indent=2, ensure_ascii=False, sort_keys=True) + "\n"
