"""Freshness (content hashes) and crash safety of the on-disk index."""

from __future__ import annotations

import shutil

import pytest

from retrieval import build as build_module
from retrieval.build import BuildOptions, build_index, is_stale
from retrieval.layout import current_generation
from retrieval.search import Engine

from .conftest import SEED_FILE, run_cli

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
