"""Safe input: encodings, YAML that tries to run code, HTML and script injection in every
field that reaches an edition, and WeasyPrint confined to the project's files."""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
import yaml

from gazette.config import load_config
from gazette.content import find_issue, read_notice
from gazette.diagnostics import Diagnostics, GazetteError
from gazette.issue import load_issue
from gazette.markup import render_body
from gazette.render_pdf import _project_fetcher, read_fit, render_pdf, render_print_html
from gazette.sources import load_yaml, read_source
from gazette.templates import edition_environment, web_helpers

from .conftest import SAMPLE, copy_project
from .test_atomic import published
from .test_check import BAD, CASES, make_case

NOTICE = """---
title: 银川市人民政府关于测试稿件的通知
doc_number: 银政发〔2020〕99号
section: 银川市政府文件
order: 99
issuer: 银川市人民政府
date: 2020-08-26
---

各有关单位要认真落实本通知要求。
"""


def scratch_notice(root: Path, text: str | bytes, name: str = "99-case.md") -> Path:
    path = root / "content" / SAMPLE / name
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8")
    else:
        path.write_bytes(text)
    return path


# ----------------------------------------------------------------------------- encodings

def test_gbk_file_is_refused_with_a_gb18030_hint_and_read_with_encoding(scratch):
    config = load_config(scratch / "config.yaml")
    path = scratch_notice(scratch, NOTICE.encode("gbk"))
    diags = Diagnostics()
    assert read_notice(path, config, diags) is None
    [diagnostic] = diags
    assert diagnostic.code == "source.encoding" and diagnostic.location.line == 2
    assert "GBK/GB18030" in diagnostic.hint and "--encoding gb18030" in diagnostic.hint
    assert "iconv -f GB18030 -t UTF-8" in diagnostic.hint
    source = read_notice(path, config, Diagnostics(), encoding="gb18030")
    assert source.meta.title == "银川市人民政府关于测试稿件的通知"


def test_encoding_option_does_not_garble_the_utf8_files_of_the_issue(scratch, config):
    """GB18030 decodes almost any bytes, so UTF-8 must be tried first for every file."""
    local = load_config(scratch / "config.yaml")
    scratch_notice(scratch, NOTICE.encode("gb18030"))
    diags = Diagnostics()
    issue = load_issue(local, find_issue(local, SAMPLE), diags, encoding="gb18030")
    assert issue is not None, [d.format() for d in diags]
    reference = load_issue(config, find_issue(config, SAMPLE), Diagnostics())
    titles = {n.meta.title for n in issue.notices}
    assert {n.meta.title for n in reference.notices} <= titles
    assert "银川市人民政府关于测试稿件的通知" in titles


def test_bom_crlf_and_utf16(scratch):
    config = load_config(scratch / "config.yaml")
    path = scratch_notice(scratch, ("\ufeff" + NOTICE.replace("\n", "\r\n")).encode())
    source = read_notice(path, config, Diagnostics())
    assert source.meta.title == "银川市人民政府关于测试稿件的通知"
    assert source.body_line == 9 and source.body.strip() == "各有关单位要认真落实本通知要求。"
    assert read_source(path, "x").bom
    scratch_notice(scratch, NOTICE.encode("utf-16"))
    diags = Diagnostics()
    assert read_notice(path, config, diags) is None
    assert [d.code for d in diags] == ["source.encoding"] and "utf-16" in diags.errors[0].hint
    assert read_notice(path, config, Diagnostics(), encoding="utf-16").meta.order == 99


def test_binary_and_oversized_files_are_refused(scratch):
    config = load_config(scratch / "config.yaml")
    path = scratch_notice(scratch, b"PK\x03\x04\x14\x00\x06\x00word/document.xml")
    diags = Diagnostics()
    assert read_notice(path, config, diags) is None
    assert [d.code for d in diags] == ["source.binary"]
    path.write_bytes(b"x" * (3 * 1024 * 1024))
    diags = Diagnostics()
    assert read_notice(path, config, diags) is None
    assert [d.code for d in diags] == ["source.too-large"]


# ---------------------------------------------------------------------------------- YAML

def test_yaml_cannot_run_code(tmp_path):
    marker = tmp_path / "pwned"
    for payload in (f'!!python/object/apply:os.system ["touch {marker}"]',
                    f'!!python/object/new:subprocess.Popen [["touch", "{marker}"]]',
                    "!!python/name:os.system"):
        with pytest.raises(GazetteError) as caught:
            load_yaml(f"title: {payload}\n", "x.md", first_line=2)
        assert caught.value.diagnostic.code == "yaml.syntax"
        assert caught.value.diagnostic.location.line == 2
    assert not marker.exists()


def test_yaml_alias_bomb_is_cheap(scratch):
    laughs = ['a: &a ["哈", "哈", "哈", "哈", "哈", "哈", "哈", "哈", "哈"]']
    for level in "bcdefghi":
        previous = chr(ord(level) - 1)
        laughs.append(f"{level}: &{level} [{', '.join(['*' + previous] * 9)}]")
    text = "---\n" + "\n".join(laughs) + "\ntitle: *i\nsection: 银川市政府文件\norder: 1\n---\n正文。\n"
    path = scratch_notice(scratch, text)
    started = time.perf_counter()
    diags = Diagnostics()
    assert read_notice(path, load_config(scratch / "config.yaml"), diags) is None
    assert time.perf_counter() - started < 2
    assert "front-matter.type" in {d.code for d in diags}


# -------------------------------------------------------------------- HTML and scripts

PAYLOADS = (
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<iframe src=https://evil.example/></iframe>",
    "<style>body{display:none}</style>",
    "<svg onload=alert(1)>",
    '<a href="javascript:alert(1)">点我</a>',
    "<object data=x.swf></object>",
    '"><script>alert(2)</script>',
    "<!--<script>alert(3)</script>-->",
)

BODY = f"""
今年以来，{PAYLOADS[0]}全市工业企业{PAYLOADS[1]}认真贯彻落实。

[点击查看](javascript:alert(document.cookie))和[另一个](JaVaScRiPt:alert(1))、<javascript:alert(1)>、[数据](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)。

## 一、{PAYLOADS[2]}

{PAYLOADS[3]}{PAYLOADS[4]}

<div onclick="alert(1)">{PAYLOADS[5]}</div>

::: 表格 {PAYLOADS[6]}
单位：{PAYLOADS[7]}
| 指标 | 说明 |
| --- | --- |
| {PAYLOADS[0]} | {PAYLOADS[1]} |
| ^ | {PAYLOADS[8]} |

注：{PAYLOADS[2]}
:::

::: 名单
组长：{PAYLOADS[4]}　{PAYLOADS[0]}
{PAYLOADS[1]}　成员
:::

附件：1. {PAYLOADS[5]}
2. {PAYLOADS[3]}

# 附件1　{PAYLOADS[0]}

附文正文{PAYLOADS[1]}。
"""

FRONT = f"""---
title: '银川市人民政府关于{PAYLOADS[0]}的通知'
doc_number: 银政发〔2020〕99号
number_line: '{PAYLOADS[1]}'
section: 银川市政府文件
order: 99
addressees: '{PAYLOADS[2]}各县（市）区人民政府'
attachments: ['{PAYLOADS[5]}', '{PAYLOADS[7].replace("'", "''")}']
issuer: ['{PAYLOADS[3]}', '{PAYLOADS[4]}']
date: 2020-08-26
note: '{PAYLOADS[6]}'
slug: test-injection
---
"""

ACTIVE_TAGS = {"script", "iframe", "object", "embed", "frame", "frameset", "applet", "base",
               "form", "input", "button", "link", "svg", "math", "template", "style", "meta",
               "video", "audio", "source"}
HEAD_TAGS = {"meta", "style", "title"}
"""The template's own <head>; nothing an editor writes is placed there as an element."""
LOADING_ATTRIBUTES = {"src", "action", "formaction", "xlink:href", "srcset", "data",
                      "background", "poster"}
"""Attributes whose URL the reader's browser loads (or submits to) without a click."""


class _Audit(HTMLParser):
    """Every element, attribute and comment of an HTML document."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None], tuple[str, ...]]] = []
        self.stack: list[str] = []
        self.comments: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs), tuple(self.stack)))
        if tag not in ("br", "img", "meta", "link", "input", "hr", "col", "wbr"):
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if tag in self.stack:
            while self.stack.pop() != tag:
                pass

    def handle_comment(self, data):
        self.comments.append(data)


def assert_inert(html: str, refused: frozenset[str] = frozenset()) -> _Audit:
    """No element can run script, load a resource or restyle the page. ``refused`` are image
    URLs the markup stage reported as errors (the build stops before any edition is made)."""
    audit = _Audit()
    audit.feed(html)
    for tag, attrs, ancestors in audit.tags:
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name)
            if name == "href" and value:
                assert urlparse(value).scheme.lower() in ("", "http", "https", "mailto"), value
            if name in LOADING_ATTRIBUTES and value and value not in refused:
                # Only the project's own files, by relative path.
                assert not (urlparse(value).scheme or value.startswith(("/", "\\"))), (
                    tag, name, value)
            if name == "style":
                assert not any(bad in (value or "").lower()
                               for bad in ("url(", "expression", "javascript", "@import")), value
        if tag in ACTIVE_TAGS:
            if tag in HEAD_TAGS and ancestors[-1:] == ("head",):
                continue
            pytest.fail(f"active element <{tag} {attrs}> in {'/'.join(ancestors)}")
    assert not any("script" in c for c in audit.comments)
    return audit


def test_markup_escapes_every_payload_and_keeps_it_as_text(tmp_path):
    diags = Diagnostics()
    body = render_body(BODY, rel="t.md", body_line=1, source_dir=tmp_path, root=tmp_path,
                       chronicle=False, diags=diags)
    html = body.html + "".join(a.html for a in body.appendices)
    audit = assert_inert(html)
    assert not any({"href", "src"} & set(attrs) for _tag, attrs, _s in audit.tags)
    assert [a.title for a in body.appendices] == [PAYLOADS[0]]  # plain text; templates escape it
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # escaped, not dropped
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    text = "\n".join(body.paragraphs)
    assert all(payload in text for payload in PAYLOADS[:7])
    assert not diags.errors, [d.format() for d in diags]


@pytest.mark.parametrize("src", ["https://evil.example/t.png", "//evil.example/t.png",
                                 "../../../../etc/passwd", "/etc/passwd",
                                 "data:image/png;base64,iVBORw0KGgo="])
def test_markup_refuses_images_outside_the_project(tmp_path, src):
    (tmp_path / "content").mkdir()
    diags = Diagnostics()
    render_body(f"正文。\n\n![图]({src})\n", rel="t.md", body_line=10,
                source_dir=tmp_path / "content", root=tmp_path, chronicle=False, diags=diags)
    [error] = diags.errors
    assert error.code in ("image.remote", "image.outside") and error.location.line == 12


@pytest.mark.parametrize("src", ["javascript:alert(1)", "JAVASCRIPT:alert(1)",
                                 "vbscript:msgbox(1)", "file:///etc/passwd",
                                 "data:image/svg+xml;base64,PHN2Zz4="])
def test_markup_keeps_dangerous_image_urls_as_text(tmp_path, src):
    """markdown-it's link validation turns these into text, never an <img> or <a>."""
    diags = Diagnostics()
    body = render_body(f"![图]({src})和[链接]({src})\n", rel="t.md", body_line=10,
                       source_dir=tmp_path, root=tmp_path, chronicle=False, diags=diags)
    assert "<img" not in body.html and "<a" not in body.html
    assert src in body.paragraphs[0] and not diags


def test_images_inside_blockquotes_are_checked(tmp_path):
    diags = Diagnostics()
    body = render_body("> 引用\n> ![图](https://evil.example/t.png)\n", rel="t.md", body_line=10,
                       source_dir=tmp_path, root=tmp_path, chronicle=False, diags=diags)
    assert [(d.code, d.location.line) for d in diags.errors] == [("image.remote", 10)]
    assert "evil.example" not in body.html


@pytest.fixture(scope="module")
def injected(tmp_path_factory):
    root = copy_project(tmp_path_factory.mktemp("inject"))
    scratch_notice(root, FRONT + BODY)
    meta = root / "content" / SAMPLE / "issue.yaml"
    meta.write_text(meta.read_text(encoding="utf-8").replace(
        "names: [潘灵胜]", "names: ['<script>alert(1)</script>', 潘灵胜]").replace(
        "印数: 1270册", "印数: '<img src=x onerror=alert(1)>'"), encoding="utf-8")
    config = load_config(root / "config.yaml")
    diags = Diagnostics()
    issue = load_issue(config, find_issue(config, SAMPLE), diags)
    assert issue is not None, [d.format() for d in diags.errors]
    return config, issue


def test_print_html_has_no_active_content(injected):
    config, issue = injected
    html = render_print_html(issue, config)
    audit = assert_inert(html)
    assert sum(tag == "style" for tag, _a, _s in audit.tags) == 1
    assert [tag for tag, _a, ancestors in audit.tags if "head" in ancestors] == [
        tag for tag, _a, ancestors in audit.tags if ancestors[-1:] == ("head",)]
    for payload in ("&lt;script&gt;alert(1)&lt;/script&gt;", "&lt;img src=x onerror=alert(1)&gt;",
                    "&lt;iframe src=https://evil.example/&gt;&lt;/iframe&gt;"):
        assert payload in html
    assert html.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 6  # title, toc, body, cells…


def test_web_notice_partial_has_no_active_content(injected):
    """Both editions render partials/notice.html; here with the web edition's helpers."""
    config, issue = injected
    notice = next(n for n in issue.notices if n.slug == "test-injection")
    template = edition_environment(config).get_template("partials/notice.html")
    html = template.render(notice=notice, **web_helpers(config))
    assert_inert(html)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


# ------------------------------------------------------------------------ URL fetcher

def test_fetcher_serves_only_files_inside_the_project(scratch, tmp_path):
    config = load_config(scratch / "config.yaml")
    allowed = tuple(p.resolve() for p in (config.layouts_dir, config.fonts_dir,
                                          config.content_dir))
    refused: list[str] = []
    fetcher = _project_fetcher(allowed, refused)
    issue_dir = (config.content_dir / SAMPLE).resolve()
    (issue_dir / "link.png").symlink_to("/etc/passwd")
    outside = tmp_path / "secret.txt"
    outside.write_text("secret")
    bad = ["https://example.com/tracker.png", "http://169.254.169.254/latest/meta-data/",
           "file:///etc/passwd", f"{issue_dir.as_uri()}/../../../../../../etc/passwd",
           f"{issue_dir.as_uri()}/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
           f"file://evil.example{outside}", outside.as_uri(), f"{issue_dir.as_uri()}/link.png",
           "data:text/html,<script>alert(1)</script>", "ftp://example.com/x"]
    for url in bad:
        with pytest.raises(PermissionError):
            fetcher.fetch(url)
    assert refused == bad
    response = fetcher.fetch(config.fonts.song.resolve().as_uri())
    try:
        assert response is not None
    finally:
        getattr(response, "close", lambda: None)()
    assert refused == bad


def _one_notice_issue(tmp_path):
    """A copy of the sample holding only its short notice 02 (quick to lay out), loaded."""
    root = copy_project(tmp_path / "p")
    for path in (root / "content" / SAMPLE).glob("*.md"):
        if not path.name.startswith("02-"):
            path.unlink()
    config = load_config(root / "config.yaml")
    return root, config, load_issue(config, find_issue(config, SAMPLE), Diagnostics())


def test_refused_resources_are_reported_at_the_notice_that_references_them(tmp_path):
    """If a reference ever got past the markup stage, WeasyPrint still refuses it and the
    error names the notice and line, not the whole issue."""
    root, config, issue = _one_notice_issue(tmp_path)
    notice = issue.notices[0]
    urls = ["https://example.com/tracker.png", "file:///etc/passwd", "../" * 30 + "etc/passwd"]
    lines = [f"![图{i}]({url})" for i, url in enumerate(urls)]
    source = dataclasses.replace(notice.source, body=notice.source.body + "\n".join(lines))
    body = dataclasses.replace(notice.body, html=notice.body.html + "".join(
        f'<p><img src="{url}" alt=""></p>' for url in urls))
    notice = dataclasses.replace(notice, source=source, body=body)
    section = dataclasses.replace(issue.sections[0], notices=(notice,))
    issue = dataclasses.replace(issue, sections=(section,))
    diags = Diagnostics()
    render_pdf(render_print_html(issue, config), config, issue, diags)
    refused = [d for d in diags.errors if d.code == "render.refused-resource"]
    # The ../ escape resolves to file:///etc/passwd too: one error per resource.
    assert [d.message.rsplit("：", 1)[1] for d in refused] == [
        "https://example.com/tracker.png", "file:///etc/passwd"]
    first_line = notice.source.body_line + notice.source.body.count("\n") - 2
    assert [(d.location.path, d.location.line) for d in refused] == [
        (notice.source.rel, first_line), (notice.source.rel, first_line + 1)]


# ------------------------------------------------- bad input through gazette build

BUILD_CASES = [name for name in CASES
               if yaml.safe_load((BAD / name / "expect.yaml").read_text(encoding="utf-8"))
               .get("build")]


@pytest.mark.parametrize("name", BUILD_CASES)
def test_bad_input_fails_the_build_and_keeps_the_previous_outputs(name, tmp_path, sample_build):
    """`gazette build` on every case marked `build: true`: exit 1, the diagnostic with file
    and line, no traceback, and the previous good build byte for byte."""
    result, _ = sample_build
    root, expect = make_case(name, tmp_path / "p")
    shutil.copytree(result.pdf_path.parent.parent, root / "build", symlinks=True)
    before = published(root / "build")
    assert f"{SAMPLE}/{SAMPLE}.pdf" in before and "site/index.html" in before
    run = subprocess.run([sys.executable, "-m", "gazette", "build", SAMPLE, "-c",
                          str(root / "config.yaml")], capture_output=True, text=True, timeout=300)
    output = run.stdout + run.stderr
    assert run.returncode == 1, output
    assert "Traceback" not in output
    where = re.escape(expect["path"]) + (f":{expect['line']}(:\\d+)?" if expect["line"] else "")
    assert re.search(f"^{where}: 错误\\[{re.escape(expect['code'])}\\]", output, re.MULTILINE), output
    assert "未写入任何文件" in output
    assert published(root / "build") == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p"]
    assert sorted(p.name for p in root.iterdir()) == ["build", "config.yaml", "content", "fonts",
                                                      "layouts"]


# ------------------------------------------------------------- nothing lost silently

def test_a_system_font_or_a_broken_image_never_passes_the_layout_silently(tmp_path):
    """Past the shared validation (as if a check were missing), the layout still refuses:
    a character drawn with a font from outside fonts/ and an image WeasyPrint cannot decode
    are errors, the image's at its notice and line."""
    root = copy_project(tmp_path / "p")
    for path in (root / "content" / SAMPLE).glob("*.md"):
        if not path.name.startswith("02-"):
            path.unlink()
    (root / "content" / SAMPLE / "坏图.png").write_text("这其实是文本", encoding="utf-8")
    config = load_config(root / "config.yaml")
    issue = load_issue(config, find_issue(config, SAMPLE), Diagnostics())
    notice = issue.notices[0]
    source = dataclasses.replace(notice.source, body=notice.source.body + "\n![坏图](坏图.png)\n")
    body = dataclasses.replace(notice.body, html=notice.body.html +
                               '<p>象棋♔</p><p><img src="坏图.png" alt="坏图"></p>')
    notice = dataclasses.replace(notice, source=source, body=body)
    issue = dataclasses.replace(issue, sections=(dataclasses.replace(
        issue.sections[0], notices=(notice,)),))
    diags = Diagnostics()
    render_pdf(render_print_html(issue, config), config, issue, diags)
    codes = {d.code for d in diags.errors}
    assert codes & {"render.foreign-font", "render.missing-glyph"}, codes
    assert all(not d.message.split("“")[1].startswith("Gz")
               for d in diags.errors if d.code == "render.foreign-font")
    [failed] = [d for d in diags.errors if d.code == "render.resource-failed"]
    assert "坏图.png" in failed.message
    assert failed.location.path == notice.source.rel
    assert failed.location.line == notice.source.body_line + notice.source.body.count("\n") - 1


def test_images_in_content_shared_are_published_where_their_pages_link(tmp_path):
    import posixpath

    from gazette.render_html import PrintEdition, SiteIssue, render_site

    root = copy_project(tmp_path / "p")
    shared = root / "content" / "_shared"
    shared.mkdir()
    from PIL import Image
    Image.new("RGB", (4, 3), "#036").save(shared / "徽标.png")
    notice = root / "content" / SAMPLE / "05-yinzhengfa-2020-71.md"
    notice.write_text(notice.read_text(encoding="utf-8") + "\n![市徽](../_shared/徽标.png)\n",
                      encoding="utf-8")
    config = load_config(root / "config.yaml")
    issue = load_issue(config, find_issue(config, SAMPLE), Diagnostics())
    site = render_site(config, [SiteIssue(issue, PrintEdition(None))], fonts="preview")
    [page] = [p for p in site.pages if p.endswith("/银政发-2020-71/index.html")]
    [src] = re.findall(r'<img src="([^"]+)"', site.files[page].decode("utf-8"))
    target = posixpath.normpath(posixpath.join(posixpath.dirname(page), unquote(src)))
    assert site.files[target] == (shared / "徽标.png").resolve()


def test_a_title_with_path_characters_gets_one_safe_slug(scratch):
    from gazette.issue import slug_for
    from gazette.output import segment_problem

    path = scratch_notice(scratch, NOTICE.replace("doc_number: 银政发〔2020〕99号\n", "").replace(
        "title: 银川市人民政府关于测试稿件的通知", "title: ../../../../../x/关于.测试\\通知"))
    config = load_config(scratch / "config.yaml")
    source = read_notice(path, config, Diagnostics())
    slug = slug_for(source.meta)
    assert segment_problem(slug) is None and slug == "x-关于.测试-通知"
    assert load_issue(config, find_issue(config, SAMPLE), Diagnostics()) is not None


def test_jieba_keeps_its_cache_under_build(tmp_path):
    """Loading jieba writes its dictionary cache to build/.cache/, never to the system /tmp."""
    system_tmp = tmp_path / "tmp"
    system_tmp.mkdir()
    cache = tmp_path / "build" / ".cache"
    script = ("import sys; from pathlib import Path; from gazette.typography import WORD_CACHE;"
              "WORD_CACHE.load(Path(sys.argv[1]) / 'title-words.json');"
              "print(sorted(WORD_CACHE.boundaries('银川市人民政府关于测试的通知')))")
    run = subprocess.run([sys.executable, "-c", script, str(cache)], capture_output=True,
                         text=True, timeout=120, env={**os.environ, "TMPDIR": str(system_tmp)})
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr and run.stdout.strip().startswith("[")
    assert (cache / "jieba.cache").stat().st_size > 1_000_000
    assert list(system_tmp.iterdir()) == []


def test_a_rebuild_finds_its_words_in_the_cache_and_never_loads_jieba(sample_build, monkeypatch):
    """Validation (table columns), the print HTML and the web edition (titles) of an issue
    built before take their words from build/.cache/title-words.json: jieba's ~75 MB
    dictionary is neither loaded (~1 s) nor kept under the layout's peak."""
    from gazette import typography
    from gazette.build import _read_places
    from gazette.check import validate_issue
    from gazette.render_html import PrintEdition, SiteIssue, published_site

    result, _ = sample_build
    root = result.issue.path.parents[1]
    config = load_config(root / "config.yaml")
    html_before = (root / "build" / SAMPLE / "print.html").read_text(encoding="utf-8")
    typography.release_segmenter()
    assert typography._segmenter.cache_info().currsize == 0
    monkeypatch.setattr(typography.WORD_CACHE, "words", {})

    def refuse(folder):
        raise AssertionError("jieba loaded although every word is in the cache")

    monkeypatch.setattr(typography, "_segmenter", refuse)
    diags = Diagnostics()
    issue = validate_issue(config, find_issue(config, SAMPLE), diags)
    assert issue is not None and not diags.errors
    assert any(n.body.tables for n in issue.notices)  # the table check ran
    fit = read_fit(html_before, [n.anchor for n in issue.notices])
    assert fit.leading, "the sample is laid out with page fitting"
    assert render_print_html(issue, config, fit) == html_before
    out = root / "build" / SAMPLE
    site = published_site(config, Diagnostics(), SiteIssue(issue, PrintEdition(
        out / f"{SAMPLE}.pdf", _read_places(out))))
    assert site.pages  # every web title was set from the cache too


@pytest.mark.parametrize("svg, problem", [
    (b'<svg xmlns="http://www.w3.org/2000/svg"><rect onload="alert(1)"/></svg>', "事件属性"),
    (b'<svg xmlns="http://www.w3.org/2000/svg"><foreignObject><p>x</p></foreignObject></svg>',
     "foreignObject"),
    (b'<svg xmlns="http://www.w3.org/2000/svg"><rect style="fill:url(https://e.example/a)"/></svg>',
     "外部资源"),
    (b'<svg xmlns="http://www.w3.org/2000/svg"><style>@import url(a.css);</style></svg>', "外部"),
    (b'<?xml-stylesheet href="https://e.example/a.css"?><svg xmlns="http://www.w3.org/2000/svg"/>',
     "样式表"),
    (b'<svg xmlns="http://www.w3.org/2000/svg"><use href="other.svg#a"/></svg>', "外部资源"),
    (b"<html><body/></html>", "不是 SVG"),
])
def test_svg_policy_refuses_every_way_out(svg, problem):
    from gazette.images import svg_problem

    assert problem in (svg_problem(svg) or "")


def test_an_inert_svg_and_a_real_png_pass_and_a_huge_file_does_not(tmp_path):
    from PIL import Image

    from gazette.images import MAX_IMAGE_BYTES, image_problem

    svg = tmp_path / "图.svg"
    svg.write_bytes(b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/'
                    b'xlink"><defs><linearGradient id="g"/></defs><rect fill="url(#g)"/>'
                    b'<use xlink:href="#g"/></svg>')
    png = tmp_path / "图.png"
    Image.new("RGB", (40, 30), "#c00").save(png)
    assert image_problem(svg) is None and image_problem(png) is None
    with open(png, "ab") as handle:
        handle.truncate(MAX_IMAGE_BYTES + 1)
    assert "文件过大" in image_problem(png)


def test_print_html_names_no_absolute_path(config):
    """print.html is the same file in every checkout: fonts by paths relative to the issue."""
    issue = load_issue(config, find_issue(config, SAMPLE), Diagnostics())
    html = render_print_html(issue, config)
    assert "file:" not in html and str(config.root) not in html
    song = os.path.relpath(config.fonts.song, issue.path)
    assert song.startswith("../") and f'url("{song}")' in html


def test_two_issues_at_one_web_address_do_not_overwrite_each_other(tmp_path):
    from gazette.render_html import PrintEdition, SiteIssue, load_site_issues

    root = copy_project(tmp_path / "p")
    shutil.copytree(root / "content" / SAMPLE, root / "content" / "2020-08")
    config = load_config(root / "config.yaml")
    current = load_issue(config, find_issue(config, SAMPLE), Diagnostics())
    diags = Diagnostics()
    issues = load_site_issues(config, diags, current=SiteIssue(current, PrintEdition(None)))
    assert [s.issue for s in issues] == [current]
    [warning] = diags.warnings
    assert warning.code == "site.issue-skipped" and "网页版地址 2020/7/ 重复" in warning.message
    assert warning.location.path == "content/2020-08/issue.yaml"


def test_a_table_wider_than_the_page_is_an_error_not_clipped(tmp_path):
    """Past check's table.too-wide (as if its estimate were wrong), the laid-out table is
    measured: one that runs past the page's text block is an error at its notice and line."""
    root, config, issue = _one_notice_issue(tmp_path)
    notice = issue.notices[0]
    cells = "".join(f"<td>{'9' * 12}.{i:03d}</td>" for i in range(40))
    table = f'<table class="gw-table"><tbody><tr>{cells}</tr></tbody></table>'
    body = dataclasses.replace(notice.body, html=notice.body.html + table, tables=((None, 14),))
    notice = dataclasses.replace(notice, body=body)
    issue = dataclasses.replace(issue, sections=(dataclasses.replace(
        issue.sections[0], notices=(notice,)),))
    diags = Diagnostics()
    render_pdf(render_print_html(issue, config), config, issue, diags)
    [overflow] = [d for d in diags.errors if d.code == "render.table-overflow"]
    assert (overflow.location.path, overflow.location.line) == (notice.source.rel, 14)
    assert "第 1 张表格比版心宽" in overflow.message


def test_web_font_cuts_are_cached_inside_the_project(sample_build):
    """The web edition's cut fonts are cached in build/.cache/webfonts/, like every cache, and
    no module of gazette reaches for the user's home folder."""
    from gazette.webfonts import cache_dir

    result, _ = sample_build
    root = result.pdf_path.parent.parent.parent
    config = load_config(root / "config.yaml")
    assert cache_dir(config) == root / "build" / ".cache" / "webfonts"
    assert list(cache_dir(config).glob("*.woff2"))  # (the tests share one folder, linked here)
    package = Path(__file__).resolve().parent.parent / "gazette"
    for module in package.rglob("*.py"):
        text = module.read_text(encoding="utf-8")
        assert "Path.home()" not in text and "expanduser" not in text, module
