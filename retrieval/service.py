"""Opening an index for answering: one policy for the CLI, `eval`, the bot's start and /reload.

- No index yet: built from ``sources`` when they are given, otherwise ``IndexMissing``.
- ``refresh``: bulletins added, edited or removed since the build are indexed first (merged when
  files were only added, rebuilt otherwise), with the BM25 parameters the index recorded.
- ``sources`` that the index was not built from are merged into it, so nothing indexed is lost.
- While another process builds, the published index is opened as it is (readers never wait).
- A damaged generation (truncated arrays, a scribbled store, garbage params) is passed over for the
  newest one that opens cleanly, with a one-line warning naming the command that rebuilds it.
"""

from __future__ import annotations

import hashlib
import json
import re
import shlex
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from retrieval.index.build import (
    BuildReport,
    Progress,
    SourceChanges,
    add_to_index,
    build_index,
    covered,
    refresh_index,
    resolve_options,
    source_changes,
)
from retrieval.index.layout import IndexBusy, IndexMissing, IndexOutdated, current_generation, read_params, write_atomically
from retrieval.model import Article, Problem
from retrieval.search.engine import DEFAULT_BUDGET, Engine, RankerConfig, outdated_reason

__all__ = [
    "UPLOAD_SUFFIXES",
    "IndexDamaged",
    "Opened",
    "SavedFile",
    "UploadRefused",
    "check_upload",
    "open_index",
    "rebuild_command",
    "safe_file_name",
    "save_bulletin",
]


class IndexDamaged(RuntimeError):
    """No generation of the index opens; ``command`` rebuilds it from the recorded inputs."""

    def __init__(self, message: str, command: str) -> None:
        super().__init__(message)
        self.command = command


@dataclass
class Opened:
    """The engine, what opening it built (None when the index was used as it was), and a warning to show."""

    engine: Engine
    report: BuildReport | None = None
    changes: SourceChanges | None = None
    warning: str | None = None  # one line: what is wrong and the command that fixes it
    upgraded: str | None = None  # why the index was rebuilt from the sources (built by an older version)


def _recorded_inputs(index_dir: Path) -> list[Path]:
    return [Path(p) for p in read_params(current_generation(index_dir)).get("inputs", [])]


def open_index(
    index_dir: Path,
    sources: Sequence[Path] | None = None,
    refresh: bool = True,
    *,
    config: RankerConfig | None = None,
    on_refresh: Callable[[SourceChanges], None] | None = None,
    progress: Progress | None = None,
    upgrade: Callable[[str], None] | None = None,
    mapped_budget: int | None = DEFAULT_BUDGET,
) -> Opened:
    """Open the live index in ``index_dir``, building or refreshing it first as the module says.

    ``on_refresh`` is told what changed before a re-index starts (shells print it: it may take a while).
    With ``upgrade``, an index built by an older version is rebuilt from ``sources`` instead of refused;
    ``upgrade`` is told why before the rebuild starts (the bot after an upgrade: no manual step).
    ``mapped_budget``: bytes of index pages the engine may hold before giving some back (None: keep all).
    """
    index_dir = Path(index_dir)
    if index_dir.exists() and not index_dir.is_dir():
        raise NotADirectoryError(f"{index_dir} is a file; --index must be a folder")
    report: BuildReport | None = None
    changes: SourceChanges | None = None
    warning: str | None = None
    upgraded: str | None = None
    try:
        current_generation(index_dir)
        if upgrade is not None and sources:
            upgraded = _outdated(index_dir)
    except IndexMissing:
        if not sources:
            raise
        report = build_index(list(sources), index_dir, resolve_options(index_dir), progress)
    if upgraded is not None and upgrade is not None and sources:
        upgrade(upgraded)
        report = build_index(list(sources), index_dir, resolve_options(index_dir), progress)
    elif report is None and refresh:
        try:
            changes = source_changes(index_dir)
            if changes:
                if on_refresh:
                    on_refresh(changes)
                report = refresh_index(index_dir, progress=progress, changes=changes)
            inputs = _recorded_inputs(index_dir)
            new = [Path(s) for s in sources or () if not covered(Path(s), inputs) and Path(s).exists()]
            if new:
                report = add_to_index(new, index_dir, None, progress)
        except IndexBusy:
            pass  # another build is bringing it up to date: answer from what is published meanwhile
        except (OSError, ValueError, KeyError, sqlite3.DatabaseError) as exc:
            # a read-only or full folder, a damaged params.json: answer from the last good build
            warning = f"could not re-index ({_reason(exc)}); answering from the last build. Next: {rebuild_command(index_dir)}"
    engine, damaged = _open_published(index_dir, config, mapped_budget)
    return Opened(engine, report, changes, damaged or warning, upgraded)


def _outdated(index_dir: Path) -> str | None:
    """Why the published index must be rebuilt by this version (None when it is current); read from its
    params.json alone (opening it is _open_published's, once)."""
    try:
        return outdated_reason(current_generation(index_dir))
    except (*_DAMAGE, json.JSONDecodeError):
        return None  # damage is _open_published's to report (it falls back to an earlier build)


_DAMAGE = (OSError, ValueError, KeyError, TypeError, sqlite3.DatabaseError)


def _reason(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}".splitlines()[0][:200]


def rebuild_command(index_dir: Path) -> str:
    """The command that rebuilds ``index_dir`` from the inputs it recorded (any generation that still says)."""
    for gen in _generations(index_dir):
        try:
            inputs = [str(p) for p in read_params(gen)["inputs"]]
        except (*_DAMAGE, json.JSONDecodeError):
            continue
        return "python -m retrieval index " + " ".join(shlex.quote(i) for i in inputs) + f" --index {shlex.quote(str(index_dir))}"
    return f"python -m retrieval index YOUR-BULLETINS --index {shlex.quote(str(index_dir))}"


def _generations(index_dir: Path) -> list[Path]:
    """The published generation first, then the older ones still on disk, newest first."""
    older = sorted((g for g in index_dir.glob("gen-*") if g.is_dir()), key=lambda g: g.name, reverse=True)
    try:
        current = current_generation(index_dir)
    except IndexMissing:
        return older
    return [current, *(g for g in older if g != current)]


def _open_published(index_dir: Path, config: RankerConfig | None, mapped_budget: int | None = DEFAULT_BUDGET) -> tuple[Engine, str | None]:
    """The newest generation that opens cleanly, and a one-line warning when it is not the published one."""
    first: str | None = None
    for gen in _generations(index_dir):
        try:
            engine = Engine(gen, config, mapped_budget)
            engine.check()
        except IndexOutdated:
            raise
        except _DAMAGE as exc:
            first = first or f"{gen.name}: {_reason(exc)}"
            continue
        if first is None:
            return engine, None
        return engine, f"the index is damaged ({first}); answering from the build before ({gen.name}). Next: {rebuild_command(index_dir)}"
    if first is None:
        raise IndexMissing(f"no index in {index_dir}")
    raise IndexDamaged(f"the index in {index_dir}/ is damaged ({first}) and no earlier build opens", rebuild_command(index_dir))


# The kinds of file a reader takes, by name: a bulletin sent in any other is refused before it is read.
UPLOAD_SUFFIXES = frozenset({".pdf", ".docx", ".html", ".htm", ".txt", ".jsonl", ".jpg", ".jpeg", ".png", ".tif", ".tiff", ".webp", ""})


class UploadRefused(ValueError):
    """A file refused before it is read: ``reason`` is "unsupported" (no reader takes its kind) or "too_big"."""

    def __init__(self, reason: str, name: str, size: int = 0, limit: int = 0) -> None:
        super().__init__(f"{name}: {reason}")
        self.reason, self.name, self.size, self.limit = reason, name, size, limit


def check_upload(name: str, size: int | None, limit: int | None) -> None:
    """Refuse a file by its name and size alone (``limit`` bytes; None: no limit), so that a shell can refuse it before
    downloading a byte; raises ``UploadRefused``."""
    suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix not in UPLOAD_SUFFIXES:
        raise UploadRefused("unsupported", name)
    if limit is not None and size and size > limit:
        raise UploadRefused("too_big", name, size, limit)


@dataclass(frozen=True)
class SavedFile:
    """A bulletin file received as bytes (a bot upload, a fetched page) and what reading it gave."""

    path: Path | None  # where it was kept; None when nothing in it could be read
    articles: list[Article]
    problems: list[Problem]
    duplicate: bool = False  # the same bytes were already in the folder: nothing new was written


_UNSAFE_NAME = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')


def safe_file_name(name: str, fallback: str = "ban-tin") -> str:
    """A name that stays inside the folder and visible to ``discover`` (no path parts, no leading dot)."""
    base = _UNSAFE_NAME.sub("-", Path(name.replace("\\", "/")).name).strip(" .-")
    return base[-120:] if base else fallback


def save_bulletin(folder: Path, name: str, data: bytes, limit: int | None = None) -> SavedFile:
    """Read ``data`` with the readers of every format and keep the file in ``folder`` when any article in it
    is readable, so the index can always be rebuilt from the files. The same bytes are kept once; another
    file of the same name gets a numbered name. Written atomically (a hidden temporary file, renamed).
    A name no reader takes, or more than ``limit`` bytes, raises ``UploadRefused`` (``check_upload``)."""
    from retrieval.sources.reader import read_file

    check_upload(name, len(data), limit)
    items = read_file(data, safe_file_name(name))  # Word, PDF and web files in the capped worker
    articles = [a for a in items if isinstance(a, Article)]
    problems = [p for p in items if isinstance(p, Problem)]
    if not articles:
        return SavedFile(None, [], problems)
    folder.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256(data).digest()
    for existing in folder.iterdir():
        if existing.is_file() and existing.stat().st_size == len(data) and hashlib.sha256(existing.read_bytes()).digest() == digest:
            return SavedFile(existing, articles, problems, duplicate=True)
    target = folder / safe_file_name(name)
    stem, suffix, n = target.stem, target.suffix, 2
    while target.exists():
        target = folder / f"{stem}-{n}{suffix}"
        n += 1
    write_atomically(target, data, ".upload-")
    source = str(target)
    return SavedFile(target, [replace(a, source=source) for a in articles], [replace(p, source=source) for p in problems])
