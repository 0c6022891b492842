"""Versioned model folders: seeding, history, rollback order, leftovers, and MODEL_DIR across
restarts and upgrades (a new shipped model is served, a known one is not)."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from bot.model_store import CURRENT, SHIPPED_RECORD, ModelStore, ModelStoreError
from bot.settings import Env
from recognizer.config import MODEL_FILE


def ship(folder: Path, content: bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / MODEL_FILE).write_bytes(content)
    return folder


def retrain(store: ModelStore, content: bytes) -> str:
    ship(store.candidate_dir, content)
    version = store.adopt_candidate()
    store.switch_to(version)
    return version


def test_a_restart_keeps_serving_the_retrained_model(tmp_path: Path) -> None:
    store = ModelStore(tmp_path / "models", keep=5)
    shipped = ship(tmp_path / "shipped", b"shipped")
    store.prepare(shipped)
    retrained = retrain(store, b"retrained")
    served = store.prepare(shipped)
    assert served == store.path(retrained)
    assert (served / MODEL_FILE).read_bytes() == b"retrained"


def test_an_upgrade_with_a_new_shipped_model_serves_it(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = ModelStore(tmp_path / "models", keep=5)
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
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = ModelStore(tmp_path / "models", keep=5)
    served = store.prepare(ship(tmp_path / "shipped", b"shipped"))
    with caplog.at_level(logging.WARNING, logger="bot.model_store"):
        assert store.prepare(tmp_path / "gone") == served
    assert Env.MODEL_DIR in caplog.text


def test_a_model_that_fails_its_check_is_never_taken_in(tmp_path: Path) -> None:
    store = ModelStore(tmp_path / "models", keep=5)
    shipped = ship(tmp_path / "shipped", b"good")
    served = store.prepare(shipped)
    ship(shipped, b"broken")

    def refuse(folder: Path) -> None:
        raise ValueError(f"{folder} does not load")

    with pytest.raises(ValueError, match="does not load"):
        store.prepare(shipped, check=refuse)
    assert store.versions() == [served.name]
    assert store.current_version() == served.name


def test_the_shipped_model_becomes_version_one(tmp_path: Path) -> None:
    store = ModelStore(tmp_path / "models", keep=3)
    served = store.prepare(ship(tmp_path / "shipped", b"shipped"))
    assert served == tmp_path / "models" / "v0001"
    assert (served / MODEL_FILE).read_bytes() == b"shipped"
    assert os.readlink(tmp_path / "models" / CURRENT) == "v0001"
    assert store.prepare(tmp_path / "shipped") == served, "seeded once, not on every start"


def test_a_missing_shipped_model_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ModelStoreError, match=Env.MODEL_DIR):
        ModelStore(tmp_path / "models", keep=3).prepare(tmp_path / "nothing")


def test_history_is_bounded_and_rollback_goes_one_back(tmp_path: Path) -> None:
    store = ModelStore(tmp_path / "models", keep=3)
    store.prepare(ship(tmp_path / "shipped", b"shipped"))
    made = [retrain(store, f"model {n}".encode()) for n in range(2, 6)]
    assert made == ["v0002", "v0003", "v0004", "v0005"]
    assert store.versions() == ["v0003", "v0004", "v0005"]
    assert store.previous_version() == "v0004"
    store.switch_to("v0003")
    assert store.previous_version() is None
    assert store.current_version() == "v0003"


def test_pruning_never_deletes_the_served_version(tmp_path: Path) -> None:
    store = ModelStore(tmp_path / "models", keep=2)
    store.prepare(ship(tmp_path / "shipped", b"shipped"))
    retrain(store, b"two")
    store.switch_to("v0001")  # rolled back to the oldest
    ship(store.candidate_dir, b"three")
    store.adopt_candidate()
    store.switch_to("v0001")
    assert store.versions() == ["v0001", "v0003"]
    with pytest.raises(ModelStoreError, match="v0002"):
        store.switch_to("v0002")


def test_half_written_models_are_discarded_and_never_served(tmp_path: Path) -> None:
    root = tmp_path / "models"
    ship(root / ".candidate", b"half")
    ship(root / ".candidate.staging-x1", b"half")
    store = ModelStore(root, keep=3)
    served = store.prepare(ship(tmp_path / "shipped", b"shipped"))
    assert sorted(p.name for p in root.iterdir()) == [CURRENT, SHIPPED_RECORD, "v0001"]
    assert (served / MODEL_FILE).read_bytes() == b"shipped"
