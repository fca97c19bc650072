"""WeasyPrint 70 holding less memory for the same PDF (issue 12).

Two things WeasyPrint keeps that a gazette's layout never reads:

- **Pseudo-element styles.** The user-agent stylesheet gives every element ``::marker``,
  ``::footnote-call``, ``::footnote-marker``, ``::note-call``, ``::note-marker`` and
  ``::note-callback`` rules, so the cascade computes six pseudo-element styles for each
  element, each with its own cascaded declarations. The boxes use them only for a list
  item's marker, a footnote or a note (weasyprint/formatting_structure/build.py). A
  322-page issue has 12,432 elements: 74,592 such styles, about 50 MB kept until the end
  of the layout. Only the used ones are computed.
- **Whole font files.** Writing the PDF, each font used gets a copy of its whole file as
  bytes (weasyprint/pdf/fonts.py ``Font.__init__``), all held until they are subset at the
  end: 54 MB for the bundled fonts, the 18 MB CJK fallback font among them, for a few
  characters. HarfBuzz subsets from the font face itself and never reads the copy, so it is
  made only if something does read it (fontTools' subsetting, a font HarfBuzz cannot subset).

Both give byte-identical PDFs (tests/test_lean.py). Written for WeasyPrint 70.0 (pinned,
checked by gazette.typography).
"""

from __future__ import annotations

import threading

_ITEM = frozenset({"marker"})
_FOOTNOTE = frozenset({"footnote-call", "footnote-marker"})
_NOTE = frozenset({"note-call", "note-marker", "note-callback"})


def _used(style_for, element, pseudo_type: str) -> bool:
    """Whether building boxes can ask for ``element``'s ``pseudo_type`` style: its own
    computed style is complete by then (the cascade does elements before pseudo-elements)."""
    style = style_for.get_computed_styles()[element, None]
    if pseudo_type in _ITEM:
        # a ::before or ::after displayed as a list item takes its element's marker style
        return "list-item" in style["display"] or any(
            (element, pseudo) in style_for.get_cascaded_styles() for pseudo in ("before", "after"))
    if pseudo_type in _FOOTNOTE:
        return style["float"] == "footnote"
    return style["position"][0] == "note()"


def install() -> None:
    """Both, for every later layout and PDF (idempotent)."""
    _install_used_pseudo_styles()
    _install_font_files_on_demand()


def _install_used_pseudo_styles() -> None:
    from weasyprint.css import StyleFor

    if getattr(StyleFor.set_computed_styles, "_gazette", False):
        return
    original = StyleFor.set_computed_styles
    skipped = _ITEM | _FOOTNOTE | _NOTE

    def set_computed_styles(self, element, parent, root=None, pseudo_type=None,
                            base_url=None, target_collector=None):
        if pseudo_type in skipped and not _used(self, element, pseudo_type):
            return
        original(self, element, parent, root, pseudo_type, base_url, target_collector)

    set_computed_styles._gazette = True
    StyleFor.set_computed_styles = set_computed_styles


_IN_FONT_INIT = threading.local()


def _install_font_files_on_demand() -> None:
    from weasyprint.pdf import fonts

    if getattr(fonts.Font, "_gazette", False):
        return
    font_init, face_data = fonts.Font.__init__, fonts.get_hb_object_data

    def get_hb_object_data(hb_object, ot_color=None, glyph=None):
        if getattr(_IN_FONT_INIT, "active", False):
            return None  # the whole file: read by ``file_content`` if ever wanted
        return face_data(hb_object, ot_color, glyph)

    def __init__(self, pango_font, description, font_size):
        _IN_FONT_INIT.active = True
        try:
            font_init(self, pango_font, description, font_size)
        finally:
            _IN_FONT_INIT.active = False

    def file_content(self) -> bytes:
        data = self.__dict__.get("_gazette_file_content")
        if data is None:
            data = self.__dict__["_gazette_file_content"] = face_data(self.hb_face)
        return data

    def set_file_content(self, data) -> None:
        self.__dict__["_gazette_file_content"] = data

    fonts.get_hb_object_data = get_hb_object_data
    fonts.Font.__init__ = __init__
    fonts.Font.file_content = property(file_content, set_file_content)
    fonts.Font._gazette = True
