#!/usr/bin/env python3
"""What the archive-grade PDF costs: writing one laid-out issue as a plain PDF against writing it
as tagged PDF/A-3a with its sources attached, in the same process, CPU time.

    .venv/bin/python scripts/bench_pdfa.py [--issue yinchuan/2020-07] [--runs 5]

The layout is done once; then the two writes alternate ``--runs`` times and the medians are
reported, with the time to collect the sources and hash them into the manifest.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--issue", default="yinchuan/2020-07")
    parser.add_argument("--runs", type=int, default=5)
    options = parser.parse_args()

    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    from gazette.archive import PDF_VARIANT, _FONT_HASHES, archive_files, pdf_attachments
    from gazette.check import BUILD_RULES, validate_issue
    from gazette.config import load_project
    from gazette.content import resolve_issue
    from gazette.diagnostics import Diagnostics
    from gazette.render_html import places_json
    from gazette.render_pdf import element_pages, render_print_html
    from gazette.typography import install_cjk_justification, justify_document

    install_cjk_justification()
    config, path = resolve_issue(load_project(ROOT / "config.yaml"), options.issue)
    issue = validate_issue(config, path, Diagnostics(), None, rules=BUILD_RULES)
    printed = config.with_layout(dict(issue.meta.layout))
    html = render_print_html(issue, printed)
    document = HTML(string=html, base_url=str(path.resolve()) + "/").render(
        font_config=FontConfiguration())
    justify_document(document)
    plain, archived, manifest = [], [], []
    for _ in range(options.runs):
        started = time.process_time()
        document.write_pdf(pdf_identifier=b"bench", pdf_tags=False, custom_metadata=True)
        plain.append(time.process_time() - started)
        _FONT_HASHES.clear()
        started = time.process_time()
        files = archive_files(config, issue, {"pages.json": places_json(element_pages(document))})
        manifest.append(time.process_time() - started)
        started = time.process_time()
        document.write_pdf(pdf_identifier=b"bench", pdf_variant=PDF_VARIANT, custom_metadata=True,
                           attachments=pdf_attachments(files, issue.meta.published))
        archived.append(time.process_time() - started)
    print(f"{options.issue} ({len(document.pages)} pages), CPU seconds, median of {options.runs}:")
    print(f"  write plain PDF            {statistics.median(plain):.2f}")
    print(f"  write PDF/A-3a + sources   {statistics.median(archived):.2f}")
    print(f"  collect sources + manifest {statistics.median(manifest):.2f} (fonts hashed each time)")


if __name__ == "__main__":
    main()
