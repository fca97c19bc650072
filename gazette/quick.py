"""``gazette build ISSUE`` with nothing changed, answered before the toolchain is imported.

A rebuild that reuses everything (gazette.buildcache) still starts click, PyYAML, the config
schema and the stage modules only to learn that nothing changed: most of its time. So after
each successful plain ``build ISSUE`` (optionally ``-c``/``--config``, ``--encoding``), the
command leaves a record in ``build/.cache/builds/quick-<argv>.json``: the lines a rebuild with
nothing changed prints, and a snapshot of the stamps (inode, size, mtime, ctime) of

- every file and folder of the project outside build/ (config.yaml, layouts/, content/, fonts/,
  hidden ones skipped as the build skips them),
- every file and folder of build/ as the command left it (outputs and build records; not the
  other caches, nor the records of this module),
- gazette's own files, the folders of ``sys.path`` (an install or upgrade changes them) and the
  interpreter.

When the same command finds every stamp unchanged, the build would find every input and output
as it left them and print those lines again: they are printed (with this run's time) and nothing
else runs. Anything else, even a file touched without a change, goes the normal way. ctime
cannot be set back by a program, so an edit that restores a file's mtime is still seen. The
sources' snapshot is taken before the build reads them and compared afterwards; a file saved
while the build ran leaves no record.
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
import sys
import time

FORMAT = "gazette-quick/1"
SECONDS = "\0seconds\0"
"""Where the time goes in a remembered line."""
_REQUEST: list[dict] = []
"""The plain build this process runs, with its sources' snapshot taken at start-up."""


def main() -> None:
    """The ``gazette`` command: a plain rebuild with nothing changed is answered here."""
    started = time.perf_counter()
    request = _plain_build(sys.argv[1:])
    if request is not None:
        record = _record(request)
        snapshot = _snapshot(request["root"])
        if record is not None and record.get("snapshot") == snapshot:
            elapsed = f"{time.perf_counter() - started:.2f}"
            for err, line in record["lines"]:
                print(line.replace(SECONDS, elapsed), file=sys.stderr if err else sys.stdout)
            return
        request["sources"] = snapshot["sources"]
        _REQUEST.append(request)
    from .cli import main as cli_main

    try:
        cli_main()
    finally:
        # The interpreter's exit would walk every object the command made once more (a
        # full collection, ~0.05 s after a build); nothing is left to free by then.
        gc.freeze()


def requested() -> bool:
    """Whether this process runs a plain build whose outcome may be remembered."""
    return bool(_REQUEST)


def remember(build_dir, lines: list[tuple[bool, str]]) -> None:
    """Leave the record for the next run of this command, unless a source changed while it
    ran (or the project is not where the command looked for it). Best effort: a record that
    cannot be written costs the next run time, never a result."""
    if not _REQUEST:
        return
    request = _REQUEST.pop()
    if os.path.realpath(os.fspath(build_dir)) != os.path.join(request["root"], "build"):
        return
    snapshot = _snapshot(request["root"])
    if snapshot["sources"] != request["sources"]:
        return
    path = _record_path(request)
    data = json.dumps({"format": FORMAT, "argv": request["argv"], "snapshot": snapshot,
                       "lines": lines}, ensure_ascii=False)
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        temporary = f"{path}.{os.getpid()}.tmp"
        with open(temporary, "w", encoding="utf-8") as handle:
            handle.write(data)
        os.replace(temporary, path)
    except OSError:
        pass


def _plain_build(args: list[str]) -> dict | None:
    """``build ISSUE [-c PATH] [--encoding NAME]`` as a request; None for anything else."""
    if not args or args[0] != "build":
        return None
    issue, config, encoding = None, "config.yaml", None
    rest = args[1:]
    while rest:
        arg = rest.pop(0)
        if arg in ("-c", "--config", "--encoding") and rest:
            value = rest.pop(0)
            if arg == "--encoding":
                encoding = value
            else:
                config = value
        elif arg.startswith("--config="):
            config = arg.split("=", 1)[1]
        elif arg.startswith("--encoding="):
            encoding = arg.split("=", 1)[1]
        elif not arg.startswith("-") and issue is None:
            issue = arg
        else:
            return None
    if issue is None:
        return None
    config_path = os.path.realpath(config)
    return {"argv": [issue, config_path, encoding], "root": os.path.dirname(config_path)}


def _record_path(request: dict) -> str:
    name = hashlib.sha256(json.dumps(request["argv"]).encode()).hexdigest()[:16]
    return os.path.join(request["root"], "build", ".cache", "builds", f"quick-{name}.json")


def _record(request: dict) -> dict | None:
    try:
        with open(_record_path(request), encoding="utf-8") as handle:
            record = json.load(handle)
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or record.get("format") != FORMAT:
        return None
    return record if record.get("argv") == request["argv"] else None


def _snapshot(root: str) -> dict:
    build = os.path.join(root, "build")
    package = os.path.dirname(os.path.abspath(__file__))
    return {
        "sources": _stamps(root, skip={build}),
        "build": _stamps(build, skip={os.path.join(build, ".cache")})
        | _stamps(os.path.join(build, ".cache", "builds"), records=False),
        "code": _stamps(package) | {entry: _stamp(entry) for entry in sys.path if entry},
        "python": [sys.executable, sys.version],
    }


def _stamp(path: str) -> list[int] | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return [info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns]


def _stamps(folder: str, skip: set[str] = frozenset(), records: bool = True) -> dict:
    """Stamps of the files in ``folder`` and below it, and its folders as such (folders
    linked in are followed, as the build follows them); hidden entries, ``__pycache__`` and
    ``skip`` left out (``records=False``: also this module's records)."""
    found: dict[str, list[int] | str | None] = {}
    seen: set[str] = set()

    def walk(path: str) -> None:
        real = os.path.realpath(path)
        if real in seen:
            return
        seen.add(real)
        found[path] = "folder"  # its entries are what counts: a folder's own times change
        try:
            entries = list(os.scandir(path))
        except OSError:
            return
        for entry in entries:
            if (entry.name.startswith(".") or entry.name == "__pycache__" or entry.path in skip
                    or (not records and entry.name.startswith("quick-"))):
                continue
            if entry.is_dir():
                walk(entry.path)
            else:
                found[entry.path] = _stamp(entry.path)

    walk(folder)
    return found
