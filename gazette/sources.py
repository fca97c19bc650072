"""Reading source files: text decoding and YAML with the position of every key.

Editors' files come from many tools. This module turns bytes into text or a clear diagnostic
(not UTF-8, binary, too large), and YAML into data plus a map from each key path to its line,
so that later validation can point at the exact line of a bad field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .diagnostics import Diagnostic, GazetteError, Location, Severity

MAX_SOURCE_BYTES = 2 * 1024 * 1024
"""No gazette notice comes near this; a bigger file is a mistake (a PDF renamed to .md…)."""

KeyPath = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class YamlDocument:
    """Parsed YAML plus the 1-based (line, column) of every mapping key and sequence item."""

    data: Any
    positions: dict[KeyPath, tuple[int, int]] = field(default_factory=dict)

    def line_of(self, *path: str | int) -> int | None:
        """Line of the deepest known prefix of ``path`` (a missing key points at its parent)."""
        for end in range(len(path), -1, -1):
            pos = self.positions.get(tuple(path[:end]))
            if pos:
                return pos[0]
        return None


def _fail(rel: str, code: str, message: str, hint: str | None = None, line: int | None = None):
    raise GazetteError(Diagnostic(Severity.ERROR, code, message, Location(rel, line), hint))


def read_text(path: Path, rel: str, encoding: str | None = None) -> str:
    """Read an editor's text file: UTF-8 (a BOM is fine), refusing binary and huge files.

    ``encoding`` lets an editor read a legacy GB18030/GBK file explicitly (``--encoding gbk``).
    """
    try:
        size = path.stat().st_size
        if size > MAX_SOURCE_BYTES:
            _fail(rel, "source.too-large",
                  f"文件过大（{size // 1024} KB，上限 {MAX_SOURCE_BYTES // 1024} KB），不像是稿件",
                  "请确认选对了文件；公报稿件应是纯文本的 Markdown 文件")
        data = path.read_bytes()
    except OSError as exc:
        _fail(rel, "source.unreadable", f"无法读取文件：{exc.strerror}")
    if b"\x00" in data[:8192]:
        _fail(rel, "source.binary", "这是二进制文件，不是文本稿件",
              "Word、WPS 或 PDF 文件请先另存为纯文本，再整理成 Markdown")
    if encoding:
        try:
            return data.decode(encoding).lstrip("\ufeff")
        except (UnicodeDecodeError, LookupError) as exc:
            _fail(rel, "source.encoding", f"无法按 {encoding} 编码读取：{exc}")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        hint = "请用编辑器将文件另存为 UTF-8 编码"
        try:
            data.decode("gb18030")
            hint = ("文件似乎是 GBK/GB18030 编码：请另存为 UTF-8（如 iconv -f GB18030 -t UTF-8），"
                    "或在命令中加 --encoding gb18030")
        except UnicodeDecodeError:
            pass
        _fail(rel, "source.encoding", "文件不是 UTF-8 编码", hint, line)


def load_yaml(text: str, rel: str, first_line: int = 1) -> YamlDocument:
    """Parse YAML safely; ``first_line`` is the file line where ``text`` starts."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + first_line if mark else None
        problem = exc.problem or exc.context or "格式错误"
        _fail(rel, "yaml.syntax", f"YAML 格式错误：{problem}",
              "检查缩进、冒号后的空格和引号是否成对；含有冒号的值请加引号", line)
    except yaml.YAMLError as exc:
        _fail(rel, "yaml.syntax", f"YAML 格式错误：{exc}")
    finally:
        loader.dispose()
    positions: dict[KeyPath, tuple[int, int]] = {}
    if node is not None:
        _record_positions(node, (), positions, first_line)
    return YamlDocument(data, positions)


def _record_positions(node: yaml.Node, path: KeyPath, out: dict, first_line: int) -> None:
    out.setdefault(path, (node.start_mark.line + first_line, node.start_mark.column + 1))
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node)
            out[path + (key,)] = (key_node.start_mark.line + first_line,
                                  key_node.start_mark.column + 1)
            _record_positions(value_node, path + (key,), out, first_line)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _record_positions(item, path + (index,), out, first_line)
