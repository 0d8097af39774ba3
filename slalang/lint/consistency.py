"""Consistency rules (L3xx): terms that compile but contradict each other.

Each check is arithmetic on the model: a credit ladder that cannot pay, a cap
that swallows a ladder's first step, a maintenance allowance that exceeds the
downtime the availability target permits, an off-hours promise stricter than
the business-hours one, a progress update due after the ticket should be
resolved, warning levels that fire together.

Durations on one clock compare as the compiler's own checks do (a `bd`
counts as the calendar's longest working day). Across clocks a rule only
reports what is certain or typical, never a guess that could go either way:
L305 (off-hours stricter) uses the least wall time a business duration can
take (its business seconds); L306 (update after resolution) uses the wall time
it typically takes: a business day (`bd`) is a calendar day, and a business
hour (`bh`) runs at the calendar's pace (24 h ÷ the longest working day: on a
9-hour day, 3bh is about 8 h of wall time)."""

from __future__ import annotations

from decimal import Decimal

from slalang import ast, model
from slalang.diagnostics import Label
from slalang.lint.context import LintContext
from slalang.lint.registry import Finding, rule
from slalang.source import Span

MONTH_SECONDS = 30 * 86400
_PER_MONTH = {"month": 1, "quarter": 3, "year": 12}


def fmt_seconds(seconds: float) -> str:
    """A computed time for a message: `45 s`, `21.6 min`, `4h`, `1h30m`, `2d`."""
    if seconds < 60:
        return f"{seconds:g} s"
    if seconds < 3600 or seconds % 60:
        return f"{round(seconds / 60, 1):g} min" if seconds < 3600 else f"{round(seconds / 3600, 1):g} h"
    return spell(int(seconds))


def spell(seconds: int) -> str:
    """Whole minutes as a duration the language accepts: `43m`, `1h30m`, `2d`."""
    m = max(1, seconds // 60)
    h, m = divmod(m, 60)
    d, h = divmod(h, 24)
    return "".join(f"{n}{u}" for n, u in ((d, "d"), (h, "h"), (m, "m")) if n)


def wall_estimate(d: model.Duration, day_seconds: int) -> float:
    """The wall time a duration typically takes (see the module docstring)."""
    if d.clock == "wall":
        return d.seconds
    return d.days * 86400 + d.seconds * 86400 / max(day_seconds, 1)


def _amount_words(a: model.Amount) -> str:
    if a.money is not None:
        return f"{a.money.amount} {a.money.currency}"
    return f"{a.percent}%" + (" of the monthly fee" if a.base else "")


def exceeds(a: model.Amount, b: model.Amount, fees: dict[str, Decimal]) -> str | None:
    """Whether amount `a` is larger than `b`: "" when it always is, the name of
    a product for which it is (percent against money needs the fees), None
    when it is not or cannot be told."""
    if (a.money is None) == (b.money is None):
        return "" if _value(a) > _value(b) else None
    for product, fee in sorted(fees.items()):
        if _money(a, fee) > _money(b, fee):
            return product
    return None


def _value(a: model.Amount) -> Decimal:
    return a.money.amount if a.money is not None else (a.percent or Decimal(0))


def _money(a: model.Amount, fee: Decimal) -> Decimal:
    return a.money.amount if a.money is not None else (a.percent or Decimal(0)) * fee / 100


def _amount_span(node: ast.Node) -> Span:
    amount = node.first("percent_amount") or node.first("money_amount")
    return amount.span if amount is not None else node.span


def _ladder_parts(ctx: LintContext, ladder: model.CreditLadder):
    node = ctx.named("credit", ladder.name)
    steps = list(node.nodes("step_rule")) if node else []
    tiers = list(node.nodes("tier_rule")) if node else []
    caps = list(node.nodes("ladder_cap")) if node else []
    return node, steps, tiers, caps


@rule("L301", "ladder-never-pays", "error", "a credit ladder can never trigger or always pays nothing")
def ladder_never_pays(ctx: LintContext):
    c = ctx.contract
    fees = ctx.fees()
    for ladder in c.credit_ladders:
        node = ctx.named("credit", ladder.name)
        where = ctx.statement_head(node) if node else ctx.contract_head()
        if ladder.metric in ("response", "resolution"):
            m = c.matrix(ladder.metric)
            if m is not None and all(t.duration is None for t in m.targets):
                yield Finding(
                    where,
                    f"credit `{ladder.name}` pays for late {ladder.metric}, but the {ladder.metric} "
                    "matrix commits to nothing (every cell is `-`), so nothing can be late",
                    f"give the {ladder.metric} matrix targets, or remove the credit",
                )
                continue
        elif not c.availability:
            yield Finding(
                where,
                f"credit `{ladder.name}` pays below an availability threshold, but the contract "
                "sets no availability target, so availability is never measured",
                "add e.g. `availability hosting 99.9% per month`",
            )
            continue
        amounts = [ladder.step.amount] if ladder.step else [t.amount for t in ladder.tiers]
        if all(a.money is None for a in amounts) and not fees:
            yield Finding(
                where,
                f"credit `{ladder.name}` pays a percentage of the monthly fee, but no product "
                "declares a fee, so every credit is zero",
                "add `fee 120000.00 per month` to the products in `scope`, or credit a fixed amount "
                f"such as `1000 {c.currency}`",
            )


@rule("L302", "ladder-cap-below-first-step", "error", "a ladder's first step already exceeds the ladder's cap")
def ladder_cap_first_step(ctx: LintContext):
    fees = ctx.fees()
    for ladder in ctx.contract.credit_ladders:
        if ladder.cap is None:
            continue
        node, steps, tiers, caps = _ladder_parts(ctx, ladder)
        first = ladder.step.amount if ladder.step else (ladder.tiers[0].amount if ladder.tiers else None)
        first_node = steps[0] if steps else (tiers[0] if tiers else None)
        if first is None or first_node is None:
            continue
        product = exceeds(first, ladder.cap, fees)
        if product is None:
            continue
        on = f" (for `{product}`)" if product else ""
        rung = "step" if ladder.step else "tier"
        yield Finding(
            _amount_span(first_node),
            f"the first {rung} of `{ladder.name}` ({_amount_words(first)}) already exceeds the ladder's "
            f"cap ({_amount_words(ladder.cap)}){on}: the ladder never climbs, every breach pays the cap",
            f"make the {rung} smaller than the cap (e.g. a fifth of it), or raise the cap",
            (Label(_amount_span(caps[0]), "the ladder's cap"),) if caps else (),
        )


@rule("L303", "monthly-cap-below-tier", "error", "the overall credit cap is below a single tier or step")
def monthly_cap_below_tier(ctx: LintContext):
    c = ctx.contract
    policy = c.credits
    if policy is None or policy.cap is None:
        return
    fees = ctx.fees()
    cap_node = ctx.top("credits").first("credits_cap")
    for ladder in c.credit_ladders:
        node, steps, tiers, caps = _ladder_parts(ctx, ladder)
        rungs = ([(ladder.step.amount, steps[0] if steps else None)] if ladder.step else []) + [
            (t.amount, tiers[i] if i < len(tiers) else None) for i, t in enumerate(ladder.tiers)
        ]
        for amount, rung_node in rungs:
            product = exceeds(amount, policy.cap, fees)
            if product is None or rung_node is None:
                continue
            on = f" for `{product}`" if product else ""
            what = "a single step" if ladder.step else "a single tier"
            yield Finding(
                _amount_span(rung_node),
                f"{what} of `{ladder.name}` ({_amount_words(amount)}) is more than the overall cap "
                f"({_amount_words(policy.cap)} per {policy.cap_period}){on}: it can never be paid in full",
                "raise the overall cap to at least the largest tier, or lower the tier",
                (Label(_amount_span(cap_node), "the overall cap"),) if cap_node else (),
            )
            break  # the first rung over the cap; the larger ones below it say the same


def maintenance_excluded(m: model.Maintenance) -> bool:
    """Scheduled maintenance is excluded from availability only when the
    customer can tell it from an outage: announced in advance (`notice`) and
    inside an agreed `window`. Otherwise it counts as downtime."""
    return m.notice is not None and bool(m.windows)


@rule(
    "L304",
    "maintenance-exceeds-downtime",
    "error",
    "maintenance that counts as downtime exceeds what the availability target permits",
)
def maintenance_exceeds(ctx: LintContext):
    c = ctx.contract
    ex = c.exclusions
    if ex is None or ex.maintenance is None or ex.maintenance.max is None or not c.availability:
        return
    m = ex.maintenance
    if maintenance_excluded(m):
        return
    allowance = m.max.seconds / _PER_MONTH[m.max_period or "month"]
    strictest = max(c.availability, key=lambda a: a.percent)
    permitted = float((100 - strictest.percent) / 100) * MONTH_SECONDS
    if allowance <= permitted:
        return
    mnode = ctx.top("exclusions").first("maintenance")
    max_node = mnode.first("maintenance_max")
    lacking = " and ".join(w for w, ok in (("`notice`", m.notice is not None), ("`window`", bool(m.windows))) if not ok)
    per = "" if (m.max_period or "month") == "month" else f" ({fmt_seconds(allowance)} a month)"
    avail_node = next(
        (n for n in ctx.tops("availability") if ctx.source.line_col(n.span.start)[0] == strictest.line), None
    )
    yield Finding(
        max_node.span if max_node else ctx.head(mnode),
        f"maintenance of up to {m.max.spelling} per {m.max_period}{per} counts as downtime (it has no "
        f"{lacking}), but {strictest.product}'s {strictest.percent}% per {strictest.period} permits only "
        f"{fmt_seconds(permitted)} of downtime in a 30-day month",
        "exclude maintenance by giving it a notice and a window, e.g. `maintenance notice "
        f"{m.notice.spelling if m.notice else '72h'}, "
        f"max {m.max.spelling} per {m.max_period}, window sat 00:00-06:00`, or lower the allowance to at "
        f"most {spell(int(permitted))}",
        (Label(avail_node.span, "the availability target"),) if avail_node else (),
    )


def _cells(m: model.Matrix) -> dict[tuple[str, str], model.Duration | None]:
    """Matrix.cell for every cell at once (Matrix.cell is a linear search)."""
    return {(t.priority, t.column): t.duration for t in m.targets}


def _shorter(off: model.Duration | None, bus: model.Duration | None, day: int) -> bool:
    """Whether the off-hours target is definitely stricter than the business one."""
    if off is None:
        return False
    if bus is None:
        return True
    if off.clock == bus.clock:
        return off.nominal_seconds(day) < bus.nominal_seconds(day)
    if off.clock == "wall":  # a business duration lasts at least its business seconds
        return off.seconds < bus.nominal_seconds(day)
    return False


@rule("L305", "off-hours-stricter", "warning", "an off-hours target is shorter than the business-hours one")
def off_hours_stricter(ctx: LintContext):
    for metric in ("response", "resolution"):
        m = ctx.contract.matrix(metric)
        if m is None or not any(col.kind == "off_hours" for col in m.columns):
            continue
        day = ctx.day_seconds(m.clock)
        off_col = next(col for col in m.columns if col.kind == "off_hours")
        cells = _cells(m)
        for p in ctx.contract.priorities:
            off = cells.get((p.name, off_col.name))
            for col in m.columns:
                if col.kind != "calendar":
                    continue
                bus = cells.get((p.name, col.name))
                if not _shorter(off, bus, day):
                    continue
                bus_words = "no commitment" if bus is None else bus.spelling
                span = ctx.cell_span(metric, p.name, off_col.name)
                yield Finding(
                    span,
                    f"{p.name}'s off-hours {metric} target ({off.spelling}) is shorter than its "
                    f"`{col.name}` target ({bus_words}): tickets opened at night are promised more",
                    f"give business hours the stricter target, e.g. `{p.name}  {off.spelling}  "
                    f"{bus.spelling if bus else off.spelling}`, or swap the cells",
                    (Label(ctx.cell_span(metric, p.name, col.name), f"the `{col.name}` target"),),
                )
                break


@rule("L306", "update-after-resolution", "warning", "a progress-update cadence is longer than the resolution target")
def update_after_resolution(ctx: LintContext):
    c = ctx.contract
    if c.updates is None or c.resolution is None:
        return
    m = c.resolution
    day = ctx.day_seconds(m.clock)
    cells = _cells(m)
    for r in c.updates.rules:
        for col in m.columns:
            target = cells.get((r.priority, col.name))
            if target is None:
                continue
            estimate = wall_estimate(target, day)
            if r.every.seconds <= estimate:
                continue
            node = next(
                (n for n in ctx.top("updates").nodes("update_rule") if n.lit(ast.Name).value == r.priority), None
            )
            dur = node.lit(ast.DurationLit) if node else None
            approx = "" if target.clock == "wall" else f", about {fmt_seconds(estimate)} of wall time"
            yield Finding(
                dur.span if dur else ctx.head(ctx.top("updates")),
                f"{r.priority} is updated every {r.every.spelling}, but should be resolved within "
                f"{target.spelling}{approx} (`{col.name}`): the first update is due after the resolution",
                f"update more often than the resolution target, e.g. `{r.priority} every {spell(int(estimate // 4))}`",
                (Label(ctx.cell_span("resolution", r.priority, col.name), "the resolution target"),),
            )
            break


@rule(
    "L307",
    "warnings-not-ascending",
    "warning",
    "warning levels do not rise, or fire within the same minute on the tightest target",
)
def warnings_not_ascending(ctx: LintContext):
    c = ctx.contract
    levels = list(c.warnings)
    node = ctx.top("warnings")
    if node is None or len(levels) < 2:
        return
    spans = {w.lit(ast.Keyword).value: w.span for w in node.nodes("warning_level")}
    order = ("yellow", "orange", "red")
    for a, b in zip(levels, levels[1:]):
        if order.index(b.level) < order.index(a.level) or b.percent <= a.percent:
            yield Finding(
                spans.get(b.level, node.span),
                f"the {b.level} warning ({b.percent}%) does not come after the {a.level} warning ({a.percent}%)",
                "warnings escalate: yellow < orange < red",
                (Label(spans[a.level], f"the {a.level} warning"),) if a.level in spans else (),
            )
            return
    tight: tuple[float, str] | None = None
    for metric in ("response", "resolution"):
        m = c.matrix(metric)
        if m is None:
            continue
        day = ctx.day_seconds(m.clock)
        for t in m.targets:
            if t.duration is None:
                continue
            secs = t.duration.nominal_seconds(day) if t.duration.clock == "business" else t.duration.seconds
            if tight is None or secs < tight[0]:
                tight = (secs, f"{metric}.{t.priority}.{t.column} = {t.duration.spelling}")
    if tight is None:
        return
    secs, name = tight
    for a, b in zip(levels, levels[1:]):
        ta = float(a.percent) / 100 * secs
        tb = float(b.percent) / 100 * secs
        if tb - ta < 60:
            yield Finding(
                spans.get(b.level, node.span),
                f"on the tightest target ({name}) the {a.level} warning fires at {fmt_seconds(ta)} and "
                f"the {b.level} warning at {fmt_seconds(tb)}, less than a minute later: the levels do "
                "not escalate in practice",
                "space the levels so each is at least a minute apart on the tightest target, e.g. "
                "`yellow at 50%  orange at 75%  red at 100%`",
                (Label(spans[a.level], f"the {a.level} warning"),) if a.level in spans else (),
            )
            return
