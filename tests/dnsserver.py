"""A tiny DNS server for tests: one name resolves to the IPv4 addresses the test chose.

It plays Docker's embedded DNS for the Caddy test: Caddy's ``dynamic a`` upstream looks the
service name up (``resolvers`` pointing here), and every address it gets is one bot replica,
exactly as each ``--scale bot=N`` container is one A record of "bot". Editing /etc/hosts would
need root and change the machine; this needs neither.

Only what a stub resolver asks is answered (RFC 1035, over UDP): an A query for the name gets
every address, other query types of it an empty answer, any other name NXDOMAIN.
"""

from __future__ import annotations

import ipaddress
import socket
import struct
import threading
from collections.abc import Sequence

_HEADER = struct.Struct("!HHHHHH")
"""id, flags, question, answer, authority and additional record counts."""

_TYPE_A = 1
_CLASS_IN = 1
_RESPONSE_FLAGS = 0x8180  # a response, recursion desired and available, no error
_NXDOMAIN = 3
_NAME_AT_QUESTION = 0xC000 | _HEADER.size  # a pointer to the question's name


def _question(packet: bytes) -> tuple[str, int, bytes]:
    """The query's name (lower case, no final dot), its type, and the question's bytes."""
    offset = _HEADER.size
    labels: list[str] = []
    while packet[offset]:
        length = packet[offset]
        labels.append(packet[offset + 1 : offset + 1 + length].decode("ascii").lower())
        offset += 1 + length
    end = offset + 1 + 4  # the root label, then type and class
    (query_type,) = struct.unpack_from("!H", packet, offset + 1)
    return ".".join(labels), query_type, packet[_HEADER.size : end]


class DnsServer:
    """Answers on 127.0.0.1:``port`` (UDP) that ``name`` has ``addresses`` (IPv4)."""

    def __init__(self, name: str, addresses: Sequence[str]) -> None:
        self.name = name.lower()
        self.addresses = [ipaddress.IPv4Address(address).packed for address in addresses]
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._socket.bind(("127.0.0.1", 0))
        self.address = "{}:{}".format(*self._socket.getsockname())
        self.queries = 0
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def start(self) -> DnsServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._socket.close()
        self._thread.join(5)

    def _serve(self) -> None:
        while True:
            try:
                packet, client = self._socket.recvfrom(512)
            except OSError:  # closed by stop()
                return
            self.queries += 1
            self._socket.sendto(self._answer(packet), client)

    def _answer(self, packet: bytes) -> bytes:
        (query_id, *_) = _HEADER.unpack_from(packet)
        name, query_type, question = _question(packet)
        if name != self.name:
            return _HEADER.pack(query_id, _RESPONSE_FLAGS | _NXDOMAIN, 1, 0, 0, 0) + question
        records = self.addresses if query_type == _TYPE_A else []
        answers = b"".join(
            struct.pack("!HHHIH", _NAME_AT_QUESTION, _TYPE_A, _CLASS_IN, 0, 4) + address
            for address in records
        )
        return _HEADER.pack(query_id, _RESPONSE_FLAGS, 1, len(records), 0, 0) + question + answers
