"""What every command of the command line shares: exit codes, the usage
error, input expansion, the `--lang` option and printing diagnostics and
summaries in the user's language. `slalang/cli.py` and every module of
`slalang/commands/` import these from here (never from each other), so a
command module stays independent of the others.

Kept light: importing this module loads no parser, model or catalogue."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import IO, Any

EXIT_OK, EXIT_ERRORS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
# An input or output the system refused: permission denied, a full disk, a
# path that is a file where a folder is needed, a closed standard output.
EXIT_IO = 4


class UsageError(Exception):
    """Bad arguments or inputs: exit 2 with `slalang: error: …` (4 for an
    input the system refused). The message is a catalogue `Msg` (or text
    already in the user's words)."""

    def __init__(self, message: Any, exit_code: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        # None: 2, or 4 when raised while handling an OSError the system gave
        # (permission denied, a full disk: see slalang/cli.py); or given.
        self.exit_code = exit_code

    def __str__(self) -> str:
        return str(self.message)


def add_lang_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--lang",
        choices=("zh", "en"),
        default=None,
        help="language of messages: zh or en (default: from LC_ALL, LC_MESSAGES or LANG; zh_* → zh)",
    )


def lang_of(args: Any) -> str:
    """The language a command speaks: `--lang`, else the user's locale."""
    chosen = getattr(args, "lang", None)
    if chosen:
        return str(chosen)
    from slalang.i18n import default_lang

    return default_lang()


def say(key: str, lang: str, **fields: Any) -> str:
    """One catalogue message in `lang` (see slalang/i18n.py), for the
    terminal: escaped with `textsafe.term`, so a path, a name or a value from
    the input that a message quotes (a file named `e\x1b[31mvil.sla`) cannot
    move the cursor or recolour the terminal. Line breaks stay (the
    catalogue's own, and those of a message quoted in a field)."""
    from slalang.i18n import Msg, render
    from slalang.textsafe import term

    return term(render(Msg(key, **fields), lang), keep_newlines=True)


def _msg(key: str, **fields: Any) -> Any:
    from slalang.i18n import Msg, Verbatim

    return Msg(key, **{k: Verbatim(str(v)) for k, v in fields.items()})


def expand_inputs(items: list[str]) -> list[str]:
    """Files as given, and every *.sla below each directory (sorted)."""
    out: list[str] = []
    for item in items:
        p = Path(item)
        if p.is_dir():
            found = sorted(str(f) for f in p.rglob("*.sla") if f.is_file())
            if not found:
                raise UsageError(_msg("cli.error.no_contracts", path=item))
            for f in found:
                _readable(f)
            out.extend(found)
        elif p.is_file():
            _readable(item)
            out.append(item)
        elif p.exists():
            raise UsageError(_msg("cli.error.not_a_file", path=item))
        else:
            raise UsageError(_msg("cli.error.no_such_file", path=item))
    return out


def _readable(path: str) -> None:
    """An input the system will not let us read is exit 4, before any work."""
    try:
        with open(path, "rb"):
            pass
    except FileNotFoundError:
        raise UsageError(_msg("cli.error.no_such_file", path=path)) from None
    except OSError as exc:
        from slalang.i18n import Msg, Verbatim

        message = Msg("cli.error.unreadable", path=Verbatim(path), reason=reason_of(exc))
        raise UsageError(message, EXIT_IO) from None


def reason_of(exc: OSError) -> Any:
    """Why the system refused, as a catalogue `Msg` (rendered in the user's
    language) or the system's own words."""
    from slalang.i18n import os_reason_msg

    return os_reason_msg(exc)


def os_reason(exc: OSError, lang: str) -> str:
    """`reason_of(exc)` in `lang`."""
    from slalang.i18n import render

    return render(reason_of(exc), lang)


def print_diagnostics(results: list[Any], fmt: str, out: IO[str] | None = None, lang: str = "en") -> None:
    """Each result's diagnostics (capped per file) as text or one JSON document."""
    from slalang import diagnostics as dg

    out = out or sys.stdout
    shown: list = []
    for r in results:
        kept, more = dg.cap(r.diagnostics)
        shown.extend(kept)
        if fmt == "text":
            for d in kept:
                print(dg.render_text(d, lang), file=out)
                print(file=out)
            if more:
                print(say("cli.summary.more", lang, path=r.path, n=more), file=out)
    if fmt == "json":
        print(dg.to_json(shown, [r.path for r in results], lang), file=out)


def summary_line(files: int, errors: int, warnings: int, bad: int, lang: str, verb: str = "checked") -> str:
    """`checked 3 files: 1 error, 0 warnings in 1 file`, in `lang`."""
    from slalang.i18n import Msg

    fields = {
        "files": Msg("cli.summary.files", n=files),
        "errors": Msg("cli.summary.errors", n=errors),
        "warnings": Msg("cli.summary.warnings", n=warnings),
    }
    if bad:
        return say(f"cli.summary.{verb}_bad", lang, bad=Msg("cli.summary.files", n=bad), **fields)
    return say(f"cli.summary.{verb}", lang, **fields)


def rules_exit_code(exc: Any) -> int:
    """The exit code for a rule file that cannot be used (a runtime
    `RulesError`): one that does not exist is a usage error (2); one the
    system refuses to read (permission, a folder, an I/O error) is 4; a file
    read but refused (malformed, unknown version, checksum) is 1."""
    if exc.kind != "io":
        return EXIT_ERRORS
    reason = exc.fields.get("reason")
    return EXIT_USAGE if reason is None or isinstance(reason, FileNotFoundError) else EXIT_IO


def write_file(path: str | Path, data: bytes) -> None:
    """Write `data` to the file `path` names, as a user means it:
    - a device, a FIFO or a socket (`-o /dev/stdout`, `-o /dev/null`, a
      pipe) is written to, never replaced by a file;
    - a symlink is followed: the link stays a link, the file it names is
      rewritten;
    - a regular file (or a new one) is replaced atomically: a temporary file
      beside it, fsynced, given the old file's mode (or the umask's), renamed
      over it; on any failure the temporary is removed and the old file is
      unchanged. A missing folder is created.
    Raises OSError (the command line reports it as exit 4)."""
    import os
    import stat
    import tempfile

    target = os.path.realpath(path)
    try:
        st: os.stat_result | None = os.stat(target)
    except FileNotFoundError:
        st = None
    if st is not None and not stat.S_ISREG(st.st_mode) and not stat.S_ISDIR(st.st_mode):
        with open(target, "wb") as fh:  # a device or a pipe: written to, as a shell redirection would
            fh.write(data)
        return
    folder = os.path.dirname(target) or "."
    os.makedirs(folder, exist_ok=True)
    if st is not None:
        mode = stat.S_IMODE(st.st_mode)
    else:
        mask = os.umask(0)
        os.umask(mask)
        mode = 0o666 & ~mask
    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(target)}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)  # a folder at `target`: IsADirectoryError, reported as exit 4
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


# What the json module says (its `msg`), as catalogue keys under `cli.runtime.json_error`.
JSON_REASONS = {
    "Expecting value": "expecting_value",
    "Expecting property name enclosed in double quotes": "expecting_name",
    "Expecting ',' delimiter": "expecting_comma",
    "Expecting ':' delimiter": "expecting_colon",
    "Unterminated string starting at": "unterminated_string",
    "Invalid control character at": "control_character",
    "Invalid \\escape": "bad_escape",
    "Invalid \\uXXXX escape": "bad_unicode_escape",
    "Extra data": "extra_data",
    "Illegal trailing comma before end of object": "trailing_comma_object",
    "Illegal trailing comma before end of array": "trailing_comma_array",
}


def json_reason(msg: str, lang: str) -> str:
    """What the json module says, in `lang` where the catalogue words it."""
    key = JSON_REASONS.get(msg)
    return say(f"cli.runtime.json_error.{key}", lang) if key else msg
