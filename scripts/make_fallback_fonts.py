"""Regenerate the bundled fallback fonts in fonts/ from Debian's font packages.

Fandol (GB2312-level coverage) lacks a few characters that real gazettes use: rare Han
characters in names and places (瞭), unit symbols (㎡) and chemical subscripts (CO₂).
We bundle two subsets so that every machine draws them the same way:

- NotoSerifCJKsc-Fallback.otf: Noto Serif CJK SC, cut to the Han blocks and CJK symbols;
- NotoSerif-Fallback.ttf: Noto Serif, for sub/superscripts and other Latin symbols.

Both are under the SIL Open Font License (fonts/LICENSE-Noto-OFL.txt).

Usage (once, by a maintainer; the outputs are committed):
    apt-get download fonts-noto-cjk fonts-noto-core
    dpkg-deb -x fonts-noto-cjk_*.deb x && dpkg-deb -x fonts-noto-core_*.deb x
    python scripts/make_fallback_fonts.py x/usr/share/fonts
"""

import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection, TTFont

CJK_RANGES = [
    (0x2000, 0x206F),  # general punctuation
    (0x2070, 0x209F),  # super- and subscripts
    (0x2100, 0x218F),  # letterlike symbols, number forms (Ⅰ Ⅱ)
    (0x2190, 0x21FF),  # arrows
    (0x2200, 0x22FF),  # mathematical operators
    (0x2460, 0x24FF),  # enclosed alphanumerics (①)
    (0x2500, 0x25FF),  # box drawing, geometric shapes (△ ○ ●)
    (0x2600, 0x26FF),  # miscellaneous symbols (★)
    (0x3000, 0x303F),  # CJK symbols and punctuation
    (0x3200, 0x33FF),  # enclosed CJK, CJK compatibility (㎡)
    (0x3400, 0x4DBF),  # CJK extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0xFE30, 0xFE4F),  # CJK compatibility forms
    (0xFF00, 0xFFEF),  # half- and full-width forms
]
LATIN_RANGES = [(0x0020, 0x024F), (0x2000, 0x20CF), (0x2100, 0x214F)]


def _subset(font: TTFont, ranges: list[tuple[int, int]], dest: Path) -> None:
    options = subset.Options()
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.layout_features = ["*"]
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[cp for lo, hi in ranges for cp in range(lo, hi + 1)])
    subsetter.subset(font)
    font.save(dest)
    print(f"{dest}: {dest.stat().st_size / 1e6:.1f} MB, {len(font.getBestCmap())} characters")


def main(root: str) -> None:
    fonts = Path(__file__).resolve().parent.parent / "fonts"
    ttc = TTCollection(next(Path(root).rglob("NotoSerifCJK-Regular.ttc")))
    sc = next(f for f in ttc.fonts if f["name"].getDebugName(4).endswith("CJK SC"))
    _subset(sc, CJK_RANGES, fonts / "NotoSerifCJKsc-Fallback.otf")
    latin = TTFont(next(Path(root).rglob("NotoSerif-Regular.ttf")))
    _subset(latin, LATIN_RANGES, fonts / "NotoSerif-Fallback.ttf")


if __name__ == "__main__":
    main(sys.argv[1])
