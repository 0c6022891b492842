"""`digitbot-playground` end to end without a browser: the real launcher starts the real bot with
the shipped model; the page's HTTP routes stand in for the page."""

from __future__ import annotations

import io
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from PIL import Image

from bot import texts
from bot.settings import Env, load_settings
from emulator.core import Emulator
from playground.__main__ import _options
from playground.launcher import BOT_USERNAME
from playground.launcher import bot_environment as playground_environment
from tests.botharness import bot_environment, digit_photo, first_of_each_digit, gone, reads_as
from tests.playgroundharness import PlaygroundProcess

REPLY_SECONDS = 30
TOKEN_SHAPE = re.compile(r"\d{6,}:[A-Za-z0-9_-]{30,}")


@pytest.fixture(scope="module")
def playground(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PlaygroundProcess]:
    with PlaygroundProcess(tmp_path_factory.mktemp("launcher")) as running:
        yield running


@pytest.fixture
def client(playground: PlaygroundProcess) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=playground.url, timeout=REPLY_SECONDS) as session:
        yield session


def bot_reply(client: httpx.Client, who: str, after: int) -> dict[str, Any]:
    """The bot's first message in `who`'s chat with an id above `after`, once it has come."""
    deadline = time.monotonic() + REPLY_SECONDS
    version = ""
    while time.monotonic() < deadline:
        chat = client.get(f"/api/chats/{who}", params={"after": version} if version else {}).json()
        version = chat["version"]
        replies = [m for m in chat["messages"] if m["from_bot"] and m["id"] > after]
        if replies:
            return replies[0]
    raise AssertionError(f"no reply from the bot in {who}'s chat after message {after}")


def test_a_digit_photo_is_read_by_the_real_bot(client: httpx.Client, mnist) -> None:
    for digit in (3, 8):
        image = mnist.x_test[first_of_each_digit(mnist.y_test)[digit]]
        files = {"file": (f"{digit}.jpg", digit_photo(image, "JPEG", side=3000), "image/jpeg")}
        sent = client.post("/api/chats/user/photo", files=files).json()
        assert sent["sent_as"] == "photo"
        answer = bot_reply(client, "user", sent["message_id"])
        assert reads_as(answer["text"], digit), answer["text"]
        assert [button["text"] for button in answer["buttons"][0]] == ["Right", "Wrong"]
        chart = client.get(answer["photo"])
        assert chart.status_code == 200
        assert chart.content.startswith(b"\x89PNG")


def test_a_text_file_gets_the_bots_friendly_reply(client: httpx.Client) -> None:
    files = {"file": ("digit.txt", b"seven", "text/plain")}
    sent = client.post("/api/chats/user/photo", files=files).json()
    assert sent["sent_as"] == "document"
    assert bot_reply(client, "user", sent["message_id"])["text"] == texts.not_an_image_file()


def test_a_huge_image_file_gets_the_bots_size_limit(client: httpx.Client) -> None:
    """Sent uncompressed with the paper clip, as in Telegram, so no app shrinks it first."""
    noise = np.random.default_rng(7).integers(0, 256, (2000, 2000, 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(noise).save(buffer, format="PNG", compress_level=0)
    data = buffer.getvalue()
    files = {"file": ("scan.png", data, "image/png")}
    sent = client.post("/api/chats/user/document", files=files).json()
    assert sent["sent_as"] == "document"
    reply = bot_reply(client, "user", sent["message_id"])["text"]
    default_limit = load_settings(
        {Env.TELEGRAM_BOT_TOKEN: "123:" + "x" * 30}, env_file=None
    ).max_image_bytes
    assert reply == texts.too_large(len(data), default_limit)


def test_the_admin_user_is_the_bots_admin(client: httpx.Client) -> None:
    replies = {}
    for who in ("user", "admin"):
        sent = client.post(f"/api/chats/{who}/text", json={"text": "/debug"}).json()
        replies[who] = bot_reply(client, who, sent["message_id"])["text"]
    assert replies["user"] == texts.admins_only()
    assert replies["admin"] != texts.admins_only()
    assert "tensorflow" in replies["admin"].lower()


def test_sigterm_stops_the_bot_cleanly(tmp_path: Path) -> None:
    with PlaygroundProcess(tmp_path) as playground:
        assert playground.url.startswith("http://127.0.0.1:")
        assert playground.stop() == 0
    log = playground.log_path.read_text()
    assert "Application.stop() complete" in log
    printed = log + "".join(playground.stdout)
    assert not TOKEN_SHAPE.search(printed), "the generated bot token was printed"


def test_a_killed_playground_takes_its_bot_with_it(tmp_path: Path) -> None:
    """SIGKILL gives the playground no chance to stop the bot, which runs in its own session:
    the kernel ends the bot (the parent-death signal) instead of leaving it polling a dead
    emulator."""
    with PlaygroundProcess(tmp_path) as playground:
        assert playground.process is not None
        launcher = playground.process.pid
        children = Path(f"/proc/{launcher}/task/{launcher}/children").read_text().split()
        assert len(children) == 1, children
        bot = int(children[0])
        playground.process.kill()
        playground.process.wait(10)
        deadline = time.monotonic() + 30
        while not gone(bot) and time.monotonic() < deadline:
            time.sleep(0.2)
        outlived = not gone(bot)
        if outlived:
            os.kill(bot, signal.SIGKILL)  # leave no orphan behind a failure
        assert not outlived, f"the bot (pid {bot}) outlived its killed playground"


def test_a_restarted_playground_is_answered_at_once(tmp_path: Path) -> None:
    """The bot's data outlives the playground (README's command keeps it in ./data); the next
    run's updates are new to the bot, not taken for ones it has answered before."""
    for run in range(2):
        with (
            PlaygroundProcess(tmp_path) as playground,
            httpx.Client(base_url=playground.url, timeout=REPLY_SECONDS) as session,
        ):
            sent = session.post("/api/chats/user/text", json={"text": "/help"}).json()
            reply = bot_reply(session, "user", sent["message_id"])["text"]
            assert reply == texts.help_text(BOT_USERNAME), f"run {run}"


def playground_refusing(folder: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    """The playground run with ``arguments`` in ``folder``, which must refuse to start (exit
    status 2)."""
    finished = subprocess.run(
        [sys.executable, "-m", "playground", *arguments],
        cwd=folder,
        env=bot_environment({}),
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert finished.returncode == 2, finished.stderr
    return finished


def test_a_taken_port_gets_a_one_line_answer(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        finished = playground_refusing(tmp_path, "--port", str(port))
    assert f"cannot listen on 127.0.0.1:{port}" in finished.stderr
    assert "Traceback" not in finished.stderr
    assert not (tmp_path / "data").exists(), "it started a bot anyway"


@pytest.mark.parametrize("option", ["--data-dir", "--log-file"])
def test_a_folder_it_cannot_write_gets_a_one_line_answer(tmp_path: Path, option: str) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    finished = playground_refusing(tmp_path, "--port", "0", option, str(blocker / "inside"))
    assert f"cannot write {blocker / 'inside'}" in finished.stderr
    assert f"try another {option}" in finished.stderr
    assert "Traceback" not in finished.stderr


def test_the_playground_hands_its_local_mnist_to_the_bot(tmp_path: Path) -> None:
    """/retrain in the playground trains from this computer's copy, with no network."""

    copy = tmp_path / "mnist.npz"
    options = _options(["--mnist", str(copy), "--data-dir", str(tmp_path / "data")])
    environment = playground_environment(Emulator(), 1, options)
    assert environment[Env.DIGITBOT_MNIST_PATH] == str(copy.resolve())
    without = playground_environment(Emulator(), 1, _options([]))
    assert without.get(Env.DIGITBOT_MNIST_PATH) == os.environ.get(Env.DIGITBOT_MNIST_PATH)
