"""The bot's own SQLite file: asked questions (the state behind buttons and follow-ups), feedback, usage figures.

A follow-up question names the question it was read after (``after_id``), and each question keeps the
turn it became (its evidence, as JSON), so buttons on a follow-up search again with the same context
and the context survives a restart. Turns older than ``TURN_DAYS`` are pruned; a reply to such an old
answer asks its question again to rebuild the turn.
"""

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

__all__ = ["AskedQuestion", "BotStore", "Shown"]

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
CREATE TABLE IF NOT EXISTS answer_messages (  -- the messages an answer was sent as: a reply to one names the question
    chat_id INTEGER NOT NULL,
    message_id INTEGER NOT NULL,
    question_id INTEGER NOT NULL REFERENCES questions(id),
    PRIMARY KEY (chat_id, message_id)
);
CREATE TABLE IF NOT EXISTS fresh_starts (  -- /chudemoi: questions before this are not read as context
    chat_id INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    ts REAL NOT NULL,
    PRIMARY KEY (chat_id, user_id)
);
CREATE TABLE IF NOT EXISTS shown_quotes (  -- what each page of an answer showed: its buttons act on these quotes
    question_id INTEGER NOT NULL REFERENCES questions(id),
    page INTEGER NOT NULL,
    generation TEXT NOT NULL,       -- the index generation the quotes were read from
    quotes TEXT NOT NULL,           -- JSON [[passage_id, doc_id], ...] in the order shown
    PRIMARY KEY (question_id, page)
);
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


# Columns added after the first release: an older file gains them when opened.
_ADDED_COLUMNS = (("questions", "after_id", "INTEGER"), ("questions", "turn", "TEXT"), ("feedback", "generation", "TEXT"))
TURN_DAYS = 30  # a question's turn (its evidence) is kept this long
# The columns an AskedQuestion is read from (BotStore._asked), in its fields' order.
_ASKED = "q.id, q.chat_id, q.user_id, q.question, q.total, q.after_id, q.turn"


@dataclass(frozen=True)
class AskedQuestion:
    id: int
    chat_id: int
    user_id: int | None
    question: str
    total: int
    after_id: int | None = None  # the question this one was read after
    turn: dict | None = None  # the turn it became (Turn.as_dict()), until pruned


@dataclass(frozen=True)
class Shown:
    """The quotes one page of an answer showed, in order, and the index generation they were read from."""

    generation: str
    passage_ids: tuple[int, ...]
    doc_ids: tuple[str, ...]


class BotStore:
    """Thread-safe (one lock around one connection): writes are tiny and rare."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._con = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._con.execute("PRAGMA journal_mode=WAL")
        self._con.executescript(_SCHEMA)
        for table, column, kind in _ADDED_COLUMNS:
            if column not in {r[1] for r in self._con.execute(f"PRAGMA table_info({table})")}:
                self._con.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")
        self._con.execute("CREATE INDEX IF NOT EXISTS questions_chat_user ON questions(chat_id, user_id, id)")
        self._lock = threading.Lock()

    def record_question(
        self,
        chat_id: int,
        user_id: int | None,
        chat_type: str | None,
        question: str,
        not_found: bool,
        total: int,
        took_ms: float,
        after_id: int | None = None,
        turn: dict | None = None,
    ) -> int:
        with self._lock:
            cur = self._con.execute(
                "INSERT INTO questions (ts, chat_id, user_id, chat_type, question, not_found, total, took_ms, after_id, turn)"
                " VALUES (?,?,?,?,?,?,?,?,?,?)",
                (
                    time.time(),
                    chat_id,
                    user_id,
                    chat_type,
                    question,
                    int(not_found),
                    total,
                    took_ms,
                    after_id,
                    json.dumps(turn, ensure_ascii=False) if turn is not None else None,
                ),
            )
            assert cur.lastrowid is not None  # an INSERT always sets it
            return cur.lastrowid

    def question(self, qid: int) -> AskedQuestion | None:
        with self._lock:
            row = self._con.execute(f"SELECT {_ASKED} FROM questions q WHERE q.id = ?", (qid,)).fetchone()
        return self._asked(row) if row else None

    @staticmethod
    def _asked(row: tuple) -> AskedQuestion:
        turn = None
        if row[6]:
            try:
                loaded = json.loads(row[6])
                turn = loaded if isinstance(loaded, dict) else None
            except json.JSONDecodeError:  # a damaged turn is rebuilt by asking again, never fatal
                turn = None
        return AskedQuestion(row[0], row[1], row[2], row[3], row[4], row[5], turn)

    def last_question(self, chat_id: int, user_id: int | None, since: float) -> AskedQuestion | None:
        """This user's latest question in this chat asked at ``since`` or later, and after their last fresh start."""
        with self._lock:
            fresh = self._con.execute("SELECT ts FROM fresh_starts WHERE chat_id = ? AND user_id IS ?", (chat_id, user_id)).fetchone()
            row = self._con.execute(
                f"SELECT {_ASKED} FROM questions q WHERE q.chat_id = ? AND q.user_id IS ? AND q.ts >= ? ORDER BY q.id DESC LIMIT 1",
                (chat_id, user_id, max(since, fresh[0] if fresh else 0.0)),
            ).fetchone()
        return self._asked(row) if row else None

    def start_fresh(self, chat_id: int, user_id: int) -> None:
        """Questions this user asked in this chat before now are no longer read as context."""
        with self._lock:
            self._con.execute(
                "INSERT INTO fresh_starts (chat_id, user_id, ts) VALUES (?,?,?) ON CONFLICT (chat_id, user_id) DO UPDATE SET ts = excluded.ts",
                (chat_id, user_id, time.time()),
            )

    def record_answer_messages(self, chat_id: int, message_ids: list[int], qid: int) -> None:
        with self._lock:
            self._con.executemany(
                "INSERT OR REPLACE INTO answer_messages (chat_id, message_id, question_id) VALUES (?,?,?)",
                [(chat_id, m, qid) for m in message_ids],
            )

    def answered_by(self, chat_id: int, message_id: int) -> AskedQuestion | None:
        """The question an answer message of this chat was sent for."""
        with self._lock:
            row = self._con.execute(
                f"SELECT {_ASKED} FROM answer_messages m JOIN questions q ON q.id = m.question_id WHERE m.chat_id = ? AND m.message_id = ?",
                (chat_id, message_id),
            ).fetchone()
        return self._asked(row) if row else None

    def record_shown(self, qid: int, page: int, generation: str, quotes: list[tuple[int, str]]) -> None:
        """Keep the quotes a page of an answer showed (the answer, or a later "Xem thêm"): its buttons act on these."""
        with self._lock:
            self._con.execute(
                "INSERT OR REPLACE INTO shown_quotes (question_id, page, generation, quotes) VALUES (?,?,?,?)",
                (qid, page, generation, json.dumps(quotes, ensure_ascii=False)),
            )

    def shown(self, qid: int, page: int) -> Shown | None:
        """The quotes a page of an answer showed; None when not kept (an answer from before they were, or pruned)."""
        with self._lock:
            row = self._con.execute(
                "SELECT generation, quotes FROM shown_quotes WHERE question_id = ? AND page = ?", (qid, page)
            ).fetchone()
        if row is None:
            return None
        try:
            quotes = [(int(p), str(d)) for p, d in json.loads(row[1])]
        except (json.JSONDecodeError, TypeError, ValueError):  # a damaged row: the button searches again, never fails
            return None
        return Shown(row[0], tuple(p for p, _ in quotes), tuple(d for _, d in quotes))

    def update_turn(self, qid: int, turn: dict) -> None:
        """Keep what a cadre did with an answer in its turn (the article read in full comes first)."""
        with self._lock:
            self._con.execute("UPDATE questions SET turn = ? WHERE id = ?", (json.dumps(turn, ensure_ascii=False), qid))

    def prune_turns(self, days: float = TURN_DAYS) -> int:
        """Forget the turns and shown quotes of questions older than ``days`` (the questions stay, for /thongke; their
        buttons then search again). Returns how many turns."""
        before = time.time() - days * 86400
        with self._lock:
            self._con.execute("DELETE FROM shown_quotes WHERE question_id IN (SELECT id FROM questions WHERE ts < ?)", (before,))
            cur = self._con.execute("UPDATE questions SET turn = NULL WHERE turn IS NOT NULL AND ts < ?", (before,))
            return cur.rowcount

    def record_feedback(
        self, qid: int, chat_id: int, user_id: int | None, vote: int, page: int, passage_ids: list[int], generation: str | None = None
    ) -> bool:
        """Store a vote; a second vote by the same user on the same page replaces the first. True if new."""
        with self._lock:
            existed = self._con.execute(
                "SELECT 1 FROM feedback WHERE question_id = ? AND user_id IS ? AND page = ?", (qid, user_id, page)
            ).fetchone()
            self._con.execute(
                "INSERT INTO feedback (ts, question_id, chat_id, user_id, vote, page, passage_ids, generation) VALUES (?,?,?,?,?,?,?,?)"
                " ON CONFLICT (question_id, user_id, page) DO UPDATE SET vote = excluded.vote, ts = excluded.ts",
                (time.time(), qid, chat_id, user_id, vote, page, json.dumps(passage_ids), generation),
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
                "SELECT f.id, datetime(f.ts, 'unixepoch'), q.question, f.vote, f.page, f.passage_ids, f.chat_id, f.user_id, f.generation"
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
                "generation": r[8],  # the index generation the passage ids are of (None: voted before it was kept)
            }

    def export_feedback(self, fmt: str) -> str:
        rows = list(self.feedback_rows())
        if fmt == "jsonl":
            return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
        buf = io.StringIO()
        writer = csv.DictWriter(
            buf, fieldnames=["id", "time_utc", "question", "vote", "page", "passage_ids", "chat_id", "user_id", "generation"]
        )
        writer.writeheader()
        for r in rows:
            writer.writerow({**r, "passage_ids": " ".join(map(str, r["passage_ids"]))})
        return buf.getvalue()

    def close(self) -> None:
        with self._lock:
            self._con.close()
