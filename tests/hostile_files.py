"""Six crafted bulletins, built here rather than committed as binaries (issue: hostile files).

    python tests/hostile_files.py OUT_DIR [--scale 1.0]

- ``zip-bomb.docx``: a Word document whose ``word/document.xml`` inflates to 1.5 GB (1.6 MB on disk);
- ``flate-bomb.pdf``: a PDF whose one page's content stream inflates to 1 GB of text-drawing operators;
- ``billion-laughs.docx``: nested XML entities in ``document.xml`` (1 KB);
- ``external-entity.docx``: an external entity naming /etc/passwd in ``document.xml``;
- ``deep-nesting.html``: 200,000 nested ``<div>``s;
- ``ampersands.html``: 5 million ``&amp;`` in one paragraph (25 MB).

The bombs are written without ever holding or compressing their inflated bytes: one chunk is
deflated once with a full flush (which makes every following identical chunk deflate to the same
bytes), repeated, and the checksums are run over the repeats. ``scale`` shrinks the two bombs and
the HTML sizes, for quick runs; the budgets must refuse them at any scale the tests use.
"""

from __future__ import annotations

import argparse
import io
import struct
import zlib
from pathlib import Path

__all__ = ["HOSTILE", "write_hostile_files"]

HOSTILE = ("zip-bomb.docx", "flate-bomb.pdf", "billion-laughs.docx", "external-entity.docx", "deep-nesting.html", "ampersands.html")

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_CHUNK = 1 << 20


def _template_parts() -> dict[str, bytes]:
    """The parts of an empty Word document, as python-docx writes one."""
    import zipfile

    import docx

    buf = io.BytesIO()
    docx.Document().save(buf)
    with zipfile.ZipFile(buf) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def _repeated_deflate(head: bytes, unit: bytes, total: int, tail: bytes, raw: bool) -> tuple[list[bytes], int, int]:
    """(compressed pieces, inflated size, checksum) of head + unit repeated to ``total`` bytes + tail.

    ``raw``: a bare deflate stream with a CRC-32 (ZIP); otherwise a zlib stream with its Adler-32 inside.
    """
    chunk = unit * max(1, _CHUNK // len(unit))
    repeats = max(1, (total - len(head) - len(tail)) // len(chunk))
    comp = zlib.compressobj(9, zlib.DEFLATED, -15 if raw else 15)
    check = zlib.crc32 if raw else zlib.adler32
    first = comp.compress(head) + comp.flush(zlib.Z_FULL_FLUSH)
    body = comp.compress(chunk) + comp.flush(zlib.Z_FULL_FLUSH)  # every identical chunk after a full flush: the same bytes
    end = comp.compress(tail) + comp.flush(zlib.Z_FINISH)
    value = check(head, 0 if raw else 1)
    for _ in range(repeats):
        value = check(chunk, value)
    value = check(tail, value)
    if not raw:
        end = end[:-4] + struct.pack(">I", value)  # the compressor's own Adler-32 saw the chunk once, not ``repeats`` times
    return [first, *([body] * repeats), end], len(head) + repeats * len(chunk) + len(tail), value


def _zip(path: Path, members: list[tuple[str, list[bytes], int, int]]) -> None:
    """A ZIP of deflated members given as (name, compressed pieces, inflated size, CRC-32), written by hand."""
    with open(path, "wb") as out:
        central = []
        for name, pieces, size, crc in members:
            offset = out.tell()
            packed = sum(map(len, pieces))
            encoded = name.encode()
            out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, packed, size, len(encoded), 0) + encoded)
            for piece in pieces:
                out.write(piece)
            central.append(
                struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0x21, crc, packed, size, len(encoded), 0, 0, 0, 0, 0, offset)
                + encoded
            )
        start = out.tell()
        directory = b"".join(central)
        out.write(directory)
        out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(central), len(central), len(directory), start, 0))


def _docx(path: Path, document: tuple[list[bytes], int, int]) -> None:
    members = []
    for name, data in _template_parts().items():
        if name == "word/document.xml":
            members.append((name, *document))
        else:
            comp = zlib.compressobj(9, zlib.DEFLATED, -15)
            members.append((name, [comp.compress(data) + comp.flush()], len(data), zlib.crc32(data)))
    _zip(path, members)


def _plain(xml: str) -> tuple[list[bytes], int, int]:
    data = xml.encode()
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    return [comp.compress(data) + comp.flush()], len(data), zlib.crc32(data)


def _pdf(path: Path, inflated: int) -> None:
    """One page whose content stream draws text ``inflated`` bytes long."""
    unit = b"BT /F1 9 Tf 36 700 Td (Ban tin Lang Son) Tj ET\n"
    pieces, _, _ = _repeated_deflate(b"", unit, inflated, b"", raw=False)
    stream = b"".join(pieces)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    path.write_bytes(bytes(out))


def write_hostile_files(folder: Path, scale: float = 1.0) -> dict[str, Path]:
    """Write the six files into ``folder``; name → path."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {name: folder / name for name in HOSTILE}
    head = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document xmlns:w="{_W}"><w:body>'.encode()
    tail = b"</w:body></w:document>"
    unit = b"<w:p><w:r><w:t>Ban tin Lang Son ban tin Lang Son.</w:t></w:r></w:p>"
    _docx(paths["zip-bomb.docx"], _repeated_deflate(head, unit, int(1.5e9 * scale), tail, raw=True))
    _pdf(paths["flate-bomb.pdf"], int(1e9 * scale))
    laughs = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    _docx(
        paths["billion-laughs.docx"],
        _plain(
            f'<?xml version="1.0"?><!DOCTYPE w:document [<!ENTITY l0 "ha">{laughs}]>'
            f'<w:document xmlns:w="{_W}"><w:body><w:p><w:r><w:t>&l9;</w:t></w:r></w:p></w:body></w:document>'
        ),
    )
    _docx(
        paths["external-entity.docx"],
        _plain(
            '<?xml version="1.0"?><!DOCTYPE w:document [<!ENTITY secret SYSTEM "file:///etc/passwd">]>'
            f'<w:document xmlns:w="{_W}"><w:body><w:p><w:r><w:t>Bản tin &secret;</w:t></w:r></w:p></w:body></w:document>'
        ),
    )
    depth = int(200_000 * scale)
    paths["deep-nesting.html"].write_text(
        "<html><head><title>Bản tin</title></head><body>"
        + "<div>" * depth
        + "<p>Bản tin Lạng Sơn.</p>"
        + "</div>" * depth
        + "</body></html>",
        encoding="utf-8",
    )
    paths["ampersands.html"].write_text(
        "<html><head><title>Bản tin</title></head><body><article><p>" + "&amp;" * int(5_000_000 * scale) + "</p></article></body></html>",
        encoding="utf-8",
    )
    return paths


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()
    for name, path in write_hostile_files(args.out, args.scale).items():
        print(f"{path.stat().st_size:>12,} {name}")
