"""Ticket enforcement: columns, deadlines, breaches, warnings and credits.

`Rules` compiles a validated rule file once (calendars, target lookup
tables, warning thresholds, credit ladders) so that evaluating a ticket is a
handful of dictionary lookups and binary searches. All instants are integer
epoch seconds; money is `Decimal`.

Semantics (docs/runtime.md says the same, with examples):
- clock start: a metric's clock starts at `opened_at`, or at the ticket
  instant its matrix names (`from triaged_at`, in `Ticket.instants`): that
  column absent from the input → `not_measured` (no due time); empty → the
  clock has not started (due None; `pending`, or `met` if the event already
  happened — nothing can be late);
- column: chosen at the clock start — the first column, in order, whose plan
  (if any) is the ticket's plan and whose window takes the ticket: a
  `calendar` column when the instant is inside its calendar's working time;
  `off_hours`, `any` and `plan` columns always; `region` columns by the
  ticket's region;
- row: for priority P, the first conditional row of P (`p1 when FLAG`, in
  source order) whose flag the ticket has, else P's plain row; a flag the
  input has no column for (`unknown_flags`) that some row of P names leaves
  the metric `not_measured` (which row applies is unknown);
- a deadline runs on its target's clock: wall (`m`, `h`; `d` = calendar days:
  the same local clock time N days later, then the rest elapsed) or business
  (`bh`, `bd`) on the matrix's calendar — the ticket region's variant of a
  regional calendar, each calendar in its own timezone;
- pauses stop the clock, when the contract has a `pauses` statement (without
  one a ticket's pause intervals change nothing). They are the union of their intervals: overlapping,
  nested or touching pauses count once (sorted once per ticket, each clipped
  to start where the ones before it end). Each pause that starts before the
  (moving) due time pushes the due time later by its length measured on that
  clock (elapsed seconds on the wall clock);
- the response event is the first response or the resolution, whichever
  comes first: resolving a ticket fulfils its response target at the latest
  (a ticket solved before any reply is answered when it is resolved);
- met: the event (response as above, resolution) at or before the due time —
  strictly before it for a strict target (`<1h`); breached: otherwise, or
  still missing at the evaluation instant `at` after the due time (at or
  after it, for a strict target); late = wall-clock seconds after the due
  time (0 for a strict target breached exactly at it);
- not measured: a metric named in `evaluate(…, unmeasured=…)` (the input has
  no column for it) has status `not_measured` for every ticket: its due time
  is still given, but no event, no breach, no warning, no credit. An absent
  first-response column leaves response unmeasured even when the resolution
  is known (the response is not inferred from it);
- warning level: the highest of yellow/orange/red whose share of the target
  has elapsed (on the target's clock, pauses excluded) at the event, or at
  `at` for an open ticket;
- an exclusion code known to the contract makes every metric `excluded`: no
  breach, no credit; due times are still given;
- progress updates: per priority (and column, chosen at opening), from the
  first response each update restarts the cadence; the next one is due
  `every` later on the cadence's clock (wall, or business), the ticket's
  pauses stopping it; each deadline passed without an update is one missed
  update, the next deadline being the missed one plus `every`;
- credits: each step ladder on a breached metric owes ⌈late/S⌉ (started, at
  least 1) or ⌊late/S⌋ (full) steps; a ladder that names products pays only
  for tickets of those products (none named: every product); an owed amount
  is raised to the ladder's `minimum`, then limited by its cap. Exact
  Decimals: rounding is the report's (see `Rules.round`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, ROUND_UP, Context, Decimal
from fractions import Fraction
from operator import itemgetter
from zoneinfo import ZoneInfo

from slalang.ruleschema import Problem, RuleFile
from slalang.runtime.calendar import DAY, BusinessCalendar, CalendarRangeError

_new_tuple = tuple.__new__
_ROUNDING = {"half_up": ROUND_HALF_UP, "half_even": ROUND_HALF_EVEN, "down": ROUND_DOWN, "up": ROUND_UP}
_HUNDRED = Decimal(100)
_ONE = Decimal(1)
_WIDE = Context(prec=100)


class TicketError(ValueError):
    """A ticket the rules cannot evaluate; `column` names the offending field.
    `str(err)` is the English message; `key` and `fields` name the same
    message in the catalogue (see `slalang.ruleschema.Problem`)."""

    def __init__(self, column: str | None, message: str, key: str | None = None, fields: dict | None = None):
        self.column, self.key, self.fields = column, key, fields or {}
        super().__init__(message)


_METRIC_WORDS = {
    "response": Problem("metric.response", "response"),
    "resolution": Problem("metric.resolution", "resolution"),
    "updates": Problem("metric.updates", "progress updates"),
}


def unknown_exclusion(code: str, known) -> TicketError:
    """The error for an exclusion code the contract does not define."""
    codes: list[str] | Problem = list(known) or Problem("none", "none")
    return TicketError(
        "exclusion",
        f"unknown exclusion code `{code}`; the contract's codes: " + (", ".join(known) or "none"),
        key="unknown_exclusion",
        fields={"code": code, "known": codes},
    )


@dataclass(slots=True)
class Ticket:
    """One ticket. Instants are epoch seconds; `pauses` are (start, end)."""

    id: str
    priority: str
    opened_at: int
    first_response_at: int | None = None
    resolved_at: int | None = None
    product: str | None = None
    region: str | None = None
    updates: tuple[int, ...] = ()
    pauses: tuple[tuple[int, int], ...] = ()
    exclusion: str | None = None
    followup_at: int | None = None
    plan: str | None = None
    flags: frozenset[str] = frozenset()
    instants: dict[str, int | None] | None = None  # clock-start columns (`from NAME`): None = not happened


_DEADLINE_FIELDS = (
    "metric",
    "column",
    "target",
    "clock",
    "due",
    "event",
    "status",
    "late",
    "warning",
    "done",
    "total",
    "line",
)


class Deadline(tuple):
    """One metric of one ticket (an immutable record; a tuple underneath
    because the hot path builds two per ticket).

    metric, column; target (as written, e.g. "2bh"; "-" for no commitment);
    clock (wall | business | none); due and event (epoch seconds or None;
    the response event is the first response or the resolution, whichever
    came first); status (met | breached | pending | excluded | no_commitment
    | not_measured — the input has no column for the metric: due given,
    event None, never breached, no warning, no credit); late (wall seconds
    after the due time, so far for an open ticket); warning (level or
    None); done/total (seconds of the target's clock elapsed at the event or
    at `at`, pauses left out, of the whole target; total 0 when there is no
    instant to judge at, or when it lies past the days the calendar covers —
    the share is then not known, never made up, and as the due time has
    passed every warning level is reached); line (the matrix row)."""

    __slots__ = ()
    _fields = _DEADLINE_FIELDS

    def __new__(
        cls,
        metric: str,
        column: str,
        target: str,
        clock: str,
        due: int | None,
        event: int | None,
        status: str,
        late: int = 0,
        warning: str | None = None,
        done: int = 0,
        total: int = 0,
        line: int = 0,
    ):
        return tuple.__new__(cls, (metric, column, target, clock, due, event, status, late, warning, done, total, line))

    metric = property(itemgetter(0))
    column = property(itemgetter(1))
    target = property(itemgetter(2))
    clock = property(itemgetter(3))
    due = property(itemgetter(4))
    event = property(itemgetter(5))
    status = property(itemgetter(6))
    late = property(itemgetter(7))
    warning = property(itemgetter(8))
    done = property(itemgetter(9))
    total = property(itemgetter(10))
    line = property(itemgetter(11))

    @property
    def elapsed(self) -> Fraction | None:
        """Share of the target elapsed at the event (or at `at`)."""
        return Fraction(max(self[9], 0), self[10]) if self[10] > 0 else None

    def __repr__(self) -> str:
        return "Deadline(" + ", ".join(f"{k}={v!r}" for k, v in zip(self._fields, self)) + ")"


class CadenceCheck(tuple):
    """Progress updates or the follow-up call of one ticket: status (met |
    breached | pending | excluded), missed (update deadlines that passed
    without an update), due (the next, or first missed, deadline)."""

    __slots__ = ()
    _fields = ("status", "missed", "due")

    def __new__(cls, status: str, missed: int = 0, due: int | None = None):
        return tuple.__new__(cls, (status, missed, due))

    status = property(itemgetter(0))
    missed = property(itemgetter(1))
    due = property(itemgetter(2))

    def __repr__(self) -> str:
        return f"CadenceCheck(status={self[0]!r}, missed={self[1]!r}, due={self[2]!r})"


class TicketOutcome(tuple):
    """What the rules say about one ticket (immutable; a tuple underneath,
    like `Deadline`): ticket; deadlines (metric → Deadline); credits (ladder →
    exact Decimal, ladder cap applied); exclusion (the code applied, or None);
    updates and followup (CadenceCheck or None); breached (some deadline is)."""

    __slots__ = ()
    _fields = ("ticket", "deadlines", "credits", "exclusion", "updates", "followup", "breached")

    def __new__(
        cls,
        ticket: Ticket,
        deadlines: dict,
        credits: dict,
        exclusion: str | None = None,
        updates: CadenceCheck | None = None,
        followup: CadenceCheck | None = None,
        breached: bool = False,
    ):
        return tuple.__new__(cls, (ticket, deadlines, credits, exclusion, updates, followup, breached))

    ticket = property(itemgetter(0))
    deadlines = property(itemgetter(1))
    credits = property(itemgetter(2))
    exclusion = property(itemgetter(3))
    updates = property(itemgetter(4))
    followup = property(itemgetter(5))
    breached = property(itemgetter(6))

    @property
    def credit(self) -> Decimal:
        """All credits of the ticket, exact (round with `Rules.round`)."""
        return sum(self[2].values(), Decimal(0))

    def __repr__(self) -> str:
        return "TicketOutcome(" + ", ".join(f"{k}={v!r}" for k, v in zip(self._fields, self)) + ")"


@dataclass(slots=True)
class _Target:
    clock: str
    calendar: BusinessCalendar | None
    days: int
    seconds: int
    spelling: str
    line: int
    wall: bool = True
    strict: bool = False
    plain: bool = False  # wall clock, no calendar days: due = start + seconds

    def __post_init__(self) -> None:
        self.plain = self.wall and not self.days


@dataclass(slots=True)
class _StepLadder:
    name: str
    mode: str
    every: int
    percent: Decimal | None
    money: Decimal | None
    cap_percent: Decimal | None
    cap_money: Decimal | None
    products: frozenset | None = None  # the products it pays for; None: every product
    min_percent: Decimal | None = None
    min_money: Decimal | None = None
    by_product: dict = field(default_factory=dict)  # product → (step amount, cap or None, minimum or None)


_UPDATE_STEPS = 100_000  # missed update deadlines walked one by one (calendar-day and business-day cadences)


class _Compiled:
    """The rules with every calendar resolved (for one region, when some
    calendar in use is regional): one entry per metric — (name, is_response,
    chooser, plain rows {priority: {column: target}}, conditional rows
    {priority: ((flag, {column: target}), …)}, ladders, fixed column choice
    or None, clock-start column or None for `opened_at`) — and the
    progress-update cadences (chooser, fixed choice, {(priority, column or
    None): target})."""

    __slots__ = ("metrics", "upd_chooser", "upd_fixed", "upd_rules", "upd_priorities")

    def __init__(self, metrics, upd_chooser, upd_fixed, upd_rules):
        self.metrics, self.upd_chooser, self.upd_fixed, self.upd_rules = metrics, upd_chooser, upd_fixed, upd_rules
        self.upd_priorities = frozenset(p for p, _ in upd_rules)


def _identity(x: int) -> int:
    return x


def _fixed_of(chooser):
    """A choice that needs no search: one `any`/`off_hours` column first (its
    name), or the usual `columns CAL, off_hours` (one calendar lookup). None
    when plan columns (or others) need the general choice."""
    if not chooser or any(c[3] is not None for c in chooser):
        return None
    if chooser[0][1] in ("any", "off_hours"):
        return chooser[0][0]
    if len(chooser) == 2 and chooser[0][1] == "calendar" and chooser[1][1] == "off_hours":
        return (chooser[0][2], chooser[0][0], chooser[1][0])
    return None


def _dec(s: str | None) -> Decimal | None:
    return None if s is None else Decimal(s)


class Rules:
    """A rule file compiled for enforcement."""

    def __init__(self, rules: RuleFile):
        self.file = rules
        self.tz = ZoneInfo(rules.timezone)
        self.currency = rules.currency
        # Calendars by (name, region): region None for a plain calendar, one
        # entry per region for a regional one; each in its own timezone.
        self.calendar_variants: dict[tuple[str, str | None], BusinessCalendar] = {
            (c.name, c.region): BusinessCalendar.from_rules(c, c.timezone) for c in rules.calendars
        }
        self.calendars = {name: cal for (name, region), cal in self.calendar_variants.items() if region is None}
        regional = frozenset(name for name, region in self.calendar_variants if region is not None)
        self.priorities = [p.name for p in rules.priorities]
        self._priority_set = frozenset(self.priorities)
        self.products = {p.name: _dec(p.monthly_fee) for p in rules.products}
        self.regions = frozenset(r.name for r in rules.regions)
        self.plans = [p.name for p in rules.plans]
        self._plan_set = frozenset(self.plans)
        self.flags = [f.name for f in rules.flags]
        self.exclusions = {e.code: e for e in rules.exclusions}
        eff = rules.effective
        # Local midnights in the contract's timezone (a calendar may have its own).
        first = min([eff.start] + [c.covers.start for c in rules.calendars])
        last = max([eff.end + dt.timedelta(days=1)] + [c.covers.end for c in rules.calendars])
        self._epoch_of_day = BusinessCalendar("wall", self.tz, {}, first, last).local_to_epoch
        self.effective_lo = self.local_midnight(eff.start)
        self.effective_hi = self.local_midnight(eff.end + dt.timedelta(days=1))
        self.warnings = [(w.level, Fraction(Decimal(w.percent)) / 100) for w in rules.warnings]
        # done/total ≥ p ⇔ done·den ≥ num·total: integer compares in the hot path.
        self._levels = [(name, f.numerator, f.denominator) for name, f in self.warnings]
        pol = rules.credit_policy
        # No rounding rule only when the contract has no credit ladder (nothing to round).
        self.rounding = _ROUNDING[pol.rounding] if pol.rounding is not None else ROUND_HALF_EVEN
        # A power of ten as its exponent says (`10` is 1E+1): Decimal.quantize
        # reads only the exponent, and Decimal("10") has exponent 0 — it would
        # round to units, not to the tens the contract names.
        self.quantum = Decimal(1).scaleb(Decimal(pol.quantum).adjusted())
        # The clock-start column of each metric (`opened_at` unless `from NAME`).
        self.starts: dict[str, str] = {mx.name: mx.start for mx in rules.metrics}
        self.start_columns = tuple(dict.fromkeys(s for s in self.starts.values() if s != "opened_at"))
        self._targets_of: dict[str, list] = {}
        for t in rules.targets:
            self._targets_of.setdefault(t.metric, []).append(t)
        upd = rules.updates
        columns = [c for mx in rules.metrics for c in mx.columns] + (list(upd.columns) if upd else [])
        self._needs_region = any(c.kind == "region" for c in columns)
        self._needs_plan = any(c.plan is not None for c in columns)
        used = {c.calendar for c in columns if c.kind == "calendar"}
        used.update(t.calendar for t in rules.targets if t.clock == "business")
        if upd:
            used.update(r.calendar for r in upd.rules if r.clock == "business")
        # Calendars in use that are regional: the ticket's region picks the variant.
        self._regional_in_use = sorted(n for n in used if n in regional)
        self._by_region_or_plan = self._needs_region or self._needs_plan or bool(self._regional_in_use)
        self._needs_product = False
        self._ladder_products = False  # some step ladder pays only for the products it names
        self.tier_ladders = []
        self._ladders: dict[str, list[_StepLadder]] = {}
        metric_names = set(self.starts)
        for ld in rules.credit_ladders:
            cap_p = _dec(ld.cap.percent) if ld.cap else None
            cap_m = _dec(ld.cap.money) if ld.cap else None
            if ld.metric == "availability":
                self.tier_ladders.append(ld)
                continue
            if ld.step is None or ld.metric not in metric_names:
                continue
            a = ld.step.amount
            lo = ld.minimum
            self._ladders.setdefault(ld.metric, []).append(
                _StepLadder(
                    ld.name,
                    ld.step.mode,
                    ld.step.every_seconds,
                    _dec(a.percent),
                    _dec(a.money),
                    cap_p,
                    cap_m,
                    frozenset(ld.products) if ld.products else None,
                    _dec(lo.percent) if lo else None,
                    _dec(lo.money) if lo else None,
                )
            )
            if a.percent is not None or cap_p is not None or (lo is not None and lo.percent is not None):
                self._needs_product = True
            if ld.products:
                self._ladder_products = True
        self._by_region: dict[str | None, _Compiled] = {}
        self._base = None if self._regional_in_use else self._compile(None)
        self.followup = (rules.followup.days, rules.followup.seconds) if rules.followup else None
        # Pauses stop the clocks only where the contract says so (`pauses "…"`):
        # otherwise a ticket's pause intervals are data the contract gives no effect.
        self.pauses_apply = rules.pauses is not None
        self.policy = pol

    # ------------------------------------------------------------- compile
    def _cal(self, name: str | None, region: str | None) -> BusinessCalendar | None:
        if name is None:
            return None
        cal = self.calendars.get(name)
        return cal if cal is not None else self.calendar_variants.get((name, region))

    def _column(self, c, region):
        arg = None
        if c.kind == "calendar":
            cal = self._cal(c.calendar, region)
            assert cal is not None  # the loader checks the name; validate() the region
            arg = cal.fast_contains
        elif c.kind == "region":
            arg = c.region
        return (c.name, c.kind, arg, c.plan)

    def _target(self, t, region) -> _Target | None:
        if t.clock == "none":
            return None
        return _Target(
            t.clock,
            self._cal(t.calendar, region) if t.clock == "business" else None,
            t.days,
            t.seconds,
            t.spelling,
            t.line,
            t.clock == "wall",
            getattr(t, "strict", False),
        )

    def _compile(self, region: str | None) -> _Compiled:
        metrics = []
        for mx in self.file.metrics:
            chooser = [self._column(c, region) for c in mx.columns]
            by_prio: dict[str, dict[str, _Target | None]] = {p: {} for p in self.priorities}
            conds: dict[str, dict[str, dict[str, _Target | None]]] = {}
            for t in self._targets_of.get(mx.name, ()):
                tgt = self._target(t, region)
                if t.when is None:
                    by_prio.setdefault(t.priority, {})[t.column] = tgt
                else:  # in source order: the first row whose flag the ticket has applies
                    conds.setdefault(t.priority, {}).setdefault(t.when, {})[t.column] = tgt
            rows = {p: tuple(by_flag.items()) for p, by_flag in conds.items()}
            start = None if mx.start == "opened_at" else mx.start
            metrics.append(
                (
                    mx.name,
                    mx.name == "response",
                    chooser,
                    by_prio,
                    rows,
                    self._ladders.get(mx.name, []),
                    _fixed_of(chooser),
                    start,
                )
            )
        upd = self.file.updates
        upd_chooser: list = []
        upd_rules: dict = {}
        if upd is not None:
            upd_chooser = [self._column(c, region) for c in upd.columns]
            for r in upd.rules:
                upd_rules[(r.priority, r.column)] = _Target(
                    r.clock,
                    self._cal(r.calendar, region) if r.clock == "business" else None,
                    r.days,
                    r.seconds,
                    r.spelling,
                    r.line,
                    r.clock == "wall",
                )
        return _Compiled(metrics, upd_chooser, _fixed_of(upd_chooser), upd_rules)

    def _compiled_for(self, t: Ticket) -> _Compiled:
        """The compiled rules for `t`'s region (one set when no calendar in use is regional)."""
        if self._base is not None:
            return self._base
        got = self._by_region.get(t.region)
        if got is None:
            if t.region not in self.regions:
                raise self._region_error(t, self._why_calendar())
            got = self._by_region[t.region] = self._compile(t.region)
        return got

    def _why_calendar(self) -> Problem:
        name = self._regional_in_use[0]
        return Problem("ticket.region_by.calendar", f"calendar `{name}` has one variant per region", calendar=name)

    def _region_error(self, t: Ticket, why: Problem) -> TicketError:
        what = f"unknown region `{t.region}`" if t.region else "no region"
        known = sorted(self.regions)
        return TicketError(
            "region",
            f"{what}; {why}: " + ", ".join(known),
            key="ticket.unknown_region" if t.region else "ticket.no_region",
            fields={"region": t.region, "why": why, "known": known},
        )

    # ------------------------------------------------------------- helpers
    def local_midnight(self, date: dt.date) -> int:
        return self._epoch_of_day((date.toordinal() - dt.date(1970, 1, 1).toordinal()) * DAY)

    def wall_due(self, start: int, days: int, seconds: int) -> int:
        """`days` calendar days then `seconds` after `start`: the same local
        clock time (contract timezone) `days` days later, then `seconds`
        elapsed. A local time the clocks skip that day is moved forward by
        the gap, one they repeat is its first occurrence (zoneinfo's fold=0)."""
        if not days:
            return start + seconds
        tz = self.tz
        local = dt.datetime.fromtimestamp(start, tz).replace(tzinfo=None) + dt.timedelta(days=days)
        return int(local.replace(tzinfo=tz, fold=0).timestamp()) + seconds

    def round(self, amount: Decimal) -> Decimal:
        """The contract's rounding rule (`credits { rounding … to … }`), in a
        context wide enough for any total (a sum of many credits to a fine
        quantum has more digits than Decimal's default 28)."""
        return self.quantize(amount, self.rounding)

    def round_down(self, amount: Decimal) -> Decimal:
        """`amount` rounded DOWN to the quantum (a cap: rounding never takes
        a credit above it, SEMANTICS §6)."""
        return self.quantize(amount, ROUND_DOWN)

    def quantize(self, amount: Decimal, rounding: str) -> Decimal:
        """`amount` on the quantum by `rounding`, written without an exponent
        (a quantum of 10 gives 120, not 1.2E+2)."""
        q = amount.quantize(self.quantum, rounding=rounding, context=_WIDE)
        return q.quantize(_ONE, context=_WIDE) if q.as_tuple().exponent > 0 else q  # type: ignore[operator]

    def _fee_amount(self, percent, money, product) -> Decimal:
        if money is not None:
            return money
        fee = self.products.get(product)
        if fee is None:
            raise TicketError(
                "product",
                f"product `{product}` has no monthly fee in the contract, so a percentage credit cannot be computed",
                key="ticket.no_fee",
                fields={"product": product},
            )
        return fee * percent / _HUNDRED

    def _ladder_amounts(self, ld: _StepLadder, product) -> tuple[Decimal, Decimal | None, Decimal | None]:
        step = self._fee_amount(ld.percent, ld.money, product)
        cap = low = None
        if ld.cap_percent is not None or ld.cap_money is not None:
            # Rounded down to the quantum: rounding a capped credit never takes it above the cap (SEMANTICS §6).
            cap = self.round_down(self._fee_amount(ld.cap_percent, ld.cap_money, product))
        if ld.min_percent is not None or ld.min_money is not None:
            low = self._fee_amount(ld.min_percent, ld.min_money, product)
        ld.by_product[product] = amounts = (step, cap, low)
        return amounts

    def validate(self, t: Ticket) -> None:
        """Raise `TicketError` naming the field that makes `t` unusable."""
        if t.priority not in self._priority_set:
            raise TicketError(
                "priority",
                f"unknown priority `{t.priority}`; the contract has " + ", ".join(self.priorities),
                key="ticket.unknown_priority",
                fields={"priority": t.priority, "known": list(self.priorities)},
            )
        if not self.effective_lo <= t.opened_at < self.effective_hi:
            eff = self.file.effective
            when = self.format(t.opened_at)
            raise TicketError(
                "opened_at",
                f"opened {when}, outside the contract's effective period {eff.start} to {eff.end}",
                key="ticket.outside",
                fields={"opened": when, "start": eff.start, "end": eff.end},
            )
        opened = t.opened_at
        if t.first_response_at is not None and t.first_response_at < opened:
            self._before_opened(t, "first_response_at", t.first_response_at)
        if t.resolved_at is not None and t.resolved_at < opened:
            self._before_opened(t, "resolved_at", t.resolved_at)
        if t.followup_at is not None and t.followup_at < opened:
            self._before_opened(t, "followup_at", t.followup_at)
        if t.instants and self.start_columns:
            for name in self.start_columns:
                v = t.instants.get(name)
                if v is not None and v < opened:
                    self._before_opened(t, name, v)
        if t.pauses:
            for a, b in t.pauses:
                if b < a:
                    end, start = self.format(b), self.format(a)
                    raise TicketError(
                        "pauses",
                        f"a pause ends ({end}) before it starts ({start})",
                        key="ticket.pause_reversed",
                        fields={"end": end, "start": start},
                    )
        if t.exclusion is not None and t.exclusion not in self.exclusions:
            raise unknown_exclusion(t.exclusion, self.exclusions)
        if self._by_region_or_plan:
            self._check_region_and_plan(t)
        if self._needs_product and t.product not in self.products:
            what = f"unknown product `{t.product}`" if t.product else "no product"
            raise TicketError(
                "product",
                f"{what}; credits are a share of a product's fee: " + ", ".join(self.products),
                key="ticket.unknown_product" if t.product else "ticket.no_product",
                fields={"product": t.product, "known": list(self.products)},
            )
        if self._ladder_products and t.product not in self.products:
            # A ladder bound to products cannot tell whether it pays for a
            # ticket of no (or an unknown) product: an error, never a silent 0.
            what = f"unknown product `{t.product}`" if t.product else "no product"
            raise TicketError(
                "product",
                f"{what}; the contract's credits depend on the product: " + ", ".join(self.products),
                key="ticket.unknown_product_bound" if t.product else "ticket.no_product_bound",
                fields={"product": t.product, "known": list(self.products)},
            )

    def _check_region_and_plan(self, t: Ticket) -> None:
        """The ticket's region and plan, where columns or calendars go by them."""
        if self._needs_region and t.region not in self.regions:
            raise self._region_error(t, Problem("ticket.region_by.columns", "the response columns go by region"))
        if self._regional_in_use and t.region not in self.regions:
            raise self._region_error(t, self._why_calendar())
        if self._needs_plan and t.plan not in self._plan_set:
            if t.plan:
                raise TicketError(
                    "plan",
                    f"unknown plan `{t.plan}`; the contract's plans: " + ", ".join(self.plans),
                    key="ticket.unknown_plan",
                    fields={"plan": t.plan, "known": list(self.plans)},
                )
            raise TicketError(
                "plan",
                "no plan; the columns go by plan: " + ", ".join(self.plans),
                key="ticket.no_plan",
                fields={"known": list(self.plans)},
            )

    def _before_opened(self, t: Ticket, name: str, instant: int) -> None:
        value, opened = self.format(instant), self.format(t.opened_at)
        raise TicketError(
            name,
            f"{name} {value} is before opened_at {opened}",
            key="ticket.before_opened",
            fields={"column": name, "value": value, "opened": opened},
        )

    def format(self, t: int) -> str:
        """An instant as ISO 8601 in the contract's timezone."""
        try:
            return dt.datetime.fromtimestamp(t, self.tz).isoformat()
        except (OverflowError, ValueError, OSError):
            return f"{t} (epoch seconds)"

    def clock_start(self, metric: str, t: Ticket) -> int | None:
        """The instant `metric`'s clock starts for `t` (None: not yet, or not in the input)."""
        start = self.starts[metric]
        if start == "opened_at":
            return t.opened_at
        return (t.instants or {}).get(start)

    def column(self, metric: str, t: Ticket) -> str:
        """The column of `metric`'s matrix that ticket `t` falls into ("" while its clock has not started)."""
        entry = next(e for e in self._compiled_for(t).metrics if e[0] == metric)
        return self._choose(entry[2], t, self.clock_start(metric, t))

    @staticmethod
    def _choose(chooser, t: Ticket, when: int | None) -> str:
        for name, kind, arg, plan in chooser:
            if plan is not None and plan != t.plan:
                continue
            if kind == "calendar":
                if when is None:
                    return ""  # the clock has not started: no instant to choose at
                if arg(when):
                    return name
            elif kind == "region":
                if t.region == arg:
                    return name
            else:  # any, off_hours, plan
                return name
        raise TicketError(
            "region",
            f"no column takes a ticket of region `{t.region}`",
            key="ticket.no_column",
            fields={"region": t.region},
        )

    def due(self, target: _Target, start: int, pauses=()) -> int:
        """The deadline of `target` for a clock started at `start`; each
        pause that starts before the (moving) due time pushes it later by
        the pause's length on the target's clock. `pauses` sorted (by
        start); they count as the union of their intervals: each is clipped
        to start where the pauses before it end (`covered`), so overlapping,
        nested or touching pauses count once, in one pass."""
        covered = start
        if target.wall:
            due = start + target.seconds if not target.days else self.wall_due(start, target.days, target.seconds)
            for ps, pe in pauses:
                if ps < covered:
                    ps = covered
                if pe <= ps:
                    continue
                if ps >= due:
                    break
                due += pe - ps
                covered = pe
            return due
        cal = target.calendar
        assert cal is not None  # a business target has its calendar (the loader checks it)
        due = cal.advance(start, target.days, target.seconds)
        for ps, pe in pauses:
            if ps < covered:
                ps = covered
            if pe <= ps:
                continue
            if ps >= due:
                break
            paused = cal.offset(pe) - cal.offset(ps)
            if paused:
                due = cal._at_offset(cal.offset(due) + paused)
            covered = pe
        return due

    def _progress(self, target: _Target, start: int, due: int, when: int, pauses) -> tuple[int, int]:
        """(done, total): seconds of the target's clock elapsed at `when` and
        in the whole target, paused time left out (`pauses` as for `due`)."""
        if target.wall:
            if not pauses:
                return when - start, due - start
            measure = None
        else:
            cal = target.calendar
            assert cal is not None  # a business target has its calendar (the loader checks it)
            off = cal.offset
            if not pauses:
                o0 = off(start)
                try:
                    done = off(when) - o0
                except CalendarRangeError:
                    return 0, 0  # past the covered days: the share is not known (and the due time has passed)
                return done, off(due) - o0
            measure = lambda a, b: off(b) - off(a)  # noqa: E731
        if measure is None:
            measure = lambda a, b: b - a  # noqa: E731
        paused_total = paused_now = 0
        covered = start  # the union of the pauses, as in `due`
        for ps, pe in pauses:
            if ps < covered:
                ps = covered
            if pe <= ps or ps >= due:
                continue
            covered = pe
            paused_total += measure(ps, pe)
            if ps < when:
                paused_now += measure(ps, min(pe, when))
        total = measure(start, due) - paused_total
        try:
            done = measure(start, when) - paused_now
        except CalendarRangeError:
            return 0, 0  # past the covered days: the share is not known (and the due time has passed)
        return done, total

    def warning_level(self, share: Fraction) -> str | None:
        level = None
        for name, threshold in self.warnings:
            if share >= threshold:
                level = name
        return level

    # ------------------------------------------------------------- evaluation
    def evaluate(
        self,
        t: Ticket,
        at: int | None = None,
        validate: bool = True,
        unmeasured: frozenset[str] = frozenset(),
        unknown_flags: frozenset[str] = frozenset(),
    ) -> TicketOutcome:
        """Evaluate one ticket; `at` is the instant open tickets are judged at.
        `unmeasured`: metrics ("response", "resolution") the input has no
        column for — their deadlines are `not_measured` (due time given, no
        event, no breach, no warning, no credit). `unknown_flags`: flags the
        input has no column for — a metric whose priority has a conditional
        row on one of them is `not_measured` (no due time: which row applies
        is unknown)."""
        if validate:
            self.validate(t)
        comp = self._base if self._base is not None else self._compiled_for(t)
        excluded = t.exclusion
        pauses = sorted(t.pauses) if t.pauses and self.pauses_apply else ()  # `due` counts their union
        opened = t.opened_at
        # Resolving fulfils the response target at the latest.
        resolved = t.resolved_at
        if unmeasured and "resolution" in unmeasured:
            resolved = None  # not in the input: it cannot answer the response either
        responded = t.first_response_at
        if resolved is not None and (responded is None or resolved < responded):
            responded = resolved
        priority = t.priority
        levels = self._levels
        deadlines: dict[str, Deadline] = {}
        credits: dict[str, Decimal] = {}
        breached = False
        for name, is_response, chooser, by_prio, conds, ladders, fixed, start in comp.metrics:
            event = responded if is_response else resolved
            if start is None:
                clock0 = opened
            else:
                inst = t.instants
                if inst is None or start not in inst:  # the input has no column for the clock start
                    deadlines[name] = Deadline(name, "", "", "none", None, None, "not_measured")
                    continue
                begun = inst[start]
                if begun is None:  # the clock has not started
                    deadlines[name] = self._not_started(
                        name, t, chooser, by_prio, conds, event, unmeasured, unknown_flags
                    )
                    continue
                clock0 = begun
            try:
                if fixed is None:
                    column = self._choose(chooser, t, clock0)
                elif fixed.__class__ is str:
                    column = fixed
                else:
                    column = fixed[1] if fixed[0](clock0) else fixed[2]
            except CalendarRangeError as exc:
                raise self._range_error(name, start or "opened_at", exc) from None
            row = by_prio[priority]
            if conds:
                rows = conds.get(priority)
                if rows:
                    if unknown_flags and any(flag in unknown_flags for flag, _ in rows):
                        deadlines[name] = Deadline(name, column, "", "none", None, None, "not_measured")
                        continue
                    flags = t.flags
                    if flags:
                        for flag, cells in rows:
                            if flag in flags:
                                row = cells
                                break
            target = row.get(column)
            if target is None:
                if unmeasured and name in unmeasured:
                    event = None
                deadlines[name] = Deadline(name, column, "-", "none", None, event, "no_commitment")
                continue
            # The clock's offsets at the start and at the due time: set, and
            # read below, only for a business target without pauses.
            o0 = od = 0
            cal = None
            try:
                if pauses:
                    due = self.due(target, clock0, pauses)
                elif target.plain:
                    due = clock0 + target.seconds
                elif target.wall:
                    due = self.wall_due(clock0, target.days, target.seconds)
                else:
                    cal = target.calendar
                    assert cal is not None  # a business target has its calendar (the loader checks it)
                    due, o0, od = cal.deadline(clock0, target.days, target.seconds)
            except CalendarRangeError as exc:
                cal = target.calendar
                if cal is not None and clock0 >= cal.lo:
                    raise self._beyond_calendar(name, start or "opened_at", cal) from None
                raise self._range_error(name, start or "opened_at", exc) from None
            if unmeasured and name in unmeasured:
                deadlines[name] = Deadline(
                    name, column, target.spelling, target.clock, due, None, "not_measured", line=target.line
                )
                continue
            late = 0
            hit = False
            if event is not None:
                when: int | None = event
                if event < due or (event == due and not target.strict):
                    status = "met"
                else:
                    status, late, hit = "breached", event - due, True
            elif at is not None:
                when = at
                if at > due or (at == due and target.strict):
                    status, late, hit = "breached", at - due, True
                else:
                    status = "pending"
            else:
                status, when = "pending", None
            level = None
            done = total = 0
            if when is not None and levels:
                if not pauses:
                    if target.wall:
                        done, total = when - clock0, due - clock0
                    else:
                        total = od - o0
                        assert cal is not None  # set above for every business target
                        try:
                            done = cal.offset(when) - o0
                        except CalendarRangeError:
                            # Past the covered days (so past the due time): every level is
                            # reached, but the share itself is not known — none is made up.
                            done = total = 0
                else:
                    done, total = self._progress(target, clock0, due, when, pauses)
                if total > 0:
                    for lname, num, den in levels:
                        if done * den >= num * total:
                            level = lname
                else:
                    level = levels[-1][0]
            if excluded:
                status, late, hit = "excluded", 0, False
            elif hit:
                breached = True
            deadlines[name] = _new_tuple(
                Deadline,
                (
                    name,
                    column,
                    target.spelling,
                    target.clock,
                    due,
                    event,
                    status,
                    late,
                    level,
                    done,
                    total,
                    target.line,
                ),
            )
            if hit:
                for ld in ladders:
                    if ld.products is not None and t.product not in ld.products:
                        continue
                    # A strict target breached at its due instant is late 0 and owes one started step.
                    steps = (-(-late // ld.every) or 1) if ld.mode == "started" else late // ld.every
                    if not steps:
                        continue
                    amounts = ld.by_product.get(t.product)
                    if amounts is None:
                        amounts = self._ladder_amounts(ld, t.product)
                    owed = amounts[0] * steps
                    if amounts[2] is not None and 0 < owed < amounts[2]:
                        owed = amounts[2]
                    if amounts[1] is not None and owed > amounts[1]:
                        owed = amounts[1]
                    credits[ld.name] = credits[ld.name] + owed if ld.name in credits else owed
        updates = (
            self._updates(t, at, comp, pauses)
            if priority in comp.upd_priorities and t.first_response_at is not None
            else None
        )
        followup = self._followup(t, at) if resolved is not None and self.followup is not None else None
        if excluded:  # an excluded ticket owes nothing, progress updates included
            if updates is not None:
                updates = CadenceCheck("excluded", 0, updates.due)
            if followup is not None:
                followup = CadenceCheck("excluded", 0, followup.due)
        return _new_tuple(TicketOutcome, (t, deadlines, credits, excluded, updates, followup, breached))

    def _not_started(self, name, t: Ticket, chooser, by_prio, conds, event, unmeasured, unknown_flags) -> Deadline:
        """The deadline of a metric whose clock has not started: nothing is
        due yet, and an event that already happened cannot be late (met).
        The column is known when its choice needs no instant."""
        column = self._choose(chooser, t, None)
        row = by_prio[t.priority]
        rows = conds.get(t.priority) if conds else None
        if rows:
            if unknown_flags and any(flag in unknown_flags for flag, _ in rows):
                return Deadline(name, column, "", "none", None, None, "not_measured")
            for flag, cells in rows:
                if flag in t.flags:
                    row = cells
                    break
        target = row.get(column)
        if unmeasured and name in unmeasured:
            event = None
            status = "not_measured"
        elif target is None and column:
            return Deadline(name, column, "-", "none", None, event, "no_commitment")
        elif t.exclusion:
            status = "excluded"
        else:
            status = "pending" if event is None else "met"
        if target is None:
            return Deadline(name, column, "", "none", None, event, status)
        return Deadline(name, column, target.spelling, target.clock, None, event, status, line=target.line)

    def _beyond_calendar(self, name: str, column: str, cal: BusinessCalendar) -> TicketError:
        # Past the calendar's last day: the next year's holidays are not in
        # the rule file — never guessed (SEMANTICS §4).
        year = cal.last.year + 1
        return TicketError(
            column,
            f"cannot compute the {name} due time: it falls after {cal.last}, the last day calendar "
            f"`{cal.name}` covers; {year}'s holidays are not in the rule file: supply {year}'s official "
            f'schedule in the contract\'s calendar (`year {year} "<notice>" {{ … }}`) and rebuild',
            key="ticket.due_beyond_calendar",
            fields={
                "metric": _METRIC_WORDS.get(name, name),
                "last": cal.last,
                "calendar": cal.name,
                "year": str(year),
            },
        )

    @staticmethod
    def _range_error(name: str, column: str, exc: Exception) -> TicketError:
        return TicketError(
            column,
            f"cannot compute the {name} due time: {exc}",
            key="ticket.due_out_of_range",
            fields={"metric": _METRIC_WORDS.get(name, name), "reason": str(exc)},
        )

    # ------------------------------------------------------------- updates
    def _updates(self, t: Ticket, at: int | None, comp: _Compiled, pauses) -> CadenceCheck | None:
        # Progress updates are due every N from the first response until
        # resolution (or `at`), on the cadence's clock with the pauses left
        # out; each update restarts the cadence, and each deadline passed
        # without one is a missed update (the next is due N after it).
        chooser = comp.upd_chooser
        column = None
        if chooser:
            fixed = comp.upd_fixed
            if fixed is None:
                column = self._choose(chooser, t, t.opened_at)
            elif fixed.__class__ is str:
                column = fixed
            else:
                column = fixed[1] if fixed[0](t.opened_at) else fixed[2]
        rule = comp.upd_rules.get((t.priority, column))
        if rule is None:
            return None
        first = t.first_response_at
        assert first is not None  # evaluate() asks only then
        end = t.resolved_at if t.resolved_at is not None else at
        if end is None:
            return None
        ups = sorted(u for u in t.updates if first < u <= end) if t.updates else []
        if rule.wall and not pauses and not rule.days:
            # The common case, in plain arithmetic: each gap longer than N misses ⌈gap/N⌉−1 deadlines.
            every = rule.seconds
            last, missed, first_missed = first, 0, None
            for u in (*ups, end):
                if u - last > every:
                    missed += (u - last - 1) // every
                    if first_missed is None:
                        first_missed = last + every
                last = u if u > last else last
            if missed:
                return CadenceCheck("breached", missed, first_missed)
            if t.resolved_at is not None:
                return CadenceCheck("met", 0, None)
            return CadenceCheck("pending", 0, (ups[-1] if ups else first) + every)
        try:
            if rule.days == 0 and rule.seconds > 0:
                missed, first_missed, nxt = self._cadence_closed(rule, first, ups, end, pauses)
            else:
                missed, first_missed, nxt = self._cadence_steps(rule, first, ups, end, pauses)
        except CalendarRangeError as exc:
            raise self._range_error("updates", "updates", exc) from None
        if missed:
            return CadenceCheck("breached", missed, first_missed)
        if t.resolved_at is not None:
            return CadenceCheck("met", 0, None)
        return CadenceCheck("pending", 0, nxt)

    @staticmethod
    def _cadence_closed(rule: _Target, first: int, ups, end: int, pauses):
        """A cadence of `rule.seconds` on the wall clock or in business
        seconds: the clock's measure M (its offset, less paused time) is
        linear between pauses, so the deadlines missed in a gap are counted,
        not walked. Returns (missed, first missed deadline, next deadline)."""
        cal = rule.calendar
        every = rule.seconds
        off: Callable[[int], int]
        back: Callable[[int], int]
        if cal is None:
            off = back = _identity
        else:
            off, back, hi = cal.offset, cal._at_offset, cal.hi
        # The pauses after the first response, as merged intervals of the clock's offsets.
        merged: list[list[int]] = []
        for ps, pe in pauses:
            if pe <= first:
                continue
            if cal is not None and pe > hi:
                pe = hi
            a, b = off(max(ps, first)), off(pe)
            if b <= a:
                continue
            if merged and a <= merged[-1][1]:
                if b > merged[-1][1]:
                    merged[-1][1] = b
            else:
                merged.append([a, b])

        def measure(x: int) -> int:
            o = off(x)
            m = o
            for a, b in merged:
                if a >= o:
                    break
                m -= (b if b < o else o) - a
            return m

        def instant(m: int) -> int:  # the earliest instant at which the measure reaches m
            o = m
            for a, b in merged:
                if a >= o:
                    break
                o += b - a
            return back(o)

        missed = 0
        first_missed = None
        last = first

        def gap(a: int, b: int) -> int:
            """The deadlines after `a` (restarted there) passed before `b`."""
            nonlocal first_missed
            m0, mb = measure(a), measure(b)
            n = (mb - m0 - 1) // every if mb > m0 else 0  # deadlines m0 + k·every < mb
            if mb > m0 and (mb - m0) % every == 0 and instant(mb) < b:
                n += 1  # that deadline has b's measure but came before b (b is off the clock)
            if n and first_missed is None:
                first_missed = instant(m0 + every)
            return n

        for u in ups:
            if u > last:
                missed += gap(last, u)
                last = u
        if end > last:
            missed += gap(last, end)
        nxt = None
        if not missed:
            try:
                nxt = instant(measure(last) + every)
            except CalendarRangeError:
                nxt = None  # past the days the calendar covers
        return missed, first_missed, nxt

    def _cadence_steps(self, rule: _Target, first: int, ups, end: int, pauses):
        """A cadence in calendar days or business days (not linear in any
        one measure): deadlines walked one by one, at most `_UPDATE_STEPS`."""
        steps = 0
        missed = 0
        first_missed = None
        deadline = self.due(rule, first, pauses)
        for u in (*ups, None):
            stop = end if u is None else u
            while deadline < stop:
                missed += 1
                if first_missed is None:
                    first_missed = deadline
                steps += 1
                if steps > _UPDATE_STEPS:
                    raise TicketError(
                        "updates",
                        f"more than {_UPDATE_STEPS:,} progress-update deadlines passed without an update",
                        key="ticket.updates_unbounded",
                        fields={"n": _UPDATE_STEPS},
                    )
                deadline = self.due(rule, deadline, pauses)
            if u is not None:
                deadline = self.due(rule, u, pauses)
        return missed, first_missed, deadline

    def _followup(self, t: Ticket, at: int | None) -> CadenceCheck | None:
        if self.followup is None or t.resolved_at is None:
            return None
        days, seconds = self.followup
        due = t.resolved_at + seconds if not days else self.wall_due(t.resolved_at, days, seconds)
        if t.followup_at is not None:
            return _new_tuple(CadenceCheck, ("met" if t.followup_at <= due else "breached", 0, due))
        if at is not None and at > due:
            return CadenceCheck("breached", 1, due)
        return _new_tuple(CadenceCheck, ("pending", 0, due))

    def evaluate_table(self, table, at: int | None = None, period: str = "month") -> dict:
        """The period report (`PeriodReport.result()`) of a whole table of
        tickets evaluated on DuckDB: an Arrow table, a pandas frame, a DuckDB
        relation — anything DuckDB can scan — with the typed columns of
        slalang/sql/inputs.py (docs/scale.md). Equal to evaluating each
        ticket here and folding it into a `PeriodReport`; raises
        `slalang.sql.engine.TableError` listing the rows the batch path
        cannot evaluate. Needs duckdb (imported on first use)."""
        from slalang.sql.engine import evaluate_table

        return evaluate_table(self, table, at, period)

    # ------------------------------------------------------------- fast path
    def due_times(
        self, priority: str, opened_at: int, region: str | None = None, plan: str | None = None
    ) -> dict[str, int | None]:
        """Only the due time of each metric (no pauses, the plain row): a
        ticketing system's hot path when a ticket is opened. A metric whose
        clock starts at another instant (`from NAME`) has none yet."""
        t = Ticket("", priority, opened_at, region=region, plan=plan)
        if self._by_region_or_plan:
            self._check_region_and_plan(t)  # the same row errors as `evaluate`, never "no column"
        comp = self._base if self._base is not None else self._compiled_for(t)
        out: dict[str, int | None] = {}
        for name, _, chooser, by_prio, _, _, fixed, start in comp.metrics:
            if start is not None:
                out[name] = None
                continue
            if fixed is None:
                column = self._choose(chooser, t, opened_at)
            elif fixed.__class__ is str:
                column = fixed
            else:
                column = fixed[1] if fixed[0](opened_at) else fixed[2]
            target = by_prio[priority].get(column)
            if target is None:
                out[name] = None
            elif target.wall:
                out[name] = (
                    opened_at + target.seconds
                    if not target.days
                    else self.wall_due(opened_at, target.days, target.seconds)
                )
            else:
                cal = target.calendar
                assert cal is not None  # a business target has its calendar (the loader checks it)
                out[name] = cal.deadline(opened_at, target.days, target.seconds)[0]
        return out
