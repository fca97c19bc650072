"""Page styles: the geometry and type sizes of a printed gazette, as named presets.

A gazette picks a preset in config.yaml (``page.style``) and may override any field of it
(``page.body_pt: 11``); the print CSS and the title balancing read the same values.
"""

from __future__ import annotations

from dataclasses import dataclass, fields


@dataclass(frozen=True, slots=True)
class PageMetrics:
    """Geometry of one page style, in mm and pt. Used by the CSS and by title balancing."""

    page_width: float = 210
    page_height: float = 297
    top: float = 30
    bottom: float = 25
    inner: float = 25
    outer: float = 20
    body_pt: float = 12
    line_pt: float = 20
    letter_spacing: float = 0
    title_pt: float = 18
    title_line_pt: float = 28
    toc_pt: float = 12
    table_pt: float = 9
    folio_pt: float = 12
    folio_gap: float = 6
    head_pt: float = 9
    notice_gap: float = 40
    running_heads: bool = True
    notice_start: str = "continue"
    """Where each notice starts: ``continue`` after the previous one, a new ``page``, or a
    new right-hand page (``recto``)."""
    appendix_start: str = "continue"
    """Where an attached text (``#`` in the notice) starts; same values."""
    part_pages: int = 50
    """Where each notice starts a new page, an issue longer than about this many pages is
    laid out in parts of about this size, to bound memory (gazette.parts); 0: always whole."""
    chronicle_columns: int = 1
    """大事记 (``kind: chronicle``) set in this many balanced columns."""
    chronicle_pt: float = 0
    """Type size of a 大事记; 0 keeps the body size."""
    chronicle_line_pt: float = 0
    """Leading of a 大事记; 0 keeps the body leading."""
    punctuation_squeeze: bool = True
    """标点挤压 before expansion: a line takes one more unit by compressing its single marks
    instead of being letter-spaced (gazette.typography). Off where it would move notices off
    the pages of the printed issue being reproduced."""

    @property
    def text_width_pt(self) -> float:
        return (self.page_width - self.inner - self.outer) / 25.4 * 72

    @property
    def landscape_text_width_pt(self) -> float:
        """The text width of a landscape page (A4 turned, same inner and outer margins)."""
        return (self.page_height - self.inner - self.outer) / 25.4 * 72

    @property
    def landscape_margins(self) -> tuple[float, float]:
        """Top and bottom margins of a landscape page, in mm: room for head and folio."""
        return min(self.top, 22.0), min(self.bottom, 20.0)


PAGE_STYLES = {
    # The printed 银川 2020-07: A4, one column, 仿宋 五号; calibrated against the printed 目录
    # (printed_page): with its 大事记 in two columns as printed (config page.chronicle_*),
    # 15 of 18 notices start on their printed page and 3 one page later, 18 of 18 after
    # gazette.pagefit tightens the notice before the first of them. The title leading is part
    # of the calibration (tests/test_layout.py locks the exact count).
    "gazette": PageMetrics(top=28, bottom=22, body_pt=10.5, line_pt=17, title_line_pt=26),
    # Two balanced columns of 五号 text, titles spanning both (银川 2022-05, 大武口 2021-08).
    # The columns themselves are in layouts/print/style-two-column.css.j2.
    "two-column": PageMetrics(body_pt=10.5, line_pt=16, title_pt=16, title_line_pt=24,
                              notice_gap=24, inner=20, outer=18),
    # GB/T 9704-2012: 37/26/35/28 mm, 3号 仿宋, 22 lines × 28 characters, 2号 title.
    "gongwen": PageMetrics(top=37, bottom=35, inner=28, outer=26, body_pt=16, line_pt=28.95,
                           letter_spacing=-0.21, title_pt=22, title_line_pt=28.95 * 1.2,
                           toc_pt=14, table_pt=12, folio_pt=14, folio_gap=4.5,
                           running_heads=False, notice_start="page", appendix_start="page",
                           notice_gap=0),
}


STARTS = ("continue", "page", "recto")


def metric_kinds() -> dict[str, type]:
    """Each overridable field and its kind (float, bool or str), for config validation."""
    names = {"bool": bool, "str": str, "int": int, "float": float}
    return {field.name: names[str(field.type)] for field in fields(PageMetrics)}
