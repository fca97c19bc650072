"""Character maps of the bundled fonts, read once per process and shared.

Title balancing, the missing-glyph check and web-font subsetting all need to know which
characters a font file draws; reading a CJK font's cmap costs ~50 ms, so one cache serves all
three. The key includes the file's size and mtime, so the preview sees a replaced font.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from pathlib import Path


def font_cmap(path: Path) -> dict[int, str]:
    """Code point → glyph name for one font file."""
    stat = path.stat()
    return _cmap(path.resolve(), stat.st_mtime_ns, stat.st_size)


def coverage(paths: Iterable[Path]) -> frozenset[int]:
    """Code points drawn by any of ``paths`` (the role fonts and their fallbacks)."""
    stamped = []
    for path in paths:
        stat = path.stat()
        stamped.append((path.resolve(), stat.st_mtime_ns, stat.st_size))
    return _coverage(tuple(stamped))


@cache
def _coverage(paths: tuple[tuple[Path, int, int], ...]) -> frozenset[int]:
    points: set[int] = set()
    for path, mtime, size in paths:
        points.update(_cmap(path, mtime, size))
    return frozenset(points)


@cache
def _cmap(path: Path, mtime_ns: int, size: int) -> dict[int, str]:  # noqa: ARG001 - cache key
    from fontTools.ttLib import TTFont

    with TTFont(path, lazy=True) as font:
        return dict(font.getBestCmap() or {})
