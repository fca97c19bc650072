"""Outputs are published transactionally: a build killed at any step, a full disk or an
unwritable output folder leaves every file a reader sees exactly as it was (or, once the
switch is made, exactly as the new build made it), and two builds at once do not mix."""

from __future__ import annotations

import io
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pypdf
import pytest

from gazette.output import (CURRENT, GENERATIONS, OutputError, Publication, scratch_folder,
                            write_atomic)

from .conftest import ROOT, SAMPLE, copy_project

# Runs `gazette build` in a child process with fault injection in the publication step: every
# file-system call of gazette.output while committing is a numbered step, and the child kills
# itself with SIGKILL just before step N (or raises ENOSPC at the N-th file created). "replay" stands in for the 15-second
# WeasyPrint layout with the PDF and page places of a real build of the same issue (the layout
# is not what is under test here; the site, print.html and the publication are all real).
# "count" records how many steps an uninterrupted publication takes; "tag" marks the HTML and
# the PDF of this process so a mixed pair would show.
DRIVER = r"""
import errno, json, os, shutil, signal, sys, time
from pathlib import Path
import gazette.output as output
import gazette.render_pdf as render_pdf_module
from gazette.render_pdf import PagePlace
from gazette.cli import main

mode, arg, tag, config, key, replay = sys.argv[1:7]
if replay != "-":
    recorded = Path(replay)
    recorded_places = {k: PagePlace(*v)
                       for k, v in json.loads((recorded / "pages.json").read_text()).items()}
    pdf = (recorded / f"{key}.pdf").read_bytes() + f"\n%{tag}\n".encode()
    def render_pdf(html, config, issue, diags, font_config=None, places=None, attach=None,
                   refit=None, fitter=None):
        places.update(recorded_places)
        if attach is not None:
            attach(recorded_places)
        return pdf, 71
    render_pdf_module.render_pdf = render_pdf

steps = {"active": False, "count": 0, "switch": 0, "writes": 0}
def instrument(module, name):
    real = getattr(module, name)
    def step(*args, **kwargs):
        if steps["active"]:
            steps["count"] += 1
            if name == "replace" and Path(args[1]).name == ".current":
                steps["switch"] = steps["count"]
            if mode == "kill" and steps["count"] == int(arg):
                os.kill(os.getpid(), signal.SIGKILL)
            if name in ("open", "link"):
                steps["writes"] += 1
                if mode == "enospc" and steps["writes"] == int(arg):
                    raise OSError(errno.ENOSPC, "No space left on device",
                                  str(args[1] if name == "link" else args[0]))
        return real(*args, **kwargs)
    setattr(module, name, step)
for name in ("open", "link", "symlink", "replace", "rename", "mkdir", "fsync", "unlink"):
    instrument(os, name)
instrument(shutil, "rmtree")
commit = output.Publication.commit
def counted(self):
    steps["active"] = True
    try:
        return commit(self)
    finally:
        steps["active"] = False
        if mode == "count":
            Path(arg).write_text(f"{steps['count']} {steps['switch']}")
output.Publication.commit = counted
if mode == "layout-marker":
    original_print_html = render_pdf_module.render_print_html
    def render_print_html(*args, **kwargs):
        print("LAYOUT STARTED", flush=True)
        return original_print_html(*args, **kwargs)
    render_pdf_module.render_print_html = render_print_html
if mode == "tag":
    original_html = render_pdf_module.render_print_html
    render_pdf_module.render_print_html = lambda *a, **k: original_html(*a, **k) + f"<!-- {tag} -->\n"
    render_pdf_module._identifier = lambda issue, config: tag.encode()
main(["build", key, "-c", config])
"""


def start(root: Path, mode: str, arg: str = "-", tag: str = "", replay: Path | None = None,
          prefix: list[str] | None = None) -> subprocess.Popen:
    return subprocess.Popen(
        [*(prefix or []), sys.executable, "-c", DRIVER, mode, arg, tag,
         str(root / "config.yaml"), SAMPLE, str(replay or "-")],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)})


def published(build: Path) -> dict[str, bytes]:
    """Every file a reader of build/ sees (through the published links), by path."""
    files = {}
    for entry in sorted(build.iterdir()):
        if entry.name.startswith("."):
            continue
        for path in sorted(entry.rglob("*")):
            if path.is_file() and not path.name.startswith("."):
                files[path.relative_to(build).as_posix()] = path.read_bytes()
    return files


def edit_title(root: Path, new: str) -> None:
    notice = root / "content" / SAMPLE / "02-yinzhenghan-2020-49.md"
    text = notice.read_text(encoding="utf-8")
    notice.write_text(text.replace("title: 银川市人民政府", f"title: {new}银川市人民政府", 1),
                      encoding="utf-8")


@pytest.fixture(scope="module")
def recorded(sample_build) -> Path:
    """The real build/<issue>/ of the session's sample build (PDF, pages.json)."""
    result, _ = sample_build
    return result.pdf_path.parent


@pytest.fixture
def project(tmp_path, recorded):
    """A project whose build/ holds the last good build, with content changed since."""
    root = copy_project(tmp_path / "p")
    shutil.copytree(recorded.parent, root / "build", symlinks=True)
    edit_title(root, "修改后的")
    return root


def test_scratch_folders_go_with_their_build_or_with_the_next(tmp_path):
    """A build's scratch folder (the parts of a big issue) is removed when it ends; one a
    killed build left behind is removed by the next build, one a running build uses is not."""
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    scratch = tmp_path / "build" / ".cache" / "tmp"
    killed = scratch / f"parts-{gone}-x1"
    running = scratch / f"parts-{os.getppid()}-x2"
    for folder in (killed, running):
        folder.mkdir(parents=True)
        (folder / "part-0000.pdf").write_bytes(b"%PDF")
    with scratch_folder(tmp_path / "build", "parts") as folder:
        (folder / "joined.pdf").write_bytes(b"%PDF")
        assert sorted(scratch.iterdir()) == sorted([folder, running])
    assert list(scratch.iterdir()) == [running]


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


def test_publication_switches_generations_and_keeps_what_it_did_not_build(tmp_path):
    build = tmp_path / "build"
    first = Publication(build)
    first.put("2020-07", {"a.pdf": b"old pdf", "print.html": b"old"})
    first.put("site", {"index.html": b"old index", "2020/7/index.html": b"old issue"})
    first.commit()
    second = Publication(build)
    second.put("2020-08", {"b.pdf": b"new pdf"})
    second.put("site", {"index.html": b"new index"})
    generation = second.commit()
    assert published(build) == {"2020-07/a.pdf": b"old pdf", "2020-07/print.html": b"old",
                                "2020-08/b.pdf": b"new pdf", "site/index.html": b"new index"}
    assert os.readlink(build / CURRENT) == f"{GENERATIONS}/{generation.name}"
    assert {p.name: os.readlink(p) for p in build.iterdir() if p.is_symlink()} == {
        CURRENT: f"{GENERATIONS}/{generation.name}", "2020-07": f"{CURRENT}/2020-07",
        "2020-08": f"{CURRENT}/2020-08", "site": f"{CURRENT}/site"}
    carried = generation / "2020-07" / "a.pdf"
    assert carried.stat().st_nlink == 2  # a hard link into the previous generation, not a copy
    for _ in range(3):
        Publication(build).commit()
    assert len(list((build / GENERATIONS).iterdir())) == 2  # the current and the previous one
    assert published(build)["2020-07/a.pdf"] == b"old pdf"
    assert not (build / "site" / ".lock").exists() and (build / ".lock").exists()


@pytest.mark.parametrize("folder, files, message", [
    ("site", {"../../outside.html": b"x"}, "不能是“..”"),
    ("site", {"2020/7/..\\..\\x": b"x"}, "不能含有“/”或“\\”"),
    ("site", {"2020/7/./index.html": b"x"}, "不能是“.”"),
    ("site", {"2020/7/.hidden": b"x"}, "不能以“.”开头"),
    ("../x", {"a": b"x"}, "不能是“..”"),
    ("site", {"2020/7/A/index.html": b"x", "2020/7/a/index.html": b"y"}, "是同一个文件"),
    ("site", {"assets/site.css": b"x", "assets/site.css/index.html": b"y"}, "冲突"),
    ("site", {"a\x00b": b"x"}, "控制字符"),
])
def test_publication_refuses_paths_that_escape_or_clash(tmp_path, folder, files, message):
    build = tmp_path / "build"
    with pytest.raises(OutputError) as caught:
        Publication(build).put(folder, files)
    assert message in caught.value.message
    assert not build.exists()


def test_publication_replaces_an_old_layout_folder(tmp_path):
    """build/<issue>/ as a real folder (gazette before generations) becomes a link, its files
    carried over; its .lock stays behind."""
    build = tmp_path / "build"
    (build / "2020-06").mkdir(parents=True)
    (build / "2020-06" / "2020-06.pdf").write_bytes(b"june")
    (build / "2020-06" / ".lock").write_bytes(b"")
    publication = Publication(build)
    publication.put("2020-07", {"2020-07.pdf": b"july"})
    publication.commit()
    assert (build / "2020-06").is_symlink()
    assert published(build) == {"2020-06/2020-06.pdf": b"june", "2020-07/2020-07.pdf": b"july"}


def test_killed_at_every_step_of_publishing_leaves_the_old_or_the_new_set(project, recorded,
                                                                          tmp_path):
    """SIGKILL before each of many steps of the publication (first files, the middle, every
    step around the switch, the cleanup): a reader sees all old files or all new ones."""
    old = published(project / "build")
    reference = copy_project(tmp_path / "reference")
    shutil.copytree(recorded.parent, reference / "build", symlinks=True)
    edit_title(reference, "修改后的")
    counter = tmp_path / "steps"
    run = start(reference, "count", str(counter), tag="new", replay=recorded)
    output, _ = run.communicate(timeout=300)
    assert run.returncode == 0, output
    new = published(reference / "build")
    total, switch = map(int, counter.read_text().split())
    assert total > 100 and 0 < switch < total and new != old
    points = sorted({1, total // 3, (2 * total) // 3, switch - 1, switch, switch + 1, switch + 2,
                     total})
    for point in points:
        process = start(project, "kill", str(point), tag="new", replay=recorded)
        output, _ = process.communicate(timeout=300)
        assert process.returncode == -signal.SIGKILL, (point, output)
        seen = published(project / "build")
        assert seen in (old, new), f"killed before step {point} of {total}: a mixed set"
        # The switch (renaming the new .current link into place) is the one step that
        # publishes: killed before it, all old; after it, all new.
        assert (seen == new) == (point > switch), (point, switch)
        if seen == new:
            _restore(project, recorded)
    process = start(project, "count", str(tmp_path / "again"), tag="new", replay=recorded)
    output, _ = process.communicate(timeout=300)
    assert process.returncode == 0, output
    assert published(project / "build") == new
    assert len(list((project / "build" / GENERATIONS).iterdir())) <= 2
    assert not [p for p in (project / "build").iterdir() if p.name.endswith(".tmp")]


def _restore(project: Path, recorded: Path) -> None:
    shutil.rmtree(project / "build")
    shutil.copytree(recorded.parent, project / "build", symlinks=True)


@pytest.mark.parametrize("step", [1, 30, 80])
def test_full_disk_is_one_chinese_error_and_keeps_the_last_build(project, recorded, step):
    before = published(project / "build")
    generations = len(list((project / "build" / GENERATIONS).iterdir()))
    process = start(project, "enospc", str(step), tag="new", replay=recorded)
    output, _ = process.communicate(timeout=300)
    assert process.returncode == 1, output
    assert "Traceback" not in output
    assert "错误[output.failed]: 磁盘空间不足，无法写入输出（build/" in output
    assert "未写入任何文件" in output
    assert published(project / "build") == before
    assert len(list((project / "build" / GENERATIONS).iterdir())) == generations


def test_unwritable_output_folder_is_reported_before_layout(recorded):
    """As a user who may not write build/ (nobody, when the tests run as root): one Chinese
    error naming build/, before the layout starts, and the last build untouched."""
    base = Path(tempfile.mkdtemp(prefix="gazette-unwritable-"))
    try:
        base.chmod(0o755)
        root = copy_project(base / "p")
        shutil.copytree(recorded.parent, root / "build", symlinks=True)
        for path in [root, *root.rglob("*")]:
            if not path.is_symlink():
                path.chmod(0o755 if path.is_dir() else 0o644)
        (root / "build").chmod(0o555)
        before = published(root / "build")
        prefix = (["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
                  if os.geteuid() == 0 else [])
        process = start(root, "layout-marker", str(base / "marker"), prefix=prefix)
        output, _ = process.communicate(timeout=300)
        assert process.returncode == 1, output
        assert "Traceback" not in output
        assert "build: 错误[output.unwritable]: 没有写入权限（" in output
        assert "LAYOUT STARTED" not in output
        assert published(root / "build") == before
    finally:
        (base / "p" / "build").chmod(0o755)
        shutil.rmtree(base)


def test_two_builds_at_once_write_one_consistent_result(project):
    builds = [start(project, "tag", tag=tag) for tag in ("build-A", "build-B")]
    for process in builds:
        output, _ = process.communicate(timeout=300)
        assert process.returncode == 0, output
        assert "Traceback" not in output
    out = project / "build" / SAMPLE
    html = (out / "print.html").read_text(encoding="utf-8")
    assert "修改后的银川市人民政府" in html
    pdf = pypdf.PdfReader(io.BytesIO((out / f"{SAMPLE}.pdf").read_bytes()))
    assert len(pdf.pages) > 10
    winner = pdf.trailer["/ID"][0]
    assert winner in ("build-A", "build-B")
    assert html.rstrip().endswith(f"<!-- {winner} -->")  # the HTML and PDF of the same build
    site_pdf = project / "build" / "site" / "2020" / "7" / f"{SAMPLE}.pdf"
    assert site_pdf.read_bytes() == (out / f"{SAMPLE}.pdf").read_bytes()
    assert not [p for p in (project / "build").rglob("*") if p.name.endswith(".tmp")]
