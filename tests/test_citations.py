"""Citation ids (gazette/year/issue/文号): printed, in the PDF metadata, in issue.json, and
resolving to the notice's web page; optional QR codes per notice, decoded from the PDF."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner
from PIL import Image

from gazette.build import build_issue
from gazette.cite import gazette_id, resolve
from gazette.cli import main
from gazette.config import ConfigError, load_config
from gazette.diagnostics import Diagnostics

from .conftest import SAMPLE, copy_project, share_webfont_cuts
from .pdftext import PdfPages, squash

EXAMPLE = "yinchuan/2020/7/银政发〔2020〕71号"


@pytest.fixture(scope="module")
def built(sample_build):
    result, _diags = sample_build
    root = result.pdf_path.parents[2]
    issue_json = json.loads((root / "build/site/2020/7/issue.json").read_text(encoding="utf-8"))
    return result, root, issue_json


def _expected_ids(result) -> list[str]:
    return [f"yinchuan/2020/7/{n.meta.doc_number or n.slug}" for n in result.issue.notices]


def test_gazette_id_defaults_to_the_site_host(config):
    assert gazette_id(config) == "yinchuan"


def test_citation_ids_are_in_issue_json_and_the_pdf_metadata(built):
    result, root, issue_json = built
    expected = _expected_ids(result)
    assert EXAMPLE in expected
    assert [n["citation"] for n in issue_json["notices"]] == expected
    info = PdfPages(result.pdf_path).reader.metadata
    assert info["/citations"].split("\n") == expected
    manifest = json.loads((result.pdf_path.parent / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["citations"] == expected


def test_colophon_prints_the_citation_pattern(built):
    result, _root, _issue_json = built
    assert squash("引用标识：yinchuan/2020/7/〈发文字号〉") in PdfPages(result.pdf_path).squashed[-1]


def test_every_citation_resolves_to_its_web_page_and_printed_page(built, config):
    result, root, issue_json = built
    site = root / "build" / "site"
    cfg = load_config(root / "config.yaml")
    for notice, entry in zip(result.issue.notices, issue_json["notices"], strict=True):
        found = resolve(cfg, entry["citation"], site)
        assert found is not None, entry["citation"]
        page = (site / found.web_path / "index.html").read_text(encoding="utf-8")
        assert notice.meta.title.replace("　", "") in re.sub(r"<[^>]+>|\u2060|　", "", page)
        assert found.url == f"https://www.yinchuan.gov.cn/gongbao/{entry['permalink'].split('/gongbao/')[1]}"
        assert found.printed == f"《银川市人民政府公报》2020年第7期第{entry['pages']['printed']}页"
    assert resolve(cfg, "yinchuan/2020/7/银政发〔2020〕999号", site) is None
    assert resolve(cfg, "dawukou/2020/7/银政发〔2020〕71号", site) is None


def test_gazette_cite_prints_url_and_page(built):
    _result, root, issue_json = built
    [entry] = [n for n in issue_json["notices"] if n["citation"] == EXAMPLE]
    runner = CliRunner()
    result = runner.invoke(main, ["cite", EXAMPLE, "-c", str(root / "config.yaml")])
    assert result.exit_code == 0, result.output
    assert f"网页版：{entry['permalink']}" in result.output
    assert f"印刷版：《银川市人民政府公报》2020年第7期第{entry['pages']['printed']}页" in result.output
    missing = runner.invoke(main, ["cite", "yinchuan/2020/7/不存在", "-c", str(root / "config.yaml")])
    assert missing.exit_code == 1
    assert "找不到引用标识“yinchuan/2020/7/不存在”" in missing.output


def test_qr_needs_a_site_url(tmp_path):
    root = copy_project(tmp_path / "p")
    text = (root / "config.yaml").read_text(encoding="utf-8")
    text = re.sub(r"\n  site_url:.*\n", "\n", text) + "\narchive:\n  qr: true\n"
    (root / "config.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(root / "config.yaml")
    [error] = caught.value.diagnostics.errors
    assert error.code == "config.archive-qr" and "site_url" in error.message
    assert error.location.line == text.count("\n")


@pytest.fixture(scope="module")
def qr_build(tmp_path_factory):
    """The sample built with citation lines under each notice and a QR code per notice."""
    root = copy_project(tmp_path_factory.mktemp("qr"))
    share_webfont_cuts(root)
    with open(root / "config.yaml", "a", encoding="utf-8") as handle:
        handle.write("\narchive:\n  citation: notice\n  qr: true\n")
    diags = Diagnostics()
    result = build_issue(load_config(root / "config.yaml"), SAMPLE, diags)
    assert result is not None, [d.format() for d in diags]
    issue_json = json.loads((root / "build/site/2020/7/issue.json").read_text(encoding="utf-8"))
    return result, PdfPages(result.pdf_path), issue_json


def test_each_notice_prints_its_citation_id(qr_build):
    result, pdf, _issue_json = qr_build
    text = "".join(pdf.squashed)
    for citation in _expected_ids(result):
        assert squash(f"引用标识：{citation}") in text, citation


def _modules(image: Image.Image) -> list[list[bool]]:
    """The image as a matrix of dark (True) and light pixels; one pixel is one module."""
    grey = image.convert("L")
    return [[grey.getpixel((x, y)) < 128 for x in range(grey.width)] for y in range(grey.height)]


def _drawn_images(path) -> list[Image.Image]:
    """Every image XObject in the order the pages draw them (``Do``), each once."""
    import pikepdf

    seen, images = set(), []
    with pikepdf.open(path) as document:
        for page in document.pages:
            xobjects = page.Resources.get("/XObject", {})
            for operands, operator in pikepdf.parse_content_stream(page):
                if str(operator) != "Do" or str(operands[0]) not in xobjects:
                    continue
                xobject = xobjects[str(operands[0])]
                if xobject.Subtype == "/Image" and xobject.objgen not in seen:
                    seen.add(xobject.objgen)
                    images.append(pikepdf.PdfImage(xobject).as_pil_image())
    return images


def test_each_notice_carries_a_qr_code_of_its_web_page(qr_build):
    import segno
    import zxingcpp

    result, pdf, issue_json = qr_build
    images = _drawn_images(result.pdf_path)
    urls = [n["permalink"] for n in issue_json["notices"]]
    assert len(images) == len(result.issue.notices) == len(urls)
    for image, url in zip(images, urls, strict=True):
        expected = segno.make(url, error="m", micro=False)
        assert _modules(image) == [[bool(m) for m in row]
                                   for row in expected.matrix_iter(scale=1, border=4)]
        big = image.convert("L").resize((image.width * 8, image.height * 8), Image.NEAREST)
        [decoded] = zxingcpp.read_barcodes(big)
        assert decoded.text == url
        assert url.startswith("https://www.yinchuan.gov.cn/gongbao/2020/7/")
