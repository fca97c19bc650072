"""Stage 6: publishing outputs so that a reader only ever sees a complete old or a complete new set.

A build does not write into the folders people read. It assembles a new *generation* of the
whole output tree and switches to it with one ``rename(2)``::

    build/.lock                          one lock for every build writing into build/
    build/.generations/g-<n>/            complete output trees (<issue>/…, site/…)
    build/.current -> .generations/g-<n> the switch: replaced atomically by a new link
    build/<name> -> .current/<name>      one stable link per output folder (2020-07, site…)

Files the build did not produce this time (other issues, their PDFs) are carried into the new
generation as hard links, so a generation costs only the bytes that changed. A killed build
leaves at most an unreferenced generation, removed by the next build; a failed one (disk full,
permission denied) removes its own and reports one :class:`OutputError`. Folder names passed
in are paths relative to build/, so the shape of build/ (one gazette or several) is up to the
caller; every file is proven to land inside the new generation before it is written.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import shutil
import stat
import tempfile
import time
import unicodedata
from collections.abc import Iterator, Mapping
from pathlib import Path

GENERATIONS = ".generations"
CURRENT = ".current"
LOCK = ".lock"
MAX_SEGMENT_BYTES = 200
"""A path segment's UTF-8 length; file systems allow 255, the temporary prefix needs the rest."""

FileData = bytes | Path
"""Content of an output file: bytes, or a file to copy (a PDF, an image)."""


class OutputError(Exception):
    """Writing the outputs failed; ``message`` is for the editor (Chinese), ``path`` the file."""

    def __init__(self, message: str, path: Path | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = path


def segment_problem(name: str) -> str | None:
    """Why ``name`` cannot be one file or folder name in build/ (None if it can)."""
    if not name:
        return "为空"
    if "/" in name or "\\" in name:
        return "不能含有“/”或“\\”"
    if name in (".", ".."):
        return f"不能是“{name}”"
    if name.startswith("."):
        return "不能以“.”开头"
    if any(unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp") for c in name):
        return "不能含有控制字符或不可见字符"
    if name != name.strip():
        return "首尾不能有空白"
    if len(name.encode("utf-8", "surrogatepass")) > MAX_SEGMENT_BYTES:
        return f"过长（超过 {MAX_SEGMENT_BYTES} 字节，约 {MAX_SEGMENT_BYTES // 3} 个汉字）"
    return None


def safe_parts(rel: str) -> tuple[str, ...]:
    """``rel`` ("2020/7/slug/index.html") as checked segments; OutputError if any is unsafe."""
    parts = tuple(rel.split("/"))
    for part in parts:
        if problem := segment_problem(part):
            raise OutputError(f"输出路径“{rel}”不安全：{problem}")
    return parts


def _fold(parts: tuple[str, ...]) -> tuple[str, ...]:
    """The key under which two names are the same file on a case-insensitive or
    normalising file system (macOS, Windows) or the same URL to a careless reader."""
    return tuple(unicodedata.normalize("NFKC", p).casefold() for p in parts)


def write_atomic(path: Path, data: bytes | str) -> None:
    """Replace ``path`` with ``data`` all at once; an existing file keeps its permissions.
    For single files outside a generation (caches, --fix)."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        mode = path.stat().st_mode & 0o7777
    except FileNotFoundError:
        mode = 0o644
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def describe_os_error(exc: OSError, path: Path | str | None = None) -> str:
    """One Chinese sentence for an OSError met while writing outputs."""
    where = f"（{path}）" if path else ""
    if exc.errno == errno.ENOSPC:
        return f"磁盘空间不足，无法写入输出{where}；请清理磁盘后重新生成"
    if exc.errno == errno.EDQUOT:
        return f"超出磁盘配额，无法写入输出{where}"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return f"没有写入权限{where}；请检查 build/ 文件夹的所有者和权限"
    if exc.errno == errno.EROFS:
        return f"输出文件夹所在的磁盘是只读的{where}"
    return f"无法写入输出{where}：{exc.strerror or exc}"


def check_writable(build_dir: Path) -> None:
    """Fail early, before any layout work, if build/ cannot take a new generation."""
    try:
        build_dir.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=build_dir, prefix=".probe-", suffix=".tmp")
        os.close(fd)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(probe)
        with open(build_dir / LOCK, "a"):
            pass
    except OSError as exc:
        raise OutputError(describe_os_error(exc, f"{build_dir.name}/"), build_dir) from None


@contextlib.contextmanager
def scratch_folder(build_dir: Path, purpose: str) -> Iterator[Path]:
    """A new empty folder under build/.cache/tmp/ for files a build needs only while it runs
    (never an output), removed with everything in it when the block ends. Its name holds
    the process id: what a killed build left there is removed by the next one."""
    root = build_dir / ".cache" / "tmp"
    root.mkdir(parents=True, exist_ok=True)
    for left in root.iterdir():
        pid = left.name.split("-")[1] if left.name.count("-") >= 2 else ""
        if pid.isdigit() and not _running(int(pid)):
            shutil.rmtree(left, ignore_errors=True)
    with tempfile.TemporaryDirectory(prefix=f"{purpose}-{os.getpid()}-", dir=root) as folder:
        yield Path(folder)


def _running(pid: int) -> bool:
    """Whether a process ``pid`` exists (one of another user's counts too)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True


class Publication:
    """One build's outputs: folders (relative to build/) and their complete contents.

    :meth:`put` only records; :meth:`commit` writes the new generation and switches to it.
    """

    def __init__(self, build_dir: Path) -> None:
        self.build_dir = build_dir
        self.folders: dict[tuple[str, ...], Mapping[str, FileData]] = {}
        self.files: dict[tuple[str, ...], FileData] = {}

    def put_file(self, rel: str, data: FileData) -> None:
        """One file (site/index.html, the several-gazette portal) replaced on its own; the
        rest of its folder is carried over."""
        parts = safe_parts(rel)
        for folder in self.folders:
            if parts[: len(folder)] == folder:
                raise OutputError(f"输出文件“{rel}”在输出文件夹“{'/'.join(folder)}”之中")
        self.files[parts] = data

    def put(self, folder: str, files: Mapping[str, FileData]) -> None:
        """``folder`` (e.g. "2020-07", "site") will hold exactly ``files`` after the commit."""
        parts = safe_parts(folder)
        for other in self.folders:
            if other[: len(parts)] == parts or parts[: len(other)] == other:
                raise OutputError(f"输出文件夹“{folder}”与“{'/'.join(other)}”重叠")
        seen: dict[tuple[str, ...], str] = {}
        for rel in files:
            key = _fold(safe_parts(rel))
            if key in seen:
                raise OutputError(f"输出文件“{folder}/{rel}”与“{folder}/{seen[key]}”是同一个文件")
            seen[key] = rel
        paths = {key for key in seen}
        for key, rel in seen.items():
            for end in range(1, len(key)):
                if key[:end] in paths:
                    raise OutputError(f"输出文件“{folder}/{rel}”与“{folder}/{seen[key[:end]]}”冲突")
        self.folders[parts] = files

    def commit(self) -> Path:
        """Write a new generation, switch build/.current to it, link new top-level folders,
        remove old generations. Returns the generation folder."""
        build = self.build_dir
        check_writable(build)
        with _locked(build / LOCK):
            generations = build / GENERATIONS
            generation = generations / f"g-{time.time_ns()}-{os.getpid()}"
            try:
                generations.mkdir(exist_ok=True)
                generation.mkdir()
                self._write(generation)
                self._carry_over(generation)
                _fsync_dir(generation)
                previous = _current_name(build)
                _replace_link(build / CURRENT, f"{GENERATIONS}/{generation.name}")
            except OSError as exc:
                shutil.rmtree(generation, ignore_errors=True)
                raise OutputError(describe_os_error(exc, _shown(exc, build)), build) from None
            except BaseException:
                shutil.rmtree(generation, ignore_errors=True)
                raise
            self._link_folders(generation)
            _remove_old_generations(generations, keep={generation.name, previous})
        return generation

    def _write(self, generation: Path) -> None:
        """Write every file, then make them all durable at once (before the switch)."""
        root = generation.resolve()
        written: list[Path] = []
        singles = [(parts[:-1], {parts[-1]: data}) for parts, data in self.files.items()]
        for folder, files in [*self.folders.items(), *singles]:
            for rel, data in files.items():
                target = generation.joinpath(*folder, *safe_parts(rel))
                target.parent.mkdir(parents=True, exist_ok=True)
                if not target.parent.resolve().is_relative_to(root):
                    raise OutputError(f"输出文件“{rel}”会写到 build/ 之外")
                if isinstance(data, Path):
                    _copy(data, target)
                else:
                    _write_new(target, data, sync=False)
                    written.append(target)
        _fsync_files(written)

    def _carry_over(self, generation: Path) -> None:
        """Hard-link what this build did not produce from the folders readers see now."""
        build = self.build_dir
        for entry in sorted(build.iterdir()):
            if entry.name.startswith(".") or not _ours(entry):
                continue
            source_root = entry.resolve()
            for source in sorted(source_root.rglob("*")):
                rel = source.relative_to(source_root)
                parts = (entry.name, *rel.parts)
                if any(p.startswith(".") for p in rel.parts) or self._replaced(parts):
                    continue
                target = generation.joinpath(*parts)
                if source.is_dir() and not source.is_symlink():
                    target.mkdir(parents=True, exist_ok=True)
                elif source.is_file() and not source.is_symlink():
                    target.parent.mkdir(parents=True, exist_ok=True)
                    _link_or_copy(source, target)

    def _replaced(self, parts: tuple[str, ...]) -> bool:
        return parts in self.files or any(
            parts[: len(folder)] == folder or folder[: len(parts)] == parts
            for folder in self.folders)

    def _link_folders(self, generation: Path) -> None:
        """build/<name> -> .current/<name> for every top-level folder of the generation.

        A real folder left by an older version of gazette is moved aside first; its content
        is already in the generation (carried over), so it disappears only for the instant
        between the two renames, and only once.
        """
        build = self.build_dir
        for entry in sorted(generation.iterdir()):
            link = build / entry.name
            wanted = f"{CURRENT}/{entry.name}"
            if link.is_symlink() and os.readlink(link) == wanted:
                continue
            aside = None
            if link.is_dir() and not link.is_symlink():
                aside = build / GENERATIONS / f"old-{entry.name}-{time.time_ns()}"
                os.rename(link, aside)
            _replace_link(link, wanted)
            if aside is not None:
                shutil.rmtree(aside, ignore_errors=True)


def _ours(entry: Path) -> bool:
    """A published folder: our link into .current, or a real folder from an older layout."""
    if entry.is_symlink():
        return os.readlink(entry) == f"{CURRENT}/{entry.name}" and entry.is_dir()
    return entry.is_dir()


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextlib.contextmanager
def build_lock(build_dir: Path) -> Iterator[None]:
    """Serialise builds writing into ``build_dir``: build/.lock, never inside a published folder."""
    build_dir.mkdir(parents=True, exist_ok=True)
    with _locked(build_dir / LOCK):
        yield


def _write_new(target: Path, data: bytes, sync: bool = True) -> None:
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC,
                 0o644)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        if sync:
            os.fsync(handle.fileno())


FSYNC_THREADS = 16


def _fsync_files(paths: list[Path]) -> None:
    """fsync many new files concurrently. One after another, each waits for its own journal
    commit (about 6 ms each here: 1.4 s for an issue and its web edition); issued together,
    the file system commits them in a few groups. Every file is durable when this returns,
    as with one fsync per file; an error is raised as from os.fsync."""
    from concurrent.futures import ThreadPoolExecutor

    def sync(path: Path) -> None:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    if len(paths) < 2:
        for path in paths:
            sync(path)
        return
    with ThreadPoolExecutor(min(FSYNC_THREADS, len(paths))) as pool:
        for _ in pool.map(sync, paths):
            pass


def _copy(source: Path, target: Path) -> None:
    """Copy a regular file (a PDF from a previous generation is hard-linked instead)."""
    info = os.stat(source)
    if not stat.S_ISREG(info.st_mode):
        raise OutputError(f"不是普通文件，不能发布：{source}", source)
    _link_or_copy(source, target)


def _link_or_copy(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError as exc:
        if exc.errno not in (errno.EXDEV, errno.EPERM, errno.EMLINK, errno.ENOTSUP):
            raise
        with open(source, "rb") as handle:
            _write_new(target, handle.read())


def _replace_link(link: Path, target: str) -> None:
    """Point ``link`` at ``target`` with one rename: never missing, never half-switched."""
    temporary = link.with_name(f".{link.name}.{os.getpid()}.{time.time_ns()}.tmp")
    os.symlink(target, temporary)
    try:
        os.replace(temporary, link)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    _fsync_dir(link.parent)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _current_name(build: Path) -> str | None:
    with contextlib.suppress(OSError):
        return Path(os.readlink(build / CURRENT)).name
    return None


def _remove_old_generations(generations: Path, keep: set[str | None]) -> None:
    """Everything but the new and the previous generation (a reader may be in the middle of
    a page of it), including what killed builds left: unreferenced generations, temporary
    links."""
    for path in generations.iterdir():
        if path.name in keep:
            continue
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
    for stale in generations.parent.glob(".*.tmp"):
        with contextlib.suppress(OSError):
            stale.unlink()


def _shown(exc: OSError, build: Path) -> str:
    """The file an OSError names, relative to the project when possible."""
    name = exc.filename if isinstance(exc.filename, str) else None
    if not name:
        return "build/"
    path = Path(name)
    with contextlib.suppress(ValueError):
        inside = path.relative_to(build / GENERATIONS).parts[1:]
        return "/".join(("build", *inside))
    with contextlib.suppress(ValueError):
        return str(path.relative_to(build.parent))
    return name
