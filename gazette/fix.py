"""``gazette check --fix``: apply the safe mechanical edits, and prove they changed no wording.

Only edits that diagnostics carry are applied (punctuation width, 〔〕 in 发文字号, stray
spaces between Chinese characters), and only where the file still holds the text an edit
expects. Before anything is written the new text must parse as the old one did and must read
the same once punctuation width, bracket shape and spaces are set aside; a file that cannot be
decoded or parsed is never touched. Files are replaced atomically, keeping their BOM; with
``--encoding`` a legacy GB18030/GBK file is converted to UTF-8, which is lossless.
"""

from __future__ import annotations

import difflib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .config import Config
from .content import notice_files, split_front_matter
from .diagnostics import Diagnostic, Diagnostics, Edit, GazetteError, Location
from .output import write_atomic
from .sources import SourceText, load_yaml, read_source

_FOLD = str.maketrans({
    **dict.fromkeys("〔【［[（(", "("), **dict.fromkeys("〕】］]）)", ")"),
    **dict.fromkeys("“”\"", '"'), "，": ",", "。": ".", "；": ";", "：": ":", "？": "?", "！": "!",
    " ": None, "\t": None, "\u3000": None,
})


def skeleton(value: Any) -> Any:
    """Text with the differences a fix may make folded away: what is left is its wording."""
    return value.translate(_FOLD) if isinstance(value, str) else value


@dataclass(slots=True)
class FileFix:
    path: Path
    rel: str
    source: SourceText
    data: bytes
    """The file's bytes when it was checked; it is written only if it still holds them."""
    after: str
    written: bool = False

    @property
    def converts(self) -> bool:
        return self.source.encoding != "utf-8"

    def diff(self) -> str:
        lines = difflib.unified_diff(self.source.text.splitlines(keepends=True),
                                     self.after.splitlines(keepends=True),
                                     f"a/{self.rel}", f"b/{self.rel}")
        text = "".join(line if line.endswith("\n") else line + "\n" for line in lines)
        if self.converts:
            text = f"# {self.rel}：由 {self.source.encoding} 编码转换为 UTF-8\n" + text
        return text.rstrip("\n")


def plan_fixes(config: Config, diagnostics: Iterable[Diagnostic], issue_paths: list[Path],
               skipped: Diagnostics, *, encoding: str | None = None) -> list[FileFix]:
    """The files to rewrite and their new text; problems go to ``skipped``."""
    edits: dict[str, list[Edit]] = defaultdict(list)
    for diagnostic in diagnostics:
        edits[diagnostic.location.path].extend(diagnostic.fix)
    if encoding:
        for issue_dir in issue_paths:
            for path in [issue_dir / "issue.yaml", *notice_files(issue_dir)]:
                edits.setdefault(path.relative_to(config.root).as_posix(), [])
    plans = []
    for rel, file_edits in sorted(edits.items()):
        try:
            plan = _plan(config, rel, file_edits, encoding)
        except GazetteError as exc:
            skipped.warning("fix.skipped", f"未自动修正这个文件：{exc.diagnostic.message}",
                            Location(rel), "请先改正上面报告的错误，再运行 gazette check --fix")
            continue
        if plan is not None:
            plans.append(plan)
    return plans


def _plan(config: Config, rel: str, edits: list[Edit], encoding: str | None) -> FileFix | None:
    path = (config.root / rel).resolve()
    if not path.is_relative_to((config.root / "content").resolve()) or not path.is_file():
        raise GazetteError.at("fix.skipped", "只修正 content/ 中的稿件", rel)
    data = path.read_bytes()
    source = read_source(path, rel, encoding)
    before = _parse(source.text, rel)
    after = apply_edits(source.text, edits)
    if after == source.text and source.encoding == "utf-8":
        return None
    if _parse(after, rel) != before or skeleton(after) != skeleton(source.text):
        raise GazetteError.at("fix.skipped", "自动修正后内容与原文不一致，已放弃修改", rel)
    return FileFix(path, rel, source, data, after)


def _parse(text: str, rel: str) -> Any:
    """What the file means, folded: the YAML event stream (linear in the text, however many
    aliases it has) and, for a notice, the body."""
    if rel.endswith(".md"):
        front = split_front_matter(text, rel)
        return _events(front.source), skeleton(front.body)
    load_yaml(text, rel)
    return _events(text)


def _events(text: str) -> list[tuple[str, Any, Any, Any]]:
    return [(type(event).__name__, getattr(event, "anchor", None), getattr(event, "tag", None),
             skeleton(getattr(event, "value", None)))
            for event in yaml.parse(text, Loader=yaml.SafeLoader)]


def apply_edits(text: str, edits: Iterable[Edit]) -> str:
    """Apply the edits whose original text is still in place; overlapping ones are left for
    the next run (the check that follows reports them)."""
    starts = [0]
    for line in text.split("\n"):
        starts.append(starts[-1] + len(line) + 1)
    placed = []
    for edit in edits:
        if not 1 <= edit.line < len(starts):
            continue
        offset = starts[edit.line - 1] + edit.column - 1
        if text[offset: offset + len(edit.original)] == edit.original:
            placed.append((offset, offset + len(edit.original), edit.replacement))
    result = []
    position = 0
    for start, end, replacement in sorted(set(placed)):
        if start < position:
            continue
        result += [text[position:start], replacement]
        position = end
    result.append(text[position:])
    return "".join(result)


def apply_fix(fix: FileFix, skipped: Diagnostics) -> None:
    """Write one planned fix atomically, unless the file changed since it was checked."""
    if fix.path.read_bytes() != fix.data:
        skipped.warning("fix.skipped", "文件在检查之后被修改过，未写入自动修正", Location(fix.rel),
                        "重新运行 gazette check --fix")
        return
    write_atomic(fix.path, ("\ufeff" if fix.source.bom else "") + fix.after)
    fix.written = True
