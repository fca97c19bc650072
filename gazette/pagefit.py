"""Page-faithful regeneration: put each notice on the page it was printed on.

Legal citations name gazette pages, so when notices carry their printed start page
(``printed_page``, which ``gazette import`` records) the build tries to reproduce it the way a
typesetter does by hand: a notice that starts late is pulled back by tightening the leading of
the notice before it (by at most ``MAX_CHANGE`` of the body leading); a notice that starts one
page early is pushed to a new page, or, if it already starts one, the notice before it is
loosened. Each step is checked by laying the issue out again from the page the change
touches (gazette.relayout, inside the same WeasyPrint layout); what cannot be fitted is
reported by the build as drift (gazette.build.PageDrift). The result
depends only on the sources, so regeneration stays byte-identical.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .issue import Issue, Notice

MAX_CHANGE = 0.1
"""At most 10 % off the body leading (17 pt → 15.3 pt in the 银川 style, still 1.46 lines of
五号), or 10 % on it."""
STEP_PT = 0.05
PX_PER_PT = 4 / 3
"""WeasyPrint's boxes measure in CSS px."""
MAX_LAYOUTS = 6
"""Layouts after the first; each costs as much as the first one."""
SEARCH_LAYOUTS = 3
"""Per notice: the estimate, the limit, one bisection step."""
TOLERANCE_PT = 0.25
KEEP_LINES = 6
"""Lines of a notice that must reach the earlier page for it to start there: title, 文号,
主送机关 and two lines of text."""
SHORT_LINES = 14
"""A letter (the part before its first attached text) this short is held together by its
keeps: signature with the last lines, 此件公开发布 with the signature."""


@dataclass(slots=True)
class Fit:
    """The adjustments made so far: the leading of tightened notices, and notices set to
    start on a new page."""

    leading: dict[str, float] = field(default_factory=dict)
    breaks: set[str] = field(default_factory=set)

    def describe(self, issue: Issue, base: float) -> list[str]:
        """One Chinese line per adjustment, for the build report."""
        names = {n.anchor: n.source.rel + " " + (n.meta.doc_number or n.meta.title)
                 for n in issue.notices}
        lines = [f"{names[a]}：行距由 {base:g} pt {'收紧' if p < base else '放宽'}为 {p:g} pt"
                 for a, p in sorted(self.leading.items())]
        lines += [f"{names[a]}：另起一页" for a in sorted(self.breaks)]
        return lines


@dataclass(slots=True)
class _Search:
    """Bisection for the least change to the leading of ``before`` that brings ``drifting``
    to its printed page: tighter if it starts late, looser if early."""

    drifting: Notice
    before: Notice
    wrong_at: float
    """A leading of ``before`` at which ``drifting`` is still off its page."""
    right_at: float | None = None
    """The least changed leading tried at which it is on its page."""
    layouts: int = 0


class PageFitter:
    """Decides, from one layout, the next one to try on the way to the printed pages.

    Notices are fitted in reading order, each with the least adjustment that works, since
    every change moves everything after it.
    """

    def __init__(self, issue: Issue, base_line: float) -> None:
        self.issue = issue
        self.base = base_line
        self.fit = Fit()
        self.layouts = 0
        self.settled: set[str] = set()
        self.search: _Search | None = None

    def wanted(self) -> bool:
        return any(n.meta.printed_page for n in self.issue.notices)

    def ready(self, places: dict) -> bool:
        """Whether a layout still in progress shows enough to judge it: the notice a search is
        bringing to its page has been laid out (notices not yet laid out count as fitted)."""
        return self.search is None or self.search.drifting.anchor in places

    def next_fit(self, document, places: dict) -> Fit | None:
        """The fit to lay out next, or None to keep this layout (``document`` may be a layout
        in progress: its pages so far)."""
        if self.search is not None:
            following = self._continue(document, places)
            if following is not None:
                return following
        notices = self.issue.notices
        for index, notice in enumerate(notices):
            drift = _drift(notice, places)
            if not drift or notice.anchor in self.settled or self.layouts >= MAX_LAYOUTS:
                continue
            self.settled.add(notice.anchor)
            if abs(drift) > 1 or not index:
                continue
            before = notices[index - 1]
            if drift < 0 and places[before.anchor].last >= places[notice.anchor].first:
                self.fit.breaks.add(notice.anchor)
                return self._next()
            guess = self._estimate(document, places, before, notice, drift)
            if guess is None:
                continue
            self.search = _Search(notice, before, self._pitch(before))
            return self._try(guess)
        return None

    def _continue(self, document, places: dict) -> Fit | None:
        """The next leading to try, or None when the search ended and this layout has the
        result (then the caller looks for the next drift in it)."""
        search = self.search
        pitch = self._pitch(search.before)
        drift = _drift(search.drifting, places)
        if drift == 0:
            search.right_at = pitch
        else:
            search.wrong_at = pitch
        if self.layouts < MAX_LAYOUTS and search.layouts < SEARCH_LAYOUTS:
            if search.right_at is None and drift and pitch != self._limit(drift):
                return self._try(self._limit(drift))
            if search.right_at is not None and search.layouts > 1 and \
                    abs(search.wrong_at - search.right_at) > TOLERANCE_PT:
                return self._try(_round((search.wrong_at + search.right_at) / 2))
        self.search = None
        if search.right_at is None:
            self.fit.leading.pop(search.before.anchor, None)
        else:
            self.fit.leading[search.before.anchor] = search.right_at
        if self._pitch(search.before) == pitch:
            return None
        return self._next()

    def _limit(self, drift: int) -> float:
        return _round(self.base * (1 - MAX_CHANGE if drift > 0 else 1 + MAX_CHANGE))

    def _try(self, pitch: float) -> Fit:
        self.fit.leading[self.search.before.anchor] = pitch
        self.search.layouts += 1
        return self._next()

    def _next(self) -> Fit:
        self.layouts += 1
        return self.fit

    def _pitch(self, notice: Notice) -> float:
        return self.fit.leading.get(notice.anchor, self.base)

    def _estimate(self, document, places: dict, before: Notice, drifting: Notice,
                  drift: int) -> float | None:
        """The leading for ``before`` that should bring ``drifting`` to its page, the limit if
        the estimate is a little beyond it, or None if far beyond."""
        current = self._pitch(before)
        lines = _body_lines(document, before.anchor, current)
        if drift > 0:
            need = _spill(document, before.anchor, drifting.anchor, current)
        else:
            last = document.pages[places[before.anchor].last - 1]._page_box
            need = _slack(last) + current * PX_PER_PT
        if not lines or need is None:
            return None
        change = max(STEP_PT, need / lines / PX_PER_PT)
        pitch = _round(current - change if drift > 0 else current + change)
        if pitch == current:
            pitch = current - STEP_PT if drift > 0 else current + STEP_PT
        if abs(pitch - self.base) <= self.base * MAX_CHANGE + 1e-9:
            return pitch
        # Estimates are rough (keeps, the room at the foot of a page): try the limit when
        # it is near.
        return self._limit(drift) if abs(pitch - self.base) <= self.base * MAX_CHANGE * 1.5 \
            else None


def _round(pitch: float) -> float:
    return round(round(pitch / STEP_PT) * STEP_PT, 2)


def _drift(notice: Notice, places: dict) -> int:
    printed = notice.meta.printed_page
    if not printed or notice.anchor not in places:
        return 0
    return places[notice.anchor].folio - printed


def _boxes_within(box, anchor: str, inside: bool = False):
    """Every box inside the element with id ``anchor`` on one page."""
    element = getattr(box, "element", None)
    if element is not None and element.get("id") == anchor:
        inside = True
    if inside:
        yield box
    for child in getattr(box, "children", ()):
        yield from _boxes_within(child, anchor, inside)


def _body_lines(document, anchor: str, pitch: float) -> int:
    """Lines of the notice set at the body leading (tables and titles keep their own)."""
    from weasyprint.formatting_structure.boxes import LineBox

    return sum(1 for page in document.pages
               for box in _boxes_within(page._page_box.children[0], anchor)
               if isinstance(box, LineBox) and abs(box.height - pitch * PX_PER_PT) < 0.5)


def _spill(document, before: str, late: str, pitch: float) -> float | None:
    """The height to win, in px: what of ``before`` spilled onto ``late``'s page, plus the lines
    of ``late`` that must move back with its title, less the room left on the page before."""
    from weasyprint.formatting_structure.boxes import LineBox

    title = late + "-title"
    previous = None
    for page in document.pages:
        page_box = page._page_box
        body = page_box.children[0]
        if not any(True for _ in _boxes_within(body, title)):
            previous = page_box
            continue
        appended = {id(b) for b in _boxes_within(body, late + "-a1")}
        chain = [b for b in _boxes_within(body, late)
                 if isinstance(b, LineBox) and id(b) not in appended]
        if not chain:
            return None
        last = chain[-1] if len(chain) <= SHORT_LINES else chain[KEEP_LINES - 1]
        return (last.position_y + last.height - page_box.content_box_y()
                + pitch * PX_PER_PT - _slack(previous))
    return None


def _slack(page_box) -> float:
    """The empty height at the foot of a page's text area."""
    from weasyprint.formatting_structure.boxes import LineBox

    if page_box is None:
        return 0.0
    bottoms = [b.position_y + b.height for b in page_box.children[0].descendants()
               if isinstance(b, LineBox)]
    bottom = page_box.content_box_y() + page_box.height
    return max(0.0, bottom - max(bottoms)) if bottoms else 0.0
