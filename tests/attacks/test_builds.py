"""Attacks on `slalang build`'s writes (issue 14, deliverable 3) and its exit
codes (deliverable 7): each finding of the issue as a named deterministic
test, and properties over fault points, output names and hostile leftovers
(slalang/build.py: one staged, journalled commit per run)."""

import errno
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from slalang import build, cli

ROOT = Path(__file__).resolve().parents[2]
GOOD = ROOT / "tests" / "good_minimal.sla"
STEPS = ["start", "staged", "journal", "backup", "renamed", "committed"]


def old_and_new(n: int) -> tuple[dict[str, bytes], dict[str, bytes]]:
    old = {f"c{i}.pdf" if i % 2 else f"c{i}.rules.json": b"old %d" % i for i in range(n)}
    return old, {name: data.replace(b"old", b"NEW") for name, data in old.items()}


def folder_with(path: Path, files: dict[str, bytes]) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (path / name).write_bytes(data)
    return path


def contents(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


def entries(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def kill_at(out: Path, files: dict[str, bytes], step: str, index: int) -> None:
    """What SIGKILL at `step` leaves: a forked child writes and dies there
    without running any cleanup (os._exit)."""
    pid = os.fork()
    if pid == 0:  # the child
        try:

            def die(name, i=0):
                if (name, i) == (step, index):
                    os._exit(9)

            build._step = die
            build.write_all(out, files)
        finally:
            os._exit(0)
    _, status = os.waitpid(pid, 0)
    assert os.WEXITSTATUS(status) in (0, 9)


# --- The findings, one named test each ---


def test_finding_full_disk_left_a_truncated_tmp(tmp_path, monkeypatch):
    """ENOSPC half-way through the second file: no .tmp, no staging, old set."""
    old, new = old_and_new(3)
    out = folder_with(tmp_path / "out", old)
    real = os.write
    written = []

    def full(fd, data):
        written.append(len(data))
        if len(written) == 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(fd, data)

    monkeypatch.setattr(build.os, "write", full)
    with pytest.raises(OSError) as failed:
        build.write_all(out, new)
    assert failed.value.errno == errno.ENOSPC and failed.value.filename == str(out / sorted(new)[1])
    assert contents(out) == old and entries(out) == sorted(old)


def test_finding_ctrl_c_left_a_new_pdf_beside_an_old_rules_json(tmp_path, monkeypatch):
    """SIGINT at every step of a 4-file write: the old set or the new set."""
    old, new = old_and_new(4)
    for step in STEPS:
        for index in range(4):
            out = folder_with(tmp_path / f"{step}{index}", old)

            def hit(name, i=0, at=(step, index)):
                if (name, i) == at:
                    signal.raise_signal(signal.SIGINT)

            monkeypatch.setattr(build, "_step", hit)
            try:
                with build.interruptible():
                    build.write_all(out, new)
            except build.Interrupted as stop:
                assert stop.signum == signal.SIGINT
            assert contents(out) in (old, new) and entries(out) == sorted(old), (step, index)


def test_finding_sigkill_left_a_mix_recovered_by_the_next_build(tmp_path):
    old, new = old_and_new(4)
    for step in STEPS:
        for index in range(4):
            out = folder_with(tmp_path / f"{step}{index}", old)
            kill_at(out, new, step, index)
            build.recover(out)
            assert contents(out) in (old, new) and entries(out) == sorted(old), (step, index)


def test_finding_a_failed_rename_left_a_new_pdf_beside_an_old_rules_json(tmp_path, monkeypatch):
    old, new = old_and_new(4)
    real = os.replace
    for fail_at in range(4):
        out = folder_with(tmp_path / f"r{fail_at}", old)
        seen = []

        def replace(src, dst, *a, _out=out, _at=fail_at, **k):
            if Path(dst).parent == _out:
                seen.append(dst)
                if len(seen) == _at + 1:
                    raise OSError(errno.EIO, "Input/output error", str(dst))
            return real(src, dst, *a, **k)

        monkeypatch.setattr(build.os, "replace", replace)
        with pytest.raises(build.CommitFailed):
            build.write_all(out, new)
        monkeypatch.setattr(build.os, "replace", real)
        assert contents(out) == old and entries(out) == sorted(old)


def test_finding_output_that_is_a_file_was_exit_3(tmp_path, capsys):
    target = tmp_path / "out"
    target.write_text("x")
    assert cli.main(["build", "--rules", "-o", str(target), str(GOOD)]) == 4
    assert "internal error" not in capsys.readouterr().err


def test_finding_a_250_character_id_failed_build_after_other_contracts_were_written(tmp_path, capsys):
    text = GOOD.read_text(encoding="utf-8")
    fine = tmp_path / "a.sla"
    fine.write_text(text, encoding="utf-8")
    long_one = tmp_path / "b.sla"
    long_one.write_text(text.replace('contract "mini"', 'contract "' + "x" * 250 + '"'), encoding="utf-8")
    out = tmp_path / "out"
    assert cli.main(["build", "--rules", "-o", str(out), str(fine), str(long_one)]) == 1
    assert not out.exists()


def test_finding_stdout_on_a_full_device_exited_0():
    with open("/dev/full", "w") as full:
        p = subprocess.run(
            [sys.executable, "-m", "slalang", "check", "--format", "json", str(GOOD)],
            cwd=ROOT,
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
        )
    assert p.returncode == 4 and "standard output" in p.stderr


def test_a_planted_staging_link_moves_nothing_in(tmp_path):
    """A `.slalang-staging-…` symlink, or a `new/` symlink, pointing at a
    folder elsewhere: recovery takes no file from there."""
    elsewhere = folder_with(tmp_path / "elsewhere", {"secret.pdf": b"s"})
    journal = {"format": build.JOURNAL_FORMAT, "pid": 1, "entries": [{"name": "secret.pdf", "old_sha256": None}]}
    (elsewhere / build.JOURNAL).write_text(json.dumps(journal), encoding="utf-8")
    (elsewhere / "new").symlink_to(elsewhere)
    out = folder_with(tmp_path / "out", {})
    (out / ".slalang-staging-999999999-link").symlink_to(elsewhere)
    assert build.recover(out) == []
    real = out / ".slalang-staging-999999998-real"
    real.mkdir()
    (real / build.JOURNAL).write_text(json.dumps(journal), encoding="utf-8")
    (real / "new").symlink_to(elsewhere)
    assert [f.action for f in build.recover(out)] == ["removed"]
    assert (elsewhere / "secret.pdf").read_bytes() == b"s" and not (out / "secret.pdf").exists()


# --- Properties ---


@settings(settings.get_profile("attacks"))
@given(
    n=st.integers(1, 5),
    step=st.sampled_from(STEPS),
    index=st.integers(0, 4),
    sig=st.sampled_from([signal.SIGINT, signal.SIGTERM]),
    fresh=st.booleans(),
)
def test_a_signal_anywhere_leaves_the_old_or_the_new_set(tmp_path_factory, n, step, index, sig, fresh):
    old, new = old_and_new(n)
    if fresh:  # no old outputs: nothing, or everything
        old = {}
    out = tmp_path_factory.mktemp("sig") / "out"
    folder_with(out, old)
    real = build._step

    def hit(name, i=0):
        if (name, i) == (step, index):
            signal.raise_signal(sig)

    build._step = hit
    try:
        with build.interruptible():
            build.write_all(out, new)
    except build.Interrupted:
        pass
    finally:
        build._step = real
    assert contents(out) in (old, new) and sorted(contents(out)) == entries(out)


NAME = st.one_of(
    st.text(min_size=0, max_size=300),
    st.sampled_from(["..", ".", "../escape", "/etc/passwd", "a/../../b", ".slalang-staging-1-x", "ok.pdf", "x" * 256]),
)


@settings(settings.get_profile("attacks"))
@given(name=NAME)
def test_a_name_that_passes_is_one_file_in_the_folder(tmp_path_factory, name):
    folder = tmp_path_factory.mktemp("names")
    if build.name_problem(name, build.name_max(folder)) is not None:
        return
    path = folder / name
    path.write_bytes(b"x")
    assert entries(folder) == [os.fsdecode(os.fsencode(name))] and path.parent == folder


JOURNAL_ENTRY = st.fixed_dictionaries(
    {
        "name": st.one_of(NAME, st.integers(), st.none()),
        "old_sha256": st.one_of(st.none(), st.text(max_size=70), st.integers()),
    }
)


@settings(settings.get_profile("attacks"))
@given(
    journal=st.one_of(
        st.fixed_dictionaries(
            {
                "format": st.sampled_from([build.JOURNAL_FORMAT, "other"]),
                "pid": st.integers(),
                "entries": st.lists(JOURNAL_ENTRY, max_size=4),
            }
        ),
        st.lists(st.integers(), max_size=3),
        st.text(max_size=20),
    ),
    raw=st.booleans(),
    staged=st.lists(NAME, max_size=3),
)
def test_a_hostile_leftover_never_writes_outside_or_clobbers(tmp_path_factory, journal, raw, staged):
    """A staging folder planted in -o (any journal, any staged names): the
    next build removes it and never touches a file outside -o, nor an output
    whose sha256 is not the one the journal recorded."""
    root = tmp_path_factory.mktemp("planted")
    outside = folder_with(root / "outside", {"passwd": b"root:x:0:0"})
    out = folder_with(root / "out", {"keep.pdf": b"mine", "c0.rules.json": b"current"})
    staging = out / ".slalang-staging-999999999-dead"
    (staging / "new").mkdir(parents=True)
    for name in staged:
        if build.name_problem(name, 255) is None:
            (staging / "new" / name).write_bytes(b"planted")
    (staging / "new" / "c0.rules.json").write_bytes(b"planted")
    text = json.dumps(journal) if not raw else '{"format": "' + build.JOURNAL_FORMAT + '", "entries": [{"na'
    (staging / build.JOURNAL).write_text(text, encoding="utf-8")
    found = build.recover(out)
    assert [f.action for f in found] in (["removed"], ["completed"])
    assert not staging.exists()
    assert contents(outside) == {"passwd": b"root:x:0:0"} and entries(root) == ["out", "outside"]
    assert (out / "keep.pdf").read_bytes() == b"mine"
    assert (out / "c0.rules.json").read_bytes() == b"current"  # its sha256 is in no journal here


@settings(settings.get_profile("attacks"), max_examples=25)
@given(n=st.integers(1, 4), step=st.sampled_from(STEPS), index=st.integers(0, 3))
def test_sigkill_anywhere_then_recover_is_a_complete_set(tmp_path_factory, n, step, index):
    old, new = old_and_new(n)
    out = folder_with(tmp_path_factory.mktemp("kill") / "out", old)
    kill_at(out, new, step, index)
    build.recover(out)
    assert contents(out) in (old, new) and entries(out) == sorted(old)
