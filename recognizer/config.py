"""Every tunable number of the recognizer, in one place."""

from pathlib import Path

DEFAULT_MODEL_DIR = Path(__file__).resolve().parent.parent / "models"
"""Where the shipped model lives (the repository's ``models/``)."""

MODEL_FILE = "digits.tflite"
"""The LiteRT model in a model directory: float32 (N, 28, 28, 1) in [0, 1] -> (N, 10) softmax."""

KERAS_FILE = "digits.keras"
"""The Keras model inside a model directory, kept for fine-tuning."""

METRICS_FILE = "metrics.json"
"""Evaluation figures written by training, read by the bot's /stats."""

UNSURE_BELOW = 0.80
"""Below this confidence the answer says the model is unsure and names the runner-up."""
