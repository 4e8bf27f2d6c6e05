"""Load on the real bot: simulated cadres ask through the fake Bot API server on 127.0.0.1.

Each user sends a question, waits for the answer, thinks, asks again. Reports the time from
the update being available to the answer reaching the server (p50/p95/p99/max) and every error.

    python benchmarks/bot_load.py --users 200 --questions 5 --think 4,12

The bot runs exactly as in production (polling, AIORateLimiter, worker threads), so Telegram's
overall flood limit (30 requests a second, enforced by AIORateLimiter) caps the throughput.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

from bot.testing import BotRunner, FakeTelegram, make_settings

ROOT = Path(__file__).resolve().parent.parent


def questions() -> list[str]:
    rows = [
        json.loads(line)["question"] for line in (ROOT / "tests" / "data" / "seed_questions.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    rows += ["Giá vàng hôm nay bao nhiêu?", "công tác dân vận", "Ai là Chủ tịch HĐND tỉnh?"]
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--users", type=int, default=200)
    ap.add_argument("--questions", type=int, default=5, help="questions per user")
    ap.add_argument("--think", default="4,12", help="seconds between a reply and the next question: MIN,MAX")
    ap.add_argument("--ramp", type=float, default=10.0, help="users start over this many seconds")
    ap.add_argument("--typing-after-ms", type=int, default=250)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    think_min, think_max = (float(x) for x in args.think.split(","))
    pool = questions()
    latencies: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()
    tmp = Path(tempfile.mkdtemp(prefix="bantin-load-"))
    with FakeTelegram() as tg:
        settings = make_settings(tmp, tg, ROOT / "seeds", typing_after_ms=args.typing_after_ms, rate_limit_per_minute=60)
        with BotRunner(settings, tg):

            def user(uid: int) -> None:
                rng = random.Random(args.seed * 100_000 + uid)
                time.sleep(rng.uniform(0, args.ramp))
                for _ in range(args.questions):
                    sent_at = time.monotonic()
                    msg = tg.send_text(rng.choice(pool), user_id=10_000 + uid)
                    try:
                        reply = tg.replies_to(msg, timeout=120)[0]
                    except AssertionError:
                        with lock:
                            failures.append(f"user {uid}: no reply within 120 s")
                        return
                    with lock:
                        latencies.append(reply.at - sent_at)
                    time.sleep(rng.uniform(think_min, think_max))

            started = time.monotonic()
            threads = [threading.Thread(target=user, args=(u,), daemon=True) for u in range(args.users)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            wall = time.monotonic() - started
    errors = [e for e in tg.errors if e[0] != "getUpdates"] + [(f, {}) for f in failures]
    lat = np.array(latencies) * 1000
    sends = len(tg.calls_to("sendMessage"))
    actions = len(tg.calls_to("sendChatAction"))
    print(
        f"users {args.users} × {args.questions} questions, think {think_min:g}–{think_max:g} s, ramp {args.ramp:g} s, "
        f"typing after {args.typing_after_ms} ms"
    )
    print(f"answers {len(lat)} in {wall:.1f} s ({len(lat) / wall:.1f}/s); sendMessage {sends}, sendChatAction {actions}")
    if len(lat):
        print(
            f"update → reply: p50 {np.percentile(lat, 50):.0f} ms, p95 {np.percentile(lat, 95):.0f} ms, "
            f"p99 {np.percentile(lat, 99):.0f} ms, max {lat.max():.0f} ms"
        )
    print(f"errors: {len(errors)}")
    for e in errors[:10]:
        print("  ", e)


if __name__ == "__main__":
    main()
