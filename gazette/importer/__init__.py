"""``gazette import``: bring a printed issue (a PDF with a text layer, or its extracted text)
into ``content/<gazette>/<issue>/`` as first drafts, with a report an editor can act on.

Stages, one module each: :mod:`.read` (positioned lines) → :mod:`.layout` (page furniture and
the 目录) → :mod:`.segment` (documents) → :mod:`.fields` and :mod:`.markdown` (front matter and
body) → :mod:`.write` and :mod:`.report`. :mod:`.plan` runs the pure stages.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..diagnostics import GazetteError
from .plan import plan_import
from .write import ImportResult, default_key, safe_segment, write_import

__all__ = ["ImportResult", "check_folder", "run_import"]


def check_folder(root: Path, folder: Path) -> list[str]:
    """``gazette check`` on an imported folder: the shared validation plus the lint rules.

    Kept as one function so it can follow the project loader (one gazette today, several once
    content is grouped by gazette) without touching the importer."""
    from ..check import validate_issue
    from ..config import ConfigError, load_config
    from ..diagnostics import Diagnostics

    try:
        config = load_config(root / "config.yaml")
    except (ConfigError, GazetteError) as exc:
        return [f"未能运行 gazette check：config.yaml 有误（{exc}）"]
    diags = Diagnostics()
    validate_issue(config, folder, diags)
    return [d.format() for d in diags.sorted()]


def run_import(source: Path, root: Path, gazette: str | None = None,
               key: str | None = None) -> ImportResult:
    plan = plan_import(source)
    gazette = gazette or _gazette_from_name(source)
    key = key or default_key(plan)
    if not key:
        raise GazetteError.at("import.issue", "没有从来源中找到年份和期号，请用 --issue 指定期次，"
                              "如 --issue 2020-07", str(source))
    return write_import(plan, root, gazette, key, lambda folder: check_folder(root, folder))


def _gazette_from_name(source: Path) -> str:
    """``yinchuan-2020-07.txt`` → ``yinchuan``; otherwise --gazette is needed."""
    match = re.match(r"^([A-Za-z][A-Za-z0-9_]*)[-_]\d{4}", source.name)
    if not match:
        raise GazetteError.at("import.gazette", "请用 --gazette 指定公报（如 --gazette yinchuan）",
                              str(source))
    return safe_segment(match[1].lower(), "公报")
