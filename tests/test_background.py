"""gazette.background: work in a forked process or a fresh interpreter, its result or its
error brought back."""

from __future__ import annotations

import os
import time
from functools import partial

import pytest

from gazette.background import Background, Fresh
from gazette.diagnostics import Diagnostic, GazetteError, Location, Severity


def test_the_result_is_computed_in_another_process():
    job = Background(lambda: (os.getpid(), [n * n for n in range(1000)]))
    pid, squares = job.result()
    assert pid != os.getpid(), "the work ran in a child (this machine has two cores)"
    assert squares[999] == 998001


def test_an_error_in_the_child_is_raised_here_with_its_diagnostic():
    def fail():
        raise GazetteError(Diagnostic(Severity.ERROR, "site.test", "网页版出错",
                                      Location("content/x.md", 3, 1)))

    job = Background(fail)
    with pytest.raises(GazetteError) as caught:
        job.result()
    assert caught.value.diagnostic.location.line == 3
    assert caught.value.diagnostic.message == "网页版出错"


def test_a_cancelled_job_leaves_no_child_behind():
    started = time.perf_counter()
    job = Background(lambda: b"x" * (8 << 20))  # more than a pipe holds: the child blocks
    pid = job.pid
    assert pid
    time.sleep(0.2)
    job.cancel()
    assert time.perf_counter() - started < 5
    assert job.pid == 0
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # already reaped: no zombie left


def test_web_fonts_cut_on_every_core_are_those_cut_one_by_one(tmp_path):
    """A new project's web fonts are cut on every core (webfonts._cut_all, one fresh
    interpreter per CPU): each cut is the bytes that cutting it alone gives."""
    from gazette.webfonts import FEW_CUTS, _cut_all, _cut_entry, _subset, common_order

    from .conftest import ROOT

    order = common_order()
    wanted = [(ROOT / "fonts" / name, "".join(sorted(order[start:start + size])))
              for name, start, size in (("FandolFang-Regular.otf", 300, 48),
                                        ("FandolHei-Bold.otf", 0, 60),
                                        ("FandolSong-Regular.otf", 500, 30),
                                        ("FandolKai-Regular.otf", 900, 20),
                                        ("FandolFang-Regular.otf", 700, 30),
                                        ("FandolHei-Regular.otf", 400, 25))]
    assert len(wanted) > FEW_CUTS, "enough cuts to be shared out"
    _cut_all(wanted, tmp_path)
    assert len(list(tmp_path.glob("*.woff2"))) == len(wanted)
    for path, text in wanted:
        assert _cut_entry(path, text, tmp_path).read_bytes() == _subset(path, text)


CUTTER_MEMORY = r"""
import sys
from pathlib import Path
from gazette.webfonts import _cut_all, common_order
ballast = bytearray(400 * 2**20)  # a laid-out issue held by the build, every page touched
for i in range(0, len(ballast), 4096):
    ballast[i] = 1
order = common_order()
fonts = Path(sys.argv[1])
_cut_all([(fonts / "FandolFang-Regular.otf", order[k * 40:(k + 1) * 40]) for k in range(8)],
         Path(sys.argv[2]))
"""


def test_web_font_cutters_do_not_carry_the_building_process(tmp_path):
    """Cutters are fresh interpreters: a build holding 400 MB of pages starts cutters of
    their own size (a forked cutter shares the 400 MB and counts them again in its RSS)."""
    import subprocess
    import sys

    from .conftest import ROOT
    from .procmem import TreeMemory

    build = subprocess.Popen([sys.executable, "-c", CUTTER_MEMORY, str(ROOT / "fonts"),
                              str(tmp_path / "cuts")], cwd=ROOT)
    memory = TreeMemory(build.pid).start()
    assert build.wait(120) == 0
    memory.stop()
    assert len(list((tmp_path / "cuts").glob("*.woff2"))) == 8
    assert memory.root_rss > 400, "the building process held its pages"
    assert 20 < memory.other_rss < 250, f"largest cutter {memory.other_rss:.0f} MB"


def test_a_build_waiting_for_the_web_font_cache_cuts_only_what_is_still_missing(tmp_path,
                                                                                 monkeypatch):
    """Two builds of one project: the second waits for the first's lock and then finds its
    cuts made, so it cuts nothing (cutting here would fail)."""
    import fcntl
    import threading

    import gazette.webfonts as webfonts

    from .conftest import ROOT

    wanted = [(ROOT / "fonts" / "FandolHei-Bold.otf", "公报"),
              (ROOT / "fonts" / "FandolKai-Regular.otf", "银川")]
    cuts = tmp_path / "cuts"
    cuts.mkdir()
    lock = open(cuts / ".lock", "wb")
    fcntl.flock(lock, fcntl.LOCK_EX)  # the first build, cutting
    monkeypatch.setattr(webfonts, "_subset", lambda path, text: pytest.fail("cut twice"))
    second = threading.Thread(target=webfonts._cut_all, args=(wanted, cuts))
    second.start()
    second.join(0.5)
    assert second.is_alive(), "the second build waits for the lock"
    for path, text in wanted:  # what the first build writes
        webfonts._cut_entry(path, text, cuts).write_bytes(b"cut by the first build")
    fcntl.flock(lock, fcntl.LOCK_UN)
    lock.close()
    second.join(10)
    assert not second.is_alive()
    assert {p.read_bytes() for p in cuts.glob("*.woff2")} == {b"cut by the first build"}


def test_a_batch_of_cuts_releases_the_word_segmenter(tmp_path):
    """A new project's web fonts take tens of seconds to cut: jieba's dictionary, loaded for
    its titles, is dropped first rather than kept beside the cutters."""
    from gazette import typography
    from gazette.webfonts import FEW_CUTS, _cut_all, common_order

    from .conftest import ROOT

    typography._segmenter(tmp_path / "jieba")
    assert typography._segmenter.cache_info().currsize == 1
    order = common_order()
    wanted = [(ROOT / "fonts" / "FandolHei-Bold.otf", order[k * 10:(k + 1) * 10])
              for k in range(FEW_CUTS + 1)]
    _cut_all(wanted, tmp_path)
    assert len(list(tmp_path.glob("*.woff2"))) == len(wanted)
    assert typography._segmenter.cache_info().currsize == 0


def test_cutters_stop_with_the_build(tmp_path, monkeypatch):
    """A build stopped while its cutters run (Ctrl+C, the preview's SIGTERM) leaves no cutter
    running on: the interruption reaches _cut_elsewhere while it waits, and it kills them."""
    import subprocess

    import gazette.webfonts as webfonts

    from .conftest import ROOT

    started = []
    real_popen = subprocess.Popen

    def popen(*args, **kwargs):
        if started:
            raise KeyboardInterrupt  # the editor presses Ctrl+C as the second cutter starts
        started.append(real_popen(*args, **kwargs))
        return started[-1]

    monkeypatch.setattr(subprocess, "Popen", popen)
    font = ROOT / "fonts" / "FandolFang-Regular.otf"
    share = [(font, webfonts.common_order()[k * 200:(k + 1) * 200]) for k in range(6)]
    with pytest.raises(KeyboardInterrupt):
        webfonts._cut_elsewhere([share, share], tmp_path)
    assert len(started) == 1 and started[0].poll() is not None, "the first cutter is stopped"


def test_a_fresh_interpreter_returns_the_result_or_the_error():
    assert Fresh(partial(os.getpid)).result() != os.getpid()
    with pytest.raises(ValueError, match="invalid literal"):
        Fresh(partial(int, "七")).result()
    noisy = Fresh(partial(print, "printed by the call"))  # goes to stderr, not the answer
    assert noisy.result() is None
    slow = Fresh(partial(time.sleep, 30))
    assert slow.busy()
    pid = slow._process.pid
    slow.cancel()
    assert not os.path.exists(f"/proc/{pid}") or "Z" in open(f"/proc/{pid}/stat").read().split()[2]


def test_without_a_second_cpu_the_call_runs_here(monkeypatch):
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    job = Fresh(partial(os.getpid))
    assert job.busy(), "the result is still to come"
    assert job.result() == os.getpid()


def test_a_fresh_interpreter_does_not_keep_a_copy_of_this_process():
    """A forked child keeps the pages its parent rewrites afterwards (as writing a PDF walks
    every box of the layout); a fresh interpreter never had them."""
    from .procmem import private_after

    ballast = bytearray(200 * 2**20)
    for i in range(0, len(ballast), 4096):
        ballast[i] = 1
    forked, fresh = Background(partial(private_after, 1.5)), Fresh(partial(private_after, 1.5))
    for i in range(0, len(ballast), 4096):  # this process goes on and rewrites its pages
        ballast[i] = 2
    forked_private, fresh_private = forked.result(), fresh.result()
    assert forked_private > 150, f"the fork kept {forked_private:.0f} MB"
    assert fresh_private < 80, f"the fresh interpreter holds {fresh_private:.0f} MB"


def _two_notice_project(tmp_path):
    """A project of two notices of 2020-07 sharing the session's web-font cuts, and its build:
    the web edition's files and their hashes."""
    import hashlib
    import shutil

    from gazette.build import build_issue
    from gazette.config import load_config
    from gazette.diagnostics import Diagnostics

    from .conftest import ROOT, copy_project, share_webfont_cuts

    root = copy_project(tmp_path / "project", issues=())
    issue_dir = root / "content" / "2020-07"
    issue_dir.mkdir(parents=True)
    source = ROOT / "content" / "yinchuan" / "2020-07"
    for name in ("issue.yaml", "01-zhengfuling-2020-2.md", "02-yinzhenghan-2020-49.md"):
        shutil.copy(source / name, issue_dir / name)
    share_webfont_cuts(root)

    def build():
        diags = Diagnostics()
        result = build_issue(load_config(root / "config.yaml"), "2020-07", diags)
        assert result is not None, "\n".join(d.format() for d in diags)
        site = root / "build" / "site"
        return {p.relative_to(site): hashlib.sha256(p.read_bytes()).hexdigest()
                for p in site.rglob("*") if p.is_file()}

    return root, build


def _own_cuts(root):
    """The project's web-font cache made its own copy of the shared one, to lose some of."""
    import shutil

    cuts = root / "build" / ".cache" / "webfonts"
    shared = cuts.resolve()
    cuts.unlink()
    shutil.copytree(shared, cuts)
    return cuts


def test_a_web_edition_beside_the_pdf_leaves_a_batch_of_cuts_to_the_build(tmp_path):
    """Web fonts that need a batch of cuts are not cut by the web edition rendered beside the
    PDF's writing (its cutters would run beside the whole layout): it gives up, and the build
    renders the edition itself once the layout is gone, with the same result."""
    import hashlib
    import shutil

    from gazette.build import _read_places, _site_for
    from gazette.config import load_config
    from gazette.content import find_issue
    from gazette.diagnostics import Diagnostics
    from gazette.issue import load_issue
    from gazette.webfonts import FEW_CUTS, CutsDeferred

    root, build = _two_notice_project(tmp_path)
    before = build()
    cuts = _own_cuts(root)
    used = {digest for path, digest in before.items() if path.suffix == ".woff2"}
    lost = [p for p in cuts.glob("*.woff2")
            if hashlib.sha256(p.read_bytes()).hexdigest() in used][:FEW_CUTS + 2]
    assert len(lost) == FEW_CUTS + 2
    for path in lost:
        path.unlink()

    config = load_config(root / "config.yaml")
    issue = load_issue(config, find_issue(config, "2020-07"), Diagnostics())
    with pytest.raises(CutsDeferred):
        _site_for(config, issue, _read_places(root / "build" / "2020-07"), None)
    assert not any(path.exists() for path in lost)

    shutil.rmtree(root / "build" / ".cache" / "builds")
    assert build() == before
    assert all(path.exists() for path in lost)


def test_without_its_shared_font_slices_the_web_edition_waits_for_the_pdf(tmp_path, monkeypatch):
    """A new project's web edition needs its fonts' shared slices cut: it is not started beside
    the PDF's writing (it would get as far as the cuts, beside the whole layout, and give up)
    but rendered by the build afterwards, the same. With the slices cut, it is started."""
    import shutil

    import gazette.background
    from gazette.config import load_config
    from gazette.webfonts import (SLICED, _core_chars, _cut_entry, _family_paths,
                                  core_cuts_missing)

    started = []
    fresh = gazette.background.Fresh

    def recorded(fn):
        started.append(fn)
        return fresh(fn)

    monkeypatch.setattr(gazette.background, "Fresh", recorded)
    root, build = _two_notice_project(tmp_path)
    config = load_config(root / "config.yaml")
    build()  # the session's shared cuts may be new
    assert not core_cuts_missing(config)
    shutil.rmtree(root / "build" / ".cache" / "builds")
    started.clear()
    before = build()
    assert len(started) == 1

    cuts = _own_cuts(root)
    path = _family_paths(config)[SLICED]
    slices = [_cut_entry(path, "".join(sorted(piece)), cuts) for piece in _core_chars(path)]
    assert all(entry.is_file() for entry in slices)
    slices[-1].unlink()
    assert core_cuts_missing(config)
    shutil.rmtree(root / "build" / ".cache" / "builds")
    assert build() == before
    assert len(started) == 1
    assert not core_cuts_missing(config)
