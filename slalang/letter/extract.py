"""Getting the compiled rules back out of a letter PDF, verified.

The PDF embeds `<id>.rules.json` as an associated file (slalang/letter/pdf.py).
`extract_rules(data)` finds it, checks the PDF's own MD5 of the embedded
stream (`/Params /CheckSum`), then the rule file's checksum and schema (the
runtime loader), then that the rules were compiled from the same source as
the letter (the `sha256:` keyword in the PDF's metadata). Any failure is a
`LetterFileError` with a message and a hint; nothing is printed here."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from typing import Any

from slalang.i18n import Msg, Verbatim


class LetterFileError(Exception):
    """`message` and `hint` are catalogue messages (or text in the user's
    words, such as the rule loader's), rendered in the user's language by the CLI."""

    def __init__(self, message: Any, hint: Any = None, usage: bool = False):
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.usage = usage  # the input is not a PDF at all (exit 2), not a failed check (exit 1)

    def __str__(self) -> str:
        return str(self.message)


@dataclass
class ExtractedRules:
    name: str
    data: bytes
    contract_id: str
    version: str
    checksum: str  # the rule file's own `sha256:…`
    source_sha256: str  # of the contract source both were built from


def _embedded_files(reader) -> list[tuple[str, Any]]:
    """(name, file specification) for every file in the /EmbeddedFiles name tree."""
    root = reader.trailer["/Root"]
    names = root.get("/Names")
    tree = names.get_object().get("/EmbeddedFiles") if names is not None else None
    found: list[tuple[str, Any]] = []

    def walk(node, depth=0):
        node = node.get_object()
        if depth > 32:  # a hostile PDF could loop its name tree
            return
        pairs = node.get("/Names")
        if pairs is not None:
            pairs = pairs.get_object()
            for i in range(0, len(pairs) - 1, 2):
                found.append((str(pairs[i]), pairs[i + 1].get_object()))
        for kid in node.get("/Kids") or ():
            walk(kid, depth + 1)

    if tree is not None:
        walk(tree)
    return found


def _m(key: str, **fields: object) -> Msg:
    """An extract-rules message (`cli.extract.error.<key>`); paths and names verbatim."""
    return Msg(f"cli.extract.error.{key}", **{k: Verbatim(v) if isinstance(v, str) else v for k, v in fields.items()})


def extract_rules(data: bytes, path: str = "letter") -> ExtractedRules:
    try:
        from pypdf import PdfReader
        from pypdf.errors import PdfReadError
    except ModuleNotFoundError:
        raise LetterFileError(_m("no_pypdf"), Verbatim("pip install pypdf"), usage=True) from None
    if not data.startswith(b"%PDF-"):
        raise LetterFileError(_m("not_pdf", path=path), _m("not_pdf_hint"), usage=True)
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        files = _embedded_files(reader)
        metadata = reader.metadata
        keywords = str((metadata.get("/Keywords") if metadata is not None else None) or "")
    except (PdfReadError, KeyError, ValueError, TypeError, AttributeError) as exc:
        raise LetterFileError(_m("unreadable", path=path, detail=Verbatim(str(exc))), usage=True) from None

    rules = [(name, spec) for name, spec in files if name.endswith(".rules.json")]
    if not rules:
        others = [Verbatim(name) for name, _ in files] or Msg("cli.extract.error.none")
        raise LetterFileError(_m("no_rules", path=path, others=others), _m("no_rules_hint"))
    if len(rules) > 1:
        raise LetterFileError(_m("several_rules", path=path, n=len(rules), names=[Verbatim(n) for n, _ in rules]))
    name, spec = rules[0]
    try:
        stream = spec["/EF"]["/F"].get_object()
        body = stream.get_data()
        params = stream.get("/Params")
        params = params.get_object() if params is not None else {}
    except (KeyError, ValueError, TypeError, AttributeError) as exc:
        raise LetterFileError(_m("attachment_unreadable", path=path, name=name, detail=Verbatim(str(exc)))) from None

    # The PDF's own record of the attachment: its MD5 and size when embedded.
    claimed = params.get("/CheckSum")
    if claimed is None:
        raise LetterFileError(_m("no_checksum", path=path, name=name))
    claimed_bytes = claimed.original_bytes if hasattr(claimed, "original_bytes") else bytes(claimed)
    if claimed_bytes != hashlib.md5(body, usedforsecurity=False).digest():
        raise LetterFileError(_m("altered", path=path, name=name), _m("altered_hint"))
    size = params.get("/Size")
    if size is not None and int(size) != len(body):
        raise LetterFileError(_m("size", path=path, name=name, size=len(body), claimed=int(size)))

    from slalang.runtime import RulesError, loads_rules

    try:
        rule_file = loads_rules(body, f"{path} → {name}")
    except RulesError as exc:
        raise LetterFileError(str(exc), exc.hint) from None
    source = rule_file.source_sha256
    marks = [k.strip()[len("sha256:") :] for k in keywords.split(",") if k.strip().startswith("sha256:")]
    if marks and source not in marks:
        raise LetterFileError(
            _m("disagree", path=path, rules=f"sha256:{source[:12]}…", letter=f"sha256:{marks[0][:12]}…"),
            _m("disagree_hint"),
        )
    return ExtractedRules(name, body, rule_file.contract.id, rule_file.contract.version, rule_file.checksum, source)
