"""The numpy and numba kernels are interchangeable: same results, bit for bit."""

import numpy as np
import pytest

from retrieval.kernels import NUMPY, compiled

SETS = [NUMPY, compiled()]


@pytest.mark.parametrize("k", SETS, ids=lambda k: k.name)
def test_top_k_matches_a_stable_sort(k):
    rng = np.random.default_rng(0)
    for _ in range(300):
        n = int(rng.integers(1, 400))
        want = int(rng.integers(1, 50))
        scores = rng.integers(-3, 8, size=n).astype(np.float64) * 0.25  # many ties, zeros and negatives
        expected = [i for i in np.argsort(-scores, kind="stable") if scores[i] > 0][:want]
        assert list(k.top_k(scores, want)) == expected


@pytest.mark.parametrize("k", SETS, ids=lambda k: k.name)
def test_accumulate(k):
    indptr = np.array([0, 2, 3], dtype=np.int64)
    docs = np.array([0, 2, 1], dtype=np.int32)
    weights = np.array([1.0, 2.0, 4.0], dtype=np.float32)
    scores = np.zeros(3)
    k.accumulate(scores, np.array([0, 1, 0], dtype=np.int64), np.array([1.0, 0.5, 2.0]), indptr, docs, weights)
    assert list(scores) == [3.0, 2.0, 6.0]


@pytest.mark.parametrize("k", SETS, ids=lambda k: k.name)
def test_contains_sorted(k):
    plist = np.array([1, 4, 9], dtype=np.int32)
    assert list(k.contains_sorted(plist, np.array([0, 1, 5, 9, 10], dtype=np.int32))) == [False, True, False, True, False]
    assert list(k.contains_sorted(plist[:0], np.array([1], dtype=np.int32))) == [False]


def test_both_sets_give_identical_scores_on_random_postings():
    rng = np.random.default_rng(1)
    n_docs, n_terms = 500, 60
    lengths = rng.integers(0, 40, size=n_terms)
    indptr = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    docs = np.concatenate([np.sort(rng.choice(n_docs, size=n, replace=False)) for n in lengths]).astype(np.int32)
    weights = rng.random(len(docs)).astype(np.float32)
    rows = rng.integers(0, n_terms, size=12).astype(np.int64)
    factors = rng.random(12)
    a, b = np.zeros(n_docs), np.zeros(n_docs)
    NUMPY.accumulate(a, rows, factors, indptr, docs, weights)
    compiled().accumulate(b, rows, factors, indptr, docs, weights)
    assert np.array_equal(a, b)
    assert list(NUMPY.top_k(a, 20)) == list(compiled().top_k(b, 20))
