"""Each digit's row (line of writing) within its answer, so feedback can name one row.

Revision ID: 0005
Revises: 0004

A photo of several rows is one answer whose digits are logged row after row; the buttons under
it name one row's prediction ids, and a press is genuine only if they are exactly that row.
Answers logged before this revision were labelled as a whole: their digits all get row 0.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "predictions",
        sa.Column("row_index", sa.Integer, nullable=False, server_default="0"),
    )


def downgrade() -> None:
    op.drop_column("predictions", "row_index")
