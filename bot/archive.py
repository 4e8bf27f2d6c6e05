"""The bot's index: opened at start and on /reload through the library's one policy (open_index)."""

from __future__ import annotations

import html
import logging

from retrieval import (
    BuildError,
    Engine,
    IndexBusy,
    IndexDamaged,
    IndexMissing,
    Opened,
    SyncReport,
    UploadRefused,
    open_index,
    save_bulletin,
    update_archive,
)

from .config import Settings
from .render import refusal_message, reload_busy_message, reload_failed_message, reload_message, upload_message
from .state import BotState

__all__ = ["add_upload", "open_engine", "open_index_for_bot", "open_published", "refresh_at_start", "reload_engine", "sync_now"]

log = logging.getLogger(__name__)


def _upgrading(reason: str) -> None:
    log.warning("Rebuilding the index from the bulletins: %s", reason)


def _budget(settings: Settings) -> int | None:
    """The bot's limit on index pages held (INDEX_MEMORY_MB; 0: keep all)."""
    return settings.index_memory_mb << 20 if settings.index_memory_mb else None


def open_engine(settings: Settings) -> Engine:
    """The index, built from the bulletins folder when missing, refreshed when they changed, and rebuilt when
    an older version of the program built it (after an upgrade: no manual step)."""
    return open_index_for_bot(settings).engine


def open_index_for_bot(settings: Settings) -> Opened:
    """``open_engine``, with what opening did (``Opened.upgraded`` says why the index was rebuilt)."""
    opened = open_index(settings.bantin_index_dir, sources=settings.source_paths, upgrade=_upgrading, mapped_budget=_budget(settings))
    if opened.upgraded:
        log.warning("Index rebuilt: %d articles, %d passages", opened.engine.params["n_articles"], opened.engine.params["n_passages"])
    for problem in opened.report.problems if opened.report else []:
        log.warning("Skipped %s", problem)
    if opened.warning:
        log.warning("%s", opened.warning)
    return opened


def open_published(settings: Settings) -> Engine | None:
    """The published index as it stands, when this version reads it; None when it must be built first (missing,
    built by an older version, or damaged with no earlier build that opens). Nothing is built or refreshed here:
    the bot answers from this at once and brings it up to date in the background."""
    try:
        opened = open_index(settings.bantin_index_dir, refresh=False, mapped_budget=_budget(settings))
    except (IndexMissing, IndexDamaged, OSError) as exc:
        log.info("No index to answer from yet (%s): building it before the first answer", type(exc).__name__)
        return None
    if opened.warning:
        log.warning("%s", opened.warning)
    return opened.engine


def refresh_at_start(state: BotState) -> None:
    """Bring the index the bot answers from up to date with the bulletins (changed while it was stopped)."""
    refreshed = _refresh(state)
    if isinstance(refreshed, str):
        log.warning("The index was not brought up to date at start; answering from the last build")
    elif refreshed.report is not None:
        log.info("Index brought up to date at start: %d articles", refreshed.engine.params["n_articles"])


def _refresh(state: BotState) -> Opened | str:
    """Open the index with the bulletins as they are now and serve from it (the old engine is left to
    finish the searches in flight); a message instead when that fails, and the old index keeps serving."""
    settings = state.settings
    try:
        opened = open_index(settings.bantin_index_dir, sources=settings.source_paths, mapped_budget=_budget(settings))
    except IndexBusy:
        return reload_busy_message()  # a maintainer's `index` is writing the folder
    except (BuildError, IndexMissing, OSError) as exc:  # the old index keeps serving; the admin reads why
        log.warning("Reload failed: %s", exc)
        return reload_failed_message(str(exc))
    if opened.warning:
        log.warning("%s", opened.warning)
    if opened.report is None:  # nothing changed: the engine serving already reads this generation
        opened.engine.close()
    else:
        opened.engine.warm_up()
        state.engine = opened.engine
    return opened


def add_upload(state: BotState, name: str, data: bytes) -> str:
    """Keep a file an admin sent beside the bulletins, merge its articles into the index, and say what was added."""
    try:
        saved = save_bulletin(state.settings.upload_dir, name, data, state.settings.max_upload_mb << 20)
    except UploadRefused as refused:  # its size was unknown before the download
        return html.escape(refusal_message(refused), quote=False)
    for problem in saved.problems:
        log.warning("Upload %s: %s", name, problem.reason)
    if saved.path is None or saved.duplicate:
        return upload_message(name, saved)
    log.info("Upload %s kept as %s (%d articles)", name, saved.path, len(saved.articles))
    state.metrics.uploads.inc()
    refreshed = _refresh(state)
    return refreshed if isinstance(refreshed, str) else upload_message(name, saved)


def reload_engine(state: BotState) -> str:
    """Refresh from the bulletins, swap the engine in, and say what changed (runs in a thread)."""
    old = state.engine
    before = old.store.fingerprints()
    opened = _refresh(state)
    if isinstance(opened, str):
        return opened
    if opened.report is None:
        return reload_message(None, before, before, int(old.params["n_articles"]))
    new = state.engine
    return reload_message(opened.report, before, new.store.fingerprints(), int(new.params["n_articles"]))


def sync_now(state: BotState) -> SyncReport:
    """Fetch what is new in the feeds and the sites' sitemaps, and serve it at once (runs in a thread, under the reload lock).

    A sync that fails, or an index that cannot be refreshed, leaves the bot answering from what it has.
    """
    settings = state.settings
    report = update_archive(settings)
    state.metrics.syncs.inc()
    state.metrics.new_articles.inc(len(report.added))
    log.info(
        "Sync: %d feed(s), %d unchanged, %d site(s), %d page(s), %d new, %d updated, %d problem(s) in %.1f s",
        report.feeds, report.unchanged, report.sites, report.pages, len(report.added), len(report.updated), len(report.problems), report.took_s,
    )  # fmt: skip
    for problem in report.problems:
        log.warning("Sync skipped %s", problem)
    if report.changed and isinstance(_refresh(state), str):
        log.warning("Synced articles wait for the next refresh: the index could not be opened")
    return report
