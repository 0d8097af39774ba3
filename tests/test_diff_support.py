"""The semantic diff of the support-policy constructs (issue 11): plans and
flags, conditional rows, strict cells, clock starts, regional calendars and
calendar timezones, updates by column. Each edit names the change it must
produce and the direction a reviewer expects for the provider."""

from __future__ import annotations

import pytest
from conftest import ROOT

from slalang import semdiff
from slalang.compiler import compile_text

BASE = (ROOT / "tests" / "data" / "support-diff.sla").read_text(encoding="utf-8")


def _diff(old: str, new: str) -> dict[str, str]:
    assert old in BASE, old
    a, b = compile_text(BASE), compile_text(BASE.replace(old, new, 1))
    assert a.contract is not None and b.contract is not None, [d.message for d in b.diagnostics]
    return {c.path: c.direction for c in semdiff.diff(a.contract, b.contract).changes}


EDITS = [
    # A strict limit loosened to a plain one: the due instant itself now meets it.
    (
        "strict_to_plain",
        "S1            <1h 1h  30m",
        "S1            1h  1h  30m",
        "response.S1.standard.office",
        "looser",
    ),
    (
        "plain_to_strict",
        "S1            <1h 1h  30m",
        "S1            <1h <1h 30m",
        "response.S1.standard.off_hours",
        "stricter",
    ),
    # A conditional row is its own row: its cells are compared with its old cells.
    (
        "conditional_cell",
        "S1 when phone 30m 30m 15m",
        "S1 when phone 30m 30m 1h",
        "response.S1 when phone.premium",
        "looser",
    ),
    ("conditional_row_removed", "    S1 when phone 30m 30m 15m\n", "", "response.S1 when phone.premium", "looser"),
    ("plan_column_cell", "S2            4bh 1bd <2h", "S2            4bh 1bd <1h", "response.S2.premium", "stricter"),
    (
        "clock_start",
        'from    triaged_at "定级之时" | "when triaged"',
        'from    assigned_at "派单之时" | "when assigned"',
        "resolution.start",
        "unclear",
    ),
    (
        "variant_hours",
        "hours    mon..fri 08:00-18:00",
        "hours    mon..fri 08:00-20:00",
        "calendar.office.na.hours",
        "stricter",
    ),
    ("variant_holidays", "holidays gb-eng", "holidays gb-sct", "calendar.office.emea.holidays", "unclear"),
    ("calendar_timezone", 'timezone "Europe/Berlin"', 'timezone "Europe/Paris"', "calendar.berlin.timezone", "unclear"),
    ("update_cadence", "S1      30m     1h", "S1      45m     1h", "updates.S1.office", "looser"),
    ("update_cadence_added", "S2      4bh     -", "S2      4bh     8h", "updates.S2.off_hours", "stricter"),
    ("plan_title", '"高级版"   | "Premium"', '"高级版"   | "Premium plan"', "scope.plan.premium.title", "neutral"),
    (
        "flag_title",
        '"电话报告" | "Reported by phone"',
        '"电话报告" | "Reported by telephone"',
        "scope.flag.phone.title",
        "neutral",
    ),
]


@pytest.mark.parametrize("name, old, new, path, direction", EDITS, ids=[e[0] for e in EDITS])
def test_support_edit_is_reported_with_its_direction(name, old, new, path, direction):
    found = _diff(old, new)
    assert path in found, found
    assert found[path] == direction, found


def test_the_same_contract_has_no_changes():
    a = compile_text(BASE).contract
    assert a is not None
    assert semdiff.diff(a, a).changes == []


def test_reordering_conditional_rows_is_reported():
    text = BASE.replace(
        "    S1 when phone 30m 30m 15m\n", "    S1 when phone 30m 30m 15m\n    S1 when vip 15m 15m 5m\n"
    ).replace(
        '    flag   phone    "电话报告" | "Reported by phone"\n',
        '    flag   phone    "电话报告" | "Reported by phone"\n    flag   vip "重要客户" | "VIP"\n',
    )
    swapped = text.replace(
        "    S1 when phone 30m 30m 15m\n    S1 when vip 15m 15m 5m\n",
        "    S1 when vip 15m 15m 5m\n    S1 when phone 30m 30m 15m\n",
    )
    a, b = compile_text(text).contract, compile_text(swapped).contract
    assert a is not None and b is not None
    found = {c.path: (c.kind, c.direction) for c in semdiff.diff(a, b).changes}
    # A ticket with both flags gets the first row that names one of them.
    assert found == {"response.S1.conditions": ("reordered", "unclear")}


RENAMES = {
    "flag": [("flag   phone    ", "flag   telephone "), ("when phone ", "when telephone ")],
    "plan": [("plan   standard ", "plan   basic    "), ("standard.", "basic.")],
}


@pytest.mark.parametrize("ns, old", [("flag", "phone"), ("plan", "standard")])
def test_renaming_a_flag_or_a_plan_is_one_neutral_change(ns, old):
    renamed = BASE
    for a, b in RENAMES[ns]:
        assert a in renamed, a
        renamed = renamed.replace(a, b)
    x, y = compile_text(BASE).contract, compile_text(renamed).contract
    assert x is not None and y is not None
    changes = semdiff.diff(x, y).changes
    assert [(c.path, c.kind, c.direction) for c in changes] == [(f"scope.{ns}.{old}", "renamed", "neutral")]


def test_a_calendar_day_against_24_hours_is_unclear_where_clocks_change():
    berlin = BASE.replace('timezone   "Asia/Shanghai"', 'timezone   "Europe/Berlin"')
    assert _diff_in(berlin, "S1      2d", "S1      48h") == {"resolution.S1.any": "unclear"}
    # Without DST a calendar day is 24 hours: no change of meaning.
    assert _diff_in(BASE, "S1      2d", "S1      48h") == {"resolution.S1.any": "neutral"}


def _diff_in(base: str, old: str, new: str) -> dict[str, str]:
    assert old in base, old
    a, b = compile_text(base).contract, compile_text(base.replace(old, new, 1)).contract
    assert a is not None and b is not None
    return {c.path: c.direction for c in semdiff.diff(a, b).changes}


def test_a_reworded_clause_is_to_be_read_not_neutral():
    itops = (ROOT / "contracts" / "itops.sla").read_text(encoding="utf-8")
    a = compile_text(itops).contract
    b = compile_text(itops.replace("内响应", "内首次响应", 1)).contract
    assert a is not None and b is not None
    d = semdiff.diff(a, b)
    [c] = [c for c in d.changes if c.path.startswith("clause.")]
    assert c.direction == "unclear"
    assert "changed — read it" in semdiff.render_text(d, "en")
    assert "有改动，请阅读原文" in semdiff.render_text(d, "zh")


def test_diff_warns_when_the_content_changed_but_not_the_version(tmp_path):
    import subprocess
    import sys

    old, new = tmp_path / "a.sla", tmp_path / "b.sla"
    old.write_text(BASE, encoding="utf-8")
    new.write_text(BASE.replace("S1            <1h 1h  30m", "S1            <1h 2h  30m"), encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-m", "slalang", "diff", str(old), str(new)], capture_output=True, text=True, env=_en()
    )
    assert run.returncode == 0, run.stderr
    assert "but both files say version 1.0.0" in run.stderr
    bumped = new.read_text(encoding="utf-8").replace('version "1.0.0"', 'version "1.1.0"')
    new.write_text(bumped, encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-m", "slalang", "diff", str(old), str(new)], capture_output=True, text=True, env=_en()
    )
    assert "version" not in run.stderr


def _en() -> dict:
    import os

    return {**os.environ, "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"}
