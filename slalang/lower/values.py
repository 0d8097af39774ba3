"""Value checks: one literal of the AST → one checked model value.

Texts (one string per declared language, in the right script), durations
(units, clocks, bounds), percentages, money amounts, whole numbers, calendar
spans, weekday lists and working hours. Each reports its own problem and
raises `Abort`; the statement that asked decides what else to do."""

from __future__ import annotations

from decimal import Decimal

from slalang import ast, durations, model
from slalang.diagnostics import Label
from slalang.i18n import T
from slalang.lower.state import Abort, Lowering, M, new
from slalang.source import Span
from slalang.terms import CALENDAR_UNITS, WEEKDAYS, has_han


def subject(name: str, **fields: object) -> object:
    """What a value is, in the message's words (`diag.subject.<name>`)."""
    from slalang.i18n import Msg

    return Msg(f"diag.subject.{name}", **fields)


def text(lw: Lowering, t: ast.Text, neutral_ok: bool = False, refs_ok: bool = False) -> model.Text:
    strings = t.strings
    for s in strings:
        if s.refs and not refs_ok:
            ref = s.refs[0]
            lw.err("E0703", M("E0703.outside", ref=ref.path), ref.span, M("E0703.hint"))
            continue
        lw.refs.extend(s.refs)
        if not s.value.strip():
            lw.err("E0305", M("E0305.empty"), s.span, M("E0305.hint"))
    langs = lw.langs
    if len(strings) == 1 and len(langs) > 1 and neutral_ok:
        strings = strings * len(langs)
    elif len(strings) != len(langs):
        if len(strings) < len(langs):
            example = " | ".join(f'"…{lang}…"' for lang in langs)
            lw.err(
                "E0301",
                M("E0301.missing", missing=list(langs[len(strings) :]), langs=list(langs)),
                t.span,
                M("E0301.missing_hint", example=example),
            )
        else:
            lw.err(
                "E0301",
                M("E0301.extra", count=len(strings), n=len(langs), langs=list(langs)),
                strings[len(langs)].span,
                M("E0301.extra_hint"),
            )
        strings = (strings + strings[-1:] * len(langs))[: len(langs)]
    elif len(langs) > 1 and "zh" in langs and "en" in langs:
        zh = strings[langs.index("zh")]
        en = strings[langs.index("en")]
        if not has_han(zh.value) and has_han(en.value):
            lw.err("W0304", M("W0304.swapped"), zh.span, M("W0304.hint", order=", ".join(langs)))
    values = {lang: s.value for lang, s in zip(langs, strings)}
    segments = {
        lang: tuple(
            new(model.Segment, text=seg) if isinstance(seg, str) else new(model.Segment, ref=seg.path)
            for seg in s.segments
        )
        for lang, s in zip(langs, strings)
    }
    return new(model.Text, values=values, segments=segments)


def duration(
    lw: Lowering, d: ast.DurationLit, clock_calendar: str | None, what: object, wall_only: bool = False
) -> model.Duration:
    clock = durations.clock_of(d.parts)
    if clock is None:
        lw.err("E0406", M("E0406.mixed", raw=d.raw), d.span, M("E0406.hint"))
        raise Abort
    if clock == "business" and wall_only:
        lw.err("E0405", M("E0405.wall_only", what=what, raw=d.raw), d.span, M("E0405.wall_only_hint"))
        raise Abort
    if clock == "business" and clock_calendar is None:
        lw.err("E0405", M("E0405.no_clock", what=what, raw=d.raw), d.span, M("E0405.no_clock_hint"))
        raise Abort
    days, seconds = durations.measures(d.parts)
    if seconds == 0 and days == 0:
        lw.err("E0407", M("E0407.zero", what=what, raw=d.raw), d.span, M("E0407.hint"))
        raise Abort
    if seconds > durations.MAX_WALL_SECONDS or days > durations.MAX_BUSINESS_DAYS:
        lw.err("E0107", M("E0107.too_long", raw=d.raw), d.span, M("E0107.too_long_hint"))
        raise Abort
    # A wall `d` is a calendar day (the same local time a day later): its count travels beside the elapsed seconds.
    calendar_days = sum(n for n, unit in d.parts if unit == "d") if clock == "wall" else 0
    return new(model.Duration, spelling=d.raw, clock=clock, seconds=seconds, days=days, calendar_days=calendar_days)


def target(lw: Lowering, d: ast.DurationLit, clock_calendar: str | None, metric: str) -> model.Duration:
    """A matrix cell: like `duration`, with the matrix's own hint for zero."""
    what = subject(f"{metric}_target")
    try:
        return duration(lw, d, clock_calendar, what)
    except Abort:
        last = lw.diags[-1]
        if last.code == "E0407":
            last.hint_text = M("E0407.target_hint")
        raise


def percent(
    lw: Lowering, p: ast.PercentLit, what: object, low: Decimal, high: Decimal, low_open: bool = True
) -> Decimal:
    bad = p.value > high or (p.value <= low if low_open else p.value < low)
    if bad:
        hint = M("E0501.above_hint" if low_open else "E0501.at_least_hint", low=low, high=high)
        lw.err("E0501", M("E0501.out_of_range", what=what, raw=p.raw), p.span, hint)
        raise Abort
    return p.value


def amount(lw: Lowering, node: ast.Node, what: object, currency: str | None) -> model.Amount:
    if node.kind == "percent_amount":
        p = node.lit(ast.PercentLit)
        value = percent(lw, p, what, Decimal(0), Decimal(100))
        base = next((k.value for k in node.lits(ast.Keyword) if k.terminal == "FEE_BASE"), None)
        return new(model.Amount, percent=value, base=base)  # a bare percentage: its statement gives the base
    num = node.lit(ast.NumberLit)
    cur = node.lit(ast.Name)
    if currency is not None and cur.value != currency:
        lw.err(
            "E0504",
            M("E0504.currency", what=what, found=cur.value, currency=currency),
            cur.span,
            M("E0504.currency_hint", raw=num.raw, currency=currency),
        )
        raise Abort
    if num.value <= 0 or num.value.as_tuple().exponent < -2:
        lw.err("E0504", M("E0504.amount", what=what, raw=num.raw), num.span, M("E0504.amount_hint", currency=cur.value))
        raise Abort
    return new(model.Amount, money=new(model.Money, amount=num.value, currency=cur.value))


def amount_of(lw: Lowering, node: ast.Node, what: object, currency: str | None) -> model.Amount:
    """The amount inside a statement (`cap 30%`, `…: 5% of monthly_fee`)."""
    inner = node.first("percent_amount") or node.first("money_amount")
    assert inner is not None
    return amount(lw, inner, what, currency)


def integer(lw: Lowering, n: ast.NumberLit, what: object) -> int:
    if n.value != n.value.to_integral_value() or n.value <= 0:
        lw.err("E0108", M("E0108.not_whole", what=what, raw=n.raw), n.span, M("E0108.hint"))
        raise Abort
    return int(n.value)


# A calendar span (a retention, a claim window, an audit or duty cadence) is
# at most a century, and its count at most what a rule file holds
# (ruleschema.MAX_COUNT, 10,000): its dates stay inside the years slalang
# computes with.
MAX_SPAN = {"day": 10_000, "week": 5_200, "month": 1_200, "year": 100}


def calendar_span(lw: Lowering, n: ast.NumberLit, unit: ast.Keyword, what: object) -> model.CalendarSpan:
    return new(model.CalendarSpan, count=span_count(lw, n, unit, what), unit=CALENDAR_UNITS[unit.value])


def span_count(lw: Lowering, n: ast.NumberLit, unit: ast.Keyword, what: object) -> int:
    """The N of `N days|weeks|months|years`: a positive whole number, at most
    a century of the unit and at most 10,000 (E0108)."""
    count = integer(lw, n, what)
    most = MAX_SPAN[CALENDAR_UNITS[unit.value]]
    if count > most:
        lw.err(
            "E0108",
            M("E0108.span_too_long", what=what, raw=f"{n.raw} {unit.value}"),
            n.span,
            M("E0108.span_too_long_hint", most=most, unit=unit.value),
        )
        raise Abort
    return count


# ---------------------------------------------------------------- weekly hours
def weekdays(lw: Lowering, days: ast.Node) -> list[int]:
    out: list[int] = []
    for span_node in days.nodes("day_span"):
        kws = span_node.lits(ast.Keyword)
        a, b = kws[0].value, kws[-1].value
        first, last = WEEKDAYS.index(a), WEEKDAYS.index(b)
        if last < first:
            hint = M("E0606.backwards_hint_mon", a=a) if b == "mon" else M("E0606.backwards_hint", a=a, b=b)
            lw.err("E0606", M("E0606.backwards", a=a, b=b), span_node.span, hint)
            raise Abort
        for d in range(first, last + 1):
            if d in out:
                lw.err("E0606", M("E0606.day_twice", day=WEEKDAYS[d]), span_node.span, M("E0606.day_twice_hint"))
                raise Abort
            out.append(d)
    return out


def time_range(lw: Lowering, node: ast.Node) -> tuple[int, int]:
    a, b = node.lits(ast.TimeLit)
    if a.minutes is None or b.minutes is None:
        raise Abort  # already reported by the parser
    if a.minutes >= b.minutes:
        lw.err("E0606", M("E0606.range", a=a.raw, b=b.raw), node.span, M("E0606.range_hint"))
        raise Abort
    return a.minutes, b.minutes


def windows(
    lw: Lowering,
    day_list: list[int],
    ranges: list[tuple[ast.Node, int, int]],
    taken: dict[int, list[tuple[int, int, Span]]],
) -> list[model.WeeklyWindow]:
    out = []
    for day in day_list:
        for node, a, b in ranges:
            for x, y, other in taken.get(day, []):
                if a < y and x < b:
                    lw.err(
                        "E0606",
                        M("E0606.overlap", day=T(f"diag.weekday.{WEEKDAYS[day]}")),
                        node.span,
                        M("E0606.overlap_hint"),
                        [Label(other, M("label.overlaps"))],
                    )
                    raise Abort
            taken.setdefault(day, []).append((a, b, node.span))
            out.append(new(model.WeeklyWindow, weekday=day, start_minute=a, end_minute=b))
    return out


def merge(windows_: list[model.WeeklyWindow]) -> list[model.WeeklyWindow]:
    """Sorted windows with touching neighbours on one day joined."""
    out: list[model.WeeklyWindow] = []
    for w in sorted(windows_, key=lambda w: (w.weekday, w.start_minute)):
        if out and out[-1].weekday == w.weekday and out[-1].end_minute == w.start_minute:
            prev = out.pop()
            w = new(model.WeeklyWindow, weekday=w.weekday, start_minute=prev.start_minute, end_minute=w.end_minute)
        out.append(w)
    return out
