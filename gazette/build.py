"""The build pipeline: config → issue → print HTML → PDF → files, one plain stage after another."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from .archive import MANIFEST, SourceFile, archive_files
from .config import Config
from .content import find_issue
from .diagnostics import Diagnostics, Location, relative
from .check import BUILD_RULES, validate_issue
from .issue import Issue, Notice
from .output import OutputError, Publication, check_writable
from .render_html import (PLACES_FILE, SITE_FOLDER, PrintEdition, Site, SiteIssue, places_json,
                          site_folder,
                          published_site)
from .render_pdf import PagePlace, render_pdf, render_print_html


@dataclass(frozen=True, slots=True)
class BuildResult:
    issue: Issue
    pdf_path: Path
    pages: int
    seconds: float
    site: Site | None = None
    """The HTML edition written to build/site/, if it was asked for."""
    drifts: tuple[PageDrift, ...] = ()
    """Notices that do not start on the page they were printed on (``printed_page``)."""


@dataclass(frozen=True, slots=True)
class PageDrift:
    """A notice whose regenerated start page differs from its printed one: legal citations
    name gazette pages, so the build says which notice drifts and by how much."""

    notice: Notice
    printed: int
    actual: int

    @property
    def pages(self) -> int:
        return self.actual - self.printed

    def format(self) -> str:
        meta = self.notice.meta
        name = meta.doc_number or meta.title
        way = "晚" if self.pages > 0 else "早"
        return (f"{self.notice.source.rel} {name}：起始于第 {self.actual} 页，"
                f"印刷版为第 {self.printed} 页（{way} {abs(self.pages)} 页）")


def page_drifts(issue: Issue, places: dict[str, PagePlace]) -> tuple[PageDrift, ...]:
    return tuple(PageDrift(n, n.meta.printed_page, places[n.anchor].folio)
                 for n in issue.notices
                 if n.meta.printed_page and n.anchor in places
                 and places[n.anchor].folio != n.meta.printed_page)


def pdf_name(issue: Issue) -> str:
    return f"{issue.meta.key}.pdf"


def build_issue(config: Config, key: str | None, diags: Diagnostics, *,
                encoding: str | None = None, font_config=None,
                site: bool = True, portal: bytes | None = None) -> BuildResult | None:
    """Build one issue into build/<issue>/ (build/<gazette>/<issue>/) and, with ``site``, the
    HTML edition of all the gazette's issues into build/site/ (build/site/<gazette>/), with the
    several-gazette ``portal`` page beside them; None (and nothing written) on errors."""
    started = time.perf_counter()
    issue = validate_issue(config, find_issue(config, key), diags, encoding, rules=BUILD_RULES)
    if issue is None:
        return None
    try:
        check_writable(config.build_dir)
    except OutputError as exc:
        diags.error("output.unwritable", exc.message, Location(relative(config.build_dir, config.root)))
        return None
    printed = config.with_layout(dict(issue.meta.layout))
    html = render_print_html(issue, printed)
    places: dict[str, PagePlace] = {}
    embedded: list[SourceFile] = []

    def attach(laid_out: dict[str, PagePlace]) -> list[SourceFile]:
        embedded.extend(archive_files(config, issue, {PLACES_FILE: places_json(laid_out)}))
        return embedded

    pdf, pages = render_pdf(html, printed, issue, diags, font_config=font_config, places=places,
                            attach=attach)
    if diags.errors:
        return None
    edition = None
    if site:
        edition = published_site(config, diags, SiteIssue(issue, PrintEdition(pdf, places)),
                                 encoding)
        if diags.errors:
            return None
    publication = Publication(config.build_dir)
    try:
        publication.put(config.issue_address(issue.meta.key), {"print.html": html.encode("utf-8"),
                                         pdf_name(issue): pdf, PLACES_FILE: places_json(places),
                                         MANIFEST: embedded[-1].data})
        if edition is not None:
            publication.put(site_folder(config), edition.files)
        if portal is not None:
            publication.put_file(f"{SITE_FOLDER}/index.html", portal)
        publication.commit()
    except OutputError as exc:
        diags.error("output.failed", exc.message, Location(relative(config.build_dir, config.root)))
        return None
    out = config.output_dir / issue.meta.key
    return BuildResult(issue, out / pdf_name(issue), pages, time.perf_counter() - started,
                       edition, page_drifts(issue, places))
