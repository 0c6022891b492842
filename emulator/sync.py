"""A blocking facade over `Emulator` for code without an event loop, e.g. pytest tests that run
the bot as a subprocess: the emulator runs on its own event loop in a daemon thread.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import threading
from collections.abc import Callable, Coroutine
from concurrent.futures import Future
from typing import Any, Concatenate, ParamSpec, Self, TypeVar, overload

from emulator.core import Emulator, EmulatorStats
from emulator.models import User

P = ParamSpec("P")
R = TypeVar("R")


@overload
def _on_loop(
    function: Callable[Concatenate[Emulator, P], Coroutine[Any, Any, R]],
) -> Callable[Concatenate[SyncEmulator, P], R]: ...


@overload
def _on_loop(
    function: Callable[Concatenate[Emulator, P], R],
) -> Callable[Concatenate[SyncEmulator, P], R]: ...


def _on_loop(
    function: Callable[Concatenate[Emulator, P], Any],
) -> Callable[Concatenate[SyncEmulator, P], Any]:
    """Wraps an Emulator method to run on the emulator's loop and block until it's done."""

    @functools.wraps(function)
    def call(self: SyncEmulator, /, *args: P.args, **kwargs: P.kwargs) -> Any:
        async def run() -> Any:
            result = function(self.core, *args, **kwargs)
            return await result if inspect.isawaitable(result) else result

        return self._run(run())

    return call


class SyncEmulator:
    """The same API as `Emulator`, blocking; waits take `timeout=` like the async ones.

    >>> with SyncEmulator() as emu:
    ...     alice = emu.add_user("Alice", "alice")
    ...     emu.send_text(alice, "/start")
    ...     reply = emu.wait_for_message(alice, timeout=10)
    """

    def __init__(self, token: str | None = None, **options: Any) -> None:
        self._token = token
        self._options = options
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._core: Emulator | None = None

    @property
    def core(self) -> Emulator:
        if self._core is None:
            raise RuntimeError("the emulator is not running; call start() first")
        return self._core

    def _run(self, coroutine: Coroutine[Any, Any, R]) -> R:
        if self._loop is None:
            coroutine.close()
            raise RuntimeError("the emulator is not running; call start() first")
        future: Future[R] = asyncio.run_coroutine_threadsafe(coroutine, self._loop)
        return future.result()

    def start(self) -> Self:
        loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=loop.run_forever, name="emulator", daemon=True)
        self._thread.start()
        self._loop = loop

        async def create() -> Emulator:
            return await Emulator(self._token, **self._options).start()

        try:
            self._core = self._run(create())
        except BaseException:
            self._stop_loop()
            raise
        return self

    def stop(self) -> None:
        if self._loop is None or self._thread is None:
            return
        self._run(self.core.stop())
        self._stop_loop()

    def _stop_loop(self) -> None:
        loop, thread = self._loop, self._thread
        self._loop = self._thread = self._core = None
        if loop is not None and thread is not None:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout=5)
            loop.close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def api_base_url(self) -> str:
        return self.core.api_base_url

    @property
    def file_base_url(self) -> str:
        return self.core.file_base_url

    @property
    def url(self) -> str:
        return self.core.url

    @property
    def token(self) -> str:
        return self.core.token

    @property
    def bot(self) -> User:
        return self.core.bot

    @property
    def stats(self) -> EmulatorStats:
        return self._run(_read(lambda: self.core.stats))

    add_user = _on_loop(Emulator.add_user)
    add_other_bot = _on_loop(Emulator.add_other_bot)
    private_chat = _on_loop(Emulator.private_chat)
    add_group = _on_loop(Emulator.add_group)
    send_text = _on_loop(Emulator.send_text)
    send_command = _on_loop(Emulator.send_command)
    send_photo = _on_loop(Emulator.send_photo)
    send_document = _on_loop(Emulator.send_document)
    send_album = _on_loop(Emulator.send_album)
    forge_press = _on_loop(Emulator.forge_press)
    drop_next = _on_loop(Emulator.drop_next)
    answer_get_file_with = _on_loop(Emulator.answer_get_file_with)
    send_sticker = _on_loop(Emulator.send_sticker)
    send_voice = _on_loop(Emulator.send_voice)
    send_video = _on_loop(Emulator.send_video)
    send_animation = _on_loop(Emulator.send_animation)
    press_button = _on_loop(Emulator.press_button)
    sent_messages = _on_loop(Emulator.sent_messages)
    history = _on_loop(Emulator.history)
    actions = _on_loop(Emulator.actions)
    chat_actions = _on_loop(Emulator.chat_actions)
    callback_answers = _on_loop(Emulator.callback_answers)
    commands = _on_loop(Emulator.commands)
    mark = _on_loop(Emulator.mark)
    wait_for = _on_loop(Emulator.wait_for)
    wait_for_polling = _on_loop(Emulator.wait_for_polling)
    wait_for_webhook = _on_loop(Emulator.wait_for_webhook)
    wait_for_message = _on_loop(Emulator.wait_for_message)
    wait_for_edit = _on_loop(Emulator.wait_for_edit)
    fail_next = _on_loop(Emulator.fail_next)
    garble_next = _on_loop(Emulator.garble_next)
    flood_next = _on_loop(Emulator.flood_next)
    slow_down = _on_loop(Emulator.slow_down)
    clear_faults = _on_loop(Emulator.clear_faults)
    block_bot = _on_loop(Emulator.block_bot)
    unblock_bot = _on_loop(Emulator.unblock_bot)


async def _read(getter: Callable[[], R]) -> R:
    return getter()
