"""Answers (one per photo answered, a number's digits share one) and the update inbox.

Revision ID: 0002
Revises: 0001

Before, each digit was its own row and nothing said whether the answer reached the user: every
old prediction becomes one answer, counted as sent (nothing better is known). SQLite databases
made before Alembic carry this schema as ``PRAGMA user_version = 2``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "answers",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("created_at", sa.Double, nullable=False),
        sa.Column("digits", sa.Integer, sa.CheckConstraint("digits >= 1"), nullable=False),
        sa.Column("chat_id", sa.BigInteger),
        sa.Column("message_id", sa.BigInteger),
        sa.Column("sent_at", sa.Double),
        sqlite_autoincrement=True,
    )
    op.create_index("answers_by_sent_time", "answers", ["sent_at"])
    if op.get_bind().dialect.name == "sqlite":
        # SQLite adds a column with its reference in place; Alembic would copy the table.
        op.execute("ALTER TABLE predictions ADD COLUMN answer_id INTEGER REFERENCES answers (id)")
    else:
        op.add_column("predictions", sa.Column("answer_id", ID, sa.ForeignKey("answers.id")))
    op.execute(
        "INSERT INTO answers (id, created_at, digits, chat_id, sent_at)"
        " SELECT id, created_at, 1, chat_id, created_at FROM predictions"
    )
    op.execute("UPDATE predictions SET answer_id = id")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "SELECT setval(pg_get_serial_sequence('answers', 'id'),"
            " COALESCE(MAX(id), 0) + 1, false) FROM answers"
        )
    op.create_index("predictions_by_answer", "predictions", ["answer_id"])
    op.create_table(
        "updates",
        sa.Column("update_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("received_at", sa.Double, nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("done_at", sa.Double),
        sa.Column("replays", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_index("updates_by_done_time", "updates", ["done_at"])


def downgrade() -> None:
    op.drop_table("updates")
    op.drop_index("predictions_by_answer", "predictions")
    op.drop_column("predictions", "answer_id")
    op.drop_table("answers")
