"""The bot's SQLite store and sample files, driven directly on a temporary directory."""

from __future__ import annotations

import io
import sqlite3
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from bot.crop_expiry import sweep
from bot.samples import SampleFiles
from bot.storage import MIGRATIONS, PENDING_CROP_HOURS, LabelStatus, StorageError, Store

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
    prediction = store.log_prediction(ALICE, ALICE, 7, 0.99, crop)
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
    prediction = store.log_prediction(ALICE, ALICE, 7, 0.6, crop)
    assert store.save_label(prediction, ALICE, 1) is LabelStatus.SAVED
    assert [p.parent.name for p in (tmp_path / "samples").rglob("*.png")] == ["1"]
    usage = store.usage()
    assert (usage.feedback_total, usage.feedback_correct) == (1, 0)


def test_only_the_owner_can_label(store: Store, crop: bytes) -> None:
    prediction = store.log_prediction(ALICE, -100, 7, 0.99, crop)
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
    old = store.log_prediction(ALICE, ALICE, 7, 0.99, crop)
    clock.now += PENDING_CROP_HOURS * 3600 - 1
    young = store.log_prediction(BOB, BOB, 1, 0.99, crop)
    assert pending_crops(store) == [old, young], "kept for the whole promised time"
    clock.now += 2
    newest = store.log_prediction(BOB, BOB, 1, 0.99, crop)
    assert pending_crops(store) == [young, newest], "deleted from the database, not just hidden"
    assert store.save_label(old, ALICE, None) is LabelStatus.EXPIRED
    assert store.save_label(young, BOB, None) is LabelStatus.SAVED


def test_expired_crops_are_purged_without_new_answers(
    store: Store, clock: Clock, crop: bytes
) -> None:
    old = store.log_prediction(ALICE, ALICE, 7, 0.99, crop)
    clock.now += PENDING_CROP_HOURS * 3600 - 1
    assert store.purge_expired_crops() == 0
    assert pending_crops(store) == [old]
    clock.now += 2
    assert store.purge_expired_crops() == 1
    assert pending_crops(store) == []
    assert store.save_label(old, ALICE, None) is LabelStatus.EXPIRED
    assert store.usage().predictions_total == 1, "only the crop goes, the answer stays counted"


async def test_a_sweep_deletes_expired_crops_without_new_answers(
    store: Store, clock: Clock, crop: bytes
) -> None:
    prediction = store.log_prediction(ALICE, ALICE, 7, 0.99, crop)
    assert await sweep(store) == 0
    assert pending_crops(store) == [prediction], "swept, but not expired yet"
    clock.now += PENDING_CROP_HOURS * 3600 + 1
    assert await sweep(store) == 1
    assert pending_crops(store) == []


async def test_a_sweep_survives_a_database_that_fails(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    store.close()
    assert await sweep(store) == 0
    assert "cannot delete expired crops" in caplog.text


def test_usage_counts_the_last_day(store: Store, clock: Clock, crop: bytes) -> None:
    store.log_prediction(ALICE, ALICE, 7, 0.99, crop)
    clock.now += 25 * 3600
    store.log_prediction(ALICE, ALICE, 7, 0.99, crop)
    store.log_prediction(BOB, BOB, 7, 0.99, crop)
    usage = store.usage()
    assert (usage.predictions_total, usage.predictions_last_day) == (3, 2)


def test_forget_removes_samples_crops_and_names(store: Store, tmp_path: Path, crop: bytes) -> None:
    labelled = store.log_prediction(ALICE, ALICE, 7, 0.99, crop)
    store.save_label(labelled, ALICE, None)
    pending = store.log_prediction(ALICE, ALICE, 3, 0.99, crop)
    kept = store.log_prediction(BOB, BOB, 2, 0.99, crop)
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
    first.log_prediction(ALICE, ALICE, 7, 0.99, crop)
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
    prediction = store.log_prediction(ALICE, ALICE, 7, 0.99, crop)
    (tmp_path / "samples").write_text("a file where the folder should be")
    with pytest.raises(StorageError, match="sample file"):
        store.save_label(prediction, ALICE, None)
    (tmp_path / "samples").unlink()
    assert store.save_label(prediction, ALICE, None) is LabelStatus.SAVED
