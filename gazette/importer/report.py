"""``import-report.md``: what the importer found, how sure it is, and what is left to do."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from .model import Document, ImportPlan

REPORT_NAME = "import-report.md"
UNPLACED_HEADING = "## 未能归位的文字"


def confidence(doc: Document) -> str:
    missing = [name for name, value in (("标题", doc.title), ("日期", doc.date),
                                        ("发文机关", doc.issuers)) if not value]
    if doc.kind != "notice":
        missing = [m for m in missing if m == "标题"]
    if not doc.guesses and not missing:
        return "高"
    return "中" if len(doc.guesses) + len(missing) <= 1 else "低"


def line_ranges(numbers) -> str:
    numbers = sorted(numbers)
    parts: list[str] = []
    start = previous = None
    for no in numbers:
        if previous is not None and no == previous + 1:
            previous = no
            continue
        if start is not None:
            parts.append(f"{start}" if start == previous else f"{start}–{previous}")
        start = previous = no
    if start is not None:
        parts.append(f"{start}" if start == previous else f"{start}–{previous}")
    return "、".join(parts)


def render_report(plan: ImportPlan, names: list[str], diagnostics: tuple[str, ...],
                  folder: Path) -> str:
    source = plan.source
    lines = source.by_no()
    furniture = plan.layout.furniture
    kind = "PDF（按版面位置读取，行号为提取出的文字的行号，附页码）" if source.kind == "pdf" \
        else "纯文本"
    out = [f"# 导入报告：{Path(source.path).name}", "",
           f"- 来源：{kind}，非空行 {len(source.lines)} 行",
           f"- 写入：`{folder.as_posix()}/`，issue.yaml 和 {len(plan.documents)} 篇公文",
           f"- 目录：{len(plan.layout.toc)} 条" + ("" if plan.layout.toc else "（没有印出目录，"
                                                  "按文号行和标题分篇）"),
           f"- 删去的页面装饰：{len(furniture)} 行（见文末）",
           f"- 未能归位的文字：{len(plan.unplaced)} 行", ""]
    info = plan.issue
    out += ["## 期次信息", ""]
    out.append(f"- 年份 {info.year or '未找到'}，期号 {info.number or '未找到'}，"
               f"总期号 {info.cumulative or '未找到'}，出版日期 "
               f"{info.published or '未找到（issue.yaml 中暂填最晚的成文日期，请改正）'}")
    if info.board:
        out.append("- 编辑委员会：" + "；".join(f"{role} {'、'.join(names_)}"
                                            for role, _note, names_ in info.board))
    out += ["", "## 每篇公文", "",
            "把握：高 = 没有猜测、字段齐全；中 = 一处猜测或缺一项；低 = 更多。", ""]
    for doc, name in zip(plan.documents, names):
        seg = doc.segment
        span = seg.title_lines + ([seg.number_line] if seg.number_line else []) + seg.lines
        out.append(f"### {name}　{doc.title}")
        out.append("")
        span = [source.source_no(no) for no in span]
        out.append(f"- 把握：{confidence(doc)}；原文第 {min(span)}–{max(span)} 行"
                   if span else f"- 把握：{confidence(doc)}")
        out.append(f"- 分篇依据：{'；'.join(seg.how)}")
        fields = [f"文号 {doc.doc_number or '无'}", f"栏目 {doc.section}",
                  f"发文机关 {'、'.join(doc.issuers) or '未找到'}",
                  f"日期 {doc.date or '未找到'}", f"主送 {'有' if doc.addressees else '无'}",
                  f"附件 {len(doc.attachments)} 项", f"附注 {doc.note or '无'}",
                  f"印刷版起始页 {doc.printed_page or '未知'}"]
        out.append("- 字段：" + "，".join(fields))
        for finding in doc.findings:
            out.append(f"- 已核对：{finding}")
        for guess in doc.guesses:
            out.append(f"- 猜测：{guess}")
        for first, last in doc.tables_as_text:
            out.append(f"- 表格（或名单）未能重建，按原行保留在引用块中：原文第 {first}–{last} 行")
        out.append("")
    out += ["## 删去的页面装饰", ""]
    by_kind = Counter(furniture.values())
    for label, count in sorted(by_kind.items()):
        numbers = [no for no, k in furniture.items() if k == label]
        out.append(f"- {label}：{count} 行（第 {line_ranges(numbers)} 行）")
    out += ["", UNPLACED_HEADING, ""]
    if plan.unplaced:
        out.append("这些行不属于任何一篇公文，也不像页面装饰；请决定放进哪一篇或删去。")
        out.append("")
        for no in plan.unplaced:
            line = lines[no]
            where = f"（第{line.page}页）" if line.page else ""
            out.append(f"- 第{source.source_no(no)}行{where}：{line.text.strip()}")
    else:
        out.append("无。")
    out += ["", "## gazette check", ""]
    if diagnostics:
        out.append("```text")
        out.extend(diagnostics)
        out.append("```")
    else:
        out.append("没有发现问题。")
    return "\n".join(out) + "\n"
