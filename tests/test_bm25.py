"""Our scores against rank_bm25.BM25Okapi.get_scores on the same tokens."""

from __future__ import annotations

import random

import numpy as np
import pytest
from rank_bm25 import BM25Okapi

from retrieval.index import bm25
from retrieval.index.matrix import FieldMatrix
from retrieval.sources.passages import split_passages
from retrieval.sources.reader import read_sources
from retrieval.text.analyzer import document_terms


def _random_corpus(seed: int, n_docs: int, vocab: int) -> list[list[str]]:
    rng = random.Random(seed)
    words = [f"w{i}" for i in range(vocab)]
    return [[rng.choice(words[: rng.randint(2, vocab)]) for _ in range(rng.randint(1, 40))] for _ in range(n_docs)]


@pytest.mark.parametrize("seed", range(5))
def test_random_corpora_match_rank_bm25(seed: int) -> None:
    docs = _random_corpus(seed, n_docs=60, vocab=80)
    ref = BM25Okapi(docs)
    ours = FieldMatrix.build(docs)
    rng = random.Random(seed + 100)
    for _ in range(20):
        query = [f"w{rng.randint(0, 90)}" for _ in range(rng.randint(1, 8))]  # repeats and unknown terms too
        np.testing.assert_allclose(ours.scores(query), ref.get_scores(query), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("max_df", [1, 5, 20, 59])
def test_common_terms_left_out_keep_the_others_exact(max_df: int) -> None:
    """max_df chooses the query's terms; every kept term still scores exactly as rank_bm25."""
    docs = _random_corpus(11, n_docs=60, vocab=40)
    ref = BM25Okapi(docs)
    ours = FieldMatrix.build(docs)
    df = {w: sum(w in d for d in docs) for d in docs for w in d}
    assert sorted(ours.df(ours.rows(sorted(df))).tolist()) == sorted(df[w] for w in sorted(df))
    query = ["w0", "w1", "w2", "w5", "w5", "w30", "w99"]
    kept = [w for w in query if df.get(w, 0) <= max_df]
    assert len(kept) < len(query) or max_df == 59
    np.testing.assert_allclose(ours.scores(query, max_df=max_df), ref.get_scores(kept), rtol=1e-12, atol=1e-12)


def test_tiny_corpus_epsilon_floor_and_zero_idf() -> None:
    # "a" is in 2 of 3 documents: negative idf, floored at epsilon × mean idf.
    # With 4 documents, "b" in exactly half of them has idf 0 and is not floored (rank_bm25 issue #39).
    for docs in ([["a", "b"], ["a", "c"], ["b", "d"]], [["a", "b"], ["b", "c"], ["c", "d"], ["d", "e"]]):
        ref = BM25Okapi(docs)
        ours = FieldMatrix.build(docs)
        for query in (["a"], ["b"], ["a", "d"], ["b", "b", "e"]):
            np.testing.assert_allclose(ours.scores(query), ref.get_scores(query), rtol=1e-12, atol=1e-12)
    docs = [["a", "b"], ["a", "c"], ["b", "d"]]
    raw = [np.log(3 - df + 0.5) - np.log(df + 0.5) for df in (2, 2, 1, 1)]  # a, b, c, d
    floor = 0.25 * float(np.mean(raw))
    assert BM25Okapi(docs).idf["a"] == pytest.approx(floor)
    assert bm25.okapi_idf(np.array([2, 2, 1, 1]), 3, 0.25)[0] == pytest.approx(floor)


@pytest.mark.parametrize("k1,b,epsilon", [(1.5, 0.75, 0.25), (1.2, 0.5, 0.1), (2.0, 1.0, 0.5)])
def test_parameters_are_honoured(k1: float, b: float, epsilon: float) -> None:
    docs = _random_corpus(7, n_docs=30, vocab=25)
    ref = BM25Okapi(docs, k1=k1, b=b, epsilon=epsilon)
    ours = FieldMatrix.build(docs, k1=k1, b=b, epsilon=epsilon)
    np.testing.assert_allclose(ours.scores(["w1", "w3", "w3"]), ref.get_scores(["w1", "w3", "w3"]), rtol=1e-12, atol=1e-12)


def test_real_pyvi_tokens_of_the_seed(seed_dir) -> None:
    article = read_sources([seed_dir]).articles[0]
    fields = [document_terms(p.text) for p in split_passages(article)]
    for name in ("word", "syl", "fold2"):
        docs = [f[name] for f in fields]
        ref = BM25Okapi(docs)
        ours = FieldMatrix.build(docs)
        query = document_terms("Bao nhiêu đồng chí được nhận kỷ niệm chương của Tỉnh ủy?")[name]
        np.testing.assert_allclose(ours.scores(query), ref.get_scores(query), rtol=1e-12, atol=1e-12)


def test_saved_and_memory_mapped_index_gives_the_same_scores(tmp_path) -> None:
    docs = _random_corpus(3, n_docs=50, vocab=40)
    ours = FieldMatrix.build(docs)
    ours.save(tmp_path, "f")
    for path in tmp_path.iterdir():
        assert path.suffix == ".npy"
        np.load(path, allow_pickle=False)  # no pickled objects anywhere
    loaded = FieldMatrix.load(tmp_path, "f", ours.avgdl)
    import mmap

    assert isinstance(loaded.low.base, mmap.mmap) and isinstance(loaded.code.base, mmap.mmap)  # arrays over read-only maps
    assert not loaded.low.flags.writeable
    ref = BM25Okapi(docs)
    np.testing.assert_allclose(loaded.scores(["w2", "w9"]), ref.get_scores(["w2", "w9"]), rtol=1e-12, atol=1e-12)


def test_passages_past_65536_match_rank_bm25() -> None:
    # passage ids are stored as 16-bit offsets within runs: cross several run boundaries
    rng = random.Random(11)
    words = [f"w{i}" for i in range(300)]
    docs = [[rng.choice(words[: rng.randint(3, 300)]) for _ in range(rng.randint(1, 8))] for _ in range(140_000)]
    ref = BM25Okapi(docs)
    ours = FieldMatrix.build(docs)
    assert int(np.max(ours.run_high)) == 2
    for query in (["w0", "w1"], ["w250", "w7", "w250"], ["w299"]):
        np.testing.assert_allclose(ours.scores(query), ref.get_scores(query), rtol=1e-12, atol=1e-12)
    holders = np.array([i for i, d in enumerate(docs) if "w5" in d])
    targets = np.array([holders[0], holders[-1], 139_999, 70_000])
    # looked up in the posting lists (as the title re-rank does), not scored for every passage
    np.testing.assert_allclose(ours.scores_at(["w5", "w7"], targets), ref.get_scores(["w5", "w7"])[targets], rtol=1e-12, atol=1e-12)


def test_batch_encoding_lays_out_the_same_matrix_as_one_document_at_a_time() -> None:
    # build workers hash a batch in compiled code; questions hash term by term in Python
    from retrieval.index.matrix import FieldBuilder, encode_batch, term_hash

    docs = [*_random_corpus(5, n_docs=300, vocab=120), [], ["Đồng_chí", "kỷ_niệm", "74,78%", "đồng_chí", "ĐỒNG_CHÍ", ""]]
    one, batched = FieldBuilder(), FieldBuilder()
    for tokens in docs:
        one.add(tokens)
    for i in range(0, len(docs), 64):
        batched.add_batch(*encode_batch(docs[i : i + 64]))
    for a, b in zip(one.csr(), batched.csr(), strict=False):
        assert np.array_equal(a, b)
    assert list(one.doc_len) == list(batched.doc_len)
    hashes, _tfs, unique, _lengths = encode_batch([["a\x00b", "c"]])  # a NUL inside a token: the per-document path
    assert sorted(hashes.tolist()) == sorted([term_hash("a\x00b"), term_hash("c")]) and list(unique) == [2]
    # the keys on disk: changing the function needs a new index format (layout.FORMAT_VERSION)
    assert (term_hash("đồng_chí"), term_hash("")) == (0xC79B6D65EA33C5DD, 0xEFD01F60BA992926)
