"""Stage 5b: Issue → print HTML → PDF bytes (WeasyPrint).

The print HTML is a real artifact (build/<issue>/print.html): deterministic and diffable.
WeasyPrint may only read files inside the project's layouts/, fonts/ and content/; anything
else (network, /etc/passwd, ../ escapes) is refused with a diagnostic naming the resource.
"""

from __future__ import annotations

import gc
import os
import logging
import re
import string
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from pathlib import Path
from html import unescape
from urllib.parse import quote, unquote, urljoin, urlparse

from .archive import PDF_VARIANT, SourceFile, pdf_attachments
from .cite import citations, gazette_id, qr_codes
from .config import Config
from .pagestyle import PAGE_STYLES, PageMetrics  # noqa: F401  (re-exported for tests)
from .diagnostics import Diagnostics, Location, relative
from .fonts import font_cmap
from .pagefit import Fit, PageFitter
from .issue import Issue
from .templates import edition_environment, print_helpers
from .typography import WORD_CACHE, word_cache_file

if TYPE_CHECKING:
    from .parts import PrintPart


FONT_FAMILIES = {
    "song": "GzSong", "title": "GzTitle", "hei": "GzHei", "hei_bold": "GzHei",
    "fang": "GzFang", "kai": "GzKai",
}


def font_faces(config: Config, url_for, used: str = "") -> tuple[list[dict], dict]:
    """@font-face entries for the bundled fonts and the family name of each role; ``used``
    is the text to set, for the ranges of shared_glyphs."""
    fonts = config.fonts
    faces = [
        {"family": "GzSong", "path": fonts.song, "weight": 400},
        {"family": "GzTitle", "path": fonts.title, "weight": 400},
        {"family": "GzTitle", "path": fonts.title, "weight": 700},
        {"family": "GzHei", "path": fonts.hei, "weight": 400},
        {"family": "GzHei", "path": fonts.hei_bold, "weight": 700},
        {"family": "GzFang", "path": fonts.fang, "weight": 400},
        {"family": "GzKai", "path": fonts.kai, "weight": 400},
    ]
    for face in faces:
        excluded = [c for c in shared_glyphs(face["path"], fonts.fallback) if c in used]
        if excluded:
            face["range"] = unicode_range_without(face["path"], fonts.fallback, excluded, used)
    fallback = []
    for index, path in enumerate(fonts.fallback):
        family = f"GzFallback{index + 1}"
        fallback.append(family)
        faces += [{"family": family, "path": path, "weight": w} for w in (400, 700)]
    for face in faces:
        face["url"] = url_for(face.pop("path"))
    families = dict(FONT_FAMILIES, fallback=fallback)
    return faces, families


SHARED_GLYPH_TWINS = {"·": "•"}
"""Characters that Fandol draws with the glyph of another, so the PDF's text layer (which maps
each glyph back to one character) would turn the 5·20 of a source into 5•20."""


def shared_glyphs(path: Path, fallback: tuple[Path, ...]) -> list[str]:
    """The characters a font draws with their twin's glyph and a fallback font draws with one
    of their own: left to the fallback (the face's unicode-range leaves them out), they copy
    out of the PDF as written."""
    cmap, out = font_cmap(path), []
    for char, twin in SHARED_GLYPH_TWINS.items():
        if cmap.get(ord(char)) is None or cmap.get(ord(char)) != cmap.get(ord(twin)):
            continue
        if any((glyph := font_cmap(f).get(ord(char))) is not None and glyph != font_cmap(f).get(ord(twin))
               for f in fallback):
            out.append(char)
    return out


def unicode_range_without(path: Path, fallback: tuple[Path, ...], chars: list[str],
                          used: str) -> str:
    """A CSS unicode-range for the font that leaves out ``chars`` and the characters of
    ``used`` that only a fallback font has. WeasyPrint takes a face's unicode-range as its
    coverage, so the range must not claim a character a fallback font should set."""
    own = set(font_cmap(path))
    given = {ord(c) for c in chars} | {
        code for code in map(ord, set(used))
        if code not in own and any(code in font_cmap(other) for other in fallback)}
    ranges, start = [], 0
    for code in sorted(given):
        if code > start:
            ranges.append(f"U+{start:X}-{code - 1:X}" if code - 1 > start else f"U+{start:X}")
        start = code + 1
    ranges.append(f"U+{start:X}-10FFFF")
    return ", ".join(ranges)


def render_print_html(issue: Issue, config: Config, fit: Fit | None = None, *,
                      part: PrintPart | None = None, whole: str | None = None) -> str:
    """The print HTML of the issue, with the page-fitting adjustments ``fit`` (gazette.pagefit);
    with ``part``, of that piece of it alone (gazette.parts): the preview's PDF of the notice
    being edited, or one part of a big issue laid out part by part. ``whole``, the print HTML
    of the whole issue, gives a part the fonts the whole issue is set with."""
    env = edition_environment(config)
    metrics = config.page
    # Relative to the issue folder (WeasyPrint's base URL), so print.html is the same file
    # in every checkout of the project.
    base = issue.path.resolve()

    def url_for(path: Path) -> str:
        return quote(Path(os.path.relpath(path.resolve(), base)).as_posix())

    faces, families = font_faces(config, url_for)
    context = {"config": config, "issue": issue, "m": metrics, "style": config.page_style,
               "font_faces": faces, "families": families,
               "heads": running_head_css(config, issue), "folio": folio_css(config),
               "citations": citations(config, issue), "qr_codes": qr_codes(config, issue),
               "citation_pattern": f"{gazette_id(config)}/{issue.meta.year}/{issue.meta.number}/〈发文字号〉",
               "part": part,
               **print_helpers(config, metrics)}
    words = word_cache_file(config.build_dir)
    WORD_CACHE.load(words)
    css = env.get_template("print/print.css.j2").render(**context) + fit_css(fit)
    html = env.get_template("print/issue.html").render(**context, css=css)
    text = whole if whole is not None else html
    if any(char in text for char in SHARED_GLYPH_TWINS):
        context["font_faces"], _ = font_faces(config, url_for, text)
        css = env.get_template("print/print.css.j2").render(**context) + fit_css(fit)
        html = env.get_template("print/issue.html").render(**context, css=css)
    WORD_CACHE.save(words)
    return html


def _css_string(text: str) -> str:
    """A CSS string literal; ``<`` escaped too, as the CSS sits in a <style> element."""
    escaped = (text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")
               .replace("<", "\\3c "))
    return '"' + escaped + '"'


def fit_css(fit: Fit | None) -> str:
    if fit is None:
        return ""
    rules = [_leading_rule(anchor, pitch) for anchor, pitch in sorted(fit.leading.items())]
    rules += [_break_rule(anchor) for anchor in sorted(fit.breaks)]
    return "".join(rules)


def _leading_rule(anchor: str, pitch: float) -> str:
    return f"\n[id={_css_string(anchor)}] {{ line-height: {pitch:.2f}pt; }}"


def _break_rule(anchor: str) -> str:
    return f"\n[id={_css_string(anchor)}] {{ break-before: page; }}"


def read_fit(html: str, anchors) -> Fit:
    """The page fitting a print HTML was laid out with (the inverse of fit_css), for the
    one-notice preview and for checks that re-render an issue as it was built."""
    fit = Fit()
    for anchor in anchors:
        probe = _leading_rule(anchor, 0.0).split("0.00pt")[0]
        if (at := html.find(probe)) >= 0:
            try:
                fit.leading[anchor] = float(html[at + len(probe):].split("pt", 1)[0])
            except ValueError:
                pass
        if _break_rule(anchor) in html:
            fit.breaks.add(anchor)
    return fit


def css_content(template: str, fields: dict[str, str], dynamic: dict[str, str]) -> str:
    """A configured text (``{name}　{label}``) as a CSS ``content`` value: fixed fields filled
    in, ``dynamic`` ones (the page's section, its number) as CSS functions."""
    parts: list[str] = []
    for literal, name, _spec, _conv in string.Formatter().parse(template):
        if literal:
            parts.append(_css_string(literal))
        if name is None:
            continue
        if name in dynamic:
            parts.append(dynamic[name])
        else:
            parts.append(_css_string(format(fields[name], _spec or "")))
    return " ".join(parts) or '""'


def running_head_css(config: Config, issue: Issue) -> dict[str, str | None]:
    """The verso, recto and inner running heads as CSS content values (None: no head)."""
    fields = {"name": config.name, "label": issue.meta.label}
    dynamic = {"section": "string(section, first)"}
    heads = config.running_heads
    return {side: css_content(text, fields, dynamic) if text else None
            for side, text in (("verso", heads.verso), ("recto", heads.recto),
                               ("inner", heads.inner))}


def folio_css(config: Config) -> str:
    return css_content(config.folio.format, {}, {"page": "counter(page)"})


def _project_fetcher(allowed: tuple[Path, ...], refused: list[str],
                     generated: frozenset[str] = frozenset()):
    """A URL fetcher serving only files inside the project's layouts/, fonts/ and content/,
    and the exact data: URIs gazette generated itself (``generated``, the QR codes)."""
    from weasyprint.urls import URLFetcher

    class ProjectFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if url in generated:
                return super().fetch(url, headers)
            parsed = urlparse(url)
            if parsed.scheme == "file" and parsed.netloc in ("", "localhost"):
                path = Path(unquote(parsed.path)).resolve()
                if any(path.is_relative_to(root) for root in allowed) and path.is_file():
                    return super().fetch(url, headers)
            refused.append(url)
            raise PermissionError(f"gazette refuses {url}")

    return ProjectFetcher(allowed_protocols=("file", "data") if generated else ("file",))


def render_pdf(html: str, config: Config, issue: Issue, diags: Diagnostics,
               font_config=None, places: dict[str, PagePlace] | None = None,
               attach: Callable[[dict[str, PagePlace]], list[SourceFile]] | None = None,
               refit: Callable[[object, dict[str, PagePlace]], str | None] | None = None,
               fitter: PageFitter | None = None) -> tuple[bytes, int]:
    """Lay out and write the PDF/A-3a; returns (bytes, page count).

    If ``places`` is given it is filled with the pages of every element with an id, for the
    HTML edition's page numbers and ``….pdf#page=N`` links. ``attach`` receives those places
    and returns the files to embed (gazette.archive), since the manifest covers pages.json.
    ``fitter`` watches each layout as it is paginated and changes it on the way
    (gazette.relayout); ``refit`` sees each finished layout and may return another print HTML
    to lay out instead (gazette.pagefit).
    """
    with Engine(config, issue, font_config) as engine:
        document, laid_out = engine.layout(html, fitter)
        while refit is not None and (html := refit(document, laid_out)) is not None:
            document = None
            gc.collect()
            document, laid_out = engine.layout(html, fitter)
        if places is not None:
            places.update(laid_out)
        files = attach(laid_out) if attach is not None else []
        pdf = engine.write(document, files)
        pages = len(document.pages)
    engine.report(diags)
    return pdf, pages


class Engine:
    """One WeasyPrint session over an issue: the project-confined fetcher, WeasyPrint's
    warnings captured and the cyclic garbage collector paused while it runs; what each
    layout reveals (fonts from outside fonts/, tables past the edge, refused resources) is
    gathered for ``report``, so an issue laid out in parts reports like one laid out whole."""

    def __init__(self, config: Config, issue: Issue, font_config=None) -> None:
        from weasyprint.text.fonts import FontConfiguration

        from . import lean
        from .typography import install_cjk_justification

        install_cjk_justification()
        lean.install()
        self.config, self.issue = config, issue
        self.font_config = font_config or FontConfiguration()
        # read by gazette.typography's line breaking, for this layout only
        self.font_config.gazette_squeeze = config.page.punctuation_squeeze
        allowed = tuple(p.resolve() for p in (config.layouts_dir, config.fonts_dir,
                                              config.content_dir))
        self.refused: list[str] = []
        self.fetcher = _project_fetcher(allowed, self.refused,
                                        frozenset(qr_codes(config, issue).values()))
        self.warnings = _CaptureWarnings()
        self.foreign: list[str] = []
        self.overflows: list[tuple[str | None, int]] = []
        self._gc_was_enabled = False
        self.tables: dict | None = None
        """While a layout is written in slices: which notice and table its last slice ended
        in, for the next slice's ``overflowing_tables``."""

    def __enter__(self) -> Engine:
        logging.getLogger("weasyprint").addHandler(self.warnings)
        # WeasyPrint allocates millions of small objects that live until the PDF is
        # written; pausing the cyclic garbage collector meanwhile saves 10-20 % of the
        # render time for a few MB (shared/reference/performance-notes.md).
        self._gc_was_enabled = gc.isenabled()
        gc.disable()
        return self

    def __exit__(self, *exc) -> None:
        logging.getLogger("weasyprint").removeHandler(self.warnings)
        if self._gc_was_enabled:
            gc.enable()

    def layout(self, html: str, fitter: PageFitter | None = None):
        """The laid-out document and where each element with an id landed; ``fitter``
        adjusts it while it is paginated (gazette.relayout)."""
        from weasyprint import HTML

        from .relayout import fitting
        from .typography import justify_document

        with fitting(fitter):
            document = HTML(string=html, base_url=str(self.issue.path.resolve()) + "/",
                            url_fetcher=self.fetcher).render(font_config=self.font_config)
        justify_document(document)
        return document, element_pages(document)

    def layout_slices(self, html: str, size: int):
        """The layout of ``html`` as documents of ``size`` pages each, made one after the
        other (gazette.slices), each with where its elements landed (pages counted from the
        slice's first) and the folio of its last page."""
        from weasyprint import HTML

        from .memory import give_back
        from .slices import paginate
        from .typography import justify_document

        self.tables, folio = {}, 0
        try:
            source = HTML(string=html, base_url=str(self.issue.path.resolve()) + "/",
                          url_fetcher=self.fetcher)
            for document in paginate(source, self.font_config, size):
                justify_document(document)
                places = element_pages(document, folio)
                folio = page_folios(document, folio)[-1]
                yield document, places, folio
                document = None  # the caller has written it
                give_back()
        finally:
            self.tables = None

    def write(self, document, files: list[SourceFile] = ()) -> bytes:
        """The tagged PDF/A-3a of a laid-out document, with ``files`` attached."""
        pdf = document.write_pdf(pdf_identifier=_identifier(self.issue, self.config),
                                 pdf_variant=PDF_VARIANT, custom_metadata=True,
                                 attachments=pdf_attachments(files, self.issue.meta.published))
        self.foreign += [f for f in foreign_fonts(document, self.config) if f not in self.foreign]
        self.overflows += [found for found in overflowing_tables(
            document, {n.anchor for n in self.issue.notices}, state=self.tables)
            if found not in self.overflows]
        return pdf

    def report(self, diags: Diagnostics) -> None:
        """Everything the layouts of this session revealed, as diagnostics."""
        issue, config = self.issue, self.config
        for anchor, number in self.overflows:
            notice = next((n for n in issue.notices if n.anchor == anchor), None)
            line = None
            if notice is not None and number < len(notice.body.tables):
                line = notice.body.tables[number][1]
            diags.error("render.table-overflow",
                        f"第 {number + 1} 张表格比版心宽，超出的部分会被裁掉",
                        Location(notice.source.rel, line) if notice is not None
                        else Location(relative(issue.path, config.root)),
                        "把表格拆成两张，或删去、合并一些列")
        for family in self.foreign:
            diags.error("render.foreign-font",
                        f"排版时用到了 fonts/ 以外的字体“{family}”：印刷版不能依赖生成它的电脑上装了什么字体",
                        Location("config.yaml"),
                        "随附字体缺少某些字符；运行 gazette check 查看是哪些字符，核对文字，"
                        "或在 config.yaml 的 fonts.fallback 中加入含有它们的字体")
        for url in dict.fromkeys(self.refused):
            diags.error("render.refused-resource",
                        f"排版时拒绝读取项目之外的资源：{url}",
                        _refusal_location(url, issue, config),
                        "图片等资源必须放在本期文件夹中，并用相对路径引用")
        warnings = self.warnings
        missing = "".join(dict.fromkeys(warnings.missing_glyphs))
        if missing:
            codes = "、".join(f"{c}（U+{ord(c):04X}）" for c in missing)
            diags.error("render.missing-glyph", f"随附字体中没有这些字符，印出来会是方框：{codes}",
                        Location("config.yaml"), "在 config.yaml 的 fonts.fallback 中加入含有这些字符的字体，"
                        "或请编辑核对这些字符")
        for url, reason in dict.fromkeys(warnings.failed):
            if url in self.refused:
                continue
            diags.error("render.resource-failed",
                        f"排版时无法载入资源：{_shown_url(url, config)}" + (f"（{reason}）" if reason else ""),
                        _refusal_location(url, issue, config),
                        "图片文件可能已损坏或不是它的扩展名所说的格式；印刷版中它只会显示替代文字")
        for message in dict.fromkeys(warnings.messages):
            diags.warning("render.css", message, Location("layouts/print/print.css.j2"))


_REFERENCE = re.compile(r'(?:src|href)="([^"]*)"')


def _refusal_location(url: str, issue: Issue, config: Config) -> Location:
    """The notice, and the body line, whose HTML references a refused resource."""
    wanted = unquote(url)
    for notice in issue.notices:
        base = notice.source.path.parent.resolve().as_uri() + "/"
        html = notice.body.html + "".join(a.html for a in notice.body.appendices)
        for reference in map(unescape, _REFERENCE.findall(html)):
            if unquote(urljoin(base, reference)) != wanted:
                continue
            for number, line in enumerate(notice.source.body.split("\n")):
                if reference in line or unquote(reference) in line:
                    return Location(notice.source.rel, notice.source.body_line + number)
            return Location(notice.source.rel)
    return Location(relative(issue.path, config.root))


def overflowing_tables(document, anchors: set[str], tolerance_pt: float = 1.0,
                       state: dict | None = None) -> list[tuple[str | None, int]]:
    """Tables that run past the right edge of their page's content box once laid out, as
    (notice anchor, index of the table within the notice): the layout's own verdict, behind
    the predictive table.too-wide of check. Uses WeasyPrint's page boxes (pinned version).
    ``state`` carries the count from one slice of a layout to the next (gazette.slices)."""
    found: list[tuple[str | None, int]] = []
    state = {} if state is None else state
    seen: dict[int, int] = state.setdefault("seen", {})
    counts: dict[str | None, int] = state.setdefault("counts", {})
    notice: str | None = state.get("notice")
    for page in document.pages:
        page_box = page._page_box
        right = page_box.content_box_x() + page_box.width
        for child in page_box.descendants():
            element = getattr(child, "element", None)
            ident = element.get("id") if element is not None else None
            if ident in anchors:
                notice = ident
            if type(child).__name__ != "TableBox" or element is None:
                continue
            if element.get("class", "").split()[:1] != ["gw-table"]:
                continue
            if id(element) not in seen:
                seen[id(element)] = counts.get(notice, 0)
                counts[notice] = seen[id(element)] + 1
            # pixels are CSS px (1/96 in); 1 pt = 4/3 px
            if child.position_x + child.margin_width() > right + tolerance_pt * 4 / 3:
                if (notice, seen[id(element)]) not in found:
                    found.append((notice, seen[id(element)]))
    state["notice"] = notice
    return found


def _shown_url(url: str, config: Config) -> str:
    """A file URL as the project path an editor wrote (content/2020-07/图1.png)."""
    parsed = urlparse(url)
    if parsed.scheme != "file":
        return url or "（内嵌）"
    return relative(Path(unquote(parsed.path)), config.root)


def foreign_fonts(document, config: Config) -> list[str]:
    """Families WeasyPrint embedded that are not the @font-face families of config.yaml's
    fonts (GzSong, GzFallback1…): fontconfig falls back to the system's fonts for characters
    ours lack, and a print edition must not depend on the machine that built it."""
    _faces, families = font_faces(config, str)
    allowed = {name for name in families.values() if isinstance(name, str)}
    allowed.update(families["fallback"])
    found = []
    for font in getattr(document, "fonts", {}).values():
        family = font.family.decode("utf-8", "replace") if isinstance(font.family, bytes) \
            else str(font.family)
        if family not in allowed and family not in found:
            found.append(family)
    return found


def _identifier(issue: Issue, config: Config) -> bytes:
    return f"{config.name}-{config.issue_address(issue.meta.key)}".encode()


class _CaptureWarnings(logging.Handler):
    """Collect WeasyPrint's warnings: missing glyphs and resources that failed to load
    separately (a failed image would otherwise vanish into its alt text), fetch refusals
    dropped (they are reported from the fetcher with the URL)."""

    _NOTDEF = re.compile(r'unsupported by fonts: "(.+)" \(U\+')
    _FAILED = re.compile(r"Failed to load (?:image|stylesheet|inline SVG|attachment)"
                         r"(?: at '?\"?([^'\" ]*)'?\"?)?\s*:\s*(.*)", re.DOTALL)

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []
        self.missing_glyphs: list[str] = []
        self.failed: list[tuple[str, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if match := self._NOTDEF.search(message):
            self.missing_glyphs.extend(match.group(1))
        elif "gazette refuses" in message:
            return
        elif match := self._FAILED.search(message):
            self.failed.append((match.group(1) or "", match.group(2).strip()[:200]))
        else:
            self.messages.append(message)


@dataclass(frozen=True, slots=True)
class PagePlace:
    """The pages an element with an id spans in the laid-out PDF.

    ``first``/``last`` are 1-based PDF page indices (``….pdf#page=N``); ``folio`` is the number
    printed on the first page, which differs because the cover pages do not count.
    """

    first: int
    last: int
    folio: int


def element_pages(document, folio: int = 0) -> dict[str, PagePlace]:
    """Where each element with an id landed, read from WeasyPrint's page boxes.

    The folio replays the @page counter rules exactly as the layout applied them, so it always
    matches the number printed in the footer and the print 目录. Uses WeasyPrint's page boxes
    (``Page._page_box``), which is why weasyprint is pinned.
    """
    spans: dict[str, list[int]] = {}
    folios: dict[str, int] = {}
    for index, (page, counter) in enumerate(zip(document.pages, page_folios(document, folio)),
                                            start=1):
        for child in page._page_box.descendants():
            element = getattr(child, "element", None)
            ident = element.get("id") if element is not None else None
            if not ident:
                continue
            span = spans.setdefault(ident, [index, index])
            span[1] = index
            folios.setdefault(ident, counter)
    return {ident: PagePlace(first, last, folios[ident])
            for ident, (first, last) in spans.items()}


def page_folios(document, counter: int = 0) -> list[int]:
    """The number printed on each page (the page counter, replayed from the @page rules,
    from ``counter`` before the first page)."""
    folios = []
    for page in document.pages:
        counter = _page_counter(page._page_box.style, counter)
        folios.append(counter)
    return folios


def _page_counter(style, value: int) -> int:
    for name, reset in style["counter_reset"]:
        if name == "page":
            value = reset
    for name, new in style["counter_set"]:
        if name == "page":
            value = new
    for name, step in style["counter_increment"]:
        if name == "page":
            value += step
    return value
