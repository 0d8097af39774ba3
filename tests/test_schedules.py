"""Supplied holiday schedules (issue 11, deliverable 1): a calendar can carry a
year's official holidays and make-up working days itself. Tested by supplying
a year the holidays package covers, with the package's published dates: the
compiled calendar must equal the package's, a changed date must warn, and a
year the package lacks compiles only with its schedule."""

from __future__ import annotations

import json
from pathlib import Path

from slalang.compiler import compile_text
from slalang.rules import rule_document

ROOT = Path(__file__).resolve().parent.parent
SUPPLIED = ROOT / "tests" / "data" / "schedule-cn-2026.sla"


def _compiled(text: str):
    result = compile_text(text)
    assert result.contract is not None, [d.message for d in result.diagnostics]
    return result


def _days(text: str) -> tuple[set[str], set[str], list[dict]]:
    result = _compiled(text)
    [cal] = rule_document(result.contract, result.canonical_text)["calendars"]
    return {h["date"] for h in cal["holidays"]}, {w["date"] for w in cal["workdays"]}, cal["holiday_sets"]


def _without_schedule(text: str) -> str:
    start = text.index("    year 2026")
    end = text.index("    }\n", start) + len("    }\n")
    return text[:start] + text[end:]


def test_a_supplied_year_equal_to_the_package_compiles_to_the_same_calendar():
    text = SUPPLIED.read_text(encoding="utf-8")
    result = _compiled(text)
    assert not [d for d in result.diagnostics if d.code == "W0611"]
    off, on, sources = _days(text)
    pkg_off, pkg_on, _ = _days(_without_schedule(text))
    assert off == pkg_off and on == pkg_on
    assert any("year 2026: 国务院办公厅关于2026年部分节假日安排的通知" in s["source"] for s in sources)


def test_a_supplied_date_the_package_does_not_have_warns_and_the_contract_applies():
    text = SUPPLIED.read_text(encoding="utf-8").replace("workday 2026-10-10", "workday 2026-10-11")
    result = _compiled(text)
    [w] = [d for d in result.diagnostics if d.code == "W0611"]
    assert "2026-10-10" in w.message and "2026-10-11" in w.message
    off, on, _ = _days(text)
    assert "2026-10-11" in on and "2026-10-10" not in on


def test_a_year_the_package_lacks_compiles_only_with_its_schedule():
    # A TEST FIXTURE, not an official notice: 2027's dates here are made up to
    # exercise the mechanism and are labelled as such in the notice text.
    base = SUPPLIED.read_text(encoding="utf-8").replace(
        "effective  2026-01-01 to 2026-12-31", "effective  2026-07-01 to 2027-06-30"
    )
    refused = compile_text(base)
    [e] = [d for d in refused.diagnostics if d.code == "E0604"]
    assert "year 2027" in e.hint
    block = (
        '    year 2027 "测试用虚构安排（非官方通知）" | "Fictitious schedule for tests (not an official notice)" {\n'
        '      holiday 2027-01-01 "元旦" | "New Year\'s Day"\n'
        '      workday 2027-02-06 "调休" | "Make-up working day"\n'
        "    }\n"
    )
    text = base.replace("    holidays cn\n", "    holidays cn\n" + block)
    off, on, sources = _days(text)
    assert "2027-01-01" in off and "2027-02-06" in on
    assert any("year 2027" in s["source"] for s in sources)


def test_schedule_dates_must_lie_in_their_year_and_ranges_are_breaks():
    text = SUPPLIED.read_text(encoding="utf-8")
    for old, new, code in (
        ("holiday 2026-04-04..2026-04-06", "holiday 2026-04-04..2026-06-06", "E0610"),
        ("workday 2026-05-09", "workday 2027-05-09", "E0610"),
        ("workday 2026-05-09", "workday 2026-05-05", "E0609"),
    ):
        result = compile_text(text.replace(old, new))
        assert result.contract is None and code in {d.code for d in result.diagnostics}, old


def test_a_ticket_in_the_supplied_year_gets_its_due_time(tmp_path):
    from slalang.runtime import Rules, loads_rules

    result = _compiled(SUPPLIED.read_text(encoding="utf-8"))
    doc = rule_document(result.contract, result.canonical_text)
    rules = Rules(loads_rules(json.dumps(doc).encode("utf-8")))
    import datetime as dt
    from zoneinfo import ZoneInfo

    tz = ZoneInfo("Asia/Shanghai")
    # Opened Wed 30 Sep 17:00: 1 business hour that day, then the National
    # Day break to 7 Oct; Thu 8 Oct is a working day → due 8 Oct 10:00.
    opened = int(dt.datetime(2026, 9, 30, 17, 0, tzinfo=tz).timestamp())
    due = rules.due_times("P0", opened)["response"]
    assert dt.datetime.fromtimestamp(due, tz) == dt.datetime(2026, 10, 8, 10, 0, tzinfo=tz)


def test_the_letter_names_the_notice_and_states_its_dates():
    from slalang.build import build_one

    out = build_one(str(SUPPLIED), frozenset({"html"}))
    import re

    markup = next(v for k, v in out.files.items() if k.endswith(".html")).decode("utf-8")
    html = re.sub(r"<[^>]+>", "", markup)  # the text as read (dates sit in spans that keep them on one line)
    assert "《国务院办公厅关于2026年部分节假日安排的通知》" in html
    assert "Notice of the General Office of the State Council on the 2026 holiday arrangements" in html
    assert "2026年10月1日至 2026年10月7日" in html or "2026年10月1日至2026年10月7日" in html
    assert "10 October 2026" in html


def test_schedules_format_canonically_and_diff_with_directions():
    from slalang import fmt, semdiff

    text = SUPPLIED.read_text(encoding="utf-8")
    assert fmt.format_text(text) == text  # the fixture is in the canonical layout (and formatting keeps its meaning)
    a = _compiled(text).contract
    more_off = _compiled(
        text.replace('workday 2026-10-10             "国庆节调休"', 'holiday 2026-10-10             "国庆节调休"')
    ).contract
    d = semdiff.diff(a, more_off)
    dirs = {c.path: c.direction for c in d.changes}
    # A working day turned into a day off: business clocks stop longer, looser for the provider.
    assert dirs["calendar.business.schedule.2026.workdays.2026-10-10"] == "looser"
    assert dirs["calendar.business.schedule.2026.holidays.2026-10-10"] == "looser"
    assert semdiff.render_text(d, "zh") and semdiff.render_text(d, "en")
