"""Replacing a model directory all at once, so a reader never sees half a model.

Everything is written into a staging directory beside the target (same filesystem, so ``rename``
is atomic), and only a finished set is swapped in. An interrupted or crashed run leaves the target
exactly as it was; the bot may keep serving the old model while a retrain runs.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from recognizer.config import METRICS_FILE
from training import stopping

_DEFAULT_MODE = 0o755


@contextlib.contextmanager
def staging_directory(target: Path) -> Iterator[Path]:
    """A fresh hidden directory beside ``target``; removed on the way out unless published."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.staging-", dir=target.parent))
    # mkdtemp makes it private (0700); the published directory keeps the usual permissions.
    staging.chmod(target.stat().st_mode if target.is_dir() else _DEFAULT_MODE)
    try:
        yield staging
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def publish(staging: Path, target: Path, owned: frozenset[str]) -> None:
    """Swap ``staging`` in as ``target``; Ctrl-C or SIGTERM are held back for the few renames.

    ``owned`` names the files a run writes: old ones the new run did not write (an int8 model
    that no longer qualifies) disappear, anything else in ``target`` is kept. A stop signal that
    comes during the swap is left for the caller to find in ``stopping.requested()``.
    """
    _keep_foreign_files(target, staging, owned)
    with stopping.held_back():
        _swap(staging, target, owned)


def _keep_foreign_files(target: Path, staging: Path, owned: frozenset[str]) -> None:
    """Files no run writes (a README, .gitkeep) travel into the new directory."""
    if not target.is_dir():
        return
    for path in target.iterdir():
        if path.is_file() and path.name not in owned:
            shutil.copy2(path, staging / path.name)


def _swap(staging: Path, target: Path, owned: frozenset[str]) -> None:
    if not target.exists():
        staging.rename(target)
        return
    retired = staging.with_name(staging.name.replace(".staging-", ".retired-"))
    try:
        target.rename(retired)
    except OSError:
        # A mount point (a Docker volume) cannot be renamed: replace file by file instead.
        _replace_files(staging, target, owned)
        return
    staging.rename(target)
    shutil.rmtree(retired, ignore_errors=True)


def _replace_files(staging: Path, target: Path, owned: frozenset[str]) -> None:
    """Each file is swapped atomically; metrics.json last, as readers look there for a new model."""
    names = sorted(path.name for path in staging.iterdir())
    names.sort(key=lambda name: name == METRICS_FILE)
    for name in names:
        os.replace(staging / name, target / name)
    for stale in owned - set(names):
        (target / stale).unlink(missing_ok=True)
