"""Diagnostics: what the toolchain tells editors, as data.

Every stage appends :class:`Diagnostic` objects to a :class:`Diagnostics` collector instead of
raising, so one run reports every problem (``check``, ``build`` and the preview share them).
An exception is raised only when a unit cannot continue; it carries its diagnostic.

Severity policy:
- error: the output would be wrong or missing; the build refuses to write it;
- warning: the output is produced but is probably not what the editor meant.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path


class Severity(Enum):
    ERROR = "错误"
    WARNING = "警告"


@dataclass(frozen=True, slots=True)
class Location:
    """Where a problem is: a file relative to the project root, 1-based line and column."""

    path: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        parts = [self.path]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)


@dataclass(frozen=True, slots=True)
class Edit:
    """A mechanical correction in a source file: ``original`` at a 1-based line and column
    becomes ``replacement``. ``gazette check --fix`` applies it only where the file still
    holds ``original``; nothing else applies edits."""

    line: int
    column: int
    original: str
    replacement: str


@dataclass(frozen=True, slots=True)
class Diagnostic:
    severity: Severity
    code: str
    message: str
    location: Location
    hint: str | None = None
    fix: tuple[Edit, ...] = field(default=(), compare=False)
    """Edits that correct the problem without changing any wording (empty: needs an editor)."""

    def format(self) -> str:
        text = f"{self.location}: {self.severity.value}[{self.code}]: {self.message}"
        if self.fix:
            text += "（可用 gazette check --fix 自动修正）"
        if self.hint:
            text += f"\n    提示：{self.hint}"
        return text

    def as_json(self) -> dict[str, object]:
        return {
            "path": self.location.path,
            "line": self.location.line,
            "column": self.location.column,
            "severity": self.severity.name.lower(),
            "code": self.code,
            "message": self.message,
            "hint": self.hint,
            "fixable": bool(self.fix),
        }


class Diagnostics:
    """An ordered collector of diagnostics with no duplicates."""

    def __init__(self) -> None:
        self._items: list[Diagnostic] = []
        self._seen: set[Diagnostic] = set()

    def add(self, diagnostic: Diagnostic) -> None:
        if diagnostic not in self._seen:
            self._seen.add(diagnostic)
            self._items.append(diagnostic)

    def error(self, code: str, message: str, location: Location, hint: str | None = None) -> None:
        self.add(Diagnostic(Severity.ERROR, code, message, location, hint))

    def warning(self, code: str, message: str, location: Location, hint: str | None = None) -> None:
        self.add(Diagnostic(Severity.WARNING, code, message, location, hint))

    def sorted(self) -> list[Diagnostic]:
        """By file, line and column, as an editor works through them (file-level first)."""
        return sorted(self._items, key=lambda d: (d.location.path, d.location.line or 0,
                                                  d.location.column or 0))

    def extend(self, other: Diagnostics) -> None:
        for item in other:
            self.add(item)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self._items if d.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self._items if d.severity is Severity.WARNING]

    def __iter__(self) -> Iterator[Diagnostic]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __bool__(self) -> bool:
        return bool(self._items)


class GazetteError(Exception):
    """A problem that stops the current unit of work; carries the diagnostic to show."""

    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(diagnostic.format())
        self.diagnostic = diagnostic

    @classmethod
    def at(cls, code: str, message: str, path: str, line: int | None = None,
           hint: str | None = None) -> GazetteError:
        return cls(Diagnostic(Severity.ERROR, code, message, Location(path, line), hint))


def relative(path: Path, root: Path) -> str:
    """The path as editors see it: relative to the project root when inside it. A link is
    named by where it is, not by what it points to (/dev/zero…)."""
    for candidate in (path.parent.resolve() / path.name, path.resolve()):
        try:
            return candidate.relative_to(root.resolve()).as_posix()
        except ValueError:
            continue
    return str(path)
