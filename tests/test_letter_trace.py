"""Traceability of the letter (issue 12, SEMANTICS §1): every sentence either
renders a contract statement or is structural. The HTML marks each rendered
paragraph, list item and table row with `data-line`, the source line of the
statement it renders; a paragraph that carries an obligation word and no
source line would be an obligation nobody wrote.

Builds every example (contracts/*.sla) and corpus contract
(contracts/sla/*.sla, contracts/support/*.sla) to HTML and checks each
paragraph of the letter's sections."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import ROOT
from test_letter_html import build_html

CONTRACTS = sorted(
    [*ROOT.glob("contracts/*.sla"), *ROOT.glob("contracts/sla/*.sla"), *ROOT.glob("contracts/support/*.sla")]
)

EN_OBLIGATION = re.compile(r"\b(shall|must|undertakes?|guarantees?|commits?|agrees? to)\b", re.I)
ZH_OBLIGATION = re.compile(r"应|须|承诺|保证|负责")
# Words that contain an obligation character without being one: the
# document's own name, 响应 (response), 相应/对应 (corresponding), 应用
# (application), 供应 (supply), 负责人 (a manager).
ZH_NOT_OBLIGATION = re.compile(r"承诺书|响应|相应|对应|应用|供应|负责人")

# The elements that hold a paragraph of text; headings are structural.
TEXT = {"p", "li", "td", "caption", "h3"}
VOID = {"br", "hr", "img", "meta", "link", "col", "input"}


class _Paragraphs(HTMLParser):
    """(text, lang, data-line in force) of each text element inside the
    letter's sections (not the cover, running header/footer or signatures)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, str | None, str | None, bool]] = []  # tag, lang, line, in a section
        self.out: list[tuple[str, str, str | None]] = []
        self.buf: list[list[str]] = []

    def handle_starttag(self, tag, attrs):
        if tag in VOID:
            return
        a = dict(attrs)
        parent_lang, parent_line, parent_in = (
            (self.stack[-1][1], self.stack[-1][2], self.stack[-1][3]) if self.stack else (None, None, False)
        )
        inside = parent_in or (tag == "section" and "section" in (a.get("class") or "").split())
        self.stack.append((tag, a.get("lang", parent_lang), a.get("data-line", parent_line), inside))
        if tag in TEXT:
            self.buf.append([])

    def handle_endtag(self, tag):
        if tag in VOID or not self.stack:
            return
        t, lang, line, inside = self.stack.pop()
        if t in TEXT:
            text = "".join(self.buf.pop()).strip()
            if inside and text:
                self.out.append((text, lang or "", line))

    def handle_data(self, data):
        if self.buf:
            self.buf[-1].append(data)


def paragraphs(html: str) -> list[tuple[str, str, str | None]]:
    p = _Paragraphs()
    p.feed(html)
    return p.out


def obligation(text: str, lang: str) -> str | None:
    if lang.startswith("zh"):
        m = ZH_OBLIGATION.search(ZH_NOT_OBLIGATION.sub("", text))
    else:
        m = EN_OBLIGATION.search(text)
    return m.group(0) if m else None


def test_corpus_is_there():
    assert len(CONTRACTS) >= 20


@pytest.mark.parametrize("path", CONTRACTS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_every_obligation_has_a_source_line(path: Path):
    html = build_html(path)
    found = paragraphs(html)
    assert len(found) > 10
    untraced = [
        f"{word!r} in {text[:120]!r}" for text, lang, line in found if not line and (word := obligation(text, lang))
    ]
    assert not untraced, "\n".join(untraced)


@pytest.mark.parametrize("path", CONTRACTS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_source_lines_are_statements(path: Path):
    """Each `data-line` is a line of the contract, and not a blank or a comment."""
    source = path.read_text(encoding="utf-8").splitlines()
    lines = {int(n) for n in re.findall(r'data-line="(\d+)"', build_html(path))}
    assert lines
    for n in lines:
        assert 1 <= n <= len(source), n
        text = source[n - 1].strip()
        assert text and not text.startswith("#"), (n, text)


def test_structural_text_carries_no_line():
    html = build_html(ROOT / "contracts" / "itops.sla")
    assert not re.search(r"<h2[^>]*data-line", html)
    assert not re.search(r'<div class="sign-line"[^>]*data-line', html)


# ---------------------------------------------------------------- the legal review
# What the letter no longer adds, and what the review changed (docs/letter.md
# "Legal review").
def texts(html: str) -> str:
    return "\n".join(t for t, _, _ in paragraphs(html))


def variant(path: Path, *edits: tuple[str, str]) -> str:
    text = path.read_text(encoding="utf-8")
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new, 1)
    return build_html(path, text=text)


@pytest.mark.parametrize("path", CONTRACTS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_no_boilerplate_obligations(path: Path):
    html = build_html(path)
    for absent in (
        "接受客户及独立第三方的监督",
        "accepts supervision",
        "不能预见、不能避免且不能克服",
        "could not be foreseen, avoided or overcome",
        "¥",
        "中国时间",
        "China Time",
        "非服务时间",
        "诉讼地",
    ):
        assert absent not in html, absent
    # An audit right, a claim procedure and a rounding rule only where the contract has them.
    source, body = path.read_text(encoding="utf-8"), texts(html)
    if not re.search(r"^\s*audit\b", source, re.M):
        assert "审计一次" not in body and " audit" not in body
    if not re.search(r"^\s*claim\b", source, re.M):
        assert "提出补偿申请" not in body and "submit any claim" not in body
    if not re.search(r"\brounding\b", source):
        assert "舍入" not in body and "rounded" not in body


def test_audit_is_the_customers_right():
    body = texts(build_html(ROOT / "contracts" / "itops.sla"))
    assert "客户有权每 6 个月委托独立第三方对本承诺书的履行情况审计一次，服务方应予配合并提供所需记录。" in body
    assert (
        "The Customer may have the performance of this letter audited by an independent third party once every "
        "6 months; the Provider shall cooperate and supply the records needed." in body
    )
    body = texts(variant(ROOT / "contracts" / "itops.sla", ("by third_party", "by customer")))
    assert "客户有权每 6 个月对本承诺书的履行情况审计一次" in body
    assert "The Customer may audit the performance of this letter once every 6 months" in body


def test_force_majeure_lists_only_the_contracts_events():
    body = texts(build_html(ROOT / "contracts" / "itops.sla"))
    assert "不可抗力：自然灾害、战争、政府管制、网络攻击；服务方应在知悉后 24 小时内通知客户；" in body
    assert (
        "Force majeure: natural disasters, war, government action, cyber attacks; the Provider shall notify the "
        "Customer within 24 hours of becoming aware of the event;" in body
    )
    # Events that say "force majeure" themselves are not labelled again.
    body = texts(build_html(ROOT / "contracts" / "sla" / "api.sla"))
    assert "自然灾害、战争、政府管制等不可抗力事件；服务方应在知悉后 24 小时内通知客户；" in body
    assert "Force majeure events such as natural disasters, war and government action; the Provider shall" in body
    assert "不可抗力：自然灾害" not in body and "Force majeure: force majeure" not in body


def test_a_named_court_has_no_seat_beside_it_and_takes_an_article():
    path = ROOT / "contracts" / "logistics.sla"
    body = texts(build_html(path))
    assert "由杭州市余杭区人民法院管辖。" in body
    assert "shall be submitted to the jurisdiction of the People's Court of Yuhang District, Hangzhou." in body
    body = texts(variant(path, ('"the People\'s Court of Yuhang District, Hangzhou"', '"Hangzhou Yuhang Court"')))
    assert "shall be submitted to the jurisdiction of the Hangzhou Yuhang Court." in body


@pytest.mark.parametrize(
    ("path", "zh", "en"),
    [
        (
            "contracts/itops.sla",
            "郑重作出如下服务响应时间承诺。本承诺书自",
            "makes the following service response time commitments to",
        ),
        ("contracts/sla/api.sla", "本服务等级协议约定", "This Service Level Agreement sets out the availability"),
        (
            "contracts/support/triage.sla",
            "本技术支持服务政策规定",
            "This Support Policy sets out the technical support",
        ),
    ],
)
def test_the_opening_follows_the_kind(path, zh, en):
    html = build_html(ROOT / path)
    body = texts(html)
    assert zh in body and en in body
    heading = {"contracts/sla/api.sla": "协议双方", "contracts/support/triage.sla": "服务双方"}.get(
        path, "服务主体声明"
    )
    assert f"一、{heading}" in html
    assert ("1. The Parties" if heading != "服务主体声明" else "1. Declaration of the Provider") in html
    if "sla/" in path or "support/" in path:
        # never framed as a response time commitment, nor as "this letter"
        for absent in ("响应时间承诺", "response time commitment", "本承诺书", "this letter", "This letter"):
            assert absent not in html, absent


def test_a_written_kind_frames_the_letter():
    path = ROOT / "contracts" / "sla" / "api.sla"
    body = texts(variant(path, ("  currency   CNY\n", "  currency   CNY\n  kind       support_policy\n")))
    assert "本技术支持服务政策规定" in body and "本政策" in body


def test_prevailing_none_says_both_versions_are_equally_authentic():
    path = ROOT / "contracts" / "itops.sla"
    body = texts(variant(path, ("prevailing zh", "prevailing none")))
    assert "本承诺书以中文、英文两种文字写成，两种文本具有同等效力。" in body
    assert "This letter is made in Chinese and English. Both language versions are equally authentic." in body
    # (a clause may say 为准 of something else: itops's intellectual property clause does)
    assert "文本为准" not in body and "prevail" not in body


def test_signature_blocks_have_name_title_date_and_seal_lines_for_both_parties():
    html = build_html(ROOT / "contracts" / "itops.sla")
    for label in ("授权代表（签字）", "姓名", "职务", "日期", "盖章", "Name", "Title", "Date", "Company seal"):
        assert html.count(f">{label}</span>") == 2, label


def test_the_monthly_fee_is_the_products_where_there_are_several():
    # itops has two products with fees and percentage credits: say whose fee a percentage is of.
    body = texts(build_html(ROOT / "contracts" / "itops.sla"))
    assert "本节所称“月服务费”，指相关服务请求或可用性目标所涉产品在上文服务范围中所列的月服务费。" in body
    assert "of the product to which the request or the availability target relates." in body
    # One product: nothing to choose between.
    one = texts(build_html(ROOT / "tests" / "good_minimal.sla"))
    assert "本节所称“月服务费”" not in one and "the “monthly fee” is" not in one


def test_a_cap_without_products_is_on_all_the_customers_credits():
    body = texts(build_html(ROOT / "contracts" / "support" / "saas_plans.sla"))
    assert "客户每一自然月可获得的全部补偿合计不超过人民币 10,000.00 元。" in body
    assert "The total of all credits to the Customer in any calendar month shall not exceed" in body
    assert "同一产品" not in body and "for one product" not in body
