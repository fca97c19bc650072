"""Search across all issues in the browser, without a server: a character-bigram index.

Chinese has no spaces between words, so word indexes need a segmenter whose idea of a word
rarely matches what a reader types (营商环境, 银政发〔2020〕71号). Overlapping character pairs
need none: a phrase is found when every pair of it occurs in the notice, and the browser then
confirms the exact phrase in the notice's text and shows it in context.

Both sides normalise the same way (:func:`normalize`, mirrored in layouts/html/search.js): NFKC,
lower case, and only letters and digits kept, so 〔2020〕, [2020] and （2020） all match.

Files (paths relative to the site root):
- search/docs.json: the notices (title, 文号, issue, section, date, year, gazette, issuers, page
  path) and the shard count; search.js filters on these fields;
- search/g/<n>.json: postings, ``{"营商": [doc, count, doc, count, …], …}``, sharded by a hash
  of the key so a query loads only the shards of its own pairs;
- search/t/<doc>.txt: each notice's plain text, fetched only for results being shown.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import lru_cache

SHARD_TARGET_BYTES = 24_000
"""Aim for shards about this big; the count is a power of two so it can only double."""


@dataclass(frozen=True, slots=True)
class SearchDoc:
    path: str
    """Site path of the notice page (2020/7/银政发-2020-71/)."""
    title: str
    doc_number: str | None
    issue: str
    """Issue label, 2020年第7期."""
    section: str
    date: str | None
    text: str
    """Everything a reader can read on the page: title, 文号, body, tables, signature."""
    year: int | None = None
    gazette: str = ""
    issuers: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SearchIndex:
    files: dict[str, bytes]
    keys: int
    shards: int

    @property
    def index_bytes(self) -> int:
        """docs.json and the postings: what a search downloads at most, before the texts."""
        return sum(len(data) for path, data in self.files.items()
                   if not path.startswith("search/t/"))

    @property
    def text_bytes(self) -> int:
        return sum(len(data) for path, data in self.files.items() if path.startswith("search/t/"))


_LETTERS_AND_DIGITS = re.compile(r"[^\W_]+")


def normalize(text: str) -> str:
    """Letters and digits only, NFKC and lower case; must match normalize() in search.js."""
    return "".join(_LETTERS_AND_DIGITS.findall(unicodedata.normalize("NFKC", text).lower()))


@lru_cache(maxsize=4096)
def keys_of(text: str) -> Counter[str]:
    """Every single character and every overlapping pair, counted (cached: the preview
    indexes the same notices after every save)."""
    norm = normalize(text)
    keys: Counter[str] = Counter(norm)
    keys.update(norm[i: i + 2] for i in range(len(norm) - 1))
    return keys


def shard_of(key: str, shards: int) -> int:
    """A small string hash; search.js computes the same."""
    value = 0
    for ch in key:
        value = (value * 31 + ord(ch)) & 0xFFFFFFFF
    return value % shards


def build_index(docs: list[SearchDoc]) -> SearchIndex:
    postings: dict[str, list[int]] = defaultdict(list)
    for number, doc in enumerate(docs):
        for key, count in sorted(keys_of(doc.text).items()):
            postings[key] += [number, count]
    size = sum(len(key.encode()) + 6 + 4 * len(values) for key, values in postings.items())
    shards = 1
    while size / shards > SHARD_TARGET_BYTES:
        shards *= 2
    buckets: list[dict[str, list[int]]] = [{} for _ in range(shards)]
    for key in sorted(postings):
        buckets[shard_of(key, shards)][key] = postings[key]
    files = {
        "search/docs.json": _json({
            "version": 1, "shards": shards,
            "docs": [{"path": d.path, "title": d.title, "doc_number": d.doc_number,
                      "issue": d.issue, "section": d.section, "date": d.date, "year": d.year,
                      "gazette": d.gazette, "issuers": list(d.issuers)} for d in docs],
        }),
    }
    for number, bucket in enumerate(buckets):
        files[f"search/g/{number}.json"] = _json(bucket)
    for number, doc in enumerate(docs):
        files[f"search/t/{number}.txt"] = doc.text.encode("utf-8")
    return SearchIndex(files, len(postings), shards)


def _json(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
