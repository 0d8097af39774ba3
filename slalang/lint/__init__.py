"""Contract lint: quality rules for contracts that already compile.

`slalang check` says whether a contract is valid; lint says whether it is a
good contract of its kind (`Contract.kind`, or `--profile`): all the parts
that kind requires — every part of the source specification for a commitment
letter, their own for an availability SLA or a support policy — (completeness,
L1xx), wording that commits to numbers in both languages
(wording, L2xx), and terms that do not contradict each other (consistency,
L3xx). Rules live in one module per family and register themselves in
`registry.RULES` with a stable code and a default severity; `pyproject.toml`
(`[tool.slalang.lint]`) overrides severities and `# slalang: allow Lxxx`
comments suppress a finding where it is deliberate.

Lint reads the compiled model and the syntax tree, and returns
`slalang.diagnostics.Diagnostic` values: rendering, exit codes and output
formats are the CLI's, shared with `check`. Every message, hint and label is a
`slalang.i18n.Msg` of the `lint` catalogue (templates/messages/<lang>/
lint.yaml), rendered in the language the user asked for."""

from __future__ import annotations

import traceback
from pathlib import Path

from slalang.diagnostics import Diagnostic, Severity, make
from slalang.i18n import Verbatim
from slalang.lint import completeness, consistency, wording  # noqa: F401  (register the rules)
from slalang.lint.config import DEFAULT, ConfigError, ConfigFinder, LintConfig
from slalang.lint.registry import PROFILES, RULES, Finding, Rule, declare, msg
from slalang.lint.suppress import collect, covers

declare("L001", "unknown-suppression", "warning")
declare("L002", "unused-suppression", "warning")

__all__ = [
    "PROFILES",
    "RULES",
    "Rule",
    "LintConfig",
    "ConfigError",
    "ConfigFinder",
    "DEFAULT",
    "lint_result",
    "lint_source",
]


def _internal(result, rule: Rule, exc: BaseException) -> Diagnostic:
    where = traceback.extract_tb(exc.__traceback__)[-1]
    return make(
        "E9999",
        msg(
            "internal.message",
            code=rule.code,
            name=rule.name,
            detail=Verbatim(f"{type(exc).__name__}: {exc} (at {Path(where.filename).name}:{where.lineno})"),
        ),
        result.source,
        None,
        hint=msg("internal.hint"),
    )


def _severity(config: LintConfig, code: str, profile: str = "commitment_letter") -> Severity:
    """The severity of a rule that is on."""
    severity = config.severity_in(code, profile)
    assert severity is not None, f"{code} is off"
    return severity


def lint_result(result, config: LintConfig = DEFAULT, profile: str | None = None) -> list[Diagnostic]:
    """Lint diagnostics for a compiled `slalang.compiler.Result` whose
    contract compiled (check errors are the caller's to show). `profile`
    (one of `PROFILES`) overrides the contract's kind: it decides which
    completeness rules apply, and at what severity."""
    from slalang import syntax
    from slalang.lint.context import LintContext

    assert result.contract is not None and result.source is not None
    source = result.source
    if result.root is not None:
        root, comments = result.root, result.comments
    else:
        root, _, comments = syntax.parse_with_comments(source)
    assert profile is None or profile in PROFILES, profile
    ctx = LintContext(source, root, result.contract, profile)
    raw: list[tuple[str, Finding]] = []
    out: list[Diagnostic] = []
    for code in sorted(RULES):
        rule = RULES[code]
        if rule.check is None or config.severity_in(code, ctx.profile) is None:
            continue
        try:
            raw.extend((code, f) for f in rule.check(ctx))
        except Exception as exc:  # one broken rule must not hide the others
            out.append(_internal(result, rule, exc))
    suppressions = collect(source, root, comments)
    for code, finding in raw:
        hits = [s for s in suppressions if covers(s, source, code, finding.span)]
        for s in hits:  # a line comment inside an allowed block is used too, not "unused"
            s.used.add(code)
        if hits:
            continue
        out.append(
            Diagnostic(
                code,
                _severity(config, code, ctx.profile),
                finding.message,
                source,
                finding.span,
                finding.hint,
                list(finding.labels),
            )
        )
    for s in suppressions:
        if s.problem and config.enabled("L001"):
            out.append(
                Diagnostic(
                    "L001",
                    _severity(config, "L001"),
                    msg("L001.no_code.message"),
                    source,
                    s.comment,
                    msg("L001.no_code.hint"),
                )
            )
        for code, span in s.codes.items():
            if code not in RULES:
                if config.enabled("L001"):
                    guess = next(
                        (c for c in sorted(RULES) if len(c) == len(code) and sum(x != y for x, y in zip(c, code)) == 1),
                        None,
                    )
                    out.append(
                        Diagnostic(
                            "L001",
                            _severity(config, "L001"),
                            msg("L001.unknown.message", code=Verbatim(code)),
                            source,
                            span,
                            msg("L001.unknown.did_you_mean", guess=Verbatim(guess))
                            if guess
                            else msg("L001.unknown.hint"),
                        )
                    )
            elif code not in s.used and config.severity_in(code, ctx.profile) is not None and config.enabled("L002"):
                out.append(
                    Diagnostic(
                        "L002",
                        _severity(config, "L002"),
                        msg("L002.message", code=Verbatim(code)),
                        source,
                        span,
                        msg("L002.hint"),
                    )
                )
    return out


def lint_source(text: str, path: str = "<string>", config: LintConfig = DEFAULT, profile: str | None = None):
    """Compile and lint a text: (compile result, lint diagnostics or None
    when the contract does not compile). For tests and editors."""
    from slalang.compiler import compile_text

    result = compile_text(text, path)
    if result.contract is None or result.errors:
        return result, None
    return result, lint_result(result, config, profile)
