"""The playground: the real bot on your machine with no Telegram token, in a local chat page.

`digitbot-playground` (or `python -m emulator.playground`) starts the emulator with the page's
routes, runs the unchanged bot against it and prints the page's address.
"""

from emulator.playground.launcher import Options, run
from emulator.playground.page import Playground

__all__ = ["Options", "Playground", "run"]
