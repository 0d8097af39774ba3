"""Wording rules (L2xx): every text says what it commits to, in numbers, and
says the same in both languages.

The source specification's rule of thumb: "尽快处理" must become "P1 级故障
≤ 30 分钟响应". So vague time words, effort words and hedges are reported at
the exact words, with a rewrite that quotes a real value of the contract
(`{response.P1.business}`), so the fix is also drift-proof. Numbers are
compared between the languages of one text, and a number copied into prose
where a `{…}` reference to the same contract value exists is reported as a
drift risk."""

from __future__ import annotations

import bisect
import functools
import re
from dataclasses import dataclass

from slalang.diagnostics import Label
from slalang.i18n import Msg, Verbatim, names, render
from slalang.lint import quantities
from slalang.lint.context import LintContext, StringSite
from slalang.lint.registry import Finding, msg, rule
from slalang.lint.words import duration as duration_words
from slalang.source import Span
from slalang.terms import has_han


@dataclass(frozen=True)
class VagueTerm:
    pattern: str  # a regex; English ones are matched as whole words, ignoring case
    code: str
    kind: str  # time | effort | limit | hedge | measure | condition
    lang: str  # zh | en


def _zh(words: str, code: str, kind: str) -> list[VagueTerm]:
    return [VagueTerm(re.escape(w), code, kind, "zh") for w in words.split()]


def _en(phrases: list[str], code: str, kind: str) -> list[VagueTerm]:
    return [VagueTerm(p, code, kind, "en") for p in phrases]


VAGUE: list[VagueTerm] = [
    *_zh("尽快 尽早 第一时间 迅速 立即 立刻 马上 从速", "L201", "time"),
    VagueTerm("及时(?!率)", "L201", "time", "zh"),  # 及时率 (the on-time rate) is a measured metric
    *_en(
        [
            "as soon as (?:possible|practicable|reasonably practicable)",
            "asap",
            "promptly",
            "prompt",
            "in a timely (?:manner|fashion)",
            "timely",
            "without (?:undue )?delay",
            "immediate(?:ly)?",
            "quickly",
            "swiftly",
            "shortly",
            "forthwith",
            "at the earliest (?:opportunity|convenience)",
        ],
        "L201",
        "time",
    ),
    *_zh("竭尽全力 尽最大努力 尽最大的努力 尽力 全力 尽量 努力", "L202", "effort"),
    *_en(
        [
            "(?:commercially )?reasonable (?:best )?(?:efforts?|endeavou?rs?)",
            "best (?:efforts?|endeavou?rs?)",
            "every effort",
            "endeavou?r to",
            "strive to",
            "make efforts?",
        ],
        "L202",
        "effort",
    ),
    *_zh("合理时间 合理的时间 合理期限 合理时限", "L203", "limit"),
    *_en(["(?:a |within a )?reasonable (?:time|period)(?: of time)?"], "L203", "limit"),
    *_zh("原则上 一般情况下 通常情况下 通常", "L203", "hedge"),
    *_en(["in principle", "normally", "usually", "under normal circumstances"], "L203", "hedge"),
    *_zh("适当 酌情 合理范围内", "L203", "measure"),
    *_en(["as appropriate", "appropriate", "adequate", "sufficient"], "L203", "measure"),
    *_zh("视情况 视具体情况 根据情况 必要时 如有可能 尽可能 在可能的情况下", "L203", "condition"),
    *_en(
        [
            "where (?:possible|practicable|feasible)",
            "if (?:possible|practicable|feasible)",
            "as (?:needed|necessary|required)",
            "if necessary",
            "where necessary",
            "case by case",
            "depending on (?:the )?circumstances",
        ],
        "L203",
        "condition",
    ),
]

# One regex for every term, longest alternatives first so 尽最大努力 wins
# over 努力 (and an effort phrase over a shorter hedge inside it).
# Two scans (Chinese literals; English words with the word boundaries
# factored out) are an order of magnitude faster than one mixed alternation.
_TERMS = sorted(VAGUE, key=lambda t: len(t.pattern), reverse=True)
_ZH_RE = re.compile("|".join(f"(?P<t{i}>{t.pattern})" for i, t in enumerate(_TERMS) if t.lang == "zh"))
_EN_RE = re.compile(
    "(?<![A-Za-z])(?:"
    + "|".join(f"(?P<t{i}>{t.pattern})" for i, t in enumerate(_TERMS) if t.lang == "en")
    + ")(?![A-Za-z])",
    re.I,
)
_LATIN = re.compile("[A-Za-z]")


def _scan(text: str):
    hits = list(_ZH_RE.finditer(text))
    if _LATIN.search(text):
        hits += _EN_RE.finditer(text)
    return sorted(hits, key=lambda m: m.start())


_RESOLUTION_WORDS = re.compile(r"恢复|解决|修复|处理完|resolv|restor|fix|repair", re.I)
_RESPONSE_WORDS = re.compile(r"响应|回复|受理|答复|respon|answer|acknowledg|reply", re.I)
_UPDATE_WORDS = re.compile(r"通报|进度|更新|告知|通知|update|progress|inform|notif", re.I)


_WORD = re.compile(r"[A-Za-z0-9_]+")


@functools.lru_cache(maxsize=64)
def _word_positions(text: str) -> dict[str, list[int]]:
    """Where each ASCII word (a priority name, a product) occurs in a text,
    in increasing order. Cached: a long text with many vague words asks for
    the same text once per word (read only)."""
    out: dict[str, list[int]] = {}
    for m in _WORD.finditer(text):
        out.setdefault(m.group(0), []).append(m.start())
    return out


def _first_targets(ctx: LintContext) -> dict[tuple[str, str], tuple[str, str]]:
    """(metric, priority) → (path, spelling) of its first committed target;
    computed once per contract."""
    cache = ctx.cache.get("first_targets")
    if cache is None:
        cache = {}
        c = ctx.contract
        for metric in ("response", "resolution"):
            m = c.matrix(metric)
            for t in m.targets if m else ():
                if t.duration is not None:
                    cache.setdefault((metric, t.priority), (f"{metric}.{t.priority}.{t.column}", t.duration.spelling))
        for r in c.updates.rules if c.updates else ():
            cache.setdefault(("updates", r.priority), (f"updates.{r.priority}", r.every.spelling))
        ctx.cache["first_targets"] = cache
    return cache


def _example_ref(ctx: LintContext, text: str, at: int, want: str) -> tuple[str, str] | None:
    """A real `{reference}` of this contract to quote in a rewrite, and its
    value: the metric the sentence is about, for the priority it names
    nearest to the vague word at offset `at` (else the most severe one)."""
    c = ctx.contract
    words = _word_positions(text)
    distance = {p.name: _nearest(words[p.name], at) for p in c.priorities if p.name in words}
    named = sorted(distance, key=lambda name: distance[name])
    order = named + [p.name for p in c.priorities if p.name not in distance]
    targets = _first_targets(ctx)
    metrics = {
        "updates": ("updates", "response", "resolution"),
        "resolution": ("resolution", "response"),
        "response": ("response", "resolution"),
    }[want]
    for metric in metrics:
        for p in order:
            if (metric, p) in targets:
                return targets[(metric, p)]
    return None


def _nearest(positions: list[int], at: int) -> int:
    """The distance from `at` to the nearest of `positions` (sorted)."""
    i = bisect.bisect_left(positions, at)
    return min(abs(at - positions[j]) for j in (i - 1, i) if 0 <= j < len(positions))


_CLAUSE_BREAK = re.compile(r"[，。；：！？、,;:!?]|\band\b|\.(?:\s|$)")


_SEGMENT_REACH = 400


@functools.lru_cache(maxsize=64)
def _break_ends(text: str) -> list[int]:
    return [m.end() for m in _CLAUSE_BREAK.finditer(text)]


def _segment(text: str, start: int, end: int) -> str:
    """The part of a sentence around [start, end): between clause breaks.
    The breaks of a text are found once (a long text with many vague words
    would otherwise be scanned from its start for each); a break that only
    counts because `start` ends the text before it (`and`, `.` right before
    the word) is looked for in the few characters there."""
    ends = _break_ends(text)
    i = bisect.bisect_right(ends, start)
    left = ends[i - 1] if i else 0
    left = max([left, *(m.end() for m in _CLAUSE_BREAK.finditer(text, max(0, start - 4), start))])
    m = _CLAUSE_BREAK.search(text, end, end + _SEGMENT_REACH)
    right = m.start() if m else len(text)
    # A clause runs to its break, but never more than _SEGMENT_REACH
    # characters either side of the word: a 50 KB text without punctuation is
    # not searched whole for every vague word in it.
    return text[max(left, start - _SEGMENT_REACH) : min(right, end + _SEGMENT_REACH)]


def _rewrite(ctx: LintContext, term: VagueTerm, found: str, site: StringSite, sentence: str, at: int, part: str) -> Msg:
    """The hint for a vague term. The rewrite it suggests is contract text, so
    it is written in the language of the string the term is in (a Chinese
    rewrite for a Chinese string), whatever language the hint is read in."""
    text_lang = "zh" if site.lang == "zh" or (site.lang is None and has_han(found)) else "en"
    want = (
        "updates"
        if _UPDATE_WORDS.search(part) or term.kind == "condition"
        else "response"
        if _RESPONSE_WORDS.search(part)
        else "resolution"
        if _RESOLUTION_WORDS.search(part) or term.kind == "effort"
        else "response"
    )
    ref = _example_ref(ctx, sentence, at, want)
    if ref:
        path, spelled = ref
        metric, prio = path.split(".")[0], path.split(".")[1]
        shape = "every" if metric == "updates" else "within"
        rewrite = msg(f"rewrite.{shape}", priority=prio, ref=f"{{{path}}}", verb=msg(f"rewrite.verb.{metric}"))
        example: Msg = msg("vague.example", text=Verbatim(render(rewrite, text_lang)), value=duration_words(spelled))
    else:
        example = msg("vague.example_plain", text=Verbatim(render(msg("rewrite.fallback"), text_lang)))
    words = Verbatim(found)
    if term.kind == "limit":
        return msg("vague.hint.limit", time=Verbatim(render(msg("rewrite.limit"), text_lang)), example=example)
    if term.kind == "hedge":
        return msg("vague.hint.hedge", words=words, example=Verbatim('exclude migration "…" | "…"'))
    return msg(f"vague.hint.{term.kind}", words=words, example=example)


_MESSAGE = {"L201": "L201.message", "L202": "L202.message", "L203": "L203.message"}


# Vague words reported per contract (each costs a rewrite hint): a file
# of nothing but "尽快" is reported by its first thousands, not its millions.
MAX_VAGUE = 2000


def _vague_findings(ctx: LintContext) -> dict[str, list[Finding]]:
    """Every vague term of the contract by code (the first `MAX_VAGUE`),
    found in one pass."""
    if "vague" in ctx.cache:
        return ctx.cache["vague"]
    found: dict[str, list[Finding]] = {"L201": [], "L202": [], "L203": []}
    total = 0
    for site in ctx.texts():
        # A priority definition classifies incidents ("危及生命、需立即处置"):
        # its urgency words describe the patient or the outage, not a
        # promise; the promise for that priority is its matrix row.
        if site.owner.kind == "priority_body":
            continue
        for s in site.strings:
            for run in s.runs:
                for m in _scan(run.text):
                    if total >= MAX_VAGUE:
                        break
                    total += 1
                    term = _TERMS[int(m.lastgroup[1:])]
                    words = m.group(0)
                    part = _segment(run.text, m.start(), m.end())
                    found[term.code].append(
                        Finding(
                            run.span(m.start(), m.end()),
                            msg(_MESSAGE[term.code], words=Verbatim(words)),
                            _rewrite(ctx, term, words, s, s.node.value, run.at + m.start(), part),
                        )
                    )
    ctx.cache["vague"] = found
    return found


def _vague(ctx: LintContext, code: str):
    yield from _vague_findings(ctx)[code]


@rule("L201", "vague-time", "error")
def vague_time(ctx: LintContext):
    yield from _vague(ctx, "L201")


@rule("L202", "vague-effort", "error")
def vague_effort(ctx: LintContext):
    yield from _vague(ctx, "L202")


@rule("L203", "hedge", "warning")
def hedge(ctx: LintContext):
    yield from _vague(ctx, "L203")


# ---------------------------------------------------------------- cadence words

# "定期" / "regularly": a recurrence with no number. A text with a number or a
# named cadence (每月, quarterly) says how often; a duty's title is read with
# its structured cadence.
_CADENCE_VAGUE = re.compile(
    r"不定期|定期|周期性|适时|不时|经常性?|每隔一段时间"
    r"|(?<![A-Za-z])(?:regularly|periodically|periodic|from time to time|at regular intervals"
    r"|on a regular basis|occasionally)(?![A-Za-z])",
    re.I,
)
_CADENCE_STATED = re.compile(
    r"[0-9０-９一二两三四五六七八九十半]|每(?:日|天|周|月|季|年)|daily|weekly|monthly|quarterly|yearly|annual|annually"
    r"|every|once|twice|times",
    re.I,
)


@rule("L206", "vague-cadence", "error")
def vague_cadence(ctx: LintContext):
    for site in ctx.texts():
        owner = site.owner
        if owner.kind == "duty" and (owner.first("every_cadence") or owner.first("times_cadence")):
            continue
        for st in site.strings:
            for run in st.runs:
                for m in _CADENCE_VAGUE.finditer(run.text):
                    part = _segment(run.text, m.start(), m.end())
                    if _CADENCE_STATED.search(part):
                        continue
                    yield Finding(
                        run.span(m.start(), m.end()),
                        msg("L206.message", words=Verbatim(m.group(0))),
                        msg(
                            "L206.hint",
                            example=Verbatim('duty NAME "…" | "…" every 3 months'),
                            words=Verbatim(m.group(0)),
                        ),
                    )


# ---------------------------------------------------------------- numbers across languages


def _lang(code: str | None) -> Msg:
    """`the Chinese text`: the language of one string of a text."""
    return msg(f"words.lang.{code}")


@dataclass
class _Item:
    q: quantities.Quantity | None  # None for a reference
    key: tuple
    span: Span
    shown: str
    site: StringSite


def _items(ctx: LintContext, s: StringSite) -> list[_Item]:
    out = []
    for run in s.runs:
        for q in quantities.find(run.text):
            out.append(_Item(q, q.key, run.span(q.start, q.end), q.raw, s))
    for ref in s.refs:
        v = ctx.contract.values.get(ref.path)
        key = quantities.value_key(v) if v is not None else None
        if key is not None:
            out.append(_Item(None, key, ref.span, f"{{{ref.path}}}", s))
    return out


def _unmatched(a: list[_Item], b: list[_Item]) -> tuple[list[_Item], list[_Item]]:
    """Drop the items of `a` and `b` that correspond: same kind and value;
    then a bare number matching the numeral of a quantity (units implied)."""
    left = list(a)
    right = list(b)
    for x in list(left):
        y = next((y for y in right if y.key == x.key), None)
        if y is not None:
            left.remove(x)
            right.remove(y)
    for x in list(left):
        y = next(
            (
                y
                for y in right
                if y.q is not None
                and x.q is not None
                and (x.q.kind == "number" or y.q.kind == "number")
                and x.q.numeral is not None
                and x.q.numeral == y.q.numeral
            ),
            None,
        )
        if y is not None:
            left.remove(x)
            right.remove(y)
    return left, right


def _missing_hint(ctx: LintContext, item: _Item, where: Msg, sentence: str) -> Msg:
    """What to write in the language that lacks `item`: the reference itself,
    or the contract value equal to the number, or the number."""
    if item.q is None:
        return msg("L204.missing.quote_ref", ref=Verbatim(item.shown), lang=where)
    paths = _candidates(ctx).get(item.key)
    if paths:
        return msg(
            "L204.missing.quote_value", ref=Verbatim(f"{{{_rank(paths, sentence)[0]}}}"), value=Verbatim(item.shown)
        )
    return msg("L204.missing.state", lang=where)


@rule("L204", "numbers-differ", "warning")
def numbers_differ(ctx: LintContext):
    for site in ctx.texts():
        if not site.bilingual:
            continue
        first = site.strings[0]
        first_items = _items(ctx, first)
        for other in site.strings[1:]:
            a, b = _unmatched(first_items, _items(ctx, other))
            la, lb = _lang(first.lang), _lang(other.lang)
            a = [x for x in a if not (x.q is not None and x.q.weak)]
            b = [y for y in b if not (y.q is not None and y.q.weak)]
            for x in a:
                twin = next((y for y in b if y.key[0] == x.key[0]), None) or next(
                    (
                        y
                        for y in b
                        if x.q is not None
                        and y.q is not None
                        and x.q.numeral is not None
                        and x.q.numeral == y.q.numeral
                    ),
                    None,
                )
                if twin is not None:
                    b.remove(twin)
                    yield Finding(
                        x.span,
                        msg(
                            "L204.differ.message",
                            lang=la,
                            value=Verbatim(x.shown),
                            other_lang=lb,
                            other=Verbatim(twin.shown),
                        ),
                        msg("L204.differ.hint"),
                        (Label(twin.span, msg("L204.label", lang=lb)),),
                    )
                else:
                    yield Finding(
                        x.span,
                        msg("L204.missing.message", value=Verbatim(x.shown), lang=la, other_lang=lb),
                        _missing_hint(ctx, x, lb, first.node.value),
                        (Label(other.node.span, msg("L204.label", lang=lb)),),
                    )
            for y in b:
                yield Finding(
                    y.span,
                    msg("L204.missing.message", value=Verbatim(y.shown), lang=lb, other_lang=la),
                    _missing_hint(ctx, y, la, other.node.value),
                    (Label(first.node.span, msg("L204.label", lang=la)),),
                )


# ---------------------------------------------------------------- literal copies of contract values

# `× 100%` in a formula ("(1 − downtime ÷ total) × 100%") turns a ratio into a
# percentage: it states no commitment, whatever value of the contract is 100%.
_SCALING = re.compile(r"(?:[×*]|乘以|multiplied by|times)\s*$", re.I)


def _candidates(ctx: LintContext) -> dict[tuple, list[str]]:
    """Contract values by the key their prose spelling would have."""
    if "values_by_key" not in ctx.cache:
        index: dict[tuple, list[str]] = {}
        for path, v in ctx.contract.values.items():
            key = quantities.value_key(v)
            if key is not None:
                index.setdefault(key, []).append(path)
        ctx.cache["values_by_key"] = index
    return ctx.cache["values_by_key"]


def _rank(paths: list[str], sentence: str) -> list[str]:
    """Paths whose parts the sentence mentions (`P0`, a product) first."""
    words = _word_positions(sentence)
    return sorted(paths, key=lambda p: (-sum(part in words for part in p.split(".")[1:]), p))


@rule("L205", "literal-value", "warning")
def literal_value(ctx: LintContext):
    index = _candidates(ctx)
    for site in ctx.texts():
        # Only clauses restate commitments in prose; a number in a priority
        # definition ("delayed more than 12 hours") describes the incident
        # and equals a target by coincidence.
        if site.owner.kind != "clause":
            continue
        for s in site.strings:
            for run in s.runs:
                for q in quantities.find(run.text):
                    if q.kind in ("number", "time") or (q.kind == "percent" and _SCALING.search(run.text[: q.start])):
                        continue
                    paths = index.get(q.key)
                    if not paths:
                        continue
                    ranked = _rank(paths, s.node.value)
                    ref = Verbatim(f"{{{ranked[0]}}}")
                    if len(ranked) > 1:
                        equal = names(f"{{{p}}}" for p in ranked[:3]) + ([Verbatim("…")] if len(ranked) > 3 else [])
                        hint = msg("L205.hint_equal", ref=ref, values=equal)
                    else:
                        hint = msg("L205.hint", ref=ref)
                    yield Finding(run.span(q.start, q.end), msg("L205.message", value=Verbatim(q.raw)), hint)
