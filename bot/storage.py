"""The bot's SQLite database: prediction log, crops awaiting a label, and labelled samples.

One connection guarded by a lock: the bot calls these methods from worker threads
(``asyncio.to_thread``), and every method is a short transaction, so serialising them costs
nothing while keeping SQLite's single-writer rule trivially true. WAL mode with
``synchronous=NORMAL`` makes each commit durable against the process being killed.

Schema changes are numbered migrations tracked in ``PRAGMA user_version``: append to
``MIGRATIONS``, never edit a released entry.
"""

from __future__ import annotations

import errno
import logging
import os
import shutil
import sqlite3
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from bot.samples import SampleFiles

_LOGGER = logging.getLogger(__name__)

PENDING_CROP_HOURS = 48
"""How long the crop of an unlabelled answer is kept so its owner can still press a button."""

HANDLED_UPDATES_KEPT_SECONDS = 24 * 3600
"""Handled updates are remembered this long, so one Telegram delivers again is not re-answered."""

DISK_FULL_BELOW_BYTES = 1024 * 1024
"""Less free space than this beside the database counts as a full disk."""

MAX_REPLAYS = 3
"""Starts that may replay one unhandled update before it is given up."""

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
    # 2: answers (one per photo answered, a number's digits share one) and the update inbox.
    # Before, each digit was its own row and nothing said whether the answer reached the user:
    # every old prediction becomes one answer, counted as sent (nothing better is known).
    """
    CREATE TABLE answers (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        created_at REAL NOT NULL,
        digits INTEGER NOT NULL CHECK (digits >= 1),
        chat_id INTEGER,
        message_id INTEGER,
        sent_at REAL
    );
    CREATE INDEX answers_by_sent_time ON answers (sent_at);
    ALTER TABLE predictions ADD COLUMN answer_id INTEGER REFERENCES answers (id);
    INSERT INTO answers (id, created_at, digits, chat_id, sent_at)
        SELECT id, created_at, 1, chat_id, created_at FROM predictions;
    UPDATE predictions SET answer_id = id;
    CREATE INDEX predictions_by_answer ON predictions (answer_id);
    CREATE TABLE updates (
        update_id INTEGER PRIMARY KEY,
        received_at REAL NOT NULL,
        payload TEXT NOT NULL,
        done_at REAL,
        replays INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX updates_by_done_time ON updates (done_at);
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
class LoggedDigit:
    """One digit of an answer as it is logged: the reading and the 28x28 crop (PNG)."""

    digit: int
    confidence: float
    crop_png: bytes


@dataclass(frozen=True)
class Answer:
    """A logged answer: its id and its digits' prediction ids (consecutive, left to right)."""

    id: int
    prediction_ids: tuple[int, ...]


@dataclass(frozen=True)
class Usage:
    """What users did with the bot, for /stats."""

    predictions_total: int
    """Answers sent: a number counts once, an answer that never reached its chat not at all."""
    predictions_last_day: int
    feedback_total: int
    """Answers labelled in full (each digit of a number)."""
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
        try:
            probe_writable(samples.root)
            self._reconcile_samples()
        except OSError as error:
            self._connection.close()
            raise StorageError(explain_os_error(samples.root, error)) from None

    def _connect(self) -> sqlite3.Connection:
        try:
            probe_writable(self.path.parent)
        except OSError as error:
            raise StorageError(explain_os_error(self.path.parent, error)) from None
        try:
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
            _check_writable(connection)
        except sqlite3.Error as error:
            connection.close()
            raise StorageError(_explain(self.path, error)) from None
        except StorageError as error:
            connection.close()
            raise StorageError(f"{self.path}: {error}") from None
        return connection

    def _reconcile_samples(self) -> None:
        """Make the sample tree match the samples table after a crash.

        A label is written file first, row second; a kill in between leaves a file (or a
        ``.partial``) no row knows: training would use it and /forget could not find it.
        """
        with self._transaction(write=False) as db:
            known = {self._samples.path(label, i) for i, label in db.execute(_ALL_SAMPLES)}
        removed = self._samples.remove_unknown(known)
        if removed:
            _LOGGER.warning("removed %d sample files left by an interrupted label", removed)

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

    def log_answer(self, user_id: int, chat_id: int, digits: Sequence[LoggedDigit]) -> Answer:
        """Record an answer about to be sent, each digit with its crop (kept until labelled).

        One transaction: a number's digits get consecutive prediction ids and one answer row,
        which is what its feedback buttons name. It counts in /stats once ``mark_sent``.
        """
        if not digits:
            raise ValueError("an answer has at least one digit")
        now = self._clock()
        with self._transaction() as db:
            cursor = db.execute(
                "INSERT INTO answers (created_at, digits, chat_id) VALUES (?, ?, ?)",
                (now, len(digits), chat_id),
            )
            answer_id = int(cursor.lastrowid or 0)
            ids = []
            for digit in digits:
                cursor = db.execute(
                    "INSERT INTO predictions"
                    " (created_at, user_id, chat_id, digit, confidence, answer_id)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    (now, user_id, chat_id, digit.digit, digit.confidence, answer_id),
                )
                ids.append(int(cursor.lastrowid or 0))
                db.execute(
                    "INSERT INTO pending_crops (prediction_id, created_at, png) VALUES (?, ?, ?)",
                    (ids[-1], now, digit.crop_png),
                )
            _delete_expired_crops(db, now)
        return Answer(answer_id, tuple(ids))

    def mark_sent(self, answer_id: int, message_id: int, update_id: int | None = None) -> None:
        """The answer reached the chat as ``message_id``: it counts, and its buttons are live.

        The update it answers is marked handled in the same commit: the moment between
        Telegram taking the answer and the bot recording it, when a crash means the update
        is answered again after the restart, is kept as short as it can be.
        """
        now = self._clock()
        with self._transaction() as db:
            db.execute(
                "UPDATE answers SET sent_at = ?, message_id = ? WHERE id = ?",
                (now, message_id, answer_id),
            )
            if update_id is not None:
                db.execute("UPDATE updates SET done_at = ? WHERE update_id = ?", (now, update_id))

    def press_matches(
        self, first_id: int, count: int, chat_id: int | None, message_id: int | None
    ) -> bool:
        """Whether ``count`` predictions from ``first_id`` are exactly one answer, in the chat
        and message the button was pressed in: a modified client can put any ids in a button.

        The message is known once the answer is marked sent (a press can come in between);
        answers logged before migration 2, or whose chat /forget erased, are checked by their
        ids alone.
        """
        with self._transaction(write=False) as db:
            row = db.execute(
                "SELECT a.digits, a.chat_id, a.message_id, MIN(p.id) FROM answers AS a"
                " JOIN predictions AS p ON p.answer_id = a.id"
                " WHERE a.id = (SELECT answer_id FROM predictions WHERE id = ?) GROUP BY a.id",
                (first_id,),
            ).fetchone()
        if row is None:
            return False
        digits, answer_chat, answer_message, first = row
        if (digits, first) != (count, first_id):
            return False
        if answer_chat is not None and answer_chat != chat_id:
            return False
        return answer_message is None or answer_message == message_id

    def purge_expired_crops(self) -> int:
        """Delete crops nobody labelled within PENDING_CROP_HOURS; returns how many.

        ``log_answer`` purges as it goes, but a bot nobody writes to logs nothing: this is
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
            message = explain_os_error(self._samples.root, error)
            raise StorageError(f"cannot write the sample file: {message}") from None
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
                "UPDATE answers SET chat_id = NULL, message_id = NULL WHERE id IN"
                " (SELECT answer_id FROM predictions WHERE user_id = ?)",
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
        """Answers sent (a number is one answer) and answers labelled in full: a number is
        right only if every one of its digits was."""
        since = self._clock() - 24 * 3600
        with self._transaction(write=False) as db:
            total, last_day = db.execute(
                "SELECT COUNT(*), COALESCE(SUM(sent_at >= ?), 0) FROM answers"
                " WHERE sent_at IS NOT NULL",
                (since,),
            ).fetchone()
            feedback, correct = db.execute(
                "SELECT COUNT(*), COALESCE(SUM(correct), 0) FROM ("
                " SELECT MIN(s.label = s.predicted) AS correct FROM answers AS a"
                " JOIN predictions AS p ON p.answer_id = a.id"
                " JOIN samples AS s ON s.prediction_id = p.id"
                " GROUP BY a.id HAVING COUNT(s.id) = a.digits)"
            ).fetchone()
        return Usage(total, last_day, feedback, correct)

    # -- the update inbox: updates kept from their arrival until they are handled --------------

    def keep_updates(self, updates: Sequence[tuple[int, str]]) -> None:
        """Store (update_id, JSON) pairs durably; an update already kept is left as it is."""
        now = self._clock()
        with self._transaction() as db:
            db.executemany(
                "INSERT OR IGNORE INTO updates (update_id, received_at, payload) VALUES (?, ?, ?)",
                [(update_id, now, payload) for update_id, payload in updates],
            )
            db.execute(
                "DELETE FROM updates WHERE done_at < ?", (now - HANDLED_UPDATES_KEPT_SECONDS,)
            )

    def update_done(self, update_id: int) -> bool:
        """Whether this update was handled already (Telegram may deliver it again)."""
        with self._transaction(write=False) as db:
            row = db.execute(
                "SELECT done_at FROM updates WHERE update_id = ?", (update_id,)
            ).fetchone()
        return row is not None and row[0] is not None

    def finish_update(self, update_id: int) -> None:
        with self._transaction() as db:
            db.execute(
                "UPDATE updates SET done_at = ? WHERE update_id = ?", (self._clock(), update_id)
            )

    def unfinished_updates(self) -> tuple[list[tuple[int, str]], int]:
        """Updates received but not handled (the bot stopped or crashed first), oldest first,
        and how many were given up: an update replayed MAX_REPLAYS times without being handled
        may be what kills the bot, and must not do so at every start."""
        now = self._clock()
        with self._transaction() as db:
            db.execute("UPDATE updates SET replays = replays + 1 WHERE done_at IS NULL")
            given_up = db.execute(
                "UPDATE updates SET done_at = ? WHERE done_at IS NULL AND replays > ?",
                (now, MAX_REPLAYS),
            ).rowcount
            pending = db.execute(
                "SELECT update_id, payload FROM updates WHERE done_at IS NULL ORDER BY update_id"
            ).fetchall()
        return pending, given_up


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


_ALL_SAMPLES = "SELECT id, label FROM samples"


def _check_writable(connection: sqlite3.Connection) -> None:
    """A real write, so a read-only file or folder is found at start-up, not on a photo."""
    (version,) = connection.execute("PRAGMA user_version").fetchone()
    connection.executescript(f"BEGIN IMMEDIATE; PRAGMA user_version = {version}; COMMIT;")


def probe_writable(folder: Path) -> None:
    """Create ``folder`` if needed and write and remove a file in it; raises OSError if the
    folder is read-only, full or not ours. Start-up and the health check both ask."""
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryFile(dir=folder) as probe:
        probe.write(b"probe")
        probe.flush()
        os.fsync(probe.fileno())


def explain_os_error(path: Path, error: OSError) -> str:
    """An operator's reading of a failed file operation: disk full and read-only first."""
    if error.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return f"disk full: cannot write in {path} ({error.strerror})"
    if error.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return f"{path} is not writable ({error.strerror}): check the data folder's permissions"
    return f"cannot write in {path}: {error}"


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


def _disk_full(path: Path) -> bool:
    """SQLite reports some failed writes only as "disk I/O error"; the free space tells."""
    try:
        return shutil.disk_usage(path.parent).free < DISK_FULL_BELOW_BYTES
    except OSError:
        return False


def _explain(path: Path, error: sqlite3.Error) -> str:
    text = str(error)
    if "disk is full" in text or ("disk I/O" in text and _disk_full(path)):
        return f"disk full: the database {path} cannot grow ({text}); free some space"
    if "readonly" in text or "read-only" in text:
        return f"the database {path} is not writable ({text}): check the data folder's permissions"
    if "locked" in text or "busy" in text:
        return f"the database {path} is locked by another process ({text}); try again shortly"
    if isinstance(error, sqlite3.DatabaseError) and not isinstance(error, sqlite3.OperationalError):
        return (
            f"the database {path} is damaged ({text}): restore it from a backup, "
            "or move it aside to start with an empty one"
        )
    return f"database error in {path}: {text}"
