"""Stage 5: the body in the project's Markdown conventions (README “正文的写法”).

Lines broken by the printed column are rejoined: a line ends its paragraph when it ends a
sentence (。！？：；) or is clearly shorter than the text's usual line; numbered headings
(一、（一）1.（1）第X章 第X条) always start one. Attached texts after the signature open with
``#`` and their title. Tab-separated rows become a ``::: 表格`` block; rows that cannot be rebuilt
stay as text in a block quote and are listed in the report. Wording is never changed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .model import Document, Line
from .segment import title_shaped, text_of
from .text import HEADING, TITLE_END, squeeze

SHORT_LINE = 0.8
ATTACHMENT_ITEM = re.compile(r"^\d{1,2}[.．、]")
NUMBER_SPACE = re.compile(r"^(\d{1,2}[.．]|[（(][一二三四五六七八九十百\d]{1,4}[）)]|"
                          r"[一二三四五六七八九十]{1,3}、)[ \t]+(?=[\u3400-\u9fff“《（(])")
"""``1. 落实``, ``(二) 保障`` → ``1.落实``, ``(二)保障``: the project writes the number close."""
ARTICLE = re.compile(r"^(第[一二三四五六七八九十百零〇]+[章条])[ \t]+(?=\S)")
"""The README's convention: 第一条 and 第一章 are followed by an ideographic space."""
PARAGRAPH_END = "。！？!?"
"""Always end a paragraph; “：” and “；” end one only on a short line (a column may break
right after them in mid-paragraph)."""
CLAUSE_END = "：；:;"
CLAUSE_INSIDE = "，、（《“(,"
WHOLE_PARAGRAPHS = 60
"""Text whose usual line is longer than this holds a paragraph per line: a line there ends
its paragraph only at a sentence or clause end (or as a short heading), never for being short
(the first half of a paragraph broken by a page)."""
"""A line ending inside a clause never ends its paragraph, however short (a page break)."""


@dataclass(slots=True)
class Block:
    kind: str
    """``p`` paragraph, ``h`` attached-text title, ``table``, ``raw`` (table kept as text)."""
    texts: list[str]
    lines: list[int]


def render_body(doc: Document, main: list[int], attached: list[int],
                lines: dict[int, Line]) -> str:
    width = _usual_width([squeeze(text_of(lines[no])) for no in main + attached])
    body_size = _body_size(main + attached, lines)
    blocks = _blocks(main, lines, width, doc)
    if attached:
        title, rest = _attached_title(attached, lines, body_size)
        if title:
            blocks.append(Block("h", [squeeze(" ".join(text_of(lines[n]) for n in title))],
                                title))
        blocks.extend(_blocks(rest, lines, width, doc, body_size))
    out: list[str] = []
    for block in blocks:
        if block.kind == "h":
            out.append("# " + block.texts[0])
        elif block.kind == "p":
            out.append(_escape(block.texts[0]))
        elif block.kind == "table":
            out.append("\n".join(block.texts))
        else:
            out.append("\n".join("> " + _escape(t) + "  " for t in block.texts).rstrip())
            doc.tables_as_text.append((block.lines[0], block.lines[-1]))
    return "\n\n".join(out) + "\n" if out else ""


def _escape(text: str) -> str:
    """Keep Markdown from reading source text as markup (a leading ``-``, ``*``, ``>``, ``#``)."""
    if re.match(r"^([-*+>#|]|\d+[)])\s", text):
        return "\\" + text
    return text


def _usual_width(texts: list[str]) -> int:
    lengths = sorted(len(t) for t in texts if t)
    if not lengths:
        return 0
    return lengths[int(len(lengths) * 0.8) - 1 if len(lengths) > 1 else 0]


def _body_size(numbers: list[int], lines: dict[int, Line]) -> float | None:
    sizes = [lines[no].size for no in numbers if lines[no].size]
    return max(set(sizes), key=sizes.count) if sizes else None


def _larger(line: Line, body_size: float | None) -> bool:
    return bool(body_size and line.size and line.size >= body_size * 1.2)


def _attached_title(attached: list[int], lines: dict[int, Line],
                    body_size: float | None) -> tuple[list[int], list[int]]:
    """The title opening an attached text: in a PDF the lines set larger than the running
    text; otherwise up to three short title-shaped lines."""
    if body_size:
        taken = []
        for no in attached:
            if not _larger(lines[no], body_size):
                break
            taken.append(no)
        return taken, attached[len(taken):]
    taken = []
    for no in attached[:3]:
        text = text_of(lines[no])
        if not title_shaped(text) or (taken and len(squeeze(text)) > 40):
            break
        taken.append(no)
        if TITLE_END.search(squeeze(text)):
            break
    if taken:
        rest = attached[len(taken):]
        if rest and re.match(r"^[（(][^）)]{2,20}[）)]$", squeeze(text_of(lines[rest[0]]))):
            taken.append(rest[0])
            rest = rest[1:]
        return taken, rest
    return [], attached


def _blocks(numbers: list[int], lines: dict[int, Line], width: int, doc: Document,
            body_size: float | None = None) -> list[Block]:
    """Paragraphs, tables and (in attached texts of a PDF) titles set larger than the text."""
    blocks: list[Block] = []
    margins = _margins(numbers, lines)
    rights = _column_rights(numbers, lines)
    index = 0
    while index < len(numbers):
        run = _table_run(numbers, index, lines)
        if run:
            table = _table(numbers[index:index + run], lines, doc, first=not blocks)
            index += run
            notes = False
            while table.kind == "table" and index < len(numbers):
                text = squeeze(text_of(lines[numbers[index]]))
                if text.startswith("注"):
                    table.texts[-1:] = ["", text, ":::"]
                    notes = True
                elif notes and re.match(r"^\d{1,2}[.．、]", text):
                    table.texts[-1:] = [text, ":::"]
                else:
                    break
                table.lines.append(numbers[index])
                index += 1
            blocks.append(table)
            continue
        cells = _cell_run(numbers, index, lines)
        if cells:
            blocks.append(Block("raw", [squeeze(text_of(lines[n])) for n in
                                        numbers[index:index + cells]],
                                numbers[index:index + cells]))
            index += cells
            continue
        no = numbers[index]
        raw = text_of(lines[no])
        text = squeeze(raw)
        if _larger(lines[no], body_size):
            if blocks and blocks[-1].kind == "h" and blocks[-1].lines[-1] == numbers[index - 1]:
                blocks[-1].texts[0] = squeeze(blocks[-1].texts[0] + " " + raw)
                blocks[-1].lines.append(no)
            else:
                blocks.append(Block("h", [text], [no]))
            index += 1
            continue
        previous = blocks[-1] if blocks and blocks[-1].kind == "p" else None
        indented = _indented(lines[no], margins)
        listing = bool(previous) and previous.texts[0].startswith("附件")
        item = listing and bool(ATTACHMENT_ITEM.match(text))
        text = ARTICLE.sub(lambda m: m[1] + "\u3000", text)
        text = NUMBER_SPACE.sub(r"\1", text)
        positioned = (lines[no].page, lines[no].column) in margins
        hanging = listing and not previous.texts[0].endswith("\n")
        opens = (indented and not hanging) if positioned else \
            _starts_paragraph(text, width > WHOLE_PARAGRAPHS)
        if item:
            previous.texts[0] = previous.texts[0].rstrip("\n") + "\n" + text
            previous.lines.append(no)
        elif previous and not opens and not previous.texts[-1].endswith("\n"):
            previous.texts[0] = _join(previous.texts[0], text)
            previous.lines.append(no)
        else:
            blocks.append(Block("p", [text], [no]))
        if _ends_paragraph(text, width, positioned=positioned) if not positioned else \
                _short_of_column(lines[no], rights):
            blocks[-1].texts[0] += "\n"
        index += 1
    for block in blocks:
        if block.kind == "p":
            block.texts[0] = block.texts[0].rstrip("\n")
    return blocks


def _join(left: str, right: str) -> str:
    if left and right and left[-1].isascii() and left[-1].isalnum() and right[0].isascii() \
            and right[0].isalpha():
        return left + " " + right
    return left + right


def _margins(numbers: list[int], lines: dict[int, Line]) -> dict[tuple, float]:
    """The left edge of the running text in each column of each page of a PDF (none for
    plain text): the leftmost start among lines in the body size."""
    sizes = [lines[no].size for no in numbers if lines[no].size]
    if not sizes:
        return {}
    body = max(set(sizes), key=sizes.count)
    edges: dict[tuple, float] = {}
    for no in numbers:
        line = lines[no]
        if line.x is not None and line.size == body:
            key = (line.page, line.column)
            edges[key] = min(edges.get(key, line.x), line.x)
    return edges


def _column_rights(numbers: list[int], lines: dict[int, Line]) -> dict[tuple, float]:
    """The right edge of the running text in each column of each page of a PDF."""
    edges: dict[tuple, float] = {}
    for no in numbers:
        line = lines[no]
        if line.right is not None:
            key = (line.page, line.column)
            edges[key] = max(edges.get(key, line.right), line.right)
    return edges


def _short_of_column(line: Line, rights: dict[tuple, float]) -> bool:
    """A PDF line that stops a character and a half or more before its column's right edge
    is the last line of its paragraph."""
    edge = rights.get((line.page, line.column))
    return edge is None or line.right is None or line.right < edge - (line.size or 10) * 1.5


def _indented(line: Line, margins: dict[tuple, float]) -> bool:
    """A PDF line starting a character or more right of the page's text edge opens a
    paragraph (first-line indent, or a centred heading)."""
    edge = margins.get((line.page, line.column))
    return edge is not None and line.x is not None and line.size is not None and \
        line.x - edge > line.size * 0.8


def _starts_paragraph(text: str, whole: bool) -> bool:
    """Numbered headings, 附件, 注, chronicle dates; where lines are whole paragraphs, also
    labelled lines (牵头单位：…), which in column text may just continue a sentence."""
    return bool(HEADING.match(text)) or text.startswith(("附件", "△", "注：")) or \
        bool(re.match(r"^\d{1,2}月\d{1,2}日", text)) or \
        (whole and bool(re.match(r"^[\u3400-\u9fff]{2,6}[：:](?!$)", text)))


def _ends_paragraph(text: str, width: int, positioned: bool = False) -> bool:
    """A short line ends its paragraph. Without positions, so does a sentence end; in a PDF
    the next line's indent says it instead (see :func:`_indented`)."""
    if text and text[-1] in CLAUSE_INSIDE:
        return False
    if not positioned and width > WHOLE_PARAGRAPHS:
        return not text or text[-1] in PARAGRAPH_END + CLAUSE_END or \
            (len(text) <= 30 and "，" not in text)
    if not text or len(text) < width * SHORT_LINE:
        return True
    return not positioned and (text[-1] in PARAGRAPH_END)


CELL_CHARS = 14
CELL_RUN = 8


def _cell_run(numbers: list[int], index: int, lines: dict[int, Line]) -> int:
    """Plain text only: eight or more very short lines in a row are the cells of a table the
    extraction flattened, one cell per line; they are kept line by line as a marked block."""
    if lines[numbers[index]].x is not None:
        return 0
    count = 0
    while index + count < len(numbers):
        text = squeeze(text_of(lines[numbers[index + count]]))
        if not text or len(text) > CELL_CHARS or "\t" in lines[numbers[index + count]].text:
            break
        count += 1
    return count if count >= CELL_RUN else 0


def _table_run(numbers: list[int], index: int, lines: dict[int, Line]) -> int:
    count = 0
    while index + count < len(numbers) and "\t" in lines[numbers[index + count]].text.strip():
        count += 1
    return count if count >= 2 else 0


def _table(numbers: list[int], lines: dict[int, Line], doc: Document, first: bool) -> Block:
    rows = [[squeeze(cell) for cell in lines[no].text.strip().split("\t")] for no in numbers]
    width = len(rows[0])
    if width < 2 or any(len(r) != width for r in rows) or any(not c for r in rows for c in r):
        return Block("raw", ["\u3000".join(squeeze(c) for c in lines[no].text.strip().split("\t"))
                             for no in numbers], numbers)
    numeric = [all(re.fullmatch(r"[-+]?[\d.,%]+|-", r[c]) for r in rows[1:])
               for c in range(width)]
    if first and not doc.doc_number:
        doc.kind = "data"
    out = ["::: 表格"]
    out.append("| " + " | ".join(rows[0]) + " |")
    out.append("| " + " | ".join("---:" if n else "---" for n in numeric) + " |")
    out.extend("| " + " | ".join(r) + " |" for r in rows[1:])
    out.append(":::")
    return Block("table", out, numbers)
