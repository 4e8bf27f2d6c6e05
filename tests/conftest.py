"""Shared fixtures: the real seed bulletin indexed once per test session."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SEED_FILE = SEEDS / "tong-ket-cong-tac-dan-van-nam-2018.txt"
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="session")
def seed_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of seeds/ (tests may add files to it)."""
    target = tmp_path_factory.mktemp("seeds")
    for f in SEEDS.iterdir():
        shutil.copy(f, target / f.name)
    return target


@pytest.fixture(scope="session")
def seed_index(seed_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from retrieval.index.build import BuildOptions, build_index

    index = tmp_path_factory.mktemp("index")
    build_index([seed_dir], index, BuildOptions(workers=1))
    return index


@pytest.fixture(scope="session")
def engine(seed_index: Path):
    from retrieval.search.engine import Engine

    eng = Engine.open(seed_index)
    yield eng
    eng.close()


def run_cli(*args: str, cwd: Path | None = None, stdin: str | None = None, module: str = "retrieval"):
    """The CLI in a real subprocess."""
    import subprocess

    return subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=cwd or ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
        env={**__import__("os").environ, "COLUMNS": "200", "PYTHONIOENCODING": "utf-8"},
    )
