"""Typed access to Bot API call parameters, whichever way the client encoded them.

Telegram accepts a query string, url-encoded or multipart form fields and a JSON body. In form
encodings every value is a string and complex values (reply_markup, commands, media...) are
JSON-serialised, which is what python-telegram-bot sends; a JSON body carries real types.
"""

from __future__ import annotations

import builtins
import json
from dataclasses import dataclass
from typing import Any, overload

from emulator.errors import bad_request


@dataclass(frozen=True)
class Upload:
    """A file part of a multipart request."""

    filename: str
    content_type: str
    data: bytes


class Params:
    """The parameters of one call, with converters that fail like Telegram does."""

    def __init__(self, values: dict[str, Any], uploads: dict[str, Upload]) -> None:
        self._values = values
        self._uploads = uploads

    def raw(self, name: str) -> Any:
        return self._values.get(name)

    def str(self, name: str, *, required: str | None = None) -> str | None:
        """`required` is Telegram's complaint when the parameter is missing or empty."""
        value = self._values.get(name)
        if value is None or value == "":
            if required:
                raise bad_request(required)
            return None
        return value if isinstance(value, str) else json.dumps(value)

    @overload
    def int(self, name: builtins.str, *, required: builtins.str) -> builtins.int: ...

    @overload
    def int(self, name: builtins.str, *, required: None = None) -> builtins.int | None: ...

    def int(
        self, name: builtins.str, *, required: builtins.str | None = None
    ) -> builtins.int | None:
        """With ``required`` (Telegram's complaint when it is missing) never None."""
        value = self._values.get(name)
        if value is None or value == "":
            if required:
                raise bad_request(required)
            return None
        if isinstance(value, bool):
            raise bad_request(f"invalid {name} specified")
        try:
            return int(value)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {name} specified") from None

    def float(self, name: builtins.str) -> builtins.float | None:
        value = self._values.get(name)
        if value is None or value == "":
            return None
        try:
            return float(value)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {name} specified") from None

    def bool(self, name: builtins.str) -> builtins.bool:
        value = self._values.get(name)
        if isinstance(value, bool):
            return value
        return str(value).lower() in {"true", "1"}

    def json(self, name: builtins.str, *, error: builtins.str | None = None) -> Any:
        """Decodes a JSON-serialised parameter; a JSON body already holds the decoded value."""
        value = self._values.get(name)
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            return value
        try:
            return json.loads(value)
        except ValueError:
            raise bad_request(error or f"can't parse {name} JSON object") from None

    def upload(self, name: builtins.str) -> Upload | None:
        return self._uploads.get(name)

    def attachment(self, reference: builtins.str) -> Upload | None:
        """Resolves an `attach://<name>` reference used inside InputMedia objects."""
        if reference.startswith("attach://"):
            return self._uploads.get(reference.removeprefix("attach://"))
        return None
