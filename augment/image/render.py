"""Render an image recipe on a picture with a seed (the image counterpart of ``recipe.render``).

The same recipe, picture and seed give the same pixels, bit for bit: each step draws from its
own generator (``recipe.step_rng``: the seed, the step's name and its occurrence), exactly as the
audio steps do, so turning one step on or off does not change what another draws.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from augment.errors import ParameterError
from augment.image import metrics as image_metrics
from augment.image.io import PREVIEW_QUALITY, preview_bytes, to_uint8
from augment.recipe import Recipe, step_rng
from augment.steps import STEPS
from augment.steps._image import ImageContext, ImageSource


@dataclass
class ImageRendering:
    """A recipe rendered on a picture: the pixels, the new-defect mask, what was drawn/measured."""

    pixels: np.ndarray  # uint8, same shape as the input
    mask: np.ndarray | None  # bool (h, w): pixels of drawn scratches/overlays; None if none drawn
    seed: int
    recipe_id: str
    params: list[dict[str, Any]]
    metrics: dict[str, Any] = field(default_factory=dict)
    box: list[float] | None = None  # the label box where it ends up after geometric steps


def _box_corners(box) -> np.ndarray:
    x0, y0, x1, y1 = (float(v) for v in box)
    return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], dtype=np.float64)


def overlay_source(id: str, name: str, rgba: np.ndarray) -> ImageSource:
    """An overlay for :func:`render_image` (float32 RGBA, e.g. from ``io.decode_rgba``)."""
    return ImageSource(id, name, np.asarray(rgba, dtype=np.float32))


def _next_rounds(rest) -> bool:
    """True when the pixels are rounded to 8 bits right after this step anyway: at the end, or
    at a step that rounds its input (only pixel moves in between)."""
    for step in rest:
        if step.permutes:
            continue
        return step.quantizes_input
    return True


def _apply(step, rest, img, params, ctx, rng, fast: bool) -> np.ndarray:
    """One step, on 8 bits where that gives the very same pixels (the fast path), else in float.

    The float chain rounds once at the end; a point step (brightness, contrast, gamma) can
    instead map 8-bit levels through a 256-entry table when the next thing to happen to the
    pixels is a rounding anyway (the end, or a JPEG step): the result is identical, bit for bit
    (tests compare both paths), and flip + brightness + jpeg runs without any float picture
    (measured in benchmarks/image_speed.py).
    """
    if fast and img.dtype == np.uint8:
        if step.permutes or step.quantizes_input:
            return step.apply(img, params, ctx, rng)
        if step.point and _next_rounds(rest):
            table = to_uint8(step.lut(img, params))
            return _map_levels(img, table)
    if img.dtype == np.uint8 and not step.quantizes_input:
        img = img.astype(np.float32)
    return step.apply(img, params, ctx, rng)


def _map_levels(img: np.ndarray, table: np.ndarray) -> np.ndarray:
    """``table[img]`` by StringZilla's ``translate`` (a vectorised byte lookup): 0.34 ms on a
    1024x768 RGB picture, where OpenCV's LUT takes 0.9 to 1.7, its ``x * factor`` 0.43 to 0.55,
    Pillow's ``point`` 1.2 plus 0.8 for the copies in and out, numpy's take 17
    (benchmarks/image_speed.py). A lookup gives the table's levels exactly, whatever the CPU."""
    import stringzilla

    src = np.ascontiguousarray(img)
    out = np.empty_like(src)
    stringzilla.translate(memoryview(src), memoryview(table), out=memoryview(out))
    return out


def render_image(
    recipe: Recipe,
    pixels: np.ndarray,
    *,
    seed: int,
    overlays=(),
    box=None,
    with_metrics: bool = True,
    with_ssim: bool = True,
    ssim_max_pixels: int | None = None,
    fast: bool = True,
) -> ImageRendering:
    """Render ``recipe`` on ``pixels`` (uint8 ``(h, w)`` or ``(h, w, 3)``).

    ``box`` (``[x0, y0, x1, y1]``, the item's label box) is carried through geometric steps and
    the contrast inside it is measured before and after.
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= seed < 2**63:
        raise ParameterError(f"seed={seed!r} must be a whole number from 0 to 2**63-1")
    if recipe.modality == "audio":
        raise ParameterError("recipe: its steps are for audio, not images")
    original = np.asarray(pixels)
    if original.dtype != np.uint8 or original.ndim not in (2, 3) or original.size == 0:
        raise ParameterError("render_image: pixels must be a non-empty uint8 (h, w[, 3]) array")
    if original.ndim == 3 and original.shape[2] != 3:
        raise ParameterError(f"render_image: {original.shape[2]} channels (1 or 3 expected)")
    hw = original.shape[:2]
    ctx = ImageContext(tuple(overlays or ()))
    if any(getattr(STEPS[c.step], "draws_defects", False) for c in recipe.steps):
        ctx.mask = np.zeros(hw, dtype=bool)
    corners = _box_corners(box) if box is not None else None
    steps = [STEPS[cfg.step]() for cfg in recipe.steps]
    img: np.ndarray = original  # uint8 while the 8-bit fast path holds, float32 after
    drawn: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for k, cfg in enumerate(recipe.steps):
        step = steps[k]
        occurrence = seen.get(cfg.step, 0)
        seen[cfg.step] = occurrence + 1
        rng = step_rng(seed, cfg.step, occurrence)
        params = step.sample(cfg.settings, rng, original.shape, ctx)
        if step.geometric:
            if ctx.mask is not None:
                ctx.mask = step.apply_mask(ctx.mask, params, ctx, rng)
            if corners is not None:
                corners = step.move_points(corners, params, hw)
        img = _apply(step, steps[k + 1 :], img, params, ctx, rng, fast)
        drawn.append({"step": cfg.step, **params})
    out = to_uint8(img)
    moved = None
    if corners is not None:
        h, w = hw
        moved = [
            float(np.clip(corners[:, 0].min(), 0, w)),
            float(np.clip(corners[:, 1].min(), 0, h)),
            float(np.clip(corners[:, 0].max(), 0, w)),
            float(np.clip(corners[:, 1].max(), 0, h)),
        ]
    measured: dict[str, Any] = {}
    if with_metrics:
        measured = image_metrics.compare(
            original,
            out,
            box=box,
            moved_box=moved,
            with_ssim=with_ssim,
            ssim_max_pixels=ssim_max_pixels,
        )
    if "noise_psnr_db" in ctx.report:
        measured["noise_psnr_db"] = round(float(ctx.report["noise_psnr_db"]), 4)
    if ctx.mask is not None:
        measured["defect_share"] = round(float(np.count_nonzero(ctx.mask)) / ctx.mask.size, 6)
    return ImageRendering(
        pixels=out,
        mask=ctx.mask,
        seed=int(seed),
        recipe_id=recipe.id,
        params=drawn,
        metrics=measured,
        box=moved,
    )


#: The Studio measures SSIM on pictures shrunk to about this many pixels (what each shows).
PREVIEW_SSIM_PIXELS = 250_000


@dataclass
class Preview:
    """What the Studio shows after a slider move: the rendering and its browser-ready JPEG."""

    rendering: ImageRendering
    jpeg: bytes


def preview(
    recipe: Recipe,
    pixels: np.ndarray,
    *,
    seed: int,
    overlays=(),
    box=None,
    quality: int = PREVIEW_QUALITY,
) -> Preview:
    """Render, measure and encode for the browser (one slider move of the image Studio)."""
    r = render_image(
        recipe,
        pixels,
        seed=seed,
        overlays=overlays,
        box=box,
        ssim_max_pixels=PREVIEW_SSIM_PIXELS,
    )
    return Preview(r, preview_bytes(r.pixels, quality=quality))


def difference(original: np.ndarray, augmented: np.ndarray, *, gain: float = 4.0) -> np.ndarray:
    """A difference view: |augmented - original| of the luma, amplified, as a grey picture."""
    from augment.image.io import luminance

    if np.shape(original)[:2] != np.shape(augmented)[:2]:
        raise ParameterError("difference: the two pictures differ in size")
    d = np.abs(luminance(augmented) - luminance(original)) * np.float32(gain)
    return to_uint8(d)
