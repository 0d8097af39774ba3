"""The changes between two contract models: one comparison per statement kind.

Each top-level statement kind of the grammar (`_item` in grammar/slalang.lark:
`title`, `languages`, …, `clause`, and the `contract` header itself) has a
function `diff_<kind>(cx)` here, run in contract order; `DIFFERS` is built
from those names, and importing this module fails with `RegistryError` when a
statement kind has none. `NESTED` names the statements inside each one that
its function compares (`row` in `matrix`, `tier_rule` in `credit`, …);
`handled_kinds()` in slalang/semdiff/__init__.py exposes both for the registry
test.

A change names its subject and values as catalogue messages
(slalang/semdiff/words.py), so every word is rendered in the reader's
language later; its direction comes from slalang/semdiff/directions.py."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any, get_args

from slalang import model as m
from slalang.i18n import Msg, Verbatim
from slalang.semdiff.directions import (
    DIRECTIONS,
    LOOSER,
    NEUTRAL,
    STRICTER,
    UNCLEAR,
    Order,
    Targets,
    by_duration,
    by_number,
    combine,
    flip,
    sized,
)
from slalang.semdiff.match import Match, Renames, match
from slalang.semdiff.words import (
    NONE,
    Bilingual,
    T,
    amount_words,
    dur_words,
    list_words,
    money_words,
    num,
    pct_words,
    plain_words,
    show,
    span_words,
    window_words,
    word_diff,
    word_of,
)
from slalang.terms import LANGUAGES, PERIOD_MONTHS

# Sections of a report, in contract order.
SECTIONS = (
    "contract",
    "parties",
    "scope",
    "calendars",
    "priorities",
    "response",
    "resolution",
    "updates",
    "followup",
    "pauses",
    "availability",
    "warnings",
    "credits",
    "exclusions",
    "reporting",
    "continuity",
    "security",
    "duties",
    "targets",
    "disputes",
    "clauses",
)


class RegistryError(Exception):
    """A statement kind of the grammar has no comparison in the diff."""


@dataclass
class Change:
    section: str
    path: str  # a stable machine id, e.g. "response.P1.off_hours"
    kind: str  # changed | added | removed | renamed | reordered
    direction: str
    subject: Any  # a catalogue message or contract words (slalang/semdiff/words.py)
    old: Any = None
    new: Any = None
    words: dict[str, list[tuple[str, str]]] | None = None  # contract language → [(op, text)]

    def subject_in(self, lang: str) -> str:
        return show(self.subject, lang)

    def old_in(self, lang: str) -> str | None:
        return None if self.old is None else show(self.old, lang)

    def new_in(self, lang: str) -> str | None:
        return None if self.new is None else show(self.new, lang)

    def to_dict(self, lang: str = "en") -> dict:
        d: dict = {
            "section": self.section,
            "path": self.path,
            "kind": self.kind,
            "direction": self.direction,
            "subject": self.subject_in(lang),
        }
        if self.old is not None:
            d["old"] = self.old_in(lang)
        if self.new is not None:
            d["new"] = self.new_in(lang)
        if self.words is not None:
            d["words"] = {cl: [{"op": op, "text": t} for op, t in segs] for cl, segs in self.words.items()}
        return d


@dataclass
class ContractDiff:
    old_id: str
    old_version: str
    new_id: str
    new_version: str
    changes: list[Change] = field(default_factory=list)

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


# ---------------------------------------------------------------- the context


def _plain(x: Any) -> Any:
    """Model content as plain data, without source positions or duration spelling."""
    if isinstance(x, m._Model):
        return {
            k: _plain(getattr(x, k))
            for k in type(x).model_fields
            if k not in ("line", "spelling") and not _is_source_span(getattr(x, k))
        }
    if isinstance(x, dict):
        return {k: _plain(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_plain(v) for v in x]
    return x


def _is_source_span(x: Any) -> bool:
    return isinstance(x, m.SourceSpan)


def tv(t: m.Text | None) -> Any:
    return NONE if t is None else Bilingual.of(t)


class Context:
    """Both versions, the changes found so far, and the renames they imply."""

    def __init__(self, old: m.Contract, new: m.Contract) -> None:
        self.old, self.new = old, new
        self.changes: list[Change] = []
        self.rn = Renames()
        self.targets = Targets(old, new)

    def add(self, section, path, kind, direction, subject, old=None, new=None, words=None) -> None:
        self.changes.append(Change(section, path, kind, direction, subject, old, new, words))

    def sized(
        self,
        section: str,
        path: str,
        subject: Any,
        old: Any,
        new: Any,
        words: Callable,
        order: Order,
        smaller_is_stricter: bool = True,
        absent_is: str = LOOSER,
    ) -> None:
        """A value that is better for the customer when smaller (or larger).
        `absent_is` says what having no value means: LOOSER (no commitment)
        or STRICTER (no limit, e.g. no cap)."""
        if old is None and new is None:
            return
        if old is not None and new is not None:
            direction = sized(order(old, new), smaller_is_stricter)
            if direction == NEUTRAL and _plain(words(old)) == _plain(words(new)):
                return
            self.add(section, path, "changed", direction, subject, words(old), words(new))
            return
        gained = new is not None
        direction = (STRICTER if gained else LOOSER) if absent_is == LOOSER else (LOOSER if gained else STRICTER)
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
        self,
        section,
        path,
        subject,
        old: m.Text | None,
        new: m.Text | None,
        if_added: str = UNCLEAR,
        if_changed: str = NEUTRAL,
    ) -> None:
        if old is None and new is None:
            return
        if old is None or new is None:
            self.add(
                section,
                path,
                "added" if new is not None else "removed",
                if_added if new is not None else flip(if_added),
                subject,
                tv(old) if old is not None else None,
                tv(new) if new is not None else None,
            )
            return
        a, b = Bilingual.of(old).with_refs(self.rn.refs), Bilingual.of(new)
        if a == b:
            return
        words = {cl: word_diff(a.in_(cl), b.in_(cl)) for cl in _langs(a, b) if a.in_(cl) != b.in_(cl)}
        self.add(section, path, "changed", if_changed, subject, a, b, words)

    def named_list(
        self,
        section: str,
        ns: str,
        old: list,
        new: list,
        content: Callable,
        compare: Callable | None = None,
        added_dir: str = STRICTER,
        title: Callable | None = None,
        order_matters: bool = False,
    ) -> Match:
        """Added, removed, renamed and reordered members of a named list."""
        mt = match(old, new, lambda x: x.name, content)
        label = title or (lambda x: Verbatim(x.name))
        what = T(f"what.{ns}")

        def subject(name: str) -> Msg:
            return T("subject.item", what=what, name=Verbatim(name))

        for o, n in mt.renamed:
            self.rn.add(ns, o.name, n.name)
            self.add(
                section,
                f"{section}.{ns}.{o.name}",
                "renamed",
                NEUTRAL,
                subject(o.name),
                Verbatim(o.name),
                Verbatim(n.name),
            )
        for o in mt.removed:
            self.add(section, f"{section}.{ns}.{o.name}", "removed", flip(added_dir), subject(o.name), label(o), None)
        for n in mt.added:
            self.add(section, f"{section}.{ns}.{n.name}", "added", added_dir, subject(n.name), None, label(n))
        if mt.reordered:
            kept_new = [n.name for n in new if any(n is pn for _, pn in mt.pairs)]
            kept_old = [self.rn(ns, o.name) for o in old if any(o is po for po, _ in mt.pairs)]
            self.add(
                section,
                f"{section}.{ns}.order",
                "reordered",
                UNCLEAR if order_matters else NEUTRAL,
                T("subject.order", what=what),
                list_words(kept_old),
                list_words(kept_new),
            )
        if compare is not None:
            for o, n in mt.pairs:
                compare(o, n)
        return mt


def _langs(a: Bilingual, b: Bilingual) -> list[str]:
    """The contract languages two texts are written in, in contract order."""
    return list(dict.fromkeys([k for k, _ in b.values] + [k for k, _ in a.values]))


# ---------------------------------------------------------------- the contract header


def diff_contract(cx: Context) -> None:
    o, n = cx.old, cx.new
    for attr, direction in (("id", UNCLEAR), ("version", NEUTRAL)):
        a, b = getattr(o, attr), getattr(n, attr)
        if a != b:
            cx.add("contract", f"contract.{attr}", "changed", direction, T(f"subject.{attr}"), Verbatim(a), Verbatim(b))


def _header(cx: Context, attr: str) -> None:
    a, b = getattr(cx.old, attr), getattr(cx.new, attr)
    if a != b:
        cx.add("contract", f"contract.{attr}", "changed", UNCLEAR, T(f"subject.{attr}"), plain_words(a), plain_words(b))


def diff_timezone(cx: Context) -> None:
    _header(cx, "timezone")


def diff_currency(cx: Context) -> None:
    _header(cx, "currency")


def diff_prevailing(cx: Context) -> None:
    a, b = cx.old.prevailing, cx.new.prevailing
    if a != b:

        def words(x: str | None) -> Any:
            return plain_words(x) if x is not None else T("value.no_prevailing")

        cx.add("contract", "contract.prevailing", "changed", UNCLEAR, T("subject.prevailing"), words(a), words(b))


def diff_kind(cx: Context) -> None:
    """The kind frames the letter and chooses the lint profile: no commitment moves."""
    if cx.old.kind != cx.new.kind:
        cx.add(
            "contract",
            "contract.kind",
            "changed",
            NEUTRAL,
            T("subject.kind"),
            T(f"value.kind.{cx.old.kind}"),
            T(f"value.kind.{cx.new.kind}"),
        )


def diff_languages(cx: Context) -> None:
    o, n = cx.old.languages, cx.new.languages
    if o != n:
        cx.add(
            "contract", "contract.languages", "changed", NEUTRAL, T("subject.languages"), list_words(o), list_words(n)
        )


def diff_title(cx: Context) -> None:
    cx.text("contract", "contract.title", T("subject.title"), cx.old.title, cx.new.title)


def diff_version_label(cx: Context) -> None:
    """What each language calls the version: a label, neutral (the version itself is compared on its own)."""
    a, b = cx.old.version_label, cx.new.version_label
    cx.text("contract", "contract.version_label", T("subject.version_label"), a, b, if_added=NEUTRAL)


def diff_effective(cx: Context) -> None:
    o, n = cx.old, cx.new
    if o.effective_start != n.effective_start:
        cx.add(
            "contract",
            "contract.effective.start",
            "changed",
            STRICTER if n.effective_start < o.effective_start else LOOSER,
            T("subject.effective_start"),
            plain_words(o.effective_start),
            plain_words(n.effective_start),
        )
    if o.effective_end != n.effective_end:
        cx.add(
            "contract",
            "contract.effective.end",
            "changed",
            STRICTER if n.effective_end > o.effective_end else LOOSER,
            T("subject.effective_end"),
            plain_words(o.effective_end),
            plain_words(n.effective_end),
        )


# ---------------------------------------------------------------- parties


def _party(cx: Context, role: str) -> None:
    s = "parties"
    a, b = getattr(cx.old, role), getattr(cx.new, role)
    party = T(f"party.{role}")
    cx.text(s, f"{role}.name", T("subject.party_name", party=party), a.name, b.name)
    cx.text(s, f"{role}.address", T("subject.party_address", party=party), a.address, b.address, NEUTRAL)
    cx.text(s, f"{role}.contact", T("subject.party_contact", party=party), a.contact, b.contact, NEUTRAL)
    old_c = [Bilingual.of(c) for c in a.credentials]
    new_c = [Bilingual.of(c) for c in b.credentials]
    credential = T("subject.party_credential", party=party)
    for c in old_c:
        if c not in new_c:
            cx.add(s, f"{role}.credentials", "removed", LOOSER, credential, c, None)
    for c in new_c:
        if c not in old_c:
            cx.add(s, f"{role}.credentials", "added", STRICTER, credential, None, c)
    kept_old = [c for c in old_c if c in new_c]
    kept_new = [c for c in new_c if c in old_c]
    if kept_old != kept_new:
        cx.add(
            s,
            f"{role}.credentials.order",
            "reordered",
            NEUTRAL,
            T("subject.party_credentials_order", party=party),
            list_words(kept_old),
            list_words(kept_new),
        )


def diff_provider(cx: Context) -> None:
    _party(cx, "provider")


def diff_customer(cx: Context) -> None:
    _party(cx, "customer")


# ---------------------------------------------------------------- scope


def diff_scope(cx: Context) -> None:
    s = "scope"
    o, n = cx.old.scope, cx.new.scope

    def titled(x):
        return tv(x.title)

    def cmp_title(kind: str) -> Callable:
        def compare(a, b) -> None:
            cx.text(s, f"scope.{kind}.{b.name}.title", Verbatim(b.name), a.title, b.title)

        return compare

    cx.named_list(
        s, "region", list(o.regions), list(n.regions), lambda x: _plain(x.title), cmp_title("region"), title=titled
    )

    def cmp_product(a: m.Product, b: m.Product) -> None:
        cmp_title("product")(a, b)
        path = f"scope.product.{b.name}.fee"
        if a.fee is not None and b.fee is not None and a.fee_period != b.fee_period:
            # The same fee over a longer period costs the customer less.
            same = _plain(a.fee) == _plain(b.fee)
            longer = PERIOD_MONTHS.get(b.fee_period or "", 0) > PERIOD_MONTHS.get(a.fee_period or "", 0)
            cx.add(
                s,
                f"{path}.period",
                "changed",
                (STRICTER if longer else LOOSER) if same else UNCLEAR,
                T("subject.product_fee_period", name=tv(b.title)),
                word_of("period", a.fee_period),
                word_of("period", b.fee_period),
            )
            if not same:
                cx.add(
                    s,
                    path,
                    "changed",
                    UNCLEAR,
                    T("subject.product_fee", name=tv(b.title)),
                    money_words(a.fee),
                    money_words(b.fee),
                )
            return
        cx.sized(
            s,
            path,
            T("subject.product_fee", name=tv(b.title)),
            a.fee,
            b.fee,
            money_words,
            lambda x, y: by_number(x.amount, y.amount) if x.currency == y.currency else None,
            absent_is=STRICTER,
        )

    cx.named_list(
        s,
        "product",
        list(o.products),
        list(n.products),
        lambda x: (_plain(x.title), _plain(x.fee), x.fee_period),
        cmp_product,
        title=titled,
    )
    cx.named_list(
        s, "service", list(o.services), list(n.services), lambda x: _plain(x.title), cmp_title("service"), title=titled
    )
    # A plan or flag added or removed changes which column or row tickets fall in: unclear on its own.
    for kind in ("plan", "flag"):
        cx.named_list(
            s,
            kind,
            list(getattr(o, kind + "s")),
            list(getattr(n, kind + "s")),
            lambda x: _plain(x.title),
            cmp_title(kind),
            added_dir=UNCLEAR,
            title=titled,
        )


# ---------------------------------------------------------------- calendars


def _minutes(windows) -> set[tuple[int, int]]:
    return {(w.weekday, x) for w in windows for x in range(w.start_minute, w.end_minute)}


def _coverage(a: set, b: set, more_is: str) -> str:
    """a → b for sets of weekly minutes: strictly more is `more_is`."""
    if a == b:
        return NEUTRAL
    if b > a:
        return more_is
    if b < a:
        return flip(more_is)
    return UNCLEAR


def diff_calendar(cx: Context) -> None:
    s = "calendars"

    def compare(a: m.Calendar, b: m.Calendar) -> None:
        cx.text(s, f"calendar.{b.name}.title", T("subject.calendar_title", name=Verbatim(b.name)), a.title, b.title)
        body(a, b, b.name, tv(b.title))

    def body(a: m.Calendar, b: m.Calendar, key: str, name: Any) -> None:
        """Hours, holidays and timezone of a calendar or of one regional
        variant (`key` NAME.REGION); `name` is how a reader knows it (titles)."""
        if (a.timezone or cx.old.timezone) != (b.timezone or cx.new.timezone):
            cx.add(
                s,
                f"calendar.{key}.timezone",
                "changed",
                UNCLEAR,
                T("subject.calendar_timezone", name=name),
                plain_words(a.timezone or cx.old.timezone),
                plain_words(b.timezone or cx.new.timezone),
            )
        va = {x.region: x for x in a.variants}
        vb = {x.region: x for x in b.variants}
        if va or vb:
            for region in dict.fromkeys([*vb, *va]):
                x, y = va.get(region), vb.get(region)
                sub = f"{key}.{region}"
                if x is not None and y is not None:
                    body(x, y, sub, T("subject.calendar_in_region", calendar=name, region=_region_words(cx, region)))
                else:
                    cx.add(
                        s,
                        f"calendar.{sub}",
                        "added" if x is None else "removed",
                        UNCLEAR,
                        T("subject.calendar_hours", name=Verbatim(sub)),
                        None if x is None else window_words(x.hours),
                        None if y is None else window_words(y.hours),
                    )
            if not (va and vb):
                return  # a calendar became regional (or stopped being): its variants say it
        ma, mb = _minutes(a.hours), _minutes(b.hours)
        if ma != mb:
            # More working time: business clocks run faster and the calendar's column takes more tickets.
            cx.add(
                s,
                f"calendar.{key}.hours",
                "changed",
                _coverage(ma, mb, STRICTER),
                T("subject.calendar_hours", name=name),
                window_words(a.hours),
                window_words(b.hours),
            )
        if a.holiday_sets != b.holiday_sets:
            # A holiday set takes working days away: more sets, fewer working hours.
            more = set(b.holiday_sets) - set(a.holiday_sets)
            fewer = set(a.holiday_sets) - set(b.holiday_sets)
            cx.add(
                s,
                f"calendar.{key}.holidays",
                "changed",
                LOOSER if more and not fewer else STRICTER if fewer and not more else UNCLEAR,
                T("subject.calendar_holidays", name=name),
                list_words(a.holiday_sets),
                list_words(b.holiday_sets),
            )
        for attr, more_is in (("extra_holidays", LOOSER), ("extra_workdays", STRICTER)):
            da = {x.date: x for x in getattr(a, attr)}
            db = {x.date: x for x in getattr(b, attr)}
            for d in sorted(set(da) | set(db)):
                subj = T(f"subject.calendar_{attr}", name=name, date=Verbatim(str(d)))
                path = f"calendar.{key}.{attr}.{d}"
                if d not in da:
                    cx.add(s, path, "added", more_is, subj, None, tv(db[d].note) if db[d].note else plain_words(d))
                elif d not in db:
                    cx.add(s, path, "removed", flip(more_is), subj, tv(da[d].note) if da[d].note else plain_words(d))
                else:
                    cx.text(s, f"{path}.note", subj, da[d].note, db[d].note, NEUTRAL)
        _schedules(cx, s, name, key, a, b)

    cx.named_list(
        s,
        "calendar",
        list(cx.old.calendars),
        list(cx.new.calendars),
        lambda c: _plain(c.model_copy(update={"name": ""})),
        compare,
        added_dir=UNCLEAR,
        title=lambda c: tv(c.title),
    )


def _region_words(cx: Context, region: str | None) -> Any:
    """A region by its title (the new version's, else the old one's)."""
    for c in (cx.new, cx.old):
        found = next((r for r in c.scope.regions if r.name == region), None)
        if found is not None:
            return tv(found.title)
    return Verbatim(region or "")


def _product_words(cx: Context, product: str) -> Any:
    """A product by its title (the new version's, else the old one's)."""
    for c in (cx.new, cx.old):
        found = next((p for p in c.scope.products if p.name == product), None)
        if found is not None:
            return tv(found.title)
    return Verbatim(product)


def _schedules(cx: Context, s: str, name: Any, cname: str, a: m.Calendar, b: m.Calendar) -> None:
    """Supplied years' schedules: a day off more is looser for the provider
    (business clocks stop), a working day more stricter; the notice's title
    is compared as text."""
    ya = {sc.year: sc for sc in a.schedules}
    yb = {sc.year: sc for sc in b.schedules}
    for year in sorted(set(ya) | set(yb)):
        x, y = ya.get(year), yb.get(year)
        path = f"calendar.{cname}.schedule.{year}"
        subj = T("subject.calendar_schedule", name=name, year=year)
        if x is None or y is None:
            cx.add(
                s,
                path,
                "added" if y else "removed",
                UNCLEAR,
                subj,
                tv(x.source) if x else None,
                tv(y.source) if y else None,
            )
            continue
        cx.text(s, f"{path}.source", subj, x.source, y.source, NEUTRAL)
        for attr, more_is in (("holidays", LOOSER), ("workdays", STRICTER)):
            da = {d.date: d for d in getattr(x, attr)}
            db = {d.date: d for d in getattr(y, attr)}
            for d in sorted(set(da) ^ set(db)):
                day_subj = T(f"subject.calendar_extra_{attr}", name=name, date=Verbatim(str(d)))
                added = d in db
                cx.add(
                    s,
                    f"{path}.{attr}.{d}",
                    "added" if added else "removed",
                    more_is if added else flip(more_is),
                    day_subj,
                    None if added else plain_words(d),
                    plain_words(d) if added else None,
                )


# ---------------------------------------------------------------- priorities


def diff_priority(cx: Context) -> None:
    s = "priorities"

    def compare(a: m.Priority, b: m.Priority) -> None:
        name = Verbatim(b.name)
        cx.text(s, f"priority.{b.name}.title", T("subject.priority_title", name=name), a.title, b.title)
        da, db = list(a.definitions), list(b.definitions)
        for i in range(max(len(da), len(db))):
            cx.text(
                s,
                f"priority.{b.name}.definition.{i + 1}",
                T("subject.priority_definition", name=name),
                da[i] if i < len(da) else None,
                db[i] if i < len(db) else None,
                NEUTRAL,
            )

    cx.named_list(
        s,
        "priority",
        list(cx.old.priorities),
        list(cx.new.priorities),
        lambda p: (_plain(p.title), _plain(p.definitions)),
        compare,
        added_dir=UNCLEAR,
        title=lambda p: tv(p.title),
        order_matters=True,
    )


# ---------------------------------------------------------------- targets


def _column_label(contract: m.Contract, col: m.Column) -> Any:
    if col.plan is not None and col.kind != "plan":
        plan = next((p for p in contract.scope.plans if p.name == col.plan), None)
        window = _column_label(contract, col.model_copy(update={"plan": None}))
        label = tv(plan.title) if plan else Verbatim(col.plan)
        return label if window is None else T("subject.plan_window", plan=label, window=window)
    if col.kind == "any":
        return None
    if col.kind == "off_hours":
        return T("subject.off_hours")
    if col.kind == "calendar":
        cal = next((c for c in contract.calendars if c.name == col.calendar), None)
        return tv(cal.title).lower_first() if cal else Verbatim(col.name)
    if col.kind == "plan":
        plan = next((p for p in contract.scope.plans if p.name == col.name), None)
        return tv(plan.title) if plan else Verbatim(col.name)
    reg = next((r for r in contract.scope.regions if r.name == col.name), None)
    return tv(reg.title).lower_first() if reg else Verbatim(col.name)


def _cell_subject(prio: Any, title: Bilingual, label: Any) -> Msg:
    if label is None:
        return T("subject.cell", priority=prio, title=title.lower_first())
    return T("subject.cell_in", priority=prio, title=title.lower_first(), column=label)


def _fallback(mx: m.Matrix, rn: Callable[[str, str], str]) -> dict[str, m.Target]:
    """Per priority, the cell that takes tickets no calendar column takes."""
    col = next((c for c in mx.columns if c.kind in ("off_hours", "any")), None)
    if col is None:
        return {}
    return {rn("priority", t.priority): t for t in mx.targets if t.column == col.name}


def diff_matrix(cx: Context) -> None:
    for metric in ("response", "resolution"):
        _matrix(cx, metric)


def _matrix(cx: Context, metric: str) -> None:
    a, b = cx.old.matrix(metric), cx.new.matrix(metric)
    if a is None and b is None:
        return
    s = metric
    either = b or a
    assert either is not None
    title = Bilingual.of(either.title)
    if a is None or b is None:
        gained = b is not None
        mx = b if gained else a
        assert mx is not None
        contract = cx.new if gained else cx.old
        for t in mx.targets:
            if t.duration is None:
                continue
            col = next(c for c in mx.columns if c.name == t.column)
            cx.add(
                s,
                f"{metric}.{t.priority}.{t.column}",
                "added" if gained else "removed",
                STRICTER if gained else LOOSER,
                _cell_subject(_row_label(contract, t), title, _column_label(contract, col)),
                None if gained else dur_words(t.duration),
                dur_words(t.duration) if gained else None,
            )
        return
    cx.text(s, f"{metric}.title", T("subject.title"), a.title, b.title)
    old_cells = {
        (_row(cx.rn("priority", t.priority), cx.rn("flag", t.when) if t.when else None), cx.rn.column(t.column)): t
        for t in a.targets
    }
    new_cells = {(_row(t.priority, t.when), t.column): t for t in b.targets}
    _clock_start(cx, s, metric, a, b)
    cx.text(s, f"{metric}.confirm", T("subject.confirm"), a.confirm, b.confirm, if_added=STRICTER, if_changed=UNCLEAR)
    _condition_order(cx, s, metric, a, b)
    old_name = {cx.rn.column(c.name): c.name for c in a.columns}  # new name → name in the old matrix
    if a.clock != b.clock and cx.rn("calendar", a.clock or "") != (b.clock or ""):
        # The clock changes every business cell it counts: the same duration
        # on each side, compared on each version's clock.
        effects = [
            cx.targets.direction((a, ta.duration), (b, tb.duration), (key[1], old_name.get(key[1])))
            for key, tb in new_cells.items()
            if (ta := old_cells.get(key)) is not None
            and ta.duration is not None
            and tb.duration is not None
            and "business" in (ta.duration.clock, tb.duration.clock)
            and _plain(ta.duration) == _plain(tb.duration)
        ]
        cx.add(
            s,
            f"{metric}.clock",
            "changed",
            combine(effects),
            T("subject.clock"),
            plain_words(a.clock),
            plain_words(b.clock),
        )
    old_cols = [cx.rn.column(c.name) for c in a.columns]
    new_cols = [c.name for c in b.columns]
    if old_cols != new_cols and sorted(old_cols) == sorted(new_cols):
        # The first calendar column containing the opening instant wins: order can matter.
        cx.add(
            s,
            f"{metric}.columns",
            "reordered",
            UNCLEAR,
            T("subject.column_order"),
            list_words(old_cols),
            list_words(new_cols),
        )
    fallback_old = _fallback(a, cx.rn)
    fallback_new = _fallback(b, lambda ns, x: x)
    new_names = {c.name for c in b.columns}
    for key in dict.fromkeys([*new_cells, *old_cells]):
        prio, colname = key
        ta, tb = old_cells.get(key), new_cells.get(key)
        col = next((c for c in b.columns if c.name == colname), None) or next(
            c for c in a.columns if cx.rn.column(c.name) == colname
        )
        contract = cx.new if tb is not None else cx.old
        either_t = tb or ta
        assert either_t is not None
        subject = _cell_subject(_row_label(contract, either_t), title, _column_label(contract, col))
        path = f"{metric}.{prio}.{colname}"
        column = (colname if colname in new_names else None, old_name.get(colname))
        strict = (ta.strict if ta else False, tb.strict if tb else False)
        if (ta is None) != (tb is None) and either_t.when is not None:
            # A conditional row added or removed: its tickets had (or now get) the plain row.
            plain_key = (either_t.priority, colname)
            other = (new_cells if ta is not None else old_cells).get(plain_key)
            if other is not None:
                old_t, new_t = (other, tb) if tb is not None else (ta, other)
                assert old_t is not None and new_t is not None
                direction = _cell_direction(cx, (a, old_t.duration), (b, new_t.duration), column)
                cx.add(
                    s,
                    path,
                    "added" if tb is not None else "removed",
                    direction,
                    subject,
                    T("value.before_plain", value=_strict_words(old_t)) if tb is not None else _strict_words(old_t),
                    _strict_words(new_t) if tb is not None else T("value.now_plain", value=_strict_words(new_t)),
                )
                continue
        if ta is not None and tb is not None:
            if ta.strict != tb.strict and _plain(ta.duration) == _plain(tb.duration):
                # `1h` → `<1h`: the due instant itself no longer meets it.
                cx.add(
                    s,
                    path,
                    "changed",
                    STRICTER if tb.strict else LOOSER,
                    subject,
                    _strict_words(ta),
                    _strict_words(tb),
                )
                continue
            _cell(cx, s, path, subject, (a, ta.duration), (b, tb.duration), column, strict=strict)
        elif tb is not None:
            # A new column (or priority): compare with what those tickets got before.
            before = fallback_old.get(prio) if col.kind == "calendar" else None
            _cell(
                cx,
                s,
                path,
                subject,
                (a, before.duration if before else None),
                (b, tb.duration),
                column,
                "added",
                before,
                strict=(before.strict if before else False, strict[1]),
            )
        else:
            assert ta is not None
            after = fallback_new.get(prio) if col.kind == "calendar" else None
            _cell(
                cx,
                s,
                path,
                subject,
                (a, ta.duration),
                (b, after.duration if after else None),
                column,
                "removed",
                after,
                strict=(strict[0], after.strict if after else False),
            )


def _clock_start(cx: Context, s: str, metric: str, a: m.Matrix, b: m.Matrix) -> None:
    """`from NAME`: no start line is the opening, the earliest instant a clock
    can start at (a start before it is a row error), so gaining one is looser."""
    if a.start == b.start:
        if a.start_title is not None and b.start_title is not None:
            cx.text(s, f"{metric}.start.title", T("subject.clock_start"), a.start_title, b.start_title)
        return
    direction = UNCLEAR if a.start and b.start else LOOSER if b.start else STRICTER
    cx.add(
        s,
        f"{metric}.start",
        "changed",
        direction,
        T("subject.clock_start"),
        plain_words(a.start or "opened_at"),
        plain_words(b.start or "opened_at"),
    )


def _condition_order(cx: Context, s: str, metric: str, a: m.Matrix, b: m.Matrix) -> None:
    """The first conditional row whose flag a ticket has applies: reordering
    a priority's conditional rows changes the targets of tickets with both."""
    for prio in dict.fromkeys(t.priority for t in b.targets):
        old_prio = next((p for p in dict.fromkeys(t.priority for t in a.targets) if cx.rn("priority", p) == prio), prio)
        old = [cx.rn("flag", f) for f in a.conditions(old_prio)]
        new = list(b.conditions(prio))
        if old != new and sorted(old) == sorted(new):
            cx.add(
                s,
                f"{metric}.{prio}.conditions",
                "reordered",
                UNCLEAR,
                T("subject.condition_order", priority=Verbatim(prio)),
                list_words(old),
                list_words(new),
            )


def _row_label(contract: m.Contract, t: m.Target) -> Any:
    """A row as a reviewer reads it: the priority, and the title of its flag."""
    if t.when is None:
        return Verbatim(t.priority)
    flag = next((f for f in contract.scope.flags if f.name == t.when), None)
    return T("subject.row_when", priority=Verbatim(t.priority), flag=tv(flag.title) if flag else Verbatim(t.when))


def _row(priority: str, when: str | None) -> str:
    """A matrix row's key: its priority, and the flag of a conditional row."""
    return priority if when is None else f"{priority} when {when}"


def _strict_words(t: m.Target) -> Any:
    return T("value.strict", value=dur_words(t.duration)) if t.strict else dur_words(t.duration)


def _has_dst(zone: str) -> bool:
    from zoneinfo import ZoneInfo

    z = ZoneInfo(zone)
    return len({dt.datetime(2026, month, 1, tzinfo=z).utcoffset() for month in (1, 7)}) > 1


def _cell_direction(cx: Context, old, new, column) -> str:
    (_, da), (_, db) = old, new
    if da is None and db is None:
        return NEUTRAL
    if da is None:
        return STRICTER  # a commitment where there was none
    if db is None:
        return LOOSER
    if (
        da.clock == db.clock == "wall"
        and da.calendar_days != db.calendar_days
        and (_has_dst(cx.old.timezone) or _has_dst(cx.new.timezone))
    ):
        # `1d` against `24h`: a calendar day is 23 or 25 hours across a DST change.
        by_size = by_duration(da, db)
        if by_size == 0:
            return UNCLEAR
    return cx.targets.direction(old, new, column)


def _cell(
    cx: Context, s, path, subject, old, new, column, kind="changed", fallback=None, strict=(False, False)
) -> None:
    (_, da), (_, db) = old, new
    if kind == "changed":
        if da is None and db is None:
            return
        # The same duration on a changed calendar or clock: that change is
        # reported on its own, once, rather than once per cell.
        if da is not None and db is not None and _plain(da) == _plain(db):
            return
    direction = _cell_direction(cx, old, new, column)
    old_words, new_words = dur_words(da), dur_words(db)
    if strict[0] and da is not None:
        old_words = T("value.strict", value=old_words)
    if strict[1] and db is not None:
        new_words = T("value.strict", value=new_words)
    if kind == "added" and fallback is not None:
        old_words = T("value.before_fallback", value=old_words)
    if kind == "removed" and fallback is not None:
        new_words = T("value.now_fallback", value=new_words)
    cx.add(
        s,
        path,
        kind,
        direction,
        subject,
        old_words if (kind != "added" or fallback is not None) else None,
        new_words if (kind != "removed" or fallback is not None) else None,
    )


def _durations_on(same_clock: bool) -> Order:
    """Durations outside a matrix; business ones only on an unchanged clock."""

    def order(a: m.Duration, b: m.Duration) -> int | None:
        if not same_clock and "business" in (a.clock, b.clock):
            return None
        return by_duration(a, b)

    return order


def diff_updates(cx: Context) -> None:
    a, b = cx.old.updates, cx.new.updates
    s = "updates"
    if a is None and b is None:
        return
    either = b or a
    assert either is not None
    title = Bilingual.of(either.title).lower_first()
    same_clock = True
    if a is not None and b is not None:
        cx.text(s, "updates.title", T("subject.title"), a.title, b.title)
        if a.clock != b.clock and cx.rn("calendar", a.clock or "") != (b.clock or ""):
            same_clock = False
            cx.add(
                s, "updates.clock", "changed", UNCLEAR, T("subject.clock"), plain_words(a.clock), plain_words(b.clock)
            )
    if a is not None and b is not None and [c.name for c in a.columns] != [c.name for c in b.columns]:
        cx.add(
            s,
            "updates.columns",
            "changed",
            UNCLEAR,
            T("subject.update_columns"),
            list_words([c.name for c in a.columns]),
            list_words([c.name for c in b.columns]),
        )

    def key(r: m.UpdateRule, prio: str) -> tuple[str, str | None]:
        return prio, cx.rn.column(r.column) if r.column is not None else None

    ra = {key(r, cx.rn("priority", r.priority)): r.every for r in (a.rules if a else ())}
    rb = {(r.priority, r.column): r.every for r in (b.rules if b else ())}
    for p, col in dict.fromkeys([*rb, *ra]):
        label = None
        if col is not None:
            contract = cx.new if (p, col) in rb else cx.old
            where = b if (p, col) in rb else a
            found = next((c for c in (where.columns if where else ()) if cx.rn.column(c.name) == col), None)
            label = _column_label(contract, found) if found is not None else Verbatim(col)
        subject = T("subject.update_interval", priority=Verbatim(p), title=title)
        if label is not None:
            subject = T("subject.update_interval_in", priority=Verbatim(p), title=title, column=label)
        cx.sized(
            s,
            f"updates.{p}" + (f".{col}" if col is not None else ""),
            subject,
            ra.get((p, col)),
            rb.get((p, col)),
            dur_words,
            _durations_on(same_clock),
        )


def diff_followup(cx: Context) -> None:
    a, b = cx.old.followup, cx.new.followup
    if a is None and b is None:
        return
    either = b or a
    assert either is not None
    if a is not None and b is not None:
        cx.text("followup", "followup.title", T("subject.title"), a.title, b.title)
    cx.sized(
        "followup",
        "followup.within",
        T("subject.followup_within", title=Bilingual.of(either.title).lower_first()),
        a.within if a else None,
        b.within if b else None,
        dur_words,
        by_duration,
    )


def diff_pauses(cx: Context) -> None:
    """Pauses stop the ticket clocks: gaining them is looser for the provider."""
    a, b = cx.old.pauses, cx.new.pauses
    if a is None and b is None:
        return
    if a is not None and b is not None:
        cx.text("pauses", "pauses.when", T("subject.pauses"), a.when, b.when)
        return
    cx.add(
        "pauses",
        "pauses",
        "added" if a is None else "removed",
        LOOSER if a is None else STRICTER,
        T("subject.pauses"),
        None if a is None else tv(a.when),
        None if b is None else tv(b.when),
    )


# ---------------------------------------------------------------- availability and warnings


def diff_availability(cx: Context) -> None:
    s = "availability"
    ta = {(cx.rn("product", t.product), t.period): t for t in cx.old.availability}
    tb = {(t.product, t.period): t for t in cx.new.availability}
    for key in dict.fromkeys([*tb, *ta]):
        prod, period = key
        x, y = ta.get(key), tb.get(key)
        cx.sized(
            s,
            f"availability.{prod}.{period}",
            T("subject.availability", product=_product_words(cx, prod), period=T(f"period.{period}")),
            x.percent if x else None,
            y.percent if y else None,
            pct_words,
            by_number,
            smaller_is_stricter=False,
        )
        if x is not None and y is not None:
            _measurement(cx, s, prod, period, x, y)
    kept_old = [k for k in ta if k in tb]
    kept_new = [k for k in tb if k in ta]
    if kept_old != kept_new:
        cx.add(
            s,
            "availability.order",
            "reordered",
            NEUTRAL,
            T("subject.availability_order"),
            list_words(p for p, _ in kept_old),
            list_words(p for p, _ in kept_new),
        )


# How each counting rule moves the measured downtime: more downtime counted
# (a lower availability, so more credits) is stricter for the provider.
_COUNTING_RANK = {"full_minute": 0, "second": 1, "started_minute": 2}


def _measurement(cx: Context, s: str, prod: str, period: str, x: m.AvailabilityTarget, y: m.AvailabilityTarget) -> None:
    """The measurement rules of one availability target, old against new."""
    base = f"availability.{prod}.{period}"
    of = {"product": _product_words(cx, prod), "period": T(f"period.{period}")}
    if x.resource != y.resource:
        cx.add(
            s,
            f"{base}.resource",
            "changed",
            UNCLEAR,
            T("subject.availability_resource", **of),
            Verbatim(x.resource) if x.resource else T("value.per_product"),
            Verbatim(y.resource) if y.resource else T("value.per_product"),
        )
    if x.counting != y.counting:
        cx.add(
            s,
            f"{base}.counting",
            "changed",
            STRICTER if _COUNTING_RANK[y.counting] > _COUNTING_RANK[x.counting] else LOOSER,
            T("subject.availability_counting", **of),
            word_of("counting", x.counting),
            word_of("counting", y.counting),
        )
    # A longer grace leaves more outages uncounted: looser.
    cx.sized(
        s,
        f"{base}.grace",
        T("subject.availability_grace", **of),
        x.ignore_under,
        y.ignore_under,
        dur_words,
        _durations_on(True),
        absent_is=STRICTER,
    )
    if x.ignore_under and y.ignore_under and x.ignore_inclusive != y.ignore_inclusive:
        # "up to 1m" also ignores outages of exactly 1m: looser than "under 1m".
        cx.add(
            s,
            f"{base}.grace.bound",
            "changed",
            LOOSER if y.ignore_inclusive else STRICTER,
            T("subject.availability_grace_bound", **of),
            word_of("grace_bound", "up_to" if x.ignore_inclusive else "under"),
            word_of("grace_bound", "up_to" if y.ignore_inclusive else "under"),
        )
    if x.bucket != y.bucket:
        cx.add(
            s,
            f"{base}.bucket",
            "changed" if x.bucket and y.bucket else "added" if y.bucket else "removed",
            UNCLEAR,
            T("subject.availability_bucket", **of),
            dur_words(x.bucket) if x.bucket else None,
            dur_words(y.bucket) if y.bucket else None,
        )
    if x.bucket and y.bucket:
        # A higher error rate before an interval counts as down: looser.
        cx.sized(
            s,
            f"{base}.bucket.errors",
            T("subject.availability_bucket_errors", **of),
            x.bucket_error_percent,
            y.bucket_error_percent,
            pct_words,
            by_number,
        )
    if x.denominator != y.denominator:
        # Measured over eligible time only, the same downtime weighs more: stricter.
        cx.add(
            s,
            f"{base}.denominator",
            "changed",
            STRICTER if y.denominator == "eligible_time" else LOOSER,
            T("subject.availability_denominator", **of),
            word_of("denominator", x.denominator),
            word_of("denominator", y.denominator),
        )


def diff_warnings(cx: Context) -> None:
    ma, mb = cx.old.monitor, cx.new.monitor
    cx.text(
        "warnings",
        "warnings.monitor",
        T("subject.monitor"),
        ma.tool if ma else None,
        mb.tool if mb else None,
        if_added=STRICTER,
        if_changed=UNCLEAR,
    )
    wa = {w.level: w.percent for w in cx.old.warnings}
    wb = {w.level: w.percent for w in cx.new.warnings}
    for level in get_args(m.LevelName):
        # An earlier warning (a lower share of the target elapsed) protects the customer.
        cx.sized(
            "warnings",
            f"warnings.{level}",
            T("subject.warning", level=T(f"level.{level}")),
            wa.get(level),
            wb.get(level),
            lambda p: T("value.warning_at", percent=num(p)),
            by_number,
        )


# ---------------------------------------------------------------- credits


def _amount_order(a: m.Amount, b: m.Amount) -> int | None:
    if a.money is not None and b.money is not None:
        return by_number(a.money.amount, b.money.amount) if a.money.currency == b.money.currency else None
    if a.percent is not None and b.percent is not None and a.base == b.base:
        return by_number(a.percent, b.percent)
    return None


def _amount(cx: Context, s, path, subject, a: m.Amount, b: m.Amount) -> None:
    """A larger credit is stricter; a percentage against a fixed sum is unclear."""
    if _plain(a) == _plain(b):
        return
    cx.sized(s, path, subject, a, b, amount_words, _amount_order, smaller_is_stricter=False)


def _cap(cx: Context, s, path, subject, a: m.Amount | None, b: m.Amount | None) -> None:
    if a is not None and b is not None:
        _amount(cx, s, path, subject, a, b)
    elif a is not None or b is not None:
        # No cap means no limit: adding one limits what the customer can get.
        cx.add(
            s,
            path,
            "added" if b else "removed",
            LOOSER if b else STRICTER,
            subject,
            amount_words(a) if a else None,
            amount_words(b) if b else None,
        )


def _step_words(st: m.StepRule) -> Msg:
    return T(
        "value.step", mode=T(f"value.step_per.{st.mode}", every=dur_words(st.every)), amount=amount_words(st.amount)
    )


def diff_credit(cx: Context) -> None:
    s = "credits"

    def compare(a: m.CreditLadder, b: m.CreditLadder) -> None:
        t = Bilingual.of(b.title)
        low = t.lower_first()
        name = b.name
        cx.text(s, f"credit.{name}.title", T("subject.ladder_title", ladder=t), a.title, b.title)
        if a.metric != b.metric:
            cx.add(
                s,
                f"credit.{name}.metric",
                "changed",
                UNCLEAR,
                T("subject.ladder_metric", ladder=t),
                word_of("credit_metric", a.metric),
                word_of("credit_metric", b.metric),
            )
        sa, sb = a.step, b.step
        if sa and sb:
            if sa.mode != sb.mode:
                # "per started" counts a step for every begun interval: more credit than "per full".
                cx.add(
                    s,
                    f"credit.{name}.step.mode",
                    "changed",
                    STRICTER if sb.mode == "started" else LOOSER,
                    T("subject.ladder_step_mode", ladder=low),
                    T(f"value.step_mode.{sa.mode}"),
                    T(f"value.step_mode.{sb.mode}"),
                )
            # A shorter step pays sooner and more often.
            cx.sized(
                s,
                f"credit.{name}.step.every",
                T("subject.ladder_step_every", ladder=low),
                sa.every,
                sb.every,
                dur_words,
                _durations_on(True),
            )
            _amount(
                cx, s, f"credit.{name}.step.amount", T("subject.ladder_step_amount", ladder=low), sa.amount, sb.amount
            )
        elif sa or sb:
            cx.add(
                s,
                f"credit.{name}.step",
                "added" if sb else "removed",
                STRICTER if sb else LOOSER,
                T("subject.ladder_step", ladder=low),
                _step_words(sa) if sa else None,
                _step_words(sb) if sb else None,
            )
        _tiers(cx, s, name, low, a, b)
        _cap(cx, s, f"credit.{name}.cap", T("subject.ladder_cap", ladder=low), a.cap, b.cap)
        _products(cx, s, name, low, a.products, b.products)
        ma, mb = a.minimum, b.minimum
        if ma is not None and mb is not None:
            _amount(cx, s, f"credit.{name}.minimum", T("subject.ladder_minimum", ladder=low), ma, mb)
        elif ma is not None or mb is not None:
            cx.add(
                s,
                f"credit.{name}.minimum",
                "added" if mb else "removed",
                STRICTER if mb else LOOSER,
                T("subject.ladder_minimum", ladder=low),
                amount_words(ma) if ma else None,
                amount_words(mb) if mb else None,
            )
        _form(cx, s, f"credit.{name}.form", T("subject.ladder_form", ladder=low), a.form, b.form)

    cx.named_list(
        s,
        "credit",
        list(cx.old.credit_ladders),
        list(cx.new.credit_ladders),
        lambda x: _plain(x.model_copy(update={"name": ""})),
        compare,
        added_dir=STRICTER,
        title=lambda x: tv(x.title),
    )


def _tiers(cx: Context, s: str, name: str, low: Bilingual, a: m.CreditLadder, b: m.CreditLadder) -> None:
    ta = {x.below: x for x in a.tiers}
    tb = {x.below: x for x in b.tiers}
    only_a = [x for x in a.tiers if x.below not in tb]
    only_b = [x for x in b.tiers if x.below not in ta]

    def tier(below) -> Msg:
        return T("subject.ladder_tier", ladder=low, below=num(below))

    # A tier whose threshold moved is the same tier, not a removal and an addition.
    moved = list(zip(only_a, only_b)) if len(only_a) == len(only_b) else []
    for tx, ty in moved:
        cx.sized(
            s,
            f"credit.{name}.tier.{num(tx.below)}",
            T("subject.ladder_threshold", ladder=low),
            tx.below,
            ty.below,
            pct_words,
            by_number,
            smaller_is_stricter=False,
        )
        _amount(cx, s, f"credit.{name}.tier.{num(ty.below)}", tier(ty.below), tx.amount, ty.amount)
    for below in dict.fromkeys([*tb, *ta]):
        x, y = ta.get(below), tb.get(below)
        if x is not None and y is not None:
            _amount(cx, s, f"credit.{name}.tier.{num(below)}", tier(below), x.amount, y.amount)
        elif not moved:
            cx.add(
                s,
                f"credit.{name}.tier.{num(below)}",
                "added" if y else "removed",
                STRICTER if y else LOOSER,
                tier(below),
                amount_words(x.amount) if x else None,
                amount_words(y.amount) if y else None,
            )


def _products(cx: Context, s: str, name: str, low: Bilingual, a: tuple[str, ...], b: tuple[str, ...]) -> None:
    """The products a ladder pays for; none named means every product."""
    pa = [cx.rn("product", p) for p in a]
    if pa == list(b):
        return
    if not pa or not b:
        direction = STRICTER if not b else LOOSER  # to "every product" pays for more
    elif set(pa) < set(b):
        direction = STRICTER
    elif set(b) < set(pa):
        direction = LOOSER
    elif set(pa) == set(b):
        direction = NEUTRAL
    else:
        direction = UNCLEAR
    cx.add(
        s,
        f"credit.{name}.products",
        "changed",
        direction,
        T("subject.ladder_products", ladder=low),
        list_words(pa) if pa else T("value.every_product"),
        list_words(b) if b else T("value.every_product"),
    )


def _form_words(f: m.CreditForm | None) -> Any:
    if f is None:
        return NONE
    if f.restriction is None:
        return word_of("form", f.kind)
    return T("value.form_restricted", form=word_of("form", f.kind), restriction=tv(f.restriction))


def _form(cx: Context, s: str, path: str, subject: Any, a: m.CreditForm | None, b: m.CreditForm | None) -> None:
    if a == b:
        return
    ka, kb = (a.kind if a else None), (b.kind if b else None)
    if ka != kb:
        ra, rb = _FORM_RANK.get(ka or "", -1), _FORM_RANK.get(kb or "", -1)
        direction = UNCLEAR if -1 in (ra, rb) or ra == rb else STRICTER if rb > ra else LOOSER
    elif (a and a.restriction) and not (b and b.restriction):
        direction = STRICTER  # the restriction on using the credit is lifted
    elif (b and b.restriction) and not (a and a.restriction):
        direction = LOOSER
    else:
        direction = UNCLEAR  # the restriction is reworded
    cx.add(s, path, "changed", direction, subject, _form_words(a), _form_words(b))


def _claim_span_order(a: m.ClaimSpan, b: m.ClaimSpan) -> int | None:
    if a.unit != b.unit:
        return None
    return by_number(a.count, b.count)


def _claim_span_words(c: m.ClaimSpan | None) -> Any:
    if c is None:
        return NONE
    if c.unit == "months":
        return T("span.month", n=c.count)
    return T("unit.bd" if c.unit == "business_days" else "unit.d", n=c.count)


_ROUNDING_RANK = {"down": 0, "half_even": 1, "half_up": 2, "up": 3}
# A voucher restricted to the service is worth less to the customer than a
# credit on the bill, and a refund or cash more.
_FORM_RANK = {"voucher": 0, "service_credit": 1, "refund": 2, "cash": 2}


def diff_credits(cx: Context) -> None:
    s = "credits"
    pa, pb = cx.old.credits, cx.new.credits
    if pa is None and pb is None:
        return
    pa = pa or m.CreditPolicy.model_construct(**_policy_defaults())
    pb = pb or m.CreditPolicy.model_construct(**_policy_defaults())
    _cap(cx, s, "credits.cap", T("subject.credits_cap"), pa.cap, pb.cap)
    if pa.cap and pb.cap and pa.cap_period != pb.cap_period:
        # The same cap over a longer period limits the customer more.
        longer = PERIOD_MONTHS.get(pb.cap_period or "", 0) > PERIOD_MONTHS.get(pa.cap_period or "", 0)
        cx.add(
            s,
            "credits.cap.period",
            "changed",
            LOOSER if longer else STRICTER,
            T("subject.credits_cap_period"),
            word_of("period", pa.cap_period),
            word_of("period", pb.cap_period),
        )
    _form(cx, s, "credits.form", T("subject.credits_form"), pa.form, pb.form)
    if pa.combine != pb.combine:
        # Adding the ladders pays more than taking the highest one.
        cx.add(
            s,
            "credits.combine",
            "changed" if pa.combine and pb.combine else "added" if pb.combine else "removed",
            UNCLEAR if None in (pa.combine, pb.combine) else STRICTER if pb.combine == "sum" else LOOSER,
            T("subject.combine"),
            word_of("combine", pa.combine),
            word_of("combine", pb.combine),
        )
    if pa.partial_periods != pb.partial_periods:
        # The full fee as the base of a cut period pays more than a prorated one.
        cx.add(
            s,
            "credits.partial_periods",
            "changed",
            STRICTER if pb.partial_periods == "full_fee" else LOOSER,
            T("subject.partial_periods"),
            word_of("partial", pa.partial_periods),
            word_of("partial", pb.partial_periods),
        )
    ca, cb = pa.claim, pb.claim
    if ca is not None and cb is not None:
        if ca.after != cb.after:
            cx.add(
                s,
                "credits.claim.after",
                "changed",
                UNCLEAR,
                T("subject.claim_after"),
                word_of("claim_anchor", ca.after),
                word_of("claim_anchor", cb.after),
            )
        if ca.calendar != cb.calendar and cx.rn("calendar", ca.calendar or "") != cb.calendar:
            cx.add(
                s,
                "credits.claim.calendar",
                "changed",
                UNCLEAR,
                T("subject.claim_calendar"),
                Verbatim(ca.calendar) if ca.calendar else NONE,
                Verbatim(cb.calendar) if cb.calendar else NONE,
            )
        # A longer claim window gives the customer more time.
        cx.sized(
            s,
            "credits.claim.within",
            T("subject.claim_within"),
            ca.within,
            cb.within,
            _claim_span_words,
            _claim_span_order,
            smaller_is_stricter=False,
        )
        # A window that opens later gives the customer less time.
        cx.sized(
            s,
            "credits.claim.opens",
            T("subject.claim_opens"),
            ca.opens,
            cb.opens,
            _claim_span_words,
            _claim_span_order,
            absent_is=STRICTER,
        )
    elif ca is not None or cb is not None:
        cx.add(
            s,
            "credits.claim",
            "added" if cb else "removed",
            UNCLEAR,
            T("subject.claim_within"),
            _claim_span_words(ca.within) if ca else None,
            _claim_span_words(cb.within) if cb else None,
        )
    if pa.rounding != pb.rounding:
        cx.add(
            s,
            "credits.rounding",
            "changed" if pa.rounding and pb.rounding else "added" if pb.rounding else "removed",
            UNCLEAR
            if None in (pa.rounding, pb.rounding)
            else STRICTER
            if _ROUNDING_RANK[pb.rounding or ""] > _ROUNDING_RANK[pa.rounding or ""]
            else LOOSER,
            T("subject.rounding"),
            word_of("rounding", pa.rounding),
            word_of("rounding", pb.rounding),
        )
    if pa.rounding_scope != pb.rounding_scope:
        cx.add(
            s,
            "credits.rounding_scope",
            "changed",
            UNCLEAR,
            T("subject.rounding_scope"),
            word_of("rounding_scope", pa.rounding_scope),
            word_of("rounding_scope", pb.rounding_scope),
        )
    if pa.quantum != pb.quantum:
        cx.add(
            s,
            "credits.quantum",
            "changed",
            UNCLEAR,
            T("subject.quantum"),
            Verbatim(num(pa.quantum)),
            Verbatim(num(pb.quantum)),
        )


@cache
def _policy_defaults() -> dict[str, Any]:
    """A credit policy with nothing stated (every field at its default)."""
    return {
        k: f.get_default(call_default_factory=True)
        for k, f in m.CreditPolicy.model_fields.items()
        if not f.is_required()
    }


# ---------------------------------------------------------------- exclusions


def diff_exclusions(cx: Context) -> None:
    s = "exclusions"
    ea = cx.old.exclusions or m.Exclusions()
    eb = cx.new.exclusions or m.Exclusions()
    fa, fb = ea.force_majeure, eb.force_majeure
    fm = T("subject.force_majeure")
    if fa is None or fb is None:
        if fa is not None or fb is not None:
            cx.add(
                s,
                "exclusions.force_majeure",
                "added" if fb else "removed",
                LOOSER if fb else STRICTER,
                fm,
                tv(fa.events) if fa else None,
                tv(fb.events) if fb else None,
            )
    else:
        _events(cx, s, fm, fa.events, fb.events)
        cx.sized(
            s,
            "exclusions.force_majeure.notify",
            T("subject.force_majeure_notify"),
            fa.notify_within,
            fb.notify_within,
            dur_words,
            _durations_on(True),
        )
    ma, mb = ea.maintenance, eb.maintenance
    if ma is None or mb is None:
        if ma is not None or mb is not None:
            cx.add(
                s,
                "exclusions.maintenance",
                "added" if mb else "removed",
                LOOSER if mb else STRICTER,
                T("subject.maintenance"),
            )
    else:
        _maintenance(cx, s, ma, mb)
    ca, cb = ea.customer_caused, eb.customer_caused
    cc = T("subject.customer_caused")
    if (ca is None) != (cb is None):
        cx.add(
            s,
            "exclusions.customer_caused",
            "added" if cb else "removed",
            LOOSER if cb else STRICTER,
            cc,
            tv(ca.text) if ca and ca.text else None,
            tv(cb.text) if cb and cb.text else None,
        )
    elif ca is not None and cb is not None:
        cx.text(s, "exclusions.customer_caused", cc, ca.text, cb.text, LOOSER)

    def compare(a: m.OtherExclusion, b: m.OtherExclusion) -> None:
        cx.text(s, f"exclusions.{b.name}", T("subject.exclusion", name=Verbatim(b.name)), a.text, b.text)

    cx.named_list(
        s,
        "exclusion",
        list(ea.others),
        list(eb.others),
        lambda x: _plain(x.text),
        compare,
        added_dir=LOOSER,
        title=lambda x: tv(x.text),
    )


def _maintenance(cx: Context, s: str, ma: m.Maintenance, mb: m.Maintenance) -> None:
    # Longer notice protects the customer; a larger allowance or window protects the provider.
    cx.sized(
        s,
        "exclusions.maintenance.notice",
        T("subject.maintenance_notice"),
        ma.notice,
        mb.notice,
        dur_words,
        _durations_on(True),
        smaller_is_stricter=False,
    )
    if ma.max and mb.max and ma.max_period != mb.max_period:
        # The same allowance over a shorter period allows more maintenance.
        shorter = PERIOD_MONTHS.get(mb.max_period or "", 0) < PERIOD_MONTHS.get(ma.max_period or "", 0)
        cx.add(
            s,
            "exclusions.maintenance.max.period",
            "changed",
            LOOSER if shorter else STRICTER,
            T("subject.maintenance_max_period"),
            word_of("period", ma.max_period),
            word_of("period", mb.max_period),
        )
    cx.sized(
        s,
        "exclusions.maintenance.max",
        T("subject.maintenance_max"),
        ma.max,
        mb.max,
        dur_words,
        _durations_on(True),
        absent_is=STRICTER,
    )
    wa, wb = _minutes(ma.windows), _minutes(mb.windows)
    if wa != wb:
        cx.add(
            s,
            "exclusions.maintenance.window",
            "changed",
            _coverage(wa, wb, LOOSER),
            T("subject.maintenance_window"),
            window_words(ma.windows),
            window_words(mb.windows),
        )


# How a list of events is written in a contract text (a pattern of the
# contract's languages, not words the diff shows).
_EVENT_SEPARATORS = re.compile(r"\s*[、，,；;]\s*|\s+and\s+|\s*及\s*|\s*和\s*")
_FULL_STOPS = "。."


def _items(text: str) -> list[str]:
    parts = _EVENT_SEPARATORS.split(text.strip().rstrip(_FULL_STOPS))
    return [p.strip() for p in parts if p.strip()]


def _events(cx: Context, s: str, subject: Msg, a: m.Text, b: m.Text) -> None:
    """Force-majeure events are a list: report items added and removed."""
    ta, tb = Bilingual.of(a), Bilingual.of(b)
    if ta == tb:
        return
    langs = [x for x in LANGUAGES if x in a.values or x in b.values]
    added: dict[str, list[str]] = {}
    removed: dict[str, list[str]] = {}
    for cl in langs:
        ia, ib = _items(ta.in_(cl)), _items(tb.in_(cl))
        added[cl] = [x for x in ib if x not in ia]
        removed[cl] = [x for x in ia if x not in ib]
    if not any(added.values()) and not any(removed.values()):  # reworded or reordered only
        cx.text(s, "exclusions.force_majeure.events", subject, a, b)
        return
    for kind, items, direction in (("added", added, LOOSER), ("removed", removed, STRICTER)):
        for i in range(max(len(v) for v in items.values())):
            pair = [items[cl][i] for cl in langs if i < len(items[cl])]
            both: Any = (
                Verbatim(pair[0]) if len(pair) == 1 else T("value.both_languages", first=pair[0], second=pair[1])
            )
            cx.add(
                s,
                "exclusions.force_majeure.events",
                kind,
                direction,
                subject,
                both if kind == "removed" else None,
                both if kind == "added" else None,
            )


# ---------------------------------------------------------------- reporting and legal


def _span_order(a: m.CalendarSpan, b: m.CalendarSpan) -> int | None:
    """-1, 0, 1 or None (depends on the starting day): `durations.compare_spans`."""
    from slalang.durations import compare_spans

    return compare_spans(a, b)


def diff_reporting(cx: Context) -> None:
    s = "reporting"
    ra = cx.old.reporting or m.Reporting()
    rb = cx.new.reporting or m.Reporting()
    for attr, subject, words in (
        ("reports", T("subject.report"), lambda x: T(f"report_kind.{x}")),
        ("metrics", T("subject.metric"), Verbatim),
    ):
        a, b = list(getattr(ra, attr)), list(getattr(rb, attr))
        for x in b:
            if x not in a:
                cx.add(s, f"reporting.{attr}.{x}", "added", STRICTER, subject, None, words(x))
        for x in a:
            if x not in b:
                cx.add(s, f"reporting.{attr}.{x}", "removed", LOOSER, subject, words(x), None)
        if [x for x in a if x in b] != [x for x in b if x in a]:
            cx.add(
                s,
                f"reporting.{attr}.order",
                "reordered",
                NEUTRAL,
                subject,
                list_words(map(words, a)),
                list_words(map(words, b)),
            )
    cx.sized(
        s,
        "reporting.retention",
        T("subject.retention"),
        ra.retention,
        rb.retention,
        span_words,
        _span_order,
        smaller_is_stricter=False,
    )
    aa, ab = ra.audit, rb.audit
    cx.sized(
        s,
        "reporting.audit.every",
        T("subject.audit_every"),
        aa.every if aa else None,
        ab.every if ab else None,
        span_words,
        _span_order,
    )
    if aa and ab and aa.by != ab.by:
        rank = {"provider": 0, "customer": 1, "third_party": 1}
        cx.add(
            s,
            "reporting.audit.by",
            "changed",
            UNCLEAR if rank[aa.by] == rank[ab.by] else STRICTER if rank[ab.by] > rank[aa.by] else LOOSER,
            T("subject.audit_by"),
            word_of("auditor", aa.by),
            word_of("auditor", ab.by),
        )


# ---------------------------------------------------------------- continuity, security, duties


def _texts(cx: Context, s: str, path: str, subject: Msg, a: tuple[m.Text, ...], b: tuple[m.Text, ...]) -> None:
    """Listed commitments (standards, what is encrypted, access rules): one
    gained is stricter, one lost looser, one reworded is read."""
    pa, pb = [_plain(x) for x in a], [_plain(x) for x in b]
    gone = [x for x, p in zip(a, pa) if p not in pb]
    new = [x for x, p in zip(b, pb) if p not in pa]
    for i in range(min(len(gone), len(new))):
        cx.text(s, f"{path}.{i + 1}", subject, gone[i], new[i], if_changed=UNCLEAR)
    for x in gone[len(new) :]:
        cx.add(s, path, "removed", LOOSER, subject, tv(x), None)
    for x in new[len(gone) :]:
        cx.add(s, path, "added", STRICTER, subject, None, tv(x))


def diff_continuity(cx: Context) -> None:
    s = "continuity"
    a, b = cx.old.continuity, cx.new.continuity
    if a is None and b is None:
        return
    if a is not None and b is not None:
        cx.text(s, "continuity.title", T("subject.continuity_title"), a.title, b.title)
    cx.text(
        s,
        "continuity.standby",
        T("subject.standby"),
        a.standby if a else None,
        b.standby if b else None,
        if_added=STRICTER,
        if_changed=UNCLEAR,
    )
    for attr in ("rto", "rpo"):
        cx.sized(
            s,
            f"continuity.{attr}",
            T(f"subject.{attr}"),
            getattr(a, attr) if a else None,
            getattr(b, attr) if b else None,
            dur_words,
            by_duration,
        )


def diff_security(cx: Context) -> None:
    s = "security"
    a, b = cx.old.security, cx.new.security
    if a is None and b is None:
        return
    if a is not None and b is not None:
        cx.text(s, "security.title", T("subject.security_title"), a.title, b.title)
    for attr, key in (
        ("standards", "security_standard"),
        ("encrypted", "security_encrypted"),
        ("access", "security_access"),
    ):
        _texts(
            cx, s, f"security.{attr}", T(f"subject.{key}"), getattr(a, attr) if a else (), getattr(b, attr) if b else ()
        )


_DUTY_SECTIONS = {"continuity": "continuity", "security": "security", "reporting": "reporting", "general": "duties"}


def cadence_words(c: m.Cadence | None) -> Any:
    if c is None:
        return T("value.once_in_term")
    if c.kind == "every":
        assert c.unit is not None
        return T("value.every", span=T(f"span.{c.unit}", n=c.count))
    return T("value.times_per", n=c.count, period=T(f"period.{c.period}"))


def _performer_words(d: m.Duty) -> Any:
    if d.performer == "named":
        return tv(d.performer_title)
    return T(f"auditor.{d.performer}")


def _cadence_order(a: m.Cadence | None, b: m.Cadence | None) -> int | None:
    """-1 when `a` asks for fewer performances a year than `b` (looser), 1 for more, 0 equal; None: one has none."""
    from slalang.cadence import per_year

    fa = per_year(a.kind, a.count, a.unit, a.period) if a else None
    fb = per_year(b.kind, b.count, b.unit, b.period) if b else None
    if fa is None or fb is None:
        return None
    return (fa > fb) - (fa < fb)


def diff_duty(cx: Context) -> None:
    def title(d: m.Duty) -> Any:
        return tv(d.title)

    def compare(a: m.Duty, b: m.Duty) -> None:
        s = _DUTY_SECTIONS[b.section]
        name = Bilingual.of(b.title)
        p = f"duty.{b.name}"
        cx.text(s, f"{p}.title", T("subject.duty_title", duty=name), a.title, b.title, if_changed=UNCLEAR)
        if a.section != b.section:
            cx.add(
                s,
                f"{p}.section",
                "changed",
                NEUTRAL,
                T("subject.duty_section", duty=name),
                T(f"section.{_DUTY_SECTIONS[a.section]}"),
                T(f"section.{s}"),
            )
        if _plain(a.cadence) != _plain(b.cadence):
            order = _cadence_order(a.cadence, b.cadence)
            # As often a year but cut differently (`2 times per year` against
            # `every 6 months`): neither schedule always satisfies the other.
            same_kind = a.cadence is not None and b.cadence is not None and a.cadence.kind == b.cadence.kind
            if order is None or (order == 0 and not same_kind):
                direction = UNCLEAR
            else:
                direction = NEUTRAL if order == 0 else STRICTER if order < 0 else LOOSER
            cx.add(
                s,
                f"{p}.cadence",
                "changed",
                direction,
                T("subject.duty_cadence", duty=name),
                cadence_words(a.cadence),
                cadence_words(b.cadence),
            )
        if (a.performer, _plain(a.performer_title)) != (b.performer, _plain(b.performer_title)):
            # As for the audit: a check by someone other than the provider is the stricter one.
            rank = {"provider": 0, "customer": 1, "third_party": 1}
            ra, rb = rank.get(a.performer), rank.get(b.performer)
            cx.add(
                s,
                f"{p}.performer",
                "changed",
                UNCLEAR if ra is None or rb is None or ra == rb else STRICTER if rb > ra else LOOSER,
                T("subject.duty_performer", duty=name),
                _performer_words(a),
                _performer_words(b),
            )
        cx.text(
            s,
            f"{p}.evidence",
            T("subject.duty_evidence", duty=name),
            a.evidence,
            b.evidence,
            if_added=STRICTER,
            if_changed=UNCLEAR,
        )
        if a.calendar != b.calendar:
            cx.add(
                s,
                f"{p}.calendar",
                "changed",
                UNCLEAR,
                T("subject.duty_calendar", duty=name),
                Verbatim(a.calendar) if a.calendar else T("value.period_end"),
                Verbatim(b.calendar) if b.calendar else T("value.period_end"),
            )

    cx.named_list(
        "duties",
        "duty",
        list(cx.old.duties),
        list(cx.new.duties),
        lambda d: _plain(d.model_copy(update={"name": ""})),
        compare,
        title=title,
    )


def diff_target(cx: Context) -> None:
    s = "targets"

    def words(t: m.ServiceTarget) -> Any:
        return Verbatim(f"{num(t.value)}%" if t.percent else num(t.value))

    def compare(a: m.ServiceTarget, b: m.ServiceTarget) -> None:
        name = Bilingual.of(b.title)
        p = f"target.{b.name}"
        cx.text(s, f"{p}.title", T("subject.target_title", target=name), a.title, b.title, if_changed=UNCLEAR)
        if a.bound != b.bound or a.percent != b.percent:
            cx.add(
                s,
                f"{p}.bound",
                "changed",
                UNCLEAR,
                T("subject.target_goal", target=name),
                T(f"value.{a.bound}", value=words(a)),
                T(f"value.{b.bound}", value=words(b)),
            )
        elif a.value != b.value:
            higher = b.value > a.value
            direction = STRICTER if higher == (b.bound == "at_least") else LOOSER
            cx.add(
                s,
                f"{p}.value",
                "changed",
                direction,
                T("subject.target_goal", target=name),
                T(f"value.{a.bound}", value=words(a)),
                T(f"value.{b.bound}", value=words(b)),
            )
        if a.period != b.period:
            cx.add(
                s,
                f"{p}.period",
                "changed",
                UNCLEAR,
                T("subject.target_period", target=name),
                T(f"period.{a.period}"),
                T(f"period.{b.period}"),
            )
        cx.text(
            s,
            f"{p}.method",
            T("subject.target_method", target=name),
            a.method,
            b.method,
            if_added=UNCLEAR,
            if_changed=UNCLEAR,
        )

    cx.named_list(
        s,
        "target",
        list(cx.old.service_targets),
        list(cx.new.service_targets),
        lambda t: _plain(t.model_copy(update={"name": ""})),
        compare,
        title=lambda t: tv(t.title),
    )


def _legal(cx: Context, s, path, subject, a: m.Text | None, b: m.Text | None) -> None:
    """A legal text: any change is unclear (the law and the forum change what
    a dispute costs each side; no side clearly gains)."""
    if a is None and b is None:
        return
    ta, tb = (Bilingual.of(a) if a else None), (Bilingual.of(b) if b else None)
    if ta == tb:
        return
    words = None
    if ta and tb:
        words = {cl: word_diff(ta.in_(cl), tb.in_(cl)) for cl in _langs(ta, tb) if ta.in_(cl) != tb.in_(cl)}
    kind = "changed" if ta and tb else "added" if tb else "removed"
    cx.add(s, path, kind, UNCLEAR, subject, ta, tb, words)


def diff_disputes(cx: Context) -> None:
    s = "disputes"
    da = cx.old.disputes or m.Disputes()
    db = cx.new.disputes or m.Disputes()
    _legal(cx, s, "disputes.law", T("subject.law"), da.law, db.law)
    if da.forum != db.forum:
        cx.add(
            s,
            "disputes.forum",
            "changed",
            UNCLEAR,
            T("subject.forum"),
            word_of("forum", da.forum),
            word_of("forum", db.forum),
        )
    _legal(cx, s, "disputes.forum_name", T("subject.forum_name"), da.forum_name, db.forum_name)
    _legal(cx, s, "disputes.seat", T("subject.seat"), da.seat, db.seat)


# ---------------------------------------------------------------- clauses


class _Named:
    """A clause under its name, or its English (first) title when unnamed."""

    def __init__(self, c: m.Clause) -> None:
        self.c = c
        self.name = c.name or Bilingual.of(c.title).in_("en")


def diff_clause(cx: Context) -> None:
    s = "clauses"

    def compare(a: _Named, b: _Named) -> None:
        t = Bilingual.of(b.c.title)
        cx.text(s, f"clause.{b.name}.title", T("subject.clause_title", title=t), a.c.title, b.c.title)
        pa, pb = list(a.c.paragraphs), list(b.c.paragraphs)
        for i in range(max(len(pa), len(pb))):
            cx.text(
                s,
                f"clause.{b.name}.{i + 1}",
                T("subject.clause_paragraph", title=t, n=i + 1),
                pa[i] if i < len(pa) else None,
                pb[i] if i < len(pb) else None,
                if_changed=UNCLEAR,  # a clause's words are its commitment: a reviewer reads them
            )

    cx.named_list(
        s,
        "clause",
        [_Named(c) for c in cx.old.clauses],
        [_Named(c) for c in cx.new.clauses],
        lambda x: (_plain(x.c.title), _plain(x.c.paragraphs)),
        compare,
        added_dir=UNCLEAR,
        title=lambda x: tv(x.c.title),
    )


# ---------------------------------------------------------------- the registry

# One comparison per statement kind, in the order they run (contract order);
# the `contract` header is the kind that holds the id and the version.
DIFFERS: dict[str, Callable[[Context], None]] = {
    name.removeprefix("diff_"): fn for name, fn in list(globals().items()) if name.startswith("diff_") and callable(fn)
}

# The statements inside each kind that its comparison reads (grammar rule names).
NESTED: dict[str, tuple[str, ...]] = {
    "provider": ("party_body", "credential", "address", "contact"),
    "customer": ("party_body", "credential", "address", "contact"),
    "scope": ("region", "product", "fee", "service", "period", "plan", "flag"),
    "calendar": (
        "hours",
        "days",
        "day_span",
        "time_range",
        "holiday_set",
        "subdivision",
        "extra_holiday",
        "extra_workday",
        "schedule",
        "schedule_holiday",
        "schedule_workday",
        "calendar_timezone",
        "calendar_region",
    ),
    "priority": ("priority_body",),
    "matrix": ("clock", "columns", "column_ref", "row", "condition", "strict_cell", "clock_start", "confirm", "text"),
    "updates": ("update_rule", "clock", "columns", "column_ref", "row"),
    "availability": (
        "period",
        "availability_body",
        "per_resource",
        "downtime_counting",
        "ignore_outages",
        "buckets",
        "denominator",
    ),
    "warnings": ("warning_level", "monitor", "text"),
    "credit": (
        "credit_products",
        "step_rule",
        "tier_rule",
        "ladder_minimum",
        "ladder_cap",
        "credit_form",
        "percent_amount",
        "money_amount",
    ),
    "credits": (
        "credits_cap",
        "credit_form",
        "combine",
        "partial_periods",
        "claim",
        "claim_opens",
        "claim_span",
        "claim_calendar",
        "rounding",
        "rounding_scope",
        "period",
        "percent_amount",
        "money_amount",
    ),
    "exclusions": (
        "force_majeure",
        "force_majeure_body",
        "notify",
        "maintenance",
        "maintenance_notice",
        "maintenance_max",
        "maintenance_window",
        "customer_caused",
        "other_exclusion",
        "days",
        "day_span",
        "time_range",
        "period",
    ),
    "reporting": ("reports", "metrics", "retention", "audit"),
    "continuity": ("standby", "rto", "rpo", "text"),
    "security": ("standard", "encrypt", "access", "text"),
    "duty": ("every_cadence", "times_cadence", "performer", "duty_body", "evidence", "due_calendar", "period", "text"),
    "target": ("target_body", "method", "period", "text"),
    "version_label": ("text",),
    "disputes": ("law", "arbitration", "court", "seat"),
    "clause": ("text",),
    "title": ("text",),
}


def grammar_rules() -> tuple[set[str], set[str]]:
    """(the statement kinds of a contract, every rule and alias of the grammar)."""
    from slalang.resources import grammar_path

    text = grammar_path().read_text(encoding="utf-8")
    item = re.search(r"^_item:(.*?)(?=^\S)", text, re.M | re.S)
    if item is None:
        raise RegistryError("grammar/slalang.lark has no `_item` rule")
    kinds = set(re.findall(r"[a-z_]+", item.group(1))) | {"contract"}
    rules = set(re.findall(r"^([a-z_]+)\s*:", text, re.M)) | set(re.findall(r"->\s*([a-z_]+)", text))
    return kinds, rules


def check_registry() -> None:
    kinds, rules = grammar_rules()
    missing = sorted(kinds - set(DIFFERS))
    if missing:
        raise RegistryError(
            f"semdiff has no comparison for statement kind `{missing[0]}`"
            + (f" (nor {', '.join(f'`{k}`' for k in missing[1:])})" if missing[1:] else "")
            + f": add `def diff_{missing[0]}(cx)` to slalang/semdiff/changes.py (ARCHITECTURE.md, “Adding a construct”)"
        )
    unknown = sorted((set(DIFFERS) | {k for v in NESTED.values() for k in v}) - rules)
    if unknown:
        raise RegistryError(f"semdiff compares `{unknown[0]}`, which is not a rule of the grammar")
    stray = sorted(set(NESTED) - set(DIFFERS))
    if stray:
        raise RegistryError(f"semdiff.NESTED names `{stray[0]}`, which has no comparison")


check_registry()


def run(old: m.Contract, new: m.Contract) -> list[Change]:
    cx = Context(old, new)
    for differ in DIFFERS.values():
        differ(cx)
    return cx.changes
