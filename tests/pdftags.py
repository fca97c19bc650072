"""Reading a tagged PDF's structure tree back for tests: each structure element's kind and the
text of the marked content it owns (pikepdf for the tree, pdfminer to decode the text)."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pikepdf
from pdfminer.pdfdevice import PDFDevice
from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
from pdfminer.pdfpage import PDFPage


class _MarkedText(PDFDevice):
    """Collects the text drawn inside each marked-content sequence, by MCID."""

    def __init__(self, rsrcmgr) -> None:
        super().__init__(rsrcmgr)
        self.stack: list[int | None] = []
        self.texts: dict[int, str] = defaultdict(str)

    def begin_tag(self, tag, props=None) -> None:
        mcid = props.get("MCID") if isinstance(props, dict) else None
        self.stack.append(mcid if mcid is not None else (self.stack[-1] if self.stack else None))

    def end_tag(self) -> None:
        if self.stack:
            self.stack.pop()

    def render_string(self, textstate, seq, ncs, graphicstate) -> None:
        mcid = self.stack[-1] if self.stack else None
        if mcid is None:
            return
        font = textstate.font
        for obj in seq:
            if isinstance(obj, bytes):
                for cid in font.decode(obj):
                    try:
                        self.texts[mcid] += font.to_unichr(cid)
                    except Exception:  # a glyph without Unicode mapping adds no text
                        pass


def _mcids(element, page, found: list[tuple[int, int]], pages: dict) -> None:
    """(page index, MCID) of the marked content under a structure element, in order."""
    if isinstance(element, int):
        found.append((page, element))
        return
    if isinstance(element, pikepdf.Array):
        for kid in element:
            _mcids(kid, page, found, pages)
        return
    if not isinstance(element, pikepdf.Dictionary):
        return
    if "/Pg" in element:
        page = pages[element.Pg.objgen]
    if "/MCID" in element:
        found.append((page, int(element.MCID)))
    elif "/K" in element:
        _mcids(element.K, page, found, pages)


def structure_elements(path: Path, kinds: set[str]) -> list[tuple[str, str]]:
    """(kind, text) of every structure element whose /S is in ``kinds``, in tree order."""
    with pikepdf.open(path) as pdf:
        pages = {page.obj.objgen: index for index, page in enumerate(pdf.pages)}
        wanted: list[tuple[str, list[tuple[int, int]]]] = []

        def walk(element, page) -> None:
            if isinstance(element, pikepdf.Array):
                for kid in element:
                    walk(kid, page)
                return
            if not isinstance(element, pikepdf.Dictionary) or "/S" not in element:
                return
            if "/Pg" in element:
                page = pages[element.Pg.objgen]
            kind = str(element.S)[1:]
            if kind in kinds:
                found: list[tuple[int, int]] = []
                _mcids(element.get("/K"), page, found, pages)
                wanted.append((kind, found))
            elif "/K" in element:
                walk(element.K, page)

        walk(pdf.Root.StructTreeRoot.K, None)
    needed = {page for _, refs in wanted for page, _ in refs}
    texts: dict[int, dict[int, str]] = {}
    with open(path, "rb") as handle:
        manager = PDFResourceManager()
        for index, page in enumerate(PDFPage.get_pages(handle)):
            if index in needed:
                device = _MarkedText(manager)
                PDFPageInterpreter(manager, device).process_page(page)
                texts[index] = dict(device.texts)
    return [(kind, "".join(texts[p].get(m, "") for p, m in refs)) for kind, refs in wanted]

