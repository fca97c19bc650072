"""Stage 1: read the source into positioned lines.

Plain text (an extraction like the seeds) gives one :class:`Line` per source line, numbered as
in the file. A PDF with a text layer is read with pdfminer.six, keeping for every line its page,
font size, boldness and position; a page set in two columns is read column by column. Its
lines are numbered in that reading order, and ``import-report.md`` names the page as well.
"""

from __future__ import annotations

from pathlib import Path

from ..diagnostics import GazetteError
from .model import Line, Source


def read_source(path: Path) -> Source:
    if not path.is_file():
        raise GazetteError.at("import.source", f"找不到要导入的文件：{path}", str(path))
    with path.open("rb") as handle:
        head = handle.read(5)
    if head == b"%PDF-":
        return Source(str(path), "pdf", tuple(_read_pdf(path)))
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise GazetteError.at("import.source", "无法识别文件编码（既不是 UTF-8 也不是 GB18030）",
                              str(path))
    if "\x00" in text:
        raise GazetteError.at("import.source", "这不是文本文件，也不是带文字层的 PDF", str(path))
    return Source(str(path), "text", tuple(read_text_lines(text)))


def read_text_lines(text: str) -> list[Line]:
    lines = []
    for no, raw in enumerate(text.replace("\f", "\n").splitlines(), start=1):
        if raw.strip():
            lines.append(Line(no, raw.rstrip(), page_start=raw[:1] in (" ", "\u3000")))
    return lines


def _read_pdf(path: Path) -> list[Line]:
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LAParams, LTChar, LTTextContainer, LTTextLine

    try:
        pages = list(extract_pages(str(path), laparams=LAParams(line_margin=0.3, char_margin=1.0)))
    except Exception as exc:  # pdfminer raises many unrelated types for a broken file
        raise GazetteError.at("import.source", f"无法读取 PDF：{exc}", str(path)) from None
    out: list[Line] = []
    for page_no, page in enumerate(pages, start=1):
        rows: list[tuple[float, float, float, str, float, bool]] = []

        def visit(item) -> None:
            if isinstance(item, LTTextLine):
                text = item.get_text().rstrip("\n")
                if not text.strip():
                    return
                chars = [c for c in item if isinstance(c, LTChar) and c.get_text().strip()]
                size = max((c.size for c in chars), default=0.0)
                bold = bool(chars) and sum("Bold" in c.fontname or "Hei" in c.fontname
                                           for c in chars) * 2 > len(chars)
                rows.append((item.x0, page.height - item.y1, item.x1, text, size, bold))
            elif isinstance(item, LTTextContainer) or hasattr(item, "__iter__"):
                for child in item:
                    visit(child)

        for item in page:
            visit(item)
        width = page.width
        two_columns = _two_columns(rows, width)
        for index, (x, y, size, bold, text, column, right) in enumerate(
                _visual_lines(rows, width, two_columns, page.height)):
            out.append(Line(len(out) + 1, text, page_no, round(size, 1), bold, round(x, 1),
                            round(y, 1), page_start=index == 0, column=column,
                            right=round(right, 1)))
    if not any(line.text.strip() for line in out):
        raise GazetteError.at("import.source", "PDF 中没有文字层（可能是扫描件），无法导入",
                              str(path))
    return out


def _column(row, width: float, two_columns: bool) -> int:
    """-1 full width (crosses the gutter, or is centred on the page like a 文号 line), 0 left
    column, 1 right column."""
    if not two_columns:
        return 0
    x0, x1 = row[0], row[2]
    if (x0 < width / 2 - 10 and x1 > width / 2 + 10) or abs((x0 + x1) / 2 - width / 2) < 12:
        return -1
    return 1 if x0 >= width * 0.45 else 0


def _visual_lines(rows, width: float, two_columns: bool, height: float):
    """Fragments printed on one baseline (a 目录 title, its leaders and its page number) make
    one line. A two-column page is read in bands: full-width lines (titles, 文号, tables)
    close a band, whose left column is read before its right column."""
    merged: list[list] = []
    for x, y, x1, text, size, bold in sorted(rows, key=lambda r: (r[1], r[0])):
        column = _column((x, y, x1), width, two_columns)
        same = [m for m in merged if abs(m[1] - y) < 2.5 and
                (m[5] == column or not two_columns)]
        if same:
            last = same[-1]
            gap = x - last[6]
            last[4] = last[4] + ("" if gap < size * 0.6 else " " if gap < size * 2.5
                                 else "\t") + text.strip()
            last[6] = max(last[6], x1)
            last[2] = max(last[2], size)
            continue
        merged.append([x, y, size, bold, text.strip(), column, x1])
    ordered: list[list] = []
    band: list[list] = []
    for row in merged:
        if row[5] == -1:
            ordered += _read_band(band, height) + [row]
            band = []
        else:
            band.append(row)
    ordered += _read_band(band, height)
    return [(m[0], m[1], m[2], m[3], m[4], m[5], m[6]) for m in ordered]


def _read_band(band: list[list], height: float) -> list[list]:
    """Left column, then right column. Lines set below both columns after a gap (a note after
    the text) come last; the left column may run one line longer than the right one.
    Folios and running heads in the margins do not count."""
    right_end = max((r[1] for r in band if r[5] == 1 and height * 0.08 < r[1] < height * 0.9),
                    default=None)
    if right_end is None:
        return sorted(band, key=lambda r: (r[1], r[0]))
    left = sorted((r for r in band if r[5] == 0), key=lambda r: r[1])
    after: list[list] = []
    for previous, row in zip([None, *left], left):
        if row[1] > right_end + 4 and (previous is None or row[1] - previous[1] > row[2] * 2.2):
            after = [r for r in left if r[1] >= row[1]]
            break
    columns = [r for r in band if r not in after]
    return sorted(columns, key=lambda r: (r[5], r[1], r[0])) + sorted(after, key=lambda r: r[1])


def _two_columns(rows, width: float) -> bool:
    """Two columns: few lines cross the middle of the page, several start just right of it,
    and most left-hand lines are a column wide and run to its edge (table cells and the names
    of a masthead's board do not)."""
    middle = width / 2
    crossing = [r for r in rows if r[0] < middle - 10 and r[2] > middle + 10]
    right = [r for r in rows if width * 0.45 <= r[0] <= width * 0.6]
    left = [r for r in rows if r[2] <= middle + 10]
    justified = [r for r in left if r[2] >= width * 0.4 and r[2] - r[0] >= width * 0.3]
    if len(right) < 5 or len(crossing) * 10 >= len(rows) * 3:
        return False
    if len(justified) * 10 >= len(left) * 6:
        return True
    # A page of short items (第X条 headings, numbered duties) has fewer full lines; full
    # lines in both halves, each a column wide, still make it two columns, as no table
    # cell of ours runs half the page wide on both sides.
    edge = max(r[2] for r in rows)
    full_right = [r for r in right if r[2] >= edge - 12 and r[2] - r[0] >= width * 0.3]
    return len(justified) >= 5 and len(full_right) >= 5
