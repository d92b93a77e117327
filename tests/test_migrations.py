"""Schema migrations (Alembic) on SQLite and PostgreSQL.

A database is built from the *first revision* (not from the code's tables) and filled with rows
of every table; upgrading it to the newest revision keeps every row, on both databases. The
app's start upgrades a SQLite file after a dated backup, and refuses a PostgreSQL database that
is behind, naming the command that upgrades it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import subprocess
import sys

import pytest
from sqlalchemy import create_engine, text

from augment.errors import AugcheckError
from augment.store import Store, migrate
from tests.conftest import ROOT, speechlike, sql, wav_bytes

T0 = dt.datetime(2026, 11, 1, 12, 0, tzinfo=dt.timezone.utc)
CLIP = wav_bytes(speechlike(0.5))
RECIPE_JSON = json.dumps({"name": "old", "steps": [{"step": "gain", "gain_db": -6.0}]})
ROUND_SETTINGS = json.dumps(
    {
        "recipe_ids": ["r1"],
        "clip_hashes": ["a" * 64],
        "noise_hashes": [],
        "ir_hashes": [],
        "samples_per_recipe": 1,
        "offer_reference": True,
        "anchor_share": 0.0,
        "anchor_threshold": 0.8,
        "seed": 5,
        "n_clean_anchors": 0,
        "n_bad_anchors": 0,
    }
)


def fill_first_revision(url: str) -> None:
    """Rows in every table of revision 0001, written with plain SQL (no ORM models); the
    database is fresh, so every serial id is 1."""
    engine = create_engine(url)
    rows = [
        ("INSERT INTO blobs (hash, data) VALUES (:h, :d)", {"h": "a" * 64, "d": CLIP}),
        (
            "INSERT INTO media (hash, name, kind, format, sample_rate, channels, duration_s,"
            " size_bytes, transcript, split, origin, created_at) VALUES (:h, 'old clip.wav',"
            " 'speech', 'WAV', 16000, 1, 0.5, :n, 'hello there', 'train', 'upload', :t)",
            {"h": "a" * 64, "n": len(CLIP), "t": T0},
        ),
        (
            "INSERT INTO recipes (id, name, json, status, status_reason, status_by, status_at,"
            " parent_id, created_at) VALUES ('r1', 'old recipe', :j, 'accepted', 'fine', 'eng',"
            " :t, NULL, :t)",
            {"j": RECIPE_JSON, "t": T0},
        ),
        ("INSERT INTO meta (key, value) VALUES ('demo_assets_loaded', 'yes')", {}),
        (
            "INSERT INTO reviews (recipe_id, recipe_json, params_json, seed, clip_hash,"
            " noise_hash, inputs_json, reviewer, realistic, clear, model_poor, verdict, note,"
            " metrics_json, origin, app_version, versions_json, created_at) VALUES ('r1', :j,"
            " '[]', 7, :h, NULL, '{}', 'ana', :yes, :no, 'no', 'reject', 'a note', '{}',"
            " 'studio', '0.1.0', '{}', :t)",
            {"j": RECIPE_JSON, "h": "a" * 64, "t": T0, "yes": True, "no": False},
        ),
        (
            "INSERT INTO rounds (token, name, created_at, created_by, settings_json)"
            " VALUES ('tok', 'old round', :t, 'eng', :s)",
            {"t": T0, "s": ROUND_SETTINGS},
        ),
        (
            "INSERT INTO round_samples (round_id, position, kind, recipe_id, recipe_json,"
            " clip_hash, noise_hash, ir_hash, seed) VALUES (1, 0, 'recipe', 'r1', :j, :h,"
            " NULL, NULL, 3)",
            {"j": RECIPE_JSON, "h": "a" * 64},
        ),
        (
            "INSERT INTO round_answers (round_id, sample_id, labeler, realistic, clear,"
            " model_poor, note, review_id, created_at) VALUES (1, 1, 'ana', :yes, :no, 'no',"
            " 'heard it', 1, :t)",
            {"t": T0, "yes": True, "no": False},
        ),
    ]
    with engine.begin() as conn:
        for q, params in rows:
            conn.execute(text(q), params)
    engine.dispose()


def assert_first_revision_rows(store: Store) -> None:
    """Every row written by :func:`fill_first_revision`, read back through the code."""
    from augment.review import round_results, rounds

    m = store.media("a" * 64)
    assert (m.name, m.kind, m.transcript, m.split, m.sample_rate) == (
        "old clip.wav",
        "speech",
        "hello there",
        "train",
        16000,
    )
    assert store.media_bytes("a" * 64) == CLIP
    assert store.recipe("r1").name == "old recipe"
    [r] = store.reviews()
    assert (r["id"], r["reviewer"], r["verdict"], r["note"], r["seed"]) == (
        1,
        "ana",
        "reject",
        "a note",
        7,
    )
    assert r["realistic"] is True and r["clear"] is False
    assert store.get_meta("demo_assets_loaded") == "yes"
    info = rounds.get_round(store, "tok")
    assert (info.name, info.sample_ids) == ("old round", (1,))
    [a] = round_results.round_answers(store, "tok")
    assert (a["labeler"], a["note"]) == ("ana", "heard it")
    assert sql(store, "SELECT review_id FROM round_answers") == [(1,)]


def test_first_revision_database_upgrades_keeping_every_row(db_url):
    before, after = migrate.upgrade(db_url, migrate.FIRST)
    assert (before, after) == (None, migrate.FIRST)
    fill_first_revision(db_url)
    before, after = migrate.upgrade(db_url)
    assert (before, after) == (migrate.FIRST, migrate.head())
    store = Store(db_url)
    try:
        assert_first_revision_rows(store)
        # revision 0002: nothing is deleted or archived by the upgrade, and both work after it
        assert not store.media("a" * 64).deleted
        assert [r["archived_at"] for r in store.recipe_rows()] == [None]
        store.set_recipe_archived("r1")
        assert store.recipe_rows() == [] and len(store.reviews()) == 1
        store.delete_media("a" * 64)
        assert store.reviews()[0]["deleted_media"] == "clip old clip.wav (deleted)"
        # new rows get fresh ids after the old ones (sequences on PostgreSQL)
        review_id = store.save_review(
            recipe=store.recipe("r1"),
            params=[],
            seed=1,
            clip_hash="a" * 64,
            reviewer="bo",
            realistic=True,
            clear=True,
            model_poor="no",
        )
        assert review_id != 1
    finally:
        store.engine.dispose()


def test_migrated_schema_matches_the_code(db_url):
    """The revisions build exactly the tables the code defines: a schema change in the code
    without its revision fails here."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    migrate.upgrade(db_url)
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(ctx, migrate.target_metadata())
    finally:
        engine.dispose()
    assert diff == []


def test_sqlite_start_backs_up_then_upgrades(tmp_path):
    db = tmp_path / "augcheck.db"
    url = f"sqlite:///{db}"
    migrate.upgrade(url, migrate.FIRST)
    fill_first_revision(url)
    store = Store(url)  # what the app does on start
    try:
        assert migrate.current(store.engine) == migrate.head()
        assert_first_revision_rows(store)
    finally:
        store.engine.dispose()
    [backup] = tmp_path.glob("augcheck.db.*.bak")
    assert backup.name.endswith(f".before-{migrate.head()}.bak")
    con = sqlite3.connect(backup)
    try:  # the backup is the database as it was: first revision, every row
        assert con.execute("SELECT version_num FROM alembic_version").fetchall() == [("0001",)]
        assert con.execute("SELECT note FROM reviews").fetchall() == [("a note",)]
    finally:
        con.close()
    Store(url).engine.dispose()  # up to date: no second backup
    assert len(list(tmp_path.glob("augcheck.db.*.bak"))) == 1


def test_fresh_sqlite_file_needs_no_backup(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'augcheck.db'}")
    assert migrate.current(store.engine) == migrate.head()
    store.engine.dispose()
    assert not list(tmp_path.glob("*.bak"))


def test_quick_head_reads_the_revision_files_as_alembic_does(tmp_path, monkeypatch):
    assert migrate.quick_head() == migrate.head()
    # a branch (two tips) or a file it cannot read: no answer, so the start asks Alembic
    versions = tmp_path / "versions"
    versions.mkdir()
    for rev, down in (("0001", "None"), ("0002", '"0001"'), ("0003", '"0001"')):
        (versions / f"{rev}_x.py").write_text(f'revision = "{rev}"\ndown_revision = {down}\n')
    monkeypatch.setattr(migrate, "MIGRATIONS", tmp_path)
    assert migrate.quick_head() is None
    (versions / "0003_x.py").write_text('revision = "0003"\ndown_revision = "0002"\n')
    assert migrate.quick_head() == "0003"
    (versions / "0004_x.py").write_text("revision = compute()\n")
    assert migrate.quick_head() is None


def test_only_a_database_behind_the_code_imports_alembic_on_start(tmp_path):
    url = f"sqlite:///{tmp_path / 'augcheck.db'}"
    code = (
        "import sys; from augment.store import Store; "
        f"Store({url!r}).engine.dispose(); print('alembic' in sys.modules)"
    )

    def start():
        run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
        assert run.returncode == 0, run.stderr
        return run.stdout.strip()

    assert start() == "False"  # a new file: the code's tables at the newest revision
    assert start() == "False"  # up to date: plain SQL only
    assert migrate.current(create_engine(url)) == migrate.head()
    old = tmp_path / "old.db"
    migrate.upgrade(f"sqlite:///{old}", migrate.FIRST)
    url = f"sqlite:///{old}"
    code = code.replace(repr(f"sqlite:///{tmp_path / 'augcheck.db'}"), repr(url))
    assert start() == "True"  # behind: Alembic upgrades it (after a backup)
    assert migrate.current(create_engine(url)) == migrate.head()


def _schema(path) -> dict[tuple[str, str], str]:
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT type, name, sql FROM sqlite_master").fetchall()
    return {(kind, name): " ".join((sql or "").split()) for kind, name, sql in rows}


def test_a_new_file_gets_exactly_the_migrated_schema(tmp_path):
    """A new SQLite file is made with ``create_all`` and the version row, not by running the
    revisions: every table's and index's SQL must be the migrations' own, to the character. If
    this fails after a new revision, the revision and the code's tables disagree (or the
    revision does more than change the schema): make them agree, or drop the quick path."""
    migrated = tmp_path / "migrated.db"
    migrate.upgrade(f"sqlite:///{migrated}")
    Store(f"sqlite:///{tmp_path / 'new.db'}").engine.dispose()
    assert _schema(tmp_path / "new.db") == _schema(migrated)
    assert migrate.current(create_engine(f"sqlite:///{tmp_path / 'new.db'}")) == migrate.head()


def test_the_revisions_change_the_schema_only():
    """The quick path for a new file makes tables, not rows: a revision that writes data would
    need it taught (see the test above)."""
    for path in sorted((migrate.MIGRATIONS / "versions").glob("*.py")):
        source = path.read_text()
        assert "bulk_insert" not in source and "op.execute" not in source, path.name


def test_database_made_before_migrations_is_adopted(tmp_path):
    """A SQLite file from before Alembic (``create_all``, no version table) has the first
    revision's schema: it is stamped there and upgraded, every row kept."""
    url = f"sqlite:///{tmp_path / 'augcheck.db'}"
    migrate.upgrade(url, migrate.FIRST)
    fill_first_revision(url)
    con = sqlite3.connect(tmp_path / "augcheck.db")
    con.execute("DROP TABLE alembic_version")
    con.commit()
    con.close()
    store = Store(url)
    try:
        assert migrate.current(store.engine) == migrate.head()
        assert_first_revision_rows(store)
    finally:
        store.engine.dispose()
    assert len(list(tmp_path.glob("augcheck.db.*.bak"))) == 1


def cli(*args, env):
    return subprocess.run(
        [sys.executable, "-m", "augment", *args],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_postgresql_is_upgraded_by_the_command_not_on_start(postgresql_server):
    url = postgresql_server.create_database()
    try:
        with pytest.raises(AugcheckError, match=r"python -m augment db upgrade"):
            Store(url)
        migrate.upgrade(url, migrate.FIRST)
        fill_first_revision(url)
        with pytest.raises(AugcheckError, match=r"at schema revision 0001.*db upgrade"):
            Store(url)
        env = {"AUGCHECK_DB_URL": url}
        p = cli("db", "upgrade", env=env)
        assert p.returncode == 0, p.stderr
        assert json.loads(p.stdout) == {"before": "0001", "after": migrate.head()}
        p = cli("db", "current", env=env)
        assert json.loads(p.stdout) == {"current": migrate.head(), "head": migrate.head()}
        store = Store(url)
        try:
            assert_first_revision_rows(store)
        finally:
            store.engine.dispose()
        again = cli("db", "upgrade", env=env)  # nothing pending: a no-op
        assert json.loads(again.stdout) == {"before": migrate.head(), "after": migrate.head()}
    finally:
        postgresql_server.drop_database(url)


def test_db_upgrade_on_the_default_sqlite_file(data_dir):
    p = cli("db", "upgrade", env={"AUGCHECK_DATA_DIR": str(data_dir)})
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout) == {"before": None, "after": migrate.head()}
    bad = cli("db", "upgrade", env={"AUGCHECK_DB_URL": "postgresql+psycopg://nobody@/x?host=/no"})
    assert bad.returncode == 2 and bad.stderr.startswith("error: database:"), bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1
