"""`-o FILE` of extract-rules and duties, and fmt in place, write through
cliutil.write_file: a device or a pipe is written to and never replaced by a
file (as root, `-o /dev/null` once replaced the system's /dev/null), a
symlink stays a link, a mode is kept, a failure leaves nothing behind."""

from __future__ import annotations

import os
import stat
import threading

import pytest
from conftest import ROOT

from slalang.cli import main
from slalang.cliutil import write_file

RULES = ROOT / "tests" / "golden" / "rules" / "example-itops.rules.json"
EVIDENCE = ROOT / "tests" / "data" / "duties" / "itops-2026.csv"


def _duties(out: str) -> int:
    return main(["duties", str(RULES), "--evidence", str(EVIDENCE), "--at", "2026-07-01", "--skip-bad", "-o", out])


def test_a_device_is_written_to_not_replaced(tmp_path):
    dev = tmp_path / "null"
    os.mknod(dev, 0o666 | stat.S_IFCHR, os.makedev(1, 3))  # a /dev/null of our own
    assert _duties(str(dev)) == 0
    assert stat.S_ISCHR(os.stat(dev).st_mode)
    assert [p.name for p in tmp_path.iterdir()] == ["null"]  # no temporary left beside it


def test_a_full_device_is_exit_4_and_stays_a_device(tmp_path):
    full = tmp_path / "full"
    os.mknod(full, 0o666 | stat.S_IFCHR, os.makedev(1, 7))  # /dev/full
    assert _duties(str(full)) == 4
    assert stat.S_ISCHR(os.stat(full).st_mode)


def test_a_fifo_is_written_to(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    assert _duties(str(fifo)) == 0
    reader.join(10)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode) and got and b"audit" in got[0]


def test_a_symlink_stays_a_link_and_its_target_is_rewritten(tmp_path):
    target = tmp_path / "real.txt"
    target.write_text("old")
    os.chmod(target, 0o640)
    link = tmp_path / "link.txt"
    link.symlink_to(target.name)
    assert _duties(str(link)) == 0
    assert link.is_symlink() and "audit" in target.read_text(encoding="utf-8")
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o640


def test_a_missing_folder_is_made_and_a_new_file_gets_the_umask_mode(tmp_path):
    out = tmp_path / "new" / "folder" / "d.txt"
    assert _duties(str(out)) == 0
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o666 & ~mask


def test_a_failed_rename_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    old = tmp_path / "d.txt"
    old.write_text("old")

    def refuse(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(OSError):
        write_file(old, b"new")
    assert old.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["d.txt"]


def test_a_folder_at_the_path_is_refused_and_left_alone(tmp_path):
    folder = tmp_path / "dir"
    folder.mkdir()
    with pytest.raises(OSError):
        write_file(folder, b"x")
    assert folder.is_dir() and [p.name for p in tmp_path.iterdir()] == ["dir"]
