"""The canonical formatter: golden cases, idempotence, meaning preservation,
independence from the input's spacing, and the `slalang fmt` command.

Cases live one per file in tests/fmt_cases/: the input, then a line
`# output`, then the expected output (black-style). A file without the marker
is its own expected output. SLALANG_REGEN=1 rewrites the expected parts."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import CONTRACTS, REGEN, ROOT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from slalang import fmt
from slalang.compiler import compile_text
from slalang.source import SourceFile

CASES = sorted((ROOT / "tests" / "fmt_cases").glob("*.sla"))
MARK = "# output\n"


def split_case(path: Path) -> tuple[str, str | None]:
    text = path.read_text(encoding="utf-8")
    if "\n" + MARK in text:
        src, expected = text.split("\n" + MARK, 1)
        return src + "\n", expected
    return text, None


def model(text: str):
    result = compile_text(text)
    assert result.contract is not None, [d.message for d in result.diagnostics]
    return fmt.normalised_model(result.contract)


def cli(*args: str, stdin: str | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "slalang", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd or ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


# ---------------------------------------------------------------- golden cases


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_case(case: Path):
    src, expected = split_case(case)
    out = fmt.format_text(src, str(case))
    if REGEN:
        case.write_text(src if out == src else src + MARK + out, encoding="utf-8")
        return
    assert out == (expected if expected is not None else src), f"{case.name}: run with SLALANG_REGEN=1 and review"


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_case_is_idempotent_and_meaning_preserving(case: Path):
    src, _ = split_case(case)
    once = fmt.format_text(src)
    assert fmt.format_text(once) == once
    assert model(once) == model(src)


def test_there_are_enough_cases():
    assert len(CASES) >= 12


# ---------------------------------------------------------------- the examples


@pytest.mark.parametrize("path", CONTRACTS, ids=lambda p: p.name)
def test_example_is_idempotent_and_meaning_preserving(path: Path):
    src = path.read_text(encoding="utf-8")
    once = fmt.format_text(src, str(path))
    assert fmt.format_text(once) == once
    assert model(once) == model(src)
    # every comment survives, in order
    assert re.findall(r"#[^\n]*", strip_strings(once)) == [
        c.rstrip() for c in re.findall(r"#[^\n]*", strip_strings(src))
    ]


def strip_strings(text: str) -> str:
    return re.sub(r'"([^"\\\n]|\\.)*"', '""', text)


# ---------------------------------------------------------------- spacing never matters


def _tokens(text: str):
    from slalang import syntax

    return list(syntax.parser().lex(text, dont_ignore=True))


SEPARATORS = st.sampled_from([" ", "  ", "\t", "\n", "\n\n", "\n    ", " \n  ", "\n\n\n  "])


@pytest.mark.parametrize("path", CONTRACTS[:2], ids=lambda p: p.name)
@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_respacing_does_not_change_the_output(path: Path, data):
    """Re-space a contract at random (keeping each comment on its own line or
    at the end of a line, as it was): the formatted text is the same."""
    src = path.read_text(encoding="utf-8")
    toks = _tokens(src)
    pieces: list[str] = []
    for i, tok in enumerate(toks):
        if tok.type != "WS":
            pieces.append(str(tok))
            continue
        nxt = toks[i + 1] if i + 1 < len(toks) else None
        prev = toks[i - 1] if i > 0 else None
        if prev is not None and prev.type == "COMMENT":
            pieces.append("\n" + data.draw(st.sampled_from(["", "  ", "\n"])))  # a comment ends its line
        elif nxt is not None and nxt.type == "COMMENT":
            own_line = "\n" in str(tok)
            pieces.append(
                data.draw(st.sampled_from(["\n", "\n\n  ", "\n "]))
                if own_line
                else data.draw(st.sampled_from([" ", "   ", "\t"]))
            )
        else:
            pieces.append(data.draw(SEPARATORS))
    respaced = "".join(pieces)
    assert fmt.format_text(respaced) == fmt.format_text(src)


@given(st.lists(st.tuples(st.integers(0, 500), st.sampled_from(["m", "h", "d"])), min_size=1, max_size=4))
@settings(max_examples=200, deadline=None)
def test_canonical_duration_keeps_the_seconds(parts):
    seconds = {"m": 60, "h": 3600, "d": 86400}
    spelled = fmt.canonical_duration(parts)
    again = [(int(n), u) for n, u in re.findall(r"(\d+)(bd|bh|d|h|m)", spelled)]
    assert sum(n * seconds[u] for n, u in again) == sum(n * seconds[u] for n, u in parts)
    assert fmt.canonical_duration(again) == spelled
    assert not re.search(r"(^|[a-z])0", spelled) or spelled[0] == "0" and sum(n for n, _ in parts) == 0


def test_money_gets_the_currency_minor_unit():
    assert fmt.canonical_money("120000", "CNY") == "120000.00"
    assert fmt.canonical_money("3000.5", "CNY") == "3000.50"
    assert fmt.canonical_money("007.25", "CNY") == "7.25"
    assert fmt.canonical_money("500", "JPY") == "500"
    assert fmt.canonical_money("500", "XYZ") == "500"  # unknown: left as written


# ---------------------------------------------------------------- refusals and safety


def test_refuses_a_file_that_does_not_compile():
    bad = (CASES[0].read_text(encoding="utf-8").split("\n" + MARK)[0]).replace("currency CNY", "currency XXQ")
    with pytest.raises(fmt.FormatRefused) as exc:
        fmt.format_text(bad)
    assert any(d.code == "E0603" for d in exc.value.diagnostics)
    with pytest.raises(fmt.FormatRefused):
        fmt.format_text('contract "x" version "1" {')


def test_verification_catches_a_layout_that_changes_meaning(monkeypatch):
    src = CONTRACTS[0].read_text(encoding="utf-8")
    original = fmt._Layout.s_availability

    def broken(self, n, d):  # pretend a bug rounds the percent up
        lines = original(self, n, d)
        lines[0].cells[2].text = "99.99%"
        return lines

    monkeypatch.setattr(fmt._Layout, "s_availability", broken)
    with pytest.raises(fmt.FormatterBug, match="mean something else"):
        fmt.format_text(src)


def test_canonical_source_ignores_spacing():
    from slalang.compiler import canonical_source

    src = CONTRACTS[0].read_text(encoding="utf-8")
    respaced = src.replace("\n  ", "\n      ").replace(" | ", "|")
    assert canonical_source(SourceFile("a", src)) == canonical_source(SourceFile("b", respaced))
    assert canonical_source(SourceFile("a", src)) == fmt.format_text(src)


# ---------------------------------------------------------------- the command


def test_cli_check_diff_and_write(tmp_path: Path):
    src, expected = split_case(ROOT / "tests" / "fmt_cases" / "header_spacing.sla")
    f = tmp_path / "c.sla"
    f.write_text(src, encoding="utf-8")
    f.chmod(0o640)
    r = cli("fmt", "--check", str(f))
    assert r.returncode == 1 and f"would reformat {f}" in r.stderr
    assert f.read_text(encoding="utf-8") == src  # --check writes nothing
    r = cli("fmt", "--diff", str(f))
    assert r.returncode == 0 and r.stdout.startswith(f"--- {f}\t(original)\n+++ {f}\t(formatted)\n")
    assert "+  prevailing zh\n" in r.stdout
    assert f.read_text(encoding="utf-8") == src  # --diff writes nothing
    r = cli("fmt", str(f))
    assert r.returncode == 0 and f"reformatted {f}" in r.stderr
    assert f.read_text(encoding="utf-8") == expected
    assert stat.S_IMODE(f.stat().st_mode) == 0o640  # the mode survives the atomic replace
    assert [p.name for p in tmp_path.iterdir()] == ["c.sla"]  # no temporary file left behind
    r = cli("fmt", "--check", str(tmp_path))
    assert r.returncode == 0 and "1 file already formatted" in r.stderr


def test_cli_leaves_a_broken_file_alone(tmp_path: Path):
    f = tmp_path / "bad.sla"
    text = 'contract "x" version "1" {\n  title  "a"\n}\n'
    f.write_text(text, encoding="utf-8")
    r = cli("fmt", str(f))
    assert r.returncode == 1
    assert "error[E0204]" in r.stderr and "not formatted: fix the errors above first" in r.stderr
    assert "Traceback" not in r.stderr
    assert f.read_text(encoding="utf-8") == text


def test_cli_stdin_and_line_endings():
    src = CONTRACTS[0].read_text(encoding="utf-8")
    expected = fmt.format_text(src)
    r = cli("fmt", "-", stdin="\ufeff" + src.replace("\n", "\r\n"))
    assert r.returncode == 0 and r.stdout == expected  # BOM and CRLF are normalised away
    r = cli("fmt", "--check", "-", stdin=expected)
    assert r.returncode == 0
    r = cli("fmt", "-", "x.sla")
    assert r.returncode == 2 and "cannot be combined" in r.stderr


def test_cli_missing_file_is_a_usage_error(tmp_path: Path):
    r = cli("fmt", str(tmp_path / "nope.sla"))
    assert r.returncode == 2 and "no such file" in r.stderr
