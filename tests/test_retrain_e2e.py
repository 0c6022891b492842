"""End-to-end: /retrain, /model and /rollback through the emulator, with real tiny trainings.

Each retrain really runs ``python -m training`` as the bot's child process, on 2000 MNIST
images for one epoch, so a run takes seconds. Three bots, each with the settings its story
needs: a lenient quality gate (a tiny fine-tune is accepted), the default gate (a tiny model
trained from scratch must be rejected), and a missing MNIST file.
"""

from __future__ import annotations

import itertools
import json
import os
import signal
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PIL import Image

from bot import texts
from emulator import SentMessage, SyncEmulator, User
from tests.botharness import BotProcess, digit_photo, model_dir, reads_as, wait_until
from tests.conftest import mnist_path
from training.mnist import Mnist

ADMIN_ID = 5151
WAIT = 20.0
TRAINING_WAIT = 180.0
TINY_RUN = {"RETRAIN_EPOCHS": "1", "RETRAIN_LIMIT": "2000"}
USER_SAMPLES = 25
"""Written as the bot's feedback would; ids 5, 10, ... 25 are held out of training."""

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def emu() -> Iterator[SyncEmulator]:
    with SyncEmulator() as emulator:
        yield emulator


def start_bot(
    emu: SyncEmulator, workdir: Path, settings: dict[str, str], seed: Callable[[Path], None]
) -> BotProcess:
    process = BotProcess(
        emu,
        workdir,
        {"ADMIN_IDS": str(ADMIN_ID), **TINY_RUN, "DIGITBOT_MNIST_PATH": str(mnist_path())}
        | settings,
    )
    seed(process.data_dir)
    return process.start()


def write_user_samples(mnist: Mnist) -> Callable[[Path], None]:
    def write(data_dir: Path) -> None:
        for sample_id in range(1, USER_SAMPLES + 1):
            image, label = mnist.x_test[-sample_id], int(mnist.y_test[-sample_id])
            folder = data_dir / "samples" / str(label)
            folder.mkdir(parents=True, exist_ok=True)
            Image.fromarray(image).save(folder / f"{sample_id}.png")

    return write


@pytest.fixture(scope="module")
def lenient(
    emu: SyncEmulator, tmp_path_factory: pytest.TempPathFactory, mnist: Mnist
) -> Iterator[BotProcess]:
    """Any MNIST drop passes its gate, so a tiny fine-tune is served."""
    bot = start_bot(
        emu,
        tmp_path_factory.mktemp("lenient"),
        {"RETRAIN_MAX_DROP_PP": "100"},
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
    edit = emu.wait_for_edit(
        admin, lambda m: m.content.startswith(starts), timeout=TRAINING_WAIT, since=since
    )
    return edit.content


def wait_for_training(emu: SyncEmulator, admin: User, since: int) -> None:
    """Until the progress message shows epochs: TensorFlow is loaded and fitting."""
    emu.wait_for_edit(admin, lambda m: "epoch 1/1" in m.content, timeout=WAIT * 2, since=since)


def training_pid(bot: BotProcess) -> int:
    state = bot.data_dir / "retrain.json"
    wait_until(state.is_file, WAIT, "the retrain state file")
    return int(json.loads(state.read_text())["pid"])


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z"


def served_version(bot: BotProcess) -> str:
    return os.readlink(bot.data_dir / "models" / "current")


def no_leftovers(bot: BotProcess) -> bool:
    models = bot.data_dir / "models"
    return not [p for p in models.iterdir() if p.name.startswith(".")]


def ask(emu: SyncEmulator, chat: User, photo: bytes) -> SentMessage:
    sent = emu.send_photo(chat, photo)
    return emu.wait_for_message(
        chat, lambda m: m.reply_to_message_id == sent["message_id"], timeout=WAIT
    )


def photos(mnist: Mnist, count: int) -> list[tuple[int, bytes]]:
    return [(int(mnist.y_test[i]), digit_photo(mnist.x_test[i])) for i in range(count)]


# -- the lenient bot: admins only, a served retrain, faults, cancel, rollback ---------------


def test_non_admins_are_refused_and_logged(emu: SyncEmulator, lenient: BotProcess) -> None:
    stranger = emu.add_user("Stranger")
    for name in ("retrain", "retrain full", "retrain cancel", "rollback", "model"):
        assert command(emu, stranger, name) == texts.ADMINS_ONLY
    lenient.wait_for_log(f"refused /retrain to non-admin {stranger.id}")
    assert not (lenient.data_dir / "retrain.json").exists()


def test_the_shipped_model_is_the_first_version(
    emu: SyncEmulator, lenient: BotProcess, admin: User
) -> None:
    shipped = json.loads((model_dir() / "metrics.json").read_text())
    report = command(emu, admin, "model")
    assert "Served model: v0001" in report
    assert f"MNIST test accuracy: {shipped['test_accuracy']:.2%}" in report
    assert served_version(lenient) == "v0001"
    assert command(emu, admin, "retrain sideways") == texts.RETRAIN_USAGE


def test_quick_retrain_is_served_and_photos_are_answered_meanwhile(
    emu: SyncEmulator, lenient: BotProcess, admin: User, mnist: Mnist
) -> None:
    mark, progress = retrain(emu, admin)
    assert progress.content.startswith("Retraining (quick fine-tune)")
    training_pid(lenient)
    assert command(emu, admin, "retrain full").startswith("A retrain is already running")
    user = emu.add_user("Busy")
    for digit, photo in photos(mnist, 3):
        assert reads_as(ask(emu, user, photo).caption, digit)
    assert (lenient.data_dir / "retrain.json").exists(), "answered while training ran"

    result = outcome(emu, admin, mark, "Retrain done")
    assert "model v0002 is now served" in result
    assert "Held-out user samples: new" in result
    edited = [a for a in emu.actions(admin, ["edited"], since=mark) if a.message]
    edits = [action.message.content for action in edited if action.message]
    assert any("epoch 1/1" in edit and "validation accuracy" in edit for edit in edits), edits
    assert {action.message.message_id for action in edited if action.message} == {
        progress.message_id
    }, "one progress message, edited"
    shown = [progress_sent_at(emu, admin, mark)] + [action.time for action in edited[:-1]]
    assert all(b - a >= 0.9 for a, b in itertools.pairwise(shown)), "about one edit a second"

    assert served_version(lenient) == "v0002"
    metrics = json.loads((lenient.data_dir / "models" / "v0002" / "metrics.json").read_text())
    assert metrics["samples"]["user"] == USER_SAMPLES - USER_SAMPLES // 5, "held out of training"
    assert "Served model: v0002" in command(emu, admin, "model")
    emu.send_command(admin, "stats")
    stats = emu.wait_for_message(admin, timeout=WAIT).content
    assert f"Test accuracy (MNIST): {metrics['test_accuracy']:.2%}" in stats
    for digit, photo in photos(mnist, 3):
        assert reads_as(ask(emu, user, photo).caption, digit)
    assert no_leftovers(lenient)


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
    assert not (lenient.data_dir / ".retrain-samples").exists()
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
    assert command(emu, admin, "retrain cancel") == texts.RETRAIN_CANCELLING
    assert "cancelled by an admin" in outcome(emu, admin, mark, "Retrain stopped")
    wait_until(lambda: gone(pid), WAIT, "the training process to end")
    assert served_version(lenient) == before
    assert no_leftovers(lenient)
    assert command(emu, admin, "retrain cancel") == texts.RETRAIN_NOT_RUNNING


def test_rollback_returns_to_the_previous_version(
    emu: SyncEmulator, lenient: BotProcess, admin: User, mnist: Mnist
) -> None:
    assert served_version(lenient) == "v0002"
    assert command(emu, admin, "rollback") == texts.rolled_back("v0001")
    assert served_version(lenient) == "v0001"
    shipped = json.loads((model_dir() / "metrics.json").read_text())
    assert "Served model: v0001" in command(emu, admin, "model")
    emu.send_command(admin, "stats")
    stats = emu.wait_for_message(admin, timeout=WAIT).content
    assert f"Test accuracy (MNIST): {shipped['test_accuracy']:.2%}" in stats
    digit, photo = photos(mnist, 1)[0]
    assert reads_as(ask(emu, admin, photo).caption, digit)
    assert command(emu, admin, "rollback").startswith("Can't roll back: there is no earlier")


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
        assert "(may drop at most 0.1pp): too low" in result
        assert served_version(bot) == "v0001"
        assert sorted(p.name for p in (bot.data_dir / "models").iterdir()) == ["current", "v0001"]

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
    bot = start_bot(emu, tmp_path, {"DIGITBOT_MNIST_PATH": str(missing)}, crashed_mid_retrain)
    try:
        assert "a retrain was interrupted" in bot.log
        assert no_leftovers(bot)
        assert not (bot.data_dir / "retrain.json").exists()
        assert served_version(bot) == "v0001"

        mark, _ = retrain(emu, admin)
        result = outcome(emu, admin, mark, "Retrain failed")
        assert str(missing) in result
        assert served_version(bot) == "v0001"
        digit, photo = photos(mnist, 1)[0]
        assert reads_as(ask(emu, emu.add_user("Later"), photo).caption, digit)
    finally:
        assert bot.stop() == 0, bot.log
