"""The ticket side of SEMANTICS §4 in the engine (issue 10): pauses are the
union of their intervals (checked against a brute-force minute walk, on the
wall clock and on a business calendar), resolving fulfils the response
target, metrics the input has no column for are `not_measured`, and ticket
credit ladders bound to products, with a minimum. Rule files are compiled in
memory from small inline contracts."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from slalang.ruleschema import checksum_of
from slalang.runtime import Rules, Ticket, TicketError, loads_rules

SH = ZoneInfo("Asia/Shanghai")
MIN = 60


def at(*args) -> int:
    return int(dt.datetime(*args, tzinfo=SH).timestamp())


CONTRACT = """\
contract "tickets" version "1.0.0" {
  title      "服务承诺" | "Service commitment"
  languages  zh, en
  prevailing zh
  effective  2026-01-01 to 2026-12-31
  timezone   "Asia/Shanghai"
  currency   CNY

  provider "示例公司" | "Example Co."
  customer "客户公司" | "Customer Co."

  scope {
    product hosting "云主机"   | "Cloud hosting"  fee 10000.00 per month
    product storage "对象存储" | "Object storage" fee 2000.00 per month
  }

  calendar business "工作时间" | "Business hours" {
    hours    mon..fri 09:00-12:00, 13:00-18:00
    holidays cn
  }

  priority P1 "高" | "High" { "部分受损" | "Degraded" }
  priority P2 "中" | "Medium" { "一般问题" | "Minor" }
  priority P3 "低" | "Low" { "咨询" | "Enquiry" }

  response "首次响应" | "First response" {
    clock   business
    columns any
    P1      30m
    P2      2bh
    P3      -
  }

  resolution "故障恢复" | "Restoration" {
    clock   business
    columns any
    P1      4h
    P2      1bd
    P3      -
  }

  pauses "等待客户的期间" | "periods of waiting on the customer"
  warnings {
    yellow at 50%
    orange at 75%
    red    at 100%
  }
LADDERS
  credits {
    rounding half_up to 0.01 per line
  }

  exclusions {
    customer_caused "客户原因导致的故障" | "faults caused by the customer"
  }
}
"""

PLAIN_LADDER = """
  credit late "响应超时补偿" | "Late response credit" on response {
    per started 30m late: 5% of monthly_fee
    cap 30%
  }
"""


def compile_rules(ladders: str = PLAIN_LADDER) -> Rules:
    """The rules of CONTRACT with `ladders` for its credit ladders, compiled
    and loaded the way `slalang build` and `eval` do."""
    from slalang.compiler import canonical_source, compile_text
    from slalang.rules import rules_json

    result = compile_text(CONTRACT.replace("LADDERS", ladders), "tickets.sla")
    assert result.contract is not None, [d.message for d in result.diagnostics]
    return Rules(loads_rules(rules_json(result.contract, canonical_source(result.source))))


def edited(rules: Rules, edit) -> Rules:
    """`rules` with its rule document changed by `edit(doc)` (for the few
    shapes the language cannot say, e.g. a minimum as a percentage)."""
    doc = json.loads(rules.file.model_dump_json(by_alias=True))
    edit(doc)
    doc["checksum"] = checksum_of(doc)
    return Rules(loads_rules(json.dumps(doc).encode()))


@pytest.fixture(scope="module")
def rules() -> Rules:
    return compile_rules()


# ------------------------------------------------------------------ pauses
def test_pauses_before_the_opening_and_empty_pauses(rules):
    opened = at(2026, 3, 2, 10, 0)

    def due(*pauses):
        return rules.evaluate(Ticket("T", "P1", opened, product="hosting", pauses=pauses)).deadlines["response"].due

    assert due((opened - 3600, opened - 60), (opened + 600, opened + 600)) == opened + 30 * MIN
    assert due((opened - 600, opened + 600)) == opened + 40 * MIN  # only its part after the opening
    assert due((opened - 600, opened + 600), (opened - 300, opened + 300)) == opened + 40 * MIN


@pytest.mark.parametrize(
    "pauses",
    [
        [(10, 40)],  # one pause of 30 min: the reference
        [(10, 30), (20, 40)],  # overlapping
        [(10, 40), (15, 25)],  # nested
        [(10, 20), (20, 40)],  # touching
        [(20, 40), (10, 20), (10, 40), (25, 26)],  # all of it, unsorted
    ],
)
def test_overlapping_nested_and_touching_pauses_count_once_on_the_wall_clock(rules, pauses):
    opened = at(2026, 3, 2, 10, 0)
    ps = tuple((opened + a * MIN, opened + b * MIN) for a, b in pauses)
    o = rules.evaluate(Ticket("T", "P1", opened, product="hosting", pauses=ps), at=at(2026, 3, 2, 10, 50))
    d = o.deadlines["response"]
    assert d.due == at(2026, 3, 2, 11, 0)  # 30m + one 30-min pause
    assert (d.done, d.total) == (20 * MIN, 30 * MIN)  # 10:00–10:10 and 10:40–10:50 ran


def test_overlapping_pauses_count_once_on_the_business_clock(rules):
    # P2 2bh opened Mon 11:00; pauses 11:30–13:30 and 11:45–14:00 are one
    # pause 11:30–14:00 = 1.5 business hours (lunch does not run anyway).
    opened = at(2026, 3, 2, 11, 0)
    ps = ((at(2026, 3, 2, 11, 30), at(2026, 3, 2, 13, 30)), (at(2026, 3, 2, 11, 45), at(2026, 3, 2, 14, 0)))
    d = rules.evaluate(Ticket("T", "P2", opened, product="hosting", pauses=ps)).deadlines["response"]
    assert d.due == at(2026, 3, 2, 15, 30)
    # 1bd resolution: the union's 1.5 business hours push it from Tue 11:00 to Tue 13:30.
    r = rules.evaluate(Ticket("T", "P2", opened, product="hosting", pauses=ps)).deadlines["resolution"]
    assert r.due == at(2026, 3, 3, 13, 30)


def _working(t: int) -> bool:
    """The `business` calendar, written out independently for March 2026
    (no Chinese holiday or make-up day falls in it): mon..fri 09–12, 13–18."""
    d = dt.datetime.fromtimestamp(t, SH)
    hm = d.hour * 60 + d.minute
    return d.weekday() < 5 and (9 * 60 <= hm < 12 * 60 or 13 * 60 <= hm < 18 * 60)


def _walk(opened: int, seconds: int, pauses, business: bool) -> int:
    """Brute force: walk minute by minute from `opened`, counting each minute
    that is not paused (and, on the business clock, is working time), until
    `seconds` have run; the due time is the end of the last minute counted."""
    t, left = opened, seconds
    while left > 0:
        if (not business or _working(t)) and not any(a <= t < b for a, b in pauses):
            left -= MIN
        t += MIN
    return t


def _ran(opened: int, when: int, pauses, business: bool) -> int:
    """Brute force: seconds of the clock run in [opened, when), pauses left out."""
    return sum(
        MIN
        for t in range(opened, when, MIN)
        if (not business or _working(t)) and not any(a <= t < b for a, b in pauses)
    )


_pause = st.tuples(st.integers(-120, 3 * 24 * 60), st.integers(0, 8 * 60))


@settings(max_examples=150, deadline=None)
@given(
    day=st.integers(2, 20),
    minute=st.integers(0, 24 * 60 - 1),
    priority=st.sampled_from(["P1", "P2"]),
    raw=st.lists(_pause, min_size=1, max_size=6),
    judge=st.integers(0, 3 * 24 * 60),
)
def test_due_time_and_progress_match_a_minute_walk(rules, day, minute, priority, raw, judge):
    """Random pause sets (overlapping, nested, touching, before the opening)
    on the wall clock (P1 response 30m, resolution 4h) and on the business
    calendar (P2 response 2bh)."""
    opened = at(2026, 3, day) + minute * MIN
    pauses = tuple((opened + s * MIN, opened + (s + n) * MIN) for s, n in raw)
    when = opened + judge * MIN
    o = rules.evaluate(Ticket("T", priority, opened, product="hosting", pauses=pauses), at=when)
    checks = [("response", 30 * MIN, False), ("resolution", 4 * 3600, False)]
    if priority == "P2":
        checks = [("response", 2 * 3600, True)]
    for metric, seconds, business in checks:
        d = o.deadlines[metric]
        due = _walk(opened, seconds, pauses, business)
        assert d.due == due, (metric, pauses)
        if when <= due:
            assert (d.done, d.total) == (_ran(opened, when, pauses, business), seconds), (metric, pauses)


# ------------------------------------------------- response fulfilled by resolution
def test_resolution_answers_a_ticket_never_responded_to(rules):
    opened = at(2026, 3, 2, 10, 0)
    met = rules.evaluate(Ticket("T", "P1", opened, resolved_at=at(2026, 3, 2, 10, 20), product="hosting"))
    d = met.deadlines["response"]
    assert (d.status, d.event, d.late) == ("met", at(2026, 3, 2, 10, 20), 0)
    assert met.credits == {} and not met.breached
    # Judged long afterwards, the resolved ticket stays answered.
    later = rules.evaluate(
        Ticket("T", "P1", opened, resolved_at=at(2026, 3, 2, 10, 20), product="hosting"), at=at(2026, 3, 9)
    )
    assert later.deadlines["response"].status == "met"


def test_resolution_after_the_response_target_breaches_it(rules):
    opened = at(2026, 3, 2, 10, 0)
    o = rules.evaluate(Ticket("T", "P1", opened, resolved_at=at(2026, 3, 2, 10, 45), product="hosting"))
    d = o.deadlines["response"]
    assert (d.status, d.event, d.late) == ("breached", at(2026, 3, 2, 10, 45), 15 * MIN)
    assert o.deadlines["resolution"].status == "met"
    assert o.credits == {"late": Decimal("500")}  # one started 30m: 5 % of 10000.00
    assert o.breached


@pytest.mark.parametrize(
    "response,resolved,event,status",
    [
        ((10, 50), (10, 25), (10, 25), "met"),  # resolved first: the resolution answers
        ((10, 10), (10, 40), (10, 10), "met"),  # answered first: the answer counts
        ((10, 35), (10, 35), (10, 35), "breached"),  # both at once
        ((10, 40), (11, 0), (10, 40), "breached"),
    ],
)
def test_response_event_is_the_earlier_of_answer_and_resolution(rules, response, resolved, event, status):
    opened = at(2026, 3, 2, 10, 0)
    t = Ticket(
        "T",
        "P1",
        opened,
        first_response_at=at(2026, 3, 2, *response),
        resolved_at=at(2026, 3, 2, *resolved),
        product="hosting",
    )
    d = rules.evaluate(t).deadlines["response"]
    assert (d.event, d.status) == (at(2026, 3, 2, *event), status)


def test_response_warning_is_judged_at_the_resolution(rules):
    opened = at(2026, 3, 2, 10, 0)
    d = rules.evaluate(Ticket("T", "P1", opened, resolved_at=at(2026, 3, 2, 10, 24), product="hosting")).deadlines[
        "response"
    ]
    assert d.warning == "orange" and (d.done, d.total) == (24 * MIN, 30 * MIN)


# ------------------------------------------------------------------ not measured
def test_an_absent_response_column_is_not_measured(rules):
    opened = at(2026, 3, 2, 10, 0)
    t = Ticket("T", "P1", opened, resolved_at=at(2026, 3, 2, 13, 0), product="hosting")
    o = rules.evaluate(t, at=at(2026, 3, 9), unmeasured=frozenset({"response"}))
    d = o.deadlines["response"]
    # Not inferred from the resolution: the input has no answers at all.
    assert (d.status, d.due, d.event, d.late, d.warning) == ("not_measured", at(2026, 3, 2, 10, 30), None, 0, None)
    assert d.elapsed is None
    assert o.deadlines["resolution"].status == "met"  # still measured
    assert o.credits == {} and not o.breached


def test_not_measured_is_never_breached_nor_credited(rules):
    opened = at(2026, 3, 2, 10, 0)
    t = Ticket("T", "P1", opened, product="hosting")
    o = rules.evaluate(t, at=at(2026, 3, 9), unmeasured=frozenset({"response", "resolution"}))
    assert {m: d.status for m, d in o.deadlines.items()} == {"response": "not_measured", "resolution": "not_measured"}
    assert o.deadlines["resolution"].due == at(2026, 3, 2, 14, 0)
    assert o.credits == {} and not o.breached
    # The same ticket, measured, is breached twice over and owes the capped credit.
    measured = rules.evaluate(t, at=at(2026, 3, 9))
    assert measured.breached and measured.credits == {"late": Decimal("3000.00")}


def test_an_absent_resolution_column(rules):
    opened = at(2026, 3, 2, 10, 0)
    o = rules.evaluate(
        Ticket("T", "P1", opened, first_response_at=at(2026, 3, 2, 10, 5), product="hosting"),
        at=at(2026, 3, 9),
        unmeasured=frozenset({"resolution"}),
    )
    assert o.deadlines["resolution"].status == "not_measured"
    assert o.deadlines["response"].status == "met"
    assert not o.breached


def test_not_measured_beside_exclusions_and_no_commitment(rules):
    opened = at(2026, 3, 2, 10, 0)
    excl = rules.evaluate(
        Ticket("T", "P1", opened, product="hosting", exclusion="customer_caused"),
        unmeasured=frozenset({"response"}),
    )
    assert excl.deadlines["response"].status == "not_measured"  # for every ticket, as the report counts it
    assert excl.deadlines["resolution"].status == "excluded"
    none = rules.evaluate(Ticket("T", "P3", opened, product="hosting"), unmeasured=frozenset({"response"}))
    assert none.deadlines["response"].status == "no_commitment"  # nothing promised, nothing to measure


def test_unmeasured_costs_nothing_when_empty(rules):
    opened = at(2026, 3, 2, 10, 0)
    t = Ticket("T", "P1", opened, first_response_at=at(2026, 3, 2, 11, 0), product="hosting")
    assert rules.evaluate(t) == rules.evaluate(t, unmeasured=frozenset())


# ------------------------------------------------------------------ product-bound ladders
BOUND = """
  credit hosting_late "云主机响应超时补偿" | "Hosting late response credit" on response of hosting {
    per started 30m late: 5% of monthly_fee
    cap 30%
  }
  credit storage_late "存储恢复超时补偿" | "Storage late restoration credit" on resolution of storage {
    per started 1h late: 100 CNY
  }
  credit any_late "恢复超时补偿" | "Late restoration credit" on resolution {
    per full 1h late: 1% of monthly_fee
  }
"""


@pytest.fixture(scope="module")
def bound() -> Rules:
    return compile_rules(BOUND)


def _late_by(rules: Rules, product: str | None, response_late: int = 0, resolution_late: int | None = None):
    """Credits of a P1 ticket answered `response_late` after its 30m target
    and (if given) resolved `resolution_late` after its 4h target."""
    opened = at(2026, 3, 2, 10, 0)
    resolved = None if resolution_late is None else opened + 4 * 3600 + resolution_late
    t = Ticket("T", "P1", opened, opened + 30 * MIN + response_late, resolved, product=product)
    return rules.evaluate(t).credits


def test_the_rule_file_names_the_ladders_products(bound):
    assert {ld.name: ld.products for ld in bound.file.credit_ladders} == {
        "hosting_late": ["hosting"],
        "storage_late": ["storage"],
        "any_late": [],
    }


def test_a_bound_ladder_pays_only_for_its_products(bound):
    # 40 min late to respond, 2.5 h late to restore.
    late = dict(response_late=40 * MIN, resolution_late=150 * MIN)
    assert _late_by(bound, "hosting", **late) == {
        "hosting_late": Decimal("1000"),  # 2 started 30m × 5 % of 10000.00
        "any_late": Decimal("200"),  # 2 full hours × 1 % of 10000.00
    }
    assert _late_by(bound, "storage", **late) == {
        "storage_late": Decimal("300"),  # 3 started hours × 100 CNY
        "any_late": Decimal("40"),  # 2 full hours × 1 % of 2000.00
    }


def test_a_bound_ladder_needs_a_known_product(bound):
    for product in (None, "printing"):
        with pytest.raises(TicketError) as e:
            _late_by(bound, product, response_late=60)
        assert e.value.column == "product" and "hosting, storage" in str(e.value)


def test_a_money_ladder_bound_to_products_needs_the_product_too():
    rules = compile_rules(
        """
  credit storage_late "存储超时补偿" | "Storage late credit" on response of storage {
    per started 30m late: 100 CNY
  }
"""
    )
    assert _late_by(rules, "storage", response_late=60) == {"storage_late": Decimal("100")}
    assert _late_by(rules, "hosting", response_late=60) == {}
    with pytest.raises(TicketError) as e:
        _late_by(rules, None, response_late=60)
    assert e.value.column == "product" and e.value.key == "ticket.no_product_bound"


# ------------------------------------------------------------------ minimum
MINIMUM = """
  credit late "响应超时补偿" | "Late response credit" on response {
    per started 30m late: 1% of monthly_fee
    minimum 500 CNY
    cap 30%
  }
"""


@pytest.mark.parametrize(
    "late,hosting,storage",
    [
        (1, "500", "500"),  # 1 step: 100.00 (20.00) raised to the minimum
        (4 * 30 * MIN, "500", "500"),  # 4 steps: 400.00 (80.00)
        (5 * 30 * MIN, "500", "500"),  # exactly 500.00 for hosting
        (6 * 30 * MIN, "600", "500"),  # above it for hosting
        (30 * 30 * MIN, "3000", "600"),  # 3000.00 (600.00): exactly the caps
        (40 * 30 * MIN, "3000", "600"),  # 4000.00 (800.00) limited to the caps, 30 %: 3000.00 (600.00)
    ],
)
def test_minimum_then_cap(late, hosting, storage):
    rules = compile_rules(MINIMUM)
    assert _late_by(rules, "hosting", response_late=late) == {"late": Decimal(hosting)}
    assert _late_by(rules, "storage", response_late=late) == {"late": Decimal(storage)}


def test_the_cap_limits_a_minimum_above_it():
    rules = compile_rules(MINIMUM.replace("minimum 500 CNY", "minimum 800 CNY"))
    # storage's cap is 30 % of 2000.00 = 600.00: the minimum of 800 is limited to it.
    assert _late_by(rules, "storage", response_late=60) == {"late": Decimal("600")}
    assert _late_by(rules, "hosting", response_late=60) == {"late": Decimal("800")}


def test_no_step_owed_pays_no_minimum():
    rules = compile_rules(MINIMUM.replace("per started 30m", "per full 30m"))
    assert _late_by(rules, "hosting", response_late=29 * MIN) == {}  # late, but not one full step
    assert _late_by(rules, "hosting", response_late=30 * MIN) == {"late": Decimal("500")}
    assert _late_by(rules, "hosting", response_late=0) == {}  # met


def test_a_minimum_as_a_share_of_the_fee_and_exact_decimals():
    def edit(doc):
        ld = doc["credit_ladders"][0]
        ld["step"]["amount"] = {"percent": "0.12345", "base": "monthly_fee", "money": None, "currency": None}
        ld["minimum"] = {"percent": "1", "base": "monthly_fee", "money": None, "currency": None}

    rules = edited(compile_rules(MINIMUM), edit)
    # hosting: 1 step = 12.345, raised to 1 % of 10000.00 = 100.
    assert _late_by(rules, "hosting", response_late=60) == {"late": Decimal("100")}
    # 9 steps = 111.105: exact, never rounded here (the report rounds).
    assert _late_by(rules, "hosting", response_late=8 * 30 * MIN + 1) == {"late": Decimal("111.105")}
    # storage: 1 % of 2000.00 = 20 is the minimum; 9 steps = 22.221.
    assert _late_by(rules, "storage", response_late=60) == {"late": Decimal("20")}
    assert _late_by(rules, "storage", response_late=8 * 30 * MIN + 1) == {"late": Decimal("22.221")}


def test_the_rule_file_carries_the_minimum():
    rules = compile_rules(MINIMUM)
    ld = rules.file.credit_ladders[0]
    assert ld.minimum is not None and Decimal(ld.minimum.money) == 500 and ld.minimum.currency == "CNY"


def test_an_instant_past_the_covered_days_gives_no_made_up_share():
    # itops's business calendar covers 2026 only (no 2027 China data): judged
    # in March 2027, a P2 ticket of 21 Dec 2026 is breached, every warning
    # level is reached, and its elapsed share is unknown (it was "200 %").
    from pathlib import Path

    from slalang.compiler import compile_file
    from slalang.rules import rules_json

    result = compile_file(Path(__file__).resolve().parent.parent / "contracts" / "itops.sla")
    assert result.contract is not None
    itops = Rules(loads_rules(rules_json(result.contract, result.canonical_text)))
    out = itops.evaluate(Ticket("T", "P2", at(2026, 12, 21, 10, 0), product="hosting"), at(2027, 3, 1, 10, 0))
    d = out.deadlines["response"]
    assert d.status == "breached" and d.warning == "red" and d.elapsed is None


def test_a_due_time_past_the_calendar_names_the_missing_year_and_the_fix():
    from pathlib import Path

    from slalang.compiler import compile_file
    from slalang.rules import rules_json

    result = compile_file(Path(__file__).resolve().parent.parent / "contracts" / "itops.sla")
    assert result.contract is not None
    itops = Rules(loads_rules(rules_json(result.contract, result.canonical_text)))
    # P3 resolution 5bd from Mon 28 Dec 2026 needs January 2027, which China's
    # schedule (and so the rule file) does not have yet.
    with pytest.raises(TicketError) as err:
        itops.evaluate(Ticket("T", "P3", at(2026, 12, 28, 10, 0), product="hosting"))
    e = err.value
    assert e.key == "ticket.due_beyond_calendar" and e.fields["year"] == "2027"
    assert "year 2027" in str(e) and "2026-12-31" in str(e)
