"""The language reference stays true: every diagnostic code, every keyword of
the grammar and every example contract construct is documented."""

import re

from conftest import ROOT

from slalang.diagnostics import CODES

DOC = (ROOT / "docs" / "language.md").read_text(encoding="utf-8")
GRAMMAR = (ROOT / "grammar" / "slalang.lark").read_text(encoding="utf-8")


def test_every_code_documented():
    missing = [code for code in CODES if f"| {code} |" not in DOC]
    assert not missing, f"docs/language.md lacks rows for {missing}"


def test_every_keyword_documented():
    keywords = set(re.findall(r'"([a-z_]{2,})"', GRAMMAR))
    missing = sorted(k for k in keywords if not re.search(rf"(?<![\w-]){k}(?![\w-])", DOC))
    assert not missing, f"docs/language.md never shows {missing}"


def test_units_documented():
    for unit in ("`m`", "`h`", "`d`", "`bh`", "`bd`"):
        assert f"| {unit} |" in DOC
