"""Read bulletins: the newspaper's plain-text pages and JSON Lines archives.

Parsing is pure (text in, Article out); only ``read_sources`` touches the disk.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from retrieval.model import Article, Paragraph, Problem
from retrieval.sources.decode import DecodeError, decode_bulletin
from retrieval.text.normalize import nfc

__all__ = [
    "ReadResult",
    "discover",
    "parse_bulletin",
    "parse_date",
    "parse_jsonl_record",
    "read_sources",
]

_DATE_RE = re.compile(r"\b(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4})\b")
_ISO_RE = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})")
_WEEKDAY_RE = re.compile(r"^\s*(thứ\s+\S+|chủ\s+nhật)\s*,?", re.IGNORECASE)
# The paper's tag at the start of a lead: "LSO-Chiều nay ...", "LSO - ...", "(LSO) ...".
_LEAD_TAG_RE = re.compile(r"^\(?[A-ZĐ]{2,8}\)?\s*[-–—:]\s*\S")
_SENTENCE_END = tuple(".!?…:;\"”)»'")


def parse_date(value: str | None) -> str | None:
    """'Thứ bảy, 06/03/2021' or '2021-03-06' → '2021-03-06'; anything else → None (never a guess)."""
    if not value:
        return None
    m = _ISO_RE.match(value)
    if m:
        y, mo, d = (int(g) for g in m.groups())
    else:
        m = _DATE_RE.search(value)
        if not m:
            return None
        d, mo, y = (int(g) for g in m.groups())
    try:
        return date(y, mo, d).isoformat()
    except ValueError:
        return None


def _is_date_line(line: str) -> bool:
    rest = _WEEKDAY_RE.sub("", line).strip()
    return bool(_DATE_RE.fullmatch(rest) or (_DATE_RE.match(rest) and len(rest) <= 20))


def _is_author_line(block: list[str]) -> bool:
    if len(block) != 1:
        return False
    line = block[0].strip()
    letters = [c for c in line if c.isalpha()]
    return bool(letters) and all(c.isupper() for c in letters) and len(line.split()) <= 8 and not line.endswith(_SENTENCE_END[:3])


def _blocks(text: str) -> list[list[str]]:
    """Blank-line separated blocks, each a list of non-empty stripped lines."""
    blocks: list[list[str]] = []
    current: list[str] = []
    for raw in text.split("\n"):
        line = " ".join(raw.split())
        if line:
            current.append(line)
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    return blocks


def _paragraphs_of_block(block: list[str]) -> list[tuple[str, bool]]:
    """Join wrapped lines; return (paragraph, wrapped_without_punctuation) pairs.

    A line that does not end a sentence continues on the next line: that is how the
    paper's photo captions wrap ("... Tỉnh ủy / phát biểu tại hội nghị").
    """
    out: list[tuple[str, bool]] = []
    pending: list[str] = []
    for line in block:
        pending.append(line)
        if line.endswith(_SENTENCE_END):
            out.append((" ".join(pending), False))
            pending = []
    if pending:
        out.append((" ".join(pending), True))
    return out


def _assemble(doc_id: str, title: str, paragraphs: list[tuple[str, str]], **meta: str | None) -> Article:
    """Lay paragraphs out as Article.text with offsets."""
    parts: list[str] = []
    spans: list[Paragraph] = []
    pos = 0
    for kind, para in paragraphs:
        if parts:
            pos += 2  # the blank line between paragraphs
        spans.append(Paragraph(kind, pos, pos + len(para)))
        parts.append(para)
        pos += len(para)
    return Article(
        doc_id=doc_id,
        title=title,
        date=meta.get("date"),
        text="\n\n".join(parts),
        paragraphs=spans,
        author=meta.get("author"),
        url=meta.get("url"),
        source=meta.get("source") or "",
    )


def parse_bulletin(text: str, doc_id: str, source: str = "") -> Article:
    """Parse one page of the paper: date line, title, lead, body, captions, author in capitals."""
    blocks = _blocks(nfc(text))
    if not blocks:
        raise ValueError("no text")
    page_date = None
    if _is_date_line(blocks[0][0]):
        page_date = parse_date(blocks[0][0])
        blocks[0] = blocks[0][1:]
        if not blocks[0]:
            blocks.pop(0)
    if not blocks:
        raise ValueError("only a date, no title or text")
    title = " ".join(blocks.pop(0))
    author = None
    if blocks and _is_author_line(blocks[-1]):
        author = blocks.pop()[0].strip()
    paragraphs: list[tuple[str, str]] = []
    for block in blocks:
        for para, unterminated in _paragraphs_of_block(block):
            if not paragraphs and _LEAD_TAG_RE.match(para):
                kind = "lead"
            elif unterminated and len(para) <= 300:
                kind = "caption"
            else:
                kind = "body"
            paragraphs.append((kind, para))
    if not paragraphs:
        raise ValueError("a title but no text")
    return _assemble(doc_id, title, paragraphs, date=page_date, author=author, source=source)


_SURROGATE_RE = re.compile(r"[\ud800-\udfff]")


def parse_jsonl_record(obj: object, source: str) -> Article:
    """One archive record {"id","title","date","text"[, "author", "url"]}; paragraphs split on blank lines."""
    if not isinstance(obj, dict):
        raise ValueError("not a JSON object")
    missing = [k for k in ("id", "text") if not obj.get(k)]
    if missing:
        raise ValueError(f"missing field(s): {', '.join(missing)}")
    for key in ("id", "title", "date", "text", "author", "url"):
        if obj.get(key) is not None and not isinstance(obj[key], (str, int)):
            raise ValueError(f'field "{key}" must be a string')
        if isinstance(obj.get(key), str) and _SURROGATE_RE.search(obj[key]):
            # "\ud83d" alone: half of an emoji cut by whoever exported it; no encoder can write it
            raise ValueError(f'field "{key}" holds a broken character (a lone UTF-16 surrogate); re-export the record')
    body = nfc(str(obj["text"]))
    paragraphs: list[tuple[str, str]] = []
    for block in _blocks(body):
        for para, _ in _paragraphs_of_block(block):
            kind = "lead" if not paragraphs and _LEAD_TAG_RE.match(para) else "body"
            paragraphs.append((kind, para))
    if not paragraphs:
        raise ValueError("empty text")
    return _assemble(
        str(obj["id"]),
        nfc(str(obj.get("title") or "")).strip(),
        paragraphs,
        date=parse_date(str(obj["date"])) if obj.get("date") else None,
        author=obj.get("author"),
        url=obj.get("url"),
        source=source,
    )


def discover(paths: Iterable[Path]) -> tuple[list[Path], list[Problem]]:
    """Expand files and folders (recursively, hidden entries skipped) into a sorted list of files."""
    files: list[Path] = []
    problems: list[Problem] = []
    for path in paths:
        if path.is_dir():
            files.extend(
                p for p in sorted(path.rglob("*")) if p.is_file() and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
        elif path.is_file():
            files.append(path)
        else:
            problems.append(Problem(str(path), "no such file or folder"))
    return sorted(set(files)), problems


def _doc_id_for(path: Path) -> str:
    """Stable, readable id: the file name without extension."""
    return nfc(path.stem)


@dataclass
class ReadResult:
    articles: list[Article]
    problems: list[Problem]
    files: dict[str, str]  # file path -> sha256 of its bytes (what the index was built from)


def _read_jsonl(path: Path, data: bytes) -> Iterator[Article | Problem]:
    try:
        text = decode_bulletin(data).text
    except DecodeError as exc:
        yield Problem(str(path), str(exc))
        return
    for lineno, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        where = f"{path}:{lineno}"
        try:
            yield parse_jsonl_record(json.loads(line), where)
        except json.JSONDecodeError as exc:
            yield Problem(where, f"malformed JSON ({exc.msg} at column {exc.colno})")
        except ValueError as exc:
            yield Problem(where, str(exc))


UNREADABLE = "unreadable"  # the recorded "hash" of a file that could not be read


def read_sources(paths: Iterable[Path]) -> ReadResult:
    """Read every bulletin under ``paths``; unreadable ones become Problems, never exceptions."""
    files, problems = discover(paths)
    articles: list[Article] = []
    hashes: dict[str, str] = {}
    seen: dict[str, str] = {}
    for path in files:
        try:
            data = path.read_bytes()
        except OSError as exc:
            problems.append(Problem(str(path), f"cannot read ({exc.strerror})"))
            # recorded all the same, so that the next freshness check does not take it for a new file
            hashes[str(path)] = UNREADABLE
            continue
        hashes[str(path)] = hashlib.sha256(data).hexdigest()
        if path.suffix.lower() == ".jsonl":
            items = list(_read_jsonl(path, data))
        else:
            try:
                decoded = decode_bulletin(data)
                items = [parse_bulletin(decoded.text, _doc_id_for(path), str(path))]
            except (DecodeError, ValueError) as exc:
                items = [Problem(str(path), str(exc))]
        for item in items:
            if isinstance(item, Problem):
                problems.append(item)
            elif item.doc_id in seen:
                problems.append(Problem(item.source, f'duplicate id "{item.doc_id}" (first in {seen[item.doc_id]}); skipped'))
            else:
                seen[item.doc_id] = item.source
                articles.append(item)
    return ReadResult(articles, problems, hashes)
