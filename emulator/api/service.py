"""Methods about the bot and its connection rather than chat messages: identity, updates,
webhook, commands, chats, files and callback query answers."""

from __future__ import annotations

import copy
import re
from typing import Any

from emulator.errors import bad_request
from emulator.params import Params
from emulator.webhook import DEFAULT_MAX_CONNECTIONS, MAX_CONNECTIONS, WebhookConfig, checked_url
from emulator.world import World

MAX_LONG_POLL_SECONDS = 50
MAX_COMMANDS = 100
MAX_CALLBACK_ANSWER = 200
_COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")
_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")
QUERY_INVALID = "query is too old and response timeout expired or query ID is invalid"


async def get_me(world: World, params: Params) -> dict[str, Any]:
    return {
        **world.bot.to_api(),
        "can_join_groups": True,
        "can_read_all_group_messages": not world.privacy_mode,
        "supports_inline_queries": False,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


async def log_out(world: World, params: Params) -> bool:
    return True


async def close(world: World, params: Params) -> bool:
    return True


async def get_updates(world: World, params: Params) -> list[dict[str, Any]]:
    wait_seconds = min(params.float("timeout") or 0.0, MAX_LONG_POLL_SECONDS)
    return await world.updates.poll(
        params.int("offset"), params.int("limit"), wait_seconds, _allowed_updates(params)
    )


def _allowed_updates(params: Params) -> list[str] | None:
    allowed = params.json("allowed_updates")
    if allowed is not None and not isinstance(allowed, list):
        raise bad_request("can't parse allowed_updates JSON array")
    return allowed


async def set_webhook(world: World, params: Params) -> bool:
    """An empty url removes the webhook, as Telegram does; otherwise deliveries start at once."""
    url = params.str("url") or ""
    secret = params.str("secret_token")
    if secret is not None and not _SECRET_TOKEN.fullmatch(secret):
        raise bad_request("secret token contains unallowed characters")
    if params.upload("certificate") is not None:
        raise bad_request("custom certificates are not supported by this emulator")
    allowed = _allowed_updates(params)
    if params.bool("drop_pending_updates"):
        world.updates.drop_pending()
    if not url:
        await world.webhook.delete()
        return True
    try:
        checked = checked_url(url)
    except ValueError as error:
        raise bad_request(str(error)) from None
    connections = params.int("max_connections") or DEFAULT_MAX_CONNECTIONS
    world.updates.allow(allowed)
    await world.webhook.set(
        WebhookConfig(checked, secret, min(max(connections, 1), MAX_CONNECTIONS))
    )
    return True


async def delete_webhook(world: World, params: Params) -> bool:
    if params.bool("drop_pending_updates"):
        world.updates.drop_pending()
    await world.webhook.delete()
    return True


async def get_webhook_info(world: World, params: Params) -> dict[str, Any]:
    return world.webhook.info()


def commands_key(scope: dict[str, Any] | None, language_code: str | None) -> tuple[str, str]:
    """Commands are registered per scope and language, like Telegram's command lists."""
    return (repr(sorted((scope or {"type": "default"}).items())), language_code or "")


def _params_commands_key(params: Params) -> tuple[str, str]:
    scope = params.json("scope", error="can't parse BotCommandScope JSON object")
    return commands_key(scope, params.str("language_code"))


async def set_my_commands(world: World, params: Params) -> bool:
    commands = params.json("commands", error="can't parse commands JSON array")
    if not isinstance(commands, list) or len(commands) > MAX_COMMANDS:
        raise bad_request("can't parse commands JSON array")
    cleaned = []
    for command in commands:
        name = str(command.get("command", "")) if isinstance(command, dict) else ""
        description = str(command.get("description", "")) if isinstance(command, dict) else ""
        if not _COMMAND_NAME.fullmatch(name):
            raise bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(description) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        cleaned.append({"command": name, "description": description})
    world.commands[_params_commands_key(params)] = cleaned
    world.recorder.record("commands", None, commands=copy.deepcopy(cleaned))
    return True


async def get_my_commands(world: World, params: Params) -> list[dict[str, str]]:
    return copy.deepcopy(world.commands.get(_params_commands_key(params), []))


async def delete_my_commands(world: World, params: Params) -> bool:
    world.commands.pop(_params_commands_key(params), None)
    world.recorder.record("commands", None, commands=[])
    return True


async def get_chat(world: World, params: Params) -> dict[str, Any]:
    chat = world.chat(params.raw("chat_id"))
    return {**chat.to_api(), "accent_color_id": 0, "max_reaction_count": 11}


async def get_file(world: World, params: Params) -> dict[str, Any]:
    stored = world.files.downloadable(params.str("file_id", required="file_id is empty") or "")
    answer = {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": stored.size,
        "file_path": stored.file_path,
    }
    if world.file_path_overrides:
        # A local Bot API server (--local) answers with a path on the bot's own machine.
        path, size = world.file_path_overrides.pop(0)
        answer["file_path"] = path
        if size is None:
            del answer["file_size"]
        else:
            answer["file_size"] = size
    return answer


async def answer_callback_query(world: World, params: Params) -> bool:
    query_id = params.str("callback_query_id", required=QUERY_INVALID) or ""
    query = world.callback_queries.get(query_id)
    if query is None or query["answered"]:
        raise bad_request(QUERY_INVALID)
    text = params.str("text")
    if text is not None and len(text) > MAX_CALLBACK_ANSWER:
        raise bad_request("MESSAGE_TOO_LONG")
    query["answered"] = True
    world.recorder.record(
        "callback_answer",
        query["chat_id"],
        callback_query_id=query_id,
        text=text,
        show_alert=params.bool("show_alert"),
        url=params.str("url"),
    )
    return True
