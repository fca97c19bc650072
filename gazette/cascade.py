"""Only the pseudo-element styles a box can use (issue 12).

WeasyPrint's user-agent stylesheet gives every element ``::marker``, ``::footnote-call``,
``::footnote-marker``, ``::note-call``, ``::note-marker`` and ``::note-callback`` rules, so its
cascade computes six pseudo-element styles for each element of the document, each holding
its own cascaded declarations. The boxes use them only for a list item's marker, a footnote
or a note (weasyprint/formatting_structure/build.py), and asked for any other element's they
are never read. A 322-page issue has 12,432 elements: 74,592 such styles, about 80 MB kept
from the cascade until the end of the layout. Not computing them gives the same boxes.

Written for WeasyPrint 70.0 (pinned, checked by gazette.typography).
"""

from __future__ import annotations

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
    """Skip the unused pseudo-element styles in every later cascade (idempotent)."""
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
