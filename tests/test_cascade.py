"""The search cascade's shape: one tie rule, stages of one shape, rooms within their size, the conversation's
bookkeeping in the library, and what a period with nothing in the archive says."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from retrieval.search.candidates import Candidates
from retrieval.search.conversation import FollowUpConfig, Turn, carry_on, revised_turn
from retrieval.search.engine import Engine

from .conftest import ROOT

SEARCH = ROOT / "retrieval" / "search"
KNP = "Bao nhiêu đồng chí được nhận kỷ niệm chương?"


def test_candidates_rank_by_score_then_the_lower_id():
    ranked = Candidates.ranked(np.array([7, 3, 5, 1]), np.array([2.0, 5.0, 2.0, 5.0]))
    assert ranked.ids.tolist() == [1, 3, 5, 7] and ranked.scores.tolist() == [5.0, 5.0, 2.0, 2.0]
    assert ranked.rescored(np.array([1.0, 1.0, 9.0, 1.0])).ids.tolist() == [5, 1, 3, 7]
    assert ranked.lead == 1 and Candidates.ranked(np.array([4]), np.array([0.0])).lead is None


def test_the_tie_rule_is_written_once():
    """Only candidates.py sorts passages in retrieval/search (the first pass's kernels rank by the same rule)."""
    sorting = re.compile(r"\b(?:lexsort|argsort)\(")
    writers = sorted(str(p.relative_to(SEARCH)) for p in SEARCH.rglob("*.py") if sorting.search(p.read_text(encoding="utf-8")))
    assert writers == ["candidates.py"]


def test_the_rooms_stay_within_their_size():
    """The refactor's targets: a newcomer reads one small file per job."""
    lines = {p: len(p.read_text(encoding="utf-8").splitlines()) for p in SEARCH.rglob("*.py")}
    assert max(lines.values()) <= 400, max(lines, key=lines.__getitem__)
    assert lines[SEARCH / "engine.py"] <= 250
    assert len((ROOT / "bot" / "handlers.py").read_text(encoding="utf-8").splitlines()) <= 450
    assert len((ROOT / "retrieval" / "cli.py").read_text(encoding="utf-8").splitlines()) <= 550


def test_every_stage_has_the_same_shape_and_is_in_the_cascade():
    from retrieval.search import stages

    modules = {p.stem for p in (SEARCH / "stages").glob("*.py") if p.stem != "__init__"}
    assert modules == {m.__name__.rsplit(".", 1)[-1] for m in stages.CASCADE}
    for stage in stages.CASCADE:
        assert callable(stage.applies) and callable(stage.run) and stage.__doc__


def test_a_new_stage_is_one_module_in_the_cascade(engine: Engine):
    """A stage added to the cascade changes the order it is given; the others run as before."""
    from types import SimpleNamespace

    from retrieval.search import stages

    reverse = SimpleNamespace(applies=lambda ask: True, run=lambda c, ask: Candidates(c.ids[::-1], c.scores[::-1]))
    first = engine.searcher.top(_query(engine), 5)[1]
    assert stages.run_cascade(first, None, stages=(reverse,)).ids.tolist() == first.ids[::-1].tolist()  # type: ignore[arg-type]


def _query(engine: Engine):
    from retrieval.search.understand import understand

    return understand(engine.reader, engine.config, KNP, None, ()).query


def test_one_fold_and_one_spelling():
    """The accent-free text used by sentences, answers and periods is one function; so is the accented spelling."""
    sources = {p: p.read_text(encoding="utf-8") for p in (ROOT / "retrieval").rglob("*.py")}
    assert [p.name for p, s in sources.items() if "def fold_text(" in s] == ["normalize.py"]
    assert [p.name for p, s in sources.items() if re.search(r"def _?spelled\(", s)] == ["query.py"]


def test_the_conversation_keeps_its_last_turns_and_is_revised_by_what_the_cadre_did():
    config = FollowUpConfig(turns=2)
    turns: list[Turn] = []
    for i in range(4):
        turns = carry_on(turns, Turn(f"q{i}"), config)
    assert [t.question for t in turns] == ["q2", "q3"]
    turn = Turn("q", ("a", "b", "c"), (("a", 1.0), ("b", 0.5), ("d", 0.2)))
    assert revised_turn(turn, read="c").answered == ("c", "a", "b")
    down = revised_turn(turn, rejected=("a", "d"))
    assert down.answered == ("b", "c") and down.evidence == (("b", 0.5),)


def test_a_pruned_turn_is_asked_again_after_the_ones_before_it(engine: Engine):
    first = engine.search(KNP)
    second = engine.search("Ai trao kỷ niệm chương?", context=[first.turn()])
    kept = engine.replay([(KNP, first.turn()), ("Ai trao kỷ niệm chương?", second.turn())])
    pruned = engine.replay([(KNP, None), ("Ai trao kỷ niệm chương?", None)])
    assert kept == pruned == [first.turn(), second.turn()]


@pytest.mark.parametrize("follow_up", ["Còn năm 2019 thì sao?", "con nam 2019 thi sao"])
def test_a_period_with_nothing_in_the_archive_says_so_above_the_nearest(engine: Engine, follow_up: str):
    """The seed is dated 2018: asked about 2019, the quotes are the nearest there are, and the heading says so."""
    first = engine.search("Bao nhiêu đồng chí được nhận kỷ niệm chương năm 2018?")
    assert first.in_period and first.period is not None and first.period.heading(first.in_period) == "Các bài trong năm 2018:"
    result = engine.search(follow_up, context=[first.turn()])
    assert result.period is not None and result.period.label == "năm 2019" and not result.in_period
    assert result.period.heading(result.in_period) == "Không có bài nào trong năm 2019. Các bài gần nhất với câu hỏi:"
    assert result.hits and "34 đồng chí" in result.hits[0].text
    assert result.as_dict()["period"]["in_archive"] is False


def test_upload_refusals_are_the_library_s(tmp_path: Path):
    from retrieval import UploadRefused, check_upload, save_bulletin

    check_upload("ban-tin.pdf", 10, 100)
    for name, size, reason in (("bang-tinh.xlsx", 10, "unsupported"), ("ban-tin.pdf", 101, "too_big")):
        with pytest.raises(UploadRefused) as refused:
            check_upload(name, size, 100)
        assert refused.value.reason == reason
    with pytest.raises(UploadRefused):
        save_bulletin(tmp_path, "ban-tin.txt", b"x" * 200, limit=100)
    assert not any(tmp_path.iterdir())  # nothing kept
