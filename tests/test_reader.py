from __future__ import annotations

import json

import pytest

from retrieval.sources.decode import DecodeError, decode_bulletin
from retrieval.sources.passages import MAX_CHARS, split_passages
from retrieval.sources.reader import parse_bulletin, parse_date, parse_jsonl_record, read_sources

from .conftest import SEED_FILE


def _seed_text() -> str:
    return SEED_FILE.read_text(encoding="utf-8")


def test_seed_bulletin_structure():
    art = parse_bulletin(_seed_text(), "seed")
    assert art.title == "Tổng kết công tác dân vận năm 2018"
    # the event's day from the lead's "(25/12)", its year from the title; the page's date kept beside it
    assert (art.date, art.published) == ("2018-12-25", "2021-03-06")
    assert art.author == "PHƯƠNG DUNG"
    kinds = [p.kind for p in art.paragraphs]
    assert kinds[0] == "lead" and kinds[1] == "caption" and set(kinds[2:]) == {"body"}
    caption = art.text[art.paragraphs[1].start : art.paragraphs[1].end]
    assert caption == "Đồng chí Hoàng Văn Nghiệm, Phó Bí thư Thường trực Tỉnh ủy phát biểu tại hội nghị"
    assert "PHƯƠNG DUNG" not in art.text and "06/03/2021" not in art.text


def test_dates():
    assert parse_date("Thứ bảy,  06/03/2021") == "2021-03-06"
    assert parse_date("2019-12-25") == "2019-12-25"
    assert parse_date("31/02/2020") is None
    assert parse_date("không rõ") is None


def test_passages_are_verbatim_and_bounded():
    art = parse_bulletin(_seed_text(), "seed")
    passages = split_passages(art)
    assert [p.position for p in passages] == list(range(len(passages)))
    for p in passages:
        assert art.text[p.start : p.end] == p.text
        assert len(p.text) <= MAX_CHARS
    assert passages[-1].text.startswith("Nhân dịp này, 34 đồng chí")


def test_long_paragraph_splits_at_sentences_and_short_ones_merge():
    body = " ".join(f"Câu số {i} nói về công tác dân vận ở cơ sở trong năm." for i in range(40))
    art = parse_jsonl_record({"id": "x", "title": "T", "text": f"Ngắn.\n\n{body}\n\nCuối."}, "x")
    passages = split_passages(art)
    assert len(passages) > 3
    assert passages[0].text.startswith("Ngắn.")  # merged with its neighbour
    for p in passages:
        assert len(p.text) <= MAX_CHARS and art.text[p.start : p.end] == p.text
        assert p.text.endswith(".")


def test_encodings_utf8_bom_utf16_and_cp1258():
    text = _seed_text()
    assert decode_bulletin(b"\xef\xbb\xbf" + text.encode()).text.startswith("Thứ bảy")
    assert decode_bulletin(text.encode("utf-16")).text.startswith("Thứ bảy")
    assert "Tỉnh ủy" in decode_bulletin(text.encode("utf-16-le")).text
    cp1258 = _to_cp1258(text)
    decoded = decode_bulletin(cp1258)
    assert decoded.encoding == "cp1258"
    assert "Đồng chí Hoàng Văn Nghiệm" in decoded.text and "kỷ niệm chương" in decoded.text


def _to_cp1258(text: str) -> bytes:
    """Windows-1258 stores tones as combining marks: encode the decomposed form."""
    import unicodedata

    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        try:
            out += ch.encode("cp1258")
        except UnicodeEncodeError:
            base = unicodedata.normalize("NFD", ch)
            # keep letter marks (circumflex, breve, horn) composed where cp1258 has them
            head = unicodedata.normalize("NFC", base[0] + "".join(c for c in base[1:] if c in "\u0302\u0306\u031b"))
            tones = "".join(c for c in base[1:] if c not in "\u0302\u0306\u031b")
            out += head.encode("cp1258") + tones.encode("cp1258")
    return bytes(out)


@pytest.mark.parametrize(
    "data,reason",
    [
        (b"", "empty"),
        (b"   \n\n ", "empty"),
        (bytes(range(256)) * 8, "binary"),
        # TCVN3-looking bytes that convert into syllables no Vietnamese word has
        (b"qz\xb8\xb8\xb8 x\xe7\xe8\xb5\xb6 kk\xb9\xb9r\n" * 20, "not Vietnamese"),
    ],
)
def test_unreadable_bytes_are_refused_with_a_reason(data: bytes, reason: str):
    with pytest.raises(DecodeError, match=reason):
        decode_bulletin(data)


def test_read_sources_reports_bad_files_and_indexes_the_rest(tmp_path):
    (tmp_path / "good.txt").write_text(_seed_text(), encoding="utf-8")
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)))
    (tmp_path / "archive.jsonl").write_text(
        json.dumps({"id": "a1", "title": "Tin một", "date": "2024-01-02", "text": "Đoạn một.\n\nĐoạn hai."}, ensure_ascii=False)
        + "\n{not json}\n"
        + json.dumps({"title": "no id"})
        + "\n",
        encoding="utf-8",
    )
    result = read_sources([tmp_path])
    assert sorted(a.doc_id for a in result.articles) == ["a1", "good"]
    problems = {p.source.split("/")[-1]: p.reason for p in result.problems}
    assert problems["empty.txt"] == "empty file"
    assert problems["photo.jpg"].startswith("damaged picture")  # named as broken, whether Tesseract is installed or not
    assert problems["archive.jsonl:2"].startswith("malformed JSON")
    assert "missing field(s): id" in problems["archive.jsonl:3"]
