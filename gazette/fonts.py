"""Character maps of the bundled fonts, read once per process and shared.

Title balancing, the missing-glyph check and web-font subsetting all need to know which
characters a font file draws; reading a CJK font's cmap costs ~50 ms, so one cache serves all
three. The key includes the file's inode, size, mtime and ctime, so the preview sees a replaced
font; a build also keeps them on disk (``keep_cmaps_in``) for the next process.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from functools import cache
from pathlib import Path


def font_cmap(path: Path) -> dict[int, str]:
    """Code point → glyph name for one font file."""
    return _cmap(path.resolve(), file_stamp(path))


def coverage(paths: Iterable[Path]) -> frozenset[int]:
    """Code points drawn by any of ``paths`` (the role fonts and their fallbacks)."""
    return _coverage(tuple((path.resolve(), file_stamp(path)) for path in paths))


def keep_cmaps_in(folder: Path) -> None:
    """Keep the character maps this process reads in ``folder`` too (build/.cache/fonts/):
    reading the bundled fonts' cmaps costs ~0.2 s of every build, loading them back ~0.02 s.
    Like the build cache, an entry is found by the file's (inode, size, mtime, ctime), so a
    replaced or edited font is read again; deleting the folder only costs that time."""
    _STORE[:] = [folder]


_STORE: list[Path] = []
CMAP_FORMAT = "gazette-cmap/1"


def file_stamp(path: Path) -> tuple[int, int, int, int]:
    """(inode, size, mtime, ctime): a file replaced or edited in place gets a new stamp."""
    info = path.stat()
    return info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns


@cache
def _coverage(paths: tuple[tuple[Path, tuple[int, int, int, int]], ...]) -> frozenset[int]:
    points: set[int] = set()
    for path, stamp in paths:
        points.update(_cmap(path, stamp))
    return frozenset(points)


@cache
def _cmap(path: Path, stamp: tuple[int, int, int, int]) -> dict[int, str]:
    stored = None
    if _STORE:
        name = hashlib.sha256(f"{path}\0{stamp}".encode()).hexdigest()[:32]
        stored = _STORE[0] / f"{name}.json"
        try:
            data = json.loads(stored.read_text(encoding="utf-8"))
            if data["format"] == CMAP_FORMAT and data["font"] == [str(path), *stamp]:
                return dict(zip(data["codes"], data["glyphs"], strict=True))
        except (OSError, ValueError, KeyError, TypeError):
            pass
    from fontTools.ttLib import TTFont

    with TTFont(path, lazy=True) as font:
        cmap = dict(font.getBestCmap() or {})
    if stored is not None:
        from .output import write_atomic

        try:
            write_atomic(stored, json.dumps({"format": CMAP_FORMAT, "font": [str(path), *stamp],
                                             "codes": list(cmap), "glyphs": list(cmap.values())}))
        except OSError:
            pass
    return cmap
