"""Alembic's entry point for augcheck's migrations (run through :mod:`augment.store.migrate`).

The connection comes from ``config.attributes["connection"]`` (set by ``migrate.upgrade``);
``target_metadata`` is the schema as the code has it, so ``alembic revision --autogenerate``
and the test comparing the migrated database with the code both see every table.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import text

from augment.store.migrate import target_metadata

config = context.config

#: One app (or CLI) at a time migrates a PostgreSQL database: the others wait on this lock.
PG_LOCK_KEY = 0x6175_6763  # "augc"


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run migrations through augment.store.migrate.upgrade()")
    context.configure(
        connection=connection,
        target_metadata=target_metadata(),
        render_as_batch=True,  # SQLite alters tables by copying them; batch mode does that
        compare_type=True,
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": PG_LOCK_KEY})
        context.run_migrations()


if context.is_offline_mode():
    raise RuntimeError("augcheck's migrations run online only (python -m augment db upgrade)")
run_migrations_online()
