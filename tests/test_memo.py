"""The analyzer's caches are bounded in bytes: junk of any length cannot grow them past their budget."""

from __future__ import annotations

import random
import string
import tracemalloc

from retrieval.index.matrix import term_hash
from retrieval.text import memo
from retrieval.text.analyzer import _word_parts, analyze_question
from retrieval.text.normalize import fold_accents, fold_syllable, is_vietnamese_syllable, normalize_syllable

CACHED = (term_hash, _word_parts, normalize_syllable, fold_accents, fold_syllable, is_vietnamese_syllable)


def _junk(rng: random.Random, n: int, length: int) -> list[str]:
    alphabet = string.ascii_lowercase + "ăâđêôơưáàảãạấầẩẫậếềểễệốồổỗộớờởỡợúùủũụứừửữựíìỉĩịýỳỷỹỵ_"
    return ["".join(rng.choice(alphabet) for _ in range(length)) + str(i) for i in range(n)]


def test_long_keys_are_computed_not_kept():
    for fn in CACHED:
        fn.cache_clear()  # type: ignore[attr-defined]
        long_key = "x" * (memo.MAX_KEY + 1)
        assert fn(long_key) == fn.__wrapped__(long_key)  # type: ignore[attr-defined]
        assert fn.cache_info().currsize == 0  # type: ignore[attr-defined]


def test_every_cache_entry_fits_its_stated_budget_whatever_it_is_fed():
    """Worst-case keys (MAX_KEY characters, not Latin-1): bytes per entry × maxsize ≤ the stated budget."""
    rng = random.Random(7)
    n = 3000
    for fn in CACHED:
        fn.cache_clear()  # type: ignore[attr-defined]
        keys = _junk(rng, n, memo.MAX_KEY - 4)
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        for key in keys:
            fn(key)
        for key in _junk(rng, 200, 400):  # over-long: computed, never kept
            fn(key)
        grown = tracemalloc.get_traced_memory()[0] - before
        tracemalloc.stop()
        info = fn.cache_info()  # type: ignore[attr-defined]
        assert info.currsize == n
        assert grown / n * info.maxsize <= memo.BUDGETS[fn.__wrapped__.__qualname__], (fn.__name__, grown / n)  # type: ignore[attr-defined]
    assert memo.cache_bytes() <= 100 * 1024 * 1024  # what README states


def test_the_analysis_is_the_same_through_the_caches():
    for question in (
        "Bao nhiêu đồng chí được nhận kỷ niệm chương?",
        "bao nhieu dong chi duoc nhan ky niem chuong",
        "x" * 300 + " đối thoại",
    ):
        first = analyze_question(question).terms
        for fn in CACHED:
            fn.cache_clear()  # type: ignore[attr-defined]
        assert analyze_question(question).terms == first
