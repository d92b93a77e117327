"""Schema migrations (Alembic): the revisions live in ``augment/store/migrations/versions``.

* ``upgrade(url)`` applies every pending revision (``python -m augment db upgrade``).
* ``Store(url)`` calls :func:`ensure_schema` on start: a SQLite file is upgraded in place, after
  a dated copy of it is made beside it (``augcheck.db.2026-11-30T001500Z.bak``) when it already
  held data; any other database (PostgreSQL) is only checked, and a database behind the code
  is refused with a one-line message naming the command, so a team upgrades it on purpose
  (and backs it up with its own tools first). An up-to-date database and a new, empty SQLite
  file (made at the newest revision in one step) are handled without importing Alembic.
* A database made before migrations existed (``create_all``, no ``alembic_version`` table)
  has exactly the first revision's schema; it is stamped at ``0001`` and upgraded from there.

Adding a schema change: change the tables in the code, then a new file in ``versions/`` whose
``down_revision`` is the current head (``alembic revision --autogenerate`` with
``script_location`` pointing here drafts it); the test comparing the migrated schema with the
code fails until the two agree. Never edit a revision that has shipped.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import sqlite3
from pathlib import Path

from sqlalchemy import Engine, MetaData, create_engine, inspect, text

from augment.errors import AugcheckError

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
FIRST = "0001"


def target_metadata() -> MetaData:
    """Every table the code defines (:mod:`augment.store.schema`)."""
    from augment.store.schema import Base

    return Base.metadata


def _config(connection=None):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def head() -> str:
    """The newest revision the code knows."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_config()).get_current_head()


_REVISION = re.compile(r"^revision\s*=\s*[\"']([^\"']+)[\"']", re.M)
_DOWN = re.compile(r"^down_revision\s*=\s*(?:[\"']([^\"']+)[\"']|None)", re.M)


def quick_head() -> str | None:
    """The newest revision, read from the revision files' ``revision = "..."`` and
    ``down_revision = "..."`` lines without importing Alembic; ``None`` when the files are
    not one plain chain (then ask :func:`head`). Importing Alembic costs 0.2 s of every app
    start (cProfile of ``Store()``), for a database that is almost always up to date."""
    revs, downs = set(), set()
    for path in sorted((MIGRATIONS / "versions").glob("*.py")):
        source = path.read_text(encoding="utf-8")
        rev, down = _REVISION.findall(source), _DOWN.search(source)
        if len(rev) != 1 or down is None:
            return None
        revs.add(rev[0])
        if down.group(1):
            downs.add(down.group(1))
    tips = revs - downs
    return tips.pop() if len(tips) == 1 and downs <= revs else None


def _stored_revision(engine: Engine) -> str | None:
    """The one revision in ``alembic_version`` (plain SQL), or ``None`` if there is not one."""
    with engine.connect() as conn:
        if "alembic_version" not in inspect(conn).get_table_names():
            return None
        rows = conn.execute(text("SELECT version_num FROM alembic_version")).fetchall()
    return rows[0][0] if len(rows) == 1 else None


#: The version table exactly as Alembic creates it (a test compares the whole schema).
_VERSION_TABLE = (
    "CREATE TABLE alembic_version (\n\tversion_num VARCHAR(32) NOT NULL, \n\t"
    "CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)\n)"
)


def _create_new(engine: Engine, revision: str) -> bool:
    """Make a SQLite database with no tables at all at ``revision``: the code's tables
    (``create_all``) and the version row, in one transaction; False if it has tables.

    The same schema as running every migration, to the character of each table's and index's
    SQL (``tests/test_migrations.py`` compares them), without importing Alembic and running
    the revisions one by one: 0.25 s of the very first start.
    """
    with engine.begin() as conn:
        if inspect(conn).get_table_names():
            return False
        target_metadata().create_all(conn)
        conn.execute(text(_VERSION_TABLE))
        conn.execute(text("INSERT INTO alembic_version (version_num) VALUES (:v)"), {"v": revision})
    return True


def revisions() -> list[str]:
    """Every revision, oldest first."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(_config())
    return [r.revision for r in reversed(list(script.walk_revisions()))]


def current(engine: Engine) -> str | None:
    """The database's revision: ``None`` for an empty database, ``"0001"`` for one made by
    ``create_all`` before migrations existed."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        rev = MigrationContext.configure(conn).get_current_revision()
        if rev is None and _has_tables(conn):
            return FIRST
        return rev


def _has_tables(conn) -> bool:
    return bool({"media", "reviews"} & set(inspect(conn).get_table_names()))


def upgrade(target: str | Engine, revision: str = "head") -> tuple[str | None, str]:
    """Apply pending revisions; returns ``(before, after)``."""
    from alembic import command

    engine = create_engine(target) if isinstance(target, str) else target
    try:
        before = current(engine)
        with engine.begin() as conn:
            cfg = _config(conn)
            if before == FIRST and not _versioned(conn):
                command.stamp(cfg, FIRST)  # made by create_all: the first revision's schema
            command.upgrade(cfg, revision)
        return before, current(engine)
    finally:
        if isinstance(target, str):
            engine.dispose()


def _versioned(conn) -> bool:
    return "alembic_version" in inspect(conn).get_table_names()


def sqlite_path(engine: Engine) -> Path | None:
    """The file of a SQLite database (``None`` in memory or another database)."""
    if engine.dialect.name != "sqlite":
        return None
    db = engine.url.database
    return Path(db) if db and db != ":memory:" else None


def backup_sqlite(path: Path, label: str) -> Path:
    """A dated copy beside the file, through SQLite's backup API: a plain file copy would miss
    what is still in the ``-wal`` file and could copy a half-written page."""
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H%M%SZ")
    dest = path.with_name(f"{path.name}.{stamp}.before-{label}.bak")
    src = sqlite3.connect(path)
    try:
        out = sqlite3.connect(dest)
        try:
            src.backup(out)
        finally:
            out.close()
    finally:
        src.close()
    return dest


@contextlib.contextmanager
def _file_lock(path: Path):
    """One process at a time migrates a SQLite file (two app starts at once)."""
    import fcntl

    with open(path.with_name(path.name + ".migrate.lock"), "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def ensure_schema(engine: Engine) -> Path | None:
    """On start: upgrade a SQLite file (after a dated backup if it held data); check any other
    database. Returns the backup's path when one was made."""
    quick = quick_head()
    if quick is not None and _stored_revision(engine) == quick:
        return None  # up to date: the usual start, without importing Alembic
    path = sqlite_path(engine)
    if quick is not None and path is not None:
        with _file_lock(path):
            if _create_new(engine, quick):
                return None  # a new file: made at the newest revision, without Alembic
    want = head()
    if path is None and engine.dialect.name == "sqlite":  # in memory: nothing to keep
        upgrade(engine)
        return None
    if path is None:
        have = current(engine)
        if have != want:
            state = "empty" if have is None else f"at schema revision {have}"
            raise AugcheckError(
                f"the database is {state}; this augcheck needs revision {want}: run "
                "`python -m augment db upgrade` with the same AUGCHECK_DB_URL"
            )
        return None
    with _file_lock(path):
        have = current(engine)
        if have == want:
            return None
        known = revisions()
        if have is not None and have not in known:
            raise AugcheckError(
                f"{path} is at schema revision {have}, newer than this augcheck knows "
                f"({want}); use a newer augcheck"
            )
        backup = backup_sqlite(path, want) if have is not None else None
        upgrade(engine)
        return backup
