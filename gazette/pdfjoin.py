"""Join the PDFs of an issue laid out in parts (gazette.parts) into one tagged PDF/A-3a.

The first PDF (masthead and 目录) keeps its catalog: XMP metadata, output intent, language,
attached sources. Every later part brings its pages, and with them what makes the result
one document rather than pages glued together:

- its structure elements, moved under the first PDF's Document element, in page order;
- its ParentTree entries (the marked content of each page, each link's structure element),
  renumbered after those already there, as are the pages' /StructParents and the links'
  /StructParent;
- its named destinations, which replace the 目录's placeholders (its links point at names),
  the first part that names an element keeping the name;
- and the outline, rebuilt over all pages from their bookmarks (gazette.parts._outline).

pikepdf (qpdf) copies each part's objects once, so pages, annotations and structure elements
that refer to one another still do after the copy. Written with a deterministic /ID, so the
same parts give the same bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pikepdf
from pikepdf import Array, Dictionary, Name, String


def join(first: Path, parts: Sequence[Path], outline: list, target: Path) -> None:
    """One PDF written to ``target``: the pages of ``first`` then of each PDF file of
    ``parts``, with ``outline`` (WeasyPrint's bookmark tree: (title, (page index, x, y),
    children, state))."""
    out = pikepdf.open(first)
    tree = out.Root.StructTreeRoot
    document = _document(tree)
    numbers = _number_tree(tree.ParentTree)
    names = _name_tree(out.Root.Names.Dests) if "/Names" in out.Root else {}
    # The 目录's link targets stand in for the notices' until a part brings them. A part
    # that begins inside an element (a slice of one layout, gazette.slices) names it again
    # on its first page: the name stays where the element starts.
    placeholders = set(names)
    for path in parts:
        part = pikepdf.open(path)
        offset = max(numbers, default=-1) + 1
        kids = list(_document(part.Root.StructTreeRoot).K)
        for kid in kids:  # cut the link up to the part's own Document before copying
            del kid["/P"]
        start = len(out.pages)
        out.pages.extend(part.pages)
        for page in out.pages[start:]:
            if "/StructParents" in page.obj:
                page.obj.StructParents = int(page.obj.StructParents) + offset
            for annotation in page.obj.get("/Annots", []):
                if "/StructParent" in annotation:
                    annotation.StructParent = int(annotation.StructParent) + offset
        for kid in kids:
            copied = _copy(out, part, kid)
            copied.P = document
            document.K.append(copied)
        for key, value in _number_tree(part.Root.StructTreeRoot.ParentTree).items():
            numbers[key + offset] = _copy(out, part, value)
        if "/Names" in part.Root and "/Dests" in part.Root.Names:
            for name, destination in _name_tree(part.Root.Names.Dests).items():
                if name in placeholders or name not in names:
                    names[name] = _copy(out, part, destination)
                    placeholders.discard(name)
        # qpdf (11 and later) keeps what a copied stream needs of its part: each part is
        # released as soon as it is copied (tests/test_parts.py reads every page back).
        part.close()
    tree.ParentTree = out.make_indirect(Dictionary(
        Nums=Array([item for key in sorted(numbers) for item in (key, numbers[key])])))
    if names:
        out.Root.Names.Dests = out.make_indirect(Dictionary(
            Names=Array([item for name in sorted(names) for item in (String(name), names[name])])))
    _write_outline(out, outline)
    # Streams pass through as WeasyPrint compressed them (decoding and compressing them
    # again costs time and memory for nothing); objects go into object streams as
    # WeasyPrint writes them.
    out.save(target, deterministic_id=True, stream_decode_level=pikepdf.StreamDecodeLevel.none,
             object_stream_mode=pikepdf.ObjectStreamMode.generate)
    out.close()


def _copy(out: pikepdf.Pdf, part: pikepdf.Pdf, obj):
    """``obj`` of ``part`` in ``out`` (qpdf copies only indirect objects across files)."""
    return out.copy_foreign(obj if obj.is_indirect else part.make_indirect(obj))


def _document(tree):
    """The Document structure element WeasyPrint puts at the top of the structure tree."""
    top = tree.K
    return top[0] if isinstance(top, Array) else top


def _number_tree(node) -> dict[int, object]:
    """A number tree's entries (flat /Nums, or /Kids as the PDF allows)."""
    return _tree_entries(node, "/Nums", int)


def _name_tree(node) -> dict[bytes, object]:
    """A name tree's entries, keyed by the name's bytes (the order a name tree sorts by)."""
    return _tree_entries(node, "/Names", bytes)


def _tree_entries(node, field: str, key) -> dict:
    """The key/value pairs of a number or name tree: ``field`` holds them flat, /Kids below."""
    entries: dict = {}
    items = list(node.get(field, []))
    for name, value in zip(items[::2], items[1::2]):
        entries[key(name)] = value
    for kid in node.get("/Kids", []):
        entries.update(_tree_entries(kid, field, key))
    return entries


def _write_outline(out: pikepdf.Pdf, bookmarks: list) -> None:
    """The outline written as WeasyPrint writes it (weasyprint.pdf.anchors.add_outlines)."""
    if "/Outlines" in out.Root:
        del out.Root["/Outlines"]
    if not bookmarks:
        return
    root = out.make_indirect(Dictionary(Type=Name.Outlines))
    items, count = _outline_items(out, bookmarks, root)
    root.Count = count
    root.First, root.Last = items[0], items[-1]
    out.Root.Outlines = root


def _outline_items(out: pikepdf.Pdf, bookmarks: list, parent) -> tuple[list, int]:
    count = len(bookmarks)
    items: list = []
    for title, (page, x, y), children, state in bookmarks:
        item = out.make_indirect(Dictionary(
            Title=String(title), Dest=Array([out.pages[page].obj, Name.XYZ, x, y, 0]),
            Parent=parent))
        kids, kids_count = _outline_items(out, children, item)
        item.Count = -kids_count if state == "closed" else kids_count
        if state != "closed":
            count += kids_count
        if kids:
            item.First, item.Last = kids[0], kids[-1]
        if items:
            item.Prev = items[-1]
            items[-1].Next = item
        items.append(item)
    return items, count
