"""Plumbing: errors in their own module, one parse per contract per build,
the command line in the user's language, and the GC tuning of `cli.main`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import CONTRACTS, ROOT

from slalang import cli, syntax
from slalang.compiler import canonical_source, compile_file

ITOPS = ROOT / "contracts" / "itops.sla"
RULES = ROOT / "tests" / "golden" / "rules"


def run(*args, env=None, stdin=None, cwd=ROOT):
    environment = dict(os.environ)
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "slalang", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        env=environment,
        input=stdin,
    )


# ------------------------------------------------------------------ errors
def test_backends_do_not_import_the_orchestrator():
    code = (
        "import sys; import slalang.rules, slalang.letter, slalang.letter.prefork, slalang.letter.pdf; "
        "bad = [m for m in ('slalang.build', 'slalang.cli') if m in sys.modules]; assert not bad, bad"
    )
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


def test_the_command_line_starts_without_the_runtime_or_pydantic():
    """Every command's parser is built at start-up: a module-level import in a
    command module (eval once imported the runtime for one escaping function)
    costs every `slalang check` ~0.2 s."""
    code = (
        "import sys; from slalang import cli; cli.build_parser(); "
        "bad = [m for m in ('slalang.runtime', 'slalang.ruleschema', 'pydantic', 'lark') if m in sys.modules]; "
        "assert not bad, bad"
    )
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


def test_one_class_per_error_across_layers():
    from slalang import build, errors, fmt

    assert build.BuildError is errors.BuildError
    assert fmt.FormatRefused is errors.FormatRefused and fmt.FormatterBug is errors.FormatterBug


def test_prefork_compares_exception_types_by_class():
    source = (ROOT / "slalang" / "letter" / "prefork.py").read_text(encoding="utf-8")
    assert "__name__ ==" not in source and "isinstance(exc, BuildError)" in source


# ------------------------------------------------------------------ one parse per build
@pytest.fixture
def count_parses(monkeypatch):
    calls: list[str] = []
    real = syntax.parse_with_comments

    def counting(source, *a, **k):
        calls.append(source.path)
        return real(source, *a, **k)

    monkeypatch.setattr(syntax, "parse_with_comments", counting)
    return calls


@pytest.mark.parametrize("only", ["rules", "rules,html", None])
def test_build_parses_each_contract_once(count_parses, tmp_path, capsys, only):
    argv = ["build", str(ITOPS), "-o", str(tmp_path)] + (["--only", only] if only else [])
    assert cli.main(argv) == 0, capsys.readouterr().err
    assert count_parses == [str(ITOPS)]


def test_build_outputs_match_their_goldens(tmp_path, capsys):
    """The canonical text from the compile's AST gives the very bytes the
    committed rule files hold (no golden changes with the one-parse build)."""
    examples = [str(p) for p in CONTRACTS]  # the ones with golden rule files
    assert cli.main(["build", *examples, "-o", str(tmp_path), "--only", "rules"]) == 0, capsys.readouterr().err
    assert len(list(tmp_path.glob("*.rules.*"))) == 2 * len(CONTRACTS)
    for f in sorted(tmp_path.glob("*.rules.*")):
        assert f.read_bytes() == (RULES / f.name).read_bytes(), f.name


@pytest.mark.parametrize("path", CONTRACTS, ids=lambda p: p.stem)
def test_canonical_text_from_the_ast_equals_a_fresh_layout(path):
    result = compile_file(path)
    assert result.contract is not None
    assert result.canonical_text == canonical_source(result.source)


def test_canonical_text_is_computed_once(monkeypatch):
    from slalang import fmt

    result = compile_file(ITOPS)
    calls = []
    real = fmt.layout
    monkeypatch.setattr(fmt, "layout", lambda *a, **k: calls.append(1) or real(*a, **k))
    first = result.canonical_text
    assert result.canonical_text is first and len(calls) == 1


def test_no_canonical_text_without_a_contract(tmp_path):
    bad = tmp_path / "bad.sla"
    bad.write_text('contract "x" version "1" {\n  titl "a"\n}\n', encoding="utf-8")
    assert compile_file(bad).canonical_text is None


# ------------------------------------------------------------------ languages
ZH = {"LANG": "zh_CN.UTF-8"}


def test_build_speaks_chinese(tmp_path):
    r = run("build", ITOPS, "-o", tmp_path, "--only", "rules", "--lang", "zh")
    assert r.returncode == 0, r.stderr
    assert f"已写入 {tmp_path / 'example-itops.rules.json'}" in r.stdout
    r = run("build", ITOPS, "-o", tmp_path, "--only", "rules", "--check", env=ZH)
    assert r.returncode == 0 and "中的全部输出文件均为最新" in r.stderr
    (tmp_path / "example-itops.rules.yaml").write_text("stale", encoding="utf-8")
    r = run("build", ITOPS, "-o", tmp_path, "--only", "rules", "--check", env=ZH)
    assert r.returncode == 1 and "1 个输出文件已过期" in r.stderr and "已过期，与" in r.stderr
    r = run("build", ITOPS, "-o", tmp_path, "--only", "rules", "--check", "--lang", "en", env=ZH)
    assert r.returncode == 1 and "1 output out of date" in r.stderr


def test_failed_build_speaks_chinese(tmp_path):
    bad = tmp_path / "bad.sla"
    bad.write_text('contract "x" version "1" {\n  titl "a"\n}\n', encoding="utf-8")
    r = run("build", bad, "-o", tmp_path / "out", "--only", "rules", "--lang", "zh")
    assert r.returncode == 1 and "构建失败：未写入任何文件" in r.stderr and "错误[E0102]" in r.stderr
    r = run("build", bad, "-o", tmp_path / "out", "--only", "rules", "--lang", "en")
    assert "build failed: nothing was written" in r.stderr


def test_usage_errors_speak_chinese(tmp_path):
    r = run("build", ITOPS, "-o", tmp_path, "--only", "xml", "--lang", "zh")
    assert r.returncode == 2 and r.stderr.startswith("slalang: 错误: --only 的取值")
    r = run("fmt", "-", "x.sla", "--lang", "zh")
    assert r.returncode == 2 and "不能与其他输入同时使用" in r.stderr


def test_fmt_speaks_chinese(tmp_path):
    f = tmp_path / "a.sla"
    f.write_text(ITOPS.read_text(encoding="utf-8").replace("  title", "    title", 1), encoding="utf-8")
    r = run("fmt", "--check", f, "--lang", "zh")
    assert r.returncode == 1 and f"需重新排版：{f}" in r.stderr and "1 个文件需重新排版" in r.stderr
    r = run("fmt", f, env=ZH)
    assert r.returncode == 0 and f"已重新排版：{f}" in r.stderr
    r = run("fmt", f, env=ZH)
    assert r.returncode == 0 and "1 个文件已符合规范格式" in r.stderr
    bad = tmp_path / "bad.sla"
    bad.write_text('contract "x" version "1" {\n  titl "a"\n}\n', encoding="utf-8")
    r = run("fmt", bad, f, "--lang", "zh")
    assert r.returncode == 1 and "未排版：请先修正上述错误" in r.stderr
    assert "1 个文件已符合规范格式，1 个文件有错误，未作改动" in r.stderr


BAD_TICKETS = """id,priority,product,opened_at,first_response_at
T1,P1,hosting,2026-01-05T10:00:00+08:00,2026-01-05T10:10:00+08:00
T2,P9,hosting,2026-01-05T10:00:00+08:00,
T3,P1,hosting,2026-01-05T10:00:00+08:00,
"""


def test_eval_speaks_chinese(tmp_path):
    f = tmp_path / "t.csv"
    f.write_text(BAD_TICKETS, encoding="utf-8")
    rules = RULES / "example-itops.rules.json"
    r = run("eval", rules, f, "--lang", "zh")
    assert r.returncode == 1 and "= 提示: 请修正该行，或加上 --skip-bad" in r.stderr
    r = run("eval", rules, f, "--skip-bad", "--format", "json", env=ZH)
    assert r.returncode == 0, r.stderr
    assert "（已跳过）" in r.stderr and "已跳过 1 行有误的数据；共评估 2 张工单" in r.stderr
    r = run("eval", tmp_path / "none.json", f, "--lang", "zh")
    assert r.returncode == 2 and r.stderr.startswith("slalang: 错误: 规则文件 ")


def test_english_stays_the_default_outside_a_chinese_locale(tmp_path):
    r = run("build", ITOPS, "-o", tmp_path, "--only", "rules", env={"LANG": "C.UTF-8"})
    assert r.returncode == 0 and r.stdout.startswith("wrote ")


def test_commands_import_helpers_from_cliutil_only():
    for name in ("eval", "fmt", "extract_rules", "schema"):
        text = (ROOT / "slalang" / "commands" / f"{name}.py").read_text(encoding="utf-8")
        assert "from slalang.cli import" not in text and "_print_diagnostics" not in text, name


def test_every_cli_key_exists_in_both_languages():
    from slalang import i18n

    zh = {k for k in i18n.leaf_keys("zh") if k.startswith("cli.")}
    en = {k for k in i18n.leaf_keys("en") if k.startswith("cli.")}
    assert zh == en, zh ^ en


# ------------------------------------------------------------------ GC
def test_main_freezes_the_gc_after_imports(monkeypatch, capsys):
    import gc

    seen = {}

    def fake(args):
        seen["frozen"] = gc.get_freeze_count()
        seen["threshold"] = gc.get_threshold()
        return 0

    before = gc.get_threshold()
    monkeypatch.setattr(cli, "cmd_check", fake)
    assert cli.main(["check", str(ITOPS)]) == 0
    assert seen["frozen"] > 0 and seen["threshold"] == cli.GC_THRESHOLDS
    assert "slalang.lower" in sys.modules  # frozen after the front end was imported
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0  # and undone on return


def test_wheel_ships_py_typed():
    assert (ROOT / "slalang" / "py.typed").is_file()


def test_license_matches_the_declared_one():
    import tomllib

    declared = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["license"]
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert declared == "MIT" and text.startswith("MIT License") and "the slalang authors" in text
    assert Path(ROOT / "LICENSE").stat().st_size > 900


def test_a_backend_reason_crosses_the_warm_renderer_in_chinese(tmp_path):
    """A BuildError carries catalogue messages, rendered by the CLI in the
    user's language, also when it comes back from the forked PDF worker."""
    src = tmp_path / "glyph.sla"
    text = (ROOT / "tests" / "good_minimal.sla").read_text(encoding="utf-8").replace("内响应。", "内响应 𓀀。")
    src.write_text(text, encoding="utf-8")
    r = run("build", src, "-o", tmp_path / "out", "--lang", "zh")
    assert r.returncode == 1, r.stderr
    line = next(i for i, x in enumerate(text.splitlines(), 1) if "𓀀" in x)
    assert f"已安装的字体均无 '𓀀'（U+13000 EGYPTIAN HIEROGLYPH A001）（位于第 {line} 行" in r.stderr
    assert "= 提示: 请安装包含该字形的字体：`apt-get install fonts-noto" in r.stderr
    assert "构建失败：未写入任何文件" in r.stderr and not (tmp_path / "out").exists()


def test_an_unknown_layout_is_explained_in_both_languages():
    from slalang import letter
    from slalang.errors import BuildError
    from slalang.i18n import render

    result = compile_file(ROOT / "tests" / "good_minimal.sla")
    from slalang.build import BuildContext

    ctx = BuildContext("m.sla", result.source, result.contract, frozenset({"html"}), "sideways")
    with pytest.raises(BuildError) as err:
        letter.produce(ctx)
    assert str(err.value) == "unknown letter layout 'sideways'"
    assert render(err.value.message, "zh") == "未知的承诺书版式 'sideways'"
    assert render(err.value.hint, "zh") == "请使用以下版式之一：interleaved, side-by-side"
