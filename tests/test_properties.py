"""Property-based tests: whatever an editor's file holds, the parser, the markup, the lint rules,
--fix and the edition templates answer with diagnostics, never an exception or active HTML."""

from __future__ import annotations

import datetime as dt

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gazette.content import DOC_NUMBER, NOTICE_FIELDS, doc_number_problems, read_notice
from gazette.diagnostics import Diagnostics, Severity
from gazette.fix import apply_edits, skeleton
from gazette.issue import Notice, slug_for
from gazette.lint import LintIssue, notice_from_text, run_rules
from gazette.markup import render_body
from gazette.render_pdf import PAGE_STYLES
from gazette.templates import edition_environment, print_helpers, web_helpers

from .conftest import copy_project
from .test_safety import PAYLOADS, assert_inert

SETTINGS = settings(max_examples=200, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

CJK = "银川市人民政府关于印发通知的决定各县区要认真落实工作一二三四五六七八九十条章节附件组长成员"
PUNCT = "，。、；：？！“”‘’《》〈〉（）【】〔〕「」…—·　"
ASCII = "abcAZ019 ,.;:?!()[]{}<>\"'#*_`|^~-=+/\\&%$@\t"
text_chars = st.text(alphabet=CJK + PUNCT + ASCII + "\n\u3000\ufeff\u200b𠀀", max_size=80)

FIELD_NAMES = [f.name for f in NOTICE_FIELDS]
scalars = st.one_of(
    text_chars, st.integers(-5, 10**12), st.booleans(), st.none(), st.floats(allow_nan=True),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 1, 1)),
    st.sampled_from(["2020-02-30", "2020年8月25日", "2020年2月30日", "银政发〔2020〕71号",
                     "银政发[2020]071号", "银川市政府文件", "notice", "chronicle", *PAYLOADS]))
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(["role", "names", "x"]), inner,
                                                 max_size=3)), max_leaves=8)
front_matter = st.dictionaries(st.one_of(st.sampled_from(FIELD_NAMES), text_chars), values,
                               max_size=10)

BLOCK_LINES = ["# 附件1　实施方案", "## 一、总体要求", "### （一）强化组织领导", "::: 名单",
               "::: 表格 主要指标", ":::", "| 指标 | 单位 |", "| --- | ---: |", "| ^ | < |",
               "组长：赵旭辉　市委副书记", "附件：1. 名单", "2. 方案", "第一章　总　则",
               "第一条　为了加强管理，制定本办法。", "一、", "（一）", "1.", "8月2日，召开会议。",
               "△同日，召开会议。", "![图](images/a.png)", "![图](https://evil.example/x.png)",
               "[链接](javascript:alert(1))", "<javascript:alert(1)>", "```", "> 引用", "",
               "    缩进", "---", "***", "* 列表", "1) 列表", "\\", "&amp; &#x3C;script&#x3E;",
               *PAYLOADS]
markdown = st.lists(st.one_of(st.sampled_from(BLOCK_LINES), text_chars), max_size=25).map(
    "\n".join)


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    return copy_project(tmp_path_factory.mktemp("props"))


@pytest.fixture(scope="module")
def project_config(project):
    from gazette.config import load_config

    return load_config(project / "config.yaml")


@pytest.fixture(scope="module")
def editions(project_config):
    """The notice partial with the print and the web helpers (fonts measured once)."""
    template = edition_environment(project_config).get_template("partials/notice.html")
    return template, (print_helpers(project_config, PAGE_STYLES["gazette"]),
                      web_helpers(project_config))


def check_diagnostics(diags: Diagnostics) -> None:
    for diagnostic in diags:
        assert diagnostic.severity in (Severity.ERROR, Severity.WARNING)
        assert diagnostic.location.path and diagnostic.code
        assert any("\u4e00" <= c <= "\u9fff" for c in diagnostic.message), diagnostic.format()
        diagnostic.format()
        diagnostic.as_json()


@SETTINGS
@given(data=front_matter, body=markdown)
def test_generated_front_matter_gives_a_notice_or_diagnostics(project, project_config, data, body):
    path = project / "content" / "2020-07" / "99-prop.md"
    text = "---\n" + yaml.safe_dump(data, allow_unicode=True) + "---\n" + body
    path.write_text(text, encoding="utf-8")
    diags = Diagnostics()
    source = read_notice(path, project_config, diags)
    check_diagnostics(diags)
    assert source is not None or diags.errors
    if source is not None:
        assert source.meta.title and source.meta.order >= 1
        assert source.meta.section in project_config.sections


@SETTINGS
@given(raw=st.binary(max_size=300) | text_chars.map(lambda t: ("---\n" + t + "\n---\n").encode()))
def test_arbitrary_bytes_give_diagnostics(project, project_config, raw):
    path = project / "content" / "2020-07" / "99-prop.md"
    path.write_bytes(raw)
    diags = Diagnostics()
    source = read_notice(path, project_config, diags)
    check_diagnostics(diags)
    assert source is not None or diags.errors


@SETTINGS
@given(body=markdown, chronicle=st.booleans())
def test_generated_markdown_renders_inert_html(project, body, chronicle):
    diags = Diagnostics()
    result = render_body(body, rel="content/2020-07/99-prop.md", body_line=10,
                         source_dir=project / "content" / "2020-07", root=project,
                         chronicle=chronicle, diags=diags)
    check_diagnostics(diags)
    refused = frozenset(d.message.split("：", 1)[1] for d in diags.errors
                        if d.code in ("image.remote", "image.outside"))
    assert_inert(result.html + "".join(a.html for a in result.appendices), refused)
    assert all(d.location.line is None or d.location.line >= 10 for d in diags)


@SETTINGS
@given(title=text_chars.filter(lambda t: t.strip()), addressees=text_chars, issuer=text_chars,
       attachments=st.lists(text_chars.filter(lambda t: t.strip()), max_size=3), body=markdown)
def test_generated_notices_render_inert_in_both_editions(project, project_config, editions, title,
                                                         addressees, issuer, attachments, body):
    front = {"title": title, "section": "银川市政府文件", "order": 1, "date": "2020-08-26",
             "addressees": addressees or None, "issuer": issuer or None,
             "attachments": attachments or None}
    path = project / "content" / "2020-07" / "99-prop.md"
    path.write_text("---\n" + yaml.safe_dump(front, allow_unicode=True) + "---\n" + body,
                    encoding="utf-8")
    diags = Diagnostics()
    source = read_notice(path, project_config, diags)
    if source is None:
        check_diagnostics(diags)
        return
    result = render_body(source.body, rel=source.rel, body_line=source.body_line,
                         source_dir=path.parent, root=project, chronicle=False, diags=diags)
    notice = Notice(source, result, slug_for(source.meta))
    template, helpers = editions
    refused = frozenset(d.message.split("：", 1)[1] for d in diags.errors
                        if d.code in ("image.remote", "image.outside"))
    for edition in helpers:
        assert_inert(template.render(notice=notice, **edition), refused)
    check_diagnostics(diags)


@SETTINGS
@given(body=markdown, title=text_chars)
def test_lint_never_fails_and_fixes_never_change_wording(project_config, body, title):
    text = "---\n" + yaml.safe_dump({"title": title, "issuer": title}, allow_unicode=True) + \
        "---\n" + body
    notice = notice_from_text("t.md", text, project_config.fonts.all())
    if notice is None:
        return
    diags = Diagnostics()
    run_rules(LintIssue("t", "t/issue.yaml", None, None, (notice,), None, ()), diags)
    check_diagnostics(diags)
    fixed = apply_edits(text, [edit for d in diags for edit in d.fix])
    assert skeleton(fixed) == skeleton(text)
    assert fixed.count("\n") == text.count("\n")
    again = notice_from_text("t.md", fixed, project_config.fonts.all())
    assert again is not None
    assert again.doc.data.keys() == notice.doc.data.keys()
    for key, value in notice.doc.data.items():
        assert skeleton(again.doc.data[key]) == skeleton(value)


@SETTINGS
@given(number=st.one_of(text_chars, st.from_regex(DOC_NUMBER, fullmatch=True)),
       date=st.one_of(st.none(), st.dates()))
def test_doc_number_rules_are_total(number, date):
    problems = doc_number_problems(number, date)
    if not problems:
        match = DOC_NUMBER.match(number)
        assert match and match["open"] == "〔" and match["close"] == "〕"
        assert not match["di"] and not match["seq"].startswith("0")
    for problem in problems:
        assert 0 <= problem.start <= len(number)
        fixed = number
        for offset, original, replacement in sorted(problem.fixes, reverse=True):
            assert number[offset: offset + len(original)] == original
            fixed = fixed[:offset] + replacement + fixed[offset + len(original):]
        if problem.code == "doc-number.brackets":
            assert "doc-number.brackets" not in {p.code for p in doc_number_problems(fixed, date)}
