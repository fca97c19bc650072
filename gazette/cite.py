"""Citations: a stable id per notice (gazette/year/issue/文号) and where it resolves.

``yinchuan/2020/7/银政发〔2020〕71号`` names a notice independently of its position in the
issue, like the web permalink (``2020/7/银政发-2020-71/``), which is derived from the same 文号
or front-matter slug. The id is printed (notice footer or colophon, as configured), written to
the PDF's metadata and manifest, and listed in the site's issue.json; ``gazette cite ID``
resolves it against the built site to the notice's web page and printed page.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from .config import Config
from .issue import Issue, Notice

CITATION_PLACES = ("notice", "colophon", "none")


def gazette_id(config: Config) -> str:
    """The gazette's id (config.yaml's, or derived from its site address: gazette.config)."""
    return config.id


def citation_id(config: Config, issue: Issue, notice: Notice) -> str:
    meta = issue.meta
    return f"{gazette_id(config)}/{meta.year}/{meta.number}/{notice.meta.doc_number or notice.slug}"


def citations(config: Config, issue: Issue) -> dict[str, str]:
    """Notice anchor → citation id, in printed order."""
    return {n.anchor: citation_id(config, issue, n) for n in issue.notices}


def page_reference(config: Config, issue: Issue, folio: int) -> str:
    """The legal form of a page citation: 《银川市人民政府公报》2020年第7期第15页."""
    return f"《{config.name}》{issue.meta.label}第{folio}页"


@dataclass(frozen=True, slots=True)
class Resolved:
    citation: str
    title: str
    web_path: str
    """Site path of the notice's page (2020/7/银政发-2020-71/)."""
    url: str | None
    """Its public address when site_url is configured."""
    printed: str | None
    """The legal page reference, when the print edition was built."""


def resolve(config: Config, citation: str, site_dir: Path) -> Resolved | None:
    """Find a citation in the built site's issue.json; None if no notice carries it."""
    parts = citation.strip().split("/", 3)
    if len(parts) != 4 or parts[0] != gazette_id(config):
        return None
    _gid, year, number, _rest = parts
    index = site_dir / year / number / "issue.json"
    if not (year.isdigit() and number.isdigit() and index.is_file()):
        return None
    data = json.loads(index.read_text(encoding="utf-8"))
    for notice in data["notices"]:
        if notice.get("citation") == citation.strip():
            pages = notice.get("pages")
            printed = (f"《{data['gazette']}》{data['label']}第{pages['printed']}页"
                       if pages else None)
            permalink = notice["permalink"]
            return Resolved(citation.strip(), notice["title"], notice["path"],
                            permalink if permalink.startswith("http") else None, printed)
    return None


def notice_url(config: Config, issue: Issue, notice: Notice) -> str | None:
    """The public address of the notice's web page (as render_html's permalinks), if any."""
    from urllib.parse import quote

    if not config.site_url:
        return None
    path = f"{issue.meta.year}/{issue.meta.number}/{notice.slug}/"
    return config.site_url.rstrip("/") + "/" + quote(path, safe="/#")


def qr_codes(config: Config, issue: Issue) -> dict[str, str]:
    """Notice anchor → a PNG data URI of a QR code for its web page (one pixel per module, so
    it is drawn crisp at any size); empty unless ``archive.qr`` is on."""
    import segno

    if not config.archive.qr:
        return {}
    codes = {}
    for notice in issue.notices:
        url = notice_url(config, issue, notice)
        if url:
            codes[notice.anchor] = segno.make(url, error="m", micro=False).png_data_uri(
                scale=1, border=4)
    return codes
