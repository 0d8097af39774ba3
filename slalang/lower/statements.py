"""The `lower` pass: one function per statement kind, registered by name
(slalang/lower/registry.py). Matrices, progress updates, follow-up,
availability, warnings, credit ladders and the credit policy, exclusions,
reporting, disputes and clauses. Each reads its own nodes, reports its own
problems and stores its model in `lw.out`."""

from __future__ import annotations

from decimal import Decimal

from slalang import ast, model
from slalang.diagnostics import Label
from slalang.i18n import T
from slalang.lower import values as v
from slalang.lower.registry import statement
from slalang.lower.state import Abort, Lowering, M, names, new
from slalang.lower.values import subject
from slalang.source import Span

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
@statement("matrix", handles=("clock", "columns", "row"))
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
    singles = lw.singles(node, ("clock", "columns"), M("where.matrix", metric=T(f"diag.metric.{metric}")))
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
    rows = list(node.nodes("row"))
    targets: list[model.Target] = []
    seen: dict[str, Span] = {}
    ok = True
    for row in rows:
        name = row.lit(ast.Name)
        cells = [c for c in row.children if not isinstance(c, ast.Name)]
        if name.value not in lw.priority_spans:
            named = {r.lit(ast.Name).value for r in rows}
            missing = [p for p in lw.priority_spans if p not in named]
            lw.unknown("priority", name, missing or lw.priority_spans)
            ok = False
            continue
        if name.value in seen:
            lw.err(
                "E0402",
                M("E0402.twice", name=name.value),
                name.span,
                M("E0402.hint"),
                [Label(seen[name.value], M("label.first_given"))],
            )
            ok = False
            continue
        seen[name.value] = name.span
        if len(cells) != len(columns):
            lw.err(
                "E0403",
                M(
                    "E0403.count",
                    name=name.value,
                    cells=M("E0403.cells", n=len(cells)),
                    columns=M("E0403.columns", n=len(columns)),
                    names=[c.name for c in columns],
                ),
                row.span,
                M("E0403.hint"),
            )
            ok = False
            continue
        where = lw.span(row.span)
        for col, cell in zip(columns, cells):
            if isinstance(cell, ast.Keyword):  # `-`
                dur = None
            else:
                try:
                    dur = v.target(lw, cell, clock, metric)
                except Abort:
                    ok = False
                    continue
            targets.append(new(model.Target, priority=name.value, column=col.name, duration=dur, span=where))
    missing = [p for p in lw.priority_spans if p not in seen]
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
    targets.sort(key=lambda t: (order[t.priority], colpos[t.column]))
    return new(
        model.Matrix,
        metric=metric,
        title=title,
        clock=clock,
        columns=tuple(columns),
        targets=tuple(targets),
        span=lw.span(node.span),
    )


def matrix_columns(lw: Lowering, node: ast.Node) -> list[model.Column]:
    out: list[model.Column] = []
    seen: dict[str, Span] = {}
    for name in node.lits(ast.Name):
        if name.value in seen:
            lw.err(
                "E0404",
                M("E0404.twice", name=name.value),
                name.span,
                M("E0404.twice_hint"),
                [Label(seen[name.value], M("label.first_listed"))],
            )
            raise Abort
        seen[name.value] = name.span
        if name.value == "off_hours":
            kind = "off_hours"
        elif name.value == "any":
            kind = "any"
        elif name.value in lw.calendar_spans:
            kind = "calendar"
        elif name.value in lw.regions:
            kind = "region"
        else:
            lw.unknown("column", name, [*lw.calendar_spans, *lw.regions, "off_hours", "any"], M("E0201.column_hint"))
            raise Abort
        out.append(new(model.Column, name=name.value, kind=kind))
    kinds = [c.kind for c in out]
    span = node.span
    if "any" in kinds and len(out) > 1:
        lw.err("E0404", M("E0404.any_alone"), span, M("E0404.any_alone_hint"))
        raise Abort
    if "region" in kinds and set(kinds) != {"region"}:
        lw.err("E0404", M("E0404.mixed"), span, M("E0404.mixed_hint"))
        raise Abort
    if "off_hours" in kinds:
        if kinds[-1] != "off_hours":
            lw.err("E0404", M("E0404.off_hours_last"), span, M("E0404.off_hours_last_hint"))
            raise Abort
        if "calendar" not in kinds:
            lw.err("E0404", M("E0404.off_hours_alone"), span, M("E0404.off_hours_alone_hint"))
            raise Abort
    return out


# ---------------------------------------------------------------- other targets
@statement("updates", single=True, handles=("update_rule",))
def lower_updates(lw: Lowering, node: ast.Node | None) -> None:
    lw.out["updates"] = None
    if node is None:
        return
    title = lw.guarded(v.text, lw, node.lit(ast.Text))
    rules: list[model.UpdateRule] = []
    seen: dict[str, Span] = {}
    for r in node.nodes("update_rule"):
        name = r.lit(ast.Name)
        if name.value not in lw.priority_spans:
            lw.unknown("priority", name, lw.priority_spans)
            continue
        if name.value in seen:
            lw.duplicate("update_rule", name.value, name.span, seen[name.value])
            continue
        seen[name.value] = name.span
        every = lw.guarded(v.duration, lw, r.lit(ast.DurationLit), None, subject("update_cadence"), True)
        if every:
            rules.append(new(model.UpdateRule, priority=name.value, every=every, span=lw.span(r.span)))
    if title is None or len(rules) != len(seen):
        lw.failed.add("updates")
        return
    lw.out["updates"] = new(model.Updates, title=title, rules=tuple(rules), span=lw.span(node.span))


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


@statement("availability", handles=("period",))
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
        if value is None:
            lw.failed.add(f"availability.{name.value}")
            continue
        out.append(
            new(model.AvailabilityTarget, product=name.value, percent=value, period=period, span=lw.span(node.span))
        )
    lw.out["availability"] = tuple(out)


_LEVELS = ("yellow", "orange", "red")


@statement("warnings", single=True, handles=("warning_level",))
def lower_warnings(lw: Lowering, node: ast.Node | None) -> None:
    lw.out["warnings"] = ()
    if node is None:
        return
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
@statement("credit", handles=("step_rule", "tier_rule", "ladder_cap", "percent_amount", "money_amount"))
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
    if len(caps) > 1:
        lw.err(
            "E0203",
            M("E0203.cap_twice"),
            lw.head(caps[1]),
            M("E0203.keep_one"),
            [Label(lw.head(caps[0]), M("label.first_given"))],
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
    if title is None:
        return None
    return new(
        model.CreditLadder,
        name=name.value,
        title=title,
        metric=metric,
        step=step,
        tiers=tuple(tier_models),
        cap=cap,
        span=lw.span(node.span),
    )


def _comparable(a: model.Amount, b: model.Amount) -> bool:
    return (a.money is None) == (b.money is None)


def _amount_key(a: model.Amount) -> Decimal:
    return a.money.amount if a.money is not None else (a.percent or Decimal(0))


@statement("credits", single=True, handles=("credits_cap", "credit_form", "claim", "rounding"))
def lower_credits(lw: Lowering, node: ast.Node | None) -> None:
    lw.out["credits"] = None
    if node is None:
        return
    policy = lw.guarded(credit_policy, lw, node)
    lw.out["credits"] = policy
    if policy is None:
        lw.failed.add("credits")


def credit_policy(lw: Lowering, node: ast.Node) -> model.CreditPolicy:
    currency = lw.out.get("currency")
    s = lw.singles(node, ("credits_cap", "credit_form", "claim", "rounding"), M("where.credits"))
    fields: dict = {}
    if "credits_cap" in s:
        c = s["credits_cap"]
        fields["cap"] = v.amount_of(lw, c, subject("credits_cap"), currency)
        fields["cap_period"] = c.must("period").keyword("PERIOD").value
    if "credit_form" in s:
        fields["form"] = s["credit_form"].keyword("CREDIT_FORM").value
    if "claim" in s:
        c = s["claim"]
        fields["claim_within"] = v.duration(lw, c.lit(ast.DurationLit), None, subject("claim_window"), True)
        fields["claim_after"] = c.keyword("CLAIM_ANCHOR").value
    if "rounding" in s:
        c = s["rounding"]
        fields["rounding"] = c.keyword("ROUNDING_MODE").value
        q = c.lit(ast.NumberLit)
        if q.value <= 0 or q.value.normalize() != Decimal(1).scaleb(q.value.normalize().adjusted()):
            lw.err("E0504", M("E0504.quantum", raw=q.raw), q.span, M("E0504.quantum_hint"))
            raise Abort
        fields["quantum"] = q.value
    return new(model.CreditPolicy, span=lw.span(node.span), **fields)


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
