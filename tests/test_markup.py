"""The markup stage on in-memory text: roles, explicit headings, attachments, chronicle."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from gazette.diagnostics import Diagnostics
from gazette.markup import attachments_html, render_body


def _render(body: str, *, chronicle: bool = False, tmp: Path = Path("/nonexistent")):
    diags = Diagnostics()
    result = render_body(body, rel="n.md", body_line=8, source_dir=tmp, root=tmp,
                         chronicle=chronicle, diags=diags)
    return result, diags


def test_numbering_gives_heading_levels_in_a_structured_text():
    result, diags = _render("一、总体要求\n\n（一）保居民就业。\n\n（二）坚持党政同责。抓住关键少数。\n\n"
                            "1.确保实现全年就业目标。着力强化就业优先政策。")
    assert not diags
    html = result.html
    assert '<h3 class="gw-n1 gw-heading">一、总体要求</h3>' in html
    assert '<h4 class="gw-n2 gw-heading">（一）保居民就业。</h4>' in html
    assert '<span class="gw-h2">（二）坚持党政同责。</span>抓住关键<span class="gw-nb">少数。</span>' in html
    assert '<p class="gw-n3">1.确保' in html


def test_numbered_clauses_of_a_decision_stay_body_text():
    result, _ = _render("一、金凤区人民政府负责做好土地收回具体工作。\n\n二、银川市自然资源局按规定办理土地注销登记。")
    assert "gw-heading" not in result.html and "<h3" not in result.html


def test_explicit_markdown_headings_are_accepted():
    result, _ = _render("## 一、总体要求\n\n### （一）指导思想\n\n#### 1.目标\n\n正文。")
    assert '<h3 class="gw-n1 gw-heading">一、总体要求</h3>' in result.html
    assert '<h4 class="gw-n2 gw-heading">（一）指导思想</h4>' in result.html
    assert '<h5 class="gw-n3 gw-heading">1.目标</h5>' in result.html


def test_level_one_headings_start_attached_texts():
    result, _ = _render("现印发给你们。\n\n# 银川市实施方案\n\n一、总体要求\n\n# 附件1　成员名单\n\n略。")
    assert [(a.label, a.title) for a in result.appendices] == [(None, "银川市实施方案"),
                                                                ("附件1", "成员名单")]
    assert "现印发" in result.html and "实施方案" not in result.html


def test_regulation_chapters_and_articles():
    result, _ = _render("第一章　总　则\n\n第一条　为深入贯彻落实习近平生态文明思想。")
    assert '<p class="gw-chapter">第一章　总　则</p>' in result.html
    assert '<span class="gw-article-no">第一条</span>　为深入' in result.html


def test_chronicle_entries_lead_with_their_date():
    result, _ = _render("8月9日至10日，调研组调研。\n\n△市委审计委员会召开会议。", chronicle=True)
    assert '<span class="gw-event-date">8月9日至10日</span>，调研组' in result.html
    assert '<span class="gw-event-mark">△</span>市委审计' in result.html


def test_attachment_lists_align_names_after_their_numbers():
    result, _ = _render("附件：1. 银川市规划编制工作领导小组成员名单\n2. 银川市规划编制工作任务分工")
    html = result.html
    assert html.count("<tr>") == 2
    assert '<td class="gw-att-label">附件：</td><td class="gw-att-no">1.</td>' in html
    assert '<td class="gw-att-label"></td><td class="gw-att-no">2.</td>' in html
    numbered = attachments_html(["甲（略）", "乙（略）"], numbered=True)
    assert '<td class="gw-att-no">2.</td><td class="gw-att-name">乙（略）</td>' in numbered


def test_raw_html_is_escaped_never_passed_on():
    result, _ = _render('通知<script>alert(1)</script>。\n\n<iframe src="x"></iframe>')
    assert "<script" not in result.html and "<iframe" not in result.html
    assert "&lt;script&gt;" in result.html


def test_lone_last_character_and_numbers_are_held_together_without_a_character():
    result, _ = _render("粮食种植面积稳定在121.6万亩，时间为2020-2030年。\n\n时间为1-8月份，日期“2020年”。")
    nb = '<span class="gw-nb">'
    assert nb + "121.6</span>" in result.html
    assert nb + "2020-2030年。</span>" in result.html, "the tail overlaps the number: one span"
    assert nb + "1-8</span>月份" in result.html
    assert "202" + nb + '0年<span class="gw-pc">”</span>。</span>' in result.html
    text = re.sub(r"<[^>]+>", "", result.html)
    assert "粮食种植面积稳定在121.6万亩，时间为2020-2030年。" in text
    assert not [c for c in text if unicodedata.category(c) == "Cf"], "no invisible characters"


def test_block_errors_carry_the_file_line():
    _result, diags = _render("正文。\n\n::: 名单\n王五　市长\n:::")
    assert [(d.code, d.location.line) for d in diags] == [("names.role", 11)]


def test_a_lone_appendix_label_is_marked_to_stay_with_its_title():
    result, _ = _render("正文。\n\n附件2\n\n某某项目汇总表")
    assert '<p class="gw-appendix-label">附件2</p>' in result.html
    assert '<p class="gw-appendix-label">' not in _render("附件2　说明很长的一句话。")[0].html


def test_one_mark_of_each_pair_of_full_width_marks_is_set_half_width():
    from gazette.typography import compressible_marks

    text = "《通知》（宁政发〔2016〕125号），“职权法定”。完成。”（一）"
    picked = [text[i] + str(i) for i in compressible_marks(text)]
    assert picked == ["（4", "）18", "“20", "”25", "。29", "（31"]
    result, _ = _render("要求，“职权法定”。完成。”（一）")
    assert '要求，<span class="gw-pc">“</span>职权法定<span class="gw-pc">”</span>。' in result.html
    assert '完成<span class="gw-pc">。</span><span class="gw-nb">”<span class="gw-pc">（</span>' in (
        result.html), "a pair across the nowrap tail"
    assert re.sub(r"<[^>]+>", "", result.html).strip().endswith("要求，“职权法定”。完成。”（一）")
