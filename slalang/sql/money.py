"""Exact money in SQL: DECIMAL types, literals and rounding as sqlglot trees.

Money is `DECIMAL(38, S)` everywhere in the batch path, with one scale `S`
per rule file (`money_scale`): enough digits after the point for every
amount the rule file can produce before rounding — each money literal
(fees, fixed amounts, minimums, caps), each percentage of a fee
(`scale(fee) + scale(percent) + 2`, the runtime's `fee * percent / 100`,
exact) and the rounding quantum. A rule file that would need more than
`MAX_SCALE` digits after the point (so too few before it) raises
`Unsupported("money_scale")`: never an approximation.

`quantize(expr, quantum, mode, scale)` is `Decimal.quantize(quantum,
rounding=mode)` (= `Rules.round`) for a quantum 10^k (k in -18..11) and the
modes half_up (ties away from zero), half_even, down (toward zero), up (away
from zero); `None` is half_even, as the runtime's default. It uses no
DECIMAL division (DuckDB's is DOUBLE): the value is scaled by 10^-k with an
exact multiplication, FLOOR/CEIL taken, and scaled back by 10^k. Every
operand is cast to a precision that keeps each product within 38 digits
(Spark reduces the scale of a product past 38 digits), so the result is
exact on DuckDB, Spark and Trino; it is `DECIMAL(38, scale)`.
"""

from __future__ import annotations

from decimal import Decimal

from sqlglot import exp

from slalang.sql.inputs import Unsupported

__all__ = [
    "MAX_SCALE",
    "PRECISION",
    "decimal_type",
    "money_literal",
    "money_scale",
    "quantize",
    "scale_of",
    "to_money",
]

PRECISION = 38
MAX_SCALE = 18  # digits after the point; 20 are left before it (fees have at most 15)
MODES = ("half_up", "half_even", "down", "up")


def scale_of(value: Decimal | str) -> int:
    """Digits after the point of a decimal literal (0 for an integer, even `1E+2`)."""
    exponent = Decimal(value).as_tuple().exponent
    assert isinstance(exponent, int)  # finite literals only
    return max(0, -exponent)


def _amount_scales(amount, fees: list[str]) -> list[int]:
    if amount is None:
        return []
    if amount.money is not None:
        return [scale_of(amount.money)]
    p = scale_of(amount.percent)
    # fee * percent / 100: exact at scale(fee) + scale(percent) + 2
    return [scale_of(f) + p + 2 for f in fees] or [p + 2]


def money_scale(rule_file) -> int:
    """The scale S of `DECIMAL(38, S)` for a rule file's amounts: every money
    literal, every percentage of every product fee, and the quantum."""
    fees = [p.monthly_fee for p in rule_file.products if p.monthly_fee is not None]
    scales = [scale_of(rule_file.credit_policy.quantum)] + [scale_of(f) for f in fees]
    for ld in rule_file.credit_ladders:
        if ld.step is not None:
            scales += _amount_scales(ld.step.amount, fees)
        for t in ld.tiers:
            scales += _amount_scales(t.amount, fees)
        scales += _amount_scales(ld.minimum, fees) + _amount_scales(ld.cap, fees)
    scales += _amount_scales(rule_file.credit_policy.cap, fees)
    s = max(scales)
    if s > MAX_SCALE:
        raise Unsupported(
            "money_scale",
            f"the rule file's amounts need {s} digits after the decimal point; SQL's DECIMAL(38) "
            f"holds {MAX_SCALE} exactly with room for the amounts before it",
            digits=s,
            limit=MAX_SCALE,
        )
    return s


def decimal_type(scale: int, precision: int = PRECISION) -> exp.DataType:
    """DECIMAL(precision, scale)."""
    return exp.DataType.build(f"DECIMAL({precision}, {scale})")


def money_literal(value: Decimal | str, scale: int | None = None) -> exp.Expression:
    """An exact decimal literal: CAST('v' AS DECIMAL(p, s)) with s = `scale`
    (or the literal's own) and p just wide enough for it."""
    d = Decimal(value)
    s = scale_of(d) if scale is None else scale
    if scale_of(d) > s:
        raise ValueError(f"{value} has more than {s} digits after the point")
    text = f"{d:.{s}f}"
    digits = len(text.lstrip("-").replace(".", "").lstrip("0")) or 1
    p = max(digits, s, 1)
    return exp.cast(exp.Literal.string(text), decimal_type(s, p))


def to_money(e: exp.Expression, scale: int) -> exp.Expression:
    """CAST(e AS DECIMAL(38, scale))."""
    return exp.cast(e, decimal_type(scale))


def _pow10(k: int) -> exp.Expression:
    """10^k as an exact DECIMAL literal of the least precision."""
    if k >= 0:
        return exp.cast(exp.Literal.string("1" + "0" * k), decimal_type(0, k + 1))
    return exp.cast(exp.Literal.string("0." + "0" * (-k - 1) + "1"), decimal_type(-k, -k))


def _floor_at(a: exp.Expression, scale: int, digits: int) -> exp.Expression:
    """The largest multiple of 10^-digits at or below `a` (>= 0, DECIMAL(38, scale),
    digits < scale): a cast to the lower scale rounds one way or the other in
    every engine, and the comparison takes it back down. One digit of
    headroom, as a value may round up past its integer digits."""
    c = exp.cast(a, decimal_type(digits, PRECISION + 1 - scale + digits))
    return exp.Case(ifs=[exp.If(this=c > a, true=c - _pow10(-digits))], default=c)


def _is_integer(v: exp.Expression, scale: int) -> exp.Expression:
    """Whether `v` (>= 0, DECIMAL of `scale` >= 1 digits) is a whole number."""
    return _floor_at(v, scale, 0).eq(v)


def quantize(expr: exp.Expression, quantum: Decimal | str, mode: str | None, scale: int) -> exp.Expression:
    """`expr` (an amount of at most `scale` digits after the point) rounded
    to a multiple of `quantum` (a power of ten) by `mode`, exactly as
    `Decimal.quantize`; DECIMAL(38, scale). `scale` must be at least the
    quantum's digits after the point (`money_scale` is)."""
    mode = mode or "half_even"
    if mode not in MODES:
        raise ValueError(f"unknown rounding mode {mode!r}")
    q = Decimal(quantum)
    sign, digits, k = q.as_tuple()
    assert isinstance(k, int) and not sign
    k += len(digits) - 1  # quantum = 10^k
    if q != Decimal(1).scaleb(k):
        raise ValueError(f"quantum {quantum} is not a power of ten")
    if -k > scale:
        raise ValueError(f"scale {scale} is finer than the quantum {quantum}")
    if -k >= scale:  # the amount is already a multiple of the quantum
        return to_money(expr, scale)
    x = to_money(expr, scale)
    a = exp.Abs(this=x)
    half = exp.cast(exp.Literal.string(f"{q / 2:f}"), decimal_type(max(0, 1 - k), max(1 - k, k, 1)))
    if k <= 0:
        f = _floor_at(a, scale, -k)  # a multiple of q
        # f / q is even when f / (2q) is a multiple of q: f * 0.5 has one digit more
        h = f * exp.cast(exp.Literal.string("0.5"), decimal_type(1, 1))
        even: exp.Expression = _floor_at(h, 1 - k, -k).eq(h)
    else:
        f0 = _floor_at(a, scale, 0) if scale else a  # the whole part
        # g = floor(f0 / q): f0 * 10^-k (at most 37 - k digits, so the product stays within 38)
        y = exp.cast(f0, decimal_type(0, PRECISION - 1 - k)) * _pow10(-k)
        g = _floor_at(y, k, 0)
        f = exp.cast(g, decimal_type(0, PRECISION - 1 - k)) * _pow10(k)
        even = _is_integer(g * exp.cast(exp.Literal.string("0.5"), decimal_type(1, 1)), 1)
    f = exp.paren(f)
    up = exp.paren(f + _pow10(k))
    frac = exp.paren(a - f)
    if mode == "down":
        z: exp.Expression = f
    elif mode == "up":
        z = exp.Case(ifs=[exp.If(this=a > f, true=up)], default=f)
    elif mode == "half_up":
        z = exp.Case(ifs=[exp.If(this=frac >= half, true=up)], default=f)
    else:
        z = exp.Case(
            ifs=[
                exp.If(this=frac > half, true=up),
                exp.If(this=frac < half, true=f),
                exp.If(this=even, true=f),
            ],
            default=up,
        )
    z = to_money(z, scale)
    return exp.Case(ifs=[exp.If(this=x < exp.Literal.number(0), true=exp.Neg(this=z))], default=z)
