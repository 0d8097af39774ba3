"""`slalang build` writes all or nothing (issue 14, deliverable 3): one staged,
journalled commit per run (slalang/build.py). Faults are injected at each
step — a signal, SIGKILL, a failing rename, a full file system or a file-size
limit — and the output folder is always the complete old set or the complete
new set, with no staging leftover (or one the next build reports and cleans).
Also `slalang fmt`'s in-place writes (symlinks, modes, failures)."""

import os
import resource
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, TESTS

from slalang import build, cli

MINI = (TESTS / "good_minimal.sla").read_text(encoding="utf-8")
NAMES = ["mini.rules.json", "mini.rules.yaml"]


def contract(tmp_path: Path, version: str = "1.0.0", cid: str = "mini") -> Path:
    text = MINI.replace('contract "mini" version "1.0.0"', f'contract "{cid}" version "{version}"')
    assert text != MINI or (version, cid) == ("1.0.0", "mini")
    path = tmp_path / "src" / f"{cid[:20]}-{version}.sla"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def everything(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def built(tmp_path: Path, version: str) -> dict[str, bytes]:
    """The complete set a build of `version` writes (built into a fresh folder)."""
    out = tmp_path / f"ref-{version}"
    assert cli.main(["build", "--rules", "--lang", "en", "-o", str(out), str(contract(tmp_path, version))]) == 0
    return snapshot(out)


@pytest.fixture
def sets(tmp_path, capsys):
    """An output folder holding the complete v1 set, and what v1 and v2 write."""
    old, new = built(tmp_path, "1.0.0"), built(tmp_path, "2.0.0")
    assert old.keys() == new.keys() == set(NAMES) and all(old[n] != new[n] for n in NAMES)
    out = tmp_path / "out"
    shutil.copytree(tmp_path / "ref-1.0.0", out)
    capsys.readouterr()
    return out, old, new


def run_build(out: Path, src: Path, *extra: str) -> int:
    return cli.main(["build", "--rules", "--lang", "en", *extra, "-o", str(out), str(src)])


def test_a_build_leaves_only_its_outputs(sets, tmp_path, capsys):
    out, old, new = sets
    assert run_build(out, contract(tmp_path, "2.0.0")) == 0
    assert snapshot(out) == new and everything(out) == NAMES
    assert "wrote" in capsys.readouterr().out


def test_the_whole_run_is_one_commit_a_failed_rename_undoes_every_contract(tmp_path, capsys, monkeypatch):
    """Two contracts; the third of four renames fails: the renames done (of
    the first contract too) are undone, the old set stays complete, exit 4."""
    a1, b1 = contract(tmp_path, "1.0.0", "alpha"), contract(tmp_path, "1.0.0", "beta")
    out = tmp_path / "out"
    assert cli.main(["build", "--rules", "-o", str(out), str(a1), str(b1)]) == 0
    old = snapshot(out)
    a2, b2 = contract(tmp_path, "2.0.0", "alpha"), contract(tmp_path, "2.0.0", "beta")
    real = os.replace
    calls = []

    def replace(src, dst, *a, **k):
        if Path(dst).parent == out:
            calls.append(Path(dst).name)
            if len(calls) == 3:
                raise OSError(5, "Input/output error", str(dst))
        return real(src, dst, *a, **k)

    monkeypatch.setattr(build.os, "replace", replace)
    capsys.readouterr()
    code = cli.main(["build", "--rules", "--lang", "en", "-o", str(out), str(a2), str(b2)])
    err = capsys.readouterr().err
    assert code == 4, err
    assert "Input/output error" in err and "nothing was written" in err and "Traceback" not in err
    assert calls[:2] == ["alpha.rules.json", "alpha.rules.yaml"]  # alpha was in place, then undone
    assert snapshot(out) == old and everything(out) == sorted(old)


def test_a_failed_undo_does_not_say_the_old_outputs_are_unchanged(tmp_path, capsys, monkeypatch):
    a1 = contract(tmp_path, "1.0.0", "alpha")
    out = tmp_path / "out"
    assert cli.main(["build", "--rules", "-o", str(out), str(a1)]) == 0
    real = os.replace
    calls = []

    def replace(src, dst, *a, **k):
        if Path(dst).parent == out:
            calls.append(Path(dst).name)
            if len(calls) >= 2:  # the second rename fails, and so does putting the first back
                raise OSError(5, "Input/output error", str(dst))
        return real(src, dst, *a, **k)

    monkeypatch.setattr(build.os, "replace", replace)
    for lang, unchanged, put_back in (("en", "unchanged", "could not put back"), ("zh", "保持不变", "无法恢复")):
        calls.clear()
        capsys.readouterr()
        code = cli.main(["build", "--rules", "--lang", lang, "-o", str(out), str(contract(tmp_path, "2.0.0", "alpha"))])
        err = capsys.readouterr().err
        assert code == 4, err
        assert put_back in err and unchanged not in err, err


def test_a_failing_rename_in_zh(sets, tmp_path, capsys, monkeypatch):
    out, old, _ = sets
    real = os.replace

    def replace(src, dst, *a, **k):
        if Path(dst) == out / NAMES[1]:
            raise PermissionError(13, "Permission denied", str(dst))
        return real(src, dst, *a, **k)

    monkeypatch.setattr(build.os, "replace", replace)
    code = cli.main(["build", "--rules", "--lang", "zh", "-o", str(out), str(contract(tmp_path, "2.0.0"))])
    err = capsys.readouterr().err
    assert code == 4 and "无法写入" in err and "未写入任何文件" in err
    assert snapshot(out) == old and everything(out) == NAMES


# Each step of a write (slalang/build.py `_step`), in order. Before the
# journal a signal stops the build with nothing written; from the journal on
# the signals are blocked and the commit completes first.
STEPS = [("start", 0), ("staged", 0), ("staged", 1), ("journal", 0), ("backup", 0), ("renamed", 0)]
STEPS += [("backup", 1), ("renamed", 1), ("committed", 0)]
COMMITTING = STEPS.index(("journal", 0))


@pytest.mark.parametrize("at", range(len(STEPS)), ids=[f"{s}-{i}" for s, i in STEPS])
def test_sigint_at_each_step_leaves_the_old_or_the_new_set(sets, tmp_path, capsys, monkeypatch, at):
    out, old, new = sets
    target = STEPS[at]

    def step(name, index=0):
        if (name, index) == target:
            signal.raise_signal(signal.SIGINT)

    monkeypatch.setattr(build, "_step", step)
    before = signal.getsignal(signal.SIGINT)
    code = run_build(out, contract(tmp_path, "2.0.0"))
    err = capsys.readouterr().err
    assert signal.getsignal(signal.SIGINT) is before  # the handler is the caller's again
    assert code == 130, err
    assert everything(out) == NAMES  # no staging folder, no .tmp
    if at < COMMITTING:
        assert snapshot(out) == old and "interrupted: nothing was written" in err
    else:
        assert snapshot(out) == new and "interrupted after every output of the build was written" in err


def test_sigterm_while_staging_exits_143_and_writes_nothing(sets, tmp_path, capsys, monkeypatch):
    out, old, _ = sets
    monkeypatch.setattr(build, "_step", lambda name, i=0: name == "staged" and signal.raise_signal(signal.SIGTERM))
    assert run_build(out, contract(tmp_path, "2.0.0")) == 143
    assert snapshot(out) == old and everything(out) == NAMES
    assert "interrupted" in capsys.readouterr().err


def test_signal_handlers_only_while_building(tmp_path):
    before = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    with build.interruptible():
        assert signal.getsignal(signal.SIGTERM) is not before[1]
    assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)) == before


def test_a_forked_helper_stops_quietly_on_sigterm():
    """The PDF renderer is forked while the handlers are installed: a SIGTERM
    ends it as by default (no Interrupted traceback from the child)."""
    import time

    with build.interruptible():
        pid = os.fork()
        if pid == 0:
            try:
                time.sleep(10)
            finally:
                os._exit(0)
        time.sleep(0.05)
        os.kill(pid, signal.SIGTERM)
        _, status = os.waitpid(pid, 0)
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGTERM


def test_sigterm_during_a_pdf_build_is_quiet(tmp_path):
    """Whenever it lands: killed before the handlers (-15), or 143 with
    nothing written, or (a fast machine) done; never a traceback."""
    import time

    out = tmp_path / "out"
    p = subprocess.Popen(
        [sys.executable, "-m", "slalang", "build", "--only", "rules,pdf", "--lang", "en", "-o", str(out)]
        + [str(contract(tmp_path))],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(0.8)
    p.send_signal(signal.SIGTERM)
    _, err = p.communicate(timeout=60)
    assert "Traceback" not in err and "Interrupted" not in err, err
    if p.returncode == 0:
        assert everything(out) == ["mini.pdf", *NAMES]
    else:
        assert p.returncode in (-signal.SIGTERM, 143) and (not out.exists() or everything(out) == [])


KILL_SCRIPT = """
import os, signal, sys
from slalang import build, cli
target = (sys.argv[1], int(sys.argv[2]))
def step(name, index=0):
    if (name, index) == target:
        os.kill(os.getpid(), signal.SIGKILL)
build._step = step
sys.exit(cli.main(["build", "--rules", "--lang", "en", "-o", sys.argv[3], sys.argv[4]]))
"""


@pytest.mark.parametrize("at", range(1, len(STEPS)), ids=[f"{s}-{i}" for s, i in STEPS[1:]])
def test_sigkill_at_each_step_is_reported_then_recovered(sets, tmp_path, capsys, at):
    """SIGKILL leaves a staging folder: `build --check` reports it (exit 1,
    nothing changed); recovery yields a complete set (the old one, or the
    killed run's new one); the next build reports and cleans it."""
    out, old, new = sets
    name, index = STEPS[at]
    src = contract(tmp_path, "2.0.0")
    p = subprocess.run(
        [sys.executable, "-c", KILL_SCRIPT, name, str(index), str(out), str(src)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert p.returncode == -signal.SIGKILL, p.stderr
    left = build.leftovers(out)
    assert len(left) == 1 and left[0].name.startswith(".slalang-staging-")
    state = snapshot(out)

    assert run_build(out, src, "--check") == 1
    err = capsys.readouterr().err
    assert left[0].name in err and "interrupted build" in err
    assert snapshot(out) == state and build.leftovers(out) == left  # --check changed nothing

    found = build.recover(out)
    assert [f.action for f in found] == ["removed" if at < COMMITTING else "completed"]
    assert snapshot(out) == (old if at < COMMITTING else new)
    assert everything(out) == NAMES


def test_the_next_build_reports_and_cleans_a_leftover(sets, tmp_path, capsys):
    out, old, new = sets
    p = subprocess.run(
        [sys.executable, "-c", KILL_SCRIPT, "renamed", "0", str(out), str(contract(tmp_path, "2.0.0"))],
        cwd=ROOT,
        capture_output=True,
        timeout=60,
    )
    assert p.returncode == -signal.SIGKILL
    mixed = snapshot(out)
    assert mixed[NAMES[0]] == new[NAMES[0]] and mixed[NAMES[1]] == old[NAMES[1]]  # what the journal is for
    assert run_build(out, contract(tmp_path, "1.0.0")) == 0
    err = capsys.readouterr().err
    assert "found an interrupted build in" in err and "put its remaining outputs in place (1;" in err
    assert snapshot(out) == old and everything(out) == NAMES


def test_a_leftover_without_journal_is_removed_and_reported_in_zh(sets, tmp_path, capsys):
    out, old, _ = sets
    staging = out / ".slalang-staging-999999999-abcd"  # a pid that cannot be alive
    (staging / "new").mkdir(parents=True)
    (staging / "new" / NAMES[0]).write_bytes(b"half")
    assert run_build(out, contract(tmp_path, "1.0.0"), "--lang", "zh") == 0
    err = capsys.readouterr().err
    assert "发现" in err and "进程 999999999" in err and "已删除其暂存文件" in err
    assert snapshot(out) == old and everything(out) == NAMES


def test_a_leftover_of_a_running_build_is_left_alone(sets, tmp_path, capsys):
    out, old, _ = sets
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        staging = out / f".slalang-staging-{sleeper.pid}-abcd"
        staging.mkdir()
        found = build.recover(out)
        assert [(f.action, f.pid) for f in found] == [("running", sleeper.pid)] and staging.is_dir()
    finally:
        sleeper.kill()
        sleeper.wait()


# --- Full disks, file-size limits, unwritable folders: checked or refused before any rename ---


def _limit_fsize(limit: int):
    def apply():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writes past the limit fail with EFBIG
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def test_file_size_limit_while_staging(sets, tmp_path):
    """RLIMIT_FSIZE of 20,000 bytes: the rule files fit, the HTML letter
    (35 KB) does not: exit 4 naming it, old set intact, nothing staged left."""
    out, old, _ = sets
    p = subprocess.run(
        [sys.executable, "-m", "slalang", "build", "--only", "rules,html", "--lang", "en", "-o", str(out)]
        + [str(contract(tmp_path, "2.0.0"))],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=_limit_fsize(20_000),
    )
    assert p.returncode == 4, p.stderr
    assert f"cannot write {out / 'mini.html'}: File too large" in p.stderr and "Traceback" not in p.stderr
    assert snapshot(out) == old and everything(out) == NAMES


@pytest.fixture
def small_fs(tmp_path):
    """A 64 KB tmpfs (skipped where mounting is not permitted)."""
    mnt = tmp_path / "small"
    mnt.mkdir()
    if shutil.which("mount") is None:
        pytest.skip("no mount")
    p = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mnt)], capture_output=True)
    if p.returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", str(mnt)], capture_output=True)


def test_full_file_system(small_fs, tmp_path, capsys):
    out = small_fs / "out"
    assert run_build(out, contract(tmp_path, "1.0.0")) == 0  # 20 KB of rule files fit
    old = snapshot(out)
    capsys.readouterr()
    code = cli.main(["build", "--only", "rules,html", "--lang", "en", "-o", str(out), str(contract(tmp_path, "2.0.0"))])
    err = capsys.readouterr().err
    assert code == 4 and "No space left on device" in err and str(out) in err
    assert snapshot(out) == old and everything(out) == NAMES


def test_output_that_is_a_file_or_under_a_file(tmp_path, capsys):
    src = contract(tmp_path)
    target = tmp_path / "out"
    target.write_text("not a folder")
    assert run_build(target, src) == 4
    assert "not a folder" in capsys.readouterr().err and target.read_text() == "not a folder"
    assert run_build(target / "sub", src) == 4
    assert "Not a directory" in capsys.readouterr().err and target.read_text() == "not a folder"


def test_an_output_name_that_is_a_folder(sets, tmp_path, capsys):
    out, old, _ = sets
    (out / NAMES[0]).unlink()
    (out / NAMES[0]).mkdir()
    assert run_build(out, contract(tmp_path, "2.0.0")) == 4
    assert "Is a directory" in capsys.readouterr().err
    assert (out / NAMES[0]).is_dir() and (out / NAMES[1]).read_bytes() == old[NAMES[1]]
    assert everything(out) == NAMES


def without_dac(*cmd: str, cwd=ROOT) -> subprocess.CompletedProcess:
    """Run `cmd` as root without the capabilities that ignore file permissions."""
    if os.geteuid() != 0:
        return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=60)
    if shutil.which("setpriv") is None:
        pytest.skip("needs setpriv to drop CAP_DAC_OVERRIDE")
    return subprocess.run(
        ["setpriv", "--bounding-set=-dac_override,-dac_read_search", *cmd],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


def foreign(path: Path, mode: int) -> None:
    """Make `path` someone else's (nobody's) with `mode`, so that it is refused."""
    if os.geteuid() == 0:
        os.chown(path, 65534, 65534)
    os.chmod(path, mode)


def test_unwritable_output_folder_is_exit_4_before_compiling(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    foreign(locked, 0o555)
    src = contract(tmp_path)
    for out in (locked, locked / "new"):
        p = without_dac(sys.executable, "-m", "slalang", "build", "--rules", "--lang", "en", "-o", str(out), str(src))
        assert p.returncode == 4, p.stderr
        assert "Permission denied" in p.stderr and str(locked) in p.stderr and "Traceback" not in p.stderr
        assert list(locked.iterdir()) == []


# --- Names a contract chose that cannot be file names: exit 1, before anything is written ---


def test_name_problems():
    assert build.name_problem("a" * 255, 255) is None
    assert build.name_problem("a" * 256, 255) == "long"
    assert build.name_problem("合" * 86, 255) == "long"  # 258 bytes in UTF-8
    for bad in ("", ".", "..", "a/b", "a\0b", ".slalang-staging-1-x"):
        assert build.name_problem(bad, 255) == "bad"
    assert build.name_max(Path("/no/such/folder/below")) >= 14  # the nearest existing folder's


def test_an_id_too_long_for_a_file_name_is_exit_1_and_nothing_is_written(tmp_path, capsys, monkeypatch):
    """On a file system whose names have at most 64 bytes, a 60-character id
    (its outputs 71 bytes) is refused, naming the contract and the limit;
    the run's other contract is fine, and nothing of the run is written.
    (The front end limits ids to 100 characters: E0205.)"""
    monkeypatch.setattr(build, "name_max", lambda folder: 64)
    good = contract(tmp_path, "1.0.0", "fine")
    bad = contract(tmp_path, "1.0.0", "x" * 60)
    out = tmp_path / "out"
    code = cli.main(["build", "--rules", "--lang", "en", "-o", str(out), str(good), str(bad)])
    err = capsys.readouterr().err
    assert code == 1, err
    assert not out.exists()
    assert f"{bad}: error: the output name {'x' * 40}…" in err and "71 bytes long" in err
    assert "at most 64 bytes" in err and "shorten the contract's id" in err and "nothing was written" in err


def test_an_id_over_the_front_ends_limit_is_exit_1_before_writing(tmp_path, capsys):
    bad = contract(tmp_path, "1.0.0", "x" * 250)
    out = tmp_path / "out"
    assert cli.main(["build", "--rules", "--lang", "en", "-o", str(out), str(bad)]) == 1
    assert not out.exists() and "nothing was written" in capsys.readouterr().err


def test_long_name_message_in_both_languages(tmp_path, capsys):
    assert cli._bad_name("c.sla", "y" * 300 + ".pdf", 255, tmp_path, "zh")
    err = capsys.readouterr().err
    assert "c.sla: 错误: 输出文件名" in err and "304 字节" in err and "最多 255 字节" in err
    assert cli._bad_name("c.sla", "a/b", 255, tmp_path, "en")
    assert "cannot be a file name" in capsys.readouterr().err


# --- slalang fmt in place ---

UGLY = MINI.replace('  title      "服务承诺"', '  title   "服务承诺"', 1)


def test_fmt_writes_through_a_symlink_and_keeps_the_mode(tmp_path):
    real = tmp_path / "real" / "c.sla"
    real.parent.mkdir()
    real.write_text(UGLY, encoding="utf-8")
    os.chmod(real, 0o640)
    link = tmp_path / "link.sla"
    link.symlink_to(real)
    assert cli.main(["fmt", str(link)]) == 0
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_text(encoding="utf-8") != UGLY
    assert oct(real.stat().st_mode & 0o777) == oct(0o640)
    assert sorted(p.name for p in real.parent.iterdir()) == ["c.sla"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.sla", "real"]


def test_fmt_failed_write_leaves_the_file_and_no_tmp(tmp_path, capsys, monkeypatch):
    path = tmp_path / "c.sla"
    path.write_text(UGLY, encoding="utf-8")

    def failing(src, dst, *a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", failing)
    assert cli.main(["fmt", "--lang", "en", str(path)]) == 4
    err = capsys.readouterr().err
    assert "No space left on device" in err and "it is unchanged" in err
    assert path.read_text(encoding="utf-8") == UGLY and [p.name for p in tmp_path.iterdir()] == ["c.sla"]


def test_fmt_full_disk_in_a_subprocess(tmp_path):
    path = tmp_path / "c.sla"
    path.write_text(UGLY * 1, encoding="utf-8")
    p = subprocess.run(
        [sys.executable, "-m", "slalang", "fmt", "--lang", "en", str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=_limit_fsize(100),
    )
    assert p.returncode == 4 and "File too large" in p.stderr, p.stderr
    assert path.read_text(encoding="utf-8") == UGLY and [q.name for q in tmp_path.iterdir()] == ["c.sla"]


def test_folders_the_build_created_are_removed_when_nothing_was_written(tmp_path, capsys, monkeypatch):
    real = os.replace

    def replace(src, dst, *a, **k):
        if Path(dst).name == NAMES[1]:
            raise OSError(28, "No space left on device", str(dst))
        return real(src, dst, *a, **k)

    monkeypatch.setattr(build.os, "replace", replace)
    out = tmp_path / "a" / "b" / "out"
    assert run_build(out, contract(tmp_path)) == 4
    assert not (tmp_path / "a").exists()


def test_two_builds_into_one_folder_take_turns(sets, tmp_path):
    """While the folder is locked (another build committing), a build waits:
    it writes nothing until the lock is released."""
    import time

    out, old, new = sets
    with build.folder_lock(out):
        p = subprocess.Popen(
            [sys.executable, "-m", "slalang", "build", "--rules", "-o", str(out), str(contract(tmp_path, "2.0.0"))],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and p.poll() is None and "lock" not in _wchan(p.pid):
            time.sleep(0.05)  # until it has compiled and waits for the lock (or 5 s)
        assert p.poll() is None and snapshot(out) == old and build.leftovers(out) == []
    assert p.wait(timeout=60) == 0
    assert snapshot(out) == new and everything(out) == NAMES


def _wchan(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/wchan").read_text()
    except OSError:
        return ""
