"""Scans and photos of printed pages, drawn at test time (tests/scans.py), read by the real Tesseract with its
Vietnamese model, through the guarded reading worker, into a real index; `.ci/run` installs Tesseract."""

from __future__ import annotations

import difflib
import io
import json
import shutil
import time
from pathlib import Path

import pytest

from retrieval.model import Article, Problem
from retrieval.sources import ocr
from retrieval.sources.budget import Budget
from retrieval.sources.reader import read_bytes, read_file

from .conftest import SEEDS, run_cli
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


def _mixed_pdf(scanned: list[str]) -> bytes:
    """The text PDF fixture with a scanned page after it."""
    import pypdfium2 as pdfium

    text_pdf = pdfium.PdfDocument((Path(__file__).parent / "fixtures" / "formats" / "ban-tin-so-11-2024.pdf").read_bytes())
    text_pdf.import_pages(pdfium.PdfDocument(pdf_of([draw_page("Tin vắn các huyện", scanned)])))
    buf = io.BytesIO()
    text_pdf.save(buf)
    return buf.getvalue()


@needs_tesseract
def test_a_mixed_pdf_keeps_its_text_layer_and_reads_the_scanned_page():
    (article,) = _articles(read_file(_mixed_pdf(LEFT), "hon-hop.pdf"))
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
    forest = "Trong năm 2025, huyện Lộc Bình trồng mới 1.350 ha rừng, chủ yếu là thông mã vĩ và keo."
    (folder / "lon-nguoc.pdf").write_bytes(pdf_of([draw_page("Tin lâm nghiệp", [forest]).rotate(180), draw_page("Trang hai", PARAS[2:])]))
    (folder / "hon-hop.pdf").write_bytes(_mixed_pdf(["Huyện Đình Lập đã hỗ trợ 215 hộ nghèo sửa chữa nhà ở trong quý IV."]))
    done = run_cli("index", str(folder), "--index", str(tmp_path / "index"))
    assert done.returncode == 1 and "bom.png" in done.stderr and "BANTIN_READ_OCR_PIXELS" in done.stderr  # the rest indexed
    for question, file, expect in [
        ("Bao nhiêu đồng chí được nhận kỷ niệm chương?", "ban-quet", "34 đồng chí"),
        ("Lễ hội hoa sở thu hút bao nhiêu lượt khách?", "anh-chup", "6.500 lượt khách"),
        ("Tràng Định có bao nhiêu xã đạt chuẩn nông thôn mới?", "hai-cot", "17 xã"),
        ("Lộc Bình trồng mới bao nhiêu ha rừng?", "lon-nguoc", "1.350 ha rừng"),
        ("Đình Lập hỗ trợ bao nhiêu hộ nghèo sửa chữa nhà ở?", "hon-hop", "215 hộ nghèo"),
        ("Trang Facebook của Ban có bao nhiêu lượt theo dõi?", "hon-hop", "12.500 lượt theo dõi"),  # its text layer
    ]:
        asked = run_cli("ask", question, "--index", str(tmp_path / "index"), "--json", "-k", "1")
        hit = json.loads(asked.stdout)["hits"][0]
        assert hit["doc_id"] == file and expect in hit["text"], (question, hit)


@needs_tesseract
def test_a_rebuild_reads_no_scan_again_and_quotes_say_they_come_from_a_scan(tmp_path, monkeypatch):
    folder = tmp_path / "ban-tin"
    shutil.copytree(SEEDS, folder)  # BM25Okapi finds nothing in fewer than 3 passages
    (folder / "ban-quet.png").write_bytes(_png(speckled(draw_page("Lễ hội hoa sở Bắc Sơn", RIGHT))))
    index = tmp_path / "index"
    assert run_cli("index", str(folder), "--index", str(index)).returncode == 0
    # a rebuild from the same bytes, under another name, takes the text from the index's cache: no Tesseract at all
    (folder / "ban-quet.png").rename(folder / "ban-quet-lai.png")
    monkeypatch.setenv("PATH", "/nonexistent")  # the CLI's Tesseract is not found, so a scan read again would fail
    again = run_cli("index", str(folder), "--index", str(index))
    assert again.returncode == 0, again.stderr
    question = "Lễ hội hoa sở thu hút bao nhiêu lượt khách?"
    asked = run_cli("ask", question, "--index", str(index), "--json", "-k", "1")
    hit = json.loads(asked.stdout)["hits"][0]
    assert hit["doc_id"] == "ban-quet-lai" and hit["ocr"] > 80 and "6.500 lượt khách" in hit["text"]
    shown = run_cli("ask", question, "--index", str(index), "-k", "1")
    assert "trích từ bản quét" in shown.stdout
    stats = run_cli("stats", "--index", str(index), "--json")
    assert json.loads(stats.stdout)["ocr_articles"] == 1


@needs_tesseract
def test_an_admins_photo_is_read_and_indexed_and_a_cadres_is_not(tmp_path):
    from bot import messages as msg
    from bot.testing.fake_api import FakeTelegram
    from bot.testing.harness import BotRunner, make_settings

    photo = jpeg_on_its_side(draw_page("Lễ hội hoa sở Bắc Sơn", RIGHT))
    with FakeTelegram() as tg:
        settings = make_settings(tmp_path, tg, SEEDS, admin_user_ids={42})
        with BotRunner(settings, tg):
            sent = tg.send_photo(photo, 3508, 2480, user_id=1001)
            assert [c.params["text"] for c in tg.replies_to(sent)] == [msg.MEDIA_HINT]
            sent = tg.send_photo(photo, 3508, 2480, user_id=42)
            replies = tg.wait_for(lambda _: len(tg.replies_to(sent)) >= 2 and tg.replies_to(sent), timeout=120)
            done = replies[1].params["text"]
            assert done.startswith("Đã thêm <b>1</b> bài từ anh-chup-") and "Đã nhận dạng chữ từ bản quét: 1 trang" in done
            assert "Tiêu đề nhận được: «Lễ hội hoa sở Bắc Sơn»" in done
            question = "Lễ hội thu hút bao nhiêu lượt khách tham quan trong ba ngày?"
            answer = tg.replies_to(tg.send_text(question, user_id=1001))[0].params["text"]
            assert "<u>khoảng 6.500 lượt</u>" in answer and "trích từ bản quét" in answer


@needs_tesseract
def test_a_long_scan_tells_its_progress_page_by_page(tmp_path):
    from retrieval.sources.reader import read_sources

    (tmp_path / "ba-trang.pdf").write_bytes(pdf_of([draw_page(f"Trang {n + 1}", [para]) for n, para in enumerate(PARAS)]))
    heard: list[tuple[str, int, int]] = []
    result = read_sources([tmp_path], progress=lambda stage, done, total: heard.append((stage, done, total)))
    assert len(result.articles) == 1 and result.articles[0].scanned_pages == 3
    assert heard == [("OCR pages", 0, 3), ("OCR pages", 2, 3), ("OCR pages", 3, 3)]


@needs_tesseract
@pytest.mark.parametrize("angle", [90, 270])
def test_a_page_scanned_on_its_side_without_exif_is_turned_by_orientation_detection(angle):
    (article,) = _articles(read_file(_png(draw_page(TITLE, PARAS).rotate(angle, expand=True)), "quet-nghieng.png"))
    assert article.title == TITLE and "34 đồng chí" in article.text


@needs_tesseract
def test_a_scan_over_its_ocr_time_is_named_with_the_budget():
    budget = Budget(_env_file=None, ocr_seconds=0.3)  # type: ignore[call-arg]
    (problem,) = read_bytes(_png(draw_page(TITLE, PARAS)), "cham.png", budget=budget)
    assert isinstance(problem, Problem) and problem.over == "ocr_seconds" and "BANTIN_READ_OCR_SECONDS" in problem.reason
