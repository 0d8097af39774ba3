"""Any holiday set of the `holidays` package, with its subdivisions (issue 11,
deliverable 2): `holidays gb-eng`, `gb-sct`, `us-ca`. Expected days are the
published bank holidays of each, written by hand."""

from __future__ import annotations

import pytest

from slalang import fmt
from slalang.compiler import compile_text
from slalang.rules import rule_document

CONTRACT = """contract "uk" version "1.0.0" {{
  title      "服务承诺" | "Service commitment"
  languages  zh, en
  prevailing en
  effective  2026-01-01 to 2026-12-31
  timezone   "Europe/London"
  currency   GBP

  provider "示例公司" | "Example Co."
  customer "客户公司" | "Customer Co."

  calendar office "工作时间" | "Office hours" {{
    hours    mon..fri 09:00-17:30
    holidays {set}
  }}

  priority P1 "高" | "High"
  response "首次响应" | "First response" {{
    clock   office
    columns any
    P1      4bh
  }}
}}
"""


def _holidays(set_: str) -> set[str]:
    result = compile_text(CONTRACT.format(set=set_))
    assert result.contract is not None, [d.message for d in result.diagnostics]
    [cal] = rule_document(result.contract, result.canonical_text)["calendars"]
    assert cal["holiday_sets"][0]["set"] == set_
    return {h["date"] for h in cal["holidays"] if h["date"].startswith("2026")}


def test_england_and_scotland_have_their_own_bank_holidays():
    # England and Wales 2026: 1 Jan, Good Friday 3 Apr, Easter Monday 6 Apr,
    # 4 May, 25 May, 31 Aug, 25 Dec, 28 Dec (Boxing Day observed; 26 Dec is a Saturday).
    eng = _holidays("gb-eng")
    assert {
        "2026-01-01",
        "2026-04-03",
        "2026-04-06",
        "2026-05-04",
        "2026-05-25",
        "2026-08-31",
        "2026-12-25",
        "2026-12-28",
    } <= eng
    assert "2026-01-02" not in eng and "2026-08-03" not in eng
    # Scotland: 2 January and the first Monday of August, no Easter Monday.
    sct = _holidays("gb-sct")
    assert {"2026-01-02", "2026-08-03"} <= sct and "2026-04-06" not in sct and "2026-08-31" not in sct


def test_a_us_state_adds_its_own_days():
    # California: César Chávez Day (31 March) is not a federal holiday.
    assert "2026-03-31" not in _holidays("us")
    assert "2026-03-31" in _holidays("us-ca")


@pytest.mark.parametrize("written, message", [("gb-xyz", "did you mean `gb-eng`"), ("cn-zz", "no subdivisions")])
def test_an_unknown_subdivision_names_the_ones_there_are(written, message):
    result = compile_text(CONTRACT.format(set=written))
    [e] = [d for d in result.diagnostics if d.code == "E0605"]
    assert message in (e.hint or "") + e.message, (e.message, e.hint)


def test_a_subdivision_is_written_in_one_canonical_word():
    text = CONTRACT.format(set="GB - eng")
    assert "holidays gb-eng" in fmt.format_text(text)
