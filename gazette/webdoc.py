"""The web edition's shape of one notice page: citable, navigable, described for machines.

The notice body comes from partials/notice.html, shared with print, whose heading levels suit
the printed issue (the title an h2 under the issue). On its own web page the notice title is
the page's h1, so :func:`shape_notice` lifts the levels by one and puts each appendix title
above its own 一、 headings; 第X章 become headings; 第X章, 第X条 and the numbered headings get
stable ids (``#第十条``) with a link that shows on hover; and the page gets an in-page contents
when the document has enough headings to need one.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

OUTLINE_MARK = "<!--gazette:outline-->"
OUTLINE_MIN = 3
"""Documents with fewer headings than this get no in-page contents."""

_ARTICLE = re.compile(r'<article\b.*?</article>', re.S)
_HEADING = re.compile(r'<(/?)h([2-6])\b')
_CHAPTER = re.compile(r'<p class="gw-chapter">(.*?)</p>', re.S)
_CHAPTER_NO = re.compile(r'第[〇零一二三四五六七八九十百千\d]+[章节编]')
_ARTICLE_NO = re.compile(r'<p class="gw-article"><span class="gw-article-no">(.*?)</span>')
_NUMBERED = re.compile(r'<(h[2-6]) class="([^"]*\bgw-(?:n\d|h\d)\b[^"]*)">(.*?)</\1>', re.S)
_TAGS = re.compile(r"<[^>]+>")


@dataclass(frozen=True, slots=True)
class OutlineEntry:
    level: int
    anchor: str
    text: str


def _text(fragment: str) -> str:
    return html.unescape(_TAGS.sub("", fragment)).strip()


def _anchor_link(anchor: str, label: str) -> str:
    return (f'<a class="gw-anchor ui" href="#{html.escape(anchor)}" '
            f'aria-label="{html.escape(label)}的链接">#</a>')


class _Ids:
    def __init__(self, taken: set[str]) -> None:
        self.taken = taken

    def new(self, wanted: str) -> str:
        anchor, number = wanted, 1
        while anchor in self.taken:
            number += 1
            anchor = f"{wanted}-{number}"
        self.taken.add(anchor)
        return anchor


def _heading_id(text: str) -> str:
    """The heading's own words: 一、总体要求 → 一、总体要求; （一）强化组织领导。… → （一）强化组织领导."""
    head = re.split(r"[。：:；]", text, maxsplit=1)[0]
    return re.sub(r"\s+", "", head)[:24] or "节"


def _shape_part(part: str, appendix: bool, ids: _Ids, outline: list[OutlineEntry]) -> str:
    if appendix:
        part = re.sub(r'<h3 class="gw-appendix-title"(.*?)</h3>',
                      lambda m: f'<h2 class="gw-appendix-title"{m.group(1)}</h2>', part,
                      count=1, flags=re.S)
        title = re.search(r'<section class="gw-appendix[^"]*" id="([^"]+)"', part)
        label = re.search(r'<h2 class="gw-appendix-title"[^>]*>(.*?)</h2>', part, re.S)
        if title and label:
            outline.append(OutlineEntry(2, title.group(1), _text(label.group(1))))
        body_level = 3
    else:
        part = re.sub(r'<h2 class="gw-title"(.*?)</h2>',
                      lambda m: f'<h1 class="gw-title"{m.group(1)}</h1>', part, count=1,
                      flags=re.S)
        start = part.find('<div class="gw-body')
        if start >= 0:
            part = part[:start] + _HEADING.sub(
                lambda m: f"<{m.group(1)}h{int(m.group(2)) - 1}", part[start:])
        body_level = 2

    def chapter(match: re.Match) -> str:
        inner = match.group(1)
        text = _text(inner)
        number = _CHAPTER_NO.match(text)
        anchor = ids.new(number.group(0) if number else _heading_id(text))
        outline.append(OutlineEntry(body_level, anchor, text))
        tag = f"h{body_level}"
        return (f'<{tag} class="gw-chapter" id="{html.escape(anchor)}">{inner}'
                f"{_anchor_link(anchor, text)}</{tag}>")

    def article(match: re.Match) -> str:
        number = _text(match.group(1))
        anchor = ids.new(number)
        return (f'<p class="gw-article" id="{html.escape(anchor)}">{_anchor_link(anchor, number)}'
                f'<span class="gw-article-no">{match.group(1)}</span>')

    def numbered(match: re.Match) -> str:
        tag, classes, inner = match.groups()
        text = _text(inner)
        anchor = ids.new(_heading_id(text))
        outline.append(OutlineEntry(int(tag[1]), anchor, _heading_id(text)))
        return (f'<{tag} class="{classes}" id="{html.escape(anchor)}">{inner}'
                f"{_anchor_link(anchor, _heading_id(text))}</{tag}>")

    part = _CHAPTER.sub(chapter, part)
    part = _ARTICLE_NO.sub(article, part)
    return _NUMBERED.sub(numbered, part)


def shape_notice(page: str) -> str:
    """A rendered notice page with its headings nested, anchored and outlined."""
    found = _ARTICLE.search(page)
    if found is None:
        return page.replace(OUTLINE_MARK, "", 1)
    article = found.group(0)
    ids = _Ids(set(re.findall(r'\bid="([^"]+)"', page)))
    outline: list[OutlineEntry] = []
    parts = re.split(r'(?=<section class="gw-appendix)', article)
    shaped = "".join(_shape_part(part, index > 0, ids, outline)
                     for index, part in enumerate(parts))
    page = page[:found.start()] + shaped + page[found.end():]
    return page.replace(OUTLINE_MARK, outline_html(outline), 1)


def outline_html(outline: list[OutlineEntry]) -> str:
    """The in-page contents: the top two heading levels, as a collapsible list."""
    entries = [e for e in outline if e.level <= 3]
    if len(entries) < OUTLINE_MIN:
        return ""
    top = min(e.level for e in entries)
    items = []
    for entry in entries:
        depth = " page-toc-sub" if entry.level > top else ""
        items.append(f'<li class="page-toc-item{depth}"><a href="#{html.escape(entry.anchor)}">'
                     f"{html.escape(entry.text)}</a></li>")
    return ('<nav class="page-toc ui" aria-label="本文目录"><details>'
            f'<summary>本文目录（{len(entries)}）</summary><ol>{"".join(items)}</ol>'
            "</details></nav>\n")
