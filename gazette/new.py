"""``gazette new``: start the next issue or a new notice from a commented skeleton.

Like Hugo's archetypes: the clerk gets a file in which every field is already written and
explained in Chinese, filled from the previous issue where it can be (number and cumulative
number + 1, editorial board and per-issue colophon carried over). Nothing is ever overwritten.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from .config import Config, Project
from .content import issue_dirs, notice_files, read_issue_meta
from .diagnostics import Diagnostics, GazetteError, relative
from .output import write_atomic

SAFE_NAME = re.compile(r"^[0-9A-Za-z\u4e00-\u9fff][0-9A-Za-z\u4e00-\u9fff._-]{0,59}$")
"""A folder or file name we create from what the user typed: one plain path segment."""


def _safe(name: str, what: str) -> str:
    if not SAFE_NAME.match(name) or ".." in name:
        raise GazetteError.at("new.name", f"{what}“{name}”不能用作文件夹或文件名", "content",
                              hint="只用字母、数字、汉字、点、连字符和下划线，如 2020-08；不能含 / 或 ..")
    return name


def _target(project: Project, address: str) -> tuple[Config, str]:
    """The gazette and issue key of ``GAZETTE/ISSUE`` (or ``ISSUE`` with one gazette)."""
    gazette_id, _, key = address.rpartition("/")
    if not gazette_id:
        if len(project.gazettes) != 1:
            raise GazetteError.at("new.gazette", "本项目有多种公报，请写作 公报代号/期，如 yinchuan/2020-08",
                                  "config.yaml")
        return project.gazettes[0], _safe(key, "期")
    config = project.gazette(gazette_id)
    if config is None:
        names = "、".join(g.id for g in project.gazettes)
        raise GazetteError.at("new.gazette", f"没有这种公报：{gazette_id}", "config.yaml",
                              hint=f"config.yaml 中的公报：{names}")
    return config, _safe(key, "期")


def new_issue(project: Project, address: str) -> Path:
    """Create content/…/<issue>/issue.yaml for the issue after the latest one; its path."""
    config, key = _target(project, address)
    folder = config.content_dir / key
    if folder.exists():
        raise GazetteError.at("new.exists", f"{relative(folder, config.root)} 已经存在，不会覆盖",
                              relative(folder, config.root))
    previous = None
    for path in reversed(issue_dirs(config)):
        previous = read_issue_meta(path, config, Diagnostics())
        if previous is not None:
            break
    write_atomic(folder / "issue.yaml", issue_skeleton(config, previous))
    return folder


def issue_skeleton(config: Config, previous) -> str:
    """issue.yaml text with every field explained; numbers follow the previous issue."""
    def dump(value) -> str:
        return yaml.safe_dump(value, allow_unicode=True, sort_keys=False,
                              default_flow_style=False).rstrip()

    if previous is not None:
        year, number = previous.year, previous.number + 1
        cumulative = previous.cumulative + 1 if previous.cumulative else None
        source = f"（由上一期 {previous.label} 推算，跨年时请把 year 改为新的年份、number 改为 1）"
    else:
        year, number, cumulative, source = None, 1, None, "（这是第一期，请填写）"
    lines = [f"# {config.name} 期次信息{source}",
             f"year: {year if year else ''}            # 年份",
             f"number: {number}            # 本年第几期",
             f"cumulative: {cumulative if cumulative else ''}       # 总第几期（没有可删去这一行）",
             "published:          # 出版日期，写作 2020-10-25（必填，出版前填写）"]
    if previous is not None and previous.board:
        board = [{"role": r.role, **({"note": r.note} if r.note else {}),
                  "names": list(r.names)} for r in previous.board]
        lines += ["# 编辑委员会（沿用上一期，如有变动请修改）", dump({"board": board})]
    else:
        lines += ["# 编辑委员会（刊头页），例如：", "# board:", "#   - role: 主任",
                  "#     names: [张三]"]
    if previous is not None and previous.colophon:
        colophon = {label: list(v) if len(v) > 1 else v[0] for label, v in previous.colophon}
        lines += ["# 本期版权页中与 config.yaml 不同或新增的项目（沿用上一期，如印数）",
                  dump({"colophon": colophon})]
    return "\n".join(lines) + "\n"


NOTICE_SKELETON = """---
# 标题：原文照录，不加书名号
title: 
# 发文字号：机关代字〔年份〕序号号，用六角括号〔〕，不加“第”，序号不编虚位；没有可删去
doc_number: 
# 栏目：必须是 config.yaml 中 sections 列出的名称之一：{sections}
section: {section}
# 在栏目内的顺序（整数，同一期同一栏目内不能重复）
order: {order}
# 主送机关，不写末尾的“：”；没有可删去
addressees: 
# 附件说明，每项一行；只列名称未刊登正文的加“（略）”；没有可删去
# attachments:
#   - 附件名称
# 发文机关署名；联合行文写成列表：[机关一, 机关二]
issuer: 
# 成文日期，写作 2020-08-26，印出为 2020年8月26日
date: 
# 附注，如 此件公开发布，印出为（此件公开发布）；没有可删去
# note: 此件公开发布
# 类型：notice（公文，默认）、chronicle（大事记）或 data（数据表格）
# kind: notice
# 网页版固定链接；不写时由年份、期号和发文字号生成
# slug: 
# 印刷版目录上的起始页（导入往期时填写，用于核对页码）
# printed_page: 
---

正文从这里开始。段与段之间空一行，段首不加空格；层次序号直接写：一、（一）1.（1）。
"""


def new_notice(project: Project, address: str, name: str) -> Path:
    """Create a notice skeleton ``name``.md in an existing issue; its path."""
    config, key = _target(project, address)
    folder = config.content_dir / key
    if not folder.is_dir():
        raise GazetteError.at("new.no-issue", f"找不到这一期：{config.issue_address(key)}",
                              relative(config.content_dir, config.root),
                              hint=f"先运行 gazette new issue {config.issue_address(key)}")
    stem = _safe(name.removesuffix(".md"), "文件名")
    path = folder / f"{stem}.md"
    if path.exists():
        raise GazetteError.at("new.exists", f"{relative(path, config.root)} 已经存在，不会覆盖",
                              relative(path, config.root))
    order = len(notice_files(folder)) + 1
    text = NOTICE_SKELETON.format(sections="、".join(config.sections), section=config.sections[0],
                                  order=order)
    write_atomic(path, text)
    return path
