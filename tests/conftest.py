"""Shared fixtures: synthetic signals made here, real recordings from tests/data, a store."""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

ROOT = Path(__file__).resolve().parent.parent
#: Small real recordings kept in the repo (licences in tests/data/README.md).
TEST_DATA = ROOT / "tests" / "data"
SR = 16000


def wav_bytes(y: np.ndarray, sr: int = SR, subtype: str = "PCM_16", fmt: str = "WAV") -> bytes:
    buf = io.BytesIO()
    sf.write(buf, y, sr, format=fmt, subtype=subtype)
    return buf.getvalue()


def shown(text: str) -> str:
    """Markdown source as the reader sees it: the pages escape user text (and messages quoting
    it) with backslashes, which the browser does not show."""
    import re

    return re.sub(r"\\(.)", r"\1", text)


def speechlike(duration_s: float = 2.0, sr: int = SR, seed: int = 0) -> np.ndarray:
    """Harmonics of a gliding 120-180 Hz voice, syllable-rate amplitude modulation."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(duration_s * sr)) / sr
    f0 = 150 + 30 * np.sin(2 * np.pi * 0.7 * t)
    phase = 2 * np.pi * np.cumsum(f0) / sr
    y = sum(np.sin(k * phase) / k for k in range(1, 20))
    envelope = 0.5 * (1 + np.sin(2 * np.pi * 4 * t + rng.uniform(0, 2 * np.pi)))
    y = y * envelope
    return (0.3 * y / np.max(np.abs(y))).astype(np.float32)


def noise_signal(duration_s: float = 3.0, sr: int = SR, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (0.1 * rng.standard_normal(int(duration_s * sr))).astype(np.float32)


@pytest.fixture
def speech() -> np.ndarray:
    return speechlike()


@pytest.fixture
def noise() -> np.ndarray:
    return noise_signal()


def recording(name: str) -> Path:
    """A real recording from tests/data; a missing one is an error, never a skip."""
    path = TEST_DATA / name
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: the real recordings live in tests/data")
    return path


@pytest.fixture
def arctic() -> Path:
    return recording("cmu_arctic_us_aew_a0001.wav")


@pytest.fixture
def dishes() -> Path:
    return recording("doing_the_dishes.wav")


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false")


@pytest.fixture(scope="session")
def postgresql_server():
    """A real PostgreSQL server (Debian's binaries) for the whole session, removed at the end.

    Without PostgreSQL the PostgreSQL variants are skipped with the reason, except under CI
    (``CI=true``), where that is a failure.
    """
    from pg_server import PostgresUnavailable, TempPostgres

    try:
        server = TempPostgres()
    except PostgresUnavailable as exc:
        if in_ci():
            pytest.fail(str(exc), pytrace=False)
        pytest.skip(str(exc))
    with server:
        yield server


#: The databases the storage, rounds and concurrency tests run against.
BACKENDS = ("sqlite", "postgresql")


@pytest.fixture(params=BACKENDS)
def db_url(request, tmp_path):
    """A fresh, empty database: a SQLite file in ``tmp_path``, or a new PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'augcheck.db'}"
        return
    server = request.getfixturevalue("postgresql_server")
    url = server.create_database()
    yield url
    server.drop_database(url)


@pytest.fixture
def store(db_url):
    """A store on a fresh database of each kind, its schema from the migrations (what the app
    does on start for SQLite, what ``python -m augment db upgrade`` does for PostgreSQL)."""
    from augment.store import Store, migrate

    migrate.upgrade(db_url)
    s = Store(db_url)
    yield s
    s.engine.dispose()


@pytest.fixture
def sqlite_store(tmp_path):
    """A store on a SQLite file (``tmp_path / 'augcheck.db'``), for SQLite-only behaviour."""
    from augment.store import Store

    s = Store(f"sqlite:///{tmp_path / 'augcheck.db'}")
    yield s
    s.engine.dispose()


def sql(store, query: str, **params):
    """Rows of a raw SQL query on the store's own database (SQLite or PostgreSQL)."""
    from sqlalchemy import text

    with store.engine.connect() as conn:
        return conn.execute(text(query), params).fetchall()


def sql_value(store, query: str, **params):
    return sql(store, query, **params)[0][0]


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    """A fresh AUGCHECK_DATA_DIR for the app (its own SQLite file)."""
    folder = tmp_path / "data"
    monkeypatch.setenv("AUGCHECK_DATA_DIR", str(folder))
    monkeypatch.delenv("AUGCHECK_DB_URL", raising=False)
    return folder


@pytest.fixture(autouse=True)
def _no_global_db(monkeypatch, tmp_path):
    # never touch the developer's own data/ folder from a test
    if "AUGCHECK_DATA_DIR" not in os.environ:
        monkeypatch.setenv("AUGCHECK_DATA_DIR", str(tmp_path / "default-data"))


def players(at) -> list[dict]:
    """What each A/B player on an AppTest page was given (signals, pictures, match, ...)."""
    import json

    return [
        json.loads(json.loads(e.proto.json)["json"])  # the player's data is one JSON string
        for e in at.get("bidi_component")
        if e.proto.component_name == "augcheck.ab_player"
    ]


def switch_step_off_and_on(at, step: str, param: str, value: float) -> None:
    """In a Studio view (``step`` with its prefix, e.g. ``img.blur``): switch the step on, set
    ``param``'s slider, switch it off (no slider drawn) and on again (the value is back)."""
    at.toggle(key=f"{step}.on").set_value(True).run()
    at.slider(key=f"{step}.{param}").set_value(value).run()
    at.toggle(key=f"{step}.on").set_value(False).run()
    assert f"{step}.{param}" not in {s.key for s in at.slider}
    at.toggle(key=f"{step}.on").set_value(True).run()
    assert at.slider(key=f"{step}.{param}").value == value
