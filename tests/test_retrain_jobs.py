"""The retrain slot in the database: one run at a time across replicas, its progress and a
cancel request seen by the others, and a dead replica's run freed; on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.retrain.jobs import INTERRUPTED, LEASE_SECONDS, ChatRequest, RetrainJobs, RunningJob
from bot.schema import retrain_jobs
from bot.storage import Store


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> str | Path:
    if request.param == "sqlite":
        return tmp_path / "db.sqlite3"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def replicas(database: str | Path) -> Iterator[tuple[Store, Store]]:
    """Two replicas' stores on one database."""
    first, second = Store(database, replica="a"), Store(database, replica="b")
    yield first, second
    first.close()
    second.close()


def test_one_run_at_a_time_across_replicas(replicas: tuple[Store, Store]) -> None:
    clock = Clock()
    a, b = (RetrainJobs(store, clock) for store in replicas)
    job = a.claim("full", "starting")
    assert job is not None
    assert b.claim("quick", "starting") is None, "the other replica is refused"
    assert a.claim("quick", "starting") is None, "and so is a second run on the same one"
    assert a.report(job, stage="training", epoch=2, epochs=5) is False
    assert b.running() == RunningJob(job, "full", "a", "training", 2, 5)
    a.finish(job, "served")
    assert b.running() is None
    assert b.claim("quick", "starting") is not None, "free again once it ended"


def test_a_cancel_on_another_replica_reaches_the_running_one(
    replicas: tuple[Store, Store],
) -> None:
    a, b = (RetrainJobs(store) for store in replicas)
    assert b.request_cancel() is False, "nothing runs"
    job = a.claim("full", "starting")
    assert job is not None
    assert b.request_cancel() is True
    assert a.report(job, stage="training", epoch=1, epochs=5) is True


def test_a_dead_replicas_run_is_freed(replicas: tuple[Store, Store]) -> None:
    clock = Clock()
    a, b = (RetrainJobs(store, clock) for store in replicas)
    assert a.claim("full", "starting") is not None
    clock.now += LEASE_SECONDS - 1
    assert b.claim("full", "starting") is None, "still within its lease"
    clock.now += 2
    assert b.running() is None
    assert b.claim("full", "starting") is not None, "not renewed for a lease: taken for dead"


def test_a_restarted_replica_ends_its_own_interrupted_run(replicas: tuple[Store, Store]) -> None:
    a, b = (RetrainJobs(store) for store in replicas)
    job = a.claim("quick", "training")
    assert job is not None
    assert b.abandon_mine() == 0, "not another replica's to end"
    assert a.abandon_mine() == 1
    assert b.running() is None
    with replicas[0].engine.connect() as db:
        result = db.execute(select(retrain_jobs.c.result).where(retrain_jobs.c.id == job)).scalar()
    assert result == INTERRUPTED


def test_a_queued_run_is_taken_by_one_trainer_and_reported_by_one_replica(
    replicas: tuple[Store, Store], database: str | Path
) -> None:
    clock = Clock()
    a, b = (RetrainJobs(store, clock) for store in replicas)
    job = a.claim("full", "starting", queued_for=ChatRequest(7, 70, "ru"))
    assert job is not None
    assert a.to_report() == [], "nothing to tell before its progress message is sent"
    a.set_progress_message(job, 71, "queued")
    trainer_store = Store(database, replica="trainer")
    try:
        trainer, other_trainer = RetrainJobs(trainer_store, clock), RetrainJobs(replicas[1], clock)
        assert trainer.take_queued() == (job, "full")
        assert other_trainer.take_queued() is None, "taken once"
        trainer.report(job, stage="training", epoch=1, epochs=3, val_accuracy=0.9, eta_s=20)
        [row] = b.to_report()
        assert (row.active, row.epoch, row.val_accuracy, row.language) == (True, 1, 0.9, "ru")
        assert a.mark_shown(job, "queued", "epoch 1") is True
        assert b.mark_shown(job, "queued", "epoch 1") is False, "the other replica edited it"
        trainer.finish(job, "served", '{"result": "served"}')
        assert trainer.abandon_mine() == 0, "ended, nothing to abandon"
    finally:
        trainer_store.close()
    [row] = a.to_report()
    assert (row.active, row.outcome, row.chat_id, row.request_message_id) == (
        False,
        '{"result": "served"}',
        7,
        70,
    )
    assert [b.mark_reported(job), a.mark_reported(job)] == [True, False], "told once"
    assert a.to_report() == []


def test_a_queued_run_no_trainer_takes_is_reported_as_interrupted(
    replicas: tuple[Store, Store],
) -> None:
    clock = Clock()
    a, b = (RetrainJobs(store, clock) for store in replicas)
    job = a.claim("quick", "starting", queued_for=ChatRequest(7, 70, "en"))
    assert job is not None
    a.set_progress_message(job, 71, "queued")
    clock.now += LEASE_SECONDS + 1
    [row] = b.to_report()
    assert (row.id, row.active, row.outcome) == (job, False, None)
    assert a.claim("quick", "starting") is not None, "the slot is free again"
