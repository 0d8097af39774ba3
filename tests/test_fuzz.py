"""No input, however mangled, makes the front end raise: every run ends in
diagnostics (or a contract), never an exception or an internal error."""

import random

from conftest import CONTRACTS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from slalang.compiler import compile_source, compile_text, decode

SOURCES = [p.read_text(encoding="utf-8") for p in CONTRACTS]
TOKENS = [src.split() for src in SOURCES]
JUNK = [
    "{",
    "}",
    "|",
    '"',
    "-",
    "..",
    ":",
    ",",
    "%",
    "0m",
    "99.9%",
    "2026-13-45",
    "24:01",
    "\\",
    "{x",
    "P9",
    "response",
    "clock",
    "columns",
    "credit",
    "on",
    "below",
    "per",
    "中文",
    "\x00",
    "\ufeff",
    "\u200b",
]


def mutate(tokens: list[str], ops: list[tuple[int, int, int]], seed: int) -> str:
    toks = list(tokens)
    rnd = random.Random(seed)
    for op, i, j in ops:
        if not toks:
            break
        i %= len(toks)
        j %= len(toks)
        if op == 0:
            del toks[i]
        elif op == 1:
            toks.insert(j, toks[i])
        elif op == 2:
            toks[i], toks[j] = toks[j], toks[i]
        elif op == 3:
            toks[i] = toks[i][: max(0, len(toks[i]) // 2)]
        elif op == 4:
            toks.insert(i, rnd.choice(JUNK))
        else:
            toks = toks[:i]
    return " ".join(toks)


def assert_no_crash(result):
    assert all(d.code != "E9999" for d in result.diagnostics), [d.message for d in result.diagnostics]
    if result.contract is None:
        assert any(d.is_error for d in result.diagnostics)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    which=st.integers(0, len(SOURCES) - 1),
    ops=st.lists(st.tuples(st.integers(0, 5), st.integers(0, 10**6), st.integers(0, 10**6)), min_size=1, max_size=6),
    seed=st.integers(0, 2**32),
)
def test_token_mutations(which, ops, seed):
    assert_no_crash(compile_text(mutate(TOKENS[which], ops, seed), "m.sla"))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    which=st.integers(0, len(SOURCES) - 1),
    pos=st.integers(0, 10**6),
    junk=st.binary(min_size=1, max_size=12),
    cut=st.booleans(),
)
def test_byte_injection(which, pos, junk, cut):
    data = SOURCES[which].encode("utf-8")
    pos %= len(data)
    data = data[:pos] + junk + (b"" if cut else data[pos:])
    source, diags = decode("b.sla", data)
    if diags:
        assert all(d.code != "E9999" for d in diags)
        return
    contract, diags = compile_source(source)
    assert all(d.code != "E9999" for d in diags)


@settings(max_examples=60, deadline=None)
@given(text=st.text(max_size=300))
def test_arbitrary_text(text):
    assert_no_crash(compile_text(text, "t.sla"))
