"""The `lower` pass: one function per statement kind, registered by name
(slalang/lower/registry.py). Matrices, progress updates, follow-up,
availability, warnings, credit ladders and the credit policy, exclusions,
reporting, disputes and clauses. Each reads its own nodes, reports its own
problems and stores its model in `lw.out`."""

from __future__ import annotations

import datetime as dt
import typing
from decimal import Decimal

from slalang import ast, model
from slalang.diagnostics import Label
from slalang.i18n import T
from slalang.lower import values as v
from slalang.lower.registry import statement
from slalang.lower.state import Abort, Lowering, M, names, new
from slalang.lower.values import subject
from slalang.source import Span
from slalang.terms import PERIOD_MONTHS, TICKET_COLUMNS, WEEKDAYS, hhmm

REPORT_METRICS = (
    "sla_attainment",
    "mttr",
    "availability",
    "breaches",
    "credits",
    "response_time",
    "resolution_time",
)


# ---------------------------------------------------------------- matrices
@statement(
    "matrix", handles=("clock", "columns", "column_ref", "row", "condition", "strict_cell", "clock_start", "confirm")
)
def lower_matrices(lw: Lowering, nodes: list[ast.Node]) -> None:
    for node in nodes:
        metric = node.keyword("METRIC").value
        if metric in lw.matrix_nodes:
            lw.err(
                "E0203",
                M("E0203.twice", word=metric, where=M("where.contract")),
                lw.head(node),
                M("E0203.one_matrix"),
                [Label(lw.head(lw.matrix_nodes[metric]), M("label.first_given"))],
            )
            continue
        lw.matrix_nodes[metric] = node
        m = lw.guarded(matrix, lw, node, metric)
        lw.out[metric] = m
        if m is None:
            lw.failed.add(metric)


def matrix(lw: Lowering, node: ast.Node, metric: str) -> model.Matrix | None:
    title = lw.guarded(v.text, lw, node.lit(ast.Text))
    singles = lw.singles(
        node, ("clock", "columns", "clock_start", "confirm"), M("where.matrix", metric=T(f"diag.metric.{metric}"))
    )
    confirm = lw.guarded(v.text, lw, singles["confirm"].lit(ast.Text)) if "confirm" in singles else None
    clock = None
    if "clock" in singles:
        cname = singles["clock"].lit(ast.Name)
        if cname.value not in lw.calendar_spans:
            lw.unknown("calendar", cname, lw.calendar_spans)
            raise Abort
        clock = cname.value
    if "columns" not in singles:
        lw.err(
            "E0204", M("E0204.no_columns", metric=T(f"diag.metric.{metric}")), lw.head(node), M("E0204.no_columns_hint")
        )
        raise Abort
    columns = matrix_columns(lw, singles["columns"])
    start, start_title = clock_start(lw, singles.get("clock_start"))
    rows = list(node.nodes("row"))
    targets: list[model.Target] = []
    seen: dict[tuple[str, str | None], Span] = {}
    ok = True
    for row in rows:
        name = row.lit(ast.Name)
        cond = row.first("condition")
        when = None
        cells = [
            c
            for c in row.children
            if not isinstance(c, ast.Name) and not (isinstance(c, ast.Node) and c.kind == "condition")
        ]
        if name.value not in lw.priority_spans:
            named = {r.lit(ast.Name).value for r in rows}
            missing = [p for p in lw.priority_spans if p not in named]
            lw.unknown("priority", name, missing or lw.priority_spans)
            ok = False
            continue
        if cond is not None:
            flag = cond.lit(ast.Name)
            if flag.value not in lw.flags:
                lw.unknown("flag", flag, lw.flags, M("E0411.declare_flag", name=flag.value))
                ok = False
                continue
            when = flag.value
        if (name.value, when) in seen:
            lw.err(
                "E0402",
                M("E0402.twice_when", name=name.value, flag=when) if when else M("E0402.twice", name=name.value),
                name.span,
                M("E0402.hint_when") if when else M("E0402.hint"),
                [Label(seen[(name.value, when)], M("label.first_given"))],
            )
            ok = False
            continue
        seen[(name.value, when)] = name.span
        if not cell_count(lw, name.value, cells, columns, row.span):
            ok = False
            continue
        where = lw.span(row.span)
        for col, cell in zip(columns, cells):
            strict = isinstance(cell, ast.Node)  # `<1h`
            if strict:
                cell = cell.lit(ast.DurationLit)
            if isinstance(cell, ast.Keyword):  # `-`
                dur = None
            else:
                try:
                    dur = v.target(lw, cell, clock, metric)
                except Abort:
                    ok = False
                    continue
            targets.append(
                new(
                    model.Target,
                    priority=name.value,
                    column=col.name,
                    duration=dur,
                    strict=strict,
                    when=when,
                    span=where,
                )
            )
    for (prio, when), span in seen.items():
        if when is not None and (prio, None) not in seen:
            lw.err(
                "E0411", M("E0411.no_plain_row", name=prio, flag=when), span, M("E0411.no_plain_row_hint", name=prio)
            )
            ok = False
    missing = [p for p in lw.priority_spans if not any(q == p for q, _ in seen)]
    if missing and lw.priority_spans:
        example = f"{missing[0]}  " + "  ".join("-" for _ in columns)
        lw.err(
            "E0401",
            M("E0401.missing", metric=T(f"diag.metric.{metric}"), names=names(missing)),
            lw.head(node),
            M("E0401.hint", example=example),
        )
        ok = False
    if not ok or title is None:
        return None
    order = {p: i for i, p in enumerate(lw.priority_spans)}
    colpos = {c.name: i for i, c in enumerate(columns)}
    rowpos = {key: i for i, key in enumerate(seen)}  # source order (the plain row sorts first below)
    targets.sort(key=lambda t: (order[t.priority], t.when is not None, rowpos[(t.priority, t.when)], colpos[t.column]))
    return new(
        model.Matrix,
        metric=metric,
        title=title,
        clock=clock,
        columns=tuple(columns),
        targets=tuple(targets),
        start=start,
        start_title=start_title,
        confirm=confirm,
        span=lw.span(node.span),
    )


def clock_start(lw: Lowering, node: ast.Node | None) -> tuple[str | None, model.Text | None]:
    """`from NAME "<what it is>"`: the ticket instant the clock starts at."""
    if node is None:
        return None, None
    name = node.lit(ast.Name)
    if name.value == "opened_at":
        lw.err("E0410", M("E0410.default"), lw.head(node), M("E0410.default_hint"))
        raise Abort
    if name.value in TICKET_COLUMNS or name.value in lw.flags:
        lw.err("E0410", M("E0410.reserved", name=name.value), name.span, M("E0410.reserved_hint"))
        raise Abort
    title = lw.guarded(v.text, lw, node.lit(ast.Text))
    if title is None:
        raise Abort
    return name.value, title


def cell_count(lw: Lowering, name: str, cells: list, columns: list[model.Column], span: Span) -> bool:
    """One cell per column in a row (of a matrix or of `updates`), else E0403."""
    if len(cells) == len(columns):
        return True
    lw.err(
        "E0403",
        M(
            "E0403.count",
            name=name,
            cells=M("E0403.cells", n=len(cells)),
            columns=M("E0403.columns", n=len(columns)),
            names=[c.name for c in columns],
        ),
        span,
        M("E0403.hint"),
    )
    return False


def matrix_columns(lw: Lowering, node: ast.Node) -> list[model.Column]:
    """The columns of a matrix (or of `updates`): calendars, `off_hours`,
    `any`, regions, plans, or `PLAN.WINDOW` — a window of one plan's tickets."""
    out: list[model.Column] = []
    seen: dict[str, Span] = {}
    windows = [*lw.calendar_spans, "off_hours", "any"]
    for ref in node.nodes("column_ref"):
        parts = ref.lits(ast.Name)
        written = ".".join(p.value for p in parts)
        span = ref.span
        if written in seen:
            lw.err(
                "E0404",
                M("E0404.twice", name=written),
                span,
                M("E0404.twice_hint"),
                [Label(seen[written], M("label.first_listed"))],
            )
            raise Abort
        seen[written] = span
        plan = None
        if len(parts) == 2:
            if parts[0].value not in lw.plans:
                lw.unknown("plan", parts[0], lw.plans, M("E0404.qualified_hint"))
                raise Abort
            plan, word = parts[0].value, parts[1]
            if word.value not in windows:
                lw.unknown("column", word, windows, M("E0201.column_hint"))
                raise Abort
        else:
            word = parts[0]
        name = word.value
        if name == "off_hours":
            kind = "off_hours"
        elif name == "any":
            kind = "any"
        elif name in lw.calendar_spans:
            kind = "calendar"
        elif name in lw.regions:
            kind = "region"
        elif name in lw.plans:
            kind, plan = "plan", name
        else:
            lw.unknown(
                "column", word, [*lw.calendar_spans, *lw.regions, *lw.plans, "off_hours", "any"], M("E0201.column_hint")
            )
            raise Abort
        out.append(
            new(
                model.Column,
                name=written,
                kind=kind,
                plan=plan,
                calendar=name if kind == "calendar" else None,
            )
        )
    span = node.span
    kinds = [c.kind for c in out]
    planned = [c.plan is not None for c in out]
    if any(planned):
        if not all(planned):
            lw.err("E0404", M("E0404.plans_mixed"), span, M("E0404.plans_mixed_hint"))
            raise Abort
        groups: dict[str, list[model.Column]] = {}
        for c in out:
            groups.setdefault(c.plan or "", []).append(c)
        for group in groups.values():
            # a plain plan column is its plan's `any`
            if len(group) > 1 and any(c.kind == "plan" for c in group):
                plan = group[0].plan
                lw.err("E0404", M("E0404.plan_alone", plan=plan), span, M("E0404.plan_alone_hint", plan=plan))
                raise Abort
            window_columns(lw, group, span, group[0].plan)
        missing = [p for p in lw.plans if p not in groups]
        if missing:
            lw.err(
                "E0404",
                M("E0404.plan_uncovered", plan=missing[0]),
                span,
                M("E0404.plan_uncovered_hint", plan=missing[0]),
            )
            raise Abort
        return out
    if "region" in kinds and set(kinds) != {"region"}:
        lw.err("E0404", M("E0404.mixed"), span, M("E0404.mixed_hint"))
        raise Abort
    window_columns(lw, out, span)
    return out


def window_columns(lw: Lowering, out: list[model.Column], span: Span, plan: str | None = None) -> None:
    """The rules of one group of columns: `any` alone, `off_hours` last and
    after a calendar column, and no ticket left in no column."""
    kinds = [c.kind for c in out]
    if "any" in kinds and len(out) > 1:
        lw.err("E0404", M("E0404.any_alone"), span, M("E0404.any_alone_hint"))
        raise Abort
    if "off_hours" in kinds:
        if kinds[-1] != "off_hours":
            lw.err("E0404", M("E0404.off_hours_last"), span, M("E0404.off_hours_last_hint"))
            raise Abort
        if "calendar" not in kinds:
            lw.err("E0404", M("E0404.off_hours_alone"), span, M("E0404.off_hours_alone_hint"))
            raise Abort
    _every_ticket_has_a_column(lw, out, span, plan)


def _every_ticket_has_a_column(lw: Lowering, columns: list[model.Column], span: Span, plan: str | None = None) -> None:
    """Columns that leave some tickets in no column are an error: a ticket
    opened outside every calendar column (with no `off_hours`), or of a
    region no column names."""
    kinds = {c.kind for c in columns}
    if kinds & {"any", "off_hours", "plan"}:
        return
    if kinds == {"region"}:
        listed = {c.name for c in columns}
        missing = [r for r in lw.regions if r not in listed]
        if missing:
            lw.err(
                "E0404",
                M("E0404.region_uncovered", region=missing[0]),
                span,
                M("E0404.region_uncovered_hint", region=missing[0]),
            )
            raise Abort
        return
    found = [lw.calendars.get(c.calendar or "") for c in columns if c.kind == "calendar"]
    if any(cal is None for cal in found):
        return  # a calendar with an error is reported already
    # A regional calendar leaves a ticket out if any region's variant does.
    for cals in _per_region(found):
        if _leaves_out(lw, cals, span, plan):
            raise Abort


def _per_region(found: list) -> list[list[model.Calendar]]:
    regions = sorted({v.region for cal in found for v in cal.variants if v.region})
    if not regions:
        return [found]
    return [[next((v for v in cal.variants if v.region == r), cal) for cal in found] for r in regions]


def _leaves_out(lw: Lowering, cals: list[model.Calendar], span: Span, plan: str | None = None) -> bool:
    hint = M("E0404.uncovered_plan_hint", plan=plan) if plan else M("E0404.uncovered_hint")
    zones = sorted({cal.timezone or lw.out.get("timezone") or "" for cal in cals})
    if len(zones) > 1:
        # Weekly hours in different zones cover different instants: which ones
        # are in no column depends on the day (DST), so only `off_hours` is safe.
        lw.err("E0404", M("E0404.zones", zones=names(zones)), span, hint)
        return True
    covered: dict[int, list[tuple[int, int]]] = {}
    for cal in cals:
        for w in cal.hours:
            covered.setdefault(w.weekday, []).append((w.start_minute, w.end_minute))
    for day in range(7):
        t = 0
        for a, b in sorted(covered.get(day, [])):
            if a > t:
                break
            t = max(t, b)
        if t < 24 * 60:
            at = M("E0404.at", day=T(f"diag.weekday.{WEEKDAYS[day]}"), time=hhmm(t))
            lw.err("E0404", M("E0404.uncovered", example=at), span, hint)
            return True
    # Round the clock every day, but a holiday of every calendar is in none of them.
    if all(cal.holiday_sets or cal.extra_holidays or cal.schedules for cal in cals):
        lw.err("E0404", M("E0404.uncovered_holidays"), span, hint)
        return True
    return False


# ---------------------------------------------------------------- other targets
@statement("updates", single=True, handles=("update_rule",))
def lower_updates(lw: Lowering, node: ast.Node | None) -> None:
    """`updates "<title>" { [clock CAL] p1 every 30m … }`, or by column like a
    matrix: `{ clock CAL  columns office, off_hours  p1 30m 1h … }`."""
    lw.out["updates"] = None
    if node is None:
        return
    title = lw.guarded(v.text, lw, node.lit(ast.Text))
    where_ = M("where.updates")
    singles = lw.singles(node, ("clock", "columns"), where_)
    failed = False
    clock = None
    if "clock" in singles:
        cname = singles["clock"].lit(ast.Name)
        if cname.value not in lw.calendar_spans:
            lw.unknown("calendar", cname, lw.calendar_spans)
            failed = True
        else:
            clock = cname.value
    columns: list[model.Column] = []
    if "columns" in singles:
        got = lw.guarded(matrix_columns, lw, singles["columns"])
        if got is None:
            failed = True
        else:
            columns = got
    every_rules = list(node.nodes("update_rule"))
    rows = list(node.nodes("row"))
    if columns and every_rules:
        lw.err("E0412", M("E0412.every_with_columns"), lw.head(every_rules[0]), M("E0412.every_with_columns_hint"))
        failed = True
    if rows and "columns" not in singles:
        lw.err("E0412", M("E0412.row_without_columns"), lw.head(rows[0]), M("E0412.row_without_columns_hint"))
        failed = True
    rules: list[model.UpdateRule] = []
    seen: dict[str, Span] = {}
    what = subject("update_cadence")
    for r in every_rules + rows:
        name = r.lit(ast.Name)
        if name.value not in lw.priority_spans:
            lw.unknown("priority", name, lw.priority_spans)
            failed = True
            continue
        if name.value in seen:
            lw.duplicate("update_rule", name.value, name.span, seen[name.value])
            failed = True
            continue
        seen[name.value] = name.span
        if r.kind == "update_rule":
            every = lw.guarded(v.duration, lw, r.lit(ast.DurationLit), clock, what)
            if every is None:
                failed = True
            else:
                rules.append(new(model.UpdateRule, priority=name.value, every=every, span=lw.span(r.span)))
            continue
        bad = r.first("condition") or r.first("strict_cell")
        if bad is not None:
            lw.err("E0412", M("E0412.row_form"), bad.span, M("E0412.row_form_hint"))
            failed = True
            continue
        cells = [c for c in r.children if not isinstance(c, ast.Name)]
        if columns and not cell_count(lw, name.value, cells, columns, r.span):
            failed = True
            continue
        for col, cell in zip(columns, cells):
            if isinstance(cell, ast.Keyword):  # `-`: no cadence in that column
                continue
            every = lw.guarded(v.duration, lw, cell, clock, what)
            if every is None:
                failed = True
                continue
            rules.append(new(model.UpdateRule, priority=name.value, every=every, column=col.name, span=lw.span(r.span)))
    if not rules and not failed:
        lw.err("E0412", M("E0412.no_rules"), lw.head(node), M("E0412.no_rules_hint"))
        failed = True
    if title is None or failed:
        lw.failed.add("updates")
        return
    lw.out["updates"] = new(
        model.Updates,
        title=title,
        clock=clock,
        columns=tuple(columns),
        rules=tuple(rules),
        span=lw.span(node.span),
    )


@statement("followup", single=True)
def lower_followup(lw: Lowering, node: ast.Node | None) -> None:
    lw.out["followup"] = None
    if node is None:
        return
    title = lw.guarded(v.text, lw, node.lit(ast.Text))
    within = lw.guarded(v.duration, lw, node.lit(ast.DurationLit), None, subject("followup_window"), True)
    if title is None or within is None:
        lw.failed.add("followup")
        return
    lw.out["followup"] = new(model.Followup, title=title, within=within, span=lw.span(node.span))


@statement("pauses", single=True)
def lower_pauses(lw: Lowering, node: ast.Node | None) -> None:
    lw.out["pauses"] = None
    if node is None:
        return
    when = lw.guarded(v.text, lw, node.lit(ast.Text))
    if when is None:
        lw.failed.add("pauses")
        return
    lw.out["pauses"] = new(model.Pauses, when=when, span=lw.span(node.span))


_AVAILABILITY_PARTS = (
    "period",
    "availability_body",
    "per_resource",
    "downtime_counting",
    "ignore_outages",
    "buckets",
    "denominator",
)


@statement("availability", handles=_AVAILABILITY_PARTS)
def lower_availability(lw: Lowering, nodes: list[ast.Node]) -> None:
    out = []
    seen: dict[tuple[str, str], Span] = {}
    for node in nodes:
        name = node.lit(ast.Name)
        pct = node.lit(ast.PercentLit)
        period = node.must("period").keyword("PERIOD").value
        if name.value not in lw.products:
            lw.unknown("product", name, lw.products)
            continue
        if (name.value, period) in seen:
            lw.err(
                "E0202",
                M("E0202.availability_twice", name=name.value, period=T(f"diag.period.{period}")),
                node.span,
                M("E0202.availability_twice_hint"),
                [Label(seen[(name.value, period)], M("label.first_given"))],
            )
            continue
        seen[(name.value, period)] = node.span
        value = lw.guarded(v.percent, lw, pct, subject("availability_target"), Decimal(0), Decimal(100))
        body = lw.guarded(availability_body, lw, node.first("availability_body"), period)
        if value is None or body is None:
            lw.failed.add(f"availability.{name.value}")
            continue
        out.append(
            new(
                model.AvailabilityTarget,
                product=name.value,
                percent=value,
                period=period,
                span=lw.span(node.span),
                **body,
            )
        )
    lw.out["availability"] = tuple(out)


_BODY_PARTS = ("per_resource", "downtime_counting", "ignore_outages", "buckets", "denominator")


def availability_body(lw: Lowering, body: ast.Node | None, period: str) -> dict:
    """The measurement rules of one availability target (`{ per instance … }`)."""
    if body is None:
        return {}
    s = lw.singles(body, _BODY_PARTS, M("where.availability"))
    fields: dict = {}
    if "per_resource" in s:
        kind = s["per_resource"].lit(ast.Name)
        fields["resource"] = kind.value
    if "downtime_counting" in s:
        c = s["downtime_counting"]
        unit = c.keyword("COUNT_UNIT")
        mode = next((k for k in c.lits(ast.Keyword) if k.terminal == "STEP_MODE"), None)
        if unit.value == "minute" and mode is None:
            lw.err("E0508", M("E0508.minute_mode"), unit.span, M("E0508.minute_mode_hint"))
            raise Abort
        if unit.value == "second" and mode is not None:
            lw.err("E0508", M("E0508.second_mode", mode=mode.value), mode.span, M("E0508.second_mode_hint"))
            raise Abort
        fields["counting"] = "second" if mode is None else f"{mode.value}_minute"
    if "ignore_outages" in s:
        c = s["ignore_outages"]
        d = c.lit(ast.DurationLit)
        fields["ignore_under"] = v.duration(lw, d, None, subject("outage_grace"), True)
        fields["ignore_inclusive"] = not any(k.terminal == "OUTAGE_UNDER" for k in c.lits(ast.Keyword))
    if "buckets" in s:
        c = s["buckets"]
        d = c.lit(ast.DurationLit)
        bucket = v.duration(lw, d, None, subject("bucket"), True)
        if bucket.seconds < 60 or 86400 % bucket.seconds or bucket.seconds % 60:
            lw.err("E0508", M("E0508.bucket", raw=d.raw), d.span, M("E0508.bucket_hint"))
            raise Abort
        for other in ("downtime_counting", "ignore_outages"):
            if other in s:
                lw.err(
                    "E0508",
                    M("E0508.bucket_and_counting"),
                    lw.head(s[other]),
                    M("E0508.bucket_and_counting_hint"),
                    [Label(lw.head(c), M("label.here"))],
                )
                raise Abort
        fields["bucket"] = bucket
        pct = c.lit(ast.PercentLit)
        # Above 100 % of the requests never fails: an interval could never be down.
        fields["bucket_error_percent"] = v.percent(
            lw, pct, subject("bucket_error_rate"), Decimal(0), Decimal(100), low_open=False
        )
        if fields["bucket_error_percent"] >= 100:
            lw.err(
                "E0501",
                M("E0501.out_of_range", what=subject("bucket_error_rate"), raw=pct.raw),
                pct.span,
                M("E0501.below_hundred_hint"),
            )
            raise Abort
    if "ignore_under" in fields and fields["ignore_under"].seconds >= _SHORTEST_PERIOD[period]:
        d = s["ignore_outages"].lit(ast.DurationLit)
        lw.err(
            "E0508",
            M("E0508.grace_too_long", raw=d.raw, period=T(f"diag.period.{period}")),
            d.span,
            M("E0508.grace_hint"),
        )
        raise Abort
    if "denominator" in s:
        fields["denominator"] = s["denominator"].keyword("DENOMINATOR").value
    return fields


# The shortest length of a period (February; a quarter of 89 days; a year of
# 365): a rule must fit inside every period it is applied to.
_SHORTEST_PERIOD = {"month": 28 * 86400, "quarter": 89 * 86400, "year": 365 * 86400}


_LEVELS = ("yellow", "orange", "red")


@statement("warnings", single=True, handles=("warning_level", "monitor"))
def lower_warnings(lw: Lowering, node: ast.Node | None) -> None:
    lw.out["warnings"] = ()
    lw.out["monitor"] = None
    if node is None:
        return
    mon = lw.singles(node, ("monitor",), M("where.warnings")).get("monitor")
    if mon is not None:
        tool = lw.guarded(v.text, lw, mon.lit(ast.Text))
        if tool is not None:
            lw.out["monitor"] = new(model.Monitor, tool=tool, span=lw.span(mon.span))
    out: list[model.WarningLevel] = []
    seen: dict[str, Span] = {}
    prev: tuple[model.WarningLevel, Span] | None = None
    for w in node.nodes("warning_level"):
        level = w.keyword("LEVEL")
        pct = w.lit(ast.PercentLit)
        if level.value in seen:
            lw.duplicate("warning_level", level.value, level.span, seen[level.value])
            continue
        seen[level.value] = level.span
        what = subject("threshold", level=T(f"diag.level.{level.value}"))
        value = lw.guarded(v.percent, lw, pct, what, Decimal(0), Decimal(100))
        if value is None:
            lw.failed.add(f"warnings.{level.value}")
            continue
        cur = new(model.WarningLevel, level=level.value, percent=value, span=lw.span(w.span))
        if prev is not None:
            p, pspan = prev
            if _LEVELS.index(cur.level) < _LEVELS.index(p.level):
                lw.err(
                    "E0502",
                    M("E0502.level_order", level=cur.level, prev=p.level),
                    level.span,
                    M("E0502.level_order_hint"),
                    [Label(pspan, M("label.here"))],
                )
            elif cur.percent <= p.percent:
                lw.err(
                    "E0502",
                    M(
                        "E0502.level_above",
                        level=T(f"diag.level.{cur.level}"),
                        raw=pct.raw,
                        prev=T(f"diag.level.{p.level}"),
                        prev_pct=p.percent,
                    ),
                    pct.span,
                    M("E0502.level_above_hint"),
                    [Label(pspan, M("label.threshold", level=T(f"diag.level.{p.level}")))],
                )
        prev = (cur, pct.span)
        out.append(cur)
    lw.out["warnings"] = tuple(out)


# ---------------------------------------------------------------- credits
@statement(
    "credit",
    handles=(
        "credit_products",
        "step_rule",
        "tier_rule",
        "ladder_minimum",
        "ladder_cap",
        "credit_form",
        "percent_amount",
        "money_amount",
    ),
)
def lower_ladders(lw: Lowering, nodes: list[ast.Node]) -> None:
    out = []
    seen: dict[str, Span] = {}
    for node in nodes:
        name = node.lit(ast.Name)
        if name.value in seen:
            lw.duplicate("credit", name.value, name.span, seen[name.value])
            continue
        seen[name.value] = name.span
        ladder = lw.guarded(credit_ladder, lw, node, name)
        if ladder:
            out.append(ladder)
        else:
            lw.failed.add(f"credit.{name.value}")
    lw.out["credit_ladders"] = tuple(out)


def credit_ladder(lw: Lowering, node: ast.Node, name: ast.Name) -> model.CreditLadder | None:
    currency = lw.out.get("currency")
    title = lw.guarded(v.text, lw, node.lit(ast.Text))
    metric = node.keyword("CREDIT_METRIC").value
    if metric in ("response", "resolution") and not any(
        m.keyword("METRIC").value == metric for m in lw.root.nodes("matrix")
    ):
        lw.err(
            "E0503",
            M("E0503.no_matrix", name=name.value, metric=T(f"diag.metric.{metric}")),
            name.span,
            M("E0503.no_matrix_hint", metric=metric),
        )
        raise Abort
    steps = list(node.nodes("step_rule"))
    tiers = list(node.nodes("tier_rule"))
    caps = list(node.nodes("ladder_cap"))
    minimums = list(node.nodes("ladder_minimum"))
    forms = list(node.nodes("credit_form"))
    products: list[str] = []
    scope = node.first("credit_products")
    for pname in scope.lits(ast.Name) if scope is not None else ():
        if pname.value not in lw.products:
            lw.unknown("product", pname, lw.products)
            raise Abort
        if pname.value in products:
            lw.err("E0202", M("E0202.product_twice", name=pname.value), pname.span, M("E0202.keep_one_name"))
            raise Abort
        products.append(pname.value)
    if metric == "availability":
        if steps:
            lw.err("E0503", M("E0503.steps_on_availability"), steps[0].span, M("E0503.tier_example"))
            raise Abort
        if not tiers:
            lw.err("E0503", M("E0503.no_tiers", name=name.value), lw.head(node), M("E0503.tier_example"))
            raise Abort
    else:
        if tiers:
            lw.err(
                "E0503",
                M("E0503.tiers_on_delay", metric=T(f"diag.metric.{metric}")),
                tiers[0].span,
                M("E0503.step_example"),
            )
            raise Abort
        if len(steps) != 1:
            msg = M("E0503.no_step", name=name.value) if not steps else M("E0503.two_steps")
            lw.err("E0503", msg, steps[1].span if steps else lw.head(node), M("E0503.step_example"))
            raise Abort
    for repeated in (caps, minimums, forms):
        if len(repeated) > 1:
            head = lw.head(repeated[1])
            lw.err(
                "E0203",
                M("E0203.twice", word=lw.src.text[head.start : head.end], where=M("where.credit", name=name.value)),
                head,
                M("E0203.keep_one"),
                [Label(lw.head(repeated[0]), M("label.first_given"))],
            )
            raise Abort
    step = None
    if steps:
        s = steps[0]
        mode = s.keyword("STEP_MODE").value
        every = v.duration(lw, s.lit(ast.DurationLit), None, subject("lateness"), True)
        amount = v.amount_of(lw, s, subject("step_credit"), currency)
        step = new(model.StepRule, mode=mode, every=every, amount=amount, span=lw.span(s.span))
    tier_models: list[model.TierRule] = []
    prev = None
    for t in tiers:
        pct = t.lit(ast.PercentLit)
        below = v.percent(lw, pct, subject("tier_threshold"), Decimal(0), Decimal(100))
        amount = v.amount_of(lw, t, subject("tier_credit"), currency)
        cur = new(model.TierRule, below=below, amount=amount, span=lw.span(t.span))
        if prev is not None:
            p_model, p_span = prev
            if below >= p_model.below:
                lw.err(
                    "E0502",
                    M("E0502.tier_order", raw=pct.raw),
                    pct.span,
                    M("E0502.tier_order_hint"),
                    [Label(p_span, M("label.previous_tier"))],
                )
                raise Abort
            if _comparable(p_model.amount, amount) and _amount_key(amount) < _amount_key(p_model.amount):
                lw.err(
                    "E0502",
                    M("E0502.tier_smaller"),
                    t.span,
                    M("E0502.tier_smaller_hint"),
                    [Label(p_span, M("label.previous_tier"))],
                )
                raise Abort
        prev = (cur, pct.span)
        tier_models.append(cur)
    cap = v.amount_of(lw, caps[0], subject("ladder_cap"), currency) if caps else None
    minimum = v.amount_of(lw, minimums[0], subject("ladder_minimum"), currency) if minimums else None
    form = credit_form(lw, forms[0]) if forms else None
    rules = [step.amount] if step is not None else [t.amount for t in tier_models]
    base = _ladder_base(lw, metric, rules, [(s.first("percent_amount"), s) for s in steps + tiers])
    # A bare percentage (`cap 30%`, `minimum 1%`) has the base of the ladder's rules.
    step, tier_models, cap, minimum = (
        _with_base(step, base),
        [t for t in (_with_base(t, base) for t in tier_models) if t is not None],
        _with_base(cap, base),
        _with_base(minimum, base),
    )
    if (
        minimum is not None
        and cap is not None
        and _comparable(minimum, cap)
        and _amount_key(minimum) > _amount_key(cap)
    ):
        lw.err("E0504", M("E0504.minimum_above_cap"), minimums[0].span, M("E0504.minimum_above_cap_hint"))
        raise Abort
    if title is None:
        return None
    return new(
        model.CreditLadder,
        name=name.value,
        title=title,
        metric=metric,
        products=tuple(products),
        step=step,
        tiers=tuple(tier_models),
        minimum=minimum,
        cap=cap,
        form=form,
        span=lw.span(node.span),
    )


def _ladder_base(lw: Lowering, metric: str, amounts: list[model.Amount], nodes: list) -> str:
    """The one base of a ladder's percentages: its rules may not mix the
    monthly fee and the billed charges, and only availability credits can be
    a share of the charges (a ticket's credit is owed before any bill)."""
    bases = {a.base for a in amounts if a.base is not None}
    if len(bases) > 1:
        lw.err("E0509", M("E0509.mixed_bases"), nodes[-1][1].span, M("E0509.mixed_bases_hint"))
        raise Abort
    base = next(iter(bases), "monthly_fee")
    if base == "charges" and metric != "availability":
        at = next(n for n, _ in nodes if n is not None and n.keyword("FEE_BASE").value == "charges") if nodes else None
        lw.err(
            "E0509",
            M("E0509.charges_on_tickets", metric=T(f"diag.metric.{metric}")),
            at.span if at is not None else None,
            M("E0509.charges_on_tickets_hint"),
        )
        raise Abort
    return base


_T = typing.TypeVar("_T", model.Amount, model.StepRule, model.TierRule)


def _with_base(x: _T | None, base: str) -> _T | None:
    if x is None:
        return None
    if isinstance(x, model.Amount):
        if x.percent is None or x.base is not None:
            return x
        return x.model_copy(update={"base": base})
    return x.model_copy(update={"amount": _with_base(x.amount, base)})


def credit_form(lw: Lowering, node: ast.Node) -> model.CreditForm:
    t = node.lit(ast.Text)
    restriction = v.text(lw, t) if t is not None else None
    return new(
        model.CreditForm, kind=node.keyword("CREDIT_FORM").value, restriction=restriction, span=lw.span(node.span)
    )


def _comparable(a: model.Amount, b: model.Amount) -> bool:
    return (a.money is None) == (b.money is None)


def _amount_key(a: model.Amount) -> Decimal:
    return a.money.amount if a.money is not None else (a.percent or Decimal(0))


_POLICY_PARTS = ("credits_cap", "credit_form", "combine", "partial_periods", "claim", "rounding")


@statement(
    "credits",
    single=True,
    handles=_POLICY_PARTS + ("claim_opens", "claim_span", "claim_calendar", "rounding_scope"),
)
def lower_credits(lw: Lowering, node: ast.Node | None) -> None:
    lw.out["credits"] = None
    policy = None
    if node is not None:
        policy = lw.guarded(credit_policy, lw, node)
        lw.out["credits"] = policy
        if policy is None:
            lw.failed.add("credits")
            return
    credit_checks(lw, node, policy)


def credit_policy(lw: Lowering, node: ast.Node) -> model.CreditPolicy:
    currency = lw.out.get("currency")
    s = lw.singles(node, _POLICY_PARTS, M("where.credits"))
    fields: dict = {}
    if "credits_cap" in s:
        c = s["credits_cap"]
        cap = v.amount_of(lw, c, subject("credits_cap"), currency)
        if cap.percent is not None and cap.base is None:
            cap = cap.model_copy(update={"base": "monthly_fee"})
        if cap.base == "charges":
            lw.err("E0509", M("E0509.charges_cap"), c.span, M("E0509.charges_cap_hint"))
            raise Abort
        fields["cap"] = cap
        fields["cap_period"] = c.must("period").keyword("PERIOD").value
    if "credit_form" in s:
        fields["form"] = credit_form(lw, s["credit_form"])
    if "combine" in s:
        fields["combine"] = s["combine"].keyword("COMBINE_MODE").value
    if "partial_periods" in s:
        fields["partial_periods"] = s["partial_periods"].keyword("PRORATION").value
        lw.out["partial_periods_written"] = True
    if "claim" in s:
        fields["claim"] = claim(lw, s["claim"])
    if "rounding" in s:
        c = s["rounding"]
        fields["rounding"] = c.keyword("ROUNDING_MODE").value
        q = c.lit(ast.NumberLit)
        if q.value <= 0 or q.value.normalize() != Decimal(1).scaleb(q.value.normalize().adjusted()):
            lw.err("E0504", M("E0504.quantum", raw=q.raw), q.span, M("E0504.quantum_hint"))
            raise Abort
        fields["quantum"] = q.value
        where = c.first("rounding_scope")
        if where is None:
            line = f"rounding {fields['rounding']} to {q.raw} per line"
            lw.err("E0507", M("E0507.no_scope"), c.span, M("E0507.no_scope_hint", line=line, raw=q.raw))
            raise Abort
        fields["rounding_scope"] = where.keyword("ROUNDING_SCOPE").value
    return new(model.CreditPolicy, span=lw.span(node.span), **fields)


def claim(lw: Lowering, node: ast.Node) -> model.Claim:
    cal = node.first("claim_calendar")
    calendar = None
    if cal is not None:
        cname = cal.lit(ast.Name)
        if cname.value not in lw.calendars:
            lw.unknown("calendar", cname, lw.calendars)
            raise Abort
        if lw.calendars[cname.value].variants:
            # A claim is the customer's, for the whole contract: no ticket region chooses a variant.
            lw.err("E0612", M("E0612.regional_claim", name=cname.value), cname.span, M("E0612.regional_claim_hint"))
            raise Abort
        calendar = cname.value
    spans = [claim_span(lw, n, calendar) for n in node.nodes("claim_span")]
    opens_node = node.first("claim_opens")
    opens = claim_span(lw, opens_node.must("claim_span"), calendar) if opens_node is not None else None
    within = spans[0]
    if opens is not None and opens_node is not None and _span_days(opens) >= _span_days(within):
        lw.err("E0510", M("E0510.opens_after_close"), opens_node.span, M("E0510.opens_after_close_hint"))
        raise Abort
    if cal is not None and "business_days" not in (within.unit, opens.unit if opens else None):
        lw.err("E0510", M("E0510.calendar_unused"), cal.span, M("E0510.calendar_unused_hint"))
        raise Abort
    return new(
        model.Claim,
        within=within,
        opens=opens,
        after=node.keyword("CLAIM_ANCHOR").value,
        calendar=calendar,
        span=lw.span(node.span),
    )


def _span_days(s: model.ClaimSpan) -> float:
    """A claim span's length for ordering two spans of one window (business
    days are at least calendar days; a month at least 28 days)."""
    return s.count * {"days": 1.0, "business_days": 1.0, "months": 28.0}[s.unit]


def claim_span(lw: Lowering, node: ast.Node, calendar: str | None) -> model.ClaimSpan:
    d = node.lit(ast.DurationLit)
    if d is None:
        n, unit = node.lit(ast.NumberLit), node.keyword("CALENDAR_UNIT")
        span = v.calendar_span(lw, n, unit, subject("claim_window"))
        if span.unit != "month":
            lw.err("E0510", M("E0510.unit", raw=f"{n.raw} {unit.value}"), node.span, M("E0510.unit_hint"))
            raise Abort
        return new(model.ClaimSpan, count=span.count, unit="months", spelling=f"{n.raw} {unit.value}")
    units = {u for _, u in d.parts}
    if len(d.parts) != 1 or units - {"d", "bd"}:
        lw.err("E0510", M("E0510.unit", raw=d.raw), d.span, M("E0510.unit_hint"))
        raise Abort
    count, unit = d.parts[0]
    if unit == "bd" and calendar is None:
        lw.err("E0405", M("E0405.no_clock", what=subject("claim_window"), raw=d.raw), d.span, M("E0510.calendar_hint"))
        raise Abort
    if count <= 0 or count > 366:
        lw.err("E0510", M("E0510.count", raw=d.raw), d.span, M("E0510.count_hint"))
        raise Abort
    return new(model.ClaimSpan, count=count, unit="business_days" if unit == "bd" else "days", spelling=d.raw)


def _paid_products(lw: Lowering, ld: model.CreditLadder, payers: dict[str, list[model.CreditLadder]]) -> list[str]:
    """The products a ladder can pay for."""
    if ld.metric == "availability":
        return [p for p, lds in payers.items() if ld in lds]
    return list(ld.products) or list(lw.products)


def _policy_cap_needs_fees(lw, policy, ladders, payers) -> None:
    """A cap that is a share of the monthly fee limits nothing for a product
    with no fee: the cap would silently not apply (SEMANTICS §1)."""
    if policy is None or policy.cap is None or policy.cap.percent is None:
        return
    for ld in ladders:
        # A ladder paying a share of the fee needs the fee already (E0509.no_fee, lint L301).
        amounts = [ld.step.amount] if ld.step else [t.amount for t in ld.tiers]
        if all(a.percent is not None and a.base == "monthly_fee" for a in amounts):
            continue
        for pname in _paid_products(lw, ld, payers):
            product = lw.products.get(pname)
            if product is not None and product.fee is None and not _fee_written(lw, pname):
                node = lw.top.get("credits")
                where = node.first("credits_cap") if node is not None else None
                lw.err(
                    "E0509",
                    M("E0509.cap_without_fee", product=pname),
                    where.span if where is not None else None,
                    M("E0509.cap_without_fee_hint", product=pname),
                )
                return


def _fee_written(lw: Lowering, product: str) -> bool:
    """Whether the product's declaration writes a fee (one with an error is
    reported where it is written, not again as a missing fee)."""
    for scope in lw.root.nodes("scope"):
        for p in scope.nodes("product"):
            if p.lit(ast.Name).value == product:
                return p.first("fee") is not None
    return False


def _cut(period: str, start: dt.date | None, end: dt.date | None) -> bool:
    """Does the term cut a calendar `period` (month, quarter, year) it overlaps?"""
    if start is None or end is None:
        return False
    months = PERIOD_MONTHS[period]
    starts_clean = start.day == 1 and (start.month - 1) % months == 0
    nxt = end + dt.timedelta(days=1)
    ends_clean = nxt.day == 1 and (nxt.month - 1) % months == 0
    return not (starts_clean and ends_clean)


def _partial_periods_stated(lw: Lowering, node, policy, ladders, targets) -> None:
    """A fee-based amount over a period the term cuts is prorated or charged in
    full: the contract says which (SEMANTICS §1: no silent default moves money)."""
    if lw.out.get("partial_periods_written"):
        return
    start, end = lw.out.get("effective_start"), lw.out.get("effective_end")

    def fee_based(a: model.Amount | None) -> bool:
        return a is not None and a.percent is not None and a.base in (None, "monthly_fee")

    cut = False
    if policy is not None and policy.cap_period is not None and fee_based(policy.cap):
        cut = _cut(policy.cap_period, start, end)
    for ld in ladders:
        if ld.metric != "availability":
            continue
        amounts = [ld.minimum, ld.cap, *(t.amount for t in ld.tiers)]
        if any(fee_based(a) for a in amounts):
            periods = {a.period for a in targets if not ld.products or a.product in ld.products}
            cut = cut or any(_cut(p, start, end) for p in periods)
    if cut:
        where = lw.head(node) if node is not None else lw.head(lw.root)
        lw.err("E0511", M("E0511.partial_periods", start=start, end=end), where, M("E0511.partial_periods_hint"))


def credit_checks(lw: Lowering, node: ast.Node | None, policy: model.CreditPolicy | None) -> None:
    """What the ladders and the policy mean together (SEMANTICS §3, §6)."""
    ladders: tuple[model.CreditLadder, ...] = lw.out.get("credit_ladders", ())
    targets: tuple[model.AvailabilityTarget, ...] = lw.out.get("availability", ())
    _partial_periods_stated(lw, node, policy, ladders, targets)
    if ladders and (policy is None or policy.rounding is None):
        where = lw.head(node) if node is not None else lw.head(lw.root)
        lw.err("E0507", M("E0507.missing"), where, M("E0507.missing_hint"))
    with_target = {a.product for a in targets}
    availability_ladders = [ld for ld in ladders if ld.metric == "availability"]
    spans = {n.lit(ast.Name).value: n for n in lw.root.nodes("credit")}
    payers: dict[str, list[model.CreditLadder]] = {}
    for ld in availability_ladders:
        lnode = spans[ld.name]
        for pname in ld.products:
            if pname not in with_target and f"availability.{pname}" not in lw.failed:
                at = next(n for n in lnode.must("credit_products").lits(ast.Name) if n.value == pname)
                lw.err(
                    "E0506",
                    M("E0506.no_target", name=ld.name, product=pname),
                    at.span,
                    M("E0506.no_target_hint", product=pname),
                )
        for pname in ld.products or sorted(with_target):
            payers.setdefault(pname, []).append(ld)
        highest = ld.tiers[0] if ld.tiers else None
        for a in targets:
            if ld.products and a.product not in ld.products:
                continue
            if highest is not None and highest.below > a.percent:
                tier_node = next(iter(lnode.nodes("tier_rule")))
                lw.err(
                    "E0506",
                    M(
                        "E0506.above_target",
                        name=ld.name,
                        below=highest.below,
                        product=a.product,
                        target=a.percent,
                        period=T(f"diag.period.{a.period}"),
                    ),
                    tier_node.lit(ast.PercentLit).span,
                    M("E0506.above_target_hint", product=a.product, target=a.percent)
                    if ld.products
                    else M("E0506.above_target_unscoped_hint", name=ld.name, product=a.product, target=a.percent),
                )
            uses_fee = any(x.percent is not None and x.base == "monthly_fee" for x in [t.amount for t in ld.tiers])
            product = lw.products.get(a.product)
            if uses_fee and a.resource is not None:
                lw.err(
                    "E0509",
                    M("E0509.fee_per_resource", name=ld.name, product=a.product, resource=a.resource),
                    lw.head(lnode),
                    M("E0509.fee_per_resource_hint"),
                )
            elif uses_fee and product is not None and product.fee is None and not _fee_written(lw, a.product):
                lw.err(
                    "E0509",
                    M("E0509.no_fee", name=ld.name, product=a.product),
                    lw.head(lnode),
                    M("E0509.no_fee_hint", product=a.product),
                )
    for ld in availability_ladders:
        for pname in ld.products or sorted(with_target):
            periods = [a.period for a in targets if a.product == pname]
            if len(periods) > 1:
                lw.err(
                    "E0505",
                    M(
                        "E0505.two_periods",
                        name=ld.name,
                        product=pname,
                        periods=[T(f"diag.period.{p}") for p in periods],
                    ),
                    lw.head(spans[ld.name]),
                    M("E0505.two_periods_hint", product=pname),
                )
    _policy_cap_needs_fees(lw, policy, ladders, payers)
    if policy is None or policy.combine is None:
        for pname, lds in payers.items():
            if len(lds) > 1:
                first, second = spans[lds[0].name], spans[lds[1].name]
                lw.err(
                    "E0505",
                    M("E0505.overlap", a=lds[0].name, b=lds[1].name, product=pname),
                    lw.head(second),
                    M("E0505.hint", a=lds[0].name, b=lds[1].name),
                    [Label(lw.head(first), M("label.first_given"))],
                )
                break


# ---------------------------------------------------------------- exclusions
_EXCLUSION_PARTS = (
    "force_majeure",
    "force_majeure_body",
    "notify",
    "maintenance",
    "maintenance_notice",
    "maintenance_max",
    "maintenance_window",
    "customer_caused",
    "other_exclusion",
)


@statement("exclusions", single=True, handles=_EXCLUSION_PARTS)
def lower_exclusions(lw: Lowering, node: ast.Node | None) -> None:
    lw.out["exclusions"] = None
    if node is None:
        return
    s = lw.singles(node, ("force_majeure", "maintenance", "customer_caused"), M("where.exclusions"))
    fields: dict = {}
    fm = s.get("force_majeure")
    if fm is not None:
        events = lw.guarded(v.text, lw, fm.lit(ast.Text))
        body = fm.first("force_majeure_body")
        notify = None
        if body is not None:
            ns = lw.singles(body, ("notify",), M("where.force_majeure"))
            if "notify" in ns:
                notify = lw.guarded(
                    v.duration, lw, ns["notify"].lit(ast.DurationLit), None, subject("notice_duty"), True
                )
        if events:
            fields["force_majeure"] = new(
                model.ForceMajeure, events=events, notify_within=notify, span=lw.span(fm.span)
            )
    mt = s.get("maintenance")
    if mt is not None:
        m = lw.guarded(maintenance, lw, mt)
        if m:
            fields["maintenance"] = m
    cc = s.get("customer_caused")
    if cc is not None:
        t = cc.lit(ast.Text)
        fields["customer_caused"] = new(
            model.CustomerCaused, text=lw.guarded(v.text, lw, t) if t else None, span=lw.span(cc.span)
        )
    others = []
    seen: dict[str, Span] = {"force_majeure": Span(0, 0), "maintenance": Span(0, 0), "customer_caused": Span(0, 0)}
    for o in node.nodes("other_exclusion"):
        name = o.lit(ast.Name)
        if name.value in seen:
            lw.duplicate("exclusion", name.value, name.span, seen[name.value])
            continue
        seen[name.value] = name.span
        t = lw.guarded(v.text, lw, o.lit(ast.Text))
        if t:
            others.append(new(model.OtherExclusion, name=name.value, text=t, span=lw.span(o.span)))
    lw.out["exclusions"] = new(model.Exclusions, others=tuple(others), span=lw.span(node.span), **fields)


def maintenance(lw: Lowering, node: ast.Node) -> model.Maintenance:
    s = lw.singles(node, ("maintenance_notice", "maintenance_max"), M("where.maintenance"))
    fields: dict = {}
    if "maintenance_notice" in s:
        fields["notice"] = v.duration(
            lw, s["maintenance_notice"].lit(ast.DurationLit), None, subject("maintenance_notice"), True
        )
    if "maintenance_max" in s:
        n = s["maintenance_max"]
        fields["max"] = v.duration(lw, n.lit(ast.DurationLit), None, subject("maintenance_allowance"), True)
        fields["max_period"] = n.must("period").keyword("PERIOD").value
    windows: list[model.WeeklyWindow] = []
    taken: dict[int, list[tuple[int, int, Span]]] = {}
    for n in node.nodes("maintenance_window"):  # several, e.g. a window past midnight in two
        r = n.must("time_range")
        windows += v.windows(lw, v.weekdays(lw, n.must("days")), [(r, *v.time_range(lw, r))], taken)
    if windows:
        fields["windows"] = tuple(v.merge(windows))
    return new(model.Maintenance, span=lw.span(node.span), **fields)


# ---------------------------------------------------------------- reporting, legal, clauses
@statement("reporting", single=True, handles=("reports", "metrics", "retention", "audit"))
def lower_reporting(lw: Lowering, node: ast.Node | None) -> None:
    lw.out["reporting"] = None
    if node is None:
        return
    s = lw.singles(node, ("reports", "metrics", "retention", "audit"), M("where.reporting"))
    fields: dict = {}
    if "reports" in s:
        kinds: list[str] = []
        for k in s["reports"].lits(ast.Keyword):
            if k.value in kinds:
                lw.err("E0202", M("E0202.report_twice", name=k.value), k.span, M("E0202.list_once"))
            else:
                kinds.append(k.value)
        fields["reports"] = tuple(kinds)
    if "metrics" in s:
        picked: list[str] = []
        for n in s["metrics"].lits(ast.Name):
            if n.value not in REPORT_METRICS:
                lw.unknown("metric", n, REPORT_METRICS)
            elif n.value in picked:
                lw.err("E0202", M("E0202.metric_twice", name=n.value), n.span, M("E0202.list_once"))
            else:
                picked.append(n.value)
        fields["metrics"] = tuple(picked)
    if "retention" in s:
        n = s["retention"]
        fields["retention"] = lw.guarded(
            v.calendar_span, lw, n.lit(ast.NumberLit), n.keyword("CALENDAR_UNIT"), subject("retention")
        )
        if fields["retention"] is None:
            lw.failed.add("reporting.retention")
    if "audit" in s:
        n = s["audit"]
        unit, auditor = n.keyword("CALENDAR_UNIT"), n.keyword("AUDITOR")
        every = lw.guarded(v.calendar_span, lw, n.lit(ast.NumberLit), unit, subject("audit_cadence"))
        if every:
            fields["audit"] = new(model.Audit, every=every, by=auditor.value, span=lw.span(n.span))
        else:
            lw.failed.add("reporting.audit")
    lw.out["reporting"] = new(
        model.Reporting, span=lw.span(node.span), **{k: val for k, val in fields.items() if val is not None}
    )


@statement("disputes", single=True, handles=("law", "arbitration", "court", "seat"))
def lower_disputes(lw: Lowering, node: ast.Node | None) -> None:
    lw.out["disputes"] = None
    if node is None:
        return
    s = lw.singles(node, ("law", "arbitration", "court", "seat"), M("where.disputes"))
    if "arbitration" in s and "court" in s:
        lw.err(
            "E0203",
            M("E0203.two_forums"),
            lw.head(s["court"]),
            M("E0203.two_forums_hint"),
            [Label(lw.head(s["arbitration"]), M("label.arbitration_here"))],
        )
    fields: dict = {}
    for kind in ("law", "seat"):
        if kind in s:
            fields[kind] = lw.guarded(v.text, lw, s[kind].lit(ast.Text))
    for kind in ("arbitration", "court"):
        if kind in s and "forum" not in fields:
            fields["forum"] = kind
            fields["forum_name"] = lw.guarded(v.text, lw, s[kind].lit(ast.Text))
    lw.out["disputes"] = new(model.Disputes, span=lw.span(node.span), **fields)


@statement("clause")
def lower_clauses(lw: Lowering, nodes: list[ast.Node]) -> None:
    out = []
    seen: dict[str, Span] = {}
    for node in nodes:
        name = node.lit(ast.Name)
        if name is not None:
            if name.value in seen:
                lw.duplicate("clause", name.value, name.span, seen[name.value])
                continue
            seen[name.value] = name.span
        texts = node.lits(ast.Text)
        title = lw.guarded(v.text, lw, texts[0], False, True)
        paras = [lw.guarded(v.text, lw, t, False, True) for t in texts[1:]]
        lw.ref_texts.extend(texts)
        if not texts[1:]:
            lw.err("E0305", M("E0305.no_paragraph"), lw.head(node), M("E0305.no_paragraph_hint"))
            continue
        if title is None or None in paras:
            continue
        out.append(
            new(
                model.Clause,
                name=name.value if name else None,
                title=title,
                paragraphs=tuple(paras),
                span=lw.span(node.span),
            )
        )
    lw.out["clauses"] = tuple(out)
