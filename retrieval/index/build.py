"""Build an index from bulletin files: read, cut into passages, segment (cached, parallel), weigh, publish.

Two ways in:
- ``build_index``: everything under the inputs, from scratch (segmentations come from the cache);
- ``add_to_index``: new bulletins only, merged into the live index without re-reading the
  archive; every weight is recomputed (IDF and average length move for everyone).
``refresh_index`` picks one of them from what changed on disk.
"""

from __future__ import annotations

import ctypes
import gc
import hashlib
import json
import logging
import os
import shutil
import sqlite3
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from retrieval.index.ingest import ARTICLE_FIELDS, TITLE_FIELDS, IngestStats, SegmentCache, analyse_articles
from retrieval.index.layout import (
    FORMAT_VERSION,
    READABLE_FORMATS,
    IndexMissing,
    build_lock,
    current_generation,
    load_array,
    new_generation,
    publish,
    read_params,
    source_state,
    write_params,
)
from retrieval.index.matrix import TAIL, Field, FieldBuilder, FieldMatrix, weigh_segments
from retrieval.index.store import append_store, write_store
from retrieval.model import Article, Passage, Problem
from retrieval.sources.passages import MAX_CHARS, split_passages
from retrieval.sources.reader import UNREADABLE, discover, read_sources
from retrieval.text.analyzer import FIELDS

__all__ = [
    "ANALYZER_VERSION",
    "ARTICLE_PREFIX",
    "DEFAULT_FIELD_BM25",
    "TITLE_PREFIX",
    "BuildError",
    "BuildOptions",
    "BuildReport",
    "SourceChanges",
    "add_to_index",
    "build_index",
    "covered",
    "is_stale",
    "recorded_options",
    "refresh_index",
    "resolve_options",
    "source_changes",
]

# Bump when the fields change: old indexes are then rebuilt (segmentations stay cached).
ANALYZER_VERSION = "5"
# `index --add` puts the new passages in each field's tail segment and links the main segment's postings files
# into the new generation unchanged (an add costs what the new passages cost, not the archive's 400M postings);
# once a tail holds this share of its main segment's postings, the two are merged into one again.
TAIL_SHARE = 0.1
REWEIGHED = ("idf", "sat")  # a main segment's arrays that change when passages are added to its tail
TITLE_PREFIX = "title."
ARTICLE_PREFIX = "article."
SOURCES = "sources.json"

Progress = Callable[[str, int, int], None]  # (stage, done, total)
CACHE_NAME = "cache.sqlite"  # the index's caches: segmented text, and files read by OCR (sources/reader.ScanCache)
log = logging.getLogger(__name__)


class BuildError(RuntimeError):
    """Nothing could be indexed; the message says what to do, ``problems`` says why."""

    def __init__(self, message: str, problems: list[Problem] | None = None, hint: str = "") -> None:
        super().__init__(message)
        self.problems = problems or []
        self.hint = hint  # the next step, when it is not "fix the files named in problems"


@dataclass
class BuildOptions:
    k1: float = 1.5
    b: float = 0.75
    epsilon: float = 0.25
    # (k1, b) for single fields ("article.word": (1.2, 0.75)); the others take k1 and b above
    field_bm25: dict[str, tuple[float, float]] = field(default_factory=dict)

    def field_params(self, name: str) -> tuple[float, float]:
        """(k1, b) of one field."""
        return self.field_bm25.get(name, (self.k1, self.b))

    def bm25_record(self) -> dict[str, Any]:
        """What params.json records, and what --add must match."""
        fields = {name: {"bm25": [k1, b]} for name, (k1, b) in sorted(self.field_bm25.items())}
        return {"k1": self.k1, "b": self.b, "epsilon": self.epsilon, "fields": fields}

    workers: int = field(default_factory=lambda: os.cpu_count() or 1)
    max_chars: int = MAX_CHARS


DEFAULT_BM25: dict[str, float] = {"k1": 1.5, "b": 0.75, "epsilon": 0.25}
# Fields whose (k1, b) differ from the defaults above, tuned on the news questions' train split.
DEFAULT_FIELD_BM25: dict[str, tuple[float, float]] = {}


def covered(path: Path, inputs: Sequence[Path]) -> bool:
    """True when ``path`` is one of ``inputs`` or lies inside one of them (inputs are recorded resolved)."""
    path = path.resolve()
    return any(path == i or i in path.parents for i in inputs)


def recorded_options(index_dir: Path) -> BuildOptions | None:
    """The BM25 parameters the live index was built with (None when there is no index)."""
    try:
        params = read_params(current_generation(index_dir))
    except IndexMissing:
        return None
    bm = params["bm25"]
    per_field = {name: (float(f["bm25"][0]), float(f["bm25"][1])) for name, f in bm.get("fields", {}).items()}
    return BuildOptions(k1=float(bm["k1"]), b=float(bm["b"]), epsilon=float(bm["epsilon"]), field_bm25=per_field)


def resolve_options(
    index_dir: Path,
    k1: float | None = None,
    b: float | None = None,
    epsilon: float | None = None,
    field_bm25: dict[str, tuple[float, float]] | None = None,
) -> BuildOptions:
    """Options for a build: what is given, else what the live index recorded, else the defaults.

    Parameters are sticky: a rebuild (by ``index``, ``ask``, the bot's start or /reload) keeps the
    k1 and b a maintainer chose once, until they are given again.
    """
    base = recorded_options(index_dir) or BuildOptions(
        k1=DEFAULT_BM25["k1"], b=DEFAULT_BM25["b"], epsilon=DEFAULT_BM25["epsilon"], field_bm25=dict(DEFAULT_FIELD_BM25)
    )
    return BuildOptions(
        k1=base.k1 if k1 is None else k1,
        b=base.b if b is None else b,
        epsilon=base.epsilon if epsilon is None else epsilon,
        field_bm25=base.field_bm25 | (field_bm25 or {}),
    )


@dataclass
class BuildReport:
    generation: Path
    n_articles: int
    n_passages: int
    problems: list[Problem]
    seconds: float
    segmented: int  # texts run through pyvi in this build
    cached: int  # texts whose segmentation came from the cache
    added: int = 0  # articles added (incremental updates)
    stages: dict[str, float] = field(default_factory=dict)  # seconds per stage: read, analyse, layout, publish

    def stage_line(self) -> str:
        return ", ".join(f"{name} {secs:.1f} s" for name, secs in self.stages.items())


class _Stages:
    """Wall time of each build stage, for the report."""

    def __init__(self) -> None:
        self.stages: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.stages[name] = now - self._last
        self._last = now


def _sources_manifest(files: dict[str, str]) -> dict[str, dict]:
    out = {}
    for path, digest in files.items():
        size, mtime = source_state(Path(path))
        out[path] = {"sha256": digest, "size": size, "mtime_ns": mtime}
    return out


def _params(
    options: BuildOptions, fields_meta: dict, n_articles: int, n_passages: int, inputs: list[str], sources: dict, problems: list[Problem]
) -> dict:
    return {
        "format": FORMAT_VERSION,
        "analyzer": ANALYZER_VERSION,
        "bm25": options.bm25_record(),
        "weights": "float64",  # idf × saturation table, computed exactly (postings.py)
        "max_chars": options.max_chars,
        "fields": fields_meta,
        "n_articles": n_articles,
        "n_passages": n_passages,
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "inputs": inputs,
        "n_sources": len(sources),
        "problems": [{"source": p.source, "reason": p.reason} for p in problems],
    }


def _write_sources(gen: Path, sources: dict) -> None:
    """The content hash of every source file, apart from params.json: opening an index never reads it."""
    (gen / SOURCES).write_text(json.dumps(sources, ensure_ascii=False), encoding="utf-8")


def _read_sources(gen: Path) -> dict[str, dict]:
    path = gen / SOURCES
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def _save(gen: Path, prefix: str, name: str, matrix: FieldMatrix, meta: dict) -> None:
    matrix.save(gen, prefix + name)
    meta[prefix + name] = {"avgdl": matrix.avgdl, "terms": len(matrix.terms), "postings": matrix.n_postings}


def _save_with_tail(gen: Path, old_gen: Path, name: str, main: FieldMatrix, tail: FieldMatrix, meta: dict) -> None:
    """A field whose main segment is the previous generation's, reweighed: its postings files are hard links to the
    old ones (nothing is copied; a generation's files are never written after it is published), only the per-term
    and per-pair weights are new; the tail is written whole."""
    for key in FieldMatrix.ARRAYS:
        target = gen / f"{name}.{key}.npy"
        if key in REWEIGHED:
            np.save(target, getattr(main, key), allow_pickle=False)
        else:
            try:
                os.link(old_gen / target.name, target)
            except OSError:  # a file system without hard links
                shutil.copyfile(old_gen / target.name, target)
    tail.save(gen, f"{name}.{TAIL}")
    meta[name] = {
        "avgdl": main.avgdl,
        "terms": len(main.terms),
        "postings": main.n_postings,
        "tail": {"first": tail.first_doc, "passages": tail.n_docs, "terms": len(tail.terms), "postings": tail.n_postings},
    }


def _open_cache(path: Path) -> SegmentCache:
    """The segmentation cache; a corrupt one is only a cache: dropped with a warning, and rebuilt."""
    try:
        return SegmentCache(path)
    except sqlite3.DatabaseError as exc:
        log.warning("the segmentation cache %s is damaged (%s); dropping it, this build segments everything", path, exc)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return SegmentCache(path)


SERIAL_LAYOUT_FROM = 50_000_000  # postings of all fields: from here fields are laid out one at a time
SPILL_FROM = 200_000  # passages: from here a build keeps its fields' postings in files until the layout


def _analyse(
    cut: list[tuple[Article, list[Passage]]], index_dir: Path, options: BuildOptions, progress: Progress | None, spill: Path | None = None
) -> tuple[dict[str, dict[str, FieldBuilder]], IngestStats]:
    """Every field's builder filled from ``cut`` (segmentations cached in the index folder), by prefix; with
    ``spill`` (a folder), the postings wait in files there rather than in memory."""

    def builder(prefix: str, name: str) -> FieldBuilder:
        return FieldBuilder(spill / f"{prefix}{name}" if spill is not None else None)

    passage_builders = {name: builder("", name) for name in FIELDS}
    title_builders = {name: builder(TITLE_PREFIX, name) for name in TITLE_FIELDS}
    article_builders = {name: builder(ARTICLE_PREFIX, name) for name in ARTICLE_FIELDS}
    groups = {"": passage_builders, TITLE_PREFIX: title_builders, ARTICLE_PREFIX: article_builders}
    cache = _open_cache(index_dir / CACHE_NAME)
    try:
        stats = analyse_articles(cut, cache, passage_builders, title_builders, article_builders, options.workers, progress)
    except BaseException:
        for builders in groups.values():
            for b in builders.values():
                b.discard()
        raise
    finally:
        cache.close()
    return groups, stats


def _give_back_freed_memory() -> None:
    """Return the heap's free pages to the system (glibc keeps freed small blocks; a build frees gigabytes of text)."""
    gc.collect()
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL("libc.so.6").malloc_trim(0)
        except (OSError, AttributeError):  # not glibc
            pass


def _weigh_and_save(
    gen: Path,
    groups: dict[str, dict[str, FieldBuilder]],
    options: BuildOptions,
    old: tuple[Path, Callable[[str], Field]] | None = None,
) -> dict[str, dict]:
    """Lay out and weigh every field, several at once (numpy sorts and arithmetic release the GIL).

    With ``old`` (the previous generation, and how to open its fields), the builder's documents go to each field's
    tail segment, or, once the tail outgrows TAIL_SHARE of the main segment, everything is merged into one.
    """
    meta: dict[str, dict] = {}

    def one(prefix: str, name: str, builder: FieldBuilder) -> None:
        k1, b = options.field_params(prefix + name)
        if old is None:
            _save(gen, prefix, name, FieldMatrix.build_from(builder, k1, b, options.epsilon), meta)
            return
        old_gen, before = old
        main, *tail = before(prefix + name).segments
        added = FieldMatrix.build_from(builder, k1, b, options.epsilon, first_doc=(tail or [main])[-1].end_doc)
        grown = tail[0].appended(added, k1, b, options.epsilon) if tail else added
        if grown.n_postings > TAIL_SHARE * main.n_postings:  # merged into one segment again
            _save(gen, prefix, name, main.appended(grown, k1, b, options.epsilon), meta)
        else:
            main, grown = weigh_segments([main, grown], k1, b, options.epsilon)
            _save_with_tail(gen, old_gen, prefix + name, main, grown, meta)

    # Fields are laid out several at once (numpy's sorts release the GIL), but a large build lays them out one
    # at a time, largest first: each needs about 40 bytes a posting while it is sorted and encoded.
    fields = [(prefix, name, builder) for prefix, builders in groups.items() for name, builder in builders.items()]
    postings = sum(builder.n_postings for _, _, builder in fields)
    threads = 1 if postings > SERIAL_LAYOUT_FROM else max(1, min(options.workers, 4))
    fields.sort(key=lambda field: -field[2].n_postings)
    with ThreadPoolExecutor(threads) as pool:
        jobs = [pool.submit(one, prefix, name, builder) for prefix, name, builder in fields]
        for job in jobs:
            job.result()
    return dict(sorted(meta.items()))


def build_index(
    inputs: Sequence[Path],
    index_dir: Path,
    options: BuildOptions | None = None,
    progress: Progress | None = None,
) -> BuildReport:
    """Read every bulletin under ``inputs`` and publish a new index generation in ``index_dir`` (``IndexBusy`` if another build runs)."""
    with build_lock(index_dir):
        return _build_index(inputs, index_dir, options, progress)


def add_to_index(
    paths: Sequence[Path],
    index_dir: Path,
    options: BuildOptions | None = None,
    progress: Progress | None = None,
) -> BuildReport:
    """Merge new bulletins into the live index: only they are read and segmented (``IndexBusy`` if another build runs).

    Articles whose id is already indexed are reported and skipped (changing an article
    needs a full rebuild, which ``refresh_index`` does by itself).
    """
    with build_lock(index_dir):
        return _add_to_index(paths, index_dir, options, progress)


def _build_index(
    inputs: Sequence[Path],
    index_dir: Path,
    options: BuildOptions | None = None,
    progress: Progress | None = None,
) -> BuildReport:
    """Read every bulletin under ``inputs`` and publish a new index generation in ``index_dir``."""
    options = options or BuildOptions()
    started = time.perf_counter()
    clock = _Stages()
    inputs = [Path(p).resolve() for p in inputs]
    index_dir.mkdir(parents=True, exist_ok=True)
    result = read_sources(inputs, index_dir / CACHE_NAME, progress)
    if not result.articles:
        raise BuildError("nothing to index: no readable bulletin in " + ", ".join(map(str, inputs)), result.problems)
    cut = [(a, split_passages(a, options.max_chars)) for a in result.articles]
    clock.lap("read")
    gen = new_generation(index_dir)
    try:
        # SQLite writes the store while the workers segment (it releases the GIL while it works).
        n_articles = len(cut)
        counts = np.fromiter((len(ps) for _, ps in cut), dtype=np.int64, count=n_articles)  # passages per article
        spill = gen / "spill" if int(counts.sum()) >= SPILL_FROM else None
        with ThreadPoolExecutor(1) as background:
            stored = background.submit(write_store, gen / "store.sqlite", cut)
            builders, stats = _analyse(cut, index_dir, options, progress, spill)
            stored.result()
        clock.lap("analyse")
        # The articles are in the store now: their text (gigabytes for an archive) goes before the layout.
        del cut
        result.articles.clear()
        _give_back_freed_memory()
        meta = _weigh_and_save(gen, builders, options)
        if spill is not None:
            shutil.rmtree(spill, ignore_errors=True)
        clock.lap("layout")
        article_of = np.repeat(np.arange(n_articles, dtype=np.int32), counts)
        np.save(gen / "passage_article.npy", article_of, allow_pickle=False)
        n_passages = len(article_of)
        sources = _sources_manifest(result.files)
        _write_sources(gen, sources)
        write_params(gen, _params(options, meta, n_articles, n_passages, [str(p) for p in inputs], sources, result.problems))
        final = publish(index_dir, gen)
        clock.lap("publish")
    except BaseException:
        shutil.rmtree(gen, ignore_errors=True)
        raise
    return BuildReport(
        final, n_articles, n_passages, result.problems, time.perf_counter() - started, stats.segmented, stats.cached, stages=clock.stages
    )


def _add_to_index(
    paths: Sequence[Path],
    index_dir: Path,
    options: BuildOptions | None = None,
    progress: Progress | None = None,
) -> BuildReport:
    started = time.perf_counter()
    clock = _Stages()
    old_gen = current_generation(index_dir)
    params = read_params(old_gen)
    bm = params["bm25"]
    recorded = recorded_options(index_dir)
    assert recorded is not None  # current_generation above found the index
    if options is not None and options.bm25_record() != recorded.bm25_record():
        raise BuildError(
            f"--add keeps the index's BM25 parameters (k1 {bm['k1']}, b {bm['b']}, epsilon {bm['epsilon']}): "
            "a merged article must be weighed like the others",
            hint="leave out --k1/--b/--epsilon to merge, or rebuild without --add to change them",
        )
    options = options or recorded
    paths = [Path(p).resolve() for p in paths]
    result = read_sources(paths, index_dir / CACHE_NAME, progress)
    problems = list(result.problems)
    con = sqlite3.connect(f"file:{old_gen / 'store.sqlite'}?mode=ro", uri=True)
    try:
        known = {r[0] for r in con.execute("SELECT doc_id FROM articles")}
    finally:
        con.close()
    articles = []
    for a in result.articles:
        if a.doc_id in known:
            problems.append(Problem(a.source, f'"{a.doc_id}" is already indexed; run a full `index` to replace it'))
        else:
            articles.append(a)
    if not articles:
        raise BuildError("nothing new to add", problems)
    cut = [(a, split_passages(a, options.max_chars)) for a in articles]
    gen = new_generation(index_dir)
    try:
        shutil.copyfile(old_gen / "store.sqlite", gen / "store.sqlite")
        append_store(gen / "store.sqlite", cut, first_article=int(params["n_articles"]), first_passage=int(params["n_passages"]))
        clock.lap("read")
        builders, stats = _analyse(cut, index_dir, options, progress)
        clock.lap("analyse")
        meta = _weigh_and_save(gen, builders, options, old=(old_gen, lambda name: Field.load(old_gen, name, params["fields"][name])))
        clock.lap("layout")
        old_of = load_array(old_gen / "passage_article.npy")
        new_of = np.repeat(np.arange(len(cut), dtype=np.int32) + int(params["n_articles"]), [len(ps) for _, ps in cut])
        article_of = np.concatenate([old_of, new_of])
        np.save(gen / "passage_article.npy", article_of, allow_pickle=False)
        inputs = list(params["inputs"])
        for p in paths:
            if not covered(p, [Path(i) for i in inputs]):
                inputs.append(str(p))
        sources = _read_sources(old_gen) | _sources_manifest(result.files)
        _write_sources(gen, sources)
        write_params(gen, _params(options, meta, int(params["n_articles"]) + len(cut), len(article_of), inputs, sources, problems))
        final = publish(index_dir, gen)
        clock.lap("publish")
    except BaseException:
        shutil.rmtree(gen, ignore_errors=True)
        raise
    return BuildReport(
        final,
        int(params["n_articles"]) + len(cut),
        len(article_of),
        problems,
        time.perf_counter() - started,
        stats.segmented,
        stats.cached,
        added=len(cut),
        stages=clock.stages,
    )


@dataclass
class SourceChanges:
    added: list[Path] = field(default_factory=list)
    changed: list[Path] = field(default_factory=list)
    removed: list[Path] = field(default_factory=list)
    outdated: bool = False  # built by another version of the analyzer

    def __bool__(self) -> bool:
        return bool(self.added or self.changed or self.removed or self.outdated)


def source_changes(index_dir: Path) -> SourceChanges:
    """What changed in the bulletins since the live index was built.

    Sizes and times are compared first; a file whose fingerprint moved is re-hashed, so
    touching a file without changing it costs nothing.
    """
    try:
        gen = current_generation(index_dir)
    except IndexMissing:
        return SourceChanges()
    params = read_params(gen)
    if params.get("analyzer") != ANALYZER_VERSION or params.get("format") not in READABLE_FORMATS:
        return SourceChanges(outdated=True)
    inputs = [Path(p) for p in params.get("inputs", [])]
    if not inputs or not all(p.exists() for p in inputs):
        return SourceChanges()  # the sources moved away: keep serving what we have
    files, _ = discover(inputs)
    recorded = _read_sources(gen)
    on_disk = {str(f): f for f in files}
    changes = SourceChanges(
        added=[f for name, f in on_disk.items() if name not in recorded],
        removed=[Path(name) for name in recorded if name not in on_disk],
    )
    for name, f in on_disk.items():
        rec = recorded.get(name)
        if rec is None or source_state(f) == (rec["size"], rec["mtime_ns"]):
            continue  # new (counted above), or untouched
        try:
            digest = hashlib.sha256(f.read_bytes()).hexdigest()
        except OSError:
            digest = UNREADABLE  # still unreadable: changed only if it could be read before
        if digest != rec["sha256"]:
            changes.changed.append(f)
    return changes


def is_stale(index_dir: Path) -> bool:
    """True when the bulletins the index was built from changed (added, removed or edited files)."""
    return bool(source_changes(index_dir))


def refresh_index(
    index_dir: Path, options: BuildOptions | None = None, progress: Progress | None = None, changes: SourceChanges | None = None
) -> BuildReport | None:
    """Bring the index up to date: merge when files were only added, rebuild otherwise; None if fresh.

    ``changes`` is ``source_changes(index_dir)`` when the caller has just computed it.
    """
    changes = source_changes(index_dir) if changes is None else changes
    if not changes:
        return None
    if changes.added and not (changes.changed or changes.removed or changes.outdated):
        try:
            return add_to_index(changes.added, index_dir, None, progress)
        except BuildError:
            pass  # e.g. the new files hold only ids already indexed: a full rebuild sorts it out
    inputs = [Path(p) for p in read_params(current_generation(index_dir))["inputs"]]
    return build_index(inputs, index_dir, options or resolve_options(index_dir), progress)
