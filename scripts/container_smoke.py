"""Proof that the Dockerfile's images build and run: a smoke test with podman, too slow for CI.

For each image target it builds the image, runs it against the fake Bot API server (the
emulator) on the host's loopback and, in that container: sends real MNIST digits as phone-sized
JPEG photos and checks the answers; sends /retrain (slim must explain how to enable it, full must
finish a short one); runs the image's HEALTHCHECK; stops it with SIGTERM and checks it shut down
cleanly. Then a new container on the same data volume must still count the earlier answers in
/stats, and (full) a retrain interrupted by SIGTERM must leave the served model as it was.
It ends with a table of image sizes and timings.

Run from the repository root (README, "Self-hosting", says how to make the local base image):

    .venv/bin/python -m scripts.container_smoke [--target slim] [--base IMAGE]
"""

from __future__ import annotations

import argparse
import functools
import io
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from bot.settings import Env
from emulator import BotAction, SentMessage, SyncEmulator, User
from recognizer.contracts import MNIST_PATH_ENV
from training.mnist import Mnist, load_mnist

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_MNIST = REPO_ROOT.parent / "shared" / "data" / "mnist" / "mnist.npz"
LOG_DIR = REPO_ROOT / "build" / "container-smoke"
TARGETS = ("slim", "full")
DEFAULT_BASE = "localhost/debian-python:bookworm"
CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
MNIST_TEST_INDICES = (0, 1)
"""The first two MNIST test digits (a 7 and a 2): real handwriting, two different answers."""
PAPER, INK = 238, 35
"""Grey levels of the photographed page and of the pen."""

STOP_TIMEOUT_S = 10
CLEAN_STOP_LOG = "Application.stop() complete"
"""python-telegram-bot logs this once polling has stopped and pending updates are handled."""
START_TIMEOUT_S = 120.0
ANSWER_TIMEOUT_S = 60.0
ANSWER_PATTERN = re.compile(r"\b(\d) \([\d.]+% sure\)")
STATS_PATTERN = re.compile(r"Answers served: (\d+) in total")
MNIST_IN_CONTAINER = "/mnist/mnist.npz"
"""/retrain in the full image reads MNIST from the host's copy, mounted read-only."""
QUICK_RETRAIN_LIMIT = "3000"
"""MNIST images for the retrain that must finish; the one stopped by SIGTERM uses them all."""
RETRAIN_TIMEOUT_S = 420.0
NO_TENSORFLOW = re.compile(r"Retraining is not available")
RETRAIN_OUTCOME = re.compile(r"^Retrain (done|failed|stopped)")
RETRAIN_RUNNING = re.compile(r"epoch \d+/\d+ running")


class SmokeError(Exception):
    """A check failed; the message says which and shows the evidence."""


@dataclass
class TargetResult:
    target: str
    size_bytes: int
    build_s: float
    first_answer_s: float
    answer_latency_s: float
    memory: str
    retrain_s: float | None
    stop_s: float


# ---- podman ----------------------------------------------------------------------------------


def podman(*args: str, env: dict[str, str] | None = None) -> str:
    """Runs podman, returning stdout; a failure raises SmokeError with podman's own words."""
    result = subprocess.run(
        ["podman", "--runtime", "runc", *args],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    if result.returncode != 0:
        raise SmokeError(f"podman {' '.join(args[:2])} failed:\n{result.stdout}{result.stderr}")
    return result.stdout.strip()


def build(target: str, base: str, image: str) -> float:
    """Builds as the recipe in README does: the CA bundle is lent read-only, never baked in."""
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    log = LOG_DIR / f"build-{target}.log"
    command = [
        "podman",
        "build",
        "--format=docker",  # the OCI format drops HEALTHCHECK
        "--isolation=chroot",
        "--network=host",
        f"--build-arg=BASE={base}",
        f"--target={target}",
        f"--tag={image}",
    ]
    if CA_BUNDLE.is_file():
        command.append(f"--volume={CA_BUNDLE}:{CA_BUNDLE}:ro")
    started = time.monotonic()
    with log.open("w") as output:
        result = subprocess.run(
            [*command, str(REPO_ROOT)], stdout=output, stderr=subprocess.STDOUT, check=False
        )
    elapsed = time.monotonic() - started
    if result.returncode != 0:
        raise SmokeError(f"building {target} failed:\n{tail(log.read_text())}")
    return elapsed


def tail(text: str, lines: int = 30) -> str:
    return "\n".join(text.splitlines()[-lines:])


def in_image(image: str, *command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["podman", "--runtime", "runc", "run", "--rm", "--network=none", image, *command],
        capture_output=True,
        text=True,
        check=False,
    )


def check_image(target: str, image: str, base: str) -> None:
    """What the Dockerfile promises about the image itself, before running the bot in it."""
    config = podman(
        "image",
        "inspect",
        "--format={{.Config.User}}|{{.Config.StopSignal}}|{{json .Config.Healthcheck.Test}}",
        image,
    )
    user, stop_signal, healthcheck = config.split("|")
    if user in ("", "0", "root") or user.startswith("0:"):
        raise SmokeError(f"{image} runs as root (USER {user!r})")
    if stop_signal != "SIGTERM" or "--healthcheck" not in healthcheck:
        raise SmokeError(f"{image}: STOPSIGNAL {stop_signal!r}, HEALTHCHECK {healthcheck}")
    bundle = str(CA_BUNDLE)
    if in_image(image, "sha256sum", bundle).stdout != in_image(base, "sha256sum", bundle).stdout:
        raise SmokeError(f"{image}: {bundle} differs from the base's: the build's bundle leaked")
    has_tensorflow = in_image(
        image, "python", "-c", "import importlib.util as u; print(u.find_spec('tensorflow'))"
    ).stdout.strip()
    if (has_tensorflow != "None") != (target == "full"):
        raise SmokeError(f"{image}: TensorFlow found = {has_tensorflow!r} in target {target}")


@contextmanager
def volume(name: str) -> Iterator[str]:
    podman("volume", "create", name)
    try:
        yield name
    finally:
        podman("volume", "rm", "--force", name)


@contextmanager
def container(
    name: str, image: str, mounts: Sequence[str], bot_env: dict[str, str]
) -> Iterator[str]:
    """The bot in a container on the host's network; the token travels in podman's environment,
    never on its command line."""
    podman(
        "run",
        "--detach",
        f"--name={name}",
        "--network=host",
        *(f"--volume={mount}" for mount in mounts),
        *(f"--env={key}" for key in bot_env),
        image,
        env={**os.environ, **bot_env},
    )
    try:
        yield name
    finally:
        subprocess.run(["podman", "rm", "--force", name], capture_output=True, check=False)


def data_volume_name(container_name: str) -> str:
    return f"{container_name}-data"


def logs(name: str) -> str:
    result = subprocess.run(["podman", "logs", name], capture_output=True, text=True, check=False)
    return result.stdout + result.stderr


def state(name: str) -> str:
    return podman("inspect", "--format={{.State.Status}} {{.State.ExitCode}}", name)


# ---- the conversation ------------------------------------------------------------------------


def digit_photo(mnist: Mnist, index: int) -> tuple[bytes, int]:
    """An MNIST test digit as a phone would see it: dark ink, large, on a big light page, JPEG."""
    stroke = Image.fromarray(mnist.x_test[index]).resize((560, 560), Image.Resampling.BICUBIC)
    page = np.full((1280, 960), PAPER, dtype=np.float32)
    page[360:920, 200:760] -= np.asarray(stroke, dtype=np.float32) / 255 * (PAPER - INK)
    buffer = io.BytesIO()
    Image.fromarray(page.astype(np.uint8)).convert("RGB").save(buffer, format="JPEG", quality=85)
    return buffer.getvalue(), int(mnist.y_test[index])


def wait_until(condition: Callable[[], bool], timeout: float, what: str, name: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if not state(name).startswith("running"):
            raise SmokeError(f"{name} stopped while waiting for {what}:\n{tail(logs(name))}")
        if time.monotonic() > deadline:
            raise SmokeError(f"{name}: no {what} after {timeout:.0f} s:\n{tail(logs(name))}")
        time.sleep(0.2)


def polls(emu: SyncEmulator) -> int:
    return emu.stats.calls.get("getUpdates", 0)


def wait_for_polling(emu: SyncEmulator, name: str, polls_before: int) -> None:
    """The bot is ready once it asks for updates; a photo sent earlier could be dropped."""
    wait_until(
        lambda: polls(emu) > polls_before,
        START_TIMEOUT_S,
        "polling",
        name,
    )


def ask(
    emu: SyncEmulator, user: User, send: Callable[[], object], pattern: re.Pattern[str]
) -> re.Match[str]:
    """Sends something and returns the bot's first message that matches the pattern."""
    since = emu.mark()
    send()

    def matches(message: SentMessage) -> bool:
        return pattern.search(message.content) is not None

    reply = emu.wait_for_message(user, matches, timeout=ANSWER_TIMEOUT_S, since=since)
    found = pattern.search(reply.content)
    assert found is not None
    return found


def check_answers(emu: SyncEmulator, user: User, mnist: Mnist) -> float:
    """Sends the digits; returns the first answer's latency."""
    latencies = []
    for index in MNIST_TEST_INDICES:
        photo, label = digit_photo(mnist, index)
        started = time.monotonic()
        found = ask(emu, user, functools.partial(emu.send_photo, user, photo), ANSWER_PATTERN)
        latencies.append(time.monotonic() - started)
        if int(found.group(1)) != label:
            raise SmokeError(f"MNIST test digit #{index} is a {label}; the bot said {found[0]!r}")
    return latencies[0]


def wait_for_content(
    emu: SyncEmulator, user: User, pattern: re.Pattern[str], timeout: float
) -> str:
    """The first message the bot sends or edits into a text that matches the pattern."""

    def matches(action: BotAction) -> bool:
        return action.message is not None and pattern.search(action.message.content) is not None

    action = emu.wait_for(user, matches, timeout=timeout)
    assert action.message is not None
    return action.message.content


def check_retrain(emu: SyncEmulator, user: User, target: str) -> float | None:
    """slim explains how to get /retrain; full runs a short one to the end (TensorFlow works)."""
    if target != "full":
        ask(emu, user, lambda: emu.send_command(user, "retrain"), NO_TENSORFLOW)
        return None
    # A quick retrain needs something new to learn: label the last answer as a user would.
    answer = [message for message in emu.sent_messages(user) if message.button_texts][-1]
    emu.press_button(user, answer, text="Right")
    emu.wait_for_edit(user, lambda m: m.message_id == answer.message_id, timeout=30)
    started = time.monotonic()
    emu.send_command(user, "retrain", "quick")
    outcome = wait_for_content(emu, user, RETRAIN_OUTCOME, RETRAIN_TIMEOUT_S)
    if not outcome.startswith("Retrain done"):
        raise SmokeError(f"/retrain quick did not finish: {outcome!r}")
    return time.monotonic() - started


def served_version(image: str, data_volume: str) -> str:
    """Which model version the data volume's ``current`` link names, read by a throwaway box."""
    return podman(
        "run",
        "--rm",
        "--network=none",
        f"--volume={data_volume}:/data",
        image,
        "readlink",
        "/data/models/current",
    )


def check_stop_during_retrain(emu: SyncEmulator, user: User, name: str, image: str) -> None:
    """SIGTERM in the middle of a retrain: a clean exit, and the served model is untouched."""
    before = served_version(image, data_volume_name(name))
    emu.send_command(user, "retrain", "quick")
    wait_for_content(emu, user, RETRAIN_RUNNING, RETRAIN_TIMEOUT_S)
    stop(name)
    after = served_version(image, data_volume_name(name))
    if after != before:
        raise SmokeError(
            f"a retrain stopped by SIGTERM changed the served model: {before} -> {after}"
        )


def memory_usage(name: str) -> str:
    """Resident memory of the container as podman reports it, e.g. '180.2MB'."""
    return podman("stats", "--no-stream", "--format={{.MemUsage}}", name).split(" / ")[0]


def check_health(name: str) -> None:
    result = subprocess.run(
        ["podman", "healthcheck", "run", name], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise SmokeError(f"{name}: healthcheck failed: {result.stdout}{result.stderr}")


def stop(name: str) -> float:
    """SIGTERM, then the bot must exit by itself (status 0) before podman would SIGKILL it."""
    started = time.monotonic()
    podman("stop", f"--time={STOP_TIMEOUT_S}", name)
    elapsed = time.monotonic() - started
    status = state(name)
    output = logs(name)
    clean = CLEAN_STOP_LOG in output and "Traceback" not in output
    if status != "exited 0" or elapsed >= STOP_TIMEOUT_S or not clean:
        raise SmokeError(f"{name}: unclean stop ({status}, {elapsed:.1f} s):\n{tail(output)}")
    return elapsed


def bot_environment(
    emu: SyncEmulator, admin: User, extra: Mapping[str, str] | None = None
) -> dict[str, str]:
    return {
        Env.TELEGRAM_BOT_TOKEN: emu.token,
        Env.TELEGRAM_API_BASE_URL: emu.api_base_url,
        Env.TELEGRAM_FILE_BASE_URL: emu.file_base_url,
        Env.ADMIN_IDS: str(admin.id),
        Env.LOG_LEVEL: "INFO",
        Env.DIGITBOT_MNIST_PATH: MNIST_IN_CONTAINER,
        Env.RETRAIN_EPOCHS: "1",
        **(extra or {}),
    }


def smoke_target(
    target: str, base: str, emu: SyncEmulator, user: User, mnist: Mnist
) -> TargetResult:
    image = f"localhost/digitbot:{target}"
    print(f"[{target}] building {image} on {base}", flush=True)
    build_s = build(target, base, image)
    size = int(podman("image", "inspect", "--format={{.Size}}", image))
    check_image(target, image, base)
    name = f"digitbot-smoke-{target}"
    mnist_file = Path(mnist.source).resolve()
    mounts = (f"{data_volume_name(name)}:/data", f"{mnist_file}:{MNIST_IN_CONTAINER}:ro")
    with volume(data_volume_name(name)):
        print(f"[{target}] running it: digits, /retrain, healthcheck, SIGTERM", flush=True)
        started, polls_before = time.monotonic(), polls(emu)
        quick = bot_environment(emu, user, {Env.RETRAIN_LIMIT: QUICK_RETRAIN_LIMIT})
        with container(name, image, mounts, quick):
            wait_for_polling(emu, name, polls_before)
            latency = check_answers(emu, user, mnist)
            first_answer_s = time.monotonic() - started
            memory = memory_usage(name)
            retrain_s = check_retrain(emu, user, target)
            check_health(name)
            stop_s = stop(name)
        print(f"[{target}] restarting on the same volume: /stats", flush=True)
        polls_before = polls(emu)
        with container(name, image, mounts, bot_environment(emu, user)):
            wait_for_polling(emu, name, polls_before)
            found = ask(emu, user, lambda: emu.send_command(user, "stats"), STATS_PATTERN)
            if int(found.group(1)) != len(MNIST_TEST_INDICES):
                raise SmokeError(f"after a restart /stats says {found[0]!r}")
            if target == "full":
                check_stop_during_retrain(emu, user, name, image)
            else:
                stop(name)
    return TargetResult(target, size, build_s, first_answer_s, latency, memory, retrain_s, stop_s)


def print_table(results: Sequence[TargetResult]) -> None:
    header = (
        "target",
        "image",
        "build",
        "start to 1st answer",
        "answer",
        "memory",
        "retrain",
        "stop",
    )
    rows = [
        (
            r.target,
            f"{r.size_bytes / 1e6:.0f} MB",
            f"{r.build_s:.0f} s",
            f"{r.first_answer_s:.1f} s",
            f"{r.answer_latency_s:.2f} s",
            r.memory,
            "-" if r.retrain_s is None else f"{r.retrain_s:.0f} s",
            f"{r.stop_s:.1f} s",
        )
        for r in results
    ]
    widths = [max(len(row[i]) for row in (header, *rows)) for i in range(len(header))]
    for row in (header, tuple("-" * w for w in widths), *rows):
        print(" | ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--target", action="append", choices=TARGETS, help="default: both")
    parser.add_argument("--base", default=DEFAULT_BASE, help=f"base image (default {DEFAULT_BASE})")
    arguments = parser.parse_args(argv)
    mnist = load_mnist(os.environ.get(MNIST_PATH_ENV) or DEFAULT_MNIST)
    results = []
    try:
        with SyncEmulator() as emu:
            user = emu.add_user("Smoke", "smoke")
            for target in arguments.target or TARGETS:
                results.append(smoke_target(target, arguments.base, emu, user, mnist))
    except SmokeError as error:
        print(f"FAILED: {error}", file=sys.stderr)
        return 1
    print()
    print_table(results)
    print("\nAll checks passed: right answers, /retrain, healthy, clean SIGTERM stops, stats kept.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
