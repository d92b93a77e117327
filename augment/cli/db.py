"""``python -m augment db upgrade | current``: the database's schema (Alembic revisions).

The app upgrades a SQLite file itself on start (after a dated backup); PostgreSQL and any other
``AUGCHECK_DB_URL`` are upgraded by this command only.
"""

from __future__ import annotations

from augment.cli._common import database_errors


def register(sub) -> None:
    d = sub.add_parser("db", help="the database's schema: upgrade it, or show its revision")
    dsub = d.add_subparsers(dest="db_command", required=True, parser_class=type(d))
    u = dsub.add_parser(
        "upgrade",
        help="apply pending schema revisions to the database (AUGCHECK_DB_URL, else the "
        "SQLite file in AUGCHECK_DATA_DIR); prints {before, after}",
    )
    u.set_defaults(run=cmd_upgrade)
    c = dsub.add_parser("current", help="print the database's revision and the newest one")
    c.set_defaults(run=cmd_current)


def cmd_upgrade(_args) -> dict:
    from augment.store import default_url, migrate

    with database_errors():
        before, after = migrate.upgrade(default_url())
    return {"before": before, "after": after}


def cmd_current(_args) -> dict:
    from sqlalchemy import create_engine

    from augment.store import default_url, migrate

    with database_errors():
        engine = create_engine(default_url())
        try:
            have = migrate.current(engine)
        finally:
            engine.dispose()
    return {"current": have, "head": migrate.head()}
