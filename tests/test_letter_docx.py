"""The Word letter (`slalang build --only docx`): the composed letter read
back with python-docx — headings, the interleaved paragraphs, numbered
lists, every table cell, the fonts of Chinese runs, the signatures — and
byte-identical rebuilds, the all-or-nothing build, and contract text that
XML cannot hold."""

from __future__ import annotations

import io
import subprocess
import sys
import zipfile
from pathlib import Path

import docx
import pytest
from conftest import CONTRACTS, ROOT
from docx.oxml.ns import qn

from slalang import cli
from slalang.build import DEFAULT_FORMATS, build_one
from slalang.compiler import compile_file
from slalang.letter import document
from slalang.letter import docx as wordletter
from slalang.letter.document import Letter, shared

SUPPORT = ROOT / "contracts" / "support" / "triage.sla"
SLA = ROOT / "contracts" / "sla" / "compute.sla"
SAMPLES = [*CONTRACTS, SUPPORT, SLA]
MINIMAL = ROOT / "tests" / "good_minimal.sla"


def build(path: Path, layout: str = "interleaved") -> bytes:
    outcome = build_one(str(path), frozenset({"docx"}), layout)
    assert outcome.error is None and not outcome.internal, (outcome.error, outcome.diagnostics)
    (data,) = outcome.files.values()
    return data


def composed(path: Path) -> Letter:
    import hashlib

    result = compile_file(path)
    assert result.contract is not None and result.canonical_text is not None
    sha = hashlib.sha256(result.canonical_text.encode("utf-8")).hexdigest()
    return document.compose(result.contract, sha)


def text(said) -> str:
    return wordletter.plain(said.html)


def line_text(line) -> str:
    if shared(line.text):
        return text(line.text[0])
    if line.inline:
        return " ".join(text(t) for t in line.text)
    return "\n".join(text(t) for t in line.text)


def expected_paragraphs(letter: Letter) -> list[str]:
    """The body's paragraphs outside tables, in the interleaved order."""
    out = [text(t) for t in letter.title]
    for s in letter.sections:
        out += [text(t) for t in s.title]
        for b in s.blocks:
            if b.kind in ("para", "subheading"):
                out += [text(t) for t in b.text]
            elif b.kind == "items":
                for item in b.items:
                    out += [text(t) for t in item]
            elif b.kind == "table" and b.caption:
                out += [text(t) for t in b.caption]
    return out


def expected_tables(letter: Letter) -> list[list[list[str]]]:
    tables = [[[text(t) for t in row] for row in letter.cover]]
    for s in letter.sections:
        for b in s.blocks:
            if b.kind == "table":
                head = [line_text(document.Line(h)) for h in b.head]
                rows = [["\n".join(line_text(ln) for ln in cell) for cell in row] for row in b.rows]
                tables.append([head, *rows])
    return tables


@pytest.fixture(scope="module", params=SAMPLES, ids=lambda p: p.stem)
def sample(request):
    data = build(request.param)
    return request.param, composed(request.param), docx.Document(io.BytesIO(data)), data


# ------------------------------------------------------------------ content
def test_paragraphs_are_the_interleaved_letter(sample):
    """Every paragraph the letter composes, zh then en, in order, and no other."""
    _, letter, doc, _ = sample
    body = [p.text for p in doc.paragraphs if p.text]
    assert body == expected_paragraphs(letter)


def test_headings(sample):
    _, letter, doc, _ = sample
    styles = {p.text: p.style.name for p in doc.paragraphs if p.text}
    for s in letter.sections:
        for t in s.title:
            assert styles[text(t)] == "Heading 1", text(t)
        for b in s.blocks:
            if b.kind == "subheading":
                assert all(styles[text(t)] == "Heading 2" for t in b.text)
    assert [p.style.name for p in doc.paragraphs[:2]] == ["Title", "Title"]
    assert doc.paragraphs[0].text == text(letter.title[0])  # the first language's title first


def test_every_table_cell(sample):
    """The cover, each composed table (matrices, fees, ladders, warnings) as a
    Word table with its header row, and the signature table last."""
    _, letter, doc, _ = sample
    tables = doc.tables
    expected = expected_tables(letter)
    assert len(tables) == len(expected) + 1
    for table, rows in zip(tables, expected):
        assert [[c.text for c in r.cells] for r in table.rows] == rows
    for table in tables[1:-1]:
        header = table.rows[0]._tr.trPr
        assert header is not None and header.find(qn("w:tblHeader")) is not None
        borders = table._tbl.tblPr.find(qn("w:tblBorders"))
        assert {b.get(qn("w:val")) for b in borders} == {"single"}
        assert {b.tag.split("}")[1] for b in borders} == {"top", "left", "bottom", "right", "insideH", "insideV"}


def test_the_response_matrix_is_a_word_table():
    letter = composed(CONTRACTS[0])
    doc = docx.Document(io.BytesIO(build(CONTRACTS[0])))
    (matrices,) = [s for s in letter.sections if s.key == "matrices"]
    first = next(b for b in matrices.blocks if b.kind == "table")
    table = next(t for t in doc.tables if t.rows[0].cells[0].text == line_text(document.Line(first.head[0])))
    assert len(table.rows) == len(first.rows) + 1 and len(table.columns) == len(first.head)
    assert table.rows[0].cells[0].text == "优先级\nPriority"
    assert table.rows[1].cells[0].text.startswith("P0 ")
    assert [c.text for c in table.rows[1].cells[1:]] == [line_text(c[0]) for c in first.rows[0][1:]]


def test_numbered_items_are_word_lists(sample):
    """Each list restarts at 1; the first language's paragraph carries the
    number, its translation is indented under it."""
    _, letter, doc, _ = sample
    lists = [b for s in letter.sections for b in s.blocks if b.kind == "items"]
    numbered = [p for p in doc.paragraphs if p._p.pPr is not None and p._p.pPr.numPr is not None]
    assert len(numbered) == sum(len(b.items) for b in lists)
    assert [p.text for p in numbered] == [text(item[0]) for b in lists for item in b.items]
    ids = [p._p.pPr.numPr.numId.val for p in numbered]
    assert len(set(ids)) == len(lists)
    numbering = doc.part.numbering_part.element
    for num in numbering.findall(qn("w:num")):
        if int(num.get(qn("w:numId"))) in ids:
            assert num.find(qn("w:lvlOverride") + "/" + qn("w:startOverride")).get(qn("w:val")) == "1"


def test_chinese_runs_carry_the_east_asian_font(sample):
    _, _, doc, _ = sample
    runs = [r for p in _all_paragraphs(doc) for r in p.runs if r.text.strip()]
    han = [r for r in runs if any("\u4e00" <= ch <= "\u9fff" for ch in r.text)]
    assert han
    for r in runs:
        fonts = r._r.rPr.rFonts
        assert fonts.get(qn("w:eastAsia")) in (wordletter.SERIF_CJK, wordletter.SANS_CJK), r.text
        assert fonts.get(qn("w:ascii")) in (wordletter.SERIF_LATIN, wordletter.SANS_LATIN), r.text
    zh = [r for r in runs if r._r.rPr.find(qn("w:lang")).get(qn("w:val")) == "zh-CN"]
    assert zh and all(r._r.rPr.rFonts.get(qn("w:hint")) == "eastAsia" for r in zh)
    # A run is Chinese exactly when its text is: the English lines are tagged en-US.
    assert all(r in zh for r in han if not r.text.isascii() and _mostly_han(r.text))
    assert any(r._r.rPr.find(qn("w:lang")).get(qn("w:val")) == "en-US" for r in runs)


def test_signature_table_has_both_parties(sample):
    path, letter, doc, _ = sample
    table = doc.tables[-1]
    cells = [c for c in table.rows[0].cells if c.text.strip()]
    assert len(cells) == 2
    contract = compile_file(path).contract
    for cell, party in zip(cells, (contract.provider, contract.customer)):
        assert party.name["zh"] in cell.text and party.name["en"] in cell.text
    for cell, party in zip(cells, letter.parties):
        assert cell.paragraphs[0].text == " ".join(text(t) for t in party.role)
        for label in letter.signature_lines:
            assert " / ".join(text(t) for t in label) in cell.text


def test_prevailing_language_clause(sample):
    _, letter, doc, _ = sample
    (language,) = [s for s in letter.sections if s.key == "language"]
    body = [p.text for p in doc.paragraphs]
    for b in language.blocks:
        for t in b.text:
            assert text(t) in body


def test_page_setup_header_footer_and_properties(sample):
    path, letter, doc, data = sample
    sec = doc.sections[0]
    assert (round(sec.page_width.mm), round(sec.page_height.mm)) == (210, 297)
    assert sec.header.paragraphs[0].text == " · ".join(text(t) for t in letter.header)
    footer = sec.footer.paragraphs[0]._p.xml
    assert 'w:instr="PAGE"' in footer and 'w:instr="NUMPAGES"' in footer
    props = doc.core_properties
    contract = compile_file(path).contract
    assert props.created.date() == contract.effective_start == props.modified.date()
    assert props.title == letter.meta["title"] and contract.id in props.keywords
    assert "python-docx" not in (props.author + props.comments)
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert "docProps/thumbnail.jpeg" not in names
    assert doc.settings.element.find(qn("w:trackRevisions")) is not None


def test_properties_are_in_schema_order(sample):
    """Word refuses a file whose property elements are out of sequence or
    repeated (LibreOffice and python-docx do not mind): every paragraph, run,
    table and cell property list of the body, header, footer and styles."""
    _, _, doc, _ = sample
    sec = doc.sections[0]
    parts = [doc.element, sec.header._element, sec.footer._element, doc.styles.element]
    checked = 0
    for root in parts:
        for el in root.iter():
            name = wordletter._local(el.tag)
            if name not in wordletter.SEQUENCES or not isinstance(el.tag, str):
                continue
            order = wordletter.SEQUENCES[name].split()
            children = [wordletter._local(c.tag) for c in el]
            assert all(c in order for c in children), (name, children)
            ranks = [order.index(c) for c in children]
            assert ranks == sorted(set(ranks)), (name, children)
            checked += 1
    assert checked > 100


# ------------------------------------------------------------------ bytes
def test_rebuilds_are_byte_identical(sample, tmp_path):
    """Twice in this process, once in another (another clock), and for the
    side-by-side layout too (the Word letter is always interleaved)."""
    path, _, _, data = sample
    assert build(path) == data
    assert build(path, "side-by-side") == data
    r = subprocess.run(
        [sys.executable, "-m", "slalang", "build", str(path), "-o", str(tmp_path), "--only", "docx"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert r.returncode == 0, r.stderr
    (written,) = tmp_path.iterdir()
    assert written.read_bytes() == data
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert {i.date_time for i in z.infolist()} == {wordletter.FIXED_TIME}


# ------------------------------------------------------------------ command line
def test_only_docx_end_to_end(tmp_path):
    """`--only docx` writes `<id>.docx` and nothing else, without WeasyPrint;
    python-docx is not loaded before a Word letter is asked for."""
    code = (
        "import sys; from slalang.cli import main; import slalang.letter.docx, slalang.build; "
        "assert 'docx' not in sys.modules; "
        "rc = main(['build', *sys.argv[2:], '-o', sys.argv[1], '--only', 'docx']); "
        "assert 'weasyprint' not in sys.modules; sys.exit(rc)"
    )
    r = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path), *map(str, CONTRACTS)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert r.returncode == 0, r.stderr
    ids = sorted(compile_file(p).contract.id for p in CONTRACTS)
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"{i}.docx" for i in ids]
    for p in tmp_path.iterdir():
        assert docx.Document(str(p)).paragraphs[0].text


def test_docx_is_asked_for_by_name(tmp_path, capsys):
    assert "docx" not in DEFAULT_FORMATS
    assert cli.main(["build", str(MINIMAL), "-o", str(tmp_path), "--only", "rules,docx"]) == 0, capsys.readouterr()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mini.docx", "mini.rules.json", "mini.rules.yaml"]


def test_build_check_compares_the_word_letter(tmp_path, capsys):
    assert cli.main(["build", str(MINIMAL), "-o", str(tmp_path), "--only", "docx"]) == 0
    assert cli.main(["build", str(MINIMAL), "-o", str(tmp_path), "--only", "docx", "--check"]) == 0
    (tmp_path / "mini.docx").write_bytes(b"edited")
    assert cli.main(["build", str(MINIMAL), "-o", str(tmp_path), "--only", "docx", "--check"]) == 1
    assert "mini.docx" in capsys.readouterr().err


def test_all_or_nothing(tmp_path, monkeypatch, capsys):
    """A Word letter that fails leaves the other outputs unwritten too."""
    from slalang.errors import BuildError

    def fail(*a, **k):
        raise BuildError("no Word letter today")

    monkeypatch.setattr(wordletter, "render", fail)
    out = tmp_path / "out"
    assert cli.main(["build", str(MINIMAL), "-o", str(out), "--only", "rules,html,docx"]) == 1
    assert "no Word letter today" in capsys.readouterr().err
    assert not out.exists() or not list(out.iterdir())


def test_a_missing_python_docx_is_a_build_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "docx", None)  # import docx raises ModuleNotFoundError
    outcome = build_one(str(MINIMAL), frozenset({"docx"}))
    assert not outcome.internal and outcome.error is not None and not outcome.files


# ------------------------------------------------------------------ hostile text
HOSTILE = "客户\tA<w:p>&amp;]]>'公司"  # markup and XML syntax in a text: shown as text


def test_text_with_xml_syntax_is_text_and_control_characters_never_reach_word(tmp_path):
    source = MINIMAL.read_text(encoding="utf-8").replace(
        '"客户公司" | "Customer Co."', '"' + HOSTILE + '" | "Customer </w:t><w:t> Co."'
    )
    src = tmp_path / "hostile.sla"
    src.write_text(source, encoding="utf-8")
    data = build(src)
    doc = docx.Document(io.BytesIO(data))
    texts = [p.text for p in _all_paragraphs(doc)]
    assert any("客户 A<w:p>&amp;]]>'公司" in t for t in texts), "the text, as text"
    assert any("Customer </w:t><w:t> Co." in t for t in texts)
    assert build(src) == data
    # Characters XML cannot hold are refused by the front end (E0007), so
    # they never reach the Word letter; wordletter.clean still drops them.
    bad = tmp_path / "control.sla"
    bad.write_text(source.replace("Customer </w:t>", "Customer\x0b </w:t>\x01"), encoding="utf-8")
    result = compile_file(bad)
    assert result.contract is None and {d.code for d in result.diagnostics if d.is_error} == {"E0007"}


def test_clean():
    assert wordletter.clean("a\x00b\x0bc\td\ne\r\ufffef\U0001f600") == "abc d e f\U0001f600"
    assert wordletter.plain("<b>P0</b> 紧急 &amp; &lt;x&gt;") == "P0 紧急 & <x>"
    assert [p.bold for p in wordletter.pieces("<b>P0</b> x")] == [True, False]


# ------------------------------------------------------------------ helpers
def _all_paragraphs(doc):
    yield from doc.paragraphs
    for table in doc.tables:
        for row in table.rows:
            for cell in row.cells:
                yield from cell.paragraphs
    sec = doc.sections[0]
    yield from sec.header.paragraphs
    yield from sec.footer.paragraphs


def _mostly_han(s: str) -> bool:
    han = sum("\u4e00" <= ch <= "\u9fff" for ch in s)
    latin = sum(ch.isascii() and ch.isalpha() for ch in s)
    return han > latin


def test_a_single_language_letter(tmp_path):
    """An English-only letter: the same pieces, each once, all tagged en-US."""
    case = (ROOT / "tests" / "fmt_cases" / "single_language.sla").read_text(encoding="utf-8")
    src = tmp_path / "single.sla"
    src.write_text(case.split("# output", 1)[0], encoding="utf-8")
    doc = docx.Document(io.BytesIO(build(src)))
    assert [p.text for p in doc.paragraphs if p.text] == expected_paragraphs(composed(src))
    runs = [r for p in _all_paragraphs(doc) for r in p.runs if r.text.strip()]
    assert {r._r.rPr.find(qn("w:lang")).get(qn("w:val")) for r in runs} == {"en-US"}
