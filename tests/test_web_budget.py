"""What a first visit to the heaviest notice page of every bundled issue costs, measured in
Chromium with a cold cache on the site `gazette build` published (the session's builds).

The heaviest page is found in the build (most distinct characters), never named. Two readers:
one whose computer has a 仿宋 font (every Chinese Windows has FangSong), who must stay within
the 300 KB budget; and this machine, which has no Chinese font at all and downloads every glyph
of the bundled fonts. There a notice's blocks are laid out only as the reader nears them, and
the font pieces their text needs load then: the first visit is measured as it opens, and again
after scrolling to the end (README gives the figures; a notice with a big table misses the
budget, see the ceilings).
"""

from __future__ import annotations

import functools
import os
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote

import pytest

from gazette.render_html import PrintEdition, SiteIssue
from gazette.sitepaths import site_dir
from gazette.webfonts import LOCAL_FIRST, role_texts

from .conftest import CHROMIUM, CHROMIUM_ARGS
from .test_html_edition import LAYOUT_SHIFT_JS, SLOW_4G, _cold_visit, _scroll_to_the_end

BUDGET = 300_000
"""Issue 14's budget for a notice page, cold cache."""
FIRST_VISIT = BUDGET
"""Opening the heaviest notice of an issue without any Chinese system font, 375 px wide, Slow
4G: 288–289 KB measured (311–314 KB before the fonts were TrueType)."""
FIRST_VISIT_WITH_A_TABLE = 535_000
"""Not the budget: the same for a notice with a big table (大武口 石大政办发〔2021〕58号,
504 KB measured, plus ~6 % so a regression shows): a table is one block to the browser, laid
out whole once its top is near, so its pieces all load at once."""


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002
        pass


@pytest.fixture(scope="module")
def heaviest(bundled_build):
    """(site address, page path, the build's estimate of reading it whole, its HTML) for the
    notice page of this issue that shows the most distinct characters, served from the
    published site."""
    config, result, _diags = bundled_build
    site = result.site
    edition = SiteIssue(result.issue, PrintEdition(None))

    def distinct(path: str) -> int:
        return len(set().union(*role_texts(site.files[path].decode("utf-8")).values()))

    page = max((edition.notice_path(n) + "index.html" for n in result.issue.notices), key=distinct)
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(
        _QuietHandler, directory=str(site_dir(config))))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield (f"http://127.0.0.1:{server.server_port}/", page, site.page_costs[page],
           site.files[page].decode("utf-8"))
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def fangsong_machine(browser, tmp_path_factory):
    """Chromium on a computer with a 仿宋 installed: a private fontconfig holding the bundled
    FandolFang under Windows' name for its 仿宋, FangSong (full and PostScript name). Launched
    by the same Playwright as ``browser`` (one Playwright per thread)."""
    from fontTools.ttLib import TTFont

    folder = tmp_path_factory.mktemp("fangsong")
    root = Path(__file__).resolve().parent.parent
    with TTFont(root / "fonts" / "FandolFang-Regular.otf", lazy=True) as font:
        names = font["name"]
        for record in list(names.names):
            if record.nameID in (1, 3, 4, 6, 16, 17):
                names.removeNames(nameID=record.nameID)
        for name_id in (1, 3, 4, 6):
            names.setName("FangSong", name_id, 3, 1, 0x409)
        font.save(folder / "FangSong.otf")
    (folder / "fonts.conf").write_text(
        '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
        '<include ignore_missing="yes">/etc/fonts/fonts.conf</include>'
        f"<dir>{folder}</dir><cachedir>{folder / 'cache'}</cachedir></fontconfig>\n",
        encoding="utf-8")
    env = {**os.environ, "FONTCONFIG_FILE": str(folder / "fonts.conf")}
    chromium = browser.browser_type.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, env=env)
    yield chromium
    chromium.close()


def test_the_heaviest_notice_fits_the_budget_where_the_reader_has_a_fangsong(
        fangsong_machine, heaviest):
    base_url, page, _cost, _html = heaviest
    url = base_url + page.removesuffix("index.html")
    transferred, _shift = _cold_visit(fangsong_machine, url, 1280)
    assert transferred <= BUDGET, (page, transferred)
    # The body text is drawn in the reader's 仿宋, and no body-font file is fetched.
    context = fangsong_machine.new_context()
    view = context.new_page()
    fonts = []
    view.on("request", lambda r: fonts.append(unquote(r.url)) if ".woff2" in r.url else None)
    view.goto(url)
    view.evaluate("document.fonts.ready")
    view.wait_for_load_state("networkidle")
    cdp = context.new_cdp_session(view)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument")["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": ".gw-body p"})["nodeId"]
    drawn = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    context.close()
    assert drawn and drawn[0]["familyName"] == "FangSong", drawn
    assert fonts and not any(name.rsplit("/", 1)[-1].startswith(tuple(LOCAL_FIRST))
                             for name in fonts), fonts


def test_the_heaviest_notice_without_chinese_fonts_loads_as_the_reader_scrolls(browser, heaviest):
    """This machine has no Chinese font: every glyph comes from the bundled fonts. Opening the
    page downloads what its first screens show; reading on to the end downloads the rest, in
    all what the build reports. The text must not jump, on opening or while scrolling."""
    base_url, page, cost, html = heaviest
    context = browser.new_context(viewport={"width": 375, "height": 800})
    view = context.new_page()
    view.add_init_script(LAYOUT_SHIFT_JS)
    cdp = context.new_cdp_session(view)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    cdp.send("Network.emulateNetworkConditions", SLOW_4G)
    transferred = []
    cdp.on("Network.loadingFinished", lambda event: transferred.append(event["encodedDataLength"]))
    try:
        view.goto(base_url + page.removesuffix("index.html"), timeout=60_000)
        view.evaluate("document.fonts.ready")
        view.wait_for_load_state("networkidle", timeout=60_000)
        first, opening_shift = sum(transferred), view.evaluate("window.__cls")
        _scroll_to_the_end(view)
        whole, shift = sum(transferred), view.evaluate("window.__cls")
        failed = view.evaluate("[...document.fonts].filter(f => f.status === 'error')"
                               ".map(f => f.family)")
    finally:
        context.close()
    assert all(family.startswith("GzLocal") for family in failed), failed
    assert opening_shift <= 0.05 and shift <= 0.05, (opening_shift, shift)
    assert cost <= whole <= cost + 20_000, (page, whole, cost)
    if 'class="gw-table-block' in html:
        assert first <= FIRST_VISIT_WITH_A_TABLE, (page, first)
    else:
        assert first <= FIRST_VISIT, (page, first)
        assert whole - first >= 100_000, (page, first, whole)  # the lazy layout defers weight
