"""The kind of a contract (issue 12): written with `kind …`, else inferred
from its content; and `prevailing none` (both texts equally authentic)."""

from __future__ import annotations

import pytest
from conftest import ROOT

from slalang import semdiff
from slalang.compiler import compile_file, compile_text

MINI = (ROOT / "tests" / "good_minimal.sla").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "folder, kind",
    [("sla", "availability_sla"), ("support", "support_policy")],
)
def test_corpus_kinds_are_inferred(folder, kind):
    for path in sorted((ROOT / "contracts" / folder).glob("*.sla")):
        c = compile_file(path).contract
        assert c is not None and (c.kind, c.kind_written) == (kind, False), path.name


def test_the_examples_are_commitment_letters():
    for path in sorted((ROOT / "contracts").glob("*.sla")):
        c = compile_file(path).contract
        assert c is not None and c.kind == "commitment_letter", path.name


def test_a_written_kind_wins_over_the_content():
    c = compile_text(MINI.replace("  prevailing zh\n", "  prevailing zh\n  kind support_policy\n")).contract
    assert c is not None and (c.kind, c.kind_written) == ("support_policy", True)


def test_an_unknown_kind_is_a_syntax_error_naming_the_kinds():
    r = compile_text(MINI.replace("  prevailing zh\n", "  prevailing zh\n  kind brochure\n"))
    assert r.contract is None
    [d] = [d for d in r.diagnostics if d.is_error]
    assert d.code == "E0102" and "support_policy" in d.message and "availability_sla" in d.message


def test_prevailing_none_means_both_texts_are_authentic():
    c = compile_text(MINI.replace("  prevailing zh\n", "  prevailing none\n")).contract
    assert c is not None and c.prevailing is None


def test_the_diff_names_kinds_and_no_prevailing_language_in_words():
    a = compile_text(MINI).contract
    b = compile_text(MINI.replace("  prevailing zh\n", "  prevailing none\n  kind support_policy\n")).contract
    assert a is not None and b is not None
    found = {c.path: c for c in semdiff.diff(a, b).changes}
    assert found["contract.kind"].direction == "neutral"
    assert found["contract.prevailing"].direction == "unclear"
    text = semdiff.render_text(semdiff.diff(a, b), "en")
    assert "commitment letter → support policy" in text
    assert "none (both texts equally authentic)" in text
