"""The numpy and numba kernels are interchangeable: same results, bit for bit, on the postings layout."""

import itertools

import numpy as np
import pytest

from retrieval.index.kernels import NUMPY, compiled
from retrieval.index.postings import decode_docs, encode_runs, pair_codes


@pytest.fixture(params=["numpy", "numba"])
def k(request):
    """Each kernel set; numba compiles when its first test runs, not while tests are collected."""
    return NUMPY if request.param == "numpy" else compiled()


def _random_postings(seed: int, n_docs: int, n_terms: int, max_len: int):
    """(indptr, docs, codes, idf, sat) with passage ids spread over several 65,536-id runs."""
    rng = np.random.default_rng(seed)
    lengths = rng.integers(0, max_len, size=n_terms)
    lengths[0] = 0  # an empty row
    indptr = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    docs = np.concatenate([np.sort(rng.choice(n_docs, size=n, replace=False)) for n in lengths]).astype(np.int32)
    codes = rng.integers(0, 50, size=len(docs)).astype(np.uint16)
    return indptr, docs, codes, rng.random(n_terms) * 5, rng.random(50) * 2


def test_top_k_matches_a_stable_sort(k):
    rng = np.random.default_rng(0)
    for _ in range(300):
        n = int(rng.integers(1, 400))
        want = int(rng.integers(1, 50))
        scores = rng.integers(-3, 8, size=n).astype(np.float64) * 0.25  # many ties, zeros and negatives
        expected = [i for i in np.argsort(-scores, kind="stable") if scores[i] > 0][:want]
        assert list(k.top_k(scores, want)) == expected


def test_accumulate_adds_idf_times_saturation_in_row_order(k):
    indptr = np.array([0, 2, 3], dtype=np.int64)
    docs = np.array([0, 70_000, 1], dtype=np.int32)  # row 0 spans two runs
    run_ptr, run_high, run_start, low = encode_runs(indptr, docs)
    assert list(run_ptr) == [0, 2, 3] and list(run_high) == [0, 1, 0] and list(low) == [0, 70_000 - 65_536, 1]
    code = np.array([0, 1, 1], dtype=np.uint16)
    idf, sat = np.array([2.0, 4.0]), np.array([0.5, 1.0])
    scores = np.zeros(70_001)
    k.accumulate(scores, np.array([0, 1, 0], dtype=np.int64), np.array([1.0, 0.5, 2.0]), run_ptr, run_high, run_start, low, code, idf, sat)
    assert (scores[0], scores[1], scores[70_000]) == (3.0, 2.0, 6.0)
    assert scores.sum() == 11.0


def test_locate_finds_passages_across_runs(k):
    indptr, docs, *_ = _random_postings(2, n_docs=300_000, n_terms=40, max_len=400)
    layout = encode_runs(indptr, docs)
    rng = np.random.default_rng(3)
    for row in range(40):
        plist = docs[indptr[row] : indptr[row + 1]]
        targets = np.concatenate([plist[:5], rng.integers(0, 300_000, size=20)]).astype(np.int32)
        pos = k.locate(row, targets, *layout)
        for t, p in zip(targets, pos, strict=False):
            if t in plist:
                assert p == indptr[row] + int(np.searchsorted(plist, t))
            else:
                assert p == -1


def test_layout_round_trips_and_both_sets_give_identical_scores():
    indptr, docs, codes, idf, sat = _random_postings(1, n_docs=200_000, n_terms=60, max_len=3000)
    run_ptr, run_high, run_start, low = encode_runs(indptr, docs)
    assert np.array_equal(decode_docs(run_high, run_start, low), docs)
    assert np.array_equal(run_start[run_ptr], indptr)
    rng = np.random.default_rng(4)
    rows = rng.integers(0, 60, size=12).astype(np.int64)
    factors = rng.random(12)
    factors[:3] = 1.0
    a, b = np.zeros(200_000), np.zeros(200_000)
    NUMPY.accumulate(a, rows, factors, run_ptr, run_high, run_start, low, codes, idf, sat)
    compiled().accumulate(b, rows, factors, run_ptr, run_high, run_start, low, codes, idf, sat)
    assert np.array_equal(a, b)
    # and both equal the naive sum over (row, passage, weight) triples
    c = np.zeros(200_000)
    for r, f in zip(rows, factors, strict=False):
        for j in range(indptr[r], indptr[r + 1]):
            c[docs[j]] += f * (idf[r] * sat[codes[j]])
    assert np.array_equal(a, c)
    assert list(NUMPY.top_k(a, 20)) == list(compiled().top_k(b, 20))


def test_pair_codes_keep_old_codes_and_widen_when_needed():
    tf = np.array([1, 2, 1, 1, 3])
    lengths = np.array([10, 10, 12, 10, 4])
    codes, ptf, plen = pair_codes(tf, lengths)
    assert list(zip(ptf[codes], plen[codes], strict=False)) == list(zip(tf, lengths, strict=False))
    more, ptf2, plen2 = pair_codes(np.array([1, 5]), np.array([12, 7]), ptf, plen)
    assert list(ptf2[: len(ptf)]) == list(ptf) and list(plen2[: len(plen)]) == list(plen)  # old codes still valid
    assert list(zip(ptf2[more], plen2[more], strict=False)) == [(1, 12), (5, 7)]
    rng = np.random.default_rng(5)
    big_tf, big_len = rng.integers(1, 400, size=200_000), rng.integers(1, 400, size=200_000)
    wide, wtf, wlen = pair_codes(big_tf, big_len)
    assert wide.dtype == np.uint32 and len(wtf) > 65_536
    assert np.array_equal(wtf[wide], big_tf) and np.array_equal(wlen[wide], big_len)
    # a grid too large for the lookup table takes the sorting path, with the same meaning
    huge, htf, hlen = pair_codes(np.array([1, 70_000, 1]), np.array([300_000, 5, 300_000]))
    assert list(zip(htf[huge], hlen[huge], strict=False)) == [(1, 300_000), (70_000, 5), (1, 300_000)]


def test_gather_equals_accumulate_at_the_targets(k):
    indptr, docs, codes, idf, sat = _random_postings(6, n_docs=150_000, n_terms=30, max_len=2000)
    layout = encode_runs(indptr, docs)
    rows = np.array([3, 7, 3, 12, 29], dtype=np.int64)
    factors = np.array([1.0, 0.3, 1.0, 0.2, 1.0])
    dense = np.full(150_000, 0.5)
    k.accumulate(dense, rows, factors, *layout, codes, idf, sat)
    targets = np.concatenate([docs[indptr[3] : indptr[3] + 10], np.arange(0, 150_000, 997)]).astype(np.int32)
    sparse = np.full(len(targets), 0.5)
    k.gather(sparse, rows, factors, targets, *layout, codes, idf, sat)
    assert np.array_equal(sparse, dense[targets])


def test_the_compiled_decoder_gives_every_posting_the_passage_the_numpy_one_does():
    from retrieval.index.compiled import decode_runs

    rng = np.random.default_rng(5)
    docs = np.sort(rng.choice(300_000, size=20_000, replace=False)).astype(np.int32)
    indptr = np.array([0, 7_000, 7_000, 20_000], dtype=np.int64)
    docs[7_000:] = np.sort(docs[7_000:])
    _, run_high, run_start, low = encode_runs(indptr, docs)
    assert np.array_equal(decode_runs(run_high, run_start, low), decode_docs(run_high, run_start, low))


def test_accumulate_part_over_disjoint_ranges_is_accumulate_bit_for_bit(k):
    """Threads scoring disjoint passage ranges into one array give the bits one thread would."""
    indptr, docs, codes, idf, sat = _random_postings(5, n_docs=300_000, n_terms=30, max_len=3_000)
    layout = encode_runs(indptr, docs)
    rows = np.array([3, 7, 3, 12, 29, 1], dtype=np.int64)
    factors = np.array([1.0, 0.3, 1.0, 0.7, 1.0, 2.0])
    whole = np.zeros(300_000)
    k.accumulate(whole, rows, factors, *layout, codes, idf, sat)
    cuts = [0, 1, 65_535, 65_536, 100_000, 131_072, 200_001, 300_000]  # inside runs, on their edges, one passage
    parts = np.zeros(300_000)
    for lo, hi in itertools.pairwise(cuts):
        k.accumulate_part(parts, rows, factors, *layout, codes, idf, sat, lo, hi)
    assert np.array_equal(whole, parts) and whole.any()
    alone = np.zeros(300_000)
    k.accumulate_part(alone, rows, factors, *layout, codes, idf, sat, 100_000, 131_072)
    assert not alone[:100_000].any() and not alone[131_072:].any()
    assert np.array_equal(alone[100_000:131_072], whole[100_000:131_072])
