"""``gazette check``: every problem of one issue (or all) in one run, without building.

It runs the validators that ``build`` runs (:class:`gazette.model.ProjectModel`, stages 1–4),
so a file that check passes never fails the build for a content reason, and then the lint
rules of :mod:`gazette.lint`. ``--fix`` applies the safe mechanical edits (:mod:`gazette.fix`)
and checks again, so what is printed at the end is what is still left to do.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .config import Config, ConfigError, Project, load_project
from .content import all_issues as every_issue, notice_files, resolve_issue
from .diagnostics import Diagnostic, Diagnostics, GazetteError
from .fix import FileFix, apply_fix, plan_fixes
from .issue import Issue
from .lint import RULES, Rule
from .model import ProjectModel

EXIT_CLEAN, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2


@dataclass(frozen=True, slots=True)
class CheckResult:
    issues: tuple[str, ...]
    notices: int
    diagnostics: Diagnostics


BUILD_RULES = RULES
"""Build and check give one verdict: a character the bundled fonts lack (text.missing-glyph)
stops both before the layout. The layout's own render.missing-glyph and render.foreign-font
(a system font drawn in) remain as a backstop."""


def validate_issue(config: Config, issue_dir: Path, diags: Diagnostics,
                   encoding: str | None = None, *, model: ProjectModel | None = None,
                   rules: tuple[Rule, ...] = RULES) -> Issue | None:
    """The one validation that build, check and the preview share: stages 1–4, then the lint
    table (archive-wide 文号 duplicates, dates, issue sequence, text hygiene). None if any
    error was found. ``model`` keeps what was read for the next call (the preview, check --all)."""
    model = model or ProjectModel(config, encoding)
    return model.validate_issue(issue_dir, diags, rules)


def check_issues(config: Config | Project, issue_paths: list[Path] | list[tuple[Config, Path]],
                 *, encoding: str | None = None) -> CheckResult:
    """Shared validators, then lint rules, for each issue folder; archive rules (repeated
    文号, issue sequence) look only at the issue's own gazette."""
    targets = [item if isinstance(item, tuple) else (config, item) for item in issue_paths]
    diags = Diagnostics()
    models: dict[str, ProjectModel] = {}
    notices = 0
    for gazette, issue_dir in targets:
        model = models.setdefault(gazette.id, ProjectModel(gazette, encoding))
        validate_issue(gazette, issue_dir, diags, encoding, model=model)
        notices += len(notice_files(issue_dir))
    return CheckResult(tuple(g.issue_address(p.name) for g, p in targets), notices, diags)


def select_issues(project: Project, key: str | None, all_issues: bool) -> list[tuple[Config, Path]]:
    """The folders to check: one issue (default the latest) or, with --all, every issue of
    every gazette."""
    if all_issues:
        found = every_issue(project)
        if not found:
            resolve_issue(project, None)  # raises the "no issue" diagnostic
        return found
    return [resolve_issue(project, key)]


def run_check(config_path: Path, key: str | None, *, all_issues: bool = False,
              output_format: str = "text", strict: bool = False, fix: bool = False,
              encoding: str | None = None, echo: Callable[[str], None] = print) -> int:
    """The whole command; returns the exit code (0 clean, 1 problems, 2 usage/config)."""
    try:
        project = load_project(config_path)
        paths = select_issues(project, key, all_issues)
    except ConfigError as exc:
        return _usage_failure(list(exc.diagnostics), output_format, echo)
    except GazetteError as exc:
        return _usage_failure([exc.diagnostic], output_format, echo)
    result = check_issues(project, paths, encoding=encoding)
    fixes: list[FileFix] = []
    skipped = Diagnostics()
    if fix:
        # Fixes are planned per file path, which is the same whichever gazette owns it.
        fixes = plan_fixes(project.gazettes[0], result.diagnostics, [p for _, p in paths],
                           skipped, encoding=encoding)
        for file_fix in fixes:
            if output_format == "text":
                echo(file_fix.diff())
            apply_fix(file_fix, skipped)
        if fixes:
            result = check_issues(project, paths, encoding=encoding)
    diags = Diagnostics()
    diags.extend(skipped)
    diags.extend(result.diagnostics)
    failed = bool(diags.errors) or (strict and bool(diags.warnings))
    if output_format == "json":
        echo(json.dumps({
            "issues": list(result.issues),
            "notices": result.notices,
            "errors": len(diags.errors),
            "warnings": len(diags.warnings),
            "fixed": [{"path": f.rel, "diff": f.diff()} for f in fixes if f.written],
            "diagnostics": [d.as_json() for d in diags.sorted()],
        }, ensure_ascii=False, indent=2))
    else:
        for diagnostic in diags.sorted():
            echo(diagnostic.format())
        written = [f for f in fixes if f.written]
        if written:
            echo(f"已修正 {len(written)} 个文件：" + "、".join(f.rel for f in written))
        fixable = sum(1 for d in diags if d.fix)
        summary = (f"检查 {'、'.join(result.issues)}：{result.notices} 篇稿件，"
                   f"{len(diags.errors)} 个错误，{len(diags.warnings)} 个警告")
        if fixable and not fix:
            summary += f"；其中 {fixable} 处可用 gazette check --fix 自动修正"
        echo(summary + "。")
    return EXIT_PROBLEMS if failed else EXIT_CLEAN


def _usage_failure(diagnostics: list[Diagnostic], output_format: str,
                   echo: Callable[[str], None]) -> int:
    if output_format == "json":
        echo(json.dumps({"errors": len(diagnostics), "warnings": 0,
                         "diagnostics": [d.as_json() for d in diagnostics]},
                        ensure_ascii=False, indent=2))
    else:
        for diagnostic in diagnostics:
            echo(diagnostic.format())
    return EXIT_USAGE
