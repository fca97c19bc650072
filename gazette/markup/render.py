"""Render functions for gazette blocks (名单, 表格), markdown-it style.

Name lists become a three-column table (职务 / 姓名 / 职务说明) whose name cells are justified
to a common width, so 李虹 lines up with 赵旭辉 without padding characters in the text.
Tables keep header rows in <thead> (repeated on every page in print) and mark numeric columns.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from markdown_it.common.utils import escapeHtml

from ..typography import compressible_marks
from .blocks import NameList, Table

if TYPE_CHECKING:
    from markdown_it.token import Token

def punct_html(text: str) -> str:
    """``text`` escaped, with one mark of each pair of full-width marks in
    ``<span class="gw-pc">`` (标点挤压, gazette.typography.compressible_marks)."""
    chosen = set(compressible_marks(text))
    return "".join(f'<span class="gw-pc">{escapeHtml(c)}</span>' if i in chosen else escapeHtml(c)
                   for i, c in enumerate(text))


WIDE_TABLE_COLUMNS = 7
"""From this many columns a table is set smaller; see the print CSS (.gw-table.wide)."""


def render_block(self, tokens, idx, options, env) -> str:  # noqa: ARG001 - markdown-it signature
    token = tokens[idx]
    value = token.meta["value"]
    if isinstance(value, NameList):
        return _names_html(value)
    tables = env.setdefault(TABLES_KEY, [])
    tables.append((value, token.map[0] if token.map else 0))
    return _table_html(value, len(tables) - 1)


TABLES_KEY = "gazette_tables"
"""markdown-it env key: every table of a notice with its 0-based body line, in order."""


def _names_html(names: NameList) -> str:
    role_width = max((len(e.role) for e in names.entries), default=0)
    name_width = max(3, max((len(e.name) for e in names.entries), default=0))
    rows = []
    for entry in names.entries:
        colon = "：" if entry.role else ""
        rows.append(
            f'<tr><td class="gw-name-role" style="width:{role_width}em">{escapeHtml(entry.role)}</td>'
            f'<td class="gw-name-colon">{colon}</td>'
            f'<td class="gw-name-name" style="width:{name_width}em">{escapeHtml(entry.name)}</td>'
            f'<td class="gw-name-post">{punct_html(entry.post)}</td></tr>')
    return f'<table class="gw-names"><tbody>{"".join(rows)}</tbody></table>\n'


def _cell_html(tag: str, cell, align: str) -> str:
    attrs = []
    if cell.colspan > 1:
        attrs.append(f'colspan="{cell.colspan}"')
    if cell.rowspan > 1:
        attrs.append(f'rowspan="{cell.rowspan}"')
    if align != "left":
        attrs.append(f'class="{align}"')
    return f"<{tag}{' ' + ' '.join(attrs) if attrs else ''}>{punct_html(cell.text)}</{tag}>"


def _rows_html(rows, tag: str, align: list[str]) -> str:
    out = []
    for row in rows:
        cells = [_cell_html(tag, cell, align[c] if tag == "td" else "center")
                 for c, cell in enumerate(row) if cell is not None]
        out.append(f"<tr>{''.join(cells)}</tr>")
    return "".join(out)


def _paragraphs_html(paragraphs: list[str], css_class: str) -> str:
    return "".join(
        f'<p class="{css_class}">{"<br>".join(punct_html(x) for x in p.split(chr(10)))}</p>'
        for p in paragraphs)


def _table_html(table: Table, index: int) -> str:
    """``data-table`` numbers the tables of a notice: the print edition sizes their columns
    and chooses the page orientation (gazette.tables), the web edition lets them scroll."""
    wide = " wide" if table.columns >= WIDE_TABLE_COLUMNS else ""
    parts = [f'<figure class="gw-table-block{wide}" data-table="{index}">']
    if table.title:
        parts.append(f'<p class="gw-table-title">{punct_html(table.title)}</p>')
    parts.append(_paragraphs_html(table.before, "gw-table-unit"))
    parts.append(f'<div class="gw-table-scroll"><table class="gw-table{wide}">')
    if table.header:
        parts.append(f"<thead>{_rows_html(table.header, 'th', table.align)}</thead>")
    parts.append(f"<tbody>{_rows_html(table.body, 'td', table.align)}</tbody></table></div>")
    parts.append(_paragraphs_html(table.after, "gw-table-note"))
    parts.append("</figure>\n")
    return "".join(parts)


def report_block(token: Token, context) -> None:
    for problem in token.meta["problems"]:
        context.diags.error(problem.code, problem.message,
                            context.location(token, problem.line_offset + 1), problem.hint)


def block_texts(token: Token) -> list[str]:
    """Plain text of a block, as a reader would read it (for search and loss tests)."""
    value = token.meta["value"]
    if isinstance(value, NameList):
        return [f"{e.role}：{e.name} {e.post}" if e.role else f"{e.name} {e.post}"
                for e in value.entries]
    texts = [value.title] if value.title else []
    texts += value.before
    for row in value.header + value.body:
        texts += [cell.text for cell in row if cell is not None and cell.text]
    texts += value.after
    return texts
