"""Ticket enforcement: columns, deadlines, breaches, warnings and credits.

`Rules` compiles a validated rule file once (calendars, target lookup
tables, warning thresholds, credit ladders) so that evaluating a ticket is a
handful of dictionary lookups and binary searches. All instants are integer
epoch seconds; money is `Decimal`.

Semantics (docs/runtime.md says the same, with examples):
- column: chosen when the ticket is opened — the first `calendar` column whose
  calendar contains the opening instant, else `off_hours`; `any` takes every
  ticket; `region` columns go by the ticket's region;
- a deadline runs on its target's clock: wall (`m`, `h`, `d`) or business
  (`bh`, `bd`) on the matrix's calendar;
- pauses stop the clock. They are the union of their intervals: overlapping,
  nested or touching pauses count once (sorted once per ticket, each clipped
  to start where the ones before it end). Each pause that starts before the
  (moving) due time pushes the due time later by its length measured on that
  clock;
- the response event is the first response or the resolution, whichever
  comes first: resolving a ticket fulfils its response target at the latest
  (a ticket solved before any reply is answered when it is resolved);
- met: the event (response as above, resolution) at or before the due time;
  breached: after it, or still missing at the evaluation instant `at` after
  the due time; late = wall-clock seconds after the due time;
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
- credits: each step ladder on a breached metric owes ⌈late/S⌉ (started) or
  ⌊late/S⌋ (full) steps; a ladder that names products pays only for tickets
  of those products (none named: every product); an owed amount is raised to
  the ladder's `minimum`, then limited by its cap. Exact Decimals: rounding
  is the report's (see `Rules.round`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, ROUND_UP, Decimal
from fractions import Fraction
from operator import itemgetter
from zoneinfo import ZoneInfo

from slalang.ruleschema import Problem, RuleFile
from slalang.runtime.calendar import DAY, BusinessCalendar, CalendarRangeError

_new_tuple = tuple.__new__
_ROUNDING = {"half_up": ROUND_HALF_UP, "half_even": ROUND_HALF_EVEN, "down": ROUND_DOWN, "up": ROUND_UP}
_HUNDRED = Decimal(100)


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


@dataclass
class _Metric:
    name: str
    columns: list  # (name, kind, calendar or region)
    targets: dict = field(default_factory=dict)  # (priority, column) → _Target | None
    ladders: list = field(default_factory=list)


def _dec(s: str | None) -> Decimal | None:
    return None if s is None else Decimal(s)


class Rules:
    """A rule file compiled for enforcement."""

    def __init__(self, rules: RuleFile):
        self.file = rules
        self.tz = ZoneInfo(rules.timezone)
        self.currency = rules.currency
        self.calendars = {c.name: BusinessCalendar.from_rules(c, self.tz) for c in rules.calendars}
        self.priorities = [p.name for p in rules.priorities]
        self._priority_set = frozenset(self.priorities)
        self.products = {p.name: _dec(p.monthly_fee) for p in rules.products}
        self.regions = frozenset(r.name for r in rules.regions)
        self.exclusions = {e.code: e for e in rules.exclusions}
        eff = rules.effective
        any_cal = next(iter(self.calendars.values()), None) or BusinessCalendar("wall", self.tz, {}, eff.start, eff.end)
        self._epoch_of_day = any_cal.local_to_epoch
        self.effective_lo = self.local_midnight(eff.start)
        self.effective_hi = self.local_midnight(eff.end + dt.timedelta(days=1))
        self.warnings = [(w.level, Fraction(Decimal(w.percent)) / 100) for w in rules.warnings]
        # done/total ≥ p ⇔ done·den ≥ num·total: integer compares in the hot path.
        self._levels = [(name, f.numerator, f.denominator) for name, f in self.warnings]
        pol = rules.credit_policy
        # No rounding rule only when the contract has no credit ladder (nothing to round).
        self.rounding = _ROUNDING[pol.rounding] if pol.rounding is not None else ROUND_HALF_EVEN
        self.quantum = Decimal(pol.quantum)
        self.metrics: dict[str, _Metric] = {}
        for mx in rules.metrics:
            cols: list[tuple[str, str, BusinessCalendar | str | None]] = []
            for c in mx.columns:
                if c.kind == "calendar":
                    cols.append((c.name, c.kind, self.calendars.get(c.calendar) if c.calendar is not None else None))
                else:
                    cols.append((c.name, c.kind, c.region))
            self.metrics[mx.name] = _Metric(mx.name, cols)
        for t in rules.targets:
            tgt = None
            if t.clock != "none":
                tgt = _Target(
                    t.clock,
                    self.calendars.get(t.calendar) if t.calendar else None,
                    t.days,
                    t.seconds,
                    t.spelling,
                    t.line,
                    t.clock == "wall",
                )
            self.metrics[t.metric].targets[(t.priority, t.column)] = tgt
        self._needs_region = any(k == "region" for mt in self.metrics.values() for _, k, _ in mt.columns)
        self._needs_product = False
        self._ladder_products = False  # some step ladder pays only for the products it names
        self.tier_ladders = []
        for ld in rules.credit_ladders:
            cap_p = _dec(ld.cap.percent) if ld.cap else None
            cap_m = _dec(ld.cap.money) if ld.cap else None
            if ld.metric == "availability":
                self.tier_ladders.append(ld)
                continue
            if ld.step is None or ld.metric not in self.metrics:
                continue
            a = ld.step.amount
            lo = ld.minimum
            self.metrics[ld.metric].ladders.append(
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
        # Per metric: (name, is_response, column chooser entries, {priority: {column: target}}, ladders)
        self._plan = []
        for name, mt in self.metrics.items():
            by_prio: dict[str, dict[str, _Target | None]] = {p: {} for p in self.priorities}
            for (prio, col), tgt in mt.targets.items():
                by_prio.setdefault(prio, {})[col] = tgt
            chooser = [
                (cname, kind, arg.fast_contains if kind == "calendar" else arg) for cname, kind, arg in mt.columns
            ]
            # A matrix with one `any` column needs no choice at all; the usual
            # `columns CAL, off_hours` is one calendar lookup.
            fixed = chooser[0][0] if chooser and chooser[0][1] in ("any", "off_hours") else None
            if len(chooser) == 2 and chooser[0][1] == "calendar" and chooser[1][1] == "off_hours":
                fixed = (chooser[0][2], chooser[0][0], chooser[1][0])
            self._plan.append((name, name == "response", chooser, by_prio, mt.ladders, fixed))
        self.updates = {u.priority: u.every_seconds for u in rules.updates}
        self.followup = rules.followup.within_seconds if rules.followup else None
        self.policy = pol

    # ------------------------------------------------------------- helpers
    def local_midnight(self, date: dt.date) -> int:
        return self._epoch_of_day((date.toordinal() - dt.date(1970, 1, 1).toordinal()) * DAY)

    def round(self, amount: Decimal) -> Decimal:
        """The contract's rounding rule (`credits { rounding … to … }`)."""
        return amount.quantize(self.quantum, rounding=self.rounding)

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
            cap = self._fee_amount(ld.cap_percent, ld.cap_money, product).quantize(self.quantum, rounding=ROUND_DOWN)
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
            self._before_opened(t, "first_response_at")
        if t.resolved_at is not None and t.resolved_at < opened:
            self._before_opened(t, "resolved_at")
        if t.followup_at is not None and t.followup_at < opened:
            self._before_opened(t, "followup_at")
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
        if self._needs_region and t.region not in self.regions:
            what = f"unknown region `{t.region}`" if t.region else "no region"
            raise TicketError(
                "region",
                f"{what}; the response columns go by region: " + ", ".join(sorted(self.regions)),
                key="ticket.unknown_region" if t.region else "ticket.no_region",
                fields={"region": t.region, "known": sorted(self.regions)},
            )
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

    def _before_opened(self, t: Ticket, name: str) -> None:
        value, opened = self.format(getattr(t, name)), self.format(t.opened_at)
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

    def column(self, metric: str, t: Ticket) -> str:
        """The column of `metric`'s matrix that ticket `t` falls into."""
        plan = next(p for p in self._plan if p[0] == metric)
        return self._choose(plan[2], t)

    @staticmethod
    def _choose(chooser, t: Ticket) -> str:
        for name, kind, arg in chooser:
            if kind == "calendar":
                if arg(t.opened_at):
                    return name
            elif kind == "region":
                if t.region == arg:
                    return name
            else:  # any, off_hours
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
            due = start + target.seconds
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
        self, t: Ticket, at: int | None = None, validate: bool = True, unmeasured: frozenset[str] = frozenset()
    ) -> TicketOutcome:
        """Evaluate one ticket; `at` is the instant open tickets are judged at.
        `unmeasured`: metrics ("response", "resolution") the input has no
        column for — their deadlines are `not_measured` (due time given, no
        event, no breach, no warning, no credit)."""
        if validate:
            self.validate(t)
        excluded = t.exclusion
        pauses = sorted(t.pauses) if t.pauses else ()  # `due` counts their union
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
        for name, is_response, chooser, by_prio, ladders, fixed in self._plan:
            if fixed is None:
                column = self._choose(chooser, t)
            elif fixed.__class__ is str:
                column = fixed
            else:
                column = fixed[1] if fixed[0](opened) else fixed[2]
            target = by_prio[priority].get(column)
            event = responded if is_response else resolved
            if target is None:
                if unmeasured and name in unmeasured:
                    event = None
                deadlines[name] = Deadline(name, column, "-", "none", None, event, "no_commitment")
                continue
            # The clock's offsets at opening and at the due time: set, and
            # read below, only for a business target without pauses.
            o0 = od = 0
            try:
                if pauses:
                    due = self.due(target, opened, pauses)
                elif target.wall:
                    due = opened + target.seconds
                else:
                    cal = target.calendar
                    assert cal is not None  # a business target has its calendar (the loader checks it)
                    due, o0, od = cal.deadline(opened, target.days, target.seconds)
            except CalendarRangeError as exc:
                cal = target.calendar
                if cal is not None and opened >= self.local_midnight(cal.first):
                    # Past the calendar's last day: the next year's holidays are
                    # not in the rule file — never guessed (SEMANTICS §4).
                    year = cal.last.year + 1
                    raise TicketError(
                        "opened_at",
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
                    ) from None
                raise TicketError(
                    "opened_at",
                    f"cannot compute the {name} due time: {exc}",
                    key="ticket.due_out_of_range",
                    fields={"metric": _METRIC_WORDS.get(name, name), "reason": str(exc)},
                ) from None
            if unmeasured and name in unmeasured:
                deadlines[name] = Deadline(
                    name, column, target.spelling, target.clock, due, None, "not_measured", line=target.line
                )
                continue
            late = 0
            if event is not None:
                when = event
                if event <= due:
                    status = "met"
                else:
                    status, late = "breached", event - due
            elif at is not None:
                when = at
                if at > due:
                    status, late = "breached", at - due
                else:
                    status = "pending"
            else:
                status, when = "pending", None
            level = None
            done = total = 0
            if when is not None and levels:
                if not pauses:
                    if target.wall:
                        done, total = when - opened, due - opened
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
                    done, total = self._progress(target, opened, due, when, pauses)
                if total > 0:
                    for lname, num, den in levels:
                        if done * den >= num * total:
                            level = lname
                else:
                    level = levels[-1][0]
            if excluded:
                status, late = "excluded", 0
            elif late:
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
            if late:
                for ld in ladders:
                    if ld.products is not None and t.product not in ld.products:
                        continue
                    steps = -(-late // ld.every) if ld.mode == "started" else late // ld.every
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
        updates = self._updates(t, at) if t.priority in self.updates else None
        followup = self._followup(t, at) if t.resolved_at is not None and self.followup is not None else None
        if excluded:  # an excluded ticket owes nothing, progress updates included
            if updates is not None:
                updates = CadenceCheck("excluded", 0, updates.due)
            if followup is not None:
                followup = CadenceCheck("excluded", 0, followup.due)
        return _new_tuple(TicketOutcome, (t, deadlines, credits, excluded, updates, followup, breached))

    def _updates(self, t: Ticket, at: int | None) -> CadenceCheck | None:
        # Progress updates are due every N (wall clock) from the first
        # response until resolution; each gap longer than N misses ⌈gap/N⌉−1
        # deadlines.
        every = self.updates.get(t.priority)
        if every is None or t.first_response_at is None:
            return None
        end = t.resolved_at if t.resolved_at is not None else at
        if end is None:
            return None
        last, missed = t.first_response_at, 0
        first_missed = None
        for u in sorted(t.updates):
            if u <= last or u > end:
                continue
            if u - last > every:
                missed += (u - last - 1) // every
                first_missed = first_missed or last + every
            last = u
        if end - last > every:
            missed += (end - last - 1) // every
            first_missed = first_missed or last + every
        if missed:
            return CadenceCheck("breached", missed, first_missed)
        status = "met" if t.resolved_at is not None else "pending"
        return CadenceCheck(status, 0, None if t.resolved_at is not None else last + every)

    def _followup(self, t: Ticket, at: int | None) -> CadenceCheck | None:
        if self.followup is None or t.resolved_at is None:
            return None
        due = t.resolved_at + self.followup
        if t.followup_at is not None:
            return _new_tuple(CadenceCheck, ("met" if t.followup_at <= due else "breached", 0, due))
        if at is not None and at > due:
            return CadenceCheck("breached", 1, due)
        return _new_tuple(CadenceCheck, ("pending", 0, due))

    # ------------------------------------------------------------- fast path
    def due_times(self, priority: str, opened_at: int, region: str | None = None) -> dict[str, int | None]:
        """Only the due time of each metric (no pauses): a ticketing
        system's hot path when a ticket is opened."""
        t = Ticket("", priority, opened_at, region=region)
        out: dict[str, int | None] = {}
        for name, _, chooser, by_prio, _, _ in self._plan:
            target = by_prio[priority].get(self._choose(chooser, t))
            if target is None:
                out[name] = None
            elif target.wall:
                out[name] = opened_at + target.seconds
            else:
                cal = target.calendar
                assert cal is not None  # a business target has its calendar (the loader checks it)
                out[name] = cal.deadline(opened_at, target.days, target.seconds)[0]
        return out
