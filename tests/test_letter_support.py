"""The letter says each support-policy construct of issue 11 in its own words,
in Chinese and in English (spec §3): plans in scope, plan and plan × window
columns (never described as regions), conditional rows, a table's own clock
start, strict limits, calendar days, regional calendars in their own time
zones, calendars in a time zone of their own, and update cadences by column.

Each test builds a small contract with the construct and reads the letter's
text per language."""

from __future__ import annotations

import re
import subprocess
import sys
from html import unescape
from pathlib import Path

import pytest
from conftest import ROOT

from slalang.build import BuildContext
from slalang.compiler import compile_text

HEAD = """
contract "support-test" version "1.0.0" {
  title      "支持政策" | "Support Policy"
  languages  zh, en
  prevailing zh
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

PRIORITIES = """
  priority P1 "紧急" | "Urgent" { "系统不可用" | "The system is down" }
  priority P2 "一般" | "Normal" { "其他问题" | "Other problems" }
"""


def contract(*parts: str) -> str:
    return HEAD + "".join(parts) + "}\n"


def letter_html(text: str, name: str = "support-test.sla") -> str:
    from slalang import letter

    result = compile_text(text, name)
    assert result.contract is not None, [d.message for d in result.diagnostics]
    ctx = BuildContext(name, result.source, result.contract, frozenset({"html"}), "interleaved")
    out = letter.produce(ctx)
    return out[f"{result.contract.id}.html"].decode("utf-8")


def said(html: str, lang: str) -> str:
    """Everything the letter says in one language, one piece per line."""
    html_lang = {"zh": "zh-CN", "en": "en"}[lang]
    pieces = [
        unescape(re.sub(r"<[^>]+>", "", m.group(2)))
        for m in re.finditer(rf'<(p|h2|h3|div|span) lang="{html_lang}"[^>]*>(.*?)</\1>', html, re.S)
    ]
    return "\n".join(pieces)


def texts(text: str) -> tuple[str, str]:
    html = letter_html(text)
    return said(html, "zh"), said(html, "en")


# ------------------------------------------------------------------ plans
PLANS = """
  scope {
    plan    standard "标准版" | "Standard"
    plan    premium  "高级版" | "Premium"
    service support  "技术支持" | "Technical support"
  }
"""

REGION_WORDS = ("地域", "地区", "region", "Region")


def test_plans_are_listed_in_scope_and_plan_columns_go_by_plan():
    zh, en = texts(
        contract(
            PLANS,
            OFFICE,
            PRIORITIES,
            """
  response "首次响应" | "First response" {
    clock   office
    columns standard, premium
    P1      2h        30m
    P2      1bd       4bh
  }
""",
        )
    )
    assert "服务按下列版本提供：标准版、高级版。" in zh
    assert "The services are offered on the following plans: Standard and Premium." in en
    # headers
    assert "\n标准版\n" in zh and "\n高级版\n" in zh
    assert "\nStandard plan\n" in en and "\nPremium plan\n" in en
    assert "适用的列按提出服务请求的客户所订购的服务版本确定。" in zh
    assert "The column is chosen by the plan of the customer making the request." in en
    # A plan is never described as a region.
    for word in REGION_WORDS:
        assert word not in zh and word not in en, word


def test_plan_by_window_columns_say_plan_then_time():
    zh, en = texts(
        contract(
            PLANS,
            OFFICE,
            PRIORITIES,
            """
  response "首次响应" | "First response" {
    clock   office
    columns standard.office, standard.off_hours, premium.any
    P1      1h               4h                  15m
    P2      4bh              1bd                 1h
  }
""",
        )
    )
    assert "\n标准版（工作时间）\n" in zh and "\n标准版（非服务时间）\n" in zh and "\n高级版（任何时间）\n" in zh
    assert "\nStandard plan (Business hours)\n" in en and "\nPremium plan (at any time)\n" in en
    assert (
        "适用的列按提出服务请求的客户所订购的服务版本及服务请求提交的时间确定："
        "标准版客户提出的服务请求，提交时处于“工作时间”内的，适用“标准版（工作时间）”列，"
        "处于上述服务时间以外的，适用“标准版（非服务时间）”列；"
        "高级版客户提出的服务请求，适用“高级版（任何时间）”列。"
    ) in zh
    assert (
        "The column is chosen by the plan of the customer making the request and by the time at which the request"
        " is submitted: requests from customers on the Standard plan fall in the column “Standard plan (Business"
        " hours)” when submitted within “Business hours” and in the column “Standard plan (outside service hours)”"
        " when submitted outside them; requests from customers on the Premium plan fall in the column “Premium plan"
        " (at any time)”."
    ) in en
    for word in REGION_WORDS:
        assert word not in zh and word not in en, word


def test_a_plan_title_ending_in_plan_is_not_doubled():
    from slalang.letter.wording import Wording

    en, zh = Wording("en"), Wording("zh")
    assert en.plan("Standard") == "Standard plan"
    assert en.plan("Gold Plan") == "Gold Plan"
    assert zh.plan("标准版") == "标准版"


# ------------------------------------------------------------------ conditions
FLAGS = """
  scope {
    service support "技术支持" | "Technical support"
    flag around_the_clock "客户要求 7×24 小时处理" | "24×7 handling requested by the Customer"
    flag onsite "客户要求现场处理" | "on-site handling requested by the Customer"
  }
"""


def test_a_conditional_row_is_its_own_row_with_its_condition():
    zh, en = texts(
        contract(
            FLAGS,
            OFFICE,
            PRIORITIES,
            """
  response "首次响应" | "First response" {
    clock   office
    columns any
    P1      2bh
    P1 when around_the_clock 1h
    P2      4bh
  }
""",
        )
    )
    assert "适用情形：客户要求 7×24 小时处理" in zh
    assert "Condition: 24×7 handling requested by the Customer" in en
    # The conditional row follows the plain row of its priority: 2 business hours, then 1 hour.
    assert en.index("2 business hours") < en.index("Condition: 24×7") < en.index("\n1 hour\n")
    assert "列明适用情形的行，适用于符合该情形的服务请求，取代同一优先级未列明适用情形的行。" in zh
    assert (
        "A row with a condition applies, instead of the row of the same priority without one,"
        " to requests that meet that condition."
    ) in en
    # One condition per priority: no rule about several.
    assert "列于最前" not in zh and "first of those rows" not in en
    # The definition of P1 is said once (in its plain row).
    assert en.count("The system is down") == 1


def test_several_conditions_of_one_priority_say_which_row_wins():
    zh, en = texts(
        contract(
            FLAGS,
            OFFICE,
            PRIORITIES,
            """
  response "首次响应" | "First response" {
    clock   office
    columns any
    P1      2bh
    P1 when around_the_clock 1h
    P1 when onsite 4h
    P2      4bh
  }
""",
        )
    )
    assert "适用情形：客户要求现场处理" in zh and "Condition: on-site handling requested by the Customer" in en
    assert en.index("Condition: 24×7") < en.index("Condition: on-site")
    assert "服务请求同时符合同一优先级多个适用情形的，适用表中列于最前的相应行。" in zh
    assert (
        "Where a request meets more than one condition of its priority, the first of those rows in the table applies."
    ) in en


# ------------------------------------------------------------------ clock start
def test_a_table_measured_from_its_own_start_says_so_for_that_table_only():
    zh, en = texts(
        contract(
            '  scope { service support "技术支持" | "Technical support" }\n',
            OFFICE,
            PRIORITIES,
            """
  response "首次响应" | "First response" {
    clock   office
    columns office, off_hours
    P1      30m     1h
    P2      4bh     1bd
  }
  resolution "解决" | "Resolution" {
    clock   office
    from    triaged_at "服务方确定严重级别之时" | "when the Provider sets the severity"
    columns office, off_hours
    P1      4h      8h
    P2      3bd     5bd
  }
""",
        )
    )
    assert "除表下另有说明外，时限自客户提交服务请求时起算。" in zh
    assert "Every limit runs from the moment the Customer submits the request, unless its table states otherwise." in en
    assert (
        "本表时限自服务方确定严重级别之时起算，而非自客户提交服务请求时起算。在此之前已处置完成的，视为在时限内。"
    ) in zh
    assert (
        "The limits in this table are measured from when the Provider sets the severity, not from the submission"
        " of the request. A request resolved before then is within the limit."
    ) in en
    # The column of the resolution table is chosen at its start; the response table's at submission.
    assert "适用的列按本表时限起算的时间确定：起算时处于某一服务时间内的，适用该列" in zh
    assert "适用的列按服务请求提交的时间确定" in zh
    assert "The column is chosen by the time from which the limits of this table are measured" in en
    assert en.count("measured from when the Provider sets the severity") == 1


# ------------------------------------------------------------------ strict
def test_strict_cells_say_less_than_and_plain_cells_do_not():
    zh, en = texts(
        contract(
            '  scope { service support "技术支持" | "Technical support" }\n',
            OFFICE,
            PRIORITIES,
            """
  response "首次响应" | "First response" {
    clock   office
    columns office, off_hours
    P1      <15m    30m
    P2      <4bh    1bd
  }
""",
        )
    )
    assert "\n少于 15 分钟\n" in zh and "\n少于 4 个工作小时\n" in zh
    assert "\nless than 15 minutes\n" in en and "\nless than 4 business hours\n" in en
    assert "\n30 分钟\n" in zh and "\n30 minutes\n" in en  # plain: no "less than"
    assert "少于 30" not in zh and "less than 30" not in en
    assert "以“少于”表示的时限，须在该时长届满之前完成方为达标；其他时限在届满之时完成亦为达标。" in zh
    assert (
        "A limit stated as “less than” a time is met only before that time has fully elapsed;"
        " any other limit is also met at the moment it elapses."
    ) in en
    assert "<15m" not in zh + en and "&lt;15m" not in zh + en


def test_without_strict_cells_no_strict_note():
    zh, en = texts(
        contract(
            '  scope { service support "技术支持" | "Technical support" }\n',
            OFFICE,
            PRIORITIES,
            """
  response "首次响应" | "First response" {
    clock   office
    columns any
    P1      30m
    P2      4bh
  }
""",
        )
    )
    assert "少于" not in zh and "less than" not in en


# ------------------------------------------------------------------ calendar days
def test_calendar_days_are_said_as_such_with_the_same_time_of_day():
    zh, en = texts(
        contract(
            '  scope { service support "技术支持" | "Technical support" }\n',
            PRIORITIES,
            """
  resolution "现场修复" | "On-site repair" {
    columns any
    P1      1d
    P2      4d12h
  }
""",
        )
    )
    assert "\n1 个自然日\n" in zh and "\n4 个自然日 12 小时\n" in zh
    assert "\n1 calendar day\n" in en and "\n4 calendar days and 12 hours\n" in en
    assert "以自然日表示的时限，于相应日数后的同一时刻届满；同时列有小时、分钟的，再加计相应时长。" in zh
    assert (
        "A limit stated in calendar days ends at the same time of day that number of days later;"
        " any hours or minutes stated with them are then added."
    ) in en


def test_whole_calendar_days_need_no_word_on_hours():
    zh, en = texts(
        contract(
            '  scope { service support "技术支持" | "Technical support" }\n',
            PRIORITIES,
            """
  resolution "现场修复" | "On-site repair" {
    columns any
    P1      1d
    P2      2d
  }
""",
        )
    )
    assert "以自然日表示的时限，于相应日数后的同一时刻届满。" in zh
    assert "A limit stated in calendar days ends at the same time of day that number of days later." in en
    assert "再加计" not in zh and "then added" not in en


# ------------------------------------------------------------------ regional calendars
REGIONAL = """
  scope {
    region  na      "北美地区" | "North America"
    region  emea    "欧洲、中东及非洲地区" | "Europe, the Middle East and Africa"
    region  apac    "亚太地区" | "Asia Pacific"
    service support "技术支持" | "Technical support"
  }
  calendar support "支持时间" | "Support hours" {
    region na   { timezone "America/New_York" hours mon..fri 08:00-18:00 holidays us }
    region emea { timezone "Europe/London"    hours mon..fri 09:00-17:30 holidays gb-eng }
    region apac { timezone "Asia/Shanghai"    hours mon..fri 09:00-18:00 holidays cn }
  }
"""


def test_a_regional_calendar_gives_each_region_its_hours_zone_and_holidays():
    zh, en = texts(
        contract(
            REGIONAL,
            PRIORITIES,
            """
  response "首次响应" | "First response" {
    clock   support
    columns support, off_hours
    P1      30m      1h
    P2      2bh      4bh
  }
""",
        )
    )
    assert "支持时间（北美地区）：北美东部时间（America/New_York）周一至周五 08:00–18:00；美国法定节假日不计入。" in zh
    assert (
        "Support hours (North America): Eastern Time (America/New_York), Monday to Friday, 08:00–18:00;"
        " excluding the public holidays of the United States."
    ) in en
    assert "支持时间（欧洲、中东及非洲地区）：英国时间（Europe/London）周一至周五 09:00–17:30" in zh
    assert "of the United Kingdom (GB-ENG)" in en
    # Every variant states its zone, the contract's own included.
    assert "支持时间（亚太地区）：北京时间（Asia/Shanghai）周一至周五 09:00–18:00；中国法定节假日不计入" in zh
    assert "“支持时间”按地域分别规定：每一服务请求适用所涉客户所在地域的服务时间。" in zh
    assert (
        "The service hours “Support hours” are set by region: each request is subject to those of the region"
        " of the Customer concerned."
    ) in en
    # The contract's time zone is not that of every service hour: said.
    assert "本承诺书所称时间均为北京时间（Asia/Shanghai），但注明其他时区的服务时间除外。" in zh
    assert (
        "All times in this letter are in China Time (Asia/Shanghai), except service hours stated in another time zone."
        in en
    )


def test_a_calendar_in_its_own_time_zone_states_it():
    zh, en = texts(
        contract(
            '  scope { service support "技术支持" | "Technical support" }\n',
            """
  calendar office "柏林办公时间" | "Berlin office hours" {
    timezone "Europe/Berlin"
    hours    mon..fri 09:00-17:00
    holidays de-by
  }
""",
            PRIORITIES,
            """
  response "首次响应" | "First response" {
    clock   office
    columns office, off_hours
    P1      30m     1h
    P2      4bh     1bd
  }
""",
        )
    )
    assert "柏林办公时间：中欧时间（Europe/Berlin）周一至周五 09:00–17:00；德国（DE-BY）法定节假日不计入。" in zh
    assert "Berlin office hours: Central European Time (Europe/Berlin), Monday to Friday, 09:00–17:00;" in en
    assert "但注明其他时区的服务时间除外" in zh and "except service hours stated in another time zone" in en


def test_a_calendar_in_the_contracts_zone_says_no_zone():
    zh, en = texts(
        contract(
            '  scope { service support "技术支持" | "Technical support" }\n',
            OFFICE,
            PRIORITIES,
            """
  response "首次响应" | "First response" {
    clock   office
    columns office, off_hours
    P1      30m     1h
    P2      4bh     1bd
  }
""",
        )
    )
    assert "工作时间：周一至周五 09:00–18:00" in zh
    assert "本承诺书所称时间均为北京时间（Asia/Shanghai）。" in zh
    assert "except service hours" not in en


# ------------------------------------------------------------------ updates
RESPONSE = """
  response "首次响应" | "First response" {
    clock   office
    columns office, off_hours
    P1      30m     1h
    P2      4bh     1bd
  }
"""


def test_updates_by_column_are_a_table_with_business_time_named():
    zh, en = texts(
        contract(
            '  scope { service support "技术支持" | "Technical support" }\n',
            OFFICE,
            PRIORITIES,
            RESPONSE,
            """
  updates "进度通报" | "Progress updates" {
    clock   office
    columns office, off_hours
    P1      30m     1h
    P2      2bh     -
  }
""",
        )
    )
    assert "进度通报：服务请求处置完成前，服务方按下表所列频率向客户通报处置进度。" in zh
    assert (
        "Progress updates: until a request is resolved, the Provider reports progress to the Customer"
        " at the intervals in the table below."
    ) in en
    assert "\n每 30 分钟一次\n" in zh and "\n每小时一次\n" in zh and "\n每 2 个工作小时一次\n" in zh
    assert "\nevery 30 minutes\n" in en and "\nevery hour\n" in en and "\nevery 2 business hours\n" in en
    assert "以工作小时、工作日表示的通报间隔仅在“工作时间”内计时。" in zh
    assert "Update intervals stated in business hours or business days run only during “Business hours”." in en
    assert "表中“—”表示该情形不作通报频率承诺。" in zh
    assert "A dash (—) means that no update interval is committed." in en
    # The columns are chosen as for the response: at submission.
    assert zh.count("适用的列按服务请求提交的时间确定") == 2


def test_updates_by_plan_column():
    zh, en = texts(
        contract(
            PLANS,
            OFFICE,
            PRIORITIES,
            """
  response "首次响应" | "First response" {
    clock   office
    columns standard, premium
    P1      2h        30m
    P2      1bd       4bh
  }
  updates "进度通报" | "Progress updates" {
    columns standard, premium
    P1      2h        1h
    P2      1d        4h
  }
""",
        )
    )
    assert "\n每 2 小时一次\n" in zh and "\n每个自然日一次\n" in zh
    assert "\nevery 2 hours\n" in en and "\nevery calendar day\n" in en
    assert "以自然日表示的期限，于相应日数后的同一时刻届满。" in zh
    assert "A time stated in calendar days ends at the same time of day that number of days later." in en
    for word in REGION_WORDS:
        assert word not in zh and word not in en, word


def test_updates_in_the_old_form_read_as_before():
    zh, en = texts(
        contract(
            '  scope { service support "技术支持" | "Technical support" }\n',
            OFFICE,
            PRIORITIES,
            RESPONSE,
            """
  updates "进度通报" | "Progress updates" {
    p1 every 30m
    p2 every 2h
  }
""".replace("p1", "P1").replace("p2", "P2"),
        )
    )
    assert (
        "进度通报：服务请求处置完成前，服务方按下列频率向客户通报处置进度：P1 级每 30 分钟一次、P2 级每 2 小时一次。"
        in zh
    )
    assert (
        "Progress updates: until a request is resolved, the Provider reports progress to the Customer"
        " every 30 minutes for P1 and every 2 hours for P2."
    ) in en


# ------------------------------------------------------------------ escaping
def test_plan_flag_and_start_titles_are_escaped():
    html = letter_html(
        contract(
            """
  scope {
    plan basic "<b>基础版</b>" | "<script>alert(1)</script>"
    flag rush "<img src=x>加急" | "<i>rush</i>"
  }
""",
            OFFICE,
            PRIORITIES,
            """
  response "首次响应" | "First response" {
    clock   office
    from    triaged_at "<u>定级</u>时" | "<em>triage</em>"
    columns basic
    P1      30m
    P1 when rush 15m
    P2      4bh
  }
""",
        )
    )
    body = html[html.index("<body") :]
    for raw in ("<script>", "<b>基础版", "<img src=x>", "<i>rush", "<u>定级", "<em>triage"):
        assert raw not in body, raw
    assert "&lt;script&gt;alert(1)&lt;/script&gt; plan" in body
    assert "&lt;em&gt;triage&lt;/em&gt;" in body


# ------------------------------------------------------------------ the corpus, through `slalang build`
SUPPORT = sorted((ROOT / "contracts" / "support").glob("*.sla"))


@pytest.mark.skipif(not SUPPORT, reason="no support-policy corpus")
def test_slalang_build_writes_the_support_letters(tmp_path: Path):
    run = subprocess.run(
        [sys.executable, "-m", "slalang", "build", "--only", "html", "-o", str(tmp_path), *map(str, SUPPORT)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert run.returncode == 0, run.stderr
    letters = sorted(tmp_path.glob("*.html"))
    assert len(letters) == len(SUPPORT)
    for path in letters:
        html = path.read_text("utf-8")
        zh, en = said(html, "zh"), said(html, "en")
        assert zh and en
        # No construct falls back to an internal name or an unrendered field.
        assert "{" not in zh + en, path.name
        if "plan" in path.name:
            assert "服务版本" in zh and " plan" in en
            assert "地域" not in zh and "region" not in en.lower(), path.name


def test_a_clause_quoting_a_calendar_day_target_says_calendar_days():
    zh, en = texts(
        contract(
            '  scope { service support "技术支持" | "Technical support" }\n',
            PRIORITIES,
            """
  resolution "现场修复" | "On-site repair" {
    columns any
    P1      1d
    P2      2d
  }
  clause repair "现场修复" | "On-site repair" {
    "P1 级故障在 {resolution.P1.any} 内修复。" | "P1 faults are repaired within {resolution.P1.any}."
  }
""",
        )
    )
    assert "P1 级故障在 1 个自然日内修复。" in zh
    assert "P1 faults are repaired within 1 calendar day." in en
