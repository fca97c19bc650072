"""What a reader without any Chinese font downloads from the heaviest notice of each gazette.

Serves the published sites (build/site/ after ``gazette build --all``) on a local static
server (no compression) and, for each gazette, finds the notice page that shows the most
distinct characters, then opens it in headless Chromium (/usr/bin/chromium via Playwright)
with a cold cache on the Slow 4G profile, 375 and 1280 px wide: the bytes transferred once
the page is open and the network idle (no scrolling), then after scrolling down a screen at a
time to the end, and the cumulative layout shift of both. The figures in README's web-font
table come from this script.

Usage: .venv/bin/python scripts/bench_webfonts.py [--site build/site] [--widths 375,1280]
       [page ...]

The measurement itself is tests/browser.py's, shared with the tests.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gazette.webfonts import role_texts  # noqa: E402
from tests.browser import SLOW_4G, cold_visit, serve  # noqa: E402


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--site", type=Path, default=ROOT / "build" / "site")
    parser.add_argument("--widths", default="375,1280")
    parser.add_argument("pages", nargs="*",
                        help="site paths to measure as well (e.g. yinchuan/ for a home page)")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with serve(args.site) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--headless", "--no-sandbox", "--disable-gpu"])
        for path in [*heaviest(args.site), *args.pages]:
            for width in (int(w) for w in args.widths.split(",")):
                visit = cold_visit(browser, base + path, width, SLOW_4G, read_to_the_end=True)
                print(f"{path} {width}px: opening {visit.opening / 1000:.0f} KB "
                      f"(CLS {visit.opening_shift:.4f}), read to the end "
                      f"{visit.whole / 1000:.0f} KB (CLS {visit.whole_shift:.4f})")
        browser.close()


if __name__ == "__main__":
    main()
