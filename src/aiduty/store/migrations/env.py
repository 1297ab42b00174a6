"""Alembic environment: always given a live connection by aiduty.store.db (no alembic.ini, no URL here)."""

from alembic import context

from aiduty.store.models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through aiduty.store.db (upgrade/downgrade), which passes a connection")
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
