"""Lint rules: what ``gazette check`` reports beyond the validators that ``build`` shares.

The shared validators (stages 1–4, :func:`gazette.issue.load_issue`) decide whether an issue
can be built at all. The rules here look at the text as editors typed it — spaces and
half-width punctuation left by Word or PDF extraction, unbalanced brackets, characters no
bundled font has — and at facts that need more than one file: the issue's publication date,
the previous issue, every 发文字号 in the archive.

Each rule is a small function yielding :class:`Finding`; :data:`RULES` gives it a code and a
severity. A finding may carry a replacement; it becomes an :class:`~gazette.diagnostics.Edit`
only where the text's columns are exact, and ``--fix`` applies nothing else.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .content import DOC_NUMBER, IssueMeta, NoticeMeta, split_front_matter
from .diagnostics import Diagnostic, Diagnostics, Edit, GazetteError, Location, Severity
from .fonts import coverage
from .markup import blocks, roles
from .sources import YamlDocument

HAN = "\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
CJK_PUNCT = "，。、；：？！…—·“”‘’《》〈〉（）【】〔〕「」『』〖〗％"
"""Full-width punctuation of Chinese text (without the ideographic space U+3000)."""
_CJK = f"{HAN}{CJK_PUNCT}"
_IS_HAN = re.compile(f"[{HAN}]")
_IS_CJK = re.compile(f"[{_CJK}]")

TEXT_FIELDS = ("title", "number_line", "addressees", "attachments", "issuer", "note")
"""Front-matter fields holding text that is printed (and so is linted like the body)."""


def is_han(char: str) -> bool:
    return bool(char) and bool(_IS_HAN.match(char))


def is_cjk(char: str) -> bool:
    return bool(char) and bool(_IS_CJK.match(char))


@dataclass(frozen=True, slots=True)
class TextSpan:
    """A piece of editor text and where it is written: a body line or a front-matter value."""

    text: str
    line: int
    column: int
    """1-based file column of ``text[0]``."""
    kind: str
    """body, heading, names, table or code (lines of the body), or a front-matter field."""
    exact: bool = True
    """False for YAML values whose characters do not map one to one onto file columns."""

    def finding(self, offset: int, message: str, hint: str | None = None, *,
                original: str = "", replacement: str | None = None) -> Finding:
        """A finding at ``text[offset]``; with ``replacement`` for ``original`` if fixable."""
        column = self.column + offset if self.exact else self.column
        edit = None
        if replacement is not None and self.exact:
            edit = Edit(self.line, self.column + offset, original, replacement)
        return Finding(message, self.line, column, hint, edit)


@dataclass(frozen=True, slots=True)
class Finding:
    message: str
    line: int | None
    column: int | None = None
    hint: str | None = None
    edit: Edit | None = None
    path: str | None = None
    """Only for issue rules, which may point into any file; notice findings are in the notice."""


@dataclass(frozen=True, slots=True)
class LintNotice:
    rel: str
    spans: tuple[TextSpan, ...]
    paragraphs: tuple[tuple[TextSpan, ...], ...]
    """Body paragraphs (consecutive plain lines), and each front-matter value on its own."""
    doc: YamlDocument
    meta: NoticeMeta | None
    """None when the front matter is invalid (already reported by the shared validators)."""
    drawable: frozenset[int]
    """Code points some bundled font can draw."""


@dataclass(frozen=True, slots=True)
class ArchivedNumber:
    number: str
    """The 发文字号 with its brackets normalised to 〔〕."""
    rel: str
    line: int | None
    issue: str


@dataclass(frozen=True, slots=True)
class LintIssue:
    key: str
    rel: str
    """content/<issue>/issue.yaml"""
    meta: IssueMeta | None
    doc: YamlDocument | None
    notices: tuple[LintNotice, ...]
    previous: IssueMeta | None
    """The issue before this one in content/ (None for the first or an invalid one)."""
    archive: tuple[ArchivedNumber, ...]
    """发文字号 of every notice in the other issues of content/."""


@dataclass(frozen=True, slots=True)
class Rule:
    code: str
    severity: Severity
    check: Callable[[LintNotice], Iterable[Finding]] | Callable[[LintIssue], Iterable[Finding]]
    scope: str
    """"notice" (called once per notice) or "issue" (once per issue)."""
    doc: str = ""


# ---------------------------------------------------------------------------- text rules

_HAN_SPACE = re.compile(f"(?<=[{_CJK}])[ \\t]+(?=[{_CJK}])")
_HALFWIDTH = {",": "，", ";": "；", ":": "：", "?": "？", "!": "！"}
_HALFWIDTH_MARKS = frozenset(_HALFWIDTH) | set('.()"')


_ORG_END = set("委府室厅局部院署会")
_ORG_NEXT = re.compile("[^\\s，。、；：“”《》〈〉（）]{1,20}?(?:委员会|政府|党委|办公室|办公厅|[委厅局部院署会])"
                       "(?=关于|[〈《　 ]|$)")


def spaces_between_han(notice: LintNotice) -> Iterator[Finding]:
    """ASCII spaces between Chinese characters: left by Word, PDF extraction or padding.

    The ideographic space U+3000 is never reported: it separates joint issuers
    (中共银川市委办公室　银川市人民政府办公室) and follows 第一条 on purpose. An ASCII space in
    those places becomes U+3000; a stray one is removed. After an organisation's name, or in
    a signature (银川市市长　杨玉经), a space may be either, so unless the next words are clearly
    another organisation it is only reported.
    """
    for span in notice.spans:
        if span.kind in ("names", "code"):
            continue  # in a name list a space separates name and post; code is verbatim
        chapter = span.kind == "body" and roles.CHAPTER.match(span.text) and "。" not in span.text
        article = roles.ARTICLE.match(span.text) if span.kind == "body" else None
        for match in _HAN_SPACE.finditer(span.text):
            start, space = match.start(), match.group()
            if span.kind == "issuer":
                yield span.finding(start, "发文机关署名中有半角空格",
                                   "职务与姓名之间（如 某某市市长　张三）用全角空格“　”；否则删去空格")
            elif chapter or (article and start == article.end()):
                yield span.finding(start, "此处应为全角空格“　”，不是半角空格",
                                   original=space, replacement="\u3000")
            elif span.text[start - 1] in _ORG_END and _ORG_NEXT.match(span.text, match.end()):
                yield span.finding(start, "联合发文机关名称之间应为全角空格“　”，不是半角空格",
                                   original=space, replacement="\u3000")
            elif span.text[start - 1] in _ORG_END:
                yield span.finding(start, "机关名称后有半角空格",
                                   "如果是联合发文机关之间的间隔，请改用全角空格“　”；否则删去空格")
            else:
                yield span.finding(start, "汉字之间有多余的空格",
                                   original=space, replacement="")


def halfwidth_punctuation(notice: LintNotice) -> Iterator[Finding]:
    """, ; : ? ! . ( ) " typed half-width inside Chinese text (numbers, URLs and Markdown
    link syntax are left alone)."""
    for span in notice.spans:
        if span.kind == "code":
            continue
        text = span.text
        if _HALFWIDTH_MARKS.isdisjoint(text):
            continue  # most spans: nothing half-width to look at
        for index, char in enumerate(text):
            before = text[index - 1] if index else ""
            after = text[index + 1] if index + 1 < len(text) else ""
            if char == "!" and after == "[":
                continue  # Markdown image: ![说明](路径)
            if char in _HALFWIDTH and (is_cjk(before) or (is_han(after) and not before.isalnum())):
                yield _width(span, index, char, _HALFWIDTH[char])
            elif char == "." and is_han(before) and (not after or after.isspace() or is_cjk(after)):
                yield _width(span, index, ".", "。")
        yield from _paired(span, "括号", "(", ")", "（", "）")
        yield from _paired(span, "引号", '"', '"', "“", "”")


def _width(span: TextSpan, index: int, char: str, full: str) -> Finding:
    return span.finding(index, f"中文里应使用全角标点“{full}”，不是半角“{char}”",
                        original=char, replacement=full)


def _paired(span: TextSpan, name: str, open_: str, close: str, full_open: str,
            full_close: str) -> Iterator[Finding]:
    """Half-width brackets or quotes around or next to Chinese text, converted as pairs."""
    text = span.text
    stack: list[int] = []
    pairs: list[tuple[int, int | None]] = []
    for index, char in enumerate(text):
        if open_ == close == char:
            if stack:
                pairs.append((stack.pop(), index))
            else:
                stack.append(index)
        elif char == open_:
            if index and text[index - 1] == "]":
                stack.append(-1)  # Markdown link or image target: ](...)
            else:
                stack.append(index)
        elif char == close:
            if stack:
                pairs.append((stack.pop(), index))
            else:
                pairs.append((index, None))
    pairs += [(index, None) for index in stack]
    message = f"中文里应使用全角{name}{full_open}{full_close}，不是半角{name}{open_}{close}"
    for start, end in pairs:
        if start < 0:
            continue
        if end is None:
            if is_cjk(text[start - 1: start]) or is_cjk(text[start + 1: start + 2]):
                yield span.finding(start, message, f"这个“{text[start]}”没有配对，请核对")
            continue
        inner = text[start + 1: end]
        outside = text[start - 1: start] + text[end + 1: end + 2]
        if _IS_HAN.search(inner) or any(is_cjk(char) for char in outside):
            yield span.finding(start, message, original=open_, replacement=full_open)
            yield span.finding(end, message, original=close, replacement=full_close)


_PAIRS = (("《", "》"), ("（", "）"), ("“", "”"))


def unbalanced_brackets(notice: LintNotice) -> Iterator[Finding]:
    """《》（）“” that do not pair up within a paragraph (often a lost line or a typo)."""
    for paragraph in notice.paragraphs:
        for open_, close in _PAIRS:
            if not any(open_ in span.text or close in span.text for span in paragraph):
                continue
            stack: list[tuple[TextSpan, int]] = []
            for span in paragraph:
                for index, char in enumerate(span.text):
                    if char == open_:
                        stack.append((span, index))
                    elif char == close:
                        if stack:
                            stack.pop()
                        else:
                            yield span.finding(index, f"多出一个“{close}”，前面没有对应的“{open_}”")
            for span, index in stack:
                yield span.finding(index, f"“{open_}”没有对应的“{close}”")


_QUOTE_STYLES = (("“”", "“”"), ("「」", "「」『』"), ('"', '"'))
_QUOTE_MARKS = frozenset("".join(chars for _, chars in _QUOTE_STYLES))


def mixed_quotes(notice: LintNotice) -> Iterator[Finding]:
    """A notice quoting with more than one style (“” and 「」 or ")."""
    first: dict[str, tuple[TextSpan, int]] = {}
    counts: dict[str, int] = {}
    for span in notice.spans:
        if span.kind == "code" or _QUOTE_MARKS.isdisjoint(span.text):
            continue
        for index, char in enumerate(span.text):
            for name, chars in _QUOTE_STYLES:
                if char in chars:
                    first.setdefault(name, (span, index))
                    counts[name] = counts.get(name, 0) + 1
    if len(first) < 2:
        return
    for name, (span, index) in first.items():
        if name != "“”":
            yield span.finding(index, f"引号用法不统一：这篇稿件既用“”，也用 {name}（{counts[name]} 处）",
                               "简体中文公文统一用“”，引号内再引用时用‘’")


_SENTENCE_END = re.compile("[。！？；：…!?;:][”’》）」』]*$|——$")
_NUMBERED = (roles.LEVEL1, roles.LEVEL2, roles.LEVEL3, roles.LEVEL4, roles.CHAPTER,
             roles.ARTICLE)


def broken_lines(notice: LintNotice) -> Iterator[Finding]:
    """A paragraph line that stops mid-sentence: a line break left over from PDF extraction.

    The break becomes a space in print. Attachment lists (附件：1. … 2. …) and Markdown hard
    breaks (two trailing spaces) break lines on purpose.
    """
    for paragraph in _body_paragraphs(notice):
        if roles.ATTACHMENTS.match(paragraph[0].text.strip()):
            continue
        for span, following in zip(paragraph, paragraph[1:], strict=False):
            text = span.text.rstrip()
            if span.text.endswith("  ") or text.endswith("\\"):
                continue
            if any(p.match(following.text.strip()) for p in _NUMBERED):
                continue  # reported by missing_blank_line
            if not _SENTENCE_END.search(text):
                yield span.finding(len(text), "句子中间换行了（可能是从 PDF 复制时留下的）",
                                   "把下一行接到这一行末尾；段与段之间空一行")


def missing_blank_line(notice: LintNotice) -> Iterator[Finding]:
    """A numbered line (一、 （一） 第一条 …) right under another line: Markdown joins the two
    into one paragraph, so the heading is lost."""
    for paragraph in _body_paragraphs(notice):
        if roles.ATTACHMENTS.match(paragraph[0].text.strip()):
            continue
        for following in paragraph[1:]:
            if any(p.match(following.text.strip()) for p in _NUMBERED):
                yield following.finding(0, "编号段落与上一行之间缺少空行，会被并入上一段",
                                        "在这一行之前加一个空行")


def _body_paragraphs(notice: LintNotice) -> Iterator[tuple[TextSpan, ...]]:
    return (p for p in notice.paragraphs if len(p) > 1 and p[0].kind == "body")


def missing_glyphs(notice: LintNotice) -> Iterator[Finding]:
    """Characters that no bundled font can draw: they would print as empty boxes."""
    seen: set[str] = set()
    for span in notice.spans:
        if all(ord(char) in notice.drawable for char in set(span.text).difference("\t\r\n")):
            continue
        for index, char in enumerate(span.text):
            if char in seen or char in "\t\r\n" or ord(char) in notice.drawable:
                continue
            seen.add(char)
            count = sum(s.text.count(char) for s in notice.spans)
            name = repr(char)[1:-1] if not char.isprintable() else char
            yield span.finding(index, f"随附字体中没有字符“{name}”（U+{ord(char):04X}），"
                               f"印出来会是方框（共 {count} 处）",
                               "核对是否是录入错误；生僻字请在 config.yaml 的 fonts.fallback 中加入含有它的字体")


_LATIN_WORD = re.compile(f"(?<=[{_CJK}])[ ]*([a-z]{{2,}})[ ]*(?=[{_CJK}])")


def latin_words(notice: LintNotice) -> Iterator[Finding]:
    """A lower-case English word inside a Chinese sentence (工业 and 信息化): usually left over
    from a bilingual source. Acronyms (GDP, PM2.5) are upper case and are not reported."""
    for span in notice.spans:
        if span.kind == "code":
            continue
        for match in _LATIN_WORD.finditer(span.text):
            yield span.finding(match.start(1), f"中文句子中夹有英文单词“{match.group(1)}”",
                               "核对原文：如果是误录入的，请删去或改为中文")


_RAW_HTML = re.compile(r"<!--|</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>")


def raw_html(notice: LintNotice) -> Iterator[Finding]:
    """HTML in a notice never takes effect (it is escaped), so it would print as code."""
    for span in notice.spans:
        if span.kind == "code":
            continue
        for match in _RAW_HTML.finditer(span.text):
            yield span.finding(match.start(), f"HTML 标签“{match.group()[:40]}”不会生效，会按原样印出",
                               "公报稿件只用 Markdown 写法；删去 HTML 标签")


_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")


def bidi_controls(notice: LintNotice) -> Iterator[Finding]:
    """Invisible direction overrides make text display in another order than it is stored
    (a 文号 or a date can read differently on screen than in the file or the search index)."""
    for span in notice.spans:
        for match in _BIDI.finditer(span.text):
            yield span.finding(match.start(), f"不可见的文字方向控制字符 U+{ord(match.group()):04X}，"
                               "会使显示的顺序与实际文字不同",
                               "删去它；从网页或其他软件复制文字时常会带进来")


# -------------------------------------------------------------------------- notice rules

def date_after_published(issue: LintIssue) -> Iterator[Finding]:
    """成文日期 after the issue went to press: a typo in one of the two dates."""
    if issue.meta is None:
        return
    for notice in issue.notices:
        if notice.meta and notice.meta.date and notice.meta.date > issue.meta.published:
            line, column, _ = notice.doc.value_position(("date",))
            yield Finding(f"成文日期 {notice.meta.date.isoformat()} 晚于本期出版日期 "
                          f"{issue.meta.published.isoformat()}", line, column,
                          "核对 date（成文日期）和 issue.yaml 中的 published", path=notice.rel)


def duplicate_doc_numbers(issue: LintIssue) -> Iterator[Finding]:
    """A 发文字号 already published in another issue: a copied file or a wrong number."""
    published = {entry.number: entry for entry in issue.archive}
    for notice in issue.notices:
        number = raw_doc_number(notice.doc)
        if number and (other := published.get(number)):
            line, column, _ = notice.doc.value_position(("doc_number",))
            yield Finding(f"发文字号 {number} 已在 {other.issue} 期刊登过（{other.rel}）",
                          line, column, "同一份文件不应刊登两次；请核对发文字号", path=notice.rel)


def issue_sequence(issue: LintIssue) -> Iterator[Finding]:
    """期号 continues from the previous issue in content/: +1 in the same year, 1 in a new one."""
    meta, previous = issue.meta, issue.previous
    if meta is None or previous is None or issue.doc is None:
        return
    hint = "核对 year 和 number；如果缺的那一期不在 content/ 中，请先补上"
    if meta.year < previous.year:
        line, column, _ = issue.doc.value_position(("year",))
        yield Finding(f"年份 {meta.year} 早于上一期 {previous.label}（{previous.key}）", line, column,
                      "期次文件夹按名称排序，应与出版顺序一致；请核对 year 或文件夹名",
                      path=issue.rel)
        return
    if meta.year > previous.year + 1:
        return  # whole years are missing from content/: an archive being filled in
    expected = previous.number + 1 if meta.year == previous.year else 1
    if meta.number != expected:
        line, column, _ = issue.doc.value_position(("number",))
        yield Finding(f"期号不连续：上一期是 {previous.label}（{previous.key}），"
                      f"这一期的期号应为 {expected}，实际是 {meta.number}（{meta.label}）", line, column,
                      hint, path=issue.rel)


def cumulative_sequence(issue: LintIssue) -> Iterator[Finding]:
    """总第N期 is one more than the previous issue's."""
    meta, previous = issue.meta, issue.previous
    if meta is None or previous is None or issue.doc is None:
        return
    if meta.cumulative is None or previous.cumulative is None:
        return
    if meta.cumulative != previous.cumulative + 1:
        line, column, _ = issue.doc.value_position(("cumulative",))
        yield Finding(f"总期号不连续：上一期（{previous.key}）是总第{previous.cumulative}期，"
                      f"这一期应为总第{previous.cumulative + 1}期，实际是总第{meta.cumulative}期",
                      line, column, "核对 cumulative", path=issue.rel)


RULES: tuple[Rule, ...] = (
    Rule("text.space", Severity.WARNING, spaces_between_han, "notice", "汉字之间的半角空格"),
    Rule("text.halfwidth-punct", Severity.WARNING, halfwidth_punctuation, "notice",
         "中文里的半角标点"),
    Rule("text.unbalanced", Severity.WARNING, unbalanced_brackets, "notice", "《》（）“”不成对"),
    Rule("text.mixed-quotes", Severity.WARNING, mixed_quotes, "notice", "引号用法不统一"),
    Rule("text.broken-line", Severity.WARNING, broken_lines, "notice", "句子中间换行"),
    Rule("text.missing-blank-line", Severity.WARNING, missing_blank_line, "notice",
         "编号段落前缺少空行"),
    Rule("text.latin-word", Severity.WARNING, latin_words, "notice", "中文句子中的英文单词"),
    Rule("text.raw-html", Severity.WARNING, raw_html, "notice", "稿件中的 HTML 标签"),
    Rule("text.bidi", Severity.WARNING, bidi_controls, "notice", "文字方向控制字符"),
    # Missing glyphs are errors because the build refuses them too (render.missing-glyph).
    Rule("text.missing-glyph", Severity.ERROR, missing_glyphs, "notice", "字体中没有的字符"),
    Rule("notice.date-after-published", Severity.ERROR, date_after_published, "issue",
         "成文日期晚于出版日期"),
    Rule("doc-number.duplicate", Severity.ERROR, duplicate_doc_numbers, "issue",
         "发文字号在往期中重复"),
    Rule("issue.number-sequence", Severity.ERROR, issue_sequence, "issue", "期号不连续"),
    Rule("issue.cumulative-sequence", Severity.ERROR, cumulative_sequence, "issue",
         "总期号不连续"),
)


def run_rules(issue: LintIssue, diags: Diagnostics, rules: Iterable[Rule] = RULES) -> None:
    for rule in rules:
        if rule.scope == "issue":
            for finding in rule.check(issue):
                diags.add(rule_diagnostic(rule, finding, finding.path or issue.rel))
        else:
            for notice in issue.notices:
                for finding in rule.check(notice):
                    diags.add(rule_diagnostic(rule, finding, notice.rel))


def rule_diagnostic(rule: Rule, finding: Finding, path: str) -> Diagnostic:
    return Diagnostic(rule.severity, rule.code, finding.message,
                      Location(path, finding.line, finding.column), finding.hint,
                      (finding.edit,) if finding.edit else ())


# ------------------------------------------------------------------------- reading input
# The files are read once, with the shared validators, by gazette.model.ProjectModel.


def raw_doc_number(doc: YamlDocument) -> str | None:
    """The 发文字号 as written, brackets normalised, so 银政发[2020]71号 matches 〔2020〕."""
    data = doc.data if isinstance(doc.data, dict) else {}
    value = data.get("doc_number")
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        return None
    text = str(value).strip()
    if match := DOC_NUMBER.match(text):
        return f"{match['agency']}〔{match['year']}〕{int(match['seq'])}号"
    return text or None


def notice_from_text(rel: str, text: str, fonts: tuple[Path, ...]) -> LintNotice | None:
    """A notice built from text alone (no config lookup of meta), for tests and ``--fix``."""
    try:
        front = split_front_matter(text, rel)
    except GazetteError:
        return None
    spans = front_matter_spans(front.doc) + body_spans(front.body, front.body_line)
    return LintNotice(rel, tuple(spans), tuple(paragraphs(spans)), front.doc, None,
                      coverage(fonts))


def front_matter_spans(doc: YamlDocument) -> list[TextSpan]:
    data = doc.data if isinstance(doc.data, dict) else {}
    spans = []
    for key in TEXT_FIELDS:
        value = data.get(key)
        items = list(enumerate(value)) if isinstance(value, list) else [(None, value)]
        for index, item in items:
            if not isinstance(item, str):
                continue
            path = (key,) if index is None else (key, index)
            line, column, exact = doc.value_position(path)
            if line is not None and column is not None:
                spans.append(TextSpan(item, line, column, key, exact and "\n" not in item))
    return spans


_FENCE = re.compile(r"^\s*(```|~~~)")


def body_spans(body: str, body_line: int) -> list[TextSpan]:
    """Each body line with its kind; ``::: 名单`` lines, table lines and code are told apart."""
    spans = []
    block: str | None = None
    fence: str | None = None
    for index, raw in enumerate(body.split("\n")):
        line = raw.removesuffix("\r")
        number = body_line + index
        stripped = line.strip()
        if fence:
            if stripped.startswith(fence):
                fence = None
            else:
                spans.append(TextSpan(line, number, 1, "code"))
            continue
        if block:
            if stripped == ":::":
                block = None
            elif stripped:
                spans.append(TextSpan(line, number, 1, "names" if block == "名单" else "table"))
            continue
        if match := _FENCE.match(line):
            fence = match.group(1)
        elif (match := blocks._OPEN.match(stripped)) and match.group(1) in blocks.BLOCK_NAMES:
            block = match.group(1)
            if title := match.group(2):
                spans.append(TextSpan(title, number, line.index(title) + 1, "table"))
        elif stripped.startswith("#"):
            spans.append(TextSpan(line, number, 1, "heading"))
        elif stripped:
            spans.append(TextSpan(line, number, 1, "body"))
        else:
            spans.append(TextSpan("", number, 1, "blank"))
    return spans


def paragraphs(spans: list[TextSpan]) -> list[tuple[TextSpan, ...]]:
    """Consecutive body lines form a paragraph; every other span stands alone."""
    groups: list[list[TextSpan]] = []
    previous: TextSpan | None = None
    for span in spans:
        if span.kind == "blank":
            previous = None
            continue
        if (span.kind == "body" and previous is not None and previous.kind == "body"
                and span.line == previous.line + 1):
            groups[-1].append(span)
        else:
            groups.append([span])
        previous = span
    return [tuple(g) for g in groups]


