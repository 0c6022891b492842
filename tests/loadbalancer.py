"""A round-robin HTTP load balancer for tests: Telegram's one webhook URL in front of replicas.

It plays the reverse proxy's part (Caddy, nginx): each POST goes to the next replica; a replica
that refuses the connection is skipped for the next one, and when none answers the balancer
answers 502, which Telegram (the emulator) treats as a failed delivery and retries later.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
from collections.abc import Sequence

import aiohttp
from aiohttp import web

_FORWARDED_HEADERS = ("Content-Type", "X-Telegram-Bot-Api-Secret-Token")


class RoundRobinBalancer:
    """Listens on 127.0.0.1:``port`` and forwards each request's path to the replicas."""

    def __init__(self, port: int, replicas: Sequence[str]) -> None:
        self.port = port
        self.replicas = list(replicas)
        self.forwarded: dict[str, int] = dict.fromkeys(self.replicas, 0)
        self._turn = itertools.cycle(range(len(self.replicas)))
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None

    def start(self) -> RoundRobinBalancer:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(10)
        return self

    def stop(self) -> None:
        """Stops listening, ends the requests still being forwarded and closes the loop: a
        request left pending would be destroyed with the loop at the interpreter's exit, and
        say so on stderr after the test summary."""
        asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        if not self._thread.is_alive():
            self._loop.close()

    async def _start(self) -> None:
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60))
        app = web.Application()
        app.router.add_route("*", "/{path:.*}", self._forward)
        # A request still being forwarded when the balancer stops is cut after a second (aiohttp
        # would wait a minute, longer than stop() waits).
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def _stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        if self._session is not None:
            await self._session.close()
        pending = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)

    async def _forward(self, request: web.Request) -> web.Response:
        assert self._session is not None
        body = await request.read()
        headers = {
            name: request.headers[name] for name in _FORWARDED_HEADERS if name in request.headers
        }
        for _ in self.replicas:
            replica = self.replicas[next(self._turn)]
            try:
                async with self._session.request(
                    request.method, replica + request.path_qs, data=body, headers=headers
                ) as answer:
                    self.forwarded[replica] += 1
                    return web.Response(status=answer.status, body=await answer.read())
            except aiohttp.ClientConnectorError:
                continue
            except aiohttp.ClientError:
                # The replica died with the request in flight: it may or may not have stored
                # the update, so Telegram must send it again (the bot skips a repeat).
                return web.Response(status=502)
        return web.Response(status=502)
