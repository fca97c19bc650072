#!/usr/bin/env python3
"""How many justified Chinese lines need letter-spacing added, with and without 标点挤压.

    .venv/bin/python scripts/justify_stats.py [GAZETTE/ISSUE ...]

For each issue the print HTML is built once (without page fitting), then laid out three times
with WeasyPrint: with no compression at all (the ``span.gw-pc`` of paired marks removed, single
marks never compressed), with paired marks only (``gw-pc``), and as built (paired marks, and
single marks compressed when that lets a line take one more unit instead of being
letter-spaced, whatever the issue's page.punctuation_squeeze says). It reports the share of
lines that needed expansion, the mean expansion per line in em, and the lines that took a unit
by compression.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gazette.config import load_project  # noqa: E402
from gazette.content import find_issue  # noqa: E402
from gazette.diagnostics import Diagnostics  # noqa: E402
from gazette.issue import load_issue  # noqa: E402
from gazette.render_pdf import render_print_html  # noqa: E402
from gazette.typography import install_cjk_justification, justify_document  # noqa: E402

COMPRESSED = re.compile(r'<span class="gw-pc">(.)</span>')


def measure(html: str, base: Path, squeeze: bool) -> dict[str, float]:
    from weasyprint import HTML

    from weasyprint.text.fonts import FontConfiguration

    install_cjk_justification()
    fonts = FontConfiguration()
    fonts.gazette_squeeze = squeeze
    document = HTML(string=html, base_url=str(base) + "/").render(font_config=fonts)
    stats: dict[str, float] = {"squeezed": 0}
    justify_document(document, stats)
    stats["pages"] = len(document.pages)
    return stats


def main(keys: list[str]) -> None:
    project = load_project(ROOT / "config.yaml")
    targets = keys or [f"{g.id}/{p.name}" for g in project.gazettes
                       for p in sorted((ROOT / "content" / g.id).iterdir()) if p.is_dir()]
    for target in targets:
        gazette, _, key = target.partition("/")
        config = project.gazette(gazette)
        issue = load_issue(config, find_issue(config, key), Diagnostics())
        if issue is None:
            print(f"{target}: 有错误，跳过")
            continue
        html = render_print_html(issue, config.with_layout(dict(issue.meta.layout)))
        base = issue.path.resolve()
        none = measure(COMPRESSED.sub(r"\1", html), base, squeeze=False)
        pairs = measure(html, base, squeeze=False)
        built = measure(html, base, squeeze=True)
        for name, stats in (("no compression", none), ("paired marks", pairs),
                            ("paired + single", built)):
            share = stats["expanded"] / stats["lines"]
            print(f"{target} {name}: {stats['expanded']}/{stats['lines']} lines expanded "
                  f"({share:.1%}), {stats['extra_em'] / stats['expanded']:.2f} em added per line, "
                  f"{stats['squeezed']} lines took a unit by compressing marks, "
                  f"{stats['pages']} pages")
        print(f"{target}: {len(COMPRESSED.findall(html))} paired marks set half width")


if __name__ == "__main__":
    main(sys.argv[1:])
