"""The bot's index: opened at start and on /reload through the library's one policy (open_index)."""

from __future__ import annotations

import logging

from retrieval import BuildError, Engine, IndexBusy, IndexMissing, open_index

from .config import Settings
from .render import reload_busy_message, reload_failed_message, reload_message
from .state import BotState

__all__ = ["open_engine", "reload_engine"]

log = logging.getLogger(__name__)


def open_engine(settings: Settings) -> Engine:
    """The index, built from the bulletins folder when missing and refreshed when they changed."""
    opened = open_index(settings.bantin_index_dir, sources=[settings.bantin_sources])
    for problem in opened.report.problems if opened.report else []:
        log.warning("Skipped %s", problem)
    if opened.warning:
        log.warning("%s", opened.warning)
    return opened.engine


def reload_engine(state: BotState) -> str:
    """Refresh from the bulletins, swap the engine in, and say what changed (runs in a thread)."""
    old = state.engine
    before = old.store.fingerprints()
    settings = state.settings
    try:
        opened = open_index(settings.bantin_index_dir, sources=[settings.bantin_sources])
    except IndexBusy:
        return reload_busy_message()  # a maintainer's `index` is writing the folder
    except (BuildError, IndexMissing, OSError) as exc:  # the old index keeps serving; the admin reads why
        log.warning("Reload failed: %s", exc)
        return reload_failed_message(str(exc))
    if opened.warning:
        log.warning("%s", opened.warning)
    if opened.report is None:
        opened.engine.close()
        return reload_message(None, before, before, int(old.params["n_articles"]))
    new = opened.engine
    new.warm_up()
    state.engine = new
    return reload_message(opened.report, before, new.store.fingerprints(), int(new.params["n_articles"]))
