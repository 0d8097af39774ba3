"""Consistency rules (L3xx): terms that compile but contradict each other.

Each check is arithmetic on the model: a credit ladder that cannot pay, a cap
that swallows a ladder's first step, a maintenance allowance that exceeds the
downtime the availability target permits, an off-hours promise stricter than
the business-hours one, a progress update due after the ticket should be
resolved, warning levels that fire together.

Two targets are compared only by `slalang.targets.compare`, on the compiled
calendar, instant by instant over the effective period (SEMANTICS §2): never
by their "seconds", since `1bd` has no length in seconds. L305 compares an
off-hours cell with a business-hours cell on the tickets the business-hours
column governs; L306 compares the first progress update with the resolution
target on the tickets of the resolution column (docs/lint.md says why)."""

from __future__ import annotations

from decimal import Decimal

from slalang import ast, model
from slalang.diagnostics import Label
from slalang.durations import business_seconds, wall_seconds
from slalang.i18n import Verbatim
from slalang.lint import words
from slalang.lint.context import LintContext
from slalang.lint.registry import Finding, msg, rule
from slalang.source import Span
from slalang.terms import PERIOD_MONTHS, UNIT_SECONDS, duration_parts

# L304 measures the downtime an availability target permits in a 30-day month.
MONTH_SECONDS = 30 * UNIT_SECONDS["d"]


def exceeds(a: model.Amount, b: model.Amount, fees: dict[str, Decimal]) -> str | None:
    """Whether amount `a` is larger than `b`: "" when it always is, the name of
    a product for which it is (percent against money needs the fees), None
    when it is not or cannot be told."""
    if a.money is None and b.money is None and (a.base or "monthly_fee") != (b.base or "monthly_fee"):
        return None  # shares of the fee and of the billed charges do not compare
    if (a.money is None) == (b.money is None):
        return "" if _value(a) > _value(b) else None
    if "charges" in (a.base, b.base):
        return None  # the charges are data, known only when credits are computed
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


@rule("L301", "ladder-never-pays", "error")
def ladder_never_pays(ctx: LintContext):
    c = ctx.contract
    fees = ctx.fees()
    for ladder in c.credit_ladders:
        node = ctx.named("credit", ladder.name)
        where = ctx.statement_head(node) if node else ctx.contract_head()
        if ladder.metric in ("response", "resolution"):
            m = c.matrix(ladder.metric)
            if m is not None and all(t.duration is None for t in m.targets):
                what = words.metric(ladder.metric)
                yield Finding(
                    where,
                    msg("L301.matrix_empty.message", ladder=Verbatim(ladder.name), metric=what),
                    msg("L301.matrix_empty.hint", metric=what),
                )
                continue
        elif not c.availability:
            yield Finding(
                where,
                msg("L301.no_availability.message", ladder=Verbatim(ladder.name)),
                msg("L301.no_availability.hint", example=Verbatim("availability hosting 99.9% per month")),
            )
            continue
        amounts = [ladder.step.amount] if ladder.step else [t.amount for t in ladder.tiers]
        # A share of the billed charges needs no fee (the charges are data).
        if all(a.money is None and a.base != "charges" for a in amounts) and not fees:
            yield Finding(
                where,
                msg("L301.no_fee.message", ladder=Verbatim(ladder.name)),
                msg(
                    "L301.no_fee.hint",
                    fee=Verbatim("fee 120000.00 per month"),
                    fixed=Verbatim(f"1000 {c.currency}"),
                ),
            )


@rule("L302", "ladder-cap-below-first-step", "error")
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
        on = msg("L302.for_product", product=Verbatim(product)) if product else ""
        rung = "step" if ladder.step else "tier"
        yield Finding(
            _amount_span(first_node),
            msg(
                f"L302.{rung}.message",
                ladder=Verbatim(ladder.name),
                first=words.amount(first),
                cap=words.amount(ladder.cap),
                on=on,
            ),
            msg(f"L302.{rung}.hint"),
            (Label(_amount_span(caps[0]), msg("L302.label")),) if caps else (),
        )


@rule("L303", "monthly-cap-below-tier", "error")
def monthly_cap_below_tier(ctx: LintContext):
    c = ctx.contract
    policy = c.credits
    if policy is None or policy.cap is None:
        return
    fees = ctx.fees()
    cap_node = ctx.the("credits").first("credits_cap")
    for ladder in c.credit_ladders:
        node, steps, tiers, caps = _ladder_parts(ctx, ladder)
        rungs = ([(ladder.step.amount, steps[0] if steps else None)] if ladder.step else []) + [
            (t.amount, tiers[i] if i < len(tiers) else None) for i, t in enumerate(ladder.tiers)
        ]
        for amount, rung_node in rungs:
            product = exceeds(amount, policy.cap, fees)
            if product is None or rung_node is None:
                continue
            on = msg("L303.for_product", product=Verbatim(product)) if product else ""
            rung = "step" if ladder.step else "tier"
            yield Finding(
                _amount_span(rung_node),
                msg(
                    f"L303.{rung}.message",
                    ladder=Verbatim(ladder.name),
                    amount=words.amount(amount),
                    cap=words.amount(policy.cap),
                    period=words.period(policy.cap_period or "month"),
                    on=on,
                ),
                msg(f"L303.{rung}.hint"),
                (Label(_amount_span(cap_node), msg("L303.label")),) if cap_node else (),
            )
            break  # the first rung over the cap; the larger ones below it say the same


def maintenance_excluded(m: model.Maintenance) -> bool:
    """Scheduled maintenance is excluded from availability only when the
    customer can tell it from an outage: announced in advance (`notice`) and
    inside an agreed `window`. Otherwise it counts as downtime."""
    return m.notice is not None and bool(m.windows)


@rule("L304", "maintenance-exceeds-downtime", "error")
def maintenance_exceeds(ctx: LintContext):
    c = ctx.contract
    ex = c.exclusions
    if ex is None or ex.maintenance is None or not c.availability:
        return
    m = ex.maintenance
    most = m.max
    if most is None or maintenance_excluded(m) or most.clock != "wall":
        return
    period = m.max_period or "month"
    allowance = wall_seconds(most) / PERIOD_MONTHS[period]
    strictest = max(c.availability, key=lambda a: a.percent)
    permitted = float((100 - strictest.percent) / 100) * MONTH_SECONDS
    if allowance <= permitted:
        return
    mnode = ctx.the("maintenance", ctx.the("exclusions"))
    max_node = mnode.first("maintenance_max")
    lacking = "both" if m.notice is None and not m.windows else "notice" if m.notice is None else "window"
    per = "" if period == "month" else msg("L304.per_month", allowance=words.seconds(allowance))
    avail_node = next(
        (n for n in ctx.tops("availability") if ctx.source.line_col(n.span.start)[0] == strictest.line), None
    )
    example = (
        f"maintenance notice {m.notice.spelling if m.notice else '72h'}, "
        f"max {most.spelling} per {m.max_period}, window sat 00:00-06:00"
    )
    yield Finding(
        max_node.span if max_node else ctx.head(mnode),
        msg(
            "L304.message",
            max=words.duration(most.spelling),
            period=words.period(period),
            per=per,
            lacking=msg(f"L304.lacking.{lacking}"),
            product=Verbatim(strictest.product),
            percent=strictest.percent,
            availability_period=words.period(strictest.period),
            permitted=words.seconds(permitted),
        ),
        msg("L304.hint", example=Verbatim(example), most=words.duration(words.spell(int(permitted)))),
        (Label(avail_node.span, msg("L304.label")),) if avail_node else (),
    )


def _cells(m: model.Matrix) -> dict[tuple[str, str], model.Duration | None]:
    """Matrix.cell for every cell at once (Matrix.cell is a linear search)."""
    return {(t.priority, t.column): t.duration for t in m.targets}


class _Targets:
    """The contract's target measure (slalang.targets), built once per
    contract, with each column's opening instants and each target's due-time
    function cached: a rule compares many pairs of the same cells."""

    def __init__(self, ctx: LintContext) -> None:
        from slalang.targets import TargetMeasure

        c = ctx.contract
        self.measure = TargetMeasure(c.calendars, c.timezone, c.effective_start, c.effective_end)
        self._domains: dict[tuple[str, str], object] = {}
        self._dues: dict[tuple[str | None, str | None, int, int], object] = {}

    @classmethod
    def of(cls, ctx: LintContext) -> _Targets:
        if "targets" not in ctx.cache:
            ctx.cache["targets"] = cls(ctx)
        return ctx.cache["targets"]

    def domain(self, m: model.Matrix, column: str):
        key = (m.metric, column)
        if key not in self._domains:
            self._domains[key] = self.measure.domain(m, column)
        return self._domains[key]

    def due(self, d: model.Duration | None, clock: str | None):
        key = (
            (None, None, 0, 0) if d is None else (d.clock, clock if d.clock == "business" else None, d.days, d.seconds)
        )
        if key not in self._dues:
            self._dues[key] = self.measure.due(d, clock)
        return self._dues[key]

    def compare(self, a, b, domain) -> str:
        from slalang.targets import compare

        return compare(a, b, domain)


@rule("L305", "off-hours-stricter", "warning")
def off_hours_stricter(ctx: LintContext):
    """An off-hours cell is compared with a business-hours cell of the same
    row on the opening instants of the business-hours column: had the
    daytime tickets been given the night-time target, would every one of them
    be due no later, and one earlier? Then the daytime promise is the weaker
    one. (On the off-hours instants a `bh` target waits for the morning, so
    any wall-clock night target would look stricter there.)"""
    from slalang.targets import STRICTER

    for metric in ("response", "resolution"):
        m = ctx.contract.matrix(metric)
        if m is None or not any(col.kind == "off_hours" for col in m.columns):
            continue
        targets = _Targets.of(ctx)
        off_col = next(col for col in m.columns if col.kind == "off_hours")
        cells = _cells(m)
        for p in ctx.contract.priorities:
            off = cells.get((p.name, off_col.name))
            if off is None:
                continue
            for col in m.columns:
                if col.kind != "calendar" or (p.name, col.name) not in cells:
                    continue
                bus = cells[(p.name, col.name)]
                verdict = targets.compare(
                    targets.due(off, m.clock), targets.due(bus, m.clock), targets.domain(m, col.name)
                )
                if verdict != STRICTER:
                    continue
                example = f"{p.name}  {off.spelling}  {bus.spelling if bus else off.spelling}"
                yield Finding(
                    ctx.cell_span(metric, p.name, off_col.name),
                    msg(
                        "L305.message",
                        priority=Verbatim(p.name),
                        metric=words.metric(metric),
                        off=words.duration(off.spelling),
                        column=Verbatim(col.name),
                        business=words.target(bus),
                    ),
                    msg("L305.hint", example=Verbatim(example)),
                    (Label(ctx.cell_span(metric, p.name, col.name), msg("L305.label", column=Verbatim(col.name))),),
                )
                break


# Update cadences a hint may suggest, longest first (wall clock).
_CADENCES = ("1d", "12h", "8h", "6h", "4h", "3h", "2h", "1h", "30m", "15m", "10m", "5m")


def _wall(spelling: str, times: int = 1) -> model.Duration:
    """`times` × a wall-clock spelling, as a model duration."""
    seconds = sum(n * UNIT_SECONDS[u] for n, u in duration_parts(spelling)) * times
    return model.Duration(spelling=words.spell(seconds), clock="wall", seconds=seconds)


def _suggested_cadence(targets: _Targets, target: model.Duration, clock: str | None, domain) -> str:
    """An update cadence that gives a ticket about four updates before its
    resolution is due: a quarter of a wall-clock target; for a business-clock
    target, the longest usual cadence whose fourth update is never later than
    the resolution, by the same comparison as the rule."""
    from slalang.targets import EQUAL, STRICTER

    if target.clock == "wall":
        return words.spell(wall_seconds(target) // 4)
    resolved = targets.due(target, clock)
    for cadence in _CADENCES:
        if targets.compare(targets.due(_wall(cadence, 4), None), resolved, domain) in (STRICTER, EQUAL):
            return cadence
    return _CADENCES[-1]


@rule("L306", "update-after-resolution", "warning")
def update_after_resolution(ctx: LintContext):
    """The first progress update of a ticket is due one cadence after it is
    opened; it is compared with the resolution target on the opening instants
    of each resolution column, by the same measure (slalang.targets). Looser
    (every ticket's first update is due after its resolution) or unclear
    (some tickets' are) is reported; the message says which."""
    from slalang.targets import LOOSER, UNCLEAR

    c = ctx.contract
    if c.updates is None or c.resolution is None:
        return
    m = c.resolution
    targets = _Targets.of(ctx)
    cells = _cells(m)
    for r in c.updates.rules:
        for col in m.columns:
            target = cells.get((r.priority, col.name))
            if target is None:
                continue
            domain = targets.domain(m, col.name)
            update, resolved = targets.due(r.every, c.updates.clock), targets.due(target, m.clock)
            verdict = targets.compare(update, resolved, domain)
            if verdict not in (LOOSER, UNCLEAR):
                continue
            if verdict == UNCLEAR and (not domain or "unknown" in (update.kind, resolved.kind)):
                continue  # no instant could be judged: nothing is known to be late
            node = next(
                (n for n in ctx.the("updates").nodes("update_rule") if n.lit(ast.Name).value == r.priority), None
            )
            dur = node.lit(ast.DurationLit) if node else None
            example = f"{r.priority} every {_suggested_cadence(targets, target, m.clock, domain)}"
            yield Finding(
                dur.span if dur else ctx.head(ctx.the("updates")),
                msg(
                    "L306.always" if verdict == LOOSER else "L306.sometimes",
                    priority=Verbatim(r.priority),
                    every=words.duration(r.every.spelling),
                    target=words.duration(target.spelling),
                    column=Verbatim(col.name),
                ),
                msg("L306.hint", example=Verbatim(example)),
                (Label(ctx.cell_span("resolution", r.priority, col.name), msg("L306.label")),),
            )
            break


def _own_seconds(d: model.Duration) -> tuple[int, bool] | None:
    """A target's length on its own clock, and whether that clock is working
    time: wall seconds, or the business seconds of a `bh` target. A target
    with a `bd` part has no length in seconds (slalang/durations.py): None."""
    if d.clock == "wall":
        return wall_seconds(d), False
    if d.days:
        return None
    return business_seconds(d), True


@rule("L307", "warnings-not-ascending", "warning")
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
                msg(
                    "L307.order.message",
                    level=words.level(b.level),
                    percent=b.percent,
                    before=words.level(a.level),
                    before_percent=a.percent,
                ),
                msg("L307.order.hint"),
                (Label(spans[a.level], msg("L307.label", level=words.level(a.level))),) if a.level in spans else (),
            )
            return
    # Levels fire at a share of the target, measured on the target's own
    # clock; the closest two levels ever come is on the shortest target of
    # each clock. Each target is measured alone: no two are compared.
    tight: tuple[int, bool, str, model.Duration] | None = None
    for metric in ("response", "resolution"):
        m = c.matrix(metric)
        if m is None:
            continue
        for t in m.targets:
            if t.duration is None:
                continue
            own = _own_seconds(t.duration)
            if own is not None and (tight is None or own[0] < tight[0]):
                tight = (own[0], own[1], f"{metric}.{t.priority}.{t.column}", t.duration)
    if tight is None:
        return
    secs, working, path, duration = tight
    for a, b in zip(levels, levels[1:]):
        ta = float(a.percent) / 100 * secs
        tb = float(b.percent) / 100 * secs
        if tb - ta < UNIT_SECONDS["m"]:
            yield Finding(
                spans.get(b.level, node.span),
                msg(
                    "L307.close.working" if working else "L307.close.message",
                    path=Verbatim(path),
                    target=words.duration(duration.spelling),
                    level=words.level(b.level),
                    at=words.seconds(tb),
                    before=words.level(a.level),
                    before_at=words.seconds(ta),
                ),
                msg("L307.close.hint", example=Verbatim("yellow at 50%  orange at 75%  red at 100%")),
                (Label(spans[a.level], msg("L307.label", level=words.level(a.level))),) if a.level in spans else (),
            )
            return
