"""Ports for the servers tests start (bots in webhook mode, PostgreSQL, stand-in receivers)."""

from __future__ import annotations

import random
import socket
from pathlib import Path


def listening_port() -> int:
    """A free port for a server the test starts, below the kernel's ephemeral range.

    A port the kernel picked (``bind(0)``) is an ephemeral one: once released, any outgoing
    connection on the machine may take it as its source port, and a bot restarted on it then
    cannot listen. Ports below the range are never handed out that way.
    """
    low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    for _ in range(100):
        port = random.randrange(max(low - 10_000, 1024), low)
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port below the ephemeral range")
