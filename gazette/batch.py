"""``gazette build --all``: every issue of every gazette rebuilt as independent tasks.

One task is one issue's print edition (:func:`build_task`, a plain picklable function); the
same task runs on a local process pool or, with ``--scheduler``, on a Dask cluster through
its ``concurrent.futures`` executor, so there is one code path. An issue whose manifest
inputs (sources, layouts, fonts, tool versions) are unchanged and whose outputs are intact is
skipped. The web edition is written once at the end, by the calling process, from what the
tasks left in build/.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from .archive import MANIFEST, font_hashes, sha256, source_files, tool_versions
from .config import Config, Project, load_project
from .content import all_issues, resolve_issue
from .diagnostics import Diagnostics, GazetteError


@dataclass(frozen=True, slots=True)
class IssueTask:
    """What a worker needs to build one issue: plain strings, so any executor can ship it."""

    config_path: str
    address: str
    encoding: str | None = None
    force: bool = False


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


@dataclass(frozen=True, slots=True)
class BatchResult:
    outcomes: tuple[IssueOutcome, ...]
    wall: float
    workers: int

    @property
    def busy(self) -> float:
        """Seconds the tasks took together: what running them one after another would take."""
        return sum(o.seconds for o in self.outcomes if o.status == "built")

    @property
    def speedup(self) -> float | None:
        built = [o for o in self.outcomes if o.status == "built"]
        return self.busy / self.wall if len(built) > 1 and self.wall > 0 else None

    @property
    def failed(self) -> list[IssueOutcome]:
        return [o for o in self.outcomes if o.status == "failed"]


def tasks_for(project: Project, config_path: Path, *, encoding: str | None = None,
              force: bool = False) -> list[IssueTask]:
    return [IssueTask(str(config_path.resolve()), config.issue_address(path.name), encoding, force)
            for config, path in all_issues(project)]


class SchedulerUnavailable(Exception):
    """The Dask scheduler cannot be used; the message is for the editor (Chinese)."""


@contextmanager
def executor_for(scheduler: str | None, jobs: int) -> Iterator[tuple[Executor, int]]:
    """A process pool of ``jobs`` workers, or the executor of the Dask cluster at
    ``scheduler`` (its workers must be able to import gazette and read the project)."""
    if scheduler is None:
        import multiprocessing

        context = multiprocessing.get_context("forkserver")
        # Workers fork from a server that has already imported WeasyPrint and the pipeline.
        context.set_forkserver_preload(["gazette.build"])
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


def run_batch(tasks: list[IssueTask], executor: Executor, workers: int,
              on_done: Callable[[IssueOutcome], None] = lambda o: None) -> BatchResult:
    """Submit every task, report each as it completes, return the outcomes in task order."""
    started = time.perf_counter()
    futures: dict[Future, int] = {executor.submit(build_task, t): i for i, t in enumerate(tasks)}
    outcomes: list[IssueOutcome | None] = [None] * len(tasks)
    for future in as_completed(futures):
        index = futures[future]
        try:
            outcome = future.result()
        except Exception as exc:  # a worker that died is one failed issue, not a crash
            outcome = IssueOutcome(tasks[index].address, "failed", 0.0, 0.0,
                                   lines=(f"{tasks[index].address}: 错误[build.worker]: "
                                          f"生成进程异常退出：{exc!r}",))
        outcomes[index] = outcome
        on_done(outcome)
    return BatchResult(tuple(o for o in outcomes if o is not None),
                       time.perf_counter() - started, workers)


def default_jobs() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
               else os.cpu_count() or 1)


def write_sites(project: Project, encoding: str | None = None) -> list[str]:
    """The web edition of every gazette (and the portal) from the print editions in build/,
    published as one generation; returns the lines to print (warnings indented). Raises
    OutputError if build/ cannot be written."""
    from .output import Publication
    from .render_html import SITE_FOLDER, load_site_issues, render_portal, render_site, site_folder

    lines = []
    publication = Publication(project.build_dir)
    for config in project.gazettes:
        diags = Diagnostics()
        site = render_site(config, load_site_issues(config, diags, encoding=encoding))
        publication.put(site_folder(config), site.files)
        lines += ["    " + d.format() for d in diags]
        lines.append(f"网页版：build/{site_folder(config)}/，{len(site.pages)} 个页面")
    if project.multi:
        publication.put_file(f"{SITE_FOLDER}/index.html", render_portal(project))
        lines.append(f"总入口：build/{SITE_FOLDER}/index.html")
    publication.commit()
    return lines
