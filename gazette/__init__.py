"""gazette: typesets Chinese local-government gazettes (政府公报) from Markdown notices.

Public API: ``load_config(path)`` and ``build_issue(config, key, diags)``; the work is in
stage modules (config → content → markup → issue → render_pdf / render_html → output).
"""

from .build import build_issue
from .config import load_config

__version__ = "0.1.0"
__all__ = ["__version__", "build_issue", "load_config"]
