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
        pages = list(extract_pages(str(path), laparams=LAParams(line_margin=0.3)))
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
        for index, (x, y, size, bold, text) in enumerate(_visual_lines(rows, width,
                                                                       two_columns)):
            out.append(Line(len(out) + 1, text, page_no, round(size, 1), bold, round(x, 1),
                            round(y, 1), page_start=index == 0))
    if not any(line.text.strip() for line in out):
        raise GazetteError.at("import.source", "PDF 中没有文字层（可能是扫描件），无法导入",
                              str(path))
    return out


def _column(row, width: float, two_columns: bool) -> int:
    return 1 if two_columns and row[0] >= width * 0.45 else 0


def _visual_lines(rows, width: float, two_columns: bool):
    """Fragments printed on one baseline (a 目录 title, its leaders and its page number) make
    one line; a two-column page is read left column first."""
    rows = sorted(rows, key=lambda r: (_column(r, width, two_columns), r[1], r[0]))
    merged: list[list] = []
    for x, y, x1, text, size, bold in rows:
        column = _column((x,), width, two_columns)
        last = merged[-1] if merged else None
        if last and last[5] == column and abs(last[1] - y) < 2.5:
            gap = x - last[6]
            last[4] = last[4] + ("" if gap < size * 0.6 else " " if gap < size * 2.5
                                 else "\t") + text.strip()
            last[6] = x1
            last[2] = max(last[2], size)
            continue
        merged.append([x, y, size, bold, text.strip(), column, x1])
    return [(m[0], m[1], m[2], m[3], m[4]) for m in merged]


def _two_columns(rows, width: float) -> bool:
    """Two columns: few lines cross the middle of the page, several start just right of it,
    and most left-hand lines run to the column's edge (table cells do not)."""
    middle = width / 2
    crossing = [r for r in rows if r[0] < middle - 10 and r[2] > middle + 10]
    right = [r for r in rows if width * 0.45 <= r[0] <= width * 0.6]
    left = [r for r in rows if r[2] <= middle + 10]
    justified = [r for r in left if r[2] >= width * 0.4]
    return len(right) >= 5 and len(crossing) * 10 < len(rows) * 3 and \
        len(justified) * 10 >= len(left) * 6
