"""Runs the playground exactly as a newcomer does (`digitbot-playground`), as a subprocess.

The launcher prints the page's address on stdout once the bot polls; the bot's log goes to a
file in the test's directory so a failure can show it.
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import threading
from pathlib import Path

from bot.settings import Env
from tests.botharness import bot_environment, model_dir

ADDRESS = re.compile(r"open (http://\S+?)/?$")
START_SECONDS = 120


class PlaygroundProcess:
    """`python -m playground --port 0` in `workdir`; `url` is the page's address."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.log_path = workdir / "bot.log"
        self.data_dir = workdir / "data"
        self.url = ""
        self.process: subprocess.Popen[str] | None = None
        self.stdout: list[str] = []

    def __enter__(self) -> PlaygroundProcess:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "playground",
                "--port",
                "0",
                "--data-dir",
                str(self.data_dir),
                "--log-file",
                str(self.log_path),
            ],
            cwd=self.workdir,
            env=bot_environment({Env.MODEL_DIR: str(model_dir())}),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        found = threading.Event()
        threading.Thread(target=self._read_stdout, args=(found,), daemon=True).start()
        found.wait(START_SECONDS)
        if not self.url:
            self.stop()
            raise AssertionError(f"the playground printed no address:\n{self.report()}")
        return self

    def _read_stdout(self, found: threading.Event) -> None:
        assert self.process is not None
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.stdout.append(line)
            match = ADDRESS.search(line.strip())
            if match:
                self.url = match[1]
                found.set()
        found.set()  # the launcher ended without an address: stop waiting

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def stop(self, timeout: float = 30) -> int:
        """SIGTERM, like Ctrl-C in a terminal or `docker stop`; returns the exit status."""
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode

    def report(self) -> str:
        log = self.log_path.read_text() if self.log_path.exists() else "(no bot log)"
        return "launcher output:\n" + "".join(self.stdout) + "\nbot log:\n" + log
