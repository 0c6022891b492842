"""`python -m emulator`: run the fake Bot API and print how to point a bot at it."""

from __future__ import annotations

import argparse
import asyncio
import contextlib

from emulator import texts
from emulator.core import DEFAULT_BOT_USERNAME, Emulator


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m emulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8081, help="port (0 picks a free one)")
    parser.add_argument("--token", help="the bot token to accept (default: a new random one)")
    parser.add_argument("--bot-username", default=DEFAULT_BOT_USERNAME)
    return parser.parse_args()


async def _serve(arguments: argparse.Namespace) -> None:
    emulator = Emulator(
        arguments.token,
        bot_username=arguments.bot_username,
        host=arguments.host,
        port=arguments.port,
    )
    async with emulator:
        settings = (emulator.token, emulator.api_base_url, emulator.file_base_url)
        print(texts.connection_settings(*settings), flush=True)
        await asyncio.Event().wait()


def main() -> None:
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(_arguments()))


if __name__ == "__main__":
    main()
