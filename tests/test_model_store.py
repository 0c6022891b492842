"""Model versions in the database, cached in folders: seeding, history, rollback order,
leftovers, MODEL_DIR across restarts and upgrades (a new shipped model is served, a known one
is not), the folders of a bot from before the database held models, and one replica following
another's switch; each on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bot.model_store import CURRENT, ModelStore, ModelStoreError
from bot.settings import Env
from bot.storage import Store
from recognizer.config import MODEL_FILE


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """Each test runs on both engines: a SQLite file, and a fresh PostgreSQL database."""
    if request.param == "sqlite":
        opened = Store(tmp_path / "db.sqlite3")
    else:
        opened = Store(str(request.getfixturevalue("postgres_url")))
    yield opened
    opened.close()


@pytest.fixture
def make_store(tmp_path: Path, database: Store) -> Callable[..., ModelStore]:
    """A ModelStore on the test's database; ``cache`` names another replica's folder."""

    def made(keep: int = 5, cache: str = "models") -> ModelStore:
        return ModelStore(tmp_path / cache, keep, database)

    return made


def ship(folder: Path, content: bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / MODEL_FILE).write_bytes(content)
    return folder


def retrain(store: ModelStore, content: bytes) -> str:
    ship(store.candidate_dir, content)
    version = store.adopt_candidate()
    store.switch_to(version)
    return version


def test_a_restart_keeps_serving_the_retrained_model(
    tmp_path: Path, make_store: Callable[..., ModelStore]
) -> None:
    store = make_store(keep=5)
    shipped = ship(tmp_path / "shipped", b"shipped")
    store.prepare(shipped)
    retrained = retrain(store, b"retrained")
    served = store.prepare(shipped)
    assert served == store.path(retrained)
    assert (served / MODEL_FILE).read_bytes() == b"retrained"


def test_an_upgrade_with_a_new_shipped_model_serves_it(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, make_store: Callable[..., ModelStore]
) -> None:
    store = make_store(keep=5)
    shipped = ship(tmp_path / "shipped", b"shipped 1")
    store.prepare(shipped)
    retrained = retrain(store, b"retrained")
    ship(shipped, b"shipped 2")  # a new image or a git pull brings a better model
    with caplog.at_level(logging.INFO, logger="bot.model_store"):
        served = store.prepare(shipped)
    assert (served / MODEL_FILE).read_bytes() == b"shipped 2"
    assert store.previous_version() == retrained, "/rollback returns to the retrained model"
    assert f"serving it as {served.name} (was {retrained})" in caplog.text
    assert store.prepare(shipped) == served, "taken in once, not on every start"


def test_a_missing_model_dir_keeps_serving_the_current_version(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, make_store: Callable[..., ModelStore]
) -> None:
    store = make_store(keep=5)
    served = store.prepare(ship(tmp_path / "shipped", b"shipped"))
    with caplog.at_level(logging.WARNING, logger="bot.model_store"):
        assert store.prepare(tmp_path / "gone") == served
    assert Env.MODEL_DIR in caplog.text


def test_a_model_that_fails_its_check_is_never_taken_in(
    tmp_path: Path, make_store: Callable[..., ModelStore]
) -> None:
    store = make_store(keep=5)
    shipped = ship(tmp_path / "shipped", b"good")
    served = store.prepare(shipped)
    ship(shipped, b"broken")

    def refuse(folder: Path) -> None:
        raise ValueError(f"{folder} does not load")

    with pytest.raises(ValueError, match="does not load"):
        store.prepare(shipped, check=refuse)
    assert store.versions() == [served.name]
    assert store.current_version() == served.name


def test_the_shipped_model_becomes_version_one(
    tmp_path: Path, make_store: Callable[..., ModelStore]
) -> None:
    store = make_store(keep=3)
    served = store.prepare(ship(tmp_path / "shipped", b"shipped"))
    assert served == tmp_path / "models" / "v0001"
    assert (served / MODEL_FILE).read_bytes() == b"shipped"
    assert os.readlink(tmp_path / "models" / CURRENT) == "v0001"
    shutil.rmtree(tmp_path / "models")  # a new replica, or a lost cache
    assert store.prepare(tmp_path / "shipped") == served, "written out of the database"
    assert (served / MODEL_FILE).read_bytes() == b"shipped"
    assert store.prepare(tmp_path / "shipped") == served, "seeded once, not on every start"


def test_a_missing_shipped_model_is_a_clear_error(
    tmp_path: Path, make_store: Callable[..., ModelStore]
) -> None:
    with pytest.raises(ModelStoreError, match=Env.MODEL_DIR):
        make_store(keep=3).prepare(tmp_path / "nothing")


def test_history_is_bounded_and_rollback_goes_one_back(
    tmp_path: Path, make_store: Callable[..., ModelStore]
) -> None:
    store = make_store(keep=3)
    store.prepare(ship(tmp_path / "shipped", b"shipped"))
    made = [retrain(store, f"model {n}".encode()) for n in range(2, 6)]
    assert made == ["v0002", "v0003", "v0004", "v0005"]
    assert store.versions() == ["v0003", "v0004", "v0005"]
    assert store.previous_version() == "v0004"
    store.switch_to("v0003")
    assert store.previous_version() is None
    assert store.current_version() == "v0003"


def test_pruning_never_deletes_the_served_version(
    tmp_path: Path, make_store: Callable[..., ModelStore]
) -> None:
    store = make_store(keep=2)
    store.prepare(ship(tmp_path / "shipped", b"shipped"))
    retrain(store, b"two")
    store.switch_to("v0001")  # rolled back to the oldest
    ship(store.candidate_dir, b"three")
    store.adopt_candidate()
    store.switch_to("v0001")
    assert store.versions() == ["v0001", "v0003"]
    with pytest.raises(ModelStoreError, match="v0002"):
        store.switch_to("v0002")


def test_half_written_models_are_discarded_and_never_served(
    tmp_path: Path, make_store: Callable[..., ModelStore]
) -> None:
    root = tmp_path / "models"
    ship(root / ".candidate", b"half")
    ship(root / ".v0001.1234", b"half")
    store = make_store(keep=3)
    served = store.prepare(ship(tmp_path / "shipped", b"shipped"))
    assert sorted(p.name for p in root.iterdir()) == [CURRENT, "v0001"]
    assert (served / MODEL_FILE).read_bytes() == b"shipped"


def test_another_replica_gets_a_retrained_version_from_the_database(
    tmp_path: Path, make_store: Callable[..., ModelStore]
) -> None:
    """Replicas share no disk: the second writes the version out of the database, and a
    cached copy the database no longer has is dropped."""
    shipped = ship(tmp_path / "shipped", b"shipped")
    first, second = make_store(keep=2), make_store(keep=2, cache="other")
    first.prepare(shipped)
    assert second.prepare(shipped).name == "v0001", "the shipped model is taken in once"
    retrained = retrain(first, b"retrained")
    assert second.active_version() == retrained
    folder = second.path(retrained)
    assert folder.parent == tmp_path / "other"
    assert (folder / MODEL_FILE).read_bytes() == b"retrained"
    second.point_at(retrained)
    retrain(first, b"again")
    second.point_at(second.active_version() or "")
    assert sorted(p.name for p in (tmp_path / "other").iterdir()) == [CURRENT, "v0002", "v0003"]
    assert not (tmp_path / "other" / "v0001").exists(), "pruned in the database"


def test_folders_of_a_bot_before_the_database_held_models_are_taken_in(
    tmp_path: Path, make_store: Callable[..., ModelStore]
) -> None:
    """Its versions keep their names and its served one stays served (not the shipped)."""
    root = tmp_path / "models"
    for number in (1, 2, 3):
        ship(root / f"v000{number}", f"model {number}".encode())
    (root / CURRENT).symlink_to("v0002")
    (root / "shipped.sha256").write_text("whatever an older bot recorded\n")
    store = make_store(keep=5)
    served = store.prepare(ship(tmp_path / "shipped", b"model 1"))
    assert store.versions() == ["v0001", "v0002", "v0003", "v0004"]
    assert (served / MODEL_FILE).read_bytes() == b"model 1", "MODEL_DIR's model is new to it"
    assert store.previous_version() == "v0003"
    store.switch_to("v0002")
    assert (store.path("v0002") / MODEL_FILE).read_bytes() == b"model 2"


def test_a_model_version_leaves_no_journal_of_its_size_on_sqlite(tmp_path: Path) -> None:
    """Megabytes of blobs went through SQLite's write-ahead log: its file is truncated after,
    not left at their size (a nearly full disk would then hide behind it)."""
    database = Store(tmp_path / "db.sqlite3")
    try:
        store = ModelStore(tmp_path / "models", 5, database)
        store.prepare(ship(tmp_path / "shipped", bytes(4_000_000)))
        ship(store.candidate_dir, bytes(range(256)) * 16_000)
        store.adopt_candidate()
        journal = tmp_path / "db.sqlite3-wal"
        assert not journal.exists() or journal.stat().st_size < 100_000
    finally:
        database.close()
