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
from augment.image.io import to_uint8
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


def render_image(
    recipe: Recipe,
    pixels: np.ndarray,
    *,
    seed: int,
    overlays=(),
    box=None,
    with_metrics: bool = True,
    with_ssim: bool = True,
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
    img = original.astype(np.float32)
    drawn: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for cfg in recipe.steps:
        step = STEPS[cfg.step]()
        occurrence = seen.get(cfg.step, 0)
        seen[cfg.step] = occurrence + 1
        rng = step_rng(seed, cfg.step, occurrence)
        params = step.sample(cfg.settings, rng, original.shape, ctx)
        if step.geometric:
            if ctx.mask is not None:
                ctx.mask = step.apply_mask(ctx.mask, params, ctx, rng)
            if corners is not None:
                corners = step.move_points(corners, params, hw)
        img = step.apply(img, params, ctx, rng)
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
            original, out, box=box, moved_box=moved, with_ssim=with_ssim
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
