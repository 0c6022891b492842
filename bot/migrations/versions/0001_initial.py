"""The first schema: prediction log, crops awaiting a label, labelled samples.

Revision ID: 0001
Revises: (none)

SQLite databases made before Alembic carry it as ``PRAGMA user_version = 1``; they are stamped
with this revision, not created again.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
"""Frozen here rather than imported: a released revision must not change with bot.schema."""

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "predictions",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("created_at", sa.Double, nullable=False),
        sa.Column("user_id", sa.BigInteger),
        sa.Column("chat_id", sa.BigInteger),
        sa.Column("digit", sa.Integer, sa.CheckConstraint("digit BETWEEN 0 AND 9"), nullable=False),
        sa.Column("confidence", sa.Double, nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index("predictions_by_time", "predictions", ["created_at"])
    op.create_index("predictions_by_user", "predictions", ["user_id"])
    op.create_table(
        "pending_crops",
        sa.Column(
            "prediction_id",
            ID,
            sa.ForeignKey("predictions.id", ondelete="CASCADE"),
            primary_key=True,
            autoincrement=False,
        ),
        sa.Column("created_at", sa.Double, nullable=False),
        sa.Column("png", sa.LargeBinary, nullable=False),
    )
    op.create_index("pending_crops_by_time", "pending_crops", ["created_at"])
    op.create_table(
        "samples",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column(
            "prediction_id", ID, sa.ForeignKey("predictions.id"), nullable=False, unique=True
        ),
        sa.Column("user_id", sa.BigInteger, nullable=False),
        sa.Column("label", sa.Integer, sa.CheckConstraint("label BETWEEN 0 AND 9"), nullable=False),
        sa.Column(
            "predicted", sa.Integer, sa.CheckConstraint("predicted BETWEEN 0 AND 9"), nullable=False
        ),
        sa.Column("created_at", sa.Double, nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index("samples_by_user", "samples", ["user_id"])


def downgrade() -> None:
    op.drop_table("samples")
    op.drop_table("pending_crops")
    op.drop_table("predictions")
