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
