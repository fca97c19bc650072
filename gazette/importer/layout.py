"""Stage 2: page furniture and the 目录, learnt from the document itself.

Nothing here knows any particular gazette. Folios are number lines dressed with dashes
(``- 33 -``, ``— 17 —``, the garbled ``11- -``) or, in a PDF, numbers alone in the top or bottom
band of a page. Running heads are the short lines printed next to folios; once seen there, the
same line is furniture wherever it recurs. A line repeated three times or more in a row is a
decorative line. The 目录 is the run of lines ending in dot leaders and a page number; its
section lines (【…】) lead their entries, or trail them when the 目录 ends with a section line.
"""

from __future__ import annotations

import re
from collections import Counter

from .model import Line, Source, TocEntry
from .text import LEADERS, SECTION, norm, parse_date, parse_doc_number, squeeze

FOLIO = re.compile(r"^[\s\-—－–_]*(\d{1,4})[\s\-—－–_]*$")
DRESSED = re.compile(r"[\-—－–_]")
DECORATIVE = re.compile(r"^[\s\-—－–_=＝*＊·•●◆◇■□★☆~～.。…|]+$")
TOC_HEADING = re.compile(r"^#*\s*目\s*录\s*$")
PAREN_NUMBER = re.compile(r"^(.*?)\s*[（(]\s*([^（()）]*〔\s*\d{4}\s*〕[^（()）]*)\s*[）)]\s*$")
HEAD_REACH = 2
LABEL_SHAPE = re.compile(r"《[^》]+》|\d{4}\s*[.．]\s*[A-Za-z]")
TOC_GAP = 16


def strip_marks(text: str) -> str:
    """Headings an extraction marked with ``#`` or ``**`` and list bullets (``- ``, ``• ``) it
    added are still plain lines of the printed page."""
    text = re.sub(r"^\s*(?:#{1,6}|[-*•])\s+(?=\S)", "", text)
    bold = re.fullmatch(r"\s*\*\*(.+?)\*\*\s*", text)
    return bold[1] if bold else text


def find_furniture(source: Source) -> dict[int, str]:
    lines = source.lines
    kinds: dict[int, str] = {}
    for index, line in enumerate(lines):
        text = strip_marks(line.text).strip()
        if DECORATIVE.match(text):
            kinds[line.no] = "装饰线"
        elif FOLIO.match(text) and (DRESSED.search(text) or _in_margin(line, source)):
            kinds[line.no] = "页码"
    heads: set[str] = set()
    near: list[Line] = []
    for index, line in enumerate(lines):
        if kinds.get(line.no) != "页码":
            continue
        for other in lines[max(0, index - HEAD_REACH):index + HEAD_REACH + 1]:
            text = strip_marks(other.text).strip()
            if other.no in kinds or not _head_shaped(text):
                continue
            if source.kind == "pdf" and (other.page != line.page or
                                         not _in_margin(other, source)):
                continue
            near.append(other)
    recurring = Counter(_shape(strip_marks(line.text)) for line in near)
    for line in near:
        text = strip_marks(line.text).strip()
        if recurring[_shape(text)] >= 2 or LABEL_SHAPE.search(text):
            kinds[line.no] = "书眉"
            if len(norm(text)) >= 6:
                heads.add(norm(text))
    if source.kind == "pdf":
        heads |= _margin_repeats(source, kinds)
    for line in lines:
        if line.no not in kinds and norm(strip_marks(line.text)) in heads:
            kinds[line.no] = "书眉"
    run: list[Line] = []
    for line in [*lines, Line(-1, "")]:
        if run and norm(line.text) == norm(run[0].text) and line.no not in kinds:
            run.append(line)
            continue
        if len(run) >= 3:
            for repeated in run:
                kinds[repeated.no] = "装饰线"
        run = [line] if line.no not in kinds else []
    return kinds


def _shape(text: str) -> str:
    return re.sub(r"\d+", "#", norm(text))


def _head_shaped(text: str) -> bool:
    """Running heads are short and are not sentences, dates or 文号."""
    if parse_date(text) or parse_doc_number(text):
        return False
    return 0 < len(squeeze(text)) <= 40 and not re.search(r"[。，；！？、：:]", text) \
        and not re.match(r"^[（(].*[）)]$", text)


def _in_margin(line: Line, source: Source) -> bool:
    if source.kind != "pdf" or line.y is None:
        return False
    height = max((other.y or 0) for other in source.lines) / 0.95
    return line.y < height * 0.08 or line.y > height * 0.9


def _margin_repeats(source: Source, kinds: dict[int, str]) -> set[str]:
    """In a PDF: lines in the top band of pages that recur (digits aside) on three pages, or
    are set smaller than the running text."""
    height = max((line.y or 0) for line in source.lines) / 0.95
    sizes = Counter(line.size for line in source.lines if line.size)
    body = sizes.most_common(1)[0][0] if sizes else 0
    tops = [line for line in source.lines if line.y is not None and line.y < height * 0.1]
    counts = Counter(_shape(line.text) for line in tops)
    found = set()
    for line in tops:
        if line.no in kinds:
            continue
        if counts[_shape(line.text)] >= 3 or (line.size and line.size < body):
            kinds[line.no] = "书眉"
            found.add(norm(line.text))
    return found


def parse_toc(lines: list[Line]) -> tuple[list[TocEntry], set[int]]:
    """Entries of the printed 目录 and every line number it occupies."""
    leader_at = [i for i, line in enumerate(lines) if _leader(line.text)]
    if len(leader_at) < 2:
        return [], set()
    cluster = [leader_at[0]]
    for index in leader_at[1:]:
        if index - cluster[-1] > TOC_GAP:
            break
        cluster.append(index)
    if len(cluster) < 2:
        return [], set()
    first, last = cluster[0], cluster[-1]
    start = first
    for back in range(first - 1, max(-1, first - 12), -1):
        if _is_toc_heading(lines[back].text):
            start = back
            break
    while last + 1 < len(lines) and SECTION.match(strip_marks(lines[last + 1].text).strip()) \
            and not SECTION.match(strip_marks(lines[last + 1].text).strip())[2]:
        last += 1
    span = lines[start:last + 1]
    used = {line.no for line in span}
    entries: list[dict] = []
    pending: list[Line] = []
    section: str | None = None
    sections_seen: list[tuple[int, str]] = []
    for line in span:
        text = strip_marks(line.text).strip()
        if _is_toc_heading(text):
            pending = []
            continue
        leader = _leader(text)
        body = text[:leader.start()].strip() if leader else text
        match = SECTION.match(body)
        if match:
            section = re.sub(r"\s+", " ", match[1]).strip()
            sections_seen.append((len(entries), section))
            body = match[2].strip()
            if not body and not leader:
                pending = []
                continue
        if not leader:
            pending.append(line)
            continue
        title_part = " ".join(strip_marks(p.text).strip() for p in pending) + " " + body
        number = None
        paren = PAREN_NUMBER.match(title_part.strip())
        if paren:
            title_part, number = paren[1], parse_doc_number(paren[2])
        title = title_part.strip() or (section or "")
        entries.append({"title": title, "number": number, "page": int(leader[1]),
                        "section": section, "lines": tuple(p.no for p in pending) + (line.no,)})
        pending = []
    trailing = bool(sections_seen) and sections_seen[-1][0] == len(entries) and \
        (len(sections_seen) < 2 or sections_seen[0][0] > 0)
    if trailing:
        for entry_index, entry in enumerate(entries):
            entry["section"] = next((name for count, name in sections_seen
                                     if count > entry_index), None)
    from .text import title_text
    result = [TocEntry(title_text([e["title"]]), e["number"], e["page"], e["section"], e["lines"])
              for e in entries]
    return result, used


def _is_toc_heading(text: str) -> bool:
    return bool(TOC_HEADING.match(strip_marks(text).strip()))


def _leader(text: str):
    text = strip_marks(text).strip()
    match = LEADERS.search(text)
    if not match:
        return None
    before = text[:match.start()]
    if not before.strip() or DRESSED.fullmatch(before.strip()):
        return None
    return match
