"""Downloading the file of a message, from the Bot API's file server and nowhere else.

python-telegram-bot reads any getFile ``file_path`` that exists on the bot's own disk as a local
file: a Bot API server (or whoever answers in its place) could make the bot read /etc/passwd or
a 2 GB file. Here a local path is read only when the operator said a local Bot API server runs
(``TELEGRAM_LOCAL_MODE``), and only after its size passed the limit.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from telegram import Bot, File
from telegram.error import BadRequest, InvalidToken


class DownloadRefusedError(Exception):
    """The file cannot be fetched safely; the message is for the log."""


class FileTooLargeError(Exception):
    """The file is larger than the limit; ``size`` in bytes."""

    def __init__(self, size: int) -> None:
        super().__init__(f"{size} bytes")
        self.size = size


async def download(bot: Bot, file: File, limit: int, *, local_mode: bool) -> bytes:
    """The file's bytes. Raises FileTooLargeError, DownloadRefusedError, or python-telegram-bot's
    NetworkError family for a failed download (retry those)."""
    path = file.file_path
    if not path:
        raise DownloadRefusedError("getFile gave no file_path")
    if file.file_size is not None and file.file_size > limit:
        raise FileTooLargeError(file.file_size)
    if path.startswith(f"{bot.base_file_url}/"):
        try:
            return bytes(await bot.request.retrieve(path))
        except (BadRequest, InvalidToken) as error:
            # 4xx from the file server (python-telegram-bot calls 401/404 InvalidToken).
            raise DownloadRefusedError(f"the file server refused it: {error}") from None
    if not local_mode:
        raise DownloadRefusedError(
            "getFile gave a path on this machine, and TELEGRAM_LOCAL_MODE is off"
        )
    return await asyncio.to_thread(_read_local, Path(path), limit)


def _read_local(path: Path, limit: int) -> bytes:
    try:
        if not path.is_file():
            raise DownloadRefusedError("the local path is not a file")
        size = path.stat().st_size
        if size > limit:
            raise FileTooLargeError(size)
        with path.open("rb") as local:
            data = local.read(limit + 1)  # the file may have grown since stat
    except OSError as error:
        raise DownloadRefusedError(f"cannot read the local file: {error.strerror}") from None
    if len(data) > limit:
        raise FileTooLargeError(len(data))
    return data
