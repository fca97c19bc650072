"""Stage 0: config.yaml → Project (one or more gazettes, each a Config), validated once.

A project holds one gazette (today's simple form: ``gazette:``, ``sections:``, ``colophon:``,
``page:``, ``fonts:`` at the top, issues in ``content/<issue>/``) or several: project-wide
``fonts:`` plus a ``gazettes:`` mapping of id → the same keys, issues in
``content/<id>/<issue>/``. Everything that differs between gazettes — identity, sections,
colophon, issue labels, running heads, folios, cover, breaks, page geometry — is a field here,
so a new gazette needs configuration, never code. All paths resolve against the project root.
"""

from __future__ import annotations

import dataclasses
import re
import string
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from .diagnostics import Diagnostic, Diagnostics, GazetteError, Location, Severity
from .pagestyle import PAGE_STYLES, STARTS, PageMetrics, metric_kinds
from .schema import (Field, Invalid, one_of, to_bool, to_int, to_positive_int, to_text,
                     to_text_list, validate)
from .sources import YamlDocument, load_yaml, read_text

FONT_ROLES = ("song", "title", "hei", "hei_bold", "fang", "kai")
"""宋 (TOC, colophon, page numbers), 标题 (小标宋 stand-in), 黑, 黑粗, 仿宋 (body), 楷."""
GAZETTE_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
"""A gazette id names its content/, build/ and layouts/ folders and starts its citation ids."""
RESERVED_IDS = frozenset({"site", "html", "print", "partials", "assets", "search"})
"""Folder names the tool itself uses beside the gazettes' (build/site/, layouts/print/…)."""
SAMPLE_FIELDS = {"year": 2020, "number": 7, "cumulative": 358, "name": "公报", "label": "2020年第7期",
                 "section": "栏目", "page": 3, "published": "2020年9月25日"}


@dataclass(frozen=True, slots=True)
class Fonts:
    """Absolute paths of the font for each role; ``fallback`` is tried in order after it."""

    song: Path
    title: Path
    hei: Path
    hei_bold: Path
    fang: Path
    kai: Path
    fallback: tuple[Path, ...]

    def all(self) -> tuple[Path, ...]:
        return (self.song, self.title, self.hei, self.hei_bold, self.fang, self.kai,
                *self.fallback)


@dataclass(frozen=True, slots=True)
class ArchiveOptions:
    """How the print edition shows citation ids (gazette.cite) and whether it prints QR codes."""

    citation: str = "colophon"
    """notice: a small line at the end of each notice; colophon: the id pattern in the colophon;
    none: only in the PDF metadata and the site's issue.json."""
    qr: bool = False


@dataclass(frozen=True, slots=True)
class RunningHeads:
    """Running-head texts; ``{name}`` 刊名, ``{label}`` issue label, ``{section}`` the name of
    the page's section. None: no head on that side."""

    verso: str | None = "{name}　{label}"
    recto: str | None = "【{section}】"
    inner: str | None = None
    """A second head on the inner side of every page (大武口: 刊名 and issue by the spine,
    the section on the outer side)."""


@dataclass(frozen=True, slots=True)
class Folio:
    format: str = "— {page} —"
    position: str = "outside"
    """``outside`` (left on verso, right on recto) or ``center``."""


@dataclass(frozen=True, slots=True)
class Cover:
    """What the masthead page shows, top to bottom."""

    kicker: bool = True
    marks: bool = True
    board: bool = True
    cumulative: bool = True
    subtitle: str | None = None
    """A line under the name (an English or pinyin name, 西夏: YINCHUAN SHI XIXIA QU …)."""
    emblem: Path | None = None
    """An image above the name, inside the project (layouts/ or content/)."""
    bullet: str = "●"
    """The mark before each slogan (● 权威性; 西夏 prints •)."""


@dataclass(frozen=True, slots=True)
class Config:
    """One gazette: its identity and how its issues are printed."""

    root: Path
    id: str
    """The gazette's id (yinchuan); folders content/<id>/ and build/<id>/ in a several-gazette
    project, and the first part of citation ids."""
    multi: bool
    """True when the project holds several gazettes (folders are then per gazette)."""
    name: str
    """刊名, e.g. 银川市人民政府公报."""
    kicker: str | None
    """The line above the marks on the cover (银川市人民政府规章标准文本)."""
    marks: tuple[str, ...]
    motto: tuple[str, ...]
    sections: tuple[str, ...]
    colophon: tuple[tuple[str, tuple[str, ...]], ...]
    """(label, lines) pairs; values may hold {year} {number} {cumulative} {published} {label}."""
    page_style: str
    page: PageMetrics
    """The preset named by ``page_style`` with this gazette's overrides."""
    fonts: Fonts
    site_url: str | None
    """Public address of the HTML edition, for the feed and sitemap (optional)."""
    issue_label: str = "{year}年第{number}期"
    cumulative_label: str = "总第{cumulative}期"
    running_heads: RunningHeads = RunningHeads()
    folio: Folio = Folio()
    cover: Cover = Cover()
    section_heads: bool = False
    """Print the 【section】 line in the body where each section starts."""
    colophon_position: str = "back"
    """``back`` (last page) or ``inside-cover`` (封二)."""
    intro: tuple[str, ...] = ()
    """简介 paragraphs printed above the colophon."""
    archive: ArchiveOptions = ArchiveOptions()

    @property
    def content_dir(self) -> Path:
        return self.root / "content" / self.id if self.multi else self.root / "content"

    @property
    def layouts_dir(self) -> Path:
        return self.root / "layouts"

    @property
    def fonts_dir(self) -> Path:
        return self.root / "fonts"

    @property
    def build_dir(self) -> Path:
        """The project's build/ (shared by all gazettes; caches live in build/.cache/)."""
        return self.root / "build"

    @property
    def output_dir(self) -> Path:
        """Where this gazette's issues are built: build/<id>/ (several gazettes) or build/."""
        return self.build_dir / self.id if self.multi else self.build_dir

    @property
    def site_prefix(self) -> str:
        """This gazette's folder inside the web edition ('' for a one-gazette project)."""
        return f"{self.id}/" if self.multi else ""

    def issue_address(self, key: str) -> str:
        """How commands name an issue: yinchuan/2020-07, or 2020-07 in a one-gazette project."""
        return f"{self.id}/{key}" if self.multi else key

    def presentation(self) -> dict[str, Any]:
        """The fields an issue's ``layout:`` may override, as they are for this gazette."""
        return {key: getattr(self, key) for key in DEFAULT_PRESENTATION}

    def with_layout(self, layout: dict[str, Any] | None) -> Config:
        """This gazette as one issue prints it (issue.yaml ``layout:``)."""
        return dataclasses.replace(self, **layout) if layout else self

    def format_label(self, year: int, number: int) -> str:
        return self.issue_label.format(year=year, number=number)

    def format_cumulative(self, cumulative: int | None) -> str | None:
        return None if cumulative is None else self.cumulative_label.format(cumulative=cumulative)


@dataclass(frozen=True, slots=True)
class Project:
    """Everything config.yaml declares: the project root and its gazettes, in config order."""

    root: Path
    gazettes: tuple[Config, ...]

    @property
    def multi(self) -> bool:
        return self.gazettes[0].multi

    @property
    def build_dir(self) -> Path:
        return self.root / "build"

    def gazette(self, gazette_id: str) -> Config | None:
        return next((g for g in self.gazettes if g.id == gazette_id), None)


def _colophon(value: Any) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if not isinstance(value, dict):
        raise Invalid("应为“项目: 内容”的映射，如 主编: 张三")
    return tuple((to_text(k), to_text_list(v)) for k, v in value.items())


def _format(*allowed: str) -> Callable[[Any], str]:
    """A text with {placeholders}; only ``allowed`` names, checked by formatting a sample."""
    def convert(value: Any) -> str:
        text = to_text(value)
        try:
            names = {f for _, f, _, _ in string.Formatter().parse(text) if f is not None}
        except ValueError:
            raise Invalid(f"“{text}”中的花括号不成对") from None
        unknown = sorted(n for n in names if n not in allowed)
        if unknown:
            raise Invalid(f"不认识的占位符 {{{unknown[0]}}}；可用：" +
                          "、".join("{" + n + "}" for n in allowed))
        try:
            text.format(**{n: SAMPLE_FIELDS[n] for n in allowed})
        except (ValueError, KeyError, IndexError) as exc:
            raise Invalid(f"“{text}”无法代入（{exc}）") from None
        return text
    return convert


def _optional_format(*allowed: str) -> Callable[[Any], str | None]:
    """Like :func:`_format`; ``false`` means no such line."""
    def convert(value: Any) -> str | None:
        if value is False:
            return None
        return _format(*allowed)(value)
    return convert


def _slug_id(value: Any) -> str:
    text = to_text(value)
    if not GAZETTE_ID.match(text) or text in RESERVED_IDS:
        raise Invalid(f"“{text}”只能由小写字母、数字和连字符组成（如 yinchuan），不超过 40 个字符")
    return text


_GAZETTE_FIELDS = [
    Field("name", to_text, required=True, label="刊名"),
    Field("id", _slug_id, label="公报代号"),
    Field("kicker", to_text, label="刊头上方文字"),
    Field("marks", to_text_list, default=(), label="刊头标语"),
    Field("motto", to_text_list, default=(), label="目录页格言"),
    Field("site_url", to_text, label="网页版地址"),
    Field("intro", to_text_list, default=(), label="简介"),
]
_BLOCK_FIELDS = [
    Field("gazette", lambda v: v, required=True, label="公报"),
    Field("sections", to_text_list, required=True, label="栏目"),
    Field("colophon", _colophon, default=(), label="版权页"),
    Field("page", lambda v: v, label="版式"),
    Field("labels", lambda v: v, label="期号写法"),
    Field("running_heads", lambda v: v, label="书眉"),
    Field("folio", lambda v: v, label="页码"),
    Field("cover", lambda v: v, label="封面"),
    Field("section_heads", to_bool, default=False, label="正文栏目标题"),
    Field("colophon_position", one_of("back", "inside-cover"), default="back",
          label="版权页位置"),
    Field("archive", lambda v: v, label="存档"),
]
_SINGLE_FIELDS = [*_BLOCK_FIELDS, Field("fonts", lambda v: v, required=True, label="字体")]
_MULTI_FIELDS = [
    Field("gazettes", lambda v: v, required=True, label="各种公报"),
    Field("fonts", lambda v: v, required=True, label="字体"),
]
_ARCHIVE_FIELDS = [
    Field("citation", one_of("notice", "colophon", "none"), default="colophon", label="引用标识"),
    Field("qr", to_bool, default=False, label="二维码"),
]
_LABEL_FIELDS = [
    Field("issue", _format("year", "number"), default="{year}年第{number}期", label="期号"),
    Field("cumulative", _format("cumulative"), default="总第{cumulative}期", label="总期号"),
]
_HEAD_FIELDS = [
    Field("verso", _optional_format("name", "label", "section"), default="{name}　{label}",
          label="双页（左页）书眉"),
    Field("recto", _optional_format("name", "label", "section"), default="【{section}】",
          label="单页（右页）书眉"),
    Field("inner", _optional_format("name", "label", "section"), default=None,
          label="订口一侧的书眉"),
]
_FOLIO_FIELDS = [
    Field("format", _format("page"), default="— {page} —", label="页码写法"),
    Field("position", one_of("outside", "center"), default="outside", label="页码位置"),
]
_COVER_FIELDS = [
    Field("kicker", to_bool, default=True, label="刊头上方文字"),
    Field("marks", to_bool, default=True, label="刊头标语"),
    Field("board", to_bool, default=True, label="编辑委员会"),
    Field("cumulative", to_bool, default=True, label="总期号"),
    Field("subtitle", to_text, label="刊名下的副题"),
    Field("emblem", to_text, label="刊徽图片"),
    Field("bullet", to_text, default="●", label="标语前的符号"),
]
_FONT_FIELDS = [Field(role, to_text, required=True) for role in FONT_ROLES] + [
    Field("fallback", to_text_list, default=(), label="补字字体")
]


def _to_signed_number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise Invalid(f"应为数字，实际是“{value}”")
    return float(value)


def _to_number(value: Any) -> float:
    number = _to_signed_number(value)
    if number <= 0:
        raise Invalid(f"应为正数，实际是 {value}")
    return number


def _to_count(value: Any) -> int:
    number = to_int(value)
    if number < 0:
        raise Invalid(f"应为 0 或正整数，实际是 {number}")
    return number


def _page_fields() -> list[Field]:
    converters: dict[type, Callable[[Any], Any]] = {bool: to_bool, int: to_positive_int,
                                                    float: _to_number}
    page = [Field("style", one_of(*PAGE_STYLES), default="gazette", label="版式")]
    for name, kind in metric_kinds().items():
        if name in ("notice_start", "appendix_start"):
            page.append(Field(name, one_of(*STARTS)))
        elif name == "letter_spacing":
            page.append(Field(name, _to_signed_number))
        elif name == "part_pages":
            page.append(Field(name, _to_count))
        else:
            page.append(Field(name, converters[kind]))
    return page


def load_project(path: Path) -> Project:
    """Load and validate config.yaml; raise ConfigError listing every problem."""
    path = path.resolve()
    root = path.parent
    rel = path.name
    if not path.is_file():
        raise GazetteError(Diagnostic(Severity.ERROR, "config.missing",
                                      "找不到配置文件 config.yaml", Location(str(path)),
                                      "请在公报项目的根目录运行，或用 --config 指定"))
    doc = load_yaml(read_text(path, rel), rel)
    diags = Diagnostics()
    if not isinstance(doc.data, dict):
        diags.error("config.type", "config.yaml 应为“字段: 值”形式的映射", Location(rel, 1))
        raise ConfigError(diags)
    multi = "gazettes" in doc.data
    top = validate(doc, _MULTI_FIELDS if multi else _SINGLE_FIELDS, rel, diags,
                   code_area="config")
    if top is None:
        raise ConfigError(diags)
    fonts = validate(doc, _FONT_FIELDS, rel, diags, prefix=("fonts",), code_area="config")
    font_paths = _font_paths(fonts, root, doc, rel, diags) if fonts else None
    gazettes: list[Config] = []
    if multi:
        if not isinstance(top["gazettes"], dict) or not top["gazettes"]:
            diags.error("config.type", "gazettes 应为“公报代号: 设置”的映射，至少一种公报",
                        Location(rel, doc.line_of("gazettes")))
        else:
            for gazette_id in top["gazettes"]:
                line = doc.line_of("gazettes", gazette_id)
                if not isinstance(gazette_id, str) or not GAZETTE_ID.match(gazette_id):
                    diags.error("config.gazette-id",
                                f"公报代号“{gazette_id}”只能由小写字母、数字和连字符组成（如 yinchuan）",
                                Location(rel, line))
                    continue
                if gazette_id in RESERVED_IDS:
                    diags.error("config.gazette-id", f"公报代号“{gazette_id}”是本工具保留的文件夹名",
                                Location(rel, line), "换一个代号，如城市名的拼音")
                    continue
                block = _gazette(doc, rel, diags, ("gazettes", gazette_id), root, font_paths,
                                 gazette_id, multi=True)
                if block is not None:
                    gazettes.append(block)
    else:
        block = _gazette(doc, rel, diags, (), root, font_paths, None, multi=False)
        if block is not None:
            gazettes.append(block)
    if diags.errors or font_paths is None or not gazettes:
        raise ConfigError(diags)
    return Project(root, tuple(gazettes))


def load_config(path: Path, gazette: str | None = None) -> Config:
    """One gazette of the project: the only one, or the one named ``gazette``."""
    project = load_project(path)
    if gazette is None and len(project.gazettes) == 1:
        return project.gazettes[0]
    found = project.gazette(gazette) if gazette else None
    if found is None:
        names = "、".join(g.id for g in project.gazettes)
        raise GazetteError.at("config.gazette", f"config.yaml 中没有公报“{gazette}”"
                              if gazette else "本项目有多种公报，请指明是哪一种", "config.yaml",
                              hint=f"可用：{names}")
    return found


PRESENTATION_KEYS = ("page", "labels", "running_heads", "folio", "cover", "section_heads",
                     "colophon_position")
"""The keys of a gazette's block that say how it is printed; an issue.yaml may override them
under ``layout:`` when an office redesigned its print (银川 2020 one column, 2022 two)."""
DEFAULT_PRESENTATION: dict[str, Any] = {
    "page_style": "gazette", "page": PAGE_STYLES["gazette"],
    "issue_label": "{year}年第{number}期", "cumulative_label": "总第{cumulative}期",
    "running_heads": RunningHeads(), "folio": Folio(), "cover": Cover(),
    "section_heads": False, "colophon_position": "back",
}


def presentation(doc: YamlDocument, rel: str, diags: Diagnostics, prefix: tuple, root: Path,
                 base: dict[str, Any]) -> dict[str, Any]:
    """Validate the presentation keys found at ``prefix`` and return ``base`` (Config field
    values) with what they change: a key or sub-key left out keeps its ``base`` value."""
    data = doc.data
    for key in prefix:
        data = data[key]
    values = dict(base)

    def given(key: str, sub_fields: list[Field]) -> dict[str, Any]:
        if not isinstance(data, dict) or data.get(key) is None:
            return {}
        checked = validate(doc, sub_fields, rel, diags, prefix=(*prefix, key),
                           code_area="config") or {}
        return {k: v for k, v in checked.items() if k in data[key]}

    page = given("page", _page_fields())
    if page:
        style = page.pop("style", None)
        start = PAGE_STYLES[style] if style else values["page"]
        values["page_style"] = style or values["page_style"]
        values["page"] = dataclasses.replace(start, **page)
    labels = given("labels", _LABEL_FIELDS)
    if "issue" in labels:
        values["issue_label"] = labels["issue"]
    if "cumulative" in labels:
        values["cumulative_label"] = labels["cumulative"]
    if heads := given("running_heads", _HEAD_FIELDS):
        values["running_heads"] = dataclasses.replace(values["running_heads"], **heads)
    if folio := given("folio", _FOLIO_FIELDS):
        values["folio"] = dataclasses.replace(values["folio"], **folio)
    if cover := given("cover", _COVER_FIELDS):
        if cover.get("emblem"):
            emblem = (root / cover["emblem"]).resolve()
            if not emblem.is_relative_to(root.resolve()) or not emblem.is_file():
                diags.error("config.emblem", f"找不到刊徽图片 {cover['emblem']}（须在项目之内）",
                            Location(rel, doc.line_of(*prefix, "cover", "emblem")))
            cover["emblem"] = emblem
        values["cover"] = dataclasses.replace(values["cover"], **cover)
    for key, convert, label in (("section_heads", to_bool, "正文栏目标题"),
                                ("colophon_position", one_of("back", "inside-cover"),
                                 "版权页位置")):
        if isinstance(data, dict) and data.get(key) is not None:
            try:
                values[key] = convert(data[key])
            except Invalid as exc:
                line, column, _ = doc.value_position((*prefix, key))
                diags.error("config.type", f"字段 {key}（{label}）{exc}", Location(rel, line, column))
    return values


def _id_from_site(site_url: str | None) -> str:
    """A one-gazette project's id when config.yaml gives none: the site's host name without
    www, gov and the country suffix (www.yinchuan.gov.cn → yinchuan), else ``gazette``."""
    labels = [p for p in (urlparse(site_url or "").hostname or "").split(".")
              if p not in ("www", "gov", "cn", "com", "org", "net")]
    return labels[0] if labels and GAZETTE_ID.match(labels[0]) else "gazette"


def _gazette(doc: YamlDocument, rel: str, diags: Diagnostics, prefix: tuple, root: Path,
             fonts: Fonts | None, gazette_id: str | None, *, multi: bool) -> Config | None:
    fields = _BLOCK_FIELDS if multi else _SINGLE_FIELDS
    block = validate(doc, fields, rel, diags, prefix=prefix, code_area="config")
    if block is None:
        return None
    before = len(diags.errors)
    identity = validate(doc, _GAZETTE_FIELDS, rel, diags, prefix=(*prefix, "gazette"),
                        code_area="config")
    looks = presentation(doc, rel, diags, prefix, root, DEFAULT_PRESENTATION)
    archive = ArchiveOptions()
    if block["archive"] is not None:
        checked = validate(doc, _ARCHIVE_FIELDS, rel, diags, prefix=(*prefix, "archive"),
                           code_area="config")
        archive = ArchiveOptions(**checked) if checked else archive
        if archive.qr and identity is not None and not identity["site_url"]:
            diags.error("config.archive-qr", "印二维码需要网页版地址 gazette.site_url",
                        Location(rel, doc.line_of(*prefix, "archive", "qr")))
    sections = block["sections"]
    if len(set(sections)) != len(sections):
        diags.error("config.duplicate-section", "栏目名称重复",
                    Location(rel, doc.line_of(*prefix, "sections")))
    if identity is None or fonts is None or len(diags.errors) > before:
        return None
    if gazette_id is None:
        gazette_id = identity["id"] or _id_from_site(identity["site_url"])
    return Config(
        root=root,
        id=gazette_id,
        multi=multi,
        name=identity["name"],
        kicker=identity["kicker"],
        marks=identity["marks"],
        motto=identity["motto"],
        sections=sections,
        colophon=block["colophon"],
        fonts=fonts,
        site_url=identity["site_url"],
        intro=identity["intro"],
        archive=archive,
        **looks,
    )


def _font_paths(fonts: dict[str, Any], root: Path, doc, rel: str, diags: Diagnostics) -> Fonts | None:
    def resolve(name: str, key: str, index: int | None = None) -> Path:
        path = (root / "fonts" / name).resolve()
        fonts_dir = (root / "fonts").resolve()
        line = doc.line_of("fonts", key) if index is None else doc.line_of("fonts", key, index)
        if not path.is_relative_to(fonts_dir):
            diags.error("config.font", f"字体“{name}”必须在 fonts/ 目录中", Location(rel, line))
        elif not path.is_file():
            diags.error("config.font", f"找不到字体文件 fonts/{name}", Location(rel, line))
        return path

    before = len(diags.errors)
    roles = {role: resolve(fonts[role], role) for role in FONT_ROLES}
    fallback = tuple(resolve(n, "fallback", i) for i, n in enumerate(fonts["fallback"]))
    if len(diags.errors) > before:
        return None
    return Fonts(**roles, fallback=fallback)


class ConfigError(GazetteError):
    """config.yaml is unusable; carries every diagnostic found."""

    def __init__(self, diags: Diagnostics) -> None:
        self.diagnostics = diags
        first = diags.errors[0] if diags.errors else Diagnostic(
            Severity.ERROR, "config.invalid", "配置无效", Location("config.yaml"))
        super().__init__(first)
