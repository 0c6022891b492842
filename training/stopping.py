"""Ctrl-C and SIGTERM stop a run for sure, even where a library swallows the first interrupt.

Python raises ``KeyboardInterrupt`` wherever the main thread happens to be when a signal comes.
If that is a finalizer (``__del__``) or native code that clears Python errors, the exception is
dropped and training carries on: seen once on a loaded machine, epochs kept coming for a minute
after SIGINT. So the handler also records the request, and the training loop asks after every
batch (``raise_if_requested``), and so does the run before it publishes anything.

While a model is being swapped in (``held_back``) a signal is only recorded: blocking it with
``pthread_sigmask`` would not do, as only the main thread would block it, and a signal taken by
one of TensorFlow's threads still raises in the main thread, halfway through the renames.
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator
from dataclasses import dataclass, field
from types import FrameType

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
"""The signals that stop a run (and that publishing holds back for its few renames)."""


@dataclass
class _Requests:
    names: list[str] = field(default_factory=list)
    """The stop signals that came, first first."""
    held: bool = False
    """Whether a signal is only to be recorded now (``held_back``)."""


_requests = _Requests()


def install() -> None:
    """SIGINT and SIGTERM (docker stop, the bot cancelling a retrain) both unwind like Ctrl-C;
    a signal the process was started ignoring (a background job's SIGINT) stays ignored."""
    for each in STOP_SIGNALS:
        if signal.getsignal(each) is not signal.SIG_IGN:
            signal.signal(each, _interrupt)


def raise_if_requested() -> None:
    """Raises ``KeyboardInterrupt(<signal name>)`` again if a stop signal has come."""
    if _requests.names:
        raise KeyboardInterrupt(_requests.names[0])


def requested() -> str | None:
    """The name of the first stop signal that came (``"SIGTERM"``), or None."""
    return _requests.names[0] if _requests.names else None


@contextlib.contextmanager
def held_back() -> Iterator[None]:
    """Within, a stop signal is recorded but raises nothing: for work that must not stop halfway.

    Leaving raises nothing either; the caller asks ``requested`` what came meanwhile.
    """
    _requests.held = True
    try:
        yield
    finally:
        _requests.held = False


def _interrupt(signum: int, frame: FrameType | None) -> None:
    """Raises on the first stop signal only: a second one (Ctrl-C pressed again) must not break
    into the cleanup the first set off (the staging directory's removal)."""
    _requests.names.append(signal.Signals(signum).name)
    if len(_requests.names) == 1 and not _requests.held:
        raise KeyboardInterrupt(_requests.names[0])
