"""Handing freed memory back to the system between the stages of a big build (issue 12).

CPython frees objects at once, but glibc keeps the freed memory in the process for reuse, and
the next stage's objects (a part's layout, WeasyPrint's pages after jieba's dictionary) rarely
fit the holes: the peak would then stack one stage on top of the freed remains of the last.
"""

from __future__ import annotations

import ctypes
import gc


def give_back() -> None:
    """Collect garbage and return the freed memory to the system (glibc's malloc_trim;
    a no-op elsewhere)."""
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass
