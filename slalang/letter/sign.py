"""Signing a letter PDF (`slalang build --sign KEY --cert CERT`), with pyHanko.

`sign_pdf(data, signer)` reads the key and certificates the user named
(slalang.build.Signer), checks them before any work — the key decrypts, it
is the certificate's key, the certificate may sign documents and is valid
now — and adds a PAdES baseline B-B signature (`/ETSI.CAdES.detached`,
SHA-256, or SHA-512 for Ed25519; an invisible signature field) as an
incremental update of the PDF. Nothing is fetched: no time-stamp server, no revocation information
(`embed_validation_info=False`).

PDF/A-3b is kept: the update rewrites the XMP metadata from the letter's own
(pdfaid part 3, conformance B and the rest stay; only the modification date
and producer change, the same in the XMP and the document information), and
the attachments are untouched, inside the signed revision.

A signature says when it was made: the signing time is the current time
(injectable for tests through `when`), so signed PDFs differ run to run; the
unsigned rendering underneath stays reproducible, and `unsigned_part(data)`
gives it back (what `build --check` can compare).

Every problem with the user's files is a BuildError (message and hint from
the `cli.sign.*` catalogue), raised before the build writes anything."""

from __future__ import annotations

import datetime as dt
import io
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from slalang.errors import BuildError
from slalang.i18n import Msg, Verbatim

if TYPE_CHECKING:
    from slalang.build import Signer

FIELD_NAME = "slalang-signature"
MAX_PEM_BYTES = 1024 * 1024  # a key or certificate file is a few KiB


def _m(which: str, **fields: object) -> Msg:
    return Msg(f"cli.sign.{which}", **{k: Verbatim(v) if isinstance(v, str) else v for k, v in fields.items()})


def os_reason(exc: OSError) -> Msg | Verbatim:
    """Why the system refused a file, in the user's language (i18n.os_reason_msg)."""
    from slalang.i18n import os_reason_msg

    return os_reason_msg(exc)


def _read(path: str) -> bytes:
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_PEM_BYTES + 1)
    except OSError as exc:
        raise BuildError(_m("unreadable", path=path, reason=os_reason(exc)), _m("unreadable_hint")) from None
    if len(data) > MAX_PEM_BYTES:
        raise BuildError(_m("too_large", path=path, limit=MAX_PEM_BYTES // 1024), _m("not_cert_hint"))
    return data


def _passphrase(signer: Signer) -> bytes | None:
    var = signer.passphrase_env
    if not var:
        return None
    value = os.environ.get(var)
    if value is None:
        raise BuildError(_m("no_env", var=var), _m("no_env_hint", var=var))
    return value.encode("utf-8")


def load_key(path: str, passphrase: bytes | None, var: str | None = None):
    """The private key in `path` (PEM or DER, PKCS#8 or traditional)."""
    from cryptography.hazmat.primitives import serialization

    data = _read(path)
    pem = b"-----BEGIN" in data
    encrypted = b"ENCRYPTED" in data if pem else None
    load = serialization.load_pem_private_key if pem else serialization.load_der_private_key
    try:
        try:
            return load(data, password=passphrase)
        except TypeError:
            if passphrase is None:  # encrypted, and no passphrase given
                raise BuildError(_m("key_encrypted", path=path), _m("key_encrypted_hint")) from None
            return load(data, password=None)  # a passphrase for a key that has none: not needed
    except ValueError:
        if passphrase is not None and (encrypted or not pem):
            raise BuildError(_m("bad_passphrase", path=path, var=var or ""), _m("bad_passphrase_hint")) from None
        raise BuildError(_m("not_key", path=path), _m("not_key_hint")) from None
    except BuildError:
        raise
    except Exception:  # cryptography's UnsupportedAlgorithm and the like
        raise BuildError(_m("not_key", path=path), _m("not_key_hint")) from None


def load_certs(path: str) -> list:
    """Every certificate in `path` (PEM, one or several, or one DER)."""
    from cryptography import x509

    data = _read(path)
    try:
        if b"-----BEGIN" in data:
            certs = x509.load_pem_x509_certificates(data)
        else:
            certs = [x509.load_der_x509_certificate(data)]
    except Exception:
        raise BuildError(_m("not_cert", path=path), _m("not_cert_hint")) from None
    if not certs:
        raise BuildError(_m("not_cert", path=path), _m("not_cert_hint"))
    return certs


def describe(cert) -> str:
    """`CN=…, O=…` of a certificate's subject (the readable parts)."""
    from cryptography.x509.oid import NameOID

    parts = []
    for oid, label in ((NameOID.COMMON_NAME, "CN"), (NameOID.ORGANIZATION_NAME, "O")):
        for attr in cert.subject.get_attributes_for_oid(oid):
            parts.append(f"{label}={attr.value}")
    return ", ".join(parts) or cert.subject.rfc4514_string()


def _public(key) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


# What a document-signing certificate is, at signing and at extraction alike:
# a key usage of digitalSignature or nonRepudiation (required), and — when the
# certificate has an extended key usage — one of these purposes (RFC 5280
# §4.2.1.12 binds even a non-critical one: a TLS server certificate may not
# sign a letter). asn1crypto's names, or the dotted OID where it has none.
SIGNING_KEY_USAGES = frozenset({"digital_signature", "non_repudiation"})
SIGNING_EXTENDED_USAGES = frozenset(
    {
        "email_protection",
        "1.3.6.1.5.5.7.3.36",  # id-kp-documentSigning (RFC 9336)
        "adobe_authentic_documents_trust",
        "microsoft_document_signing",
    }
)
_EKU_OIDS = {
    "email_protection": "1.3.6.1.5.5.7.3.4",
    "adobe_authentic_documents_trust": "1.2.840.113583.1.1.5",
    "microsoft_document_signing": "1.3.6.1.4.1.311.10.3.12",
}


def fit_for_signing(cert) -> bool:
    """A `cryptography` certificate fit to sign documents (see SIGNING_*)."""
    from cryptography import x509

    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return False
    if not (usage.digital_signature or usage.content_commitment):
        return False
    try:
        purposes = {p.dotted_string for p in cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value}
    except x509.ExtensionNotFound:
        return True
    wanted = {_EKU_OIDS.get(p, p) for p in SIGNING_EXTENDED_USAGES} | {"2.5.29.37.0"}  # or anyExtendedKeyUsage
    return bool(purposes & wanted)


def _check_cert(cert, key, signer: Signer, now: dt.datetime) -> None:

    if _public(cert.public_key()) != _public(key.public_key()):
        raise BuildError(
            _m("mismatch", keyfile=signer.key, cert=signer.cert, subject=describe(cert)), _m("mismatch_hint")
        )
    if not fit_for_signing(cert):
        raise BuildError(_m("key_usage", cert=signer.cert, subject=describe(cert)), _m("key_usage_hint"))
    start, end = cert.not_valid_before_utc, cert.not_valid_after_utc
    if not start <= now <= end:
        raise BuildError(
            _m(
                "not_valid_now",
                cert=signer.cert,
                start=start.strftime("%Y-%m-%d %H:%M UTC"),
                end=end.strftime("%Y-%m-%d %H:%M UTC"),
                now=now.strftime("%Y-%m-%d %H:%M UTC"),
            ),
            _m("not_valid_now_hint"),
        )


def prepare(signer: Signer, now: dt.datetime | None = None) -> tuple[Any, Any, list]:
    """(key, certificate, chain) read and checked; a BuildError otherwise."""
    now = now or dt.datetime.now(dt.UTC)
    key = load_key(signer.key, _passphrase(signer), signer.passphrase_env)
    certs = load_certs(signer.cert)
    cert, chain = certs[0], certs[1:]
    for extra in signer.chain:
        chain.extend(load_certs(extra))
    _check_cert(cert, key, signer, now)
    return key, cert, chain


def _pyhanko_signer(key, cert, chain):
    from asn1crypto import keys as asn1_keys
    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives import serialization
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    def asn1(c):
        return asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER))

    info = asn1_keys.PrivateKeyInfo.load(
        key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return signers.SimpleSigner(
        signing_cert=asn1(cert),
        signing_key=info,
        cert_registry=SimpleCertificateStore.from_certs([asn1(c) for c in chain]),
    )


def _writer(data: bytes, when: dt.datetime):
    """pyHanko's incremental writer, made to keep PDF/A-3b.

    pyHanko would replace an XMP packet it did not write by a new one without
    the PDF/A identification: the letter's own is parsed into pyHanko's
    metadata stream instead, which keeps every field. After pyHanko's update,
    the XMP producer is made equal to the document information's (PDF/A wants
    them equal; pyHanko appends itself to the one and replaces the other) and
    the modification date is the signing time in both, not two readings of
    the clock."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.metadata import model, xmp_xml

    class Writer(IncrementalPdfFileWriter):
        def _update_meta(self) -> None:
            super()._update_meta()
            info = self._info.get_object() if self._info is not None else None
            producer = str(info.get("/Producer", model.VENDOR)) if info is not None else model.VENDOR
            if info is not None and self._info is not None and "/ModDate" in info:
                info["/ModDate"] = generic.pdf_date(when)
                self.mark_update(self._info)
            meta = self.root["/Metadata"] if "/Metadata" in self.root else None
            if isinstance(meta, xmp_xml.MetadataStream):
                fields: dict = {k: v for root in meta.xmp for k, v in root}
                fields[model.PDF_PRODUCER] = model.XmpValue(producer)
                fields[model.XMP_MODDATE] = model.XmpValue(when.replace(microsecond=0).isoformat())
                meta._xmp = [model.XmpStructure(fields)]
                meta._reserialise()
                meta._encoded_data = None

    writer = Writer(io.BytesIO(data), strict=False)
    root = writer.root
    if "/Metadata" in root:
        roots = xmp_xml.parse_xmp(io.BytesIO(root["/Metadata"].data))
        root["/Metadata"] = writer.add_object(xmp_xml.MetadataStream.from_xmp(roots))
        writer.update_root()
    return writer


def unsigned_part(data: bytes) -> bytes:
    """The letter as rendered, before `sign_pdf` appended its signature: the
    bytes up to the end of the revision before the last signature's (a PDF
    without a signature is returned whole). For comparing slalang's own
    outputs (`build --check`), not for trusting anything."""
    import re

    holes = re.findall(rb"/ByteRange\s*\[\s*0\s+(\d+)", data)
    if not holes:
        return data
    hole = int(holes[-1])
    end = data.rfind(b"%%EOF", 0, hole)
    if end < 0:
        return data
    end += len(b"%%EOF")
    while end < len(data) and data[end : end + 1] in (b"\r", b"\n"):
        end += 1
    return data[:end]


def _digest_for(key) -> str | None:
    """SHA-256, but what EdDSA prescribes for Edwards keys (None: pyHanko's choice)."""
    from cryptography.hazmat.primitives.asymmetric import ed448, ed25519

    if isinstance(key, ed25519.Ed25519PrivateKey):
        return "sha512"
    if isinstance(key, ed448.Ed448PrivateKey):
        return None
    return "sha256"


def sign_pdf(data: bytes, signer: Signer, when: dt.datetime | None = None, path: str = "letter") -> bytes:
    """`data` with a PAdES B-B signature appended as an incremental update."""
    when = when or dt.datetime.now(dt.UTC)
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    key, cert, chain = prepare(signer, when)
    try:
        from pyhanko.sign import fields, signers
    except ModuleNotFoundError:
        raise BuildError(_m("no_pyhanko"), Verbatim("pip install pyhanko")) from None

    class AtTime(signers.PdfSigner):
        def init_signing_session(self, pdf_out, existing_fields_only=False):
            session = super().init_signing_session(pdf_out, existing_fields_only)
            session.system_time = when
            return session

    try:
        writer = _writer(data, when)
        meta = signers.PdfSignatureMetadata(
            field_name=FIELD_NAME,
            md_algorithm=_digest_for(key),
            subfilter=fields.SigSeedSubFilter.PADES,
            embed_validation_info=False,
            use_pades_lta=False,
        )
        pdf_signer = AtTime(
            meta,
            signer=_pyhanko_signer(key, cert, chain),
            new_field_spec=fields.SigFieldSpec(sig_field_name=FIELD_NAME),
        )
        out = pdf_signer.sign_pdf(writer, output=io.BytesIO())
        return out.getvalue()
    except BuildError:
        raise
    except Exception as exc:  # pyHanko's SigningError and whatever the key type refuses
        raise BuildError(
            _m("failed", path=Path(path).name, detail=f"{type(exc).__name__}: {exc}"), _m("failed_hint")
        ) from None
