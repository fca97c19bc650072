"""Web fonts for the HTML edition: each page downloads about what it shows, and no more.

The bundled fonts weigh 3–19 MB each and a Fandol glyph ~400 bytes even in woff2, so what a
page loads is cut to its text, in two parts:

- the body font (仿宋) is cut into stable slices of the most common characters
  (:func:`core_slices`: digits and punctuation plus the 300 commonest characters of modern
  Chinese, gazette/data/common_chars.txt). Every notice needs them; they do not depend on the
  content, so they keep their names across issues and rebuilds and stay in the browser's cache;
- every page gets its remaining characters of each font in pieces (:data:`PIECE_SIZE`), in the
  order the page shows them, declared in the page's head with their ``unicode-range``, so a
  short notice never pays for a long one. A long notice's blocks past its first screen, and a
  table's rows, are set in the blank fonts until the reader comes near them
  (:func:`lay_out_lazily`, :data:`FAR_AFTER`; blocks further down are also laid out lazily,
  ``content-visibility: auto``): the browser fetches the pieces their text needs only then.
  Pieces depend only on the page.

The search page, which may show any notice's text, gets stable slices of every font instead
(:func:`extended_slices`), declared with ``unicode-range`` so that only the slices its results
use are fetched. While fonts load, text is laid out in a local Chinese font or, failing that, in a
blank font with the same advances; both carry the web fonts' vertical metrics, so nothing moves
when the web font arrives.

Which text is set in which role is declared once, in :data:`WEB_ROLES`: the web stylesheet takes
its font-family rules from it, and :func:`role_texts` walks each rendered page with the same
selectors to collect the characters (:func:`role_order`, in reading order), so the two cannot
disagree. Characters missing from a
role's font go to the bundled fallback fonts, as in print.

Subsets are cut with harfbuzz (libharfbuzz-subset, milliseconds) or else fontTools, and cached
by content in the project's ``build/.cache/webfonts/``.
"""

from __future__ import annotations

import hashlib
import io
import os
import pickle
import re
import unicodedata
from collections.abc import Iterable, Iterator, KeysView
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache, lru_cache
from html.parser import HTMLParser
from pathlib import Path

from .config import Config
from .fonts import font_cmap

CACHE_VERSION = "6"
"""Part of every cache key, with this module's own hash (:func:`_tools_key`)."""


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

LAZY_BLOCKS = (".gw-flow > *", ".gw-table-block", ".gw-signature",
               ".notice-info", ".pager", ".site-foot")
"""Blocks of a page that the browser may lay out only when the reader scrolls near them:
:func:`lay_out_lazily` marks those that come after the first :data:`LAZY_AFTER` characters
with the class ``gw-lazy`` (``content-visibility: auto`` in site.css), and the font pieces
only their text needs load when they come near. Every other text (site header, title, the
first screens, the sticky 回到顶部 …) is laid out on every visit, so its characters come
first in the page's pieces."""
LAZY_AFTER = 1000
"""Characters of a page always laid out: more than a first screen shows (a 1280 × 800 screen
holds ~800 of a notice below the site header). A block on the first screen must not be lazy:
Chromium gives a lazy block that arrives while the page is still loading its estimated height
first, and the text below it moves when it takes its real one (layout shift 0.07 on Slow 4G,
measured). 1500 cost the first visit ~50 KB more at 375 px; 1000 moved nothing (CLS ≤ 0.003)."""
LAZY_CLASS = "gw-lazy"
FAR_AFTER = 500
"""Characters of a page set in its own fonts from the start: about what a phone's first
screen shows with the site header (375 × 800 px: ~500). The blocks after them, and the rows of
a table one by one, are marked far (:data:`FAR_CLASS`): set in the blank fonts, which fetch
nothing, until the reader comes within half a screen of them (the head's script drops the
class from an IntersectionObserver), so their font pieces load only then. Without it Chromium
lays out a ``content-visibility: auto`` block as soon as it is within 1.5 screens, and a table
whole, and a first visit loaded the pieces of ~2.5 screens of text (at 1280 px 336 KB, a
table's notice 504 KB; with it 269 and 296 KB, measured). The blank fonts have the web fonts'
advances, line heights and 'halt' widths, so the text does not move when its font arrives."""
FAR_CLASS = "gw-far"

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


def _lazy_selectors() -> list[tuple[_Selector, bool]]:
    """:data:`LAZY_BLOCKS` as (selector, child of the selector's match only)."""
    out = []
    for text in LAZY_BLOCKS:
        parent, _, child = text.partition(" > ")
        out.append((_Selector.parse(parent), bool(child)))
    return out


_LAZY = _lazy_selectors()


class _RoleCollector(HTMLParser):
    """Each role's characters in the order a browser needs them: first the text set in its
    fonts on every visit, then the far and lazily laid-out blocks (:data:`LAZY_BLOCKS`, table
    rows) in document order, then what a closed <details> hides beyond its summary."""

    def __init__(self, mark: bool = False) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, str | None, bool, int, bool]] = []
        """(tag, role, closed <details>, 0 | 1 lazy block | 2 its children may be, far)."""
        self.mark = mark
        self.marks: list[tuple[tuple[int, int], str, tuple[str, ...]]] = []
        """With ``mark``: (position, start tag, classes to add) of each block to make lazy
        (:data:`LAZY_CLASS`) or far (:data:`FAR_CLASS`)."""
        self.shown = 0
        self.skip = 0
        self.chars: dict[tuple[str, str], None] = {}
        self.lazy: dict[tuple[str, str], None] = {}
        self.later: dict[tuple[str, str], None] = {}

    def _role(self) -> str:
        return next((entry[1] for entry in reversed(self.stack) if entry[1]), "fang")

    def _folded(self) -> bool:
        """Inside a closed <details>, and not in its summary."""
        for index, (tag, _, closed, _, _) in enumerate(self.stack):
            if tag == "details" and closed:
                return not any(entry[0] == "summary" for entry in self.stack[index + 1:])
        return False

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
            lazy = 2 if any(c and sel.matches(tag, classes) for sel, c in _LAZY) else 0
            block = (any(not c and sel.matches(tag, classes) for sel, c in _LAZY)
                     or bool(self.stack and self.stack[-1][3] == 2))
            inside = any(entry[3] == 1 for entry in self.stack)
            far = FAR_CLASS in classes or any(entry[4] for entry in self.stack)
            added = []
            if LAZY_CLASS in classes and not inside:
                lazy = 1
            elif self.mark and not inside and tag != "table" and self.shown >= LAZY_AFTER and block:
                lazy = 1
                added.append(LAZY_CLASS)
            # A table's rows are far one by one, never the table as a whole: it may be long.
            if (self.mark and not far and self.shown >= FAR_AFTER
                    and (tag == "tr" or (block and "gw-table-block" not in classes))):
                far = True
                added.append(FAR_CLASS)
            if added:
                self.marks.append((self.getpos(), self.get_starttag_text() or "", tuple(added)))
            self.stack.append((tag, role, tag == "details" and "open" not in attributes, lazy,
                               far))

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
        if self._folded():
            into = self.later
        else:
            lazy = any(entry[3] == 1 for entry in self.stack)
            if not lazy:
                self.shown += len(text.strip())
            into = self.lazy if lazy or any(entry[4] for entry in self.stack) else self.chars
        into.update(dict.fromkeys((role, ch) for ch in text if _needs_glyph(ch)))

    def ordered(self) -> dict[str, dict[str, int]]:
        roles: dict[str, dict[str, int]] = {}
        for start, part in ((0, self.chars), (LAZY_RANK, self.lazy), (2 * LAZY_RANK, self.later)):
            for rank, (role, ch) in enumerate(part, start):
                roles.setdefault(role, {}).setdefault(ch, rank)
        return roles


LAZY_RANK = 1 << 24
"""Ranks from here on are text in far or lazily laid-out blocks (and, from twice this, in closed
<details>): a font whose first character on the page ranks here is not preloaded."""


def _needs_glyph(ch: str) -> bool:
    return ch not in " \t\r\n\f\v" and unicodedata.category(ch) not in ("Cf", "Cc")


def visible(text: str) -> set[str]:
    """The characters of ``text`` that need a glyph (U+3000 does: it is a full-width space;
    format characters such as U+2060 WORD JOINER do not)."""
    return {ch for ch in set(text) if _needs_glyph(ch)}


def role_texts(html: str) -> dict[str, set[str]]:
    """The characters each font role sets on one rendered page."""
    return {role: set(chars) for role, chars in role_order(html).items()}


def lay_out_lazily(html: str) -> tuple[str, dict[str, dict[str, int]]]:
    """``html`` with the blocks after its first :data:`LAZY_AFTER` characters marked lazy
    (:data:`LAZY_BLOCKS`), those after :data:`FAR_AFTER` far, and its :func:`role_order`, in
    one reading of the page."""
    collector = _RoleCollector(mark=True)
    collector.feed(html)
    collector.close()
    if not collector.marks:
        return html, collector.ordered()
    starts = [0]
    for line in html.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))
    out, last = [], 0
    for (line, column), tag, names in collector.marks:
        at = starts[line - 1] + column
        marked = tag
        for name in names:
            marked = _with_class(marked, name)
        out += [html[last:at], marked]
        last = at + len(tag)
    out.append(html[last:])
    return "".join(out), collector.ordered()


_CLASS = re.compile(r'(\sclass=")([^"]*)"')


def _with_class(tag: str, name: str) -> str:
    if _CLASS.search(tag):
        return _CLASS.sub(lambda m: f'{m.group(1)}{m.group(2)} {name}"', tag, count=1)
    head, _, rest = tag.partition(" ") if " " in tag else (tag[:-1], "", ">")
    return f'{head} class="{name}"' + (f" {rest}" if rest != ">" else ">")


def role_order(html: str) -> dict[str, dict[str, int]]:
    """The characters each font role sets on one rendered page, each with the rank of its
    first appearance on the page, counted across roles (see :class:`_RoleCollector`): the
    page's own fonts are cut in that order, so what the first screens show is in the first
    pieces."""
    collector = _RoleCollector()
    collector.feed(html)
    collector.close()
    return collector.ordered()


@dataclass(frozen=True, slots=True)
class WebFont:
    family: str
    path: str
    """Site path, assets/fonts/<family>-<kind>-<hash>.woff2 (the hash of the file itself)."""
    data: bytes
    chars: frozenset[str]
    eager: bool = True
    """Needed by the first screen: a page's first piece of each font is preloaded (when the
    page's always laid-out text uses the font); its later pieces load only when the browser
    lays out text they hold."""
    ranged: bool = True
    """Declared with its unicode-range. A page's first piece of a font is not: it is declared
    before the later pieces, so it only takes what their ranges leave. Had it a range too,
    Chromium would lay out text in the metrics of a last-resort font until the outline-free
    fallback is ready, and the text would move (layout shift 0.06 on Slow 4G, measured)."""

    def face(self, url: str) -> str:
        ranges = f";unicode-range:{unicode_range(self.chars)}" if self.ranged else ""
        return (f'@font-face{{font-family:{self.family};src:url("{url}")'
                f"{FACE_METRICS};font-display:swap{ranges}}}\n")

    @property
    def preloaded(self) -> bool:
        """A face that a reader's own font may stand in for is not preloaded: a preload is
        fetched whether or not the face ends up needing it."""
        return self.eager and self.family not in LOCAL_FIRST


FACE_METRICS = ";ascent-override:88%;descent-override:12%;line-gap-override:0%"
"""Fandol's own vertical metrics, declared on every face and on the fallbacks, so a line sits
at the same height whichever font draws it while the web fonts load."""

LOCAL_FIRST = {"GzFang": ('"FangSong"', '"仿宋"', '"FangSong_GB2312"', '"仿宋_GB2312"',
                          '"STFangsong"', '"华文仿宋"')}
"""Body text (仿宋) is set in the reader's own 仿宋 when there is one (every Chinese Windows has
FangSong, Macs STFangsong), so the longest notices cost no body-font download there; elsewhere
the bundled font's subsets load as before. Matched by full or PostScript name (CSS local()),
in one face of its own (:func:`local_family`, fonts.css) ahead of the web font in the stack,
not in each piece's face: a page declares ~20 pieces of 仿宋 in its head."""


def local_family(family: str) -> str:
    """The family of the reader's own fonts that stand in for ``family`` (:data:`LOCAL_FIRST`)."""
    return f"GzLocal-{family.removeprefix('Gz').lower()}"

SLICED = "GzFang"
"""The body font is cut into stable slices shared by all pages; it is most of a site's text."""
CORE_SIZE = 100
CORE_SLICES = 3
"""Slices of the most common characters (gazette/data/common_chars.txt) in the body font:
nearly every page needs them, so they are shared and stay cached across pages and rebuilds."""
PIECE_SIZE = 48
"""A page's own characters of each font are cut, in the order the page shows them, into pieces
of this many (~15 KB of 仿宋), each declared with its unicode-range: the browser fetches a piece
when it lays out text that needs it, so a first visit loads what the first screens show and
the rest follows as the reader scrolls (the notice's blocks are laid out lazily, site.css).
Smaller pieces waste less of a first visit but cost a request and ~0.9 KB of font tables each."""
EXTENDED_SIZE = 200
"""The search page, which can show any notice's text, takes the rest of each font in slices of
this many characters (by frequency, then code point): only the slices its results use load."""

BASIC = ("".join(chr(c) for c in range(0x21, 0x7F) if not chr(c).isalpha()) +
         "\u3000，。、；：？！（）《》〈〉“”‘’〔〕【】「」『』—…·％＋－．／０１２３４５６７８９△○●")
"""Digits, ASCII and Chinese punctuation: in the first slice with the commonest characters,
since every page has them. Not the Latin letters: a notice uses a handful (No., PDF), which
its own pieces carry for less than the 3 KB all 52 cost in the slice."""

LOCAL_FALLBACK = {
    "serif": ('"FangSong"', '"STFangsong"', '"SimSun"', '"Songti SC"', '"Noto Serif CJK SC"',
              '"Source Han Serif SC"'),
    "sans-serif": ('"PingFang SC"', '"Microsoft YaHei"', '"SimHei"', '"Noto Sans CJK SC"',
                   '"Source Han Sans SC"'),
}
"""Chinese system fonts used while a web font loads, declared with the web fonts' vertical
metrics (size-adjust and the overrides), so swapping in the web font moves nothing."""


def common_order() -> str:
    """Chinese characters, most common first (scripts/make_common_chars.py)."""
    return _common_order()


@cache
def _common_order() -> str:
    text = (Path(__file__).parent / "data" / "common_chars.txt").read_text(encoding="utf-8")
    return "".join(text.split())


def core_slices() -> list[str]:
    order = common_order()
    slices = [order[i * CORE_SIZE:(i + 1) * CORE_SIZE] for i in range(CORE_SLICES)]
    slices[0] = BASIC + slices[0]
    return slices


def extended_slices(path: Path, skip: str = "") -> list[str]:
    """The rest of a font's characters in stable slices: common ones first, then by code point."""
    rank = {ch: i for i, ch in enumerate(common_order())}
    skipped = set(skip)
    chars = sorted((chr(c) for c in _cmap(path) if chr(c) not in skipped and c > 0x20),
                   key=lambda ch: (rank.get(ch, len(rank)), ord(ch)))
    return ["".join(chars[i:i + EXTENDED_SIZE]) for i in range(0, len(chars), EXTENDED_SIZE)]


def unicode_range(chars) -> str:
    """A compact CSS unicode-range: runs of consecutive code points become U+XXXX-YYYY."""
    points = sorted(ord(c) for c in chars)
    parts = []
    start = prev = points[0]
    for point in [*points[1:], None]:
        if point is not None and point == prev + 1:
            prev = point
            continue
        parts.append(f"U+{start:X}" if start == prev else f"U+{start:X}-{prev:X}")
        if point is not None:
            start = prev = point
    return ",".join(parts)


@dataclass(frozen=True, slots=True)
class PageFonts:
    """The web fonts one page uses: shared slices (in fonts.css) and its own pieces."""

    shared: tuple[WebFont, ...]
    own: tuple[WebFont, ...]

    def head(self, href) -> str:
        """Preload links for the fonts the first screen needs (but those a local font may
        replace) and @font-face rules for the page's own pieces: the browser asks for the first
        ones at once instead of after the stylesheets."""
        fonts = [f for f in (*self.shared, *self.own) if f.preloaded]
        links = "".join(f'<link rel="preload" href="{href(f.path)}" as="font" type="font/woff2"'
                        f" crossorigin>\n" for f in fonts)
        faces = "".join(f.face(href(f.path)) for f in self.own)
        return links + (f"<style>\n{faces}</style>\n" if faces else "")

    @property
    def bytes(self) -> int:
        """Every font of the page: what reading it to the end downloads."""
        return sum(len(f.data) for f in (*self.shared, *self.own))


@dataclass(frozen=True, slots=True)
class FontSet:
    core: tuple[WebFont, ...]
    """The body font's shared slices, declared in fonts.css."""
    pages: dict[str, PageFonts]
    """Site path of each page → its fonts."""
    extended: tuple[WebFont, ...]
    """Slices of every font for the search page (fonts-search.css)."""
    blanks: dict[str, bytes]
    """Family → an outline-free font with the family's advances, the last fallback: on a
    machine without Chinese fonts the text is laid out right, and invisible, until it loads."""
    stacks: dict[str, str]
    missing: frozenset[str]

    @property
    def fonts(self) -> dict[str, WebFont]:
        """Every font file of the site by site path."""
        files = {f.path: f for f in (*self.core, *self.extended)}
        for page in self.pages.values():
            files.update({f.path: f for f in page.own})
        return files

    def css(self, url_prefix: str) -> str:
        """fonts.css: the shared slices, the local fallbacks with matching metrics, the blanks."""
        return (_fallback_css(self.blanks) +
                "".join(f.face(url_prefix + f.path.rsplit("/", 1)[-1]) for f in self.core))

    def search_css(self, url_prefix: str) -> str:
        return "".join(f.face(url_prefix + f.path.rsplit("/", 1)[-1]) for f in self.extended)


def _fallback_css(blanks: dict[str, bytes]) -> str:
    import base64

    rules = []
    for generic, names in LOCAL_FALLBACK.items():
        sources = ",".join(f"local({name})" for name in names)
        rules.append(f"@font-face{{font-family:GzLocal-{generic};src:{sources}"
                     f"{FACE_METRICS};size-adjust:100%}}\n")
    for family, names in LOCAL_FIRST.items():
        sources = ",".join(f"local({name})" for name in names)
        rules.append(f"@font-face{{font-family:{local_family(family)};src:{sources}"
                     f"{FACE_METRICS}}}\n")
    for family, data in sorted(blanks.items()):
        rules.append(f"@font-face{{font-family:{family}Blank;src:url(data:font/woff2;base64,"
                     f"{base64.b64encode(data).decode()}) format(\"woff2\"){FACE_METRICS}}}\n")
    return "".join(rules)


def font_stacks(config: Config, *, blanks: bool = True) -> dict[str, str]:
    fallback = [f"GzFallback{i + 1}" for i in range(len(config.fonts.fallback))]
    stacks = {}
    for role, spec in WEB_ROLES.items():
        tail = [f"GzLocal-{spec.generic}", f"{spec.family}Blank"] if blanks else []
        local = [local_family(spec.family)] if blanks and spec.family in LOCAL_FIRST else []
        stacks[role] = ", ".join([*spec.system, *local, spec.family, *fallback, *tail,
                                  spec.generic])
    return stacks


def far_css() -> str:
    """Screen rules that set a far block (:data:`FAR_CLASS`) in a reader's Chinese font or the
    blank fonts, role by role, with the same metrics as the web fonts: nothing in the stack
    fetches a font. Only with scripts on (``html.js``), since the head's script is what drops
    the class when the block nears; on paper every block is set in its fonts."""
    rules = []
    for role, spec in WEB_ROLES.items():
        stack = ", ".join([*spec.system, f"GzLocal-{spec.generic}", f"{spec.family}Blank",
                           spec.generic])
        if spec.selectors == ("body",):
            rules.append(f".js .{FAR_CLASS} {{ font-family: {stack}; }}")
            continue
        selectors = ", ".join(spec.selectors)
        rules.append(f".js .{FAR_CLASS}:is({selectors}), .js .{FAR_CLASS} :is({selectors}) "
                     f"{{ font-family: {stack}; }}")
    return "@media screen {\n" + "".join(f"  {rule}\n" for rule in rules) + "}\n"


def preview_css(config: Config, url_prefix: str) -> str:
    """@font-face rules for the whole bundled fonts (the preview serves them from fonts/)."""
    families = {spec.family: getattr(config.fonts, spec.font) for spec in WEB_ROLES.values()}
    rules = list(families.items())
    rules += [(f"GzFallback{i + 1}", p) for i, p in enumerate(config.fonts.fallback)]
    # The version query changes when a font file does, so pages reload and browsers refetch.
    return "".join(f'@font-face{{font-family:{family};src:url("{url_prefix}{path.name}'
                   f'?v={path.stat().st_mtime_ns:x}");font-display:block}}\n'
                   for family, path in rules)


def _family_paths(config: Config) -> dict[str, Path]:
    paths = {spec.family: getattr(config.fonts, spec.font) for spec in WEB_ROLES.values()}
    paths.update({f"GzFallback{i + 1}": p for i, p in enumerate(config.fonts.fallback)})
    return paths


def _assign(config: Config, chars: dict[str, Iterable[str]],
            missing: set[str]) -> dict[str, dict[str, int]]:
    """Role characters → family characters: each character goes to its role's font, or to the
    first fallback font that has it. With ranks (:func:`role_order`) each family's characters
    come in the order the page first shows them, whichever role shows them, with that rank."""
    fallback = list(config.fonts.fallback)
    out: dict[str, dict[str, int]] = {}
    for role, text in chars.items():
        spec = WEB_ROLES[role]
        covered = _cmap(getattr(config.fonts, spec.font))
        ranks = text if isinstance(text, dict) else dict.fromkeys(text, 0)
        for ch, rank in ranks.items():
            if ord(ch) in covered:
                family = spec.family
            else:
                family = next((f"GzFallback{index + 1}" for index, fb in enumerate(fallback)
                               if ord(ch) in _cmap(fb)), None)
                if family is None:
                    missing.add(ch)
                    continue
            known = out.setdefault(family, {})
            known[ch] = min(rank, known.get(ch, rank))
    return {family: {ch: ranks[ch] for ch in sorted(ranks, key=lambda ch: (ranks[ch], ch))}
            for family, ranks in out.items()}


def _web_font(family: str, kind: str, path: Path, chars: str, cuts: Path,
              eager: bool = True, ranged: bool = True) -> WebFont:
    data = _subset_cached(path, "".join(sorted(chars)), cuts)
    digest = hashlib.sha256(data).hexdigest()[:10]
    return WebFont(family, f"assets/fonts/{family}-{kind}-{digest}.woff2", data,
                   frozenset(chars), eager, ranged)


def subset_site(config: Config, page_chars: dict[str, dict[str, Iterable[str]]],
                search_page: str | None = None,
                search_chars: dict[str, set[str]] | None = None) -> FontSet:
    """Fonts for every page: the body font's shared slices that the page touches plus, per
    family, pieces of the page's other characters in the order the page shows them
    (``page_chars`` ranks them so, :func:`role_order`); the search page takes stable slices of
    every font for whatever its results may show.

    Cuts already in the cache are read; when some are not (a new project, new characters),
    a first pass only lists them, they are cut on every core (:func:`_cut_all`), and the
    fonts are put together again from the cache."""
    wanted: set[tuple[Path, str]] = set()
    _WANTED.append(wanted)
    try:
        fonts = _subset_site(config, page_chars, search_page, search_chars)
    finally:
        _WANTED.pop()
    if not wanted:
        return fonts
    _cut_all(sorted(wanted), cache_dir(config))
    return _subset_site(config, page_chars, search_page, search_chars)


_WANTED: list[set[tuple[Path, str]]] = []
"""While :func:`subset_site` lists the cuts it needs, the set they go in."""


FEW_CUTS = 4
"""Up to this many missing cuts (an edit's new characters) are cut in this process: starting
interpreters would cost more than the cuts."""


class CutsDeferred(Exception):
    """A batch of cuts wanted where :func:`deferring_cuts` forbids starting cutters."""


_DEFER: list[bool] = []


@contextmanager
def deferring_cuts() -> Iterator[None]:
    """Meanwhile a batch of cuts raises :class:`CutsDeferred` instead of starting cutters:
    the web edition rendered beside the PDF's writing must not add two cutters to a process
    tree that still holds the whole layout. The build renders the edition again itself once
    the layout is gone; only a project's first build, or new fonts, pay that."""
    _DEFER.append(True)
    try:
        yield
    finally:
        _DEFER.pop()


def _cut_all(wanted: list[tuple[Path, str]], cuts: Path) -> None:
    """Cut ``wanted`` into the cache. Many cuts (a new project) are shared out over the CPUs,
    the biggest first so that the shares come out even, each share in a fresh interpreter
    (``python -m gazette.webfonts``), not in a fork: a build that forks holds a laid-out issue,
    and a fork counts those pages again in its own size, with the cutter's ~140 MB on top.

    The cache's lock is held meanwhile, so two builds of one project (a preview and a
    build, or test workers sharing one cache) do not cut the same fonts twice: whoever gets
    the lock second finds most of its cuts made and cuts only the rest."""
    import fcntl

    cuts.mkdir(parents=True, exist_ok=True)
    with open(cuts / ".lock", "wb") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        jobs = sorted((job for job in wanted if not _cut_entry(*job, cuts).is_file()),
                      key=lambda job: -len(job[1]))
        shares = max(1, min(len(jobs), os.cpu_count() or 1))
        if len(jobs) <= FEW_CUTS or shares == 1:
            _cut_share(jobs, cuts)
            return
        if _DEFER:
            raise CutsDeferred(len(jobs))
        # Many cuts take tens of seconds: jieba's dictionary (~75 MB, loaded for the titles
        # of a new project) need not sit beside the cutters meanwhile.
        from .typography import release_segmenter

        release_segmenter()
        _cut_elsewhere([jobs[k::shares] for k in range(shares)], cuts)


def _cut_elsewhere(shares: list[list[tuple[Path, str]]], cuts: Path) -> None:
    """Each share cut by its own ``python -m gazette.webfonts`` at once; an error names the
    share's first font and what the cutter printed."""
    import json
    import subprocess
    import sys

    package_root = str(Path(__file__).resolve().parent.parent)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, (package_root, env.get("PYTHONPATH"))))
    running = []
    failed = []
    try:
        for share in shares:
            request = json.dumps({"cuts": os.fspath(cuts),
                                  "jobs": [[os.fspath(path), text] for path, text in share]},
                                 ensure_ascii=False).encode("utf-8")
            process = subprocess.Popen([sys.executable, "-m", "gazette.webfonts"], env=env,
                                       stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                       stderr=subprocess.PIPE)
            running.append((share, process))
            with process.stdin:  # read whole at once by the cutter, which then starts
                process.stdin.write(request)
        for share, process in running:
            errors = process.stderr.read()
            if process.wait() != 0:
                failed.append(f"{share[0][0].name}：{errors.decode('utf-8', 'replace').strip()}")
    finally:  # a build stopped (Ctrl+C, the preview's SIGTERM) stops its cutters too
        for _, process in running:
            if process.poll() is None:
                process.kill()
                process.wait()
            process.stderr.close()
    if failed:
        raise RuntimeError("网页字体切分失败：" + "；".join(failed))


def _cut_share(jobs: list[tuple[Path, str]], cuts: Path) -> None:
    from .output import write_atomic

    for path, text in jobs:
        write_atomic(_cut_entry(path, text, cuts), _subset(path, text))


def _cut_request() -> None:
    """``python -m gazette.webfonts``: cut the share a build sends as JSON on stdin."""
    import json
    import sys

    request = json.loads(sys.stdin.buffer.read().decode("utf-8"))
    _cut_share([(Path(path), text) for path, text in request["jobs"]], Path(request["cuts"]))


def _subset_site(config: Config, page_chars: dict[str, dict[str, Iterable[str]]],
                 search_page: str | None, search_chars: dict[str, set[str]] | None) -> FontSet:
    cuts = cache_dir(config)
    paths = _family_paths(config)
    missing: set[str] = set()
    sliced_path = paths[SLICED]
    core_chars = _core_chars(sliced_path)
    pages: dict[str, PageFonts] = {}
    core_fonts: dict[int, WebFont] = {}

    def core_font(index: int) -> WebFont:
        if index not in core_fonts:
            core_fonts[index] = _web_font(SLICED, f"c{index}", sliced_path, core_chars[index],
                                          cuts)
        return core_fonts[index]

    all_core = set("".join(core_chars))
    for page, chars in page_chars.items():
        if page == search_page:
            continue
        families = _assign(config, chars, missing)
        shared, own = [], []
        for family, text in sorted(families.items()):
            if family == SLICED:
                for index, piece in enumerate(core_chars):
                    if set(text) & set(piece):
                        shared.append(core_font(index))
            rest = [ch for ch in text if not (family == SLICED and ch in all_core)]
            first = text[rest[0]] if rest else LAZY_RANK
            own += [_web_font(family, "p", paths[family], "".join(rest[i:i + PIECE_SIZE]), cuts,
                              eager=i == 0 and first < LAZY_RANK, ranged=i > 0)
                    for i in range(0, len(rest), PIECE_SIZE)]
        pages[page] = PageFonts(tuple(shared), tuple(own))
    extended: list[WebFont] = []
    if search_page is not None:
        families = _assign(config, search_chars or page_chars.get(search_page, {}), missing)
        shared = []
        for family, text in sorted(families.items()):
            if family == SLICED:
                for index, piece in enumerate(core_chars):
                    if set(text) & set(piece):
                        shared.append(core_font(index))
                skip = "".join(core_chars)
            else:
                skip = ""
            for index, piece in enumerate(extended_slices(paths[family], skip)):
                if set(text) & set(piece):
                    extended.append(_web_font(family, f"x{index}", paths[family], piece, cuts))
        pages[search_page] = PageFonts(tuple(shared), ())
    blanks = {family: _blank_cached(path, cuts) for family, path in paths.items()
              if not family.startswith("GzFallback")}
    return FontSet(tuple(core_fonts[i] for i in sorted(core_fonts)), pages, tuple(extended),
                   blanks, font_stacks(config), frozenset(missing))


def _blank_cached(path: Path, cuts: Path) -> bytes:
    key = hashlib.sha256("\0".join((_tools_key(), "blank", _digest(path))).encode()).hexdigest()
    entry = cuts / f"{key}.woff2"
    if entry.is_file():
        return entry.read_bytes()
    data = _blank(path)
    from .output import write_atomic

    write_atomic(entry, data)
    return data


BLANK_RANGES = ((0x2E80, 0x2FDF), (0x3000, 0x303F), (0x3040, 0x33FF), (0x3400, 0x4DBF),
                (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0xFE30, 0xFE4F), (0xFF01, 0xFF5E))
"""Blocks whose characters are all one em wide in a Chinese font: the blank font maps them as
whole ranges, which keeps it about a kilobyte; Latin and punctuation keep each advance."""


def _blank(path: Path) -> bytes:
    """A font with no outlines and ``path``'s advance widths and vertical metrics, and its
    'halt' adjustments (:func:`_halt_values`): paired marks (span.gw-pc) are half width in the
    blank too, so lines break the same before and after the web font arrives."""
    from fontTools.fontBuilder import FontBuilder
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import TTFont
    from fontTools.ttLib.tables._c_m_a_p import CmapSubtable

    with TTFont(path, lazy=True) as source:
        upem = source["head"].unitsPerEm
        stamp = source["head"].modified
        hmtx = source["hmtx"]
        cmap = source.getBestCmap()
        widths = {cp: hmtx[glyph][0] for cp, glyph in cmap.items()
                  if cp < 0x250 or 0x2000 <= cp < 0x2300}
        halts = _halt_values(source)
        halted = {cp: (hmtx[glyph][0], halts[glyph][1]) for cp, glyph in cmap.items()
                  if glyph in halts}
    full = upem
    advances = sorted({*widths.values(), full})
    # Marks that 'halt' narrows share a glyph per (advance, narrowing): only widths matter here.
    halt_glyphs = {pair: f"h{pair[0]}n{-pair[1]}" for pair in sorted(set(halted.values()))}
    order = [".notdef", *(f"w{w}" for w in advances), *halt_glyphs.values()]
    mapping = {cp: f"w{w}" for cp, w in widths.items()}
    for low, high in BLANK_RANGES:
        mapping.update({cp: f"w{full}" for cp in range(low, high + 1)})
    mapping.update({cp: halt_glyphs[pair] for cp, pair in halted.items()})
    builder = FontBuilder(upem, isTTF=True)
    builder.setupGlyphOrder(order)
    builder.setupCharacterMap({0x20: mapping.get(0x20, f"w{full}")})
    glyphs = {name: TTGlyphPen(None).glyph() for name in order}
    box = TTGlyphPen(None)  # browsers refuse a font whose glyf table is empty
    for point in ((50, 0), (50, 700), (450, 700), (450, 0)):
        (box.lineTo if box.points else box.moveTo)(point)
    box.closePath()
    glyphs[".notdef"] = box.glyph()
    builder.setupGlyf(glyphs)
    builder.setupHorizontalMetrics({".notdef": (full, 0), **{f"w{w}": (w, 0) for w in advances},
                                    **{name: (w, 0) for (w, _), name in halt_glyphs.items()}})
    if halt_glyphs:
        rules = "".join(f"pos {name} <0 0 {a} 0>;" for (_, a), name in halt_glyphs.items())
        builder.addOpenTypeFeatures("languagesystem DFLT dflt; languagesystem hani dflt; "
                                    f"languagesystem latn dflt; feature halt {{ {rules} }} halt;")
    ascent, descent = round(upem * 0.88), -round(upem * 0.12)
    builder.setupHorizontalHeader(ascent=ascent, descent=descent)
    builder.setupNameTable({"familyName": "GzBlank", "styleName": "Regular"})
    builder.setupOS2(sTypoAscender=ascent, sTypoDescender=descent, usWinAscent=ascent,
                     usWinDescent=-descent)
    builder.setupPost(keepGlyphNames=False)
    table = CmapSubtable.newSubtable(13)
    table.platformID, table.platEncID, table.language = 3, 10, 0
    table.cmap = mapping
    builder.font["cmap"].tables = [table]
    # The same font every time: FontBuilder stamps the clock into head, so take the source's.
    builder.font["head"].created = builder.font["head"].modified = stamp
    builder.font.flavor = "woff2"
    out = io.BytesIO()
    builder.font.save(out)
    return out.getvalue()


def _halt_values(font) -> dict[str, tuple[int, int]]:
    """Glyph → (x placement, x advance) of ``font``'s 'halt' feature (single adjustments)."""
    if "GPOS" not in font:
        return {}
    table = font["GPOS"].table
    indices = {index for record in table.FeatureList.FeatureRecord if record.FeatureTag == "halt"
               for index in record.Feature.LookupListIndex}
    values: dict[str, tuple[int, int]] = {}
    for index in sorted(indices):
        lookup = table.LookupList.Lookup[index]
        for sub in lookup.SubTable:
            if lookup.LookupType == 9:
                sub = sub.ExtSubTable
            if getattr(sub, "LookupType", lookup.LookupType) != 1:
                continue
            records = ([sub.Value] * len(sub.Coverage.glyphs) if sub.Format == 1 else sub.Value)
            for glyph, record in zip(sub.Coverage.glyphs, records):
                values.setdefault(glyph, (getattr(record, "XPlacement", 0) or 0,
                                          getattr(record, "XAdvance", 0) or 0))
    return values


def cache_dir(config: Config) -> Path:
    """Cut fonts are kept in the project's build/.cache/webfonts/ (safe to delete): a cache
    never lives outside the project."""
    return config.build_dir / ".cache" / "webfonts"


def core_cuts_missing(config: Config) -> bool:
    """Whether some of the body font's shared slices are not cut yet: a new project, new
    fonts or a new version of this module, whose web edition will want a batch of cuts."""
    cuts, path = cache_dir(config), _family_paths(config)[SLICED]
    return any(piece and not _cut_entry(path, "".join(sorted(piece)), cuts).is_file()
               for piece in _core_chars(path))


def _core_chars(path: Path) -> list[str]:
    """The shared slices' characters that ``path`` draws."""
    covered = _cmap(path)
    return ["".join(ch for ch in piece if ord(ch) in covered) for piece in core_slices()]


def subset_font(path: Path, chars: str, cuts: Path) -> bytes:
    """``path`` cut to ``chars`` as woff2 (cached in ``cache``), for a page that embeds its
    own font."""
    return _subset_cached(path, chars, cuts)


@cache
def _tools_key() -> str:
    """What a cut font depends on besides its font and text: this module's code, fontTools,
    brotli and harfbuzz (or their absence). Any of them changing gives new cache keys, so the
    cache never returns what an older version cut."""
    import brotli
    from fontTools import version as fonttools_version

    libs = _harfbuzz()
    harfbuzz = libs[0].hb_version_string().decode() if libs is not None else "none"
    code = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()
    return "\0".join((CACHE_VERSION, code, fonttools_version, brotli.__version__, harfbuzz))


def _cut_entry(path: Path, text: str, cuts: Path) -> Path:
    key = hashlib.sha256("\0".join((_tools_key(), _digest(path), text)).encode()).hexdigest()
    return cuts / f"{key}.woff2"


def _subset_cached(path: Path, text: str, cuts: Path) -> bytes:
    entry = _cut_entry(path, text, cuts)
    if entry.is_file():
        return entry.read_bytes()
    if _WANTED:  # subset_site's first pass: only list it
        _WANTED[-1].add((path, text))
        return b""
    data = _subset(path, text)
    from .output import write_atomic

    write_atomic(entry, data)
    return data


def _subset(path: Path, text: str) -> bytes:
    """harfbuzz's subsetter (milliseconds) when libharfbuzz-subset is installed, else fontTools
    (seconds per CJK font); then coarser coordinates (:func:`_compact`), then woff2."""
    sfnt = _hb_subset(path, text)
    if sfnt is None:
        sfnt = _fonttools_subset(path, text)
    return _woff2(_compact(sfnt))


def _fonttools_subset(path: Path, text: str) -> bytes:
    from fontTools import subset
    from fontTools.ttLib import TTFont

    options = subset.Options()
    options.hinting = False  # screens ignore most CJK hints; dropping them saves a tenth
    options.notdef_outline = True
    options.desubroutinize = True
    options.layout_features += list(KEPT_FEATURES)
    options.drop_tables += list(WEB_DROPPED_TABLES)
    font = TTFont(path, lazy=True)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=text)
    subsetter.subset(font)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


WEB_UPEM = 256
"""Units per em of the web fonts. Fandol draws on a 1000-unit em, so most coordinate steps
take two bytes in a CFF charstring; on 256 units they take one, and a glyph shrinks by about a
third. A unit is then 1/256 em: 0.09 px at 24 px, below what a screen can show (the README
gives the screenshots compared)."""


def _compact(sfnt: bytes) -> bytes:
    """A CFF subset redrawn as TrueType outlines on :data:`WEB_UPEM` units: each cubic curve
    becomes quadratic ones (:data:`WEB_CURVE_ERROR`), and every point is scaled and rounded
    (:class:`_ScalingPen`). A quadratic glyf outline compresses better in woff2 than the same
    outline in CFF: its points go into separate streams of flags and coordinate steps, which
    brotli packs tighter (the 仿宋 pieces lose 12 %, measured)."""
    from fontTools.pens.recordingPen import replayRecording
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import TTFont, newTable
    from fontTools.ttLib.scaleUpem import scale_upem

    # No clock in the output; glyph bounds are computed from the new outlines on saving.
    font = TTFont(io.BytesIO(sfnt), recalcTimestamp=False)
    if "CFF " not in font or font["head"].unitsPerEm == WEB_UPEM:
        return sfnt
    factor = WEB_UPEM / font["head"].unitsPerEm
    order = font.getGlyphOrder()  # the CFF's names, which the post table may not share
    top = font["CFF "].cff.topDictIndex[0]
    glyphs = {}
    for name in order:
        charstring, _ = top.CharStrings.getItemAndSelector(name)
        pen = TTGlyphPen(None)
        replayRecording(pickle.loads(_quadratic_outline(charstring.bytecode, factor)), pen)
        glyphs[name] = pen.glyph()
    del font["CFF "]
    scale_upem(font, WEB_UPEM)  # metrics, layout tables; the outlines are already scaled
    glyf = newTable("glyf")
    glyf.glyphOrder, glyf.glyphs = order, glyphs
    font["glyf"], font["loca"] = glyf, newTable("loca")
    hmtx = font["hmtx"]
    for name in order:
        glyphs[name].recalcBounds(glyf)
        hmtx[name] = (hmtx[name][0], getattr(glyphs[name], "xMin", 0))
    maxp = newTable("maxp")
    maxp.tableVersion = 0x00010000
    maxp.numGlyphs = len(order)
    maxp.maxZones = 1
    for field in ("maxPoints", "maxContours", "maxCompositePoints", "maxCompositeContours",
                  "maxTwilightPoints", "maxStorage", "maxFunctionDefs", "maxInstructionDefs",
                  "maxStackElements", "maxSizeOfInstructions", "maxComponentElements",
                  "maxComponentDepth"):
        setattr(maxp, field, 0)
    font["maxp"] = maxp
    font["head"].glyphDataFormat = 0
    font["post"].formatType = 3.0  # no glyph names: the CIDs' names serve no reader
    font.sfntVersion = "\x00\x01\x00\x00"
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


WEB_CURVE_ERROR = 1.0
"""How far (in the source font's units, 1/1000 em for Fandol) a quadratic curve may stray from
the cubic it replaces: 0.016 px at 16 px. Rounding to web units (:data:`WEB_UPEM`) moves
points further than that."""


@lru_cache(maxsize=2048)
def _quadratic_outline(bytecode: bytes, factor: float) -> bytes:
    """A charstring's outline as quadratic curves scaled to whole web units, as pen calls
    (pickled); the last few thousand are kept by their bytes, since the same glyph is cut into
    many pages' subsets. Pickled, a glyph's calls take ~1 KB; as Python tuples of tuples they
    took ~40 KB, and the cache held most of a cutter's memory."""
    from fontTools.misc.psCharStrings import T2CharString
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.recordingPen import RecordingPen

    recording = RecordingPen()
    # Drawing skips a leading width operand; the subsets have no subroutines. Cubics become
    # quadratics on the source's units, then are scaled; TrueType runs the other way round.
    T2CharString(bytecode=bytecode, private=_NoWidth()).draw(
        Cu2QuPen(_ScalingPen(recording, factor), WEB_CURVE_ERROR, reverse_direction=True))
    return pickle.dumps(tuple(recording.value), pickle.HIGHEST_PROTOCOL)


class _NoWidth:
    nominalWidthX = defaultWidthX = 0


WEB_DRIFT = 1.0
"""How far (in web units) a point may sit from its exact scaled place. Each step between two
points is rounded on its own, so a stroke drawn the same way in many glyphs keeps the same
bytes and brotli finds the repeats (5–8 % smaller than rounding every point); a point that
would drift further is rounded in place."""


class _ScalingPen:
    """Scales outlines by ``factor`` into ``out`` on whole units (see :data:`WEB_DRIFT`)."""

    def __init__(self, out, factor: float) -> None:
        self.out, self.factor = out, factor
        self.exact: tuple[float, float] | None = None
        self.placed: tuple[int, int] = (0, 0)

    def _point(self, point) -> tuple[int, int]:
        exact = (point[0] * self.factor, point[1] * self.factor)
        placed = []
        for axis in (0, 1):
            value = round(exact[axis])
            if self.exact is not None:
                stepped = self.placed[axis] + round(exact[axis] - self.exact[axis])
                if abs(stepped - exact[axis]) <= WEB_DRIFT:
                    value = stepped
            placed.append(value)
        self.exact, self.placed = exact, (placed[0], placed[1])
        return self.placed

    def moveTo(self, point) -> None:
        self.out.moveTo(self._point(point))

    def lineTo(self, point) -> None:
        self.out.lineTo(self._point(point))

    def curveTo(self, *points) -> None:
        self.out.curveTo(*(self._point(p) for p in points))

    def qCurveTo(self, *points) -> None:
        self.out.qCurveTo(*(None if p is None else self._point(p) for p in points))

    def closePath(self) -> None:
        self.out.closePath()

    def endPath(self) -> None:
        self.out.endPath()


@cache
def _harfbuzz():
    import ctypes

    try:
        hb = ctypes.CDLL("libharfbuzz.so.0")
        hbs = ctypes.CDLL("libharfbuzz-subset.so.0")
    except OSError:
        return None
    p, u = ctypes.c_void_p, ctypes.c_uint
    for lib, name, res, args in (
            (hb, "hb_version_string", ctypes.c_char_p, []),
            (hb, "hb_blob_create_from_file", p, [ctypes.c_char_p]),
            (hb, "hb_face_create", p, [p, u]),
            (hb, "hb_face_destroy", None, [p]),
            (hb, "hb_blob_destroy", None, [p]),
            (hb, "hb_set_add", None, [p, ctypes.c_uint32]),
            (hb, "hb_face_reference_blob", p, [p]),
            (hb, "hb_blob_get_data", p, [p, ctypes.POINTER(u)]),
            (hbs, "hb_subset_input_create_or_fail", p, []),
            (hbs, "hb_subset_input_destroy", None, [p]),
            (hbs, "hb_subset_input_unicode_set", p, [p]),
            (hbs, "hb_subset_input_set_flags", None, [p, u]),
            (hbs, "hb_subset_input_set", p, [p, ctypes.c_int]),
            (hbs, "hb_subset_or_fail", p, [p, p])):
        function = getattr(lib, name)
        function.restype, function.argtypes = res, args
    return hb, hbs


HB_SUBSET_FLAGS_NO_HINTING = 0x1
HB_SUBSET_FLAGS_DESUBROUTINIZE = 0x4
"""Outlines are redrawn one by one (:func:`_compact`); the bundled Noto fallback has
subroutines, Fandol none."""
HB_SUBSET_SETS_DROP_TABLE_TAG = 3
HB_SUBSET_SETS_LAYOUT_FEATURE_TAG = 6
KEPT_FEATURES = ("halt",)
"""Beyond the subsetters' defaults: 'halt' sets paired punctuation half width (span.gw-pc)."""
WEB_DROPPED_TABLES = ("vhea", "vmtx", "VORG", "DSIG")
"""Vertical metrics: the web edition sets text horizontally only."""


def _hb_subset(path: Path, text: str) -> bytes | None:
    import ctypes

    libs = _harfbuzz()
    if libs is None:
        return None
    hb, hbs = libs
    blob = hb.hb_blob_create_from_file(str(path).encode())
    face = hb.hb_face_create(blob, 0)
    request = hbs.hb_subset_input_create_or_fail()
    try:
        unicodes = hbs.hb_subset_input_unicode_set(request)
        for ch in text:
            hb.hb_set_add(unicodes, ord(ch))
        hbs.hb_subset_input_set_flags(
            request, HB_SUBSET_FLAGS_NO_HINTING | HB_SUBSET_FLAGS_DESUBROUTINIZE)
        dropped = hbs.hb_subset_input_set(request, HB_SUBSET_SETS_DROP_TABLE_TAG)
        for tag in WEB_DROPPED_TABLES:
            hb.hb_set_add(dropped, int.from_bytes(tag.encode(), "big"))
        features = hbs.hb_subset_input_set(request, HB_SUBSET_SETS_LAYOUT_FEATURE_TAG)
        for tag in KEPT_FEATURES:
            hb.hb_set_add(features, int.from_bytes(tag.encode(), "big"))
        result = hbs.hb_subset_or_fail(face, request)
        if not result:
            return None
        out = hb.hb_face_reference_blob(result)
        length = ctypes.c_uint()
        data = ctypes.string_at(hb.hb_blob_get_data(out, ctypes.byref(length)), length.value)
        hb.hb_blob_destroy(out)
        hb.hb_face_destroy(result)
        return data
    finally:
        hbs.hb_subset_input_destroy(request)
        hb.hb_face_destroy(face)
        hb.hb_blob_destroy(blob)


def _woff2(sfnt: bytes) -> bytes:
    """sfnt → woff2. CFF fonts need no table transforms, so their tables go straight to the
    writer without fontTools parsing the font."""
    from fontTools.ttLib import TTFont
    from fontTools.ttLib.sfnt import SFNTReader
    from fontTools.ttLib.woff2 import WOFF2Writer

    reader = SFNTReader(io.BytesIO(sfnt))
    out = io.BytesIO()
    if "glyf" in reader.tables:
        font = TTFont(io.BytesIO(sfnt), recalcTimestamp=False)
        font.flavor = "woff2"
        font.save(out)
        return out.getvalue()
    writer = WOFF2Writer(out, reader.numTables, reader.sfntVersion)
    for tag in sorted(reader.tables):
        writer[tag] = reader[tag]
    writer.close()
    return out.getvalue()


def _digest(path: Path) -> str:
    stat = path.stat()
    return _digest_of(path, stat.st_mtime_ns, stat.st_size)


@cache
def _digest_of(path: Path, mtime_ns: int, size: int) -> str:  # noqa: ARG001 - cache key
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _cmap(path: Path) -> KeysView[int]:
    """The code points ``path`` draws: a view of the shared map, not a copy per call."""
    return font_cmap(path).keys()


if __name__ == "__main__":
    _cut_request()
