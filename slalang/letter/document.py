"""The letter's content: what it says, section by section, in every language.

`compose(contract, source_sha256)` turns the contract model into a `Letter`:
numbered sections of bilingual blocks (paragraphs, lists, tables), the cover,
the header and footer, the signature blocks and the PDF metadata. Each block
holds one rendering per declared language (`Said`), already escaped, so the
template only lays them out (interleaved or side by side) and can never let
contract text through as markup.

The order is the 总-分-总 structure the source document asks for: the
provider's declaration opens (总), the commitments follow one subject per
section (分), and the language clause, closing statement and signatures
close (总). A section whose subject the contract leaves out is left out."""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from markupsafe import Markup, escape

from slalang.letter.wording import MAKEUP_DAY_SETS, Wording, calendar_days, zone_offsets
from slalang.model import (
    Amount,
    AvailabilityTarget,
    Calendar,
    CalendarSpan,
    Claim,
    Column,
    Contract,
    CreditForm,
    CreditLadder,
    CreditPolicy,
    Duration,
    Duty,
    Matrix,
    Money,
    ServiceTarget,
    Target,
    Text,
    Updates,
    WeeklyWindow,
)
from slalang.terms import PERIOD_MONTHS


@dataclass(frozen=True)
class Said:
    """One language's rendering of a piece of the letter."""

    lang: str  # catalogue code: "zh", "en"
    html_lang: str  # the `lang` attribute: "zh-CN", "en"
    html: Markup


Bi = tuple[Said, ...]  # one `Said` per declared language, in declared order


def shared(bi: Bi) -> bool:
    """True when every language reads the same ("P0", "99.95%"): shown once."""
    return len({s.html for s in bi}) == 1


@dataclass(frozen=True)
class Line:
    """One line of a table cell; `inline` puts the languages side by side."""

    text: Bi
    cls: str = ""
    inline: bool = False


# Traceability: `line` (and `lines`, `row_lines`) is the 1-based source line
# of the contract statement a block renders; 0 for structural text (headings,
# "the table below") that renders no statement. The HTML carries it as
# `data-line`.


@dataclass
class Para:
    text: Bi
    cls: str = ""
    kind: str = "para"
    line: int = 0


@dataclass
class Items:
    items: list[Bi]
    kind: str = "items"
    lines: list[int] = field(default_factory=list)  # one per item (0: none)


@dataclass
class Subheading:
    text: Bi
    kind: str = "subheading"
    line: int = 0


@dataclass
class Table:
    head: list[Bi]
    rows: list[list[list[Line]]]
    cls: str = ""
    caption: Bi | None = None  # what the table covers ("Applies to: Cloud servers")
    kind: str = "table"
    line: int = 0
    row_lines: list[int] = field(default_factory=list)  # one per row (0: the table's line)


Block = Para | Items | Subheading | Table


@dataclass
class Section:
    key: str
    title: Bi
    blocks: list[Block] = field(default_factory=list)
    line: int = 0  # the statement the section renders, for blocks that name none of their own


STRUCTURAL = -1  # a block's `line` before `trace`: renders no statement (never the section's)


def at(obj: Any) -> int:
    """The source line a model object was written on; 0 if unknown."""
    span = getattr(obj, "span", None) if obj is not None else None
    return span.line if span is not None else 0


def trace(s: Section) -> None:
    """Every block that names no line of its own renders the section's
    statement; a table's rows default to the table's line, a list's items
    to the section's."""
    for b in s.blocks:
        if isinstance(b, (Para, Subheading, Table)):
            b.line = max(b.line or s.line, 0)
        if isinstance(b, Table):
            b.row_lines = [max(n or b.line, 0) for n in (b.row_lines or [0] * len(b.rows))]
        if isinstance(b, Items):
            b.lines = [max(n or s.line, 0) for n in (b.lines or [0] * len(b.items))]


@dataclass
class Party:
    role: Bi
    name: Bi


@dataclass
class Letter:
    layout: str
    lang: str  # the document's `lang`: the first declared language
    meta: dict[str, Any]  # title, author, subject, keywords, created (PDF metadata)
    title: Bi
    cover: list[Bi]
    cover_lines: list[int]  # one per cover row: its source line (0: none)
    header: Bi
    footer_page: Bi
    footer_reference: list[tuple[Bi | None, str]]  # (label, value): id, version, source hash
    sections: list[Section]
    parties: list[Party]
    signature_lines: list[Bi]


class Composer:
    """Builds the `Letter` of one contract."""

    def __init__(self, contract: Contract, source_sha256: str, layout: str = "interleaved"):
        self.c = contract
        self.sha = source_sha256
        self.layout = layout
        self.words = [Wording(lang, contract.kind) for lang in contract.languages]
        self.periods_said = False  # "periods run from the effective date": said once, at the first `every` duty

    # ------------------------------------------------------------ helpers
    def each(self, fn: Callable[[Wording], str | Markup]) -> Bi:
        """A piece computed per language; plain strings are escaped here."""
        out = []
        for w in self.words:
            s = fn(w)
            out.append(Said(w.lang, w.html_lang, s if isinstance(s, Markup) else escape(s)))
        return tuple(out)

    def say(self, key: str, **args: Any) -> Bi:
        return self.each(lambda w: w.say(key, **args))

    def text(self, t: Text) -> Bi:
        return self.each(lambda w: w.text(t, self.c.values))

    def same(self, s: str) -> Bi:
        return self.each(lambda w: s)

    def T(self, t: Text) -> Callable[[Wording], str]:
        """A contract text as a message argument, references filled in."""
        return lambda w: w.text(t, self.c.values)

    def multiple(self, d: Duration, n: int) -> Callable[[Wording], str]:
        """n × a step duration, in the largest whole units (30m × 2 → 1 hour)."""
        if d.clock == "wall":
            return lambda w: w.wall_seconds(d.seconds * n)
        spelled = re.sub(r"(\d+)", lambda m: str(int(m.group(1)) * n), d.spelling)
        scaled = d.model_copy(update={"spelling": spelled})
        return lambda w: w.duration(scaled)

    def priority_head(self, name: str) -> list[Line]:
        p = self.c.priority(name)
        # "P0 紧急 Critical": the name once, then the title in each language.
        first = self.words[0].lang
        lines = [
            Line(
                self.each(
                    lambda w: (
                        Markup("<b>{}</b> {}").format(p.name, w.text(p.title, self.c.values))
                        if w.lang == first
                        else w.text(p.title, self.c.values)
                    )
                ),
                "prio",
                inline=True,
            )
        ]
        lines += [Line(self.text(d), "definition") for d in p.definitions]
        return lines

    # ------------------------------------------------------------ letter
    def compose(self) -> Letter:
        c = self.c
        sections = [
            s
            for s in (
                self.declaration(),
                self.scope(),
                self.hours(),
                self.matrices(),
                self.updates(),
                self.availability(),
                self.warnings(),
                self.continuity(),
                self.security(),
                self.general_duties(),
                self.service_targets(),
                self.credits(),
                self.exclusions(),
                self.reporting(),
                self.disputes(),
                self.clauses(),
                self.language(),
                self.closing(),
            )
            if s is not None and s.blocks
        ]
        # STRUCTURAL (-1) marks a block that renders no statement: it keeps line 0.
        for n, s in enumerate(sections, 1):
            trace(s)
            title = s.title
            s.title = tuple(
                Said(t.lang, t.html_lang, escape(w.section_number(n)) + t.html) for t, w in zip(title, self.words)
            )
        title_text = " / ".join(c.title[w.lang] for w in self.words)
        meta = {
            "title": title_text,
            "author": " / ".join(c.provider.name[w.lang] for w in self.words),
            "subject": " / ".join(
                w.say("meta.subject", title=c.title, provider=c.provider.name, customer=c.customer.name)
                for w in self.words
            ),
            "keywords": list(
                dict.fromkeys(
                    [k for w in self.words for k in [*w.raw(f"framing.{c.kind}.keywords"), *w.raw("meta.keywords")]]
                    + [c.id, c.version, f"sha256:{self.sha}"]
                )
            ),
            "created": c.effective_start.isoformat(),
        }
        page = Markup('<span class="page-no"></span>')
        pages = Markup('<span class="page-count"></span>')
        return Letter(
            layout=self.layout,
            lang=self.words[0].html_lang,
            meta=meta,
            title=self.text(c.title),
            cover=[
                self.say("cover.to", customer=c.customer.name),
                self.say("cover.from", provider=c.provider.name),
                self.reference(),
                self.say("cover.term", start=c.effective_start, end=c.effective_end),
            ],
            cover_lines=[0, 0, c.version_label_span.line if c.version_label_span is not None else 0, 0],
            header=self.say("header", title=c.title),
            footer_page=self.each(lambda w: w.say_html("footer.page", page=page, pages=pages)),
            footer_reference=[
                (None, c.id),
                (self.say("footer.version"), c.version),
                (self.say("footer.checksum"), self.sha[:12]),
            ],
            sections=sections,
            parties=[
                Party(self.say("signatures.provider"), self.text(c.provider.name)),
                Party(self.say("signatures.customer"), self.text(c.customer.name)),
            ],
            signature_lines=[self.say(f"signatures.{k}") for k in ("representative", "name", "title", "date", "seal")],
        )

    def reference(self) -> Bi:
        """The cover's reference: the id and the version; with `version_label`,
        each language's label, the version string once beside it (the rule
        file and the diff go by it)."""
        c = self.c
        if c.version_label is None:
            return self.say("cover.reference", id=c.id, version=c.version)
        label = c.version_label
        return self.each(
            lambda w: w.say("cover.reference_label", id=c.id, label=w.text(label, c.values), version=c.version)
        )

    def section(self, key: str) -> Section:
        return Section(key, self.say(f"sections.{key}"))

    # 总: who commits to whom, with which credentials
    def declaration(self) -> Section:
        c, s = self.c, self.section("declaration")
        s.line = at(c.provider)
        # The opening follows what the document is (SEMANTICS §1).
        intro = "declaration.intro" if c.kind == "commitment_letter" else f"declaration.intro_{c.kind}"
        s.blocks.append(
            Para(
                self.say(
                    intro,
                    provider=c.provider.name,
                    customer=c.customer.name,
                    start=c.effective_start,
                    end=c.effective_end,
                )
            )
        )
        if c.provider.credentials:
            s.blocks.append(
                Para(self.say("declaration.credentials", credentials=[self.T(t) for t in c.provider.credentials]))
            )
        if c.provider.address:
            s.blocks.append(Para(self.say("declaration.address", address=c.provider.address)))
        if c.provider.contact:
            s.blocks.append(Para(self.say("declaration.contact", contact=c.provider.contact)))
        # Service hours in a time zone of their own say it (hours section).
        key = "declaration.timezone_own" if self.own_zones() else "declaration.timezone"
        tz_line = c.timezone_span.line if c.timezone_span is not None else STRUCTURAL
        s.blocks.append(Para(self.each(lambda w: w.say(key, zone=self.zone(w, c.timezone))), line=tz_line))
        return s

    def zone(self, w: Wording, iana: str) -> str:
        """A time zone with its UTC offsets when it has summer time in the term."""
        return w.zone(iana, self.c.effective_start, self.c.effective_end)

    def zone_of(self, cal: Calendar) -> str | None:
        """The time zone a calendar's hours are stated in, when the letter
        must say it: every variant of a regional calendar, and any calendar
        whose zone is not the contract's."""
        if cal.timezone is None:
            return None
        if cal.region is not None or cal.timezone != self.c.timezone:
            return cal.timezone
        return None

    def own_zones(self) -> bool:
        return any(
            z is not None and z != self.c.timezone
            for cal in self.c.calendars
            for z in [cal.timezone, *(v.timezone for v in cal.variants)]
        )

    # 分: regions, products with fees, service types
    def scope(self) -> Section:
        sc, s = self.c.scope, self.section("scope")
        s.line = at(sc)
        if not (sc.regions or sc.products or sc.services or sc.plans):
            return s
        # Only the kinds the scope has: a contract by plan has no regions to speak of.
        kinds = [
            k
            for k, items in (
                ("regions", sc.regions),
                ("plans", sc.plans),
                ("products", sc.products),
                ("services", sc.services),
            )
            if items
        ]

        def intro(w: Wording) -> str:
            names, join = [w.raw(f"scope.kinds.{k}") for k in kinds], w.raw("scope.kinds_join")
            listed = names[0] if len(names) == 1 else join["sep"].join(names[:-1]) + join["last"] + names[-1]
            return w.say("scope.intro", kinds=listed)

        s.blocks.append(Para(self.each(intro)))
        if sc.regions:
            s.blocks.append(Para(self.say("scope.regions", regions=[self.T(r.title) for r in sc.regions])))
        if sc.plans:
            s.blocks.append(Para(self.say("scope.plans", plans=[self.T(p.title) for p in sc.plans])))
        if sc.services:
            s.blocks.append(Para(self.say("scope.services", services=[self.T(v.title) for v in sc.services])))
            # A type of service named like the letter's word for every ticket
            # (服务请求 / "request"): say which one the letter means.
            tickets = any(x is not None for x in (self.c.response, self.c.resolution, self.c.updates, self.c.followup))
            clash = next((v for v in sc.services if tickets and self.generic_term(v.title)), None)
            if clash is not None:
                s.blocks.append(Para(self.say("scope.request_defined", title=self.T(clash.title)), line=at(clash)))
        if sc.products:
            s.blocks.append(Para(self.say("scope.products")))
            currency = self.c.currency
            head = [
                self.say("scope.col_product"),
                self.each(lambda w: w.say("scope.col_fee", currency=currency, currency_name=w.currency_name(currency))),
            ]
            rows = []
            for p in sc.products:
                if p.fee is None:
                    fee = self.say("scope.no_fee")
                else:
                    fee_amount, period = p.fee, p.fee_period or "month"
                    fee = self.each(
                        lambda w: w.say(
                            "per_period",
                            amount=w.amount(fee_amount.amount, fee_amount.currency),
                            period=w.raw(f"period_noun.{period}"),
                        )
                    )
                rows.append([[Line(self.text(p.title))], [Line(fee, "num")]])
            s.blocks.append(Table(head, rows, cls="products", row_lines=[at(p) for p in sc.products]))
        return s

    def generic_term(self, title: Text) -> bool:
        """True when a title, in any language, is the letter's generic word
        for a ticket (服务请求 / request, service request), case and plural aside."""

        def norm(x: str) -> str:
            x = " ".join(x.casefold().split())
            return x[:-1] if x.endswith("s") else x

        return any(
            norm(w.text(title, self.c.values)) in {norm(t) for t in w.raw("scope.generic_terms")} for w in self.words
        )

    # 分: the calendars that pick matrix columns and run business clocks
    def hours(self) -> Section:
        s = self.section("hours")
        if not self.c.calendars:
            return s
        s.line = at(self.c.calendars[0])
        s.blocks.append(Para(self.say("hours.intro")))
        counting = self.business_calendars()
        items, lines = [], []
        regional = []
        # A regional calendar: one item per region, each in its own time zone.
        for cal in (v for parent in self.c.calendars for v in (parent.variants or (parent,))):
            # A business clock on a calendar with no `holidays` line runs
            # through public holidays: said, so that no reader assumes otherwise.
            no_holidays = cal.name in counting and not cal.holiday_sets and not _round_the_clock(cal.hours)
            zone = self.zone_of(cal)
            region = self.region_title(cal.region) if cal.region is not None else None
            if region is not None and cal.title not in regional:
                regional.append(cal.title)

            def describe(w: Wording, cal=cal, no_holidays=no_holidays, zone=zone, region=region) -> str:
                hours = w.weekly(cal.hours)
                if zone is not None:
                    hours = w.say("hours.zone", zone=self.zone(w, zone), hours=hours)
                parts = [hours]
                if no_holidays:
                    parts.append(w.say("hours.no_holidays"))
                for code in cal.holiday_sets:
                    parts.append(w.say("hours.holidays", set=w.holiday_set(code)))
                    if code in MAKEUP_DAY_SETS:
                        parts.append(w.say("hours.makeup"))
                # A year the contract supplies: its notice and every date, as signed.
                for sc in cal.schedules:
                    parts.append(
                        w.say(
                            "hours.schedule",
                            year=str(sc.year),
                            source=w.text(sc.source),
                            holidays=_date_runs(w, [d.date for d in sc.holidays]),
                            workdays=_date_runs(w, [d.date for d in sc.workdays]),
                        )
                    )
                for kind, notes in (("holiday", cal.extra_holidays), ("workday", cal.extra_workdays)):
                    for n in notes:
                        if n.note is not None:
                            parts.append(w.say(f"hours.extra_{kind}_note", date=n.date, note=w.text(n.note)))
                        else:
                            parts.append(w.say(f"hours.extra_{kind}", date=n.date))
                hours = w.raw("join.semicolons").join(parts)
                if region is not None:
                    return w.say("hours.calendar_region", title=w.text(cal.title), region=region(w), hours=hours)
                return w.say("hours.calendar", title=w.text(cal.title), hours=hours)

            items.append(self.each(describe))
            lines.append(at(cal) or at(next((p for p in self.c.calendars if cal in p.variants), None)))
        s.blocks.append(Items(items, lines=lines))
        for title in regional:
            s.blocks.append(Para(self.say("hours.by_region", title=title)))
        s.blocks.extend(self.holiday_dates())
        return s

    def holiday_dates(self) -> list[Block]:
        """The days each holiday set takes off a calendar during the term, as
        the rule file has them (`holidaysets.calendar_days`, origin = the
        set): per calendar and set, one line per year, in runs of days;
        a decreed set's make-up working days too. A year the contract
        supplies is already listed with its notice."""
        from slalang import holidaysets

        blocks: list[Block] = []
        for parent in self.c.calendars:
            for cal in parent.variants or (parent,):
                if not cal.holiday_sets:
                    continue
                try:
                    covered = holidaysets.covered_years(
                        cal.holiday_sets,
                        self.c.effective_start.year,
                        self.c.effective_end.year,
                        [sc.year for sc in cal.schedules],
                        fresh=True,
                    )
                    days = holidaysets.calendar_days(cal, covered, fresh=True)  # as the rule file: not from a cache
                except holidaysets.UnknownHolidaySet:
                    continue
                region = self.region_title(cal.region) if cal.region is not None else None
                start, end = self.c.effective_start, self.c.effective_end
                for code in cal.holiday_sets:
                    off = [d for d, day in days.holidays.items() if day.origin == code and start <= d <= end]
                    worked = [d for d, day in days.workdays.items() if day.origin == code and start <= d <= end]
                    if not off and not worked:
                        continue
                    years = sorted({d.year for d in off} | {d.year for d in worked})

                    def lines(
                        w: Wording, cal=cal, code=code, off=off, worked=worked, years=years, region=region
                    ) -> str:
                        title = w.text(cal.title)
                        if region is not None:
                            title = w.say("hours.calendar_title_region", title=title, region=region(w))
                        parts = []
                        for y in years:
                            listed = _short_runs(w, [d for d in off if d.year == y])
                            parts.append(_plain(w, "hours.days_off_year", year=str(y), dates=listed))
                            made = [d for d in worked if d.year == y]
                            if made:
                                parts.append(_plain(w, "hours.makeup_days", year=str(y), dates=_short_runs(w, made)))
                        head = w.say("hours.days_off", calendar=title, set=w.holiday_set(code))
                        return (
                            head
                            + w.raw("hours.days_off_sep")
                            + w.raw("join.semicolons").join(parts)
                            + w.raw("hours.days_off_end")
                        )

                    blocks.append(Para(self.each(lines), "note", line=at(cal) or at(parent)))
        return blocks

    def region_title(self, name: str) -> Callable[[Wording], str]:
        return self.T(next(r.title for r in self.c.scope.regions if r.name == name))

    def business_calendars(self) -> set[str]:
        """The calendars that count business time: a matrix's or the updates'
        clock with a business-clock limit, and the claim window's calendar."""
        out = set()
        for m in (self.c.response, self.c.resolution):
            if (
                m is not None
                and m.clock
                and any(t.duration is not None and t.duration.clock == "business" for t in m.targets)
            ):
                out.add(m.clock)
        u = self.c.updates
        if u is not None and u.clock and any(r.every.clock == "business" for r in u.rules):
            out.add(u.clock)
        claim = self.c.credits.claim if self.c.credits is not None else None
        if claim is not None and claim.calendar is not None and _counts_business_days(claim):
            out.add(claim.calendar)
        return out

    def plan_name(self, name: str) -> Callable[[Wording], str]:
        """A plan as the prose names it: "Standard plan" / "标准版"."""
        title = next(p.title for p in self.c.scope.plans if p.name == name)
        return lambda w: w.plan(w.text(title, self.c.values))

    def window_title(self, col: Column) -> Callable[[Wording], str]:
        """A column's time window (or region) as a header: the calendar's or
        region's title, "Outside working hours", "At any time"."""
        if col.kind == "calendar":
            return self.T(self.c.calendar(col.calendar or col.name).title)
        if col.kind == "region":
            return self.region_title(col.name)
        return lambda w: w.say("matrices.col_off_hours" if col.kind == "off_hours" else "matrices.col_any")

    def column_title(self, columns: tuple[Column, ...], name: str) -> Callable[[Wording], str]:
        col = next(col for col in columns if col.name == name)
        if col.kind == "plan":
            plan = self.plan_name(col.plan or col.name)
            return lambda w: w.say("matrices.col_plan", plan=plan(w))
        if col.plan is not None:
            plan, window = self.plan_name(col.plan), self.window_title(col)
            if col.kind != "calendar":
                kind = col.kind
                window = lambda w: w.raw(f"matrices.plan_window.{kind}")  # noqa: E731
            return lambda w: w.say("matrices.col_plan_window", plan=plan(w), window=window(w))
        return self.window_title(col)

    # 分: the response and resolution matrices
    def matrices(self) -> Section:
        s = self.section("matrices")
        present = [m for m in (self.c.response, self.c.resolution) if m is not None]
        if not present:
            return s
        s.line = at(present[0])
        intro = "matrices.intro_start" if any(m.start is not None for m in present) else "matrices.intro"
        s.blocks.append(Para(self.say(intro)))
        if self.c.pauses is not None:
            s.blocks.append(Para(self.pauses(), line=at(self.c.pauses)))
        for m in present:
            first = len(s.blocks)
            s.blocks.append(Subheading(self.text(m.title)))
            strict = any(t.strict for t in m.targets if t.duration is not None)
            allowed = "strict" if strict else "longest_from" if m.start is not None else "longest"
            origin = "start" if m.start is not None else "submitted"
            s.blocks.append(
                Para(
                    self.each(
                        lambda w: w.say(
                            f"matrices.{m.metric}",
                            **{
                                "title": w.text(m.title, self.c.values),
                                "from": w.raw(f"matrices.from.{origin}"),
                                "allowed": w.raw(f"matrices.allowed.{allowed}"),
                            },
                        )
                    )
                )
            )
            if m.start is not None:
                # `from NAME "…"`: this table's clock starts there (an event before it is met).
                start = m.start_title if m.start_title is not None else m.start
                s.blocks.append(Para(self.say(f"matrices.start.{m.metric}", start=start)))
            if m.metric == "response":
                # The runtime's rule (SEMANTICS §4): resolving answers the request at the latest.
                s.blocks.append(Para(self.say("matrices.response_by_resolution")))
            if m.confirm is not None:
                s.blocks.append(Para(self.say(f"matrices.confirm.{m.metric}", what=m.confirm), line=at(m)))
            head = [self.say("matrices.col_priority")] + [
                self.each(self.column_title(m.columns, col.name)) for col in m.columns
            ]
            rows, row_lines = [], []
            for p in self.c.priorities:
                # The plain row, then each conditional row (`P1 when FLAG …`) as its own row.
                for when in (None, *m.conditions(p.name)):
                    cells = [self.priority_head(p.name)]
                    if when is not None:
                        # The priority's name and title (its definitions are in the plain row above).
                        flag = self.flag_title(when)
                        cells[0] = cells[0][:1] + [
                            Line(self.each(lambda w: w.say("matrices.condition", flag=flag(w))), "condition")
                        ]
                    found = []
                    for col in m.columns:
                        target = self.target(m, p.name, col.name, when)
                        found += [at(target)] if target is not None and at(target) else []
                        cells.append([Line(self.limit_cell(target, within=strict), "num")])
                    rows.append(cells)
                    row_lines.append(min(found, default=0))
            s.blocks.append(Table(head, rows, cls=f"matrix cols-{len(m.columns)}", row_lines=row_lines))
            # How to read the table: notes in small type right below it.
            s.blocks.append(Para(self.columns_rule(m.columns, m.start is not None), "note"))
            if any(t.when is not None for t in m.targets):
                s.blocks.append(Para(self.conditions_note(m), "note"))
            if m.clock and any(t.duration is not None and t.duration.clock == "business" for t in m.targets):
                s.blocks.append(Para(self.clock_note("matrices", m.clock), "note"))
            if strict:
                s.blocks.append(Para(self.strict_note(m.metric), "note"))
            days = [t.duration for t in m.targets if t.duration is not None and calendar_days(t.duration)]
            if days:
                s.blocks.append(Para(self.calendar_days_note("matrices", days), "note"))
            if any(t.duration is None for t in m.targets):
                s.blocks.append(Para(self.say("matrices.no_commitment"), "note"))
            for b in s.blocks[first:]:
                if isinstance(b, (Para, Subheading, Table)) and not b.line:
                    b.line = at(m)
        return s

    def pauses(self) -> Bi:
        """`pauses "<the periods>"`: those periods stop the clocks of the
        limits and of the update intervals (the engine pushes each due time by
        the pause's length on the target's clock); a pause that begins after
        a due time changes nothing, so the delay runs on."""
        assert self.c.pauses is not None
        when = self.c.pauses.when
        matrices = [m for m in (self.c.response, self.c.resolution) if m is not None]
        u = self.c.updates if self.c.updates is not None and self.c.updates.rules else None

        def say(w: Wording) -> str:
            # Each limit by the term its table defines: the “First response” and “Restoration” limits.
            clocks = []
            if matrices:
                clocks.append(
                    w.say(
                        "matrices.pause_limits." + ("one" if len(matrices) == 1 else "other"),
                        titles=self.terms(w, [m.title for m in matrices]),
                    )
                )
            if u is not None:
                clocks.append(w.say("matrices.pause_updates", title=w.text(u.title, self.c.values)))
            text = w.say("matrices.pauses", when=w.text(when, self.c.values), clocks=_joined(w, clocks))
            return _capfirst(w, text)

        return self.each(say)

    def terms(self, w: Wording, titles: list[Text]) -> str:
        """Defined terms, quoted: “首次响应”“故障恢复” / “First response” and “Restoration”."""
        quoted = [w.say("matrices.term", title=w.text(t, self.c.values)) for t in titles]
        join = w.raw("matrices.terms_join")
        return quoted[0] if len(quoted) == 1 else join["sep"].join(quoted[:-1]) + join["last"] + quoted[-1]

    def matrix(self, metric: str) -> Matrix:
        m = self.c.response if metric == "response" else self.c.resolution
        assert m is not None, metric  # a ladder on a metric needs its table (E0503)
        return m

    @staticmethod
    def target(m: Matrix, priority: str, column: str, when: str | None) -> Target | None:
        return next(
            (t for t in m.targets if t.priority == priority and t.column == column and t.when == when),
            None,
        )

    def limit_cell(self, t: Target | None, within: bool = False) -> Bi:
        """A matrix cell: the limit in words ("4 hours", "less than 1 hour",
        "2 calendar days"), or a dash for no commitment; `within`: the table
        has strict cells, so a plain one reads "within 4 hours"."""
        if t is None or t.duration is None:
            return self.say("matrices.none")
        d = t.duration
        if t.strict:
            return self.each(lambda w: w.say("matrices.strict", limit=w.limit(d)))
        if within:
            return self.each(lambda w: w.say("matrices.within", limit=w.limit(d)))
        return self.each(lambda w: w.limit(d))

    def clock_note(self, kind: str, calendar: str) -> Bi:
        """Business time runs only in the calendar — in a regional one, in the
        variant of the request's region."""
        cal = self.c.calendar(calendar)
        key = f"{kind}.clock_region" if cal.variants else f"{kind}.clock"
        return self.say(key, calendar=cal.title)

    def strict_note(self, metric: str) -> Bi:
        """A strict limit is missed at the very moment it elapses (late 0);
        a `per started` ladder on the metric owes one step for it."""
        started = any(
            ld.metric == metric and ld.step is not None and ld.step.mode == "started" for ld in self.c.credit_ladders
        )
        return self.each(
            lambda w: w.say(
                "matrices.strict_note",
                event=w.raw(f"matrices.strict_event.{metric}"),
                credit=w.raw("matrices.strict_credit") if started else "",
            )
        )

    def calendar_days_note(self, kind: str, days: list[Duration]) -> Bi:
        """`Nd`: the same local time N days later in the contract's zone
        (DST gaps moved forward, a repeated time's first occurrence), then
        the hours and minutes as elapsed time."""
        tz = self.c.timezone
        dst = zone_offsets(tz, self.c.effective_start, self.c.effective_end) is not None
        rest = any(d.seconds != d.calendar_days * 86400 for d in days)
        key = f"{kind}.calendar_days_dst" if dst else f"{kind}.calendar_days"

        def say(w: Wording) -> str:
            parts: list[Callable[[Wording], str]] = [lambda w: w.say(key, zone=w.timezone(tz))]
            if rest:
                parts.append(lambda w: w.say("matrices.calendar_days_rest"))
            return self._sentences(w, parts)

        return self.each(say)

    def flag_title(self, name: str) -> Callable[[Wording], str]:
        return self.T(next(f.title for f in self.c.scope.flags if f.name == name))

    def conditions_note(self, m: Matrix) -> Bi:
        several = any(len(m.conditions(p.name)) > 1 for p in self.c.priorities)
        parts: list[Callable[[Wording], str]] = [lambda w: w.say("matrices.conditions")]
        if several:
            parts.append(lambda w: w.say("matrices.conditions_first"))
        return self.each(lambda w: self._sentences(w, parts))

    def columns_rule(self, columns: tuple[Column, ...], started: bool = False) -> Bi:
        """How a request falls into a column; `started`: the table has its own
        clock start (`from`), at which the column is chosen."""
        if any(col.plan is not None or col.kind == "plan" for col in columns):
            return self.plan_columns_rule(columns, started)
        kinds = {col.kind for col in columns}
        if "off_hours" in kinds and self.unreachable_off_hours(columns):
            # A calendar that covers every minute leaves no time outside service
            # hours: no rule that can never apply.
            kinds.discard("off_hours")
        parts: list[Callable[[Wording], str]] = []
        if "calendar" in kinds:
            suffix = "_start" if started else ""
            # A regional calendar's column takes the request by its region's variant.
            regional = any(
                col.kind == "calendar" and self.c.calendar(col.calendar or col.name).variants for col in columns
            )
            within = "matrices.within_region" if regional else "matrices.within_hours"
            parts.append(lambda w: w.say(f"matrices.columns_calendar{suffix}", within=w.raw(within)))
            if "off_hours" in kinds:
                parts.append(
                    lambda w: w.say(f"matrices.columns_off_hours{suffix}", off_hours=w.say("matrices.col_off_hours"))
                )
            parts.append(lambda w: w.say("matrices.columns_end"))
        if "region" in kinds:
            parts.append(lambda w: w.say("matrices.columns_region") + w.say("matrices.columns_end"))
        if "any" in kinds:
            parts.append(
                lambda w: w.say("matrices.columns_any", any=w.say("matrices.col_any")) + w.say("matrices.columns_end")
            )
        return self.each(lambda w: self._sentences(w, parts))

    def always(self, col: Column) -> bool:
        """A calendar column whose calendar covers every minute of every day
        (mon..sun 00:00-24:00, no holidays): no time is outside it."""
        if col.kind != "calendar":
            return False
        cal = self.c.calendar(col.calendar or col.name)
        return all(
            _round_the_clock(v.hours) and not (v.holiday_sets or v.extra_holidays or v.schedules)
            for v in (cal.variants or (cal,))
        )

    def unreachable_off_hours(self, columns: tuple[Column, ...] | list[Column]) -> bool:
        """An `off_hours` column after a 24×7 calendar column: the first column
        that takes a request is chosen, so it never applies."""
        for col in columns:
            if col.kind == "off_hours":
                return False
            if self.always(col):
                return any(c.kind == "off_hours" for c in columns)
        return False

    def plan_columns_rule(self, columns: tuple[Column, ...], started: bool) -> Bi:
        """Plan columns (never described as regions): by the plan alone, or
        by the plan and then the time, group by group in column order."""
        groups: dict[str, list[Column]] = {}
        for col in columns:
            groups.setdefault(col.plan or col.name, []).append(col)
        timed = any(col.kind in ("calendar", "off_hours") for col in columns)
        if not timed:
            return self.each(lambda w: w.say("matrices.columns_plan") + w.say("matrices.columns_end"))
        when = "start" if started else "submitted"

        def group(w: Wording, plan: str, cols: list[Column]) -> str:
            name = self.plan_name(plan)(w)
            if len(cols) == 1 and cols[0].kind not in ("calendar", "off_hours"):
                return w.say("matrices.plan_column", plan=name, column=self.column_title(columns, cols[0].name)(w))
            windows, at = [], w.raw(f"matrices.at.{when}")
            if self.unreachable_off_hours(cols):  # nothing is outside a 24×7 calendar
                cols = [col for col in cols if col.kind != "off_hours"]
            for col in cols:
                title = self.column_title(columns, col.name)(w)
                if col.kind == "calendar":
                    calendar = self.window_title(col)(w)
                    windows.append(w.say("matrices.window.calendar", column=title, at=at, calendar=calendar))
                else:
                    windows.append(w.say("matrices.window.off_hours", column=title, at=at))
            join = w.raw("matrices.windows_join")
            joined = windows[0] if len(windows) == 1 else join["sep"].join(windows[:-1]) + join["last"] + windows[-1]
            return w.say("matrices.plan_windows", plan=name, windows=joined)

        def say(w: Wording) -> str:
            text = w.raw("join.semicolons").join(group(w, plan, cols) for plan, cols in groups.items())
            return w.say("matrices.columns_plans", time=w.raw(f"matrices.time.{when}"), groups=text) + w.say(
                "matrices.columns_end"
            )

        return self.each(say)

    @staticmethod
    def _sentences(w: Wording, parts: list[Callable[[Wording], str]]) -> str:
        # Sentence pieces are written with their own punctuation; English
        # sentences need a space between them, Chinese ones do not.
        out = ""
        for p in parts:
            piece = p(w)
            if out and w.lang != "zh" and out.endswith(".") and not piece.startswith(" "):
                out += " "
            out += piece
        return out

    # 分: progress updates and the follow-up call
    def updates(self) -> Section:
        u, f = self.c.updates, self.c.followup
        has_updates = u is not None and bool(u.rules)
        # The heading promises only what the contract has.
        key = "updates" if has_updates and f is not None else "updates_only" if has_updates else "followup_only"
        s = Section("updates", self.say(f"sections.{key}"), line=at(u) if has_updates else at(f))
        if has_updates and self.c.pauses is not None and self.c.response is None and self.c.resolution is None:
            s.blocks.append(Para(self.pauses(), line=at(self.c.pauses)))  # said with the matrices when there are any
        if u is not None and u.rules and u.columns:
            s.blocks.extend(self.updates_table(u))
        elif u is not None and u.rules:
            rules = lambda w: w.listing(
                w.say("updates.rule", priority=r.priority, every=w.every(r.every)) for r in u.rules
            )
            s.blocks.append(Para(self.each(lambda w: w.say("updates.intro", title=w.text(u.title), rules=rules(w)))))
            s.blocks.append(Para(self.say("updates.cadence")))
            if u.clock and any(r.every.clock == "business" for r in u.rules):
                s.blocks.append(Para(self.clock_note("updates", u.clock)))
        if f is not None:
            within = f.within
            s.blocks.append(
                Para(
                    self.each(lambda w: w.say("updates.followup", title=w.text(f.title), within=w.limit(within))),
                    line=at(f),
                )
            )
        cadences = [r.every for r in u.rules] if u is not None else []
        days = [d for d in [*cadences, *([f.within] if f is not None else [])] if calendar_days(d)]
        if days:
            s.blocks.append(Para(self.calendar_days_note("updates", days)))
        return s

    def updates_table(self, u: Updates) -> list[Block]:
        """Cadences by column (`columns …` in `updates`): a table like a
        matrix, the columns chosen as for the response (at submission)."""
        blocks: list[Block] = [Para(self.say("updates.table", title=u.title))]
        head = [self.say("matrices.col_priority")] + [
            self.each(self.column_title(u.columns, c.name)) for c in u.columns
        ]
        cadence = {(r.priority, r.column): r.every for r in u.rules}
        rows, row_lines = [], []
        rule_line = {r.priority: at(r) for r in reversed(u.rules)}
        for p in self.c.priorities:
            row_lines.append(rule_line.get(p.name, 0))
            cells = [self.priority_head(p.name)]
            for col in u.columns:
                d = cadence.get((p.name, col.name))
                if d is None:
                    cells.append([Line(self.say("matrices.none"), "num")])
                else:
                    cells.append([Line(self.each(lambda w: w.say("updates.cell", every=w.every(d))), "num")])
            rows.append(cells)
        blocks.append(Table(head, rows, cls=f"matrix updates cols-{len(u.columns)}", row_lines=row_lines))
        blocks.append(Para(self.say("updates.cadence"), "note"))
        # The engine chooses the column once, at opened_at.
        rule = self.columns_rule(u.columns)
        fixed = self.say("updates.column_fixed")
        blocks.append(
            Para(
                tuple(
                    Said(a.lang, a.html_lang, a.html + (Markup(" ") if a.lang != "zh" else Markup("")) + b.html)
                    for a, b in zip(rule, fixed)
                ),
                "note",
            )
        )
        if u.clock and any(r.every.clock == "business" for r in u.rules):
            blocks.append(Para(self.clock_note("updates", u.clock), "note"))
        if len(cadence) < len(self.c.priorities) * len(u.columns):
            blocks.append(Para(self.say("updates.no_commitment"), "note"))
        return blocks

    # 分: availability targets, how each is measured, and the formula
    def availability(self) -> Section:
        s = self.section("availability")
        targets = self.c.availability
        if not targets:
            return s
        s.line = at(targets[0])
        s.blocks.append(Para(self.say("availability.intro")))
        head = [
            self.say("availability.col_product"),
            self.say("availability.col_target"),
            self.say("availability.col_period"),
        ]
        rows = [
            [
                [Line(self.text(self.c.product(a.product).title))],
                [Line(self.each(lambda w: w.percent(a.percent)), "num")],
                [Line(self.say(f"availability.period.{a.period}"))],
            ]
            for a in targets
        ]
        s.blocks.append(Table(head, rows, cls="availability", row_lines=[at(a) for a in targets]))
        # How availability is measured: one paragraph per group of targets
        # measured alike; a target without a body is measured as the formula says.
        groups: dict[tuple, list[AvailabilityTarget]] = {}
        for a in targets:
            if not _measured_plainly(a):
                groups.setdefault(_measurement_key(a), []).append(a)
        for group in groups.values():
            s.blocks.append(Para(self.measurement(group), line=at(group[0])))
        by_denominator: dict[str, list[AvailabilityTarget]] = {}
        for a in targets:
            by_denominator.setdefault(a.denominator, []).append(a)
        for denominator, group in by_denominator.items():
            s.blocks.append(Para(self.formula(denominator, group if len(by_denominator) > 1 else None)))
        if any(self.cut(a.period) for a in targets):
            s.blocks.append(Para(self.say("availability.partial")))
        return s

    def products_of(self, targets: list[AvailabilityTarget]) -> Callable[[Wording], str]:
        return lambda w: w.listing(
            dict.fromkeys(w.text(self.c.product(a.product).title, self.c.values) for a in targets)
        )

    def measurement(self, group: list[AvailabilityTarget]) -> Bi:
        a, products = group[0], self.products_of(group)

        def say(w: Wording) -> str:
            parts = []
            if a.resource is not None:
                parts.append(w.say("availability.per_resource", resource=w.resource(a.resource)))
            if a.bucket is not None:
                assert a.bucket_error_percent is not None
                parts.append(w.say("availability.buckets", bucket=a.bucket, percent=w.percent(a.bucket_error_percent)))
            else:
                if a.counting != "second" or a.ignore_under is not None:
                    parts.append(w.say("availability.outage"))
                kind = "up_to" if a.ignore_inclusive else "under"
                if a.ignore_under is not None:
                    parts.append(w.say(f"availability.ignore.{kind}", duration=a.ignore_under))
                # The grace is judged on the exact length, then the rest is
                # counted in minutes: "依前句" is the counting sentence.
                parts.append(w.say(f"availability.counting.{a.counting}"))
                if a.ignore_under is not None and a.counting != "second":
                    parts.append(w.say(f"availability.ignore.before_rounding_{kind}", duration=a.ignore_under))
            return w.say("availability.measured", products=products(w), rules=w.raw("join.sentences").join(parts))

        return self.each(say)

    def formula(self, denominator: str, group: list[AvailabilityTarget] | None) -> Bi:
        ex = self.c.exclusions
        mt = ex.maintenance if ex is not None else None
        others = ex is not None and (ex.force_majeure is not None or ex.customer_caused is not None or bool(ex.others))
        products = self.products_of(group) if group else None

        def excluded(w: Wording) -> str:
            if mt is None:
                return w.say("availability.excluded")
            # Only the conditions the contract states (SEMANTICS §3: notice, window, allowance).
            conditions = [
                w.raw(f"availability.maintenance_condition.{k}")
                for k, v in (("notice", mt.notice), ("window", mt.windows), ("max", mt.max))
                if v
            ]
            section = w.raw("sections.exclusions")
            maintenance = (
                w.say("availability.maintenance_allowed", section=section, conditions=w.listing(conditions))
                if conditions
                else w.say("availability.maintenance_any", section=section)
            )
            if not others:
                return maintenance
            return w.say("availability.excluded_other") + w.raw("availability.excluded_and") + maintenance

        def say(w: Wording) -> str:
            if denominator == "eligible_time":
                text = w.say("availability.formula_eligible_time", excluded=excluded(w))
            else:
                text = w.say("availability.formula")
            return w.say("availability.for_products", products=products(w), text=text) if products else text

        return self.each(say)

    def cut(self, period: str) -> bool:
        """True when the term starts or ends inside a period of this kind."""
        months = PERIOD_MONTHS[period]
        start, after = self.c.effective_start, self.c.effective_end + dt.timedelta(days=1)
        return not all(d.day == 1 and (d.month - 1) % months == 0 for d in (start, after))

    # 分: yellow / orange / red warnings
    def warnings(self) -> Section:
        s = self.section("warnings")
        if not self.c.warnings:
            return s
        s.line = at(self.c.warnings[0])
        if self.c.monitor is not None:
            s.blocks.append(Para(self.say("warnings.monitor", tool=self.c.monitor.tool), line=at(self.c.monitor)))
        s.blocks.append(Para(self.say("warnings.intro")))
        head = [self.say("warnings.col_level"), self.say("warnings.col_threshold")]
        rows = [
            [
                [Line(self.say(f"warnings.level.{lv.level}"), f"warn warn-{lv.level}")],
                [Line(self.each(lambda w: w.percent(lv.percent)), "num")],
            ]
            for lv in self.c.warnings
        ]
        s.blocks.append(Table(head, rows, cls="warnings", row_lines=[at(lv) for lv in self.c.warnings]))
        return s

    # 分: business continuity, data security, recurring duties, service targets (issue 13)
    def continuity(self) -> Section:
        ct = self.c.continuity
        if ct is None:
            return self.section("continuity")
        s = Section("continuity", self.text(ct.title), line=at(ct))  # the section's own title
        if ct.standby is not None:
            standby = ct.standby
            s.blocks.append(Para(self.say("continuity.standby", standby=standby)))
        for kind, d in (("rto", ct.rto), ("rpo", ct.rpo)):
            if d is not None:
                # Wall-clock durations, said as written (15 分钟 / 15 minutes).
                s.blocks.append(Para(self.say(f"continuity.{kind}", limit=d)))
        s.blocks.extend(self.duties("continuity"))
        return s

    def security(self) -> Section:
        sec = self.c.security
        if sec is None:
            return self.section("security")
        s = Section("security", self.text(sec.title), line=at(sec))
        if sec.standards:
            s.blocks.append(Para(self.say("security.standards", standards=[self.T(t) for t in sec.standards])))
        if sec.encrypted:
            s.blocks.append(Para(self.say("security.encrypted", data=[self.T(t) for t in sec.encrypted])))
        if sec.access:
            rules = sec.access  # each rule may have commas of its own: joined with semicolons
            s.blocks.append(
                Para(
                    self.each(
                        lambda w: w.say(
                            "security.access",
                            rules=w.raw("join.semicolons").join(w.text(t, self.c.values) for t in rules),
                        )
                    )
                )
            )
        s.blocks.extend(self.duties("security"))
        return s

    def general_duties(self) -> Section:
        s = self.section("duties")
        mine = [d for d in self.c.duties if d.section == "general"]
        if mine:
            s.line = at(mine[0])
            s.blocks.extend(self.duties("general"))
        return s

    def duties(self, section: str) -> list[Block]:
        """One paragraph per duty of a section, in shall-form; the rule for
        `every` periods once in the letter, where the first one is."""
        from slalang.cadence import periods

        blocks: list[Block] = []
        for d in (d for d in self.c.duties if d.section == section):
            c = d.cadence
            ps = periods(
                self.c.effective_start,
                self.c.effective_end,
                c.kind if c is not None else None,
                c.count if c is not None else 1,
                c.unit if c is not None else None,
                c.period if c is not None else None,
            )
            cut_start, cut_end = bool(ps) and ps[0].cut, bool(ps) and ps[-1].cut
            cut = "both" if cut_start and cut_end else "start" if cut_start else "end" if cut_end else None
            blocks.append(Para(self.each(functools.partial(self.duty, d=d, cut=cut)), line=at(d)))
            if c is not None and c.kind == "every" and not self.periods_said:
                self.periods_said = True
                blocks.append(Para(self.say("duties.periods_from_start"), "note", line=at(c) or at(d)))
        return blocks

    def duty(self, w: Wording, *, d: Duty, cut: str | None) -> str:
        """`duty NAME "…" CADENCE by WHO { evidence "…" on CAL }` in one sentence."""
        who = d.performer
        if who == "named":
            assert d.performer_title is not None
            subject = w.say("duties.who.named", body=w.text(d.performer_title, self.c.values))
        else:
            subject = w.raw(f"duties.who.{who}")
        c = d.cadence
        if c is None:
            cadence = w.raw("duties.once")
        elif c.kind == "every":
            assert c.unit is not None
            cadence = w.say("duties.every", every=w.every(CalendarSpan(count=c.count, unit=c.unit)))
        else:
            assert c.period is not None
            key = "one" if c.count == 1 else "two" if c.count == 2 else "other"
            cadence = w.say(f"duties.times.{key}", n=c.count, period=w.raw(f"duties.calendar_period.{c.period}"))
        due = ""
        if d.calendar is not None:
            due = w.say("duties.due_on", calendar=self.c.calendar(d.calendar).title)
        evidence = ""
        if d.evidence is not None:
            to = "named" if who == "named" else "customer" if who == "customer" else "provider"
            evidence = w.say(f"duties.evidence.{to}", evidence=d.evidence)
        text = w.say(
            "duties.sentence",
            title=w.text(d.title, self.c.values),
            subject=subject,
            cadence=cadence,
            due=due,
            evidence=evidence,
        )
        if cut is not None:
            text += w.raw("join.sentences") + w.raw(f"duties.cut.{cut}")
        return text

    def service_targets(self) -> Section:
        s = self.section("targets")
        targets = self.c.service_targets
        if not targets:
            return s
        s.line = at(targets[0])
        s.blocks.append(Para(self.say("targets.intro")))
        head = [self.say(f"targets.col_{k}") for k in ("target", "bound", "period", "method")]
        rows = []
        for t in targets:
            rows.append(
                [
                    [Line(self.text(t.title))],
                    [
                        Line(
                            self.each(functools.partial(self.bound, t=t)),
                            "num",
                        )
                    ],
                    [Line(self.say(f"availability.period.{t.period}"))],
                    [Line(self.text(t.method) if t.method is not None else self.say("matrices.none"))],
                ]
            )
        s.blocks.append(Table(head, rows, cls="targets", row_lines=[at(t) for t in targets]))
        return s

    @staticmethod
    def bound(w: Wording, *, t: ServiceTarget) -> str:
        """ "不低于 75" / "at most 0.5%": the value as the contract wrote it."""
        value = w.percent(t.value) if t.percent else w.number(t.value)
        return w.say(f"targets.bound.{t.bound}", value=value)

    # 分: credit ladders, caps, form, claims, rounding
    def covered(self, ladder: CreditLadder) -> list[AvailabilityTarget]:
        """The availability targets an availability ladder pays for."""
        if ladder.metric != "availability":
            return []
        return [a for a in self.c.availability if not ladder.products or a.product in ladder.products]

    @staticmethod
    def fees_period(targets: list[AvailabilityTarget]) -> str:
        """Which fee a `% of monthly_fee` means: the month's, the quarter's, the year's, or the period's."""
        periods = {a.period for a in targets}
        if not periods or periods == {"month"}:
            return "month"
        return next(iter(periods)) if len(periods) == 1 else "period"

    @staticmethod
    def unit_of(targets: list[AvailabilityTarget], det: str | None = "each") -> Callable[[Wording], str]:
        """What one availability credit line is for, with a determiner (`each`:
        每一产品 / one product; `same`: 同一实例 / the same instance; None: the
        bare noun): a product, a resource of the targets' kind ("实例" as the
        availability section says it), or a product and, where measured per
        resource, the resource."""
        kinds = list(dict.fromkeys(a.resource for a in targets if a.resource is not None))
        per_product = any(a.resource is None for a in targets) or not kinds

        def say(w: Wording) -> str:
            resource = w.raw("credits.or").join(w.resource(k) for k in kinds)
            if det is None:
                if not kinds:
                    return w.raw("credits.noun.product")
                return resource if not per_product else w.say("credits.noun.mixed", resource=resource)
            d = w.raw(f"credits.det.{det}")
            if not kinds:
                return w.say("credits.unit.product", det=d)
            if not per_product:
                return w.say("credits.unit.resource", det=d, resource=resource)
            resources = w.listing(w.resource(k) for k in kinds)
            return w.say("credits.unit.mixed", det=d, resource=resource, resources=resources)

        return say

    def ladder_amounts(self, ladder: CreditLadder) -> list[Amount]:
        out = [t.amount for t in ladder.tiers] + [x for x in (ladder.minimum, ladder.cap) if x is not None]
        return out + ([ladder.step.amount] if ladder.step is not None else [])

    def definitions(self) -> list[Bi]:
        """What the bases of this section's percentages mean, each said once."""
        charged: list[AvailabilityTarget] = []
        fees: list[str] = []
        for ladder in self.c.credit_ladders:
            covered = self.covered(ladder)
            bases = {a.base for a in self.ladder_amounts(ladder) if a.percent is not None}
            if "charges" in bases:
                charged += covered
            if "monthly_fee" in bases:
                fees.append(self.fees_period(covered))
        policy = self.c.credits
        if policy is not None and policy.cap is not None and policy.cap.percent is not None:
            fees.append(policy.cap_period or "month")
        out = []
        if charged:
            unit = self.unit_of(charged, det=None)
            out.append(self.each(lambda w: w.say("credits.charges_defined", unit=unit(w))))
        for period in dict.fromkeys(fees):
            if period != "month":
                out.append(self.say(f"credits.fees_defined.{period}"))
        return out

    def amount(self, a: Amount, times: int = 1, fees: str = "month") -> Callable[[Wording], str]:
        def fmt(w: Wording) -> str:
            if a.money is not None:
                return w.money(a.money.model_copy(update={"amount": a.money.amount * times}))
            p = w.percent((a.percent or Decimal(0)) * times)
            if a.base == "charges":
                return w.say("credits.percent_of_charges", percent=p)
            if a.base == "monthly_fee":
                key = "credits.percent_of_fee" if fees == "month" else f"credits.percent_of_fees.{fees}"
                return w.say(key, percent=p)
            return w.say("credits.percent_of", percent=p)

        return fmt

    def fee_of_product(self) -> bool:
        """Two or more products with a fee, and a credit that is a share of the monthly fee."""
        if sum(1 for p in self.c.scope.products if p.fee is not None) < 2:
            return False
        amounts = []
        for ld in self.c.credit_ladders:
            amounts += [ld.step.amount if ld.step else None, ld.minimum, ld.cap, *(t.amount for t in ld.tiers)]
        if self.c.credits is not None:
            amounts.append(self.c.credits.cap)
        return any(a is not None and a.percent is not None and a.base in (None, "monthly_fee") for a in amounts)

    def credits(self) -> Section:
        s, policy = self.section("credits"), self.c.credits
        if not self.c.credit_ladders and policy is None:
            return s
        s.line = at(self.c.credit_ladders[0]) if self.c.credit_ladders else at(policy)
        s.blocks.append(Para(self.say("credits.intro")))
        if any(ld.step is not None and ld.metric != "availability" for ld in self.c.credit_ladders):
            # late = event − due, in elapsed seconds, whatever the target's clock.
            s.blocks.append(Para(self.say("credits.delay")))
        if self.fee_of_product():
            # Several fees: say whose a percentage is (the engine takes the ticket's or target's product).
            s.blocks.append(Para(self.say("credits.fee_of_product")))
        s.blocks.extend(Para(d) for d in self.definitions())
        for ladder in self.c.credit_ladders:
            first = len(s.blocks)
            s.blocks.append(Subheading(self.text(ladder.title)))
            s.blocks.extend(self.ladder(ladder))
            for b in s.blocks[first:]:
                if isinstance(b, (Para, Subheading, Table)) and not b.line:
                    b.line = at(ladder)
        general = self.policy(policy) if policy is not None else []
        if general and self.c.credit_ladders:
            # Under their own heading: they are not part of the last ladder.
            s.blocks.append(Subheading(self.say("credits.general"), line=STRUCTURAL))
        for b in general:
            if isinstance(b, Para) and not b.line:
                b.line = at(policy)
        s.blocks.extend(general)
        return s

    def policy(self, policy: CreditPolicy) -> list[Block]:
        """The `credits { … }` rules that apply across the ladders."""
        out: list[Block] = []
        ladders = self.c.credit_ladders
        if policy.cap is not None:
            period = policy.cap_period or "month"
            cap = self.amount(policy.cap, fees=period)
            out.append(
                Para(
                    self.each(
                        lambda w: w.say(
                            # No products: every ticket is in the one bucket the engine caps (product "-").
                            "credits.cap" if self.c.scope.products else "credits.cap_all",
                            period=w.raw(f"credits.cap_period.{period}"),
                            cap=cap(w),
                        )
                    )
                )
            )
            # Cap periods are calendar periods (report.py keys them so); the part
            # of one inside the term has the cap on its own, and the runtime
            # prorates a fee-based cap like the fee (SEMANTICS §3).
            if self.cut(period):
                prorated = policy.cap.percent is not None and policy.partial_periods == "prorated"
                key = "credits.cap_prorated" if prorated else "credits.cap_cut"
                out.append(Para(self.each(lambda w: w.say(key, period=w.raw(f"availability.period.{period}")))))
        if policy.combine is not None:
            unit, combine = self.unit_of(list(self.c.availability), det="same"), policy.combine
            out.append(Para(self.each(lambda w: w.say(f"credits.combine.{combine}", unit=unit(w)))))
        if any(
            self.cut(a.period)
            for ladder in ladders
            if any(x.percent is not None and x.base == "monthly_fee" for x in self.ladder_amounts(ladder))
            for a in self.covered(ladder)
        ):
            out.append(Para(self.say(f"credits.partial.{policy.partial_periods}")))
        # A ladder's own form prevails for its credits; the policy's form is
        # said for the others (and not at all when every ladder has its own).
        if policy.form is not None and (not ladders or any(ld.form is None for ld in ladders)):
            own = any(ld.form is not None for ld in ladders)
            out.append(Para(self.form(policy.form, "form_other" if own else "form")))
        if policy.claim is not None:
            out.append(Para(self.claim(policy.claim), line=at(policy.claim)))
        if policy.rounding is not None:
            out.extend(self.rounding(policy))
        return out

    def form(self, form: CreditForm, key: str) -> Bi:
        restriction = form.restriction

        def say(w: Wording) -> str:
            head = w.say(f"credits.{key}.{form.kind}")
            if restriction is None:
                return head + w.raw("credits.form_end")
            text = w.text(restriction, self.c.values).rstrip("。.；;，, ")
            return head + w.say("credits.form_restricted", restriction=text)

        return self.each(say)

    def claim(self, claim: Claim) -> Bi:
        """The claim window as ClaimWindows counts it: from the last day of
        the period (`month_end`: the measurement period's, a quarter's for a
        quarterly target; the month's when nothing is measured per period),
        `Nd` to the N-th day after it, `Nbd` to the N-th working day of the
        calendar after it, `N months` to the last day of the N-th calendar
        month after it. Without `from` the window opens the day after."""
        anchor: str = claim.after
        if anchor == "month_end" and not self.c.availability:
            anchor = "month"
        month_ends = anchor in ("month_end", "month")  # a period's last day is a month's last day
        calendar = self.c.calendar(claim.calendar).title if claim.calendar is not None else None

        def day(w: Wording, span: Any) -> str:
            unit = "months_end" if span.unit == "months" and month_ends else span.unit
            return w.say(f"credits.claim_day.{unit}", n=span.count, nth=w.ordinal(span.count), span=w.claim_span(span))

        def say(w: Wording) -> str:
            args: dict[str, Any] = {
                "anchor": w.raw(f"credits.anchor.{anchor}"),
                "back": w.raw(f"credits.back.{anchor}"),
                "last": day(w, claim.within),
            }
            if claim.opens is None:
                text = w.say("credits.claim", **args)
            else:
                text = w.say("credits.claim_opens", first=day(w, claim.opens), **args)
            note = ""
            if calendar is not None and _counts_business_days(claim):
                note = w.say("credits.claim_calendar", calendar=calendar, section=w.raw("sections.hours"))
            return w.say("credits.claim_end", claim=text, calendar=note)

        return self.each(say)

    def rounding(self, policy: CreditPolicy) -> list[Block]:
        assert policy.rounding is not None
        quantum = Money(amount=policy.quantum, currency=self.c.currency)
        mode = policy.rounding
        ladders = self.c.credit_ladders
        blocks: list[Block] = []
        if policy.rounding_scope == "total":
            period = policy.cap_period or "month"
            blocks.append(
                Para(
                    self.each(
                        lambda w: w.say(
                            "credits.rounding_total",
                            period=w.raw(f"credits.cap_period.{period}"),
                            quantum=w.money(quantum),
                            mode=w.raw(f"credits.mode.{mode}"),
                        )
                    )
                )
            )
        else:
            tickets = any(ld.metric != "availability" for ld in ladders)
            available = [a for ld in ladders for a in self.covered(ld)]
            kind = "both" if tickets and available else "tickets" if tickets else "availability"
            unit = self.unit_of(available)
            then = "credits.rounding_then_combined" if policy.combine is not None else "credits.rounding_then"
            blocks.append(
                Para(
                    self.each(
                        lambda w: w.say(
                            "credits.rounding_line",
                            line=w.say(f"credits.line.{kind}", unit=unit(w)),
                            quantum=w.money(quantum),
                            mode=w.raw(f"credits.mode.{mode}"),
                            then=w.raw(then),
                        )
                    )
                )
            )
        if policy.cap is not None or any(ld.cap is not None for ld in ladders):
            blocks.append(Para(self.each(lambda w: w.say("credits.caps_rounded", quantum=w.money(quantum)))))
        return blocks

    def applies(self, ladder: CreditLadder, covered: list[AvailabilityTarget]) -> Bi | None:
        """The products a ladder pays for, as its table's caption."""
        if ladder.metric != "availability":
            if not ladder.products:
                return None
            names = ladder.products
            return self.each(
                lambda w: w.say(
                    "credits.applies_tickets",
                    products=w.listing(w.text(self.c.product(p).title, self.c.values) for p in names),
                )
            )

        def product(w: Wording, a: AvailabilityTarget) -> str:
            title = w.text(self.c.product(a.product).title, self.c.values)
            if a.resource is None:
                return title
            return w.say("credits.per_resource", product=title, resource=w.resource(a.resource))

        if not covered:
            return None
        key = "credits.applies" if ladder.products else "credits.applies_all"
        return self.each(lambda w: w.say(key, products=w.listing(product(w, a) for a in covered)))

    def ladder(self, ladder: CreditLadder) -> list[Block]:
        blocks: list[Block] = []
        metric = ladder.metric
        covered = self.covered(ladder)
        fees = self.fees_period(covered)
        caption = self.applies(ladder, covered)
        if ladder.step is not None:
            st = ladder.step
            blocks.append(
                Para(
                    self.each(
                        lambda w: w.say(
                            f"credits.step_{st.mode}",
                            # The limit by the term its table defines (“首次响应”时限).
                            title=w.text(self.matrix(metric).title, self.c.values),
                            event=w.raw(f"matrices.strict_event.{metric}"),
                            every=w.per(st.every),
                            amount=self.amount(st.amount)(w),
                        )
                    )
                )
            )
            blocks.append(
                Table(
                    [self.say("credits.col_delay"), self.say("credits.col_credit")],
                    self.step_rows(ladder),
                    cls="ladder",
                    caption=caption,
                    line=at(st),
                )
            )
        if ladder.tiers:
            blocks.append(
                Para(self.each(lambda w: w.say("credits.tiers", measure=w.raw(f"credits.measure_text.{metric}"))))
            )
            rows = []
            for i, tier in enumerate(ladder.tiers):
                lower = ladder.tiers[i + 1].below if i + 1 < len(ladder.tiers) else None
                if lower is None:
                    label = self.each(lambda w: w.say("credits.tier_bottom", high=w.percent(tier.below)))
                else:
                    low_pct: Decimal = lower
                    label = self.each(
                        lambda w: w.say("credits.tier_range", low=w.percent(low_pct), high=w.percent(tier.below))
                    )
                rows.append([[Line(label)], [Line(self.each(self.amount(tier.amount, fees=fees)), "num")]])
            head = [
                self.each(lambda w: w.say("credits.col_measure", measure=w.raw(f"credits.measure.{metric}"))),
                self.say("credits.col_credit"),
            ]
            blocks.append(Table(head, rows, cls="ladder", caption=caption, row_lines=[at(t) for t in ladder.tiers]))
        minimum = self.amount(ladder.minimum, fees=fees) if ladder.minimum is not None else None
        cap = self.amount(ladder.cap, fees=fees) if ladder.cap is not None else None
        if metric == "availability" and (minimum or cap):
            unit = self.unit_of(covered)
            # The runtime raises a line to the minimum, then caps it (the
            # ladder's cap, then the overall one): the cap prevails.
            policy_cap = self.c.credits is not None and self.c.credits.cap is not None
            if minimum and cap:
                key = "credits.line_bounds"
            elif minimum:
                key = "credits.line_minimum_capped" if policy_cap else "credits.line_minimum"
            else:
                key = "credits.line_cap"
            blocks.append(
                Para(
                    self.each(
                        lambda w: w.say(
                            key,
                            unit=unit(w),
                            minimum=minimum(w) if minimum else "",
                            cap=cap(w) if cap else "",
                        )
                    )
                )
            )
        else:
            if minimum is not None:
                blocks.append(Para(self.each(lambda w: w.say("credits.ticket_minimum", minimum=minimum(w)))))
            if cap is not None:
                blocks.append(Para(self.each(lambda w: w.say("credits.ladder_cap", cap=cap(w)))))
        if ladder.form is not None:
            blocks.append(Para(self.form(ladder.form, "form_item")))
        return blocks

    def step_rows(self, ladder: CreditLadder) -> list[list[list[Line]]]:
        """The step ladder as rows of (delay range, credit), up to the cap."""
        st, cap = ladder.step, ladder.cap
        assert st is not None
        a = st.amount
        steps_to_cap = None
        if cap is not None:
            if a.percent and cap.percent is not None and a.money is None and cap.money is None:
                steps_to_cap = math.ceil(cap.percent / a.percent)
            elif a.money is not None and cap.money is not None and a.money.amount:
                steps_to_cap = math.ceil(cap.money.amount / a.money.amount)
        shown = steps_to_cap if steps_to_cap is not None and steps_to_cap <= 8 else 4
        rows = []
        for n in range(1, shown + 1):
            low, high = self.multiple(st.every, n - 1), self.multiple(st.every, n)
            last_capped = steps_to_cap is not None and n == steps_to_cap
            if st.mode == "started":
                if last_capped and n > 1:
                    label = self.each(lambda w: w.say("credits.delay_over", low=low(w)))
                elif n == 1:
                    label = self.each(lambda w: w.say("credits.delay_started_first", high=high(w)))
                else:
                    label = self.each(lambda w: w.say("credits.delay_started", low=low(w), high=high(w)))
            else:
                low, high = self.multiple(st.every, n), self.multiple(st.every, n + 1)
                if last_capped:
                    label = self.each(lambda w: w.say("credits.delay_at_least", low=low(w)))
                else:
                    label = self.each(lambda w: w.say("credits.delay_full", low=low(w), high=high(w)))
            credit = cap if last_capped and cap is not None else None
            value = self.each(self.amount(credit) if credit is not None else self.amount(a, n))
            rows.append([[Line(label)], [Line(value, "num")]])
        if steps_to_cap is None or steps_to_cap > shown:
            more = self.each(lambda w: w.say("credits.delay_more", every=st.every, amount=self.amount(a)(w)))
            rows.append([[Line(more, "more")], [Line(self.same("…"), "num")]])
        return rows

    # 分: what does not count
    def exclusions(self) -> Section:
        s, ex = self.section("exclusions"), self.c.exclusions
        if ex is None or not ex.codes:
            return s
        s.line = at(ex)
        # Only what the contract has: limits (a time table), downtime (availability targets).
        limits = self.c.response is not None or self.c.resolution is not None
        downtime = bool(self.c.availability)
        intro = (
            "intro"
            if limits and downtime
            else "intro_limits"
            if limits
            else "intro_downtime"
            if downtime
            else "intro_plain"
        )
        s.blocks.append(Para(self.say(f"exclusions.{intro}")))
        items: list[Callable[[Wording], str]] = []
        lines: list[int] = []
        if ex.force_majeure is not None:
            fm = ex.force_majeure

            def events(w: Wording, fm=fm) -> str:
                # Only the contract's events; "force majeure:" unless they say it themselves.
                text = w.text(fm.events, self.c.values)
                named = w.raw("exclusions.force_majeure_word").lower() in text.lower()
                return w.say("exclusions.force_majeure_named" if named else "exclusions.force_majeure", events=text)

            items.append(
                lambda w: (
                    events(w)
                    + (
                        w.say("exclusions.force_majeure_notice", within=fm.notify_within)
                        if fm.notify_within is not None
                        else ""
                    )
                )
            )
            lines.append(at(fm))
        if ex.maintenance is not None:
            mt = ex.maintenance
            # A monthly allowance is applied within each calendar month, also
            # for a target measured per quarter or year (SEMANTICS §3).
            allowance = PERIOD_MONTHS[mt.max_period or "month"]
            longer = any(PERIOD_MONTHS[a.period] > allowance for a in self.c.availability)

            def maintenance(w: Wording) -> str:
                conditions = []
                if mt.notice is not None:
                    conditions.append(w.say("exclusions.maintenance_notice", notice=mt.notice))
                if mt.max is not None:
                    conditions.append(
                        w.say(
                            "exclusions.maintenance_max", max=mt.max, period=w.raw(f"period.{mt.max_period or 'month'}")
                        )
                        + (w.say(f"exclusions.maintenance_max_each.{mt.max_period or 'month'}") if longer else "")
                    )
                if mt.windows:
                    conditions.append(w.say("exclusions.maintenance_window", windows=w.weekly(mt.windows, each=True)))
                return w.say("exclusions.maintenance") + (
                    w.say("exclusions.maintenance_conditions", conditions=w.clauses(conditions)) if conditions else ""
                )

            items.append(maintenance)
            lines.append(at(mt))
        if ex.customer_caused is not None:
            cc = ex.customer_caused
            items.append(
                lambda w: (
                    w.say("exclusions.customer_caused_text", text=w.text(cc.text, self.c.values))
                    if cc.text is not None
                    else w.say("exclusions.customer_caused")
                )
            )
            lines.append(at(cc))
        for other in ex.others:
            items.append(self._other_exclusion(other))
            lines.append(at(other))
        bis = []
        for i, item in enumerate(items):
            end = "exclusions.last_end" if i == len(items) - 1 else "exclusions.item_end"
            bis.append(self.each(lambda w: _capfirst(w, item(w)) + w.raw(end)))
        s.blocks.append(Items(bis, lines=lines))
        return s

    # 分: reports, retention, audit
    def reporting(self) -> Section:
        r = self.c.reporting
        if r is None:
            return self.section("reporting")
        # The heading names only what is there: 报告与记录 / Reporting and Records, 记录 / Records …
        parts = [
            k
            for k, has in (
                ("reports", bool(r.reports) or any(d.section == "reporting" for d in self.c.duties)),
                ("records", r.retention is not None),
                ("audit", r.audit is not None),
            )
            if has
        ]
        if len(parts) == 3 or not parts:
            s = self.section("reporting")
        else:

            def heading(w: Wording) -> str:
                names, join = [w.raw(f"sections.reporting_parts.{k}") for k in parts], w.raw("sections.reporting_join")
                return names[0] if len(names) == 1 else join["sep"].join(names[:-1]) + join["last"] + names[-1]

            s = Section("reporting", self.each(heading))
        s.line = at(r)
        if r.reports:
            reports = lambda w: w.listing(w.raw(f"reporting.report.{k}") for k in r.reports)
            if r.metrics:
                s.blocks.append(
                    Para(
                        self.each(
                            lambda w: w.say(
                                "reporting.reports",
                                reports=reports(w),
                                metrics=w.listing(w.raw(f"reporting.metric.{m}") for m in r.metrics),
                            )
                        )
                    )
                )
            else:
                s.blocks.append(Para(self.each(lambda w: w.say("reporting.reports_only", reports=reports(w)))))
        if r.retention is not None:
            # The records this kind of contract has: requests with a time table, availability with targets.
            tickets = self.c.response is not None or self.c.resolution is not None
            available = bool(self.c.availability)
            key = (
                "retention_both"
                if tickets and available
                else "retention"
                if tickets
                else "retention_availability"
                if available
                else "retention_other"
            )
            s.blocks.append(Para(self.say(f"reporting.{key}", retention=r.retention)))
        if r.audit is not None:
            # The Customer's right (itself or by a third party), or the Provider's duty.
            audit = r.audit
            s.blocks.append(
                Para(
                    self.each(lambda w: w.say(f"reporting.audit.{audit.by}", every=w.every(audit.every))),
                    line=at(audit),
                )
            )
        s.blocks.extend(self.duties("reporting"))
        return s

    # 分: law, forum, seat
    def disputes(self) -> Section:
        s, d = self.section("disputes"), self.c.disputes
        if d is None:
            return s
        s.line = at(d)
        if d.law is not None:
            s.blocks.append(Para(self.say("disputes.law", law=d.law)))
        if d.forum is None and d.seat is None:
            return s

        def forum_sentence(w: Wording) -> str:
            out = w.say("disputes.negotiate")
            name = w.text(d.forum_name, self.c.values) if d.forum_name is not None else None
            seat = w.text(d.seat, self.c.values) if d.seat is not None else None
            if d.forum == "arbitration":
                out += w.say("disputes.arbitration", forum=name) if name else w.say("disputes.arbitration_unnamed")
                if seat:
                    out += w.say("disputes.arbitration_seat", seat=seat)
                return out + w.say("disputes.arbitration_final")
            if d.forum == "court":
                if name:
                    # "before the Hangzhou … Court"; a named court is its own place: no seat beside it.
                    article = w.raw("disputes.article")
                    if article and not name.lower().startswith(article.lower()):
                        name = article + name
                    out += w.say("disputes.court", forum=name)
                else:
                    out += w.say("disputes.court_unnamed")
                    if seat:
                        out += w.say("disputes.court_seat", seat=seat)
            elif seat:
                out += w.say("disputes.seat_only", seat=seat)
            return out + w.say("disputes.end")

        s.blocks.append(Para(self.each(forum_sentence)))
        return s

    # 分: the contract's own clauses, values filled in per language
    def _other_exclusion(self, other: Any) -> Callable[[Wording], str]:
        return lambda w: w.say("exclusions.other", text=w.text(other.text, self.c.values))

    def clauses(self) -> Section:
        s = self.section("clauses")
        for n, clause in enumerate(self.c.clauses, 1):
            s.blocks.append(
                Subheading(
                    self.each(
                        lambda w: (
                            w.raw("subsection_number").replace("{n}", str(n)) + w.text(clause.title, self.c.values)
                        )
                    ),
                    line=at(clause),
                )
            )
            for p in clause.paragraphs:
                s.blocks.append(Para(self.text(p), line=at(clause)))
        return s

    # 总: which text prevails
    def language(self) -> Section:
        s, langs = self.section("language"), self.c.languages
        if len(langs) == 1:
            s.blocks.append(
                Para(self.each(lambda w: w.say("language.one", language=w.raw(f"language_names.{langs[0]}"))))
            )
        elif self.c.prevailing is None:
            # `prevailing none`: both versions equally authentic, none prevails.
            s.blocks.append(
                Para(
                    self.each(
                        lambda w: w.say(
                            "language.equal", languages=w.listing(w.raw(f"language_names.{x}") for x in langs)
                        )
                    )
                )
            )
        else:
            s.blocks.append(
                Para(
                    self.each(
                        lambda w: w.say(
                            "language.both",
                            languages=w.listing(w.raw(f"language_names.{x}") for x in langs),
                            prevailing=w.raw(f"language_names.{self.c.prevailing}"),
                        )
                    ),
                    line=self.c.prevailing_span.line if self.c.prevailing_span is not None else STRUCTURAL,
                )
            )
        return s

    # 总: the closing statement
    def closing(self) -> Section:
        # No promise beyond the commitments above (the supervision sentence
        # was in no contract: SEMANTICS §1).
        s = self.section("closing")
        s.blocks.append(Para(self.say("closing.effect", start=self.c.effective_start)))
        return s


def _counts_business_days(claim: Claim) -> bool:
    return any(s is not None and s.unit == "business_days" for s in (claim.within, claim.opens))


def _runs(days: list[dt.date]) -> list[list[dt.date]]:
    """Dates grouped into runs of consecutive days, in order."""
    runs: list[list[dt.date]] = []
    for d in sorted(days):
        if runs and (d - runs[-1][-1]).days == 1:
            runs[-1].append(d)
        else:
            runs.append([d])
    return runs


def _date_runs(w: Wording, days: list[dt.date]) -> str:
    """Dates as runs of consecutive days: `1 to 3 January 2026, 4 April 2026`."""
    if not days:
        return "—"
    runs = _runs(days)
    return w.raw("join.clauses").join(
        w.date(r[0]) if len(r) == 1 else w.say("weekdays.range", first=w.date(r[0]), last=w.date(r[-1])) for r in runs
    )


def _short_runs(w: Wording, days: list[dt.date]) -> str:
    """One year's dates as runs of consecutive days, without the year: `1–3 Jan, 6 Apr`."""
    runs = _runs(days)
    if not runs:
        return "—"

    def run(r: list[dt.date]) -> str:
        first, last = w.short_date(r[0]), w.short_date(r[-1])
        if len(r) == 1:
            return first
        key = "hours.date_range_month" if r[0].month == r[-1].month else "hours.date_range"
        return _plain(w, key, first=first, last=last, first_day=str(r[0].day), last_day=str(r[-1].day))

    return w.raw("hours.dates_sep").join(run(r) for r in runs)


def _joined(w: Wording, names: list[str]) -> str:
    """ "A, B and C" / "甲、乙和丙"."""
    join = w.raw("scope.kinds_join")
    return names[0] if len(names) == 1 else join["sep"].join(names[:-1]) + join["last"] + names[-1]


def _plain(w: Wording, key: str, **fields: str) -> str:
    """A catalogue pattern filled as written, without the spacing of Chinese
    from digits that `say` adds: dates read "2026年1月1日至3日"."""
    out = w.raw(key)
    for name, value in fields.items():
        out = out.replace("{" + name + "}", value)
    return out


def _round_the_clock(hours: tuple[WeeklyWindow, ...]) -> bool:
    """24×7: every weekday from 00:00 to 24:00."""
    days = {h.weekday for h in hours if h.start_minute == 0 and h.end_minute == 24 * 60}
    return days == set(range(7))


def _measured_plainly(a: AvailabilityTarget) -> bool:
    """A target measured as the formula alone says: per product, to the second."""
    return a.resource is None and a.counting == "second" and a.ignore_under is None and a.bucket is None


def _measurement_key(a: AvailabilityTarget) -> tuple:
    return (
        a.resource,
        a.counting,
        a.ignore_under.spelling if a.ignore_under is not None else None,
        a.ignore_inclusive,
        a.bucket.spelling if a.bucket is not None else None,
        a.bucket_error_percent,
    )


def _capfirst(w: Wording, s: str) -> str:
    # English list items are sentences of their own; Chinese has no case.
    return s[:1].upper() + s[1:] if w.lang == "en" else s


def compose(contract: Contract, source_sha256: str, layout: str = "interleaved") -> Letter:
    return Composer(contract, source_sha256, layout).compose()


__all__ = ["Bi", "Letter", "Said", "compose", "shared"]
