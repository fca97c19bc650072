"""What a reader's Chromium downloads: a static server for a built site, and a first visit
measured over the DevTools protocol (cache disabled, optionally on the Slow 4G profile), on
opening and after reading to the end. Shared by tests/test_html_edition.py,
tests/test_web_budget.py and scripts/bench_webfonts.py, so the figures in README and the
budgets in the tests come from one measurement."""

from __future__ import annotations

import contextlib
import functools
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

SLOW_4G = {"offline": False, "latency": 562.5, "downloadThroughput": 180_000,
           "uploadThroughput": 84_375}
"""Chrome DevTools' "Slow 4G" profile (1.6 Mbit/s less 10 %, 562.5 ms round trip)."""

LAYOUT_SHIFT_JS = """window.__cls = 0;
new PerformanceObserver(list => {
  for (const entry of list.getEntries()) if (!entry.hadRecentInput) window.__cls += entry.value;
}).observe({type: 'layout-shift', buffered: true});"""
"""Init script: the page's cumulative layout shift in window.__cls."""

FAILED_FONTS_JS = ("[...document.fonts].filter(f => f.status === 'error')"
                   ".map(f => f.family)")


class QuietHandler(SimpleHTTPRequestHandler):
    """A static file server, as any web server would be (no compression), without a log;
    a browser that drops a connection it no longer needs is not an error."""

    def log_message(self, format, *args):  # noqa: A002
        pass

    def handle(self) -> None:
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            super().handle()


@contextlib.contextmanager
def serve(directory: Path) -> Iterator[str]:
    """Serve ``directory`` on a free local port; yields the base address (ending in /)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0),
                                 functools.partial(QuietHandler, directory=str(directory)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()


@dataclass(frozen=True, slots=True)
class Visit:
    opening: int
    """Bytes transferred once the page is open and the network idle, before any scrolling."""
    opening_shift: float
    """Cumulative layout shift by then."""
    whole: int | None
    """With ``read_to_the_end``: bytes transferred in all, after scrolling to the end."""
    whole_shift: float | None
    failed_fonts: tuple[str, ...]
    """Families of the page's @font-face rules that failed to load (at the end)."""


def cold_visit(browser, url: str, width: int, network: dict | None = None, *,
               read_to_the_end: bool = False, height: int = 800,
               timeout: float = 120_000) -> Visit:
    """A first visit to ``url`` in a new context ``width`` × ``height`` px with the cache
    disabled: the bytes of every response (Network.loadingFinished's encodedDataLength) and
    the layout shift, on opening and, with ``read_to_the_end``, after scrolling to the end."""
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.add_init_script(LAYOUT_SHIFT_JS)
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    if network:
        cdp.send("Network.emulateNetworkConditions", network)
    transferred: list[int] = []
    cdp.on("Network.loadingFinished", lambda event: transferred.append(event["encodedDataLength"]))
    try:
        page.goto(url, timeout=timeout)
        page.evaluate("document.fonts.ready")
        page.wait_for_load_state("networkidle", timeout=timeout)
        opening, opening_shift = sum(transferred), page.evaluate("window.__cls")
        whole = whole_shift = None
        if read_to_the_end:
            scroll_to_the_end(page, timeout)
            whole, whole_shift = sum(transferred), page.evaluate("window.__cls")
        failed = tuple(page.evaluate(FAILED_FONTS_JS))
        return Visit(opening, opening_shift, whole, whole_shift, failed)
    finally:
        context.close()


def scroll_to_the_end(page, timeout: float = 30_000) -> None:
    """Scroll down a screen at a time, as a reader does, until the end of the page; then wait
    for the fonts and the network."""
    for _ in range(400):
        page.mouse.wheel(0, 600)
        page.wait_for_timeout(100)
        if page.evaluate("scrollY + innerHeight >= document.documentElement.scrollHeight - 2"):
            break
    page.wait_for_timeout(300)
    page.evaluate("document.fonts.ready")
    page.wait_for_load_state("networkidle", timeout=timeout)


class DrawnFonts:
    """Which fonts Chromium actually drew an element with (DevTools'
    CSS.getPlatformFontsForNode): a bundled subset, a blank placeholder, or a system font."""

    def __init__(self, context, page) -> None:
        self.cdp = context.new_cdp_session(page)
        self.cdp.send("DOM.enable")
        self.cdp.send("CSS.enable")

    def node(self, selector: str) -> int:
        """The first element matching ``selector`` now (keep the id: classes may change)."""
        root = self.cdp.send("DOM.getDocument", {"depth": -1})["root"]["nodeId"]
        return self.cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]

    def of(self, node: int) -> list[dict]:
        return self.cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]


@contextlib.contextmanager
def opened(browser, url: str, width: int, height: int, **options) -> Iterator[tuple]:
    """(context, page) of ``url`` loaded in a fresh browser context of that viewport, with
    the network idle and the fonts the page asked for settled; the context is closed after."""
    context = browser.new_context(viewport={"width": width, "height": height}, **options)
    page = context.new_page()
    try:
        page.goto(url)
        page.wait_for_load_state("networkidle")
        if options.get("java_script_enabled", True):
            page.evaluate("document.fonts.ready")
        yield context, page
    finally:
        context.close()
