"""How soon a webhook bot answers /healthz: a real `python -m bot` process against the fake Bot API server.

    python benchmarks/service_start.py [--runs 5] [--index DIR]

Per run: seconds from process start to the port accepting connections, from then to the first /healthz
answer (and its status), and to the first 200. Without ``--index`` the seed bulletin is indexed first
(so the bot starts on a published index); with it, the bot serves that index (e.g. the real archive).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.testing.fake_api import TOKEN, FakeTelegram  # noqa: E402
from bot.testing.harness import free_port, wait_for_port  # noqa: E402


def _health(port: int) -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as res:
            return res.status
    except urllib.error.HTTPError as exc:
        return exc.code


def one_run(folder: Path, index: Path, base_url: str) -> dict:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "BANTIN_", "WEBHOOK_"))}
    env |= {
        "PYTHONPATH": str(ROOT),
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": base_url,
        "BANTIN_SOURCES": str(ROOT / "seeds"),
        "BANTIN_INDEX_DIR": str(index),
        "BANTIN_DATA_DIR": str(folder / "var"),
        "WEBHOOK_URL": "https://bot.example.vn/tg",
        "WEBHOOK_SECRET": "benchmark-secret-0123456789",
        "WEBHOOK_LISTEN": "127.0.0.1",
        "WEBHOOK_PORT": str(port),
    }
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "bot"], cwd=folder, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port, timeout=300)
        listening = time.perf_counter()
        first = _health(port)
        answered = time.perf_counter()
        status = first
        while status != 200:
            time.sleep(0.01)
            status = _health(port)
        ok = time.perf_counter()
    finally:
        proc.terminate()
        proc.wait(30)
    return {"port_s": listening - t0, "first_s": answered - listening, "first": first, "ok_s": ok - listening}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--index", type=Path, help="an index folder to serve (default: the seed, indexed first)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="service-start-") as tmp, FakeTelegram() as tg:
        folder = Path(tmp)
        index = args.index
        if index is None:
            index = folder / "index"
            subprocess.run(
                [sys.executable, "-m", "retrieval", "index", str(ROOT / "seeds"), "--index", str(index), "-q"], cwd=ROOT, check=True
            )
        runs = [one_run(folder, index.resolve(), tg.base_url) for _ in range(args.runs)]
    for key, label in (("port_s", "process start → port open"), ("first_s", "port open → first /healthz"), ("ok_s", "port open → 200")):
        values = [r[key] for r in runs]
        print(f"{label:28} median {statistics.median(values):.3f} s, worst {max(values):.3f} s")
    print("first statuses:", json.dumps([r["first"] for r in runs]))


if __name__ == "__main__":
    main()
