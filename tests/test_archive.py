"""The print PDF is archive-grade: PDF/A-3a with a structure tree, every font embedded, and the
sources it was made from embedded as associated files with a manifest of hashes.

Conformance-relevant structure is read back with pikepdf (veraPDF is not available here)."""

from __future__ import annotations

import hashlib
import json

import pikepdf
import pytest

from gazette.archive import MANIFEST

from .pdftags import structure_elements
from .pdftext import PdfPages, squash


@pytest.fixture(scope="module")
def built(sample_build):
    result, _diags = sample_build
    with pikepdf.open(result.pdf_path) as pdf:
        yield result, pdf


@pytest.fixture(scope="module")
def headings(built):
    result, _pdf = built
    return structure_elements(result.pdf_path, {"H1", "H2", "H3"})


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_xmp_declares_pdfa_3a(built):
    _result, pdf = built
    meta = pdf.open_metadata()
    assert meta["pdfaid:part"] == "3"
    assert meta["pdfaid:conformance"] == "A"
    assert meta["dc:title"] == "银川市人民政府公报 2020年第7期"


def test_output_intent_is_an_embedded_srgb_profile(built):
    _result, pdf = built
    intents = pdf.Root.OutputIntents
    assert len(intents) == 1
    assert intents[0].S == "/GTS_PDFA1"
    profile = intents[0].DestOutputProfile
    assert int(profile.N) == 3
    header = profile.read_bytes()[:128]
    assert header[12:20] == b"mntrRGB ", "an ICC display profile for RGB"
    assert str(intents[0].OutputConditionIdentifier)


def _fonts(resources, seen: set) -> list:
    """Every font dictionary reachable from a resource dictionary, XObjects included."""
    found = []
    if resources is None or resources.objgen in seen and resources.objgen != (0, 0):
        return found
    seen.add(resources.objgen)
    for font in (resources.get("/Font") or {}).values():
        found.append(font)
    for xobject in (resources.get("/XObject") or {}).values():
        found += _fonts(xobject.get("/Resources"), seen)
    return found


def test_every_font_is_embedded(built):
    _result, pdf = built
    seen: set = set()
    fonts = [f for page in pdf.pages for f in _fonts(page.obj.get("/Resources"), seen)]
    assert len({f.objgen for f in fonts}) >= 5
    for font in fonts:
        assert font.Subtype != "/Type3"
        descendant = font.DescendantFonts[0] if font.Subtype == "/Type0" else font
        descriptor = descendant.FontDescriptor
        assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), (
            str(descriptor.FontName))


def test_not_encrypted(built):
    _result, pdf = built
    assert not pdf.is_encrypted
    assert "/Encrypt" not in pdf.trailer


def test_language_and_marked_structure(built):
    _result, pdf = built
    assert str(pdf.Root.Lang) == "zh-CN"
    assert bool(pdf.Root.MarkInfo.Marked) is True
    assert pdf.Root.StructTreeRoot.K[0].S == "/Document"


def test_every_notice_title_is_a_level_two_heading(built, headings):
    result, _pdf = built
    h2 = [squash(text) for kind, text in headings if kind == "H2"]
    for notice in result.issue.notices:
        assert squash(notice.meta.title) in h2, notice.meta.title
    for section in result.issue.sections:
        assert squash(f"【{section.name}】") in h2
    assert [squash(t) for k, t in headings if k == "H1"] == ["银川市人民政府公报", "目录"]


def test_attached_plans_are_level_three_headings(built, headings):
    h3 = [squash(text) for kind, text in headings if kind == "H3"]
    assert squash("银川市全面落实“六保”任务责任分工方案") in h3


def test_sources_are_attached_as_associated_files(built):
    result, pdf = built
    root = result.pdf_path.parents[2]
    names = set(pdf.attachments)
    issue_files = {p.relative_to(root).as_posix() for p in result.issue.path.iterdir()
                   if not p.name.startswith(".")}
    assert {"config.yaml", MANIFEST, "layouts/print/print.css.j2"} | issue_files <= names
    assert sum(n.endswith(".md") for n in names if n.startswith("content/")) == 18
    for name in names - {MANIFEST}:
        assert pdf.attachments[name].get_file().read_bytes() == (root / name).read_bytes(), name
    relationships = {str(spec.UF): str(spec.AFRelationship) for spec in pdf.Root.AF}
    assert set(relationships) == names, "every embedded file is an associated file of the PDF"
    assert relationships[MANIFEST] == "/Data"
    assert {r for n, r in relationships.items() if n != MANIFEST} == {"/Source"}
    manifest_spec = pdf.attachments[MANIFEST].obj
    assert manifest_spec.EF.F.Subtype == "/application/json"
    assert manifest_spec.EF.F.Params.ModDate == "D:20200925000000Z", "dates come from the issue"


def test_manifest_hashes_every_input_and_the_other_outputs(built, config):
    result, pdf = built
    root = result.pdf_path.parents[2]
    data = pdf.attachments[MANIFEST].get_file().read_bytes()
    assert (result.pdf_path.parent / MANIFEST).read_bytes() == data
    manifest = json.loads(data)
    assert manifest["issue"] == "2020-07"
    assert manifest["tools"]["weasyprint"] == "70.0"
    assert set(manifest["attached"]) == set(pdf.attachments) - {MANIFEST}
    for name in manifest["attached"]:
        assert manifest["inputs"][name] == _sha((root / name).read_bytes()), name
    fonts = {k: v for k, v in manifest["inputs"].items() if k.startswith("fonts/")}
    assert set(fonts) == {f"fonts/{p.name}" for p in config.fonts.all()}
    for name, digest in fonts.items():
        assert digest == _sha((root / name).read_bytes()), name
    assert manifest["outputs"] == {
        "pages.json": _sha((result.pdf_path.parent / "pages.json").read_bytes())}
    assert str(root) not in data.decode(), "no absolute path in the manifest"


def _start_folios(result) -> dict[str, int]:
    """Where each notice's title first appears after the 目录, read from the PDF's text."""
    pdf = PdfPages(result.pdf_path)
    body = pdf.physical_index(3)
    starts = {}
    for notice in result.issue.notices:
        title = squash(notice.meta.title)
        index = next(i for i in range(body, len(pdf.squashed)) if title in pdf.squashed[i])
        starts[notice.anchor] = pdf.folios[index]
    return starts


def test_build_reports_every_notice_off_its_printed_page(built):
    result, _pdf = built
    starts = _start_folios(result)
    printed = {n.anchor: n.meta.printed_page for n in result.issue.notices}
    assert all(printed.values()), "the sample records every printed start page"
    expected = {a: starts[a] - p for a, p in printed.items() if starts[a] != p}
    assert {d.notice.anchor: d.pages for d in result.drifts} == expected
    for drift in result.drifts:
        line = drift.format()
        assert (drift.notice.meta.doc_number or drift.notice.meta.title) in line
        assert f"起始于第 {starts[drift.notice.anchor]} 页" in line
        assert f"印刷版为第 {drift.notice.meta.printed_page} 页" in line
        assert ("晚" if drift.pages > 0 else "早") + f" {abs(drift.pages)} 页" in line


def test_every_bundled_issue_is_tagged_pdfa_carrying_its_sources(bundled_build):
    """The same archive checks on each bundled issue of each gazette (built once per session)."""
    config, result, _diags = bundled_build
    check_tagged_pdfa_with_sources(config, result)


def check_tagged_pdfa_with_sources(config, result) -> None:
    """PDF/A-3a declared, sRGB output intent, no encryption, zh-CN, every font embedded, the
    issue's sources, config.yaml and the manifest attached, every notice title an H2."""
    with pikepdf.open(result.pdf_path) as pdf:
        meta = pdf.open_metadata()
        assert (meta["pdfaid:part"], meta["pdfaid:conformance"]) == ("3", "A")
        assert pdf.Root.OutputIntents[0].S == "/GTS_PDFA1"
        assert not pdf.is_encrypted and str(pdf.Root.Lang) == "zh-CN"
        seen: set = set()
        for page in pdf.pages:
            for font in _fonts(page.obj.get("/Resources"), seen):
                descendant = font.DescendantFonts[0] if font.Subtype == "/Type0" else font
                assert "/FontFile3" in descendant.FontDescriptor or \
                    "/FontFile2" in descendant.FontDescriptor, str(descendant.BaseFont)
        names = set(pdf.attachments)
        issue_files = {p.relative_to(config.root).as_posix() for p in result.issue.path.iterdir()
                       if p.is_file() and not p.name.startswith(".")}
        assert issue_files | {"config.yaml", MANIFEST} <= names
        manifest = json.loads(pdf.attachments[MANIFEST].get_file().read_bytes())
        assert (manifest["gazette_id"], manifest["issue"]) == (config.id, result.issue.meta.key)
    h2 = [squash(text) for _kind, text in structure_elements(result.pdf_path, {"H2"})]
    for notice in result.issue.notices:
        assert squash(notice.meta.title) in h2, notice.meta.title


PAINTING = {"Tj", "TJ", "'", '"', "S", "s", "f", "F", "f*", "B", "B*", "b", "b*", "Do", "sh", "BI"}


def _untagged_painting(page) -> list[str]:
    """Operators that paint outside any marked content: neither real content (MCID, in the
    structure tree) nor an /Artifact (running heads, folios, rules)."""
    depth, found = 0, []
    for operands, operator in pikepdf.parse_content_stream(page):
        name = str(operator)
        if name in ("BDC", "BMC"):
            depth += 1
        elif name == "EMC":
            depth -= 1
        elif depth == 0 and name in PAINTING:
            found.append(name)
    return found


def _structure(element, found: dict[str, list]) -> None:
    if isinstance(element, pikepdf.Array):
        for kid in element:
            _structure(kid, found)
    elif isinstance(element, pikepdf.Dictionary) and "/S" in element:
        found.setdefault(str(element.S), []).append(element)
        if "/K" in element:
            _structure(element.K, found)


def test_every_bundled_issue_has_the_pdf_ua_structure_we_can_check(bundled_build):
    """What PDF/UA-1 asks that pikepdf can read back (no veraPDF here, so no conformance is
    claimed: the XMP carries no pdfuaid): the title shown instead of the file name, tab order
    by structure, every painted thing tagged or an artifact, links described and tagged,
    figures with alternative text, every header cell with an ID, the cells of the board's
    and the colophon's tables tied to their row headers (scope="row"), and heading levels
    that start at H1 and never skip one. Known to fall short, so not asserted: in data
    tables with merged cells WeasyPrint 70 leaves some cells without /Headers, and 附件
    rows, name lists and signatures are laid out as tables without header cells, which
    PDF/UA would want tagged as something other than a table."""
    check_pdf_ua_structure(bundled_build[1])


def check_pdf_ua_structure(result) -> None:
    """See test_every_bundled_issue_has_the_pdf_ua_structure_we_can_check."""
    with pikepdf.open(result.pdf_path) as pdf:
        meta = pdf.open_metadata()
        assert meta["dc:title"] and meta["dc:title"] == str(pdf.docinfo.Title)
        assert "pdfuaid:part" not in meta
        assert bool(pdf.Root.ViewerPreferences.DisplayDocTitle) is True
        for number, page in enumerate(pdf.pages, 1):
            assert page.obj.get("/Tabs") == "/S", f"page {number}"
            assert not _untagged_painting(page), f"page {number}"
            for annotation in page.obj.get("/Annots", []):
                if annotation.Subtype == "/Link":
                    assert str(annotation.get("/Contents", "")).strip(), f"page {number}"
                    assert "/StructParent" in annotation, f"page {number}"
        found: dict[str, list] = {}
        _structure(pdf.Root.StructTreeRoot.K, found)
        assert all(str(f.get("/Alt", "")).strip() for f in found.get("/Figure", []))
        assert all("/ID" in th for th in found.get("/TH", []))
        for table in found["/Table"]:
            cells: dict[str, list] = {}
            _structure(table.K, cells)
            if cells.get("/TH") and "/THead" not in cells:  # the cover's board, the colophon
                assert all(len(td.A.Headers) > 0 for td in cells.get("/TD", [])), \
                    "each cell of a table of row headers names its header"
        levels = [int(kind[2]) for kind in _heading_order(pdf.Root.StructTreeRoot.K)]
        assert levels[0] == 1
        assert all(b <= a + 1 for a, b in zip(levels, levels[1:])), "no heading level skipped"


def _heading_order(element) -> list[str]:
    """/H1…/H6 of the structure tree in reading (document) order."""
    if isinstance(element, pikepdf.Array):
        return [h for kid in element for h in _heading_order(kid)]
    if not isinstance(element, pikepdf.Dictionary) or "/S" not in element:
        return []
    kind = str(element.S)
    own = [kind] if kind in ("/H1", "/H2", "/H3", "/H4", "/H5", "/H6") else []
    return own + (_heading_order(element.K) if "/K" in element else [])
