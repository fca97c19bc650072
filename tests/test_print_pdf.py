"""The print PDF of the bundled issue, read back with pypdf: what an office would check by eye."""

from __future__ import annotations

import re
import subprocess
import unicodedata
from html.parser import HTMLParser

import pytest
from fontTools.ttLib import TTFont

from gazette.issue import format_date

from .pdftext import PdfPages, squash

TOC_ENTRY = re.compile(r"[.…·．]{3,}\s*(\d+)\s*$")


@pytest.fixture(scope="module")
def built(sample_build):
    result, diags = sample_build
    return result, PdfPages(result.pdf_path), diags


def _toc_pages(pdf: PdfPages) -> list[int]:
    """Page numbers printed in the 目录, in order: the run of pages after the covers whose
    lines end in dot leaders and a number."""
    numbers = []
    for text in pdf.texts[2:]:
        found = [int(m.group(1)) for line in text.splitlines()
                 if (m := TOC_ENTRY.search(line.strip()))]
        if not found:
            break
        numbers += found
    return numbers


def test_build_is_clean(built):
    result, _pdf, diags = built
    assert not diags.errors
    assert not diags.warnings, [d.format() for d in diags.warnings]
    assert len(result.issue.notices) == 18


def test_every_notice_starts_on_the_page_the_toc_prints(built):
    result, pdf, _ = built
    toc = _toc_pages(pdf)
    notices = result.issue.notices
    assert len(toc) == len(notices), toc
    for notice, folio in zip(notices, toc, strict=True):
        page = pdf.squashed[pdf.physical_index(folio)]
        assert squash(notice.meta.title) in page, (notice.meta.title, folio)


def test_toc_page_numbers_are_real_and_increasing(built):
    _result, pdf, _ = built
    toc = _toc_pages(pdf)
    assert toc == sorted(toc)
    assert toc[0] == 3, "the first notice starts on page 3, as in the printed issue"
    assert toc[-1] < max(f for f in pdf.folios if f)


def test_masthead_has_no_folio_and_the_rest_are_consecutive(built):
    result, pdf, _ = built
    assert pdf.folios[0] is None
    assert pdf.folios[1] is None, "the inside cover is blank and unnumbered"
    numbered = [(i, f) for i, f in enumerate(pdf.folios) if f is not None]
    first_index, first = numbered[0]
    assert first == 1
    for index, folio in numbered:
        assert folio == index - first_index + 1, f"physical page {index + 1} prints {folio}"
    unnumbered = [i for i, f in enumerate(pdf.folios) if f is None and i > 1]
    assert all(not squash(pdf.texts[i]) for i in unnumbered), "only blank pages lack a folio"
    assert result.pages == len(pdf.texts)


def test_masthead_page_shows_identity_and_issue(built):
    result, pdf, _ = built
    cover = pdf.squashed[0]
    meta = result.issue.meta
    for text in ("银川市人民政府公报", "●权威性", "●指导性", "编辑委员会", "潘灵胜", "黄学萍",
                 "2020年第7期", f"总第{meta.cumulative}期", format_date(meta.published) + "出版"):
        assert text in cover, text


def _heads(result) -> tuple[str, ...]:
    return ("银川市人民政府公报2020年第7期",
            *(squash(f"【{s.name}】") for s in result.issue.sections))


def test_running_heads_name_the_gazette_issue_and_section(built):
    result, pdf, _ = built
    colophon = len(pdf.texts) - 1
    body_pages = [i for i, f in enumerate(pdf.folios) if f and f >= 3 and i < colophon]
    heads = _heads(result)
    for i in body_pages:
        text = pdf.body_text(i, ())
        expected = heads[:1] if pdf.folios[i] % 2 == 0 else heads[1:]
        assert any(text.endswith(h) for h in expected), (pdf.folios[i], pdf.texts[i][-40:])
    for i in (0, 2):
        assert not any(pdf.squashed[i].endswith(h) for h in heads)


def test_fonts_embedded_are_the_bundled_ones(built, config):
    _result, pdf, _ = built
    bundled = {TTFont(p, lazy=True)["name"].getDebugName(6) for p in config.fonts.all()}
    embedded = pdf.embedded_fonts
    assert embedded <= bundled, embedded - bundled
    assert {"FandolFang-Regular", "FandolSong-Bold", "FandolHei-Regular", "FandolKai-Regular",
            "FandolSong-Regular"} <= embedded


def test_no_paragraph_is_lost(built):
    result, pdf, _ = built
    heads = _heads(result)
    everything = "".join(pdf.body_text(i, heads) for i in range(len(pdf.texts)))
    missing = []
    for notice in result.issue.notices:
        for paragraph in notice.body.paragraphs:
            if squash(paragraph) not in everything:
                missing.append((notice.source.rel, paragraph[:30]))
    assert not missing, missing[:5]


def test_signatures_dates_and_notes_are_printed(built):
    result, pdf, _ = built
    everything = "".join(pdf.body_text(i, _heads(result)) for i in range(len(pdf.texts)))
    for notice in result.issue.notices:
        meta = notice.meta
        if meta.date:
            assert squash("　".join(meta.issuers) + format_date(meta.date)) in everything
        if meta.note:
            assert f"（{meta.note}）" in everything
        if meta.addressees:
            assert squash(meta.addressees) + "：" in everything


def test_outline_has_sections_notices_and_attached_texts(built):
    result, pdf, _ = built
    outline = pdf.outline_titles()
    titles = [squash(t) for _, t in outline]
    for section in result.issue.sections:
        assert f"【{section.name}】".replace(" ", "") in titles
        for notice in section.notices:
            assert squash(notice.meta.title) in titles
    assert squash("银川市全面落实“六保”任务责任分工方案") in titles
    depths = dict((squash(t), d) for d, t in outline)
    assert depths["【人事任免】"] < depths["银川市人民政府关于朱丽莉等同志任职的通知"]


def test_pdf_metadata_comes_from_the_issue_not_the_clock(built):
    _result, pdf, _ = built
    info = pdf.reader.metadata
    assert info.title == "银川市人民政府公报 2020年第7期"
    assert info.creation_date.date().isoformat() == "2020-09-25"
    assert str(pdf.reader.trailer["/Root"]["/Lang"]) == "zh-CN"


def test_colophon_closes_the_issue(built):
    _result, pdf, _ = built
    last = pdf.squashed[-1]
    for text in ("主编：纳小利", "印数：1270册", "2020年第7期（总第358期）", "2020年9月25日出版"):
        assert text in last, text


def test_a_note_never_starts_a_page_away_from_its_signature(built):
    result, pdf, _ = built
    heads = _heads(result)
    for index in range(3, len(pdf.texts)):
        assert not pdf.body_text(index, heads).startswith("（此件公开发布）"), index + 1


class _TextOnly(HTMLParser):
    """The character data of an HTML document, outside <style> and <script>."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        self._skip += tag in ("style", "script")

    def handle_endtag(self, tag):
        self._skip -= tag in ("style", "script")

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def invisible(text: str) -> list[str]:
    """Format characters (U+2060 WORD JOINER, zero-width spaces, soft hyphens…): they are
    copied with the text and break exact matching in Word and search engines."""
    return sorted({f"U+{ord(c):04X}" for c in text if unicodedata.category(c) == "Cf"})


def test_no_invisible_character_in_the_print_html_or_the_pdf_text(built):
    """Breaks that GB/T 15835 and 孤字 forbid are made by markup (nowrap spans), never by
    characters in the text: the print HTML, pypdf's and pdftotext's text are all clean, and
    every paragraph reads back exactly (layout whitespace aside)."""
    result, pdf, _ = built
    parser = _TextOnly()
    parser.feed((result.pdf_path.parent / "print.html").read_text(encoding="utf-8"))
    html_text = "".join(parser.parts)
    assert 'class="gw-nb"' in (result.pdf_path.parent / "print.html").read_text(encoding="utf-8")
    assert not invisible(html_text)
    assert not invisible("".join(pdf.texts))
    poppler = subprocess.run(["pdftotext", "-enc", "UTF-8", str(result.pdf_path), "-"],
                             capture_output=True, text=True, check=True).stdout
    assert not invisible(poppler)
    everything = "".join(pdf.body_text(i, _heads(result)) for i in range(len(pdf.texts)))
    for notice in result.issue.notices:
        for paragraph in notice.body.paragraphs:
            assert squash(paragraph) in everything, paragraph[:30]
