"""The values a clause can quote (`{response.P0.business}`), and the
resolution of every reference against them, once all statements are lowered."""

from __future__ import annotations

from decimal import Decimal

from slalang import ast, model
from slalang.diagnostics import did_you_mean
from slalang.i18n import T
from slalang.lower.state import Lowering, M, new


def values(lw: Lowering) -> dict[str, model.Value]:
    """Every quotable value of what lowered (also when some statements failed,
    so the references that do resolve are not reported)."""
    o = lw.out
    v: dict[str, model.Value] = {}

    def dur(path: str, d: model.Duration | None, strict: bool = False) -> None:
        if d is not None:
            v[path] = new(model.Value, kind="duration", duration=d, strict=strict)

    def pct(path: str, p: Decimal | None) -> None:
        if p is not None:
            v[path] = new(model.Value, kind="percent", percent=p)

    def amount(path: str, a: model.Amount | None) -> None:
        if a is None:
            return
        if a.money is not None:
            v[path] = new(model.Value, kind="money", money=a.money)
        else:
            pct(path, a.percent)

    for metric in ("response", "resolution"):
        m = o.get(metric)
        if m is None:
            continue
        for t in m.targets:
            if t.when is not None:
                continue  # a conditional row is not quotable: `response.P1.x` is the plain row's cell
            dur(f"{m.metric}.{t.priority}.{t.column}", t.duration, t.strict)
            if t.duration is None:
                lw.empty_cells.add(f"{m.metric}.{t.priority}.{t.column}")
    if o.get("updates"):
        for r in o["updates"].rules:
            dur(f"updates.{r.priority}" + (f".{r.column}" if r.column else ""), r.every)
    if o.get("followup"):
        dur("followup", o["followup"].within)
    availability = o.get("availability", ())
    periods: dict[str, int] = {}
    for a in availability:
        periods[a.product] = periods.get(a.product, 0) + 1
    for a in availability:
        pct(f"availability.{a.product}.{a.period}", a.percent)
        if periods[a.product] == 1:
            pct(f"availability.{a.product}", a.percent)
    for w in o.get("warnings", ()):
        pct(f"warnings.{w.level}", w.percent)
    for ladder in o.get("credit_ladders", ()):
        if ladder.step:
            dur(f"credit.{ladder.name}.every", ladder.step.every)
            amount(f"credit.{ladder.name}.amount", ladder.step.amount)
        for i, t in enumerate(ladder.tiers, 1):
            pct(f"credit.{ladder.name}.tier{i}.below", t.below)
            amount(f"credit.{ladder.name}.tier{i}.amount", t.amount)
        amount(f"credit.{ladder.name}.cap", ladder.cap)
        amount(f"credit.{ladder.name}.minimum", ladder.minimum)
    credits = o.get("credits")
    if credits:
        amount("credits.cap", credits.cap)
        if credits.claim is not None:
            v["credits.claim"] = claim_value(credits.claim.within)
    exclusions = o.get("exclusions")
    if exclusions:
        if exclusions.force_majeure:
            dur("force_majeure.notify", exclusions.force_majeure.notify_within)
        if exclusions.maintenance:
            dur("maintenance.notice", exclusions.maintenance.notice)
            dur("maintenance.max", exclusions.maintenance.max)
    reporting = o.get("reporting")
    if reporting:
        if reporting.retention:
            v["reporting.retention"] = new(model.Value, kind="span", span=reporting.retention)
        if reporting.audit:
            v["reporting.audit"] = new(model.Value, kind="span", span=reporting.audit.every)
    if o.get("effective_start"):
        v["effective.start"] = new(model.Value, kind="date", date=o["effective_start"])
    if o.get("effective_end"):
        v["effective.end"] = new(model.Value, kind="date", date=o["effective_end"])
    for who in ("provider", "customer"):
        if o.get(who):
            v[who] = new(model.Value, kind="text", text=o[who].name)
    scope = o.get("scope")
    for p in scope.products if scope else ():
        if p.fee:
            v[f"fee.{p.name}"] = new(model.Value, kind="money", money=p.fee)
    return dict(sorted(v.items()))


def resolve(lw: Lowering, table: dict[str, model.Value]) -> None:
    for t in lw.ref_texts:
        same_values(lw, t, table)
    for ref in lw.refs:
        if ref.path in table:
            continue
        parts = ref.path.split(".")
        if parts[0] in lw.failed or ".".join(parts[:2]) in lw.failed:
            continue  # its section already has an error; don't pile on
        if ref.path in lw.empty_cells:
            metric, prio, col = parts
            lw.err(
                "E0701",
                M("E0701.empty_cell", ref=ref.path, priority=prio, metric=T(f"diag.metric.{metric}"), column=col),
                ref.span,
                M("E0701.empty_cell_hint"),
            )
            continue
        guess = did_you_mean(ref.path, table)
        prefix = parts[0]
        nearby = [p for p in table if p.split(".")[0] == prefix][:6]
        if guess:
            hint = M("E0701.did_you_mean", guess=guess)
        elif nearby:
            hint = M("E0701.nearby", prefix=prefix, paths=", ".join(f"`{{{p}}}`" for p in nearby))
        else:
            hint = M("E0701.see_docs")
        lw.err("E0701", M("E0701.unknown", ref=ref.path), ref.span, hint)


def same_values(lw: Lowering, t: ast.Text, table: dict[str, model.Value]) -> None:
    """The languages of one text must quote the same values (checked once
    references are resolved, so a misspelt one is reported once)."""
    if any(r.path not in table for s in t.strings for r in s.refs):
        return
    sets = [sorted({r.path for r in s.refs}) for s in t.strings]
    if len(sets) > 1 and any(x != sets[0] for x in sets[1:]):
        odd = next(i for i, x in enumerate(sets) if x != sets[0])
        lw.err(
            "W0703",
            M(
                "W0703.differ",
                first=", ".join(sets[0]) or M("W0703.none"),
                other=", ".join(sets[odd]) or M("W0703.none"),
            ),
            t.strings[odd].span,
            M("W0703.hint"),
        )


def claim_value(s: model.ClaimSpan) -> model.Value:
    """A claim window's length as a quotable value: days and business days
    are durations (`60d`, `10bd`), calendar months a calendar span."""
    if s.unit == "months":
        return new(model.Value, kind="span", span=new(model.CalendarSpan, count=s.count, unit="month"))
    if s.unit == "business_days":
        d = new(model.Duration, spelling=s.spelling, clock="business", seconds=0, days=s.count)
    else:
        d = new(model.Duration, spelling=s.spelling, clock="wall", seconds=s.count * 86400)
    return new(model.Value, kind="duration", duration=d)
