"""`gazette build --all`: every issue as a task on a process pool or a Dask cluster.

The project here holds two gazettes with one issue each, cut to their first notices so the
four real builds (pool, Dask, an edited issue) stay affordable; the machinery is the same for
the full archive. Both executors must leave byte-identical outputs."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT, share_webfont_cuts

ISSUES = ("yinchuan/2022-05", "xixia/2023-02")
KEEP_NOTICES = 3


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("batch")
    shutil.copy(ROOT / "config.yaml", root / "config.yaml")
    shutil.copytree(ROOT / "layouts", root / "layouts")
    (root / "fonts").symlink_to(ROOT / "fonts")
    for address in ISSUES:
        target = root / "content" / address
        shutil.copytree(ROOT / "content" / address, target)
        for notice in sorted(target.glob("*.md"))[KEEP_NOTICES:]:
            notice.unlink()
    share_webfont_cuts(root)
    return root


def gazette(root: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, TTY_COMPATIBLE="1", COLUMNS="120")
    return subprocess.run([sys.executable, "-m", "gazette", *args, "-c", str(root / "config.yaml")],
                          capture_output=True, text=True, env=env, timeout=900)


def snapshot(root: Path) -> dict[str, str]:
    """sha256 of every output file readers see under build/ (the current generation)."""
    current = (root / "build" / ".current").resolve()
    files = [p for p in sorted(current.rglob("*")) if p.is_file()]
    return {p.relative_to(current).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in files if not any(part.startswith(".") for part in p.relative_to(current).parts)}


@pytest.fixture(scope="module")
def pool_run(project):
    result = gazette(project, "build", "--all", "--jobs", "2")
    assert result.returncode == 0, result.stderr
    return result, snapshot(project)


def test_all_builds_every_issue_on_a_process_pool(pool_run, project):
    result, outputs = pool_run
    assert "生成 2 期：进程池，2 个工作进程" in result.stderr
    assert "━" in result.stderr, "a rich progress bar on a terminal"
    for address in ISSUES:
        gazette_id, key = address.split("/")
        assert f"✓ {address}：" in result.stderr
        for name in (f"{key}.pdf", "manifest.json", "pages.json", "print.html"):
            assert f"{gazette_id}/{key}/{name}" in outputs, name
        assert f"site/{gazette_id}/index.html" in outputs
    assert "site/index.html" in outputs, "the several-gazette portal"
    assert "全部 2 期：生成 2 期，输入未变跳过 0 期，失败 0 期" in result.stdout
    assert "加速 ×" in result.stdout
    assert "单期内存峰值：最高 " in result.stdout


def test_dask_local_cluster_gives_byte_identical_outputs(pool_run, project):
    from distributed import LocalCluster

    _result, pooled = pool_run
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster:
        result = gazette(project, "build", "--all", "--force",
                         "--scheduler", cluster.scheduler_address)
    assert result.returncode == 0, result.stderr
    assert f"生成 2 期：Dask 集群 {cluster.scheduler_address}，2 个工作进程" in result.stderr
    assert all(f"✓ {address}：" in result.stderr for address in ISSUES), "rebuilt, not skipped"
    assert snapshot(project) == pooled


def test_unchanged_issues_are_skipped_and_an_edited_one_is_rebuilt(pool_run, project):
    before = snapshot(project)
    result = gazette(project, "build", "--all")
    assert result.returncode == 0, result.stderr
    assert all(f"= {address}：输入未变，跳过" in result.stderr for address in ISSUES)
    assert "生成 0 期，输入未变跳过 2 期" in result.stdout
    assert snapshot(project) == before
    notice = sorted((project / "content" / "xixia/2023-02").glob("*.md"))[0]
    notice.write_text(notice.read_text(encoding="utf-8") + "\n本通知自印发之日起施行。\n",
                      encoding="utf-8")
    result = gazette(project, "build", "--all")
    assert result.returncode == 0, result.stderr
    assert "✓ xixia/2023-02：" in result.stderr
    assert "= yinchuan/2022-05：输入未变，跳过" in result.stderr
    after = snapshot(project)
    assert after["yinchuan/2022-05/2022-05.pdf"] == before["yinchuan/2022-05/2022-05.pdf"]
    assert after["xixia/2023-02/2023-02.pdf"] != before["xixia/2023-02/2023-02.pdf"]


def test_an_unreachable_scheduler_is_a_clear_error(project):
    result = gazette(project, "build", "--all", "--scheduler", "tcp://127.0.0.1:9")
    assert result.returncode == 2
    assert "无法连接 Dask 调度器 tcp://127.0.0.1:9" in result.stderr
    assert "Traceback" not in result.stderr


def test_all_options_need_all(project):
    result = gazette(project, "build", "yinchuan/2022-05", "--jobs", "2")
    assert result.returncode == 2
    assert "--jobs、--scheduler、--force 只用于 --all" in result.stderr


def test_a_layout_change_tool_version_or_lost_output_means_rebuild(pool_run, project, monkeypatch):
    """The skip decision itself (gazette.batch.unchanged), without building again."""
    import gazette.batch as batch
    from gazette.config import load_project
    from gazette.content import resolve_issue

    loaded = load_project(project / "config.yaml")
    issues = [resolve_issue(loaded, address) for address in ISSUES]
    assert all(batch.unchanged(config, path) for config, path in issues)
    css = project / "layouts" / "print" / "print.css.j2"
    original = css.read_bytes()
    css.write_bytes(original + b"\n/* a comment */\n")
    try:
        assert not any(batch.unchanged(config, path) for config, path in issues)
    finally:
        css.write_bytes(original)
    assert all(batch.unchanged(config, path) for config, path in issues)
    versions = batch.tool_versions()
    monkeypatch.setattr(batch, "tool_versions", lambda: {**versions, "weasyprint": "71.0"})
    assert not any(batch.unchanged(config, path) for config, path in issues)
    monkeypatch.undo()
    config, path = issues[0]
    pages = config.output_dir / path.name / "pages.json"
    kept = pages.read_bytes()
    pages.unlink()
    try:
        assert not batch.unchanged(config, path)
    finally:
        pages.write_bytes(kept)


def test_killing_the_build_leaves_no_worker_behind(pool_run, project):
    import signal
    import time

    import psutil

    process = subprocess.Popen(
        [sys.executable, "-m", "gazette", "build", "--all", "--force", "--jobs", "2",
         "-c", str(project / "config.yaml")],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    parent = psutil.Process(process.pid)
    deadline = time.monotonic() + 120
    workers: list = []
    while time.monotonic() < deadline and len(workers) < 3:
        workers = parent.children(recursive=True)
        time.sleep(0.2)
    assert len(workers) >= 3, "the fork server and two workers started"
    process.send_signal(signal.SIGKILL)
    process.wait()
    gone, alive = psutil.wait_procs(workers, timeout=20)
    assert not alive, [p.cmdline()[:3] for p in alive]


def test_issues_go_longest_first_and_each_site_after_its_issues(pool_run, project):
    """The dispatch order, on the built project (issues skipped, so only the sites render):
    issues by their last build time (by source size when one has none), never more tasks
    in flight than workers, and a gazette's web edition only once all its issues are done."""
    import json

    import gazette.batch as batch
    from gazette.config import load_project

    loaded = load_project(project / "config.yaml")
    config_path = project / "config.yaml"
    times = project / "build" / ".cache" / batch.TIMES_FILE
    recorded = json.loads(times.read_text(encoding="utf-8"))
    assert set(recorded) == set(ISSUES), "the pool run recorded each issue's time"
    for slow in ISSUES:
        times.write_text(json.dumps({a: 9.0 if a == slow else 1.0 for a in ISSUES}),
                         encoding="utf-8")
        assert batch.tasks_for(loaded, config_path)[0].address == slow
    times.write_text(json.dumps({ISSUES[0]: 1.0}), encoding="utf-8")
    sizes = {address: sum(p.stat().st_size for p in (project / "content" / address).rglob("*"))
             for address in ISSUES}
    assert [t.address for t in batch.tasks_for(loaded, config_path)] == \
        sorted(ISSUES, key=lambda a: -sizes[a])

    submitted: list = []

    class Recording(batch.InlineExecutor):
        def submit(self, fn, /, *args, **kwargs):
            submitted.append(args[0])
            return super().submit(fn, *args, **kwargs)

    with batch.executor_for(None, 1) as (executor, workers):
        assert isinstance(executor, batch.InlineExecutor) and workers == 1
    tasks = batch.tasks_for(loaded, config_path)
    sites = batch.site_tasks(loaded, config_path)
    result = batch.run_batch(tasks, Recording(), 1, sites=sites)
    assert [o.status for o in result.outcomes] == ["skipped", "skipped"]
    assert not any(s.failed for s in result.sites) and len(result.sites) == len(sites)
    assert submitted[:2] == tasks, "issues first, in the order given"
    for gazette_id in ("yinchuan", "xixia"):
        site = submitted.index(next(s for s in sites if s.gazette_id == gazette_id))
        issue = submitted.index(next(t for t in tasks if t.gazette_id == gazette_id))
        assert site > issue
    assert snapshot(project)["site/index.html"]


def test_all_with_sign_signs_a_copy_of_every_issue(pool_run, project, pki):
    """Issues unchanged since the pool run are skipped, then each PDF gets its signed copy
    in build/signed/ and stays as it was."""
    from gazette.sign import check_signatures

    before = snapshot(project)
    result = gazette(project, "build", "--all", "--sign", str(pki / "signer.key"),
                     "--cert", str(pki / "signer.pem"), "--chain", str(pki / "ca.pem"))
    assert result.returncode == 0, result.stderr
    assert snapshot(project) == before, "the unsigned outputs are untouched"
    for address in ISSUES:
        gazette_id, key = address.split("/")
        assert f"已签名：build/signed/{gazette_id}/{key}/{key}.signed.pdf" in result.stdout
        signed = (project / "build" / "signed" / gazette_id / key / f"{key}.signed.pdf").read_bytes()
        assert signed.startswith((project / "build" / gazette_id / key / f"{key}.pdf").read_bytes())
        [check] = check_signatures(signed, (pki / "ca.pem",))
        assert check.ok and check.trusted
