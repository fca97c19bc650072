"""Every page style builds the bundled issue: two columns and strict GB/T 9704 公文."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from gazette.build import build_issue
from gazette.config import load_config
from gazette.diagnostics import Diagnostics
from gazette.render_pdf import PAGE_STYLES

from . import pagechecks
from .conftest import SAMPLE, copy_project
from .pdflines import read_lines
from .pdftext import PdfPages, squash

MM = 72 / 25.4


def _build_style(tmp_path_factory, style: str):
    root = copy_project(tmp_path_factory.mktemp(style))
    config_file = root / "config.yaml"
    text = config_file.read_text(encoding="utf-8")
    config_file.write_text(re.sub(r"(?m)^  style: \S+", f"  style: {style}", text), "utf-8")
    config = load_config(config_file)
    assert config.page_style == style
    diags = Diagnostics()
    result = build_issue(config, SAMPLE, diags, site=False)
    assert result is not None, [d.format() for d in diags]
    assert not diags.warnings, [d.format() for d in diags.warnings]
    return result


@pytest.fixture(scope="module")
def two_column(tmp_path_factory):
    return _build_style(tmp_path_factory, "two-column")


@pytest.fixture(scope="module")
def gongwen(tmp_path_factory):
    return _build_style(tmp_path_factory, "gongwen")


def _text_once_per_paragraph(result) -> None:
    """No paragraph lost, none duplicated at column or page breaks: each paragraph appears in
    the body pages exactly as often as in the source (titles included)."""
    pdf = PdfPages(result.pdf_path)
    heads = ("银川市人民政府公报2020年第7期",
             *(squash(f"【{s.name}】") for s in result.issue.sections))
    first_body = min(i for i, f in enumerate(pdf.folios) if f == 3)
    everything = "".join(pdf.body_text(i, heads) for i in range(first_body, len(pdf.texts)))
    notices = result.issue.notices
    corpus = "".join(squash(n.meta.title) + "".join(squash(p) for p in n.body.paragraphs)
                     for n in notices)
    for paragraph in {squash(p) for n in notices for p in n.body.paragraphs}:
        if len(paragraph) >= 12:
            assert everything.count(paragraph) == corpus.count(paragraph), paragraph[:30]


def test_two_columns_keep_every_paragraph_once(two_column):
    _text_once_per_paragraph(two_column)


def test_two_columns_set_body_in_columns_and_titles_across(two_column):
    lines, sizes = read_lines(two_column.pdf_path)
    m = PAGE_STYLES["two-column"]
    width = sizes[0][0]
    body = [ln for ln in lines if ln.size == m.body_pt and ln.fonts[0] == "GzFang"
            and ln.page > 3]
    half = width / 2
    left_column = [ln for ln in body if ln.x1 < half]
    right_column = [ln for ln in body if ln.x0 > half]
    assert len(left_column) > 500 and len(right_column) > 500
    titles = [ln for ln in lines if ln.size == m.title_pt and ln.fonts[0] == "GzTitle"]
    assert titles
    for line in titles:
        inner, outer = (m.inner, m.outer) if line.page % 2 == 0 else (m.outer, m.inner)
        centre = (inner * MM + width - outer * MM) / 2
        assert abs(line.centre - centre) < 1.0, line.text


def test_gongwen_keeps_every_paragraph_once(gongwen):
    _text_once_per_paragraph(gongwen)


def test_gongwen_grid_is_22_lines_of_28_characters(gongwen):
    lines, _sizes = read_lines(gongwen.pdf_path)
    m = PAGE_STYLES["gongwen"]
    body = [ln for ln in lines if ln.size == m.body_pt and ln.fonts[0] in ("GzFang", "GzHei",
                                                                           "GzKai")]
    per_page = Counter(ln.page for ln in body)
    assert max(per_page.values()) == 22
    full_pages = [p for p, n in per_page.items() if n == 22]
    assert len(full_pages) > 40
    for page in full_pages[:20]:
        tops = sorted(ln.top for ln in body if ln.page == page)
        pitches = {round(b - a, 1) for a, b in zip(tops, tops[1:], strict=False)}
        assert pitches <= {round(m.line_pt, 1), round(m.line_pt, 1) + 0.1,
                           round(m.line_pt, 1) - 0.1}, pitches
    han_only = [ln for ln in body if re.fullmatch(r"[\u4e00-\u9fff，。、；：“”（）《》]+", ln.text)]
    widths = Counter(len(ln.text) for ln in han_only if ln.x0 < m.inner * MM + 1
                     or ln.x0 < m.outer * MM + 1)
    assert widths.most_common(1)[0][0] == 28, widths.most_common(3)


def test_gongwen_page_numbers_sit_outside_one_character_in(gongwen):
    lines, sizes = read_lines(gongwen.pdf_path)
    m = PAGE_STYLES["gongwen"]
    folios = [ln for ln in lines if re.fullmatch(r"—\d+—", ln.text)]
    assert len(folios) > 100
    width, height = sizes[0]
    for line in folios:
        number = int(line.text.strip("—"))
        if number % 2:
            assert abs(width - m.outer * MM - m.folio_pt - line.x1) < 1.0
        else:
            assert abs(m.outer * MM + m.folio_pt - line.x0) < 1.0
        text_bottom = height - m.bottom * MM
        assert 5 * MM < line.top + line.size / 2 - text_bottom < 9 * MM


STYLES = ("gazette", "two-column", "gongwen")


@pytest.fixture(scope="module", params=STYLES)
def styled(request, sample_build):
    """The bundled issue in each page style, with its lines read back once."""
    style = request.param
    result = sample_build[0] if style == "gazette" else request.getfixturevalue(
        style.replace("-", "_"))
    lines, sizes = read_lines(result.pdf_path)
    return style, result, lines, sizes


def test_no_heading_label_or_title_ends_a_page_or_column(styled):
    """附件 labels, titles of notices and attached texts, 【section】 headings and standalone
    headings always go with the text they introduce."""
    style, _result, lines, sizes = styled
    assert not pagechecks.stranded_headings(lines, PAGE_STYLES[style], sizes[0][0],
                                            columns=style == "two-column")


def test_no_notice_head_ends_a_page_without_body_text(styled):
    style, result, lines, _ = styled
    addressees = {"".join(n.meta.addressees.split()) + "："
                  for n in result.issue.notices if n.meta.addressees}
    assert len(addressees) > 5
    assert not pagechecks.stranded_addressees(lines, PAGE_STYLES[style], addressees)


def test_signature_and_date_carry_two_lines_of_body_text(styled):
    style, result, lines, _ = styled
    issuers = pagechecks.issuer_lines(result.issue)
    dates = [ln for ln in lines if pagechecks.DATE_LINE.fullmatch(ln.text)]
    assert len(dates) >= 15
    assert not pagechecks.lonely_signatures(lines, PAGE_STYLES[style], issuers)


def test_no_blank_page_but_the_inside_cover(styled):
    _style, result, _lines, _ = styled
    assert not pagechecks.blank_pages(result.pdf_path, allowed={2})
    assert pagechecks.blank_pages(result.pdf_path, allowed=set()) == [2]


def test_section_bookmarks_point_at_the_first_notice_page(styled):
    _style, result, _lines, _ = styled
    assert not pagechecks.misplaced_section_bookmarks(result.pdf_path)
