"""``gazette build --all``: every issue of every gazette rebuilt as independent tasks.

One task is one issue's print edition (:func:`build_task`), or one gazette's web edition
(:func:`site_task`, queued as soon as every issue of that gazette is done, so it runs beside
the issues still being laid out), or the several-gazette portal. Tasks are plain picklable
values run by one function, :func:`run_task`, on a local process pool or, with
``--scheduler``, on a Dask cluster through its ``concurrent.futures`` executor, so there is one
code path; ``--jobs 1`` runs them in the calling process, one after another. Issues are
dispatched longest first (their last build time, else the size of their sources), because the
longest issue bounds the whole run. An issue whose manifest inputs (sources, layouts, fonts,
tool versions) are unchanged and whose outputs are intact is skipped.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from .archive import MANIFEST, font_hashes, sha256, source_files, tool_versions
from .config import Config, Project, load_project
from .content import all_issues, resolve_issue
from .diagnostics import Diagnostics, GazetteError

TIMES_FILE = "batch-times.json"
"""build/.cache/batch-times.json: each issue's last build time, to dispatch the longest first."""


@dataclass(frozen=True, slots=True)
class IssueTask:
    """What a worker needs to build one issue: plain strings, so any executor can ship it."""

    config_path: str
    address: str
    encoding: str | None = None
    force: bool = False
    gazette_id: str = ""
    estimate: float = 0.0
    """Expected cost, for the dispatch order only: last build seconds or source bytes."""


@dataclass(frozen=True, slots=True)
class SiteTask:
    """The web edition of one gazette from the print editions in build/; with no
    ``gazette_id``, the several-gazette portal (build/site/index.html)."""

    config_path: str
    gazette_id: str | None
    encoding: str | None = None


@dataclass(frozen=True, slots=True)
class SiteOutcome:
    gazette_id: str | None
    seconds: float
    peak_mb: float
    lines: tuple[str, ...]
    """What to print: where the site is and how many pages, or why it failed."""
    failed: bool = False


@dataclass(frozen=True, slots=True)
class IssueOutcome:
    address: str
    status: str
    """built, skipped (inputs unchanged) or failed."""
    seconds: float
    peak_mb: float
    """Peak resident memory of the worker while it ran this task (VmHWM, reset per task)."""
    pages: int = 0
    lines: tuple[str, ...] = ()
    """Diagnostics and the drift report, already formatted."""
    outputs: dict[str, str] = field(default_factory=dict)
    """sha256 of every file the task left in the issue's folder."""


def _exit_with(main_pid: int) -> None:
    """Pool worker initializer: end this worker as soon as ``gazette build --all`` is gone.

    Workers hold the pool's queues open themselves, so a killed parent would otherwise leave
    them (and the fork server they keep alive) waiting forever. A daemon thread waits on a
    pidfd of the parent (Linux), else polls it once a second."""
    import select
    import threading

    def watch() -> None:
        try:
            select.select([os.pidfd_open(main_pid)], [], [])
        except (AttributeError, OSError):
            while True:
                try:
                    os.kill(main_pid, 0)
                except ProcessLookupError:
                    break
                time.sleep(1)
        os._exit(1)

    threading.Thread(target=watch, name="gazette-parent-watch", daemon=True).start()


def _reset_peak() -> None:
    """Reset the kernel's high-water mark of resident memory for this process (Linux)."""
    try:
        with open("/proc/self/clear_refs", "w") as handle:
            handle.write("5")
    except OSError:
        pass


def _peak_mb() -> float:
    try:
        with open("/proc/self/status") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _outputs(folder: Path) -> dict[str, str]:
    return {p.name: sha256(p.read_bytes()) for p in sorted(folder.iterdir())
            if p.is_file() and not p.name.startswith(".")} if folder.is_dir() else {}


def unchanged(config: Config, issue_dir: Path) -> bool:
    """True if build/… holds a complete build made from exactly these inputs: the manifest's
    input hashes and tool versions match, and pages.json and the PDF are where they were."""
    folder = config.output_dir / issue_dir.name
    try:
        recorded = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    inputs = {f.name: sha256(f.data) for f in source_files(config, issue_dir)}
    inputs.update(font_hashes(config))
    if recorded.get("inputs") != dict(sorted(inputs.items())):
        return False
    if recorded.get("tools") != tool_versions():
        return False
    for name, digest in recorded.get("outputs", {}).items():
        path = folder / name
        if not path.is_file() or sha256(path.read_bytes()) != digest:
            return False
    pdf = folder / f"{issue_dir.name}.pdf"
    return pdf.is_file() and pdf.stat().st_size > 0


def build_task(task: IssueTask) -> IssueOutcome:
    """Build one issue's print edition (no web edition); runs in a worker process."""
    from .build import build_issue

    _reset_peak()
    started = time.perf_counter()
    project = load_project(Path(task.config_path))
    config, issue_dir = resolve_issue(project, task.address)
    folder = config.output_dir / issue_dir.name
    if not task.force and unchanged(config, issue_dir):
        return IssueOutcome(task.address, "skipped", time.perf_counter() - started, _peak_mb(),
                            outputs=_outputs(folder))
    diags = Diagnostics()
    try:
        result = build_issue(config, issue_dir.name, diags, encoding=task.encoding, site=False,
                             reuse=not task.force)
    except GazetteError as exc:
        diags.add(exc.diagnostic)
        result = None
    lines = [d.format() for d in diags]
    if result is None:
        return IssueOutcome(task.address, "failed", time.perf_counter() - started, _peak_mb(),
                            lines=tuple(lines))
    lines += list(result.summary.fitted) + list(result.summary.drifts)
    status = "skipped" if "print" in result.reused else "built"
    return IssueOutcome(task.address, status, time.perf_counter() - started, _peak_mb(),
                        result.pages, tuple(lines), _outputs(folder))


def site_task(task: SiteTask) -> SiteOutcome:
    """Render one gazette's web edition (or the portal) and publish it as one generation."""
    from .output import OutputError, Publication
    from .render_html import SITE_FOLDER, load_site_issues, render_portal, render_site, site_folder

    _reset_peak()
    started = time.perf_counter()
    project = load_project(Path(task.config_path))
    publication = Publication(project.build_dir)
    if task.gazette_id is None:
        publication.put_file(f"{SITE_FOLDER}/index.html", render_portal(project))
        lines = [f"总入口：build/{SITE_FOLDER}/index.html"]
    else:
        config = project.gazette(task.gazette_id)
        diags = Diagnostics()
        site = render_site(config, load_site_issues(config, diags, encoding=task.encoding))
        publication.put(site_folder(config), site.files)
        lines = ["    " + d.format() for d in diags]
        lines.append(f"网页版：build/{site_folder(config)}/，{len(site.pages)} 个页面")
    try:
        publication.commit()
    except OutputError as exc:
        return SiteOutcome(task.gazette_id, time.perf_counter() - started, _peak_mb(),
                           (f"build/: 错误[output.failed]: 网页版未能写入：{exc.message}",), True)
    return SiteOutcome(task.gazette_id, time.perf_counter() - started, _peak_mb(), tuple(lines))


def run_task(task: IssueTask | SiteTask) -> IssueOutcome | SiteOutcome:
    """The one function every executor runs."""
    return build_task(task) if isinstance(task, IssueTask) else site_task(task)


@dataclass(frozen=True, slots=True)
class BatchResult:
    outcomes: tuple[IssueOutcome, ...]
    wall: float
    workers: int
    sites: tuple[SiteOutcome, ...] = ()

    @property
    def busy(self) -> float:
        """Seconds the tasks took together: what running them one after another would take."""
        return (sum(o.seconds for o in self.outcomes if o.status == "built")
                + sum(o.seconds for o in self.sites))

    @property
    def speedup(self) -> float | None:
        built = [o for o in self.outcomes if o.status == "built"]
        return self.busy / self.wall if len(built) > 1 and self.wall > 0 else None

    @property
    def failed(self) -> list[IssueOutcome]:
        return [o for o in self.outcomes if o.status == "failed"]


def _recorded_times(project: Project) -> dict[str, float]:
    try:
        times = json.loads((project.build_dir / ".cache" / TIMES_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {k: v for k, v in times.items() if isinstance(v, (int, float))} \
        if isinstance(times, dict) else {}


def record_times(project: Project, outcomes: tuple[IssueOutcome, ...]) -> None:
    """Keep each built issue's time for the next run's dispatch order (a cache: may vanish)."""
    from .output import write_atomic

    times = _recorded_times(project)
    times.update({o.address: round(o.seconds, 2) for o in outcomes if o.status == "built"})
    try:
        write_atomic(project.build_dir / ".cache" / TIMES_FILE,
                     json.dumps(dict(sorted(times.items())), ensure_ascii=False, indent=1))
    except OSError:
        pass


def _source_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def tasks_for(project: Project, config_path: Path, *, encoding: str | None = None,
              force: bool = False) -> list[IssueTask]:
    """Every issue of every gazette, longest first: by last build time when every issue has
    one, else by the size of its sources (both only order the work)."""
    found = [(config, path, config.issue_address(path.name)) for config, path in all_issues(project)]
    times = _recorded_times(project)
    timed = all(address in times for _c, _p, address in found)
    tasks = [IssueTask(str(config_path.resolve()), address, encoding, force, config.id,
                       times[address] if timed else float(_source_bytes(path)))
             for config, path, address in found]
    return sorted(tasks, key=lambda t: -t.estimate)


def site_tasks(project: Project, config_path: Path, *,
               encoding: str | None = None) -> list[SiteTask]:
    """One per gazette, and the portal when the project has several."""
    path = str(config_path.resolve())
    return ([SiteTask(path, config.id, encoding) for config in project.gazettes]
            + ([SiteTask(path, None, encoding)] if project.multi else []))


class SchedulerUnavailable(Exception):
    """The Dask scheduler cannot be used; the message is for the editor (Chinese)."""


@contextmanager
def executor_for(scheduler: str | None, jobs: int) -> Iterator[tuple[Executor, int]]:
    """A process pool of ``jobs`` workers, or the executor of the Dask cluster at
    ``scheduler`` (its workers must be able to import gazette and read the project)."""
    if scheduler is None and jobs == 1:
        yield InlineExecutor(), 1
        return
    if scheduler is None:
        import multiprocessing

        context = multiprocessing.get_context("forkserver")
        # Workers fork from a server that has already imported WeasyPrint and the stages
        # (about 0.5 s each worker would otherwise spend on its first task).
        context.set_forkserver_preload(["gazette.build", "gazette.check", "gazette.render_pdf",
                                        "gazette.render_html", "weasyprint"])
        with ProcessPoolExecutor(max_workers=jobs, mp_context=context,
                                 initializer=_exit_with, initargs=(os.getpid(),)) as pool:
            yield pool, jobs
        return
    try:
        from distributed import Client
    except ImportError:
        raise SchedulerUnavailable(
            "没有安装 Dask 的分布式组件，请先安装：pip install 'gazette[dask]'") from None
    try:
        client = Client(scheduler, timeout="10s")
    except (OSError, ValueError) as exc:
        raise SchedulerUnavailable(f"无法连接 Dask 调度器 {scheduler}：{exc}") from None
    with client:
        workers = sum(client.nthreads().values())
        with client.get_executor(pure=False) as executor:
            yield executor, workers


class InlineExecutor(Executor):
    """``--jobs 1``: each task runs in the calling process when it is submitted, with no
    worker to start or feed; the serial baseline of the same code path."""

    def submit(self, fn, /, *args, **kwargs) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as exc:
            future.set_exception(exc)
        return future


def _crashed(task: IssueTask | SiteTask, exc: Exception) -> IssueOutcome | SiteOutcome:
    """A worker that died is one failed task, not a crash of the whole run."""
    if isinstance(task, IssueTask):
        return IssueOutcome(task.address, "failed", 0.0, 0.0, lines=(
            f"{task.address}: 错误[build.worker]: 生成进程异常退出：{exc!r}",))
    return SiteOutcome(task.gazette_id, 0.0, 0.0, (
        f"build/site: 错误[build.worker]: 生成网页版的进程异常退出：{exc!r}",), True)


def run_batch(tasks: list[IssueTask], executor: Executor, workers: int,
              on_done: Callable[[IssueOutcome | SiteOutcome], None] = lambda o: None,
              sites: list[SiteTask] = ()) -> BatchResult:
    """Run the issues in the given order, then each gazette's site as soon as all its issues
    are done (the portal right after the issues), never more than ``workers`` tasks at once
    so the order is kept; report each as it completes; issue outcomes in task order."""
    started = time.perf_counter()
    waiting = {s.gazette_id: s for s in sites if s.gazette_id is not None}
    left = {gazette_id: sum(t.gazette_id == gazette_id for t in tasks) for gazette_id in waiting}
    queue: list[IssueTask | SiteTask] = [*tasks, *(s for s in sites if s.gazette_id is None)]
    queue += [waiting.pop(g) for g, n in list(left.items()) if n == 0]
    running: dict[Future, IssueTask | SiteTask] = {}
    outcomes: dict[str, IssueOutcome] = {}
    site_outcomes: list[SiteOutcome] = []
    while queue or running:
        while queue and len(running) < workers:
            task = queue.pop(0)
            running[executor.submit(run_task, task)] = task
        done, _ = wait(running, return_when=FIRST_COMPLETED)
        for future in done:
            task = running.pop(future)
            try:
                outcome = future.result()
            except Exception as exc:
                outcome = _crashed(task, exc)
            if isinstance(task, IssueTask):
                outcomes[task.address] = outcome
                left[task.gazette_id] = left.get(task.gazette_id, 0) - 1
                if left[task.gazette_id] == 0 and task.gazette_id in waiting:
                    queue.append(waiting.pop(task.gazette_id))
            else:
                site_outcomes.append(outcome)
            on_done(outcome)
    return BatchResult(tuple(outcomes[t.address] for t in tasks if t.address in outcomes),
                       time.perf_counter() - started, workers, tuple(site_outcomes))


def default_jobs() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
               else os.cpu_count() or 1)
