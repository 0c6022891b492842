"""Model versions kept in the database, shared by every replica, and cached on each one's disk.

The database holds each version's files (``model_versions``, ``model_files``) and the one every
replica serves (``served_model``), so a retrain or a /rollback on any replica, or the trainer,
reaches all of them: each polls ``active_version`` (``bot.model_sync``) and loads the new one.

The local cache under ``DATA_DIR/models``::

    v0001/ v0002/ ...     versions written out of the database, loaded from here
    current -> v0002      the version this process serves (the health check loads it)
    .candidate/           where a retrain writes; never served, removed at start-up

A version enters the database whole in one transaction, the cache is written through a hidden
staging folder and a rename, and only a version is ever pointed at, so a crash at any moment
leaves every replica serving a complete model.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, delete, insert, select, text, update

from bot.schema import model_files, model_versions, served_model
from bot.storage import Store
from recognizer.config import MODEL_FILE

_LOGGER = logging.getLogger(__name__)

CURRENT = "current"
CANDIDATE = ".candidate"
_PREFIX = "v"
_DIGITS = 4
MODEL_LOCK = 7_301_904_212
"""PostgreSQL advisory lock key: replicas starting together take the shipped model in once."""


def _no_check(_: Path) -> None:
    """Take any model in: for callers that load it themselves afterwards."""


class ModelStoreError(Exception):
    """The model versions cannot be set up or changed; the message says what to fix."""


class ModelStore:
    """The versions in ``store``'s database, cached under ``root``; ``keep`` bounds how many."""

    def __init__(self, root: Path, keep: int, store: Store) -> None:
        self.root = root
        self.keep = keep
        self._store = store

    @property
    def candidate_dir(self) -> Path:
        return self.root / CANDIDATE

    def prepare(self, shipped: Path, check: Callable[[Path], object] = _no_check) -> Path:
        """Clear a crashed run's leftovers, take in the folders of a bot from before the
        database held models, take in ``shipped`` if it is new; returns the served folder.

        ``check`` (e.g. ``Recognizer.load``) raises for a model that must not be taken in, so a
        broken MODEL_DIR never becomes a version.
        """
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            self.discard_leftovers()
            with self._locked() as db:
                if _active(db) is None:
                    self._take_in_folders(db)
                self._take_in(db, shipped, check)
            self._store.shrink_journal()
            version = self.active_version()
            if version is None:
                raise ModelStoreError("the database names no served model version")
            self.point_at(version)
            return self.path(version)
        except OSError as error:
            raise ModelStoreError(f"cannot set up {self.root}: {error}") from None

    def discard_leftovers(self) -> None:
        """Candidates and staging folders are only ever half-trusted: remove them all."""
        for entry in self.root.iterdir():
            if entry.name.startswith("."):
                _LOGGER.warning("removing the unfinished model %s", entry)
                _remove(entry)

    def versions(self) -> list[str]:
        """Every version in the database, oldest first."""
        with self._store.transaction() as db:
            return sorted(db.execute(select(model_versions.c.name)).scalars(), key=_number)

    def active_version(self) -> str | None:
        """The version every replica is to serve: one indexed read, polled every few seconds."""
        with self._store.transaction() as db:
            return _active(db)

    def current_version(self) -> str | None:
        """The version the database names as served (``active_version``)."""
        return self.active_version()

    def path(self, version: str) -> Path:
        """The version's folder in the local cache, written out of the database if missing.

        Raises ModelStoreError if the database has no such version."""
        folder = self.root / version
        if (folder / MODEL_FILE).is_file():
            return folder
        with self._store.transaction() as db:
            files = db.execute(
                select(model_files.c.name, model_files.c.content)
                .select_from(model_files.join(model_versions))
                .where(model_versions.c.name == version)
            ).all()
        if not any(name == MODEL_FILE for name, _ in files):
            raise ModelStoreError(f"model version {version} is missing or incomplete")
        staging = self.root / f".{version}.{os.getpid()}"
        _remove(staging)
        staging.mkdir(parents=True)
        for name, content in files:
            (staging / name).write_bytes(bytes(content))
        _remove(folder)
        staging.rename(folder)
        return folder

    def previous_version(self) -> str | None:
        """The newest version older than the served one: what /rollback returns to."""
        current = self.active_version()
        older = [v for v in self.versions() if current and _number(v) < _number(current)]
        return older[-1] if older else None

    def adopt_candidate(self) -> str:
        """Turn the finished candidate into the next version (not served yet)."""
        with self._locked() as db:
            version = self._insert_folder(db, self.candidate_dir)
        self._store.shrink_journal()
        _remove(self.root / version)
        self.candidate_dir.rename(self.root / version)
        return version

    def switch_to(self, version: str) -> None:
        """Name ``version`` as the one every replica serves, serve it here, drop the oldest."""
        with self._locked() as db:
            _serve(db, version)
            self._prune(db, version)
        self.point_at(version)

    def point_at(self, version: str) -> None:
        """Make ``version`` this process's local ``current`` (in one rename), and drop cached
        folders of versions the database no longer has."""
        self.path(version)
        temporary = self.root / f".{CURRENT}.{os.getpid()}"
        temporary.unlink(missing_ok=True)
        temporary.symlink_to(version)
        os.replace(temporary, self.root / CURRENT)
        known = set(self.versions())
        for entry in self.root.iterdir():
            if _is_version(entry.name) and entry.name not in known and entry.name != version:
                _remove(entry)

    def remove(self, version: str) -> None:
        """Delete a version that was never served (its model did not load)."""
        with self._locked() as db:
            if version != _active(db):
                db.execute(delete(model_versions).where(model_versions.c.name == version))
        if version != served_locally(self.root):
            _remove(self.root / version)

    @contextmanager
    def _locked(self) -> Iterator[Connection]:
        """One transaction that changes versions, one replica at a time (SQLite's writers
        are serialised anyway by BEGIN IMMEDIATE)."""
        with self._store.transaction() as db:
            if db.dialect.name == "postgresql":
                db.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MODEL_LOCK})
            yield db

    def _take_in(self, db: Connection, shipped: Path, check: Callable[[Path], object]) -> None:
        """Serve MODEL_DIR's model the first time it is seen: at the first start, and when an
        upgrade brings a new one (a new image, a ``git pull``).

        Restarts with the same MODEL_DIR keep serving what the admins chose (a retrain, a
        rollback); the model that was served stays a version, so /rollback returns to it.
        """
        model = shipped / MODEL_FILE
        current = _active(db)
        if not model.is_file():
            if current is None:
                raise ModelStoreError(
                    f"no {MODEL_FILE} in MODEL_DIR={shipped}: point MODEL_DIR at a trained model"
                )
            _LOGGER.warning("no %s in MODEL_DIR=%s: serving %s", MODEL_FILE, shipped, current)
            return
        digest = hashlib.sha256(model.read_bytes()).hexdigest()
        known = db.execute(select(served_model.c.shipped_sha256)).scalar()
        if current is not None and known == digest:
            return
        check(shipped)
        version = self._insert_folder(db, shipped)
        _serve(db, version)
        db.execute(update(served_model).values(shipped_sha256=digest))
        self._prune(db, version)
        if current is None:
            _LOGGER.info("model %s created from %s", version, shipped)
        else:
            _LOGGER.info("new model in %s: serving it as %s (was %s)", shipped, version, current)

    def _take_in_folders(self, db: Connection) -> None:
        """A bot from before revision 0006 kept its versions as folders here: they become the
        database's versions, under the same names, and its ``current`` stays served."""
        folders = sorted(
            (p for p in self.root.iterdir() if _is_version(p.name) and (p / MODEL_FILE).is_file()),
            key=lambda p: _number(p.name),
        )
        for folder in folders:
            self._insert_folder(db, folder, folder.name)
        served = served_locally(self.root)
        if served is not None and any(folder.name == served for folder in folders):
            _serve(db, served)
            _LOGGER.info(
                "took %d model folders into the database; serving %s", len(folders), served
            )

    def _insert_folder(self, db: Connection, folder: Path, name: str | None = None) -> str:
        """Store the files of ``folder`` (flat: training writes no subfolders) as a version."""
        if name is None:
            names = db.execute(select(model_versions.c.name)).scalars()
            name = f"{_PREFIX}{max(map(_number, names), default=0) + 1:0{_DIGITS}d}"
        result = db.execute(insert(model_versions).values(name=name, created_at=time.time()))
        key = result.inserted_primary_key
        assert key is not None, "an INSERT of one row has a primary key"
        rows = [
            {"version_id": key[0], "name": file.name, "content": file.read_bytes()}
            for file in sorted(folder.iterdir())
            if file.is_file()
        ]
        db.execute(insert(model_files), rows)
        return name

    def _prune(self, db: Connection, served: str) -> None:
        """Oldest first, but never the served version, even after a rollback to an old one."""
        names = sorted(db.execute(select(model_versions.c.name)).scalars(), key=_number)
        removable = [name for name in names if name != served]
        for name in removable[: max(0, len(names) - self.keep)]:
            _LOGGER.info("deleting old model version %s", name)
            db.execute(delete(model_versions).where(model_versions.c.name == name))


def served_locally(root: Path) -> str | None:
    """The version this process serves, from its cache alone (the health check has no
    database connection to spare)."""
    link = root / CURRENT
    if not link.is_symlink():
        return None
    name = os.readlink(link)
    return name if _is_version(name) and (root / name / MODEL_FILE).is_file() else None


def _active(db: Connection) -> str | None:
    return db.execute(
        select(model_versions.c.name).select_from(served_model.join(model_versions))
    ).scalar()


def _serve(db: Connection, version: str) -> None:
    """Point ``served_model`` at ``version``; raises ModelStoreError if there is no such one."""
    version_id = db.execute(
        select(model_versions.c.id)
        .select_from(model_versions.join(model_files))
        .where(model_versions.c.name == version, model_files.c.name == MODEL_FILE)
    ).scalar()
    if version_id is None:
        raise ModelStoreError(f"model version {version} is missing or incomplete")
    changed = db.execute(
        update(served_model).values(version_id=version_id, changed_at=time.time())
    ).rowcount
    if not changed:
        db.execute(insert(served_model).values(id=1, version_id=version_id, changed_at=time.time()))


def _is_version(name: str) -> bool:
    return name.startswith(_PREFIX) and name[len(_PREFIX) :].isdigit()


def _number(version: str) -> int:
    return int(version[len(_PREFIX) :])


def _remove(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink(missing_ok=True)
    else:
        shutil.rmtree(path, ignore_errors=True)
