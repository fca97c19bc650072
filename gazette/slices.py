"""One layout handed out a slice of pages at a time, so a big issue never holds all its pages.

WeasyPrint keeps every page of a document until its PDF is written (about 1 MB a page here).
Where notices follow one another on the same page there is no clean place to cut the issue
into separate layouts, as gazette.parts does when each notice starts a page. So the notices
are laid out as one document, but paginated here page by page with WeasyPrint's own steps
(``remake_page``, then the running heads and folios of ``layout_document``): every
``size`` pages become a document of their own, which the caller writes to PDF and drops
before the next pages are made. WeasyPrint tags each page's content on its own, so the joined
parts (gazette.pdfjoin) have the structure, text and links of the single layout.

Written for WeasyPrint 70.0 (pinned). Pages are made once: nothing in a slice may depend on
later pages (no ``counter(pages)`` or ``target-counter()`` in the notices: the 目录 is laid out
apart, see gazette.parts), which ``paginate`` checks at the end.
"""

from __future__ import annotations

from collections.abc import Iterator


def paginate(html, font_config, size: int) -> Iterator[object]:
    """WeasyPrint documents of ``size`` consecutive pages (the last may be shorter) of the
    layout of ``html`` (a weasyprint.HTML)."""
    from weasyprint import DEFAULT_OPTIONS
    from weasyprint.css.counters import CounterStyle
    from weasyprint.document import Document, DocumentMetadata, Page
    from weasyprint.formatting_structure.build import build_formatting_structure
    from weasyprint.html import get_html_metadata
    from weasyprint.layout import initialize_page_maker

    options = dict(DEFAULT_OPTIONS)
    counter_style = CounterStyle()
    context = Document._build_layout_context(html, font_config, counter_style, {}, options)
    root_box = build_formatting_structure(
        html.etree_element, context.style_for, context.get_image_from_uri, html.base_url,
        context.target_collector, counter_style, context.footnotes)
    initialize_page_maker(context, root_box)
    context.rendered_notes = []
    marks = _Bookmarks()
    metadata = get_html_metadata(html)
    pending: list = []
    index = 0
    while True:
        page_box, last = make_page(context, root_box, html, index)
        pending.append(page_box)
        page_box = None
        index += 1
        if last or len(pending) == size:
            first = index - len(pending)
            _finish_pages(context, pending, first, marks)
            # Nothing here may keep the slice once handed out: the caller writes and drops it.
            yield Document([Page(box) for box in _take(pending)], DocumentMetadata(**metadata),
                           html.url_fetcher, font_config, {}, options["output_intent"])
            _forget_page_styles(context.style_for, index)
            _drop_laid_out(root_box, context.page_maker[index][0], context.style_for)
        if last:
            break
    if any(state[-1]["content_changed"] or state[-1]["pages_wanted"]
           for state in context.page_maker[:index + 1]):
        raise RuntimeError("a page of the notices shows a number only later pages give; "
                           "it cannot be laid out in slices")


def make_page(context, root_box, html, index: int) -> tuple[object, bool]:
    """Page ``index`` (from 0) laid out from WeasyPrint's state at its start, as
    ``make_all_pages`` makes a page, and whether it is the last one."""
    from weasyprint.layout.page import remake_page

    context.page_maker[index][-1].update(content_changed=False, pages_wanted=False,
                                         anchors=[], content_lookups=[])
    page_box, resume_at = remake_page(index, context, root_box, html)
    return page_box, resume_at is None and not context.reported_footnotes


def _forget_page_styles(style_for, done: int) -> None:
    """Drop the styles WeasyPrint computed for the pages before ``done`` and their margin
    boxes: keyed by page index, about twenty a page, they are never asked for again once
    their slice is written, and would otherwise grow the whole layout by some 0.2 MB a page."""
    from weasyprint.layout.page import PageType

    for styles in (style_for._computed_styles, style_for._cascaded_styles):
        for key in [k for k in styles if isinstance(k[0], PageType) and k[0].index < done]:
            del styles[key]


def _drop_laid_out(box, resume_at, style_for) -> None:
    """Replace the boxes the pages so far have laid out in full with one empty stand-in per
    parent, and forget their elements' computed styles: pagination only ever goes on from
    ``resume_at`` (WeasyPrint's skip stack: child index → where to go on inside it), and the
    boxes and styles of the notices already written are most of what a long issue holds
    (some 0.3 MB a page). Only block containers of block boxes are thinned; a skip stack
    into a line's text counts characters, not boxes."""
    from weasyprint.formatting_structure import boxes

    dropped: dict[int, object] = {}
    kept: set[int] = set()
    while resume_at and len(resume_at) == 1:
        kept.add(id(box.element))
        (index, deeper), = resume_at.items()
        children = getattr(box, "children", None)
        if not isinstance(children, list) or not 0 <= index < len(children) or not all(
                isinstance(child, boxes.BlockLevelBox) for child in children[:index + 1]):
            break
        if index == 0:
            box, resume_at = children[0], deeper
            continue
        stand_in = next((c for c in children[:index] if getattr(c, "_gazette_stand_in", False)),
                        None)
        if stand_in is None:
            stand_in = boxes.BlockBox.anonymous_from(box, [])
            stand_in._gazette_stand_in = True
        for position in range(index):
            if children[position] is not stand_in:
                for inner in children[position].descendants(placeholders=True):
                    if getattr(inner, "element", None) is not None:
                        dropped[id(inner.element)] = inner.element
                children[position] = stand_in
        box, resume_at = children[index], deeper
    kept.add(id(getattr(box, "element", None)))
    for key in kept:
        dropped.pop(key, None)
    if dropped:
        for styles in (style_for._computed_styles, style_for._cascaded_styles):
            for key in [k for k in styles if dropped.get(id(k[0])) is k[0]]:
                del styles[key]


def _take(items: list) -> list:
    """The items of a list, which is left empty."""
    taken = list(items)
    items.clear()
    return taken


class _Bookmarks:
    """Elements whose bookmark was given already (one bookmark per element, as
    ``layout_document`` keeps it), over all slices."""

    def __init__(self) -> None:
        self.before: set = set()
        self.after: set = set()
        self.elements: set = set()

    def first(self, box) -> bool:
        tag = box.element_tag
        seen = (self.before if tag.endswith("::before")
                else self.after if tag.endswith("::after") else self.elements)
        if box.element in seen:
            return False
        seen.add(box.element)
        return True


def _finish_pages(context, pages: list, first: int, marks: _Bookmarks) -> None:
    """What ``weasyprint.layout.layout_document`` does to its pages once they are laid out
    (string-sets, bookmark labels, margin boxes with running heads and folios, backgrounds),
    for the pages ``first``, ``first`` + 1… of the document."""
    from weasyprint.layout import layout_fixed_boxes
    from weasyprint.layout.background import layout_backgrounds
    from weasyprint.layout.page import make_margin_boxes

    for number, page in enumerate(pages, start=first + 1):
        page_counter_values = context.page_maker[number][3][1]
        for child in page.descendants():
            if child.bookmark_label and not marks.first(child):
                child.bookmark_label = ""
            if child.missing_link:
                for (box, css_token), item in (
                        context.target_collector.counter_lookup_items.items()):
                    if child.missing_link == box and css_token != "content":
                        if css_token == "bookmark-label" and not child.bookmark_label:
                            continue
                        item.parse_again(page_counter_values)
                        if css_token == "bookmark-label":
                            child.bookmark_label = box.bookmark_label
            string_sets = child.string_set
            if string_sets and string_sets != "none":
                for string_name, text in string_sets:
                    context.string_set[string_name][number].append(text)
    for index, page in enumerate(pages):
        root, footnote_area, note_area = page.children
        root.children = [*layout_fixed_boxes(context, pages[:index], page), *root.children,
                         *layout_fixed_boxes(context, pages[index + 1:], page)]
        context.current_page = first + index + 1
        state = context.page_maker[context.current_page][3]
        children = [root]
        if footnote_area.children:
            children.append(footnote_area)
        if note_area.children:
            children.append(note_area)
        children.extend(make_margin_boxes(context, page, state))
        page.children = tuple(children)
        layout_backgrounds(page, context.get_image_from_uri)
