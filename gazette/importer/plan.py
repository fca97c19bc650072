"""The import pipeline up to the point of writing: read → furniture and 目录 → segments →
fields and body. Pure: nothing is written, so tests can inspect every stage's result."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from .fields import extract
from .front import LABEL, issue_info
from .layout import find_furniture, parse_toc, strip_marks
from .markdown import render_body
from .model import Document, ImportPlan, Layout, Line, Source
from .read import read_source
from .segment import find_segments, title_shaped
from .text import TITLE_END, parse_doc_number, squeeze


def plan_import(path: Path) -> ImportPlan:
    return plan_source(read_source(path))


def plan_source(source: Source) -> ImportPlan:
    furniture = find_furniture(source)
    toc, toc_lines = parse_toc([line for line in source.lines
                                if furniture.get(line.no) in (None, "书眉")])
    for no in toc_lines:
        furniture[no] = "目录"
    for no in _colophon_at_end(source, furniture):
        furniture[no] = "刊头与版权页"
    source = _split_glued_numbers(source, furniture)
    work = [line for line in source.lines if line.no not in furniture]
    segments = find_segments(work, list(toc))
    first = min((min(s.title_lines or [s.number_line]) for s in segments), default=None)
    front = [line for line in work if first is None or line.no < first]
    unplaced: list[int] = []
    if toc or any(LABEL.search(squeeze(line.text)) for line in front):
        for line in front:
            furniture[line.no] = "刊头与版权页"
    else:
        unplaced = [line.no for line in front]
    for no in _back_matter(work, front, segments):
        furniture[no] = "刊头与版权页"
    lines = source.by_no()
    heads = [strip_marks(lines[no].text) for no, kind in sorted(furniture.items())
             if kind == "书眉"]
    documents: list[Document] = []
    for segment in segments:
        doc, main, attached = extract(segment, lines)
        doc.body = render_body(doc, main, attached, lines)
        documents.append(doc)
    _sections_from_heads(documents, heads, furniture, lines)
    _number_orders(documents)
    layout = Layout(furniture, tuple(toc), tuple(line.no for line in front))
    return ImportPlan(source, layout, issue_info(front, heads), tuple(documents),
                      tuple(unplaced))


COLOPHON_KEY = re.compile(r"^[\u3400-\u9fff][\u3400-\u9fff ]{0,8}[：:]")


def _colophon_at_end(source: Source, furniture: dict[int, str]) -> list[int]:
    """The colophon closing an issue: a final run of “项目：内容” lines (主编：, 地址：…) and their
    short continuations, at least four of them, starting a page of its own in a PDF."""
    run: list[int] = []
    keys = 0
    for line in reversed([line for line in source.lines if line.no not in furniture]):
        text = strip_marks(line.text).strip()
        if COLOPHON_KEY.match(text):
            keys += 1
        elif len(squeeze(text)) > 20 or re.search(r"[。，；]", text):
            break
        run.append(line.no)
        if source.kind == "pdf" and line.page_start:
            break
    if keys < 4:
        return []
    if source.kind == "pdf" and not source.by_no()[run[-1]].page_start:
        return []
    return run


GLUED_NUMBER = re.compile(r"^(\s*[^\s，。；：、（）()]{1,16}?\s*〔\s*\d{4}\s*〕\s*\d{1,4}\s*号)"
                          r"\s*([^\s）)，。；、].*)$")


def _split_glued_numbers(source: Source, furniture: dict[int, str]) -> Source:
    """A 文号 the extraction ran together with the 主送 line below it (``银政办发〔2022〕55
    号各县（市）区人民政府……：``), right under a title, becomes two lines; the second keeps
    the source line's number as its origin."""
    lines = [line for line in source.lines if line.no not in furniture]
    extra: list[Line] = []
    replaced: dict[int, Line] = {}
    next_no = max((line.no for line in source.lines), default=0) + 1
    for previous, line in zip(lines, lines[1:]):
        match = GLUED_NUMBER.match(strip_marks(line.text))
        if not match or not parse_doc_number(match[1]):
            continue
        above = strip_marks(previous.text)
        if not (title_shaped(above) and TITLE_END.search(squeeze(above))):
            continue
        replaced[line.no] = dataclasses.replace(line, text=match[1].strip())
        extra.append(dataclasses.replace(line, no=next_no, text=match[2], origin=line.no,
                                         page_start=False))
        next_no += 1
    if not replaced:
        return source
    ordered: list[Line] = []
    for line in source.lines:
        ordered.append(replaced.get(line.no, line))
        ordered.extend(e for e in extra if e.origin == line.no)
    return dataclasses.replace(source, lines=tuple(ordered))


def _back_matter(work, front, segments) -> list[int]:
    """Pages after the last document that introduce the gazette itself (its 简介): they start
    with a heading naming the gazette as its masthead does, after the last document's start."""
    names = {squeeze(strip_marks(line.text)) for line in front}
    names = {name for name in names if name.endswith("公报") and 4 <= len(name) <= 24}
    if not names or not segments:
        return []
    last = segments[-1]
    start = min(last.title_lines or [last.number_line])
    for index, line in enumerate(work):
        if line.no <= start:
            continue
        text = squeeze(strip_marks(line.text))
        if title_shaped(strip_marks(line.text)) and any(name in text for name in names) \
                and len(text) <= 40:
            back = [other.no for other in work[index:]]
            last.lines = [no for no in last.lines if no not in set(back)]
            last.how.append(f"第{line.no}行起是本刊的介绍，不属于这一篇")
            return back
    return []


def _sections_from_heads(documents: list[Document], heads: list[str],
                         furniture: dict[int, str], lines) -> None:
    """Without a 目录, a section is known where its running head leaked into a document's
    pages; documents between two such pages are given the section seen before them."""
    names = set(re.findall(r"《([^》]+)》", " ".join(heads)))
    head_lines = sorted(no for no, kind in furniture.items() if kind == "书眉")
    for doc in documents:
        if doc.section:
            continue
        span = doc.segment.title_lines + doc.segment.lines
        if not span:
            continue
        low, high = min(span), max(span)
        for no in head_lines:
            if low <= no <= high:
                candidate = _section_of(strip_marks(lines[no].text), names)
                if candidate:
                    doc.section = candidate
                    doc.findings.append(f"栏目取自书眉（第{no}行）")
                    break
    by_prefix = {_prefix(doc.doc_number): doc.section for doc in documents
                 if doc.section and doc.doc_number}
    for doc in documents:
        prefix = _prefix(doc.doc_number)
        if not doc.section and prefix and by_prefix.get(prefix):
            doc.section = by_prefix[prefix]
            doc.guesses.append(f"栏目没有印出，取同为“{prefix}”文号的公文所在的“{doc.section}”")
    known = None
    for doc in documents:
        if doc.section:
            known = doc.section
            continue
        if known:
            doc.section = known
            doc.guesses.append(f"栏目没有印出，沿用上一篇的“{known}”")
    later = None
    for doc in reversed(documents):
        if doc.section:
            later = doc.section
        elif later:
            doc.section = later
            doc.guesses.append(f"栏目没有印出，沿用下一篇的“{later}”")
        else:
            doc.section = "未分栏目"
            doc.guesses.append("栏目没有印出，暂作“未分栏目”")


def _prefix(doc_number: str | None) -> str | None:
    """The 机关代字 of a 文号 (银政办发〔2022〕42号 → 银政办发)."""
    return doc_number.split("〔", 1)[0] if doc_number and "〔" in doc_number else None


def _section_of(head: str, names: set[str]) -> str | None:
    words = [w.strip("【】") for w in head.split() if not re.search(r"\d|《|》", w)]
    text = " ".join(words).strip()
    if len(squeeze(text)) < 4 or squeeze(text) in names:
        return None
    return text


def _number_orders(documents: list[Document]) -> None:
    counts: dict[str, int] = {}
    for doc in documents:
        counts[doc.section or ""] = counts.get(doc.section or "", 0) + 1
        doc.order = counts[doc.section or ""]


def guess_configured_sections(documents: tuple[Document, ...], sections: tuple[str, ...]) -> None:
    """When the target gazette is configured, a section that was only inherited from a
    neighbour is replaced by the configured section that fits the document best: 大事记 for a
    chronicle, 人事任免 for appointments, 规范性文件 for a 规 文号, and otherwise the issuer's
    kind (党委 first when it signs first, 政府, 办公室, 部门) against the section's name, and
    规章 for a government order. Ties are left as they were."""
    for doc in documents:
        if not any(g.startswith("栏目没有印出，沿用") for g in doc.guesses):
            continue
        scored = sorted(((_fit(doc, name), name) for name in sections), reverse=True)
        if not scored or scored[0][0] <= 0 or (len(scored) > 1 and scored[1][0] == scored[0][0]):
            continue
        name = scored[0][1]
        doc.guesses = [g for g in doc.guesses if not g.startswith("栏目没有印出，沿用")]
        doc.guesses.append(f"栏目没有印出，按发文机关和文号从 config.yaml 的栏目中选了“{name}”")
        doc.section = name


def _fit(doc: Document, name: str) -> int:
    issuers = doc.issuers or (doc.title,)
    office = any(i.endswith("办公室") for i in issuers)
    party = any(i.startswith("中共") for i in issuers)
    government = any("人民政府" in i or i.endswith("政府") for i in issuers)
    department = not (office or party or government)
    score = 0
    if name.endswith("大事记"):
        return 5 if doc.kind == "chronicle" else -5
    if name == "人事任免" or name.endswith("任免"):
        return 5 if re.search(r"任免|任职|免职|任命", doc.title) else -5
    prefix = _prefix(doc.doc_number) or ""
    if name.endswith("规章"):
        return 5 if doc.number_line or "令" in prefix else -5
    if "规范性" in name:
        score += 3 if "规" in prefix else -3
        if "部门" in name:
            score += 2 if department else -2
        return score
    has_office = "办公室" in name
    score += 2 if has_office == office else -2
    if "规" in prefix:
        score -= 2
    if "委" in name.replace("委员会", "委"):
        score += (2 if issuers[0].startswith("中共") else 1) if party else -1
    if "政府" in name:
        score += 1 if government or (office and not party) else -1
    return score
