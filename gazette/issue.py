"""Stage 4: notices → Issue (sections in config order, notices by order, slugs, colophon).

:func:`load_issue` runs stages 1–4 for one issue folder and is the one entry point shared by
``check``, ``build`` and the preview, so the three never disagree about what is valid.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from .config import Config
from .content import IssueMeta, NoticeMeta, NoticeSource, notice_files, read_issue_meta, read_notice
from .diagnostics import Diagnostics, Location, relative
from .markup import NoticeBody, render_body

_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_SLUG_DROP = re.compile(r"[〔〕\[\]（）()【】号第\s]+")


@dataclass(frozen=True, slots=True)
class Notice:
    source: NoticeSource
    body: NoticeBody
    slug: str
    """Stable permalink part, from front matter slug or 发文字号 (never the position)."""

    @property
    def meta(self) -> NoticeMeta:
        return self.source.meta

    @property
    def anchor(self) -> str:
        return f"n-{self.slug}"


@dataclass(frozen=True, slots=True)
class Section:
    name: str
    notices: tuple[Notice, ...]

    @property
    def anchor(self) -> str:
        return f"s-{self.name}".replace(" ", "-")


@dataclass(frozen=True, slots=True)
class Issue:
    meta: IssueMeta
    sections: tuple[Section, ...]
    colophon: tuple[tuple[str, tuple[str, ...]], ...]
    path: Path

    @property
    def notices(self) -> tuple[Notice, ...]:
        return tuple(n for s in self.sections for n in s.notices)


def format_date(date: dt.date) -> str:
    """2020年8月25日: Arabic numerals, no leading zeros (GB/T 9704 §7.3.5.4)."""
    return f"{date.year}年{date.month}月{date.day}日"


def slug_for(meta: NoticeMeta) -> str:
    if meta.slug:
        return meta.slug
    if meta.doc_number:
        text = _SLUG_DROP.sub("-", meta.doc_number).strip("-")
        return re.sub(r"-{2,}", "-", text)
    return _SLUG_DROP.sub("-", meta.title).strip("-")


def load_issue(config: Config, issue_dir: Path, diags: Diagnostics,
               encoding: str | None = None) -> Issue | None:
    """Read, validate and assemble one issue; None if any error was reported."""
    meta = read_issue_meta(issue_dir, config, diags, encoding)
    notices: list[Notice] = []
    for path in notice_files(issue_dir):
        source = read_notice(path, config, diags, encoding)
        if source is None:
            continue
        body = render_body(source.body, rel=source.rel, body_line=source.body_line,
                           source_dir=path.parent, root=config.root,
                           chronicle=source.meta.kind == "chronicle", diags=diags)
        notices.append(Notice(source, body, slug_for(source.meta)))
    if not notices and meta is not None:
        diags.error("issue.empty", "这一期没有任何稿件（.md 文件）",
                    Location(relative(issue_dir, config.root)))
    _check_unique(notices, diags)
    if meta is None or diags.errors:
        return None
    sections = []
    for name in config.sections:
        members = sorted((n for n in notices if n.meta.section == name),
                         key=lambda n: n.meta.order)
        if members:
            sections.append(Section(name, tuple(members)))
    return Issue(meta, tuple(sections), resolve_colophon(config, meta), issue_dir)


def _check_unique(notices: list[Notice], diags: Diagnostics) -> None:
    seen_order: dict[tuple[str, int], Notice] = {}
    seen_slug: dict[str, Notice] = {}
    for notice in notices:
        key = (notice.meta.section, notice.meta.order)
        if other := seen_order.get(key):
            diags.error("issue.duplicate-order",
                        f"栏目“{key[0]}”中 order: {key[1]} 与 {other.source.rel} 重复",
                        Location(notice.source.rel, notice.source.meta_lines.get("order")),
                        "同一栏目内每篇稿件的 order 必须不同")
        seen_order.setdefault(key, notice)
        if other := seen_slug.get(notice.slug):
            field = "slug" if notice.meta.slug else "doc_number"
            diags.error("issue.duplicate-notice",
                        f"与 {other.source.rel} 的发文字号或固定链接相同（{notice.slug}）",
                        Location(notice.source.rel, notice.source.meta_lines.get(field)))
        seen_slug.setdefault(notice.slug, notice)


def resolve_colophon(config: Config, meta: IssueMeta) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """config.yaml's colophon with the issue's overrides, placeholders filled in."""
    entries = dict(config.colophon)
    entries.update(dict(meta.colophon))
    values = {"year": meta.year, "number": meta.number, "label": meta.label,
              "cumulative": meta.cumulative or "", "published": format_date(meta.published)}
    def fill(line: str) -> str:
        return _PLACEHOLDER.sub(lambda m: str(values.get(m.group(1), m.group(0))), line)

    return tuple((label, tuple(fill(line) for line in lines)) for label, lines in entries.items())
