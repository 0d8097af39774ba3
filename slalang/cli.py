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
import os
import sys
from pathlib import Path

from slalang import __version__

EXIT_OK, EXIT_ERRORS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3


class UsageError(Exception):
    pass


def expand_inputs(items: list[str]) -> list[str]:
    """Files as given, and every *.sla below each directory (sorted)."""
    out: list[str] = []
    for item in items:
        p = Path(item)
        if p.is_dir():
            found = sorted(str(f) for f in p.rglob("*.sla") if f.is_file())
            if not found:
                raise UsageError(f"no .sla files in {item}")
            out.extend(found)
        elif p.exists():
            out.append(item)
        else:
            raise UsageError(f"{item}: no such file or directory")
    return out


def _print_diagnostics(results, fmt: str, out=None) -> None:
    from slalang import diagnostics as dg

    out = out or sys.stdout
    shown: list = []
    for r in results:
        kept, more = dg.cap(r.diagnostics)
        shown.extend(kept)
        if fmt == "text":
            for d in kept:
                print(dg.render_text(d), file=out)
                print(file=out)
            if more:
                print(f"{r.path}: … and {more} more", file=out)
    if fmt == "json":
        print(dg.to_json(shown, [r.path for r in results]), file=out)


def cmd_check(args) -> int:
    from slalang.compiler import compile_file

    files = expand_inputs(args.inputs)
    results = [compile_file(f) for f in files]
    _print_diagnostics(results, args.format)
    errors = sum(r.errors for r in results)
    warnings = sum(len(r.diagnostics) - r.errors for r in results)
    if args.format == "text":
        bad = sum(1 for r in results if r.errors)
        print(f"checked {len(files)} file{'s' if len(files) != 1 else ''}: "
              f"{errors} error{'s' if errors != 1 else ''}, {warnings} warning{'s' if warnings != 1 else ''}"
              + (f" in {bad} file{'s' if bad != 1 else ''}" if bad else ""), file=sys.stderr)
    if any(r.internal for r in results):
        return EXIT_INTERNAL
    return EXIT_ERRORS if errors else EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="slalang", description="SLA contracts as code: check, build letters and rules, review changes.")
    parser.add_argument("--version", action="version", version=f"slalang {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("check", help="check contracts for errors", description="Check .sla contracts and report every error and warning.")
    p.add_argument("inputs", nargs="+", metavar="FILE|DIR")
    p.add_argument("--format", choices=("text", "json"), default="text", help="diagnostics as text (default) or JSON")
    p.set_defaults(func=cmd_check)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        return args.func(args)
    except UsageError as exc:
        print(f"slalang: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except Exception as exc:  # last line of defence: never a traceback
        print(f"slalang: internal error: {type(exc).__name__}: {exc}\n"
              "this is a bug in slalang; please report it", file=sys.stderr)
        return EXIT_INTERNAL
