"""The abstract syntax tree: what the author wrote, with every node's span.

The parser produces a uniform tree: a `Node` per grammar rule (its `kind` is
the rule name in grammar/slalang.lark) whose children are nodes or typed
literals. Literals are already decoded (dates are dates, strings have their
escapes resolved and their `{references}` split out) but nothing is resolved
or range-checked yet: that is lowering's job (slalang/lower.py)."""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from slalang.source import Span


@dataclass(frozen=True, slots=True)
class Name:
    value: str
    span: Span


@dataclass(frozen=True, slots=True)
class Comment:
    """A `# …` comment (kept out of the tree; the formatter re-attaches it)."""

    text: str
    span: Span


@dataclass(frozen=True, slots=True)
class Keyword:
    """A word from a fixed set (`month`, `yellow`, `started`, `-`, …)."""

    value: str
    span: Span


@dataclass(frozen=True, slots=True)
class Ref:
    """A `{path.to.value}` reference inside a string."""

    path: str
    span: Span


Segment = str | Ref


@dataclass(frozen=True, slots=True)
class Str:
    value: str  # escapes resolved, references kept as `{path}`
    segments: tuple[Segment, ...]
    span: Span

    @property
    def refs(self) -> list[Ref]:
        return [s for s in self.segments if isinstance(s, Ref)]


@dataclass(frozen=True, slots=True)
class Text:
    """One string per declared language, written `"中文" | "English"`."""

    strings: tuple[Str, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class DurationLit:
    raw: str
    parts: tuple[tuple[int, str], ...]  # ((15, "m"), …)
    span: Span


@dataclass(frozen=True, slots=True)
class PercentLit:
    value: Decimal
    raw: str
    span: Span


@dataclass(frozen=True, slots=True)
class NumberLit:
    value: Decimal
    raw: str
    span: Span


@dataclass(frozen=True, slots=True)
class DateLit:
    value: _dt.date | None  # None when the text is not a real date (reported)
    raw: str
    span: Span


@dataclass(frozen=True, slots=True)
class TimeLit:
    minutes: int | None  # minutes after midnight, 0..1440; None if invalid
    raw: str
    span: Span


Literal = Name | Keyword | Str | Text | DurationLit | PercentLit | NumberLit | DateLit | TimeLit


@dataclass(slots=True)
class Node:
    kind: str
    span: Span
    children: list = field(default_factory=list)

    def nodes(self, kind: str | None = None) -> Iterator[Node]:
        for c in self.children:
            if isinstance(c, Node) and (kind is None or c.kind == kind):
                yield c

    def first(self, kind: str) -> Node | None:
        return next(self.nodes(kind), None)

    def must(self, kind: str) -> Node:
        """The first child of `kind`, which the grammar guarantees is there."""
        found = next(self.nodes(kind), None)
        if found is None:
            raise LookupError(f"a `{self.kind}` node has no `{kind}` child (the grammar requires one)")
        return found

    def lits(self, cls: type) -> list:
        return [c for c in self.children if isinstance(c, cls)]

    def lit(self, cls: type):
        for c in self.children:
            if isinstance(c, cls):
                return c
        return None

    def head(self, source_text: str) -> Span:
        """The span of the statement's first word, for pointing at it."""
        m = _WORD.match(source_text, self.span.start)
        return Span(self.span.start, m.end() if m else self.span.start + 1)


_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|\S")
