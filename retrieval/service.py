"""Opening an index for answering: one policy for the CLI, `eval`, the bot's start and /reload.

- No index yet: built from ``sources`` when they are given, otherwise ``IndexMissing``.
- ``refresh``: bulletins added, edited or removed since the build are indexed first (merged when
  files were only added, rebuilt otherwise), with the BM25 parameters the index recorded.
- ``sources`` that the index was not built from are merged into it, so nothing indexed is lost.
- While another process builds, the published index is opened as it is (readers never wait).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from retrieval.index.build import (
    BuildReport,
    Progress,
    SourceChanges,
    add_to_index,
    build_index,
    refresh_index,
    resolve_options,
    source_changes,
)
from retrieval.index.layout import IndexBusy, IndexMissing, current_generation, read_params
from retrieval.search.engine import Engine, RankerConfig

__all__ = ["Opened", "open_index"]


@dataclass
class Opened:
    """The engine, and what opening it built (None when the index was used as it was)."""

    engine: Engine
    report: BuildReport | None = None
    changes: SourceChanges | None = None


def _recorded_inputs(index_dir: Path) -> list[Path]:
    return [Path(p) for p in read_params(current_generation(index_dir)).get("inputs", [])]


def _covered(path: Path, inputs: list[Path]) -> bool:
    path = path.resolve()
    return any(path == i or i in path.parents for i in inputs)


def open_index(
    index_dir: Path,
    sources: Sequence[Path] | None = None,
    refresh: bool = True,
    *,
    config: RankerConfig | None = None,
    on_refresh: Callable[[SourceChanges], None] | None = None,
    progress: Progress | None = None,
) -> Opened:
    """Open the live index in ``index_dir``, building or refreshing it first as the module says.

    ``on_refresh`` is told what changed before a re-index starts (shells print it: it may take a while).
    """
    index_dir = Path(index_dir)
    report: BuildReport | None = None
    changes: SourceChanges | None = None
    try:
        current_generation(index_dir)
    except IndexMissing:
        if not sources:
            raise
        report = build_index(list(sources), index_dir, resolve_options(index_dir), progress)
    else:
        if refresh:
            try:
                changes = source_changes(index_dir)
                if changes:
                    if on_refresh:
                        on_refresh(changes)
                    report = refresh_index(index_dir, progress=progress, changes=changes)
                inputs = _recorded_inputs(index_dir)
                new = [Path(s) for s in sources or () if not _covered(Path(s), inputs) and Path(s).exists()]
                if new:
                    report = add_to_index(new, index_dir, None, progress)
            except IndexBusy:
                pass  # another build is bringing it up to date: answer from what is published meanwhile
    return Opened(Engine.open(index_dir, config), report, changes)
