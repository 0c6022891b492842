"""Retrain runs recorded in the database: one at a time across every replica sharing it.

A replica claims the one slot (the unique ``active`` column) before it starts training, renews
its claim and writes its progress every ``REPORT_EVERY_SECONDS`` while it trains, and frees the
slot when the run ends. Another replica's /retrain is refused with that progress, and its
/retrain cancel sets a flag the running replica reads at its next report. A replica killed
mid-run stops renewing: after ``LEASE_SECONDS`` the slot is free again.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

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


class RetrainJobs:
    """The ``retrain_jobs`` rows of one database, seen from one replica."""

    def __init__(self, store: Store, clock: Callable[[], float] = time.time) -> None:
        self._store = store
        self._clock = clock

    def claim(self, mode: str, stage: str) -> int | None:
        """Take the one retrain slot for this replica; its job id, or None if a run holds it."""
        now = self._clock()
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

    def report(self, job_id: int, stage: str, epoch: int, epochs: int | None) -> bool:
        """Record the run's progress and renew its claim; whether a cancel was requested."""
        now = self._clock()
        with self._store.transaction() as db:
            db.execute(
                update(retrain_jobs)
                .where(retrain_jobs.c.id == job_id)
                .values(stage=stage, epoch=epoch, epochs=epochs, alive_until=now + LEASE_SECONDS)
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

    def finish(self, job_id: int, result: str) -> None:
        """Free the slot: the run ended with ``result``."""
        with self._store.transaction() as db:
            db.execute(
                update(retrain_jobs)
                .where(retrain_jobs.c.id == job_id)
                .values(active=None, finished_at=self._clock(), result=result)
            )

    def abandon_mine(self) -> int:
        """At start-up: this replica's run from before a crash is over; returns how many."""
        with self._store.transaction() as db:
            return db.execute(
                update(retrain_jobs)
                .where(retrain_jobs.c.active == 1, retrain_jobs.c.replica == self._store.replica)
                .values(active=None, finished_at=self._clock(), result=INTERRUPTED)
            ).rowcount


def _free_lapsed(db: Connection, now: float) -> None:
    db.execute(
        update(retrain_jobs)
        .where(retrain_jobs.c.active == 1, retrain_jobs.c.alive_until < now)
        .values(active=None, finished_at=now, result=INTERRUPTED)
    )
