"""Turn a bulletin's bytes into text, or say exactly why it can't be read.

Offices still produce files in legacy encodings. We convert only when sure
(UTF-8, UTF-16, and Windows-1258, TCVN3 or VNI that spell real Vietnamese) and refuse
everything else by name: mojibake in the index is worse than a missing file.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from retrieval.sources.legacy import tcvn3_decode, vni_decode
from retrieval.text.normalize import is_vietnamese_syllable, nfc

__all__ = ["DecodeError", "Decoded", "decode_bulletin"]


class DecodeError(ValueError):
    """The bytes are not a readable bulletin; the message is shown to the maintainer."""


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str


_WORD_RE = re.compile(r"[^\W\d_]+")
# Bytes that TCVN3 (ABC) and VNI files are full of, and that UTF-8 or Windows-1258 text
# almost never has in such numbers: used only to name the likely encoding in the report.
_TCVN3_HINT = set(b"\xb8\xb5\xb6\xb7\xb9\xa8\xae\xa9\xaa\xab\xac\xad\xd5\xd6\xe7\xe8")
_VNI_HINT = set(b"\xf8\xf9\xfa\xfb\xf5\xf6\xf7\xef\xf1\xd1")


def _vietnamese_ratio(text: str) -> float:
    """Share of words with non-ASCII letters that are spelled like Vietnamese syllables
    (each distinct word checked once: a text repeats its syllables many times)."""
    words = Counter(w for w in _WORD_RE.findall(text) if not w.isascii())
    total = sum(words.values())
    if not total:
        return 0.0
    good = sum(n for w, n in words.items() if is_vietnamese_syllable(w))
    return good / total


def _looks_binary(data: bytes) -> bool:
    sample = data[:4096]
    if b"\x00" in sample:
        return True
    control = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13))
    return control > len(sample) * 0.02


# C0/C1 control characters except tab and newline: dropped.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _clean(text: str) -> str:
    """NFC, Unix line ends, no BOM, no stray control characters."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    return nfc(_CONTROLS.sub("", text))


def decode_bulletin(data: bytes) -> Decoded:
    """Decode bulletin bytes; raise DecodeError with a Vietnamese-agnostic, maintainer-facing reason."""
    if not data.strip():
        raise DecodeError("empty file")
    if data.startswith(b"\xef\xbb\xbf"):
        return Decoded(_clean(data[3:].decode("utf-8", errors="strict")), "utf-8-sig")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return Decoded(_clean(data.decode("utf-16")), "utf-16")
        except UnicodeDecodeError as exc:
            raise DecodeError(f"broken UTF-16 text ({exc.reason})") from exc
    # UTF-16 without BOM: every other byte is zero in Vietnamese/ASCII text.
    head = data[:2000]
    if len(head) >= 4 and head.count(b"\x00") > len(head) * 0.3:
        for enc in ("utf-16-le", "utf-16-be"):
            try:
                text = data.decode(enc)
            except UnicodeDecodeError:
                continue
            if _vietnamese_ratio(text) > 0.9 or text.isascii():
                return Decoded(_clean(text), enc)
    if _looks_binary(data):
        raise DecodeError("binary file, not text")
    try:
        return Decoded(_clean(data.decode("utf-8")), "utf-8")
    except UnicodeDecodeError:
        pass
    # Legacy 8-bit encodings decode any byte, so each is accepted only when nearly every accented
    # word becomes a real Vietnamese syllable; the best of them wins.
    high = [b for b in data if b >= 0x80]
    # Ranked on a sample (whole lines, up to 16 KB): enough words to tell the encodings apart, and
    # only the winner converts the whole file.
    sample = data if len(data) <= 16384 else data[: data.rfind(b"\n", 0, 16384) + 1 or 16384]
    scored: list[tuple[float, str, str, Callable[[bytes], str]]] = []
    for name, decode in _LEGACY:
        text = _clean(decode(sample))
        if "\ufffd" not in text:
            scored.append((_vietnamese_ratio(text), name, text, decode))
    scored.sort(key=lambda item: item[0], reverse=True)
    if scored and scored[0][0] >= 0.97:
        _, name, text, decode = scored[0]
        if sample is data:
            return Decoded(text, name)
        text = _clean(decode(data))
        if "\ufffd" not in text and _vietnamese_ratio(text) >= 0.97:
            return Decoded(text, name)
    if high and sum(b in _TCVN3_HINT for b in high) > len(high) * 0.5:
        raise DecodeError("looks like TCVN3 (ABC) but converts into words that are not Vietnamese; check the file's encoding")
    if high and sum(b in _VNI_HINT for b in high) > len(high) * 0.3:
        raise DecodeError("looks like VNI but converts into words that are not Vietnamese; check the file's encoding")
    raise DecodeError("not UTF-8, UTF-16, Windows-1258, TCVN3 or VNI text; save it as UTF-8 and index again")


_LEGACY: tuple[tuple[str, Callable[[bytes], str]], ...] = (
    ("cp1258", lambda data: data.decode("cp1258", errors="replace")),
    ("tcvn3", tcvn3_decode),
    ("vni", vni_decode),
)
