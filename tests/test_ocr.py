"""Scans and photos of printed pages, drawn at test time (tests/scans.py), read by the real Tesseract with its
Vietnamese model, through the guarded reading worker, into a real index; `.ci/run` installs Tesseract."""

from __future__ import annotations

import difflib
import io
import time
from pathlib import Path

import pytest

from retrieval.model import Article, Problem
from retrieval.sources import ocr
from retrieval.sources.budget import Budget
from retrieval.sources.reader import read_bytes, read_file

from .conftest import run_cli
from .scans import bomb_png, draw_page, jpeg_on_its_side, pdf_of, speckled, two_columns

needs_tesseract = pytest.mark.skipif(not ocr.ocr_status()[0], reason="Tesseract with the Vietnamese model is not installed")

TITLE = "Hội nghị tổng kết công tác dân vận năm 2025"
PARAS = [
    "LSO-Ngày 20/12, Ban Dân vận Tỉnh ủy tổ chức hội nghị tổng kết công tác dân vận năm 2025.",
    "Nhân dịp này, 34 đồng chí đã được nhận kỷ niệm chương vì sự nghiệp dân vận của Ban Dân vận Trung ương.",
    "Toàn tỉnh có 1.245 mô hình dân vận khéo được công nhận ở các cấp, tăng 87 mô hình so với năm trước.",
]
LEFT = [
    "LSO-Huyện Tràng Định vừa tổng kết chương trình xây dựng nông thôn mới giai đoạn 2021-2025.",
    "Toàn huyện có 17 xã đạt chuẩn nông thôn mới và 4 xã đạt chuẩn nông thôn mới nâng cao.",
]
RIGHT = [
    "Cùng ngày, huyện Bắc Sơn khai mạc lễ hội hoa sở với nhiều hoạt động văn hóa đặc sắc.",
    "Lễ hội thu hút khoảng 6.500 lượt khách tham quan trong ba ngày diễn ra.",
]


def _png(image) -> bytes:
    buf = io.BytesIO()
    image.save(buf, "PNG")
    return buf.getvalue()


def _articles(items: list[Article | Problem]) -> list[Article]:
    problems = [i for i in items if isinstance(i, Problem)]
    assert not problems, problems
    return [i for i in items if isinstance(i, Article)]


@needs_tesseract
def test_a_turned_blurred_speckled_scan_reads_98_percent_of_its_characters_right():
    (article,) = _articles(read_file(_png(speckled(draw_page(TITLE, PARAS))), "ban-quet.png"))
    drawn = " ".join([TITLE, *PARAS])
    read = " ".join([article.title, *article.text.split("\n\n")])
    assert difflib.SequenceMatcher(None, drawn, read, autojunk=False).ratio() >= 0.98, read
    assert "34 đồng chí" in article.text and article.ocr is not None and article.ocr > 80


@needs_tesseract
def test_a_photo_on_its_side_is_set_upright_by_its_exif_orientation():
    (article,) = _articles(read_file(jpeg_on_its_side(draw_page(TITLE, PARAS)), "anh-chup.jpg"))
    assert article.title == TITLE and "1.245 mô hình dân vận khéo" in article.text


@needs_tesseract
def test_two_columns_are_read_one_after_the_other():
    (article,) = _articles(read_file(_png(two_columns("Tin vắn các huyện", LEFT, RIGHT)), "hai-cot.png"))
    text = article.text
    assert text.index("17 xã đạt chuẩn") < text.index("hoa sở") < text.index("6.500 lượt khách")
    assert all(not ("Tràng Định" in p and "Bắc Sơn" in p) for p in text.split("\n\n"))  # no line runs across both


@needs_tesseract
def test_an_upside_down_page_in_a_scanned_pdf_is_turned_and_read():
    pdf = pdf_of([draw_page(TITLE, PARAS[:2]), draw_page("Tin vắn", PARAS[2:]).rotate(180)])
    (article,) = _articles(read_file(pdf, "ban-tin-quet.pdf"))
    assert "34 đồng chí" in article.text and "1.245 mô hình" in article.text


@needs_tesseract
def test_a_mixed_pdf_keeps_its_text_layer_and_reads_the_scanned_page():
    import pypdfium2 as pdfium

    text_pdf = pdfium.PdfDocument((Path(__file__).parent / "fixtures" / "formats" / "ban-tin-so-11-2024.pdf").read_bytes())
    text_pdf.import_pages(pdfium.PdfDocument(pdf_of([draw_page("Tin vắn các huyện", LEFT)])))
    buf = io.BytesIO()
    text_pdf.save(buf)
    (article,) = _articles(read_file(buf.getvalue(), "hon-hop.pdf"))
    assert "12.500 lượt theo dõi" in article.text  # the text layer, exactly as a text PDF reads
    assert "17 xã đạt chuẩn nông thôn mới" in article.text and article.ocr is not None


def test_a_decompression_bomb_is_refused_from_its_header_at_once():
    started = time.monotonic()
    (problem,) = read_file(bomb_png(), "bom.png")
    assert isinstance(problem, Problem) and problem.over == "pixels" and "BANTIN_READ_OCR_PIXELS" in problem.reason
    assert time.monotonic() - started < 10


@needs_tesseract
def test_a_scan_over_its_page_budget_is_named_with_the_budget():
    pdf = pdf_of([draw_page(f"Trang {n}", PARAS[:1]) for n in range(3)])
    (problem,) = read_bytes(pdf, "dai.pdf", budget=Budget(_env_file=None, ocr_pages=2))  # type: ignore[call-arg]
    assert isinstance(problem, Problem) and problem.over == "ocr_pages" and "BANTIN_READ_OCR_PAGES" in problem.reason


def test_without_tesseract_a_scan_is_named_with_the_install_command(monkeypatch):
    import pytesseract

    def missing() -> str:
        raise pytesseract.TesseractNotFoundError()

    monkeypatch.setattr(pytesseract, "get_tesseract_version", missing)
    ocr.ocr_status.cache_clear()
    try:
        (problem,) = read_bytes(_png(draw_page(TITLE, PARAS[:1], size=(1240, 1754))), "anh.png")
        assert isinstance(problem, Problem) and ocr.INSTALL in problem.reason and "Tesseract is not installed" in problem.reason
        # a text PDF reads as it always did
        pdf = (Path(__file__).parent / "fixtures" / "formats" / "ban-tin-so-11-2024.pdf").read_bytes()
        assert isinstance(read_bytes(pdf, "ban-tin.pdf")[0], Article)
    finally:
        ocr.ocr_status.cache_clear()


@needs_tesseract
def test_every_drawn_fixture_answers_its_question_from_its_own_file(tmp_path):
    folder = tmp_path / "ban-tin"
    folder.mkdir()
    (folder / "ban-quet.png").write_bytes(_png(speckled(draw_page(TITLE, PARAS))))
    (folder / "anh-chup.jpg").write_bytes(jpeg_on_its_side(draw_page("Lễ hội hoa sở Bắc Sơn", RIGHT)))
    (folder / "hai-cot.png").write_bytes(_png(two_columns("Tin vắn các huyện", LEFT, ["Thời tiết cuối tuần nắng ráo."])))
    (folder / "bom.png").write_bytes(bomb_png())
    done = run_cli("index", str(folder), "--index", str(tmp_path / "index"))
    assert done.returncode == 1 and "bom.png" in done.stderr and "BANTIN_READ_OCR_PIXELS" in done.stderr  # the rest indexed
    for question, file, expect in [
        ("Bao nhiêu đồng chí được nhận kỷ niệm chương?", "ban-quet", "34 đồng chí"),
        ("Lễ hội hoa sở thu hút bao nhiêu lượt khách?", "anh-chup", "6.500 lượt khách"),
        ("Tràng Định có bao nhiêu xã đạt chuẩn nông thôn mới?", "hai-cot", "17 xã"),
    ]:
        asked = run_cli("ask", question, "--index", str(tmp_path / "index"), "--json", "-k", "1")
        import json

        hit = json.loads(asked.stdout)["hits"][0]
        assert hit["doc_id"] == file and expect in hit["text"], (question, hit)
