"""The maintainers' CLI in a real subprocess, over the real seed bulletin."""

from __future__ import annotations

import json
import re
import shutil
import unicodedata

import pytest

from retrieval.cli import build_parser

from .conftest import ROOT, SEED_FILE, run_cli
from .test_reader import _to_cp1258

KNP = "Nhân dịp này, 34 đồng chí đã được nhận kỷ niệm chương"


@pytest.fixture(scope="module")
def cli_index(tmp_path_factory):
    index = tmp_path_factory.mktemp("cli") / "index"
    res = run_cli("index", str(ROOT / "seeds"), "--index", str(index))
    assert res.returncode == 0, res.stderr
    assert "Indexed 1 article(s)" in res.stdout
    return index


def test_ask_terminal_output(cli_index):
    res = run_cli("ask", "Bao nhiêu đồng chí được nhận kỷ niệm chương?", "--index", str(cli_index))
    assert res.returncode == 0, res.stderr
    assert KNP in res.stdout and "Tổng kết công tác dân vận năm 2018" in res.stdout
    assert "25/12/2018 (đăng ngày 06/03/2021)" in res.stdout and "→ 34 đồng chí" in res.stdout


@pytest.mark.parametrize("question", ["Bao nhiêu đồng chí được nhận kỷ niệm chương?", "bao nhieu dong chi duoc nhan ky niem chuong"])
def test_ask_json(cli_index, question):
    res = run_cli("ask", question, "--index", str(cli_index), "--json", "-k", "2")
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    assert set(out) == {"question", "not_found", "period", "hits", "articles"} and out["not_found"] is False and out["period"] is None
    assert out["articles"] == ["tong-ket-cong-tac-dan-van-nam-2018"]  # the articles behind the quotes, each once
    hit = out["hits"][0]
    assert set(hit) == {
        "doc_id",
        "passage_id",
        "title",
        "date",
        "published",
        "url",
        "ocr",
        "text",
        "score",
        "answer",
        "disputed",
        "sentence",
    }
    assert hit["ocr"] is None and hit["disputed"] is False  # typed text, not a scan; one bulletin contradicts nothing
    assert (hit["date"], hit["published"]) == ("2018-12-25", "2021-03-06")
    sentence = hit["text"][hit["sentence"]["start"] : hit["sentence"]["end"]]
    assert sentence.startswith("Nhân dịp này") and sentence.endswith("Trung ương.")
    assert hit["sentence"]["start"] <= hit["answer"]["start"] and hit["answer"]["end"] <= hit["sentence"]["end"]
    assert hit["text"].startswith(KNP)
    assert hit["answer"]["text"] == "34 đồng chí"
    assert hit["text"][hit["answer"]["start"] : hit["answer"]["end"]] == "34 đồng chí"
    assert len(out["hits"]) <= 2


def test_ask_not_found_json(cli_index):
    out = json.loads(run_cli("ask", "Giá vàng hôm nay bao nhiêu?", "--index", str(cli_index), "--json").stdout)
    assert out["not_found"] is True and out["hits"] == [] and out["articles"] == []


def test_batch_many_questions_in_one_process(cli_index):
    lines = [
        json.dumps({"id": i, "question": q}, ensure_ascii=False)
        for i, q in enumerate(
            ["Bao nhiêu đồng chí được nhận kỷ niệm chương?", "Giá vàng hôm nay bao nhiêu?", "Ai phát biểu tại hội nghị?"] * 400
        )
    ]
    lines.insert(5, "{broken")
    res = run_cli("ask", "--batch", "-", "--json", "--index", str(cli_index), stdin="\n".join(lines) + "\n")
    out = [json.loads(line) for line in res.stdout.splitlines()]
    assert len(out) == 1200
    assert out[0]["id"] == 0 and out[0]["hits"][0]["answer"]["text"] == "34 đồng chí"
    assert out[1]["not_found"] is True
    assert all(isinstance(o["took_ms"], float) for o in out)
    assert "-:6: malformed JSON" in res.stderr
    assert res.returncode == 1


def test_stats_and_show(cli_index):
    res = run_cli("stats", "--index", str(cli_index), "--json")
    stats = json.loads(res.stdout)
    assert stats["n_articles"] == 1 and stats["n_passages"] >= 10 and stats["stale"] is False
    res = run_cli("show", "tong-ket-cong-tac-dan-van-nam-2018", "--index", str(cli_index))
    assert res.returncode == 0 and "PHƯƠNG DUNG" in res.stdout and KNP in res.stdout


def test_user_errors_are_one_line_with_a_next_step(tmp_path, cli_index):
    cases = [
        ("ask", "câu hỏi", "--index", str(tmp_path / "none")),
        ("ask", "   ", "--index", str(cli_index)),
        ("ask", "x", "-k", "0", "--index", str(cli_index)),
        ("show", "no-such-article", "--index", str(cli_index)),
        ("index", str(tmp_path / "missing-folder"), "--index", str(tmp_path / "i")),
        ("ask", "--batch", str(tmp_path / "nope.jsonl"), "--json", "--index", str(cli_index)),
    ]
    for args in cases:
        res = run_cli(*args)
        assert res.returncode == 2, (args, res.stderr)
        lines = res.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: ") and "Next: " in lines[0], (args, res.stderr)
        assert "Traceback" not in res.stderr


def test_bad_folder_is_reported_by_name_and_the_rest_indexed(tmp_path):
    folder = tmp_path / "bulletins"
    folder.mkdir()
    shutil.copy(SEED_FILE, folder / "good.txt")
    (folder / "empty.txt").write_bytes(b"")
    (folder / "binary.txt").write_bytes(bytes(range(256)) * 16)
    (folder / "legacy-1258.txt").write_bytes(_to_cp1258(SEED_FILE.read_text(encoding="utf-8")))
    index = tmp_path / "index"
    res = run_cli("index", str(folder), "--index", str(index))
    assert res.returncode == 1
    assert re.search(r"empty\.txt: empty file", res.stderr)
    assert re.search(r"binary\.txt: binary file", res.stderr)
    show = run_cli("show", "good", "--index", str(index))
    assert KNP in show.stdout
    legacy = run_cli("show", "legacy-1258", "--index", str(index))
    # Windows-1258 is converted: the article reads as the UTF-8 original
    assert KNP in unicodedata.normalize("NFC", legacy.stdout) and "legacy-1258.txt" not in res.stderr
    assert "Indexed 2 article(s)" in res.stdout


def test_nothing_readable_is_an_error(tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"")
    res = run_cli("index", str(tmp_path), "--index", str(tmp_path / "index"))
    assert res.returncode == 2 and "nothing to index" in res.stderr


def test_every_command_has_help_with_an_example_and_is_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    parser = build_parser()
    commands = parser._subparsers._group_actions[0].choices
    assert set(commands) >= {"index", "ask", "stats", "show", "eval"}
    for name, sub in commands.items():
        assert "Example:" in sub.format_help(), name
        assert f"python -m retrieval {name}" in readme, f"README does not document `{name}`"


def test_add_with_other_bm25_parameters_is_refused_in_one_line(tmp_path):
    index = tmp_path / "index"
    assert run_cli("index", str(ROOT / "seeds"), "--index", str(index), "--k1", "1.2", "--b", "0.5").returncode == 0
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "tin.txt").write_text(SEED_FILE.read_text(encoding="utf-8").replace("34 đồng chí", "35 đồng chí"), encoding="utf-8")
    res = run_cli("index", "--add", str(extra), "--index", str(index), "--k1", "3.0")
    assert res.returncode == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and "--add keeps the index's BM25 parameters (k1 1.2, b 0.5" in lines[0] and "Next: " in lines[0]
    # without parameters, --add takes the recorded ones
    assert run_cli("index", "--add", str(extra), "--index", str(index)).returncode == 0
    bm25 = json.loads(run_cli("stats", "--index", str(index), "--json").stdout)["bm25"]
    assert (bm25["k1"], bm25["b"]) == (1.2, 0.5)


def test_a_broken_record_is_named_by_line_and_the_rest_indexed(tmp_path):
    """A lone surrogate escape (a cut emoji) in one JSON Lines record: that record is reported, nothing else is lost."""
    archive = tmp_path / "archive.jsonl"
    good = {"id": "tin-1", "title": "Tin một", "date": "2024-12-02", "text": "Cây cầu dài 320 mét được khánh thành."}
    bad = {"id": "tin-2", "title": "Tin hai", "text": "Xin chào \ud83d các bạn"}
    last = {"id": "tin-3", "title": "Tin ba", "text": "Huyện trồng 500 ha rừng mới trong năm."}
    more = [{"id": f"tin-{i}", "title": f"Tin {i}", "text": f"Xã số {i} tổ chức hội nghị đối thoại với nhân dân."} for i in range(4, 8)]
    archive.write_text("\n".join(json.dumps(r) for r in (good, bad, last, *more)) + "\n", encoding="utf-8")
    index = tmp_path / "index"
    res = run_cli("index", str(archive), "--index", str(index))
    assert res.returncode == 1 and "Indexed 6 article(s)" in res.stdout
    assert f"{archive}:2: " in res.stderr and "lone UTF-16 surrogate" in res.stderr
    ask = run_cli("ask", "Cây cầu dài bao nhiêu mét?", "--index", str(index), "--json")
    assert ask.returncode == 0 and json.loads(ask.stdout)["hits"][0]["answer"]["text"] == "320 mét"
    # and a question with the same broken character is cleaned, not fatal, in a batch
    lines = [
        json.dumps({"id": 1, "question": "Cây cầu dài bao nhiêu mét \udcff?"}),
        json.dumps({"id": 2, "question": "Huyện trồng bao nhiêu ha rừng?"}),
    ]
    batch = run_cli("ask", "--batch", "-", "--json", "--index", str(index), stdin="\n".join(lines) + "\n")
    assert batch.returncode == 0 and [json.loads(x)["id"] for x in batch.stdout.splitlines()] == [1, 2]
