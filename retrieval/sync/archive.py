"""The archive the index is built from: JSON Lines files of fetched articles, each written atomically."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from retrieval.index.layout import write_atomically
from retrieval.model import Article

__all__ = ["PartWriter", "Record", "digest", "record", "rewrite", "write_jsonl"]

Record = dict[str, str | None]


def record(article: Article) -> Record:
    """An article as one archive line."""
    return {
        "id": article.doc_id,
        "title": article.title,
        "date": article.date,
        "published": article.published,
        "author": article.author,
        "url": article.url,
        "text": article.text,
    }


def digest(rec: Record) -> str:
    """What changes when the article's text or metadata does (an edited page is stored again; the same one is not)."""
    return hashlib.sha256(json.dumps(rec, ensure_ascii=False).encode()).hexdigest()


def write_jsonl(path: Path, records: list[Record]) -> None:
    """Write the records as JSON Lines, atomically."""
    write_atomically(path, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode(), ".sync-")


def rewrite(path: Path, replacements: dict[str, Record]) -> None:
    """The archive file with some records replaced by their new versions."""
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()] if path.exists() else []
    seen = set()
    for i, rec in enumerate(records):
        if rec.get("id") in replacements:
            records[i] = replacements[rec["id"]]
            seen.add(rec["id"])
    records += [r for doc_id, r in replacements.items() if doc_id not in seen]
    write_jsonl(path, records)


class PartWriter:
    """A crawl's articles as numbered part files of at most ``per_part`` records; ``flush`` writes the open part
    again, whole and atomically, so a crawl killed at any point leaves only complete files behind."""

    def __init__(self, folder: Path, prefix: str, per_part: int = 500) -> None:
        self.folder = folder
        self.prefix = prefix
        self.per_part = per_part
        self.part = 0
        self.records: list[Record] = []
        self.pending = 0  # records added since the last flush

    @property
    def path(self) -> Path:
        return self.folder / f"{self.prefix}-{self.part:04d}.jsonl"

    def add(self, rec: Record) -> Path:
        """Keep ``rec`` in the open part (a new part once it is full); the file it will be in."""
        if len(self.records) >= self.per_part:
            self.flush()
            self.part += 1
            self.records = []
        self.records.append(rec)
        self.pending += 1
        return self.path

    def flush(self) -> None:
        if self.pending:
            write_jsonl(self.path, self.records)
            self.pending = 0
