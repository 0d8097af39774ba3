"""The semantic diff: two contract models → the changes between them, in the
contract's own terms, each with a direction.

Owns what a change *means* for the two parties. Every change belongs to a
section (in contract order), names its subject in the contract's words and
both languages ("P1 first response (off-hours)"), gives the old and the new
value, and says which way it moves the balance:

  stricter  stricter on the provider: the customer gains (a shorter target,
            a larger credit, a narrower exclusion, a new commitment);
  looser    looser for the provider: the customer's position weakens;
  neutral   wording, order or names only: nothing a ticket or an invoice
            would notice;
  unclear   the meaning changes but no side clearly gains (a new governing
            law, a credit moving from a percentage to a fixed sum): review it.

Targets on different clocks are compared by their average wall-clock length
on the matrix's calendar (a business hour on a 45-hour week lasts 168/45 wall
hours on average). Renamed and reordered items are matched, not reported as
removed and added: an item whose name changed but whose content did not is a
rename, and references to it (matrix rows and columns, availability lines)
follow the new name. Text changes carry a word diff in every language.

This module reads only the model (slalang/model.py); rendering to text, JSON
and Markdown is in `render_text`, `to_json` and `render_markdown`."""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from slalang import model as m
from slalang.source import display_width

STRICTER, LOOSER, NEUTRAL, UNCLEAR = "stricter", "looser", "neutral", "unclear"
DIRECTIONS = (STRICTER, LOOSER, NEUTRAL, UNCLEAR)
LANGS = ("zh", "en")
WEEK = 7 * 86400


def L(zh: str, en: str) -> dict[str, str]:
    return {"zh": zh, "en": en}


SECTIONS: dict[str, dict[str, str]] = {
    "contract": L("合同信息", "Contract"),
    "parties": L("双方", "Parties"),
    "scope": L("服务范围", "Scope"),
    "calendars": L("服务日历", "Calendars"),
    "priorities": L("优先级", "Priorities"),
    "response": L("首次响应", "Response targets"),
    "resolution": L("故障恢复", "Resolution targets"),
    "updates": L("进度通报", "Progress updates"),
    "followup": L("回访", "Follow-up"),
    "availability": L("可用性", "Availability"),
    "warnings": L("预警阈值", "Warning thresholds"),
    "credits": L("服务补偿", "Service credits"),
    "exclusions": L("免责", "Exclusions"),
    "reporting": L("报告与审计", "Reporting and audit"),
    "disputes": L("争议解决", "Disputes"),
    "clauses": L("条款", "Clauses"),
}

DIRECTION_WORDS = {
    STRICTER: L("对服务方更严", "stricter on the provider"),
    LOOSER: L("对服务方更宽", "looser for the provider"),
    NEUTRAL: L("中性", "neutral"),
    UNCLEAR: L("方向不明", "changed, direction unclear"),
}


@dataclass
class Change:
    section: str
    path: str  # a stable machine id, e.g. "response.P1.off_hours"
    kind: str  # changed | added | removed | renamed | reordered
    direction: str
    subject: dict[str, str]
    old: dict[str, str] | None = None
    new: dict[str, str] | None = None
    words: dict[str, list[tuple[str, str]]] | None = None  # lang → [(op, text)]

    def to_dict(self) -> dict:
        d: dict = {
            "section": self.section,
            "path": self.path,
            "kind": self.kind,
            "direction": self.direction,
            "subject": self.subject,
        }
        if self.old is not None:
            d["old"] = self.old
        if self.new is not None:
            d["new"] = self.new
        if self.words is not None:
            d["words"] = {lang: [{"op": op, "text": t} for op, t in segs] for lang, segs in self.words.items()}
        return d


@dataclass
class ContractDiff:
    old_id: str
    old_version: str
    new_id: str
    new_version: str
    changes: list[Change] = field(default_factory=list)
    section_titles: dict[str, dict[str, str]] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        return {d: sum(c.direction == d for c in self.changes) for d in DIRECTIONS}

    def by_section(self) -> list[tuple[str, list[Change]]]:
        out: list[tuple[str, list[Change]]] = []
        for key in SECTIONS:
            group = [c for c in self.changes if c.section == key]
            if group:
                out.append((key, group))
        return out

    def has(self, direction: str) -> bool:
        return any(c.direction == direction for c in self.changes)


# Every field of the model this diff compares (source `line`s aside). A test
# checks this against slalang/model.py, so a new field cannot go unreported:
# compare it in the section it belongs to, then list it here. `Contract.values`
# is derived from the other fields; `Text.segments` from `Text.values`.
COMPARED_FIELDS: dict[str, frozenset[str]] = {
    k: frozenset(v.split())
    for k, v in {
        "Amount": "base money percent",
        "Audit": "by every",
        "AvailabilityTarget": "percent period product",
        "Calendar": "extra_holidays extra_workdays holiday_sets hours name title",
        "CalendarSpan": "count unit",
        "Clause": "name paragraphs title",
        "Column": "kind name",
        "Contract": "availability calendars clauses credit_ladders credits currency customer disputes effective_end "
        "effective_start exclusions followup id languages prevailing priorities provider reporting "
        "resolution response scope timezone title updates values version warnings",
        "CreditLadder": "cap metric name step tiers title",
        "CreditPolicy": "cap cap_period claim_after claim_within form quantum rounding",
        "CustomerCaused": "text",
        "DatedNote": "date note",
        "Disputes": "forum forum_name law seat",
        "Duration": "clock days seconds spelling",
        "Exclusions": "customer_caused force_majeure maintenance others",
        "Followup": "title within",
        "ForceMajeure": "events notify_within",
        "Maintenance": "max max_period notice windows",
        "Matrix": "clock columns metric targets title",
        "Money": "amount currency",
        "OtherExclusion": "name text",
        "Party": "address contact credentials name",
        "Priority": "definitions name rank title",
        "Product": "fee fee_period name title",
        "Region": "name title",
        "Reporting": "audit metrics reports retention",
        "Scope": "products regions services",
        "Segment": "ref text",
        "Service": "name title",
        "StepRule": "amount every mode",
        "Target": "column duration priority",
        "Text": "segments values",
        "TierRule": "amount below",
        "UpdateRule": "every priority",
        "Updates": "clock rules title",
        "Value": "date duration kind money percent span text",
        "WarningLevel": "level percent",
        "WeeklyWindow": "end_minute start_minute weekday",
    }.items()
}


# ---------------------------------------------------------------- value words


def _plain(x):
    """Model content as plain data, without source lines or duration spelling."""
    if isinstance(x, m._Model):
        x = x.model_dump()
    if isinstance(x, dict):
        return {k: _plain(v) for k, v in x.items() if k not in ("line", "spelling")}
    if isinstance(x, (list, tuple)):
        return [_plain(v) for v in x]
    return x


def _num(d: Decimal) -> str:
    return format(d, "f")


_UNITS = {
    "zh": {"bd": "工作日", "bh": "工作小时", "d": "天", "h": "小时", "m": "分钟"},
    "en": {"bd": "bd", "bh": "bh", "d": "d", "h": "h", "m": "min"},
}


def dur_words(d: m.Duration | None) -> dict[str, str]:
    if d is None:
        return L("不承诺", "no commitment")
    parts = re.findall(r"(\d+)(bd|bh|d|h|m)", d.spelling)
    return {lang: " ".join(f"{n} {_UNITS[lang][u]}" for n, u in parts) for lang in LANGS}


def pct_words(p: Decimal | None) -> dict[str, str]:
    return L("无", "none") if p is None else L(f"{_num(p)}%", f"{_num(p)}%")


def amount_words(a: m.Amount | None) -> dict[str, str]:
    if a is None:
        return L("无", "none")
    if a.money is not None:
        s = f"{_num(a.money.amount)} {a.money.currency}"
        return L(s, s)
    return L(f"月服务费的 {_num(a.percent)}%", f"{_num(a.percent)}% of the monthly fee")


def span_words(s: m.CalendarSpan | None) -> dict[str, str]:
    if s is None:
        return L("无", "none")
    zh = {"day": "天", "week": "周", "month": "个月", "year": "年"}[s.unit]
    en = s.unit + ("s" if s.count != 1 else "")
    return L(f"{s.count} {zh}", f"{s.count} {en}")


def plain_words(value) -> dict[str, str]:
    s = "—" if value is None else str(value)
    return L(s, s)


def list_words(items: Iterable[str]) -> dict[str, str]:
    items = list(items)
    return L("、".join(items) or "无", ", ".join(items) or "none")


def window_words(windows: Iterable[m.WeeklyWindow]) -> dict[str, str]:
    """`Mon–Fri 09:00-12:00, 13:00-18:00; Sat 09:00-12:00`: days with the
    same hours are grouped into runs."""
    en_days = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
    zh_days = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
    per_day: dict[int, list[str]] = {}
    for w in windows:
        a, b = w.start_minute, w.end_minute
        per_day.setdefault(w.weekday, []).append(f"{a // 60:02d}:{a % 60:02d}-{b // 60:02d}:{b % 60:02d}")
    runs: list[tuple[int, int, tuple[str, ...]]] = []
    for day in sorted(per_day):
        hours = tuple(per_day[day])
        if runs and runs[-1][1] == day - 1 and runs[-1][2] == hours:
            runs[-1] = (runs[-1][0], day, hours)
        else:
            runs.append((day, day, hours))
    zh, en = [], []
    for first, last, hours in runs:
        zh.append((zh_days[first] if first == last else f"{zh_days[first]}至{zh_days[last]}") + " " + "、".join(hours))
        en.append((en_days[first] if first == last else f"{en_days[first]}–{en_days[last]}") + " " + ", ".join(hours))
    return L("；".join(zh) or "无", "; ".join(en) or "none")


# ---------------------------------------------------------------- word diffs

_TOKEN = re.compile(r"\{[^}]*\}|[A-Za-z0-9_.%'’-]+|\s+|.", re.S)


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
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, ta, tb, autojunk=False).get_opcodes():
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


# ---------------------------------------------------------------- matching


@dataclass
class Match:
    pairs: list[tuple]  # (old, new), names may differ (renames)
    removed: list
    added: list
    renamed: list[tuple]
    reordered: bool


def match(old: list, new: list, key: Callable, content: Callable) -> Match:
    """Pair items by key; unpaired items with equal content are renames."""
    new_by_key = {key(n): n for n in new}
    pairs, removed = [], []
    used: set[int] = set()
    for o in old:
        n = new_by_key.get(key(o))
        if n is not None and id(n) not in used:
            pairs.append((o, n))
            used.add(id(n))
        else:
            removed.append(o)
    added = [n for n in new if id(n) not in used]
    renamed = []
    for o in list(removed):
        for n in added:
            if content(o) == content(n):
                renamed.append((o, n))
                pairs.append((o, n))
                removed.remove(o)
                added.remove(n)
                break
    order_old = [id(n) for o in old for (po, n) in pairs if po is o]
    order_new = [id(n) for n in new if any(n is pn for _, pn in pairs)]
    return Match(pairs, removed, added, renamed, order_old != order_new)


# ---------------------------------------------------------------- the differ


class _Differ:
    def __init__(self, old: m.Contract, new: m.Contract) -> None:
        self.old, self.new = old, new
        self.changes: list[Change] = []
        self.renames: dict[str, dict[str, str]] = {}  # namespace → old name → new name

    # helpers ---------------------------------------------------------------
    def add(self, section, path, kind, direction, subject, old=None, new=None, words=None) -> None:
        self.changes.append(Change(section, path, kind, direction, subject, old, new, words))

    def tv(self, t: m.Text | None) -> dict[str, str]:
        """A text in both languages (a one-language contract shows it in both)."""
        if t is None:
            return L("无", "none")
        first = next(iter(t.values.values()), "")
        return {lang: t.values.get(lang, first) for lang in LANGS}

    def rn(self, namespace: str, name: str) -> str:
        return self.renames.get(namespace, {}).get(name, name)

    def sized(
        self,
        section,
        path,
        subject,
        old,
        new,
        words: Callable,
        size: Callable,
        smaller_is_stricter: bool = True,
        absent_is: str = "looser",
    ) -> None:
        """Report a value that is better for the customer when smaller (or
        larger). `absent_is` says what having no value means: "looser" (no
        commitment) or "stricter" (no limit, e.g. no cap)."""
        if old is None and new is None:
            return
        if old is not None and new is not None:
            a, b = size(old), size(new)
            if a == b:
                if words(old) != words(new):
                    self.add(section, path, "changed", NEUTRAL, subject, words(old), words(new))
                return
            stricter = (b < a) if smaller_is_stricter else (b > a)
            self.add(section, path, "changed", STRICTER if stricter else LOOSER, subject, words(old), words(new))
            return
        gained = new is not None
        if absent_is == "looser":
            direction = STRICTER if gained else LOOSER
        else:
            direction = LOOSER if gained else STRICTER
        self.add(
            section,
            path,
            "added" if gained else "removed",
            direction,
            subject,
            words(old) if old is not None else None,
            words(new) if new is not None else None,
        )

    def text(
        self, section, path, subject, old: m.Text | None, new: m.Text | None, direction_if_added: str = UNCLEAR
    ) -> None:
        if old is None and new is None:
            return
        if old is None or new is None:
            self.add(
                section,
                path,
                "added" if new is not None else "removed",
                direction_if_added if new is not None else _flip(direction_if_added),
                subject,
                self.tv(old) if old is not None else None,
                self.tv(new) if new is not None else None,
            )
            return
        a, b = self.tv(old), self.tv(new)
        a = {k: self.rename_refs(v) for k, v in a.items()}
        if a == b:
            return
        words = {lang: word_diff(a[lang], b[lang]) for lang in LANGS if a[lang] != b[lang]}
        self.add(section, path, "changed", NEUTRAL, subject, a, b, words)

    def rename_refs(self, s: str) -> str:
        def fix(mo):
            parts = mo.group(1).split(".")
            parts = [
                self.rn("priority", p) if i == 1 else self.rn("calendar", self.rn("region", p)) if i == 2 else p
                for i, p in enumerate(parts)
            ]
            return "{" + ".".join(parts) + "}"

        return re.sub(r"\{([^}]*)\}", fix, s)

    def named_list(
        self,
        section,
        ns,
        what: dict[str, str],
        old: list,
        new: list,
        content: Callable,
        compare: Callable | None = None,
        added_dir=STRICTER,
        title: Callable | None = None,
        order_matters: bool = False,
    ) -> Match:
        """Added, removed, renamed and reordered members of a named list."""
        mt = match(old, new, lambda x: x.name, content)
        label = title or (lambda x: L(x.name, x.name))
        for o, n in mt.renamed:
            self.renames.setdefault(ns, {})[o.name] = n.name
            self.add(
                section,
                f"{section}.{ns}.{o.name}",
                "renamed",
                NEUTRAL,
                {k: f"{what[k]} {o.name}" for k in LANGS},
                L(o.name, o.name),
                L(n.name, n.name),
            )
        for o in mt.removed:
            self.add(
                section,
                f"{section}.{ns}.{o.name}",
                "removed",
                _flip(added_dir),
                {k: f"{what[k]} {o.name}" for k in LANGS},
                label(o),
                None,
            )
        for n in mt.added:
            self.add(
                section,
                f"{section}.{ns}.{n.name}",
                "added",
                added_dir,
                {k: f"{what[k]} {n.name}" for k in LANGS},
                None,
                label(n),
            )
        if mt.reordered:
            kept_new = [n.name for n in new if any(n is pn for _, pn in mt.pairs)]
            kept_old = [self.rn(ns, o.name) for o in old if any(o is po for po, _ in mt.pairs)]
            self.add(
                section,
                f"{section}.{ns}.order",
                "reordered",
                UNCLEAR if order_matters else NEUTRAL,
                {k: f"{what[k]}" + ("顺序" if k == "zh" else " order") for k in LANGS},
                list_words(kept_old),
                list_words(kept_new),
            )
        if compare is not None:
            for o, n in mt.pairs:
                compare(o, n)
        return mt

    # sections --------------------------------------------------------------
    def run(self) -> list[Change]:
        for step in (
            self.contract,
            self.parties,
            self.scope,
            self.calendars,
            self.priorities,
            self.matrices,
            self.updates,
            self.followup,
            self.availability,
            self.warnings,
            self.credits,
            self.exclusions,
            self.reporting,
            self.disputes,
            self.clauses,
        ):
            step()
        return self.changes

    def contract(self) -> None:
        o, n = self.old, self.new
        s = "contract"
        for attr, subject in (
            ("id", L("合同编号", "contract id")),
            ("version", L("版本", "version")),
            ("timezone", L("时区", "time zone")),
            ("currency", L("币种", "currency")),
            ("prevailing", L("优先语言", "prevailing language")),
        ):
            a, b = getattr(o, attr), getattr(n, attr)
            if a != b:
                self.add(
                    s,
                    f"contract.{attr}",
                    "changed",
                    NEUTRAL if attr == "version" else UNCLEAR,
                    subject,
                    plain_words(a),
                    plain_words(b),
                )
        if o.languages != n.languages:
            self.add(
                s,
                "contract.languages",
                "changed",
                NEUTRAL,
                L("语言", "languages"),
                list_words(o.languages),
                list_words(n.languages),
            )
        self.text(s, "contract.title", L("标题", "title"), o.title, n.title)
        if o.effective_start != n.effective_start:
            self.add(
                s,
                "contract.effective.start",
                "changed",
                STRICTER if n.effective_start < o.effective_start else LOOSER,
                L("生效日期", "effective from"),
                plain_words(o.effective_start),
                plain_words(n.effective_start),
            )
        if o.effective_end != n.effective_end:
            self.add(
                s,
                "contract.effective.end",
                "changed",
                STRICTER if n.effective_end > o.effective_end else LOOSER,
                L("终止日期", "effective until"),
                plain_words(o.effective_end),
                plain_words(n.effective_end),
            )

    def parties(self) -> None:
        s = "parties"
        for role, word in (("provider", L("服务方", "provider")), ("customer", L("客户", "customer"))):
            a, b = getattr(self.old, role), getattr(self.new, role)
            self.text(
                s, f"{role}.name", {k: f"{word[k]}{'名称' if k == 'zh' else ' name'}" for k in LANGS}, a.name, b.name
            )
            self.text(
                s,
                f"{role}.address",
                {k: f"{word[k]}{'地址' if k == 'zh' else ' address'}" for k in LANGS},
                a.address,
                b.address,
                NEUTRAL,
            )
            self.text(
                s,
                f"{role}.contact",
                {k: f"{word[k]}{'联系方式' if k == 'zh' else ' contact'}" for k in LANGS},
                a.contact,
                b.contact,
                NEUTRAL,
            )
            old_c = [self.tv(c) for c in a.credentials]
            new_c = [self.tv(c) for c in b.credentials]
            for c in old_c:
                if c not in new_c:
                    self.add(
                        s,
                        f"{role}.credentials",
                        "removed",
                        LOOSER,
                        {k: f"{word[k]}{'资质' if k == 'zh' else ' credential'}" for k in LANGS},
                        c,
                        None,
                    )
            for c in new_c:
                if c not in old_c:
                    self.add(
                        s,
                        f"{role}.credentials",
                        "added",
                        STRICTER,
                        {k: f"{word[k]}{'资质' if k == 'zh' else ' credential'}" for k in LANGS},
                        None,
                        c,
                    )
            kept_old = [c for c in old_c if c in new_c]
            kept_new = [c for c in new_c if c in old_c]
            if kept_old != kept_new:
                self.add(
                    s,
                    f"{role}.credentials.order",
                    "reordered",
                    NEUTRAL,
                    {k: f"{word[k]}{'资质顺序' if k == 'zh' else ' credentials order'}" for k in LANGS},
                    {k: "; ".join(c[k] for c in kept_old) for k in LANGS},
                    {k: "; ".join(c[k] for c in kept_new) for k in LANGS},
                )

    def scope(self) -> None:
        s = "scope"
        o, n = self.old.scope, self.new.scope
        titled = lambda x: self.tv(x.title)  # noqa: E731

        def cmp_title(kind):
            def compare(a, b):
                self.text(s, f"scope.{kind}.{b.name}.title", {k: f"{b.name}" for k in LANGS}, a.title, b.title)

            return compare

        self.named_list(
            s,
            "region",
            L("区域", "region"),
            list(o.regions),
            list(n.regions),
            lambda x: _plain(x.title),
            cmp_title("region"),
            title=titled,
        )

        def cmp_product(a, b):
            cmp_title("product")(a, b)
            subject = L(f"{b.name} 月服务费", f"{b.name} monthly fee")
            self.sized(
                s,
                f"scope.product.{b.name}.fee",
                subject,
                a.fee,
                b.fee,
                lambda f: L(f"{_num(f.amount)} {f.currency}", f"{_num(f.amount)} {f.currency}"),
                lambda f: f.amount,
                smaller_is_stricter=True,
                absent_is="stricter",
            )

        self.named_list(
            s,
            "product",
            L("产品", "product"),
            list(o.products),
            list(n.products),
            lambda x: (_plain(x.title), _plain(x.fee)),
            cmp_product,
            title=titled,
        )
        self.named_list(
            s,
            "service",
            L("服务", "service"),
            list(o.services),
            list(n.services),
            lambda x: _plain(x.title),
            cmp_title("service"),
            title=titled,
        )

    def calendars(self) -> None:
        s = "calendars"

        def content(c):
            return _plain(c.model_copy(update={"name": ""}))

        def compare(a: m.Calendar, b: m.Calendar) -> None:
            name = b.name
            self.text(s, f"calendar.{name}.title", L(f"日历 {name} 名称", f"calendar {name} title"), a.title, b.title)
            wa, wb = _week_seconds(a), _week_seconds(b)
            if _plain(a.hours) != _plain(b.hours):
                sa = {(w.weekday, w.start_minute, w.end_minute) for w in a.hours}
                sb = {(w.weekday, w.start_minute, w.end_minute) for w in b.hours}
                direction = STRICTER if wb > wa and _covers(b, a) else LOOSER if wb < wa and _covers(a, b) else UNCLEAR
                if sa != sb:
                    self.add(
                        s,
                        f"calendar.{name}.hours",
                        "changed",
                        direction,
                        L(f"日历 {name} 工作时间", f"calendar {name} working hours"),
                        window_words(a.hours),
                        window_words(b.hours),
                    )
            if a.holiday_sets != b.holiday_sets:
                # A holiday set takes working days away: more sets, fewer working hours.
                more = set(b.holiday_sets) - set(a.holiday_sets)
                fewer = set(a.holiday_sets) - set(b.holiday_sets)
                direction = LOOSER if more and not fewer else STRICTER if fewer and not more else UNCLEAR
                self.add(
                    s,
                    f"calendar.{name}.holidays",
                    "changed",
                    direction,
                    L(f"日历 {name} 法定节假日", f"calendar {name} holiday sets"),
                    list_words(a.holiday_sets),
                    list_words(b.holiday_sets),
                )
            for attr, zh, en, more_is in (
                ("extra_holidays", "休息日", "holiday", LOOSER),
                ("extra_workdays", "工作日", "working day", STRICTER),
            ):
                da = {x.date: x for x in getattr(a, attr)}
                db = {x.date: x for x in getattr(b, attr)}
                for d in sorted(set(da) | set(db)):
                    subj = L(f"日历 {name} {zh} {d}", f"calendar {name} {en} {d}")
                    if d not in da:
                        self.add(
                            s,
                            f"calendar.{name}.{attr}.{d}",
                            "added",
                            more_is,
                            subj,
                            None,
                            self.tv(db[d].note) if db[d].note else plain_words(d),
                        )
                    elif d not in db:
                        self.add(
                            s,
                            f"calendar.{name}.{attr}.{d}",
                            "removed",
                            _flip(more_is),
                            subj,
                            self.tv(da[d].note) if da[d].note else plain_words(d),
                            None,
                        )
                    else:
                        self.text(s, f"calendar.{name}.{attr}.{d}.note", subj, da[d].note, db[d].note, NEUTRAL)

        self.named_list(
            s,
            "calendar",
            L("日历", "calendar"),
            list(self.old.calendars),
            list(self.new.calendars),
            content,
            compare,
            added_dir=UNCLEAR,
            title=lambda c: self.tv(c.title),
        )

    def priorities(self) -> None:
        s = "priorities"

        def compare(a: m.Priority, b: m.Priority) -> None:
            self.text(s, f"priority.{b.name}.title", L(f"{b.name} 名称", f"{b.name} title"), a.title, b.title)
            da, db = list(a.definitions), list(b.definitions)
            for i in range(max(len(da), len(db))):
                x = da[i] if i < len(da) else None
                y = db[i] if i < len(db) else None
                self.text(
                    s,
                    f"priority.{b.name}.definition.{i + 1}",
                    L(f"{b.name} 定义", f"{b.name} definition"),
                    x,
                    y,
                    NEUTRAL,
                )

        self.named_list(
            s,
            "priority",
            L("优先级", "priority"),
            list(self.old.priorities),
            list(self.new.priorities),
            lambda p: (_plain(p.title), _plain(p.definitions)),
            compare,
            added_dir=UNCLEAR,
            title=lambda p: self.tv(p.title),
            order_matters=True,
        )

    # targets ---------------------------------------------------------------
    def column_label(self, contract: m.Contract, col: m.Column) -> dict[str, str] | None:
        if col.kind == "any":
            return None
        if col.kind == "off_hours":
            return L("非工作时间", "off-hours")
        if col.kind == "calendar":
            cal = next((c for c in contract.calendars if c.name == col.name), None)
            return self.tv(cal.title) if cal else L(col.name, col.name)
        reg = next((r for r in contract.scope.regions if r.name == col.name), None)
        return self.tv(reg.title) if reg else L(col.name, col.name)

    def cell_subject(self, prio: str, title: dict[str, str], label: dict[str, str] | None) -> dict[str, str]:
        en_title = _lower_first(title["en"])
        if label is None:
            return L(f"{prio} {title['zh']}", f"{prio} {en_title}")
        return L(f"{prio} {title['zh']}（{label['zh']}）", f"{prio} {en_title} ({_lower_first(label['en'])})")

    def matrices(self) -> None:
        for metric in ("response", "resolution"):
            a, b = self.old.matrix(metric), self.new.matrix(metric)
            if a is None and b is None:
                continue
            s = metric
            either = b or a
            title = self.tv(either.title)
            if a is None or b is None:
                gained = b is not None
                mx = b if gained else a
                contract = self.new if gained else self.old
                for t in mx.targets:
                    if t.duration is None:
                        continue
                    col = next(c for c in mx.columns if c.name == t.column)
                    self.add(
                        s,
                        f"{metric}.{t.priority}.{t.column}",
                        "added" if gained else "removed",
                        STRICTER if gained else LOOSER,
                        self.cell_subject(t.priority, title, self.column_label(contract, col)),
                        None if gained else dur_words(t.duration),
                        dur_words(t.duration) if gained else None,
                    )
                continue
            self.text(s, f"{metric}.title", L("标题", "title"), a.title, b.title)
            if a.clock != b.clock:
                ca = _calendar(self.old, a.clock)
                cb = _calendar(self.new, b.clock)
                renamed = self.rn("calendar", a.clock or "") == (b.clock or "")
                if not renamed:
                    wa = _week_seconds(ca) if ca else 0
                    wb = _week_seconds(cb) if cb else 0
                    direction = UNCLEAR if not (ca and cb) or wa == wb else STRICTER if wb > wa else LOOSER
                    self.add(
                        s,
                        f"{metric}.clock",
                        "changed",
                        direction,
                        L("业务时钟", "business clock"),
                        plain_words(a.clock),
                        plain_words(b.clock),
                    )
            old_cols = [self.rn("calendar", self.rn("region", c.name)) for c in a.columns]
            new_cols = [c.name for c in b.columns]
            if old_cols != new_cols and sorted(old_cols) == sorted(new_cols):
                # The first calendar column containing the opening instant wins: order can matter.
                self.add(
                    s,
                    f"{metric}.columns",
                    "reordered",
                    UNCLEAR,
                    L("列顺序", "column order"),
                    list_words(old_cols),
                    list_words(new_cols),
                )
            old_cells = {
                (self.rn("priority", t.priority), self.rn("calendar", self.rn("region", t.column))): t
                for t in a.targets
            }
            new_cells = {(t.priority, t.column): t for t in b.targets}
            fallback_old = _fallback(a, self.rn)
            fallback_new = _fallback(b, lambda ns, x: x)
            order = list(dict.fromkeys([*new_cells, *old_cells]))
            for key in order:
                prio, colname = key
                ta, tb = old_cells.get(key), new_cells.get(key)
                col = next((c for c in b.columns if c.name == colname), None) or next(
                    c for c in a.columns if self.rn("calendar", self.rn("region", c.name)) == colname
                )
                contract = self.new if tb is not None else self.old
                subject = self.cell_subject(prio, title, self.column_label(contract, col))
                path = f"{metric}.{prio}.{colname}"
                if ta is not None and tb is not None:
                    self.cell(s, path, subject, ta.duration, tb.duration, a, b)
                elif tb is not None:
                    # A new column (or priority): compare with what those tickets got before.
                    before = fallback_old.get(prio) if col.kind == "calendar" else None
                    self.cell(
                        s,
                        path,
                        subject,
                        before.duration if before else None,
                        tb.duration,
                        a,
                        b,
                        kind="added",
                        before_note=before is not None,
                    )
                else:
                    after = fallback_new.get(prio) if col.kind == "calendar" else None
                    self.cell(
                        s,
                        path,
                        subject,
                        ta.duration,
                        after.duration if after else None,
                        a,
                        b,
                        kind="removed",
                        before_note=after is not None,
                    )

    def cell(self, s, path, subject, da, db, ma: m.Matrix, mb: m.Matrix, kind="changed", before_note=False):
        wa = _wall_estimate(da, _calendar(self.old, ma.clock))
        wb = _wall_estimate(db, _calendar(self.new, mb.clock))
        if kind == "changed":
            if da is None and db is None:
                return
            # The same duration on a changed calendar: the calendar change is
            # reported on its own, once, rather than once per cell.
            if da is not None and db is not None and (da.clock, da.seconds, da.days) == (db.clock, db.seconds, db.days):
                return
        if da is None and db is None:
            if kind == "changed":
                return
            direction = NEUTRAL
        elif da is None:
            direction = STRICTER
        elif db is None:
            direction = LOOSER
        elif wa == wb:
            direction = NEUTRAL
        else:
            direction = STRICTER if wb < wa else LOOSER
        old_words = dur_words(da)
        new_words = dur_words(db)
        if kind == "added" and before_note:
            old_words = {
                k: v + (" (此前按非工作时间)" if k == "zh" else " (before: off-hours)") for k, v in old_words.items()
            }
        if kind == "removed" and before_note:
            new_words = {
                k: v + (" (改按非工作时间)" if k == "zh" else " (now: off-hours)") for k, v in new_words.items()
            }
        self.add(
            s,
            path,
            kind,
            direction,
            subject,
            old_words if (kind != "added" or before_note) else None,
            new_words if (kind != "removed" or before_note) else None,
        )

    def updates(self) -> None:
        a, b = self.old.updates, self.new.updates
        s = "updates"
        if a is None and b is None:
            return
        title = self.tv((b or a).title)
        if a is not None and b is not None:
            self.text(s, "updates.title", L("标题", "title"), a.title, b.title)
            if a.clock != b.clock and self.rn("calendar", a.clock or "") != (b.clock or ""):
                self.add(
                    s,
                    "updates.clock",
                    "changed",
                    UNCLEAR,
                    L("业务时钟", "business clock"),
                    plain_words(a.clock),
                    plain_words(b.clock),
                )
        ra = {self.rn("priority", r.priority): r.every for r in (a.rules if a else ())}
        rb = {r.priority: r.every for r in (b.rules if b else ())}
        for p in dict.fromkeys([*rb, *ra]):
            self.sized(
                s,
                f"updates.{p}",
                L(f"{p} {title['zh']}间隔", f"{p} {_lower_first(title['en'])} interval"),
                ra.get(p),
                rb.get(p),
                dur_words,
                lambda d: _wall_estimate(d, None),
            )

    def followup(self) -> None:
        a, b = self.old.followup, self.new.followup
        if a is None and b is None:
            return
        title = self.tv((b or a).title)
        if a is not None and b is not None:
            self.text("followup", "followup.title", L("标题", "title"), a.title, b.title)
        self.sized(
            "followup",
            "followup.within",
            L(f"{title['zh']}时限", f"{_lower_first(title['en'])} within"),
            a.within if a else None,
            b.within if b else None,
            dur_words,
            lambda d: _wall_estimate(d, None),
        )

    def availability(self) -> None:
        s = "availability"
        ta = {(self.rn("product", t.product), t.period): t for t in self.old.availability}
        tb = {(t.product, t.period): t for t in self.new.availability}
        for key in dict.fromkeys([*tb, *ta]):
            prod, period = key
            subject = L(f"{prod} 可用性（每{_period_zh(period)}）", f"{prod} availability per {period}")
            x, y = ta.get(key), tb.get(key)
            self.sized(
                s,
                f"availability.{prod}.{period}",
                subject,
                x.percent if x else None,
                y.percent if y else None,
                pct_words,
                lambda p: p,
                smaller_is_stricter=False,
            )
        kept_old = [k for k in ta if k in tb]
        kept_new = [k for k in tb if k in ta]
        if kept_old != kept_new:
            self.add(
                s,
                "availability.order",
                "reordered",
                NEUTRAL,
                L("顺序", "order"),
                list_words(p for p, _ in kept_old),
                list_words(p for p, _ in kept_new),
            )

    def warnings(self) -> None:
        wa = {w.level: w.percent for w in self.old.warnings}
        wb = {w.level: w.percent for w in self.new.warnings}
        for level in ("yellow", "orange", "red"):
            zh = {"yellow": "黄色", "orange": "橙色", "red": "红色"}[level]
            # An earlier warning (a lower share of the target elapsed) protects the customer.
            self.sized(
                "warnings",
                f"warnings.{level}",
                L(f"{zh}预警", f"{level} warning"),
                wa.get(level),
                wb.get(level),
                lambda p: L(f"目标时间的 {_num(p)}%", f"at {_num(p)}% of the target"),
                lambda p: p,
            )

    # credits ---------------------------------------------------------------
    def credits(self) -> None:
        s = "credits"

        def ladder_title(x: m.CreditLadder) -> dict[str, str]:
            return self.tv(x.title)

        def compare(a: m.CreditLadder, b: m.CreditLadder) -> None:
            t = ladder_title(b)
            name = b.name
            self.text(s, f"credit.{name}.title", L(f"{t['zh']} 名称", f"{t['en']} title"), a.title, b.title)
            if a.metric != b.metric:
                self.add(
                    s,
                    f"credit.{name}.metric",
                    "changed",
                    UNCLEAR,
                    L(f"{t['zh']} 适用指标", f"{t['en']} applies to"),
                    plain_words(a.metric),
                    plain_words(b.metric),
                )
            sa, sb = a.step, b.step
            if sa or sb:
                if sa and sb:
                    if sa.mode != sb.mode:
                        # "per started" counts a step for every begun interval: more credit than "per full".
                        self.add(
                            s,
                            f"credit.{name}.step.mode",
                            "changed",
                            STRICTER if sb.mode == "started" else LOOSER,
                            L(f"{t['zh']} 计步方式", f"{_lower_first(t['en'])} steps count"),
                            L("每开始一个" if sa.mode == "started" else "每满一个", f"per {sa.mode} interval"),
                            L("每开始一个" if sb.mode == "started" else "每满一个", f"per {sb.mode} interval"),
                        )
                    self.sized(
                        s,
                        f"credit.{name}.step.every",
                        L(f"{t['zh']} 每步时长", f"{_lower_first(t['en'])} step"),
                        sa.every,
                        sb.every,
                        dur_words,
                        lambda d: _wall_estimate(d, None),
                    )
                    self.amount(
                        s,
                        f"credit.{name}.step.amount",
                        L(f"{t['zh']} 每步补偿", f"{_lower_first(t['en'])} per step"),
                        sa.amount,
                        sb.amount,
                    )
                else:
                    self.add(
                        s,
                        f"credit.{name}.step",
                        "added" if sb else "removed",
                        STRICTER if sb else LOOSER,
                        L(f"{t['zh']} 按延迟计步", f"{_lower_first(t['en'])} step"),
                        self.step_words(sa) if sa else None,
                        self.step_words(sb) if sb else None,
                    )
            ta = {x.below: x for x in a.tiers}
            tb = {x.below: x for x in b.tiers}
            only_a = [x for x in a.tiers if x.below not in tb]
            only_b = [x for x in b.tiers if x.below not in ta]
            # A tier whose threshold moved is the same tier, not a removal and an addition.
            moved = list(zip(only_a, only_b)) if len(only_a) == len(only_b) else []
            for x, y in moved:
                self.sized(
                    s,
                    f"credit.{name}.tier.{_num(x.below)}",
                    L(f"{t['zh']} 档位门槛", f"{_lower_first(t['en'])} threshold"),
                    x.below,
                    y.below,
                    pct_words,
                    lambda p: p,
                    smaller_is_stricter=False,
                )
                self.amount(
                    s,
                    f"credit.{name}.tier.{_num(y.below)}",
                    L(f"{t['zh']} 低于 {_num(y.below)}%", f"{_lower_first(t['en'])} below {_num(y.below)}%"),
                    x.amount,
                    y.amount,
                )
            for below in dict.fromkeys([*tb, *ta]):
                x, y = ta.get(below), tb.get(below)
                if x is not None and y is not None:
                    self.amount(
                        s,
                        f"credit.{name}.tier.{_num(below)}",
                        L(f"{t['zh']} 低于 {_num(below)}%", f"{_lower_first(t['en'])} below {_num(below)}%"),
                        x.amount,
                        y.amount,
                    )
                elif not moved:
                    self.add(
                        s,
                        f"credit.{name}.tier.{_num(below)}",
                        "added" if y else "removed",
                        STRICTER if y else LOOSER,
                        L(f"{t['zh']} 低于 {_num(below)}%", f"{_lower_first(t['en'])} below {_num(below)}%"),
                        amount_words(x.amount) if x else None,
                        amount_words(y.amount) if y else None,
                    )
            self.cap(s, f"credit.{name}.cap", L(f"{t['zh']} 上限", f"{_lower_first(t['en'])} cap"), a.cap, b.cap)

        self.named_list(
            s,
            "credit",
            L("补偿", "credit"),
            list(self.old.credit_ladders),
            list(self.new.credit_ladders),
            lambda x: _plain(x.model_copy(update={"name": ""})),
            compare,
            added_dir=STRICTER,
            title=ladder_title,
        )
        pa, pb = self.old.credits, self.new.credits
        if pa is None and pb is None:
            return
        pa = pa or m.CreditPolicy(line=0)
        pb = pb or m.CreditPolicy(line=0)
        self.cap(s, "credits.cap", L("补偿总上限", "total credit cap"), pa.cap, pb.cap)
        if pa.cap and pb.cap and pa.cap_period != pb.cap_period:
            # The same cap over a longer period limits the customer more.
            order = {"month": 0, "quarter": 1, "year": 2}
            self.add(
                s,
                "credits.cap.period",
                "changed",
                LOOSER if order.get(pb.cap_period or "", 0) > order.get(pa.cap_period or "", 0) else STRICTER,
                L("补偿总上限周期", "total credit cap per"),
                plain_words(pa.cap_period),
                plain_words(pb.cap_period),
            )
        if pa.form != pb.form:
            rank = {"service_credit": 0, "refund": 1, "cash": 1}
            ra, rb = rank.get(pa.form or "", -1), rank.get(pb.form or "", -1)
            direction = UNCLEAR if -1 in (ra, rb) or ra == rb else STRICTER if rb > ra else LOOSER
            self.add(
                s,
                "credits.form",
                "changed",
                direction,
                L("补偿形式", "credit form"),
                plain_words(pa.form),
                plain_words(pb.form),
            )
        if pa.claim_after != pb.claim_after and pa.claim_after and pb.claim_after:
            self.add(
                s,
                "credits.claim.after",
                "changed",
                UNCLEAR,
                L("申请时限起算", "claim window starts"),
                plain_words(pa.claim_after),
                plain_words(pb.claim_after),
            )
        # A longer claim window gives the customer more time.
        self.sized(
            s,
            "credits.claim.within",
            L("申请时限", "claim window"),
            pa.claim_within,
            pb.claim_within,
            dur_words,
            lambda d: _wall_estimate(d, None),
            smaller_is_stricter=False,
        )
        if pa.rounding != pb.rounding:
            rank = {"down": 0, "half_even": 1, "half_up": 2, "up": 3}
            self.add(
                s,
                "credits.rounding",
                "changed",
                STRICTER if rank[pb.rounding] > rank[pa.rounding] else LOOSER,
                L("舍入方式", "rounding"),
                plain_words(pa.rounding),
                plain_words(pb.rounding),
            )
        if pa.quantum != pb.quantum:
            self.add(
                s,
                "credits.quantum",
                "changed",
                UNCLEAR,
                L("舍入单位", "rounded to"),
                plain_words(_num(pa.quantum)),
                plain_words(_num(pb.quantum)),
            )

    def step_words(self, st: m.StepRule) -> dict[str, str]:
        d, a = dur_words(st.every), amount_words(st.amount)
        mode_zh = "每开始" if st.mode == "started" else "每满"
        return L(f"{mode_zh} {d['zh']} 补偿{a['zh']}", f"per {st.mode} {d['en']} late: {a['en']}")

    def amount(self, s, path, subject, a: m.Amount, b: m.Amount) -> None:
        if _plain(a) == _plain(b):
            return
        if (a.money is None) != (b.money is None):
            self.add(s, path, "changed", UNCLEAR, subject, amount_words(a), amount_words(b))
            return
        self.sized(
            s,
            path,
            subject,
            a,
            b,
            amount_words,
            lambda x: x.money.amount if x.money is not None else x.percent,
            smaller_is_stricter=False,
        )

    def cap(self, s, path, subject, a: m.Amount | None, b: m.Amount | None) -> None:
        if a is not None and b is not None:
            self.amount(s, path, subject, a, b)
        elif a is not None or b is not None:
            # No cap means no limit: adding one limits what the customer can get.
            self.add(
                s,
                path,
                "added" if b else "removed",
                LOOSER if b else STRICTER,
                subject,
                amount_words(a) if a else None,
                amount_words(b) if b else None,
            )

    # exclusions ---------------------------------------------------------------
    def exclusions(self) -> None:
        s = "exclusions"
        ea = self.old.exclusions or m.Exclusions()
        eb = self.new.exclusions or m.Exclusions()
        fa, fb = ea.force_majeure, eb.force_majeure
        fm = L("不可抗力", "force majeure")
        if fa is None or fb is None:
            if fa is not None or fb is not None:
                self.add(
                    s,
                    "exclusions.force_majeure",
                    "added" if fb else "removed",
                    LOOSER if fb else STRICTER,
                    fm,
                    self.tv(fa.events) if fa else None,
                    self.tv(fb.events) if fb else None,
                )
        else:
            self.events(s, fm, fa.events, fb.events)
            self.sized(
                s,
                "exclusions.force_majeure.notify",
                L("不可抗力通知时限", "force majeure notice within"),
                fa.notify_within,
                fb.notify_within,
                dur_words,
                lambda d: _wall_estimate(d, None),
            )
        ma, mb = ea.maintenance, eb.maintenance
        mt = L("计划维护", "scheduled maintenance")
        if ma is None or mb is None:
            if ma is not None or mb is not None:
                self.add(
                    s,
                    "exclusions.maintenance",
                    "added" if mb else "removed",
                    LOOSER if mb else STRICTER,
                    mt,
                    None,
                    None,
                )
        else:
            # Longer notice protects the customer; a larger allowance or window protects the provider.
            self.sized(
                s,
                "exclusions.maintenance.notice",
                L("维护提前通知", "maintenance notice"),
                ma.notice,
                mb.notice,
                dur_words,
                lambda d: _wall_estimate(d, None),
                smaller_is_stricter=False,
            )
            if ma.max and mb.max and ma.max_period != mb.max_period:
                # The same allowance over a shorter period allows more maintenance.
                order = {"month": 0, "quarter": 1, "year": 2}
                self.add(
                    s,
                    "exclusions.maintenance.max.period",
                    "changed",
                    LOOSER if order.get(mb.max_period or "", 0) < order.get(ma.max_period or "", 0) else STRICTER,
                    L("维护时长上限周期", "maintenance allowance per"),
                    plain_words(ma.max_period),
                    plain_words(mb.max_period),
                )
            self.sized(
                s,
                "exclusions.maintenance.max",
                L("维护时长上限", "maintenance allowance"),
                ma.max,
                mb.max,
                dur_words,
                lambda d: _wall_estimate(d, None),
                absent_is="stricter",
            )
            if _plain(ma.windows) != _plain(mb.windows):
                wa = sum(w.end_minute - w.start_minute for w in ma.windows)
                wb = sum(w.end_minute - w.start_minute for w in mb.windows)
                self.add(
                    s,
                    "exclusions.maintenance.window",
                    "changed",
                    LOOSER if wb > wa else STRICTER if wb < wa else UNCLEAR,
                    L("维护窗口", "maintenance window"),
                    window_words(ma.windows),
                    window_words(mb.windows),
                )
        ca, cb = ea.customer_caused, eb.customer_caused
        cc = L("客户原因", "customer-caused faults")
        if (ca is None) != (cb is None):
            self.add(
                s,
                "exclusions.customer_caused",
                "added" if cb else "removed",
                LOOSER if cb else STRICTER,
                cc,
                self.tv(ca.text) if ca and ca.text else None,
                self.tv(cb.text) if cb and cb.text else None,
            )
        elif ca is not None and cb is not None:
            self.text(s, "exclusions.customer_caused", cc, ca.text, cb.text, LOOSER)

        def compare(a: m.OtherExclusion, b: m.OtherExclusion) -> None:
            self.text(s, f"exclusions.{b.name}", L(f"免责 {b.name}", f"exclusion {b.name}"), a.text, b.text)

        self.named_list(
            s,
            "exclusion",
            L("免责", "exclusion"),
            list(ea.others),
            list(eb.others),
            lambda x: _plain(x.text),
            compare,
            added_dir=LOOSER,
            title=lambda x: self.tv(x.text),
        )

    def events(self, s, subject, a: m.Text, b: m.Text) -> None:
        """Force-majeure events are a list: report items added and removed."""
        ta, tb = self.tv(a), self.tv(b)
        if ta == tb:
            return
        added: dict[str, list[str]] = {}
        removed: dict[str, list[str]] = {}
        for lang in LANGS:
            ia, ib = _items(ta[lang]), _items(tb[lang])
            added[lang] = [x for x in ib if x not in ia]
            removed[lang] = [x for x in ia if x not in ib]
        if not any(added.values()) and not any(removed.values()):  # reworded or reordered only
            self.text(s, "exclusions.force_majeure.events", subject, a, b)
            return
        for kind, items, direction in (("added", added, LOOSER), ("removed", removed, STRICTER)):
            n = max(len(items["zh"]), len(items["en"]))
            for i in range(n):
                pair = {lang: items[lang][i] if i < len(items[lang]) else "" for lang in LANGS}
                both = " / ".join(x for x in (pair["zh"], pair["en"]) if x)
                self.add(
                    s,
                    "exclusions.force_majeure.events",
                    kind,
                    direction,
                    subject,
                    {k: both for k in LANGS} if kind == "removed" else None,
                    {k: both for k in LANGS} if kind == "added" else None,
                )

    # reporting and legal -------------------------------------------------------
    def reporting(self) -> None:
        s = "reporting"
        ra = self.old.reporting or m.Reporting()
        rb = self.new.reporting or m.Reporting()
        zh_kinds = {"daily": "日报", "weekly": "周报", "monthly": "月报", "quarterly": "季报", "yearly": "年报"}
        for attr, subject, names in (("reports", L("报告", "report"), zh_kinds), ("metrics", L("指标", "metric"), {})):
            a, b = list(getattr(ra, attr)), list(getattr(rb, attr))
            for x in b:
                if x not in a:
                    self.add(s, f"reporting.{attr}.{x}", "added", STRICTER, subject, None, L(names.get(x, x), x))
            for x in a:
                if x not in b:
                    self.add(s, f"reporting.{attr}.{x}", "removed", LOOSER, subject, L(names.get(x, x), x), None)
            if [x for x in a if x in b] != [x for x in b if x in a]:
                self.add(s, f"reporting.{attr}.order", "reordered", NEUTRAL, subject, list_words(a), list_words(b))
        self.sized(
            s,
            "reporting.retention",
            L("记录保存期", "record retention"),
            ra.retention,
            rb.retention,
            span_words,
            _span_days,
            smaller_is_stricter=False,
        )
        aa, ab = ra.audit, rb.audit
        self.sized(
            s,
            "reporting.audit.every",
            L("审计周期", "audit every"),
            aa.every if aa else None,
            ab.every if ab else None,
            span_words,
            _span_days,
        )
        if aa and ab and aa.by != ab.by:
            rank = {"provider": 0, "customer": 1, "third_party": 1}
            direction = UNCLEAR if rank[aa.by] == rank[ab.by] else STRICTER if rank[ab.by] > rank[aa.by] else LOOSER
            self.add(
                s,
                "reporting.audit.by",
                "changed",
                direction,
                L("审计方", "audited by"),
                plain_words(aa.by),
                plain_words(ab.by),
            )

    def disputes(self) -> None:
        s = "disputes"
        da = self.old.disputes or m.Disputes()
        db = self.new.disputes or m.Disputes()
        # The law and the forum change what a dispute costs each side; no side clearly gains.
        self.legal(s, "disputes.law", L("适用法律", "governing law"), da.law, db.law)
        if da.forum != db.forum:
            self.add(
                s,
                "disputes.forum",
                "changed",
                UNCLEAR,
                L("争议解决方式", "forum"),
                plain_words(da.forum),
                plain_words(db.forum),
            )
        self.legal(
            s, "disputes.forum_name", L("仲裁机构或法院", "arbitration body or court"), da.forum_name, db.forum_name
        )
        self.legal(s, "disputes.seat", L("仲裁地或管辖地", "seat"), da.seat, db.seat)

    def legal(self, s, path, subject, a: m.Text | None, b: m.Text | None) -> None:
        if a is None and b is None:
            return
        ta, tb = (self.tv(a) if a else None), (self.tv(b) if b else None)
        if ta == tb:
            return
        words = None
        if ta and tb:
            words = {lang: word_diff(ta[lang], tb[lang]) for lang in LANGS if ta[lang] != tb[lang]}
            # Only the other language changed: the prevailing meaning may stand; still a legal change.
        self.add(s, path, "changed" if ta and tb else "added" if tb else "removed", UNCLEAR, subject, ta, tb, words)

    def clauses(self) -> None:
        s = "clauses"

        def key(c: m.Clause) -> str:
            return c.name or self.tv(c.title)["en"]

        class _Named:
            def __init__(self, c):
                self.c, self.name = c, key(c)

        old = [_Named(c) for c in self.old.clauses]
        new = [_Named(c) for c in self.new.clauses]

        def compare(a: _Named, b: _Named) -> None:
            t = self.tv(b.c.title)
            self.text(
                s,
                f"clause.{b.name}.title",
                L(f"条款“{t['zh']}”标题", f"clause “{t['en']}” title"),
                a.c.title,
                b.c.title,
            )
            pa, pb = list(a.c.paragraphs), list(b.c.paragraphs)
            for i in range(max(len(pa), len(pb))):
                self.text(
                    s,
                    f"clause.{b.name}.{i + 1}",
                    L(f"条款“{t['zh']}”第 {i + 1} 段", f"clause “{t['en']}” ¶{i + 1}"),
                    pa[i] if i < len(pa) else None,
                    pb[i] if i < len(pb) else None,
                )

        self.named_list(
            s,
            "clause",
            L("条款", "clause"),
            old,
            new,
            lambda x: (_plain(x.c.title), _plain(x.c.paragraphs)),
            compare,
            added_dir=UNCLEAR,
            title=lambda x: self.tv(x.c.title),
        )


# ---------------------------------------------------------------- helpers


def _flip(direction: str) -> str:
    return {STRICTER: LOOSER, LOOSER: STRICTER}.get(direction, direction)


def _lower_first(s: str) -> str:
    """`First response` → `first response` mid-sentence; `SLA`, `P0` stay."""
    if len(s) > 1 and s[0].isupper() and not s[1].isupper():
        return s[0].lower() + s[1:]
    return s


def _period_zh(period: str) -> str:
    return {"month": "月", "quarter": "季度", "year": "年"}[period]


def _calendar(contract: m.Contract, name: str | None) -> m.Calendar | None:
    return next((c for c in contract.calendars if c.name == name), None) if name else None


def _week_seconds(cal: m.Calendar) -> int:
    return sum((w.end_minute - w.start_minute) * 60 for w in cal.hours)


def _covers(big: m.Calendar, small: m.Calendar) -> bool:
    """Every working minute of `small` is a working minute of `big`."""

    def minutes(c):
        return {(w.weekday, x) for w in c.hours for x in range(w.start_minute, w.end_minute)}

    return minutes(small) <= minutes(big)


def _wall_estimate(d: m.Duration | None, cal: m.Calendar | None) -> Decimal | None:
    """The average wall-clock length of a duration, in seconds."""
    if d is None:
        return None
    if d.clock == "wall" or cal is None:
        return Decimal(d.seconds + d.days * 86400)
    week = _week_seconds(cal)
    days = len({w.weekday for w in cal.hours})
    if not week or not days:
        return Decimal(d.seconds + d.days * 86400)
    return Decimal(d.seconds) * WEEK / week + Decimal(d.days) * WEEK / days


def _fallback(mx: m.Matrix, rn) -> dict[str, m.Target]:
    """Per priority, the cell that takes tickets no calendar column takes."""
    col = next((c for c in mx.columns if c.kind in ("off_hours", "any")), None)
    if col is None:
        return {}
    return {rn("priority", t.priority): t for t in mx.targets if t.column == col.name}


def _span_days(s: m.CalendarSpan) -> int:
    return s.count * {"day": 1, "week": 7, "month": 30, "year": 365}[s.unit]


def _items(text: str) -> list[str]:
    parts = re.split(r"\s*[、，,；;]\s*|\s+and\s+|\s*及\s*|\s*和\s*", text.strip().rstrip("。."))
    return [p.strip() for p in parts if p.strip()]


# ---------------------------------------------------------------- entry point


def diff(old: m.Contract, new: m.Contract) -> ContractDiff:
    changes = _Differ(old, new).run() + _uncompared(old, new)
    return ContractDiff(old.id, old.version, new.id, new.version, changes)


_SECTION_OF_FIELD = {"provider": "parties", "customer": "parties", "credit_ladders": "credits"}


def _uncompared(old: m.Contract, new: m.Contract) -> list[Change]:
    """Differences in model fields this module does not know yet (a field
    added to slalang/model.py after it was written): reported as unclear,
    never silently dropped."""
    if not _unknown_fields():
        return []  # the usual case: nothing to walk
    a: dict[str, object] = {}
    b: dict[str, object] = {}
    _collect(old, "", a)
    _collect(new, "", b)
    out = []
    for path in sorted(set(a) | set(b)):
        x, y = a.get(path), b.get(path)
        if _plain(x) == _plain(y):
            continue
        top = path.split(".")[0].split("[")[0]
        section = _SECTION_OF_FIELD.get(top, top if top in SECTIONS else "contract")
        out.append(
            Change(section, path, "changed", UNCLEAR, L(path, path), plain_words(_plain(x)), plain_words(_plain(y)))
        )
    return out


def _unknown_fields() -> dict[str, set[str]]:
    import inspect

    out = {}
    for name, cls in inspect.getmembers(m, inspect.isclass):
        if issubclass(cls, m._Model) and cls is not m._Model:
            extra = set(cls.model_fields) - {"line"} - COMPARED_FIELDS.get(name, frozenset())
            if extra:
                out[name] = extra
    return out


def _collect(obj, path: str, out: dict) -> None:
    if isinstance(obj, m._Model):
        known = COMPARED_FIELDS.get(type(obj).__name__)
        for name in type(obj).model_fields:
            if name == "line":
                continue
            value = getattr(obj, name)
            sub = f"{path}.{name}" if path else name
            if known is None or name not in known:
                out[sub] = value
            else:
                _collect(value, sub, out)
    elif isinstance(obj, (list, tuple)):
        for i, item in enumerate(obj):
            key = getattr(item, "name", None) or getattr(item, "priority", None) or str(i)
            _collect(item, f"{path}[{key}]", out)
    elif isinstance(obj, dict):
        for key, item in obj.items():
            _collect(item, f"{path}[{key}]", out)


# ---------------------------------------------------------------- rendering

_MARK = {STRICTER: "+", LOOSER: "-", NEUTRAL: "=", UNCLEAR: "?"}
_KIND_WORDS = {
    "added": L("新增", "added"),
    "removed": L("删除", "removed"),
    "renamed": L("改名", "renamed"),
    "reordered": L("调整顺序", "reordered"),
    "changed": L("修改", "changed"),
}


def _versions(d: ContractDiff) -> str:
    new = f"{d.new_id} {d.new_version}" if d.new_id != d.old_id else d.new_version
    return f"{d.old_id} {d.old_version} → {new}"


def _counts(d: ContractDiff, lang: str) -> str:
    c = d.counts()
    total = len(d.changes)
    if lang == "zh":
        out = f"{total} 处变更"
        if total:
            out += (
                f"（{c[STRICTER]} 处对服务方更严，{c[LOOSER]} 处对服务方更宽，{c[NEUTRAL]} 处中性"
                + (f"，{c[UNCLEAR]} 处方向不明" if c[UNCLEAR] else "")
                + "）"
            )
        return out
    out = f"{total} change{'s' if total != 1 else ''}"
    if total:
        out += (
            f" ({c[STRICTER]} stricter on the provider, {c[LOOSER]} looser for the provider, "
            f"{c[NEUTRAL]} neutral" + (f", {c[UNCLEAR]} unclear" if c[UNCLEAR] else "") + ")"
        )
    return out


def _headline(d: ContractDiff, lang: str) -> str:
    return _versions(d) + ("：" if lang == "zh" else ": ") + _counts(d, lang)


def _section_title(d: ContractDiff, key: str, lang: str) -> str:
    return SECTIONS[key][lang]


def _statement(c: Change, lang: str, old: Callable[[str], str] = str, new: Callable[[str], str] = str) -> str:
    sep = "：" if lang == "zh" else ": "
    subject = c.subject[lang]
    if c.kind == "changed" or c.kind in ("renamed", "reordered") or (c.old is not None and c.new is not None):
        word = (
            ""
            if c.kind in ("changed", "reordered")
            else f" ({_KIND_WORDS[c.kind][lang]})"
            if lang == "en"
            else f"（{_KIND_WORDS[c.kind][lang]}）"
        )
        if c.old is not None and c.new is not None:
            if c.words:
                return f"{subject}{word}{sep}" + ("措辞修改" if lang == "zh" else "reworded")
            return f"{subject}{word}{sep}{old(c.old[lang])} → {new(c.new[lang])}"
        return f"{subject}{word}"
    if c.kind == "added":
        return (
            f"{subject}{sep}"
            + ("新增 " if lang == "zh" else "added ")
            + (new(_quote(c.new[lang], lang)) if c.new else "")
        )
    return (
        f"{subject}{sep}"
        + ("删除 " if lang == "zh" else "removed ")
        + (old(_quote(c.old[lang], lang)) if c.old else "")
    )


def _quote(s: str, lang: str) -> str:
    """Quote words (`'传染病 / epidemics'`), not numbers or durations."""
    if not s or re.match(r"\d", s):
        return s
    return f"“{s}”" if lang == "zh" else f"'{s}'"


def render_text(d: ContractDiff, lang: str = "en") -> str:
    lines = [_headline(d, lang)]
    width = max(display_width(DIRECTION_WORDS[x][lang]) for x in DIRECTIONS)
    for key, group in d.by_section():
        lines.append("")
        lines.append(_section_title(d, key, lang))
        for c in group:
            label = DIRECTION_WORDS[c.direction][lang]
            pad = label + " " * (width - display_width(label))
            lines.append(f"  {_MARK[c.direction]} {pad}  {_statement(c, lang)}")
            for label, segs in _word_lines(c):
                lines.append(
                    f"      {label}: "
                    + "".join(t if op == "equal" else f"[-{t}-]" if op == "delete" else f"{{+{t}+}}" for op, t in segs)
                )
    return "\n".join(lines) + "\n"


def _word_lines(c: Change) -> list[tuple[str, list[tuple[str, str]]]]:
    """The word diffs to show, one per language; a language-neutral text
    (a contact, a standard's name) is the same in both and shown once."""
    if not c.words:
        return []
    if len(c.words) == len(LANGS) and all(c.words[x] == c.words[LANGS[0]] for x in LANGS):
        return [("/".join(LANGS), c.words[LANGS[0]])]
    return [(lang, c.words[lang]) for lang in LANGS if lang in c.words]


def _md_escape(s: str) -> str:
    return re.sub(r"([\\`*_~\[\]<>|])", r"\\\1", s)


def _md_segment(op: str, text: str) -> str:
    """A word-diff segment; emphasis markers hug the words (CommonMark does
    not open `**` before a space), the spaces stay outside."""
    if op == "equal":
        return _md_escape(text)
    core = text.strip()
    if not core:
        return "" if op == "delete" else text
    lead = text[: len(text) - len(text.lstrip())]
    trail = text[len(text.rstrip()) :]
    mark = "~~" if op == "delete" else "**"
    return f"{lead}{mark}{_md_escape(core)}{mark}{trail}"


def render_markdown(d: ContractDiff, lang: str = "en") -> str:
    icon = {STRICTER: "🟢", LOOSER: "🔴", NEUTRAL: "⚪", UNCLEAR: "🟡"}
    title = "合同变更" if lang == "zh" else "Contract changes"
    lines = [f"### {title}: {_md_escape(_versions(d))}", "", f"**{_md_escape(_counts(d, lang))}**"]
    if not d.changes:
        return "\n".join(lines) + "\n"
    legend = " · ".join(f"{icon[x]} {DIRECTION_WORDS[x][lang]}" for x in DIRECTIONS)
    lines += ["", legend]
    for key, group in d.by_section():
        lines += ["", f"#### {_md_escape(_section_title(d, key, lang))}", ""]
        for c in group:
            text = _statement(
                c,
                lang,
                old=lambda s: f"~~{_md_escape(s)}~~" if s else s,
                new=lambda s: f"**{_md_escape(s)}**" if s else s,
            )
            if c.kind in ("renamed", "reordered") or c.words or (c.old is None) != (c.new is None):
                text = _statement(c, lang, old=_md_escape, new=_md_escape)
            lines.append(f"- {icon[c.direction]} {text}")
            for label, segs in _word_lines(c):
                lines.append(f"  - {label}: " + "".join(_md_segment(op, t) for op, t in segs))
    return "\n".join(lines) + "\n"


def to_json(d: ContractDiff, old_label: str = "", new_label: str = "") -> str:
    doc = {
        "old": {"id": d.old_id, "version": d.old_version, "source": old_label},
        "new": {"id": d.new_id, "version": d.new_version, "source": new_label},
        "summary": {"changes": len(d.changes), **d.counts()},
        "sections": [
            {"section": key, "title": SECTIONS[key], "changes": [c.to_dict() for c in group]}
            for key, group in d.by_section()
        ],
    }
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
