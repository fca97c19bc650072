#!/usr/bin/env python3
"""Benchmark: ``gazette build --all --force`` serially against the process pool.

    .venv/bin/python scripts/bench_all.py [--runs N] [--jobs N] [--scheduler ADDRESS] [--control]

The serial side is ``--jobs 1``: one process builds every issue of every gazette, then each
web edition, one after another, with no worker process. The parallel side is ``--jobs N``
(a process pool; with ``--scheduler``, that Dask cluster). Both are fresh processes that reuse
no earlier build (``--force``); the web-font cuts in build/.cache/webfonts/ stay warm for both,
and the pool orders issues by the times recorded in build/.cache/batch-times.json. Runs are
interleaved pair by pair in alternating order because the machines here are shared and noisy.
The speed-up is the median of wall(serial) / wall(parallel) over the pairs; the per-issue peak
memory is what each task reported (VmHWM of the process that built it, reset per task). "Tasks"
is the sum of the task times the build reported: close to the serial wall time when the pool
adds no overhead; the load average is read before each run, the machine being shared.
With ``--control``, two serial rebuilds are also run at the same time, as two unrelated
processes: 2 × serial ÷ their wall time is what this machine gives two processes right now,
with no pool involved.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ISSUE_LINE = re.compile(r"✓ (\S+)：(\d+) 页，([\d.]+) 秒，内存峰值 (\d+) MB")
BUSY = re.compile(r"耗时合计 ([\d.]+) 秒")


def control() -> float:
    """Wall seconds of two ``--jobs 1`` rebuilds started together."""
    command = [sys.executable, "-m", "gazette", "build", "--all", "--force", "--jobs", "1"]
    started = time.perf_counter()
    processes = [subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL) for _ in range(2)]
    if any(p.wait() != 0 for p in processes):
        sys.exit("bench_all: a control build failed")
    return time.perf_counter() - started


def load() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


def run(args: list[str]) -> tuple[float, float, dict[str, tuple[float, int]]]:
    """Wall seconds, the summed task seconds, and per issue (seconds, peak MB) as the build
    reported them."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "gazette", "build", "--all", "--force", *args],
                          cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"bench_all: build failed ({done.returncode}):\n{done.stderr[-2000:]}")
    issues = {m[1]: (float(m[3]), int(m[4])) for m in ISSUE_LINE.finditer(done.stderr)}
    busy = BUSY.search(done.stdout)
    return wall, float(busy[1]) if busy else float("nan"), issues


def schedule_bound(seconds: list[float], workers: int) -> float:
    """Serial time ÷ makespan when these task times are dispatched longest first to
    ``workers`` workers that never slow each other down: the best the pool could show."""
    loads = [0.0] * workers
    for value in sorted(seconds, reverse=True):
        loads[loads.index(min(loads))] += value
    return sum(seconds) / max(loads) if max(loads) else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=2, help="measured pairs (default 2)")
    parser.add_argument("--jobs", type=int, default=2, help="workers on the parallel side")
    parser.add_argument("--scheduler", default=None, help="Dask scheduler for the parallel side")
    parser.add_argument("--control", action="store_true",
                        help="also time two serial rebuilds run at once (the machine's capacity)")
    options = parser.parse_args()
    parallel = (["--scheduler", options.scheduler] if options.scheduler
                else ["--jobs", str(options.jobs)])
    side = options.scheduler or f"{options.jobs} processes"
    walls: dict[str, list[float]] = {"serial": [], "parallel": []}
    ratios = []
    peaks: dict[str, dict[str, list[int]]] = {"serial": {}, "parallel": {}}
    serial_tasks: list[list[float]] = []
    print(f"bench_all: {os.cpu_count()} CPUs; serial = --jobs 1, parallel = {side}", flush=True)
    for index in range(options.runs):
        order = [("serial", ["--jobs", "1"]), ("parallel", parallel)]
        if index % 2:
            order.reverse()
        pair = {}
        for name, args in order:
            before = load()
            pair[name], busy, issues = run(args)
            walls[name].append(pair[name])
            for address, (_seconds, peak) in issues.items():
                peaks[name].setdefault(address, []).append(peak)
            if name == "serial":
                serial_tasks.append([seconds for seconds, _peak in issues.values()])
            print(f"  run {index + 1}/{options.runs} {name:8}: {pair[name]:6.1f} s wall, "
                  f"tasks {busy:6.1f} s, load before {before}", flush=True)
        ratios.append(pair["serial"] / pair["parallel"])
        print(f"  pair {index + 1}: speed-up ×{ratios[-1]:.2f}", flush=True)
    print(f"summary: build --all --force, serial {statistics.median(walls['serial']):.1f} s, "
          f"{side} {statistics.median(walls['parallel']):.1f} s, "
          f"speed-up ×{statistics.median(ratios):.2f} (median of {options.runs} pairs; "
          f"load now {load()})")
    if options.control:
        before = load()
        both = control()
        print(f"  control: two serial rebuilds at once {both:.1f} s (load before {before}): "
              f"throughput ×{2 * statistics.median(walls['serial']) / both:.2f} of one")
    if not options.scheduler:
        bounds = [schedule_bound(t, options.jobs) for t in serial_tasks]
        print(f"  bound: the serial runs' issue times, longest first on {options.jobs} workers "
              f"that never slow each other: ×{statistics.median(bounds):.2f} (issues only)")
    for address in sorted(peaks["serial"].keys() | peaks["parallel"].keys()):
        serial, pooled = peaks["serial"].get(address, [0]), peaks["parallel"].get(address, [0])
        print(f"  peak RSS {address}: serial {max(serial)} MB, parallel {max(pooled)} MB")


if __name__ == "__main__":
    main()
