"""Build an index from bulletin files: read, cut into passages, segment (cached, parallel), weigh, publish."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .analyzer import FIELDS, fields_from_words, tokenize_words
from .layout import current_generation, IndexMissing, new_generation, publish, read_params, source_state, write_params
from .matrix import FieldBuilder, FieldMatrix
from .model import Article, Passage, Problem
from .passages import MAX_CHARS, split_passages
from .reader import discover, read_sources
from .store import write_store

__all__ = ["BuildOptions", "BuildReport", "BuildError", "build_index", "is_stale", "ANALYZER_VERSION", "ARTICLE_FIELDS"]

# Bump when the analyzer's output changes: cached segmentations and old indexes are then redone.
ANALYZER_VERSION = "1"
FORMAT_VERSION = 2
# Whole-article fields (title and every passage): evidence a passage borrows from the rest of its article.
ARTICLE_FIELDS: tuple[str, ...] = ("word", "fold2", "fold1")
_BREAK = "\x1f"  # a punctuation break in the cached word stream

Progress = Callable[[str, int, int], None]  # (stage, done, total)


class BuildError(RuntimeError):
    """Nothing could be indexed; the message says what to do."""


@dataclass
class BuildOptions:
    k1: float = 1.5
    b: float = 0.75
    epsilon: float = 0.25
    dtype: str = "float32"
    workers: int = field(default_factory=lambda: os.cpu_count() or 1)
    max_chars: int = MAX_CHARS


@dataclass
class BuildReport:
    generation: Path
    n_articles: int
    n_passages: int
    problems: list[Problem]
    seconds: float
    segmented: int  # passages run through pyvi in this build
    cached: int  # passages whose segmentation came from the cache


def _key(text: str) -> str:
    return hashlib.blake2b(f"{ANALYZER_VERSION}\x00{text}".encode(), digest_size=16).hexdigest()


class SegmentCache:
    """Segmented text by content hash, so a rebuild only runs pyvi on what changed."""

    def __init__(self, path: Path) -> None:
        self.con = sqlite3.connect(path)
        self.con.execute("CREATE TABLE IF NOT EXISTS seg (key TEXT PRIMARY KEY, words TEXT NOT NULL)")

    def get_many(self, keys: Sequence[str]) -> dict[str, list[str | None]]:
        out: dict[str, list[str | None]] = {}
        for i in range(0, len(keys), 900):
            chunk = list(keys[i:i + 900])
            q = f"SELECT key, words FROM seg WHERE key IN ({','.join('?' * len(chunk))})"
            for key, words in self.con.execute(q, chunk):
                out[key] = [None if w == _BREAK else w for w in words.split(" ")] if words else []
        return out

    def put_many(self, items: Iterable[tuple[str, list[str | None]]]) -> None:
        self.con.executemany(
            "INSERT OR REPLACE INTO seg VALUES (?, ?)",
            ((k, " ".join(_BREAK if w is None else w for w in words)) for k, words in items),
        )
        self.con.commit()

    def close(self) -> None:
        self.con.close()


def _segment_all(texts: list[str], workers: int, progress: Progress | None) -> list[list[str | None]]:
    """pyvi over many texts, on every core when there are enough to pay for the workers' start-up."""
    total = len(texts)
    if workers <= 1 or total < 2000:
        out = []
        for i, text in enumerate(texts):
            out.append(tokenize_words(text))
            if progress and (i % 200 == 0 or i == total - 1):
                progress("segment", i + 1, total)
        return out
    out = []
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for i, words in enumerate(pool.map(tokenize_words, texts, chunksize=256)):
            out.append(words)
            if progress and (i % 1000 == 0 or i == total - 1):
                progress("segment", i + 1, total)
    return out


def segment_cached(texts: list[str], cache: SegmentCache | None, workers: int, progress: Progress | None) -> tuple[list[list[str | None]], int]:
    """Word streams for ``texts``; returns (streams, how many needed pyvi)."""
    keys = [_key(t) for t in texts]
    known = cache.get_many(keys) if cache else {}
    todo = sorted({k: t for k, t in zip(keys, texts) if k not in known}.items())
    fresh = _segment_all([t for _, t in todo], workers, progress)
    new = dict(zip((k for k, _ in todo), fresh))
    if cache and new:
        cache.put_many(new.items())
    known.update(new)
    return [known[k] for k in keys], len(new)


def _sources_manifest(files: dict[str, str]) -> dict[str, dict]:
    out = {}
    for path, digest in files.items():
        size, mtime = source_state(Path(path))
        out[path] = {"sha256": digest, "size": size, "mtime_ns": mtime}
    return out


def build_index(
    inputs: Sequence[Path],
    index_dir: Path,
    options: BuildOptions | None = None,
    progress: Progress | None = None,
) -> BuildReport:
    """Read every bulletin under ``inputs`` and publish a new index generation in ``index_dir``."""
    options = options or BuildOptions()
    started = time.perf_counter()
    inputs = [Path(p).resolve() for p in inputs]
    result = read_sources(inputs)
    articles: list[Article] = result.articles
    if not articles:
        raise BuildError("nothing to index: no readable bulletin in " + ", ".join(map(str, inputs)))
    cut: list[tuple[Article, list[Passage]]] = [(a, split_passages(a, options.max_chars)) for a in articles]
    texts = [p.text for _, ps in cut for p in ps]
    titles = [a.title for a in articles]
    index_dir.mkdir(parents=True, exist_ok=True)
    cache = SegmentCache(index_dir / "cache.sqlite")
    try:
        streams, segmented = segment_cached(texts + titles, cache, options.workers, progress)
    finally:
        cache.close()
    passage_streams, title_streams = streams[: len(texts)], streams[len(texts):]

    gen = new_generation(index_dir)
    fields_meta: dict[str, dict] = {}

    def build_fields(prefix: str, names: Sequence[str], word_streams: list[list[str | None]]) -> None:
        builders = {name: FieldBuilder() for name in names}
        for i, words in enumerate(word_streams):
            terms = fields_from_words(words)
            for name in names:
                builders[name].add(terms[name])
            if progress and (i % 5000 == 0 or i == len(word_streams) - 1):
                progress("weigh articles" if prefix else "weigh passages", i + 1, len(word_streams))
        for name, builder in builders.items():
            terms, term_of, doc_of, tf = builder.postings()
            matrix = FieldMatrix.from_postings(
                terms, term_of, doc_of, tf, np.asarray(builder.doc_len), options.k1, options.b, options.epsilon, options.dtype
            )
            matrix.save(gen, prefix + name)
            fields_meta[prefix + name] = {"avgdl": matrix.avgdl, "terms": int(len(matrix.terms)), "postings": int(len(matrix.docs))}

    build_fields("", FIELDS, passage_streams)
    article_streams: list[list[str | None]] = []
    pos = 0
    for (_, ps), title_words in zip(cut, title_streams):
        stream = list(title_words)
        for words in passage_streams[pos:pos + len(ps)]:
            stream.append(None)
            stream.extend(words)
        pos += len(ps)
        article_streams.append(stream)
    build_fields("doc.", ARTICLE_FIELDS, article_streams)
    article_of = np.repeat(np.arange(len(cut), dtype=np.int32), [len(ps) for _, ps in cut])
    np.save(gen / "passage_article.npy", article_of, allow_pickle=False)
    write_store(gen / "store.sqlite", cut)
    params = {
        "format": FORMAT_VERSION,
        "analyzer": ANALYZER_VERSION,
        "bm25": {"k1": options.k1, "b": options.b, "epsilon": options.epsilon},
        "dtype": options.dtype,
        "max_chars": options.max_chars,
        "fields": fields_meta,
        "n_articles": len(articles),
        "n_passages": len(texts),
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "inputs": [str(p) for p in inputs],
        "sources": _sources_manifest(result.files),
        "problems": [{"source": p.source, "reason": p.reason} for p in result.problems],
    }
    write_params(gen, params)
    final = publish(index_dir, gen)
    return BuildReport(
        generation=final,
        n_articles=len(articles),
        n_passages=len(texts),
        problems=result.problems,
        seconds=time.perf_counter() - started,
        segmented=segmented,
        cached=len(texts) + len(titles) - segmented,
    )


def is_stale(index_dir: Path) -> bool:
    """True when the bulletins the index was built from changed (added, removed or edited files).

    Sizes and times are compared first; a file whose fingerprint moved is re-hashed, so
    touching a file without changing it does not cost a rebuild.
    """
    try:
        gen = current_generation(index_dir)
    except IndexMissing:
        return False
    params = read_params(gen)
    if params.get("analyzer") != ANALYZER_VERSION or params.get("format") != FORMAT_VERSION:
        return True
    inputs = [Path(p) for p in params.get("inputs", [])]
    if not inputs or not all(p.exists() for p in inputs):
        return False  # the sources moved away: keep serving what we have
    files, _ = discover(inputs)
    recorded: dict[str, dict] = params.get("sources", {})
    if {str(f) for f in files} != set(recorded):
        return True
    for f in files:
        rec = recorded[str(f)]
        if source_state(f) != (rec["size"], rec["mtime_ns"]):
            if hashlib.sha256(f.read_bytes()).hexdigest() != rec["sha256"]:
                return True
    return False
