"""The HTTP side: Telegram's URL layout, request decoding, token checks and JSON answers.

Routes live on a plain aiohttp Application so other parts of the project (the playground's chat
page) can add their own routes next to the Bot API ones.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections import Counter
from typing import Any

from aiohttp import web

from emulator.api import BotApi
from emulator.errors import INTERNAL_ERROR, NOT_FOUND, UNAUTHORIZED, ApiError, bad_request
from emulator.faults import DOWNLOAD, Faults
from emulator.flood import FloodControl
from emulator.params import Params, Upload

_LOG = logging.getLogger(__name__)
# Telegram's limit for files a bot uploads.
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
REQUEST_TOO_LARGE = ApiError(413, "Request Entity Too Large")
GARBLED_RESULT = "garbled"
"""The result of a garbled call: a string where every method returns an object or a boolean."""
# Telegram answers 404 to a token that isn't even shaped like one, 401 to a wrong real-looking one.
_TOKEN_SHAPE = re.compile(r"\d+:[A-Za-z0-9_-]{20,}")
API_PREFIX = "/bot"
FILE_PREFIX = "/file/bot"


def _json_response(status: int, body: dict[str, Any]) -> web.Response:
    return web.json_response(body, status=status, dumps=lambda v: json.dumps(v, ensure_ascii=False))


async def read_params(request: web.Request) -> Params:
    """Decodes the call's parameters from the query string and a form, multipart or JSON body."""
    values: dict[str, Any] = dict(request.query)
    uploads: dict[str, Upload] = {}
    if request.content_type == "application/json" and request.can_read_body:
        try:
            body = await request.json()
        except ValueError:
            raise bad_request("can't parse JSON request body") from None
        if not isinstance(body, dict):
            raise bad_request("JSON request body must be an object")
        values.update(body)
    elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        try:
            form = await request.post()
        except web.HTTPRequestEntityTooLarge:
            raise REQUEST_TOO_LARGE from None
        for name, value in form.items():
            if isinstance(value, web.FileField):
                uploads[name] = Upload(value.filename, value.content_type, value.file.read())
            else:
                values[name] = value
    return Params(values, uploads)


class BotApiServer:
    """Serves one bot's Bot API (`/bot<token>/<method>`) and file downloads."""

    def __init__(self, api: BotApi, faults: Faults, flood: FloodControl | None) -> None:
        self.api = api
        self.faults = faults
        self.flood = flood
        self.calls: Counter[str] = Counter()
        self.app = web.Application(client_max_size=MAX_UPLOAD_BYTES + 1024 * 1024)
        self.app.router.add_route("*", API_PREFIX + "{token}/{method}", self._handle_call)
        self.app.router.add_get(FILE_PREFIX + "{token}/{file_path:.+}", self._handle_download)

    def _check_token(self, token: str) -> None:
        if token != self.api.world.token:
            raise UNAUTHORIZED if _TOKEN_SHAPE.fullmatch(token) else NOT_FOUND

    async def _handle_call(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        try:
            self._check_token(request.match_info["token"])
            params = await read_params(request)
            self.calls[method] += 1
            chat_id = _chat_id(params)
            effect = self.faults.take(method, chat_id)
            if effect.delay:
                await asyncio.sleep(effect.delay)
            if _client_gone(request):
                # Nobody waits for the answer any more (the bot was killed during the delay):
                # the call is dropped unanswered, as a request that never got through.
                raise _DroppedError
            if effect.drop:
                _drop(request)
                raise _DroppedError
            if effect.error is not None:
                raise effect.error
            if self.flood is not None:
                self.flood.check(method, chat_id)
            result = GARBLED_RESULT if effect.garbled else await self.api.call(method, params)
        except _DroppedError:
            return web.Response(status=500)  # never reaches the client: the socket is closed
        except ApiError as error:
            _LOG.debug("%s -> %s", method, error)
            return _json_response(error.status, error.payload())
        except Exception:
            # An emulator bug: answer like a Telegram outage so the bot's error path runs, and
            # log it (the URL, which holds the token, stays out of the log).
            _LOG.exception("emulator failed in %s", method)
            return _json_response(500, INTERNAL_ERROR.payload())
        return _json_response(200, {"ok": True, "result": result})

    async def _handle_download(self, request: web.Request) -> web.Response:
        try:
            self._check_token(request.match_info["token"])
        except ApiError:
            return _json_response(404, NOT_FOUND.payload())
        effect = self.faults.take(DOWNLOAD, None)
        if effect.delay:
            await asyncio.sleep(effect.delay)
        if effect.drop:
            _drop(request)
            return web.Response(status=500)
        if effect.error is not None:
            return _json_response(effect.error.status, effect.error.payload())
        stored = self.api.world.files.by_path(request.match_info["file_path"])
        if stored is None:
            return _json_response(404, NOT_FOUND.payload())
        return web.Response(
            body=stored.data, content_type=stored.mime_type or "application/octet-stream"
        )


class _DroppedError(Exception):
    """The connection was closed without an answer."""


def _client_gone(request: web.Request) -> bool:
    transport = request.transport
    return transport is None or transport.is_closing()


def _drop(request: web.Request) -> None:
    """Close the socket mid-call, like a connection reset by a proxy or a flaky network."""
    if request.transport is not None:
        request.transport.abort()


def _chat_id(params: Params) -> int | None:
    try:
        return int(params.raw("chat_id"))
    except (TypeError, ValueError):
        return None
