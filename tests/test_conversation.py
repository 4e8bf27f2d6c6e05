"""Follow-up questions: the policy (search/conversation.py), the engine with context, `ask --after`,
`ask --batch` with "after", and `eval --conversation`, over real pyvi, BM25 and SQLite.

The fixture (tests/fixtures/conversation) is written for these tests: "Các bác sĩ khuyến cáo gì?"
matches the toy-injury article better when asked alone, "Còn năm 2018?" finds nothing alone.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from retrieval.search.conversation import FollowUpConfig, Turn, article_weights, is_contrast, leans, read_follow_up, without_contrast
from retrieval.search.query import parse_question
from retrieval.terminal import context_line
from retrieval.text.normalize import fold_accents

from .conftest import run_cli

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "conversation"
ARTICLES = FIXTURE / "articles.jsonl"
QUESTIONS = FIXTURE / "questions.jsonl"
TODAY = date(2019, 8, 1)
FIRST = "Bao nhiêu người tử vong vì sốt xuất huyết ở TP HCM?"


@pytest.fixture(scope="module")
def conv_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from retrieval.index.build import BuildOptions, build_index

    index = tmp_path_factory.mktemp("conversation-index")
    build_index([ARTICLES], index, BuildOptions(workers=1))
    return index


@pytest.fixture(scope="module")
def conv(conv_index: Path):
    from retrieval.search.engine import Engine

    engine = Engine.open(conv_index)
    yield engine
    engine.close()


def _docs(result) -> list[str]:
    return [h.doc_id for h in result.hits]


# -- the policy -----------------------------------------------------------------------
@pytest.mark.parametrize(
    "question,contrast",
    [
        ("Còn ở Đồng Nai thì sao?", True),
        ("Vậy còn năm 2019?", True),
        ("con o dong nai thi sao", True),
        ("Năm 2018 thì sao?", True),
        ("con bao nhieu tuoi", False),  # "con" is also a child: without diacritics it needs the closer
        ("Con bé bao nhiêu tuổi?", False),
        ("Các bác sĩ khuyến cáo gì?", False),
    ],
)
def test_contrast_questions_are_told_apart(question, contrast):
    assert is_contrast(question) is contrast


def test_contrast_words_are_dropped_before_searching():
    assert without_contrast("Còn ở Đồng Nai thì sao?") == "ở Đồng Nai"
    assert without_contrast("vay con nam 2019 thi sao") == "nam 2019"
    assert without_contrast("Còn năm 2018?") == "năm 2018?"


@pytest.mark.parametrize(
    "question,expected",
    [("Ông ấy nói gì?", True), ("Việc đó bắt đầu khi nào?", True), ("ong ay noi gi", True), ("Hôm nay giá vàng bao nhiêu?", False)],
)
def test_pointing_back_is_seen_with_or_without_diacritics(question, expected):
    assert leans(question) is expected
    # typed without diacritics, "nay" (hôm nay) and "do" must not read as "này" and "đó"
    assert not leans("hom nay gia vang bao nhieu") and not leans("do dau ma benh lay lan")


def test_lean_grows_as_a_question_has_fewer_words_of_its_own():
    config = FollowUpConfig()
    turns = [Turn(FIRST, ("a",), (("a", 1.0),))]
    assert read_follow_up("Chi phí bao nhiêu?", 2, turns, config).lean == 1.0
    long = read_follow_up("Ai phát biểu chỉ đạo hội nghị tổng kết công tác dân vận năm nay?", 14, turns, config).lean
    assert 0 < long < 0.05
    assert read_follow_up("Ông ấy là ai trong hội nghị tổng kết công tác dân vận năm nay?", 14, turns, config).lean == 1.0
    assert read_follow_up("Còn năm 2019?", 2, turns, config) == read_follow_up("Còn năm 2019?", 2, turns, config)
    contrast = read_follow_up("Còn năm 2019?", 2, turns, config)
    assert contrast.carry and contrast.lean == 0.0  # the earlier words, not the earlier articles
    assert read_follow_up("Vì sao?", 0, turns, config).carry
    assert read_follow_up("Chi phí bao nhiêu?", 2, [], config).lean == 0.0


def test_older_turns_count_less_and_the_weights_stay_in_range():
    config = FollowUpConfig()
    old = Turn("q1", ("a",), (("a", 1.0), ("b", 0.5)))
    new = Turn("q2", ("c",), (("c", 1.0),))
    weights = article_weights([old, new], config)
    assert weights["c"] > weights["a"] > weights["b"] > 0  # the newer turn counts more
    steady = article_weights([old, Turn("q2", ("c",), (("c", 1.0), ("a", 0.9)))], config)
    assert steady["a"] > steady["c"]  # an article both turns found beats one only the last found
    assert all(0 < w <= 1 for w in [*weights.values(), *steady.values()])
    assert article_weights([new], config)["c"] == pytest.approx(1.0)
    assert article_weights([Turn("q", (), ())] * 5, config) == {}


def test_a_turn_round_trips_and_a_damaged_one_never_breaks_a_question():
    turn = Turn(FIRST, ("sxh-tphcm",), (("sxh-tphcm", 1.0), ("sxh-dongnai", 0.62)), "")
    assert Turn.from_dict(json.loads(json.dumps(turn.as_dict(), ensure_ascii=False))) == turn
    broken = Turn.from_dict({"question": "Q", "answered": ["x", 3, None], "evidence": [["y", "big"], ["z", 0.5], "junk"], "asked": 7})
    assert broken == Turn("Q", ("x",), (("z", 0.5),), "")


# -- the engine with context ------------------------------------------------------------
@pytest.mark.parametrize("typed", [lambda q: q, fold_accents], ids=["accented", "no diacritics"])
def test_a_follow_up_is_answered_from_the_article_of_the_answer_before_it(conv, typed):
    first = conv.search(typed(FIRST), today=TODAY)
    assert _docs(first)[0] == "sxh-tphcm"
    alone = conv.search(typed("Các bác sĩ khuyến cáo gì?"), today=TODAY)
    assert _docs(alone)[0] == "do-choi"  # alone, the toy-injury article says it word for word
    after = conv.search(typed("Các bác sĩ khuyến cáo gì?"), today=TODAY, context=[first.turn()])
    assert _docs(after)[0] == "sxh-tphcm"
    assert "diệt lăng quăng" in after.hits[0].text
    assert after.context is not None and after.context.used and after.context.after == typed(FIRST)
    assert after.as_dict()["context"] == {"after": typed(FIRST), "used": True, "carried": [], "lean": 1.0}


def test_a_question_that_stands_alone_ignores_the_conversation(conv):
    first = conv.search(FIRST, today=TODAY)
    question = "Ai phát biểu chỉ đạo hội nghị tổng kết công tác dân vận?"
    alone = conv.search(question, today=TODAY)
    after = conv.search(question, today=TODAY, context=[first.turn()])
    assert _docs(after) == _docs(alone) and _docs(after)[0] == "hoi-nghi-dan-van"
    assert [h.text for h in after.hits] == [h.text for h in alone.hits]
    assert after.context is not None and not after.context.used and after.context.lean < 0.1
    assert context_line(after) is None


def test_an_elliptic_question_takes_the_earlier_words_and_its_own_period(conv):
    first = conv.search("Ở Đồng Nai có bao nhiêu người tử vong vì sốt xuất huyết năm 2019?", today=TODAY)
    assert first.hits[0].answer is not None and first.hits[0].answer.text == "5 người"
    assert conv.search("Còn năm 2018?", today=TODAY).not_found
    after = conv.search("Còn năm 2018?", today=TODAY, context=[first.turn()])
    assert after.hits[0].text.startswith("Năm 2018, Đồng Nai chỉ có 2 người tử vong")
    assert after.hits[0].answer is not None and after.hits[0].answer.text == "2 người"
    assert after.period is not None and after.period.label == "năm 2018"
    assert after.context is not None and after.context.used and "sốt" in after.context.carried
    assert "2019" not in after.asked and after.asked.endswith("Còn năm 2018?")
    line = context_line(after)
    assert line is not None and line.startswith("Tiếp theo câu hỏi: «Ở Đồng Nai có bao nhiêu") and "(hiểu thêm: " in line


def test_a_question_word_alone_is_asked_about_the_earlier_question(conv):
    first = conv.search(FIRST, today=TODAY)
    assert conv.search("Vì sao?", today=TODAY).not_found
    after = conv.search("Vì sao?", today=TODAY, context=[first.turn()])
    assert _docs(after)[0] == "sxh-tphcm" and after.context is not None and after.context.carried


def test_a_conversation_about_articles_no_longer_indexed_is_harmless(conv):
    stale = Turn("Câu hỏi cũ", ("da-xoa",), (("da-xoa", 1.0), ("cung-da-xoa", 0.7)))
    alone = conv.search("Các bác sĩ khuyến cáo gì?", today=TODAY)
    after = conv.search("Các bác sĩ khuyến cáo gì?", today=TODAY, context=[stale])
    assert _docs(after) == _docs(alone) and after.context is not None and not after.context.used


def test_pages_of_a_follow_up_are_the_same_pages_every_time(conv):
    first = conv.search(FIRST, today=TODAY)
    pages = [conv.search("Các bác sĩ khuyến cáo gì?", k=1, offset=o, today=TODAY, context=[first.turn()]) for o in range(3)]
    again = [conv.search("Các bác sĩ khuyến cáo gì?", k=1, offset=o, today=TODAY, context=[first.turn()]) for o in range(3)]
    assert [_docs(p) for p in pages] == [_docs(p) for p in again]
    shown = [d for p in pages for d in _docs(p)]
    assert shown[0] == "sxh-tphcm" and "do-choi" in shown


# -- the CLI --------------------------------------------------------------------------
def test_ask_after_reads_the_question_as_a_follow_up(conv_index: Path):
    res = run_cli("ask", "Các bác sĩ khuyến cáo gì?", "--after", FIRST, "--json", "--index", str(conv_index), "--no-refresh")
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    assert out["hits"][0]["doc_id"] == "sxh-tphcm"
    assert out["context"]["after"] == FIRST and out["context"]["used"] is True
    plain = run_cli("ask", "Các bác sĩ khuyến cáo gì?", "--after", FIRST, "--index", str(conv_index), "--no-refresh")
    assert plain.returncode == 0, plain.stderr
    assert plain.stdout.startswith(f"Tiếp theo câu hỏi: «{FIRST}»")
    alone = json.loads(run_cli("ask", "Các bác sĩ khuyến cáo gì?", "--json", "--index", str(conv_index), "--no-refresh").stdout)
    assert alone["hits"][0]["doc_id"] == "do-choi" and "context" not in alone


def test_ask_after_twice_follows_the_whole_conversation(conv_index: Path):
    res = run_cli(
        "ask",
        "Còn năm 2018?",
        "--after",
        "Hội nghị công tác dân vận có ai phát biểu?",
        "--after",
        "Ở Đồng Nai có bao nhiêu người tử vong vì sốt xuất huyết năm 2019?",
        "--json",
        "--index",
        str(conv_index),
        "--no-refresh",
    )
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    assert out["hits"][0]["answer"]["text"] == "2 người" and "sốt" in out["context"]["carried"]


def test_ask_after_refuses_an_empty_earlier_question(conv_index: Path):
    res = run_cli("ask", "Vì sao?", "--after", "   ", "--index", str(conv_index), "--no-refresh")
    assert res.returncode == 2 and res.stderr.startswith("error: --after: empty question.") and "Traceback" not in res.stderr


def test_a_batch_line_names_the_line_it_follows_and_a_bad_id_fails_that_line_only(conv_index: Path, tmp_path: Path):
    lines = [
        {"id": "1", "question": FIRST},
        {"id": "2", "question": "Các bác sĩ khuyến cáo gì?", "after": "1"},
        {"id": "3", "question": "Các bác sĩ khuyến cáo gì?"},
        {"id": "4", "question": "Vì sao?", "after": "nope"},
        {"id": "5", "question": "Vì sao?", "after": "6"},  # a later line is not an earlier turn
        {"id": "6", "question": "Vì sao?", "after": 2},  # ids are matched as text: 2 is "2"
        {"id": "7", "question": "Bệnh nhân nặng chủ yếu là ai?", "after": "2"},
    ]
    batch = tmp_path / "batch.jsonl"
    batch.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines), encoding="utf-8")
    res = run_cli("ask", "--batch", str(batch), "--json", "--index", str(conv_index), "--no-refresh")
    assert res.returncode == 1
    out = {r["id"]: r for r in map(json.loads, res.stdout.splitlines())}
    assert sorted(out) == ["1", "2", "3", "6", "7"]
    assert out["2"]["hits"][0]["doc_id"] == "sxh-tphcm" and out["2"]["context"]["after"] == FIRST
    assert out["3"]["hits"][0]["doc_id"] == "do-choi" and "context" not in out["3"]
    assert out["6"]["context"]["after"] == "Các bác sĩ khuyến cáo gì?" and out["6"]["hits"][0]["doc_id"] == "sxh-tphcm"
    assert out["7"]["hits"][0]["doc_id"] == "sxh-tphcm"
    errors = res.stderr.splitlines()
    assert any(e.startswith(f'error: {batch}:4: "after": "nope" names no earlier line') for e in errors)
    assert any(e.startswith(f'error: {batch}:5: "after": "6" names no earlier line') for e in errors)
    assert "2 line(s) skipped" in res.stderr


def test_eval_conversation_reports_follow_ups_switches_and_first_questions_beside_alone(tmp_path: Path):
    res = run_cli("eval", str(QUESTIONS), "--docs", str(ARTICLES), "--conversation", "--json")
    assert res.returncode == 0, res.stderr
    report = json.loads(res.stdout)["conversation"]
    assert report["first question"]["questions"] == 1
    assert report["topic switch"]["questions"] == 2 and report["follow-up"]["questions"] == 4
    follow = report["follow-up"]
    assert follow["P@1 alone"] == 0.5 and follow["P@1 with context"] == 1.0
    assert follow["answer_in_quote@1 with context"] == 1.0 > follow["answer_in_quote@1 alone"]
    switch = report["topic switch"]
    assert switch["P@1 with context"] == switch["P@1 alone"] == 1.0
    table = run_cli("eval", str(QUESTIONS), "--docs", str(ARTICLES), "--conversation")
    assert table.returncode == 0 and "follow-up" in table.stdout and "0.500 → 1.000" in table.stdout


def test_scoring_split_over_threads_gives_the_same_answers_bit_for_bit(conv_index: Path, monkeypatch: pytest.MonkeyPatch):
    """A large index is scored by one thread per core over passage ranges; here every index is split, three ways."""
    from retrieval.search import searcher as searcher_module
    from retrieval.search.engine import Engine

    monkeypatch.setattr(searcher_module, "PARALLEL_MIN_ARTICLES", 1)
    one, three = Engine.open(conv_index), Engine.open(conv_index)
    try:
        one.warm_up()
        three.warm_up()
        one.force_threads(1)
        three.force_threads(3)
        assert len(three.searcher._parts()) == 3 and len(one.searcher._parts()) == 1
        first = one.search(FIRST, today=TODAY)
        questions = [FIRST, "Các bác sĩ khuyến cáo gì?", "cac bac si khuyen cao gi", "sốt xuất huyết", "xyz"]
        for question in questions:
            for context in ((), (first.turn(),)):
                a, b = (e.search(question, k=5, today=TODAY, context=context) for e in (one, three))
                assert [(h.passage_id, h.score) for h in a.hits] == [(h.passage_id, h.score) for h in b.hits]
                assert a.articles == b.articles and a.evidence == b.evidence and a.bar == b.bar
            query = parse_question(question, TODAY)
            exclude = one.passage_article[:3]
            for depth in (1, 7, 200):
                s1, top1 = one.searcher.top(query, depth, exclude)
                s1 = s1.copy()
                s3, top3 = three.searcher.top(query, depth, exclude)
                assert np.array_equal(s1, s3) and np.array_equal(top1.ids, top3.ids) and np.array_equal(top1.scores, top3.scores)
    finally:
        one.close()
        three.close()
