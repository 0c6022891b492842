"""Which replica is answering a stored update, and until when its claim holds.

Revision ID: 0003
Revises: 0002

Replicas sharing one database each claim the updates they receive; a replica that dies stops
renewing its claims, and once they lapse another replica takes its updates over.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("updates", sa.Column("claimed_by", sa.String(200)))
    op.add_column("updates", sa.Column("claimed_until", sa.Double))


def downgrade() -> None:
    op.drop_column("updates", "claimed_until")
    op.drop_column("updates", "claimed_by")
