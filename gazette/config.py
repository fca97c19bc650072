"""Stage 0: config.yaml → Config, validated once at the edge.

The config is the gazette's identity (name, marks, motto, sections, colophon), its page style
and the font that plays each typographic role. All paths resolve against the project root
(the folder holding config.yaml).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .diagnostics import Diagnostic, Diagnostics, GazetteError, Location, Severity
from .schema import Field, Invalid, one_of, to_bool, to_text, to_text_list, validate
from .sources import load_yaml, read_text

PAGE_STYLES = ("gazette", "two-column", "gongwen")
FONT_ROLES = ("song", "title", "hei", "hei_bold", "fang", "kai")
"""宋 (TOC, colophon, page numbers), 标题 (小标宋 stand-in), 黑, 黑粗, 仿宋 (body), 楷."""


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
class Config:
    root: Path
    name: str
    """刊名, e.g. 银川市人民政府公报."""
    kicker: str | None
    """The line above the marks on the cover (银川市人民政府规章标准文本)."""
    marks: tuple[str, ...]
    motto: tuple[str, ...]
    sections: tuple[str, ...]
    colophon: tuple[tuple[str, tuple[str, ...]], ...]
    """(label, lines) pairs; values may hold {year} {number} {cumulative} {published}."""
    page_style: str
    fonts: Fonts
    site_url: str | None
    """Public address of the HTML edition, for the feed and sitemap (optional)."""
    archive: ArchiveOptions = ArchiveOptions()

    @property
    def content_dir(self) -> Path:
        return self.root / "content"

    @property
    def layouts_dir(self) -> Path:
        return self.root / "layouts"

    @property
    def fonts_dir(self) -> Path:
        return self.root / "fonts"

    @property
    def build_dir(self) -> Path:
        return self.root / "build"


def _colophon(value: Any) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if not isinstance(value, dict):
        raise Invalid("应为“项目: 内容”的映射，如 主编: 张三")
    return tuple((to_text(k), to_text_list(v)) for k, v in value.items())


_GAZETTE_FIELDS = [
    Field("name", to_text, required=True, label="刊名"),
    Field("kicker", to_text, label="刊头上方文字"),
    Field("marks", to_text_list, default=(), label="刊头标语"),
    Field("motto", to_text_list, default=(), label="目录页格言"),
    Field("site_url", to_text, label="网页版地址"),
]
_TOP_FIELDS = [
    Field("gazette", lambda v: v, required=True, label="公报"),
    Field("sections", to_text_list, required=True, label="栏目"),
    Field("colophon", _colophon, default=(), label="版权页"),
    Field("page", lambda v: v, label="版式"),
    Field("fonts", lambda v: v, required=True, label="字体"),
    Field("archive", lambda v: v, label="存档"),
]
_ARCHIVE_FIELDS = [
    Field("citation", one_of("notice", "colophon", "none"), default="colophon", label="引用标识"),
    Field("qr", to_bool, default=False, label="二维码"),
]
_PAGE_FIELDS = [Field("style", one_of(*PAGE_STYLES), default="gazette", label="版式")]
_FONT_FIELDS = [Field(role, to_text, required=True) for role in FONT_ROLES] + [
    Field("fallback", to_text_list, default=(), label="补字字体")
]


def load_config(path: Path) -> Config:
    """Load and validate config.yaml; raise ConfigError listing every problem."""
    path = path.resolve()
    root = path.parent
    rel = path.name
    diags = Diagnostics()
    if not path.is_file():
        raise GazetteError(Diagnostic(Severity.ERROR, "config.missing",
                                      "找不到配置文件 config.yaml", Location(str(path)),
                                      "请在公报项目的根目录运行，或用 --config 指定"))
    doc = load_yaml(read_text(path, rel), rel)
    top = validate(doc, _TOP_FIELDS, rel, diags, code_area="config")
    if top is None:
        raise ConfigError(diags)
    gazette = validate(doc, _GAZETTE_FIELDS, rel, diags, prefix=("gazette",), code_area="config")
    page = ({"style": "gazette"} if top["page"] is None else
            validate(doc, _PAGE_FIELDS, rel, diags, prefix=("page",), code_area="config"))
    fonts = validate(doc, _FONT_FIELDS, rel, diags, prefix=("fonts",), code_area="config")
    font_paths = _font_paths(fonts, root, doc, rel, diags) if fonts else None
    archive = (ArchiveOptions() if top["archive"] is None else
               validate(doc, _ARCHIVE_FIELDS, rel, diags, prefix=("archive",), code_area="config"))
    if archive is not None and not isinstance(archive, ArchiveOptions):
        archive = ArchiveOptions(**archive)
        if archive.qr and gazette is not None and not gazette["site_url"]:
            diags.error("config.archive-qr", "印二维码需要网页版地址 gazette.site_url",
                        Location(rel, doc.line_of("archive", "qr")))
    sections = top["sections"]
    if len(set(sections)) != len(sections):
        diags.error("config.duplicate-section", "栏目名称重复", Location(rel, doc.line_of("sections")))
    if (diags.errors or gazette is None or page is None or font_paths is None
            or archive is None):
        raise ConfigError(diags)
    return Config(
        root=root,
        name=gazette["name"],
        kicker=gazette["kicker"],
        marks=gazette["marks"],
        motto=gazette["motto"],
        sections=sections,
        colophon=top["colophon"],
        page_style=page["style"],
        fonts=font_paths,
        site_url=gazette["site_url"],
        archive=archive,
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

    roles = {role: resolve(fonts[role], role) for role in FONT_ROLES}
    fallback = tuple(resolve(n, "fallback", i) for i, n in enumerate(fonts["fallback"]))
    if diags.errors:
        return None
    return Fonts(**roles, fallback=fallback)


class ConfigError(GazetteError):
    """config.yaml is unusable; carries every diagnostic found."""

    def __init__(self, diags: Diagnostics) -> None:
        self.diagnostics = diags
        first = diags.errors[0] if diags.errors else Diagnostic(
            Severity.ERROR, "config.invalid", "配置无效", Location("config.yaml"))
        super().__init__(first)
