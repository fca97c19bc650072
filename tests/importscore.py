"""Score an import plan against an expected list (tests/data/import/<seed>.yaml)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from gazette.importer.model import Document
from gazette.importer.segment import bare

DATA = Path(__file__).resolve().parent / "data" / "import"
FIELDS = ("title", "doc_number", "issuer", "date", "section", "printed_page")


@dataclass
class Score:
    seed: str
    expected: int
    found: int
    right: dict[str, int]
    counted: dict[str, int]
    misses: list[str]
    extra: list[str]
    """Imported documents that are in no expected list (a false split)."""

    def share(self, field: str) -> float:
        return self.right[field] / self.counted[field] if self.counted[field] else 1.0

    def overall(self) -> float:
        return sum(self.right.values()) / max(1, sum(self.counted.values()))

    def line(self) -> str:
        shares = "，".join(f"{f} {self.right[f]}/{self.counted[f]}" for f in FIELDS)
        return (f"{self.seed}: 找到 {self.found}/{self.expected} 篇，多出 {len(self.extra)} 篇；"
                f"{shares}；合计 {self.overall():.1%}")


def expected_list(seed: str) -> list[dict]:
    return yaml.safe_load((DATA / f"{seed}.yaml").read_text(encoding="utf-8"))["documents"]


def actual(doc: Document) -> dict:
    return {"title": doc.title, "doc_number": doc.doc_number,
            "issuer": list(doc.issuers) or None,
            "date": doc.date.isoformat() if doc.date else None, "section": doc.section,
            "printed_page": doc.printed_page}


def score(seed: str, documents) -> Score:
    """A document is found when its 文号 (or, without one, its title) is among the imported
    documents. A field the source does not print (null) is not counted."""
    expected = expected_list(seed)
    pool = [actual(d) for d in documents]
    right = dict.fromkeys(FIELDS, 0)
    counted = dict.fromkeys(FIELDS, 0)
    found = 0
    misses: list[str] = []
    for want in expected:
        match = next((a for a in pool if want["doc_number"] and a["doc_number"] ==
                      want["doc_number"]), None) or next(
            (a for a in pool if bare(a["title"]) == bare(want["title"])), None)
        if match:
            found += 1
            pool.remove(match)
        for field in FIELDS:
            if want.get(field) is None and field != "doc_number":
                continue
            counted[field] += 1
            got = match.get(field) if match else None
            if got == want.get(field):
                right[field] += 1
            else:
                misses.append(f"{want['title'][:24]} {field}: 应为 {want.get(field)!r}，"
                              f"得到 {got!r}")
    return Score(seed, len(expected), found, right, counted, misses,
                 [a["title"] for a in pool])
