"""The playground: the real bot on your machine with no Telegram token, in a local chat page.

`digitbot-playground` (or `python -m playground`) starts the emulator with its chat page
(``emulator.playground``), runs the unchanged bot against it as a subprocess and prints the
page's address. This package is the one place both meet: the emulator never imports the bot,
so the bot's settings (``bot.settings.Env``) are named here.
"""
