#!/usr/bin/env python3
"""How many justified Chinese lines need letter-spacing added, with and without 标点挤压.

    .venv/bin/python scripts/justify_stats.py [GAZETTE/ISSUE ...]

For each issue the print HTML is built once, then laid out twice with WeasyPrint: as built
(one mark of every pair of full-width punctuation marks set half width, ``span.gw-pc``) and
with those spans removed (every mark full width, as before the compression). It reports the
share of lines that needed expansion and the mean expansion per line, in em.
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


def measure(html: str, base: Path) -> dict[str, float]:
    from weasyprint import HTML

    install_cjk_justification()
    document = HTML(string=html, base_url=str(base) + "/").render()
    stats: dict[str, float] = {}
    justify_document(document, stats)
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
        html = render_print_html(issue, config)
        base = issue.path.resolve()
        after = measure(html, base)
        before = measure(COMPRESSED.sub(r"\1", html), base)
        pairs = len(COMPRESSED.findall(html))
        for name, stats in (("before", before), ("after", after)):
            share = stats["expanded"] / stats["lines"]
            print(f"{target} {name}: {stats['expanded']}/{stats['lines']} lines expanded "
                  f"({share:.1%}), {stats['extra_em'] / stats['expanded']:.2f} em added per line")
        print(f"{target}: {pairs} marks set half width")


if __name__ == "__main__":
    main(sys.argv[1:])
