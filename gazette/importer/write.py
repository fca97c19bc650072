"""Stage 6: write ``content/<gazette>/<issue>/`` all at once, then the report.

The folder is assembled under a hidden temporary name inside ``content/`` and renamed into
place, so an interrupted import leaves no half-written issue, and an existing folder is never
touched. ``gazette check`` then runs on the result and its diagnostics go into the report.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml

from ..diagnostics import GazetteError
from ..output import write_atomic
from .model import Document, ImportPlan
from .report import REPORT_NAME, render_report

SEGMENT = re.compile(r"^[\w][\w.\-]{0,63}$")


@dataclass(frozen=True, slots=True)
class ImportResult:
    folder: Path
    files: tuple[Path, ...]
    report: Path
    diagnostics: tuple[str, ...]


def safe_segment(value: str, what: str) -> str:
    """A gazette id or issue key is one plain folder name: no separators, no ``..``."""
    if not SEGMENT.match(value) or value in (".", "..") or ".." in value:
        raise GazetteError.at("import.name", f"{what}“{value}”不能用作文件夹名：只能用字母、数字、"
                              "汉字、“-”“_”“.”，不能以“.”开头，不能含“..”或“/”", what)
    return value


def default_key(plan: ImportPlan) -> str | None:
    if plan.issue.year and plan.issue.number:
        return f"{plan.issue.year}-{plan.issue.number:02d}"
    return None


def write_import(plan: ImportPlan, root: Path, target: Path, check) -> ImportResult:
    """Write the drafts into ``target`` (a new folder under content/); ``check(folder)``
    returns the formatted diagnostics of ``gazette check``."""
    content = root / "content"
    if target.exists():
        raise GazetteError.at("import.exists", f"{target.relative_to(root)} 已经存在，导入不会覆盖它",
                              str(target.relative_to(root)),
                              hint="换一个 --issue，或先把原来的文件夹移走")
    content.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".import-", dir=content))
    try:
        names = file_names(plan.documents)
        (staging / "issue.yaml").write_text(issue_yaml(plan), encoding="utf-8")
        for doc, name in zip(plan.documents, names):
            (staging / name).write_text(notice_text(doc), encoding="utf-8")
        target.parent.mkdir(parents=True, exist_ok=True)
        os.rename(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    diagnostics = tuple(check(target))
    report = target / REPORT_NAME
    write_atomic(report, render_report(plan, names, diagnostics, target.relative_to(root)))
    return ImportResult(target, tuple(target / n for n in names), report, diagnostics)


def file_names(documents: tuple[Document, ...]) -> list[str]:
    names = []
    for index, doc in enumerate(documents, start=1):
        stem = doc.doc_number or doc.title[:16]
        stem = re.sub(r"[〔〕\[\]（）()]", "-", stem)
        stem = re.sub(r"[^\w-]+", "", stem).strip("-_")
        names.append(f"{index:02d}-{re.sub(r'-+', '-', stem) or 'wen'}.md")
    return names


def issue_yaml(plan: ImportPlan) -> str:
    info = plan.issue
    data: dict = {}
    data["year"] = info.year
    data["number"] = info.number
    if info.cumulative:
        data["cumulative"] = info.cumulative
    data["published"] = info.published or _latest_date(plan)
    if info.board:
        data["board"] = [
            {"role": role, **({"note": note} if note else {}), "names": list(names)}
            for role, note, names in info.board]
    head = "# 由 gazette import 生成，请对照 import-report.md 校对\n"
    return head + _dump(data)


def _latest_date(plan: ImportPlan) -> dt.date | None:
    dates = [d.date for d in plan.documents if d.date]
    return max(dates) if dates else None


def notice_text(doc: Document) -> str:
    data: dict = {"title": doc.title}
    if doc.doc_number:
        data["doc_number"] = doc.doc_number
    if doc.number_line:
        data["number_line"] = doc.number_line
    data["section"] = doc.section
    data["order"] = doc.order
    if doc.addressees:
        data["addressees"] = doc.addressees
    if doc.attachments:
        data["attachments"] = list(doc.attachments)
    if doc.issuers:
        data["issuer"] = doc.issuers[0] if len(doc.issuers) == 1 else list(doc.issuers)
    if doc.date:
        data["date"] = doc.date
    if doc.note:
        data["note"] = doc.note
    if doc.kind != "notice":
        data["kind"] = doc.kind
    if doc.printed_page:
        data["printed_page"] = doc.printed_page
    return f"---\n{_dump(data)}---\n\n{doc.body}"


def _dump(data: dict) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000)
