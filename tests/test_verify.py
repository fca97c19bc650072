"""`gazette verify` regenerates a print PDF from the sources it carries and compares bytes;
`gazette sign` adds a PAdES signature to a copy, which verify checks.

The signing CA and key are made here, at test time, with cryptography; no key is committed."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
from io import BytesIO
from pathlib import Path

import pikepdf
import pytest
from click.testing import CliRunner

from gazette.archive import MANIFEST
from gazette.cli import main

NOTICE = "content/2020-07/05-yinzhengfa-2020-71.md"


@pytest.fixture(scope="module")
def built(sample_build):
    result, _diags = sample_build
    return result.pdf_path, result.pdf_path.parents[2]


def gazette(root: Path, *args: str):
    result = CliRunner().invoke(main, [*args, "-c", str(root / "config.yaml")])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def test_verify_rebuilds_the_bundled_issue_byte_for_byte(built):
    pdf, root = built
    before = pdf.read_bytes()
    result = gazette(root, "verify", str(pdf))
    assert result.exit_code == 0, result.output
    assert f"重建：与原文件逐字节相同（{len(before):,} 字节）" in result.output
    assert "附件：" in result.output and "sha256 与清单一致" in result.output
    assert "字体：8 个，与生成时相同" in result.output
    assert "验证通过" in result.output
    assert pdf.read_bytes() == before
    assert not list((root / "build" / ".cache").glob("verify-*")), "scratch removed on success"


def _change_one_byte(pdf: Path, out: Path) -> tuple[Path, int]:
    """A copy with one byte changed where the file still parses: a digit of the document ID
    in the (uncompressed) trailer of the first revision."""
    data = bytearray(pdf.read_bytes())
    offset = data.index(b") (", data.index(b"/ID [(")) + 3
    data[offset] = ord("0") if data[offset] != ord("0") else ord("1")
    out.write_bytes(bytes(data))
    return out, offset


def test_one_changed_byte_fails(built, tmp_path):
    pdf, root = built
    altered, offset = _change_one_byte(pdf, tmp_path / "altered.pdf")
    result = gazette(root, "verify", str(altered))
    assert result.exit_code == 1, result.output
    assert f"从第 {offset:,} 字节起不一致" in result.output
    assert "验证失败" in result.output
    kept = list((root / "build" / ".cache").glob("verify-*"))
    assert len(kept) == 1 and f"重建用的项目保留在 build/.cache/{kept[0].name}/" in result.output
    shutil.rmtree(kept[0])


def _edit_attachments(pdf_path: Path, out: Path, *, fix_manifest: bool) -> None:
    """Change one word in a notice embedded in the PDF (optionally updating the manifest)."""
    with pikepdf.open(pdf_path) as pdf:
        text = pdf.attachments[NOTICE].get_file().read_bytes()
        edited = text.replace("奖励".encode(), "罚款".encode(), 1)
        assert edited != text
        pdf.attachments[NOTICE] = pikepdf.AttachedFileSpec(pdf, edited, filename=NOTICE)
        if fix_manifest:
            manifest = json.loads(pdf.attachments[MANIFEST].get_file().read_bytes())
            manifest["inputs"][NOTICE] = hashlib.sha256(edited).hexdigest()
            pdf.attachments[MANIFEST] = pikepdf.AttachedFileSpec(
                pdf, json.dumps(manifest).encode(), filename=MANIFEST)
        pdf.save(out)


def test_an_edited_attachment_fails_against_the_manifest(built, tmp_path):
    pdf, root = built
    edited = tmp_path / "edited.pdf"
    _edit_attachments(pdf, edited, fix_manifest=False)
    result = gazette(root, "verify", str(edited))
    assert result.exit_code == 1, result.output
    assert f"附件 {NOTICE} 与清单中的 sha256 不符" in result.output


def test_an_edited_attachment_with_a_matching_manifest_fails_the_rebuild(built, tmp_path):
    pdf, root = built
    edited = tmp_path / "edited.pdf"
    _edit_attachments(pdf, edited, fix_manifest=True)
    result = gazette(root, "verify", str(edited))
    assert result.exit_code == 1, result.output
    assert "sha256 与清单一致" in result.output
    assert "重建的 PDF 与原文件不同" in result.output
    for kept in (root / "build" / ".cache").glob("verify-*"):
        assert "罚款".encode() in (kept / NOTICE).read_bytes(), "rebuilt from the edited text"
        shutil.rmtree(kept)


def test_verify_reports_a_missing_file_with_exit_code_2(built, tmp_path):
    _pdf, root = built
    result = gazette(root, "verify", str(tmp_path / "nowhere.pdf"))
    assert result.exit_code == 2
    assert "找不到PDF 文件" in result.output


def test_a_pdf_without_manifest_is_not_verifiable(built, tmp_path):
    pdf, root = built
    bare = tmp_path / "bare.pdf"
    with pikepdf.open(pdf) as document:
        del document.attachments[MANIFEST]
        document.save(bare)
    result = gazette(root, "verify", str(bare))
    assert result.exit_code == 1
    assert "没有 manifest.json 附件" in result.output


# --- signing -------------------------------------------------------------------------------


def _certificate(subject: str, key, issuer_name, issuer_key, *, ca: bool):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.x509.oid import NameOID

    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "测试用公报室")])
    now = dt.datetime.now(dt.timezone.utc)
    builder = (x509.CertificateBuilder().subject_name(name)
               .issuer_name(issuer_name or name).public_key(key.public_key())
               .serial_number(x509.random_serial_number())
               .not_valid_before(now - dt.timedelta(days=1))
               .not_valid_after(now + dt.timedelta(days=30))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
               .add_extension(x509.KeyUsage(
                   digital_signature=not ca, content_commitment=not ca, key_encipherment=False,
                   data_encipherment=False, key_agreement=False, key_cert_sign=ca,
                   crl_sign=ca, encipher_only=False, decipher_only=False), critical=True))
    return builder.sign(issuer_key or key, hashes.SHA256())


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    """A throwaway CA, a signing key and certificate issued by it, and an unrelated CA."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    folder = tmp_path_factory.mktemp("pki")

    def key():
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def pem(cert) -> bytes:
        return cert.public_bytes(serialization.Encoding.PEM)

    ca_key, other_key, signer_key = key(), key(), key()
    ca = _certificate("测试根证书", ca_key, None, None, ca=True)
    other = _certificate("无关的根证书", other_key, None, None, ca=True)
    signer = _certificate("银川市人民政府公报室", signer_key, ca.subject, ca_key, ca=False)
    (folder / "ca.pem").write_bytes(pem(ca))
    (folder / "other-ca.pem").write_bytes(pem(other))
    (folder / "signer.pem").write_bytes(pem(signer))
    (folder / "signer.key").write_bytes(signer_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    return folder


@pytest.fixture(scope="module")
def signed(built, pki):
    pdf, root = built
    before = pdf.read_bytes()
    result = gazette(root, "sign", str(pdf), "--key", str(pki / "signer.key"),
                     "--cert", str(pki / "signer.pem"), "--chain", str(pki / "ca.pem"))
    assert result.exit_code == 0, result.output
    out = root / "build" / "signed" / "2020-07" / "2020-07.signed.pdf"
    assert "已签名：build/signed/2020-07/2020-07.signed.pdf" in result.output
    assert pdf.read_bytes() == before, "the unsigned build is left as it was"
    return out


def test_signed_copy_extends_the_unsigned_build(built, signed):
    pdf, _root = built
    data = signed.read_bytes()
    assert data.startswith(pdf.read_bytes()) and len(data) > pdf.stat().st_size
    with pikepdf.open(signed) as document:
        fields = document.Root.AcroForm.Fields
        assert [str(f.T) for f in fields] == ["GazetteSignature"]
        assert fields[0].V.SubFilter == "/ETSI.CAdES.detached", "a PAdES signature"


def test_signed_copy_survives_the_next_build(built, signed):
    """A build publishes a new generation holding exactly its outputs (gazette.output); the
    signed copy lives outside it."""
    from gazette.output import Publication

    pdf, root = built
    before = signed.read_bytes()
    publication = Publication(root / "build")
    outputs = ("2020-07.pdf", "print.html", "pages.json", "manifest.json")  # as build_issue
    publication.put("2020-07", {name: (pdf.parent / name).read_bytes() for name in outputs})
    publication.commit()
    assert signed.read_bytes() == before


def test_signed_copy_verifies_against_its_ca(built, signed, pki):
    _pdf, root = built
    result = gazette(root, "verify", str(signed), "--trust", str(pki / "ca.pem"))
    assert result.exit_code == 0, result.output
    assert "银川市人民政府公报室" in result.output
    assert "完整，覆盖整个文件，签名证书可信" in result.output
    assert "与签名前的原文件逐字节相同" in result.output


def test_signature_from_an_untrusted_ca_fails(built, signed, pki):
    _pdf, root = built
    result = gazette(root, "verify", str(signed), "--trust", str(pki / "other-ca.pem"))
    assert result.exit_code == 1
    assert "不能追溯到 --trust 指定的根证书" in result.output


def test_altered_signed_copy_fails(built, signed, pki, tmp_path):
    _pdf, root = built
    altered, _offset = _change_one_byte(signed, tmp_path / "altered.signed.pdf")
    result = gazette(root, "verify", str(altered), "--trust", str(pki / "ca.pem"))
    assert result.exit_code == 1
    assert "无效：签名后文件被改动过" in result.output


def test_update_appended_after_signing_fails(built, signed, pki, tmp_path):
    from pyhanko.pdf_utils.generic import pdf_string
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    _pdf, root = built
    writer = IncrementalPdfFileWriter(BytesIO(signed.read_bytes()))
    writer.root["/Lang"] = pdf_string("en")
    writer.update_root()
    appended = tmp_path / "appended.signed.pdf"
    with appended.open("wb") as handle:
        writer.write(handle)
    result = gazette(root, "verify", str(appended), "--trust", str(pki / "ca.pem"))
    assert result.exit_code == 1
    assert "只覆盖文件的一部分：签名后又追加了内容" in result.output


def test_verify_passes_on_every_bundled_issue(bundled_build):
    config, result, _diags = bundled_build
    outcome = gazette(config.root, "verify", str(result.pdf_path))
    assert outcome.exit_code == 0, outcome.output
    assert "重建：与原文件逐字节相同" in outcome.output
