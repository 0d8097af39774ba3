"""Diagnostics as data, and the one place that renders them.

Every stage (reading, syntax, lowering, later lint) reports problems as
`Diagnostic` values; nothing below the CLI prints or exits. A diagnostic has a
stable code (listed in `CODES`, documented in docs/language.md), a severity, a
message, a primary span, optional secondary labels and a hint that says what
to write instead. Messages, hints and labels are `slalang.i18n.Msg` values
(catalogue keys with fields), so one diagnostic renders in any language:
`render_text(d, lang)` gives gcc-style output with the source line and a caret
underline measured in terminal cells; `to_json(ds, files, lang)` gives the
same facts to editors and CI."""

from __future__ import annotations

import json
from collections.abc import Iterable
from enum import Enum
from typing import overload

from slalang.i18n import Msg, Verbatim, render
from slalang.source import Record, SourceFile, Span, shown_cells, term_text

MAX_PER_FILE = 50


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"


Words = Msg | Verbatim | str  # str: already in the user's words (e.g. an OS error)


class Label(Record):
    """A secondary place a diagnostic points at, with a note."""

    __slots__ = ("span", "text", "source")

    def __init__(self, span: Span, text: Words, source: SourceFile | None = None) -> None:
        self.span = span
        self.text = text
        self.source = source  # None: same file as the diagnostic

    @property
    def message(self) -> str:
        return render(self.text, "en")


class Diagnostic(Record):
    __slots__ = ("code", "severity", "text", "source", "span", "hint_text", "labels")

    def __init__(
        self,
        code: str,
        severity: Severity,
        text: Words,
        source: SourceFile | None,
        span: Span | None,
        hint_text: Words | None = None,
        labels: list[Label] | None = None,
    ) -> None:
        self.code = code
        self.severity = severity
        self.text = text
        self.source = source
        self.span = span
        self.hint_text = hint_text
        self.labels = [] if labels is None else labels

    __hash__ = None  # type: ignore[assignment]  # the hint may be refined after it is made

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    @property
    def message(self) -> str:
        """The message in English (tests, logs); renderers take a language."""
        return render(self.text, "en")

    @property
    def hint(self) -> str | None:
        return None if self.hint_text is None else render(self.hint_text, "en")

    def message_in(self, lang: str) -> str:
        return render(self.text, lang)

    def hint_in(self, lang: str) -> str | None:
        return None if self.hint_text is None else render(self.hint_text, lang)

    def position(self) -> tuple[int, int, int, int] | None:
        if self.source is None or self.span is None:
            return None
        line, col = self.source.line_col(self.span.start)
        end_line, end_col = self.source.line_col(self.span.end)
        return line, col, end_line, end_col

    def sort_key(self) -> tuple:
        pos = self.position() or (0, 0, 0, 0)
        return (self.source.path if self.source else "", pos[0], pos[1], self.code)


# Every code the compiler can emit, with its severity. The one-line summary
# of each is `diag.codes.<code>` in the catalogues; the language reference
# lists them all, and tests check each is documented in both languages.
CODES: dict[str, Severity] = {
    "E0001": Severity.ERROR,
    "E0002": Severity.ERROR,
    "E0003": Severity.ERROR,
    "E0004": Severity.ERROR,
    "E0005": Severity.ERROR,
    "E0006": Severity.ERROR,
    "E0007": Severity.ERROR,
    "W0008": Severity.WARNING,
    "E0101": Severity.ERROR,
    "E0102": Severity.ERROR,
    "E0103": Severity.ERROR,
    "E0104": Severity.ERROR,
    "E0105": Severity.ERROR,
    "E0106": Severity.ERROR,
    "E0107": Severity.ERROR,
    "E0108": Severity.ERROR,
    "E0201": Severity.ERROR,
    "E0202": Severity.ERROR,
    "E0203": Severity.ERROR,
    "E0204": Severity.ERROR,
    "E0205": Severity.ERROR,
    "E0206": Severity.ERROR,
    "E0301": Severity.ERROR,
    "E0302": Severity.ERROR,
    "E0303": Severity.ERROR,
    "W0304": Severity.WARNING,
    "E0305": Severity.ERROR,
    "E0401": Severity.ERROR,
    "E0402": Severity.ERROR,
    "E0403": Severity.ERROR,
    "E0404": Severity.ERROR,
    "E0405": Severity.ERROR,
    "E0406": Severity.ERROR,
    "E0407": Severity.ERROR,
    "W0408": Severity.WARNING,
    "W0409": Severity.WARNING,
    "E0410": Severity.ERROR,
    "E0411": Severity.ERROR,
    "E0412": Severity.ERROR,
    "E0501": Severity.ERROR,
    "E0502": Severity.ERROR,
    "E0503": Severity.ERROR,
    "E0504": Severity.ERROR,
    "E0505": Severity.ERROR,
    "E0506": Severity.ERROR,
    "E0507": Severity.ERROR,
    "E0508": Severity.ERROR,
    "E0509": Severity.ERROR,
    "E0510": Severity.ERROR,
    "E0511": Severity.ERROR,
    "E0601": Severity.ERROR,
    "E0602": Severity.ERROR,
    "E0603": Severity.ERROR,
    "E0604": Severity.ERROR,
    "E0605": Severity.ERROR,
    "E0606": Severity.ERROR,
    "E0607": Severity.ERROR,
    "W0608": Severity.WARNING,
    "E0609": Severity.ERROR,
    "E0610": Severity.ERROR,
    "W0611": Severity.WARNING,
    "E0612": Severity.ERROR,
    "E0701": Severity.ERROR,
    "E0702": Severity.ERROR,
    "W0703": Severity.WARNING,
    "E0703": Severity.ERROR,
    "E0801": Severity.ERROR,
    "W0802": Severity.WARNING,
    "E0803": Severity.ERROR,
    "E9999": Severity.ERROR,
}


def summary(code: str, lang: str = "en") -> str:
    return render(Msg(f"diag.codes.{code}"), lang)


def make(
    code: str,
    message: Words,
    source: SourceFile | None,
    span: Span | None,
    *,
    hint: Words | None = None,
    labels: Iterable[Label] = (),
) -> Diagnostic:
    return Diagnostic(code, CODES[code], _clipped(message), source, span, _clipped(hint), list(labels))


# A field quoted from the contract (a name, a number, a reference) is shown
# up to this many characters: a 180 KB `{reference}` or a 5,000-digit
# duration is named by its start, not printed whole in every message.
MAX_QUOTED = 200
MAX_LISTED = 20  # items of a list field shown (then `…`)


def _clip(value: object) -> object:
    if isinstance(value, str) and len(value) > MAX_QUOTED:
        return value[: MAX_QUOTED - 40] + "…"
    if isinstance(value, Verbatim) and len(value.text) > MAX_QUOTED:
        return Verbatim(value.text[: MAX_QUOTED - 40] + "…")
    if isinstance(value, Msg):
        return _clipped(value)
    if isinstance(value, (list, tuple)):
        items = [_clip(v) for v in value]
        if len(items) > MAX_LISTED:  # 300 years without holiday data: the first ones, then `…`
            items = items[: MAX_LISTED - 1] + [Verbatim("…") if isinstance(items[0], Verbatim) else "…"]
        return type(value)(items)
    return value


@overload
def _clipped(words: Words) -> Words: ...
@overload
def _clipped(words: None) -> None: ...
def _clipped(words: Words | None) -> Words | None:
    if not isinstance(words, Msg) or not words.fields:
        return words
    if not any(isinstance(v, (str, Verbatim, Msg, list, tuple)) for v in words.fields.values()):
        return words
    return Msg(words.key, **{k: _clip(v) for k, v in words.fields.items()})


# ---------------------------------------------------------------- rendering


_WINDOW = 200  # characters of a long line shown around the caret
_BEFORE = 80  # of which before it


def _excerpt(source: SourceFile, span: Span, mark: str) -> list[str]:
    """The source line of `span` and an underline of it in terminal cells.

    The line is shown as a terminal shows it (`source.shown_cells`): grapheme
    clusters at their width (CJK 2, an emoji ZWJ sequence 2, a Thai syllable
    1), tabs expanded, controls and bidirectional characters escaped (`\\x1b`,
    `\\u202e`) so they cannot act on the terminal; the caret moves by what is
    printed. A line longer than 240 characters is shown as a window of 200
    around the caret (the work is bounded by the window, not the line)."""
    line, col = source.line_col(span.start)
    end_line, end_col = source.line_col(span.end)
    raw = source.line_text(line)
    if end_line != line:
        end_col = len(raw) + 1
    start, stop = col - 1, max(end_col - 1, col)
    lead = trail = ""
    if len(raw) > 240:  # keep pathological one-line files readable: a window around the caret
        first = max(0, start - _BEFORE)
        last = min(len(raw), first + _WINDOW)
        lead, trail = ("… " if first else ""), (" …" if last < len(raw) else "")
        raw = raw[first:last]
        start, stop = start - first, min(stop - first, start - first + 40)
    pieces = shown_cells(raw)
    pad = sum(w for off, _, w in pieces if off < start) + len(lead)
    under = [(off, w) for off, _, w in pieces if start <= off < stop]
    if not under and start < len(raw):  # the span starts inside a cluster: underline that cluster
        under = [(off, w) for off, _, w in pieces if off < start][-1:]
        pad -= sum(w for _, w in under)
    width = max(1, sum(w for _, w in under))
    shown = lead + "".join(text for _, text, _ in pieces) + trail
    gutter = str(line)
    return [
        f" {gutter} | {shown}",
        f" {' ' * len(gutter)} | {' ' * pad}{mark * width}",
    ]


def render_text(diag: Diagnostic, lang: str = "en") -> str:
    pos = diag.position()
    where = term_text(diag.source.path) if diag.source else "slalang"
    if pos:
        where = f"{where}:{pos[0]}:{pos[1]}"
    severity = render(Msg(f"cli.severity.{diag.severity.value}"), lang)
    out = [f"{where}: {severity}[{diag.code}]: {term_text(diag.message_in(lang))}"]
    if diag.source is not None and diag.span is not None:
        out += _excerpt(diag.source, diag.span, "^")
    note = render(Msg("cli.severity.note"), lang)
    for label in diag.labels:
        src = label.source or diag.source
        if src is None:
            continue
        line, col = src.line_col(label.span.start)
        out.append(f"{term_text(src.path)}:{line}:{col}: {note}: {term_text(render(label.text, lang))}")
        out += _excerpt(src, label.span, "-")
    hint = diag.hint_in(lang)
    if hint:
        out.append(f"  = {render(Msg('cli.severity.help'), lang)}: {term_text(hint)}")
    return "\n".join(out)


def cap(diags: list[Diagnostic], limit: int = MAX_PER_FILE) -> tuple[list[Diagnostic], int]:
    """Sort a file's diagnostics by position and keep the first `limit`."""
    diags = sorted(diags, key=Diagnostic.sort_key)
    return diags[:limit], max(0, len(diags) - limit)


def to_dict(diag: Diagnostic, lang: str = "en") -> dict:
    pos = diag.position()
    d: dict = {
        "file": diag.source.path if diag.source else None,
        "severity": diag.severity.value,
        "code": diag.code,
        "message": diag.message_in(lang),
    }
    if pos:
        d.update(line=pos[0], column=pos[1], end_line=pos[2], end_column=pos[3])
    hint = diag.hint_in(lang)
    if hint:
        d["hint"] = hint
    labels = []
    for label in diag.labels:
        src = label.source or diag.source
        if src is None:
            continue
        line, col = src.line_col(label.span.start)
        end_line, end_col = src.line_col(label.span.end)
        labels.append(
            {
                "file": src.path,
                "line": line,
                "column": col,
                "end_line": end_line,
                "end_column": end_col,
                "message": render(label.text, lang),
            }
        )
    if labels:
        d["labels"] = labels
    return d


def to_json(diags: list[Diagnostic], files: list[str], lang: str = "en") -> str:
    errors = sum(d.is_error for d in diags)
    doc = {
        "files": files,
        "language": lang,
        "diagnostics": [to_dict(d, lang) for d in diags],
        "summary": {"errors": errors, "warnings": len(diags) - errors},
    }
    return json_text(doc)


def json_text(doc: object) -> str:
    """`doc` as indented JSON, non-ASCII letters as they are, but C1
    controls, bidirectional and zero-width characters written `\\u202e` (JSON
    already escapes C0): a JSON document printed to a terminal is as inert
    as text output."""
    from slalang.textsafe import json_safe

    return json_safe(json.dumps(doc, ensure_ascii=False, indent=2))


# did-you-mean is for typing mistakes: a name longer than this, or more
# candidates than this, gets no suggestion (a 21 KB time zone or a 180 KB
# reference would otherwise cost seconds of edit distances).
SUGGEST_MAX_NAME = 64
SUGGEST_MAX_CANDIDATES = 2000


def did_you_mean(name: str, candidates: Iterable[str]) -> str | None:
    """The closest candidate by edit distance, if it is close enough (at most
    3 edits, fewer for short names). Bounded work: nothing for a name longer
    than `SUGGEST_MAX_NAME`, only the first `SUGGEST_MAX_CANDIDATES`
    candidates, and each distance computed in a band of the limit's width
    that stops as soon as it exceeds the limit."""
    if not name or len(name) > SUGGEST_MAX_NAME:
        return None
    limit = max(1, min(3, len(name) // 3 + 1))
    best, best_d = None, limit + 1
    low = name.lower()
    for n, cand in enumerate(candidates):
        if n >= SUGGEST_MAX_CANDIDATES:
            break
        if abs(len(cand) - len(name)) > limit or len(cand) > SUGGEST_MAX_NAME + limit:
            continue
        d = _distance(low, cand.lower(), limit)
        if d < best_d or (d == best_d and best is not None and cand < best):
            best, best_d = cand, d
    return best if best_d <= limit else None


def _distance(a: str, b: str, limit: int | None = None) -> int:
    """Damerau-Levenshtein (optimal string alignment) distance; with `limit`,
    any distance above it is returned as `limit + 1` (early exit when a whole
    row exceeds it)."""
    if a == b:
        return 0
    over = None if limit is None else limit + 1
    if over is not None and abs(len(a) - len(b)) >= over:
        return over
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if over is not None and min(cur) >= over:
            return over
        prev2, prev = prev, cur
    return prev[-1] if over is None else min(prev[-1], over)
