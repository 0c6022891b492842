"""The Bot API methods the emulator implements, each checking its input as Telegram does.

Method names are matched case-insensitively, like api.telegram.org. A handler takes the world
and the call's Params and returns the `result` of a successful answer, or raises ApiError.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from emulator.api import messages, service
from emulator.errors import NOT_FOUND
from emulator.params import Params
from emulator.world import World

Handler = Callable[[World, Params], Awaitable[Any]]

HANDLERS: dict[str, Handler] = {
    "getMe": service.get_me,
    "logOut": service.log_out,
    "close": service.close,
    "getUpdates": service.get_updates,
    "setWebhook": service.set_webhook,
    "deleteWebhook": service.delete_webhook,
    "getWebhookInfo": service.get_webhook_info,
    "setMyCommands": service.set_my_commands,
    "getMyCommands": service.get_my_commands,
    "deleteMyCommands": service.delete_my_commands,
    "getChat": service.get_chat,
    "getFile": service.get_file,
    "answerCallbackQuery": service.answer_callback_query,
    "sendMessage": messages.send_message,
    "sendPhoto": messages.send_photo,
    "sendDocument": messages.send_document,
    "sendChatAction": messages.send_chat_action,
    "editMessageText": messages.edit_message_text,
    "editMessageCaption": messages.edit_message_caption,
    "editMessageReplyMarkup": messages.edit_message_reply_markup,
    "editMessageMedia": messages.edit_message_media,
    "deleteMessage": messages.delete_message,
}
_BY_LOWER_NAME = {name.lower(): handler for name, handler in HANDLERS.items()}


class BotApi:
    def __init__(self, world: World) -> None:
        self.world = world

    async def call(self, method: str, params: Params) -> Any:
        handler = _BY_LOWER_NAME.get(method.lower())
        if handler is None:
            raise NOT_FOUND
        return await handler(self.world, params)
