"""A fake Bot API server on 127.0.0.1 and a runner for the real bot against it (tests, load benchmarks)."""

from bot.testing.fake_api import BOT_USERNAME, TOKEN, BadRequest, FakeTelegram, check_html
from bot.testing.harness import BotRunner, make_settings

__all__ = ["BOT_USERNAME", "TOKEN", "BadRequest", "BotRunner", "FakeTelegram", "check_html", "make_settings"]
