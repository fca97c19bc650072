"""`gazette verify` regenerates a print PDF from the sources it carries and compares bytes;
`gazette sign` and `gazette build --sign` add a PAdES signature to a copy, which verify checks.

Every bundled issue is verified once (a full rebuild each). The tamper and signature cases,
which only need some archive-grade PDF, run on a one-notice copy of the sample built here
with `gazette build --sign`: each of their rebuilds lays out two pages, not a whole issue.
The signing CA and keys are made at test time with cryptography, once per session; no key is
committed."""

from __future__ import annotations

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
from gazette.diagnostics import Diagnostics

from .conftest import (BUNDLED, PASSPHRASE, PROJECT, SAMPLE, build_bundled, copy_project,
                       share_webfont_cuts)

NOTICE = "content/2020-07/05-yinzhengfa-2020-71.md"


def gazette(root: Path, *args: str, env: dict[str, str] | None = None):
    result = CliRunner().invoke(main, [*args, "-c", str(root / "config.yaml")], env=env)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def test_verify_passes_on_every_bundled_issue(bundled_build):
    config, result, _diags = bundled_build
    pdf, root = result.pdf_path, config.root
    before = pdf.read_bytes()
    with pikepdf.open(pdf) as document:
        manifest = json.loads(document.attachments[MANIFEST].get_file().read_bytes())
    fonts = sum(name.startswith("fonts/") for name in manifest["inputs"])
    outcome = gazette(root, "verify", str(pdf))
    assert outcome.exit_code == 0, outcome.output
    assert f"重建：与原文件逐字节相同（{len(before):,} 字节）" in outcome.output
    assert (f"附件：{len(manifest['attached'])} 个源文件和清单，sha256 与清单一致"
            in outcome.output)
    assert f"字体：{fonts} 个，与生成时相同" in outcome.output
    assert "验证通过" in outcome.output
    assert pdf.read_bytes() == before
    assert not list((root / "build" / ".cache").glob("verify-*")), "scratch removed on success"


def _page_fitted() -> list[str]:
    """Bundled issues whose notices give their printed page, so the build fits pages."""
    from gazette.content import resolve_issue
    from gazette.model import ProjectModel

    fitted = []
    for address in BUNDLED:
        config, path = resolve_issue(PROJECT, address)
        issue = ProjectModel(config).load_issue(path, Diagnostics())
        if any(n.meta.printed_page for n in issue.notices):
            fitted.append(address)
    return fitted


PAGE_FITTED = _page_fitted()


def test_some_bundled_issues_are_page_fitted():
    assert len(PAGE_FITTED) >= 2, PAGE_FITTED


@pytest.mark.parametrize("address", PAGE_FITTED)
def test_a_page_fitted_issue_is_one_layout_of_its_print_html(address, whole_project):
    """Page fitting changes the layout while WeasyPrint paginates it (gazette.relayout) rather
    than laying the issue out again for each step: the PDF must still be, byte for byte, what
    one layout of the print HTML it publishes gives, fitted leading and breaks included."""
    from gazette.archive import archive_files
    from gazette.render_html import places_json
    from gazette.render_pdf import read_fit, render_pdf
    from gazette.sitepaths import PLACES_FILE

    config, result, _diags = build_bundled(address, whole_project)
    assert result.summary.fitted, "the sample must exercise page fitting"
    html = (result.pdf_path.parent / "print.html").read_text(encoding="utf-8")
    fit = read_fit(html, [n.anchor for n in result.issue.notices])
    assert len(fit.leading) + len(fit.breaks) == len(result.summary.fitted)
    places: dict = {}
    pdf, pages = render_pdf(
        html, config, result.issue, Diagnostics(), places=places,
        attach=lambda laid_out: archive_files(config, result.issue,
                                              {PLACES_FILE: places_json(laid_out)}))
    assert pages == result.pages
    assert places_json(places) == (result.pdf_path.parent / PLACES_FILE).read_bytes()
    assert pdf == result.pdf_path.read_bytes()


def _change_one_byte(pdf: Path, out: Path) -> tuple[Path, int]:
    """A copy with one byte changed where the file still parses: a digit of the document ID
    in the (uncompressed) trailer of the first revision."""
    data = bytearray(pdf.read_bytes())
    offset = data.index(b") (", data.index(b"/ID [(")) + 3
    data[offset] = ord("0") if data[offset] != ord("0") else ord("1")
    out.write_bytes(bytes(data))
    return out, offset


def test_one_changed_byte_fails(small, tmp_path):
    root, pdf, _signed = small
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


def test_an_edited_attachment_fails_against_the_manifest(small, tmp_path):
    root, pdf, _signed = small
    edited = tmp_path / "edited.pdf"
    _edit_attachments(pdf, edited, fix_manifest=False)
    result = gazette(root, "verify", str(edited))
    assert result.exit_code == 1, result.output
    assert f"附件 {NOTICE} 与清单中的 sha256 不符" in result.output


def test_an_edited_attachment_with_a_matching_manifest_fails_the_rebuild(small, tmp_path):
    root, pdf, _signed = small
    edited = tmp_path / "edited.pdf"
    _edit_attachments(pdf, edited, fix_manifest=True)
    result = gazette(root, "verify", str(edited))
    assert result.exit_code == 1, result.output
    assert "sha256 与清单一致" in result.output
    assert "重建的 PDF 与原文件不同" in result.output
    for kept in (root / "build" / ".cache").glob("verify-*"):
        assert "罚款".encode() in (kept / NOTICE).read_bytes(), "rebuilt from the edited text"
        shutil.rmtree(kept)


def test_verify_reports_a_missing_file_with_exit_code_2(small, tmp_path):
    root, _pdf, _signed = small
    result = gazette(root, "verify", str(tmp_path / "nowhere.pdf"))
    assert result.exit_code == 2
    assert "找不到PDF 文件" in result.output


def test_a_pdf_without_manifest_is_not_verifiable(small, tmp_path):
    root, pdf, _signed = small
    bare = tmp_path / "bare.pdf"
    with pikepdf.open(pdf) as document:
        del document.attachments[MANIFEST]
        document.save(bare)
    result = gazette(root, "verify", str(bare))
    assert result.exit_code == 1
    assert "没有 manifest.json 附件" in result.output


# --- signing -------------------------------------------------------------------------------


def snapshot(folder: Path) -> dict[str, str]:
    """sha256 of every file under ``folder``, links followed (build/ as readers see it)."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def one_notice_project(dest: Path) -> Path:
    """A copy of the sample holding only notice 05 (银政发〔2020〕71号): a few pages to lay out."""
    root = copy_project(dest)
    share_webfont_cuts(root)
    for path in (root / "content" / SAMPLE).glob("*.md"):
        if path.relative_to(root).as_posix() != NOTICE:
            path.unlink()
    return root


@pytest.fixture(scope="module")
def small(tmp_path_factory, pki):
    """The one-notice project built with ``gazette build --sign``: (root, PDF, signed copy)."""
    root = one_notice_project(tmp_path_factory.mktemp("small"))
    result = gazette(root, "build", SAMPLE, "--sign", str(pki / "signer-encrypted.key"),
                     "--cert", str(pki / "signer.pem"), "--chain", str(pki / "ca.pem"),
                     env={"GAZETTE_SIGN_PASSPHRASE": PASSPHRASE})
    assert result.exit_code == 0, result.output
    assert f"已签名：build/signed/{SAMPLE}/{SAMPLE}.signed.pdf" in result.output
    return (root, root / "build" / SAMPLE / f"{SAMPLE}.pdf",
            root / "build" / "signed" / SAMPLE / f"{SAMPLE}.signed.pdf")


def test_build_sign_leaves_the_unsigned_build_as_an_unsigned_build_makes_it(small, pki,
                                                                             tmp_path):
    from gazette.sign import check_signatures

    _root, pdf, signed = small
    plain = one_notice_project(tmp_path / "plain")
    result = gazette(plain, "build", SAMPLE)
    assert result.exit_code == 0, result.output
    assert "已签名" not in result.output
    assert (plain / "build" / SAMPLE / f"{SAMPLE}.pdf").read_bytes() == pdf.read_bytes()
    assert not (plain / "build" / "signed").exists()
    data = signed.read_bytes()
    assert data.startswith(pdf.read_bytes()) and len(data) > pdf.stat().st_size
    [check] = check_signatures(data, (pki / "ca.pem",))
    assert check.ok and check.intact and check.whole_file and check.trusted
    assert "银川市人民政府公报室" in check.signer


BAD_SIGNING = {
    "no passphrase": ("signer-encrypted.key", "signer.pem", None,
                      "错误[sign.passphrase]: 私钥已加密，需要口令"),
    "wrong passphrase": ("signer-encrypted.key", "signer.pem", "不对的口令",
                         "错误[sign.passphrase]: 私钥口令不正确"),
    "passphrase for a plain key": ("signer.key", "signer.pem", PASSPHRASE,
                                   "错误[sign.passphrase]: 私钥没有加密，却给出了口令"),
    "missing key": ("nowhere.key", "signer.pem", None, "错误[sign.missing]: 找不到私钥文件"),
    "missing certificate": ("signer.key", "nowhere.pem", None,
                            "错误[sign.missing]: 找不到证书文件"),
    "not a key": ("garbage.key", "signer.pem", None, "错误[sign.key]: 不是可读的私钥"),
    "not a certificate": ("signer.key", "garbage.key", None,
                          "错误[sign.cert]: 不是可读的证书（X.509 证书）"),
    "another key": ("other.key", "signer.pem", None,
                    "错误[sign.mismatch]: 私钥与证书不匹配"),
}


@pytest.mark.parametrize("case", BAD_SIGNING)
def test_build_sign_with_a_bad_key_builds_and_writes_nothing(case, small, pki):
    """The key is loaded before the build: a mistake stops it, in Chinese, with no traceback,
    and build/ (the previous build and its signed copy) stays exactly as it was."""
    root, _pdf, _signed = small
    key, cert, passphrase, message = BAD_SIGNING[case]
    before = snapshot(root / "build")
    result = gazette(root, "build", SAMPLE, "--sign", str(pki / key), "--cert", str(pki / cert),
                     env={"GAZETTE_SIGN_PASSPHRASE": passphrase})
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "未生成、未签名" in result.output
    assert "Traceback" not in result.output
    assert snapshot(root / "build") == before


def test_sign_command_reports_a_wrong_passphrase_without_a_traceback(small, pki, capfd):
    root, pdf, _signed = small
    result = gazette(root, "sign", str(pdf), "--key", str(pki / "signer-encrypted.key"),
                     "--cert", str(pki / "signer.pem"),
                     env={"GAZETTE_SIGN_PASSPHRASE": "不对的口令"})
    assert result.exit_code == 1
    assert "错误[sign.passphrase]: 私钥口令不正确" in result.output
    assert "Traceback" not in result.output + capfd.readouterr().err


def test_sign_options_need_sign(small, pki):
    root, _pdf, _signed = small
    result = gazette(root, "build", SAMPLE, "--cert", str(pki / "signer.pem"))
    assert result.exit_code == 2 and "--cert、--chain 只与 --sign 一起使用" in result.output
    result = gazette(root, "build", SAMPLE, "--sign", str(pki / "signer.key"))
    assert result.exit_code == 2 and "--sign 需要同时用 --cert 给出签名证书" in result.output


def test_sign_command_signs_a_copy_and_the_copy_survives_the_next_build(small, pki):
    """`gazette sign` writes the same kind of copy `build --sign` does; a build publishes a
    new generation holding exactly its outputs (gazette.output), and the signed copy lives
    outside it."""
    from gazette.output import Publication

    root, pdf, signed = small
    before = pdf.read_bytes()
    result = gazette(root, "sign", str(pdf), "--key", str(pki / "signer.key"),
                     "--cert", str(pki / "signer.pem"), "--chain", str(pki / "ca.pem"))
    assert result.exit_code == 0, result.output
    assert f"已签名：build/signed/{SAMPLE}/{SAMPLE}.signed.pdf" in result.output
    assert pdf.read_bytes() == before, "the unsigned build is left as it was"
    data = signed.read_bytes()
    assert data.startswith(before) and len(data) > len(before)
    with pikepdf.open(signed) as document:
        fields = document.Root.AcroForm.Fields
        assert [str(f.T) for f in fields] == ["GazetteSignature"]
        assert fields[0].V.SubFilter == "/ETSI.CAdES.detached", "a PAdES signature"
    publication = Publication(root / "build")
    outputs = (f"{SAMPLE}.pdf", "print.html", "pages.json", "manifest.json")  # as build_issue
    publication.put(SAMPLE, {name: (pdf.parent / name).read_bytes() for name in outputs})
    publication.commit()
    assert signed.read_bytes() == data


def test_signed_copy_verifies_against_its_ca(small, pki):
    root, _pdf, signed = small
    result = gazette(root, "verify", str(signed), "--trust", str(pki / "ca.pem"))
    assert result.exit_code == 0, result.output
    assert "银川市人民政府公报室" in result.output
    assert "完整，覆盖整个文件，签名证书可信" in result.output
    assert "与签名前的原文件逐字节相同" in result.output


def test_signature_from_an_untrusted_ca_fails(small, pki):
    root, _pdf, signed = small
    result = gazette(root, "verify", str(signed), "--trust", str(pki / "other-ca.pem"))
    assert result.exit_code == 1
    assert "不能追溯到 --trust 指定的根证书" in result.output


def test_altered_signed_copy_fails(small, pki, tmp_path):
    root, _pdf, signed = small
    altered, _offset = _change_one_byte(signed, tmp_path / "altered.signed.pdf")
    result = gazette(root, "verify", str(altered), "--trust", str(pki / "ca.pem"))
    assert result.exit_code == 1
    assert "无效：签名后文件被改动过" in result.output


def test_update_appended_after_signing_fails(small, pki, tmp_path):
    from pyhanko.pdf_utils.generic import pdf_string
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    root, _pdf, signed = small
    writer = IncrementalPdfFileWriter(BytesIO(signed.read_bytes()))
    writer.root["/Lang"] = pdf_string("en")
    writer.update_root()
    appended = tmp_path / "appended.signed.pdf"
    with appended.open("wb") as handle:
        writer.write(handle)
    result = gazette(root, "verify", str(appended), "--trust", str(pki / "ca.pem"))
    assert result.exit_code == 1
    assert "只覆盖文件的一部分：签名后又追加了内容" in result.output
