"""A big issue laid out part by part (gazette.parts, gazette.pdfjoin) gives the PDF a single
layout gives: 大武口 2021-08, whose notices each start a new page, is built with parts of
about 12 pages and compared with the session's single-layout build of the same issue."""

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

from .conftest import BUNDLED, PROJECT, copy_whole_project
from .test_archive import check_pdf_ua_structure, check_tagged_pdfa_with_sources

ISSUE = "dawukou/2021-08"
PART_PAGES = 12


@pytest.fixture(scope="module")
def in_parts(tmp_path_factory):
    """The issue built with ``page.part_pages: 12`` in a copy of the whole project."""
    root = copy_whole_project(tmp_path_factory.mktemp("parts"))
    config_file = root / "config.yaml"
    text = config_file.read_text(encoding="utf-8")
    marker = "      style: two-column\n      notice_start: page\n"
    assert text.count(marker) == 1
    config_file.write_text(text.replace(marker, marker + f"      part_pages: {PART_PAGES}\n"),
                           encoding="utf-8")
    config, path = resolve_issue(load_project(config_file), ISSUE)
    diags = Diagnostics()
    result = build_issue(config, path.name, diags)
    assert result is not None, "\n".join(d.format() for d in diags)
    return config.with_layout(dict(result.issue.meta.layout)), result, diags


SINGLE = pytest.mark.parametrize("bundled_build", [ISSUE], indirect=True)
"""The session's single-layout build of the same issue (tests/conftest.py bundled_build)."""


def test_the_issue_is_planned_in_parts_of_about_the_configured_size(in_parts):
    config, result, _ = in_parts
    parts = plan(result.issue, config.page)
    assert parts is not None and len(parts) >= 4
    assert [n for part in parts for n in part] == list(result.issue.notices)
    assert all(part for part in parts)
    assert result.summary.parts == len(parts)


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


@SINGLE
def test_every_page_reads_as_in_the_single_layout(in_parts, bundled_build):
    whole = bundled_build
    """Same pages, same text at the same places (pdftotext -layout keeps the positions):
    folios, running heads, page sides and the fonts of every character included."""
    _c, split, _d = in_parts
    _c, single, _d = whole
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


@SINGLE
def test_outline_links_and_destinations_are_those_of_the_single_layout(in_parts, bundled_build):
    whole = bundled_build
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


@SINGLE
def test_places_for_the_web_edition_are_those_of_the_single_layout(in_parts, bundled_build):
    whole = bundled_build
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


@SINGLE
def test_the_joined_pdf_is_one_tagged_pdfa_carrying_its_sources(in_parts, bundled_build):
    whole = bundled_build
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

    config, result, _ = in_parts
    outcome = gazette(config.root, "verify", str(result.pdf_path))
    assert outcome.exit_code == 0, outcome.output
    assert "重建：与原文件逐字节相同" in outcome.output
