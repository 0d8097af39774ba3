"""`slalang lint FILE|DIR... [--profile KIND] [--format text|json] [--lang zh|en]`:
quality rules for contracts that compile (slalang/lint/). The completeness
rules are those of each contract's kind (`kind …`, or inferred), or of
`--profile` for every file. Same output formats and
exit codes as `check`: 0 no errors (warnings allowed), 1 errors (lint errors,
or a contract that does not compile: its check errors are shown), 2 usage
(bad arguments, a bad `[tool.slalang.lint]` table), 3 internal. Every word
comes from the `lint` catalogue in the chosen language."""

from __future__ import annotations

import sys

from slalang.cliutil import (
    EXIT_ERRORS,
    EXIT_INTERNAL,
    EXIT_OK,
    UsageError,
    add_lang_argument,
    expand_inputs,
    lang_of,
    print_diagnostics,
    say,
)


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
    p.add_argument(
        "--profile",
        metavar="KIND",
        help="hold every contract to the completeness rules of this kind: commitment_letter, availability_sla "
        "or support_policy (default: each contract's own kind)",
    )
    p.add_argument(
        "--list-rules",
        action="store_true",
        help="print every rule with its code, default severity and the profiles it applies to",
    )
    add_lang_argument(p)
    p.set_defaults(func=cmd_lint)


def _list_rules(lang: str) -> None:
    from slalang.i18n import Msg, T, render
    from slalang.lint import PROFILES, RULES
    from slalang.source import char_width

    words = {s: say(f"cli.severity.{s}", lang) for s in ("error", "warning")}
    width = max(sum(char_width(ch) for ch in w) for w in words.values())
    shown = {s: w + " " * (width - sum(char_width(ch) for ch in w)) for s, w in words.items()}
    family = None
    for code in sorted(RULES):
        r = RULES[code]
        if r.family != family:
            family = r.family
            print(say("lint.list.family", lang, family=say(f"lint.families.{family}", lang)))
        print(f"  {r.code}  {shown[r.severity.value]}  {r.name:<28}  {render(r.summary, lang)}")
        if r.family == "completeness":  # the one family whose rules depend on the kind of contract
            each: list = [
                Msg("lint.list.profile", profile=T(f"lint.profiles.{p}"), severity=T(f"cli.severity.{s.value}"))
                if s != r.severity
                else T(f"lint.profiles.{p}")
                for p, s in r.by_profile.items()
            ]
            if set(r.by_profile) == set(PROFILES) and set(r.by_profile.values()) == {r.severity}:
                each = [T("lint.list.all_profiles")]
            print(" " * 8 + say("lint.list.profiles", lang, profiles=each))


def _summary(files: int, errors: int, warnings: int, broken: int, lang: str) -> str:
    from slalang.i18n import Msg

    fields = {
        "files": Msg("cli.summary.files", n=files),
        "errors": Msg("cli.summary.errors", n=errors),
        "warnings": Msg("cli.summary.warnings", n=warnings),
    }
    if broken:
        return say("lint.summary.linted_broken", lang, broken=Msg("cli.summary.files", n=broken), **fields)
    return say("lint.summary.linted", lang, **fields)


def cmd_lint(args) -> int:
    lang = lang_of(args)
    if args.list_rules:
        _list_rules(lang)
        return EXIT_OK
    from slalang import lint

    if args.profile is not None and args.profile not in lint.PROFILES:
        from slalang.i18n import Verbatim, names
        from slalang.textsafe import term

        raise UsageError(
            say("lint.usage.bad_profile", lang, given=Verbatim(term(args.profile)), choices=names(lint.PROFILES))
        )
    if not args.inputs:
        raise UsageError(say("lint.usage.no_input", lang))
    from slalang.compiler import Result, compile_file

    files = expand_inputs(args.inputs)
    finder = lint.ConfigFinder()
    try:  # every setting is read before any contract, so a typo stops the run early
        configs = [finder.for_file(f) for f in files]
    except lint.ConfigError as exc:
        from slalang.i18n import render
        from slalang.textsafe import term

        raise UsageError(term(render(exc.text, lang))) from None  # quotes the user's pyproject.toml
    results = []
    broken = 0
    for path, config in zip(files, configs):
        r = compile_file(path)
        if r.contract is None or r.errors:
            broken += 1
            results.append(r)  # lint needs a valid contract: show why it is not
            continue
        results.append(Result(r.path, r.source, r.contract, lint.lint_result(r, config, args.profile)))
    print_diagnostics(results, args.format, lang=lang)
    errors = sum(d.is_error for r in results for d in r.diagnostics)
    warnings = sum(not d.is_error for r in results for d in r.diagnostics)
    if args.format == "text":
        print(_summary(len(files), errors, warnings, broken, lang), file=sys.stderr)
    if any(d.code == "E9999" for r in results for d in r.diagnostics):
        return EXIT_INTERNAL
    return EXIT_ERRORS if errors or broken else EXIT_OK
