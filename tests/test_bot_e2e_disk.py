"""End-to-end: the data folder read-only or full, for real (a private tmpfs, see confined_data).

Before: a read-only folder let the bot start and pass its health check, then refuse every
photo; a full disk was reported as "disk I/O error"; SIGTERM with an unwritable folder ended in
a traceback, exit status 1, the database left open.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot import texts
from bot.settings import Env
from emulator import SyncEmulator
from tests.botharness import BotProcess, bot_environment, digit_photo, model_dir, reads_as
from tests.conftest import REPO_ROOT
from training.mnist import Mnist

WAIT = 30.0
DISK_KB = 32768
A_TOKEN = "123456789:AAbbCCddEEffGGhhIIjjKKllMMnnOOppQQr"


def confined(data_dir: Path, state: str) -> list[str]:
    """The launcher putting ``data_dir`` on its own small tmpfs (see tests/confined_data.py)."""
    script = REPO_ROOT / "tests" / "confined_data.py"
    return [
        "unshare", "--user", "--map-root-user", "--mount",
        sys.executable, str(script), str(data_dir), str(DISK_KB), state, "--",
    ]  # fmt: skip


@pytest.fixture
def emu() -> Iterator[SyncEmulator]:
    with SyncEmulator() as emulator:
        yield emulator


@pytest.fixture
def bot(emu: SyncEmulator, tmp_path: Path) -> Iterator[BotProcess]:
    workdir = tmp_path / "bot"
    process = BotProcess(emu, workdir, launcher=confined(workdir / "data", "rw")).start()
    yield process
    process.kill()


@pytest.fixture(scope="module")
def seven(mnist: Mnist) -> bytes:
    return digit_photo(mnist.x_test[0])


@pytest.mark.parametrize("arguments", [(), ("--healthcheck",)])
def test_a_read_only_data_folder_is_found_at_start_up_and_by_the_health_check(
    tmp_path: Path, arguments: tuple[str, ...]
) -> None:
    data_dir = tmp_path / "data"
    settings: dict[str, str] = {Env.TELEGRAM_BOT_TOKEN: A_TOKEN, Env.DATA_DIR: str(data_dir)}
    settings[Env.MODEL_DIR] = str(model_dir())
    result = subprocess.run(
        [*confined(data_dir, "ro"), sys.executable, "-m", "bot", *arguments],
        cwd=tmp_path,
        env=bot_environment(settings),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == (1 if arguments else 2), result.stderr
    # The last line (LiteRT may say hello on stderr first while the health check loads it).
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("digitbot: "), result.stderr
    assert "not writable" in last


def test_a_full_disk_is_called_a_full_disk(
    emu: SyncEmulator, bot: BotProcess, seven: bytes
) -> None:
    user = emu.add_user("Filler")
    sent = emu.send_photo(user, seven)
    answer = emu.wait_for_message(user, lambda m: m.reply_to_message_id == sent["message_id"])
    assert reads_as(answer.caption, 7)
    bot.send_signal(signal.SIGUSR1)
    emu.send_photo(user, seven)
    assert emu.wait_for_message(user, timeout=WAIT).text == texts.storage_down()
    bot.wait_for_log("disk full")
    assert "disk I/O error" not in bot.log


def test_sigterm_with_a_read_only_data_folder_closes_the_database_and_exits_0(
    emu: SyncEmulator, bot: BotProcess
) -> None:
    bot.send_signal(signal.SIGUSR2)
    assert bot.stop() == 0, bot.log
    assert "database closed" in bot.log
    assert "Traceback" not in bot.log
