"""The bot's bridge to the recognizer: everything CPU-bound runs in a thread pool.

Decoding, inference, drawing the chart and encoding the crop take tens of milliseconds each;
on the event loop they would stall every other chat, so one call here does all of them on a
worker thread. The recognizer is an attribute read at call time, so a retrain can swap it.
"""

from __future__ import annotations

import asyncio
import io
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from recognizer import Prediction, Reading, Recognizer
from recognizer.chart import render_chart, render_number


@dataclass(frozen=True)
class NumberAnswer:
    """A reading with the images the bot needs: the picture to send, each digit's crop to keep.

    One digit gets the probability chart (PNG); a number gets its annotated photo (JPEG).
    """

    reading: Reading
    picture: bytes
    crop_pngs: tuple[bytes, ...]


class RecognitionService:
    """Runs the recognizer on a bounded pool so a burst of photos queues instead of thrashing."""

    def __init__(self, recognizer: Recognizer, threads: int, model_dir: Path) -> None:
        self.recognizer = recognizer
        self.model_dir = model_dir
        """The directory the served recognizer was loaded from (its metrics.json is beside it)."""
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="recognize")

    async def read(self, image: bytes) -> NumberAnswer:
        """Raises the recognizer's RecognizerError family for images it refuses."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, self._answer, self.recognizer, image)

    def swap(self, recognizer: Recognizer, model_dir: Path) -> None:
        """Serve a freshly loaded model; photos already on a worker finish on the old one."""
        self.recognizer, self.model_dir = recognizer, model_dir

    @staticmethod
    def _answer(recognizer: Recognizer, image: bytes) -> NumberAnswer:
        reading = recognizer.read(image)
        digits = reading.digits
        picture = render_chart(digits[0]) if len(digits) == 1 else render_number(reading)
        return NumberAnswer(reading, picture, tuple(encode_crop(p) for p in digits))

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


def encode_crop(prediction: Prediction) -> bytes:
    """The 28x28 image the model saw, as a grayscale PNG (white digit on black)."""
    buffer = io.BytesIO()
    Image.fromarray(prediction.image, mode="L").save(buffer, format="PNG")
    return buffer.getvalue()
