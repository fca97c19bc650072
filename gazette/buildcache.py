"""Content-addressed build cache: skip the stages whose inputs have not changed.

An issue's print outputs (print.html, the PDF, pages.json, manifest.json) are a pure function
of exactly the inputs its manifest lists — config.yaml, every file of layouts/ and of the
issue's folder, the fonts, the tool versions — plus gazette's own code. The gazette's web
edition is a function of the same project files, every issue folder of the gazette and the
published print outputs of every issue. Each is keyed by the sha256 of those inputs; after a
successful publication the key and the sha256 of every file written are stored in
``build/.cache/builds/``. A later build with the same key skips the work when the published
files are still exactly those (checked by hash; a file whose inode, size and times are
unchanged since it was hashed is not read again, as git does with its index).

Deleting build/.cache/ only makes the next build do everything again. The cache is written
after the publication is committed, so a killed build leaves at worst a stale record that
no longer matches anything.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .archive import CONFIG_FILE, TOOLS, _project_files, read_project_file
from .config import Config, Project
from .content import issue_dirs
from .diagnostics import Diagnostic, Diagnostics, Edit, Location, Severity
from .output import write_atomic

CACHE_FOLDER = Path(".cache") / "builds"
FORMAT = "gazette-build-cache/1"
_PACKAGE = Path(__file__).resolve().parent
_CODE: list[str] = []


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def installed_tools() -> list[str]:
    """The installed distributions of the tools gazette drives, by their dist-info folders
    (``weasyprint-70.0.dist-info``): an upgrade renames the folder. Listing the folders costs a
    fraction of what importlib.metadata's import and lookups do on every no-op rebuild."""
    wanted = {name.replace("-", "_").lower() for name in TOOLS}
    found = []
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        found += [name for name in names
                  if name.endswith((".dist-info", ".egg-info"))
                  and name.split("-", 1)[0].replace("-", "_").lower() in wanted]
    return sorted(found)


def code_digest() -> str:
    """gazette's own files (code and data) and the versions of the tools it drives: a changed
    line of the typesetter must not reuse outputs of the old one."""
    if not _CODE:
        digest = hashlib.sha256()
        digest.update(sys.version.encode())
        digest.update(json.dumps(installed_tools(), sort_keys=True).encode())
        for path in _project_files(_PACKAGE, _PACKAGE):
            if "__pycache__" in path.parts or path.suffix == ".pyc":
                continue
            digest.update(path.relative_to(_PACKAGE).as_posix().encode() + b"\0")
            digest.update(_sha(path.read_bytes()).encode())
        _CODE.append(digest.hexdigest())
    return _CODE[0]


class FileHashes:
    """sha256 of files, remembered with the (inode, size, mtime, ctime) they had when hashed,
    so that the fonts (tens of MB) and published outputs are read again only when they change.
    ctime cannot be set back by a program, so an edit that restores the mtime is still seen."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.known: dict[str, list] = {}
        self.changed = False
        try:
            known = json.loads(path.read_text(encoding="utf-8"))
            if isinstance(known, dict) and known.get("format") == FORMAT:
                self.known = known.get("files", {})
        except (OSError, ValueError):
            pass

    def hash(self, path: Path | str) -> str | None:
        """The file's sha256, None if it is missing or not a regular file."""
        name = os.fspath(path)
        try:
            info = os.stat(name)
        except OSError:
            return None
        if not stat.S_ISREG(info.st_mode):
            return None
        stamp = [info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns]
        entry = self.known.get(name)
        if entry is not None and entry[:4] == stamp:
            return entry[4]
        try:
            with open(name, "rb") as handle:
                digest = hashlib.file_digest(handle, "sha256").hexdigest()
        except OSError:
            return None
        self.known[name] = [*stamp, digest]
        self.changed = True
        return digest

    def save(self) -> None:
        if self.changed:
            _save(self.path, {"format": FORMAT, "files": self.known})
            self.changed = False


def _save(path: Path, data: dict) -> None:
    """Best effort: a cache that cannot be written costs time, never a build."""
    try:
        write_atomic(path, json.dumps(data, ensure_ascii=False, sort_keys=True))
    except OSError:
        pass


def _load(path: Path) -> dict | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("format") == FORMAT else None


_ISSUE_FIELDS = ("key", "gazette", "outputs", "validation", "render", "summary")
_SITE_FIELDS = ("key", "outputs", "diagnostics", "summary")


def _complete(record: dict | None, fields: tuple[str, ...]) -> dict | None:
    """A record with every field, else None (a record from another version: rebuild)."""
    return record if record is not None and all(f in record for f in fields) else None


def _digest(parts: Iterable[tuple[str, str | None]]) -> str:
    digest = hashlib.sha256()
    for name, value in parts:
        digest.update(f"{name}\0{value}\n".encode())
    return digest.hexdigest()


def _small_files(root: Path, folder: Path) -> list[tuple[str, str]]:
    """(path in the project, sha256) of every file under ``folder`` (hidden ones skipped, as
    the manifest does); small files are simply read."""
    if not folder.is_dir():
        return []
    return [(p.relative_to(root).as_posix(), _sha(read_project_file(p)))
            for p in _project_files(root, folder)]


def portal_key(project: Project, hashes: FileHashes, encoding: str | None) -> str:
    """The several-gazette portal page reads every gazette's configuration, layouts and fonts
    and every issue's issue.yaml (its label, date and link)."""
    parts: list[tuple[str, str | None]] = []
    for config in project.gazettes:
        parts += BuildCache(config, encoding, hashes).shared()
        parts += [(f"{config.id}/{path.name}", hashes.hash(path / "issue.yaml"))
                  for path in issue_dirs(config)]
    return _digest(parts)


def diagnostics_json(diags: Iterable[Diagnostic]) -> list[dict]:
    return [{"severity": d.severity.name, "code": d.code, "message": d.message,
             "location": [d.location.path, d.location.line, d.location.column], "hint": d.hint,
             "fix": [[e.line, e.column, e.original, e.replacement] for e in d.fix]}
            for d in diags]


def replay(diags: Diagnostics, stored: list[dict]) -> None:
    """The warnings a skipped build would have printed, as it printed them."""
    for item in stored:
        diags.add(Diagnostic(Severity[item["severity"]], item["code"], item["message"],
                             Location(*item["location"]), item["hint"],
                             tuple(Edit(*e) for e in item["fix"])))


@dataclass(slots=True)
class BuildCache:
    """The keys of one gazette's outputs for one build, and the records of earlier builds."""

    config: Config
    encoding: str | None = None
    hashes: FileHashes = None  # type: ignore[assignment]  # the project's, made when not given
    _shared: list[tuple[str, str | None]] | None = field(default=None, init=False)
    _issue_inputs: dict[str, list[tuple[str, str]]] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        if self.hashes is None:
            self.hashes = FileHashes(self.folder.parent / "files.json")

    @property
    def folder(self) -> Path:
        return self.config.build_dir / CACHE_FOLDER / self.config.id

    def shared(self) -> list[tuple[str, str | None]]:
        """Inputs every output of the gazette reads: code, tools, options, config.yaml,
        layouts/, every file of fonts/ and the cover emblem."""
        if self._shared is None:
            config, root = self.config, self.config.root
            parts: list[tuple[str, str | None]] = [
                ("code", code_digest()), ("gazette", config.id), ("multi", str(config.multi)),
                ("encoding", self.encoding or ""),
                (CONFIG_FILE, _sha((root / CONFIG_FILE).read_bytes()))]
            parts += _small_files(root, config.layouts_dir)
            if config.fonts_dir.is_dir():
                parts += [(p.relative_to(root).as_posix(), self.hashes.hash(p))
                          for p in _project_files(root, config.fonts_dir)]
            parts += [(f"font:{p}", self.hashes.hash(p)) for p in dict.fromkeys(config.fonts.all())]
            if config.cover.emblem is not None:
                parts.append(("emblem", self.hashes.hash(config.cover.emblem)))
            self._shared = parts
        return self._shared

    def issue_inputs(self, issue_dir: Path) -> list[tuple[str, str]]:
        if issue_dir.name not in self._issue_inputs:
            self._issue_inputs[issue_dir.name] = _small_files(self.config.root, issue_dir)
        return self._issue_inputs[issue_dir.name]

    def issue_key(self, issue_dir: Path) -> str:
        """The print outputs' key: what the manifest lists as the issue's inputs."""
        return _digest([*self.shared(), ("issue", issue_dir.name),
                        *self.issue_inputs(issue_dir)])

    def gazette_key(self, issue_dirs: list[Path]) -> str:
        """Every issue folder of the gazette: validation compares an issue with the others
        (repeated 文号, issue numbers in sequence), and the web edition shows them all."""
        parts = list(self.shared())
        for path in issue_dirs:
            parts.append(("issue", path.name))
            parts += self.issue_inputs(path)
        return _digest(parts)

    def site_key(self, gazette_key: str, printed: dict[str, dict[str, str | None]]) -> str:
        """The web edition: every issue's sources and its published PDF and pages.json."""
        parts = [("gazette", gazette_key)]
        for key in sorted(printed):
            parts += [(f"{key}/{name}", value) for name, value in sorted(printed[key].items())]
        return _digest(parts)

    # —— records ——

    def issue_record(self, key: str) -> dict | None:
        return _complete(_load(self.folder / f"issue-{key}.json"), _ISSUE_FIELDS)

    def site_record(self) -> dict | None:
        return _complete(_load(self.folder / "site.json"), _SITE_FIELDS)

    def save_issue(self, key: str, record: dict) -> None:
        _save(self.folder / f"issue-{key}.json", {"format": FORMAT, **record})

    def save_site(self, record: dict) -> None:
        _save(self.folder / "site.json", {"format": FORMAT, **record})

    def portal_record(self) -> dict | None:
        """The key and sha256 of the several-gazette portal page last published."""
        record = _load(self.folder.parent / "portal.json")
        return None if record is None else {"key": record.get("key"), "sha": record.get("sha")}

    def save_portal(self, record: dict) -> None:
        _save(self.folder.parent / "portal.json", {"format": FORMAT, **record})

    def published(self, folder: Path) -> dict[str, str | None]:
        """Path → sha256 of every file now published in ``folder`` (build/<issue>, a site)."""
        found: dict[str, str | None] = {}

        def walk(directory: str, prefix: str) -> None:
            try:
                entries = sorted(os.scandir(directory), key=lambda e: e.name)
            except OSError:
                return
            for entry in entries:
                if entry.name.startswith("."):
                    continue
                if entry.is_dir():
                    walk(entry.path, f"{prefix}{entry.name}/")
                else:
                    found[prefix + entry.name] = self.hashes.hash(entry.path)

        walk(os.fspath(folder), "")
        return found

    def intact(self, folder: Path, outputs: dict[str, str], *, exact: bool = True) -> bool:
        """Whether ``folder`` holds exactly ``outputs`` (``exact=False``: at least them; a
        one-gazette project's site folder also holds nothing else, but an issue folder of
        an older version may hold signed copies beside the outputs)."""
        if exact:
            return self.published(folder) == outputs
        base = os.fspath(folder)
        return all(self.hashes.hash(f"{base}/{name}") == digest for name, digest in outputs.items())

    def inputs_changed(self, issue_dir: Path, issue_key: str, gazette_key: str,
                       issue_dirs: list[Path]) -> bool:
        """Whether an input changed while the build ran (read again, not from memory): its
        outputs may then mix old and new sources and must not be recorded under either key."""
        self._shared = None
        self._issue_inputs.clear()
        return (self.issue_key(issue_dir) != issue_key
                or self.gazette_key(issue_dirs) != gazette_key)

    def forget(self, key: str) -> None:
        """Drop the records of issue ``key`` and of the site: the next build redoes both."""
        for path in (self.folder / f"issue-{key}.json", self.folder / "site.json"):
            path.unlink(missing_ok=True)

    def save(self) -> None:
        self.hashes.save()
