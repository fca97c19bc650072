"""Nothing is lost silently: for every bundled issue, every Han character an editor wrote in a
notice (title, front matter that is printed, and the body as written, before any parsing) is
in the text read back from that notice's pages of the PDF and from its page of the web
edition, as many times as it was written.

Counting characters of the raw source, not the parsed paragraphs, is the point: a parser that
drops a paragraph (markdown-it past 20 nested quotes), a table clipped at the page edge or an
image whose caption vanishes would all pass a comparison with the parsed text."""

from __future__ import annotations

import html as htmllib
import json
import re
from collections import Counter

import pytest

from gazette.render_html import PrintEdition, SiteIssue

from .pdftext import PdfPages, squash

HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\U00020000-\U0003134f]")
_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_BLOCK_OPEN = re.compile(r"^:::\s*(名单|表格)\s*", re.MULTILINE)
_TAG = re.compile(r"<[^>]+>")


def source_han(notice) -> Counter:
    """Han characters of what the editor wrote and the build must print: images are drawn, not
    written (their alt text is not in the PDF's text), and the ::: block keywords are markup."""
    meta = notice.meta
    body = _BLOCK_OPEN.sub("", _IMAGE.sub("", notice.source.body))
    written = [meta.title, meta.number_line or meta.doc_number or "", meta.addressees or "",
               *meta.attachments, *meta.issuers, meta.note or "", body]
    return Counter(HAN.findall("".join(written)))


def shortfall(expected: Counter, found: Counter) -> dict[str, int]:
    return {char: count - found[char] for char, count in expected.items() if found[char] < count}


@pytest.fixture(scope="module")
def editions(bundled_build):
    _config, result, _diags = bundled_build
    places = json.loads((result.pdf_path.parent / "pages.json").read_text(encoding="utf-8"))
    return result, PdfPages(result.pdf_path), places


def test_every_source_character_is_in_the_pdf(editions):
    result, pdf, places = editions
    for notice in result.issue.notices:
        first, last = places[notice.anchor][:2]
        printed = Counter(HAN.findall("".join(pdf.texts[first - 1: last])))
        lost = shortfall(source_han(notice), printed)
        assert not lost, (notice.source.rel, lost)


def test_every_source_character_is_on_the_web_page(editions):
    result, _pdf, _places = editions
    site = result.site
    for notice in result.issue.notices:
        path = SiteIssue(result.issue, PrintEdition(None)).notice_path(notice) + "index.html"
        page = site.files[path].decode("utf-8")
        main = page[page.index("<main"): page.rindex("</main>")] if "<main" in page else page
        shown = Counter(HAN.findall(htmllib.unescape(_TAG.sub("", main))))
        lost = shortfall(source_han(notice), shown)
        assert not lost, (notice.source.rel, lost)


def test_the_comparison_notices_a_dropped_paragraph(editions):
    """The check itself can fail: take one paragraph's characters out of what the PDF shows
    and a shortfall is reported (the pages hold no slack that would hide it)."""
    result, pdf, places = editions
    for notice, text in _notice_texts(result.issue.notices, pdf, places):
        printed = Counter(HAN.findall(text))
        assert not shortfall(source_han(notice), printed), notice.source.rel
        paragraph = max(notice.body.paragraphs, key=len)
        assert shortfall(source_han(notice), printed - Counter(HAN.findall(paragraph))), \
            (notice.source.rel, paragraph[:20])


def _notice_texts(notices, pdf, places):
    """Each notice with the PDF's text from its title to the next notice's title: the pages
    it shares with its neighbours would otherwise lend their characters to it."""
    offsets, total = [], 0
    for page in pdf.squashed:
        offsets.append(total)
        total += len(page)
    whole = "".join(pdf.squashed)
    starts = [whole.find(squash(n.meta.title), offsets[places[n.anchor][0] - 1]) for n in notices]
    assert all(start >= 0 for start in starts)
    for index, notice in enumerate(notices):
        end = starts[index + 1] if index + 1 < len(notices) else total
        yield notice, whole[starts[index]:end]
