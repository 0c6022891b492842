"""The two pictures shipped beside the model: learning curves and the test confusion matrix."""

from __future__ import annotations

from pathlib import Path

import matplotlib as mpl

mpl.use("Agg")  # files only: training often runs headless (Docker, the bot's subprocess)

import matplotlib.pyplot as plt
import numpy as np


def plot_history(history: dict[str, list[float]], path: Path) -> None:
    """Loss and accuracy per epoch, training (augmented) against validation."""
    epochs = np.arange(1, len(history["loss"]) + 1)
    figure, (loss_axes, accuracy_axes) = plt.subplots(1, 2, figsize=(10, 4), dpi=100)
    loss_axes.plot(epochs, history["loss"], label="training (augmented)")
    loss_axes.plot(epochs, history["val_loss"], label="validation")
    loss_axes.set(title="Loss", xlabel="epoch", yscale="log")
    accuracy_axes.plot(epochs, np.asarray(history["accuracy"]) * 100, label="training (augmented)")
    accuracy_axes.plot(epochs, np.asarray(history["val_accuracy"]) * 100, label="validation")
    accuracy_axes.set(title="Accuracy (%)", xlabel="epoch", ylim=(97.0, 100.0))
    for axes in (loss_axes, accuracy_axes):
        axes.grid(alpha=0.3)
        axes.legend()
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)


def plot_confusion(matrix: np.ndarray, accuracy: float, path: Path) -> None:
    """Counts on a log colour scale, so the few mistakes are visible next to ~1000 correct ones."""
    figure, axes = plt.subplots(figsize=(6.5, 5.5), dpi=100)
    shown = axes.imshow(np.log1p(matrix), cmap="Blues")
    for (row, column), count in np.ndenumerate(matrix):
        if count:
            colour = "white" if count > matrix.max() / 10 else "black"
            axes.text(column, row, str(count), ha="center", va="center", fontsize=8, color=colour)
    axes.set(
        title=f"MNIST test confusion matrix (accuracy {accuracy:.2%})",
        xlabel="predicted digit",
        ylabel="true digit",
        xticks=range(10),
        yticks=range(10),
    )
    figure.colorbar(shown, ax=axes, label="log(1 + count)")
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
