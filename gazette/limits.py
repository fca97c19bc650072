"""Documented limits on what one notice may contain, enforced by the stages that check and
build share, so a runaway input is a clear error in ``gazette check`` instead of a build that
runs for minutes, takes gigabytes or silently drops text.

Each limit is far above anything a real gazette prints (the longest title in the bundled
issues is under 70 characters, the longest paragraph under 1,500, the largest table 40 rows
and 7 columns).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

MAX_TITLE_CHARS = 200
MAX_PARAGRAPH_CHARS = 10_000
MAX_TABLE_ROWS = 1_000
MAX_TABLE_COLUMNS = 60
"""A bound on the work of sizing columns; whether a table's columns fit the page, upright or
on a landscape page, is gazette.tables' table.too-wide."""
MAX_NESTING = 8
"""Block quotes inside block quotes; markdown-it stops parsing (and drops the text) at 20."""

_QUOTES = re.compile(r"^(?:[ \t]{0,3}>)+")


@dataclass(frozen=True, slots=True)
class LimitProblem:
    line_offset: int
    """0-based line of the body."""
    code: str
    message: str
    hint: str


def body_problems(body: str) -> Iterator[LimitProblem]:
    """Paragraphs too long and quotes nested too deep, by body line. Lines of ::: blocks
    (tables, name lists) are not running text; the blocks have their own limits."""
    start, length, in_block = 0, 0, False
    lines = body.split("\n")
    for offset, line in enumerate(lines + [""]):
        if line.strip().startswith(":::"):
            in_block = not in_block or line.strip() != ":::"
            line = ""
        if line.strip() and not in_block:
            if not length:
                start = offset
            length += len(line.strip())
            continue
        if length > MAX_PARAGRAPH_CHARS:
            yield LimitProblem(start, "limit.paragraph",
                               f"段落过长（{length} 字，上限 {MAX_PARAGRAPH_CHARS} 字）",
                               "段与段之间空一行；从其他文件复制的文字可能丢了段落分隔")
        length = 0
    for offset, line in enumerate(lines):
        if match := _QUOTES.match(line):
            depth = match.group().count(">")
            if depth > MAX_NESTING:
                yield LimitProblem(offset, "limit.nesting",
                                   f"引用（>）嵌套 {depth} 层，上限 {MAX_NESTING} 层",
                                   "公报正文不需要多层引用；删去多余的 >")
                break
