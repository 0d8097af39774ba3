"""The runtime side of issue 11's support policies (design: the lead's spec,
§1.2–1.8 and §2): plan columns, conditional rows on per-ticket flags, clock
starts, regional calendars and calendars in their own timezone, strict
limits, wall `d` as calendar days across DST, and progress updates per
column on business time with pauses. Rule documents are built by hand here
(validated by `slalang.ruleschema.RuleFile` through the loader), so these
tests do not depend on the front end; every expected instant is computed by
hand in the comment beside it."""

from __future__ import annotations

import datetime as dt
import io
import json
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from slalang.ruleschema import RulesError, checksum_of
from slalang.runtime import Rules, Ticket, TicketError, loads_rules
from slalang.runtime.tickets import RowError, read_tickets

ROOT = Path(__file__).resolve().parent.parent
SH = ZoneInfo("Asia/Shanghai")
BER = ZoneInfo("Europe/Berlin")
UTC = dt.UTC
H = 3600
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")


def at(tz, *args) -> int:
    return int(dt.datetime(*args, tzinfo=tz).timestamp())


# ------------------------------------------------------------------ builders
def calendar(name, start="09:00", end="18:00", tz="Asia/Shanghai", region=None, line=10) -> dict:
    return {
        "name": name,
        "title": {"en": name},
        "hours": [{"day": d, "start": start, "end": end} for d in WEEKDAYS],
        "holiday_sets": [],
        "covers": {"start": "2026-01-01", "end": "2026-12-31"},
        "holidays": [],
        "workdays": [],
        "timezone": tz,
        "region": region,
        "line": line,
    }


def col(name, kind=None, calendar=None, region=None, plan=None) -> dict:
    if kind is None:
        kind = "off_hours" if name.endswith("off_hours") else "any" if name == "any" else "calendar"
    if kind == "calendar" and calendar is None:
        calendar = name.rpartition(".")[2]
    return {"name": name, "kind": kind, "calendar": calendar, "region": region, "plan": plan}


def metric(name, columns, calendar=None, start="opened_at") -> dict:
    return {
        "name": name,
        "title": {"en": name},
        "calendar": calendar,
        "columns": columns,
        "start": start,
        "start_title": None if start == "opened_at" else {"en": "when triaged"},
        "line": 20,
    }


def target(metric, priority, column, spelling, calendar=None, strict=False, when=None, line=21) -> dict:
    """A cell from its spelling: `Nd`, `Nh`, `Nm` on the wall clock (days
    are calendar days), `Nbh`/`Nbd` on `calendar`, `-` no commitment."""
    days = seconds = 0
    clock = "none"
    if spelling != "-":
        import re

        clock = "business" if "b" in spelling else "wall"
        for n, unit in re.findall(r"(\d+)(bd|bh|d|h|m)", spelling):
            n = int(n)
            if unit in ("d", "bd"):
                days += n
            else:
                seconds += n * (H if unit in ("h", "bh") else 60)
    return {
        "metric": metric,
        "priority": priority,
        "column": column,
        "clock": clock,
        "calendar": calendar if clock == "business" else None,
        "days": days,
        "seconds": seconds,
        "strict": strict,
        "when": when,
        "spelling": ("<" if strict else "") + spelling,
        "line": line,
    }


def update_rule(priority, spelling, column=None, calendar=None) -> dict:
    t = target("response", priority, column or "any", spelling, calendar)
    return {
        "priority": priority,
        "column": column,
        "clock": t["clock"],
        "calendar": t["calendar"],
        "days": t["days"],
        "seconds": t["seconds"],
        "spelling": spelling,
        "line": 30,
    }


def doc(**over) -> dict:
    d = {
        "schema": "slalang.rules/v4",
        "checksum": "",
        "contract": {"id": "support", "version": "1.0.0", "title": {"en": "Support"}, "languages": ["en"]},
        "source_sha256": "0" * 64,
        "effective": {"start": "2026-01-01", "end": "2026-12-31"},
        "timezone": "Asia/Shanghai",
        "currency": "CNY",
        "calendars": [calendar("office")],
        "priorities": [
            {"name": "P1", "rank": 0, "title": {"en": "P1"}},
            {"name": "P2", "rank": 1, "title": {"en": "P2"}},
        ],
        "products": [{"name": "hosting", "title": {"en": "Hosting"}, "monthly_fee": "10000.00"}],
        "regions": [],
        "plans": [],
        "flags": [],
        "metrics": [metric("response", [col("any")], "office")],
        "targets": [target("response", "P1", "any", "1h"), target("response", "P2", "any", "4h")],
        "updates": None,
        "followup": None,
        "pauses": {"when": {"en": "waiting on the customer"}, "line": 1},
        "availability": [],
        "warnings": [
            {"level": "yellow", "percent": "50", "line": 40},
            {"level": "red", "percent": "100", "line": 41},
        ],
        "credit_ladders": [],
        "credit_policy": {
            "cap": None,
            "cap_period": None,
            "form": None,
            "combine": None,
            "partial_periods": "prorated",
            "claim": None,
            "rounding": None,
            "quantum": "0.01",
            "rounding_scope": None,
            "line": None,
        },
        "exclusions": [],
        "duties": [],
        "service_targets": [],
        "continuity": None,
        "security": None,
    }
    d.update(over)
    return d


def encode(d: dict) -> bytes:
    d = json.loads(json.dumps(d))
    d["checksum"] = checksum_of(d)
    return json.dumps(d).encode()


def rules_of(d: dict) -> Rules:
    return Rules(loads_rules(encode(d)))


def loader_key(d: dict) -> str | None:
    with pytest.raises(RulesError) as e:
        loads_rules(encode(d))
    return e.value.key


def ladder(metric="response", mode="started", every=1800, percent="5") -> dict:
    return {
        "name": "late",
        "title": {"en": "Late"},
        "metric": metric,
        "products": [],
        "step": {
            "mode": mode,
            "every_seconds": every,
            "spelling": "30m",
            "amount": {"percent": percent, "base": "monthly_fee", "money": None, "currency": None},
            "line": 50,
        },
        "tiers": [],
        "minimum": None,
        "cap": None,
        "form": None,
        "line": 50,
    }


ROUNDING = {
    "cap": None,
    "cap_period": None,
    "form": None,
    "combine": None,
    "partial_periods": "prorated",
    "claim": None,
    "rounding": "half_up",
    "quantum": "0.01",
    "rounding_scope": "line",
    "line": 52,
}


# ------------------------------------------------------------------ loading
@pytest.mark.parametrize("old", ["slalang.rules/v2", "slalang.rules/v3"])
def test_an_old_rule_file_is_refused_with_rebuild(old):
    d = doc(schema=old)
    with pytest.raises(RulesError) as e:
        loads_rules(encode(d))
    assert e.value.kind == "version" and e.value.key == "rules.old_schema" and "rebuild" in str(e.value)


def test_a_hand_built_v4_document_loads():
    r = rules_of(doc())
    assert r.calendars["office"].tz.key == "Asia/Shanghai"
    assert r.calendar_variants[("office", None)] is r.calendars["office"]


@pytest.mark.parametrize(
    "edit,key",
    [
        (
            lambda d: d.update(metrics=[metric("response", [col("gold", "plan", plan="gold")])]),
            "rules.column_plan",
        ),
        (lambda d: d["targets"].append(target("response", "P1", "any", "2h", when="vip")), "rules.target_flag"),
        (lambda d: d["calendars"].append(calendar("office")), "rules.calendar_twice"),
        (
            lambda d: d["calendars"].append(calendar("office", tz="Mars/Olympus")) or d["calendars"].pop(0),
            "rules.calendar_timezone",
        ),
        (
            lambda d: d.update(
                regions=[{"name": "na", "title": {"en": "NA"}}, {"name": "emea", "title": {"en": "EMEA"}}],
                calendars=[calendar("office"), calendar("support", region="na")],
            ),
            "rules.calendar_variant_missing",
        ),
        (
            lambda d: d.update(
                regions=[{"name": "na", "title": {"en": "NA"}}],
                calendars=[calendar("office"), calendar("office", region="na")],
            ),
            "rules.calendar_mixed",
        ),
        (
            lambda d: d.update(calendars=[calendar("office"), calendar("support", region="apac")]),
            "rules.calendar_region",
        ),
        (
            lambda d: d.update(
                updates={
                    "calendar": None,
                    "columns": [col("any")],
                    "rules": [update_rule("P1", "30m", "nope")],
                    "line": 30,
                }
            ),
            "rules.update_column",
        ),
        (
            lambda d: d.update(
                updates={"calendar": "nope", "columns": [], "rules": [update_rule("P1", "30m")], "line": 30}
            ),
            "rules.update_calendar",
        ),
    ],
)
def test_loader_refuses_dangling_v3_references(edit, key):
    d = doc()
    edit(d)
    assert loader_key(d) == key


# ------------------------------------------------------------------ plans (§1.2)
def plan_doc() -> dict:
    plans = [{"name": "standard", "title": {"en": "Standard"}}, {"name": "premium", "title": {"en": "Premium"}}]
    cols = [
        col("standard.office", "calendar", "office", plan="standard"),
        col("standard.off_hours", "off_hours", plan="standard"),
        col("premium", "plan", plan="premium"),
    ]
    cells = [
        target("response", "P1", "standard.office", "4h"),
        target("response", "P1", "standard.off_hours", "8h"),
        target("response", "P1", "premium", "1h"),
        target("response", "P2", "standard.office", "1bd", "office"),
        target("response", "P2", "standard.off_hours", "-"),
        target("response", "P2", "premium", "2h"),
    ]
    return doc(plans=plans, metrics=[metric("response", cols, "office")], targets=cells)


def test_plan_columns_choose_by_plan_then_window():
    r = rules_of(plan_doc())
    mon10, mon20 = at(SH, 2026, 3, 2, 10), at(SH, 2026, 3, 2, 20)
    d = r.evaluate(Ticket("A", "P1", mon10, plan="standard")).deadlines["response"]
    assert (d.column, d.due) == ("standard.office", at(SH, 2026, 3, 2, 14))  # 10:00 + 4h
    d = r.evaluate(Ticket("B", "P1", mon20, plan="standard")).deadlines["response"]
    assert (d.column, d.due) == ("standard.off_hours", at(SH, 2026, 3, 3, 4))  # 20:00 + 8h
    d = r.evaluate(Ticket("C", "P1", mon20, plan="premium")).deadlines["response"]
    assert (d.column, d.due) == ("premium", at(SH, 2026, 3, 2, 21))  # premium takes every ticket of the plan
    d = r.evaluate(Ticket("D", "P2", mon20, plan="standard")).deadlines["response"]
    assert (d.column, d.status) == ("standard.off_hours", "no_commitment")
    assert r.column("response", Ticket("E", "P1", mon10, plan="premium")) == "premium"


@pytest.mark.parametrize("plan,key", [(None, "ticket.no_plan"), ("gold", "ticket.unknown_plan")])
def test_a_ticket_without_a_known_plan_is_a_row_error(plan, key):
    r = rules_of(plan_doc())
    with pytest.raises(TicketError) as e:
        r.evaluate(Ticket("A", "P1", at(SH, 2026, 3, 2, 10), plan=plan))
    assert (e.value.column, e.value.key) == ("plan", key)
    assert e.value.fields["known"] == ["standard", "premium"]
    # The hot path gives the same row error (it said "no column takes a ticket of region `None`").
    with pytest.raises(TicketError) as e:
        r.due_times("P1", at(SH, 2026, 3, 2, 10), plan=plan)
    assert (e.value.column, e.value.key) == ("plan", key)


# ------------------------------------------------------------------ conditional rows (§1.4)
def flag_doc() -> dict:
    flags = [{"name": "around_the_clock", "title": {"en": "24x7"}}, {"name": "vip", "title": {"en": "VIP"}}]
    cells = [
        target("response", "P1", "any", "4bh", "office"),
        target("response", "P1", "any", "4h", when="around_the_clock"),
        target("response", "P1", "any", "2h", when="vip"),
        target("response", "P2", "any", "8h"),
    ]
    return doc(flags=flags, targets=cells)


def test_the_first_conditional_row_whose_flag_the_ticket_has_applies():
    r = rules_of(flag_doc())
    fri16 = at(SH, 2026, 3, 6, 16)
    plain = r.evaluate(Ticket("A", "P1", fri16)).deadlines["response"]
    assert plain.due == at(SH, 2026, 3, 9, 11)  # 4bh: 16:00–18:00 Friday, then 09:00–11:00 Monday
    d = r.evaluate(Ticket("B", "P1", fri16, flags=frozenset({"around_the_clock"}))).deadlines["response"]
    assert (d.due, d.target) == (at(SH, 2026, 3, 6, 20), "4h")
    both = r.evaluate(Ticket("C", "P1", fri16, flags=frozenset({"vip", "around_the_clock"}))).deadlines["response"]
    assert both.due == at(SH, 2026, 3, 6, 20)  # around_the_clock's row comes first in the source
    vip = r.evaluate(Ticket("D", "P1", fri16, flags=frozenset({"vip"}))).deadlines["response"]
    assert vip.due == at(SH, 2026, 3, 6, 18)


def test_an_unknown_flag_leaves_the_metric_not_measured_never_false():
    r = rules_of(flag_doc())
    fri16 = at(SH, 2026, 3, 6, 16)
    o = r.evaluate(Ticket("A", "P1", fri16, first_response_at=fri16 + 20 * H), unknown_flags=frozenset({"vip"}))
    d = o.deadlines["response"]
    assert (d.status, d.due, d.late) == ("not_measured", None, 0) and not o.breached
    # P2 has no conditional row: the missing column does not matter to it.
    d2 = r.evaluate(Ticket("B", "P2", fri16), unknown_flags=frozenset({"vip"})).deadlines["response"]
    assert (d2.status, d2.due) == ("pending", fri16 + 8 * H)


# ------------------------------------------------------------------ clock start (§1.5)
def start_doc() -> dict:
    cols = [col("office"), col("off_hours")]
    return doc(
        metrics=[metric("response", cols, "office", start="triaged_at"), metric("resolution", [col("any")])],
        targets=[
            target("response", "P1", "office", "1h"),
            target("response", "P1", "off_hours", "3h"),
            target("response", "P2", "office", "2h"),
            target("response", "P2", "off_hours", "-"),
            target("resolution", "P1", "any", "8h"),
            target("resolution", "P2", "any", "1d"),
        ],
    )


def test_the_clock_starts_at_the_named_instant_and_the_column_is_chosen_there():
    r = rules_of(start_doc())
    opened, triaged = at(SH, 2026, 3, 2, 17, 30), at(SH, 2026, 3, 2, 18, 30)
    o = r.evaluate(Ticket("A", "P1", opened, instants={"triaged_at": triaged}))
    d = o.deadlines["response"]
    assert (d.column, d.due) == ("off_hours", triaged + 3 * H)  # 18:30 is outside office hours
    assert o.deadlines["resolution"].due == opened + 8 * H  # resolution still runs from opened_at
    assert r.clock_start("response", o.ticket) == triaged


def test_clock_start_missing_empty_early_event_and_before_opening():
    r = rules_of(start_doc())
    opened = at(SH, 2026, 3, 2, 10)
    absent = r.evaluate(Ticket("A", "P1", opened)).deadlines["response"]
    assert (absent.status, absent.due) == ("not_measured", None)
    waiting = r.evaluate(Ticket("B", "P1", opened, instants={"triaged_at": None}), at=opened + 30 * H)
    assert (waiting.deadlines["response"].status, waiting.deadlines["response"].due) == ("pending", None)
    answered = r.evaluate(
        Ticket("C", "P1", opened, first_response_at=opened + 600, instants={"triaged_at": None})
    ).deadlines["response"]
    assert (answered.status, answered.due, answered.late) == ("met", None, 0)
    early = r.evaluate(
        Ticket("D", "P1", opened, first_response_at=opened + 300, instants={"triaged_at": opened + 600})
    ).deadlines["response"]
    assert (early.status, early.late, early.due) == ("met", 0, opened + 600 + H)
    with pytest.raises(TicketError) as e:
        r.evaluate(Ticket("E", "P1", opened, instants={"triaged_at": opened - 60}))
    assert (e.value.column, e.value.key) == ("triaged_at", "ticket.before_opened")
    assert r.due_times("P1", opened) == {"response": None, "resolution": opened + 8 * H}


# ------------------------------------------------------------------ regional calendars (§1.6)
def regional_doc() -> dict:
    return doc(
        regions=[{"name": "na", "title": {"en": "NA"}}, {"name": "emea", "title": {"en": "EMEA"}}],
        calendars=[
            calendar("support", "08:00", "18:00", "America/New_York", "na"),
            calendar("support", "09:00", "17:30", "Europe/London", "emea"),
        ],
        metrics=[metric("response", [col("support"), col("off_hours")], "support")],
        targets=[
            target("response", "P1", "support", "2bh", "support"),
            target("response", "P1", "off_hours", "4h"),
            target("response", "P2", "support", "1bd", "support"),
            target("response", "P2", "off_hours", "-"),
        ],
    )


def test_a_regional_calendar_takes_the_ticket_regions_variant_in_its_own_timezone():
    r = rules_of(regional_doc())
    t0 = at(UTC, 2026, 3, 2, 16, 30)  # Monday: 11:30 in New York (EST), 16:30 in London (GMT)
    na = r.evaluate(Ticket("A", "P1", t0, region="na")).deadlines["response"]
    assert (na.column, na.due) == ("support", at(UTC, 2026, 3, 2, 18, 30))  # 13:30 EST
    emea = r.evaluate(Ticket("B", "P1", t0, region="emea")).deadlines["response"]
    # 16:30–17:30 in London, then Tuesday 09:00–10:00
    assert (emea.column, emea.due) == ("support", at(UTC, 2026, 3, 3, 10))
    late = at(UTC, 2026, 3, 2, 23, 30)  # 18:30 in New York: off hours there
    assert r.evaluate(Ticket("C", "P1", late, region="na")).deadlines["response"].column == "off_hours"


@pytest.mark.parametrize("region,key", [(None, "ticket.no_region"), ("apac", "ticket.unknown_region")])
def test_a_regional_calendar_needs_a_known_region(region, key):
    r = rules_of(regional_doc())
    with pytest.raises(TicketError) as e:
        r.evaluate(Ticket("A", "P1", at(UTC, 2026, 3, 2, 16), region=region))
    assert (e.value.column, e.value.key) == ("region", key)
    assert "calendar `support` has one variant per region" in str(e.value)


def test_a_calendar_in_its_own_timezone():
    r = rules_of(
        doc(
            calendars=[calendar("office", "09:00", "17:00", "Europe/Berlin")],
            targets=[target("response", "P1", "any", "2bh", "office"), target("response", "P2", "any", "-")],
        )
    )
    t0 = at(UTC, 2026, 3, 2, 8, 30)  # 09:30 in Berlin (CET); 16:30 in Shanghai
    assert r.evaluate(Ticket("A", "P1", t0)).deadlines["response"].due == at(UTC, 2026, 3, 2, 10, 30)
    # Local midnights (the effective period) stay the contract's: 2026-01-01 00:00 in Shanghai.
    assert r.effective_lo == at(SH, 2026, 1, 1)


# ------------------------------------------------------------------ strict limits (§1.3)
def strict_doc(mode="started") -> dict:
    return doc(
        targets=[target("response", "P1", "any", "1h", strict=True), target("response", "P2", "any", "1h")],
        credit_ladders=[ladder(mode=mode)],
        credit_policy=ROUNDING,
    )


def test_a_strict_limit_is_met_only_strictly_before_the_due_instant():
    r = rules_of(strict_doc())
    t0 = at(SH, 2026, 3, 2, 10)
    d = r.evaluate(Ticket("A", "P1", t0, first_response_at=t0 + 3599, product="hosting")).deadlines["response"]
    assert (d.status, d.target) == ("met", "<1h")
    o = r.evaluate(Ticket("B", "P1", t0, first_response_at=t0 + 3600, product="hosting"))
    d = o.deadlines["response"]
    assert (d.status, d.late, o.breached) == ("breached", 0, True)
    assert o.credits == {"late": Decimal("500")}  # one started step of 5 % of 10000.00
    plain = r.evaluate(Ticket("C", "P2", t0, first_response_at=t0 + 3600, product="hosting"))
    assert plain.deadlines["response"].status == "met" and not plain.credits
    # Open at exactly the due instant: a strict limit can no longer be met.
    assert r.evaluate(Ticket("D", "P1", t0, product="hosting"), at=t0 + 3600).deadlines["response"].status == "breached"
    assert r.evaluate(Ticket("E", "P2", t0, product="hosting"), at=t0 + 3600).deadlines["response"].status == "pending"


def test_per_full_owes_nothing_for_a_strict_breach_at_the_due_instant():
    r = rules_of(strict_doc("full"))
    t0 = at(SH, 2026, 3, 2, 10)
    o = r.evaluate(Ticket("B", "P1", t0, first_response_at=t0 + 3600, product="hosting"))
    assert o.breached and o.credits == {}
    o = r.evaluate(Ticket("C", "P1", t0, first_response_at=t0 + 3600 + 1800, product="hosting"))
    assert o.credits == {"late": Decimal("500")}


# ------------------------------------------------------------------ calendar days (§1.8)
def berlin_doc(spelling="2d", followup=None, updates=None) -> dict:
    return doc(
        timezone="Europe/Berlin",
        calendars=[calendar("office", tz="Europe/Berlin")],
        targets=[target("response", "P1", "any", spelling), target("response", "P2", "any", "1h")],
        followup=followup,
        updates=updates,
    )


def test_days_are_calendar_days_across_the_spring_change():
    r = rules_of(berlin_doc())
    t0 = at(BER, 2026, 3, 28, 10)  # Saturday 10:00 CET (09:00 UTC)
    d = r.evaluate(Ticket("A", "P1", t0)).deadlines["response"]
    assert d.due == at(BER, 2026, 3, 30, 10) == at(UTC, 2026, 3, 30, 8)  # the same local time: 47 h later
    assert d.due - t0 == 47 * H
    # Half of the 47 h elapsed: the warning share is of the real length.
    half = r.evaluate(Ticket("B", "P1", t0), at=t0 + 47 * H // 2).deadlines["response"]
    assert (half.done, half.total, half.warning) == (47 * H // 2, 47 * H, "yellow")


def test_calendar_days_in_a_gap_move_forward_and_in_a_fold_take_the_first():
    r = rules_of(berlin_doc("1d"))
    t0 = at(BER, 2026, 3, 28, 2, 30)  # 02:30 does not exist on the 29th: 03:30 CEST
    assert r.evaluate(Ticket("A", "P1", t0)).deadlines["response"].due == at(UTC, 2026, 3, 29, 1, 30)
    t1 = at(BER, 2026, 10, 24, 2, 30)  # 02:30 occurs twice on the 25th: the first, CEST
    assert r.evaluate(Ticket("B", "P1", t1)).deadlines["response"].due == at(UTC, 2026, 10, 25, 0, 30)
    assert r.wall_due(t1, 1, 0) - t1 == 24 * H


def test_days_then_hours_and_pauses_push_by_their_elapsed_length():
    r = rules_of(berlin_doc("1d12h"))
    t0 = at(BER, 2026, 3, 28, 10)
    due = at(BER, 2026, 3, 29, 10) + 12 * H  # Sunday 10:00 CEST, then 12 h: 20:00 UTC
    assert due == at(UTC, 2026, 3, 29, 20)
    o = r.evaluate(Ticket("A", "P1", t0, pauses=((t0 + H, t0 + 3 * H),)), at=t0 + 2 * H)
    d = o.deadlines["response"]
    assert d.due == due + 2 * H
    assert (d.done, d.total) == (H, due - t0)  # 2 h elapsed, 1 h of it paused; total less the pause


def test_followup_within_a_day_is_the_same_local_time_next_day():
    fu = {"days": 1, "seconds": 0, "spelling": "1d", "line": 35}
    r = rules_of(berlin_doc(followup=fu))
    t0 = at(BER, 2026, 3, 28, 9)
    resolved = at(BER, 2026, 3, 28, 10)
    o = r.evaluate(Ticket("A", "P2", t0, resolved_at=resolved, followup_at=at(BER, 2026, 3, 29, 10)))
    assert o.followup.due == at(UTC, 2026, 3, 29, 8) and o.followup.status == "met"  # 23 h later
    o = r.evaluate(Ticket("B", "P2", t0, resolved_at=resolved, followup_at=at(BER, 2026, 3, 29, 10) + 1))
    assert o.followup.status == "breached"


# ------------------------------------------------------------------ updates (§1.7)
def updates_doc(rules, columns=(), calendar_name=None, **over) -> dict:
    return doc(updates={"calendar": calendar_name, "columns": list(columns), "rules": rules, "line": 30}, **over)


def test_updates_on_business_time():
    r = rules_of(updates_doc([update_rule("P1", "2bh", calendar="office")], calendar_name="office"))
    opened = at(SH, 2026, 3, 6, 16)
    t = Ticket("A", "P1", opened, first_response_at=at(SH, 2026, 3, 6, 17), resolved_at=at(SH, 2026, 3, 9, 12))
    # 17:00 Friday + 2bh = Monday 10:00 (missed); the next, Monday 12:00, is the resolution itself.
    assert r.evaluate(t).updates == ("breached", 1, at(SH, 2026, 3, 9, 10))
    t.updates = (at(SH, 2026, 3, 9, 9, 30),)
    # 09:30 Monday restarts it: next due 11:30, missed; then 13:30 after the resolution.
    assert r.evaluate(t).updates == ("breached", 1, at(SH, 2026, 3, 9, 11, 30))
    t.updates = (at(SH, 2026, 3, 9, 9, 30), at(SH, 2026, 3, 9, 11, 30))
    assert r.evaluate(t).updates.status == "met"
    pending = Ticket("B", "P1", opened, first_response_at=at(SH, 2026, 3, 6, 17))
    assert r.evaluate(pending, at=at(SH, 2026, 3, 9, 9)).updates == ("pending", 0, at(SH, 2026, 3, 9, 10))


def test_updates_per_column_chosen_at_opening():
    r = rules_of(
        updates_doc(
            [
                update_rule("P1", "1h", "office"),
                update_rule("P1", "4h", "off_hours"),
                update_rule("P2", "2h", "office"),
            ],
            columns=[col("office"), col("off_hours")],
        )
    )
    day, night = at(SH, 2026, 3, 2, 10), at(SH, 2026, 3, 2, 20)
    assert r.evaluate(Ticket("A", "P1", day, first_response_at=day), at=day + 90 * 60).updates == (
        "breached",
        1,
        day + H,
    )
    assert r.evaluate(Ticket("B", "P1", night, first_response_at=night), at=night + 90 * 60).updates.status == "pending"
    # P2 has no cadence outside office hours: no check at all.
    assert r.evaluate(Ticket("C", "P2", night, first_response_at=night), at=night + 9 * H).updates is None


def test_pauses_stop_the_update_clock():
    r = rules_of(updates_doc([update_rule("P1", "1h")]))
    t0 = at(SH, 2026, 3, 2, 10)
    t = Ticket("A", "P1", t0, first_response_at=t0, updates=(t0 + 105 * 60,), resolved_at=t0 + 2 * H)
    assert r.evaluate(t).updates.status == "breached"  # 11:00 passed before the 11:45 update
    t.pauses = ((t0 + 30 * 60, t0 + 90 * 60),)
    # One hour paused: due 12:00; the 11:45 update restarts it (12:45), after the 12:00 resolution.
    assert r.evaluate(t).updates.status == "met"


def test_a_long_gap_is_counted_not_walked():
    r = rules_of(
        updates_doc([update_rule("P1", "1m"), update_rule("P2", "1bh", calendar="office")], calendar_name="office")
    )
    t0 = at(SH, 2026, 1, 5, 10)
    end = at(SH, 2026, 12, 21, 10, 30)  # a Monday, inside working hours
    start = time.perf_counter()
    o = r.evaluate(Ticket("A", "P1", t0, first_response_at=t0), at=end)
    assert o.updates == ("breached", (end - t0 - 1) // 60, t0 + 60)
    b = r.evaluate(Ticket("B", "P2", t0, first_response_at=t0), at=end)
    cal = r.calendars["office"]
    assert b.updates.missed == (cal.between(t0, end) - 1) // H
    assert time.perf_counter() - start < 0.5


def test_calendar_day_cadences_across_dst():
    r = rules_of(berlin_doc(updates={"calendar": None, "columns": [], "rules": [update_rule("P1", "1d")], "line": 30}))
    t0 = at(BER, 2026, 3, 27, 10)
    t = Ticket("A", "P1", t0, first_response_at=t0, updates=(at(BER, 2026, 3, 28, 10), at(BER, 2026, 3, 29, 10)))
    # Daily at 10:00 local, the 23-hour day included: every update on time.
    assert r.evaluate(t, at=at(BER, 2026, 3, 29, 12)).updates == ("pending", 0, at(BER, 2026, 3, 30, 10))
    t.updates = (at(BER, 2026, 3, 28, 10),)
    # Missed: the 29th, 30th and 31st at 10:00.
    assert r.evaluate(t, at=at(BER, 2026, 3, 31, 12)).updates == ("breached", 3, at(BER, 2026, 3, 29, 10))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    business=st.booleans(),
    every=st.sampled_from([600, 1800, 3600, 7200]),
    first=st.integers(0, 20 * H),
    ups=st.lists(st.integers(0, 200 * H), max_size=6),
    pauses=st.lists(st.tuples(st.integers(0, 200 * H), st.integers(0, 30 * H)), max_size=4),
    span=st.integers(1, 220 * H),
)
def test_closed_form_cadence_matches_walking_each_deadline(business, every, first, ups, pauses, span):
    r = rules_of(doc())
    base = at(SH, 2026, 3, 2, 8) + first
    from slalang.runtime.engine import _Target

    rule = _Target(
        "business" if business else "wall", r.calendars["office"] if business else None, 0, every, "", 1, not business
    )
    ps = sorted((base + a, base + a + n) for a, n in pauses)
    updates = sorted(base + u for u in ups if 0 < u <= span)
    end = base + span
    got = r._cadence_closed(rule, base, updates, end, ps)
    walked = r._cadence_steps(rule, base, updates, end, ps)
    assert got[:2] == walked[:2]
    if not got[0]:
        assert got[2] == walked[2]


# ------------------------------------------------------------------ readers (§2)
def support_rules() -> Rules:
    d = flag_doc()
    d["plans"] = [{"name": "standard", "title": {"en": "Standard"}}]
    d["metrics"] = [metric("response", [col("any")], "office", start="triaged_at")]
    return rules_of(d)


def _read(r: Rules, text: str, jsonl=False):
    header: set[str] = set()
    out = list(read_tickets(io.StringIO(text), r.tz, jsonl, header, r.flags, r.start_columns))
    return out, header


def test_the_csv_reader_takes_plan_flags_and_clock_starts():
    r = support_rules()
    text = (
        "id,priority,opened_at,plan,around_the_clock,vip,triaged_at\n"
        "A,P1,2026-03-02T10:00,standard,YES,否,2026-03-02T10:10\n"
        "B,P1,2026-03-02T10:00,,,,\n"
        "C,P1,2026-03-02T10:00,,maybe,,\n"
    )
    (_, a), (_, b), err = _read(r, text)[0]
    assert (a.plan, a.flags, a.instants) == (
        "standard",
        frozenset({"around_the_clock"}),
        {"triaged_at": at(SH, 2026, 3, 2, 10, 10)},
    )
    assert (b.plan, b.flags, b.instants) == (None, frozenset(), {"triaged_at": None})
    assert isinstance(err, RowError) and (err.column, err.key) == ("around_the_clock", "ticket.bad_flag")


def test_the_json_lines_reader_takes_booleans_and_absent_keys():
    r = support_rules()
    text = (
        '{"id": "A", "priority": "P1", "opened_at": "2026-03-02T10:00", "vip": true, "around_the_clock": 0,'
        ' "triaged_at": "2026-03-02T10:05"}\n'
        '{"id": "B", "priority": "P1", "opened_at": "2026-03-02T10:00", "vip": "true"}\n'
    )
    (_, a), (_, b) = _read(r, text, jsonl=True)[0]
    assert a.flags == frozenset({"vip"}) and a.instants == {"triaged_at": at(SH, 2026, 3, 2, 10, 5)}
    assert b.flags == frozenset({"vip"}) and b.instants == {}
    assert r.evaluate(b).deadlines["response"].status == "not_measured"  # no triaged_at key: not measured


def test_a_clock_start_in_a_dst_gap_is_a_row_error():
    r = rules_of(
        doc(timezone="Europe/Berlin", metrics=[metric("response", [col("any")], "office", start="triaged_at")])
    )
    text = "id,priority,opened_at,triaged_at\nA,P1,2026-03-29T01:00,2026-03-29T02:30\n"
    (err,) = _read(r, text)[0]
    assert isinstance(err, RowError) and (err.column, err.key) == ("triaged_at", "instant.dst_gap")


# ------------------------------------------------------------------ slalang eval
def _eval(tmp_path, d: dict, csv_text: str, *args, lang="en"):
    rules = tmp_path / "support.rules.json"
    rules.write_bytes(encode(d))
    tickets = tmp_path / "tickets.csv"
    tickets.write_text(csv_text, encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "slalang", "eval", str(rules), str(tickets), "--lang", lang, *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )


def test_eval_warns_once_per_missing_flag_or_start_column_in_both_languages(tmp_path):
    d = flag_doc()
    d["metrics"] = [metric("response", [col("any")], "office", start="triaged_at")]
    text = "id,priority,opened_at,around_the_clock\nA,P1,2026-03-02T10:00,yes\nB,P1,2026-03-02T11:00,\n"
    en = _eval(tmp_path, d, text, "--per-ticket", "--format", "json")
    assert en.returncode == 0, en.stderr
    assert en.stderr.count("warning:") == 3  # first_response_at/resolved_at, vip, triaged_at
    assert "no `vip` column" in en.stderr and "no `triaged_at` column" in en.stderr
    rows = [json.loads(line) for line in en.stdout.splitlines()]
    assert rows[0]["flags"] == ["around_the_clock"] and rows[0]["deadlines"]["response"]["status"] == "not_measured"
    assert rows[0]["deadlines"]["response"]["start"] is None
    zh = _eval(tmp_path, d, text, "--per-ticket", "--format", "json", lang="zh")
    assert zh.returncode == 0 and "`vip` 列" in zh.stderr and "计时起点" in zh.stderr


def test_eval_per_ticket_outputs_show_plan_and_strict_targets(tmp_path):
    d = plan_doc()
    d["targets"][2] = target("response", "P1", "premium", "1h", strict=True)
    text = "id,priority,opened_at,first_response_at,plan\nA,P1,2026-03-02T10:00,2026-03-02T11:00,premium\n"
    out = _eval(tmp_path, d, text, "--per-ticket", "--format", "json")
    assert out.returncode == 0, out.stderr
    row = json.loads(out.stdout)
    assert row["plan"] == "premium"
    resp = row["deadlines"]["response"]
    assert (resp["target"], resp["status"], resp["late_seconds"]) == ("<1h", "breached", 0)
    csv_out = _eval(tmp_path, d, text, "--per-ticket", "--format", "csv")
    header, line = csv_out.stdout.splitlines()[:2]
    assert header.split(",")[2:4] == ["product", "plan"] and ",premium," in line
    bad = _eval(tmp_path, d, text.replace("premium", ""), lang="zh")
    assert bad.returncode == 1 and "缺少服务版本" in bad.stderr


def test_updates_on_a_regional_calendar_take_the_regions_variant():
    d = regional_doc()
    d["updates"] = {
        "calendar": "support",
        "columns": [],
        "rules": [update_rule("P1", "2bh", calendar="support")],
        "line": 30,
    }
    r = rules_of(d)
    fr = at(UTC, 2026, 3, 2, 16, 30)  # 11:30 in New York, 16:30 in London
    na = r.evaluate(Ticket("A", "P1", fr, first_response_at=fr, region="na"), at=fr + 60)
    assert na.updates == ("pending", 0, fr + 2 * H)  # 13:30 in New York
    # London closes at 17:30: one hour Monday, the second 09:00–10:00 Tuesday.
    emea = r.evaluate(Ticket("B", "P1", fr, first_response_at=fr, region="emea"), at=fr + 60)
    assert emea.updates == ("pending", 0, at(UTC, 2026, 3, 3, 10))


def test_due_times_take_the_plan():
    r = rules_of(plan_doc())
    mon10 = at(SH, 2026, 3, 2, 10)
    assert r.due_times("P1", mon10, plan="premium") == {"response": mon10 + H}
    assert r.due_times("P1", mon10, plan="standard") == {"response": mon10 + 4 * H}


FLAG_TEXT = st.sampled_from(["yes", "no", "", "TRUE", "false", "1", "0", "是", "否", "maybe", " yes "])


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.lists(
        st.tuples(
            st.sampled_from(["standard", "", "gold"]),
            FLAG_TEXT,
            FLAG_TEXT,
            st.sampled_from(["", "2026-03-02T10:05", "2026-03-02T09:00", "2026-03-29T02:30", "soon"]),
            st.sampled_from(["", "2026-03-02T10:30", "2026-03-02T09:59"]),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_any_support_row_gives_an_outcome_or_a_row_error(rows):
    r = support_rules()
    lines = ["id,priority,opened_at,plan,around_the_clock,vip,triaged_at,first_response_at"]
    lines += [f"T{i},P1,2026-03-02T10:00,{p},{a},{v},{s},{f}" for i, (p, a, v, s, f) in enumerate(rows)]
    for item in _read(r, "\n".join(lines) + "\n")[0]:
        if isinstance(item, RowError):
            assert item.key
            continue
        try:
            o = r.evaluate(item[1], at=at(SH, 2026, 3, 3))
        except TicketError as exc:
            assert exc.key
            continue
        assert o.deadlines["response"].status in ("met", "breached", "pending", "not_measured")


def test_new_runtime_errors_read_the_same_in_the_en_catalogue_and_render_in_zh():
    from slalang.commands.eval import _problem_text

    errors = []

    def catch(call):
        with pytest.raises((TicketError, RulesError)) as e:
            call()
        exc = e.value
        errors.append((exc.key, exc.fields, exc.message if isinstance(exc, RulesError) else str(exc)))

    mon10 = at(SH, 2026, 3, 2, 10)
    plans, regional = rules_of(plan_doc()), rules_of(regional_doc())
    catch(lambda: plans.evaluate(Ticket("A", "P1", mon10)))
    catch(lambda: plans.evaluate(Ticket("A", "P1", mon10, plan="gold")))
    catch(lambda: regional.evaluate(Ticket("A", "P1", mon10)))
    catch(lambda: regional.evaluate(Ticket("A", "P1", mon10, region="apac")))
    catch(lambda: rules_of(start_doc()).evaluate(Ticket("A", "P1", mon10, instants={"triaged_at": mon10 - 1})))
    text = "id,priority,opened_at,vip\nA,P1,2026-03-02T10:00,maybe\n"
    (err,) = _read(rules_of(flag_doc()), text)[0]
    errors.append((err.key, err.fields, err.message))
    for edit in (
        lambda d: d["targets"].append(target("response", "P1", "any", "2h", when="vip")),
        lambda d: d["calendars"].append(calendar("office")),
        lambda d: d.update(
            regions=[{"name": "na", "title": {"en": "NA"}}],
            calendars=[calendar("office"), calendar("office", region="na")],
        ),
        lambda d: d.update(
            regions=[{"name": "na", "title": {"en": "NA"}}, {"name": "emea", "title": {"en": "EMEA"}}],
            calendars=[calendar("office"), calendar("support", region="na")],
        ),
    ):
        d = doc()
        edit(d)
        catch(lambda d=d: loads_rules(encode(d)))
    assert len(errors) == 10
    for key, fields, english in errors:
        assert _problem_text(key, fields, "en") == english, key
        assert _problem_text(key, fields, "zh") != english, key
