"""The order in which an album's photos are noted, with a real Bot API (the emulator) and store."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from telegram import Bot, Chat, Message, MessageEntity, PhotoSize, Update

from bot import filters
from bot.inbox import DurableUpdateProcessor
from bot.storage import Store
from emulator import SyncEmulator


def _album_photo(bot: Bot, update_id: int, caption: str | None = None) -> Update:
    entities = [MessageEntity(MessageEntity.MENTION, 0, len(caption))] if caption else []
    message = Message(
        update_id,
        datetime.now(UTC),
        Chat(-100, Chat.SUPERGROUP),
        photo=[PhotoSize(f"file{update_id}", f"unique{update_id}", 640, 480)],
        media_group_id="album",
        caption=caption,
        caption_entities=entities,
    )
    message.set_bot(bot)
    return Update(update_id, message=message)


async def test_an_album_is_noted_as_addressed_before_its_first_photo_awaits_anything(
    tmp_path: Path,
) -> None:
    """Updates are handled concurrently, and each first waits for the store's "handled
    already?" check; the album's second photo may reach the filters before the first, whose
    @mention addresses the album. So the first is noted as it arrives, before any await."""
    store = Store(tmp_path / "db.sqlite3")
    processor = DurableUpdateProcessor(8, store)
    processor.on_arrival = filters.ADDRESSED_ALBUM.remember
    with SyncEmulator() as emu:
        async with Bot(emu.token, base_url=emu.api_base_url) as bot:
            first = _album_photo(bot, 1, caption=f"@{bot.username}")
            second = _album_photo(bot, 2)
            assert not filters.IMAGE_REQUEST.check_update(second), "not addressed before the first"

            handled = asyncio.Event()

            async def handle() -> None:
                handled.set()

            arriving = asyncio.create_task(processor.do_process_update(first, handle()))
            await asyncio.sleep(0)
            assert not handled.is_set(), "the first photo is still in the store's check"
            assert filters.IMAGE_REQUEST.check_update(second)
            await asyncio.wait_for(arriving, 10)
            assert handled.is_set()
    store.close()
