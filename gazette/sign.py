"""Authenticity: a PAdES signature on a copy of the print PDF (pyHanko), and checking it.

The signature is an incremental update appended to the unsigned PDF, so the signed copy starts
with the exact bytes of the reproducible build; ``gazette verify`` rebuilds those bytes and
checks that the signature covers the whole file.
"""

from __future__ import annotations

from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from .diagnostics import Diagnostic, GazetteError, Location, Severity

FIELD_NAME = "GazetteSignature"
SIGNED_FOLDER = "signed"
"""build/signed/: signed copies, outside the generations a build replaces."""


def _error(code: str, message: str, path: Path, hint: str | None = None) -> GazetteError:
    return GazetteError(Diagnostic(Severity.ERROR, code, message, Location(str(path)), hint))


def sign_pdf(data: bytes, key: Path, cert: Path, *, chain: tuple[Path, ...] = (),
             passphrase: bytes | None = None, reason: str | None = None) -> bytes:
    """The PDF with a PAdES-B-B signature appended (an invisible signature field)."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    for path, what in ((key, "私钥"), (cert, "证书"), *((c, "证书链") for c in chain)):
        if not path.is_file():
            raise _error("sign.missing", f"找不到{what}文件", path)
    try:
        signer = signers.SimpleSigner.load(
            key_file=str(key), cert_file=str(cert), ca_chain_files=tuple(map(str, chain)),
            key_passphrase=passphrase)
    except Exception as exc:  # pyHanko raises assorted errors for unreadable key material
        raise _error("sign.key", f"无法读取私钥或证书：{exc}", key,
                     "私钥和证书应为 PEM 或 DER 格式；加密的私钥需要口令") from exc
    if signer is None:
        raise _error("sign.key", "无法读取私钥或证书", key,
                     "私钥和证书应为 PEM 或 DER 格式；加密的私钥需要口令")
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME, md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES, reason=reason)
    output = BytesIO()
    signers.sign_pdf(IncrementalPdfFileWriter(BytesIO(data)), meta, signer=signer, output=output)
    return output.getvalue()


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
