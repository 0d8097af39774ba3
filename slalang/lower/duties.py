"""Continuity, security, recurring duties and service targets (issue 13).

`continuity` and `security` are sections with their own statements and
duties; a `duty` may also stand at top level or inside `reporting`. Every
duty, wherever written, is lowered here, in one pass after the sections, so
their names share one namespace (with the service targets, and `audit` when
`reporting` has one: the rule file tracks it as a duty of that name)."""

from __future__ import annotations

from slalang import ast, model
from slalang.cadence import MAX_TIMES, periods, singular
from slalang.diagnostics import Label
from slalang.i18n import T
from slalang.lower import statements  # noqa: F401  (`reporting` registers, so lowers, before the duties that read its audit)
from slalang.lower import values as v
from slalang.lower.registry import statement
from slalang.lower.state import Abort, Lowering, M, new
from slalang.lower.values import subject
from slalang.source import Span

_SECTIONS = {"continuity": "continuity", "security": "security", "reporting": "reporting"}


@statement("version_label", pass_="declare", single=True)
def lower_version_label(lw: Lowering, node: ast.Node | None) -> None:
    lw.out["version_label"] = None
    if node is None:
        return
    lw.out["version_label"] = lw.guarded(v.text, lw, node.lit(ast.Text))
    lw.out["version_label_span"] = lw.span(node.span)


@statement("continuity", single=True, handles=("standby", "rto", "rpo"))
def lower_continuity(lw: Lowering, node: ast.Node | None) -> None:
    lw.out["continuity"] = None
    if node is None:
        return
    s = lw.singles(node, ("standby", "rto", "rpo"), M("where.continuity"))
    title = lw.guarded(v.text, lw, node.lit(ast.Text))
    fields: dict = {}
    if "standby" in s:
        fields["standby"] = lw.guarded(v.text, lw, s["standby"].lit(ast.Text))
    for kind in ("rto", "rpo"):
        if kind in s:
            d = s[kind].lit(ast.DurationLit)
            fields[kind] = lw.guarded(v.duration, lw, d, None, subject(kind), True)
            if fields[kind] is None:
                lw.failed.add(f"continuity.{kind}")
    if title is None:
        return
    lw.out["continuity"] = new(
        model.Continuity, title=title, span=lw.span(node.span), **{k: x for k, x in fields.items() if x is not None}
    )


@statement("security", single=True, handles=("standard", "encrypt", "access"))
def lower_security(lw: Lowering, node: ast.Node | None) -> None:
    lw.out["security"] = None
    if node is None:
        return
    title = lw.guarded(v.text, lw, node.lit(ast.Text))
    lists: dict[str, list[model.Text]] = {"standard": [], "encrypt": [], "access": []}
    for child in node.nodes():
        if child.kind in lists:
            # A standard's name is often the same in every language ("ISO/IEC 27001:2022").
            t = lw.guarded(v.text, lw, child.lit(ast.Text), child.kind == "standard")
            if t is not None:
                lists[child.kind].append(t)
    if title is None:
        return
    lw.out["security"] = new(
        model.Security,
        title=title,
        standards=tuple(lists["standard"]),
        encrypted=tuple(lists["encrypt"]),
        access=tuple(lists["access"]),
        span=lw.span(node.span),
    )


def _duty_nodes(lw: Lowering, top: list[ast.Node]) -> list[tuple[ast.Node, str]]:
    """Every duty of the contract with its section, in source order."""
    found = [(n, "general") for n in top]
    for section in lw.root.nodes():
        if section.kind in _SECTIONS:
            found += [(n, _SECTIONS[section.kind]) for n in section.nodes("duty")]
    return sorted(found, key=lambda p: p[0].span.start)


def _cadence(lw: Lowering, node: ast.Node, name: str) -> model.Cadence | None:
    every, times = node.first("every_cadence"), node.first("times_cadence")
    if every is not None:
        count = v.span_count(
            lw, every.lit(ast.NumberLit), every.keyword("CALENDAR_UNIT"), subject("duty_cadence", duty=name)
        )
        unit = singular(every.keyword("CALENDAR_UNIT").value)
        return new(model.Cadence, kind="every", count=count, unit=unit, span=lw.span(every.span))
    if times is not None:
        n = times.lit(ast.NumberLit)
        count = v.integer(lw, n, subject("duty_times", duty=name))
        period = times.must("period").keyword("PERIOD").value
        if count > MAX_TIMES[period]:
            lw.err(
                "E0801",
                M("E0801.too_many", name=name, count=count, period=T(f"diag.period.{period}"), most=MAX_TIMES[period]),
                n.span,
                M("E0801.too_many_hint", period=T(f"diag.period.{period}"), most=MAX_TIMES[period]),
            )
            raise Abort
        return new(model.Cadence, kind="times", count=count, period=period, span=lw.span(times.span))
    return None


def _performer(lw: Lowering, node: ast.Node) -> dict:
    p = node.first("performer")
    if p is None:
        return {}
    word = next((c for c in p.children if isinstance(c, ast.Keyword)), None)
    if word is not None:
        return {"performer": word.value, "performer_written": True}
    title = v.text(lw, p.lit(ast.Text))
    return {"performer": "named", "performer_title": title, "performer_written": True}


def _duty(lw: Lowering, node: ast.Node, section: str) -> model.Duty | None:
    name = node.lit(ast.Name).value
    title = lw.guarded(v.text, lw, node.lit(ast.Text))
    try:
        cadence = _cadence(lw, node, name)
        fields = _performer(lw, node)
    except Abort:
        return None
    body = node.first("duty_body")
    if body is not None:
        s = lw.singles(body, ("evidence", "due_calendar"), M("where.duty", name=name))
        if "evidence" in s:
            fields["evidence"] = lw.guarded(v.text, lw, s["evidence"].lit(ast.Text))
            if fields["evidence"] is None:
                return None
        if "due_calendar" in s:
            cal = s["due_calendar"].lit(ast.Name)
            if cal.value not in lw.calendars:
                lw.unknown("calendar", cal, lw.calendars)
                return None
            found = lw.calendars[cal.value]
            if found is not None and found.variants:
                # One due date for the duty: a regional calendar has one per region.
                lw.err("E0612", M("E0612.duty_regional", name=cal.value), cal.span, M("E0612.duty_regional_hint"))
                return None
            fields["calendar"] = cal.value
    if title is None:
        return None
    duty = new(model.Duty, name=name, title=title, section=section, cadence=cadence, span=lw.span(node.span), **fields)
    _warn_cut(lw, duty, node)
    return duty


def _warn_cut(lw: Lowering, duty: model.Duty, node: ast.Node) -> None:
    """W0802: the term starts or ends inside one of the duty's periods."""
    start, end = lw.out.get("effective_start"), lw.out.get("effective_end")
    c = duty.cadence
    if start is None or end is None or c is None:
        return
    cut = [p for p in periods(start, end, c.kind, c.count, c.unit, c.period) if p.cut]
    if not cut:
        return
    span = node.first("every_cadence") or node.first("times_cadence")
    assert span is not None
    first = cut[0]
    lw.err(
        "W0802",
        M("W0802.cut", name=duty.name, start=first.start.isoformat(), end=first.end.isoformat()),
        span.span,
        M("W0802.hint"),
    )


@statement("duty", handles=("every_cadence", "times_cadence", "performer", "duty_body", "evidence", "due_calendar"))
def lower_duties(lw: Lowering, top: list[ast.Node]) -> None:
    seen: dict[str, Span] = {}
    reporting = lw.out.get("reporting")
    if reporting is not None and reporting.audit is not None:
        audit = next(n for s in lw.root.nodes("reporting") for n in s.nodes("audit"))
        seen["audit"] = lw.head(audit)
    out: list[model.Duty] = []
    for node, section in _duty_nodes(lw, top):
        name = node.lit(ast.Name)
        if name.value in seen:
            lw.duplicate("duty", name.value, name.span, seen[name.value])
            continue
        seen[name.value] = name.span
        duty = _duty(lw, node, section)
        if duty is not None:
            out.append(duty)
    lw.out["duties"] = tuple(out)
    lw.duty_names = seen


@statement("target", handles=("target_body", "method"))
def lower_targets(lw: Lowering, nodes: list[ast.Node]) -> None:
    seen: dict[str, Span] = dict(lw.duty_names)
    out: list[model.ServiceTarget] = []
    for node in nodes:
        name = node.lit(ast.Name)
        if name.value in seen:
            lw.duplicate("duty", name.value, name.span, seen[name.value])
            continue
        seen[name.value] = name.span
        title = lw.guarded(v.text, lw, node.lit(ast.Text))
        bound = "at_least" if node.keyword("BOUND").value == "least" else "at_most"
        pct = node.lit(ast.PercentLit)
        if pct is not None:
            if pct.value > 100:
                lw.err("E0803", M("E0803.percent", name=name.value, raw=pct.raw), pct.span, M("E0803.percent_hint"))
                continue
            value, percent = pct.value, True
        else:
            value, percent = node.lit(ast.NumberLit).value, False
        period = node.must("period").keyword("PERIOD").value
        methods = [m for b in node.nodes("target_body") for m in b.nodes("method")]
        method = None
        if methods:
            if len(methods) > 1:
                lw.err(
                    "E0203",
                    M("E0203.twice", word="method", where=M("where.target", name=name.value)),
                    lw.head(methods[1]),
                    M("E0203.keep_one"),
                    [Label(lw.head(methods[0]), M("label.first_given"))],
                )
            method = lw.guarded(v.text, lw, methods[0].lit(ast.Text))
            if method is None:
                continue
        if title is None:
            continue
        out.append(
            new(
                model.ServiceTarget,
                name=name.value,
                title=title,
                bound=bound,
                value=value,
                percent=percent,
                period=period,
                method=method,
                span=lw.span(node.span),
            )
        )
    lw.out["service_targets"] = tuple(out)
