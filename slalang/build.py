"""`slalang build`: compile contracts and write their outputs all or nothing.

For each contract the enabled producers (rules, html, pdf, docx) each return
`{filename: bytes}`; nothing is written until every producer of every
contract of the run has succeeded. `--check` writes nothing and reports which
committed outputs differ from a fresh build (and any leftover of a killed
build, below).

Writing (`write_all`), for the whole run at once:
  1. Check first. Every output name a contract chose must be a file name in
     the output folder: no `/`, at most the folder's NAME_MAX bytes
     (`os.pathconf(dir, "PC_NAME_MAX")`, else 255) — staged files keep their
     own names inside the staging folder, so no prefix or suffix counts against
     it; else the contract is named, exit 1 (`name_problem`). `-o` must be a
     folder or creatable, and writable (`os.access`, then the real probe: the
     staging folder is created in it); else exit 4 and nothing is written.
  2. Stage. Every file goes to `DIR/.slalang-staging-<pid>-<random>/new/`,
     written and fsynced. A full disk, a file-size limit or SIGINT/SIGTERM
     (which raise `Interrupted` while building: `interruptible()`) removes the
     staging folder; the old outputs are untouched.
  3. Commit, with SIGINT and SIGTERM blocked (`signal.pthread_sigmask`) so the
     renames of one run complete together: `journal.json` (each name and the
     sha256 of the file it replaces, or null) is written and fsynced in the
     staging folder BEFORE the first rename; each old file gets a second name
     in `old/` (a hard link); then each staged file is renamed into place. If a
     rename fails, the renames done are undone from `old/` (the old set stays
     complete) and the build exits 4. The folder is fsynced and the staging
     folder removed; a signal held during the commit is acted on after it.
  4. Recover. Only SIGKILL or a crash of the machine can leave a staging
     folder. The next build finds it (`recover`): with a journal, the rename
     phase had begun, so its remaining renames are completed — only where the
     output is still the file it was to replace — and the folder holds that
     run's complete set; without one, nothing was renamed and it is removed.
     Either way it is reported, and the build goes on. `build --check` reports
     a leftover as stale (exit 1) and changes nothing. A staging folder whose
     process is alive is left alone.
Two builds into one folder take turns: each holds an exclusive `flock` on
the folder from recovery to the end of its commit (none where the file
system has no locks). Limits: the output folder is fsynced, its parents are not.

`_step` is a no-op test hook called at each step (tests deliver signals and
SIGKILL there).

Producers live with their backends and are imported only when enabled:
  rules → slalang.rules.produce(ctx)   html/pdf → slalang.letter.produce(ctx)
  docx → slalang.letter.docx.produce(ctx) (built only when asked for: not in DEFAULT_FORMATS)
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import importlib
import json
import os
import secrets
import shutil
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from slalang.errors import BuildError

if TYPE_CHECKING:
    from slalang.diagnostics import Diagnostic
    from slalang.model import Contract
    from slalang.source import SourceFile

__all__ = [
    "DEFAULT_FORMATS",
    "FORMATS",
    "PRODUCERS",
    "BuildContext",
    "BuildError",
    "BuildOutcome",
    "CommitFailed",
    "Interrupted",
    "Leftover",
    "Signer",
    "build_one",
    "interruptible",
    "recover",
    "write_all",
]

FORMATS = ("rules", "html", "pdf", "docx")
# What `slalang build` writes without `--only`: the Word letter is asked for by name.
DEFAULT_FORMATS = ("rules", "html", "pdf")
# format → (module, function); one producer may serve several formats.
PRODUCERS = {
    "rules": ("slalang.rules", "produce"),
    "html": ("slalang.letter", "produce"),
    "pdf": ("slalang.letter", "produce"),
    "docx": ("slalang.letter.docx", "produce"),
}


@dataclass(frozen=True)
class Signer:
    """What `build --sign` signs letters with: paths as the user gave them,
    read by the PDF producer (a key may need its passphrase from the
    environment variable named by `passphrase_env`)."""

    key: str
    cert: str
    chain: tuple[str, ...] = ()
    passphrase_env: str | None = None


@dataclass
class BuildContext:
    path: str
    source: SourceFile
    contract: Contract
    formats: frozenset[str]
    layout: str = "interleaved"
    outputs: dict[str, bytes] = field(default_factory=dict)  # filled in producer order
    # The canonical text of the source (slalang/fmt.py), whose sha256 the rule
    # file and the letter footer record: computed once per compile from the
    # front end's AST and comments (`compiler.Result.canonical_text`).
    canonical_text: str | None = None
    # `build --sign KEY --cert CERT`: the PDF letter is signed (PAdES) with this
    # key and certificate (slalang/letter/sign.py); None leaves it unsigned.
    signer: Signer | None = None

    def canonical(self) -> str:
        """The canonical source text; a context made without one (library
        callers, tests) gets it from the source, at the cost of a parse."""
        if self.canonical_text is None:
            from slalang.compiler import canonical_source

            self.canonical_text = canonical_source(self.source)
        return self.canonical_text


@dataclass
class BuildOutcome:
    path: str
    diagnostics: list[Diagnostic]
    files: dict[str, bytes] = field(default_factory=dict)
    error: Any = None  # a BuildError's message: str or slalang.i18n.Msg
    hint: Any = None
    internal: bool = False


def build_one(
    path: str, formats: frozenset[str], layout: str = "interleaved", signer: Signer | None = None
) -> BuildOutcome:
    """Compile one contract and run its producers; writes nothing. Nothing
    is read from the user's cache folder: whether a build writes, and what,
    comes from the installed packages alone (docs/security.md)."""
    from slalang import holidaysets
    from slalang.compiler import compile_file

    holidaysets.read_no_cache()
    result = compile_file(path)
    outcome = BuildOutcome(path, result.diagnostics)
    if result.contract is None or result.source is None:
        outcome.internal = result.internal
        return outcome
    ctx = BuildContext(
        path, result.source, result.contract, formats, layout, canonical_text=result.canonical_text, signer=signer
    )
    done: set[tuple[str, str]] = set()
    try:
        for fmt in FORMATS:  # rules first: the PDF embeds them
            if fmt not in formats:
                continue
            target = PRODUCERS[fmt]
            if target in done:
                continue
            done.add(target)
            try:
                module = importlib.import_module(target[0])
            except ModuleNotFoundError as exc:
                if exc.name != target[0]:
                    raise
                from slalang.i18n import Msg

                raise BuildError(Msg("cli.error.no_format", format=fmt), Msg("cli.error.no_format_hint"))
            ctx.outputs.update(getattr(module, target[1])(ctx))
    except BuildError as exc:
        outcome.error, outcome.hint = exc.message, exc.hint
        return outcome
    except Exception as exc:  # a bug in a backend: name the contract, never a traceback
        import traceback

        from slalang.compiler import _internal

        where = traceback.extract_tb(exc.__traceback__)[-1]
        outcome.diagnostics.append(
            _internal(
                path, f"{type(exc).__name__}: {exc} while building (at {Path(where.filename).name}:{where.lineno})"
            )
        )
        outcome.internal = True
        return outcome
    outcome.files = dict(ctx.outputs)
    return outcome


# --- Writing: one staged, journalled commit per run (see the module docstring) ---

STAGING_PREFIX = ".slalang-staging-"
JOURNAL = "journal.json"
JOURNAL_FORMAT = "slalang.build-journal/v1"
NAME_MAX_FALLBACK = 255
# The signals a user or a supervisor stops a build with: while building they
# raise `Interrupted` (cleaned up, exit 128 + signal); during the renames they
# are blocked, so the renames of one run complete together.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Interrupted(BaseException):  # noqa: N818 (like KeyboardInterrupt, not an error of the build)
    """SIGINT or SIGTERM arrived while building (`interruptible()`)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


class CommitFailed(OSError):
    """A rename of the commit failed; the renames done were undone (or, when
    `undo_failed` names files, could not all be undone)."""

    undo_failed: tuple[str, ...] = ()


@dataclass
class Leftover:
    """A staging folder an earlier build left behind (SIGKILL, power loss)."""

    path: Path
    pid: int | None
    action: str  # "removed" (staged files dropped) | "completed" (its renames finished) | "running"
    renamed: int = 0


def _step(name: str, index: int = 0) -> None:
    """TEST HOOK, a no-op: called at each step of a write (`start`,
    `staged` after file `index`, `journal`, `backup`, `renamed` after file
    `index`, `committed`). tests/test_build_atomic.py replaces it to deliver
    a signal or kill the process at that step; nothing else reads it."""


@contextmanager
def interruptible() -> Iterator[None]:
    """While building: SIGINT and SIGTERM raise `Interrupted`. The previous
    handlers are restored afterwards (`slalang.cli.main` is called by tests)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    owner = os.getpid()

    def stop(signum: int, frame: Any) -> None:
        if os.getpid() != owner:  # a forked helper (the PDF renderer): just stop, as by default
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
            return
        if _run["committed"]:  # all of this run's outputs are in place: say so, after
            _run["late_signal"] = _run["late_signal"] or signum
            return
        raise Interrupted(signum)

    before = {}
    _run.update(committed=False, late_signal=0)
    for sig in STOP_SIGNALS:
        old = signal.getsignal(sig)
        before[sig] = signal.SIG_DFL if old is None else old
        if old is not signal.SIG_IGN:  # started with it ignored (nohup, `&`): stays ignored
            signal.signal(sig, stop)
    try:
        yield
    finally:
        for sig, old in before.items():
            signal.signal(sig, old)


# The state of the current run for the signal handler: once `committed`, a
# stop signal is recorded in `late_signal` instead of raising.
_run: dict[str, Any] = {"committed": False, "late_signal": 0}


def late_signal() -> int:
    """A stop signal that arrived during or after the commit (0 if none):
    the outputs are complete; the command still stops with 128 + it."""
    return int(_run["late_signal"])


def name_max(folder: Path) -> int:
    """The longest file name (in bytes) `folder`'s file system takes."""
    probe = folder
    while not probe.exists() and probe.parent != probe:
        probe = probe.parent
    try:
        return int(os.pathconf(probe, "PC_NAME_MAX"))
    except (OSError, ValueError, TypeError):
        return NAME_MAX_FALLBACK


def name_problem(name: str, limit: int) -> str | None:
    """Why `name` (an output name a contract chose) cannot be a file name in
    the output folder, or None: "long" or "bad"."""
    if not name or name in (".", "..") or "/" in name or "\0" in name or name.startswith(STAGING_PREFIX):
        return "bad"
    try:
        size = len(os.fsencode(name))
    except UnicodeError:
        return "bad"
    return "long" if size > limit else None


def check_folder(out_dir: Path) -> None:
    """Before any work: `out_dir` is a folder, or its nearest existing
    ancestor is a folder we may create entries in. Raises OSError with the path."""
    probe = out_dir
    while not probe.exists() and not probe.is_symlink() and probe.parent != probe:
        probe = probe.parent
    if not probe.is_dir():
        raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(probe))
    if not os.access(probe, os.W_OK | os.X_OK):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(probe))


def prepare_folder(out_dir: Path) -> list[Path]:
    """Make sure `out_dir` is a folder this process can write into; returns
    the folders it created (removed again if the build fails). Raises
    OSError (with the path) when the system refuses."""
    check_folder(out_dir)
    created: list[Path] = []
    missing = []
    probe = out_dir
    while not probe.exists():
        missing.append(probe)
        if probe.parent == probe:
            break
        probe = probe.parent
    try:
        for folder in reversed(missing):
            os.mkdir(folder)
            created.append(folder)
    except OSError:
        _remove_created(created)
        raise
    if not os.access(out_dir, os.W_OK | os.X_OK):
        _remove_created(created)
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(out_dir))
    return created


def _remove_created(created: list[Path]) -> None:
    for folder in reversed(created):
        try:
            folder.rmdir()
        except OSError:
            pass


def write_all(
    out_dir: Path, files: dict[str, bytes], report: Callable[[list[Leftover]], None] | None = None
) -> list[Path]:
    """Write every output of the run so that they appear together or not at
    all: staged in one folder inside `out_dir`, fsynced, journalled, then
    renamed into place with SIGINT/SIGTERM blocked. Holding the folder's
    lock, leftovers of killed builds are recovered first (`report` is told).
    An OSError names the final path; nothing of this run is left behind."""
    created = prepare_folder(out_dir)
    try:
        with folder_lock(out_dir):
            found = recover(out_dir)
            if report is not None and found:
                report(found)
            return _write_locked(out_dir, files)
    except BaseException:
        _remove_created(created)  # (only if empty: a failed or undone write leaves it so)
        raise


@contextmanager
def folder_lock(out_dir: Path) -> Iterator[None]:
    """An exclusive lock (flock) on the output folder itself, so that two
    builds into one folder take turns; none where the file system has no
    locks (the limit is stated in the module docstring)."""
    try:
        fd = os.open(out_dir, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        yield
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
        except OSError:
            pass
        yield
    finally:
        os.close(fd)  # releases the lock


def _write_locked(out_dir: Path, files: dict[str, bytes]) -> list[Path]:
    _step("start")
    staging = out_dir / f"{STAGING_PREFIX}{os.getpid()}-{secrets.token_hex(4)}"
    os.mkdir(staging, 0o700)  # the real probe: the folder takes a new entry
    try:
        names = sorted(files)
        os.mkdir(staging / "new")
        os.mkdir(staging / "old")
        for i, name in enumerate(names):
            try:
                _write_synced(staging / "new" / name, files[name])
            except OSError as exc:
                raise OSError(exc.errno, exc.strerror, str(out_dir / name)) from exc
            _step("staged", i)
        _fsync_dir(staging / "new")
        entries = []
        for name in names:
            final = out_dir / name
            if final.is_dir() and not final.is_symlink():
                raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(final))
            entries.append({"name": name, "old_sha256": _sha256_of(final)})
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _commit(out_dir, staging, entries)
    return [out_dir / name for name in names]


def _commit(out_dir: Path, staging: Path, entries: list[dict[str, Any]]) -> None:
    """The rename phase, signals blocked: journal, back up, rename; undo the
    renames done if one fails."""
    with _signals_blocked():
        done: list[tuple[str, bool]] = []  # (name, had an old file backed up)
        try:
            journal = {"format": JOURNAL_FORMAT, "pid": os.getpid(), "entries": entries}
            _write_synced(staging / (JOURNAL + ".part"), json.dumps(journal, sort_keys=True).encode())
            os.replace(staging / (JOURNAL + ".part"), staging / JOURNAL)
            _fsync_dir(staging)
            _step("journal")
            for i, entry in enumerate(entries):
                name = entry["name"]
                final = out_dir / name
                backed_up = entry["old_sha256"] is not None
                if backed_up:
                    _back_up(final, staging / "old" / name)
                    _step("backup", i)
                os.replace(staging / "new" / name, final)
                done.append((name, backed_up))
                _step("renamed", i)
            _fsync_dir(out_dir)
            _run["committed"] = True
            _step("committed")
        except OSError as exc:
            failed = CommitFailed(exc.errno, exc.strerror, exc.filename)
            failed.undo_failed = _undo(out_dir, staging, done)
            shutil.rmtree(staging, ignore_errors=True)
            raise failed from exc
        except BaseException:  # not a signal (blocked): a bug in between; keep the old set too
            _undo(out_dir, staging, done)
            shutil.rmtree(staging, ignore_errors=True)
            raise
        shutil.rmtree(staging, ignore_errors=True)


def _undo(out_dir: Path, staging: Path, done: list[tuple[str, bool]]) -> tuple[str, ...]:
    """Put back the old files of the renames done (newest first)."""
    failed = []
    for name, backed_up in reversed(done):
        try:
            if backed_up:
                os.replace(staging / "old" / name, out_dir / name)
            else:
                os.unlink(out_dir / name)
        except OSError:
            failed.append(name)
    return tuple(failed)


def _back_up(final: Path, backup: Path) -> None:
    """A second name for the old file (a hard link: no copy, no space), or a copy."""
    try:
        os.link(final, backup, follow_symlinks=False)
    except OSError:
        shutil.copy2(final, backup, follow_symlinks=False)


def _write_synced(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # the umask applies, as for open()
    try:
        view = memoryview(data)
        while view:
            n = os.write(fd, view)
            view = view[n:]
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:  # some file systems cannot sync a folder; the files are synced
        pass
    finally:
        os.close(fd)


def _sha256_of(path: Path) -> str | None:
    """The sha256 of an existing file (not followed if a symlink), or None."""
    try:
        if path.is_symlink():
            return hashlib.sha256(os.fsencode(os.readlink(path))).hexdigest()
        with open(path, "rb") as fh:
            return hashlib.file_digest(fh, "sha256").hexdigest()
    except FileNotFoundError:
        return None


def leftovers(out_dir: Path) -> list[Path]:
    """Staging folders of earlier builds in `out_dir` (sorted)."""
    try:
        found = (p for p in out_dir.iterdir() if p.name.startswith(STAGING_PREFIX))
        return sorted(p for p in found if p.is_dir() and not p.is_symlink())  # a planted link is not ours
    except OSError:
        return []


def _pid_of(staging: Path) -> int | None:
    head = staging.name[len(STAGING_PREFIX) :].split("-", 1)[0]
    return int(head) if head.isdigit() and len(head) < 10 else None


def _alive(pid: int | None) -> bool:
    if pid is None or pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, another user's
        return True
    return True


def recover(out_dir: Path) -> list[Leftover]:
    """Finish or drop what earlier, killed builds left in `out_dir`: a
    staging folder with a journal was in its rename phase — its remaining
    renames are completed (only where the output is still the file it was
    about to replace), so the folder holds that run's complete set; one
    without a journal had renamed nothing and is removed. A folder whose
    process still runs is left alone."""
    found = []
    for staging in leftovers(out_dir):
        pid = _pid_of(staging)
        if _alive(pid):
            found.append(Leftover(staging, pid, "running"))
            continue
        with _signals_blocked():  # the renames of a roll-forward complete together too
            renamed = _roll_forward(out_dir, staging)
            shutil.rmtree(staging, ignore_errors=True)
        found.append(Leftover(staging, pid, "completed" if renamed is not None else "removed", renamed or 0))
    return found


@contextmanager
def _signals_blocked() -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    before = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


def _roll_forward(out_dir: Path, staging: Path) -> int | None:
    """The renames a journal names that had not happened; None if no usable journal."""
    if (staging / "new").is_symlink() or (staging / JOURNAL).is_symlink():
        return None  # not what a build writes: staged files are never taken from elsewhere
    try:
        journal = json.loads((staging / JOURNAL).read_bytes())
        entries = journal["entries"]
        if journal.get("format") != JOURNAL_FORMAT or not isinstance(entries, list):
            return None
        plan = []
        for entry in entries:
            name, old = entry["name"], entry["old_sha256"]
            if (
                not isinstance(name, str)
                or name_problem(name, NAME_MAX_FALLBACK * 16)
                or not (old is None or isinstance(old, str))
            ):
                return None
            plan.append((name, old))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    renamed = 0
    for name, old in plan:
        staged = staging / "new" / name
        if not staged.is_file() or staged.is_symlink():
            continue  # renamed before the kill
        try:
            if _sha256_of(out_dir / name) != old:
                continue  # changed since: not ours to replace
            os.replace(staged, out_dir / name)
            renamed += 1
        except OSError:
            continue
    _fsync_dir(out_dir)
    return renamed


def stale_files(out_dir: Path, files: dict[str, bytes]) -> list[str]:
    """Names of outputs that are missing or differ from `files`. A signed
    PDF letter is up to date when the letter under its signature is the one
    a fresh build renders: signatures carry their signing time, so two
    signings of one letter never agree byte for byte."""
    stale = []
    for name, data in sorted(files.items()):
        p = out_dir / name
        try:
            old = p.read_bytes()
        except OSError:
            stale.append(name)
            continue
        if old != data and not (name.endswith(".pdf") and _same_letter(old, data)):
            stale.append(name)
    return stale


def _same_letter(old: bytes, new: bytes) -> bool:
    try:
        from slalang.letter.sign import unsigned_part
    except ModuleNotFoundError:  # a slalang without the letter backend
        return False
    return unsigned_part(old) == unsigned_part(new)
