"""Shared fixtures: the real project, a scratch copy to mutate, and the sample issue built once."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from gazette.build import build_issue
from gazette.config import load_config
from gazette.diagnostics import Diagnostics

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = "2020-07"
# Debian's Chromium, installed by scripts/setup.sh; never a downloaded browser. The flags keep
# it from reaching for the network, which this machine does not have.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def config():
    return load_config(ROOT / "config.yaml")


def copy_project(dest: Path, issues: tuple[str, ...] = (SAMPLE,)) -> Path:
    """A writable copy of the project (fonts linked, not copied) for tests that edit files."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "config.yaml", dest / "config.yaml")
    shutil.copytree(ROOT / "layouts", dest / "layouts")
    (dest / "fonts").symlink_to(ROOT / "fonts")
    for key in issues:
        shutil.copytree(ROOT / "content" / key, dest / "content" / key)
    return dest


@pytest.fixture
def scratch(tmp_path) -> Path:
    return copy_project(tmp_path / "project")


@pytest.fixture(scope="session")
def sample_build(tmp_path_factory):
    """The bundled issue built once per test session into a scratch copy of the project."""
    root = copy_project(tmp_path_factory.mktemp("sample"))
    diags = Diagnostics()
    result = build_issue(load_config(root / "config.yaml"), SAMPLE, diags)
    assert result is not None, "\n".join(d.format() for d in diags)
    return result, diags


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium driven by Playwright, one per test module."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
