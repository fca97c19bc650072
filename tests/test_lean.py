"""gazette.lean: only the pseudo-element styles a box can use are computed, whole font files
are not copied to write a PDF, and the PDF is the one stock WeasyPrint writes."""

from __future__ import annotations

import os
import subprocess
import sys

from weasyprint import DEFAULT_OPTIONS, HTML
from weasyprint.css.counters import CounterStyle
from weasyprint.document import Document
from weasyprint.text.fonts import FontConfiguration

import pytest

from gazette import lean

from .conftest import ROOT

FANG = ROOT / "fonts" / "FandolFang-Regular.otf"
KAI = ROOT / "fonts" / "FandolKai-Regular.otf"
FALLBACK = ROOT / "fonts" / "NotoSerifCJKsc-Fallback.otf"

# Every kind of element that uses a skipped pseudo-element style, each style made visible
# (a coloured marker, call or callback), beside plain paragraphs that use none.
PAGE = f"""<html lang="zh-CN"><style>
@font-face {{ font-family: F; src: url({FANG.as_uri()}); }}
@font-face {{ font-family: K; src: url({KAI.as_uri()}); }}
@font-face {{ font-family: N; src: url({FALLBACK.as_uri()}); }}
h1 {{ font: 16pt K; text-align: center; }}
.rare {{ font-family: N; }}
@page {{ size: 120mm 160mm; margin: 12mm; @footnote {{ border-top: 1px solid black; }} }}
body {{ font: 10.5pt/1.6 F; }}
li::marker {{ color: red; }}
.roman {{ list-style: upper-roman; }}
.note {{ float: footnote; }}
::footnote-call {{ color: blue; }}
::footnote-marker {{ color: green; }}
.side {{ position: note(side); }}
::note-call {{ color: orange; }}
::note-callback {{ color: purple; }}
.item::before {{ display: list-item; content: "前"; list-style: square inside; }}
.item::marker {{ color: teal; }}
</style>
<h1>关于测试的通知</h1>
<p>第一段正文，没有任何伪元素；<span class="rare">䶮</span>用后备字体。</p>
<ol><li>第一项</li><li class="roman">第二项</li></ol>
<p>正文<span class="note">脚注内容。</span>继续。</p>
<p>正文<span class="side">旁注内容。</span>继续。</p>
<p class="item">前置列表项。</p>
<p>最后一段正文。</p>
</html>"""

RENDER = """
import sys, tracemalloc
import weasyprint.pdf.fonts
from weasyprint import HTML
mode, subsetter, out = sys.argv[1:]
if mode == "lean":
    from gazette import lean
    lean.install()
if subsetter == "fonttools":
    weasyprint.pdf.fonts.harfbuzz_subset = None
document = HTML(string=sys.stdin.read()).render()
tracemalloc.start()
pdf = document.write_pdf(pdf_identifier=b"lean-test")
print(tracemalloc.get_traced_memory()[1])
open(out, "wb").write(pdf)
"""


def _write(tmp_path, mode: str, subsetter: str) -> tuple[bytes, int]:
    """The page written by a fresh interpreter with stock WeasyPrint or gazette.lean, fonts
    subset by HarfBuzz or fontTools; and the most memory writing the PDF allocated."""
    out = tmp_path / f"{mode}-{subsetter}.pdf"
    # fontTools stamps the fonts it saves with the time, unless told one
    done = subprocess.run([sys.executable, "-c", RENDER, mode, subsetter, str(out)],
                          input=PAGE.encode(), capture_output=True, cwd=ROOT, check=True,
                          env=dict(os.environ, SOURCE_DATE_EPOCH="1600000000"))
    return out.read_bytes(), int(done.stdout)


@pytest.mark.parametrize("subsetter", ["harfbuzz", "fonttools"])
def test_the_pdf_is_the_one_stock_weasyprint_writes(tmp_path, subsetter):
    """Every pseudo-element a box uses is drawn as stock WeasyPrint draws it (coloured
    markers, calls and callback), and the fonts are subset from the same data, whether
    HarfBuzz subsets the face or fontTools reads the file."""
    (stock, _), (leaner, _) = _write(tmp_path, "stock", subsetter), _write(tmp_path, "lean",
                                                                           subsetter)
    assert stock.startswith(b"%PDF")
    assert leaner == stock


def test_writing_the_pdf_does_not_copy_whole_font_files(tmp_path):
    """Stock WeasyPrint copies each font's whole file before subsetting it: 33 MB here for a
    page. HarfBuzz subsets from the face, so gazette.lean never makes the copies."""
    files = sum(path.stat().st_size for path in (FANG, KAI, FALLBACK))
    (_, stock), (_, leaner) = _write(tmp_path, "stock", "harfbuzz"), _write(tmp_path, "lean",
                                                                            "harfbuzz")
    assert stock > files
    assert leaner < files / 10


def test_only_elements_that_use_a_pseudo_element_style_get_one():
    lean.install()
    html = HTML(string=PAGE)
    context = Document._build_layout_context(html, FontConfiguration(), CounterStyle(), {},
                                             dict(DEFAULT_OPTIONS))
    styles = context.style_for.get_computed_styles()
    kept = {(element.get("class") or element.tag, pseudo) for element, pseudo in styles
            if pseudo in {"marker", "footnote-call", "footnote-marker", "note-call",
                          "note-marker", "note-callback"}}
    assert kept == {("li", "marker"), ("roman", "marker"), ("item", "marker"),
                    ("note", "footnote-call"), ("note", "footnote-marker"),
                    ("side", "note-call"), ("side", "note-marker"), ("side", "note-callback")}
