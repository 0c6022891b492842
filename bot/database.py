"""Opening the database (SQLite file or PostgreSQL server) and bringing its schema up to date.

One SQLAlchemy engine per process. On SQLite every transaction starts with ``BEGIN IMMEDIATE``,
so a write never waits half-way through for another process's lock (it waits, up to
``BUSY_TIMEOUT_SECONDS``, at BEGIN), and WAL mode with ``synchronous=NORMAL`` makes each commit
durable against the process being killed. PostgreSQL needs none of that.

The schema is migrated by Alembic (``bot/migrations``) at start-up. Before Alembic, SQLite
databases numbered their schema in ``PRAGMA user_version``; such a database is stamped with
the Alembic revision its number stands for, then upgraded like any other, keeping its data.
"""

from __future__ import annotations

import logging
import shutil
import sqlite3
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, SQLAlchemyError
from sqlalchemy.pool import NullPool

_LOGGER = logging.getLogger(__name__)

BUSY_TIMEOUT_SECONDS = 5.0
"""How long a write waits for another process's lock before reporting the database as busy."""

LEGACY_REVISIONS = ("0001", "0002")
"""``PRAGMA user_version`` N of a database made before Alembic is revision LEGACY_REVISIONS[N-1]."""

DISK_FULL_BELOW_BYTES = 1024 * 1024
"""Less free space than this beside a SQLite database counts as a full disk."""

MIGRATION_LOCK = 7_301_904_211
"""PostgreSQL advisory lock key: replicas starting together migrate one after the other."""

_POSTGRES_SCHEMES = ("postgresql://", "postgres://")
DRIVER = "postgresql+psycopg"
"""psycopg 3; plain ``postgresql://`` URLs are read as this driver."""


class StorageError(Exception):
    """The database cannot be used; the message says which one and what to do."""


def url_for(raw: str | Path) -> URL:
    """A SQLAlchemy URL from a DATABASE_URL or a SQLite file path.

    ``postgresql://`` and ``postgres://`` mean psycopg 3; a value without ``://`` is a path.
    Raises ValueError for anything else than SQLite or PostgreSQL.
    """
    value = str(raw)
    if "://" not in value:
        return URL.create("sqlite", database=value)
    for scheme in _POSTGRES_SCHEMES:
        if value.startswith(scheme):
            value = f"{DRIVER}://{value.removeprefix(scheme)}"
    try:
        url = make_url(value)
    except ArgumentError:
        raise ValueError("not a database URL") from None
    if url.get_backend_name() not in {"sqlite", "postgresql"}:
        raise ValueError(
            f"only sqlite and postgresql databases are supported, got {url.drivername}"
        )
    return url


def shown(url: URL) -> str:
    """The URL for logs and messages: the password hidden."""
    return url.render_as_string(hide_password=True)


def open_engine(url: URL) -> Engine:
    """An engine with the schema at the latest revision; raises StorageError."""
    try:
        engine = _engine(url)
    except (SQLAlchemyError, OSError) as error:
        raise StorageError(explain(url, error)) from None
    try:
        migrate(engine)
    except (SQLAlchemyError, CommandError) as error:
        engine.dispose()
        raise StorageError(explain(url, error)) from None
    except StorageError as error:
        engine.dispose()
        raise StorageError(f"{shown(url)}: {error}") from None
    return engine


def _engine(url: URL) -> Engine:
    if url.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    if url.database:
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = _sqlite_engine(url, BUSY_TIMEOUT_SECONDS)
    with engine.connect() as connection:
        (verdict,) = connection.exec_driver_sql("PRAGMA quick_check").one()
    if verdict != "ok":
        engine.dispose()
        raise StorageError(
            f"the database {shown(url)} is damaged (integrity check failed: {verdict}): "
            "restore it from a backup, or move it aside to start with an empty one"
        )
    return engine


def probe_engine(url: URL, timeout_seconds: int) -> Engine:
    """An engine for one quick look from another process (the health check): it gives up
    connecting after ``timeout_seconds``, keeps no connection open, and neither migrates nor
    runs the integrity check, which a look every few seconds could not afford."""
    if url.get_backend_name() != "sqlite":
        return create_engine(
            url, poolclass=NullPool, connect_args={"connect_timeout": timeout_seconds}
        )
    return _sqlite_engine(url, timeout_seconds, poolclass=NullPool)


def _sqlite_engine(url: URL, timeout_seconds: float, **options: Any) -> Engine:
    """A SQLite engine configured as every connection of ours needs (``_configure_sqlite``,
    writes that take the lock when they begin), waiting ``timeout_seconds`` for a lock."""
    engine = create_engine(url, connect_args={"timeout": timeout_seconds}, **options)
    event.listen(engine, "connect", _configure_sqlite)
    event.listen(engine, "begin", _begin_immediate)
    return engine


def _configure_sqlite(dbapi_connection: sqlite3.Connection, _record: object) -> None:
    # Transactions are begun by _begin_immediate, not by the sqlite3 module's own guesswork.
    dbapi_connection.isolation_level = None
    for pragma in ("journal_mode = WAL", "synchronous = NORMAL", "foreign_keys = ON"):
        dbapi_connection.execute(f"PRAGMA {pragma}")


def _begin_immediate(connection: Connection) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic run on ``connection`` (none needed to read the revisions)."""
    config = Config()
    config.set_main_option("script_location", "bot:migrations")
    config.attributes["connection"] = connection
    return config


def migrate(engine: Engine) -> None:
    """Upgrade to the latest revision in one transaction; refuse a schema newer than this bot."""
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        config = alembic_config(connection)
        current = MigrationContext.configure(connection).get_current_revision()
        if current is None and connection.dialect.name == "sqlite":
            current = _stamp_legacy(connection, config)
        known = ScriptDirectory.from_config(config)
        revisions = {script.revision for script in known.walk_revisions()}
        if current is not None and current not in revisions:
            raise StorageError(
                f"schema revision {current} is newer than this bot knows "
                f"({known.get_current_head()}): upgrade digitbot or point it at another database"
            )
        head = known.get_current_head()
        if current not in {None, head}:
            _LOGGER.info("upgrading the database schema from revision %s to %s", current, head)
        command.upgrade(config, "head")


def _stamp_legacy(connection: Connection, config: Config) -> str | None:
    (version,) = connection.exec_driver_sql("PRAGMA user_version").one()
    if version == 0:
        return None
    if version > len(LEGACY_REVISIONS):
        raise StorageError(
            f"schema version {version} is newer than this bot knows ({len(LEGACY_REVISIONS)}): "
            "upgrade digitbot or point DATA_DIR elsewhere"
        )
    revision = LEGACY_REVISIONS[version - 1]
    command.stamp(config, revision)
    return revision


def _disk_full(url: URL) -> bool:
    """SQLite reports some failed writes only as "disk I/O error"; the free space tells."""
    if url.get_backend_name() != "sqlite" or not url.database:
        return False
    try:
        return shutil.disk_usage(Path(url.database).parent).free < DISK_FULL_BELOW_BYTES
    except OSError:
        return False


def explain(url: URL, error: BaseException) -> str:
    """One line an operator can act on, naming the database (never its password)."""
    where = shown(url)
    original = error.orig if isinstance(error, DBAPIError) else error
    reason = str(original).strip().splitlines()[0] if str(original).strip() else repr(original)
    if "disk is full" in reason or ("disk I/O" in reason and _disk_full(url)):
        return f"disk full: the database {where} cannot grow ({reason}); free some space"
    if "readonly" in reason or "read-only" in reason:
        return (
            f"the database {where} is not writable ({reason}): check the data folder's permissions"
        )
    if "locked" in reason or "busy" in reason:
        return f"the database {where} is locked by another process ({reason}); try again shortly"
    if isinstance(original, sqlite3.DatabaseError) and not isinstance(
        original, sqlite3.OperationalError
    ):
        return (
            f"the database {where} is damaged ({reason}): restore it from a backup, "
            "or move it aside to start with an empty one"
        )
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return f"lost the connection to the database {where} ({reason})"
    return f"database error in {where}: {reason}"
