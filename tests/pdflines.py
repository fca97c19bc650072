"""Printed lines with positions and fonts (pdfminer), for measuring layout rules on a PDF."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pdfminer.high_level import extract_pages
from pdfminer.layout import LAParams, LTChar, LTTextLine


@dataclass(frozen=True)
class Line:
    page: int
    text: str
    x0: float
    x1: float
    top: float
    size: float
    fonts: tuple[str, ...]
    """Font name of each character (subset prefix removed): GzFang, GzHei…"""

    chars: tuple[tuple[str, float, float], ...] = ()
    """(character, x0, x1) of every character, left to right."""

    @property
    def centre(self) -> float:
        return (self.x0 + self.x1) / 2


def read_lines(path: Path) -> tuple[list[Line], list[tuple[float, float]]]:
    """Every text line of the PDF, top to bottom per page, and each page's (width, height)."""
    params = LAParams(char_margin=50.0, line_margin=0.1, word_margin=0.5, boxes_flow=None)
    lines: list[Line] = []
    sizes = []
    for number, page in enumerate(extract_pages(path, laparams=params)):
        sizes.append((page.width, page.height))
        found = []

        def walk(item):
            if isinstance(item, LTTextLine):
                found.append(item)
                return
            for child in getattr(item, "_objs", None) or []:
                walk(child)

        walk(page)
        rows: dict[int, list] = {}
        for item in found:
            chars = [c for c in item if isinstance(c, LTChar) and c.get_text().strip()]
            if not chars:
                continue
            key = next((k for k in rows if abs(k / 10 - chars[0].y0) < 1.0),
                       round(chars[0].y0 * 10))
            rows.setdefault(key, []).extend(chars)
        for key in sorted(rows, reverse=True):
            # pdfminer may split one printed line in two (e.g. at 〔): merge fragments on one
            # baseline, but keep apart what a real gap separates (columns, signature blocks).
            chars = sorted(rows[key], key=lambda c: c.x0)
            groups = [[chars[0]]]
            for char in chars[1:]:
                if char.x0 - groups[-1][-1].x1 > 1.5 * char.size:
                    groups.append([])
                groups[-1].append(char)
            for group in groups:
                lines.append(Line(
                    page=number, text="".join(c.get_text() for c in group),
                    x0=group[0].x0, x1=group[-1].x1,
                    top=page.height - max(c.y1 for c in group),
                    size=round(max(c.size for c in group), 1),
                    fonts=tuple(c.fontname.split("+")[-1] for c in group),
                    chars=tuple((c.get_text(), c.x0, c.x1) for c in group)))
    return lines, sizes


def char_boxes(line: Line, word: str) -> tuple[float, float]:
    """Left edge of the first and right edge of the last character of ``word`` in a line."""
    text = "".join(c for c, _, _ in line.chars)
    start = text.index(word)
    return line.chars[start][1], line.chars[start + len(word) - 1][2]
