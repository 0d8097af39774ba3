"""Getting the compiled rules back out of a letter PDF, and saying exactly
what that shows.

A letter PDF (slalang/letter/pdf.py) carries two associated files: the
compiled `<id>.rules.json` and the contract source `<id>.sla` as written
(its canonical form is what the rules' `source_sha256` records).
`extract_rules(data)` checks, in this order:

1. the signature, if the letter is signed (pyHanko, slalang/letter/sign.py):
   intact, covering the whole file (no incremental update after it), and —
   with trust roots — chaining to one of them;
2. the PDF's own MD5 and size of each attachment (`/Params`): this finds
   damage only, a forger recomputes it;
3. consistency: the attached source compiles, and its compilation by this
   slalang is the attached rule file byte for byte; the source's sha256 is
   the one the rules and the PDF's keywords name. The rule file is loaded
   (runtime loader) only once it is known to be the compiler's own output.

Without a signature, 3 shows only that rules and source belong together:
whoever can edit the file can replace source, rules and text together and
recompute everything. Only a signature checked against a trusted certificate
shows who issued the letter. The CLI words the result accordingly and never
says "verified".

Bounded work on hostile files: the PDF is at most `MAX_PDF_BYTES`, each
attachment at most `MAX_ATTACHMENT_BYTES` decoded (decompressed with a
limit, never by an unbounded filter), the embedded-files name tree is walked
with a visited set, at most `MAX_TREE_NODES` nodes and `MAX_TREE_DEPTH`
levels. Any failure is a `LetterFileError` with a message and a hint;
nothing is printed here."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import zlib
from dataclasses import dataclass, field
from typing import Any

from slalang.i18n import Msg, Verbatim
from slalang.letter.sign import os_reason
from slalang.textsafe import term

MAX_PDF_BYTES = 64 * 1024 * 1024
MAX_ATTACHMENT_BYTES = 16 * 1024 * 1024
MAX_TREE_NODES = 10_000
MAX_TREE_DEPTH = 32
# What pypdf raises on a damaged or hostile object, beside its own PdfReadError.
_PDF_ERRORS = (
    KeyError,
    IndexError,
    ValueError,
    TypeError,
    AttributeError,
    RecursionError,
    AssertionError,
    OverflowError,
)


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
class Signature:
    """Who signed a letter, as the signature states it."""

    subject: str  # "CN=…, O=…" of the signer's certificate
    serial: str  # hex
    issuer: str
    signing_time: dt.datetime | None  # claimed by the signer (PAdES B-B has no time-stamp)
    trusted: bool  # chains to one of the given trust roots (False when none were given)
    anchor: str | None = None  # the trust root it chains to


@dataclass
class ExtractedRules:
    name: str
    data: bytes
    contract_id: str
    version: str
    checksum: str  # the rule file's own `sha256:…`
    source_sha256: str  # of the contract source both were built from
    source_name: str = ""
    signature: Signature | None = None
    notes: list[Any] = field(default_factory=list)


def _m(key: str, **fields: object) -> Msg:
    """An extract-rules message (`cli.extract.error.<key>`); paths and names verbatim."""
    return Msg(f"cli.extract.error.{key}", **{k: Verbatim(v) if isinstance(v, str) else v for k, v in fields.items()})


# ------------------------------------------------------------------ the PDF's attachments
def _embedded_files(reader, path: str) -> list[tuple[str, Any]]:
    """(name, file specification) for every file in the /EmbeddedFiles name
    tree: a visited set on object numbers, at most MAX_TREE_NODES nodes and
    MAX_TREE_DEPTH levels, so a tree that lists itself or loops ends at once."""
    from pypdf.generic import IndirectObject

    root = reader.trailer["/Root"].get_object()
    names = root.get("/Names")
    tree = names.get_object().get("/EmbeddedFiles") if names is not None else None
    found: list[tuple[str, Any]] = []
    if tree is None:
        return found
    seen: set[tuple[int, int]] = set()
    todo: list[tuple[Any, int]] = [(tree, 0)]
    nodes = 0
    while todo:
        ref, depth = todo.pop()
        if isinstance(ref, IndirectObject):
            key = (ref.idnum, ref.generation)
            if key in seen:
                raise LetterFileError(_m("tree_loop", path=path), _m("tree_hint"))
            seen.add(key)
        nodes += 1
        if nodes > MAX_TREE_NODES or depth > MAX_TREE_DEPTH:
            raise LetterFileError(
                _m("tree_too_big", path=path, nodes=MAX_TREE_NODES, depth=MAX_TREE_DEPTH), _m("tree_hint")
            )
        node = ref.get_object()
        if not hasattr(node, "get"):
            raise LetterFileError(_m("tree_malformed", path=path), _m("tree_hint"))
        pairs = node.get("/Names")
        if pairs is not None:
            pairs = pairs.get_object()
            if len(pairs) > 2 * MAX_TREE_NODES:
                raise LetterFileError(
                    _m("tree_too_big", path=path, nodes=MAX_TREE_NODES, depth=MAX_TREE_DEPTH), _m("tree_hint")
                )
            for i in range(0, len(pairs) - 1, 2):
                found.append((str(pairs[i]), pairs[i + 1]))
        kids = node.get("/Kids")
        if kids is not None:
            kids = kids.get_object()
            if len(kids) > MAX_TREE_NODES:
                raise LetterFileError(
                    _m("tree_too_big", path=path, nodes=MAX_TREE_NODES, depth=MAX_TREE_DEPTH), _m("tree_hint")
                )
            todo.extend((kid, depth + 1) for kid in reversed(kids))
    return found


def _decoded(stream, path: str, name: str) -> bytes:
    """The bytes of an embedded file, decoded with a limit: no filter or
    FlateDecode (what slalang writes) only; more than MAX_ATTACHMENT_BYTES
    is refused before it is all in memory."""
    limit = MAX_ATTACHMENT_BYTES
    filters = stream.get("/Filter")
    filters = filters.get_object() if filters is not None else None
    if filters is None:
        names: list[str] = []
    elif isinstance(filters, list):
        names = [str(f) for f in filters]
    else:
        names = [str(filters)]
    if stream.get("/DecodeParms") is not None or any(f != "/FlateDecode" for f in names) or len(names) > 1:
        raise LetterFileError(
            _m("attachment_filter", path=path, name=name, filters=", ".join(names) or "?"), _m("tree_hint")
        )
    raw = stream._data if isinstance(getattr(stream, "_data", None), bytes) else b""
    if not names:
        if len(raw) > limit:
            raise LetterFileError(_m("attachment_too_big", path=path, name=name, limit=limit // (1024 * 1024)))
        return raw
    inflate = zlib.decompressobj()
    try:
        body = inflate.decompress(raw, limit + 1)
    except zlib.error as exc:
        raise LetterFileError(_m("attachment_unreadable", path=path, name=name, detail=str(exc))) from None
    if len(body) > limit:
        raise LetterFileError(_m("attachment_too_big", path=path, name=name, limit=limit // (1024 * 1024)))
    return body


def _attachment(spec, path: str, name: str) -> bytes:
    """One attachment's bytes, checked against the MD5 and size the PDF records."""
    shown = term(name)
    try:
        stream = spec.get_object()["/EF"]["/F"].get_object()
        body = _decoded(stream, path, shown)
        params = stream.get("/Params")
        params = params.get_object() if params is not None else {}
    except LetterFileError:
        raise
    except Exception as exc:  # pypdf's errors on a damaged object (PdfReadError and the like)
        if not isinstance(exc, _PDF_ERRORS) and type(exc).__module__.split(".")[0] != "pypdf":
            raise
        raise LetterFileError(_m("attachment_unreadable", path=path, name=shown, detail=term(str(exc)))) from None
    # The PDF's own record of the attachment: its MD5 and size when embedded.
    # Damage only: anyone who edits the attachment can recompute both.
    claimed = params.get("/CheckSum")
    if claimed is None:
        raise LetterFileError(_m("no_checksum", path=path, name=shown))
    claimed_bytes = claimed.original_bytes if hasattr(claimed, "original_bytes") else bytes(claimed)
    if claimed_bytes != hashlib.md5(body, usedforsecurity=False).digest():
        raise LetterFileError(_m("altered", path=path, name=shown), _m("altered_hint"))
    size = params.get("/Size")
    if size is not None and int(size) != len(body):
        raise LetterFileError(_m("size", path=path, name=shown, size=len(body), claimed=int(size)))
    return body


# ------------------------------------------------------------------ the signature
class _Quiet:
    """pyHanko logs a failed path search with its traceback: the verdict is
    ours to say, so its loggers are muted while a signature is validated."""

    NAMES = ("pyhanko", "pyhanko_certvalidator")

    def __enter__(self) -> None:
        import logging

        self.saved: list = []
        for name in self.NAMES:
            logger = logging.getLogger(name)
            self.saved.append((logger, logger.level))
            logger.setLevel(logging.CRITICAL + 1)  # its modules' loggers inherit the level

    def __exit__(self, *exc: object) -> None:
        for logger, level in self.saved:
            logger.setLevel(level)


def _signature(data: bytes, path: str, trust: list | None) -> Signature | None:
    """The letter's signature, checked with pyHanko; None when it has none.
    `trust` is a list of asn1crypto certificates (None: no trust check)."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import KeyUsageConstraints, validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        signatures = reader.embedded_signatures
        revisions = reader.xrefs.total_revisions
    except Exception as exc:
        raise LetterFileError(_m("signature_unreadable", path=path, detail=term(str(exc)))) from None
    if not signatures:
        return None
    if len(signatures) > 1:
        raise LetterFileError(_m("several_signatures", path=path, n=len(signatures)), _m("signature_hint"))
    sig = signatures[0]
    try:
        claimed = sig.self_reported_timestamp
        context = ValidationContext(
            trust_roots=list(trust or ()),
            allow_fetching=False,  # nothing is fetched: no revocation checks
            revocation_mode="soft-fail",
            moment=claimed,  # the certificate's validity at the signing time the signature states
        )
        # digitalSignature or nonRepudiation (pyHanko alone wants
        # nonRepudiation); the extended key usage is checked below, as
        # `build --sign` checks it (sign.fit_for_signing)
        from slalang.letter.sign import SIGNING_KEY_USAGES

        usage = KeyUsageConstraints(key_usage=set(SIGNING_KEY_USAGES), match_all_key_usages=False)
        with _Quiet():
            status = validate_pdf_signature(sig, context, key_usage_settings=usage)
        cert = status.signing_cert
    except Exception as exc:
        raise LetterFileError(_m("signature_unreadable", path=path, detail=term(str(exc)))) from None
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    subject = term(_name(cert.subject))
    if not status.intact or not status.valid:
        raise LetterFileError(_m("signature_broken", path=path, subject=subject), _m("signature_broken_hint"))
    if status.coverage != SignatureCoverageLevel.ENTIRE_FILE or sig.signed_revision != revisions - 1:
        after = revisions - 1 - sig.signed_revision
        raise LetterFileError(
            _m("signature_partial", path=path, subject=subject, n=max(after, 1)), _m("signature_partial_hint")
        )
    from cryptography import x509 as cx509

    from slalang.letter.sign import fit_for_signing

    if not fit_for_signing(cx509.load_der_x509_certificate(cert.dump())):
        raise LetterFileError(_m("signer_unfit", path=path, subject=subject), _m("untrusted_hint"))
    anchor = None
    if trust:
        if not status.trusted:
            problem = getattr(status, "trust_problem_indic", None)
            name = getattr(problem, "name", "NO_CERTIFICATE_CHAIN_FOUND")
            issuer = term(_name(cert.issuer))
            if name == "NO_CERTIFICATE_CHAIN_FOUND":
                raise LetterFileError(_m("untrusted", path=path, subject=subject, issuer=issuer), _m("untrusted_hint"))
            reason = _m(f"trust_reason.{_TRUST_REASONS.get(name, 'other')}")
            raise LetterFileError(
                _m("untrusted_why", path=path, subject=subject, issuer=issuer, reason=reason), _m("untrusted_hint")
            )
        try:
            path_ = status.validation_path
            anchor = term(_name(path_.trust_anchor.authority.name)) if path_ is not None else None
        except Exception:
            anchor = None
    return Signature(
        subject=subject,
        serial=format(cert.serial_number, "x"),
        issuer=term(_name(cert.issuer)),
        signing_time=claimed,
        trusted=bool(trust) and bool(status.trusted),
        anchor=anchor,
    )


# pyHanko's ValidationSubIndication names, as catalogue keys under `extract.error.trust_reason.`
# (any other: `other`).
_TRUST_REASONS = {
    "EXPIRED": "expired",
    "OUT_OF_BOUNDS_NO_POE": "expired",
    "NOT_YET_VALID": "not_yet_valid",
    "CHAIN_CONSTRAINTS_FAILURE": "chain_constraints",
    "CRYPTO_CONSTRAINTS_FAILURE": "crypto_constraints",
    "CRYPTO_CONSTRAINTS_FAILURE_NO_POE": "crypto_constraints",
}


def _name(name) -> str:
    """`CN=…, O=…` of an asn1crypto Name."""
    native = name.native if hasattr(name, "native") else {}
    parts = [
        f"{label}={native[key]}" for key, label in (("common_name", "CN"), ("organization_name", "O")) if key in native
    ]
    return ", ".join(parts) or (name.human_friendly if hasattr(name, "human_friendly") else str(name))


def load_trust(paths: list[str]) -> list:
    """asn1crypto certificates from PEM (one or several) or DER files; a
    LetterFileError (usage) for a file that is not one."""
    from asn1crypto import pem
    from asn1crypto import x509 as asn1_x509

    roots = []
    for p in paths:
        try:
            with open(p, "rb") as fh:
                data = fh.read(1024 * 1024 + 1)
        except OSError as exc:
            raise LetterFileError(_m("trust_unreadable", path=p, reason=os_reason(exc)), usage=True) from None
        try:
            if pem.detect(data):
                ders = [der for kind, _, der in pem.unarmor(data, multiple=True) if kind == "CERTIFICATE"]
            else:
                ders = [data]
            certs = [asn1_x509.Certificate.load(der) for der in ders]
            for c in certs:
                c.native  # noqa: B018  (parses it all now: a malformed file fails here, not later)
        except Exception:
            certs = []
        if not certs:
            raise LetterFileError(_m("trust_not_cert", path=p), _m("trust_not_cert_hint"), usage=True)
        roots.extend(certs)
    return roots


# ------------------------------------------------------------------ consistency
def _difference(attached: Any, compiled: Any, where: str = "", depth: int = 0) -> str | None:
    """The first place two JSON values differ (`targets[3].seconds: 14400, compiled 900`)."""
    if depth > 64:
        return where or "(top)"
    if isinstance(attached, dict) and isinstance(compiled, dict):
        keys = list(compiled) + [k for k in attached if k not in compiled]
        keys.sort(key=lambda k: k == "checksum")  # what changed, not the checksum that follows it
        for key in keys:
            if key not in attached or key not in compiled:
                return f"{where}.{key}".lstrip(".") + (": missing" if key not in attached else ": not compiled")
            found = _difference(attached[key], compiled[key], f"{where}.{key}", depth + 1)
            if found:
                return found
        return None
    if isinstance(attached, list) and isinstance(compiled, list):
        for i, (a, c) in enumerate(zip(attached, compiled)):
            found = _difference(a, c, f"{where}[{i}]", depth + 1)
            if found:
                return found
        if len(attached) != len(compiled):
            return f"{where.lstrip('.') or '(top)'}: {len(attached)} entries, compiled {len(compiled)}"
        return None
    if attached != compiled or type(attached) is not type(compiled):

        def shown(v: Any) -> str:
            text = json.dumps(v, ensure_ascii=False)
            return text if len(text) <= 60 else text[:57] + "…"

        return f"{where.lstrip('.') or '(top)'}: {shown(attached)}, compiled {shown(compiled)}"
    return None


def _consistent(rules: bytes, source: bytes, path: str, rules_name: str, source_name: str) -> str:
    """Compile the attached source; its rule file must be the attached one,
    byte for byte (raises on any difference). Returns the source's canonical
    text, whose sha256 the rules and the letter's keywords record."""
    from slalang.compiler import MAX_BYTES, compile_text

    if len(source) > MAX_BYTES:
        raise LetterFileError(
            _m("source_too_big", path=path, name=source_name, limit=MAX_BYTES // (1024 * 1024)), _m("tree_hint")
        )
    try:
        text = source.decode("utf-8")
    except UnicodeDecodeError:
        raise LetterFileError(_m("source_not_utf8", path=path, name=source_name), _m("rebuild_hint")) from None
    result = compile_text(text, f"{path} → {source_name}")
    if result.contract is None or result.canonical_text is None:
        first = next((d for d in result.diagnostics if d.is_error), None)
        detail = "?"
        if first is not None:
            line = first.source.line_col(first.span.start)[0] if first.source and first.span else None
            detail = term(first.code + (f", line {line}" if line else ""))
        raise LetterFileError(_m("source_bad", path=path, name=source_name, detail=detail), _m("rebuild_hint"))
    try:
        from slalang.letter import compile_rules

        compiled = compile_rules(result.contract, result.canonical_text)
    except Exception as exc:  # a BuildError (an unknown holiday set…) or a bug: not the compilation
        detail = exc.message if hasattr(exc, "message") else f"{type(exc).__name__}: {exc}"
        raise LetterFileError(
            _m(
                "source_no_rules",
                path=path,
                name=source_name,
                detail=detail if isinstance(detail, Msg) else term(str(detail)),
            ),
            _m("source_no_rules_hint"),
        ) from None
    if compiled != rules:
        try:
            found = _difference(json.loads(rules), json.loads(compiled))
        except (ValueError, RecursionError):
            found = None
        raise LetterFileError(
            _m(
                "not_compilation",
                path=path,
                rules=term(rules_name),
                source=term(source_name),
                where=term(found) if found else Msg("cli.extract.error.not_json"),
            ),
            _m("not_compilation_hint"),
        )
    return result.canonical_text


def _pick(files: list[tuple[str, Any]], suffix: str, path: str) -> tuple[str, Any] | None:
    chosen = [(name, spec) for name, spec in files if name.endswith(suffix)]
    if len(chosen) > 1:
        raise LetterFileError(
            _m("several", path=path, n=len(chosen), kind=suffix, names=[Verbatim(term(n)) for n, _ in chosen]),
            _m("tree_hint"),
        )
    return chosen[0] if chosen else None


def extract_rules(data: bytes, path: str = "letter", trust: list | None = None) -> ExtractedRules:
    """The checked rule file of a letter. `trust`: asn1crypto certificates
    (`load_trust`); given, the letter must be signed by a certificate that
    chains to one of them."""
    try:
        from pypdf import PdfReader
        from pypdf.errors import PdfReadError
    except ModuleNotFoundError:
        raise LetterFileError(_m("no_pypdf"), Verbatim("pip install pypdf"), usage=True) from None
    if not data.startswith(b"%PDF-"):
        raise LetterFileError(_m("not_pdf", path=path), _m("not_pdf_hint"), usage=True)
    if len(data) > MAX_PDF_BYTES:
        raise LetterFileError(
            _m("too_big", path=path, limit=MAX_PDF_BYTES // (1024 * 1024)), _m("tree_hint"), usage=True
        )
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        files = _embedded_files(reader, path)
        metadata = reader.metadata
        keywords = str((metadata.get("/Keywords") if metadata is not None else None) or "")
        catalog = reader.trailer["/Root"].get_object()
        has_form = isinstance(catalog, dict) and "/AcroForm" in catalog
    except LetterFileError:
        raise
    except (PdfReadError, *_PDF_ERRORS) as exc:
        raise LetterFileError(_m("unreadable", path=path, detail=term(str(exc))), usage=True) from None

    # 1. who signed it, if anyone (the strongest statement, so first)
    signature = _signature(data, path, trust) if has_form else None
    if trust and signature is None:
        raise LetterFileError(_m("not_signed", path=path), _m("not_signed_hint"))

    # 2. the two attachments, undamaged
    rules_entry = _pick(files, ".rules.json", path)
    if rules_entry is None:
        others = [Verbatim(term(name)) for name, _ in files] or Msg("cli.extract.error.none")
        raise LetterFileError(_m("no_rules", path=path, others=others), _m("no_rules_hint"))
    name, spec = rules_entry
    body = _attachment(spec, path, name)
    source_entry = _pick(files, ".sla", path)
    if source_entry is None:
        raise LetterFileError(_m("no_source", path=path, name=term(name)), _m("no_source_hint"))
    source_name, source_spec = source_entry
    source = _attachment(source_spec, path, source_name)

    # 3. the rules are the compilation of the source (before any loader sees them)
    canonical = _consistent(body, source, path, name, source_name)
    from slalang.runtime import RulesError, loads_rules

    try:
        rule_file = loads_rules(body, f"{path} → {name}")
    except RulesError as exc:  # the compiler's own output refused by the loader: a slalang bug
        raise LetterFileError(str(exc), exc.hint) from None
    digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    if rule_file.source_sha256 != digest:
        raise LetterFileError(
            _m(
                "source_sha",
                path=path,
                rules=f"sha256:{rule_file.source_sha256[:12]}…",
                source=f"sha256:{digest[:12]}…",
            ),
            _m("rebuild_hint"),
        )
    marks = [k.strip()[len("sha256:") :] for k in keywords.split(",") if k.strip().startswith("sha256:")]
    if marks and digest not in marks:
        raise LetterFileError(
            _m("disagree", path=path, rules=f"sha256:{digest[:12]}…", letter=f"sha256:{marks[0][:12]}…"),
            _m("disagree_hint"),
        )
    return ExtractedRules(
        term(name),
        body,
        rule_file.contract.id,
        rule_file.contract.version,
        rule_file.checksum,
        digest,
        source_name=term(source_name),
        signature=signature,
    )
