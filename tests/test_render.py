"""Telegram HTML from results and articles: escaped, split under 4,096 UTF-16 units, never cut in a tag."""

from __future__ import annotations

import pytest

from bot.render import MAX_MESSAGE, article_messages, split_blocks, tg_len
from bot.testing import check_html
from retrieval import StoredArticle


def _article(text: str) -> StoredArticle:
    return StoredArticle(
        doc_id="x",
        title="Bài <thử> & kiểm tra",
        date="2024-12-25",
        author="A & B",
        url="https://a.vn/?x=1&y=2",
        source="t",
        text=text,
        n_passages=1,
    )


@pytest.mark.parametrize(
    "text",
    [
        "Đoạn văn bình thường. " * 600,  # many sentences, one paragraph
        ("Tin & tin <b> > " * 400 + "\n\n") * 3,  # escaping grows the text by half
        "😀" * 5000,  # two UTF-16 units each, no spaces
        "x" * 20_000,  # one unbroken word
        "Câu một.\n\nCâu hai.\n\n" + "Tỉnh Lạng Sơn 😀 & " * 900,
    ],
)
def test_long_articles_split_into_valid_messages(text):
    messages = article_messages(_article(text))
    assert len(messages) > 1
    for m in messages:
        assert tg_len(m) <= MAX_MESSAGE
        check_html(m)  # the fake server's Telegram checks
    assert "<b>Bài &lt;thử&gt; &amp; kiểm tra</b>" in messages[0]
    assert messages[-1].endswith('<a href="https://a.vn/?x=1&amp;y=2">Nguồn</a>')
    # nothing is lost: the text comes back, in order, once
    plain = "".join(ch for ch in text if not ch.isspace())
    got = "".join(
        "".join(ch for ch in m.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&") if not ch.isspace()) for m in messages
    )
    assert plain in got


def test_split_blocks_counts_utf16_units():
    emoji = "😀" * 1500  # 1,500 characters, 3,000 UTF-16 units
    assert split_blocks([emoji, emoji]) == [emoji, emoji]
    with pytest.raises(ValueError, match="longer than a message"):
        split_blocks(["😀" * 2049])


def test_a_long_quote_is_folded_only_when_its_bold_sentence_shows_folded():
    from bot.render import EXPANDABLE_OVER, hit_block
    from retrieval.search.answer import Span
    from retrieval.search.engine import Hit

    filler = "Các xã tổ chức tuyên truyền phòng chống cháy rừng cho bà con. " * 8
    answer = "Đội xung kích gồm 25 thanh niên."

    def block(text: str, start: int) -> str:
        sentence = Span(answer, start, start + len(answer))
        hit = Hit(0, "bai", "Phòng chống cháy rừng", "2024-11-20", text, 1.0, 1.0, "body", 0, sentence=sentence)
        out = hit_block(1, hit)
        check_html(out)
        return out

    early = answer + " " + filler
    late = filler + answer
    assert len(early) > EXPANDABLE_OVER and len(late) > EXPANDABLE_OVER
    assert "<blockquote expandable>" in block(early, 0)
    assert "<blockquote>" in block(late, len(filler))  # folded, the answer would be hidden below the fold


def test_a_page_whose_articles_answer_differently_says_so_above_the_quotes():
    """A quote that lost its underline to another article's different answer: one polite line above the quotes asks
    the cadre to compare the bulletins' titles and dates; a page without a dispute has no such line."""
    from bot.render import answer_messages
    from retrieval import Result, dispute_line
    from retrieval.search.answer import Span
    from retrieval.search.engine import Hit

    text = "Huyện Cao Lộc tổ chức hội nghị đối thoại với nhân dân, thu hút 350 đại biểu tham dự."
    sentence = Span(text, 0, len(text))

    def hit(doc: str, disputed: bool) -> Hit:
        return Hit(0, doc, f"Đối thoại <{doc}>", "2024-05-02", text, 1.0, 1.0, "body", 0, sentence=sentence, disputed=disputed)

    calm = Result("Hội nghị thu hút bao nhiêu đại biểu?", [hit("a", False), hit("b", False)], "number", True, total=2)
    torn = Result("Hội nghị thu hút bao nhiêu đại biểu?", [hit("a", True), hit("b", True)], "number", True, total=2)
    assert dispute_line(calm) is None and not calm.disputed
    line = dispute_line(torn)
    assert line is not None and "đối chiếu tên và ngày" in line
    (message,) = answer_messages(torn)
    check_html(message)
    assert message.startswith(f"<i>{line}</i>") and "Đối thoại &lt;a&gt;" in message
    assert line not in answer_messages(calm)[0]
    lower = Result("Hội nghị thu hút bao nhiêu đại biểu?", [hit("a", False), hit("b", True)], "number", True, total=2)
    assert dispute_line(lower) is None  # a lower quote lost its underline to a more confident first one: no word
    years = [hit("a", True), hit("b", True)]
    years[0].date, years[1].date = "2018-12-25", "2019-12-20"  # the same yearly report, two years
    asked = Result("Bao nhiêu đồng chí được nhận kỷ niệm chương <b>?", years, "number", True, total=2)
    hint = dispute_line(asked)
    assert hint is not None and hint.startswith(line) and hint.endswith("«Bao nhiêu đồng chí được nhận kỷ niệm chương <b> năm 2018?»")
    (message,) = answer_messages(asked)
    check_html(message)
    assert "&lt;b&gt; năm 2018?»</i>" in message  # the cadre's own words, escaped
    assert torn.as_dict()["hits"][0]["disputed"] is True
