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
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_ID = "slalang.rules/v4"
SCHEMA_URL = "urn:slalang:schema:rules-v4"  # an identifier, not a download location
# Refused with "rebuild it with slalang build", never read (v3: before duties,
# service targets, continuity and security).
OLD_SCHEMA_IDS = ("slalang.rules/v1", "slalang.rules/v2", "slalang.rules/v3")

# Exact decimal numbers travel as strings: a JSON float cannot hold 99.95 or
# 120000.00 exactly, and money must never pass through binary floating point.
DecimalStr = Annotated[str, Field(pattern=r"^-?[0-9]+(\.[0-9]+)?$", examples=["99.95"])]
TimeOfDay = Annotated[str, Field(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$", examples=["09:00"])]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
Line = Annotated[int, Field(ge=1, description="line of the .sla source this rule came from")]
Seconds = Annotated[int, Field(ge=0)]


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
    model_config = ConfigDict(frozen=True, extra="forbid")


class ContractInfo(_Rules):
    id: str
    version: str
    title: dict[str, str]
    languages: list[str]


class Effective(_Rules):
    start: dt.date
    end: dt.date = Field(description="last day of the contract, inclusive")


class WorkingHours(_Rules):
    """Working time on one weekday, local time in the calendar's timezone.
    `end` is exclusive; `24:00` is the end of the day."""

    day: Weekday
    start: TimeOfDay
    end: TimeOfDay


class HolidaySource(_Rules):
    set: str = Field(description="holiday set code as written in the contract, e.g. `cn`")
    source: str = Field(description="data source and version, e.g. `python-holidays 0.109`")


class Holiday(_Rules):
    date: dt.date
    name: str
    origin: str = Field(
        description="the holiday set code (e.g. `cn`), `contract` for a `holiday` line, or `schedule` for a "
        "day of a year's schedule the contract supplies (its notice is in the calendar's `holiday_sets`)"
    )


class Workday(_Rules):
    """A day that works although its weekday does not (a make-up working day),
    or that the contract declares working. It works with the hours of
    `hours_of`."""

    date: dt.date
    name: str
    origin: str
    hours_of: Weekday


class Calendar(_Rules):
    name: str
    title: dict[str, str]
    hours: list[WorkingHours] = Field(description="sorted by day, then start")
    holiday_sets: list[HolidaySource]
    covers: Effective = Field(
        description="first and last day the calendar is defined for; a due time "
        "outside it is an error, never silently a normal week"
    )
    holidays: list[Holiday] = Field(description="non-working days inside `covers`, sorted by date")
    workdays: list[Workday] = Field(description="extra working days inside `covers`, sorted by date")
    timezone: str = Field(description="IANA timezone its hours and days are local to (the contract's unless written)")
    region: str | None = Field(
        description="set on each variant of a regional calendar: entries sharing `name` are one calendar, "
        "and the ticket's region chooses the variant"
    )
    line: Line


class Priority(_Rules):
    name: str
    rank: int = Field(ge=0, description="0 is the most severe")
    title: dict[str, str]


class Product(_Rules):
    name: str
    title: dict[str, str]
    monthly_fee: DecimalStr | None = Field(
        description="fee per month in the contract currency; a quarterly or yearly fee is divided by 3 or 12"
    )


class Region(_Rules):
    name: str
    title: dict[str, str]


class Plan(_Rules):
    name: str
    title: dict[str, str]


class Flag(_Rules):
    """A yes/no ticket attribute: the input has a column of this name."""

    name: str
    title: dict[str, str]


class Column(_Rules):
    """How a ticket falls into a column, decided at the instant its clock
    starts; the first column that takes it wins. A column with `plan` set
    takes only tickets of that plan; then by `kind`: `calendar` — the
    instant is inside `calendar`'s working time (the ticket region's variant
    of a regional calendar); `off_hours` — no earlier column of the same plan
    took it; `any`, `plan` — every ticket (of the plan); `region` — the
    ticket's region is `region`."""

    name: str
    kind: Literal["calendar", "off_hours", "any", "region", "plan"]
    calendar: str | None = None
    region: str | None = None
    plan: str | None = None


class Metric(_Rules):
    name: Literal["response", "resolution"]
    title: dict[str, str]
    calendar: str | None = Field(description="the calendar `bh`/`bd` targets count on")
    columns: list[Column]
    start: str = Field(description="the ticket instant column the clock starts at (`opened_at` unless written)")
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
    priority: str
    column: str
    clock: Literal["wall", "business", "none"]
    calendar: str | None
    days: Seconds
    seconds: Seconds
    strict: bool
    when: str | None
    spelling: str = Field(description="as written in the contract, e.g. `1bd4bh`")
    line: Line


class UpdateRule(_Rules):
    """A progress-update cadence: `column` null applies in every column.
    Clock, calendar, days and seconds as in `Target`."""

    priority: str
    column: str | None
    clock: Literal["wall", "business"]
    calendar: str | None
    days: Seconds
    seconds: Seconds
    spelling: str
    line: Line


class Updates(_Rules):
    """Progress updates: due every cadence from the first response until
    resolution; pauses (waiting on the customer) stop the cadence's clock."""

    calendar: str | None = Field(description="the calendar `bh`/`bd` cadences count on")
    columns: list[Column] = Field(description="empty: one cadence per priority, in every column")
    rules: list[UpdateRule]
    line: Line


class Followup(_Rules):
    """The follow-up call: `days` calendar days then `seconds` after resolution."""

    days: Seconds
    seconds: Seconds
    spelling: str
    line: Line


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

    product: str
    percent: DecimalStr
    period: Literal["month", "quarter", "year"]
    resource: str | None
    counting: Literal["second", "started_minute", "full_minute"]
    ignore_under_seconds: Annotated[int, Field(ge=1)] | None
    ignore_inclusive: bool
    bucket_seconds: Annotated[int, Field(ge=60, le=86400)] | None
    bucket_error_percent: DecimalStr | None
    denominator: Literal["whole_period", "eligible_time"]
    line: Line


class WarningLevel(_Rules):
    level: Literal["yellow", "orange", "red"]
    percent: DecimalStr = Field(description="share of the target elapsed, on the target's clock")
    line: Line


class Amount(_Rules):
    """`percent` of `base` — the product's monthly fee (times the months of
    the period, prorated for a period cut by the term unless the policy says
    `full_fee`), or the `charges` billed for the product (or resource) and
    period, given as data — or a fixed `money` amount."""

    percent: DecimalStr | None = None
    base: Literal["monthly_fee", "charges"] | None = None
    money: DecimalStr | None = None
    currency: str | None = None


class Step(_Rules):
    """`per started S`: ⌈late / S⌉ steps; `per full S`: ⌊late / S⌋ steps;
    `late` is wall-clock seconds after the due time."""

    mode: Literal["started", "full"]
    every_seconds: Annotated[int, Field(ge=1)]
    spelling: str
    amount: Amount
    line: Line


class Tier(_Rules):
    below: DecimalStr
    amount: Amount
    line: Line


class CreditForm(_Rules):
    kind: Literal["service_credit", "voucher", "refund", "cash"]
    restriction: dict[str, str] | None = Field(description="what the credit may be used for, per language")


class CreditLadder(_Rules):
    name: str
    title: dict[str, str]
    metric: Literal["response", "resolution", "availability"]
    products: list[str] = Field(
        description="the products this ladder pays for; empty: every product (with an availability target, "
        "for an availability ladder)"
    )
    step: Step | None
    tiers: list[Tier] = Field(description="highest threshold first; the lowest threshold crossed applies")
    minimum: Amount | None = Field(description="an owed credit line is at least this, before the cap")
    cap: Amount | None = Field(
        description="limit on what this ladder owes for one ticket (for availability: one product, or one "
        "resource, and period)"
    )
    form: CreditForm | None
    line: Line


class ClaimSpan(_Rules):
    count: Annotated[int, Field(ge=0)]
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
    calendar: str | None
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
    quantum: DecimalStr
    rounding_scope: Literal["line", "total"] | None = Field(
        description="`line`: every credit line is rounded, then caps apply; `total`: the product's total per cap "
        "period is rounded, then the cap. A cap never exceeds its value rounded down to the quantum"
    )
    line: int | None = Field(description="null when the contract has no `credits` block")


class Exclusion(_Rules):
    """An exclusion code a ticket or downtime interval may carry. For
    `maintenance`: downtime inside `windows`, announced at least
    `notice_seconds` ahead, is not downtime, up to `max_seconds` per
    `max_period`."""

    code: str
    notify_within_seconds: Seconds | None = None
    notice_seconds: Seconds | None = None
    max_seconds: Seconds | None = None
    max_period: Literal["month", "quarter", "year"] | None = None
    windows: list[WorkingHours] = []
    line: Line


class DutyCadence(_Rules):
    """How often a duty recurs. `every`: consecutive periods of `count`
    `unit`s from the term's first day (`period` null); `times`: `count`
    performances on distinct dates in each calendar `period` intersected with
    the term (`unit` null). The last (or first) period may be cut by the
    term: it is still due, at the term's end at the latest."""

    kind: Literal["every", "times"]
    count: Annotated[int, Field(ge=1)]
    unit: Literal["day", "week", "month", "year"] | None
    period: Literal["month", "quarter", "year"] | None


class Duty(_Rules):
    """A recurring duty (`duty NAME "…" every 3 months by third_party`), and
    the audit of `reporting` as the duty `audit`. `cadence` null: once within
    the term. A period's due instant is the end of its last day in the
    contract's timezone; with `calendar`, the end of that calendar's last
    working interval ending within the period."""

    name: str
    title: dict[str, str] | None = Field(
        description="per language; null for `audit`, which the contract does not title (a report uses its own word)"
    )
    section: Literal["continuity", "security", "reporting", "general"]
    cadence: DutyCadence | None
    performer: Literal["provider", "customer", "third_party", "named"]
    performer_title: dict[str, str] | None = Field(description="performer `named`: who, per language")
    evidence: dict[str, str] | None = Field(description="what is delivered as proof of each performance")
    calendar: str | None = Field(description="`on CAL`: the calendar whose working time sets the due instant")
    line: Line


class ServiceTarget(_Rules):
    """A measured target beyond time (`target nps "…" at least 75 per quarter`):
    in each calendar `period` its latest measurement is compared with `value`
    (a percentage when `percent`)."""

    name: str
    title: dict[str, str]
    bound: Literal["at_least", "at_most"]
    value: DecimalStr
    percent: bool
    period: Literal["month", "quarter", "year"]
    method: dict[str, str] | None = Field(description="how it is measured, per language")
    line: Line


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
    standards: list[dict[str, str]]
    encrypted: list[dict[str, str]]
    access: list[dict[str, str]]
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
    timezone: str = Field(description="IANA timezone every calendar and period is evaluated in")
    currency: str
    calendars: list[Calendar]
    priorities: list[Priority] = Field(description="most severe first")
    products: list[Product]
    regions: list[Region]
    plans: list[Plan]
    flags: list[Flag]
    metrics: list[Metric]
    targets: list[Target] = Field(description="by metric, then priority, then column")
    updates: Updates | None
    followup: Followup | None
    pauses: Pauses | None = Field(
        description="null: the contract does not stop its clocks, so pause intervals in ticket data are ignored"
    )
    availability: list[AvailabilityTarget]
    warnings: list[WarningLevel] = Field(description="by percent, lowest first")
    credit_ladders: list[CreditLadder]
    credit_policy: CreditPolicy
    exclusions: list[Exclusion]
    duties: list[Duty] = Field(description="every section's duties in source order, `audit` among them")
    service_targets: list[ServiceTarget]
    continuity: Continuity | None
    security: Security | None

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
