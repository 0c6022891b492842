"""Stored files: each photo size, document, sticker... has a file_id to download or resend."""

from __future__ import annotations

import itertools
import secrets
from dataclasses import dataclass

from emulator.errors import bad_request

# getFile refuses files above this size, exactly like the cloud Bot API.
MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class StoredFile:
    file_id: str
    file_unique_id: str
    file_path: str
    data: bytes
    mime_type: str | None = None
    file_name: str | None = None

    @property
    def size(self) -> int:
        return len(self.data)


class FileStore:
    """File ids are opaque random strings, like Telegram's, so a bot cannot guess or parse them."""

    def __init__(self) -> None:
        self._by_id: dict[str, StoredFile] = {}
        self._by_path: dict[str, StoredFile] = {}
        self._numbers = itertools.count(1)

    def add(
        self,
        data: bytes,
        folder: str,
        extension: str,
        *,
        mime_type: str | None = None,
        file_name: str | None = None,
    ) -> StoredFile:
        number = next(self._numbers)
        stored = StoredFile(
            file_id="AgAC" + secrets.token_urlsafe(30),
            file_unique_id="AQAD" + secrets.token_urlsafe(9),
            file_path=f"{folder}/file_{number}.{extension}",
            data=data,
            mime_type=mime_type,
            file_name=file_name,
        )
        self._by_id[stored.file_id] = stored
        self._by_path[stored.file_path] = stored
        return stored

    def get(self, file_id: str) -> StoredFile:
        try:
            return self._by_id[file_id]
        except KeyError:
            raise bad_request("invalid file_id") from None

    def by_path(self, file_path: str) -> StoredFile | None:
        return self._by_path.get(file_path)

    def downloadable(self, file_id: str) -> StoredFile:
        stored = self.get(file_id)
        if stored.size > MAX_DOWNLOAD_BYTES:
            raise bad_request("file is too big")
        return stored
