"""Dates in questions: periods read from the question, and dated articles first, on a real index."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from retrieval.index.build import BuildOptions, build_index
from retrieval.search.engine import Engine
from retrieval.search.period import find_period

from .conftest import DATA, run_cli

FIXTURES = Path(__file__).parent / "fixtures"
TODAY = date(2026, 11, 27)  # a Friday
QUESTIONS = [json.loads(line) for line in (FIXTURES / "date_questions.jsonl").read_text(encoding="utf-8").splitlines()]


@pytest.mark.parametrize(
    "question,label,start,end",
    [
        ("Tháng 12/2018 tỉnh tổ chức bao nhiêu cuộc đối thoại?", "tháng 12/2018", "2018-12-01", "2018-12-31"),
        ("thang 12 nam 2018 to chuc bao nhieu cuoc doi thoai", "tháng 12/2018", "2018-12-01", "2018-12-31"),
        ("Năm 2018 có bao nhiêu đồng chí được khen?", "năm 2018", "2018-01-01", "2018-12-31"),
        ("Hội nghị ngày 25/12/2018 bàn về gì?", "ngày 25/12/2018", "2018-12-25", "2018-12-25"),
        ("ngay 25 thang 12 nam 2018 hoi nghi gi", "ngày 25/12/2018", "2018-12-25", "2018-12-25"),
        ("Quý I/2020 hiến bao nhiêu đất?", "quý I/2020", "2020-01-01", "2020-03-31"),
        ("quy 3 nam 2021 co gi moi", "quý III/2021", "2021-07-01", "2021-09-30"),
        ("Hôm qua UBND tỉnh họp về việc gì?", "hôm qua (26/11/2026)", "2026-11-26", "2026-11-26"),
        ("hom nay co tin gi", "hôm nay (27/11/2026)", "2026-11-27", "2026-11-27"),
        ("Tuần này có hội nghị nào?", "tuần này (23/11–29/11/2026)", "2026-11-23", "2026-11-29"),
        ("tuan truoc to chuc doi thoai o dau", "tuần trước (16/11–22/11/2026)", "2026-11-16", "2026-11-22"),
        ("Tháng trước có bao nhiêu ý kiến?", "tháng trước (10/2026)", "2026-10-01", "2026-10-31"),
        ("Năm ngoái tỉnh đạt bao nhiêu xã nông thôn mới?", "năm ngoái (2025)", "2025-01-01", "2025-12-31"),
        ("năm nay có bao nhiêu", "năm nay (2026)", "2026-01-01", "2026-12-31"),
        ("Tin mới nhất về đối thoại", "mới nhất", None, None),
        ("doi thoai gan day nhat", "gần đây nhất", None, None),
        ("Ngày 14/3 đoàn kiểm tra làm việc ở đâu?", "ngày 14/03", None, None),
    ],
)
def test_periods_are_read_as_typed_with_or_without_accents(question: str, label: str, start: str | None, end: str | None):
    period = find_period(question, TODAY)
    assert period is not None
    assert (period.label, period.start and period.start.isoformat(), period.end and period.end.isoformat()) == (label, start, end)


@pytest.mark.parametrize(
    "question",
    [
        "Bao nhiêu đồng chí được nhận kỷ niệm chương?",
        "Ở tại Việt Nam trước đây, các ca sinh non như thế nào?",  # a country, not "năm trước"
        "Bệnh nhân đã phát hiện gì vào một năm trước?",  # a year ago, counted
        "Bác sĩ cho biết gì về bệnh viện trong 8 năm qua?",
        "Những ai thường mắc bệnh ung thư gan nhất?",  # the liver, not "gần nhất"
        "Vào năm nào tỉnh được công nhận?",
        "Tháng 13/2018 có gì?",  # no such month
    ],
)
def test_look_alikes_are_not_periods(question: str):
    assert find_period(question, TODAY) is None


@pytest.fixture(scope="module")
def dated(tmp_path_factory) -> Engine:
    index = tmp_path_factory.mktemp("dated-index")
    build_index([FIXTURES / "dated"], index, BuildOptions(workers=1))
    return Engine.open(index)


def test_the_dated_article_comes_first_for_at_least_90_percent_of_date_questions(dated: Engine):
    assert len(QUESTIONS) >= 30
    misses = []
    for q in QUESTIONS:
        result = dated.search(q["question"], k=3, today=date.fromisoformat(q["today"]))
        first = result.hits[0].doc_id if result.hits else None
        if first != q["expect"]:
            misses.append((q["question"], first, q["expect"]))
    assert len(misses) <= 0.1 * len(QUESTIONS), misses


def test_without_reading_periods_the_same_questions_mostly_fail(dated: Engine):
    """The gain comes from the dates: the same engine ignoring periods gets about half right (the test can fail)."""
    blind = Engine(dated.gen, replace(dated.config, periods=False))
    right = sum(
        (r := blind.search(q["question"], k=1, today=date.fromisoformat(q["today"]))).hits != [] and r.hits[0].doc_id == q["expect"]
        for q in QUESTIONS
    )
    assert right < 0.7 * len(QUESTIONS)


def test_a_question_without_a_period_ranks_exactly_as_before(dated: Engine, engine: Engine):
    seed = [json.loads(line)["question"] for line in (DATA / "seed_questions.jsonl").read_text(encoding="utf-8").splitlines()]
    for eng, questions in (
        (dated, ["Chủ tịch UBND tỉnh đối thoại với nhân dân về việc gì?", "xa dat chuan nong thon moi"]),
        (engine, seed),
    ):
        blind = Engine(eng.gen, replace(eng.config, periods=False))
        for question in questions:
            if find_period(question, TODAY):
                continue
            a, b = eng.search(question, k=5, today=TODAY), blind.search(question, k=5, today=TODAY)
            assert [(h.passage_id, h.score) for h in a.hits] == [(h.passage_id, h.score) for h in b.hits]
            assert a.period is None


def test_an_archive_without_dates_is_matched_on_words_alone(tmp_path):
    undated = tmp_path / "undated.jsonl"
    with undated.open("w", encoding="utf-8") as fh:
        for line in (FIXTURES / "dated" / "ban-tin-theo-nam.jsonl").read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            del record["date"]
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    build_index([undated], tmp_path / "index", BuildOptions(workers=1))
    eng = Engine.open(tmp_path / "index")
    blind = Engine(eng.gen, replace(eng.config, periods=False))
    for q in QUESTIONS:
        a, b = eng.search(q["question"], k=5, today=TODAY), blind.search(q["question"], k=5, today=TODAY)
        assert a.period is None
        assert [(h.passage_id, h.score) for h in a.hits] == [(h.passage_id, h.score) for h in b.hits]


def test_ask_json_reports_the_period_it_used(tmp_path):
    index = tmp_path / "index"
    assert run_cli("index", str(FIXTURES / "dated"), "--index", str(index), "-q").returncode == 0
    res = run_cli(
        "ask", "Tháng trước người dân nêu bao nhiêu ý kiến khi đối thoại?", "--index", str(index), "--json", "--today", "2026-11-27"
    )
    out = json.loads(res.stdout)
    assert out["period"] == {
        "label": "tháng trước (10/2026)",
        "start": "2026-10-01",
        "end": "2026-10-31",
        "recent": False,
        "heading": "Các bài trong tháng trước (10/2026):",
        "in_archive": True,
    }
    assert out["hits"][0]["doc_id"] == "doi-thoai-2026-10-15"
    text = run_cli("ask", "thang 12/2020 nguoi dan neu bao nhieu y kien", "--index", str(index), "--today", "2026-11-27").stdout
    assert text.startswith("Các bài trong tháng 12/2020:")
    bad = run_cli("ask", "câu hỏi", "--index", str(index), "--today", "27/11/2026")
    assert bad.returncode == 2 and "expected YYYY-MM-DD" in bad.stderr
