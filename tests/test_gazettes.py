"""Several gazettes in one project: every bundled issue read back as its own gazette prints
it, a made-up gazette built from configuration alone, addressing and archive rules."""

from __future__ import annotations

import functools
import json
import re
import shutil
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner
from fontTools.ttLib import TTFont

from gazette.cli import main
from gazette.config import ConfigError, load_project
from gazette.content import all_issues

from . import pagechecks
from .conftest import BUNDLED, PROJECT, ROOT, build_bundled
from .pdflines import read_lines
from .pdftext import PdfPages, squash

MADEUP = Path(__file__).parent / "projects" / "madeup"
MARKDOWN_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
"""A backslash escape in the source (20元\\*园龄) prints as the character alone."""


def folio_pattern(config) -> re.Pattern[str]:
    """The configured folio format (— {page} —, - {page} -) as a regular expression."""
    before, _, after = config.folio.format.partition("{page}")
    return re.compile(r"\s*".join(map(re.escape, squash(before))) + r"\s*(\d+)\s*" +
                      r"\s*".join(map(re.escape, squash(after))))


def folios(pdf: PdfPages, config) -> list[int | None]:
    pattern = folio_pattern(config)
    out = []
    for text in pdf.texts:
        found = pattern.findall(text)
        out.append(int(found[-1]) if found else None)
    return out


def head_texts(config, issue, side: str) -> set[str]:
    """The squashed running head a page of ``side`` may carry (one per section)."""
    template = getattr(config.running_heads, side)
    if not template or not config.page.running_heads:
        return set()
    return {squash(template.format(name=config.name, label=issue.meta.label,
                                   section=s.name)) for s in issue.sections}


@pytest.fixture(scope="module")
def issue_pdf(bundled_build):
    config, result, diags = bundled_build
    places = json.loads((result.pdf_path.parent / "pages.json").read_text(encoding="utf-8"))
    return config, result, diags, PdfPages(result.pdf_path), places


def test_every_bundled_issue_builds_cleanly(issue_pdf):
    config, result, diags, pdf, _ = issue_pdf
    assert not diags.errors
    assert result.pdf_path.is_relative_to(config.output_dir)
    assert result.pages == len(pdf.texts)


def test_the_web_edition_publishes_the_issue_s_own_pdf(issue_pdf):
    """The web edition is rendered in a forked process before the PDF exists
    (gazette.background); the build then puts the PDF in it: the site's copy is the issue's
    PDF byte for byte, and every notice page links to it at the page pages.json gives."""
    from gazette.render_html import SiteIssue, read_print_edition
    from gazette.sitepaths import site_dir

    config, result, _, _, places = issue_pdf
    current = SiteIssue(result.issue, read_print_edition(config, result.pdf_path.parent.name))
    copy = site_dir(config) / current.pdf_path
    assert copy.read_bytes() == result.pdf_path.read_bytes()
    for section in result.issue.sections:
        for notice in section.notices:
            html = (site_dir(config) / current.notice_path(notice) / "index.html").read_text(
                encoding="utf-8")
            first = places[notice.anchor][0]
            assert f"{current.key}.pdf#page={first}\"" in html, notice.meta.title


def test_every_notice_starts_on_the_page_its_toc_entry_prints(issue_pdf):
    """The 目录's numbers are the layout's (target-counter) and the title is on that page."""
    config, result, _, pdf, places = issue_pdf
    numbers = folios(pdf, config)
    toc_entry = re.compile(r"[.…·．]+\s*(\d+)\s*$")
    body_starts = min(places[n.anchor][0] for n in result.issue.notices) - 1
    printed_toc = [int(m.group(1)) for text in pdf.texts[2:body_starts]
                   for line in text.splitlines() if (m := toc_entry.search(line.strip()))]
    starts = []
    for notice in result.issue.notices:
        first, _last, folio = places[notice.anchor]
        starts.append(folio)
        assert numbers[first - 1] == folio, (notice.meta.title, folio)
        assert squash(notice.meta.title)[:12] in pdf.squashed[first - 1], notice.meta.title
    assert printed_toc == starts


def test_running_heads_and_folios_are_as_the_gazette_configures(issue_pdf):
    config, result, _, pdf, _ = issue_pdf
    numbers = folios(pdf, config)
    assert numbers[0] is None, "the cover carries no folio"
    verso, recto = head_texts(config, result.issue, "verso"), head_texts(config, result.issue,
                                                                         "recto")
    body = [i for i, n in enumerate(numbers) if n and n >= 3 and i < len(pdf.texts) - 1]
    assert body, "no numbered body pages"
    for index in body:
        text = folio_pattern(config).sub("", pdf.squashed[index])
        expected = verso if numbers[index] % 2 == 0 else recto
        if expected:
            assert any(h in text for h in expected), (numbers[index], pdf.texts[index][-60:])


def test_no_text_of_another_gazette(issue_pdf):
    config, result, _, pdf, _ = issue_pdf
    others = [g.name for g in PROJECT.gazettes if g.id != config.id and g.name not in config.name]
    everything = "".join(pdf.squashed)
    site = result.site
    pages = "".join(site.files[p].decode("utf-8") for p in site.pages)
    for name in others:
        assert name not in everything, name
        assert name not in pages, name


def test_only_bundled_fonts_are_embedded(issue_pdf):
    config, _, _, pdf, _ = issue_pdf
    bundled = {TTFont(p, lazy=True)["name"].getDebugName(6) for p in config.fonts.all()}
    assert pdf.embedded_fonts <= bundled, pdf.embedded_fonts - bundled


def body_texts(config, result, pdf: PdfPages) -> list[str]:
    """Each page's squashed text without its folio and running head (WeasyPrint draws the
    margin boxes after the page content), so paragraphs run on across pages."""
    heads = (head_texts(config, result.issue, "verso") | head_texts(config, result.issue, "recto")
             | head_texts(config, result.issue, "inner"))
    folio = folio_pattern(config).pattern
    edges = re.compile(f"^(?:{folio})|(?:{folio})$")
    out = []
    for text in pdf.squashed:
        for _ in range(3):  # the folio and two heads, drawn before or after the page content
            text = edges.sub("", text)
            for head in sorted(heads, key=len, reverse=True):
                if text.endswith(head):
                    text = text[: -len(head)]
                    break
                if text.startswith(head):
                    text = text[len(head):]
                    break
        out.append(text)
    return out


def test_no_paragraph_is_lost(issue_pdf):
    """Every paragraph is in the PDF's text exactly as written: 5·20 copies out as 5·20, not
    the 5•20 of Fandol's shared glyph (gazette.render_pdf.distinct_glyphs); three bundled
    issues have a ·, 大武口 has • as well."""
    config, result, _, pdf, _ = issue_pdf
    everything = "".join(body_texts(config, result, pdf))
    missing = [(n.source.rel, p[:30]) for n in result.issue.notices for p in n.body.paragraphs
               if squash(MARKDOWN_ESCAPE.sub(r"\1", p)) not in everything]
    assert not missing, missing[:5]


def test_notices_start_within_a_page_of_the_printed_issue(issue_pdf):
    """Where the sources record the printed 目录's pages, the build reports the drift; each
    gazette's page style is calibrated to keep every notice within one page."""
    _config, result, _, _, _ = issue_pdf
    recorded = [n for n in result.issue.notices if n.meta.printed_page]
    report = ", ".join(f"{d.notice.meta.doc_number or d.notice.meta.title}: {d.pages:+d}"
                       for d in result.drifts)
    print(f"{result.issue.meta.label}: {len(recorded) - len(result.drifts)}/{len(recorded)} "
          f"on their printed page; drift (ours − printed): {report}")
    assert all(d.notice.meta.printed_page for d in result.drifts)
    assert all(abs(d.pages) <= 1 for d in result.drifts), report
    address = f"{_config.id}/{result.issue.meta.key}"
    if address in ON_PRINTED_PAGE:
        assert len(recorded) - len(result.drifts) == ON_PRINTED_PAGE[address], report


def test_no_signature_stands_on_a_page_without_body_text(issue_pdf):
    """GB/T 9704: the signature and date share a page with at least two lines of the text,
    in one column and in two (where the signature ends the last column)."""
    config, result, _, _, _ = issue_pdf
    lines = printed_lines(result.pdf_path)
    metrics = config.with_layout(dict(result.issue.meta.layout)).page
    issuers = pagechecks.issuer_lines(result.issue)
    dates = [ln for ln in lines if pagechecks.DATE_LINE.fullmatch(ln.text)]
    assert len(dates) >= 5
    assert not pagechecks.lonely_signatures(lines, metrics, issuers)


@functools.cache
def printed_lines(path: Path) -> list:
    """The PDF's lines with character positions (pdfminer), read once per issue."""
    return read_lines(path)[0]


def _is_han(char: str) -> bool:
    return "\u4e00" <= char <= "\u9fff"


SQUEEZE_MIN = {"dawukou/2021-08": 1500}
"""Lines that took one more unit by compressing single marks, at least, in the issues that have
page.punctuation_squeeze on (measured: README, 标点挤压); the others have none."""


def test_lines_compress_single_marks_instead_of_letter_spacing(issue_pdf):
    """标点挤压 before expansion, read back from the PDF: a mark standing alone (no full-width mark
    beside it) is narrower than an em only on a line whose characters are set exactly an em
    apart, that is a line that took one more unit by compressing its marks and got no
    letter-spacing; each such mark gives up at most half an em, and never the line's last.
    An issue with page.punctuation_squeeze off has no such line."""
    from gazette.typography import FULL_WIDTH_CLOSING, FULL_WIDTH_OPENING

    config, result, _, _, _ = issue_pdf
    marks = FULL_WIDTH_OPENING | FULL_WIDTH_CLOSING
    squeezed, both, too_much = 0, [], []
    for line in printed_lines(result.pdf_path):
        chars, size = line.chars, line.size
        han = [b[1] - a[1] for a, b in zip(chars, chars[1:], strict=False)
               if _is_han(a[0]) and _is_han(b[0])]
        if len(han) < 3 or len(chars) < 8:
            continue
        # min: pdfminer may drop a character, and a gap (第一条　) is not letter-spacing
        spaced = min(han) > size + 0.02 * size
        gives = []
        for i in range(1, len(chars) - 2):
            before, char, after = chars[i - 1], chars[i], chars[i + 1]
            if char[0] not in marks or before[0] in marks or after[0] in marks:
                continue
            if not (_is_han(before[0]) and _is_han(after[0])):
                continue
            pitch = char[1] - before[1] if char[0] in FULL_WIDTH_OPENING else after[1] - char[1]
            if pitch < size - 0.02 * size:
                gives.append(size - pitch)
        if not gives:
            continue
        squeezed += 1
        if spaced:
            both.append((line.page + 1, line.text[:20]))
        if max(gives) > size / 2 + 0.02 * size:
            too_much.append((line.page + 1, line.text[:20], round(max(gives) / size, 2)))
    if config.page.punctuation_squeeze:
        assert squeezed >= SQUEEZE_MIN[f"{config.id}/{result.issue.meta.key}"]
    else:
        assert squeezed == 0
    assert not both, both[:10]
    assert not too_much, too_much[:10]


def test_a_short_notice_body_runs_across_both_columns(issue_pdf):
    """In two columns, a notice body of a few lines (a covering letter) is set across the
    text width, not balanced into two columns of a line or two each; longer bodies keep the
    columns. Read back from the PDF: the first line of the body's first paragraph is wider
    than a column exactly when the body is short (and that paragraph is longer than a column
    line)."""
    from gazette.templates import full_width_if_short
    from gazette.typography import font_metrics

    config, result, _, _, _ = issue_pdf
    if config.page_style != "two-column":
        return
    metrics = config.page
    width = font_metrics(config.fonts.fang).width
    line_em = metrics.text_width_pt / metrics.body_pt
    column_pt = (metrics.text_width_pt - 7 / 25.4 * 72) / 2
    lines = printed_lines(result.pdf_path)
    wide, narrow = 0, 0
    for notice in result.issue.notices:
        if not notice.body.paragraphs or notice.meta.kind == "chronicle":
            continue
        first = squash(MARKDOWN_ESCAPE.sub(r"\1", notice.body.paragraphs[0]))
        if width(first) + 2 < column_pt / metrics.body_pt + 1:
            continue
        short = full_width_if_short(notice.body.html, line_em, width) != notice.body.html
        line = next((ln for ln in lines if len(first) >= 8 and squash(ln.text).startswith(first[:8])
                     and abs(ln.size - metrics.body_pt) < 0.2), None)
        if line is None:
            continue
        if short:
            wide += 1
            assert line.x1 - line.x0 > column_pt + metrics.body_pt, (notice.meta.doc_number, line.text)
        else:
            narrow += 1
            assert line.x1 - line.x0 < column_pt + 1, (notice.meta.doc_number, line.text)
    assert wide >= 5 and narrow >= 3, (wide, narrow)


ON_PRINTED_PAGE = {"yinchuan/2020-07": 18, "xixia/2023-02": 13}
"""Notices on their printed page after page fitting (gazette.pagefit), exactly: a regression
fails, and so does an improvement until this is raised."""


# —— a made-up gazette: configuration only ——

@pytest.fixture(scope="module")
def madeup(tmp_path_factory):
    root = tmp_path_factory.mktemp("madeup") / "project"
    shutil.copytree(MADEUP, root)
    shutil.copytree(ROOT / "layouts", root / "layouts", dirs_exist_ok=True)
    (root / "fonts").symlink_to(ROOT / "fonts")
    result = CliRunner().invoke(main, ["build", "qingshui/2019-04", "-c", str(root / "config.yaml")])
    assert result.exit_code == 0, result.output
    project = load_project(root / "config.yaml")
    config = project.gazettes[0]
    pdf = PdfPages(config.output_dir / "2019-04" / "2019-04.pdf")
    return root, config, pdf, result.output


def test_madeup_gazette_prints_its_own_label_heads_and_folios(madeup):
    _root, config, pdf, _ = madeup
    assert "2019.NO.4" in pdf.squashed[0]
    assert "编辑委员会" not in pdf.squashed[0]
    numbers = folios(pdf, config)
    assert any(n for n in numbers) and "- 3 -" in "\n".join(pdf.texts)
    assert "—" not in "".join(t for t in pdf.texts)
    heads = [i for i, t in enumerate(pdf.squashed) if "《清水市人民政府公报》2019.NO.4【" in t]
    body = [i for i, n in enumerate(numbers) if n and n >= 3]
    assert set(body) - {len(pdf.texts) - 1} <= set(heads), "the combined head on every body page"


def test_madeup_gazette_starts_each_notice_on_a_new_page_with_section_heads(madeup):
    _root, _config, pdf, _ = madeup
    titles = ["清水市人民政府关于加强城市绿化管理的通知", "清水市人民政府关于公布第二批",
              "清水市人民政府办公室关于做好冬季供暖保障工作的通知"]
    pages = [next(i for i, t in enumerate(pdf.squashed[3:], 3) if squash(title) in t)
             for title in titles]
    assert len(set(pages)) == 3, pages
    everything = "".join(pdf.squashed[3:])
    assert "【市政府文件】" in everything and "【市政府办公室文件】" in everything


def test_a_gazette_layout_override_applies_to_that_gazette_only(madeup, issue_pdf):
    _root, _config, pdf, _ = madeup
    assert "本刊免费赠阅" in pdf.squashed[-1], "layouts/qingshui/print/colophon.html is used"
    _config, _result, _diags, bundled, _places = issue_pdf
    assert "本刊免费赠阅" not in "".join(bundled.squashed)


def test_preview_serves_an_issue_of_a_several_gazette_project(whole_project):
    import urllib.request

    from gazette.serve import PreviewServer

    address = BUNDLED[-1]
    server = PreviewServer(whole_project / "config.yaml", address, port=0, watch=False)
    try:
        start = server.preview.start_path()
        with urllib.request.urlopen(server.url + start, timeout=30) as response:
            page = response.read().decode("utf-8")
    finally:
        server.close()
    gazette = PROJECT.gazette(address.split("/")[0])
    assert gazette.name in page


def test_madeup_gazette_has_its_own_site_and_the_portal_lists_it(madeup):
    import base64
    from io import BytesIO

    from gazette.webfonts import visible

    root, config, _pdf, output = madeup
    portal = (root / "build" / "site" / "index.html").read_text(encoding="utf-8")
    assert "清水市人民政府公报" in portal and 'href="qingshui/2019/4/"' in portal
    embedded = re.findall(r"base64,([A-Za-z0-9+/=]+)", portal)
    assert len(embedded) == 2, "the portal carries its own two fonts"
    covered = set()
    for data in embedded:
        covered |= set(TTFont(BytesIO(base64.b64decode(data))).getBestCmap())
    text = re.sub(r"<style>.*?</style>|<[^>]+>", "", portal, flags=re.S)
    assert {ord(c) for c in visible(text)} <= covered, "no character of the portal shows a box"
    assert (root / "build" / "site" / "qingshui" / "2019" / "4" / "index.html").is_file()
    assert "2019.NO.4" in output


def test_a_rebuild_with_nothing_changed_renders_nothing_and_restores_a_tampered_portal(madeup):
    """A no-op rebuild of a several-gazette project answers from the build cache without
    importing a rendering stage (the portal page is not rendered again either); a portal
    page changed behind the build's back is rendered and published again."""
    import subprocess
    import sys

    root, _config, _pdf, _ = madeup
    index = root / "build" / "site" / "index.html"
    published = index.read_bytes()
    probe = ("import sys\nfrom gazette.cli import main\n"
             "try:\n    main(sys.argv[1:])\nexcept SystemExit as exit:\n    code = exit.code\n"
             "print('exit', code, sorted(m for m in ('gazette.render_html', 'gazette.render_pdf',"
             " 'weasyprint', 'jinja2', 'fontTools') if m in sys.modules))")
    command = [sys.executable, "-c", probe, "build", "qingshui/2019-04",
               "-c", str(root / "config.yaml")]
    run = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert "沿用上次的结果" in run.stdout and run.stdout.rstrip().endswith("exit 0 []"), \
        run.stdout + run.stderr
    assert index.read_bytes() == published
    index.write_bytes(published.replace("清水市人民政府公报".encode(), "某某公报".encode()))
    run = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert run.returncode == 0 and "exit 0" in run.stdout, run.stdout + run.stderr
    assert index.read_bytes() == published, "the tampered portal page is published again"


def test_the_portal_key_follows_every_gazette_s_issues(whole_project, tmp_path):
    """The portal lists every gazette's issues: another gazette's issue.yaml changes its key
    (so building one gazette's issue brings the portal up to date), a notice does not."""
    from gazette.buildcache import FileHashes, portal_key
    from gazette.content import issue_dirs

    project = load_project(whole_project / "config.yaml")
    hashes = FileHashes(tmp_path / "files.json")
    before = portal_key(project, hashes, None)
    other = issue_dirs(project.gazettes[-1])[0]
    meta = other / "issue.yaml"
    text = meta.read_text(encoding="utf-8")
    notice = next(other.glob("*.md"))
    body = notice.read_text(encoding="utf-8")
    try:
        notice.write_text(body + "\n", encoding="utf-8")
        assert portal_key(project, hashes, None) == before
        meta.write_text(text + "\n# 改动\n", encoding="utf-8")
        assert portal_key(project, hashes, None) != before
    finally:
        meta.write_text(text, encoding="utf-8")
        notice.write_text(body, encoding="utf-8")
    assert portal_key(project, hashes, None) == before


@pytest.fixture(scope="module")
def portal(whole_project):
    """The published sites of every bundled gazette and the portal above them
    (build/site/index.html, as ``gazette build --all`` writes it), served over HTTP."""
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    from gazette.render_html import render_portal

    for address in BUNDLED:
        build_bundled(address, whole_project)
    site = whole_project / "build" / "site"
    (site / "index.html").write_bytes(render_portal(load_project(whole_project / "config.yaml")))

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, format, *args):  # noqa: A002
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    server.server_close()


def _results(page) -> list[tuple[str, str, str]]:
    """(gazette label, link, title) of each result shown."""
    page.wait_for_function("/找到|没有找到/.test(document.getElementById('search-status')"
                           ".textContent)")
    return page.eval_on_selector_all(".search-result", """items => items.map(li => [
        li.querySelector('.result-gazette').textContent,
        li.querySelector('a.result-title').getAttribute('href'),
        li.querySelector('a.result-title').textContent])""")


def test_the_portal_searches_every_gazette_together(browser, portal):
    names = {g.name: g.id for g in PROJECT.gazettes}
    page = browser.new_page()
    try:
        page.goto(portal)
        page.fill("#search-q", "营商环境")
        page.press("#search-q", "Enter")
        results = _results(page)
        labels = {label for label, _, _ in results}
        assert len(labels) >= 2 and labels <= set(names), labels  # from several gazettes
        for label, href, _title in results:  # each result links into its own gazette's site
            assert href.startswith(f"{names[label]}/") and "?hl=" in href, (label, href)
        # Filters offer every gazette's values; the gazette filter keeps one gazette's results.
        years = page.eval_on_selector_all("#f-year option", "os => os.map(o => o.value)")
        assert {"2020", "2021", "2023"} <= set(years)
        dawukou = next(name for name, gazette_id in names.items() if gazette_id == "dawukou")
        page.select_option("#f-gazette", dawukou)
        page.wait_for_function("[...document.querySelectorAll('.result-gazette')]"
                               f".every(e => e.textContent === {json.dumps(dawukou)})")
        filtered = _results(page)
        assert filtered and {label for label, _, _ in filtered} == {dawukou}
        assert len(filtered) < len(results)
        assert "gazette=" in page.url and "q=" in page.url  # the search can be bookmarked
        # Results can show any character: the sites' search fonts were linked.
        assert page.locator('link[href$="fonts-search.css"]').count() == len(PROJECT.gazettes)
        # A result opens its notice in that gazette's site, the words marked there.
        _label, href, title = filtered[0]
        page.click(".search-result a.result-title")
        page.wait_for_url("**/dawukou/**?hl=*")
        assert page.locator("h1").inner_text().replace("\n", "") == title
        assert page.locator("mark.hl").first.inner_text() == "营商环境"
    finally:
        page.close()


# —— addressing, archive rules, configuration errors ——

def _run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_commands_address_issues_unambiguously(whole_project):
    config = str(whole_project / "config.yaml")
    addresses = [g.issue_address(p.name) for g, p in all_issues(PROJECT)]
    ok = _run("check", addresses[0], "-c", config)
    assert ok.exit_code == 0, ok.output
    unknown = _run("check", "nowhere/2020-07", "-c", config)
    assert unknown.exit_code == 2 and "没有这种公报：nowhere" in unknown.output
    if len(PROJECT.gazettes) > 1:
        bare = _run("check", "-c", config)
        assert bare.exit_code == 2 and "请指明是哪一期" in bare.output


def test_archive_rules_run_per_gazette(whole_project):
    """check --all covers every issue of every gazette; sequences do not cross gazettes."""
    result = _run("check", "--all", "-c", str(whole_project / "config.yaml"))
    assert result.exit_code == 0, result.output
    assert "issue.number-sequence" not in result.output
    for gazette, path in all_issues(PROJECT):
        assert gazette.issue_address(path.name) in result.output


def _project_with(tmp_path: Path, replace: tuple[str, str]) -> Path:
    root = tmp_path / "p"
    shutil.copytree(MADEUP, root)
    (root / "fonts").symlink_to(ROOT / "fonts")
    path = root / "config.yaml"
    text = path.read_text(encoding="utf-8")
    assert replace[0] in text
    path.write_text(text.replace(*replace), encoding="utf-8")
    return path


@pytest.mark.parametrize(("old", "new", "message"), [
    ('issue: "{year}.NO.{number}"', 'issue: "{year}.NO.{numbr}"', "不认识的占位符 {numbr}"),
    ('format: "- {page} -"', 'format: "- {page -"', "花括号不成对"),
    ("  qingshui:", "  site:", "保留的文件夹名"),
    ("  qingshui:", "  Qing Shui:", "只能由小写字母"),
    ("position: center", "position: middle", "应为 outside、center 之一"),
    ("notice_start: page", "notice_start: always", "应为 continue、page、recto 之一"),
    ("body_pt: 11", "body_pt: -3", "应为正数"),
    ("notice_start: page", "notice_start: page\n      part_pages: -1", "应为 0 或正整数"),
    ("notice_start: page", "notice_start: page\n      chronicle_columns: 0", "应为正整数"),
    ("notice_start: page", "notice_start: page\n      chronicle_pt: 大", "应为"),
])
def test_configuration_errors_name_the_line(tmp_path, old, new, message):
    path = _project_with(tmp_path, (old, new))
    line = path.read_text(encoding="utf-8").split("\n").index(
        next(x for x in path.read_text(encoding="utf-8").split("\n")
             if new.split("\n")[-1].strip() in x)) + 1
    with pytest.raises(ConfigError) as caught:
        load_project(path)
    found = [d for d in caught.value.diagnostics.errors if message in d.message]
    assert found, [d.format() for d in caught.value.diagnostics]
    assert found[0].location.line == line, found[0].format()


def test_new_issue_follows_the_previous_one_and_never_overwrites(tmp_path):
    root = tmp_path / "p"
    shutil.copytree(MADEUP, root)
    (root / "fonts").symlink_to(ROOT / "fonts")
    config = str(root / "config.yaml")
    made = _run("new", "issue", "qingshui/2019-05", "-c", config)
    assert made.exit_code == 0, made.output
    text = (root / "content/qingshui/2019-05/issue.yaml").read_text(encoding="utf-8")
    assert "number: 5" in text and "cumulative: 41" in text and "year: 2019" in text
    again = _run("new", "issue", "qingshui/2019-05", "-c", config)
    assert again.exit_code == 1 and "不会覆盖" in again.output
    assert (root / "content/qingshui/2019-05/issue.yaml").read_text(encoding="utf-8") == text
    escape = _run("new", "issue", "qingshui/../../x", "-c", config)
    assert escape.exit_code == 1 and not (tmp_path / "x").exists()


def test_new_notice_skeleton_explains_every_field_and_checks_once_filled(tmp_path):
    root = tmp_path / "p"
    shutil.copytree(MADEUP, root)
    (root / "fonts").symlink_to(ROOT / "fonts")
    config = str(root / "config.yaml")
    made = _run("new", "notice", "qingshui/2019-04", "04-new", "-c", config)
    assert made.exit_code == 0, made.output
    path = root / "content/qingshui/2019-04/04-new.md"
    text = path.read_text(encoding="utf-8")
    for field in ("title", "doc_number", "section", "order", "addressees", "attachments",
                  "issuer", "date", "note", "kind", "slug", "printed_page"):
        assert re.search(rf"^#?\s*{field}:", text, re.M), field
    assert "section: 市政府文件" in text and "order: 4" in text
    unfilled = _run("check", "qingshui/2019-04", "-c", config)
    assert unfilled.exit_code == 1 and "缺少必填字段 title" in unfilled.output
    path.write_text(text.replace("title: \n", "title: 清水市人民政府关于测试的通知\n"),
                    encoding="utf-8")
    filled = _run("check", "qingshui/2019-04", "-c", config)
    assert filled.exit_code == 0, filled.output
