"""Peak memory of the whole bot reading the costliest image files, two at once.

    python -m benchmarks.image_memory [--quick] [--out benchmarks/results.json]

For each case a fresh bot process (production settings) gets the same file twice, sent as a
file by two users at the same moment, so both recognizer threads decode at once; the figure is
the process's peak resident memory (VmHWM in /proc/PID/status) once both are answered. The
files: 7000x7000 RGBA PNG, 16-bit PNG and WebP (refused from the header; 1.3 GB if decoded),
and the largest file of each costly kind still read (from the decode budget in
recognizer.config), plus a 48 MP phone JPEG (decoded reduced). Goal: 250 MB.
The section is merged into ``--out`` (the file ``python -m benchmarks`` writes).
"""

from __future__ import annotations

import argparse
import io
import json
import math
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pillow_heif
from PIL import Image

from benchmarks.accuracy import REPO_ROOT
from benchmarks.measure import machine
from bot.settings import Env
from emulator import SyncEmulator
from recognizer.config import DECODE_MEMORY_BUDGET
from recognizer.decode import decode_cost
from tests.botharness import bot_environment

DEFAULT_OUT = REPO_ROOT / "benchmarks" / "results.json"
GOAL_MB = 250
START_TIMEOUT_SECONDS = 60
ANSWER_TIMEOUT_SECONDS = 120


def _square(side: int, channels: int) -> np.ndarray:
    return _page(side, side, channels)


def _page(width: int, height: int, channels: int) -> np.ndarray:
    """Light paper with one dark stroke: a digit-like shape, cheap to compress."""
    page = np.full((height, width, channels), 230, np.uint8)
    page[height // 3 : 2 * height // 3, width // 2 - width // 40 : width // 2 + width // 40] = 20
    if channels == 4:
        page[:, :, 3] = 255
    return page


def _encoded(array: np.ndarray, image_format: str, mode: str | None = None) -> bytes:
    buffer = io.BytesIO()
    options = {"quality": 60} if image_format in ("WEBP", "JPEG", "AVIF") else {}
    Image.fromarray(array, mode).save(buffer, format=image_format, **options)
    return buffer.getvalue()


def _gray16(side: int) -> bytes:
    deep = np.full((side, side), 50_000, np.uint16)
    deep[side // 3 : 2 * side // 3, side // 2 - side // 40 : side // 2 + side // 40] = 2_000
    return _encoded(deep, "PNG")


def _heic(side: int) -> bytes:
    buffer = io.BytesIO()
    pillow_heif.from_pillow(Image.fromarray(_page(side, side, 3))).save(buffer, quality=60)
    return buffer.getvalue()


def _largest_side(mode: str, image_format: str) -> int:
    """The longest square side of this kind the decode budget still accepts."""
    one = decode_cost(Image.new(mode, (1000, 1000)), image_format) / 1e6
    return int(math.sqrt(DECODE_MEMORY_BUDGET / one)) - 8


CASES: dict[str, Callable[[], bytes]] = {
    "7000x7000 RGBA PNG": lambda: _encoded(_page(7000, 7000, 4), "PNG", "RGBA"),
    "7000x7000 16-bit PNG": lambda: _gray16(7000),
    "7000x7000 WebP": lambda: _encoded(_page(7000, 7000, 3), "WEBP"),
    "largest RGBA PNG read": lambda: _encoded(
        _square(_largest_side("RGBA", "PNG"), 4), "PNG", "RGBA"
    ),
    "largest 16-bit PNG read": lambda: _gray16(_largest_side("I;16", "PNG")),
    "largest WebP read": lambda: _encoded(_square(_largest_side("RGB", "WEBP"), 3), "WEBP"),
    "largest AVIF read": lambda: _encoded(_square(_largest_side("RGB", "AVIF"), 3), "AVIF"),
    "12 MP HEIC (phone)": lambda: _heic(3464),
    "48 MP JPEG (phone)": lambda: _encoded(_page(8000, 6000, 3), "JPEG"),
}
QUICK_CASES = ("7000x7000 RGBA PNG",)


def peak_rss_mb(data: bytes, workdir: Path) -> dict:
    """A fresh bot reads ``data`` twice at once; its peak and final resident memory."""
    with SyncEmulator() as emu:
        env = bot_environment(
            {
                Env.TELEGRAM_BOT_TOKEN: emu.token,
                Env.TELEGRAM_API_BASE_URL: emu.api_base_url,
                Env.TELEGRAM_FILE_BASE_URL: emu.file_base_url,
                Env.DATA_DIR: str(workdir / "data"),
                Env.MAX_IMAGE_MB: "20",
            }
        )
        with (workdir / "bot.log").open("ab") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "bot"], cwd=workdir, env=env, stdout=log, stderr=log
            )
        try:
            emu.wait_for_polling(timeout=START_TIMEOUT_SECONDS)
            time.sleep(1)  # the bot settles (command menu, first poll)
            at_rest = _status_mb(process.pid, "VmRSS")
            users = [emu.add_user(f"Memory{index}") for index in range(2)]
            for user in users:
                emu.send_document(user, data, "image.bin")
            for user in users:
                emu.wait_for_message(user, timeout=ANSWER_TIMEOUT_SECONDS)
            return {
                "rss_at_rest_mb": at_rest,
                "peak_rss_mb": _status_mb(process.pid, "VmHWM"),
                "answer": emu.sent_messages(users[0])[-1].content[:80],
            }
        finally:
            process.terminate()
            process.wait(30)


def _status_mb(pid: int, field: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return round(int(line.split()[1]) / 1024, 1)
    raise RuntimeError(f"no {field} for process {pid}")


def run(quick: bool = False) -> dict:
    """The section: one entry per case, with the file's size and the bot's memory."""
    cases = {name: CASES[name] for name in QUICK_CASES} if quick else CASES
    results: dict[str, dict] = {}
    for name, make in cases.items():
        data = make()
        with tempfile.TemporaryDirectory(prefix="image-memory-") as folder:
            results[name] = {"file_kb": round(len(data) / 1024), **peak_rss_mb(data, Path(folder))}
    worst = max(case["peak_rss_mb"] for case in results.values())
    return {"machine": machine(), "goal_mb": GOAL_MB, "cases": results, "worst_peak_mb": worst}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.image_memory", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="one case: a check, not the figure")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    section = run(args.quick)
    print("| Case | File | Bot at rest | Bot peak, two at once | Answer |")
    print("|---|---:|---:|---:|---|")
    for name, case in section["cases"].items():
        print(
            f"| {name} | {case['file_kb']} KB | {case['rss_at_rest_mb']} MB "
            f"| {case['peak_rss_mb']} MB | {case['answer']} |"
        )
    print(f"\nworst peak: {section['worst_peak_mb']} MB (goal <= {GOAL_MB} MB)")
    results = json.loads(args.out.read_text()) if args.out.is_file() else {}
    results["image_memory"] = section
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2))
    print(f"written: {args.out}")


if __name__ == "__main__":
    main()
