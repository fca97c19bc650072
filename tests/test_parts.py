"""A big issue laid out part by part (gazette.parts, gazette.slices, gazette.pdfjoin) gives
the PDF a single layout gives: 大武口 2021-08, whose notices each start a new page, is built
in parts of about 12 pages, and 银川 2022-05, whose notices follow one another, in slices of 8
pages of one layout; each is compared with the session's single-layout build of the issue."""

from __future__ import annotations

import json
import subprocess
from collections import Counter

import pikepdf
import pytest

from gazette.build import build_issue
from gazette.config import load_project
from gazette.content import resolve_issue
from gazette.diagnostics import Diagnostics
from gazette.issue import load_issue
from gazette.parts import plan

from .conftest import BUNDLED, PROJECT, build_bundled, copy_whole_project
from .test_archive import check_pdf_ua_structure, check_tagged_pdfa_with_sources

CASES = {
    "dawukou/2021-08": ("config.yaml", "      style: two-column\n      notice_start: page\n",
                        "      part_pages: 12\n"),
    "yinchuan/2022-05": ("content/yinchuan/2022-05/issue.yaml", "    style: two-column\n",
                         "    part_pages: 8\n"),
}
"""Issue → (file, marker, line added after it): 大武口's notices each start a page (parts of
about 12 pages, each laid out on its own); 银川 2022-05's follow one another (one layout,
written 8 pages at a time, gazette.slices)."""


@pytest.fixture(scope="module", params=list(CASES))
def in_parts(request, tmp_path_factory):
    """The issue built with a small ``page.part_pages`` in a copy of the whole project."""
    root = copy_whole_project(tmp_path_factory.mktemp("parts"))
    name, marker, added = CASES[request.param]
    path = root / name
    text = path.read_text(encoding="utf-8")
    assert text.count(marker) == 1
    path.write_text(text.replace(marker, marker + added), encoding="utf-8")
    config, issue_path = resolve_issue(load_project(root / "config.yaml"), request.param)
    diags = Diagnostics()
    trace = tmp_path_factory.mktemp("trace") / "processes.txt"
    with pytest.MonkeyPatch.context() as patch:
        _trace_processes(patch, trace)
        result = build_issue(config, issue_path.name, diags)
    assert result is not None, "\n".join(d.format() for d in diags)
    return (config.with_layout(dict(result.issue.meta.layout)), result, diags,
            trace.read_text(encoding="utf-8").splitlines())


def _trace_processes(patch: pytest.MonkeyPatch, trace) -> None:
    """Have the layout and the join write down, to ``trace``, the process they run in, the
    PDF files they leave or find, and (the join) whether the layout's process still exists."""
    import os

    import gazette.parts

    render, join = gazette.parts.render_in_parts, gazette.parts.LaidOutParts.join

    def render_in_parts(*args, **kwargs):
        made = render(*args, **kwargs)
        with trace.open("a", encoding="utf-8") as out:
            out.write(f"layout {os.getpid()} {len(list(made.front.parent.glob('*.pdf')))}\n")
        return made

    def joined(self, target):
        layout = int(trace.read_text(encoding="utf-8").split()[1])
        with trace.open("a", encoding="utf-8") as out:
            out.write(f"join {os.getpid()} {os.path.exists(f'/proc/{layout}')}\n")
        join(self, target)

    patch.setattr(gazette.parts, "render_in_parts", render_in_parts)
    patch.setattr(gazette.parts.LaidOutParts, "join", joined)


@pytest.fixture(scope="module")
def single(in_parts, whole_project):
    """The session's single-layout build of the same issue (tests/conftest.py)."""
    config, result, *_ = in_parts
    return build_bundled(config.issue_address(result.issue.meta.key), whole_project)


def test_the_issue_is_planned_in_parts_of_about_the_configured_size(in_parts):
    config, result, *_ = in_parts
    parts = plan(result.issue, config.page)
    assert parts is not None
    assert [n for part in parts for n in part] == list(result.issue.notices)
    assert all(part for part in parts)
    if config.page.notice_start == "page":
        assert len(parts) >= 4 and result.summary.parts == len(parts)
    else:  # one part, written in slices
        assert len(parts) == 1
        assert result.summary.parts == -(-(result.pages - _front_pages(result)) //
                                         config.page.part_pages)
        assert result.summary.parts >= 4


def _front_pages(result) -> int:
    """Pages before the first notice: the masthead and the 目录."""
    places = json.loads((result.pdf_path.parent / "pages.json").read_text("utf-8"))
    return places[result.issue.notices[0].anchor][0] - 1


@pytest.mark.parametrize("address", BUNDLED)
def test_bundled_issues_are_laid_out_whole_as_configured(address):
    """Parts are for big issues: none of the bundled ones is split by its own configuration
    (the parts' checks below compare against these single layouts)."""
    config, path = resolve_issue(PROJECT, address)
    issue = load_issue(config, path, Diagnostics())
    assert issue is not None
    assert plan(issue, config.with_layout(dict(issue.meta.layout)).page) is None


def _page_texts(path) -> list[str]:
    count = len(pikepdf.open(path).pages)
    return [subprocess.run(["pdftotext", "-layout", "-f", str(n), "-l", str(n), str(path), "-"],
                           capture_output=True, text=True, check=True).stdout
            for n in range(1, count + 1)]


def test_every_page_reads_as_in_the_single_layout(in_parts, single):
    """Same pages, same text at the same places (pdftotext -layout keeps the positions):
    folios, running heads, page sides and the fonts of every character included."""
    _c, split, *_ = in_parts
    _c, single, _d = single
    assert single.issue.meta.key == split.issue.meta.key
    assert split.summary.pages == single.summary.pages
    assert _page_texts(split.pdf_path) == _page_texts(single.pdf_path)


def _outline(pdf: pikepdf.Pdf) -> list[tuple]:
    pages = {page.objgen: number for number, page in enumerate(pdf.pages)}
    found = []
    with pdf.open_outline() as outline:
        def walk(items, depth):
            for item in items:
                target = item.destination
                found.append((depth, item.title, pages[target[0].objgen],
                              round(float(target[2]), 2), round(float(target[3]), 2),
                              item.is_closed))
                walk(item.children, depth + 1)
        walk(outline.root, 0)
    return found


def _links(pdf: pikepdf.Pdf) -> tuple[list[tuple], dict]:
    pages = {page.objgen: number for number, page in enumerate(pdf.pages)}
    items = list(pdf.Root.Names.Dests.Names)
    names = {bytes(name): (pages[target[0].objgen], round(float(target[2]), 2),
                           round(float(target[3]), 2))
             for name, target in zip(items[::2], items[1::2])}
    links = []
    for number, page in enumerate(pdf.pages):
        for annotation in page.obj.get("/Annots", []):
            target = annotation.get("/Dest")
            action = annotation.get("/A")
            links.append((number, [round(float(x), 1) for x in annotation.Rect],
                          names[bytes(target)] if target is not None
                          else str(action.get("/URI"))))
    return links, names


def test_outline_links_and_destinations_are_those_of_the_single_layout(in_parts, single):
    whole = single
    """The outline (sections with their notices under them, even where a part starts
    inside a section), the 目录's links landing on the notices' pages and every named
    destination."""
    with pikepdf.open(in_parts[1].pdf_path) as split, pikepdf.open(whole[1].pdf_path) as single:
        outline = _outline(single)
        assert any(depth == 1 for depth, *_ in outline)
        assert _outline(split) == outline
        links, names = _links(single)
        assert sum(1 for _n, _r, target in links if isinstance(target, tuple)) >= \
            len(whole[1].issue.notices)
        assert _links(split) == (links, names)


def test_places_for_the_web_edition_are_those_of_the_single_layout(in_parts, single):
    whole = single
    split = json.loads((in_parts[1].pdf_path.parent / "pages.json").read_text("utf-8"))
    single = json.loads((whole[1].pdf_path.parent / "pages.json").read_text("utf-8"))
    assert split == single


def _elements(pdf: pikepdf.Pdf) -> Counter:
    kinds: Counter = Counter()

    def walk(element):
        if isinstance(element, pikepdf.Array):
            for kid in element:
                walk(kid)
        elif isinstance(element, pikepdf.Dictionary) and "/S" in element:
            kinds[str(element.S)] += 1
            if "/K" in element:
                walk(element.K)
    walk(pdf.Root.StructTreeRoot.K)
    return kinds


def test_the_joined_pdf_is_one_tagged_pdfa_carrying_its_sources(in_parts, single):
    whole = single
    """The archive and PDF/UA checks every bundled issue passes; one Document element whose
    marked content and links all resolve through one ParentTree; the same structure
    elements as the single layout but for an empty Div per placeholder (the 目录's link
    targets, a part's carried running head)."""
    check_tagged_pdfa_with_sources(in_parts[0], in_parts[1])
    check_pdf_ua_structure(in_parts[1])
    with pikepdf.open(in_parts[1].pdf_path) as split, pikepdf.open(whole[1].pdf_path) as single:
        top = split.Root.StructTreeRoot.K
        assert len(top) == 1 and top[0].S == "/Document"
        items = list(split.Root.StructTreeRoot.ParentTree.Nums)
        tree = dict(zip((int(k) for k in items[::2]), items[1::2]))
        keys = [int(page.obj.StructParents) for page in split.pages]
        assert len(set(keys)) == len(keys) and set(keys) <= set(tree)
        for page in split.pages:
            for annotation in page.obj.get("/Annots", []):
                element = tree[int(annotation.StructParent)]
                assert any(isinstance(kid, pikepdf.Dictionary) and kid.get("/Obj") is not None
                           and kid.Obj.objgen == annotation.objgen for kid in element.K)
        mine, theirs = _elements(split), _elements(single)
        parts = plan(in_parts[1].issue, in_parts[0].page)
        extra = Counter(mine)
        extra.subtract(theirs)
        assert {kind: n for kind, n in extra.items() if n} == {
            "/Div": len(in_parts[1].issue.notices) + 1 + sum(
                1 for part in parts[1:]
                if part[0] is not next(s for s in in_parts[1].issue.sections
                                       if part[0] in s.notices).notices[0])}


def test_verify_rebuilds_the_joined_pdf_byte_for_byte(in_parts):
    from .test_verify import gazette

    config, result, *_ = in_parts
    outcome = gazette(config.root, "verify", str(result.pdf_path))
    assert outcome.exit_code == 0, outcome.output
    assert "重建：与原文件逐字节相同" in outcome.output


def test_the_parts_are_joined_from_files_after_their_layout_has_ended(in_parts):
    """The parts' PDFs wait in files, not in memory, and qpdf joins them in a process of its
    own once the layout's has ended (its objects, ~0.3 MB a page, stacked on the layout's
    leftovers were the build's peak); the files are gone with the build."""
    import os

    from gazette.background import _can_fork

    config, result, _d, trace = in_parts
    (layout, layout_pid, files), (join, join_pid, layout_alive) = (line.split() for line in trace)
    assert (layout, join) == ("layout", "join")
    assert int(files) == result.summary.parts + 1  # the masthead and 目录, then the notices
    if _can_fork():
        assert len({layout_pid, join_pid, str(os.getpid())}) == 3
        assert layout_alive == "False"
    else:  # one CPU: both run in the building process, one after the other
        assert layout_pid == join_pid == str(os.getpid())
    assert not any((config.build_dir / ".cache" / "tmp").iterdir())


def test_the_parts_are_laid_out_beside_a_small_building_process(in_parts):
    """``gazette build`` lays a big issue out in a child process, so the process that goes on
    to the web edition and the web-font cutters does not keep the layout's fragmented memory:
    while the layout peaks, the building process is less than half its size. (Run last: it
    builds the module's project again, to the same bytes.)"""
    import os
    import shutil
    import sys

    from .conftest import ROOT
    from .procmem import TreeMemory

    config, result, *_ = in_parts
    shutil.rmtree(config.build_dir / ".cache" / "builds")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, (str(ROOT),
                                                                     os.environ.get("PYTHONPATH")))))
    build = subprocess.Popen([sys.executable, "-m", "gazette", "build",
                              config.issue_address(result.issue.meta.key)],
                             cwd=config.root, env=env, stdout=subprocess.DEVNULL)
    memory = TreeMemory(build.pid).start()
    assert build.wait(900) == 0
    memory.stop()
    assert memory.other_rss > 150, f"the layout ({memory.other_rss:.0f} MB) ran in a child"
    assert memory.root_beside_other < memory.other_rss / 2, memory

