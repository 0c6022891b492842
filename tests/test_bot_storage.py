"""The bot's SQLite store and sample files, driven directly on a temporary directory."""

from __future__ import annotations

import asyncio
import io
import sqlite3
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from bot.crop_expiry import CropSweeper
from bot.samples import SampleFiles
from bot.storage import (
    MAX_REPLAYS,
    MIGRATIONS,
    PENDING_CROP_HOURS,
    LabelStatus,
    LoggedDigit,
    StorageError,
    Store,
)

ALICE, BOB = 11, 22


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def crop_png(mnist_digit: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(mnist_digit).save(buffer, format="PNG")
    return buffer.getvalue()


def answered(store: Store, who: tuple[int, int], digit: int, confidence: float, crop: bytes) -> int:
    """A one-digit answer for (user id, chat id), logged and sent as message 1; returns its
    prediction id."""
    answer = store.log_answer(*who, [LoggedDigit(digit, confidence, crop)])
    store.mark_sent(answer.id, 1)
    return answer.prediction_ids[0]


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(tmp_path: Path, clock: Clock):
    opened = Store(tmp_path / "db.sqlite3", SampleFiles(tmp_path / "samples"), clock)
    yield opened
    opened.close()


@pytest.fixture
def crop(mnist) -> bytes:
    return crop_png(mnist.x_test[0])


def test_a_confirmed_answer_becomes_a_sample_file_and_row(
    store: Store, tmp_path: Path, crop: bytes, mnist
) -> None:
    prediction = answered(store, (ALICE, ALICE), 7, 0.99, crop)
    assert store.label_status(prediction, ALICE) is LabelStatus.OPEN
    assert store.save_label(prediction, ALICE, None) is LabelStatus.SAVED
    [path] = (tmp_path / "samples").rglob("*.png")
    assert path.parent.name == "7"
    with Image.open(path) as image:
        assert np.array_equal(np.asarray(image), mnist.x_test[0])
    assert store.save_label(prediction, ALICE, 3) is LabelStatus.ALREADY_LABELLED
    assert store.usage().feedback_total == store.usage().feedback_correct == 1


def test_a_correction_is_filed_under_the_users_digit(
    store: Store, tmp_path: Path, crop: bytes
) -> None:
    prediction = answered(store, (ALICE, ALICE), 7, 0.6, crop)
    assert store.save_label(prediction, ALICE, 1) is LabelStatus.SAVED
    assert [p.parent.name for p in (tmp_path / "samples").rglob("*.png")] == ["1"]
    usage = store.usage()
    assert (usage.feedback_total, usage.feedback_correct) == (1, 0)


def test_only_the_owner_can_label(store: Store, crop: bytes) -> None:
    prediction = answered(store, (ALICE, -100), 7, 0.99, crop)
    assert store.label_status(prediction, BOB) is LabelStatus.NOT_OWNER
    assert store.save_label(prediction, BOB, 1) is LabelStatus.NOT_OWNER
    assert store.save_label(prediction + 1, ALICE, 1) is LabelStatus.UNKNOWN
    assert store.usage().feedback_total == 0


def pending_crops(store: Store) -> list[int]:
    """The answers whose crop is still in the database: what /privacy says we keep."""
    with sqlite3.connect(store.path) as db:
        rows = db.execute("SELECT prediction_id FROM pending_crops ORDER BY prediction_id")
        return [prediction_id for (prediction_id,) in rows]


def test_unlabelled_crops_expire(store: Store, clock: Clock, crop: bytes) -> None:
    old = answered(store, (ALICE, ALICE), 7, 0.99, crop)
    clock.now += PENDING_CROP_HOURS * 3600 - 1
    young = answered(store, (BOB, BOB), 1, 0.99, crop)
    assert pending_crops(store) == [old, young], "kept for the whole promised time"
    clock.now += 2
    newest = answered(store, (BOB, BOB), 1, 0.99, crop)
    assert pending_crops(store) == [young, newest], "deleted from the database, not just hidden"
    assert store.save_label(old, ALICE, None) is LabelStatus.EXPIRED
    assert store.save_label(young, BOB, None) is LabelStatus.SAVED


def test_expired_crops_are_purged_without_new_answers(
    store: Store, clock: Clock, crop: bytes
) -> None:
    old = answered(store, (ALICE, ALICE), 7, 0.99, crop)
    clock.now += PENDING_CROP_HOURS * 3600 - 1
    assert store.purge_expired_crops() == 0
    assert pending_crops(store) == [old]
    clock.now += 2
    assert store.purge_expired_crops() == 1
    assert pending_crops(store) == []
    assert store.save_label(old, ALICE, None) is LabelStatus.EXPIRED
    assert store.usage().predictions_total == 1, "only the crop goes, the answer stays counted"


async def wait_for_no_pending_crops(store: Store) -> None:
    """Until a sweep on its worker thread has deleted every crop: up to five seconds."""
    for _ in range(500):
        if not pending_crops(store):
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"no sweep deleted the expired crops {pending_crops(store)}")


async def test_crops_that_expired_while_the_bot_was_down_go_at_start_up(
    store: Store, clock: Clock, crop: bytes
) -> None:
    answered(store, (ALICE, ALICE), 7, 0.99, crop)
    clock.now += PENDING_CROP_HOURS * 3600 + 1
    sweeper = CropSweeper(store, every_seconds=3600)
    sweeper.start()
    try:
        await wait_for_no_pending_crops(store)
    finally:
        await sweeper.stop()


async def test_crops_expire_while_nobody_uses_the_bot(
    store: Store, clock: Clock, crop: bytes
) -> None:
    prediction = answered(store, (ALICE, ALICE), 7, 0.99, crop)
    sweeper = CropSweeper(store, every_seconds=0.01)
    sweeper.start()
    try:
        await asyncio.sleep(0.2)
        assert pending_crops(store) == [prediction], "swept many times, but not expired yet"
        clock.now += PENDING_CROP_HOURS * 3600 + 1
        await wait_for_no_pending_crops(store)
    finally:
        await sweeper.stop()


def test_usage_counts_the_last_day(store: Store, clock: Clock, crop: bytes) -> None:
    answered(store, (ALICE, ALICE), 7, 0.99, crop)
    clock.now += 25 * 3600
    answered(store, (ALICE, ALICE), 7, 0.99, crop)
    answered(store, (BOB, BOB), 7, 0.99, crop)
    usage = store.usage()
    assert (usage.predictions_total, usage.predictions_last_day) == (3, 2)


def test_forget_removes_samples_crops_and_names(store: Store, tmp_path: Path, crop: bytes) -> None:
    labelled = answered(store, (ALICE, ALICE), 7, 0.99, crop)
    store.save_label(labelled, ALICE, None)
    pending = answered(store, (ALICE, ALICE), 3, 0.99, crop)
    kept = answered(store, (BOB, BOB), 2, 0.99, crop)
    store.save_label(kept, BOB, None)
    assert store.forget_user(ALICE) == 1
    assert [p.parent.name for p in (tmp_path / "samples").rglob("*.png")] == ["2"]
    assert store.save_label(pending, ALICE, None) is LabelStatus.EXPIRED
    assert store.usage().predictions_total == 3, "anonymous counts stay for /stats"
    with sqlite3.connect(store.path) as db:
        assert db.execute(
            "SELECT COUNT(*) FROM predictions WHERE user_id = ?", (ALICE,)
        ).fetchone() == (0,)


def test_data_survive_reopening_and_the_schema_is_versioned(
    tmp_path: Path, clock: Clock, crop: bytes
) -> None:
    files = SampleFiles(tmp_path / "samples")
    first = Store(tmp_path / "db.sqlite3", files, clock)
    answered(first, (ALICE, ALICE), 7, 0.99, crop)
    first.close()
    again = Store(tmp_path / "db.sqlite3", files, clock)
    assert again.usage().predictions_total == 1
    again.close()
    with sqlite3.connect(tmp_path / "db.sqlite3") as db:
        assert db.execute("PRAGMA user_version").fetchone() == (len(MIGRATIONS),)
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    with sqlite3.connect(tmp_path / "db.sqlite3") as db:
        db.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    with pytest.raises(StorageError, match="newer"):
        Store(tmp_path / "db.sqlite3", SampleFiles(tmp_path / "samples"))


def test_a_damaged_file_is_reported_not_replaced(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    path.write_bytes(b"not sqlite at all" * 64)
    with pytest.raises(StorageError, match="damaged"):
        Store(path, SampleFiles(tmp_path / "samples"))
    assert path.read_bytes() == b"not sqlite at all" * 64


def test_a_failed_file_write_keeps_the_answer_labellable(
    store: Store, tmp_path: Path, crop: bytes
) -> None:
    prediction = answered(store, (ALICE, ALICE), 7, 0.99, crop)
    (tmp_path / "samples").rmdir()  # made (and checked writable) when the store opened
    (tmp_path / "samples").write_text("a file where the folder should be")
    with pytest.raises(StorageError, match="sample file"):
        store.save_label(prediction, ALICE, None)
    (tmp_path / "samples").unlink()
    assert store.save_label(prediction, ALICE, None) is LabelStatus.SAVED


def test_a_number_is_one_answer_counted_once_sent_and_labelled_as_a_whole(
    store: Store, crop: bytes
) -> None:
    digits = [LoggedDigit(d, 0.9, crop) for d in (2, 0, 2, 6)]
    number = store.log_answer(ALICE, ALICE, digits)
    assert list(number.prediction_ids) == list(
        range(number.prediction_ids[0], number.prediction_ids[0] + 4)
    )
    assert store.usage().predictions_total == 0, "not counted before it is sent"
    store.mark_sent(number.id, 5)
    assert store.usage().predictions_total == 1
    for prediction_id, label in zip(number.prediction_ids[:3], (2, 0, 2), strict=True):
        store.save_label(prediction_id, ALICE, label)
    assert store.usage().feedback_total == 0, "three digits of four are not a labelled answer"
    store.save_label(number.prediction_ids[3], ALICE, 5)
    usage = store.usage()
    assert (usage.feedback_total, usage.feedback_correct) == (1, 0), "one digit was wrong"


def test_a_press_must_name_one_whole_answer_in_its_own_message(store: Store, crop: bytes) -> None:
    number = store.log_answer(ALICE, ALICE, [LoggedDigit(d, 0.9, crop) for d in (4, 2)])
    store.mark_sent(number.id, 17)
    first = number.prediction_ids[0]
    assert store.press_matches(first, 2, ALICE, 17)
    assert not store.press_matches(first, 3, ALICE, 17), "wrong count"
    assert not store.press_matches(first + 1, 1, ALICE, 17), "not the answer's first id"
    assert not store.press_matches(first, 2, ALICE, 18), "another message"
    assert not store.press_matches(first, 2, BOB, 17), "another chat"
    assert not store.press_matches(9 * 10**17, 2, ALICE, 17), "no such answer"


def test_a_sample_file_without_its_row_is_removed_on_opening(
    tmp_path: Path, clock: Clock, crop: bytes
) -> None:
    """kill -9 between the file and the commit left a file training would use and /forget
    could not find, and a .partial."""
    files = SampleFiles(tmp_path / "samples")
    first = Store(tmp_path / "db.sqlite3", files, clock)
    kept = answered(first, (ALICE, ALICE), 7, 0.99, crop)
    first.save_label(kept, ALICE, None)
    first.close()
    orphan = files.write(3, 99, crop)
    partial = orphan.with_name("100.png.partial")
    partial.write_bytes(crop[:10])
    again = Store(tmp_path / "db.sqlite3", files, clock)
    again.close()
    assert sorted(p.name for p in (tmp_path / "samples").rglob("*") if p.is_file()) == ["1.png"]


def test_updates_are_kept_until_finished(store: Store) -> None:
    store.keep_updates([(5, '{"update_id": 5}'), (6, '{"update_id": 6}')])
    store.keep_updates([(5, '{"update_id": 5, "again": true}')])
    assert store.unfinished_updates() == ([(5, '{"update_id": 5}'), (6, '{"update_id": 6}')], 0)
    store.finish_update(5)
    assert store.update_done(5)
    assert not store.update_done(6)
    assert store.unfinished_updates() == ([(6, '{"update_id": 6}')], 0)


def test_an_update_that_never_gets_handled_is_given_up_after_a_few_starts(
    store: Store,
) -> None:
    """One that kills the bot (say, the OOM killer on some image) must not do so forever."""
    store.keep_updates([(7, "{}")])
    for _ in range(MAX_REPLAYS):
        assert store.unfinished_updates() == ([(7, "{}")], 0)
    assert store.unfinished_updates() == ([], 1)
    assert store.update_done(7)


def test_a_version_1_database_is_migrated_with_its_answers_kept(
    tmp_path: Path, clock: Clock, crop: bytes
) -> None:
    path = tmp_path / "db.sqlite3"
    with sqlite3.connect(path) as db:
        db.executescript(MIGRATIONS[0])
        db.execute(
            "INSERT INTO predictions (created_at, user_id, chat_id, digit, confidence)"
            " VALUES (?, ?, ?, 7, 0.9)",
            (clock.now, ALICE, ALICE),
        )
        db.execute("INSERT INTO pending_crops VALUES (1, ?, ?)", (clock.now, crop))
        db.execute("PRAGMA user_version = 1")
    migrated = Store(path, SampleFiles(tmp_path / "samples"), clock)
    assert migrated.usage().predictions_total == 1
    assert migrated.press_matches(1, 1, ALICE, 42), "old buttons keep working (any message)"
    assert migrated.save_label(1, ALICE, None) is LabelStatus.SAVED
    migrated.close()


def test_a_full_database_says_disk_full(tmp_path: Path, clock: Clock, crop: bytes) -> None:
    """SQLite's own SQLITE_FULL, from a page limit: the disk-full path without a full disk."""
    store = Store(tmp_path / "db.sqlite3", SampleFiles(tmp_path / "samples"), clock)
    store._connection.execute("PRAGMA max_page_count = 8")  # test-only: a tiny "disk"

    def fill() -> None:
        for _ in range(100):
            answered(store, (ALICE, ALICE), 7, 0.99, crop * 20)

    try:
        with pytest.raises(StorageError, match="disk full"):
            fill()
    finally:
        store.close()
