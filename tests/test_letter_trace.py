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
