"""``gazette import``: bring a printed issue (a PDF with a text layer, or its extracted text)
into ``content/<gazette>/<issue>/`` as first drafts, with a report an editor can act on.

Stages, one module each: :mod:`.read` (positioned lines) → :mod:`.layout` (page furniture and
the 目录) → :mod:`.segment` (documents) → :mod:`.fields` and :mod:`.markdown` (front matter and
body) → :mod:`.write` and :mod:`.report`. :mod:`.plan` runs the pure stages.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from ..diagnostics import GazetteError
from .plan import guess_configured_sections, plan_import
from .write import ImportResult, default_key, safe_segment, write_import

__all__ = ["ImportResult", "check_folder", "import_folder", "run_import"]


def check_folder(root: Path, gazette: str, folder: Path,
                 sections: tuple[str, ...] = ()) -> list[str]:
    """``gazette check`` on an imported folder: the validation build runs, then the lint rules.

    A gazette config.yaml does not list yet is checked with the first gazette's settings and
    the sections the import found, so the drafts are still checked; the report says so."""
    from ..check import validate_issue
    from ..config import ConfigError, load_project
    from ..diagnostics import Diagnostics

    try:
        project = load_project(root / "config.yaml")
    except (ConfigError, GazetteError):
        return ["未能运行 gazette check：config.yaml 有误，请先运行 gazette check 查看"]
    config = project.gazette(gazette) if project.multi else project.gazettes[0]
    notes: list[str] = []
    if config is None:
        config = dataclasses.replace(project.gazettes[0], id=gazette,
                                     sections=tuple(dict.fromkeys(sections)) or
                                     project.gazettes[0].sections)
        notes.append(f"config.yaml 的 gazettes 中还没有“{gazette}”：检查时暂用"
                     f"“{project.gazettes[0].id}”的设置，栏目取导入所得的栏目")
    diags = Diagnostics()
    validate_issue(config, folder, diags)
    fixed = _safe_fixes(config, folder, diags)
    if fixed:
        notes.append(f"已对 {len(fixed)} 个文件运行 gazette check --fix 的安全修正（标点宽度、发文字号括号、"
                     f"汉字间空格）：" + "、".join(fixed))
        diags = Diagnostics()
        validate_issue(config, folder, diags)
    return notes + [d.format() for d in diags.sorted()]


def _safe_fixes(config, folder: Path, diags) -> list[str]:
    """The same mechanical edits ``gazette check --fix`` makes, which never change wording:
    the drafts come out with full-width punctuation like hand-set content."""
    from ..diagnostics import Diagnostics
    from ..fix import apply_fix, plan_fixes

    skipped = Diagnostics()
    written = []
    for file_fix in plan_fixes(config, diags, [folder], skipped):
        apply_fix(file_fix, skipped)
        if file_fix.written:
            written.append(file_fix.path.name)
    return written


def import_folder(root: Path, source: Path, gazette: str | None, key: str) -> tuple[str, Path]:
    """Where an import goes: content/<gazette>/<issue>/ in a project of several gazettes,
    content/<issue>/ in a one-gazette project (whose gazette is the only one allowed)."""
    from ..config import ConfigError, load_project

    try:
        project = load_project(root / "config.yaml")
    except ConfigError as exc:
        raise GazetteError(exc.diagnostics.errors[0]) from None
    content = root / "content"
    if not project.multi:
        own = project.gazettes[0].id
        if gazette and gazette != own:
            raise GazetteError.at("import.gazette", f"本项目只有一种公报“{own}”，不能导入为“{gazette}”",
                                  "config.yaml", hint="不写 --gazette，或在 config.yaml 中改为多种公报"
                                  "（gazettes:）")
        return own, content / safe_segment(key, "期次")
    if gazette is None:
        named = _gazette_from_name(source, required=len(project.gazettes) > 1)
        gazette = named or project.gazettes[0].id
    return gazette, content / safe_segment(gazette, "公报") / safe_segment(key, "期次")


def run_import(source: Path, root: Path, gazette: str | None = None,
               key: str | None = None) -> ImportResult:
    plan = plan_import(source)
    key = key or default_key(plan)
    if not key:
        raise GazetteError.at("import.issue", "没有从来源中找到年份和期号，请用 --issue 指定期次，"
                              "如 --issue 2020-07", str(source))
    gazette, target = import_folder(root, source, gazette, key)
    configured = _configured_sections(root, gazette)
    if configured:
        guess_configured_sections(plan.documents, configured)
    sections = tuple(d.section for d in plan.documents if d.section)
    return write_import(plan, root, target,
                        lambda folder: check_folder(root, gazette, folder, sections))


def _configured_sections(root: Path, gazette: str) -> tuple[str, ...]:
    from ..config import load_project

    project = load_project(root / "config.yaml")
    config = project.gazette(gazette) if project.multi else project.gazettes[0]
    return config.sections if config else ()


def _gazette_from_name(source: Path, required: bool) -> str | None:
    """``yinchuan-2020-07.txt`` → ``yinchuan``; otherwise --gazette is needed."""
    match = re.match(r"^([A-Za-z][A-Za-z0-9_]*)[-_]\d{4}", source.name)
    if not match:
        if not required:
            return None
        raise GazetteError.at("import.gazette", "请用 --gazette 指定公报（如 --gazette yinchuan）",
                              str(source))
    return safe_segment(match[1].lower(), "公报")
