"""What an archive-grade print PDF carries so that it can be regenerated and checked.

The print edition is written as PDF/A-3a (tagged, for screen readers) and embeds, as PDF/A-3
associated files, the sources it was made from — config.yaml, layouts/ and the issue's folder
(notices, issue.yaml, images) — plus ``manifest.json``: the sha256 of every input (those
sources, the fonts, which are not attached, and the tool versions) and of the other outputs
(pages.json). ``gazette verify`` (gazette/verify.py) rebuilds from the attachments and compares.
Everything here is a pure function of the inputs, so the PDF stays byte-identical run to run.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from typing import TYPE_CHECKING

from .config import Config

if TYPE_CHECKING:
    from .issue import Issue

PDF_VARIANT = "pdf/a-3a"
MANIFEST = "manifest.json"
MANIFEST_FORMAT = "gazette-manifest/1"
CONFIG_FILE = "config.yaml"
TOOLS = ("gazette", "weasyprint", "pydyf", "fonttools", "jieba", "markdown-it-py")

_MIME = {".md": "text/markdown", ".yaml": "application/yaml", ".yml": "application/yaml",
         ".json": "application/json", ".css": "text/css", ".j2": "text/plain",
         ".html": "text/html", ".png": "image/png", ".jpg": "image/jpeg",
         ".jpeg": "image/jpeg", ".gif": "image/gif", ".svg": "image/svg+xml",
         ".webp": "image/webp"}


@dataclass(frozen=True, slots=True)
class SourceFile:
    """One file embedded in the PDF, named by its path inside the project."""

    name: str
    data: bytes
    relationship: str = "Source"
    """PDF/A-3 AFRelationship: Source for what the issue is made from, Data for the manifest."""

    @property
    def mime_type(self) -> str:
        return _MIME.get(Path(self.name).suffix.lower(), "application/octet-stream")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _project_files(root: Path, folder: Path) -> list[Path]:
    """Regular files under ``folder`` in a stable order; hidden files and folders skipped."""
    found = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        found += [Path(dirpath) / f for f in sorted(filenames) if not f.startswith(".")]
    return sorted(found, key=lambda p: p.relative_to(root).as_posix())


def read_project_file(path: Path) -> bytes:
    """A project file's bytes, for hashing and embedding. A FIFO, a device or a link to one is
    not read (reading would wait forever or never end) but stands for itself, so the build
    cache sees a change and the validation runs and reports it (source.not-a-file)."""
    if not path.is_file():
        return b"\0not a regular file\0"
    return path.read_bytes()


def source_files(config: Config, issue_dir: Path) -> list[SourceFile]:
    """config.yaml, every file of layouts/ and of the issue's folder, in a stable order."""
    root = config.root
    files = [SourceFile(CONFIG_FILE, (root / CONFIG_FILE).read_bytes())]
    for folder in (config.layouts_dir, issue_dir):
        files += [SourceFile(p.relative_to(root).as_posix(), read_project_file(p))
                  for p in _project_files(root, folder)]
    return files


_FONT_HASHES: dict[tuple[str, int, int], str] = {}


def font_hashes(config: Config) -> dict[str, str]:
    """sha256 of each configured font, keyed ``fonts/<name>``; cached per file state because
    the fonts are tens of MB and rarely change."""
    fonts_dir = config.fonts_dir.resolve()
    hashes = {}
    for path in dict.fromkeys(config.fonts.all()):
        stat = path.stat()
        key = (str(path), stat.st_mtime_ns, stat.st_size)
        if key not in _FONT_HASHES:
            _FONT_HASHES[key] = sha256(path.read_bytes())
        hashes["fonts/" + path.resolve().relative_to(fonts_dir).as_posix()] = _FONT_HASHES[key]
    return hashes


def tool_versions() -> dict[str, str]:
    from importlib import metadata

    versions = {}
    for name in TOOLS:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "unknown"
    return versions


def manifest(config: Config, issue: Issue, sources: list[SourceFile],
             outputs: dict[str, bytes]) -> bytes:
    """The manifest as canonical JSON (sorted keys, no absolute paths, no clock)."""
    from .cite import citations

    inputs = {f.name: sha256(f.data) for f in sources}
    inputs.update(font_hashes(config))
    document = {
        "format": MANIFEST_FORMAT,
        "gazette": config.name,
        "gazette_id": config.id,
        "issue": issue.meta.key,
        "tools": tool_versions(),
        "attached": [f.name for f in sources],
        "inputs": dict(sorted(inputs.items())),
        "outputs": {name: sha256(data) for name, data in sorted(outputs.items())},
        "citations": list(citations(config, issue).values()),
    }
    return (json.dumps(document, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode()


def archive_files(config: Config, issue: Issue, outputs: dict[str, bytes]) -> list[SourceFile]:
    """Everything the PDF embeds: the sources and, last, the manifest."""
    sources = source_files(config, issue.path)
    return [*sources, SourceFile(MANIFEST, manifest(config, issue, sources, outputs), "Data")]


def pdf_attachments(files: list[SourceFile], published: dt.date) -> list:
    """WeasyPrint attachments with fixed dates (the issue's) and explicit MIME types, so
    nothing depends on the clock, the file system or the machine's MIME database."""
    from weasyprint import Attachment

    when = dt.datetime.combine(published, dt.time())
    return [Attachment(url=f"data:{f.mime_type};base64,{base64.b64encode(f.data).decode()}",
                       name=f.name, created=when, modified=when,
                       relationship=f.relationship)
            for f in files]
