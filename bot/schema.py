"""The database's tables, described once for SQLite and PostgreSQL (SQLAlchemy Core).

Queries in ``bot.storage`` are built from these objects, so both engines run the same code. The
tables are created and changed only by the Alembic migrations in ``bot/migrations/versions``;
this module must describe the schema those migrations produce (a test compares them).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Double,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    false,
)

ID = BigInteger().with_variant(Integer(), "sqlite")
"""64-bit ids; on SQLite exactly ``INTEGER PRIMARY KEY``, the form that is the row id."""

metadata = MetaData()

answers = Table(
    "answers",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("created_at", Double, nullable=False),
    Column("digits", Integer, CheckConstraint("digits >= 1"), nullable=False),
    Column("chat_id", BigInteger),
    Column("message_id", BigInteger),
    Column("sent_at", Double),
    Index("answers_by_sent_time", "sent_at"),
    sqlite_autoincrement=True,
)
"""One per photo answered (a number's digits share one); counted in /stats once sent."""

predictions = Table(
    "predictions",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("created_at", Double, nullable=False),
    # Telegram ids exceed 32 bits (supergroups are -100...): 64-bit columns.
    Column("user_id", BigInteger),
    Column("chat_id", BigInteger),
    Column("digit", Integer, CheckConstraint("digit BETWEEN 0 AND 9"), nullable=False),
    Column("confidence", Double, nullable=False),
    Column("answer_id", ID, ForeignKey("answers.id")),
    Column("row_index", Integer, nullable=False, server_default="0"),
    Index("predictions_by_time", "created_at"),
    Index("predictions_by_user", "user_id"),
    Index("predictions_by_answer", "answer_id"),
    sqlite_autoincrement=True,
)
"""One per digit read; ``row_index`` is its line of writing in the answer (0 = the top)."""

pending_crops = Table(
    "pending_crops",
    metadata,
    Column(
        "prediction_id",
        ID,
        ForeignKey("predictions.id", ondelete="CASCADE"),
        primary_key=True,
        autoincrement=False,
    ),
    Column("created_at", Double, nullable=False),
    Column("png", LargeBinary, nullable=False),
    Index("pending_crops_by_time", "created_at"),
)

samples = Table(
    "samples",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("prediction_id", ID, ForeignKey("predictions.id"), nullable=False, unique=True),
    Column("user_id", BigInteger, nullable=False),
    Column("label", Integer, CheckConstraint("label BETWEEN 0 AND 9"), nullable=False),
    Column("predicted", Integer, CheckConstraint("predicted BETWEEN 0 AND 9"), nullable=False),
    Column("created_at", Double, nullable=False),
    Column("png", LargeBinary),
    Index("samples_by_user", "user_id"),
    sqlite_autoincrement=True,
)
"""Labelled crops (28x28 PNG, white on black), what retraining learns from. ``png`` is null
only for a sample whose file was lost before revision 0006 moved the files in."""

updates = Table(
    "updates",
    metadata,
    Column("update_id", BigInteger, primary_key=True, autoincrement=False),
    Column("received_at", Double, nullable=False),
    Column("payload", Text, nullable=False),
    Column("done_at", Double),
    Column("replays", Integer, nullable=False, server_default="0"),
    Column("claimed_by", String(200)),
    Column("claimed_until", Double),
    Index("updates_by_done_time", "done_at"),
)
"""The update inbox: each update kept from its arrival until handled (``bot.inbox``), claimed
by the replica answering it until ``claimed_until``."""

rate_limits = Table(
    "rate_limits",
    metadata,
    Column("user_id", BigInteger, primary_key=True, autoincrement=False),
    Column("times", Text, nullable=False),
    Column("told_until", Double, nullable=False),
)
"""Per-user message times (a JSON list of wall-clock seconds) when replicas share the limit."""

model_versions = Table(
    "model_versions",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("name", String(40), nullable=False, unique=True),
    Column("created_at", Double, nullable=False),
    sqlite_autoincrement=True,
)
"""Every model the bot may serve (``v0001``, ...): the shipped one, retrains, kept for /rollback."""

model_files = Table(
    "model_files",
    metadata,
    Column(
        "version_id",
        ID,
        ForeignKey("model_versions.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("name", String(200), primary_key=True),
    Column("content", LargeBinary, nullable=False),
)
"""A version's files as training wrote them (.tflite served, .keras to fine-tune, metrics)."""

served_model = Table(
    "served_model",
    metadata,
    Column("id", Integer, CheckConstraint("id = 1"), primary_key=True),
    Column("version_id", ID, ForeignKey("model_versions.id"), nullable=False),
    Column("shipped_sha256", String(64)),
    Column("changed_at", Double, nullable=False),
)
"""One row: the version every replica serves, and the MODEL_DIR model last taken in."""

retrain_jobs = Table(
    "retrain_jobs",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("mode", String(10), nullable=False),
    Column("replica", String(200), nullable=False),
    Column("started_at", Double, nullable=False),
    Column("alive_until", Double, nullable=False),
    Column("active", Integer, CheckConstraint("active = 1"), unique=True),
    Column("stage", String(40), nullable=False),
    Column("epoch", Integer, nullable=False, server_default="0"),
    Column("epochs", Integer),
    Column("cancel_requested", Boolean, nullable=False, server_default=false()),
    Column("finished_at", Double),
    Column("result", String(20)),
    Column("runner", String(200)),
    Column("val_accuracy", Double),
    Column("eta_s", Double),
    Column("outcome", Text),
    Column("chat_id", BigInteger),
    Column("request_message_id", BigInteger),
    Column("progress_message_id", BigInteger),
    Column("language", String(16)),
    Column("shown", Text),
    Column("reported_at", Double),
    sqlite_autoincrement=True,
)
"""Each retrain, asked for on ``replica`` and run by ``runner`` (that replica, or the separate
trainer; none while queued); ``active`` is 1 (unique) until it ends, so replicas sharing the
database run one at a time. The runner renews ``alive_until``; a lapsed one died. The chat
columns, set for a run queued for the trainer, let any replica report it (``shown``: the
progress text last shown; ``reported_at``: when its end was told)."""
