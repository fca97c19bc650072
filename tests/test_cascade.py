"""gazette.cascade: only the pseudo-element styles a box can use are computed, and the pages
are the ones stock WeasyPrint makes."""

from __future__ import annotations

import subprocess
import sys

from weasyprint import DEFAULT_OPTIONS, HTML
from weasyprint.css.counters import CounterStyle
from weasyprint.document import Document
from weasyprint.text.fonts import FontConfiguration

from gazette import cascade

from .conftest import ROOT

FANG = ROOT / "fonts" / "FandolFang-Regular.otf"

# Every kind of element that uses a skipped pseudo-element style, each style made visible
# (a coloured marker, call or callback), beside plain paragraphs that use none.
PAGE = f"""<html lang="zh-CN"><style>
@font-face {{ font-family: F; src: url({FANG.as_uri()}); }}
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
<p>第一段正文，没有任何伪元素。</p>
<ol><li>第一项</li><li class="roman">第二项</li></ol>
<p>正文<span class="note">脚注内容。</span>继续。</p>
<p>正文<span class="side">旁注内容。</span>继续。</p>
<p class="item">前置列表项。</p>
<p>最后一段正文。</p>
</html>"""

RENDER = """
import sys
from weasyprint import HTML
if sys.argv[1] == "trimmed":
    from gazette import cascade
    cascade.install()
html = sys.stdin.read()
sys.stdout.buffer.write(HTML(string=html).write_pdf(pdf_identifier=b"cascade-test"))
"""


def _pdf(mode: str) -> bytes:
    """The page written by a fresh interpreter, with stock WeasyPrint or gazette's cascade."""
    done = subprocess.run([sys.executable, "-c", RENDER, mode], input=PAGE.encode(),
                          capture_output=True, cwd=ROOT, check=True)
    return done.stdout


def test_skipping_unused_pseudo_element_styles_gives_the_same_pdf():
    stock, trimmed = _pdf("stock"), _pdf("trimmed")
    assert stock.startswith(b"%PDF")
    assert trimmed == stock


def test_only_elements_that_use_a_pseudo_element_style_get_one():
    cascade.install()
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
