"""Ctrl-C and SIGTERM stop a run for sure, even where a library swallows the first interrupt.

Python raises ``KeyboardInterrupt`` wherever the main thread happens to be when a signal comes.
If that is a finalizer (``__del__``) or native code that clears Python errors, the exception is
dropped and training carries on: seen once on a loaded machine, epochs kept coming for a minute
after SIGINT. So the handler also records the request, and the training loop asks after every
batch (``raise_if_requested``), and so does the run before it publishes anything.
"""

from __future__ import annotations

import signal
from types import FrameType

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
"""The signals that stop a run (and that publishing holds back for its few renames)."""
_requested: list[str] = []


def install() -> None:
    """SIGINT and SIGTERM (docker stop, the bot cancelling a retrain) both unwind like Ctrl-C;
    a signal the process was started ignoring (a background job's SIGINT) stays ignored."""
    for each in STOP_SIGNALS:
        if signal.getsignal(each) is not signal.SIG_IGN:
            signal.signal(each, _interrupt)


def raise_if_requested() -> None:
    """Raises ``KeyboardInterrupt(<signal name>)`` again if a stop signal has come."""
    if _requested:
        raise KeyboardInterrupt(_requested[0])


def _interrupt(signum: int, frame: FrameType | None) -> None:
    """Raises on the first stop signal only: a second one (Ctrl-C pressed again) must not break
    into the cleanup the first set off (the staging directory's removal)."""
    _requested.append(signal.Signals(signum).name)
    if len(_requested) == 1:
        raise KeyboardInterrupt(_requested[0])
