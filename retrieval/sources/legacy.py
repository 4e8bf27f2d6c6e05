"""TCVN3 (ABC) and VNI: the 8-bit Vietnamese encodings older government files are typed in.

Both are converted to Unicode NFC with the standard tables, never guessed letter by letter:

- **TCVN3 (ABC)**, TCVN 5712:1993 "VN3": one byte per letter. Bytes 0xA1-0xFF are the table below
  (the code chart of the standard, the same as glibc's ``TCVN5712-1`` in that range). The lower-case
  font (``.VnTime``) and the capitals font (``.VnTimeH``) share the codes: a ``.VnTimeH`` run is
  converted and then upper-cased. Bytes 0x80-0x9F are Windows-1252 punctuation (curly quotes, dashes),
  which is what Windows wrote there.
- **VNI Windows**: a base letter followed by one modifier byte (``a`` + 0xF9 is á); a few letters are
  one byte (0xF4 ơ, 0xF6 ư, 0xF1 đ, 0xED í ...). Decoded with Windows-1252 first, as Word stores them.

Pure functions on str/bytes; the readers decide when to call them.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

__all__ = [
    "LegacyFont",
    "font_encoding",
    "tcvn3_decode",
    "tcvn3_encode",
    "tcvn3_to_unicode",
    "vni_decode",
    "vni_encode",
    "vni_to_unicode",
]

# ---- TCVN3 (ABC) -------------------------------------------------------------------------------

# Code chart of TCVN 5712:1993 from 0xA1 to 0xFF, one character per byte in order.
_TCVN3_HIGH = (
    "ĂÂÊÔƠƯĐăâêôơưđẰ"  # A1-AF
    "\u0300\u0309\u0303\u0301\u0323àảãáạẲằẳẵắẴ"  # B0-BF (B0-B4 are combining tone marks)
    "ẮẦẨẪẤỀặầẩẫấậèỂẻẽ"  # C0-CF
    "éẹềểễếệìỉỄẾỒĩíịò"  # D0-DF
    "Ổỏõóọồổỗốộờởỡớợù"  # E0-EF
    "ỖủũúụừửữứựỳỷỹýỵỐ"  # F0-FF
)
assert len(_TCVN3_HIGH) == 0x5F, len(_TCVN3_HIGH)


@cache
def _tcvn3_tables() -> tuple[dict[int, str], dict[str, bytes]]:
    decode: dict[int, str] = {}
    for byte in range(0x80, 0xA1):
        try:
            decode[byte] = bytes([byte]).decode("cp1252")
        except UnicodeDecodeError:
            decode[byte] = "\ufffd"
    for offset, char in enumerate(_TCVN3_HIGH):
        decode[0xA1 + offset] = char
    encode = {char: bytes([byte]) for byte, char in decode.items() if byte >= 0xA1 and not unicodedata.combining(char)}
    for byte in range(0x80, 0xA0):  # punctuation written by Windows in that range, kept on the way back
        if decode[byte] != "\ufffd":
            encode.setdefault(decode[byte], bytes([byte]))
    return decode, encode


@cache
def _tcvn3_translation() -> dict[int, str]:
    """Latin-1 code point → Unicode, for str.translate (one C-level pass instead of a loop per byte)."""
    decode, _ = _tcvn3_tables()
    return dict(decode)


def tcvn3_decode(data: bytes) -> str:
    """TCVN3 bytes → Unicode NFC."""
    return unicodedata.normalize("NFC", data.decode("latin-1").translate(_tcvn3_translation()))


def tcvn3_to_unicode(text: str, capitals: bool = False) -> str:
    """A run that Word holds as Windows-1252 characters in a ``.VnTime`` (or ``.VnTimeH``) font → Unicode."""
    converted = tcvn3_decode(_as_cp1252_bytes(text))
    return converted.upper() if capitals else converted


def tcvn3_encode(text: str) -> bytes:
    """Unicode → TCVN3 bytes; a capital with a tone mark has no code in VN3 and is written lower-case
    (as ``.VnTimeH`` documents do). Raises UnicodeEncodeError for characters outside the table."""
    _, encode = _tcvn3_tables()
    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        if ord(ch) < 0x80:
            out += ch.encode("ascii")
        elif ch in encode:
            out += encode[ch]
        elif ch.lower() in encode:
            out += encode[ch.lower()]
        else:
            raise UnicodeEncodeError("tcvn3", ch, 0, 1, "no TCVN3 code")
    return bytes(out)


# ---- VNI Windows -------------------------------------------------------------------------------

# Modifier characters (as Windows-1252 shows the bytes), lower-case letters / capitals.
_VNI_TONES = {"\u0301": ("ù", "Ù"), "\u0300": ("ø", "Ø"), "\u0309": ("û", "Û"), "\u0303": ("õ", "Õ"), "\u0323": ("ï", "Ï")}
_VNI_HAT = {  # circumflex and breve fused with a tone: (no tone, acute, grave, hook, tilde, dot)
    "\u0302": (("â", "Â"), ("á", "Á"), ("à", "À"), ("å", "Å"), ("ã", "Ã"), ("ä", "Ä")),
    "\u0306": (("ê", "Ê"), ("é", "É"), ("è", "È"), ("ú", "Ú"), ("ü", "Ü"), ("ë", "Ë")),
}
_TONE_ORDER = ("", "\u0301", "\u0300", "\u0309", "\u0303", "\u0323")
# Letters VNI writes as one byte: horned o/u, đ, and every toned i (and ỵ).
_VNI_SINGLE = {
    "ơ": "ô", "Ơ": "Ô", "ư": "ö", "Ư": "Ö", "đ": "ñ", "Đ": "Ñ",
    "í": "í", "Í": "Í", "ì": "ì", "Ì": "Ì", "ỉ": "æ", "Ỉ": "Æ", "ĩ": "ó", "Ĩ": "Ó", "ị": "ò", "Ị": "Ò",
    "ỵ": "î", "Ỵ": "Î",
}  # fmt: skip


@cache
def _vni_tables() -> tuple[dict[str, str], re.Pattern[str]]:
    """Unicode letter → VNI spelling (Windows-1252 characters), for every Vietnamese vowel and đ."""
    encode: dict[str, str] = {}
    for upper in (False, True):
        case = 1 if upper else 0
        for base in "aeiouy":
            letter = base.upper() if upper else base
            for tone in _TONE_ORDER:
                char = unicodedata.normalize("NFC", letter + tone)
                encode[char] = letter + (_VNI_TONES[tone][case] if tone else "")
        for base, hat in (("a", "\u0302"), ("e", "\u0302"), ("o", "\u0302"), ("a", "\u0306")):
            letter = base.upper() if upper else base
            for i, tone in enumerate(_TONE_ORDER):
                encode[unicodedata.normalize("NFC", letter + hat + tone)] = letter + _VNI_HAT[hat][i][case]
        for horn in ("ơ", "ư"):
            letter = horn.upper() if upper else horn
            single = _VNI_SINGLE[letter]
            for tone in _TONE_ORDER[1:]:
                encode[unicodedata.normalize("NFC", letter + tone)] = single + _VNI_TONES[tone][case]
    encode.update(_VNI_SINGLE)
    for char in list(encode):
        if char.isascii():
            del encode[char]
    # Longest spelling first, so that "aâ" (â) wins over a lone "â".
    spellings = sorted({v for v in encode.values()}, key=len, reverse=True)
    pattern = re.compile("|".join(re.escape(s) for s in spellings))
    return encode, pattern


@cache
def _vni_decode_map() -> dict[str, str]:
    encode, _ = _vni_tables()
    return {spelling: char for char, spelling in encode.items()}


def vni_to_unicode(text: str) -> str:
    """Text holding VNI spellings as Windows-1252 characters (a VNI run in Word) → Unicode NFC."""
    _, pattern = _vni_tables()
    decode = _vni_decode_map()
    return unicodedata.normalize("NFC", pattern.sub(lambda m: decode[m.group(0)], text))


def vni_decode(data: bytes) -> str:
    """VNI Windows bytes → Unicode NFC."""
    return vni_to_unicode(data.decode("cp1252", errors="replace"))


def vni_encode(text: str) -> bytes:
    """Unicode → VNI Windows bytes (used by tests and fixtures; raises UnicodeEncodeError when impossible)."""
    encode, _ = _vni_tables()
    spelled = "".join(encode.get(ch, ch) for ch in unicodedata.normalize("NFC", text))
    return spelled.encode("cp1252")


# ---- fonts -------------------------------------------------------------------------------------

LegacyFont = str  # "tcvn3", "tcvn3-capitals" or "vni"


def font_encoding(font: str | None) -> LegacyFont | None:
    """Which legacy encoding a font name implies: ``.VnTime`` → tcvn3, ``.VnTimeH`` → tcvn3-capitals, ``VNI-Times`` → vni."""
    if not font:
        return None
    name = font.strip()
    if name.startswith(".Vn"):  # .VnTime, .VnArial, .VnTimeH, .VnArialH, .VnCentury Schoolbook ...
        return "tcvn3-capitals" if name.endswith("H") else "tcvn3"
    if name.upper().startswith(("VNI-", "VNI ")):  # VNI-Times, VNI-Helve, VNI-Top ...
        return "vni"
    return None


def _as_cp1252_bytes(text: str) -> bytes:
    """Characters Word shows for 8-bit font codes → the codes (Latin-1 where Windows-1252 has no glyph)."""
    out = bytearray()
    for ch in text:
        try:
            out += ch.encode("cp1252")
        except UnicodeEncodeError:
            code = ord(ch)
            if code < 0x100:
                out.append(code)
            elif 0xF000 <= code <= 0xF0FF:  # symbol-font private use area: the low byte is the code
                out.append(code - 0xF000)
            else:
                out += ch.encode("utf-8")
    return bytes(out)
