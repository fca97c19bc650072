"""The HTML edition: every issue in content/ as one static site (build/site/).

The site is rendered in memory as ``{site path: bytes or file}``, so ``gazette build`` writes it
next to the PDF and ``gazette serve`` serves it straight from memory. Notice bodies come from
the same partials/notice.html as print, with the web helpers (plain titles, browser line
breaking); only the layouts in layouts/html/ differ.

Layout of the site (all links relative, so it works under any prefix such as site_url's):

- ``index.html``: archive home, every issue newest first;
- ``<year>/<number>/``: the issue (masthead and 目录), ``issue.json``, a copy of the PDF;
- ``<year>/<number>/<slug>/``: one page per notice, its permalink built from the notice's slug
  (front matter ``slug`` or the 发文字号), never from its position;
- ``search/``: the search page and its index (gazette.search); ``feed.xml``, ``sitemap.xml``;
- ``assets/``: stylesheet, script and the web fonts (gazette.webfonts): stable slices shared
  by all pages and each page's own subsets.

Page numbers and ``….pdf#page=N`` links come from the real layout: the build passes the pages
of each notice out of WeasyPrint (gazette.render_pdf.element_pages) and keeps them in
build/<issue>/pages.json for the preview and later builds of other issues.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from .cite import citation_id
from .config import Config, Project
from .content import issue_dirs, read_issue_meta
from .diagnostics import Diagnostics, Location, relative
from .issue import Issue, Notice, format_date, load_issue
from .render_pdf import PagePlace
from .search import SearchDoc, SearchIndex, build_index
from .sitepaths import PLACES_FILE, SITE_FOLDER, site_dir, site_folder  # noqa: F401  (re-exported)
from .templates import edition_environment, web_helpers
from .typography import WORD_CACHE, word_cache_file
from .webdoc import shape_notice
from .webfonts import (WEB_ROLES, FontSet, cache_dir, far_css, font_stacks, lay_out_lazily,
                       preview_css, subset_font, subset_site, visible)

SEARCH_PAGE = "search/index.html"


def _compact_css(css: str) -> str:
    """The stylesheet as served: without its comments (they explain the template, at
    layouts/html/site.css.j2), indentation and blank lines; every page loads it (~13 % less)."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    return "".join(line.strip() + "\n" for line in css.splitlines() if line.strip())
MISSING_PAGE = "404.html"
FONTS_MARK = "<!--gazette:fonts-->"
"""Where base.html wants the page's font preloads and its own @font-face rules, which are
known only once every page is rendered."""
FEED_ISSUES = 12
"""The Atom feed carries the newest issues and their notices, not the whole archive."""

FileData = bytes | Path
"""A site file's content: bytes rendered in memory, or a file to copy (PDFs, images)."""


@dataclass(frozen=True, slots=True)
class PrintEdition:
    """What the web edition knows of an issue's print PDF: the file and where notices landed."""

    pdf: FileData | None
    places: dict[str, PagePlace] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SiteIssue:
    issue: Issue
    printed: PrintEdition

    @property
    def key(self) -> str:
        return self.issue.meta.key

    @property
    def path(self) -> str:
        return f"{self.issue.meta.year}/{self.issue.meta.number}/"

    @property
    def pdf_path(self) -> str | None:
        return f"{self.path}{self.key}.pdf" if self.printed.pdf is not None else None

    def notice_path(self, notice: Notice) -> str:
        return f"{self.path}{notice.slug}/"

    def place(self, notice: Notice) -> PagePlace | None:
        return self.printed.places.get(notice.anchor)


@dataclass(frozen=True, slots=True)
class Site:
    files: dict[str, FileData]
    pages: tuple[str, ...]
    """Site paths of the HTML pages (2020/7/index.html …)."""
    search_docs: tuple[SearchDoc, ...]
    search: SearchIndex | None
    """None when the index was left to be built on demand (the preview)."""
    fonts: FontSet | None
    notice_costs: dict[str, int]
    """Notice page → bytes a first visit downloads: HTML, stylesheets and the fonts it uses."""
    page_costs: dict[str, int] = field(default_factory=dict)
    """The same for every page of the site."""


def places_json(places: dict[str, PagePlace]) -> bytes:
    data = {k: [p.first, p.last, p.folio] for k, p in sorted(places.items())}
    return json.dumps(data, ensure_ascii=False, indent=0).encode("utf-8")


def read_print_edition(config: Config, key: str) -> PrintEdition:
    """The PDF and page places a previous build left in build/<issue>/ (empty if none)."""
    folder = config.output_dir / key
    pdf = folder / f"{key}.pdf"
    places: dict[str, PagePlace] = {}
    try:
        raw = json.loads((folder / PLACES_FILE).read_text(encoding="utf-8"))
        places = {k: PagePlace(*v) for k, v in raw.items()}
    except (OSError, ValueError, TypeError):
        places = {}
    return PrintEdition(pdf if pdf.is_file() else None, places)


def load_site_issues(config: Config, diags: Diagnostics, *, current: SiteIssue | None = None,
                     encoding: str | None = None) -> list[SiteIssue]:
    """Every issue in content/, newest first. An issue with errors (other than the one being
    built) is left out with a warning, so one broken back issue does not stop a build."""
    issues = []
    for path in issue_dirs(config):
        if current is not None and path.name == current.key:
            issues.append(current)
            continue
        local = Diagnostics()
        issue = load_issue(config, path, local, encoding)
        if issue is None:
            first = local.errors[0] if local.errors else None
            diags.warning("site.issue-skipped",
                          f"{path.name} 这一期有错误，网页版中暂不收录" +
                          (f"：{first.message}" if first else ""),
                          first.location if first else Location(relative(path, config.root)),
                          f"运行 gazette check {path.name} 查看全部问题")
            continue
        issues.append(SiteIssue(issue, read_print_edition(config, path.name)))
    return sort_issues(_one_issue_per_address(config, issues, current, diags))


def _one_issue_per_address(config: Config, issues: list[SiteIssue], current: SiteIssue | None,
                           diags: Diagnostics) -> list[SiteIssue]:
    """Two issue folders with the same year and number would share one web address, the
    later one's pages silently replacing the other's: the issue being built keeps it, any
    other is left out with a warning (its own build fails on issue.number-sequence)."""
    owners: dict[str, SiteIssue] = {current.path: current} if current is not None else {}
    kept = []
    for site_issue in issues:
        owner = owners.setdefault(site_issue.path, site_issue)
        if owner is not site_issue:
            rel = relative(site_issue.issue.path / "issue.yaml", config.root)
            diags.warning("site.issue-skipped",
                          f"{site_issue.key} 与 {owner.key} 的年份和期号相同（网页版地址 {site_issue.path} "
                          "重复），网页版中暂不收录", Location(rel),
                          f"检查 {rel} 中的 year 和 number")
            continue
        kept.append(site_issue)
    return kept


def sort_issues(issues: list[SiteIssue]) -> list[SiteIssue]:
    return sorted(issues, key=lambda s: (s.issue.meta.year, s.issue.meta.number), reverse=True)


def href_from(page: str) -> Callable[[str], str]:
    """Relative link from the page at site path ``page`` to site path ``target``."""
    root = "../" * page.count("/")

    def href(target: str) -> str:
        return (root + quote(target, safe="/#")) or "./"

    return href


class _Renderer:
    """Renders pages with the shared context; one per site build."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.env = edition_environment(config)
        self.helpers = web_helpers(config)

    def page(self, template: str, path: str, **context) -> str:
        href = self.href(path)
        return self.env.get_template(template).render(
            config=self.config, page_path=path, href=href, root=href(""),
            absolute=lambda target: absolute_url(self.config, target),
            **self.helpers, **context)


    def href(self, path: str) -> Callable[[str], str]:
        """Links from a page: relative, except from 404.html, which the web server sends for a
        missing address at any depth; it links by site_url when there is one."""
        if path == MISSING_PAGE and self.config.site_url:
            return lambda target: absolute_url(self.config, target) or target
        return href_from(path)


@dataclass(slots=True)
class RenderCache:
    """Kept by the preview between rebuilds: the template environment and each issue's pages.
    Drop it when layouts/ or config.yaml change."""

    renderer: _Renderer | None = None
    pages: dict[str, tuple[tuple, dict[str, str]]] = field(default_factory=dict)
    """Issue key → (the issue and its neighbours when rendered, its pages)."""
    notice_pages: dict[str, tuple[tuple, str]] = field(default_factory=dict)
    """Notice page path → (what it was rendered from, the page): an issue whose one notice
    changed renders that page (and its neighbours', if its title or address changed) again."""


def render_site(config: Config, issues: list[SiteIssue], *, fonts: str = "subset",
                font_prefix: str = "/_gazette/fonts/", cache: RenderCache | None = None,
                index: bool = True) -> Site:
    """Render the whole site in memory.

    ``fonts="subset"`` cuts the bundled fonts to the site's characters (published site);
    ``fonts="preview"`` points the @font-face rules at the whole fonts under ``font_prefix``,
    which the preview server serves, so a save never waits for subsetting. With ``cache`` an
    issue is rendered again only when its SiteIssue object changed. ``index=False`` leaves the
    search index out, for the caller to build from ``Site.search_docs`` when it is asked for.
    """
    issues = sort_issues(issues)
    if cache is None:
        renderer = _Renderer(config)
    else:
        renderer = cache.renderer = cache.renderer or _Renderer(config)
    files: dict[str, FileData] = {}
    html: dict[str, str] = {}
    docs: list[SearchDoc] = []
    for number, site_issue in enumerate(issues):
        newer = issues[number - 1] if number > 0 else None
        older = issues[number + 1] if number + 1 < len(issues) else None
        # A neighbour issue matters only through the notice the pager links to, so saving one
        # issue re-renders its neighbours only when that notice's address or title changed.
        key = (site_issue, _boundary(older, -1), _boundary(newer, 0))
        cached = cache.pages.get(site_issue.key) if cache is not None else None
        if cached is not None and cached[0][0] is site_issue and cached[0][1:] == key[1:]:
            pages = cached[1]
        else:
            pages = render_issue_pages(renderer, site_issue, older, newer,
                                       cache.notice_pages if cache is not None else None)
            if cache is not None:
                cache.pages[site_issue.key] = (key, pages)
        html.update(pages)
        files.update(issue_files(config, site_issue))
        docs += search_docs(site_issue, config.name)
    html["index.html"] = renderer.page("html/home.html", "index.html", issues=issues)
    html[SEARCH_PAGE] = renderer.page("html/search.html", SEARCH_PAGE)
    html[MISSING_PAGE] = renderer.page("html/404.html", MISSING_PAGE)
    search = build_index(docs) if index else None
    if search is not None:
        files.update(search.files)
    files.update(_feeds(renderer, issues))
    script = (config.layouts_dir / "html" / "search.js").read_bytes()
    files["assets/search.js"] = script
    for asset in ("site.js", "favicon.svg"):
        files[f"assets/{asset}"] = (config.layouts_dir / "html" / asset).read_bytes()
    files["robots.txt"] = _robots(config)
    files["assets/site.css"] = _compact_css(renderer.env.get_template("html/site.css.j2").render(
        roles=WEB_ROLES, stacks=font_stacks(config), far=far_css())).encode("utf-8")
    font_set = None
    if fonts == "subset":
        page_chars = {}
        for path, text in html.items():
            html[path], page_chars[path] = lay_out_lazily(text)
        search_chars = _search_chars(page_chars[SEARCH_PAGE], docs, script.decode("utf-8"))
        font_set = subset_site(config, page_chars, SEARCH_PAGE, search_chars)
        files["assets/fonts.css"] = font_set.css("fonts/").encode("utf-8")
        files["assets/fonts-search.css"] = font_set.search_css("fonts/").encode("utf-8")
        files.update({f.path: f.data for f in font_set.fonts.values()})
        html = {path: text.replace(FONTS_MARK, font_set.pages[path].head(renderer.href(path)), 1)
                for path, text in html.items()}
    else:
        files["assets/fonts.css"] = preview_css(config, font_prefix).encode("utf-8")
        files["assets/fonts-search.css"] = b""
        html = {path: text.replace(FONTS_MARK, "", 1) for path, text in html.items()}
    files.update({path: text.encode("utf-8") for path, text in html.items()})
    costs = {}
    if font_set is not None:
        shared = sum(len(files[f"assets/{name}"]) for name in ("fonts.css", "site.css", "site.js"))
        for path in html:
            costs[path] = len(files[path]) + shared + font_set.pages[path].bytes
        costs[SEARCH_PAGE] += len(files["assets/fonts-search.css"])
    notice_costs = {path: costs[path] for site_issue in issues for notice in site_issue.issue.notices
                    if (path := site_issue.notice_path(notice) + "index.html") in costs}
    return Site(files, tuple(sorted(html)), tuple(docs), search, font_set, notice_costs, costs)


def _boundary(other: SiteIssue | None, index: int) -> tuple | None:
    """(address, title, issue label) of another issue's first (0) or last (-1) notice."""
    if other is None or not other.issue.notices:
        return None
    notice = other.issue.notices[index]
    return other.notice_path(notice), notice.meta.title, other.issue.meta.label


@dataclass(frozen=True, slots=True)
class Neighbour:
    """The notice before or after one, for the pager; ``issue`` is set when it is in another
    issue (the last notice of the previous issue, the first of the next)."""

    path: str
    title: str
    issue: str | None = None


def render_issue_pages(renderer: _Renderer, site_issue: SiteIssue, older: SiteIssue | None = None,
                       newer: SiteIssue | None = None,
                       cache: dict[str, tuple[tuple, str]] | None = None) -> dict[str, str]:
    """The issue page and its notice pages. The pager runs on across issues: from an issue's
    first notice back to the last of the issue before it, from its last on to the next one.
    With ``cache`` a notice page is rendered again only when what it shows changed."""
    pages = {}
    issue = site_issue.issue
    index = site_issue.path + "index.html"
    pages[index] = renderer.page("html/issue.html", index, si=site_issue, issue=issue,
                                 older=older, newer=newer)
    notices = issue.notices

    def neighbour(other: SiteIssue | None, notice: Notice | None) -> Neighbour | None:
        if other is None or notice is None:
            return None
        label = other.issue.meta.label if other is not site_issue else None
        return Neighbour(other.notice_path(notice), notice.meta.title, label)

    for number, notice in enumerate(notices):
        path = site_issue.notice_path(notice) + "index.html"
        section = next(s for s in issue.sections if notice in s.notices)
        if number > 0:
            prev = neighbour(site_issue, notices[number - 1])
        else:
            prev = neighbour(older, older.issue.notices[-1] if older and older.issue.notices
                             else None)
        if number + 1 < len(notices):
            nxt = neighbour(site_issue, notices[number + 1])
        else:
            nxt = neighbour(newer, newer.issue.notices[0] if newer and newer.issue.notices
                            else None)
        place = site_issue.place(notice)
        # The notice object is kept while its file is unchanged (gazette.model), so identity
        # stands for its text; the rest is what the page shows of its issue and neighbours.
        key = (notice, section.name, issue.meta, site_issue.path, site_issue.pdf_path, place,
               prev, nxt)
        known = cache.get(path) if cache is not None else None
        if known is not None and known[0][0] is notice and known[0][1:] == key[1:]:
            pages[path] = known[1]
            continue
        page = renderer.page(
            "html/notice.html", path, si=site_issue, issue=issue, notice=notice,
            section=section, place=place, prev=prev, next=nxt,
            legislation=legislation_json(renderer.config, site_issue, notice, section.name))
        pages[path] = shape_notice(page)
        if cache is not None:
            cache[path] = (key, pages[path])
    return pages


def legislation_json(config: Config, site_issue: SiteIssue, notice: Notice, section: str) -> str:
    """schema.org Legislation for a notice page, as JSON safe inside a <script> element."""
    meta = notice.meta
    path = site_issue.notice_path(notice)
    data = {
        "@context": "https://schema.org",
        "@type": "Legislation",
        "name": meta.title,
        "headline": meta.title,
        "inLanguage": "zh-CN",
        "legislationIdentifier": meta.doc_number or meta.number_line,
        "legislationDate": meta.date.isoformat() if meta.date else None,
        "legislationPassedBy": [{"@type": "GovernmentOrganization", "name": name}
                                for name in meta.issuers] or None,
        "genre": section,
        "url": absolute_url(config, path),
        "isPartOf": {
            "@type": "PublicationIssue",
            "name": f"{config.name} {site_issue.issue.meta.label}",
            "issueNumber": str(site_issue.issue.meta.number),
            "datePublished": site_issue.issue.meta.published.isoformat(),
            "url": absolute_url(config, site_issue.path),
            "isPartOf": {"@type": "Periodical", "name": config.name},
        },
    }
    data = {key: value for key, value in data.items() if value is not None}
    data["isPartOf"] = {k: v for k, v in data["isPartOf"].items() if v is not None}
    text = json.dumps(data, ensure_ascii=False, indent=1)
    return text.replace("</", "<\\/")


def issue_files(config: Config, site_issue: SiteIssue) -> dict[str, FileData]:
    """issue.json, the PDF copy and the notices' images (at the paths their pages link to)."""
    files: dict[str, FileData] = {}
    issue = site_issue.issue
    if site_issue.pdf_path:
        files[site_issue.pdf_path] = site_issue.printed.pdf
    for notice in issue.notices:
        source_dir = notice.source.path.parent.resolve()
        for image in notice.body.images:
            # The page keeps the src as written, so the file goes where that src points from
            # the notice's page: images/图1.png beside it, ../_shared/徽标.png (content/_shared/)
            # in the issue's folder. A path that would leave the site is refused when written.
            rel = Path(os.path.relpath(image, source_dir)).as_posix()
            files[posixpath.normpath(site_issue.notice_path(notice) + rel)] = image
    files[site_issue.path + "issue.json"] = json.dumps(
        issue_json(config, site_issue), ensure_ascii=False, indent=1).encode("utf-8")
    return files


def absolute_url(config: Config, path: str) -> str | None:
    if not config.site_url:
        return None
    return config.site_url.rstrip("/") + "/" + quote(path, safe="/#")


def issue_json(config: Config, site_issue: SiteIssue) -> dict:
    """The machine-readable issue: what an archive or a data portal needs to list it."""
    meta = site_issue.issue.meta
    notices = []
    for section in site_issue.issue.sections:
        for notice in section.notices:
            place = site_issue.place(notice)
            path = site_issue.notice_path(notice)
            notices.append({
                "title": notice.meta.title,
                "doc_number": notice.meta.doc_number,
                "issuers": list(notice.meta.issuers),
                "date": notice.meta.date.isoformat() if notice.meta.date else None,
                "section": section.name,
                "kind": notice.meta.kind,
                "slug": notice.slug,
                "citation": citation_id(config, site_issue.issue, notice),
                "path": path,
                "pages": ({"printed": place.folio, "pdf_first": place.first,
                           "pdf_last": place.last} if place else None),
                "permalink": absolute_url(config, path) or path,
            })
    return {
        "gazette": config.name,
        "year": meta.year,
        "number": meta.number,
        "cumulative": meta.cumulative,
        "label": meta.label,
        "published": meta.published.isoformat(),
        "url": absolute_url(config, site_issue.path) or site_issue.path,
        "pdf": (absolute_url(config, site_issue.pdf_path) or site_issue.pdf_path)
        if site_issue.pdf_path else None,
        "notices": notices,
    }


def search_docs(site_issue: SiteIssue, gazette: str) -> list[SearchDoc]:
    docs = []
    for section in site_issue.issue.sections:
        for notice in section.notices:
            meta = notice.meta
            parts = [meta.title, meta.number_line or meta.doc_number or "", meta.addressees or "",
                     *notice.body.paragraphs, *meta.attachments, *meta.issuers,
                     format_date(meta.date) if meta.date else "", meta.note or ""]
            docs.append(SearchDoc(
                path=site_issue.notice_path(notice), title=meta.title,
                doc_number=meta.doc_number, issue=site_issue.issue.meta.label,
                section=section.name, date=meta.date.isoformat() if meta.date else None,
                text="\n".join(p for p in parts if p), year=site_issue.issue.meta.year,
                gazette=gazette, issuers=tuple(meta.issuers)))
    return docs


def _search_chars(page: dict[str, set[str]], docs: list[SearchDoc],
                  script: str) -> dict[str, set[str]]:
    """What the search page may show, by role: its own text, plus what search.js writes into
    it: snippets (body), titles (宋) and the labels and messages (黑)."""
    chars = {role: set(text) for role, text in page.items()}

    def add(role: str, text: str) -> None:
        chars.setdefault(role, set()).update(visible(text))

    for doc in docs:
        add("fang", doc.text)
        add("song", doc.title)
        add("ui", f"{doc.doc_number or ''}{doc.issue}{doc.section}{doc.gazette}{doc.year}")
        add("ui", "".join(doc.issuers))
    add("ui", "".join(ch for ch in script if ord(ch) > 0x2000))
    add("ui", "0123456789年月日")
    return chars


def _feeds(renderer: _Renderer, issues: list[SiteIssue]) -> dict[str, bytes]:
    """Atom feed of the newest issues and their notices, and sitemap.xml; both need absolute
    URLs, so they are only written when config.yaml gives gazette.site_url."""
    config = renderer.config
    if not config.site_url or not issues:
        return {}

    def url(path: str) -> str:
        return absolute_url(config, path) or path

    updated = max(s.issue.meta.published for s in issues)
    feed = renderer.env.get_template("html/feed.xml.j2").render(
        config=config, issues=issues[:FEED_ISSUES], url=url, stamp=_stamp, updated=updated)
    pages = [("", updated), ("search/", None)]
    for site_issue in issues:
        published = site_issue.issue.meta.published
        pages.append((site_issue.path, published))
        pages += [(site_issue.notice_path(n), published) for n in site_issue.issue.notices]
    sitemap = renderer.env.get_template("html/sitemap.xml.j2").render(
        urls=[(url(p), date.isoformat() if date else None) for p, date in pages])
    return {"feed.xml": feed.encode("utf-8"), "sitemap.xml": sitemap.encode("utf-8")}


def _robots(config: Config) -> bytes:
    """Everything may be indexed; the sitemap (needs site_url) lists every page."""
    lines = ["User-agent: *", "Allow: /"]
    if config.site_url:
        lines.append(f"Sitemap: {absolute_url(config, 'sitemap.xml')}")
    return ("\n".join(lines) + "\n").encode("utf-8")


def _stamp(date: dt.date) -> str:
    """RFC 3339 midnight in China Standard Time (the gazette's own dates carry no time)."""
    return f"{date.isoformat()}T00:00:00+08:00"


def render_portal(project: Project) -> bytes:
    """build/site/index.html for a project of several gazettes: each gazette, its issues and
    a link to its own site (build/site/<id>/)."""
    gazettes = []
    for config in project.gazettes:
        issues = []
        for path in issue_dirs(config):
            meta = read_issue_meta(path, config, Diagnostics())
            if meta is not None:
                issues.append(meta)
        gazettes.append({"config": config, "issues": sorted(
            issues, key=lambda m: (m.year, m.number), reverse=True)})
    env = edition_environment(project.gazettes[0])
    template = env.get_template("html/portal.html")
    first = project.gazettes[0]
    roots = [f"{config.id}/" for config in project.gazettes]
    search = {"roots": roots, "stacks": font_stacks(first),
              "search_js": (first.layouts_dir / "html" / "search.js").read_text(encoding="utf-8"),
              # The fonts are the project's, so one site's shared slices serve all; each site's
              # search slices cover the characters of its own notices.
              "font_css": [f"{roots[0]}assets/fonts.css",
                           *(f"{root}assets/fonts-search.css" for root in roots)]}
    draft = template.render(gazettes=gazettes, format_date=format_date, fonts={}, **search)
    # The page is small and stands alone: its two fonts, cut to its own characters, are
    # embedded, so it never shows boxes on a computer without Chinese fonts.
    chars = "".join(sorted(visible(draft)))
    fonts = {role: base64.b64encode(subset_font(path, chars, cache_dir(project.gazettes[0])))
             .decode("ascii")
             for role, path in (("song", project.gazettes[0].fonts.song),
                                ("hei", project.gazettes[0].fonts.hei_bold))}
    html = template.render(gazettes=gazettes, format_date=format_date, fonts=fonts, **search)
    return html.encode("utf-8")


def published_site(config: Config, diags: Diagnostics, current: SiteIssue,
                   encoding: str | None = None) -> Site:
    """The site as ``gazette build`` publishes it: all issues, subset fonts. Title words come
    from, and go to, the same cache as the print edition's, so a rebuild never loads jieba."""
    words = word_cache_file(config.build_dir)
    WORD_CACHE.load(words)
    site = render_site(config, load_site_issues(config, diags, current=current, encoding=encoding))
    WORD_CACHE.save(words)
    if site.fonts is not None and site.fonts.missing:
        chars = "、".join(f"{c}（U+{ord(c):04X}）" for c in sorted(site.fonts.missing))
        diags.warning("site.missing-glyph", f"网页版中这些字符没有随附字体，将用读者电脑上的字体显示：{chars}",
                      Location("layouts/html"))
    return site
