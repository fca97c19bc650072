"""Work done in a forked process while this one goes on: the web edition is rendered on the
second core while the print PDF is written (they share nothing but their inputs).

``Background(fn)`` forks; the child runs ``fn()`` and sends back its result, or the exception
it raised, pickled through a pipe. ``result()`` waits for it and returns it or raises the
exception here, as if ``fn()`` had run in this process. Where there is no fork or a single
CPU, ``fn()`` simply runs inside ``result()``.
"""

from __future__ import annotations

import gc
import os
import pickle
import sys
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


def _can_fork() -> bool:
    return hasattr(os, "fork") and (os.cpu_count() or 1) > 1


class Background(Generic[T]):
    """``fn()`` running in a forked child; ``result()`` is its return value."""

    def __init__(self, fn: Callable[[], T]) -> None:
        self._fn: Callable[[], T] | None = fn
        self._pid = 0
        self._read = -1
        if not _can_fork():
            return
        sys.stdout.flush()  # or the child would print what this process had buffered
        sys.stderr.flush()
        read, write = os.pipe()
        # Objects that exist now are left out of the child's collections, so it does not
        # touch (and copy) the parent's pages to scan them.
        gc.freeze()
        try:
            pid = os.fork()
        except OSError:
            gc.unfreeze()
            os.close(read)
            os.close(write)
            return
        if pid == 0:  # the child: never returns
            os.close(read)
            _run_child(fn, write)
        gc.unfreeze()
        os.close(write)
        self._pid, self._read, self._fn = pid, read, None

    @property
    def pid(self) -> int:
        """The child's process id while it is not yet waited for, else 0."""
        return self._pid

    def result(self) -> T:
        if self._fn is not None:
            fn, self._fn = self._fn, None
            return fn()
        with os.fdopen(self._read, "rb") as pipe:
            data = pipe.read()
        _, status = os.waitpid(self._pid, 0)
        self._pid = 0
        if not data:
            raise RuntimeError(f"background process ended without a result (status {status})")
        ok, value = pickle.loads(data)
        if ok:
            return value
        raise value

    def cancel(self) -> None:
        """Stop waiting for a result no longer wanted (nothing to do once it was taken)."""
        self._fn = None
        if self._pid:
            os.close(self._read)  # the child's write fails and it exits
            os.waitpid(self._pid, 0)
            self._pid = 0


def _run_child(fn: Callable[[], object], write: int) -> None:
    code = 0
    gc.enable()  # the parent may have paused it for its own layout (render_pdf.Engine)
    try:
        try:
            payload = pickle.dumps((True, fn()), pickle.HIGHEST_PROTOCOL)
        except BaseException as exc:  # everything goes back to the parent, who decides
            try:
                payload = pickle.dumps((False, exc), pickle.HIGHEST_PROTOCOL)
            except Exception:
                payload = pickle.dumps((False, RuntimeError(repr(exc))), pickle.HIGHEST_PROTOCOL)
        with os.fdopen(write, "wb") as pipe:
            pipe.write(payload)
    except BaseException:
        code = 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
