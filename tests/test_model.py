"""The example contracts lower to the model the backends rely on."""

from decimal import Decimal

import pytest
from conftest import CONTRACTS, TESTS

from slalang.compiler import compile_file, compile_text
from slalang.model import Contract


def load(name: str) -> Contract:
    result = compile_file(next(p for p in CONTRACTS if p.stem == name))
    assert result.diagnostics == []
    assert result.contract is not None
    return result.contract


@pytest.mark.parametrize("path", CONTRACTS, ids=[p.stem for p in CONTRACTS])
def test_examples_compile_clean(path):
    result = compile_file(path)
    assert [f"{d.code} {d.message}" for d in result.diagnostics] == []
    c = result.contract
    assert c.languages == ("zh", "en")
    # the model is valid pydantic data: a JSON round trip gives the same
    # meaning (positions are not dumped, so the copy has none)
    copy = Contract.model_validate_json(c.model_dump_json())
    assert copy.model_dump() == c.model_dump() and copy.response is not None and copy.response.span is None


def test_three_industries():
    assert {p.stem for p in CONTRACTS} >= {"itops", "logistics", "medical"}


def test_itops_header_and_parties():
    c = load("itops")
    assert (c.id, c.version) == ("example-itops", "2.1.0")
    assert c.title["zh"] == "服务响应时间承诺书"
    assert c.title["en"] == "Service Response Time Commitment"
    assert c.prevailing == "zh" and c.timezone == "Asia/Shanghai" and c.currency == "CNY"
    assert str(c.effective_start) == "2026-01-01" and str(c.effective_end) == "2026-12-31"
    assert [cr["en"] for cr in c.provider.credentials] == ["ISO/IEC 20000-1:2018", "ISO/IEC 27001:2022"]
    assert c.provider.credentials[0]["zh"] == "ISO/IEC 20000-1:2018"  # one string: the same in both
    assert c.customer.name["en"] == "Example Bank Co., Ltd."


def test_itops_scope_and_calendars():
    c = load("itops")
    assert [p.name for p in c.scope.products] == ["hosting", "storage"]
    assert c.product("hosting").fee.amount == Decimal("120000.00")
    assert c.product("hosting").fee.currency == "CNY"
    business = c.calendar("business")
    assert [(w.weekday, w.start_minute, w.end_minute) for w in business.hours][:2] == [(0, 540, 720), (0, 780, 1080)]
    assert len(business.hours) == 10
    assert business.holiday_sets == ("cn",)
    assert [str(h.date) for h in business.extra_holidays] == ["2026-12-31"]
    always = c.calendar("always")
    assert [(w.weekday, w.start_minute, w.end_minute) for w in always.hours] == [(d, 0, 1440) for d in range(7)]


def test_itops_matrices():
    c = load("itops")
    r = c.response
    assert r.clock == "business"
    assert [(col.name, col.kind) for col in r.columns] == [("business", "calendar"), ("off_hours", "off_hours")]
    p0 = r.cell("P0", "business")
    assert (p0.clock, p0.seconds, p0.days, p0.spelling) == ("wall", 900, 0, "15m")
    assert r.cell("P0", "off_hours").seconds == 4 * 3600
    p2 = r.cell("P2", "business")
    assert (p2.clock, p2.seconds, p2.days) == ("business", 7200, 0)
    p2_off = r.cell("P2", "off_hours")
    assert (p2_off.clock, p2_off.seconds, p2_off.days) == ("business", 0, 1)
    assert r.cell("P4", "off_hours") is None
    assert [t.priority for t in r.targets] == ["P0", "P0", "P1", "P1", "P2", "P2", "P3", "P3", "P4", "P4"]
    assert all(t.line > 0 for t in r.targets)
    res = c.resolution
    assert [col.kind for col in res.columns] == ["any"]
    assert res.cell("P2", "any").days == 3
    assert [p.rank for p in c.priorities] == [0, 1, 2, 3, 4]


def test_itops_credits_and_rest():
    c = load("itops")
    late, avail, storage = c.credit_ladders
    assert late.metric == "response" and late.step.mode == "started"
    assert late.step.every.seconds == 1800 and late.step.amount.percent == Decimal(5)
    assert late.cap.percent == Decimal(30)
    assert avail.metric == "availability" and avail.products == ("hosting",)
    assert storage.products == ("storage",) and storage.tiers[0].below == Decimal("99.9")
    assert [(t.below, t.amount.percent) for t in avail.tiers] == [
        (Decimal("99.95"), Decimal(10)),
        (Decimal("99.0"), Decimal(25)),
        (Decimal("95.0"), Decimal(100)),
    ]
    assert c.credits.cap.percent == Decimal(100) and c.credits.cap_period == "month"
    claim = c.credits.claim
    assert (claim.within.count, claim.within.unit, claim.after, claim.opens) == (60, "days", "month_end", None)
    assert c.credits.rounding == "half_up" and c.credits.quantum == Decimal("0.01")
    assert c.credits.rounding_scope == "line" and c.credits.partial_periods == "prorated"
    assert [(w.level, w.percent) for w in c.warnings] == [
        ("yellow", Decimal(50)),
        ("orange", Decimal(75)),
        ("red", Decimal(100)),
    ]
    assert [(a.product, a.percent, a.period) for a in c.availability] == [
        ("hosting", Decimal("99.95"), "month"),
        ("storage", Decimal("99.9"), "month"),
    ]
    ex = c.exclusions
    assert ex.codes == ["force_majeure", "maintenance", "customer_caused"]
    assert ex.force_majeure.notify_within.seconds == 24 * 3600
    assert ex.maintenance.max.seconds == 4 * 3600 and ex.maintenance.max_period == "month"
    assert [(w.weekday, w.start_minute, w.end_minute) for w in ex.maintenance.windows] == [(5, 0, 360)]
    assert c.reporting.retention.count == 6 and c.reporting.retention.unit == "month"
    assert c.reporting.audit.by == "third_party" and c.reporting.audit.every.count == 6
    assert c.disputes.forum == "arbitration" and c.disputes.seat["en"] == "Beijing"
    assert c.updates.rules[0].every.seconds == 1800 and c.followup.within.seconds == 3600


def test_clause_references_resolve():
    c = load("itops")
    clause = c.clauses[0]
    assert clause.paragraphs[0].refs == ["response.P0.business", "updates.P0"]
    segs = clause.paragraphs[0].segments["en"]
    assert segs[0].text == "P0 incidents are answered within " and segs[1].ref == "response.P0.business"
    assert c.values["response.P0.business"].duration.seconds == 900
    assert c.values["updates.P0"].kind == "duration"
    assert c.values["availability.hosting"].percent == Decimal("99.95")
    assert c.values["fee.hosting"].money.amount == Decimal("120000.00")


def test_logistics_region_columns():
    c = load("logistics")
    assert [(col.name, col.kind) for col in c.response.columns] == [
        ("tier1", "region"),
        ("tier2", "region"),
        ("tier3", "region"),
    ]
    assert c.response.cell("A1", "tier1").seconds == 900
    assert c.response.cell("A3", "tier3").seconds == 6 * 3600 and c.response.cell("A3", "tier3").clock == "business"
    assert c.calendar("ops").extra_workdays[0].date.isoformat() == "2026-10-10"
    assert c.credit_ladders[0].step.mode == "full"
    assert c.disputes.forum == "court"
    assert [o.name for o in c.exclusions.others] == ["customs"]


def test_medical_channels():
    c = load("medical")
    assert c.response.cell("E", "green_channel").seconds == 15 * 60  # emergency ≤ 15 min
    assert c.response.cell("R", "green_channel").seconds == 2 * 3600  # non-emergency ≤ 2 h
    green = c.calendar("green_channel")
    assert len(green.hours) == 7 and all(w.end_minute - w.start_minute == 1440 for w in green.hours)
    clinic = c.calendar("clinic")
    assert [(w.weekday, w.start_minute, w.end_minute) for w in clinic.hours if w.weekday == 5] == [(5, 480, 720)]


def test_escapes_and_literal_braces():
    src = (
        (TESTS / "good_minimal.sla")
        .read_text(encoding="utf-8")
        .replace(
            '"P0 is answered within {response.P0.business}."',
            '"P0 is answered within {response.P0.business} \\{not a ref\\} \\"quoted\\"."',
        )
    )
    result = compile_text(src)
    assert result.diagnostics == []
    en = result.contract.clauses[0].paragraphs[0]
    assert en["en"] == 'P0 is answered within {response.P0.business} {not a ref} "quoted".'
    assert [s.ref for s in en.segments["en"] if s.ref] == ["response.P0.business"]
    assert en.segments["en"][-1].text == ' {not a ref} "quoted".'


def test_compound_durations():
    src = (TESTS / "good_minimal.sla").read_text(encoding="utf-8").replace("P1      1bd", "P1      1bd4bh")
    src = src.replace("P0      4h", "P0      1h30m")
    c = compile_text(src).contract
    d = c.resolution.cell("P1", "any")
    assert (d.days, d.seconds, d.clock) == (1, 4 * 3600, "business")
    assert c.resolution.cell("P0", "any").seconds == 5400


def test_benchmark_contract_stays_clean():
    """bench/bench_parse.py measures a generated contract; it must compile
    without a single diagnostic, or the benchmark measures error paths."""
    import sys

    sys.path.insert(0, str(TESTS.parent / "bench"))
    try:
        from bench_parse import generate
    finally:
        sys.path.pop(0)
    text = generate(1200)
    result = compile_text(text, "big.sla")
    assert [d.message for d in result.diagnostics] == []
    assert text.count("\n") >= 1000


def test_other_benchmark_contracts_compile():
    """bench_lint and bench_review measure generated contracts too: they must
    compile (a few warnings are fine; errors would time the error path)."""
    import importlib
    import sys

    sys.path.insert(0, str(TESTS.parent / "bench"))
    try:
        gens = [importlib.import_module(m).generate for m in ("bench_lint", "bench_review")]
    finally:
        sys.path.pop(0)
    for gen in gens:
        result = compile_text(gen(1200), "big.sla")
        assert result.contract is not None, [d.message for d in result.diagnostics if d.is_error][:3]
