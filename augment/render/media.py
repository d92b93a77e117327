"""What a render knows about each kind of media: the one place where audio and pictures differ.

A recipe is for one kind of media (``Recipe.modality``); :func:`media_for` gives the render's
answer for it, and every piece of a render asks that object instead of comparing names: which
files a folder walk picks up, which manifest column holds the path, the output formats and
names, how one source is read and how one copy is rendered, written and measured, and what the
summary counts. The same seeds, journal, manifests, leakage guard and executors serve both.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, ClassVar

from augment.render import target
from augment.render.shared import overlays, sources, write_atomic, write_bytes_atomic

#: The manifest columns every output row has, audio or picture, between its own ones.
COMMON_COLUMNS = (
    "source_filepath",
    "source_sha256",
    "recipe_id",
    "seed",
    "copy",
    "purpose",
    "params",
)


@dataclass
class Made:
    """One rendered copy: columns after the path, the drawn params, the measured columns."""

    lead: dict[str, Any]  # right after the path column (duration; width, height, label, mask)
    params: list[dict[str, Any]]
    measured: dict[str, Any]  # after params
    size: float = 0.0  # seconds of source audio (0 for pictures)


class Media:
    """The render's view of one kind of media (subclasses: :class:`Audio`, :class:`Image`)."""

    modality: ClassVar[str]
    #: the manifest column with a file's path (read from the input, written to the output)
    path_column: ClassVar[str]
    #: file extensions (with the dot, lower case) a folder walk picks up
    extensions: ClassVar[frozenset[str]]
    #: ``--format`` values; ``None`` in :attr:`default_format` keeps each input's own format
    formats: ClassVar[tuple[str, ...]]
    default_format: ClassVar[str | None]
    #: columns a render sets itself (the input's own values of these are not carried over)
    own_columns: ClassVar[tuple[str, ...]]
    #: what one input is called in messages and what the summary counts
    noun: ClassVar[str]
    #: the Options fields naming files the steps draw on that this media takes
    source_options: ClassVar[tuple[str, ...]] = ()
    #: the library's media kind of the inputs (the Render page lists these), and their name
    library_kind: ClassVar[str]
    item: ClassVar[str]
    plural: ClassVar[str]
    #: True when an input has a duration (audio: hours, real-time factor; pictures: a count)
    has_duration: ClassVar[bool] = False

    def output_rel(self, rel: str, copy: int, fmt: str | None) -> str:
        """``speaker1/clip.flac``, copy 2, wav -> ``speaker1/clip_aug2.wav``."""
        stem, ext = os.path.splitext(rel)
        return f"{stem}_aug{int(copy)}.{self.extension(ext, fmt)}"

    def extension(self, ext: str, fmt: str | None) -> str:
        return fmt or self.default_format or ext.lstrip(".").lower()

    def csv_columns(self) -> tuple[str, ...]:
        """The manifest's own columns in CSV order (carried and ``<step>.<param>`` follow)."""
        first = (self.path_column, *self.lead_columns, "text")
        return (*first, *(c for c in self.own_columns if c not in (*first, "params")))

    lead_columns: ClassVar[tuple[str, ...]] = ()

    def format_record(self, fmt: str | None) -> dict[str, Any]:
        """What ``render.json`` says about the files written."""
        return {"format": fmt}

    def check_source(self, data: bytes, *, name: str) -> None:
        """Decode a noise / impulse response / texture once before the run (raises)."""
        raise NotImplementedError

    # --- per worker ----------------------------------------------------------------------
    def load(self, data: bytes, task, job) -> Any:
        """The decoded source (raise ``AugcheckError`` with one line when it cannot be used)."""
        raise NotImplementedError

    def render_copy(
        self, recipe, source: Any, *, seed: int, path: str, rel: str, job, task
    ) -> Made:
        """Render one copy, write it (and anything beside it) atomically to ``path`` (``rel``
        under the output folder or URL)."""
        raise NotImplementedError

    # --- the summary ----------------------------------------------------------------------
    def rate_text(self, timings: dict[str, Any], rendered: int) -> str:
        """The summary's words after "N files rendered"."""
        wall = timings["wall_s"]
        rate = rendered / wall if wall > 0 else 0.0
        return f"in {wall:.1f} s, {rate:.1f} {self.noun}s/s"


class Audio(Media):
    modality = "audio"
    path_column = "audio_filepath"
    formats = ("wav", "flac")
    default_format = "wav"
    noun = "file"
    library_kind, item, plural = "speech", "clip", "clips"
    has_duration = True
    source_options = ("noises", "irs")
    lead_columns = ("duration",)
    own_columns = (
        "audio_filepath",
        "duration",
        *COMMON_COLUMNS,
        "snr_db",
        "peak_dbfs",
        "clipped_fraction",
        "headroom_gain_db",
    )

    @property
    def extensions(self):  # type: ignore[override]
        from augment.audio import UPLOAD_EXTENSIONS

        return frozenset(f".{e}" for e in UPLOAD_EXTENSIONS)

    def check_source(self, data, *, name):
        from augment import audio

        audio.decode(data, name=name)

    def load(self, data, task, job):
        from augment import audio

        clip = audio.decode(data, name=task.rel, max_duration=job.max_duration_s)
        noises = sources(job.noises, clip.sample_rate)
        irs = sources(job.irs, clip.sample_rate)
        return clip, noises, irs

    def render_copy(self, recipe, source, *, seed, path, rel, job, task):
        from augment.recipe import render

        clip, noises, irs = source
        result = render(recipe, clip.samples, clip.sample_rate, seed=seed, noises=noises, irs=irs)
        write_atomic(path, result.samples, result.sample_rate)
        m = result.metrics
        return Made(
            {"duration": m["duration_s"]},
            result.params,
            {k: m[k] for k in ("snr_db", "peak_dbfs", "clipped_fraction", "headroom_gain_db")},
            clip.duration_s,
        )

    def rate_text(self, timings, rendered):
        rtf = timings.get("real_time_factor")
        return (
            f"({timings['audio_h']:.3f} h of source audio) in {timings['wall_s']:.1f} s, "
            f"{rtf if rtf is not None else '?'}x real time"
        )


#: The quality of a JPEG written by an offline render (stated in render.json).
JPEG_QUALITY = 95


class Image(Media):
    """Pictures: PNG stays PNG, a JPEG is written at :data:`JPEG_QUALITY`, WebP losslessly; a
    step that draws defects (scratches, overlay) leaves its mask beside the picture as
    ``<name>.mask.png`` (white where a new defect was drawn), named in the row."""

    modality = "image"
    path_column = "image_filepath"
    extensions = frozenset({".png", ".jpg", ".jpeg", ".webp"})
    formats = ("png", "jpeg", "webp")
    default_format = None  # each picture keeps its own format
    noun = "image"
    library_kind, item, plural = "image", "picture", "pictures"
    source_options = ("overlays",)
    lead_columns = ("width", "height", "label", "mask_filepath")
    own_columns = (
        "image_filepath",
        "width",
        "height",
        "label",
        "mask_filepath",
        *COMMON_COLUMNS,
        "mean_luminance",
        "luminance_change",
        "clipped_share",
        "psnr_db",
        "defect_share",
        "noise_psnr_db",
    )
    _EXT = {"png": "png", "jpg": "jpg", "jpeg": "jpg", "webp": "webp"}
    _FMT = {"png": "png", "jpg": "jpeg", "webp": "webp"}

    def extension(self, ext, fmt):
        if fmt is not None:
            return self._EXT[fmt]
        return self._EXT.get(ext.lstrip(".").lower(), "png")

    def format_record(self, fmt):
        return {
            "format": fmt or "as the input (by its extension)",
            "jpeg_quality": JPEG_QUALITY,
            "webp": "lossless",
            "png_compress_level": 1,
            "mask": "<name>.mask.png beside the picture: 8-bit grey, 255 where a defect was drawn",
        }

    def check_source(self, data, *, name):
        from augment.image.io import decode_rgba

        decode_rgba(data, name=name)

    def load(self, data, task, job):
        import json

        from augment.errors import ParameterError
        from augment.image.io import decode_image
        from augment.image.labels import parse_label

        picture = decode_image(data, name=task.rel)
        label = task.columns.get("label")
        if isinstance(label, dict):  # a JSON manifest may hold the label as an object
            label = json.dumps(label)
        try:
            parsed = parse_label(label if isinstance(label, str) else None)
        except ParameterError as exc:
            raise ParameterError(f"{task.rel}: {exc}") from None
        return picture, parsed, overlays(job.overlays)

    def render_copy(self, recipe, source, *, seed, path, rel, job, task):
        import json

        import numpy as np

        from augment.image import metrics
        from augment.image.io import encode
        from augment.image.render import render_image

        picture, label, textures = source
        box = (label or {}).get("box")
        r = render_image(
            recipe, picture.pixels, seed=seed, overlays=textures, box=box, with_metrics=False
        )
        fmt = self._FMT[os.path.splitext(path)[1].lstrip(".").lower()]
        blob = encode(r.pixels, fmt=fmt, quality=JPEG_QUALITY, lossless=True)
        lead: dict[str, Any] = {"width": int(r.pixels.shape[1]), "height": int(r.pixels.shape[0])}
        if label is not None:
            lead["label"] = json.dumps({**label, **({"box": r.box} if r.box is not None else {})})
        mask_blob = None
        if r.mask is not None:
            lead["mask_filepath"] = f"{os.path.splitext(rel)[0]}.mask.png"
            mask_blob = encode(r.mask.astype(np.uint8) * 255, fmt="png")
        measured = metrics.summary(picture.pixels, r.pixels)
        if r.mask is not None:
            measured["defect_share"] = round(float(np.count_nonzero(r.mask)) / r.mask.size, 6)
        if "noise_psnr_db" in r.metrics:
            measured["noise_psnr_db"] = r.metrics["noise_psnr_db"]
        if mask_blob is not None:  # the mask first: a picture in place means its mask is too
            write_bytes_atomic(target.join(job.out_dir, lead["mask_filepath"]), mask_blob)
        write_bytes_atomic(path, blob)
        return Made(lead, r.params, measured)


MEDIA: dict[str, Media] = {m.modality: m for m in (Audio(), Image())}


def media_for(modality: str | None) -> Media:
    """The render's view of a recipe's media (an empty recipe renders audio, as before)."""
    return MEDIA[modality or "audio"]
