"""The loaded project: every content file read, parsed and checked once, keyed by its hash.

``check``, ``build`` and the preview validate through one :class:`ProjectModel`
(:func:`gazette.check.validate_issue`). A notice is read once, its front matter split and
validated (stages 1–2), its body rendered (stage 3), its tables measured and its text linted,
and all of it is kept with the sha256 of its text and the stamps of the files its body refers
to (images). Asking again re-reads the file and reuses everything when the hash and stamps
are the same, so the preview, which keeps one model while it runs, re-does only the notice
that was saved. issue.yaml is kept the same way; the issue itself (sections, order, slugs
unique, the rules that look across notices and issues) is assembled again every time, since
it is cheap and depends on every file.

A model belongs to one :class:`~gazette.config.Config`: when config.yaml, layouts/ or fonts/
change, the preview starts a new one.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .config import Config
from .content import (FrontMatter, IssueMeta, issue_dirs, issue_meta_from_doc, notice_files,
                      notice_from_front, split_front_matter)
from .diagnostics import Diagnostic, Diagnostics, GazetteError, Location, relative
from .fonts import coverage
from .issue import (MAX_SLUG_CHARS, Issue, Notice, Section, check_unique, resolve_colophon,
                    shown_slug, slug_for, slug_problem)
from .lint import (RULES, ArchivedNumber, LintIssue, LintNotice, Rule, body_spans,
                   front_matter_spans, paragraphs, raw_doc_number, rule_diagnostic)
from .markup import render_body
from .sources import YamlDocument, load_yaml, read_text

Stamp = tuple[int, int, int] | None


@dataclass(frozen=True, slots=True)
class _Text:
    """A file's text as last read: its hash and what parsing it gave."""

    digest: str
    front: FrontMatter | None
    problem: Diagnostic | None
    """Why the text could not be split or parsed (None when ``front`` is set)."""


@dataclass(slots=True)
class NoticeFile:
    """One notice file loaded: everything that depends on its text (and images) alone."""

    digest: str
    stamps: tuple[tuple[Path, Stamp], ...]
    notice: Notice | None
    """None when the file has errors of its own (reported in ``diagnostics``)."""
    diagnostics: tuple[Diagnostic, ...]
    """Reading, front matter, body markup and permalink, in the order load_issue reports."""
    lint: LintNotice | None
    tables: tuple[Diagnostic, ...] | None = None
    findings: dict[str, tuple[Diagnostic, ...]] = field(default_factory=dict)
    """Lint rule code → what the rule found in this notice (filled as rules are asked for)."""


@dataclass(frozen=True, slots=True)
class _IssueFile:
    digest: str
    meta: IssueMeta | None
    doc: YamlDocument | None
    diagnostics: tuple[Diagnostic, ...]


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _stamp(path: Path) -> Stamp:
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size, stat.st_ino


class ProjectModel:
    """The content of one gazette as loaded so far; ask it for issues, it reads what changed."""

    def __init__(self, config: Config, encoding: str | None = None) -> None:
        self.config = config
        self.encoding = encoding
        self._texts: dict[Path, _Text] = {}
        self._notices: dict[Path, NoticeFile] = {}
        self._issue_files: dict[Path, _IssueFile] = {}
        self.loaded = 0
        """Notices loaded (not reused) so far: what a test or benchmark can watch."""

    # —— files ——

    def _text(self, path: Path, rel: str) -> _Text:
        try:
            text = read_text(path, rel, self.encoding)
        except GazetteError as exc:
            return _Text("", None, exc.diagnostic)
        digest = _digest(text)
        known = self._texts.get(path)
        if known is not None and known.digest == digest:
            return known
        try:
            entry = _Text(digest, split_front_matter(text, rel), None)
        except GazetteError as exc:
            entry = _Text(digest, None, exc.diagnostic)
        self._texts[path] = entry
        return entry

    def notice(self, path: Path) -> NoticeFile:
        """The notice file at ``path``, loaded again only if its text or images changed."""
        rel = relative(path, self.config.root)
        text = self._text(path, rel)
        known = self._notices.get(path)
        if (known is not None and text.digest and known.digest == text.digest
                and all(_stamp(p) == s for p, s in known.stamps)):
            return known
        entry = self._load_notice(path, rel, text)
        if text.digest:
            self._notices[path] = entry
        else:
            self._notices.pop(path, None)
        self.loaded += 1
        return entry

    def _load_notice(self, path: Path, rel: str, text: _Text) -> NoticeFile:
        diags = Diagnostics()
        if text.front is None:
            diags.add(text.problem)
            return NoticeFile(text.digest, (), None, tuple(diags), None)
        config = self.config
        front = text.front
        source = notice_from_front(path, rel, front, config, diags)
        spans = front_matter_spans(front.doc) + body_spans(front.body, front.body_line)
        lint = LintNotice(rel, tuple(spans), tuple(paragraphs(spans)), front.doc,
                          source.meta if source else None, coverage(config.fonts.all()))
        if source is None:
            return NoticeFile(text.digest, (), None, tuple(diags), lint)
        body = render_body(source.body, rel=source.rel, body_line=source.body_line,
                           source_dir=path.parent, root=config.root,
                           chronicle=source.meta.kind == "chronicle", diags=diags)
        stamps = tuple((p, _stamp(p)) for p in body.files)
        slug = slug_for(source.meta)
        notice: Notice | None = Notice(source, body, slug)
        if problem := slug_problem(slug, path.parent.name):
            field_name = "slug" if source.meta.slug else ("doc_number" if source.meta.doc_number
                                                          else "title")
            diags.error("notice.slug", f"固定链接“{shown_slug(slug)}”不能用：{problem}",
                        Location(source.rel, source.meta_lines.get(field_name)),
                        "slug 只能是一段名称：不含“/”“\\”，不以“.”开头，不超过 "
                        f"{MAX_SLUG_CHARS} 个字符，如 slug: 银政发-2020-71")
            notice = None
        return NoticeFile(text.digest, stamps, notice, tuple(diags), lint)

    def issue_file(self, issue_dir: Path) -> _IssueFile:
        """issue.yaml of ``issue_dir``, validated; parsed again only when its text changed."""
        meta_path = issue_dir / "issue.yaml"
        rel = relative(meta_path, self.config.root)
        diags = Diagnostics()
        if not meta_path.is_file():
            diags.error("issue.missing", "缺少期次信息文件 issue.yaml", Location(rel),
                        "每期文件夹需要一个 issue.yaml，写明 year、number、published 等")
            return _IssueFile("", None, None, tuple(diags))
        try:
            text = read_text(meta_path, rel, self.encoding)
        except GazetteError as exc:
            return _IssueFile("", None, None, (exc.diagnostic,))
        digest = _digest(text)
        known = self._issue_files.get(issue_dir)
        if known is not None and known.digest == digest:
            return known
        try:
            doc = load_yaml(text, rel)
        except GazetteError as exc:
            entry = _IssueFile(digest, None, None, (exc.diagnostic,))
        else:
            meta = issue_meta_from_doc(issue_dir, doc, rel, self.config, diags)
            entry = _IssueFile(digest, meta, doc, tuple(diags))
        self._issue_files[issue_dir] = entry
        return entry

    # —— stages 1–4 ——

    def load_issue(self, issue_dir: Path, diags: Diagnostics) -> Issue | None:
        """Read, validate and assemble one issue; None if any error was reported (the same
        verdict and diagnostics as reading every file afresh)."""
        issue, _entries = self._load(issue_dir, diags)
        return issue

    def _load(self, issue_dir: Path, diags: Diagnostics) -> tuple[Issue | None, list[NoticeFile]]:
        config = self.config
        issue_file = self.issue_file(issue_dir)
        for diagnostic in issue_file.diagnostics:
            diags.add(diagnostic)
        meta = issue_file.meta
        entries = [self.notice(path) for path in notice_files(issue_dir)]
        notices: list[Notice] = []
        for entry in entries:
            for diagnostic in entry.diagnostics:
                diags.add(diagnostic)
            if entry.notice is not None:
                notices.append(entry.notice)
        if not notices and meta is not None:
            diags.error("issue.empty", "这一期没有任何稿件（.md 文件）",
                        Location(relative(issue_dir, config.root)))
        check_unique(notices, diags)
        if meta is None or diags.errors:
            return None, entries
        sections = []
        for name in config.sections:
            members = sorted((n for n in notices if n.meta.section == name),
                             key=lambda n: n.meta.order)
            if members:
                sections.append(Section(name, tuple(members)))
        return Issue(meta, tuple(sections), resolve_colophon(config, meta), issue_dir), entries

    # —— validation: stages 1–4, tables, lint ——

    def validate_issue(self, issue_dir: Path, diags: Diagnostics,
                       rules: tuple[Rule, ...] = RULES) -> Issue | None:
        """What build, check and the preview share: stages 1–4, tables that fit no page, then
        the lint table (archive-wide 文号 duplicates, dates, issue sequence, text hygiene).
        None if any error was found."""
        from .tables import check_notice_tables

        local = Diagnostics()
        issue, entries = self._load(issue_dir, local)
        if issue is not None:
            by_notice = {id(e.notice): e for e in entries if e.notice is not None}
            for notice in issue.notices:
                entry = by_notice[id(notice)]
                if entry.tables is None:
                    found = Diagnostics()
                    check_notice_tables(notice, self.config, found)
                    entry.tables = tuple(found)
                for diagnostic in entry.tables:
                    local.add(diagnostic)
        lint_notices = [e for e in entries if e.lint is not None]
        lint_issue: LintIssue | None = None
        for rule in rules:
            if rule.scope == "issue":
                lint_issue = lint_issue or self._lint_issue(issue_dir, lint_notices)
                for finding in rule.check(lint_issue):
                    local.add(rule_diagnostic(rule, finding, finding.path or lint_issue.rel))
                continue
            for entry in lint_notices:
                found = entry.findings.get(rule.code)
                if found is None:
                    found = entry.findings[rule.code] = tuple(
                        rule_diagnostic(rule, finding, entry.lint.rel)
                        for finding in rule.check(entry.lint))
                for diagnostic in found:
                    local.add(diagnostic)
        diags.extend(local)
        return None if local.errors else issue

    def _lint_issue(self, issue_dir: Path, entries: list[NoticeFile]) -> LintIssue:
        issue_file = self.issue_file(issue_dir)
        rel = relative(issue_dir / "issue.yaml", self.config.root)
        dirs = [path.resolve() for path in issue_dirs(self.config)]
        this = issue_dir.resolve()
        index = dirs.index(this) if this in dirs else 0
        previous = self.issue_file(dirs[index - 1]).meta if index > 0 else None
        archive = tuple(number for path in dirs if path != this
                        for number in self.doc_numbers(path))
        return LintIssue(issue_dir.name, rel, issue_file.meta, issue_file.doc,
                         tuple(e.lint for e in entries), previous, archive)

    def doc_numbers(self, issue_dir: Path) -> Iterable[ArchivedNumber]:
        """发文字号 of every notice of an issue as written (for the duplicate rule across
        issues); a notice whose front matter cannot be read is left out (reported when that
        issue is checked)."""
        for path in notice_files(issue_dir):
            rel = relative(path, self.config.root)
            text = self._text(path, rel)
            if text.front is None:
                continue
            doc = text.front.doc
            if number := raw_doc_number(doc):
                yield ArchivedNumber(number, rel, doc.line_of("doc_number"), issue_dir.name)
