"""Tests for `slalang lint` (slalang/lint/, slalang/commands/lint.py).

Golden cases: tests/lint_cases/<name>.sla is linted through the CLI exactly as
a user would run it; <name>.expected holds stdout, the stderr summary and the
exit code in English, <name>.zh.expected the same run with `--lang zh`.
`SLALANG_REGEN=1 python3 -m pytest tests/test_lint.py` rewrites the expected
files; review the change with `git diff`."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from slalang import lint
from slalang.cli import main
from slalang.diagnostics import Severity
from slalang.lint import quantities
from slalang.lint.config import ConfigError, ConfigFinder, parse

REPO = Path(__file__).resolve().parent.parent
CASES = REPO / "tests" / "lint_cases"
REGEN = os.environ.get("SLALANG_REGEN") == "1"
CASE_FILES = sorted(CASES.glob("*.sla"))
BASE = (CASES / "clean.sla").read_text(encoding="utf-8")


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["lint", *argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(autouse=True)
def _in_repo(monkeypatch):
    monkeypatch.chdir(REPO)  # paths in the output are relative to the repository
    for var in ("LC_ALL", "LC_MESSAGES"):  # English unless a test asks for Chinese
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")


# ---------------------------------------------------------------- golden cases


def test_there_are_enough_cases():
    assert len(CASE_FILES) >= 25


@pytest.mark.parametrize("case", CASE_FILES, ids=[c.stem for c in CASE_FILES])
def test_golden(case: Path, capsys):
    code, out, err = run(capsys, str(case.relative_to(REPO)))
    got = f"{out}--- stderr\n{err}--- exit {code}\n"
    expected = case.with_suffix(".expected")
    if REGEN:
        expected.write_text(got, encoding="utf-8")
    assert expected.exists(), f"no {expected.name}; run with SLALANG_REGEN=1"
    assert got == expected.read_text(encoding="utf-8")


@pytest.mark.parametrize("case", CASE_FILES, ids=[c.stem for c in CASE_FILES])
def test_golden_zh(case: Path, capsys):
    """The same case in Chinese: every message, hint, label and the summary
    from the zh catalogue; contract text and code examples as written."""
    code, out, err = run(capsys, str(case.relative_to(REPO)), "--lang", "zh")
    got = f"{out}--- stderr\n{err}--- exit {code}\n"
    expected = case.with_suffix(".zh.expected")
    if REGEN:
        expected.write_text(got, encoding="utf-8")
    assert expected.exists(), f"no {expected.name}; run with SLALANG_REGEN=1"
    assert got == expected.read_text(encoding="utf-8")
    en = case.with_suffix(".expected").read_text(encoding="utf-8")
    assert re.findall(r"\[(L\d{3}|E\d{4})\]", got) == re.findall(r"\[(L\d{3}|E\d{4})\]", en)


@pytest.mark.parametrize("case", CASE_FILES, ids=[c.stem for c in CASE_FILES])
def test_case_header_names_the_codes_it_shows(case: Path):
    """Each case opens with `# L302: …` (or `# none: …`) naming the lint
    codes it demonstrates; its expected output must show exactly those, so a
    case cannot silently stop testing its rule."""
    first = case.read_text(encoding="utf-8").split("\n", 1)[0]
    m = re.match(r"# ((?:L\d{3} ?)+|none):", first)
    assert m, f"{case.name}: the first line must be `# Lxxx …: what the case shows` or `# none: …`"
    named = set(re.findall(r"L\d{3}", m.group(1)))
    shown = set(re.findall(r"\[(L\d{3})\]", case.with_suffix(".expected").read_text(encoding="utf-8")))
    assert shown == named


def test_every_rule_has_a_failing_case():
    shown = set()
    for case in CASE_FILES:
        shown |= set(re.findall(r"\[(L\d{3})\]", case.with_suffix(".expected").read_text(encoding="utf-8")))
    assert shown == set(lint.RULES)


# ---------------------------------------------------------------- the examples


def test_every_example_contract_lints_clean(capsys):
    # The examples (commitment letters); the corpus is linted under its own
    # kinds below (test_the_corpus_is_complete_for_its_kind).
    contracts = sorted((REPO / "contracts").glob("*.sla"))
    assert contracts
    code, out, err = run(capsys, *map(str, contracts))
    assert out == ""
    assert code == 0
    assert f"linted {len(contracts)} files: 0 errors, 0 warnings" in err


# ---------------------------------------------------------------- CLI behaviour


def test_json_format(capsys):
    code, out, err = run(
        capsys, "tests/lint_cases/ladder_cap_first_step.sla", "tests/lint_cases/clean.sla", "--format", "json"
    )
    assert code == 1 and err == ""
    doc = json.loads(out)
    assert doc["files"] == ["tests/lint_cases/ladder_cap_first_step.sla", "tests/lint_cases/clean.sla"]
    assert doc["summary"] == {"errors": 1, "warnings": 0}
    (d,) = doc["diagnostics"]
    assert d["code"] == "L302" and d["severity"] == "error"
    assert (d["line"], d["column"], d["end_line"], d["end_column"]) == (56, 27, 56, 45)
    assert d["labels"][0]["message"] == "the ladder's cap"
    assert "hint" in d


def test_warnings_only_exit_zero(capsys):
    code, _, err = run(capsys, "tests/lint_cases/off_hours_stricter.sla")
    assert code == 0 and "0 errors, 2 warnings" in err


def test_a_contract_that_does_not_compile_shows_check_errors(capsys):
    code, out, err = run(capsys, "tests/lint_cases/does_not_compile.sla")
    assert code == 1 and "error[E0403]" in out and "[L" not in out
    assert "did not compile" in err


def test_usage_errors(capsys, tmp_path):
    assert run(capsys, str(tmp_path / "nope.sla"))[0] == 2
    code, _, err = run(capsys)
    assert code == 2 and "at least one FILE" in err


def test_list_rules(capsys):
    code, out, _ = run(capsys, "--list-rules")
    assert code == 0
    for c, r in lint.RULES.items():
        assert re.search(rf"^  {c}  {r.severity.value}\s+{r.name}\s", out, re.M)


def test_directory_input_lints_every_file(capsys):
    code, out, err = run(capsys, "tests/lint_cases")
    assert code == 1
    assert f"linted {len(CASE_FILES)} files" in err


def test_internal_error_in_a_rule_exits_3(capsys, monkeypatch):
    from slalang.lint import registry

    def broken(ctx):
        raise ZeroDivisionError("boom")
        yield

    rule = registry.RULES["L305"]
    monkeypatch.setitem(
        registry.RULES, "L305", registry.Rule(rule.code, rule.name, rule.family, rule.severity, rule.summary, broken)
    )
    code, out, err = run(capsys, "tests/lint_cases/clean.sla")
    assert code == 3
    assert "internal error in lint rule L305" in out and "Traceback" not in out + err


# ---------------------------------------------------------------- configuration


def _project(tmp_path: Path, toml: str, name: str = "c.sla", text: str = BASE) -> Path:
    (tmp_path / "pyproject.toml").write_text(toml, encoding="utf-8")
    sub = tmp_path / "contracts"
    sub.mkdir(exist_ok=True)
    f = sub / name
    f.write_text(text, encoding="utf-8")
    return f


def test_config_changes_severity_and_turns_rules_off(tmp_path, capsys):
    text = BASE.replace("    P0      15m   1h\n", "    P0      2h    1h\n")
    f = _project(tmp_path, '[tool.slalang.lint]\nL305 = "error"\n', text=text)
    code, out, _ = run(capsys, str(f))
    assert code == 1 and "error[L305]" in out
    f = _project(tmp_path, '[tool.slalang.lint]\nL305 = "off"\n', text=text)
    code, out, err = run(capsys, str(f))
    assert code == 0 and out == "" and "0 errors, 0 warnings" in err
    f = _project(tmp_path, '[tool.slalang.lint]\nL201 = "warning"\n', text=BASE.replace("内响应，", "内尽快响应，"))
    code, out, _ = run(capsys, str(f))
    assert code == 0 and "warning[L201]" in out


@pytest.mark.parametrize(
    "toml, message",
    [
        ('[tool.slalang.lint]\nL999 = "off"\n', "pyproject.toml:2: [tool.slalang.lint]: `L999` is not a lint code"),
        ('[tool.slalang.lint]\nL2O1 = "off"\n', "did you mean `L201`?"),
        (
            '[tool.slalang.lint]\n\nL201 = "loud"\n',
            'pyproject.toml:3: [tool.slalang.lint]: L201 = \'loud\': the severity must be "error", "warning" or "off"',
        ),
        ("[tool.slalang.lint]\nL201 = 1\n", "the severity must be"),
        ('[tool.slalang]\nlint = "strict"\n', "must be a table of codes"),
        ("[tool.slalang.lint\n", "not valid TOML"),
    ],
)
def test_bad_config_is_a_usage_error(tmp_path, capsys, toml, message):
    f = _project(tmp_path, toml)
    code, out, err = run(capsys, str(f))
    assert code == 2 and out == ""
    assert message in err and "Traceback" not in err


def test_nearest_pyproject_with_a_lint_table_wins(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.slalang.lint]\nL305 = "off"\n', encoding="utf-8")
    inner = tmp_path / "team"
    inner.mkdir()
    (inner / "pyproject.toml").write_text('[project]\nname = "x"\n', encoding="utf-8")  # no lint table: skipped
    (inner / "deeper").mkdir()
    f = inner / "deeper" / "c.sla"
    f.write_text(BASE, encoding="utf-8")
    config = ConfigFinder().for_file(str(f))
    assert config.severity("L305") is None
    assert config.severity("L201") is Severity.ERROR
    (inner / "pyproject.toml").write_text('[tool.slalang.lint]\nL201 = "warning"\n', encoding="utf-8")
    config = ConfigFinder().for_file(str(f))
    assert config.severity("L201") is Severity.WARNING and config.severity("L305") is Severity.WARNING


def test_config_parse_direct():
    assert parse(Path("p.toml"), "[tool.other]\n") is None
    with pytest.raises(ConfigError):
        parse(Path("p.toml"), '[tool.slalang.lint]\nl201 = "off"\n')


# ---------------------------------------------------------------- suppression


def _lint(text: str):
    result, diags = lint.lint_source(text, "t.sla")
    assert diags is not None, [d.message for d in result.diagnostics]
    return sorted(d.code for d in diags)


def test_suppression_on_the_line_only_covers_that_line():
    weak = BASE.replace("    P0      15m   1h\n    P1      30m   4h\n", "    P0      2h    1h\n    P1      1h    30m\n")
    assert _lint(weak) == ["L305", "L305"]
    one = weak.replace("P0      2h    1h\n", "P0      2h    1h   # slalang: allow L305\n")
    assert _lint(one) == ["L305"]
    other_code = weak.replace("P0      2h    1h\n", "P0      2h    1h   # slalang: allow L306\n")
    assert _lint(other_code) == ["L002", "L305", "L305"]


def test_suppression_on_a_block_line_covers_the_block():
    weak = BASE.replace("    P0      15m   1h\n    P1      30m   4h\n", "    P0      2h    1h\n    P1      1h    30m\n")
    block = weak.replace(
        'response "首次响应" | "First response" {', 'response "首次响应" | "First response" {  # slalang: allow L305'
    )
    assert _lint(block) == []
    whole = weak.replace(
        'contract "lint-base" version "1.0.0" {', 'contract "lint-base" version "1.0.0" {  # slalang: allow l305, L201'
    )
    assert _lint(whole) == ["L002"]  # L201 silences nothing; codes are case-insensitive


def test_a_finding_covered_twice_uses_both_suppressions():
    weak = BASE.replace("    P0      15m   1h\n", "    P0      2h    1h   # slalang: allow L305\n")
    both = weak.replace(
        'response "首次响应" | "First response" {', 'response "首次响应" | "First response" {  # slalang: allow L305'
    )
    assert _lint(both) == []


def test_suppression_on_the_first_line_of_a_two_line_text():
    vague = BASE.replace('"P0 incidents are answered within', '"P0 incidents are promptly answered within')
    assert _lint(vague) == ["L201"]
    allowed = vague.replace('通报一次进度，共 2 个渠道。"', '通报一次进度，共 2 个渠道。"  # slalang: allow L201')
    assert _lint(allowed) == []


def test_a_disabled_rule_does_not_make_its_suppressions_unused(tmp_path):
    text = BASE.replace("P0      15m   1h\n", "P0      15m   1h   # slalang: allow L305\n")
    _, diags = lint.lint_source(text, "t.sla", lint.LintConfig({"L305": None}))
    assert diags == []


# ---------------------------------------------------------------- spans and hints


def test_vague_term_span_is_the_words_even_after_escapes():
    text = BASE.replace('"P0 incidents are answered within', r'"P0 \"critical\" incidents are answered ASAP within')
    result, diags = lint.lint_source(text, "t.sla")
    (d,) = diags
    line, col, end_line, end_col = d.position()
    assert result.source.line_text(line)[col - 1 : end_col - 1] == "ASAP"
    assert "{response.P0.business}" in d.hint


def test_hint_quotes_a_value_of_the_priority_named():
    text = BASE.replace("内响应，每", "内响应，P1 级故障及时恢复，每")
    _, diags = lint.lint_source(text, "t.sla")
    (d,) = [d for d in diags if d.code == "L201"]
    assert "{resolution.P1.any}" in d.hint and "2bd" in d.hint


# ---------------------------------------------------------------- quantities


@pytest.mark.parametrize(
    "zh, en",
    [
        ("30 分钟", "30 minutes"),
        ("三十分钟", "thirty minutes"),
        ("1 小时", "60 minutes"),
        ("半小时", "half an hour"),
        ("2 个工作日", "2 business days"),
        ("6 个月", "six months"),
        ("半年", "half-yearly"),
        ("百分之五", "5%"),
        ("99.95%", "99.95 percent"),
        ("50 万元", "CNY 500,000"),
        ("¥1,200.50", "1200.50 yuan"),
        ("2026年1月1日", "2026-01-01"),
        ("2026年1月1日", "January 1, 2026"),
        ("09:00", "9:00"),
        ("两次", "twice"),
        # the bilingual texts of published SLAs and support policies (issue 12)
        ("7×24 小时", "24x7"),
        ("7×24", "24/7"),
        ("7×24 小时", "24 hours a day, 7 days a week"),
        ("5×8", "8 x 5"),
        ("每月 1 日", "the 1st"),
        ("2025年12月1日", "1st December 2025"),
        ("2025年12月1日", "December 1st, 2025"),
        ("2025 年 11 月", "November 2025"),
        ("18:00", "6:00 p.m."),
        ("下午 6 点", "6 pm"),
        ("上午 9 点半", "9:30 a.m."),
        ("中午 12 点", "noon"),
        ("00:00", "midnight"),
        ("24:00", "12 midnight"),
        ("48 小时", "forty-eight (48) hours"),
        ("30 天", "thirty (30) days"),
        ("15%", "fifteen percent (15%)"),
        ("一个自然月", "one calendar month"),
        ("14 天", "fourteen days"),
    ],
)
def test_equivalent_quantities_have_the_same_key(zh, en):
    (a,), (b,) = quantities.find(zh), quantities.find(en)
    assert a.key == b.key


@pytest.mark.parametrize(
    "text", ["P0", "ISO9001", "一般咨询", "any one of them", "tier", "A1", "每天", "every day", "R7x24", "九十九点九"]
)
def test_not_quantities(text):
    assert quantities.find(text) == ()


def test_zh_numerals():
    assert [quantities.zh_numeral(t) for t in ("三", "十", "十五", "二十四", "一百二十", "两千", "三万五千")] == [
        3,
        10,
        15,
        24,
        120,
        2000,
        35000,
    ]


@pytest.mark.parametrize(
    "zh, en",
    [
        (
            "每次演练不超过 30 分钟，恢复目标 15 分钟。",
            "Each drill takes at most half an hour, with a 15-minute recovery target.",
        ),
        ("7×24 小时值守", "on duty 24/7"),
        ("每 30 分钟通报一次", "updated every 30 minutes"),
        ("覆盖三十个站点和两个渠道", "covers 30 sites and two channels"),
        ("一级异常在一线城市", "a Level 1 anomaly in a tier-1 city"),
    ],
)
def test_numbers_agree_across_languages(zh, en):
    text = BASE.replace(
        '  clause notice "通报"',
        f'  clause extra "附加" | "Extra" {{\n    "{zh}" | "{en}"\n  }}\n  clause notice "通报"',
    )
    assert "L204" not in _lint(text)


@pytest.mark.parametrize(
    "zh, en, count",
    [
        ("每次演练不超过 30 分钟", "Each drill takes at most 45 minutes", 1),
        ("历时 2 小时", "lasts two days", 1),
        ("2 个工作日内", "within 2 days", 1),
        ("保存 6 个月", "kept for a while", 1),
        ("一级故障", "Severity 2 incidents", 1),  # 一 before 级 is a number, not the article
        ("提供 7×24 小时支持", "support 8x5", 1),
        ("上午 9 点至下午 6 点", "9 a.m. to 5 p.m.", 1),
        ("每月 5 日", "on the 10th", 1),
        ("提前 10 天", "fourteen (14) days before", 1),
        ("2025 年 11 月修订", "revised in December 2025", 1),
    ],
)
def test_numbers_disagree_across_languages(zh, en, count):
    text = BASE.replace(
        '  clause notice "通报"',
        f'  clause extra "附加" | "Extra" {{\n    "{zh}" | "{en}"\n  }}\n  clause notice "通报"',
    )
    codes = _lint(text)
    assert codes.count("L204") == count, codes


@pytest.mark.parametrize(
    "retention, ok",
    # six calendar months last 181 to 184 days: 180 days always end sooner
    [("181 days", True), ("26 weeks", True), ("1 year", True), ("180 days", False), ("5 months", False)],
)
def test_retention_threshold(retention, ok):
    codes = _lint(BASE.replace("retention 6 months", f"retention {retention}"))
    assert ("L114" not in codes) is ok


# ---------------------------------------------------------------- docs/lint.md

DOC = (REPO / "docs" / "lint.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("code", sorted(lint.RULES))
def test_every_rule_is_documented_with_examples(code):
    rule = lint.RULES[code]
    assert re.search(rf"^\| {code} \| {rule.name} \| {rule.severity.value} \|", DOC, re.M), "summary table row"
    heading = re.search(rf"^### .*\b{code}\b.*$", DOC, re.M)
    assert heading, f"no section for {code}"
    rest = DOC[heading.end() :]
    section = rest[: re.search(r"^##", rest, re.M).start()] if re.search(r"^##", rest, re.M) else rest
    assert "Failing" in section and "Passing" in section
    assert re.search(rf"Default: {rule.severity.value}\b|{code} {rule.severity.value}\b", section), "severity"


# ---------------------------------------------------------------- properties

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


def _to_chinese(n: int) -> str:
    """An independent int → Chinese numeral writer (the oracle for zh_numeral)."""
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    out = ""
    wan, rest = divmod(n, 10000)
    if wan:
        out += _to_chinese(wan) + "万"
        if 0 < rest < 1000:
            out += "零"
    parts = [(1000, "千"), (100, "百"), (10, "十")]
    zero = False
    for value, unit in parts:
        q, rest = divmod(rest, value)
        if q:
            if zero:
                out += "零"
                zero = False
            out += ("" if (q == 1 and value == 10 and not out) else digits[q]) + unit
        elif out and rest:
            zero = True
    if rest:
        out += ("零" if zero else "") + digits[rest]
    return out


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=1, max_value=99999))
def test_zh_numeral_reads_what_the_oracle_writes(n):
    assert quantities.zh_numeral(_to_chinese(n)) == n


@settings(max_examples=100, deadline=None)
@given(
    st.integers(min_value=1, max_value=999),
    st.sampled_from(
        [("分钟", "minutes"), ("小时", "hours"), ("天", "days"), ("个工作日", "business days"), ("个月", "months")]
    ),
)
def test_same_duration_same_key_in_both_languages(n, units):
    zh, en = units
    (a,) = quantities.find(f"在 {n} {zh}内")
    (b,) = quantities.find(f"within {n} {en}")
    assert a.key == b.key


_WORDS = [
    "尽快",
    "及时",
    "尽力",
    "原则上",
    "合理时间",
    "promptly",
    "best efforts",
    "where possible",
    "30",
    "分钟",
    "minutes",
    "P0",
    "级",
    "故障",
    "响应",
    "恢复",
    "{response.P0.business}",
    "{resolution.P1.any}",
    '\\"',
    "\\\\",
    "\\{",
    "%",
    "5",
    "一",
    "两",
    "万元",
    "CNY",
    "2026-01-01",
    "09:00",
    " ",
    "，",
    "。",
    "and",
    "once",
]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(_WORDS), max_size=14), st.lists(st.sampled_from(_WORDS), max_size=14))
def test_lint_never_fails_and_points_inside_the_text(zh_words, en_words):
    zh, en = "".join(zh_words) or "无", "".join(en_words) or "none"
    text = BASE.replace(
        '  clause notice "通报"',
        f'  clause extra "附加" | "Extra" {{\n    "{zh}" | "{en}"\n  }}\n  clause notice "通报"',
    )
    result, diags = lint.lint_source(text, "t.sla")
    if diags is None:  # e.g. an escape sequence the compiler rejects: not lint's business
        assert result.errors
        return
    start = text.index("clause extra")
    end = text.index("clause notice")
    for d in diags:
        assert d.code in lint.RULES
        if d.code.startswith("L2"):
            assert start <= d.span.start < d.span.end <= end, (d.code, d.message)
            assert '"' not in text[d.span.start : d.span.end].replace('\\"', "")


@pytest.mark.parametrize(
    "case",
    [c for c in CASE_FILES if c.stem != "does_not_compile"],
    ids=[c.stem for c in CASE_FILES if c.stem != "does_not_compile"],
)
def test_formatting_does_not_change_what_lint_finds(case):
    from slalang.fmt import format_text

    text = case.read_text(encoding="utf-8")
    _, before = lint.lint_source(text, "a.sla")
    _, after = lint.lint_source(format_text(text, "a.sla"), "a.sla")
    # messages may quote canonical spellings (`30000` → `30000.00`); the findings must be the same
    assert sorted(d.code for d in before) == sorted(d.code for d in after)


_DURATIONS = re.compile(r"(?<=\s)\d+(?:bd|bh|m|h|d)(?=\s|$|,)")
_PERCENTS = re.compile(r"\d+(?:\.\d+)?%")


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.sampled_from(["1m", "15m", "30m", "1h", "4h", "8h", "24h", "90d", "1bd", "2bh", "3bd"]),
        min_size=40,
        max_size=40,
    ),
    st.lists(st.sampled_from(["0.5%", "5%", "10%", "30%", "50%", "99%", "99.9%", "100%"]), min_size=20, max_size=20),
    st.integers(min_value=0, max_value=2**40),
)
def test_lint_never_fails_on_changed_values(durations, percents, mask):
    """Change any durations and percentages of a complete contract: whatever
    still compiles lints without an internal error, each finding in the file."""
    it_d, it_p = iter(durations), iter(percents)
    counter = iter(range(10**6))
    text = _DURATIONS.sub(lambda m: next(it_d) if mask >> (next(counter) % 40) & 1 else m.group(0), BASE)
    text = _PERCENTS.sub(lambda m: next(it_p, m.group(0)) if mask >> (next(counter) % 40) & 1 else m.group(0), text)
    result, diags = lint.lint_source(text, "t.sla")
    if diags is None:
        return
    for d in diags:
        assert d.code in lint.RULES, d.message
        assert 0 <= d.span.start <= d.span.end <= len(text)


def test_warning_order_is_rechecked_on_the_model():
    """The compiler rejects descending levels (E0502); lint re-checks the
    model anyway, for contracts assembled by other tools."""
    from decimal import Decimal

    from slalang.compiler import compile_text

    result = compile_text(BASE, "t.sla")
    levels = list(result.contract.warnings)
    levels[1] = levels[1].model_copy(update={"percent": Decimal(40)})
    result.contract = result.contract.model_copy(update={"warnings": tuple(levels)})
    (d,) = lint.lint_result(result)
    assert d.code == "L307" and "the orange warning (40%) does not come after the yellow warning (50%)" in d.message


def test_on_time_rate_is_not_vague():
    text = BASE.replace("通报一次进度，共 2 个渠道。", "通报一次进度，共 2 个渠道，及时率按月统计。")
    assert _lint(text) == []


def test_first_tier_above_the_ladder_cap():
    text = BASE.replace("    below 99.0%: 25% of monthly_fee\n", "    below 99.0%: 25% of monthly_fee\n    cap 5%\n")
    _, diags = lint.lint_source(text, "t.sla")
    (d,) = diags
    assert d.code == "L302" and d.message.startswith("the first tier of `uptime` (10% of the monthly fee)")


# ---------------------------------------------------------------- both languages

LINT_SOURCES = sorted((REPO / "slalang" / "lint").glob("*.py")) + [REPO / "slalang" / "commands" / "lint.py"]


def _fields(template) -> set[str]:
    """The `{fields}` a catalogue message uses (every plural form)."""
    import string

    forms = template.values() if isinstance(template, dict) else [template]
    return {name for form in forms for _, name, _, _ in string.Formatter().parse(form) if name}


def _lint_keys(lang: str) -> set[str]:
    from slalang.i18n import leaf_keys

    return {k for k in leaf_keys(lang) if k.startswith("lint.")}


def test_every_lint_key_is_in_both_languages_with_the_same_fields():
    from slalang.i18n import lookup

    zh, en = _lint_keys("zh"), _lint_keys("en")
    assert zh == en, f"only in zh: {sorted(zh - en)}; only in en: {sorted(en - zh)}"
    for key in sorted(en):
        assert _fields(lookup("zh", key)) == _fields(lookup("en", key)), key


def test_every_rule_has_a_title_and_messages_in_both_languages():
    from slalang.i18n import has, render

    for code, rule in lint.RULES.items():
        assert rule.summary.key == f"lint.rules.{code}"
        for lang in ("zh", "en"):
            assert render(rule.summary, lang)
            assert has(lang, f"lint.{code}"), f"{code} has no messages in {lang}"
            assert has(lang, f"lint.families.{rule.family}")
    assert {k.split(".")[1] for k in _lint_keys("en") if re.fullmatch(r"lint\.L\d{3}\..*", k)} == set(lint.RULES)


def _key_patterns() -> list[re.Pattern]:
    """Every catalogue key the lint code names, as a string literal:
    `msg("L302.step.message")`, `msg(f"L302.{rung}.message")` (a field
    matches any one key part), and `say("lint.…")` in the command."""
    out = []
    for path in LINT_SOURCES:
        text = path.read_text(encoding="utf-8")
        for m in re.finditer(
            r'(?<![\w"])(f?)"((?:lint|L\d{3}|words|vague|rewrite|internal|summary|usage|list|config)\.[^"\s]+)"', text
        ):
            key = m.group(2)
            if not key.startswith(("lint.", "cli.")):
                key = "lint." + key
            if not key.startswith("lint.") or re.fullmatch(r"lint\.\{[^}]*\}", key):
                continue  # not a lint key, or `msg()` itself
            parts = re.split(r"(\{[^}]*\})", key) if m.group(1) else [key]
            pattern = "".join("[^.]+" if p.startswith("{") else re.escape(p) for p in parts)
            out.append(re.compile(pattern))
    return out


def test_every_key_the_code_names_exists_and_every_key_is_used():
    keys = _lint_keys("en")
    patterns = _key_patterns()
    for p in patterns:
        assert any(p.fullmatch(k) for k in keys), f"the code names `{p.pattern}`, which no catalogue key matches"
    dynamic = ("lint.rules.", "lint.families.")  # built from the registry (tested above)
    unused = [k for k in keys if not k.startswith(dynamic) and not any(p.fullmatch(k) for p in patterns)]
    assert unused == [], f"catalogue keys no code uses: {unused}"


def _outside_quotes(text: str) -> str:
    """`text` without what it quotes from the contract (“…”, `…`)."""
    return re.sub(r"“[^”]*”|`[^`]*`", "", text)


@pytest.mark.parametrize(
    "case",
    [c for c in CASE_FILES if c.stem != "does_not_compile"],
    ids=[c.stem for c in CASE_FILES if c.stem != "does_not_compile"],
)
def test_chinese_is_chinese_and_english_is_english(case):
    """Every finding renders in both languages; the Chinese words are Chinese
    and the English ones carry no Chinese of their own (only quoted text)."""
    from slalang.i18n import render
    from slalang.terms import has_han

    _, diags = lint.lint_source(case.read_text(encoding="utf-8"), "a.sla")
    for d in diags:
        for text in (d.text, d.hint_text, *(label.text for label in d.labels)):
            if text is None:
                continue
            zh, en = render(text, "zh"), render(text, "en")
            assert has_han(_outside_quotes(zh)) or not _outside_quotes(zh).strip(), (d.code, zh)
            assert not has_han(_outside_quotes(en)), (d.code, en)
            assert zh != en, (d.code, en)


def test_lang_from_the_locale(capsys, monkeypatch):
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    code, out, err = run(capsys, "tests/lint_cases/off_hours_stricter.sla")
    assert code == 0
    assert "警告[L305]" in out and "非工作时间" in out
    assert err == "已对 1 个文件进行质量检查：0 个错误，2 个警告\n"
    code, out, err = run(capsys, "tests/lint_cases/off_hours_stricter.sla", "--lang", "en")
    assert "warning[L305]" in out and err == "linted 1 file: 0 errors, 2 warnings\n"


def test_json_in_chinese(capsys):
    code, out, err = run(capsys, "tests/lint_cases/ladder_cap_first_step.sla", "--format", "json", "--lang", "zh")
    doc = json.loads(out)
    assert doc["language"] == "zh"
    (d,) = doc["diagnostics"]
    assert d["code"] == "L302"
    assert d["message"].startswith("补偿条款 `late_response` 的每档补偿额（月服务费的 40%）")
    assert d["hint"] == "请将每档补偿额调低至上限以下（例如上限的五分之一），或提高上限"
    assert d["labels"][0]["message"] == "该条款的补偿上限"


def test_list_rules_in_chinese(capsys):
    code, out, _ = run(capsys, "--list-rules", "--lang", "zh")
    assert code == 0
    assert "完整性：" in out and "一致性：" in out
    assert re.search(r"^  L305  警告  off-hours-stricter\s+非工作时间的时限比工作时间的更严格$", out, re.M)
    assert re.search(r"^  L101  错误  provider-credential\s+服务方未声明资质认证$", out, re.M)


def test_usage_error_in_chinese(capsys):
    code, _, err = run(capsys, "--lang", "zh")
    assert code == 2 and "lint 至少需要一个文件或文件夹" in err


def test_rewrites_follow_the_text_not_the_reader():
    """A vague English string gets an English rewrite, a Chinese string a
    Chinese one, whichever language the hint itself is read in."""
    text = BASE.replace('"P0 incidents are answered within', '"P0 incidents are promptly answered within')
    _, diags = lint.lint_source(text, "t.sla")
    (d,) = diags
    assert d.hint_in("zh").startswith("请将“promptly”改为明确的时限，例如“P0 incidents are answered within")
    assert "（合同中的数值为 15 分钟）" in d.hint_in("zh")
    text = BASE.replace("内响应，", "内尽快响应，")
    _, diags = lint.lint_source(text, "t.sla")
    (d,) = diags
    assert "“P0 级事件在 {response.P0.business} 内响应” (the contract's value, 15m)" in d.hint


# ---------------------------------------------------------------- one home per fact, one comparison of targets


def test_no_local_copies_of_domain_facts():
    """Units, periods, weekdays, the Han test and duration sizes come from
    slalang.terms / slalang.durations; `1bd` is never given a length."""
    forbidden = {
        r"\b86400\b|\b86_400\b|\b3600\b|\b604800\b": "unit seconds (slalang.terms.UNIT_SECONDS)",
        r"\\u4e00|\\u9fff": "the Han test (slalang.terms.has_han)",
        r'"mon", "tue"|\("mon",': "weekdays (slalang.terms.WEEKDAYS)",
        r'"quarter": 3': "periods (slalang.terms.PERIOD_MONTHS)",
        r"bd\|bh\|d\|h\|m": "duration units (slalang.terms.DURATION_PART)",
        r"nominal_seconds|longest_day_seconds|day_seconds": "a `bd` measured in seconds",
    }
    for path in LINT_SOURCES:
        text = path.read_text(encoding="utf-8")
        for pattern, fact in forbidden.items():
            assert not re.search(pattern, text), f"{path.name} defines {fact} itself"


def _matrix(text: str, rows: str) -> str:
    return text.replace("    P0      15m   1h\n    P1      30m   4h\n", rows)


@pytest.mark.parametrize(
    "rows, warned",
    [
        ("    P0      2h    1h\n    P1      30m   4h\n", ["P0"]),  # wall against wall
        ("    P0      1bd   10h\n    P1      30m   4h\n", ["P0"]),  # 10h is always before the next business day
        ("    P0      2bd   1d\n    P1      30m   4h\n", ["P0"]),  # a day beats two business days, even on a Friday
        ("    P0      1bh   4h\n    P1      30m   4h\n", []),  # 1bh is sooner for daytime tickets
        ("    P0      4bh   3h\n    P1      30m   4h\n", ["P0"]),  # business time never runs faster than the wall
        ("    P0      15m   1h\n    P1      2bh   1bd\n", []),
    ],
)
def test_off_hours_stricter_is_decided_on_the_calendar(rows, warned):
    _, diags = lint.lint_source(_matrix(BASE, rows), "t.sla")
    assert [d.message.split("'")[0] for d in diags if d.code == "L305"] == warned


def test_off_hours_compares_on_the_business_columns_instants(monkeypatch):
    """L305 asks slalang.targets.compare, on the domain of the business column."""
    import slalang.targets as targets

    calls = []
    real = targets.compare

    def spy(a, b, domain):
        calls.append(domain.column)
        return real(a, b, domain)

    from slalang.compiler import compile_text

    source = _matrix(BASE, "    P0      1bd   10h\n    P1      30m   4h\n")
    compiled = compile_text(source, "t.sla")
    monkeypatch.setattr(targets, "compare", spy)  # after compiling: lowering compares targets too (W0408)
    lint.lint_result(compiled)
    assert calls and set(calls) <= {"business", "any"}


@pytest.mark.parametrize(
    "every, resolution, expected",
    [
        ("6h", "4h", "the first update is due after the resolution"),
        ("2d", "1bd", "for some tickets, depending on when they are opened"),  # Friday: 2d is sooner than 1bd
        ("10h", "1bd", None),  # never after the next business day
        ("1h", "1bh", None),  # equal in working hours, sooner at night
        ("2h", "1bh", "for some tickets"),  # later in the day, sooner at night
    ],
)
def test_update_after_resolution_on_the_calendar(every, resolution, expected):
    text = BASE.replace("P0 every 30m", f"P0 every {every}").replace(
        "columns any\n    P0      4h", f"columns any\n    P0      {resolution}"
    )
    result, diags = lint.lint_source(text, "t.sla")
    assert diags is not None, [d.message for d in result.diagnostics]
    found = [d for d in diags if d.code == "L306"]
    if expected is None:
        assert found == []
    else:
        (d,) = found
        assert expected in d.message


def test_update_hint_gives_four_updates_before_a_business_resolution():
    text = BASE.replace("P0 every 30m", "P0 every 3d").replace(
        "columns any\n    P0      4h", "columns any\n    P0      2bd"
    )
    _, diags = lint.lint_source(text, "t.sla")
    (d,) = [d for d in diags if d.code == "L306"]
    assert d.hint == "update more often than the resolution target, e.g. `P0 every 12h`"


def test_bad_config_in_chinese(tmp_path, capsys):
    f = _project(tmp_path, '[tool.slalang.lint]\nL2O1 = "off"\n')
    code, out, err = run(capsys, str(f), "--lang", "zh")
    assert code == 2 and out == ""
    assert "pyproject.toml:2：[tool.slalang.lint]：`L2O1` 不是 lint 代码；是否应为 `L201`？" in err


def test_docs_show_a_finding_in_each_language():
    """docs/lint.md quotes one finding in English and in Chinese; both are the
    golden output, so the page cannot drift from what lint prints."""
    section = DOC[DOC.index("## Two languages") : DOC.index("## Output and exit codes")]
    blocks = re.findall(r"```text\n(.*?)```", section, re.S)
    assert len(blocks) == 2
    en = (CASES / "off_hours_stricter.expected").read_text(encoding="utf-8")
    zh = (CASES / "off_hours_stricter.zh.expected").read_text(encoding="utf-8")
    assert blocks[0] in en and blocks[1] in zh
    assert "--lang zh" in DOC


def test_a_share_of_the_billed_charges_needs_no_fee(capsys):
    # contracts/sla/instance.sla credits `10% of charges` and declares no fee:
    # the charges are data, so the ladder pays (L301 said it never could), and
    # a share of the charges does not compare with the fee-based cap (L302).
    code, out, err = run(capsys, "contracts/sla/instance.sla", "--format", "json")
    found = {f["code"] for f in json.loads(out)["diagnostics"]}
    assert "L301" not in found and "L302" not in found


# ---------------------------------------------------------------- profiles (the kind of contract)

# Each profile's completeness rules and their severity there: the table of docs/lint.md.
REQUIRED = {
    "commitment_letter": {code: "error" for code in [f"L1{n:02d}" for n in range(1, 21)] if code != "L103"}
    | {"L103": "warning", "L121": "warning"},
    "availability_sla": {
        "L102": "error",
        "L103": "warning",
        "L107": "error",
        "L108": "error",
        "L109": "error",
        "L110": "error",
        "L116": "error",
        "L121": "warning",
    },
    "support_policy": {
        "L102": "error",
        "L103": "warning",
        "L104": "error",
        "L105": "error",
        "L106": "warning",
        "L108": "error",
        "L109": "error",
        "L110": "error",
        "L116": "error",
        "L121": "warning",
    },
}

BARE = """contract "bare" version "1.0.0" {
  title      "最简合同" | "Bare contract"
  languages  zh, en
  prevailing zh
  effective  2026-01-01 to 2026-12-31
  timezone   "Asia/Shanghai"
  currency   CNY

  provider "示例云计算有限公司" | "Example Cloud Co., Ltd."
  customer "示例银行" | "Example Bank"
}
"""


@pytest.mark.parametrize("profile", lint.PROFILES)
def test_each_profile_requires_its_own_parts(profile):
    got = {
        code: rule.by_profile[profile].value
        for code, rule in lint.RULES.items()
        if rule.family == "completeness" and rule.applies(profile)
    }
    assert got == REQUIRED[profile]
    for code, rule in lint.RULES.items():  # wording, consistency and meta rules hold for every kind
        if rule.family != "completeness":
            assert rule.by_profile == dict.fromkeys(lint.PROFILES, rule.severity), code


@pytest.mark.parametrize(
    "profile, found",
    [
        (
            "commitment_letter",
            {"L101", "L102", "L104", "L105", "L106", "L107", "L110", "L112", "L113", "L116", "L119", "L120"},
        ),
        ("availability_sla", {"L102", "L107", "L110", "L116"}),
        ("support_policy", {"L102", "L104", "L105", "L106", "L110", "L116"}),
    ],
)
def test_a_bare_contract_misses_each_profiles_blocks(profile, found):
    _, ds = lint.lint_source(BARE, profile=profile)
    assert ds is not None
    assert {d.code for d in ds} == found
    for d in ds:
        assert d.severity.value == REQUIRED[profile][d.code]


CORPUS = sorted((REPO / "contracts" / "sla").glob("*.sla")) + sorted((REPO / "contracts" / "support").glob("*.sla"))


@pytest.mark.parametrize("path", CORPUS, ids=[f"{p.parent.name}/{p.stem}" for p in CORPUS])
def test_the_corpus_is_complete_for_its_kind(path):
    from slalang.compiler import compile_file

    r = compile_file(str(path))
    assert r.contract is not None and not r.errors
    assert r.contract.kind == {"sla": "availability_sla", "support": "support_policy"}[path.parent.name]
    assert [d.code for d in lint.lint_result(r) if d.code.startswith("L1")] == []


def test_the_corpus_lints_clean(capsys):
    # contracts/sla/api.sla pays 60% of the fee below 95% under a 50% cap, as
    # published (its cap of 6172.835 is rounded): L303 is right about it, and
    # the contract says so with `# slalang: allow L303` on that tier.
    code, out, err = run(capsys, *map(str, CORPUS), "--format", "json")
    assert json.loads(out)["diagnostics"] == [] and code == 0
    text = (REPO / "contracts" / "sla" / "api.sla").read_text(encoding="utf-8")
    result, ds = lint.lint_source(re.sub(r"  # slalang: allow L303[^\n]*", "", text))
    assert [d.code for d in ds] == ["L303"]


def test_profile_overrides_the_kind(capsys):
    code, out, _ = run(capsys, "contracts/sla/backup.sla", "--profile", "commitment_letter", "--format", "json")
    found = {d["code"] for d in json.loads(out)["diagnostics"]}
    assert code == 1 and {"L104", "L105", "L106", "L112"} <= found
    # A support policy held to an availability SLA's parts: its only ladder is on resolution.
    code, out, _ = run(capsys, "contracts/support/triage.sla", "--profile", "availability_sla", "--format", "json")
    found = {d["code"]: d for d in json.loads(out)["diagnostics"]}
    assert code == 1 and set(found) == {"L103", "L107"}  # it names services, not products; pays on resolution
    assert "availability" in found["L107"]["message"]
    code, out, _ = run(capsys, "contracts/support/triage.sla", "--profile", "support_policy")
    assert code == 0 and out == ""


def test_the_written_kind_chooses_the_profile():
    text = BARE.replace("  currency   CNY\n", "  currency   CNY\n  kind       availability_sla\n")
    result, ds = lint.lint_source(text)
    assert result.contract.kind == "availability_sla" and result.contract.kind_written
    assert {d.code for d in ds} == {"L102", "L107", "L110", "L116"}


@pytest.mark.parametrize("lang, words", [("en", "not a kind of contract"), ("zh", "不是有效的合同类别")])
def test_an_unknown_profile_is_a_usage_error(capsys, lang, words):
    code, out, err = run(capsys, "contracts/itops.sla", "--profile", "sla", "--lang", lang)
    assert code == 2 and out == ""
    assert words in err and "`availability_sla`" in err and "sla" in err


def test_list_rules_shows_the_profiles(capsys):
    code, out, _ = run(capsys, "--list-rules")
    assert code == 0
    lines = out.splitlines()
    at = next(i for i, line in enumerate(lines) if line.lstrip().startswith("L106"))
    assert lines[at + 1].strip() == "profiles: commitment letter, support policy (warning)"
    at = next(i for i, line in enumerate(lines) if line.lstrip().startswith("L116"))
    assert lines[at + 1].strip() == "profiles: all three"
    code, out, _ = run(capsys, "--list-rules", "--lang", "zh")
    assert "适用：服务承诺函、技术支持政策（警告）" in out


def _corpus(name: str) -> str:
    return (REPO / "contracts" / name).read_text(encoding="utf-8")


def _codes(text: str, profile: str | None = None) -> set[str]:
    _, ds = lint.lint_source(text, profile=profile)
    assert ds is not None
    return {d.code for d in ds}


def test_an_availability_sla_excludes_maintenance_or_force_majeure():
    text = _corpus("sla/backup.sla")
    start = text.index("  exclusions {")
    end = text.index("\n  }\n", start) + 4
    assert _codes(text) == set()
    only_customer = '  exclusions {\n    customer_caused "客户原因" | "the Customer\'s acts"\n  }\n'
    _, ds = lint.lint_source(text[:start] + only_customer + text[end:])
    (d,) = [d for d in ds if d.code == "L110"]
    assert "neither maintenance nor force majeure" in d.message
    maintenance_only = "  exclusions {\n    maintenance notice 72h, max 2h per month\n  }\n"
    assert "L110" not in _codes(text[:start] + maintenance_only + text[end:])


def test_a_support_policy_needs_no_force_majeure_but_some_exclusions():
    text = _corpus("support/triage.sla")
    start = text.index("  exclusions {")
    end = text.index("\n  }\n", start) + 4
    customer_only = '  exclusions {\n    customer_caused "客户原因" | "the Customer\'s acts"\n  }\n'
    assert _codes(text[:start] + customer_only + text[end:]) == set()
    assert "L110" in _codes(text[:start] + text[end:])


def _without(text: str, head: str) -> str:
    start = text.index(head)
    return text[:start] + text[text.index("\n  }\n", start) + 4 :]


def test_a_support_policy_may_follow_up_with_updates_instead_of_resolution():
    text = _without(_corpus("support/updates.sla"), "  resolution ")
    assert _codes(text) == set()  # its updates follow the first response
    _, ds = lint.lint_source(_without(text, "  updates "))
    (d,) = ds
    assert d.code == "L106" and d.severity == Severity.WARNING
    assert "neither resolution targets nor progress updates" in d.message
    assert "L106" in _codes(text, profile="commitment_letter")  # the letter needs resolution targets


def test_a_support_policys_priorities_are_defined():
    text = _corpus("support/triage.sla").replace(
        '  priority sev3 "三级" | "Severity 3" {\n    "次要功能问题" | "A problem with a minor function"\n  }',
        '  priority sev3 "三级" | "Severity 3"',
    )
    result, ds = lint.lint_source(text)
    assert result.contract is not None, [str(e) for e in result.errors]
    (d,) = ds
    assert d.code == "L105" and "sev3" in d.message and "no definition" in d.message
    assert "L105" not in _codes(text, profile="commitment_letter")  # the letter's rule is unchanged


def test_a_published_sla_whose_ladders_are_capped_needs_no_overall_cap():
    text = _corpus("sla/database.sla")
    assert "L108" not in _codes(text)
    assert "L108" in _codes(text, profile="commitment_letter")  # the source document wants an overall cap


def test_allowing_a_rule_the_profile_does_not_apply_is_not_unused():
    text = _corpus("sla/backup.sla").replace("  scope {", "  # slalang: allow L101\n  scope {", 1)
    assert _codes(text) == set()
