"""Stage 4: the fields of one document (title, 文号, 主送, 附件, 署名, 日期, 附注).

Each field comes from whole source lines, which are then left out of the body, so a line is
either a field or body text, never both. Every choice that was not certain is written down in
``Document.guesses`` for the report.
"""

from __future__ import annotations

import re

from .model import Document, Line, Segment
from .segment import title_shaped, bare, text_of
from .text import (HEADING, ORDER_NUMBER, ORGAN_END, SENTENCE_END, TITLE_END, parse_date,
                   parse_doc_number,
                   parse_note, squeeze, title_text)

MAX_ADDRESSEE_LINES = 8
ATTACHMENT = re.compile(r"^附\s*件\s*(\d*)\s*[：:]\s*(.*)$")
ITEM = re.compile(r"^(\d{1,2})\s*[.．、]\s*(.+)$")


def extract(segment: Segment, lines: dict[int, Line]) -> tuple[Document, list[int], list[int]]:
    """The document, the line numbers of its main text and of its attached texts."""
    title_lines = [text_of(lines[no]) for no in segment.title_lines]
    title = title_text(title_lines) if title_lines else (segment.entry.title if segment.entry
                                                           else "")
    doc = Document(segment, title)
    entry = segment.entry
    if entry:
        doc.section = entry.section
        doc.printed_page = entry.page
        doc.title = _prefer_title(doc, entry.title)
    if not title_lines:
        doc.guesses.append("正文中没有找到标题，标题取自目录")
    if segment.number_line is not None:
        text = text_of(lines[segment.number_line])
        number = parse_doc_number(text)
        if number:
            doc.doc_number = number
            if entry and entry.doc_number and entry.doc_number != number:
                doc.guesses.append(f"正文文号 {number} 与目录 {entry.doc_number} 不同，用正文的")
            elif entry and entry.doc_number:
                doc.findings.append("文号：目录与正文一致")
            else:
                doc.findings.append("文号：只见于正文")
        elif ORDER_NUMBER.match(text):
            doc.number_line = squeeze(text)
            if entry and entry.doc_number:
                doc.doc_number = entry.doc_number
                doc.findings.append(f"令号行 {doc.number_line}，文号 {entry.doc_number} 取自目录")
    elif entry and entry.doc_number:
        doc.doc_number = entry.doc_number
        doc.guesses.append("文号只见于目录")
    body = list(segment.lines)
    body = _addressees(doc, body, lines)
    main, attached = _signature(doc, body, lines)
    main = _attachments(doc, main, lines)
    if doc.title.endswith("大事记"):
        doc.kind = "chronicle"
    return doc, main, attached


def _prefer_title(doc: Document, toc_title: str) -> str:
    body_title = doc.title
    if not body_title:
        return toc_title
    if body_title == toc_title:
        doc.findings.append("标题：目录与正文一致")
        return body_title
    if bare(body_title) != bare(toc_title):
        doc.guesses.append(f"标题与目录不同（目录作“{toc_title}”），用正文的")
        return body_title
    wide = lambda t: sum(1 for ch in t if ch in "《》（）〔〕“”—")  # noqa: E731
    if wide(toc_title) > wide(body_title):
        doc.guesses.append(f"标题的标点取自目录（正文作“{body_title}”）")
        return toc_title
    doc.findings.append("标题：目录与正文只有标点不同，用正文的")
    return body_title


def _addressees(doc: Document, body: list[int], lines: dict[int, Line]) -> list[int]:
    """The 主送 line(s) right after the header, ending with “：”. A two-column page may print
    an attached text's title first; it stays in the body where it is."""
    skip = 0
    if body and TITLE_END.search(squeeze(text_of(lines[body[0]]))) and \
            title_shaped(text_of(lines[body[0]])):
        skip = 1
    joined = ""
    for count, no in enumerate(body[skip:skip + MAX_ADDRESSEE_LINES], start=1):
        text = squeeze(text_of(lines[no]))
        if count == 1 and (HEADING.match(text) or parse_date(text) or
                           re.match(r"^(为|根据|按照|经|依据|现将|近年来)", text)):
            return body
        joined += text
        if re.search(r"[。；？！]", joined) or "如下" in joined or "，现" in joined:
            return body
        if joined.endswith(("：", ":")):
            doc.addressees = squeeze(joined[:-1])
            if skip:
                doc.guesses.append("主送机关之前有一行像是附文标题，留在正文开头")
            return body[:skip] + body[skip + count:]
    return body


def _signature(doc: Document, body: list[int], lines: dict[int, Line]) -> tuple[list[int],
                                                                               list[int]]:
    """Find the issuer and date that close the main text; what follows is attached text."""
    for index, no in enumerate(body):
        date = parse_date(text_of(lines[no]))
        if not date:
            continue
        issuers, first = _issuers(body, index, lines)
        after = text_of(lines[body[index + 1]]) if index + 1 < len(body) else ""
        if not issuers and after and not parse_note(after):
            continue
        doc.date = date
        doc.issuers = issuers
        end = index + 1
        if end < len(body):
            note = parse_note(text_of(lines[body[end]]))
            if note:
                doc.note = note
                end += 1
        if not issuers:
            doc.guesses.append("日期上方没有找到发文机关署名")
        return body[:first], body[end:]
    doc.findings.append("没有成文日期")
    note_at = [i for i, no in enumerate(body) if parse_note(text_of(lines[no]))]
    if note_at:
        doc.note = parse_note(text_of(lines[body[note_at[0]]]))
        return body[:note_at[0]], body[note_at[0] + 1:]
    return body, []


def _issuers(body: list[int], index: int, lines: dict[int, Line]) -> tuple[tuple[str, ...], int]:
    taken: list[str] = []
    first = index
    for back in (1, 2):
        if index - back < 0:
            break
        text = text_of(lines[body[index - back]])
        flat = squeeze(text)
        if not flat or len(flat) > 40 or re.search(r"[，。；：、:;,（）()]", flat) or \
                HEADING.match(flat) or flat[-1] in SENTENCE_END:
            break
        if back == 2 and not ORGAN_END.search(flat):
            break
        taken.insert(0, text)
        first = index - back
    names: list[str] = []
    for text in taken:
        words = [w for w in re.split(r"[ \u3000\t]+", text.strip()) if w]
        if len(words) > 1 and all(ORGAN_END.search(squeeze(w)) for w in words):
            names.extend(squeeze(w) for w in words)
        elif len(words) > 1:
            names.append("\u3000".join(squeeze(w) for w in words))
        else:
            names.append(squeeze(text))
    return tuple(names), first


def _attachments(doc: Document, main: list[int], lines: dict[int, Line]) -> list[int]:
    """A 附件 list closing the main text goes to the front matter."""
    for index, no in enumerate(main):
        match = ATTACHMENT.match(squeeze(text_of(lines[no])))
        if not match:
            continue
        items: list[str] = []
        current = match[2]
        for later in main[index + 1:]:
            text = squeeze(text_of(lines[later]))
            item = ITEM.match(text)
            if item or ATTACHMENT.match(text):
                items.append(current)
                current = item[2] if item else ATTACHMENT.match(text)[2]
            elif current and current[-1] not in "）)" and len(text) < 40:
                current += text
            else:
                return main
        items.append(current)
        first = ITEM.match(items[0])
        if first:
            items[0] = first[2]
        doc.attachments = tuple(squeeze(i) for i in items if i)
        return main[:index]
    return main
