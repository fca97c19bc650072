"""Memory of a process tree, sampled from /proc: what a build and its helpers really occupy.

``ru_maxrss`` (wait4, getrusage) cannot tell this: a child started from a big process is
charged that process's size, since the kernel carries the pre-exec address space's high-water
mark into the child's (fs/exec.c, setmax_mm_hiwater_rss), even for a fresh interpreter that
never used it. Sampling each process's RSS and PSS (a page shared by n processes counts 1/n
in each one's PSS, so the sum of PSS is what the tree holds of the machine's memory) sees
each process as it is. Peaks shorter than the interval can be missed.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field


def descendants(pid: int) -> list[int]:
    """``pid`` and every process below it."""
    found = [pid]
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/children") as handle:
                children = handle.read().split()
        except OSError:
            continue
        for child in children:
            found += descendants(int(child))
    return found


def usage(pid: int) -> tuple[int, int]:
    """(RSS, PSS) of one process in KiB; (0, 0) once it is gone."""
    rss = pss = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup") as handle:
            for line in handle:
                if line.startswith("Rss:"):
                    rss = int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss = int(line.split()[1])
    except OSError:
        pass
    return rss, pss


def private_after(seconds: float) -> float:
    """This process's private memory (MB: pages no other process maps) after ``seconds``;
    run in a child, it shows what the child holds apart from its parent."""
    import time

    time.sleep(seconds)
    private = 0
    with open("/proc/self/smaps_rollup") as handle:
        for line in handle:
            if line.startswith(("Private_Clean:", "Private_Dirty:")):
                private += int(line.split()[1])
    return private / 1024


@dataclass
class TreeMemory:
    """Peaks of a process tree's memory, sampled every ``interval`` seconds in a thread
    between ``start()`` and ``stop()`` (in MB)."""

    pid: int
    interval: float = 0.02
    total_pss: float = 0.0
    """The highest sum of PSS over the tree: the memory the tree held at its peak."""
    root_rss: float = 0.0
    """The root process's highest RSS."""
    other_rss: float = 0.0
    """The highest RSS of any process below the root."""
    root_beside_other: float = 0.0
    """The root's RSS when ``other_rss`` was reached."""
    _stop: threading.Event = field(default_factory=threading.Event, repr=False)
    _thread: threading.Thread | None = field(default=None, repr=False)

    def start(self) -> TreeMemory:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> TreeMemory:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        return self

    def sample(self) -> None:
        sizes = {pid: usage(pid) for pid in descendants(self.pid)}
        root = sizes.pop(self.pid, (0, 0))
        self.root_rss = max(self.root_rss, root[0] / 1024)
        other = max((rss for rss, _ in sizes.values()), default=0) / 1024
        if other > self.other_rss:
            self.other_rss, self.root_beside_other = other, root[0] / 1024
        total = root[1] + sum(pss for _, pss in sizes.values())
        self.total_pss = max(self.total_pss, total / 1024)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)
