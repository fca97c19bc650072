"""Stage 3: a notice's Markdown body → NoticeBody (semantic HTML shared by PDF and web).

markdown-it parses to tokens; gazette rules transform the tokens (paragraph roles from the
numbering, lead-ins, keep-together tails against 孤字, attachment lists, appendix split) and
small render functions write the HTML. Raw HTML in the source is escaped, never passed on.
Both editions render this same fragment; only their layouts and CSS differ.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.token import Token

from ..diagnostics import Diagnostics, Location
from ..images import image_problem
from ..limits import body_problems
from ..typography import OPENING, compressible_marks
from . import blocks, render, roles
from .blocks import Table

_APPENDIX_LABEL = re.compile(r"^(附件\s*\d*)[\s\u3000]+(.+)$")
_ATTACHMENT_ITEM = re.compile(r"^(附件\s*\d*\s*[：:])?\s*(\d+[.．、](?!\d))?\s*(.*)$")
_NUMBER_RUN = re.compile(r"\d+(?:[.．\-－—~～/:：]\d+)+")


@dataclass(frozen=True, slots=True)
class Appendix:
    """A text a notice carries after its signature: an issued plan, a regulation, 附件 N."""

    label: str | None
    title: str
    html: str


@dataclass(frozen=True, slots=True)
class NoticeBody:
    html: str
    """The notice's own text (before the signature)."""
    appendices: tuple[Appendix, ...]
    paragraphs: tuple[str, ...]
    """Plain text of every paragraph, heading, cell and note, in order (for search and tests)."""
    images: tuple[Path, ...]
    tables: tuple[tuple[Table, int], ...] = ()
    """Every table (the notice's own and its appendices'), with the file line of its block,
    in the order of their ``data-table`` numbers."""
    files: tuple[Path, ...] = ()
    """Every project file the body refers to, found or not (images): what its rendering and
    diagnostics depend on besides its own text (gazette.model keys on them)."""


def make_parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "typographer": False})
    # Numbers such as "1." and indented first lines are gazette text, not lists or code.
    md.disable(["list", "code", "lheading", "html_block", "html_inline"])
    md.use(blocks.gazette_blocks_plugin)
    md.add_render_rule("gazette_block", render.render_block)
    return md


_PARSER: MarkdownIt | None = None


def parser() -> MarkdownIt:
    global _PARSER
    if _PARSER is None:
        _PARSER = make_parser()
    return _PARSER


def render_body(body: str, *, rel: str, body_line: int, source_dir: Path, root: Path,
                chronicle: bool, diags: Diagnostics) -> NoticeBody:
    """Render a notice body; problems go to ``diags`` with file lines."""
    md = parser()
    for problem in body_problems(body):
        diags.error(problem.code, problem.message, Location(rel, body_line + problem.line_offset),
                    problem.hint)
    env: dict = {}
    tokens = md.parse(body, env)
    parts = _split_parts(tokens)
    paragraphs: list[str] = []
    images: list[Path] = []
    files: list[Path] = []
    context = _Context(rel, body_line, source_dir, root, diags, paragraphs, images, files)
    rendered: list[str] = []
    for _title_tokens, part in parts:
        _apply_roles(part, chronicle=chronicle, context=context)
        rendered.append(_render_flows(md, part, env))
    appendices = []
    for (title_tokens, _part), html in zip(parts[1:], rendered[1:], strict=True):
        title = title_tokens.content.strip()
        label = None
        if match := _APPENDIX_LABEL.match(title):
            label, title = match.group(1), match.group(2).strip()
        paragraphs.append(title)
        appendices.append(Appendix(label, title, html))
    tables = tuple((table, body_line + line) for table, line in env.get(render.TABLES_KEY, []))
    return NoticeBody(rendered[0], tuple(appendices), tuple(paragraphs), tuple(images), tables,
                      tuple(dict.fromkeys(files)))


def _render_flows(md: MarkdownIt, tokens: list[Token], env: dict) -> str:
    """Render a part as runs of running text (``div.gw-flow``) between tables.

    Page styles set running text in columns by styling the flows; tables stay outside them
    at full width. (Spanning a table across WeasyPrint columns with column-span loses the
    layout when the table breaks across pages.)
    """
    out: list[str] = []
    flow: list[Token] = []

    def flush() -> None:
        if flow:
            out.append(f'<div class="gw-flow">\n{md.renderer.render(flow, md.options, env)}</div>\n')
            flow.clear()

    for token in tokens:
        if token.type == "gazette_block" and token.info == "表格" and token.level == 0:
            flush()
            out.append(md.renderer.render([token], md.options, env))
        else:
            flow.append(token)
    flush()
    return "".join(out)


@dataclass(slots=True)
class _Context:
    rel: str
    body_line: int
    source_dir: Path
    root: Path
    diags: Diagnostics
    paragraphs: list[str]
    images: list[Path]
    files: list[Path]

    def location(self, token: Token, offset: int = 0) -> Location:
        line = token.map[0] + self.body_line + offset if token.map else None
        return Location(self.rel, line)


def _split_parts(tokens: list[Token]) -> list[tuple[Token | None, list[Token]]]:
    """Split at each level-1 heading: the notice itself, then one part per appendix."""
    parts: list[tuple[Token | None, list[Token]]] = [(None, [])]
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.type == "heading_open" and token.tag == "h1" and token.level == 0:
            parts.append((tokens[i + 1], []))
            i += 3
            continue
        parts[-1][1].append(token)
        i += 1
    return parts


def _is_structured(part: list[Token]) -> bool:
    for i, token in enumerate(part):
        if token.type == "heading_open" and token.tag == "h2":
            return True
        if token.type == "paragraph_open" and roles.is_standalone_l1(part[i + 1].content.strip()):
            return True
    return False


def _check_all_images(part: list[Token], context: _Context) -> None:
    """Images anywhere in the part (paragraphs, headings, block quotes): every inline token
    is checked against the block that holds it."""
    block = None
    for token in part:
        if token.nesting == 1:
            block = token
        elif token.type == "inline" and block is not None:
            _check_images(token, block, context)


def _apply_roles(part: list[Token], *, chronicle: bool, context: _Context) -> None:
    _check_all_images(part, context)
    structured = _is_structured(part)
    i = 0
    while i < len(part):
        token = part[i]
        if token.type == "heading_open":
            level = int(token.tag[1]) - 1  # ## is level 1 (一、)
            token.tag = part[i + 2].tag = f"h{min(level + 2, 6)}"
            token.attrSet("class", f"gw-n{level} gw-heading")
            context.paragraphs.append(part[i + 1].content.strip())
        elif token.type == "paragraph_open" and token.level == 0:
            inline = part[i + 1]
            text = inline.content.strip()
            context.paragraphs.append(text)
            role = roles.classify(text, structured=structured, chronicle=chronicle)
            if role and role.css_class == "gw-attachments":
                part[i: i + 3] = [_attachment_block(inline, token)]
                i += 1
                continue
            _set_paragraph(token, part[i + 2], inline, role)
        elif token.type == "gazette_block":
            render.report_block(token, context)
            context.paragraphs.extend(render.block_texts(token))
        i += 1


def _set_paragraph(open_: Token, close: Token, inline: Token, role: roles.Role | None) -> None:
    if role is None:
        _hold_together(inline, tail=True)
        return
    open_.attrSet("class", role.css_class)
    if role.heading_level:
        open_.tag = close.tag = f"h{role.heading_level + 2}"
        open_.attrJoin("class", "gw-heading")
        _hold_together(inline, tail=False)
        return
    if role.lead:
        _wrap_lead(inline, role.lead, role.lead_class)
    _hold_together(inline, tail=role.css_class not in ("gw-chapter", "gw-appendix-label"))


def _wrap_lead(inline: Token, length: int, css_class: str) -> None:
    """Wrap the first ``length`` characters in a span, if they sit in the first text child."""
    children = inline.children or []
    if not children or children[0].type != "text" or len(children[0].content) < length:
        return
    first = children[0]
    lead, rest = first.content[:length], first.content[length:]
    new = [_html(f'<span class="{css_class}">'), _text(lead), _html("</span>")]
    if rest:
        new.append(_text(rest))
    inline.children = new + children[1:]


def _hold_together(inline: Token, *, tail: bool) -> None:
    """Forbid line breaks inside numbers and before a paragraph's last character, with
    ``<span class="gw-nb">`` (white-space: nowrap in both editions) around the run.

    Numbers (121.6, 2020-2030, 1-8月) stay on one line (GB/T 15835). With ``tail`` the last
    character never stands alone on the paragraph's last line (孤字): it is held to the
    character before it; what follows it is punctuation that cannot start a line anyway.
    No character is added to the text, so copied and extracted text equals the source.
    """
    children = inline.children or []
    last_text = len(children) - 1 if children and children[-1].type == "text" else -1
    out: list[Token] = []
    for index, child in enumerate(children):
        if child.type != "text":
            out.append(child)
            continue
        runs = [m.span() for m in _NUMBER_RUN.finditer(child.content)]
        if tail and index == last_text and (start := _tail_start(child.content)) is not None:
            runs.append((start, len(child.content)))
        out.extend(_nowrap_runs(child.content, runs))
    inline.children = _compress_marks(out)


def _compress_marks(children: list[Token]) -> list[Token]:
    """标点挤压: each mark that :func:`compressible_marks` picks in the paragraph's text
    (pairs may straddle a span) is wrapped in ``<span class="gw-pc">``, set half width by the
    font's 'halt' feature in both editions. Done in the markup, so the line breaker already
    counts the saved half em."""
    texts = [c for c in children if c.type == "text"]
    chosen = set(compressible_marks("".join(t.content for t in texts)))
    out: list[Token] = []
    offset = 0
    for child in children:
        if child.type != "text":
            out.append(child)
            continue
        text, position = child.content, 0
        for index in sorted(i - offset for i in chosen if offset <= i < offset + len(text)):
            if index > position:
                out.append(_text(text[position:index]))
            out += [_html('<span class="gw-pc">'), _text(text[index]), _html("</span>")]
            position = index + 1
        if position < len(text):
            out.append(_text(text[position:]))
        offset += len(text)
    return out


def _tail_start(text: str) -> int | None:
    """Where the unbreakable tail of a paragraph starts: the last two letters or digits and
    the punctuation around them; None when the text has fewer than two."""
    position = len(text)
    while position > 0 and not text[position - 1].isalnum():
        position -= 1
    position -= 1  # the last character itself
    while position > 0 and text[position - 1] in OPENING:
        position -= 1
    if position <= 0:
        return None
    return position - 1


def _nowrap_runs(text: str, runs: list[tuple[int, int]]) -> list[Token]:
    """``text`` as text tokens, with each (merged) run wrapped in a nowrap span."""
    merged: list[list[int]] = []
    for start, end in sorted(runs):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    out: list[Token] = []
    position = 0
    for start, end in merged:
        if start > position:
            out.append(_text(text[position:start]))
        out += [_html('<span class="gw-nb">'), _text(text[start:end]), _html("</span>")]
        position = end
    if position < len(text):
        out.append(_text(text[position:]))
    return out


def _attachment_block(inline: Token, open_: Token) -> Token:
    lines = [line.strip() for line in inline.content.split("\n") if line.strip()]
    token = Token("html_block", "", 0)
    token.map = open_.map
    token.content = attachments_html(lines)
    return token


def attachments_html(lines: list[str] | tuple[str, ...], *, numbered: bool = False) -> str:
    """附件说明: label, then one row per item; wrapped names align with the name's first character.

    Shared by front-matter attachments (``numbered`` when there are several, as GB/T 9704
    prints them) and 附件 paragraphs in the body, which carry their own numbers.
    """
    rows = []
    for index, line in enumerate(lines):
        own_label, number, name = _ATTACHMENT_ITEM.match(line).groups()
        shown_label = own_label or ("附件：" if index == 0 else "")
        if number is None and numbered:
            number = f"{index + 1}."
        cells = [f'<td class="gw-att-label">{escapeHtml(shown_label.strip())}</td>']
        if number:
            cells.append(f'<td class="gw-att-no">{escapeHtml(number)}</td>')
            cells.append(f'<td class="gw-att-name">{render.punct_html(name)}</td>')
        else:
            cells.append(f'<td class="gw-att-name" colspan="2">{render.punct_html(name)}</td>')
        rows.append(f"<tr>{''.join(cells)}</tr>")
    return f'<table class="gw-attachments"><tbody>{"".join(rows)}</tbody></table>\n'


def _check_images(inline: Token, block: Token, context: _Context) -> None:
    for child in inline.children or []:
        if child.type != "image":
            continue
        src = str(child.attrGet("src") or "")
        location = context.location(block)
        parsed = urlparse(src)
        if parsed.scheme or parsed.netloc:
            context.diags.error("image.remote", f"图片必须放在项目中，不能引用外部地址：{src}", location,
                                "把图片文件放到本期文件夹中，用相对路径引用，如 ![说明](images/图1.png)")
            child.attrSet("src", "")  # never loaded, not even by a preview of the failed build
            continue
        path = (context.source_dir / unquote(parsed.path)).resolve()
        context.files.append(path)
        if not path.is_relative_to(context.root.resolve() / "content"):
            context.diags.error("image.outside", f"图片路径超出了 content/ 目录：{src}", location)
            child.attrSet("src", "")
        elif not path.exists():
            context.diags.error("image.missing", f"找不到图片文件：{src}", location,
                                "检查文件名和相对路径（相对于这篇稿件所在的文件夹）")
        elif problem := image_problem(path):
            context.diags.error("image.invalid", f"图片不能使用：{src}：{problem}", location,
                                "印刷版和网页版都不会收录这张图片；请换成正常的 PNG、JPEG 或不含脚本和外部引用的 SVG")
            child.attrSet("src", "")
        else:
            context.images.append(path)
        if not child.content.strip():
            context.diags.warning("image.alt", f"图片缺少说明文字：{src}", location,
                                  "写成 ![图片说明](路径)，网页版用它作替代文字")


def _text(content: str) -> Token:
    token = Token("text", "", 0)
    token.content = content
    return token


def _html(content: str) -> Token:
    token = Token("html_inline", "", 0)
    token.content = content
    return token
