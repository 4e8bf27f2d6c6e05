"""The webhook server: Telegram's updates on the bot's path and ``GET /healthz`` for monitors, on one port.

PTB's own server (``run_webhook``) serves the update path only; for more routes PTB's examples run a
custom server that feeds ``application.update_queue``. This is that, on tornado (which PTB's webhooks
extra installs anyway), with the same life cycle as ``run_webhook``: initialize, post_init, start, serve
until stopped, then stop and shut down. The server listens before post_init opens the index, so a monitor
sees "starting" (503) at once, and updates that arrive meanwhile wait in the queue.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import signal
import time
from collections.abc import Sequence
from typing import Any

import tornado.web
from telegram import Update
from tornado.httpserver import HTTPServer

from .config import Settings
from .ops import serving_facts
from .state import BotApplication, BotState

__all__ = ["HEALTH_PATH", "health", "serve_webhook", "webhook_path"]

HEALTH_PATH = "/healthz"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
log = logging.getLogger(__name__)


def webhook_path(settings: Settings) -> str:
    """The bot's update path: its numeric id, never the secret part of the token."""
    return settings.token.split(":", 1)[0]


def health(state: BotState) -> tuple[int, dict[str, Any]]:
    """(HTTP status, facts) for /healthz: 200 while the index answers; 503 while it is built, or when it is damaged."""
    facts = serving_facts(state)
    facts["uptime_s"] = round(time.time() - state.started, 1)
    engine = state.serving
    if engine is None:
        return 503, {"status": "updating" if state.updating else "starting", **facts}
    try:
        engine.check()  # the store's last row and every array's last page: about a millisecond
    except Exception as exc:  # any damage: the monitor hears it; the reason is a class name, never data
        return 503, {"status": "index unusable", "reason": type(exc).__name__, **facts}
    return 200, {"status": "ok", **facts}


class _Updates(tornado.web.RequestHandler):
    """POST from Telegram: checked against the secret token, then queued for the Application."""

    def initialize(self, bot_app: BotApplication, secret: str) -> None:
        self.bot_app = bot_app
        self.secret = secret

    async def post(self) -> None:
        """Queue one update (403 without the secret, 400 for a body that is not an update)."""
        given = self.request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.secret.encode()):
            log.warning("Webhook call without the right secret token from %s", self.request.remote_ip)
            raise tornado.web.HTTPError(403)
        try:
            update = Update.de_json(json.loads(self.request.body), self.bot_app.bot)
        except (ValueError, TypeError, KeyError, AttributeError):
            raise tornado.web.HTTPError(400) from None
        await self.bot_app.update_queue.put(update)

    def log_exception(self, *args: Any) -> None:
        """Refusals are logged above, in one line; no traceback of a request in the log."""


class _Health(tornado.web.RequestHandler):
    """GET /healthz: JSON, 200 or 503."""

    def initialize(self, bot_app: BotApplication) -> None:
        self.bot_app = bot_app

    async def get(self) -> None:
        """What the bot serves, checked in a thread (the check reads the index files)."""
        status, facts = await asyncio.get_running_loop().run_in_executor(None, health, self.bot_app.bot_data)
        self.set_status(status)
        self.set_header("Cache-Control", "no-store")
        self.finish(json.dumps(facts, ensure_ascii=False))


def _web_app(application: BotApplication, settings: Settings) -> tornado.web.Application:
    secret = settings.webhook_secret.get_secret_value()
    return tornado.web.Application(
        [
            (rf"/{webhook_path(settings)}/?", _Updates, {"bot_app": application, "secret": secret}),
            (HEALTH_PATH, _Health, {"bot_app": application}),
        ],
        log_function=lambda handler: None,  # access lines would repeat every update; errors are logged where they happen
    )


def serve_webhook(
    application: BotApplication,
    settings: Settings,
    allowed_updates: list[str],
    stop_signals: Sequence[int] | None = (signal.SIGINT, signal.SIGTERM),
    close_loop: bool = True,
) -> None:
    """Serve until a stop signal or ``application.stop_running()``; then finish what is in flight and shut down."""
    try:
        loop = asyncio.get_event_loop()
    except RuntimeError:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
    for sig in stop_signals or ():
        loop.add_signal_handler(sig, loop.stop)
    server = HTTPServer(_web_app(application, settings), xheaders=True)
    server.listen(settings.webhook_port, settings.webhook_listen)
    log.info("Webhook server on %s:%d (health at %s)", settings.webhook_listen, settings.webhook_port, HEALTH_PATH)
    try:
        loop.run_until_complete(application.initialize())
        if application.post_init:
            loop.run_until_complete(application.post_init(application))
        url = settings.webhook_url.rstrip("/") + "/" + webhook_path(settings)
        loop.run_until_complete(
            application.bot.set_webhook(url, secret_token=settings.webhook_secret.get_secret_value(), allowed_updates=allowed_updates)
        )
        loop.run_until_complete(application.start())
        loop.run_forever()  # application.stop_running() stops the loop, as it does for run_webhook
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        server.stop()
        try:
            if application.running:
                loop.run_until_complete(application.stop())
                if application.post_stop:
                    loop.run_until_complete(application.post_stop(application))
            with contextlib.suppress(RuntimeError):  # initialize() itself failed: nothing to shut down
                loop.run_until_complete(application.shutdown())
            if application.post_shutdown:
                loop.run_until_complete(application.post_shutdown(application))
        finally:
            for sig in stop_signals or ():
                loop.remove_signal_handler(sig)
            if close_loop:
                loop.close()
