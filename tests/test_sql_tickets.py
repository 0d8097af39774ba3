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


# ------------------------------------------------------------------ outcomes
import datetime as dt  # noqa: E402

from sqlharness import EXAMPLES, connect, generated, load_tickets, rules_of  # noqa: E402

from slalang.runtime.engine import Ticket, TicketError  # noqa: E402
from slalang.sql.inputs import OUTCOME_FIELDS, Inputs  # noqa: E402
from slalang.sql.tickets import outcome_query, outcome_sql, unsupported  # noqa: E402

TICKET_CONTRACTS = [c for c in EXAMPLES if rules_of(c)[0].metrics]


def _expected(rf, rules, t: Ticket, inputs: Inputs) -> dict:
    """The runtime's outcome of `t` as the outcome query's columns."""
    try:
        o = rules.evaluate(t, at=inputs.at, unmeasured=inputs.unmeasured(), unknown_flags=inputs.unknown_flags(rf))
    except TicketError as e:
        return {"error_key": e.key, "error_column": e.column}
    want: dict = {"error_key": None, "error_column": None, "breached": o.breached}
    for m, d in o.deadlines.items():
        for f in OUTCOME_FIELDS:
            want[f"{m}_{f}"] = getattr(d, f)
    for ld in rf.credit_ladders:
        if ld.metric != "availability" and ld.step is not None:
            want[f"credit_{ld.name}"] = o.credits.get(ld.name)
    return want


def _compare(rf, rules, tickets: list[Ticket], inputs: Inputs, dialect: str = "duckdb") -> int:
    """Run the outcome query on DuckDB and compare every field; returns the rows compared."""
    con = connect(rf)
    load_tickets(con, rf, tickets, inputs)
    sql = outcome_sql(rf, inputs, dialect)
    if dialect != "duckdb":
        sql = sqlglot.transpile(sql, read=dialect, write="duckdb")[0]
    cur = con.execute(sql)
    names = [d[0] for d in cur.description]
    rows = {r[0]: dict(zip(names, r)) for r in cur.fetchall()}
    assert len(rows) == len(tickets)
    bad = []
    for i, t in enumerate(tickets):
        got = rows[i]
        want = _expected(rf, rules, t, inputs)
        if want["error_key"] is not None:
            assert all(v is None for k, v in got.items() if k not in ("k", "error_key", "error_column")), got
        diff = {k: (v, got.get(k)) for k, v in want.items() if got.get(k) != v or type(got.get(k)) is not type(v)}
        if diff:
            bad.append((t, diff))
    assert not bad, bad[:3]
    return len(tickets)


def _at(rf) -> int:
    return int(dt.datetime.combine(rf.effective.start, dt.time(0), dt.UTC).timestamp()) + 200 * 86400


@pytest.mark.parametrize("contract", TICKET_CONTRACTS)
def test_generated_tickets_equal_runtime(contract: str) -> None:
    rf, rules = rules_of(contract)
    assert unsupported(rf) == []
    tickets = generated(rf, 200, seed=11)
    assert _compare(rf, rules, tickets, Inputs(key="k")) == len(tickets)
    assert _compare(rf, rules, tickets, Inputs(key="k", at=_at(rf)))


@pytest.mark.parametrize("contract", ["contracts/itops.sla", "contracts/support/field_service.sla"])
def test_trino_rendering_runs_equal(contract: str) -> None:
    rf, rules = rules_of(contract)
    tickets = generated(rf, 200, seed=5)
    _compare(rf, rules, tickets, Inputs(key="k", at=_at(rf)), dialect="trino")


@pytest.mark.slow
@pytest.mark.parametrize("dialect", ["spark", "trino"])
def test_renderings_parse(dialect: str) -> None:
    for contract in TICKET_CONTRACTS:
        rf, _ = rules_of(contract)
        text = outcome_sql(rf, Inputs(key="k", at=_at(rf)), dialect)
        parsed = sqlglot.parse(text, read=dialect)
        assert len(parsed) == 1 and isinstance(parsed[0], exp.Select)


# ---------------------------------------------------------- hostile tickets
def _edges(rules) -> list[int]:
    """Instants where the runtime's arithmetic turns: interval and day edges, DST changes, the calendar ends."""
    out: list[int] = [rules.effective_lo, rules.effective_hi - 1]
    for cal in rules.calendar_variants.values():
        out += [cal.lo, cal.hi, cal.hi - 3600]
        out += cal._starts[:: max(1, len(cal._starts) // 40)] + cal._ends[:: max(1, len(cal._ends) // 40)]
        out += cal._starts[-3:] + cal._ends[-3:]
    return sorted({t for t in out if rules.effective_lo <= t < rules.effective_hi})


def _hostile(rf, rules, n: int, seed: int) -> list[Ticket]:
    rng = random.Random(seed)
    edges = _edges(rules)
    prios = rules.priorities + ["ZZ"]
    products = list(rules.products) + [None, "nope"]
    regions = sorted(rules.regions) + [None, "mars"]
    plans = rules.plans + [None, "gold"]
    codes = list(rules.exclusions) + ["bogus"]
    starts = rules.start_columns
    out = []
    for i in range(n):
        base = rng.choice(edges) + rng.choice((0, 0, -1, 1, -60, 60, 1800, -3600, 86400 * 3))
        if rng.random() < 0.02:
            base = rules.effective_lo - rng.choice((1, 86400))
        opened = base

        def later(p_none: float = 0.3) -> int | None:
            if rng.random() < p_none:
                return None
            if rng.random() < 0.03:
                return opened - rng.choice((1, 600))  # before opened: a row error
            return opened + rng.choice((0, 1, 60, 899, 900, 901, 3600, 7200, 14400, 28800, 86400, 3 * 86400, 9 * 86400))

        pauses = []
        for _ in range(rng.choice((0, 0, 1, 2, 3, 4))):
            a = opened + rng.choice((-3600, 0, 60, 600, 1800, 3600, 7200, 86400)) + rng.choice((0, 0, 1, -1))
            b = a + rng.choice((0, 1, 600, 1800, 3600, 5400, 86400, 2 * 86400))
            if rng.random() < 0.02:
                a, b = b + 1, a  # reversed: a row error
            pauses.append((a, b))
        if pauses and rng.random() < 0.3:  # nested, touching, duplicated
            a, b = pauses[0]
            pauses += rng.choice([[(a, b)], [(b, b + 900)], [(a + 1, max(a + 1, b - 1))], [(a - 60, b + 60)]])
        resp = later()
        res = later(0.4)
        if resp is not None and res is not None and rng.random() < 0.5:
            res = max(res, resp)
        inst = {c: later(0.15) for c in starts} if starts else None
        out.append(
            Ticket(
                id=f"H{i}",
                priority=rng.choice(prios) if rng.random() < 0.97 else "ZZ",
                opened_at=opened,
                first_response_at=resp,
                resolved_at=res,
                product=rng.choice(products) if rng.random() < 0.2 else (list(rules.products) or [None])[0],
                region=rng.choice(regions)
                if rng.random() < 0.1
                else (sorted(rules.regions) or [None])[i % max(1, len(rules.regions))],
                pauses=tuple(pauses),
                exclusion=rng.choice(codes) if rng.random() < 0.06 else None,
                followup_at=later(0.7),
                plan=rng.choice(plans) if rng.random() < 0.1 else (rules.plans or [None])[i % max(1, len(rules.plans))],
                flags=frozenset(f for f in rules.flags if rng.random() < 0.5),
                instants=inst,
            )
        )
    return out


@pytest.mark.slow
@pytest.mark.parametrize("contract", TICKET_CONTRACTS)
def test_hostile_tickets_equal_runtime(contract: str) -> None:
    rf, rules = rules_of(contract)
    tickets = _hostile(rf, rules, 500, seed=len(contract))
    rng = random.Random(contract)
    ats = [None, _at(rf), rng.choice(_edges(rules)), rules.effective_hi + 86400 * 400]
    for at in ats:
        _compare(rf, rules, tickets, Inputs(key="k", at=at))


@pytest.mark.slow
@pytest.mark.parametrize("contract", TICKET_CONTRACTS)
def test_absent_columns_equal_runtime(contract: str) -> None:
    """No first-response column, no flag columns, no clock-start columns."""
    rf, rules = rules_of(contract)
    tickets = _hostile(rf, rules, 200, seed=3)
    present = frozenset({"resolved_at", "followup_at", "product", "region", "plan", "exclusion"})
    kept = []
    for t in tickets:  # what a reader without those columns makes of them
        t2 = Ticket(**{f: getattr(t, f) for f in Ticket.__slots__})
        t2.first_response_at, t2.flags = None, frozenset()
        t2.instants = {} if rules.start_columns else None
        kept.append(t2)
    _compare(rf, rules, kept, Inputs(key="k", present=present, at=_at(rf)))


@pytest.mark.slow
def test_error_rows_are_covered() -> None:
    """The hostile tickets reach every validate() error and the calendar range errors."""
    seen = set()
    for contract in TICKET_CONTRACTS:
        rf, rules = rules_of(contract)
        for t in _hostile(rf, rules, 500, seed=len(contract)):
            want = _expected(rf, rules, t, Inputs(key="k"))
            seen.add(want["error_key"])
    for key in (
        "ticket.unknown_priority",
        "ticket.outside",
        "ticket.before_opened",
        "ticket.pause_reversed",
        "unknown_exclusion",
        "ticket.unknown_region",
        "ticket.no_plan",
        "ticket.unknown_plan",
        "ticket.due_beyond_calendar",
    ):
        assert key in seen, key


def test_hostile_tickets_quick() -> None:
    """A sample of the slow test, on the contract with pauses, a DST zone and calendar days."""
    rf, rules = rules_of("contracts/support/field_service.sla")
    tickets = _hostile(rf, rules, 150, seed=1)
    _compare(rf, rules, tickets, Inputs(key="k", at=_at(rf)))


def test_spark_rendering_parses() -> None:
    rf, _ = rules_of("contracts/itops.sla")
    parsed = sqlglot.parse(outcome_sql(rf, Inputs(key="k", at=_at(rf)), "spark"), read="spark")
    assert len(parsed) == 1 and isinstance(parsed[0], exp.Select)


def test_outcome_query_is_a_tree() -> None:
    rf, _ = rules_of("contracts/itops.sla")
    q = outcome_query(rf, Inputs())
    assert isinstance(q, exp.Select)
    names = [e.alias_or_name for e in q.expressions]
    assert names[0] == "id" and names[-3:] == ["breached", "error_key", "error_column"]
    assert [n for n in names if n.startswith("response_")] == [f"response_{f}" for f in OUTCOME_FIELDS]
    assert "credit_response_delay" in names
