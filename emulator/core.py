"""The emulator's control API for asyncio programs: run the fake Bot API, act as users, observe.

Everything a test or the playground does goes through `Emulator`; methods that change the world
are plain functions (call them on the emulator's event loop), waits are coroutines.
"""

from __future__ import annotations

import asyncio
import itertools
import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Self

from aiohttp import web

from emulator import incoming
from emulator.api import BotApi
from emulator.api.service import commands_key
from emulator.errors import ApiError, too_many_requests
from emulator.faults import Fault, Faults
from emulator.flood import FloodControl
from emulator.models import ActionKind, BotAction, Chat, SentMessage, User
from emulator.recorder import WaitTimeoutError
from emulator.server import API_PREFIX, FILE_PREFIX, BotApiServer
from emulator.updates import FIRST_UPDATE_ID
from emulator.webhook import RetryPolicy
from emulator.world import World

DEFAULT_BOT_USERNAME = "digit_test_bot"
DEFAULT_BOT_ID = 7_000_000_001
DEFAULT_TIMEOUT = 10.0
_TOKEN = re.compile(r"\d+:[A-Za-z0-9_-]+")

ChatRef = Chat | int
MessageRef = SentMessage | dict[str, Any] | int


@dataclass(frozen=True)
class EmulatorStats:
    updates_created: int
    updates_delivered: int
    updates_pending: int
    polls: int  # getUpdates calls so far
    webhook_posts: int  # update deliveries tried through the webhook, retries included
    webhook_failures: int  # of those, the ones the bot did not answer with 2xx
    calls: dict[str, int]
    # update_id -> seconds from the update's creation to the bot's first message/edit in its chat
    reply_latencies: dict[int, float]


def new_token(bot_id: int) -> str:
    """A token shaped like BotFather's: `<bot id>:<35 url-safe characters>`."""
    return f"{bot_id}:{secrets.token_urlsafe(26)[:35]}"


class Emulator:
    """A fake Telegram Bot API server for one bot, on 127.0.0.1.

    >>> async with Emulator() as emu:
    ...     alice = emu.add_user("Alice", "alice")
    ...     emu.send_text(alice, "/start")
    ...     reply = await emu.wait_for_message(alice)
    """

    def __init__(
        self,
        token: str | None = None,
        *,
        bot_username: str = DEFAULT_BOT_USERNAME,
        bot_name: str = "Digit Test Bot",
        host: str = "127.0.0.1",
        port: int = 0,
        flood_limits: bool = False,
        privacy_mode: bool = False,
        webhook_retry: RetryPolicy | None = None,
        first_update_id: int = FIRST_UPDATE_ID,
    ) -> None:
        """`flood_limits=True` answers 429 to a bot sending faster than Telegram allows;
        `privacy_mode=True` delivers only group messages addressed to the bot (Telegram's
        default for bots; see `World.delivered_to_bot`); `webhook_retry` sets how soon an
        unconfirmed webhook delivery is sent again; `first_update_id` is the id the updates
        count from (Telegram's only rise, so a bot may drop an id it has answered before)."""
        if token is not None and not _TOKEN.fullmatch(token):
            raise ValueError("a bot token looks like '<bot id>:<secret>', e.g. '123456:ABC-def'")
        bot_id = int(token.split(":", 1)[0]) if token else DEFAULT_BOT_ID
        bot = User(bot_id, bot_name, bot_username, language_code=None, is_bot=True)
        self.world = World(bot, token or new_token(bot_id), webhook_retry, first_update_id)
        self.world.privacy_mode = privacy_mode
        self.faults = Faults()
        flood = FloodControl() if flood_limits else None
        self.server = BotApiServer(BotApi(self.world), self.faults, flood)
        self._host = host
        self._port = port
        self._runner: web.AppRunner | None = None
        self._user_ids = itertools.count(100_000_001)
        self._group_ids = itertools.count(4_000_000_001)
        self._callback_ids = itertools.count(secrets.randbelow(10**12) * 10**6)
        self._media_group_ids = itertools.count(13_000_000_000_000_000)

    # -- running ----------------------------------------------------------------------------

    @property
    def app(self) -> web.Application:
        """The aiohttp application; add routes to it before `start()`."""
        return self.server.app

    async def start(self) -> Self:
        self._runner = web.AppRunner(self.server.app, shutdown_timeout=1.0, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._host, self._port)
        await site.start()
        self._port = self._runner.addresses[0][1]
        return self

    async def stop(self) -> None:
        self.world.updates.close()
        await self.world.webhook.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def url(self) -> str:
        """Where this machine reaches the server (a wildcard bind is reached on loopback)."""
        host = "127.0.0.1" if self._host in {"0.0.0.0", "::", ""} else self._host
        return f"http://{host}:{self._port}"

    @property
    def api_base_url(self) -> str:
        """python-telegram-bot's `base_url`: it appends the token itself."""
        return self.url + API_PREFIX

    @property
    def file_base_url(self) -> str:
        """python-telegram-bot's `base_file_url`."""
        return self.url + FILE_PREFIX

    @property
    def token(self) -> str:
        return self.world.token

    @property
    def bot(self) -> User:
        return self.world.bot

    # -- people and chats -------------------------------------------------------------------

    def add_user(
        self,
        first_name: str = "Alice",
        username: str | None = None,
        *,
        user_id: int | None = None,
        last_name: str | None = None,
        language_code: str | None = "en",
    ) -> User:
        """A person; their private chat with the bot has the same id, as in Telegram."""
        user = User(
            user_id if user_id is not None else next(self._user_ids),
            first_name,
            username,
            last_name,
            language_code,
        )
        return self.world.add_user(user)

    def add_other_bot(self, first_name: str, username: str) -> User:
        """Another bot, to add to groups as a member. What it writes there reaches no other bot
        (Telegram gives bots other bots' messages only in bot-to-bot mode, not modelled here),
        but it becomes the last bot to write: with privacy mode on, a bare ``/command`` then no
        longer reaches this bot, only ``/command@bot``."""
        bot = User(next(self._user_ids), first_name, username, language_code=None, is_bot=True)
        return self.world.add_user(bot)

    def private_chat(self, user: User) -> Chat:
        existing = self.world.chats.get(user.id)
        if existing is not None:
            return existing
        return self.world.add_chat(
            Chat(
                user.id,
                "private",
                username=user.username,
                first_name=user.first_name,
                last_name=user.last_name,
                member_ids=(user.id,),
            )
        )

    def add_group(
        self,
        title: str,
        members: Iterable[User],
        *,
        supergroup: bool = False,
        chat_id: int | None = None,
    ) -> Chat:
        """A group the bot is in; the bot sees every message there (privacy mode off)."""
        number = next(self._group_ids)
        default_id = -(10**12 + number) if supergroup else -number
        chat = Chat(
            chat_id if chat_id is not None else default_id,
            "supergroup" if supergroup else "group",
            title=title,
            member_ids=tuple(user.id for user in members),
        )
        return self.world.add_chat(chat)

    def _chat(self, chat: ChatRef | User) -> Chat:
        if isinstance(chat, User):
            return self.private_chat(chat)
        chat_id = chat.id if isinstance(chat, Chat) else chat
        if chat_id not in self.world.chats:
            raise ValueError(f"no chat {chat_id}; create it with private_chat() or add_group()")
        return self.world.chats[chat_id]

    def _sender(self, chat: Chat, user: User | None) -> User:
        if user is None:
            if chat.is_group:
                raise ValueError(f"say which user writes in group {chat.title!r} (user=...)")
            return self.world.users[chat.id]
        if user.id not in chat.member_ids:
            raise ValueError(f"{user.first_name} is not a member of chat {chat.id}")
        return user

    # -- acting as users ----------------------------------------------------------------------

    def _user_message(
        self,
        chat: ChatRef | User,
        content: dict[str, Any],
        user: User | None,
        reply_to: MessageRef | None,
    ) -> dict[str, Any]:
        target = self._chat(chat)
        sender = self._sender(target, user)
        reply_id = _message_id(reply_to) if reply_to is not None else None
        if reply_id is not None and self.world.message(target.id, reply_id) is None:
            raise ValueError(f"no message {reply_id} in chat {target.id} to reply to")
        message = self.world.add_message(target, sender, content, reply_id)
        if sender.is_bot:
            self.world.other_bot_sent(target.id)
        elif self.world.delivered_to_bot(target, message):
            self.world.push_update("message", message, target.id)
        return message

    def send_text(
        self,
        chat: ChatRef | User,
        text: str,
        *,
        user: User | None = None,
        reply_to: MessageRef | None = None,
    ) -> dict[str, Any]:
        """A text message; commands and @mentions get entities like a Telegram app adds."""
        return self._user_message(chat, incoming.text(text), user, reply_to)

    def send_command(
        self,
        chat: ChatRef | User,
        command: str,
        args: str = "",
        *,
        user: User | None = None,
        reply_to: MessageRef | None = None,
    ) -> dict[str, Any]:
        """`/command args`, addressed as `/command@bot` in groups like Telegram apps do there."""
        target = self._chat(chat)
        suffix = f"@{self.bot.username}" if target.is_group else ""
        text = f"/{command.lstrip('/')}{suffix}" + (f" {args}" if args else "")
        return self.send_text(target, text, user=user, reply_to=reply_to)

    def send_photo(
        self,
        chat: ChatRef | User,
        data: bytes,
        *,
        caption: str | None = None,
        user: User | None = None,
        reply_to: MessageRef | None = None,
    ) -> dict[str, Any]:
        """A photo as a Telegram app sends it: re-encoded to JPEG (at most 2560 px), in sizes.

        Raises ValueError for bytes no app would send as a photo; send those as a document.
        """
        content = {**incoming.photo(self.world, data), **incoming.caption(caption)}
        return self._user_message(chat, content, user, reply_to)

    def send_album(
        self,
        chat: ChatRef | User,
        photos: Iterable[bytes],
        *,
        caption: str | None = None,
        user: User | None = None,
    ) -> list[dict[str, Any]]:
        """An album (media group): one message per photo sharing a `media_group_id`, the
        caption on the first only, as Telegram apps send it."""
        group_id = str(next(self._media_group_ids))
        sent = []
        for index, data in enumerate(photos):
            content = {
                **incoming.photo(self.world, data),
                "media_group_id": group_id,
                **incoming.caption(caption if index == 0 else None),
            }
            sent.append(self._user_message(chat, content, user, None))
        return sent

    def send_document(
        self,
        chat: ChatRef | User,
        data: bytes,
        file_name: str,
        mime_type: str | None = None,
        *,
        caption: str | None = None,
        user: User | None = None,
        reply_to: MessageRef | None = None,
    ) -> dict[str, Any]:
        """Any file sent "as a file", uncompressed; the MIME type is guessed from the name."""
        document = incoming.document(self.world, data, file_name, mime_type)
        return self._user_message(chat, {**document, **incoming.caption(caption)}, user, reply_to)

    def send_sticker(
        self,
        chat: ChatRef | User,
        *,
        emoji: str = "👍",
        data: bytes | None = None,
        user: User | None = None,
        reply_to: MessageRef | None = None,
    ) -> dict[str, Any]:
        return self._user_message(chat, incoming.sticker(self.world, emoji, data), user, reply_to)

    def send_voice(
        self,
        chat: ChatRef | User,
        *,
        duration: int = 2,
        data: bytes | None = None,
        user: User | None = None,
        reply_to: MessageRef | None = None,
    ) -> dict[str, Any]:
        return self._user_message(chat, incoming.voice(self.world, duration, data), user, reply_to)

    def send_video(
        self,
        chat: ChatRef | User,
        *,
        caption: str | None = None,
        data: bytes | None = None,
        user: User | None = None,
        reply_to: MessageRef | None = None,
    ) -> dict[str, Any]:
        content = {**incoming.video(self.world, data), **incoming.caption(caption)}
        return self._user_message(chat, content, user, reply_to)

    def send_animation(
        self,
        chat: ChatRef | User,
        *,
        caption: str | None = None,
        data: bytes | None = None,
        user: User | None = None,
        reply_to: MessageRef | None = None,
    ) -> dict[str, Any]:
        """A GIF: Telegram delivers it as an MP4 animation plus a matching `document` field."""
        content = {**incoming.animation(self.world, data), **incoming.caption(caption)}
        return self._user_message(chat, content, user, reply_to)

    def press_button(
        self,
        chat: ChatRef | User,
        message: MessageRef,
        *,
        text: str | None = None,
        data: str | None = None,
        user: User | None = None,
    ) -> dict[str, Any]:
        """Presses an inline button (found by its text or callback data) on a bot message.

        Returns the CallbackQuery sent to the bot.
        """
        target = self._chat(chat)
        sender = self._sender(target, user)
        message_id = _message_id(message)
        current = self.world.message(target.id, message_id)
        if current is None or not self.world.is_from_bot(current):
            raise ValueError(f"no bot message {message_id} in chat {target.id}")
        snapshot = self.world.snapshot(current)
        buttons = [button for row in snapshot.buttons for button in row]
        chosen = next(
            (
                button
                for button in buttons
                if (text is None or button["text"] == text)
                and (data is None or button.get("callback_data") == data)
            ),
            None,
        )
        if chosen is None or "callback_data" not in chosen:
            raise ValueError(
                f"message {message_id} has no callback button matching text={text!r} "
                f"data={data!r}; its buttons: {buttons}"
            )
        return self._callback_query(target, sender, snapshot, chosen["callback_data"])

    def forge_press(
        self,
        chat: ChatRef | User,
        message: MessageRef,
        data: str,
        *,
        user: User | None = None,
    ) -> dict[str, Any]:
        """A press with any callback data on a bot message, as a modified client can send;
        Telegram does not check it against the message's buttons. Returns the CallbackQuery."""
        target = self._chat(chat)
        sender = self._sender(target, user)
        current = self.world.message(target.id, _message_id(message))
        if current is None or not self.world.is_from_bot(current):
            raise ValueError(f"no bot message {_message_id(message)} in chat {target.id}")
        return self._callback_query(target, sender, self.world.snapshot(current), data)

    def _callback_query(
        self, target: Chat, sender: User, snapshot: SentMessage, data: str
    ) -> dict[str, Any]:
        query: dict[str, Any] = {
            "id": str(next(self._callback_ids)),
            "from": sender.to_api(),
            "message": snapshot.raw,
            "chat_instance": str(abs(hash((target.id, self.bot.id)))),
            "data": data,
        }
        self.world.callback_queries[query["id"]] = {"answered": False, "chat_id": target.id}
        self.world.push_update("callback_query", query, target.id)
        return query

    # -- observing the bot ------------------------------------------------------------------

    def sent_messages(self, chat: ChatRef | User) -> list[SentMessage]:
        """The bot's messages in a chat as they stand now (edits applied, deleted ones gone)."""
        target = self._chat(chat)
        return [
            self.world.snapshot(message)
            for message in self.world.messages(target.id)
            if self.world.is_from_bot(message)
        ]

    def history(self, chat: ChatRef | User) -> list[dict[str, Any]]:
        """Every message in the chat, the users' and the bot's, as Bot API Message objects."""
        return self.world.messages(self._chat(chat).id)

    def actions(
        self,
        chat: ChatRef | User | None = None,
        kinds: Iterable[ActionKind] | None = None,
        since: int = 0,
    ) -> list[BotAction]:
        """Everything the bot did (optionally in one chat, of some kinds), oldest first."""
        chat_id = self._chat(chat).id if chat is not None else None
        return self.world.recorder.select(chat_id, kinds, since)

    def chat_actions(self, chat: ChatRef | User) -> list[str]:
        return [action.details["action"] for action in self.actions(chat, ["chat_action"])]

    def callback_answers(self, chat: ChatRef | User | None = None) -> list[dict[str, Any]]:
        return [action.details for action in self.actions(chat, ["callback_answer"])]

    def commands(
        self, scope: dict[str, Any] | None = None, language_code: str = ""
    ) -> list[dict[str, str]]:
        """The command list the bot registered with setMyCommands for a scope (default: all)."""
        return list(self.world.commands.get(commands_key(scope, language_code), []))

    def mark(self) -> int:
        """A cursor for `since=`: waits then only look at what the bot does after this point."""
        return self.world.recorder.mark()

    async def wait_for(
        self,
        chat: ChatRef | User | None,
        predicate: Callable[[BotAction], bool] | None = None,
        *,
        kinds: Iterable[ActionKind] = ("sent", "edited"),
        timeout: float = DEFAULT_TIMEOUT,  # noqa: ASYNC109 - a miss must list what came instead
        since: int | None = None,
    ) -> BotAction:
        """The first matching bot action after `since` (default: the chat's latest update).

        Raises WaitTimeoutError (an AssertionError) listing what the bot did instead.
        """
        chat_id = self._chat(chat).id if chat is not None else None
        return await self.world.recorder.wait_for(
            chat_id,
            predicate,
            kinds=kinds,
            seconds=timeout,
            since=since,
            description="a matching action",
        )

    async def wait_for_polling(
        self,
        *,
        after: int = 0,
        timeout: float = DEFAULT_TIMEOUT,  # noqa: ASYNC109 - a miss must say what happened
    ) -> None:
        """Returns once the bot calls getUpdates (more than `after` times in all): it is up.

        Pass `after=emu.stats.polls` to wait for a restarted bot's first poll.
        """
        if not await self.world.updates.wait_for_poll(after, timeout):
            raise WaitTimeoutError(
                f"the bot did not call getUpdates within {timeout:g}s; "
                f"its calls so far: {dict(self.server.calls)}"
            )

    async def wait_for_webhook(
        self,
        *,
        timeout: float = DEFAULT_TIMEOUT,  # noqa: ASYNC109 - a miss must say what happened
    ) -> str:
        """Returns the webhook's URL once the bot has set one: a webhook bot is up."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self.world.webhook.config is None:
            if loop.time() > deadline:
                raise WaitTimeoutError(
                    f"the bot set no webhook within {timeout:g}s; "
                    f"its calls so far: {dict(self.server.calls)}"
                )
            await asyncio.sleep(0.02)
        return self.world.webhook.config.url

    async def wait_for_message(
        self,
        chat: ChatRef | User,
        predicate: Callable[[SentMessage], bool] | None = None,
        *,
        timeout: float = DEFAULT_TIMEOUT,  # noqa: ASYNC109 - a miss must list what came instead
        since: int | None = None,
    ) -> SentMessage:
        """The first new message the bot sends in the chat that satisfies `predicate`."""
        return await self._wait_message(chat, "sent", predicate, timeout, since)

    async def wait_for_edit(
        self,
        chat: ChatRef | User,
        predicate: Callable[[SentMessage], bool] | None = None,
        *,
        timeout: float = DEFAULT_TIMEOUT,  # noqa: ASYNC109 - a miss must list what came instead
        since: int | None = None,
    ) -> SentMessage:
        """The first edit of a bot message in the chat; the result shows the edited message."""
        return await self._wait_message(chat, "edited", predicate, timeout, since)

    async def _wait_message(
        self,
        chat: ChatRef | User,
        kind: ActionKind,
        predicate: Callable[[SentMessage], bool] | None,
        seconds: float,
        since: int | None,
    ) -> SentMessage:
        def matches(action: BotAction) -> bool:
            return predicate is None or (action.message is not None and predicate(action.message))

        action = await self.world.recorder.wait_for(
            self._chat(chat).id,
            matches,
            kinds=(kind,),
            seconds=seconds,
            since=since,
            description=f"a {kind} message" + (" matching the predicate" if predicate else ""),
        )
        assert action.message is not None
        return action.message

    # -- faults -------------------------------------------------------------------------------

    def fail_next(
        self,
        method: str | None,
        count: int = 1,
        *,
        status: int = 500,
        description: str = "Internal Server Error",
        chat: ChatRef | User | None = None,
    ) -> None:
        """The next `count` calls of `method` (any method if None) fail with this error."""
        self._add_fault(method, count, chat, ApiError(status, description))

    def flood_next(
        self,
        method: str | None,
        count: int = 1,
        *,
        retry_after: int = 1,
        chat: ChatRef | User | None = None,
    ) -> None:
        """The next `count` calls answer 429 Too Many Requests with `retry_after` seconds."""
        self._add_fault(method, count, chat, too_many_requests(retry_after))

    def garble_next(
        self, method: str | None, count: int = 1, *, chat: ChatRef | User | None = None
    ) -> None:
        """The next `count` calls of `method` are not carried out and answered with a result
        of the wrong shape, which a client cannot read."""
        chat_id = self._chat(chat).id if chat is not None else None
        self.faults.add(Fault(method, chat_id, remaining=count, garbled=True))

    def slow_down(
        self,
        method: str | None,
        seconds: float,
        count: int | None = None,
        *,
        chat: ChatRef | User | None = None,
    ) -> None:
        """Delays the answers to `method` calls (all of them until cleared if `count` is None)."""
        chat_id = self._chat(chat).id if chat is not None else None
        self.faults.add(Fault(method, chat_id, delay=seconds, remaining=count))

    def _add_fault(
        self, method: str | None, count: int, chat: ChatRef | User | None, error: ApiError
    ) -> None:
        chat_id = self._chat(chat).id if chat is not None else None
        self.faults.add(Fault(method, chat_id, error=error, remaining=count))

    def drop_next(
        self, method: str | None, count: int = 1, *, chat: ChatRef | User | None = None
    ) -> None:
        """The next `count` calls of `method` (or file downloads: `"download"`) get their
        connection closed without an answer, and are not carried out."""
        chat_id = self._chat(chat).id if chat is not None else None
        self.faults.add(Fault(method, chat_id, drop=True, remaining=count))

    def answer_get_file_with(self, file_path: str, file_size: int | None = None) -> None:
        """The next getFile answers with this `file_path` (and `file_size`, left out if None),
        like a local Bot API server giving a path on the bot's own machine."""
        self.world.file_path_overrides.append((file_path, file_size))

    def clear_faults(self) -> None:
        self.faults.clear()

    def block_bot(self, user: User) -> None:
        """The user blocks the bot: every call about their chat gets 403 until unblocked."""
        self.world.blocked_chats.add(self.private_chat(user).id)

    def unblock_bot(self, user: User) -> None:
        self.world.blocked_chats.discard(user.id)

    # -- numbers ----------------------------------------------------------------------------

    @property
    def stats(self) -> EmulatorStats:
        updates = self.world.updates
        return EmulatorStats(
            updates_created=updates.created,
            updates_delivered=updates.delivered,
            updates_pending=updates.pending_count,
            polls=updates.polls,
            webhook_posts=self.world.webhook.posts,
            webhook_failures=self.world.webhook.failures,
            calls=dict(self.server.calls),
            reply_latencies=dict(self.world.recorder.latencies.by_update),
        )


def _message_id(message: MessageRef) -> int:
    if isinstance(message, SentMessage):
        return message.message_id
    if isinstance(message, dict):
        return int(message["message_id"])
    return int(message)
