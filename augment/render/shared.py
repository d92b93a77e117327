"""What a render's worker process reads once and keeps (noises, impulse responses, overlay
textures), and the atomic writes every output goes through (a temporary name, then a rename)."""

from __future__ import annotations

import os

from augment import audio
from augment.recipe import source
from augment.render import target
from augment.render.target import TMP_PREFIX, write_file_atomic  # noqa: F401

_DECODED: dict[str, tuple[str, audio.Audio]] = {}
_SOURCES: dict[tuple, list] = {}
_OVERLAYS: dict[tuple, tuple] = {}


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


def overlays(pairs: tuple[tuple[str, str], ...]) -> tuple:
    """The overlay step's textures (float32 RGBA), read once per process."""
    if pairs not in _OVERLAYS:
        from augment.image.io import decode_rgba
        from augment.image.render import overlay_source

        out = []
        for path, name in pairs:
            with open(path, "rb") as fh:
                data = fh.read()
            out.append(overlay_source(audio.content_hash(data), name, decode_rgba(data, name=name)))
        _OVERLAYS[pairs] = tuple(out)
    return _OVERLAYS[pairs]


def cache_info() -> dict[str, int]:
    """How many noises / impulse responses and textures this process has decoded (tests check
    'once per worker')."""
    textures = {path for pairs in _OVERLAYS for path, _name in pairs}
    return {"pid": os.getpid(), "decoded": len(_DECODED), "textures": len(textures)}


def write_atomic(path: str, samples, sample_rate: int) -> None:
    """Audio to a temporary name, then renamed (a folder) or moved (an fsspec URL): never a
    half-written file (see :mod:`augment.render.target`)."""
    write_file_atomic(path, lambda local: audio.write(local, samples, sample_rate))


def write_bytes_atomic(path: str, blob: bytes) -> None:
    """Bytes (an encoded picture) the same way."""
    target.write_bytes_atomic(path, blob)
