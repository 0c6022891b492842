"""One retrain at a time: run training, judge its model, then serve it or throw it away.

The served model is only ever changed by ``_serve``: the candidate is renamed into a new
version, loaded, the ``current`` pointer is switched, and only then does the recognizer
reference change. Any failure before that leaves both the pointer and the recognizer alone.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import enum
import functools
import importlib.util
import json
import logging
import os
import shutil
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from bot.model_metrics import read_metrics
from bot.model_store import ModelStore, ModelStoreError
from bot.recognition import RecognitionService
from bot.retrain.gate import Verdict
from bot.retrain.holdout import Holdout, newest_training_sample, split_samples
from bot.retrain.jobs import INTERRUPTED, REPORT_EVERY_SECONDS, ChatRequest, RetrainJobs
from bot.retrain.process import Exit, TrainingProcess
from bot.settings import TOKEN_VARIABLE, Settings
from bot.storage import StorageError, Store
from recognizer import Recognizer, RecognizerError
from recognizer.config import KERAS_FILE, METRICS_FILE
from recognizer.contracts import ProgressEvent

_LOGGER = logging.getLogger(__name__)

STATE_FILE = "retrain.json"
"""Present while a retrain runs; found at start-up, it means the bot died during one."""
TRAINING_SAMPLES = ".retrain-samples"
EXPORTED_SAMPLES = ".retrain-export"
"""The database's samples written out for one retrain (training reads a folder); removed after."""
_SHUTDOWN_WAIT_SECONDS = 15.0


class Mode(enum.Enum):
    QUICK = "quick"
    """Fine-tune the served model for a few epochs."""
    FULL = "full"
    """Train a new model from scratch."""


class Result(enum.Enum):
    SERVED = "served"
    REJECTED = "rejected"
    FAILED = "failed"
    CANCELLED = "cancelled"


class Refusal(enum.Enum):
    """Why a request cannot be carried out now; ``bot.texts`` says it to the admin."""

    ALREADY_RUNNING = "already running"
    NO_KERAS_MODEL = "the served model has no .keras file to fine-tune"
    NOTHING_NEW = "no labelled samples since the served model was trained"
    TOO_LATE_TO_CANCEL = "the new model passed the gate and is being switched in"
    RETRAIN_RUNNING = "a retrain is running"
    NO_EARLIER_VERSION = "no earlier model version"
    CANNOT_SERVE = "that model version cannot be served"


class Failure(enum.Enum):
    """Why a retrain ended without a new model; ``Outcome.detail`` holds the technical part."""

    MNIST_MISSING = "mnist_missing"
    """The MNIST file the settings name is absent or unreadable."""
    MNIST_DOWNLOAD = "mnist_download"
    """No MNIST file anywhere, and training could not download one."""
    NO_TENSORFLOW = "no_tensorflow"
    KILLED = "killed"
    """SIGKILL: the OOM killer, most likely."""
    STOPPED_BY_SIGNAL = "signal"
    NO_MODEL_WRITTEN = "no model written"
    TRAINING_ERROR = "training error"
    """Training said why in its error event (the detail)."""
    EXITED = "exited"
    NEW_MODEL_DOES_NOT_LOAD = "new model does not load"
    UNEXPECTED = "unexpected"


class Stop(enum.Enum):
    """Why a retrain was cancelled."""

    BY_ADMIN = "cancelled by an admin"
    SHUTDOWN = "the bot is shutting down"


STARTING = "starting"
"""The training process loads TensorFlow and the data."""
TRAINING = "training"
"""Epochs are running; training's own stages (``EXPORT_STAGE``) follow."""
CHECKING = "checking"
"""The new model is judged against the served one (the quality gate)."""
SWITCHING = "switching"
"""The stage after the quality gate: the new model is being made a version and served."""
FINISHED = "finished"
"""The last stage: the outcome is known (the listener hears it in the same call)."""

LEARNED_FILE = "learned.json"
"""Beside a retrained model: the newest labelled sample it learned from (for "nothing new")."""


@dataclass
class Progress:
    """What the training process said last; read by "already running" and the chat message."""

    mode: Mode
    started: float = field(default_factory=time.monotonic)
    epoch: int = 0
    epochs: int | None = None
    val_accuracy: float | None = None
    eta_s: float | None = None
    stage: str = STARTING


@dataclass(frozen=True)
class Outcome:
    result: Result
    mode: Mode
    seconds: float
    version: str | None = None
    verdict: Verdict | None = None
    failure: Failure | None = None
    stop: Stop | None = None
    detail: str | None = None
    """Technical evidence for the admin (a path, a signal, the last error line), untranslated."""


class Listener(Protocol):
    """Where a retrain reports to: the admin's chat."""

    async def started(self, progress: Progress) -> None:
        """Called first thing in the retrain's task, so ``start`` itself never has to await."""
        ...

    async def progress(self, progress: Progress) -> None: ...

    async def finished(self, outcome: Outcome, progress: Progress) -> None: ...


class _Unheard:
    """The trainer's listener: nobody is in its chat, the replicas report from the job row."""

    async def started(self, progress: Progress) -> None:
        """Nothing to send: the replica that queued the run sent the progress message."""

    async def progress(self, progress: Progress) -> None:
        """The job row has it (``Retrainer._report``)."""

    async def finished(self, outcome: Outcome, progress: Progress) -> None:
        """The job row has it (``outcome_json``)."""


def outcome_json(outcome: Outcome) -> str:
    """An outcome as the job row keeps it, for the replica that tells the admin."""
    return json.dumps(
        {
            "result": outcome.result.value,
            "mode": outcome.mode.value,
            "seconds": outcome.seconds,
            "version": outcome.version,
            "verdict": dataclasses.asdict(outcome.verdict) if outcome.verdict else None,
            "failure": outcome.failure.value if outcome.failure else None,
            "stop": outcome.stop.value if outcome.stop else None,
            "detail": outcome.detail,
        }
    )


def outcome_from_json(text: str) -> Outcome | None:
    """``outcome_json``'s reading; None for anything else (a row written by another version)."""
    try:
        found = json.loads(text)
        verdict = found["verdict"]
        return Outcome(
            Result(found["result"]),
            Mode(found["mode"]),
            float(found["seconds"]),
            version=found["version"],
            verdict=Verdict(**verdict) if verdict else None,
            failure=Failure(found["failure"]) if found["failure"] else None,
            stop=Stop(found["stop"]) if found["stop"] else None,
            detail=found["detail"],
        )
    except (ValueError, KeyError, TypeError):
        return None


class RetrainError(Exception):
    """A request that cannot be carried out now: ``refusal`` says why, ``detail`` adds the
    technical part (e.g. the loader's error) where there is one."""

    def __init__(
        self, refusal: Refusal, detail: str | None = None, progress: Progress | None = None
    ) -> None:
        super().__init__(refusal.value if detail is None else f"{refusal.value}: {detail}")
        self.refusal = refusal
        self.detail = detail
        self.progress = progress
        """For ALREADY_RUNNING: where the run is, when another replica runs it."""


def training_installed() -> bool:
    """find_spec looks the package up without importing it: the bot stays TensorFlow-free."""
    return importlib.util.find_spec("tensorflow") is not None


class Retrainer:
    def __init__(
        self,
        settings: Settings,
        models: ModelStore,
        recognition: RecognitionService,
        store: Store,
    ) -> None:
        self._settings = settings
        self._models = models
        self._store = store
        self._jobs = RetrainJobs(store)
        self._job_id: int | None = None
        self._recognition = recognition
        self._state_path = settings.data_dir / STATE_FILE
        self._task: asyncio.Task[None] | None = None
        self._process: TrainingProcess | None = None
        self._stopping: Stop | None = None
        self.progress: Progress | None = None

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def clear_stale_state(self) -> None:
        """After a crash mid-retrain: stop an orphaned trainer, forget that it ran."""
        if self._jobs.abandon_mine():
            _LOGGER.warning(
                "this replica's retrain was interrupted; the other replicas may retrain"
            )
        try:
            state = json.loads(self._state_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return
        except (OSError, ValueError) as error:
            state = {"error": str(error)}
        _LOGGER.warning("a retrain was interrupted (%s); its unfinished model is discarded", state)
        _stop_orphan(state.get("pid"))
        self._state_path.unlink(missing_ok=True)
        self._clean_up()

    def check(self, mode: Mode) -> None:
        """Raise RetrainError saying why a retrain in ``mode`` cannot start now."""
        if self.running:
            raise RetrainError(Refusal.ALREADY_RUNNING)
        served = self._recognition.model_dir
        if mode is not Mode.QUICK:
            return
        if not (served / KERAS_FILE).is_file():
            raise RetrainError(Refusal.NO_KERAS_MODEL)
        # One indexed read, kept on the loop: start() must not await (see start).
        if newest_training_sample(self._store.sample_ids()) <= _learned(served):
            raise RetrainError(Refusal.NOTHING_NEW)

    def start(self, mode: Mode, listener: Listener) -> None:
        """Begin a retrain in the background; ``running`` is true as soon as this returns.

        Synchronous on purpose: a caller that checks ``running`` and then calls this, with no
        await in between, cannot lose a race with a second request on the same event loop.
        """
        self.check(mode)
        # One short write on the loop, for the same reason: the slot is ours, or refused.
        job_id = self._jobs.claim(mode.value, STARTING)
        if job_id is None:
            raise RetrainError(Refusal.ALREADY_RUNNING, progress=self._elsewhere())
        self._begin(job_id, mode, listener)

    def enqueue(self, mode: Mode, request: ChatRequest) -> int:
        """Queue a retrain for the separate trainer (``bot.trainer``); its job id. The same
        checks and the same one slot as ``start``, and as synchronous, for the same reason."""
        self.check(mode)
        job_id = self._jobs.claim(mode.value, STARTING, queued_for=request)
        if job_id is None:
            raise RetrainError(Refusal.ALREADY_RUNNING, progress=self._elsewhere())
        return job_id

    def run_job(self, job_id: int, mode: Mode) -> None:
        """The trainer's: run a retrain a replica queued (and checked); the replicas report it
        from the job's row."""
        self._begin(job_id, mode, _Unheard())

    def _begin(self, job_id: int, mode: Mode, listener: Listener) -> None:
        self._job_id = job_id
        self._stopping = None
        self.progress = Progress(mode)
        self._task = asyncio.create_task(self._run(mode, listener), name="retrain")

    async def cancel(self, reason: Stop = Stop.BY_ADMIN) -> bool:
        """Stop the running retrain; False if none runs.

        Raises RetrainError once the new model has passed the gate and is being switched in:
        promising "the served model stays" then would be untrue (/rollback undoes it).
        """
        if not self.running:
            # Another replica's run, if any, stops at its next report.
            return await asyncio.to_thread(self._jobs.request_cancel)
        if self.progress is not None and self.progress.stage == SWITCHING:
            raise RetrainError(Refusal.TOO_LATE_TO_CANCEL)
        self._stopping = reason
        if self._process is not None:
            await self._process.stop()
        return True

    async def shutdown(self) -> None:
        """On bot shutdown: the trainer is stopped and the served model stays as it is."""
        try:
            stopping = await self.cancel(Stop.SHUTDOWN)
        except RetrainError:
            stopping = True  # already switching to the new model: a moment, let it finish
        if stopping and self._task is not None:
            with contextlib.suppress(TimeoutError, asyncio.CancelledError):
                await asyncio.wait_for(asyncio.shield(self._task), _SHUTDOWN_WAIT_SECONDS)

    async def rollback(self) -> str:
        """Serve the version before the current one; returns its name."""
        if self.running or await asyncio.to_thread(self._jobs.running) is not None:
            raise RetrainError(Refusal.RETRAIN_RUNNING)
        previous = self._models.previous_version()
        if previous is None:
            raise RetrainError(Refusal.NO_EARLIER_VERSION)
        try:
            await self._serve(previous)
        except (RecognizerError, ModelStoreError, StorageError) as error:
            raise RetrainError(Refusal.CANNOT_SERVE, f"{previous}: {error}") from None
        return previous

    async def _run(self, mode: Mode, listener: Listener) -> None:
        assert self.progress is not None
        assert self._job_id is not None
        job_id = self._job_id
        reporter = asyncio.create_task(self._report(job_id), name="retrain report")
        outcome: Outcome | None = None
        try:
            await listener.started(self.progress)
            outcome = await self._retrain(mode, listener)
        except Exception as error:  # the retrain fails, the bot must not
            _LOGGER.exception("retrain failed")
            outcome = self._outcome(
                Result.FAILED, failure=Failure.UNEXPECTED, detail=f"{type(error).__name__}: {error}"
            )
        finally:
            reporter.cancel()
            self._process = None
            self._state_path.unlink(missing_ok=True)
            await asyncio.to_thread(self._clean_up)
            result = outcome.result.value if outcome is not None else INTERRUPTED
            told = outcome_json(outcome) if outcome is not None else None
            with contextlib.suppress(StorageError):  # the slot's lease lapses anyway
                await asyncio.to_thread(self._jobs.finish, job_id, result, told)
        _LOGGER.info("retrain (%s) ended: %s", mode.value, outcome)
        self.progress.stage = FINISHED
        with contextlib.suppress(Exception):
            await listener.finished(outcome, self.progress)

    async def _report(self, job_id: int) -> None:
        """Keep the slot and tell the other replicas the progress; stop on their cancel."""
        while True:
            await asyncio.sleep(REPORT_EVERY_SECONDS)
            progress = self.progress
            assert progress is not None
            try:
                wanted = await asyncio.to_thread(
                    functools.partial(
                        self._jobs.report,
                        job_id,
                        stage=progress.stage,
                        epoch=progress.epoch,
                        epochs=progress.epochs,
                        val_accuracy=progress.val_accuracy,
                        eta_s=progress.eta_s,
                    )
                )
            except StorageError as error:
                _LOGGER.warning("cannot report the retrain's progress: %s", error)
                continue
            if wanted and self._stopping is None:
                _LOGGER.info("retrain cancelled from another replica")
                with contextlib.suppress(RetrainError):
                    await self.cancel()

    def _elsewhere(self) -> Progress | None:
        """The progress of the run another replica holds, as this one would show its own."""
        job = self._jobs.running()
        if job is None:
            return None
        try:
            mode = Mode(job.mode)
        except ValueError:
            return None
        return Progress(mode, epoch=job.epoch, epochs=job.epochs, stage=job.stage)

    async def _retrain(self, mode: Mode, listener: Listener) -> Outcome:
        progress = self.progress
        assert progress is not None
        holdout, newest = await asyncio.to_thread(self.stage_samples)
        process = TrainingProcess(self.training_command(mode), self.training_environment())
        self._process = process
        await process.start()
        self._write_state(mode, process.pid)
        if self._stopping is not None:
            await process.stop()
        async for event in process.events():
            if self._record(event):
                await listener.progress(progress)
        ended = await process.wait()
        if self._stopping is not None:
            return self._outcome(Result.CANCELLED, stop=self._stopping)
        if ended.status != 0 or not (self._models.candidate_dir / METRICS_FILE).is_file():
            failure, detail = _explain(ended)
            if failure is Failure.MNIST_MISSING:  # the admin's terms: the setting's value
                detail = str(self._settings.mnist_path or detail)
            return self._outcome(Result.FAILED, failure=failure, detail=detail)
        await asyncio.to_thread(_record_learned, self._models.candidate_dir, newest)
        progress.stage = CHECKING
        await listener.progress(progress)
        verdict = await asyncio.to_thread(self._judge, holdout)
        if not verdict.accepted:
            return self._outcome(Result.REJECTED, verdict=verdict)
        if self._stopping is not None:  # cancelled while the model was being checked
            return self._outcome(Result.CANCELLED, stop=self._stopping)
        # No await since the check above: from here on a cancel is refused (see cancel).
        progress.stage = SWITCHING
        version = await asyncio.to_thread(self._models.adopt_candidate)
        try:
            await self._serve(version)
        except RecognizerError as error:
            await asyncio.to_thread(self._models.remove, version)
            return self._outcome(
                Result.FAILED, failure=Failure.NEW_MODEL_DOES_NOT_LOAD, detail=str(error)
            )
        return self._outcome(Result.SERVED, version=version, verdict=verdict)

    def _record(self, event: ProgressEvent) -> bool:
        """Fold one event into the progress; True when the chat should hear of it.

        The values come from another process: each is checked for its type as it is read."""
        progress = self.progress
        assert progress is not None
        if event["event"] == "start":
            progress.epochs = _int(event.get("epochs"))
            progress.stage = TRAINING
        elif event["event"] == "epoch":
            progress.epoch = _int(event.get("epoch")) or progress.epoch
            progress.epochs = _int(event.get("epochs")) or progress.epochs
            progress.val_accuracy = _float(event.get("val_accuracy"))
            progress.eta_s = _float(event.get("eta_s"))
        elif event["event"] == "stage":
            progress.stage = str(event.get("stage"))
        else:
            return False
        return True

    def _judge(self, holdout: Holdout) -> Verdict:
        """Both models on the same data: training scored the served model on the very test
        images it scored the new one on (``--compare-with``), and both read the held-out
        samples here."""
        served = self._recognition.model_dir
        candidate = self._models.candidate_dir
        new_metrics = read_metrics(candidate)
        if new_metrics is None:
            raise ValueError("training wrote no readable metrics.json")
        return Verdict(
            served_accuracy=new_metrics.compared_accuracy,
            new_accuracy=new_metrics.test_accuracy,
            max_drop_pp=self._settings.retrain_max_drop_pp,
            holdout_size=len(holdout),
            served_holdout_correct=holdout.correct(served),
            new_holdout_correct=holdout.correct(candidate),
        )

    async def _serve(self, version: str) -> None:
        """Load first, then switch: if loading fails nothing has changed."""
        path = self._models.path(version)
        recognizer = await asyncio.to_thread(Recognizer.load, path)
        await asyncio.to_thread(self._models.switch_to, version)
        self._recognition.swap(recognizer, path)
        _LOGGER.info("now serving model %s", version)

    def _clean_up(self) -> None:
        """Drop the candidate and the sample links: a /forget must not leave copies behind."""
        self._models.discard_leftovers()
        shutil.rmtree(self._training_samples, ignore_errors=True)
        shutil.rmtree(self._settings.data_dir / EXPORTED_SAMPLES, ignore_errors=True)

    @property
    def _training_samples(self) -> Path:
        return self._settings.data_dir / TRAINING_SAMPLES

    def stage_samples(self) -> tuple[Holdout, int]:
        """Write the database's labelled samples out and link the training share where
        ``training_command`` points; the held-out share and the newest training sample's id.

        Public so that ``benchmarks.retrain`` times the very run a retrain starts. Blocking
        (disk and database): the retrain calls it in a thread. Raises StorageError or OSError.
        """
        self._models.discard_leftovers()
        exported = self._settings.data_dir / EXPORTED_SAMPLES
        shutil.rmtree(exported, ignore_errors=True)
        self._store.export_samples(exported)
        return split_samples(exported, self._training_samples)

    def training_command(self, mode: Mode) -> list[str]:
        """The ``python -m training`` command line of a retrain in ``mode``, from the settings
        and the served model; run it after ``stage_samples``. One place, so the bot and
        ``benchmarks.retrain`` cannot drift apart."""
        settings = self._settings
        served = str(self._recognition.model_dir)
        argv = [sys.executable, "-m", "training", "--progress", "json"]
        argv += ["--out", str(self._models.candidate_dir)]
        argv += ["--samples", str(self._training_samples)]
        argv += ["--compare-with", served]
        if mode is Mode.QUICK:
            argv += ["--init-from", served]
        if settings.mnist_path is not None:
            argv += ["--data", str(settings.mnist_path)]
        if settings.retrain_epochs is not None:
            argv += ["--epochs", str(settings.retrain_epochs)]
        if settings.retrain_limit is not None:
            argv += ["--limit", str(settings.retrain_limit)]
        return argv

    @staticmethod
    def training_environment() -> dict[str, str]:
        """The bot's own environment, minus the token: training has no use for it."""
        return {key: value for key, value in os.environ.items() if key != TOKEN_VARIABLE}

    def _write_state(self, mode: Mode, pid: int | None) -> None:
        state = {"mode": mode.value, "pid": pid, "started_at": time.time()}
        self._state_path.write_text(json.dumps(state), encoding="utf-8")

    def _outcome(self, result: Result, **details: Any) -> Outcome:
        progress = self.progress
        assert progress is not None
        return Outcome(result, progress.mode, time.monotonic() - progress.started, **details)


def _explain(ended: Exit) -> tuple[Failure, str | None]:
    """Why training stopped, from the most telling evidence, and the evidence itself."""
    if ended.error_kind:
        with contextlib.suppress(ValueError):
            return Failure(ended.error_kind), ended.error
    if ended.error:
        return Failure.TRAINING_ERROR, ended.error
    if ended.signal_name == "SIGKILL":
        return Failure.KILLED, None
    if ended.signal_name:
        return Failure.STOPPED_BY_SIGNAL, ended.signal_name
    if ended.status == 0:
        return Failure.NO_MODEL_WRITTEN, None
    return Failure.EXITED, f"status {ended.status}" + (
        f": {ended.stderr_tail}" if ended.stderr_tail else ""
    )


def _learned(model_dir: Path) -> int:
    """The newest sample id the model in ``model_dir`` learned from; 0 for a model the bot did
    not train (the shipped one, or one an operator put in MODEL_DIR)."""
    try:
        value = json.loads((model_dir / LEARNED_FILE).read_text(encoding="utf-8"))["newest"]
    except (OSError, ValueError, KeyError, TypeError):
        return 0
    return value if isinstance(value, int) else 0


def _record_learned(candidate: Path, newest: int) -> None:
    (candidate / LEARNED_FILE).write_text(json.dumps({"newest": newest}), encoding="utf-8")


def _stop_orphan(pid: object) -> None:
    """A trainer left running by a killed bot would later write into the candidate folder."""
    if not isinstance(pid, int):
        return
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return
    if b"training" in command:
        _LOGGER.warning("stopping the orphaned training process %s", pid)
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGTERM)


def _int(value: object) -> int | None:
    return int(value) if isinstance(value, int | float) else None


def _float(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) else None
