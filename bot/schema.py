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
    Table,
)

ID = BigInteger().with_variant(Integer(), "sqlite")
"""64-bit ids; on SQLite exactly ``INTEGER PRIMARY KEY``, the form that is the row id."""

metadata = MetaData()

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
    Index("predictions_by_time", "created_at"),
    Index("predictions_by_user", "user_id"),
    sqlite_autoincrement=True,
)

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
