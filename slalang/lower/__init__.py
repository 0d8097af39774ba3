"""Lowering: AST → validated contract model, with every semantic check.

Owns what the words of a contract mean: which names exist, which language
each string is in, what a duration counts, which ranges and orders are
allowed. It reports every problem it finds (it does not stop at the first),
each with a stable code from `slalang.diagnostics.CODES`, catalogue messages
in every language and the span of the offending text, and returns a
`Contract` only when there are no errors.

Passes, in order (each a module of this package):
1. header checks here: contract id and version, statements given twice or
   missing;
2. `declarations` (the `declare` pass): languages, the header, parties and
   every declared name — regions, products, services, calendars, priorities;
3. `statements` (the `lower` pass): one function per statement kind;
4. `checks`: cross-statement checks (W0408, W0409) on the one target
   comparison of slalang/targets.py;
5. `references`: the quotable values and every `{reference}` resolved.
Lowering functions are found by statement kind in `registry.STATEMENTS`; a
kind without one is a `LoweringIncomplete` error, never a silent skip.
Value checks shared by the passes live in `values`."""

from __future__ import annotations

import re

from slalang import ast, model
from slalang.diagnostics import Diagnostic
from slalang.i18n import Msg
from slalang.lower import checks, declarations, duties, references, statements  # noqa: F401  (registers the statements)
from slalang.lower.registry import PASSES, STATEMENTS, LoweringIncomplete, entry, handled_kinds
from slalang.lower.state import Lowering, M, new
from slalang.lower.statements import REPORT_METRICS
from slalang.source import SourceFile
from slalang.terms import ID_PATTERN, MAX_ID, VERSION_PATTERN
from slalang.terms import LANGUAGES as SUPPORTED_LANGUAGES

__all__ = [
    "lower",
    "REQUIRED",
    "SINGLETONS",
    "REPORT_METRICS",
    "SUPPORTED_LANGUAGES",
    "STATEMENTS",
    "LoweringIncomplete",
    "handled_kinds",
]

_ID = re.compile(ID_PATTERN + r"\Z")  # the id names every output file (slalang/terms.py)
_VERSION = re.compile(VERSION_PATTERN + r"\Z")

# Statements every contract needs, with the line the hint suggests.
REQUIRED = {
    "title": 'title "服务响应时间承诺书" | "Service Response Time Commitment"',
    "languages": "languages zh, en",
    "effective": "effective 2026-01-01 to 2026-12-31",
    "timezone": 'timezone "Asia/Shanghai"',
    "currency": "currency CNY",
    "provider": 'provider "…" | "…" { credential "ISO/IEC 20000-1:2018" }',
    "customer": 'customer "…" | "…"',
}
SINGLETONS = tuple(kind for kind, e in STATEMENTS.items() if e.single)
_CONTRACT_FIELDS = ("title", "effective_start", "effective_end", "timezone", "currency", "provider", "customer")


def lower(source: SourceFile, root: ast.Node, *, checks: bool = True) -> tuple[model.Contract | None, list[Diagnostic]]:
    """The contract and every diagnostic. `checks=False` skips the
    cross-statement warnings (W0408, W0409), which never change the model:
    the formatter's meaning check needs only the model."""
    lw = Lowering(source, root)
    lw.run_checks = checks
    contract = _run(lw)
    return (None if lw.has_errors else contract), lw.diags


def _run(lw: Lowering) -> model.Contract | None:
    root = lw.root
    cid, version = root.lits(ast.Str)[:2]
    if len(cid.value) > MAX_ID:
        lw.err(
            "E0205",
            M("E0205.id_too_long", length=len(cid.value), limit=MAX_ID),
            cid.span,
            M("E0205.id_too_long_hint", limit=MAX_ID),
        )
    elif not _ID.match(cid.value):
        lw.err("E0205", M("E0205.id", id=cid.value), cid.span, M("E0205.id_hint"))
    if not _VERSION.match(version.value):
        lw.err("E0205", M("E0205.version", version=version.value), version.span, M("E0205.version_hint"))

    by_kind: dict[str, list[ast.Node]] = {}
    for node in root.nodes():
        entry(node.kind)  # a statement kind with no lowering function fails here, by name
        by_kind.setdefault(node.kind, []).append(node)
    lw.top = lw.singles(root, SINGLETONS, Msg("diag.where.contract"))
    for kind, example in REQUIRED.items():
        if kind not in lw.top:
            lw.err(
                "E0204",
                M("E0204.missing", kind=kind, name=Msg(f"diag.statement.{kind}")),
                lw.head(root),
                M("E0204.missing_hint", example=example),
            )

    for pass_ in PASSES:
        for kind, e in STATEMENTS.items():
            if e.pass_ != pass_:
                continue
            if e.single:
                e.fn(lw, lw.top.get(kind))
            else:
                e.fn(lw, by_kind.get(kind, []))

    if lw.run_checks:
        for check in checks.CHECKS:
            check(lw)
    o = lw.out
    table = references.values(lw)
    references.resolve(lw, table)
    if lw.has_errors or any(o.get(f) is None for f in _CONTRACT_FIELDS):
        return None
    # Every lowered statement stored its Contract field in `lw.out`; absent
    # optional ones take the model's defaults.
    fields = {k: v for k, v in o.items() if k in model.Contract.model_fields and v is not None}
    if "kind" not in fields:
        fields["kind"] = inferred_kind(o)
    return new(
        model.Contract,
        id=cid.value,
        version=version.value,
        languages=lw.langs,
        prevailing=lw.prevailing,
        values=table,
        **fields,
    )


def inferred_kind(o: dict) -> str:
    """A contract that does not say its kind: an availability SLA has
    availability targets and no response or resolution matrix; a support
    policy has a matrix and no availability target; anything else is the
    full commitment letter of the source document."""
    matrices = o.get("response") is not None or o.get("resolution") is not None
    availability = bool(o.get("availability"))
    if availability and not matrices:
        return "availability_sla"
    if matrices and not availability:
        return "support_policy"
    return "commitment_letter"
