"""The database's tables, described once for SQLite and PostgreSQL (SQLAlchemy Core).

Queries in ``bot.storage`` are built from these objects, so both engines run the same code. The
tables are created and changed only by the Alembic migrations in ``bot/migrations/versions``;
this module must describe the schema those migrations produce (a test compares them).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
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
    Index("samples_by_user", "user_id"),
    sqlite_autoincrement=True,
)

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
