"""Stages 1–2: content/<issue>/ → IssueMeta + NoticeSource list (front matter validated).

An issue folder holds ``issue.yaml`` and one Markdown file per notice. Each notice is read,
its YAML front matter split off and validated into a typed :class:`NoticeMeta`; the Markdown
body is kept as text with the file line it starts on, for the markup stage.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .config import PRESENTATION_KEYS, Config, Project, presentation
from .diagnostics import Diagnostic, Diagnostics, Edit, GazetteError, Location, Severity, relative
from .limits import MAX_TITLE_CHARS
from .schema import (Field, Invalid, one_of, to_date, to_positive_int, to_text, to_text_list,
                     validate)
from .sources import YamlDocument, load_yaml, read_text

NOTICE_KINDS = ("notice", "chronicle", "data")
_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)^---[ \t]*\r?\n?", re.S | re.M)
_OPENING_FENCE = re.compile(r"\A---[ \t]*\r?\n")
DOC_NUMBER = re.compile(
    r"^(?P<agency>[^\s\d〔〕\[\]【】［］()（）第号]+)"
    r"(?P<open>[〔\[【［(（])(?P<year>[0-9]{4})(?P<close>[〕\]】］)）])"
    r"(?P<di>第)?(?P<seq>[0-9]+)号$")
"""发文字号 as GB/T 9704 §7.2.4 writes it: 机关代字〔年份〕序号号. Wrong brackets, 第 and leading
zeros are matched here so that each gets its own message instead of a generic one."""


@dataclass(frozen=True, slots=True)
class BoardRole:
    role: str
    names: tuple[str, ...]
    note: str | None = None


@dataclass(frozen=True, slots=True)
class IssueMeta:
    """One numbered publication: 2020年第7期（总第358期）, published 2020-09-25."""

    key: str
    """The folder name under content/ (2020-07); also the build folder."""
    year: int
    number: int
    cumulative: int | None
    published: dt.date
    board: tuple[BoardRole, ...]
    colophon: tuple[tuple[str, tuple[str, ...]], ...]
    """Issue-specific colophon entries that override or extend config.yaml's."""
    label: str = ""
    """The issue as this gazette prints it (2020年第7期, 2019.NO.4), from config labels.issue."""
    cumulative_label: str | None = None
    """总第358期, from config labels.cumulative; None without a cumulative number."""
    layout: tuple[tuple[str, object], ...] = ()
    """This issue's ``layout:`` in issue.yaml: Config fields it prints differently."""

    def __post_init__(self) -> None:
        if not self.label:
            object.__setattr__(self, "label", f"{self.year}年第{self.number}期")
        if self.cumulative_label is None and self.cumulative is not None:
            object.__setattr__(self, "cumulative_label", f"总第{self.cumulative}期")


@dataclass(frozen=True, slots=True)
class NoticeMeta:
    title: str
    doc_number: str | None
    number_line: str | None
    section: str
    order: int
    addressees: str | None
    attachments: tuple[str, ...]
    issuers: tuple[str, ...]
    date: dt.date | None
    note: str | None
    kind: str
    slug: str | None
    printed_page: int | None = None
    """The page the notice starts on in the printed issue (its 目录), for drift reports."""


@dataclass(frozen=True, slots=True)
class NoticeSource:
    """A notice file read and its front matter validated; the body is still Markdown."""

    path: Path
    rel: str
    meta: NoticeMeta
    body: str
    body_line: int
    """1-based file line of the body's first line (for diagnostics from the markup stage)."""
    meta_lines: dict[str, int]


def _board(value: Any) -> tuple[BoardRole, ...]:
    if not isinstance(value, list):
        raise Invalid("应为列表，每项含 role 和 names")
    roles = []
    for item in value:
        if not isinstance(item, dict) or "role" not in item or "names" not in item:
            raise Invalid("每项应含 role（职务）和 names（姓名列表）")
        note = item.get("note")
        roles.append(BoardRole(to_text(item["role"]), to_text_list(item["names"]),
                               to_text(note) if note is not None else None))
    return tuple(roles)


def _colophon_overrides(value: Any) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if not isinstance(value, dict):
        raise Invalid("应为“项目: 内容”的映射")
    return tuple((to_text(k), to_text_list(v)) for k, v in value.items())


def _attachment_names(value: Any) -> tuple[str, ...]:
    """附件说明: one name per item; a line break inside one would be lost in print."""
    names = to_text_list(value)
    if any("\n" in name for name in names):
        raise Invalid("每项只能写一行；多个附件请分成多项")
    return names


ISSUE_FIELDS = [
    Field("year", to_positive_int, required=True, label="年份"),
    Field("number", to_positive_int, required=True, label="期号"),
    Field("cumulative", to_positive_int, label="总期号"),
    Field("published", to_date, required=True, label="出版日期"),
    Field("board", _board, default=(), label="编辑委员会"),
    Field("colophon", _colophon_overrides, default=(), label="版权页"),
    Field("layout", lambda v: v, label="本期版式"),
]

NOTICE_FIELDS = [
    Field("title", to_text, required=True, label="标题"),
    Field("doc_number", to_text, label="发文字号"),
    Field("number_line", to_text, label="字号行"),
    Field("section", to_text, required=True, label="栏目"),
    Field("order", to_positive_int, required=True, label="栏目内顺序"),
    Field("addressees", to_text, label="主送机关"),
    Field("attachments", _attachment_names, default=(), label="附件"),
    Field("issuer", to_text_list, default=(), label="发文机关"),
    Field("date", to_date, label="成文日期"),
    Field("note", to_text, label="附注"),
    Field("kind", one_of(*NOTICE_KINDS), default="notice", label="类型"),
    Field("slug", to_text, label="固定链接"),
    Field("printed_page", to_positive_int, label="印刷版起始页"),
]


def issue_dirs(config: Config) -> list[Path]:
    """Every issue folder of one gazette, oldest first (folders named so they sort by date)."""
    if not config.content_dir.is_dir():
        return []
    return sorted(p for p in config.content_dir.iterdir()
                  if p.is_dir() and not p.name.startswith((".", "_")))


def find_issue(config: Config, key: str | None) -> Path:
    """The issue folder ``key`` of this gazette (default: its latest issue)."""
    dirs = issue_dirs(config)
    if key is None:
        if not dirs:
            raise GazetteError.at("content.no-issue", f"{relative(config.content_dir, config.root)}/"
                                  " 中没有任何一期", relative(config.content_dir, config.root))
        return dirs[-1]
    for path in dirs:
        if path.name == key:
            return path
    names = "、".join(config.issue_address(p.name) for p in dirs) or "（无）"
    raise GazetteError.at("content.no-issue", f"找不到这一期：{config.issue_address(key)}",
                          relative(config.content_dir, config.root), hint=f"现有：{names}")


def resolve_issue(project: Project, address: str | None) -> tuple[Config, Path]:
    """An issue named as commands name it: ``yinchuan/2020-07``, or ``2020-07`` when only one
    gazette has such an issue; no address means the latest issue of a one-gazette project."""
    if address is None:
        if len(project.gazettes) == 1:
            config = project.gazettes[0]
            return config, find_issue(config, None)
        latest = "、".join(g.issue_address(d[-1].name)
                          for g in project.gazettes if (d := issue_dirs(g)))
        raise GazetteError.at("content.which-issue", "本项目有多种公报，请指明是哪一期",
                              "config.yaml", hint=f"例如：{latest or '公报代号/期'}；全部用 --all")
    if "/" in address:
        gazette_id, _, key = address.partition("/")
        config = project.gazette(gazette_id)
        if config is None:
            names = "、".join(g.id for g in project.gazettes)
            raise GazetteError.at("content.no-gazette", f"没有这种公报：{gazette_id}", "config.yaml",
                                  hint=f"config.yaml 中的公报：{names}")
        return config, find_issue(config, key)
    owners = [g for g in project.gazettes if any(d.name == address for d in issue_dirs(g))]
    if len(owners) > 1:
        raise GazetteError.at("content.ambiguous-issue", f"“{address}”不止一种公报有这一期",
                              "content", hint="写作 " + "、".join(g.issue_address(address)
                                                                 for g in owners))
    if owners:
        return owners[0], find_issue(owners[0], address)
    if len(project.gazettes) == 1:
        return project.gazettes[0], find_issue(project.gazettes[0], address)
    raise _no_issue(project, address)


def _no_issue(project: Project, address: str) -> GazetteError:
    names = "、".join(g.issue_address(d.name) for g in project.gazettes for d in issue_dirs(g))
    return GazetteError.at("content.no-issue", f"找不到这一期：{address}", "content",
                          hint=f"现有：{names or '（无）'}")


def all_issues(project: Project) -> list[tuple[Config, Path]]:
    """Every issue of every gazette, gazettes in config order, issues oldest first."""
    return [(g, d) for g in project.gazettes for d in issue_dirs(g)]


def read_issue_meta(path: Path, config: Config, diags: Diagnostics,
                    encoding: str | None = None) -> IssueMeta | None:
    meta_path = path / "issue.yaml"
    rel = relative(meta_path, config.root)
    if not meta_path.is_file():
        diags.error("issue.missing", "缺少期次信息文件 issue.yaml", Location(rel),
                    "每期文件夹需要一个 issue.yaml，写明 year、number、published 等")
        return None
    try:
        doc = load_yaml(read_text(meta_path, rel, encoding), rel)
    except GazetteError as exc:
        diags.add(exc.diagnostic)
        return None
    return issue_meta_from_doc(path, doc, rel, config, diags)


def issue_meta_from_doc(path: Path, doc: YamlDocument, rel: str, config: Config,
                        diags: Diagnostics) -> IssueMeta | None:
    """The validated issue.yaml of the issue folder ``path``, from its parsed YAML."""
    values = validate(doc, ISSUE_FIELDS, rel, diags, code_area="issue")
    if values is None:
        return None
    layout = issue_layout(doc, rel, config, diags) if values.pop("layout") is not None else {}
    printed = config.with_layout(layout)
    return IssueMeta(key=path.name, **values,
                     label=printed.format_label(values["year"], values["number"]),
                     cumulative_label=printed.format_cumulative(values["cumulative"]),
                     layout=tuple(layout.items()))


def issue_layout(doc: YamlDocument, rel: str, config: Config,
                 diags: Diagnostics) -> dict[str, object]:
    """The Config fields an issue.yaml ``layout:`` changes (same keys as config.yaml's)."""
    known = [Field(key, lambda v: v) for key in PRESENTATION_KEYS]
    if validate(doc, known, rel, diags, prefix=("layout",), code_area="issue") is None:
        return {}
    base = config.presentation()
    looks = presentation(doc, rel, diags, ("layout",), config.root, base)
    return {key: value for key, value in looks.items() if value != base[key]}


@dataclass(frozen=True, slots=True)
class FrontMatter:
    """A notice's text split into its YAML front matter and Markdown body."""

    doc: YamlDocument
    source: str
    """The YAML text between the two --- lines."""
    body: str
    body_line: int
    """1-based file line of the body's first line."""


def split_front_matter(text: str, rel: str) -> FrontMatter:
    """Split and parse the front matter; raise GazetteError when it is missing or not YAML."""
    match = _FRONT_MATTER.match(text)
    if not match:
        if _OPENING_FENCE.match(text):
            raise GazetteError.at("front-matter.unclosed", "前言没有以单独一行 --- 结束", rel, 1,
                                  "在最后一个字段之后、正文之前加一行 ---")
        raise GazetteError.at("front-matter.missing",
                              "文件开头缺少以 --- 包围的前言（标题、栏目等）", rel, 1,
                              "第一行写 ---，接着写 title: 等字段，再写一行 --- 结束")
    doc = load_yaml(match.group(1), rel, first_line=2)
    return FrontMatter(doc, match.group(1), text[match.end():],
                       text[: match.end()].count("\n") + 1)


@dataclass(frozen=True, slots=True)
class DocNumberProblem:
    code: str
    message: str
    start: int
    """Offset in the 发文字号 of the part the problem is about."""
    hint: str | None = None
    fixes: tuple[tuple[int, str, str], ...] = ()
    """(offset, original, replacement) edits that correct it mechanically."""


def doc_number_problems(text: str, date: dt.date | None) -> list[DocNumberProblem]:
    """Every way ``text`` departs from 机关代字〔年份〕序号号, and a year that contradicts 成文日期."""
    match = DOC_NUMBER.match(text)
    if not match:
        return [DocNumberProblem("doc-number.form", f"发文字号“{text}”的写法不对", 0,
                                 "写作 机关代字〔年份〕序号号，如 某政发〔2021〕5号；年份和序号用阿拉伯数字")]
    problems = []
    wrong = [(match.start(group), mark) for group, mark in (("open", "〔"), ("close", "〕"))
             if match[group] != mark]
    if wrong:
        fixed = f"{match['agency']}〔{match['year']}〕{text[match.end('close'):]}"
        problems.append(DocNumberProblem(
            "doc-number.brackets",
            f"发文字号中的年份应用六角括号〔〕括起，不能用 {match['open']}{match['close']}",
            wrong[0][0], f"写作 {fixed}",
            tuple((offset, text[offset], mark) for offset, mark in wrong)))
    if match["di"]:
        problems.append(DocNumberProblem("doc-number.di", "发文字号的序号前不加“第”",
                                         match.start("di")))
    if match["seq"].startswith("0"):
        problems.append(DocNumberProblem(
            "doc-number.leading-zero", f"发文字号的序号不编虚位：应为 {int(match['seq'])}号",
            match.start("seq")))
    if date is not None and int(match["year"]) != date.year:
        problems.append(DocNumberProblem(
            "doc-number.year", f"发文字号的年份 {match['year']} 与成文日期 {date.isoformat()} 不一致",
            match.start("year"), "核对发文字号或 date（成文日期）"))
    return problems


def _check_doc_number(doc: YamlDocument, meta: NoticeMeta, rel: str, diags: Diagnostics) -> None:
    raw = str(doc.data["doc_number"])
    lead = len(raw) - len(raw.lstrip())
    for problem in doc_number_problems(raw.strip(), meta.date):
        line, column, exact = doc.value_position(("doc_number",), lead + problem.start)
        edits = []
        for offset, original, replacement in problem.fixes if exact else ():
            edit_line, edit_column, _ = doc.value_position(("doc_number",), lead + offset)
            edits.append(Edit(edit_line, edit_column, original, replacement))
        diags.add(Diagnostic(Severity.ERROR, problem.code, problem.message,
                             Location(rel, line, column), problem.hint, tuple(edits)))


def read_notice(path: Path, config: Config, diags: Diagnostics,
                encoding: str | None = None) -> NoticeSource | None:
    """Read one notice file; report problems to ``diags`` and return None if unusable."""
    rel = relative(path, config.root)
    try:
        text = read_text(path, rel, encoding)
        front = split_front_matter(text, rel)
    except GazetteError as exc:
        diags.add(exc.diagnostic)
        return None
    return notice_from_front(path, rel, front, config, diags)


def notice_from_front(path: Path, rel: str, front: FrontMatter, config: Config,
                      diags: Diagnostics) -> NoticeSource | None:
    """The validated front matter of a notice already split (:func:`split_front_matter`)."""
    doc = front.doc
    values = validate(doc, NOTICE_FIELDS, rel, diags)
    if values is None:
        return None
    meta = NoticeMeta(
        title=values["title"], doc_number=values["doc_number"],
        number_line=values["number_line"], section=values["section"], order=values["order"],
        addressees=values["addressees"], attachments=values["attachments"],
        issuers=values["issuer"], date=values["date"], note=values["note"],
        kind=values["kind"], slug=values["slug"], printed_page=values["printed_page"],
    )
    lines = {key[0]: pos[0] for key, pos in doc.positions.items() if len(key) == 1}
    if len(meta.title) > MAX_TITLE_CHARS:
        diags.error("limit.title", f"标题过长（{len(meta.title)} 字，上限 {MAX_TITLE_CHARS} 字）",
                    Location(rel, lines.get("title")),
                    "标题只写公文标题本身；正文写在前言的 --- 之后")
        return None
    if meta.doc_number:
        _check_doc_number(doc, meta, rel, diags)
    if meta.section not in config.sections:
        close = difflib.get_close_matches(meta.section, config.sections, n=1, cutoff=0.5)
        diags.error("notice.unknown-section", f"栏目“{meta.section}”不在 config.yaml 的 sections 中",
                    Location(rel, *doc.value_position(("section",))[:2]),
                    f"是不是“{close[0]}”？" if close else "可用栏目：" + "、".join(config.sections))
        return None
    return NoticeSource(path, rel, meta, front.body, front.body_line, lines)


IMPORT_REPORT = "import-report.md"
"""Written by ``gazette import`` beside the notices it drafted; not a notice."""


def notice_files(issue_dir: Path) -> list[Path]:
    return sorted(p for p in issue_dir.glob("*.md")
                  if not p.name.startswith((".", "_")) and p.name != IMPORT_REPORT)
