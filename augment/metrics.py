"""Measurements of a rendered sample: SNR, peak, clipping, length."""

from __future__ import annotations

import math

import numpy as np

#: A sample at or beyond this magnitude counts as clipped.
CLIP_LEVEL = 1.0


def snr_db(signal: np.ndarray, noise: np.ndarray) -> float:
    """``10 log10(mean(signal**2) / mean(noise**2))``; inf without noise, -inf without signal."""
    s64, n64 = np.asarray(signal, np.float64), np.asarray(noise, np.float64)
    s, n = float(np.einsum("i,i->", s64, s64)), float(np.einsum("i,i->", n64, n64))
    if n == 0.0:
        return math.inf
    if s == 0.0:
        return -math.inf
    return 10.0 * math.log10(s / n)


def peak_dbfs(y: np.ndarray) -> float:
    """Peak magnitude in dB relative to full scale (-inf for silence)."""
    peak = float(np.max(np.abs(y))) if len(y) else 0.0
    return 20.0 * math.log10(peak) if peak > 0 else -math.inf


def clipped_fraction(y: np.ndarray) -> float:
    """Share of samples at or beyond full scale."""
    if len(y) == 0:
        return 0.0
    return float(np.count_nonzero(np.abs(y) >= CLIP_LEVEL)) / len(y)


def finite_or_none(x: float | None, digits: int | None = 4) -> float | None:
    """A JSON-safe number: ``None`` for inf/NaN, else rounded to ``digits`` (``None``: as is)."""
    if x is None or not math.isfinite(x):
        return None
    return float(x) if digits is None else round(float(x), digits)
