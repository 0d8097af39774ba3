"""The letter as a Word document (`<id>.docx`), for negotiation with tracked changes.

`produce(ctx)` is the build producer for the `docx` format (slalang/build.py).
It renders the very `Letter` that document.py composes for the HTML and PDF —
the same sections, blocks, numbers and words; nothing is worded here — with
python-docx, imported only when a Word file is asked for:

* the order is the interleaved letter's (each Chinese paragraph, then its
  English one), whichever `--layout` was chosen: tracked changes read best on
  one column of paragraphs;
* section titles are Heading 1, subheadings Heading 2, the letter's title
  the Title style; numbered items are a Word list (restarting at 1 in each
  list), so inserting an item renumbers the rest;
* tables (the matrices, fees, ladders, warnings) are real Word tables with a
  repeated header row and borders; the signatures are a table of both parties;
* every run names its fonts: the Latin font for Latin script and the Noto CJK
  SC face the PDF uses as `w:eastAsia` font, Chinese runs are marked
  `w:hint="eastAsia"` and `zh-CN` (so quotes and Han take the Chinese forms);
* byte-identical rebuilds: the core properties are dated the contract's
  effective start (as the PDF is), the zip entries carry a fixed timestamp,
  and the template's thumbnail and application properties are replaced;
* revision tracking is switched on in the settings, so every edit a reviewer
  makes is tracked from the first one.

Contract text reaches python-docx as text, never as XML; characters that XML
1.0 cannot hold (control characters) are dropped, as the HTML shows nothing
for them either."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import TYPE_CHECKING, Any

from slalang.errors import BuildError
from slalang.i18n import Msg

if TYPE_CHECKING:
    from slalang.build import BuildContext
    from slalang.letter.document import Bi, Block, Letter, Line, Said

# The faces letter.css names (fontconfig family names); Latin script in the
# Word file takes the matching Noto Latin face.
SERIF_CJK = "Noto Serif CJK SC"
SANS_CJK = "Noto Sans CJK SC"
SERIF_LATIN = "Noto Serif"
SANS_LATIN = "Noto Sans"

# A4 and the margins of letter.css's @page, in millimetres.
PAGE = (210, 297)
MARGINS = (24, 20, 22, 20)  # top, right, bottom, left
TEXT_WIDTH = PAGE[0] - MARGINS[1] - MARGINS[3]

GREY = "333333"
RULE = "888888"
HEAD_FILL = "EEF1F5"
# Sizes in points, from letter.css (Word keeps half points).
SIZES = {
    "title": (20, 13),
    "heading": (11.5, 9.5),
    "subheading": (10.5, 9.5),
    "para": (9.5, 9),
    "note": (8, 7.5),
    "caption": (8.5, 8),
    "cell": (8.5, 8),
    "definition": (7.5, 7.5),
    "cover": (9, 9),
    "sign": (9, 9),
    "sign-label": (8, 8),
    "header": (7.5, 7.5),
    "footer": (7, 7),
}
# The first column's share of a table, as letter.css sets it, and the
# table's share of the text width.
FIRST_COLUMN = {"products": 55, "ladder": 55, "availability": 40, "warnings": 50, "targets": 30}
MATRIX_FIRST_COLUMN = {1: 60, 2: 46, 3: 37, 4: 32}  # by the number of target columns
NARROW_TABLES = {"products", "ladder", "availability", "warnings"}

FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # every zip entry's timestamp
# XML 1.0 has no place for these (lxml refuses them); the HTML shows nothing for them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_SPACE = re.compile("[\t\n\r]")  # collapsed to spaces, as the HTML renders them

APP_XML = (
    b"<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
    b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
    b"<Application>slalang</Application></Properties>"
)


def clean(text: str) -> str:
    """Contract text as XML 1.0 can carry it."""
    return _SPACE.sub(" ", _NOT_XML.sub("", text))


# ------------------------------------------------------------------ markup → runs
@dataclass(frozen=True)
class Piece:
    """A stretch of text with its emphasis, or a page field (`field`)."""

    text: str
    bold: bool = False
    italic: bool = False
    field: str | None = None  # "PAGE", "NUMPAGES"


FIELDS = {"page-no": "PAGE", "page-count": "NUMPAGES"}


class _Pieces(HTMLParser):
    """The composed pieces hold a little inline markup (`<b>`, page-number
    spans) around escaped text; entities come back as characters."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.pieces: list[Piece] = []
        self.stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.pieces.append(Piece(" "))
            return
        classes = (dict(attrs).get("class") or "").split()
        for cls, code in FIELDS.items():
            if cls in classes:
                self.pieces.append(Piece("", field=code))
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.stack:
            while self.stack and self.stack.pop() != tag:
                pass

    def handle_data(self, data: str) -> None:
        text = clean(data)
        if text:
            bold = any(t in ("b", "strong") for t in self.stack)
            italic = any(t in ("i", "em") for t in self.stack)
            self.pieces.append(Piece(text, bold, italic))


def pieces(markup: str) -> list[Piece]:
    parser = _Pieces()
    parser.feed(str(markup))
    parser.close()
    return parser.pieces


def plain(markup: str) -> str:
    return "".join(p.text for p in pieces(markup))


# ------------------------------------------------------------------ the producer
def produce(ctx: BuildContext) -> dict[str, bytes]:
    if "docx" not in ctx.formats:
        return {}
    from slalang.letter import document, source_sha256
    from slalang.letter.wording import CatalogueError

    try:
        import docx  # noqa: F401  # python-docx, a dependency: missing only in a trimmed install
    except ModuleNotFoundError:
        raise BuildError(Msg("cli.error.no_format", format="docx"), Msg("cli.error.no_format_hint")) from None
    try:
        letter = document.compose(ctx.contract, source_sha256(ctx), "interleaved")
    except CatalogueError as exc:
        raise BuildError(str(exc), Msg("cli.build_error.catalogue_hint")) from None
    return {f"{ctx.contract.id}.docx": render(letter, ctx.contract.effective_start)}


def render(letter: Letter, created: dt.date) -> bytes:
    """The Word file of a composed letter; `created` dates its properties."""
    return _Writer(letter).write(created)


class _Writer:
    def __init__(self, letter: Letter):
        import docx
        from docx.shared import Mm

        self.letter = letter
        self.doc = docx.Document()
        self.Mm = Mm
        self.langs = [s.lang for s in letter.title]
        self.numbering_id: int | None = None

    # ------------------------------------------------------------ document
    def write(self, created: dt.date) -> bytes:
        self.setup()
        self.cover()
        sections = self.letter.sections
        for i, s in enumerate(sections):
            self.heading(s.title, "Heading 1", "heading")
            last = i == len(sections) - 1
            for b in s.blocks:
                self.block(b, keep=last)  # the closing statement stays with the signatures
        self.signatures()
        self.properties(created)
        out = io.BytesIO()
        self.doc.save(out)
        return normalise(out.getvalue())

    def setup(self) -> None:
        from docx.enum.section import WD_ORIENT
        from docx.oxml.ns import qn

        Mm = self.Mm
        sec = self.doc.sections[0]
        sec.orientation = WD_ORIENT.PORTRAIT
        sec.page_width, sec.page_height = Mm(PAGE[0]), Mm(PAGE[1])
        sec.top_margin, sec.right_margin, sec.bottom_margin, sec.left_margin = (Mm(m) for m in MARGINS)
        sec.header_distance, sec.footer_distance = Mm(12), Mm(10)

        styles = self.doc.styles
        defaults = styles.element.find(qn("w:docDefaults"))
        if defaults is not None:
            rpr = defaults.find(qn("w:rPrDefault") + "/" + qn("w:rPr"))
            if rpr is not None:
                set_fonts(rpr, SERIF_LATIN, SERIF_CJK)
                set_lang(rpr, "en-US", "zh-CN")
            spacing = defaults.find(qn("w:pPrDefault") + "/" + qn("w:pPr") + "/" + qn("w:spacing"))
            if spacing is not None:
                spacing.set(qn("w:after"), "0")
                spacing.set(qn("w:line"), "264")  # 1.1 lines: Noto CJK is tall already
        for name, latin, cjk, size in (
            ("Normal", SERIF_LATIN, SERIF_CJK, SIZES["para"][0]),
            ("Title", SANS_LATIN, SANS_CJK, SIZES["title"][0]),
            ("Heading 1", SANS_LATIN, SANS_CJK, SIZES["heading"][0]),
            ("Heading 2", SANS_LATIN, SANS_CJK, SIZES["subheading"][0]),
            ("Header", SANS_LATIN, SANS_CJK, SIZES["header"][0]),
            ("Footer", SANS_LATIN, SANS_CJK, SIZES["footer"][0]),
        ):
            style = styles[name]
            set_fonts(style.element.get_or_add_rPr(), latin, cjk)
            style.font.size = _pt(size)
            style.font.color.rgb = _rgb("1A1A1A")
            style.font.italic = False
            ppr = style.element.get_or_add_pPr()
            for border in ppr.findall(qn("w:pBdr")):  # the template's Title has a rule under it
                ppr.remove(border)
            if name != "Normal":
                style.font.bold = name not in ("Header", "Footer")
        for name in ("Heading 1", "Heading 2"):
            pf = styles[name].paragraph_format
            pf.space_before, pf.space_after, pf.keep_with_next = self.Mm(4 if name == "Heading 1" else 2.5), 0, True
        self.settings()
        self.header_footer()

    def settings(self) -> None:
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn

        settings = self.doc.settings.element
        for tag in ("w:savePreviewPicture", "w:trackRevisions"):
            for el in settings.findall(qn(tag)):
                settings.remove(el)
        lang = settings.find(qn("w:themeFontLang"))
        if lang is not None:
            lang.set(qn("w:eastAsia"), "zh-CN")
        track = OxmlElement("w:trackRevisions")
        proof = settings.find(qn("w:proofState"))
        if proof is not None:
            proof.addnext(track)
        else:
            settings.insert(0, track)

    def properties(self, created: dt.date) -> None:
        meta = self.letter.meta
        props = self.doc.core_properties
        when = dt.datetime(created.year, created.month, created.day)
        props.title = clean(meta["title"])
        props.author = clean(meta["author"])
        props.subject = clean(meta["subject"])
        props.keywords = clean(", ".join(meta["keywords"]))
        props.comments = ""
        props.last_modified_by = ""
        props.category = ""
        props.language = self.letter.lang
        props.revision = 1
        props.created = props.modified = when
        # The template's thumbnail shows an empty page: not this letter.
        from docx.opc.constants import RELATIONSHIP_TYPE as RT

        rels = self.doc.part.package.rels
        for rid in [rid for rid, rel in rels.items() if rel.reltype == RT.THUMBNAIL]:
            del rels[rid]

    # ------------------------------------------------------------ header, footer, cover
    def header_footer(self) -> None:
        from docx.enum.text import WD_TAB_ALIGNMENT

        sec = self.doc.sections[0]
        p = sec.header.paragraphs[0]
        self.inline(p, self.letter.header, " · ", "header", color=True)
        border(p, "bottom", 4, "999999")
        p = sec.footer.paragraphs[0]
        border(p, "top", 4, "999999")
        for i, (label, value) in enumerate(self.letter.footer_reference):
            if i:
                self.run(p, " · ", self.langs[0], "footer", sans=True, color=True)
            if label:
                self.inline(p, label, " ", "footer", color=True)
                self.run(p, " ", self.langs[0], "footer", sans=True)
            self.run(p, clean(value), self.langs[0], "footer", sans=True, color=True)
        p.paragraph_format.tab_stops.add_tab_stop(self.Mm(TEXT_WIDTH), WD_TAB_ALIGNMENT.RIGHT)
        self.run(p, "\t", self.langs[0], "footer", sans=True)
        self.inline(p, self.letter.footer_page, " · ", "footer", color=True)

    def cover(self) -> None:
        from docx.enum.text import WD_ALIGN_PARAGRAPH

        for i, t in enumerate(self.letter.title):
            p = self.doc.add_paragraph(style="Title")
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            p.paragraph_format.space_after = self.Mm(5 if i == len(self.letter.title) - 1 else 1)
            p.paragraph_format.keep_with_next = True
            self.said(p, t, "title", sans=True, bold=i == 0)  # the translation in normal weight
        rows = self.letter.cover
        table = self.table(len(rows), len(self.langs), grid=False)
        for r, row in enumerate(rows):
            for c, t in enumerate(row):
                cell = table.cell(r, c)
                self.said(cell.paragraphs[0], t, "cover", sans=True)
                _cell_margins(cell, 1.2, 2)
        _table_borders(table, {"top": (8, GREY), "bottom": (8, GREY)})
        self.doc.add_paragraph().paragraph_format.space_after = self.Mm(4)

    # ------------------------------------------------------------ blocks
    def block(self, b: Block, keep: bool = False) -> None:
        kind = b.kind
        if kind == "para":
            role = "note" if "note" in (getattr(b, "cls", "") or "").split() else "para"
            self.pair(b.text, role, keep=keep)  # type: ignore[union-attr]
        elif kind == "subheading":
            self.heading(b.text, "Heading 2", "subheading")  # type: ignore[union-attr]
        elif kind == "items":
            self.items(b.items, keep=keep)  # type: ignore[union-attr]
        elif kind == "table":
            self.matrix(b)
        else:  # a block kind document.py grew that this renderer does not know: fail, never drop it
            raise ValueError(f"the Word letter cannot render a {kind!r} block")

    def heading(self, bi: Bi, style: str, role: str) -> None:
        for i, t in enumerate(bi):
            p = self.doc.add_paragraph(style=style)
            if i:
                p.paragraph_format.space_before = 0
            if i == len(bi) - 1 and style == "Heading 1":
                border(p, "bottom", 4, "BBBBBB")
                p.paragraph_format.space_after = self.Mm(2)
            self.said(p, t, role, sans=True, color=i > 0)

    def pair(self, bi: Bi, role: str, keep: bool = False, indent: float = 0, number: int | None = None) -> None:
        for i, t in enumerate(bi):
            p = self.doc.add_paragraph()
            pf = p.paragraph_format
            last = i == len(bi) - 1
            pf.keep_with_next = keep or not last  # a paragraph and its translation stay together
            pf.keep_together = True
            pf.space_after = self.Mm((1 if role == "note" else 1.8) if last else 0.3)
            if indent:
                pf.left_indent = self.Mm(indent)
            if number is not None and i == 0:
                self.number(p, number)
            self.said(p, t, role, color=i > 0)

    def items(self, items: list[Bi], keep: bool = False) -> None:
        num = self.new_list()
        for bi in items:
            self.pair(bi, "para", keep=keep, indent=6, number=num)

    def matrix(self, b: Any) -> None:
        from docx.enum.text import WD_ALIGN_PARAGRAPH

        if b.caption:
            for i, t in enumerate(b.caption):
                p = self.doc.add_paragraph()
                p.paragraph_format.keep_with_next = True
                p.paragraph_format.space_after = self.Mm(0.8) if i == len(b.caption) - 1 else 0
                self.said(p, t, "caption", sans=True, bold=i == 0, color=i > 0)
        ncols = len(b.head)
        table = self.table(len(b.rows) + 1, ncols)
        self.widths(table, (b.cls or "").split(), ncols)
        for c, h in enumerate(b.head):
            cell = table.cell(0, c)
            _shade(cell, HEAD_FILL)
            align = WD_ALIGN_PARAGRAPH.CENTER if c else None
            self.lines(cell, [_line(h)], head=True, align=align)
        _repeat_header(table.rows[0])
        for r, row in enumerate(b.rows, 1):
            for c, cell_lines in enumerate(row):
                self.lines(table.cell(r, c), cell_lines)
        for row in table.rows:
            _cant_split(row)
        self.doc.add_paragraph().paragraph_format.space_after = self.Mm(1)

    def lines(self, cell: Any, lines: Iterable[Line], head: bool = False, align: Any = None) -> None:
        from docx.enum.text import WD_ALIGN_PARAGRAPH

        from slalang.letter.document import shared

        first = True
        for ln in lines:
            classes = (ln.cls or "").split()
            role = "definition" if "definition" in classes else "cell"
            centre = align if align is not None else (WD_ALIGN_PARAGRAPH.CENTER if "num" in classes else None)

            def para() -> Any:
                nonlocal first
                p = cell.paragraphs[0] if first else cell.add_paragraph()
                first = False
                if centre is not None:
                    p.alignment = centre
                return p

            if shared(ln.text):
                self.said(para(), ln.text[0], role, sans=True, bold=head or None)
            elif ln.inline:
                self.inline(para(), ln.text, " ", role, sans=True, bold=head or None)
            else:
                for i, t in enumerate(ln.text):
                    self.said(para(), t, role, sans=True, bold=(i == 0) if head else None, color=i > 0)

    def signatures(self) -> None:
        parties = self.letter.parties
        ncols = 2 * len(parties) - 1
        table = self.table(1, ncols, grid=False)
        gap = 8
        width = (TEXT_WIDTH - gap * (len(parties) - 1)) / len(parties)
        for c in range(ncols):
            w = width if c % 2 == 0 else gap
            table.columns[c].width = self.Mm(w)
            table.cell(0, c).width = self.Mm(w)
        _cant_split(table.rows[0])
        for n, party in enumerate(parties):
            cell = table.cell(0, 2 * n)
            _cell_borders(cell, 4, RULE)
            _cell_margins(cell, 3, 4)
            p = cell.paragraphs[0]
            self.inline(p, party.role, " ", "sign", sans=True, bold=True)
            p = cell.add_paragraph()
            p.paragraph_format.space_before = self.Mm(1)
            self.inline(p, party.name, " ", "sign", sans=True)
            for label in self.letter.signature_lines:
                p = cell.add_paragraph()
                p.paragraph_format.space_before = self.Mm(4)
                self.inline(p, label, " / ", "sign-label", sans=True, color=True)
                rule = cell.add_paragraph()
                rule.paragraph_format.space_before = self.Mm(4)
                border(rule, "bottom", 4, GREY)
            for p in cell.paragraphs:
                p.paragraph_format.keep_with_next = True
        self.doc.add_paragraph()
        before = table._tbl.getprevious()
        if before is not None and before.tag.endswith("}p"):  # the sign-off stays with the signatures
            from docx.text.paragraph import Paragraph

            Paragraph(before, self.doc._body).paragraph_format.keep_with_next = True

    # ------------------------------------------------------------ tables
    def table(self, rows: int, cols: int, grid: bool = True) -> Any:
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn

        table = self.doc.add_table(rows=rows, cols=cols)
        table.autofit = False  # w:tblLayout fixed: the column widths below hold
        tblpr = table._tbl.tblPr
        if grid:
            _table_borders(
                table, {side: (4, RULE) for side in ("top", "left", "bottom", "right", "insideH", "insideV")}
            )
        else:
            _table_borders(table, {})
        cell_margins = OxmlElement("w:tblCellMar")
        for side, mm in (("top", 0.9), ("left", 1.8), ("bottom", 0.9), ("right", 1.8)):
            el = OxmlElement(f"w:{side}")
            el.set(qn("w:w"), str(_twips(mm)))
            el.set(qn("w:type"), "dxa")
            cell_margins.append(el)
        place(tblpr, cell_margins)
        for c in range(cols):
            w = TEXT_WIDTH / cols
            table.columns[c].width = self.Mm(w)
            for cell in table.columns[c].cells:
                cell.width = self.Mm(w)
        return table

    def widths(self, table: Any, classes: list[str], ncols: int) -> None:
        total = TEXT_WIDTH * (0.8 if NARROW_TABLES & set(classes) else 1)
        first: float | None = None
        for cls in classes:
            share = MATRIX_FIRST_COLUMN.get(ncols - 1) if cls == "matrix" else FIRST_COLUMN.get(cls)
            if share is not None:
                first = total * share / 100
        if ncols == 1:
            widths = [total]
        elif first is None:
            widths = [total / ncols] * ncols
        else:
            widths = [first] + [(total - first) / (ncols - 1)] * (ncols - 1)
        for c, w in enumerate(widths):
            table.columns[c].width = self.Mm(w)
            for cell in table.columns[c].cells:
                cell.width = self.Mm(w)

    # ------------------------------------------------------------ numbering
    def new_list(self) -> int:
        """A Word list that starts at 1 (a new `w:num` on the letter's one
        decimal list definition)."""
        from docx.oxml import parse_xml
        from docx.oxml.ns import nsdecls, qn

        numbering = self.doc.part.numbering_part.element
        if self.numbering_id is None:
            ids = [int(a.get(qn("w:abstractNumId"))) for a in numbering.findall(qn("w:abstractNum"))]
            self.numbering_id = max(ids, default=0) + 1
            indent = _twips(6)
            abstract = parse_xml(
                f'<w:abstractNum {nsdecls("w")} w:abstractNumId="{self.numbering_id}">'
                '<w:multiLevelType w:val="singleLevel"/>'
                '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimal"/>'
                '<w:lvlText w:val="%1."/><w:lvlJc w:val="left"/>'
                f'<w:pPr><w:ind w:left="{indent}" w:hanging="{indent}"/></w:pPr></w:lvl>'
                "</w:abstractNum>"
            )
            nums = numbering.findall(qn("w:num"))
            if nums:
                nums[0].addprevious(abstract)
            else:
                numbering.append(abstract)
        num = numbering.add_num(self.numbering_id)
        override = parse_xml(f'<w:lvlOverride {nsdecls("w")} w:ilvl="0"><w:startOverride w:val="1"/></w:lvlOverride>')
        num.append(override)
        return int(num.numId)

    def number(self, p: Any, num: int) -> None:
        numpr = p._p.get_or_add_pPr().get_or_add_numPr()
        numpr.get_or_add_ilvl().val = 0
        numpr.get_or_add_numId().val = num

    # ------------------------------------------------------------ runs
    def inline(
        self, p: Any, bi: Bi, sep: str, role: str, sans: bool = True, bold: bool | None = None, color: bool = False
    ) -> None:
        """The languages of a piece on one line ("P0 紧急 Critical")."""
        for i, t in enumerate(bi):
            if i:
                self.run(p, sep, t.lang, role, sans=sans)
            self.said(p, t, role, sans=sans, bold=bold, color=color or i > 0)

    def said(
        self, p: Any, t: Said, role: str, sans: bool = False, bold: bool | None = None, color: bool = False
    ) -> None:
        """One language's piece as runs; `bold` False overrides a bold style."""
        for piece in pieces(t.html):
            if piece.field is not None:
                self.field(p, piece.field, t.lang, role, sans)
            else:
                self.run(
                    p,
                    piece.text,
                    t.lang,
                    role,
                    sans=sans,
                    bold=True if piece.bold else bold,
                    italic=piece.italic,
                    color=color and t.lang != "zh",
                )

    def run(
        self,
        p: Any,
        text: str,
        lang: str,
        role: str,
        sans: bool = False,
        bold: bool | None = None,
        italic: bool = False,
        color: bool = False,
    ) -> Any:
        r = p.add_run(text)
        self.format(r._r, lang, role, sans, bold, italic, color)
        return r

    def format(
        self,
        r: Any,
        lang: str,
        role: str,
        sans: bool,
        bold: bool | None = None,
        italic: bool = False,
        color: bool = False,
    ) -> None:
        from docx.oxml.ns import qn

        rpr = r.get_or_add_rPr()
        latin, cjk = (SANS_LATIN, SANS_CJK) if sans else (SERIF_LATIN, SERIF_CJK)
        fonts = set_fonts(rpr, latin, cjk)
        zh = lang == "zh"
        if zh:
            fonts.set(qn("w:hint"), "eastAsia")
        if bold is not None:
            rpr.get_or_add_b().val = bold
        if italic:
            rpr.get_or_add_i()
        if color:
            c = rpr.get_or_add_color()
            c.val = _rgb(GREY)
        zh_size, other_size = SIZES.get(role, SIZES["para"])
        size = zh_size if zh else other_size
        rpr.get_or_add_sz().val = _pt(size)
        set_lang(rpr, "zh-CN" if zh else _word_lang(lang), "zh-CN")

    def field(self, p: Any, code: str, lang: str, role: str, sans: bool) -> None:
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn

        fld = OxmlElement("w:fldSimple")
        fld.set(qn("w:instr"), code)
        r = OxmlElement("w:r")
        fld.append(r)
        t = OxmlElement("w:t")
        t.text = "1"
        r.append(t)
        self.format(r, lang, role, sans)
        p._p.append(fld)


# ------------------------------------------------------------------ XML helpers
def _pt(size: float) -> Any:
    from docx.shared import Pt

    return Pt(size)


def _rgb(hex6: str) -> Any:
    from docx.shared import RGBColor

    return RGBColor.from_string(hex6)


def _twips(mm: float) -> int:
    return round(mm * 1440 / 25.4)


def _word_lang(lang: str) -> str:
    return {"en": "en-US", "zh": "zh-CN"}.get(lang, lang)


def _line(bi: Bi) -> Line:
    from slalang.letter.document import Line

    return Line(bi)


def set_fonts(rpr: Any, latin: str, cjk: str) -> Any:
    """Name the run's fonts outright (the template's theme fonts would win otherwise)."""
    from docx.oxml.ns import qn

    fonts = rpr.get_or_add_rFonts()
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)
    fonts.set(qn("w:eastAsia"), cjk)
    fonts.set(qn("w:cs"), latin)
    return fonts


def set_lang(rpr: Any, val: str, east_asia: str) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        place(rpr, lang)
    lang.set(qn("w:val"), val)
    lang.set(qn("w:eastAsia"), east_asia)


def border(p: Any, side: str, size: int, color: str) -> None:
    """A rule along one side of a paragraph (size in eighths of a point)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    ppr = p._p.get_or_add_pPr()
    bdr = ppr.find(qn("w:pBdr"))
    if bdr is None:
        bdr = OxmlElement("w:pBdr")
        place(ppr, bdr)
    el = OxmlElement(f"w:{side}")
    for k, v in (("val", "single"), ("sz", str(size)), ("space", "1"), ("color", color)):
        el.set(qn(f"w:{k}"), v)
    place(bdr, el)


def _table_borders(table: Any, sides: dict[str, tuple[int, str]]) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tblpr = table._tbl.tblPr
    for old in tblpr.findall(qn("w:tblBorders")):
        tblpr.remove(old)
    borders = OxmlElement("w:tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{side}")
        if side in sides:
            size, color = sides[side]
            el.set(qn("w:val"), "single")
            el.set(qn("w:sz"), str(size))
            el.set(qn("w:space"), "0")
            el.set(qn("w:color"), color)
        else:
            el.set(qn("w:val"), "nil")
        borders.append(el)
    place(tblpr, borders)


def _cell_borders(cell: Any, size: int, color: str) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tcpr = cell._tc.get_or_add_tcPr()
    borders = OxmlElement("w:tcBorders")
    for side in ("top", "left", "bottom", "right"):
        el = OxmlElement(f"w:{side}")
        el.set(qn("w:val"), "single")
        el.set(qn("w:sz"), str(size))
        el.set(qn("w:space"), "0")
        el.set(qn("w:color"), color)
        borders.append(el)
    place(tcpr, borders)


def _cell_margins(cell: Any, vertical: float, horizontal: float) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tcpr = cell._tc.get_or_add_tcPr()
    mar = OxmlElement("w:tcMar")
    for side, mm in (("top", vertical), ("left", horizontal), ("bottom", vertical), ("right", horizontal)):
        el = OxmlElement(f"w:{side}")
        el.set(qn("w:w"), str(_twips(mm)))
        el.set(qn("w:type"), "dxa")
        mar.append(el)
    place(tcpr, mar)


# The element sequences of WordprocessingML (ECMA-376 Part 1, §17) for the
# properties this module writes by hand: Word refuses a file whose children
# are out of order, where python-docx's own setters already keep it.
SEQUENCES = {
    "pPr": (
        "pStyle keepNext keepLines pageBreakBefore framePr widowControl numPr suppressLineNumbers pBdr shd tabs "
        "suppressAutoHyphens kinsoku wordWrap overflowPunct topLinePunct autoSpaceDE autoSpaceDN bidi "
        "adjustRightInd snapToGrid spacing ind contextualSpacing mirrorIndents suppressOverlap jc textDirection "
        "textAlignment textboxTightWrap outlineLvl divId cnfStyle rPr sectPr pPrChange"
    ),
    "pBdr": "top left bottom right between bar",
    "rPr": (
        "rStyle rFonts b bCs i iCs caps smallCaps strike dstrike outline shadow emboss imprint noProof snapToGrid "
        "vanish webHidden color spacing w kern position sz szCs highlight u effect bdr shd fitText vertAlign rtl "
        "cs em lang eastAsianLayout specVanish oMath"
    ),
    "tblPr": (
        "tblStyle tblpPr tblOverlap bidiVisual tblStyleRowBandSize tblStyleColBandSize tblW jc tblCellSpacing "
        "tblInd tblBorders shd tblLayout tblCellMar tblLook tblCaption tblDescription"
    ),
    "tcPr": "cnfStyle tcW gridSpan hMerge vMerge tcBorders shd noWrap tcMar textDirection tcFitText vAlign hideMark",
    "tblBorders": "top left bottom right insideH insideV",
    "tcBorders": "top left bottom right insideH insideV tl2br tr2bl",
    "tblCellMar": "top left bottom right",
    "tcMar": "top left bottom right",
}


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def place(parent: Any, el: Any) -> None:
    """Put `el` among `parent`'s children where the schema's sequence wants
    it, replacing an element of the same name."""
    order = SEQUENCES[_local(parent.tag)].split()
    rank = {name: i for i, name in enumerate(order)}
    mine = rank[_local(el.tag)]
    for old in [c for c in parent if c.tag == el.tag]:
        parent.remove(old)
    for child in parent:
        if rank.get(_local(child.tag), len(order)) > mine:
            child.addprevious(el)
            return
    parent.append(el)


def _shade(cell: Any, fill: str) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    place(cell._tc.get_or_add_tcPr(), shd)


def _repeat_header(row: Any) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    trpr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    trpr.append(el)


def _cant_split(row: Any) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    trpr = row._tr.get_or_add_trPr()
    if trpr.find(qn("w:cantSplit")) is None:
        trpr.insert(0, OxmlElement("w:cantSplit"))


# ------------------------------------------------------------------ the package
def normalise(data: bytes) -> bytes:
    """The same bytes for the same letter: python-docx stamps each zip entry
    with the clock; this rewrites them with a fixed time and file mode, and
    replaces the template's application properties (an editor's name)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            blob = APP_XML if info.filename == "docProps/app.xml" else src.read(info.filename)
            entry = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.create_system = 0
            entry.external_attr = 0
            dst.writestr(entry, blob)
    return out.getvalue()
