"""gazette.typography: the pinned WeasyPrint patch and balanced titles."""

from __future__ import annotations

import weasyprint
from pypdf import PdfReader

from gazette.typography import (WEASYPRINT_VERSION, font_metrics, install_cjk_justification,
                                justify_document, title_lines)

from .conftest import ROOT
from .pdflines import read_lines

FANG = ROOT / "fonts" / "FandolFang-Regular.otf"
TITLE = ROOT / "fonts" / "FandolSong-Bold.otf"


def test_weasyprint_is_the_version_the_patch_was_written_for():
    """The justification works on private WeasyPrint internals: an upgrade must be deliberate."""
    assert weasyprint.__version__ == WEASYPRINT_VERSION


def _render(tmp_path, body: str, stats: dict | None = None):
    install_cjk_justification()
    html = f"""<html lang="zh-CN"><style>
    @font-face {{ font-family: F; src: url({FANG.as_uri()}); }}
    @page {{ size: 120mm 200mm; margin: 10mm; }}
    body {{ margin: 0; font: 10.5pt/1.6 F; }}
    p {{ margin: 0 0 6pt; text-align: justify; text-indent: 2em; }}
    </style>{body}</html>"""
    document = weasyprint.HTML(string=html).render()
    justified = justify_document(document, stats)
    path = tmp_path / "t.pdf"
    document.write_pdf(path)
    return path, justified


def test_chinese_lines_are_justified_without_inserting_characters(tmp_path):
    text = ("今年以来，全市工业企业认真贯彻落实国家和自治区加快推动工业转型升级各项政策，扎实推进"
            "技改投入、节能降耗、科技创新、提升产业链供应链水平等各项工作，为工业经济高质量发展"
            "积蓄了力量。PPI同比下降2.9%，CPI上涨2.4%。")
    stats: dict[str, float] = {}
    path, justified = _render(tmp_path, f"<p>{text}</p>", stats)
    lines, _ = read_lines(path)
    right = 120 / 25.4 * 72 - 10 / 25.4 * 72
    # each line is letter-spaced, or takes one more character by compressing its commas
    assert justified + stats.get("squeezed", 0) == len(lines) - 1 >= 3
    for line in lines[:-1]:
        assert abs(line.x1 - right) < 0.5, line.text
    assert lines[-1].x1 < right - 10
    extracted = "".join(PdfReader(path).pages[0].extract_text().split())
    assert extracted == text


def test_a_nowrap_tail_prevents_a_lone_character_and_leaves_no_trace(tmp_path):
    filler = "为维护法制统一银川市人民政府决定废止地方税收保障办法"
    # Unprotected, the last character stands alone on the second line.
    text = filler + "二〇二〇年公布施行之日" + "起"
    held = text[:-2] + '<span style="white-space: nowrap">' + text[-2:] + "</span>"
    path, _ = _render(tmp_path, f"<p style='width:{len(text) - 0.5}em;text-indent:0'>{text}</p>"
                                f"<p style='width:{len(text) - 0.5}em;text-indent:0'>{held}</p>")
    lines, _ = read_lines(path)
    last_lines = [ln.text for ln in lines if not ln.text.startswith("为维护")]
    assert last_lines[0] == "起", "unprotected: one lone character"
    assert last_lines[1] == "日起"
    extracted = PdfReader(path).pages[0].extract_text()
    assert extracted.split() == [text[:-1], "起", text[:-2], "日起"]


def test_titles_break_into_balanced_lines_at_word_boundaries():
    metrics = font_metrics(TITLE)
    title = "银川市人民政府关于收回原市城管局建筑垃圾堆放场项目国有土地使用权的决定"
    lines = title_lines(title, metrics, 24)
    assert "".join(lines) == title
    assert len(lines) == 2
    assert all(metrics.width(line) <= 24 for line in lines)
    assert abs(len(lines[0]) - len(lines[1])) <= 2
    assert not lines[0].endswith("国有") and not lines[1].startswith("地")


def test_titles_never_end_with_a_short_line_or_split_a_word():
    metrics = font_metrics(TITLE)
    title = ("中共银川市委办公室　银川市人民政府办公室关于印发《银川市生态环境保护监督管理责任规定》"
             "的通知")
    lines = title_lines(title, metrics, 23.9)
    assert len(lines[-1]) >= 3
    assert not any(line.endswith("印") for line in lines), "印发 is one word"


def test_short_titles_stay_on_one_line():
    assert title_lines("银川市政府大事记", font_metrics(TITLE), 24) == ["银川市政府大事记"]


def test_web_titles_offer_breaks_only_between_words_and_never_against_the_rules():
    from gazette.typography import title_words

    title = "中共银川市委办公室　银川市人民政府办公室关于印发《银川市全面落实“六保”任务责任分工方案》的通知"
    words = title_words(title)
    assert "".join(words) == title
    assert "办公室" in words and "印发" in words
    assert not any(w.endswith(("《", "“")) for w in words[:-1])
    assert not any(w.startswith(("》", "”", "，")) for w in words[1:])


def test_a_line_takes_one_more_unit_by_compressing_its_single_marks(tmp_path):
    """标点挤压 before expansion: 甲乙，丙丁，戊己庚 leaves an em free in a 10-em measure and the next
    unit 辛， needs two; the line's two commas give up half an em each instead, the line is not
    letter-spaced, and its last mark keeps its width. The next paragraph's first line cannot
    take 辛“壬 (three ems) with two marks, so it is letter-spaced as before."""
    first = "甲乙，丙丁，戊己庚辛，壬癸子丑寅卯辰巳午未申酉戌亥一二三四五六"
    second = "（甲乙）丙丁戊己庚辛“壬癸”子丑寅卯辰巳午未申酉"
    install_cjk_justification()
    html = f"""<html lang="zh-CN"><style>
    @font-face {{ font-family: F; src: url({FANG.as_uri()}); }}
    @page {{ size: 120mm 200mm; margin: 10mm; }}
    body {{ margin: 0; font: 10pt/1.6 F; }}
    p {{ margin: 0 0 6pt; text-align: justify; width: 10em; }}
    </style><p>{first}</p><p>{second}</p></html>"""
    document = weasyprint.HTML(string=html).render()
    stats: dict[str, float] = {}
    justify_document(document, stats)
    path = tmp_path / "t.pdf"
    document.write_pdf(path)
    lines, _ = read_lines(path)
    right = 10 / 25.4 * 72 + 100

    def pitches(line):
        return [round(b[1] - a[1], 1) for a, b in zip(line.chars, line.chars[1:], strict=False)]

    assert lines[0].text == "甲乙，丙丁，戊己庚辛，"
    assert pitches(lines[0]) == [10.0, 10.0, 5.0, 10.0, 10.0, 5.0, 10.0, 10.0, 10.0, 10.0]
    assert abs(lines[0].chars[-1][1] + 10 - right) < 0.05, "the last comma keeps its em"
    assert lines[3].text == "（甲乙）丙丁戊己庚"
    assert all(abs(p - 11.25) < 0.1 for p in pitches(lines[3])), "no unit fits: letter-spaced"
    assert lines[4].text == "辛“壬癸”子丑寅卯辰巳", "opening marks give up their left half"
    assert pitches(lines[4])[:5] == [5.0, 10.0, 10.0, 10.0, 5.0]
    assert stats["squeezed"] == 2 and stats["expanded"] == 1
    extracted = "".join(PdfReader(path).pages[0].extract_text().split())
    assert extracted == first + second


def test_compressed_marks_keep_their_ink_in_the_half_that_stays():
    """Every bundled font draws each compressible mark an em wide with its ink inside the half
    it keeps (the right half of an opening mark, the left half of a closing one)."""
    from fontTools.pens.boundsPen import BoundsPen
    from fontTools.ttLib import TTFont

    from gazette.typography import SQUEEZE_CLOSING, SQUEEZE_OPENING

    fonts = sorted((ROOT / "fonts").glob("Fandol*.otf")) + [
        ROOT / "fonts" / "NotoSerifCJKsc-Fallback.otf"]
    assert len(fonts) == 7
    for path in fonts:
        font = TTFont(path)
        glyphs, cmap, em = font.getGlyphSet(), font.getBestCmap(), font["head"].unitsPerEm
        for mark in SQUEEZE_OPENING | SQUEEZE_CLOSING:
            name = cmap[ord(mark)]
            pen = BoundsPen(glyphs)
            glyphs[name].draw(pen)
            left, _, right, _ = pen.bounds
            assert font["hmtx"][name][0] == em, (path.name, mark)
            if mark in SQUEEZE_OPENING:
                assert left >= em / 2, (path.name, mark)
            else:
                assert right <= em / 2, (path.name, mark)


def test_only_a_short_notice_body_is_marked_to_run_across_the_columns():
    from gazette.templates import full_width_if_short

    width = font_metrics(FANG).width
    letter = ('<div class="gw-flow">\n<p>《银川市生态公益林养护管理补偿办法》已经市政府研究同意，'
              '现印发给你们，请结合实际认真贯彻落实。</p>\n</div>\n')
    assert full_width_if_short(letter, 46.4, width) == letter.replace(
        'class="gw-flow"', 'class="gw-flow gw-flow-wide"')
    long_text = letter.replace("</p>", "</p>\n<p>" + "为全面贯彻落实有关要求，" * 14 + "</p>")
    assert full_width_if_short(long_text, 46.4, width) == long_text
    table_only = '<figure class="gw-table-block"><table class="gw-table"></table></figure>'
    assert full_width_if_short(table_only, 46.4, width) == table_only


def test_title_words_of_one_project_are_not_saved_into_another(tmp_path):
    """A process that builds two projects (the preview, the tests) keeps each project's
    title-word cache to that project's titles."""
    from gazette.typography import WordCache

    first, second = tmp_path / "a" / "title-words.json", tmp_path / "b" / "title-words.json"
    cache = WordCache()
    cache.load(first)
    cache.words["银川市人民政府关于甲的通知"] = [6, 8, 10]
    cache.dirty = True
    cache.save(first)
    cache.load(second)
    cache.words["西夏区人民政府关于乙的通知"] = [5, 7, 9]
    cache.dirty = True
    cache.save(second)
    assert "银川市人民政府关于甲的通知" in first.read_text(encoding="utf-8")
    saved = second.read_text(encoding="utf-8")
    assert "西夏区人民政府关于乙的通知" in saved and "银川市人民政府关于甲的通知" not in saved
    cache.load(first)
    assert "银川市人民政府关于甲的通知" in cache.words
