"""Query latency and serving memory on an existing index, with a cold or warm page cache.

    python benchmarks/serve.py --index INDEX --questions QUESTIONS.jsonl [--cold] [--runs 2]
    python benchmarks/serve.py --index INDEX --questions QUESTIONS.jsonl --memory-limit-mb 1024

Runs ``ask --batch`` in a subprocess over the questions (JSON Lines with "question"), reports
p50/p95/p99 of each line's ``took_ms`` and the process's peak RSS (index pages it mapped included)
and private memory. ``--cold`` drops the OS page cache first (root only): the first run after a
reboot or a rebuild of a larger-than-memory archive. ``--memory-limit-mb`` runs the server in a
memory cgroup with that hard limit (root; cgroup v1 or v2), after dropping the page cache so that
every index page it reads is charged to it: the latency a machine with that much memory would see.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from scale import _SERVE, measured

_V1 = Path("/sys/fs/cgroup/memory")
_V2 = Path("/sys/fs/cgroup")


class MemoryCgroup:
    """A throw-away memory cgroup with a hard limit (v1 ``memory.limit_in_bytes`` or v2 ``memory.max``)."""

    def __init__(self, limit_mb: int) -> None:
        name = f"bantin-serve-{os.getpid()}"
        if (_V1 / "memory.limit_in_bytes").exists():
            self.path, self.limit, self.procs, self.peak = _V1 / name, "memory.limit_in_bytes", "tasks", "memory.max_usage_in_bytes"
        elif (_V2 / "cgroup.controllers").exists():
            self.path, self.limit, self.procs, self.peak = _V2 / name, "memory.max", "cgroup.procs", "memory.peak"
        else:
            raise SystemExit("error: no memory cgroup found. Next: run without --memory-limit-mb, or as root on Linux.")
        self.path.mkdir()
        (self.path / self.limit).write_text(str(limit_mb * 1024 * 1024))

    def enter(self) -> None:
        """Called in the child before it runs (preexec_fn)."""
        (self.path / self.procs).write_text(str(os.getpid()))

    def peak_mb(self) -> float:
        f = self.path / self.peak
        return int(f.read_text()) / 1024 / 1024 if f.exists() else float("nan")

    def remove(self) -> None:
        for _ in range(50):
            try:
                self.path.rmdir()
                return
            except OSError:
                time.sleep(0.1)


def drop_page_cache() -> None:
    subprocess.run(["sync"], check=True)
    Path("/proc/sys/vm/drop_caches").write_text("3\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index", type=Path, required=True)
    ap.add_argument("--questions", type=Path, required=True)
    ap.add_argument("--cold", action="store_true", help="drop the page cache before the first run (needs root)")
    ap.add_argument("--memory-limit-mb", type=int, help="serve inside a memory cgroup with this hard limit (needs root)")
    ap.add_argument("--runs", type=int, default=2)
    args = ap.parse_args()
    group = MemoryCgroup(args.memory_limit_mb) if args.memory_limit_mb else None
    try:
        for run in range(args.runs):
            cold = (args.cold or group is not None) and run == 0
            if cold:
                drop_page_cache()
            r = measured(
                [sys.executable, "-c", _SERVE, "ask", "--batch", "-", "--json", "--index", str(args.index), "--no-refresh"],
                stdin_path=args.questions,
                preexec_fn=group.enter if group else None,
            )
            took = [json.loads(line)["took_ms"] for line in r["stdout"].splitlines()]
            mem = json.loads(r["stderr"].split("MEMORY ", 1)[1].splitlines()[0])
            state = "cold" if cold else "warm"
            limit = f", in a {args.memory_limit_mb:,} MB cgroup (its peak {group.peak_mb():,.0f} MB)" if group else ""
            print(
                f"run {run + 1} ({state} page cache{limit}): {len(took)} questions, p50 {np.percentile(took, 50):.2f} ms, "
                f"p95 {np.percentile(took, 95):.2f} ms, p99 {np.percentile(took, 99):.2f} ms; peak RSS "
                f"{r['max_rss_kb'] / 1024:,.0f} MB (private {mem['anon_kb'] / 1024:,.0f} MB, index pages mapped at exit "
                f"{mem['file_kb'] / 1024:,.0f} MB)"
            )
    finally:
        if group:
            group.remove()


if __name__ == "__main__":
    main()
