import numpy as np

from retrieval.kernels import accumulate, add_article_scores, contains_sorted, top_k


def test_top_k_matches_a_stable_sort():
    rng = np.random.default_rng(0)
    for _ in range(300):
        n = int(rng.integers(1, 400))
        k = int(rng.integers(1, 50))
        scores = rng.integers(-3, 8, size=n).astype(np.float64) * 0.25  # many ties, zeros and negatives
        expected = [i for i in np.argsort(-scores, kind="stable") if scores[i] > 0][:k]
        assert list(top_k(scores, k)) == expected


def test_accumulate_and_article_scores():
    indptr = np.array([0, 2, 3], dtype=np.int64)
    docs = np.array([0, 2, 1], dtype=np.int32)
    weights = np.array([1.0, 2.0, 4.0], dtype=np.float32)
    scores = np.zeros(3)
    accumulate(scores, np.array([0, 1, 0], dtype=np.int64), np.array([1.0, 0.5, 2.0]), indptr, docs, weights)
    assert list(scores) == [3.0, 2.0, 6.0]
    add_article_scores(scores, np.array([0.0, 10.0]), np.array([0, 1, 1], dtype=np.int32), 0.5)
    assert list(scores) == [3.0, 7.0, 11.0]


def test_contains_sorted():
    plist = np.array([1, 4, 9], dtype=np.int32)
    assert list(contains_sorted(plist, np.array([0, 1, 5, 9, 10], dtype=np.int32))) == [False, True, False, True, False]
    assert list(contains_sorted(plist[:0], np.array([1], dtype=np.int32))) == [False]
