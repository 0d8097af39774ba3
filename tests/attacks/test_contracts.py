"""Hostile contract text (issue 14): the example contracts with control
characters, bidirectional overrides, escape sequences, huge numbers, long
names, deep nesting and emoji, Thai or Hangul inserted at random offsets, run
through `check`, `lint`, `fmt --check` and `diff` in-process. Whatever the
input: exit 0, 1 or 2 (never 3, never a traceback), nothing in stdout or
stderr a terminal would act on or that reorders what it shows, and every
caret line no wider than the source line it underlines."""

import contextlib
import io
import re
import signal
import tempfile
from pathlib import Path

import wcwidth
from hypothesis import given, settings
from hypothesis import strategies as st

from slalang.cli import main
from slalang.textsafe import BIDI_CONTROLS

ROOT = Path(__file__).resolve().parents[2]
TESTS = ROOT / "tests"
SOURCES = [
    (TESTS / "good_minimal.sla").read_text(encoding="utf-8"),
    (ROOT / "contracts" / "itops.sla").read_text(encoding="utf-8"),
    (ROOT / "contracts" / "sla" / "api.sla").read_text(encoding="utf-8"),
]

# ESC, CSI, OSC, BEL, C1 CSI, DEL, NUL-free C0, the separators, every bidi control.
RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029" + "".join(sorted(BIDI_CONTROLS)) + "]")

HOSTILE = [
    "\x1b[2J\x1b[Hchecked 1 file: 0 errors",
    "\x1b]0;owned\x07",
    "\x1b]8;;http://evil/\x1b\\link\x1b]8;;\x1b\\",
    "\x9b31m",
    "\x07",
    "\x7f",
    "\r",
    "\u2028",
    "\u202e",
    "\u2066",
    "\u200f",
    "\u200b",
    "\ufeff",
    "\u00ad",
    "\U000e0041",
    "\\u{202E}",
    "\\u{41}",
    "\\u{",
    "\\n",
    "\\",
    '"',
    "#",
    "{",
    "}",
    "{" * 300,
    "}" * 300,
    "{response.P0.business}",
    "{" + "a" * 5000 + "}",
    "9" * 5000,
    "9" * 5000 + "m",
    "9" * 5000 + "%",
    "x" * 5000,
    "P" + "0" * 3000,
    "👨\u200d👩\u200d👧",
    "👍🏽",
    "ที่นี่",
    "\u1112\u1161\u11ab",
    "한국어",
    "服务承诺",
    "e\u0301",
    "\t",
    "，",
    "\n",
]

fragment = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(
        alphabet=st.sampled_from(list('ab {}|"\\#:,.%-\n\t\x1b\u202e\u200b中👍') + ["\u0301", "\x9b"]),
        max_size=12,
    ),
)
# Where: a random offset, or just inside a string (after a `"`), a comment, a brace.
mutation = st.tuples(
    st.sampled_from(range(len(SOURCES))), st.lists(st.tuples(st.floats(0, 1), fragment), min_size=1, max_size=4)
)

WORK = Path(tempfile.mkdtemp(prefix="slalang-attack-contracts-"))
CARET = re.compile(r"^ +\| ( *)([\^-]+)$")


def mutate(case) -> str:
    which, edits = case
    text = SOURCES[which]
    for where, what in edits:
        at = int(where * len(text))
        text = text[:at] + what + text[at:]
    return text


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()

    def hang(*_):
        raise TimeoutError("unbounded work on a hostile contract")

    old = signal.signal(signal.SIGALRM, hang)
    signal.alarm(10)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            code = main([*argv, "--lang", "en"])
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
    return code, out.getvalue()


def check_output(code: int, text: str) -> None:
    assert code in (0, 1, 2), text[-2000:]
    assert "Traceback" not in text and "E9999" not in text, text[-2000:]
    bad = RAW.search(text)
    assert bad is None, f"raw {bad.group()!r} in output: {text[max(0, bad.start() - 200) : bad.start() + 50]!r}"
    lines = text.split("\n")
    for i, line in enumerate(lines):
        m = CARET.match(line)
        if m and i > 0 and " | " in lines[i - 1]:
            shown = lines[i - 1].split(" | ", 1)[1]
            assert len(m.group(1)) + len(m.group(2)) <= wcwidth.width(shown) + 2, (lines[i - 1], line)


def write(name: str, text: str) -> str:
    path = WORK / name
    path.write_text(text, encoding="utf-8")
    return str(path)


@settings(settings.get_profile("attacks"), max_examples=40)
@given(mutation)
def test_check_survives_hostile_text(case):
    check_output(*run("check", write("check.sla", mutate(case))))


@settings(settings.get_profile("attacks"), max_examples=40)
@given(mutation)
def test_check_json_survives_hostile_text(case):
    code, out = run("check", "--format", "json", write("json.sla", mutate(case)))
    check_output(code, out)


@settings(settings.get_profile("attacks"), max_examples=40)
@given(mutation)
def test_lint_survives_hostile_text(case):
    check_output(*run("lint", write("lint.sla", mutate(case))))


@settings(settings.get_profile("attacks"), max_examples=40)
@given(mutation)
def test_fmt_check_survives_hostile_text(case):
    path = write("fmt.sla", mutate(case))
    before = Path(path).read_bytes()
    check_output(*run("fmt", "--check", path))
    assert Path(path).read_bytes() == before  # --check writes nothing


@settings(settings.get_profile("attacks"), max_examples=40)
@given(mutation, st.sampled_from(["text", "markdown", "json"]))
def test_diff_survives_hostile_text(case, fmt):
    old = write("old.sla", SOURCES[case[0]])
    new = write("new.sla", mutate(case))
    check_output(*run("diff", old, new, "--format", fmt))


# Texts that compile, with what a contract may hold: `\n`, `\t` and declared
# bidirectional controls; the diff quotes them, escaped.
escapes = st.lists(
    st.sampled_from(
        ["\\n", "\\t", "\\u{202E}", "\\u{2066}", "- x", "| y |", "# z", "**", "`", "中", "👨\u200d👩\u200d👧"]
    ),
    min_size=1,
    max_size=6,
)


@settings(settings.get_profile("attacks"), max_examples=30)
@given(escapes, st.sampled_from(["text", "markdown", "json"]))
def test_diff_of_texts_with_declared_characters(parts, fmt):
    old_text = SOURCES[0]
    new_text = old_text.replace('"Service commitment"', '"Service' + "".join(parts) + '"').replace(
        'version "1.0.0"', 'version "1.1.0"'
    )
    code, out = run("diff", write("d_old.sla", old_text), write("d_new.sla", new_text), "--format", fmt)
    check_output(code, out)
    assert code == 0
    if fmt == "markdown":  # a text never starts a line of its own
        starts = ("###", "", "**", "🟢", "####", "- ", "  - ")
        assert all(line.startswith(starts) for line in out.splitlines()), out


# Values at and beyond every limit, put in place of the contract's own dates,
# durations, numbers, percentages and times: the front end refuses or
# accepts, never fails (the cadence of `every 1000000 months` once did).
_VALUE_SHAPES = {
    re.compile(r"\b\d{4}-\d{2}-\d{2}\b"): [
        "1900-01-01",
        "2200-12-31",
        "2199-12-31",
        "1899-12-31",
        "2201-01-01",
        "9999-12-31",
        "2028-02-29",
    ],
    re.compile(r"\b\d+(?:bd|bh|d|h|m)\b"): ["0m", "1m", "366d", "366bd", "999999m", "999999bd", "8784h", "1000000m"],
    re.compile(r"(?<![\w.])\d+(?:\.\d+)?(?![\w.%])"): [
        "0",
        "1",
        "100",
        "1200",
        "1201",
        "5200",
        "10000",
        "10001",
        "36600",
        "999999999999",
        "0.0000000001",
    ],
    re.compile(r"\b\d+(?:\.\d+)?%"): ["0%", "100%", "100.0000000001%", "999999999999%"],
    re.compile(r"\b\d{2}:\d{2}\b"): ["00:00", "24:00", "23:59"],
}
_EXAMPLES = [
    (TESTS / "good_minimal.sla").read_text(encoding="utf-8"),
    *(p.read_text(encoding="utf-8") for p in sorted((ROOT / "contracts").glob("*.sla"))),
]


@settings(settings.get_profile("attacks"), max_examples=60)
@given(st.data())
def test_values_at_and_beyond_the_limits_never_fail(data):
    from slalang.compiler import compile_text

    text = data.draw(st.sampled_from(_EXAMPLES))
    for _ in range(data.draw(st.integers(1, 4))):
        shape = data.draw(st.sampled_from(list(_VALUE_SHAPES)))
        found = list(shape.finditer(text))
        if not found:
            continue
        m = data.draw(st.sampled_from(found))
        text = text[: m.start()] + data.draw(st.sampled_from(_VALUE_SHAPES[shape])) + text[m.end() :]
    r = compile_text(text)
    assert not r.internal, [d.message for d in r.diagnostics if d.code == "E9999"]


@settings(settings.get_profile("attacks"), max_examples=40)
@given(st.data())
def test_a_contract_that_checks_builds_a_rule_file_that_loads(data):
    """`check` fails what `build` would fail: a contract with no errors, its
    values pushed to the limits, gives a rule file the loader accepts (a
    calendar date years outside the term once passed check and broke build)."""
    from slalang.compiler import compile_text
    from slalang.rules import rules_json
    from slalang.runtime.loader import loads_rules

    text = data.draw(st.sampled_from(_EXAMPLES))
    for _ in range(data.draw(st.integers(1, 3))):
        shape = data.draw(st.sampled_from(list(_VALUE_SHAPES)))
        found = list(shape.finditer(text))
        if found:
            m = data.draw(st.sampled_from(found))
            text = text[: m.start()] + data.draw(st.sampled_from(_VALUE_SHAPES[shape])) + text[m.end() :]
    r = compile_text(text)
    if r.contract is None or r.errors:
        return
    loads_rules(rules_json(r.contract, r.canonical_text))
