"""Web fonts for the HTML edition: each bundled font cut down to the characters the site sets in it.

The bundled fonts weigh 3–19 MB each, far too much for a web page, and a reader's phone may
have no 仿宋 or 楷体 at all. So every font role gets one woff2 file per site holding exactly the
characters that appear in that role somewhere on the site; browsers fetch a role's file only
for pages that use it, and once per site.

Which text is set in which role is declared once, in :data:`WEB_ROLES`: the web stylesheet takes
its font-family rules from it, and :func:`role_texts` walks each rendered page with the same
selectors to collect the characters, so the two cannot disagree. Characters missing from a
role's font go to the bundled fallback fonts, as in print.

fontTools needs seconds to cut a CJK font, so results are cached by content
(``$GAZETTE_CACHE_DIR``, default ``~/.cache/gazette``): rebuilding an unchanged site is instant.
"""

from __future__ import annotations

import hashlib
import io
import os
from dataclasses import dataclass
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

from .config import Config
from .fonts import font_cmap

CACHE_VERSION = "1"
"""Bump when the subsetting options change, so old cache entries are not reused."""


@dataclass(frozen=True, slots=True)
class WebRole:
    font: str
    """The config.yaml font role whose file this role subsets."""
    family: str
    """CSS family name; one per font so browsers never pick a face by weight."""
    selectors: tuple[str, ...]
    """Elements whose text is set in this role: ``tag``, ``.class``, ``tag.class.class``."""
    generic: str
    system: tuple[str, ...] = ()
    """System fonts tried first; the bundled font then only supplies what they lack."""


UI_SYSTEM_FONTS = ('"PingFang SC"', '"Hiragino Sans GB"', '"Microsoft YaHei"',
                   '"Noto Sans CJK SC"', '"Source Han Sans SC"')
"""Named Chinese system fonts only: a generic such as system-ui makes Chromium fall back to
the platform for CJK before reaching the bundled font, which draws empty boxes on a machine
without Chinese fonts."""

WEB_ROLES: dict[str, WebRole] = {
    "fang": WebRole("fang", "GzFang", ("body",), "serif"),
    "title": WebRole("title", "GzTitle", (".gw-title", ".gw-appendix-title"), "serif"),
    "hei": WebRole("hei", "GzHei", (
        ".gw-n1.gw-heading", ".gw-h1", ".gw-chapter", ".gw-article-no", ".gw-event-date",
        ".gw-appendix-label", ".gw-table-title", "th", ".mh-kicker", ".mh-marks", ".mh-label",
        ".toc-section", ".toc-heading"), "sans-serif"),
    "hei_bold": WebRole("hei_bold", "GzHeiBold", (".mh-name",), "sans-serif"),
    "kai": WebRole("kai", "GzKai", (".gw-n2.gw-heading", ".gw-h2", ".mh-motto"), "serif"),
    "song": WebRole("song", "GzSong", (".song",), "serif"),
    "ui": WebRole("hei", "GzHei", (".ui",), "sans-serif", UI_SYSTEM_FONTS),
}
"""Web role → the font it uses and the elements set in it. The nearest matching ancestor
decides, as CSS inheritance does; ``body`` makes 仿宋 the default. The notice roles follow the
print stylesheet; the site's own labels and menus (``.ui``) prefer the reader's system font."""

_VOID = frozenset("area base br col embed hr img input link meta source track wbr".split())
_SKIP = frozenset(("head", "script", "style", "template", "title", "noscript"))


@dataclass(frozen=True, slots=True)
class _Selector:
    tag: str | None
    classes: frozenset[str]

    @classmethod
    def parse(cls, text: str) -> _Selector:
        tag, *classes = text.split(".")
        return cls(tag or None, frozenset(classes))

    def matches(self, tag: str, classes: set[str]) -> bool:
        return (self.tag is None or self.tag == tag) and self.classes <= classes


_SELECTORS = [(role, _Selector.parse(s))
              for role, spec in WEB_ROLES.items() for s in spec.selectors]


class _RoleCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, str | None]] = []
        self.skip = 0
        self.chars: dict[str, set[str]] = {}

    def _role(self) -> str:
        return next((role for _, role in reversed(self.stack) if role), "fang")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skip += 1
        attributes = dict(attrs)
        classes = set((attributes.get("class") or "").split())
        role = next((r for r, sel in reversed(_SELECTORS) if sel.matches(tag, classes)), None)
        placeholder = attributes.get("placeholder")
        if placeholder and not self.skip:
            self._add(role or self._role(), placeholder)
        if tag not in _VOID:
            self.stack.append((tag, role))

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skip = max(0, self.skip - 1)
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                break

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self._add(self._role(), data)

    def _add(self, role: str, text: str) -> None:
        self.chars.setdefault(role, set()).update(visible(text))


def visible(text: str) -> set[str]:
    """The characters of ``text`` that need a glyph (U+3000 does: it is a full-width space)."""
    return set(text) - set(" \t\r\n\f\v")


def role_texts(html: str) -> dict[str, set[str]]:
    """The characters each font role sets on one rendered page."""
    collector = _RoleCollector()
    collector.feed(html)
    collector.close()
    return collector.chars


@dataclass(frozen=True, slots=True)
class WebFont:
    family: str
    path: str
    """Site path, assets/fonts/<family>-<hash>.woff2."""
    data: bytes
    chars: frozenset[str]


@dataclass(frozen=True, slots=True)
class FontSet:
    fonts: dict[str, WebFont]
    """Family → its subset."""
    stacks: dict[str, str]
    """Role → CSS font-family value."""
    missing: frozenset[str]
    """Characters no bundled font has (shown in a system font)."""

    def css(self, url_prefix: str) -> str:
        return "".join(
            f'@font-face{{font-family:{f.family};src:url("{url_prefix}{f.path.rsplit("/", 1)[-1]}")'
            f' format("woff2");font-display:swap}}\n' for f in self.fonts.values())

    def families_for(self, chars: dict[str, set[str]]) -> set[str]:
        """The web fonts a page with these role characters makes the browser download."""
        needed = set()
        for role, text in chars.items():
            family = WEB_ROLES[role].family
            if family in self.fonts and text & self.fonts[family].chars:
                needed.add(family)
            for font in self.fonts.values():
                if font.family.startswith("GzFallback") and text & font.chars:
                    needed.add(font.family)
        return needed


def font_stacks(config: Config) -> dict[str, str]:
    fallback = [f"GzFallback{i + 1}" for i in range(len(config.fonts.fallback))]
    return {role: ", ".join([*spec.system, spec.family, *fallback, spec.generic])
            for role, spec in WEB_ROLES.items()}


def preview_css(config: Config, url_prefix: str) -> str:
    """@font-face rules for the whole bundled fonts (the preview serves them from fonts/)."""
    families = {spec.family: getattr(config.fonts, spec.font) for spec in WEB_ROLES.values()}
    rules = list(families.items())
    rules += [(f"GzFallback{i + 1}", p) for i, p in enumerate(config.fonts.fallback)]
    # The version query changes when a font file does, so pages reload and browsers refetch.
    return "".join(f'@font-face{{font-family:{family};src:url("{url_prefix}{path.name}'
                   f'?v={path.stat().st_mtime_ns:x}");font-display:block}}\n'
                   for family, path in rules)


def subset_site(config: Config, chars: dict[str, set[str]]) -> FontSet:
    """One woff2 subset per role (and per fallback font) for the characters the site uses."""
    fallback = list(config.fonts.fallback)
    wanted: dict[str, tuple[Path, set[str]]] = {}
    missing: set[str] = set()
    for role, text in chars.items():
        path = getattr(config.fonts, WEB_ROLES[role].font)
        covered = _cmap(path)
        own = {ch for ch in text if ord(ch) in covered}
        if own:
            wanted.setdefault(WEB_ROLES[role].family, (path, set()))[1].update(own)
        for ch in text - own:
            for index, fb in enumerate(fallback):
                if ord(ch) in _cmap(fb):
                    wanted.setdefault(f"GzFallback{index + 1}", (fb, set()))[1].add(ch)
                    break
            else:
                missing.add(ch)
    fonts = {}
    for family, (path, text) in sorted(wanted.items()):
        data = _subset_cached(path, "".join(sorted(text)))
        digest = hashlib.sha256(data).hexdigest()[:10]
        fonts[family] = WebFont(family, f"assets/fonts/{family}-{digest}.woff2", data,
                                frozenset(text))
    return FontSet(fonts, font_stacks(config), frozenset(missing))


def cache_dir() -> Path:
    if env := os.environ.get("GAZETTE_CACHE_DIR"):
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "gazette"


def _subset_cached(path: Path, text: str) -> bytes:
    from fontTools import version as fonttools_version

    key = hashlib.sha256("\0".join(
        (CACHE_VERSION, fonttools_version, _digest(path), text)).encode()).hexdigest()
    entry = cache_dir() / "webfonts" / f"{key}.woff2"
    if entry.is_file():
        return entry.read_bytes()
    data = _subset(path, text)
    from .output import write_atomic

    write_atomic(entry, data)
    return data


def _subset(path: Path, text: str) -> bytes:
    from fontTools import subset
    from fontTools.ttLib import TTFont

    options = subset.Options()
    options.flavor = "woff2"
    options.hinting = False  # screens ignore most CJK hints; dropping them saves a tenth
    options.notdef_outline = True
    font = TTFont(path, lazy=True)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=text)
    subsetter.subset(font)
    out = io.BytesIO()
    font.flavor = "woff2"
    font.save(out)
    return out.getvalue()


def _digest(path: Path) -> str:
    stat = path.stat()
    return _digest_of(path, stat.st_mtime_ns, stat.st_size)


@cache
def _digest_of(path: Path, mtime_ns: int, size: int) -> str:  # noqa: ARG001 - cache key
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _cmap(path: Path) -> frozenset[int]:
    return frozenset(font_cmap(path))
