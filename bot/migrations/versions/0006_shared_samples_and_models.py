"""Sample crops, model versions and retrain runs kept in the database, so every replica
reaches them.

Sample PNGs used to be files in one replica's DATA_DIR/samples: the new ``png`` column holds
them (``bot.storage.Store`` moves the old files in at start-up, where the files are). Model
versions used to be folders in DATA_DIR/models: ``model_versions`` and ``model_files`` hold
them and ``served_model`` names the one every replica serves (``bot.model_store`` takes the
old folders in at start-up). ``retrain_jobs`` records each retrain; its ``active`` column,
unique, lets only one run at a time across the replicas, and a run queued for the separate
trainer carries what the replicas need to report it in the admin's chat.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("samples") as batch:
        batch.add_column(sa.Column("png", sa.LargeBinary))
    op.create_table(
        "model_versions",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(40), nullable=False, unique=True),
        sa.Column("created_at", sa.Double, nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "model_files",
        sa.Column(
            "version_id",
            _ID,
            sa.ForeignKey("model_versions.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("name", sa.String(200), primary_key=True),
        sa.Column("content", sa.LargeBinary, nullable=False),
    )
    op.create_table(
        "served_model",
        sa.Column("id", sa.Integer, sa.CheckConstraint("id = 1"), primary_key=True),
        sa.Column("version_id", _ID, sa.ForeignKey("model_versions.id"), nullable=False),
        sa.Column("shipped_sha256", sa.String(64)),
        sa.Column("changed_at", sa.Double, nullable=False),
    )

    op.create_table(
        "retrain_jobs",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("mode", sa.String(10), nullable=False),
        sa.Column("replica", sa.String(200), nullable=False),
        sa.Column("started_at", sa.Double, nullable=False),
        sa.Column("alive_until", sa.Double, nullable=False),
        sa.Column("active", sa.Integer, sa.CheckConstraint("active = 1"), unique=True),
        sa.Column("stage", sa.String(40), nullable=False),
        sa.Column("epoch", sa.Integer, nullable=False, server_default="0"),
        sa.Column("epochs", sa.Integer),
        sa.Column("cancel_requested", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("finished_at", sa.Double),
        sa.Column("result", sa.String(20)),
        sa.Column("runner", sa.String(200)),
        sa.Column("val_accuracy", sa.Double),
        sa.Column("eta_s", sa.Double),
        sa.Column("outcome", sa.Text),
        sa.Column("chat_id", sa.BigInteger),
        sa.Column("request_message_id", sa.BigInteger),
        sa.Column("progress_message_id", sa.BigInteger),
        sa.Column("language", sa.String(16)),
        sa.Column("shown", sa.Text),
        sa.Column("reported_at", sa.Double),
        sqlite_autoincrement=True,
    )


def downgrade() -> None:
    op.drop_table("retrain_jobs")
    op.drop_table("served_model")
    op.drop_table("model_files")
    op.drop_table("model_versions")
    with op.batch_alter_table("samples") as batch:
        batch.drop_column("png")
