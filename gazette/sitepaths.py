"""Where the outputs live in build/: names shared by the build, its cache and the web edition,
in a module light enough for a rebuild that only checks whether anything changed."""

from __future__ import annotations

from pathlib import Path

from .config import Config

SITE_FOLDER = "site"
PLACES_FILE = "pages.json"


def site_dir(config: Config) -> Path:
    """build/site/, or build/site/<gazette id>/ when the project holds several gazettes: each
    gazette's web edition is a whole site of its own that its office can publish alone."""
    return config.build_dir / site_folder(config)


def site_folder(config: Config) -> str:
    """The web edition's folder relative to build/ (site, or site/<gazette id>)."""
    return f"{SITE_FOLDER}/{config.id}" if config.multi else SITE_FOLDER
