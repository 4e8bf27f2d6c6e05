"""Which reader a file needs, told by its bytes first and its name second."""

from __future__ import annotations

import io
import re
import zipfile
from typing import Literal

from retrieval.sources.draft import ReadError

__all__ = ["Format", "FormatError", "sniff"]

Format = Literal["page", "jsonl", "html", "docx", "pdf", "image"]


class FormatError(ReadError):
    """The bytes are a kind of file no reader takes; the message names it and the next step."""


_HTML_RE = re.compile(rb"^\s*(<!--.*?-->\s*)*<(!doctype\s+html|html|head|body|meta|title)\b", re.IGNORECASE | re.DOTALL)
_BINARY_EXTENSIONS = {
    ".pdf": "pdf",
    ".docx": "docx",
    ".jpg": "image",
    ".jpeg": "image",
    ".png": "image",
    ".tif": "image",
    ".tiff": "image",
    ".webp": "image",
}


def _is_docx(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return "word/document.xml" in zf.namelist()
    except (zipfile.BadZipFile, ValueError, OSError, NotImplementedError, EOFError):  # NotImplementedError: an unknown ZIP version
        return False


def _content_format(data: bytes) -> Format | Literal["zip"] | None:
    """What the bytes say they are, or None for plain text."""
    head = data[:2048].lstrip(b"\xef\xbb\xbf")
    if head.lstrip().startswith(b"%PDF-") or b"%PDF-" in data[:1024]:
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        return "docx" if _is_docx(data) else "zip"
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise FormatError("an old Word .doc (or Excel .xls) file; open it and save it as .docx")
    if data.startswith((b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"II*\x00", b"MM\x00*")) or (data[:4] == b"RIFF" and data[8:12] == b"WEBP"):
        return "image"  # a photo or a scan of a printed page: read with OCR
    if _HTML_RE.match(head):
        return "html"
    return None


def sniff(data: bytes, name: str) -> Format:
    """The reader for these bytes; a .pdf or .docx whose bytes are something else is named, not misread."""
    if not data.strip():
        raise FormatError("empty file")
    suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    found = _content_format(data)
    if found == "zip":
        if suffix == ".docx":
            raise FormatError("damaged Word document (its ZIP container is incomplete, e.g. a cut-off download); copy the file again")
        raise FormatError("a ZIP archive, not a bulletin; unpack it and index the files inside")
    expected = _BINARY_EXTENSIONS.get(suffix)
    if expected and found != expected:
        what = {"html": "a web page (HTML)", "pdf": "a PDF", "docx": "a Word document", "image": "a picture", None: "plain text"}[found]
        raise FormatError(f"named {suffix} but holds {what}; download or export the file again")
    if found:
        return found
    if suffix in (".html", ".htm"):
        return "html"
    if suffix == ".jsonl":
        return "jsonl"
    return "page"
