"""``gazette import`` on the four seed issues (../shared/seeds) and on the bundled sample's PDF.

Accuracy is measured against expected lists read off each seed's printed 目录 and text
(tests/data/import/); conservation is checked on the files actually written.
"""

from __future__ import annotations

import re
import shutil
from collections import Counter
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from gazette.cli import main
from gazette.diagnostics import Diagnostics
from gazette.importer import check_folder
from gazette.importer.plan import plan_import
from gazette.importer.report import UNPLACED_HEADING
from gazette.importer.write import write_import

from .conftest import ROOT, SAMPLE, copy_project
from .importscore import score

SEEDS = ROOT.parent / "shared" / "seeds"
# What the importer reaches today on each seed: documents found, and the lowest share of any
# field that is exactly right (xixia and dawukou each print one title with a space between two
# phrases, which the importer cannot tell from an extraction seam). Raise these as the importer
# improves; never lower them. Every seed must also reach 95% of all fields.
TARGETS = {
    "yinchuan-2020-07": (18, 1.0),
    "yinchuan-2022-05": (20, 1.0),
    "dawukou-2021-08": (22, 0.95),
    "xixia-2023-02": (15, 0.93),
}


# Source paragraphs that come back identical from the sample's PDF (measured 863/863 in one
# column, 859–861/863 in two columns, where a line that exactly fills its column is taken
# for a paragraph's inner line).
PARAGRAPH_TARGET = {"gazette": 0.998, "two-column": 0.99}
# The sample issue read back from its own PDF: notices (of 18) whose field is exactly right.
ROUND_TRIP_TARGET = dict.fromkeys(("title", "doc_number", "section", "order", "addressees",
                                   "attachments", "issuers", "date", "note"), 18)


def empty_project(dest: Path) -> Path:
    """The bundled project's configuration (every gazette) with no issue in content/."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "config.yaml", dest / "config.yaml")
    shutil.copytree(ROOT / "layouts", dest / "layouts")
    (dest / "fonts").symlink_to(ROOT / "fonts")
    return dest


def seed_path(name: str) -> Path:
    path = SEEDS / f"{name}.txt"
    if not path.is_file():
        pytest.fail(f"缺少种子文件 {path}：测试需要仓库旁边的 shared/seeds/（CI 中与仓库并列）")
    return path


@pytest.fixture(scope="module")
def plans():
    cache: dict[str, object] = {}

    def get(name: str):
        if name not in cache:
            cache[name] = plan_import(seed_path(name))
        return cache[name]
    return get


@pytest.mark.parametrize("seed", sorted(TARGETS))
def test_seed_accuracy(seed, plans):
    result = score(seed, plans(seed).documents)
    print(result.line())
    found, least = TARGETS[seed]
    assert result.found == result.expected == found, result.misses
    assert result.extra == []
    assert result.overall() >= 0.95, result.misses
    for field in result.right:
        assert result.share(field) >= least, (field, result.misses)


@pytest.mark.parametrize("seed", sorted(TARGETS))
def test_every_line_placed_once(seed, plans):
    """Every non-furniture source line is in exactly one document or in the unplaced list."""
    plan = plans(seed)
    owners: Counter[int] = Counter()
    for doc in plan.documents:
        seg = doc.segment
        owners.update(seg.title_lines + ([seg.number_line] if seg.number_line else [])
                      + seg.lines)
    owners.update(plan.unplaced)
    content = [line.no for line in plan.source.lines if line.no not in plan.layout.furniture]
    assert sorted(owners) == sorted(content)
    assert max(owners.values()) == 1


def _han(text: str) -> Counter[str]:
    return Counter(ch for ch in text if "\u3400" <= ch <= "\u9fff")


def _rendered(path: Path) -> str:
    """A written notice as printed: front matter fields back in their printed form."""
    _, head, body = path.read_text(encoding="utf-8").split("---\n", 2)
    data = yaml.safe_load(head)
    parts = [data["title"], data.get("doc_number") if not data.get("number_line") else
             data["number_line"], data.get("addressees") or "", body]
    if data.get("attachments"):
        parts.append("附件" + "".join(data["attachments"]))
    issuer = data.get("issuer") or []
    parts.extend([issuer] if isinstance(issuer, str) else issuer)
    if data.get("date"):
        parts.append(f"{data['date'].year}年{data['date'].month}月{data['date'].day}日")
    if data.get("note"):
        parts.append(data["note"])
    return "".join(p for p in parts if p)


@pytest.mark.parametrize("seed", sorted(TARGETS))
def test_written_files_conserve_the_text(seed, plans, tmp_path):
    """Each written file holds the Han characters of exactly the source lines it was given;
    the report lists every unplaced line with its line number."""
    plan = plans(seed)
    root = empty_project(tmp_path / "project")
    result = write_import(plan, root, root / "content" / "g" / "k", lambda folder: [])
    lines = plan.source.by_no()
    for doc, path in zip(plan.documents, result.files):
        seg = doc.segment
        numbers = seg.title_lines + ([seg.number_line] if seg.number_line else []) + seg.lines
        source = "".join(lines[n].text for n in numbers)
        written = _rendered(path)
        assert _han(written) - _han(source) == Counter() or _title_from_toc(doc), path.name
        assert _han(source) - _han(written) == Counter(), (path.name,
                                                            _han(source) - _han(written))
    report = result.report.read_text(encoding="utf-8")
    unplaced = report.split(UNPLACED_HEADING, 1)[1].split("\n## ", 1)[0]
    for no in plan.unplaced:
        assert f"第{no}行" in unplaced


def _title_from_toc(doc) -> bool:
    return any("目录" in g for g in doc.guesses)


def test_cli_import_writes_issue_and_report(tmp_path):
    root = empty_project(tmp_path / "project")
    runner = CliRunner()
    source = seed_path("yinchuan-2020-07")
    result = runner.invoke(main, ["import", str(source), "--gazette", "yinchuan", "--issue",
                                  "2020-07", "-c", str(root / "config.yaml")])
    assert result.exit_code == 0, result.output
    folder = root / "content" / "yinchuan" / "2020-07"
    notices = sorted(folder.glob("[0-9]*.md"))
    assert len(notices) == 18
    meta = yaml.safe_load((folder / "issue.yaml").read_text(encoding="utf-8"))
    assert (meta["year"], meta["number"], meta["cumulative"], str(meta["published"])) == \
        (2020, 7, 358, "2020-09-25")
    report = (folder / "import-report.md").read_text(encoding="utf-8")
    assert "## gazette check" in report and UNPLACED_HEADING in report
    assert "## 删去的页面装饰" in report and "- 目录：" in report
    assert "gazette check --fix 的安全修正" in report
    assert "### 01-政府令-2020-2号.md　银川市人民政府关于废止《银川市地方税收保障办法》的决定" in report
    assert "- 已核对：令号行 第2号，文号 政府令〔2020〕2号 取自目录" in report
    assert not [p for p in (root / "content").iterdir() if p.name.startswith(".import-")]
    again = runner.invoke(main, ["import", str(source), "--gazette", "yinchuan", "--issue",
                                 "2020-07", "-c", str(root / "config.yaml")])
    assert again.exit_code == 2 and "已经存在" in again.output
    assert len(sorted(folder.glob("[0-9]*.md"))) == 18


@pytest.mark.parametrize("args", [["--issue", "../escape"], ["--gazette", ".."],
                                  ["--issue", "a/b"], ["--gazette", ".hidden"]])
def test_cli_refuses_unsafe_names(tmp_path, args):
    root = empty_project(tmp_path / "project")
    result = CliRunner().invoke(main, ["import", str(seed_path("yinchuan-2020-07")), *args,
                                       "-c", str(root / "config.yaml")])
    assert result.exit_code == 2
    assert "不能用作文件夹名" in result.output
    assert not (root / "content").exists() or not any((root / "content").rglob("*.md"))
    assert not (tmp_path / "escape").exists()


def test_cli_missing_or_binary_source(tmp_path):
    root = empty_project(tmp_path / "project")
    runner = CliRunner()
    missing = runner.invoke(main, ["import", str(tmp_path / "nope.txt"), "--gazette", "g",
                                   "--issue", "k", "-c", str(root / "config.yaml")])
    assert missing.exit_code == 2 and "找不到要导入的文件" in missing.output
    binary = tmp_path / "x.txt"
    binary.write_bytes(b"\x00\x01\x02abc")
    bad = runner.invoke(main, ["import", str(binary), "--gazette", "g", "--issue", "k",
                               "-c", str(root / "config.yaml")])
    assert bad.exit_code == 2 and "Traceback" not in bad.output
    assert not (root / "content").exists() or not any((root / "content").iterdir())


def test_check_on_a_clean_import_has_no_errors(tmp_path):
    """Into a project without the sample issue, the 2020-07 draft passes check's errors."""
    root = empty_project(tmp_path / "project")
    plan = plan_import(seed_path("yinchuan-2020-07"))
    result = write_import(plan, root, root / "content" / "yinchuan" / "2020-07",
                          lambda folder: check_folder(root, "yinchuan", folder))
    errors = [d for d in result.diagnostics if re.search(r": 错误\[", d)]
    assert errors == []


SYNTHETIC = """\
某市人民政府关于开展测试工作的通知
某政发〔2019〕3 号
各区人民政府：
为做好测试工作，现将有关事项通知
如下。
《某市政府公报》2019.NO.4 某市政府文件
11- -
一、总体要求。坚持问题导向。
某市人民政府
2019 年 3 月 1 日
（此件公开发布）
某市人民政府办公室关于印发测试方案的通知
某政办发〔2019〕7 号
各部门：
现将方案印发给你们。
《某市政府公报》2019.NO.4 某市政府文件
12- -
某市人民政府办公室
2019 年 3 月 5 日
"""


def test_furniture_learnt_from_repetition(tmp_path):
    """Garbled folios (11- -) and the running head beside them are dropped, wherever the head
    recurs; the issue label 2019.NO.4 gives year and number; text is kept in GB18030."""
    source = tmp_path / "mouth-2019-04.txt"
    source.write_bytes(SYNTHETIC.encode("gb18030"))
    plan = plan_import(source)
    kinds = plan.layout.furniture
    by_text = {line.text: kinds.get(line.no) for line in plan.source.lines}
    assert by_text["11- -"] == by_text["12- -"] == "页码"
    assert by_text["《某市政府公报》2019.NO.4 某市政府文件"] == "书眉"
    assert (plan.issue.year, plan.issue.number) == (2019, 4)
    first, second = plan.documents
    assert (first.doc_number, first.date.isoformat(), first.issuers, first.note) == \
        ("某政发〔2019〕3号", "2019-03-01", ("某市人民政府",), "此件公开发布")
    assert first.addressees == "各区人民政府"
    assert first.body == "为做好测试工作，现将有关事项通知如下。\n\n一、总体要求。坚持问题导向。\n"
    assert second.section == first.section == "某市政府文件"
    assert (second.doc_number, second.issuers) == ("某政办发〔2019〕7号", ("某市人民政府办公室",))


ROUND_TRIP_FIELDS = ("title", "doc_number", "section", "order", "addressees", "attachments",
                     "issuers", "date", "note")


def _build_imported(root: Path, folder: Path):
    """Build an imported issue where it was written: content/<gazette>/<issue>/."""
    from gazette.build import build_issue
    from gazette.config import load_project

    config = load_project(root / "config.yaml").gazette(folder.parent.name)
    diags = Diagnostics()
    result = build_issue(config, folder.name, diags, site=False)
    assert result is not None, "\n".join(d.format() for d in diags)
    return result


@pytest.fixture(scope="module")
def round_trip(sample_build, tmp_path_factory):
    """The bundled issue's PDF imported into an empty copy of the project, then built."""
    built, _ = sample_build
    root = empty_project(tmp_path_factory.mktemp("roundtrip") / "project")
    plan = plan_import(built.pdf_path)
    imported = write_import(plan, root, root / "content" / "yinchuan" / built.issue.meta.key,
                            lambda folder: check_folder(root, "yinchuan", folder))
    rebuilt = _build_imported(root, imported.folder)
    return built, plan, imported, rebuilt


@pytest.fixture(scope="module")
def two_column_build(tmp_path_factory):
    """The bundled issue set in the two-column style (balanced columns, full-width titles)."""
    from gazette.build import build_issue
    from gazette.config import load_config

    root = copy_project(tmp_path_factory.mktemp("twocol") / "project")
    config = root / "config.yaml"
    text = config.read_text(encoding="utf-8")
    config.write_text(re.sub(r"(?m)^(\s+style:)\s*\S+", r"\1 two-column", text),
                      encoding="utf-8")
    diags = Diagnostics()
    result = build_issue(load_config(config), SAMPLE, diags, site=False)
    assert result is not None, "\n".join(d.format() for d in diags)
    return result


@pytest.fixture(scope="module", params=["gazette", "two-column"])
def read_back(request, round_trip, two_column_build):
    """The built issue and the import plan of its own PDF, in each page style."""
    if request.param == "gazette":
        built, plan, _, _ = round_trip
        return request.param, (built, plan)
    return request.param, (two_column_build, plan_import(two_column_build.pdf_path))


def test_pdf_round_trip_fields(read_back):
    """Every notice of the sample comes back from its own PDF with its front matter, in the
    one-column and in the two-column style."""
    _, (built, plan) = read_back
    got = {(d.doc_number or d.title): d for d in plan.documents}
    right = Counter()
    misses = []
    for notice in built.issue.notices:
        meta = notice.source.meta
        doc = got.get(meta.doc_number or meta.title)
        assert doc is not None, meta.title
        values = {"title": doc.title, "doc_number": doc.doc_number, "section": doc.section,
                  "order": doc.order, "addressees": doc.addressees,
                  "attachments": doc.attachments, "issuers": doc.issuers, "date": doc.date,
                  "note": doc.note}
        for field in ROUND_TRIP_FIELDS:
            if values[field] == getattr(meta, field):
                right[field] += 1
            else:
                misses.append((meta.title[:20], field, getattr(meta, field), values[field]))
    total = len(built.issue.notices)
    print({f: f"{right[f]}/{total}" for f in ROUND_TRIP_FIELDS})
    assert len(plan.documents) == total
    for field in ROUND_TRIP_FIELDS:
        assert right[field] >= ROUND_TRIP_TARGET[field], (field, misses)
    meta = built.issue.meta
    assert (plan.issue.year, plan.issue.number, plan.issue.cumulative, plan.issue.published) == \
        (meta.year, meta.number, meta.cumulative, meta.published)
    assert plan.issue.board == tuple((b.role, b.note, b.names) for b in meta.board)


def test_pdf_round_trip_bodies(read_back):
    """The bodies read back from the PDF, paragraph by paragraph, against the sources: the
    share of source paragraphs that come back identical (headings, 第X条, 附件 lists, tables;
    in two columns, text continued across columns and pages)."""
    import difflib

    style, (built, plan) = read_back
    got = {(d.doc_number or d.title): d for d in plan.documents}
    same = total = 0
    for notice in built.issue.notices:
        meta = notice.source.meta
        want = [p.strip() for p in notice.source.body.split("\n\n") if p.strip()]
        have = [p.strip() for p in got[meta.doc_number or meta.title].body.split("\n\n")
                if p.strip()]
        matcher = difflib.SequenceMatcher(None, want, have, autojunk=False)
        same += sum(block.size for block in matcher.get_matching_blocks())
        total += len(want)
    print(f"paragraphs identical: {same}/{total}")
    assert same / total >= PARAGRAPH_TARGET[style]


def test_pdf_round_trip_han_coverage(round_trip):
    """import → build: the new PDF's Han characters cover ≥ 99% of the source PDF's, less its
    page furniture."""
    from pypdf import PdfReader

    _, plan, _, rebuilt = round_trip
    source = _han("".join(line.text for line in plan.source.lines
                          if line.no not in plan.layout.furniture))
    again = _han("".join(page.extract_text() for page in PdfReader(rebuilt.pdf_path).pages))
    coverage = sum((source & again).values()) / sum(source.values())
    print(f"Han coverage {coverage:.4f} of {sum(source.values())} characters")
    assert coverage >= 0.99


def test_tables_rebuilt_or_kept_as_marked_text(plans, tmp_path):
    """Tab-separated rows become a ::: 表格 block; rows that cannot be (empty cells, ragged
    rows) stay as text in a block quote and the report lists them."""
    data = plans("yinchuan-2020-07").documents[-1]
    assert data.kind == "data"
    assert data.body.startswith("::: 表格\n| 指标 | 单位 |")
    assert "| 规模以上工业增加值 | 亿元 | - | -3.1 |" in data.body
    assert "\n注：1.价格指数数据来源于国家统计局银川调查队。\n" in data.body
    plan = plans("xixia-2023-02")
    root = empty_project(tmp_path / "project")
    result = write_import(plan, root, root / "content" / "xixia" / "2023-02",
                          lambda folder: [])
    kept = [d for d in plan.documents if d.tables_as_text]
    assert kept[-1].title == "西夏财政专报第八期"
    assert "\n> 序号　资金名称　西夏区  \n> 资金总量　支出金额　支出进度  \n" in kept[-1].body
    report = result.report.read_text(encoding="utf-8")
    first, last = kept[-1].tables_as_text[0]
    assert f"表格（或名单）未能重建，按原行保留在引用块中：原文第 {first}–{last} 行" in report
    # flattened cells, one per line, are kept line by line too
    dawukou = plans("dawukou-2021-08").documents
    cells = next(d for d in dawukou if d.doc_number == "石大政办发〔2021〕58号")
    assert "\n\n> 完成  \n> 时限  \n> 牵头部门  \n> （单位）  \n" in cells.body


def test_stacked_headers_share_the_text_that_follows(plans, tmp_path):
    """Two headers printed one after the other (yinchuan-2022-05, lines 3038–3046): the first
    document ends with its own date and note, the second takes the rest; the report says so."""
    docs = {d.doc_number: d for d in plans("yinchuan-2022-05").documents}
    first, second = docs["银政办发〔2022〕42号"], docs["银政办发〔2022〕46号"]
    assert "《银川市“十四五”养老服务体系发展规划》已经" in first.body
    assert "国土绿化" not in first.body
    assert "《银川市2022年国土绿化及重点工程工作方案》已经市政府研究同意" in second.body
    assert (first.date.isoformat(), second.date.isoformat()) == ("2022-04-29", "2022-04-29")
    assert "与下一篇的标题排在一起，正文按顺序分配" in first.segment.how
    root = empty_project(tmp_path / "project")
    report = write_import(plans("yinchuan-2022-05"), root,
                          root / "content" / "yinchuan" / "2022-05",
                          lambda folder: []).report.read_text(encoding="utf-8")
    assert "分篇依据：文号行；与上一篇的标题排在一起，正文按顺序分配" in report
    assert "猜测：栏目没有印出，沿用上一篇的“银川市委办公室 市政府办公室文件”" in report
    assert "- 把握：高；原文第 3038–" not in report


TRAILING_TOC = """\
目 录
某市人民政府关于甲事项的通知（某政发〔2019〕1号）……………3
某市人民政府关于乙事项的通知（某政发〔2019〕2号）……………4
【市政府文件】
某市人民政府办公室关于丙事项的通知（某政办发〔2019〕5号）……………6
【市政府办公室文件】
某市人民政府关于甲事项的通知
某政发〔2019〕1号
正文甲。
某市人民政府关于乙事项的通知
某政发〔2019〕2号
正文乙。
某市人民政府办公室关于丙事项的通知
某政办发〔2019〕5号
正文丙。
"""


def test_toc_sections_that_trail_their_entries(tmp_path):
    """A 目录 whose section lines follow their entries (it ends with a section line)."""
    source = tmp_path / "trail-2019-01.txt"
    source.write_text(TRAILING_TOC, encoding="utf-8")
    plan = plan_import(source)
    assert [(e.section, e.page) for e in plan.layout.toc] == [
        ("市政府文件", 3), ("市政府文件", 4), ("市政府办公室文件", 6)]
    assert [(d.section, d.order, d.printed_page) for d in plan.documents] == [
        ("市政府文件", 1, 3), ("市政府文件", 2, 4), ("市政府办公室文件", 1, 6)]
    assert [d.body for d in plan.documents] == ["正文甲。\n", "正文乙。\n", "正文丙。\n"]


def test_pdf_without_text_layer_is_refused(tmp_path):
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    scanned = tmp_path / "scan.pdf"
    with scanned.open("wb") as handle:
        writer.write(handle)
    root = empty_project(tmp_path / "project")
    result = CliRunner().invoke(main, ["import", str(scanned), "--gazette", "g", "--issue", "k",
                                       "-c", str(root / "config.yaml")])
    assert result.exit_code == 2
    assert "没有文字层" in result.output
    assert not (root / "content").exists() or not any((root / "content").iterdir())


def test_gazette_and_issue_default_to_file_name_and_masthead(tmp_path):
    root = empty_project(tmp_path / "project")
    result = CliRunner().invoke(main, ["import", str(seed_path("xixia-2023-02")),
                                       "-c", str(root / "config.yaml")])
    assert result.exit_code == 0, result.output
    assert (root / "content" / "xixia" / "2023-02" / "issue.yaml").is_file()


def test_one_gazette_project_imports_into_its_content(tmp_path):
    """A project of one gazette keeps its issues in content/<issue>/; another gazette is
    refused with a message, not written somewhere the project would not read it."""
    root = copy_project(tmp_path / "project", issues=())
    runner = CliRunner()
    wrong = runner.invoke(main, ["import", str(seed_path("yinchuan-2020-07")), "--gazette",
                                 "xixia", "-c", str(root / "config.yaml")])
    assert wrong.exit_code == 2 and "本项目只有一种公报" in wrong.output
    result = runner.invoke(main, ["import", str(seed_path("yinchuan-2020-07")),
                                  "-c", str(root / "config.yaml")])
    assert result.exit_code == 0, result.output
    assert len(list((root / "content" / "2020-07").glob("[0-9]*.md"))) == 18


def test_check_on_an_unknown_gazette_says_so(tmp_path):
    """Importing a gazette config.yaml does not list yet still runs the checks."""
    root = empty_project(tmp_path / "project")
    result = CliRunner().invoke(main, ["import", str(seed_path("yinchuan-2022-05")),
                                       "--gazette", "newcity", "-c", str(root / "config.yaml")])
    assert result.exit_code == 0, result.output
    report = (root / "content" / "newcity" / "2022-05" / "import-report.md").read_text(
        encoding="utf-8")
    assert "config.yaml 的 gazettes 中还没有“newcity”" in report
    checked = report.split("## gazette check", 1)[1]
    assert "newcity/2022-05/" in checked and "notice.unknown-section" not in checked


def test_number_run_together_with_the_addressees(plans):
    """yinchuan-2022-05 line 4360 prints 银政办发〔2022〕55 号 and the 主送 on one line: the line
    is split, the document found, and the report still names source line 4360."""
    plan = plans("yinchuan-2022-05")
    doc = next(d for d in plan.documents if d.doc_number == "银政办发〔2022〕55号")
    assert doc.addressees == "各县（市）区人民政府，市政府各部门、各直属机构"
    assert doc.body.startswith("《银川市创建自治区级文化生态保护区实施方案》已经市人民政府研究同意")
    second = next(line for line in plan.source.lines if line.origin == 4360)
    assert plan.source.source_no(second.no) == 4360


# The proofreading diff: drafts against the hand-set content of the same issues (content/),
# paragraph by paragraph, as measured; the issue asks for this figure. Raise, never lower.
PROOFREAD_TARGET = {
    ("yinchuan-2020-07", "yinchuan", "2020-07"): 0.82,
    ("yinchuan-2022-05", "yinchuan", "2022-05"): 0.85,
    ("dawukou-2021-08", "dawukou", "2021-08"): 0.80,
    ("xixia-2023-02", "xixia", "2023-02"): 0.72,
}


@pytest.mark.parametrize("seed,gazette_id,key", sorted(PROOFREAD_TARGET))
def test_drafts_against_hand_set_content(seed, gazette_id, key, tmp_path):
    """``gazette import`` of each seed passes ``gazette check`` without errors (after its safe
    fixes), and its bodies match the hand-set content of the same issue: the share of the hand
    paragraphs the importer produced identically, and of the characters in matching runs."""
    import difflib

    from gazette.importer import run_import

    hand = ROOT / "content" / gazette_id / key
    assert hand.is_dir(), f"缺少手工录入的 {hand}"
    root = empty_project(tmp_path / "project")
    result = run_import(seed_path(seed), root, gazette_id, key)
    assert [d for d in result.diagnostics if ": 错误[" in d] == []
    mine = {}
    sections = {}
    for path in result.files:
        _, head, body = path.read_text(encoding="utf-8").split("---\n", 2)
        meta = yaml.safe_load(head)
        mine[meta.get("doc_number") or meta["title"]] = body
        sections[meta.get("doc_number") or meta["title"]] = meta["section"]
    same = total = chars_same = chars_total = 0
    wrong_sections = []
    for path in sorted(hand.glob("*.md")):
        _, head, body = path.read_text(encoding="utf-8").split("---\n", 2)
        meta = yaml.safe_load(head)
        if sections.get(meta.get("doc_number") or meta["title"]) != meta["section"]:
            wrong_sections.append(meta["title"])
        want = [p.strip() for p in body.split("\n\n") if p.strip()]
        have = [p.strip() for p in mine.get(meta.get("doc_number") or meta["title"], "")
                .split("\n\n") if p.strip()]
        blocks = difflib.SequenceMatcher(None, want, have, autojunk=False).get_matching_blocks()
        same += sum(block.size for block in blocks)
        total += len(want)
        chars = difflib.SequenceMatcher(None, "".join(want), "".join(have), autojunk=False)
        chars_same += sum(block.size for block in chars.get_matching_blocks())
        chars_total += len("".join(want))
    print(f"{seed}: paragraphs identical {same}/{total}, characters {chars_same}/{chars_total}")
    assert same / total >= PROOFREAD_TARGET[(seed, gazette_id, key)]
    assert chars_same / chars_total >= 0.96
    # sections, printed or not, agree with the hand-set ones (chosen among the configured
    # sections where the issue does not print them)
    assert wrong_sections == []


def test_seed_furniture_is_named_in_the_report(plans, tmp_path):
    """Folios and running heads leaked into the seeds are dropped and listed by kind."""
    dawukou = plans("dawukou-2021-08").layout.furniture
    assert dawukou[2871] == "页码" and dawukou[2869] == "书眉"      # - 33 -, its running head
    yinchuan = plans("yinchuan-2022-05").layout.furniture
    assert yinchuan[1630] == "页码" and yinchuan[1632] == "书眉"    # — 17 —, 2022.No.5
    assert {yinchuan[no] for no in range(1602, 1625, 2)} <= {"书眉", "装饰线"}
    root = empty_project(tmp_path / "project")
    report = write_import(plans("dawukou-2021-08"), root,
                          root / "content" / "dawukou" / "2021-08",
                          lambda folder: []).report.read_text(encoding="utf-8")
    section = report.split("## 删去的页面装饰", 1)[1].split("\n## ", 1)[0]
    assert "- 页码：4 行（第 2871、3947、14545、16587 行）" in section


def test_lines_before_the_first_document_are_reported_unplaced(tmp_path):
    """Text ahead of the first document that is neither furniture nor a masthead is not
    dropped: the report lists it with its source line numbers."""
    source = tmp_path / "mouth-2019-04.txt"
    source.write_text("接上期未完的一段文字，\n没有标题。\n\n" + SYNTHETIC, encoding="utf-8")
    plan = plan_import(source)
    assert plan.unplaced == (1, 2)
    root = empty_project(tmp_path / "project")
    report = write_import(plan, root, root / "content" / "mouth" / "2019-04",
                          lambda folder: []).report.read_text(encoding="utf-8")
    unplaced = report.split(UNPLACED_HEADING, 1)[1]
    assert "- 第1行：接上期未完的一段文字，" in unplaced and "- 第2行：没有标题。" in unplaced
