"""``gazette verify FILE.pdf``: prove that a print PDF can be regenerated from what it carries.

The attachments (config.yaml, layouts/, the issue's folder, manifest.json) are checked against
the manifest, written into a scratch project under build/.cache/verify-…/ whose fonts are the
current project's (checked against the manifest's hashes), rebuilt, and the result compared
byte for byte with FILE.pdf. A signed copy must carry an intact signature covering the whole
file, and start with exactly the rebuilt bytes.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from .archive import CONFIG_FILE, MANIFEST, MANIFEST_FORMAT, sha256, tool_versions
from .config import Config, load_config
from .diagnostics import Diagnostics, GazetteError

_ATTACHED_ROOTS = ("content", "layouts")


@dataclass
class Report:
    """What verify found, one Chinese line per finding; ``ok`` only if nothing failed."""

    lines: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def note(self, line: str) -> None:
        self.lines.append(line)

    def fail(self, line: str) -> None:
        self.lines.append("✗ " + line)
        self.failures.append(line)

    @property
    def ok(self) -> bool:
        return not self.failures


def read_attachments(data: bytes) -> dict[str, bytes]:
    """The embedded files of a PDF by name; raises ValueError if the PDF cannot be read."""
    from io import BytesIO

    import pikepdf

    try:
        with pikepdf.open(BytesIO(data)) as pdf:
            return {name: spec.get_file().read_bytes() for name, spec in pdf.attachments.items()}
    except (pikepdf.PdfError, ValueError, KeyError, AttributeError) as exc:
        raise ValueError(str(exc)) from exc


def _safe_name(name: str) -> bool:
    """Attachment names become paths in the scratch project: only config.yaml, layouts/… and
    content/…, never absolute or climbing out."""
    path = PurePosixPath(name)
    return (not path.is_absolute() and ".." not in path.parts and "\\" not in name
            and (name == CONFIG_FILE or (len(path.parts) > 1 and path.parts[0] in _ATTACHED_ROOTS)))


def _check_attachments(files: dict[str, bytes], report: Report) -> dict | None:
    if MANIFEST not in files:
        report.fail("PDF 中没有 manifest.json 附件：不是 gazette 生成的存档版 PDF，无法验证")
        return None
    try:
        manifest = json.loads(files[MANIFEST])
    except (ValueError, UnicodeDecodeError):
        report.fail("附件 manifest.json 不是有效的 JSON")
        return None
    if not isinstance(manifest, dict) or manifest.get("format") != MANIFEST_FORMAT:
        report.fail(f"附件 manifest.json 的格式不是 {MANIFEST_FORMAT}")
        return None
    inputs, attached = manifest.get("inputs", {}), manifest.get("attached", [])
    for name in attached:
        if name not in files:
            report.fail(f"清单列出的附件 {name} 不在 PDF 中")
        elif sha256(files[name]) != inputs.get(name):
            report.fail(f"附件 {name} 与清单中的 sha256 不符：附件在生成后被改动过")
    for name in sorted(set(files) - set(attached) - {MANIFEST}):
        report.fail(f"附件 {name} 不在清单中：PDF 在生成后被加入了文件")
    for name in files:
        if name != MANIFEST and not _safe_name(name):
            report.fail(f"附件名称 {name} 不是项目中的路径，拒绝写出")
    if report.ok:
        report.note(f"附件：{len(attached)} 个源文件和清单，sha256 与清单一致")
    return manifest


def _check_fonts(manifest: dict, config: Config, report: Report) -> None:
    fonts = {k: v for k, v in manifest["inputs"].items() if k.startswith("fonts/")}
    for name, digest in sorted(fonts.items()):
        path = config.fonts_dir / name.removeprefix("fonts/")
        if not path.is_file():
            report.fail(f"本项目缺少生成时使用的字体 {name}，无法重建")
        elif sha256(path.read_bytes()) != digest:
            report.fail(f"本项目的字体 {name} 与生成时不同（sha256 不符），无法逐字节重建")
    if report.ok:
        report.note(f"字体：{len(fonts)} 个，与生成时相同（取自本项目 fonts/）")


def _check_tools(manifest: dict, report: Report) -> None:
    now = tool_versions()
    for name, then in sorted(manifest.get("tools", {}).items()):
        if now.get(name) != then:
            report.note(f"注意：生成时 {name} {then}，现在是 {now.get(name)}，重建结果可能不同")


def _scratch_project(files: dict[str, bytes], config: Config, digest: str) -> Path:
    scratch = config.build_dir / ".cache" / f"verify-{digest[:12]}"
    if scratch.exists():
        shutil.rmtree(scratch)
    scratch.mkdir(parents=True)
    for name, data in files.items():
        if name == MANIFEST:
            continue
        path = scratch / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    (scratch / "fonts").symlink_to(config.fonts_dir.resolve(), target_is_directory=True)
    return scratch


def _rebuild(scratch: Path, key: str, gazette: str | None, report: Report) -> bytes | None:
    from .build import build_issue

    diags = Diagnostics()
    try:
        result = build_issue(load_config(scratch / CONFIG_FILE, gazette), key, diags, site=False)
    except GazetteError as exc:
        diags.add(exc.diagnostic)
        result = None
    if result is None:
        report.fail("用附件中的稿件重新生成失败：")
        report.lines += ["    " + d.format() for d in diags.errors]
        return None
    return result.pdf_path.read_bytes()


def _compare(original: bytes, rebuilt: bytes, signed: bool, report: Report) -> None:
    if original == rebuilt:
        report.note(f"重建：与原文件逐字节相同（{len(original):,} 字节）")
        return
    if signed and original.startswith(rebuilt):
        report.note(f"重建：与签名前的原文件逐字节相同（{len(rebuilt):,} 字节，"
                    f"其后 {len(original) - len(rebuilt):,} 字节为签名）")
        return
    offset = next((i for i, (a, b) in enumerate(zip(original, rebuilt)) if a != b),
                  min(len(original), len(rebuilt)))
    report.fail(f"重建的 PDF 与原文件不同：从第 {offset:,} 字节起不一致"
                f"（原文件 {len(original):,} 字节，重建 {len(rebuilt):,} 字节）")


def _check_signatures(data: bytes, trust: tuple[Path, ...], report: Report) -> bool:
    """Report every signature; True if the file carries at least one."""
    from .sign import check_signatures

    try:
        checks = check_signatures(data, trust)
    except Exception as exc:  # a damaged signature dictionary makes pyHanko raise
        report.fail(f"无法读取签名：{exc}")
        return True
    for check in checks:
        who = f"签名（{check.signer}{'，' + check.signed_at if check.signed_at else ''}）"
        if not check.intact:
            report.fail(f"{who}无效：签名后文件被改动过")
        elif not check.whole_file:
            report.fail(f"{who}只覆盖文件的一部分：签名后又追加了内容")
        elif check.trusted is False:
            report.fail(f"{who}完整，但签名证书不能追溯到 --trust 指定的根证书")
        elif check.trusted is None:
            report.note(f"{who}完整，覆盖整个文件；未检查签名者是否可信（用 --trust 指定根证书）")
        else:
            report.note(f"{who}完整，覆盖整个文件，签名证书可信")
    return bool(checks)


def verify_pdf(pdf_path: Path, config: Config, trust: tuple[Path, ...] = ()) -> Report:
    """Check FILE.pdf's attachments, fonts and signatures, then rebuild it and compare."""
    report = Report()
    data = pdf_path.read_bytes()
    signed = _check_signatures(data, trust, report) if b"/ByteRange" in data else False
    try:
        files = read_attachments(data)
    except ValueError as exc:
        report.fail(f"无法读取 PDF（文件已损坏？）：{exc}")
        return report
    manifest = _check_attachments(files, report)
    if manifest is None or not report.ok:
        return report
    _check_fonts(manifest, config, report)
    _check_tools(manifest, report)
    if not report.ok:
        return report
    scratch = _scratch_project(files, config, sha256(data))
    rebuilt = _rebuild(scratch, str(manifest["issue"]), manifest.get("gazette_id"), report)
    if rebuilt is not None:
        _compare(data, rebuilt, signed, report)
    if report.ok:
        shutil.rmtree(scratch)
    else:
        report.note(f"重建用的项目保留在 {scratch.relative_to(config.root)}/，可用于对比")
    return report
