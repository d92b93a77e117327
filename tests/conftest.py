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


@pytest.fixture
def store(tmp_path):
    from augment.store import Store

    return Store(f"sqlite:///{tmp_path / 'augcheck.db'}")


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
