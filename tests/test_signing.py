"""Signed letters (issue 14, deliverable 1): `slalang build --sign KEY --cert
CERT` and `slalang extract-rules --trust CERT`, as a user runs them.

A throwaway PKI is made here with `cryptography`: a root CA, a signer
certificate it issued (digitalSignature + nonRepudiation), a second,
unrelated CA, a passphrase-protected copy of the signer's key, a certificate
that may not sign documents and an expired one. The itops letter is built
once unsigned and once signed (module fixtures); every tampering after that
is done in memory.

What is shown: the signed letter extracts with --trust and says who signed
(subject, serial, signing time); without --trust it says it was not checked
against a trusted certificate; a byte changed after signing, an incremental
update appended after signing (the rules attachment replaced, MD5 fixed),
and a wrong trust root are refused (exit 1); the signed PDF is still
PDF/A-3b (XMP pdfaid part 3 conformance B, the producer the same in XMP and
document information, qpdf finds it sound) and begins with the unsigned
letter's bytes; a wrong key, a wrong or missing passphrase and a malformed
PEM fail the build with a message in both languages and write nothing."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import ROOT

pypdf = pytest.importorskip("pypdf")
pytest.importorskip("pyhanko")

from cryptography import x509  # noqa: E402
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from cryptography.x509.oid import NameOID  # noqa: E402

from slalang.build import Signer  # noqa: E402
from slalang.cli import main  # noqa: E402
from slalang.errors import BuildError  # noqa: E402

ITOPS = str(ROOT / "contracts" / "itops.sla")
NOW = dt.datetime.now(dt.UTC)


# ------------------------------------------------------------------ a throwaway PKI
def _name(cn: str, org: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn), x509.NameAttribute(NameOID.ORGANIZATION_NAME, org)])


def _usage(**on: bool) -> x509.KeyUsage:
    names = (
        "digital_signature content_commitment key_encipherment data_encipherment key_agreement "
        "key_cert_sign crl_sign encipher_only decipher_only"
    ).split()
    return x509.KeyUsage(**{n: on.get(n, False) for n in names})


def _cert(subject, issuer, key, issuer_key, *, ca: bool, usage, start=None, end=None, eku=None):
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start or NOW - dt.timedelta(days=1))
        .not_valid_after(end or NOW + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(usage, critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if not ca:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False
        )
    if eku is not None:
        builder = builder.add_extension(x509.ExtendedKeyUsage(eku), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def _pem(cert) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _key_pem(key, passphrase: bytes | None = None) -> bytes:
    encryption = serialization.BestAvailableEncryption(passphrase) if passphrase else serialization.NoEncryption()
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)


@pytest.fixture(scope="module")
def pki(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("pki")
    root_key, other_key, signer_key = (ec.generate_private_key(ec.SECP256R1()) for _ in range(3))
    root_name, other_name = _name("Test Root CA", "Test CA Ltd"), _name("Unrelated CA", "Elsewhere Inc")
    ca_usage = _usage(digital_signature=True, key_cert_sign=True, crl_sign=True)
    root = _cert(root_name, root_name, root_key, root_key, ca=True, usage=ca_usage)
    other = _cert(other_name, other_name, other_key, other_key, ca=True, usage=ca_usage)
    subject = _name("Example Provider Signing", "Shanghai Example Cloud")
    signing = _usage(digital_signature=True, content_commitment=True)
    signer = _cert(subject, root_name, signer_key, root_key, ca=False, usage=signing)
    no_sign = _cert(subject, root_name, signer_key, root_key, ca=False, usage=_usage(key_encipherment=True))
    from cryptography.x509.oid import ExtendedKeyUsageOID

    tls = _cert(
        subject, root_name, signer_key, root_key, ca=False, usage=signing, eku=[ExtendedKeyUsageOID.SERVER_AUTH]
    )
    docs = _cert(
        subject, root_name, signer_key, root_key, ca=False, usage=signing, eku=[ExtendedKeyUsageOID.EMAIL_PROTECTION]
    )
    expired = _cert(
        subject,
        root_name,
        signer_key,
        root_key,
        ca=False,
        usage=signing,
        start=NOW - dt.timedelta(days=60),
        end=NOW - dt.timedelta(days=30),
    )
    files = {
        "root.pem": _pem(root),
        "root.der": root.public_bytes(serialization.Encoding.DER),
        "other.pem": _pem(other),
        "signer.pem": _pem(signer),
        "no-sign.pem": _pem(no_sign),
        "tls.pem": _pem(tls),
        "docs.pem": _pem(docs),
        "expired.pem": _pem(expired),
        "signer.key": _key_pem(signer_key),
        "signer-enc.key": _key_pem(signer_key, b"correct horse"),
        "other.key": _key_pem(other_key),
        "broken.key": b"-----BEGIN PRIVATE KEY-----\nnot base64 at all\n-----END PRIVATE KEY-----\n",
    }
    paths = {}
    for name, data in files.items():
        (d / name).write_bytes(data)
        paths[name] = d / name
    paths["serial"] = Path(format(signer.serial_number, "x"))
    return paths


@pytest.fixture(scope="module")
def built(tmp_path_factory, pki) -> dict[str, Path]:
    """The itops letter built through the CLI, unsigned and signed."""
    plain, signed = tmp_path_factory.mktemp("unsigned"), tmp_path_factory.mktemp("signed")
    assert main(["build", ITOPS, "-o", str(plain), "--only", "rules,pdf"]) == 0
    sign = ["--sign", str(pki["signer.key"]), "--cert", str(pki["signer.pem"])]
    assert main(["build", ITOPS, "-o", str(signed), "--only", "rules,pdf", *sign]) == 0
    return {"unsigned": plain / "example-itops.pdf", "signed": signed / "example-itops.pdf", "rules": signed}


def _extract(capsys, path: Path, *extra: str) -> tuple[int, str]:
    capsys.readouterr()
    code = main(["extract-rules", str(path), "-o", str(path.parent / f"{path.stem}.out.json"), *extra])
    return code, capsys.readouterr().err


# ------------------------------------------------------------------ signed and trusted
def test_signed_letter_with_trust_says_who_signed(built, pki, capsys, tmp_path):
    code, err = _extract(capsys, built["signed"], "--trust", str(pki["root.pem"]))
    assert code == 0, err
    assert "signed by CN=Example Provider Signing, O=Shanghai Example Cloud" in err
    assert f"certificate serial {pki['serial']}" in err
    assert "and trusted" in err and "covers the whole file" in err and "chains to, CN=Test Root CA" in err
    assert "valid at the stated signing time" in err and "Revocation was not checked" in err
    assert "consistent: the attached rules example-itops.rules.json are the compilation" in err
    assert "verified" not in err and "not signed" not in err
    out = built["signed"].parent / "example-itops.out.json"
    assert out.read_bytes() == (built["rules"] / "example-itops.rules.json").read_bytes()
    # a DER trust root does as well; in Chinese
    code, err = _extract(capsys, built["signed"], "--trust", str(pki["root.der"]), "--lang", "zh")
    assert code == 0, err
    assert "受信任" in err and "CN=Example Provider Signing" in err


def test_signed_letter_without_trust_is_not_called_trusted(built, capsys):
    code, err = _extract(capsys, built["signed"])
    assert code == 0, err
    assert "signed with a certificate in the name of CN=Example Provider Signing" in err
    assert "but not checked against a trusted certificate: anyone can make a certificate with any name" in err
    assert "Pass --trust CERT" in err and "signed by" not in err
    assert "and trusted" not in err and "verified" not in err


def test_wrong_trust_root_is_refused(built, pki, capsys, tmp_path):
    path = tmp_path / "letter.pdf"
    shutil.copy(built["signed"], path)
    code, err = _extract(capsys, path, "--trust", str(pki["other.pem"]))
    assert code == 1
    assert "does not chain to any certificate given with --trust" in err
    assert not (tmp_path / "letter.out.json").exists()  # nothing written on a failed check


def test_unsigned_letter_with_trust_is_refused(built, pki, capsys):
    code, err = _extract(capsys, built["unsigned"], "--trust", str(pki["root.pem"]))
    assert code == 1
    assert "the letter is not signed" in err


def test_a_trust_file_that_is_not_a_certificate_is_a_usage_error(built, pki, capsys):
    code, err = _extract(capsys, built["signed"], "--trust", str(pki["signer.key"]))
    assert code == 2
    assert "not an X.509 certificate" in err


# ------------------------------------------------------------------ tampering after signing
def test_a_byte_changed_after_signing_is_refused(built, pki, capsys, tmp_path):
    data = bytearray(built["signed"].read_bytes())
    start = data.index(b"stream", len(data) // 3) + 20  # inside some stream of the signed revision
    data[start] ^= 0x01
    path = tmp_path / "flipped.pdf"
    path.write_bytes(bytes(data))
    for extra in ((), ("--trust", str(pki["root.pem"]))):
        code, err = _extract(capsys, path, *extra)
        assert code == 1, err
        assert "the signature by CN=Example Provider Signing" in err and "is broken" in err


def test_an_incremental_update_after_signing_is_refused(built, pki, capsys, tmp_path):
    """A forger appends an update replacing the rules (MD5 and size fixed):
    the signature still verifies over its own revision, but not the file."""
    from pypdf.generic import ByteStringObject, NameObject, NumberObject

    signed = built["signed"].read_bytes()
    forged_rules = (
        (built["rules"] / "example-itops.rules.json").read_bytes().replace(b'"seconds": 900', b'"seconds": 14400', 1)
    )
    writer = pypdf.PdfWriter(io.BytesIO(signed), incremental=True)
    names = writer._root_object["/Names"]["/EmbeddedFiles"]["/Names"]
    stream = names[1].get_object()["/EF"]["/F"].get_object()
    stream.set_data(forged_rules)
    stream["/Params"][NameObject("/CheckSum")] = ByteStringObject(hashlib.md5(forged_rules).digest())
    stream["/Params"][NameObject("/Size")] = NumberObject(len(forged_rules))
    out = io.BytesIO()
    writer.write(out)
    data = out.getvalue()
    assert data.startswith(signed) and len(data) > len(signed)
    path = tmp_path / "appended.pdf"
    path.write_bytes(data)
    for extra in ((), ("--trust", str(pki["root.pem"]))):
        code, err = _extract(capsys, path, *extra)
        assert code == 1, err
        assert "does not cover the whole file" in err and "incremental update" in err
    # the Chinese message says the same
    code, err = _extract(capsys, path, "--lang", "zh")
    assert code == 1 and "未覆盖整个文件" in err


def test_removing_the_signature_leaves_an_unsigned_letter_that_says_so(built, capsys, tmp_path):
    """Stripping the signature is not a way to pass --trust: the letter becomes unsigned."""
    from slalang.letter.sign import unsigned_part

    signed = built["signed"].read_bytes()
    unsigned = built["unsigned"].read_bytes()
    assert signed.startswith(unsigned)  # the signature is an incremental update of the reproducible letter
    assert unsigned_part(signed) == unsigned and unsigned_part(unsigned) == unsigned
    path = tmp_path / "stripped.pdf"
    path.write_bytes(signed[: len(unsigned)])
    code, err = _extract(capsys, path)
    assert code == 0 and "the letter is not signed" in err


# ------------------------------------------------------------------ PDF/A-3b kept
def test_signed_pdf_is_still_pdfa3b(built):
    reader = pypdf.PdfReader(built["signed"])
    root = reader.trailer["/Root"]
    xmp = root["/Metadata"].get_object().get_data().decode("utf-8")
    assert re.search(r'pdfaid:part(="|>)3', xmp) and re.search(r'pdfaid:conformance(="|>)B', xmp)
    producer = re.search(r'pdf:Producer(?:="|>)([^"<]*)', xmp)
    assert producer and producer.group(1) == reader.metadata["/Producer"]  # PDF/A: XMP and info agree
    assert "/ModDate" not in reader.metadata or reader.metadata["/ModDate"]
    assert [a.get_object()["/AFRelationship"] for a in root["/AF"]] == ["/Data", "/Source"]
    assert set(reader.attachments) == {"example-itops.rules.json", "example-itops.sla"}
    fields = root["/AcroForm"]["/Fields"]
    sig = fields[0].get_object()
    assert sig["/FT"] == "/Sig" and sig["/V"]["/SubFilter"] == "/ETSI.CAdES.detached"
    if shutil.which("qpdf"):
        run = subprocess.run(["qpdf", "--check", str(built["signed"])], capture_output=True, text=True)
        assert run.returncode == 0 and "No syntax or stream encoding errors found" in run.stdout, run.stdout


def test_signing_time_is_the_time_of_signing_and_can_be_injected(built, pki, tmp_path, capsys):
    from slalang.letter.sign import sign_pdf

    when = NOW.replace(microsecond=0) - dt.timedelta(hours=2)
    data = sign_pdf(built["unsigned"].read_bytes(), Signer(str(pki["signer.key"]), str(pki["signer.pem"])), when=when)
    path = tmp_path / "at.pdf"
    path.write_bytes(data)
    code, err = _extract(capsys, path, "--trust", str(pki["root.pem"]))
    assert code == 0, err
    assert f"signing time {when.strftime('%Y-%m-%d %H:%M:%S')}" in err


# ------------------------------------------------------------------ bad keys fail the build, nothing written
def _build_fails(capsys, tmp_path, *sign: str, lang: str = "en") -> str:
    out = tmp_path / "out"
    capsys.readouterr()
    assert main(["build", ITOPS, "-o", str(out), "--only", "rules,pdf", "--lang", lang, *sign]) == 1
    assert not out.exists() or not any(out.iterdir())
    return capsys.readouterr().err


def test_a_key_that_is_not_the_certificates_fails_the_build(pki, capsys, tmp_path):
    err = _build_fails(capsys, tmp_path, "--sign", str(pki["other.key"]), "--cert", str(pki["signer.pem"]))
    assert "is not the key of the certificate" in err and "help:" in err
    err = _build_fails(capsys, tmp_path, "--sign", str(pki["other.key"]), "--cert", str(pki["signer.pem"]), lang="zh")
    assert "不是证书" in err


def test_passphrases(pki, capsys, tmp_path, monkeypatch, built):
    enc = ["--sign", str(pki["signer-enc.key"]), "--cert", str(pki["signer.pem"])]
    assert "is encrypted with a passphrase" in _build_fails(capsys, tmp_path, *enc)
    monkeypatch.delenv("SLALANG_TEST_PASS", raising=False)
    err = _build_fails(capsys, tmp_path, *enc, "--key-passphrase-env", "SLALANG_TEST_PASS")
    assert "SLALANG_TEST_PASS is not set" in err
    monkeypatch.setenv("SLALANG_TEST_PASS", "wrong")
    err = _build_fails(capsys, tmp_path, *enc, "--key-passphrase-env", "SLALANG_TEST_PASS")
    assert "does not decrypt the key" in err
    # the right one signs (sign_pdf directly: no second rendering)
    from slalang.letter.sign import sign_pdf

    monkeypatch.setenv("SLALANG_TEST_PASS", "correct horse")
    signer = Signer(str(pki["signer-enc.key"]), str(pki["signer.pem"]), (), "SLALANG_TEST_PASS")
    path = tmp_path / "enc.pdf"
    path.write_bytes(sign_pdf(built["unsigned"].read_bytes(), signer))
    code, err = _extract(capsys, path, "--trust", str(pki["root.pem"]))
    assert code == 0, err


def test_malformed_or_unfit_files_fail_the_build(pki, capsys, tmp_path):
    err = _build_fails(capsys, tmp_path, "--sign", str(pki["broken.key"]), "--cert", str(pki["signer.pem"]))
    assert "is not a private key" in err
    err = _build_fails(capsys, tmp_path, "--sign", str(pki["signer.key"]), "--cert", str(pki["signer.key"]))
    assert "is not an X.509 certificate" in err
    err = _build_fails(capsys, tmp_path, "--sign", str(pki["signer.key"]), "--cert", str(pki["no-sign.pem"]))
    assert "may not sign documents" in err
    err = _build_fails(capsys, tmp_path, "--sign", str(pki["signer.key"]), "--cert", str(pki["expired.pem"]))
    assert "not now" in err


def test_sign_errors_are_build_errors_with_hints(pki):
    from slalang.letter.sign import prepare

    with pytest.raises(BuildError) as caught:
        prepare(Signer(str(pki["other.key"]), str(pki["signer.pem"])))
    assert caught.value.hint is not None
    key, cert, chain = prepare(Signer(str(pki["signer.key"]), str(pki["signer.pem"]), (str(pki["root.pem"]),)))
    assert len(chain) == 1


def test_an_intermediate_given_with_chain_lets_the_root_be_trusted(built, tmp_path, capsys):
    from slalang.letter.sign import sign_pdf

    root_key, mid_key, leaf_key = (ec.generate_private_key(ec.SECP256R1()) for _ in range(3))
    root_name, mid_name = _name("Chain Root", "Chain Co"), _name("Chain Issuing CA", "Chain Co")
    ca_usage = _usage(digital_signature=True, key_cert_sign=True, crl_sign=True)
    root = _cert(root_name, root_name, root_key, root_key, ca=True, usage=ca_usage)
    mid = _cert(mid_name, root_name, mid_key, root_key, ca=True, usage=ca_usage)
    leaf = _cert(
        _name("Chained Signer", "Chain Co"), mid_name, leaf_key, mid_key, ca=False, usage=_usage(digital_signature=True)
    )
    for name, data in {
        "root.pem": _pem(root),
        "mid.pem": _pem(mid),
        "leaf.pem": _pem(leaf),
        "leaf.key": _key_pem(leaf_key),
    }.items():
        (tmp_path / name).write_bytes(data)
    signer = Signer(str(tmp_path / "leaf.key"), str(tmp_path / "leaf.pem"), (str(tmp_path / "mid.pem"),))
    path = tmp_path / "chained.pdf"
    path.write_bytes(sign_pdf(built["unsigned"].read_bytes(), signer))
    code, err = _extract(capsys, path, "--trust", str(tmp_path / "root.pem"))
    assert code == 0, err
    assert "signed by CN=Chained Signer" in err and "chains to, CN=Chain Root" in err


def test_a_hostile_certificate_subject_is_escaped(built, tmp_path, capsys):
    from slalang.letter.sign import sign_pdf

    key = ec.generate_private_key(ec.SECP256R1())
    hostile = _name("Evil\x1b[2J\x1b]0;owned\x07 Signer\u202e", "Org\r\nsigned by CN=Trusted")
    cert = _cert(hostile, hostile, key, key, ca=False, usage=_usage(digital_signature=True))
    (tmp_path / "evil.pem").write_bytes(_pem(cert))
    (tmp_path / "evil.key").write_bytes(_key_pem(key))
    path = tmp_path / "evil.pdf"
    path.write_bytes(
        sign_pdf(built["unsigned"].read_bytes(), Signer(str(tmp_path / "evil.key"), str(tmp_path / "evil.pem")))
    )
    code, err = _extract(capsys, path)
    assert code == 0, err
    assert "\x1b" not in err and "\x07" not in err and "\u202e" not in err and "\r" not in err
    assert "\\x1b[2J" in err and "\\u202e" in err
    assert err.count("\n") == 2  # signed-by and consistent: one line each, however the subject is spelt


def test_a_signed_letter_whose_rules_are_not_its_sources_compilation_is_refused(built, pki, tmp_path, capsys):
    """The issuer's own signature does not make inconsistent rules right."""
    from pypdf.generic import ByteStringObject, NameObject, NumberObject

    from slalang.letter.sign import sign_pdf

    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(built["unsigned"]))
    stream = writer._root_object["/Names"]["/EmbeddedFiles"]["/Names"][1].get_object()["/EF"]["/F"].get_object()
    edited = stream.get_data().replace(b'"seconds": 900', b'"seconds": 14400', 1)
    stream.set_data(edited)
    stream["/Params"][NameObject("/CheckSum")] = ByteStringObject(hashlib.md5(edited).digest())
    stream["/Params"][NameObject("/Size")] = NumberObject(len(edited))
    out = io.BytesIO()
    writer.write(out)
    path = tmp_path / "signed-forged.pdf"
    path.write_bytes(sign_pdf(out.getvalue(), Signer(str(pki["signer.key"]), str(pki["signer.pem"]))))
    code, err = _extract(capsys, path, "--trust", str(pki["root.pem"]))
    assert code == 1 and "not the compilation of the attached source" in err


@pytest.mark.parametrize("kind", ["rsa", "ed25519", "p384"])
def test_other_key_types_sign_and_verify(built, tmp_path, capsys, kind):
    from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

    from slalang.letter.sign import sign_pdf

    key = {
        "rsa": lambda: rsa.generate_private_key(65537, 2048),
        "ed25519": ed25519.Ed25519PrivateKey.generate,
        "p384": lambda: ec.generate_private_key(ec.SECP384R1()),
    }[kind]()
    name = _name(f"{kind} signer", "Keys Ltd")
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - dt.timedelta(days=1))
        .not_valid_after(NOW + dt.timedelta(days=3))
        .add_extension(_usage(digital_signature=True), critical=True)
        .sign(key, None if kind == "ed25519" else hashes.SHA256())
    )
    (tmp_path / "c.pem").write_bytes(_pem(cert))
    (tmp_path / "k.pem").write_bytes(_key_pem(key))
    path = tmp_path / "k.pdf"
    path.write_bytes(sign_pdf(built["unsigned"].read_bytes(), Signer(str(tmp_path / "k.pem"), str(tmp_path / "c.pem"))))
    code, err = _extract(capsys, path, "--trust", str(tmp_path / "c.pem"))
    assert code == 0, err
    assert f"signed by CN={kind} signer" in err and "and trusted" in err


def test_build_check_finds_a_signed_letter_up_to_date_with_or_without_sign(built, pki, capsys):
    """A signature carries its signing time, so a fresh signing never equals the
    committed one byte for byte: `build --check` compares the letter under the
    signature, and a signed letter of the current contract is up to date."""
    from slalang.letter.sign import unsigned_part

    data = built["signed"].read_bytes()
    assert unsigned_part(data) != data  # it is signed
    out = str(built["signed"].parent)
    assert main(["build", ITOPS, "-o", out, "--only", "rules,pdf", "--check", "--lang", "en"]) == 0
    sign = ["--sign", str(pki["signer.key"]), "--cert", str(pki["signer.pem"])]
    assert main(["build", ITOPS, "-o", out, "--only", "rules,pdf", "--check", "--lang", "en", *sign]) == 0
    assert "up to date" in capsys.readouterr().err


def test_a_certificate_not_valid_at_the_stated_signing_time_is_untrusted_in_the_users_words(
    built, pki, tmp_path, capsys, monkeypatch
):
    from slalang.letter import sign
    from slalang.letter.sign import sign_pdf

    monkeypatch.setattr(sign, "_check_cert", lambda *args: None)  # a forger's tool: no check of its own

    # signed now with a certificate that expired 30 days ago (its root is valid)
    data = sign_pdf(built["unsigned"].read_bytes(), Signer(str(pki["signer.key"]), str(pki["expired.pem"])))
    path = tmp_path / "late.pdf"
    path.write_bytes(data)
    for lang, words in (
        ("en", "the certificate was not valid at the stated signing time"),
        ("zh", "在所述签名时间证书不在有效期内"),
    ):
        code, err = _extract(capsys, path, "--trust", str(pki["root.pem"]), "--lang", lang)
        assert code == 1, err
        assert words in err and "expired" not in err.lower(), err


def test_an_unreadable_trust_file_says_why_in_chinese(built, tmp_path, capsys):
    code, err = _extract(capsys, built["signed"], "--trust", str(tmp_path), "--lang", "zh")
    assert code in (2, 4), err
    assert "这是文件夹，不是文件" in err and "Is a directory" not in err, err


def test_a_key_the_system_will_not_let_us_read_is_exit_4(pki, capsys, tmp_path, monkeypatch):
    import builtins
    import errno

    from slalang import cli

    key = str(pki["signer.key"])

    def refusing(file, *args, **kwargs):
        if str(file) == key:
            raise PermissionError(errno.EACCES, "Permission denied", key)
        return builtins.open(file, *args, **kwargs)

    monkeypatch.setattr(cli, "open", refusing, raising=False)  # as for a file of mode 000 (root reads any file)
    out = tmp_path / "out"
    capsys.readouterr()
    code = main(
        ["build", ITOPS, "-o", str(out), "--only", "rules,pdf", "--sign", key, "--cert", str(pki["signer.pem"])]
    )
    err = capsys.readouterr().err
    assert code == 4, err
    assert "Permission denied" in err and (not out.exists() or not any(out.iterdir()))


def test_a_tls_server_certificate_may_not_sign_a_letter(built, pki, capsys, tmp_path, monkeypatch):
    """RFC 5280 binds an extended key usage even when not critical: a TLS
    server certificate from a trusted CA was reported "trusted". build --sign
    refuses it, and extract-rules refuses a letter signed with one anyway."""
    from slalang.letter import sign
    from slalang.letter.sign import sign_pdf

    err = _build_fails(capsys, tmp_path, "--sign", str(pki["signer.key"]), "--cert", str(pki["tls.pem"]))
    assert "may not sign documents" in err and "TLS server" in err
    # e-mail protection is a document purpose: signs and is trusted
    ok = Signer(str(pki["signer.key"]), str(pki["docs.pem"]))
    path = tmp_path / "docs.pdf"
    path.write_bytes(sign_pdf(built["unsigned"].read_bytes(), ok))
    code, err = _extract(capsys, path, "--trust", str(pki["root.pem"]))
    assert code == 0 and "and trusted" in err, err
    # a letter signed with the TLS certificate by other means
    monkeypatch.setattr(sign, "fit_for_signing", lambda cert: True)
    path = tmp_path / "tls.pdf"
    path.write_bytes(sign_pdf(built["unsigned"].read_bytes(), Signer(str(pki["signer.key"]), str(pki["tls.pem"]))))
    monkeypatch.undo()
    code, err = _extract(capsys, path, "--trust", str(pki["root.pem"]))
    assert code == 1 and "may not sign documents" in err and "trusted:" not in err, err
