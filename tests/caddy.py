"""Runs the real ``caddy`` (Debian's package) with the project's own deploy/Caddyfile.

The Caddyfile reads its deployment-specific values from Caddy's environment placeholders
(``{$NAME:default}``), whose defaults are production's; a test sets only the variables it
must, so what runs here is the file compose.production.yaml mounts, not a copy.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tests.conftest import REPO_ROOT

CADDYFILE = REPO_ROOT / "deploy" / "Caddyfile"

_CONFIG = ("--adapter", "caddyfile", "--config", str(CADDYFILE))


def caddy_binary() -> str:
    """A missing package is an error naming it, not a skip."""
    found = shutil.which("caddy")
    assert found, "caddy is not installed: sudo apt-get install caddy (scripts/test installs it)"
    return found


def caddy_environment(home: Path, variables: Mapping[str, str]) -> dict[str, str]:
    """Caddy's environment: its data and config folders (certificates, autosave) in ``home``,
    none of the caller's own Caddyfile variables, plus ``variables``."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("DIGITBOT_")}
    env.update(
        HOME=str(home),
        XDG_DATA_HOME=str(home / "data"),
        XDG_CONFIG_HOME=str(home / "config"),
    )
    env.update(variables)
    return env


def caddy_command(
    home: Path, variables: Mapping[str, str], *command: str
) -> subprocess.CompletedProcess[str]:
    """``caddy COMMAND --adapter caddyfile --config deploy/Caddyfile`` (validate, adapt)."""
    home.mkdir(parents=True, exist_ok=True)
    return subprocess.run(
        [caddy_binary(), *command, *_CONFIG],
        cwd=home,
        env=caddy_environment(home, variables),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def adapted(home: Path, variables: Mapping[str, str]) -> dict[str, Any]:
    """The JSON config Caddy makes of deploy/Caddyfile with these variables."""
    result = caddy_command(home, variables, "adapt")
    assert result.returncode == 0, result.stderr
    config: dict[str, Any] = json.loads(result.stdout)
    return config


class Caddy:
    """``caddy run`` on deploy/Caddyfile, serving on 127.0.0.1:``port``; log in ``home``."""

    def __init__(self, home: Path, port: int, variables: Mapping[str, str]) -> None:
        self.home = home
        self.port = port
        self.log_path = home / "caddy.log"
        self.variables = dict(variables)
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 30) -> Caddy:
        self.home.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [caddy_binary(), "run", *_CONFIG],
                cwd=self.home,
                env=caddy_environment(self.home, self.variables),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while not self._listening():
            if self.process.poll() is not None:
                raise AssertionError(f"caddy exited with {self.process.returncode}:\n{self.log}")
            if time.monotonic() > deadline:
                raise AssertionError(f"caddy was not listening after {timeout}s:\n{self.log}")
            time.sleep(0.1)
        return self

    def _listening(self) -> bool:
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
        except OSError:
            return False
        return True

    def stop(self) -> int:
        """SIGTERM: Caddy shuts down gracefully; returns its exit status."""
        if self.process is None:
            return 0
        self.process.send_signal(signal.SIGTERM)
        try:
            status = self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            status = self.process.wait()
        self.process = None
        return status

    @property
    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")
