"""Freshness (content hashes) and crash safety of the on-disk index."""

from __future__ import annotations

import shutil
import signal
import time
from pathlib import Path

import pytest

from retrieval.index import build as build_module
from retrieval.index.build import BuildOptions, build_index, is_stale
from retrieval.index.layout import current_generation
from retrieval.search.engine import Engine

from .conftest import ROOT, SEED_FILE, SEEDS, run_cli

NEW_BULLETIN = """Thứ hai, 02/12/2024

Lạng Sơn khánh thành cầu Kỳ Cùng mới

LSO-Sáng nay (2/12), UBND thành phố Lạng Sơn tổ chức lễ khánh thành cầu Kỳ Cùng mới với tổng vốn đầu tư 215 tỷ đồng.

Cây cầu dài 320 mét, rộng 24 mét, được xây dựng trong 18 tháng.

MINH ANH
"""


def _folder(tmp_path):
    folder = tmp_path / "bulletins"
    folder.mkdir()
    shutil.copy(SEED_FILE, folder / "seed.txt")
    return folder


def test_changed_bulletins_make_the_index_stale(tmp_path):
    folder = _folder(tmp_path)
    index = tmp_path / "index"
    build_index([folder], index, BuildOptions(workers=1))
    assert not is_stale(index)
    (folder / "seed.txt").touch()  # same content, new time: still fresh
    assert not is_stale(index)
    (folder / "new.txt").write_text(NEW_BULLETIN, encoding="utf-8")
    assert is_stale(index)


def test_ask_rebuilds_by_itself_and_reuses_the_segmentation_cache(tmp_path):
    folder = _folder(tmp_path)
    index = tmp_path / "index"
    first = build_index([folder], index, BuildOptions(workers=1))
    (folder / "new.txt").write_text(NEW_BULLETIN, encoding="utf-8")
    res = run_cli("ask", "Cầu Kỳ Cùng mới dài bao nhiêu mét?", "--index", str(index))
    assert "re-indexing" in res.stderr
    assert "320 mét" in res.stdout
    second = build_index([folder], index, BuildOptions(workers=1))
    assert second.segmented == 0 and second.cached == second.n_passages + second.n_articles  # passages + titles
    assert first.segmented == first.n_passages + first.n_articles


def test_crash_while_writing_leaves_the_previous_index_usable(tmp_path, monkeypatch):
    folder = _folder(tmp_path)
    index = tmp_path / "index"
    build_index([folder], index, BuildOptions(workers=1))
    before = current_generation(index)
    (folder / "new.txt").write_text(NEW_BULLETIN, encoding="utf-8")

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(build_module, "write_store", boom)
    with pytest.raises(OSError):
        build_index([folder], index, BuildOptions(workers=1))
    assert current_generation(index) == before
    engine = Engine.open(index)
    assert engine.search("Bao nhiêu đồng chí được nhận kỷ niệm chương?").hits[0].answer.text == "34 đồng chí"
    engine.close()


def _article(i: int) -> str:
    return (
        f"Thứ ba, 0{i % 9 + 1}/01/2025\n\nTin số {i}: xã Tân Liên {i} làm đường giao thông nông thôn\n\n"
        f"LSO-Xã Tân Liên {i} vừa hoàn thành {i * 3 + 2} km đường bê tông với sự đóng góp của nhân dân.\n\n"
        f"Công trình giúp {i + 40} hộ dân đi lại thuận tiện hơn trong mùa mưa.\n\nNGỌC ANH\n"
    )


def test_adding_bulletins_gives_the_same_index_as_a_full_build(tmp_path):
    import numpy as np

    from retrieval.index.build import add_to_index
    from retrieval.index.matrix import FieldMatrix

    folder = _folder(tmp_path)
    extra = tmp_path / "extra"
    extra.mkdir()
    for i in range(5):
        (extra / f"tin-{i}.txt").write_text(_article(i), encoding="utf-8")
    merged_dir, full_dir = tmp_path / "merged", tmp_path / "full"
    build_index([folder], merged_dir, BuildOptions(workers=1))
    report = add_to_index([extra], merged_dir, BuildOptions(workers=1))
    assert report.added == 5 and report.segmented == report.n_passages - 11 + 5  # only the new texts
    build_index([folder, extra], full_dir, BuildOptions(workers=1))
    a, b = current_generation(merged_dir), current_generation(full_dir)
    from retrieval.index.layout import read_params

    pa, pb = read_params(a), read_params(b)
    assert pa["n_passages"] == pb["n_passages"] and pa["n_articles"] == pb["n_articles"]
    for name in pa["fields"]:
        ma, mb = FieldMatrix.load(a, name, pa["fields"][name]["avgdl"]), FieldMatrix.load(b, name, pb["fields"][name]["avgdl"])
        for key in ("terms", "idf", "run_ptr", "run_high", "run_start", "low", "doc_len"):
            assert np.array_equal(getattr(ma, key), getattr(mb, key)), (name, key)
        # the pair tables differ in order (merging appends new pairs), the postings' pairs and weights do not
        for table in ("pair_tf", "pair_len"):
            assert np.array_equal(getattr(ma, table)[ma.code], getattr(mb, table)[mb.code]), (name, table)
        assert np.array_equal(ma.sat[ma.code], mb.sat[mb.code]), name
    engine = Engine.open(merged_dir)
    res = engine.search("Xã Tân Liên 3 hoàn thành bao nhiêu km đường bê tông?")
    assert res.hits[0].answer.text == "11 km"
    engine.close()


def _flat(field) -> tuple:
    """Every posting of a field, from all its segments, as sorted (term hash, passage, idf × saturation) arrays."""
    import numpy as np

    from retrieval.index.postings import decode_docs

    hashes, docs, weights = [], [], []
    for seg in field.segments:
        counts = np.diff(np.asarray(seg.run_start)[np.asarray(seg.run_ptr)])
        rows = np.repeat(np.arange(len(seg.terms)), counts)
        hashes.append(np.asarray(seg.terms)[rows])
        docs.append(decode_docs(seg.run_high, seg.run_start, seg.low))
        weights.append(np.asarray(seg.idf)[rows] * np.asarray(seg.sat)[np.asarray(seg.code)])
    h, d, w = (np.concatenate(x) for x in (hashes, docs, weights))
    order = np.lexsort((d, h))
    return h[order], d[order], w[order]


def test_added_bulletins_go_to_a_tail_segment_that_answers_as_a_full_build(tmp_path, monkeypatch):
    """Below TAIL_SHARE, --add links the main segment's postings and writes only the new passages (a tail);
    every posting then weighs what a full build gives it, and a third add past the share merges all into one."""
    import numpy as np

    from retrieval.index.build import add_to_index
    from retrieval.index.layout import read_params
    from retrieval.index.matrix import Field

    monkeypatch.setattr(build_module, "TAIL_SHARE", 10.0)
    folder = _folder(tmp_path)
    extras = []
    for i in range(3):
        extra = tmp_path / f"extra-{i}"
        extra.mkdir()
        (extra / f"tin-{i}.txt").write_text(_article(i), encoding="utf-8")
        extras.append(extra)
    tailed, full = tmp_path / "tailed", tmp_path / "full"
    build_index([folder], tailed, BuildOptions(workers=1))
    first = current_generation(tailed)
    built = read_params(first)
    built_low, built_idf = (first / "fold1.low.npy").stat(), (first / "fold1.idf.npy").stat()
    add_to_index([extras[0]], tailed, BuildOptions(workers=1))
    add_to_index([extras[1]], tailed, BuildOptions(workers=1))  # a tail grows
    build_index([folder, *extras[:2]], full, BuildOptions(workers=1))
    a, b = current_generation(tailed), current_generation(full)
    pa, pb = read_params(a), read_params(b)
    assert pa["n_passages"] == pb["n_passages"] and pa["format"] == 7
    for name in pa["fields"]:
        per_article = name.startswith(("title.", "article."))  # their documents are articles, not passages
        assert pa["fields"][name]["tail"]["first"] == built["n_articles" if per_article else "n_passages"], name
        assert "tail" not in pb["fields"][name]
        fa, fb = Field.load(a, name, pa["fields"][name]), Field.load(b, name, pb["fields"][name])
        assert len(fa.segments) == 2
        for x, y in zip(_flat(fa), _flat(fb), strict=True):
            assert np.array_equal(x, y), name
    # the main segment's postings are the first generation's files, linked, not copied
    assert (a / "fold1.low.npy").stat().st_ino == built_low.st_ino
    assert (a / "fold1.idf.npy").stat().st_ino != built_idf.st_ino
    question = "Xã Tân Liên 1 hoàn thành bao nhiêu km đường bê tông?"
    with_tail, whole = Engine.open(tailed), Engine.open(full)
    try:
        for q in (question, "tan lien hoan thanh duong be tong", "Ai phát biểu tại hội nghị?"):
            ra, rb = with_tail.search(q, k=5), whole.search(q, k=5)
            assert [(h.passage_id, h.score, h.coverage) for h in ra.hits] == [(h.passage_id, h.score, h.coverage) for h in rb.hits]
        assert with_tail.search(question).hits[0].answer.text == "5 km"
    finally:
        with_tail.close()
        whole.close()
    monkeypatch.setattr(build_module, "TAIL_SHARE", 0.1)
    add_to_index([extras[2]], tailed, BuildOptions(workers=1))  # past the share: one segment again
    merged = read_params(current_generation(tailed))
    assert not any("tail" in meta for meta in merged["fields"].values())
    assert not list(current_generation(tailed).glob("*.tail.*"))


def test_added_files_are_merged_by_refresh_and_known_ids_are_refused(tmp_path):
    from retrieval.index.build import BuildError, add_to_index, refresh_index

    folder = _folder(tmp_path)
    index = tmp_path / "index"
    build_index([folder], index, BuildOptions(workers=1))
    (folder / "tin-7.txt").write_text(_article(7), encoding="utf-8")
    report = refresh_index(index, BuildOptions(workers=1))
    assert report.added == 1 and report.cached == 0
    assert refresh_index(index) is None
    dup = tmp_path / "dup"
    dup.mkdir()
    shutil.copy(folder / "tin-7.txt", dup / "tin-7.txt")
    with pytest.raises(BuildError, match="nothing new"):
        add_to_index([dup], index, BuildOptions(workers=1))


def test_cli_index_add(tmp_path):
    folder = _folder(tmp_path)
    index = tmp_path / "index"
    assert run_cli("index", str(folder), "--index", str(index)).returncode == 0
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "tin-4.txt").write_text(_article(4), encoding="utf-8")
    res = run_cli("index", "--add", str(extra), "--index", str(index))
    assert res.returncode == 0, res.stderr
    assert "Added 1 article(s)" in res.stdout
    out = run_cli("ask", "Công trình giúp bao nhiêu hộ dân đi lại thuận tiện?", "--index", str(index), "--json")
    import json

    assert json.loads(out.stdout)["hits"][0]["answer"]["text"] == "44 hộ"


def test_an_index_from_an_older_version_is_rebuilt_not_misread(tmp_path):
    import json

    from retrieval.index.layout import IndexOutdated

    folder = _folder(tmp_path)
    index = tmp_path / "index"
    build_index([folder], index, BuildOptions(workers=1))
    params_file = current_generation(index) / "params.json"
    params = json.loads(params_file.read_text(encoding="utf-8"))
    params["format"] = 3  # as written by the float32-weights layout with blake2b term keys
    params_file.write_text(json.dumps(params, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(IndexOutdated):
        Engine.open(index)
    res = run_cli("ask", "Bao nhiêu đồng chí được nhận kỷ niệm chương?", "--index", str(index), "--no-refresh")
    assert res.returncode == 2 and "older version" in res.stderr and "Traceback" not in res.stderr
    assert is_stale(index)  # so ask, the bot and refresh_index rebuild it
    res = run_cli("ask", "Bao nhiêu đồng chí được nhận kỷ niệm chương?", "--index", str(index))
    assert res.returncode == 0 and "34 đồng chí" in res.stdout


@pytest.mark.parametrize("change", ["add", "edit"])
def test_refresh_keeps_the_recorded_bm25_parameters(tmp_path, change):
    """A rebuild by ask, the bot's start or /reload (all through open_index) keeps k1 and b."""
    from retrieval.index.layout import read_params
    from retrieval.service import open_index

    folder = _folder(tmp_path)
    index = tmp_path / "index"
    build_index([folder], index, BuildOptions(k1=1.2, b=0.5, workers=1))
    if change == "add":
        (folder / "tin-9.txt").write_text(_article(9), encoding="utf-8")
    else:
        seed = folder / "seed.txt"
        seed.write_text(seed.read_text(encoding="utf-8").replace("34 đồng chí", "35 đồng chí"), encoding="utf-8")
    opened = open_index(index, sources=[folder])
    assert opened.report is not None and opened.changes
    bm25 = read_params(current_generation(index))["bm25"]
    assert (bm25["k1"], bm25["b"], bm25["epsilon"]) == (1.2, 0.5, 0.25)
    opened.engine.close()


def test_open_index_builds_from_sources_or_says_missing(tmp_path):
    from retrieval.index.layout import IndexMissing
    from retrieval.service import open_index

    with pytest.raises(IndexMissing):
        open_index(tmp_path / "none")
    folder = _folder(tmp_path)
    opened = open_index(tmp_path / "index", sources=[folder])
    assert opened.report is not None and opened.engine.params["n_articles"] == opened.report.n_articles
    opened.engine.close()
    again = open_index(tmp_path / "index", sources=[folder])
    assert again.report is None  # nothing changed: opened as it is
    again.engine.close()


def test_an_unreadable_file_is_recorded_and_does_not_trigger_a_rebuild_every_time(tmp_path, monkeypatch):
    from pathlib import Path

    from retrieval.index.build import source_changes

    folder = _folder(tmp_path)
    locked = folder / "locked.txt"
    locked.write_text(_article(3), encoding="utf-8")
    real = Path.read_bytes

    def read_bytes(self):
        if self.name == "locked.txt":
            raise PermissionError(13, "Permission denied")
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    report = build_index([folder], tmp_path / "index", BuildOptions(workers=1))
    assert [p.source for p in report.problems] == [str(locked)]
    assert not source_changes(tmp_path / "index")  # recorded: not "new" at the next ask
    locked.write_text(_article(4), encoding="utf-8")  # edited, still unreadable: nothing to re-read
    assert not source_changes(tmp_path / "index")
    monkeypatch.setattr(Path, "read_bytes", real)
    assert [p.name for p in source_changes(tmp_path / "index").changed] == ["locked.txt"]  # readable again: re-indexed


def _children(pid: int) -> list[int]:
    """Processes whose parent is ``pid`` (from /proc)."""
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(stat.parent.name))
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_a_killed_build_leaves_no_worker_and_the_old_index_answers(tmp_path, sig):
    import json
    import subprocess
    import sys

    index = tmp_path / "index"
    assert run_cli("index", str(SEED_FILE), "--index", str(index)).returncode == 0
    archive = tmp_path / "big.jsonl"
    with archive.open("w", encoding="utf-8") as fh:  # enough passages for the worker pool
        for i in range(900):
            text = f"Xã Tân Liên {i} hoàn thành {i + 3} km đường bê tông.\n\nCông trình giúp {i + 40} hộ dân đi lại thuận tiện."
            fh.write(json.dumps({"id": f"tin-{i}", "title": f"Tin {i}", "text": text}, ensure_ascii=False) + "\n")
    proc = subprocess.Popen(
        [sys.executable, "-m", "retrieval", "index", str(archive), "--index", str(index), "--workers", "2"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=ROOT,
    )
    deadline = time.monotonic() + 60
    workers: list[int] = []
    while time.monotonic() < deadline and len(workers) < 2:
        workers = _children(proc.pid)
        time.sleep(0.05)
    assert workers, "the build never started its workers"
    time.sleep(0.3)
    proc.send_signal(sig)
    proc.wait(30)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(_alive(w) for w in workers):
        time.sleep(0.1)
    assert not any(_alive(w) for w in workers), "a worker outlived its build"
    ask = run_cli("ask", "Bao nhiêu đồng chí được nhận kỷ niệm chương?", "--index", str(index), "--no-refresh", "--json")
    assert ask.returncode == 0 and "34 đồng chí" in ask.stdout  # the old index keeps serving
    if sig == signal.SIGTERM:
        assert not list(index.glob("tmp-*"))  # unwound: its unpublished folder is gone
    assert run_cli("index", str(SEED_FILE), "--index", str(index)).returncode == 0
    assert not list(index.glob("tmp-*"))  # the next build removes what a killed one left


def test_one_build_at_a_time_and_ask_keeps_answering(tmp_path):
    """A second build says in one line which process holds the folder; ask answers from what is published."""
    import os

    from retrieval.index.layout import build_lock

    folder = _folder(tmp_path)
    index = tmp_path / "index"
    assert run_cli("index", str(folder), "--index", str(index)).returncode == 0
    (folder / "tin-5.txt").write_text(_article(5), encoding="utf-8")  # a change ask would like to index
    with build_lock(index):  # this test process plays the running build
        res = run_cli("index", str(folder), "--index", str(index))
        assert res.returncode == 2
        lines = res.stderr.strip().splitlines()
        assert len(lines) == 1 and f"another build (pid {os.getpid()}) is writing" in lines[0] and "Next: " in lines[0]
        ask = run_cli("ask", "Bao nhiêu đồng chí được nhận kỷ niệm chương?", "--index", str(index), "--json")
        assert ask.returncode == 0 and "34 đồng chí" in ask.stdout
    assert run_cli("index", str(folder), "--index", str(index)).returncode == 0  # released: builds again


def _two_builds(tmp_path):
    """An index with two generations on disk (the previous one is kept for readers), and its newest one."""
    folder = _folder(tmp_path)
    index = tmp_path / "index"
    assert run_cli("index", str(folder), "--index", str(index)).returncode == 0
    (folder / "tin-6.txt").write_text(_article(6), encoding="utf-8")
    assert run_cli("index", str(folder), "--index", str(index)).returncode == 0
    return folder, index, current_generation(index)


def _truncate_npy(gen):
    victim = sorted(gen.glob("word.low.npy"))[0]
    victim.write_bytes(victim.read_bytes()[:200])


def _scribble_store(gen):
    store = gen / "store.sqlite"
    data = bytearray(store.read_bytes())
    data[:100] = b"\xff" * 100
    store.write_bytes(bytes(data))


def _garbage_params(gen):
    (gen / "params.json").write_text("{not json", encoding="utf-8")


@pytest.mark.parametrize("damage", [_truncate_npy, _scribble_store, _garbage_params])
def test_a_damaged_index_serves_the_last_good_build_and_names_the_rebuild(tmp_path, damage):
    folder, index, newest = _two_builds(tmp_path)
    damage(newest)
    ask = run_cli("ask", "Bao nhiêu đồng chí được nhận kỷ niệm chương?", "--index", str(index), "--no-refresh", "--json")
    assert ask.returncode == 0 and "34 đồng chí" in ask.stdout  # the build before answers
    warning = [line for line in ask.stderr.splitlines() if line.startswith("warning")]
    assert len(warning) == 1 and "damaged" in warning[0] and newest.name in warning[0]
    assert f"python -m retrieval index {folder.resolve()} --index {index}" in warning[0]  # the recorded inputs, not seeds/


def test_a_damaged_index_with_nothing_older_is_one_line_with_the_command(tmp_path):
    folder = _folder(tmp_path)
    index = tmp_path / "index"
    assert run_cli("index", str(folder), "--index", str(index)).returncode == 0
    _scribble_store(current_generation(index))
    res = run_cli("ask", "Ai phát biểu?", "--index", str(index), "--no-refresh")
    lines = res.stderr.strip().splitlines()
    assert res.returncode == 2 and len(lines) == 1 and "is damaged" in lines[0]
    assert f"Next: python -m retrieval index {folder.resolve()} --index {index}" in lines[0]


def test_a_file_as_index_and_a_corrupt_cache(tmp_path):
    not_a_folder = tmp_path / "index.txt"
    not_a_folder.write_text("x", encoding="utf-8")
    res = run_cli("ask", "Ai phát biểu?", "--index", str(not_a_folder))
    assert res.returncode == 2 and "must be a folder" in res.stderr and len(res.stderr.strip().splitlines()) == 1
    folder = _folder(tmp_path)
    index = tmp_path / "index"
    index.mkdir()
    (index / "cache.sqlite").write_bytes(b"this is not a database" * 100)
    res = run_cli("index", str(folder), "--index", str(index))
    assert res.returncode == 0 and "segmentation cache" in res.stderr and "dropping it" in res.stderr


def test_a_refresh_that_cannot_write_answers_from_the_last_build(tmp_path, monkeypatch):
    """A full disk (or a read-only folder) while ask wants to re-index: the last build answers, with a warning."""
    from retrieval import service

    folder = _folder(tmp_path)
    index = tmp_path / "index"
    build_index([folder], index, BuildOptions(workers=1))
    (folder / "tin-8.txt").write_text(_article(8), encoding="utf-8")

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(service, "refresh_index", full)
    opened = service.open_index(index)
    assert opened.warning and "No space left on device" in opened.warning and "Next: python -m retrieval index" in opened.warning
    assert opened.engine.search("Bao nhiêu đồng chí được nhận kỷ niệm chương?").hits[0].answer.text == "34 đồng chí"
    opened.engine.close()


def test_long_articles_cut_into_several_tasks_index_exactly_the_same(tmp_path, monkeypatch):
    """A 50 MB article no longer has to be one worker task: pieces of a few passages give the same arrays."""
    import filecmp

    from retrieval.index import ingest
    from retrieval.index.build import BuildOptions, build_index
    from retrieval.index.layout import current_generation

    sources = [SEEDS, Path(__file__).parent / "fixtures" / "dated"]
    monkeypatch.setattr(ingest, "ARTICLE_EVIDENCE_PASSAGES", 2)  # as a 50 MB article meets the real limit
    build_index(sources, tmp_path / "whole", BuildOptions(workers=1))
    monkeypatch.setattr(ingest, "_BATCH_PASSAGES", 3)  # the seed's 11 passages go in pieces of 3
    build_index(sources, tmp_path / "cut", BuildOptions(workers=1))
    whole, cut = current_generation(tmp_path / "whole"), current_generation(tmp_path / "cut")
    arrays = sorted(p.name for p in whole.glob("*.npy"))
    assert arrays and arrays == sorted(p.name for p in cut.glob("*.npy"))
    assert all(filecmp.cmp(whole / name, cut / name, shallow=False) for name in arrays)


def test_a_server_gives_back_index_pages_past_its_budget_and_answers_the_same(seed_index: Path):
    """madvise(DONTNEED) on the posting maps: the pages leave this process, the answers do not change."""
    from retrieval.search.engine import Engine

    question = "Bao nhiêu đồng chí được nhận kỷ niệm chương?"
    engine = Engine.open(seed_index)
    try:
        before = [h.text for h in engine.search(question, 3).hits]
        engine.budget.budget = 0  # every page over nothing: each search gives back the next windows of the sweep
        assert engine.budget.settle() or engine.reader.maps.size < 8 << 20  # tiny arrays may hold no whole page
        for _ in range(3):
            assert [h.text for h in engine.search(question, 3).hits] == before
        engine.reader.maps.release_until(lambda: False)  # one whole round: every page at once
        assert [h.text for h in engine.search(question, 3).hits] == before
        engine.budget.budget = None
        assert not engine.budget.settle()
    finally:
        engine.close()


def _resident_kb(path: Path) -> int:
    """Resident kB of this process's mappings of ``path`` (/proc/self/smaps)."""
    total, inside = 0, False
    for line in Path("/proc/self/smaps").read_text().splitlines():
        fields = line.split()
        if fields and not fields[0].endswith(":"):  # a mapping's header: "start-end perms offset dev inode path"
            inside = len(fields) >= 6 and fields[5] == str(path)
        elif inside and fields[0] == "Rss:":
            total += int(fields[1])
    return total


@pytest.mark.skipif(not Path("/proc/self/smaps").exists(), reason="reads /proc")
def test_pages_are_given_back_window_by_window_until_enough_are_out(tmp_path: Path):
    """release_until stops once its condition holds (not after a fixed number of bytes), goes on where it stopped,
    and one whole round gives back every page."""
    import numpy as np

    from retrieval.index.layout import _WINDOW, Maps, load_array

    path = tmp_path / "postings.npy"
    np.save(path, np.arange(6 * _WINDOW // 8, dtype=np.int64), allow_pickle=False)  # six windows
    maps = Maps()
    array = load_array(path, maps=maps)
    assert int(array.sum()) > 0  # every page resident
    whole = _resident_kb(path)
    assert whole >= 5 * _WINDOW // 1024
    checks = []
    maps.release_until(lambda: checks.append(1) or _resident_kb(path) <= whole // 2, check_every=1)
    half = _resident_kb(path)
    assert 0 < half <= whole // 2 and 3 <= len(checks) < 6  # stopped as soon as half was out
    maps.release_until(lambda: _resident_kb(path) == 0, check_every=1)  # the rest: the sweep goes on
    assert _resident_kb(path) == 0
    assert int(array.sum()) > 0 and _resident_kb(path) >= 5 * _WINDOW // 1024  # read again: back in
    maps.release_until(lambda: False)  # never satisfied: one whole round, then it stops
    assert _resident_kb(path) == 0


def test_a_published_generation_leaves_its_arrays_out_of_the_kernel_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """publish drops every .npy the build wrote from the page cache once synced (a server then maps it page by page,
    not in the large folios the writes left); the store, and the postings an add links, are left alone."""
    import os

    if not hasattr(os, "posix_fadvise"):
        pytest.skip("no posix_fadvise on this system")
    dropped: list[str] = []
    real = os.posix_fadvise

    def recording(fd: int, offset: int, length: int, advice: int) -> None:
        if advice == os.POSIX_FADV_DONTNEED:
            dropped.append(Path(os.readlink(f"/proc/self/fd/{fd}")).name)
        real(fd, offset, length, advice)

    monkeypatch.setattr(os, "posix_fadvise", recording)
    build_index([SEED_FILE], tmp_path / "index", BuildOptions(workers=1))
    arrays = sorted(p.name for p in current_generation(tmp_path / "index").glob("*.npy"))
    assert arrays and sorted(dropped) == arrays
    # An add writes the tails and the new weights; the main postings it links were dropped by the build.
    from retrieval.index.build import add_to_index

    monkeypatch.setattr(build_module, "TAIL_SHARE", 10.0)  # the seed is small: keep the addition in a tail
    dropped.clear()
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "new.txt").write_text(NEW_BULLETIN, encoding="utf-8")
    add_to_index([extra], tmp_path / "index", BuildOptions(workers=1))
    gen = current_generation(tmp_path / "index")
    linked = {p.name for p in gen.glob("*.npy") if p.stat().st_nlink > 1}
    assert linked and dropped and not linked & set(dropped)
    assert sorted(dropped) == sorted(p.name for p in gen.glob("*.npy") if p.name not in linked)


def test_an_index_array_that_holds_python_objects_or_is_cut_short_is_refused(tmp_path: Path):
    import numpy as np

    from retrieval.index.layout import load_array

    np.save(tmp_path / "objects.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(ValueError):
        load_array(tmp_path / "objects.npy")
    np.save(tmp_path / "short.npy", np.arange(1000, dtype=np.int64))
    data = (tmp_path / "short.npy").read_bytes()
    (tmp_path / "short.npy").write_bytes(data[:-100])
    with pytest.raises(ValueError, match="truncated"):
        load_array(tmp_path / "short.npy")


def test_a_build_that_spills_its_postings_to_files_writes_the_same_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The archive-scale path (postings in files until the layout, fields laid out one at a time) on the seeds."""
    import numpy as np

    from .conftest import SEEDS

    plain = build_index([SEEDS], tmp_path / "plain", BuildOptions(workers=1)).generation
    monkeypatch.setattr(build_module, "SPILL_FROM", 0)
    monkeypatch.setattr(build_module, "SERIAL_LAYOUT_FROM", 0)
    spilled = build_index([SEEDS], tmp_path / "spilled", BuildOptions(workers=1)).generation
    assert not (spilled / "spill").exists()
    arrays = sorted(p.name for p in plain.glob("*.npy"))
    assert arrays == sorted(p.name for p in spilled.glob("*.npy")) and arrays
    for name in arrays:
        assert np.array_equal(np.load(plain / name), np.load(spilled / name)), name
