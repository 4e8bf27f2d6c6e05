"""Hostile files: time and peak memory of each crafted file indexed beside the seed, the bot's answers while
an admin sends them, and mutated files of every format through the readers.

    python benchmarks/hostile.py                 # all three parts
    python benchmarks/hostile.py --part index    # or bot, or fuzz
    python benchmarks/hostile.py --fuzz 10000

- index: ``python -m retrieval index seeds/ FILE`` per file (tests/hostile_files.py builds them), in a new
  session; memory is sampled every 10 ms over every process of the session (the CLI, its build workers and
  the reading worker of sources/guard.py, which a fork server starts) and reported as the largest process
  and the session's total; then ``ask`` checks that the seed still answers.
- bot: the real bot against the fake Bot API server; an admin sends each file, a cadre asks the seed question
  right after it; reported: seconds to the admin's reply, and to the cadre's answer.
- fuzz: N files, each a real fixture of one format with 1–6 random edits (tests/mutate.py), through
  ``read_bytes`` in this process: exceptions (must be 0), readers' own errors named "could not be read",
  the slowest file, and this process's peak RSS.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.hostile_files import HOSTILE, write_hostile_files  # noqa: E402
from tests.mutate import SEED_FILES, apply_edits, mutated_file  # noqa: E402

SEED_QUESTION = "Bao nhiêu đồng chí được nhận kỷ niệm chương?"
MB = 1 << 20


def _session_rss(sid: int) -> tuple[int, int]:
    """(largest process RSS, sum of RSS) in bytes over the processes of session ``sid``."""
    largest = total = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as fh:
                fields = fh.read().rsplit(b")", 1)[1].split()
            if int(fields[3]) != sid:  # field 6 of stat: the session id
                continue
            rss = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")  # field 24: resident pages
        except (OSError, IndexError, ValueError):
            continue
        largest, total = max(largest, rss), total + rss
    return largest, total


def run_sampled(cmd: list[str], cwd: Path) -> dict:
    """Run ``cmd`` in a new session; wall time and the peaks of its processes' memory."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True, text=True)
    largest = total = 0
    while proc.poll() is None:
        one, every = _session_rss(proc.pid)
        largest, total = max(largest, one), max(total, every)
        time.sleep(0.01)
    out = proc.stdout.read() if proc.stdout else ""
    return {"rc": proc.returncode, "seconds": time.perf_counter() - t0, "largest_mb": largest / MB, "total_mb": total / MB, "out": out}


def part_index(folder: Path) -> None:
    files = write_hostile_files(folder / "files")
    print("\n## Each file indexed beside the seed (python -m retrieval index seeds/ FILE)\n")
    print("| file | size | seconds | largest process | all processes | seed answers | outcome |")
    print("|---|---|---|---|---|---|---|")
    for name in HOSTILE:
        index = folder / f"index-{name}"
        res = run_sampled([sys.executable, "-m", "retrieval", "index", str(ROOT / "seeds"), str(files[name]), "--index", str(index)], ROOT)
        said = " ".join(res["out"].split())
        reason = said.split(f"{name}:", 1)[1].split(" 1 file(s)")[0].strip() if f"{name}:" in said else said[-160:]
        asked = subprocess.run(
            [sys.executable, "-m", "retrieval", "ask", SEED_QUESTION, "--index", str(index), "--json"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        hits = json.loads(asked.stdout)["hits"] if asked.returncode == 0 else []
        answers = bool(hits) and (hits[0].get("answer") or {}).get("text") == "34 đồng chí"
        size = files[name].stat().st_size / MB
        print(
            f"| {name} | {size:.1f} MB | {res['seconds']:.1f} | {res['largest_mb']:.0f} MB | {res['total_mb']:.0f} MB | "
            f"{'yes' if answers else '**no**'} | {reason[:110]} |"
        )


def part_bot(folder: Path) -> None:
    from bot.testing.fake_api import FakeTelegram
    from bot.testing.harness import BotRunner, make_settings

    files = write_hostile_files(folder / "files-bot")
    admin, cadre = 42, 1001
    print("\n## Sent to the bot by an admin; a cadre asks right after each\n")
    print("| file | admin's reply after | cadre's answer after | reply |")
    print("|---|---|---|---|")
    with FakeTelegram() as tg:
        settings = make_settings(folder / "bot", tg, ROOT / "seeds", admin_user_ids={admin})
        with BotRunner(settings, tg):
            for name in HOSTILE:
                t0 = time.perf_counter()
                sent = tg.send_document(name, files[name].read_bytes(), user_id=admin)
                t1 = time.perf_counter()
                asked = tg.send_text(SEED_QUESTION, user_id=cadre)
                answer = tg.replies_to(asked)
                cadre_s = time.perf_counter() - t1
                want = 1 if len(tg.replies_to(sent)) == 1 and "vượt giới hạn" in tg.replies_to(sent)[0].params["text"] else 2
                replies = tg.wait_for(lambda _, sent=sent, want=want: len(tg.replies_to(sent)) >= want and tg.replies_to(sent), timeout=300)
                admin_s = time.perf_counter() - t0
                ok = "34 đồng chí" in answer[0].params["text"]
                print(f"| {name} | {admin_s:.1f} s | {cadre_s:.2f} s{'' if ok else ' **wrong**'} | {replies[-1].params['text'][:120]} |")
            # The worst case for the worker's caps: the PDF's stream check lifted, PDFium reads the 1 GB page until
            # the worker's memory cap stops it; cadres ask all the while.
            from retrieval.sources.budget import current_budget

            os.environ["BANTIN_READ_STREAM_MB"] = "100000"
            current_budget.cache_clear()
            t0 = time.perf_counter()
            sent = tg.send_document("flate-bomb-unchecked.pdf", files["flate-bomb.pdf"].read_bytes(), user_id=admin)
            waits = []
            while len(tg.replies_to(sent)) < 2:
                t1 = time.perf_counter()
                asked = tg.send_text(SEED_QUESTION, user_id=cadre)
                tg.replies_to(asked)
                waits.append(time.perf_counter() - t1)
                time.sleep(0.2)
            admin_s = time.perf_counter() - t0
            told = tg.replies_to(sent)[1].params["text"]
            print(
                f"| flate-bomb.pdf, stream check lifted | {admin_s:.1f} s | {len(waits)} questions meanwhile, slowest "
                f"{max(waits):.2f} s | {told[:120]} |"
            )
            del os.environ["BANTIN_READ_STREAM_MB"]
            current_budget.cache_clear()


def part_fuzz(n: int, seed: int) -> None:
    from retrieval.model import Problem
    from retrieval.sources.budget import current_budget
    from retrieval.sources.reader import read_bytes

    rng = random.Random(seed)
    budget = current_budget()
    ops = ["flip", "insert", "delete", "repeat", "cut"]
    specials = [b"<", b"&amp;", b"\x00", b"%PDF", b"stream\n", b"}", b"\xff\xfe", b"<w:p>" * 40]
    exceptions: list[str] = []
    own_errors: list[str] = []
    slowest = (0.0, "")
    refused = 0
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t_all = time.perf_counter()
    for i in range(n):
        path = SEED_FILES[i % len(SEED_FILES)]
        changes = []
        for _ in range(rng.randint(1, 6)):
            chunk = rng.choice(specials) if rng.random() < 0.3 else rng.randbytes(rng.randint(1, 64))
            changes.append((rng.choice(ops[:-1] if rng.random() < 0.9 else ops), rng.random(), chunk, rng.randint(1, 4096)))
        data = mutated_file(path, changes, inside=rng.random() < 0.5) if path.suffix == ".docx" else apply_edits(path.read_bytes(), changes)
        t0 = time.perf_counter()
        try:
            items = read_bytes(data, path.name, budget=budget)
        except Exception as exc:
            exceptions.append(f"{path.name} #{i}: {type(exc).__name__}: {exc}")
            continue
        took = time.perf_counter() - t0
        slowest = max(slowest, (took, f"{path.name} #{i}"))
        for item in items:
            if isinstance(item, Problem):
                refused += 1
                if item.reason.startswith("could not be read ("):
                    own_errors.append(f"{path.name} #{i}: {item.reason}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\n## {n:,} mutated files through read_bytes (seed {seed})\n")
    print(f"- unhandled exceptions: {len(exceptions)}")
    print(f"- readers' own errors caught as 'could not be read': {len(own_errors)}")
    print(f"- refusals (named problems): {refused:,}; total {time.perf_counter() - t_all:.0f} s")
    print(f"- slowest file: {slowest[0] * 1000:.0f} ms ({slowest[1]}); budget {budget.seconds:g} s")
    print(f"- peak RSS of this process: {peak:.0f} MB (before: {base:.0f} MB); budget {budget.memory_mb} MB above start")
    for line in (exceptions + own_errors)[:10]:
        print(f"  - {line[:200]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--part", choices=["index", "bot", "fuzz", "all"], default="all")
    parser.add_argument("--fuzz", type=int, default=10_000, help="mutated files (default 10,000)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="hostile-") as tmp:
        if args.part in ("index", "all"):
            part_index(Path(tmp))
        if args.part in ("bot", "all"):
            part_bot(Path(tmp))
        if args.part in ("fuzz", "all"):
            part_fuzz(args.fuzz, args.seed)


if __name__ == "__main__":
    main()
