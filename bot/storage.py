"""The bot's SQLite database: prediction log, crops awaiting a label, and labelled samples.

One connection guarded by a lock: the bot calls these methods from worker threads
(``asyncio.to_thread``), and every method is a short transaction, so serialising them costs
nothing while keeping SQLite's single-writer rule trivially true. WAL mode with
``synchronous=NORMAL`` makes each commit durable against the process being killed.

Schema changes are numbered migrations tracked in ``PRAGMA user_version``: append to
``MIGRATIONS``, never edit a released entry.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from bot.samples import SampleFiles

PENDING_CROP_HOURS = 48
"""How long the crop of an unlabelled answer is kept so its owner can still press a button."""

BUSY_TIMEOUT_SECONDS = 5.0
"""How long a write waits for another process's lock before reporting the database as busy."""

MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE predictions (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        created_at REAL NOT NULL,
        user_id INTEGER,
        chat_id INTEGER,
        digit INTEGER NOT NULL CHECK (digit BETWEEN 0 AND 9),
        confidence REAL NOT NULL
    );
    CREATE INDEX predictions_by_time ON predictions (created_at);
    CREATE INDEX predictions_by_user ON predictions (user_id);
    CREATE TABLE pending_crops (
        prediction_id INTEGER PRIMARY KEY REFERENCES predictions (id) ON DELETE CASCADE,
        created_at REAL NOT NULL,
        png BLOB NOT NULL
    );
    CREATE INDEX pending_crops_by_time ON pending_crops (created_at);
    CREATE TABLE samples (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        prediction_id INTEGER NOT NULL UNIQUE REFERENCES predictions (id),
        user_id INTEGER NOT NULL,
        label INTEGER NOT NULL CHECK (label BETWEEN 0 AND 9),
        predicted INTEGER NOT NULL CHECK (predicted BETWEEN 0 AND 9),
        created_at REAL NOT NULL
    );
    CREATE INDEX samples_by_user ON samples (user_id);
    """,
)


class StorageError(Exception):
    """The database cannot be used; the message says which file and what to do."""


class LabelStatus(Enum):
    """Whether an answer can take a label from a given user, or what became of it."""

    OPEN = "open"
    SAVED = "saved"
    ALREADY_LABELLED = "already labelled"
    EXPIRED = "expired"
    NOT_OWNER = "not owner"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Usage:
    """What users did with the bot, for /stats."""

    predictions_total: int
    predictions_last_day: int
    feedback_total: int
    feedback_correct: int


class Store:
    """All reads and writes of the database and the sample files that go with it."""

    def __init__(
        self, path: Path, samples: SampleFiles, clock: Callable[[], float] = time.time
    ) -> None:
        self.path = path
        self._samples = samples
        self._clock = clock
        self._lock = threading.Lock()
        self._connection = self._connect()

    def _connect(self) -> sqlite3.Connection:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(
                self.path,
                timeout=BUSY_TIMEOUT_SECONDS,
                isolation_level=None,
                check_same_thread=False,
            )
        except (OSError, sqlite3.Error) as error:
            raise StorageError(f"cannot open the database {self.path}: {error}") from None
        try:
            _check_integrity(connection)
            connection.execute("PRAGMA journal_mode = WAL")
            connection.execute("PRAGMA synchronous = NORMAL")
            connection.execute("PRAGMA foreign_keys = ON")
            _migrate(connection)
        except sqlite3.Error as error:
            connection.close()
            raise StorageError(_explain(self.path, error)) from None
        except StorageError as error:
            connection.close()
            raise StorageError(f"{self.path}: {error}") from None
        return connection

    def close(self) -> None:
        with self._lock:
            self._connection.close()

    @contextmanager
    def _transaction(self, *, write: bool = True) -> Iterator[sqlite3.Connection]:
        """One transaction; any failure rolls it back and surfaces as StorageError.

        Writes take the write lock up front (IMMEDIATE) so a busy database is reported at
        BEGIN, after the busy timeout, rather than half-way through.
        """
        with self._lock:
            connection = self._connection
            try:
                connection.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            except sqlite3.Error as error:
                raise StorageError(_explain(self.path, error)) from None
            try:
                yield connection
                connection.execute("COMMIT")
            except BaseException as error:
                if connection.in_transaction:
                    connection.execute("ROLLBACK")
                if isinstance(error, sqlite3.Error):
                    raise StorageError(_explain(self.path, error)) from None
                raise

    def log_prediction(
        self, user_id: int, chat_id: int, digit: int, confidence: float, crop_png: bytes
    ) -> int:
        """Record an answer and keep its crop until labelled; returns the prediction id."""
        now = self._clock()
        with self._transaction() as db:
            cursor = db.execute(
                "INSERT INTO predictions (created_at, user_id, chat_id, digit, confidence)"
                " VALUES (?, ?, ?, ?, ?)",
                (now, user_id, chat_id, digit, confidence),
            )
            prediction_id = int(cursor.lastrowid or 0)
            db.execute(
                "INSERT INTO pending_crops (prediction_id, created_at, png) VALUES (?, ?, ?)",
                (prediction_id, now, crop_png),
            )
            _delete_expired_crops(db, now)
        return prediction_id

    def purge_expired_crops(self) -> int:
        """Delete crops nobody labelled within PENDING_CROP_HOURS; returns how many.

        ``log_prediction`` purges as it goes, but a bot nobody writes to logs nothing: this is
        called at start-up and periodically so /privacy's promise holds when the bot is quiet.
        """
        with self._transaction() as db:
            return _delete_expired_crops(db, self._clock())

    def label_status(self, prediction_id: int, user_id: int) -> LabelStatus:
        """Checked before showing the keypad, so only the owner can open it."""
        with self._transaction(write=False) as db:
            return _label_row(db, prediction_id, user_id)[0]

    def save_label(self, prediction_id: int, user_id: int, label: int | None) -> LabelStatus:
        """Turn a pending crop into a labelled sample (row and PNG file) if its owner asks.

        ``label=None`` confirms the model's own answer. The file is written inside the
        transaction and removed again if the commit fails, so training never picks up a sample
        the database does not know about.
        """
        written: tuple[int, int] | None = None
        try:
            with self._transaction() as db:
                status, predicted, png = _label_row(db, prediction_id, user_id)
                if status is not LabelStatus.OPEN:
                    return status
                final = predicted if label is None else label
                cursor = db.execute(
                    "INSERT INTO samples (prediction_id, user_id, label, predicted, created_at)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (prediction_id, user_id, final, predicted, self._clock()),
                )
                db.execute("DELETE FROM pending_crops WHERE prediction_id = ?", (prediction_id,))
                written = (final, int(cursor.lastrowid or 0))
                self._samples.write(*written, png)
        except OSError as error:
            raise StorageError(f"cannot write the sample file: {error}") from None
        except BaseException:
            if written is not None:
                self._samples.delete(*written)
            raise
        return LabelStatus.SAVED

    def forget_user(self, user_id: int) -> int:
        """Delete a user's samples and crops, and unlink them from the prediction log.

        Files go before the commit: if anything fails the rows stay and the user can retry,
        and no sample file is ever left behind without a row that would let /forget find it.
        """
        with self._transaction() as db:
            samples = db.execute(
                "SELECT id, label FROM samples WHERE user_id = ?", (user_id,)
            ).fetchall()
            db.execute("DELETE FROM samples WHERE user_id = ?", (user_id,))
            db.execute(
                "DELETE FROM pending_crops WHERE prediction_id IN"
                " (SELECT id FROM predictions WHERE user_id = ?)",
                (user_id,),
            )
            db.execute(
                "UPDATE predictions SET user_id = NULL, chat_id = NULL WHERE user_id = ?",
                (user_id,),
            )
            try:
                for sample_id, label in samples:
                    self._samples.delete(label, sample_id)
            except OSError as error:
                raise StorageError(f"cannot delete a sample file: {error}") from None
        return len(samples)

    def usage(self) -> Usage:
        since = self._clock() - 24 * 3600
        with self._transaction(write=False) as db:
            total, last_day = db.execute(
                "SELECT COUNT(*), COALESCE(SUM(created_at >= ?), 0) FROM predictions", (since,)
            ).fetchone()
            feedback, correct = db.execute(
                "SELECT COUNT(*), COALESCE(SUM(label = predicted), 0) FROM samples"
            ).fetchone()
        return Usage(total, last_day, feedback, correct)


def _delete_expired_crops(db: sqlite3.Connection, now: float) -> int:
    """The one definition of "expired", shared by every path that purges."""
    cursor = db.execute(
        "DELETE FROM pending_crops WHERE created_at < ?", (now - PENDING_CROP_HOURS * 3600,)
    )
    return cursor.rowcount


def _label_row(
    db: sqlite3.Connection, prediction_id: int, user_id: int
) -> tuple[LabelStatus, int, bytes]:
    """The answer's status for this user, with its predicted digit and crop when it is open."""
    row = db.execute(
        "SELECT p.user_id, p.digit, c.png, s.id FROM predictions AS p"
        " LEFT JOIN pending_crops AS c ON c.prediction_id = p.id"
        " LEFT JOIN samples AS s ON s.prediction_id = p.id WHERE p.id = ?",
        (prediction_id,),
    ).fetchone()
    if row is None:
        return LabelStatus.UNKNOWN, 0, b""
    owner, predicted, png, sample_id = row
    if sample_id is not None:
        return LabelStatus.ALREADY_LABELLED, predicted, b""
    if png is None:
        return LabelStatus.EXPIRED, predicted, b""
    if owner != user_id:
        return LabelStatus.NOT_OWNER, predicted, b""
    return LabelStatus.OPEN, predicted, png


def _check_integrity(connection: sqlite3.Connection) -> None:
    (verdict,) = connection.execute("PRAGMA quick_check").fetchone()
    if verdict != "ok":
        raise sqlite3.DatabaseError(f"integrity check failed: {verdict}")


def _migrate(connection: sqlite3.Connection) -> None:
    """Bring the schema to the latest version, each step in its own transaction."""
    (version,) = connection.execute("PRAGMA user_version").fetchone()
    if version > len(MIGRATIONS):
        raise StorageError(
            f"schema version {version} is newer than this bot knows ({len(MIGRATIONS)}): "
            "upgrade digitbot or point DATA_DIR elsewhere"
        )
    for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
        connection.executescript(f"BEGIN; {script}; PRAGMA user_version = {number}; COMMIT;")


def _explain(path: Path, error: sqlite3.Error) -> str:
    text = str(error)
    if "locked" in text or "busy" in text:
        return f"the database {path} is locked by another process ({text}); try again shortly"
    if isinstance(error, sqlite3.DatabaseError) and not isinstance(error, sqlite3.OperationalError):
        return (
            f"the database {path} is damaged ({text}): restore it from a backup, "
            "or move it aside to start with an empty one"
        )
    return f"database error in {path}: {text}"
