"""Reporting a run's progress: a bar for people at a terminal, JSON lines for a parent process.

The bot runs ``python -m training --progress json`` and relays each line to the admin's chat, so
every event is one self-contained JSON object per line on stdout, of the kinds and with the
fields ``recognizer.contracts.ProgressEvent`` defines::

    {"event": "start", "epochs": 18, "train_samples": 55000, "user_samples": 12, ...}
    {"event": "epoch", "epoch": 3, "epochs": 18, "loss": 0.05, "val_accuracy": 0.993, "eta_s": 410}
    {"event": "stage", "stage": "export"}
    {"event": "done", "model_dir": "...", "test_accuracy": 0.9965, "training_seconds": 640.2, ...}
    {"event": "error", "message": "MNIST file not found: ...", "kind": "mnist_missing"}

An error's ``kind`` (when it has one) tells a parent what went wrong without parsing the
message: ``mnist_missing`` (the named MNIST file is absent or unreadable), ``mnist_download``
(no MNIST file and the download failed), ``no_tensorflow``.
"""

from __future__ import annotations

import json
import sys
from typing import Any, TextIO

from recognizer.contracts import ErrorEvent, ErrorKind, ProgressEvent

PROGRAM = "digitbot-train"
"""Prefix of every error line, like argparse's, so all mistakes read the same."""
_BAR_WIDTH = 24


class Reporter:
    """Where run events go; the default prints one human-readable line per event to stderr."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr

    def event(self, event: ProgressEvent) -> None:
        name = event["event"]
        fields = {key: value for key, value in event.items() if key != "event"}
        details = ", ".join(f"{key} {_human(value)}" for key, value in fields.items())
        print(f"{name}: {details}" if details else name, file=self.stream, flush=True)

    def error(self, message: str, kind: ErrorKind | None = None) -> None:
        print(f"{PROGRAM}: {message}", file=sys.stderr, flush=True)

    def batch(self, epoch: int, epochs: int, fraction: float, eta_s: float) -> None:
        """Per-batch updates; only a terminal shows them."""


class TerminalReporter(Reporter):
    """A single in-place progress bar when stderr is a terminal."""

    def batch(self, epoch: int, epochs: int, fraction: float, eta_s: float) -> None:
        filled = int(fraction * _BAR_WIDTH)
        bar = "#" * filled + "." * (_BAR_WIDTH - filled)
        line = f"\repoch {epoch}/{epochs} [{bar}] {fraction:4.0%}  eta {_duration(eta_s)} "
        print(line, end="", file=self.stream, flush=True)

    def event(self, event: ProgressEvent) -> None:
        print("\r\033[K", end="", file=self.stream)
        super().event(event)


class JsonReporter(Reporter):
    """One JSON object per line on stdout; errors too, so the parent sees why it stopped."""

    def __init__(self) -> None:
        super().__init__(sys.stdout)

    def event(self, event: ProgressEvent) -> None:
        print(json.dumps(event), file=self.stream, flush=True)

    def error(self, message: str, kind: ErrorKind | None = None) -> None:
        failed: ErrorEvent = {"event": "error", "message": message}
        if kind is not None:
            failed["kind"] = kind
        self.event(failed)
        super().error(message)


def make_reporter(mode: str) -> Reporter:
    if mode == "json":
        return JsonReporter()
    return TerminalReporter() if sys.stderr.isatty() else Reporter()


def _duration(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes}m{secs:02d}s"


def _human(value: Any) -> str:
    return f"{value:.5g}" if isinstance(value, float) else str(value)
