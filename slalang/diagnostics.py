"""Diagnostics as data, and the one place that renders them.

Every stage (reading, syntax, lowering, later lint) reports problems as
`Diagnostic` values; nothing below the CLI prints or exits. A diagnostic has a
stable code (listed in `CODES`, documented in docs/language.md), a severity, a
message, a primary span, optional secondary labels and a hint that says what
to write instead. `render_text` gives gcc-style output with the source line and
a caret underline measured in terminal cells; `to_json` gives the same facts to
editors and CI."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import Enum

from slalang.source import SourceFile, Span, char_width

MAX_PER_FILE = 50


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Label:
    span: Span
    message: str
    source: SourceFile | None = None  # None: same file as the diagnostic


@dataclass(slots=True)
class Diagnostic:
    code: str
    severity: Severity
    message: str
    source: SourceFile | None
    span: Span | None
    hint: str | None = None
    labels: list[Label] = field(default_factory=list)

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def position(self) -> tuple[int, int, int, int] | None:
        if self.source is None or self.span is None:
            return None
        line, col = self.source.line_col(self.span.start)
        end_line, end_col = self.source.line_col(self.span.end)
        return line, col, end_line, end_col

    def sort_key(self) -> tuple:
        pos = self.position() or (0, 0, 0, 0)
        return (self.source.path if self.source else "", pos[0], pos[1], self.code)


# Every code the compiler can emit: severity and a one-line summary. The
# language reference lists them from here; tests check each is documented.
CODES: dict[str, tuple[Severity, str]] = {
    # reading the file
    "E0001": (Severity.ERROR, "file cannot be read"),
    "E0002": (Severity.ERROR, "file is not UTF-8 text"),
    "E0003": (Severity.ERROR, "file is empty"),
    "E0004": (Severity.ERROR, "file is too large"),
    "E0005": (Severity.ERROR, "file looks binary (contains NUL bytes)"),
    # syntax
    "E0101": (Severity.ERROR, "unexpected character"),
    "E0102": (Severity.ERROR, "unexpected token"),
    "E0103": (Severity.ERROR, "unexpected end of file (a block is not closed)"),
    "E0104": (Severity.ERROR, "unterminated string"),
    "E0105": (Severity.ERROR, "invalid escape in a string"),
    "E0106": (Severity.ERROR, "invalid date or time"),
    "E0107": (Severity.ERROR, "invalid duration"),
    "E0108": (Severity.ERROR, "a whole number is required"),
    # names
    "E0201": (Severity.ERROR, "unknown name"),
    "E0202": (Severity.ERROR, "duplicate name"),
    "E0203": (Severity.ERROR, "statement given twice"),
    "E0204": (Severity.ERROR, "required statement missing"),
    "E0205": (Severity.ERROR, "invalid contract id or version"),
    "E0206": (Severity.ERROR, "reserved name"),
    # languages and texts
    "E0301": (Severity.ERROR, "text does not give every declared language"),
    "E0302": (Severity.ERROR, "unsupported or repeated language"),
    "E0303": (Severity.ERROR, "prevailing language is not declared"),
    "W0304": (Severity.WARNING, "text appears to be in the wrong language"),
    "E0305": (Severity.ERROR, "empty text"),
    # matrices
    "E0401": (Severity.ERROR, "matrix row missing for a priority"),
    "E0402": (Severity.ERROR, "matrix row repeated"),
    "E0403": (Severity.ERROR, "matrix row has the wrong number of cells"),
    "E0404": (Severity.ERROR, "matrix columns invalid"),
    "E0405": (Severity.ERROR, "business-time unit without a business calendar"),
    "E0406": (Severity.ERROR, "duration mixes wall-clock and business units"),
    "E0407": (Severity.ERROR, "zero duration"),
    "W0408": (Severity.WARNING, "more severe priority has a looser target"),
    "W0409": (Severity.WARNING, "response target slower than resolution target"),
    # thresholds, percentages, money
    "E0501": (Severity.ERROR, "percentage out of range"),
    "E0502": (Severity.ERROR, "thresholds not strictly ordered"),
    "E0503": (Severity.ERROR, "credit ladder malformed"),
    "E0504": (Severity.ERROR, "money amount invalid"),
    # time, place and calendars
    "E0601": (Severity.ERROR, "effective period is empty"),
    "E0602": (Severity.ERROR, "unknown time zone"),
    "E0603": (Severity.ERROR, "unknown currency"),
    "E0604": (Severity.ERROR, "holiday set does not cover the effective period"),
    "E0605": (Severity.ERROR, "unknown holiday set"),
    "E0606": (Severity.ERROR, "invalid working hours"),
    "E0607": (Severity.ERROR, "calendar has no working time"),
    "W0608": (Severity.WARNING, "calendar date outside the effective period"),
    "E0609": (Severity.ERROR, "date is both a holiday and a working day"),
    # clauses
    "E0701": (Severity.ERROR, "reference to a value that does not exist"),
    "E0702": (Severity.ERROR, "malformed reference in a text"),
    "W0703": (Severity.WARNING, "the languages of a text quote different values"),
    "E0703": (Severity.ERROR, "reference outside a clause"),
    # the compiler itself
    "E9999": (Severity.ERROR, "internal error"),
}


def make(
    code: str,
    message: str,
    source: SourceFile | None,
    span: Span | None,
    *,
    hint: str | None = None,
    labels: Iterable[Label] = (),
) -> Diagnostic:
    severity = CODES[code][0]
    return Diagnostic(code, severity, message, source, span, hint, list(labels))


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


def render_text(diag: Diagnostic) -> str:
    pos = diag.position()
    where = diag.source.path if diag.source else "slalang"
    if pos:
        where = f"{where}:{pos[0]}:{pos[1]}"
    out = [f"{where}: {diag.severity.value}[{diag.code}]: {diag.message}"]
    if diag.source is not None and diag.span is not None:
        out += _excerpt(diag.source, diag.span, "^")
    for label in diag.labels:
        src = label.source or diag.source
        if src is None:
            continue
        line, col = src.line_col(label.span.start)
        out.append(f"{src.path}:{line}:{col}: note: {label.message}")
        out += _excerpt(src, label.span, "-")
    if diag.hint:
        out.append(f"  = help: {diag.hint}")
    return "\n".join(out)


def cap(diags: list[Diagnostic], limit: int = MAX_PER_FILE) -> tuple[list[Diagnostic], int]:
    """Sort a file's diagnostics by position and keep the first `limit`."""
    diags = sorted(diags, key=Diagnostic.sort_key)
    return diags[:limit], max(0, len(diags) - limit)


def to_dict(diag: Diagnostic) -> dict:
    pos = diag.position()
    d: dict = {
        "file": diag.source.path if diag.source else None,
        "severity": diag.severity.value,
        "code": diag.code,
        "message": diag.message,
    }
    if pos:
        d.update(line=pos[0], column=pos[1], end_line=pos[2], end_column=pos[3])
    if diag.hint:
        d["hint"] = diag.hint
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
                "message": label.message,
            }
        )
    if labels:
        d["labels"] = labels
    return d


def to_json(diags: list[Diagnostic], files: list[str]) -> str:
    errors = sum(d.is_error for d in diags)
    doc = {
        "files": files,
        "diagnostics": [to_dict(d) for d in diags],
        "summary": {"errors": errors, "warnings": len(diags) - errors},
    }
    return json.dumps(doc, ensure_ascii=False, indent=2)


def did_you_mean(name: str, candidates: Iterable[str]) -> str | None:
    """The closest candidate by edit distance, if it is close enough."""
    best, best_d = None, None
    low = name.lower()
    for cand in candidates:
        d = _distance(low, cand.lower())
        if best_d is None or d < best_d or (d == best_d and cand < best):
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
