"""The issue's own details (issue.yaml) from the cover and masthead lines, and from running
heads such as ``2022.No.5`` when there is no cover."""

from __future__ import annotations

import datetime as dt
import re

from .layout import strip_marks
from .model import IssueInfo, Line
from .text import squeeze

LABEL = re.compile(r"(\d{4})\s*年\s*第\s*(\d{1,3})\s*期")
SHORT_LABEL = re.compile(r"(\d{4})\s*年?\s*[.．]?\s*No[.．]?\s*0*(\d{1,3})", re.IGNORECASE)
CUMULATIVE = re.compile(r"总第\s*(\d{1,5})\s*期")
PUBLISHED = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日\s*出版")
ROLE = re.compile(r"^(主\s*任|副\s*主\s*任|编\s*委|委\s*员)\s*[：:]\s*(.*)$")


def issue_info(front: list[Line], heads: list[str]) -> IssueInfo:
    texts = [squeeze(strip_marks(line.text)) for line in front]
    joined = "\n".join(texts)
    year = number = cumulative = None
    published = None
    label = LABEL.search(joined)
    if label:
        year, number = int(label[1]), int(label[2])
    else:
        for head in heads:
            short = SHORT_LABEL.search(head)
            if short:
                year, number = int(short[1]), int(short[2])
                break
    match = CUMULATIVE.search(joined)
    if match:
        cumulative = int(match[1])
    match = PUBLISHED.search(joined)
    if match:
        try:
            published = dt.date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            published = None
    return IssueInfo(year, number, cumulative, published, _board(front))


def _board(front: list[Line]) -> tuple[tuple[str, str | None, tuple[str, ...]], ...]:
    board: list[tuple[str, str | None, list[str]]] = []
    for line in front:
        text = strip_marks(line.text).strip()
        role = ROLE.match(text)
        if role:
            rest = role[2]
            note = None
            paren = re.match(r"^[（(]([^）)]+)[）)]\s*(.*)$", rest)
            if paren:
                note, rest = squeeze(paren[1]), paren[2]
            board.append((squeeze(role[1]), note, _names(rest)))
        elif board and _name_line(text):
            board[-1][2].extend(_names(text))
        elif board:
            break
    return tuple((role, note, tuple(names)) for role, note, names in board if names)


def _name_line(text: str) -> bool:
    return bool(text) and bool(re.fullmatch(r"[\u3400-\u9fff·\s\u3000]+", text)) and \
        all(len(w) <= 4 for w in text.split())


def _names(text: str) -> list[str]:
    """``马孝民 马 瑞`` → 马孝民, 马瑞: a two-character name is printed with a space inside."""
    words = [w for w in re.split(r"[\s\u3000]+", text.strip()) if w]
    names: list[str] = []
    index = 0
    while index < len(words):
        word = words[index]
        if len(word) == 1 and index + 1 < len(words) and len(words[index + 1]) == 1:
            names.append(word + words[index + 1])
            index += 2
            continue
        names.append(word)
        index += 1
    return names
