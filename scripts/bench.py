#!/usr/bin/env python3
"""Benchmark: the full ``gazette build`` of an issue against WeasyPrint alone on the same HTML,
a rebuild with nothing changed, a rebuild after editing one notice, and peak memory of big issues.

    .venv/bin/python scripts/bench.py [--runs N] [--issue KEY] [--sizes 70,400,1200]

Everything runs in a scratch copy of the project (config.yaml, layouts/, the issue; fonts/
linked), so build/ of the real project is not touched. Before each "full build" the scratch
project's build cache (build/.cache/builds/) is deleted, so the build really lays out the
issue; the "no-op rebuild" is the same command again with nothing changed, and the "one-notice
edit" rebuild appends a sentence to one notice first. For the memory figures the scratch
project gets issues made of the bundled notices repeated (doc numbers and orders renumbered)
until they reach about the requested page counts.

Both sides run as fresh processes (what an editor waits for), interleaved pair by pair and in
alternating order, because the machines here are shared and noisy. For every pair the ratio
full/weasyprint is computed; the report gives medians. The ratio is gazette's overhead over
the typesetting engine (target ≤ 1.10).

- full build: ``.venv/bin/gazette build KEY`` (config, Markdown, templates, title balancing,
  WeasyPrint, writing the files).
- weasyprint alone: a tiny script that renders the build's own ``build/KEY/print.html`` with
  ``HTML(string=..., base_url=content/KEY/, url_fetcher=<same project-confined fetcher>)
  .render(font_config=FontConfiguration()).write_pdf(<same options>)``, with gazette's CJK
  justification installed (it is part of layout: ``install_cjk_justification()``, and
  ``justify_document(document)`` after ``render()`` when gazette.typography has it, as
  gazette.render_pdf does; the FontConfiguration carries the issue's
  ``page.punctuation_squeeze`` as render_pdf's does). ``gazette/typography.py`` is loaded on its own, so none of
  gazette's other imports are counted on this side. The PDF is written as the same tagged
  PDF/A-3a (``pdf_variant``) as the build's, since the structure tree is WeasyPrint's work on
  the same HTML; only the attached sources and manifest are left out.

Memory is sampled from /proc every 50 ms (tests/procmem.py): "MB" is the build process's own
peak RSS, "tree MB" the peak of the summed PSS of the build and every process it started (the
web edition rendered alongside, web-font cutters), i.e. what the build held of the machine's
memory. ``ru_maxrss`` from ``wait4`` is not used: it charges a child started from a big process
with that process's size. CPU is the child's user+sys time (with its children), less disturbed
than wall time by other load on a shared machine. Only the standard library, the project's own
dependencies and tests/procmem.py are used.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = 1.10
sys.path.insert(0, str(ROOT))

from tests.procmem import TreeMemory  # noqa: E402

# The WeasyPrint-only child. argv[1] is a JSON job; prints one JSON line with timings.
WEASYPRINT_CHILD = r'''
import json, sys, time
t0 = time.perf_counter()
job = json.loads(sys.argv[1])
import importlib.util, logging, warnings
from pathlib import Path
from urllib.parse import unquote, urlparse

fallback = []
class Capture(logging.Handler):
    def emit(self, record):
        message = record.getMessage()
        if "fontTools instead of HarfBuzz" in message or "with HarfBuzz" in message:
            fallback.append(message)

with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always", DeprecationWarning)
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration
    from weasyprint.text import ffi
    from weasyprint.urls import URLFetcher
hb_warning = [str(w.message) for w in caught if "HarfBuzz-Subset" in str(w.message)]

# gazette's justification patch, without importing the rest of the package.
try:
    spec = importlib.util.spec_from_file_location("_gazette_typography", job["typography"])
    typography = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(typography)
    patch_source = "gazette/typography.py (standalone)"
except ImportError:
    sys.path.insert(0, job["root"])
    import gazette.typography as typography
    patch_source = "gazette.typography (package import)"
typography.install_cjk_justification()

allowed = tuple(Path(p) for p in job["allowed"])

class ProjectFetcher(URLFetcher):  # same rule as gazette.render_pdf._project_fetcher
    def fetch(self, url, headers=None):
        parsed = urlparse(url)
        if parsed.scheme == "file":
            path = Path(unquote(parsed.path)).resolve()
            if any(path.is_relative_to(root) for root in allowed) and path.is_file():
                return super().fetch(url, headers)
        raise PermissionError(f"gazette refuses {url}")

logger = logging.getLogger("weasyprint")
logger.addHandler(Capture(logging.WARNING))
html = Path(job["html"]).read_text(encoding="utf-8")
t1 = time.perf_counter()
fonts = FontConfiguration()
fonts.gazette_squeeze = job["squeeze"]  # page.punctuation_squeeze, as render_pdf sets it
document = HTML(string=html, base_url=job["base_url"],
                url_fetcher=ProjectFetcher(allowed_protocols=("file",))).render(
    font_config=fonts)
if hasattr(typography, "justify_document"):  # post-layout CJK justification, as render_pdf
    typography.justify_document(document)
    patch_source += " + justify_document"
t2 = time.perf_counter()
pdf = document.write_pdf(pdf_identifier=job["identifier"].encode(), pdf_variant=job["variant"],
                         custom_metadata=True)
t3 = time.perf_counter()
Path(job["out"]).write_bytes(pdf)
try:  # weasyprint's cffi does not declare hb_version_string
    import ctypes, ctypes.util
    lib = ctypes.CDLL(ctypes.util.find_library("harfbuzz") or "libharfbuzz.so.0")
    lib.hb_version_string.restype = ctypes.c_char_p
    hb_version = lib.hb_version_string().decode()
except (OSError, AttributeError):
    hb_version = "version unknown"
hb_ok = ffi.harfbuzz_subset is not None and bool(ffi.harfbuzz.hb_version_atleast(4, 1, 0))
print(json.dumps({
    "pages": len(document.pages), "import_s": t1 - t0, "render_s": t2 - t1,
    "write_s": t3 - t2, "patch": patch_source,
    "harfbuzz": hb_version,
    "hb_subset_lib": ffi.harfbuzz_subset is not None, "hb_subset_used": hb_ok and not fallback,
    "fallback_messages": fallback[:3], "deprecation": hb_warning[:1],
}))
'''


def run_child(argv: list[str], cwd: Path = ROOT) -> dict:
    """Run argv as a fresh process; wall time, CPU time, its peak RSS and its tree's peak PSS."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        # Python caches compiled modules as an installed tool's user has them; a machine
        # that sets PYTHONDONTWRITEBYTECODE would compile gazette anew in every child.
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        proc = subprocess.Popen(argv, cwd=cwd, stdout=out, stderr=err, env=env,
                                stdin=subprocess.DEVNULL)
        memory = TreeMemory(proc.pid, interval=0.05).start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        memory.stop()
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        stderr = err.read().decode("utf-8", "replace")
    if proc.returncode != 0:
        command = " ".join(a[:40] for a in argv[:2])
        sys.exit(f"bench: {command} … failed (exit {proc.returncode}):\n{stdout}{stderr}")
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "rss_mb": memory.root_rss,
            "tree_mb": memory.total_pss, "stdout": stdout, "stderr": stderr}


def executables() -> tuple[str, str]:
    """The venv's python and gazette (this interpreter's, else the project's .venv)."""
    for bindir in (Path(sys.executable).parent, ROOT / ".venv" / "bin"):
        if (bindir / "gazette").exists():
            return str(bindir / "python"), str(bindir / "gazette")
    sys.exit("bench: gazette is not installed; run scripts/setup.sh first")


def job_for(python: str, key: str, root: Path) -> tuple[str, dict]:
    """weasyprint_job computed in a child: a child's peak RSS starts from its parent's RSS at
    fork (Linux carries the high-water mark across exec), so this process imports nothing of
    gazette's and stays small, or it would set a floor under every figure (it was 104 MB)."""
    code = ("import json, sys; from pathlib import Path; sys.path.insert(0, sys.argv[1]); "
            "import bench; print(json.dumps(bench.weasyprint_job(sys.argv[2], Path(sys.argv[3]))))")
    result = run_child([python, "-c", code, str(Path(__file__).resolve().parent), key, str(root)])
    found, job = json.loads(result["stdout"].strip().splitlines()[-1])
    return found, job


def weasyprint_job(key: str | None, root: Path = ROOT) -> tuple[str, dict]:
    """The issue key and what the WeasyPrint child needs, as gazette.render_pdf computes it."""
    sys.path.insert(0, str(ROOT))
    from gazette.archive import PDF_VARIANT
    from gazette.config import load_project
    from gazette.content import resolve_issue
    from gazette.diagnostics import Diagnostics, GazetteError
    from gazette.issue import load_issue

    try:
        config, issue_dir = resolve_issue(load_project(root / "config.yaml"), key)
    except GazetteError as exc:
        sys.exit(f"bench: {exc.diagnostic.format()}")
    key = config.issue_address(issue_dir.name)
    issue = load_issue(config, issue_dir, Diagnostics())
    printed = config.with_layout(dict(issue.meta.layout)) if issue is not None else config
    return key, {
        "squeeze": printed.page.punctuation_squeeze,
        "root": str(ROOT),
        "typography": str(ROOT / "gazette" / "typography.py"),
        "html": str(config.output_dir / issue_dir.name / "print.html"),
        "base_url": str(issue_dir.resolve()) + "/",
        "allowed": [str(p.resolve()) for p in
                    (config.layouts_dir, config.fonts_dir, config.content_dir)],
        "identifier": f"{config.name}-{key}",  # render_pdf._identifier
        "variant": PDF_VARIANT,  # tagged PDF/A-3a, as the build writes: tagging is WeasyPrint's work
    }


def scratch_project(dest: Path, key: str, copies: int = 1) -> Path:
    """A copy of the project holding only issue ``key`` (gazette/issue), its notices repeated
    ``copies`` times: copy k renumbers 文号 (N → N + 1000·k) and orders (+ 100·k), and leaves
    out notices without a 文号 (their permalinks would collide). With copies, printed_page
    is dropped everywhere: a made-up issue has no printed original to follow."""
    dest.mkdir(parents=True)
    shutil.copy(ROOT / "config.yaml", dest / "config.yaml")
    shutil.copytree(ROOT / "layouts", dest / "layouts")
    (dest / "fonts").symlink_to(ROOT / "fonts")
    source = ROOT / "content" / key
    target = dest / "content" / key
    shutil.copytree(source, target)
    if copies > 1:
        for notice in target.glob("*.md"):
            text = notice.read_text(encoding="utf-8")
            notice.write_text(re.sub(r"^printed_page: .*\n?", "", text, count=1, flags=re.M),
                              encoding="utf-8")
    for copy in range(1, copies):
        for notice in sorted(source.glob("*.md")):
            text = notice.read_text(encoding="utf-8")
            head, sep, body = text.partition("\n---\n")
            if not re.search(r"^doc_number:", head, re.M):
                continue
            head = re.sub(r"^(doc_number: .*〕)(\d+)号", lambda m: f"{m[1]}{int(m[2]) + 1000 * copy}号",
                          head, flags=re.M)
            head = re.sub(r"^order: (\d+)", lambda m: f"order: {int(m[1]) + 100 * copy}", head,
                          flags=re.M)
            head = re.sub(r"^printed_page: .*\n?", "", head, flags=re.M)
            (target / f"c{copy:02d}-{notice.name}").write_text(head + sep + body, encoding="utf-8")
    return dest


def clear_cache(project: Path) -> None:
    shutil.rmtree(project / "build" / ".cache" / "builds", ignore_errors=True)


def full_build(gazette: str, key: str, project: Path = ROOT) -> dict:
    result = run_child([gazette, "build", key], cwd=project)
    match = re.search(r"(\d+)\s*页", result["stdout"])
    result["pages"] = int(match.group(1)) if match else None
    result["fallback"] = "fontTools instead of HarfBuzz" in result["stderr"] + result["stdout"]
    seconds = re.search(r"（([\d.]+) 秒", result["stdout"])
    result["inside"] = float(seconds.group(1)) if seconds else None
    result["reused"] = "沿用上次的结果" in result["stdout"]
    parts = re.search(r"分 (\d+) 部分排版", result["stdout"])
    result["parts"] = int(parts.group(1)) if parts else None
    return result


def weasyprint_alone(python: str, job: dict) -> dict:
    result = run_child([python, "-c", WEASYPRINT_CHILD, json.dumps(job)])
    result.update(json.loads(result["stdout"].strip().splitlines()[-1]))
    return result


def edit_notice(issue_dir: Path, number: int) -> None:
    """Append a sentence to the first paragraph of the issue's first notice with a 文号."""
    notice = next(p for p in sorted(issue_dir.glob("*.md"))
                  if "doc_number:" in p.read_text(encoding="utf-8"))
    text = notice.read_text(encoding="utf-8")
    head, sep, body = text.partition("\n---\n\n")
    first, rest = body.split("\n", 1)
    notice.write_text(f"{head}{sep}{first}基准测试第{number}次修改。\n{rest}", encoding="utf-8")


def memory(python: str, gazette: str, key: str, sizes: list[int], tmp: Path,
           engine_up_to: int) -> list[dict]:
    """Peak RSS of a full build (and, up to ``engine_up_to`` pages, of WeasyPrint alone on its
    print.html, the whole issue in one layout) per issue size."""
    rows = []
    one = full_build(gazette, key, scratch_project(tmp / "size-one", key))["pages"]
    shutil.rmtree(tmp / "size-one", ignore_errors=True)
    print(f"memory: {key} ({one} pages) repeated to about {sizes} pages", flush=True)
    for size in sizes:
        copies = max(1, round(size / one))
        project = scratch_project(tmp / f"size-{size}-{key.replace('/', '-')}", key, copies)
        build = full_build(gazette, key, project)
        engine = None
        if size <= engine_up_to:
            _, job = job_for(python, key, project)
            job["out"] = str(tmp / f"size-{size}.pdf")
            engine = weasyprint_alone(python, job)
        rows.append({"size": size, "pages": build["pages"], "build": build, "engine": engine,
                     "issue": key, "parts": build["parts"]})
        alone = (f"; weasyprint alone {engine['wall']:.1f} s {engine['rss_mb']:.0f} MB"
                 if engine else "")
        print(f"  ~{size} pages: {build['pages']} pages, full build {build['wall']:.1f} s "
              f"({build['cpu']:.1f} s CPU) {build['rss_mb']:.0f} MB, tree "
              f"{build['tree_mb']:.0f} MB{alone}", flush=True)
        shutil.rmtree(project, ignore_errors=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="measured pairs (default 5)")
    parser.add_argument("--issue", default="yinchuan/2020-07", help="issue (default yinchuan/2020-07)")
    parser.add_argument("--sizes", default="70,400,1200",
                        help="approximate page counts for the memory rows ('' to skip)")
    parser.add_argument("--parts-issue", default="dawukou/2021-08",
                        help="a second issue for the memory rows, of a gazette whose notices "
                             "each start a new page, so big copies are laid out in parts "
                             "(gazette.parts; default dawukou/2021-08, '' to skip)")
    parser.add_argument("--engine-up-to", type=int, default=400,
                        help="measure WeasyPrint alone for memory rows up to this size (default 400)")
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    sizes = [int(x) for x in args.sizes.split(",") if x.strip()]

    python, gazette = executables()
    with tempfile.TemporaryDirectory(prefix="gazette-bench-") as tmp:
        project = scratch_project(Path(tmp) / "project", args.issue)
        key, job = job_for(python, args.issue, project)
        issue_dir = project / "content" / args.issue
        job["out"] = str(Path(tmp) / "weasyprint.pdf")
        print(f"bench: issue {key}, {args.runs} interleaved pairs (+1 warm-up), "
              f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs", flush=True)
        # Warm-up (not counted): writes print.html, fills jieba's and the OS's caches.
        full_build(gazette, key, project)
        weasyprint_alone(python, job)
        builds, engines, noops, edits = [], [], [], []
        for run in range(args.runs):
            order = ("build", "wp") if run % 2 == 0 else ("wp", "build")
            for side in order:
                if side == "build":
                    clear_cache(project)
                    builds.append(full_build(gazette, key, project))
                else:
                    engines.append(weasyprint_alone(python, job))
            noops.append(full_build(gazette, key, project))
            edit_notice(issue_dir, run + 1)
            edits.append(full_build(gazette, key, project))
            print(f"  pair {run + 1}/{args.runs}: full {builds[-1]['wall']:.2f} s, "
                  f"weasyprint {engines[-1]['wall']:.2f} s, "
                  f"ratio {builds[-1]['wall'] / engines[-1]['wall']:.2f}; "
                  f"no-op {noops[-1]['wall']:.2f} s ({noops[-1]['inside']} s inside), "
                  f"one-notice edit {edits[-1]['wall']:.2f} s", flush=True)
        if not all(n["reused"] for n in noops):
            print("WARNING: a no-op rebuild did not reuse the previous outputs")
        rows = []
        for memory_issue in filter(None, (args.issue, args.parts_issue)):
            if sizes:
                rows += memory(python, gazette, memory_issue, sizes, Path(tmp),
                               args.engine_up_to)
    report(key, builds, engines, noops, edits, rows)


def report(key: str, builds: list[dict], engines: list[dict], noops: list[dict],
           edits: list[dict], rows: list[dict]) -> None:
    med = statistics.median
    ratios = [b["wall"] / e["wall"] for b, e in zip(builds, engines, strict=True)]
    cpu_ratios = [b["cpu"] / e["cpu"] for b, e in zip(builds, engines, strict=True)]
    pages = builds[-1]["pages"] or engines[-1]["pages"]

    def row(name: str, runs: list[dict]) -> str:
        walls = [r["wall"] for r in runs]
        return (f"{name:<20}{med(walls):>9.2f}{min(walls):>9.2f}{max(walls):>9.2f}"
                f"{med(r['cpu'] for r in runs):>9.2f}{pages / med(walls):>9.1f}"
                f"{med(r['rss_mb'] for r in runs):>12.0f}")

    print()
    print(f"{'':<20}{'wall s':>9}{'min':>9}{'max':>9}{'cpu s':>9}{'pages/s':>9}{'peak RSS MB':>12}")
    print(row(f"full build ({pages} p)", builds))
    print(row("weasyprint alone", engines))
    print(row("no-op rebuild", noops))
    print(row("one-notice edit", edits))
    print(f"{'overhead full/wp':<20}{med(ratios):>9.2f}{min(ratios):>9.2f}{max(ratios):>9.2f}"
          f"{med(cpu_ratios):>9.2f}{'':>9}"
          f"{med(b['rss_mb'] / e['rss_mb'] for b, e in zip(builds, engines)):>12.2f}")
    print("  (overhead row: per-pair ratios — median, min, max of wall; median of CPU and RSS)")

    e = engines[-1]
    print(f"weasyprint alone, median phases: "
          f"imports+setup {med(r['import_s'] for r in engines):.2f} s, "
          f"layout {med(r['render_s'] for r in engines):.2f} s, "
          f"PDF {med(r['write_s'] for r in engines):.2f} s; patch from {e['patch']}")
    if e["hb_subset_used"] and not any(b["fallback"] for b in builds):
        subsetter = f"HarfBuzz-Subset (libharfbuzz-subset0, HarfBuzz {e['harfbuzz']})"
    elif not e["hb_subset_lib"]:
        subsetter = ("fontTools FALLBACK — libharfbuzz-subset0 not found "
                     f"({(e['deprecation'] or ['no warning'])[0]}); "
                     "install it (scripts/setup.sh): subsetting takes seconds instead of ~0.1 s")
    else:
        subsetter = (f"fontTools FALLBACK — HarfBuzz {e['harfbuzz']} too old or subsetting "
                     f"failed: {(e['fallback_messages'] or ['?'])[0]}")
    print(f"font subsetter: {subsetter}")
    if builds[-1]["pages"] and builds[-1]["pages"] != e["pages"]:
        print(f"WARNING: page counts differ: build {builds[-1]['pages']}, weasyprint {e['pages']}")

    overhead = med(ratios)
    verdict = "OK" if overhead <= TARGET else "ABOVE TARGET"
    full_s, engine_s = med(r["wall"] for r in builds), med(r["wall"] for r in engines)
    print(f"summary: {key} full build {full_s:.2f} s ({pages / full_s:.1f} pages/s) vs "
          f"weasyprint alone {engine_s:.2f} s: overhead ×{overhead:.2f} wall, "
          f"×{med(cpu_ratios):.2f} CPU (target ≤ {TARGET:.2f}) {verdict}; peak RSS "
          f"{med(r['rss_mb'] for r in builds):.0f} MB vs "
          f"{med(r['rss_mb'] for r in engines):.0f} MB")
    inside = [r["inside"] for r in noops if r["inside"] is not None]
    print(f"no-op rebuild: {med(r['wall'] for r in noops):.2f} s per process "
          f"({med(inside) if inside else float('nan'):.2f} s as the command reports it, answered "
          f"by gazette.quick; the rest is Python start-up); one-notice edit: "
          f"{med(r['wall'] for r in edits):.2f} s")
    if rows:
        print()
        print(f"{'issue':<18}{'pages':>7}{'parts':>6}{'build s':>9}{'cpu s':>8}{'build MB':>10}"
              f"{'tree MB':>9}{'wp s':>8}{'wp MB':>8}")
        for r in rows:
            b, e = r["build"], r["engine"]
            alone = f"{e['wall']:>8.1f}{e['rss_mb']:>8.0f}" if e else f"{'-':>8}{'-':>8}"
            print(f"{r['issue']:<18}{r['pages'] or 0:>7}{r['parts'] or 1:>6}{b['wall']:>9.1f}"
                  f"{b['cpu']:>8.1f}{b['rss_mb']:>10.0f}{b['tree_mb']:>9.0f}{alone}")
        print("  (fresh projects: web fonts cut cold. parts: the PDF laid out in that many "
              "parts, gazette.parts; build MB: the build process's peak RSS; tree MB: peak of "
              "the summed PSS of the build and the processes it started; wp: WeasyPrint alone "
              "on the whole issue's print.html in one layout)")


if __name__ == "__main__":
    main()
