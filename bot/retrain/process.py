"""One ``python -m training`` child process, read as a stream of JSON progress events.

The events' kinds and fields are ``recognizer.contracts.ProgressEvent``; what the child prints
is still checked here, as any child's output must be.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import signal
from collections import deque
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import cast

from recognizer.contracts import ProgressEvent

_LOGGER = logging.getLogger(__name__)

_STDERR_LINES_KEPT = 20
_STOP_GRACE_SECONDS = 10.0
"""After SIGTERM, training removes its staging folder and exits; past this it is killed."""


@dataclass(frozen=True)
class Exit:
    """How the child ended: its status, the last error event it sent (its message and kind)
    and its last stderr line."""

    status: int
    error: str | None
    stderr_tail: str | None
    error_kind: str | None = None

    @property
    def signal_name(self) -> str | None:
        """The signal that killed it (SIGKILL from the OOM killer), if one did."""
        return signal.Signals(-self.status).name if self.status < 0 else None


class TrainingProcess:
    """Starts the child in its own session, so a Ctrl-C meant for the bot reaches it only via us."""

    def __init__(self, argv: Sequence[str], env: dict[str, str]) -> None:
        self._argv = list(argv)
        self._env = env
        self._process: asyncio.subprocess.Process | None = None
        self._stderr: deque[str] = deque(maxlen=_STDERR_LINES_KEPT)
        self._stderr_task: asyncio.Task[None] | None = None
        self._error: str | None = None
        self._error_kind: str | None = None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    async def start(self) -> None:
        self._process = await asyncio.create_subprocess_exec(
            *self._argv,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=self._env,
            start_new_session=True,
        )
        self._stderr_task = asyncio.create_task(self._drain_stderr())
        _LOGGER.info("retrain: started training process %s", self._process.pid)

    async def events(self) -> AsyncIterator[ProgressEvent]:
        """Each JSON event as it arrives; other stdout lines (library chatter) are skipped."""
        assert self._process is not None
        assert self._process.stdout is not None
        async for raw in self._process.stdout:
            event = _parse(raw)
            if event is None:
                continue
            if event["event"] == "error":
                self._error = str(event.get("message", ""))
                kind = event.get("kind")
                self._error_kind = kind if isinstance(kind, str) else None
            yield event

    async def wait(self) -> Exit:
        assert self._process is not None
        status = await self._process.wait()
        if self._stderr_task is not None:
            await self._stderr_task
        tail = self._stderr[-1] if self._stderr else None
        _LOGGER.info("retrain: training process %s exited with %s", self._process.pid, status)
        return Exit(status, self._error, tail, self._error_kind)

    async def stop(self) -> None:
        """SIGTERM (training then leaves its target untouched); SIGKILL if it hangs."""
        process = self._process
        if process is None or process.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(asyncio.shield(process.wait()), _STOP_GRACE_SECONDS)
        except TimeoutError:
            _LOGGER.warning("retrain: training ignored SIGTERM; killing it")
            with contextlib.suppress(ProcessLookupError):
                process.kill()

    async def _drain_stderr(self) -> None:
        """TensorFlow is chatty on stderr: read it all so the pipe never fills and blocks it."""
        assert self._process is not None
        assert self._process.stderr is not None
        async for raw in self._process.stderr:
            line = raw.decode(errors="replace").strip()
            if line:
                self._stderr.append(line)
                _LOGGER.debug("training: %s", line)


def _parse(raw: bytes) -> ProgressEvent | None:
    """A JSON object with a textual ``event``; its other fields are read defensively later."""
    try:
        event = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(event, dict) or not isinstance(event.get("event"), str):
        return None
    return cast(ProgressEvent, event)
