"""The letter's PDF, read back with pypdf: every piece of the letter in both
languages, the matrix values, the footer on every page, the fonts actually
embedded, PDF/A-3b metadata, the attached rule file and `extract-rules`;
byte-identical rebuilds in two separate processes; a hostile contract that
tries to make the renderer fetch things (a local HTTP server counts zero
requests); and a missing glyph failing the build.

Rendering costs ~1 s per letter, so every example is built once per session
(two processes at once, the second with `-j 2`) and shared by the tests."""

from __future__ import annotations

import hashlib
import html as htmllib
import io
import re
import subprocess
import sys
import threading
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from conftest import CONTRACTS, ROOT

from slalang.build import BuildContext, build_one
from slalang.compiler import compile_file, compile_text
from slalang.errors import BuildError

pypdf = pytest.importorskip("pypdf")

HOSTILE = ROOT / "tests" / "letter" / "hostile.sla"


def flat(text: str) -> str:
    """Text without any whitespace: PDF extraction breaks lines anywhere."""
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="session")
def builds(tmp_path_factory):
    """Every example built twice, in two separate processes."""
    a, b = tmp_path_factory.mktemp("build-a"), tmp_path_factory.mktemp("build-b")
    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "slalang", "build", "contracts", "-o", str(out), *extra],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for out, extra in ((a, []), (b, ["-j", "2"]))
    ]
    for run in runs:
        stdout, stderr = run.communicate(timeout=300)
        assert run.returncode == 0, stderr
    return a, b


@cache
def read(path: Path):
    reader = pypdf.PdfReader(str(path))
    pages = [p.extract_text() for p in reader.pages]
    return reader, pages


def contract_of(path: Path):
    result = compile_file(str(path))
    assert result.contract is not None
    return result


def test_rebuild_in_another_process_is_byte_identical(builds):
    a, b = builds
    names = sorted(p.name for p in a.iterdir())
    assert names == sorted(p.name for p in b.iterdir())
    for stem in ("example-itops", "example-logistics", "example-medical"):
        assert {f"{stem}.pdf", f"{stem}.html", f"{stem}.rules.json", f"{stem}.rules.yaml"} <= set(names)
    for name in names:
        assert (a / name).read_bytes() == (b / name).read_bytes(), f"{name} differs between two builds"


def _pieces(letter):
    """Every text of the composed letter, per language: paragraphs, headings,
    list items and table cells."""
    from slalang.letter.document import Items, Para, Subheading, Table

    for s in letter.sections:
        yield s.title
        for b in s.blocks:
            if isinstance(b, (Para, Subheading)):
                yield b.text
            elif isinstance(b, Items):
                yield from b.items
            elif isinstance(b, Table):
                if b.caption is not None:
                    yield b.caption
                yield from b.head
                for row in b.rows:
                    for cell in row:
                        for line in cell:
                            yield line.text


@pytest.mark.parametrize("path", CONTRACTS, ids=lambda p: p.stem)
def test_every_piece_of_the_letter_is_in_the_pdf_in_both_languages(builds, path):
    from slalang import letter
    from slalang.letter import document

    result = contract_of(path)
    c = result.contract
    ctx = BuildContext(str(path), result.source, c, frozenset({"pdf"}))
    composed = document.compose(c, letter.source_sha256(ctx))
    reader, pages = read(builds[0] / f"{c.id}.pdf")
    text = flat("".join(pages))
    missing = []
    for bi in _pieces(composed):
        langs = {s.html_lang for s in bi}
        assert len(langs) == len(bi)
        for said in bi:
            plain = flat(htmllib.unescape(re.sub(r"<[^>]+>", "", str(said.html))))
            if plain and plain not in text:
                missing.append((said.lang, plain))
    assert not missing, missing[:5]
    # the free clauses, each paragraph in both languages, values filled in
    from slalang.letter.wording import Wording

    for clause in c.clauses:
        for p in clause.paragraphs:
            for lang in c.languages:
                filled = Wording(lang).text(p, c.values)
                assert "{" not in filled and flat(filled) in text, (lang, filled)
    assert flat(c.title["zh"]) in text and flat(c.title["en"]) in text


LETTER10 = ROOT / "tests" / "letter"
ISSUE10 = sorted((ROOT / "contracts" / "sla").glob("*.sla")) + [
    LETTER10 / "availability.sla",
    LETTER10 / "availability_alt.sla",
]


@pytest.fixture(scope="session")
def builds10(tmp_path_factory):
    """The issue-10 letter contracts of tests/letter/, built in one process."""
    out = tmp_path_factory.mktemp("build-10")
    sources = [str(LETTER10 / "availability.sla"), str(LETTER10 / "availability_alt.sla")]
    run = subprocess.run(
        [sys.executable, "-m", "slalang", "build", *sources, "-o", str(out), "--only", "pdf"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    return out


def _pdf_of(path: Path, builds, builds10) -> Path:
    folder = builds10 if path.parent == LETTER10 else builds[0]
    return folder / f"{contract_of(path).contract.id}.pdf"


@cache
def pdftotext(path: Path) -> str:
    """The PDF's text as poppler reads it (another reader than pypdf)."""
    import shutil

    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is not installed (Debian package poppler-utils)")
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


@pytest.mark.parametrize("path", ISSUE10, ids=lambda p: p.stem)
def test_every_piece_of_an_availability_letter_is_in_the_pdf(builds, builds10, path):
    """The SLA corpus and the issue-10 letter contracts: every composed piece,
    in both languages, in the PDF text (pdftotext)."""
    from slalang import letter
    from slalang.letter import document

    result = contract_of(path)
    c = result.contract
    ctx = BuildContext(str(path), result.source, c, frozenset({"pdf"}))
    composed = document.compose(c, letter.source_sha256(ctx))
    text = flat(pdftotext(_pdf_of(path, builds, builds10)))
    missing = []
    for bi in _pieces(composed):
        for said in bi:
            plain = flat(htmllib.unescape(re.sub(r"<[^>]+>", "", str(said.html))))
            if plain and plain not in text:
                missing.append((said.lang, plain))
    assert not missing, missing[:5]


def _issue10_says():
    import yaml

    return yaml.safe_load((LETTER10 / "issue10.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", ["availability.sla", "availability_alt.sla"])
def test_issue10_constructs_in_the_pdf_in_both_languages(builds, builds10, name):
    says = _issue10_says()[name]
    text = flat(pdftotext(_pdf_of(LETTER10 / name, builds, builds10)))
    missing = [
        (construct, lang, t[lang])
        for construct, t in says.items()
        if construct != "absent"
        for lang in ("zh", "en")
        if flat(t[lang]) not in text
    ]
    assert missing == []
    assert [a for a in says["absent"] if flat(a) in text] == []


def test_itops_clauses_and_matrix_values(builds):
    _, pages = read(builds[0] / "example-itops.pdf")
    text = flat("".join(pages))
    for needle in (
        "P0 级故障须在 15 分钟内响应，并每 30 分钟通报一次进度。",
        "P0 incidents are answered within 15 minutes and updated every 30 minutes.",
        "本承诺书以中文、英文两种文字写成；两种文本如有不一致，以中文文本为准。",
        "if the two texts differ, the Chinese text shall prevail.",
        "本承诺书自2026年1月1日起生效",
        "This letter takes effect on 1 January 2026",
        "120,000.00/月",
        "人民币 0.01 元",
        "中国国际经济贸易仲裁委员会",
        "China International Economic and Trade Arbitration Commission",
    ):
        assert flat(needle) in text, needle
    # every cell of both matrices, in both languages
    for zh, en in (
        ("15 分钟", "15 minutes"),
        ("4 小时", "4 hours"),
        ("30 分钟", "30 minutes"),
        ("8 小时", "8 hours"),
        ("2 个工作小时", "2 business hours"),
        ("1 个工作日", "1 business day"),
        ("2 个工作日", "2 business days"),
        ("3 个工作日", "3 business days"),
        ("5 个工作日", "5 business days"),
    ):
        assert flat(zh) in text and flat(en) in text, (zh, en)
    # The matrix may continue on the next page (its header row repeats there).
    matrix_pages = [p for p in pages if "Business hours" in p and "Outside working hours" in p]
    rows = [flat(line) for page in matrix_pages for line in page.splitlines()]
    for cell in ("15分钟", "15minutes", "4小时", "4hours", "—"):
        assert cell in rows


@pytest.mark.parametrize("path", CONTRACTS, ids=lambda p: p.stem)
def test_signature_blocks_complete_on_the_last_page(builds, path):
    """Both parties, their names in both languages, signature, name, title,
    date and seal lines each, together with the closing statement on the last page."""
    c = contract_of(path).contract
    _, pages = read(builds[0] / f"{c.id}.pdf")
    last = flat(pages[-1])
    for needle in (
        "服务方",
        "Provider",
        "客户",
        "Customer",
        c.provider.name["zh"],
        c.provider.name["en"],
        c.customer.name["zh"],
        c.customer.name["en"],
        "结语",
        "ClosingStatement",
    ):
        assert flat(needle) in last, needle
    assert last.count(flat("授权代表（签字） / Authorised representative (signature)")) == 2
    assert last.count(flat("日期 / Date")) == 2
    for line in ("姓名 / Name", "职务 / Title", "盖章 / Company seal"):
        assert last.count(flat(line)) == 2, line


@pytest.mark.parametrize("path", CONTRACTS, ids=lambda p: p.stem)
def test_footer_on_every_page(builds, path):
    from slalang import letter

    result = contract_of(path)
    c = result.contract
    sha = letter.source_sha256(BuildContext(str(path), result.source, c, frozenset()))
    reader, pages = read(builds[0] / f"{c.id}.pdf")
    total = len(reader.pages)
    assert 3 <= total <= 12
    for n, page in enumerate(pages, 1):
        t = flat(page)
        assert f"第{n}页/共{total}页·Page{n}of{total}" in t, (n, page[-300:])
        assert flat(f"{c.id} · 版本 Version {c.version} · 源文件校验码 Source checksum {sha[:12]}") in t
        assert flat(f"{c.title['zh']} · {c.title['en']}") in t  # the running header


@pytest.mark.parametrize("path", CONTRACTS, ids=lambda p: p.stem)
def test_fonts_are_noto_cjk_sc(builds, path):
    from slalang.letter.pdf import is_cjk_sc

    reader, _ = read(builds[0] / f"{contract_of(path).contract.id}.pdf")
    names = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            names.add(str(font.get_object()["/BaseFont"]))
    flatnames = {re.sub(r"[^a-z]", "", n.lower()) for n in names}
    assert any("notosanscjksc" in n for n in flatnames), names
    assert any("notoserifcjksc" in n for n in flatnames), names
    assert all(is_cjk_sc(n) for n in names), names  # no fallback font anywhere
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
            assert str(descriptor["/FontFamily"]) in ("Noto Sans CJK SC", "Noto Serif CJK SC")
            assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))  # embedded


@pytest.mark.parametrize("path", CONTRACTS, ids=lambda p: p.stem)
def test_pdfa3b_metadata_and_attached_rules(builds, path):
    c = contract_of(path).contract
    pdf = builds[0] / f"{c.id}.pdf"
    reader, _ = read(pdf)
    meta = reader.metadata
    assert meta["/Title"] == f"{c.title['zh']} / {c.title['en']}"
    assert meta["/Author"] == f"{c.provider.name['zh']} / {c.provider.name['en']}"
    assert c.customer.name["en"] in meta["/Subject"] and c.customer.name["zh"] in meta["/Subject"]
    keywords = [k.strip() for k in meta["/Keywords"].split(",")]
    assert c.id in keywords and c.version in keywords
    assert meta["/CreationDate"] == "D:" + c.effective_start.strftime("%Y%m%d")  # from the contract, not the clock
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "zh-CN"
    xmp = root["/Metadata"].get_object().get_data().decode("utf-8")
    assert 'pdfaid:part="3"' in xmp and 'pdfaid:conformance="B"' in xmp
    assert root["/OutputIntents"]
    rules = (builds[0] / f"{c.id}.rules.json").read_bytes()
    source = contract_of(path).canonical_text.encode("utf-8")
    assert dict(reader.attachments) == {f"{c.id}.rules.json": [rules], f"{c.id}.sla": [source]}
    assert hashlib.sha256(source).hexdigest() in meta["/Keywords"]  # the canonical source the letter names
    af = root["/AF"]
    assert [a.get_object()["/AFRelationship"] for a in af] == ["/Data", "/Source"]


def test_extract_rules_gives_back_the_rule_file(builds, tmp_path, capsys):
    from slalang.cli import main

    out = tmp_path / "rules.json"
    assert main(["extract-rules", str(builds[0] / "example-itops.pdf"), "-o", str(out)]) == 0
    assert out.read_bytes() == (builds[0] / "example-itops.rules.json").read_bytes()
    err = capsys.readouterr().err
    # what was checked, and what was not: never "verified" for an unsigned letter
    assert "consistent: the attached rules example-itops.rules.json are the compilation of the attached" in err
    assert "for contract example-itops version 2.1.0" in err
    assert "the letter is not signed" in err and "--trust CERT" in err
    assert "verified" not in err


def test_extract_rules_accepts_a_letter_whose_source_is_not_in_canonical_form(tmp_path, capsys):
    """The rules carry the source's line numbers: the letter embeds the source
    as written (not its canonical layout), so a contract that `slalang fmt`
    would change still extracts as consistent, and its rules match."""
    from slalang.cli import main
    from slalang.compiler import canonical_source

    src = ROOT / "tests" / "good_minimal.sla"
    result = compile_file(str(src))
    assert result.source is not None and canonical_source(result.source) != result.source.text  # not canonical
    out = tmp_path / "out"
    assert main(["build", str(src), "-o", str(out), "--only", "rules,pdf", "--lang", "en"]) == 0
    rules = tmp_path / "rules.json"
    assert main(["extract-rules", str(out / "mini.pdf"), "-o", str(rules), "--lang", "en"]) == 0
    assert rules.read_bytes() == (out / "mini.rules.json").read_bytes()
    attached = dict(pypdf.PdfReader(out / "mini.pdf").attachments)
    assert attached["mini.sla"] == [src.read_text(encoding="utf-8").encode("utf-8")]
    assert "consistent:" in capsys.readouterr().err


def _with_attachment(pdf: bytes, data: bytes, fix_checksum: bool, index: int = 0) -> bytes:
    """`pdf` with attachment `index` (0 the rules, 1 the source) replaced."""
    from pypdf.generic import ByteStringObject, NameObject, NumberObject

    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(pdf)))
    spec = writer._root_object["/Names"]["/EmbeddedFiles"]["/Names"][2 * index + 1].get_object()
    stream = spec["/EF"]["/F"].get_object()
    stream.set_data(data)
    if fix_checksum:
        params = stream["/Params"]
        params[NameObject("/CheckSum")] = ByteStringObject(hashlib.md5(data).digest())
        params[NameObject("/Size")] = NumberObject(len(data))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_extract_rules_refuses_a_tampered_letter(builds, tmp_path, capsys):
    from slalang.cli import main

    pdf = (builds[0] / "example-itops.pdf").read_bytes()
    rules = (builds[0] / "example-itops.rules.json").read_bytes()
    edited = rules.replace(b'"percent": "99.95"', b'"percent": "99.00"', 1)
    assert edited != rules

    source = pypdf.PdfReader(builds[0] / "example-itops.pdf").attachments["example-itops.sla"][0]
    other_source = pypdf.PdfReader(builds[0] / "example-medical.pdf").attachments["example-medical.sla"][0]
    cases = {
        # the stream changed, the PDF's own MD5 of it did not
        "altered": (_with_attachment(pdf, edited, fix_checksum=False), "altered after it was built"),
        # a careful forger fixed the PDF's MD5: the rules are not the compilation of the source
        "rules": (_with_attachment(pdf, edited, fix_checksum=True), "not the compilation of the attached source"),
        # a valid rule file of another contract
        "swapped": (
            _with_attachment(pdf, (builds[0] / "example-medical.rules.json").read_bytes(), True),
            "first difference: contract.id",
        ),
        # the source edited: it no longer compiles to the attached rules
        "source": (
            _with_attachment(pdf, source.replace(b"15m", b"4h", 1), True, index=1),
            "not the compilation of the attached source",
        ),
        # source and rules of another contract: consistent, but the letter names its own source
        "both": (
            _with_attachment(
                _with_attachment(pdf, (builds[0] / "example-medical.rules.json").read_bytes(), True),
                other_source,
                True,
                index=1,
            ),
            "letter and rules disagree",
        ),
        # source that does not compile
        "garbage": (_with_attachment(pdf, b"contract {", True, index=1), "does not compile"),
    }
    for name, (data, message) in cases.items():
        path = tmp_path / f"{name}.pdf"
        path.write_bytes(data)
        assert main(["extract-rules", str(path), "-o", str(tmp_path / f"{name}.json")]) == 1, name
        err = capsys.readouterr().err
        assert message in err, (name, err)
        assert not (tmp_path / f"{name}.json").exists()
    not_pdf = tmp_path / "x.pdf"
    not_pdf.write_bytes(rules)
    assert main(["extract-rules", str(not_pdf)]) == 2
    assert "is not a PDF" in capsys.readouterr().err


# ------------------------------------------------------------------ locked down
class _Counter(BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):  # noqa: N802 (http.server's name)
        type(self).hits.append(self.path)
        body = b"body{}"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    _Counter.hits = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Counter)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        # the counter works: a request made on purpose is counted
        import urllib.request

        direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never via an http_proxy
        direct.open(f"http://127.0.0.1:{httpd.server_port}/probe", timeout=5).read()
        assert _Counter.hits == ["/probe"]
        _Counter.hits = []
        yield httpd.server_port
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_hostile_contract_fetches_nothing_and_embeds_nothing(server, tmp_path):
    from slalang.compiler import canonical_source
    from slalang.rules import rules_json

    source = tmp_path / "hostile.sla"
    source.write_text(HOSTILE.read_text(encoding="utf-8").replace("__PORT__", str(server)), encoding="utf-8")
    import logging

    records: list[logging.LogRecord] = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = records.append
    logging.getLogger("weasyprint").addHandler(handler)
    try:
        outcome = build_one(str(source), frozenset({"html", "pdf"}))  # no rules asked: the PDF builds its own
    finally:
        logging.getLogger("weasyprint").removeHandler(handler)
    assert outcome.error is None, (outcome.error, outcome.hint)
    # not one warning: no refused fetch, no unknown CSS in our stylesheet, no missing glyph
    assert [r.getMessage() for r in records] == []
    assert _Counter.hits == [], f"the renderer fetched {_Counter.hits}"
    assert sorted(outcome.files) == ["hostile.html", "hostile.pdf"]
    reader = pypdf.PdfReader(io.BytesIO(outcome.files["hostile.pdf"]))
    result = compile_file(str(source))
    expected_rules = rules_json(result.contract, canonical_source(result.source))
    expected_source = result.source.text.encode("utf-8")  # the source as written
    assert dict(reader.attachments) == {"hostile.rules.json": [expected_rules], "hostile.sla": [expected_source]}
    text = flat("".join(p.extract_text() for p in reader.pages))
    for literal in (
        "<script>alert(1)</script>",
        '<img src="file:///etc/passwd">',
        '<link rel="attachment" href="file:///etc/passwd">',
        f"@import url(http://127.0.0.1:{server}/clause.css);",
    ):
        assert flat(literal) in text, literal
    assert b"root:x:0:0" not in outcome.files["hostile.pdf"]


def test_the_url_fetcher_refuses_everything_but_our_files(server, tmp_path):
    """Even if markup did reach the renderer, nothing outside templates/ loads."""
    from slalang.letter import pdf
    from slalang.resources import resource_dir

    templates = resource_dir("templates")
    fetcher = pdf.make_fetcher(templates)
    assert b"@page" in fetcher.fetch((templates / "letter.css").as_uri()).read()
    for url in (
        "file:///etc/passwd",
        (templates / ".." / ".." / ".." / "etc" / "passwd").as_uri(),
        f"http://127.0.0.1:{server}/x.css",
        "data:text/css,body{}",
        "https://example.com/x.png",
    ):
        with pytest.raises(ValueError, match="load nothing"):
            fetcher.fetch(url)

    port = server
    page = f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
    <link rel="stylesheet" href="http://127.0.0.1:{port}/a.css">
    <link rel="attachment" href="file:///etc/passwd">
    <style>@import url(http://127.0.0.1:{port}/b.css);
    @font-face {{ font-family: X; src: url(file:///etc/passwd); }}
    body {{ background: url(http://127.0.0.1:{port}/c.png); font-family: "Noto Serif CJK SC" }}</style>
    </head><body><p lang="zh-CN">服务</p><img src="http://127.0.0.1:{port}/d.png">
    <img src="file:///etc/passwd"></body></html>"""
    result = compile_file(str(ROOT / "tests" / "good_minimal.sla"))
    ctx = BuildContext("mini.sla", result.source, result.contract, frozenset({"pdf"}))
    with pytest.raises(BuildError, match="letters load nothing"):
        pdf.render(page, ctx, b"{}")
    assert _Counter.hits == []


def test_a_character_without_a_glyph_fails_the_build():
    text = (
        (ROOT / "tests" / "good_minimal.sla")
        .read_text(encoding="utf-8")
        .replace('"P0 须在 {response.P0.business} 内响应。"', '"P0 须在 {response.P0.business} 内响应 𓀀。"')
    )
    assert "𓀀" in text
    result = compile_text(text, "glyph.sla")
    assert result.contract is not None, [d.message for d in result.diagnostics]
    from slalang import letter

    ctx = BuildContext("glyph.sla", result.source, result.contract, frozenset({"pdf"}))
    with pytest.raises(BuildError) as err:
        letter.produce(ctx)
    line = next(i for i, l in enumerate(text.splitlines(), 1) if "𓀀" in l)
    assert f"at line {line}, column " in str(err.value)
    assert "U+13000" in str(err.value) and "EGYPTIAN HIEROGLYPH A001" in str(err.value)
    assert "apt-get install fonts-noto" in str(err.value.hint)


def test_cli_build_reports_a_missing_glyph_and_writes_nothing(tmp_path):
    """The same failure through `slalang build`, whose PDFs render in a
    forked warm worker (slalang/letter/prefork.py): the error crosses back."""
    src = tmp_path / "glyph.sla"
    src.write_text(
        (ROOT / "tests" / "good_minimal.sla").read_text(encoding="utf-8").replace("内响应。", "内响应 𓀀。"),
        encoding="utf-8",
    )
    run = subprocess.run(
        [sys.executable, "-m", "slalang", "build", str(src), "-o", str(tmp_path / "out")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 1, run.stderr
    assert "U+13000" in run.stderr and "apt-get install fonts-noto" in run.stderr
    assert "Traceback" not in run.stderr and "build failed: nothing was written" in run.stderr
    assert not (tmp_path / "out").exists()


def test_missing_glyph_hint_names_the_right_package():
    from slalang.letter.pdf import _font_package

    assert _font_package("直") == "fonts-noto-cjk"
    assert _font_package("😀") == "fonts-noto-color-emoji"
    assert _font_package("ש") == "fonts-noto-core"
    assert _font_package("\ue000") == ""  # private use: the message says to remove it


def _layout(page_html: str):
    import weasyprint

    from slalang.letter import pdf
    from slalang.resources import resource_dir

    return weasyprint.HTML(string=page_html, url_fetcher=pdf.make_fetcher(resource_dir("templates"))).render()


def _collisions(doc) -> tuple[list[tuple[int, str]], int]:
    """Side by side: the two languages of a pair must not overlap.
    Returns the collisions and how many side-by-side pairs were looked at."""
    found, checked = [], 0
    for n, page in enumerate(doc.pages, 1):
        for b in page._page_box.descendants():
            element = getattr(b, "element", None)
            if element is None or "bi" not in (element.get("class") or "").split() or b.element_tag != "div":
                continue
            kids = [k for k in b.children if getattr(k, "width", None) is not None]
            for left, right in zip(kids, kids[1:]):
                left_end = left.position_x + (left.margin_left or 0) + left.border_width()
                right_start = right.position_x + (right.margin_left or 0)
                if abs(left.position_y - right.position_y) < 0.5:
                    checked += 1
                    if left_end > right_start + 0.5:
                        found.append((n, "".join(element.itertext())[:40]))
    return found, checked


def _overflow(doc) -> list[tuple[int, str, float, float]]:
    """Boxes that stick out of the page's content area (right or bottom), in
    points: an overflowing table or a clipped block. Uses WeasyPrint's layout
    (the private `_page_box` of WeasyPrint 70)."""
    found = []
    for n, page in enumerate(doc.pages, 1):
        box = page._page_box
        right, bottom = box.content_box_x() + box.width, box.content_box_y() + box.height
        for child in box.children:
            if type(child).__name__ == "MarginBox":  # header and footer live in the margins
                continue
            for b in child.descendants():
                if getattr(b, "width", None) is None or getattr(b, "height", None) is None:
                    continue
                if type(b).__name__ in ("TextBox", "LineBox", "InlineBox"):
                    x_end, y_end = b.position_x + b.width, b.position_y + b.height
                else:  # the border box: a trailing margin may run into the page end
                    x_end = b.position_x + (b.margin_left or 0) + b.border_width()
                    y_end = b.position_y + (b.margin_top or 0) + b.border_height()
                if x_end > right + 0.5 or y_end > bottom + 0.5:
                    found.append(
                        (
                            n,
                            getattr(b, "element_tag", type(b).__name__),
                            round(x_end - right, 1),
                            round(y_end - bottom, 1),
                        )
                    )
    return found


@pytest.mark.parametrize(
    "stem,layout",
    [("itops", "interleaved"), ("itops", "side-by-side"), ("logistics", "interleaved"), ("medical", "side-by-side")],
)
def test_nothing_overflows_the_page(stem, layout):
    """Tables must not overflow, blocks must not be clipped at the page end
    (signature boxes once were), in either layout."""
    from slalang import letter

    result = contract_of(ROOT / "contracts" / f"{stem}.sla")
    ctx = BuildContext(stem, result.source, result.contract, frozenset({"html"}), layout)
    doc = _layout(letter.render_html(ctx))
    assert _overflow(doc) == []
    collisions, pairs = _collisions(doc)
    assert collisions == []
    assert pairs > 40 if layout == "side-by-side" else pairs == 0


def test_layout_checks_see_overflow_clipping_and_collisions():
    from slalang import letter

    result = contract_of(ROOT / "tests" / "good_minimal.sla")
    page = letter.render_html(BuildContext("m", result.source, result.contract, frozenset({"html"})))
    wide = page.replace("</style>", "table.matrix { width: 130%; }\n</style>", 1)
    assert any(x > 0 for _, _, x, _ in _overflow(_layout(wide)))
    tall = page.replace("</style>", "table.signatures td { height: 300mm; }\n</style>", 1)
    assert any(y > 0 for _, _, _, y in _overflow(_layout(tall)))
    crowded = page.replace('<body class="layout-interleaved">', '<body class="layout-side-by-side">').replace(
        "</style>", ".layout-side-by-side .bi > .l-en { margin-left: -30mm }\n</style>", 1
    )
    assert _collisions(_layout(crowded))[0]


def test_warnings_that_mean_a_wrong_or_irreproducible_pdf():
    import logging

    from slalang.letter.pdf import check_warnings

    result = contract_of(ROOT / "tests" / "good_minimal.sla")
    ctx = BuildContext("mini.sla", result.source, result.contract, frozenset({"pdf"}))

    def record(msg, *args):
        return logging.LogRecord("weasyprint", logging.WARNING, "x", 1, msg, args, None)

    check_warnings(ctx, [record("Ignored `foo` at 1:1, unknown property")])  # harmless
    with pytest.raises(BuildError, match="would differ on every build") as err:
        check_warnings(
            ctx,
            [
                record(
                    'Using fontTools instead of HarfBuzz-Subset for font "%s". Please install HarfBuzz-Subset >= 4.1.0',
                    "Noto Sans CJK SC",
                )
            ],
        )
    assert "apt-get install libharfbuzz-subset0" in str(err.value.hint)
    with pytest.raises(BuildError, match="U\\+00E9"):
        check_warnings(
            ctx, [record('.notdef glyph rendered for Unicode string unsupported by fonts: "%s" (U+%04X)', "é", 0xE9)]
        )


def test_qpdf_finds_the_pdf_sound(builds):
    import shutil

    if shutil.which("qpdf") is None:
        pytest.skip("qpdf is not installed (Debian package qpdf)")
    for pdf in sorted(builds[0].glob("*.pdf")):
        run = subprocess.run(["qpdf", "--check", str(pdf)], capture_output=True, text=True)
        assert run.returncode == 0, (pdf.name, run.stdout[-500:], run.stderr[-500:])
        assert "No syntax or stream encoding errors found" in run.stdout


# ------------------------------------------------------------------ issue 11: the support-policy corpus
SUPPORT = sorted((ROOT / "contracts" / "support").glob("*.sla"))


@pytest.fixture(scope="session")
def builds_support(tmp_path_factory):
    """The support policies of contracts/support/, built to PDF in one process."""
    out = tmp_path_factory.mktemp("build-support")
    run = subprocess.run(
        [sys.executable, "-m", "slalang", "build", *map(str, SUPPORT), "-o", str(out), "--only", "pdf", "-j", "2"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr
    return out


@pytest.mark.parametrize("path", SUPPORT, ids=lambda p: p.stem)
def test_every_piece_of_a_support_letter_is_in_the_pdf(builds_support, path):
    """Plans, conditional rows, clock starts, strict and calendar-day cells,
    regional calendars, update tables: every composed piece, in both
    languages, in the PDF text (pdftotext), so every glyph has a font."""
    from slalang import letter
    from slalang.letter import document

    result = contract_of(path)
    c = result.contract
    ctx = BuildContext(str(path), result.source, c, frozenset({"pdf"}))
    composed = document.compose(c, letter.source_sha256(ctx))
    # A line may break after a hyphen (`GB-` / `ENG`), which pdftotext then drops.
    text = flat(pdftotext(builds_support / f"{c.id}.pdf")).replace("-", "")
    missing = []
    for bi in _pieces(composed):
        for said in bi:
            plain = flat(htmllib.unescape(re.sub(r"<[^>]+>", "", str(said.html)))).replace("-", "")
            if plain and plain not in text:
                missing.append((said.lang, plain))
    assert not missing, missing[:5]


@pytest.mark.parametrize(
    "stem,layout",
    [
        ("plan_windows", "interleaved"),
        ("plan_windows", "side-by-side"),
        ("regional", "side-by-side"),
        ("on_request", "interleaved"),
        ("updates", "side-by-side"),
    ],
)
def test_support_letters_do_not_overflow(stem, layout):
    """Qualified plan columns have long headers, conditional rows an extra
    line, regional calendars long items: nothing overflows or collides."""
    from slalang import letter

    path = ROOT / "contracts" / "support" / f"{stem}.sla"
    if not path.exists():
        pytest.skip(f"{path.name} is not in the corpus")
    result = contract_of(path)
    ctx = BuildContext(stem, result.source, result.contract, frozenset({"html"}), layout)
    doc = _layout(letter.render_html(ctx))
    assert _overflow(doc) == []
    collisions, _ = _collisions(doc)
    assert collisions == []
