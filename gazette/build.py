"""The build pipeline: config → issue → print HTML → PDF → files, one plain stage after another."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from .config import Config
from .content import find_issue
from .diagnostics import Diagnostics
from .issue import Issue, load_issue
from .output import build_lock, write_atomic
from .render_pdf import render_pdf, render_print_html


@dataclass(frozen=True, slots=True)
class BuildResult:
    issue: Issue
    pdf_path: Path
    pages: int
    seconds: float


def pdf_name(issue: Issue) -> str:
    return f"{issue.meta.key}.pdf"


def build_issue(config: Config, key: str | None, diags: Diagnostics, *,
                encoding: str | None = None, font_config=None) -> BuildResult | None:
    """Build one issue into build/<issue>/; None (and nothing written) if there are errors."""
    started = time.perf_counter()
    issue = load_issue(config, find_issue(config, key), diags, encoding)
    if issue is None:
        return None
    html = render_print_html(issue, config)
    pdf, pages = render_pdf(html, config, issue, diags, font_config=font_config)
    if diags.errors:
        return None
    out = config.build_dir / issue.meta.key
    with build_lock(out):
        write_atomic(out / "print.html", html)
        write_atomic(out / pdf_name(issue), pdf)
    return BuildResult(issue, out / pdf_name(issue), pages, time.perf_counter() - started)
