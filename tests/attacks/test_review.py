"""What an adversarial review of issue 14 still broke, each now a test:
a rule file's contract id reaching a calendar UID raw, a contract read whole
from a stream (`/dev/zero`), textconv printing contract text raw."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import ROOT

from slalang.ruleschema import checksum_of

RULES = ROOT / "tests" / "golden" / "rules" / "example-itops.rules.json"
EVIDENCE = ROOT / "tests" / "data" / "duties" / "itops-2026.csv"


def _slalang(*args: str, stdin=None, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "slalang", *args], capture_output=True, stdin=stdin, timeout=timeout, cwd=ROOT
    )


def test_a_rule_file_id_slalang_would_never_write_is_refused(tmp_path):
    """The id reaches file names, calendar UIDs and terminals: the loader
    holds it to what the compiler allows (an ESC/OSC/bidi id printed raw in
    `duties --format ics`)."""
    doc = json.loads(RULES.read_text(encoding="utf-8"))
    for bad in ("\x1b]0;x\x07\u202eX", "../../etc/x", "A" * 101, ""):
        doc["contract"]["id"] = bad
        doc["checksum"] = checksum_of(doc)
        path = tmp_path / "bad.rules.json"
        path.write_text(json.dumps(doc), encoding="utf-8")
        for lang in ("en", "zh"):
            r = _slalang(
                "duties",
                str(path),
                "--evidence",
                str(EVIDENCE),
                "--at",
                "2026-07-01",
                "--format",
                "ics",
                "--lang",
                lang,
            )
            assert r.returncode == 1, r.stderr
            assert b"contract.id" in r.stderr and b"\x1b" not in r.stdout + r.stderr


def test_contracts_are_read_bounded_from_streams():
    """fmt -, diff and check read at most the contract limit (4 MiB) from a
    device or a pipe: /dev/zero took 4–5 GB of memory."""
    with open("/dev/zero", "rb") as zero:
        r = _slalang("fmt", "-", "--lang", "en", stdin=zero)
    assert r.returncode == 1 and b"E0004" in r.stderr
    r = _slalang("diff", "/dev/zero", "tests/good_minimal.sla", "--lang", "en")
    assert r.returncode == 2 and b"more than 4096 KiB were read" in r.stderr


def test_textconv_escapes_what_git_diff_shows_the_reviewer(tmp_path):
    src = tmp_path / "x.sla"
    src.write_bytes('contract "x" {\n\ttitle "a\x1b[2J\u202e b\u200b"\n'.encode())  # does not parse: printed as it is
    r = _slalang("textconv", str(src))
    assert r.returncode == 0
    assert r.stdout == b'contract "x" {\n\ttitle "a\\x1b[2J\\u202e b\\u200b"\n'  # escaped, tab and newlines kept


def test_textconv_streams_a_file_too_large_to_be_a_contract(tmp_path):
    big = tmp_path / "big.sla"
    big.write_bytes(b"x" * (5 * 1024 * 1024) + b"\x1b\n")
    r = _slalang("textconv", str(big))
    assert r.returncode == 0 and len(r.stdout) == 5 * 1024 * 1024 + len(b"\\x1b\n")
    assert r.stdout.endswith(b"\\x1b\n")


def test_markdown_diff_makes_no_link_and_no_entity_from_contract_text(tmp_path):
    """GitHub links `https://…` and `www.…` without markup and decodes
    `&#x202E;` into a real right-to-left override: the Markdown diff breaks
    each (its own words stay readable)."""
    from slalang.textsafe import md_text

    a = (ROOT / "tests" / "good_minimal.sla").read_text(encoding="utf-8")
    hostile = "https://evil.example/x www.evil.example &#x202E;x&#x202C; mail a@evil.example"
    b = a.replace('"Cloud hosting"', f'"Cloud {hostile}"')
    (tmp_path / "a.sla").write_text(a, encoding="utf-8")
    (tmp_path / "b.sla").write_text(b, encoding="utf-8")
    r = _slalang("diff", str(tmp_path / "a.sla"), str(tmp_path / "b.sla"), "--format", "markdown", "--lang", "en")
    out = r.stdout.decode()
    assert r.returncode == 0 and "evil" in out
    import re

    for raw in ("https://", "www.evil", "&#x202E;", "a@evil"):
        assert not re.search(r"(?<!\\)" + re.escape(raw), out), raw  # only ever backslashed
    assert r"https\://evil.example/x www\.evil.example \&#x202E;x\&#x202C; mail a\@evil.example" in out
    assert md_text("99.9% (P0): 4 h") == "99.9% (P0): 4 h"  # our own words stay as they are


def test_a_lone_surrogate_in_a_rule_file_is_refused_not_a_crash(tmp_path):
    """`"\\ud800"` in a JSON rule file crashed eval and duties (exit 3) while
    the checksum was computed: there is no UTF-8 for half a character."""
    text = RULES.read_text(encoding="utf-8").replace('"Critical"', '"\\ud800"', 1)
    path = tmp_path / "surrogate.rules.json"
    path.write_text(text, encoding="utf-8")
    for cmd in (
        ["eval", str(path), str(ROOT / "tests" / "data" / "example-itops.tickets.csv")],
        ["duties", str(path), "--evidence", str(EVIDENCE), "--at", "2026-07-01"],
    ):
        for lang in ("en", "zh"):
            r = _slalang(*cmd, "--lang", lang)
            assert r.returncode == 1, r.stderr
            assert b"surrogate" in r.stderr or "孤立代理项".encode() in r.stderr
