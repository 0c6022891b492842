"""A stop signal whose KeyboardInterrupt a library swallows still ends the run.

Each check runs in its own interpreter: it installs signal handlers and sends itself signals,
which must not touch the test process.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from tests.conftest import REPO_ROOT

SWALLOWED = """
    import signal
    from training import stopping

    stopping.install()
    try:
        signal.raise_signal(signal.{name})
    except KeyboardInterrupt:
        pass  # what a finalizer or native code does with an exception: drops it
"""


def run_script(script: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("name", ["SIGINT", "SIGTERM"])
def test_a_swallowed_interrupt_is_raised_again_when_asked(name: str) -> None:
    result = run_script(
        SWALLOWED.format(name=name)
        + """
    print("carried on")
    try:
        stopping.raise_if_requested()
    except KeyboardInterrupt as stop:
        print("stopped by", stop)
    """
    )
    assert result.stdout.split("\n") == ["carried on", f"stopped by {name}", ""], result.stderr


def test_nothing_is_raised_without_a_signal() -> None:
    result = run_script(
        """
    from training import stopping

    stopping.install()
    stopping.raise_if_requested()
    print("still running")
    """
    )
    assert result.stdout == "still running\n", result.stderr


def test_training_ends_at_the_next_batch_after_a_swallowed_interrupt() -> None:
    """A real Keras fit: the signal comes (and is swallowed) before the first batch."""
    result = run_script(
        """
    import os

    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "2"
    import keras
    import numpy as np
    from training.fit import StopCheck

    class Swallower(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            print("batch", batch)
            if batch == 0:
    """
        + textwrap.indent(textwrap.dedent(SWALLOWED.format(name="SIGINT")), " " * 16)
        + """
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    model.compile(loss="sparse_categorical_crossentropy")
    x, y = np.zeros((64, 4), "float32"), np.zeros(64, "int64")
    try:
        model.fit(x, y, batch_size=8, epochs=3, verbose=0, callbacks=[Swallower(), StopCheck()])
    except KeyboardInterrupt as stop:
        print("stopped by", stop)
    """
    )
    assert result.stdout.split("\n") == ["batch 0", "stopped by SIGINT", ""], result.stderr


def test_a_signal_started_ignored_stays_ignored() -> None:
    """A job started in the background by a non-interactive shell ignores SIGINT."""
    result = run_script(
        """
    import signal
    from training import stopping

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    stopping.install()
    signal.raise_signal(signal.SIGINT)
    stopping.raise_if_requested()
    print("still running")
    """
    )
    assert result.stdout == "still running\n", result.stderr


def test_a_second_signal_does_not_break_into_the_first_ones_cleanup() -> None:
    result = run_script(
        """
    import signal
    from training import stopping

    stopping.install()
    try:
        signal.raise_signal(signal.SIGTERM)
    except KeyboardInterrupt as stop:
        signal.raise_signal(signal.SIGINT)  # pressed again while cleaning up
        print("cleaned up after", stop)
    """
    )
    assert result.stdout == "cleaned up after SIGTERM\n", result.stderr


def test_a_signal_while_held_back_is_recorded_not_raised() -> None:
    result = run_script(
        """
    import signal
    from training import stopping

    stopping.install()
    print("before", stopping.requested())
    with stopping.held_back():
        signal.raise_signal(signal.SIGTERM)
        print("not stopped halfway")
    print("after", stopping.requested())
    signal.raise_signal(signal.SIGINT)  # a second signal: the first is being answered already
    print("carried on")
    """
    )
    assert result.stdout.split("\n") == [
        "before None",
        "not stopped halfway",
        "after SIGTERM",
        "carried on",
        "",
    ], result.stderr
