"""Ticket evaluation, credit ladders, availability and period reports on the
example contracts' compiled rules (built in memory from contracts/)."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from slalang.ruleschema import checksum_of
from slalang.runtime import Rules, Ticket, TicketError, loads_rules
from slalang.runtime.availability import AvailabilityLedger
from slalang.runtime.report import PeriodReport

ROOT = Path(__file__).resolve().parent.parent
SH = ZoneInfo("Asia/Shanghai")


def at(*args) -> int:
    return int(dt.datetime(*args, tzinfo=SH).timestamp())


def _doc(stem: str) -> dict:
    from slalang.build import build_one

    files = build_one(str(ROOT / "contracts" / f"{stem}.sla"), frozenset({"rules"})).files
    return json.loads(next(v for k, v in files.items() if k.endswith(".rules.json")))


def _rules(doc: dict) -> Rules:
    doc = dict(doc)
    doc["checksum"] = checksum_of(doc)
    return Rules(loads_rules(json.dumps(doc).encode()))


@pytest.fixture(scope="module")
def itops_doc():
    return _doc("itops")


@pytest.fixture(scope="module")
def itops(itops_doc):
    return _rules(itops_doc)


def ticket(**kw) -> Ticket:
    kw.setdefault("id", "T")
    kw.setdefault("product", "hosting")
    return Ticket(**kw)


# ------------------------------------------------------------------ deadlines
def test_columns_are_chosen_by_the_opening_instant(itops):
    mon = itops.evaluate(ticket(priority="P1", opened_at=at(2026, 1, 5, 10, 0)))
    assert mon.deadlines["response"].column == "business"
    assert mon.deadlines["response"].due == at(2026, 1, 5, 10, 30)
    sat = itops.evaluate(ticket(priority="P1", opened_at=at(2026, 1, 10, 10, 0)))
    assert sat.deadlines["response"].column == "off_hours"
    assert sat.deadlines["response"].due == at(2026, 1, 10, 18, 0)  # 8h wall clock
    makeup = itops.evaluate(ticket(priority="P1", opened_at=at(2026, 1, 4, 10, 0)))
    assert makeup.deadlines["response"].column == "business"  # the make-up Sunday works
    assert mon.deadlines["resolution"].column == "any"


def test_business_targets_and_no_commitment(itops):
    o = itops.evaluate(ticket(priority="P2", opened_at=at(2026, 1, 5, 11, 0)))
    assert o.deadlines["response"].due == at(2026, 1, 5, 14, 0)  # 2bh across lunch
    assert o.deadlines["resolution"].due == at(2026, 1, 8, 11, 0)  # 3bd
    p4 = itops.evaluate(ticket(priority="P4", opened_at=at(2026, 1, 10, 10, 0)))
    assert p4.deadlines["response"].status == "no_commitment" and p4.deadlines["response"].due is None
    assert p4.deadlines["resolution"].status == "no_commitment"


def test_met_breached_pending_and_lateness(itops):
    opened = at(2026, 1, 5, 10, 0)
    met = itops.evaluate(ticket(priority="P1", opened_at=opened, first_response_at=at(2026, 1, 5, 10, 30)))
    assert met.deadlines["response"].status == "met" and met.deadlines["response"].late == 0
    late = itops.evaluate(ticket(priority="P1", opened_at=opened, first_response_at=at(2026, 1, 5, 10, 30, 1)))
    assert late.deadlines["response"].status == "breached" and late.deadlines["response"].late == 1
    pending = itops.evaluate(ticket(priority="P1", opened_at=opened), at=at(2026, 1, 5, 10, 20))
    assert pending.deadlines["response"].status == "pending"
    open_late = itops.evaluate(ticket(priority="P1", opened_at=opened), at=at(2026, 1, 5, 10, 31))
    assert open_late.deadlines["response"].status == "breached" and open_late.deadlines["response"].late == 60
    assert itops.evaluate(ticket(priority="P1", opened_at=opened)).deadlines["response"].status == "pending"


def test_warning_levels(itops):
    opened = at(2026, 1, 5, 10, 0)
    level = lambda resp: (
        itops.evaluate(
            ticket(
                priority="P1",
                opened_at=opened,  # noqa: E731
                first_response_at=resp,
            )
        )
        .deadlines["response"]
        .warning
    )
    assert level(at(2026, 1, 5, 10, 14)) is None  # 46.7 %
    assert level(at(2026, 1, 5, 10, 15)) == "yellow"  # 50 %
    assert level(at(2026, 1, 5, 10, 23)) == "orange"  # 76.7 %
    assert level(at(2026, 1, 5, 10, 30)) == "red"  # 100 %: met, but at the limit
    open_ = itops.evaluate(ticket(priority="P1", opened_at=opened), at=at(2026, 1, 5, 10, 25))
    assert open_.deadlines["response"].warning == "orange"
    # On a business clock, lunch does not count: 2bh from 11:00, at 13:30 is 1.5 h = 75 %.
    p2 = itops.evaluate(ticket(priority="P2", opened_at=at(2026, 1, 5, 11, 0)), at=at(2026, 1, 5, 13, 30))
    assert p2.deadlines["response"].warning == "orange" and p2.deadlines["response"].elapsed == Fraction(3, 4)


def test_pauses_stop_the_clock(itops):
    opened = at(2026, 1, 5, 10, 0)
    wall = itops.evaluate(
        ticket(priority="P1", opened_at=opened, pauses=((at(2026, 1, 5, 10, 10), at(2026, 1, 5, 10, 40)),))
    )
    assert wall.deadlines["response"].due == at(2026, 1, 5, 11, 0)
    # On the business clock only the paused business time counts (11:30–13:30 is 1 h of it).
    biz = itops.evaluate(
        ticket(
            priority="P2", opened_at=at(2026, 1, 5, 11, 0), pauses=((at(2026, 1, 5, 11, 30), at(2026, 1, 5, 13, 30)),)
        )
    )
    assert biz.deadlines["response"].due == at(2026, 1, 5, 15, 0)
    # A pause that starts after the due time changes nothing.
    after = itops.evaluate(
        ticket(priority="P1", opened_at=opened, pauses=((at(2026, 1, 5, 10, 45), at(2026, 1, 5, 12, 0)),))
    )
    assert after.deadlines["response"].due == at(2026, 1, 5, 10, 30)
    # Warnings leave the paused time out: 20 min elapsed of 30 at 10:50 with a 30-min pause.
    warn = itops.evaluate(
        ticket(priority="P1", opened_at=opened, pauses=((at(2026, 1, 5, 10, 10), at(2026, 1, 5, 10, 40)),)),
        at=at(2026, 1, 5, 10, 50),
    )
    assert warn.deadlines["response"].elapsed == Fraction(2, 3)


def test_exclusions(itops):
    opened = at(2026, 1, 5, 10, 0)
    o = itops.evaluate(
        ticket(priority="P1", opened_at=opened, first_response_at=at(2026, 1, 5, 15, 0), exclusion="force_majeure")
    )
    assert o.exclusion == "force_majeure"
    assert {d.status for d in o.deadlines.values()} == {"excluded"}
    assert o.credits == {} and not o.breached
    late_updates = itops.evaluate(
        ticket(
            priority="P0",
            opened_at=opened,
            first_response_at=opened + 60,
            resolved_at=opened + 7200,
            exclusion="customer_caused",
        )
    )
    assert late_updates.updates.status == "excluded" and late_updates.followup.status == "excluded"
    assert o.deadlines["response"].due == at(2026, 1, 5, 10, 30)  # still reported
    with pytest.raises(TicketError) as e:
        itops.evaluate(ticket(priority="P1", opened_at=opened, exclusion="act_of_god"))
    assert e.value.column == "exclusion" and "force_majeure" in str(e.value)


@pytest.mark.parametrize(
    "field,value,column",
    [
        ("priority", "P9", "priority"),
        ("opened_at", at(2025, 6, 1, 10, 0), "opened_at"),
        ("product", "printing", "product"),
        ("first_response_at", at(2026, 1, 5, 9, 0), "first_response_at"),
    ],
)
def test_bad_tickets_name_their_column(itops, field, value, column):
    kw = dict(priority="P1", opened_at=at(2026, 1, 5, 10, 0))
    kw[field] = value
    with pytest.raises(TicketError) as e:
        itops.evaluate(ticket(**kw))
    assert e.value.column == column


def test_due_time_beyond_the_covered_year_is_a_ticket_error(itops):
    with pytest.raises(TicketError, match="outside|after the last day|the last day calendar"):
        itops.evaluate(ticket(priority="P3", opened_at=at(2026, 12, 28, 10, 0)))


def test_updates_and_followup(itops):
    o = itops.evaluate(
        ticket(
            priority="P0",
            opened_at=at(2026, 1, 5, 10, 0),
            first_response_at=at(2026, 1, 5, 10, 5),
            updates=(at(2026, 1, 5, 10, 30), at(2026, 1, 5, 11, 10)),
            resolved_at=at(2026, 1, 5, 11, 30),
            followup_at=at(2026, 1, 5, 12, 45),
        )
    )
    assert (o.updates.status, o.updates.missed) == ("breached", 1)  # 10:30 → 11:10 is 40 min
    assert o.followup.status == "breached"  # 1h15 after resolution; the contract says 1h
    ok = itops.evaluate(
        ticket(
            priority="P0",
            opened_at=at(2026, 1, 5, 10, 0),
            first_response_at=at(2026, 1, 5, 10, 5),
            updates=(at(2026, 1, 5, 10, 30),),
            resolved_at=at(2026, 1, 5, 10, 55),
            followup_at=at(2026, 1, 5, 11, 30),
        )
    )
    assert ok.updates.status == "met" and ok.followup.status == "met"
    assert itops.evaluate(ticket(priority="P3", opened_at=at(2026, 1, 5, 10, 0))).updates is None


# ------------------------------------------------------------------ ladders
def _late(rules, seconds, priority="P1"):
    opened = at(2026, 1, 5, 10, 0)
    due = opened + 1800
    return rules.evaluate(ticket(priority=priority, opened_at=opened, first_response_at=due + seconds)).credits


@pytest.mark.parametrize(
    "late,started,full",
    [
        (1, 1, 0),
        (1799, 1, 0),
        (1800, 1, 1),
        (1801, 2, 1),
        (3600, 2, 2),
        (5399, 3, 2),
    ],
)
def test_per_started_versus_per_full(itops_doc, itops, late, started, full):
    step = Decimal("6000")  # 5 % of 120000.00
    assert _late(itops, late).get("response_delay", Decimal(0)) == started * step
    doc = json.loads(json.dumps(itops_doc))
    doc["credit_ladders"][0]["step"]["mode"] = "full"
    assert _late(_rules(doc), late).get("response_delay", Decimal(0)) == full * step


def test_ladder_cap(itops_doc, itops):
    # 10 h late: 20 started steps of 5 % = 100 %, capped at 30 % = 36000.00.
    assert _late(itops, 36000) == {"response_delay": Decimal("36000.00")}
    doc = json.loads(json.dumps(itops_doc))
    doc["credit_ladders"][0]["cap"] = {"percent": None, "base": None, "money": "1000.00", "currency": "CNY"}
    assert _late(_rules(doc), 36000) == {"response_delay": Decimal("1000.00")}
    doc["credit_ladders"][0]["cap"] = None
    assert _late(_rules(doc), 36000) == {"response_delay": Decimal("120000.00")}


def test_logistics_full_hours_and_region_columns():
    rules = _rules(_doc("logistics"))
    base = dict(id="L", priority="A1", product="delivery", opened_at=at(2026, 3, 2, 10, 0))
    for region, due in (
        ("tier1", at(2026, 3, 2, 10, 15)),
        ("tier2", at(2026, 3, 2, 10, 30)),
        ("tier3", at(2026, 3, 2, 11, 0)),
    ):
        o = rules.evaluate(Ticket(region=region, **base))
        assert o.deadlines["response"].column == region and o.deadlines["response"].due == due
    with pytest.raises(TicketError) as e:
        rules.evaluate(Ticket(**base))
    assert e.value.column == "region"
    # per full 1h: 2 % of 80000 per whole hour late; 1h59m late is one step.
    o = rules.evaluate(Ticket(region="tier1", first_response_at=at(2026, 3, 2, 10, 15) + 7140, **base))
    assert o.credits == {"late_response": Decimal("1600.00")}


# ------------------------------------------------------------------ availability
def test_availability_tiers_maintenance_and_exclusions(itops):
    ledger = AvailabilityLedger(itops)
    # Plain downtime, 1 h in January: 99.8656 % < 99.95 → 10 % of 120000.
    ledger.add_downtime("hosting", at(2026, 1, 12, 1, 0), at(2026, 1, 12, 2, 0))
    # Announced maintenance inside the Saturday window: not downtime.
    ledger.add_downtime("hosting", at(2026, 1, 10, 1, 0), at(2026, 1, 10, 3, 0), "maintenance", at(2026, 1, 5, 0, 0))
    # Force majeure overlapping plain downtime: the exclusion wins.
    ledger.add_downtime("hosting", at(2026, 1, 20, 8, 0), at(2026, 1, 20, 9, 0), "force_majeure")
    ledger.add_downtime("hosting", at(2026, 1, 20, 8, 30), at(2026, 1, 20, 9, 30))
    # February: maintenance announced only 24 h ahead (the contract asks 72 h) counts.
    ledger.add_downtime("storage", at(2026, 2, 7, 1, 0), at(2026, 2, 7, 2, 0), "maintenance", at(2026, 2, 6, 1, 0))
    # March: 5 h of announced maintenance; the contract allows 4 h a month.
    for day in (7, 14):
        ledger.add_downtime(
            "storage", at(2026, 3, day, 0, 0), at(2026, 3, day, 2, 30), "maintenance", at(2026, 3, 1, 0, 0)
        )
    # A month given directly.
    ledger.set_percent("hosting", "2026-04", Decimal("98.7"))
    out = {(o.product, o.period): o for o in ledger.results()}
    jan = out[("hosting", "2026-01")]
    assert (jan.downtime_seconds, jan.maintenance_seconds, jan.excluded_seconds) == (3600 + 1800, 7200, 3600)
    assert jan.percent == Decimal("99.7983") and not jan.met
    assert jan.tier == Decimal("99.95") and jan.credits == {"hosting_availability": Decimal("12000.00")}
    feb = out[("storage", "2026-02")]
    assert feb.downtime_seconds == 3600 and feb.maintenance_seconds == 0
    mar = out[("storage", "2026-03")]
    assert (mar.maintenance_seconds, mar.downtime_seconds) == (4 * 3600, 3600)
    apr = out[("hosting", "2026-04")]
    assert apr.given and apr.tier == Decimal("99.0") and apr.credits == {"hosting_availability": Decimal("30000.00")}
    with pytest.raises(TicketError):
        ledger.add_downtime("nothing", 0, 1)
    with pytest.raises(TicketError) as e:
        ledger.add_downtime("hosting", at(2025, 12, 1), at(2025, 12, 2))
    assert e.value.column == "start" and "effective period" in str(e.value)
    with pytest.raises(TicketError):
        ledger.add_downtime("hosting", at(2026, 1, 1), at(2026, 1, 2), "flood")


def test_tiers_take_the_lowest_threshold_crossed(itops):
    ledger = AvailabilityLedger(itops)
    for pct, tier, credit in (
        ("99.95", None, None),
        ("99.94", "99.95", "12000.00"),
        ("98.99", "99.0", "30000.00"),
        ("94.0", "95.0", "120000.00"),
    ):
        ledger.set_percent("hosting", "2026-05", Decimal(pct))
        o = ledger.judge("hosting", "month", "2026-05")
        assert (o.tier, o.credits.get("hosting_availability")) == (tier and Decimal(tier), credit and Decimal(credit))


# ------------------------------------------------------------------ reports
@pytest.mark.parametrize(("scope", "owed"), [("line", "150.03"), ("total", "150.02")])
def test_report_applies_the_monthly_cap_and_rounds_per_line_or_per_total(itops_doc, scope, owed):
    doc = json.loads(json.dumps(itops_doc))
    doc["products"][0]["monthly_fee"] = "1000.10"  # 5 % = 50.005: rounding matters
    doc["credit_policy"]["rounding_scope"] = scope
    rules = _rules(doc)
    rep = PeriodReport(rules, "month")
    opened = at(2026, 1, 5, 10, 0)
    # 3 tickets, each 1 step late, 50.005 each: per line 3 × 50.01 = 150.03; per total 150.015 → 150.02 (half_up)
    for i in range(3):
        rep.add(rules.evaluate(Ticket(f"T{i}", "P1", opened, first_response_at=opened + 1801, product="hosting")))
    r = rep.result()
    assert r["credits"] == [
        {
            "period": "2026-01",
            "product": "hosting",
            "tickets": owed,
            "availability": "0.00",
            "total": owed,
            "cap": "1000.10",
            "owed": owed,
            "currency": "CNY",
        }
    ]
    for i in range(40):  # far past the cap: 100 % of the monthly fee
        rep.add(rules.evaluate(Ticket(f"U{i}", "P1", opened, first_response_at=opened + 36000, product="hosting")))
    assert rep.result()["credits"][0]["owed"] == "1000.10"
    sla = {(x["metric"], x["priority"]): x for x in rep.result()["sla"]}
    assert sla[("response", "P1")]["breached"] == 43 and sla[("response", "P1")]["attainment_percent"] == "0.00"


def test_report_periods(itops):
    for period, keys in (
        ("day", ["2026-01-05", "2026-01-12"]),
        ("week", ["2026-W02", "2026-W03"]),
        ("month", ["2026-01"]),
    ):
        rep = PeriodReport(itops, period)
        for d in (5, 12):
            o = at(2026, 1, d, 10, 0)
            rep.add(
                itops.evaluate(Ticket("T", "P1", o, first_response_at=o + 60, resolved_at=o + 3600, product="hosting"))
            )
        r = rep.result()
        assert sorted({x["period"] for x in r["sla"]}) == keys
        assert all(x["mttr_seconds"] == 3600 for x in r["mttr"])


# ------------------------------------------------------------------ independence
def test_runtime_imports_only_the_rule_schema():
    code = (
        "import sys; from slalang import runtime; "
        "from slalang.runtime import availability, report, tickets; "
        "bad = [m for m in ('slalang.model', 'slalang.lower', 'slalang.syntax', 'slalang.compiler', 'lark') "
        "if m in sys.modules]; print(bad)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_end_to_end_in_a_dst_zone_with_us_holidays():
    """A contract in America/New_York: compile, write the rule file, load it,
    and evaluate across the March 2026 clock change and a US holiday."""
    from slalang.compiler import canonical_source, compile_text
    from slalang.rules import rules_json

    text = (ROOT / "tests" / "good_minimal.sla").read_text(encoding="utf-8")
    text = text.replace('"Asia/Shanghai"', '"America/New_York"').replace("holidays cn", "holidays us")
    result = compile_text(text, "ny.sla")
    assert result.contract is not None, [str(d) for d in result.diagnostics]
    rules = Rules(loads_rules(rules_json(result.contract, canonical_source(result.source))))
    ny = ZoneInfo("America/New_York")
    t = lambda *a: int(dt.datetime(*a, tzinfo=ny).timestamp())  # noqa: E731
    # Fri 17:30 EST + 1bd (offset 8.5 h into the day) → Mon 17:30 EDT: 71 real hours later, not 72.
    o = rules.evaluate(Ticket("N", "P1", t(2026, 3, 6, 17, 30), product="hosting"))
    assert o.deadlines["resolution"].due == t(2026, 3, 9, 17, 30)
    assert o.deadlines["resolution"].due - t(2026, 3, 6, 17, 30) == 71 * 3600
    # Off-hours P0 (1h wall) on Memorial Day, a US holiday: the business column does not take it.
    o = rules.evaluate(Ticket("M", "P0", t(2026, 5, 25, 10, 0), product="hosting"))
    assert o.deadlines["response"].column == "off_hours"
    assert o.deadlines["response"].due == t(2026, 5, 25, 11, 0)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    late=st.integers(1, 20 * 3600),
    every=st.sampled_from([60, 900, 1800, 3600]),
    mode=st.sampled_from(["started", "full"]),
    percent=st.sampled_from(["1", "2.5", "5", "10"]),
    cap=st.sampled_from([None, "7.5", "30"]),
)
def test_step_ladder_property(itops_doc, late, every, mode, percent, cap):
    """Any lateness: steps = ⌈late/S⌉ or ⌊late/S⌋, amount = steps × share of
    the fee, limited by the cap — exactly, in Decimal."""
    doc = json.loads(json.dumps(itops_doc))
    ladder = doc["credit_ladders"][0]
    ladder["step"].update(mode=mode, every_seconds=every)
    ladder["step"]["amount"]["percent"] = percent
    ladder["cap"] = None if cap is None else {"percent": cap, "base": "monthly_fee", "money": None, "currency": None}
    rules = _rules(doc)
    steps = -(-late // every) if mode == "started" else late // every
    fee = Decimal("120000.00")
    expected = fee * Decimal(percent) / 100 * steps
    if cap is not None:
        expected = min(expected, fee * Decimal(cap) / 100)
    got = _late(rules, late).get("response_delay", Decimal(0))
    assert got == expected


_CELLS = st.one_of(
    st.sampled_from(
        [
            "",
            "P1",
            "P9",
            "hosting",
            "storage",
            "force_majeure",
            "x",
            "2026-01-05T10:00:00+08:00",
            "2026-01-05 10:00",
            "2026-13-45T99:00",
            "1767578400",
            "-5",
            "2026-01-05T10:00Z/2026-01-05T09:00Z",
            "a;b",
            "2026-01-05T10:30:00+08:00;2026-01-05T11:00:00+08:00",
            "2027-02-01T00:00:00+08:00",
            "2026-12-31T17:00:00+08:00",
            "\u4e2d\u6587",
            "0",
            "99999999999999999999",
            "1767578400000",
            "9999-12-31T23:59:59-12:00",
            "0001-01-01T00:00:00+14:00",
        ]
    ),
    st.text(max_size=12),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.lists(
        st.fixed_dictionaries(
            {
                k: _CELLS
                for k in (
                    "id",
                    "priority",
                    "product",
                    "opened_at",
                    "first_response_at",
                    "resolved_at",
                    "updates",
                    "pauses",
                    "exclusion",
                )
            }
        ),
        min_size=1,
        max_size=5,
    )
)
def test_any_row_gives_an_outcome_or_a_row_error(itops, rows):
    """Junk in the ticket file never escapes as anything but a RowError."""
    import csv as _csv
    import io as _io

    from slalang.runtime.tickets import RowError, read_tickets

    buf = _io.StringIO()
    w = _csv.DictWriter(buf, list(rows[0]))
    w.writeheader()
    w.writerows(rows)
    buf.seek(0)
    for item in read_tickets(buf, itops.tz, jsonl=False):
        if isinstance(item, RowError):
            assert item.line >= 2 and str(item)
            continue
        try:
            itops.evaluate(item[1], at=at(2026, 6, 1))
        except TicketError as exc:
            assert exc.column and str(exc)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.lists(
        st.fixed_dictionaries(
            {
                "product": st.sampled_from(["hosting", "storage", "nope", ""]),
                "start": _CELLS,
                "end": _CELLS,
                "exclusion": _CELLS,
                "notified_at": _CELLS,
                "period": st.sampled_from(["", "2026-03", "2026-13", "2026-3", "x", "2025-12", "2026-Q1"]),
                "availability": st.sampled_from(["", "99.9", "101", "-1", "abc", "99.9%"]),
            }
        ),
        min_size=1,
        max_size=5,
    )
)
def test_any_downtime_row_gives_a_result_or_a_row_error(itops, rows):
    import csv as _csv
    import io as _io

    from slalang.runtime.tickets import RowError, read_downtime

    buf = _io.StringIO()
    w = _csv.DictWriter(buf, list(rows[0]))
    w.writeheader()
    w.writerows(rows)
    buf.seek(0)
    ledger = AvailabilityLedger(itops)
    for item in read_downtime(buf, itops.tz, jsonl=False):
        if isinstance(item, RowError):
            continue
        d = item[1]
        try:
            if d.availability is not None:
                ledger.set_percent(d.product, d.period, d.availability)
            else:
                ledger.add_downtime(d.product, d.start, d.end, d.exclusion, d.notified_at)
        except TicketError as exc:
            assert exc.column
    for o in ledger.results():
        assert 0 <= o.availability <= 100


_JSON_VALUES = st.one_of(
    st.none(),
    st.integers(-10, 2 * 10**9),
    st.floats(allow_nan=False),
    st.booleans(),
    _CELLS,
    st.lists(_CELLS, max_size=3),
    st.lists(st.lists(_CELLS, max_size=3), max_size=2),
    st.dictionaries(st.sampled_from(["start", "end", "x"]), _CELLS, max_size=2),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    objs=st.lists(
        st.dictionaries(
            st.sampled_from(
                [
                    "id",
                    "priority",
                    "product",
                    "opened_at",
                    "first_response_at",
                    "resolved_at",
                    "updates",
                    "pauses",
                    "exclusion",
                    "followup_at",
                    "region",
                ]
            ),
            _JSON_VALUES,
            max_size=11,
        ),
        min_size=1,
        max_size=4,
    )
)
def test_any_json_line_gives_an_outcome_or_a_row_error(itops, objs):
    import io as _io

    from slalang.runtime.tickets import RowError, read_tickets

    buf = _io.StringIO("".join(json.dumps(o) + "\n" for o in objs))
    for item in read_tickets(buf, itops.tz, jsonl=True):
        if isinstance(item, RowError):
            assert str(item)
            continue
        try:
            itops.evaluate(item[1], at=at(2026, 6, 1))
        except TicketError as exc:
            assert exc.column


@pytest.mark.parametrize(
    ("quantum", "rounding", "amount", "rounded", "down"),
    [
        ("10", "half_up", "125", "130", "120"),
        ("10", "half_even", "125", "120", "120"),
        ("100", "up", "1234.56", "1300", "1200"),
        ("1", "half_up", "1234.5", "1235", "1234"),
        ("0.01", "down", "1.239", "1.23", "1.23"),
    ],
)
def test_a_quantum_of_ten_rounds_to_tens(itops_doc, quantum, rounding, amount, rounded, down):
    """`rounding … to 10` rounds to tens, not units (Decimal("10") has
    exponent 0: quantizing to it would round to units); amounts print
    without an exponent."""
    doc = json.loads(json.dumps(itops_doc))
    doc["credit_policy"].update(quantum=quantum, rounding=rounding)
    r = _rules(doc)
    assert str(r.round(Decimal(amount))) == rounded
    assert str(r.round_down(Decimal(amount))) == down
