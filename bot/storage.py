"""The bot's database: prediction log, crops awaiting a label, and labelled samples.

One set of SQLAlchemy Core queries for SQLite (the default, a file in DATA_DIR) and PostgreSQL
(``DATABASE_URL``); ``bot.database`` opens the engine and migrates the schema, ``bot.schema``
describes the tables. Every method is one short transaction, safe to call from worker threads
(``asyncio.to_thread``): each takes a pooled connection of its own.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from sqlalchemy import Connection, delete, func, insert, select, update
from sqlalchemy.engine import URL
from sqlalchemy.exc import SQLAlchemyError

from bot.database import StorageError, explain, open_engine, shown, url_for
from bot.samples import SampleFiles
from bot.schema import pending_crops, predictions, samples

__all__ = ["PENDING_CROP_HOURS", "LabelStatus", "StorageError", "Store", "Usage"]

PENDING_CROP_HOURS = 48
"""How long the crop of an unlabelled answer is kept so its owner can still press a button."""


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
        self,
        database: str | Path | URL,
        sample_files: SampleFiles,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """``database``: a SQLAlchemy URL, a DATABASE_URL string or a SQLite file path.

        Raises StorageError if it cannot be opened or migrated.
        """
        self.url = database if isinstance(database, URL) else url_for(database)
        self._samples = sample_files
        self._clock = clock
        self.engine = open_engine(self.url)

    def close(self) -> None:
        self.engine.dispose()

    def __str__(self) -> str:
        return shown(self.url)

    @contextmanager
    def _transaction(self) -> Iterator[Connection]:
        """One transaction; any failure rolls it back, database errors surface as StorageError."""
        try:
            with self.engine.begin() as connection:
                yield connection
        except SQLAlchemyError as error:
            raise StorageError(explain(self.url, error)) from None

    def log_prediction(
        self, user_id: int, chat_id: int, digit: int, confidence: float, crop_png: bytes
    ) -> int:
        """Record an answer and keep its crop until labelled; returns the prediction id."""
        now = self._clock()
        with self._transaction() as db:
            result = db.execute(
                insert(predictions).values(
                    created_at=now,
                    user_id=user_id,
                    chat_id=chat_id,
                    digit=digit,
                    confidence=confidence,
                )
            )
            prediction_id = int(result.inserted_primary_key[0])
            db.execute(
                insert(pending_crops).values(
                    prediction_id=prediction_id, created_at=now, png=crop_png
                )
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
        with self._transaction() as db:
            return _label_row(db, prediction_id, user_id)[0]

    def save_label(self, prediction_id: int, user_id: int, label: int | None) -> LabelStatus:
        """Turn a pending crop into a labelled sample (row and PNG file) if its owner asks.

        ``label=None`` confirms the model's own answer. The file is written inside the
        transaction and removed again if the commit fails, so training never picks up a sample
        the database does not know about. The prediction's row is locked first (PostgreSQL;
        SQLite's writers are serialised anyway), so two presses at once label it once.
        """
        written: tuple[int, int] | None = None
        try:
            with self._transaction() as db:
                db.execute(
                    select(predictions.c.id)
                    .where(predictions.c.id == prediction_id)
                    .with_for_update()
                )
                status, predicted, png = _label_row(db, prediction_id, user_id)
                if status is not LabelStatus.OPEN:
                    return status
                final = predicted if label is None else label
                result = db.execute(
                    insert(samples).values(
                        prediction_id=prediction_id,
                        user_id=user_id,
                        label=final,
                        predicted=predicted,
                        created_at=self._clock(),
                    )
                )
                db.execute(
                    delete(pending_crops).where(pending_crops.c.prediction_id == prediction_id)
                )
                written = (final, int(result.inserted_primary_key[0]))
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
            found = db.execute(
                select(samples.c.id, samples.c.label).where(samples.c.user_id == user_id)
            ).all()
            db.execute(delete(samples).where(samples.c.user_id == user_id))
            theirs = select(predictions.c.id).where(predictions.c.user_id == user_id)
            db.execute(delete(pending_crops).where(pending_crops.c.prediction_id.in_(theirs)))
            db.execute(
                update(predictions)
                .where(predictions.c.user_id == user_id)
                .values(user_id=None, chat_id=None)
            )
            try:
                for sample_id, label in found:
                    self._samples.delete(label, sample_id)
            except OSError as error:
                raise StorageError(f"cannot delete a sample file: {error}") from None
        return len(found)

    def usage(self) -> Usage:
        since = self._clock() - 24 * 3600
        with self._transaction() as db:
            total, last_day = db.execute(
                select(
                    func.count(), func.count().filter(predictions.c.created_at >= since)
                ).select_from(predictions)
            ).one()
            feedback, correct = db.execute(
                select(
                    func.count(), func.count().filter(samples.c.label == samples.c.predicted)
                ).select_from(samples)
            ).one()
        return Usage(total, last_day, feedback, correct)


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
