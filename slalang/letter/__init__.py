"""The bilingual commitment letter: HTML and PDF/A-3b from the contract model.

`produce(ctx)` is the build producer for the `html` and `pdf` formats (see
slalang/build.py). It composes the letter (document.py, wording.py), fills
the template (html.py) and, for the PDF, renders it with WeasyPrint and
embeds the compiled rule file and the canonical source (pdf.py); with
`build --sign` (ctx.signer) the PDF is then signed (sign.py, pyHanko, as an
incremental update). WeasyPrint and pyHanko are imported only when needed."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from slalang.errors import BuildError
from slalang.i18n import Msg

if TYPE_CHECKING:  # the producer interface only: a backend never imports the orchestrator
    from slalang.build import BuildContext
    from slalang.model import Contract


def source_sha256(ctx: BuildContext) -> str:
    """The hash of the canonical source: the same one the rule file records."""
    return hashlib.sha256(ctx.canonical().encode("utf-8")).hexdigest()


LAYOUTS = ("interleaved", "side-by-side")


def render_html(ctx: BuildContext) -> str:
    from slalang.letter import document, html
    from slalang.letter.wording import CatalogueError

    if ctx.layout not in LAYOUTS:
        raise BuildError(
            Msg("cli.build_error.layout", layout=repr(ctx.layout)),
            Msg("cli.build_error.layout_hint", layouts=", ".join(LAYOUTS)),
        )

    try:
        letter = document.compose(ctx.contract, source_sha256(ctx), ctx.layout)
        return html.render(letter)
    except CatalogueError as exc:
        raise BuildError(str(exc), Msg("cli.build_error.catalogue_hint")) from None


def rules_json(ctx: BuildContext) -> bytes:
    """The rule file the PDF embeds: the very bytes written beside it when
    rules are built in the same run, otherwise built here the same way."""
    name = f"{ctx.contract.id}.rules.json"
    if name in ctx.outputs:
        return ctx.outputs[name]
    return compile_rules(ctx.contract, ctx.canonical())


def compile_rules(contract: Contract, canonical_text: str) -> bytes:
    """`<id>.rules.json` as the rules backend makes it: what the PDF embeds,
    and what extract-rules compares the attached rules with."""
    try:
        from slalang.rules import rules_json
    except ModuleNotFoundError as exc:
        if exc.name != "slalang.rules":
            raise
        raise BuildError(
            Msg("cli.build_error.no_rules_backend"), Msg("cli.build_error.no_rules_backend_hint")
        ) from None
    return rules_json(contract, canonical_text)


def produce(ctx: BuildContext) -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    if not ctx.formats & {"html", "pdf"}:
        return out
    if "pdf" in ctx.formats and ctx.signer is not None:
        from slalang.letter import sign

        sign.prepare(ctx.signer)  # a wrong key or passphrase fails before a page is rendered
    page = render_html(ctx)
    if "html" in ctx.formats:
        out[f"{ctx.contract.id}.html"] = page.encode("utf-8")
    if "pdf" in ctx.formats:
        from slalang.letter import prefork

        rules = rules_json(ctx)
        data = prefork.render(page, ctx, rules)  # the warm renderer, when `slalang build` started one
        if data is None:
            from slalang.letter import pdf

            data = pdf.render(page, ctx, rules)
        if ctx.signer is not None:
            from slalang.letter import sign

            data = sign.sign_pdf(data, ctx.signer, path=f"{ctx.contract.id}.pdf")
        out[f"{ctx.contract.id}.pdf"] = data
    return out
