"""The bot's database: prediction log, crops awaiting a label, and labelled samples (crops
included, so every replica sharing the database reaches them).

One set of SQLAlchemy Core queries for SQLite (the default, a file in DATA_DIR) and PostgreSQL
(``DATABASE_URL``); ``bot.database`` opens the engine and migrates the schema, ``bot.schema``
describes the tables. Every method is one short transaction, safe to call from worker threads
(``asyncio.to_thread``): each takes a pooled connection of its own.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import tempfile
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from enum import Enum
from itertools import groupby
from operator import itemgetter
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, case, delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL, CursorResult
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from bot import samples as sample_tree
from bot.database import StorageError, explain, open_engine, probe_engine, shown, url_for
from bot.ratelimit import Verdict
from bot.schema import answers, pending_crops, predictions, rate_limits, samples, updates

__all__ = [
    "PENDING_CROP_HOURS",
    "Answer",
    "AnswerRow",
    "LabelStatus",
    "LoggedDigit",
    "StorageError",
    "Store",
    "Usage",
    "explain_os_error",
    "probe_database",
    "probe_writable",
]

_LOGGER = logging.getLogger(__name__)

PENDING_CROP_HOURS = 48
"""How long the crop of an unlabelled answer is kept so its owner can still press a button."""

CLAIM_SECONDS = 15.0
"""How long a replica's claim on a stored update holds unless renewed (``renew_claims``): a
replica that died leaves its updates to the others after at most this long."""

MAX_REPLAYS = 3
"""Times one unhandled update may be claimed again (a restart, a take-over) before it is given
up: it may be what kills the bot, and must not do so at every start."""

TAKE_OVER_BATCH = 100
"""Lapsed updates one look (each replica's, every few seconds) takes over at most, so the living
replicas share a dead one's backlog."""

HANDLED_UPDATES_KEPT_SECONDS = 24 * 3600
"""Handled updates are remembered this long, so one Telegram delivers again is not re-answered."""


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
    """One digit of an answer as it is logged: the reading, the 28x28 crop (PNG) and the row
    (line of writing, 0 = the top) it was read in, which its feedback buttons go by."""

    digit: int
    confidence: float
    crop_png: bytes
    row: int = 0


@dataclass(frozen=True)
class AnswerRow:
    """One row (line of writing) of a logged answer, as its feedback buttons name it."""

    prediction_ids: tuple[int, ...]
    """Its digits' ids, left to right: consecutive when it was logged in one go."""
    labelled: bool
    """Whether any of its digits has a label: a row is labelled as a whole, so it is done."""


@dataclass(frozen=True)
class Answer:
    """A logged answer: its id and its digits' prediction ids (consecutive, row after row, each
    row left to right), and the same ids row by row, as its feedback buttons name them."""

    id: int
    prediction_ids: tuple[int, ...]
    rows: tuple[AnswerRow, ...]


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
    """All reads and writes of the database."""

    def __init__(
        self,
        database: str | Path | URL,
        clock: Callable[[], float] = time.time,
        replica: str = "bot",
        old_samples: Path | None = None,
    ) -> None:
        """``database``: a SQLAlchemy URL, a DATABASE_URL string or a SQLite file path;
        ``replica``: this process's name among the replicas sharing the database, stable
        across its restarts (``REPLICA_ID``); ``old_samples``: where a bot before revision
        0006 kept sample files (``DATA_DIR/samples``), moved into the database now.

        Raises StorageError if it cannot be opened or migrated.
        """
        self.url = database if isinstance(database, URL) else url_for(database)
        self.replica = replica
        self._clock = clock
        if self.url.get_backend_name() == "sqlite" and self.url.database:
            folder = Path(self.url.database).parent
            try:
                probe_writable(folder)
            except OSError as error:
                raise StorageError(explain_os_error(folder, error)) from None
        self.engine = open_engine(self.url)
        try:
            self._check_writable()
            if old_samples is not None and old_samples.is_dir():
                self._take_in_sample_files(old_samples)
        except OSError as error:
            self.engine.dispose()
            assert old_samples is not None, "only the sample files touch the disk here"
            raise StorageError(explain_os_error(old_samples, error)) from None
        except StorageError:
            self.engine.dispose()
            raise

    def _check_writable(self) -> None:
        """A real write, so a read-only database is found at start-up, not on a photo."""
        with self.transaction() as db:
            _write_nothing(db)

    def _take_in_sample_files(self, folder: Path) -> int:
        """Move a pre-0006 sample tree into the database: each file fills its row's ``png``,
        then every file goes (one no row knows was left by a label interrupted between file
        and row). Returns how many were taken in; run again after a crash, it goes on."""
        taken = 0
        files = list(sample_tree.found(folder))
        with self.transaction() as db:
            for sample_id, digit, path in files:
                taken += db.execute(
                    update(samples)
                    .where(samples.c.id == sample_id, samples.c.label == digit)
                    .where(samples.c.png.is_(None))
                    .values(png=path.read_bytes())
                ).rowcount
        for leftover in folder.glob("[0-9]/*"):
            leftover.unlink(missing_ok=True)
        for digit_folder in folder.glob("[0-9]"):
            digit_folder.rmdir()
        folder.rmdir()
        _LOGGER.info("moved %d sample files from %s into the database", taken, folder)
        return taken

    def close(self) -> None:
        self.engine.dispose()

    def shrink_journal(self) -> None:
        """On SQLite, fold the write-ahead log into the database file and truncate it.

        After megabytes of blobs (a model version) the WAL file would otherwise keep that size:
        SQLite reuses it rather than giving the space back. Outside any transaction, as SQLite
        requires; a busy database just keeps its WAL until the next checkpoint."""
        if self.url.get_backend_name() != "sqlite":
            return
        connection = self.engine.raw_connection()
        try:
            connection.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # type: ignore[union-attr]
        finally:
            connection.close()

    def __str__(self) -> str:
        return shown(self.url)

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """One transaction; any failure rolls it back, database errors surface as StorageError."""
        try:
            with self.engine.begin() as connection:
                yield connection
        except SQLAlchemyError as error:
            raise StorageError(explain(self.url, error)) from None

    def log_answer(self, user_id: int, chat_id: int, digits: Sequence[LoggedDigit]) -> Answer:
        """Record an answer about to be sent, each digit with its crop (kept until labelled).

        One transaction: a number's digits, given row after row, get consecutive prediction ids
        and one answer row; each row's ids are what its feedback buttons name. It counts in
        /stats once ``mark_sent``.
        """
        if not digits:
            raise ValueError("an answer has at least one digit")
        now = self._clock()
        with self.transaction() as db:
            _lock_prediction_ids(db)
            result = db.execute(
                insert(answers).values(created_at=now, digits=len(digits), chat_id=chat_id)
            )
            answer_id = _new_id(result)
            ids = []
            for digit in digits:
                result = db.execute(
                    insert(predictions).values(
                        created_at=now,
                        user_id=user_id,
                        chat_id=chat_id,
                        digit=digit.digit,
                        confidence=digit.confidence,
                        answer_id=answer_id,
                        row_index=digit.row,
                    )
                )
                ids.append(_new_id(result))
                db.execute(
                    insert(pending_crops).values(
                        prediction_id=ids[-1], created_at=now, png=digit.crop_png
                    )
                )
            _delete_expired_crops(db, now)
        rows = groupby(zip(digits, ids, strict=True), key=lambda logged: logged[0].row)
        return Answer(
            answer_id,
            tuple(ids),
            tuple(AnswerRow(tuple(i for _, i in row), labelled=False) for _, row in rows),
        )

    def mark_sent(self, answer_id: int, message_id: int, update_id: int | None = None) -> None:
        """The answer reached the chat as ``message_id``: it counts, and its buttons are live.

        ``update_id``, the update it answers, is marked handled in the same transaction: a
        crash after this never answers it a second time (before, the answer was not sent).
        """
        now = self._clock()
        with self.transaction() as db:
            db.execute(
                update(answers)
                .where(answers.c.id == answer_id)
                .values(sent_at=now, message_id=message_id)
            )
            if update_id is not None:
                db.execute(
                    update(updates).where(updates.c.update_id == update_id).values(done_at=now)
                )

    def answer_rows(
        self, prediction_id: int, chat_id: int | None, message_id: int | None
    ) -> tuple[AnswerRow, ...]:
        """The rows of the answer holding ``prediction_id``, top to bottom, if that answer is
        the one shown in the chat and message a button was pressed in; else ``()``.

        A modified client can put any ids in a button: the handlers accept a press only if it
        names exactly one of these rows. The message is known once the answer is marked sent
        (a press can come in between); answers logged before revision 0002, or whose chat
        /forget erased, are checked by their ids alone.
        """
        answer_of = (
            select(predictions.c.answer_id).where(predictions.c.id == prediction_id)
        ).scalar_subquery()
        with self.transaction() as db:
            found = db.execute(
                select(
                    predictions.c.row_index,
                    predictions.c.id,
                    samples.c.id.is_not(None),
                    answers.c.chat_id,
                    answers.c.message_id,
                )
                .select_from(
                    answers.join(predictions, predictions.c.answer_id == answers.c.id).outerjoin(
                        samples, samples.c.prediction_id == predictions.c.id
                    )
                )
                .where(answers.c.id == answer_of)
                .order_by(predictions.c.row_index, predictions.c.id)
            ).all()
        if not found or not _shown_in(found[0][3:], chat_id, message_id):
            return ()
        return tuple(
            AnswerRow(tuple(row[1] for row in rows), any(row[2] for row in rows))
            for rows in (list(group) for _, group in groupby(found, key=itemgetter(0)))
        )

    def purge_expired_crops(self) -> int:
        """Delete crops nobody labelled within PENDING_CROP_HOURS; returns how many.

        ``log_answer`` purges as it goes, but a bot nobody writes to logs nothing: this is
        called at start-up and periodically so /privacy's promise holds when the bot is quiet.
        """
        with self.transaction() as db:
            return _delete_expired_crops(db, self._clock())

    def label_status(self, prediction_id: int, user_id: int) -> LabelStatus:
        """Checked before showing the keypad, so only the owner can open it."""
        with self.transaction() as db:
            return _label_row(db, prediction_id, user_id)[0]

    def save_label(self, prediction_id: int, user_id: int, label: int | None) -> LabelStatus:
        """Turn a pending crop into a labelled sample, crop included, if its owner asks.

        ``label=None`` confirms the model's own answer. The prediction's row is locked first
        (PostgreSQL; SQLite's writers are serialised anyway), so two presses at once label it
        once.
        """
        with self.transaction() as db:
            db.execute(
                select(predictions.c.id).where(predictions.c.id == prediction_id).with_for_update()
            )
            status, predicted, png = _label_row(db, prediction_id, user_id)
            if status is not LabelStatus.OPEN:
                return status
            final = predicted if label is None else label
            db.execute(
                insert(samples).values(
                    prediction_id=prediction_id,
                    user_id=user_id,
                    label=final,
                    predicted=predicted,
                    created_at=self._clock(),
                    png=png,
                )
            )
            db.execute(delete(pending_crops).where(pending_crops.c.prediction_id == prediction_id))
        return LabelStatus.SAVED

    def forget_user(self, user_id: int) -> int:
        """Delete a user's samples and crops, and unlink them from the prediction log; returns
        how many samples went. One transaction: if anything fails, nothing is gone and the
        user can retry."""
        with self.transaction() as db:
            forgotten = db.execute(delete(samples).where(samples.c.user_id == user_id)).rowcount
            theirs = select(predictions.c.id).where(predictions.c.user_id == user_id)
            db.execute(delete(pending_crops).where(pending_crops.c.prediction_id.in_(theirs)))
            their_answers = select(predictions.c.answer_id).where(predictions.c.user_id == user_id)
            db.execute(
                update(answers)
                .where(answers.c.id.in_(their_answers))
                .values(chat_id=None, message_id=None)
            )
            db.execute(
                update(predictions)
                .where(predictions.c.user_id == user_id)
                .values(user_id=None, chat_id=None)
            )
        return forgotten

    def export_samples(self, folder: Path) -> int:
        """Write every labelled sample as ``folder/<digit>/<id>.png`` for training to read;
        returns how many. Raises StorageError, or OSError for the folder."""
        with self.transaction() as db:
            rows = db.execute(
                select(samples.c.id, samples.c.label, samples.c.png)
                .where(samples.c.png.is_not(None))
                .order_by(samples.c.id)
            ).all()
        return sample_tree.write_tree(folder, ((i, label, bytes(png)) for i, label, png in rows))

    def sample_ids(self) -> list[int]:
        """The ids of the labelled samples training could learn from, oldest first."""
        with self.transaction() as db:
            return list(
                db.execute(
                    select(samples.c.id).where(samples.c.png.is_not(None)).order_by(samples.c.id)
                ).scalars()
            )

    def usage(self) -> Usage:
        """Answers sent (a number is one answer) and answers labelled in full: a number is
        right only if every one of its digits was."""
        since = self._clock() - 24 * 3600
        right = case((samples.c.label == samples.c.predicted, 1), else_=0)
        labelled = (
            select(func.min(right).label("correct"))
            .select_from(
                answers.join(predictions, predictions.c.answer_id == answers.c.id).join(
                    samples, samples.c.prediction_id == predictions.c.id
                )
            )
            .group_by(answers.c.id, answers.c.digits)
            .having(func.count(samples.c.id) == answers.c.digits)
            .subquery()
        )
        with self.transaction() as db:
            total, last_day = db.execute(
                select(func.count(), func.count().filter(answers.c.sent_at >= since)).where(
                    answers.c.sent_at.is_not(None)
                )
            ).one()
            feedback, correct = db.execute(
                select(func.count(), func.coalesce(func.sum(labelled.c.correct), 0))
            ).one()
        return Usage(total, last_day, feedback, int(correct))

    # -- the update inbox: updates kept from their arrival until they are handled --------------

    def keep_updates(self, kept: Sequence[tuple[int, str]]) -> set[int]:
        """Store (update_id, JSON) pairs durably; returns the ids this replica is to answer.

        A new update is claimed by this replica. One kept before (Telegram sent it again,
        e.g. after a lost 200) stays as it is unless its claim lapsed: it is answered by the
        replica holding it, or was answered already, and must not be answered twice.
        """
        now = self._clock()
        ids = [update_id for update_id, _ in kept]
        with self.transaction() as db:
            dialect_insert = postgresql.insert if db.dialect.name == "postgresql" else sqlite.insert
            db.execute(
                dialect_insert(updates).on_conflict_do_nothing(index_elements=["update_id"]),
                [
                    {"update_id": update_id, "received_at": now, "payload": payload}
                    for update_id, payload in kept
                ],
            )
            lapsed = updates.c.claimed_until.is_(None) | (updates.c.claimed_until < now)
            unfinished = updates.c.update_id.in_(ids) & updates.c.done_at.is_(None)
            db.execute(
                update(updates)
                .where(unfinished, lapsed | (updates.c.claimed_by == self.replica))
                .values(claimed_by=self.replica, claimed_until=now + CLAIM_SECONDS)
            )
            ours = set(
                db.execute(
                    select(updates.c.update_id).where(
                        unfinished, updates.c.claimed_by == self.replica
                    )
                ).scalars()
            )
            db.execute(
                delete(updates).where(updates.c.done_at < now - HANDLED_UPDATES_KEPT_SECONDS)
            )
        return ours

    def update_done(self, update_id: int) -> bool:
        """Whether this update was handled already (Telegram may deliver it again)."""
        with self.transaction() as db:
            done = db.execute(
                select(updates.c.done_at).where(updates.c.update_id == update_id)
            ).first()
        return done is not None and done[0] is not None

    def finish_update(self, update_id: int) -> None:
        with self.transaction() as db:
            db.execute(
                update(updates)
                .where(updates.c.update_id == update_id)
                .values(done_at=self._clock())
            )

    def rate_check(
        self,
        user_id: int,
        judge: Callable[[deque[float], float], tuple[Verdict, float]],
    ) -> Verdict:
        """Apply ``judge`` (``bot.ratelimit.judge``) to the user's recent message times and
        save what it leaves, with the user's row locked meanwhile."""
        with self.transaction() as db:
            for attempt in range(2):
                row = db.execute(
                    select(rate_limits.c.times, rate_limits.c.told_until)
                    .where(rate_limits.c.user_id == user_id)
                    .with_for_update()
                ).first()
                if row is not None:
                    break
                try:
                    with db.begin_nested():
                        db.execute(
                            insert(rate_limits).values(user_id=user_id, times="[]", told_until=0)
                        )
                except IntegrityError:
                    if attempt:
                        raise
            assert row is not None
            recent = deque(float(t) for t in json.loads(row.times))
            verdict, told_until = judge(recent, float(row.told_until))
            db.execute(
                update(rate_limits)
                .where(rate_limits.c.user_id == user_id)
                .values(times=json.dumps(list(recent)), told_until=told_until)
            )
        return verdict

    def renew_claims(self) -> int:
        """Extend this replica's claims on the updates it has not finished; returns how many."""
        now = self._clock()
        with self.transaction() as db:
            return db.execute(
                update(updates)
                .where(updates.c.claimed_by == self.replica, updates.c.done_at.is_(None))
                .values(claimed_until=now + CLAIM_SECONDS)
            ).rowcount

    def release_updates(self, update_ids: Sequence[int]) -> None:
        """Updates claimed again but left untried by a stop: that claim does not count towards
        MAX_REPLAYS, or a few restarts in a row during a backlog would give up updates that
        were never tried. They stay claimed by this replica."""
        if not update_ids:
            return
        with self.transaction() as db:
            db.execute(
                update(updates)
                .where(updates.c.update_id.in_(update_ids), updates.c.replays > 0)
                .values(replays=updates.c.replays - 1)
            )

    def claim_unfinished(
        self, *, mine: bool, limit: int = TAKE_OVER_BATCH
    ) -> tuple[list[tuple[int, str]], int]:
        """Claim stored updates nobody finished whose claim lapsed (a replica died or
        stopped) and, with ``mine``, this replica's own from before a restart; oldest first.
        Also returns how many were given up instead (claimed again more than MAX_REPLAYS
        times without being handled).

        With ``mine`` (at start-up) every one of them: this replica keeps renewing its claims
        from then on, so one of its own left unclaimed now would never lapse to anyone. Else
        at most ``limit``; the rest stay lapsed for the next look.

        Rows being claimed by another replica at the same moment are skipped, not waited for
        (PostgreSQL's ``FOR UPDATE SKIP LOCKED``; SQLite has one writer at a time anyway), so
        each update goes to exactly one replica.
        """
        now = self._clock()
        lapsed = updates.c.claimed_until.is_(None) | (updates.c.claimed_until < now)
        claimable = (lapsed | (updates.c.claimed_by == self.replica)) if mine else lapsed
        with self.transaction() as db:
            rows = db.execute(
                select(updates.c.update_id, updates.c.payload, updates.c.replays)
                .where(updates.c.done_at.is_(None), claimable)
                .order_by(updates.c.update_id)
                .limit(None if mine else limit)
                .with_for_update(skip_locked=True)
            ).all()
            given_up = [update_id for update_id, _, replays in rows if replays >= MAX_REPLAYS]
            claimed = [
                (update_id, payload)
                for update_id, payload, replays in rows
                if replays < MAX_REPLAYS
            ]
            if given_up:
                db.execute(
                    update(updates).where(updates.c.update_id.in_(given_up)).values(done_at=now)
                )
            if claimed:
                db.execute(
                    update(updates)
                    .where(updates.c.update_id.in_([update_id for update_id, _ in claimed]))
                    .values(
                        claimed_by=self.replica,
                        claimed_until=now + CLAIM_SECONDS,
                        replays=updates.c.replays + 1,
                    )
                )
        return claimed, len(given_up)


def _new_id(result: CursorResult[Any]) -> int:
    """The id the database gave the row an INSERT just added."""
    key = result.inserted_primary_key
    assert key is not None, "an INSERT of one row has a primary key"
    return int(key[0])


def _shown_in(where: Sequence[int | None], chat_id: int | None, message_id: int | None) -> bool:
    """Whether an answer stored as (chat, message) is the one in this chat and message; an
    unknown chat or message (see ``answer_rows``) matches any."""
    answer_chat, answer_message = where
    if answer_chat is not None and answer_chat != chat_id:
        return False
    return answer_message is None or answer_message == message_id


_PREDICTION_IDS_LOCK = 0x64696769
"""PostgreSQL advisory lock key ("digi") held while one answer takes its prediction ids."""


def _lock_prediction_ids(db: Connection) -> None:
    """Let one replica at a time take prediction ids, so each answer's ids stay consecutive.

    PostgreSQL hands sequence values to concurrent transactions interleaved; the lock lasts
    until the transaction ends (milliseconds). SQLite's writers are serialised already.
    """
    if db.dialect.name == "postgresql":
        db.execute(select(func.pg_advisory_xact_lock(_PREDICTION_IDS_LOCK)))


def _delete_expired_crops(db: Connection, now: float) -> int:
    """The one definition of "expired", shared by every path that purges."""
    cutoff = now - PENDING_CROP_HOURS * 3600
    return db.execute(delete(pending_crops).where(pending_crops.c.created_at < cutoff)).rowcount


def _label_row(db: Connection, prediction_id: int, user_id: int) -> tuple[LabelStatus, int, bytes]:
    """The answer's status for this user, with its predicted digit and crop when it is open."""
    row = db.execute(
        select(predictions.c.user_id, predictions.c.digit, pending_crops.c.png, samples.c.id)
        .select_from(
            predictions.outerjoin(
                pending_crops, pending_crops.c.prediction_id == predictions.c.id
            ).outerjoin(samples, samples.c.prediction_id == predictions.c.id)
        )
        .where(predictions.c.id == prediction_id)
    ).first()
    if row is None:
        return LabelStatus.UNKNOWN, 0, b""
    owner, predicted, png, sample_id = row
    if sample_id is not None:
        return LabelStatus.ALREADY_LABELLED, predicted, b""
    if png is None:
        return LabelStatus.EXPIRED, predicted, b""
    if owner != user_id:
        return LabelStatus.NOT_OWNER, predicted, b""
    return LabelStatus.OPEN, predicted, bytes(png)


def _write_nothing(db: Connection) -> None:
    """An update of no row (no answer has id -1): it takes the write lock and fails where a
    write would, and changes nothing."""
    db.execute(update(answers).where(answers.c.id == -1).values(sent_at=None))


def probe_database(database: str | Path | URL, timeout_seconds: int) -> None:
    """The write a Store makes at start-up, from a process that serves nothing (the health
    check): on a connection that gives up after ``timeout_seconds``, so an unreachable server
    fails the check quickly instead of hanging it. Raises StorageError, one line naming the
    database (never its password)."""
    url = database if isinstance(database, URL) else url_for(database)
    engine = probe_engine(url, timeout_seconds)
    try:
        with engine.begin() as db:
            _write_nothing(db)
    except SQLAlchemyError as error:
        raise StorageError(explain(url, error)) from None
    finally:
        engine.dispose()


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
