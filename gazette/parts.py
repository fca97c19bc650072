"""Big issues laid out part by part, so memory stays bounded (issue 12).

WeasyPrint keeps every laid-out page of a document until its PDF is written: about 1 MB a
page here, so a 400-page issue needs more than 450 MB. Where each notice starts on a new
page (``page.notice_start: page``) the notices are independent of one another on paper,
and an issue can be laid out in parts of about ``page.part_pages`` pages, each part written
to PDF and dropped before the next, then joined (gazette.pdfjoin) into the same pages,
outline, 目录 and links a single layout gives:

1. the masthead and 目录 once, with placeholder page numbers, for the number of pages they
   take and the folio they end on;
2. each part of the notices, starting on the page side and folio the whole issue gives it,
   carrying its section's running head;
3. the masthead and 目录 again with the real page numbers (and the sources attached);
4. the PDFs joined, the outline rebuilt from every page's bookmarks as one document has it.

Where notices follow one another on a page (``notice_start: continue``) there is no such cut:
the notices are one part, laid out once but paginated and written a slice of
``page.part_pages`` pages at a time (gazette.slices), each slice dropped before the next.

Which notices go in which part depends only on the sources, so a rebuild (``gazette
verify``) splits the same way and is byte-identical.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

from .archive import SourceFile
from .config import Config
from .diagnostics import Diagnostics
from .issue import Issue, Notice
from .memory import give_back
from .pagestyle import PageMetrics
from .render_pdf import Engine, PagePlace, page_folios


@dataclass(frozen=True, slots=True)
class PrintPart:
    """A piece of the print edition laid out on its own (see layouts/print/issue.html)."""

    anchors: tuple[str, ...] = ()
    """The notices it sets, by anchor, in issue order; none for the masthead and 目录."""
    start: PagePlace | None = None
    """The physical page and folio its first page gets in the whole issue."""
    front: bool = False
    """It sets the masthead and the 目录."""
    back: bool = False
    """It ends the issue: the colophon, if the gazette prints it at the back."""
    folios: Mapping[str, int] = field(default_factory=dict)
    """The 目录's page numbers, when its notices are laid out in other parts."""

    @property
    def notices(self) -> bool:
        return bool(self.anchors)

    @classmethod
    def alone(cls, notice: Notice, start: PagePlace) -> PrintPart:
        """One notice on the page where the last full layout put it (the preview's PDF)."""
        return cls(anchors=(notice.anchor,), start=start)


PLACEHOLDER_FOLIO = 888
"""The 目录's page numbers on its first layout, which only measures how long it is."""


def estimated_pages(notice: Notice, metrics: PageMetrics) -> int:
    """Pages a notice will take, from the length of its text: only to cut parts of about the
    same size, never to number anything."""
    columns = metrics.text_width_pt // metrics.body_pt
    lines = (metrics.page_height - metrics.top - metrics.bottom) / 25.4 * 72 // metrics.line_pt
    return 1 + int(len(notice.source.body) // max(1.0, columns * lines * 0.8))


def plan(issue: Issue, metrics: PageMetrics) -> tuple[tuple[Notice, ...], ...] | None:
    """The notices of each part, or None when the issue is laid out whole: it is not much
    longer than one part. Where notices follow one another on a page, all of them are one
    part, written out in slices of pages (gazette.slices)."""
    if metrics.part_pages <= 0:
        return None
    sizes = [(n, estimated_pages(n, metrics)) for n in issue.notices]
    if sum(pages for _n, pages in sizes) <= metrics.part_pages * 3:
        return None
    if metrics.notice_start != "page":
        return (tuple(issue.notices),)
    parts: list[list[Notice]] = [[]]
    filled = 0
    for notice, pages in sizes:
        if parts[-1] and filled + pages > metrics.part_pages:
            parts.append([])
            filled = 0
        parts[-1].append(notice)
        filled += pages
    return tuple(tuple(part) for part in parts) if len(parts) > 1 else None


@dataclass(frozen=True)
class LaidOutParts:
    """An issue laid out in parts: the PDF files of the masthead and 目录 and of each part
    (or slice) of the notices, and what joining them into one needs."""

    front: Path
    notices: tuple[Path, ...]
    outline: list
    """The whole issue's outline (WeasyPrint's bookmark tree, see ``_outline``)."""
    pages: int

    def join(self, target: Path) -> None:
        """The one PDF of the issue, written to ``target`` (gazette.pdfjoin)."""
        from .pdfjoin import join

        join(self.front, self.notices, self.outline, target)


def render_in_parts(issue: Issue, config: Config, diags: Diagnostics,
                    parts: tuple[tuple[Notice, ...], ...], html_for: Callable[[PrintPart], str],
                    spill: Path, font_config=None, places: dict[str, PagePlace] | None = None,
                    attach: Callable[[dict[str, PagePlace]], list[SourceFile]] | None = None,
                    ) -> LaidOutParts:
    """Lay out ``parts`` one after the other, writing each one's PDF into the folder
    ``spill`` as soon as it is laid out, and fill ``places`` as gazette.render_pdf.render_pdf
    does. Held in memory, the PDFs (each with its own font subsets) would stack on what
    the layouts after them hold; joining them is left to the caller (``LaidOutParts.join``):
    qpdf keeps every object of the issue while it joins, about 0.3 MB a page, which in this
    process would stack on what the layouts leave behind."""
    anchors = [n.anchor for n in issue.notices]
    with Engine(config, issue, font_config) as engine:
        folios = dict.fromkeys(anchors, PLACEHOLDER_FOLIO)
        for _attempt in range(3):
            document, _ = engine.layout(html_for(PrintPart(front=True, folios=folios)))
            front_pages, front_folio = len(document.pages), page_folios(document)[-1]
            document = None
            give_back()
            laid_out, pdfs, bookmarks = _notice_parts(
                engine, parts, html_for, front_pages, front_folio,
                config.page.part_pages if config.page.notice_start != "page" else None, spill)
            folios = {anchor: laid_out[anchor].folio for anchor in anchors}
            document, front_places = engine.layout(html_for(PrintPart(front=True, folios=folios)))
            if len(document.pages) == front_pages:
                break
        else:
            raise RuntimeError("the 目录 does not settle on a number of pages")
        front_places = {k: v for k, v in front_places.items() if k not in folios}
        laid_out = {**front_places, **laid_out}
        files = attach(laid_out) if attach is not None else []
        front = spill / "front.pdf"
        front.write_bytes(engine.write(document, files))
        front_marks = [_bookmarks(page) for page in document.pages]
        document = None
        give_back()
        pages = front_pages + sum(len(marks) for marks in bookmarks)
        outline = _outline(front_marks + [m for part in bookmarks for m in part])
    if places is not None:
        places.update(laid_out)
    engine.report(diags)
    return LaidOutParts(front, tuple(pdfs), outline, pages)


def _notice_parts(engine: Engine, parts, html_for, first_page: int, folio: int,
                  slices: int | None, spill: Path):
    """Lay out and write each part of the notices after ``first_page`` pages ending on
    ``folio``: their places in the whole issue, their PDF files in ``spill`` (one per slice
    of ``slices`` pages, if given) and each page's bookmarks."""
    laid_out: dict[str, PagePlace] = {}
    pdfs: list[Path] = []
    bookmarks: list[list] = []
    physical = first_page
    for index, notices in enumerate(parts):
        part = PrintPart(anchors=tuple(n.anchor for n in notices),
                         start=PagePlace(physical + 1, physical + 1, folio + 1),
                         back=index == len(parts) - 1)
        for document, places, folio in _documents(engine, html_for(part), slices):
            for ident, place in places.items():
                known = laid_out.get(ident)
                laid_out[ident] = PagePlace(known.first if known else place.first + physical,
                                            place.last + physical,
                                            known.folio if known else place.folio)
            pdfs.append(spill / f"part-{len(pdfs):04d}.pdf")
            pdfs[-1].write_bytes(engine.write(document))
            bookmarks.append([_bookmarks(page) for page in document.pages])
            physical += len(document.pages)
            document = None
            give_back()
    return laid_out, pdfs, bookmarks


def _documents(engine: Engine, html: str, slices: int | None):
    """The part's layout as one document, or in slices of pages; with each, where its
    elements landed and its last page's folio."""
    if slices is not None:
        yield from engine.layout_slices(html, slices)
        return
    document, places = engine.layout(html)
    yield document, places, page_folios(document)[-1]
    document = None  # the caller has written it
    give_back()



def _bookmarks(page) -> SimpleNamespace:
    """What WeasyPrint's outline needs of a page, kept after the page itself is dropped."""
    return SimpleNamespace(bookmarks=page.bookmarks, height=page.height)


def _outline(pages: list[SimpleNamespace]) -> list:
    """The outline of all pages as one document has it (a part starting inside a section
    nests its notices under that section's bookmark, laid out in an earlier part)."""
    from weasyprint.document import Document

    return Document.make_bookmark_tree(SimpleNamespace(pages=pages), 0.75, transform_pages=True)

