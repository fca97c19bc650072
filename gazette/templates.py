"""Jinja environment for layouts/ and the helpers that templates call.

Both editions render the same partials/notice.html; what differs is passed in as helpers:
the print edition breaks titles into balanced lines measured with the real font and places
the signature by measured widths, the web edition leaves line breaking to the browser.
"""

from __future__ import annotations

import re
from html import unescape
from dataclasses import dataclass
from typing import TYPE_CHECKING

import jinja2
from markupsafe import Markup

from .issue import Notice, format_date
from .markup import attachments_html
from .markup.render import punct_html
from .tables import TableFit, column_needs, fit_table
from .typography import font_metrics, title_lines, title_words

if TYPE_CHECKING:
    from .config import Config
    from .render_pdf import PageMetrics

SIGNATURE_DATE_INDENT = 4
"""The date ends four characters from the right edge (GB/T 9704 §7.3.5.1)."""


def edition_environment(config: Config) -> jinja2.Environment:
    """Templates from layouts/<gazette id>/ first (a gazette's own overrides), then layouts/."""
    loaders = [jinja2.FileSystemLoader(config.layouts_dir)]
    own = config.layouts_dir / config.id
    if config.multi and own.is_dir():
        loaders.insert(0, jinja2.FileSystemLoader(own))
    return jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=jinja2.select_autoescape(["html", "j2"], default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=False,
        keep_trailing_newline=True,
    )


@dataclass(frozen=True, slots=True)
class Signature:
    issuer: str | None
    date: str | None
    issuer_pad: float
    date_pad: float


def signature_for(notice: Notice, measure) -> Signature | None:
    """Issuer(s) centred over the date; the date four characters in from the right."""
    meta = notice.meta
    if not meta.issuers and not meta.date:
        return None
    issuer = "　".join(meta.issuers) if meta.issuers else None
    date = format_date(meta.date) if meta.date else None
    date_pad = float(SIGNATURE_DATE_INDENT)
    issuer_pad = date_pad
    if issuer and date:
        issuer_pad = max(0.0, date_pad + (measure(date) - measure(issuer)) / 2)
    return Signature(issuer, date, round(issuer_pad, 3), date_pad)


def _common_helpers() -> dict:
    return {
        "format_date": format_date,
        "punct": lambda text: Markup(punct_html(text)),
        "attachments_html": lambda items, numbered=False: Markup(
            attachments_html(list(items), numbered=numbered)),
    }


def print_helpers(config: Config, metrics: PageMetrics) -> dict:
    title_font = font_metrics(config.fonts.title)
    body_font = font_metrics(config.fonts.fang)
    width_pt = metrics.text_width_pt
    title_em = width_pt / metrics.title_pt - 2  # keep a character's margin on each side

    def title_html(text: str) -> Markup:
        lines = title_lines(text, title_font, title_em)
        return Markup("<br>").join(Markup(punct_html(line)) for line in lines)

    line_em = width_pt / metrics.body_pt
    columns = config.page_style == "two-column"

    def body_html(notice: Notice, html: str, closing: str = "") -> Markup:
        if columns and html == notice.body.html:
            html = full_width_if_short(html, line_em, body_font.width)
        return Markup(close_flow(place_tables(html, notice.body.tables, metrics, body_font.width),
                                 closing))

    return {
        **_common_helpers(),
        "title_html": title_html,
        "signature": lambda notice: signature_for(notice, body_font.width),
        "body_html": body_html,
        # In columns the signature is set in the last column, under the text: after the
        # columns it would go alone to the next page whenever they exactly fill one, as
        # WeasyPrint cannot carry lines of a finished column box over to keep it company.
        "closing_in_body": config.page_style == "two-column",
    }


SHORT_BODY_LINES = 4
"""A notice body whose running text fills no more than this many lines across the whole text
width is set across it, not in two columns (a short covering letter balanced over two columns
reads as two fragments; printed two-column gazettes set it full width)."""
_FLOW_OPEN = '<div class="gw-flow">'
_TAG = re.compile(r"<[^>]+>")
_PARAGRAPH = re.compile(r"<(?:p|h[1-6]|li)[\s>]")


def full_width_if_short(html: str, line_em: float, width) -> str:
    """Mark the running text of a notice body ``div.gw-flow gw-flow-wide`` when all of it
    (each paragraph with its 2 em indent, measured with the body font's ``width`` in em) fits
    in :data:`SHORT_BODY_LINES` lines of ``line_em``."""
    if _FLOW_OPEN not in html:
        return html
    flows, position = [], 0
    while (start := html.find(_FLOW_OPEN, position)) >= 0:
        depth, cursor = 0, start
        for match in re.compile(r"<div[\s>]|</div>").finditer(html, start):
            depth += 1 if match.group(0) != "</div>" else -1
            cursor = match.end()
            if depth == 0:
                break
        flows.append(html[start:cursor])
        position = cursor
    text = "".join(unescape(_TAG.sub("", flow)).replace("\n", "") for flow in flows)
    indents = sum(len(_PARAGRAPH.findall(flow)) for flow in flows)
    if width(text) + 2 * indents > SHORT_BODY_LINES * line_em:
        return html
    return html.replace(_FLOW_OPEN, '<div class="gw-flow gw-flow-wide">')


def close_flow(html: str, closing: str) -> str:
    """Put a notice's closing (附件, signature, note) at the end of its body's last run of
    running text (div.gw-flow), or after the body if it ends with a table."""
    if not closing:
        return html
    body, closing = html.rstrip(), str(closing)  # plain text joins: a Markup would escape body
    if body.endswith("</div>") and body.rfind('<div class="gw-flow') > body.rfind("</figure>"):
        return body[:-len("</div>")] + closing + "</div>\n"
    return body + "\n" + closing


_TABLE_BLOCK = re.compile(r'<figure class="gw-table-block([^"]*)" data-table="(\d+)">(.*?)'
                          r'<table class="gw-table([^"]*)">', re.S)


def place_tables(html: str, tables, metrics: PageMetrics, measure) -> str:
    """Give each table of a notice body its column widths, type size and, when it cannot
    stand upright at a legible size, a landscape page (gazette.tables)."""
    def place(match: re.Match) -> str:
        table = tables[int(match.group(2))][0]
        fit = table_fit(table, metrics, measure)
        if fit is None:  # never reached in a build: validate_issue reports table.too-wide
            return match.group(0)
        figure = match.group(1) + (" landscape" if fit.landscape else "")
        cols = "".join(f'<col style="width:{w * 100:.2f}%">' for w in fit.widths)
        return (f'<figure class="gw-table-block{figure}" data-table="{match.group(2)}">'
                f'{match.group(3)}<table class="gw-table{match.group(4)} sized" '
                f'style="font-size:{fit.size_pt:g}pt"><colgroup>{cols}</colgroup>')

    return _TABLE_BLOCK.sub(place, html)


def table_fit(table, metrics: PageMetrics, measure) -> TableFit | None:
    needs = column_needs(table, measure, title_words)
    return fit_table(needs, metrics.table_pt, metrics.text_width_pt,
                     metrics.landscape_text_width_pt)


def web_title_html(text: str) -> Markup:
    """Words separated by <wbr>: with word-break: keep-all the browser breaks only there."""
    return Markup("<wbr>").join(Markup(punct_html(word)) for word in title_words(text))


def web_helpers(config: Config) -> dict:
    body_font = font_metrics(config.fonts.fang)
    return {
        **_common_helpers(),
        "body_html": lambda notice, html, closing="": Markup(html),
        "closing_in_body": False,
        "title_html": web_title_html,
        "signature": lambda notice: signature_for(notice, body_font.width),
    }
