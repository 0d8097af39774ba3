"""Availability: downtime per product and period → %, tier reached, credit.

availability = (total − downtime) / total over the target's period (a
calendar month, quarter or year in the contract's timezone; total is its
wall-clock length). Downtime intervals of one product are merged before they
are measured, and time is removed from downtime as the contract says:
- an interval carrying an exclusion code (`force_majeure`,
  `customer_caused`, or a contract-defined code) is not downtime;
- an interval marked `maintenance` is not downtime where it lies inside the
  contract's maintenance windows, if it was announced at least the notice
  period ahead (`notified_at`), up to the contract's maximum per period; the
  rest of it, and maintenance without due notice, is downtime.
Where an excluded interval and plain downtime overlap, the exclusion wins.
A percentage may also be given directly per product and period.

Tiers take the lowest threshold crossed (availability strictly below it);
its amount is owed, limited by the ladder's cap."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from slalang.ruleschema import Problem
from slalang.runtime.calendar import BusinessCalendar
from slalang.runtime.engine import Rules, TicketError, unknown_exclusion
from slalang.terms import PERIOD_MONTHS


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
        first = dt.date(int(y), 3 * int(q) - 2, 1)
    elif period == "year":
        first = dt.date(int(key), 1, 1)
    else:
        raise ValueError(f"unknown period {period!r}")
    months = PERIOD_MONTHS[period]
    m0 = first.month - 1 + months
    nxt = dt.date(first.year + m0 // 12, m0 % 12 + 1, 1)
    return first, nxt - dt.timedelta(days=1)


def decimal_percent(share: Fraction, places: int = 4) -> Decimal:
    """A percentage for display, truncated (never rounded up to a target)."""
    q = Decimal(1).scaleb(-places)
    return (Decimal(share.numerator) / Decimal(share.denominator)).quantize(q, rounding="ROUND_DOWN")


@dataclass(slots=True)
class AvailabilityOutcome:
    product: str
    period: str  # label, e.g. "2026-03"
    target: Decimal
    availability: Fraction  # percent, exact
    total_seconds: int = 0
    downtime_seconds: int = 0
    excluded_seconds: int = 0
    maintenance_seconds: int = 0
    given: bool = False  # the percentage was given, not measured
    met: bool = True
    tier: Decimal | None = None  # threshold of the tier reached
    credits: dict[str, Decimal] = field(default_factory=dict)

    @property
    def percent(self) -> Decimal:
        return decimal_percent(self.availability)


_PERIOD_WORDS = {
    "month": Problem("period.month", "month"),
    "quarter": Problem("period.quarter", "quarter"),
    "year": Problem("period.year", "year"),
}


def _period_word(period: str) -> Problem | str:
    return _PERIOD_WORDS.get(period, period)


def _not_a_period(key: str, period: str, example: str) -> TicketError:
    return TicketError(
        "period",
        f"`{key}` is not a {period}; write it like {example}",
        key="availability.not_a_period",
        fields={"period_key": key, "period": _period_word(period), "example": example},
    )


class AvailabilityLedger:
    """Collects downtime (or given percentages) and judges each product and
    period against the contract's availability targets."""

    def __init__(self, rules: Rules):
        self.rules = rules
        self.targets: dict[tuple[str, str], Decimal] = {
            (a.product, a.period): Decimal(a.percent) for a in rules.file.availability
        }
        self.periods_of: dict[str, list[str]] = {}
        for a in rules.file.availability:
            self.periods_of.setdefault(a.product, []).append(a.period)
        self._downtime: dict[str, list[tuple[int, int, str | None, int | None]]] = {}
        self._given: dict[tuple[str, str], Fraction] = {}
        self._seen: set[tuple[str, str, str]] = set()
        mt = rules.exclusions.get("maintenance")
        self.maintenance = mt
        self._mcal = None
        if mt is not None and mt.windows:
            from slalang.runtime.calendar import WEEKDAY_INDEX, _hm

            hours: dict[int, list] = {}
            for w in mt.windows:
                hours.setdefault(WEEKDAY_INDEX[w.day], []).append((_hm(w.start), _hm(w.end)))
            eff = rules.file.effective
            self._mcal = BusinessCalendar(
                "maintenance windows", rules.tz, hours, dt.date(eff.start.year, 1, 1), dt.date(eff.end.year + 1, 12, 31)
            )

    def _check_product(self, product: str) -> None:
        if product not in self.periods_of:
            raise TicketError(
                "product",
                f"product `{product}` has no availability target; products with one: "
                + ", ".join(sorted(self.periods_of)),
                key="downtime.no_target",
                fields={"product": product, "known": sorted(self.periods_of)},
            )

    def _date(self, t: int) -> dt.date:
        return dt.datetime.fromtimestamp(t, self.rules.tz).date()

    def add_downtime(
        self, product: str, start: int, end: int, exclusion: str | None = None, notified_at: int | None = None
    ) -> None:
        self._check_product(product)
        if end < start:
            raise TicketError("end", "downtime ends before it starts", key="downtime.reversed")
        rules = self.rules
        if not rules.effective_lo <= start < rules.effective_hi:
            eff = rules.file.effective
            when = rules.format(start)
            raise TicketError(
                "start",
                f"downtime starting {when} is outside the contract's effective period {eff.start} to {eff.end}",
                key="downtime.outside",
                fields={"start": when, "first": eff.start, "last": eff.end},
            )
        end = min(end, rules.effective_hi)  # the contract says nothing after its end
        if exclusion is not None and exclusion not in self.rules.exclusions:
            raise unknown_exclusion(exclusion, self.rules.exclusions)
        self._downtime.setdefault(product, []).append((start, end, exclusion, notified_at))
        # Remember every period the interval touches, so it gets a result.
        for period in self.periods_of[product]:
            d, last = self._date(start), self._date(max(start, end - 1))
            while d <= last:
                key = period_key(d, period)
                self._seen.add((product, period, key))
                d = period_dates(key, period)[1] + dt.timedelta(days=1)

    def set_percent(self, product: str, key: str, percent: Decimal, period: str = "month") -> None:
        self._check_product(product)
        if period not in self.periods_of[product]:
            raise TicketError(
                "period",
                f"`{product}` has no availability target per {period}",
                key="availability.no_period_target",
                fields={"product": product, "period": _period_word(period)},
            )
        example = {"month": "2026-03", "quarter": "2026-Q1", "year": "2026"}[period]
        try:
            first, last = period_dates(key, period)
        except (ValueError, TypeError):
            raise _not_a_period(key, period, example) from None
        if period_key(first, period) != key:
            raise _not_a_period(key, period, example)
        eff = self.rules.file.effective
        if last < eff.start or first > eff.end:
            raise TicketError(
                "period",
                f"{key} is outside the contract's effective period {eff.start} to {eff.end}",
                key="availability.outside",
                fields={"period": key, "start": eff.start, "end": eff.end},
            )
        if not 0 <= percent <= 100:
            raise TicketError(
                "availability",
                f"{percent} is not a percentage between 0 and 100",
                key="availability.bad_percent",
                fields={"value": percent},
            )
        self._given[(product, key)] = Fraction(percent)
        self._seen.add((product, period, key))

    def touch(self, date: dt.date) -> None:
        """Report every product's period containing `date` (e.g. a ticket's)."""
        for product, periods in self.periods_of.items():
            for period in periods:
                self._seen.add((product, period, period_key(date, period)))

    def results(self) -> list[AvailabilityOutcome]:
        return [self.judge(p, per, key) for p, per, key in sorted(self._seen)]

    def judge(self, product: str, period: str, key: str) -> AvailabilityOutcome:
        rules = self.rules
        target = self.targets[(product, period)]
        first, last = period_dates(key, period)
        p0, p1 = rules.local_midnight(first), rules.local_midnight(last + dt.timedelta(days=1))
        out = AvailabilityOutcome(product, key, target, Fraction(100), total_seconds=p1 - p0)
        if (product, key) in self._given:
            out.availability, out.given = self._given[(product, key)], True
        else:
            self._measure(out, product, period, p0, p1)
        out.met = out.availability >= target
        for ld in rules.tier_ladders:
            crossed = [t for t in ld.tiers if out.availability < Fraction(Decimal(t.below))]
            if not crossed:
                continue
            tier = min(crossed, key=lambda t: Decimal(t.below))
            out.tier = Decimal(tier.below)
            owed = self._amount(tier.amount, product)
            if ld.cap is not None:
                owed = min(owed, self._amount(ld.cap, product))
            out.credits[ld.name] = owed
        return out

    def _amount(self, amount, product) -> Decimal:
        if amount.money is not None:
            return Decimal(amount.money)
        fee = self.rules.products.get(product)
        if fee is None:
            raise TicketError(
                "product",
                f"product `{product}` has no monthly fee for a percentage credit",
                key="availability.no_fee",
                fields={"product": product},
            )
        return fee * Decimal(amount.percent) / 100

    def _measure(self, out: AvailabilityOutcome, product: str, period: str, p0: int, p1: int) -> None:
        mt = self.maintenance
        tagged: list[tuple[int, int, int]] = []  # (start, end, tag) tag: 0 excluded, 1 maintenance, 2 downtime
        for s, e, code, notified in self._downtime.get(product, ()):
            a, b = max(s, p0), min(e, p1)
            if a >= b:
                continue
            if code is None:
                tagged.append((a, b, 2))
            elif code == "maintenance":
                assert mt is not None  # add_downtime takes only the contract's codes
                announced = mt.notice_seconds is None or (notified is not None and s - notified >= mt.notice_seconds)
                inside = self._mcal.intervals(a, b) if (announced and self._mcal) else []
                cur = a
                for x, y in inside:
                    if cur < x:
                        tagged.append((cur, x, 2))
                    tagged.append((x, y, 1))
                    cur = y
                if cur < b:
                    tagged.append((cur, b, 2))
            else:
                tagged.append((a, b, 0))
        events = sorted([(a, 1, tag) for a, b, tag in tagged] + [(b, -1, tag) for a, b, tag in tagged])
        counts = [0, 0, 0]
        prev = None
        excluded = maintenance = down = 0
        for pos, delta, tag in events:
            if prev is not None and pos > prev:
                length = pos - prev
                if counts[0]:
                    excluded += length
                elif counts[1]:
                    maintenance += length
                elif counts[2]:
                    down += length
            counts[tag] += delta
            prev = pos
        if mt is not None and mt.max_seconds is not None and maintenance:
            allowed = mt.max_seconds * PERIOD_MONTHS[period] // PERIOD_MONTHS[mt.max_period or "month"]
            if maintenance > allowed:
                down += maintenance - allowed
                maintenance = allowed
        out.downtime_seconds, out.excluded_seconds, out.maintenance_seconds = down, excluded, maintenance
        out.availability = Fraction(out.total_seconds - down, out.total_seconds) * 100
