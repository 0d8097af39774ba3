"""Hostile letters against `slalang extract-rules` (issue 14, deliverable 1
and the PDF bounds of 2).

The two forgeries of the issue, each a named test: the itops rules edited
(P0 response 15m → 4h, every credit cap 0 %) with the rule file's checksum
and the PDF's MD5 recomputed, and the logistics rules swapped into the itops
letter. Both passed as "verified" before; now both are refused (exit 1): the
attached rules are not the compilation of the attached source. A forger who
also replaces the source gets "consistent" and the warning that the letter
is not signed — never "verified" (test_signing.py covers what a signature
adds). Then the bounds: a name tree that lists itself, two nodes listing
each other, a tree too wide, an attachment that inflates past 16 MiB, a
letter without its source; and a property: any graph of name-tree nodes
ends in a clear error or a result, never a hang or a traceback.

The letter is built once per module (~2 s); every case after that is pypdf
edits in memory."""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pypdf = pytest.importorskip("pypdf")
from pypdf.generic import (  # noqa: E402
    ArrayObject,
    ByteStringObject,
    DecodedStreamObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    TextStringObject,
)

from slalang.letter.extract import LetterFileError, extract_rules  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def letters(tmp_path_factory):
    """The itops letter (unsigned) and the logistics rules, built once."""
    out = tmp_path_factory.mktemp("letters")
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "slalang",
            "build",
            "contracts/itops.sla",
            "contracts/logistics.sla",
            "-o",
            str(out),
            "--only",
            "rules,pdf",
            "-j",
            "2",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    return out


def _names(writer) -> ArrayObject:
    return writer._root_object["/Names"]["/EmbeddedFiles"]["/Names"]


def with_attachment(pdf: bytes, name: str, data: bytes) -> bytes:
    """`pdf` with the attachment `name` replaced by `data`, its MD5 and size
    recomputed as a careful forger would."""
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(pdf)))
    names = _names(writer)
    for i in range(0, len(names), 2):
        if names[i] == name:
            stream = names[i + 1].get_object()["/EF"]["/F"].get_object()
            stream.set_data(data)
            params = stream["/Params"]
            params[NameObject("/CheckSum")] = ByteStringObject(hashlib.md5(data).digest())
            params[NameObject("/Size")] = NumberObject(len(data))
            break
    else:
        raise AssertionError(f"no attachment {name}")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def forged_itops_rules(rules: bytes) -> bytes:
    """The issue's forgery: P0 response 15m → 4h, every credit cap 0 %, the
    rule file's own checksum recomputed (so the runtime loader accepts it)."""
    from slalang.rules import dumps_json
    from slalang.ruleschema import checksum_of

    doc = json.loads(rules)
    for target in doc["targets"]:
        if target["metric"] == "response" and target["priority"] == "P0":
            target["seconds"], target["spelling"] = 4 * 3600, "4h"
    for ladder in doc["credit_ladders"]:
        if ladder["cap"] is not None:
            ladder["cap"]["percent"] = "0"
    if doc["credit_policy"]["cap"] is not None:
        doc["credit_policy"]["cap"]["percent"] = "0"
    doc["checksum"] = checksum_of(doc)
    return dumps_json(doc)


def refused(data: bytes, *needles: str) -> str:
    with pytest.raises(LetterFileError) as caught:
        extract_rules(data, "letter.pdf")
    from slalang.i18n import render

    text = render(caught.value.message, "en")
    for needle in needles:
        assert needle in text, text
    return text


def test_issue_forgery_edited_rules_with_recomputed_checksums_is_refused(letters):
    from slalang.runtime import loads_rules

    pdf = (letters / "example-itops.pdf").read_bytes()
    rules = (letters / "example-itops.rules.json").read_bytes()
    forged = forged_itops_rules(rules)
    loads_rules(forged)  # the rule file alone is "valid": its checksum proves nothing against a forger
    text = refused(
        with_attachment(pdf, "example-itops.rules.json", forged),
        "not the compilation of the attached source",
        "seconds: 14400, compiled 900",
    )
    assert "verified" not in text


def test_issue_forgery_logistics_rules_in_the_itops_letter_is_refused(letters):
    pdf = (letters / "example-itops.pdf").read_bytes()
    other = (letters / "example-logistics.rules.json").read_bytes()
    refused(with_attachment(pdf, "example-itops.rules.json", other), "not the compilation", "contract.id")


def test_issue_forgery_through_the_cli_exits_1_and_writes_nothing(letters, tmp_path, capsys):
    from slalang.cli import main

    pdf = (letters / "example-itops.pdf").read_bytes()
    forged = forged_itops_rules((letters / "example-itops.rules.json").read_bytes())
    path = tmp_path / "forged.pdf"
    path.write_bytes(with_attachment(pdf, "example-itops.rules.json", forged))
    assert main(["extract-rules", str(path), "-o", str(tmp_path / "r.json")]) == 1
    err = capsys.readouterr().err
    assert "not the compilation" in err and "verified" not in err
    assert not (tmp_path / "r.json").exists()
    assert main(["extract-rules", str(path), "-o", str(tmp_path / "r.json"), "--lang", "zh"]) == 1
    assert "不是附带源文件" in capsys.readouterr().err


def test_source_and_rules_replaced_together_is_consistent_but_says_unsigned(letters, tmp_path, capsys):
    """The limit, stated: a forger who replaces both is not caught without a signature."""
    from slalang.cli import main

    pdf = (letters / "example-itops.pdf").read_bytes()
    forged = with_attachment(pdf, "example-itops.rules.json", (letters / "example-logistics.rules.json").read_bytes())
    reader = pypdf.PdfReader(letters / "example-logistics.pdf")
    forged = with_attachment(forged, "example-itops.sla", reader.attachments["example-logistics.sla"][0])
    # the keywords still name the itops source: that alone catches this one
    refused(forged, "letter and rules disagree")
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(forged)))
    writer.add_metadata({"/Keywords": reader.metadata["/Keywords"]})
    out = io.BytesIO()
    writer.write(out)
    path = tmp_path / "both.pdf"
    path.write_bytes(out.getvalue())
    assert main(["extract-rules", str(path), "-o", str(tmp_path / "r.json")]) == 0
    err = capsys.readouterr().err
    assert "consistent" in err and "example-logistics" in err
    assert "not signed" in err and "does not show who issued the letter" in err and "verified" not in err


def test_a_letter_without_its_source_cannot_be_checked(letters):
    pdf = (letters / "example-itops.pdf").read_bytes()
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(pdf)))
    names = _names(writer)
    del names[2:4]  # the .sla entry: a letter as slalang wrote it before issue 14
    out = io.BytesIO()
    writer.write(out)
    refused(out.getvalue(), "no source attached")


# ------------------------------------------------------------------ bounded walks
def _tiny_pdf(build_tree) -> bytes:
    """A one-page PDF whose /EmbeddedFiles tree `build_tree(writer)` makes."""
    writer = pypdf.PdfWriter()
    writer.add_blank_page(72, 72)
    tree = build_tree(writer)
    writer._root_object[NameObject("/Names")] = DictionaryObject({NameObject("/EmbeddedFiles"): tree})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _node(writer, **entries) -> object:
    node = DictionaryObject({NameObject(f"/{k}"): v for k, v in entries.items()})
    return writer._add_object(node)


def test_a_name_tree_that_lists_itself_ends_at_once():
    def tree(writer):
        ref = _node(writer)
        ref.get_object()[NameObject("/Kids")] = ArrayObject([ref])
        return ref

    refused(_tiny_pdf(tree), "refers to itself")


def test_two_name_tree_nodes_listing_each_other_end_at_once():
    def tree(writer):
        a, b = _node(writer), _node(writer)
        a.get_object()[NameObject("/Kids")] = ArrayObject([b])
        b.get_object()[NameObject("/Kids")] = ArrayObject([a])
        return a

    refused(_tiny_pdf(tree), "refers to itself")


def test_a_name_tree_too_wide_or_deep_is_refused():
    def wide(writer):
        leaf = DictionaryObject({NameObject("/Names"): ArrayObject()})
        return _node(writer, Kids=ArrayObject([DictionaryObject(leaf) for _ in range(10_001)]))

    refused(_tiny_pdf(wide), "more than 10000 entries")

    def deep(writer):
        node = DictionaryObject({NameObject("/Names"): ArrayObject()})
        for _ in range(40):
            node = DictionaryObject({NameObject("/Kids"): ArrayObject([node])})
        return node

    refused(_tiny_pdf(deep), "32 levels")


def test_a_form_tree_that_lists_itself_ends_at_once():
    """The signature fields (pyHanko's walk of /AcroForm): a loop is refused."""
    writer = pypdf.PdfWriter()
    writer.add_blank_page(72, 72)
    field = _node(writer, FT=NameObject("/Sig"), T=TextStringObject("slalang-signature"))
    field.get_object()[NameObject("/Kids")] = ArrayObject([field])
    writer._root_object[NameObject("/AcroForm")] = DictionaryObject({NameObject("/Fields"): ArrayObject([field])})
    out = io.BytesIO()
    writer.write(out)
    refused(out.getvalue(), "the signature cannot be read")


def test_an_attachment_that_inflates_past_16_mib_is_refused_unread():
    bomb = zlib.compress(b"\0" * (16 * 1024 * 1024 + 1), 9)  # ~16 KiB on disk

    def tree(writer):
        stream = DecodedStreamObject()
        stream._data = bomb
        stream[NameObject("/Filter")] = NameObject("/FlateDecode")
        stream[NameObject("/Params")] = DictionaryObject({NameObject("/CheckSum"): ByteStringObject(b"0" * 16)})
        spec = DictionaryObject({NameObject("/EF"): DictionaryObject({NameObject("/F"): writer._add_object(stream)})})
        return DictionaryObject(
            {NameObject("/Names"): ArrayObject([TextStringObject("x.rules.json"), writer._add_object(spec)])}
        )

    refused(_tiny_pdf(tree), "larger than 16 MiB once decoded")


def test_a_pdf_over_64_mib_is_not_read(tmp_path, capsys):
    from slalang.cli import main

    path = tmp_path / "big.pdf"
    with path.open("wb") as fh:
        fh.write(b"%PDF-1.7\n")
        fh.truncate(64 * 1024 * 1024 + 10)  # sparse: no disk used
    assert main(["extract-rules", str(path)]) == 2
    assert "larger than 64 MiB" in capsys.readouterr().err


@st.composite
def graphs(draw):
    """Up to 12 name-tree nodes, each with kids chosen among all of them
    (loops, diamonds and self-references included) and maybe a leaf pair."""
    n = draw(st.integers(1, 12))
    kids = [draw(st.lists(st.integers(0, n - 1), max_size=4)) for _ in range(n)]
    leaves = [draw(st.booleans()) for _ in range(n)]
    return n, kids, leaves


@settings(settings.get_profile("attacks"))
@given(graphs())
def test_any_name_tree_graph_ends_in_an_answer(graph):
    n, kids, leaves = graph

    def tree(writer):
        refs = [_node(writer) for _ in range(n)]
        for i, ref in enumerate(refs):
            node = ref.get_object()
            if kids[i]:
                node[NameObject("/Kids")] = ArrayObject([refs[k] for k in kids[i]])
            if leaves[i]:
                node[NameObject("/Names")] = ArrayObject([TextStringObject(f"f{i}.txt"), DictionaryObject()])
        return refs[0]

    try:
        extract_rules(_tiny_pdf(tree), "letter.pdf")
    except LetterFileError:
        pass  # a loop, or no rule file: either is a clear answer
    else:  # pragma: no cover
        raise AssertionError("a PDF without rules was accepted")


@settings(settings.get_profile("attacks"), max_examples=40)
@given(st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.integers(0, 255)), min_size=1, max_size=8))
def test_a_damaged_letter_is_refused_with_a_reason_never_a_crash(letters, flips):
    """Bytes of the letter changed anywhere (xref, objects, streams): a clear
    refusal (or, if the change missed everything that is read, the result)."""
    data = bytearray((letters / "example-itops.pdf").read_bytes())
    # near what extract-rules reads: the name tree, the file specifications,
    # their streams' dictionaries, the catalogue, the cross-reference table
    marks = [
        i
        for mark in (b"/EmbeddedFiles", b"/EF", b"/Params", b"/Type /Catalog", b"startxref", b"/AF", b"xref")
        for i in [data.find(mark)]
        if i >= 0
    ]
    for n, (where, value) in enumerate(flips):
        if n % 2:
            data[int(where * len(data))] = value
        else:
            base = marks[n // 2 % len(marks)]
            data[min(len(data) - 1, base + int(where * 120))] = value
    try:
        extract_rules(bytes(data), "letter.pdf")
    except LetterFileError:
        pass


def _leaves(value, path=()):
    if isinstance(value, dict):
        for k, v in value.items():
            if k != "checksum":
                yield from _leaves(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _leaves(v, (*path, i))
    else:
        yield path


@settings(settings.get_profile("attacks"), max_examples=20)
@given(
    st.data(),
    st.one_of(st.none(), st.booleans(), st.integers(-(10**6), 10**6), st.text(max_size=8), st.just("0")),
)
def test_any_edit_of_the_attached_rules_is_refused_even_with_checksums_recomputed(letters, data, value):
    """Whatever single value a forger changes in the rule file (and however
    carefully they recompute its checksum and the PDF's MD5), the rules are no
    longer the compilation of the attached source."""
    from slalang.rules import dumps_json
    from slalang.ruleschema import checksum_of

    rules = (letters / "example-itops.rules.json").read_bytes()
    doc = json.loads(rules)
    paths = list(_leaves(doc))
    path = data.draw(st.sampled_from(paths))
    node = doc
    for step in path[:-1]:
        node = node[step]
    if node[path[-1]] == value and type(node[path[-1]]) is type(value):
        return  # no edit at all
    node[path[-1]] = value
    doc["checksum"] = checksum_of(doc)
    forged = with_attachment((letters / "example-itops.pdf").read_bytes(), "example-itops.rules.json", dumps_json(doc))
    refused(forged, "not the compilation of the attached source")
