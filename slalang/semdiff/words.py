"""What a change shows: its values as catalogue messages, not yet in any
language, and the word diff of two texts.

Every word comes from the diff catalogue (`templates/messages/<lang>/diff.yaml`)
or from the contract itself: a duration is `Msg("diff.unit.h", n=8)` parts, a
contract text is `Bilingual` (each contract language, shown in the reader's
language when the contract has it), a name is shown as written. `show(value,
lang)` renders any of them; nothing here knows a language's words."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from slalang import model as m
from slalang.i18n import Msg, Verbatim, render
from slalang.terms import WEEKDAYS, duration_parts, hhmm

D = "diff."


def T(key: str, **fields: Any) -> Msg:
    """A message of the diff catalogue (`T("value.none")` is `diff.value.none`)."""
    return Msg(D + key, **fields)


@dataclass(frozen=True)
class Bilingual:
    """A contract text in each of its languages; a reader whose language the
    contract lacks sees the first one."""

    values: tuple[tuple[str, str], ...]

    @classmethod
    def of(cls, t: m.Text) -> Bilingual:
        return cls(tuple(t.values.items()))

    def in_(self, lang: str) -> str:
        d = dict(self.values)
        return d.get(lang, self.values[0][1] if self.values else "")

    def lower_first(self) -> Bilingual:
        return Bilingual(tuple((k, lower_first(v)) for k, v in self.values))

    def with_refs(self, fix) -> Bilingual:
        return Bilingual(tuple((k, fix(v)) for k, v in self.values))


@dataclass(frozen=True)
class Joined:
    """Parts joined by a catalogue separator (`diff.unit.join`, …)."""

    parts: tuple
    sep: str  # catalogue key


def show(value: Any, lang: str) -> str:
    """Any value of a change in `lang`."""
    return render(_resolve(value, lang), lang)


def _resolve(value: Any, lang: str) -> Any:
    if isinstance(value, Bilingual):
        return Verbatim(value.in_(lang))
    if isinstance(value, Joined):
        sep = render(Msg(value.sep), lang)
        return Verbatim(sep.join(show(p, lang) for p in value.parts))
    if isinstance(value, Msg):
        return Msg(value.key, **{k: _resolve(v, lang) for k, v in value.fields.items()})
    if isinstance(value, list | tuple):
        return [_resolve(v, lang) for v in value]
    return value


# ---------------------------------------------------------------- values

NONE = T("value.none")


def num(d: Decimal) -> str:
    return format(d, "f")


def lower_first(s: str) -> str:
    """`First response` → `first response` mid-sentence; `SLA`, `P0` stay."""
    if len(s) > 1 and s[0].isupper() and not s[1].isupper():
        return s[0].lower() + s[1:]
    return s


def dur_words(d: m.Duration | None) -> Any:
    if d is None:
        return T("value.no_commitment")
    return Joined(tuple(T(f"unit.{u}", n=n) for n, u in duration_parts(d.spelling)), D + "unit.join")


def pct_words(p: Decimal | None) -> Any:
    return NONE if p is None else Verbatim(f"{num(p)}%")


def money_words(x: m.Money) -> Verbatim:
    return Verbatim(f"{num(x.amount)} {x.currency}")


def amount_words(a: m.Amount | None) -> Any:
    if a is None:
        return NONE
    if a.money is not None:
        return money_words(a.money)
    key = "value.percent_of_charges" if a.base == "charges" else "value.percent_of_fee"
    return T(key, percent=num(a.percent or Decimal(0)))


def span_words(s: m.CalendarSpan | None) -> Any:
    return NONE if s is None else T(f"span.{s.unit}", n=s.count)


def plain_words(value: Any) -> Any:
    return Verbatim("—" if value is None else str(value))


def word_of(group: str, value: str | None) -> Any:
    """A keyword of the language (`half_up`, `month`) in the reader's words."""
    return NONE if value is None else T(f"{group}.{value}")


def list_words(items: Iterable[Any]) -> Any:
    out = [i if isinstance(i, Msg | Verbatim | Bilingual | Joined) else Verbatim(str(i)) for i in items]
    return out or NONE


def window_words(windows: Iterable[m.WeeklyWindow]) -> Any:
    """`Mon–Fri 09:00-12:00, 13:00-18:00; Sat 09:00-12:00`: days with the
    same hours are grouped into runs."""
    per_day: dict[int, list[str]] = {}
    for w in windows:
        per_day.setdefault(w.weekday, []).append(f"{hhmm(w.start_minute)}-{hhmm(w.end_minute)}")
    runs: list[tuple[int, int, tuple[str, ...]]] = []
    for day in sorted(per_day):
        hours = tuple(per_day[day])
        if runs and runs[-1][1] == day - 1 and runs[-1][2] == hours:
            runs[-1] = (runs[-1][0], day, hours)
        else:
            runs.append((day, day, hours))
    out = []
    for first, last, hours in runs:
        a = T(f"weekday.{WEEKDAYS[first]}")
        days = a if first == last else T("window.days", first=a, last=T(f"weekday.{WEEKDAYS[last]}"))
        out.append(T("window.day_hours", days=days, hours=Joined(tuple(map(Verbatim, hours)), D + "window.hours_join")))
    return Joined(tuple(out), D + "window.runs_join") if out else NONE


# ---------------------------------------------------------------- word diffs

_TOKEN = re.compile(r"\{[^}]*\}|[A-Za-z0-9_.%'’-]+|\s+|.", re.S)


# SequenceMatcher's work grows with the product of the two lengths: two
# 8,000-word texts took 20 s. Past this product the common beginning and end
# are kept as unchanged and the middle is shown as one change.
MAX_WORD_PAIRS = 2_000_000


def _opcodes(ta: list[str], tb: list[str]) -> list[tuple[Any, int, int, int, int]]:
    if len(ta) * len(tb) <= MAX_WORD_PAIRS:
        return list(difflib.SequenceMatcher(None, ta, tb, autojunk=False).get_opcodes())
    head = 0
    while head < min(len(ta), len(tb)) and ta[head] == tb[head]:
        head += 1
    tail = 0
    while tail < min(len(ta), len(tb)) - head and ta[-1 - tail] == tb[-1 - tail]:
        tail += 1
    ops = [("equal", 0, head, 0, head)] if head else []
    if head < len(ta) - tail or head < len(tb) - tail:
        ops.append(("replace", head, len(ta) - tail, head, len(tb) - tail))
    if tail:
        ops.append(("equal", len(ta) - tail, len(ta), len(tb) - tail, len(tb)))
    return ops


def word_diff(a: str, b: str) -> list[tuple[str, str]]:
    """`a` → `b` as (op, text) segments, op in equal/delete/insert; Chinese is
    compared character by character, other text word by word."""
    ta, tb = _TOKEN.findall(a), _TOKEN.findall(b)
    out: list[tuple[str, str]] = []

    def put(op: str, text: str) -> None:
        if not text:
            return
        if out and out[-1][0] == op:
            out[-1] = (op, out[-1][1] + text)
        else:
            out.append((op, text))

    # blocks: ("equal", text) or ("change", deleted, inserted)
    blocks: list[tuple] = []
    for tag, i1, i2, j1, j2 in _opcodes(ta, tb):
        if tag == "equal":
            blocks.append(("equal", "".join(ta[i1:i2])))
        else:
            blocks.append(("change", "".join(ta[i1:i2]), "".join(tb[j1:j2])))
    # A lone space or a single character kept between two changes is a
    # coincidence (`上[海]市` → `北京市[海]淀`), not a shared word: fold it in.
    merged: list[tuple] = []
    for block in blocks:
        merged.append(block)
        while (
            len(merged) >= 3
            and merged[-1][0] == "change"
            and merged[-2][0] == "equal"
            and merged[-3][0] == "change"
            and len(merged[-2][1].strip()) <= 1
        ):
            c2, eq, c1 = merged.pop(), merged.pop(), merged.pop()
            merged.append(("change", c1[1] + eq[1] + c2[1], c1[2] + eq[1] + c2[2]))
    for block in merged:
        if block[0] == "equal":
            put("equal", block[1])
        else:
            put("delete", block[1])
            put("insert", block[2])
    return out
