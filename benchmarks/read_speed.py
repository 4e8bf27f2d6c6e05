"""How fast each reader turns files into articles, against segmenting the same text with pyvi.

    pip install -e '.[fixtures]' && python benchmarks/read_speed.py [--docs 200]

Builds a corpus per format in memory from the seed bulletin and the format fixtures (paragraphs
shuffled into articles of about 3,000 characters): the paper's text pages, JSON Lines, saved web
pages with menus and comments around the article, Word files, PDFs (two pages each, running headers
and footers; needs reportlab and the DejaVu font, else skipped with a message), TCVN3 and VNI text.
Reports MB/s of input, documents/s, and reading time ÷ the time to segment the text the reader
produced with pyvi alone ("read/segment", the stricter baseline) and ÷ the whole analysis the index
runs on it ("read/analyse": segmentation, normalisation, accent-free fields). Below 1.0, reading is
faster. "Word bulletin" files hold ten articles each, as a monthly bulletin does.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from retrieval.model import Article  # noqa: E402
from retrieval.sources.legacy import tcvn3_encode, vni_encode  # noqa: E402
from retrieval.sources.reader import read_bytes, read_sources  # noqa: E402
from retrieval.text.analyzer import document_terms  # noqa: E402
from retrieval.text.segment import get_tokenizer  # noqa: E402

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def _paragraph_pool() -> list[str]:
    arts = read_sources([ROOT / "seeds", ROOT / "tests" / "fixtures" / "formats"]).articles
    return [a.text[p.start : p.end] for a in arts for p in a.paragraphs if p.end - p.start >= 60]


def _articles(n: int, seed: int = 7) -> list[tuple[str, str, list[str]]]:
    """(date line, title, paragraphs) × n, about 3,000 characters each."""
    rng = random.Random(seed)
    pool = _paragraph_pool()
    out = []
    for i in range(n):
        paras: list[str] = []
        while sum(map(len, paras)) < 3000:
            paras.append(rng.choice(pool))
        out.append((f"Thứ hai, {1 + i % 28:02d}/{1 + i % 12:02d}/2024", f"Bản tin số {i + 1}: " + paras[0][:60].rsplit(" ", 1)[0], paras))
    return out


def _page(day: str, title: str, paras: list[str]) -> bytes:
    return ("\n\n".join([day, title, *paras]) + "\n").encode("utf-8")


def _html(day: str, title: str, paras: list[str]) -> bytes:
    nav = "".join(f'<li><a href="/m{i}">Chuyên mục {i}</a></li>' for i in range(12))
    body = "".join(f"<p>{p}</p>" for p in paras)
    related = "".join(f'<li><a href="/r{i}">Tin liên quan số {i} về hoạt động của các huyện</a></li>' for i in range(6))
    comments = "".join(f'<div class="comment"><b>Bạn đọc {i}</b><p>Bài viết hay, cảm ơn báo.</p></div>' for i in range(4))
    return (
        f'<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>{title}</title>'
        f'<meta property="article:published_time" content="2024-05-0{1 + len(title) % 9}T08:00:00+07:00"></head>'
        f"<body><header><nav><ul>{nav}</ul></nav></header><main><article><h1>{title}</h1><div>{day}</div>{body}</article>"
        f'<aside><ul>{related}</ul></aside><section id="comments">{comments}</section></main><footer>Báo điện tử</footer></body></html>'
    ).encode()


def _word_file(first_line: str, arts: list[tuple[str, list[str]]]) -> bytes:
    """A .docx: a first line (a date), then each article as a heading and its paragraphs."""
    import docx

    d = docx.Document()
    d.add_paragraph(first_line)
    for title, paras in arts:
        d.add_heading(title, level=1)
        for p in paras:
            d.add_paragraph(p)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def _docx(day: str, title: str, paras: list[str]) -> bytes:
    return _word_file(day, [(title, paras)])


def _docx_bulletin(arts: list[tuple[str, str, list[str]]]) -> bytes:
    return _word_file("Lạng Sơn, ngày 20 tháng 12 năm 2024", [(title, paras) for _, title, paras in arts])


def _pdf_maker() -> Callable[[str, str, list[str]], bytes] | None:
    try:
        from reportlab.lib.pagesizes import A4
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.ttfonts import TTFont
        from reportlab.pdfgen import canvas
    except ImportError:
        print("PDF: skipped (reportlab is not installed: pip install -e '.[fixtures]')")
        return None
    if not FONT.exists():
        print(f"PDF: skipped ({FONT} is missing)")
        return None
    pdfmetrics.registerFont(TTFont("DejaVu", str(FONT)))

    def make(day: str, title: str, paras: list[str]) -> bytes:
        import textwrap

        buf = io.BytesIO()
        c = canvas.Canvas(buf, pagesize=A4)
        lines = [day, title] + [line for p in paras for line in textwrap.wrap(p, 95)]
        half = (len(lines) + 1) // 2
        for number, chunk in enumerate((lines[:half], lines[half:]), start=1):
            c.setFont("DejaVu", 8)
            c.drawString(60, 810, "BẢN TIN CÔNG TÁC DÂN VẬN")
            c.drawString(280, 30, f"Trang {number}/2")
            c.setFont("DejaVu", 9)
            y = 780
            for line in chunk:
                c.drawString(50, y, line)
                y -= 12
            c.showPage()
        c.save()
        return buf.getvalue()

    return make


def _legacy(encode: Callable[[str], bytes]) -> Callable[[str, str, list[str]], bytes]:
    def make(day: str, title: str, paras: list[str]) -> bytes:
        text = "\n\n".join([day, title, *paras]) + "\n"
        return encode(text.replace("“", '"').replace("”", '"'))

    return make


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=200, help="documents per format (default 200)")
    ap.add_argument("--repeat", type=int, default=1, help="read each corpus this many times, keep the fastest (noisy machines)")
    args = ap.parse_args()
    arts = _articles(args.docs)
    makers: dict[str, tuple[str, Callable[[str, str, list[str]], bytes]]] = {
        "text page": (".txt", _page),
        "HTML page": (".html", _html),
        "Word .docx": (".docx", _docx),
        "Word bulletin": (".docx", _docx),
        "TCVN3 text": (".txt", _legacy(tcvn3_encode)),
        "VNI text": (".txt", _legacy(vni_encode)),
    }
    pdf = _pdf_maker()
    if pdf:
        makers["PDF (2 pages)"] = (".pdf", pdf)
    tokenize = get_tokenizer()
    tokenize("Khởi động mô hình phân đoạn từ.")
    read_bytes(_html(*arts[0]), "warm.html")  # imports trafilatura once, outside the timing
    read_bytes(_docx(*arts[0]), "warm.docx")
    rows = []
    for name, (suffix, make) in makers.items():
        files = [_docx_bulletin(arts[i : i + 10]) for i in range(0, len(arts), 10)] if name == "Word bulletin" else [make(*a) for a in arts]
        read_s = float("inf")
        for _ in range(max(1, args.repeat)):
            t = time.perf_counter()
            read = [read_bytes(data, f"doc{i}{suffix}") for i, data in enumerate(files)]
            read_s = min(read_s, time.perf_counter() - t)
        articles = [a for items in read for a in items if isinstance(a, Article)]
        problems = [p for items in read for p in items if not isinstance(p, Article)]
        texts = [a.title for a in articles] + [a.text[p.start : p.end] for a in articles for p in a.paragraphs]
        t = time.perf_counter()
        for text in texts:
            tokenize(text)
        seg_s = time.perf_counter() - t
        t = time.perf_counter()
        for text in texts:
            document_terms(text)
        analyse_s = time.perf_counter() - t
        mb = sum(map(len, files)) / 1e6
        chars = sum(map(len, texts))
        rows.append(
            {
                "format": name,
                "docs": len(files),
                "articles": len(articles),
                "problems": len(problems),
                "input MB": round(mb, 2),
                "read s": round(read_s, 3),
                "MB/s": round(mb / read_s, 2),
                "docs/s": round(len(files) / read_s, 1),
                "text chars": chars,
                "segment s": round(seg_s, 3),
                "read/segment": round(read_s / seg_s, 3),
                "read/analyse": round(read_s / analyse_s, 3),
            }
        )
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"Reading {args.docs} documents per format (≈3,000 characters each)")
    for key in rows[0]:
        table.add_column(key, justify="left" if key == "format" else "right")
    for row in rows:
        table.add_row(*(str(v) for v in row.values()))
    Console().print(table)
    print(json.dumps(rows, ensure_ascii=False))


if __name__ == "__main__":
    main()
