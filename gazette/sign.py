"""Authenticity: a PAdES signature on a copy of the print PDF (pyHanko), and checking it.

The signature is an incremental update appended to the unsigned PDF, so the signed copy starts
with the exact bytes of the reproducible build; ``gazette verify`` rebuilds those bytes and
checks that the signature covers the whole file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from .diagnostics import Diagnostic, GazetteError, Location, Severity

FIELD_NAME = "GazetteSignature"
SIGNED_FOLDER = "signed"
"""build/signed/: signed copies, outside the generations a build replaces."""
PASSPHRASE_VARIABLE = "GAZETTE_SIGN_PASSPHRASE"


def _error(code: str, message: str, path: Path, hint: str | None = None) -> GazetteError:
    return GazetteError(Diagnostic(Severity.ERROR, code, message, Location(str(path)), hint))


KEY_HINT = "私钥和证书应为 PEM 或 DER 格式；加密的私钥口令放在环境变量 GAZETTE_SIGN_PASSPHRASE 中"


def _read(path: Path, what: str) -> bytes:
    if not path.is_file():
        raise _error("sign.missing", f"找不到{what}文件", path)
    try:
        return path.read_bytes()
    except OSError as exc:
        raise _error("sign.missing", f"无法读取{what}文件：{exc.strerror}", path) from None


def _load_key(path: Path, passphrase: bytes | None):
    from cryptography.hazmat.primitives import serialization

    data = _read(path, "私钥")
    pem = b"-----BEGIN" in data
    load = serialization.load_pem_private_key if pem else serialization.load_der_private_key
    try:
        return load(data, password=passphrase)
    except TypeError:  # cryptography: encrypted without a password, or the other way round
        if passphrase is None:
            raise _error("sign.passphrase", "私钥已加密，需要口令", path,
                         "把口令放在环境变量 GAZETTE_SIGN_PASSPHRASE 中") from None
        raise _error("sign.passphrase", "私钥没有加密，却给出了口令", path,
                     "去掉环境变量 GAZETTE_SIGN_PASSPHRASE") from None
    except ValueError:
        if passphrase is not None and pem and b"ENCRYPTED" in data:
            raise _error("sign.passphrase", "私钥口令不正确", path,
                         "检查环境变量 GAZETTE_SIGN_PASSPHRASE 中的口令") from None
        raise _error("sign.key", "不是可读的私钥", path, KEY_HINT) from None
    except Exception:  # an unsupported key type or a corrupt key structure
        raise _error("sign.key", "不是可读的私钥", path, KEY_HINT) from None


def _load_certificates(path: Path, what: str) -> list:
    from cryptography import x509

    data = _read(path, what)
    try:
        if b"-----BEGIN" in data:
            found = x509.load_pem_x509_certificates(data)
        else:
            found = [x509.load_der_x509_certificate(data)]
    except Exception:  # cryptography raises ValueError or an ASN.1 error for garbage
        found = []
    if not found:
        raise _error("sign.cert", f"不是可读的{what}（X.509 证书）", path, KEY_HINT)
    return found


def load_signer(key: Path, cert: Path, *, chain: tuple[Path, ...] = (),
                passphrase: bytes | None = None):
    """A pyHanko signer from the key, its certificate and the chain; every problem (missing
    file, encrypted key without or with a wrong passphrase, a key that is not the
    certificate's) is a GazetteError with a Chinese message, found before anything is
    built or written."""
    from cryptography.hazmat.primitives import serialization
    from pyhanko.keys.internal import (translate_pyca_cryptography_cert_to_asn1,
                                       translate_pyca_cryptography_key_to_asn1)
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    private = _load_key(key, passphrase)
    certificate = _load_certificates(cert, "证书")[0]
    others = [c for path in chain for c in _load_certificates(path, "证书链")]
    spki = serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    if private.public_key().public_bytes(*spki) != certificate.public_key().public_bytes(*spki):
        raise _error("sign.mismatch", "私钥与证书不匹配：证书不是这把私钥的", key,
                     f"检查 --cert 给出的证书 {cert}")
    registry = SimpleCertificateStore()
    registry.register_multiple([translate_pyca_cryptography_cert_to_asn1(c) for c in others])
    return signers.SimpleSigner(
        signing_cert=translate_pyca_cryptography_cert_to_asn1(certificate),
        signing_key=translate_pyca_cryptography_key_to_asn1(private), cert_registry=registry)


def sign_pdf(data: bytes, signer, *, reason: str | None = None) -> bytes:
    """The PDF with a PAdES-B-B signature appended (an invisible signature field)."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME, md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES, reason=reason)
    output = BytesIO()
    signers.sign_pdf(IncrementalPdfFileWriter(BytesIO(data)), meta, signer=signer, output=output)
    return output.getvalue()


def signed_copy_path(build_dir: Path, pdf: Path) -> Path:
    """build/signed/… mirroring the PDF's place in build/ (build/signed/<gazette>/<issue>/
    <issue>.signed.pdf). Not in the issue's folder: that is a link into the current
    generation, which the next build replaces with exactly what it produces
    (gazette.output), so a copy put there would be lost."""
    build_dir = Path(os.path.abspath(build_dir))
    source = Path(os.path.abspath(pdf))
    place = source.parent.relative_to(build_dir) if source.is_relative_to(build_dir) else Path()
    return build_dir / SIGNED_FOLDER / place / f"{source.stem}.signed.pdf"


def write_signed_copy(build_dir: Path, pdf: Path, signer, reason: str | None = None) -> Path:
    """Sign a copy of ``pdf`` and write it atomically beside the other signed copies; the
    PDF itself is only read."""
    from .output import write_atomic

    out = signed_copy_path(build_dir, pdf)
    write_atomic(out, sign_pdf(pdf.read_bytes(), signer, reason=reason))
    return out


def passphrase_from_environment() -> bytes | None:
    value = os.environ.get(PASSPHRASE_VARIABLE)
    return value.encode() if value else None


@dataclass(frozen=True, slots=True)
class SignatureCheck:
    signer: str
    intact: bool
    """The signed bytes are unchanged and the cryptographic signature is valid."""
    whole_file: bool
    """The signature covers the entire file: nothing was appended after signing."""
    trusted: bool | None
    """The signer's certificate chains to a given trust root; None when none was given."""
    signed_at: str | None

    @property
    def ok(self) -> bool:
        return self.intact and self.whole_file and self.trusted is not False


def check_signatures(data: bytes, trust: tuple[Path, ...] = ()) -> list[SignatureCheck]:
    """Every signature in the PDF, validated offline against the ``trust`` roots."""
    from pyhanko.keys import load_cert_from_pemder
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    reader = PdfFileReader(BytesIO(data), strict=False)
    roots = [load_cert_from_pemder(str(p)) for p in trust]
    checks = []
    for embedded in reader.embedded_signatures:
        context = ValidationContext(trust_roots=roots, allow_fetching=False)
        status = validate_pdf_signature(embedded, context)
        signed_at = status.signer_reported_dt.isoformat() if status.signer_reported_dt else None
        checks.append(SignatureCheck(
            signer=status.signing_cert.subject.human_friendly,
            intact=bool(status.intact and status.valid),
            whole_file=status.coverage == SignatureCoverageLevel.ENTIRE_FILE,
            trusted=bool(status.trusted) if trust else None,
            signed_at=signed_at))
    return checks
