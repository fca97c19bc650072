"""Shared fixtures: the real project, a scratch copy to mutate, and the sample issue built once."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import pytest

from gazette.build import build_issue
from gazette.config import load_config, load_project
from gazette.content import all_issues
from gazette.diagnostics import Diagnostics

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_GAZETTE = "yinchuan"
SAMPLE = "2020-07"
"""The calibrated sample issue (银川 2020年第7期); legacy tests mutate it in a one-gazette copy."""
PROJECT = load_project(ROOT / "config.yaml")
BUNDLED = tuple(config.issue_address(path.name) for config, path in all_issues(PROJECT))
"""Every bundled issue of every gazette (yinchuan/2020-07 …): found, never listed by hand, so
adding or removing an issue or a gazette needs no test change."""
# Debian's Chromium, installed by scripts/setup.sh; never a downloaded browser. The flags keep
# it from reaching for the network, which this machine does not have.
PASSPHRASE = "公报-口令-2020"
"""The passphrase of the session's encrypted signing key (pki fixture)."""
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


_SHARED_CUTS: list[Path] = []


@pytest.fixture(scope="session", autouse=True)
def shared_webfont_cuts(tmp_path_factory) -> Path:
    """One folder of cut web fonts for the whole run (see share_webfont_cuts): beside the
    workers' own folders when pytest-xdist runs several, so that a font cut by one worker is
    not cut again by the other (webfonts._cut_all locks the folder while it cuts)."""
    base = tmp_path_factory.getbasetemp()
    shared = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "webfont-cuts"
    shared.mkdir(exist_ok=True)
    _SHARED_CUTS[:] = [shared]
    return _SHARED_CUTS[0]


def share_webfont_cuts(root: Path) -> None:
    """Point a scratch project's build/.cache/webfonts/ at the session's one folder. A cut is
    keyed by the font's and the characters' hashes, so every copy of the project would
    otherwise compress the same cuts again (brotli: ~0.7 s each, ~40 s for a first build of
    even a one-notice issue)."""
    if _SHARED_CUTS:
        cache = root / "build" / ".cache"
        cache.mkdir(parents=True, exist_ok=True)
        if not (cache / "webfonts").is_symlink():
            (cache / "webfonts").symlink_to(_SHARED_CUTS[0], target_is_directory=True)


@pytest.fixture(scope="session")
def config():
    return load_config(ROOT / "config.yaml", SAMPLE_GAZETTE)


def one_gazette_config(gazette_id: str) -> str:
    """config.yaml of a one-gazette project holding ``gazette_id`` of the bundled project: its
    block from config.yaml, dedented, and the shared fonts (comments kept)."""
    lines = (ROOT / "config.yaml").read_text(encoding="utf-8").split("\n")
    start = lines.index(f"  {gazette_id}:") + 1
    end = next((i for i in range(start, len(lines))
                if lines[i].startswith("  ") and not lines[i].startswith("    ")
                and lines[i].strip() and not lines[i].lstrip().startswith("#")), len(lines))
    while end > start and lines[end - 1].lstrip().startswith("#"):
        end -= 1
    block = [line[4:] for line in lines[start:end]]
    fonts_start = lines.index("fonts:")
    fonts_end = next(i for i in range(fonts_start + 1, len(lines))
                     if lines[i] and not lines[i].startswith(" "))
    return "\n".join(block + [""] + lines[fonts_start:fonts_end]).rstrip() + "\n"


def copy_project(dest: Path, issues: tuple[str, ...] = (SAMPLE,),
                 gazette: str = SAMPLE_GAZETTE) -> Path:
    """A writable one-gazette copy of the project holding ``gazette``'s ``issues`` in
    content/<issue>/ (fonts linked, not copied), for tests that edit files."""
    dest.mkdir(parents=True, exist_ok=True)
    (dest / "config.yaml").write_text(one_gazette_config(gazette), encoding="utf-8")
    shutil.copytree(ROOT / "layouts", dest / "layouts")
    (dest / "fonts").symlink_to(ROOT / "fonts")
    for key in issues:
        shutil.copytree(ROOT / "content" / gazette / key, dest / "content" / key)
    return dest


def copy_whole_project(dest: Path) -> Path:
    """A writable copy of the bundled project as it is: every gazette, every issue (web-font
    cuts shared with the session)."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "config.yaml", dest / "config.yaml")
    shutil.copytree(ROOT / "layouts", dest / "layouts")
    shutil.copytree(ROOT / "content", dest / "content")
    (dest / "fonts").symlink_to(ROOT / "fonts")
    share_webfont_cuts(dest)
    return dest


@pytest.fixture
def scratch(tmp_path) -> Path:
    return copy_project(tmp_path / "project")


@pytest.fixture(scope="session")
def sample_build(tmp_path_factory):
    """The bundled issue built once per test session into a scratch copy of the project."""
    root = copy_project(tmp_path_factory.mktemp("sample"))
    share_webfont_cuts(root)
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


@pytest.fixture(scope="session")
def whole_project(tmp_path_factory) -> Path:
    """One copy of the whole bundled project, shared by the per-issue builds below."""
    return copy_whole_project(tmp_path_factory.mktemp("whole"))


@pytest.fixture(scope="session", params=BUNDLED)
def bundled_build(request, whole_project):
    """Each bundled issue of each gazette, built once per session (PDF and web edition).

    Kept by address: pytest sets a parametrised session fixture up again when the tests of
    a worker interleave its parameters, and a second build of unchanged inputs is only a
    reuse (gazette.buildcache) that carries no Issue."""
    return build_bundled(request.param, whole_project)


def build_bundled(address: str, whole_project: Path) -> tuple:
    """(config, result, diagnostics) of one bundled issue, built once per session."""
    from gazette.content import resolve_issue

    if address not in _BUNDLED_RESULTS:
        project = load_project(whole_project / "config.yaml")
        gazette, path = resolve_issue(project, address)
        diags = Diagnostics()
        result = build_issue(gazette, path.name, diags)
        assert result is not None, "\n".join(d.format() for d in diags)
        _BUNDLED_RESULTS[address] = (gazette.with_layout(dict(result.issue.meta.layout)),
                                     result, diags)
    return _BUNDLED_RESULTS[address]


_BUNDLED_RESULTS: dict[str, tuple] = {}


def _certificate(subject: str, key, issuer_name, issuer_key, *, ca: bool):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.x509.oid import NameOID

    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "测试用公报室")])
    now = dt.datetime.now(dt.timezone.utc)
    builder = (x509.CertificateBuilder().subject_name(name)
               .issuer_name(issuer_name or name).public_key(key.public_key())
               .serial_number(x509.random_serial_number())
               .not_valid_before(now - dt.timedelta(days=1))
               .not_valid_after(now + dt.timedelta(days=30))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
               .add_extension(x509.KeyUsage(
                   digital_signature=not ca, content_commitment=not ca, key_encipherment=False,
                   data_encipherment=False, key_agreement=False, key_cert_sign=ca,
                   crl_sign=ca, encipher_only=False, decipher_only=False), critical=True))
    return builder.sign(issuer_key or key, hashes.SHA256())


@pytest.fixture(scope="session")
def pki(tmp_path_factory):
    """A throwaway CA, a signing key (also encrypted with PASSPHRASE) and certificate issued
    by it, and an unrelated CA with its key."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    folder = tmp_path_factory.mktemp("pki")

    def key():
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def pem(cert) -> bytes:
        return cert.public_bytes(serialization.Encoding.PEM)

    ca_key, other_key, signer_key = key(), key(), key()
    ca = _certificate("测试根证书", ca_key, None, None, ca=True)
    other = _certificate("无关的根证书", other_key, None, None, ca=True)
    signer = _certificate("银川市人民政府公报室", signer_key, ca.subject, ca_key, ca=False)
    (folder / "ca.pem").write_bytes(pem(ca))
    (folder / "other-ca.pem").write_bytes(pem(other))
    (folder / "signer.pem").write_bytes(pem(signer))
    (folder / "signer.key").write_bytes(signer_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    (folder / "signer-encrypted.key").write_bytes(signer_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(PASSPHRASE.encode())))
    (folder / "other.key").write_bytes(other_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    (folder / "garbage.key").write_bytes("这不是私钥\n".encode())
    return folder
