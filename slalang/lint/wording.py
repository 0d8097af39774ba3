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

import re
from dataclasses import dataclass

from slalang.diagnostics import Label
from slalang.lint import quantities
from slalang.lint.context import LintContext, StringSite
from slalang.lint.registry import Finding, rule


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


def _word_positions(text: str) -> dict[str, list[int]]:
    """Where each ASCII word (a priority name, a product) occurs in a text."""
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
    distance = {p.name: min(abs(at - i) for i in words[p.name]) for p in c.priorities if p.name in words}
    named = sorted(distance, key=distance.get)
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


_CLAUSE_BREAK = re.compile(r"[，。；：！？、,;:!?]|\band\b|\.(?:\s|$)")


def _segment(text: str, start: int, end: int) -> str:
    """The part of a sentence around [start, end): between clause breaks."""
    left = max((m.end() for m in _CLAUSE_BREAK.finditer(text, 0, start)), default=0)
    m = _CLAUSE_BREAK.search(text, end)
    return text[left : m.start() if m else len(text)]


def _rewrite(ctx: LintContext, term: VagueTerm, found: str, site: StringSite, sentence: str, at: int, part: str) -> str:
    zh = site.lang == "zh" or (site.lang is None and re.search(r"[\u4e00-\u9fff]", found))
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
        prio = path.split(".")[1]
        verb_zh = {"response": "响应", "resolution": "恢复", "updates": "通报一次进度"}[path.split(".")[0]]
        verb_en = {"response": "answered", "resolution": "restored", "updates": "updated"}[path.split(".")[0]]
        if path.startswith("updates"):
            ex_zh, ex_en = (
                f"“{prio} 级事件每 {{{path}}} {verb_zh}”",
                f"“{prio} incidents are {verb_en} every {{{path}}}”",
            )
        else:
            ex_zh, ex_en = (
                f"“{prio} 级事件在 {{{path}}} 内{verb_zh}”",
                f"“{prio} incidents are {verb_en} within {{{path}}}”",
            )
        quoted = f"{ex_zh if zh else ex_en} (the contract's value, {spelled})"
    else:
        quoted = "“P1 级故障 ≤ 30 分钟响应”" if zh else "“P1 incidents are answered within 30 minutes”"
    if term.kind == "time":
        return f"replace “{found}” with a time limit, e.g. {quoted}"
    if term.kind == "effort":
        return f"commit to a result by a deadline instead of an effort, e.g. {quoted}"
    if term.kind == "limit":
        return (
            "state the time: "
            + ("“3 个工作日内”" if zh else "“within 3 business days”")
            + f", or quote a value of the contract, e.g. {quoted}"
        )
    if term.kind == "hedge":
        return (
            f"delete “{found}”: a commitment holds always; list the real exceptions under `exclusions` "
            '(e.g. `exclude migration "…" | "…"`)'
        )
    if term.kind == "measure":
        return f"replace “{found}” with what exactly is meant: list the cases, or state the number, e.g. {quoted}"
    return f"replace “{found}” with the condition and what then happens, e.g. {quoted}"


def _vague_findings(ctx: LintContext) -> dict[str, list[Finding]]:
    """Every vague term of the contract by code, found in one pass."""
    if "vague" in ctx.cache:
        return ctx.cache["vague"]
    found: dict[str, list[Finding]] = {"L201": [], "L202": [], "L203": []}
    what = {"L201": "sets no deadline", "L202": "promises an effort, not a result", "L203": "is a hedge"}
    for site in ctx.texts():
        # A priority definition classifies incidents ("危及生命、需立即处置"):
        # its urgency words describe the patient or the outage, not a
        # promise; the promise for that priority is its matrix row.
        if site.owner.kind == "priority_body":
            continue
        for s in site.strings:
            for run in s.runs:
                for m in _scan(run.text):
                    term = _TERMS[int(m.lastgroup[1:])]
                    words = m.group(0)
                    part = _segment(run.text, m.start(), m.end())
                    found[term.code].append(
                        Finding(
                            run.span(m.start(), m.end()),
                            f"“{words}” {what[term.code]}: the commitment cannot be measured",
                            _rewrite(ctx, term, words, s, s.node.value, run.at + m.start(), part),
                        )
                    )
    ctx.cache["vague"] = found
    return found


def _vague(ctx: LintContext, code: str):
    yield from _vague_findings(ctx)[code]


@rule("L201", "vague-time", "error", "a vague time word (尽快, 及时, promptly, as soon as possible, …)")
def vague_time(ctx: LintContext):
    yield from _vague(ctx, "L201")


@rule("L202", "vague-effort", "error", "an effort instead of a result (尽力, best effort, reasonable efforts, …)")
def vague_effort(ctx: LintContext):
    yield from _vague(ctx, "L202")


@rule("L203", "hedge", "warning", "a hedge or unmeasured qualifier (原则上, 适当, 合理时间, 视情况, where possible, …)")
def hedge(ctx: LintContext):
    yield from _vague(ctx, "L203")


# ---------------------------------------------------------------- numbers across languages

_LANG_NAMES = {"zh": "Chinese", "en": "English"}


@dataclass
class _Item:
    q: quantities.Quantity | None  # None for a reference
    key: tuple
    span: object
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


def _missing_hint(ctx: LintContext, item: _Item, where: str, sentence: str) -> str:
    """What to write in the language that lacks `item`: the reference itself,
    or the contract value equal to the number, or the number."""
    if item.q is None:
        return f"quote `{item.shown}` in the {where} text too"
    paths = _candidates(ctx).get(item.key)
    if paths:
        return f"quote `{{{_rank(paths, sentence)[0]}}}` in both languages (it equals “{item.shown}”)"
    return f"state it in the {where} text too"


@rule("L204", "numbers-differ", "warning", "a number or duration in one language's text but not the other's")
def numbers_differ(ctx: LintContext):
    for site in ctx.texts():
        if not site.bilingual:
            continue
        first = site.strings[0]
        first_items = _items(ctx, first)
        for other in site.strings[1:]:
            a, b = _unmatched(first_items, _items(ctx, other))
            la, lb = _LANG_NAMES.get(first.lang, first.lang), _LANG_NAMES.get(other.lang, other.lang)
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
                        f"the {la} text says “{x.shown}” where the {lb} text says “{twin.shown}”",
                        "make both languages state the same value, or quote the contract value as `{…}` in both",
                        (Label(twin.span, f"the {lb} text"),),
                    )
                else:
                    yield Finding(
                        x.span,
                        f"“{x.shown}” appears in the {la} text but not in the {lb} text",
                        _missing_hint(ctx, x, lb, first.node.value),
                        (Label(other.node.span, f"the {lb} text"),),
                    )
            for y in b:
                yield Finding(
                    y.span,
                    f"“{y.shown}” appears in the {lb} text but not in the {la} text",
                    _missing_hint(ctx, y, la, other.node.value),
                    (Label(first.node.span, f"the {la} text"),),
                )


# ---------------------------------------------------------------- literal copies of contract values


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


@rule("L205", "literal-value", "warning", "a clause copies a contract value as a literal instead of `{…}`")
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
                    if q.kind in ("number", "time"):
                        continue
                    paths = index.get(q.key)
                    if not paths:
                        continue
                    ranked = _rank(paths, s.node.value)
                    shown = ", ".join(f"`{{{p}}}`" for p in ranked[:3]) + (" …" if len(ranked) > 3 else "")
                    yield Finding(
                        run.span(q.start, q.end),
                        f"“{q.raw}” copies a contract value; if the value changes, this text will not",
                        f"write `{{{ranked[0]}}}` instead"
                        + (f" (values equal to it: {shown})" if len(ranked) > 1 else "")
                        + ": the compiler fills in the value in each language",
                    )
