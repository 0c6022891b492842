"""MODEL_DIR across restarts and upgrades: a new shipped model is served, a known one is not."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.model_store import ModelStore
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
    assert "MODEL_DIR" in caplog.text


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
