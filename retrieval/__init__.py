"""Retrieval: bulletins in, verbatim answers out. This is the public API the bot and the CLI use.

The pipeline reads as the folders do: ``sources`` (files → articles → passages), ``text``
(normalisation, pyvi, the analyzer), ``index`` (BM25 fields on disk), ``search`` (a question →
ranked quotes with the answer marked); ``service`` opens an index with one policy for every shell.

Names load on first use (PEP 562), so ``import retrieval`` stays cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from retrieval.index.build import BuildError, BuildReport, SourceChanges
    from retrieval.index.layout import MAPPED_BUDGET_MB, IndexBusy, IndexMissing, IndexOutdated
    from retrieval.index.store import StoredArticle
    from retrieval.model import NO_DATE, Problem, date_label, format_date, scan_label
    from retrieval.search.answer import Span
    from retrieval.search.conversation import ContextUse, Turn, revised_turn
    from retrieval.search.engine import Engine
    from retrieval.search.query import MAX_QUESTION_CHARS, QuestionError, clean_question
    from retrieval.search.result import Hit, Result
    from retrieval.service import IndexDamaged, Opened, SavedFile, UploadRefused, check_upload, open_index, save_bulletin
    from retrieval.sources.budget import Budget, BudgetError, current_budget
    from retrieval.sources.ocr import ocr_status
    from retrieval.sync.run import SyncReport, sync_feeds
    from retrieval.sync.settings import SyncSettings
    from retrieval.sync.state import LastCrawl, LastRun, last_crawl, last_run
    from retrieval.sync.update import probe_site, update_archive
    from retrieval.terminal import context_line, dispute_line, latest_text, result_text

__all__ = [
    "MAPPED_BUDGET_MB",
    "MAX_QUESTION_CHARS",
    "NO_DATE",
    "Budget",
    "BudgetError",
    "BuildError",
    "BuildReport",
    "ContextUse",
    "Engine",
    "Hit",
    "IndexBusy",
    "IndexDamaged",
    "IndexMissing",
    "IndexOutdated",
    "LastCrawl",
    "LastRun",
    "Opened",
    "Problem",
    "QuestionError",
    "Result",
    "SavedFile",
    "SourceChanges",
    "Span",
    "StoredArticle",
    "SyncReport",
    "SyncSettings",
    "Turn",
    "UploadRefused",
    "__version__",
    "check_upload",
    "clean_question",
    "context_line",
    "current_budget",
    "date_label",
    "dispute_line",
    "format_date",
    "last_crawl",
    "last_run",
    "latest_text",
    "ocr_status",
    "open_index",
    "probe_site",
    "result_text",
    "revised_turn",
    "save_bulletin",
    "scan_label",
    "sync_feeds",
    "update_archive",
]

__version__ = "0.2.0"

_WHERE = {
    "BuildError": "retrieval.index.build",
    "BuildReport": "retrieval.index.build",
    "SourceChanges": "retrieval.index.build",
    "IndexBusy": "retrieval.index.layout",
    "MAPPED_BUDGET_MB": "retrieval.index.layout",
    "IndexMissing": "retrieval.index.layout",
    "IndexOutdated": "retrieval.index.layout",
    "StoredArticle": "retrieval.index.store",
    "NO_DATE": "retrieval.model",
    "Problem": "retrieval.model",
    "date_label": "retrieval.model",
    "format_date": "retrieval.model",
    "scan_label": "retrieval.model",
    "Span": "retrieval.search.answer",
    "ContextUse": "retrieval.search.conversation",
    "Turn": "retrieval.search.conversation",
    "revised_turn": "retrieval.search.conversation",
    "Engine": "retrieval.search.engine",
    "Hit": "retrieval.search.result",
    "Result": "retrieval.search.result",
    "MAX_QUESTION_CHARS": "retrieval.search.query",
    "QuestionError": "retrieval.search.query",
    "clean_question": "retrieval.search.query",
    "IndexDamaged": "retrieval.service",
    "Opened": "retrieval.service",
    "open_index": "retrieval.service",
    "SavedFile": "retrieval.service",
    "UploadRefused": "retrieval.service",
    "check_upload": "retrieval.service",
    "Budget": "retrieval.sources.budget",
    "BudgetError": "retrieval.sources.budget",
    "current_budget": "retrieval.sources.budget",
    "ocr_status": "retrieval.sources.ocr",
    "save_bulletin": "retrieval.service",
    "SyncReport": "retrieval.sync.run",
    "sync_feeds": "retrieval.sync.run",
    "SyncSettings": "retrieval.sync.settings",
    "LastRun": "retrieval.sync.state",
    "last_run": "retrieval.sync.state",
    "LastCrawl": "retrieval.sync.state",
    "last_crawl": "retrieval.sync.state",
    "probe_site": "retrieval.sync.update",
    "update_archive": "retrieval.sync.update",
    "context_line": "retrieval.terminal",
    "dispute_line": "retrieval.terminal",
    "latest_text": "retrieval.terminal",
    "result_text": "retrieval.terminal",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'retrieval' has no attribute {name!r}")
