"""Issue 12's last review points, each from a small contract written here
(expected sentences written by hand from the contract text): a type of
service named like the letter's word for a ticket is defined; no off-hours
rule beside a 24×7 calendar column; kind-specific reporting and exclusions
boilerplate; the off-hours column's English name; per-language version
labels."""

from __future__ import annotations

import re
from html import unescape

from slalang.build import BuildContext
from slalang.compiler import compile_text

HEAD = """
contract "review-test" version "2.1.0" {
  title      "服务承诺" | "Service Commitment"
  languages  zh, en
  prevailing zh
  kind       commitment_letter
  effective  2026-01-01 to 2026-12-31
  timezone   "Asia/Shanghai"
  currency   CNY
  provider "示例服务有限公司" | "Example Services Ltd."
  customer "示例客户有限公司" | "Example Customer Ltd."
"""

OFFICE = """
  calendar office "工作时间" | "Business hours" {
    hours    mon..fri 09:00-18:00
    holidays cn
  }
"""

ALWAYS = """
  calendar always "全天候" | "Around the clock" {
    hours mon..sun 00:00-24:00
  }
"""

PRIORITIES = """
  priority P1 "紧急" | "Urgent" { "系统不可用" | "The system is down" }
  priority P2 "一般" | "Normal" { "其他问题" | "Other problems" }
"""

RESPONSE = """
  response "首次响应" | "First response" {
    clock   office
    columns office, off_hours
    P1      30m     2h
    P2      2bh     1bd
  }
"""


def contract(*parts: str) -> str:
    return HEAD + "".join(parts) + "}\n"


def letter_html(text: str, name: str = "review-test.sla") -> str:
    from slalang import letter

    result = compile_text(text, name)
    assert result.contract is not None, [d.message for d in result.diagnostics if d.severity == "error"]
    ctx = BuildContext(name, result.source, result.contract, frozenset({"html"}), "interleaved")
    return letter.produce(ctx)[f"{result.contract.id}.html"].decode("utf-8")


def said(html: str, lang: str) -> list[str]:
    """Every piece the letter says in one language, in order."""
    html_lang = {"zh": "zh-CN", "en": "en"}[lang]
    return [
        unescape(re.sub(r"<[^>]+>", "", m.group(2)))
        for m in re.finditer(rf'<(p|h2|h3|div|span|td|th) lang="{html_lang}"[^>]*>(.*?)</\1>', html, re.S)
    ]


def texts(text: str) -> tuple[list[str], list[str]]:
    html = letter_html(text)
    return said(html, "zh"), said(html, "en")


# ------------------------------------------------------------------ 2. 服务请求 as a type of service
def scope(*services: str) -> str:
    return "  scope {\n" + "".join(f"    service {s}\n" for s in services) + "  }\n"


REQUEST_DEFINED_ZH = "本承诺书所称“服务请求”，指客户就上列任一服务类型提交的请求，包括“服务请求”类。"
REQUEST_DEFINED_EN = (
    "In this letter, a “request” means a request the Customer submits for any of the types of service above,"
    " including “Service requests”."
)


def test_a_service_type_named_like_the_generic_request_is_defined():
    zh, en = texts(
        contract(
            scope('incident "故障处理" | "Incident handling"', 'request "服务请求" | "Service requests"'),
            OFFICE,
            PRIORITIES,
            RESPONSE,
        )
    )
    assert "服务类型：故障处理、服务请求。" in zh
    assert REQUEST_DEFINED_ZH in zh and REQUEST_DEFINED_EN in en
    # Right after the list of types it defines.
    assert zh[zh.index("服务类型：故障处理、服务请求。") + 1] == REQUEST_DEFINED_ZH


def test_the_clash_is_found_in_either_language_case_and_plural_aside():
    # English alone names it ("Request"), Chinese says something else.
    zh, en = texts(contract(scope('asks "咨询" | "Request"'), OFFICE, PRIORITIES, RESPONSE))
    assert "本承诺书所称“服务请求”，指客户就上列任一服务类型提交的请求，包括“咨询”类。" in zh
    assert (
        "In this letter, a “request” means a request the Customer submits for any of the types of service above,"
        " including “Request”." in en
    )
    zh, en = texts(contract(scope('asks "服务请求" | "Asks"'), OFFICE, PRIORITIES, RESPONSE))
    assert "本承诺书所称“服务请求”，指客户就上列任一服务类型提交的请求，包括“服务请求”类。" in zh


def test_no_definition_without_a_clash():
    zh, en = texts(contract(scope('incident "故障处理" | "Incident handling"'), OFFICE, PRIORITIES, RESPONSE))
    assert not any("本承诺书所称“服务请求”" in p for p in zh)
    assert not any("a “request” means" in p for p in en)


# ------------------------------------------------------------------ 3. off hours beside a 24×7 column
OFF_RULE_ZH = "；处于上述服务时间以外的，适用“非工作时间”列"
OFF_RULE_EN = "; a request submitted outside all the service hours above falls in the column “Outside working hours”"


def test_an_off_hours_column_beside_a_24x7_calendar_has_no_rule():
    zh, en = texts(
        contract(
            OFFICE,
            ALWAYS,
            PRIORITIES,
            """
  response "首次响应" | "First response" {
    clock   office
    columns always, off_hours
    P1      30m     2h
    P2      2bh     1bd
  }
""",
        )
    )
    assert "适用的列按服务请求提交的时间确定：提交时处于某一服务时间内的，适用该列。" in zh
    assert (
        "The column is chosen by the time at which the request is submitted: a request submitted within a set of"
        " service hours falls in that column." in en
    )
    assert not any(OFF_RULE_ZH in p or "以外" in p for p in zh)
    assert not any(OFF_RULE_EN in p or "falls in the column “Outside" in p for p in en)


def test_the_off_hours_rule_stays_when_the_calendars_leave_time_outside():
    # mon..sun 00:00-24:00 with holidays off is not every minute.
    cn_always = ALWAYS.replace("hours mon..sun 00:00-24:00", "hours mon..sun 00:00-24:00\n    holidays cn")
    for cal in (OFFICE, OFFICE + cn_always):
        columns = "office, off_hours" if cal == OFFICE else "always, off_hours"
        zh, en = texts(contract(cal, PRIORITIES, RESPONSE.replace("office, off_hours", columns)))
        assert any(OFF_RULE_ZH in p for p in zh), zh
        assert any(OFF_RULE_EN in p for p in en), en


def test_a_24x7_column_after_another_calendar_also_leaves_no_off_hours():
    zh, en = texts(
        contract(
            OFFICE,
            ALWAYS,
            PRIORITIES,
            RESPONSE.replace("office, off_hours", "office, always, off_hours")
            .replace("30m     2h", "30m     1h     2h")
            .replace("2bh     1bd", "2bh     4h     1bd"),
        )
    )
    assert not any("以外" in p for p in zh)
    assert not any("outside all the service hours" in p for p in en)


# ------------------------------------------------------------------ 5. the off-hours column's name
def test_the_off_hours_column_reads_alike_in_both_languages():
    zh, en = texts(contract(OFFICE, PRIORITIES, RESPONSE))
    assert "非工作时间" in zh and "非服务时间" not in "".join(zh)
    assert "Outside working hours" in en and "Outside service hours" not in "".join(en)
    assert (
        "适用的列按服务请求提交的时间确定：提交时处于某一服务时间内的，适用该列"
        "；处于上述服务时间以外的，适用“非工作时间”列。" in zh
    )
    assert (
        "The column is chosen by the time at which the request is submitted: a request submitted within a set of"
        " service hours falls in that column; a request submitted outside all the service hours above falls in the"
        " column “Outside working hours”." in en
    )


# ------------------------------------------------------------------ 4. boilerplate by what the contract has
AVAILABILITY = """
  scope {
    product vm "云服务器" | "Cloud servers"
  }
  availability vm 99.9% per month
"""

EXCLUSIONS = """
  exclusions {
    customer_caused "客户原因导致的故障" | "faults caused by the customer"
  }
"""


def reporting(*lines: str) -> str:
    return "  reporting {\n" + "".join(f"    {x}\n" for x in lines) + "  }\n"


def headings(pieces: list[str]) -> list[str]:
    return [p for p in pieces if re.match(r"^([一二三四五六七八九十]+、|\d+\. )", p)]


def test_the_reporting_heading_names_only_what_is_there():
    cases = [
        (
            ("reports monthly", "retention 12 months", "audit every 12 months by customer"),
            "报告、记录与审计",
            "Reporting, Records and Audit",
        ),
        (("reports monthly", "retention 12 months"), "报告与记录", "Reporting and Records"),
        (("reports monthly", "audit every 12 months by customer"), "报告与审计", "Reporting and Audit"),
        (("retention 12 months", "audit every 12 months by customer"), "记录与审计", "Records and Audit"),
        (("retention 12 months",), "记录", "Records"),
        (("reports monthly",), "报告", "Reporting"),
        (("audit every 12 months by customer",), "审计", "Audit"),
    ]
    for lines, zh_title, en_title in cases:
        zh, en = texts(contract(AVAILABILITY, reporting(*lines)))
        assert any(h.endswith("、" + zh_title) for h in headings(zh)), (lines, headings(zh))
        assert any(h.endswith(". " + en_title) for h in headings(en)), (lines, headings(en))


def test_the_records_are_those_of_the_kind_of_contract():
    # An availability SLA keeps monitoring and availability records, not requests.
    zh, en = texts(contract(AVAILABILITY, reporting("retention 12 months")))
    assert "服务方应将监控及可用性记录至少保存 12 个月。" in zh
    assert "The Provider shall keep monitoring and availability records for at least 12 months." in en
    assert not any("服务请求" in p for p in zh) and not any("requests" in p for p in en)
    # A contract with a time table keeps those of requests.
    zh, en = texts(contract(OFFICE, PRIORITIES, RESPONSE, reporting("retention 6 months")))
    assert "服务方应将服务请求、处置过程及监控记录至少保存 6 个月。" in zh
    assert "The Provider shall keep records of requests, their handling and monitoring for at least 6 months." in en
    # Both.
    zh, en = texts(contract(AVAILABILITY, OFFICE, PRIORITIES, RESPONSE, reporting("retention 6 months")))
    assert "服务方应将服务请求、处置过程、监控及可用性记录至少保存 6 个月。" in zh
    assert (
        "The Provider shall keep records of requests, their handling, monitoring and availability for at least"
        " 6 months." in en
    )


def test_the_exclusions_intro_names_only_limits_or_downtime_the_contract_has():
    zh, en = texts(contract(AVAILABILITY, EXCLUSIONS))
    assert "因下列情形未能达到承诺的，服务方不承担补偿责任，相关时间不计入故障时长：" in zh
    assert (
        "The Provider owes no credit for a commitment missed because of any of the following, and the time"
        " concerned does not count as downtime:" in en
    )
    zh, en = texts(contract(OFFICE, PRIORITIES, RESPONSE, EXCLUSIONS))
    assert "因下列情形未能达到承诺的，服务方不承担补偿责任，相关时间不计入时限：" in zh
    assert (
        "The Provider owes no credit for a commitment missed because of any of the following, and the time"
        " concerned does not count towards any limit:" in en
    )
    zh, en = texts(contract(AVAILABILITY, OFFICE, PRIORITIES, RESPONSE, EXCLUSIONS))
    assert "因下列情形未能达到承诺的，服务方不承担补偿责任，相关时间不计入时限和故障时长：" in zh
    assert (
        "The Provider owes no credit for a commitment missed because of any of the following, and the time"
        " concerned does not count towards any limit or downtime:" in en
    )


def test_corpus_availability_slas_speak_of_availability_records():
    from conftest import ROOT

    for path in sorted((ROOT / "contracts" / "sla").glob("*.sla")):
        html = letter_html(path.read_text(encoding="utf-8"), path.name)
        zh, en = said(html, "zh"), said(html, "en")
        joined = "\n".join(zh + en)
        assert "服务请求、处置过程" not in joined and "records of requests" not in joined, path.name
        assert "不计入时限" not in joined and "towards any limit" not in joined, path.name
        assert "审计" not in "".join(headings(zh)) or "audit" in path.read_text(), path.name


# ------------------------------------------------------------------ 6. per-language version labels
LABEL = '  version_label "2026 年第 1 版" | "Edition 1, 2026"\n'


def labelled() -> str:
    return contract(OFFICE, PRIORITIES, RESPONSE).replace("  languages  zh, en\n", "  languages  zh, en\n" + LABEL)


def test_the_cover_shows_each_languages_version_label_and_the_version_once():
    text = labelled()
    html = letter_html(text)
    zh, en = said(html, "zh"), said(html, "en")
    assert "编号：review-test　版本：2026 年第 1 版（2.1.0）" in zh
    assert "Reference: review-test, Edition 1, 2026 (2.1.0)" in en
    # Traced to the `version_label` line.
    line = text.splitlines().index(LABEL.rstrip("\n")) + 1
    assert f'<td lang="zh-CN" class="l-zh" data-line="{line}">编号：review-test' in html
    assert f'<td lang="en" class="l-en" data-line="{line}">Reference: review-test' in html


def test_without_a_label_the_cover_says_the_version():
    zh, en = texts(contract(OFFICE, PRIORITIES, RESPONSE))
    assert "编号：review-test　版本：2.1.0" in zh and "Reference: review-test, version 2.1.0" in en


def test_the_word_letter_has_the_labels_too(tmp_path):
    import docx

    from slalang.letter import docx as letter_docx
    from slalang.letter.document import compose

    result = compile_text(labelled(), "review-test.sla")
    assert result.contract is not None
    path = tmp_path / "review-test.docx"
    path.write_bytes(letter_docx.render(compose(result.contract, "0" * 64), result.contract.effective_start))
    cells = [c.text for t in docx.Document(str(path)).tables for row in t.rows for c in row.cells]
    assert "编号：review-test　版本：2026 年第 1 版（2.1.0）" in cells
    assert "Reference: review-test, Edition 1, 2026 (2.1.0)" in cells
