"""Kill a build N times (SIGKILL and SIGTERM in turn, at different moments) and count what survives.

    python benchmarks/kill_builds.py [--kills 10] [--articles 3000]

Each round starts ``python -m retrieval index`` on a corpus big enough for worker processes (news
articles from ``../shared/data/vinewsqa_dev`` when present, else the seed's paragraphs reshuffled), kills
it after a random delay, and then counts processes whose command line names this index folder (the
build's workers), ``tmp-*`` folders left in the index folder, and whether ``ask`` still answers from
the index published before the kills. A last build then checks that it cleans up.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NEWS = ROOT.parent / "shared" / "data" / "vinewsqa_dev" / "articles.jsonl"


def _corpus(folder: Path, n: int) -> None:
    out = folder / "corpus.jsonl"
    if NEWS.exists():
        with NEWS.open(encoding="utf-8") as src, out.open("w", encoding="utf-8") as dst:
            for i, line in enumerate(src):
                if i == n:
                    break
                record = json.loads(line)
                record["title"] = record.get("title") or f"Bài {i}"
                dst.write(json.dumps(record, ensure_ascii=False) + "\n")
        return
    print(f"{NEWS} is absent: the corpus is the seed's paragraphs reshuffled", file=sys.stderr)
    paras = [p for p in (ROOT / "seeds").glob("*.txt").__next__().read_text(encoding="utf-8").split("\n\n") if len(p) > 60]
    rng = random.Random(5)
    with out.open("w", encoding="utf-8") as dst:
        for i in range(n):
            text = "\n\n".join(rng.choice(paras) for _ in range(6))
            dst.write(json.dumps({"id": f"a{i}", "title": f"Bài {i}", "text": text}, ensure_ascii=False) + "\n")


def _workers(index: Path) -> list[int]:
    """Live processes started for a build of ``index`` (the CLI and its forked workers share its command line)."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmd = (proc / "cmdline").read_bytes().replace(b"\x00", b" ").decode(errors="replace")
        except OSError:
            continue
        if str(index) in cmd and "retrieval" in cmd:
            found.append(int(proc.name))
    return found


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kills", type=int, default=10)
    ap.add_argument("--articles", type=int, default=10_900)
    args = ap.parse_args()
    rng = random.Random(11)
    py = sys.executable
    with tempfile.TemporaryDirectory(prefix="bantin-kills-") as tmp:
        work = Path(tmp)
        _corpus(work, args.articles)
        index = work / "index"
        subprocess.run([py, "-m", "retrieval", "index", str(ROOT / "seeds"), "--index", str(index), "-q"], check=True, cwd=ROOT)
        question = ["ask", "Bao nhiêu đồng chí được nhận kỷ niệm chương?", "--index", str(index), "--json", "--no-refresh"]
        rows = []
        k = 0
        while len(rows) < args.kills:
            sig = signal.SIGKILL if k % 2 == 0 else signal.SIGTERM
            k += 1
            (index / "cache.sqlite").unlink(missing_ok=True)  # a cached build would finish before the kill
            build = subprocess.Popen(
                [py, "-m", "retrieval", "index", str(work / "corpus.jsonl"), "--index", str(index), "-q", "--workers", "2"],
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            delay = rng.uniform(1.0, 12.0)
            time.sleep(delay)
            peak = len(_workers(index))
            if build.poll() is not None:  # finished first: publish the seed index again and try once more
                subprocess.run([py, "-m", "retrieval", "index", str(ROOT / "seeds"), "--index", str(index), "-q"], check=True, cwd=ROOT)
                continue
            os.kill(build.pid, sig)
            build.wait()
            time.sleep(1.0)  # the kernel's parent-death signal reaches the workers
            alive = _workers(index)
            answer = subprocess.run([py, "-m", "retrieval", *question], cwd=ROOT, capture_output=True, text=True)
            answered = answer.returncode == 0 and "34 đồng chí" in answer.stdout
            rows.append(
                {
                    "kill": len(rows) + 1,
                    "signal": sig.name,
                    "after s": round(delay, 1),
                    "processes before": peak,
                    "surviving": len(alive),
                    "old index answers": answered,
                }
            )
            for pid in alive:
                os.kill(pid, signal.SIGKILL)
        leftovers = sorted(p.name for p in index.iterdir() if p.name.startswith("tmp-"))
        final = subprocess.run([py, "-m", "retrieval", "index", str(ROOT / "seeds"), "--index", str(index), "-q"], cwd=ROOT)
        after = sorted(p.name for p in index.iterdir() if p.name.startswith("tmp-"))
    for row in rows:
        print(json.dumps(row))
    print(json.dumps({
        "kills": len(rows),
        "surviving workers": sum(r["surviving"] for r in rows),
        "old index answered": sum(r["old index answers"] for r in rows),
        "tmp folders after the kills": len(leftovers),
        "tmp folders after the next build": len(after),
        "next build status": final.returncode,
    }))  # fmt: skip


if __name__ == "__main__":
    main()
