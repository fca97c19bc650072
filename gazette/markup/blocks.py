"""Fenced gazette blocks: ``::: 名单`` (name lists) and ``::: 表格 表题`` (tables).

Both are line-oriented, so a block rule captures the raw lines between ``::: 名称`` and ``:::``
and a small parser turns them into a :class:`NameList` or :class:`Table`, kept on the token's
``meta``. Rendering happens in :mod:`gazette.markup.render`. Syntax errors become diagnostics
with the file line; the block is still shown as plain text so nothing is lost.

Table syntax, designed for editors who are not programmers:
- rows are ``| a | b |``; every row above the ``| --- |`` delimiter row is a header row;
- a cell holding only ``^`` merges into the cell above, only ``<`` into the cell to its left;
- ``---:`` in the delimiter row right-aligns a column (numbers), ``:---:`` centres it;
- paragraphs before the table (单位：…) and after it (注：…) belong to the table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock

from ..limits import MAX_TABLE_COLUMNS, MAX_TABLE_ROWS

BLOCK_NAMES = ("名单", "表格")
_OPEN = re.compile(r"^:::\s*(\S+)\s*(.*?)\s*$")
_DELIMITER_CELL = re.compile(r"^:?-{3,}:?$")
_SPACES = re.compile(r"[ \t\u3000]+")


@dataclass(slots=True)
class Cell:
    text: str
    colspan: int = 1
    rowspan: int = 1


@dataclass(slots=True)
class Table:
    title: str
    header: list[list[Cell | None]] = field(default_factory=list)
    body: list[list[Cell | None]] = field(default_factory=list)
    """Rows of cells; None where a merged neighbour covers the slot."""
    align: list[str] = field(default_factory=list)
    before: list[str] = field(default_factory=list)
    after: list[str] = field(default_factory=list)
    """Paragraphs (lines joined by newlines) before and after the rows: 单位、注."""

    @property
    def columns(self) -> int:
        return len(self.align)


@dataclass(slots=True)
class NameEntry:
    role: str
    name: str
    post: str


@dataclass(slots=True)
class NameList:
    entries: list[NameEntry] = field(default_factory=list)


@dataclass(slots=True)
class BlockProblem:
    line_offset: int
    """0-based line within the block content."""
    code: str
    message: str
    hint: str | None = None


def gazette_blocks_plugin(md: MarkdownIt) -> None:
    md.block.ruler.before("fence", "gazette_block", _block_rule,
                          {"alt": ["paragraph", "reference", "blockquote"]})


def _block_rule(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    pos = state.bMarks[start] + state.tShift[start]
    line = state.src[pos: state.eMarks[start]]
    match = _OPEN.match(line)
    if not match or match.group(1) not in BLOCK_NAMES:
        return False
    if silent:
        return True
    lines: list[str] = []
    closed = False
    next_line = start + 1
    while next_line < end:
        text = state.src[state.bMarks[next_line] + state.tShift[next_line]: state.eMarks[next_line]]
        if text.strip() == ":::":
            closed = True
            break
        lines.append(text)
        next_line += 1
    kind, arg = match.group(1), match.group(2)
    token = state.push("gazette_block", "div", 0)
    token.map = [start, next_line + 1 if closed else next_line]
    token.info = kind
    problems: list[BlockProblem] = []
    if not closed:
        problems.append(BlockProblem(0, "block.unclosed", f"“::: {kind}”块没有以单独一行 ::: 结束",
                                     "在块的最后加一行 :::"))
    token.meta = {"kind": kind, "problems": problems,
                  "value": parse_table(arg, lines, problems) if kind == "表格"
                  else parse_names(lines, problems)}
    state.line = next_line + 1 if closed else next_line
    return True


def parse_names(lines: list[str], problems: list[BlockProblem]) -> NameList:
    """``组长：赵旭辉　市委副书记`` lines; a line without a role continues the previous role."""
    names = NameList()
    role = ""
    for offset, raw in enumerate(lines):
        line = raw.strip()
        if not line:
            continue
        head, sep, rest = line.partition("：")
        if sep and len(head) <= 8 and not _SPACES.search(head):
            role, line = head, rest.strip()
        elif not names.entries:
            problems.append(BlockProblem(offset, "names.role", "名单第一行应以“职务：”开头",
                                         "例如：组长：赵旭辉　市委副书记、市政府市长"))
        words = _SPACES.split(line)
        if len(words) > 2 and len(words[0]) == 1 and len(words[1]) == 1:
            words[:2] = [words[0] + words[1]]  # a two-character name padded as 李　虹
        name, post = words[0], " ".join(words[1:])
        if not name:
            problems.append(BlockProblem(offset, "names.name", "这一行缺少姓名"))
            continue
        names.entries.append(NameEntry(role, name, post.strip()))
        role = ""
    return names


def _split_row(line: str) -> list[str]:
    body = line.strip()
    if body.startswith("|"):
        body = body[1:]
    if body.endswith("|") and not body.endswith("\\|"):
        body = body[:-1]
    cells = re.split(r"(?<!\\)\|", body)
    return [c.strip().replace("\\|", "|") for c in cells]


def parse_table(title: str, lines: list[str], problems: list[BlockProblem]) -> Table:
    table = Table(title=title)
    rows: list[tuple[int, list[str]]] = []
    delimiter: int | None = None
    paragraph: list[str] = []
    target = table.before

    def flush() -> None:
        if paragraph:
            target.append("\n".join(paragraph))
            paragraph.clear()

    for offset, raw in enumerate(lines):
        line = raw.strip()
        if line.startswith("|"):
            flush()
            if table.after:
                problems.append(BlockProblem(offset, "table.rows-after-note",
                                             "表格行出现在“注”之后", "每个 ::: 表格 块只放一张表"))
            cells = _split_row(line)
            if delimiter is None and cells and all(_DELIMITER_CELL.match(c) for c in cells):
                delimiter = len(rows)
                table.align = [_alignment(c) for c in cells]
            else:
                rows.append((offset, cells))
            target = table.after
        elif not line:
            flush()
        else:
            paragraph.append(line)
    flush()
    if not rows:
        problems.append(BlockProblem(0, "table.empty", "表格块中没有表格行",
                                     "表格行以 | 开头，如 | 指标 | 单位 |"))
        return table
    if delimiter is None:
        problems.append(BlockProblem(rows[0][0], "table.delimiter", "表格缺少分隔行 | --- |",
                                     "在表头各行之后加一行 | --- | --- |，列数与表格相同"))
        delimiter = 0
        table.align = ["left"] * len(rows[0][1])
    width = len(table.align)
    if width > MAX_TABLE_COLUMNS:
        problems.append(BlockProblem(rows[0][0], "limit.table-columns",
                                     f"表格有 {width} 列，上限 {MAX_TABLE_COLUMNS} 列",
                                     "把表格拆成几张，或改为竖排（行列互换）"))
    if len(rows) > MAX_TABLE_ROWS:
        problems.append(BlockProblem(rows[MAX_TABLE_ROWS][0], "limit.table-rows",
                                     f"表格有 {len(rows)} 行，上限 {MAX_TABLE_ROWS} 行",
                                     "把表格拆成几张；大量数据请作为附件另行发布"))
    for offset, cells in rows:
        if len(cells) != width:
            problems.append(BlockProblem(offset, "table.columns",
                                         f"这一行有 {len(cells)} 列，表格应为 {width} 列",
                                         "合并单元格时用 ^（并入上方）或 <（并入左侧）占位"))
            cells.extend([""] * (width - len(cells)))
            del cells[width:]
    grid = _merge([cells for _, cells in rows], [o for o, _ in rows], problems)
    table.header, table.body = grid[:delimiter], grid[delimiter:]
    return table


def _alignment(cell: str) -> str:
    if cell.startswith(":") and cell.endswith(":"):
        return "center"
    return "right" if cell.endswith(":") else "left"


def _merge(texts: list[list[str]], offsets: list[int],
           problems: list[BlockProblem]) -> list[list[Cell | None]]:
    """Turn ^ and < markers into row and column spans."""
    grid: list[list[Cell | None]] = [[Cell(t) for t in row] for row in texts]
    owner: dict[tuple[int, int], tuple[int, int]] = {}
    for r, row in enumerate(texts):
        for c, text in enumerate(row):
            if text == "<":
                source = owner.get((r, c - 1), (r, c - 1)) if c > 0 else None
                if source is None or grid[source[0]][source[1]] is None:
                    problems.append(BlockProblem(offsets[r], "table.merge", "“<”左侧没有可合并的单元格"))
                    continue
                cell = grid[source[0]][source[1]]
                if source[0] == r:
                    cell.colspan += 1
                owner[(r, c)] = source
                grid[r][c] = None
            elif text == "^":
                source = owner.get((r - 1, c), (r - 1, c)) if r > 0 else None
                if source is None or grid[source[0]][source[1]] is None:
                    problems.append(BlockProblem(offsets[r], "table.merge", "“^”上方没有可合并的单元格"))
                    continue
                cell = grid[source[0]][source[1]]
                if source[1] == c:
                    cell.rowspan += 1
                owner[(r, c)] = source
                grid[r][c] = None
    return grid
