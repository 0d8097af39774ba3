"""The letter's HTML: golden files per example contract and layout, the
wording in each language (Babel formats, catalogue completeness), `lang` on
every piece of text, and hostile contract text rendered as literal text.

Regenerate the golden files with SLALANG_REGEN=1 and review `git diff`."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import CONTRACTS, ROOT, golden

from slalang.build import BuildContext
from slalang.compiler import compile_file, compile_text
from slalang.errors import BuildError
from slalang.model import CalendarSpan, Duration, Money

GOLDEN = ROOT / "tests" / "golden" / "letter"
HOSTILE = ROOT / "tests" / "letter" / "hostile.sla"


def build_html(path: Path, layout: str = "interleaved", text: str | None = None) -> str:
    from slalang import letter

    result = compile_file(str(path)) if text is None else compile_text(text, str(path))
    assert result.contract is not None, [d.message for d in result.diagnostics]
    ctx = BuildContext(str(path), result.source, result.contract, frozenset({"html"}), layout)
    out = letter.produce(ctx)
    assert set(out) == {f"{result.contract.id}.html"}
    return out[f"{result.contract.id}.html"].decode("utf-8")


@pytest.mark.parametrize("path", CONTRACTS, ids=lambda p: p.stem)
def test_golden_interleaved(path):
    golden(GOLDEN / f"{path.stem}.html", build_html(path))


def test_golden_side_by_side():
    path = ROOT / "contracts" / "itops.sla"
    golden(GOLDEN / "itops.side-by-side.html", build_html(path, "side-by-side"))


def test_layouts_differ_only_in_body_class():
    path = ROOT / "contracts" / "itops.sla"
    a, b = build_html(path), build_html(path, "side-by-side")
    assert '<body class="layout-interleaved">' in a and '<body class="layout-side-by-side">' in b
    assert a.replace("layout-interleaved", "layout-side-by-side") == b


class _LangWalker(HTMLParser):
    """Collects every piece of body text with the `lang` in force inside <body>."""

    VOID = {"br", "hr", "img", "meta", "link", "col", "input"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, str | None]] = []
        self.in_body = False
        self.texts: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag, attrs):
        if tag == "body":
            self.in_body = True
        if tag in self.VOID:
            return
        self.stack.append((tag, dict(attrs).get("lang")))

    def handle_endtag(self, tag):
        if tag in self.VOID:
            return
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data):
        if self.in_body and data.strip():
            body = [lang for tag, lang in self.stack if tag not in ("html",)]
            self.texts.append((data.strip(), next((lang for lang in reversed(body) if lang), None)))


@pytest.mark.parametrize("path", CONTRACTS, ids=lambda p: p.stem)
def test_every_text_carries_a_lang(path):
    walker = _LangWalker()
    walker.feed(build_html(path))
    words = [(t, lang) for t, lang in walker.texts if re.search(r"\w", t)]
    assert words, "no text found"
    missing = [t for t, lang in words if lang is None]
    assert not missing, f"text without a lang attribute: {missing[:5]}"
    # Chinese characters only ever appear under lang="zh-CN".
    wrong = [(t, lang) for t, lang in words if re.search(r"[\u4e00-\u9fff]", t) and lang != "zh-CN"]
    assert not wrong, wrong[:5]
    assert {lang for _, lang in words} == {"zh-CN", "en"}


def paragraphs(html: str, lang: str) -> list[str]:
    from html import unescape

    return [
        unescape(re.sub(r"<[^>]+>", "", m.group(2)))
        for m in re.finditer(rf'<(p|h2|h3|div|td|span) lang="{lang}"[^>]*>(.*?)</\1>', html)
    ]


def test_interleaved_order_follows_declared_languages():
    """Each Chinese paragraph is followed by its English one; swapping the
    declared order swaps them."""
    path = ROOT / "contracts" / "itops.sla"
    html = build_html(path)
    pairs = re.findall(
        r'<div class="bi[^"]*">\s*<(?:p|h2|h3) lang="([^"]+)"[^>]*>.*?</(?:p|h2|h3)>\s*'
        r'<(?:p|h2|h3) lang="([^"]+)"',
        html,
        re.S,
    )
    assert len(pairs) > 40
    assert set(pairs) == {("zh-CN", "en")}
    swapped = (
        path.read_text(encoding="utf-8")
        .replace("languages  zh, en", "languages  en, zh")
        .replace(
            '"服务响应时间承诺书" | "Service Response Time Commitment"',
            '"Service Response Time Commitment" | "服务响应时间承诺书"',
        )
    )
    # Texts are written in `languages` order: swap every `"zh" | "en"` pair.
    swapped = re.sub(
        r'("(?:[^"\\\n]|\\.)*")(\s*)\|(\s*)("(?:[^"\\\n]|\\.)*")',
        lambda m: (
            m.group(4) + m.group(2) + "|" + m.group(3) + m.group(1)
            if re.search(r"[\u4e00-\u9fff]", m.group(1))
            else m.group(0)
        ),
        swapped,
    )
    html2 = build_html(path, text=swapped)
    pairs2 = re.findall(
        r'<div class="bi[^"]*">\s*<(?:p|h2|h3) lang="([^"]+)"[^>]*>.*?</(?:p|h2|h3)>\s*'
        r'<(?:p|h2|h3) lang="([^"]+)"',
        html2,
        re.S,
    )
    assert set(pairs2) == {("en", "zh-CN")}
    assert '<html lang="en">' in html2


def test_every_section_of_the_letter_is_there():
    html = build_html(ROOT / "contracts" / "itops.sla")
    zh = [re.sub(r"^[一二三四五六七八九十]+、", "", t) for t in paragraphs(html, "zh-CN") if "、" in t[:4]]
    for heading in (
        "服务主体声明",
        "服务范围",
        "服务时间",
        "时效承诺",
        "进度通报与回访",
        "服务可用性",
        "预警分级",
        "服务补偿",
        "免责情形",
        "报告、记录与审计",
        "法律适用与争议解决",
        "其他约定",
        "文本与语言",
        "结语",
    ):
        assert heading in zh, heading
    assert (
        html.index("服务主体声明")
        < html.index("时效承诺")
        < html.index("服务补偿")
        < html.index("结语")
        < html.index('<table class="signatures">')
    )
    for needle in (
        "服务方",
        "Provider",
        "客户",
        "Customer",
        "授权代表（签字）",
        "姓名",
        "Name",
        "职务",
        "Title",
        "日期",
        "Date",
        "盖章",
        "Company seal",
    ):
        assert needle in html


def test_free_clause_values_are_filled_in_per_language():
    html = build_html(ROOT / "contracts" / "itops.sla")
    assert "P0 级故障须在 15 分钟内响应，并每 30 分钟通报一次进度。" in paragraphs(html, "zh-CN")
    assert "P0 incidents are answered within 15 minutes and updated every 30 minutes." in paragraphs(html, "en")
    assert "{response" not in html


def test_matrix_cells_in_both_languages():
    html = build_html(ROOT / "contracts" / "itops.sla")
    zh, en = paragraphs(html, "zh-CN"), paragraphs(html, "en")
    for z, e in (
        ("15 分钟", "15 minutes"),
        ("4 小时", "4 hours"),
        ("2 个工作小时", "2 business hours"),
        ("1 个工作日", "1 business day"),
        ("3 个工作日", "3 business days"),
        ("5 个工作日", "5 business days"),
    ):
        assert z in zh and e in en, (z, e)


# ------------------------------------------------------------------ wording
@pytest.fixture(scope="module")
def words():
    from slalang.letter.wording import Wording

    return Wording("zh"), Wording("en")


def dur(spelling: str) -> Duration:
    from slalang.terms import BUSINESS_UNITS, duration_parts

    business = any(u in BUSINESS_UNITS for _, u in duration_parts(spelling))
    return Duration(spelling=spelling, clock="business" if business else "wall", seconds=0)


@pytest.mark.parametrize(
    "spelling,zh,en",
    [
        ("15m", "15 分钟", "15 minutes"),
        ("1h", "1 小时", "1 hour"),
        ("72h", "72 小时", "72 hours"),
        ("60d", "60 天", "60 days"),
        ("2bd", "2 个工作日", "2 business days"),
        ("1bd", "1 个工作日", "1 business day"),
        ("4bh", "4 个工作小时", "4 business hours"),
        ("1bd4bh", "1 个工作日 4 个工作小时", "1 business day and 4 business hours"),
        ("1h30m", "1 小时 30 分钟", "1 hour and 30 minutes"),
    ],
)
def test_durations(words, spelling, zh, en):
    assert (words[0].duration(dur(spelling)), words[1].duration(dur(spelling))) == (zh, en)


def test_dates_money_percent_spans(words):
    zh, en = words
    assert (zh.date(dt.date(2026, 1, 1)), en.date(dt.date(2026, 1, 1))) == ("2026年1月1日", "1 January 2026")
    fee = Money(amount=Decimal("120000.00"), currency="CNY")
    assert zh.money(fee) == "人民币 120,000.00 元"
    assert en.money(fee) == "CNY\u00a0120,000.00"
    assert zh.percent(Decimal("99.95")) == en.percent(Decimal("99.95")) == "99.95%"
    assert zh.percent(Decimal("99.0")) == "99.0%"  # the digits the contract wrote
    assert (zh.span(CalendarSpan(count=6, unit="month")), en.span(CalendarSpan(count=6, unit="month"))) == (
        "6 个月",
        "6 months",
    )
    assert (zh.every(dur("30m")), en.every(dur("30m"))) == ("每 30 分钟", "every 30 minutes")
    assert (zh.every(dur("1h")), en.every(dur("1h"))) == ("每小时", "every hour")
    assert en.per(dur("1h")) == "hour" and zh.per(dur("1h")) == "1 小时"


def test_chinese_spacing_where_latin_meets_han(words):
    zh, en = words
    assert zh.say("updates.rule", priority="P0", every=zh.every(dur("30m"))) == "P0 级至少每 30 分钟一次"
    assert zh.say("updates.followup", title="回访", within=dur("1h")).startswith(
        "回访："
    ) and "在 1 小时内回访" in zh.say("updates.followup", title="回访", within=dur("1h"))
    # dates keep their own form, unspaced
    assert "自2026年1月1日起" in zh.say(
        "declaration.intro", provider="甲", customer="乙", start=dt.date(2026, 1, 1), end=dt.date(2026, 12, 31)
    )
    # English is left alone
    assert en.say("updates.rule", priority="P0", every="every hour") == "at least every hour for P0"


def test_catalogues_have_the_same_messages():
    import yaml

    def keys(node, prefix=""):
        if isinstance(node, dict):
            out = set()
            for k, v in node.items():
                out |= keys(v, f"{prefix}{k}.")
            return out
        return {prefix.rstrip(".")}

    cats = {
        lang: yaml.safe_load((ROOT / "templates" / "messages" / lang / "letter.yaml").read_text("utf-8"))
        for lang in ("zh", "en")
    }
    # plural forms and language-specific switches may differ; every message must exist in both
    optional = re.compile(
        r"^(units\.(bd|bh|cd)\.(one|few|many|two|zero)|units\.drop_one|list_separator|space_latin|timezone_names\..+)$"
    )
    zh, en = ({k for k in keys(c) if not optional.match(k)} for c in cats.values())
    assert zh == en, zh ^ en


def test_unknown_message_key_is_a_clear_error(words):
    from slalang.letter.wording import CatalogueError

    with pytest.raises(CatalogueError, match="no.such.key"):
        words[0].say("no.such.key")


def test_template_is_strict(monkeypatch):
    """An undefined name in the template is an error, not an empty string."""
    import jinja2

    from slalang.letter import html as letter_html

    env = letter_html.environment()
    assert env.undefined is jinja2.StrictUndefined and env.autoescape is True
    with pytest.raises(jinja2.UndefinedError):
        env.from_string("{{ nothing_here }}").render()


# ------------------------------------------------------------------ hostile text
def test_hostile_contract_renders_as_literal_text():
    text = HOSTILE.read_text(encoding="utf-8").replace("__PORT__", "8000")
    html = build_html(HOSTILE, text=text)
    body = html.split("</style>", 1)[1]  # our own stylesheet is the only <style>
    for tag in ("<script", "<img", "<link", "<iframe", "<object", "<svg", "<style", "<a ", "<b>云主机"):
        assert tag not in body, tag
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "&lt;img src=&#34;file:///etc/passwd&#34;&gt;" in body
    assert "@import url(http://127.0.0.1:8000/clause.css);" in body  # as text, inside the body
    assert html.count("<style>") == 1 and "@import" not in html.split("</style>", 1)[0]
    assert "url(" not in html.split("</style>", 1)[0]  # the stylesheet references nothing


def test_html_alone_does_not_need_the_rules_backend(tmp_path):
    """--only html builds nothing else and never touches WeasyPrint."""
    import subprocess
    import sys

    code = (
        "import sys; from slalang.cli import main; rc = main(['build', sys.argv[1], '-o', sys.argv[2], "
        "'--only', 'html']); assert 'weasyprint' not in sys.modules; sys.exit(rc)"
    )
    run = subprocess.run(
        [sys.executable, "-c", code, str(ROOT / "contracts" / "itops.sla"), str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert run.returncode == 0, run.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["example-itops.html"]


# ------------------------------------------------------------------ other shapes of contract
MINIMAL = (ROOT / "tests" / "good_minimal.sla").read_text(encoding="utf-8")


def _only_english(text: str) -> str:
    text = re.sub(r'"([^"]*)"\s*\|\s*"([^"]*)"', r'"\2"', text)
    return text.replace("languages  zh, en\n  prevailing zh", "languages  en")


def test_a_single_language_letter():
    html = build_html(Path("en.sla"), text=_only_english(MINIMAL))
    assert '<html lang="en">' in html and 'lang="zh-CN"' not in html
    assert "This letter is made in English." in paragraphs(html, "en")
    assert not re.search(r"[\u4e00-\u9fff]", html.split("</style>", 1)[1])


def test_money_ladders_quarterly_cap_and_other_clauses():
    text = (
        MINIMAL.replace("  credits { rounding half_up to 0.01 per line }\n", "")
        .replace("per started 30m late: 5% of monthly_fee\n    cap 30%", "per full 1h late: 500 CNY\n    cap 2000 CNY")
        .replace(
            "  reporting {",
            """  exclusions {
    maintenance notice 48h
    exclude vendor "第三方供应商故障" | "failures of third-party vendors"
  }
  disputes {
    seat "上海" | "Shanghai"
  }
  credits {
    cap 50% of monthly_fee per quarter
    rounding down to 1 per total
  }
  reporting {""",
        )
    )
    html = build_html(Path("money.sla"), text=text)
    zh, en = paragraphs(html, "zh-CN"), paragraphs(html, "en")
    assert (
        "未在“首次响应”时限内作出首次响应的，每足额延迟 1 小时补偿人民币 500.00 元，不足 1 小时的部分不予补偿。" in zh
    )
    assert (
        "If the “First response” limit is missed, the credit is CNY\u00a0500.00 for each full hour of delay; "
        "time left over earns no credit." in en
    )
    # the ladder table: steps of人民币 500 元up to the人民币 2,000 元cap, then capped
    assert ["达到 1 小时，不足 2 小时", "人民币 500.00 元", "达到 2 小时，不足 3 小时", "人民币 1,000.00 元"] == [
        t
        for t in zh
        if t in ("达到 1 小时，不足 2 小时", "人民币 500.00 元", "达到 2 小时，不足 3 小时", "人民币 1,000.00 元")
    ][:4]
    assert "达到 4 小时及以上" in zh and "4 hours or more" in en and "人民币 2,000.00 元" in zh
    assert "同一产品每一自然季度的全部补偿合计不超过当季服务费的 50%。" in zh
    assert (
        "The credits for one product in any calendar quarter are added together unrounded, "
        "and their total is rounded once to CNY\u00a01.00 (rounded down)." in en
    )
    assert "计划维护，但须至少提前 48 小时通知客户；" in zh
    assert "Failures of third-party vendors." in en
    assert any("由上海有管辖权的机构解决" in t for t in zh)


def test_unknown_layout_is_refused():
    result = compile_file(str(ROOT / "contracts" / "itops.sla"))
    from slalang import letter

    ctx = BuildContext("x", result.source, result.contract, frozenset({"html"}), "three-columns")
    with pytest.raises(BuildError, match="layout"):
        letter.produce(ctx)


# ------------------------------------------------------------------ issue 10: availability SLAs in words
LETTER10 = ROOT / "tests" / "letter"
SAYS10 = LETTER10 / "issue10.yaml"


def issue10_cases() -> list[tuple[str, str, dict]]:
    import yaml

    said = yaml.safe_load(SAYS10.read_text(encoding="utf-8"))
    return [(name, construct, texts) for name, cases in said.items() for construct, texts in cases.items()]


def _texts(html: str, lang: str) -> str:
    """Every piece of text in one language, joined (a sentence may span a caption or a cell)."""
    return "\n".join(paragraphs(html, lang))


@pytest.mark.parametrize("name", ["availability.sla", "availability_alt.sla"])
def test_golden_issue10_contracts(name):
    golden(GOLDEN / name.replace(".sla", ".html"), build_html(LETTER10 / name))


@pytest.mark.parametrize(
    "name,construct,texts",
    [c for c in issue10_cases() if c[1] != "absent"],
    ids=lambda x: x if isinstance(x, str) else "",
)
def test_issue10_construct_in_both_languages(name, construct, texts):
    html = build_html(LETTER10 / name)
    assert texts["zh"] in _texts(html, "zh-CN"), construct
    assert texts["en"] in _texts(html, "en"), construct


@pytest.mark.parametrize("name", ["availability.sla", "availability_alt.sla"])
def test_issue10_absent_constructs_say_nothing(name):
    """What a contract does not state, its letter does not say: the other
    variant's constructs are missing from each."""
    import yaml

    absent = yaml.safe_load(SAYS10.read_text(encoding="utf-8"))[name]["absent"]
    html = build_html(LETTER10 / name).split("</style>", 1)[1]
    from html import unescape

    text = unescape(re.sub(r"<[^>]+>", "", html))
    assert [a for a in absent if a in text] == []


def test_plain_targets_and_policy_say_only_what_is_stated():
    """itops: whole months, plain targets, fee-based ladders, no combine or proration line."""
    html = build_html(ROOT / "contracts" / "itops.sla")
    body = html.split("</style>", 1)[1]
    for absent in (
        "分别计量",
        "measured separately",
        "按分钟计",
        "counted to the second",
        "有效服务时长",
        "仅部分处于本承诺书有效期内",
        "only partly within the term",
        "适用多项可用性补偿",
        "more than one availability credit item",
        "实际计收费用",
        "当季服务费",
        "不低于 ¥",
        "代金券",
        "个工作日起",
    ):
        assert absent not in body, absent
    assert "适用产品：云主机" in body and "Applies to: Object Storage" in body


def test_no_rounding_sentence_without_a_rounding_rule():
    text = re.sub(r"  credit late .*?\n  }\n  credit avail .*?\n  }\n", "", MINIMAL, flags=re.S).replace(
        "  credits { rounding half_up to 0.01 per line }", "  credits { form refund }"
    )
    html = build_html(Path("noround.sla"), text=text)
    zh, en = _texts(html, "zh-CN"), _texts(html, "en")
    assert "补偿以退还已付服务费的形式提供。" in zh and "Credits shall be given as a refund of fees paid." in en
    for absent in ("舍入", "round", "上限", "cap", "申请", "claim"):
        assert absent not in zh + en, absent


def test_ticket_ladder_scope_minimum_policy_restriction_and_claim_spans():
    text = (
        MINIMAL.replace("on response {", "on response of hosting {")
        .replace("    cap 30%\n", "    minimum 100 CNY\n    cap 30%\n")
        .replace("availability hosting 99.9% per month", "availability hosting 99.9% per month {\n    per pod\n  }")
        .replace("below 99.9%: 10% of monthly_fee\n    below 99%:   25% of monthly_fee", "below 99.9%: 10% of charges")
    )

    def letter(claim: str) -> tuple[str, str]:
        html = build_html(
            Path("tickets.sla"),
            text=text.replace(
                "  credits { rounding half_up to 0.01 per line }",
                f'  credits {{\n    form voucher "仅限本服务。" | "for this service only."\n    {claim}\n'
                "    rounding half_up to 0.01 per total\n  }",
            ),
        )
        return _texts(html, "zh-CN"), _texts(html, "en")

    zh, en = letter("claim within 10bd after month_end on business")
    assert "适用于涉及下列产品的服务请求：云主机" in zh and "Applies to requests concerning: Cloud hosting" in en
    assert "依本项应就某一服务请求予以补偿的，补偿金额不低于人民币 100.00 元。" in zh
    assert "Where a credit is owed under this item for a request, it shall be at least CNY\u00a0100.00." in en
    # a resource kind the catalogue does not know is shown as the contract names it
    assert "可用性按每个 pod 分别计量。" in zh and "Availability is measured separately for each pod." in en
    assert "补偿以代金券形式发放，仅限本服务。" in zh  # the restriction's own full stop is not doubled
    assert "Credits shall be given as vouchers, for this service only." in en
    assert (
        "客户可自相应统计周期最后一日的次日起，至该最后一日之后第 10 个工作日止，提出补偿申请；"
        "工作日按本承诺书“服务时间”一节所列“工作时间”确定。逾期未申请的，视为放弃。" in zh
    )
    assert (
        "The Customer may submit a claim after the last day of the measurement period concerned and no later "
        "than the 10th business day after that day, business days being those of “Business hours” in the Service "
        "Hours section. A credit not claimed within that window lapses." in en
    )
    # the charges of the pod target, named by its kind
    assert "“当期计费金额”指服务方就相关 pod 在相应统计周期内向客户出具账单的计费金额。" in zh
    assert "同一产品每一自然月的补偿按未经舍入的金额相加，合计金额统一舍入一次" in zh
    zh, en = letter("claim from 3d within 2 months after month_end")
    # `N months` after a period ends on the last day of the N-th calendar month after it (ClaimWindows)
    assert "客户可自相应统计周期最后一日之后的第 3 日起，至该最后一日之后第 2 个自然月的最后一日止，提出补偿申请" in zh
    assert (
        "no earlier than the 3rd calendar day and no later than the last day of the 2nd calendar month "
        "after the last day of the measurement period concerned" in en
    )
    zh, en = letter("claim from 1 month within 3 months after report")
    assert "客户可自收到相应服务报告之日之后的 1 个月届满之日起，至该日之后 3 个月届满之日止，提出补偿申请" in zh
    assert (
        "no earlier than the day falling 1 month and no later than the day falling 3 months "
        "after the day on which the Customer receives the relevant service report" in en
    )
    # a claim counted in calendar days says nothing of working days
    assert "工作日按" not in zh and "business days being" not in en


def test_monthly_maintenance_allowance_under_a_quarterly_target():
    html = build_html(ROOT / "contracts" / "sla" / "backup.sla")
    assert "每月累计不超过 2 小时（按每个自然月分别计算，可用性按季度或按年统计的亦同）" in _texts(html, "zh-CN")
    assert (
        "totals no more than 2 hours in any month (counted within each calendar month, "
        "also where availability is measured per quarter or per year)" in _texts(html, "en")
    )
    assert "（按每个自然月分别计算" not in build_html(ROOT / "contracts" / "itops.sla")


def test_ordinals(words):
    zh, en = words
    assert [en.ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 101)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "23rd", "101st",
    ]  # fmt: skip


def test_a_fee_based_cap_is_said_prorated_exactly_when_the_runtime_prorates_it():
    # contracts/sla/cdn.sla starts on 17 March with `cap … of monthly_fee per
    # month`: the report prorates March's cap like the fee, and so does the letter.
    cdn = ROOT / "contracts" / "sla" / "cdn.sla"
    html = build_html(cdn)
    assert "subject to this cap on its own, prorated by the ratio of the days of that part" in html
    assert "其处于有效期内的部分单独适用上述上限，该上限按该部分的天数占该自然月总天数的比例折算" in html
    full = build_html(
        cdn, text=cdn.read_text(encoding="utf-8").replace("partial_periods prorated", "partial_periods full_fee")
    )
    assert "prorated by the ratio" not in full
    # A term of whole months cuts no period: nothing to prorate, nothing said.
    assert "prorated by the ratio" not in build_html(ROOT / "contracts" / "itops.sla")


def test_holidays_eligible_time_conditions_minimum_under_the_overall_cap_and_a_ticket_claim():
    text = (
        MINIMAL.replace("    holidays cn\n", "")
        .replace(
            "availability hosting 99.9% per month\n",
            "availability hosting 99.9% per month {\n    over eligible_time\n  }\n",
        )
        .replace("    below 99%:   25% of monthly_fee\n", "    below 99%:   25% of monthly_fee\n    minimum 20 CNY\n")
        .replace(
            "  credits { rounding half_up to 0.01 per line }",
            "  credits {\n    cap 100% of monthly_fee per month\n    claim within 60d after month_end\n"
            "    rounding up to 0.01 per line\n  }\n"
            '  exclusions {\n    maintenance notice 48h\n    exclude vendor "第三方供应商故障" | "failures of third-party vendors"\n  }',
        )
    )
    html = build_html(Path("holidays.sla"), text=text)
    zh, en = _texts(html, "zh-CN"), _texts(html, "en")
    # a business clock on a calendar with no `holidays` line runs through public holidays
    assert "工作时间：周一至周五 09:00–18:00；法定节假日不予扣除。" in zh
    assert "Business hours: Monday to Friday, 09:00–18:00; public holidays are not excluded." in en
    # eligible time: the other exclusions, and maintenance meeting the one condition stated
    assert (
        "有效服务时长为统计周期总时长扣除依本承诺书免责情形排除的其他时间，以及符合本承诺书“免责情形”一节"
        "所列全部条件（提前通知）的计划维护时间后的时长。" in zh
    )
    assert (
        "less the time excluded under the other exclusions of this letter and scheduled maintenance that meets "
        "all the conditions of the Exclusions section (advance notice)." in en
    )
    # the minimum yields to the overall cap (the runtime applies the minimum, then the caps)
    assert (
        "依本项应予补偿的，每一产品每一统计周期的补偿不低于人民币 20.00 元；最低金额与本节规定的补偿上限冲突时，以上限为准。"
        in zh
    )
    assert "where the minimum conflicts with the cap set out in this section, the cap shall prevail." in en
    assert "舍入方式为向上进位（不足一个舍入单位的部分一律进位）" in zh
    assert "各笔补偿舍入后再行加总。" in zh and "The lines are added together after rounding." in en
    # no availability target: the claim window runs from the month's last day
    text = re.sub(r"  availability hosting .*?\n  }\n", "", text, flags=re.S)
    text = re.sub(r"  credit avail .*?\n  }\n", "", text, flags=re.S)
    html = build_html(Path("tickets_only.sla"), text=text)
    zh, en = _texts(html, "zh-CN"), _texts(html, "en")
    assert "客户可自相应月份最后一日的次日起，至该最后一日之后第 60 日止，提出补偿申请。逾期未申请的，视为放弃。" in zh
    assert (
        "The Customer may submit a claim after the last day of the month concerned and no later than "
        "the 60th calendar day after that day." in en
    )


def test_a_round_the_clock_calendar_says_nothing_of_holidays():
    text = MINIMAL.replace("hours    mon..fri 09:00-18:00\n    holidays cn\n", "hours    mon..sun 00:00-24:00\n")
    html = build_html(Path("allday.sla"), text=text)
    assert "法定节假日不予扣除" not in html and "public holidays are not excluded" not in html


def test_the_letter_states_the_ticket_rules_the_runtime_applies():
    html = build_html(ROOT / "contracts" / "itops.sla")
    # A ladder's cap limits each request's credit (the engine caps per ticket).
    assert "每一服务请求依本项获得的补偿不超过" in html
    assert "The credit under this item for any one request shall not exceed" in html
    # Resolving answers a request at the latest (SEMANTICS §4).
    assert "服务请求在首次响应之前即已解决的，以解决时间视为首次响应时间。" in html
    assert "A request resolved before any first response is treated as answered when it is resolved." in html
