"""The abstract syntax tree: what the author wrote, with every node's span.

The parser produces a uniform tree: a `Node` per grammar rule (its `kind` is
the rule name in grammar/slalang.lark) whose children are nodes or typed
literals. Literals are already decoded (dates are dates, strings have their
escapes resolved and their `{references}` split out) but nothing is resolved
or range-checked yet: that is lowering's job (slalang/lower/)."""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Iterator
from decimal import Decimal

from slalang.source import Record, Span


class Name(Record):
    __slots__ = ("value", "span")

    def __init__(self, value: str, span: Span) -> None:
        self.value = value
        self.span = span


class Comment(Record):
    """A `# …` comment (kept out of the tree; the formatter re-attaches it)."""

    __slots__ = ("text", "span")

    def __init__(self, text: str, span: Span) -> None:
        self.text = text
        self.span = span


class Keyword(Record):
    """A word from a fixed set (`month`, `yellow`, `started`, `-`, …), with the
    grammar terminal it matched (`PERIOD`, `LEVEL`, `STEP_MODE`, `NONE`, …), so
    a statement reads its words by what they are, not by their position."""

    __slots__ = ("value", "span", "terminal")

    def __init__(self, value: str, span: Span, terminal: str = "") -> None:
        self.value = value
        self.span = span
        self.terminal = terminal


class Ref(Record):
    """A `{path.to.value}` reference inside a string."""

    __slots__ = ("path", "span")

    def __init__(self, path: str, span: Span) -> None:
        self.path = path
        self.span = span


Segment = str | Ref


class Str(Record):
    __slots__ = ("value", "segments", "span")

    def __init__(self, value: str, segments: tuple[Segment, ...], span: Span) -> None:
        self.value = value  # escapes resolved, references kept as `{path}`
        self.segments = segments
        self.span = span

    @property
    def refs(self) -> list[Ref]:
        return [s for s in self.segments if isinstance(s, Ref)]


class Text(Record):
    """One string per declared language, written `"中文" | "English"`."""

    __slots__ = ("strings", "span")

    def __init__(self, strings: tuple[Str, ...], span: Span) -> None:
        self.strings = strings
        self.span = span


class DurationLit(Record):
    __slots__ = ("raw", "parts", "span")

    def __init__(self, raw: str, parts: tuple[tuple[int, str], ...], span: Span) -> None:
        self.raw = raw
        self.parts = parts  # ((15, "m"), …)
        self.span = span


class PercentLit(Record):
    __slots__ = ("value", "raw", "span")

    def __init__(self, value: Decimal, raw: str, span: Span) -> None:
        self.value = value
        self.raw = raw
        self.span = span


class NumberLit(Record):
    __slots__ = ("value", "raw", "span")

    def __init__(self, value: Decimal, raw: str, span: Span) -> None:
        self.value = value
        self.raw = raw
        self.span = span


class DateLit(Record):
    __slots__ = ("value", "raw", "span")

    def __init__(self, value: _dt.date | None, raw: str, span: Span) -> None:
        self.value = value  # None when the text is not a real date (reported)
        self.raw = raw
        self.span = span


class TimeLit(Record):
    __slots__ = ("minutes", "raw", "span")

    def __init__(self, minutes: int | None, raw: str, span: Span) -> None:
        self.minutes = minutes  # minutes after midnight, 0..1440; None if invalid
        self.raw = raw
        self.span = span


Literal = Name | Keyword | Str | Text | DurationLit | PercentLit | NumberLit | DateLit | TimeLit


class Node(Record):
    """One grammar rule as written: its `kind`, `span` and children (nodes
    and literals, in source order)."""

    __slots__ = ("kind", "span", "children")

    def __init__(self, kind: str, span: Span, children: list | None = None) -> None:
        self.kind = kind
        self.span = span
        self.children = [] if children is None else children

    __hash__ = None  # type: ignore[assignment]  # its children change while the tree is built

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

    def keyword(self, terminal: str) -> Keyword:
        """The child word of grammar terminal `terminal` (e.g. `AUDITOR`),
        which the grammar guarantees is there."""
        for c in self.children:
            if isinstance(c, Keyword) and c.terminal == terminal:
                return c
        raise LookupError(f"a `{self.kind}` node has no {terminal} word (the grammar requires one)")

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


def holiday_set_written(node: Node) -> str:
    """A `holidays` statement's set as one name: `cn`, or `gb-eng` for a
    country and subdivision (the grammar reads `gb`, `-`, `eng`)."""
    parts = node.lits(Name)
    sub = node.first("subdivision")
    if sub is not None:
        parts += sub.lits(Name)
    return "-".join(n.value for n in parts)
