"""What the store hands out: media items and review dicts, and the library versions stored with
every review."""

from __future__ import annotations

import datetime as dt
import functools
import json
from dataclasses import dataclass
from typing import Any

from augment import __version__
from augment.store.schema import MediaRow, ReviewRow


@dataclass(frozen=True)
class Media:
    hash: str
    name: str
    kind: str
    format: str
    sample_rate: int | None
    channels: int | None
    duration_s: float | None
    size_bytes: int
    transcript: str | None
    split: str | None
    origin: str
    created_at: dt.datetime
    deleted_at: dt.datetime | None = None

    @property
    def deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def label(self) -> str:
        dur = f", {self.duration_s:.1f} s" if self.duration_s else ""
        return f"{self.name}{dur}" + (" (deleted)" if self.deleted else "")


def media_from_row(row: MediaRow) -> Media:
    return Media(**{f: getattr(row, f) for f in Media.__dataclass_fields__})


def library_versions() -> dict[str, str]:
    """Versions of the libraries that shape a rendering, stored with every review.

    Looked up once per process: ``importlib.metadata`` parses each package's metadata on every
    call, 86 ms of a 174 ms round answer here (cProfile, benchmarks/round_load.py).
    Callers get a copy, so the cached dict is never changed.
    """
    return dict(_library_versions())


@functools.cache
def _library_versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {"augcheck": __version__}
    for pkg in ("numpy", "scipy", "soundfile", "soxr", "python-stretch", "librosa", "pillow"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            pass
    return out


def review_dict(r: ReviewRow, recipe_name: str, gone: dict[str, str]) -> dict[str, Any]:
    """A review as the pages and exports use it; ``gone`` maps deleted media hashes to names."""
    inputs = json.loads(r.inputs_json)
    used = {"clip": r.clip_hash, "noise": r.noise_hash, "impulse response": inputs.get("ir")}
    return {
        "id": r.id,
        "created_at": r.created_at,
        "reviewer": r.reviewer,
        "recipe_id": r.recipe_id,
        "recipe": recipe_name,
        "verdict": r.verdict,
        "realistic": r.realistic,
        "clear": r.clear,
        "model_poor": r.model_poor,
        "note": r.note,
        "seed": r.seed,
        "clip_hash": r.clip_hash,
        "noise_hash": r.noise_hash,
        # which of the media it used were deleted since ("clip c0.wav (deleted)"), else ""
        "deleted_media": "; ".join(
            f"{what} {gone[h]} (deleted)" for what, h in used.items() if h in gone
        ),
        "params": json.loads(r.params_json),
        "metrics": json.loads(r.metrics_json),
        "recipe_json": r.recipe_json,
        "inputs": inputs,
        "origin": r.origin,
        "app_version": r.app_version,
        "versions": json.loads(r.versions_json),
    }
