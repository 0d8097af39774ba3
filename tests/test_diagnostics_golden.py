"""Golden diagnostics: every tests/bad/*.sla beside the exact text
`slalang check` prints for it (and its exit code), in English in
tests/bad/*.expected and in Chinese (`--lang zh`) in tests/bad/*.zh.expected.
Regenerate with SLALANG_REGEN=1 and review the diff."""

from pathlib import Path

import pytest
from conftest import TESTS, golden

from slalang.cli import main

BAD = sorted((TESTS / "bad").glob("*.sla"))


def run_check(monkeypatch, capsys, name: str, *extra: str) -> tuple[int, str]:
    monkeypatch.chdir(TESTS)
    code = main(["check", f"bad/{name}", *extra])
    out = capsys.readouterr()
    return code, out.out + out.err


@pytest.mark.parametrize("path", BAD, ids=[p.stem for p in BAD])
def test_bad_file(path: Path, monkeypatch, capsys):
    code, text = run_check(monkeypatch, capsys, path.name, "--lang", "en")
    golden(path.with_suffix(".expected"), f"{text}exit code: {code}\n")
    assert code in (0, 1)


@pytest.mark.parametrize("path", BAD, ids=[p.stem for p in BAD])
def test_bad_file_in_chinese(path: Path, monkeypatch, capsys):
    code, text = run_check(monkeypatch, capsys, path.name, "--lang", "zh")
    golden(path.with_suffix(".zh.expected"), f"{text}exit code: {code}\n")
    assert code in (0, 1)
    english = path.with_suffix(".expected").read_text(encoding="utf-8")
    assert text.count("[E") + text.count("[W") == english.count("[E") + english.count("[W"), "same diagnostics"


def test_locale_chooses_the_language(monkeypatch, capsys):
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    code, text = run_check(monkeypatch, capsys, "names_unknown_column.sla")
    assert "错误[E0201]" in text and "未定义的列" in text and "已检查 1 个文件" in text
    monkeypatch.setenv("LC_ALL", "en_US.UTF-8")  # LC_ALL outranks LANG
    code, text = run_check(monkeypatch, capsys, "names_unknown_column.sla")
    assert "error[E0201]: unknown column" in text


def test_json_carries_the_chosen_language(monkeypatch, capsys):
    import json

    for lang, word in (("zh", "未定义的列"), ("en", "unknown column")):
        _code, text = run_check(monkeypatch, capsys, "names_unknown_column.sla", "--format", "json", "--lang", lang)
        doc = json.loads(text)
        d = doc["diagnostics"][0]
        assert doc["language"] == lang and d["code"] == "E0201" and word in d["message"] and d["hint"]


def test_at_least_thirty_distinct_error_codes():
    codes = set()
    for path in BAD:
        text = path.with_suffix(".expected").read_text(encoding="utf-8")
        codes.update(line.split("[", 1)[1].split("]", 1)[0] for line in text.splitlines() if ": error[" in line)
    assert len(codes) >= 30, sorted(codes)


def test_every_bad_file_fails_except_warnings():
    for path in BAD:
        text = path.with_suffix(".expected").read_text(encoding="utf-8")
        if ": error[" in text:
            assert text.endswith("exit code: 1\n"), path
        else:
            assert ": warning[" in text and text.endswith("exit code: 0\n"), path


def test_every_code_is_emitted_somewhere():
    """No dead codes: each one in CODES shows up in a golden file, or in the
    CLI tests for those a file in tests/bad cannot produce."""
    from slalang.diagnostics import CODES

    seen = set()
    for path in BAD:
        text = path.with_suffix(".expected").read_text(encoding="utf-8")
        seen.update(part.split("]", 1)[0] for part in text.split("error[")[1:])
        seen.update(part.split("]", 1)[0] for part in text.split("warning[")[1:])
    elsewhere = {
        "E0001": "unreadable file (root reads everything)",
        "E0004": "test_huge_file_is_refused",
        "E9999": "test_internal_error_exit_3",
    }
    missing = sorted(set(CODES) - seen - set(elsewhere))
    assert not missing, f"codes never produced by tests/bad: {missing}"
