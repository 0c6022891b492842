"""End-to-end: two bot replicas in webhook mode on one PostgreSQL, behind a load balancer.

The emulator posts every update to the one webhook URL (the balancer's), as Telegram does; the
balancer hands each to a replica. One replica is killed with SIGKILL half-way through a burst
and the other must answer everything, each photo exactly once; then both are restarted one
after the other under load, and still nothing is lost or answered twice.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.application import MAX_CONCURRENT_UPDATES
from bot.settings import Env
from emulator import SentMessage, SyncEmulator, User
from emulator.webhook import RetryPolicy
from tests.botharness import BotProcess, digit_photo, first_of_each_digit, wait_until
from tests.loadbalancer import RoundRobinBalancer
from tests.ports import listening_port
from training.mnist import Mnist

USERS = 20
PHOTOS_PER_USER = 10
SECRET = "replicas_Secret-0123456789"
WAIT = 240.0
STOP_GRACE = 30.0
"""compose.yaml's stop_grace_period."""


class Cluster:
    """The replicas, the balancer in front of them and the emulator posting to it."""

    def __init__(self, emu: SyncEmulator, root: Path, database_url: str) -> None:
        self.emu = emu
        entry = listening_port()
        ports = [listening_port() for _ in range(2)]
        self.replicas = [
            BotProcess(
                emu,
                root / name,
                {
                    Env.WEBHOOK_URL: f"http://127.0.0.1:{entry}/telegram",
                    Env.WEBHOOK_PORT: str(port),
                    Env.WEBHOOK_SECRET_TOKEN: SECRET,
                    Env.DATABASE_URL: database_url,
                    Env.REPLICA_ID: name,
                    Env.RATE_LIMIT_MESSAGES: "1000",
                    Env.LOG_LEVEL: "INFO",
                },
            )
            for name, port in zip(("a", "b"), ports, strict=True)
        ]
        self.balancer = RoundRobinBalancer(entry, [f"http://127.0.0.1:{p}" for p in ports])

    def start(self) -> None:
        self.balancer.start()
        for replica in self.replicas:
            replica.start()
        self.emu.wait_for_webhook(timeout=60)

    def close(self) -> None:
        for replica in self.replicas:
            replica.kill()
        self.balancer.stop()


@pytest.fixture
def cluster(tmp_path: Path, postgres_url: str) -> Iterator[Cluster]:
    with SyncEmulator(webhook_retry=RetryPolicy(first=0.05, longest=1.0)) as emu:
        running = Cluster(emu, tmp_path, postgres_url)
        try:
            running.start()
            yield running
        finally:
            running.close()


def answers_to(emu: SyncEmulator, user: User, photo_ids: set[int]) -> list[SentMessage]:
    """The bot's messages replying to this user's photos (one each if all is well)."""
    return [m for m in emu.sent_messages(user) if m.reply_to_message_id in photo_ids]


def send_burst(emu: SyncEmulator, users: list[User], photos: list[bytes]) -> dict[int, set[int]]:
    """Every user sends ``len(photos)`` photos, interleaved; returns their message ids."""
    sent: dict[int, set[int]] = {user.id: set() for user in users}
    for photo in photos:
        for user in users:
            sent[user.id].add(emu.send_photo(user, photo)["message_id"])
    return sent


def answered(emu: SyncEmulator, users: list[User], sent: dict[int, set[int]]) -> int:
    """How many of the photos have an answer (a second answer to one does not count)."""
    return sum(
        len({m.reply_to_message_id for m in answers_to(emu, user, sent[user.id])}) for user in users
    )


def answered_twice(emu: SyncEmulator, users: list[User], sent: dict[int, set[int]]) -> int:
    """Asserts every photo was answered, none more than twice; returns how many twice."""
    twice = 0
    for user in users:
        replies = Counter(m.reply_to_message_id for m in answers_to(emu, user, sent[user.id]))
        assert set(replies) == sent[user.id], f"user {user.id}: unanswered photos"
        assert max(replies.values()) <= 2, f"user {user.id}: {replies}"
        twice += sum(1 for count in replies.values() if count == 2)
    return twice


def stats_caption(emu: SyncEmulator, user: User) -> str:
    emu.send_command(user, "stats")
    return emu.wait_for_message(user, lambda m: m.photo is not None, timeout=60).caption or ""


def test_a_killed_replica_and_a_rolling_restart_lose_nothing(
    cluster: Cluster, mnist: Mnist
) -> None:
    emu = cluster.emu
    digits = first_of_each_digit(mnist.y_test)
    photos = [digit_photo(mnist.x_test[i]) for i in digits[:PHOTOS_PER_USER]]
    users = [emu.add_user(f"User {n}", f"user{n}") for n in range(USERS)]
    total = USERS * PHOTOS_PER_USER
    first, second = cluster.replicas

    sent = send_burst(emu, users, photos[: PHOTOS_PER_USER // 2])
    assert first.kill() == -9, "killed half-way through the burst"
    for user_id, later in send_burst(emu, users, photos[PHOTOS_PER_USER // 2 :]).items():
        sent[user_id] |= later
    wait_until(lambda: answered(emu, users, sent) >= total, WAIT, "every answer")
    wait_until(lambda: emu.stats.updates_pending == 0, 30, "no update left pending")
    # An answer the killed replica sent but had not recorded yet is sent again by the one that
    # takes its update over: Telegram carried out the call, the replica died before knowing.
    # Only updates it had in flight can be hit.
    assert answered_twice(emu, users, sent) <= MAX_CONCURRENT_UPDATES
    assert "took over" in second.log, "the killed replica's stored updates were taken over"

    first.start()
    more = send_burst(emu, users[:10], photos[:4])
    # A graceful stop finishes what it began: no answer twice. Known issue: under load a stop
    # in webhook mode sometimes outlasts the grace period and ends in SIGKILL (see README);
    # then, as after any kill, only the updates in flight may be answered twice.
    stops = []
    for replica in (second, first):
        stops.append(replica.stop(timeout=STOP_GRACE))
        replica.start()
    wait_until(lambda: answered(emu, users[:10], more) >= 40, WAIT, "the answers sent meanwhile")
    twice = answered_twice(emu, users[:10], more)
    assert twice == 0 or (-9 in stops and twice <= MAX_CONCURRENT_UPDATES), (stops, twice)

    reader = users[0]
    captions = [stats_caption(emu, reader), stats_caption(emu, reader)]
    for caption in captions:
        assert f"Answers served: {total + 40} in total" in caption
    assert all(cluster.balancer.forwarded.values()), "both replicas served"
