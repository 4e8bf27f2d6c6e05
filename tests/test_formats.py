"""Bulletins as they arrive: web pages, Word, PDF, TCVN3 and VNI, with real files read by the real libraries."""

from __future__ import annotations

import json
import shutil
import unicodedata
from importlib.util import find_spec
from pathlib import Path

import pytest

from retrieval.model import Article
from retrieval.sources.dates import event_date
from retrieval.sources.formats import FormatError, sniff
from retrieval.sources.legacy import font_encoding, tcvn3_decode, tcvn3_encode, vni_decode, vni_encode
from retrieval.sources.ocr import ocr_status
from retrieval.sources.reader import read_bytes, read_sources

from .conftest import run_cli

FIXTURES = Path(__file__).parent / "fixtures"
FORMATS = FIXTURES / "formats"
BROKEN = FIXTURES / "broken"
QUESTIONS = [json.loads(line) for line in (FIXTURES / "format_questions.jsonl").read_text(encoding="utf-8").splitlines()]


def _pyvi_syllables() -> list[str]:
    spec = find_spec("pyvi")
    assert spec is not None and spec.origin
    words = (Path(spec.origin).parent / "models" / "words.txt").read_text(encoding="utf-8").split()
    return sorted({unicodedata.normalize("NFC", s) for w in words for s in w.split("_") if s.isalpha()})


# ---- legacy encodings --------------------------------------------------------------------------


def test_every_pyvi_syllable_survives_a_round_trip_through_vni():
    syllables = _pyvi_syllables()
    assert len(syllables) > 5_000
    for form in (str.lower, str.capitalize, str.upper):
        broken = [s for s in syllables if vni_decode(vni_encode(form(s))) != form(s)]
        assert not broken, broken[:10]


def test_every_pyvi_syllable_survives_a_round_trip_through_tcvn3():
    # VN3 has codes for lower-case letters and seven bare capitals; toned capitals were typed in the
    # capitals font (.VnTimeH) with the lower-case codes, which is why the round trip is taken in lower case.
    syllables = [s.lower() for s in _pyvi_syllables()]
    broken = [s for s in syllables if tcvn3_decode(tcvn3_encode(s)) != s]
    assert not broken, broken[:10]
    for capital in "ĂÂÊÔƠƯĐ":
        assert tcvn3_decode(tcvn3_encode(capital)) == capital


# Published code charts, byte by byte: every tone of a few vowels (a bijection could still be the wrong one).
TCVN3_CHART = {
    "a": b"a", "à": b"\xb5", "ả": b"\xb6", "ã": b"\xb7", "á": b"\xb8", "ạ": b"\xb9",
    "ă": b"\xa8", "ằ": b"\xbb", "ẳ": b"\xbc", "ẵ": b"\xbd", "ắ": b"\xbe", "ặ": b"\xc6",
    "â": b"\xa9", "ầ": b"\xc7", "ẩ": b"\xc8", "ẫ": b"\xc9", "ấ": b"\xca", "ậ": b"\xcb",
    "ơ": b"\xac", "ờ": b"\xea", "ở": b"\xeb", "ỡ": b"\xec", "ớ": b"\xed", "ợ": b"\xee",
    "ư": b"\xad", "ừ": b"\xf5", "ử": b"\xf6", "ữ": b"\xf7", "ứ": b"\xf8", "ự": b"\xf9",
    "y": b"y", "ỳ": b"\xfa", "ỷ": b"\xfb", "ỹ": b"\xfc", "ý": b"\xfd", "ỵ": b"\xfe",
    "đ": b"\xae", "Đ": b"\xa7", "Ơ": b"\xa5", "Ư": b"\xa6",
}  # fmt: skip
VNI_CHART = {
    "á": b"a\xf9", "à": b"a\xf8", "ả": b"a\xfb", "ã": b"a\xf5", "ạ": b"a\xef",
    "â": b"a\xe2", "ấ": b"a\xe1", "ầ": b"a\xe0", "ẩ": b"a\xe5", "ẫ": b"a\xe3", "ậ": b"a\xe4",
    "ă": b"a\xea", "ắ": b"a\xe9", "ằ": b"a\xe8", "ẳ": b"a\xfa", "ẵ": b"a\xfc", "ặ": b"a\xeb",
    "ư": b"\xf6", "ứ": b"\xf6\xf9", "ừ": b"\xf6\xf8", "ử": b"\xf6\xfb", "ữ": b"\xf6\xf5", "ự": b"\xf6\xef",
    "Ư": b"\xd6", "Ứ": b"\xd6\xd9", "Ừ": b"\xd6\xd8", "Ử": b"\xd6\xdb", "Ữ": b"\xd6\xd5", "Ự": b"\xd6\xcf",
    "í": b"\xed", "ì": b"\xec", "ỉ": b"\xe6", "ĩ": b"\xf3", "ị": b"\xf2", "ỵ": b"\xee",
    "Ế": b"E\xc1", "Ệ": b"E\xc4", "đ": b"\xf1", "Đ": b"\xd1", "ơ": b"\xf4", "Ơ": b"\xd4",
}  # fmt: skip


@pytest.mark.parametrize("char,code", sorted(TCVN3_CHART.items()))
def test_tcvn3_agrees_with_the_code_chart(char: str, code: bytes):
    assert tcvn3_encode(char) == code and tcvn3_decode(code) == char


@pytest.mark.parametrize("char,code", sorted(VNI_CHART.items()))
def test_vni_agrees_with_the_code_chart(char: str, code: bytes):
    assert vni_encode(char) == code and vni_decode(code) == char


def test_tcvn3_text_files_are_converted_and_windows_punctuation_kept():
    data = tcvn3_encode("“Năm dân vận chính quyền” – đạt 100% chỉ tiêu")
    assert data.startswith(b"\x93")  # Windows wrote its curly quotes in 0x80-0x9F, between the letters
    assert tcvn3_decode(data) == "“Năm dân vận chính quyền” – đạt 100% chỉ tiêu"


@pytest.mark.parametrize(
    "font,encoding",
    [
        (".VnTime", "tcvn3"),
        (".VnArial", "tcvn3"),
        (".VnTimeH", "tcvn3-capitals"),
        ("VNI-Times", "vni"),
        ("Times New Roman", None),
        (None, None),
    ],
)
def test_font_names_tell_the_encoding(font: str | None, encoding: str | None):
    assert font_encoding(font) == encoding


# ---- format detection and dates ----------------------------------------------------------------


@pytest.mark.parametrize(
    "data,name,expected",
    [
        (b"%PDF-1.7\n...", "x.bin", "pdf"),
        (b"<!DOCTYPE html><html></html>", "bai.txt", "html"),
        (b"  <html lang='vi'><body>", "bai", "html"),
        (b'{"id": "a", "text": "b"}\n', "kho.jsonl", "jsonl"),
        ("Thứ bảy, 06/03/2021\n\nTiêu đề".encode(), "trang.txt", "page"),
    ],
)
def test_the_reader_is_chosen_by_content(data: bytes, name: str, expected: str):
    assert sniff(data, name) == expected


@pytest.mark.parametrize(
    "data,name,reason",
    [
        (b"<html><body>404</body></html>", "bao-cao.pdf", "named .pdf but holds a web page"),
        (b"PK\x03\x04" + b"\x00" * 40, "bao-cao.docx", "damaged Word document"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 40, "cu.doc", "old Word .doc"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "anh.pdf", "named .pdf but holds a picture"),
    ],
)
def test_files_no_reader_takes_are_named(data: bytes, name: str, reason: str):
    with pytest.raises(FormatError, match=reason):
        sniff(data, name)


@pytest.mark.parametrize(
    "title,lead,page,expected",
    [
        (
            "Tổng kết công tác dân vận năm 2018",
            "LSO-Chiều nay (25/12), Ban Dân vận Tỉnh ủy tổng kết năm 2018, triển khai năm 2019.",
            "2021-03-06",
            "2018-12-25",
        ),
        ("Hội nghị triển khai nhiệm vụ", "LSO-Sáng nay (15/3), UBND tỉnh họp.", "2019-03-15", "2019-03-15"),
        ("Kế hoạch năm 2020", "LSO-Hôm qua (20/12), tỉnh ban hành kế hoạch năm 2020.", "2019-12-21", "2019-12-20"),
        ("Tin đầu năm", "LSO-Ngày 30/12, tỉnh tổng kết.", "2020-01-02", "2019-12-30"),
        ("Tin", "LSO-Ngày 14/3/2019, đoàn kiểm tra làm việc.", None, "2019-03-14"),
        ("Tin", "Đoàn kiểm tra làm việc với huyện về 25/12 năm ngoái.", "2021-03-06", None),
        ("Tin", "LSO-Chiều nay (25/12), hội nghị diễn ra.", None, None),
    ],
)
def test_the_event_date_comes_from_the_lead(title: str, lead: str, page: str | None, expected: str | None):
    assert event_date(title, lead, page) == expected


# ---- the fixtures ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fixture_articles():
    return read_sources([FORMATS, BROKEN])


def test_a_saved_page_keeps_the_article_and_drops_menus_links_and_comments(fixture_articles):
    art = next(a for a in fixture_articles.articles if a.doc_id == "doi-thoai-thanh-nien")
    assert art.title == "Chủ tịch UBND tỉnh đối thoại với thanh niên"
    assert art.url == "https://baolangson.vn/chu-tich-ubnd-tinh-doi-thoai-voi-thanh-nien-5031234.html"
    assert art.author == "Minh Anh"
    assert (art.date, art.published) == ("2024-11-15", "2024-11-16")  # "Chiều qua (15/11)" on a page of the 16th
    assert "42 ý kiến" in art.text
    for noise in ("Trang chủ", "Tin liên quan", "Bình luận", "Bài viết rất hay", "Giấy phép", "Hội thi tin học"):
        assert noise not in art.text


def test_a_word_document_gives_one_article_per_heading_with_its_table(fixture_articles):
    arts = {a.doc_id: a for a in fixture_articles.articles if a.doc_id.startswith("ban-tin-dan-van-12-2024")}
    assert sorted(arts) == ["ban-tin-dan-van-12-2024#1", "ban-tin-dan-van-12-2024#2"]
    first, second = arts["ban-tin-dan-van-12-2024#1"], arts["ban-tin-dan-van-12-2024#2"]
    assert first.title == "Huyện Tràng Định ra quân mô hình dân vận khéo"
    assert "Xã Đề Thám | 4 cuộc | 36 ý kiến" in first.text
    assert first.published == "2024-12-20"  # "Lạng Sơn, ngày 20 tháng 12 năm 2024" at the top
    assert second.date == "2024-12-18" and second.published == "2024-12-20"


def test_a_pdf_loses_its_running_headers_footers_and_hyphens(fixture_articles):
    art = next(a for a in fixture_articles.articles if a.doc_id == "ban-tin-so-11-2024")
    assert art.title == "Bản tin công tác dân vận số 11/2024" and art.published == "2024-11-28"
    assert "trang Facebook của Ban với hơn 12.500 lượt theo dõi" in art.text
    assert "Trang 1/2" not in art.text and "SỐ 11/2024" not in art.text
    paragraphs = [art.text[p.start : p.end] for p in art.paragraphs]
    assert paragraphs[0] == "Phát huy vai trò mạng xã hội trong công tác dân vận"  # a heading, not glued to the next line
    assert any(p.startswith("Toàn tỉnh đã xây dựng 312 tổ") for p in paragraphs)  # page 2 follows page 1


def test_legacy_documents_read_like_new_ones(fixture_articles):
    arts = {a.doc_id: a for a in fixture_articles.articles}
    assert arts["bao-cao-quy-1-vntime"].title == "BÁO CÁO CÔNG TÁC DÂN VẬN QUÝ I NĂM 2020"  # .VnTimeH: capitals
    assert "hiến 12.300 mét vuông đất" in arts["bao-cao-quy-1-vntime"].text
    assert arts["tong-ket-thi-dua-tcvn3"].title == "Hội nghị tổng kết phong trào thi đua năm 2019"
    assert arts["kiem-tra-van-lang-vni"].title == "Đoàn kiểm tra làm việc tại huyện Văn Lãng"
    assert arts["kiem-tra-van-lang-vni"].date == "2019-03-14" and arts["kiem-tra-van-lang-vni"].published == "2019-03-15"


def test_broken_files_are_named_with_the_reason(fixture_articles):
    problems = {Path(p.source).name: p.reason for p in fixture_articles.problems}
    assert problems == {
        "ban-chup.pdf": "scanned PDF from which OCR read no text (1 page(s): blank, too faint, or pictures without text); scan it again"
        if ocr_status()[0]
        else f"scanned PDF (1 of 1 page(s) without a text layer) needs OCR: {ocr_status()[1]}",
        "ban-tin-cut-ngang.docx": "damaged Word document (its ZIP container is incomplete, e.g. a cut-off download); copy the file again",
        "bao-cao-tai-loi.pdf": "named .pdf but holds a web page (HTML); download or export the file again",
        "bao-mat.pdf": "password-protected PDF; save an unprotected copy and index it",
    }
    assert len(fixture_articles.articles) == 7


def test_bytes_read_the_same_as_the_file():
    data = (FORMATS / "ban-tin-so-11-2024.pdf").read_bytes()
    (article,) = read_bytes(data, "ban-tin-so-11-2024.pdf")
    assert isinstance(article, Article) and article.doc_id == "ban-tin-so-11-2024" and article.source == "ban-tin-so-11-2024.pdf"


def test_every_format_answers_its_question_from_the_cli(tmp_path):
    folder = tmp_path / "bulletins"
    shutil.copytree(FORMATS, folder)
    shutil.copytree(BROKEN, folder / "broken")
    index = tmp_path / "index"
    res = run_cli("index", str(folder), "--index", str(index))
    assert res.returncode == 1, res.stderr  # indexed, with problems reported
    for name in ("ban-chup.pdf", "ban-tin-cut-ngang.docx", "bao-cao-tai-loi.pdf", "bao-mat.pdf"):
        assert name in res.stderr
    assert "Traceback" not in res.stderr
    for q in QUESTIONS:
        out = run_cli("ask", q["question"], "--index", str(index), "--json", "-k", "1")
        assert out.returncode == 0, out.stderr
        hit = json.loads(out.stdout)["hits"][0]
        assert q["expect"] in hit["text"], (q, hit["text"])
        assert hit["doc_id"].split("#")[0] == Path(q["file"]).stem


@pytest.mark.parametrize(
    "raw,lines",
    [
        ("trang Face\ufffebook của Ban", ["trang Facebook của Ban"]),  # a word cut at the line's end
        ("kinh tế\x02Xã hội", ["kinh tế-Xã hội"]),  # a capital goes on: the hyphen was real
        ("dòng một\r\n\r\n  dòng   hai ", ["dòng một", "dòng hai"]),
    ],
)
def test_pdfium_line_marks_are_resolved(raw: str, lines: list[str]):
    from retrieval.sources.pdf import _page_text

    assert _page_text(raw) == lines


def test_a_legacy_font_over_unicode_text_is_left_alone():
    """Old templates keep ".VnTime" as the style's font while people type Unicode with Unikey."""
    import io

    import docx

    d = docx.Document()
    run = d.add_paragraph().add_run("Hội nghị tổng kết công tác dân vận được tổ chức tại Lạng Sơn.")
    run.font.name = ".VnTime"
    legacy = d.add_paragraph().add_run(tcvn3_encode("Đại hội đoàn viên thanh niên lần thứ nhất.").decode("cp1252"))
    legacy.font.name = ".VnTime"
    buf = io.BytesIO()
    d.save(buf)
    (article,) = read_bytes(buf.getvalue(), "van-ban.docx")
    assert isinstance(article, Article)
    assert article.text == "Hội nghị tổng kết công tác dân vận được tổ chức tại Lạng Sơn.\n\nĐại hội đoàn viên thanh niên lần thứ nhất."
