"""End-to-end: two bot replicas in webhook mode on one PostgreSQL, behind a load balancer.

The emulator posts every update to the one webhook URL (the balancer's), as Telegram does; the
balancer hands each to a replica. One replica is killed with SIGKILL half-way through a burst
and the other must answer everything, each photo exactly once; then both are restarted one
after the other under load, and still nothing is lost or answered twice. A model version
published into the database by another process reaches both running replicas, and a /rollback
on one reaches the other, without a restart.
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from bot import texts
from bot.application import MAX_CONCURRENT_UPDATES
from bot.model_store import ModelStore, served_locally
from bot.retrain.jobs import REPORT_EVERY_SECONDS
from bot.retrain.retrainer import FINISHED, Mode, Progress
from bot.settings import MODELS_DIR, Env
from bot.storage import Store
from emulator import SentMessage, SyncEmulator, User
from emulator.webhook import RetryPolicy
from recognizer.config import METRICS_FILE
from tests.botharness import (
    BotProcess,
    ask,
    bot_environment,
    digit_photo,
    first_of_each_digit,
    model_dir,
    reads_as,
    wait_until,
)
from tests.conftest import mnist_path
from tests.loadbalancer import RoundRobinBalancer
from tests.ports import listening_port
from tests.test_retrain_e2e import TINY_RUN, TRAINING_WAIT
from training.mnist import Mnist

USERS = 20
PHOTOS_PER_USER = 10
SECRET = "replicas_Secret-0123456789"
WAIT = 240.0
STOP_GRACE = 30.0
"""compose.yaml's stop_grace_period."""


class Cluster:
    """The replicas, the balancer in front of them and the emulator posting to it."""

    def __init__(
        self, emu: SyncEmulator, root: Path, database_url: str, extra: dict[str, str]
    ) -> None:
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
                }
                | extra,
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


ADMIN_ID = 4242
MODEL_POLL_SECONDS = 1.0


RETRAIN_SETTINGS: dict[str, str] = {
    Env.ADMIN_IDS: str(ADMIN_ID),
    Env.MODEL_POLL_SECONDS: str(MODEL_POLL_SECONDS),
    Env.DIGITBOT_MNIST_PATH: str(mnist_path()),
    Env.RETRAIN_MAX_DROP_PP: "100",  # a tiny run's model is served
    **{str(name): value for name, value in TINY_RUN.items()},
}


@contextmanager
def running_cluster(root: Path, database_url: str, extra: dict[str, str]) -> Iterator[Cluster]:
    with SyncEmulator(webhook_retry=RetryPolicy(first=0.05, longest=1.0)) as emu:
        running = Cluster(emu, root, database_url, RETRAIN_SETTINGS | extra)
        try:
            running.start()
            yield running
        finally:
            running.close()


@pytest.fixture
def cluster(tmp_path: Path, postgres_url: str) -> Iterator[Cluster]:
    with running_cluster(tmp_path, postgres_url, {}) as running:
        yield running


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
    # A graceful stop finishes what it began, leaves the rest stored and ends well within the
    # grace period, under load too: no SIGKILL, no answer twice.
    stops = []
    for replica in (second, first):
        started = time.monotonic()
        status = replica.stop(timeout=STOP_GRACE)
        stops.append((status, round(time.monotonic() - started, 1)))
        replica.start()
    assert [status for status, _ in stops] == [0, 0], stops
    assert max(took for _, took in stops) < STOP_GRACE / 2, stops
    wait_until(lambda: answered(emu, users[:10], more) >= 40, WAIT, "the answers sent meanwhile")
    assert answered_twice(emu, users[:10], more) == 0

    reader = users[0]
    captions = [stats_caption(emu, reader), stats_caption(emu, reader)]
    for caption in captions:
        assert f"Answers served: {total + 40} in total" in caption
    assert all(cluster.balancer.forwarded.values()), "both replicas served"


PUBLISHED_ACCURACY = 0.5
"""What the published version's metrics claim, so /stats shows which version a replica serves."""


def publish(root: Path, database_url: str) -> str:
    """Another process's retrain (the trainer's, or a replica's): a new version, served."""
    database = Store(database_url)
    try:
        store = ModelStore(root, 5, database)
        shutil.copytree(model_dir(), store.candidate_dir)
        metrics_path = store.candidate_dir / METRICS_FILE
        metrics = json.loads(metrics_path.read_text())
        metrics["test_accuracy"] = PUBLISHED_ACCURACY
        metrics_path.write_text(json.dumps(metrics))
        version = store.adopt_candidate()
        store.switch_to(version)
    finally:
        database.close()
    return version


def serving(cluster: Cluster, version: str) -> bool:
    """Both replicas load and serve ``version`` (each from its own data folder)."""
    return all(
        served_locally(replica.data_dir / MODELS_DIR) == version for replica in cluster.replicas
    )


def test_a_published_version_and_a_rollback_reach_every_running_replica(
    cluster: Cluster, tmp_path: Path, postgres_url: str, mnist: Mnist
) -> None:
    emu, admin = cluster.emu, cluster.emu.add_user("Admin", user_id=ADMIN_ID)
    assert serving(cluster, "v0001"), "the shipped model is the first version"
    published = publish(tmp_path / "publisher", postgres_url)
    assert published == "v0002"
    started = time.monotonic()
    wait_until(lambda: serving(cluster, published), 10 * MODEL_POLL_SECONDS, "the new version")
    took = time.monotonic() - started
    accuracy = f"Test accuracy (MNIST): {PUBLISHED_ACCURACY:.2%}"
    assert all(accuracy in stats_caption(emu, admin) for _ in cluster.replicas), "both serve it"
    for replica in cluster.replicas:
        assert "now serving model v0002 (was v0001)" in replica.log
    digit = first_of_each_digit(mnist.y_test)[3]
    photo = digit_photo(mnist.x_test[digit])
    assert reads_as(ask(emu, admin, photo).caption, 3), "and reads photos with it"

    emu.send_command(admin, "rollback")
    reply = emu.wait_for_message(admin, timeout=60).content
    assert reply == texts.rolled_back("v0001")
    wait_until(lambda: serving(cluster, "v0001"), 10 * MODEL_POLL_SECONDS, "the rollback")
    assert all(accuracy not in stats_caption(emu, admin) for _ in cluster.replicas)
    assert took < 10 * MODEL_POLL_SECONDS


@pytest.mark.slow
def test_a_retrain_runs_once_and_its_model_reaches_the_other_replica(cluster: Cluster) -> None:
    """/retrain reaches one replica, which trains; /retrain on the other is refused with the
    run's progress; the model it publishes is served by both without a restart."""
    emu, admin = cluster.emu, cluster.emu.add_user("Admin", user_id=ADMIN_ID)
    mark = emu.mark()
    for _ in range(3):  # round robin: at least one lands on each replica
        emu.send_command(admin, "retrain", "full")
    result = emu.wait_for_message(
        admin, lambda m: m.content.startswith("Retrain done"), timeout=TRAINING_WAIT, since=mark
    )
    assert "model v0002 is now served" in result.content
    replies = [m.content for m in emu.sent_messages(admin)]
    busy = [text for text in replies if text.startswith("A retrain is already running")]
    assert (len(busy), len(replies)) == (2, 4), "a progress message, two refusals, the result"
    trained = [r for r in cluster.replicas if "started training process" in r.log]
    assert len(trained) == 1, "exactly one replica trained"
    assert any("retrain busy elsewhere" in r.log for r in cluster.replicas), "refused by the DB"
    wait_until(lambda: serving(cluster, "v0002"), 10 * MODEL_POLL_SECONDS, "the new version")
    [other] = [r for r in cluster.replicas if r is not trained[0]]
    assert "now serving model v0002 (was v0001), as the database says" in other.log


class Trainer:
    """``python -m bot.trainer`` on the cluster's database, with its own data folder."""

    def __init__(self, root: Path, database_url: str) -> None:
        self.log_path = root / "trainer.log"
        self.settings = RETRAIN_SETTINGS | {
            Env.DATABASE_URL: database_url,
            Env.DATA_DIR: str(root / "data"),
            Env.MODEL_DIR: str(model_dir()),
            Env.REPLICA_ID: "trainer",
            Env.LOG_LEVEL: "INFO",
            Env.TELEGRAM_BOT_TOKEN: "123456:" + "t" * 35,  # kept from it all the same
        }
        root.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot.trainer"],
                cwd=root,
                env=bot_environment(self.settings),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        wait_until(lambda: "digitbot trainer started" in self.log, 60, "the trainer")

    @property
    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=STOP_GRACE)


@pytest.mark.slow
def test_a_retrain_queued_on_one_replica_runs_in_the_trainer_and_is_reported_once(
    tmp_path: Path, postgres_url: str
) -> None:
    """SEPARATE_TRAINER=on: the replicas only queue /retrain; the trainer runs it once; the
    progress message is edited and the result sent from the replicas' polls, exactly once,
    whichever replica took the command; the new model reaches both."""
    trainer = Trainer(tmp_path / "trainer", postgres_url)
    try:
        with running_cluster(tmp_path, postgres_url, {Env.SEPARATE_TRAINER: "on"}) as cluster:
            emu, admin = cluster.emu, cluster.emu.add_user("Admin", user_id=ADMIN_ID)
            mark = emu.mark()
            for _ in range(3):
                emu.send_command(admin, "retrain", "full")
            emu.wait_for_message(
                admin,
                lambda m: m.content.startswith("Retrain done"),
                timeout=TRAINING_WAIT,
                since=mark,
            )
            wait_until(lambda: serving(cluster, "v0002"), 10 * MODEL_POLL_SECONDS, "v0002")
            time.sleep(3 * REPORT_EVERY_SECONDS)  # time for a second report, were there one
            replies = [m.content for m in emu.sent_messages(admin)]
            done = [text for text in replies if text.startswith("Retrain done")]
            busy = [text for text in replies if text.startswith("A retrain is already running")]
            progress = [text for text in replies if text.startswith("Retraining (")]
            assert (len(done), len(busy), len(progress), len(replies)) == (1, 2, 1, 4), replies
            assert "model v0002 is now served" in done[0]
            finished = texts.retrain_progress(Progress(Mode.FULL, stage=FINISHED))
            assert progress[0] == finished, "edited to its end"
            assert not any("started training process" in r.log for r in cluster.replicas)
    finally:
        assert trainer.stop() == 0, trainer.log
    assert trainer.log.count("started training process") == 1, trainer.log
