"""Retrain runs recorded in the database: one at a time across every replica sharing it.

A replica claims the one slot (the unique ``active`` column) before a run starts: for itself,
or queued for the separate trainer (``bot.trainer``), which takes it. The runner renews the
claim and writes its progress every ``REPORT_EVERY_SECONDS``, and frees the slot when the run
ends. Another replica's /retrain is refused with that progress, and its /retrain cancel sets a
flag the runner reads at its next report. A runner killed mid-run, or a queued run no trainer
takes, stops being renewed: after ``LEASE_SECONDS`` the slot is free again.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.exc import IntegrityError

from bot.schema import retrain_jobs
from bot.storage import Store

REPORT_EVERY_SECONDS = 2.0
"""How often the running replica writes its progress and looks for a cancel request."""

LEASE_SECONDS = 60.0
"""A run not reported for this long is taken for dead (its replica was killed)."""

INTERRUPTED = "interrupted"
"""The result of a run whose replica died or stopped before it ended."""


@dataclass(frozen=True)
class RunningJob:
    """What another replica needs to answer "already running": where the run is."""

    id: int
    mode: str
    replica: str
    stage: str
    epoch: int
    epochs: int | None


@dataclass(frozen=True)
class ChatRequest:
    """Where a queued run is to be reported: the admin's chat, message and language."""

    chat_id: int
    message_id: int
    language: str


@dataclass(frozen=True)
class ReportRow:
    """A queued run as the replicas report it; ``active`` false once it ended."""

    id: int
    mode: str
    active: bool
    stage: str
    epoch: int
    epochs: int | None
    val_accuracy: float | None
    eta_s: float | None
    outcome: str | None
    chat_id: int
    request_message_id: int
    progress_message_id: int | None
    language: str
    shown: str | None


class RetrainJobs:
    """The ``retrain_jobs`` rows of one database, seen from one replica."""

    def __init__(self, store: Store, clock: Callable[[], float] = time.time) -> None:
        self._store = store
        self._clock = clock

    def claim(self, mode: str, stage: str, queued_for: ChatRequest | None = None) -> int | None:
        """Take the one retrain slot, for this replica or, with ``queued_for``, for the trainer
        to take (reported in that chat); its job id, or None if a run holds it."""
        now = self._clock()
        chat: dict[str, Any] = {"runner": self._store.replica}
        if queued_for is not None:
            chat = {
                "chat_id": queued_for.chat_id,
                "request_message_id": queued_for.message_id,
                "language": queued_for.language,
            }
        with self._store.transaction() as db:
            _free_lapsed(db, now)
            try:
                with db.begin_nested():
                    result = db.execute(
                        insert(retrain_jobs).values(
                            mode=mode,
                            replica=self._store.replica,
                            started_at=now,
                            alive_until=now + LEASE_SECONDS,
                            active=1,
                            stage=stage,
                            **chat,
                        )
                    )
            except IntegrityError:
                return None
        key = result.inserted_primary_key
        assert key is not None, "an INSERT of one row has a primary key"
        return int(key[0])

    def running(self) -> RunningJob | None:
        """The run holding the slot, unless its claim lapsed."""
        with self._store.transaction() as db:
            row = db.execute(
                select(
                    retrain_jobs.c.id,
                    retrain_jobs.c.mode,
                    retrain_jobs.c.replica,
                    retrain_jobs.c.stage,
                    retrain_jobs.c.epoch,
                    retrain_jobs.c.epochs,
                ).where(retrain_jobs.c.active == 1, retrain_jobs.c.alive_until >= self._clock())
            ).first()
        return None if row is None else RunningJob(*row)

    def take_queued(self) -> tuple[int, str] | None:
        """The trainer takes the queued run, if there is one: (job id, mode)."""
        now = self._clock()
        with self._store.transaction() as db:
            _free_lapsed(db, now)
            row = db.execute(
                select(retrain_jobs.c.id, retrain_jobs.c.mode)
                .where(retrain_jobs.c.active == 1, retrain_jobs.c.runner.is_(None))
                .with_for_update(skip_locked=True)
            ).first()
            if row is None:
                return None
            db.execute(
                update(retrain_jobs)
                .where(retrain_jobs.c.id == row.id)
                .values(runner=self._store.replica, alive_until=now + LEASE_SECONDS)
            )
        return int(row.id), str(row.mode)

    def report(
        self,
        job_id: int,
        *,
        stage: str,
        epoch: int,
        epochs: int | None,
        val_accuracy: float | None = None,
        eta_s: float | None = None,
    ) -> bool:
        """Record the run's progress and renew its claim; whether a cancel was requested."""
        now = self._clock()
        with self._store.transaction() as db:
            db.execute(
                update(retrain_jobs)
                .where(retrain_jobs.c.id == job_id)
                .values(
                    stage=stage,
                    epoch=epoch,
                    epochs=epochs,
                    val_accuracy=val_accuracy,
                    eta_s=eta_s,
                    alive_until=now + LEASE_SECONDS,
                )
            )
            wanted = db.execute(
                select(retrain_jobs.c.cancel_requested).where(retrain_jobs.c.id == job_id)
            ).scalar()
        return bool(wanted)

    def request_cancel(self) -> bool:
        """Ask the running replica to stop its run; False if none runs."""
        with self._store.transaction() as db:
            return bool(
                db.execute(
                    update(retrain_jobs)
                    .where(retrain_jobs.c.active == 1, retrain_jobs.c.alive_until >= self._clock())
                    .values(cancel_requested=True)
                ).rowcount
            )

    def finish(self, job_id: int, result: str, outcome: str | None = None) -> None:
        """Free the slot: the run ended with ``result`` (``outcome``: its JSON, for the chat)."""
        with self._store.transaction() as db:
            db.execute(
                update(retrain_jobs)
                .where(retrain_jobs.c.id == job_id)
                .values(active=None, finished_at=self._clock(), result=result, outcome=outcome)
            )

    def abandon_mine(self) -> int:
        """At start-up: the run this process ran before a crash is over; returns how many."""
        with self._store.transaction() as db:
            return db.execute(
                update(retrain_jobs)
                .where(retrain_jobs.c.active == 1, retrain_jobs.c.runner == self._store.replica)
                .values(active=None, finished_at=self._clock(), result=INTERRUPTED)
            ).rowcount

    def set_progress_message(self, job_id: int, message_id: int, shown: str) -> None:
        """The queued run's progress message was sent: the replicas edit it from now on."""
        with self._store.transaction() as db:
            db.execute(
                update(retrain_jobs)
                .where(retrain_jobs.c.id == job_id)
                .values(progress_message_id=message_id, shown=shown)
            )

    def to_report(self) -> list[ReportRow]:
        """Queued runs whose chat has something to hear: running with a progress message,
        or ended and not told yet. Frees lapsed runs first, so a dead trainer is reported."""
        columns = [
            retrain_jobs.c.active.is_not(None).label(name)
            if name == "active"
            else retrain_jobs.c[name]
            for name in ReportRow.__dataclass_fields__
        ]
        with self._store.transaction() as db:
            _free_lapsed(db, self._clock())
            rows = db.execute(
                select(*columns).where(
                    retrain_jobs.c.chat_id.is_not(None),
                    retrain_jobs.c.reported_at.is_(None),
                    (retrain_jobs.c.active.is_(None))
                    | retrain_jobs.c.progress_message_id.is_not(None),
                )
            ).all()
        return [ReportRow(*row) for row in rows]

    def mark_shown(self, job_id: int, before: str | None, text: str) -> bool:
        """Claim showing ``text`` in place of ``before``: True for exactly one replica."""
        shown = retrain_jobs.c.shown
        unchanged = shown.is_(None) if before is None else shown == before
        with self._store.transaction() as db:
            return bool(
                db.execute(
                    update(retrain_jobs)
                    .where(retrain_jobs.c.id == job_id, unchanged)
                    .values(shown=text)
                ).rowcount
            )

    def mark_reported(self, job_id: int) -> bool:
        """Claim telling the run's end: True for exactly one replica."""
        with self._store.transaction() as db:
            return bool(
                db.execute(
                    update(retrain_jobs)
                    .where(retrain_jobs.c.id == job_id, retrain_jobs.c.reported_at.is_(None))
                    .values(reported_at=self._clock())
                ).rowcount
            )


def _free_lapsed(db: Connection, now: float) -> None:
    db.execute(
        update(retrain_jobs)
        .where(retrain_jobs.c.active == 1, retrain_jobs.c.alive_until < now)
        .values(active=None, finished_at=now, result=INTERRUPTED)
    )
