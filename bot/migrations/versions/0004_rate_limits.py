"""Per-user rate limits kept in the database, so replicas sharing it count each user once.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rate_limits",
        sa.Column("user_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("times", sa.Text, nullable=False),
        sa.Column("told_until", sa.Double, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("rate_limits")
