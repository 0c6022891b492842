"""Training's TensorFlow-free parts: user samples, data assembly, atomic publishing."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from recognizer.config import NOT_A_DIGIT
from recognizer.contracts import MNIST_PATH_ENV
from training.config import (
    HELD_OUT_NEGATIVES,
    NEGATIVE_SHARE,
    STYLED_SHARE,
    USER_SAMPLE_MAX_REPEAT,
)
from training.dataset import assemble, user_repeat
from training.mnist import DataError, Mnist, resolve_path
from training.publish import publish, staging_directory
from training.samples import empty_samples, load_samples


def write_samples(root: Path, images: np.ndarray, labels: np.ndarray) -> None:
    """The bot's format: <root>/<digit>/<id>.png, 28x28 grayscale."""
    for index, (image, label) in enumerate(zip(images, labels, strict=True)):
        folder = root / str(int(label))
        folder.mkdir(parents=True, exist_ok=True)
        Image.fromarray(image).save(folder / f"{index}.png")


def write_paper_photos(folder: Path, mnist: Mnist, per_digit: int) -> int:
    """MNIST digits as a phone would see paper: dark ink on white, larger, RGB, PNG and JPEG."""
    written = 0
    for digit in range(10):
        (folder / str(digit)).mkdir(parents=True)
        for index in np.flatnonzero(mnist.y_test == digit)[:per_digit]:
            ink = Image.fromarray(255 - mnist.x_test[index]).resize(
                (140, 140), Image.Resampling.BICUBIC
            )
            paper = Image.new("RGB", (220, 200), (250, 248, 240))
            paper.paste(ink.convert("RGB"), (40, 30))
            suffix = ".jpg" if index % 2 else ".png"
            paper.save(folder / str(digit) / f"{index}{suffix}", quality=90)
            written += 1
    return written


def snapshot(directory: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(directory.iterdir())}


def test_samples_round_trip_with_labels_from_folders(tmp_path: Path, mnist: Mnist) -> None:
    images, labels = mnist.x_test[:30], mnist.y_test[:30]
    write_samples(tmp_path, images, labels)
    samples = load_samples(tmp_path)
    assert len(samples) == 30
    assert samples.skipped == 0
    # Sorted by label, then name: compare as multisets of (label, image bytes).
    loaded = sorted(
        (int(y), x.tobytes()) for x, y in zip(samples.images, samples.labels, strict=True)
    )
    written = sorted((int(y), x.tobytes()) for x, y in zip(images, labels, strict=True))
    assert loaded == written


def test_bad_sample_files_are_skipped_not_fatal(tmp_path: Path, mnist: Mnist) -> None:
    write_samples(tmp_path, mnist.x_test[:5], mnist.y_test[:5])
    (tmp_path / "3").mkdir(exist_ok=True)
    (tmp_path / "3" / "broken.png").write_bytes(b"not a png at all")
    Image.new("L", (30, 30)).save(tmp_path / "3" / "too_big.png")
    (tmp_path / "notes.txt").write_text("the bot's own bookkeeping")
    samples = load_samples(tmp_path)
    assert len(samples) == 5
    assert samples.skipped == 2


def test_missing_samples_folder_names_path_and_fix(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="--samples") as caught:
        load_samples(tmp_path / "nowhere")
    assert str(tmp_path / "nowhere") in str(caught.value)


def test_sample_checksum_changes_with_content(tmp_path: Path, mnist: Mnist) -> None:
    write_samples(tmp_path, mnist.x_test[:3], mnist.y_test[:3])
    before = load_samples(tmp_path).sha256
    write_samples(tmp_path, mnist.x_test[3:4], mnist.y_test[:1])
    assert load_samples(tmp_path).sha256 != before
    assert empty_samples().sha256 == hashlib.sha256().hexdigest()


@pytest.mark.parametrize(
    ("user", "mnist_count", "expected"),
    [(0, 1000, 0), (10, 55_000, USER_SAMPLE_MAX_REPEAT), (5_000, 55_000, 2), (60_000, 55_000, 1)],
)
def test_user_repeat_is_capped_by_count_and_share(
    user: int, mnist_count: int, expected: int
) -> None:
    assert user_repeat(user, mnist_count) == expected


def test_assemble_mixes_user_samples_into_training_only(tmp_path: Path, mnist: Mnist) -> None:
    write_samples(tmp_path, mnist.x_test[:7], mnist.y_test[:7])
    samples = load_samples(tmp_path)
    data = assemble(mnist, samples, validation_size=100, limit=1000, seed=3)
    assert data.mnist_train == 1000
    assert data.user_samples == 7
    assert data.user_repeat == USER_SAMPLE_MAX_REPEAT
    made_up = data.negatives + data.styled
    assert len(data.train) == 1000 + made_up + 7 * data.user_repeat
    mixed_in = data.train.x[1000 + made_up : 1000 + made_up + 7, ..., 0]
    np.testing.assert_array_equal(np.rint(mixed_in * 255).astype(np.uint8), samples.images)
    assert len(data.validation) == 100 + round(NEGATIVE_SHARE * 100)
    assert len(data.test) == len(mnist.y_test)


def test_assemble_adds_not_a_digit_crops_and_styled_digits(mnist: Mnist) -> None:
    data = assemble(mnist, empty_samples(), validation_size=200, limit=2000, seed=4)
    assert data.negatives == round(NEGATIVE_SHARE * 2000)
    assert data.styled == round(STYLED_SHARE * 2000)
    labels = np.bincount(data.train.y, minlength=NOT_A_DIGIT + 1)
    assert labels[NOT_A_DIGIT] == data.negatives
    assert labels[:NOT_A_DIGIT].sum() == 2000 + data.styled
    assert (data.validation.y == NOT_A_DIGIT).sum() == round(NEGATIVE_SHARE * 200)
    assert not (data.test.y == NOT_A_DIGIT).any()
    assert len(data.held_out_negatives) == HELD_OUT_NEGATIVES
    assert data.train.x.dtype == np.float32
    assert data.train.x.shape[1:] == (28, 28, 1)
    assert data.train.x.min() >= 0.0
    assert data.train.x.max() <= 1.0


def test_assemble_is_seeded(mnist: Mnist) -> None:
    first = assemble(mnist, empty_samples(), validation_size=50, limit=200, seed=5)
    second = assemble(mnist, empty_samples(), validation_size=50, limit=200, seed=5)
    other = assemble(mnist, empty_samples(), validation_size=50, limit=200, seed=6)
    np.testing.assert_array_equal(first.train.y, second.train.y)
    assert not np.array_equal(first.train.y, other.train.y)


OWNED = frozenset({"digits.tflite", "metrics.json", "digits_int8.tflite"})


def test_publish_replaces_owned_files_and_keeps_foreign_ones(tmp_path: Path) -> None:
    target = tmp_path / "models"
    target.mkdir()
    (target / "digits.tflite").write_bytes(b"old model")
    (target / "digits_int8.tflite").write_bytes(b"old int8 model, no longer good enough")
    (target / "README.md").write_text("kept")
    with staging_directory(target) as staging:
        (staging / "digits.tflite").write_bytes(b"new model")
        (staging / "metrics.json").write_text("{}")
        publish(staging, target, OWNED)
    assert snapshot(target) == {
        "README.md": b"kept",
        "digits.tflite": b"new model",
        "metrics.json": b"{}",
    }
    assert sorted(path.name for path in tmp_path.iterdir()) == ["models"]


def crash_while_staging(target: Path) -> None:
    with staging_directory(target) as staging:
        (staging / "digits.tflite").write_bytes(b"half a new model")
        raise RuntimeError("crash before publishing")


def test_failed_run_leaves_target_and_no_staging(tmp_path: Path) -> None:
    target = tmp_path / "models"
    target.mkdir()
    (target / "digits.tflite").write_bytes(b"old model")
    with pytest.raises(RuntimeError, match="crash"):
        crash_while_staging(target)
    assert snapshot(target) == {"digits.tflite": b"old model"}
    assert sorted(path.name for path in tmp_path.iterdir()) == ["models"]


def test_publish_creates_a_missing_target(tmp_path: Path) -> None:
    target = tmp_path / "fresh" / "models"
    with staging_directory(target) as staging:
        (staging / "metrics.json").write_text("{}")
        publish(staging, target, OWNED)
    assert snapshot(target) == {"metrics.json": b"{}"}
    assert target.stat().st_mode & 0o777 == 0o755


def test_mnist_is_found_in_keras_cache_when_no_path_is_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A machine (or the full image's volume) that downloaded MNIST once retrains offline."""
    monkeypatch.delenv(MNIST_PATH_ENV, raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    assert resolve_path(None) is None, "nothing cached: Keras downloads it"
    cached = tmp_path / "datasets" / "mnist.npz"
    cached.parent.mkdir()
    cached.write_bytes(b"")
    assert resolve_path(None) == cached
    monkeypatch.setenv(MNIST_PATH_ENV, str(tmp_path / "chosen.npz"))
    assert resolve_path(None) == tmp_path / "chosen.npz", "the setting wins"


def test_fine_tuning_reads_a_slice_of_mnist_unless_told_otherwise(tmp_path: Path) -> None:
    """/retrain quick: a slice keeps it to a couple of minutes on 2 cores (README, Training)."""
    from training.config import FINE_TUNE  # noqa: PLC0415
    from training.model import CLASSES  # noqa: PLC0415
    from training.run import RunRequest, recipe_for  # noqa: PLC0415  (imports TensorFlow)

    def request(limit: int | None, init_from: Path | None) -> RunRequest:
        mnist = Mnist(*(np.zeros(0),) * 4, source="")
        return RunRequest(mnist, empty_samples(), tmp_path, None, limit, 1, init_from)

    class Served:  # what recipe_for reads of the model it fine-tunes
        output_shape = (None, CLASSES)

    served = Served()
    assert recipe_for(request(None, tmp_path), served).mnist_limit == FINE_TUNE.mnist_limit
    assert FINE_TUNE.mnist_limit == 10_000
    assert recipe_for(request(500, tmp_path), served).mnist_limit == 500
    assert recipe_for(request(None, None)).mnist_limit is None, "from scratch: all of MNIST"
