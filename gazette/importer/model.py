"""Small typed records passed between the import stages."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Line:
    """One positioned line of the source. ``no`` is the 1-based line number in the text the
    importer read (for a PDF: the line of its extracted text, see :mod:`.read`)."""

    no: int
    text: str
    page: int | None = None
    size: float | None = None
    bold: bool = False
    x: float | None = None
    y: float | None = None
    page_start: bool = False
    column: int = 0
    origin: int | None = None
    """For the second part of a source line the importer split in two (a 文号 printed on the
    same line as the 主送): the source line's number. ``no`` is then a number past the end."""
    right: float | None = None
    """Where the line ends on the page (PDF): a line ending short of its column ends a
    paragraph."""
    """0 on a one-column page or in the left column, 1 in the right column, -1 for a line
    across both columns of a two-column page."""


@dataclass(frozen=True, slots=True)
class Source:
    path: str
    kind: str
    """``text`` or ``pdf``."""
    lines: tuple[Line, ...]

    def by_no(self) -> dict[int, Line]:
        return {line.no: line for line in self.lines}

    def source_no(self, no: int) -> int:
        """The line number as the source counts it (a split line's second part counts as its
        first)."""
        line = next((line for line in self.lines if line.no == no), None)
        return (line.origin if line else None) or no


@dataclass(frozen=True, slots=True)
class TocEntry:
    title: str
    doc_number: str | None
    page: int | None
    section: str | None
    lines: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Layout:
    """What the furniture stage learnt: line number → kind of page furniture, and the 目录."""

    furniture: dict[int, str]
    toc: tuple[TocEntry, ...]
    front: tuple[int, ...]
    """Cover, masthead and colophon lines before the first document (→ issue.yaml)."""


@dataclass(slots=True)
class Segment:
    """The lines of one document, in reading order, with its header found by segmentation."""

    title_lines: list[int]
    number_line: int | None
    lines: list[int]
    entry: TocEntry | None = None
    how: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Document:
    """A segment with its fields extracted; ``consumed`` are lines turned into front matter."""

    segment: Segment
    title: str
    doc_number: str | None = None
    number_line: str | None = None
    section: str | None = None
    issuers: tuple[str, ...] = ()
    date: dt.date | None = None
    addressees: str | None = None
    attachments: tuple[str, ...] = ()
    note: str | None = None
    order: int = 1
    printed_page: int | None = None
    kind: str = "notice"
    body: str = ""
    findings: list[str] = field(default_factory=list)
    guesses: list[str] = field(default_factory=list)
    tables_as_text: list[tuple[int, int]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class IssueInfo:
    year: int | None
    number: int | None
    cumulative: int | None
    published: dt.date | None
    board: tuple[tuple[str, str | None, tuple[str, ...]], ...]
    """(role, note, names)."""


@dataclass(frozen=True, slots=True)
class ImportPlan:
    """Everything the writer needs: the issue, the documents, and the lines left over."""

    source: Source
    layout: Layout
    issue: IssueInfo
    documents: tuple[Document, ...]
    unplaced: tuple[int, ...]
