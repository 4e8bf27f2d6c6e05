"""The fast loader runs pyvi's own model and features: its output must equal real pyvi's."""

from __future__ import annotations

import json

from pyvi import ViTokenizer

from retrieval.text.segment import FastPyvi, export_model

from .conftest import DATA, ROOT, SEED_FILE


def test_fast_pyvi_equals_real_pyvi(tmp_path):
    model = tmp_path / "pyvi.crfsuite"
    export_model(model)
    fast = FastPyvi(model)
    texts = [SEED_FILE.read_text(encoding="utf-8")]
    for name in ("mlqa_vi", "xquad_vi"):
        folder = ROOT / "data" / name
        texts += [json.loads(line)["text"] for line in (folder / "passages.jsonl").read_text(encoding="utf-8").splitlines()[:150]]
        texts += [json.loads(line)["question"] for line in (folder / "questions.jsonl").read_text(encoding="utf-8").splitlines()[:300]]
    texts += [json.loads(line)["question"] for line in (DATA / "seed_questions.jsonl").read_text(encoding="utf-8").splitlines()]
    texts += [
        "",
        "   ",
        "...",
        "a->b ==> c >> d",
        "thư test@example.com, http://baolangson.vn/a?b=1",
        "1.000,5 Tp. HCM Dr. Minh",
        "HĐND. UBND.",
    ]
    mismatches = [t for t in texts if fast.tokenize(t) != ViTokenizer.tokenize(t)]
    assert not mismatches, mismatches[:3]


def test_pyvi_is_the_release_whose_internals_we_read():
    """segment.py reproduces pyvi 0.1.1's features and reads its model files: another release must fail here, loudly."""
    import importlib.metadata

    from retrieval.text.segment import PYVI_VERSION, _pyvi_dir

    installed = importlib.metadata.version("pyvi")
    assert installed == PYVI_VERSION, f"pyvi {installed} is installed; text/segment.py was written for {PYVI_VERSION}: re-check it"
    assert (_pyvi_dir() / "models" / "pyvi3.pkl").is_file() and (_pyvi_dir() / "models" / "words.txt").is_file()
    inner = ViTokenizer.ViTokenizer
    assert all(hasattr(inner, name) for name in ("sylabelize", "word2features", "sent2features", "bi_grams", "tri_grams", "model"))
