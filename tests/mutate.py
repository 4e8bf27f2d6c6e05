"""Mutations of real bulletin files for fuzzing the readers (tests/test_fuzz.py, benchmarks/hostile.py).

A mutation is a list of edits drawn by hypothesis: flip, insert, delete or duplicate bytes at a position,
or cut the file short. Word files are also mutated inside (``word/document.xml`` edited, then zipped again),
since most edits to the compressed bytes only break the ZIP, which the readers meet early.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from hypothesis import strategies as st

__all__ = ["SEED_FILES", "apply_edits", "edits", "mutated_file"]

FIXTURES = Path(__file__).resolve().parent / "fixtures"
# One real file per format the readers take: Word (and legacy fonts), PDF, web page, TCVN3, VNI, JSON Lines, page text.
SEED_FILES = (
    FIXTURES / "formats" / "ban-tin-dan-van-12-2024.docx",
    FIXTURES / "formats" / "bao-cao-quy-1-vntime.docx",
    FIXTURES / "formats" / "ban-tin-so-11-2024.pdf",
    FIXTURES / "formats" / "doi-thoai-thanh-nien.html",
    FIXTURES / "formats" / "tong-ket-thi-dua-tcvn3.txt",
    FIXTURES / "formats" / "kiem-tra-van-lang-vni.txt",
    FIXTURES / "dated" / "ban-tin-theo-nam.jsonl",
    Path(__file__).resolve().parent.parent / "seeds" / "tong-ket-cong-tac-dan-van-nam-2018.txt",
)

_EDIT = st.tuples(
    st.sampled_from(["flip", "insert", "delete", "repeat", "cut"]),
    st.floats(min_value=0, max_value=1, allow_nan=False),
    st.binary(min_size=1, max_size=64) | st.sampled_from([b"<", b"&amp;", b"\x00", b"%PDF", b"stream\n", b"}", b"\xff\xfe", b"<w:p>" * 40]),
    st.integers(min_value=1, max_value=4096),
)


def edits(max_edits: int = 6) -> st.SearchStrategy[list[tuple[str, float, bytes, int]]]:
    return st.lists(_EDIT, min_size=1, max_size=max_edits)


def apply_edits(data: bytes, changes: list[tuple[str, float, bytes, int]]) -> bytes:
    out = bytearray(data)
    for op, where, chunk, n in changes:
        at = int(where * len(out))
        if op == "flip":
            out[at : at + len(chunk)] = bytes(b ^ c for b, c in zip(out[at : at + len(chunk)], chunk, strict=False))
        elif op == "insert":
            out[at:at] = chunk
        elif op == "delete":
            del out[at : at + n]
        elif op == "repeat":
            out[at:at] = bytes(out[at : at + min(n, 256)]) * 8
        else:
            del out[max(1, at) :]
    return bytes(out)


def mutated_file(path: Path, changes: list[tuple[str, float, bytes, int]], inside: bool) -> bytes:
    """The file with the edits applied to its bytes, or (Word, ``inside``) to its document.xml, zipped again."""
    data = path.read_bytes()
    if not (inside and path.suffix == ".docx"):
        return apply_edits(data, changes)
    src = zipfile.ZipFile(io.BytesIO(data))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            part = src.read(info)
            dst.writestr(info.filename, apply_edits(part, changes) if info.filename == "word/document.xml" else part)
    return buf.getvalue()
