"""How a quote is cut and marked: its extent, the sentence that answers, the typed span inside it.

Every text here was written for these tests (provincial-bulletin style); none comes from a QA set.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from retrieval.search.answer import find_answer, mark
from retrieval.search.query import parse_question, question_type
from retrieval.search.quote import REACH, widen
from retrieval.search.sentences import SentenceWeights, best_sentence, sentence_spans

from .conftest import ROOT


def _weights(question: str) -> tuple:
    q = parse_question(question)
    return q, SentenceWeights({t: 1.0 for t in q.terms["fold1"]}, {t: 1.0 for t in q.terms["fold2"]})


def _answer(question: str, passage: str) -> str | None:
    span = find_answer(parse_question(question), passage)
    return span.text if span else None


# Unrelated news beside a test's own articles, so that words weigh as in a real archive (IDF).
FILLERS = (
    "Hội chợ nông sản thu hút 120 gian hàng.",
    "Bà con thu hoạch xong 5.000 ha lúa mùa.",
    "Trường tiểu học khai giảng năm học mới.",
    "Trạm y tế tiêm phòng cho 400 trẻ em.",
    "Hội Nông dân tập huấn kỹ thuật trồng hồi.",
)


def _invented_index(tmp_path, records: list[dict], *fillers: str):
    """An index at ``tmp_path / "index"`` of ``records`` among FILLERS and ``fillers`` (invented texts, one file)."""
    from retrieval.index.build import BuildOptions, build_index

    news = [*FILLERS, *fillers]
    records = [*records, *({"id": f"khac-{i}", "title": f"Tin {i}", "text": t, "date": "2024-01-02"} for i, t in enumerate(news))]
    src = tmp_path / "bai.jsonl"
    src.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    build_index([src], tmp_path / "index", BuildOptions(workers=1))
    return tmp_path / "index"


# -- the quote's extent ----------------------------------------------------------------------------
def test_a_best_sentence_at_the_cut_takes_the_next_sentence_of_its_paragraph():
    _, weights = _weights("Nhà văn hóa thôn Khòn Pát được xây dựng như thế nào?")
    passage = "Năm nay, xã vận động nhân dân xây dựng nhà văn hóa thôn Khòn Pát."
    after = " Nhân dân hiến 300 m² đất và góp 1.200 ngày công để hoàn thành công trình. Các thôn khác cũng làm theo."
    lead, tail = widen("Đoạn trước.\n", passage, after, best_sentence(passage, weights))
    assert lead == 0  # the previous sentence is in another paragraph
    assert after[:tail] == " Nhân dân hiến 300 m² đất và góp 1.200 ngày công để hoàn thành công trình."


def test_a_best_sentence_opening_the_passage_takes_the_previous_one():
    _, weights = _weights("Nhà văn hóa thôn Khòn Pát được xây dựng như thế nào?")
    before = "Hội nghị đánh giá cao phong trào dân vận khéo. Năm nay, xã có nhiều cách làm mới. "
    passage = "Nhà văn hóa thôn Khòn Pát được xây dựng bằng sức dân. Kinh phí gần 400 triệu đồng."
    lead, tail = widen(before, passage, "", best_sentence(passage, weights))
    assert before[len(before) - lead :] == "Năm nay, xã có nhiều cách làm mới. " and tail == 0


def test_a_paragraph_break_or_a_sentence_longer_than_the_reach_stops_the_widening():
    _, weights = _weights("Nhà văn hóa thôn Khòn Pát được xây dựng như thế nào?")
    passage = "Nhà văn hóa thôn Khòn Pát được xây dựng bằng sức dân."
    best = best_sentence(passage, weights)
    assert widen("Câu trước.\n", passage, "\nĐoạn sau bắt đầu ở đây.", best) == (0, 0)
    endless = " " + "rất dài " * (REACH // 8 + 5)
    assert widen(endless, passage, endless, best) == (0, 0)
    assert widen("Câu trước. ", passage, " Câu sau.", (0.0, 0, len(passage))) == (0, 0)  # nothing of the question: as cut


def test_quotes_grow_across_a_cut_in_a_long_paragraph_through_the_cli(tmp_path):
    """A paragraph over 600 characters is cut at sentence ends; the quote takes back the sentence across the cut."""
    filler = " ".join(f"Xã thứ {i} tổ chức tuyên truyền về phòng chống cháy rừng cho bà con." for i in range(1, 9))
    paragraph = (
        filler
        + " Đội xung kích của xã Hữu Liên được thành lập với nhiệm vụ tuần tra rừng đặc dụng."
        + (" Đội gồm 25 thanh niên, chia thành 5 tổ trực luân phiên cả ngày lẫn đêm. Mùa khô năm nay không xảy ra vụ cháy nào.")
    )
    records = [
        {"id": "doi-xung-kich", "title": "Phòng chống cháy rừng mùa khô", "text": paragraph, "date": "2024-11-20"},
        {"id": "lua-mua", "title": "Thu hoạch lúa mùa", "text": "Bà con thu hoạch xong 5.000 ha lúa mùa.", "date": "2024-11-18"},
        {"id": "hoi-cho", "title": "Hội chợ nông sản", "text": "Hội chợ nông sản thu hút 120 gian hàng.", "date": "2024-11-19"},
    ]
    src = tmp_path / "bai.jsonl"
    src.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    index = tmp_path / "index"
    run = [sys.executable, "-m", "retrieval"]
    assert subprocess.run([*run, "index", str(src), "--index", str(index), "-q"], cwd=ROOT, capture_output=True).returncode == 0
    out = subprocess.run(
        [*run, "ask", "Đội xung kích của xã Hữu Liên được thành lập để làm gì?", "--index", str(index), "--json", "-k", "1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    hit = json.loads(out.stdout)["hits"][0]
    assert "Đội xung kích của xã Hữu Liên được thành lập" in hit["text"]
    assert "Đội gồm 25 thanh niên" in hit["text"]  # the next sentence, though the passage was cut before it
    assert hit["text"] in paragraph  # still one verbatim piece of the article


# -- the sentence that answers ------------------------------------------------------------------
def test_an_ellipsis_before_a_lower_case_word_does_not_end_the_sentence():
    text = "Xã trồng quế, hồi, keo... theo hướng hàng hóa. Năm nay thu 20 tỷ đồng."
    assert [text[s:e] for s, e in sentence_spans(text)] == ["Xã trồng quế, hồi, keo... theo hướng hàng hóa.", "Năm nay thu 20 tỷ đồng."]


def test_a_sentence_that_continues_with_day_is_marked_with_it():
    query, weights = _weights("Mô hình Dân vận khéo của xã Tân Thành có gì nổi bật?")
    passage = (
        "Huyện có nhiều mô hình hay. Mô hình Dân vận khéo của xã Tân Thành được tỉnh khen thưởng năm 2024 sau ba năm triển khai. "
        "Đây là mô hình vận động bà con góp đất mở đường mà không cần đền bù."
    )
    sentence, _ = mark(query, passage, weights)
    assert sentence is not None and sentence.text.startswith("Mô hình Dân vận khéo") and sentence.text.endswith("không cần đền bù.")


def test_a_sentence_that_only_restates_the_question_is_marked_with_the_next():
    query, weights = _weights("Vì sao không nên đốt rơm rạ sau thu hoạch?")
    passage = "Bà con không nên đốt rơm rạ sau thu hoạch. Khói gây ô nhiễm không khí và làm đất mất chất hữu cơ."
    sentence, _ = mark(query, passage, weights)
    assert sentence is not None and sentence.text == passage


def test_a_typed_answer_in_a_sentence_far_from_the_question_does_not_move_the_mark():
    query, weights = _weights("Dịch cúm gia cầm thường bùng phát vào mùa nào trong năm?")
    passage = "Dịch cúm gia cầm thường bùng phát vào mùa đông xuân khi thời tiết lạnh và ẩm. Lễ ra quân tiêm phòng được tổ chức ngày 16/1."
    sentence, _ = mark(query, passage, weights)
    assert sentence is not None and sentence.text.startswith("Dịch cúm gia cầm thường bùng phát")


# -- what a question asks for ---------------------------------------------------------------------
@pytest.mark.parametrize(
    "question,kind",
    [
        ("Cháy rừng xảy ra do đâu?", None),  # a cause, not a place
        ("Năng suất lúa tăng nhờ đâu?", None),
        ("Nguyên nhân sạt lở ở đâu?", None),
        ("Những ai được nhận hỗ trợ?", None),  # a group, not a name
        ("Nhóm người nào cần tiêm nhắc lại?", None),
        ("Có bao nhiêu chuyên gia Ai Cập sang tập huấn?", "number"),  # a country, not "ai"
        ("Nên bón phân cho lúa khi nào?", None),  # a condition, not a date
        ("Lễ hội Lồng tồng được tổ chức khi nào?", "date"),
        ("Ai phụ trách đội xung kích?", "person"),
        ("Trạm y tế xã đặt ở đâu?", "place"),
        ("Bà Hoàng Thị Mai kết hôn năm bao nhiêu tuổi?", "number"),  # an age, not a year
        ("Ông Lộc sinh năm bao nhiêu?", "year"),
        ("Nguồn nước sinh hoạt của bản lấy từ đâu?", None),  # a source, not a place
        ("Bác sĩ Nông Văn Tuấn là ai?", None),  # a named person's role, not a name
        ("Dunbar là ai?", None),
        ("Giám đốc Sở Y tế là ai?", "person"),  # a post: its holder's name
        ("Cán bộ xã ứng dụng AI như thế nào?", None),  # the initials, not "ai"
        ("AI PHỤ TRÁCH ĐỘI XUNG KÍCH?", "person"),  # all in capitals: still "ai"
    ],
)
def test_question_types_leave_causes_groups_and_conditions_untyped(question, kind):
    assert question_type(question) == kind


# -- the typed span --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "question,passage,expected",
    [
        ("Giá vải thiều bao nhiêu một cân?", "Giá vải thiều dao động 25.000-30.000 đồng một cân.", "25.000-30.000 đồng"),
        ("Mỗi hộ được hỗ trợ bao nhiêu tiền?", "Mỗi hộ được hỗ trợ từ 15 đến 20 triệu đồng.", "15 đến 20 triệu đồng"),
        ("Tỷ lệ hộ nghèo là bao nhiêu?", "Tỷ lệ hộ nghèo giảm còn 3-4% vào cuối năm.", "3-4%"),
        ("Tỷ lệ sai sót là bao nhiêu?", "Tỷ lệ sai sót chỉ khoảng 1/1.000 hồ sơ, ngày 5/1 đã báo cáo.", "khoảng 1/1.000"),
        ("Đoàn kiểm tra bao nhiêu lần?", "Trong 20 ngày, đoàn đã kiểm tra ba lần tại mỗi chợ.", "ba lần"),
        ("Đàn trâu của xã lên tới bao nhiêu con?", "Đàn trâu của xã lên tới 1.200 con.", "1.200 con"),
        ("Đàn trâu của xã có bao nhiêu con?", "Đàn trâu của xã lên tới 1.200 con.", "lên tới 1.200 con"),
        ("Mỗi người hiến bao nhiêu máu?", "Mỗi người hiến 350 ml máu.", "350 ml"),
        ("Ai phụ trách đội xung kích?", "Đội do ông Lường Văn Pao phụ trách.", "ông Lường Văn Pao"),
        ("Ai chủ trì hội nghị?", "Bác sĩ Hoàng Thị Hạnh, Giám đốc Trung tâm Y tế huyện, chủ trì hội nghị.", "Bác sĩ Hoàng Thị Hạnh"),
        ("Ai đưa bệnh nhân đến?", "Bệnh nhân được đưa đến Bệnh viện Đa khoa Lạng Sơn, do chị Lý Thị Hoa đưa đến.", "chị Lý Thị Hoa"),
        ("Vụ cháy xảy ra lúc nào?", "Vụ cháy xảy ra lúc 15h chiều 5/1 tại thôn Nà Lừa.", "15h chiều 5/1"),
        ("Lễ khai mạc bắt đầu lúc nào?", "Lễ khai mạc bắt đầu từ 8h30 sáng nay tại quảng trường.", "8h30 sáng nay"),
        # the counted noun is the whole word, with a name or a rate the question gives
        ("Năm nay có bao nhiêu trường hợp mắc sởi?", "Năm nay tỉnh ghi nhận hơn 1.400 trường hợp mắc sởi.", "hơn 1.400 trường hợp"),
        ("Bao nhiêu người Tày tham gia lễ hội?", "Lễ hội thu hút gần 5.000 người Tày, Nùng tham gia.", "gần 5.000 người Tày"),
        ("Đội tuần tra bao nhiêu ngày một tuần?", "Đội tuần tra khoảng ba ngày một tuần.", "khoảng ba ngày một tuần"),
        ("Mỗi năm có bao nhiêu ca mắc sốt xuất huyết?", "Mỗi năm tỉnh có hơn 300 ca mắc sốt xuất huyết mới.", "hơn 300 ca"),
        ("Tiếng ồn tối đa bao nhiêu?", "Tiếng ồn không được vượt quá 70 dB vào ban đêm.", "70 dB"),
        # asked "bao lâu", a count in words before a unit of time (not "một", as often "a")
        ("Đội hoàn thành việc sửa đường trong bao lâu?", "Sau ba tuần thi công, đội đã hoàn thành việc sửa đường.", "ba tuần"),
        # the number follows the word the question puts before "bao nhiêu"
        ("Con trâu nặng bao nhiêu?", "Con trâu cao 1,5 m, nặng khoảng 400 kg.", "khoảng 400 kg"),
        # and is in a unit of what the question measures
        ("Chi phí xây nhà văn hóa là bao nhiêu?", "Nhà văn hóa rộng 120 m2, xây hết gần 400 triệu đồng.", "gần 400 triệu đồng"),
        # when, said without a calendar: the kind the question asks for
        (
            "Sâu cuốn lá phát triển mạnh vào thời điểm nào trong năm?",
            "Ngày 16/1 huyện họp bàn. Sâu cuốn lá phát triển mạnh vào mùa mưa.",
            "mùa mưa",
        ),
        (
            "Nên phun thuốc vào thời gian nào trong ngày?",
            "Nên phun thuốc vào buổi sáng sớm, ngày 3/4 bắt đầu đợt phun.",
            "vào buổi sáng sớm",
        ),
        ("Anh Tuấn bắt đầu học nghề rèn từ khi nào?", "Anh Tuấn bắt đầu học nghề rèn từ năm 15 tuổi.", "năm 15 tuổi"),
        ("Vết nứt xuất hiện khi nào?", "Vết nứt trên sườn đồi xuất hiện từ 8-9 tháng trước.", "8-9 tháng trước"),
        ("Ông mất lúc nào?", "Ông lâm bệnh từ đêm qua và mất lúc 23h14 phút tại nhà.", "23h14 phút"),  # a clock time pins it
        # a name is taken whole, and a place is not a person
        ("Ai là người sáng lập?", "Người sáng lập là ông Kim Il-sung (Triều Tiên).", "ông Kim Il-sung"),
        ("Chị Hoa đi cùng ai?", "Chị Hoa và con gái là Lan đi tới Argentina dự hội thảo.", "Lan"),
    ],
)
def test_typed_spans_take_ranges_rates_words_units_and_forms_of_address(question, passage, expected):
    assert _answer(question, passage) == expected


def test_what_the_question_names_or_a_name_cut_short_is_no_answer():
    """The question's own words ("Mùa lũ" asked about the flood season's months, "Béo phì" after "về" asked about béo
    phì) and a name cut short ("Hà" of "Hà Nội") are not answers."""
    assert (
        _answer("Mùa lũ ở huyện thường diễn ra vào thời điểm nào trong năm?", "Mùa lũ thường diễn ra từ tháng 7 đến tháng 10.") == "tháng 7"
    )
    assert _answer("Hội nghị về béo phì diễn ra ở đâu?", "Hội nghị về Béo phì diễn ra ở Lạng Sơn đầu tháng 5.") == "Lạng Sơn"
    assert _answer("Ai được chuyển lên tuyến trên?", "Bệnh nhân được chuyển lên Bệnh viện Bạch Mai (Hà Nội) cấp cứu.") is None
    passage = "Kết quả được công bố tại cuộc họp thường niên của Hội Nông dân Việt Nam tỉnh Lạng Sơn hôm qua."
    assert _answer("Hội Nông dân Việt Nam tỉnh Lạng Sơn họp ở đâu?", passage) is None  # past the six words, still the question's


def test_digits_after_a_thousands_dot_and_dates_are_not_counts():
    assert _answer("Bao nhiêu hồ sơ?", "Tháng 1/2018 có 1/1.000.000 hồ sơ lỗi.") == "1/1.000.000 hồ sơ"
    assert _answer("Bao nhiêu?", "Ngày 5/1 năm 2018.") is None
    assert _answer("Có bao nhiêu người?", "Một người dân cho biết như vậy.") == "Một người"  # a word count needs its noun
    assert _answer("Có bao nhiêu người?", "Ba mẹ em đều làm ruộng.") is None
    assert _answer("Đường hỏng trong bao lâu?", "Khoảng một năm sau, con đường xuống cấp.") is None  # "một năm": a year, not a count


def test_a_neighbour_quoted_on_the_same_page_is_not_quoted_twice(tmp_path):
    """Two passages of one paragraph both shown: neither widens into the other."""
    from retrieval.search.engine import Engine

    first = " ".join(f"Thôn {i} ra quân dọn vệ sinh đường làng, khơi thông cống rãnh." for i in range(1, 9))
    paragraph = (
        first
        + " Xã Hữu Liên ra quân dọn vệ sinh đường làng đón Tết."
        + " Xã Hữu Liên ra quân dọn vệ sinh đường làng mỗi tháng một lần."
        + " Đoàn thanh niên trồng 300 cây xanh dọc đường."
    )
    records = [{"id": "ve-sinh", "title": "Ra quân dọn vệ sinh", "text": paragraph, "date": "2024-12-01"}]
    _invented_index(tmp_path, records, "Huyện tổ chức hội nghị tổng kết công tác dân vận.")
    engine = Engine.open(tmp_path / "index")
    try:
        hits = engine.search("Xã Hữu Liên ra quân dọn vệ sinh đường làng?", k=3).hits
    finally:
        engine.close()
    same = [h for h in hits if h.doc_id == "ve-sinh"]
    assert len(same) >= 2
    texts = [h.text for h in same]
    for i, a in enumerate(texts):
        for b in texts[i + 1 :]:
            assert not (set(a.split(". ")) & set(b.split(". "))), "a sentence is quoted twice"


def test_a_lower_quote_leaves_out_what_a_higher_one_shows():
    from retrieval.search.quote import unshown

    text = "Câu đã trích ở trên. Câu mới của đoạn sau."
    # the quote above (article 100..121) took this quote's first sentence
    lo, hi = unshown(100, 100 + len(text), text, [(80, 120)])
    assert text[lo:hi] == "Câu mới của đoạn sau."
    assert unshown(100, 100 + len(text), text, [(0, 50)]) == (0, len(text))  # elsewhere in the article
    assert unshown(100, 100 + len(text), text, [(90, 200)]) == (0, len(text))  # all of it shown: kept whole


# -- which candidate earns the underline (the evidence around it) -------------------------------------
def _idf_weights(question: str, engine) -> tuple:
    """The question and its sentence weights from a real index (IDF: rare words weigh more)."""
    q = parse_question(question)
    return q, engine.sentence_weights(q)


TWO_COUNTS = (
    "Năm 2024, huyện Cao Lộc triển khai chương trình hỗ trợ hộ nghèo. Riêng trong tháng 3, huyện đã hỗ trợ 120 hộ gia đình "
    "khó khăn, nâng tổng số hộ được hỗ trợ lên 450 hộ."
)
TWO_NAMES = (
    "Đồng chí Nguyễn Văn An, Trưởng Ban Dân vận Huyện ủy Văn Lãng, đã phát biểu. Tại huyện Lộc Bình, công tác dân vận do "
    "đồng chí Hoàng Thị Bình, Phó Bí thư Huyện ủy, trực tiếp phụ trách."
)
TWO_DATES = "Ngày 12/3, huyện Văn Quan tổ chức hội nghị sơ kết. Huyện Tràng Định tổ chức hội nghị đối thoại với nhân dân vào ngày 25/4."


@pytest.mark.parametrize(
    "question,passage,expected",
    [
        ("Trong tháng 3 huyện đã hỗ trợ bao nhiêu hộ?", TWO_COUNTS, "120 hộ"),  # the count next to the time asked
        ("Ai phụ trách công tác dân vận của huyện Lộc Bình?", TWO_NAMES, "đồng chí Hoàng Thị Bình"),
        ("Khi nào huyện Tràng Định tổ chức hội nghị đối thoại?", TWO_DATES, "25/4"),
        ("Khi nào huyện Văn Quan tổ chức hội nghị sơ kết?", TWO_DATES, "12/3"),
        ("Mona Randolph đã gắn bó với cỗ máy trong bao lâu?", "Bà sinh năm 1936 và gắn bó với cỗ máy suốt 36 năm.", "36 năm"),
    ],
)
@pytest.mark.parametrize("accents", [True, False])
def test_the_neighbourhood_tells_two_candidates_apart(engine, question: str, passage: str, expected: str, accents: bool):
    """Two counts, names or dates of the same kind: the one whose neighbourhood holds the question's words is underlined,
    typed with or without diacritics."""
    from retrieval.text.normalize import fold_accents

    q, weights = _idf_weights(question if accents else fold_accents(question), engine)
    _, span = mark(q, passage, weights)
    assert span is not None and span.text == expected
    assert passage[span.start : span.end] == expected


def test_a_weak_candidate_shows_no_span_and_the_cli_prints_no_arrow(engine, seed_index):
    """A count far from the question's words, or two counts nothing tells apart, earn no underline; the sentence stays bold."""
    from .conftest import run_cli

    q, weights = _idf_weights("Bao nhiêu người dự hội nghị?", engine)
    sentence, span = mark(q, "Hội nghị diễn ra trong không khí sôi nổi. Giá lúa năm nay tăng 5% so với năm trước.", weights)
    assert span is None and sentence is not None and sentence.text.startswith("Hội nghị")
    q, weights = _idf_weights("Tổng số hộ được hỗ trợ là bao nhiêu?", engine)
    assert mark(q, "Huyện hỗ trợ 120 hộ và xã hỗ trợ 450 hộ.", weights)[1] is None  # nothing tells them apart
    shown = run_cli("ask", "Ai chủ trì hội nghị?", "--index", str(seed_index), "-k", "1", "--no-refresh")  # the quote: who attended
    assert shown.returncode == 0 and "Hoàng Văn Nghiệm" in shown.stdout and "→" not in shown.stdout
    marked = run_cli("ask", "Bao nhiêu đồng chí được nhận kỷ niệm chương?", "--index", str(seed_index), "-k", "1", "--no-refresh")
    assert "→ 34 đồng chí" in marked.stdout


# -- the page read together ------------------------------------------------------------------------
HELD_IN_CAO_LOC = "Huyện Cao Lộc tổ chức hội nghị đối thoại với nhân dân, thu hút 350 đại biểu tham dự."
HELD_IN_VAN_LANG = "Huyện Văn Lãng tổ chức hội nghị đối thoại với nhân dân, thu hút 270 đại biểu tham dự."


def test_quotes_from_two_articles_answering_differently_underline_only_the_more_confident(engine):
    """Two stories answer "how many" with different numbers: only the quote whose candidate is more confident keeps its
    underline, and when nothing tells them apart neither does; the same answer twice, or one article's several
    quotes, take nothing away."""
    from retrieval.search.answer.marking import marks
    from retrieval.search.answer.page import Quote, settle

    asked = "Hội nghị đối thoại ở huyện Văn Lãng thu hút bao nhiêu đại biểu?"
    q, weights = _idf_weights(asked, engine)

    def quote(article: str, text: str, question=q) -> Quote:
        return Quote(article, text, marks(question, text, weights))

    strong, weak = quote("van-lang", HELD_IN_VAN_LANG), quote("cao-loc", HELD_IN_CAO_LOC)
    assert strong.marks.answer is not None and weak.marks.answer is not None  # each, read alone, is underlined
    assert strong.marks.confidence > weak.marks.confidence  # the question's place stands beside the first
    assert settle([strong, weak], asked) == [strong.marks.answer, None]
    assert settle([weak, strong], asked) == [None, strong.marks.answer]
    same = [Quote("hoi-nghi", strong.text, strong.marks), Quote("hoi-nghi", weak.text, weak.marks)]
    assert settle(same, asked) == [strong.marks.answer, weak.marks.answer]  # one article
    again = quote("tin-van", "Tin vắn: Văn Lãng tổ chức hội nghị đối thoại, thu hút 270 đại biểu.")
    assert settle([strong, again], asked) == [strong.marks.answer, again.marks.answer]  # the same answer
    asked = "Hội nghị đối thoại với nhân dân thu hút bao nhiêu đại biểu?"
    q, weights = _idf_weights(asked, engine)
    tie = [quote("cao-loc", HELD_IN_CAO_LOC, q), quote("van-lang", HELD_IN_VAN_LANG, q)]
    assert all(t.marks.answer is not None for t in tie) and settle(tie, asked) == [None, None]
    nothing = quote("khac", "Hội nghị diễn ra trong không khí sôi nổi.", q)
    assert settle([tie[0], nothing], asked) == [tie[0].marks.answer, None]  # no candidate: no rival


def test_a_quote_about_another_place_than_the_one_asked_contradicts_nothing(engine):
    """The question names a commune and the first quote holds it: a more confident count in another story that never
    names it is about somewhere else, and takes no underline away; one that names it still does."""
    from retrieval.search.answer.marking import marks
    from retrieval.search.answer.page import Quote, settle

    asked = "Xã Đề Thám có bao nhiêu ý kiến trong các cuộc đối thoại?"
    q, weights = _idf_weights(asked, engine)
    table = (  # a Word table, read as its rows
        "Kết quả đối thoại ở các xã được tổng hợp trong bảng sau.\nXã | Số cuộc đối thoại | Số ý kiến\n"
        "Xã Đề Thám | 4 cuộc | 36 ý kiến\nXã Tri Phương | 3 cuộc | 21 ý kiến"
    )
    other = "Xã có 42 ý kiến trong các cuộc đối thoại với nhân dân."
    first, elsewhere = Quote("bang", table, marks(q, table, weights)), Quote("thanh-nien", other, marks(q, other, weights))
    assert first.marks.answer is not None and elsewhere.marks.confidence >= first.marks.confidence
    assert settle([first, elsewhere], asked)[0] == first.marks.answer
    named = other.replace("Xã có", "Xã Đề Thám có")
    assert settle([first, Quote("thanh-nien", named, marks(q, named, weights))], asked)[0] is None


def test_a_first_quote_whose_answer_another_article_contradicts_is_bold_without_underline(tmp_path):
    """Through the engine: two articles tell the same kind of event with different numbers, and the question names
    neither place, so the page shows both sentences bold and underlines neither, whatever the page size."""
    from retrieval.search.engine import Engine

    records = [
        {"id": "cao-loc", "title": "Cao Lộc đối thoại với nhân dân", "text": HELD_IN_CAO_LOC, "date": "2024-05-02"},
        {"id": "van-lang", "title": "Văn Lãng đối thoại với nhân dân", "text": HELD_IN_VAN_LANG, "date": "2024-05-03"},
    ]
    _invented_index(tmp_path, records, "Đoàn thanh niên trồng 300 cây xanh dọc đường.")
    engine = Engine.open(tmp_path / "index")
    try:
        both = engine.search("Hội nghị đối thoại với nhân dân thu hút bao nhiêu đại biểu?", k=3).hits
        alone = engine.search("Hội nghị đối thoại với nhân dân thu hút bao nhiêu đại biểu?", k=1).hits
        second = engine.search("Hội nghị đối thoại với nhân dân thu hút bao nhiêu đại biểu?", k=1, offset=1).hits
        one = engine.search("Hội nghị đối thoại ở huyện Văn Lãng thu hút bao nhiêu đại biểu?", k=3).hits
    finally:
        engine.close()
    assert {h.doc_id for h in both[:2]} == {"cao-loc", "van-lang"}
    assert all(h.answer is None and h.sentence is not None and h.disputed for h in both[:2])
    assert alone[0].doc_id == both[0].doc_id and alone[0].answer is None  # a page of one quote is marked the same
    assert second[0].doc_id == both[1].doc_id and second[0].answer is None  # ... and so is the next page
    assert one[0].doc_id == "van-lang" and one[0].answer is not None and one[0].answer.text == "270 đại biểu"
    assert not one[0].disputed
    from .conftest import run_cli

    shown = run_cli(
        "ask", "Hội nghị đối thoại với nhân dân thu hút bao nhiêu đại biểu?", "--index", str(tmp_path / "index"), "--no-refresh"
    )
    assert shown.returncode == 0 and "→" not in shown.stdout and "đối chiếu tên và ngày" in " ".join(shown.stdout.split())


# -- answers that are clauses: the reason, purpose or means after a cue word ----------------------------
@pytest.mark.parametrize(
    "question,kind",
    [
        ("Vì sao số hộ nghèo của huyện giảm nhanh?", "reason"),
        ("Vì sao tỷ lệ hộ nghèo của huyện giảm?", "reason"),  # a rate named, but a reason asked: no percentage
        ("vi sao ho ngheo giam nhanh", "reason"),
        ("Nguyên nhân vụ cháy rừng là gì?", "reason"),
        ("Hội nghị được tổ chức nhằm mục đích gì?", "purpose"),
        ("Xã ra quân dọn vệ sinh để làm gì?", "purpose"),
        ("Huyện vận động nhân dân hiến đất bằng cách nào?", "means"),
        ("Bao nhiêu hộ được hỗ trợ?", None),  # typed: a number answers it
        ("Công tác dân vận năm 2018 có kết quả như thế nào?", None),
    ],
)
def test_a_question_for_a_reason_a_purpose_or_a_means_is_answered_by_a_clause(question, kind):
    query = parse_question(question)
    assert query.clause_type == kind
    assert kind is None or query.qtype is None  # a clause question has no answer type


@pytest.mark.parametrize(
    "kind,sentence,expected",
    [
        ("reason", "Tỷ lệ hộ nghèo giảm mạnh nhờ các chương trình hỗ trợ sinh kế, vay vốn ưu đãi.",
         "nhờ các chương trình hỗ trợ sinh kế, vay vốn ưu đãi"),  # commas stay inside: a reason is often a list
        ("reason", "Vụ cháy xảy ra do người dân đốt nương; lực lượng kiểm lâm đã dập tắt.", "do người dân đốt nương"),
        ("reason", "Do đó, huyện tăng cường tuyên truyền vì người dân còn chủ quan.", "vì người dân còn chủ quan"),
        ("reason", "Xã nêu rõ lý do chậm tiến độ.", None),  # "lý do" is a word, not a cue
        ("reason", "Đồng chí được tặng Kỷ niệm chương Vì sự nghiệp dân vận.", None),  # a capitalised cue: an award's name
        ("reason", "Năm nay người dân không đến họp vì nguyên nhân này.", None),  # points back: the answer is elsewhere
        ("reason", "Hội nghị do Ban Dân vận Tỉnh ủy tổ chức.", None),  # who held it, not why
        ("reason", "Sản lượng giảm do Ban quản lý chậm cấp giống.", "do Ban quản lý chậm cấp giống"),
        ("purpose", "Xã ra quân dọn vệ sinh để đón Tết “sạch làng, đẹp ngõ”.", "để đón Tết “sạch làng, đẹp ngõ”"),
        ("purpose", "Đoàn viên để lại lời nhắn cho bà con.", None),  # "để lại": a verb, not a purpose
        ("means", "Huyện vận động bằng cách đi từng ngõ, gõ từng nhà. Kết quả tốt.", "bằng cách đi từng ngõ, gõ từng nhà"),
    ],
)  # fmt: skip
def test_the_clause_runs_from_its_cue_word_to_the_clause_end(kind, sentence, expected):
    from retrieval.search.answer.clauses import clause_answer

    found = clause_answer(kind, sentence, 0, len(sentence))
    assert (sentence[found[0] : found[2]] if found else None) == expected


REASON_PASSAGE = (
    "Năm 2024, huyện Bình Gia còn 1.200 hộ nghèo. Số hộ nghèo của huyện giảm nhanh nhờ các chương trình hỗ trợ sinh "
    "kế và vay vốn ưu đãi được triển khai đồng bộ. Huyện tiếp tục vận động nhân dân tham gia."
)


def test_a_reason_question_underlines_the_clause_that_gives_the_reason_accented_or_not():
    for question in ("Vì sao hộ nghèo của huyện Bình Gia giảm nhanh?", "Vi sao ho ngheo cua huyen Binh Gia giam nhanh?"):
        q, weights = _weights(question)
        sentence, answer = mark(q, REASON_PASSAGE, weights)
        assert sentence is not None and sentence.text.startswith("Số hộ nghèo của huyện giảm nhanh")
        assert answer is not None and answer.text == "nhờ các chương trình hỗ trợ sinh kế và vay vốn ưu đãi được triển khai đồng bộ"


def test_a_clause_that_restates_the_question_or_sits_in_a_weak_sentence_is_not_underlined():
    from retrieval.search.answer.marking import marks

    restating = "Hộ nghèo giảm nhanh vì hộ nghèo của huyện Bình Gia giảm nhanh hơn dự kiến."
    q, weights = _weights("Vì sao hộ nghèo của huyện Bình Gia giảm nhanh?")
    found = marks(q, restating, weights)
    assert found.clause is not None and found.answer is None  # weighed, not shown: it says what was asked
    q, weights = _weights("Vì sao hộ nghèo, hộ cận nghèo của huyện Bình Gia, Văn Quan, Tràng Định giảm mạnh?")
    weak = "Huyện Bình Gia đạt kết quả tốt nhờ các chương trình hỗ trợ sinh kế."
    found = marks(q, weak, weights)
    assert found.clause is not None and found.confidence < 0.4 and found.answer is None  # holds little of the question


def test_a_purpose_question_gets_its_clause_through_the_command_line(tmp_path):
    """Through the CLI in a subprocess: the clause is printed on the → line."""
    from .conftest import run_cli

    text = (
        "Huyện Văn Lãng tổng kết công tác dân vận năm 2024. Các cấp ủy đảng tích cực tuyên truyền, nhân rộng các mô hình "
        "dân vận khéo để tạo sức lan tỏa trong cộng đồng. Hội nghị kết thúc lúc 11 giờ."
    )
    records = [{"id": "dan-van", "title": "Tổng kết dân vận Văn Lãng", "text": text, "date": "2024-12-20"}]
    index = _invented_index(tmp_path, records)
    shown = run_cli("ask", "Nhân rộng các mô hình dân vận khéo nhằm mục đích gì?", "--index", str(index), "--no-refresh", "-k", "1")
    assert shown.returncode == 0
    assert "→ để tạo sức lan tỏa trong cộng đồng" in shown.stdout


def test_why_after_a_number_question_no_longer_underlines_the_number(tmp_path):
    """A follow-up "Vì sao?" takes the earlier question's words, but asks for the reason: the number is no longer
    its answer, and the bold reaches the sentence that gives the reason."""
    from retrieval.search.engine import Engine

    text = (
        "Năm 2024, huyện Bình Gia có 320 hộ thoát nghèo. Số hộ thoát nghèo tăng nhờ các mô hình trồng hồi, nuôi "
        "trâu được hỗ trợ vốn kịp thời. Huyện đặt mục tiêu năm sau giảm thêm 2% hộ nghèo."
    )
    records = [{"id": "giam-ngheo", "title": "Bình Gia giảm nghèo", "text": text, "date": "2024-12-20"}]
    _invented_index(tmp_path, records)
    engine = Engine.open(tmp_path / "index")
    try:
        first = engine.search("Bao nhiêu hộ thoát nghèo ở huyện Bình Gia năm 2024?", k=1)
        why = engine.search("Vì sao?", k=1, context=[first.turn()])
    finally:
        engine.close()
    assert first.hits[0].answer is not None and first.hits[0].answer.text == "320 hộ"
    assert why.qtype is None and why.hits[0].doc_id == "giam-ngheo"
    assert why.hits[0].answer is None  # the number answers nothing now
    assert why.hits[0].sentence is not None and "nhờ các mô hình trồng hồi" in why.hits[0].sentence.text
