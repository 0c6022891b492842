"""End-to-end: /retrain, /model and /rollback through the emulator, with real tiny trainings.

Each retrain really runs ``python -m training`` as the bot's child process, on 2000 MNIST
images for one epoch, so a run takes seconds. One bot shared by the module has a lenient
quality gate (a tiny fine-tune is accepted); the other stories each start their own bot with
the settings or the data folder they need: the default gate (a tiny model trained from scratch
must be rejected), a missing MNIST file, two model versions to roll back between, and a
serve-only install that cannot import TensorFlow.
"""

from __future__ import annotations

import io
import itertools
import json
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PIL import Image

from bot import texts
from bot.model_store import CURRENT, ModelStore
from bot.retrain.retrainer import EXPORTED_SAMPLES, TRAINING_SAMPLES, Refusal
from bot.settings import DATABASE_FILE, Env
from bot.storage import LoggedDigit, Store
from emulator import SentMessage, SyncEmulator, User
from tests.botharness import (
    WAIT,
    BotProcess,
    ask,
    bot_environment,
    digit_photo,
    gone,
    model_dir,
    reads_as,
    wait_until,
)
from tests.conftest import mnist_path, python_path_hiding
from training.mnist import Mnist

ADMIN_ID = 5151
TRAINING_WAIT = 180.0
TINY_RUN = {Env.RETRAIN_EPOCHS: "1", Env.RETRAIN_LIMIT: "2000"}
USER_SAMPLES = 25
"""Written as the bot's feedback would; ids 5, 10, ... 25 are held out of training."""

pytestmark = pytest.mark.slow


def start_bot(
    emu: SyncEmulator, workdir: Path, settings: dict[str, str], seed: Callable[[Path], None]
) -> BotProcess:
    process = BotProcess(
        emu,
        workdir,
        {Env.ADMIN_IDS: str(ADMIN_ID), **TINY_RUN, Env.DIGITBOT_MNIST_PATH: str(mnist_path())}
        | settings,
    )
    seed(process.data_dir)
    return process.start()


def write_user_samples(mnist: Mnist) -> Callable[[Path], None]:
    """Labelled samples as users make them: an answer, then its label (a row with its crop).
    Sample ids run 1..USER_SAMPLES."""

    def write(data_dir: Path) -> None:
        store = Store(data_dir / DATABASE_FILE)
        try:
            for index in range(1, USER_SAMPLES + 1):
                image, label = mnist.x_test[-index], int(mnist.y_test[-index])
                png = io.BytesIO()
                Image.fromarray(image).save(png, format="PNG")
                digit = LoggedDigit(label, 0.9, png.getvalue())
                answer = store.log_answer(ADMIN_ID, ADMIN_ID, [digit])
                store.save_label(answer.prediction_ids[0], ADMIN_ID, label)
        finally:
            store.close()

    return write


@pytest.fixture(scope="module")
def lenient(
    emu: SyncEmulator, tmp_path_factory: pytest.TempPathFactory, mnist: Mnist
) -> Iterator[BotProcess]:
    """Any MNIST drop passes its gate, so a tiny fine-tune is served."""
    bot = start_bot(
        emu,
        tmp_path_factory.mktemp("lenient"),
        {Env.RETRAIN_MAX_DROP_PP: "100"},
        write_user_samples(mnist),
    )
    yield bot
    assert bot.stop() == 0, bot.log


@pytest.fixture(scope="module")
def admin(emu: SyncEmulator) -> User:
    return emu.add_user("Admin", user_id=ADMIN_ID)


def command(emu: SyncEmulator, chat: User, text: str) -> str:
    """Send ``/text`` and return the bot's next message."""
    emu.send_text(chat, f"/{text}")
    return emu.wait_for_message(chat, timeout=WAIT).content


def retrain(emu: SyncEmulator, admin: User, mode: str = "") -> tuple[int, SentMessage]:
    """Send /retrain; returns the cursor before it and the progress message."""
    mark = emu.mark()
    emu.send_command(admin, "retrain", mode)
    return mark, emu.wait_for_message(admin, timeout=WAIT)


def progress_sent_at(emu: SyncEmulator, admin: User, since: int) -> float:
    """When the progress message (the bot's first message after ``since``) was sent."""
    return emu.actions(admin, ["sent"], since=since)[0].time


def outcome(emu: SyncEmulator, admin: User, since: int, starts: str) -> str:
    """The result: a new message (so the admin's phone notifies), not an edit."""
    message = emu.wait_for_message(
        admin, lambda m: m.content.startswith(starts), timeout=TRAINING_WAIT, since=since
    )
    return message.content


def wait_for_training(emu: SyncEmulator, admin: User, since: int) -> None:
    """Until the progress message shows epochs: TensorFlow is loaded and fitting."""
    emu.wait_for_edit(admin, lambda m: "epoch 1/1" in m.content, timeout=WAIT * 2, since=since)


def training_pid(bot: BotProcess) -> int:
    state = bot.data_dir / "retrain.json"
    wait_until(state.is_file, WAIT, "the retrain state file")
    return int(json.loads(state.read_text())["pid"])


def served_version(bot: BotProcess) -> str:
    return os.readlink(bot.data_dir / "models" / "current")


def no_leftovers(bot: BotProcess) -> bool:
    models = bot.data_dir / "models"
    return not [p for p in models.iterdir() if p.name.startswith(".")]


def photos(mnist: Mnist, count: int) -> list[tuple[int, bytes]]:
    return [(int(mnist.y_test[i]), digit_photo(mnist.x_test[i])) for i in range(count)]


def sent_since(emu: SyncEmulator, chat: User, since: int) -> list[str]:
    """The texts of the messages the bot sent in ``chat`` after ``since``, as first sent."""
    return [a.message.content for a in emu.actions(chat, ["sent"], since=since) if a.message]


def stats_text(emu: SyncEmulator, chat: User) -> str:
    emu.send_command(chat, "stats")
    return emu.wait_for_message(chat, timeout=WAIT).content


# -- the lenient bot: admins only, a served retrain, faults, cancel, rollback ---------------


def test_non_admins_are_refused_and_logged(emu: SyncEmulator, lenient: BotProcess) -> None:
    stranger = emu.add_user("Stranger")
    for name in ("retrain", "retrain full", "retrain cancel", "rollback", "model"):
        assert command(emu, stranger, name) == texts.admins_only()
    lenient.wait_for_log(f"refused /retrain to non-admin {stranger.id}")
    assert not (lenient.data_dir / "retrain.json").exists()


def test_the_shipped_model_is_the_first_version(
    emu: SyncEmulator, lenient: BotProcess, admin: User
) -> None:
    shipped = (model_dir() / "metrics.json").read_text()
    first = lenient.data_dir / "models" / "v0001"
    assert (first / "metrics.json").read_text() == shipped
    served = served_version(lenient)
    figures = json.loads((lenient.data_dir / "models" / served / "metrics.json").read_text())
    report = command(emu, admin, "model")
    assert f"Served model: {served}" in report
    assert f"MNIST test accuracy: {figures['test_accuracy']:.2%}" in report
    assert command(emu, admin, "retrain sideways") == texts.retrain_usage()


def test_quick_retrain_is_served_and_photos_are_answered_meanwhile(
    emu: SyncEmulator, lenient: BotProcess, admin: User, mnist: Mnist
) -> None:
    before = served_version(lenient)
    after = f"v{int(before.removeprefix('v')) + 1:04d}"
    mark, progress = retrain(emu, admin)
    assert progress.content.startswith("Retraining (quick fine-tune)")
    training_pid(lenient)
    assert command(emu, admin, "retrain full").startswith("A retrain is already running")
    user = emu.add_user("Busy")
    for digit, photo in photos(mnist, 3):
        assert reads_as(ask(emu, user, photo).caption, digit)
    assert (lenient.data_dir / "retrain.json").exists(), "answered while training ran"

    result = outcome(emu, admin, mark, "Retrain done")
    assert f"model {after} is now served" in result
    assert "Held-out user samples: new" in result
    assert "same test images" in result, "the gate scored both models on the same data"
    edited = [a for a in emu.actions(admin, ["edited"], since=mark) if a.message]
    edits = [action.message.content for action in edited if action.message]
    assert any("epoch 1/1" in edit and "validation accuracy" in edit for edit in edits), edits
    assert {action.message.message_id for action in edited if action.message} == {
        progress.message_id
    }, "one progress message, edited"
    assert edits[-1].endswith("finished…"), "the progress shows no stale stage"
    assert not any(edit.startswith("Retrain done") for edit in edits), "the end is not an edit"
    shown = [progress_sent_at(emu, admin, mark)] + [action.time for action in edited[:-1]]
    assert all(b - a >= 0.9 for a, b in itertools.pairwise(shown)), "about one edit a second"

    assert served_version(lenient) == after
    metrics = json.loads((lenient.data_dir / "models" / after / "metrics.json").read_text())
    assert metrics["samples"]["user"] == USER_SAMPLES - USER_SAMPLES // 5, "held out of training"
    assert f"Served model: {after}" in command(emu, admin, "model")
    emu.send_command(admin, "stats")
    stats = emu.wait_for_message(admin, timeout=WAIT).content
    assert f"Test accuracy (MNIST): {metrics['test_accuracy']:.2%}" in stats
    for digit, photo in photos(mnist, 3):
        assert reads_as(ask(emu, user, photo).caption, digit)
    assert no_leftovers(lenient)

    # The new model learned every training sample there is: a quick retrain would repeat it.
    assert command(emu, admin, "retrain quick") == texts.refusal(Refusal.NOTHING_NEW)
    assert not (lenient.data_dir / "retrain.json").exists()
    assert served_version(lenient) == "v0002"


def test_killed_training_leaves_the_served_model(
    emu: SyncEmulator, lenient: BotProcess, admin: User, mnist: Mnist
) -> None:
    before = served_version(lenient)
    mark, _ = retrain(emu, admin, "full")
    wait_for_training(emu, admin, mark)
    os.kill(training_pid(lenient), signal.SIGKILL)  # what the OOM killer does
    result = outcome(emu, admin, mark, "Retrain failed")
    assert "killed (SIGKILL), most likely out of memory" in result
    assert "The served model is unchanged" in result
    assert served_version(lenient) == before
    assert no_leftovers(lenient)
    assert not (lenient.data_dir / TRAINING_SAMPLES).exists()
    assert not (lenient.data_dir / EXPORTED_SAMPLES).exists()
    digit, photo = photos(mnist, 1)[0]
    assert reads_as(ask(emu, emu.add_user("After"), photo).caption, digit)


def test_cancel_stops_the_training_process(
    emu: SyncEmulator, lenient: BotProcess, admin: User
) -> None:
    before = served_version(lenient)
    mark, _ = retrain(emu, admin, "full")
    pid = training_pid(lenient)
    wait_for_training(emu, admin, mark)
    assert command(emu, admin, "retrain full").startswith("A retrain is already running, epoch 1/1")
    assert command(emu, admin, "retrain cancel") == texts.retrain_cancelling()
    assert "cancelled by an admin" in outcome(emu, admin, mark, "Retrain stopped")
    wait_until(lambda: gone(pid), WAIT, "the training process to end")
    assert served_version(lenient) == before
    assert no_leftovers(lenient)
    assert command(emu, admin, "retrain cancel") == texts.retrain_not_running()


def test_two_retrain_requests_at_once_start_one(
    emu: SyncEmulator, lenient: BotProcess, admin: User
) -> None:
    """The bot handles updates concurrently: the second /retrain must find the first running.

    The server holds the first reply back for a second, so the second /retrain is handled
    while the first is still being answered: the window a check-then-await-then-start loses.
    """
    before = served_version(lenient)
    mark = emu.mark()
    emu.slow_down("sendMessage", 1.0, count=1, chat=admin)
    emu.send_command(admin, "retrain", "full")
    emu.send_command(admin, "retrain", "full")
    pid = training_pid(lenient)
    wait_until(lambda: len(sent_since(emu, admin, mark)) >= 2, WAIT, "both /retrain answered")
    assert command(emu, admin, "retrain cancel") == texts.retrain_cancelling()
    assert "cancelled by an admin" in outcome(emu, admin, mark, "Retrain stopped")
    wait_until(lambda: gone(pid), WAIT, "the training process to end")
    replies = sent_since(emu, admin, mark)
    started = [text for text in replies if text.startswith("Retraining (full")]
    busy = [text for text in replies if text.startswith("A retrain is already running")]
    assert (len(started), len(busy), len(replies)) == (1, 1, 4), replies
    assert served_version(lenient) == before
    assert no_leftovers(lenient)


# -- rollback: a bot that starts with two versions, as after an accepted retrain ------------

RETRAINED_ACCURACY = 0.5
"""What v0002's metrics claim, so /model and /stats show which version is served."""


def two_versions(data_dir: Path) -> None:
    """The shipped model as v0001 and, served, a v0002 made as a retrain makes one."""
    database = Store(data_dir / DATABASE_FILE)
    store = ModelStore(data_dir / "models", 5, database)
    store.prepare(model_dir())
    shutil.copytree(model_dir(), store.candidate_dir)
    metrics_path = store.candidate_dir / "metrics.json"
    metrics = json.loads(metrics_path.read_text())
    metrics["test_accuracy"] = RETRAINED_ACCURACY
    metrics_path.write_text(json.dumps(metrics))
    store.switch_to(store.adopt_candidate())
    database.close()


def test_rollback_returns_to_the_previous_version(
    own_emu: SyncEmulator, tmp_path: Path, mnist: Mnist
) -> None:
    emu, admin = own_emu, own_emu.add_user("Admin", user_id=ADMIN_ID)
    bot = start_bot(emu, tmp_path, {}, two_versions)
    try:
        assert served_version(bot) == "v0002"
        assert f"Test accuracy (MNIST): {RETRAINED_ACCURACY:.2%}" in stats_text(emu, admin)
        assert command(emu, admin, "rollback") == texts.rolled_back("v0001")
        assert served_version(bot) == "v0001"
        shipped = json.loads((model_dir() / "metrics.json").read_text())
        assert "Served model: v0001" in command(emu, admin, "model")
        assert f"Test accuracy (MNIST): {shipped['test_accuracy']:.2%}" in stats_text(emu, admin)
        digit, photo = photos(mnist, 1)[0]
        assert reads_as(ask(emu, admin, photo).caption, digit)
        assert command(emu, admin, "rollback").startswith("Can't roll back: there is no earlier")
    finally:
        assert bot.stop() == 0, bot.log


# -- the default gate: a worse model is rejected; shutdown mid-retrain ----------------------


@pytest.fixture
def own_emu() -> Iterator[SyncEmulator]:
    """A second emulator, as two bots polling one would take each other's updates."""
    with SyncEmulator() as emulator:
        yield emulator


def test_gate_rejects_a_worse_model_and_shutdown_stops_training(
    own_emu: SyncEmulator, tmp_path: Path, mnist: Mnist
) -> None:
    emu, admin = own_emu, own_emu.add_user("Admin", user_id=ADMIN_ID)
    bot = start_bot(emu, tmp_path, {}, write_user_samples(mnist))
    try:
        mark, _ = retrain(emu, admin, "full")
        result = outcome(emu, admin, mark, "Retrain done")
        assert "the new model is not better" in result
        assert "(may drop at most 0.1 points): too low" in result
        assert served_version(bot) == "v0001"
        left = sorted(p.name for p in (bot.data_dir / "models").iterdir())
        assert left == [CURRENT, "v0001"], "no candidate, no new version"

        mark, _ = retrain(emu, admin, "full")
        pid = training_pid(bot)
        wait_for_training(emu, admin, mark)
    finally:
        assert bot.stop() == 0, bot.log
    assert gone(pid), "the training process is stopped with the bot"
    assert served_version(bot) == "v0001"
    assert no_leftovers(bot)
    assert not (bot.data_dir / "retrain.json").exists()


# -- missing data, and a restart after a crash mid-retrain ----------------------------------


def test_missing_data_fails_clearly_and_a_stale_retrain_is_cleared(
    own_emu: SyncEmulator, tmp_path: Path, mnist: Mnist
) -> None:
    emu, admin = own_emu, own_emu.add_user("Admin", user_id=ADMIN_ID)

    def crashed_mid_retrain(data_dir: Path) -> None:
        half_written = data_dir / "models" / ".candidate"
        half_written.mkdir(parents=True)
        (half_written / "digits.tflite").write_bytes(b"half a model")
        (data_dir / "retrain.json").write_text(json.dumps({"mode": "full", "pid": None}))

    missing = tmp_path / "nowhere" / "mnist.npz"
    bot = start_bot(emu, tmp_path, {Env.DIGITBOT_MNIST_PATH: str(missing)}, crashed_mid_retrain)
    try:
        assert "a retrain was interrupted" in bot.log
        assert no_leftovers(bot)
        assert not (bot.data_dir / "retrain.json").exists()
        assert served_version(bot) == "v0001"

        mark, _ = retrain(emu, admin, "full")
        result = outcome(emu, admin, mark, "Retrain failed")
        assert str(missing) in result
        assert "DIGITBOT_MNIST_PATH setting" in result, "what to change, in the admin's terms"
        assert "--data" not in result, "no command-line flags an admin in a chat cannot use"
        assert served_version(bot) == "v0001"
        digit, photo = photos(mnist, 1)[0]
        assert reads_as(ask(emu, emu.add_user("Later"), photo).caption, digit)
    finally:
        assert bot.stop() == 0, bot.log


# -- a serve-only install: no TensorFlow ----------------------------------------------------


def test_serve_only_install_says_how_to_enable_retraining(
    own_emu: SyncEmulator, tmp_path: Path, mnist: Mnist
) -> None:
    emu, admin = own_emu, own_emu.add_user("Admin", user_id=ADMIN_ID)
    hidden = python_path_hiding(
        tmp_path / "no-tensorflow", "tensorflow", rest=bot_environment({})["PYTHONPATH"]
    )
    serve_only = {"PYTHONPATH": hidden}
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "from bot.retrain.retrainer import training_installed as t; print(t())",
        ],
        cwd=tmp_path,
        env=bot_environment(serve_only),
        capture_output=True,
        text=True,
        check=True,
    )
    assert probe.stdout.split() == ["False"], "the bot's own check must see no TensorFlow"

    bot = start_bot(emu, tmp_path / "bot", serve_only, lambda _: None)
    try:
        for request in ("retrain", "retrain full"):
            assert command(emu, admin, request) == texts.retrain_needs_tensorflow()
        assert not (bot.data_dir / "retrain.json").exists()
        assert "tensorflow loaded: no" in command(emu, admin, "debug")
        for digit, photo in photos(mnist, 2):
            assert reads_as(ask(emu, emu.add_user("Reader"), photo).caption, digit)
    finally:
        assert bot.stop() == 0, bot.log
