"""What a lint check sees: the compiled contract model, the syntax tree it
came from (for exact spans), and helpers that map one to the other.

The model says what the contract means; the tree says where each word is. A
check reasons on the model and points with the tree: at the exact words (a
vague term inside a string, the `max 4h` of a maintenance line), never at a
whole block when a smaller span exists."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from slalang import ast, model
from slalang.source import SourceFile, Span


@dataclass(frozen=True)
class Run:
    """A stretch of literal words inside one string (between references),
    decoded, with the source offset of every character."""

    text: str
    offsets: tuple[int, ...]
    at: int = 0  # where the run starts in the string's decoded value (`ast.Str.value`)

    def span(self, start: int, end: int) -> Span:
        """Source span of the decoded characters [start, end)."""
        return Span(self.offsets[start], self.offsets[end - 1] + 1)


@dataclass(frozen=True)
class StringSite:
    """One language's string of a text (`lang` None: a language-neutral text
    given once, e.g. a credential or a contact)."""

    lang: str | None
    node: ast.Str
    runs: tuple[Run, ...]
    refs: tuple[ast.Ref, ...]


@dataclass(frozen=True)
class TextSite:
    """A bilingual text and the statement it belongs to."""

    text: ast.Text
    owner: ast.Node
    strings: tuple[StringSite, ...]

    @property
    def bilingual(self) -> bool:
        return all(s.lang is not None for s in self.strings) and len(self.strings) > 1


def decode_string(source: SourceFile, s: ast.Str) -> tuple[tuple[Run, ...], tuple[ast.Ref, ...]]:
    """Re-read a string token from the source, keeping offsets: the AST has
    the decoded value but not where each character came from (escapes)."""
    raw_start = s.span.start + 1
    body = source.text[raw_start : s.span.end - 1]
    runs: list[Run] = []
    chars: list[str] = []
    offs: list[int] = []

    pos = 0  # position in the decoded value, where a reference reads `{path}`

    def flush() -> None:
        if chars:
            runs.append(Run("".join(chars), tuple(offs), pos - len(chars)))
            chars.clear()
            offs.clear()

    i, n = 0, len(body)
    while i < n:
        ch = body[i]
        if ch == "\\" and i + 1 < n:
            nxt = body[i + 1]
            chars.append({"n": "\n", "t": "\t"}.get(nxt, nxt))
            offs.append(raw_start + i)
            pos += 1
            i += 2
            continue
        if ch == "{":
            close = body.find("}", i + 1)
            if close != -1:
                flush()
                pos += len(body[i + 1 : close].strip()) + 2
                i = close + 1
                continue
        chars.append(ch)
        offs.append(raw_start + i)
        pos += 1
        i += 1
    flush()
    return tuple(runs), tuple(s.refs)


class LintContext:
    def __init__(
        self, source: SourceFile, root: ast.Node, contract: model.Contract, profile: str | None = None
    ) -> None:
        self.source = source
        self.root = root
        self.contract = contract
        # The kind of contract the completeness rules hold it to: `--profile`, else what it is.
        self.profile: str = profile or contract.kind
        self._texts: list[TextSite] | None = None
        self._named: dict[tuple[str, str], ast.Node] | None = None
        self.cache: dict = {}  # per-contract facts a rule computes once (see wording._first_targets)

    # ------------------------------------------------------------ finding nodes
    def top(self, kind: str) -> ast.Node | None:
        return self.root.first(kind)

    def the(self, kind: str, within: ast.Node | None = None) -> ast.Node:
        """The statement the model says is there (`credits` when the model
        has a credit policy): a missing one is a bug in lint, said loudly."""
        node = (within or self.root).first(kind)
        if node is None:
            raise LookupError(f"the syntax tree has no `{kind}` the model has")
        return node

    def tops(self, kind: str) -> list[ast.Node]:
        return list(self.root.nodes(kind))

    def head(self, node: ast.Node) -> Span:
        return node.head(self.source.text)

    def contract_head(self) -> Span:
        """`contract "id"`: where a missing top-level statement is reported."""
        strs = self.root.lits(ast.Str)
        return Span(self.root.span.start, strs[0].span.end if strs else self.head(self.root).end)

    def statement_head(self, node: ast.Node) -> Span:
        """The statement up to its first text (e.g. `provider "…" | "…"`) or
        its first word when it has no text."""
        t = node.lit(ast.Text)
        if t is not None and self.source.line_col(t.span.end)[0] == self.source.line_col(node.span.start)[0]:
            return Span(node.span.start, t.span.end)
        return self.head(node)

    def named(self, kind: str, name: str) -> ast.Node | None:
        """The first statement of a kind that declares `name` (a credit, a row…)."""
        if self._named is None:
            self._named = {}
            for node in self.walk():
                n = node.lit(ast.Name)
                if n is not None:
                    self._named.setdefault((node.kind, n.value), node)
        return self._named.get((kind, name))

    def matrix_node(self, metric: str) -> ast.Node | None:
        for node in self.root.nodes("matrix"):
            kw = node.lit(ast.Keyword)
            if kw is not None and kw.value == metric:
                return node
        return None

    def matrix_statement(self, metric: str) -> ast.Node:
        """The `response`/`resolution` statement of a matrix the model has."""
        node = self.matrix_node(metric)
        if node is None:
            raise LookupError(f"the syntax tree has no `{metric}` matrix the model has")
        return node

    def row_node(self, metric: str, priority: str) -> ast.Node | None:
        key = ("rows", metric)
        if key not in self.cache:
            m = self.matrix_node(metric)
            rows: dict[str, ast.Node] = {}
            for row in m.nodes("row") if m is not None else ():
                rows.setdefault(row.lit(ast.Name).value, row)
            self.cache[key] = rows
        return self.cache[key].get(priority)

    def cell_span(self, metric: str, priority: str, column: str) -> Span:
        """The span of one matrix cell (a duration or `-`)."""
        m = self.contract.matrix(metric)
        row = self.row_node(metric, priority)
        if m is None or row is None:
            return self.contract_head()
        cells = [c for c in row.children if not isinstance(c, ast.Name)]
        names = [c.name for c in m.columns]
        if column not in names or len(cells) != len(names):
            return row.span
        return cells[names.index(column)].span

    def walk(self, node: ast.Node | None = None) -> Iterator[ast.Node]:
        node = node or self.root
        yield node
        for c in node.children:
            if isinstance(c, ast.Node):
                yield from self.walk(c)

    # ------------------------------------------------------------ texts
    def texts(self) -> list[TextSite]:
        if self._texts is None:
            langs = self.contract.languages
            out: list[TextSite] = []
            for node in self.walk():
                for c in node.children:
                    if not isinstance(c, ast.Text):
                        continue
                    strings = []
                    neutral = len(c.strings) == 1 and len(langs) > 1
                    for i, s in enumerate(c.strings):
                        runs, refs = decode_string(self.source, s)
                        lang = None if neutral else (langs[i] if i < len(langs) else None)
                        strings.append(StringSite(lang, s, runs, refs))
                    out.append(TextSite(c, node, tuple(strings)))
            self._texts = out
        return self._texts

    # ------------------------------------------------------------ model helpers
    def fees(self) -> dict[str, Decimal]:
        return {p.name: p.fee.amount for p in self.contract.scope.products if p.fee is not None}
