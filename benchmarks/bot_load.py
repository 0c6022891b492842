"""The real bot process against the emulator on loopback: start time, memory, latency, throughput.

    python -m benchmarks.bot_load [--paced 200] [--rate 10] [--burst 2000] [--no-limiter]

Three phases on one bot process, each with fresh users:
- cold start: a photo waits in the queue before ``python -m bot`` starts; we time the answer.
- paced: photos arrive at a steady rate below capacity; update-to-reply p50/p99 is the latency
  a person feels on a busy but not overloaded server.
- burst: the bot is frozen (SIGSTOP) while the emulator queues the photos, then thawed, so the
  server hands them out as fast as the bot asks; photos/s is what the bot sustains. The
  emulator re-encodes every photo as a Telegram app would (~35 ms each), which is why photos
  are queued first instead of being sent live: sending would cap the rate, not the bot.
Resident memory is read from /proc/PID/status at rest and once 1,000 photos are answered.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from benchmarks.accuracy import REPO_ROOT
from benchmarks.answers import Photo, wait_for_answers
from benchmarks.latency import landscape_photos
from benchmarks.measure import cpu_seconds, percentiles, rss_mb
from bot.settings import Env
from emulator import SyncEmulator
from emulator.models import User
from tests.botharness import bot_environment

PHOTOS_PER_USER = 20
"""The bot's default per-user allowance (RATE_LIMIT_MESSAGES=20 a minute); more is refused."""

MEMORY_MARK = 1000
"""Answered photos after which the bot's memory is read a second time (the issue's figure)."""

START_TIMEOUT_SECONDS = 60
REST_SECONDS = 1.0
LOG_DIR = REPO_ROOT / "benchmarks" / "out"
"""The bot's log of each run is kept here (git-ignored) for a look after a surprising figure."""


@dataclass(frozen=True)
class LoadPlan:
    paced_photos: int
    paced_rate: float
    """Photos per second in the paced phase."""
    burst_photos: int
    limiter: bool
    """True: production settings (Telegram-safe outgoing limiter); False: the limiter off."""


class _Run:
    """One bot process and the emulator it talks to, observed only from outside."""

    def __init__(self, emu: SyncEmulator, photos: list[bytes], workdir: Path) -> None:
        self.emu = emu
        self.photos = photos
        self.workdir = workdir
        self.process: subprocess.Popen[bytes] | None = None
        self.answered = 0
        self.rss_at_mark: float | None = None
        self._sent = 0
        self._users = 0

    def start(self, limiter: bool) -> float:
        """Seconds from spawning the process to the answer of a photo already waiting for it."""
        (first,) = self._new_users(1)
        self._send(first)
        started = time.perf_counter()
        with (self.workdir / "bot.log").open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot"],
                cwd=self.workdir,
                env=self._environment(limiter),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        try:
            self.emu.wait_for_message(
                first, lambda m: m.photo is not None, timeout=START_TIMEOUT_SECONDS
            )
        except AssertionError as error:
            tail = (self.workdir / "bot.log").read_text(errors="replace")[-3000:]
            raise RuntimeError(f"the bot never answered its first photo:\n{tail}") from error
        self.answered = 1
        return time.perf_counter() - started

    def _environment(self, limiter: bool) -> dict[str, str]:
        """Production defaults: none of the caller's own bot settings leak in."""
        return bot_environment(
            {
                Env.TELEGRAM_BOT_TOKEN: self.emu.token,
                Env.TELEGRAM_API_BASE_URL: self.emu.api_base_url,
                Env.TELEGRAM_FILE_BASE_URL: self.emu.file_base_url,
                Env.DATA_DIR: str(self.workdir / "data"),
                Env.OUTGOING_RATE_LIMIT: "on" if limiter else "off",
            }
        )

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def paced(self, count: int, rate: float) -> dict:
        users = self._new_users(math.ceil(count / PHOTOS_PER_USER))
        cursor = self.emu.mark()
        started, clock = time.time(), time.perf_counter()
        sent = []
        for index in range(count):
            time.sleep(max(0.0, clock + index / rate - time.perf_counter()))
            sent.append(self._send(users[index % len(users)]))
        return self._collect(dict(sent), cursor, started)

    def burst(self, count: int, profile: Path | None = None) -> dict:
        """Photos/s from thawing the bot to its last answer; queued time counts in latency.

        With ``profile``, py-spy samples the bot (all threads) while it works off the queue and
        writes collapsed stacks there: the busiest lines of a saturated bot.
        """
        users = self._new_users(math.ceil(count / PHOTOS_PER_USER))
        cursor = self.emu.mark()
        os.kill(self.pid, signal.SIGSTOP)
        try:
            sent = [self._send(users[index % len(users)]) for index in range(count)]
        finally:
            thawed = time.time()
            os.kill(self.pid, signal.SIGCONT)
        sampler = None if profile is None else _sample(self.pid, profile)
        bot_cpu, server_cpu = cpu_seconds(self.pid), cpu_seconds()
        try:
            figures = self._collect(dict(sent), cursor, thawed)
        finally:
            if sampler is not None:
                sampler.send_signal(signal.SIGINT)
                sampler.wait(timeout=30)
        answered = max(1, figures["answered"])
        figures["photos_per_second"] = round(figures["answered"] / figures["seconds"], 1)
        # Bot and emulator share the machine's cores: the bot's own CPU per photo says what the
        # bot would sustain with the cores to itself, whichever side is the bottleneck.
        bot_ms = (cpu_seconds(self.pid) - bot_cpu) * 1000 / answered
        figures["bot_cpu_ms_per_photo"] = round(bot_ms, 1)
        figures["emulator_cpu_ms_per_photo"] = round(
            (cpu_seconds() - server_cpu) * 1000 / answered, 1
        )
        figures["bot_alone_photos_per_second"] = round(
            (os.cpu_count() or 1) * 1000 / max(bot_ms, 0.1), 1
        )
        return figures

    def _collect(self, sent: dict[Photo, float], cursor: int, started: float) -> dict:
        """Wait for an answer quoting each photo; update-to-reply is taken per photo."""
        answered = wait_for_answers(
            self.emu, sent, cursor, lambda count: self._note_memory(self.answered + count)
        )
        self.answered += len(answered)
        latencies = [(answered[photo] - sent[photo]) * 1000 for photo in answered]
        return {
            "photos": len(sent),
            "users": math.ceil(len(sent) / PHOTOS_PER_USER),
            "answered": len(answered),
            "seconds": round(max(answered.values(), default=started) - started, 2),
            "update_to_reply_ms": percentiles(latencies or [0]),
            "update_to_reply_max_ms": round(max(latencies, default=0), 1),
            "updates_lost": len(sent) - len(answered),
            "updates_pending": self.emu.stats.updates_pending,
        }

    def _note_memory(self, answered: int) -> None:
        if self.rss_at_mark is None and answered >= MEMORY_MARK:
            self.rss_at_mark = rss_mb(self.pid)

    def _new_users(self, count: int) -> list[User]:
        first = self._users
        self._users += count
        return [self.emu.add_user(f"User {number}") for number in range(first, self._users)]

    def _send(self, user: User) -> tuple[Photo, float]:
        """Send the next photo; returns it as (chat id, message id) with the wall-clock time."""
        message = self.emu.send_photo(user, self.photos[self._sent % len(self.photos)])
        self._sent += 1
        return (message["chat"]["id"], message["message_id"]), time.time()

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _sample(pid: int, out: Path) -> subprocess.Popen[bytes]:
    """py-spy (the dev extra) recording ``pid`` as collapsed stacks until interrupted."""
    out.parent.mkdir(parents=True, exist_ok=True)
    # Beside this interpreter: the dev extra installs it into the same environment, which
    # need not be on PATH.
    py_spy = str(Path(sys.executable).with_name("py-spy"))
    command = [py_spy, "record", "--pid", str(pid), "--format", "raw", "--output", str(out)]
    return subprocess.Popen(
        [*command, "--rate", "200", "--nonblocking"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def run(plan: LoadPlan, photos: list[bytes], profile: Path | None = None) -> dict:
    """All three phases on one bot process; the bot is always stopped, even on failure."""
    with SyncEmulator() as emu, tempfile.TemporaryDirectory(prefix="bot-load-") as workdir:
        load = _Run(emu, photos, Path(workdir))
        try:
            start_seconds = load.start(plan.limiter)
            time.sleep(REST_SECONDS)
            rss_at_rest = rss_mb(load.pid)
            paced = load.paced(plan.paced_photos, plan.paced_rate)
            burst = load.burst(plan.burst_photos, profile)
            rss_end = rss_mb(load.pid)
        finally:
            load.stop()
            LOG_DIR.mkdir(parents=True, exist_ok=True)
            kept_log = LOG_DIR / f"bot-{'production' if plan.limiter else 'no-limiter'}.log"
            shutil.copyfile(Path(workdir) / "bot.log", kept_log)
        return {
            "bot_log": str(kept_log),
            "plan": asdict(plan),
            "start_to_first_answer_seconds": round(start_seconds, 3),
            "rss_at_rest_mb": rss_at_rest,
            "rss_after_1000_photos_mb": load.rss_at_mark,
            "rss_at_end_mb": rss_end,
            "photos_answered": load.answered,
            "paced": paced,
            "burst": burst,
        }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bot_load", description=__doc__)
    parser.add_argument("--paced", type=int, default=200, help="photos in the paced phase")
    parser.add_argument("--rate", type=float, default=10.0, help="paced photos per second")
    parser.add_argument("--burst", type=int, default=2000, help="photos in the burst phase")
    parser.add_argument("--distinct", type=int, default=50, help="distinct photos to cycle")
    parser.add_argument("--no-limiter", action="store_true", help="outgoing limiter off")
    parser.add_argument("--profile", type=Path, help="py-spy collapsed stacks of the burst")
    args = parser.parse_args(argv)
    plan = LoadPlan(args.paced, args.rate, args.burst, limiter=not args.no_limiter)
    photos = landscape_photos(args.distinct, seed=11)
    print(json.dumps(run(plan, photos, args.profile), indent=2))


if __name__ == "__main__":
    main()
