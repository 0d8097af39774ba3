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
    assert "适用的列按该服务请求所适用的服务版本确定。" in zh
    assert "The column is determined by the plan under which the request is made." in en
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
    assert "\n标准版（工作时间）\n" in zh and "\n标准版（非工作时间）\n" in zh and "\n高级版（任何时间）\n" in zh
    assert "\nStandard plan (Business hours)\n" in en and "\nPremium plan (at any time)\n" in en
    assert (
        "适用的列按该服务请求所适用的服务版本及服务请求提交的时间确定："
        "就标准版服务提出的服务请求，提交时处于“工作时间”内的，适用“标准版（工作时间）”列，"
        "处于上述服务时间以外的，适用“标准版（非工作时间）”列；"
        "就高级版服务提出的服务请求，适用“高级版（任何时间）”列。"
    ) in zh
    assert (
        "The column is determined by the plan under which the request is made and by the time at which the request"
        " is submitted: a request under the Standard plan falls in the column “Standard plan (Business"
        " hours)” when submitted within “Business hours” and in the column “Standard plan (outside working hours)”"
        " when submitted outside all the service hours above; a request under the Premium plan falls in the column"
        " “Premium plan (at any time)”."
    ) in en
    # Never "customers on" a plan: the plan is the request's.
    assert "客户所订购" not in zh and "customers on" not in en
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
    assert "除下文就某一时限表另有约定外，时限自客户提交服务请求时起算。" in zh
    assert (
        "Unless otherwise stated for a particular table below, each limit runs from the time the Customer submits"
        " the request."
    ) in en
    # The table with its own start is not defined "from the Customer's request" (item 2) …
    assert "“解决”时限，指自本表规定的起算时刻至服务恢复或问题解决所允许的最长时间。" in zh
    assert (
        "The “Resolution” limit is the longest time allowed from the time stated for this table until the service"
        " is restored or the problem is solved."
    ) in en
    assert "“解决”时限，指自客户提交服务请求" not in zh and "“Resolution” limit is the longest time from" not in en
    # … while the response table, measured from submission, still is.
    assert "“首次响应”时限，指自客户提交服务请求至服务方工程师确认受理并开始处置的最长时间。" in zh
    assert "The “First response” limit is the longest time from the Customer’s request until" in en
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
    # Plain cells of a table with strict cells read "within" (item 15).
    assert "\n30 分钟内\n" in zh and "\nwithin 30 minutes\n" in en
    assert "\n1 个工作日内\n" in zh and "\nwithin 1 business day\n" in en
    assert "少于 30" not in zh and "less than 30" not in en
    assert (
        "以“少于”表示的时限，须在该时长届满之前完成方为达标；于届满之时作出首次响应的，视为未达标。"
        "其他时限在届满之时完成亦为达标。"
    ) in zh
    assert (
        "A limit stated as “less than” a time is met only before that time has fully elapsed: a first response"
        " at the very moment it elapses misses the limit. Any other limit is also met at the moment it elapses."
    ) in en
    # No ladder: no word on credits (item 5).
    assert "计算单位" not in zh and "started step" not in en
    # A table with strict cells allows a time, not "the longest time" (item 4).
    assert "“首次响应”时限，指自客户提交服务请求至服务方工程师确认受理并开始处置所允许的时间。" in zh
    assert "The “First response” limit is the time allowed from the Customer’s request until" in en
    assert "最长时间" not in zh and "longest time" not in en
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
    # Without strict cells, plain cells stay bare and the definition says "the longest time".
    assert "\n30 分钟\n" in zh and "\n30 minutes\n" in en
    assert "分钟内" not in zh and "within 30" not in en
    assert "的最长时间" in zh and "the longest time" in en


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
    assert "\n1 个自然日\n" in zh and "\n4 个自然日又 12 小时\n" in zh
    assert "\n1 calendar day\n" in en and "\n4 calendar days and 12 hours\n" in en
    # Asia/Shanghai has no summer time: the zone is named, no word on clock changes (item 17).
    assert (
        "以“N 个自然日”表示的时限，于起算后第 N 日的同一时刻（北京时间）届满。同时列有小时、分钟的，再连续加计相应时长。"
    ) in zh
    assert (
        "A limit of N calendar days ends on the N-th day after it starts, at the same time of day (Beijing time)."
        " Any hours or minutes stated with the days are then added as elapsed time."
    ) in en
    assert "夏令时" not in zh and "clocks" not in en


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
    assert "以“N 个自然日”表示的时限，于起算后第 N 日的同一时刻（北京时间）届满。" in zh
    assert (
        "A limit of N calendar days ends on the N-th day after it starts, at the same time of day (Beijing time)." in en
    )
    assert "再连续加计" not in zh and "then added" not in en


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
    assert (
        "支持时间（北美地区）：美国东部时间（America/New_York；冬令时为 UTC−5，夏令时为 UTC−4）周一至周五 08:00–18:00；"
        "美国联邦法定节假日（含补休日）不计入。"
    ) in zh
    assert (
        "Support hours (North America): US Eastern Time (America/New_York: UTC−5, or UTC−4 while daylight saving"
        " time applies), Monday to Friday, 08:00–18:00; excluding United States federal public holidays"
        " (including the days on which they are observed)."
    ) in en
    assert (
        "支持时间（欧洲、中东及非洲地区）：英国时间（Europe/London；冬令时为 UTC，夏令时为 UTC+1）周一至周五 09:00–17:30；"
        "英格兰法定假日不计入。"
    ) in zh
    assert "UK time (Europe/London: UTC, or UTC+1 while summer time applies)" in en
    assert "excluding bank holidays in England." in en
    # Every variant states its zone, the contract's own included.
    assert "支持时间（亚太地区）：北京时间（Asia/Shanghai）周一至周五 09:00–18:00；中国法定节假日不计入" in zh
    assert "“支持时间”按地域分别规定：每一服务请求适用该服务请求所属地域的服务时间。" in zh
    assert (
        "The service hours “Support hours” are set by region: each request is subject to those of the region"
        " to which the request belongs."
    ) in en
    assert "所涉客户" not in zh and "Customer concerned" not in en
    # The contract's time zone is not that of every service hour: said.
    assert "本政策所称时间均为北京时间（Asia/Shanghai），但注明其他时区的服务时间除外。" in zh
    assert (
        "All times in this Policy are in Beijing time (Asia/Shanghai), except service hours stated in another time zone."
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
    assert (
        "柏林办公时间：德国时间（Europe/Berlin；冬令时为 UTC+1，夏令时为 UTC+2）周一至周五 09:00–17:00；"
        "德国巴伐利亚州法定节假日不计入。"
    ) in zh
    assert (
        "Berlin office hours: German time (Europe/Berlin: UTC+1, or UTC+2 while summer time applies), Monday to"
        " Friday, 09:00–17:00; excluding the public holidays of the Free State of Bavaria (Germany)."
    ) in en
    assert "中欧时间" not in zh and "Central European" not in en
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
    assert "本政策所称时间均为北京时间（Asia/Shanghai）。" in zh
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
    assert "进度通报：服务请求处置完成前，服务方应按下表所列频率向客户通报处置进度。" in zh
    assert (
        "Progress updates: until a request is resolved, the Provider shall report progress to the Customer"
        " at the intervals in the table below."
    ) in en
    assert "\n至少每 30 分钟一次\n" in zh and "\n至少每小时一次\n" in zh and "\n至少每 2 个工作小时一次\n" in zh
    assert "\nat least every 30 minutes\n" in en and "\nat least every hour\n" in en
    assert "\nat least every 2 business hours\n" in en
    assert "以工作小时、工作日表示的通报间隔仅在“工作时间”内计时。" in zh
    assert "Update intervals stated in business hours or business days run only during “Business hours”." in en
    assert "表中“—”表示该情形不作通报频率承诺。" in zh
    assert "A dash (—) means that no update interval is committed." in en
    # The columns are chosen as for the response: at submission, once (item 6).
    assert zh.count("适用的列按服务请求提交的时间确定") == 2
    assert "该列一经确定，在服务请求处置完成前不再变更。" in zh
    assert "Once determined, the column does not change until the request is resolved." in en


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
    assert "\n至少每 2 小时一次\n" in zh and "\n至少每个自然日一次\n" in zh
    assert "\nat least every 2 hours\n" in en and "\nat least every calendar day\n" in en
    assert "以“N 个自然日”表示的期限，于起算后第 N 日的同一时刻（北京时间）届满。" in zh
    assert (
        "A time of N calendar days ends on the N-th day after it starts, at the same time of day (Beijing time)." in en
    )
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
        "进度通报：服务请求处置完成前，服务方应按下列频率向客户通报处置进度："
        "P1 级至少每 30 分钟一次、P2 级至少每 2 小时一次。"
    ) in zh
    assert (
        "Progress updates: until a request is resolved, the Provider shall report progress to the Customer"
        " at least every 30 minutes for P1 and at least every 2 hours for P2."
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


def test_slalang_build_writes_the_support_letters(tmp_path: Path):
    assert len(SUPPORT) >= 8, "the support-policy corpus is missing"  # never a silent skip
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


# ------------------------------------------------------------------ legal review (letter11b)
SERVICE = '  scope { service support "技术支持" | "Technical support" }\n'

STRICT_RESPONSE = """
  response "首次响应" | "First response" {
    clock   office
    columns any
    P1      <1h
    P2      4bh
  }
"""


def test_strict_note_says_a_started_ladder_owes_one_step_at_the_very_moment():
    # Item 5: the engine owes ⌈0/S⌉ or 1 = one step for a strict limit missed at its due instant.
    zh, en = texts(
        contract(
            SERVICE,
            OFFICE,
            PRIORITIES,
            STRICT_RESPONSE,
            """
  credit late "响应超时补偿" | "Late response credit" on response {
    per started 30m late: 300.00 CNY
  }
  credits { rounding half_up to 0.01 per line }
""",
        )
    )
    assert (
        "以“少于”表示的时限，须在该时长届满之前完成方为达标；于届满之时作出首次响应的，视为未达标，"
        "在按“不足……的按……计”计算补偿时，按延迟一个计算单位计。其他时限在届满之时完成亦为达标。"
    ) in zh
    assert (
        "a first response at the very moment it elapses misses the limit, and counts as one started step of delay"
        " for a credit stated per period of delay or part thereof. Any other limit is also met at the moment it"
        " elapses."
    ) in en
    # Item 15: the plain cell of the strict table reads "within".
    assert "\n4 个工作小时内\n" in zh and "\nwithin 4 business hours\n" in en


def test_strict_note_says_no_step_for_a_full_ladder_or_another_metrics_ladder():
    zh, en = texts(
        contract(
            SERVICE,
            OFFICE,
            PRIORITIES,
            STRICT_RESPONSE,
            """
  resolution "解决" | "Resolution" {
    columns any
    P1      8h
    P2      3d
  }
  credit slow "响应超时补偿" | "Late response credit" on response {
    per full 1h late: 300.00 CNY
  }
  credit late "解决超时补偿" | "Late resolution credit" on resolution {
    per started 1h late: 300.00 CNY
  }
  credits { rounding half_up to 0.01 per line }
""",
        )
    )
    assert "于届满之时作出首次响应的，视为未达标。其他时限" in zh
    assert "a first response at the very moment it elapses misses the limit. Any other limit" in en
    assert "计算单位" not in zh and "started step" not in en


def test_delay_for_step_credits_is_counted_in_elapsed_time():
    # Item 10: late = event − due in wall seconds, whatever the target's clock.
    zh, en = texts(
        contract(
            SERVICE,
            OFFICE,
            PRIORITIES,
            RESPONSE,
            """
  credit late "响应超时补偿" | "Late response credit" on response {
    per started 30m late: 300.00 CNY
  }
  credits { rounding half_up to 0.01 per line }
""",
        )
    )
    assert zh.count("延迟时长自承诺时限届满时起按自然时间连续计算，非工作时间及节假日一并计入。") == 1
    assert (
        en.count(
            "Delay is counted continuously from the end of the limit, including time outside business hours and holidays."
        )
        == 1
    )
    # Without a step ladder there is no delay to count.
    zh, en = texts(contract(SERVICE, OFFICE, PRIORITIES, RESPONSE))
    assert "延迟时长自" not in zh and "Delay is counted" not in en


UPDATES_OLD = """
  updates "进度通报" | "Progress updates" {
    P1 every 30m
  }
"""


def test_updates_say_when_the_cadence_runs_and_the_heading_promises_no_followup():
    # Item 6: from the first response to resolution, each update within the interval after the
    # previous one (the next after a miss: the missed deadline plus the interval).
    zh, en = texts(contract(SERVICE, OFFICE, PRIORITIES, RESPONSE, UPDATES_OLD))
    assert (
        "进度通报自服务方首次响应时起，至服务请求处置完成时止：每次通报须于前一次通报后（第一次通报须于首次响应后）"
        "所列间隔内作出；某次通报未按时作出的，下一次通报须于该次通报应作出之时后所列间隔内作出。"
    ) in zh
    assert (
        "Progress updates run from the Provider’s first response until the request is resolved: each update is due"
        " no later than the stated interval after the previous update (the first, after the first response); where"
        " an update is not made when due, the next one is due no later than the stated interval after the time at"
        " which the missed one was due."
    ) in en
    assert "、进度通报\n" in zh and ". Progress Updates\n" in en
    assert "回访" not in zh and "Follow-up" not in en
    # With a follow-up, the heading names both.
    followup = '  followup "满意度回访" | "Satisfaction follow-up" within 1h after resolution\n'
    zh, en = texts(contract(SERVICE, OFFICE, PRIORITIES, RESPONSE, UPDATES_OLD, followup))
    assert "、进度通报与回访\n" in zh and ". Progress Updates and Follow-up\n" in en
    # A follow-up alone.
    zh, en = texts(contract(SERVICE, OFFICE, PRIORITIES, RESPONSE, followup))
    assert "、回访\n" in zh and ". Follow-up\n" in en
    assert "进度通报" not in zh and "Progress" not in en


def test_holiday_sets_are_named_as_themselves():
    # Item 7: the holidays package's GB subdivisions are ENG, NIR, SCT, WLS: `gb-eng` is England alone.
    import holidays

    assert "ENG" in holidays.UK.subdivisions and "WLS" in holidays.UK.subdivisions
    from slalang.letter.wording import Wording

    zh, en = Wording("zh"), Wording("en")
    assert zh.holiday_set("gb-eng") == "英格兰法定假日" and en.holiday_set("gb-eng") == "bank holidays in England"
    assert zh.holiday_set("us-ca") == "美国加利福尼亚州法定节假日"
    assert en.holiday_set("us-ca") == "the public holidays of the State of California (United States)"
    assert zh.holiday_set("de-by") == "德国巴伐利亚州法定节假日"
    assert en.holiday_set("de-by") == "the public holidays of the Free State of Bavaria (Germany)"
    assert zh.holiday_set("us") == "美国联邦法定节假日（含补休日）"
    assert (
        en.holiday_set("us") == "United States federal public holidays (including the days on which they are observed)"
    )
    assert zh.holiday_set("cn") == "中国法定节假日" and en.holiday_set("cn") == "the public holidays of China"
    # A subdivision without a name of ours: the package's English name, else the code.
    assert en.holiday_set("de-he") == "the public holidays of Hessen (Germany)"
    assert zh.holiday_set("de-he") == "德国（DE-HE）法定节假日"


def test_the_days_each_holiday_set_takes_off_are_listed_for_the_term():
    # Item 7: the dates the rule file uses (origin = the set), within the term, by year.
    from slalang import holidaysets

    zh, en = texts(contract(SERVICE, OFFICE, PRIORITIES, RESPONSE))
    assert (
        "“工作时间”不计入的中国法定节假日为：2026年1月1日至3日、2月15日至23日、4月4日至6日、5月1日至5日、"
        "6月19日至21日、9月25日至27日、10月1日至7日；2026年调休上班日为1月4日、2月14日、2月28日、5月9日、"
        "9月20日、10月10日。"
    ) in zh
    assert (
        "Dates of the public holidays of China excluded from “Business hours”: 2026: 1–3 Jan, 15–23 Feb, 4–6 Apr,"
        " 1–5 May, 19–21 Jun, 25–27 Sept, 1–7 Oct; official make-up working days in 2026: 4 Jan, 14 Feb, 28 Feb,"
        " 9 May, 20 Sept, 10 Oct."
    ) in en
    # Exactly the rule file's days of the set in the term.
    result = compile_text(contract(SERVICE, OFFICE, PRIORITIES, RESPONSE), "support-test.sla")
    assert result.contract is not None
    cal = result.contract.calendar("office")
    days = holidaysets.calendar_days(cal, range(2026, 2027))
    assert {d for d, x in days.holidays.items() if x.origin == "cn"} >= {
        d for d in days.holidays if d.month == 10 and d.day <= 7
    }
    assert "2027" not in zh.split("不计入的中国法定节假日为")[1].split("\n")[0]


def test_regional_holiday_dates_and_clock_name_the_requests_region():
    # Items 7 and 8.
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
    assert "“支持时间（欧洲、中东及非洲地区）”不计入的英格兰法定假日为：2026年1月1日、4月3日、4月6日、5月4日" in zh
    assert (
        "Dates of bank holidays in England excluded from “Support hours (Europe, the Middle East and Africa)”: 2026: 1 Jan, 3 Apr, 6 Apr, 4 May"
        in en
    )
    assert (
        "Dates of United States federal public holidays (including the days on which they are observed) excluded from “Support hours (North America)”: 2026: 1 Jan, 19 Jan,"
        in en
    )
    assert "以工作小时、工作日表示的时限仅在该服务请求所属地域的“支持时间”内计时；其他时限按自然时间连续计时。" in zh
    assert (
        "Limits stated in business hours or business days run only during the “Support hours” of the region to"
        " which the request belongs; all other limits run continuously."
    ) in en
    assert "提交时处于该服务请求所属地域的某一服务时间内的，适用该列" in zh
    assert (
        "a request submitted within a set of service hours of the region to which it belongs falls in that column" in en
    )


DST_HEAD = HEAD.replace('timezone   "Asia/Shanghai"', 'timezone   "Europe/Berlin"')


def test_a_contract_zone_with_summer_time_states_both_offsets_and_the_calendar_day_rule():
    # Items 13 and 17.
    html = letter_html(
        DST_HEAD
        + SERVICE
        + PRIORITIES
        + """
  resolution "现场修复" | "On-site repair" {
    columns any
    P1      1d
    P2      4d12h
  }
}
"""
    )
    zh, en = said(html, "zh"), said(html, "en")
    assert "本政策所称时间均为德国时间（Europe/Berlin；冬令时为 UTC+1，夏令时为 UTC+2）。" in zh
    assert (
        "All times in this Policy are in German time (Europe/Berlin: UTC+1, or UTC+2 while summer time applies)." in en
    )
    assert (
        "以“N 个自然日”表示的时限，于起算后第 N 日的同一时刻（德国时间）届满，其间夏令时调整不影响届满时刻；"
        "该时刻因夏令时调整而不存在的，顺延至调整后的对应时刻，出现两次的，以先出现者为准。"
        "同时列有小时、分钟的，再连续加计相应时长。"
    ) in zh
    assert (
        "A limit of N calendar days ends on the N-th day after it starts, at the same time of day (German time);"
        " a change of the clocks in between does not move that time. Where that time does not exist on that day"
        " because the clocks go forward, the limit ends at the corresponding time after the change; where it occurs"
        " twice, at its first occurrence. Any hours or minutes stated with the days are then added as elapsed time."
    ) in en


def test_zone_offsets_come_from_zoneinfo_for_the_term():
    import datetime as dt

    from slalang.letter.wording import zone_offsets

    start, end = dt.date(2026, 1, 1), dt.date(2026, 12, 31)
    assert zone_offsets("Asia/Shanghai", start, end) is None
    assert zone_offsets("America/New_York", start, end) == (dt.timedelta(hours=-5), dt.timedelta(hours=-4))
    # A term inside the winter has one offset: no summer time to speak of.
    assert zone_offsets("Europe/Berlin", dt.date(2026, 11, 1), dt.date(2027, 2, 28)) is None


PAUSES = '  pauses "服务方等待客户提供信息的期间" | "periods in which the Provider is waiting for information from the Customer"\n'


def test_stated_pauses_stop_the_limits_and_update_intervals():
    # `pauses "…"` (docs/language.md: the letter states it): the engine pushes each due time by the
    # pause; a pause that begins after the due time changes nothing (the delay runs on).
    zh, en = texts(contract(SERVICE, OFFICE, PRIORITIES, RESPONSE, UPDATES_OLD, PAUSES))
    assert (
        "服务方等待客户提供信息的期间，不计入“首次响应”时限和“进度通报”的通报间隔：该期间内停止计时，该期间结束后继续计时；"
        "时限届满后开始的此类期间，不影响延迟时长的计算。"
    ) in zh
    assert (
        "Periods in which the Provider is waiting for information from the Customer do not count towards the"
        " “First response” limit and the intervals of “Progress updates”: these stop running during such a period"
        " and resume when it"
        " ends; such a period that begins after a limit has expired does not interrupt the delay."
    ) in en
    # Without a `pauses` statement the engine deducts no pause: the letter says nothing of one.
    zh, en = texts(contract(SERVICE, OFFICE, PRIORITIES, RESPONSE, UPDATES_OLD))
    assert "停止计时" not in zh and "stop running" not in en
