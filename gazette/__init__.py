"""gazette: typesets Chinese local-government gazettes (政府公报) from Markdown notices.

Public API: ``load_config(path)`` and ``build_issue(config, key, diags)``; the work is in
stage modules (config → content → markup → issue → render_pdf / render_html → output).
"""

__version__ = "0.1.0"
__all__ = ["__version__", "build_issue", "load_config"]


def __getattr__(name: str):
    """The public API, imported on first use: ``gazette.cli`` and a rebuild that reuses its
    outputs need only a few of the stage modules."""
    if name == "build_issue":
        from .build import build_issue

        return build_issue
    if name == "load_config":
        from .config import load_config

        return load_config
    raise AttributeError(f"module 'gazette' has no attribute {name!r}")
