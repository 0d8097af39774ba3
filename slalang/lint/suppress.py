"""Inline suppression: `# slalang: allow L201` (several codes: `allow L201,
L305` or `allow L201 L305`).

The comment silences the named codes on its own line, and, when that line
opens a statement that continues on later lines (a block `… {`, or a text
whose second language is on the next line), in the whole statement: a
comment on `contract "…" version "…" {` covers the file. A comment that names
no lint code, or silences nothing, is reported (L001, L002) so suppressions
cannot rot."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from slalang import ast
from slalang.source import SourceFile, Span

_ALLOW = re.compile(r"#\s*slalang\s*:\s*allow\b(?P<codes>[^#]*)", re.I)
_CODE = re.compile(r"[A-Za-z]\d{3,4}")


@dataclass
class Suppression:
    line: int
    codes: dict[str, Span]  # code → where the comment names it
    comment: Span
    block: Span | None  # the statement the line opens, if it spans lines
    used: set[str] = field(default_factory=set)
    problem: str | None = None  # the comment names no code at all


def _statements(root: ast.Node):
    """Every node and multi-line text, outermost first."""
    stack: list = [root]
    while stack:
        node = stack.pop(0)
        yield node
        if isinstance(node, ast.Node):
            stack[0:0] = [c for c in node.children if isinstance(c, (ast.Node, ast.Text))]


def collect(source: SourceFile, root: ast.Node, comments: list[ast.Comment]) -> list[Suppression]:
    out: list[Suppression] = []
    for c in comments:
        m = _ALLOW.search(c.text)
        if m is None:
            continue
        base = c.span.start + m.start("codes")
        codes = {
            cm.group(0).upper(): Span(base + cm.start(), base + cm.end()) for cm in _CODE.finditer(m.group("codes"))
        }
        line = source.line_col(c.span.start)[0]
        block = None
        for node in _statements(root):
            start_line = source.line_col(node.span.start)[0]
            end_line = source.line_col(max(node.span.start, node.span.end - 1))[0]
            if start_line == line and end_line > line:
                block = node.span
                break  # outermost first: the largest statement opened on this line
        s = Suppression(line, codes, c.span, block)
        if not codes:
            s.problem = "names no code"
        out.append(s)
    return out


def covers(s: Suppression, source: SourceFile, code: str, span: Span | None) -> bool:
    if code not in s.codes or span is None:
        return False
    if source.line_col(span.start)[0] == s.line:
        return True
    return s.block is not None and s.block.start <= span.start < s.block.end
