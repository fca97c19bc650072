"""The build pipeline: config → issue → print HTML → PDF → files, one plain stage after another.

Each output is keyed by its inputs (gazette.buildcache): a stage whose inputs did not change
since its outputs were published is skipped, so a rebuild with nothing changed only hashes.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from typing import TYPE_CHECKING

from .archive import MANIFEST, sha256
from .buildcache import BuildCache, diagnostics_json, portal_key, replay
from .config import Config
from .content import find_issue, issue_dirs
from .diagnostics import Diagnostics, Location, relative
from .output import OutputError, Publication, check_writable, scratch_folder
from .sitepaths import PLACES_FILE, SITE_FOLDER, site_dir, site_folder

if TYPE_CHECKING:
    from .archive import SourceFile
    from .config import Project
    from .issue import Issue, Notice
    from .render_html import Site
    from .render_pdf import PagePlace


@dataclass(frozen=True, slots=True)
class SiteSummary:
    """What ``gazette build`` says about the web edition."""

    folder: str
    pages: int
    notice_costs: tuple[int, ...]
    """Bytes reading each notice page to the end downloads (cold cache), smallest first; opening
    it downloads only what its first screens show."""
    index_bytes: int

    def as_json(self) -> dict:
        return {"folder": self.folder, "pages": self.pages,
                "notice_costs": list(self.notice_costs), "index_bytes": self.index_bytes}


@dataclass(frozen=True, slots=True)
class BuildSummary:
    """What ``gazette build`` prints about an issue; kept in the build cache, so a build that
    reuses everything can still say it."""

    name: str
    label: str
    notices: int
    pages: int
    recorded: int
    """Notices that give the page they were printed on (``printed_page``)."""
    drifts: tuple[str, ...]
    """One line per notice that does not start on its printed page (PageDrift.format)."""
    site: SiteSummary | None = None
    fitted: tuple[str, ...] = ()
    """One line per adjustment made to reach the printed pages (gazette.pagefit)."""
    parts: int = 1
    """The PDF was laid out in this many parts and joined (gazette.parts)."""

    def as_json(self) -> dict:
        return {"name": self.name, "label": self.label, "notices": self.notices,
                "pages": self.pages, "recorded": self.recorded, "drifts": list(self.drifts),
                "fitted": list(self.fitted), "parts": self.parts}


@dataclass(frozen=True, slots=True)
class BuildResult:
    issue: Issue | None
    """None when nothing had to be built (every output reused)."""
    pdf_path: Path
    pages: int
    seconds: float
    site: Site | None = None
    """The HTML edition written to build/site/, if it was rendered in this build."""
    drifts: tuple[PageDrift, ...] = ()
    """Notices that do not start on the page they were printed on (``printed_page``)."""
    summary: BuildSummary | None = None
    reused: frozenset[str] = frozenset()
    """Outputs taken over unchanged because their inputs did not change: "print", "site"."""


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


def _site_summary(config: Config, site: Site) -> SiteSummary:
    return SiteSummary(site_dir(config).relative_to(config.root).as_posix(), len(site.pages),
                       tuple(sorted(site.notice_costs.values())),
                       site.search.index_bytes if site.search is not None else 0)


def _site_summary_from(data: dict | None) -> SiteSummary | None:
    if not data:
        return None
    return SiteSummary(data["folder"], data["pages"], tuple(data["notice_costs"]),
                       data["index_bytes"])


ALONGSIDE_PAGES = 150
"""Issues up to this many pages have their web edition rendered while the PDF is written. A
bigger layout holds hundreds of MB, which a forked child counts again in its own RSS (a
385-page issue peaked at 1,086 MB); its site is rendered after the PDF, once that memory
is given back."""


def _site_for(config: Config, issue: Issue, places: dict[str, PagePlace],
              encoding: str | None) -> tuple[Site, Diagnostics]:
    """The web edition with this issue's pages, before its PDF exists: the site links to the
    PDF by its path, and the build puts the PDF's bytes in place of the empty file. Raises
    CutsDeferred when web fonts need a batch of cuts (gazette.webfonts.deferring_cuts)."""
    from .render_html import PrintEdition, SiteIssue, published_site
    from .webfonts import deferring_cuts

    diags = Diagnostics()
    with deferring_cuts():
        site = published_site(config, diags, SiteIssue(issue, PrintEdition(b"", places)),
                              encoding)
    return site, diags


def _read_places(folder: Path) -> dict[str, PagePlace]:
    from .render_pdf import PagePlace

    raw = json.loads((folder / PLACES_FILE).read_text(encoding="utf-8"))
    return {k: PagePlace(*v) for k, v in raw.items()}


@dataclass(frozen=True)
class Portal:
    """The several-gazette page above the gazettes' sites, rendered only when its inputs
    changed: a rebuild with nothing changed must not pay for the templates and its fonts."""

    project: Project

    def render(self) -> bytes:
        from .render_html import render_portal
        return render_portal(self.project)


def build_issue(config: Config, key: str | None, diags: Diagnostics, *,
                encoding: str | None = None, font_config=None,
                site: bool = True, portal: Portal | None = None,
                reuse: bool = True) -> BuildResult | None:
    """Build one issue into build/<issue>/ (build/<gazette>/<issue>/) and, with ``site``, the
    HTML edition of all the gazette's issues into build/site/ (build/site/<gazette>/), with the
    several-gazette ``portal`` page beside them; None (and nothing written) on errors.

    Outputs whose inputs are unchanged since they were published are reused, not rebuilt
    (``reuse=False``: everything is built again, as ``--force`` asks)."""
    started = time.perf_counter()
    issue_dir = find_issue(config, key)
    key = issue_dir.name
    cache = BuildCache(config, encoding)
    dirs = issue_dirs(config)
    out = config.output_dir / key
    gazette_key = cache.gazette_key(dirs)
    issue_key = cache.issue_key(issue_dir)
    record = cache.issue_record(key) if reuse else None
    print_fresh = (record is not None and record.get("key") == issue_key
                   and cache.intact(out, record["outputs"], exact=False))
    portal_page, portal_fresh, portal_state = None, True, None
    if portal is not None:
        portal_state = portal_key(portal.project, cache.hashes, encoding)
        published = cache.hashes.hash(config.build_dir / SITE_FOLDER / "index.html")
        if cache.portal_record() != {"key": portal_state, "sha": published}:
            portal_page = portal.render()
            portal_fresh = published == sha256(portal_page)

    def site_state(pdf_sha: str | None, places_sha: str | None) -> tuple[str, dict | None]:
        printed = {d.name: {"pdf": cache.hashes.hash(config.output_dir / d.name / f"{d.name}.pdf"),
                            "places": cache.hashes.hash(config.output_dir / d.name / PLACES_FILE)}
                   for d in dirs if d.name != key}
        printed[key] = {"pdf": pdf_sha, "places": places_sha}
        site_key = cache.site_key(gazette_key, printed)
        stored = cache.site_record() if reuse else None
        fresh = (stored is not None and stored.get("key") == site_key
                 and cache.intact(site_dir(config), stored["outputs"]))
        return site_key, stored if fresh else None

    if print_fresh and record.get("gazette") == gazette_key and portal_fresh:
        outputs = record["outputs"]
        site_key, stored_site = site_state(outputs.get(f"{key}.pdf"), outputs.get(PLACES_FILE))
        if not site or stored_site is not None:
            replay(diags, record["validation"] + record["render"])
            if site:
                replay(diags, stored_site["diagnostics"])
            if portal_page is not None:
                cache.save_portal({"key": portal_state, "sha": sha256(portal_page)})
            cache.save()
            summary = BuildSummary(**record["summary"], site=_site_summary_from(
                stored_site["summary"]) if site else None)
            return BuildResult(None, out / f"{key}.pdf", summary.pages,
                               time.perf_counter() - started, None, (), summary,
                               frozenset({"print", "site"} if site else {"print"}))

    # The stages proper, imported only when something has to be built: a rebuild that reuses
    # everything then costs a fraction of a second, start-up included.
    from .archive import archive_files
    from .background import Background, Fresh
    from .check import BUILD_RULES, validate_issue
    from .fonts import keep_cmaps_in
    from .render_html import PrintEdition, SiteIssue, places_json, published_site
    from .memory import give_back
    from .pagefit import PageFitter
    from .parts import plan as plan_parts
    from .parts import render_in_parts
    from .render_pdf import render_pdf, render_print_html
    from .typography import release_segmenter
    from .webfonts import CutsDeferred, core_cuts_missing

    keep_cmaps_in(config.build_dir / ".cache" / "fonts")
    validation = Diagnostics()
    issue = validate_issue(config, issue_dir, validation, encoding, rules=BUILD_RULES)
    diags.extend(validation)
    if issue is None:
        return None
    try:
        check_writable(config.build_dir)
    except OutputError as exc:
        diags.error("output.unwritable", exc.message, Location(relative(config.build_dir, config.root)))
        return None
    site_job: Fresh[tuple[Site, Diagnostics]] | None = None
    try:
        rendered = Diagnostics()
        files: dict[str, bytes] = {}
        if print_fresh:
            pdf: bytes | Path = out / pdf_name(issue)
            places = _read_places(out)
            pages = record["summary"]["pages"]
            replay(rendered, record["render"])
            diags.extend(rendered)
            pdf_sha, places_sha = record["outputs"][pdf_name(issue)], record["outputs"][PLACES_FILE]
            fitted = tuple(record["summary"].get("fitted", ()))
            laid_out_in = record["summary"].get("parts", 1)
        else:
            printed = config.with_layout(dict(issue.meta.layout))
            html = render_print_html(issue, printed)
            release_segmenter()
            fitter = PageFitter(issue, printed.page.line_pt)
            watched = fitter if fitter.wanted() else None

            def refit(document, laid_out: dict[str, PagePlace]) -> str | None:
                fit = fitter.next_fit(document, laid_out)
                return None if fit is None else render_print_html(issue, printed, fit)

            places = {}
            embedded: list[SourceFile] = []

            def attach(laid_out: dict[str, PagePlace]) -> list[SourceFile]:
                nonlocal site_job
                embedded.extend(archive_files(config, issue, {PLACES_FILE: places_json(laid_out)}))
                last = max((place.last for place in laid_out.values()), default=0)
                if (site and parts is None and last <= ALONGSIDE_PAGES
                        and not core_cuts_missing(config)):
                    # The web edition needs the pages, not the PDF's bytes: it is rendered on
                    # the other core while this one writes the PDF. Not when its fonts are
                    # still to be cut (a new project): it would get as far as its cuts, beside
                    # the whole layout, only to give up (CutsDeferred) and be rendered here.
                    site_job = Fresh(partial(_site_for, config, issue, laid_out, encoding))
                return embedded

            parts = None if watched else plan_parts(issue, printed.page)
            if parts is None:
                pdf, pages = render_pdf(html, printed, issue, rendered, font_config=font_config,
                                        places=places, attach=attach, fitter=watched,
                                        refit=refit if watched else None)
                laid_out_in = 1
                if fitter.fit.leading or fitter.fit.breaks:  # the print HTML the pages show
                    html = render_print_html(issue, printed, fitter.fit)
            else:
                # A big issue is laid out in a child process: the boxes of hundreds of pages
                # leave Python's memory arenas fragmented (at 385 pages 110 MB of the 150 MB
                # they hold are free but cannot be returned), and this process would carry
                # that into the web edition and the web-font cutters.
                def in_parts(spill: Path):
                    laid_out: dict[str, PagePlace] = {}
                    made = render_in_parts(
                        issue, printed, rendered, parts,
                        lambda part: render_print_html(issue, printed, part=part, whole=html),
                        spill, font_config=font_config, places=laid_out, attach=attach)
                    return made, laid_out, embedded, rendered

                with scratch_folder(config.build_dir, "parts") as spill:
                    made, laid_out, embedded[:], rendered = (
                        Background(partial(in_parts, spill)).result())
                    # Joined in a process of its own once the layouts' has ended: qpdf
                    # holds every object of the issue meanwhile, and the two never stack.
                    Background(partial(made.join, spill / "joined.pdf")).result()
                    pdf = (spill / "joined.pdf").read_bytes()
                    pages, laid_out_in = made.pages, len(made.notices)
                places.update(laid_out)
            if site and (site_job is None or site_job.busy()):
                # The layout's freed memory goes back before the web edition is rendered here,
                # or while its own process is still at work. A full collection costs ~0.25 s,
                # wasted once the edition is ready.
                give_back()
            diags.extend(rendered)
            if rendered.errors:
                return None
            files = {"print.html": html.encode("utf-8"), pdf_name(issue): pdf,
                     PLACES_FILE: places_json(places), MANIFEST: embedded[-1].data}
            pdf_sha, places_sha = sha256(pdf), sha256(files[PLACES_FILE])
            fitted = tuple(fitter.fit.describe(issue, printed.page.line_pt))
        drifts = page_drifts(issue, places)
        summary = BuildSummary(config.name, issue.meta.label, len(issue.notices), pages,
                               sum(1 for n in issue.notices if n.meta.printed_page),
                               tuple(d.format() for d in drifts), fitted=fitted, parts=laid_out_in)
        edition = None
        site_key, stored_site = site_state(pdf_sha, places_sha) if site else ("", None)
        site_diags = Diagnostics()
        if site and stored_site is None:
            current = SiteIssue(issue, PrintEdition(pdf, places))
            if site_job is not None:
                try:
                    edition, site_diags = site_job.result()
                    edition.files[current.pdf_path] = pdf
                except CutsDeferred:  # a first build: cut here, the layout's memory given back
                    site_job = None
                    give_back()
            if edition is None:
                edition = published_site(config, site_diags, current, encoding)
            diags.extend(site_diags)
            if site_diags.errors:
                return None
        elif stored_site is not None:
            replay(diags, stored_site["diagnostics"])
        publication = Publication(config.build_dir)
        try:
            if files:
                publication.put(config.issue_address(key), files)
            if edition is not None:
                publication.put(site_folder(config), edition.files)
            if not portal_fresh:
                publication.put_file(f"{SITE_FOLDER}/index.html", portal_page)
            if files or edition is not None or not portal_fresh:
                publication.commit()
        except OutputError as exc:
            diags.error("output.failed", exc.message,
                        Location(relative(config.build_dir, config.root)))
            return None
        reused = frozenset(({"print"} if print_fresh else set())
                           | ({"site"} if stored_site is not None else set()))
        if cache.inputs_changed(issue_dir, issue_key, gazette_key, issue_dirs(config)):
            cache.forget(key)
            cache.save()
            site_summary = _site_summary(config, edition) if edition is not None else None
            return BuildResult(issue, out / pdf_name(issue), pages, time.perf_counter() - started,
                               edition, drifts,
                               BuildSummary(**summary.as_json(), site=site_summary),
                               reused)
        cache.save_issue(key, {
            "key": issue_key, "gazette": gazette_key,
            "outputs": {name: sha256(data) for name, data in files.items()} if files
            else record["outputs"],
            "validation": diagnostics_json(validation), "render": diagnostics_json(rendered),
            "summary": summary.as_json()})
        site_summary = None
        if edition is not None:
            site_summary = _site_summary(config, edition)
            cache.save_site({"key": site_key, "outputs": cache.published(site_dir(config)),
                             "diagnostics": diagnostics_json(site_diags),
                             "summary": site_summary.as_json()})
        elif stored_site is not None:
            site_summary = _site_summary_from(stored_site["summary"])
        if portal_page is not None:
            cache.save_portal({"key": portal_state, "sha": sha256(portal_page)})
        cache.published(out)  # remember the published files' stamps for the next check
        cache.save()
        return BuildResult(issue, out / pdf_name(issue), pages, time.perf_counter() - started,
                           edition, drifts,
                           BuildSummary(**summary.as_json(), site=site_summary), reused)
    finally:
        if site_job is not None:  # an error, or a site found fresh: nobody waits for it
            site_job.cancel()
