"""Every sentence training's command line says to a person, in one place so the tone (what went
wrong, then how to fix it, in one line) and the option names stay consistent.
"""

from __future__ import annotations

from pathlib import Path

from recognizer.contracts import MNIST_PATH_ENV

# -- the command line --------------------------------------------------------------------------

NO_TENSORFLOW = (
    "TensorFlow is not installed, and training needs it: install the train extra with "
    'pip install -e ".[train]" in the project folder'
)


def bad_arguments(program: str, problem: str) -> str:
    return f"{program}: {problem} (see --help)"


def not_a_whole_number(text: str) -> str:
    return f"{text!r} is not a whole number"


def below_one(text: str) -> str:
    return f"{text} must be at least 1"


def out_is_a_file(out: Path) -> str:
    return f"--out {out} is a file; pass a directory for the model"


def out_not_writable(out: Path) -> str:
    return f"cannot write to {out}; pass --out a writable directory"


def no_model_to_fine_tune(keras_file: str, folder: Path) -> str:
    return (
        f"no {keras_file} in {folder}; pass --init-from a model directory written by training, "
        "or leave it out to train from scratch"
    )


def no_model_to_compare(model_file: str, folder: Path) -> str:
    return f"no {model_file} in {folder}; pass --compare-with a model dir"


def interrupted(signal_name: str, out: Path | None) -> str:
    unchanged = f"; {out} left unchanged" if out is not None else ""
    return f"interrupted by {signal_name}{unchanged}"


def interrupted_after_publishing(signal_name: str, out: Path) -> str:
    return f"interrupted by {signal_name} as the new model was published; {out} holds it"


def failed_unexpectedly(error: Exception) -> str:
    return f"training failed unexpectedly ({type(error).__name__}: {error})"


# -- the data ----------------------------------------------------------------------------------

_MNIST_FIX = f"pass --data PATH or set {MNIST_PATH_ENV} to a Keras-layout mnist.npz"


def mnist_not_found(path: Path) -> str:
    return f"MNIST file not found: {path} ({_MNIST_FIX})"


def mnist_unreadable(path: Path, error: Exception) -> str:
    return f"MNIST file {path} is unreadable or corrupt ({error}); {_MNIST_FIX}"


def mnist_bad_shapes(path: Path, images: str, labels: str) -> str:
    return f"MNIST file {path} has unexpected shapes in {images}/{labels}; {_MNIST_FIX}"


def mnist_download_failed(error: Exception) -> str:
    return f"could not download MNIST ({error}); pass --data PATH or set {MNIST_PATH_ENV}"


NO_MNIST_WITHOUT_KERAS = (
    f"no MNIST file given ({_MNIST_FIX}); downloading it needs Keras, from the train extra: "
    'pip install -e ".[train]" in the project folder'
)


def too_few_training_images(count: int, validation_size: int) -> str:
    return f"MNIST train has only {count} images; need more than {validation_size}"


def samples_folder_not_found(folder: Path) -> str:
    return (
        f"samples folder not found: {folder} (pass --samples DIR pointing at the folder holding "
        "0/ .. 9/ sub-folders of 28x28 PNGs, or leave --samples out)"
    )


def unreadable_sample(path: Path, error: Exception) -> str:
    return f"warning: skipping unreadable sample {path} ({error})"


def sample_not_28x28(path: Path, shape: tuple[int, ...]) -> str:
    return f"warning: skipping sample {path}: {shape} is not 28x28"


def not_one_digit(number: str) -> str:
    return f"read as the number {number!r}, not one digit"


def evaluation_folder_not_found(folder: Path) -> str:
    return f"folder not found: {folder} (pass --folder DIR holding 0/ .. 9/ folders)"


def no_images_to_evaluate(folder: Path) -> str:
    return f"no images in {folder}/<digit>/ (expected 0/ .. 9/ holding .png or .jpg)"


# -- the model ---------------------------------------------------------------------------------


def cannot_load_starting_model(path: Path, error: Exception) -> str:
    return (
        f"cannot load the model to fine-tune from {path} ({error}); "
        "pass --init-from a model directory written by training"
    )


def cannot_fine_tune(model_dir: Path | None, error: Exception) -> str:
    return (
        f"cannot fine-tune the model in {model_dir}: {error}; pass --init-from a model "
        "directory written by training, or leave it out to train from scratch"
    )
