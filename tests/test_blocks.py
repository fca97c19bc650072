"""Tables and name lists, parsed from the editors' syntax and measured on the PDF."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from gazette.build import build_issue
from gazette.config import load_config
from gazette.diagnostics import Diagnostics
from gazette.markup import render_body
from gazette.markup.blocks import BlockProblem, parse_table
from gazette.render_pdf import PAGE_STYLES

from .conftest import SAMPLE, copy_project
from .pdflines import char_boxes, read_lines
from .pdftext import PdfPages, squash

FIXTURES = Path(__file__).parent / "fixtures" / "notices"
MM = 72 / 25.4


def _long_table() -> str:
    rows = "\n".join(f"| {n} | 第{n}项指标 | {n * 3}.5 |" for n in range(1, 91))
    return f"""---
title: 长表格测试
section: 银川市经济数据
order: 3
kind: data
---

::: 表格 跨页表格
| 序号 | 指标 | 数值 |
| :---: | --- | ---: |
{rows}
:::
"""


def _project_with_blocks(tmp_path_factory, style: str = "gazette"):
    root = copy_project(tmp_path_factory.mktemp(f"blocks-{style}"))
    if style != "gazette":
        config_file = root / "config.yaml"
        config_file.write_text(config_file.read_text(encoding="utf-8").replace(
            "  style: gazette", f"  style: {style}"), encoding="utf-8")
    issue_dir = root / "content" / SAMPLE
    for fixture in FIXTURES.glob("*.md"):
        shutil.copy(fixture, issue_dir / fixture.name)
    (issue_dir / "93-long-table.md").write_text(_long_table(), encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def blocks_build(tmp_path_factory):
    root = _project_with_blocks(tmp_path_factory)
    diags = Diagnostics()
    result = build_issue(load_config(root / "config.yaml"), SAMPLE, diags, site=False)
    assert result is not None, [d.format() for d in diags]
    assert not diags.warnings, [d.format() for d in diags.warnings]
    lines, sizes = read_lines(result.pdf_path)
    return result, PdfPages(result.pdf_path), lines, sizes


def _notice(result, title):
    return next(n for n in result.issue.notices if n.meta.title == title)


def test_table_syntax_merges_cells_and_keeps_header_rows():
    problems: list[BlockProblem] = []
    lines = (FIXTURES / "91-zhida-zijin.md").read_text(encoding="utf-8").split(":::")[1]
    table = parse_table("表", lines.splitlines()[1:], problems)
    assert not problems
    assert table.columns == 11 and len(table.header) == 2
    first = table.header[0]
    assert first[4].text == "中央安排直达资金" and first[4].colspan == 3
    assert first[0].rowspan == 2 and table.header[1][0] is None
    merged = [row for row in table.body if row[0] is not None and row[0].rowspan == 2]
    assert [row[0].text for row in merged] == ["一般性转移支付",
                                                "支持基层落实减税降费和重点民生等专项转移支付"]
    assert table.align[3] == "right" and table.align[0] == "center"
    assert table.before == ["单位：万元"] and table.after == ["注：数据截至2023年3月31日。"]


def test_table_errors_point_at_the_row(tmp_path):
    diags = Diagnostics()
    body = "正文。\n\n::: 表格 错误\n| 甲 | 乙 |\n| --- | --- |\n| 1 | 2 | 3 |\n| ^ | < |\n"
    render_body(body, rel="x.md", body_line=5, source_dir=tmp_path, root=tmp_path,
                chronicle=False, diags=diags)
    found = {(d.code, d.location.line) for d in diags}
    assert ("table.columns", 10) in found
    assert ("block.unclosed", 8) in found


def test_every_table_cell_is_printed(blocks_build):
    result, pdf, _lines, _ = blocks_build
    everything = "".join(pdf.squashed)
    notice = _notice(result, "西夏区财政局直达资金执行情况分析")
    for text in notice.body.paragraphs:
        assert squash(text) in everything, text


def test_wide_table_fits_the_text_block(blocks_build):
    result, pdf, lines, sizes = blocks_build
    m = PAGE_STYLES["gazette"]
    pages = {i for i, t in enumerate(pdf.squashed) if "各单位直达资金执行情况表" in t}
    table_lines = [ln for ln in lines if ln.page in pages and ln.size < m.body_pt]
    assert table_lines
    width = sizes[0][0]
    for line in table_lines:
        left, right = (m.inner, m.outer) if line.page % 2 == 0 else (m.outer, m.inner)
        assert line.x0 >= left * MM - 0.5 and line.x1 <= width - right * MM + 0.5, line.text


def test_table_header_repeats_on_every_page_it_crosses(blocks_build):
    _result, pdf, _lines, _ = blocks_build
    pages = [i for i, t in enumerate(pdf.squashed) if "第45项指标" in t or "第1项指标" in t
             or "第90项指标" in t]
    spanned = range(min(pages), max(pages) + 1)
    assert len(spanned) >= 2
    for index in spanned:
        assert "序号指标数值" in pdf.squashed[index], index


def test_name_list_aligns_two_character_names_with_three(blocks_build):
    _result, _pdf, lines, _ = blocks_build
    rows = [ln for ln in lines if ln.page == next(x.page for x in lines if "王国斌" in x.text)
            and ("区人民政府副区长" in ln.text or "社会保障局局长" in ln.text)]
    assert len(rows) >= 4

    names = {"王国斌": None, "贾增军": None, "李婧": None, "苏丽华": None}
    for line in rows:
        for name in names:
            if name[0] in line.text and name[-1] in line.text:
                names[name] = line
    assert all(names.values()), names
    boxes = {name: char_boxes(line, name) for name, line in names.items()}
    three = boxes["王国斌"]
    for name in ("贾增军", "李婧", "苏丽华"):
        x0, x1 = boxes[name]
        assert abs(x0 - three[0]) < 0.5 and abs(x1 - three[1]) < 0.5, (name, boxes[name], three)


def test_name_list_text_reads_cleanly(blocks_build):
    _result, pdf, lines, _ = blocks_build
    page = next(t for t in pdf.texts if "王国斌" in t)
    assert "区委常委、区人民政府副区长" in page
    assert "副组长：贾增军" in page.replace(" ", "")
    role = next(ln for ln in lines if ln.text.startswith("组") and "王国斌" in ln.text)
    colon = char_boxes(role, "：")
    long_role = next(ln for ln in lines if ln.text.startswith("副组长"))
    assert abs(colon[0] - char_boxes(long_role, "：")[0]) < 0.5, "colons line up"
    assert colon[0] - char_boxes(role, "长")[1] < 1.0, "the colon follows the role directly"


def test_two_columns_keep_tables_and_name_lists_whole(tmp_path_factory):
    """WeasyPrint's columns have lost or repeated content at breaks: check every cell once."""
    root = _project_with_blocks(tmp_path_factory, "two-column")
    diags = Diagnostics()
    result = build_issue(load_config(root / "config.yaml"), SAMPLE, diags, site=False)
    assert result is not None and not diags.warnings, [d.format() for d in diags]
    pdf = PdfPages(result.pdf_path)
    everything = "".join(pdf.squashed)
    for n in range(1, 91):
        assert everything.count(f"第{n}项指标") == 1, n
    for name in ("王国斌", "贾增军", "苏丽华"):
        assert everything.count(name) == 1, name
    assert everything.count("李婧") == 2
    assert everything.count("中央财政衔接推进乡村振兴补助资金") == 1


def test_characters_fandol_lacks_come_from_the_bundled_fallbacks(blocks_build):
    """₀ ₁ ㎡ 瞭 appear in real gazettes; Fandol lacks them; they must not become boxes."""
    result, pdf, _lines, _ = blocks_build
    text = "".join(pdf.squashed)
    for sample in ("PM₂.₅", "CO₂", "60㎡", "明瞭"):
        assert sample in text, sample
    assert {"NotoSerifCJKsc-Fallback", "NotoSerif-Regular"} & pdf.embedded_fonts
    from fontTools.ttLib import TTFont

    cjk = TTFont(FIXTURES.parents[2] / "fonts" / "NotoSerifCJKsc-Fallback.otf", lazy=True)
    assert cjk["name"].getDebugName(6) in pdf.embedded_fonts


def _table_rows(path, index: int) -> list[list[float]]:
    """Column boundaries (x of the vertical rules) of every table row drawn on a page."""
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LTLine

    rows: dict[tuple[int, int], set[float]] = {}
    for page in extract_pages(path, page_numbers=[index]):
        for item in page:
            if isinstance(item, LTLine) and abs(item.x0 - item.x1) < 0.1:
                rows.setdefault((round(item.y0), round(item.y1)), set()).add(round(item.x0, 1))
    return [sorted(xs) for xs in rows.values()]


def _column_widths(path, pages, columns: int) -> list[list[float]]:
    return [[b - a for a, b in zip(xs, xs[1:], strict=False)]
            for index in pages for xs in _table_rows(path, index) if len(xs) == columns + 1]


def test_table_columns_are_sized_from_their_content(blocks_build):
    """The 10-column project table and the 7-column table (like 中卫 2019.NO.4's): no column
    narrower than two characters, the long-text column widest, the empty 备注 narrow, and a
    department name on one line."""
    result, pdf, lines, _sizes = blocks_build
    pad = 3 * MM + 0.5  # cell padding and rule
    pages = [i for i, t in enumerate(pdf.squashed) if "中宁县枸杞产业园冷链物流中心" in t
             or "工业园区智能制造产业孵化基地" in t]
    rows = _column_widths(result.pdf_path, pages, 10)
    assert len(rows) >= 5
    for widths in rows:
        assert min(widths) - pad >= 2 * 7.5 - 0.2, widths
        assert max(widths) == widths[5], "建设规模及主要内容 holds the most text"
        assert widths[9] - pad < 2 * 7.5 + 3, "the empty 备注 column stays narrow"
    seven = [i for i, t in enumerate(pdf.squashed) if "就业见习基地名单" in t]
    rows = _column_widths(result.pdf_path, seven, 7)
    assert len(rows) >= 5
    assert all(min(w) - pad >= 2 * 7.5 - 0.2 for w in rows)
    table_lines = [ln for ln in lines if ln.page in seven and ln.size < PAGE_STYLES["gazette"].body_pt]
    assert any("市人力资源和社会保障局" in ln.text for ln in table_lines), "one line, not four"
    assert all(ln.size >= 7.5 for ln in table_lines)


def test_a_table_too_wide_to_stand_upright_gets_a_landscape_page(blocks_build):
    """14 columns of figures do not fit upright at 7.5 pt: the table goes on an A4 page
    turned to landscape, numbered in sequence with the running head of its side."""
    result, pdf, lines, sizes = blocks_build
    [index] = [i for i, t in enumerate(pdf.squashed) if "2023年各月一般公共预算收支情况" in t]
    width, height = sizes[index]
    assert (round(width), round(height)) == (842, 595)
    assert all(sizes[i][0] < sizes[i][1] for i in (index - 1, index + 1)), "only the table turns"
    assert "全年财政收支按月列示如下。" in pdf.squashed[index - 1]
    assert "以上数据为快报数，以决算为准。" in pdf.squashed[index + 1]
    folio = pdf.folios[index]
    assert pdf.folios[index - 1] == folio - 1 and pdf.folios[index + 1] == folio + 1
    head = "银川市人民政府公报2020年第7期" if folio % 2 == 0 else "【银川市政府文件】"
    assert head in pdf.squashed[index]
    on_page = [ln for ln in lines if ln.page == index]
    [mark] = [ln for ln in on_page if re.fullmatch(r"—\d+—", ln.text)]
    assert (mark.x1 < width / 2) == (folio % 2 == 0), "folio on the outer side"
    assert mark.top > height - 25 * MM
    cells = [ln for ln in on_page if "12345.67" in ln.text or "合计" in ln.text]
    assert cells and all(ln.size >= 7.5 for ln in cells)
    rows = _column_widths(result.pdf_path, [index], 14)
    assert rows and all(max(r[-1] for r in rows) <= width for r in rows)
    assert all(xs[0] >= 19 * MM and xs[-1] <= width - 19 * MM
               for xs in _table_rows(result.pdf_path, index) if len(xs) == 15)
