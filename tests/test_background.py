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
