"""One and two bot replicas in webhook mode on one PostgreSQL, behind a round-robin balancer.

    python -m benchmarks.replicas [--paced 60] [--rate 4] [--burst 200]

Both set-ups are measured in one run, each with a fresh database and fresh users:
- paced: photos arrive at a steady rate below capacity; update-to-reply p50 is the latency a
  person feels;
- burst: the replicas are frozen (SIGSTOP) while the emulator queues the photos, then thawed:
  photos/s from the thaw to the last answer is what the replicas sustain together.

On a two-core machine the replicas, PostgreSQL, the balancer and the emulator share the same
two cores, so a second replica cannot add CPU: the figures say what the cores allow, not what
two hosts would. Needs Debian's postgresql package (as the tests do).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import tempfile
import time
from pathlib import Path

from benchmarks.accuracy import MNIST_FILE, REPO_ROOT
from benchmarks.answers import Photo, wait_for_answers
from benchmarks.measure import machine, percentiles
from bot.settings import Env
from emulator import SyncEmulator
from emulator.webhook import RetryPolicy
from tests.botharness import BotProcess, digit_photo, first_of_each_digit
from tests.loadbalancer import RoundRobinBalancer
from tests.ports import listening_port
from tests.postgres import PostgresServer
from training.mnist import load_mnist

USERS = 20
OUT = REPO_ROOT / "benchmarks" / "out" / "replicas.json"


def _photos() -> list[bytes]:
    mnist = load_mnist(MNIST_FILE)
    return [digit_photo(mnist.x_test[i]) for i in first_of_each_digit(mnist.y_test)]


class Setup:
    """``count`` replicas, their balancer and the emulator in front, on a fresh database."""

    def __init__(self, count: int, database_url: str, root: Path) -> None:
        self.emu = SyncEmulator(webhook_retry=RetryPolicy(first=0.05, longest=1.0)).start()
        entry = listening_port()
        ports = [listening_port() for _ in range(count)]
        self.replicas = [
            BotProcess(
                self.emu,
                root / f"replica{n}",
                {
                    Env.WEBHOOK_URL: f"http://127.0.0.1:{entry}/telegram",
                    Env.WEBHOOK_PORT: str(port),
                    Env.WEBHOOK_SECRET_TOKEN: "benchmark_secret_0123456789",
                    Env.DATABASE_URL: database_url,
                    Env.REPLICA_ID: f"replica{n}",
                    Env.RATE_LIMIT_MESSAGES: "100000",
                    Env.LOG_LEVEL: "INFO",
                },
            )
            for n, port in enumerate(ports)
        ]
        self.balancer = RoundRobinBalancer(entry, [f"http://127.0.0.1:{p}" for p in ports])
        self.balancer.start()
        for replica in self.replicas:
            replica.start()
        self.emu.wait_for_webhook(timeout=60)
        self.users = [self.emu.add_user(f"User {n}") for n in range(USERS)]

    def close(self) -> None:
        for replica in self.replicas:
            replica.stop()
        self.balancer.stop()
        self.emu.stop()

    def _send(self, index: int, photo: bytes) -> tuple[Photo, float]:
        user = self.users[index % len(self.users)]
        message = self.emu.send_photo(user, photo)
        return (user.id, message["message_id"]), time.time()

    def paced(self, photos: list[bytes], count: int, rate: float) -> dict:
        cursor = self.emu.mark()
        clock = time.perf_counter()
        sent = []
        for index in range(count):
            time.sleep(max(0.0, clock + index / rate - time.perf_counter()))
            sent.append(self._send(index, photos[index % len(photos)]))
        return self._collect(dict(sent), cursor, time.time())

    def burst(self, photos: list[bytes], count: int) -> dict:
        cursor = self.emu.mark()
        pids = [replica.process.pid for replica in self.replicas if replica.process]
        for pid in pids:
            os.kill(pid, signal.SIGSTOP)
        try:
            sent = [self._send(index, photos[index % len(photos)]) for index in range(count)]
        finally:
            thawed = time.time()
            for pid in pids:
                os.kill(pid, signal.SIGCONT)
        figures = self._collect(dict(sent), cursor, thawed)
        figures["photos_per_second"] = round(figures["answered"] / figures["seconds"], 1)
        return figures

    def _collect(self, sent: dict[Photo, float], cursor: int, started: float) -> dict:
        answered = wait_for_answers(self.emu, sent, cursor)
        latencies = [(answered[photo] - sent[photo]) * 1000 for photo in answered]
        return {
            "photos": len(sent),
            "answered": len(answered),
            "seconds": round(max(answered.values(), default=started) - started, 2),
            "update_to_reply_ms": percentiles(latencies or [0]),
        }


def run(paced: int, rate: float, burst: int) -> dict:
    photos = _photos()
    server = PostgresServer().start()
    results: dict = {"machine": machine(), "setups": {}}
    try:
        with tempfile.TemporaryDirectory(prefix="digitbot-replicas-") as scratch:
            for count in (1, 2):
                url = server.new_database()
                setup = Setup(count, url, Path(scratch) / f"n{count}")
                try:
                    results["setups"][str(count)] = {
                        "paced": setup.paced(photos, paced, rate),
                        "burst": setup.burst(photos, burst),
                    }
                finally:
                    setup.close()
    finally:
        server.stop()
    return results


def table(results: dict) -> str:
    lines = [
        "| replicas | paced p50 ms | paced p99 ms | burst photos/s | burst answered |",
        "|---|---|---|---|---|",
    ]
    for count, figures in results["setups"].items():
        paced, burst = figures["paced"], figures["burst"]
        lines.append(
            f"| {count} | {paced['update_to_reply_ms']['p50']:.0f}"
            f" | {paced['update_to_reply_ms']['p99']:.0f}"
            f" | {burst['photos_per_second']} | {burst['answered']}/{burst['photos']} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.replicas", description=__doc__)
    parser.add_argument("--paced", type=int, default=60, help="photos in the paced phase")
    parser.add_argument("--rate", type=float, default=4.0, help="paced photos per second")
    parser.add_argument("--burst", type=int, default=200, help="photos in the burst")
    parser.add_argument("--out", type=Path, default=OUT, help="where the JSON goes")
    arguments = parser.parse_args()
    results = run(arguments.paced, arguments.rate, arguments.burst)
    arguments.out.parent.mkdir(parents=True, exist_ok=True)
    arguments.out.write_text(json.dumps(results, indent=2) + "\n")
    print(table(results))
    print(f"JSON: {arguments.out}")


if __name__ == "__main__":
    main()
