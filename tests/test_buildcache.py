"""The content-addressed build cache (gazette.buildcache) on real builds of a small project.

Each kind of input is changed in turn — a notice, issue.yaml, config.yaml, a layout file, a
font — and the test checks which outputs were rebuilt and which files changed; a build with
nothing changed must touch nothing, a tampered output must be rebuilt, and deleting
build/.cache/ must give byte-identical outputs. Two small issues keep the builds short.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from pathlib import Path

import pytest

from gazette.build import build_issue
from gazette.config import load_config
from gazette.diagnostics import Diagnostics

from .conftest import ROOT, copy_project

SOURCE = ROOT / "content" / "yinchuan" / "2020-07"
FIRST, SECOND = "2020-07", "2020-08"


def small_project(dest: Path) -> Path:
    """Two issues of one gazette: 2020-07 with two short notices, 2020-08 with one; fonts/ is
    a real folder of copies (fonts must resolve inside it), so one can be swapped."""
    root = copy_project(dest, issues=())
    (root / "fonts").unlink()
    (root / "fonts").mkdir()
    for font in (ROOT / "fonts").iterdir():
        shutil.copy(font, root / "fonts" / font.name)
    first = root / "content" / FIRST
    first.mkdir(parents=True)
    shutil.copy(SOURCE / "issue.yaml", first / "issue.yaml")
    for name in ("01-zhengfuling-2020-2.md", "02-yinzhenghan-2020-49.md"):
        shutil.copy(SOURCE / name, first / name)
    second = root / "content" / SECOND
    second.mkdir()
    issue_yaml = (SOURCE / "issue.yaml").read_text(encoding="utf-8")
    (second / "issue.yaml").write_text(
        issue_yaml.replace("number: 7", "number: 8").replace("cumulative: 358", "cumulative: 359")
        .replace("published: 2020-09-25", "published: 2020-10-26"), encoding="utf-8")
    shutil.copy(SOURCE / "16-yinzhengganfa-2020-19.md", second / "16-yinzhengganfa-2020-19.md")
    return root


def build(root: Path, key: str = FIRST):
    diags = Diagnostics()
    result = build_issue(load_config(root / "config.yaml"), key, diags)
    assert result is not None, "\n".join(d.format() for d in diags)
    return result


def snapshot(root: Path) -> dict[str, tuple[str, int]]:
    """Every published file under build/ (links followed, hidden entries skipped):
    path → (sha256, inode); the inode shows whether a file was rewritten or carried over."""
    build_dir = root / "build"
    files = {}
    for top in sorted(build_dir.iterdir()):
        if top.name.startswith("."):
            continue
        for dirpath, dirnames, filenames in os.walk(top, followlinks=True):
            dirnames[:] = [d for d in dirnames if not d.startswith(".")]
            for name in filenames:
                path = Path(dirpath) / name
                files[path.relative_to(build_dir).as_posix()] = (
                    hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_ino)
    return files


def changed(before: dict, after: dict) -> set[str]:
    """Files whose content differs, or that appeared or disappeared."""
    return {p for p in before.keys() | after.keys()
            if before.get(p, (None,))[0] != after.get(p, (None,))[0]}


def rewritten(before: dict, after: dict) -> set[str]:
    """Files written again (new inode), whether or not their content changed."""
    return {p for p in before.keys() & after.keys() if before[p][1] != after[p][1]}


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    root = small_project(tmp_path_factory.mktemp("cache") / "project")
    first = build(root, FIRST)
    assert first.reused == frozenset() and first.issue is not None
    second = build(root, SECOND)
    assert second.reused == frozenset()
    return root


def pdf(key: str) -> str:
    return f"{key}/{key}.pdf"


def test_nothing_changed_touches_nothing(project):
    before = snapshot(project)
    generation = os.readlink(project / "build" / ".current")
    result = build(project)
    assert result.reused == {"print", "site"}
    assert result.issue is None and result.site is None
    assert result.summary.pages > 0 and result.summary.notices == 2
    assert result.summary.site is not None and result.summary.site.pages > 0
    assert os.readlink(project / "build" / ".current") == generation  # no new generation
    assert snapshot(project) == before
    assert result.pdf_path.is_file()


def test_notice_edit_rebuilds_its_issue_and_the_site_only(project):
    before = snapshot(project)
    edit(project / "content" / FIRST / "02-yinzhenghan-2020-49.md", "银川市人民政府",
         "银川市人民政府（缓存测试）")
    result = build(project)
    assert result.reused == frozenset()
    after = snapshot(project)
    moved = changed(before, after)
    assert {pdf(FIRST), f"{FIRST}/print.html", f"{FIRST}/manifest.json"} <= moved
    assert not {p for p in moved if p.startswith(f"{SECOND}/")}
    assert not {p for p in rewritten(before, after) if p.startswith(f"{SECOND}/")}
    assert any(p.startswith("site/") and p.endswith(".html") for p in moved)
    assert "缓存测试" in (project / "build" / FIRST / "print.html").read_text(encoding="utf-8")


def test_issue_yaml_edit_rebuilds_the_print_edition(project):
    before = snapshot(project)
    edit(project / "content" / FIRST / "issue.yaml", "印数: 1270册", "印数: 1280册")
    result = build(project)
    assert "print" not in result.reused
    moved = changed(before, snapshot(project))
    assert {pdf(FIRST), f"{FIRST}/print.html", f"{FIRST}/manifest.json"} <= moved
    assert "1280册" in (project / "build" / FIRST / "print.html").read_text(encoding="utf-8")


def test_other_issue_edit_reuses_the_pdf_but_renders_the_site(project):
    before = snapshot(project)
    edit(project / "content" / SECOND / "16-yinzhengganfa-2020-19.md", "按照《", "按照（另一期）《")
    result = build(project, FIRST)
    assert result.reused == {"print"}
    assert result.issue is not None and result.site is not None
    after = snapshot(project)
    assert not {p for p in rewritten(before, after) | changed(before, after)
                if p.startswith((f"{FIRST}/", f"{SECOND}/"))}
    site_pages = [p for p in changed(before, after) if p.startswith("site/")]
    assert any("另一期" in (project / "build" / p).read_text(encoding="utf-8")
               for p in site_pages if p.endswith(".html"))


def test_config_edit_rebuilds(project):
    before = snapshot(project)
    edit(project / "config.yaml", "传达政令　服务改革", "传达政令　缓存测试")
    result = build(project)
    assert result.reused == frozenset()
    moved = changed(before, snapshot(project))
    assert {pdf(FIRST), f"{FIRST}/print.html", f"{FIRST}/manifest.json"} <= moved
    assert "缓存测试" in (project / "build" / FIRST / "print.html").read_text(encoding="utf-8")
    # 2020-08 was built from the old config.yaml: its PDF stays until it is built again
    assert not {p for p in moved if p.startswith(f"{SECOND}/")}
    assert "print" not in build(project, SECOND).reused


def test_layout_edit_rebuilds(project):
    before = snapshot(project)
    css = project / "layouts" / "print" / "print.css.j2"
    css.write_text(css.read_text(encoding="utf-8") + "\n/* 缓存测试 */\n", encoding="utf-8")
    result = build(project)
    assert result.reused == frozenset()
    moved = changed(before, snapshot(project))
    assert {pdf(FIRST), f"{FIRST}/print.html", f"{FIRST}/manifest.json"} <= moved
    assert "缓存测试" in (project / "build" / FIRST / "print.html").read_text(encoding="utf-8")


def test_font_change_rebuilds(project):
    before = snapshot(project)
    fang = project / "fonts" / "FandolFang-Regular.otf"
    fang.unlink()
    shutil.copy(ROOT / "fonts" / "FandolKai-Regular.otf", fang)  # another face, same name
    result = build(project)
    assert result.reused == frozenset()
    moved = changed(before, snapshot(project))
    assert {pdf(FIRST), f"{FIRST}/manifest.json"} <= moved
    assert any(p.startswith("site/") and p.endswith((".woff2", ".woff")) for p in moved)
    # the same font file changed in place (same inode) is seen too
    with open(fang, "ab") as handle:
        handle.write(b"\0" * 16)
    before = snapshot(project)
    result = build(project)
    assert "print" not in result.reused
    assert f"{FIRST}/manifest.json" in changed(before, snapshot(project))


def test_font_cmaps_are_kept_on_disk_and_never_stale(project, tmp_path, monkeypatch):
    """A build leaves the fonts' character maps in build/.cache/fonts/; the next process
    loads them from there, and a font replaced or edited in place is read again."""
    from fontTools.ttLib import TTFont

    from gazette import fonts

    config = load_config(project / "config.yaml")
    stored = list((project / "build" / ".cache" / "fonts").glob("*.json"))
    assert len(stored) >= len(set(config.fonts.all()))

    monkeypatch.setattr(fonts, "_STORE", [])
    fonts.keep_cmaps_in(tmp_path / "cmaps")
    font = tmp_path / "face.otf"
    shutil.copy(ROOT / "fonts" / "FandolFang-Regular.otf", font)

    def fresh(path: Path) -> dict[int, str]:
        fonts._cmap.cache_clear()  # as a new process starts
        return fonts.font_cmap(path)

    def read(path: Path) -> dict[int, str]:
        with TTFont(path, lazy=True) as face:
            return dict(face.getBestCmap())

    def tamper() -> int:
        """Mark the newest entry, so a map served from disk can be told from one read."""
        entry = max((tmp_path / "cmaps").glob("*.json"), key=os.path.getmtime)
        data = json.loads(entry.read_text(encoding="utf-8"))
        data["glyphs"][0] = "kept"
        entry.write_text(json.dumps(data), encoding="utf-8")
        return data["codes"][0]

    assert fresh(font) == read(font)
    code = tamper()
    assert fresh(font)[code] == "kept"  # the next process loads it from disk

    font.unlink()
    shutil.copy(ROOT / "fonts" / "FandolKai-Regular.otf", font)  # replaced, same name
    assert fresh(font) == read(font)
    code = tamper()
    assert fresh(font)[code] == "kept"
    with open(font, "ab") as handle:  # changed in place, same inode
        handle.write(b"\0" * 16)
    assert fresh(font) == read(font)
    fonts._cmap.cache_clear()


def test_tampered_output_is_rebuilt(project):
    out = project / "build" / FIRST / f"{FIRST}.pdf"
    good = out.read_bytes()
    build(project)
    target = out.resolve()
    os.chmod(target, 0o644)
    with open(target, "r+b") as handle:
        handle.seek(100)
        handle.write(b"X")
    result = build(project)
    assert "print" not in result.reused
    assert out.read_bytes() == good


def test_an_edit_during_the_build_is_not_recorded(project, monkeypatch):
    """A notice saved while the PDF is being laid out and then changed back: the outputs of
    that build read both versions, so they must not be reused for either."""
    import gazette.render_pdf

    notice = project / "content" / FIRST / "01-zhengfuling-2020-2.md"
    original = notice.read_text(encoding="utf-8")
    render = gazette.render_pdf.render_pdf

    def render_while_editing(*args, **kwargs):
        notice.write_text(original.replace("。", "（构建中修改）。", 1), encoding="utf-8")
        return render(*args, **kwargs)

    issue_yaml = project / "content" / FIRST / "issue.yaml"
    issue_yaml.write_text(re.sub(r"印数: (\d+)册", lambda m: f"印数: {int(m[1]) + 7}册",
                                 issue_yaml.read_text(encoding="utf-8")), encoding="utf-8")
    monkeypatch.setattr(gazette.render_pdf, "render_pdf", render_while_editing)
    assert build(project).reused == frozenset()
    monkeypatch.undo()
    notice.write_text(original, encoding="utf-8")
    assert "print" not in build(project).reused
    manifest = (project / "build" / FIRST / "manifest.json").read_text(encoding="utf-8")
    assert hashlib.sha256(original.encode()).hexdigest() in manifest


def test_deleting_the_cache_gives_identical_outputs(project):
    build(project)
    before = snapshot(project)
    shutil.rmtree(project / "build" / ".cache")
    result = build(project)
    assert result.reused == frozenset()
    assert changed(before, snapshot(project)) == set()
    assert build(project).reused == {"print", "site"}
