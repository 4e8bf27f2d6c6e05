"""Bot settings from the environment and an optional .env file (documented in .env.example)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import NoDecode, SettingsConfigDict

from retrieval import MAPPED_BUDGET_MB, BudgetError, SyncSettings, current_budget

__all__ = ["TOKEN_RE", "ConfigError", "Settings", "load_settings"]

# Telegram tokens look like "123456789:AA...": digits, a colon, 30+ URL-safe characters.
TOKEN_RE = re.compile(r"^\d{5,}:[A-Za-z0-9_-]{30,}$")

IdSet = Annotated[frozenset[int], NoDecode]


class ConfigError(ValueError):
    """A setting is missing or malformed; the message is one line and never contains the token."""


def _ids(value: object) -> frozenset[int]:
    if value is None or value == "":
        return frozenset()
    if isinstance(value, (set, frozenset, list, tuple)):
        return frozenset(int(v) for v in value)
    parts = [p for p in re.split(r"[,\s;]+", str(value)) if p]
    try:
        return frozenset(int(p) for p in parts)
    except ValueError:
        raise ValueError("expected numeric Telegram ids separated by commas, e.g. 12345,-100987") from None


class Settings(SyncSettings):
    """Everything the bot reads; the feed settings (FEEDS, FEEDS_DIR, SYNC_*) are the library's, shared with ``sync``."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False)

    telegram_bot_token: SecretStr = SecretStr("")
    telegram_api_url: str = "https://api.telegram.org/bot"
    bantin_index_dir: Path = Path("index")
    bantin_sources: Path = Path("seeds")
    bantin_data_dir: Path = Path("var")
    allowed_user_ids: IdSet = frozenset()
    allowed_chat_ids: IdSet = frozenset()
    admin_user_ids: IdSet = frozenset()
    webhook_url: str = ""
    webhook_secret: SecretStr = SecretStr("")
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = Field(8443, ge=1, le=65535)
    rate_limit_per_minute: int = Field(12, ge=1, le=600)
    results_per_page: int = Field(3, ge=1, le=5)
    search_workers: int = Field(4, ge=1, le=64)
    # Show "typing…" only when an answer takes longer than this: most take a few milliseconds, and
    # every chat action spends the same 30-requests-a-second flood budget as the answers themselves.
    typing_after_ms: int = Field(250, ge=0, le=10_000)
    # Files admins send are refused above this size before download (the Bot API serves up to 20 MB;
    # a local Bot API server allows more).
    index_memory_mb: int = Field(MAPPED_BUDGET_MB, ge=0)  # index pages held before some are given back (0: keep all)
    max_upload_mb: int = Field(20, ge=1, le=2000)
    # Telegram's flood limit for a bot: at most this many messages a second overall (AIORateLimiter
    # queues the rest; an answer held over a second is announced with "typing…").
    messages_per_second: int = Field(30, ge=1, le=30)
    # How often the feeds in FEEDS are synced (minutes; 0 turns the schedule off, /capnhat still works).
    sync_minutes: float = Field(60.0, ge=0, le=1440)
    # In a private chat a question asked within this many minutes of the last one is read as its
    # follow-up (0 turns that off; a reply to one of the bot's answers is a follow-up of it at any age).
    context_minutes: float = Field(10.0, ge=0, le=1440)
    # Prometheus metrics on this port (0: off), on this address (the machine itself by default).
    metrics_port: int = Field(0, ge=0, le=65535)
    metrics_listen: str = "127.0.0.1"
    # How much the bot logs: DEBUG, INFO, WARNING or ERROR.
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("allowed_user_ids", "allowed_chat_ids", "admin_user_ids", mode="before")
    @classmethod
    def _parse_ids(cls, value: object) -> frozenset[int]:
        return _ids(value)

    @field_validator("telegram_api_url")
    @classmethod
    def _url(cls, value: str) -> str:
        if not re.match(r"^https?://", value):
            raise ValueError("must start with http:// or https://")
        return value

    @property
    def token(self) -> str:
        return self.telegram_bot_token.get_secret_value()

    @property
    def base_url(self) -> str:
        """PTB appends the token to this: 'https://api.telegram.org/bot' + token. A bare server
        address ('http://127.0.0.1:8081') gets the '/bot' path that every Bot API server uses."""
        url = self.telegram_api_url.rstrip("/")
        return url if url.endswith("/bot") or "{token}" in url else url + "/bot"

    @property
    def upload_dir(self) -> Path:
        """Where files sent to the bot are kept: beside the bulletins, so a rebuild includes them."""
        if self.bantin_sources.is_dir():
            return self.bantin_sources / "tai-len"
        return self.bantin_data_dir / "tai-len"

    @property
    def source_paths(self) -> list[Path]:
        """The bulletins the index is built from: the sources, and the uploads when kept elsewhere."""
        paths = [self.bantin_sources]
        for extra in (self.upload_dir, self.feeds_dir):
            if not extra.is_relative_to(self.bantin_sources) and extra.exists():
                paths.append(extra)
        return paths

    @property
    def feedback_db(self) -> Path:
        return self.bantin_data_dir / "bot.sqlite"

    def check_token(self) -> None:
        if not self.token:
            raise ConfigError(
                "TELEGRAM_BOT_TOKEN is not set: put the token from @BotFather in .env (see .env.example), or run with --console"
            )
        if not TOKEN_RE.match(self.token):
            raise ConfigError("TELEGRAM_BOT_TOKEN is malformed: expected digits, a colon and the secret from @BotFather")
        if self.webhook_url and not self.webhook_secret.get_secret_value():
            raise ConfigError("WEBHOOK_SECRET must be set when WEBHOOK_URL is (Telegram's secret-token check)")


def load_settings(**overrides: object) -> Settings:
    """Settings from env/.env; a malformed value becomes one ConfigError line naming the variable."""
    try:
        current_budget()  # the reading limits of uploads (BANTIN_READ_*), checked with the rest
    except BudgetError as exc:
        raise ConfigError(str(exc)) from None
    try:
        return Settings(**overrides)  # type: ignore[arg-type]  # pydantic validates the values
    except ValidationError as exc:
        err = exc.errors()[0]
        name = str(err["loc"][0]).upper() if err["loc"] else "setting"
        raise ConfigError(f"{name} is invalid: {err['msg']}") from None
