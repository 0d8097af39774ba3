"""Period reports: SLA attainment, MTTR, breaches and credits per period.

A `PeriodReport` folds ticket outcomes in one at a time (memory grows with
the number of periods, products and priorities, never with the number of
tickets) and produces, per day, ISO week or month of the opening instant in
the contract's timezone:
- per metric and priority: tickets judged (met + breached), met, breached,
  pending, excluded, and attainment % = met / judged;
- per priority: MTTR, the mean wall-clock time from opening to resolution of
  resolved, non-excluded tickets;
- per product: the credits accrued in the period (before the monthly cap);
and, always per cap period (normally the month), the credits of each product
from tickets and availability summed, capped by `credits { cap … }`, and
rounded once by the contract's rule."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from fractions import Fraction

from slalang.runtime.availability import AvailabilityOutcome, decimal_percent, period_key
from slalang.runtime.engine import Rules, TicketOutcome
from slalang.terms import PERIOD_MONTHS

PERIODS = ("day", "week", "month")


class PeriodReport:
    def __init__(self, rules: Rules, period: str = "month"):
        if period not in PERIODS:
            raise ValueError(f"period must be one of {', '.join(PERIODS)}")
        self.rules, self.period = rules, period
        self.cap_period = rules.policy.cap_period or "month"
        self._sla: dict[tuple[str, str, str], list[int]] = {}  # (period, metric, priority) → counts
        self._mttr: dict[tuple[str, str], list[int]] = {}  # (period, priority) → [sum, n]
        self._accrued: dict[tuple[str, str], Decimal] = {}  # (period, product)
        self._capped: dict[tuple[str, str], dict[str, Decimal]] = {}  # (cap period, product) → source → sum
        self._availability: list[AvailabilityOutcome] = []
        self._date_cache: dict[int, dt.date] = {}
        self._keys: dict[dt.date, tuple[str, str]] = {}
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

    def add(self, outcome: TicketOutcome) -> None:
        t = outcome.ticket
        self.tickets += 1
        date = self.local_date(t.opened_at)
        keys = self._keys.get(date)
        if keys is None:
            keys = self._keys[date] = (period_key(date, self.period), period_key(date, self.cap_period))
        key, cap_key = keys
        for name, d in outcome.deadlines.items():
            if d.status == "no_commitment":
                continue
            c = self._sla.get((key, name, t.priority))
            if c is None:
                c = self._sla[(key, name, t.priority)] = [0, 0, 0, 0]  # met, breached, pending, excluded
            c[("met", "breached", "pending", "excluded").index(d.status)] += 1
        if t.resolved_at is not None and outcome.exclusion is None:
            m = self._mttr.get((key, t.priority))
            if m is None:
                m = self._mttr[(key, t.priority)] = [0, 0]
            m[0] += t.resolved_at - t.opened_at
            m[1] += 1
        if outcome.credits:
            total = outcome.credit
            product = t.product or "-"
            self._accrued[(key, product)] = self._accrued.get((key, product), Decimal(0)) + total
            ck = (cap_key, product)
            bucket = self._capped.setdefault(ck, {})
            bucket["tickets"] = bucket.get("tickets", Decimal(0)) + total

    def add_availability(self, outcomes: Iterable[AvailabilityOutcome]) -> None:
        for o in outcomes:
            self._availability.append(o)
            if o.credits:
                first = dt.date.fromisoformat(o.period + "-01") if len(o.period) == 7 else None
                ck = (period_key(first, self.cap_period) if first else o.period, o.product)
                bucket = self._capped.setdefault(ck, {})
                bucket["availability"] = bucket.get("availability", Decimal(0)) + sum(o.credits.values(), Decimal(0))

    def _cap(self, product: str) -> Decimal | None:
        cap = self.rules.policy.cap
        if cap is None:
            return None
        if cap.money is not None:
            return Decimal(cap.money)
        fee = self.rules.products.get(product)
        if fee is None:
            return None
        months = PERIOD_MONTHS[self.cap_period]
        assert cap.percent is not None  # an amount is money or a percentage (the compiler writes one)
        return fee * months * Decimal(cap.percent) / 100

    def result(self) -> dict:
        """The report as plain data (Decimals as strings, seconds as ints)."""
        r = self.rules
        rows = []
        for (key, metric, prio), (met, breached, pending, excluded) in sorted(
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
            total = tickets + avail
            cap = self._cap(product)
            capped = min(total, cap) if cap is not None else total
            credits.append(
                {
                    "period": key,
                    "product": product,
                    "tickets": str(r.round(tickets)),
                    "availability": str(r.round(avail)),
                    "total": str(r.round(total)),
                    "cap": None if cap is None else str(r.round(cap)),
                    "owed": str(r.round(capped)),
                    "currency": r.currency,
                }
            )
        availability = [
            {
                "period": o.period,
                "product": o.product,
                "availability_percent": str(o.percent),
                "target_percent": str(o.target),
                "met": o.met,
                "given": o.given,
                "downtime_seconds": o.downtime_seconds,
                "excluded_seconds": o.excluded_seconds,
                "maintenance_seconds": o.maintenance_seconds,
                "tier": None if o.tier is None else str(o.tier),
                "credit": str(r.round(sum(o.credits.values(), Decimal(0)))),
            }
            for o in sorted(self._availability, key=lambda o: (o.period, o.product))
        ]
        return {
            "contract": r.file.contract.id,
            "version": r.file.contract.version,
            "period": self.period,
            "cap_period": self.cap_period,
            "currency": r.currency,
            "tickets": self.tickets,
            "sla": rows,
            "mttr": mttr,
            "accrued_credits": accrued,
            "availability": availability,
            "credits": credits,
        }
