"""``gazette serve``: the live preview, driven through a real headless Chromium.

Each test runs the preview on a scratch copy of the project and edits files there the way an
editor's text editor would; the page must follow by itself.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

import pytest

from gazette.config import load_config
from gazette.render_pdf import PAGE_STYLES
from gazette.serve import PreviewServer, _notice_pdf

from .browser import DrawnFonts
from .conftest import SAMPLE
from .pdflines import read_lines
from .pdftext import PdfPages, squash

NOTICE = "05-yinzhengfa-2020-71.md"
NOTICE_PATH = "/2020/7/银政发-2020-71/"
FIRST_SENTENCE = "今年以来，全市工业企业认真贯彻落实"

@pytest.fixture
def preview(scratch):
    server = PreviewServer(scratch / "config.yaml", SAMPLE, port=0)
    yield server
    server.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1100, "height": 800})
    page = context.new_page()
    yield page
    context.close()


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_saving_a_notice_reloads_the_open_page(preview, page, scratch):
    page.goto(preview.url + NOTICE_PATH)
    page.wait_for_function("document.querySelector('.gz-status') !== null")
    page.evaluate("window.__notReloaded = true")
    _edit(scratch / "content" / SAMPLE / NOTICE, FIRST_SENTENCE, "今年以来（预览测试），全市工业企业认真贯彻落实")
    page.wait_for_function("document.body.innerText.includes('今年以来（预览测试）')", timeout=10_000)
    assert page.evaluate("window.__notReloaded === undefined")  # the page reloaded itself
    assert page.locator(".gz-overlay").is_hidden()


def test_a_page_whose_file_did_not_change_stays_put(preview, page, scratch):
    page.goto(preview.url + "/2020/7/银政发-2020-65/")
    page.wait_for_function("document.querySelector('.gz-status') !== null")
    page.evaluate("window.__notReloaded = true")
    version = preview.preview.version
    _edit(scratch / "content" / SAMPLE / "17-dashiji.md", "8月", "8 月")
    page.wait_for_function(
        f"fetch('/_gazette/state').then(r => r.json()).then(s => s.version > {version})")
    page.wait_for_timeout(300)
    assert page.evaluate("window.__notReloaded === true")


@pytest.mark.parametrize(("old", "new", "where", "message"), [
    ("section: 银川市政府文件", "section: 银川市政府文件夹", f"content/{SAMPLE}/{NOTICE}:4",
     "不在 config.yaml 的 sections 中"),
    ("order: 4", "order: [4", f"content/{SAMPLE}/{NOTICE}:5:8", "方括号列表 [ ] 没有闭合"),
    # PyYAML notices these a line or more later; the overlay points at the line to fix.
    ("section: 银川市政府文件", "section:银川市政府文件", f"content/{SAMPLE}/{NOTICE}:4:9",
     "冒号后缺少空格"),
    ("title: 银川市", 'title: "银川市', f"content/{SAMPLE}/{NOTICE}:2:8", "引号没有闭合"),
])
def test_a_broken_edit_shows_the_error_and_fixing_it_clears(preview, page, scratch, old, new,
                                                            where, message):
    notice = scratch / "content" / SAMPLE / NOTICE
    page.goto(preview.url + NOTICE_PATH)
    page.wait_for_function("document.querySelector('.gz-status') !== null")
    _edit(notice, old, new)
    overlay = page.locator(".gz-overlay")
    overlay.wait_for(state="visible", timeout=10_000)
    assert where in overlay.locator(".gz-where").first.inner_text()
    assert message in overlay.inner_text() or message.lower() in overlay.inner_text().lower()
    assert page.locator("h1.gw-title").is_visible()  # the last good build is still shown
    with urllib.request.urlopen(preview.url + quote(NOTICE_PATH)) as response:
        assert "兑现工业创新驱动" in response.read().decode()
    _edit(notice, new, old)
    overlay.wait_for(state="hidden", timeout=10_000)
    assert page.locator(".gz-status").inner_text() == "预览"


def test_a_layout_error_points_into_layouts(preview, page, scratch):
    template = scratch / "layouts" / "html" / "notice.html"
    page.goto(preview.url + NOTICE_PATH)
    page.wait_for_function("document.querySelector('.gz-status') !== null")
    _edit(template, "{% block main %}", "{% block main %}{% if %}")
    overlay = page.locator(".gz-overlay")
    overlay.wait_for(state="visible", timeout=10_000)
    assert "layouts/html/notice.html:" in overlay.locator(".gz-where").first.inner_text()
    assert "模板语法错误" in overlay.inner_text()
    _edit(template, "{% block main %}{% if %}", "{% block main %}")
    overlay.wait_for(state="hidden", timeout=10_000)


def test_a_stylesheet_change_reloads_pages(preview, page, scratch):
    page.goto(preview.url + NOTICE_PATH)
    page.wait_for_function("document.querySelector('.gz-status') !== null")
    _edit(scratch / "layouts" / "html" / "site.css.j2", "--red: #b3131b;", "--red: #0000ff;")
    page.wait_for_function(
        "getComputedStyle(document.querySelector('.site-head')).borderTopColor"
        " === 'rgb(0, 0, 255)'",
        timeout=10_000)


def test_the_pdf_on_demand_then_a_one_notice_pdf_after_each_save(preview, page, scratch,
                                                                  tmp_path):
    """The editor asks for the PDF once; from then on a save lays out the saved notice alone
    (本篇预览, with the folio and running heads the full layout gives it) and the full PDF,
    rebuilt in the background, replaces it when ready (整期印刷版)."""
    page.goto(preview.url + "/2020/7/")
    assert page.locator(".toc-page").count() == 0  # no PDF yet, so no page numbers
    page.locator(".gz-pdf-button").click()
    status = page.locator(".gz-pdf-status")
    page.wait_for_function("document.querySelector('.gz-pdf-status').textContent.includes('正在生成')")
    # When the PDF is ready the issue page is rebuilt with the printed page numbers.
    page.locator(".toc-page").first.wait_for(timeout=90_000)
    link = page.locator(".gz-pdf-link")
    link.wait_for()
    assert "PDF 已生成" in status.inner_text()
    with urllib.request.urlopen(preview.url + link.get_attribute("href")) as response:
        assert response.headers["Content-Type"] == "application/pdf"
        assert response.read(5) == b"%PDF-"
    label = page.locator(".gz-pdf-label")
    label.wait_for(timeout=10_000)
    assert label.inner_text() == "整期印刷版"

    config = load_config(scratch / "config.yaml")
    folder = config.output_dir / SAMPLE
    places = json.loads((folder / "pages.json").read_text(encoding="utf-8"))
    full = PdfPages(folder / f"{SAMPLE}.pdf")
    issue = preview.preview.snapshot.issues[SAMPLE].issue
    _fitted_notice_keeps_its_leading(scratch, issue, folder, tmp_path)
    notice = next(n for n in issue.notices if n.source.path.name == NOTICE)
    first, _last, folio = places[notice.anchor]
    page.goto(preview.url + NOTICE_PATH)
    page.wait_for_function("document.querySelector('.gz-status') !== null")
    marker = "今年以来（本篇预览测试）"
    _edit(scratch / "content" / SAMPLE / NOTICE, "今年以来，", marker)
    page.wait_for_function(f"document.body.innerText.includes('{marker}')", timeout=10_000)
    page.wait_for_function("(document.querySelector('.gz-pdf-label') || {}).textContent"
                           f" === '本篇预览（第{folio}页起）'", timeout=60_000)
    assert page.locator(".gz-pdf-panel").is_visible()
    assert page.locator(".gz-pdf-frame").get_attribute("src").startswith("/_gazette/notice.pdf?")
    with urllib.request.urlopen(f"{preview.url}/_gazette/notice.pdf?issue={SAMPLE}") as response:
        assert response.headers["Content-Type"] == "application/pdf"
        (tmp_path / "notice.pdf").write_bytes(response.read())
    one = PdfPages(tmp_path / "notice.pdf")
    assert one.folios == list(range(folio, folio + len(one.texts)))
    verso = squash(f"{config.name}　{issue.meta.label}")
    recto = squash(f"【{notice.meta.section}】")
    for index, text in enumerate(one.squashed):
        head, other = (verso, recto) if (folio + index) % 2 == 0 else (recto, verso)
        assert head in text and other not in text, (folio + index, text[-40:])
    start_head = verso if folio % 2 == 0 else recto
    assert start_head in full.squashed[first - 1]  # the full layout's page carries the same head
    text = "".join(one.body_text(i, (verso, recto)) for i in range(len(one.texts)))
    assert squash(notice.meta.title) in text and squash(marker) in text
    assert squash(notice.meta.doc_number) in text
    for other in issue.notices:
        if other is not notice:
            assert squash(other.meta.title) not in text, other.meta.title
    # The full PDF, rebuilt in the background after the save, takes over when ready.
    page.wait_for_function("(document.querySelector('.gz-pdf-label') || {}).textContent"
                           " === '整期印刷版'", timeout=120_000)
    assert squash(marker) in "".join(PdfPages(folder / f"{SAMPLE}.pdf").squashed)
    assert "?v=" in page.locator(".gz-pdf-frame").get_attribute("src")
    page.locator(".gz-pdf-hide").click()  # the editor may put the PDF away and take it out again
    assert page.locator(".gz-pdf-panel").is_hidden()
    page.reload()
    page.wait_for_function("document.querySelector('.gz-pdf-show') && "
                           "!document.querySelector('.gz-pdf-show').hidden")
    assert page.locator(".gz-pdf-panel").is_hidden()
    page.locator(".gz-pdf-show").click()
    assert page.locator(".gz-pdf-panel").is_visible()


def _fitted_notice_keeps_its_leading(scratch: Path, issue, folder: Path, tmp_path: Path) -> None:
    """A notice whose leading the full layout tightened to keep the printed pages
    (gazette.pagefit) is set with that leading in its one-notice PDF too."""
    fitted = re.findall(r'\[id="(n-[^"]+)"\] \{ line-height: ([\d.]+)pt; \}',
                        (folder / "print.html").read_text(encoding="utf-8"))
    assert fitted  # 2020-07: 银政办发〔2020〕77号 at 15.9 pt (tests/test_layout.py)
    anchor, pitch = fitted[0]
    places = json.loads((folder / "pages.json").read_text(encoding="utf-8"))
    notice = next(n for n in issue.notices if n.anchor == anchor)
    result = _notice_pdf(str(scratch / "config.yaml"), load_config(scratch / "config.yaml").id,
                         SAMPLE, notice.source.path.name, tuple(places[anchor]))
    assert result["ok"] and result["anchor"] == anchor, result.get("errors")
    (tmp_path / "fitted.pdf").write_bytes(result["pdf"])
    lines, _sizes = read_lines(tmp_path / "fitted.pdf")
    m = PAGE_STYLES["gazette"]
    tops = [line.top for line in lines if line.page == 0 and line.size == m.body_pt
            and line.fonts[0] == "GzFang"]
    steps = {round(b - a, 1) for a, b in zip(tops, tops[1:]) if b - a < m.line_pt * 1.2}
    assert float(pitch) in steps and m.line_pt not in steps, steps


def test_the_state_endpoint_and_a_missing_page(preview):
    with urllib.request.urlopen(preview.url + "/_gazette/state?path=/2020/7/") as response:
        state = json.loads(response.read())
    assert state["errors"] == [] and state["reload"] is True  # an empty hash is never current
    with pytest.raises(urllib.error.HTTPError) as missing:
        urllib.request.urlopen(preview.url + "/2020/7/no-such-notice/")
    assert missing.value.code == 404
    assert "页面不存在" in missing.value.read().decode()


def test_the_command_serves_on_localhost_only(scratch):
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    process = subprocess.Popen(
        [sys.executable, "-m", "gazette", "serve", SAMPLE, "--port", "0"], cwd=scratch,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        line = process.stdout.readline()
        assert line.startswith("预览：http://127.0.0.1:"), line
        url = line.removeprefix("预览：").split("（")[0]
        assert url.endswith("/2020/7/")
        with urllib.request.urlopen(url) as response:
            assert "目　录" in response.read().decode()
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=15)
    assert process.returncode == 0
    assert "预览已停止" in process.stderr.read()


def test_config_edits_are_followed_even_when_the_file_is_replaced(preview, page, scratch):
    """Editors often save by writing a new file and renaming it over the old one."""
    config = scratch / "config.yaml"
    original = config.read_text(encoding="utf-8")
    page.goto(preview.url + NOTICE_PATH)
    page.wait_for_function("document.querySelector('.gz-status') !== null")
    _edit(config, "name: 银川市人民政府公报", "name: 银川市人民政府公报（预览）")
    page.wait_for_function("document.querySelector('.site-name').textContent.includes('（预览）')",
                           timeout=10_000)
    replacement = scratch / ".config.yaml.tmp"
    replacement.write_text(original.replace("sections:", "sections: [", 1), encoding="utf-8")
    os.replace(replacement, config)
    overlay = page.locator(".gz-overlay")
    overlay.wait_for(state="visible", timeout=10_000)
    assert overlay.locator(".gz-where").first.inner_text().startswith("config.yaml:")
    config.write_text(original, encoding="utf-8")
    overlay.wait_for(state="hidden", timeout=10_000)
    page.wait_for_function("!document.querySelector('.site-name').textContent.includes('（预览）')",
                           timeout=10_000)


def _descendants(pid: int) -> set[int]:
    """Live processes descended from ``pid`` (zombies count as gone)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if fields[0] != "Z":
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_ctrl_c_and_sigterm_stop_the_server_and_its_pdf_worker_at_once(scratch, signum):
    """Stopping in the middle of a PDF build: server, watcher and worker end together, with
    one Chinese line and no traceback (a terminal's Ctrl+C reaches the whole process group)."""
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    process = subprocess.Popen(
        [sys.executable, "-m", "gazette", "serve", SAMPLE, "--port", "0"], cwd=scratch,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        start_new_session=True)
    try:
        url = process.stdout.readline().removeprefix("预览：").split("（")[0]
        base = url.split("/2020/")[0]
        request = urllib.request.Request(base + "/_gazette/pdf?path=/2020/7/", method="POST")
        with urllib.request.urlopen(request) as response:
            assert json.loads(response.read())["state"] == "running"
        deadline = time.monotonic() + 30
        while not _descendants(process.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        workers = _descendants(process.pid)
        assert workers  # the PDF worker is running
        time.sleep(1)  # well into the build
        if signum == signal.SIGINT:
            os.killpg(process.pid, signum)  # as a terminal does
        else:
            process.send_signal(signum)
        sent = time.monotonic()
        process.wait(timeout=10)
        stopped = time.monotonic() - sent
    finally:
        if process.poll() is None:
            process.kill()
    stderr = process.stderr.read()
    assert process.returncode == 0
    assert stopped < 2.0, stopped  # 0.2–0.4 s here; the bound leaves room for a loaded machine
    assert stderr.strip().splitlines()[-1] == "预览已停止。"
    assert "Traceback" not in stderr and "Error" not in stderr, stderr
    deadline = time.monotonic() + 1  # orphans are reparented; give them a moment to exit
    while _alive(workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    left = {pid: Path(f"/proc/{pid}/cmdline").read_bytes()[:200] for pid in _alive(workers)}
    assert not left  # the worker went with the server


def _alive(pids: set[int]) -> set[int]:
    alive = set()
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            alive.add(pid)
    return alive


def test_the_toolbar_and_error_overlay_use_the_bundled_fonts(preview, page, scratch, tmp_path):
    """On a machine without Chinese fonts (this one) the overlay must not draw boxes: every
    element's text comes from a web font, as Chromium reports it."""
    _edit(scratch / "content" / SAMPLE / NOTICE, "section: 银川市政府文件", "section: 不存在的栏目")
    page.goto(preview.url + NOTICE_PATH)
    overlay = page.locator(".gz-overlay")
    overlay.wait_for(state="visible", timeout=10_000)
    page.evaluate("document.fonts.ready")
    page.wait_for_function("[...document.fonts].some(f => f.family === 'GzPreviewUI'"
                           " && f.status === 'loaded')")
    page.screenshot(path=tmp_path / "overlay.png")
    drawn = DrawnFonts(page.context, page)
    for selector in (".gz-overlay-title", ".gz-overlay-note", ".gz-message", ".gz-hint",
                     ".gz-close", ".gz-status", ".gz-pdf-button"):
        fonts = drawn.of(drawn.node(selector))
        assert fonts and all(f["isCustomFont"] for f in fonts), (selector, fonts)


def test_a_client_that_goes_away_is_not_an_error(preview, capfd):
    """A reader closing the tab mid-download, or a client that stalls and hangs up, leaves no
    traceback in the terminal; the server goes on serving."""
    host, port = preview.httpd.server_address[:2]
    font = "FandolFang-Regular.otf"
    for _ in range(3):
        with socket.create_connection((host, port)) as client:
            client.sendall(f"GET /_gazette/fonts/{font} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n"
                           .encode())
            assert client.recv(4096).startswith(b"HTTP/1.1 200")
            client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    with socket.create_connection((host, port)) as client:  # a slow client hangs up
        client.sendall(b"GET /2020/7/ HTTP/1.1\r\nHost: 127.0.0.1")
        time.sleep(0.3)
    time.sleep(0.5)
    with urllib.request.urlopen(preview.url + "/2020/7/") as response:
        assert response.status == 200
    err = capfd.readouterr().err
    assert "Traceback" not in err and "Exception occurred" not in err, err


def test_requests_for_another_host_name_are_refused(preview):
    """DNS rebinding: a page on evil.example whose name resolves to 127.0.0.1 must not read
    the preview; the preview's own addresses work."""
    port = preview.httpd.server_address[1]
    for host, status in ((f"127.0.0.1:{port}", 200), (f"localhost:{port}", 200),
                         (f"evil.example:{port}", 403), ("127.0.0.1:1", 403)):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        connection.putrequest("GET", "/2020/7/", skip_host=True)
        connection.putheader("Host", host)
        connection.endheaders()
        response = connection.getresponse()
        body = response.read().decode()
        assert response.status == status, host
        if status == 403:
            assert "Host" in body and "预览" in body
        connection.close()


def _served(preview, path: str) -> str:
    with urllib.request.urlopen(preview.url + quote(path)) as response:
        return response.read().decode()


def _wait_served(preview, path: str, text: str, present: bool = True) -> str:
    deadline = time.monotonic() + 10
    while True:
        page = _served(preview, path)
        if (text in page) == present or time.monotonic() > deadline:
            return page
        time.sleep(0.05)


def test_each_kind_of_input_edited_during_serve_changes_the_pages(preview, scratch):
    """The rebuild is incremental (gazette.model re-reads only what changed); it must still
    follow a notice, issue.yaml, config.yaml and a layout, and never keep a stale page."""
    issue_dir = scratch / "content" / SAMPLE
    _edit(issue_dir / NOTICE, "title: 银川市人民政府关于兑现", "title: 银川市人民政府关于改题兑现")
    for path in ("/2020/7/", NOTICE_PATH):
        assert "关于改题兑现" in _wait_served(preview, path, "关于改题兑现"), path
    _edit(issue_dir / "issue.yaml", "published: 2020-09-25", "published: 2020-09-26")
    page = _wait_served(preview, "/2020/7/", "2020年9月26日出版")
    assert "2020年9月26日出版" in page and "2020年9月25日出版" not in page
    _edit(scratch / "config.yaml", "name: 银川市人民政府公报", "name: 银川市人民政府公报（改名）")
    for path in ("/2020/7/", NOTICE_PATH, "/2020/7/银政发-2020-65/"):
        assert "银川市人民政府公报（改名）" in _wait_served(preview, path, "公报（改名）"), path
    _edit(scratch / "layouts" / "html" / "notice.html", '<dt>栏目</dt>', '<dt>栏目（版式）</dt>')
    for path in (NOTICE_PATH, "/2020/7/银政发-2020-65/"):
        assert "栏目（版式）" in _wait_served(preview, path, "栏目（版式）"), path
    # Everything edited so far is still there: nothing came back from a cache.
    page = _served(preview, NOTICE_PATH)
    assert "关于改题兑现" in page and "公报（改名）" in page
    _edit(issue_dir / NOTICE, "title: 银川市人民政府关于改题兑现", "title: 银川市人民政府关于兑现")
    assert "关于改题兑现" not in _wait_served(preview, NOTICE_PATH, "关于改题兑现", present=False)


TRACKER_LEAK = """
import concurrent.futures, multiprocessing, sys
import multiprocessing.resource_tracker as tracker
from gazette.serve import _process_pool
if sys.argv[1] == "preview":
    pool = _process_pool(None)
else:
    pool = concurrent.futures.ProcessPoolExecutor(1, multiprocessing.get_context("spawn"))
tracker.register("/gazette-test-gone", "semaphore")  # as a worker stopped mid-build leaves it
pool.shutdown()
"""


def test_the_resource_tracker_adds_no_english_lines_after_the_preview_stops():
    """multiprocessing's resource tracker outlives the server and reports, in English, the
    semaphores it tidies up after stopped workers: the preview's pools keep it quiet."""
    def stderr(kind: str) -> str:
        result = subprocess.run([sys.executable, "-c", TRACKER_LEAK, kind], capture_output=True,
                                text=True, timeout=60,
                                env=dict(os.environ, PYTHONPATH=str(Path(__file__).parents[1])))
        assert result.returncode == 0, result.stderr
        return result.stderr

    assert "resource_tracker: '/gazette-test-gone'" in stderr("plain")  # the line users saw
    assert stderr("preview") == ""
