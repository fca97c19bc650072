"""Outputs are replaced atomically: an interrupted or killed build never leaves a half-written
file at a final path nor destroys the last good build, and two builds at once do not mix."""

from __future__ import annotations

import io
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pypdf
import pytest

from gazette.output import write_atomic

from .conftest import SAMPLE, copy_project

# Runs `gazette build` in a child process with one instrumentation point, so the test can kill
# it at a known moment: "render" announces the start of the PDF render, "write" stops at the
# first atomic replace (the temporary file is complete, the final one untouched), "tag" marks
# the HTML and the PDF of this process so a mixed pair would show.
DRIVER = r"""
import os, sys, time
from pathlib import Path
import gazette.build as build
import gazette.render_pdf as render_pdf_module
from gazette.cli import main

mode, marker, tag, config, key = sys.argv[1:6]
marker = Path(marker)
if mode == "render":
    original = build.render_pdf
    def render_pdf(*args, **kwargs):
        marker.write_text("render")
        return original(*args, **kwargs)
    build.render_pdf = render_pdf
elif mode == "write":
    real_replace = os.replace
    def replace(src, dst, *args, **kwargs):
        if str(src).endswith(".tmp"):
            marker.write_text(str(dst))
            time.sleep(600)
        return real_replace(src, dst, *args, **kwargs)
    os.replace = replace
elif mode == "tag":
    original_html = build.render_print_html
    build.render_print_html = lambda *a, **k: original_html(*a, **k) + f"<!-- {tag} -->\n"
    render_pdf_module._identifier = lambda issue, config: tag.encode()
main(["build", key, "-c", config])
"""


def start(root: Path, mode: str, tag: str = "") -> tuple[subprocess.Popen, Path]:
    marker = root / f".marker-{mode}-{tag}"
    process = subprocess.Popen(
        [sys.executable, "-c", DRIVER, mode, str(marker), tag, str(root / "config.yaml"), SAMPLE],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return process, marker


def wait_for(marker: Path, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not marker.exists():
        assert process.poll() is None, process.communicate()[0]
        assert time.monotonic() < deadline, "the build never reached the instrumented point"
        time.sleep(0.02)


def kill(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir()
            if p.is_file() and not p.name.startswith(".")}


@pytest.fixture(scope="module")
def project(tmp_path_factory, sample_build):
    """A project whose build/ holds the last good build, with content changed since."""
    root = copy_project(tmp_path_factory.mktemp("atomic"))
    result, _ = sample_build
    shutil.copytree(result.pdf_path.parent, root / "build" / SAMPLE)
    notice = root / "content" / SAMPLE / "02-yinzhenghan-2020-49.md"
    notice.write_text(notice.read_text(encoding="utf-8").replace(
        "title: 银川市人民政府", "title: 修改后的银川市人民政府", 1), encoding="utf-8")
    return root


def test_write_atomic_interrupted_keeps_the_old_file(tmp_path, monkeypatch):
    target = tmp_path / "out.pdf"
    target.write_bytes(b"old good build")
    target.chmod(0o600)

    def interrupted(fd):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(target, b"new" * 100_000)
    assert target.read_bytes() == b"old good build"
    assert [p.name for p in tmp_path.iterdir()] == ["out.pdf"]
    monkeypatch.undo()
    write_atomic(target, "新的")
    assert target.read_text(encoding="utf-8") == "新的" and target.stat().st_mode & 0o777 == 0o600


def test_killed_during_pdf_render_keeps_the_last_build(project):
    out = project / "build" / SAMPLE
    before = snapshot(out)
    assert {"print.html", f"{SAMPLE}.pdf"} <= set(before)
    process, marker = start(project, "render")
    wait_for(marker, process)
    time.sleep(1.0)  # well inside WeasyPrint's layout
    kill(process)
    assert snapshot(out) == before
    assert not list(out.glob(".*.tmp"))


def test_killed_while_writing_keeps_the_last_build(project):
    out = project / "build" / SAMPLE
    before = snapshot(out)
    process, marker = start(project, "write")
    wait_for(marker, process, timeout=120)
    kill(process)
    assert snapshot(out) == before  # nothing half-written at a final path
    target = Path(marker.read_text())
    assert list(target.parent.glob(f".{target.name}.*.tmp")), "killed before the temporary file"


def test_two_builds_at_once_write_one_consistent_result(project):
    """Run after the killed builds: their stale temporary files are cleaned up as well."""
    out = project / "build" / SAMPLE
    builds = [start(project, "tag", tag) for tag in ("build-A", "build-B")]
    for process, _ in builds:
        output, _ = process.communicate(timeout=300)
        assert process.returncode == 0, output
        assert "Traceback" not in output
    html = (out / "print.html").read_text(encoding="utf-8")
    assert "修改后的银川市人民政府" in html
    pdf = pypdf.PdfReader(io.BytesIO((out / f"{SAMPLE}.pdf").read_bytes()))
    assert len(pdf.pages) > 10
    winner = pdf.trailer["/ID"][0]
    assert winner in ("build-A", "build-B")
    assert html.rstrip().endswith(f"<!-- {winner} -->")  # the HTML and PDF of the same build
    assert not list(project.joinpath("build").rglob(".*.tmp"))
