"""Paragraph roles of a 公文, recognised from the numbering that editors already type.

GB/T 9704 gives each numbering level a typeface: 一、 黑体, （一） 楷体, 1. and （1） 仿宋;
regulations add 第一章 (centred) and 第一条 (lead-in); chronicles lead with a date. Editors
write plain paragraphs as the seeds show, so the role comes from the text itself. The text is
never changed: a role only adds a class, or wraps a lead-in in a span.

A numbered paragraph is a *heading* only in a structured text, one that has at least one
standalone 一、 heading (short, no 。). Decisions such as 银政函〔2020〕49号 number their
clauses 一、二、三、 in body type, and must stay in body type.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_CN = "[一二三四五六七八九十百零〇两]+"
LEVEL1 = re.compile(rf"^{_CN}、")
LEVEL2 = re.compile(rf"^[（(]{_CN}[）)]")
LEVEL3 = re.compile(r"^\d+[.．](?!\d)")
LEVEL4 = re.compile(r"^[（(]\d+[）)]")
CHAPTER = re.compile(rf"^第{_CN}[编章节](?:[　 ]|$)")
ARTICLE = re.compile(rf"^第{_CN}条(?=[　 ])")
ATTACHMENTS = re.compile(r"^附件\s*\d*\s*[：:]")
APPENDIX_LABEL = re.compile(r"^附件\s*\d*$")
"""附件 or 附件2 alone in a paragraph: the label over an attached text, kept with what follows."""
CHRONICLE_DATE = re.compile(
    r"^\d{1,2}月\d{1,2}日(?:[至—\-－~～](?:\d{1,2}月)?\d{1,2}日)?(?=[，,])")
SAME_DAY = "△"

STANDALONE_L1_MAX = 25
STANDALONE_L2_MAX = 36
RUN_IN_MAX = 30


@dataclass(frozen=True, slots=True)
class Role:
    """How to set one paragraph: its class, heading level, and a lead-in length if any."""

    css_class: str
    heading_level: int | None = None
    """1–4 when the whole paragraph is a heading (一、 （一） 1. （1）)."""
    lead: int = 0
    """Number of leading characters set apart (run-in heading, 第一条, a chronicle date)."""
    lead_class: str = ""


def is_standalone_l1(text: str) -> bool:
    return bool(LEVEL1.match(text)) and "。" not in text and len(text) <= STANDALONE_L1_MAX


def classify(text: str, *, structured: bool, chronicle: bool) -> Role | None:
    """The role of a paragraph whose plain text is ``text``; None for ordinary body text."""
    if CHAPTER.match(text) and len(text) <= 30 and "。" not in text:
        return Role("gw-chapter")
    if match := ARTICLE.match(text):
        return Role("gw-article", lead=match.end(), lead_class="gw-article-no")
    if APPENDIX_LABEL.match(text):
        return Role("gw-appendix-label")
    if ATTACHMENTS.match(text):
        return Role("gw-attachments")
    if chronicle:
        if match := CHRONICLE_DATE.match(text):
            return Role("gw-event", lead=match.end(), lead_class="gw-event-date")
        if text.startswith(SAME_DAY):
            return Role("gw-event gw-same-day", lead=1, lead_class="gw-event-mark")
    for level, pattern in ((1, LEVEL1), (2, LEVEL2), (3, LEVEL3), (4, LEVEL4)):
        if pattern.match(text):
            return _numbered(text, level, structured)
    return None


def _numbered(text: str, level: int, structured: bool) -> Role:
    css = f"gw-n{level}"
    if not structured or level > 2:
        return Role(css)
    stop = text.find("。")
    limit = STANDALONE_L1_MAX if level == 1 else STANDALONE_L2_MAX
    if (stop == -1 or stop == len(text) - 1) and len(text) <= limit:
        return Role(css, heading_level=level)
    if 0 < stop <= RUN_IN_MAX:
        return Role(css, lead=stop + 1, lead_class=f"gw-h{level}")
    return Role(css)
