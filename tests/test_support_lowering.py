"""Lowering of the support-policy constructs (issue 11) into the contract
model: plans and flags, column kinds, strict cells, conditional rows, clock
starts, regional calendars with their timezones, updates by column, and
wall days as calendar days."""

from __future__ import annotations

from conftest import ROOT

from slalang.compiler import compile_text

BASE = (ROOT / "tests" / "data" / "support-diff.sla").read_text(encoding="utf-8")


def _model(text: str = BASE):
    r = compile_text(text)
    assert r.contract is not None, [d.message for d in r.diagnostics]
    assert not r.diagnostics, [d.message for d in r.diagnostics]
    return r.contract


def _codes(text: str) -> list[str]:
    return [d.code for d in compile_text(text).diagnostics]


def test_plans_and_flags_are_scope_items():
    c = _model()
    assert [p.name for p in c.scope.plans] == ["standard", "premium"]
    assert c.scope.plans[1].title["en"] == "Premium"
    assert [f.name for f in c.scope.flags] == ["phone"]


def test_columns_by_plan_and_window():
    mx = _model().response
    assert [(col.name, col.kind, col.plan, col.calendar) for col in mx.columns] == [
        ("standard.office", "calendar", "standard", "office"),
        ("standard.off_hours", "off_hours", "standard", None),
        ("premium", "plan", "premium", None),
    ]


def test_strict_cells_and_conditional_rows():
    mx = _model().response
    rows = [(t.priority, t.when, t.column, t.duration.spelling, t.strict) for t in mx.targets]
    assert rows == [
        ("S1", None, "standard.office", "1h", True),
        ("S1", None, "standard.off_hours", "1h", False),
        ("S1", None, "premium", "30m", False),
        ("S1", "phone", "standard.office", "30m", False),
        ("S1", "phone", "standard.off_hours", "30m", False),
        ("S1", "phone", "premium", "15m", False),
        ("S2", None, "standard.office", "4bh", False),
        ("S2", None, "standard.off_hours", "1bd", False),
        ("S2", None, "premium", "2h", True),
    ]
    assert mx.conditions("S1") == ("phone",) and mx.conditions("S2") == ()
    assert mx.cell("S1", "premium", "phone").spelling == "15m"


def test_a_conditional_row_written_first_still_follows_its_plain_row():
    text = BASE.replace(
        "    S1            <1h 1h  30m\n    S1 when phone 30m 30m 15m\n",
        "    S1 when phone 30m 30m 15m\n    S1            <1h 1h  30m\n",
    )
    mx = _model(text).response
    assert [t.when for t in mx.targets if t.priority == "S1"] == [None, None, None, "phone", "phone", "phone"]


def test_clock_start_and_calendar_days():
    res = _model().resolution
    assert res.start == "triaged_at" and res.start_title["en"] == "when triaged"
    s1 = res.cell("S1", "any")
    assert (s1.clock, s1.seconds, s1.calendar_days) == ("wall", 2 * 86400, 2)
    assert _model().response.start is None


def test_regional_calendar_variants_with_their_timezones():
    c = _model()
    office = next(cal for cal in c.calendars if cal.name == "office")
    assert office.hours == () and office.timezone is None
    assert [(v.region, v.timezone, v.holiday_sets) for v in office.variants] == [
        ("na", "America/New_York", ("us",)),
        ("emea", "Europe/London", ("gb-eng",)),
    ]
    berlin = next(cal for cal in c.calendars if cal.name == "berlin")
    assert berlin.timezone == "Europe/Berlin" and not berlin.variants


def test_updates_by_column_on_business_time():
    u = _model().updates
    assert u.clock == "office" and [col.name for col in u.columns] == ["office", "off_hours"]
    assert [(r.priority, r.column, r.every.spelling, r.every.clock) for r in u.rules] == [
        ("S1", "office", "30m", "wall"),
        ("S1", "off_hours", "1h", "wall"),
        ("S2", "office", "4bh", "business"),
    ]


def test_the_old_update_form_still_applies_in_every_column():
    text = BASE.replace(
        "    clock   office\n    columns office, off_hours\n    S1      30m     1h\n    S2      4bh     -\n",
        "    S1 every 30m\n    S2 every 2h\n",
    )
    u = _model(text).updates
    assert u.columns == () and [(r.priority, r.column) for r in u.rules] == [("S1", None), ("S2", None)]


def test_a_regional_variant_leaving_instants_out_is_an_error():
    # office columns without off_hours: the variants' office hours leave evenings in no column.
    text = BASE.replace(
        "columns       standard.office, standard.off_hours, premium", "columns       standard.office, premium"
    )
    text = text.replace("S1            <1h 1h  30m", "S1            <1h 30m").replace(
        "S1 when phone 30m 30m 15m", "S1 when phone 30m 15m"
    )
    text = text.replace("S2            4bh 1bd <2h", "S2            4bh <2h")
    assert "E0404" in _codes(text)


def test_a_region_declared_after_the_calendar_still_needs_a_variant():
    text = BASE.replace(
        '    region emea     "欧洲"     | "Europe"\n',
        '    region emea     "欧洲"     | "Europe"\n    region apac "亚太" | "APAC"\n',
    )
    assert "E0612" in _codes(text)
