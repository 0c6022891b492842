"""A throwaway PostgreSQL server for the tests, from Debian's ``postgresql`` package.

PostgreSQL refuses to run as root (``initdb`` and ``postgres`` both stop), and CI and this
machine run the tests as root, so a root test run starts the server as the unprivileged
``nobody`` user (``runuser``), in a directory of its own under the system temp folder.
pytest-postgresql's process fixture runs ``initdb`` as the current user, which is why it is not
used here. The server is tuned for tests (no fsync): its data are thrown away.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text

from tests.ports import listening_port

BIN_GLOB = "/usr/lib/postgresql/*/bin"
UNPRIVILEGED_USER = "nobody"
SUPERUSER = "postgres"


def server_binaries() -> Path:
    """Debian's newest PostgreSQL binaries; a missing package is an error, not a skip."""
    found = sorted(
        Path("/").glob(BIN_GLOB.lstrip("/")),
        key=lambda path: int(path.parent.name) if path.parent.name.isdigit() else 0,
    )
    found = [path for path in found if (path / "initdb").is_file()]
    if not found:
        raise RuntimeError(
            "PostgreSQL is not installed: the storage tests need Debian's postgresql package "
            "(apt-get install postgresql; .ci/run installs it)"
        )
    return found[-1]


class PostgresServer:
    """One cluster on 127.0.0.1 with a fresh database per ``new_database`` call."""

    def __init__(self) -> None:
        self._bin = server_binaries()
        self._root = Path(tempfile.mkdtemp(prefix="digitbot-postgres-"))
        self._data = self._root / "data"
        self.port = listening_port()
        self._as_root = os.geteuid() == 0
        if self._as_root:
            user = pwd.getpwnam(UNPRIVILEGED_USER)
            os.chown(self._root, user.pw_uid, user.pw_gid)

    def _run(self, program: str, *arguments: str) -> None:
        command = [str(self._bin / program), *arguments]
        if self._as_root:
            command = ["runuser", "-u", UNPRIVILEGED_USER, "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, check=False, timeout=120)
        if result.returncode != 0:
            log = self._root / "server.log"
            raise RuntimeError(
                f"{program} failed ({result.returncode}): {result.stderr}{result.stdout}"
                + (log.read_text() if log.exists() else "")
            )

    def start(self) -> PostgresServer:
        self._run(
            "initdb",
            f"--pgdata={self._data}",
            f"--username={SUPERUSER}",
            "--auth=trust",
            "--encoding=UTF8",
            "--no-sync",
        )
        options = (
            f"-p {self.port} -k {self._root} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c full_page_writes=off -c synchronous_commit=off"
        )
        self._run(
            "pg_ctl",
            "start",
            "--wait",
            f"--pgdata={self._data}",
            f"--log={self._root}/server.log",
            f"--options={options}",
        )
        return self

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "stop", f"--pgdata={self._data}", "--mode=immediate", "--wait")
        finally:
            shutil.rmtree(self._root, ignore_errors=True)

    def url(self, database: str) -> str:
        """A DATABASE_URL as users write it (plain ``postgresql://``: psycopg 3)."""
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def _admin(self, statement: str) -> None:
        engine = create_engine(
            self.url("postgres").replace("postgresql://", "postgresql+psycopg://", 1),
            isolation_level="AUTOCOMMIT",
        )
        try:
            with engine.connect() as connection:
                connection.execute(text(statement))
        finally:
            engine.dispose()

    def new_database(self) -> str:
        """A new empty database; returns its URL."""
        name = f"test_{uuid.uuid4().hex[:12]}"
        self._admin(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def drop_database(self, url: str) -> None:
        name = url.rsplit("/", 1)[1]
        self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
