"""Period reports: SLA attainment, MTTR, breaches, availability and credits per period.

A `PeriodReport` folds ticket outcomes in one at a time (memory grows with
the number of periods, products and priorities, never with the number of
tickets) and produces, per day, ISO week or month of the opening instant in
the contract's timezone:
- per metric and priority: tickets judged (met + breached), met, breached,
  pending, excluded, not measured (the input has no column for the metric),
  and attainment % = met / judged;
- per priority: MTTR, the mean wall-clock time from opening to resolution of
  resolved, non-excluded tickets;
- per product: the credits accrued in the period (before the cap);
- per availability outcome (product, or resource, and period): one row; and
  for a target measured per resource, a row per product and period summing
  its resources' lines;
and, always per cap period (normally the month), the credits of each product
from tickets and availability, then `credits { cap … }`.

Money (SEMANTICS §6): `rounding … per line` rounds every credit line (each
ticket's credit per ladder, each availability line per ladder) before lines
are combined (`combine highest` takes the largest line of a product-period,
else they add up) and summed; `per total` keeps lines exact and rounds the
product's total per cap period. The cap is applied after rounding and is
never exceeded by it: the cap used is the cap rounded DOWN to the quantum.
A fee-based cap is prorated like the fee for a cap period cut by the term
(unless `partial_periods full_fee`). An availability line belongs to the cap
period containing the last day of its period part.

"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from fractions import Fraction

from slalang import textsafe
from slalang.runtime.availability import AvailabilityOutcome, decimal_percent, period_dates, period_key
from slalang.runtime.engine import Rules, TicketOutcome
from slalang.terms import PERIOD_MONTHS

json_safe = textsafe.json_safe  # JSON output: the one definition, in slalang/textsafe.py


PERIODS = ("day", "week", "month")
STATUSES = ("met", "breached", "pending", "excluded", "not_measured")
_STATUS_INDEX = {s: i for i, s in enumerate(STATUSES)}


def _row_order(x: tuple[AvailabilityOutcome, Decimal]) -> tuple[str, str, str]:
    return (x[0].period, x[0].product, x[0].resource or "-")


def _str(d: Decimal) -> str:
    return format(d, "f")


class PeriodReport:
    def __init__(self, rules: Rules, period: str = "month"):
        if period not in PERIODS:
            raise ValueError(f"period must be one of {', '.join(PERIODS)}")
        self.rules, self.period = rules, period
        pol = rules.file.credit_policy
        self.cap_period = rules.policy.cap_period or "month"
        self.per_line = (pol.rounding_scope or "line") == "line"
        self.highest = pol.combine == "highest"
        self.prorate = pol.partial_periods == "prorated"
        self._sla: dict[tuple[str, str, str], list[int]] = {}  # (period, metric, priority) → counts
        self._mttr: dict[tuple[str, str], list[int]] = {}  # (period, priority) → [sum, n]
        self._accrued: dict[tuple[str, str], Decimal] = {}  # (period, product)
        self._capped: dict[tuple[str, str], dict[str, Decimal]] = {}  # (cap period, product) → source → sum
        self._availability: list[tuple[AvailabilityOutcome, Decimal]] = []  # outcome, its line
        self._date_cache: dict[int, dt.date] = {}
        self._keys: dict[dt.date, tuple[str, str]] = {}
        self._hour_keys: dict[int, tuple[str, str]] = {}  # UTC hour → (period, cap period) keys
        self.tickets = 0

    def local_date(self, t: int) -> dt.date:
        # Tickets cluster in time: cache the local date of each UTC hour.
        hour = t // 3600
        d = self._date_cache.get(hour)
        if d is None:
            d = dt.datetime.fromtimestamp(hour * 3600, self.rules.tz).date()
            # An offset that is not a whole hour makes the hour straddle two
            # dates: only cache when the whole hour maps to one date.
            if dt.datetime.fromtimestamp(hour * 3600 + 3599, self.rules.tz).date() == d:
                self._date_cache[hour] = d
            else:
                d = dt.datetime.fromtimestamp(t, self.rules.tz).date()
        return d

    def _period_keys(self, t: int) -> tuple[str, str]:
        """(report period, cap period) of the local date of instant `t`;
        cached per UTC hour when the whole hour is one local date."""
        date = self.local_date(t)
        keys = self._keys.get(date)
        if keys is None:
            keys = self._keys[date] = (period_key(date, self.period), period_key(date, self.cap_period))
        hour = t // 3600
        if hour in self._date_cache:  # the whole hour is that date (see local_date)
            self._hour_keys[hour] = keys
        return keys

    def add(self, outcome: TicketOutcome) -> None:
        # Once per ticket of `slalang eval`: the outcome read by index
        # (TicketOutcome and Deadline are tuples), the periods by UTC hour.
        t = outcome[0]
        self.tickets += 1
        opened = t.opened_at
        keys = self._hour_keys.get(opened // 3600)
        if keys is None:
            keys = self._period_keys(opened)
        key, cap_key = keys
        prio = t.priority
        sla = self._sla
        for name, d in outcome[1].items():
            i = _STATUS_INDEX.get(d[6])
            if i is None:
                if d[6] == "no_commitment":
                    continue
                i = STATUSES.index(d[6])  # not a status: the ValueError it always was
            c = sla.get((key, name, prio))
            if c is None:
                c = sla[(key, name, prio)] = [0, 0, 0, 0, 0]
            c[i] += 1
        resolved = t.resolved_at
        if resolved is not None and outcome[3] is None:
            m = self._mttr.get((key, prio))
            if m is None:
                m = self._mttr[(key, prio)] = [0, 0]
            m[0] += resolved - opened
            m[1] += 1
        credits = outcome[2]
        if credits:
            if self.per_line:
                rnd = self.rules.round
                total = sum((rnd(v) for v in credits.values()), Decimal(0))
            else:
                total = outcome.credit
            # A contract without products caps all of the Customer's credits together,
            # whatever label a ticket's product column carries (the letter says so).
            product = (t.product or "-") if self.rules.products else "-"
            self._accrued[(key, product)] = self._accrued.get((key, product), Decimal(0)) + total
            ck = (cap_key, product)
            bucket = self._capped.setdefault(ck, {})
            bucket["tickets"] = bucket.get("tickets", Decimal(0)) + total

    def merge_totals(self, sla=(), mttr=(), accrued=(), capped=(), tickets: int = 0) -> None:
        """Fold in totals a batch engine computed (slalang.sql.report): the
        same sums `add` keeps, one row per group instead of one call per
        ticket. `sla`: (period, metric, priority, status, count); `mttr`:
        (period, priority, seconds, resolved); `accrued`: (period, product,
        credit); `capped`: (cap period, product, credit) — credits as `add`
        sums them (rounded per line, or exact per total)."""
        self.tickets += tickets
        for key, metric, prio, status, n in sla:
            c = self._sla.get((key, metric, prio))
            if c is None:
                c = self._sla[(key, metric, prio)] = [0, 0, 0, 0, 0]
            c[STATUSES.index(status)] += n
        for key, prio, seconds, n in mttr:
            m = self._mttr.get((key, prio))
            if m is None:
                m = self._mttr[(key, prio)] = [0, 0]
            m[0] += seconds
            m[1] += n
        for key, product, amount in accrued:
            self._accrued[(key, product)] = self._accrued.get((key, product), Decimal(0)) + amount
        for cap_key, product, amount in capped:
            bucket = self._capped.setdefault((cap_key, product), {})
            bucket["tickets"] = bucket.get("tickets", Decimal(0)) + amount

    def line(self, o: AvailabilityOutcome) -> Decimal:
        """An outcome's credit: its ladders' lines (rounded per line, or
        exact per total), the largest (`combine highest`) or their sum."""
        values = [self.rules.round(v) for v in o.credits.values()] if self.per_line else list(o.credits.values())
        if not values:
            return self.rules.round(Decimal(0))
        return max(values) if self.highest else sum(values, Decimal(0))

    def _cap_key(self, o: AvailabilityOutcome) -> str:
        first, last = period_dates(o.period, o.period_kind)
        last = min(last, self.rules.file.effective.end)
        return period_key(last, self.cap_period)

    def add_availability(self, outcomes: Iterable[AvailabilityOutcome]) -> None:
        for o in outcomes:
            if o.missing is not None:  # e.g. a share of charges that were not given: an error, never 0
                raise o.missing
            line = self.line(o)
            self._availability.append((o, line))
            if o.credits:
                bucket = self._capped.setdefault((self._cap_key(o), o.product), {})
                bucket["availability"] = bucket.get("availability", Decimal(0)) + line

    def _cap(self, product: str, key: str) -> Decimal | None:
        """The product's cap for one cap period, rounded DOWN to the quantum."""
        cap = self.rules.policy.cap
        if cap is None:
            return None
        if cap.money is not None:
            amount = Decimal(cap.money)
        else:
            fee = self.rules.products.get(product)
            if fee is None:
                return None
            assert cap.percent is not None  # an amount is money or a percentage (the compiler writes one)
            amount = fee * PERIOD_MONTHS[self.cap_period] * Decimal(cap.percent) / 100
            if self.prorate and self.cap_period in PERIOD_MONTHS:
                first, last = period_dates(key, self.cap_period)
                eff = self.rules.file.effective
                lo, hi = max(first, eff.start), min(last, eff.end)
                if (lo, hi) != (first, last) and lo <= hi:
                    amount = amount * ((hi - lo).days + 1) / ((last - first).days + 1)
        return self.rules.round_down(amount)

    def result(self) -> dict:
        """The report as plain data (Decimals as strings, seconds as ints)."""
        r = self.rules
        rows = []
        for (key, metric, prio), (met, breached, pending, excluded, unmeasured) in sorted(
            self._sla.items(), key=lambda kv: (kv[0][0], kv[0][1], r.priorities.index(kv[0][2]))
        ):
            judged = met + breached
            rows.append(
                {
                    "period": key,
                    "metric": metric,
                    "priority": prio,
                    "judged": judged,
                    "met": met,
                    "breached": breached,
                    "pending": pending,
                    "excluded": excluded,
                    "not_measured": unmeasured,
                    "attainment_percent": str(decimal_percent(Fraction(met * 100, judged), 2)) if judged else None,
                }
            )
        mttr = [
            {"period": key, "priority": prio, "resolved": n, "mttr_seconds": round(total / n)}
            for (key, prio), (total, n) in sorted(
                self._mttr.items(), key=lambda kv: (kv[0][0], r.priorities.index(kv[0][1]))
            )
        ]
        accrued = [
            {"period": key, "product": product, "credit": str(r.round(v))}
            for (key, product), v in sorted(self._accrued.items())
        ]
        credits = []
        for (key, product), sources in sorted(self._capped.items()):
            tickets = sources.get("tickets", Decimal(0))
            avail = sources.get("availability", Decimal(0))
            total = r.round(tickets + avail)  # per line: a sum of rounded lines, already on the quantum
            cap = self._cap(product, key)
            owed = min(total, cap) if cap is not None else total
            credits.append(
                {
                    "period": key,
                    "product": product,
                    "tickets": str(r.round(tickets)),
                    "availability": str(r.round(avail)),
                    "total": str(total),
                    "cap": None if cap is None else str(cap),
                    "owed": str(owed),
                    "currency": r.currency,
                }
            )
        ordered = sorted(self._availability, key=_row_order)
        availability = []
        products: dict[tuple[str, str], dict] = {}
        for o, line in ordered:
            availability.append(
                {
                    "period": o.period,
                    "product": o.product,
                    "resource": o.resource,
                    "availability_percent": str(o.percent),
                    "target_percent": str(o.target),
                    "met": o.met,
                    "given": o.given,
                    "downtime_seconds": o.downtime_seconds,
                    "excluded_seconds": o.excluded_seconds,
                    "maintenance_seconds": o.maintenance_seconds,
                    "denominator_seconds": o.total_seconds,
                    "tier": None if o.tier is None else str(o.tier),
                    "credits": {k: _str(r.round(v) if self.per_line else v) for k, v in sorted(o.credits.items())},
                    "credit": _str(line),
                }
            )
            if o.resource is not None:
                p = products.setdefault(
                    (o.period, o.product),
                    {
                        "period": o.period,
                        "product": o.product,
                        "resources": 0,
                        "resources_met": 0,
                        "downtime_seconds": 0,
                        "credit": Decimal(0),
                    },
                )
                p["resources"] += 1
                p["resources_met"] += o.met
                p["downtime_seconds"] += o.downtime_seconds
                p["credit"] += line
        per_product = [dict(p, credit=_str(p["credit"])) for _, p in sorted(products.items())]
        return {
            "contract": r.file.contract.id,
            "version": r.file.contract.version,
            "period": self.period,
            "cap_period": self.cap_period,
            "currency": r.currency,
            "rounding_scope": "line" if self.per_line else "total",
            "tickets": self.tickets,
            "sla": rows,
            "mttr": mttr,
            "accrued_credits": accrued,
            "availability": availability,
            "availability_products": per_product,
            "credits": credits,
        }
