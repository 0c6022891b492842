"""Runs the playground: the emulator with the chat page, and the unchanged bot as a subprocess.

The bot is started exactly as an operator starts it (`python -m bot`, settings in the
environment), only pointed at the emulator, so what the page shows is what Telegram users get.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import os
import signal
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from bot.settings import Env
from emulator.core import Emulator
from emulator.playground import Playground
from playground import texts

READY_SECONDS = 90.0
"""Loading the model takes a few seconds; a busy CI machine may need many more."""
STOP_SECONDS = 15.0
"""The bot finishes what it is doing on SIGTERM; after this long it is killed."""
LOG_PREFIX = "bot | "
BOT_NAME = "digitbot"
BOT_USERNAME = "digitbot_playground_bot"
LOOPBACK = ("127.0.0.1", "localhost", "::1")
LOG_LINE_LIMIT = 1024 * 1024
"""asyncio's default of 64 KiB per line would end log forwarding at one huge log line."""
UPDATE_IDS_FROM = (1_767_225_600, 100_000_001)
"""Update ids count from the clock: 2026-01-01 00:00 UTC (Unix seconds) had this id..."""
UPDATE_IDS_PER_SECOND = 4
"""...and each second since adds this many: far more than a person sends, and within a
32-bit integer until 2040."""


@dataclass(frozen=True)
class Options:
    host: str = "127.0.0.1"
    port: int = 8080
    data_dir: Path = Path("data/playground")
    log_level: str = "INFO"
    log_file: Path | None = None
    mnist: Path | None = None
    """A local mnist.npz handed to the bot (DIGITBOT_MNIST_PATH), so /retrain needs no network."""


def bot_environment(emulator: Emulator, admin_id: int, options: Options) -> dict[str, str]:
    """The caller's environment (MODEL_DIR etc. pass through) with the emulator's connection,
    and ``--mnist`` as the bot's DIGITBOT_MNIST_PATH (an absolute path: the bot may resolve it
    from another directory)."""
    local_mnist: dict[str, str] = (
        {Env.DIGITBOT_MNIST_PATH: str(options.mnist.resolve())} if options.mnist else {}
    )
    return {
        **os.environ,
        **local_mnist,
        Env.TELEGRAM_BOT_TOKEN: emulator.token,
        Env.TELEGRAM_API_BASE_URL: emulator.api_base_url,
        Env.TELEGRAM_FILE_BASE_URL: emulator.file_base_url,
        Env.ADMIN_IDS: str(admin_id),
        Env.DATA_DIR: str(options.data_dir),
        Env.LOG_LEVEL: options.log_level,
        "PYTHONUNBUFFERED": "1",
    }


async def run(options: Options) -> int:
    """Serves until Ctrl-C/SIGTERM (exit 0) or until the bot stops by itself (its status)."""
    emulator = Emulator(
        bot_name=BOT_NAME,
        bot_username=BOT_USERNAME,
        host=options.host,
        port=options.port,
        first_update_id=first_update_id(time.time()),
    )
    playground = Playground(emulator)
    playground.install(emulator.app)
    try:
        await emulator.start()
    except OSError as error:
        _say(texts.port_taken(options.host, options.port, str(error.strerror)))
        return 2
    try:
        return await _serve(emulator, playground, options)
    finally:
        await emulator.stop()


def first_update_id(now: float) -> int:
    """The id a playground started at ``now`` (Unix seconds) counts its updates from.

    Telegram's update ids only rise, and the bot keeps the ids it has answered in its data
    directory, which outlives the playground: a redelivered id is dropped. Counting from the
    same first id every run, a restarted playground's first updates were taken for answered
    ones and got no reply. Counted from the clock, each run starts above the last one's ids."""
    epoch, first = UPDATE_IDS_FROM
    return first + UPDATE_IDS_PER_SECOND * max(0, int(now - epoch))


async def _serve(emulator: Emulator, playground: Playground, options: Options) -> int:
    try:
        options.data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        _say(texts.folder_unusable("--data-dir", options.data_dir, str(error.strerror)))
        return 2
    if options.log_file is not None:
        try:
            options.log_file.parent.mkdir(parents=True, exist_ok=True)
            options.log_file.open("a", encoding="utf-8").close()
        except OSError as error:
            _say(texts.folder_unusable("--log-file", options.log_file, str(error.strerror)))
            return 2
    bot = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        env=bot_environment(emulator, playground.admin_id, options),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        start_new_session=True,  # Ctrl-C reaches only us; we stop the bot in order
        preexec_fn=_ending_with(os.getpid()) if sys.platform == "linux" else None,
        limit=LOG_LINE_LIMIT,
    )
    assert bot.stdout is not None
    with _log_sink(options.log_file) as sink:
        forwarding = asyncio.create_task(_forward(bot.stdout, sink))
        stopping = _stop_requested()
        exited = asyncio.create_task(bot.wait())
        ready = asyncio.create_task(emulator.wait_for_polling(timeout=READY_SECONDS))
        waiting: set[asyncio.Future[Any]] = {ready, exited, stopping}
        await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
        if exited.done():
            _say(texts.bot_ended_during_start_up(bot.returncode))
        elif ready.done() and ready.exception() is not None:
            _say(texts.bot_not_polling(READY_SECONDS))
        elif ready.done():
            _announce(emulator, playground, options)
            waiting = {exited, stopping}
            await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
        for task in (ready, stopping):
            task.cancel()
        status = await _stop(bot, exited)
        await forwarding
    return 0 if stopping.done() and not stopping.cancelled() else status or 1


PR_SET_PDEATHSIG = 1
"""prctl(2)'s option that asks the kernel for a signal when the process's parent dies."""


def _ending_with(playground: int) -> Callable[[], None]:
    """What the bot's process runs before it starts (Linux): the kernel sends it SIGTERM when
    the playground (pid ``playground``) dies, however it dies. In its own session, a bot whose
    playground was killed (SIGKILL, a crash) kept polling the dead emulator, orphaned."""

    prctl = ctypes.CDLL(None, use_errno=True).prctl  # looked up before the fork, not in it

    def ask_for_sigterm() -> None:
        prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != playground:  # the playground died before the request was made
            os.kill(os.getpid(), signal.SIGTERM)

    return ask_for_sigterm


def _stop_requested() -> asyncio.Future[None]:
    """Resolves on SIGINT or SIGTERM, so both end the playground the same tidy way."""
    loop = asyncio.get_running_loop()
    stopping: asyncio.Future[None] = loop.create_future()

    def request_stop() -> None:
        if not stopping.done():
            stopping.set_result(None)

    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):  # Windows: Ctrl-C still interrupts
            loop.add_signal_handler(signum, request_stop)
    return stopping


async def _stop(bot: asyncio.subprocess.Process, exited: asyncio.Task[int]) -> int:
    if not exited.done():
        bot.terminate()
        try:
            await asyncio.wait_for(asyncio.shield(exited), STOP_SECONDS)
        except TimeoutError:
            _say(texts.bot_not_stopping(STOP_SECONDS))
            bot.kill()
    return await exited


async def _forward(stream: asyncio.StreamReader, sink: TextIO) -> None:
    """Copies the bot's log lines as they come (the bot keeps its token out of them)."""
    async for line in stream:
        sink.write(LOG_PREFIX + line.decode(errors="replace"))
        sink.flush()


@contextlib.contextmanager
def _log_sink(path: Path | None) -> Iterator[TextIO]:
    if path is None:
        yield sys.stderr
        return
    with path.open("a", encoding="utf-8") as sink:
        yield sink


def _announce(emulator: Emulator, playground: Playground, options: Options) -> None:
    admin = playground.people["admin"]
    lines = texts.ready(emulator.url, admin.first_name, admin.id, str(options.data_dir))
    if options.host not in LOOPBACK:
        port = emulator.url.rsplit(":", 1)[1]
        lines.append(texts.open_to_the_network(options.host, port))
    print("\n".join(lines), flush=True)


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
