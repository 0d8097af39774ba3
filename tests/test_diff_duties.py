"""Diff directions for continuity, security, duties and service targets
(issue 13): each edit of contracts/itops.sla, and the direction a reviewer
should read it in — for the customer: stricter on the provider, looser for
it, neutral, or unclear (read it). Written from the meaning of each edit, not
from running the diff."""

from __future__ import annotations

import pytest
from conftest import ROOT

from slalang import semdiff
from slalang.compiler import compile_text

ITOPS = ROOT / "contracts" / "itops.sla"

DRILL = 'duty failover_drill "故障切换演练" | "Failover drill" every 1 month'
PENTEST = 'duty penetration_test "渗透测试" | "Penetration test" 2 times per year'

EDITS = [
    # cadence: fewer performances a year is looser, more is stricter
    (
        "monthly drill becomes quarterly",
        DRILL,
        DRILL.replace("every 1 month", "every 3 months"),
        "duty.failover_drill.cadence",
        "looser",
    ),
    (
        "monthly drill becomes fortnightly",
        DRILL,
        DRILL.replace("every 1 month", "every 2 weeks"),
        "duty.failover_drill.cadence",
        "stricter",
    ),
    (
        "twice a year becomes every 6 months",
        PENTEST,
        PENTEST.replace("2 times per year", "every 6 months"),
        "duty.penetration_test.cadence",
        "unclear",
    ),
    (
        "twice a year becomes 4 times",
        PENTEST,
        PENTEST.replace("2 times", "4 times"),
        "duty.penetration_test.cadence",
        "stricter",
    ),
    ("a cadence dropped", DRILL, DRILL.replace(" every 1 month", ""), "duty.failover_drill.cadence", "unclear"),
    # who performs it: an independent tester is the stricter check
    ("tested by a third party", PENTEST, PENTEST + " by third_party", "duty.penetration_test.performer", "stricter"),
    (
        "tested by a named body",
        PENTEST,
        PENTEST + ' by "安全委员会" | "the security committee"',
        "duty.penetration_test.performer",
        "unclear",
    ),
    # evidence
    (
        "evidence dropped",
        '      evidence "演练报告" | "the drill report"\n',
        "",
        "duty.failover_drill.evidence",
        "looser",
    ),
    (
        "evidence reworded",
        '"演练报告" | "the drill report"',
        '"演练记录" | "the drill record"',
        "duty.failover_drill.evidence",
        "unclear",
    ),
    # a duty added or removed
    (
        "a duty removed",
        '  duty open_day "服务开放日" | "Service open day" every 3 months {\n    evidence "活动记录" | "the event record"\n  }\n',
        "",
        "duties.duty.open_day",
        "looser",
    ),
    (
        "a duty added",
        "  target nps",
        '  duty survey "满意度调查" | "Satisfaction survey" every 6 months\n\n  target nps',
        "duties.duty.survey",
        "stricter",
    ),
    (
        "due on the business calendar",
        '    evidence "活动记录" | "the event record"\n',
        '    evidence "活动记录" | "the event record"\n    on       business\n',
        "duty.open_day.calendar",
        "unclear",
    ),
    # continuity
    ("RTO longer", "rto     15m", "rto     30m", "continuity.rto", "looser"),
    ("RTO shorter", "rto     15m", "rto     10m", "continuity.rto", "stricter"),
    ("RPO added", "rto     15m", "rto     15m\n    rpo     5m", "continuity.rpo", "stricter"),
    ("standby reworded", '"异地双活数据中心"', '"同城双活数据中心"', "continuity.standby", "unclear"),
    # security
    (
        "encrypted data dropped",
        '    encrypt  "服务响应日志" | "service response logs"\n',
        "",
        "security.encrypted",
        "looser",
    ),
    (
        "a standard added",
        '    encrypt  "服务响应日志"',
        '    standard "ISO/IEC 27001:2022"\n    encrypt  "服务响应日志"',
        "security.standards",
        "stricter",
    ),
    # service targets
    ("NPS lowered", "at least 75 per quarter", "at least 70 per quarter", "target.nps.value", "looser"),
    ("NPS raised", "at least 75 per quarter", "at least 80 per quarter", "target.nps.value", "stricter"),
    ("NPS per year", "at least 75 per quarter", "at least 75 per year", "target.nps.period", "unclear"),
    # what the first response confirms, and the monitoring that watches the clocks
    (
        "confirmation dropped",
        '    confirm "受理时间、预计恢复时间及下次进度通报时间"',
        "    # confirm",
        "response.confirm",
        "looser",
    ),
    ("confirmation reworded", "预计恢复时间及下次进度通报时间", "预计恢复时间", "response.confirm", "unclear"),
    ("monitoring dropped", '    monitor "APM', '    # monitor "APM', "warnings.monitor", "looser"),
    # the version label names the version: neutral
    (
        "version label added",
        "  languages  zh, en",
        '  version_label "2026 年版" | "2026 edition"\n  languages  zh, en',
        "contract.version_label",
        "neutral",
    ),
]


@pytest.mark.parametrize("what, old, new, path, direction", EDITS, ids=[e[0] for e in EDITS])
def test_direction(what, old, new, path, direction):
    text = ITOPS.read_text(encoding="utf-8")
    assert old in text, old
    a = compile_text(text, "itops.sla")
    b = compile_text(text.replace(old, new, 1), "itops.sla")
    assert a.contract is not None and b.contract is not None, [d.message for d in b.diagnostics]
    found = {c.path: c.direction for c in semdiff.diff(a.contract, b.contract).changes}
    assert path in found, found
    assert found[path] == direction, (what, found)


def test_a_renamed_duty_is_a_rename_not_a_removal():
    text = ITOPS.read_text(encoding="utf-8")
    a = compile_text(text).contract
    b = compile_text(text.replace("duty open_day", "duty service_open_day")).contract
    changes = semdiff.diff(a, b).changes
    assert [(c.kind, c.direction) for c in changes if "open_day" in c.path] == [("renamed", "neutral")]


def test_diff_reports_duties_by_title_in_both_languages():
    text = ITOPS.read_text(encoding="utf-8")
    a = compile_text(text).contract
    b = compile_text(text.replace(DRILL, DRILL.replace("every 1 month", "every 3 months"))).contract
    d = semdiff.diff(a, b)
    en = semdiff.render_text(d, lang="en")
    zh = semdiff.render_text(d, lang="zh")
    assert "“Failover drill” cadence: every 1 month → every 3 months" in en
    assert "“故障切换演练”周期：每 1 个月 → 每 3 个月" in zh


def test_the_same_cadence_spelt_differently_is_neutral():
    text = ITOPS.read_text(encoding="utf-8")
    yearly = 'duty transparency_report "年度透明度报告" | "Annual transparency report" every 1 year'
    assert yearly in text
    a = compile_text(text).contract
    b = compile_text(text.replace(yearly, yearly.replace("every 1 year", "every 12 months"))).contract
    assert a is not None and b is not None
    found = {x.path: x.direction for x in semdiff.diff(a, b).changes}
    assert found == {"duty.transparency_report.cadence": "neutral"}
