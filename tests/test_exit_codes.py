"""Exit codes mean one thing each (slalang/cli.py, README.md): a test per
code, and every command against a standard output the system refuses
(/dev/full, closed) and inputs it will not let us read (issue 14,
deliverable 7)."""

import errno
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, TESTS

from slalang import cli
from slalang.cliutil import (
    EXIT_ERRORS,
    EXIT_INTERNAL,
    EXIT_IO,
    EXIT_OK,
    EXIT_USAGE,
    UsageError,
    os_reason,
    say,
)
from slalang.i18n import OS_REASONS as REASONS

GOOD = TESTS / "good_minimal.sla"
BAD = TESTS / "bad" / "matrix_wrong_cell_count.sla"
RULES = TESTS / "golden" / "rules" / "example-itops.rules.json"
TICKETS = TESTS / "data" / "example-itops.tickets.csv"
EVIDENCE = TESTS / "data" / "duties" / "itops-2026.csv"
AT = "2026-12-01T00:00:00+08:00"


def slalang(*args, **kw) -> subprocess.CompletedProcess:
    if "stdout" not in kw and "stderr" not in kw:
        kw["capture_output"] = True
    return subprocess.run([sys.executable, "-m", "slalang", *map(str, args)], cwd=ROOT, text=True, timeout=120, **kw)


def test_0_success_and_1_errors(capsys):
    assert cli.main(["check", str(GOOD)]) == EXIT_OK
    assert cli.main(["check", str(BAD)]) == EXIT_ERRORS


def test_2_usage(capsys):
    assert cli.main(["check", "no/such/file.sla"]) == EXIT_USAGE
    assert "no such file" in capsys.readouterr().err
    with pytest.raises(SystemExit) as stop:
        cli.main(["check", "--format", "nonsense", str(GOOD)])
    assert stop.value.code == EXIT_USAGE


def test_3_only_for_a_bug(capsys, monkeypatch):
    import slalang.compiler

    def bug(path):
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(slalang.compiler, "compile_file", bug)
    assert cli.main(["check", "--lang", "en", str(GOOD)]) == EXIT_INTERNAL
    err = capsys.readouterr().err
    assert "internal error: ZeroDivisionError: a bug" in err and "Traceback" not in err


@pytest.mark.parametrize(
    "error",
    [
        PermissionError(errno.EACCES, "Permission denied", "/srv/x.sla"),
        OSError(errno.ENOSPC, "No space left on device", "/srv/out"),
        OSError(errno.EFBIG, "File too large", "/srv/out"),
        OSError(errno.EROFS, "Read-only file system", "/srv/out"),
        IsADirectoryError(errno.EISDIR, "Is a directory", "/srv/out"),
        NotADirectoryError(errno.ENOTDIR, "Not a directory", "/srv/out"),
        OSError(errno.ENAMETOOLONG, "File name too long", "/srv/out"),
    ],
    ids=lambda e: errno.errorcode[e.errno],
)
def test_4_an_os_error_reaching_the_top_names_the_path(capsys, monkeypatch, error):
    import slalang.compiler

    def refused(path):
        raise error

    monkeypatch.setattr(slalang.compiler, "compile_file", refused)
    assert cli.main(["check", "--lang", "en", str(GOOD)]) == EXIT_IO
    err = capsys.readouterr().err
    assert err == f"slalang: error: {error.filename}: {error.strerror}\n"
    assert cli.main(["check", "--lang", "zh", str(GOOD)]) == EXIT_IO
    reason = say(f"cli.error.reason.{errno.errorcode[error.errno]}", "zh")
    assert capsys.readouterr().err == f"slalang: 错误: {error.filename}：{reason}\n"


def test_the_reasons_are_worded_in_both_languages():
    for name in sorted(REASONS):
        code = getattr(errno, name)
        assert say(f"cli.error.reason.{name}", "en").startswith(os.strerror(code)), name
        assert not say(f"cli.error.reason.{name}", "zh").isascii(), name
    assert os_reason(OSError(errno.EXDEV, "Invalid cross-device link"), "zh") == "Invalid cross-device link"


def test_a_missing_file_reaching_the_top_stays_2(capsys, monkeypatch):
    import slalang.compiler

    def missing(path):
        raise FileNotFoundError(errno.ENOENT, "No such file or directory", "/srv/gone.sla")

    monkeypatch.setattr(slalang.compiler, "compile_file", missing)
    assert cli.main(["check", str(GOOD)]) == EXIT_USAGE


def test_a_usage_error_raised_while_handling_a_refusal_is_4(capsys, monkeypatch):
    """Commands report an unreadable input as a UsageError raised in their
    `except OSError`: the errno decides (permission → 4, missing → 2)."""
    import slalang.compiler

    def reporting(errno_):
        def compile_file(path):
            try:
                raise OSError(errno_, os.strerror(errno_), path)
            except OSError as exc:
                raise UsageError(f"{path}: {exc.strerror}") from None

        return compile_file

    monkeypatch.setattr(slalang.compiler, "compile_file", reporting(errno.EACCES))
    assert cli.main(["check", str(GOOD)]) == EXIT_IO
    monkeypatch.setattr(slalang.compiler, "compile_file", reporting(errno.ENOENT))
    assert cli.main(["check", str(GOOD)]) == EXIT_USAGE
    assert "Permission denied" in capsys.readouterr().err


def test_130_interrupted(capsys, monkeypatch):
    import slalang.compiler

    def interrupted(path):
        raise KeyboardInterrupt

    monkeypatch.setattr(slalang.compiler, "compile_file", interrupted)
    assert cli.main(["check", str(GOOD)]) == 130


def test_141_broken_pipe_is_quiet():
    """The reader goes away after one byte of 83 KB (more than a pipe holds)."""
    p = subprocess.Popen(
        [sys.executable, "-m", "slalang", "check", "--format", "json", "tests/bad"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert p.stdout is not None and p.stderr is not None
    assert p.stdout.read(1) == b"{"
    p.stdout.close()
    err = p.stderr.read().decode()
    assert p.wait(timeout=120) == 141
    assert "Traceback" not in err and "Exception ignored" not in err and "error" not in err


# Every command, with something to print on standard output.
UGLY = GOOD.read_text(encoding="utf-8").replace('  title      "服务承诺"', '  title   "服务承诺"', 1)
COMMANDS = {
    "check": ["check", "--format", "json", GOOD],
    "lint": ["lint", "--format", "json", GOOD],
    "fmt": ["fmt", "--diff", "{ugly}"],
    "diff": ["diff", GOOD, ROOT / "contracts" / "itops.sla"],
    "build": ["build", "--rules", GOOD, "-o", "{out}"],
    "eval": ["eval", RULES, TICKETS, "--at", AT],
    "duties": ["duties", RULES, "--evidence", EVIDENCE, "--at", "2026-12-15", "--skip-bad"],
    "schema": ["schema"],
    "textconv": ["textconv", GOOD],
}


def command(name: str, tmp_path: Path) -> list[str]:
    ugly = tmp_path / "ugly.sla"
    ugly.write_text(UGLY, encoding="utf-8")
    fields = {"ugly": ugly, "out": tmp_path / "out"}
    return [str(a).format(**fields) if isinstance(a, str) else str(a) for a in COMMANDS[name]]


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_on_a_full_stdout_exits_4(name, tmp_path):
    args = command(name, tmp_path)
    ok = slalang(*args, "--lang", "en") if name != "schema" else slalang(*args)
    assert ok.returncode in (0, 1) and ok.stdout, ok.stderr  # it prints something
    with open("/dev/full", "w") as full:
        p = slalang(*args, stdout=full, stderr=subprocess.PIPE)
    assert p.returncode == EXIT_IO, p.stderr
    assert "cannot write to standard output: No space left on device" in p.stderr
    assert "Traceback" not in p.stderr and "Exception ignored" not in p.stderr


def test_check_with_warnings_on_a_full_stdout_is_not_0():
    """The issue's case: text diagnostics (a warning: exit 0 otherwise) to /dev/full."""
    warned = TESTS / "bad" / "matrix_severe_priority_looser.sla"
    assert slalang("check", warned).returncode == EXIT_OK
    with open("/dev/full", "w") as full:
        p = slalang("check", warned, stdout=full, stderr=subprocess.PIPE)
    assert p.returncode == EXIT_IO and "standard output" in p.stderr


@pytest.fixture(scope="module")
def letter(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("letter")
    canonical = slalang("fmt", "-", input=GOOD.read_text(encoding="utf-8"))
    assert canonical.returncode == 0, canonical.stderr
    source = out / "mini.sla"
    source.write_text(canonical.stdout, encoding="utf-8")
    p = slalang("build", "--only", "rules,pdf", source, "-o", out)
    if p.returncode != 0:
        pytest.skip(f"cannot build a PDF letter here: {p.stderr[-300:]}")
    return out / "mini.pdf"


def test_extract_rules_on_a_full_stdout_exits_4(letter):
    ok = slalang("extract-rules", letter)
    if ok.returncode != 0:
        pytest.skip(f"extract-rules refuses this letter (its own tests cover why): {ok.stderr[-200:]}")
    with open("/dev/full", "w") as full:
        p = slalang("extract-rules", letter, stdout=full, stderr=subprocess.PIPE)
    assert p.returncode == EXIT_IO and "Traceback" not in p.stderr, p.stderr


@pytest.mark.parametrize("name", ["check", "build", "schema"])
def test_a_closed_stdout_exits_4_when_there_is_something_to_print(name, tmp_path):
    p = slalang(*command(name, tmp_path), stdout=None, stderr=subprocess.PIPE, preexec_fn=lambda: os.close(1))
    assert p.returncode == EXIT_IO, p.stderr
    assert "standard output" in p.stderr and "Traceback" not in p.stderr


def test_a_closed_stdout_with_nothing_to_print_is_fine():
    p = slalang("check", GOOD, stdout=None, stderr=subprocess.PIPE, preexec_fn=lambda: os.close(1))
    assert p.returncode == EXIT_OK, p.stderr


def test_a_full_stderr_exits_4_quietly():
    with open("/dev/full", "w") as full:
        p = slalang("check", BAD, stdout=subprocess.PIPE, stderr=full)
    assert p.returncode == EXIT_IO


UNREADABLE = {
    "check": ["check", "{sla}"],
    "lint": ["lint", "{sla}"],
    "fmt": ["fmt", "{sla}"],
    "textconv": ["textconv", "{sla}"],
    "diff": ["diff", "{sla}", GOOD],
    "build": ["build", "--rules", "{sla}", "-o", "{out}"],
    "eval": ["eval", "{rules}", TICKETS, "--at", AT],
    "duties": ["duties", "{rules}", "--evidence", EVIDENCE, "--at", "2026-12-15"],
}


@pytest.mark.parametrize("name", sorted(UNREADABLE))
def test_every_command_given_an_unreadable_input_exits_4(name, tmp_path):
    """As root the test drops CAP_DAC_OVERRIDE (setpriv) and the file is nobody's, mode 0600."""
    if os.geteuid() == 0 and shutil.which("setpriv") is None:
        pytest.skip("needs setpriv to drop CAP_DAC_OVERRIDE")
    locked = tmp_path / "locked.sla"
    locked.write_text(GOOD.read_text(encoding="utf-8"), encoding="utf-8")
    rules = tmp_path / "locked.rules.json"
    rules.write_bytes(RULES.read_bytes())
    for path in (locked, rules):
        if os.geteuid() == 0:
            os.chown(path, 65534, 65534)
        os.chmod(path, 0o600)
    fields = {"sla": locked, "rules": rules, "out": tmp_path / "out"}
    case = [str(a).format(**fields) if isinstance(a, str) else str(a) for a in UNREADABLE[name]]
    prefix = ["setpriv", "--bounding-set=-dac_override,-dac_read_search"] if os.geteuid() == 0 else []
    p = subprocess.run(
        [*prefix, sys.executable, "-m", "slalang", *case, "--lang", "en"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert p.returncode == EXIT_IO, p.stderr
    assert "Permission denied" in p.stderr and "Traceback" not in p.stderr, p.stderr
    assert not (tmp_path / "out").exists()


def test_a_missing_input_stays_2(tmp_path):
    for case in (["check", tmp_path / "x.sla"], ["textconv", tmp_path / "x.sla"], ["fmt", tmp_path / "x.sla"]):
        assert slalang(*case).returncode == EXIT_USAGE
