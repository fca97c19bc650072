"""``gazette serve``: the editors' live preview of the HTML edition.

A watcher thread rebuilds the HTML when content/, layouts/, config.yaml or fonts/ change. The
project model (gazette.model) re-reads only the files whose text changed, and only the pages
whose notice, neighbours or issue changed are rendered again.
Pages open in a browser listen on a server-sent-events stream and reload themselves when their
own page (or the stylesheet) changed. Validation is gazette.check.validate_issue, as in ``build`` and ``check``
and ``check``: a broken edit shows its diagnostics over the page, with file and line, while the
server keeps serving the last good build; fixing the file clears them.

The print PDF is built on request in a separate process (WeasyPrint would otherwise hold the
interpreter for seconds), so saves stay fast; the page shows when it is ready. Once an editor
has asked for it, every save also lays out the saved notice alone, in a second, warm process
(WeasyPrint, fonts and the project already loaded), with its page style, running heads and
the folio the last full layout gave it: the one-notice PDF is shown beside the page within
a second, and the whole issue's PDF, rebuilt in the background after it, replaces it when
ready. The page says which of the two it shows.
"""

from __future__ import annotations

import concurrent.futures
import concurrent.futures.process
import hashlib
import html
import ipaddress
import json
import mimetypes
import multiprocessing
import signal
import socket
import sys
import threading
import time
import traceback
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, quote, unquote, urlsplit

from .config import Config, ConfigError, load_config, load_project
from .content import issue_dirs, resolve_issue
from .diagnostics import Diagnostic, Diagnostics, GazetteError, Location, Severity, relative
from .check import validate_issue
from .model import ProjectModel
from .render_html import FileData, RenderCache, SiteIssue, read_print_edition, render_site
from .search import SearchDoc, build_index

PREFIX = "/_gazette/"
FONT_PREFIX = PREFIX + "fonts/"
KEEPALIVE_SECONDS = 10
ASSETS = ("assets/site.css", "assets/fonts.css", "assets/search.js", "assets/site.js")
"""Pages reload when these change too, though their own HTML did not."""


@dataclass(frozen=True, slots=True)
class Snapshot:
    """One good build of the site, served until the next good one replaces it."""

    files: dict[str, FileData]
    hashes: dict[str, str]
    """Site path of each HTML page → hash of the page and the assets it uses."""
    issues: dict[str, SiteIssue]
    search_docs: tuple[SearchDoc, ...]
    _search: list[dict[str, bytes]] = field(default_factory=list)

    def file(self, path: str) -> FileData | None:
        """A site file; the search index is built on first use, not after every save."""
        if path.startswith("search/") and path != "search/index.html":
            if not self._search:
                self._search.append(build_index(list(self.search_docs)).files)
            return self._search[0].get(path)
        return self.files.get(path)


@dataclass(slots=True)
class PdfJob:
    state: str = "idle"
    """idle, running, ready or failed."""
    message: str = ""
    url: str | None = None
    started: float = 0.0
    """time.time() when the build that this job is (or last was) started."""

    def as_json(self) -> dict:
        return {"state": self.state, "message": self.message, "url": self.url}


@dataclass(frozen=True, slots=True)
class NoticePdf:
    """The one-notice PDF of the notice saved last in an issue."""

    rel: str
    """The notice file (content/…/05-….md)."""
    anchor: str
    folio: int
    """The folio its first page carries: where the last full layout started it."""
    pages: int
    data: bytes
    digest: str
    """sha256 of the notice text it was laid out from."""
    requested: float
    """time.time() of the save that asked for it."""
    seconds: float
    """From the save to the PDF being ready."""
    number: int
    """Counts the one-notice PDFs made, so a page sees a new one (and its URL changes)."""


@dataclass(slots=True)
class _Cache:
    """What the last rebuild kept: the config, the last good issue of each key and its pages."""

    config: Config | None = None
    model: ProjectModel | None = None
    """Every content file as last read, keyed by its hash (gazette.model)."""
    issues: dict[str, SiteIssue] = field(default_factory=dict)
    render: RenderCache = field(default_factory=RenderCache)


class Preview:
    """The preview's state: last good snapshot, current errors, PDF jobs; thread-safe."""

    def __init__(self, config_path: Path, issue: str | None = None, *, log=None) -> None:
        self.config_path = config_path.resolve()
        self.root = self.config_path.parent
        self.gazette, self.issue_key = _preview_target(self.config_path, issue)
        """The gazette being previewed (its id) and the issue folder to open first."""
        self.log = log or (lambda message: None)
        self.changed = threading.Condition()
        self.version = 0
        """Bumped whenever anything a browser shows may have changed."""
        self.snapshot: Snapshot | None = None
        self.errors: tuple[dict, ...] = ()
        self.last_build = 0.0
        self.pdf_jobs: dict[str, PdfJob] = {}
        self.pdf_mode: set[str] = set()
        """Issues whose editor asked for the PDF: their saves bring the one-notice PDF and a
        new full PDF."""
        self.notice_pdfs: dict[str, NoticePdf] = {}
        self.notice_notes: dict[str, str] = {}
        """Issue key → why there is no (new) one-notice PDF, shown in the PDF panel."""
        self._cache = _Cache()
        self._build_lock = threading.Lock()
        self._executor: concurrent.futures.ProcessPoolExecutor | None = None
        self._warm: concurrent.futures.ProcessPoolExecutor | None = None
        """The warm process laying out one notice at a time."""
        self._notice_busy: set[str] = set()
        self._notice_next: dict[str, tuple] = {}
        self._pdf_again: set[str] = set()
        self._pdf_after_notice: set[str] = set()
        self._notice_count = 0
        self._closed = False
        self._stamps: dict[str, tuple[int, int]] = {}

    # —— building ——

    def rebuild(self, changed: set[Path] | None = None) -> bool:
        """Rebuild after ``changed`` files (None: everything); True if the build is good."""
        started = time.perf_counter()
        started_at = time.time()
        with self._build_lock:
            diags = Diagnostics()
            try:
                snapshot = self._build(changed, diags)
            except ConfigError as exc:
                diags.extend(exc.diagnostics)
                snapshot = None
            except GazetteError as exc:
                diags.add(exc.diagnostic)
                snapshot = None
            except Exception as exc:  # a layout error must never stop the preview
                diags.add(_exception_diagnostic(exc, self.root))
                snapshot = None
            errors = tuple(d.as_json() | {"text": d.format()} for d in diags.errors)
            with self.changed:
                if snapshot is not None and not errors:
                    self.snapshot = snapshot
                self.errors = errors
                self.last_build = time.perf_counter() - started
                self.version += 1
                self.changed.notify_all()
        if errors:
            self.log(f"有 {len(errors)} 个错误，继续显示上次正确的版本：\n" +
                     "\n".join(e["text"] for e in errors))
        else:
            self.log(f"已更新（{self.last_build:.2f} 秒）")
            if changed is not None and self.pdf_mode:
                try:
                    self._saved(changed, started_at)
                except Exception as exc:  # the PDF side must never stop the HTML preview
                    self.log(f"无法开始排印刷版：{type(exc).__name__}: {exc}")
        return not errors

    def _build(self, changed: set[Path] | None, diags: Diagnostics) -> Snapshot | None:
        cache = self._cache
        if changed is None or cache.config is None or any(self._is_global(p) for p in changed):
            cache.config = None
            cache.render = RenderCache()
            cache.model = None
            cache.config = load_config(self.config_path, self.gazette)
            cache.model = ProjectModel(cache.config)
        config = cache.config
        present = {path.name: path for path in issue_dirs(config)}
        for key in list(cache.issues):
            if key not in present:
                del cache.issues[key]
        # Every issue is validated again (the rules look across issues: 文号 repeated, issue
        # numbers in sequence), but the model re-reads only the files whose text changed.
        for key, path in present.items():
            local = Diagnostics()
            issue = validate_issue(config, path, local, model=cache.model)
            diags.extend(local)
            if issue is None:
                continue
            printed = read_print_edition(config, key)
            known = cache.issues.get(key)
            if known is None or known.issue != issue or known.printed != printed:
                cache.issues[key] = SiteIssue(issue, printed)
        if diags.errors or not cache.issues:
            if not cache.issues and not diags.errors:
                diags.error("content.no-issue", "content/ 中没有任何一期", Location("content"))
            return None
        site = render_site(config, list(cache.issues.values()), fonts="preview",
                           font_prefix=FONT_PREFIX, cache=cache.render, index=False)
        assets = hashlib.sha1(b"".join(
            _bytes(site.files[a]) for a in ASSETS if a in site.files)).hexdigest()
        hashes = {path: hashlib.sha1(_bytes(site.files[path]) + assets.encode()).hexdigest()[:16]
                  for path in site.pages}
        return Snapshot(site.files, hashes, dict(cache.issues), site.search_docs)

    def _content_dir(self) -> Path:
        config = self._cache.config
        return config.content_dir if config is not None else self.root / "content"

    def _is_global(self, path: Path) -> bool:
        return not path.is_relative_to(self._content_dir())

    # —— what browsers see ——

    def start_path(self) -> str:
        """The page to open first: the issue being edited."""
        snapshot = self.snapshot
        if snapshot is None:
            return "/"
        key = self.issue_key or max(snapshot.issues, default=None)
        site_issue = snapshot.issues.get(key) if key else None
        return "/" + site_issue.path if site_issue else "/"

    def page_hash(self, path: str) -> str:
        snapshot = self.snapshot
        if snapshot is None:
            return ""
        return snapshot.hashes.get(_site_file(path), "")

    def client_state(self, path: str, page_hash: str) -> dict:
        return {
            "version": self.version,
            "reload": self.snapshot is not None and self.page_hash(path) != page_hash,
            "errors": list(self.errors),
            "pdf": self._pdf_for(path).as_json(),
            "view": self.pdf_view(path),
            "seconds": round(self.last_build, 3),
        }

    def _issue_for_path(self, path: str) -> SiteIssue | None:
        snapshot = self.snapshot
        if snapshot is None:
            return None
        site_path = path.lstrip("/")
        for site_issue in snapshot.issues.values():
            if site_path.startswith(site_issue.path):
                return site_issue
        key = self.issue_key or max(snapshot.issues, default=None)
        return snapshot.issues.get(key) if key else None

    def _pdf_for(self, path: str) -> PdfJob:
        site_issue = self._issue_for_path(path)
        if site_issue is None:
            return PdfJob()
        job = self.pdf_jobs.get(site_issue.key)
        if job is None and site_issue.pdf_path:
            return PdfJob("ready", "上次生成的 PDF", "/" + site_issue.pdf_path)
        return job or PdfJob()

    def ui_font_css(self) -> str:
        """@font-face for the toolbar and error overlay: the bundled 黑体, so their Chinese is
        readable on a machine without Chinese fonts, even before the first good build."""
        fonts_dir = self.root / "fonts"
        config = self._cache.config
        candidates = [config.fonts.hei] if config is not None else []
        candidates += sorted(fonts_dir.glob("*Hei*.[ot]tf")) + sorted(fonts_dir.glob("*.[ot]tf"))
        for font in candidates:
            if font.parent.resolve() == fonts_dir.resolve() and font.is_file():
                return (f'@font-face{{font-family:GzPreviewUI;src:url("{FONT_PREFIX}{font.name}'
                        f'?v={font.stat().st_mtime_ns:x}");font-display:block}}\n')
        return ""

    # —— PDF on demand ——

    def request_pdf(self, path: str) -> PdfJob:
        """The editor asked for the print PDF of the issue ``path`` belongs to: build it now,
        and from now on lay out each saved notice alone and rebuild the PDF after saves."""
        site_issue = self._issue_for_path(path)
        if site_issue is None:
            return PdfJob("failed", "还没有可以生成 PDF 的一期（请先改正错误）")
        key = site_issue.key
        first = key not in self.pdf_mode
        self.pdf_mode.add(key)
        if first:
            self._warm_up(site_issue)
        return self._start_pdf(key)

    def _start_pdf(self, key: str) -> PdfJob:
        with self.changed:
            job = self.pdf_jobs.get(key)
            if job is not None and job.state == "running":
                self._pdf_again.add(key)
                return job
            self._pdf_again.discard(key)
            job = self.pdf_jobs[key] = PdfJob("running", "正在生成整期 PDF……", None, time.time())
            self.version += 1
            self.changed.notify_all()
        future = self._submit("pdf", _build_pdf, str(self.config_path), self.gazette, key)
        future.add_done_callback(lambda f: self._pdf_done(key, job.started, f))
        self.log(f"开始生成 {key} 的 PDF")
        return job

    def _pdf_done(self, key: str, started: float, future) -> None:
        if self._closed:
            return
        try:
            result = future.result()
        except Exception as exc:  # the worker died: report, never hang in "running"
            result = {"ok": False, "errors": [f"生成 PDF 的进程出错：{exc}"]}
        site_issue = self.snapshot.issues.get(key) if self.snapshot is not None else None
        with self.changed:
            if result["ok"] and site_issue is not None:
                self.pdf_jobs[key] = PdfJob(
                    "ready", f"PDF 已生成：{result['pages']} 页，用时 {result['seconds']:.1f} 秒",
                    f"/{site_issue.path}{key}.pdf", started)
            elif result["ok"]:
                self.pdf_jobs[key] = PdfJob("failed", "生成 PDF 后这一期已不在预览中", None, started)
            else:
                self.pdf_jobs[key] = PdfJob("failed", "生成 PDF 失败：" + "；".join(result["errors"]),
                                            None, started)
            self.version += 1
            self.changed.notify_all()
        self.log(self.pdf_jobs[key].message)
        if result["ok"]:  # page numbers and the PDF link come from the new layout
            self.rebuild(set())
        if key in self._pdf_again:
            self._start_pdf(key)

    # —— the one-notice PDF ——

    def _warm_up(self, site_issue: SiteIssue) -> None:
        """Start the warm process: imports, fonts and the project loaded before the first save."""
        notice = site_issue.issue.notices[0] if site_issue.issue.notices else None
        if notice is not None:
            self._submit("warm", _notice_pdf, str(self.config_path), self.gazette,
                         site_issue.key, notice.source.path.name, (1, 1, 1))

    def _submit(self, kind: str, function, *args) -> concurrent.futures.Future:
        """Run ``function`` in the full-PDF process ("pdf") or the warm one ("warm"); a
        process that died (killed, out of memory) is replaced, never left broken."""
        attribute, initializer = (("_executor", _quiet_worker) if kind == "pdf"
                                  else ("_warm", _warm_worker))
        for attempt in range(2):
            pool = getattr(self, attribute)
            if pool is None:
                pool = _process_pool(initializer)
                setattr(self, attribute, pool)
            try:
                return _submit(pool, function, *args)
            except concurrent.futures.process.BrokenProcessPool:
                setattr(self, attribute, None)
                pool.shutdown(wait=False, cancel_futures=True)
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def _saved(self, changed: set[Path], when: float) -> None:
        """After a good rebuild in PDF mode: lay out the saved notice alone, then rebuild the
        issue's PDF. A change to layouts/, config.yaml or fonts/ lays out again the notice
        shown last."""
        snapshot = self.snapshot
        for key in sorted(self.pdf_mode):
            site_issue = snapshot.issues.get(key) if snapshot is not None else None
            if site_issue is None:
                continue
            folder = site_issue.issue.path
            ours = [p for p in changed if self._is_global(p) or p.is_relative_to(folder)]
            if not ours:
                continue
            by_name = {n.source.path.name: n for n in site_issue.issue.notices}
            saved = [p for p in ours if p.parent == folder and p.name in by_name]
            if saved:
                notice = by_name[max(saved, key=_mtime).name]
            else:
                shown = self.notice_pdfs.get(key)
                notice = next((n for n in site_issue.issue.notices
                               if shown is not None and n.anchor == shown.anchor), None)
            if notice is not None and self._request_notice_pdf(site_issue, notice, when):
                self._pdf_after_notice.add(key)
            else:
                self._start_pdf(key)

    def _request_notice_pdf(self, site_issue: SiteIssue, notice, when: float) -> bool:
        key = site_issue.key
        place = site_issue.place(notice)
        if place is None:
            with self.changed:
                self.notice_notes[key] = (f"{notice.source.rel} 还不在上次生成的整期印刷版中，"
                                          "整期 PDF 生成后才能单独预览这一篇")
                self.version += 1
                self.changed.notify_all()
            return False
        request = (key, notice.source.path.name, (place.first, place.last, place.folio), when)
        with self.changed:
            if key in self._notice_busy:
                self._notice_next[key] = request
                return True
            self._notice_busy.add(key)
        self._submit_notice(request)
        return True

    def _submit_notice(self, request: tuple) -> None:
        key, name, start, when = request
        future = self._submit("warm", _notice_pdf, str(self.config_path), self.gazette, key,
                              name, start)
        future.add_done_callback(lambda f: self._notice_done(request, f))

    def _notice_done(self, request: tuple, future) -> None:
        if self._closed:
            return
        key, name, start, when = request
        try:
            result = future.result()
        except Exception as exc:  # the worker died: say so; _submit starts a new one
            result = {"ok": False, "errors": [f"排版进程出错：{exc}"]}
        with self.changed:
            if result["ok"]:
                self._notice_count += 1
                self.notice_pdfs[key] = NoticePdf(
                    result["rel"], result["anchor"], start[2], result["pages"], result["pdf"],
                    result["digest"], when, time.time() - when, self._notice_count)
                self.notice_notes.pop(key, None)
            else:
                self.notice_notes[key] = "本篇预览失败：" + "；".join(result["errors"])
            following = self._notice_next.pop(key, None)
            if following is None:
                self._notice_busy.discard(key)
            self.version += 1
            self.changed.notify_all()
        if result["ok"]:
            self.log(f"本篇预览：{result['rel']}，第 {start[2]} 页起，{result['pages']} 页，"
                     f"保存后 {time.time() - when:.2f} 秒")
        if following is not None:
            self._submit_notice(following)
        elif key in self._pdf_after_notice:
            self._pdf_after_notice.discard(key)
            self._start_pdf(key)

    def pdf_view(self, path: str) -> dict | None:
        """What the PDF panel beside the page shows: the one-notice PDF of the notice saved
        last, until a full PDF started after that save is ready, then the full PDF."""
        site_issue = self._issue_for_path(path)
        if site_issue is None or site_issue.key not in self.pdf_mode:
            return None
        key = site_issue.key
        notice = self.notice_pdfs.get(key)
        job = self.pdf_jobs.get(key)
        full_ready = job is not None and job.state == "ready"
        running = job is not None and job.state == "running"
        note = self.notice_notes.get(key, "")
        if notice is not None and not (full_ready and job.started >= notice.requested):
            later = "整期印刷版正在后台重新生成，完成后自动替换。" if running or \
                key in self._pdf_after_notice else ""
            return {"kind": "notice", "label": f"本篇预览（第{notice.folio}页起）",
                    "note": (note + " " if note else "") + "只排了刚保存的这一篇，页码取自上次整期排版。" + later,
                    "url": f"{PREFIX}notice.pdf?issue={quote(key)}&n={notice.number}",
                    "rel": notice.rel, "folio": notice.folio}
        if site_issue.pdf_path is None:
            return {"kind": "none", "label": "印刷版", "note": note or "整期 PDF 还没有生成。",
                    "url": None}
        stamp = int(job.started * 1000) if job is not None else 0
        where = ""
        current = next((n for n in site_issue.issue.notices
                        if _site_file(path).startswith(site_issue.notice_path(n))), None)
        if current is not None and (place := site_issue.place(current)) is not None:
            where = f"#page={place.first}"
        return {"kind": "issue", "label": "整期印刷版",
                "note": (note + " " if note else "") + ("正在后台重新生成……" if running else ""),
                "url": f"/{site_issue.pdf_path}?v={stamp}{where}"}

    def notice_pdf(self, key: str) -> NoticePdf | None:
        return self.notice_pdfs.get(key)

    def close(self) -> None:
        """Stop the PDF workers now, even in the middle of a build: its output is written
        atomically, so an interrupted build leaves the previous PDF as it was."""
        self._closed = True
        pools = [self._executor, self._warm]
        self._executor = self._warm = None
        workers = []
        for pool in pools:
            if pool is None:
                continue
            workers += list((getattr(pool, "_processes", None) or {}).values())
            pool.shutdown(wait=False, cancel_futures=True)
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.join(timeout=1)
            if worker.is_alive():
                worker.kill()

    # —— watching ——

    def watch(self, stop: threading.Event) -> None:
        """Rebuild on every change until ``stop`` is set. Re-arms the watch after config.yaml
        changes, since editors often replace the file rather than write into it."""
        import watchfiles

        while not stop.is_set():
            paths = [p for p in (self.root / "content", self.root / "layouts", self.root / "fonts",
                                 self.config_path) if p.exists()]
            armed = False
            for changes in watchfiles.watch(*paths, stop_event=stop, step=20, rust_timeout=500,
                                            yield_on_timeout=True, raise_interrupt=False):
                if not changes:
                    if not armed:
                        armed = True
                        self._catch_up()
                    continue
                changed = {Path(p) for _, p in changes}
                self.rebuild(changed)
                if self.config_path in changed:
                    break

    def stamp_sources(self) -> None:
        """Remember the sources' stamps as the build about to start reads them."""
        self._stamps = _stamps(self.root, self.config_path)

    def _catch_up(self) -> None:
        """Rebuild after what was saved between the last build and the watch being armed
        (the watcher thread may start late on a busy machine, and its events would be lost)."""
        now = _stamps(self.root, self.config_path)
        changed = {Path(p) for p in set(now) ^ set(self._stamps)} | {
            Path(p) for p in now if p in self._stamps and now[p] != self._stamps[p]}
        self._stamps = now
        if changed:
            self.rebuild(changed)


def _stamps(root: Path, config_path: Path) -> dict[str, tuple[int, int]]:
    """(mtime, size) of every file the preview watches."""
    out = {}
    for top in (root / "content", root / "layouts", root / "fonts"):
        for path in top.rglob("*") if top.exists() else ():
            try:
                stat = path.stat()
            except OSError:
                continue
            if path.is_file():
                out[str(path)] = (stat.st_mtime_ns, stat.st_size)
    if config_path.exists():
        stat = config_path.stat()
        out[str(config_path)] = (stat.st_mtime_ns, stat.st_size)
    return out


def _preview_target(config_path: Path, issue: str | None) -> tuple[str, str | None]:
    """(gazette id, issue key) for ``gazette serve [ISSUE]``; a several-gazette project needs
    the issue named (yinchuan/2020-07) unless a bare key is unique."""
    project = load_project(config_path)
    if issue is None and len(project.gazettes) == 1:
        return project.gazettes[0].id, None
    config, path = resolve_issue(project, issue)
    return config.id, path.name


def _quiet_worker() -> None:
    """The PDF worker leaves Ctrl+C to the server, which stops it (see _submit)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


QUIET_TRACKER = "ignore::UserWarning:multiprocessing.resource_tracker"
"""A warnings filter for multiprocessing's resource tracker. The preview stops its workers
mid-build on purpose; the tracker, which outlives the server by a moment, may then report in
English the semaphores it tidies up after them, below 预览已停止。 (seen once under load).
The tracker takes its warning options from this process's ``sys.warnoptions`` when it
starts, so the filter must be in place before the first pool."""


def _process_pool(initializer) -> concurrent.futures.ProcessPoolExecutor:
    if QUIET_TRACKER not in sys.warnoptions:
        sys.warnoptions.append(QUIET_TRACKER)
    return concurrent.futures.ProcessPoolExecutor(
        max_workers=1, mp_context=multiprocessing.get_context("spawn"), initializer=initializer)


def _submit(pool: concurrent.futures.ProcessPoolExecutor, function, *args):
    # The worker starts with SIGINT blocked (a blocked signal mask survives fork and exec):
    # Ctrl+C in the terminal reaches the whole process group, and stopping the worker is
    # the server's job; otherwise a worker still starting up prints a traceback.
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        return pool.submit(function, *args)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)


def _mtime(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return 0


_WARM: dict = {}
"""In the warm process: the fonts WeasyPrint loaded, and the project as last read."""


def _warm_worker() -> None:
    """The one-notice process: pay WeasyPrint's imports and its font set-up once."""
    _quiet_worker()
    from weasyprint.text.fonts import FontConfiguration

    _WARM["fonts"] = FontConfiguration()


def _warm_project(config_path: str, gazette: str):
    """(config, model) in the warm process, read again only when config.yaml changed; the
    model re-reads only the notices whose text changed."""
    from .model import ProjectModel

    path = Path(config_path)
    text = path.read_bytes()
    known = _WARM.get("project")
    if known is not None and known[0] == (text, gazette):
        return known[1], known[2]
    config = load_config(path, gazette)
    model = ProjectModel(config)
    _WARM["project"] = ((text, gazette), config, model)
    return config, model


def _last_fit(print_html: Path, anchor: str):
    """The leading the last full layout gave the notice to keep the printed pages
    (gazette.pagefit), read from its print.html, so the one-notice PDF sets the same lines."""
    from .render_pdf import read_fit

    try:
        text = print_html.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    fit = read_fit(text, [anchor])
    fit.breaks.clear()  # a one-notice PDF starts on a page of its own anyway
    return fit if fit.leading else None


def _notice_pdf(config_path: str, gazette: str, key: str, name: str,
                start: tuple[int, int, int]) -> dict:
    """Warm process: the notice file ``name`` of issue ``key`` laid out alone, starting on
    the page ``start`` (PagePlace fields) with its real page style and running heads."""
    from .content import find_issue
    from .parts import PrintPart
    from .render_pdf import PagePlace, render_pdf, render_print_html

    diags = Diagnostics()
    try:
        config, model = _warm_project(config_path, gazette)
        issue_dir = find_issue(config, key)
        issue = model.load_issue(issue_dir, diags)
        if issue is None:
            return {"ok": False, "errors": [d.format() for d in diags.errors]}
        notice = next((n for n in issue.notices if n.source.path.name == name), None)
        if notice is None:
            return {"ok": False, "errors": [f"这一期中没有 {name}"]}
        printed = config.with_layout(dict(issue.meta.layout))
        fit = _last_fit(config.output_dir / key / "print.html", notice.anchor)
        html = render_print_html(issue, printed, fit, part=PrintPart.alone(notice, PagePlace(*start)))
        pdf, pages = render_pdf(html, printed, issue, diags, font_config=_WARM.get("fonts"))
    except ConfigError as exc:
        return {"ok": False, "errors": [d.format() for d in exc.diagnostics.errors]}
    except GazetteError as exc:
        return {"ok": False, "errors": [exc.diagnostic.format()]}
    if diags.errors:
        return {"ok": False, "errors": [d.format() for d in diags.errors]}
    return {"ok": True, "pdf": pdf, "pages": pages, "rel": notice.source.rel,
            "anchor": notice.anchor, "digest": model.notice(notice.source.path).digest}


def _build_pdf(config_path: str, gazette: str, key: str) -> dict:
    """Worker process: the print PDF and its page places into build/<issue>/ (no site)."""
    from .build import build_issue

    diags = Diagnostics()
    try:
        config = load_config(Path(config_path), gazette)
        result = build_issue(config, key, diags, site=False)
    except ConfigError as exc:
        return {"ok": False, "errors": [d.format() for d in exc.diagnostics.errors]}
    except GazetteError as exc:
        return {"ok": False, "errors": [exc.diagnostic.format()]}
    if result is None:
        return {"ok": False, "errors": [d.format() for d in diags.errors]}
    return {"ok": True, "pages": result.pages, "seconds": result.seconds}


def _exception_diagnostic(exc: Exception, root: Path) -> Diagnostic:
    """A template or rendering error as a diagnostic pointing into layouts/ where possible."""
    import jinja2

    if isinstance(exc, jinja2.TemplateSyntaxError):
        path = relative(Path(exc.filename), root) if exc.filename else "layouts"
        return Diagnostic(Severity.ERROR, "layout.syntax", f"模板语法错误：{exc.message}",
                          Location(path, exc.lineno))
    location = Location("layouts")
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename.endswith((".html", ".j2", ".js")):
            location = Location(relative(Path(frame.filename), root), frame.lineno)
            break
    return Diagnostic(Severity.ERROR, "layout.render",
                      f"生成网页时出错：{type(exc).__name__}: {exc}", location,
                      "检查 layouts/ 中刚修改的模板")


def _bytes(data: FileData) -> bytes:
    return data.read_bytes() if isinstance(data, Path) else data


def _site_file(path: str) -> str:
    path = unquote(urlsplit(path).path).lstrip("/")
    if path == "" or path.endswith("/"):
        path += "index.html"
    return path


class _Handler(BaseHTTPRequestHandler):
    preview: Preview
    server_version = "gazette-preview"
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args) -> None:  # noqa: A002 - http.server's signature
        pass

    def do_GET(self) -> None:
        if self._host_allowed():
            self._get(head=False)

    def do_HEAD(self) -> None:
        if self._host_allowed():
            self._get(head=True)

    def _host_allowed(self) -> bool:
        """Only requests addressed to the preview's own address are answered: a web page
        elsewhere whose name is made to resolve to 127.0.0.1 (DNS rebinding) gets nothing."""
        if self.server.host_allowed(self.headers.get("Host", "")):
            return True
        self._send(HTTPStatus.FORBIDDEN, "预览只接受发往本机预览地址的请求（Host 不符）。\n".encode(),
                   "text/plain; charset=utf-8")
        return False

    def do_POST(self) -> None:
        if not self._host_allowed():
            return
        url = urlsplit(self.path)
        if url.path == PREFIX + "pdf":
            page = parse_qs(url.query).get("path", ["/"])[0]
            job = self.preview.request_pdf(page)
            self._send(HTTPStatus.ACCEPTED, json.dumps(job.as_json(), ensure_ascii=False).encode(),
                       "application/json; charset=utf-8")
        else:
            self._send(HTTPStatus.NOT_FOUND, b"", "text/plain")

    def _get(self, head: bool) -> None:
        url = urlsplit(self.path)
        path = unquote(url.path)
        if path == PREFIX + "events":
            return self._events(parse_qs(url.query))
        if path == PREFIX + "state":
            query = parse_qs(url.query)
            state = self.preview.client_state(query.get("path", ["/"])[0],
                                              query.get("hash", [""])[0])
            body = json.dumps(state, ensure_ascii=False).encode()
            return self._send(HTTPStatus.OK, body, "application/json; charset=utf-8", head=head)
        if path == PREFIX + "notice.pdf":
            key = parse_qs(url.query).get("issue", [""])[0]
            notice = self.preview.notice_pdf(key)
            if notice is None:
                return self._send(HTTPStatus.NOT_FOUND, "还没有本篇预览。\n".encode(),
                                  "text/plain; charset=utf-8", head=head)
            return self._send(HTTPStatus.OK, notice.data, "application/pdf", head=head)
        if path in (PREFIX + "preview.js", PREFIX + "preview.css"):
            file = self.preview.root / "layouts" / "html" / path.removeprefix(PREFIX)
            body = file.read_bytes()
            if file.suffix == ".css":
                body = self.preview.ui_font_css().encode() + body
            return self._send(HTTPStatus.OK, body, _type(file.name), head=head)
        if path.startswith(FONT_PREFIX):
            return self._font(path.removeprefix(FONT_PREFIX), head)
        snapshot = self.preview.snapshot
        if snapshot is None:
            return self._page(HTTPStatus.SERVICE_UNAVAILABLE, path, "正在等待第一次正确生成",
                              "公报有错误，还没有生成过网页版。改正下面列出的问题后，页面会自动刷新。", head)
        site_path = _site_file(path)
        data = snapshot.file(site_path)
        if data is None and not path.endswith("/") and site_path + "/index.html" in snapshot.files:
            return self._redirect(url.path + "/")
        if data is None:
            return self._page(HTTPStatus.NOT_FOUND, path, "页面不存在",
                              "这个地址没有对应的页面，可能公文的固定链接（slug 或发文字号）已经改变。", head)
        body = _bytes(data)
        if site_path.endswith(".html"):
            body = _inject(body, path, snapshot.hashes.get(site_path, ""))
        self._send(HTTPStatus.OK, body, _type(site_path), head=head)

    def _font(self, name: str, head: bool) -> None:
        fonts_dir = self.preview.root / "fonts"
        file = fonts_dir / name
        if "/" in name or not file.is_file():
            return self._send(HTTPStatus.NOT_FOUND, b"", "text/plain", head=head)
        stat = file.stat()
        etag = f'"{stat.st_mtime_ns:x}-{stat.st_size:x}"'
        if self.headers.get("If-None-Match") == etag:
            return self._send(HTTPStatus.NOT_MODIFIED, b"", None, head=True)
        self._send(HTTPStatus.OK, file.read_bytes(), _type(name), head=head,
                   extra={"ETag": etag, "Cache-Control": "max-age=3600"})

    def _page(self, status: HTTPStatus, path: str, title: str, text: str, head: bool) -> None:
        body = (f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
                f'<meta name="viewport" content="width=device-width, initial-scale=1">'
                f"<title>{html.escape(title)}</title></head><body>"
                f'<main style="font-family:&quot;PingFang SC&quot;,&quot;Microsoft YaHei&quot;,'
                f'GzPreviewUI,sans-serif;max-width:40rem;margin:3rem auto;'
                f'padding:0 1rem">'
                f"<h1>{html.escape(title)}</h1><p>{html.escape(text)}</p>"
                f'<p><a href="/">返回首页</a></p></main></body></html>').encode()
        self._send(status, _inject(body, path, ""), "text/html; charset=utf-8", head=head)

    def _redirect(self, location: str) -> None:
        self.send_response(HTTPStatus.MOVED_PERMANENTLY)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _send(self, status: HTTPStatus, body: bytes, content_type: str | None, *,
              head: bool = False, extra: dict | None = None) -> None:
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (extra or {"Cache-Control": "no-cache"}).items():
            self.send_header(key, value)
        self.end_headers()
        if not head and status != HTTPStatus.NOT_MODIFIED:
            self.wfile.write(body)

    def _events(self, query: dict[str, list[str]]) -> None:
        """Server-sent events: the page's state now, then again whenever it changes."""
        path = query.get("path", ["/"])[0]
        page_hash = query.get("hash", [""])[0]
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        preview = self.preview
        seen = -1
        last = None
        try:
            while True:
                with preview.changed:
                    if preview.version == seen:
                        preview.changed.wait(KEEPALIVE_SECONDS)
                    seen = preview.version
                    state = preview.client_state(path, page_hash)
                message = json.dumps({k: v for k, v in state.items() if k != "version"},
                                     ensure_ascii=False)
                if message != last:
                    self.wfile.write(f"data: {message}\n\n".encode())
                    last = message
                else:
                    self.wfile.write(b": keep-alive\n\n")
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, OSError):
            return


def _inject(body: bytes, path: str, page_hash: str) -> bytes:
    tag = (f'<script src="{PREFIX}preview.js" data-path="{html.escape(path)}" '
           f'data-hash="{page_hash}" defer></script>').encode()
    index = body.rfind(b"</body>")
    return body[:index] + tag + body[index:] if index >= 0 else body + tag


def _type(name: str) -> str:
    if name.endswith(".woff2"):
        return "font/woff2"
    guessed = mimetypes.guess_type(name)[0] or "application/octet-stream"
    if guessed.startswith("text/") or guessed in ("application/json", "application/javascript",
                                                   "application/xml"):
        guessed += "; charset=utf-8"
    return guessed


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    log = staticmethod(lambda message: None)

    def server_bind(self) -> None:
        super().server_bind()
        host, port = self.server_address[:2]
        names = {"127.0.0.1", "localhost", "[::1]"}
        self.any_address = host in ("0.0.0.0", "::", "")
        if not self.any_address:
            names.add(f"[{host}]" if ":" in host else host)
        names.update(n.lower() for n in (socket.gethostname(), socket.getfqdn()) if n)
        self.allowed = {f"{name}:{port}" for name in names}

    def host_allowed(self, host: str) -> bool:
        """The Host header names this server: its address, localhost or the machine's name;
        listening on every address (--host 0.0.0.0), any IP address with our port."""
        host = host.strip().lower()
        if host in self.allowed:
            return True
        if not self.any_address:
            return False
        name, _, port = host.rpartition(":")
        try:
            ipaddress.ip_address(name.strip("[]"))
        except ValueError:
            return False
        return port == str(self.server_address[1])

    def handle_error(self, request, client_address) -> None:
        """A reader closing the tab or a slow client going away is not an error; anything
        else is one line in the log, never a traceback."""
        import sys

        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError)):
            return
        self.log(f"处理 {client_address[0]} 的请求时出错：{type(exc).__name__}: {exc}")


class PreviewServer:
    """The preview running: HTTP server and watcher threads. ``close()`` stops both."""

    def __init__(self, config_path: Path, issue: str | None = None, *, host: str = "127.0.0.1",
                 port: int = 8000, log=None, watch: bool = True) -> None:
        self.preview = Preview(config_path, issue, log=log)  # an unknown issue raises here
        self.preview.stamp_sources()
        self.preview.rebuild()
        handler = type("Handler", (_Handler,), {"preview": self.preview})
        self.httpd = _Server((host, port), handler)
        self.httpd.log = self.preview.log
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self.httpd.serve_forever, args=(0.1,),
                                         name="gazette-http", daemon=True)]
        if watch:
            self.threads.append(threading.Thread(target=self.preview.watch, args=(self.stop,),
                                                 name="gazette-watch", daemon=True))
        for thread in self.threads:
            thread.start()

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        shown = "127.0.0.1" if host in ("0.0.0.0", "") else host
        return f"http://{shown}:{port}"

    def close(self) -> None:
        self.stop.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        self.preview.close()
        for thread in self.threads:
            thread.join(timeout=0.5)
