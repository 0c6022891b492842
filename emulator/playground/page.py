"""The chat page's HTTP side: a person and an admin chatting with the bot through the emulator.

Routes sit on the emulator's own aiohttp application, so the page, the Bot API and the files
share one port and one event loop: every handler here calls the emulator's control API directly.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from aiohttp import web

from emulator import texts
from emulator.core import Emulator
from emulator.errors import ApiError
from emulator.models import ActionKind, User
from emulator.playground.views import FILE_ROUTE, chat_status, message_view, toast_views
from emulator.recorder import WaitTimeoutError

STATIC_DIR = Path(__file__).parent / "static"
LONG_POLL_SECONDS = 20.0
"""How long a page's request for news waits before answering "nothing new"."""
_VISIBLE: tuple[ActionKind, ...] = ("sent", "edited", "deleted", "chat_action", "callback_answer")
PEOPLE = ("user", "admin")


class Playground:
    """Two people the page can be: `user` and `admin` (put the admin's id in ADMIN_IDS)."""

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        self.people: dict[str, User] = {
            "user": emulator.add_user("Ada", "ada"),
            "admin": emulator.add_user("Grace", "grace_admin", last_name="(admin)"),
        }
        for person in self.people.values():
            emulator.private_chat(person)

    @property
    def admin_id(self) -> int:
        return self.people["admin"].id

    def install(self, app: web.Application) -> None:
        """Adds the page's routes; call before the emulator starts."""
        app.router.add_get("/", self._index)
        app.router.add_static("/static/", STATIC_DIR)
        app.router.add_get("/api/state", self._state)
        app.router.add_get("/api/chats/{who}", self._chat)
        app.router.add_post("/api/chats/{who}/text", self._send_text)
        app.router.add_post("/api/chats/{who}/photo", self._send_photo)
        app.router.add_post("/api/chats/{who}/document", self._send_document)
        app.router.add_post("/api/chats/{who}/press", self._press)
        app.router.add_get(FILE_ROUTE + "{file_id}", self._file)

    # -- reading -------------------------------------------------------------------------------

    async def _index(self, request: web.Request) -> web.FileResponse:
        return web.FileResponse(STATIC_DIR / "index.html")

    async def _state(self, request: web.Request) -> web.Response:
        bot = self.emulator.bot
        return web.json_response(
            {
                "bot": {"name": bot.first_name, "username": bot.username},
                "people": {
                    who: {
                        "id": person.id,
                        "name": person.first_name,
                        "admin": who == "admin",
                        "commands": self._menu(person),
                    }
                    for who, person in self.people.items()
                },
            }
        )

    def _menu(self, person: User) -> list[dict[str, str]]:
        """The commands Telegram offers this person in a private chat: those of the narrowest
        scope the bot registered (e.g. admin commands in an admin's own chat)."""
        for scope in ({"type": "chat", "chat_id": person.id}, {"type": "all_private_chats"}, None):
            commands = self.emulator.commands(scope)
            if commands:
                return commands
        return []

    async def _chat(self, request: web.Request) -> web.Response:
        """The whole chat; with `?after=<version>` it waits until something changes (long poll)."""
        person = self._person(request)
        mark = self.emulator.mark()
        if request.query.get("after") == self._version(person):
            status = chat_status(self.emulator.actions(person, _VISIBLE))
            seconds = LONG_POLL_SECONDS if status is None else 1.0
            with contextlib.suppress(WaitTimeoutError):
                await self.emulator.wait_for(
                    person, None, kinds=_VISIBLE, timeout=seconds, since=mark
                )
        actions = self.emulator.actions(person, _VISIBLE)
        return web.json_response(
            {
                "version": self._version(person),
                "messages": [
                    message_view(message, self.emulator.bot.id)
                    for message in self.emulator.history(person)
                ],
                "status": chat_status(actions),
                "toasts": toast_views(actions),
            }
        )

    def _version(self, person: User) -> str:
        """Changes whenever the bot does something or anyone writes in the chat."""
        return f"{self.emulator.mark()}.{len(self.emulator.history(person))}"

    async def _file(self, request: web.Request) -> web.Response:
        try:
            stored = self.emulator.world.files.get(request.match_info["file_id"])
        except ApiError:
            raise _refused(web.HTTPNotFound, texts.NO_SUCH_FILE) from None
        return web.Response(
            body=stored.data, content_type=stored.mime_type or "application/octet-stream"
        )

    # -- acting ----------------------------------------------------------------------------------

    async def _send_text(self, request: web.Request) -> web.Response:
        person = self._person(request)
        body = await _json(request)
        text = str(body.get("text", "")).strip()
        if not text:
            raise _bad(texts.TYPE_FIRST)
        reply_to = self._reply_to(person, body.get("reply_to"))
        return _sent(self.emulator.send_text(person, text, reply_to=reply_to), "text")

    async def _send_photo(self, request: web.Request) -> web.Response:
        """A picked photo goes as a Telegram app sends it; a file that is no image goes as a file,
        which is what the apps do with it too."""
        person = self._person(request)
        upload = await _upload(request)
        reply_to = self._reply_to(person, upload.reply_to)
        try:
            message = self.emulator.send_photo(
                person, upload.data, caption=upload.caption, reply_to=reply_to
            )
        except ValueError:
            return await self._as_document(person, upload, reply_to)
        return _sent(message, "photo")

    async def _send_document(self, request: web.Request) -> web.Response:
        person = self._person(request)
        upload = await _upload(request)
        return await self._as_document(person, upload, self._reply_to(person, upload.reply_to))

    async def _as_document(
        self, person: User, upload: _Upload, reply_to: int | None
    ) -> web.Response:
        message = self.emulator.send_document(
            person,
            upload.data,
            upload.name,
            upload.mime_type,
            caption=upload.caption,
            reply_to=reply_to,
        )
        return _sent(message, "document")

    def _reply_to(self, person: User, value: object) -> int | None:
        """The id of the message in ``person``'s chat that a message answers (a Telegram app's
        reply, e.g. /digit to a photo), or None; 400 for anything else."""
        if value in (None, ""):
            return None
        try:
            message_id = int(str(value))
        except ValueError:
            raise _bad(texts.NO_SUCH_MESSAGE) from None
        if self.emulator.world.message(person.id, message_id) is None:
            raise _bad(texts.NO_SUCH_MESSAGE)
        return message_id

    async def _press(self, request: web.Request) -> web.Response:
        person = self._person(request)
        body = await _json(request)
        try:
            self.emulator.press_button(
                person, int(body.get("message_id", 0)), data=str(body.get("data", ""))
            )
        except ValueError:
            raise _bad(texts.BUTTON_GONE) from None
        return web.json_response({"ok": True})

    def _person(self, request: web.Request) -> User:
        who = request.match_info["who"]
        if who not in self.people:
            raise _refused(web.HTTPNotFound, texts.nobody_called(who, PEOPLE))
        return self.people[who]


@dataclass(frozen=True)
class _Upload:
    name: str
    mime_type: str | None
    data: bytes
    caption: str | None
    reply_to: object
    """The form's `reply_to`, unchecked."""


async def _upload(request: web.Request) -> _Upload:
    """The form's `file` (and optional `caption`, `reply_to`); Telegram apps never send an
    empty file."""
    try:
        form = await request.post()
    except web.HTTPRequestEntityTooLarge:
        raise _bad(texts.file_too_big()) from None
    field = form.get("file")
    if not isinstance(field, web.FileField):
        raise _bad(texts.CHOOSE_A_FILE)
    data = field.file.read()
    if not data:
        raise _bad(texts.EMPTY_FILE)
    caption = str(form.get("caption") or "").strip() or None
    content_type = field.content_type
    mime_type = None if content_type in ("", "application/octet-stream") else content_type
    return _Upload(field.filename or "file", mime_type, data, caption, form.get("reply_to"))


async def _json(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        raise _bad(texts.SEND_JSON) from None
    if not isinstance(body, dict):
        raise _bad(texts.SEND_A_JSON_OBJECT)
    return body


def _sent(message: dict[str, Any], kind: str) -> web.Response:
    return web.json_response({"ok": True, "message_id": message["message_id"], "sent_as": kind})


_Refusal = TypeVar("_Refusal", bound=web.HTTPClientError)


def _bad(reason: str) -> web.HTTPBadRequest:
    """A mistake in the request: 400, with the reason for the person at the keyboard."""
    return _refused(web.HTTPBadRequest, reason)


def _refused(kind: type[_Refusal], reason: str) -> _Refusal:
    """Every refusal of the API in one shape, ``{"ok": false, "error": reason}``: the page
    shows `error` as it is, since it is written for the person at the keyboard."""
    return kind(text=json.dumps({"ok": False, "error": reason}), content_type="application/json")
