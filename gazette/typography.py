"""Chinese typography that the CSS engine does not do by itself.

- :func:`justify_document`: WeasyPrint 70 justifies by stretching spaces only, so Chinese
  lines (no spaces) stay ragged. After layout, each non-final line of a justified block gets
  its free space spread evenly between all characters (clreq's last-resort expansion) through
  letter-spacing, which inserts no character: extracted text stays clean. It works on
  WeasyPrint's page boxes and replaces ``layout.inline.justify_line`` for Chinese lines, both
  private, so weasyprint is pinned and tests/test_typography.py guards it.
- :func:`_install_squeeze`: 标点挤压 before expansion: a line takes the next unit when its single
  full-width marks can give up to half an em each (config ``page.punctuation_squeeze``).
- :func:`title_lines`: breaks a title into balanced lines (梯形/菱形) at word boundaries,
  measured with the real font, never leaving a last line of one or two characters.
"""

from __future__ import annotations

import logging
import re
from functools import cache
from pathlib import Path

from .fonts import file_stamp, font_cmap

# 禁则 (clreq): marks that may not start a line, and marks that may not end one.
CLOSING = set("，。、；：？！）》」』】〕”’…—·％%,.;:?!)]}")
OPENING = set("（《「『【〔“‘([{")
# 标点挤压 (clreq §3.1.4): of two full-width marks in a row, one is set half width. Opening
# marks lose their left half, closing marks their right half. HALT_MARKS are the marks the
# bundled Fandol fonts can set half width (OpenType 'halt'); Fandol has no half-width "，".
FULL_WIDTH_OPENING = set("（《「『【〔〈〖“‘［｛")
FULL_WIDTH_CLOSING = set("，。、；：？！）》」』】〕〉〗”’．］｝")
HALT_MARKS = set("‘“〔〈《「『〖【（［｛、。’”〕〉》」』〗】！），．：；？］｝")


def compressible_marks(text: str) -> list[int]:
    """Indices of the marks to set half width so that no two full-width marks in a row
    stand at full width: the second of a pair when it opens, else the first."""
    marks = FULL_WIDTH_OPENING | FULL_WIDTH_CLOSING
    chosen: list[int] = []
    for i in range(len(text) - 1):
        a, b = text[i], text[i + 1]
        if a not in marks or b not in marks or (chosen and chosen[-1] in (i, i + 1)):
            continue
        if b in FULL_WIDTH_OPENING and b in HALT_MARKS:
            chosen.append(i + 1)
        elif a in HALT_MARKS:
            chosen.append(i)
        elif b in HALT_MARKS:
            chosen.append(i + 1)
    return chosen


_CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]")
WEASYPRINT_VERSION = "70.0"


def install_cjk_justification() -> None:
    """Keep WeasyPrint from stretching the odd space in Chinese lines (idempotent).

    Chinese lines are justified after layout by :func:`justify_document`, which sees
    exactly the lines that will be drawn; during layout they are left start-aligned.
    """
    import weasyprint
    from weasyprint.layout import inline

    if weasyprint.__version__ != WEASYPRINT_VERSION:
        raise RuntimeError(
            f"gazette's CJK justification is written for WeasyPrint {WEASYPRINT_VERSION}, "
            f"found {weasyprint.__version__}; check layout/inline.py:justify_line and update")
    if getattr(inline.justify_line, "_gazette", False):
        return
    original = inline.justify_line

    def justify_line(context, line, extra_width):
        if _CJK.search("".join(_texts(line))):
            return None
        return original(context, line, extra_width)

    justify_line._gazette = True
    inline.justify_line = justify_line
    _install_squeeze(inline)


SQUEEZE_CLOSING = set("，。、；：！）》」』】〕”’")
SQUEEZE_OPENING = set("（《「『【〔“‘")
"""Single full-width marks that may give up to half an em so that a line takes one more unit
instead of being letter-spaced (clreq: compress before expanding). Closing marks give up their
right half, opening marks their left half: in every bundled font the ink lies in the half
that stays (？ is centred in Fandol Fang, Hei and Kai, so it is left out;
tests/test_typography.py checks the fonts)."""
SQUEEZE_LOOKAHEAD = 12
"""Characters after a line's end searched for the next break opportunity."""


def squeezable_marks(text: str, start: int, end: int) -> list[int]:
    """Indices in ``text[start:end]`` of the marks that may be compressed: single marks (no
    full-width mark beside them, since a pair is already set half width by the ``gw-pc`` of
    :func:`compressible_marks`), with both neighbours inside ``text``, and no opening mark at
    ``start``, which may begin the line."""
    marks = FULL_WIDTH_OPENING | FULL_WIDTH_CLOSING
    found = []
    for k in range(max(start, 1), min(end, len(text) - 1)):
        char = text[k]
        if char in SQUEEZE_CLOSING or (char in SQUEEZE_OPENING and k > start):
            if text[k - 1] not in marks and text[k + 1] not in marks:
                found.append(k)
    return found


def _install_squeeze(inline) -> None:
    """Line breaking that compresses punctuation before a line is letter-spaced.

    When WeasyPrint ends a line inside a justified text box and the next unbreakable unit (by
    Pango's breaks, which carry 禁则) would fit if the line's single marks
    (:func:`squeezable_marks`) each gave up at most half an em, the line takes that unit and
    its marks (not the one that ends the line, which keeps the right edge straight) share
    the shortfall evenly; the text box then measures exactly the line's width,
    so :func:`justify_document` adds no letter-spacing to it. The marks are narrowed where the
    text is drawn, in the glyph positions of the text box's Pango line: no character is added.
    Patches ``layout.inline.split_text_box`` and ``text.line_break.Layout`` (pinned version).
    A layout whose FontConfiguration has ``gazette_squeeze = False`` is left as WeasyPrint
    breaks it (config ``page.punctuation_squeeze``, set by gazette.render_pdf).
    """
    from weasyprint.text import line_break

    original = inline.split_text_box

    def split_text_box(context, box, available_width, skip, is_line_start=True):
        result = original(context, box, available_width, skip, is_line_start)
        new_box, resume, preserved = result
        if new_box is None or resume is None or preserved or \
                box.style["white_space"] != "normal" or box.style["text_align_all"] != "justify" \
                or not getattr(box.style.font_config, "gazette_squeeze", True):
            return result
        return _squeezed_split(original, context, box, available_width, skip or 0,
                               is_line_start, new_box, resume) or result

    split_text_box._gazette = True
    inline.split_text_box = split_text_box

    layout_class = line_break.Layout
    reactivate, get_first_line = layout_class.reactivate, layout_class.get_first_line

    def reactivate_squeezed(self, style):
        reactivate(self, style)
        if getattr(self, "gazette_squeeze", None):
            self.gazette_pending = True

    def get_first_line_squeezed(self):
        line, index = get_first_line(self)
        if getattr(self, "gazette_pending", False):
            self.gazette_pending = False
            _narrow_glyphs(line, self.gazette_squeeze)
        return line, index

    layout_class.reactivate = reactivate_squeezed
    layout_class.get_first_line = get_first_line_squeezed


def _squeezed_split(original, context, box, available_width, skip, is_line_start, new_box,
                    resume):
    """The split of ``box`` that takes the next unit by compressing marks, or None."""
    from weasyprint.text.ffi import TO_UNITS

    text = box.text
    encoded = text.encode()
    start = len(encoded[:skip].decode())
    end = len(encoded[:resume].decode())
    half = box.style["font_size"] / 2
    probe = text[start:end + SQUEEZE_LOOKAHEAD + 1]
    marks = squeezable_marks(text, start, start + len(probe) - 1)
    if not marks or available_width - new_box.width + half * len(marks) < half:
        return None
    widths, breaks = _prefix_widths(probe, box.style, context)
    best = None
    for position in range(end - start + 1, len(probe)):
        if not breaks[position]:
            continue
        count = sum(1 for k in marks if k < start + position - 1)
        if widths[position] - half * count > available_width:
            break
        best = position
    if best is None:
        return None
    squeezed = original(context, box, widths[best] + 0.1, skip, is_line_start)
    line_box, line_resume, preserved = squeezed
    if line_box is None or preserved or line_resume != len(text[:start + best].encode()) or \
            line_box.pango_layout.text != text[start:start + best]:
        return None
    chosen = [k for k in marks if k < start + best - 1]
    need = line_box.width - available_width
    if need <= 0 or need > half * len(chosen):
        return None
    units = int(need / len(chosen) * TO_UNITS) + 1
    line_text = line_box.pango_layout.text
    line_box.pango_layout.gazette_squeeze = {
        len(line_text[:k - start].encode()): (units, text[k] in SQUEEZE_OPENING)
        for k in chosen}
    line_box.width -= units * len(chosen) / TO_UNITS
    return squeezed


def _prefix_widths(text: str, style, context) -> tuple[list[float], list[bool]]:
    """The width (px) of every prefix of ``text`` set on one line, and whether a line may
    break before each character (Pango's line-break attributes)."""
    from weasyprint.text.ffi import FROM_UNITS, ffi, pango
    from weasyprint.text.line_break import create_layout

    layout = create_layout(text, style, context, None, 0)
    line, _ = layout.get_first_line()
    advance: dict[int, int] = {}
    for byte, geometry in _glyphs(line):
        advance[byte] = advance.get(byte, 0) + geometry.width
    attrs = pango.pango_layout_get_log_attrs_readonly(layout.layout, ffi.new("int *"))
    widths, breaks, total, byte = [0.0], [False], 0, 0
    for index, char in enumerate(text):
        total += advance.get(byte, 0)
        byte += len(char.encode())
        widths.append(total * FROM_UNITS)
        breaks.append(bool(attrs[index + 1].is_line_break))
    layout.deactivate()
    return widths, breaks


def _narrow_glyphs(line, squeeze: dict[int, tuple[int, bool]]) -> None:
    """Take the compression off the glyphs of a drawn line: a closing mark loses width on its
    right, an opening mark on its left (its glyph drawn further left by as much)."""
    for byte, geometry in _glyphs(line):
        found = squeeze.get(byte)
        if found is None:
            continue
        units, opening = found
        geometry.width -= units
        if opening:
            # draw/text.py turns x_offset into a text-space shift of x_offset / 1000 px
            geometry.x_offset -= round(units * 1000 / 1024)


def _glyphs(line):
    """(UTF-8 byte offset of its character, geometry) of each glyph of a Pango line."""
    from weasyprint.text.ffi import ffi

    run = line.runs
    while run != ffi.NULL:
        item = run.data
        glyphs = item.glyphs
        offset = item.item.offset
        for i in range(glyphs.num_glyphs):
            yield offset + glyphs.log_clusters[i], glyphs.glyphs[i].geometry
        run = run.next


MAX_STRETCH_EM = 6.0
"""A line short by more than this is not stretched (it ends early for a reason)."""


def justify_document(document, stats: dict[str, float] | None = None) -> int:
    """Justify Chinese lines: every non-final line of a ``text-align: justify`` block, and
    last lines under ``text-align-last: justify`` (name-list cells, colophon labels).

    The free space is spread evenly between all characters through letter-spacing, so no
    character is inserted and extracted text stays clean. Returns the number of lines set;
    ``stats`` (if given) counts ``lines`` (Chinese lines to justify), ``expanded`` (lines that
    got letter-spacing), ``extra_em`` (the space added, in em of each line's font) and
    ``squeezed`` (lines that took one more unit by compressing marks, :func:`_install_squeeze`).
    """
    from weasyprint.formatting_structure import boxes

    lines: list[tuple[object, object]] = []
    last_line: dict[int, object] = {}

    def walk(box, block):
        for child in getattr(box, "children", ()):
            if isinstance(child, boxes.LineBox):
                lines.append((child, block))
                if block.element is not None:
                    last_line[id(block.element)] = child
                walk(child, block)  # inline-blocks inside the line have lines of their own
            elif isinstance(child, boxes.BlockContainerBox) and not isinstance(
                    child, boxes.LineBox):
                walk(child, child)
            elif isinstance(child, boxes.ParentBox):
                walk(child, block)

    for page in document.pages:
        walk(page._page_box, page._page_box)
    done = 0
    for line, block in lines:
        is_last = last_line.get(id(block.element)) is line
        align = block.style["text_align_last" if is_last else "text_align_all"]
        if align != "justify":
            continue
        text = "".join(_texts(line)).rstrip()
        if not _CJK.search(text):
            continue
        if stats is not None:
            stats["lines"] = stats.get("lines", 0) + 1
            if any(getattr(getattr(box, "pango_layout", None), "gazette_squeeze", None)
                   for box in line.descendants()):
                stats["squeezed"] = stats.get("squeezed", 0) + 1
        right = max((c.position_x + c.margin_width() for c in line.children
                     if c.is_in_normal_flow()), default=None)
        if right is None:
            continue
        extra = block.content_box_x() + block.width - right
        if extra <= 0.01 or extra > MAX_STRETCH_EM * block.style["font_size"]:
            continue
        visible = _visible(text)
        if visible < 2:
            continue
        _spread(line, extra / (visible - 1), 0.0, [len(text)])
        done += 1
        if stats is not None:
            stats["extra_em"] = stats.get("extra_em", 0.0) + extra / block.style["font_size"]
    if stats is not None:
        stats["expanded"] = stats.get("expanded", 0) + done
    return done


ZERO_WIDTH = set("\u200b\u200c\u200d\u2060\ufeff")
"""Characters that draw nothing and take no letter-spacing. gazette never inserts any (breaks
are held by nowrap spans); they are skipped in case a source text carries one."""


def _visible(text: str) -> int:
    return sum(1 for char in text if char not in ZERO_WIDTH)


def _texts(box):
    from weasyprint.formatting_structure import boxes

    if isinstance(box, boxes.TextBox):
        yield box.text
    elif isinstance(box, (boxes.LineBox, boxes.InlineBox)):
        for child in box.children:
            if child.is_in_normal_flow():
                yield from _texts(child)


def _spread(box, spacing: float, x_advance: float, remaining: list[int]) -> float:
    """Add ``spacing`` after every character but the line's last; shift what follows."""
    from weasyprint.formatting_structure import boxes

    if isinstance(box, boxes.TextBox):
        box.position_x += x_advance
        count = min(len(box.text), remaining[0])
        remaining[0] -= count
        count = _visible(box.text[:count])
        if count == 0:
            return x_advance
        style = box.style.copy()
        base = 0 if style["letter_spacing"] == "normal" else style["letter_spacing"]
        style["letter_spacing"] = base + spacing
        box.style = style
        grow = spacing * count
        box.width += grow
        return x_advance + grow
    if isinstance(box, (boxes.LineBox, boxes.InlineBox)):
        box.position_x += x_advance
        before = x_advance
        for child in box.children:
            if child.is_in_normal_flow():
                x_advance = _spread(child, spacing, x_advance, remaining)
        box.width += x_advance - before
        return x_advance
    box.translate(x_advance, 0)
    return x_advance


class FontMetrics:
    """Advance widths of one font file, in em, for line-breaking decisions made in Python."""

    def __init__(self, path: Path) -> None:
        from fontTools.ttLib import TTFont

        font = TTFont(path, lazy=True)
        self._cmap = font_cmap(path)
        self._hmtx = font["hmtx"]
        self._upem = font["head"].unitsPerEm
        # Title balancing measures the same substrings thousands of times (every candidate
        # split of every title): memoise advances per character and widths per string.
        self._advances: dict[str, float] = {}
        self._widths: dict[str, float] = {}

    def _advance(self, char: str) -> float:
        glyph = self._cmap.get(ord(char))
        return self._hmtx[glyph][0] / self._upem if glyph else 1.0

    def width(self, text: str) -> float:
        total = self._widths.get(text)
        if total is None:
            advances = self._advances
            total = 0  # summed in text order, exactly as without the caches
            for char in text:
                advance = advances.get(char)
                if advance is None:
                    advance = advances[char] = self._advance(char)
                total += advance
            if len(self._widths) >= 100_000:  # bounded in a long-lived process
                self._widths.clear()
            self._widths[text] = total
        return total


def font_metrics(path: Path) -> FontMetrics:
    """One font file's metrics, read again when the file is replaced or edited: the preview
    and a build's helper processes must measure titles with the same font."""
    return _font_metrics(path.resolve(), file_stamp(path))


@cache
def _font_metrics(path: Path, stamp: tuple[int, int, int, int]) -> FontMetrics:  # noqa: ARG001
    return FontMetrics(path)


@cache
def _segmenter(folder: Path | None):
    """jieba, initialised once. Its dictionary cache goes to ``folder`` (build/.cache/), never
    to the system's /tmp; jieba's own log (a traceback when the cache cannot be written, which
    only costs time) is silenced."""
    import marshal
    from types import SimpleNamespace

    import jieba

    jieba.setLogLevel(logging.CRITICAL)
    if folder is not None:
        folder.mkdir(parents=True, exist_ok=True)
        jieba.dt.tmp_dir = str(folder)
    # jieba 0.42.1 loads its cached prefix dictionary (~500 000 entries) with
    # marshal.load(file), which CPython feeds through the file object piece by piece: 0.45 s
    # of CPU in every build. marshal.loads of the whole file gives the same dictionary in
    # 0.14 s. Only the loader changes: jieba's own cache lookup, locking, rebuilding from
    # dict.txt and cache writing (marshal.dump) run as before.
    jieba.marshal = SimpleNamespace(load=lambda file: marshal.loads(file.read()),
                                    dump=marshal.dump)
    try:
        jieba.dt.initialize()
    finally:
        jieba.marshal = marshal
    return jieba


class WordCache:
    """Word boundaries of titles, remembered between builds in build/.cache/.

    Loading jieba's dictionary costs more than laying out a short notice; titles rarely
    change, so a rebuild reuses the boundaries found before and never loads jieba. The
    cache is keyed by the jieba version: the same title always gets the same lines.
    """

    VERSION = "jieba-0.42.1-hmm-off"

    def __init__(self) -> None:
        self.words: dict[str, list[int]] = {}
        self.dirty = False
        self.path: Path | None = None
        self.folder: Path | None = None

    def load(self, path: Path) -> None:
        """Use the cache file ``path``; in a process that builds several projects (the preview,
        tests), the words of another project are dropped rather than written into this one."""
        import json

        if path != self.path:
            self.words, self.dirty, self.path = {}, False, path
        self.folder = path.parent
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return
        if isinstance(data, dict) and data.get("version") == self.VERSION:
            self.words.update(data.get("words", {}))

    def save(self, path: Path) -> None:
        import json

        from .output import write_atomic

        if self.dirty:
            data = {"version": self.VERSION, "words": dict(sorted(self.words.items()))}
            write_atomic(path, json.dumps(data, ensure_ascii=False, indent=0))
            self.dirty = False

    def boundaries(self, text: str) -> set[int]:
        if text not in self.words:
            jieba = _segmenter(self.folder)
            cuts, position = [], 0
            for word in jieba.cut(text, HMM=False):
                position += len(word)
                cuts.append(position)
            self.words[text] = cuts
            self.dirty = True
        return set(self.words[text])


WORD_CACHE = WordCache()


def word_cache_file(build_dir: Path) -> Path:
    """Where the title word boundaries are kept (build/.cache/title-words.json)."""
    return build_dir / ".cache" / "title-words.json"


def release_segmenter() -> None:
    """Drop jieba's dictionary (~75 MB) once the issue's words are known: a build lays out
    next, and that memory would otherwise sit under the layout's peak. A later title not in
    the cache loads it again."""
    if _segmenter.cache_info().currsize:
        import jieba

        from .memory import give_back

        _segmenter.cache_clear()
        jieba.dt.FREQ = {}
        jieba.dt.total = 0
        jieba.dt.initialized = False
        give_back()


def _word_boundaries(text: str) -> set[int]:
    return WORD_CACHE.boundaries(text)


def title_words(text: str) -> list[str]:
    """A title cut into words, for browsers to break between (never inside) them."""
    cuts = [c for c in sorted(_word_boundaries(text)) if 0 < c < len(text) and _can_break(text, c)]
    bounds = [0, *cuts, len(text)]
    return [text[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]


def _can_break(text: str, i: int) -> bool:
    """May a line end before text[i]? (禁则: no closing mark at line start, no opening at end.)"""
    before, after = text[i - 1], text[i]
    if after in CLOSING or before in OPENING:
        return False
    if before.isascii() and after.isascii() and (before.isalnum() and after.isalnum()):
        return False
    if before == after and before in "—…":
        return False
    return not (before.isdigit() and after in "年月日号期")


WORD_BREAK_PENALTY = 60.0
BOOK_TITLE_PENALTY = 12.0
LINE_PENALTY = 10.0
"""Breaking inside a word is worse than uneven lines; inside 《…》 is also avoided."""


def _inside_book_title(text: str, cut: int) -> bool:
    head = text[:cut]
    return head.count("《") > head.count("》")


def title_lines(text: str, metrics: FontMetrics, max_em: float) -> list[str]:
    """Split a title into balanced lines that each fit in ``max_em``.

    Among break points allowed by 禁则, minimise the spread of line widths, with penalties for
    breaking inside a word and for a last line shorter than three characters.
    """
    text = text.strip()
    total = metrics.width(text)
    if total <= max_em:
        return [text]
    words = _word_boundaries(text)
    candidates = [i for i in range(2, len(text) - 1) if _can_break(text, i)]
    for count in range(2, 8):
        best = _best_split(text, metrics, max_em, candidates, words, count, total / count)
        if best:
            # One more line may avoid splitting a word: take it when it costs less.
            more = _best_split(text, metrics, max_em, candidates, words, count + 1,
                               total / (count + 1))
            if more and more[1] + LINE_PENALTY < best[1]:
                return more[0]
            return best[0]
    return [text]


def _best_split(text, metrics, max_em, candidates, words, count, target):
    """The cheapest split into ``count`` lines, by dynamic programming over break points."""
    prefix = [0.0]
    for char in text:
        prefix.append(prefix[-1] + metrics.width(char))
    ends = [*candidates, len(text)]

    def cut_cost(position: int) -> float:
        if position == len(text):
            return 0.0
        cost = 0.0 if position in words else WORD_BREAK_PENALTY
        return cost + (BOOK_TITLE_PENALTY if _inside_book_title(text, position) else 0.0)

    # best[k][end] = (cost, previous end) for k + 1 lines covering text[:end]
    best: list[dict[int, tuple[float, int]]] = [{}]
    for end in ends:
        width = prefix[end]
        if width <= max_em:
            best[0][end] = ((width - target) ** 2 + cut_cost(end), 0)
    for k in range(1, count):
        layer: dict[int, tuple[float, int]] = {}
        for end in ends:
            for start, (cost, _) in best[k - 1].items():
                if start >= end:
                    continue
                width = prefix[end] - prefix[start]
                if width > max_em:
                    continue
                total = cost + (width - target) ** 2 + cut_cost(end)
                if end == len(text) and end - start < 3:
                    total += 100.0
                if end not in layer or total < layer[end][0]:
                    layer[end] = (total, start)
        best.append(layer)
    if len(text) not in best[count - 1]:
        return None
    cost = best[count - 1][len(text)][0]
    cuts, end = [], len(text)
    for k in range(count - 1, -1, -1):
        start = best[k][end][1]
        cuts.append((start, end))
        end = start
    return [text[a:b] for a, b in reversed(cuts)], cost
