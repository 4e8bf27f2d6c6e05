"""Property-based: any text, bytes, JSON value, passage or button data gives an answer or a named error.

Deterministic (derandomized, a fixed example budget) so CI runs it the same way every time.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.buttons import ARTICLE_PATTERN, PAGE_PATTERN, VOTE_PATTERN
from bot.render import MAX_MESSAGE, answer_messages, article_messages, tg_len
from bot.testing import check_html
from retrieval import Hit, QuestionError, Result, Span, StoredArticle, clean_question
from retrieval.model import Article, Problem
from retrieval.search.query import parse_question
from retrieval.sources.decode import DecodeError, decode_bulletin
from retrieval.sources.reader import parse_bulletin, parse_jsonl_record, read_bytes
from retrieval.text.analyzer import document_terms

from .mutate import SEED_FILES, edits, mutated_file

FUZZ = settings(max_examples=150, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# Vietnamese letters, ASCII, punctuation, emoji, control characters and lone surrogates.
ANY_TEXT = st.text(
    alphabet=st.one_of(
        st.characters(codec=None, blacklist_categories=()),
        st.sampled_from(list("àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ /%.,")),
    ),
    max_size=300,
)


@FUZZ
@given(ANY_TEXT)
def test_any_text_through_the_analyzer(text):
    try:
        question = clean_question(text)
    except QuestionError as exc:
        assert exc.reason in ("empty", "too_long")
        return
    query = parse_question(question)  # pyvi sees only cleaned text
    assert set(query.terms) >= {"word", "fold1", "fold2"}
    terms = document_terms(question)
    assert all(isinstance(t, str) and t for t in terms["word"])


@FUZZ
@given(st.binary(max_size=2000))
def test_any_bytes_through_the_reader(data):
    try:
        decoded = decode_bulletin(data)
    except DecodeError:
        return
    try:
        parse_bulletin(decoded.text, "doc", "fuzz.txt")
    except ValueError:
        pass  # a named reason (empty, no title …), reported per file


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | ANY_TEXT,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(ANY_TEXT, children, max_size=4),
    max_leaves=10,
)
RECORDS = st.fixed_dictionaries({}, optional={k: JSON_VALUES for k in ("id", "title", "date", "text", "author", "url")})


@FUZZ
@given(st.one_of(JSON_VALUES, RECORDS))
def test_any_json_value_as_an_archive_record(value):
    try:
        article = parse_jsonl_record(value, "fuzz.jsonl:1")
    except ValueError:
        return
    json.dumps(article.__dict__, ensure_ascii=False, default=str).encode("utf-8")  # storable as UTF-8


def _hit(text: str, title: str, a: int, b: int, date: str | None) -> Hit:
    start, end = sorted((a % (len(text) + 1), b % (len(text) + 1)))
    span = Span(text[start:end], start, end)
    return Hit(1, "doc", title, date, text, 1.0, 1.0, "body", 0, span if end > start else None, span)


@FUZZ
@given(
    st.lists(st.tuples(ANY_TEXT.filter(str.strip), ANY_TEXT, st.integers(), st.integers()), min_size=1, max_size=4),
    st.sampled_from([None, "2024-12-25", "bad-date", "2024-12"]),
    st.booleans(),
)
def test_any_passages_render_as_valid_telegram_messages(rows, date, accented):
    hits = [_hit(text, title, a, b, date) for text, title, a, b in rows]
    for result in (Result("q", hits, None, accented, total=len(hits) * 5), Result("q", [], None, accented)):
        for message in answer_messages(result, 0, 3):
            assert tg_len(message) <= MAX_MESSAGE
            check_html(message)


@FUZZ
@given(ANY_TEXT, st.text(max_size=50), st.integers(min_value=0, max_value=20_000))
def test_any_article_renders_as_valid_telegram_messages(text, title, repeat):
    body = (text + "\n\n") * (repeat // max(len(text), 1) + 1) if text else "x"
    article = StoredArticle("doc", title, None, title or None, "https://a.vn/?a=1&b=<2>", "fuzz", body, 1)
    for message in article_messages(article):
        assert tg_len(message) <= MAX_MESSAGE
        check_html(message)


@FUZZ
@given(st.one_of(st.text(max_size=80), st.from_regex(r"[vpa]:-?\d{0,25}:-?\d{0,6}(:\d{0,3})?", fullmatch=True)))
def test_any_button_data_parses_or_is_refused(data):
    for pattern in (VOTE_PATTERN, PAGE_PATTERN, ARTICLE_PATTERN):
        m = pattern.match(data)
        if m:
            qid, page = int(m.group(1)), int(m.group(2))
            assert 0 < qid < 2**63 and 0 <= page < 10_000  # fits SQLite, never an OverflowError


@pytest.mark.parametrize("data", ["v:99999999999999999999:1", "v:0:0:1", "p:-1:0", "a:1:0:99", ""])
def test_known_bad_button_data_is_refused(data):
    assert not any(p.match(data) for p in (VOTE_PATTERN, PAGE_PATTERN, ARTICLE_PATTERN))


@settings(max_examples=60, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(SEED_FILES), edits(), st.booleans())
def test_mutated_files_of_every_format_give_articles_or_named_problems(path, changes, inside):
    """Word, PDF, web page, TCVN3, VNI, JSON Lines and page text, mutated: articles or named refusals, never an exception."""
    data = mutated_file(path, changes, inside)
    items = read_bytes(data, path.name)
    assert items and all(isinstance(i, (Article, Problem)) for i in items)
    for item in items:
        if isinstance(item, Problem):
            assert item.reason and "Traceback" not in item.reason
            assert not item.reason.startswith("could not be read ("), item.reason  # a reader's own bug on this input
        else:
            assert item.text and len(item.text) <= 2_000_000
