"""Methods that put messages in chats or change them: send, chat action, edit, delete."""

from __future__ import annotations

import copy
import time
from typing import Any

from emulator.api import inputs
from emulator.errors import bad_request
from emulator.models import Chat
from emulator.params import Params
from emulator.world import World

CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
NOT_MODIFIED = bad_request(
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
_MEDIA_FIELDS = ("photo", "document", "caption", "caption_entities")


def _send(world: World, chat: Chat, params: Params, content: dict[str, Any]) -> dict[str, Any]:
    replied = inputs.reply_to(world, params, chat)
    keyboard = inputs.inline_keyboard(params)
    if keyboard is not None:
        content["reply_markup"] = keyboard
    message = world.add_message(chat, world.bot, content, replied)
    world.bot_sent_last(chat.id)
    world.recorder.record("sent", chat.id, world.snapshot(message))
    return message


async def send_message(world: World, params: Params) -> dict[str, Any]:
    chat = inputs.target_chat(world, params)
    return _send(world, chat, params, inputs.text_fields(world, params))


async def send_photo(world: World, params: Params) -> dict[str, Any]:
    chat = inputs.target_chat(world, params)
    caption = inputs.caption_fields(world, params)
    source = inputs.input_file(params, "photo", params.raw("photo"))
    return _send(world, chat, params, {"photo": inputs.photo_sizes(world, source), **caption})


async def send_document(world: World, params: Params) -> dict[str, Any]:
    chat = inputs.target_chat(world, params)
    caption = inputs.caption_fields(world, params)
    source = inputs.input_file(params, "document", params.raw("document"))
    return _send(world, chat, params, {"document": inputs.document(world, source), **caption})


async def send_chat_action(world: World, params: Params) -> bool:
    chat = inputs.target_chat(world, params)
    action = params.str("action", required="action is empty")
    if action not in CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    world.recorder.record("chat_action", chat.id, action=action)
    return True


def _editable(world: World, params: Params) -> tuple[Chat, dict[str, Any]]:
    if params.str("inline_message_id"):
        raise bad_request("inline messages are not supported by this emulator")
    chat = inputs.target_chat(world, params)
    message_id = params.int("message_id", required="message identifier is not specified")
    message = world.require_message(chat.id, message_id, "message to edit not found")
    if not world.is_from_bot(message):
        raise bad_request("message can't be edited")
    return chat, message


def _edit(
    world: World,
    params: Params,
    chat: Chat,
    message: dict[str, Any],
    *,
    changes: dict[str, Any],
    replaced: tuple[str, ...],
) -> dict[str, Any]:
    """Applies `changes`, dropping the `replaced` fields they leave out, as Telegram does.

    The inline keyboard is always replaced: an edit without reply_markup removes it.
    """
    keyboard = inputs.inline_keyboard(params)
    if keyboard is not None:
        changes = {**changes, "reply_markup": keyboard}
    removed = [key for key in (*replaced, "reply_markup") if key not in changes]
    before = {key: message.get(key) for key in (*changes, *removed)}
    if before == {**dict.fromkeys(removed), **changes}:
        raise NOT_MODIFIED
    for key in removed:
        message.pop(key, None)
    message.update(changes)
    message["edit_date"] = int(time.time())
    world.recorder.record("edited", chat.id, world.snapshot(message))
    return copy.deepcopy(message)


async def edit_message_text(world: World, params: Params) -> dict[str, Any]:
    chat, message = _editable(world, params)
    if "text" not in message:
        raise bad_request("there is no text in the message to edit")
    fields = inputs.text_fields(world, params)
    return _edit(world, params, chat, message, changes=fields, replaced=("entities",))


async def edit_message_caption(world: World, params: Params) -> dict[str, Any]:
    chat, message = _editable(world, params)
    if "text" in message:
        raise bad_request("there is no caption in the message to edit")
    fields = inputs.caption_fields(world, params)
    replaced = ("caption", "caption_entities")
    return _edit(world, params, chat, message, changes=fields, replaced=replaced)


async def edit_message_reply_markup(world: World, params: Params) -> dict[str, Any]:
    chat, message = _editable(world, params)
    return _edit(world, params, chat, message, changes={}, replaced=())


async def edit_message_media(world: World, params: Params) -> dict[str, Any]:
    chat, message = _editable(world, params)
    if "text" in message:
        raise bad_request("there is no media in the message to edit")
    media = params.json("media", error="can't parse InputMedia JSON object")
    if not isinstance(media, dict) or media.get("type") not in {"photo", "document"}:
        raise bad_request("can't parse InputMedia: only photo and document are emulated")
    source = inputs.input_file(params, "media", media.get("media"))
    content = (
        {"photo": inputs.photo_sizes(world, source)}
        if media["type"] == "photo"
        else {"document": inputs.document(world, source)}
    )
    caption = inputs.caption_fields(world, Params(media, {}))
    changes = {**content, **caption}
    return _edit(world, params, chat, message, changes=changes, replaced=_MEDIA_FIELDS)


async def delete_message(world: World, params: Params) -> bool:
    chat = inputs.target_chat(world, params)
    message_id = params.int("message_id", required="message identifier is not specified")
    message = world.require_message(chat.id, message_id, "message to delete not found")
    world.delete_message(chat.id, message_id)
    world.recorder.record("deleted", chat.id, world.snapshot(message, deleted=True))
    return True
