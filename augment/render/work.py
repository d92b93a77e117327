"""The one pure function every executor runs: render the copies of one source file.

``render_task(task, job)`` reads the source, derives each copy's seed from (base seed, recipe id,
the source's content hash, copy index), renders with :func:`augment.recipe.render`, writes each
output under a temporary name and renames it when complete, and returns the manifest rows (or the
one-line reason the file could not be used). The same function runs in-process, in a local
process pool and on Dask workers; nothing in it depends on which, on the order, or on a restart.
Noises and impulse responses are read once per worker process (a module-level cache).
"""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass, field
from typing import Any

from augment import audio
from augment.errors import AugcheckError
from augment.recipe import Recipe, render, source

FORMATS = ("wav", "flac")
TMP_PREFIX = ".augtmp-"
#: Columns a render sets itself; the input's own values of these are not carried over.
OWN_COLUMNS = (
    "audio_filepath",
    "duration",
    "source_filepath",
    "source_sha256",
    "recipe_id",
    "seed",
    "copy",
    "purpose",
    "params",
    "snr_db",
    "peak_dbfs",
    "clipped_fraction",
    "headroom_gain_db",
)


@dataclass(frozen=True)
class Job:
    """What every task of a run shares (small and picklable; sent to each worker once)."""

    recipe_json: str
    base_seed: int
    out_dir: str
    format: str = "wav"
    purpose: str = "training"
    noises: tuple[tuple[str, str], ...] = ()  # (path, name)
    irs: tuple[tuple[str, str], ...] = ()
    max_duration_s: float | None = None


@dataclass(frozen=True)
class Task:
    """One source file and the copies of it still to render."""

    path: str  # absolute path to read
    rel: str  # relative path mirrored under out_dir ('/' separators)
    copies: tuple[int, ...]
    columns: dict[str, Any] = field(default_factory=dict)  # carried to every row (text, ...)


def derive_seed(base_seed: int, recipe_id: str, source_sha256: str, copy: int) -> int:
    """A copy's seed: the first 63 bits of SHA-256 over (base seed, recipe, source, copy)."""
    key = f"{int(base_seed)}:{recipe_id}:{source_sha256}:{int(copy)}".encode()
    return int.from_bytes(hashlib.sha256(key).digest()[:8], "big") >> 1


def output_rel(rel: str, copy: int, fmt: str) -> str:
    """``speaker1/clip.flac``, copy 2, wav -> ``speaker1/clip_aug2.wav``."""
    stem = os.path.splitext(rel)[0]
    return f"{stem}_aug{int(copy)}.{fmt}"


# --- per-worker cache of noises and impulse responses -------------------------------------------
_DECODED: dict[str, tuple[str, audio.Audio]] = {}
_SOURCES: dict[tuple, list] = {}
_RECIPES: dict[str, Recipe] = {}


def _decoded(path: str) -> tuple[str, audio.Audio]:
    if path not in _DECODED:
        with open(path, "rb") as fh:
            data = fh.read()
        _DECODED[path] = (audio.content_hash(data), audio.decode(data, name=os.path.basename(path)))
    return _DECODED[path]


def sources(pairs: tuple[tuple[str, str], ...], sample_rate: int) -> list:
    """The noises / impulse responses resampled to ``sample_rate``, read once per process."""
    key = (pairs, int(sample_rate))
    if key not in _SOURCES:
        out = []
        for path, name in pairs:
            digest, a = _decoded(path)
            out.append(source(digest, name, a.samples, a.sample_rate, target_sr=sample_rate))
        _SOURCES[key] = out
    return _SOURCES[key]


def cache_info() -> dict[str, int]:
    """How many files this process has decoded (tests check 'once per worker')."""
    return {"pid": os.getpid(), "decoded": len(_DECODED)}


def _recipe(text: str) -> Recipe:
    if text not in _RECIPES:
        _RECIPES[text] = Recipe.from_json(text)
    return _RECIPES[text]


def write_atomic(path: str, samples, sample_rate: int) -> None:
    """Write to a temporary name in the same folder, then rename: never a half-written file."""
    folder, name = os.path.split(path)
    os.makedirs(folder, exist_ok=True)
    tmp = os.path.join(folder, f"{TMP_PREFIX}{os.getpid()}-{name}")
    try:
        audio.write(tmp, samples, sample_rate)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return text if isinstance(exc, AugcheckError) else f"{type(exc).__name__}: {text}".rstrip(": ")


def render_task(task: Task, job: Job) -> dict[str, Any]:
    """Render ``task``'s copies; returns ``{"rows", "errors", "audio_s", "cpu_s"}``.

    A bad source file is not an exception here: it comes back as an error row with its reason.
    """
    started = time.process_time()
    rows: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    audio_s = 0.0
    try:
        with open(task.path, "rb") as fh:
            data = fh.read()
        digest = audio.content_hash(data)
        clip = audio.decode(data, name=task.rel, max_duration=job.max_duration_s)
        recipe = _recipe(job.recipe_json)
        noises = sources(job.noises, clip.sample_rate)
        irs = sources(job.irs, clip.sample_rate)
    except (AugcheckError, OSError, MemoryError) as exc:
        reason = (
            f"{task.rel}: cannot read ({exc.strerror})"
            if isinstance(exc, OSError)
            else _one_line(exc)
        )
        errors.append({"source_filepath": task.path, "copies": list(task.copies), "error": reason})
        return {"rows": rows, "errors": errors, "audio_s": 0.0, "cpu_s": 0.0}
    carried = {k: v for k, v in task.columns.items() if k not in OWN_COLUMNS and k != "text"}
    for copy in task.copies:
        seed = derive_seed(job.base_seed, recipe.id, digest, copy)
        rel_out = output_rel(task.rel, copy, job.format)
        try:
            result = render(
                recipe, clip.samples, clip.sample_rate, seed=seed, noises=noises, irs=irs
            )
            write_atomic(os.path.join(job.out_dir, rel_out), result.samples, result.sample_rate)
        except (AugcheckError, OSError, MemoryError, ValueError) as exc:
            errors.append({"source_filepath": task.path, "copies": [copy], "error": _one_line(exc)})
            continue
        m = result.metrics
        audio_s += clip.duration_s
        rows.append(
            {
                "audio_filepath": rel_out,
                "duration": m["duration_s"],
                "text": task.columns.get("text"),
                **carried,
                "source_filepath": task.path,
                "source_sha256": digest,
                "recipe_id": recipe.id,
                "seed": seed,
                "copy": copy,
                "purpose": job.purpose,
                "params": result.params,
                "snr_db": m["snr_db"],
                "peak_dbfs": m["peak_dbfs"],
                "clipped_fraction": m["clipped_fraction"],
                "headroom_gain_db": m["headroom_gain_db"],
            }
        )
    return {
        "rows": rows,
        "errors": errors,
        "audio_s": audio_s,
        "cpu_s": time.process_time() - started,
    }
