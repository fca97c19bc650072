"""Stage 4: notices → Issue (sections in config order, notices by order, slugs, colophon).

:func:`load_issue` runs stages 1–4 for one issue folder and is the one entry point shared by
``check``, ``build`` and the preview, so the three never disagree about what is valid.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from .config import Config
from .content import IssueMeta, NoticeMeta, NoticeSource
from .diagnostics import Diagnostics, Location
from .markup import NoticeBody
from .output import segment_problem

_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_SLUG_DROP = re.compile(r"[〔〕\[\]（）()【】号第\s]+")
_SLUG_UNSAFE = re.compile(r"[/\\\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]+")
MAX_SLUG_CHARS = 60
"""A permalink segment: at most 60 characters (180 bytes of UTF-8, under every file system's
255-byte name limit)."""


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
    """The front matter's slug as written (validated by :func:`slug_problem`), or one derived
    from the 发文字号 or the title that is always a single safe path segment."""
    if meta.slug:
        return meta.slug
    text = _SLUG_DROP.sub("-", meta.doc_number or meta.title)
    text = re.sub(r"-{2,}", "-", _SLUG_UNSAFE.sub("-", text)).strip("-.")
    return text[:MAX_SLUG_CHARS].rstrip("-.")


def reserved_slugs(key: str) -> set[str]:
    """Names the issue's web folder already uses for its own files."""
    return {"index.html", "issue.json", f"{key}.pdf"}


def slug_problem(slug: str, key: str) -> str | None:
    """Why ``slug`` cannot be a notice's folder in the issue's web folder (None if it can)."""
    if problem := segment_problem(slug):
        return problem
    if len(slug) > MAX_SLUG_CHARS:
        return f"过长（{len(slug)} 个字符，上限 {MAX_SLUG_CHARS}）"
    if fold(slug) in {fold(name) for name in reserved_slugs(key)}:
        return f"“{slug}”是网页版本期文件夹自己使用的名称"
    return None


def fold(name: str) -> str:
    """Two slugs that are the same URL or file on a case-insensitive file system."""
    return unicodedata.normalize("NFKC", name).casefold()


def load_issue(config: Config, issue_dir: Path, diags: Diagnostics,
               encoding: str | None = None) -> Issue | None:
    """Read, validate and assemble one issue; None if any error was reported. Callers that
    load again and again (the preview) keep a :class:`gazette.model.ProjectModel` instead."""
    from .model import ProjectModel

    return ProjectModel(config, encoding).load_issue(issue_dir, diags)


def check_unique(notices: list[Notice], diags: Diagnostics) -> None:
    seen_order: dict[tuple[str, int], Notice] = {}
    seen_slug: dict[str, Notice] = {}
    # Two slugs differing only in case or width are one folder on macOS and Windows.
    for notice in notices:
        key = (notice.meta.section, notice.meta.order)
        if other := seen_order.get(key):
            diags.error("issue.duplicate-order",
                        f"栏目“{key[0]}”中 order: {key[1]} 与 {other.source.rel} 重复",
                        Location(notice.source.rel, notice.source.meta_lines.get("order")),
                        "同一栏目内每篇稿件的 order 必须不同")
        seen_order.setdefault(key, notice)
        if other := seen_slug.get(fold(notice.slug)):
            field = "slug" if notice.meta.slug else "doc_number"
            diags.error("issue.duplicate-notice",
                        f"与 {other.source.rel} 的发文字号或固定链接相同（{notice.slug}）",
                        Location(notice.source.rel, notice.source.meta_lines.get(field)))
        seen_slug.setdefault(fold(notice.slug), notice)


def shown_slug(slug: str) -> str:
    """A slug as it can be printed in one diagnostic line."""
    text = "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in slug)
    return text if len(text) <= 40 else text[:40] + "…"


def resolve_colophon(config: Config, meta: IssueMeta) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """config.yaml's colophon with the issue's overrides, placeholders filled in."""
    entries = dict(config.colophon)
    entries.update(dict(meta.colophon))
    values = {"year": meta.year, "number": meta.number, "label": meta.label,
              "cumulative": meta.cumulative or "", "published": format_date(meta.published)}
    def fill(line: str) -> str:
        return _PLACEHOLDER.sub(lambda m: str(values.get(m.group(1), m.group(0))), line)

    return tuple((label, tuple(fill(line) for line in lines)) for label, lines in entries.items())
