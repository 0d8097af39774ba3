"""`slalang fmt`: rewrite contracts in the canonical layout (slalang/fmt.py).

  slalang fmt FILE|DIR...           rewrite files that are not canonical
  slalang fmt --check FILE|DIR...   write nothing; exit 1 if a file would change
  slalang fmt --diff FILE|DIR...    write nothing; print a unified diff
  slalang fmt -                     read stdin, write the result to stdout

A file that does not compile is reported with its diagnostics and left alone
(exit 1). Files are replaced atomically (temporary file + rename, mode kept).
Exit codes: 0 nothing to do or all rewritten, 1 errors or (with --check) a
file would change, 2 usage, 3 the formatter failed its own safety check."""

from __future__ import annotations

import sys


def register(sub) -> None:
    p = sub.add_parser(
        "fmt",
        help="format contracts in the canonical layout",
        description="Rewrite .sla files in the one canonical layout (indentation, spacing, alignment, "
        "number and duration spelling), keeping every comment. The result is checked to mean "
        "exactly the same contract before anything is written.",
    )
    p.add_argument("inputs", nargs="+", metavar="FILE|DIR", help="files, folders (every *.sla below) or - for stdin")
    p.add_argument("--check", action="store_true", help="write nothing; exit 1 if any file would be reformatted")
    p.add_argument("--diff", action="store_true", help="write nothing; print what would change as a unified diff")
    p.set_defaults(func=run)


def run(args) -> int:
    from slalang.cli import EXIT_ERRORS, EXIT_INTERNAL, EXIT_OK, UsageError, expand_inputs

    if "-" in args.inputs:
        if len(args.inputs) != 1:
            raise UsageError("`-` (standard input) cannot be combined with other inputs")
        return _stdin(args)
    files = expand_inputs(args.inputs)
    changed = unchanged = failed = 0
    internal = False
    for path in files:
        status, old, new = _format_path(path)
        if status == "error":
            failed += 1
            continue
        if status == "bug":
            internal = True
            continue
        if old == new:
            unchanged += 1
            continue
        changed += 1
        if args.diff:
            sys.stdout.write(_unified(path, old, new))
        if args.check or args.diff:
            if args.check:
                print(f"would reformat {path}", file=sys.stderr)
            continue
        _write_atomically(path, new)
        print(f"reformatted {path}", file=sys.stderr)
    verb = "would be reformatted" if (args.check or args.diff) else "reformatted"
    parts = []
    if changed:
        parts.append(f"{changed} file{'s' if changed != 1 else ''} {verb}")
    if unchanged:
        parts.append(f"{unchanged} file{'s' if unchanged != 1 else ''} already formatted")
    if failed:
        parts.append(f"{failed} file{'s' if failed != 1 else ''} with errors left alone")
    if parts:
        print(", ".join(parts), file=sys.stderr)
    if internal:
        return EXIT_INTERNAL
    if failed or (args.check and changed):
        return EXIT_ERRORS
    return EXIT_OK


def _format_path(path: str) -> tuple[str, str, str]:
    """("ok", old, new), or ("error" | "bug", "", "") after reporting why."""
    from pathlib import Path

    from slalang.compiler import Result, decode

    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        print(f"{path}: error: cannot read the file: {exc.strerror or exc}", file=sys.stderr)
        return "error", "", ""
    source, diags = decode(path, data)
    if diags or source is None:
        _report([Result(path, source, None, diags)])
        return "error", "", ""
    status, new = _format_source(source)
    if status != "ok":
        return status, "", ""
    try:
        old = data.decode("utf-8")
    except UnicodeDecodeError:  # decode() succeeded, so this cannot happen
        old = source.text
    return "ok", old, new


def _format_source(source) -> tuple[str, str]:
    from slalang import fmt
    from slalang.compiler import Result

    try:
        return "ok", fmt.format_source(source)
    except fmt.FormatRefused as exc:
        _report([Result(source.path, source, None, exc.diagnostics)])
        print(f"{source.path}: not formatted: fix the errors above first", file=sys.stderr)
        return "error", ""
    except fmt.FormatterBug as exc:
        print(
            f"{source.path}: internal error: {exc}\n"
            "the file was left unchanged; this is a bug in slalang, please report it with the file",
            file=sys.stderr,
        )
        return "bug", ""
    except RecursionError:
        print(f"{source.path}: internal error: input nested too deeply; the file was left unchanged", file=sys.stderr)
        return "bug", ""
    except Exception as exc:  # never a traceback, never a half-formatted file
        print(
            f"{source.path}: internal error: {type(exc).__name__}: {exc}\n"
            "the file was left unchanged; this is a bug in slalang, please report it with the file",
            file=sys.stderr,
        )
        return "bug", ""


def _report(results) -> None:
    from slalang.cli import _print_diagnostics

    _print_diagnostics(results, "text", sys.stderr)


def _stdin(args) -> int:
    from slalang.cli import EXIT_ERRORS, EXIT_INTERNAL, EXIT_OK
    from slalang.compiler import Result, decode

    data = sys.stdin.buffer.read()
    source, diags = decode("<stdin>", data)
    if diags or source is None:
        _report([Result("<stdin>", source, None, diags)])
        return EXIT_ERRORS
    status, new = _format_source(source)
    if status != "ok":
        return EXIT_INTERNAL if status == "bug" else EXIT_ERRORS
    old = data.decode("utf-8", errors="replace")
    if args.diff:
        sys.stdout.write(_unified("<stdin>", old, new))
    elif not args.check:
        sys.stdout.write(new)
    return EXIT_ERRORS if args.check and old != new else EXIT_OK


def _unified(path: str, old: str, new: str) -> str:
    import difflib

    lines = difflib.unified_diff(
        old.splitlines(keepends=True),
        new.splitlines(keepends=True),
        fromfile=f"{path}\t(original)",
        tofile=f"{path}\t(formatted)",
    )
    out = []
    for line in lines:
        out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(out)


def _write_atomically(path: str, text: str) -> None:
    """Replace `path` by `text` via a temporary file in the same folder."""
    import os
    import stat
    import tempfile

    folder = os.path.dirname(os.path.abspath(path))
    mode = stat.S_IMODE(os.stat(path).st_mode)
    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
