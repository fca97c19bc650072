"""Run the search query set (tests/search_queries.py) through the site's own search and
through Pagefind on the same built site, and print how many queries each gets right.

Pagefind is not a dependency of gazette; install it for this comparison only:
    .venv/bin/pip install "pagefind[extended]"
Usage: .venv/bin/python scripts/compare_pagefind.py [build/site]
($PAGEFIND_PYTHON names another interpreter that has pagefind, if it is installed elsewhere.)
The site must have been built (gazette build). Pagefind indexes a copy in a temporary folder,
restricted to the notice itself (data-pagefind-body on <article>), as one would deploy it.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote, unquote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.search_queries import QUERIES  # noqa: E402

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]
PAGEFIND_FIRST = """async q => {
  const s = await window.pf.search(q);
  return s.results.length ? (await s.results[0].data()).url : null;
}"""


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def _serve(folder: Path) -> str:
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}/"


def _slug(url: str | None) -> str | None:
    return unquote(url).split("?")[0].rstrip("/").rsplit("/", 1)[-1] if url else None


def main() -> int:
    from playwright.sync_api import sync_playwright

    site = Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "build" / "site")
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "site"
        shutil.copytree(site, copy)
        for page in copy.rglob("index.html"):
            text = page.read_text(encoding="utf-8")
            page.write_text(re.sub(r'<article class="notice', '<article data-pagefind-body class="notice',
                                   text), encoding="utf-8")
        python = os.environ.get("PAGEFIND_PYTHON", sys.executable)
        subprocess.run([python, "-m", "pagefind", "--site", str(copy)], check=True,
                       capture_output=True)
        pagefind_bytes = sum(f.stat().st_size for f in (copy / "pagefind").rglob("*") if f.is_file())
        ours_bytes = sum(f.stat().st_size for f in (copy / "search").rglob("*") if f.is_file())
        base = _serve(copy)
        scores = {"gazette": 0, "pagefind": 0}
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium",
                                                 args=CHROMIUM_ARGS)
            page = browser.new_page()
            page.goto(base)
            page.evaluate("async () => { window.pf = await import('./pagefind/pagefind.js');"
                          " await window.pf.init(); }")
            for query, slug in QUERIES:
                found = _slug(page.evaluate(PAGEFIND_FIRST, query))
                scores["pagefind"] += found == slug
                if found != slug:
                    print(f"Pagefind: {query} → {found} (expected {slug})")
            for query, slug in QUERIES:
                page.goto(base + "search/?q=" + quote(query))
                page.wait_for_function(
                    "/找到|没有/.test(document.getElementById('search-status').textContent)")
                first = page.locator(".search-result a.result-title").first
                found = _slug(first.get_attribute("href")) if first.count() else None
                scores["gazette"] += found == slug
                if found != slug:
                    print(f"gazette: {query} → {found} (expected {slug})")
            browser.close()
    print(f"{len(QUERIES)} queries, expected notice first: gazette {scores['gazette']}, "
          f"Pagefind {scores['pagefind']}")
    print(f"index on disk: gazette search/ {ours_bytes / 1024:.0f} KB, "
          f"Pagefind pagefind/ {pagefind_bytes / 1024:.0f} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
