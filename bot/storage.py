"""The bot's own SQLite file: asked questions (the state behind buttons), feedback, usage figures."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

__all__ = ["AskedQuestion", "BotStore"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS questions (
    id INTEGER PRIMARY KEY,
    ts REAL NOT NULL,
    chat_id INTEGER NOT NULL,
    user_id INTEGER,
    chat_type TEXT,
    question TEXT NOT NULL,
    not_found INTEGER NOT NULL,
    total INTEGER NOT NULL,
    took_ms REAL
);
CREATE INDEX IF NOT EXISTS questions_ts ON questions(ts);
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY,
    ts REAL NOT NULL,
    question_id INTEGER NOT NULL REFERENCES questions(id),
    chat_id INTEGER NOT NULL,
    user_id INTEGER,
    vote INTEGER NOT NULL,          -- +1 or -1
    page INTEGER NOT NULL,
    passage_ids TEXT NOT NULL,      -- JSON list of the passages shown
    UNIQUE (question_id, user_id, page)
);
"""


@dataclass(frozen=True)
class AskedQuestion:
    id: int
    chat_id: int
    user_id: int | None
    question: str
    total: int


class BotStore:
    """Thread-safe (one lock around one connection): writes are tiny and rare."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._con = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._con.execute("PRAGMA journal_mode=WAL")
        self._con.executescript(_SCHEMA)
        self._lock = threading.Lock()

    def record_question(
        self, chat_id: int, user_id: int | None, chat_type: str | None, question: str, not_found: bool, total: int, took_ms: float
    ) -> int:
        with self._lock:
            cur = self._con.execute(
                "INSERT INTO questions (ts, chat_id, user_id, chat_type, question, not_found, total, took_ms) VALUES (?,?,?,?,?,?,?,?)",
                (time.time(), chat_id, user_id, chat_type, question, int(not_found), total, took_ms),
            )
            assert cur.lastrowid is not None  # an INSERT always sets it
            return cur.lastrowid

    def question(self, qid: int) -> AskedQuestion | None:
        with self._lock:
            row = self._con.execute("SELECT id, chat_id, user_id, question, total FROM questions WHERE id = ?", (qid,)).fetchone()
        return AskedQuestion(*row) if row else None

    def record_feedback(self, qid: int, chat_id: int, user_id: int | None, vote: int, page: int, passage_ids: list[int]) -> bool:
        """Store a vote; a second vote by the same user on the same page replaces the first. True if new."""
        with self._lock:
            existed = self._con.execute(
                "SELECT 1 FROM feedback WHERE question_id = ? AND user_id IS ? AND page = ?", (qid, user_id, page)
            ).fetchone()
            self._con.execute(
                "INSERT INTO feedback (ts, question_id, chat_id, user_id, vote, page, passage_ids) VALUES (?,?,?,?,?,?,?)"
                " ON CONFLICT (question_id, user_id, page) DO UPDATE SET vote = excluded.vote, ts = excluded.ts",
                (time.time(), qid, chat_id, user_id, vote, page, json.dumps(passage_ids)),
            )
        return existed is None

    def stats(self, days: int = 7) -> dict:
        since = time.time() - days * 86400
        with self._lock:
            per_day = self._con.execute(
                "SELECT date(ts, 'unixepoch', 'localtime') d, count(*), sum(not_found) FROM questions WHERE ts >= ? GROUP BY d ORDER BY d",
                (since,),
            ).fetchall()
            total, nf = self._con.execute("SELECT count(*), coalesce(sum(not_found), 0) FROM questions").fetchone()
            up, down = self._con.execute("SELECT coalesce(sum(vote > 0), 0), coalesce(sum(vote < 0), 0) FROM feedback").fetchone()
        return {"per_day": per_day, "total": total, "not_found": nf, "up": up, "down": down}

    def feedback_rows(self) -> Iterator[dict]:
        with self._lock:
            rows = self._con.execute(
                "SELECT f.id, datetime(f.ts, 'unixepoch'), q.question, f.vote, f.page, f.passage_ids, f.chat_id, f.user_id"
                " FROM feedback f JOIN questions q ON q.id = f.question_id ORDER BY f.id"
            ).fetchall()
        for r in rows:
            yield {
                "id": r[0],
                "time_utc": r[1],
                "question": r[2],
                "vote": r[3],
                "page": r[4],
                "passage_ids": json.loads(r[5]),
                "chat_id": r[6],
                "user_id": r[7],
            }

    def export_feedback(self, fmt: str) -> str:
        rows = list(self.feedback_rows())
        if fmt == "jsonl":
            return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=["id", "time_utc", "question", "vote", "page", "passage_ids", "chat_id", "user_id"])
        writer.writeheader()
        for r in rows:
            writer.writerow({**r, "passage_ids": " ".join(map(str, r["passage_ids"]))})
        return buf.getvalue()

    def close(self) -> None:
        with self._lock:
            self._con.close()
