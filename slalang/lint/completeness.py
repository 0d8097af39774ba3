"""Completeness rules (L1xx): the parts a commitment letter must contain.

The source specification lists them: a provider declaration with its
credentials (服务主体声明), the scope (服务范围界定), the response matrix
(时效承诺矩阵), SLA terms, compensation (补偿机制), exclusions with force
majeure (不可抗力), monitoring with three warning levels (三级预警), reporting
with records kept at least six months (记录留存 ≥ 6 个月) and an audit cadence,
and the dispute mechanism (仲裁/诉讼管辖地). A missing block is reported at
`contract "id"`; a missing line inside a block at that block's first word."""

from __future__ import annotations

from slalang import ast
from slalang.lint.context import LintContext
from slalang.lint.registry import Finding, rule
from slalang.source import Span

# Calendar spans in days, to compare with "6 months" exactly (a month is 30 days).
_DAYS = {"day": 1, "week": 7, "month": 30, "year": 365}


@rule("L101", "provider-credential", "error", "the provider declares no credential")
def provider_credential(ctx: LintContext):
    if ctx.contract.provider.credentials:
        return
    node = ctx.top("provider")
    yield Finding(
        ctx.statement_head(node),
        "the provider declaration names no credential (资质认证)",
        'add the certifications the provider holds: `provider "…" | "…" { credential "ISO/IEC 20000-1:2018" }`',
    )


@rule("L102", "scope-missing", "error", "the contract has no `scope`")
def scope_missing(ctx: LintContext):
    if ctx.top("scope") is None:
        yield Finding(
            ctx.contract_head(),
            "the contract has no `scope` (服务范围: regions, products, services)",
            'add e.g. `scope { product hosting "云主机" | "Cloud Hosting" fee 120000.00 per month  '
            'service incident "故障处理" | "Incident handling" }`',
        )


@rule("L103", "scope-incomplete", "warning", "the scope names no product or no service type")
def scope_incomplete(ctx: LintContext):
    node = ctx.top("scope")
    scope = ctx.contract.scope
    if node is None:
        return
    missing = []
    if not scope.products:
        missing.append(("products", 'product hosting "云主机" | "Cloud Hosting" fee 120000.00 per month'))
    if not scope.services:
        missing.append(("service types", 'service incident "故障处理" | "Incident handling"'))
    if missing:
        what = " and ".join(m[0] for m in missing)
        yield Finding(ctx.head(node), f"the scope names no {what}", "add " + " and ".join(f"`{m[1]}`" for m in missing))


@rule("L104", "response-missing", "error", "the contract has no first-response matrix")
def response_missing(ctx: LintContext):
    if ctx.contract.response is None:
        yield Finding(
            ctx.contract_head(),
            "the contract has no `response` matrix (时效承诺矩阵)",
            'add e.g. `response "首次响应" | "First response" { columns business, off_hours  '
            "P0 15m 4h … }` with a row per priority",
        )


@rule("L105", "response-priority-uncovered", "error", "a priority has no first-response target in any column")
def response_uncovered(ctx: LintContext):
    c = ctx.contract
    if not c.priorities:
        yield Finding(
            ctx.contract_head(),
            "the contract declares no priorities (P0–P4)",
            'add e.g. `priority P0 "紧急" | "Critical" { "核心业务全部中断" | "Core business down" }`',
        )
        return
    m = c.response
    if m is None:
        return
    committed = {t.priority for t in m.targets if t.duration is not None}
    rows = {t.priority for t in m.targets}
    for p in c.priorities:
        if p.name in rows and p.name not in committed:
            row = ctx.row_node("response", p.name)
            yield Finding(
                row.span if row else ctx.head(ctx.matrix_node("response")),
                f"{p.name} has no first-response target: every cell of its row is `-`",
                f"commit to a first response in at least one column, e.g. `{p.name}  3bd "
                + " ".join("-" for _ in m.columns[1:])
                + "`",
            )


@rule("L106", "resolution-missing", "error", "the contract has no resolution targets")
def resolution_missing(ctx: LintContext):
    m = ctx.contract.resolution
    if m is None:
        yield Finding(
            ctx.contract_head(),
            "the contract has no `resolution` matrix (故障恢复时限)",
            'add e.g. `resolution "故障恢复" | "Restoration" { columns any  P0 4h  P1 8h … }`',
        )
    elif all(t.duration is None for t in m.targets):
        yield Finding(
            ctx.head(ctx.matrix_node("resolution")),
            "the resolution matrix commits to nothing: every cell is `-`",
            "give at least the most severe priority a target, e.g. `P0 4h`",
        )


@rule("L107", "compensation-missing", "error", "the contract has no credit ladder")
def compensation_missing(ctx: LintContext):
    if not ctx.contract.credit_ladders:
        yield Finding(
            ctx.contract_head(),
            "the contract has no compensation (补偿机制): no `credit` ladder",
            'add e.g. `credit response_delay "响应超时补偿" | "Late response credit" on response '
            "{ per started 30m late: 5% of monthly_fee  cap 30% }`",
        )


@rule("L108", "credit-cap-missing", "error", "compensation has no overall cap")
def credit_cap_missing(ctx: LintContext):
    c = ctx.contract
    if not c.credit_ladders:
        return
    if c.credits is None:
        yield Finding(
            ctx.contract_head(),
            "the compensation has no `credits` block: no overall cap and no claim window",
            "add `credits { cap 100% of monthly_fee per month  claim within 60d after month_end }`",
        )
    elif c.credits.cap is None:
        yield Finding(
            ctx.head(ctx.top("credits")),
            "the compensation has no overall cap",
            "add `cap 100% of monthly_fee per month` to `credits`",
        )


@rule("L109", "claim-window-missing", "error", "compensation has no claim window")
def claim_window_missing(ctx: LintContext):
    c = ctx.contract
    if c.credit_ladders and c.credits is not None and c.credits.claim_within is None:
        yield Finding(
            ctx.head(ctx.top("credits")),
            "the compensation does not say how long a credit can be claimed",
            "add `claim within 60d after month_end` to `credits`",
        )


@rule("L110", "force-majeure-missing", "error", "the exclusions define no force majeure")
def force_majeure_missing(ctx: LintContext):
    ex = ctx.contract.exclusions
    if ex is None:
        yield Finding(
            ctx.contract_head(),
            "the contract has no `exclusions`: force majeure (不可抗力) is not defined",
            'add `exclusions { force_majeure "自然灾害、战争、政府管制" | "natural '
            'disasters, war, government action" { notify within 24h } }`',
        )
    elif ex.force_majeure is None:
        yield Finding(
            ctx.head(ctx.top("exclusions")),
            "the exclusions do not define force majeure (不可抗力)",
            'add `force_majeure "自然灾害、战争、政府管制" | "natural disasters, war, government '
            'action" { notify within 24h }`',
        )


@rule("L111", "force-majeure-notice-missing", "error", "force majeure carries no notice duty")
def force_majeure_notice(ctx: LintContext):
    ex = ctx.contract.exclusions
    if ex is None or ex.force_majeure is None or ex.force_majeure.notify_within is not None:
        return
    node = ctx.top("exclusions").first("force_majeure")
    yield Finding(
        ctx.statement_head(node),
        "force majeure carries no notice duty: the provider need not tell the customer when it invokes it",
        "add `{ notify within 24h }` after the events",
    )


@rule("L112", "warnings-missing", "error", "monitoring has no yellow/orange/red warning thresholds")
def warnings_missing(ctx: LintContext):
    levels = [w.level for w in ctx.contract.warnings]
    node = ctx.top("warnings")
    if node is None:
        yield Finding(
            ctx.contract_head(),
            "the contract sets no monitoring warnings (三级预警: yellow/orange/red)",
            "add `warnings { yellow at 50%  orange at 75%  red at 100% }`",
        )
        return
    missing = [lv for lv in ("yellow", "orange", "red") if lv not in levels]
    if missing:
        example = {"yellow": "yellow at 50%", "orange": "orange at 75%", "red": "red at 100%"}
        yield Finding(
            ctx.head(node),
            f"the warnings have no {' and no '.join(missing)} level (三级预警 needs all three)",
            "add " + ", ".join(f"`{example[m]}`" for m in missing),
        )


@rule("L113", "reporting-missing", "error", "the contract has no `reporting`")
def reporting_missing(ctx: LintContext):
    if ctx.contract.reporting is None:
        yield Finding(
            ctx.contract_head(),
            "the contract has no `reporting` (reports, record retention, audit)",
            "add `reporting { reports daily, weekly  metrics sla_attainment, mttr, availability  "
            "retention 6 months  audit every 6 months by third_party }`",
        )


@rule("L114", "retention-short", "error", "records are kept less than 6 months, or for no stated time")
def retention_short(ctx: LintContext):
    rep = ctx.contract.reporting
    if rep is None:
        return
    node = ctx.top("reporting")
    if rep.retention is None:
        yield Finding(
            ctx.head(node),
            "the reporting does not say how long records are kept",
            "add `retention 6 months` (the specification requires at least 6 months)",
        )
        return
    if rep.retention.count * _DAYS[rep.retention.unit] < 6 * 30:
        ret = node.first("retention")
        num = ret.lit(ast.NumberLit)
        unit = ret.lit(ast.Keyword)
        yield Finding(
            Span(num.span.start, unit.span.end),
            f"records are kept {num.raw} {unit.value}, "
            "less than the 6 months the specification requires (记录留存 ≥ 6 个月)",
            "write `retention 6 months` or longer",
        )


@rule("L115", "audit-missing", "error", "reporting has no audit cadence")
def audit_missing(ctx: LintContext):
    rep = ctx.contract.reporting
    if rep is not None and rep.audit is None:
        yield Finding(
            ctx.head(ctx.top("reporting")),
            "the reporting sets no audit cadence",
            "add `audit every 6 months by third_party`",
        )


@rule("L116", "governing-law-missing", "error", "no governing law")
def law_missing(ctx: LintContext):
    d = ctx.contract.disputes
    if d is None:
        yield Finding(
            ctx.contract_head(),
            "the contract has no `disputes`: no governing law and no forum",
            'add `disputes { law "中华人民共和国法律" | "the laws of the People\'s Republic of China"  '
            'arbitration "…" | "…"  seat "北京" | "Beijing" }`',
        )
    elif d.law is None:
        yield Finding(
            ctx.head(ctx.top("disputes")),
            "the disputes name no governing law",
            'add `law "中华人民共和国法律" | "the laws of the People\'s Republic of China"`',
        )


@rule("L117", "dispute-forum-missing", "error", "no arbitration body or court")
def forum_missing(ctx: LintContext):
    d = ctx.contract.disputes
    if d is not None and d.forum is None:
        yield Finding(
            ctx.head(ctx.top("disputes")),
            "the disputes name no forum (仲裁机构或法院)",
            'add `arbitration "中国国际经济贸易仲裁委员会" | "China International Economic and Trade '
            'Arbitration Commission"` or `court "…" | "…"`',
        )


@rule("L118", "dispute-seat-missing", "error", "the dispute forum has no seat")
def seat_missing(ctx: LintContext):
    d = ctx.contract.disputes
    if d is not None and d.forum is not None and d.seat is None:
        node = ctx.top("disputes").first(d.forum)
        yield Finding(
            ctx.statement_head(node),
            f"the {d.forum} has no seat (管辖地)",
            'add `seat "北京" | "Beijing"` to `disputes`',
        )
