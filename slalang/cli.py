"""The command line: the only module that prints or exits.

Exit codes mean one thing each:
  0  success (warnings allowed)
  1  a contract has errors (or `--check`-style commands found a difference)
  2  usage error: bad arguments, missing files
  3  internal error: a bug in slalang, and only that
  4  the system refused an input or output: permission denied, a full disk or
     file-size limit, `-o` a file, standard output closed or full (EXIT_IO);
     every OSError reaching `main` and every UsageError raised while handling
     one (`IO_ERRNOS`); stdout and stderr are flushed before exiting
  130 / 143  interrupted (SIGINT / SIGTERM); 141 the reader of stdout went away
Heavy modules (the parser, pydantic models, later WeasyPrint) are imported
inside the command that needs them, so `slalang --version` stays instant."""

from __future__ import annotations

import argparse
import errno
import gc
import os
import sys
from pathlib import Path

from slalang import __version__
from slalang.cliutil import (
    EXIT_ERRORS,
    EXIT_INTERNAL,
    EXIT_IO,
    EXIT_OK,
    EXIT_USAGE,
    UsageError,
    add_lang_argument,
    expand_inputs,
    lang_of,
    os_reason,
    print_diagnostics,
    say,
    summary_line,
)

# Further commands live in slalang/commands/<name>.py, each with
# `register(subparsers)` that adds its parser and sets `func`. They must keep
# their module-level imports light: every CLI start imports them.
EXTRA_COMMANDS = ("schema", "eval", "extract_rules", "fmt", "diff", "textconv", "lint", "duties", "sql")

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
    from slalang.build import Interrupted, interruptible

    try:
        with interruptible():  # SIGINT/SIGTERM: clean up, exit 130/143 (restored afterwards)
            if (
                args.jobs == 1
                and not args.rules
                and (not args.only or "pdf" in [v.strip() for v in args.only.split(",")])
            ):
                from slalang.letter import prefork

                with prefork.running():  # WeasyPrint loads in a second process while the contracts compile
                    return _build(args)
            return _build(args)
    except Interrupted as stop:
        _tell(say("cli.build.interrupted", lang_of(args)))
        return 128 + stop.signum


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
        raise UsageError(say("cli.error.output_not_a_folder", lang, path=out_dir), EXIT_IO)
    if not args.check:
        try:  # before compiling: an -o that cannot be written is known now
            b.check_folder(out_dir)
        except OSError as exc:
            raise UsageError(_cannot_write(exc, out_dir, lang), EXIT_IO) from None
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
    limit = b.name_max(out_dir)
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
            if _bad_name(o.path, name, limit, out_dir, lang):
                status = max(status, EXIT_ERRORS)
    if status != EXIT_OK and not args.check:
        print(say("cli.build.failed", lang), file=sys.stderr)
        return status
    if args.check:
        stale = []
        with b.folder_lock(out_dir):  # not while another build commits: a consistent view
            for leftover in b.leftovers(out_dir):
                stale.append(leftover.name)
                pid = b._pid_of(leftover)
                print(say("cli.build.leftover_stale", lang, path=leftover, pid=_pid_text(pid)), file=sys.stderr)
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
    return _write(b, out_dir, [o.files for o in outcomes], lang)


def _bad_name(path: str, name: str, limit: int, out_dir: Path, lang: str) -> bool:
    """Report an output name the contract chose that cannot be a file name in
    `out_dir` (too long for its file system): before anything is written."""
    from slalang.build import name_problem
    from slalang.textsafe import term

    problem = name_problem(name, limit)
    if problem is None:
        return False
    shown = term(name if len(name) <= 60 else name[:40] + "…")
    if problem == "long":
        size = len(os.fsencode(name))
        print(
            say("cli.build.name_too_long", lang, path=path, name=shown, size=size, dir=out_dir, limit=limit),
            file=sys.stderr,
        )
    else:
        print(say("cli.build.name_bad", lang, path=path, name=shown), file=sys.stderr)
    print(say("cli.error.help", lang, hint=say("cli.build.name_hint", lang, limit=limit)), file=sys.stderr)
    return True


def _pid_text(pid: int | None) -> str:
    return "?" if pid is None else str(pid)


def _write(b, out_dir: Path, per_contract: list[dict[str, bytes]], lang: str) -> int:
    """The run's one commit (slalang/build.py): every output or none; a
    leftover of a killed build is completed or removed first, and reported."""
    files: dict[str, bytes] = {}
    for produced in per_contract:
        files.update(produced)

    def report(found) -> None:
        for left in found:
            key = f"cli.build.leftover_{left.action}"
            print(say(key, lang, dir=out_dir, path=left.path, pid=_pid_text(left.pid), n=left.renamed), file=sys.stderr)

    try:
        written = b.write_all(out_dir, files, report)
    except b.CommitFailed as exc:
        _tell(say("cli.error.usage", lang, detail=_cannot_write(exc, out_dir, lang, bool(exc.undo_failed))))
        if exc.undo_failed:
            listed = say("cli.list_separator", lang).join(exc.undo_failed)
            print(say("cli.error.undo_failed", lang, dir=out_dir, names=listed), file=sys.stderr)
        return EXIT_IO
    except OSError as exc:  # an unwritable -o, a full disk: nothing of this run was written
        _tell(say("cli.error.usage", lang, detail=_cannot_write(exc, out_dir, lang)))
        return EXIT_IO
    for path in written:
        print(say("cli.build.wrote", lang, path=path))
    late = b.late_signal()
    if late:
        print(say("cli.build.interrupted_after", lang), file=sys.stderr)
        return 128 + late
    return EXIT_OK


def _cannot_write(exc: OSError, out_dir: Path, lang: str, undo_failed: bool = False) -> str:
    """Why an output cannot be written; `undo_failed`: the old outputs could
    not all be put back, so the message does not say they are unchanged."""
    where = Path(exc.filename) if exc.filename else out_dir
    if isinstance(exc, NotADirectoryError) and where == out_dir:
        return say("cli.error.output_not_a_folder", lang, path=out_dir)
    key = "cli.error.cannot_write_undo" if undo_failed else "cli.error.cannot_write"
    return say(key, lang, path=_term(str(where)), reason=os_reason(exc, lang))


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
        try:  # readable now: a permission refused is exit 4, as for any input (docs/security.md)
            with open(given, "rb"):
                pass
        except OSError as exc:
            why = say("cli.error.unreadable", lang, path=given, reason=os_reason(exc, lang))
            raise UsageError(why, EXIT_IO if exc.errno in IO_ERRNOS else None) from None
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
    before = sys.stdout
    # Closed at start (`>&-`): the first write fails instead of vanishing.
    sys.stdout = _Guarded(_ClosedStream() if before is None else before)
    try:
        return _main(argv)
    except KeyboardInterrupt:  # Ctrl-C while the commands are still being imported
        return 130
    finally:
        restore_gc()
        sys.stdout = before


# The errors of an input or output that the system refused: exit 4 (EXIT_IO),
# also when a command reports one as a UsageError raised while handling it.
# A missing file (ENOENT) stays a usage error (2).
IO_ERRNOS = frozenset(
    {
        errno.EACCES,
        errno.EPERM,
        errno.ENOSPC,
        errno.EFBIG,
        errno.EROFS,
        errno.EISDIR,
        errno.ENOTDIR,
        errno.ENAMETOOLONG,
        errno.EIO,
        errno.EDQUOT,
        errno.ELOOP,
        errno.EMFILE,
        errno.ENFILE,
        errno.EBADF,
        errno.ETXTBSY,
    }
)


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
        code = args.func(args)
    except UsageError as exc:
        code = exc.exit_code if exc.exit_code is not None else EXIT_IO if _io_cause(exc) else EXIT_USAGE
        _tell(_say_safely("cli.error.usage", args, f"slalang: error: {exc}", detail=exc.message))
    except KeyboardInterrupt:
        code = 130
    except BrokenPipeError:  # the reader went away (e.g. `| head`): stop quietly
        _silence(sys.stdout)
        return 141
    except OSError as exc:  # the system refused an input or output: never "a bug"
        code = _io_failure(exc, args)
    except Exception as exc:  # last line of defence: never a traceback
        detail = f"{type(exc).__name__}: {exc}"
        fallback = f"slalang: internal error: {detail}\nthis is a bug in slalang; please report it"
        _tell(_say_safely("cli.error.internal", args, fallback, detail=detail))
        code = EXIT_INTERNAL
    return _flushed(code, args)


def _io_cause(exc: BaseException) -> bool:
    """Was this error raised while handling an OSError the system gave (EACCES, ENOSPC…)?"""
    seen = 0
    cause = exc.__cause__ or exc.__context__
    while cause is not None and seen < 10:
        if isinstance(cause, OSError) and cause.errno in IO_ERRNOS:
            return True
        cause, seen = cause.__cause__ or cause.__context__, seen + 1
    return False


def _io_failure(exc: OSError, args) -> int:
    """Exit 4 for an OSError that reached the top (2 for a missing file),
    with the path and the system's reason in the user's language."""
    reason = _reason_safely(exc, args)
    if isinstance(exc, StdoutFailed):
        _silence(sys.stdout)
        _tell(_say_safely("cli.error.stdout", args, f"slalang: error: standard output: {reason}", reason=reason))
    elif exc.filename is not None:
        fields = {"path": _term(str(exc.filename)), "reason": reason}
        _tell(_say_safely("cli.error.io_path", args, f"slalang: error: {fields['path']}: {reason}", **fields))
    else:
        _tell(_say_safely("cli.error.io", args, f"slalang: error: {reason}", reason=reason))
    return EXIT_USAGE if isinstance(exc, FileNotFoundError) else EXIT_IO


def _reason_safely(exc: OSError, args) -> str:
    try:
        return os_reason(exc, lang_of(args))
    except Exception:  # the catalogue itself may be what cannot be read
        return str(exc.strerror or exc)


def _flushed(code: int, args) -> int:
    """Flush standard output and error: what a command printed is only
    written when this succeeds (stdout on a full disk or /dev/full → 4)."""
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        _silence(sys.stdout)
        return 141
    except OSError as exc:
        _silence(sys.stdout)
        reason = _reason_safely(exc, args)
        _tell(_say_safely("cli.error.stdout", args, f"slalang: error: standard output: {reason}", reason=reason))
        code = EXIT_IO
    if not _stream_ok(sys.stderr):
        _silence(sys.stderr)
        code = EXIT_IO
    return code


def _stream_ok(stream) -> bool:
    try:
        if stream is not None:
            stream.flush()
        return True
    except OSError:
        return False


def _silence(stream) -> None:
    """Point a failed standard stream at /dev/null, so that Python's own
    flush at exit neither fails again nor prints "Exception ignored"."""
    try:
        fd = stream.fileno()
    except Exception:  # not a real file (a test's capture): nothing to do
        return
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, fd)
        os.close(null)
    except OSError:
        pass


def _tell(text: str) -> None:
    """A line on standard error; if even that fails, exit 4 says it (`_flushed`)."""
    try:
        print(text, file=sys.stderr)
    except Exception:
        pass


def _term(text: str) -> str:
    from slalang.textsafe import term

    return term(text)


class StdoutFailed(OSError):
    """Writing to standard output failed (a full disk, /dev/full, closed)."""


class _Guarded:
    """Standard output while a command runs: a write or flush the system
    refuses raises `StdoutFailed`, so the message can say "standard output"
    (a broken pipe stays a BrokenPipeError: 141, quietly). Everything else
    is the stream's own."""

    def __init__(self, stream) -> None:
        self._stream = stream

    def write(self, text):
        try:
            return self._stream.write(text)
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise StdoutFailed(exc.errno, exc.strerror) from exc

    def flush(self) -> None:
        try:
            self._stream.flush()
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise StdoutFailed(exc.errno, exc.strerror) from exc

    @property
    def buffer(self):
        inner = getattr(self._stream, "buffer", None)
        return None if inner is None else _Guarded(inner)

    def __getattr__(self, name: str):
        return getattr(self._stream, name)


class _ClosedStream:
    """Standard output when the process started with it closed: the first
    write fails (→ exit 4) instead of vanishing; a command that prints
    nothing succeeds."""

    def write(self, text: str) -> int:
        raise OSError(errno.EBADF, "standard output is closed")

    def flush(self) -> None:
        pass

    def fileno(self) -> int:
        raise OSError(errno.EBADF, "standard output is closed")


def _say_safely(key: str, args, fallback: str, **fields) -> str:
    """A last-resort message in the user's language, or in English when even
    the catalogue cannot be read (the error may be that very problem)."""
    try:
        return say(key, lang_of(args), **fields)
    except Exception:
        return fallback
