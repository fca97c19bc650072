"""Page-level rules read back from a built PDF: keeps, signature pages, blank pages, bookmarks.

Shared by the tests of every page style (gazette, two-column, gongwen)."""

from __future__ import annotations

import re
from pathlib import Path

from pypdf import PdfReader

from .pdflines import Line

FOLIO_LINE = re.compile(r"—\s*\d+\s*—")
DATE_LINE = re.compile(r"\d{4}年\d{1,2}月\d{1,2}日")
APPENDIX_LABEL = re.compile(r"附件\s*\d*")
SECTION_HEAD = re.compile(r"【[^】]+】")
HEADING_FONTS = {"GzHei", "GzKai"}


def content_lines(lines: list[Line], metrics) -> dict[int, list[Line]]:
    """Lines of each page without its folio and running head, top to bottom."""
    pages: dict[int, list[Line]] = {}
    head_zone = metrics.top * 72 / 25.4 - 2
    for line in lines:
        if FOLIO_LINE.fullmatch(line.text):
            continue
        if line.size == metrics.head_pt and line.top < head_zone:
            continue
        pages.setdefault(line.page, []).append(line)
    for page in pages.values():
        page.sort(key=lambda ln: (round(ln.top), ln.x0))
    return pages


def _is_keep_with_next(line: Line, metrics) -> bool:
    """A line that must never end a page or column: 附件 label, a title (notice or attached
    text), a 【section】 heading, or a standalone heading set wholly in 黑体/楷体."""
    text = line.text
    if APPENDIX_LABEL.fullmatch(text) or SECTION_HEAD.fullmatch(text.replace(" ", "")):
        return True
    if line.fonts[0] == "GzTitle" and line.size >= metrics.title_pt - 0.5:
        return True
    return set(line.fonts) <= HEADING_FONTS and line.size == metrics.body_pt and len(text) < 30


def stranded_headings(lines: list[Line], metrics, page_width: float,
                      columns: bool = False) -> list[tuple[int, str]]:
    """(page, text) of every line that ends a page (or, with ``columns``, a column) although
    it belongs with what follows. The last page (colophon) is not checked."""
    pages = content_lines(lines, metrics)
    last_page = max(pages)
    found = []
    for number, page in pages.items():
        if number == last_page or not page:
            continue
        ends = [page[-1]]
        if columns:
            half = page_width / 2
            text = [ln for ln in page if ln.size == metrics.body_pt]
            left = [ln for ln in text if ln.x1 < half]
            right = [ln for ln in text if ln.x0 > half]
            for column, other in ((left, right), (right, left)):
                # A line is in a column block when the other column reaches down beside it;
                # a full-width short line under the block (a 附件 label) is not.
                inside = [ln for ln in column
                          if any(o.top >= ln.top - metrics.line_pt for o in other)]
                if inside:
                    ends.append(max(inside, key=lambda ln: ln.top))
        found += [(number + 1, ln.text) for ln in ends if _is_keep_with_next(ln, metrics)]
    return sorted(set(found))


def lonely_signatures(lines: list[Line], metrics, issuers: set[str]) -> list[tuple[int, str, int]]:
    """(page, date, body lines) for every signature date whose page carries fewer than two
    lines of body text above it (GB/T 9704: never a page with only the signature)."""
    pages = content_lines(lines, metrics)
    found = []
    for number, page in pages.items():
        for date in (ln for ln in page if DATE_LINE.fullmatch(ln.text)
                     and ln.size == metrics.body_pt):
            above = [ln for ln in page if ln.top < date.top - 1
                     and ln.size == metrics.body_pt and "".join(ln.text.split()) not in issuers
                     and not DATE_LINE.fullmatch(ln.text)]
            if len(above) < 2:
                found.append((number + 1, date.text, len(above)))
    return found


def blank_pages(path: Path, allowed: set[int]) -> list[int]:
    """1-based pages that print nothing but a folio or running head, except ``allowed``."""
    reader = PdfReader(path)
    blank = []
    for number, page in enumerate(reader.pages, start=1):
        text = FOLIO_LINE.sub("", "".join((page.extract_text() or "").split()))
        if number not in allowed and len(text) < 2:
            blank.append(number)
    return blank


def misplaced_section_bookmarks(path: Path) -> list[tuple[str, int, int]]:
    """(section, its bookmark's page, its first notice's page) where the two differ."""
    reader = PdfReader(path)
    outline = reader.outline
    wrong = []
    for index, item in enumerate(outline):
        if isinstance(item, list) or not item.title.startswith("【"):
            continue
        children = outline[index + 1] if index + 1 < len(outline) else None
        assert isinstance(children, list), f"section {item.title} has no notices"
        section_page = reader.get_destination_page_number(item)
        first_page = reader.get_destination_page_number(children[0])
        if section_page != first_page:
            wrong.append((item.title, section_page + 1, first_page + 1))
    return wrong


def issuer_lines(issue) -> set[str]:
    """Every way a signature's issuer line can read: each issuer, and joint issuers together."""
    names = set()
    for notice in issue.notices:
        issuers = notice.meta.issuers
        names.update("".join(name.split()) for name in issuers)
        names.add("".join("".join(issuers).split()))
    return names



def stranded_addressees(lines: list[Line], metrics, addressees: set[str]) -> list[tuple[int, str]]:
    """(page, text) where a page ends with a notice's 主送机关 line: its title and addressees
    stand without a line of the body under them (GB/T 9704: page 1 shows body text)."""
    pages = content_lines(lines, metrics)
    found = []
    for number, page in pages.items():
        if not page:
            continue
        last = "".join(page[-1].text.split())
        if last.endswith("：") and any(a.endswith(last) for a in addressees):
            found.append((number + 1, page[-1].text))
    return found
