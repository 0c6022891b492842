"""Alembic migrations of the bot's database; run by ``bot.database.migrate`` at start-up."""
