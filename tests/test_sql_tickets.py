"""The batch path's ticket outcomes (slalang.sql.tickets) and exact money
(slalang.sql.money) equal the Python runtime on DuckDB, for the DuckDB and
the Trino rendering (transpiled back to DuckDB); the Spark rendering parses."""

from __future__ import annotations

import random
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, ROUND_UP, Context, Decimal

import pytest

duckdb = pytest.importorskip("duckdb")
sqlglot = pytest.importorskip("sqlglot")

from sqlglot import exp  # noqa: E402

from slalang.sql.inputs import Unsupported  # noqa: E402
from slalang.sql.money import money_literal, money_scale, quantize, scale_of  # noqa: E402

_ROUND = {"half_up": ROUND_HALF_UP, "half_even": ROUND_HALF_EVEN, "down": ROUND_DOWN, "up": ROUND_UP}
_WIDE = Context(prec=100)


def _values(scale: int, rng: random.Random) -> list[Decimal]:
    out = [Decimal(rng.randint(-(10**6), 10**6)).scaleb(-scale) for _ in range(60)]
    out += [Decimal(rng.randint(0, 10 ** min(19, scale + 15))).scaleb(-scale) for _ in range(60)]
    # ties and their neighbours at every quantum
    for k in (-scale, -scale + 1, -2, 0, 1):
        q = Decimal(1).scaleb(k)
        for n in (0, 1, 2, 3, 7, 10, 11):
            for d in (Decimal(0), Decimal(1).scaleb(-scale), -Decimal(1).scaleb(-scale)):
                v = (n * q + q / 2 + d).quantize(Decimal(1).scaleb(-scale))
                out += [v, -v]
    return out


@pytest.mark.parametrize(
    ("scale", "dialect"), [(0, "duckdb"), (2, "duckdb"), (7, "duckdb"), (18, "duckdb"), (2, "trino"), (18, "spark")]
)
def test_quantize_equals_decimal_quantize(scale: int, dialect: str) -> None:
    rng = random.Random(scale)
    vals = _values(scale, rng)
    con = duckdb.connect()
    con.execute(f"CREATE TABLE v (x DECIMAL(38, {scale}))")
    con.execute("INSERT INTO v VALUES " + ", ".join(f"('{v}')" for v in vals))  # executemany is slow
    ks = sorted({-scale, -scale + 1, -2, -1, 0, 1, 2, 11} & set(range(-scale, 12)))
    cases = [(Decimal(1).scaleb(k), mode) for k in ks for mode in _ROUND]
    cols = [quantize(exp.column("x"), q, mode, scale) for q, mode in cases]
    sql = exp.select(exp.column("x"), *cols).from_("v").sql(dialect=dialect)
    if dialect != "duckdb":  # Spark and Trino: parsed back and run on DuckDB
        sql = sqlglot.transpile(sql, read=dialect, write="duckdb")[0]
    bad = []
    for x, *got in con.execute(sql).fetchall():
        for (q, mode), y in zip(cases, got):
            want = x.quantize(q, rounding=_ROUND[mode], context=_WIDE)
            if want != y:
                bad.append((str(x), str(q), mode, y, want))
    assert not bad, bad[:10]


def test_money_literal_is_exact() -> None:
    con = duckdb.connect()
    for v in ("0", "0.01", "120000.00", "99.95", "0.000000000000000001", "123456789012345.5"):
        got = con.execute(exp.select(money_literal(v)).sql(dialect="duckdb")).fetchone()[0]
        assert got == Decimal(v) and scale_of(v) == max(0, -Decimal(v).as_tuple().exponent)
    assert con.execute(exp.select(money_literal("1.5", 4)).sql()).fetchone()[0] == Decimal("1.5")
    with pytest.raises(ValueError):
        money_literal("1.25", 1)


def test_money_scale_of_the_examples() -> None:
    from sqlharness import EXAMPLES, rules_of

    for contract in EXAMPLES:
        rf, _ = rules_of(contract)
        s = money_scale(rf)
        assert 0 <= s <= 18
        assert s >= scale_of(rf.credit_policy.quantum)
        for p in rf.products:
            if p.monthly_fee is not None:
                assert s >= scale_of(p.monthly_fee)


def test_money_scale_too_fine_is_unsupported() -> None:
    from sqlharness import rules_of

    rf, _ = rules_of("contracts/itops.sla")
    assert money_scale(rf) == 4  # 120000.00 × 5 % (a percent of 0 digits): 2 + 0 + 2
    fine = rf.products[0].model_copy(update={"monthly_fee": "1.00000000000000001"})
    with pytest.raises(Unsupported) as err:
        money_scale(rf.model_copy(update={"products": [fine, *rf.products[1:]]}))
    assert err.value.key == "money_scale" and err.value.fields["digits"] == 17 + 0 + 2
