"""What a reader without any Chinese font downloads from the heaviest notice of each gazette.

Serves the published sites (build/site/ after ``gazette build --all``) on a local static
server (no compression) and, for each gazette, finds the notice page that shows the most
distinct characters, then opens it in headless Chromium (/usr/bin/chromium via Playwright)
with a cold cache on the Slow 4G profile, 375 and 1280 px wide: the bytes transferred once
the page is open and the network idle (no scrolling), then after scrolling down a screen at a
time to the end, and the cumulative layout shift of both. The figures in README's web-font
table come from this script.

Usage: .venv/bin/python scripts/bench_webfonts.py [--site build/site] [--widths 375,1280]
"""

from __future__ import annotations

import argparse
import functools
import sys
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gazette.webfonts import role_texts  # noqa: E402

SLOW_4G = {"offline": False, "latency": 562.5, "downloadThroughput": 180_000,
           "uploadThroughput": 84_375}
LAYOUT_SHIFT = """window.__cls = 0;
new PerformanceObserver(list => {
  for (const entry of list.getEntries()) if (!entry.hadRecentInput) window.__cls += entry.value;
}).observe({type: 'layout-shift', buffered: true});"""


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002
        pass


def heaviest(site: Path) -> list[str]:
    """Per gazette folder, the notice page (<id>/<year>/<n>/<slug>/) with most distinct chars."""
    pages = []
    for folder in sorted(p for p in site.iterdir() if (p / "search" / "docs.json").is_file()):
        notices = list(folder.glob("*/*/*/index.html"))
        if notices:
            best = max(notices, key=lambda p: len(set().union(
                *role_texts(p.read_text(encoding="utf-8")).values())))
            pages.append(best.parent.relative_to(site).as_posix() + "/")
    return pages


def visit(browser, url: str, width: int) -> tuple[int, float, int, float]:
    """(bytes on opening, CLS on opening, bytes after reading to the end, CLS then)."""
    context = browser.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    page.add_init_script(LAYOUT_SHIFT)
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    cdp.send("Network.emulateNetworkConditions", SLOW_4G)
    sizes: list[int] = []
    cdp.on("Network.loadingFinished", lambda event: sizes.append(event["encodedDataLength"]))
    try:
        page.goto(url, timeout=120_000)
        page.evaluate("document.fonts.ready")
        page.wait_for_load_state("networkidle", timeout=120_000)
        opening, opening_shift = sum(sizes), page.evaluate("window.__cls")
        for _ in range(400):
            page.mouse.wheel(0, 600)
            page.wait_for_timeout(120)
            if page.evaluate("scrollY + innerHeight >= document.documentElement.scrollHeight - 2"):
                break
        page.wait_for_timeout(300)
        page.evaluate("document.fonts.ready")
        page.wait_for_load_state("networkidle", timeout=120_000)
        return opening, opening_shift, sum(sizes), page.evaluate("window.__cls")
    finally:
        context.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--site", type=Path, default=ROOT / "build" / "site")
    parser.add_argument("--widths", default="375,1280")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    server = ThreadingHTTPServer(("127.0.0.1", 0),
                                 functools.partial(_Quiet, directory=str(args.site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}/"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium",
                args=["--headless", "--no-sandbox", "--disable-gpu"])
            for path in heaviest(args.site):
                for width in (int(w) for w in args.widths.split(",")):
                    opening, shift, whole, whole_shift = visit(browser, base + path, width)
                    print(f"{path} {width}px: opening {opening / 1000:.0f} KB (CLS {shift:.4f}), "
                          f"read to the end {whole / 1000:.0f} KB (CLS {whole_shift:.4f})")
            browser.close()
    finally:
        server.shutdown()
        server.server_close()


if __name__ == "__main__":
    main()
