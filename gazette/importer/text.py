"""Text helpers shared by the stages. None of them changes wording: they only drop spaces the
extraction put inside Chinese text and recognise the shapes of dates, 文号 and headings."""

from __future__ import annotations

import datetime as dt
import re

_CJK = r"\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef\u2014\u2018-\u201d\u2026\u00b7"
_CJK_CHAR = re.compile(f"[{_CJK}]")
_SEAM = re.compile(rf"(?<=[{_CJK}])[ \t\u00a0]+(?=[{_CJK}0-9%])"
                   rf"|(?<=[{_CJK}0-9%])[ \t\u00a0]+(?=[{_CJK}])")
"""Spaces an extraction leaves in Chinese text. An ideographic space (U+3000) is never a seam:
it is set on purpose (after 第一条, between joint issuers)."""
_SLASH = re.compile(rf"(?<=[{_CJK}0-9])[ \t]*/[ \t]*(?=[{_CJK}0-9])")

DATE = re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日$")
DOC_NUMBER = re.compile(r"^([^\s，。；：、（）()]{1,16}?)\s*[〔\[［【(（]\s*(\d{4})\s*[〕\]］】)）]"
                        r"\s*(?:第\s*)?(\d{1,4})\s*号$")
ORDER_NUMBER = re.compile(r"^第\s*(\d{1,4})\s*号$")
NOTE = re.compile(r"^[（(]\s*(此件[^）)]*)\s*[）)]$")
LEADERS = re.compile(r"(?:\s*[.．…·⋯]{2,}\s*|\t+\s*)(\d{1,4})\s*$")
SECTION = re.compile(r"^【\s*([^】]+?)\s*】\s*(.*)$")
HEADING = re.compile(r"^(?:[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）|\(\S{1,3}\)|"
                     r"\d{1,2}[.．、](?!\d)|（\d{1,2}）|第[一二三四五六七八九十百]+[章节条])")
SENTENCE_END = "。！？；：:;!?"
TITLE_END = re.compile(r"(通知|决定|意见|办法|批复|规定|方案|公告|通告|报告|函|令|细则|规划|计划|"
                       r"要点|纲要|规则|制度|名单|大事记|情况|预案|标准|通报|指引|清单|目录|的复函)$")
ORGAN_TAIL = re.compile(r"^(办公室|委员会|人民政府|政府|办|委)")
ORGAN_END = re.compile(r"(委员会|委|政府|办公室|办事处|局|厅|院|部|会|中心|组|处|室|社|所|馆|队|团|"
                       r"公司|区|市|县|镇|街道)$")


def squeeze(text: str) -> str:
    """Drop the spaces extraction left inside Chinese text (``2020 年 8 月`` → ``2020年8月``)."""
    text = text.strip()
    if re.fullmatch(r"(?:\S[ \u3000]){3,}\S", text):
        return text.replace(" ", "").replace("\u3000", "")
    previous = None
    while previous != text:
        previous = text
        text = _SEAM.sub("", text)
    return _SLASH.sub("/", text)


def norm(text: str) -> str:
    """A key for comparing titles: no spaces, one form of brackets and dashes."""
    table = str.maketrans({"(": "（", ")": "）", "<": "〈", ">": "〉", "[": "〔", "]": "〕",
                           "―": "—", "－": "-", "–": "-", ",": "，", ":": "：", ";": "；",
                           "“": "\"", "”": "\"", "‘": "'", "’": "'", "〈": "《", "〉": "》",
                           "<": "《", ">": "》"})
    return re.sub(r"[\s\u3000]+", "", text).translate(table)


def is_cjk(text: str) -> bool:
    return bool(_CJK_CHAR.search(text))


def parse_date(text: str) -> dt.date | None:
    match = DATE.match(text.strip())
    if not match:
        return None
    try:
        return dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def parse_doc_number(text: str) -> str | None:
    """``银政函〔2020〕49 号`` → ``银政函〔2020〕49号``; None when the line is not a 文号."""
    match = DOC_NUMBER.match(text.strip())
    if not match or not is_cjk(match[1]):
        return None
    return f"{match[1]}〔{match[2]}〕{int(match[3])}号"


def parse_note(text: str) -> str | None:
    match = NOTE.match(text.strip())
    return squeeze(match[1]) if match else None


def title_text(parts: list[str]) -> str:
    """Join title lines: seam spaces go; a space between two organ names in the issuer part of
    a joint title becomes an ideographic space (中共银川市委　银川市人民政府关于……)."""
    joined = ""
    for part in (p.strip() for p in parts if p.strip()):
        if joined and ORGAN_END.search(squeeze(joined)) and not ORGAN_TAIL.match(part):
            joined += " "
        joined += part
    joined = re.sub(r"[ \t\u00a0]+", " ", joined)
    match = re.search(r"(关于|印发)", joined)
    if not match:
        return squeeze(joined)
    head, tail = joined[:match.start()], joined[match.start():]
    words = [w for w in re.split(r"[ \u3000]+", head) if w]
    if len(words) >= 2 and all(ORGAN_END.search(squeeze(w)) for w in words):
        return "\u3000".join(squeeze(w) for w in words) + squeeze(tail)
    if len(words) >= 3 and all(ORGAN_END.search(squeeze(w)) for w in words[:-1]):
        return "\u3000".join(squeeze(w) for w in words[:-1]) + "\u3000" + squeeze(words[-1] + tail)
    return squeeze(joined)
