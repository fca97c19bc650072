"""Chinese layout rules measured on the bundled issue's PDF (character positions by pdfminer)."""

from __future__ import annotations

import json
import re

import pytest

from gazette.pagefit import MAX_CHANGE
from gazette.pagestyle import PageMetrics
from gazette.render_pdf import PAGE_STYLES

from .conftest import PROJECT
from .pdflines import Line, read_lines

PRINTED_DRIFT: dict[str, int] = {}
"""Notices of 2020-07 that do not start on the page the printed 目录 gives (printed_page), and
by how many pages. Every notice starts on its printed page: 18 of 18, three of them
(银政办发〔2020〕78号 and with it 银政干发〔2020〕19号 and the indicator table) by the page fitting
of gazette.pagefit, which the table also owes to the 大事记 before it being set in two columns
of 小四 over four pages, as printed (page.chronicle_columns, chronicle_pt, chronicle_line_pt)."""
FITTED = {"银政办发〔2020〕77号": 15.9}
"""The leading (pt) page fitting gives the notice before a late one."""

NO_LINE_START = set("，。、；：？！）》」』】〕…’”")
NO_LINE_END = set("（《「『【〔“‘")
BODY_FONTS = {"GzFang", "GzHei", "GzKai"}
YINCHUAN: PageMetrics = next(g.page for g in PROJECT.gazettes if g.id == "yinchuan")
MM = 72 / 25.4


@pytest.fixture(scope="module")
def printed(sample_build):
    result, _ = sample_build
    lines, sizes = read_lines(result.pdf_path)
    return result, lines, sizes


def _edges(page: int, width: float) -> tuple[float, float]:
    """Left and right edge of the text block; physical page 0 is a right-hand page."""
    m = PAGE_STYLES["gazette"]
    left, right = (m.inner, m.outer) if page % 2 == 0 else (m.outer, m.inner)
    return left * MM, width - right * MM


def _columns(line: Line, width: float, chronicle: PageMetrics) -> tuple[float, float, float]:
    """(left edge, right edge, leading) of the column a body line is set in: the page's text
    block, or one of a 大事记's columns (page.chronicle_columns, a gap of 2 em)."""
    left, right = _edges(line.page, width)
    if line.size != chronicle.chronicle_pt:
        return left, right, PAGE_STYLES["gazette"].line_pt
    column = (right - left - 2 * line.size) / 2
    if line.x0 > left + column:
        left = right - column
    else:
        right = left + column
    return left, right, chronicle.chronicle_line_pt


def _body_lines(lines: list[Line], sizes) -> list[tuple[Line, Line | None, float, float]]:
    """(line, next line of its column on the page, left edge, right edge) for body text,
    大事记 columns included."""
    m = PAGE_STYLES["gazette"]
    out = []
    for i, line in enumerate(lines):
        if (line.page < 4 or line.size not in (m.body_pt, YINCHUAN.chronicle_pt)
                or line.fonts[0] not in BODY_FONTS):
            continue
        left, right, leading = _columns(line, sizes[line.page][0], YINCHUAN)
        nxt = next((n for n in lines[i + 1:] if n.page == line.page
                    and left - 0.3 <= n.x0 < right and n.top > line.top), None)
        out.append((line, nxt, left, right, leading))
    return out


def _continues(line: Line, nxt: Line | None, left: float, leading: float) -> bool:
    """The next line carries on the same paragraph: flush left, same size, one leading below."""
    return (nxt is not None and abs(nxt.x0 - left) < 0.3 and nxt.size == line.size
            and abs(nxt.top - line.top - leading) < leading * MAX_CHANGE + 0.5
            and line.x0 >= left - 0.3)


def test_notices_start_on_their_printed_pages_exactly_as_calibrated(printed):
    """Pagination against the printed issue, read from the PDF: the folio on the page where
    each title first appears after the 目录. Any change of the count fails, a regression as well
    as an improvement (then lower PRINTED_DRIFT)."""
    result, _lines, _ = printed
    from .pdftext import PdfPages, squash

    pdf = PdfPages(result.pdf_path)
    body = pdf.physical_index(3)
    drift = {}
    for notice in result.issue.notices:
        title = squash(notice.meta.title)
        index = next(i for i in range(body, len(pdf.squashed)) if title in pdf.squashed[i])
        if pdf.folios[index] != notice.meta.printed_page:
            drift[notice.meta.doc_number or notice.meta.title] = (
                pdf.folios[index] - notice.meta.printed_page)
    assert all(n.meta.printed_page for n in result.issue.notices)
    assert drift == PRINTED_DRIFT
    assert len(result.issue.notices) - len(drift) == 18
    assert {d.notice.meta.doc_number or d.notice.meta.title: d.pages
            for d in result.drifts} == drift


def _pitches(lines: list[Line], folio_page: int) -> set[float]:
    """The distances between consecutive body lines on one physical page."""
    m = PAGE_STYLES["gazette"]
    tops = [line.top for line in lines
            if line.page == folio_page and line.size == m.body_pt and line.fonts[0] in BODY_FONTS]
    return {round(b - a, 1) for a, b in zip(tops, tops[1:]) if b - a < m.line_pt * 1.2}


def test_page_fitting_tightens_the_notice_before_a_late_one_within_its_limit(printed):
    """The fitted leading is what the PDF shows: a page wholly inside 77号 is set at the fitted
    pitch, a page of another notice at the style's; the build names the adjustment."""
    result, lines, _ = printed
    m = PAGE_STYLES["gazette"]
    notices = {n.meta.doc_number: n for n in result.issue.notices}
    for number, pitch in FITTED.items():
        assert abs(pitch - m.line_pt) <= m.line_pt * MAX_CHANGE
        notice = notices[number]
        line = next(f for f in result.summary.fitted if number in f)
        assert notice.source.rel in line and f"{pitch:g} pt" in line and "收紧" in line
        first, last = _notice_pages(result, notice.anchor)
        inner = range(first + 1, last)
        assert inner, "the notice spans whole pages"
        for page in inner:
            assert _pitches(lines, page - 1) == {pitch}, page
    assert len(result.summary.fitted) == len(FITTED)
    first, last = _notice_pages(result, notices["银党办〔2020〕60号"].anchor)
    assert last - first >= 2
    assert _pitches(lines, first) == {float(m.line_pt)}  # 0-based: its second page


def _notice_pages(result, anchor: str) -> tuple[int, int]:
    """First and last physical page (1-based) of a notice, from the build's pages.json."""
    places = json.loads((result.pdf_path.parent / "pages.json").read_text(encoding="utf-8"))
    first, last, _folio = places[anchor]
    return first, last


def test_non_final_lines_end_flush_with_the_right_edge(printed):
    _result, lines, sizes = printed
    checked, ragged = 0, []
    for line, nxt, left, right, leading in _body_lines(lines, sizes):
        if _continues(line, nxt, left, leading):
            checked += 1
            if abs(line.x1 - right) > 0.5:
                ragged.append((line.page + 1, round(right - line.x1, 2), line.text[:20]))
    assert checked > 1000
    assert not ragged, ragged[:10]


def test_no_line_starts_or_ends_with_forbidden_punctuation(printed):
    _result, lines, _ = printed
    starts = [(ln.page + 1, ln.text[:15]) for ln in lines if ln.text[0] in NO_LINE_START]
    ends = [(ln.page + 1, ln.text[-15:]) for ln in lines if ln.text[-1] in NO_LINE_END]
    assert not starts, starts[:10]
    assert not ends, ends[:10]


def test_dashes_and_ellipses_are_never_split(printed):
    _result, lines, _ = printed
    for before, after in zip(lines, lines[1:], strict=False):
        for mark in "—…":
            assert not (before.text.endswith(mark) and after.text.startswith(mark)), before.text


def test_no_paragraph_ends_with_a_lone_character(printed):
    _result, lines, sizes = printed
    lone = []
    body = _body_lines(lines, sizes)
    previous_of = {id(nxt): line for line, nxt, *_ in body if nxt is not None}
    for line, nxt, left, _right, leading in body:
        previous = previous_of.get(id(line))
        is_last = not _continues(line, nxt, left, leading)
        continued_from = previous is not None and _continues(previous, line, left, leading)
        core = re.sub(r"[\W_]", "", line.text)
        if is_last and continued_from and len(core) < 2:
            lone.append((line.page + 1, line.text))
    assert not lone, lone


def test_titles_are_centred(printed):
    _result, lines, sizes = printed
    m = PAGE_STYLES["gazette"]
    titles = [ln for ln in lines if ln.size == m.title_pt and ln.fonts[0] == "GzTitle"]
    assert len(titles) > 30
    for line in titles:
        left, right = _edges(line.page, sizes[line.page][0])
        assert abs(line.centre - (left + right) / 2) < 1.0, line.text


def test_dates_sit_four_characters_from_the_right_edge(printed):
    _result, lines, sizes = printed
    m = PAGE_STYLES["gazette"]
    dates = [ln for ln in lines if re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日", ln.text)
             and ln.size == m.body_pt]
    assert len(dates) >= 15
    for line in dates:
        _left, right = _edges(line.page, sizes[line.page][0])
        assert abs(right - 4 * m.body_pt - line.x1) < 0.6, (line.page + 1, line.text)


def test_issuers_are_centred_over_the_date(printed):
    _result, lines, _ = printed
    for i, line in enumerate(lines):
        if re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日", line.text) and lines[i - 1].text.endswith(
                ("政府", "办公室", "杨玉经")):
            issuer = lines[i - 1]
            if issuer.x1 - issuer.x0 <= line.x1 - line.x0 + 8 * line.size:
                assert abs(issuer.centre - line.centre) < 0.6, issuer.text


def test_heading_fonts_follow_the_numbering_level(printed):
    _result, lines, _ = printed
    by_text = {ln.text: ln for ln in lines}
    assert set(by_text["一、总体要求"].fonts) == {"GzHei"}
    assert set(by_text["（一）保居民就业。"].fonts) == {"GzKai"}
    run_in = next(ln for ln in lines if ln.text.startswith("（一）坚持党政同责。"))
    assert set(run_in.fonts[:len("（一）坚持党政同责。")]) == {"GzKai"}
    assert run_in.fonts[len("（一）坚持党政同责。")] == "GzFang"
    article = next(ln for ln in lines if ln.text.startswith("第一条"))
    assert set(article.fonts[:3]) == {"GzHei"} and article.fonts[-1] == "GzFang"
    clause = next(ln for ln in lines if ln.text.startswith("二、金凤区人民政府负责"))
    assert set(clause.fonts) == {"GzFang"}, "numbered clauses of a decision stay in body type"


def test_chapters_are_centred(printed):
    _result, lines, sizes = printed
    chapters = [ln for ln in lines if re.match(r"第[一二三四五六七]章", ln.text) and len(ln.text) < 25]
    assert len(chapters) == 7
    for line in chapters:
        left, right = _edges(line.page, sizes[line.page][0])
        assert abs(line.centre - (left + right) / 2) < 1.0, line.text


def test_no_two_full_width_marks_in_a_row_stand_at_full_width(printed):
    """标点挤压: in every printed pair such as 。” ）（ ，“ one mark gives up half its width.
    Measured on the PDF: the pair's pitch is half an em less than the line's character pitch."""
    from gazette.typography import FULL_WIDTH_CLOSING, FULL_WIDTH_OPENING

    _result, lines, _ = printed
    marks = FULL_WIDTH_OPENING | FULL_WIDTH_CLOSING
    checked, full = 0, []
    for line in lines:
        if line.page < 4:
            continue
        chars = line.chars
        pitches = sorted(b[1] - a[1] for a, b in zip(chars, chars[1:], strict=False)
                         if "\u4e00" <= a[0] <= "\u9fff" and "\u4e00" <= b[0] <= "\u9fff")
        if len(pitches) < 5:
            continue
        pitch = pitches[len(pitches) // 2]
        for a, b in zip(chars, chars[1:], strict=False):
            if a[0] in marks and b[0] in marks:
                checked += 1
                if b[1] - a[1] > pitch - 0.3 * line.size:
                    full.append((line.page + 1, a[0] + b[0], line.text[:20]))
    assert checked > 100
    assert not full, full[:10]


def test_the_chronicle_is_set_as_printed_in_two_columns_over_four_pages(printed):
    """The printed 2020-07 sets its 大事记 in two columns over pages 64–67 (its extracted text
    breaks mid-paragraph seven times); config page.chronicle_* reproduce that, which brings the
    indicator table after it to its printed page 68."""
    result, lines, sizes = printed
    assert YINCHUAN.chronicle_columns == 2
    chronicle = next(n for n in result.issue.notices if n.meta.kind == "chronicle")
    first, last = _notice_pages(result, chronicle.anchor)
    assert last - first + 1 == 4
    for page in range(first - 1, last):
        text = [ln for ln in lines if ln.page == page and ln.size == YINCHUAN.chronicle_pt
                and ln.fonts[0] in BODY_FONTS]
        sides = {_columns(ln, sizes[page][0], YINCHUAN)[0] for ln in text}
        assert len(sides) == 2, page + 1
        left_column = [ln for ln in text if ln.x0 < min(sides) + 40]
        right_column = [ln for ln in text if ln.x0 >= max(sides) - 0.3]
        assert all(ln.x1 < max(sides) - YINCHUAN.chronicle_pt for ln in left_column), page + 1
        assert len(left_column) > 5 and len(right_column) > 5, page + 1
