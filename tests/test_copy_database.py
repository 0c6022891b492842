"""Moving an existing SQLite database into PostgreSQL with the one documented command."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from bot.storage import LabelStatus, LoggedDigit, Store
from tests.test_bot_storage import LEGACY_DATABASE, pending_crops

COMMAND = Path(sys.executable).parent / "digitbot-copy-database"


def copy(source: str, target: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(COMMAND), source, target], capture_output=True, text=True, check=False, timeout=120
    )


def test_a_pre_alembic_sqlite_database_moves_into_postgresql(
    tmp_path: Path, postgres_url: str
) -> None:
    source = tmp_path / "digitbot.sqlite3"
    shutil.copyfile(LEGACY_DATABASE, source)
    done = copy(str(source), postgres_url)
    assert done.returncode == 0, done.stderr
    for rows in ("4 answers", "4 predictions", "2 pending_crops", "2 samples", "0 updates"):
        assert rows in done.stdout

    moved = Store(postgres_url)
    try:
        usage = moved.usage()
        assert (usage.predictions_total, usage.feedback_total, usage.feedback_correct) == (4, 2, 1)
        assert pending_crops(moved) == [2, 4]
        assert moved.label_status(2, 11) is LabelStatus.OPEN
        assert moved.save_label(2, 11, 5) is LabelStatus.SAVED
        answer = moved.log_answer(11, 11, [LoggedDigit(3, 0.9, b"png")])
        assert (answer.id, answer.prediction_ids) == (5, (5,)), "ids go on after the copied ones"
    finally:
        moved.close()

    again = copy(str(source), postgres_url)
    assert again.returncode == 2
    assert "copy into an empty database" in again.stderr


def test_a_missing_source_is_reported(tmp_path: Path, postgres_url: str) -> None:
    done = copy(str(tmp_path / "nothing.sqlite3"), postgres_url)
    assert done.returncode == 2
    assert "no database at" in done.stderr
    assert not (tmp_path / "nothing.sqlite3").exists()
