"""Work done in another process while this one goes on: the web edition is rendered on the
second core while the print PDF is written (they share nothing but their inputs).

``Background(fn)`` forks; the child runs ``fn()`` and sends back its result, or the exception
it raised, pickled through a pipe. ``Fresh(fn)`` runs a picklable ``fn`` in a new interpreter
instead, which holds none of this process's pages. ``result()`` waits for it and returns it or
raises the exception here, as if ``fn()`` had run in this process. Where there is no second
CPU (or no fork), ``fn()`` simply runs inside ``result()``.
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
        return _unpack(data, status)

    def cancel(self) -> None:
        """Stop waiting for a result no longer wanted (nothing to do once it was taken)."""
        self._fn = None
        if self._pid:
            os.close(self._read)  # the child's write fails and it exits
            os.waitpid(self._pid, 0)
            self._pid = 0


class Fresh(Generic[T]):
    """``fn()`` in a new interpreter (``python -m gazette.background``): ``fn`` goes to it
    pickled on its stdin, its result or exception comes back pickled on its stdout.

    A fork shares this process's memory page by page and copies each page either side
    writes: forked beside the writing of a PDF, which touches every box of the layout, a
    child ends up holding a second copy of it (150-200 MB for a 99-page issue). A new
    interpreter holds only what it makes. ``fn`` must be picklable: a module-level function,
    or a functools.partial of one."""

    def __init__(self, fn: Callable[[], T]) -> None:
        import subprocess
        import threading

        self._fn: Callable[[], T] | None = fn
        self._process: subprocess.Popen | None = None
        if (os.cpu_count() or 1) <= 1:
            return
        package_root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, (package_root, env.get("PYTHONPATH"))))
        payload = pickle.dumps(fn, pickle.HIGHEST_PROTOCOL)
        try:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "gazette.background"], env=env,
                stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        except OSError:
            return
        self._fn = None

        def feed(stdin=self._process.stdin) -> None:
            try:
                with stdin:
                    stdin.write(payload)
            except OSError:  # the child is gone; result() says so
                pass

        # The payload is bigger than a pipe: written by a thread, this process goes on.
        threading.Thread(target=feed, daemon=True).start()

    def busy(self) -> bool:
        """Whether the result is still to come (the child at work, or ``fn`` not yet run
        here)."""
        if self._process is None:
            return self._fn is not None
        import select

        return not select.select([self._process.stdout], [], [], 0)[0]

    def result(self) -> T:
        if self._fn is not None:
            fn, self._fn = self._fn, None
            return fn()
        process, self._process = self._process, None
        if process is None:
            raise RuntimeError("the result was taken already")
        with process.stdout:
            data = process.stdout.read()
        return _unpack(data, process.wait())

    def cancel(self) -> None:
        """Stop the child if its result is no longer wanted."""
        self._fn = None
        process, self._process = self._process, None
        if process is not None:
            process.kill()
            process.wait()
            process.stdout.close()


def _answer(fn: Callable[[], object]) -> bytes:
    """``fn()``'s result, or the exception it raised, pickled for the parent."""
    try:
        return pickle.dumps((True, fn()), pickle.HIGHEST_PROTOCOL)
    except BaseException as exc:  # everything goes back to the parent, who decides
        try:
            return pickle.dumps((False, exc), pickle.HIGHEST_PROTOCOL)
        except Exception:
            return pickle.dumps((False, RuntimeError(repr(exc))), pickle.HIGHEST_PROTOCOL)


def _unpack(data: bytes, status: int):
    """The child's result, or its exception raised here."""
    if not data:
        raise RuntimeError(f"background process ended without a result (status {status})")
    ok, value = pickle.loads(data)
    if ok:
        return value
    raise value


def _run_fresh() -> None:
    """``python -m gazette.background``: run the pickled call on stdin, answer on stdout."""
    answer = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # whatever the call prints goes to stderr, not into the answer
    fn = pickle.loads(sys.stdin.buffer.read())
    with answer:
        answer.write(_answer(fn))


def _run_child(fn: Callable[[], object], write: int) -> None:
    code = 0
    gc.enable()  # the parent may have paused it for its own layout (render_pdf.Engine)
    try:
        payload = _answer(fn)
        with os.fdopen(write, "wb") as pipe:
            pipe.write(payload)
    except BaseException:
        code = 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


if __name__ == "__main__":
    _run_fresh()
