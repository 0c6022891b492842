"""The chat page's HTTP routes, in process: the page's side over HTTP, and the bot's side played
through the emulator's real Bot API over HTTP (no bot process needed, so each case is quick)."""

from __future__ import annotations

import asyncio
import io
import json
import re
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import numpy as np
import pytest
from PIL import Image

from emulator import Emulator
from emulator.playground import Playground
from emulator.playground.page import STATIC_DIR
from tests.conftest import SHARED_DATA


class Page:
    """The emulator with the playground installed, and one HTTP session for both sides."""

    def __init__(self, emulator: Emulator, playground: Playground, session: aiohttp.ClientSession):
        self.emulator = emulator
        self.playground = playground
        self.session = session
        self._offset = 0

    async def get(self, path: str) -> tuple[int, Any]:
        async with self.session.get(self.emulator.url + path) as response:
            return response.status, await _body(response)

    async def post(self, path: str, **kwargs: Any) -> tuple[int, Any]:
        async with self.session.post(self.emulator.url + path, **kwargs) as response:
            return response.status, await _body(response)

    async def upload(self, who: str, kind: str, name: str, data: bytes, **fields: str):
        form = aiohttp.FormData(fields)
        form.add_field("file", data, filename=name)
        return await self.post(f"/api/chats/{who}/{kind}", data=form)

    async def bot(self, method: str, files: dict[str, bytes] | None = None, **params: Any) -> Any:
        """A Bot API call as the bot makes it; returns `result`."""
        url = f"{self.emulator.api_base_url}{self.emulator.token}/{method}"
        if files:
            form = aiohttp.FormData()
            for key, value in params.items():
                form.add_field(key, value if isinstance(value, str) else json.dumps(value))
            for key, data in files.items():
                form.add_field(key, data, filename=f"{key}.png")
            request = self.session.post(url, data=form)
        else:
            request = self.session.post(url, json=params)
        async with request as response:
            body = await response.json()
        assert body["ok"], body
        return body["result"]

    async def updates(self) -> list[dict[str, Any]]:
        result = await self.bot("getUpdates", offset=self._offset, timeout=0)
        if result:
            self._offset = result[-1]["update_id"] + 1
        return result


async def _body(response: aiohttp.ClientResponse) -> Any:
    if response.content_type == "application/json":
        return await response.json()
    return await response.read()


@pytest.fixture
async def page() -> AsyncIterator[Page]:
    emulator = Emulator()
    playground = Playground(emulator)
    playground.install(emulator.app)
    async with emulator, aiohttp.ClientSession() as session:
        yield Page(emulator, playground, session)


def png(width: int, height: int) -> bytes:
    """A real picture: a grey gradient with a dark bar, encoded by Pillow."""
    pixels = np.tile(np.linspace(90, 250, width, dtype=np.uint8), (height, 1))
    pixels[height // 3 : height // 2, width // 4 : width // 2] = 20
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue()


KEYBOARD = {"inline_keyboard": [[{"text": "Right", "callback_data": "fb:1:right"}]]}


async def test_state_names_the_people_and_the_commands_each_is_offered(page: Page) -> None:
    everyone = [{"command": "stats", "description": "Accuracy"}]
    admins = [*everyone, {"command": "retrain", "description": "Retrain"}]
    await page.bot("setMyCommands", commands=everyone)
    scope = {"type": "chat", "chat_id": page.playground.admin_id}
    await page.bot("setMyCommands", commands=admins, scope=json.dumps(scope))
    status, state = await page.get("/api/state")
    assert status == 200
    assert state["people"]["admin"] == {
        "id": page.playground.admin_id,
        "name": "Grace",
        "admin": True,
        "commands": admins,
    }
    assert state["people"]["user"]["admin"] is False
    assert state["people"]["user"]["id"] != page.playground.admin_id
    assert state["people"]["user"]["commands"] == everyone


async def test_typed_text_reaches_the_bot_as_a_telegram_app_sends_it(page: Page) -> None:
    status, sent = await page.post("/api/chats/user/text", json={"text": "  /start  "})
    assert (status, sent["sent_as"]) == (200, "text")
    [update] = await page.updates()
    message = update["message"]
    assert message["text"] == "/start"
    assert message["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
    assert message["from"]["id"] == page.playground.people["user"].id
    _, chat = await page.get("/api/chats/user")
    assert [(m["text"], m["from_bot"]) for m in chat["messages"]] == [("/start", False)]


async def test_a_message_can_answer_an_earlier_one_as_a_telegram_reply(page: Page) -> None:
    """/digit answers a photo by replying to it: the page can send replies, text or files."""
    _, photo = await page.upload("user", "photo", "seven.png", png(64, 64))
    _, text = await page.post(
        "/api/chats/user/text", json={"text": "/digit 7", "reply_to": photo["message_id"]}
    )
    _, document = await page.upload(
        "user", "document", "note.txt", b"hello", reply_to=str(text["message_id"])
    )
    updates = await page.updates()
    replied = [
        update["message"].get("reply_to_message", {}).get("message_id") for update in updates
    ]
    assert replied == [None, photo["message_id"], text["message_id"]]
    assert document["sent_as"] == "document"


@pytest.mark.parametrize("reply_to", [999, "seven", -1])
async def test_a_reply_to_no_message_is_refused(page: Page, reply_to: object) -> None:
    status, answer = await page.post(
        "/api/chats/user/text", json={"text": "/digit 7", "reply_to": reply_to}
    )
    assert (status, answer["error"]) == (400, "There is no such message in this chat to reply to.")
    status, answer = await page.upload(
        "user", "photo", "x.png", png(64, 64), reply_to=str(reply_to)
    )
    assert status == 400
    assert await page.updates() == []


async def test_a_reply_names_the_message_it_answers(page: Page) -> None:
    """Answers to several photos sent at once come in any order: each says which it answers."""
    _, sent = await page.post("/api/chats/user/text", json={"text": "first"})
    user_id = page.playground.people["user"].id
    await page.bot(
        "sendMessage",
        chat_id=user_id,
        text="an answer",
        reply_parameters={"message_id": sent["message_id"]},
    )
    _, chat = await page.get("/api/chats/user")
    asked, answer = chat["messages"]
    assert "reply_to" not in asked
    assert answer["reply_to"] == sent["message_id"] == asked["id"]


async def test_the_bots_photo_shows_with_its_buttons_and_edits_replace_it(page: Page) -> None:
    chart = png(320, 200)
    user_id = page.playground.people["user"].id
    sent = await page.bot(
        "sendPhoto",
        files={"photo": chart},
        chat_id=str(user_id),
        caption="7 (99.0% sure)",
        reply_markup=KEYBOARD,
    )
    _, chat = await page.get("/api/chats/user")
    [bubble] = chat["messages"]
    assert bubble["from_bot"] is True
    assert bubble["text"] == "7 (99.0% sure)"
    assert bubble["buttons"] == [[{"text": "Right", "data": "fb:1:right"}]]
    async with page.session.get(page.emulator.url + bubble["photo"]) as response:
        assert (response.status, await response.read()) == (200, chart)
        assert response.content_type == "image/png", "served as what it is"

    await page.bot(
        "editMessageCaption",
        chat_id=user_id,
        message_id=sent["message_id"],
        caption="7 (99.0% sure)\n\nThanks!",
    )
    _, chat = await page.get("/api/chats/user")
    [edited] = chat["messages"]
    assert (edited["id"], edited["edited"], edited["buttons"]) == (bubble["id"], True, [])
    assert edited["text"].endswith("Thanks!")
    assert edited["photo"] == bubble["photo"]


async def test_a_waiting_page_hears_of_the_bots_reply_at_once(page: Page) -> None:
    _, chat = await page.get("/api/chats/user")
    waiting = asyncio.create_task(page.get(f"/api/chats/user?after={chat['version']}"))
    await asyncio.sleep(0.2)
    assert not waiting.done(), "the long poll answered with nothing new"
    user_id = page.playground.people["user"].id
    await page.bot("sendMessage", chat_id=user_id, text="Hi!")
    _, news = await asyncio.wait_for(waiting, 5)
    assert [m["text"] for m in news["messages"]] == ["Hi!"]
    assert news["version"] != chat["version"]


async def test_the_admin_has_a_chat_of_their_own(page: Page) -> None:
    await page.post("/api/chats/admin/text", json={"text": "hello"})
    [update] = await page.updates()
    assert update["message"]["chat"]["id"] == page.playground.admin_id
    _, user_chat = await page.get("/api/chats/user")
    assert user_chat["messages"] == []


async def test_pressing_a_button_sends_a_callback_query_and_shows_the_answer(page: Page) -> None:
    user_id = page.playground.people["user"].id
    sent = await page.bot("sendMessage", chat_id=user_id, text="7", reply_markup=KEYBOARD)
    body = {"message_id": sent["message_id"], "data": "fb:1:right"}
    status, _ = await page.post("/api/chats/user/press", json=body)
    assert status == 200
    [update] = await page.updates()
    query = update["callback_query"]
    assert (query["data"], query["message"]["message_id"]) == ("fb:1:right", sent["message_id"])
    await page.bot("answerCallbackQuery", callback_query_id=query["id"], text="Saved, thank you!")
    _, chat = await page.get("/api/chats/user")
    assert [toast["text"] for toast in chat["toasts"]] == ["Saved, thank you!"]

    status, answer = await page.post("/api/chats/user/press", json={**body, "data": "fb:1:9"})
    assert status == 400
    assert "button" in answer["error"]


async def test_a_huge_photo_is_shrunk_like_a_telegram_app_does(page: Page) -> None:
    status, sent = await page.upload("user", "photo", "big.png", png(3000, 4000), caption="x")
    assert (status, sent["sent_as"]) == (200, "photo")
    [update] = await page.updates()
    largest = update["message"]["photo"][-1]
    assert max(largest["width"], largest["height"]) == 2560
    assert update["message"]["caption"] == "x"


async def test_a_file_that_is_no_image_goes_as_a_document(page: Page) -> None:
    status, sent = await page.upload("user", "photo", "notes.txt", b"not a digit")
    assert (status, sent["sent_as"]) == (200, "document")
    status, _ = await page.upload("user", "document", "digit.png", png(50, 50))
    assert status == 200
    documents = [update["message"]["document"] for update in await page.updates()]
    assert [(d["file_name"], d["mime_type"]) for d in documents] == [
        ("notes.txt", "text/plain"),
        ("digit.png", "image/png"),
    ]


@pytest.mark.parametrize(
    ("path", "request_kwargs", "status", "error"),
    [
        ("/api/chats/user/text", {"json": {"text": "   "}}, 400, "Type a message first."),
        ("/api/chats/user/text", {"data": b"{"}, 400, "Send JSON."),
        ("/api/chats/user/photo", {"data": aiohttp.FormData({"caption": "x"})}, 400, "Choose"),
        ("/api/chats/nobody/text", {"json": {"text": "hi"}}, 404, "nobody called 'nobody'"),
    ],
)
async def test_mistakes_get_a_clear_answer_and_reach_nobody(
    page: Page, path: str, request_kwargs: dict[str, Any], status: int, error: str | None
) -> None:
    answer_status, answer = await page.post(path, **request_kwargs)
    assert answer_status == status
    if error is not None:
        assert answer["error"].startswith(error)
    assert await page.updates() == []


async def test_an_empty_file_is_refused_like_telegram_apps_do(page: Page) -> None:
    status, answer = await page.upload("user", "document", "empty.png", b"")
    assert status == 400
    assert "empty" in answer["error"]
    assert await page.updates() == []


async def test_the_page_and_its_assets_are_served_with_no_outside_address(page: Page) -> None:
    status, html = await page.get("/")
    assert status == 200
    assert b'capture="environment"' in html
    for name in ("app.js", "style.css"):
        status, asset = await page.get(f"/static/{name}")
        assert (status, asset) == (200, (STATIC_DIR / name).read_bytes())
    for path in STATIC_DIR.iterdir():  # no CDN, no web font: the page must work offline
        assert not re.search(rb"https?://", path.read_bytes()), f"{path.name} reaches outside"
    status, answer = await page.get("/api/files/no-such-file")
    assert (status, answer) == (404, {"ok": False, "error": "no such file"})


@pytest.mark.parametrize(
    ("name", "size"), [("huge.png", (6000, 5000)), ("panorama.png", (12000, 400))]
)
async def test_any_picture_from_the_photo_button_goes_as_a_shrunk_photo(
    page: Page, name: str, size: tuple[int, int]
) -> None:
    """Telegram apps shrink first: sides beyond the Bot API's photo limits do not matter."""
    status, sent = await page.upload("user", "photo", name, png(*size))
    assert (status, sent["sent_as"]) == (200, "photo")
    [update] = await page.updates()
    largest = update["message"]["photo"][-1]
    assert max(largest["width"], largest["height"]) == 2560


async def test_a_phone_heic_from_the_photo_button_goes_as_a_photo(page: Page) -> None:
    heic = (SHARED_DATA / "reported-cases" / "doc-iphone-7.heic").read_bytes()
    status, sent = await page.upload("user", "photo", "IMG_0001.HEIC", heic)
    assert (status, sent["sent_as"]) == (200, "photo")
