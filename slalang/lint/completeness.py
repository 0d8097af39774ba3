"""Completeness rules (L1xx): the parts a commitment letter must contain.

The source specification lists them: a provider declaration with its
credentials (服务主体声明), the scope (服务范围界定), the response matrix
(时效承诺矩阵), SLA terms, compensation (补偿机制), exclusions with force
majeure (不可抗力), monitoring with three warning levels (三级预警), reporting
with records kept at least six months (记录留存 ≥ 6 个月) and an audit cadence,
and the dispute mechanism (仲裁/诉讼管辖地). A missing block is reported at
`contract "id"`; a missing line inside a block at that block's first word.

That list is the commitment letter's (`kind commitment_letter`). An
availability SLA and a support policy, as providers publish them, are
schedules of a master agreement and have only their own parts: each rule
names the profiles it applies to (`profiles=`), and a few read the profile to
ask for the right thing (an availability SLA's ladder is on availability; a
support policy's exclusions need not name force majeure). docs/lint.md has
the table and the reason for each exclusion."""

from __future__ import annotations

from slalang import ast
from slalang.durations import compare_spans
from slalang.i18n import Msg, Verbatim, names
from slalang.lint.context import LintContext
from slalang.lint.registry import Finding, msg, rule
from slalang.lint.words import level
from slalang.model import CalendarSpan
from slalang.source import Span

CL, AS, SP = "commitment_letter", "availability_sla", "support_policy"


def _only(*profiles: str, severity: str = "error") -> dict[str, str]:
    return dict.fromkeys(profiles, severity)


# What each hint shows the author to write: contract source, the same in every language.
EX_CREDENTIAL = 'provider "…" | "…" { credential "ISO/IEC 20000-1:2018" }'
EX_SCOPE = (
    'scope { product hosting "云主机" | "Cloud Hosting" fee 120000.00 per month  '
    'service incident "故障处理" | "Incident handling" }'
)
EX_PRODUCT = 'product hosting "云主机" | "Cloud Hosting" fee 120000.00 per month'
EX_SERVICE = 'service incident "故障处理" | "Incident handling"'
EX_RESPONSE = 'response "首次响应" | "First response" { columns business, off_hours  P0 15m 4h … }'
EX_PRIORITY = 'priority P0 "紧急" | "Critical" { "核心业务全部中断" | "Core business down" }'
EX_DEFINITION = '{ "核心业务全部中断" | "Core business down" }'
EX_UPDATES = 'updates "进度通报" | "Progress updates" { P0 every 1h … }'
EX_AVAILABILITY_CREDIT = (
    'credit uptime "可用性补偿" | "Availability credit" on availability '
    "{ below 99.9%: 10% of monthly_fee  below 99.0%: 25% of monthly_fee }"
)
EX_MAINTENANCE = "maintenance notice 72h, max 4h per month"
EX_CUSTOMER_CAUSED = 'customer_caused "因客户原因导致的问题" | "problems caused by the Customer"'
EX_RESOLUTION = 'resolution "故障恢复" | "Restoration" { columns any  P0 4h  P1 8h … }'
EX_CREDIT = (
    'credit response_delay "响应超时补偿" | "Late response credit" on response '
    "{ per started 30m late: 5% of monthly_fee  cap 30% }"
)
EX_CAP = "cap 100% of monthly_fee per month"
EX_CLAIM = "claim within 60d after month_end"
EX_FORCE_MAJEURE = (
    'force_majeure "自然灾害、战争、政府管制" | "natural disasters, war, government action" { notify within 24h }'
)
EX_EXCLUSIONS = f"exclusions {{ {EX_FORCE_MAJEURE} }}"
EX_NOTICE = "{ notify within 24h }"
EX_WARNINGS = "warnings { yellow at 50%  orange at 75%  red at 100% }"
EX_LEVEL = {"yellow": "yellow at 50%", "orange": "orange at 75%", "red": "red at 100%"}
EX_REPORTING = (
    "reporting { reports daily, weekly  metrics sla_attainment, mttr, availability  "
    "retention 6 months  audit every 6 months by third_party }"
)
EX_RETENTION = "retention 6 months"
EX_AUDIT = "audit every 6 months by third_party"
EX_CONTINUITY = (
    'continuity "容灾备机制" | "Disaster recovery" { rto 15m  '
    'duty failover_drill "故障切换演练" | "Failover drill" every 1 month }'
)
EX_CONTINUITY_DUTY = 'duty failover_drill "故障切换演练" | "Failover drill" every 1 month'
EX_SECURITY = (
    'security "数据安全" | "Data security" { encrypt "服务响应日志" | "service response logs"  '
    'duty penetration_test "渗透测试" | "Penetration test" 2 times per year }'
)
EX_SECURITY_DUTY = 'duty penetration_test "渗透测试" | "Penetration test" 2 times per year'
EX_CADENCE = "every 3 months"
EX_LAW = 'law "中华人民共和国法律" | "the laws of the People\'s Republic of China"'
EX_DISPUTES = f'disputes {{ {EX_LAW}  arbitration "…" | "…"  seat "北京" | "Beijing" }}'
EX_ARBITRATION = (
    'arbitration "中国国际经济贸易仲裁委员会" | "China International Economic and Trade Arbitration Commission"'
)
EX_COURT = 'court "…" | "…"'
EX_SEAT = 'seat "北京" | "Beijing"'

# The shortest record retention the specification allows (记录留存 ≥ 6 个月).
# A retention is too short when it ends before six months for every starting
# day (`durations.compare_spans`): 180 days always do (six months are 181–184).
MIN_RETENTION = CalendarSpan(count=6, unit="month")


def _code(text: str) -> Verbatim:
    return Verbatim(text)


@rule("L101", "provider-credential", "error", _only(CL))
def provider_credential(ctx: LintContext):
    if ctx.contract.provider.credentials:
        return
    node = ctx.the("provider")
    yield Finding(ctx.statement_head(node), msg("L101.message"), msg("L101.hint", example=_code(EX_CREDENTIAL)))


@rule("L102", "scope-missing", "error")
def scope_missing(ctx: LintContext):
    if ctx.top("scope") is None:
        yield Finding(ctx.contract_head(), msg("L102.message"), msg("L102.hint", example=_code(EX_SCOPE)))


@rule("L103", "scope-incomplete", "warning")
def scope_incomplete(ctx: LintContext):
    node = ctx.top("scope")
    scope = ctx.contract.scope
    if node is None:
        return
    # An availability SLA measures products and a support policy supports
    # services: each needs only its own half of the scope.
    if ctx.profile == AS:
        if not scope.products:
            yield Finding(ctx.head(node), msg("L103.no_products"), msg("L103.hint", a=_code(EX_PRODUCT)))
        return
    if ctx.profile == SP:
        if not scope.services:
            yield Finding(ctx.head(node), msg("L103.no_services"), msg("L103.hint", a=_code(EX_SERVICE)))
        return
    if not scope.products and not scope.services:
        yield Finding(
            ctx.head(node),
            msg("L103.no_both"),
            msg("L103.hint_both", a=_code(EX_PRODUCT), b=_code(EX_SERVICE)),
        )
    elif not scope.products:
        yield Finding(ctx.head(node), msg("L103.no_products"), msg("L103.hint", a=_code(EX_PRODUCT)))
    elif not scope.services:
        yield Finding(ctx.head(node), msg("L103.no_services"), msg("L103.hint", a=_code(EX_SERVICE)))


@rule("L104", "response-missing", "error", _only(CL, SP))
def response_missing(ctx: LintContext):
    if ctx.contract.response is None:
        yield Finding(ctx.contract_head(), msg("L104.message"), msg("L104.hint", example=_code(EX_RESPONSE)))


@rule("L105", "response-priority-uncovered", "error", _only(CL, SP))
def response_uncovered(ctx: LintContext):
    c = ctx.contract
    if not c.priorities:
        yield Finding(
            ctx.contract_head(),
            msg("L105.no_priorities.message"),
            msg("L105.no_priorities.hint", example=_code(EX_PRIORITY)),
        )
        return
    if ctx.profile == SP:
        # A support policy is read by the customer's staff filing a ticket:
        # a severity they cannot tell apart from the next is no commitment.
        for p in c.priorities:
            node = ctx.named("priority", p.name)
            if not p.definitions:
                yield Finding(
                    ctx.statement_head(node) if node is not None else ctx.contract_head(),
                    msg("L105.undefined.message", priority=Verbatim(p.name)),
                    msg("L105.undefined.hint", example=_code(EX_DEFINITION)),
                )
    m = c.response
    if m is None:
        return
    committed = {t.priority for t in m.targets if t.duration is not None}
    rows = {t.priority for t in m.targets}
    for p in c.priorities:
        if p.name in rows and p.name not in committed:
            row = ctx.row_node("response", p.name)
            example = f"{p.name}  3bd " + " ".join("-" for _ in m.columns[1:])
            yield Finding(
                row.span if row else ctx.head(ctx.matrix_statement("response")),
                msg("L105.uncovered.message", priority=Verbatim(p.name)),
                msg("L105.uncovered.hint", example=_code(example)),
            )


@rule("L106", "resolution-missing", "error", {CL: "error", SP: "warning"})
def resolution_missing(ctx: LintContext):
    m = ctx.contract.resolution
    if m is None and ctx.profile == SP:
        # Published support policies commit to a first response and often to
        # progress updates, rarely to a fix time: either will do.
        if ctx.contract.updates is None:
            yield Finding(
                ctx.contract_head(),
                msg("L106.no_follow_through.message"),
                msg("L106.no_follow_through.hint", a=_code(EX_RESOLUTION), b=_code(EX_UPDATES)),
            )
    elif m is None:
        yield Finding(
            ctx.contract_head(), msg("L106.missing.message"), msg("L106.missing.hint", example=_code(EX_RESOLUTION))
        )
    elif all(t.duration is None for t in m.targets):
        yield Finding(
            ctx.head(ctx.matrix_statement("resolution")),
            msg("L106.empty.message"),
            msg("L106.empty.hint", example=_code("P0 4h")),
        )


@rule("L107", "compensation-missing", "error", _only(CL, AS))
def compensation_missing(ctx: LintContext):
    ladders = ctx.contract.credit_ladders
    if ctx.profile == AS:
        # What an availability SLA offers is credits for missed availability.
        if not any(lad.metric == "availability" for lad in ladders):
            yield Finding(
                ctx.contract_head(),
                msg("L107.no_availability.message"),
                msg("L107.no_availability.hint", example=_code(EX_AVAILABILITY_CREDIT)),
            )
    elif not ladders:
        yield Finding(ctx.contract_head(), msg("L107.message"), msg("L107.hint", example=_code(EX_CREDIT)))


@rule("L108", "credit-cap-missing", "error")
def credit_cap_missing(ctx: LintContext):
    c = ctx.contract
    if not c.credit_ladders:
        return
    # A contract with ladders always has a `credits` block: the compiler asks
    # for its rounding rule (E0507). A published SLA or support policy whose
    # every ladder has its own cap is bounded (by their sum) without one.
    if ctx.profile != CL and all(lad.cap is not None for lad in c.credit_ladders):
        return
    if c.credits is not None and c.credits.cap is None:
        yield Finding(
            ctx.head(ctx.the("credits")), msg("L108.no_cap.message"), msg("L108.no_cap.hint", example=_code(EX_CAP))
        )


@rule("L109", "claim-window-missing", "error")
def claim_window_missing(ctx: LintContext):
    c = ctx.contract
    if c.credit_ladders and c.credits is not None and c.credits.claim is None:
        yield Finding(ctx.head(ctx.the("credits")), msg("L109.message"), msg("L109.hint", example=_code(EX_CLAIM)))


@rule("L110", "force-majeure-missing", "error")
def force_majeure_missing(ctx: LintContext):
    ex = ctx.contract.exclusions
    if ex is None and ctx.profile != CL:
        example = EX_MAINTENANCE if ctx.profile == AS else EX_CUSTOMER_CAUSED
        yield Finding(
            ctx.contract_head(),
            msg("L110.none.message"),
            msg("L110.none.hint", example=_code(f"exclusions {{ {example} }}")),
        )
    elif ctx.profile == SP:
        return  # a support policy's exclusions are its own (unsupported releases, customer changes)
    elif ctx.profile == AS:
        assert ex is not None
        if ex.force_majeure is None and ex.maintenance is None:
            yield Finding(
                ctx.head(ctx.the("exclusions")),
                msg("L110.no_downtime_exclusion.message"),
                msg("L110.no_downtime_exclusion.hint", a=_code(EX_MAINTENANCE), b=_code(EX_FORCE_MAJEURE)),
            )
    elif ex is None:
        yield Finding(
            ctx.contract_head(),
            msg("L110.no_exclusions.message"),
            msg("L110.no_exclusions.hint", example=_code(EX_EXCLUSIONS)),
        )
    elif ex.force_majeure is None:
        yield Finding(
            ctx.head(ctx.the("exclusions")),
            msg("L110.no_force_majeure.message"),
            msg("L110.no_force_majeure.hint", example=_code(EX_FORCE_MAJEURE)),
        )


@rule("L111", "force-majeure-notice-missing", "error", _only(CL))
def force_majeure_notice(ctx: LintContext):
    ex = ctx.contract.exclusions
    if ex is None or ex.force_majeure is None or ex.force_majeure.notify_within is not None:
        return
    node = ctx.the("force_majeure", ctx.the("exclusions"))
    yield Finding(ctx.statement_head(node), msg("L111.message"), msg("L111.hint", example=_code(EX_NOTICE)))


@rule("L112", "warnings-missing", "error", _only(CL))
def warnings_missing(ctx: LintContext):
    levels = [w.level for w in ctx.contract.warnings]
    node = ctx.top("warnings")
    if node is None:
        yield Finding(
            ctx.contract_head(), msg("L112.missing.message"), msg("L112.missing.hint", example=_code(EX_WARNINGS))
        )
        return
    missing = [lv for lv in ("yellow", "orange", "red") if lv not in levels]
    if missing:
        words = {f"level{i}": level(lv) for i, lv in enumerate(missing, 1)}
        yield Finding(
            ctx.head(node),
            msg(f"L112.lacking.{len(missing)}", **words),
            msg("L112.lacking.hint", examples=names(EX_LEVEL[m] for m in missing)),
        )


@rule("L113", "reporting-missing", "error", _only(CL))
def reporting_missing(ctx: LintContext):
    if ctx.contract.reporting is None:
        yield Finding(ctx.contract_head(), msg("L113.message"), msg("L113.hint", example=_code(EX_REPORTING)))


@rule("L114", "retention-short", "error", _only(CL))
def retention_short(ctx: LintContext):
    rep = ctx.contract.reporting
    if rep is None:
        return
    node = ctx.the("reporting")
    if rep.retention is None:
        yield Finding(
            ctx.head(node), msg("L114.unstated.message"), msg("L114.unstated.hint", example=_code(EX_RETENTION))
        )
        return
    if compare_spans(rep.retention, MIN_RETENTION) == -1:
        ret = ctx.the("retention", node)
        num = ret.lit(ast.NumberLit)
        unit = ret.lit(ast.Keyword)
        yield Finding(
            Span(num.span.start, unit.span.end),
            msg("L114.short.message", kept=span_words(rep.retention.count, rep.retention.unit)),
            msg("L114.short.hint", example=_code(EX_RETENTION)),
        )


def span_words(count: int, unit: str) -> Msg:
    """`3 months`, `90 days` (3 个月, 90 天): a calendar span in words."""
    return msg(f"words.span.{unit}", n=count)


@rule("L115", "audit-missing", "error", _only(CL))
def audit_missing(ctx: LintContext):
    rep = ctx.contract.reporting
    if rep is not None and rep.audit is None:
        yield Finding(ctx.head(ctx.the("reporting")), msg("L115.message"), msg("L115.hint", example=_code(EX_AUDIT)))


@rule("L119", "continuity-missing", "error", _only(CL))
def continuity_missing(ctx: LintContext):
    """The source document's 容灾备机制: a recovery time objective and drills."""
    c = ctx.contract.continuity
    if c is None:
        yield Finding(ctx.contract_head(), msg("L119.missing.message"), msg("L119.hint", example=_code(EX_CONTINUITY)))
        return
    node = ctx.the("continuity")
    if c.rto is None:
        yield Finding(ctx.head(node), msg("L119.no_rto.message"), msg("L119.hint", example=_code("rto 15m")))
    if not any(d.section == "continuity" for d in ctx.contract.duties):
        yield Finding(ctx.head(node), msg("L119.no_drill.message"), msg("L119.hint", example=_code(EX_CONTINUITY_DUTY)))


@rule("L120", "security-missing", "error", _only(CL))
def security_missing(ctx: LintContext):
    """The source document's 数据安全要求: what is protected and the checks that recur."""
    s = ctx.contract.security
    if s is None:
        yield Finding(ctx.contract_head(), msg("L120.missing.message"), msg("L120.hint", example=_code(EX_SECURITY)))
        return
    if not any(d.section == "security" for d in ctx.contract.duties):
        node = ctx.the("security")
        yield Finding(ctx.head(node), msg("L120.no_check.message"), msg("L120.hint", example=_code(EX_SECURITY_DUTY)))


@rule("L121", "duty-no-cadence", "warning")
def duty_no_cadence(ctx: LintContext):
    """A duty with no cadence is due once in the whole term: rarely what was meant."""
    for node in ctx.walk():
        if node.kind == "duty" and node.first("every_cadence") is None and node.first("times_cadence") is None:
            name = node.lit(ast.Name)
            yield Finding(
                ctx.head(node),
                msg("L121.message", name=Verbatim(name.value)),
                msg("L121.hint", example=_code(EX_CADENCE)),
            )


@rule("L116", "governing-law-missing", "error")
def law_missing(ctx: LintContext):
    d = ctx.contract.disputes
    if d is None:
        yield Finding(
            ctx.contract_head(),
            msg("L116.no_disputes.message"),
            msg("L116.no_disputes.hint", example=_code(EX_DISPUTES)),
        )
    elif d.law is None:
        yield Finding(
            ctx.head(ctx.the("disputes")), msg("L116.no_law.message"), msg("L116.no_law.hint", example=_code(EX_LAW))
        )


@rule("L117", "dispute-forum-missing", "error", _only(CL))
def forum_missing(ctx: LintContext):
    d = ctx.contract.disputes
    if d is not None and d.forum is None:
        yield Finding(
            ctx.head(ctx.the("disputes")),
            msg("L117.message"),
            msg("L117.hint", a=_code(EX_ARBITRATION), b=_code(EX_COURT)),
        )


@rule("L118", "dispute-seat-missing", "error", _only(CL))
def seat_missing(ctx: LintContext):
    d = ctx.contract.disputes
    if d is not None and d.forum is not None and d.seat is None:
        node = ctx.the(d.forum, ctx.the("disputes"))
        yield Finding(ctx.statement_head(node), msg(f"L118.{d.forum}"), msg("L118.hint", example=_code(EX_SEAT)))
