"""Write gazette/data/common_chars.txt: Chinese characters by frequency, most common first.

The web edition cuts its body font into slices along this order (gazette.webfonts), so the
order must not depend on the content being published: it comes from the word frequencies of
jieba's dictionary (a general corpus of modern Chinese, pinned with jieba), each word's count
credited to every character in it. Re-running the script gives the same file.

Usage: .venv/bin/python scripts/make_common_chars.py
"""

from __future__ import annotations

import collections
import unicodedata
from pathlib import Path

import jieba

COUNT = 3000
OUT = Path(__file__).resolve().parent.parent / "gazette" / "data" / "common_chars.txt"


def main() -> None:
    counts: collections.Counter[str] = collections.Counter()
    with open(Path(jieba.__file__).parent / "dict.txt", encoding="utf-8") as dictionary:
        for line in dictionary:
            word, freq, *_ = line.split(" ")
            for ch in word:
                if unicodedata.name(ch, "").startswith("CJK UNIFIED IDEOGRAPH"):
                    counts[ch] += int(freq)
    ranked = sorted(counts, key=lambda ch: (-counts[ch], ord(ch)))[:COUNT]
    lines = ["".join(ranked[i:i + 50]) for i in range(0, len(ranked), 50)]
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{OUT}: {len(ranked)} characters")


if __name__ == "__main__":
    main()
