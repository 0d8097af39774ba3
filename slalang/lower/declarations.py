"""The declarations pass: the header, the parties, and every name other
statements refer to — regions, products, services, calendars, priorities.
Runs before the `lower` pass, so a matrix can resolve its calendar and its
rows, a ladder its products."""

from __future__ import annotations

import datetime as dt
import functools

from slalang import ast, model
from slalang.diagnostics import Label, did_you_mean
from slalang.i18n import T
from slalang.lower import values as v
from slalang.lower.registry import statement
from slalang.lower.state import Abort, Lowering, M, names, new
from slalang.lower.values import subject
from slalang.source import Span
from slalang.terms import LANGUAGES, TICKET_COLUMNS, holiday_set_name

_RESERVED = {
    "priority": ("clock", "columns", "from"),  # a matrix row cannot start with `from` (the clock-start line)
    "calendar": ("any", "off_hours"),
    "region": ("any", "off_hours"),
    "plan": ("any", "off_hours"),
}


def reserved(lw: Lowering, kind: str, name: ast.Name) -> bool:
    if name.value in _RESERVED.get(kind, ()):
        lw.err(
            "E0206",
            M("E0206.reserved", name=name.value, what=T(f"diag.what.{kind}")),
            name.span,
            M("E0206.hint", name=name.value),
        )
        return True
    return False


# ---------------------------------------------------------------- header
@statement("languages", pass_="declare", single=True)
def lower_languages(lw: Lowering, node: ast.Node | None) -> None:
    if node is None:
        return
    lw.out["languages_span"] = lw.span(node.span)
    langs: list[str] = []
    spans: dict[str, Span] = {}
    for name in node.lits(ast.Name):
        if name.value in spans:
            lw.err(
                "E0302",
                M("E0302.twice", lang=name.value),
                name.span,
                M("E0302.twice_hint"),
                [Label(spans[name.value], M("label.first_listed"))],
            )
            continue
        if name.value not in LANGUAGES:
            guess = did_you_mean(name.value, LANGUAGES)
            lw.err(
                "E0302",
                M("E0302.unsupported", lang=name.value),
                name.span,
                M("hint.did_you_mean", guess=guess) if guess else M("E0302.supported", langs=names(LANGUAGES)),
            )
        # kept even when unsupported, so texts are not all reported as mis-sized
        spans[name.value] = name.span
        langs.append(name.value)
    if langs:
        lw.langs = tuple(langs)
    lw.prevailing = lw.langs[0]
    if "prevailing" not in lw.top and len(lw.langs) > 1:
        lw.err("E0204", M("E0204.no_prevailing"), lw.head(node), M("E0204.no_prevailing_hint", lang=lw.langs[0]))


@statement("prevailing", pass_="declare", single=True)
def lower_prevailing(lw: Lowering, node: ast.Node | None) -> None:
    if node is None:
        return
    name = node.lit(ast.Name)
    lw.out["prevailing_span"] = lw.span(node.span)
    if name.value == "none":  # both texts equally authentic
        lw.prevailing = None
        return
    if name.value not in lw.langs:
        lw.err(
            "E0303",
            M("E0303.undeclared", lang=name.value, langs=list(lw.langs)),
            name.span,
            M("E0303.hint", lang=lw.langs[0]),
        )
    else:
        lw.prevailing = name.value


@statement("kind", pass_="declare", single=True)
def lower_kind(lw: Lowering, node: ast.Node | None) -> None:
    if node is not None:
        lw.out["kind"] = node.keyword("CONTRACT_KIND").value
        lw.out["kind_written"] = True


@statement("title", pass_="declare", single=True)
def lower_title(lw: Lowering, node: ast.Node | None) -> None:
    lw.out["title"] = lw.guarded(v.text, lw, node.lit(ast.Text)) if node is not None else None


@statement("effective", pass_="declare", single=True)
def lower_effective(lw: Lowering, node: ast.Node | None) -> None:
    lw.out["effective_start"] = lw.out["effective_end"] = None
    if node is None:
        return
    a, b = node.lits(ast.DateLit)
    if a.value and b.value and not a.value < b.value:
        msg = M("E0601.backwards", start=a.raw, end=b.raw) if b.value < a.value else M("E0601.same_day")
        lw.err("E0601", msg, Span(a.span.start, b.span.end), M("E0601.hint"))
        return
    if a.value and b.value and (b.value - a.value).days + 1 > MAX_TERM_DAYS:
        # The rule file refuses a longer period (ruleschema.MAX_SPAN_DAYS): check says so, not build.
        lw.err(
            "E0601",
            M("E0601.too_long", days=(b.value - a.value).days + 1, limit=MAX_TERM_DAYS),
            Span(a.span.start, b.span.end),
            M("E0601.too_long_hint"),
        )
        return
    lw.out["effective_start"], lw.out["effective_end"] = a.value, b.value


MAX_TERM_DAYS = 100 * 366  # = ruleschema.MAX_SPAN_DAYS (tests/test_hygiene.py checks they agree)


_NOT_ZONES = frozenset(
    {
        "localtime",
        "posixrules",
        "Factory",
        "leap-seconds.list",
        "leapseconds",
        "tzdata.zi",
        "zone.tab",
        "zone1970.tab",
        "iso3166.tab",
        "SECURITY",
    }
)
_MAX_NAME = 200  # no IANA zone name is longer; a longer one gets no did-you-mean search


def _covered_years(sets: list[str], start: dt.date | None, end: dt.date | None, supplied: set[int]) -> range | None:
    """The years the rule file expands a calendar for (as slalang/rules does,
    from the holidays package itself), or None without an effective period."""
    if start is None or end is None:
        return None
    from slalang import holidaysets

    return holidaysets.covered_years(sets, start.year, end.year, sorted(supplied), fresh=True)


@statement("timezone", pass_="declare", single=True)
def lower_timezone(lw: Lowering, node: ast.Node | None) -> None:
    lw.out["timezone"] = None
    if node is None:
        return
    lw.out["timezone"] = timezone_name(lw, node.lit(ast.Str))
    lw.out["timezone_span"] = lw.span(node.span)


def timezone_name(lw: Lowering, s: ast.Str) -> str | None:
    """An IANA timezone name (the contract's or a calendar's), or None with E0602."""
    name = s.value
    import zoneinfo

    # Only region/city names: not the build machine's own zone (`localtime`),
    # tzdata's internal files, or its posix/right mirrors.
    ok = (
        bool(name)
        and len(name) <= _MAX_NAME
        and not name.startswith(("/", ".", "posix/", "right/"))
        and ".." not in name
        and name not in _NOT_ZONES
    )
    if ok:
        try:
            zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
            ok = False
    if not ok:
        guess = None
        if len(name) <= _MAX_NAME:
            zones = sorted(
                z
                for z in zoneinfo.available_timezones()
                if "/" in z and z != name and not z.startswith(("posix/", "right/"))
            )
            guess = did_you_mean(name, zones)
        lw.err(
            "E0602",
            M("E0602.unknown", name=name if len(name) <= _MAX_NAME else name[:40] + "…"),
            s.span,
            M("hint.did_you_mean", guess=guess) if guess else M("E0602.hint"),
        )
        return None
    return name


@statement("currency", pass_="declare", single=True)
def lower_currency(lw: Lowering, node: ast.Node | None) -> None:
    lw.out["currency"] = None
    if node is None:
        return
    name = node.lit(ast.Name)
    codes = legal_tender()
    if name.value not in codes:
        guess = "CNY" if name.value.upper() in ("RMB", "YUAN") else did_you_mean(name.value, sorted(codes))
        lw.err(
            "E0603",
            M("E0603.unknown", name=name.value),
            name.span,
            M("hint.did_you_mean", guess=guess) if guess else M("E0603.hint"),
        )
        return
    lw.out["currency"] = name.value


@functools.cache
def legal_tender() -> frozenset[str]:
    """ISO 4217 codes that are legal tender somewhere today (not DEM, not
    CNH, not XAU), from Babel's data, read each run: a cached copy in the
    user's folder saved no measurable time and let a file outside the project
    decide which currencies a contract may name (docs/security.md)."""
    from babel.core import get_global

    return frozenset(
        c
        for entries in get_global("territory_currencies").values()
        for c, _start, end, tender in entries
        if end is None and tender
    )


# ---------------------------------------------------------------- parties
def party(lw: Lowering, node: ast.Node | None) -> model.Party | None:
    if node is None:
        return None
    name = lw.guarded(v.text, lw, node.lit(ast.Text))
    body = node.first("party_body")
    creds: list[model.Text] = []
    fields: dict[str, model.Text | None] = {}
    if body is not None:
        for c in body.nodes("credential"):
            t = lw.guarded(v.text, lw, c.lit(ast.Text), True)
            if t:
                creds.append(t)
        for kind, n in lw.singles(body, ("address", "contact"), M("where.party")).items():
            fields[kind] = lw.guarded(v.text, lw, n.lit(ast.Text), kind == "contact")
    if name is None:
        return None
    return new(model.Party, name=name, credentials=tuple(creds), span=lw.span(node.span), **fields)


_PARTY_PARTS = ("party_body", "credential", "address", "contact")


@statement("provider", pass_="declare", single=True, handles=_PARTY_PARTS)
def lower_provider(lw: Lowering, node: ast.Node | None) -> None:
    lw.out["provider"] = party(lw, node)


@statement("customer", pass_="declare", single=True, handles=_PARTY_PARTS)
def lower_customer(lw: Lowering, node: ast.Node | None) -> None:
    lw.out["customer"] = party(lw, node)


# ---------------------------------------------------------------- scope
@statement("scope", pass_="declare", single=True, handles=("region", "product", "fee", "service", "plan", "flag"))
def lower_scope(lw: Lowering, node: ast.Node | None) -> None:
    currency = lw.out.get("currency")
    if node is None:
        lw.out["scope"] = new(model.Scope)
        return
    regions, products, services, plans, flags = [], [], [], [], []
    spans: dict[tuple[str, str], Span] = {}
    taken: dict[str, tuple[str, Span]] = {}  # one name, one meaning, across every kind of the scope
    for c in node.nodes():
        name = c.lit(ast.Name)
        key = (c.kind, name.value)
        if key in spans:
            lw.duplicate(c.kind, name.value, name.span, spans[key])
            continue
        spans[key] = name.span
        if c.kind in ("region", "plan") and reserved(lw, c.kind, name):
            continue
        if c.kind == "flag" and name.value in TICKET_COLUMNS:
            lw.err(
                "E0206",
                M("E0206.reserved", name=name.value, what=T("diag.what.flag")),
                name.span,
                M("E0206.column_hint", name=name.value),
            )
            lw.flags[name.value] = None  # reported: its rows are not reported again
            continue
        other = taken.get(name.value)
        if other is not None:
            lw.err(
                "E0202",
                M("E0202.taken", name=name.value, what=T(f"diag.what.{c.kind}"), other=T(f"diag.what.{other[0]}")),
                name.span,
                M("E0202.taken_hint"),
                [Label(other[1], M("label.first_declared"))],
            )
            continue
        taken[name.value] = (c.kind, name.span)
        title = lw.guarded(v.text, lw, c.lit(ast.Text))
        if c.kind == "region":
            lw.region_spans[name.value] = name.span
        if title is None:
            # still declared, so later uses of the name are not reported too
            if c.kind == "region":
                lw.regions[name.value] = None
            elif c.kind == "product":
                lw.products[name.value] = None
            elif c.kind == "plan":
                lw.plans[name.value] = None
            elif c.kind == "flag":
                lw.flags[name.value] = None
            continue
        where = lw.span(c.span)
        if c.kind == "region":
            r = new(model.Region, name=name.value, title=title, span=where)
            regions.append(r)
            lw.regions[name.value] = r
        elif c.kind == "plan":
            pl = new(model.Plan, name=name.value, title=title, span=where)
            plans.append(pl)
            lw.plans[name.value] = pl
        elif c.kind == "flag":
            fl = new(model.Flag, name=name.value, title=title, span=where)
            flags.append(fl)
            lw.flags[name.value] = fl
        elif c.kind == "service":
            services.append(new(model.Service, name=name.value, title=title, span=where))
        else:
            money, period = product_fee(lw, c.first("fee"), currency)
            p = new(model.Product, name=name.value, title=title, fee=money, fee_period=period, span=where)
            products.append(p)
            lw.products[name.value] = p
    lw.out["scope"] = new(
        model.Scope,
        regions=tuple(regions),
        products=tuple(products),
        services=tuple(services),
        plans=tuple(plans),
        flags=tuple(flags),
        span=lw.span(node.span),
    )


def product_fee(lw: Lowering, fee: ast.Node | None, currency: str | None) -> tuple[model.Money | None, str | None]:
    if fee is None:
        return None, None
    num = fee.lit(ast.NumberLit)
    period = fee.must("period").keyword("PERIOD")
    if period.value != "month":
        lw.err("E0504", M("E0504.fee_period"), period.span, M("E0504.fee_period_hint"))
        return None, None
    if num.value <= 0 or num.value.as_tuple().exponent < -2:
        lw.err("E0504", M("E0504.fee", raw=num.raw), num.span, M("E0504.fee_hint"))
        return None, None
    # without a valid currency the contract has an error and is not built
    return (new(model.Money, amount=num.value, currency=currency) if currency else None), "month"


# ---------------------------------------------------------------- calendars
@statement(
    "calendar",
    pass_="declare",
    handles=(
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
)
def lower_calendars(lw: Lowering, nodes: list[ast.Node]) -> None:
    out = []
    for n in nodes:
        cal = lw.guarded(calendar, lw, n)
        if cal is not None:
            out.append(cal)
    lw.out["calendars"] = tuple(out)


def calendar(lw: Lowering, node: ast.Node) -> model.Calendar | None:
    name = node.lit(ast.Name)
    if name.value in lw.calendar_spans:
        lw.duplicate("calendar", name.value, name.span, lw.calendar_spans[name.value])
        return None
    if reserved(lw, "calendar", name):
        return None
    if name.value in lw.region_spans:  # reported; the calendar itself is still lowered
        lw.err(
            "E0202",
            M("E0202.region_and_calendar", name=name.value),
            name.span,
            M("E0202.region_and_calendar_hint"),
            [Label(lw.region_spans[name.value], M("label.the_region"))],
        )
    if name.value in lw.plans or name.value in lw.flags:
        lw.err(
            "E0202",
            M("E0202.plan_and_calendar", name=name.value),
            name.span,
            M("E0202.plan_and_calendar_hint"),
        )
    lw.calendar_spans[name.value] = name.span
    title = lw.guarded(v.text, lw, node.lit(ast.Text))
    regional = list(node.nodes("calendar_region"))
    if not regional:
        cal = calendar_body(lw, node, name.value, title, None)
    else:
        cal = regional_calendar(lw, node, name.value, title, regional)
    if cal is not None:
        lw.calendars[name.value] = cal
    return cal


def regional_calendar(
    lw: Lowering, node: ast.Node, name: str, title: model.Text | None, regional: list[ast.Node]
) -> model.Calendar | None:
    """A calendar with one variant per region (`region NAME { … }`): the
    ticket's region chooses it. It has no hours of its own."""
    own = [c for c in node.nodes() if c.kind != "calendar_region"]
    if own:
        lw.err("E0612", M("E0612.mixed", name=name), lw.head(own[0]), M("E0612.mixed_hint"))
        return None
    variants: list[model.Calendar] = []
    seen: dict[str, Span] = {}
    ok = True
    for vn in regional:
        rn = vn.lit(ast.Name)
        if rn.value not in lw.regions:
            lw.unknown("region", rn, lw.regions)
            ok = False
            continue
        if rn.value in seen:
            lw.duplicate("region", rn.value, rn.span, seen[rn.value])
            ok = False
            continue
        seen[rn.value] = rn.span
        nested = vn.first("calendar_region")
        if nested is not None:
            lw.err("E0612", M("E0612.nested"), lw.head(nested), M("E0612.nested_hint"))
            ok = False
            continue
        body = lw.guarded(calendar_body, lw, vn, name, title, rn.value)
        if body is None:
            ok = False
        else:
            variants.append(body)
    missing = [r for r in lw.regions if r not in seen]
    if ok and missing:
        block = f"region {missing[0]} {{ hours mon..fri 09:00-18:00 }}"
        lw.err(
            "E0612",
            M("E0612.missing", name=name, region=missing[0]),
            lw.head(node),
            M("E0612.missing_hint", block=block),
        )
        ok = False
    if not ok or title is None:
        return None
    order = {r: i for i, r in enumerate(lw.regions)}
    variants.sort(key=lambda c: order[c.region or ""])
    return new(model.Calendar, name=name, title=title, hours=(), variants=tuple(variants), span=lw.span(node.span))


def calendar_body(
    lw: Lowering, node: ast.Node, name_: str, title: model.Text | None, region: str | None
) -> model.Calendar | None:
    """The hours, holidays, schedules and timezone of a calendar, or of one
    regional variant (`node` is then the `region NAME { … }` block)."""
    start, end = lw.out.get("effective_start"), lw.out.get("effective_end")
    tz = None
    tz_node = lw.singles(node, ("calendar_timezone",), M("where.calendar", name=name_)).get("calendar_timezone")
    ok = True
    if tz_node is not None:
        tz = timezone_name(lw, tz_node.lit(ast.Str))
        ok = tz is not None
    taken: dict[int, list[tuple[int, int, Span]]] = {}
    windows: list[model.WeeklyWindow] = []
    for h in node.nodes("hours"):
        try:
            days = v.weekdays(lw, h.must("days"))
            ranges = [(r, *v.time_range(lw, r)) for r in h.nodes("time_range")]
            windows += v.windows(lw, days, ranges, taken)
        except Abort:
            ok = False
    if ok and not windows:
        lw.err("E0607", M("E0607.no_hours", name=name_), lw.head(node), M("E0607.hint"))
        ok = False
    schedules = lw.guarded(supplied_schedules, lw, node)
    if schedules is None:
        ok, schedules = False, []
    sets: list[str] = []
    supplied = {sc.year for sc in schedules}
    for hs in node.nodes("holiday_set"):
        code = ast.Name(ast.holiday_set_written(hs), Span(hs.lit(ast.Name).span.start, hs.span.end))
        if not holiday_set(lw, code, start, end, supplied):
            ok = False
        elif holiday_set_name(code.value) not in sets:
            sets.append(holiday_set_name(code.value))
    if schedules and not list(node.nodes("holiday_set")):
        first = next(iter(node.nodes("schedule")))
        lw.err("E0610", M("E0610.no_set"), lw.head(first), M("E0610.no_set_hint"))
        ok = False
    if ok and sets and schedules:
        for sc, sc_node in zip(schedules, node.nodes("schedule")):
            for set_name in sets:
                schedule_against_package(lw, set_name, sc, sc_node)
    holidays_: list[model.DatedNote] = []
    workdays: list[model.DatedNote] = []
    dated: dict[dt.date, tuple[str, Span]] = {}
    covered: list[range | None] = []  # computed on the first date outside the term (it may import holidays)
    for kind, bucket in (("extra_holiday", holidays_), ("extra_workday", workdays)):
        for n in node.nodes(kind):
            d = n.lit(ast.DateLit)
            if d.value is None:
                ok = False
                continue
            if d.value in dated:
                prev_kind, prev_span = dated[d.value]
                if prev_kind == kind:
                    lw.duplicate("date", d.raw, d.span, prev_span)
                else:
                    lw.err(
                        "E0609",
                        M("E0609.both", date=d.raw),
                        d.span,
                        M("E0609.hint"),
                        [Label(prev_span, M("label.also_given"))],
                    )
                ok = False
                continue
            dated[d.value] = (kind, d.span)
            if start and end and not (start <= d.value <= end):
                lw.err("W0608", M("W0608.outside", date=d.raw, start=start, end=end), d.span, M("W0608.hint"))
                if ok and not covered:
                    covered.append(_covered_years(sets, start, end, supplied))
                if ok and covered[0] is not None and d.value.year not in covered[0]:
                    continue  # no day of the rule file's calendar: it changes nothing, and the file could not hold it
            t = n.lit(ast.Text)
            note = lw.guarded(v.text, lw, t) if t is not None else None
            bucket.append(new(model.DatedNote, date=d.value, note=note, span=lw.span(n.span)))
    if not ok or title is None:
        return None
    return new(
        model.Calendar,
        name=name_,
        title=title,
        hours=tuple(v.merge(windows)),
        holiday_sets=tuple(sets),
        extra_holidays=tuple(sorted(holidays_, key=lambda x: x.date)),
        extra_workdays=tuple(sorted(workdays, key=lambda x: x.date)),
        schedules=tuple(sorted(schedules, key=lambda x: x.year)),
        timezone=tz,
        region=region,
        span=lw.span(node.span),
    )


_MAX_RANGE_DAYS = 31  # a holiday break is days, not months


def supplied_schedules(lw: Lowering, node: ast.Node) -> list[model.Schedule]:
    """The `year YYYY "<notice>" { holiday …  workday … }` blocks of a calendar."""
    out: list[model.Schedule] = []
    seen: dict[int, Span] = {}
    for sc in node.nodes("schedule"):
        num = sc.lit(ast.NumberLit)
        year = v.integer(lw, num, subject("schedule_year"))
        if not 1900 <= year <= 2200:
            lw.err("E0610", M("E0610.year", raw=num.raw), num.span, M("E0610.year_hint"))
            raise Abort
        if year in seen:
            lw.err(
                "E0202",
                M("E0202.schedule_twice", year=year),
                num.span,
                M("E0202.hint"),
                [Label(seen[year], M("label.first_given"))],
            )
            raise Abort
        seen[year] = num.span
        source = v.text(lw, sc.lit(ast.Text))
        days: dict[dt.date, tuple[str, Span]] = {}
        holidays_: list[model.DatedNote] = []
        workdays: list[model.DatedNote] = []
        for item in sc.nodes():
            lits = item.lits(ast.DateLit)
            if any(d.value is None for d in lits):
                raise Abort  # an impossible date is reported already
            first, last = lits[0], lits[-1]
            if last.value < first.value or (last.value - first.value).days >= _MAX_RANGE_DAYS:
                lw.err("E0610", M("E0610.range", first=first.raw, last=last.raw), last.span, M("E0610.range_hint"))
                raise Abort
            for d in lits:
                if d.value.year != year:
                    lw.err("E0610", M("E0610.other_year", date=d.raw, year=year), d.span, M("E0610.other_year_hint"))
                    raise Abort
            t = item.lit(ast.Text)
            note = v.text(lw, t) if t is not None else None
            kind = item.kind
            day = first.value
            while day <= last.value:
                if day in days:
                    prev_kind, prev_span = days[day]
                    if prev_kind == kind:
                        lw.duplicate("date", day.isoformat(), first.span, prev_span)
                    else:
                        lw.err(
                            "E0609",
                            M("E0609.both", date=day.isoformat()),
                            first.span,
                            M("E0609.hint"),
                            [Label(prev_span, M("label.also_given"))],
                        )
                    raise Abort
                days[day] = (kind, first.span)
                bucket = holidays_ if kind == "schedule_holiday" else workdays
                bucket.append(new(model.DatedNote, date=day, note=note, span=lw.span(item.span)))
                day += dt.timedelta(days=1)
        out.append(
            new(
                model.Schedule,
                year=year,
                source=source,
                holidays=tuple(sorted(holidays_, key=lambda x: x.date)),
                workdays=tuple(sorted(workdays, key=lambda x: x.date)),
                span=lw.span(sc.span),
            )
        )
    return out


def schedule_against_package(lw: Lowering, code: str, sc: model.Schedule, node: ast.Node) -> None:
    """When the holidays package has data for a supplied year, the two must
    agree: a difference is a warning naming the first dates (the contract's
    schedule is what applies)."""
    from slalang import holidaysets

    got = holidaysets.published(code, sc.year)
    if got is None:
        return
    off, make_up = got
    mine_off = {d.date for d in sc.holidays}
    mine_on = {d.date for d in sc.workdays}
    differ = sorted((off ^ mine_off) | (make_up ^ mine_on))
    if differ:
        lw.err(
            "W0611",
            M(
                "W0611.differs",
                year=sc.year,
                name=code,
                dates=[d.isoformat() for d in differ[:6]] + (["…"] if len(differ) > 6 else []),
            ),
            lw.head(node),
            M("W0611.hint", name=code, year=sc.year),
        )


def holiday_set(
    lw: Lowering,
    code: ast.Name,
    start: dt.date | None,
    end: dt.date | None,
    supplied: frozenset[int] | set[int] = frozenset(),
) -> bool:
    from slalang import holidaysets

    cov = holidaysets.coverage(code.value)
    if cov is None:
        try:
            known = holidaysets.known_sets()
        except ImportError:
            known = []
        country, subdiv = holidaysets.split_code(code.value)
        if subdiv is not None and country.lower() in known:
            # A known country, an unknown subdivision: name the ones it has.
            subs = holidaysets.subdivisions(country)
            guess = did_you_mean(holiday_set_name(code.value), subs)
            lw.err(
                "E0605",
                M("E0605.unknown_subdivision", name=code.value, country=country.lower()),
                code.span,
                M("hint.did_you_mean", guess=guess)
                if guess
                else M("E0605.subdivisions", names=names(subs, 12))
                if subs
                else M("E0605.no_subdivisions", country=country.lower()),
            )
            return False
        guess = did_you_mean(holiday_set_name(code.value), [k for k in known if len(k) == 2])
        lw.err(
            "E0605",
            M("E0605.unknown", name=code.value),
            code.span,
            M("hint.did_you_mean", guess=guess) if guess else M("E0605.hint"),
        )
        return False
    if start and end:
        missing = [
            y for y in range(start.year, end.year + 1) if not cov.first_year <= y <= cov.last_year and y not in supplied
        ]
        if missing:
            lw.err(
                "E0604",
                M(
                    "E0604.not_covered",
                    name=code.value,
                    years=[str(y) for y in missing],
                    source=cov.source,
                    first=cov.first_year,
                    last=cov.last_year,
                ),
                code.span,
                M("E0604.hint", last=cov.last_year, block=M("E0604.block", year=str(missing[0]))),
            )
            return False
    return True


# ---------------------------------------------------------------- priorities
@statement("priority", pass_="declare", handles=("priority_body",))
def lower_priorities(lw: Lowering, nodes: list[ast.Node]) -> None:
    out = []
    spans = lw.priority_spans
    for node in nodes:
        name = node.lit(ast.Name)
        if name.value in spans:
            lw.duplicate("priority", name.value, name.span, spans[name.value])
            continue
        if reserved(lw, "priority", name):
            continue
        spans[name.value] = name.span
        title = lw.guarded(v.text, lw, node.lit(ast.Text))
        body = node.first("priority_body")
        defs = [lw.guarded(v.text, lw, t) for t in (body.lits(ast.Text) if body else [])]
        if title is None or None in defs:
            continue
        p = new(
            model.Priority,
            name=name.value,
            rank=len(spans) - 1,
            title=title,
            definitions=tuple(defs),
            span=lw.span(node.span),
        )
        lw.priorities[name.value] = p
        out.append(p)
    lw.out["priorities"] = tuple(out)
