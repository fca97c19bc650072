#!/usr/bin/env python3
"""Benchmark: ``gazette build --all --force`` on one worker against N workers.

    .venv/bin/python scripts/bench_all.py [--runs N] [--jobs N] [--scheduler ADDRESS]

Both sides are fresh processes rebuilding every issue of every gazette (``--force``, so nothing
is skipped), interleaved run by run in alternating order because the machines here are shared
and noisy. The speed-up is the median of wall(1 worker) / wall(N workers) over the pairs; the
per-issue peak memory is what each task reported (the worker's VmHWM, reset per task). CPU is
user+sys of the build and every worker it reaped, to tell contention from overhead.
With ``--scheduler`` the N-worker side runs on that Dask cluster instead of the process pool.
"""

from __future__ import annotations

import argparse
import re
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ISSUE_LINE = re.compile(r"✓ (\S+)：(\d+) 页，([\d.]+) 秒，内存峰值 (\d+) MB")


def run(args: list[str]) -> tuple[float, float, dict[str, tuple[float, int]]]:
    """Wall seconds, CPU seconds of the build and all its workers, and per issue
    (seconds, peak MB) as the build reported them."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "gazette", "build", "--all", "--force", *args],
                          cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    if done.returncode != 0:
        sys.exit(f"bench_all: build failed ({done.returncode}):\n{done.stderr[-2000:]}")
    issues = {m[1]: (float(m[3]), int(m[4])) for m in ISSUE_LINE.finditer(done.stderr)}
    return wall, cpu, issues


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=2, help="measured pairs (default 2)")
    parser.add_argument("--jobs", type=int, default=2, help="workers on the parallel side")
    parser.add_argument("--scheduler", default=None, help="Dask scheduler for the parallel side")
    options = parser.parse_args()
    parallel = (["--scheduler", options.scheduler] if options.scheduler
                else ["--jobs", str(options.jobs)])
    serial_walls, parallel_walls, ratios = [], [], []
    peaks: dict[str, list[int]] = {}
    for index in range(options.runs):
        order = [("serial", ["--jobs", "1"]), ("parallel", parallel)]
        if index % 2:
            order.reverse()
        walls, cpus = {}, {}
        for name, args in order:
            walls[name], cpus[name], issues = run(args)
            for address, (_seconds, peak) in issues.items():
                peaks.setdefault(address, []).append(peak)
        serial_walls.append(walls["serial"])
        parallel_walls.append(walls["parallel"])
        ratios.append(walls["serial"] / walls["parallel"])
        print(f"  pair {index + 1}/{options.runs}: 1 worker {walls['serial']:.1f} s "
              f"(CPU {cpus['serial']:.1f} s), parallel {walls['parallel']:.1f} s "
              f"(CPU {cpus['parallel']:.1f} s), speed-up ×{ratios[-1]:.2f}", flush=True)
    side = options.scheduler or f"{options.jobs} processes"
    print(f"summary: build --all --force, 1 worker {statistics.median(serial_walls):.1f} s, "
          f"{side} {statistics.median(parallel_walls):.1f} s, "
          f"speed-up ×{statistics.median(ratios):.2f} (median of {options.runs})")
    for address, values in sorted(peaks.items()):
        print(f"  peak memory {address}: {max(values)} MB")


if __name__ == "__main__":
    main()
