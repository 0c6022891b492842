"""The bot's store, samples included, driven directly: every behaviour on SQLite (a file in a
temporary directory) and on a real PostgreSQL server the tests start themselves."""

from __future__ import annotations

import io
import shutil
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest
from alembic import command
from alembic.script import ScriptDirectory
from PIL import Image
from sqlalchemy import create_engine, event, inspect, select, text

from bot import schema
from bot.crop_expiry import sweep
from bot.database import alembic_config, url_for
from bot.ratelimit import SharedRateLimiter
from bot.storage import (
    CLAIM_SECONDS,
    MAX_REPLAYS,
    PENDING_CROP_HOURS,
    TAKE_OVER_BATCH,
    AnswerRow,
    LabelStatus,
    LoggedDigit,
    StorageError,
    Store,
)
from tests.conftest import REPO_ROOT

LEGACY_DATABASE = REPO_ROOT / "tests" / "data" / "digitbot-user-version-1.sqlite3"
"""Made by the pre-Alembic store (bot/storage.py at commit 19db9a5, ``PRAGMA user_version = 1``):
predictions 1-4 (users 11 and 22), 1 and 3 labelled (7 confirmed, 1 corrected to 4), crops of
2 and 4 pending."""

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


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> str | Path:
    """Each store test runs on both engines: a SQLite file, and a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return tmp_path / "db.sqlite3"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def store(database: str | Path, tmp_path: Path, clock: Clock):
    opened = Store(database, clock)
    yield opened
    opened.close()


def exported(store: Store, folder: Path) -> list[Path]:
    """The samples as training gets them: written out of the database into ``folder``."""
    shutil.rmtree(folder, ignore_errors=True)
    store.export_samples(folder)
    return sorted(folder.rglob("*.png"))


@pytest.fixture
def crop(mnist) -> bytes:
    return crop_png(mnist.x_test[0])


def test_a_confirmed_answer_becomes_a_sample_in_the_database(
    store: Store, tmp_path: Path, crop: bytes, mnist
) -> None:
    prediction = answered(store, (ALICE, ALICE), 7, 0.99, crop)
    assert store.label_status(prediction, ALICE) is LabelStatus.OPEN
    assert store.save_label(prediction, ALICE, None) is LabelStatus.SAVED
    assert not (tmp_path / "samples").exists(), "nothing on this replica's disk"
    [path] = exported(store, tmp_path / "export")
    assert (path.parent.name, path.name) == ("7", f"{store.sample_ids()[0]}.png")
    with Image.open(path) as image:
        assert np.array_equal(np.asarray(image), mnist.x_test[0])
    assert store.save_label(prediction, ALICE, 3) is LabelStatus.ALREADY_LABELLED
    assert store.usage().feedback_total == store.usage().feedback_correct == 1


def test_a_correction_is_filed_under_the_users_digit(
    store: Store, tmp_path: Path, crop: bytes
) -> None:
    prediction = answered(store, (ALICE, ALICE), 7, 0.6, crop)
    assert store.save_label(prediction, ALICE, 1) is LabelStatus.SAVED
    assert [p.parent.name for p in exported(store, tmp_path / "export")] == ["1"]
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
    column = schema.pending_crops.c.prediction_id
    with store.engine.connect() as db:
        return list(db.execute(select(column).order_by(column)).scalars())


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


async def test_a_sweep_deletes_expired_crops_without_new_answers(
    store: Store, clock: Clock, crop: bytes
) -> None:
    prediction = answered(store, (ALICE, ALICE), 7, 0.99, crop)
    assert await sweep(store) == 0
    assert pending_crops(store) == [prediction], "swept, but not expired yet"
    clock.now += PENDING_CROP_HOURS * 3600 + 1
    assert await sweep(store) == 1
    assert pending_crops(store) == []


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
    assert [p.parent.name for p in exported(store, tmp_path / "export")] == ["2"]
    assert store.save_label(pending, ALICE, None) is LabelStatus.EXPIRED
    assert store.usage().predictions_total == 3, "anonymous counts stay for /stats"
    with store.engine.connect() as db:
        owners = db.execute(select(schema.predictions.c.user_id)).scalars().all()
    assert sorted(owners, key=str) == [BOB, None, None]


def test_ids_of_deleted_rows_are_never_given_again(store: Store, crop: bytes) -> None:
    """A sample's id names its exported file and a prediction's id is in old messages' buttons:
    after the newest rows go (/forget deletes samples; the test deletes an answer itself, as an
    operator cleaning up might), a new row must not take an old id, on either engine (SQLite
    reuses the largest rowid unless the table is AUTOINCREMENT)."""
    first = answered(store, (ALICE, ALICE), 7, 0.99, crop)
    store.save_label(first, ALICE, None)
    [forgotten_sample] = store.sample_ids()
    assert store.forget_user(ALICE) == 1
    second = answered(store, (BOB, BOB), 2, 0.99, crop)
    store.save_label(second, BOB, None)
    [new_sample] = store.sample_ids()
    assert new_sample > forgotten_sample

    newest = store.log_answer(BOB, BOB, [LoggedDigit(3, 0.9, crop), LoggedDigit(4, 0.9, crop)])
    with store.transaction() as db:
        gone = schema.predictions.c.answer_id == newest.id
        db.execute(
            schema.pending_crops.delete().where(
                schema.pending_crops.c.prediction_id.in_(newest.prediction_ids)
            )
        )
        db.execute(schema.predictions.delete().where(gone))
        db.execute(schema.answers.delete().where(schema.answers.c.id == newest.id))
    after = store.log_answer(BOB, BOB, [LoggedDigit(5, 0.9, crop)])
    assert after.id > newest.id
    assert after.prediction_ids[0] > newest.prediction_ids[-1]


def test_data_survive_reopening_at_the_latest_revision(
    database: str | Path, tmp_path: Path, clock: Clock, crop: bytes
) -> None:
    first = Store(database, clock)
    answered(first, (ALICE, ALICE), 7, 0.99, crop)
    first.close()
    again = Store(database, clock)
    assert again.usage().predictions_total == 1
    with again.engine.connect() as db:
        head = ScriptDirectory.from_config(alembic_config(db)).get_current_head()
        assert db.execute(text("SELECT version_num FROM alembic_version")).scalar() == head
    again.close()


def test_the_migrations_make_the_schema_the_code_describes(store: Store) -> None:
    found = inspect(store.engine)
    for table in schema.metadata.sorted_tables:
        columns = {column["name"] for column in found.get_columns(table.name)}
        assert columns == set(table.columns.keys()), table.name
        indexes = {index["name"] for index in found.get_indexes(table.name)}
        assert {index.name for index in table.indexes} <= indexes, table.name


def test_ids_beyond_32_bits_are_stored(store: Store, crop: bytes) -> None:
    supergroup, big_user = -1_001_234_567_890, 7_000_000_001
    prediction = answered(store, (big_user, supergroup), 7, 0.99, crop)
    assert store.save_label(prediction, big_user, None) is LabelStatus.SAVED
    with store.engine.connect() as db:
        assert db.execute(select(schema.predictions.c.chat_id)).scalar() == supergroup


def test_two_presses_at_once_label_once(store: Store, tmp_path: Path, crop: bytes) -> None:
    prediction = answered(store, (ALICE, ALICE), 7, 0.99, crop)
    start = threading.Barrier(4)
    results: list[LabelStatus] = []

    def press() -> None:
        start.wait()
        results.append(store.save_label(prediction, ALICE, 3))

    threads = [threading.Thread(target=press) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(result.value for result in results) == sorted(
        [LabelStatus.SAVED.value] + [LabelStatus.ALREADY_LABELLED.value] * 3
    )
    assert len(exported(store, tmp_path / "export")) == 1


def test_a_schema_newer_than_the_code_is_refused(database: str | Path, tmp_path: Path) -> None:
    Store(database).close()
    store = Store(database)
    with store.engine.begin() as db:
        db.execute(text("UPDATE alembic_version SET version_num = 'f00dfeed'"))
    store.close()
    with pytest.raises(StorageError, match="newer"):
        Store(database)


def test_a_database_of_the_pre_alembic_bot_keeps_its_data(tmp_path: Path, clock: Clock) -> None:
    path = tmp_path / "digitbot.sqlite3"
    shutil.copyfile(LEGACY_DATABASE, path)
    store = Store(path, clock)
    usage = store.usage()
    assert (usage.predictions_total, usage.feedback_total, usage.feedback_correct) == (4, 2, 1)
    assert pending_crops(store) == [2, 4]
    assert store.label_status(1, 11) is LabelStatus.ALREADY_LABELLED
    assert store.save_label(2, 11, 5) is LabelStatus.SAVED, "a pending crop is still labellable"
    assert _ids(store.answer_rows(4, 22, 42)) == [(4,)], "old buttons keep working (any message)"
    assert store.forget_user(22) == 1
    newest = answered(store, (ALICE, ALICE), 7, 0.99, b"png")
    assert newest == 5, "ids go on from the old ones"
    store.close()
    with sqlite3.connect(path) as db:
        [(revision,)] = db.execute("SELECT version_num FROM alembic_version").fetchall()
    assert revision == ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert Store(path).usage().predictions_total == 5


def test_sqlite_runs_in_wal_mode(tmp_path: Path) -> None:
    Store(tmp_path / "db.sqlite3").close()
    with sqlite3.connect(tmp_path / "db.sqlite3") as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_a_newer_pre_alembic_schema_is_refused(tmp_path: Path) -> None:
    with sqlite3.connect(tmp_path / "db.sqlite3") as db:
        db.execute("PRAGMA user_version = 99")
    with pytest.raises(StorageError, match="newer"):
        Store(tmp_path / "db.sqlite3")


def test_a_damaged_file_is_reported_not_replaced(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    path.write_bytes(b"not sqlite at all" * 64)
    with pytest.raises(StorageError, match="damaged"):
        Store(path)
    assert path.read_bytes() == b"not sqlite at all" * 64


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


def _ids(rows: Sequence[AnswerRow]) -> list[tuple[int, ...]]:
    return [row.prediction_ids for row in rows]


def test_a_press_is_checked_against_the_rows_of_the_answer_in_its_own_message(
    store: Store, crop: bytes
) -> None:
    """Rows come back in reading order with their ids; any other chat or message gets none."""
    digits = [LoggedDigit(d, 0.9, crop, row) for row, d in ((0, 4), (0, 2), (1, 7), (2, 1))]
    number = store.log_answer(ALICE, ALICE, digits)
    store.mark_sent(number.id, 17)
    first = number.prediction_ids[0]
    rows = [(first, first + 1), (first + 2,), (first + 3,)]
    assert _ids(number.rows) == rows
    assert _ids(store.answer_rows(first + 2, ALICE, 17)) == rows, "any of its ids finds it"
    assert not any(row.labelled for row in store.answer_rows(first, ALICE, 17))
    assert store.answer_rows(first, ALICE, 18) == (), "another message"
    assert store.answer_rows(first, BOB, 17) == (), "another chat"
    assert store.answer_rows(9 * 10**17, ALICE, 17) == (), "no such answer"
    store.save_label(first + 2, ALICE, 1)
    assert [row.labelled for row in store.answer_rows(first, ALICE, 17)] == [False, True, False]


def test_a_number_logged_before_rows_were_stored_stays_one_row(
    database: str | Path, tmp_path: Path
) -> None:
    """Revision 0005 gives every older digit row 0: a number answered before the upgrade keeps
    its one pair of buttons over all its digits."""
    engine = create_engine(url_for(database))
    with engine.begin() as db:
        command.upgrade(alembic_config(db), "0004")
        db.execute(
            text("INSERT INTO answers (id, created_at, digits, chat_id) VALUES (1, 0, 3, 5)")
        )
        db.execute(
            text(
                "INSERT INTO predictions (id, created_at, user_id, chat_id, digit, confidence,"
                " answer_id) VALUES (1, 0, 5, 5, 4, 0.9, 1), (2, 0, 5, 5, 2, 0.9, 1),"
                " (3, 0, 5, 5, 7, 0.9, 1)"
            )
        )
    engine.dispose()
    store = Store(database)
    assert _ids(store.answer_rows(2, 5, 99)) == [(1, 2, 3)]
    store.close()


def test_sample_files_of_a_bot_before_0006_move_into_the_database(
    database: str | Path, tmp_path: Path, clock: Clock, crop: bytes
) -> None:
    """Such a bot kept samples as DATA_DIR/samples/<digit>/<id>.png, rows without crops. Its
    files fill their rows; a file no row knows (kill -9 between file and commit) and a
    .partial are dropped; the folder goes, so nothing is left on the replica's disk."""
    first = Store(database, clock)
    kept = answered(first, (ALICE, ALICE), 7, 0.99, crop)
    first.save_label(kept, ALICE, None)
    [sample_id] = first.sample_ids()
    with first.engine.begin() as db:
        db.execute(schema.samples.update().values(png=None))
    assert first.sample_ids() == [], "a sample without its crop is nothing to learn from"
    first.close()
    old = tmp_path / "samples"
    (old / "7").mkdir(parents=True)
    (old / "3").mkdir()
    (old / "7" / f"{sample_id}.png").write_bytes(crop)
    (old / "3" / "99.png").write_bytes(crop)
    (old / "3" / "100.png.partial").write_bytes(crop[:10])
    again = Store(database, clock, old_samples=old)
    assert not old.exists()
    [path] = exported(again, tmp_path / "export")
    assert (path.parent.name, path.read_bytes()) == ("7", crop)
    again.close()


def test_each_retrain_export_holds_exactly_the_current_samples(
    store: Store, tmp_path: Path, crop: bytes, mnist
) -> None:
    """Every digit's folder exists (training expects ten), and a /forget between two
    retrains leaves nothing of the user in the next export."""
    answered_ids = [answered(store, (who, who), 7, 0.9, crop) for who in (ALICE, BOB)]
    for who, prediction in zip((ALICE, BOB), answered_ids, strict=True):
        store.save_label(prediction, who, who % 10)
    folder = tmp_path / "export"
    assert store.export_samples(folder) == 2
    assert sorted(p.name for p in folder.iterdir()) == [str(d) for d in range(10)]
    assert [p.parent.name for p in exported(store, folder)] == ["1", "2"]
    store.forget_user(ALICE)
    assert [p.parent.name for p in exported(store, folder)] == ["2"]


def test_updates_are_kept_until_finished(store: Store) -> None:
    store.keep_updates([(5, '{"update_id": 5}'), (6, '{"update_id": 6}')])
    store.keep_updates([(5, '{"update_id": 5, "again": true}')])
    assert store.claim_unfinished(mine=True) == (
        [(5, '{"update_id": 5}'), (6, '{"update_id": 6}')],
        0,
    )
    store.finish_update(5)
    assert store.update_done(5)
    assert not store.update_done(6)
    assert store.claim_unfinished(mine=True) == ([(6, '{"update_id": 6}')], 0)


def test_a_restart_claims_all_its_own_updates_and_a_take_over_a_batch(
    pair: tuple[Store, Store], clock: Clock
) -> None:
    """A stop under load leaves more than a take-over batch; renewed from the restart on, any
    own update not claimed then would never be answered."""
    a, b = pair
    backlog = TAKE_OVER_BATCH + 20
    a.keep_updates([(n, "{}") for n in range(backlog)])
    assert len(a.claim_unfinished(mine=True)[0]) == backlog
    clock.now += CLAIM_SECONDS + 1  # a died
    first = b.claim_unfinished(mine=False)[0]
    assert [update_id for update_id, _ in first] == list(range(TAKE_OVER_BATCH)), "oldest first"
    assert len(b.claim_unfinished(mine=False)[0]) == backlog - TAKE_OVER_BATCH, "at the next look"


def test_an_update_that_never_gets_handled_is_given_up_after_a_few_starts(
    store: Store,
) -> None:
    """One that kills the bot (say, the OOM killer on some image) must not do so forever."""
    store.keep_updates([(7, "{}")])
    for _ in range(MAX_REPLAYS):
        assert store.claim_unfinished(mine=True) == ([(7, "{}")], 0)
    assert store.claim_unfinished(mine=True) == ([], 1)
    assert store.update_done(7)


def test_an_update_a_stop_left_untried_is_not_given_up(store: Store) -> None:
    """Restarts in a row during a backlog claim it each time; untried, it must not count."""
    store.keep_updates([(8, "{}")])
    for _ in range(MAX_REPLAYS + 2):
        assert store.claim_unfinished(mine=True) == ([(8, "{}")], 0)
        store.release_updates([8])
    assert not store.update_done(8)


def replicas(database: str | Path, tmp_path: Path, clock: Clock, *names: str) -> list[Store]:
    return [Store(database, clock, replica=name) for name in names]


@pytest.fixture
def pair(database: str | Path, tmp_path: Path, clock: Clock) -> Iterator[tuple[Store, Store]]:
    """Two replicas, "a" and "b", sharing one database; closed after the test."""
    a, b = replicas(database, tmp_path, clock, "a", "b")
    yield a, b
    a.close()
    b.close()


def test_a_dead_replicas_updates_go_to_another_once_its_claims_lapse(
    pair: tuple[Store, Store], database: str | Path, tmp_path: Path, clock: Clock
) -> None:
    a, b = pair
    a.keep_updates([(1, "{}"), (2, "{}"), (3, "{}")])
    a.finish_update(1)
    assert b.claim_unfinished(mine=False) == ([], 0), "a's claims hold"
    clock.now += CLAIM_SECONDS - 1
    assert a.renew_claims() == 2
    clock.now += CLAIM_SECONDS - 1
    assert b.claim_unfinished(mine=True) == ([], 0), "renewed, they hold again"
    clock.now += 2  # a stopped renewing: it died
    assert b.claim_unfinished(mine=False) == ([(2, "{}"), (3, "{}")], 0)
    assert a.claim_unfinished(mine=False) == ([], 0), "b holds them now"
    [restarted] = replicas(database, tmp_path, clock, "a")
    assert restarted.claim_unfinished(mine=True) == ([], 0), "no longer a's to answer"
    restarted.close()
    b.finish_update(2)
    clock.now += CLAIM_SECONDS + 1
    assert a.claim_unfinished(mine=False) == ([(3, "{}")], 0), "b died: a takes the rest"


def test_a_restarted_replica_answers_its_own_updates_at_once(
    database: str | Path, tmp_path: Path, clock: Clock
) -> None:
    a, b = replicas(database, tmp_path, clock, "a", "b")
    a.keep_updates([(7, "{}")])
    a.close()
    try:
        [again] = replicas(database, tmp_path, clock, "a")
        assert b.claim_unfinished(mine=True) == ([], 0)
        assert again.claim_unfinished(mine=True) == ([(7, "{}")], 0)
        again.close()
    finally:
        b.close()


def test_replicas_claiming_at_once_share_the_updates_without_overlap(
    database: str | Path, tmp_path: Path, clock: Clock
) -> None:
    first, second = replicas(database, tmp_path, clock, "first", "second")
    try:
        first.keep_updates([(n, "{}") for n in range(1, 201)])
        clock.now += CLAIM_SECONDS + 1
        start = threading.Barrier(2)
        claimed: dict[str, list[int]] = {"first": [], "second": []}

        def claim(store: Store) -> None:
            start.wait()
            while taken := store.claim_unfinished(mine=False, limit=7)[0]:
                claimed[store.replica] += [update_id for update_id, _ in taken]

        threads = [threading.Thread(target=claim, args=(s,)) for s in (first, second)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(claimed["first"] + claimed["second"]) == list(range(1, 201))
    finally:
        first.close()
        second.close()


def test_a_full_database_says_disk_full(tmp_path: Path, clock: Clock, crop: bytes) -> None:
    """SQLite's own SQLITE_FULL, from a page limit: the disk-full path without a full disk."""
    store = Store(tmp_path / "db.sqlite3", clock)
    store.engine.dispose()  # new connections, each with a tiny "disk"
    event.listen(
        store.engine, "connect", lambda dbapi, _: dbapi.execute("PRAGMA max_page_count = 8")
    )

    def fill() -> None:
        for _ in range(100):
            answered(store, (ALICE, ALICE), 7, 0.99, crop * 20)

    try:
        with pytest.raises(StorageError, match="disk full"):
            fill()
    finally:
        store.close()


def test_an_answer_marked_sent_marks_its_update_handled(store: Store, crop: bytes) -> None:
    store.keep_updates([(9, "{}")])
    answer = store.log_answer(ALICE, ALICE, [LoggedDigit(7, 0.9, crop)])
    assert not store.update_done(9)
    store.mark_sent(answer.id, 3, 9)
    assert store.update_done(9), "a crash now must not answer it again"
    assert store.claim_unfinished(mine=True) == ([], 0)


def test_an_update_sent_again_goes_to_the_replica_holding_it(
    pair: tuple[Store, Store], clock: Clock
) -> None:
    """Telegram sends an update again when a 200 was lost; the balancer may pick another
    replica: only the one that stored it first answers it, unless it died."""
    a, b = pair
    assert a.keep_updates([(4, "{}")]) == {4}
    assert b.keep_updates([(4, "{}")]) == set(), "a holds it"
    assert a.keep_updates([(4, "{}")]) == {4}, "sent to a again: still a's"
    clock.now += CLAIM_SECONDS + 1
    assert b.keep_updates([(4, "{}")]) == {4}, "a's claim lapsed"
    b.finish_update(4)
    clock.now += CLAIM_SECONDS + 1
    assert a.keep_updates([(4, "{}")]) == set(), "answered already"


def test_replicas_share_each_users_rate_limit(pair: tuple[Store, Store], clock: Clock) -> None:
    """The same rule as the in-memory limiter, counted once across replicas."""
    limits = [SharedRateLimiter(store, 3, 10.0, clock) for store in pair]
    assert [limits[n % 2].check(ALICE).allowed for n in range(3)] == [True] * 3
    first, second = limits[1].check(ALICE), limits[0].check(ALICE)
    assert (first.allowed, first.notify) == (False, True)
    assert first.retry_in == pytest.approx(10.0)
    assert (second.allowed, second.notify) == (False, False), "told once, by either"
    assert limits[0].check(BOB).allowed, "other users are not affected"
    clock.now += 10.01
    assert limits[1].check(ALICE).allowed


def test_checks_of_one_user_at_once_count_every_message(
    pair: tuple[Store, Store], clock: Clock
) -> None:
    limits = [SharedRateLimiter(store, 10, 60.0, clock) for store in pair]
    start = threading.Barrier(2)
    allowed: list[bool] = []

    def send(limiter: SharedRateLimiter) -> None:
        start.wait()
        allowed.extend(limiter.check(ALICE).allowed for _ in range(8))

    threads = [threading.Thread(target=send, args=(limiter,)) for limiter in limits]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert allowed.count(True) == 10, "16 messages at once, 10 allowed, none lost"


def test_answers_logged_at_once_by_two_replicas_keep_their_ids_consecutive(
    pair: tuple[Store, Store], crop: bytes
) -> None:
    """A row's feedback buttons name its first prediction id and its length, so each answer's
    ids must stay consecutive while other replicas log answers at the same moment."""
    digits = [LoggedDigit(d, 0.9, crop, row) for row, d in ((0, 4), (0, 2), (0, 7), (1, 1))]
    logged: list[tuple[int, ...]] = []

    def log_many(replica: Store, user: int) -> None:
        for _ in range(40):
            logged.append(replica.log_answer(user, user, digits).prediction_ids)

    workers = [
        threading.Thread(target=log_many, args=(replica, user))
        for replica, user in zip(pair, (ALICE, BOB), strict=True)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert len(logged) == 80
    for ids in logged:
        assert list(ids) == list(range(ids[0], ids[0] + len(digits))), ids
