"""A rebuild with nothing changed answered before the toolchain is imported (gazette.quick),
on real ``gazette build`` processes of a small project: it prints what the full check prints,
imports neither click nor PyYAML nor the stages, and every kind of change goes the normal way.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from gazette import quick

from .conftest import ROOT, share_webfont_cuts
from .test_buildcache import FIRST, edit, small_project

SUMMARY = re.compile(r"（[\d.]+ 秒")


def gazette_build(root: Path, *args: str) -> tuple[str, str, set[str]]:
    """``gazette build`` in ``root`` as an editor runs it: (stdout, stderr without the import
    timings, modules imported)."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, (str(ROOT),
                                                                     os.environ.get("PYTHONPATH")))))
    run = subprocess.run([sys.executable, "-X", "importtime", "-m", "gazette", "build", *args],
                         cwd=root, capture_output=True, text=True, env=env, timeout=900)
    assert run.returncode == 0, run.stdout + run.stderr
    timings = [line for line in run.stderr.splitlines() if line.startswith("import time:")]
    stderr = "\n".join(line for line in run.stderr.splitlines()
                       if not line.startswith("import time:"))
    modules = {line.rsplit("|", 1)[1].strip() for line in timings[1:]}
    return run.stdout, stderr, modules


def answered_quickly(modules: set[str]) -> bool:
    return not {"click", "yaml", "gazette.cli", "gazette.build"} & modules


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    root = small_project(tmp_path_factory.mktemp("quick") / "project")
    share_webfont_cuts(root)
    out, _, modules = gazette_build(root, FIRST)
    assert "沿用" not in out and not answered_quickly(modules)
    return root


def test_a_rebuild_with_nothing_changed_prints_what_the_full_check_prints(project):
    out, err, modules = gazette_build(project, FIRST)
    assert answered_quickly(modules), sorted(modules)[:20]
    assert "输入未变，沿用上次的结果" in out and "网页版：" in out
    records = list((project / "build" / ".cache" / "builds").glob("quick-*.json"))
    assert len(records) == 1
    records[0].unlink()  # the full check answers, and leaves the record again
    slow_out, slow_err, slow_modules = gazette_build(project, FIRST)
    assert not answered_quickly(slow_modules)
    assert SUMMARY.sub("（", slow_out) == SUMMARY.sub("（", out)
    assert slow_err == err
    assert answered_quickly(gazette_build(project, FIRST)[2])


def test_the_same_issue_named_another_way_has_its_own_record(project):
    gazette_build(project, FIRST, "-c", "config.yaml")
    out, _, modules = gazette_build(project, FIRST, "-c", "config.yaml")
    assert answered_quickly(modules) and "沿用上次的结果" in out


@pytest.mark.parametrize("change", ["notice", "touched layout", "deleted output", "new folder"])
def test_every_change_goes_the_normal_way(project, change):
    assert answered_quickly(gazette_build(project, FIRST)[2])
    if change == "notice":
        edit(project / "content" / FIRST / "02-yinzhenghan-2020-49.md", "银川市人民政府",
             "银川市人民政府（快速检查）")
    elif change == "touched layout":  # same bytes, new times: the full check decides
        css = next((project / "layouts").rglob("*.css"))
        css.write_bytes(css.read_bytes())
    elif change == "deleted output":
        (project / "build" / FIRST / "pages.json").unlink()
    else:
        (project / "content" / "2020-09").mkdir()
    out, _, modules = gazette_build(project, FIRST)
    assert not answered_quickly(modules)
    if change == "notice":
        assert "沿用" not in out
        html = (project / "build" / FIRST / "print.html").read_text(encoding="utf-8")
        assert "快速检查" in html
    if change == "touched layout":
        assert "输入未变，沿用上次的结果" in out
    if change == "deleted output":
        assert (project / "build" / FIRST / "pages.json").is_file()
    if change == "new folder":
        (project / "content" / "2020-09").rmdir()
        gazette_build(project, FIRST)
    assert answered_quickly(gazette_build(project, FIRST)[2]), "remembered again"


def test_a_source_saved_while_building_leaves_no_record(project, monkeypatch):
    """The sources' snapshot is taken before the build and compared after it: a notice
    saved in between may not have been read, so nothing is remembered."""
    request = quick._plain_build(["build", FIRST, "-c", str(project / "config.yaml")])
    record = Path(quick._record_path(request))
    record.unlink(missing_ok=True)
    request["sources"] = quick._snapshot(request["root"])["sources"]
    monkeypatch.setattr(quick, "_REQUEST", [dict(request)])
    notice = project / "content" / FIRST / "01-zhengfuling-2020-2.md"
    notice.write_bytes(notice.read_bytes())
    quick.remember(project / "build", [(False, "不应记住")])
    assert not record.exists()
    monkeypatch.setattr(quick, "_REQUEST", [dict(request, sources=quick._snapshot(
        request["root"])["sources"])])
    quick.remember(project / "build", [(False, "记住")])
    assert record.exists()
    record.unlink()


@pytest.mark.parametrize("args", [["build", "--all"], ["build", "2020-07", "--force"],
                                  ["build", "2020-07", "--sign", "key.pem"], ["check", "2020-07"],
                                  ["build"], ["build", "2020-07", "2020-08"]])
def test_only_a_plain_build_of_one_issue_is_answered_early(args):
    assert quick._plain_build(args) is None
    assert quick._plain_build(["build", "2020-07", "--encoding", "gb18030"]) is not None
