"""Stage 3: cut the running text into documents.

A document starts with its title followed by its 发文字号 line (or an order's ``第2号``), or
with a line matching a 目录 title (大事记, data pages). When the 目录 lists a 文号, the title is
taken back from the 文号 line as far as the 目录 title reaches; otherwise as far as the lines
look like a title. Two-column pages sometimes print the headers of two short documents one after
the other and then their bodies: such stacked headers share the text that follows, which is
handed out in order, each document ending with its date (and note) line.
"""

from __future__ import annotations

import difflib
import re

from .layout import strip_marks
from .model import Line, Segment, TocEntry
from .text import (HEADING, ORDER_NUMBER, ORGAN_END, SENTENCE_END, TITLE_END, norm, parse_date,
                   parse_doc_number, parse_note, squeeze)

MAX_TITLE_LINES = 4
MAX_TITLE_CHARS = 90
STANDALONE = re.compile(r"\S{2,}大事记$")


def bare(text: str) -> str:
    """Only letters and digits: titles compared across the 目录 and the body, whose brackets,
    quotes and dashes differ."""
    return re.sub(r"[^0-9A-Za-z\u3400-\u9fff]", "", strip_marks(text))


def text_of(line: Line) -> str:
    return strip_marks(line.text).strip()


def find_segments(work: list[Line], toc: list[TocEntry]) -> list[Segment]:
    """``work`` are the lines left after furniture, in reading order."""
    by_number = {e.doc_number: e for e in toc if e.doc_number}
    headers: list[Segment] = []
    claimed: set[int] = set()
    for index, line in enumerate(work):
        text = text_of(line)
        number = parse_doc_number(text)
        if not number and not ORDER_NUMBER.match(text):
            continue
        entry = by_number.get(number) if number else None
        title = _title_before(work, index, claimed, entry, toc)
        if not title and not entry:
            continue
        if entry is None:
            entry = _entry_by_title(toc, [work[i] for i in title])
        segment = Segment([work[i].no for i in title], line.no, [], entry)
        segment.how.append("文号行" if number else "令号行")
        claimed.update(title)
        claimed.add(index)
        headers.append(segment)
    used_entries = {id(s.entry) for s in headers if s.entry}
    positions = {line.no: i for i, line in enumerate(work)}
    for entry in toc:
        if id(entry) in used_entries:
            continue
        found = _find_title(work, entry, claimed)
        if found:
            claimed.update(found)
            segment = Segment([work[i].no for i in found], None, [], entry)
            segment.how.append("目录标题")
            headers.append(segment)
    for index, line in enumerate(work):
        text = squeeze(text_of(line))
        if index not in claimed and STANDALONE.search(text) and title_shaped(text_of(line)) \
                and len(text) <= 30:
            claimed.add(index)
            segment = Segment([line.no], None, [], None)
            segment.how.append("独立成行的大事记标题")
            headers.append(segment)
    headers.sort(key=lambda s: positions[s.title_lines[0] if s.title_lines else s.number_line])
    _assign_bodies(work, headers, positions)
    return headers


def _title_before(work: list[Line], index: int, claimed: set[int], entry: TocEntry | None,
                  toc: list[TocEntry]) -> list[int]:
    """Lines above a 文号 line that make up the title: as far as a 目录 title reaches (the
    entry with this 文号, else any entry), else as far as the lines look like a title."""
    targets = [bare(entry.title)] if entry else [bare(e.title) for e in toc]
    taken = _walk_back(work, index, claimed, lambda text, joined: any(
        t.endswith(joined) for t in targets), MAX_TITLE_LINES)
    joined = "".join(bare(text_of(work[k])) for k in taken)
    if taken and joined in targets:
        return taken
    taken = _walk_back(work, index, claimed, lambda text, joined: title_shaped(text)
                       and len(joined) <= MAX_TITLE_CHARS
                       and (joined == bare(text) or len(bare(text)) >= 6), MAX_TITLE_LINES)
    best: list[int] = []
    for start in range(len(taken)):
        suffix = taken[start:]
        joined = "".join(norm(squeeze(text_of(work[k]))) for k in suffix)
        if TITLE_END.search(joined) and _title_opening(joined):
            return suffix
        if TITLE_END.search(joined) and not best:
            best = suffix
    return best[-1:] if best else []


def _title_opening(title: str) -> bool:
    """A title opens with its issuer (no digits, an organ's name) before 关于/印发, or with
    关于 itself; text ahead of that belongs to the page before."""
    match = re.search(r"关于|印发", title)
    if not match:
        return False
    prefix = title[:match.start()]
    return not prefix or (not re.search(r"\d", prefix) and len(prefix) <= 40
                          and bool(ORGAN_END.search(prefix.replace("\u3000", ""))))


def _walk_back(work: list[Line], index: int, claimed: set[int], accept, limit: int) -> list[int]:
    """Lines above ``index`` while ``accept(text, joined)``; a title never reaches above the
    first line of a page."""
    taken: list[int] = []
    joined = ""
    j = index - 1
    while j >= 0 and len(taken) < limit and j not in claimed:
        text = text_of(work[j])
        candidate = bare(text) + joined
        if not accept(text, candidate):
            break
        taken.append(j)
        joined = candidate
        if work[j].page_start:
            break
        j -= 1
    taken.reverse()
    return taken


def title_shaped(text: str) -> bool:
    stripped = squeeze(text)
    if not stripped or stripped[-1] in SENTENCE_END + "，、":
        return False
    if parse_date(text) or parse_note(text) or parse_doc_number(text) or ORDER_NUMBER.match(text):
        return False
    if HEADING.match(stripped) or stripped.startswith(("附件", "附表")):
        return False
    if stripped[0] in "（(" and stripped[-1] in "）)":
        return False
    return "。" not in stripped and len(stripped) <= 60


def _entry_by_title(toc: list[TocEntry], lines: list[Line]) -> TocEntry | None:
    title = bare(" ".join(text_of(line) for line in lines))
    for entry in toc:
        if title and bare(entry.title) == title:
            return entry
    return None


def _find_title(work: list[Line], entry: TocEntry, claimed: set[int]) -> list[int]:
    """The line(s) printing a 目录 title that has no 文号: exactly, else the closest title-shaped
    line (a data page may print 1-8月份 where the 目录 says 1-8月)."""
    target = bare(entry.title)
    best: tuple[float, int] = (0.0, -1)
    for start in range(len(work)):
        if start in claimed:
            continue
        joined = ""
        for end in range(start, min(start + MAX_TITLE_LINES, len(work))):
            if end in claimed:
                break
            joined += bare(text_of(work[end]))
            if joined == target:
                return list(range(start, end + 1))
            if not target.startswith(joined):
                break
        text = text_of(work[start])
        if title_shaped(text) and abs(len(bare(text)) - len(target)) <= 4:
            ratio = difflib.SequenceMatcher(None, bare(text), target).ratio()
            if ratio > best[0]:
                best = (ratio, start)
    return [best[1]] if best[0] >= 0.9 else []


def _assign_bodies(work: list[Line], headers: list[Segment], positions: dict[int, int]) -> None:
    """Hand each header the lines up to the next header; stacked headers share theirs."""
    starts = [positions[h.title_lines[0] if h.title_lines else h.number_line] for h in headers]
    ends = [positions[h.number_line] if h.number_line else positions[h.title_lines[-1]]
            for h in headers]
    k = 0
    while k < len(headers):
        group = [k]
        while group[-1] + 1 < len(headers) and starts[group[-1] + 1] == ends[group[-1]] + 1:
            group.append(group[-1] + 1)
        last = group[-1]
        stop = starts[last + 1] if last + 1 < len(headers) else len(work)
        region = list(range(ends[last] + 1, stop))
        for member in group[:-1]:
            cut = _signature_end(work, region)
            headers[member].lines = [work[i].no for i in region[:cut]]
            headers[member].how.append("与下一篇的标题排在一起，正文按顺序分配")
            region = region[cut:]
        headers[last].lines = [work[i].no for i in region]
        if len(group) > 1:
            headers[last].how.append("与上一篇的标题排在一起，正文按顺序分配")
        k = last + 1


def _signature_end(work: list[Line], region: list[int]) -> int:
    """Index just past the first date line (and the note line after it) in ``region``."""
    for offset, index in enumerate(region):
        if parse_date(text_of(work[index])):
            cut = offset + 1
            if cut < len(region) and parse_note(text_of(work[region[cut]])):
                cut += 1
            return cut
    return len(region)
