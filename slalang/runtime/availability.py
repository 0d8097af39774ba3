"""Availability: downtime per product (or resource) and period → %, tier, credit lines.

The meaning (spec10 §2, docs/runtime.md says the same with a worked example):
- periods are calendar months, quarters or years in the contract's timezone,
  **cut by the term**: a period is measured over its part inside the term
  (a term starting 17 March measures March over 17–31 March). Period bounds
  come from the timezone (zoneinfo), never from a business calendar, so every
  period inside the term can be judged, the last partial one included;
- downtime rows are clipped to the period part and merged (union) per
  product, or per resource for a target `per instance` (any resource kind);
- time is removed from downtime as the contract says: an interval carrying an
  exclusion code is excluded; `maintenance` inside the maintenance windows,
  announced at least the notice ahead, is allowed up to `max D per month`
  within each calendar month (also when the target is per quarter or year;
  `max … per quarter|year` within each such period), earliest first; the
  rest of it is downtime. Precedence: exclusion over maintenance over
  downtime;
- outages are the maximal intervals of counted downtime; an outage shorter
  than the grace (`ignore outages under D`; at most D for `up to D`) is not
  counted; then each is rounded to whole minutes (`per started minute`: up,
  `per full minute`: down) or kept in exact seconds. Downtime ≤ denominator;
- request buckets (`buckets 5m down when errors above 5%`): the part is cut
  into intervals from local midnight; an interval is down when
  errors × 100 > limit × requests (strict); no requests: not down;
- denominator: the part's seconds (`whole_period`) or that less excluded time
  and allowed maintenance (`eligible_time`);
- availability % = (denominator − downtime) / denominator × 100, exact;
  met ⇔ availability ≥ target. A product (resource) that meets its target
  owes no availability credit;
- credit lines: each availability ladder paying for the product (a ladder
  names its products; none: every product with a target) reaches the lowest
  threshold the availability is strictly below; its amount is `P% of
  monthly_fee` (× months of the period, × days inside the term / days of the
  period when the period is cut and the policy says `prorated`), `P% of
  charges` (the charges billed for the product, or resource, and period:
  input data, missing → an error naming them, never 0) or a fixed sum; then
  the ladder's `minimum` raises it, then its `cap` limits it. Lines are exact
  Decimals; combining (`sum` | `highest`), rounding and the policy cap are the
  report's (slalang.runtime.report).
A percentage may also be given directly per product (resource) and period."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from slalang.ruleschema import Problem
from slalang.runtime.calendar import WEEKDAY_INDEX
from slalang.runtime.engine import Rules, TicketError, unknown_exclusion
from slalang.terms import PERIOD_MONTHS

PERIOD_EXAMPLES = {"month": "2026-03", "quarter": "2026-Q1", "year": "2026"}
_EXCL, _MAINT, _DOWN = 0, 1, 2  # precedence: a lower tag wins


def period_key(date: dt.date, period: str) -> str:
    """The label of the period containing a local date."""
    if period == "day":
        return date.isoformat()
    if period == "week":
        y, w, _ = date.isocalendar()
        return f"{y}-W{w:02d}"
    if period == "month":
        return f"{date.year}-{date.month:02d}"
    if period == "quarter":
        return f"{date.year}-Q{(date.month - 1) // 3 + 1}"
    if period == "year":
        return str(date.year)
    raise ValueError(f"unknown period {period!r}")


def period_of_label(key: str) -> str:
    """`2026-03` → month, `2026-Q1` → quarter, `2026` → year (else ValueError)."""
    if "-Q" in key:
        return "quarter"
    if "-W" in key:
        return "week"
    if key.count("-") == 1:
        return "month"
    if key.count("-") == 2:
        return "day"
    if key.isdigit():
        return "year"
    raise ValueError(f"not a period label: {key!r}")


def period_dates(key: str, period: str) -> tuple[dt.date, dt.date]:
    """First and last local date of a period label."""
    if period == "day":
        d = dt.date.fromisoformat(key)
        return d, d
    if period == "week":
        y, w = key.split("-W")
        d = dt.date.fromisocalendar(int(y), int(w), 1)
        return d, d + dt.timedelta(days=6)
    if period == "month":
        year, month = map(int, key.split("-"))
        first = dt.date(year, month, 1)
    elif period == "quarter":
        y, q = key.split("-Q")
        if not 1 <= int(q) <= 4:
            raise ValueError(key)
        first = dt.date(int(y), 3 * int(q) - 2, 1)
    elif period == "year":
        first = dt.date(int(key), 1, 1)
    else:
        raise ValueError(f"unknown period {period!r}")
    return first, add_months(first, PERIOD_MONTHS[period]) - dt.timedelta(days=1)


def add_months(first: dt.date, months: int) -> dt.date:
    """The first day of the month `months` after `first`'s month."""
    m0 = first.month - 1 + months
    return dt.date(first.year + m0 // 12, m0 % 12 + 1, 1)


def valid_label(key: str, period: str) -> bool:
    # A label from the data: short (`2026-W05`, `2026-03-31`), and no year
    # that overflows a date (`99999999999-03`) is one.
    if not isinstance(key, str) or len(key) > 10 or not key.isascii():
        return False
    try:
        first, _ = period_dates(key, period)
    except (ValueError, TypeError, OverflowError):
        return False
    return period_key(first, period) == key


def decimal_percent(share: Fraction, places: int = 4) -> Decimal:
    """A percentage for display, truncated (never rounded up to a target)."""
    q = Decimal(1).scaleb(-places)
    return (Decimal(share.numerator) / Decimal(share.denominator)).quantize(q, rounding="ROUND_DOWN")


@dataclass(slots=True)
class AvailabilityOutcome:
    """One product (or resource) and period. `total_seconds` is the
    denominator; `credits` maps each ladder that pays to its exact line
    (minimum and ladder cap applied); `tiers` the threshold each reached."""

    product: str
    period: str  # label, e.g. "2026-03", "2026-Q1", "2026"
    target: Decimal
    availability: Fraction  # percent, exact
    resource: str | None = None
    total_seconds: int = 0  # the denominator
    downtime_seconds: int = 0
    excluded_seconds: int = 0
    maintenance_seconds: int = 0
    given: bool = False  # the percentage was given, not measured
    met: bool = True
    tier: Decimal | None = None  # the lowest threshold reached by any ladder
    tiers: dict[str, Decimal] = field(default_factory=dict)
    credits: dict[str, Decimal] = field(default_factory=dict)
    period_kind: str = "month"
    missing: TicketError | None = None  # a line could not be computed (no charges given): the report raises it
    part_days: int = 0  # days of the period inside the term
    period_days: int = 0  # days of the whole period

    @property
    def percent(self) -> Decimal:
        return decimal_percent(self.availability)

    @property
    def cut(self) -> bool:
        return self.part_days != self.period_days


_PERIOD_WORDS = {
    "month": Problem("period.month", "month"),
    "quarter": Problem("period.quarter", "quarter"),
    "year": Problem("period.year", "year"),
}


def _period_word(period: str) -> Problem | str:
    return _PERIOD_WORDS.get(period, period)


def _given_and_measured(product: str, resource: str | None, key: str) -> TicketError:
    """A period given both as a percentage and as measured rows: which one
    the provider owes by is not for the runtime to guess."""
    who = f"`{product}` {resource}" if resource else f"`{product}`"
    return TicketError(
        "availability",
        f"{who} {key} is given both as a percentage and as downtime or request rows; give one of them",
        key="availability.given_and_measured",
        fields={"who": who, "period": key},
    )


def _inside_term(rules: Rules, key: str, period: str) -> None:
    """A period label (a given figure's, a claim's) must touch the term."""
    first, last = period_dates(key, period)
    eff = rules.file.effective
    if last < eff.start or first > eff.end:
        raise TicketError(
            "period",
            f"{key} is outside the contract's effective period {eff.start} to {eff.end}",
            key="availability.outside",
            fields={"period": key, "start": eff.start, "end": eff.end},
        )


def _not_a_period(key: str, period: str) -> TicketError:
    example = PERIOD_EXAMPLES.get(period, "2026-03")
    return TicketError(
        "period",
        f"`{key}` is not a {period}; write it like {example}",
        key="availability.not_a_period",
        fields={"period_key": key, "period": _period_word(period), "example": example},
    )


@dataclass(slots=True)
class _Target:
    product: str
    period: str
    percent: Decimal
    target: Fraction
    resource: str | None
    counting: str
    ignore_under: int | None
    ignore_inclusive: bool
    bucket: int | None
    bucket_limit: Fraction | None
    denominator: str


class AvailabilityLedger:
    """Collects downtime, request counts, given percentages and billed
    charges, and judges each product (or resource) and period against the
    contract's availability targets."""

    def __init__(self, rules: Rules):
        self.rules = rules
        self.tz = rules.tz
        self._midnights: dict[dt.date, int] = {}
        f = rules.file
        self.targets: dict[tuple[str, str], _Target] = {}
        self.periods_of: dict[str, list[str]] = {}
        for a in f.availability:
            self.targets[(a.product, a.period)] = _Target(
                a.product,
                a.period,
                Decimal(a.percent),
                Fraction(Decimal(a.percent)),
                a.resource,
                a.counting,
                a.ignore_under_seconds,
                a.ignore_inclusive,
                a.bucket_seconds,
                Fraction(Decimal(a.bucket_error_percent)) if a.bucket_error_percent is not None else None,
                a.denominator,
            )
            self.periods_of.setdefault(a.product, []).append(a.period)
        self.term = (f.effective.start, f.effective.end)
        self.term_lo = self.midnight(f.effective.start)
        self.term_hi = self.midnight(f.effective.end + dt.timedelta(days=1))
        self.ladders = [ld for ld in f.credit_ladders if ld.metric == "availability"]
        pol = f.credit_policy
        self.prorate = pol.partial_periods == "prorated"
        self.maintenance = rules.exclusions.get("maintenance")
        self._windows: dict[int, list[tuple[int, int]]] = {}
        if self.maintenance is not None:
            for w in self.maintenance.windows:
                self._windows.setdefault(WEEKDAY_INDEX[w.day], []).append((_minutes(w.start), _minutes(w.end)))
        self._rows: dict[tuple[str, str | None], list[tuple[int, int, str | None, int | None]]] = {}
        self._requests: dict[tuple[str, str | None], dict[int, list]] = {}
        self._given: dict[tuple[str, str | None, str, str], Fraction] = {}
        self._charges: dict[tuple[str, str | None, str], Decimal] = {}
        self._seen: set[tuple[str, str | None, str, str]] = set()
        self._measured: set[tuple[str, str | None, str, str]] = set()  # periods with downtime or request rows
        self._excluded_requests: dict[tuple[str, str | None], set[int]] = {}  # request rows with an exclusion code

    # ------------------------------------------------------------- time
    def midnight(self, d: dt.date) -> int:
        """Local midnight of a date, from the timezone alone (any date)."""
        t = self._midnights.get(d)
        if t is None:
            t = self._midnights[d] = int(dt.datetime(d.year, d.month, d.day, tzinfo=self.tz).timestamp())
        return t

    def _date(self, t: int) -> dt.date:
        return dt.datetime.fromtimestamp(t, self.tz).date()

    def part(self, key: str, period: str) -> tuple[dt.date, dt.date, dt.date, dt.date]:
        """(first, last) of the period and (first, last) of its part inside the term."""
        first, last = period_dates(key, period)
        return first, last, max(first, self.term[0]), min(last, self.term[1])

    # ------------------------------------------------------------- checks
    def _check_product(self, product: str) -> list[_Target]:
        if product not in self.periods_of:
            raise TicketError(
                "product",
                f"product `{product}` has no availability target; products with one: "
                + ", ".join(sorted(self.periods_of)),
                key="downtime.no_target",
                fields={"product": product, "known": sorted(self.periods_of)},
            )
        return [self.targets[(product, p)] for p in self.periods_of[product]]

    @staticmethod
    def _check_resource(product: str, targets: list[_Target], resource: str | None) -> None:
        kinds = [t.resource for t in targets if t.resource]
        if kinds and not resource and all(t.resource for t in targets):
            raise TicketError(
                "resource",
                f"`{product}` is measured per {kinds[0]}: the row must name the {kinds[0]} (column `resource`)",
                key="downtime.no_resource",
                fields={"product": product, "kind": kinds[0]},
            )
        if resource and not kinds:
            raise TicketError(
                "resource",
                f"`{product}` is measured per product, not per resource: leave `resource` empty",
                key="downtime.resource_refused",
                fields={"product": product, "resource": resource},
            )

    def _check_start(self, start: int) -> None:
        if not self.term_lo <= start < self.term_hi:
            eff = self.rules.file.effective
            when = self.rules.format(start)
            raise TicketError(
                "start",
                f"downtime starting {when} is outside the contract's effective period {eff.start} to {eff.end}",
                key="downtime.outside",
                fields={"start": when, "first": eff.start, "last": eff.end},
            )

    def _mark(self, tgt: _Target, resource: str | None, a: int, b: int) -> None:
        """Remember every period of `tgt` that [a, b) touches, so it gets a result."""
        a, b = max(a, self.term_lo), min(b, self.term_hi)
        d, last = self._date(a), self._date(max(a, b - 1))
        res = resource if tgt.resource else None
        while d <= last:
            key = period_key(d, tgt.period)
            seen = (tgt.product, res, tgt.period, key)
            if seen in self._given:
                raise _given_and_measured(tgt.product, res, key)
            self._seen.add(seen)
            self._measured.add(seen)
            d = period_dates(key, tgt.period)[1] + dt.timedelta(days=1)

    def _row_targets(self, product: str, resource: str | None, buckets: bool) -> list[_Target]:
        """The product's targets an input row feeds: the interval-measured ones
        for a downtime row, the request-bucket ones for a request row."""
        targets = self._check_product(product)
        self._check_resource(product, targets, resource)
        fed = [t for t in targets if (t.bucket is not None) == buckets]
        if fed:
            return fed
        if buckets:
            raise TicketError(
                "requests",
                f"`{product}` is not measured by request buckets: give downtime intervals (start, end)",
                key="requests.not_bucket_target",
                fields={"product": product},
            )
        raise TicketError(
            "product",
            f"`{product}` is measured by request buckets: give `requests` and `errors` per interval, not downtime",
            key="downtime.bucket_target",
            fields={"product": product},
        )

    # ------------------------------------------------------------- input
    def add_downtime(
        self,
        product: str,
        start: int,
        end: int,
        exclusion: str | None = None,
        notified_at: int | None = None,
        resource: str | None = None,
    ) -> None:
        resource = resource or None
        measured = self._row_targets(product, resource, buckets=False)
        if end < start:
            raise TicketError("end", "downtime ends before it starts", key="downtime.reversed")
        if start < self.term_lo < end:
            start = self.term_lo  # the part inside the term counts; the contract says nothing before it
        self._check_start(start)
        if exclusion is not None and exclusion not in self.rules.exclusions:
            raise unknown_exclusion(exclusion, self.rules.exclusions)
        end = min(end, self.term_hi)  # the contract says nothing after its end
        self._rows.setdefault((product, resource), []).append((start, end, exclusion, notified_at))
        for tgt in measured:
            self._mark(tgt, resource, start, max(end, start + 1))

    def add_requests(
        self,
        product: str,
        start: int,
        requests: int,
        errors: int | Fraction | None = None,
        resource: str | None = None,
        error_rate: Decimal | None = None,
        exclusion: str | None = None,
    ) -> None:
        """Requests and failed requests (or an error rate in %) of the interval
        starting at `start` (a bucket target's intervals from local midnight).
        With an exclusion code (`force_majeure`, `customer_caused`, …) the
        whole interval is excluded: never down, and left out of an
        eligible-time denominator. Scheduled maintenance is a window of time,
        which intervals of requests cannot carry: refused."""
        resource = resource or None
        bucketed = self._row_targets(product, resource, buckets=True)
        self._check_start(start)
        if exclusion is not None:
            if exclusion not in self.rules.exclusions:
                raise unknown_exclusion(exclusion, self.rules.exclusions)
            if exclusion == "maintenance":
                raise TicketError(
                    "exclusion",
                    "an interval of requests cannot be scheduled maintenance: maintenance is judged by its notice, "
                    "window and allowance, which request counts do not carry",
                    key="requests.maintenance",
                )
            self._excluded_requests.setdefault((product, resource), set()).add(start)
        if requests < 0 or (errors is not None and not 0 <= errors <= requests):
            raise TicketError(
                "errors",
                f"{errors} failed of {requests} requests: counts must be 0 ≤ errors ≤ requests",
                key="requests.bad_counts",
                fields={"errors": errors, "requests": requests},
            )
        if errors is None:
            if error_rate is None or not 0 <= error_rate <= 100:
                raise TicketError(
                    "error_rate",
                    f"{error_rate} is not a percentage between 0 and 100",
                    key="availability.bad_percent",
                    fields={"value": error_rate},
                )
            errors = Fraction(error_rate) * requests / 100
        cell = self._requests.setdefault((product, resource), {}).get(start)
        if cell is None:
            self._requests[(product, resource)][start] = [requests, Fraction(errors)]
        else:
            cell[0] += requests
            cell[1] += Fraction(errors)
        for tgt in bucketed:
            self._mark(tgt, resource, start, start + 1)

    def set_percent(
        self, product: str, key: str, percent: Decimal, period: str = "month", resource: str | None = None
    ) -> None:
        targets = self._check_product(product)
        resource = resource or None
        tgt = self.targets.get((product, period))
        if tgt is None:
            raise TicketError(
                "period",
                f"`{product}` has no availability target per {period}",
                key="availability.no_period_target",
                fields={"product": product, "period": _period_word(period)},
            )
        self._check_resource(product, [tgt] if tgt.resource else targets, resource)
        if not valid_label(key, period):
            raise _not_a_period(key, period)
        _inside_term(self.rules, key, period)
        if not 0 <= percent <= 100:
            raise TicketError(
                "availability",
                f"{percent} is not a percentage between 0 and 100",
                key="availability.bad_percent",
                fields={"value": percent},
            )
        res = resource if tgt.resource else None
        if (product, res, period, key) in self._measured:
            raise _given_and_measured(product, res, key)
        self._given[(product, res, period, key)] = Fraction(percent)
        self._seen.add((product, res, period, key))

    def add_charges(self, product: str, key: str, amount: Decimal, resource: str | None = None) -> None:
        """Charges billed for a product (or one of its resources) and period
        (`2026-03`, `2026-Q1`, `2026`), in the contract currency."""
        # Named as its targets measure it: a resource only for a per-resource target.
        self._check_resource(product, self._check_product(product), resource or None)
        try:
            kind = period_of_label(key)
        except ValueError:
            kind = ""
        if kind not in ("month", "quarter", "year") or not valid_label(key, kind):
            raise _not_a_period(key, "month")
        if amount < 0:
            raise TicketError(
                "amount",
                f"{amount} is not an amount of money (it is negative)",
                key="charges.negative",
                fields={"value": amount},
            )
        k = (product, resource or None, key)
        self._charges[k] = self._charges.get(k, Decimal(0)) + amount

    def touch(self, date: dt.date) -> None:
        """Report every per-product target's period containing `date` (e.g. a ticket's)."""
        for tgt in self.targets.values():
            if tgt.resource is None and self.term[0] <= date <= self.term[1]:
                self._seen.add((tgt.product, None, tgt.period, period_key(date, tgt.period)))

    # ------------------------------------------------------------- judging
    def results(self) -> list[AvailabilityOutcome]:
        return [self.judge(p, per, label, res) for p, res, per, label in sorted(self._seen, key=_seen_order)]

    def judge(self, product: str, period: str, key: str, resource: str | None = None) -> AvailabilityOutcome:
        tgt = self.targets[(product, period)]
        first, last, lo, hi = self.part(key, period)
        p0, p1 = self.midnight(lo), self.midnight(hi + dt.timedelta(days=1))
        out = AvailabilityOutcome(
            product,
            key,
            tgt.percent,
            Fraction(100),
            resource=resource,
            total_seconds=p1 - p0,
            period_kind=period,
            part_days=(hi - lo).days + 1,
            period_days=(last - first).days + 1,
        )
        given = self._given.get((product, resource, period, key))
        if given is not None:
            out.availability, out.given = given, True
        elif tgt.bucket is not None:
            self._measure_buckets(out, tgt, resource, p0, p1)
        else:
            self._measure(out, tgt, resource, p0, p1)
        out.met = out.availability >= tgt.target
        if not out.met:
            self._credit(out)
        return out

    def _credit(self, out: AvailabilityOutcome) -> None:
        for ld in self.ladders:
            if ld.products and out.product not in ld.products:
                continue
            crossed = [t for t in ld.tiers if out.availability < Fraction(Decimal(t.below))]
            if not crossed:
                continue
            tier = min(crossed, key=lambda t: Decimal(t.below))
            out.tiers[ld.name] = Decimal(tier.below)
            try:
                owed = self.amount(tier.amount, out)
                if ld.minimum is not None:
                    low = self.amount(ld.minimum, out)
                    if 0 < owed < low:
                        owed = low
                if ld.cap is not None:
                    # Rounded down to the quantum: rounding never takes a line above its cap (SEMANTICS §6).
                    owed = min(owed, self.rules.round_down(self.amount(ld.cap, out)))
            except TicketError as exc:
                # Measured all the same; the credit cannot be known: never 0.
                out.missing = out.missing or exc
                continue
            out.credits[ld.name] = owed
        if out.tiers:
            out.tier = min(out.tiers.values())

    def fee_base(self, product: str, months: int, part_days: int, period_days: int) -> Decimal:
        """The monthly fee × `months`, prorated for a part of a period when the policy says so."""
        fee = self.rules.products.get(product)
        if fee is None:
            raise TicketError(
                "product",
                f"product `{product}` has no monthly fee for a percentage credit",
                key="availability.no_fee",
                fields={"product": product},
            )
        base = fee * months
        if self.prorate and part_days != period_days:
            base = base * part_days / period_days
        return base

    def charges(self, product: str, resource: str | None, key: str) -> Decimal:
        """The charges billed for (product, resource, period); a quarter or
        year may also be given month by month. Missing: an error, never 0."""
        got = self._charges.get((product, resource, key))
        if got is not None:
            return got
        kind = period_of_label(key)
        if kind in ("quarter", "year"):
            first, last = period_dates(key, kind)
            months, d = [], first
            while d <= last:
                months.append(self._charges.get((product, resource, period_key(d, "month"))))
                d = add_months(d, 1)
            known = [m for m in months if m is not None]
            if len(known) == len(months):
                return sum(known, Decimal(0))
        who = f"`{product}` {resource}" if resource else f"`{product}`"
        raise TicketError(
            "charges",
            f"no charges for {who} in {key}: a credit of a share of the charges is owed; "
            "give them with --charges (product, resource, period, amount)",
            key="charges.missing_resource" if resource else "charges.missing",
            fields={"product": product, "resource": resource or "", "period": key},
        )

    def amount(self, amount, out: AvailabilityOutcome) -> Decimal:
        if amount.money is not None:
            return Decimal(amount.money)
        pct = Decimal(amount.percent)
        if amount.base == "charges":
            return self.charges(out.product, out.resource, out.period) * pct / 100
        months = PERIOD_MONTHS[out.period_kind]
        return self.fee_base(out.product, months, out.part_days, out.period_days) * pct / 100

    # ------------------------------------------------------------- measuring
    def _window_spans(self, a: int, b: int) -> list[tuple[int, int]]:
        """The maintenance windows' instants within [a, b), in order."""
        if not self._windows:
            return []
        spans = []
        d = self._date(a) - dt.timedelta(days=1)
        last = self._date(b)
        while d <= last:
            for s_min, e_min in self._windows.get(d.weekday(), ()):
                base = dt.datetime(d.year, d.month, d.day, tzinfo=self.tz)
                s = int((base + dt.timedelta(minutes=s_min)).timestamp())
                e = int((base + dt.timedelta(minutes=e_min)).timestamp())
                s, e = max(s, a), min(e, b)
                if s < e:
                    spans.append((s, e))
            d += dt.timedelta(days=1)
        spans.sort()
        return spans

    def _segments(self, rows, lo: int, hi: int) -> list[list[int]]:
        """[start, end, tag] runs over [lo, hi): the winning tag of each stretch
        (exclusion over allowed-looking maintenance over downtime), adjacent
        runs of one tag merged, gaps (up time) left out."""
        mt = self.maintenance
        tagged: list[tuple[int, int, int]] = []
        for s, e, code, notified in rows:
            a, b = max(s, lo), min(e, hi)
            if a >= b:
                continue
            if code is None:
                tagged.append((a, b, _DOWN))
            elif code == "maintenance":
                tagged.append((a, b, _DOWN))  # outside the windows, or not announced: downtime
                assert mt is not None  # add_downtime takes only the contract's codes
                if mt.notice_seconds is None or (notified is not None and s - notified >= mt.notice_seconds):
                    tagged.extend((x, y, _MAINT) for x, y in self._window_spans(a, b))
            else:
                tagged.append((a, b, _EXCL))
        if not tagged:
            return []
        events = sorted([(a, 1, tag) for a, b, tag in tagged] + [(b, -1, tag) for a, b, tag in tagged])
        counts = [0, 0, 0]
        prev = None
        runs: list[list[int]] = []
        for pos, delta, tag in events:
            if prev is not None and pos > prev:
                top = 0 if counts[0] else 1 if counts[1] else 2 if counts[2] else -1
                if top >= 0:
                    if runs and runs[-1][1] == prev and runs[-1][2] == top:
                        runs[-1][1] = pos
                    else:
                        runs.append([prev, pos, top])
            counts[tag] += delta
            prev = pos
        return runs

    def _allowance_periods(self, lo: int, hi: int) -> list[tuple[int, int]]:
        mt = self.maintenance
        assert mt is not None
        months = PERIOD_MONTHS[mt.max_period or "month"]
        d = self._date(lo)
        d = dt.date(d.year, (d.month - 1) // months * months + 1, 1)
        out = []
        while self.midnight(d) < hi:
            nxt = add_months(d, months)
            out.append((self.midnight(d), self.midnight(nxt)))
            d = nxt
        return out

    def _measure(self, out: AvailabilityOutcome, tgt: _Target, resource: str | None, p0: int, p1: int) -> None:
        if tgt.resource:
            rows = self._rows.get((tgt.product, resource), ())
        else:
            rows = [r for (p, _), rs in self._rows.items() if p == tgt.product for r in rs]
        mt = self.maintenance
        lo, hi = p0, p1
        allowance = mt is not None and mt.max_seconds is not None
        if allowance:
            # The allowance runs over whole calendar months (or quarters, years):
            # measure from the start of the first one, inside the term.
            spans = self._allowance_periods(p0, p1)
            lo, hi = max(spans[0][0], self.term_lo), min(spans[-1][1], self.term_hi)
        runs = self._segments(rows, lo, hi)
        if allowance and any(r[2] == _MAINT for r in runs):
            assert mt is not None and mt.max_seconds is not None
            split: list[list[int]] = []
            for a0, a1 in self._allowance_periods(lo, hi):
                left = mt.max_seconds
                for a, b, tag in runs:
                    a, b = max(a, a0), min(b, a1)
                    if a >= b:
                        continue
                    if tag == _MAINT:
                        keep = min(left, b - a)
                        left -= keep
                        if keep:
                            split.append([a, a + keep, _MAINT])
                        if a + keep < b:
                            split.append([a + keep, b, _DOWN])
                    else:
                        split.append([a, b, tag])
            runs = []
            for r in split:
                if runs and runs[-1][1] == r[0] and runs[-1][2] == r[2]:
                    runs[-1][1] = r[1]
                else:
                    runs.append(r)
        excluded = maintenance = 0
        outages: list[int] = []
        for a, b, tag in runs:
            a, b = max(a, p0), min(b, p1)
            if a >= b:
                continue
            if tag == _EXCL:
                excluded += b - a
            elif tag == _MAINT:
                maintenance += b - a
            else:  # runs are maximal: each downtime run is one outage
                outages.append(b - a)
        down = 0
        g = tgt.ignore_under
        for n in outages:
            if g is not None and (n <= g if tgt.ignore_inclusive else n < g):
                continue
            if tgt.counting == "started_minute":
                n = -(-n // 60) * 60
            elif tgt.counting == "full_minute":
                n = n // 60 * 60
            down += n
        total = p1 - p0
        den = total if tgt.denominator == "whole_period" else total - excluded - maintenance
        down = min(down, den)
        out.total_seconds = den
        out.downtime_seconds, out.excluded_seconds, out.maintenance_seconds = down, excluded, maintenance
        out.availability = Fraction(den - down, den) * 100 if den > 0 else Fraction(100)

    def _measure_buckets(self, out: AvailabilityOutcome, tgt: _Target, resource: str | None, p0: int, p1: int) -> None:
        assert tgt.bucket is not None and tgt.bucket_limit is not None
        step, limit = tgt.bucket, tgt.bucket_limit
        if tgt.resource:
            sources = [self._requests.get((tgt.product, resource), {})]
        else:
            sources = [v for (p, _), v in self._requests.items() if p == tgt.product]
        if tgt.resource:
            excluded_rows = [self._excluded_requests.get((tgt.product, resource), set())]
        else:
            excluded_rows = [v for (p, _), v in self._excluded_requests.items() if p == tgt.product]

        def bucket_of(t: int) -> int:
            day0 = self.midnight(self._date(t))
            return day0 + (t - day0) // step * step

        excluded = {bucket_of(t) for rows in excluded_rows for t in rows if p0 <= t < p1}
        buckets: dict[int, list] = {}
        for src in sources:
            for t, (n, errors) in src.items():
                if not p0 <= t < p1:
                    continue
                cell = buckets.setdefault(bucket_of(t), [0, Fraction(0)])
                cell[0] += n
                cell[1] += errors
        down = sum(step for b, (n, errors) in buckets.items() if b not in excluded and n and errors * 100 > limit * n)
        total = p1 - p0
        out.excluded_seconds = min(len(excluded) * step, total)
        den = total - out.excluded_seconds if tgt.denominator == "eligible_time" else total
        down = min(down, den)
        out.total_seconds, out.downtime_seconds = den, down
        out.availability = Fraction(den - down, den) * 100 if den else Fraction(100)


def _seen_order(s: tuple[str, str | None, str, str]) -> tuple[str, str, str, str]:
    return (s[0], s[2], s[3], s[1] or "-")


def _minutes(hhmm: str) -> int:
    h, m = hhmm.split(":")
    return int(h) * 60 + int(m)


# ----------------------------------------------------------------- claims
@dataclass(slots=True)
class ClaimJudgement:
    """A claim for (product, resource, period): the window's first and last
    day (local dates) and whether the claim came `early`, `in_window` or `late`."""

    product: str
    resource: str | None
    period: str
    claimed_on: dt.date
    first_day: dt.date
    last_day: dt.date
    status: str


class ClaimWindows:
    """The contract's claim window (`credits { claim … }`) counted from the
    last day of each period (of its part inside the term, for a period the
    term's end cuts): `within 60d` → last day = the period's last day +
    60 days; `within 2 months` → the last day of the 2nd calendar month after
    the period's last month; `within 10bd … on CAL` → the 10th working day of CAL after the
    period. `from 5bd`: the first day claims are accepted is the 5th working
    day after the period (else the day after the period). Working days are
    the rule file's calendar's (its holidays and make-up working days); a
    window reaching past the days the calendar covers is an error naming the
    date, never a guess."""

    def __init__(self, rules: Rules):
        self.rules = rules
        self.claim = rules.file.credit_policy.claim
        self.calendar = None
        if self.claim is not None and self.claim.calendar is not None:
            self.calendar = next((c for c in rules.file.calendars if c.name == self.claim.calendar), None)
        if self.calendar is not None:
            cal = self.calendar
            self._days = {WEEKDAY_INDEX[h.day] for h in cal.hours if h.start != h.end}
            self._off = {h.date for h in cal.holidays}
            self._on = {w.date for w in cal.workdays}

    def judgeable(self) -> str | None:
        """None, or why claims cannot be judged from data (`none`, `breach`, `report`)."""
        if self.claim is None:
            return "none"
        if self.claim.after != "month_end":
            return self.claim.after
        return None

    def working(self, d: dt.date) -> bool:
        cal = self.calendar
        assert cal is not None
        if not cal.covers.start <= d <= cal.covers.end:
            raise TicketError(
                "claimed_on",
                f"the claim window reaches {d}, beyond the days calendar `{cal.name}` covers "
                f"({cal.covers.start} to {cal.covers.end}); rebuild the rule file with that year's holiday schedule",
                key="claims.calendar_range",
                fields={"date": d, "calendar": cal.name, "start": cal.covers.start, "end": cal.covers.end},
            )
        if d in self._on:
            return True
        return d.weekday() in self._days and d not in self._off

    def _after(self, end: dt.date, span) -> dt.date:
        if span.unit == "days":
            return end + dt.timedelta(days=span.count)
        if span.unit == "months":
            # The last day of the N-th calendar month after the month of `end`
            # (31 March + 2 months → 31 May; a term ending 17 March → 31 May too).
            return add_months(end.replace(day=1), span.count + 1) - dt.timedelta(days=1)
        if self.calendar is None:  # the compiler requires `on CAL` with bd; guard a hand-made file
            raise TicketError(
                "claimed_on",
                "the claim window counts business days but names no calendar",
                key="claims.no_calendar",
            )
        d, n = end, 0
        while n < span.count:
            d += dt.timedelta(days=1)
            if self.working(d):
                n += 1
        return d

    def window(self, key: str) -> tuple[dt.date, dt.date]:
        claim = self.claim
        assert claim is not None
        kind = period_of_label(key)
        _, end = period_dates(key, kind)
        # A period cut by the term ends, for its claims, on the term's last day.
        end = min(end, self.rules.file.effective.end)
        first = self._after(end, claim.opens) if claim.opens is not None else end + dt.timedelta(days=1)
        return first, self._after(end, claim.within)

    def judge(self, product: str, key: str, claimed_on: dt.date, resource: str | None = None) -> ClaimJudgement:
        if product not in self.rules.products:
            raise TicketError(
                "product",
                f"unknown product `{product}`; the contract's products: " + ", ".join(self.rules.products),
                key="claims.unknown_product",
                fields={"product": product, "known": list(self.rules.products)},
            )
        try:
            kind = period_of_label(key)
        except ValueError:
            kind = ""
        if kind not in ("month", "quarter", "year") or not valid_label(key, kind):
            raise _not_a_period(key, "month")
        targets = [a for a in self.rules.file.availability if a.product == product]
        # Credits accrue per availability period, and ticket credits per cap period.
        kinds = {a.period for a in targets} | {self.rules.file.credit_policy.cap_period or "month"}
        if kind not in kinds:
            raise TicketError(
                "period",
                f"`{product}` earns no credit per {kind}: claim per " + ", ".join(sorted(kinds)),
                key="claims.no_such_period",
                fields={
                    "product": product,
                    "period": _period_word(kind),
                    "known": [_period_word(k) for k in sorted(kinds)],
                },
            )
        _inside_term(self.rules, key, kind)
        if resource and not any(a.resource for a in targets):
            raise TicketError(
                "resource",
                f"`{product}` is measured per product, not per resource: leave `resource` empty",
                key="downtime.resource_refused",
                fields={"product": product},
            )
        first, last = self.window(key)
        status = "early" if claimed_on < first else "late" if claimed_on > last else "in_window"
        return ClaimJudgement(product, resource or None, key, claimed_on, first, last, status)
