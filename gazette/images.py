"""One policy for the images notices reference, applied in the markup stage that check, the
PDF and the web edition share, so an image either passes everywhere or is an error everywhere.

- only regular files of at most :data:`MAX_IMAGE_BYTES`;
- raster images (PNG, JPEG, GIF, WebP, BMP, TIFF) must decode, and at most
  :data:`MAX_IMAGE_PIXELS` pixels (a decompression bomb is a tiny file of gigapixels);
- SVG is published as written (the web edition serves the file itself), so it must be inert:
  no DOCTYPE or entities, no scripts, event handlers, ``<foreignObject>``, and no references
  to anything but its own fragments (``href="#…"``, ``url(#…)``). Such an SVG is refused,
  not rewritten: the build never changes what an editor supplied.
"""

from __future__ import annotations

import os
import re
import stat
import warnings
from pathlib import Path
from xml.etree import ElementTree

MAX_IMAGE_BYTES = 20 * 1024 * 1024
MAX_IMAGE_PIXELS = 40_000_000
"""40 megapixels: an A4 page scanned at 600 dpi is 35; more is a mistake or an attack."""

RASTER = {".png", ".jpg", ".jpeg", ".gif", ".webp", ".bmp", ".tif", ".tiff"}
_SVG_NS = "{http://www.w3.org/2000/svg}"
_FORBIDDEN_TAGS = {"script", "foreignObject", "iframe", "object", "embed", "handler", "listener"}
_EXTERNAL_URL = re.compile(r"url\(\s*['\"]?\s*(?!#)", re.IGNORECASE)
_IMPORT = re.compile(r"@import", re.IGNORECASE)


def image_problem(path: Path) -> str | None:
    """Why ``path`` cannot be published as an image (None if it can), in Chinese."""
    try:
        info = os.stat(path)
    except OSError as exc:
        return f"无法读取：{exc.strerror}"
    if not stat.S_ISREG(info.st_mode):
        return "不是普通文件（可能是管道或设备）"
    if info.st_size > MAX_IMAGE_BYTES:
        return f"文件过大（{info.st_size // (1024 * 1024)} MB，上限 {MAX_IMAGE_BYTES // (1024 * 1024)} MB）"
    suffix = path.suffix.lower()
    if suffix == ".svg":
        return svg_problem(path.read_bytes())
    if suffix in RASTER:
        return raster_problem(path)
    return f"不支持的图片格式“{path.suffix}”，请用 PNG、JPEG 或 SVG"


def raster_problem(path: Path) -> str | None:
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                width, height = image.size
                if width * height > MAX_IMAGE_PIXELS:
                    return (f"像素过多（{width}×{height}，上限 {MAX_IMAGE_PIXELS // 1_000_000} 百万像素），"
                            "可能是“解压炸弹”")
                image.verify()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        return f"像素过多（上限 {MAX_IMAGE_PIXELS // 1_000_000} 百万像素），可能是“解压炸弹”"
    except Exception:  # noqa: BLE001 - Pillow raises many types for a broken file
        return "文件已损坏，或扩展名与实际格式不符（不是有效的图片）"
    return None


def svg_problem(data: bytes) -> str | None:
    """Why an SVG is not inert (None if it is)."""
    head = data[:4096].lower()
    if b"<?xml-stylesheet" in data.lower():
        return "SVG 中不能引用外部样式表（<?xml-stylesheet?>）"
    if b"<!doctype" in head or b"<!entity" in data.lower():
        return "SVG 中不能有 DOCTYPE 或实体声明（<!ENTITY>），它们可以读取其他文件"
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError as exc:
        return f"SVG 格式错误：{exc}"
    if root.tag not in (f"{_SVG_NS}svg", "svg"):
        return "不是 SVG 图片（根元素不是 <svg>）"
    for element in root.iter():
        tag = element.tag.rsplit("}", 1)[-1] if isinstance(element.tag, str) else ""
        if tag in _FORBIDDEN_TAGS:
            return f"SVG 中不能有 <{tag}>（脚本或嵌入内容）"
        for name, value in element.attrib.items():
            local = name.rsplit("}", 1)[-1]
            if local.lower().startswith("on"):
                return f"SVG 中不能有事件属性 {local}（脚本）"
            if local == "href" and not value.strip().startswith("#"):
                return f"SVG 中不能引用外部资源：{value[:60]}"
            if _EXTERNAL_URL.search(value) or _IMPORT.search(value):
                return f"SVG 中不能引用外部资源：{value[:60]}"
        if tag == "style" and element.text and (_EXTERNAL_URL.search(element.text)
                                                or _IMPORT.search(element.text)):
            return "SVG 的样式中不能引用外部资源（url(…)、@import）"
    return None
