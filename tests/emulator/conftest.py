"""A running emulator and a real python-telegram-bot client talking to it over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram import Bot

from emulator import Emulator


@pytest.fixture
async def emu() -> AsyncIterator[Emulator]:
    async with Emulator() as running:
        yield running


@pytest.fixture
async def bot(emu: Emulator) -> AsyncIterator[Bot]:
    async with Bot(emu.token, base_url=emu.api_base_url, base_file_url=emu.file_base_url) as bot:
        yield bot
