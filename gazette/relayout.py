"""Page fitting inside one layout: a change is laid out again from the page it touches.

gazette.pagefit judges each notice's start page and asks for a tighter or looser leading of
the notice before it, or a page break. Laying the whole issue out again for every step made
a page-fitted build cost about two layouts. Here the fitter watches WeasyPrint's first
pagination page by page (``make_all_pages``, which ``layout_document`` calls once per
pagination loop): when it asks for a change, the computed styles of the notice's boxes are
changed as the fit's CSS rule would change them (gazette.render_pdf.fit_css), the pages from
the one where that notice starts are dropped, and pagination goes on from there with
WeasyPrint's own page states (``context.page_maker``, the mechanism it uses to lay a page out
again when a page number it shows changes). Pages after the drifting notice are not laid out
until the fitter is content with it.

The result is the layout of the print HTML with the fit's CSS rules: a test compares the
PDFs byte for byte. Written for WeasyPrint 70.0 (pinned; gazette.typography checks it).
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager

from .pagefit import Fit, PageFitter
from .render_pdf import PagePlace

_ACTIVE: contextvars.ContextVar[PageFitter | None] = contextvars.ContextVar(
    "gazette_fitter", default=None)


@contextmanager
def fitting(fitter: PageFitter | None) -> Iterator[None]:
    """Within: a layout's first pagination is watched by ``fitter`` (None: not watched)."""
    _install()
    token = _ACTIVE.set(fitter)
    try:
        yield
    finally:
        _ACTIVE.reset(token)


def _install() -> None:
    """Route ``layout_document``'s calls to ``make_all_pages`` through ``_make_all_pages``
    (idempotent)."""
    from weasyprint import layout

    if getattr(layout.make_all_pages, "_gazette", False):
        return
    original = layout.make_all_pages

    def make_all_pages(context, root_box, html, pages):
        fitter = _ACTIVE.get()
        if fitter is None or pages:  # not watched, or a later pagination loop
            return original(context, root_box, html, pages)
        return iter(_Pagination(context, root_box, html, fitter).run())

    make_all_pages._gazette = True
    layout.make_all_pages = make_all_pages


class _LaidOutPage:
    """What pagefit reads of a page (the shape of weasyprint.document.Page)."""

    __slots__ = ("_page_box",)

    def __init__(self, page_box) -> None:
        self._page_box = page_box


class _Pagination:
    """The first pagination of a document, page by page, under the fitter's eye."""

    def __init__(self, context, root_box, html, fitter: PageFitter) -> None:
        self.context, self.root_box, self.html, self.fitter = context, root_box, html, fitter
        self.pages: list[_LaidOutPage] = []
        self.ids: list[list[str]] = []
        """The ids on each page, in order."""
        self.folios: list[int] = []
        self.places: dict[str, PagePlace] = {}
        self.applied = Fit()
        self.styles = _Styles(root_box)

    def run(self) -> list:
        from .slices import make_page

        context = self.context
        context.rendered_notes = []
        index = 0
        while True:
            page_box, last = make_page(context, self.root_box, self.html, index)
            self._add(page_box)
            index += 1
            if last or self.fitter.ready(self.places):
                fit = self.fitter.next_fit(self, self.places)
                if fit is not None:
                    index = self._apply(fit)
                    continue
            if last:
                context.page_maker = context.page_maker[:index + 1]
                context.broken_out_of_flow.clear()
                context.reported_footnotes.clear()
                return [page._page_box for page in self.pages]

    def _add(self, page_box) -> None:
        from .render_pdf import _page_counter

        number = len(self.pages) + 1
        folio = _page_counter(page_box.style, self.folios[-1] if self.folios else 0)
        ids = []
        for child in page_box.descendants():
            element = getattr(child, "element", None)
            ident = element.get("id") if element is not None else None
            if ident:
                ids.append(ident)
                self._place(ident, number, folio)
        self.pages.append(_LaidOutPage(page_box))
        self.ids.append(ids)
        self.folios.append(folio)

    def _place(self, ident: str, number: int, folio: int) -> None:
        known = self.places.get(ident)
        if known is None:
            self.places[ident] = PagePlace(number, number, folio)
        elif known.last != number:
            self.places[ident] = PagePlace(known.first, number, known.folio)

    def _apply(self, fit: Fit) -> int:
        """Give the boxes the styles of ``fit``; returns the index of the first page to lay
        out again, the pages from it on dropped."""
        changed = [a for a in set(fit.leading) | set(self.applied.leading)
                   if fit.leading.get(a) != self.applied.leading.get(a)]
        broken = sorted(fit.breaks ^ self.applied.breaks)
        for anchor in changed:
            self.styles.set_leading(anchor, fit.leading.get(anchor))
        for anchor in broken:
            self.styles.set_break(anchor, anchor in fit.breaks)
        self.applied = Fit(dict(fit.leading), set(fit.breaks))
        touched = [self.places[a].first for a in changed + broken if a in self.places]
        index = min(touched, default=len(self.pages) + 1) - 1
        del self.pages[index:], self.ids[index:], self.folios[index:]
        self.places = {}
        for number, (ids, folio) in enumerate(zip(self.ids, self.folios), start=1):
            for ident in ids:
                self._place(ident, number, folio)
        return index


class _Styles:
    """Computed styles of the box tree changed as a fit's CSS rules would change them: the
    notice's own ``line-height`` (and every descendant that inherits it), its
    ``break-before``."""

    def __init__(self, root_box) -> None:
        self.boxes = {}
        for box in root_box.descendants():
            element = getattr(box, "element", None)
            if element is not None and box.style is not None and box.element_tag == element.tag:
                ident = element.get("id")
                if ident and ident not in self.boxes:
                    self.boxes[ident] = box
        self.original: dict[tuple[str, str], object] = {}

    def set_leading(self, anchor: str, pitch: float | None) -> None:
        from weasyprint.css.computed_values import line_height
        from weasyprint.css.properties import Dimension

        box = self.boxes[anchor]
        top = box.style
        original = self.original.setdefault((anchor, "leading"), top["line_height"])
        # the value the CSS rule gives: fit_css writes the leading with two decimals
        value = original if pitch is None else line_height(
            top, "line_height", Dimension(float(f"{pitch:.2f}"), "pt"))
        resolved: dict[int, object] = {id(top): value}

        def inherited(style):
            key = id(style)
            if key not in resolved:
                parent = style.parent_style
                if parent is not None and _inherits_leading(style):
                    resolved[key] = inherited(parent)
                else:
                    resolved[key] = style["line_height"]
            return resolved[key]

        for style in _styles_within(box):
            if style is top or "line_height" in style:
                style["line_height"] = inherited(style)

    def set_break(self, anchor: str, page: bool) -> None:
        style = self.boxes[anchor].style
        original = self.original.setdefault((anchor, "break"), style["break_before"])
        style["break_before"] = "page" if page else original


def _inherits_leading(style) -> bool:
    cascaded = getattr(style, "cascaded", None)
    if cascaded is None:  # an anonymous box's style inherits everything inheritable
        return True
    declared = cascaded.get("line_height")
    return declared is None or declared[0] == "inherit"


def _styles_within(box) -> list:
    """Every style object the boxes of an element's subtree use, with the anonymous styles
    WeasyPrint derived from them (and shares with the line boxes it makes during layout)."""
    seen: dict[int, object] = {}

    def add(style) -> None:
        while style is not None and id(style) not in seen:
            seen[id(style)] = style
            style = style.__dict__.get("anonymous_style")

    for child in box.descendants(placeholders=True):
        add(getattr(child, "style", None))
        for extra in ("first_letter_style", "first_line_style"):
            add(getattr(child, extra, None))
        for group in getattr(child, "column_groups", ()):
            for part in group.descendants():
                add(part.style)
    return list(seen.values())
