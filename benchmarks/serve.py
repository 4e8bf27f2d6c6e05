"""Query latency and serving memory on an existing index, with a cold or warm page cache.

    python benchmarks/serve.py --index INDEX --questions QUESTIONS.jsonl [--cold] [--runs 2]

Runs ``ask --batch`` in a subprocess over the questions (JSON Lines with "question"), reports
p50/p95/p99 of each line's ``took_ms`` and the process's peak RSS (index pages it mapped included)
and private memory. ``--cold`` drops the OS page cache first (root only): the first run after a
reboot or a rebuild of a larger-than-memory archive.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from scale import _SERVE, measured  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index", type=Path, required=True)
    ap.add_argument("--questions", type=Path, required=True)
    ap.add_argument("--cold", action="store_true", help="drop the page cache before the first run (needs root)")
    ap.add_argument("--runs", type=int, default=2)
    args = ap.parse_args()
    for run in range(args.runs):
        if args.cold and run == 0:
            subprocess.run(["sync"], check=True)
            Path("/proc/sys/vm/drop_caches").write_text("3\n")
        r = measured([sys.executable, "-c", _SERVE, "ask", "--batch", "-", "--json", "--index", str(args.index), "--no-refresh"],
                     stdin_path=args.questions)
        took = [json.loads(line)["took_ms"] for line in r["stdout"].splitlines()]
        mem = json.loads(r["stderr"].split("MEMORY ", 1)[1].splitlines()[0])
        state = "cold" if args.cold and run == 0 else "warm"
        print(f"run {run + 1} ({state} page cache): {len(took)} questions, p50 {np.percentile(took, 50):.2f} ms, "
              f"p95 {np.percentile(took, 95):.2f} ms, p99 {np.percentile(took, 99):.2f} ms; peak RSS "
              f"{r['max_rss_kb'] / 1024:,.0f} MB (private {mem['anon_kb'] / 1024:,.0f} MB, index pages mapped at exit "
              f"{mem['file_kb'] / 1024:,.0f} MB)")


if __name__ == "__main__":
    main()
