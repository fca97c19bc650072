"""Reading a built PDF back for tests: text per page, folios, fonts, outline."""

from __future__ import annotations

import re
from io import BytesIO
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from fontTools.ttLib import TTFont
from pypdf import PdfReader

FOLIO = re.compile(r"—\s*(\d+)\s*—")


def squash(text: str) -> str:
    """Text without any whitespace (line breaks, justification gaps, ideographic spaces)."""
    return "".join(text.split())


@dataclass
class PdfPages:
    path: Path

    @cached_property
    def reader(self) -> PdfReader:
        return PdfReader(self.path)

    @cached_property
    def texts(self) -> list[str]:
        return [page.extract_text() or "" for page in self.reader.pages]

    @cached_property
    def squashed(self) -> list[str]:
        return [squash(t) for t in self.texts]

    @cached_property
    def folios(self) -> list[int | None]:
        """The printed page number of each physical page (None when there is none)."""
        out = []
        for text in self.texts:
            found = FOLIO.findall(text)
            out.append(int(found[-1]) if found else None)
        return out

    def physical_index(self, folio: int) -> int:
        return self.folios.index(folio)

    def body_text(self, index: int, heads: tuple[str, ...]) -> str:
        """A page's squashed text without its margin boxes (folio, running head), which
        WeasyPrint draws after the page content."""
        text = FOLIO.sub("", self.squashed[index])
        for head in heads:
            if text.endswith(head):
                return text[: -len(head)]
        return text

    @cached_property
    def embedded_fonts(self) -> set[str]:
        """PostScript names read from the embedded font programs themselves."""
        names = set()
        for page in self.reader.pages:
            for font in page.get("/Resources", {}).get("/Font", {}).values():
                font = font.get_object()
                if "/DescendantFonts" in font:
                    font = font["/DescendantFonts"][0].get_object()
                descriptor = font["/FontDescriptor"].get_object()
                for key in ("/FontFile", "/FontFile2", "/FontFile3"):
                    if key in descriptor:
                        data = descriptor[key].get_object().get_data()
                        names.add(TTFont(BytesIO(data))["name"].getDebugName(6))
        return names

    def outline_titles(self) -> list[tuple[int, str]]:
        """(depth, title) of every bookmark, depth-first."""
        out: list[tuple[int, str]] = []

        def walk(items, depth):
            for item in items:
                if isinstance(item, list):
                    walk(item, depth + 1)
                else:
                    out.append((depth, item.title))

        walk(self.reader.outline, 0)
        return out
