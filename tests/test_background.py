"""gazette.background: work in a forked process, its result or its error brought back."""

from __future__ import annotations

import os
import time

import pytest

from gazette.background import Background
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
    """A new project's web fonts are cut on every core (webfonts._cut_all, one forked
    process per CPU): each cut is the bytes that cutting it alone gives."""
    from gazette.webfonts import _cut_all, _cut_entry, _subset, common_order

    from .conftest import ROOT

    order = common_order()
    wanted = [(ROOT / "fonts" / name, "".join(sorted(order[start:start + size])))
              for name, start, size in (("FandolFang-Regular.otf", 300, 48),
                                        ("FandolHei-Bold.otf", 0, 60),
                                        ("FandolSong-Regular.otf", 500, 30),
                                        ("FandolKai-Regular.otf", 900, 20))]
    _cut_all(wanted, tmp_path)
    assert len(list(tmp_path.glob("*.woff2"))) == len(wanted)
    for path, text in wanted:
        assert _cut_entry(path, text, tmp_path).read_bytes() == _subset(path, text)
