"""The HTML edition of the bundled issue, read the way readers read it: in a real headless
Chromium (Debian's, driven by Playwright), plus a walk over every file of the generated site."""

from __future__ import annotations

import json
import re
import shutil
import unicodedata
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote, unquote, urljoin, urlsplit

import pytest
from PIL import Image

from gazette.config import load_config
from gazette.diagnostics import Diagnostics
from gazette.issue import load_issue
from gazette.render_html import PrintEdition, SiteIssue, render_site
from gazette.webfonts import LAZY_RANK, LOCAL_FIRST, WEB_ROLES, WebFont, role_order, role_texts

from .browser import SLOW_4G, DrawnFonts, cold_visit, opened, scroll_to_the_end, serve
from .conftest import SAMPLE, copy_project, share_webfont_cuts
from .pdftext import PdfPages, squash
from .search_queries import QUERIES

TITLE_71 = "银川市人民政府关于兑现工业创新驱动转型升级奖励资金的决定"

@pytest.fixture(scope="module")
def built(sample_build):
    result, _diags = sample_build
    site_dir = result.pdf_path.parent.parent / "site"
    return result, site_dir


@pytest.fixture(scope="module")
def pdf(built):
    return PdfPages(built[0].pdf_path)


@pytest.fixture(scope="module")
def base_url(built):
    """The site served as static files, as any web server would."""
    _result, site_dir = built
    with serve(site_dir) as url:
        yield url


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    yield page
    context.close()


def test_home_to_notice_through_the_toc(page, base_url):
    page.goto(base_url)
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.locator("h1").inner_text() == "银川市人民政府公报"
    page.get_by_role("link", name="第7期").click()
    page.wait_for_url("**/2020/7/")
    toc = page.locator("nav.toc")
    assert toc.locator("h2").inner_text().replace("　", "") == "目录"
    sections = toc.locator("h3.toc-section").all_inner_texts()
    assert sections[:2] == ["【银川市政府规章】", "【银川市政府文件】"]
    entry = toc.locator("li.toc-entry", has_text="银政发〔2020〕71号")
    assert re.fullmatch(r"印刷版第\d+页", "".join(entry.locator(".toc-page").inner_text().split()))
    entry.locator("a").click()
    page.wait_for_url("**/2020/7/*/")
    assert unquote(urlsplit(page.url).path) == "/2020/7/银政发-2020-71/"
    assert page.locator("h1.gw-title").inner_text() == TITLE_71
    assert page.locator(".gw-docno").inner_text() == "银政发〔2020〕71号"
    assert page.title().startswith(TITLE_71)
    page.get_by_role("link", name="目录").click()
    page.wait_for_url("**/2020/7/#toc")


def test_notice_page_navigation_and_headings(page, base_url):
    page.goto(base_url + "2020/7/银政发-2020-71/")
    levels = page.eval_on_selector_all("h1, h2, h3, h4, h5, h6", "hs => hs.map(h => +h.tagName[1])")
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(b - a <= 1 for a, b in zip(levels, levels[1:])), levels
    prev_title = page.locator("a[rel=prev] .pager-title").inner_text()
    page.locator("a[rel=prev]").click()
    assert page.locator("h1.gw-title").inner_text() == prev_title
    page.locator("a[rel=next]").click()
    assert page.locator("h1.gw-title").inner_text() == TITLE_71
    assert page.get_by_text("上一篇").count() == 1 and page.get_by_text("下一篇").count() == 1


@pytest.mark.parametrize(("query", "doc_number"), [
    ("营商环境", "银党发〔2020〕14号"),
    ("银政发〔2020〕71号", "银政发〔2020〕71号"),
    ("银政发[2020]71号", "银政发〔2020〕71号"),
    ("兑现工业创新驱动", "银政发〔2020〕71号"),
])
def test_search_lands_on_the_notice(page, base_url, query, doc_number):
    page.goto(base_url)
    page.fill("#site-q", query)
    page.press("#site-q", "Enter")
    page.wait_for_url("**/search/?q=*")
    first = page.locator(".search-result").first
    first.wait_for()
    assert doc_number in first.locator(".result-meta").inner_text()
    status = page.locator("#search-status").inner_text()
    assert re.match(r"找到 \d+ 篇公文", status)
    first.locator("a.result-title").click()
    page.wait_for_url("**/2020/7/*/?hl=*")
    assert page.locator(".gw-docno").inner_text() == doc_number


def test_search_shows_the_phrase_in_context_and_says_when_nothing_is_found(page, base_url):
    page.goto(base_url + "search/?q=营商环境")
    snippet = page.locator(".search-result .result-snippet mark").first
    snippet.wait_for()
    assert snippet.inner_text() == "营商环境"
    page.fill("#search-q", "这句话不在公报里")
    page.press("#search-q", "Enter")
    page.wait_for_function("document.getElementById('search-status').textContent.includes('没有找到')")
    assert page.locator(".search-result").count() == 0


NARROW_PAGES = ["", "2020/7/", "search/?q=银川", "2020/7/银政发-2020-71/",
                "2020/7/2020年1-8月份银川市主要经济指标完成情况/", "2020/7/银政办发-2020-72/",
                "2020/7/银川市政府大事记/", "2020/7/政府令-2020-2/"]

OVERFLOW_JS = """() => {
  const width = document.documentElement.clientWidth;
  const out = [];
  for (const el of document.body.querySelectorAll('*')) {
    if (el.closest('.gw-table-scroll, .vh')) continue;
    const r = el.getBoundingClientRect();
    if (r.width && (r.right > width + 0.5 || r.left < -0.5))
      out.push(el.tagName + '.' + el.className);
  }
  return {scroll: document.documentElement.scrollWidth, width, out: out.slice(0, 5)};
}"""


def test_nothing_overflows_a_375px_phone(browser, base_url):
    context = browser.new_context(viewport={"width": 375, "height": 740}, device_scale_factor=2,
                                  is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        for path in NARROW_PAGES:
            page.goto(base_url + path)
            page.evaluate("document.fonts.ready")
            result = page.evaluate(OVERFLOW_JS)
            assert result["scroll"] <= 375 and not result["out"], (path, result)
        # A table too wide for the phone scrolls inside its own box, not the page.
        page.set_content("")
        page.goto(base_url + "2020/7/2020年1-8月份银川市主要经济指标完成情况/")
        box = page.locator(".gw-table-scroll").first
        assert box.evaluate("el => getComputedStyle(el).overflowX") == "auto"
    finally:
        context.close()


def test_pdf_links_point_at_the_notice_page_in_the_pdf(built, pdf):
    """#page=N comes from the real layout: page N of the PDF holds the notice's title."""
    _result, site_dir = built
    data = json.loads((site_dir / "2020/7/issue.json").read_text(encoding="utf-8"))
    assert len(data["notices"]) == 18
    for notice in data["notices"]:
        pages = notice["pages"]
        text = squash(pdf.texts[pages["pdf_first"] - 1])
        assert squash(notice["title"])[:12] in text, notice["title"]
        assert pages["pdf_first"] <= pages["pdf_last"] <= len(pdf.texts)
    html = (site_dir / "2020/7/银政发-2020-71/index.html").read_text(encoding="utf-8")
    n71 = next(n for n in data["notices"] if n["doc_number"] == "银政发〔2020〕71号")
    assert f'2020-07.pdf#page={n71["pages"]["pdf_first"]}"' in html
    assert n71["permalink"].endswith("/2020/7/%E9%93%B6%E6%94%BF%E5%8F%91-2020-71/")
    assert n71["issuers"] == ["银川市人民政府"] and n71["date"] == "2020-08-26"


def test_toc_page_numbers_are_the_printed_ones(built, pdf):
    """The web 目录 shows the folio printed on the page, as the print 目录 does."""
    _result, site_dir = built
    html = (site_dir / "2020/7/index.html").read_text(encoding="utf-8")
    shown = [int(n) for n in re.findall(r'<span class="vh">印刷版第</span>(\d+)<', html)]
    data = json.loads((site_dir / "2020/7/issue.json").read_text(encoding="utf-8"))
    assert shown == [n["pages"]["printed"] for n in data["notices"]]
    for notice in data["notices"]:
        footer = pdf.texts[notice["pages"]["pdf_first"] - 1]
        assert re.search(rf"—\s*{notice['pages']['printed']}\s*—", footer), notice["title"]


class _StrictHTML(HTMLParser):
    """Well-formedness: every element closed in order, void elements never closed, ids unique,
    no attribute given twice; collects links, ids and heading levels."""

    VOID = frozenset("area base br col embed hr img input link meta source track wbr".split())

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.problems: list[str] = []
        self.ids: set[str] = set()
        self.links: list[str] = []
        self.headings: list[int] = []

    def handle_starttag(self, tag, attrs):
        names = [name for name, _ in attrs]
        if len(names) != len(set(names)):
            self.problems.append(f"duplicate attribute in <{tag}>")
        values = dict(attrs)
        if ident := values.get("id"):
            if ident in self.ids:
                self.problems.append(f"duplicate id {ident}")
            self.ids.add(ident)
        for name in ("href", "src"):
            if values.get(name) is not None:
                self.links.append(values[name])
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        if tag == "img" and not values.get("alt"):
            self.problems.append("img without alt")
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        if tag not in self.VOID:
            self.problems.append(f"self-closed <{tag}/>")
        self.handle_starttag(tag, attrs)
        if tag not in self.VOID:
            self.stack.pop()

    def handle_endtag(self, tag):
        if tag in self.VOID:
            self.problems.append(f"closed void </{tag}>")
        elif not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes <{self.stack[-1] if self.stack else None}>")
        else:
            self.stack.pop()


def _parse(path: Path) -> _StrictHTML:
    parser = _StrictHTML()
    parser.feed(path.read_text(encoding="utf-8"))
    parser.close()
    if parser.stack:
        parser.problems.append(f"unclosed {parser.stack}")
    return parser


def test_every_link_resolves_and_every_page_is_well_formed(built, pdf):
    result, site_dir = built
    config = load_config(result.pdf_path.parent.parent.parent / "config.yaml")
    site_url = config.site_url.rstrip("/") + "/"
    pages = sorted(site_dir.rglob("*.html"))
    assert len(pages) == 22  # home, search, 404, issue, 18 notices
    parsed = {page: _parse(page) for page in pages}
    for page, parser in parsed.items():
        assert not parser.problems, (page, parser.problems)
        levels = parser.headings
        assert levels[:1] == [1] and levels.count(1) == 1, (page, levels)
        assert all(b - a <= 1 for a, b in zip(levels, levels[1:])), (page, levels)
    pdf_pages = len(pdf.texts)
    base = "http://site.test/"
    checked = 0
    for page, parser in parsed.items():
        page_url = base + page.relative_to(site_dir).as_posix()
        for link in parser.links:
            if link.startswith(site_url):
                link = base + link[len(site_url):]
            target = urlsplit(urljoin(page_url, link))
            assert target.netloc == "site.test", (page, link)
            file = site_dir / unquote(target.path).lstrip("/")
            if target.path.endswith("/"):
                file = file / "index.html"
            assert file.is_file(), (page, link)
            if target.fragment.startswith("page="):
                assert file.suffix == ".pdf" and 1 <= int(target.fragment[5:]) <= pdf_pages
            elif target.fragment:
                assert unquote(target.fragment) in parsed[file].ids, (page, link)
            checked += 1
    assert checked > 300
    fonts_css = (site_dir / "assets/fonts.css").read_text(encoding="utf-8")
    for url in re.findall(r'url\("([^"]+)"\)', fonts_css):
        assert (site_dir / "assets" / url).is_file(), url


def test_feed_sitemap_and_issue_json_are_valid(built):
    _result, site_dir = built
    atom = "{http://www.w3.org/2005/Atom}"
    feed = ET.parse(site_dir / "feed.xml").getroot()
    entries = feed.findall(f"{atom}entry")
    assert len(entries) == 1 + 18
    titles = [e.findtext(f"{atom}title") for e in entries]
    assert TITLE_71 in titles
    for entry in entries:
        assert entry.findtext(f"{atom}id").startswith("https://")
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT00:00:00\+08:00", entry.findtext(f"{atom}updated"))
    sitemap = ET.parse(site_dir / "sitemap.xml").getroot()
    locs = [u.findtext("{http://www.sitemaps.org/schemas/sitemap/0.9}loc") for u in sitemap]
    assert len(locs) == 21
    assert all(re.fullmatch(r"https://[\x21-\x7e]+", loc) for loc in locs)  # percent-encoded
    data = json.loads((site_dir / "2020/7/issue.json").read_text(encoding="utf-8"))
    assert (data["year"], data["number"], data["cumulative"]) == (2020, 7, 358)
    assert data["pdf"].endswith("/2020/7/2020-07.pdf")
    assert (site_dir / "2020/7/2020-07.pdf").read_bytes()[:5] == b"%PDF-"
    sections = {n["section"] for n in data["notices"]}
    assert "银川市经济数据" in sections


def test_fonts_cover_every_character_of_every_page(built):
    """Each page's text, role by role, is in the fonts that page loads: its share of the body
    font's stable slices, its own subsets, or the fallback fonts; nothing is left to chance."""
    result, site_dir = built
    site = result.site
    assert site is not None and site.fonts is not None and not site.fonts.missing
    for font in site.fonts.fonts.values():
        assert (site_dir / font.path).read_bytes()[:4] == b"wOF2"
    for path, fonts in site.fonts.pages.items():
        if path == "search/index.html":
            continue
        loaded: dict[str, set[str]] = {}
        for font in (*fonts.shared, *fonts.own):
            loaded.setdefault(font.family, set()).update(font.chars)
        fallback = set().union(*(c for f, c in loaded.items() if f.startswith("GzFallback")))
        html = (site_dir / path).read_text(encoding="utf-8")
        for role, chars in role_texts(html).items():
            covered = loaded.get(WEB_ROLES[role].family, set()) | fallback
            assert chars <= covered, (path, role, sorted(chars - covered)[:10])
        first_piece: dict[str, WebFont] = {}
        for font in fonts.own:  # the page's own pieces are declared in its head; the first of a
            name = font.path.rsplit("/", 1)[-1]  # font is preloaded, unless only lazily laid-out
            first_piece.setdefault(font.family, font)  # text uses it or a local 仿宋 may replace it
            is_first = first_piece[font.family] is font
            assert font.ranged != is_first, (path, name)
            assert font.preloaded == (is_first and font.eager and font.family not in LOCAL_FIRST)
            assert html.count(name) == (2 if font.preloaded else 1), (path, name)
            assert bool(re.search(f'rel="preload" href="[^"]*{name}"', html)) == font.preloaded
        # 楷体 is preloaded only where text laid out on every visit uses it, not for headings
        # that are all in lazily laid-out blocks.
        shown = any(rank < LAZY_RANK for rank in role_order(html).get("kai", {}).values())
        assert any(f.preloaded for f in fonts.own if f.family == "GzKai") == shown, path


def test_web_fonts_are_truetype_outlines_that_trace_the_bundled_ones(built):
    """The cut fonts carry quadratic (TrueType) outlines on 256 units per em, converted from
    the bundled fonts' cubic ones: every glyph of the body font's first slices keeps its
    bounding box within 2/256 em, its edges on average within half a unit (the inked area
    changes by at most the outline's length × 1/512 em), and its contours turn the other way
    (TrueType draws outer contours clockwise, CFF counterclockwise), else browsers would fill
    the holes of 口 and 回."""
    import io

    from fontTools.pens.areaPen import AreaPen
    from fontTools.pens.boundsPen import BoundsPen
    from fontTools.pens.perimeterPen import PerimeterPen
    from fontTools.ttLib import TTFont

    result, _site_dir = built
    source = TTFont(Path(__file__).resolve().parent.parent / "fonts" / "FandolFang-Regular.otf",
                    lazy=True)
    source_cmap, source_glyphs = source.getBestCmap(), source.getGlyphSet()
    checked = 0
    for slice_ in result.site.fonts.core[:2]:
        cut = TTFont(io.BytesIO(slice_.data))
        assert "glyf" in cut and "CFF " not in cut and cut["head"].unitsPerEm == 256
        scale = 1000 / 256
        glyphs = cut.getGlyphSet()
        for code, name in cut.getBestCmap().items():
            ours, theirs = BoundsPen(glyphs), BoundsPen(source_glyphs)
            glyphs[name].draw(ours)
            source_glyphs[source_cmap[code]].draw(theirs)
            if theirs.bounds is None:
                assert ours.bounds is None, chr(code)
                continue
            assert all(abs(a * scale - b) <= 2 * scale
                       for a, b in zip(ours.bounds, theirs.bounds)), (chr(code), ours.bounds)
            ours_area, theirs_area = AreaPen(glyphs), AreaPen(source_glyphs)
            length = PerimeterPen(source_glyphs)
            glyphs[name].draw(ours_area)
            for pen in (theirs_area, length):
                source_glyphs[source_cmap[code]].draw(pen)
            # Reversed: Fandol draws a few (△) clockwise, and they stay the other way round.
            assert ours_area.value * theirs_area.value < 0, chr(code)
            assert abs(-ours_area.value * scale ** 2 - theirs_area.value) <= (
                length.value * scale / 2), chr(code)
            checked += 1
    assert checked >= 200


def test_body_font_slices_do_not_depend_on_the_content(built, tmp_path):
    """The shared slices are cut along a fixed frequency order: another site (here: one notice
    less) gets byte-identical files at the same addresses, so browsers keep them cached."""
    from gazette.render_html import load_site_issues

    result, _site_dir = built
    root = copy_project(tmp_path / "project")
    share_webfont_cuts(root)  # the same keys give the same bytes: what differs is the keys
    (root / "content" / SAMPLE / "05-yinzhengfa-2020-71.md").unlink()
    config = load_config(root / "config.yaml")
    other = render_site(config, load_site_issues(config, Diagnostics()))
    ours = {f.path: f.data for f in result.site.fonts.core}
    theirs = {f.path: f.data for f in other.fonts.core}
    assert len(ours) == 3 and ours == theirs
    assert other.files["assets/fonts.css"] == result.site.files["assets/fonts.css"]


def _cold_visit(browser, url: str, width: int, network: dict | None = None) -> tuple[int, float]:
    """Bytes a first visit transfers (cache disabled) and the page's cumulative layout shift."""
    visit = cold_visit(browser, url, width, network)
    # Only the optional system fallbacks (GzLocal-*) may be missing on this machine.
    assert all(family.startswith("GzLocal") for family in visit.failed_fonts), visit.failed_fonts
    return visit.opening, visit.opening_shift


def test_a_first_visit_to_the_home_page_stays_within_its_byte_budget(browser, built, base_url):
    """Notice pages: tests/test_web_budget.py measures the heaviest one of every issue."""
    transferred, _shift = _cold_visit(browser, base_url, 1280)
    assert transferred <= 150_000
    cost = built[0].site.page_costs["index.html"]
    assert cost <= transferred <= cost + 20_000  # the build's estimate is the real download


@pytest.mark.parametrize("path", ["2020/7/银政发-2020-71/", ""])
@pytest.mark.parametrize("width", [375, 1280])
def test_text_does_not_jump_when_the_fonts_arrive_on_slow_4g(browser, base_url, path, width):
    _bytes, shift = _cold_visit(browser, base_url + path, width, SLOW_4G)
    assert shift <= 0.05


def test_a_notice_page_downloads_only_its_fonts(page, built, base_url):
    """On opening, only fonts of this page load; once the reader has scrolled to the end, all
    of them have (the page's later pieces follow the lazily laid-out blocks)."""
    result, _site_dir = built
    fonts = []
    page.on("response", lambda r: fonts.append(r.url) if r.url.endswith(".woff2") else None)
    page.goto(base_url + "2020/7/银政发-2020-71/")
    page.evaluate("document.fonts.ready")
    page.wait_for_load_state("networkidle")
    expected = result.site.fonts.pages["2020/7/银政发-2020-71/index.html"]
    names = {f.path.rsplit("/", 1)[-1] for f in (*expected.shared, *expected.own)}
    assert {unquote(url).rsplit("/", 1)[-1] for url in fonts} <= names
    scroll_to_the_end(page)
    loaded = {unquote(url).rsplit("/", 1)[-1] for url in fonts}
    assert loaded == names
    assert not any(name.startswith(("GzKai", "GzSong")) for name in loaded)  # none of their text


def test_permalinks_survive_reordering(tmp_path):
    """Moving a notice within its section changes the 目录 and prev/next, never its address."""
    root = copy_project(tmp_path / "project")
    config = load_config(root / "config.yaml")

    def render():
        issue = load_issue(config, config.content_dir / SAMPLE, Diagnostics())
        site = render_site(config, [SiteIssue(issue, PrintEdition(None))], fonts="preview")
        return {p for p in site.files if p.endswith("/index.html")}, site

    before, site = render()
    first = root / "content" / SAMPLE / "03-yinzhengfa-2020-65.md"
    text = first.read_text(encoding="utf-8")
    first.write_text(text.replace("order: 2\n", "order: 9\n"), encoding="utf-8")
    after, site_after = render()
    assert "order: 2\n" in text
    assert before == after and "2020/7/银政发-2020-65/index.html" in after
    toc_before = site.files["2020/7/index.html"].decode()
    toc_after = site_after.files["2020/7/index.html"].decode()
    assert toc_before.index("银政发〔2020〕65号") < toc_before.index("银政发〔2020〕70号")
    assert toc_after.index("银政发〔2020〕65号") > toc_after.index("银政发〔2020〕70号")


def test_browser_print_stylesheet_keeps_the_notice_only(page, base_url):
    page.goto(base_url + "2020/7/银政发-2020-71/")
    page.emulate_media(media="print")
    assert page.locator(".site-head").is_hidden()
    assert page.locator(".pager").is_hidden()
    assert page.locator("h1.gw-title").is_visible()
    assert page.pdf()[:5] == b"%PDF-"


FONT_CHECKED = [".site-name", ".site-search button", "h1.gw-title", ".gw-docno", ".gw-body p",
                ".notice-info dt", ".pager-label", ".pager-title", "footer .foot-name"]


def test_text_is_drawn_with_the_bundled_fonts_not_empty_boxes(browser, base_url):
    """On a machine without Chinese fonts (like this one), every label must still come from a
    bundled subset: Chromium reports which font actually drew each element."""
    with opened(browser, base_url + "2020/7/银政发-2020-71/", 375, 740) as (context, page):
        drawn = DrawnFonts(context, page)
        for selector in FONT_CHECKED:
            # Blocks far down are laid out (and their fonts drawn) once the reader is near.
            page.locator(selector).first.scroll_into_view_if_needed()
            page.wait_for_timeout(100)
            page.evaluate("document.fonts.ready")
            fonts = drawn.of(drawn.node(selector))
            assert fonts and all(f["isCustomFont"] for f in fonts), (selector, fonts)


def test_far_text_waits_in_the_blank_font_and_takes_its_own_when_the_reader_nears(
        browser, base_url):
    """A long notice's blocks after its first screen are marked far: on opening, none is on
    the screen, and their text is laid out in the outline-free blank font (no font piece
    fetched for it); scrolled to, the same block is drawn in the bundled 仿宋, as it is at once
    when printed or with scripts off."""
    url = base_url + "2020/7/银党办-2020-61/"
    selector = ".gw-flow > p.gw-far:not(.gw-lazy)"
    with opened(browser, url, 375, 800) as (context, page):
        far = page.evaluate("[...document.querySelectorAll('.gw-far')]"
                            ".map(e => e.getBoundingClientRect().top)")
        assert len(far) > 20 and min(far) >= 800, far
        drawn = DrawnFonts(context, page)
        node = drawn.node(selector)
        before = drawn.of(node)
        assert {f["familyName"] for f in before} == {"GzBlank"}, before
        page.emulate_media(media="print")  # on paper every block is set in its own font
        page.evaluate("document.fonts.ready")
        page.wait_for_load_state("networkidle")
        printed = drawn.of(node)
        assert printed and all(f["familyName"].startswith("Fandol") for f in printed), printed
        page.emulate_media(media="screen")
        page.locator(selector).first.scroll_into_view_if_needed()
        page.wait_for_timeout(300)
        page.evaluate("document.fonts.ready")
        page.wait_for_load_state("networkidle")
        after = drawn.of(node)
        assert after and all(f["familyName"].startswith("Fandol") for f in after), after
    # Without scripts nothing would drop the class: far text is set in its font from the start.
    with opened(browser, url, 375, 800, java_script_enabled=False) as (context, page):
        page.locator(selector).first.scroll_into_view_if_needed()
        page.wait_for_timeout(300)
        page.wait_for_load_state("networkidle")
        drawn = DrawnFonts(context, page)
        fonts = drawn.of(drawn.node(selector))
        assert fonts and all(f["familyName"].startswith("Fandol") for f in fonts), fonts


EXTRA_NOTICE = """---
title: 关于成立测试工作领导小组的通知
doc_number: 银政办发〔2020〕99号
section: 银川市政府文件
order: 9
---

为做好测试工作，成立领导小组，组成人员如下：

::: 名单
组长：赵旭辉　市委副书记、市政府市长
副组长：李虹　市委常委、常务副市长
成员：张三　市发展改革委主任、市统计局局长、市财政局党组书记
李四　市财政局局长
:::

::: 表格 各县（市）区主要指标
| 地区 | 地区生产总值 | 增长 | 固定资产投资 | 增长 | 社会消费品零售总额 | 增长 | 一般公共预算收入 | 增长 |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
| 兴庆区 | 4311.36 | 7.5 | 2026.61 | 13.8 | 1167.78 | 7.9 | 5379.95 | 4.9 |
| 贺兰县 | 1094.66 | 7.2 | 3785.27 | 6.1 | 102.4 | 2.4 | 97.1 | -2.9 |
:::
"""


def test_name_lists_and_wide_tables_fit_a_phone(browser, tmp_path):
    """A name list wraps its posts, a nine-column table scrolls inside its own box."""
    from gazette.serve import PreviewServer

    root = copy_project(tmp_path / "project")
    (root / "content" / SAMPLE / "19-test.md").write_text(EXTRA_NOTICE, encoding="utf-8")
    server = PreviewServer(root / "config.yaml", SAMPLE, port=0, watch=False)
    context = browser.new_context(viewport={"width": 375, "height": 740})
    page = context.new_page()
    try:
        assert not server.preview.errors, server.preview.errors
        page.goto(server.url + "/2020/7/银政办发-2020-99/")
        page.evaluate("document.fonts.ready")
        result = page.evaluate(OVERFLOW_JS)
        assert result["scroll"] <= 375 and not result["out"], result
        scroll = page.locator(".gw-table-scroll")
        assert scroll.evaluate("el => el.scrollWidth > el.clientWidth")
        names = page.locator(".gw-names td.gw-name-name").all_inner_texts()
        assert names == ["赵旭辉", "李虹", "张三", "李四"]
        widths = page.eval_on_selector_all(".gw-name-name", "tds => tds.map(t => t.offsetWidth)")
        assert len(set(widths)) == 1  # two- and three-character names share one width
    finally:
        context.close()
        server.close()


def test_images_travel_with_their_notice_and_keep_their_alt_text(tmp_path):
    root = copy_project(tmp_path / "project")
    folder = root / "content" / SAMPLE
    (folder / "images").mkdir()
    Image.new("RGB", (4, 3), "#c00").save(folder / "images" / "图1.png")  # a valid PNG
    notice = folder / "05-yinzhengfa-2020-71.md"
    notice.write_text(notice.read_text(encoding="utf-8") + "\n![奖励资金分布示意图](images/图1.png)\n",
                      encoding="utf-8")
    config = load_config(root / "config.yaml")
    issue = load_issue(config, config.content_dir / SAMPLE, Diagnostics())
    site = render_site(config, [SiteIssue(issue, PrintEdition(None))], fonts="preview")
    assert site.files["2020/7/银政发-2020-71/images/图1.png"] == folder / "images" / "图1.png"
    html = site.files["2020/7/银政发-2020-71/index.html"].decode()
    assert re.search(r'<img src="images/(%E5%9B%BE1|图1)\.png" alt="奖励资金分布示意图"', html), \
        re.findall(r"<img[^>]*>", html)


SELECT_BLOCKS_JS = """() => {
  const selection = window.getSelection();
  const select = el => { const range = document.createRange(); range.selectNodeContents(el);
    selection.removeAllRanges(); selection.addRange(range); return selection.toString(); };
  const blocks = [...document.querySelectorAll(
    '.gw-body > .gw-flow > :is(p, h2, h3, h4, h5, h6), .gw-appendix > .gw-flow > :is(p, h3, h4, h5, h6)')];
  return {blocks: blocks.map(select), page: select(document.querySelector('main') || document.body)};
}"""


def test_text_selected_in_the_browser_equals_the_source(page, built, base_url):
    """What a reader selects and copies is the source text: no word joiner or other invisible
    character rides along with the nowrap spans that keep numbers and last characters."""
    result, site_dir = built
    checked = 0
    for notice in result.issue.notices:
        page.goto(base_url + f"2020/7/{notice.slug}/")
        copied = page.evaluate(SELECT_BLOCKS_JS)
        assert not [c for c in copied["page"] if unicodedata.category(c) == "Cf"], notice.slug
        sources = set(notice.body.paragraphs)
        for text in copied["blocks"]:
            assert text in sources, (notice.slug, text[:40])
            checked += 1
    assert checked > 500
    for path in site_dir.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert not [c for c in text if unicodedata.category(c) == "Cf"], path


def test_the_notice_title_is_the_h1_and_appendix_headings_nest_under_their_title(page, base_url):
    page.goto(base_url + "2020/7/银政办发-2020-73/")
    headings = page.eval_on_selector_all(
        "h1, h2, h3, h4, h5, h6", "hs => hs.map(h => [+h.tagName[1], h.className, h.innerText])")
    assert headings[0][0] == 1 and "gw-title" in headings[0][1]
    assert [h[0] for h in headings].count(1) == 1
    appendix = next(i for i, h in enumerate(headings) if "gw-appendix-title" in h[1])
    assert headings[appendix][0] == 2
    first = next(h for h in headings if h[2].startswith("一、"))
    assert first[0] == 3  # the plan's 一、 sits below the plan's title


def test_articles_and_chapters_have_stable_anchors_with_a_link_on_hover(page, base_url):
    page.goto(base_url + "2020/7/银党办-2020-60/#第十条")
    target = page.locator(":target")
    assert target.get_attribute("id") == "第十条"
    assert target.locator(".gw-article-no").inner_text() == "第十条"
    top = target.evaluate("el => el.getBoundingClientRect().top")
    assert 0 <= top < 100  # the browser scrolled to the article
    # Blocks above it are laid out lazily (content-visibility) as they come near, at their
    # real height instead of the estimate: the article stays where the reader landed.
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(500)
    assert abs(target.evaluate("el => el.getBoundingClientRect().top") - top) < 2
    chapter = page.locator("h3.gw-chapter#第二章")  # a chapter of the appendix: below its h2
    assert chapter.text_content().startswith("第二章")  # not laid out yet: no innerText
    link = target.locator("a.gw-anchor")
    assert link.get_attribute("href") == "#第十条"
    assert link.evaluate("a => getComputedStyle(a).opacity") == "0"
    target.hover()
    page.wait_for_function("getComputedStyle(document.querySelector(':target > .gw-anchor'))"
                           ".opacity === '1'")
    ids = page.eval_on_selector_all("[id^='第']", "els => els.map(e => e.id)")
    assert len(ids) == len(set(ids)) and "第一章" in ids and "第一条" in ids


def test_long_documents_have_contents_and_a_way_back_to_the_top(browser, base_url):
    context = browser.new_context(viewport={"width": 375, "height": 740})
    page = context.new_page()
    try:
        page.goto(base_url + "2020/7/银政办发-2020-73/")
        contents = page.locator("nav.page-toc")
        entries = contents.locator("a")
        assert entries.count() >= 5
        assert entries.nth(1).text_content() == "一、总体要求"
        contents.locator("summary").click()
        entries.nth(1).click()
        page.wait_for_function("location.hash !== ''")
        assert unquote(page.evaluate("location.hash")) == "#一、总体要求"
        heading = page.locator("[id='一、总体要求']")
        assert 0 <= heading.evaluate("el => el.getBoundingClientRect().top") < 100
        page.wait_for_timeout(500)  # lazily laid-out blocks around it take their real height
        assert 0 <= heading.evaluate("el => el.getBoundingClientRect().top") < 100
        back = page.locator("a.to-top")
        assert back.is_visible()  # it stays on screen in the middle of a long page
        back.click()
        page.wait_for_function("window.scrollY === 0")
        page.goto(base_url + "2020/7/银政发-2020-71/")  # a short notice has no contents
        assert page.locator("nav.page-toc").count() == 0
    finally:
        context.close()


def test_notice_pages_describe_themselves_as_legislation_and_for_sharing(page, base_url):
    page.goto(base_url + "2020/7/银党办-2020-60/")
    data = json.loads(page.locator("script[type='application/ld+json']").inner_text())
    assert data["@type"] == "Legislation"
    assert data["legislationIdentifier"] == "银党办〔2020〕60号"
    assert data["legislationDate"] == "2020-08-24"
    assert [o["name"] for o in data["legislationPassedBy"]] == ["中共银川市委办公室", "银川市人民政府办公室"]
    assert data["isPartOf"]["name"] == "银川市人民政府公报 2020年第7期"
    assert data["isPartOf"]["datePublished"] == "2020-09-25"
    canonical = page.locator("link[rel=canonical]").get_attribute("href")
    assert data["url"] == canonical == page.locator("meta[property='og:url']").get_attribute("content")
    og = {m.get_attribute("property"): m.get_attribute("content")
          for m in page.locator("meta[property^='og:']").all()}
    assert og["og:title"] == data["name"] and og["og:type"] == "article"
    assert og["og:locale"] == "zh_CN"


def test_previous_and_next_run_across_issues(tmp_path):
    """The first notice of an issue leads back to the last notice of the issue before it."""
    from gazette.render_html import load_site_issues

    root = copy_project(tmp_path / "project")
    newer = root / "content" / "2020-08"
    shutil.copytree(root / "content" / SAMPLE, newer)
    meta = newer / "issue.yaml"
    text = meta.read_text(encoding="utf-8")
    meta.write_text(text.replace("number: 7", "number: 8").replace("cumulative: 358", "cumulative: 359")
                    .replace("published: 2020-09-25", "published: 2020-10-25"), encoding="utf-8")
    config = load_config(root / "config.yaml")
    issues = load_site_issues(config, Diagnostics())
    site = render_site(config, issues, fonts="preview")
    old, new = sorted(issues, key=lambda s: s.issue.meta.number)
    last_old, first_new = old.issue.notices[-1], new.issue.notices[0]
    first_page = site.files[new.notice_path(first_new) + "index.html"].decode()
    assert re.search(r'rel="prev" href="../../../' + re.escape(quote(old.notice_path(last_old)))
                     + r'"><span class="pager-label">上一篇（2020年第7期）', first_page)
    last_page = site.files[old.notice_path(last_old) + "index.html"].decode()
    assert re.search(r'rel="next" href="../../../' + re.escape(quote(new.notice_path(first_new)))
                     + r'"><span class="pager-label">下一篇（2020年第8期）', last_page)
    newest = site.files[new.notice_path(new.issue.notices[-1]) + "index.html"].decode()
    assert 'rel="next"' not in newest and "已是最新一篇" in newest


def _search(page, base_url: str, query: str, **filters) -> None:
    params = "&".join(f"{k}={quote(v)}" for k, v in filters.items())
    page.goto(base_url + "search/?q=" + quote(query) + ("&" + params if params else ""))
    page.wait_for_function("/找到|没有/.test(document.getElementById('search-status').textContent)")


def test_the_search_query_set_finds_each_expected_notice_first(page, base_url):
    """Every query of tests/search_queries.py (36, README: 搜索) puts its notice first."""
    missed = []
    for query, slug in QUERIES:
        _search(page, base_url, query)
        first = page.locator(".search-result a.result-title").first
        found = unquote(first.get_attribute("href")).split("?")[0].rstrip("/").rsplit("/", 1)[-1] \
            if first.count() else None
        if found != slug:
            missed.append((query, found, slug))
    assert len(QUERIES) >= 30 and not missed


def test_snippets_start_at_a_line_or_after_a_stop(page, base_url):
    """Never in the middle of a 文号 or a word: the snippet starts where the text does, at a
    line, or just after a punctuation mark."""
    for query in ("营商环境", "奖励资金", "生态环境", "食品安全"):
        _search(page, base_url, query)
        for snippet in page.locator(".search-result .result-snippet").all_inner_texts():
            if snippet.startswith("…"):
                assert not re.match(r"…(〕|\d*号)", snippet), snippet  # no 文号 tail


def test_search_words_are_anded_and_results_carry_dates(page, base_url):
    _search(page, base_url, "食品安全 方案")
    titles = page.locator(".search-result a.result-title").all_inner_texts()
    assert titles and all(t for t in titles)
    for result in page.locator(".search-result").all():  # both words, in the title or the text
        text = result.inner_text()
        assert "食品安全" in text.replace("\n", "") or "方案" in text
    meta = page.locator(".search-result .result-meta").first.inner_text()
    assert re.search(r"20\d\d年\d{1,2}月\d{1,2}日", meta)
    _search(page, base_url, "食品安全 这个词不在公报里")
    assert page.locator(".search-result").count() == 0


def test_search_filters_by_section_issuer_and_year(page, base_url):
    _search(page, base_url, "方案")
    everything = page.locator(".search-result").count()
    _search(page, base_url, "方案", section="人事任免")
    assert page.locator(".search-result").count() == 0
    _search(page, base_url, "方案", issuer="中共银川市委办公室")
    some = page.locator(".search-result .result-meta").all_inner_texts()
    assert 0 < len(some) < everything
    assert page.locator("#f-issuer").input_value() == "中共银川市委办公室"
    _search(page, base_url, "", year="2020", section="人事任免")  # a filter alone lists notices
    assert page.locator(".search-result a.result-title").all_inner_texts() == [
        "银川市人民政府关于朱丽莉等同志任职的通知"]
    page.select_option("#f-section", "")
    page.wait_for_function("document.querySelectorAll('.search-result').length > 1")
    assert "人事任免" not in unquote(page.url)  # the address follows the filters


def test_a_search_result_highlights_the_words_on_the_notice(page, base_url):
    _search(page, base_url, "营商环境 先进集体")
    page.locator(".search-result a.result-title").first.click()
    page.wait_for_url("**/2020/7/*/?hl=*")
    marks = page.locator("article mark.hl").all_inner_texts()
    assert "营商环境" in marks and "先进集体" in marks
    first = page.locator("article mark.hl").first
    assert 0 <= first.evaluate("m => m.getBoundingClientRect().top") < 800


CONTRAST_JS = """([selector, property]) => {
  const parse = c => c.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const lum = rgb => rgb.map(v => v / 255).map(v => v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4)
    .reduce((sum, v, i) => sum + v * [0.2126, 0.7152, 0.0722][i], 0);
  const el = document.querySelector(selector);
  let back = property === 'color' ? el : el.parentElement;  // text on its own box, a border on its surroundings
  while (getComputedStyle(back).backgroundColor === 'rgba(0, 0, 0, 0)') back = back.parentElement;
  const a = lum(parse(getComputedStyle(el)[property]));
  const b = lum(parse(getComputedStyle(back).backgroundColor));
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_controls_and_text_keep_their_contrast_in_light_and_dark(browser, base_url, scheme):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=scheme)
    page = context.new_page()
    try:
        page.goto(base_url + "search/?q=方案")
        page.locator(".search-result").first.wait_for()
        background = page.evaluate("getComputedStyle(document.body).backgroundColor")
        dark = sum(int(v) for v in re.findall(r"\d+", background)[:3]) < 150
        assert dark == (scheme == "dark"), background
        for selector in ("#site-q", "#search-q", "#f-issuer", ".text-size button"):
            assert page.evaluate(CONTRAST_JS, [selector, "borderTopColor"]) >= 3, selector
        for selector in (".result-snippet", ".result-meta", ".site-search button", ".crumbs a"):
            assert page.evaluate(CONTRAST_JS, [selector, "color"]) >= 4.5, selector
        page.goto(base_url + "2020/7/银政发-2020-71/")
        assert page.evaluate(CONTRAST_JS, [".gw-body p", "color"]) >= 7
    finally:
        context.close()


def test_the_text_size_choice_is_kept_across_pages(page, base_url):
    page.goto(base_url + "2020/7/银政发-2020-71/")
    size = lambda: page.evaluate("parseFloat(getComputedStyle(document.querySelector('.gw-body p')).fontSize)")
    medium = size()
    assert page.locator(".text-size button[aria-pressed=true]").inner_text() == "中"
    page.get_by_role("button", name="大字号").click()
    assert size() > medium * 1.1
    page.goto(base_url + "2020/7/银政发-2020-70/")  # another page, the same choice
    assert size() > medium * 1.1
    assert page.locator(".text-size button[aria-pressed=true]").inner_text() == "大"
    page.get_by_role("button", name="小字号").click()
    assert size() < medium
    page.reload()
    assert size() < medium


def test_no_request_fails_and_every_page_has_its_canonical_address(page, built, base_url):
    """A favicon, so browsers do not ask for a missing /favicon.ico; canonical links on every
    page; robots.txt, 404.html and dated sitemap entries."""
    _result, site_dir = built
    failed = []
    page.on("response", lambda r: failed.append(r.url) if r.status >= 400 else None)
    config = load_config(built[0].pdf_path.parent.parent.parent / "config.yaml")
    site_url = config.site_url.rstrip("/") + "/"
    for path in ("", "2020/7/", "2020/7/银政发-2020-71/", "search/"):
        page.goto(base_url + path)
        page.wait_for_load_state("networkidle")
        canonical = page.locator("link[rel=canonical]").get_attribute("href")
        assert unquote(canonical) == site_url + path
    assert not failed
    assert page.locator("link[rel=icon]").get_attribute("href").endswith("favicon.svg")
    robots = (site_dir / "robots.txt").read_text(encoding="utf-8")
    assert "User-agent: *" in robots and f"Sitemap: {site_url}sitemap.xml" in robots
    missing = (site_dir / "404.html").read_text(encoding="utf-8")
    assert "页面不存在" in missing and f'href="{site_url}search/"' in missing
    assert f'href="{site_url}assets/site.css"' in missing  # works at any depth
    ns = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    entries = {u.findtext(f"{ns}loc"): u.findtext(f"{ns}lastmod")
               for u in ET.parse(site_dir / "sitemap.xml").getroot()}
    assert entries[site_url] == "2020-09-25" and entries[site_url + "2020/7/"] == "2020-09-25"
    assert entries[site_url + "search/"] is None
    assert sum(1 for v in entries.values() if v == "2020-09-25") == 20


def test_paired_full_width_marks_are_half_width_in_the_browser(page, built, base_url):
    """标点挤压 in the web edition too: the web font subsets keep the 'halt' feature, so a
    span.gw-pc mark is half an em wide while an ordinary mark is a full em."""
    page.goto(base_url + "2020/7/银党办-2020-61/")
    page.evaluate("document.fonts.ready")
    widths = page.evaluate("""() => {
      const size = parseFloat(getComputedStyle(document.querySelector('.gw-body p')).fontSize);
      const width = el => el.getBoundingClientRect().width / size;
      const half = [...document.querySelectorAll('.gw-text .gw-pc')].map(width);
      const probe = document.createElement('span');
      probe.textContent = '。';
      document.querySelector('.gw-body p').appendChild(probe);
      return {half, full: width(probe)};
    }""")
    half = sorted(widths["half"])
    assert len(half) > 50
    assert abs(widths["full"] - 1.0) < 0.05
    assert abs(half[len(half) // 2] - 0.5) < 0.02, "justified lines may add a little"
    assert half[-1] < 0.75, half[-5:]
