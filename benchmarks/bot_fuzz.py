"""Fuzz the real bot through the fake Bot API server: N random updates, then what went wrong.

    python benchmarks/bot_fuzz.py --updates 10000

Updates mix private questions (any Unicode, lone surrogates, control characters, 5,000-character
pastes), commands, stickers, group messages with and without /hoi, presses of real and forged buttons
and inline queries, from 400 users. The fake server refuses what Telegram refuses (bad HTML, long
messages, bad button data). Reported: unhandled exceptions (error-level log records from the bot),
calls the server refused, private messages left without a reply, and the process's RSS before and after.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import sys
import tempfile
import time
from pathlib import Path

from bot.testing import BotRunner, FakeTelegram, make_settings

ROOT = Path(__file__).resolve().parent.parent
WORDS = [
    "bao",
    "nhiêu",
    "đồng",
    "chí",
    "được",
    "nhận",
    "kỷ",
    "niệm",
    "chương",
    "ai",
    "phát",
    "biểu",
    "hội",
    "nghị",
    "dân",
    "vận",
    "UBND",
    "HĐND",
    "xã",
    "tỉnh",
    "năm",
    "2018",
]


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class Errors(logging.Handler):
    """Counts error-level records: the bot's error handler logs every unhandled exception there."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        exc = record.exc_info[1] if record.exc_info else None
        self.records.append(f"{record.name}: {record.getMessage()}" + (f" ({type(exc).__name__}: {exc})" if exc else ""))


def random_text(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.4:
        return " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 12))) + rng.choice(["?", "", " ạ", "!!"])
    if kind < 0.6:
        return "".join(
            chr(rng.choice([rng.randint(32, 0x2FF), rng.randint(0x1EA0, 0x1EF9), rng.randint(0x1F600, 0x1F64F)]))
            for _ in range(rng.randint(1, 60))
        )
    if kind < 0.7:
        return "".join(chr(rng.randint(0, 0x10FFFF)) for _ in range(rng.randint(1, 40)))  # surrogates and controls too
    if kind < 0.8:
        return "<b>" * rng.randint(0, 3) + " & ".join(rng.choice(WORDS) for _ in range(5)) + "</i>"
    if kind < 0.9:
        return rng.choice(WORDS) * rng.randint(500, 2500)  # a paste: over the question limit
    return rng.choice(["   ", "\n\n", "\u200b", "?"])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--updates", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--wait", type=float, default=600, help="seconds to wait for the last replies")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    errors = Errors()
    logging.getLogger().addHandler(errors)
    logging.getLogger().setLevel(logging.WARNING)
    tmp = Path(tempfile.mkdtemp(prefix="bantin-fuzz-"))
    with FakeTelegram() as tg:
        settings = make_settings(tmp, tg, ROOT / "seeds", rate_limit_per_minute=600, admin_user_ids={1}, typing_after_ms=250)
        with BotRunner(settings, tg):
            rss_start = rss_mb()
            expect_reply: list[dict] = []
            started = time.monotonic()
            for i in range(args.updates):
                user = rng.randint(1, 400)
                r = rng.random()
                if r < 0.45:
                    expect_reply.append(tg.send_text(random_text(rng), user_id=user))
                elif r < 0.55:
                    command = rng.choice(["/start", "/help", "/moi", "/thongke", "/reload", "/khong_co", "/hoi", "/hoi@bantin_test_bot "])
                    expect_reply.append(tg.send_text(command + rng.choice(["", " " + random_text(rng)]), user_id=user))
                elif r < 0.6:
                    expect_reply.append(tg.send_sticker(user_id=user))
                elif r < 0.7:
                    group = -100_000 - rng.randint(1, 5)
                    tg.send_text(
                        rng.choice(["", "/hoi ", "/hoi@bantin_test_bot "]) + random_text(rng),
                        user_id=user,
                        chat_id=group,
                        chat_type="supergroup",
                    )
                elif r < 0.85:
                    replies = [
                        c for c in tg.calls[-200:] if c.method == "sendMessage" and "reply_markup" in c.params and "_result" in c.params
                    ]
                    data = rng.choice(["v:1:0:1", "v:99999999999999999999:0:1", "p:1:1", "a:1:0:9", "", "x" * 64, "p:-1:0"])
                    if replies and rng.random() < 0.6:
                        call = rng.choice(replies)
                        buttons = [b["callback_data"] for row in json.loads(call.params["reply_markup"])["inline_keyboard"] for b in row]
                        data = rng.choice(buttons)
                        message = call.params["_result"]
                    else:
                        message = {"message_id": 1, "date": 0, "chat": {"id": user, "type": "private"}, "text": "x"}
                    tg.press(message, data, user_id=rng.choice([user, message["chat"]["id"] if message["chat"]["id"] > 0 else user]))
                else:
                    tg.inline(random_text(rng)[:256], user_id=user)
                if i % 200 == 0:
                    time.sleep(0.2)  # a burst, not a flood: let the bot drain its queue a little
            deadline = time.monotonic() + args.wait
            missing = expect_reply

            def replied(message: dict) -> bool:
                try:
                    return bool(tg.replies_to(message, timeout=0))
                except AssertionError:  # the server's "no reply yet"
                    return False

            while time.monotonic() < deadline:
                missing = [m for m in expect_reply if not replied(m)]
                if not missing:
                    break
                time.sleep(2)
            took = time.monotonic() - started
            rss_end = rss_mb()
    print(f"{args.updates} updates in {took:.0f} s")
    print(f"unhandled exceptions: {len(errors.records)}")
    for line in errors.records[:5]:
        print(f"  {line[:200]}")
    print(f"calls the server refused: {len(tg.errors)}")
    for method, payload in tg.errors[:5]:
        print(f"  {method}: {payload.get('description')}")
    print(f"private messages without a reply: {len(missing)} of {len(expect_reply)}")
    print(f"RSS: {rss_start:.0f} MB at start, {rss_end:.0f} MB at the end")
    return 1 if errors.records or tg.errors or missing else 0


if __name__ == "__main__":
    sys.exit(main())
