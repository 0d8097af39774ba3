"""Hostile contract text (issue 14): bidirectional and control characters are
refused at their line:col, carets sit under the right word whatever the
script, contract text reaches the terminal escaped (check, lint, diff text,
Markdown and JSON), and the front end's work on long inputs is bounded."""

import json
import re
import signal

import pytest
import wcwidth
from conftest import TESTS

from slalang import diagnostics, syntax
from slalang.cli import main
from slalang.compiler import MAX_BYTES, compile_text, decode
from slalang.diagnostics import did_you_mean, render_text
from slalang.fmt import format_text
from slalang.textsafe import BIDI_CONTROLS

MINIMAL = (TESTS / "good_minimal.sla").read_text(encoding="utf-8")
PROVIDER = '  provider "示例公司" | "Example Co."'
assert PROVIDER in MINIMAL

# What a terminal would act on, or what reorders what it shows.
RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029" + "".join(sorted(BIDI_CONTROLS)) + "]")


@pytest.fixture(autouse=True)
def hang_guard():
    """No test here may hang: the bounded work is the point (SIGALRM after 10 s)."""

    def stop(*_):
        raise TimeoutError("unbounded work")

    old = signal.signal(signal.SIGALRM, stop)
    signal.alarm(10)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, old)


def codes(text: str) -> list[str]:
    return [d.code for d in compile_text(text).diagnostics]


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


# ---------------------------------------------------------------- characters


def test_right_to_left_override_in_a_text_is_refused_with_its_escape_as_the_way_out():
    text = MINIMAL.replace(PROVIDER, '  provider "示例公司" | "Example \u202eCo."')
    r = compile_text(text)
    (d,) = r.diagnostics
    assert d.code == "E0006" and r.contract is None
    line, shown = next((n, t) for n, t in enumerate(text.splitlines(), 1) if "\u202e" in t)
    assert d.position()[:2] == (line, shown.index("\u202e") + 1)
    assert "U+202E RIGHT-TO-LEFT OVERRIDE" in d.message and "display differently" in d.message
    assert "`\\u{202E}`" in d.hint
    assert "U+202E" in d.message_in("zh") and "`\\u{202E}`" in d.hint_in("zh")


@pytest.mark.parametrize("ch", sorted(BIDI_CONTROLS))
def test_every_bidirectional_control_is_refused_in_texts_and_comments(ch):
    in_text = MINIMAL.replace(PROVIDER, f'  provider "示例{ch}公司" | "Example Co."')
    in_comment = MINIMAL.replace(PROVIDER, f"{PROVIDER}  # {ch} note")
    between = MINIMAL.replace(PROVIDER, f"{PROVIDER} {ch}")
    for text in (in_text, in_comment, between):
        assert codes(text) == ["E0006"], repr(ch)
    (d,) = compile_text(in_comment).diagnostics
    assert "\\u{" not in d.hint  # outside a text the escape means nothing


@pytest.mark.parametrize(
    "ch", ["\x1b", "\x07", "\x08", "\x0b", "\x0c", "\x7f", "\x85", "\x9b", "\u2028", "\u2029", "\r", "\ufffe", "\ufdd0"]
)
def test_control_characters_are_refused(ch):
    text = MINIMAL.replace(PROVIDER, f'  provider "示例公司" | "Example{ch}Co."')
    r = compile_text(text)
    assert [d.code for d in r.diagnostics] == ["E0007"], repr(ch)
    assert f"U+{ord(ch):04X}" in r.diagnostics[0].message


def test_tab_and_crlf_are_fine():
    assert codes(MINIMAL.replace(PROVIDER, '  provider\t"示例公司" | "Example\tCo."')) == []
    assert codes(MINIMAL.replace("\n", "\r\n")) == []


def test_zero_width_characters_warn_in_a_text_but_joiners_are_fine():
    zwsp = MINIMAL.replace(PROVIDER, '  provider "示例\u200b公司" | "Example Co."')
    r = compile_text(zwsp)
    assert [d.code for d in r.diagnostics] == ["W0008"] and r.contract is not None
    assert "U+200B ZERO WIDTH SPACE" in r.diagnostics[0].message
    family = MINIMAL.replace(
        PROVIDER,
        '  provider "示例公司 👨\u200d👩\u200d👧" | "Example Co. \u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"',
    )
    assert codes(family) == []


def test_a_format_character_between_words_is_reported_once():
    text = MINIMAL.replace(PROVIDER, f"{PROVIDER} \u200b")
    assert codes(text) == ["E0101"]


def test_many_hostile_characters_are_reported_bounded():
    text = MINIMAL.replace(PROVIDER, '  provider "示例公司" | "' + "\x1b" * 100_000 + '"')
    assert codes(text) == ["E0007"] * syntax._MAX_HOSTILE


def test_a_declared_bidirectional_control_compiles_and_fmt_keeps_the_escape():
    text = MINIMAL.replace(PROVIDER, '  provider "示例公司" | "Example \\u{202e}Co."')
    r = compile_text(text)
    assert r.errors == 0 and r.contract is not None
    assert r.contract.provider.name["en"] == "Example \u202eCo."
    out = format_text(text)
    assert '"Example \\u{202E}Co."' in out and "\u202e" not in out
    assert format_text(out) == out


@pytest.mark.parametrize(
    ("escape", "key"),
    [
        ("\\u{41}", "unicode_only_bidi"),
        ("\\u{110000}", "unicode_only_bidi"),
        ("\\u202E", "unicode_shape"),
        ("\\u{}", "unicode_shape"),
    ],
)
def test_the_unicode_escape_is_only_for_bidirectional_controls(escape, key):
    r = compile_text(MINIMAL.replace(PROVIDER, f'  provider "示例公司" | "Example {escape}Co."'))
    assert [d.code for d in r.diagnostics] == ["E0105"]
    assert r.diagnostics[0].text.key == f"diag.E0105.{key}"


def test_a_file_of_hostile_bytes_is_checked_by_the_cli(tmp_path, capsys):
    """The issue's case: a contract whose text cleared the screen and printed a
    fake "0 errors"."""
    fake = "\x1b[2J\x1b[H\x1b]0;owned\x07checked 1 file: 0 errors, 0 warnings\x1b[8m"
    f = tmp_path / "fake.sla"
    f.write_text(MINIMAL.replace(PROVIDER, f'  provider "示例公司" | "{fake}"'), encoding="utf-8")
    for cmd in ("check", "lint"):
        for lang in ("en", "zh"):
            code, out, err = run(capsys, cmd, str(f), "--lang", lang)
            assert code == 1 and not RAW.search(out + err), (cmd, lang)
            assert "\\x1b[2J" in out and "E0007" in out
        code, out, err = run(capsys, cmd, str(f), "--format", "json")
        assert code == 1 and not RAW.search(out + err)
        assert {d["code"] for d in json.loads(out)["diagnostics"]} == {"E0007"}
    good = tmp_path / "good.sla"
    good.write_text(MINIMAL, encoding="utf-8")
    for fmt in ("text", "markdown", "json"):
        code, out, err = run(capsys, "diff", str(good), str(f), "--format", fmt, "--lang", "en")
        assert code == 1 and not RAW.search(out + err), fmt
        assert "E0007" in out + err


def test_a_file_name_with_an_escape_sequence_is_printed_escaped(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    name = "x\x1b[31m\u202e.sla"
    (tmp_path / name).write_text(MINIMAL.replace(PROVIDER, f"{PROVIDER} oops"), encoding="utf-8")
    code, out, err = run(capsys, "check", name, "--lang", "en")
    assert code == 1 and not RAW.search(out) and "x\\x1b[31m\\u202e.sla:" in out


# ---------------------------------------------------------------- carets


def caret_lines(text: str) -> tuple[str, str, str]:
    (d,) = [d for d in compile_text(text).diagnostics if d.code == "E0102"]
    head, src, under = render_text(d).splitlines()[:3]
    return head, src, under


SCRIPTS = {
    "emoji_zwj": "👨\u200d👩\u200d👧 👍🏽",
    "thai": "ที่นี่ น้ำ",
    "hangul_jamo": "\u1112\u1161\u11ab\u1100\u1173\u11af",
    "hangul": "한국어",
    "cjk": "服务承诺",
    "combining": "e\u0301 a\u0308 n\u0303",
    "tab": "a\tb\t\tc",
    "fullwidth": "ＡＢＣ１２",
}


@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_the_caret_is_under_the_word_after_any_script(name):
    s = SCRIPTS[name]
    text = MINIMAL.replace(PROVIDER, f'  provider "{s}" | "{s}" oops')
    head, src, under = caret_lines(text)
    gutter = src.index("| ") + 2
    shown = src[gutter:]
    assert "\t" not in shown
    cells_before = wcwidth.width(shown[: shown.index("oops")])
    assert under[gutter:] == " " * cells_before + "^^^^", (name, src, under)
    # the column is in characters (code points), as editors and LSP count them
    line = text.splitlines()[int(head.split(":")[1]) - 1]
    assert int(head.split(":")[2]) == line.index("oops") + 1


def test_the_caret_counts_an_emoji_family_as_two_cells():
    head, src, under = caret_lines(MINIMAL.replace(PROVIDER, '  provider "👨\u200d👩\u200d👧" | "x" oops'))
    # `  provider "` is 12 cells, the family 2, `" | "x" ` 8
    assert under.index("^") - under.index("| ") - 2 == 12 + 2 + 8


def test_the_caret_moves_by_an_escape_it_shows():
    text = MINIMAL.replace(PROVIDER, '  provider "示例公司" | "Example Co." # \u202e\n  oops')
    r = compile_text(text)
    (d,) = r.diagnostics
    _, src, under = render_text(d).splitlines()[:3]
    assert "\\u202e" in src and under.count("^") == 6
    assert under.index("^") == wcwidth.width(src[: src.index("\\u202e")])  # 示例公司 take 8 cells


def test_a_very_long_line_is_shown_as_a_window_with_the_caret_under_the_word():
    text = MINIMAL.replace(PROVIDER, '  provider "' + "中" * 500_000 + '" | "x" oops')
    head, src, under = caret_lines(text)
    assert len(src) < 300 and "oops" in src
    gutter = src.index("| ") + 2
    assert under[gutter:] == " " * wcwidth.width(src[gutter : src.index("oops")]) + "^^^^"


# ---------------------------------------------------------------- bounded work


def test_did_you_mean_does_no_work_for_a_long_name(monkeypatch):
    calls = []
    real = diagnostics._distance
    monkeypatch.setattr(diagnostics, "_distance", lambda a, b, limit=None: calls.append(len(a)) or real(a, b, limit))
    import zoneinfo

    zones = sorted(zoneinfo.available_timezones())
    assert did_you_mean("Europe/Berlim", zones) == "Europe/Berlin"
    calls.clear()
    assert did_you_mean("Asia/" + "x" * 21_000, zones) is None
    assert did_you_mean("x" * (diagnostics.SUGGEST_MAX_NAME + 1), ["x" * 65]) is None
    assert calls == []


def test_did_you_mean_stops_a_distance_early():
    assert diagnostics._distance("abcdefgh", "zyxwvuts", 2) == 3
    assert diagnostics._distance("abcdefgh", "abcdefhg", 2) == 1
    assert diagnostics._distance("kitten", "sitting") == 3
    assert did_you_mean("respons", ["response", "resolution"]) == "response"


def test_did_you_mean_looks_at_a_bounded_number_of_candidates(monkeypatch):
    monkeypatch.setattr(diagnostics, "SUGGEST_MAX_CANDIDATES", 3)
    assert did_you_mean("abcd", ["zzzz", "yyyy", "xxxx", "abce"]) is None


def test_a_21_kb_time_zone_and_a_180_kb_reference_are_quick_and_quoted_short(monkeypatch):
    seen = []
    real = diagnostics._distance
    monkeypatch.setattr(diagnostics, "_distance", lambda a, b, limit=None: seen.append(len(a)) or real(a, b, limit))
    tz = MINIMAL.replace('"Asia/Shanghai"', '"Asia/' + "x" * 21_000 + '"')
    assert codes(tz) == ["E0602"]
    ref = MINIMAL.replace('"P0 须在', '"{' + "a" * 180_000 + "} P0 须在")
    r = compile_text(ref)
    assert [d.code for d in r.diagnostics] == ["E0701"]
    assert len(render_text(r.diagnostics[0])) < 1000
    assert all(n <= diagnostics.SUGGEST_MAX_NAME for n in seen)


@pytest.mark.parametrize(
    ("old", "new", "code"),
    [
        ("15m", "9" * 5000 + "m", "E0107"),
        ("1000.00", "9" * 5000, "E0108"),
        ("99.9%", "9" * 5000 + "%", "E0108"),
        ("6 months", "9" * 5000 + " months", "E0108"),
    ],
)
def test_numbers_beyond_pythons_digit_limit_are_diagnostics(old, new, code):
    assert old in MINIMAL
    r = compile_text(MINIMAL.replace(old, new, 1))
    assert code in [d.code for d in r.diagnostics] and not r.internal
    assert all(len(render_text(d)) < 1000 for d in r.diagnostics)


def test_a_long_name_is_quoted_short_in_every_message():
    r = compile_text(MINIMAL.replace("P0 ", "P" + "0" * 100_000 + " ", 1))
    assert r.diagnostics and not r.internal
    assert all(len(render_text(d)) < 1000 for d in r.diagnostics)


def test_many_syntax_errors_in_a_large_file_reparse_within_a_budget(monkeypatch):
    bad = "".join(f"  bogus{n} here\n" for n in range(20))
    text = MINIMAL[: MINIMAL.rindex("}")] + bad + "}\n"
    assert codes(text) == ["E0102"] * 20
    monkeypatch.setattr(syntax, "_REPARSE_BUDGET", 5 * len(text))
    assert codes(text) == ["E0102"] * 6  # the first, and 5 more by parsing again


def test_a_file_over_4_mib_is_refused():
    assert MAX_BYTES == 4 * 1024 * 1024
    source, diags = decode("big.sla", b"# " + b"x" * MAX_BYTES)
    assert source is None and [d.code for d in diags] == ["E0004"]
    source, diags = decode("ok.sla", MINIMAL.encode() + b"#" * (MAX_BYTES - len(MINIMAL.encode())))
    assert source is not None and diags == []


def test_a_contract_id_must_fit_a_file_name():
    assert codes(MINIMAL.replace('contract "mini"', 'contract "' + "a" * 100 + '"')) == []
    r = compile_text(MINIMAL.replace('contract "mini"', 'contract "' + "a" * 101 + '"'))
    assert [d.code for d in r.diagnostics] == ["E0205"] and "101" in r.diagnostics[0].message
    assert codes(MINIMAL.replace('contract "mini"', 'contract "../etc"')) == ["E0205"]


# ---------------------------------------------------------------- diff


def two_versions(tmp_path, old_title: str, new_title: str):
    old = MINIMAL.replace('"Service commitment"', f'"{old_title}"')
    new = MINIMAL.replace('"Service commitment"', f'"{new_title}"').replace('version "1.0.0"', 'version "1.1.0"')
    a, b = tmp_path / "a.sla", tmp_path / "b.sla"
    a.write_text(old, encoding="utf-8")
    b.write_text(new, encoding="utf-8")
    assert compile_text(old).errors == 0 and compile_text(new).errors == 0
    return str(a), str(b)


def test_diff_prints_no_raw_control_and_no_forged_line(tmp_path, capsys):
    a, b = two_versions(tmp_path, "Service commitment", "Service\\n- Credits: unchanged\\n\\u{202E}txet desrever")
    for fmt in ("text", "markdown"):
        for lang in ("en", "zh"):
            code, out, err = run(capsys, "diff", a, b, "--format", fmt, "--lang", lang)
            assert code == 0, err
            assert not RAW.search(out + err), (fmt, lang)
            assert not any(line.lstrip().startswith("- Credits") for line in out.splitlines()), (fmt, out)
            assert "\\x0a" in out or "\\\\x0a" in out
    code, out, err = run(capsys, "diff", a, b, "--format", "json")
    assert code == 0 and not RAW.search(out)
    assert "Service\n- Credits: unchanged\n\u202etxet desrever" in strings(json.loads(out))  # the value, intact


def strings(doc) -> set[str]:
    if isinstance(doc, dict):
        return set().union(*(strings(v) for v in doc.values()))
    if isinstance(doc, list):
        return set().union(*(strings(v) for v in doc))
    return {doc} if isinstance(doc, str) else set()


def test_markdown_diff_escapes_markup_in_contract_words(tmp_path, capsys):
    a, b = two_versions(tmp_path, "Service commitment", "| forged | row |")
    code, out, _ = run(capsys, "diff", a, b, "--format", "markdown", "--lang", "en")
    assert code == 0
    assert not any(line.startswith("|") for line in out.splitlines())
    assert "\\| forged \\| row \\|" in out


def test_lint_quotes_contract_words_escaped(tmp_path, capsys):
    """Texts may hold a newline (`\\n`) or a declared bidirectional control;
    a lint finding that quotes them shows them escaped."""
    f = tmp_path / "l.sla"
    f.write_text(
        MINIMAL.replace(PROVIDER, '  provider "示例公司\\n\\u{202E}" | "Example Co. as soon as possible\\n\\u{202E}"'),
        encoding="utf-8",
    )
    for lang in ("en", "zh"):
        code, out, err = run(capsys, "lint", str(f), "--lang", lang)
        assert code in (0, 1) and not RAW.search(out + err)
    code, out, err = run(capsys, "lint", str(f), "--format", "json")
    assert not RAW.search(out) and json.loads(out)["diagnostics"] is not None


def test_lint_of_a_long_text_with_many_vague_words_is_linear(tmp_path, capsys):
    """Each vague word used to rescan its whole text (88 s for 1,000 of them
    in a 55 KB title); now the breaks and words of a text are found once and a
    clause is read at most 400 characters either side (hang guard: 10 s)."""
    words = " ".join(["P1 within 4 hours as soon as possible 99.9% 30 minutes"] * 1000)
    f = tmp_path / "vague.sla"
    f.write_text(MINIMAL.replace('"Service commitment"', f'"{words}"'), encoding="utf-8")
    code, out, err = run(capsys, "lint", str(f), "--lang", "en")
    assert code == 1 and "L201" in out and int(re.search(r"(\d+) errors", err).group(1)) >= 1000


@pytest.mark.parametrize("end", ["9999-12-31", "2201-01-01"])
def test_a_date_beyond_the_years_a_rule_file_holds_is_a_diagnostic_not_a_crash(end):
    r = compile_text(MINIMAL.replace("to 2026-12-31", f"to {end}", 1))
    assert [d.code for d in r.diagnostics] == ["E0106"] and not r.internal


def test_a_long_list_in_a_message_is_cut():
    r = compile_text(MINIMAL.replace("2026-01-01 to 2026-12-31", "1900-01-01 to 1999-12-31", 1))
    (d,) = r.diagnostics
    assert d.code == "E0604" and "1918, …" in d.message and "1999" not in d.message


def test_check_refuses_the_spans_a_rule_file_refuses():
    """`check` fails what `build` would fail: the limits agree with the rule schema."""
    from slalang import ruleschema
    from slalang.lower import declarations, values

    assert declarations.MAX_TERM_DAYS == ruleschema.MAX_SPAN_DAYS
    assert max(values.MAX_SPAN.values()) <= ruleschema.MAX_COUNT
    r = compile_text(MINIMAL.replace("2026-01-01 to 2026-12-31", "2026-01-01 to 2200-12-31", 1))
    assert [d.code for d in r.diagnostics] == ["E0601"]
    assert codes(MINIMAL.replace("retention 6 months", "retention 9000 years")) == ["E0108"]
    assert codes(MINIMAL.replace("retention 6 months", "retention 1200 months")) == []


@pytest.mark.parametrize(("count", "unit"), [(100, "years"), (1200, "months"), (5200, "weeks"), (10000, "days")])
def test_the_longest_duty_cadence_at_the_end_of_the_years_is_computed(count, unit):
    text = MINIMAL.replace("2026-01-01 to 2026-12-31", "2101-01-01 to 2200-12-31", 1).replace("    holidays cn\n", "")
    text = text[: text.rindex("}")] + f'  duty drill "演练" | "Drill" every {count} {unit}\n}}\n'
    r = compile_text(text)
    assert not r.internal and r.errors == 0, [d.message for d in r.diagnostics]
    assert "E0108" in codes(text.replace(f"every {count} ", f"every {count + 1} "))


def test_a_calendar_date_years_outside_the_term_warns_and_still_builds():
    """W0608 (outside the effective period) used to pass check and fail build
    with an internal error: a date in a year the calendar does not cover is
    left out of the model (it can change nothing)."""
    from slalang.rules import rules_json
    from slalang.runtime.loader import loads_rules

    r = compile_text((TESTS / "bad" / "calendar_date_outside_period.sla").read_text(encoding="utf-8"))
    assert [d.code for d in r.diagnostics] == ["W0608"] and r.contract is not None
    assert all(h.date.year == 2026 for c in r.contract.calendars for h in c.extra_holidays)
    assert loads_rules(rules_json(r.contract, r.canonical_text)).contract.id == "mini"


@pytest.mark.parametrize(
    ("span", "caret"),
    [((0, 1), "^"), ((2, 3), "  ^^"), ((3, 3), "    ^"), ((4, 4), "^"), ((5, 6), "^"), ((6, 7), "^"), ((7, 8), " ^")],
)
def test_caret_edge_cases(span, caret):
    """After the end of a line, on an empty line, on a combining mark (its
    cluster is underlined), after a combining mark."""
    from slalang.diagnostics import _excerpt
    from slalang.source import SourceFile, Span

    src = SourceFile("x.sla", "ab中\n\ne\u0301x")
    assert _excerpt(src, Span(*span), "^")[1].split("| ", 1)[1] == caret


def test_a_million_bad_escapes_are_reported_by_their_first_thousand():
    r = compile_text(MINIMAL.replace('"Example Co."', '"' + "\\q" * 1_000_000 + '"'))
    assert [d.code for d in r.diagnostics] == ["E0105"] * syntax._MAX_LITERAL_DIAGS


def test_word_diff_of_two_long_texts_is_bounded_and_still_exact(monkeypatch):
    """Two 8,000-word texts took 20 s in SequenceMatcher (quadratic): past
    MAX_WORD_PAIRS the common beginning and end are kept and the middle is one
    change — and the segments still spell out both texts exactly."""
    from slalang.semdiff import words

    def refused(*a, **k):
        raise AssertionError("SequenceMatcher called on texts past the bound")

    a = " ".join(f"w{i}" for i in range(8000))
    b = a.replace("w4000 ", "CHANGED ").replace("w10 ", "x ")
    monkeypatch.setattr(words.difflib, "SequenceMatcher", refused)
    out = words.word_diff(a, b)
    assert "".join(t for op, t in out if op != "insert") == a
    assert "".join(t for op, t in out if op != "delete") == b
    assert out[0] == ("equal", " ".join(f"w{i}" for i in range(10)) + " ")
    monkeypatch.undo()
    assert words.word_diff("a b c", "a x c") == [("equal", "a "), ("delete", "b"), ("insert", "x"), ("equal", " c")]
