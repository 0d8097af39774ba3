"""`slalang lint FILE|DIR... [--format text|json]`: quality rules for
contracts that compile (slalang/lint/). Same output formats and exit codes
as `check`: 0 no errors (warnings allowed), 1 errors (lint errors, or a
contract that does not compile: its check errors are shown), 2 usage (bad
arguments, a bad `[tool.slalang.lint]` table), 3 internal."""

from __future__ import annotations

import sys


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "lint",
        help="check contracts for vague, missing or inconsistent commitments",
        description="Lint .sla contracts that compile: missing parts of the letter (L1xx), vague or drifting "
        "wording (L2xx), inconsistent terms (L3xx). Severities come from `[tool.slalang.lint]` in the "
        "nearest pyproject.toml; `# slalang: allow L201` on a line (or on the line opening a block) "
        "suppresses a finding. Rules are documented in docs/lint.md.",
    )
    p.add_argument("inputs", nargs="*", metavar="FILE|DIR", help="contracts, or folders (every *.sla below them)")
    p.add_argument("--format", choices=("text", "json"), default="text", help="diagnostics as text (default) or JSON")
    p.add_argument("--list-rules", action="store_true", help="print every rule with its code and default severity")
    p.set_defaults(func=cmd_lint)


def _list_rules() -> None:
    from slalang.lint import RULES

    family = None
    for code in sorted(RULES):
        r = RULES[code]
        if r.family != family:
            family = r.family
            print(f"{family}:")
        print(f"  {r.code}  {r.severity.value:<7}  {r.name:<28}  {r.summary}")


def cmd_lint(args) -> int:
    from slalang.cli import EXIT_ERRORS, EXIT_INTERNAL, EXIT_OK, UsageError, _print_diagnostics, expand_inputs

    if args.list_rules:
        _list_rules()
        return EXIT_OK
    if not args.inputs:
        raise UsageError("lint needs at least one FILE or DIR (or --list-rules)")
    from slalang import lint
    from slalang.compiler import Result, compile_file

    files = expand_inputs(args.inputs)
    finder = lint.ConfigFinder()
    try:  # every setting is read before any contract, so a typo stops the run early
        configs = [finder.for_file(f) for f in files]
    except lint.ConfigError as exc:
        raise UsageError(str(exc)) from None
    results = []
    broken = 0
    for path, config in zip(files, configs):
        r = compile_file(path)
        if r.contract is None or r.errors:
            broken += 1
            results.append(r)  # lint needs a valid contract: show why it is not
            continue
        results.append(Result(r.path, r.source, r.contract, lint.lint_result(r, config)))
    _print_diagnostics(results, args.format)
    errors = sum(d.is_error for r in results for d in r.diagnostics)
    warnings = sum(not d.is_error for r in results for d in r.diagnostics)
    if args.format == "text":
        n = len(files)
        print(
            f"linted {n} file{'s' if n != 1 else ''}: {errors} error{'s' if errors != 1 else ''}, "
            f"{warnings} warning{'s' if warnings != 1 else ''}"
            + (
                f"; {broken} file{'s' if broken != 1 else ''} did not compile (fix the errors `slalang check` "
                "reports first)"
                if broken
                else ""
            ),
            file=sys.stderr,
        )
    if any(d.code == "E9999" for r in results for d in r.diagnostics):
        return EXIT_INTERNAL
    return EXIT_ERRORS if errors or broken else EXIT_OK
