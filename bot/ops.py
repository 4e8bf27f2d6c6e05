"""Running the bot for real: a pre-flight check, a systemd unit for this install, and backups of its database.

``check`` returns one line per check (✓ or ✗ with the setting and the next step), never the token or the
webhook secret. ``backup`` copies the bot's SQLite with SQLite's online backup API, consistent while the
bot writes; ``restore`` puts a copy back only when no bot holds the data folder's lock (``hold_lock``).
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import sqlite3
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import httpx

from retrieval import last_crawl, last_run, ocr_status, probe_site

from .config import TOKEN_RE, ConfigError, Settings
from .state import BotState

__all__ = [
    "BULLETIN_SUFFIXES",
    "BackupError",
    "Check",
    "backup",
    "check",
    "hold_lock",
    "restore",
    "service_unit",
    "serving_facts",
    "status",
    "write_heartbeat",
]

BULLETIN_SUFFIXES = frozenset({".txt", ".jsonl", ".pdf", ".docx", ".html", ".htm", ".jpg", ".jpeg", ".png", ".tif", ".tiff", ".webp"})
LOCK_NAME = "bot.lock"


@dataclass(frozen=True)
class Check:
    ok: bool
    line: str  # what was checked, or what is wrong and what to do next

    def __str__(self) -> str:
        return f"{'✓' if self.ok else '✗'} {self.line}"


class BackupError(RuntimeError):
    """A backup or restore that cannot be done: one line with the next step."""


def _writable_folder(path: Path, name: str) -> Check:
    if path.exists() and not path.is_dir():
        return Check(False, f"{name}: {path} is a file, not a folder. Next: point {name} at a folder, or move the file away.")
    probe = path if path.exists() else next((p for p in path.parents if p.exists()), Path("/"))
    if not os.access(probe, os.W_OK | os.X_OK):
        return Check(False, f"{name}: {probe} is not writable by this user. Next: chown it to the bot's user, or choose another folder.")
    return Check(True, f"{name}: {path}/ is a writable folder" + ("" if path.exists() else " (created at start)"))


def _bulletins(sources: Path) -> Check:
    if not sources.exists():
        return Check(False, f"BANTIN_SOURCES: {sources} does not exist. Next: create it and put the bulletins in it, or fix the path.")
    files = [sources] if sources.is_file() else [p for p in sources.rglob("*") if p.is_file() and not p.name.startswith(".")]
    found = [p for p in files if p.suffix.lower() in BULLETIN_SUFFIXES]
    unreadable = [p for p in found if not os.access(p, os.R_OK)]
    if unreadable:
        return Check(False, f"BANTIN_SOURCES: {unreadable[0]} is not readable by this user. Next: chmod a+r it.")
    if not found:
        return Check(False, f"BANTIN_SOURCES: no bulletin in {sources} (.txt, .jsonl, .pdf, .docx, .html). Next: copy the bulletins there.")
    return Check(True, f"BANTIN_SOURCES: {len(found)} bulletin file(s) in {sources}")


def _index(settings: Settings) -> Check:
    from retrieval import Engine, IndexMissing

    folder = settings.bantin_index_dir
    rebuild = f"python -m retrieval index {settings.bantin_sources} --index {folder}"
    try:
        engine = Engine.open(folder)
    except IndexMissing:
        return Check(True, f"BANTIN_INDEX_DIR: no index in {folder}/ yet; the bot builds it from BANTIN_SOURCES at start")
    except Exception as exc:  # outdated, damaged or unreadable: each is one line with the command that rebuilds it
        return Check(False, f"BANTIN_INDEX_DIR: the index in {folder}/ cannot be read ({type(exc).__name__}: {exc}). Next: {rebuild}")
    try:
        engine.check()
        return Check(
            True, f"BANTIN_INDEX_DIR: the index opens ({engine.params['n_articles']:,} articles, {engine.params['n_passages']:,} passages)"
        )
    except Exception as exc:
        return Check(False, f"BANTIN_INDEX_DIR: the index in {folder}/ is damaged ({type(exc).__name__}). Next: {rebuild}")
    finally:
        engine.close()


def _online(settings: Settings) -> Check:
    """getMe: the token is accepted by Telegram (nothing but the bot's name is printed)."""
    url = f"{settings.base_url}{settings.token}/getMe"
    try:
        reply = httpx.post(url, timeout=10.0)
        body = reply.json()
    except (httpx.HTTPError, ValueError) as exc:
        return Check(
            False, f"TELEGRAM_API_URL: Telegram could not be reached ({type(exc).__name__}). Next: check the network or TELEGRAM_API_URL."
        )
    if not body.get("ok"):
        return Check(False, "TELEGRAM_BOT_TOKEN: Telegram refused the token. Next: copy it from @BotFather into .env again.")
    return Check(True, f"TELEGRAM_BOT_TOKEN: Telegram knows this bot as @{body['result'].get('username', '?')}")


def _sites(settings: Settings) -> list[Check]:
    """SITES: each site's robots.txt reached, and what it says (rules, Crawl-delay, sitemaps)."""
    if not settings.sites:
        return [Check(True, "SITES: none (set the papers' addresses to take their whole archive and stay current)")]
    out = []
    for site in settings.sites:
        ok, said = probe_site(site, settings)
        next_step = "" if ok else " Next: check the address and the network; the bot keeps what it has meanwhile."
        out.append(Check(ok, f"SITES: {site}: {said}.{next_step}"))
    return out


def check(load: Callable[[], Settings], online: bool = False) -> list[Check]:
    """Every check, in the order a maintainer fixes them; ``load`` reads the settings (a ConfigError is the first ✗)."""
    try:
        settings = load()
    except ConfigError as exc:
        return [Check(False, f"{exc}. Next: fix it in .env (see .env.example).")]
    out = [Check(True, "settings: every setting parses")]
    if not settings.token:
        out.append(Check(False, "TELEGRAM_BOT_TOKEN: not set. Next: put the token from @BotFather in .env."))
    elif not TOKEN_RE.match(settings.token):
        out.append(
            Check(False, "TELEGRAM_BOT_TOKEN: malformed (expected digits, a colon and the secret). Next: copy it from @BotFather again.")
        )
    else:
        out.append(Check(True, "TELEGRAM_BOT_TOKEN: well formed"))
    if settings.webhook_url:
        if not settings.webhook_url.startswith("https://"):
            out.append(Check(False, "WEBHOOK_URL: Telegram sends updates only to https:// addresses. Next: serve it over HTTPS."))
        elif not settings.webhook_secret.get_secret_value():
            out.append(Check(False, "WEBHOOK_SECRET: must be set when WEBHOOK_URL is. Next: set a long random WEBHOOK_SECRET in .env."))
        else:
            out.append(
                Check(
                    True,
                    f"WEBHOOK_URL: {settings.webhook_url} with a secret, listening on {settings.webhook_listen}:{settings.webhook_port}",
                )
            )
    else:
        out.append(Check(True, "WEBHOOK_URL: not set; the bot polls Telegram"))
    out.append(_bulletins(settings.bantin_sources))
    out.append(_writable_folder(settings.bantin_index_dir, "BANTIN_INDEX_DIR"))
    out.append(_writable_folder(settings.bantin_data_dir, "BANTIN_DATA_DIR"))
    bad_feeds = [f for f in settings.feeds if not re.match(r"^https?://[^\s/]+", f)]
    if bad_feeds:
        out.append(Check(False, f"FEEDS: not a feed address: {bad_feeds[0]}. Next: give http:// or https:// addresses, comma-separated."))
    else:
        out.append(
            Check(
                True,
                f"FEEDS: {len(settings.feeds)} feed(s)" + (f", synced every {settings.sync_minutes:g} minutes" if settings.feeds else ""),
            )
        )
    sources_ok, index_ok = out[-4].ok, out[-3].ok
    out += _sites(settings)
    ocr_ok, ocr_line = ocr_status()
    # a missing Tesseract is no failure: only scans wait for it
    out.append(Check(True, f"OCR: {ocr_line}" if ocr_ok else f"OCR: {ocr_line} (everything else works)"))
    if sources_ok and index_ok:  # the sources and the index folder are usable
        out.append(_index(settings))
    if online and out[1].ok:
        out.append(_online(settings))
    return out


def hold_lock(data_dir: Path) -> IO[str]:
    """Hold the data folder's lock for as long as the returned file stays open (the running bot keeps it):
    ``restore`` refuses while it is held. Raises BlockingIOError when another process holds it."""
    data_dir.mkdir(parents=True, exist_ok=True)
    handle = (data_dir / LOCK_NAME).open("a+", encoding="utf-8")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise
    return handle


def _copy(source: sqlite3.Connection, target: Path) -> None:
    """SQLite's online backup into ``target``, written beside it first and renamed (never a half-written file)."""
    fd, tmp = tempfile.mkstemp(prefix=".backup-", suffix=".sqlite", dir=target.parent)
    os.close(fd)
    try:
        dest = sqlite3.connect(tmp)
        try:
            source.backup(dest)
            if dest.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise BackupError(f"the copy of {target.name} failed SQLite's integrity check. Next: run the command again.")
        finally:
            dest.close()
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def backup(database: Path, target: Path) -> int:
    """A consistent copy of the bot's database while the bot runs; returns the questions it holds."""
    if not database.exists():
        raise BackupError(f"no database at {database} yet. Next: run the bot first, or set BANTIN_DATA_DIR.")
    if target.is_dir():
        target = target / f"bot-{int(os.path.getmtime(database))}.sqlite"
    target.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        _copy(source, target)
    finally:
        source.close()
    copy = sqlite3.connect(f"file:{target}?mode=ro", uri=True)
    try:
        return int(copy.execute("SELECT count(*) FROM questions").fetchone()[0])
    finally:
        copy.close()


def restore(backup_file: Path, database: Path) -> int:
    """Put a backup back in place of the bot's database; refused while a bot holds the data folder's lock."""
    if not backup_file.is_file():
        raise BackupError(f"no backup at {backup_file}. Next: give the file `python -m bot backup` wrote.")
    try:
        source = sqlite3.connect(f"file:{backup_file}?mode=ro", uri=True)
        ok = source.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        tables = {r[0] for r in source.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.DatabaseError:
        raise BackupError(f"{backup_file} is not an SQLite database. Next: give the file `python -m bot backup` wrote.") from None
    try:
        if not ok or "questions" not in tables:
            raise BackupError(f"{backup_file} is not a sound backup of the bot's database. Next: use another backup.")
        try:
            lock = hold_lock(database.parent)
        except BlockingIOError:
            raise BackupError(
                "the bot is running (it holds the data folder's lock). Next: stop it (systemctl stop bantin-bot), then restore."
            ) from None
        try:
            _copy(source, database)
            for suffix in ("-wal", "-shm"):  # the old database's journal must not be replayed onto the copy
                Path(f"{database}{suffix}").unlink(missing_ok=True)
            return int(source.execute("SELECT count(*) FROM questions").fetchone()[0])
        finally:
            lock.close()
    finally:
        source.close()


def service_unit(settings: Settings, python: str, workdir: Path, user: str, env_file: Path) -> str:
    """A systemd unit for this very install: this interpreter, this folder, its .env, its writable folders."""
    writable = [settings.bantin_data_dir, settings.bantin_index_dir, settings.bantin_sources, settings.feeds_dir]
    paths = " ".join(f"-{(workdir / p).resolve()}" for p in dict.fromkeys(writable))  # "-": a folder not made yet is no error
    env_line = f"EnvironmentFile={env_file.resolve()}" if env_file.exists() else f"EnvironmentFile=-{env_file.resolve()}"
    root_note = "# Runs as root: better create a user for it (useradd --system bantin) and chown the folders.\n" if user == "root" else ""
    return f"""# The bulletin Q&A Telegram bot. Install:
#   python -m bot service | sudo tee /etc/systemd/system/bantin-bot.service
#   sudo systemctl daemon-reload && sudo systemctl enable --now bantin-bot
{root_note}[Unit]
Description=Bản tin Q&A Telegram bot (bantin)
After=network-online.target
Wants=network-online.target

[Service]
Type=simple
User={user}
WorkingDirectory={workdir.resolve()}
{env_line}
ExecStart={python} -m bot
Restart=on-failure
RestartSec=5
# SIGTERM lets answers in flight finish before the bot stops
KillSignal=SIGTERM
TimeoutStopSec=30
NoNewPrivileges=yes
PrivateTmp=yes
ProtectSystem=strict
ProtectHome=read-only
ProtectKernelTunables=yes
ProtectControlGroups=yes
RestrictSUIDSGID=yes
ReadWritePaths={paths}

[Install]
WantedBy=multi-user.target
"""


HEARTBEAT_NAME = "heartbeat.json"
HEARTBEAT_SECONDS = 60  # how often the running bot refreshes it
STALE_AFTER = 3 * HEARTBEAT_SECONDS  # older than this: the bot is stopped or stuck


def serving_facts(state: BotState) -> dict[str, object]:
    """What the running bot serves: the index generation and size, its last sync, when it started
    (the heartbeat and /healthz)."""
    run = last_run(state.settings.feeds_dir)
    sync = None
    if run is not None:
        sync = f"{time.strftime('%Y-%m-%d %H:%M', time.localtime(run.finished_at))}, {run.added} new, {run.problems} failed"
    crawl = last_crawl(state.settings.feeds_dir)
    crawled = None
    if crawl is not None:
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(crawl.finished_at))
        crawled = f"{when}, {crawl.sites} site(s), {crawl.stored} new, {crawl.updated} updated, {crawl.failed} failed"
    engine = state.serving
    facts: dict[str, object] = {"started": state.started, "last_sync": sync, "last_crawl": crawled, "updating": state.updating}
    if engine is not None:
        facts |= {"generation": engine.gen.name, "articles": engine.params["n_articles"], "passages": engine.params["n_passages"]}
    return facts


def write_heartbeat(data_dir: Path, facts: dict[str, object]) -> None:
    """The running bot's heartbeat (the time, and what it serves), written beside and renamed: never half a file."""
    data_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".heartbeat-", dir=data_dir)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump({"ts": time.time(), **facts}, fh, ensure_ascii=False)
        os.replace(tmp, data_dir / HEARTBEAT_NAME)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def status(data_dir: Path, now: float | None = None) -> Check:
    """Whether a bot is running on ``data_dir``, read from its heartbeat (for monitors and maintainers)."""
    path = data_dir / HEARTBEAT_NAME
    try:
        beat = json.loads(path.read_text(encoding="utf-8"))
        age = (now or time.time()) - float(beat["ts"])
    except FileNotFoundError:
        return Check(
            False, f"no heartbeat at {path}: the bot has not run with this BANTIN_DATA_DIR. Next: start it (systemctl start bantin-bot)."
        )
    except (OSError, ValueError, KeyError, TypeError):
        return Check(False, f"the heartbeat at {path} is unreadable. Next: restart the bot (it rewrites it every minute).")
    if age > STALE_AFTER:
        return Check(
            False, f"the last heartbeat is {age / 60:.0f} minutes old: the bot is stopped or stuck. Next: journalctl -u bantin-bot"
        )
    up = (now or time.time()) - float(beat.get("started", beat["ts"]))
    serving = (
        f"index {beat.get('generation')}, {beat.get('articles')} articles, {beat.get('passages')} passages"
        if beat.get("generation")
        else "building the index (cadres are told it is updating)"
    )
    return Check(
        True,
        f"running (pid {beat.get('pid')}, up {up / 3600:.1f} h, heartbeat {age:.0f} s ago): {serving}; "
        f"last sync: {beat.get('last_sync') or 'none'}; last crawl: {beat.get('last_crawl') or 'none'}",
    )
