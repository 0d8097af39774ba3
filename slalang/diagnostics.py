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

from slalang.i18n import Msg, Verbatim, render
from slalang.source import Record, SourceFile, Span, char_width

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
    return Diagnostic(code, CODES[code], message, source, span, hint, list(labels))


# ---------------------------------------------------------------- rendering


def _expand(line: str) -> str:
    return line.expandtabs(4)


def _cells(text: str) -> int:
    return sum(char_width(c) for c in text)


def _excerpt(source: SourceFile, span: Span, mark: str) -> list[str]:
    """The source line of `span` and an underline of it in terminal cells."""
    line, col = source.line_col(span.start)
    end_line, end_col = source.line_col(span.end)
    raw = source.line_text(line)
    if end_line != line:
        end_col = len(raw) + 1
    before = _expand(raw[: col - 1])
    under = raw[col - 1 : end_col - 1] if end_col > col else raw[col - 1 : col]
    pad = _cells(before)
    width = max(1, _cells(_expand(under)))
    shown = _expand(raw)
    if len(shown) > 240:  # keep pathological one-line files readable: a window around the caret
        start = max(0, len(before) - 80)
        shown = ("… " if start else "") + shown[start : start + 200] + (" …" if start + 200 < len(shown) else "")
        pad = _cells(("… " if start else "") + before[start:])
        width = min(width, 40)
    gutter = str(line)
    return [
        f" {gutter} | {shown}",
        f" {' ' * len(gutter)} | {' ' * pad}{mark * width}",
    ]


def render_text(diag: Diagnostic, lang: str = "en") -> str:
    pos = diag.position()
    where = diag.source.path if diag.source else "slalang"
    if pos:
        where = f"{where}:{pos[0]}:{pos[1]}"
    severity = render(Msg(f"cli.severity.{diag.severity.value}"), lang)
    out = [f"{where}: {severity}[{diag.code}]: {diag.message_in(lang)}"]
    if diag.source is not None and diag.span is not None:
        out += _excerpt(diag.source, diag.span, "^")
    note = render(Msg("cli.severity.note"), lang)
    for label in diag.labels:
        src = label.source or diag.source
        if src is None:
            continue
        line, col = src.line_col(label.span.start)
        out.append(f"{src.path}:{line}:{col}: {note}: {render(label.text, lang)}")
        out += _excerpt(src, label.span, "-")
    hint = diag.hint_in(lang)
    if hint:
        out.append(f"  = {render(Msg('cli.severity.help'), lang)}: {hint}")
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
    return json.dumps(doc, ensure_ascii=False, indent=2)


def did_you_mean(name: str, candidates: Iterable[str]) -> str | None:
    """The closest candidate by edit distance, if it is close enough."""
    best, best_d = None, None
    low = name.lower()
    for cand in candidates:
        d = _distance(low, cand.lower())
        if best is None or best_d is None or d < best_d or (d == best_d and cand < best):
            best, best_d = cand, d
    if best is None or best_d is None:
        return None
    limit = max(1, min(3, len(name) // 3 + 1))
    return best if best_d <= limit else None


def _distance(a: str, b: str) -> int:
    """Damerau-Levenshtein (optimal string alignment) distance."""
    if a == b:
        return 0
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[-1]
