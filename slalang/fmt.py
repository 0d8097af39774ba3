"""The canonical formatter: AST + comments → the one layout of a `.sla` file.

Owns how a contract looks on disk: two-space indentation, one space between
words, double-quoted strings with canonical escapes, canonical number and
duration spelling, blank lines between sections (and nowhere else), matrices
aligned as columns under their column names, bilingual pairs aligned (the `|`
of consecutive texts in one column, measured in terminal cells so Chinese
counts double), end-of-line comments aligned, and every `# comment` kept where
it was: an own-line comment stays before the statement (or closing brace) that
followed it, an end-of-line comment stays at the end of the line that holds the
token it followed.

The layout depends only on the tree and the comments, never on the spacing of
the input, so formatting is idempotent and `slalang.compiler.canonical_source`
(whose sha256 identifies a contract in its outputs) ignores re-spacing.

Spelling that is canonicalised (meaning unchanged):
  * durations: units merged and ordered largest first, zero parts and leading
    zeros dropped (`30m1h` → `1h30m`, `0h45m` → `45m`); the units the author
    chose are kept (`90m` stays `90m`, `72h` stays `72h`);
  * numbers and percentages: leading zeros dropped (`07.50` → `7.50`); money
    (fees, money credits) padded to the currency's minor unit (`120000` →
    `120000.00` in CNY);
  * calendar spans agree in number (`1 months` → `1 month`), holiday sets are
    lower case, empty optional bodies (`priority P0 "…" {}`) are dropped, a
    one-day range `sat..sat` is written `sat`;
  * strings: escapes are `\\"`, `\\\\`, `\\n`, `\\t`, `\\{`, `\\}` and `\\u{202E}` (a
    bidirectional control, written in capitals) only, and a
    reference is written `{path}` without inner spaces.
Because duration spelling is part of the model (`Duration.spelling`) and
statements move between lines (`line` fields), the meaning check compares
models with both normalised (`normalised_model`).

`format_source` refuses a file that does not compile (raising `FormatRefused`
with the diagnostics) and verifies its own output: the same model, the same
comments, and a fixed point. A failure there is a bug (`FormatterBug`), and
the file is left alone."""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from slalang import ast, durations
from slalang.errors import FormatRefused, FormatterBug
from slalang.source import SourceFile, display_width
from slalang.terms import CALENDAR_UNITS, holiday_set_name
from slalang.textsafe import BIDI_CONTROLS

__all__ = ["FormatRefused", "FormatterBug", "format_source", "format_text", "layout", "layout_source"]


@functools.lru_cache(maxsize=1 << 16)
def _width(text: str) -> int:
    """Terminal cells of `text` (ASCII, the common case, without a lookup)."""
    return len(text) if text.isascii() else display_width(text)


INDENT = "  "
# Body texts (priority definitions, clause paragraphs) longer than this many
# terminal cells are written one language per line, `|` leading the next.
BODY_TEXT_WIDTH = 120
# Aligning a column never pads a cell by more than this many cells.
MAX_PAD = 12


# Top-level statements of one group sit together; a blank line separates
# groups. Matrices and clauses are long: each stands alone.
_GROUPS = {
    "title": "header",
    "languages": "header",
    "prevailing": "header",
    "kind": "header",
    "version_label": "header",
    "effective": "header",
    "timezone": "header",
    "currency": "header",
    "provider": "parties",
    "customer": "parties",
    "scope": "scope",
    "calendar": "calendars",
    "priority": "priorities",
    "updates": "updates",
    "followup": "updates",
    "availability": "availability",
    "warnings": "warnings",
    "credit": "credits",
    "credits": "credits",
    "exclusions": "exclusions",
    "reporting": "reporting",
    "disputes": "disputes",
    "duty": "duties",
    "target": "targets",
}
_SOLO = {"matrix", "clause", "continuity", "security"}


# ---------------------------------------------------------------- spelling


# The one canonical spelling of a duration lives in slalang/durations.py.
canonical_duration = durations.canonical
canonical_duration_spelling = durations.canonical_spelling


def canonical_number(raw: str) -> str:
    return re.sub(r"^0+(?=\d)", "", raw)


def canonical_money(raw: str, currency: str | None) -> str:
    """A money amount with at least the currency's minor-unit digits."""
    raw = canonical_number(raw)
    digits = _currency_digits(currency)
    if digits is None:
        return raw
    whole, _, frac = raw.partition(".")
    if len(frac) >= digits:
        return raw
    frac = frac.ljust(digits, "0")
    return f"{whole}.{frac}" if frac else whole


def _currency_digits(currency: str | None) -> int | None:
    if not currency:
        return None
    from babel.core import get_global
    from babel.numbers import get_currency_precision

    if currency not in get_global("all_currencies"):
        return None  # lowering reports the unknown code; keep the spelling
    return int(get_currency_precision(currency))


_ESCAPE = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "{": "\\{", "}": "\\}"}
# A bidirectional control is written as its escape, the one way a contract
# may hold one (E0006 refuses the character itself).
_ESCAPE.update({ch: f"\\u{{{ord(ch):04X}}}" for ch in BIDI_CONTROLS})


def quote(s: ast.Str) -> str:
    out = ['"']
    for seg in s.segments:
        if isinstance(seg, ast.Ref):
            out.append("{" + seg.path + "}")
        else:
            out.append("".join(_ESCAPE.get(ch, ch) for ch in seg))
    out.append('"')
    return "".join(out)


# ---------------------------------------------------------------- layout data


@dataclass
class Cell:
    text: str
    slot: str  # cells align with cells of the same slot path in a run
    right: bool = False


@dataclass
class Line:
    depth: int
    cells: list[Cell]
    positions: list[int]  # source offsets of the tokens this line holds
    run: int | None = None  # alignment run (consecutive one-line statements)
    before: list[str] = field(default_factory=list)  # own-line comments
    after: list[str] = field(default_factory=list)  # end-of-line comments
    blank: bool = False  # a blank line before (and before its comments)
    gap_after_comments: bool = False  # a blank line between comments and code
    comment_depth: int | None = None  # depth of own-line comments before it


def _lit_positions(node) -> list[int]:
    out: list[int] = []
    for c in node.children:
        if isinstance(c, ast.Node):
            out.append(c.span.start)
            out.extend(_lit_positions(c))
        elif isinstance(c, ast.Text):
            out.extend(s.span.start for s in c.strings)
        else:
            out.append(c.span.start)
    return out


class _Layout:
    """Builds the `Line`s of one contract from its AST."""

    def __init__(self, text: str, root: ast.Node, comments: Sequence[ast.Comment] = ()) -> None:
        self.text = text
        self.root = root
        self.comment_starts = sorted(c.span.start for c in comments)
        cur = root.first("currency")
        self.currency = cur.lit(ast.Name).value if cur is not None else None
        self._run = 0

    # helpers -------------------------------------------------------------
    def new_run(self) -> int:
        self._run += 1
        return self._run

    def brace_after(self, pos: int) -> int:
        """The offset of the `{` that opens a block whose head ends at `pos`."""
        t = self.text
        i = pos
        while i < len(t):
            ch = t[i]
            if ch == "#":
                j = t.find("\n", i)
                i = len(t) if j == -1 else j
            elif ch == "{":
                return i
            else:
                i += 1
        return pos

    def has_comment(self, start: int, end: int) -> bool:
        """Is there a comment between offsets `start` and `end`?"""
        k = bisect.bisect_right(self.comment_starts, start)
        return k < len(self.comment_starts) and self.comment_starts[k] < end

    def closer(self, node: ast.Node) -> int:
        return node.span.end - 1

    def text_cells(self, t: ast.Text) -> list[Cell]:
        if len(t.strings) == 1:
            return [Cell(quote(t.strings[0]), "t")]
        return [Cell(("| " if i else "") + quote(s), f"t{i}") for i, s in enumerate(t.strings)]

    def text_inline(self, t: ast.Text) -> str:
        return " | ".join(quote(s) for s in t.strings)

    def dur(self, d: ast.DurationLit) -> str:
        return canonical_duration(d.parts)

    def period(self, node: ast.Node) -> str:
        return node.lit(ast.Keyword).value

    def amount(self, node: ast.Node) -> str:
        if node.kind == "percent_amount":
            pct = node.lit(ast.PercentLit)
            base = node.lit(ast.Keyword)
            return canonical_number(pct.raw) + (f" of {base.value}" if base is not None else "")
        num = node.lit(ast.NumberLit)
        cur = node.lit(ast.Name)
        return f"{canonical_money(num.raw, cur.value)} {cur.value}"

    def amount_of(self, node: ast.Node) -> str:
        found = node.first("percent_amount") or node.first("money_amount")
        assert found is not None, "the grammar gives every amount one of the two"
        return self.amount(found)

    def days(self, node: ast.Node) -> str:
        spans = []
        for s in node.nodes("day_span"):
            kws = [k.value for k in s.lits(ast.Keyword)]
            spans.append(kws[0] if len(kws) == 1 or kws[0] == kws[-1] else f"{kws[0]}..{kws[-1]}")
        return ", ".join(spans)

    def time_range(self, node: ast.Node) -> str:
        a, b = node.lits(ast.TimeLit)
        return f"{a.raw}-{b.raw}"

    def calendar_span(self, num: ast.NumberLit, unit: ast.Keyword) -> str:
        n = canonical_number(num.raw)
        base = CALENDAR_UNITS[unit.value]
        return f"{n} {base if Decimal(n) == 1 else base + 's'}"

    def single(self, node: ast.Node, depth: int, cells: list[Cell]) -> list[Line]:
        positions = [node.span.start, *_lit_positions(node), max(node.span.start, node.span.end - 1)]
        return [Line(depth, cells, positions)]

    def kw(self, word: str) -> Cell:
        return Cell(word, "kw")

    def block(
        self, node: ast.Node, depth: int, head: str, head_lits: list, items: list, toplevel: bool = False
    ) -> list[Line]:
        """A statement with a `{ … }` body. `head_lits` are the literals of
        its first line (strings of a text separately); `items` the body's
        nodes or texts."""
        head_positions = [node.span.start, *(x.span.start for x in head_lits)]
        head_end = max([x.span.end for x in head_lits], default=node.span.start + len(head.split()[0]))
        brace = self.brace_after(head_end)
        close = self.closer(node)
        if not items and not self.has_comment(brace, close):  # a comment keeps an empty block open
            return [Line(depth, [Cell(head + " {}", "head")], [*head_positions, brace, close])]
        lines = [Line(depth, [Cell(head + " {", "head")], [*head_positions, brace])]
        lines += self.body(items, depth + 1, toplevel)
        lines.append(Line(depth, [Cell("}", "close")], [close], comment_depth=depth + 1))
        return lines

    def body(self, items: list, depth: int, toplevel: bool = False) -> list[Line]:
        out: list[Line] = []
        run = self.new_run()
        prev_group = None
        for item in items:
            if isinstance(item, ast.Text):
                lines = self.body_text(item, depth)
                group = None
            else:
                lines = getattr(self, "s_" + item.kind)(item, depth)
                group = _GROUPS.get(item.kind, item.kind)
            if toplevel and prev_group is not None and (group != prev_group or group in _SOLO):
                lines[0].blank = True
                run = self.new_run()
            prev_group = group
            if len(lines) == 1 and lines[0].cells[0].slot != "head":
                lines[0].run = run
            else:
                run = self.new_run()
            out += lines
        return out

    def body_text(self, t: ast.Text, depth: int) -> list[Line]:
        width = _width(INDENT * depth + self.text_inline(t))
        if len(t.strings) == 1 or width <= BODY_TEXT_WIDTH:
            return [Line(depth, self.text_cells(t), [s.span.start for s in t.strings])]
        return [
            Line(depth, [Cell(("| " if i else "") + quote(s), "split")], [s.span.start])
            for i, s in enumerate(t.strings)
        ]

    # the contract --------------------------------------------------------
    def contract(self) -> list[Line]:
        root = self.root
        cid, ver = root.lits(ast.Str)[:2]
        head = f"contract {quote(cid)} version {quote(ver)}"
        items = list(root.nodes())
        lines = self.block(root, 0, head, [cid, ver], items, toplevel=True)
        lines[0].gap_after_comments = True
        return lines

    # header ---------------------------------------------------------------
    def s_kind(self, n, d):
        return self.single(n, d, [self.kw("kind"), Cell(n.lit(ast.Keyword).value, "name")])

    def s_title(self, n, d):
        return self.single(n, d, [self.kw("title"), *self.text_cells(n.lit(ast.Text))])

    def s_languages(self, n, d):
        return self.single(n, d, [self.kw("languages"), Cell(", ".join(x.value for x in n.lits(ast.Name)), "list")])

    def s_prevailing(self, n, d):
        return self.single(n, d, [self.kw("prevailing"), Cell(n.lit(ast.Name).value, "name")])

    def s_effective(self, n, d):
        a, b = n.lits(ast.DateLit)
        return self.single(n, d, [self.kw("effective"), Cell(f"{a.raw} to {b.raw}", "dates")])

    def s_timezone(self, n, d):
        return self.single(n, d, [self.kw("timezone"), Cell(quote(n.lit(ast.Str)), "str")])

    def s_currency(self, n, d):
        return self.single(n, d, [self.kw("currency"), Cell(n.lit(ast.Name).value, "name")])

    # parties ----------------------------------------------------------------
    def s_provider(self, n, d):
        return self.party(n, d, "provider")

    def s_customer(self, n, d):
        return self.party(n, d, "customer")

    def party(self, n, d, word):
        t = n.lit(ast.Text)
        body = n.first("party_body")
        items = list(body.nodes()) if body is not None else []
        if body is None or (not items and not self.has_comment(body.span.start, body.span.end)):
            return self.single(n, d, [self.kw(word), *self.text_cells(t)])
        return self.block(n, d, f"{word} {self.text_inline(t)}", [*t.strings], items)

    def s_credential(self, n, d):
        return self.single(n, d, [self.kw("credential"), *self.text_cells(n.lit(ast.Text))])

    def s_address(self, n, d):
        return self.single(n, d, [self.kw("address"), *self.text_cells(n.lit(ast.Text))])

    def s_contact(self, n, d):
        return self.single(n, d, [self.kw("contact"), *self.text_cells(n.lit(ast.Text))])

    # scope ------------------------------------------------------------------
    def s_scope(self, n, d):
        return self.block(n, d, "scope", [], list(n.nodes()))

    def s_region(self, n, d):
        return self.single(
            n, d, [self.kw("region"), Cell(n.lit(ast.Name).value, "name"), *self.text_cells(n.lit(ast.Text))]
        )

    def s_plan(self, n, d):
        return self.single(
            n, d, [self.kw("plan"), Cell(n.lit(ast.Name).value, "name"), *self.text_cells(n.lit(ast.Text))]
        )

    def s_flag(self, n, d):
        return self.single(
            n, d, [self.kw("flag"), Cell(n.lit(ast.Name).value, "name"), *self.text_cells(n.lit(ast.Text))]
        )

    def s_service(self, n, d):
        return self.single(
            n, d, [self.kw("service"), Cell(n.lit(ast.Name).value, "name"), *self.text_cells(n.lit(ast.Text))]
        )

    def s_product(self, n, d):
        cells = [self.kw("product"), Cell(n.lit(ast.Name).value, "name"), *self.text_cells(n.lit(ast.Text))]
        fee = n.first("fee")
        if fee is not None:
            cells += [
                Cell("fee", "fee"),
                Cell(canonical_money(fee.lit(ast.NumberLit).raw, self.currency), "num", True),
                Cell(f"per {self.period(fee.first('period'))}", "per"),
            ]
        return self.single(n, d, cells)

    # calendars --------------------------------------------------------------
    def s_calendar(self, n, d):
        name, t = n.lit(ast.Name), n.lit(ast.Text)
        head = f"calendar {name.value} {self.text_inline(t)}"
        return self.block(n, d, head, [name, *t.strings], list(n.nodes()))

    def s_calendar_timezone(self, n, d):
        return self.single(n, d, [self.kw("timezone"), Cell(quote(n.lit(ast.Str)), "tz")])

    def s_calendar_region(self, n, d):
        name = n.lit(ast.Name)
        return self.block(n, d, f"region {name.value}", [name], list(n.nodes()))

    def s_hours(self, n, d):
        ranges = ", ".join(self.time_range(r) for r in n.nodes("time_range"))
        return self.single(n, d, [self.kw("hours"), Cell(self.days(n.first("days")), "days"), Cell(ranges, "ranges")])

    def s_holiday_set(self, n, d):
        return self.single(n, d, [self.kw("holidays"), Cell(holiday_set_name(ast.holiday_set_written(n)), "name")])

    def s_extra_holiday(self, n, d):
        return self.dated(n, d, "holiday")

    def s_extra_workday(self, n, d):
        return self.dated(n, d, "workday")

    def s_schedule(self, n, d):
        year, t = n.lit(ast.NumberLit), n.lit(ast.Text)
        head = f"year {canonical_number(year.raw)} {self.text_inline(t)}"
        return self.block(n, d, head, [year, *t.strings], list(n.nodes()))

    def s_schedule_holiday(self, n, d):
        t = n.lit(ast.Text)
        dates = n.lits(ast.DateLit)
        span = dates[0].raw if len(dates) == 1 else f"{dates[0].raw}..{dates[-1].raw}"
        cells = [self.kw("holiday"), Cell(span, "date")]
        if t is not None:
            cells += self.text_cells(t)
        return self.single(n, d, cells)

    def s_schedule_workday(self, n, d):
        return self.dated(n, d, "workday")

    def dated(self, n, d, word):
        t = n.lit(ast.Text)
        cells = [self.kw(word), Cell(n.lit(ast.DateLit).raw, "date")]
        if t is not None:
            cells += self.text_cells(t)
        return self.single(n, d, cells)

    # priorities -------------------------------------------------------------
    def s_priority(self, n, d):
        name, t = n.lit(ast.Name), n.lit(ast.Text)
        body = n.first("priority_body")
        texts = body.lits(ast.Text) if body is not None else []
        if body is None or (not texts and not self.has_comment(body.span.start, body.span.end)):
            return self.single(n, d, [self.kw("priority"), Cell(name.value, "name"), *self.text_cells(t)])
        head = f"priority {name.value} {self.text_inline(t)}"
        return self.block(n, d, head, [name, *t.strings], texts)

    # targets ----------------------------------------------------------------
    def s_matrix(self, n, d):
        metric, t = n.lit(ast.Keyword), n.lit(ast.Text)
        head = f"{metric.value} {self.text_inline(t)}"
        return self.block(n, d, head, [*t.strings], list(n.nodes()))

    def s_clock(self, n, d):
        return self.single(n, d, [self.kw("clock"), Cell(n.lit(ast.Name).value, "clock")])

    def s_clock_start(self, n, d):
        return self.single(
            n, d, [self.kw("from"), Cell(n.lit(ast.Name).value, "start"), *self.text_cells(n.lit(ast.Text))]
        )

    def s_columns(self, n, d):
        names = [".".join(x.value for x in ref.lits(ast.Name)) for ref in n.nodes("column_ref")]
        cells = [Cell(name + ("," if i < len(names) - 1 else ""), f"c{i}") for i, name in enumerate(names)]
        return self.single(n, d, [self.kw("columns"), *cells])

    def s_row(self, n, d):
        name = n.lit(ast.Name)
        cond = n.first("condition")
        head = name.value + (f" when {cond.lit(ast.Name).value}" if cond is not None else "")
        cells = [
            c
            for c in n.children
            if not isinstance(c, ast.Name) and not (isinstance(c, ast.Node) and c.kind == "condition")
        ]

        def cell(c) -> str:
            if isinstance(c, ast.Keyword):
                return c.value
            if isinstance(c, ast.Node):  # `<1h`
                return "<" + self.dur(c.lit(ast.DurationLit))
            return self.dur(c)

        out = [Cell(cell(c), f"c{i}") for i, c in enumerate(cells)]
        return self.single(n, d, [self.kw(head), *out])

    def s_updates(self, n, d):
        t = n.lit(ast.Text)
        return self.block(n, d, f"updates {self.text_inline(t)}", [*t.strings], list(n.nodes()))

    def s_update_rule(self, n, d):
        return self.single(
            n, d, [self.kw(n.lit(ast.Name).value), Cell(f"every {self.dur(n.lit(ast.DurationLit))}", "every")]
        )

    def s_followup(self, n, d):
        within = f"within {self.dur(n.lit(ast.DurationLit))} after resolution"
        return self.single(n, d, [self.kw("followup"), *self.text_cells(n.lit(ast.Text)), Cell(within, "within")])

    def s_pauses(self, n, d):
        return self.single(n, d, [self.kw("pauses"), *self.text_cells(n.lit(ast.Text))])

    def s_availability(self, n, d):
        name, pct = n.lit(ast.Name), n.lit(ast.PercentLit)
        body = n.first("availability_body")
        if body is not None:
            head = f"availability {name.value} {canonical_number(pct.raw)} per {self.period(n.first('period'))}"
            return self.block(n, d, head, [name, pct], list(body.nodes()))
        return self.single(
            n,
            d,
            [
                self.kw("availability"),
                Cell(name.value, "name"),
                Cell(canonical_number(pct.raw), "pct"),
                Cell(f"per {self.period(n.first('period'))}", "per"),
            ],
        )

    def s_per_resource(self, n, d):
        return self.single(n, d, [Cell(f"per {n.lit(ast.Name).value}", "measure")])

    def s_downtime_counting(self, n, d):
        words = " ".join(k.value for k in n.lits(ast.Keyword))
        return self.single(n, d, [Cell(f"downtime per {words}", "measure")])

    def s_ignore_outages(self, n, d):
        bound = "under" if any(k.terminal == "OUTAGE_UNDER" for k in n.lits(ast.Keyword)) else "up to"
        return self.single(n, d, [Cell(f"ignore outages {bound} {self.dur(n.lit(ast.DurationLit))}", "measure")])

    def s_buckets(self, n, d):
        rate = canonical_number(n.lit(ast.PercentLit).raw)
        text = f"{self.dur(n.lit(ast.DurationLit))} down when errors above {rate}"
        return self.single(n, d, [Cell(f"buckets {text}", "measure")])

    def s_denominator(self, n, d):
        return self.single(n, d, [Cell(f"over {n.lit(ast.Keyword).value}", "measure")])

    def s_warnings(self, n, d):
        return self.block(n, d, "warnings", [], list(n.nodes()))

    def s_monitor(self, n, d):
        return self.single(n, d, [self.kw("monitor"), *self.text_cells(n.lit(ast.Text))])

    def s_confirm(self, n, d):
        return self.single(n, d, [self.kw("confirm"), *self.text_cells(n.lit(ast.Text))])

    def s_warning_level(self, n, d):
        return self.single(
            n, d, [self.kw(n.lit(ast.Keyword).value), Cell(f"at {canonical_number(n.lit(ast.PercentLit).raw)}", "at")]
        )

    # credits ----------------------------------------------------------------
    def s_credit(self, n, d):
        name, t, metric = n.lit(ast.Name), n.lit(ast.Text), n.lit(ast.Keyword)
        head = f"credit {name.value} {self.text_inline(t)} on {metric.value}"
        lits: list = [name, *t.strings, metric]
        scope = n.first("credit_products")
        if scope is not None:
            products = scope.lits(ast.Name)
            head += " of " + ", ".join(p.value for p in products)
            lits += products
        items = [x for x in n.nodes() if x.kind != "credit_products"]
        return self.block(n, d, head, lits, items)

    def s_ladder_minimum(self, n, d):
        return self.single(n, d, [self.kw("minimum"), Cell(self.amount_of(n), "amount")])

    def s_combine(self, n, d):
        return self.single(n, d, [self.kw("combine"), Cell(n.lit(ast.Keyword).value, "combine")])

    def s_partial_periods(self, n, d):
        return self.single(n, d, [self.kw("partial_periods"), Cell(n.lit(ast.Keyword).value, "partial")])

    def claim_span(self, n: ast.Node) -> str:
        dur = n.lit(ast.DurationLit)
        if dur is not None:
            return self.dur(dur)
        return self.calendar_span(n.lit(ast.NumberLit), n.lit(ast.Keyword))

    def s_step_rule(self, n, d):
        mode = n.lit(ast.Keyword).value
        return self.single(
            n,
            d,
            [Cell(f"per {mode} {self.dur(n.lit(ast.DurationLit))} late:", "step"), Cell(self.amount_of(n), "amount")],
        )

    def s_tier_rule(self, n, d):
        return self.single(
            n,
            d,
            [
                self.kw("below"),
                Cell(canonical_number(n.lit(ast.PercentLit).raw) + ":", "below"),
                Cell(self.amount_of(n), "amount"),
            ],
        )

    def s_ladder_cap(self, n, d):
        return self.single(n, d, [self.kw("cap"), Cell(self.amount_of(n), "amount")])

    def s_credits(self, n, d):
        return self.block(n, d, "credits", [], list(n.nodes()))

    def s_credits_cap(self, n, d):
        return self.single(
            n, d, [self.kw("cap"), Cell(f"{self.amount_of(n)} per {self.period(n.first('period'))}", "cap")]
        )

    def s_credit_form(self, n, d):
        t = n.lit(ast.Text)
        return self.single(
            n, d, [self.kw("form"), Cell(n.lit(ast.Keyword).value, "form"), *(self.text_cells(t) if t else [])]
        )

    def s_claim(self, n, d):
        opens = n.first("claim_opens")
        text = f"from {self.claim_span(opens.must('claim_span'))} " if opens is not None else ""
        text += f"within {self.claim_span(n.must('claim_span'))} after {n.keyword('CLAIM_ANCHOR').value}"
        cal = n.first("claim_calendar")
        if cal is not None:
            text += f" on {cal.lit(ast.Name).value}"
        return self.single(n, d, [self.kw("claim"), Cell(text, "claim")])

    def s_rounding(self, n, d):
        text = f"{n.lit(ast.Keyword).value} to {canonical_number(n.lit(ast.NumberLit).raw)}"
        scope = n.first("rounding_scope")
        if scope is not None:
            text += f" per {scope.lit(ast.Keyword).value}"
        return self.single(n, d, [self.kw("rounding"), Cell(text, "rounding")])

    # exclusions -------------------------------------------------------------
    def s_exclusions(self, n, d):
        return self.block(n, d, "exclusions", [], list(n.nodes()))

    def s_force_majeure(self, n, d):
        t = n.lit(ast.Text)
        body = n.first("force_majeure_body")
        items = list(body.nodes()) if body is not None else []
        if body is None or (not items and not self.has_comment(body.span.start, body.span.end)):
            return self.single(n, d, [Cell("force_majeure", "force_majeure"), *self.text_cells(t)])
        return self.block(n, d, f"force_majeure {self.text_inline(t)}", [*t.strings], items)

    def s_notify(self, n, d):
        return self.single(n, d, [self.kw("notify"), Cell(f"within {self.dur(n.lit(ast.DurationLit))}", "within")])

    def s_maintenance(self, n, d):
        terms = []
        for term in n.nodes():
            if term.kind == "maintenance_notice":
                terms.append(f"notice {self.dur(term.lit(ast.DurationLit))}")
            elif term.kind == "maintenance_max":
                terms.append(f"max {self.dur(term.lit(ast.DurationLit))} per {self.period(term.first('period'))}")
            else:
                terms.append(f"window {self.days(term.first('days'))} {self.time_range(term.first('time_range'))}")
        return self.single(n, d, [Cell("maintenance", "maintenance"), Cell(", ".join(terms), "terms")])

    def s_customer_caused(self, n, d):
        t = n.lit(ast.Text)
        return self.single(
            n, d, [Cell("customer_caused", "customer_caused"), *(self.text_cells(t) if t is not None else [])]
        )

    def s_other_exclusion(self, n, d):
        return self.single(
            n, d, [Cell("exclude", "exclude"), Cell(n.lit(ast.Name).value, "name"), *self.text_cells(n.lit(ast.Text))]
        )

    # reporting and legal ----------------------------------------------------
    def s_reporting(self, n, d):
        return self.block(n, d, "reporting", [], list(n.nodes()))

    def s_reports(self, n, d):
        return self.single(n, d, [self.kw("reports"), Cell(", ".join(k.value for k in n.lits(ast.Keyword)), "list")])

    def s_metrics(self, n, d):
        return self.single(n, d, [self.kw("metrics"), Cell(", ".join(k.value for k in n.lits(ast.Name)), "list")])

    def s_retention(self, n, d):
        return self.single(
            n, d, [self.kw("retention"), Cell(self.calendar_span(n.lit(ast.NumberLit), n.lit(ast.Keyword)), "span")]
        )

    def s_audit(self, n, d):
        unit, by = n.keyword("CALENDAR_UNIT"), n.keyword("AUDITOR")
        return self.single(
            n,
            d,
            [self.kw("audit"), Cell(f"every {self.calendar_span(n.lit(ast.NumberLit), unit)} by {by.value}", "audit")],
        )

    # continuity, security, duties ---------------------------------------------
    def s_version_label(self, n, d):
        return self.single(n, d, [self.kw("version_label"), *self.text_cells(n.lit(ast.Text))])

    def s_continuity(self, n, d):
        t = n.lit(ast.Text)
        return self.block(n, d, f"continuity {self.text_inline(t)}", [*t.strings], list(n.nodes()))

    def s_security(self, n, d):
        t = n.lit(ast.Text)
        return self.block(n, d, f"security {self.text_inline(t)}", [*t.strings], list(n.nodes()))

    def _text_statement(self, n, d, word):
        return self.single(n, d, [self.kw(word), *self.text_cells(n.lit(ast.Text))])

    def s_standby(self, n, d):
        return self._text_statement(n, d, "standby")

    def s_standard(self, n, d):
        return self._text_statement(n, d, "standard")

    def s_encrypt(self, n, d):
        return self._text_statement(n, d, "encrypt")

    def s_access(self, n, d):
        return self._text_statement(n, d, "access")

    def s_evidence(self, n, d):
        return self._text_statement(n, d, "evidence")

    def s_method(self, n, d):
        return self._text_statement(n, d, "method")

    def s_rto(self, n, d):
        return self.single(n, d, [self.kw("rto"), Cell(self.dur(n.lit(ast.DurationLit)), "duration")])

    def s_rpo(self, n, d):
        return self.single(n, d, [self.kw("rpo"), Cell(self.dur(n.lit(ast.DurationLit)), "duration")])

    def s_due_calendar(self, n, d):
        return self.single(n, d, [self.kw("on"), Cell(n.lit(ast.Name).value, "name")])

    def cadence(self, n) -> str:
        every, times = n.first("every_cadence"), n.first("times_cadence")
        if every is not None:
            return "every " + self.calendar_span(every.lit(ast.NumberLit), every.keyword("CALENDAR_UNIT"))
        if times is not None:
            count = canonical_number(times.lit(ast.NumberLit).raw)
            word = "time" if Decimal(count) == 1 else "times"
            return f"{count} {word} per {self.period(times.must('period'))}"
        return ""

    def s_duty(self, n, d):
        name, t = n.lit(ast.Name), n.lit(ast.Text)
        performer = n.first("performer")
        by = ""
        by_lits: list = []
        if performer is not None:
            word = performer.lit(ast.Keyword)
            if word is not None:
                by = f"by {word.value}"
            else:
                pt = performer.lit(ast.Text)
                by = f"by {self.text_inline(pt)}"
                by_lits = [*pt.strings]
        cadence = self.cadence(n)
        body = n.first("duty_body")
        items = list(body.nodes()) if body is not None else []
        if body is None or (not items and not self.has_comment(body.span.start, body.span.end)):
            cells = [self.kw("duty"), Cell(name.value, "name"), *self.text_cells(t)]
            if cadence:
                cells.append(Cell(cadence, "cadence"))
            if by:
                cells.append(Cell(by, "by"))
            return self.single(n, d, cells)
        head = " ".join(x for x in (f"duty {name.value} {self.text_inline(t)}", cadence, by) if x)
        return self.block(n, d, head, [name, *t.strings, *by_lits], items)

    def s_target(self, n, d):
        name, t = n.lit(ast.Name), n.lit(ast.Text)
        bound = n.keyword("BOUND").value
        value = n.lit(ast.PercentLit) or n.lit(ast.NumberLit)
        goal = f"at {bound} {canonical_number(value.raw)} per {self.period(n.must('period'))}"
        body = n.first("target_body")
        items = list(body.nodes()) if body is not None else []
        if body is None or (not items and not self.has_comment(body.span.start, body.span.end)):
            return self.single(
                n, d, [self.kw("target"), Cell(name.value, "name"), *self.text_cells(t), Cell(goal, "goal")]
            )
        return self.block(n, d, f"target {name.value} {self.text_inline(t)} {goal}", [name, *t.strings, value], items)

    def s_disputes(self, n, d):
        return self.block(n, d, "disputes", [], list(n.nodes()))

    def _legal(self, n, d, word):
        return self.single(n, d, [self.kw(word), *self.text_cells(n.lit(ast.Text))])

    def s_law(self, n, d):
        return self._legal(n, d, "law")

    def s_arbitration(self, n, d):
        return self._legal(n, d, "arbitration")

    def s_court(self, n, d):
        return self._legal(n, d, "court")

    def s_seat(self, n, d):
        return self._legal(n, d, "seat")

    def s_clause(self, n, d):
        name = n.lit(ast.Name)
        texts = n.lits(ast.Text)
        head = "clause " + (f"{name.value} " if name is not None else "") + self.text_inline(texts[0])
        return self.block(n, d, head, [*([name] if name else []), *texts[0].strings], texts[1:])


# ---------------------------------------------------------------- comments


def _attach_comments(text: str, lines: list[Line], comments: list[ast.Comment]) -> list[str]:
    """Hang every comment on a line; returns the comments after the last token."""
    index = sorted((p, i) for i, line in enumerate(lines) for p in line.positions)
    keys = [p for p, _ in index]
    trailing: list[str] = []
    for c in comments:
        body = c.text.rstrip()
        line_start = text.rfind("\n", 0, c.span.start) + 1
        own_line = not text[line_start : c.span.start].strip()
        if own_line:
            k = bisect.bisect_right(keys, c.span.start)
            if k == len(keys):
                trailing.append(body)
            else:
                lines[index[k][1]].before.append(body)
        else:
            k = bisect.bisect_left(keys, c.span.start) - 1
            lines[index[max(k, 0)][1]].after.append(body)
    for line in lines:
        # Two end-of-line comments landed on one line (a statement written on
        # several lines was joined): the earlier ones go above it, in order.
        if len(line.after) > 1:
            line.before.extend(line.after[:-1])
            line.after = line.after[-1:]
    return trailing


# ---------------------------------------------------------------- rendering


def _align(lines: list[Line], align: bool = True) -> list[str]:
    """Each line's code text, with the cells of every run aligned.

    Column by column, cells of one run align when their lines agree on the
    slots so far; a column is split into sections where aligning would pad a
    cell by more than MAX_PAD cells (a short `"北京"` under a long arbitration
    body reads worse aligned than not)."""
    groups: list[tuple] = [(line.run,) for line in lines]
    widths: list[dict[int, int]] = [{} for _ in lines]  # line → column → width
    ncols = max((len(line.cells) for line in lines), default=0)
    for i in range(ncols if align else 0):
        members: dict[tuple, list[int]] = {}
        for k, line in enumerate(lines):
            if line.run is None or i >= len(line.cells) - 1:
                continue  # no padding after the last cell
            members.setdefault((groups[k], line.cells[i].slot), []).append(k)
        for key, ks in members.items():
            section = 0
            lo: int | None = None
            hi: int | None = None
            assigned: list[tuple[int, int]] = []
            for k in ks:
                w = _width(lines[k].cells[i].text)
                if lo is not None and hi is not None and max(hi, w) - min(lo, w) > MAX_PAD:
                    section, lo, hi = section + 1, None, None
                lo = w if lo is None else min(lo, w)
                hi = w if hi is None else max(hi, w)
                assigned.append((k, section))
            section_width: dict[int, int] = {}
            for k, sec in assigned:
                section_width[sec] = max(section_width.get(sec, 0), _width(lines[k].cells[i].text))
            for k, sec in assigned:
                widths[k][i] = section_width[sec]
                groups[k] = (*key, sec)
        for k, line in enumerate(lines):  # lines that stop here keep nothing
            if i >= len(line.cells) - 1:
                groups[k] = (None, k)
    out = []
    for k, line in enumerate(lines):
        parts = []
        for i, cell in enumerate(line.cells):
            last = i == len(line.cells) - 1
            width = widths[k].get(i)
            if last or width is None:
                parts.append(cell.text + ("" if last else " "))
                continue
            pad = " " * (width - _width(cell.text))
            parts.append((pad + cell.text if cell.right else cell.text + pad) + " ")
        out.append((INDENT * line.depth + "".join(parts)).rstrip())
    return out


def _render(lines: list[Line], trailing: list[str], align: bool = True) -> str:
    code = _align(lines, align)
    # End-of-line comments of adjacent lines at one depth share a column.
    comment_col: dict[int, int] = {}
    i = 0
    while i < len(lines):
        if not lines[i].after:
            i += 1
            continue
        j = i
        while (
            j + 1 < len(lines)
            and lines[j + 1].after
            and not lines[j + 1].before
            and not lines[j + 1].blank
            and lines[j + 1].depth == lines[i].depth
        ):
            j += 1
        col = max(_width(code[k]) for k in range(i, j + 1)) + 2
        for k in range(i, j + 1):
            comment_col[k] = col if align else _width(code[k]) + 2
        i = j + 1
    out: list[str] = []
    for k, line in enumerate(lines):
        if line.blank and out:
            out.append("")
        cdepth = line.comment_depth if line.comment_depth is not None else line.depth
        for c in line.before:
            out.append(INDENT * cdepth + c)
        if line.before and line.gap_after_comments:
            out.append("")
        text = code[k]
        if line.after:
            text += " " * (comment_col[k] - _width(text)) + line.after[0]
        out.append(text)
    out += trailing
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------- entry points


def layout(source: SourceFile, root: ast.Node, comments: list[ast.Comment], align: bool = True) -> str:
    """The canonical text of a parsed contract (no meaning check). With
    `align=False` cells are separated by one space and nothing is padded:
    the form `slalang textconv` gives git, where changing one cell must not
    re-align (and so show as changed) every line of its table."""
    lay = _Layout(source.text, root, comments)
    lines = lay.contract()
    trailing = _attach_comments(source.text, lines, comments)
    return _render(lines, trailing, align)


def layout_source(source: SourceFile, align: bool = True) -> str | None:
    """The canonical text of a file that parses, or None if it does not."""
    from slalang import syntax

    root, diags, comments = syntax.parse_with_comments(source)
    if root is None or any(d.is_error for d in diags):
        return None
    return layout(source, root, comments, align)


def _is_source_span(key: str, value) -> bool:
    return key == "span" and (value is None or (isinstance(value, dict) and "end_column" in value))


def normalised_model(contract) -> dict:
    """The model as plain data with what formatting may change taken out:
    source positions (`span`), and duration spelling (canonicalised)."""

    def walk(v):
        if isinstance(v, dict):
            if "spelling" in v and "seconds" in v:  # a Duration
                v = dict(v, spelling=canonical_duration_spelling(v["spelling"]))
            return {k: walk(x) for k, x in v.items() if k != "line" and not _is_source_span(k, x)}
        if isinstance(v, (list, tuple)):
            return [walk(x) for x in v]
        return v

    return walk(contract.model_dump())


def format_source(source: SourceFile, verify: bool = True) -> str:
    """The canonical text of a contract. Raises `FormatRefused` (with the
    diagnostics) if it does not compile and, when `verify`, `FormatterBug` if
    the output would not mean the same, keep every comment, and be stable."""
    from slalang import lower, syntax

    root, diags, comments = syntax.parse_with_comments(source)
    if root is None or any(d.is_error for d in diags):
        raise FormatRefused(diags)
    contract, more = lower.lower(source, root)
    if contract is None:
        raise FormatRefused(diags + more)
    out = layout(source, root, comments)
    # An unchanged text needs no proof: same text, same meaning, same comments,
    # and formatting it again gives the same result (the `--check` fast path).
    if verify and out != source.text:
        _verify(source, contract, comments, out)
    return out


def _verify(source: SourceFile, contract, comments: list[ast.Comment], out: str) -> None:
    from slalang import lower, syntax

    formatted = SourceFile(source.path, out)
    root2, diags2, comments2 = syntax.parse_with_comments(formatted)
    contract2 = None
    if root2 is not None and not any(d.is_error for d in diags2):
        contract2, more = lower.lower(formatted, root2, checks=False)
        diags2 = diags2 + more
    if contract2 is None:
        first = next((d for d in diags2 if d.is_error), None)
        raise FormatterBug(
            f"the formatted text does not compile ({first.code}: {first.message})"
            if first
            else "the formatted text does not compile"
        )
    if normalised_model(contract2) != normalised_model(contract):
        raise FormatterBug("the formatted text would mean something else")
    if sorted(c.text.rstrip() for c in comments) != sorted(c.text.rstrip() for c in comments2):
        raise FormatterBug("the formatted text would lose or change a comment")
    assert root2 is not None  # it compiled
    if layout(formatted, root2, comments2) != out:
        raise FormatterBug("formatting is not stable: formatting the output again changes it")


def format_text(text: str, path: str = "<string>", verify: bool = True) -> str:
    return format_source(SourceFile(path, text), verify)
