"""`slalang fmt`: rewrite contracts in the canonical layout (slalang/fmt.py).

  slalang fmt FILE|DIR...           rewrite files that are not canonical
  slalang fmt --check FILE|DIR...   write nothing; exit 1 if a file would change
  slalang fmt --diff FILE|DIR...    write nothing; print a unified diff
  slalang fmt -                     read stdin, write the result to stdout

A file that does not compile is reported with its diagnostics and left alone
(exit 1). Files are replaced atomically: a temporary file beside the file,
fsynced, given the file's mode, renamed over it; a symlink is written
through (its target is replaced, the link stays), and a failed write leaves
the file and no temporary behind.
Exit codes: 0 nothing to do or all rewritten, 1 errors or (with --check) a
file would change, 2 usage, 3 the formatter failed its own safety check,
4 a file could not be read or written (the others are still formatted)."""

from __future__ import annotations

import sys

from slalang.cliutil import (
    EXIT_ERRORS,
    EXIT_INTERNAL,
    EXIT_IO,
    EXIT_OK,
    UsageError,
    add_lang_argument,
    expand_inputs,
    lang_of,
    os_reason,
    print_diagnostics,
    say,
    write_file,
)


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
    add_lang_argument(p)
    p.set_defaults(func=run)


def run(args) -> int:
    lang = lang_of(args)
    if "-" in args.inputs:
        if len(args.inputs) != 1:
            raise UsageError(say("cli.error.stdin_alone", lang))
        return _stdin(args, lang)
    files = expand_inputs(args.inputs)
    changed = unchanged = failed = io_failed = 0
    internal = False
    for path in files:
        status, old, new = _format_path(path, lang)
        if status == "io":
            io_failed += 1
            continue
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
                print(say("cli.fmt.would_reformat", lang, path=path), file=sys.stderr)
            continue
        try:
            _write_atomically(path, new)
        except OSError as exc:  # read-only, full: this file is left as it was, the others go on
            reason = say("cli.fmt.cannot_write", lang, reason=os_reason(exc, lang))
            print(say("cli.error.at_file", lang, path=path, detail=reason), file=sys.stderr)
            io_failed += 1
            continue
        print(say("cli.fmt.reformatted", lang, path=path), file=sys.stderr)
    verb = "would_change" if (args.check or args.diff) else "changed"
    parts = []
    if changed:
        parts.append(say(f"cli.fmt.{verb}", lang, n=changed))
    if unchanged:
        parts.append(say("cli.fmt.unchanged", lang, n=unchanged))
    if failed:
        parts.append(say("cli.fmt.failed", lang, n=failed))
    if parts:
        print(say("cli.clause_separator", lang).join(parts), file=sys.stderr)
    if internal:
        return EXIT_INTERNAL
    if io_failed:
        return EXIT_IO
    if failed or (args.check and changed):
        return EXIT_ERRORS
    return EXIT_OK


def _format_path(path: str, lang: str) -> tuple[str, str, str]:
    """("ok", old, new), or ("error" | "bug" | "io", "", "") after reporting why."""

    from slalang.compiler import Result, decode, read_source

    try:
        data, size = read_source(path)
    except OSError as exc:
        reason = say("cli.error.cannot_read", lang, reason=os_reason(exc, lang))
        print(say("cli.error.at_file", lang, path=path, detail=reason), file=sys.stderr)
        return "io", "", ""
    source, diags = decode(path, data, size)
    if diags or source is None:
        _report([Result(path, source, None, diags)], lang)
        return "error", "", ""
    status, new = _format_source(source, lang)
    if status != "ok":
        return status, "", ""
    try:
        old = data.decode("utf-8")
    except UnicodeDecodeError:  # decode() succeeded, so this cannot happen
        old = source.text
    return "ok", old, new


def _format_source(source, lang: str) -> tuple[str, str]:
    from slalang import fmt
    from slalang.compiler import Result
    from slalang.errors import FormatRefused, FormatterBug

    try:
        return "ok", fmt.format_source(source)
    except FormatRefused as exc:
        _report([Result(source.path, source, None, exc.diagnostics)], lang)
        print(say("cli.fmt.refused", lang, path=source.path), file=sys.stderr)
        return "error", ""
    except FormatterBug as exc:
        print(say("cli.fmt.bug", lang, path=source.path, detail=exc), file=sys.stderr)
        return "bug", ""
    except RecursionError:
        print(say("cli.fmt.too_deep", lang, path=source.path), file=sys.stderr)
        return "bug", ""
    except Exception as exc:  # never a traceback, never a half-formatted file
        print(say("cli.fmt.bug", lang, path=source.path, detail=f"{type(exc).__name__}: {exc}"), file=sys.stderr)
        return "bug", ""


def _report(results, lang: str) -> None:
    print_diagnostics(results, "text", sys.stderr, lang)


def _stdin(args, lang: str) -> int:
    from slalang.compiler import Result, decode, read_source

    data, _ = read_source(None)  # bounded: more than the limit is refused by decode
    source, diags = decode("<stdin>", data)
    if diags or source is None:
        _report([Result("<stdin>", source, None, diags)], lang)
        return EXIT_ERRORS
    status, new = _format_source(source, lang)
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
    """Replace the file `path` names by `text` (cliutil.write_file: through a
    symlink, fsynced, mode kept, no temporary left on failure)."""
    write_file(path, text.encode("utf-8"))
