"""The playground's chat page on the emulator's server: people chat with whatever bot polls it.

``Playground(emulator).install(emulator.app)`` adds the page and its API; the ``playground``
package (``digitbot-playground``) runs it with the real bot.
"""

from emulator.playground.page import Playground

__all__ = ["Playground"]
