"""Source text and positions: the one place that knows how offsets map to
lines and columns, and how wide a column is on a terminal (CJK characters take
two cells, so a caret under Chinese text must count cells, not characters)."""

from __future__ import annotations

import bisect
import unicodedata
from typing import Any


class Record:
    """A small value with slots, compared, hashed and shown by its fields (the
    names in `__slots__`). The front end's many small classes are written this
    way rather than as dataclasses, which cost ~0.7 ms each to create at import,
    on every start of the command line. Fields are not reassigned after
    `__init__` (the classes are values)."""

    __slots__: tuple[str, ...] = ()

    def _fields(self) -> tuple[Any, ...]:
        return tuple(getattr(self, f) for f in self.__slots__)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and isinstance(other, Record) and self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash((type(self).__name__, *self._fields()))

    def __repr__(self) -> str:
        args = ", ".join(f"{f}={getattr(self, f)!r}" for f in self.__slots__)
        return f"{type(self).__name__}({args})"


class Span(Record):
    """A half-open range of character offsets in one source file."""

    __slots__ = ("start", "end")

    def __init__(self, start: int, end: int) -> None:
        self.start = start
        self.end = end if end >= start else start


class SourceFile:
    """A decoded source file with fast offset → (line, column) lookups.

    Lines and columns are 1-based and count characters (code points), which is
    what editors show; `display_width` converts to terminal cells."""

    def __init__(self, path: str, text: str) -> None:
        self.path = path
        self.text = text
        starts = [0]
        find = text.find
        i = find("\n")
        while i != -1:
            starts.append(i + 1)
            i = find("\n", i + 1)
        self._line_starts = starts

    @property
    def line_count(self) -> int:
        return len(self._line_starts)

    def line_col(self, offset: int) -> tuple[int, int]:
        offset = max(0, min(offset, len(self.text)))
        line = bisect.bisect_right(self._line_starts, offset) - 1
        return line + 1, offset - self._line_starts[line] + 1

    def offset(self, line: int, col: int) -> int:
        line = max(1, min(line, len(self._line_starts)))
        return min(self._line_starts[line - 1] + col - 1, len(self.text))

    def line_text(self, line: int) -> str:
        """The text of a 1-based line, without its line break."""
        if not 1 <= line <= len(self._line_starts):
            return ""
        start = self._line_starts[line - 1]
        end = self.text.find("\n", start)
        if end == -1:
            end = len(self.text)
        return self.text[start:end].rstrip("\r")


def char_width(ch: str) -> int:
    """Terminal cells taken by one character: 2 for wide/fullwidth (CJK), 0 for
    combining marks, 1 otherwise. Tabs are expanded by the renderer first."""
    if unicodedata.combining(ch):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def display_width(text: str) -> int:
    return sum(char_width(ch) for ch in text)


# ------------------------------------------------- terminal cells (carets)
#
# `display_width` above is the formatter's measure (alignment in canonical
# text, which is hashed: it must not change with a library's tables). The
# caret under a diagnostic is measured for the terminal instead: by grapheme
# clusters (an emoji ZWJ sequence, a Thai syllable with its vowels and tone
# marks, decomposed Hangul jamo are one cluster each) and their width as
# wcwidth knows it, after escaping what `textsafe.term` escapes.

TAB_STOP = 4
_JOINERS = frozenset("\u200c\u200d")  # ZWNJ, ZWJ: inside a cluster they join it (👨‍👩‍👧), nothing else


def _cluster(g: str) -> tuple[str, int]:
    """One grapheme cluster as printed (escaped as `textsafe.term` escapes,
    but a joiner inside the cluster kept) and the cells it takes."""
    from wcwidth import width

    from slalang.textsafe import term

    if len(g) == 1 or term(g) == g:
        shown = term(g)
        return shown, (len(shown) if shown != g else max(0, width(g, control_codes="ignore")))
    kept: list[str] = []
    escaped = 0
    out: list[str] = []
    for i, ch in enumerate(g):
        e = ch if (i and ch in _JOINERS) else term(ch)
        if e != ch:
            escaped += len(e)
        else:
            kept.append(ch)
        out.append(e)
    return "".join(out), escaped + max(0, width("".join(kept), control_codes="ignore"))


def term_text(text: str) -> str:
    """`text` escaped for a terminal as `textsafe.term` does, except that a
    zero-width joiner inside an emoji or Indic cluster is kept (it joins, it
    does not reorder or move anything)."""
    from slalang.textsafe import term

    if text.isascii() or term(text) == text:
        return term(text)
    from wcwidth import iter_graphemes

    return "".join(_cluster(g)[0] for g in iter_graphemes(text))


def shown_cells(text: str, col: int = 0) -> list[tuple[int, str, int]]:
    """`text` as it is shown on a terminal: for each grapheme cluster, its
    offset in `text`, the characters printed for it (a tab expanded to the
    next multiple of `TAB_STOP` cells from `col`, controls and format
    characters escaped as `term_text` does) and the cells they take."""
    from wcwidth import iter_graphemes

    out: list[tuple[int, str, int]] = []
    offset = 0
    for g in iter_graphemes(text):
        if g == "\t":
            w = TAB_STOP - col % TAB_STOP
            shown = " " * w
        else:
            shown, w = _cluster(g)
        out.append((offset, shown, w))
        offset += len(g)
        col += w
    return out
