"""End-to-end: the production reverse proxy, the real ``caddy`` with deploy/Caddyfile, in front
of two bot replicas in webhook mode on one PostgreSQL.

As in compose.production.yaml, Caddy finds the replicas by looking the name "bot" up (its
``dynamic a`` upstream): here a DNS server of the test's answers it with 127.0.0.1 and
127.0.0.2, one replica listening on each with the same port, as each container has its own
address. The emulator posts every update to Caddy's one webhook URL, as Telegram does. Plain
HTTP on 127.0.0.1 (``DIGITBOT_DOMAIN=http://...``), so Caddy asks no one for a certificate.

What is shown: photos through Caddy are answered exactly once, by both replicas; a path other
than the webhook's is answered 404 by Caddy and never reaches a bot; updates Caddy sends to a
killed replica fail (502), are sent again by Telegram and answered by the other replica, each
exactly once. Caddy 2.6's own retry (``lb_try_duration``) failed every POST it retried, so the
Caddyfile has none. (tests/test_bot_e2e_replicas.py kills a replica mid-burst behind the test
balancer; here it is killed between bursts, with nothing in flight.)
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.settings import Env
from emulator import SyncEmulator, User
from emulator.webhook import RetryPolicy
from tests.botharness import BotProcess, digit_photo, first_of_each_digit, wait_until
from tests.caddy import Caddy
from tests.dnsserver import DnsServer
from tests.ports import listening_port
from tests.test_bot_e2e_replicas import answered, answers_to, send_burst
from training.mnist import Mnist

SECRET = "caddy_Secret-0123456789"
REPLICA_ADDRESSES = ("127.0.0.1", "127.0.0.2")
"""What "bot" resolves to: one replica on each (both are loopback addresses on Linux)."""
UPSTREAM_NAME = "bot"
"""The Caddyfile's upstream name: compose's service name, resolved here by the test's DNS."""
USERS = 10
WAIT = 120.0
OUTCOME = " outcome="
"""In every update's log line (bot/update_log.py): counts the updates a replica processed."""


class CaddyCluster:
    """The DNS server, the replicas, Caddy in front of them and the emulator posting to it."""

    def __init__(self, emu: SyncEmulator, root: Path, database_url: str) -> None:
        self.emu = emu
        entry, port = listening_port(), listening_port()
        self.dns = DnsServer(UPSTREAM_NAME, REPLICA_ADDRESSES)
        self.entry = f"http://127.0.0.1:{entry}"
        self.replicas = [
            BotProcess(
                emu,
                root / f"replica-{address}",
                {
                    Env.WEBHOOK_URL: f"{self.entry}/telegram",
                    Env.WEBHOOK_LISTEN: address,
                    Env.WEBHOOK_PORT: str(port),
                    Env.WEBHOOK_SECRET_TOKEN: SECRET,
                    Env.DATABASE_URL: database_url,
                    Env.REPLICA_ID: address,
                    Env.RATE_LIMIT_MESSAGES: "1000",
                    Env.LOG_LEVEL: "INFO",
                },
            )
            for address in REPLICA_ADDRESSES
        ]
        self.caddy = Caddy(
            root / "caddy",
            entry,
            {
                "DIGITBOT_DOMAIN": self.entry,
                "DIGITBOT_UPSTREAM_PORT": str(port),
                # udp/: Caddy would ask a resolver given as HOST:PORT over TCP.
                "DIGITBOT_UPSTREAM_RESOLVERS": f"resolvers udp/{self.dns.address}",
                "DIGITBOT_CADDY_ADMIN": "off",  # no port 2019 shared with other test runs
            },
        )

    def start(self) -> None:
        self.dns.start()
        self.caddy.start()
        for replica in self.replicas:
            replica.start()
        self.emu.wait_for_webhook(timeout=60)

    def close(self) -> None:
        for replica in self.replicas:
            replica.kill()
        self.caddy.stop()
        self.dns.stop()

    def processed(self) -> list[int]:
        """How many updates each replica has processed so far."""
        return [replica.log.count(OUTCOME) for replica in self.replicas]


@pytest.fixture
def cluster(tmp_path: Path, postgres_url: str) -> Iterator[CaddyCluster]:
    with SyncEmulator(webhook_retry=RetryPolicy(first=0.05, longest=1.0)) as emu:
        running = CaddyCluster(emu, tmp_path, postgres_url)
        try:
            running.start()
            yield running
        finally:
            running.close()


def answered_once(emu: SyncEmulator, users: list[User], sent: dict[int, set[int]]) -> None:
    for user in users:
        replies = Counter(m.reply_to_message_id for m in answers_to(emu, user, sent[user.id]))
        assert replies == Counter(sent[user.id]), f"user {user.id}: not one answer each"


def post(url: str, secret: bool) -> tuple[int, list[str]]:
    """POST an (empty) update to ``url``: the status and the Server headers of the answer."""
    request = urllib.request.Request(
        url,
        data=b"{}",
        headers={"Content-Type": "application/json"}
        | ({"X-Telegram-Bot-Api-Secret-Token": SECRET} if secret else {}),
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, answer.headers.get_all("Server") or []
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.headers.get_all("Server") or []


def test_photos_through_caddy_are_answered_once_and_only_the_webhook_path_passes(
    cluster: CaddyCluster, mnist: Mnist
) -> None:
    emu = cluster.emu
    photos = [digit_photo(mnist.x_test[i]) for i in first_of_each_digit(mnist.y_test)[:5]]
    users = [emu.add_user(f"User {n}", f"user{n}") for n in range(USERS)]
    sent = send_burst(emu, users, photos)
    total = USERS * len(photos)
    wait_until(lambda: answered(emu, users, sent) >= total, WAIT, "every answer")
    wait_until(lambda: emu.stats.updates_pending == 0, 30, "no update left pending")
    answered_once(emu, users, sent)
    wait_until(lambda: sum(cluster.processed()) >= total, 30, "every update done")
    assert all(cluster.processed()), f"both replicas served: {cluster.processed()}"
    assert emu.stats.webhook_failures == 0

    # A request Caddy passes on carries the replica's own Server header (Tornado, under
    # python-telegram-bot's webhook server) beside Caddy's: this one is refused by a replica.
    status, servers = post(f"{cluster.entry}/telegram", secret=False)
    assert status == 403
    assert any(server.startswith("TornadoServer") for server in servers), servers
    # Any other path, even with the secret, is answered by Caddy alone.
    before = cluster.processed()
    for path in ("/", "/other", "/telegram/", "/telegram/../admin"):
        assert post(f"{cluster.entry}{path}", secret=True) == (404, ["Caddy"]), path
    assert cluster.processed() == before


def caddy_errors(caddy: Caddy) -> list[str]:
    """The messages of the requests Caddy could not proxy (its log is JSON lines)."""
    entries = [json.loads(line) for line in caddy.log.splitlines() if line.startswith("{")]
    return [entry["msg"] for entry in entries if entry["level"] == "error"]


def test_updates_sent_to_a_killed_replica_reach_the_other_and_none_is_lost(
    cluster: CaddyCluster, mnist: Mnist
) -> None:
    """Caddy sends a killed replica's share to it, gets a refused connection and answers 502;
    Telegram sends that update again and round robin hands it to the survivor. No retry in
    Caddy (see deploy/Caddyfile): each refusal is one failed delivery, never an error for the
    healthy replica."""
    emu = cluster.emu
    photos = [digit_photo(mnist.x_test[i]) for i in first_of_each_digit(mnist.y_test)]
    users = [emu.add_user(f"User {n}", f"user{n}") for n in range(USERS)]
    sent = send_burst(emu, users, photos[:3])
    wait_until(lambda: answered(emu, users, sent) >= USERS * 3, WAIT, "the first answers")
    # An update is done once its outcome is logged, after the answer (which is then recorded):
    # killed before that, it would be taken over later and answered twice.
    wait_until(lambda: sum(cluster.processed()) >= USERS * 3, 30, "the first updates done")
    killed, survivor = cluster.replicas
    by_killed = cluster.processed()[0]
    assert by_killed > 0, "the replica to kill served its share"
    assert killed.kill() == -9

    for user_id, later in send_burst(emu, users, photos[3:]).items():
        sent[user_id] |= later
    total = USERS * len(photos)
    wait_until(lambda: answered(emu, users, sent) >= total, WAIT, "every answer")
    wait_until(lambda: emu.stats.updates_pending == 0, 30, "no update left pending")
    answered_once(emu, users, sent)
    assert cluster.processed() == [by_killed, total - by_killed]
    errors = caddy_errors(cluster.caddy)
    refused = f"dial tcp {REPLICA_ADDRESSES[0]}:{killed.settings[Env.WEBHOOK_PORT]}: connect: "
    assert errors, "some updates went to the killed replica"
    assert set(errors) == {f"{refused}connection refused"}, "and only those failed"
    assert emu.stats.webhook_failures == len(errors), "each one delivered again by Telegram"
    assert "took over" not in survivor.log, "nothing was left for the survivor to take over"
