"""``digitbot-copy-database SOURCE TARGET``: copy the bot's database into another one, e.g. an
existing SQLite file into PostgreSQL when moving to several replicas.

Both are brought to the latest schema revision first (a database of an older bot is upgraded,
as the bot itself would at start-up), then every row is copied table by table with its ids,
in one transaction on the target: it ends complete or not at all. The target must be empty, so
nothing is ever merged or overwritten. Stop the bot while copying; after its upgrade the source
is only read. PostgreSQL's id sequences are moved past the copied ids so new rows never reuse
one.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, NoReturn

from sqlalchemy import Connection, Engine, Table, func, insert, select, text
from sqlalchemy.exc import SQLAlchemyError

from bot.database import StorageError, explain, open_engine, shown, url_for
from bot.schema import metadata

BATCH_ROWS = 500
"""Rows per INSERT: pending crops are PNGs of a few hundred bytes, so a batch stays small."""

EXIT_FAILED = 2


def copy_database(source: Engine, target: Engine) -> dict[str, int]:
    """Copy every table's rows; returns rows copied per table. Raises StorageError if the
    target already holds data."""
    with source.connect() as reading, target.begin() as writing:
        for table in metadata.sorted_tables:
            if writing.execute(select(func.count()).select_from(table)).scalar():
                raise StorageError(
                    f"the target already has rows in {table.name}: copy into an empty database"
                )
        copied = {
            table.name: _copy_table(reading, writing, table) for table in metadata.sorted_tables
        }
        if writing.dialect.name == "postgresql":
            _move_sequences(writing)
    return copied


def _batches(reading: Connection, table: Table) -> Iterator[Sequence[Any]]:
    result = reading.execution_options(stream_results=True).execute(
        select(table).order_by(*table.primary_key.columns)
    )
    while rows := result.fetchmany(BATCH_ROWS):
        yield rows


def _copy_table(reading: Connection, writing: Connection, table: Table) -> int:
    count = 0
    for rows in _batches(reading, table):
        writing.execute(insert(table), [row._asdict() for row in rows])
        count += len(rows)
    return count


def _move_sequences(writing: Connection) -> None:
    for table in metadata.sorted_tables:
        column = table.autoincrement_column
        if column is None:
            continue
        writing.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', '{column.name}'),"
                f" COALESCE(MAX({column.name}), 0) + 1, false) FROM {table.name}"
            )
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="digitbot-copy-database",
        description="Copy digitbot's database (predictions, crops, samples, model versions) "
        "into an empty one, e.g. data/digitbot.sqlite3 into "
        "postgresql://user:password@host/digitbot. "
        "Stop the bot first; a bot from before revision 0006 must have started once on SQLite "
        "since its upgrade, which moves its sample files (DATA_DIR/samples) into the database.",
    )
    parser.add_argument("source", help="a SQLite file path or a database URL")
    parser.add_argument("target", help="a database URL (postgresql://...) or a SQLite file path")
    arguments = parser.parse_args(argv)
    try:
        source_url, target_url = url_for(arguments.source), url_for(arguments.target)
    except ValueError as error:
        _fail(str(error))
    if source_url.get_backend_name() == "sqlite" and not Path(source_url.database or "").is_file():
        _fail(f"no database at {arguments.source}")
    try:
        source, target = open_engine(source_url), open_engine(target_url)
        try:
            copied = copy_database(source, target)
        finally:
            source.dispose()
            target.dispose()
    except StorageError as error:
        _fail(str(error))
    except SQLAlchemyError as error:
        _fail(explain(target_url, error))
    rows = ", ".join(f"{count} {name}" for name, count in copied.items())
    print(f"digitbot: copied {rows} from {shown(source_url)} to {shown(target_url)}")


def _fail(message: str) -> NoReturn:
    print(f"digitbot-copy-database: {message}", file=sys.stderr)
    sys.exit(EXIT_FAILED)


if __name__ == "__main__":
    main()
