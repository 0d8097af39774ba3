"""The command line: the only module that prints or exits.

Exit codes mean one thing each:
  0  success (warnings allowed)
  1  a contract has errors (or `--check`-style commands found a difference)
  2  usage error: bad arguments, missing files
  3  internal error: a bug in slalang
Heavy modules (the parser, pydantic models, later WeasyPrint) are imported
inside the command that needs them, so `slalang --version` stays instant."""

from __future__ import annotations

import argparse
import gc
import os
import sys
from pathlib import Path

from slalang import __version__
from slalang.cliutil import (
    EXIT_ERRORS,
    EXIT_INTERNAL,
    EXIT_OK,
    EXIT_USAGE,
    UsageError,
    add_lang_argument,
    expand_inputs,
    lang_of,
    print_diagnostics,
    say,
    summary_line,
)

# Further commands live in slalang/commands/<name>.py, each with
# `register(subparsers)` that adds its parser and sets `func`. They must keep
# their module-level imports light: every CLI start imports them.
EXTRA_COMMANDS = ("schema", "eval", "extract_rules", "fmt", "diff", "textconv", "lint", "duties")

# Commands that compile contracts: the front end is imported before the GC
# is frozen (see `settle_gc`). `build` imports it itself, after it has forked
# the PDF renderer (slalang/letter/prefork.py), so the fork stays early.
FRONT_END_COMMANDS = frozenset({"check", "lint", "fmt", "diff", "textconv"})

# Cyclic GC thresholds while a command runs. Compiling builds a large tree of
# small objects that live until the end; with the default gen-0 threshold
# (700) the collector walks that tree again and again, and compile time of a
# 12,000-line contract doubles (bench/bench_parse.py). A run of slalang is
# short and its garbage is mostly acyclic (freed by reference counting).
GC_THRESHOLDS = (100_000, 50, 100)


_gc_before: tuple[int, ...] | None = None  # the thresholds to restore, while settled


def tune_gc() -> None:
    """Collect less often (`main` does this first: importing pydantic, Lark
    and the contract model is ~8 % faster for it)."""
    global _gc_before
    if _gc_before is None:
        _gc_before = gc.get_threshold()
    gc.set_threshold(*GC_THRESHOLDS)


def settle_gc() -> None:
    """Once the modules a command needs are imported: move every object that
    exists now out of the collector's sight (`gc.freeze`), and collect less
    often. Measured on a 12,000-line contract: 1.00 s → 0.64 s to compile.
    `main` undoes both when the command returns (`restore_gc`), so a program
    that calls `main` (the tests) keeps its own collector settings."""
    tune_gc()
    gc.freeze()


def restore_gc() -> None:
    global _gc_before
    if _gc_before is not None:
        gc.unfreeze()
        gc.set_threshold(*_gc_before)
        _gc_before = None


def _import_front_end() -> None:
    from slalang import compiler, lower, syntax  # noqa: F401

    syntax.parser()  # the LALR tables (from Lark's cache): long-lived, so frozen too


def cmd_check(args) -> int:
    from slalang.compiler import compile_file

    files = expand_inputs(args.inputs)
    lang = lang_of(args)
    results = [compile_file(f) for f in files]
    print_diagnostics(results, args.format, lang=lang)
    errors = sum(r.errors for r in results)
    warnings = sum(len(r.diagnostics) - r.errors for r in results)
    if args.format == "text":
        bad = sum(1 for r in results if r.errors)
        print(summary_line(len(files), errors, warnings, bad, lang), file=sys.stderr)
    if any(r.internal for r in results):
        return EXIT_INTERNAL
    return EXIT_ERRORS if errors else EXIT_OK


def _parse_only(value: str | None, rules_only: bool, lang: str = "en") -> frozenset[str]:
    from slalang.build import DEFAULT_FORMATS, FORMATS

    if rules_only:
        return frozenset({"rules"})
    if not value:
        return frozenset(DEFAULT_FORMATS)
    chosen = {v.strip() for v in value.split(",") if v.strip()}
    unknown = chosen - set(FORMATS)
    if unknown or not chosen:
        raise UsageError(say("cli.error.only", lang, formats=", ".join(FORMATS), value=repr(value)))
    return frozenset(chosen)


def cmd_build(args) -> int:
    if args.jobs == 1 and not args.rules and (not args.only or "pdf" in [v.strip() for v in args.only.split(",")]):
        from slalang.letter import prefork

        with prefork.running():  # WeasyPrint loads in a second process while the contracts compile
            return _build(args)
    return _build(args)


def _build(args) -> int:
    from slalang import build as b
    from slalang.i18n import render

    _import_front_end()
    settle_gc()

    lang = lang_of(args)
    files = expand_inputs(args.inputs)
    formats = _parse_only(args.only, args.rules, lang)
    out_dir = Path(args.output)
    if args.jobs < 1:
        raise UsageError(say("cli.error.jobs", lang))
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(say("cli.error.output_not_a_folder", lang, path=out_dir))
    signer = _signer_of(args, formats, lang)
    if args.jobs > 1 and len(files) > 1:
        from concurrent.futures import ProcessPoolExecutor

        n = len(files)
        with ProcessPoolExecutor(max_workers=min(args.jobs, n)) as pool:
            outcomes = list(pool.map(b.build_one, files, [formats] * n, [args.layout] * n, [signer] * n))
    else:
        outcomes = [b.build_one(f, formats, args.layout, signer) for f in files]

    from slalang.compiler import Result

    print_diagnostics([Result(o.path, None, None, o.diagnostics) for o in outcomes], "text", sys.stderr, lang)
    status = EXIT_OK
    names: dict[str, str] = {}
    for o in outcomes:
        if o.internal:
            status = EXIT_INTERNAL
            continue
        if o.error:
            print(say("cli.error.at_file", lang, path=o.path, detail=render(o.error, lang)), file=sys.stderr)
            if o.hint:
                print(say("cli.error.help", lang, hint=render(o.hint, lang)), file=sys.stderr)
            status = max(status, EXIT_ERRORS)
            continue
        if not o.files:
            status = max(status, EXIT_ERRORS)
            continue
        for name in o.files:
            if name in names:
                print(say("cli.build.same_output", lang, path=o.path, name=name, other=names[name]), file=sys.stderr)
                status = max(status, EXIT_ERRORS)
            names[name] = o.path
    if status != EXIT_OK and not args.check:
        print(say("cli.build.failed", lang), file=sys.stderr)
        return status
    if args.check:
        stale = []
        for o in outcomes:
            for name in b.stale_files(out_dir, o.files):
                stale.append(name)
                print(say("cli.build.stale", lang, output=out_dir / name, path=o.path), file=sys.stderr)
        if stale:
            command = f"slalang build {' '.join(args.inputs)} -o {args.output}"
            print(say("cli.build.stale_summary", lang, n=len(stale), command=command), file=sys.stderr)
            return max(status, EXIT_ERRORS)
        if status == EXIT_OK:
            print(say("cli.build.up_to_date", lang, dir=out_dir), file=sys.stderr)
        return status
    for o in outcomes:
        try:
            written = b.write_atomically(out_dir, o.files)
        except OSError as exc:  # an unwritable -o, a full disk: this contract's outputs are not written
            where = exc.filename or out_dir
            raise UsageError(say("cli.error.cannot_write", lang, path=where, reason=exc.strerror or exc)) from None
        for path in written:
            print(say("cli.build.wrote", lang, path=path))
    return EXIT_OK


def _signer_of(args, formats: frozenset[str], lang: str):
    """`--sign KEY --cert CERT [--chain FILE]…`: both or neither, and only
    with a PDF to sign; the files must be readable now, before any work."""
    from slalang.build import Signer

    if not args.sign and not args.cert and not args.chain:
        return None
    if not args.sign or not args.cert:
        raise UsageError(say("cli.error.sign_pair", lang))
    if "pdf" not in formats:
        raise UsageError(say("cli.error.sign_no_pdf", lang))
    for given in (args.sign, args.cert, *args.chain):
        if not Path(given).is_file():
            raise UsageError(say("cli.error.no_such_file", lang, path=given))
    return Signer(args.sign, args.cert, tuple(args.chain), args.key_passphrase_env)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="slalang", description="SLA contracts as code: check, build letters and rules, review changes."
    )
    parser.add_argument("--version", action="version", version=f"slalang {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser(
        "check",
        help="check contracts for errors",
        description="Check .sla contracts and report every error and warning.",
    )
    p.add_argument("inputs", nargs="+", metavar="FILE|DIR")
    p.add_argument("--format", choices=("text", "json"), default="text", help="diagnostics as text (default) or JSON")
    add_lang_argument(p)
    p.set_defaults(func=cmd_check)

    p = sub.add_parser(
        "build",
        help="build letters (PDF, HTML) and rule files",
        description="Compile contracts into their bilingual letter (PDF and HTML) and rule files "
        "(JSON and YAML). Nothing is written unless every output of a contract builds.",
    )
    p.add_argument("inputs", nargs="+", metavar="FILE|DIR")
    p.add_argument("-o", "--output", required=True, metavar="DIR", help="output folder")
    p.add_argument(
        "--only",
        metavar="FORMATS",
        help="comma-separated subset of: rules, html, pdf, docx (default: rules, html, pdf)",
    )
    p.add_argument("--rules", action="store_true", help="build the rule files only (same as --only rules)")
    p.add_argument("-j", "--jobs", type=int, default=1, metavar="N", help="build N contracts in parallel processes")
    p.add_argument(
        "--layout",
        choices=("interleaved", "side-by-side"),
        default="interleaved",
        help="letter layout: each Chinese paragraph followed by its English one, or two columns",
    )
    p.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 naming every output in DIR that differs from a fresh build",
    )
    p.add_argument("--sign", metavar="KEY", help="sign each PDF letter (PAdES) with this private key (PEM)")
    p.add_argument("--cert", metavar="CERT", help="the signer's certificate (PEM), with --sign")
    p.add_argument(
        "--chain",
        action="append",
        default=[],
        metavar="CERT",
        help="an intermediate certificate to embed with the signature (repeatable)",
    )
    p.add_argument(
        "--key-passphrase-env",
        metavar="VAR",
        help="the environment variable holding the key's passphrase (never given on the command line)",
    )
    add_lang_argument(p)
    p.set_defaults(func=cmd_build)

    for name in EXTRA_COMMANDS:
        try:
            module = __import__(f"slalang.commands.{name}", fromlist=["register"])
        except ModuleNotFoundError as exc:
            if exc.name and exc.name.startswith("slalang.commands"):
                continue  # not part of this build
            raise
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    # We use no pydantic plugins; looking for them scans every installed
    # package's entry points, a tenth of `slalang check`'s start-up.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    tune_gc()
    try:
        return _main(argv)
    finally:
        restore_gc()


def _main(argv: list[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        if args.command in FRONT_END_COMMANDS:
            _import_front_end()
        if args.command != "build":  # build settles after its fork
            settle_gc()
        return args.func(args)
    except UsageError as exc:
        print(_say_safely("cli.error.usage", args, f"slalang: error: {exc}", detail=exc.message), file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # the reader went away (e.g. `| head`): stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except Exception as exc:  # last line of defence: never a traceback
        detail = f"{type(exc).__name__}: {exc}"
        fallback = f"slalang: internal error: {detail}\nthis is a bug in slalang; please report it"
        print(_say_safely("cli.error.internal", args, fallback, detail=detail), file=sys.stderr)
        return EXIT_INTERNAL


def _say_safely(key: str, args, fallback: str, **fields) -> str:
    """A last-resort message in the user's language, or in English when even
    the catalogue cannot be read (the error may be that very problem)."""
    try:
        return say(key, lang_of(args), **fields)
    except Exception:
        return fallback
