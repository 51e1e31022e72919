"""Record every question's outcome in SQLite, for `/stats` and for curators.

One row per question: time, outcome, matched entry, score, language, the
question text, and a keyed hash of the asker (HMAC-SHA256), so counts of
distinct users are possible but Telegram ids never reach the disk. The file
is in WAL mode and every write is committed at once, so a SIGTERM (or a
crash) loses nothing already recorded, and `python -m bot unanswered` can
read while the bot writes.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from ..core.normalize import words

DB_NAME = "stats.sqlite3"
KEY_NAME = "hash.key"
# Questions are stored for curators to read; a pasted novel is not a question.
MAX_STORED_CHARS = 1000
UNANSWERED = ("abstained", "not_in_articles", "suggested")

SCHEMA = """
CREATE TABLE IF NOT EXISTS questions (
    id INTEGER PRIMARY KEY,
    asked_at TEXT NOT NULL,      -- ISO 8601, UTC, milliseconds
    user_hash TEXT,
    channel TEXT NOT NULL,       -- private, group, callback...
    lang TEXT NOT NULL,
    outcome TEXT NOT NULL,       -- answered, suggested, not_in_articles, abstained, invalid
    entry_id TEXT,               -- the answered entry
    candidate TEXT,              -- the best suggestion, when suggested
    score REAL NOT NULL,
    question TEXT NOT NULL,
    folded TEXT NOT NULL         -- question, case and spaces folded: groups repeats
);
CREATE INDEX IF NOT EXISTS questions_outcome ON questions (outcome, folded);
CREATE INDEX IF NOT EXISTS questions_time ON questions (asked_at);
"""


@dataclass(frozen=True)
class Counts:
    """Questions by outcome over some period."""

    asked: int = 0
    answered: int = 0
    suggested: int = 0
    abstained: int = 0
    invalid: int = 0


@dataclass(frozen=True)
class Unanswered:
    """One question (folded) that was not answered outright, with how often."""

    question: str
    count: int
    outcome: str
    candidate: str | None
    last_asked: str


@dataclass(frozen=True)
class Summary:
    """What `/stats` shows."""

    since_start: Counts
    total: Counts
    top_unanswered: tuple[Unanswered, ...]


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def group_key(question: str) -> str:
    """The grouping key of a question: its folded words (case, accents and punctuation ignored)."""
    return " ".join(words(question))


def load_or_create_key(data_dir: Path) -> bytes:
    """The hashing key kept in `data_dir`, generated on first use."""
    path = data_dir / KEY_NAME
    if path.is_file():
        return path.read_bytes().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32).encode("ascii")
    # Created readable by the owner only: the key is what makes hashes private.
    path.touch(mode=0o600)
    path.write_bytes(key)
    return key


class Stats:
    """The question log: `record` from handlers, `summary` and `unanswered` for people."""

    def __init__(self, path: Path, hash_key: bytes | None = None, clock: Callable[[], str] = now_iso) -> None:
        """Open (creating if needed) the file at `path`; without `hash_key` it can only read and record anonymously."""
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._key = hash_key
        self._clock = clock
        # One connection shared by the event loop and worker threads; the lock
        # makes each statement-plus-commit atomic.
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            # NORMAL in WAL mode: a committed row survives a killed process;
            # only a power cut may lose the last transactions.
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA busy_timeout=5000")
            self._db.executescript(SCHEMA)
        self.started_at = clock()

    @classmethod
    def open(cls, data_dir: Path, hash_key: bytes | None = None) -> Stats:
        """The stats file in `data_dir`, with `hash_key` or the key kept there."""
        return cls(data_dir / DB_NAME, hash_key or load_or_create_key(data_dir))

    def user_hash(self, user_id: int) -> str:
        """The keyed hash that stands for a Telegram user id."""
        if not self._key:
            raise ValueError("no hash key: open the stats with one to record users")
        return hmac.new(self._key, str(user_id).encode("ascii"), hashlib.sha256).hexdigest()[:32]

    def record(
        self,
        *,
        outcome: str,
        lang: str,
        question: str,
        score: float = 0.0,
        entry_id: str | None = None,
        candidate: str | None = None,
        user_id: int | None = None,
        channel: str = "private",
    ) -> None:
        """Store one question's outcome, committed before returning."""
        row = (
            self._clock(), self.user_hash(user_id) if user_id is not None else None, channel, lang, outcome,
            entry_id, candidate, round(float(score), 2), question[:MAX_STORED_CHARS], group_key(question[:MAX_STORED_CHARS]),
        )
        with self._lock:
            self._db.execute(
                "INSERT INTO questions (asked_at, user_hash, channel, lang, outcome, entry_id, candidate, score, question, folded)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", row)

    def counts(self, since: str | None = None) -> Counts:
        """Questions by outcome, all time or from `since` (an ISO time) on."""
        query = "SELECT outcome, COUNT(*) FROM questions"
        args: tuple[str, ...] = ()
        if since is not None:
            query += " WHERE asked_at >= ?"
            args = (since,)
        with self._lock:
            rows = dict(self._db.execute(query + " GROUP BY outcome", args).fetchall())
        return Counts(
            asked=sum(rows.values()),
            answered=rows.get("answered", 0),
            suggested=rows.get("suggested", 0),
            # "The articles don't say" is a kind of abstention.
            abstained=rows.get("abstained", 0) + rows.get("not_in_articles", 0),
            invalid=rows.get("invalid", 0),
        )

    def unanswered(self, limit: int | None = None) -> list[Unanswered]:
        """Abstained and suggested questions, grouped, most frequent first."""
        query = (
            "SELECT MIN(question), COUNT(*), MAX(outcome), MAX(candidate), MAX(asked_at) FROM questions"
            f" WHERE outcome IN ({', '.join('?' for _ in UNANSWERED)})"
            " GROUP BY folded ORDER BY COUNT(*) DESC, MAX(asked_at) DESC"
        )
        args: tuple[object, ...] = UNANSWERED
        if limit is not None:
            query += " LIMIT ?"
            args = (*args, limit)
        with self._lock:
            rows = self._db.execute(query, args).fetchall()
        # MAX(outcome): "suggested" > "abstained", so a question that was
        # ever close to an entry shows as suggested, with its candidate.
        return [Unanswered(q, n, outcome, candidate, last) for q, n, outcome, candidate, last in rows]

    def summary(self, top: int = 5) -> Summary:
        """Counts since this process started and in total, and the top unanswered."""
        return Summary(self.counts(self.started_at), self.counts(), tuple(self.unanswered(top)))

    def close(self) -> None:
        with self._lock:
            self._db.close()
