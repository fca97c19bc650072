"""Column widths and page orientation of gazette tables, sized from their content.

WeasyPrint's automatic table layout lets a CJK column shrink to one character (every
character is a break opportunity), so a wide table stacks 建设地点 one character a line while
an empty 备注 column keeps its share. Here each column gets at least its longest unbreakable
word (a jieba word, a number, a Latin run; never less than two characters), then the rest of
the width in proportion to the text it holds, and never more than its longest cell needs.

A table that does not fit upright at :data:`MIN_TABLE_PT` goes on a landscape page; one that
does not fit there either is an error in ``gazette check`` (never clipped).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from .markup.blocks import Table

MIN_TABLE_PT = 7.5
"""六号: the smallest legible table text."""
MIN_COLUMN_EM = 2.0
"""No column narrower than two characters (a lone character per line reads as noise)."""
CELL_PAD_PT = 10.0
"""Horizontal padding and rule of one cell in print (1.5 mm each side, 0.5 pt rule), plus a
point so that a column sized to its longest cell never wraps it by rounding."""
SIZE_STEP = 0.5
WIDE_COLUMNS = 7
"""From this many columns a table starts 1.5 pt smaller than the page style's table size."""

_UNBREAKABLE = re.compile(r"[\x21-\x7e\uff10-\uff19\uff21-\uff3a\uff41-\uff5a％．]+")


@dataclass(frozen=True, slots=True)
class ColumnNeed:
    """What one column needs, in em of the table's font."""

    min_em: float
    """Its longest unbreakable word (at least :data:`MIN_COLUMN_EM`)."""
    want_em: float
    """Its longest cell on one line."""
    volume_em: float
    """All its text laid end to end: its share of the table."""


@dataclass(frozen=True, slots=True)
class TableFit:
    size_pt: float
    landscape: bool
    widths: tuple[float, ...]
    """Column widths as fractions of the table width (sum 1)."""


def _words(text: str, segment: Callable[[str], list[str]]) -> list[str]:
    """Unbreakable pieces of a cell: Latin and number runs whole, Chinese by words."""
    out: list[str] = []
    position = 0
    for match in _UNBREAKABLE.finditer(text):
        out += _cjk_words(text[position:match.start()], segment)
        out.append(match.group())
        position = match.end()
    out += _cjk_words(text[position:], segment)
    return out


def _cjk_words(text: str, segment: Callable[[str], list[str]]) -> list[str]:
    return [word for part in text.split() for word in segment(part)]


def column_needs(table: Table, width: Callable[[str], float],
                 segment: Callable[[str], list[str]]) -> list[ColumnNeed]:
    """Measure every column with ``width`` (em of text) and ``segment`` (Chinese words).
    Cells spanning several columns are left out: they fit whatever their columns add up to."""
    mins = [MIN_COLUMN_EM] * table.columns
    wants = [0.0] * table.columns
    volumes = [0.0] * table.columns
    for row in table.header + table.body:
        for column, cell in enumerate(row[: table.columns]):
            if cell is None or cell.colspan > 1 or not cell.text:
                continue
            lines = cell.text.split("\n")
            mins[column] = max(mins[column], *(width(w) for w in _words(cell.text, segment)))
            wants[column] = max(wants[column], *(width(line) for line in lines))
            volumes[column] += sum(width(line) for line in lines)
    return [ColumnNeed(m, max(m, w), v) for m, w, v in zip(mins, wants, volumes, strict=True)]


def column_widths(needs: list[ColumnNeed], available_em: float) -> list[float] | None:
    """Widths in em filling ``available_em``, or None if even the minimums do not fit.

    Every column starts at its minimum; the slack goes to the columns in proportion to their
    text, none growing past its longest cell, until all the slack is used. If every column
    gets its longest cell, what is left is spread in proportion to those widths.
    """
    widths = [n.min_em for n in needs]
    if sum(widths) > available_em + 1e-6:
        return None
    open_ = {i for i, n in enumerate(needs) if n.want_em > n.min_em}
    slack = available_em - sum(widths)
    while slack > 1e-6 and open_:
        weight = sum(max(needs[i].volume_em, 0.01) for i in open_)
        capped = set()
        for i in open_:
            share = slack * max(needs[i].volume_em, 0.01) / weight
            room = needs[i].want_em - widths[i]
            if share >= room:
                widths[i] = needs[i].want_em
                capped.add(i)
        if not capped:
            for i in open_:
                widths[i] += slack * max(needs[i].volume_em, 0.01) / weight
            slack = 0.0
            break
        open_ -= capped
        slack = available_em - sum(widths)
    if slack > 1e-6:
        total = sum(widths)
        widths = [w + slack * w / total for w in widths]
    return widths


def fit_table(needs: list[ColumnNeed], table_pt: float, upright_pt: float,
              landscape_pt: float) -> TableFit | None:
    """The largest size from ``table_pt`` down to :data:`MIN_TABLE_PT` at which the table
    fits the upright text width, else the landscape width; None if it fits neither."""
    start = table_pt - 1.5 if len(needs) >= WIDE_COLUMNS else table_pt
    start = max(start, MIN_TABLE_PT)
    for landscape, width_pt in ((False, upright_pt), (True, landscape_pt)):
        size = start
        while size >= MIN_TABLE_PT - 1e-6:
            available = (width_pt - CELL_PAD_PT * len(needs)) / size
            widths = column_widths(needs, available)
            if widths is not None:
                cells = [w * size + CELL_PAD_PT for w in widths]  # padding is part of a column
                return TableFit(size, landscape, tuple(c / sum(cells) for c in cells))
            size -= SIZE_STEP
    return None



def check_tables(issue, config, diags) -> None:
    """``table.too-wide``: a table that fits neither upright nor on a landscape page at
    :data:`MIN_TABLE_PT` in the configured page style (it would be clipped)."""
    for notice in issue.notices:
        check_notice_tables(notice, config, diags)


def check_notice_tables(notice, config, diags) -> None:
    """:func:`check_tables` for one notice (the preview keeps the verdict per notice)."""
    from .diagnostics import Location
    from .typography import WORD_CACHE, font_metrics, title_words, word_cache_file

    if not notice.body.tables:
        return
    # The cells' words are cut by jieba; the words found by earlier builds spare loading it.
    WORD_CACHE.load(word_cache_file(config.build_dir))
    metrics = config.page
    measure = font_metrics(config.fonts.fang).width
    for table, line in notice.body.tables:
        needs = column_needs(table, measure, title_words)
        if fit_table(needs, metrics.table_pt, metrics.text_width_pt,
                     metrics.landscape_text_width_pt) is None:
            diags.error("table.too-wide",
                        f"表格“{table.title or '（无表题）'}”有 {table.columns} 列，"
                        f"即使横排、用 {MIN_TABLE_PT:g} 磅字也排不下",
                        Location(notice.source.rel, line),
                        "把表格拆成两张，或删去、合并一些列")
