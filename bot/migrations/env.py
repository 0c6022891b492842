"""Alembic's environment: always run from ``bot.database.migrate`` on a connection it opened
(inside its transaction), never from the ``alembic`` command line."""

from __future__ import annotations

from alembic import context

from bot.schema import metadata

context.configure(
    connection=context.config.attributes["connection"],
    target_metadata=metadata,
    # SQLite changes most of a table by copying it; Alembic's batch mode does that for us.
    render_as_batch=True,
)
with context.begin_transaction():
    context.run_migrations()
