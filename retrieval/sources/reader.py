"""Read bulletins in every format: the paper's text pages, JSON Lines archives, web pages, Word, PDF.

``read_bytes`` is the one entry point (bytes in, articles or named problems out); it picks the reader
by the bytes (formats.sniff). Parsing is pure; only ``read_sources`` touches the disk.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from retrieval.model import Article, Paragraph, Problem
from retrieval.sources.budget import Budget, OverBudget, current_budget
from retrieval.sources.dates import parse_date
from retrieval.sources.decode import DecodeError, decode_bulletin
from retrieval.sources.draft import LEAD_TAG_RE, SENTENCE_END, Draft, ReadError, join_wrapped, text_blocks, to_article
from retrieval.sources.formats import sniff
from retrieval.sources.guard import GUARDED_FORMATS, read_guarded
from retrieval.sources.ocr import OcrPage, read_picture_pages
from retrieval.sources.pdf import read_pdf
from retrieval.sources.webpage import read_html
from retrieval.sources.word import read_docx
from retrieval.text.normalize import nfc

__all__ = [
    "UNREADABLE",
    "ReadResult",
    "discover",
    "parse_bulletin",
    "parse_date",
    "parse_jsonl_record",
    "parse_page",
    "read_bytes",
    "read_file",
    "read_sources",
]

_DATE_RE = re.compile(r"\b(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4})\b")
_WEEKDAY_RE = re.compile(r"^\s*(thứ\s+\S+|chủ\s+nhật)\s*,?", re.IGNORECASE)


def _is_date_line(line: str) -> bool:
    rest = _WEEKDAY_RE.sub("", line).strip()
    return bool(_DATE_RE.fullmatch(rest) or (_DATE_RE.match(rest) and len(rest) <= 20))


def scanned_page(pages: list[OcrPage], fallback_title: str) -> Draft:
    """A photo or scan read by OCR, laid out as the paper's text pages are (title, lead, body), with its confidence."""
    text = "\n\n".join("\n".join(page.lines) for page in pages)
    if len(text.strip()) < 20:
        raise ReadError("no text could be read from the picture (a photo of something else, or too blurred); scan it again")
    draft = parse_page(text)
    draft.title = draft.title or fallback_title
    draft.ocr = round(sum(p.confidence for p in pages) / len(pages), 1)
    draft.scanned_pages = len(pages)
    return draft


def _is_author_line(block: list[str]) -> bool:
    if len(block) != 1:
        return False
    line = block[0].strip()
    letters = [c for c in line if c.isalpha()]
    return bool(letters) and all(c.isupper() for c in letters) and len(line.split()) <= 8 and not line.endswith(SENTENCE_END[:3])


def parse_page(text: str) -> Draft:
    """One page of the paper: date line, title, lead, body, captions, author in capitals."""
    blocks = text_blocks(nfc(text))
    if not blocks:
        raise blocks.no_text("no text")
    page_date = None
    if _is_date_line(blocks[0][0]):
        page_date = parse_date(blocks[0][0])
        blocks[0] = blocks[0][1:]
        if not blocks[0]:
            blocks.pop(0)
    if not blocks:
        raise ReadError("only a date, no title or text")
    title = " ".join(blocks.pop(0))
    author = None
    if blocks and _is_author_line(blocks[-1]):
        author = blocks.pop()[0].strip()
    paragraphs: list[tuple[str, str]] = []
    for block in blocks:
        for para, unterminated in join_wrapped(block):
            if not paragraphs and LEAD_TAG_RE.match(para):
                kind = "lead"
            elif unterminated and len(para) <= 300:
                kind = "caption"
            else:
                kind = "body"
            paragraphs.append((kind, para))
    if not paragraphs:
        raise blocks.no_text("a title but no text")
    return Draft(title=title, paragraphs=paragraphs, published=page_date, author=author)


def parse_bulletin(text: str, doc_id: str, source: str = "") -> Article:
    """Parse one page of the paper into an Article (the page format of ``seeds/``)."""
    return to_article(parse_page(text), doc_id, source)


_SURROGATE_RE = re.compile(r"[\ud800-\udfff]")


def parse_jsonl_record(obj: object, source: str, budget: Budget | None = None) -> Article:
    """One archive record {"id", "text"[, "title", "date", "published", "author", "url"]}; paragraphs split on blank lines.

    "published" is the page's date and "date" the event's; either may be left out (see sources/dates.py).
    """
    if not isinstance(obj, dict):
        raise ReadError("not a JSON object")
    missing = [k for k in ("id", "text") if not obj.get(k)]
    if missing:
        raise ReadError(f"missing field(s): {', '.join(missing)}")
    for key in ("id", "title", "date", "published", "text", "author", "url"):
        if obj.get(key) is not None and not isinstance(obj[key], (str, int)):
            raise ReadError(f'field "{key}" must be a string')
        if isinstance(obj.get(key), str) and _SURROGATE_RE.search(obj[key]):
            # "\ud83d" alone: half of an emoji cut by whoever exported it; no encoder can write it
            raise ReadError(f'field "{key}" holds a broken character (a lone UTF-16 surrogate); re-export the record')
    body = nfc(str(obj["text"]))
    paragraphs: list[tuple[str, str]] = []
    blocks = text_blocks(body)
    for block in blocks:
        for para, _ in join_wrapped(block):
            kind = "lead" if not paragraphs and LEAD_TAG_RE.match(para) else "body"
            paragraphs.append((kind, para))
    if not paragraphs:
        raise blocks.no_text("empty text")
    draft = Draft(
        title=nfc(str(obj.get("title") or "")).strip(),
        paragraphs=paragraphs,
        published=parse_date(str(obj["published"])) if obj.get("published") else None,
        date=parse_date(str(obj["date"])) if obj.get("date") else None,
        author=obj.get("author"),
        url=obj.get("url"),
    )
    _check_size(draft, budget or current_budget())
    return to_article(draft, str(obj["id"]), source)


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


@dataclass
class ReadResult:
    articles: list[Article]
    problems: list[Problem]
    files: dict[str, str]  # file path -> sha256 of its bytes (what the index was built from)


def _read_jsonl(path: Path, data: bytes, budget: Budget) -> Iterator[Article | Problem]:
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
            yield parse_jsonl_record(json.loads(line), where, budget)
        except OverBudget as exc:
            yield exc.problem(where)
        except json.JSONDecodeError as exc:
            yield Problem(where, f"malformed JSON ({exc.msg} at column {exc.colno})")
        except ValueError as exc:  # ReadError, and int/str oddities json lets through
            yield Problem(where, str(exc))


UNREADABLE = "unreadable"  # the recorded "hash" of a file that could not be read


def read_bytes(data: bytes, name: str, source: str | None = None, budget: Budget | None = None) -> list[Article | Problem]:
    """Every article in one file's bytes, or the Problems that say why not: the one entry point for
    every format (the file's name helps only where its bytes cannot tell). Never raises for what a file
    holds: whatever a reader meets becomes a Problem naming the file, and the caller goes on.

    In-process; ``read_file`` reads the formats whose parsing a file can make costly in a capped worker.
    """
    source = source or name
    doc_id = nfc(Path(name).stem)
    budget = budget or current_budget()
    try:
        kind = sniff(data, name)
        if kind == "jsonl":
            return list(_read_jsonl(Path(source), data, budget))
        if kind == "html":
            drafts = [read_html(data, budget=budget)]
        elif kind == "docx":
            drafts = read_docx(data, doc_id, budget)
        elif kind == "pdf":
            drafts = [read_pdf(data, doc_id, budget)]
        elif kind == "image":
            drafts = [scanned_page(read_picture_pages(data, budget), doc_id)]
        else:
            drafts = [parse_page(decode_bulletin(data).text)]
        for draft in drafts:
            _check_size(draft, budget)
    except OverBudget as exc:
        return [exc.problem(source)]
    except (DecodeError, ReadError) as exc:
        return [Problem(source, str(exc))]
    except MemoryError:
        raise  # the guard's worker reports it as over its memory budget
    except Exception as exc:  # a reader's own bug on strange content: the file is named, the others are read
        return [Problem(source, f"could not be read ({type(exc).__name__}: {str(exc)[:120]}); please report this file")]
    if len(drafts) == 1:
        return [to_article(drafts[0], doc_id, source)]
    return [to_article(draft, f"{doc_id}#{n}", source) for n, draft in enumerate(drafts, start=1)]


def _check_size(draft: Draft, budget: Budget) -> None:
    size = sum(len(text) for _, text in draft.paragraphs)
    if size > budget.article_chars:
        raise OverBudget(
            "article",
            budget.article_chars,
            f"an article of {size:,} characters, more than {budget.article_chars:,} (BANTIN_READ_ARTICLE_CHARS); split it",
        )


def read_file(
    data: bytes,
    name: str,
    source: str | None = None,
    budget: Budget | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> list[Article | Problem]:
    """``read_bytes``, with Word, PDF and web files read in a worker under the budget's memory and time caps
    (sources/guard.py): what builds and the bot's uploads call."""
    try:
        kind = sniff(data, name)
    except ReadError as exc:
        return [Problem(source or name, str(exc))]
    if kind in GUARDED_FORMATS:
        return read_guarded(read_bytes, data, name, source or name, budget, on_progress)
    return read_bytes(data, name, source, budget)


OCR_CACHE_VERSION = "1"  # bump when the reader's handling of OCR text changes: the cached articles are read again


class ScanCache:
    """Articles read by OCR, keyed by the file's content: a rebuild, or the same scan under another name, is not
    read again (nor needs Tesseract). JSON in the index's cache file beside the segmentation; never pickle."""

    def __init__(self, path: Path) -> None:
        self.con = sqlite3.connect(path, timeout=30)
        self.con.execute("CREATE TABLE IF NOT EXISTS scans (key TEXT PRIMARY KEY, articles TEXT NOT NULL)")
        self.version = OCR_CACHE_VERSION

    def get(self, digest: str, path: Path) -> list[Article] | None:
        """The articles of the file with this content, named after ``path`` as reading it would."""
        row = self.con.execute("SELECT articles FROM scans WHERE key = ?", (f"{digest}:{self.version}",)).fetchone()
        if row is None:
            return None
        out = []
        for item in json.loads(row[0]):
            paragraphs = [Paragraph(**p) for p in item.pop("paragraphs")]
            doc_id = nfc(path.stem) + item.pop("doc_id")  # the id follows the file's name: kept as its suffix ("#2")
            out.append(Article(**{**item, "doc_id": doc_id, "paragraphs": paragraphs, "source": str(path)}))
        return out

    def put(self, digest: str, path: Path, articles: list[Article]) -> None:
        base = nfc(path.stem)
        records = json.dumps([asdict(a) | {"doc_id": a.doc_id.removeprefix(base)} for a in articles], ensure_ascii=False)
        self.con.execute("INSERT OR REPLACE INTO scans VALUES (?, ?)", (f"{digest}:{self.version}", records))
        self.con.commit()

    def close(self) -> None:
        self.con.close()


def read_sources(
    paths: Iterable[Path], scan_cache: Path | None = None, progress: Callable[[str, int, int], None] | None = None
) -> ReadResult:
    """Read every bulletin under ``paths``; unreadable ones become Problems, never exceptions. With ``scan_cache``,
    files read by OCR are kept there by content; ``progress("OCR pages", done, total)`` follows a long scan."""
    files, problems = discover(paths)
    articles: list[Article] = []
    hashes: dict[str, str] = {}
    seen: dict[str, str] = {}
    try:
        cache = ScanCache(scan_cache) if scan_cache is not None else None
    except sqlite3.DatabaseError:  # a damaged cache is only a cache: the build's segmentation cache drops it
        cache = None

    def pages(done: int, total: int) -> None:
        if progress is not None:
            progress("OCR pages", done, total)

    try:
        for path in files:
            try:
                data = path.read_bytes()
            except OSError as exc:
                problems.append(Problem(str(path), f"cannot read ({exc.strerror})"))
                # recorded all the same, so that the next freshness check does not take it for a new file
                hashes[str(path)] = UNREADABLE
                continue
            digest = hashes[str(path)] = hashlib.sha256(data).hexdigest()
            cached = cache.get(digest, path) if cache is not None else None
            items: list[Article | Problem] = [*cached] if cached is not None else read_file(data, path.name, str(path), on_progress=pages)
            if cached is None:
                read = [i for i in items if isinstance(i, Article)]
                if cache is not None and read and len(read) == len(items) and any(a.ocr is not None for a in read):
                    cache.put(digest, path, read)
            for item in items:
                if isinstance(item, Problem):
                    problems.append(item)
                elif item.doc_id in seen:
                    problems.append(Problem(item.source, f'duplicate id "{item.doc_id}" (first in {seen[item.doc_id]}); skipped'))
                else:
                    seen[item.doc_id] = item.source
                    articles.append(item)
    finally:
        if cache is not None:
            cache.close()
    return ReadResult(articles, problems, hashes)
