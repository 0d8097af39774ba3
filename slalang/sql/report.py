"""The period report in SQL: the sums `PeriodReport` keeps, as GROUP BY
queries over the outcome table, and the whole ticket report for a warehouse.

Inputs (names from `Inputs`):

  outcomes  `inputs.extra["outcomes"]` (default `slalang_outcomes`): the
            outcome query's rows (slalang.sql.tickets, columns in
            slalang/sql/inputs.py) — KEY, `M_status` per metric M,
            `credit_L` per step ladder L on a ticket metric (exact DECIMAL,
            NULL when L owes nothing), `error_key` (NULL for a ticket the
            rules evaluate; other rows are left out, as `slalang eval` leaves
            out a row error)
  tickets   `inputs.tickets`, joined on KEY: priority, opened_at,
            resolved_at, product, exclusion (an absent optional column is
            read as NULL, as the Python reader's `Ticket`)
  availability credits  `inputs.extra["availability_credits"]` (optional;
            slalang.sql.availability): cap_period VARCHAR, product VARCHAR,
            credit DECIMAL — the availability lines of each cap period and
            product as `PeriodReport.add_availability` sums them

`aggregate_queries(rule_file, inputs, period)` gives the rows
`PeriodReport.merge_totals` takes (and `report_from_aggregates` folds them
into a reference `PeriodReport`, whose `.result()` is then the report the
Python path gives, caps and rounding included):

  sla       period, metric, priority, status, count — one row per status
            met | breached | pending | excluded | not_measured of each
            metric (no_commitment left out)
  mttr      period, priority, seconds, resolved — the wall seconds from
            opening to resolution of resolved tickets without an exclusion
  accrued   period, product, credit
  capped    period (of the cap period), product, credit
  tickets   tickets — the number of tickets evaluated

The period of a ticket is the `period` (day | week | month) containing the
local date of its opening instant in the contract's timezone, and its cap
period the `cap_period` (month | quarter | year; month when the contract
names none) containing it: labels as `slalang.runtime.availability.period_key`.
A ticket's credit is the sum of its ladders' credits, each rounded by the
contract's rule (`rounding … per line`), or exact (`per total`), counted only
for a ticket with some credit entry (a ladder that owes 0 counts); its
product is `-` when the contract has no products, else the ticket's product
(`-` when it has none). `combine highest` does not apply to tickets (their
ladders add up, as in the runtime).

`report_queries(rule_file, inputs, period)` is the whole ticket report in
SQL, in the shape of `PeriodReport.result()` (ordered as it orders them):

  sla       period, metric, priority, judged, met, breached, pending,
            excluded, not_measured, attainment_percent (DECIMAL(38, 2):
            100·met/judged truncated to 2 places; NULL when judged is 0)
  mttr      period, priority, resolved, mttr_seconds (total/resolved
            rounded half to even, in integers)
  accrued   period, product, credit (the period's sum, rounded by the rule)
  credits   period (cap period), product, tickets, availability, total
            (tickets + availability, rounded by the rule), cap (NULL: none),
            owed (the total, at most the cap), currency
  tickets   tickets

Caps are `PeriodReport._cap`: money, or a percentage of the product's monthly
fee over the cap period's months, prorated by the days inside the term for a
cap period the term cuts (unless `partial_periods full_fee`), rounded down to
the quantum. They are computed when the query is built (they depend only on
the product and the cap period: a cap period cut by the term is the first or
the last), and written as constants: the SQL has no DECIMAL division.
Money is DECIMAL(38, S), S = `slalang.sql.money.money_scale(rule_file)`.
The availability report rows themselves are slalang.sql.availability's.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Mapping
from decimal import Decimal

from sqlglot import exp

from slalang.sql.expr import DAY, Zone, lit, mod
from slalang.sql.inputs import Inputs, Unsupported
from slalang.sql.money import decimal_type, money_literal, money_scale, quantize

__all__ = [
    "AGGREGATES",
    "OUTCOMES",
    "REPORTS",
    "aggregate_queries",
    "report_from_aggregates",
    "report_queries",
    "ticket_ladders",
    "unsupported",
]

OUTCOMES = "slalang_outcomes"
AGGREGATES = ("sla", "mttr", "accrued", "capped", "tickets")
REPORTS = ("sla", "mttr", "accrued", "credits", "tickets")
PERIODS = ("day", "week", "month")
STATUSES = ("met", "breached", "pending", "excluded", "not_measured")

_O, _T, _G = "o", "t", "g"  # aliases: outcomes, tickets, the per-day groups


def ticket_ladders(rule_file) -> tuple[str, ...]:
    """The step ladders on ticket metrics (their `credit_L` outcome columns),
    in rule-file order, as `Rules` compiles them."""
    metrics = {m.name for m in rule_file.metrics}
    return tuple(
        ld.name
        for ld in rule_file.credit_ladders
        if ld.metric != "availability" and ld.step is not None and ld.metric in metrics
    )


def _ident(name: str) -> exp.Identifier:
    return exp.to_identifier(name, quoted=True)


def _col(name: str, table: str | None = None) -> exp.Column:
    return exp.Column(this=_ident(name), table=exp.to_identifier(table) if table else None)


def _str(s: str) -> exp.Literal:
    return exp.Literal.string(s)


def _alias(e: exp.Expression, name: str) -> exp.Alias:
    return exp.Alias(this=e, alias=_ident(name))


def to_money(e: exp.Expression, scale: int) -> exp.Expression:
    """CAST(e AS DECIMAL(38, scale)), without copying e (`money.to_money` copies)."""
    return exp.cast(e, decimal_type(scale), copy=False)


def _false() -> exp.Expression:
    return exp.EQ(this=lit(1), expression=lit(0))


def _cap_period(rule_file) -> str:
    return rule_file.credit_policy.cap_period or "month"


def _outcomes(inputs: Inputs) -> str:
    return inputs.extra.get("outcomes", OUTCOMES)


def _ticket_col(inputs: Inputs, name: str) -> exp.Expression:
    """A ticket column, or NULL when the input has no such column."""
    return _col(name, _T) if inputs.has(name) else exp.Null()


def _joined(rule_file, inputs: Inputs) -> exp.Select:
    """FROM outcomes o JOIN tickets t ON KEY, the evaluated tickets only."""
    key = inputs.key
    on = exp.EQ(this=_col(key, _O), expression=_col(key, _T))
    return (
        exp.select()
        .from_(exp.alias_(exp.to_table(_outcomes(inputs)), _O, table=True, copy=False), copy=False)
        .join(exp.alias_(exp.to_table(inputs.tickets), _T, table=True, copy=False), on=on, copy=False)
        .where(exp.Is(this=_col("error_key", _O), expression=exp.Null()), copy=False)
    )


@functools.cache
def _zone(tz: str, first: dt.date, last: dt.date) -> Zone:
    """The contract's timezone over its term (a day either side): the few
    offset changes tickets can meet, so a local day is a short CASE."""
    z = Zone.of(tz)
    return Zone(tz, z.first_instant(first) - 2 * DAY, z.first_instant(last) + 3 * DAY)


def _day(rule_file) -> exp.Expression:
    """The local day number of the opening instant (tickets open inside the term)."""
    eff = rule_file.effective
    return _zone(rule_file.timezone, eff.start, eff.end).local_day(_col("opened_at", _T))


def _day_columns(rule_file) -> list[exp.Expression]:
    """day, and t0 (an opening instant of that day: the period label's argument)."""
    return [_alias(_day(rule_file), "day"), _alias(exp.Min(this=_col("opened_at", _T)), "t0")]


def _regroup(rule_file, inner: exp.Select, keys: list[str], sums: list[str], period: str) -> exp.Select:
    """Per-day groups (`inner`: day, t0, keys…, sums…, grouped by day and
    keys) summed per period label: (period, keys…, sums…). Every instant of
    a local day has that day's label, so labelling t0 labels the group —
    one CASE per group instead of one per ticket."""
    eff = rule_file.effective
    label = Zone.of(rule_file.timezone).period_key(_col("t0", "d"), period, eff.start, eff.end)
    return (
        exp.select(
            _alias(label, "period"),
            *(_alias(_col(k, "d"), k) for k in keys),
            *(_alias(exp.Sum(this=_col(x, "d")), x) for x in sums),
            copy=False,
        )
        .from_(inner.subquery("d", copy=False), copy=False)
        .group_by(*(lit(i + 1) for i in range(len(keys) + 1)), copy=False)
    )


def _quantum(rule_file) -> Decimal:
    """The quantum as `Rules.round` applies it: the power of ten the rule
    file names (`10` rounds to tens)."""
    return Decimal(1).scaleb(Decimal(rule_file.credit_policy.quantum).adjusted())


def _zero(scale: int) -> exp.Expression:
    return to_money(lit(0), scale)


def _idiv(a: exp.Expression, b: exp.Expression) -> exp.Expression:
    """⌊a / b⌋ for BIGINT expressions a >= 0 and b >= 1 (a below 2^62):
    through DOUBLE division, then corrected by one either way (the DOUBLE
    quotient is within one of the true one while it is below 2^52)."""
    q0 = exp.cast(
        exp.Floor(
            this=exp.Div(
                this=exp.cast(a.copy(), "DOUBLE", copy=False), expression=exp.cast(b.copy(), "DOUBLE", copy=False)
            )
        ),
        "BIGINT",
        copy=False,
    )
    below = exp.GT(this=exp.Mul(this=q0.copy(), expression=b.copy()), expression=a.copy())
    above = exp.LTE(this=exp.Mul(this=exp.paren(q0.copy() + lit(1)), expression=b.copy()), expression=a.copy())
    return exp.paren(
        exp.Case(
            ifs=[exp.If(this=below, true=q0.copy() - lit(1)), exp.If(this=above, true=q0.copy() + lit(1))],
            default=q0.copy(),
        )
    )


def _ticket_credit(rule_file, scale: int) -> tuple[exp.Expression, exp.Condition] | None:
    """(the ticket's credit as `PeriodReport.add` sums it, whether it has
    some credit entry), or None when no ladder pays for tickets."""
    ladders = ticket_ladders(rule_file)
    if not ladders:
        return None
    pol = rule_file.credit_policy
    per_line = (pol.rounding_scope or "line") == "line"
    parts = []
    for name in ladders:
        c = _col(f"credit_{name}", _O)
        v = quantize(c, _quantum(rule_file), pol.rounding, scale) if per_line else to_money(c, scale)
        parts.append(exp.Coalesce(this=v, expressions=[_zero(scale)]))
    total: exp.Expression = parts[0]
    for p in parts[1:]:
        total = exp.Add(this=total, expression=p)
    some = exp.or_(
        *(exp.Not(this=exp.Is(this=_col(f"credit_{n}", _O), expression=exp.Null())) for n in ladders), copy=False
    )
    return to_money(total, scale), some


def _product(rule_file, inputs: Inputs) -> exp.Expression:
    if not rule_file.products or not inputs.has("product"):
        return _str("-")
    p = exp.Nullif(this=_col("product", _T), expression=_str(""))
    return exp.Coalesce(this=p, expressions=[_str("-")])


def _wrap(query: exp.Query, alias: str = "u") -> exp.Select:
    """SELECT * FROM (query) alias — a Select whatever `query` is."""
    return exp.select("*").from_(query.subquery(alias, copy=False), copy=False)


def _sla(rule_file, inputs: Inputs, period: str) -> exp.Select:
    metrics = [m.name for m in rule_file.metrics]
    if not metrics:
        return exp.select(
            _alias(exp.cast(exp.Null(), "VARCHAR", copy=False), "period"),
            _alias(exp.cast(exp.Null(), "VARCHAR", copy=False), "metric"),
            _alias(exp.cast(exp.Null(), "VARCHAR", copy=False), "priority"),
            _alias(exp.cast(exp.Null(), "VARCHAR", copy=False), "status"),
            _alias(exp.cast(exp.Null(), "BIGINT", copy=False), "count"),
        ).where(_false(), copy=False)
    # One scan: the tickets grouped by period, priority and every metric's
    # status; then one row per metric and status.
    inner = _joined(rule_file, inputs).select(
        *_day_columns(rule_file),
        _alias(_col("priority", _T), "priority"),
        *(_alias(_col(f"{m}_status", _O), f"s{i}") for i, m in enumerate(metrics)),
        _alias(exp.Count(this=exp.Star()), "n"),
        copy=False,
    )
    inner = inner.group_by(lit(1), *(lit(i + 3) for i in range(len(metrics) + 1)), copy=False)
    keys = ["priority", *(f"s{i}" for i in range(len(metrics)))]
    inner = _regroup(rule_file, inner, keys, ["n"], period)
    parts = []
    for i, m in enumerate(metrics):
        s = _col(f"s{i}", _G)
        q = (
            exp.select(
                _alias(_col("period", _G), "period"),
                _alias(_str(m), "metric"),
                _alias(_col("priority", _G), "priority"),
                _alias(s.copy(), "status"),
                _alias(exp.cast(exp.Sum(this=_col("n", _G)), "BIGINT", copy=False), "count"),
            )
            .from_(exp.alias_(exp.to_table("slalang_sla_groups"), _G, table=True, copy=False), copy=False)
            .where(exp.NEQ(this=s.copy(), expression=_str("no_commitment")), copy=False)
            .group_by(lit(1), lit(2), lit(3), lit(4), copy=False)
        )
        parts.append(q)
    union: exp.Query = parts[0]
    for q in parts[1:]:
        union = exp.union(union, q, distinct=False, copy=False)
    return _wrap(union).with_("slalang_sla_groups", as_=inner, copy=False)


def _mttr(rule_file, inputs: Inputs, period: str) -> exp.Select:
    if not inputs.has("resolved_at"):
        return exp.select(
            _alias(exp.cast(exp.Null(), "VARCHAR", copy=False), "period"),
            _alias(exp.cast(exp.Null(), "VARCHAR", copy=False), "priority"),
            _alias(exp.cast(exp.Null(), "BIGINT", copy=False), "seconds"),
            _alias(exp.cast(exp.Null(), "BIGINT", copy=False), "resolved"),
        ).where(_false(), copy=False)
    resolved = _col("resolved_at", _T)
    cond: exp.Condition = exp.Not(this=exp.Is(this=resolved, expression=exp.Null()))
    if inputs.has("exclusion"):
        cond = exp.and_(cond, exp.Is(this=_col("exclusion", _T), expression=exp.Null()), copy=False)
    seconds = exp.Sum(this=exp.Sub(this=resolved.copy(), expression=_col("opened_at", _T)))
    inner = (
        _joined(rule_file, inputs)
        .select(
            *_day_columns(rule_file),
            _alias(_col("priority", _T), "priority"),
            _alias(exp.cast(seconds, "BIGINT", copy=False), "seconds"),
            _alias(exp.cast(exp.Count(this=exp.Star()), "BIGINT", copy=False), "resolved"),
            copy=False,
        )
        .where(cond, copy=False)
        .group_by(lit(1), lit(3), copy=False)
    )
    g = _regroup(rule_file, inner, ["priority"], ["seconds", "resolved"], period)
    return exp.select(
        _col("period", "m"),
        _col("priority", "m"),
        _alias(exp.cast(_col("seconds", "m"), "BIGINT", copy=False), "seconds"),
        _alias(exp.cast(_col("resolved", "m"), "BIGINT", copy=False), "resolved"),
        copy=False,
    ).from_(g.subquery("m", copy=False), copy=False)


def _credits_by(rule_file, inputs: Inputs, period: str, scale: int) -> exp.Select:
    """Per period and product: the tickets' credits, as `PeriodReport.add` sums them."""
    credit = _ticket_credit(rule_file, scale)
    if credit is None:
        return exp.select(
            _alias(exp.cast(exp.Null(), "VARCHAR", copy=False), "period"),
            _alias(exp.cast(exp.Null(), "VARCHAR", copy=False), "product"),
            _alias(exp.cast(exp.Null(), decimal_type(scale), copy=False), "credit"),
        ).where(_false(), copy=False)
    total, some = credit
    inner = (
        _joined(rule_file, inputs)
        .select(
            *_day_columns(rule_file),
            _alias(_product(rule_file, inputs), "product"),
            _alias(to_money(exp.Sum(this=total), scale), "credit"),
            copy=False,
        )
        .where(some, copy=False)
        .group_by(lit(1), lit(3), copy=False)
    )
    g = _regroup(rule_file, inner, ["product"], ["credit"], period)
    return exp.select(
        _col("period", "m"),
        _col("product", "m"),
        _alias(to_money(_col("credit", "m"), scale), "credit"),
        copy=False,
    ).from_(g.subquery("m", copy=False), copy=False)


def _tickets(rule_file, inputs: Inputs) -> exp.Select:
    return (
        exp.select(_alias(exp.cast(exp.Count(this=exp.Star()), "BIGINT", copy=False), "tickets"))
        .from_(exp.to_table(_outcomes(inputs)), copy=False)
        .where(exp.Is(this=exp.column("error_key"), expression=exp.Null()), copy=False)
    )


def _check_period(period: str) -> None:
    if period not in PERIODS:
        raise ValueError(f"period must be one of {', '.join(PERIODS)}")


def unsupported(rule_file) -> list[Unsupported]:
    """What the report queries cannot compile exactly: only amounts that need
    more digits than DECIMAL(38) holds (`money.money_scale`)."""
    try:
        money_scale(rule_file)
    except Unsupported as exc:
        return [exc]
    return []


def aggregate_queries(rule_file, inputs: Inputs, period: str = "month") -> dict[str, exp.Select]:
    """The GROUP BY queries whose rows `PeriodReport.merge_totals` takes
    (keys `AGGREGATES`; columns in the module docstring)."""
    _check_period(period)
    scale = money_scale(rule_file)  # raises Unsupported (see `unsupported`)
    return {
        "sla": _sla(rule_file, inputs, period),
        "mttr": _mttr(rule_file, inputs, period),
        "accrued": _credits_by(rule_file, inputs, period, scale),
        "capped": _credits_by(rule_file, inputs, _cap_period(rule_file), scale),
        "tickets": _tickets(rule_file, inputs),
    }


def _amount(v) -> Decimal:
    if isinstance(v, Decimal):
        return v
    if isinstance(v, (int, str)):
        return Decimal(v)
    raise TypeError(f"a credit must be an exact decimal, not {type(v).__name__}")


def report_from_aggregates(rules, period: str, rows: Mapping[str, Iterable]):
    """A reference `PeriodReport` filled with the rows of `aggregate_queries`
    (`rows[name]`: that query's rows as tuples; `tickets` its one row, or
    the count); `.result()` is the report."""
    from slalang.runtime.report import PeriodReport

    report = PeriodReport(rules, period)
    tickets = rows.get("tickets", 0)
    if not isinstance(tickets, int):
        tickets = sum(int(r[0]) for r in tickets)
    report.merge_totals(
        sla=[(k, m, p, s, int(n)) for k, m, p, s, n in rows.get("sla", ())],
        mttr=[(k, p, int(s), int(n)) for k, p, s, n in rows.get("mttr", ())],
        accrued=[(k, p, _amount(c)) for k, p, c in rows.get("accrued", ())],
        capped=[(k, p, _amount(c)) for k, p, c in rows.get("capped", ())],
        tickets=tickets,
    )
    return report


# ------------------------------------------------------------ the whole report


def _priority_order(rule_file, e: exp.Expression) -> list[exp.Expression]:
    """The priority's place in the rule file (the report's order), as an ORDER BY term."""
    ifs = [
        exp.If(this=exp.EQ(this=e.copy(), expression=_str(p.name)), true=lit(i))
        for i, p in enumerate(rule_file.priorities)
    ]
    return [exp.Case(ifs=ifs, default=lit(len(ifs)))] if ifs else []


def _sum_if(status: str) -> exp.Expression:
    hit = exp.EQ(this=_col("status", _G), expression=_str(status))
    v = exp.Case(ifs=[exp.If(this=hit, true=_col("count", _G))], default=lit(0))
    return exp.cast(exp.Sum(this=v), "BIGINT", copy=False)


def _percent2(met: exp.Expression, judged: exp.Expression) -> exp.Expression:
    """100·met/judged truncated to 2 places (`decimal_percent(…, 2)`), DECIMAL(38, 2)."""
    hundredths = _idiv(exp.Mul(this=exp.paren(met), expression=lit(10000)), judged)
    scaled = exp.Mul(
        this=exp.cast(hundredths, exp.DataType.build("DECIMAL(20, 0)"), copy=False),
        expression=exp.cast(_str("0.01"), exp.DataType.build("DECIMAL(2, 2)"), copy=False),
    )
    return exp.Case(
        ifs=[
            exp.If(
                this=exp.GT(this=judged.copy(), expression=lit(0)), true=exp.cast(scaled, "DECIMAL(38, 2)", copy=False)
            )
        ],
        default=exp.cast(exp.Null(), "DECIMAL(38, 2)", copy=False),
    )


def _report_sla(rule_file, agg: exp.Select) -> exp.Select:
    counts = {s: _sum_if(s) for s in STATUSES}
    g = (
        exp.select(
            _alias(_col("period", _G), "period"),
            _alias(_col("metric", _G), "metric"),
            _alias(_col("priority", _G), "priority"),
            *(_alias(c, s) for s, c in counts.items()),
        )
        .from_(agg.subquery(_G, copy=False), copy=False)
        .group_by(lit(1), lit(2), lit(3), copy=False)
    )
    met, breached = _col("met", "c"), _col("breached", "c")
    judged = exp.paren(exp.Add(this=met, expression=breached))
    return (
        exp.select(
            _col("period", "c"),
            _col("metric", "c"),
            _col("priority", "c"),
            _alias(judged, "judged"),
            *(_col(s, "c") for s in STATUSES),
            _alias(_percent2(met.copy(), judged.copy()), "attainment_percent"),
        )
        .from_(g.subquery("c", copy=False), copy=False)
        .order_by(
            _col("period", "c"), _col("metric", "c"), *_priority_order(rule_file, _col("priority", "c")), copy=False
        )
    )


def _round_half_even(total: exp.Expression, n: exp.Expression) -> exp.Expression:
    """round(total / n) as Python rounds it (half to even), for total >= 0 and
    n >= 1, in integers: q = ⌊total/n⌋, r = total − q·n; q + 1 when 2r > n,
    or when 2r = n and q is odd."""
    q = _idiv(total, n)
    r2 = exp.Mul(this=lit(2), expression=exp.paren(total.copy() - exp.Mul(this=q.copy(), expression=n.copy())))
    odd = exp.EQ(this=mod(q.copy(), 2), expression=lit(1))
    up = exp.or_(
        exp.GT(this=r2, expression=n.copy()),
        exp.and_(exp.EQ(this=r2.copy(), expression=n.copy()), odd, copy=False),
        copy=False,
    )
    return exp.Case(ifs=[exp.If(this=up, true=q.copy() + lit(1))], default=q.copy())


def _report_mttr(rule_file, agg: exp.Select) -> exp.Select:
    g = (
        exp.select(
            _alias(_col("period", _G), "period"),
            _alias(_col("priority", _G), "priority"),
            _alias(exp.cast(exp.Sum(this=_col("seconds", _G)), "BIGINT", copy=False), "seconds"),
            _alias(exp.cast(exp.Sum(this=_col("resolved", _G)), "BIGINT", copy=False), "resolved"),
        )
        .from_(agg.subquery(_G, copy=False), copy=False)
        .group_by(lit(1), lit(2), copy=False)
    )
    return (
        exp.select(
            _col("period", "c"),
            _col("priority", "c"),
            _col("resolved", "c"),
            _alias(_round_half_even(_col("seconds", "c"), _col("resolved", "c")), "mttr_seconds"),
        )
        .from_(g.subquery("c", copy=False), copy=False)
        .order_by(_col("period", "c"), *_priority_order(rule_file, _col("priority", "c")), copy=False)
    )


def _round(rule_file, e: exp.Expression, scale: int) -> exp.Expression:
    return quantize(e, _quantum(rule_file), rule_file.credit_policy.rounding, scale)


def _per_line(rule_file) -> bool:
    return (rule_file.credit_policy.rounding_scope or "line") == "line"


def _round_sum(rule_file, e: exp.Expression, scale: int) -> exp.Expression:
    """A sum of ticket credits rounded by the rule: per line it is a sum of
    rounded lines, already on the quantum (rounding it again changes nothing)."""
    return to_money(e, scale) if _per_line(rule_file) else _round(rule_file, e, scale)


def _report_accrued(rule_file, agg: exp.Select, scale: int) -> exp.Select:
    return (
        exp.select(
            _alias(_col("period", _G), "period"),
            _alias(_col("product", _G), "product"),
            _alias(_round_sum(rule_file, exp.Sum(this=_col("credit", _G)), scale), "credit"),
        )
        .from_(agg.subquery(_G, copy=False), copy=False)
        .group_by(lit(1), lit(2), copy=False)
        .order_by(lit(1), lit(2), copy=False)
    )


def caps(rules) -> tuple[Decimal | None, dict[str, tuple[Decimal, dict[str, Decimal]]]]:
    """The caps `PeriodReport._cap` applies, from the reference itself: (the
    money cap, same for every product and cap period — or None), and per
    product with a fee-based cap, (its cap for an uncut cap period, {cap
    period cut by the term: its cap})."""
    from slalang.runtime.availability import period_key
    from slalang.runtime.report import PeriodReport

    report = PeriodReport(rules)
    cap = rules.policy.cap
    if cap is None:
        return None, {}
    if cap.money is not None:
        return report._cap("-", "-"), {}
    eff = rules.file.effective
    cut = {period_key(eff.start, report.cap_period), period_key(eff.end, report.cap_period)}
    out: dict[str, tuple[Decimal, dict[str, Decimal]]] = {}
    for product, fee in rules.products.items():
        if fee is None:
            continue
        full = report._cap(
            product,
            "1970-01" if report.cap_period == "month" else "1970-Q1" if report.cap_period == "quarter" else "1970",
        )
        assert full is not None
        by_key = {}
        for key in sorted(cut):
            c = report._cap(product, key)
            assert c is not None
            if c != full:
                by_key[key] = c
        out[product] = (full, by_key)
    return None, out


def _cap_expr(rules, period: exp.Expression, product: exp.Expression, scale: int) -> exp.Expression:
    money, by_product = caps(rules)
    if money is not None:
        return money_literal(money, scale)
    null = exp.cast(exp.Null(), decimal_type(scale), copy=False)
    if not by_product:
        return null
    ifs = []
    for name, (full, cut) in by_product.items():
        inner: exp.Expression = money_literal(full, scale)
        if cut:
            inner = exp.Case(
                ifs=[
                    exp.If(this=exp.EQ(this=period.copy(), expression=_str(k)), true=money_literal(v, scale))
                    for k, v in cut.items()
                ],
                default=inner,
            )
        ifs.append(exp.If(this=exp.EQ(this=product.copy(), expression=_str(name)), true=to_money(inner, scale)))
    return exp.Case(ifs=ifs, default=null)


def _report_credits(rules, inputs: Inputs, agg: exp.Select, scale: int) -> exp.Select:
    rule_file = rules.file
    zero = _zero(scale)
    tickets = exp.select(
        _alias(_col("period", _G), "period"),
        _alias(_col("product", _G), "product"),
        _alias(to_money(_col("credit", _G), scale), "tickets"),
        _alias(zero.copy(), "availability"),
    ).from_(agg.subquery(_G, copy=False), copy=False)
    union: exp.Query = tickets
    avail_table = inputs.extra.get("availability_credits")
    if avail_table:
        a = "a"
        avail = exp.select(
            _alias(_col("cap_period", a), "period"),
            _alias(_col("product", a), "product"),
            _alias(zero.copy(), "tickets"),
            _alias(to_money(_col("credit", a), scale), "availability"),
        ).from_(exp.alias_(exp.to_table(avail_table), a, table=True, copy=False), copy=False)
        union = exp.union(tickets, avail, distinct=False, copy=False)
    s = (
        exp.select(
            _alias(_col("period", "u"), "period"),
            _alias(_col("product", "u"), "product"),
            _alias(to_money(exp.Sum(this=_col("tickets", "u")), scale), "tickets"),
            _alias(to_money(exp.Sum(this=_col("availability", "u")), scale), "availability"),
        )
        .from_(union.subquery("u", copy=False), copy=False)
        .group_by(lit(1), lit(2), copy=False)
    )
    c = "c"
    t_sum, a_sum = _col("tickets", c), _col("availability", c)
    period, product = _col("period", c), _col("product", c)
    if _per_line(rule_file):
        # Tickets: a sum of rounded lines (on the quantum); availability rounded
        # (lines per line are too: then it changes nothing); the total their sum,
        # which is what rounding the sum gives when the tickets are on the quantum.
        a_round: exp.Expression = _round(rule_file, a_sum, scale) if avail_table else a_sum
        per = exp.select(period, product, _alias(t_sum, "tickets"), _alias(a_round, "availability"), copy=False).from_(
            s.subquery(c, copy=False), copy=False
        )
        rounded = exp.select(
            _col("period", "v"),
            _col("product", "v"),
            _col("tickets", "v"),
            _col("availability", "v"),
            _alias(to_money(exp.Add(this=_col("tickets", "v"), expression=_col("availability", "v")), scale), "total"),
            _alias(_cap_expr(rules, _col("period", "v"), _col("product", "v"), scale), "cap"),
        ).from_(per.subquery("v", copy=False), copy=False)
    else:
        rounded = exp.select(
            period,
            product,
            _alias(_round(rule_file, t_sum, scale), "tickets"),
            _alias(_round(rule_file, a_sum.copy(), scale), "availability"),
            _alias(_round(rule_file, exp.Add(this=t_sum.copy(), expression=a_sum.copy()), scale), "total"),
            _alias(_cap_expr(rules, period.copy(), product.copy(), scale), "cap"),
        ).from_(s.subquery(c, copy=False), copy=False)
    r = "r"
    total, cap = _col("total", r), _col("cap", r)
    over = exp.and_(
        exp.Not(this=exp.Is(this=cap, expression=exp.Null())), exp.LT(this=cap.copy(), expression=total), copy=False
    )
    return (
        exp.select(
            _col("period", r),
            _col("product", r),
            _col("tickets", r),
            _col("availability", r),
            _col("total", r),
            _col("cap", r),
            _alias(exp.Case(ifs=[exp.If(this=over, true=cap.copy())], default=total.copy()), "owed"),
            _alias(_str(rule_file.currency), "currency"),
        )
        .from_(rounded.subquery(r, copy=False), copy=False)
        .order_by(_col("period", r), _col("product", r), copy=False)
    )


def report_queries(rule_file, inputs: Inputs, period: str = "month") -> dict[str, exp.Select]:
    """The whole ticket report in SQL (keys `REPORTS`; columns in the module
    docstring): no Python after the queries."""
    from slalang.runtime.engine import Rules

    agg = aggregate_queries(rule_file, inputs, period)
    scale = money_scale(rule_file)
    rules = Rules(rule_file)
    return {
        "sla": _report_sla(rule_file, agg["sla"]),
        "mttr": _report_mttr(rule_file, agg["mttr"]),
        "accrued": _report_accrued(rule_file, agg["accrued"], scale),
        "credits": _report_credits(rules, inputs, agg["capped"], scale),
        "tickets": agg["tickets"],
    }
