"""The letter's wording of issue 13's constructs, in both languages, from a
small contract written here: business continuity (standby, RTO, RPO), data
security (standards, encrypted data, access), recurring duties (who, how
often, when due, what is delivered, periods the term cuts) in their sections,
and service quality targets. The expected sentences are written by hand
from the contract text."""

from __future__ import annotations

import re
from html import unescape

from slalang.build import BuildContext
from slalang.compiler import compile_text

HEAD = """
contract "duty-test" version "1.0.0" {
  title      "服务承诺" | "Service Commitment"
  languages  zh, en
  prevailing zh
  kind       commitment_letter
  effective  2026-01-01 to 2026-12-31
  timezone   "Asia/Shanghai"
  currency   CNY
  provider "示例服务有限公司" | "Example Services Ltd."
  customer "示例客户有限公司" | "Example Customer Ltd."

  calendar business "工作时间" | "Business hours" {
    hours    mon..fri 09:00-18:00
    holidays cn
  }
"""

CONTINUITY = """
  continuity "容灾备机制" | "Disaster recovery" {
    standby "异地双活数据中心" | "active-active data centres in two regions"
    rto     15m
    rpo     5m
    duty failover_drill "故障切换演练" | "Failover drill" every 1 month {
      evidence "演练报告" | "the drill report"
    }
    duty restore_test "备份全量恢复演练" | "Full backup restore test" every 3 months
  }
"""

SECURITY = """
  security "数据安全" | "Data security" {
    standard "GB/T 22239-2019 第三级" | "GB/T 22239-2019, level 3"
    encrypt  "服务响应日志" | "service response logs"
    encrypt  "客户资料" | "customer records"
    access   "权限分级管理，遵循最小权限原则" | "tiered access on the principle of least privilege"
    access   "每季度复核权限" | "access rights reviewed each quarter"
    duty pentest "渗透测试" | "Penetration test" 2 times per year by third_party {
      evidence "渗透测试报告" | "the penetration test report"
    }
  }
"""

REPORTING = """
  reporting {
    reports   monthly
    duty transparency "年度透明度报告" | "Annual transparency report" every 1 year {
      evidence "透明度报告" | "the transparency report"
    }
  }
"""

GENERAL = """
  duty open_day "服务开放日" | "Service open day" 1 time per quarter by provider
  duty supervision "服务监督委员会评审" | "Service supervision committee review" every 3 months by "服务监督委员会" | "the service supervision committee" {
    evidence "评审纪要" | "the review minutes"
    on business
  }
  duty feedback "客户意见反馈" | "Customer feedback" 3 times per month by customer {
    evidence "反馈表" | "the feedback form"
  }
  duty kickoff "启动会议" | "Kick-off meeting"
"""

TARGETS = """
  target nps "净推荐值（NPS）" | "Net Promoter Score (NPS)" at least 75 per quarter {
    method "每季度客户调研" | "a quarterly customer survey"
  }
  target complaints "投诉率" | "Complaint rate" at most 0.5% per month
"""


def contract(*parts: str, head: str = HEAD) -> str:
    return head + "".join(parts) + "}\n"


def letter_html(text: str) -> str:
    from slalang import letter

    result = compile_text(text, "duty-test.sla")
    assert result.contract is not None, [d.message for d in result.diagnostics if d.severity == "error"]
    ctx = BuildContext("duty-test.sla", result.source, result.contract, frozenset({"html"}), "interleaved")
    return letter.produce(ctx)["duty-test.html"].decode("utf-8")


def said(html: str, lang: str) -> list[str]:
    html_lang = {"zh": "zh-CN", "en": "en"}[lang]
    return [
        unescape(re.sub(r"<[^>]+>", "", m.group(2)))
        for m in re.finditer(rf'<(p|h2|h3|div|span|td|th) lang="{html_lang}"[^>]*>(.*?)</\1>', html, re.S)
    ]


def texts(text: str) -> tuple[list[str], list[str]]:
    html = letter_html(text)
    return said(html, "zh"), said(html, "en")


def section(pieces: list[str], heading: str) -> list[str]:
    """The pieces of the section whose heading ends with `heading`, up to the next heading."""
    start = next(
        i for i, p in enumerate(pieces) if re.match(r"^([一二三四五六七八九十]+、|\d+\. )", p) and p.endswith(heading)
    )
    rest = pieces[start + 1 :]
    end = next((i for i, p in enumerate(rest) if re.match(r"^([一二三四五六七八九十]+、|\d+\. )", p)), len(rest))
    return rest[:end]


def test_business_continuity_under_its_own_title():
    zh, en = texts(contract(CONTINUITY))
    z, e = section(zh, "、容灾备机制"), section(en, ". Disaster recovery")
    assert z == [
        "服务方应以异地双活数据中心作为备用保障机制。",
        "恢复时间目标（RTO）不超过 15 分钟。",
        "恢复点目标（RPO）不超过 5 分钟。",
        "故障切换演练：服务方应每月至少一次履行本项，并向客户提交演练报告。",
        "本承诺书中以“每……”表示频率的事项，其周期自本承诺书生效之日起连续计算。",
        "备份全量恢复演练：服务方应每 3 个月至少一次履行本项。",
    ]
    assert e == [
        "The Provider shall maintain active-active data centres in two regions as its standby arrangement.",
        "The recovery time objective (RTO) shall not exceed 15 minutes.",
        "The recovery point objective (RPO) shall not exceed 5 minutes.",
        "Failover drill: the Provider shall perform this duty at least once every month, and shall deliver the"
        " drill report to the Customer.",
        "For the duties of this letter stated as “every …”, periods run consecutively from the effective date.",
        "Full backup restore test: the Provider shall perform this duty at least once every 3 months.",
    ]


def test_data_security():
    zh, en = texts(contract(SECURITY))
    assert section(zh, "、数据安全") == [
        "服务方应遵守 GB/T 22239-2019 第三级。",
        "服务方应对下列数据加密存储：服务响应日志、客户资料。",
        "服务方应按下列规则管理访问权限：权限分级管理，遵循最小权限原则；每季度复核权限。",
        "渗透测试：服务方应委托独立第三方每个自然年至少 2 次（不同日期）履行本项，并向客户提交渗透测试报告。",
    ]
    assert section(en, ". Data security") == [
        "The Provider shall comply with GB/T 22239-2019, level 3.",
        "The Provider shall store the following data encrypted: service response logs and customer records.",
        "The Provider shall manage access by the following rules: tiered access on the principle of least"
        " privilege; access rights reviewed each quarter.",
        "Penetration test: the Provider shall have an independent third party perform this duty at least twice in"
        " each calendar year, on different dates, and shall deliver the penetration test report to the Customer.",
    ]


def test_reporting_duties_are_in_the_reporting_section():
    zh, en = texts(contract(REPORTING))
    z, e = section(zh, "、报告"), section(en, ". Reporting")
    assert "年度透明度报告：服务方应每年至少一次履行本项，并向客户提交透明度报告。" in z
    assert (
        "Annual transparency report: the Provider shall perform this duty at least once every year, and shall"
        " deliver the transparency report to the Customer." in e
    )
    # The first `every` duty of the letter says how its periods run.
    assert "本承诺书中以“每……”表示频率的事项，其周期自本承诺书生效之日起连续计算。" in z


def test_recurring_duties_performers_cadences_and_due_calendar():
    zh, en = texts(contract(GENERAL))
    assert section(zh, "、定期履行事项") == [
        "服务开放日：服务方应每个自然季度至少一次履行本项。",
        "服务监督委员会评审：服务监督委员会应每 3 个月至少一次履行本项，于每一周期最后一个“工作时间”工作日结束前完成，"
        "并出具评审纪要。",
        "本承诺书中以“每……”表示频率的事项，其周期自本承诺书生效之日起连续计算。",
        "客户意见反馈：客户应每个自然月至少 3 次（不同日期）履行本项，并向服务方提交反馈表。",
        "启动会议：服务方应于有效期内至少一次履行本项。",
    ]
    assert section(en, ". Recurring Duties") == [
        "Service open day: the Provider shall perform this duty at least once in each calendar quarter.",
        "Service supervision committee review: the service supervision committee shall perform this duty at least"
        " once every 3 months, by the close of the last working day of “Business hours” in each period, and shall"
        " issue the review minutes.",
        "For the duties of this letter stated as “every …”, periods run consecutively from the effective date.",
        "Customer feedback: the Customer shall perform this duty at least 3 times in each calendar month, on"
        " different dates, and shall deliver the feedback form to the Provider.",
        "Kick-off meeting: the Provider shall perform this duty at least once during the term.",
    ]


def test_the_periods_sentence_is_said_once():
    zh, en = texts(contract(CONTINUITY, GENERAL, REPORTING))
    assert sum("其周期自本承诺书生效之日起连续计算" in p for p in zh) == 1
    assert sum("periods run consecutively from the effective date" in p for p in en) == 1


def test_a_period_cut_by_the_term():
    # every 5 months from 1 January: the third period (1 November – 31 March) is cut on 31 December.
    cut_end = '  duty review "服务评审" | "Service review" every 5 months\n'
    zh, en = texts(contract(cut_end))
    assert (
        "服务评审：服务方应每 5 个月至少一次履行本项。有效期届满时不足一个完整周期的，该事项仍应于有效期届满前履行。"
        in zh
    )
    assert (
        "Service review: the Provider shall perform this duty at least once every 5 months. Where the term ends"
        " part-way through a period, the duty still falls due by the end of the term." in en
    )
    # A term from 15 February: its first calendar quarter is cut.
    head = HEAD.replace("effective  2026-01-01 to 2026-12-31", "effective  2026-02-15 to 2026-12-31")
    zh, en = texts(contract('  duty open_day "服务开放日" | "Service open day" 1 time per quarter\n', head=head))
    assert (
        "服务开放日：服务方应每个自然季度至少一次履行本项。有效期始于周期中途的，该事项在有效期内的该部分周期中仍应履行。"
        in zh
    )
    assert (
        "Service open day: the Provider shall perform this duty at least once in each calendar quarter. Where the"
        " term begins part-way through a period, the duty still falls due within the part of that period inside"
        " the term." in en
    )
    # No cut: no such sentence.
    zh, en = texts(contract(GENERAL.split("\n  duty kickoff")[0] + "\n"))
    assert not any("不足一个完整周期" in p or "周期中途" in p for p in zh)
    assert not any("part-way" in p for p in en)


def test_service_quality_targets_table():
    html = letter_html(contract(TARGETS))
    zh, en = said(html, "zh"), said(html, "en")
    z, e = section(zh, "、服务质量目标"), section(en, ". Service Quality Targets")
    assert z[0] == "服务方应在所列每一统计周期内达到下列服务质量目标。"
    assert e[0] == "The Provider shall meet each service quality target below in every period stated."
    rows = re.findall(r"<tr([^>]*)><td>(.*?)</tr>", html.split('class="targets"')[1].split("</table>")[0], re.S)
    cells = [[unescape(re.sub(r"<[^>]+>", " ", c)).split() for c in re.split(r"</td><td>", r[1])] for r in rows]
    flat = [" ".join(" ".join(c) for c in row) for row in cells]
    assert "净推荐值（NPS） Net Promoter Score (NPS)" in flat[0] and "不低于 75 at least 75" in flat[0]
    assert "自然季度 calendar quarter" in flat[0] and "每季度客户调研 a quarterly customer survey" in flat[0]
    assert (
        "投诉率 Complaint rate" in flat[1]
        and "不高于 0.5% at most 0.5%" in flat[1]
        and "自然月 calendar month" in flat[1]
    )
    assert "—" in flat[1]
    for head in ("目标", "要求", "统计周期", "衡量方法"):
        assert head in z
    for head in ("Target", "Required", "Measurement period", "Method of measurement"):
        assert head in e


def test_every_new_paragraph_is_traced_to_its_line():
    text = contract(CONTINUITY, SECURITY, REPORTING, GENERAL, TARGETS)
    html = letter_html(text)
    lines = text.splitlines()

    def line_of(fragment: str) -> int:
        return next(i for i, x in enumerate(lines, 1) if fragment in x)

    for fragment, said_zh in [
        ("duty failover_drill", "故障切换演练：服务方应"),
        ("duty pentest", "渗透测试：服务方应"),
        ("duty transparency", "年度透明度报告：服务方应"),
        ("duty supervision", "服务监督委员会评审："),
    ]:
        assert re.search(rf'data-line="{line_of(fragment)}">{re.escape(said_zh)}', html), fragment
    targets = html.split('class="targets"')[1].split("</table>")[0]
    assert f'<tr data-line="{line_of("target nps")}"><td><div lang="zh-CN" class="l-zh">净推荐值（NPS）' in targets
    assert f'<tr data-line="{line_of("target complaints")}">' in targets
    for fragment, said_zh in [
        ('continuity "', "服务方应以异地双活数据中心"),
        ('continuity "', "恢复时间目标（RTO）"),
        ('security "', "服务方应遵守"),
        ('security "', "服务方应对下列数据加密存储"),
    ]:
        assert re.search(rf'data-line="{line_of(fragment)}">{re.escape(said_zh)}', html), fragment


def test_the_word_letter_has_the_same_sections(tmp_path):
    import docx

    from slalang.letter import docx as letter_docx
    from slalang.letter.document import compose

    result = compile_text(contract(CONTINUITY, SECURITY, GENERAL, TARGETS), "duty-test.sla")
    assert result.contract is not None
    path = tmp_path / "duty-test.docx"
    path.write_bytes(letter_docx.render(compose(result.contract, "0" * 64), result.contract.effective_start))
    d = docx.Document(str(path))
    heads = [p.text for p in d.paragraphs if p.style.name == "Heading 1"]
    for h in (
        "容灾备机制",
        "Disaster recovery",
        "数据安全",
        "Data security",
        "定期履行事项",
        "Recurring Duties",
        "服务质量目标",
        "Service Quality Targets",
    ):
        assert any(x.endswith(h) for x in heads), (h, heads)
    body = [p.text for p in d.paragraphs]
    assert "故障切换演练：服务方应每月至少一次履行本项，并向客户提交演练报告。" in body
    cells = [c.text for t in d.tables for row in t.rows for c in row.cells]
    assert any("不低于 75" in c for c in cells) and any("at most 0.5%" in c for c in cells)
