"""The `check` command as a user runs it: exit codes, formats, hostile files."""

import json
import subprocess
import sys

import pytest
from conftest import CONTRACTS, ROOT, TESTS

from slalang import cli, lower
from slalang.compiler import compile_text
from slalang.diagnostics import render_text


def run(*args, cwd=ROOT):
    return subprocess.run(
        [sys.executable, "-m", "slalang", *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )


def test_version_and_help():
    p = run("--version")
    assert p.returncode == 0 and p.stdout.startswith("slalang ")
    p = run()
    assert p.returncode == 2 and "check" in p.stderr


def test_check_examples_directory_exit_0():
    p = run("check", "contracts")
    assert p.returncode == 0, p.stderr
    every = sorted((ROOT / "contracts").rglob("*.sla"))  # the examples and the corpora below them
    assert len(every) > len(CONTRACTS)
    assert f"checked {len(every)} files: 0 errors, 0 warnings" in p.stderr


def test_errors_exit_1_and_warnings_exit_0():
    assert run("check", "tests/bad/matrix_wrong_cell_count.sla").returncode == 1
    assert run("check", "tests/bad/matrix_severe_priority_looser.sla").returncode == 0


def test_usage_errors_exit_2(tmp_path):
    assert run("check").returncode == 2
    p = run("check", "no/such/file.sla")
    assert p.returncode == 2 and "no such file" in p.stderr and "Traceback" not in p.stderr
    assert run("check", "--format", "xml", "contracts").returncode == 2
    p = run("check", str(tmp_path))
    assert p.returncode == 2 and "no .sla files" in p.stderr


def test_internal_error_exit_3(monkeypatch, capsys):
    def boom(*a, **k):
        raise ZeroDivisionError("simulated bug")

    monkeypatch.setattr(lower, "lower", boom)
    code = cli.main(["check", str(CONTRACTS[0])])
    out = capsys.readouterr()
    assert code == 3
    assert "error[E9999]: internal error: ZeroDivisionError: simulated bug" in out.out
    assert "Traceback" not in out.out + out.err


def test_json_format():
    p = run("check", "--format", "json", "tests/bad/several_errors_together.sla", str(CONTRACTS[0]))
    assert p.returncode == 1
    doc = json.loads(p.stdout)
    assert doc["summary"] == {"errors": 3, "warnings": 0}
    first = doc["diagnostics"][0]
    assert first == {
        "file": "tests/bad/several_errors_together.sla",
        "severity": "error",
        "code": "E0603",
        "message": "`RMB` is not an ISO 4217 currency code",
        "line": 7,
        "column": 14,
        "end_line": 7,
        "end_column": 17,
        "hint": "did you mean `CNY`?",
    }
    assert len(doc["files"]) == 2


def test_json_labels():
    p = run("check", "--format", "json", "tests/bad/matrix_row_repeated.sla")
    d = json.loads(p.stdout)["diagnostics"][0]
    assert d["labels"] == [
        {
            "file": "tests/bad/matrix_row_repeated.sla",
            "line": 30,
            "column": 5,
            "end_line": 30,
            "end_column": 7,
            "message": "first given here",
        }
    ]


@pytest.mark.parametrize(
    "content,code",
    [
        (b"", "E0003"),
        (b"   \n\n", "E0003"),
        (b"\x00\x01\x02binary", "E0005"),
        ('contract "x" version "1" { title "中文" }'.encode("gbk"), "E0002"),
        (b"\xff\xfe" + "contract".encode("utf-16-le"), "E0005"),
    ],
)
def test_hostile_files(tmp_path, content, code):
    f = tmp_path / "x.sla"
    f.write_bytes(content)
    p = run("check", str(f))
    assert p.returncode == 1
    assert f"error[{code}]" in p.stdout and "Traceback" not in p.stdout + p.stderr


def test_huge_file_is_refused(tmp_path):
    f = tmp_path / "huge.sla"
    f.write_bytes(b"# " + b"x" * (9 * 1024 * 1024))
    p = run("check", str(f))
    assert p.returncode == 1 and "error[E0004]" in p.stdout


def test_crlf_and_bom_are_accepted(tmp_path):
    text = (TESTS / "good_minimal.sla").read_text(encoding="utf-8")
    f = tmp_path / "dos.sla"
    f.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))
    assert run("check", str(f)).returncode == 0


def test_deeply_nested_garbage_is_a_diagnostic():
    result = compile_text('contract "x" version "1" {' + "{" * 5000)
    assert result.diagnostics and all(d.code != "E9999" for d in result.diagnostics)


def test_caret_under_chinese_counts_double_width():
    src = (
        (TESTS / "good_minimal.sla")
        .read_text(encoding="utf-8")
        .replace('customer "客户公司" | "Customer Co."', 'customer "客户公司" | "Customer Co." | "extra"')
    )
    d = compile_text(src, "x.sla").diagnostics[0]
    lines = render_text(d).splitlines()
    source_line, caret_line = lines[1], lines[2]
    # the caret starts under the third string: the prefix has 4 CJK chars (8 cells)
    prefix = source_line.split("|", 1)[1][: source_line.split("|", 1)[1].index('"extra"')]
    from slalang.source import display_width

    assert caret_line.split("|", 1)[1].index("^") == display_width(prefix)
    assert caret_line.count("^") == len('"extra"')


def test_broken_pipe_is_quiet():
    p = subprocess.run(
        f"{sys.executable} -m slalang check --format json tests/bad | head -c 10",
        shell=True,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "Traceback" not in p.stderr


def test_build_output_that_is_a_file_is_refused_by_the_system_exit_4(tmp_path, capsys):
    target = tmp_path / "out"
    target.write_text("not a folder")
    code = cli.main(["build", "--rules", "--lang", "en", "-o", str(target), str(CONTRACTS[0])])
    assert code == 4 and "not a folder" in capsys.readouterr().err
    assert target.read_text() == "not a folder"


def test_build_on_a_full_disk_exits_4_and_leaves_nothing(tmp_path, capsys, monkeypatch):
    from slalang import build

    out = tmp_path / "out"

    def full_disk(fd, data):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(build.os, "write", full_disk)
    code = cli.main(["build", "--rules", "--lang", "zh", "-o", str(out), str(CONTRACTS[0])])
    err = capsys.readouterr().err
    assert code == 4 and "无法写入" in err
    assert not out.exists()  # the folder the build made is removed again: no half-written file left behind
