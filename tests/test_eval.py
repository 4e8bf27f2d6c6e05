"""`eval` in-process: the metrics over real data, the seed set, and its one-line errors."""

from __future__ import annotations

import json

from retrieval.cli import main
from retrieval.evaluate import load_questions

from .conftest import DATA, ROOT


def test_eval_on_mlqa_with_the_baseline(capsys):
    mlqa = ROOT / "data" / "mlqa_vi"
    code = main(["eval", str(mlqa / "questions.jsonl"), "--docs", str(mlqa / "passages.jsonl"), "--limit", "20", "--baseline", "--json"])
    assert code == 0
    report = json.loads(capsys.readouterr().out)
    ours, base = report["ranker"], report["baseline"]
    assert ours["questions"] == base["questions"] == 20
    for key in ("P@1", "MRR@10", "R@10", "answer_in_quote@1", "answer_in_quote@3", "not_found_rate"):
        assert 0.0 <= ours[key] <= 1.0, key
    assert ours["P@1"] <= ours["R@10"] and ours["answer_in_quote@1"] <= ours["answer_in_quote@3"]
    assert ours["P@1"] >= 0.5  # twenty real questions over 451 passages: well above chance
    assert report["difference"]["P@1"] == ours["P@1"] - base["P@1"]


def test_eval_accepts_the_seed_question_set(tmp_path, capsys):
    index = tmp_path / "index"
    assert main(["index", str(ROOT / "seeds"), "--index", str(index), "-q"]) == 0
    capsys.readouterr()
    assert main(["eval", str(DATA / "seed_questions.jsonl"), "--index", str(index), "--json"]) == 0
    ranker = json.loads(capsys.readouterr().out)["ranker"]
    assert ranker["questions"] == len(load_questions(DATA / "seed_questions.jsonl"))
    assert ranker["P@1"] == 1.0  # one article
    rows = [json.loads(line) for line in (DATA / "seed_questions.jsonl").read_text(encoding="utf-8").splitlines()]
    with_answer = sum(1 for r in rows if r.get("answer") or r.get("answers"))
    assert ranker["answer_span_exact"] >= 0.8 * with_answer / len(rows)  # the marked answers the set names


def test_eval_split_and_table_output(tmp_path, capsys):
    questions = tmp_path / "q.jsonl"
    rows = [
        {
            "id": "a",
            "question": "Bao nhiêu đồng chí được nhận kỷ niệm chương?",
            "answers": ["34 đồng chí"],
            "passage_id": "tong-ket-cong-tac-dan-van-nam-2018",
            "split": "train",
        },
        {
            "id": "b",
            "question": "Ai phát biểu tại hội nghị?",
            "answers": ["Hoàng Văn Nghiệm"],
            "passage_id": "tong-ket-cong-tac-dan-van-nam-2018",
            "split": "dev",
        },
    ]
    questions.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    index = tmp_path / "index"
    assert main(["index", str(ROOT / "seeds"), "--index", str(index), "-q"]) == 0
    capsys.readouterr()
    assert main(["eval", str(questions), "--index", str(index), "--split", "dev"]) == 0
    out = capsys.readouterr().out
    assert "1 questions" in out and "answer_in_quote@1" in out


def test_eval_errors_are_one_line(tmp_path, capsys):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": 1}\n', encoding="utf-8")
    assert main(["eval", str(bad), "--index", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "bad.jsonl:1: not a question record" in err[0] and "Next: " in err[0]
    assert main(["eval", str(tmp_path / "none.jsonl")]) == 2


def _mixed_questions(tmp_path, fold: bool = False):
    """Sixty MLQA questions over their passages and fifteen XQuAD ones the index cannot answer (not found: misses)."""
    from retrieval.text.normalize import fold_accents

    rows = [json.loads(line) for line in (ROOT / "data" / "mlqa_vi" / "questions.jsonl").read_text(encoding="utf-8").splitlines()[:60]]
    rows += [json.loads(line) for line in (ROOT / "data" / "xquad_vi" / "questions.jsonl").read_text(encoding="utf-8").splitlines()[:15]]
    path = tmp_path / "mixed.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    batch = tmp_path / "batch.jsonl"
    asked = [{"id": r["id"], "question": fold_accents(r["question"]) if fold else r["question"]} for r in rows]
    batch.write_text("\n".join(json.dumps(a, ensure_ascii=False) for a in asked) + "\n", encoding="utf-8")
    return path, batch, [str(r["passage_id"]) for r in rows]


def test_eval_measures_exactly_what_ask_batch_shows(tmp_path):
    """P@1, MRR@10 and R@10 from `eval` equal those computed from `ask --batch`'s answers (the articles behind the
    quotes, "not found" a miss), typed with and without diacritics, at two page sizes."""
    from retrieval.evaluate import scores_of

    from .conftest import run_cli

    index = tmp_path / "index"
    assert run_cli("index", str(ROOT / "data" / "mlqa_vi" / "passages.jsonl"), "--index", str(index), "-q").returncode == 0
    for fold, k in ((False, "3"), (True, "3"), (False, "5")):
        questions, batch, golds = _mixed_questions(tmp_path, fold)
        flags = ["--no-diacritics"] if fold else []
        evaluated = run_cli("eval", str(questions), "--index", str(index), "--json", "-k", k, *flags)
        assert evaluated.returncode == 0, evaluated.stderr
        ranker = json.loads(evaluated.stdout)["ranker"]
        answered = run_cli("ask", "--batch", str(batch), "--json", "--index", str(index), "-k", k, "--no-refresh")
        assert answered.returncode == 0, answered.stderr
        records = [json.loads(line) for line in answered.stdout.splitlines()]
        assert [r["id"] for r in records] == [json.loads(line)["id"] for line in batch.read_text(encoding="utf-8").splitlines()]
        assert sum(r["not_found"] for r in records) >= 5 and all(r["articles"] == [] for r in records if r["not_found"])
        assert all(r["articles"][0] == r["hits"][0]["doc_id"] for r in records if not r["not_found"])
        shown = scores_of([r["articles"] for r in records], golds)
        for key in ("P@1", "MRR@10", "R@10"):
            assert abs(ranker[key] - shown[key]) < 0.001, (key, fold, k)
        assert ranker["not_found_rate"] == sum(r["not_found"] for r in records) / len(records)


def test_a_not_found_answer_is_a_miss_however_the_ranking_looked():
    from retrieval import Result
    from retrieval.evaluate import EvalQuestion, RunFigures

    figures = RunFigures("ranker")
    figures.add(Result("Giá vàng hôm nay?", [], None, True, articles=()), EvalQuestion("1", "Giá vàng hôm nay?", ("x",), "doc"))
    assert figures.ranks == [None] and figures.summary()["P@1"] == 0.0 and figures.not_found == [True]


def test_the_not_found_calibration_is_the_rule_search_applies(tmp_path):
    """For each threshold, the calibration's "not found with the gold present" is exactly the share of questions a
    search with that threshold answers "not found"."""
    from dataclasses import replace

    from retrieval.evaluate import calibrate_not_found
    from retrieval.index.build import BuildOptions, build_index
    from retrieval.search.engine import Engine, RankerConfig

    build_index([ROOT / "data" / "mlqa_vi" / "passages.jsonl"], tmp_path / "index", BuildOptions(workers=1))
    questions, _, _ = _mixed_questions(tmp_path)
    asked = load_questions(questions)
    engine = Engine.open(tmp_path / "index")
    thresholds = [0.2, 0.4, 0.6, 0.8]
    rows = calibrate_not_found(engine, asked, thresholds)
    for t, row in zip(thresholds, rows, strict=True):
        judged = Engine.open(tmp_path / "index", replace(RankerConfig(), min_coverage=t))
        said = sum(judged.search(q.question, k=3).not_found for q in asked) / len(asked)
        judged.close()
        assert row["not_found_when_present"] == said, t
    assert rows[0]["not_found_when_present"] < rows[-1]["not_found_when_present"]  # the grid does move
    engine.close()
