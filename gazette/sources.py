"""Reading source files: text decoding and YAML with the position of every key.

Editors' files come from many tools. This module turns bytes into text or a clear diagnostic
(not UTF-8, binary, too large), and YAML into data plus a map from each key path to its line,
so that later validation can point at the exact line of a bad field.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import yaml

from .diagnostics import Diagnostic, GazetteError, Location, Severity

MAX_SOURCE_BYTES = 2 * 1024 * 1024
"""No gazette notice comes near this; a bigger file is a mistake (a PDF renamed to .md…)."""

KeyPath = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class SourceText:
    """A decoded source file and how it was stored, so a fix can write it back the same way."""

    text: str
    encoding: str
    """"utf-8", or the legacy encoding an editor named with --encoding."""
    bom: bool


@dataclass(frozen=True, slots=True)
class ScalarSpan:
    """Where a scalar value is written: its first character's 1-based line and column."""

    line: int
    column: int
    exact: bool
    """True when the value sits on one line exactly as parsed (plain, or quoted without
    escapes), so its n-th character is at ``column + n`` and can be located or fixed."""


@dataclass(frozen=True, slots=True)
class YamlDocument:
    """Parsed YAML plus the 1-based (line, column) of every mapping key and sequence item."""

    data: Any
    positions: dict[KeyPath, tuple[int, int]] = field(default_factory=dict)
    scalars: dict[KeyPath, ScalarSpan] = field(default_factory=dict)

    def line_of(self, *path: str | int) -> int | None:
        """Line of the deepest known prefix of ``path`` (a missing key points at its parent)."""
        return self.position_of(*path)[0]

    def position_of(self, *path: str | int) -> tuple[int | None, int | None]:
        """(line, column) of the deepest known prefix of ``path``."""
        for end in range(len(path), -1, -1):
            pos = self.positions.get(tuple(path[:end]))
            if pos:
                return pos
        return None, None

    def value_position(self, path: KeyPath, offset: int = 0) -> tuple[int | None, int | None, bool]:
        """(line, column, exact) of character ``offset`` of the scalar value at ``path``."""
        span = self.scalars.get(path)
        if span is None:
            line, column = self.position_of(*path)
            return line, column, False
        if span.exact:
            return span.line, span.column + offset, True
        return span.line, span.column, False


def _fail(rel: str, code: str, message: str, hint: str | None = None,
          line: int | None = None) -> NoReturn:
    raise GazetteError(Diagnostic(Severity.ERROR, code, message, Location(rel, line), hint))


def read_text(path: Path, rel: str, encoding: str | None = None) -> str:
    """Read an editor's text file: UTF-8 (a BOM is fine), refusing binary and huge files.

    ``encoding`` lets an editor read a legacy GB18030/GBK file explicitly (``--encoding gbk``).
    """
    return read_source(path, rel, encoding).text


def read_source(path: Path, rel: str, encoding: str | None = None) -> SourceText:
    """:func:`read_text` plus the encoding and BOM found.

    UTF-8 is always tried first, so ``--encoding gb18030`` on an issue whose other files are
    UTF-8 reads those correctly instead of turning them into mojibake (GB18030 decodes almost
    any bytes without complaint).
    """
    data = read_capped(path, rel)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) and not encoding:
        _fail(rel, "source.encoding", "文件是 UTF-16 编码，不是 UTF-8",
              "请用编辑器将文件另存为 UTF-8，或在命令中加 --encoding utf-16", 1)
    nul = data.find(b"\x00", 0, 8192)
    if nul >= 0 and not encoding:
        _binary(rel, data[:nul].count(b"\n") + 1)
    try:
        source = _decoded(data.decode("utf-8"), "utf-8", rel)
    except UnicodeDecodeError as exc:
        if encoding:
            try:
                return _decoded(data.decode(encoding), encoding, rel)
            except (UnicodeDecodeError, LookupError) as error:
                _fail(rel, "source.encoding", f"无法按 {encoding} 编码读取：{error}")
        line = data[: exc.start].count(b"\n") + 1
        hint = "请用编辑器将文件另存为 UTF-8 编码"
        try:
            data.decode("gb18030")
            hint = ("文件似乎是 GBK/GB18030 编码：请另存为 UTF-8（如 iconv -f GB18030 -t UTF-8），"
                    "或在命令中加 --encoding gb18030 读取；gazette check --fix --encoding gb18030 "
                    "会把它转换为 UTF-8")
        except UnicodeDecodeError:
            pass
        _fail(rel, "source.encoding", "文件不是 UTF-8 编码", hint, line)
    return source


def read_capped(path: Path, rel: str, limit: int = MAX_SOURCE_BYTES) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes.

    Opened without blocking and checked on the open descriptor, so a FIFO (which would wait
    forever for a writer) or a device such as /dev/zero (whose size ``stat`` reports as 0 and
    which never ends) is refused; the read itself stops at ``limit + 1`` bytes whatever the
    file claims.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        _fail(rel, "source.unreadable", f"无法读取文件：{exc.strerror}")
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            _fail(rel, "source.not-a-file",
                  "这不是普通文件（可能是管道、设备或指向设备的链接），不能作为稿件读取",
                  "请把它换成普通的文本文件")
        try:
            data = handle.read(limit + 1)
        except OSError as exc:
            _fail(rel, "source.unreadable", f"无法读取文件：{exc.strerror}")
    if len(data) > limit:
        size = max(len(data), path.stat().st_size)
        _fail(rel, "source.too-large",
              f"文件过大（{size // 1024} KB，上限 {limit // 1024} KB），不像是稿件",
              "请确认选对了文件；公报稿件应是纯文本的 Markdown 文件")
    return data


def _decoded(text: str, encoding: str, rel: str) -> SourceText:
    if "\x00" in text:
        _binary(rel, text[: text.index("\x00")].count("\n") + 1)
    return SourceText(text.removeprefix("\ufeff"), encoding, text.startswith("\ufeff"))


def _binary(rel: str, line: int) -> NoReturn:
    _fail(rel, "source.binary", "这是二进制文件，不是文本稿件",
          "Word、WPS 或 PDF 文件请先另存为纯文本，再整理成 Markdown", line)


class _Constructing:
    """Value errors that carry a position instead of escaping as ValueError.

    PyYAML builds ``date: 2020-02-30`` with datetime.date and lets its ValueError through; here
    an impossible date stays text, so the schema says which date is not a real one, and any
    other unbuildable value (``!!int x``) becomes a YAML error with its line.
    """

    def construct_yaml_timestamp(self, node):
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError:
            return self.construct_scalar(node)

    def construct_object(self, node, deep=False):
        try:
            return super().construct_object(node, deep)
        except (ValueError, TypeError, OverflowError):
            value = getattr(node, "value", "")
            raise yaml.constructor.ConstructorError(
                None, None, f"无法识别的值“{value}”", node.start_mark) from None


class _SafeLoader(_Constructing, yaml.SafeLoader):
    """The pure-Python parser: its error messages and marks are the ones we explain."""


class _FastLoader(_Constructing, getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """libyaml's parser, several times faster, for the well-formed documents nearly every
    read sees; a document it refuses is parsed again by _SafeLoader for the diagnostic."""


for _loader in (_SafeLoader, _FastLoader):
    _loader.add_constructor("tag:yaml.org,2002:timestamp", _loader.construct_yaml_timestamp)


def load_yaml(text: str, rel: str, first_line: int = 1) -> YamlDocument:
    """Parse YAML safely; ``first_line`` is the file line where ``text`` starts."""
    fast = _FastLoader(text)
    try:
        node = fast.get_single_node()
        data = fast.construct_document(node) if node is not None else None
    except (yaml.YAMLError, RecursionError):
        node, data = _parsed_for_diagnostics(text, rel, first_line)
    finally:
        fast.dispose()
    positions: dict[KeyPath, tuple[int, int]] = {}
    scalars: dict[KeyPath, ScalarSpan] = {}
    if node is not None:
        recorder = _Recorder(rel, first_line, text.split("\n"), positions, scalars)
        _record_positions(node, (), recorder)
    return YamlDocument(data, positions, scalars)


def _parsed_for_diagnostics(text: str, rel: str, first_line: int):
    """The pure-Python parse of a document libyaml refused: raises the error we explain."""
    loader = _SafeLoader(text)
    try:
        node = loader.get_single_node()
        return node, loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        message, line, column = _yaml_error_place(exc, text)
        raise GazetteError(Diagnostic(
            Severity.ERROR, "yaml.syntax", f"YAML 格式错误：{message}",
            Location(rel, line + first_line if line is not None else None, column),
            "检查缩进、冒号后的空格和引号是否成对；含有冒号的值请加引号")) from None
    except yaml.YAMLError as exc:
        _fail(rel, "yaml.syntax", f"YAML 格式错误：{exc}")
    except RecursionError:
        _fail(rel, "yaml.syntax", "YAML 嵌套层次过深", "前言只需要“字段: 值”和简单的列表",
              first_line)
    finally:
        loader.dispose()


_YAML_PROBLEMS = (
    ("mapping values are not allowed", "这里不能再有“: ”（值中含有冒号时，请给整个值加引号）"),
    ("could not find expected ':'", "缺少“字段: 值”中的冒号"),
    ("did not find expected key", "缩进不一致，或缺少“字段:”"),
    ("expected ',' or ']'", "方括号列表 [ ] 没有闭合，或列表项之间缺少逗号"),
    ("expected ',' or '}'", "花括号 { } 没有闭合"),
    ("found unexpected end of stream", "引号没有闭合"),
    ("found character '\\t'", "不能用 Tab 缩进，请改用空格"),
    ("expected <block end>", "缩进不一致"),
    ("found undefined alias", "使用了未定义的别名 *"),
    ("could not determine a constructor", "使用了不支持的 YAML 标签 !!"),
    ("another document", "前言中出现了多余的 ---"),
)


_STARTS_AT_CONTEXT = ("while scanning a simple key", "while scanning a quoted scalar",
                      "while parsing a flow")
"""Errors PyYAML notices only lines later (at the next key, or at the end of the text): the
line that is wrong is where the construct began, PyYAML's context mark."""
_KEY_WITHOUT_SPACE = re.compile(r"^\s*[^\s:#][^:]*:(?=\S)")


def _yaml_error_place(exc: yaml.MarkedYAMLError, text: str) -> tuple[str, int | None, int | None]:
    """Message, 0-based line in ``text`` and 1-based column of a YAML error."""
    context = str(exc.context or "")
    mark = exc.problem_mark or exc.context_mark
    if exc.context_mark is not None and context.startswith(_STARTS_AT_CONTEXT):
        mark = exc.context_mark
    if mark is None:
        return _explain(exc), None, None
    if context.startswith("while scanning a simple key"):
        lines = text.split("\n")
        line = lines[mark.line] if mark.line < len(lines) else ""
        if found := _KEY_WITHOUT_SPACE.match(line):
            return "冒号后缺少空格（应写作“字段: 值”）", mark.line, found.end() + 1
    return _explain(exc), mark.line, mark.column + 1


def _explain(exc: yaml.MarkedYAMLError) -> str:
    """PyYAML's English problem in words an editor understands (the original if unknown)."""
    problem = str(exc.problem or exc.context or "")
    for english, chinese in _YAML_PROBLEMS:
        if english in problem:
            return chinese
    return problem or "无法解析"


@dataclass(frozen=True, slots=True)
class _Recorder:
    rel: str
    first_line: int
    lines: list[str]
    positions: dict[KeyPath, tuple[int, int]]
    scalars: dict[KeyPath, ScalarSpan]
    visited: set[int] = field(default_factory=set)
    """Nodes already walked: an alias repeats a node, and nested aliases (a "billion laughs"
    document) would otherwise make the walk exponential."""

    def position(self, mark) -> tuple[int, int]:
        return mark.line + self.first_line, mark.column + 1


def _record_positions(node: yaml.Node, path: KeyPath, rec: _Recorder) -> None:
    rec.positions.setdefault(path, rec.position(node.start_mark))
    if id(node) in rec.visited:
        return
    rec.visited.add(id(node))
    if isinstance(node, yaml.ScalarNode):
        _refuse_surrogates(node, rec)
        rec.scalars[path] = _scalar_span(node, rec)
    elif isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node)
            if key in seen:
                # PyYAML keeps the last value silently; the first would be lost without a word.
                line, column = rec.position(key_node.start_mark)
                raise GazetteError(Diagnostic(
                    Severity.ERROR, "yaml.duplicate-key", f"字段“{key}”写了不止一次",
                    Location(rec.rel, line, column), "只保留一处；否则前面的值会被丢弃"))
            seen.add(key)
            if isinstance(key_node, yaml.ScalarNode):
                _refuse_surrogates(key_node, rec)
            rec.positions[path + (key,)] = rec.position(key_node.start_mark)
            _record_positions(value_node, path + (key,), rec)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _record_positions(item, path + (index,), rec)


def _refuse_surrogates(node: yaml.ScalarNode, rec: _Recorder) -> None:
    """A lone surrogate ("\\ud800" in a quoted value) is not a character: no font has it and
    no UTF-8 file can hold it, so it would only crash the layout later."""
    for char in node.value:
        if "\ud800" <= char <= "\udfff":
            line, column = rec.position(node.start_mark)
            raise GazetteError(Diagnostic(
                Severity.ERROR, "yaml.surrogate",
                f"“\\u{ord(char):04x}”不是有效的字符（孤立的 UTF-16 代理项）",
                Location(rec.rel, line, column),
                "删去这个转义序列；要写的字请直接输入，不要用 \\u 转义"))


def _scalar_span(node: yaml.ScalarNode, rec: _Recorder) -> ScalarSpan:
    line, column = rec.position(node.start_mark)
    start = node.start_mark.column + (1 if node.style in ("'", '"') else 0)
    index = node.start_mark.line
    exact = ((node.style or None) in (None, "'", '"') and node.start_mark.line == node.end_mark.line
             and index < len(rec.lines)
             and rec.lines[index][start: start + len(node.value)] == node.value)
    return ScalarSpan(line, start + 1 if exact else column, exact)
