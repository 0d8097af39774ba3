"""The letter as PDF/A-3b, rendered by WeasyPrint, with the rule file inside.

Three things make this more than `HTML(string=…).write_pdf()`:

* Locked down. Contract text is untrusted and WeasyPrint fetches every URL it
  meets, `file://` included (PLATFORM-NOTES.md). `ShippedFilesOnly` refuses
  everything but files under our own `templates/` folder, and the build fails
  if anything else was even asked for.
* No silent tofu. A character no installed font covers is drawn as an empty
  box while text extraction still returns it, so WeasyPrint's ".notdef glyph"
  warning fails the build, naming the character, where the contract uses it
  and the Debian package that has a glyph for it. The embedded fonts are
  checked to be Noto CJK SC, not a fallback.
* Reproducible. Nothing reads the clock: the creation date (HTML
  `dcterms.created`, the attachment's dates) is the contract's effective
  start, and with libharfbuzz-subset0 the bytes are identical run to run.

The compiled `<id>.rules.json` is embedded as an associated file
(`AFRelationship /Data`), the Factur-X idea: the file that was signed also
carries what is enforced; beside it the contract source `<id>.sla` as written
(`AFRelationship /Source`), so that `slalang extract-rules` can compile the
source again and show that the rules are its compilation (extract.py). A
signature (`build --sign`, sign.py) is added afterwards by
slalang.letter.produce, as an incremental update of these bytes."""

from __future__ import annotations

import datetime as dt
import io
import logging
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from slalang.errors import BuildError
from slalang.i18n import Msg
from slalang.resources import resource_dir

if TYPE_CHECKING:
    from slalang.build import BuildContext

PDF_VARIANT = "pdf/a-3b"
RULES_DESCRIPTION = "slalang compiled rules: the enforceable form of this letter"
SOURCE_DESCRIPTION = "slalang contract source: the attached rules are its compilation"
CJK_FONTS = ("NotoSansCJKsc", "NotoSerifCJKsc")


def _weasyprint():
    import weasyprint
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    return weasyprint, URLFetcher, URLFetcherResponse


def make_fetcher(root: Path):
    """A WeasyPrint URL fetcher that serves only files below `root`."""
    _, URLFetcher, URLFetcherResponse = _weasyprint()

    class ShippedFilesOnly(URLFetcher):  # type: ignore[valid-type,misc]  # a base class chosen at run time
        def __init__(self) -> None:
            super().__init__(allowed_protocols={"file"}, allow_redirects=False, fail_on_errors=False)
            self.root = root.resolve()
            self.refused: list[str] = []

        def fetch(self, url, headers=None):
            parts = urlsplit(url)
            path = Path(unquote(parts.path)).resolve() if parts.scheme == "file" and not parts.netloc else None
            if path is None or not path.is_relative_to(self.root) or not path.is_file():
                self.refused.append(url)
                raise ValueError(f"slalang letters load nothing from outside their own files: {url}")
            return URLFetcherResponse(url, body=path.read_bytes())

    return ShippedFilesOnly()


class _Warnings(logging.Handler):
    """Collects WeasyPrint's warnings while one letter renders."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def _font_package(ch: str) -> str:
    """The Debian package most likely to have a glyph for `ch`."""
    o = ord(ch)
    if (
        0x2E80 <= o <= 0x9FFF
        or 0xAC00 <= o <= 0xD7AF
        or 0xF900 <= o <= 0xFAFF
        or 0xFF00 <= o <= 0xFFEF
        or 0x20000 <= o <= 0x3FFFF
    ):
        return "fonts-noto-cjk"
    if 0x1F000 <= o <= 0x1FAFF or 0x2600 <= o <= 0x27BF:
        return "fonts-noto-color-emoji"
    if 0xE000 <= o <= 0xF8FF or o >= 0xF0000:
        return ""  # private use: no public font has it
    return "fonts-noto-core"


def _where(ctx: BuildContext, ch: str) -> Msg | str:
    """Where the contract first uses `ch` (the CLI already names the file)."""
    offset = ctx.source.text.find(ch)
    if offset < 0:  # from our own wording, not the contract
        return ""
    line, col = ctx.source.line_col(offset)
    return Msg("cli.build_error.where", line=line, column=col)


def _missing_glyph(ctx: BuildContext, record: logging.LogRecord) -> BuildError:
    args = record.args if isinstance(record.args, tuple) else ()
    ch = args[0] if args and isinstance(args[0], str) else "?"
    name = unicodedata.name(ch, "unnamed character")
    package = _font_package(ch)
    if not package:
        return BuildError(
            Msg("cli.build_error.private_use", char=repr(ch), code=f"{ord(ch):04X}", where=_where(ctx, ch)),
            Msg("cli.build_error.private_use_hint"),
        )
    return BuildError(
        Msg("cli.build_error.no_glyph", char=repr(ch), code=f"{ord(ch):04X}", name=name, where=_where(ctx, ch)),
        Msg("cli.build_error.no_glyph_hint", package=package),
    )


def check_warnings(ctx: BuildContext, records: list[logging.LogRecord]) -> None:
    """Fail on the warnings that mean a wrong or irreproducible PDF."""
    for record in records:
        message = str(record.msg)
        if message.startswith(".notdef glyph"):
            raise _missing_glyph(ctx, record)
        if message.startswith("Using fontTools instead of HarfBuzz-Subset"):
            # fontTools subsetting stamps the time into the fonts and takes ~20× as long
            raise BuildError(Msg("cli.build_error.harfbuzz"), Msg("cli.build_error.harfbuzz_hint"))


def _fonts_of(pdf) -> list[str]:
    """The /BaseFont names of the fonts in a pydyf PDF ("ABCDEF+Noto-Serif-CJK-SC")."""
    names = []
    for obj in pdf.objects:
        if isinstance(obj, dict) and obj.get("Type") == "/Font" and "BaseFont" in obj:
            name = obj["BaseFont"]
            names.append((name.decode("latin-1") if isinstance(name, bytes) else str(name)).lstrip("/"))
    return names


def is_cjk_sc(font_name: str) -> bool:
    """Noto Sans/Serif CJK SC, however the name is spelled: WeasyPrint 70
    writes "Noto-Sans-CJK-SC", the font's PostScript name is "NotoSansCJKsc"."""
    flat = "".join(ch for ch in font_name.lower() if ch.isalnum())
    return any(family.lower() in flat for family in CJK_FONTS)


def source_of(ctx) -> str:
    """The contract source to embed, exactly as written (line for line: the
    rules' and the letter's line numbers point into it). Its canonical form
    is what the rules' `source_sha256` records; extract-rules compiles it
    and requires the attached rules byte for byte."""
    return str(ctx.source.text)


def render(page: str, ctx: BuildContext, rules: bytes) -> bytes:
    """The PDF of one letter. `ctx` needs only `path`, `source` and the
    contract's `id` and `effective_start` (the warm renderer sends just those)."""
    weasyprint, _, _ = _weasyprint()
    c = ctx.contract
    templates = resource_dir("templates")
    fetcher = make_fetcher(templates)
    created = dt.datetime.combine(c.effective_start, dt.time())

    def attached(data: bytes, name: str, description: str, relationship: str):
        return weasyprint.Attachment(
            file_obj=io.BytesIO(data),
            url_fetcher=fetcher,
            name=name,
            description=description,
            created=created,
            modified=created,
            relationship=relationship,
        )

    attachment = attached(rules, f"{c.id}.rules.json", RULES_DESCRIPTION, "Data")
    source = attached(source_of(ctx).encode("utf-8"), f"{c.id}.sla", SOURCE_DESCRIPTION, "Source")
    fonts: list[str] = []

    def finisher(document, pdf) -> None:
        fonts.extend(_fonts_of(pdf))
        # WeasyPrint 70 lists each associated file twice in the catalogue's
        # /AF (once from the name tree, once from the file specification).
        af = pdf.catalog.get("AF")
        if af is not None:
            import pydyf

            pdf.catalog["AF"] = pydyf.Array(dict.fromkeys(af))

    logger = logging.getLogger("weasyprint")
    handler = _Warnings()
    logger.addHandler(handler)
    try:
        html = weasyprint.HTML(string=page, base_url=templates.as_uri() + "/", url_fetcher=fetcher)
        data = html.write_pdf(pdf_variant=PDF_VARIANT, attachments=[attachment, source], finisher=finisher)
    finally:
        logger.removeHandler(handler)

    check_warnings(ctx, handler.records)
    if fetcher.refused:
        raise BuildError(
            Msg("cli.build_error.fetched", url=repr(fetcher.refused[0])), Msg("cli.build_error.fetched_hint")
        )
    if not any(is_cjk_sc(f) for f in fonts):
        found: list[str] | Msg = sorted(set(fonts)) or Msg("cli.build_error.fonts_none")
        raise BuildError(Msg("cli.build_error.fonts", fonts=found), Msg("cli.build_error.fonts_hint"))
    return data
