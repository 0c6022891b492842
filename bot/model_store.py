"""Versioned model directories with a ``current`` pointer the bot serves from.

Layout under ``DATA_DIR/models``::

    v0001/ v0002/ ...     complete model directories, numbered in the order they were accepted
    current -> v0002      a relative symlink, replaced atomically with os.replace
    shipped.sha256        the checksum of the MODEL_DIR model last taken into the versions
    .candidate/           where a retrain writes; never served, removed at start-up

Only a model that passed the quality gate is renamed into a version, and only a version is
ever pointed at, so a crash at any moment leaves the bot serving a complete model.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
from collections.abc import Callable
from pathlib import Path

from recognizer.config import MODEL_FILE

_LOGGER = logging.getLogger(__name__)

CURRENT = "current"
CANDIDATE = ".candidate"
SHIPPED_RECORD = "shipped.sha256"
_PREFIX = "v"
_DIGITS = 4


def _no_check(_: Path) -> None:
    """Take any model in: for callers that load it themselves afterwards."""


class ModelStoreError(Exception):
    """The models folder cannot be set up or changed; the message says what to fix."""


class ModelStore:
    """The versions under one root; ``keep`` bounds how many stay on disk."""

    def __init__(self, root: Path, keep: int) -> None:
        self.root = root
        self.keep = keep

    @property
    def candidate_dir(self) -> Path:
        return self.root / CANDIDATE

    def prepare(self, shipped: Path, check: Callable[[Path], object] = _no_check) -> Path:
        """Clear a crashed run's leftovers, take in ``shipped`` if it is new; the served dir.

        ``check`` (e.g. ``Recognizer.load``) raises for a model that must not be taken in, so a
        broken MODEL_DIR never becomes a version.
        """
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            self.discard_leftovers()
            self._take_in(shipped, check)
        except OSError as error:
            raise ModelStoreError(f"cannot set up {self.root}: {error}") from None
        return self.path(self._require_current())

    def discard_leftovers(self) -> None:
        """Candidates and staging folders are only ever half-trusted: remove them all."""
        for entry in self.root.iterdir():
            if entry.name.startswith("."):
                _LOGGER.warning("removing the unfinished model %s", entry)
                _remove(entry)

    def versions(self) -> list[str]:
        """Complete versions, oldest first."""
        found = [p.name for p in self.root.iterdir() if _is_version(p.name) and p.is_dir()]
        return sorted(found, key=_number)

    def current_version(self) -> str | None:
        link = self.root / CURRENT
        if not link.is_symlink():
            return None
        name = os.readlink(link)
        return name if _is_version(name) and (self.root / name / MODEL_FILE).is_file() else None

    def path(self, version: str) -> Path:
        return self.root / version

    def previous_version(self) -> str | None:
        """The newest version older than the served one: what /rollback returns to."""
        current = self.current_version()
        older = [v for v in self.versions() if current and _number(v) < _number(current)]
        return older[-1] if older else None

    def adopt_candidate(self) -> str:
        """Turn the finished candidate into the next version (not served yet)."""
        version = self._next_version()
        self.candidate_dir.rename(self.path(version))
        return version

    def switch_to(self, version: str) -> None:
        """Point ``current`` at ``version`` in one rename, then drop the oldest versions."""
        if not (self.path(version) / MODEL_FILE).is_file():
            raise ModelStoreError(f"model version {version} is missing or incomplete")
        temporary = self.root / f".{CURRENT}.new"
        temporary.unlink(missing_ok=True)
        temporary.symlink_to(version)
        os.replace(temporary, self.root / CURRENT)
        self._prune()

    def remove(self, version: str) -> None:
        if version != self.current_version():
            _remove(self.path(version))

    def _take_in(self, shipped: Path, check: Callable[[Path], object]) -> None:
        """Serve MODEL_DIR's model the first time it is seen: at the first start, and when an
        upgrade brings a new one (a new image, a ``git pull``).

        Restarts with the same MODEL_DIR keep serving what the admins chose (a retrain, a
        rollback); the model that was served stays a version, so /rollback returns to it.
        """
        model = shipped / MODEL_FILE
        current = self.current_version()
        if not model.is_file():
            if current is None:
                raise ModelStoreError(
                    f"no {MODEL_FILE} in MODEL_DIR={shipped}: point MODEL_DIR at a trained model"
                )
            _LOGGER.warning("no %s in MODEL_DIR=%s: serving %s", MODEL_FILE, shipped, current)
            return
        digest = hashlib.sha256(model.read_bytes()).hexdigest()
        record = self.root / SHIPPED_RECORD
        if current is not None and record.is_file() and record.read_text().strip() == digest:
            return
        check(shipped)
        staging = self.root / ".seed"
        _remove(staging)
        shutil.copytree(shipped, staging)
        version = self._next_version()
        staging.rename(self.path(version))
        self.switch_to(version)
        written = self.root / f".{SHIPPED_RECORD}.new"
        written.write_text(digest + "\n")
        os.replace(written, record)
        if current is None:
            _LOGGER.info("model %s created from %s", version, shipped)
        else:
            _LOGGER.info("new model in %s: serving it as %s (was %s)", shipped, version, current)

    def _require_current(self) -> str:
        version = self.current_version()
        if version is None:
            raise ModelStoreError(f"{self.root / CURRENT} does not point at a model version")
        return version

    def _next_version(self) -> str:
        numbers = [_number(v) for v in self.versions()]
        return f"{_PREFIX}{max(numbers, default=0) + 1:0{_DIGITS}d}"

    def _prune(self) -> None:
        """Oldest first, but never the served version, even after a rollback to an old one."""
        versions = self.versions()
        current = self.current_version()
        removable = [version for version in versions if version != current]
        for version in removable[: max(0, len(versions) - self.keep)]:
            _LOGGER.info("deleting old model version %s", version)
            _remove(self.path(version))


def _is_version(name: str) -> bool:
    return name.startswith(_PREFIX) and name[len(_PREFIX) :].isdigit()


def _number(version: str) -> int:
    return int(version[len(_PREFIX) :])


def _remove(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink(missing_ok=True)
    else:
        shutil.rmtree(path, ignore_errors=True)
