"""Runs the real bot as a subprocess against the emulator, and makes real digit images for it.

End-to-end tests use this instead of importing the bot: the bot process is started exactly as
users start it (``python -m bot`` with settings in the environment), talks HTTP to the emulator,
and is observed only from outside: what it sends, its log, its database file.

It is also a pytest plugin (``tests/conftest.py`` loads it) with the fixtures of a module that
shares one bot: ``emu`` and ``bot`` live as long as the module, ``user`` is a fresh user per
test, so tests never see each other's chats, rate limits or samples. A module sets its bot's
settings by overriding the ``bot_settings`` fixture.
"""

from __future__ import annotations

import io
import itertools
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from bot.settings import ENV_VARIABLES, Env
from emulator import Chat, SentMessage, SyncEmulator, User
from tests.conftest import REPO_ROOT

READY_LINE = "digitbot started as"
"""The bot logs this once it has registered its commands and is about to poll."""

WAIT = 20.0
"""Seconds to wait for one answer of the bot: far more than it takes, so only a hang fails."""

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
JPEG_SIGNATURE = b"\xff\xd8\xff"

MODEL_DIR_ENV = "DIGITBOT_TEST_MODEL_DIR"
"""Points the tests at another model directory than the shipped ``models/`` (development)."""


def model_dir() -> Path:
    return Path(os.environ.get(MODEL_DIR_ENV, REPO_ROOT / "models"))


def bot_environment(overrides: Mapping[str, str]) -> dict[str, str]:
    """The caller's environment without any bot setting of its own, plus ``overrides``."""
    env = {key: value for key, value in os.environ.items() if key not in ENV_VARIABLES}
    inherited = env.get("PYTHONPATH")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [inherited, str(REPO_ROOT)]))
    env["PYTHONUNBUFFERED"] = "1"
    env.update(overrides)
    return env


def run_bot_once(
    workdir: Path, overrides: Mapping[str, str], *arguments: str, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m bot`` to completion (start-up failures, the healthcheck)."""
    return subprocess.run(
        [sys.executable, "-m", "bot", *arguments],
        cwd=workdir,
        env=bot_environment(overrides),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll for state the emulator has no wait helper for (e.g. a count of messages)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.05)


class BotProcess:
    """One bot subprocess wired to an emulator; its stderr goes to a log file."""

    def __init__(
        self,
        emulator: SyncEmulator,
        workdir: Path,
        settings: Mapping[str, str] | None = None,
        launcher: Sequence[str] = (),
    ) -> None:
        """``launcher``: a command line the bot's command is appended to (a wrapper)."""
        self.emulator = emulator
        self.workdir = workdir
        self.data_dir = workdir / "data"
        self.log_path = workdir / "bot.log"
        self.settings = {
            Env.TELEGRAM_BOT_TOKEN: emulator.token,
            Env.TELEGRAM_API_BASE_URL: emulator.api_base_url,
            Env.TELEGRAM_FILE_BASE_URL: emulator.file_base_url,
            Env.DATA_DIR: str(self.data_dir),
            Env.MODEL_DIR: str(model_dir()),
            Env.LOG_LEVEL: "DEBUG",
            **(settings or {}),
        }
        self.process: subprocess.Popen[bytes] | None = None
        self._launcher = tuple(launcher)
        self._starts = 0

    def start(self, timeout: float = 60) -> BotProcess:
        """Start and wait until the bot has registered its commands (it is about to poll)."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [*self._launcher, sys.executable, "-m", "bot"],
                cwd=self.workdir,
                env=bot_environment(self.settings),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self._starts += 1
        deadline = time.monotonic() + timeout
        while self.log.count(READY_LINE) < self._starts:
            if self.process.poll() is not None:
                raise AssertionError(f"the bot exited with {self.process.returncode}:\n{self.log}")
            if time.monotonic() > deadline:
                raise AssertionError(f"the bot was not ready after {timeout}s:\n{self.log}")
            time.sleep(0.1)
        return self

    def stop(self, timeout: float = 20) -> int:
        """SIGTERM, as Docker and systemd stop it; returns the exit status."""
        return self._end(signal.SIGTERM, timeout)

    def send_signal(self, how: signal.Signals) -> None:
        assert self.process is not None, "the bot is not running"
        self.process.send_signal(how)

    def kill(self) -> int:
        """SIGKILL: no clean-up at all, like a crash or the OOM killer."""
        return self._end(signal.SIGKILL, 10)

    def _end(self, how: signal.Signals, timeout: float) -> int:
        if self.process is None:
            return 0
        if self.process.poll() is None:
            self.process.send_signal(how)
        try:
            status = self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            status = self.process.wait()
        self.process = None
        return status

    @property
    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def wait_for_log(self, text: str, timeout: float = 20) -> None:
        """Wait until the log holds ``text``: for what the bot does without messaging anyone."""
        wait_until(lambda: text in self.log, timeout, f"{text!r} in the bot's log")

    def query(self, sql: str, *parameters: object) -> list[tuple]:
        """Read the bot's database as an operator would, while the bot runs."""
        uri = f"file:{self.data_dir / 'digitbot.sqlite3'}?mode=ro"
        with sqlite3.connect(uri, uri=True) as connection:
            return connection.execute(sql, parameters).fetchall()


def gone(pid: int) -> bool:
    """Whether process ``pid`` has ended: no longer there, or a zombie (ended, not yet reaped).
    The state is read after the command's closing parenthesis, which may itself hold spaces."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] == "Z"


def digit_photo(digit_image: np.ndarray, image_format: str = "JPEG", side: int = 480) -> bytes:
    """An MNIST digit as a phone might see it: dark ink, large, on light grey paper.

    The 28x28 white-on-black digit is inverted, scaled up smoothly and centred on a bigger
    page, so the recognizer has to find, crop and normalise it like in a real photo.
    """
    half = side // 2
    ink = Image.fromarray(255 - digit_image).resize((half, half), Image.Resampling.BICUBIC)
    page = Image.new("L", (side, side), 255)
    page.paste(ink, (half // 2, half // 2))
    paper = np.asarray(page, dtype=np.float32) * (232 / 255) + 8
    rgb = Image.fromarray(paper.astype(np.uint8)).convert("RGB")
    buffer = io.BytesIO()
    rgb.save(buffer, format=image_format, **({"quality": 90} if image_format == "JPEG" else {}))
    return buffer.getvalue()


def reads_as(answer_caption: str | None, digit: int) -> bool:
    """The answer names ``digit``, confidently ("7 (99.8% sure)") or hedged ("Maybe 7 (...")."""
    caption = answer_caption or ""
    return caption.startswith((f"{digit} (", f"Maybe {digit} ("))


def first_of_each_digit(labels: np.ndarray) -> list[int]:
    """The index of the first test image of each digit 0-9: a fixed, unpicked sample."""
    return [int(np.flatnonzero(labels == digit)[0]) for digit in range(10)]


def replies_to(sent: Mapping[str, Any]) -> Callable[[SentMessage], bool]:
    """Matches the bot's message that replies to ``sent`` (a message the test sent)."""
    message_id = sent["message_id"]
    return lambda message: message.reply_to_message_id == message_id


def ask(emu: SyncEmulator, chat: Chat | User, photo: bytes, timeout: float = WAIT) -> SentMessage:
    """Send a photo and return the bot's answer to it."""
    return emu.wait_for_message(chat, replies_to(emu.send_photo(chat, photo)), timeout=timeout)


def confirm_right(emu: SyncEmulator, chat: Chat | User, photo: bytes) -> SentMessage:
    """Send a photo, press "Right" under the answer and return the answer as the bot edits it
    (thanked, its buttons gone)."""
    emu.press_button(chat, ask(emu, chat, photo), text="Right")
    return emu.wait_for_edit(chat, timeout=WAIT)


# -- fixtures of a module that shares one bot -----------------------------------------------

_names = itertools.count(1)


@pytest.fixture(scope="module")
def emu() -> Iterator[SyncEmulator]:
    with SyncEmulator() as emulator:
        yield emulator


@pytest.fixture(scope="module")
def bot_settings() -> dict[str, str]:
    """The module's bot settings beyond the emulator's connection; override it in a module."""
    return {}


@pytest.fixture(scope="module")
def bot(
    emu: SyncEmulator, tmp_path_factory: pytest.TempPathFactory, bot_settings: dict[str, str]
) -> Iterator[BotProcess]:
    process = BotProcess(emu, tmp_path_factory.mktemp("bot"), bot_settings).start()
    yield process
    assert process.stop() == 0, process.log


@pytest.fixture
def user(emu: SyncEmulator, bot: BotProcess) -> User:
    """A user nobody has seen before, chatting with the running bot."""
    return emu.add_user(f"User{next(_names)}")
