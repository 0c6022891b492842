"""Runs a command with its data folder on a small private tmpfs that tests can fill up or turn
read-only while the command runs: real ENOSPC and EROFS, whoever runs the tests.

    unshare --user --map-root-user --mount python tests/confined_data.py DIR SIZE_KB rw|ro -- CMD

The mount exists only in the new mount namespace, so nothing outside is touched. While CMD runs,
SIGUSR1 fills the disk, SIGUSR2 remounts it read-only, SIGTERM is passed on; the exit status is
CMD's. With ``ro`` the folder holds an empty heartbeat file and is read-only from the start.
"""

from __future__ import annotations

import contextlib
import ctypes
import signal
import subprocess
import sys
from pathlib import Path

_PR_SET_PDEATHSIG = 1


def _mount(*arguments: str) -> None:
    subprocess.run(["mount", *arguments], check=True)


def _read_only(folder: str) -> None:
    """A read-only bind mount over the folder: files the command has open stay as they are
    (a remount would fail as busy), every path it opens anew is on a read-only file system."""
    _mount("--bind", folder, folder)
    _mount("-o", "remount,bind,ro", folder)


def _fill(folder: str) -> None:
    with contextlib.suppress(OSError), (Path(folder) / "filler").open("wb") as filler:
        while True:
            filler.write(bytes(64 * 1024))
            filler.flush()


def _die_with_parent() -> None:
    """A SIGKILL of this wrapper (a test's kill -9) must not leave CMD running."""
    ctypes.CDLL("libc.so.6").prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def main() -> None:
    folder, size_kb, state, separator, *command = sys.argv[1:]
    if separator != "--" or state not in ("rw", "ro"):
        sys.exit(__doc__)
    Path(folder).mkdir(parents=True, exist_ok=True)
    _mount("-t", "tmpfs", "-o", f"size={size_kb}k", "tmpfs", folder)
    if state == "ro":
        (Path(folder) / "heartbeat").touch()
        _read_only(folder)
    child = subprocess.Popen(command, preexec_fn=_die_with_parent)  # noqa: PLW1509
    signal.signal(signal.SIGTERM, lambda *_: child.send_signal(signal.SIGTERM))
    signal.signal(signal.SIGUSR1, lambda *_: _fill(folder))
    signal.signal(signal.SIGUSR2, lambda *_: _read_only(folder))
    sys.exit(child.wait())


if __name__ == "__main__":
    main()
