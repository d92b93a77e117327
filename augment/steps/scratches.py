"""Scratches: seeded synthetic scratches drawn onto the picture, returned with their mask.

On a defect data set a drawn scratch is a new defect, so the rendering carries the mask of
every scratch pixel (``ImageRendering.mask``) beside the picture: a new label, not just noise.
Each scratch is a thin, slightly bent stroke (a quadratic Bezier curve) with soft edges; the
picture is blended under it towards white (``tone`` > 0, a scratch on glass catching the light)
or towards black (``tone`` < 0, a groove in paint); 0 leaves it invisible. Where the scratches go is
drawn from ``scratch_seed`` (recorded like the reverb's ``ir_seed``), so a review re-renders
them exactly.
"""

from __future__ import annotations

import math

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from augment.steps._image import ImageStep, a_transform, shape_hw
from augment.steps.base import Param

#: Points per scratch curve (a 1024 px stroke stays smooth).
SEGMENTS = 32
#: Softening of the stroke's edges, in pixels.
EDGE_SIGMA_PX = 0.6


def scratch_alpha(hw: tuple[int, int], params: dict) -> np.ndarray:
    """The scratches' coverage (float32, 0..1) for a picture of ``hw`` = ``(h, w)``."""
    h, w = hw
    count = int(params["count"])
    mask = Image.new("L", (w, h), 0)
    if count <= 0:
        return np.zeros((h, w), np.float32)
    draw = ImageDraw.Draw(mask)
    r = np.random.default_rng(int(params["scratch_seed"]))
    diag = math.hypot(w, h)
    width = float(params["width_px"])
    stroke = max(1, int(round(width)))
    level = 255 if width >= 1.0 else int(round(255 * width))
    t = np.linspace(0.0, 1.0, SEGMENTS + 1)
    for _ in range(count):
        length = float(params["length_frac"]) * diag * r.uniform(0.6, 1.0)
        angle = r.uniform(0.0, math.pi)
        cx, cy = r.uniform(0.1 * w, 0.9 * w), r.uniform(0.1 * h, 0.9 * h)
        dx, dy = 0.5 * length * math.cos(angle), 0.5 * length * math.sin(angle)
        p0, p2 = np.array([cx - dx, cy - dy]), np.array([cx + dx, cy + dy])
        bend = r.normal(0.0, 0.08) * length
        p1 = np.array([cx, cy]) + bend * np.array([-math.sin(angle), math.cos(angle)])
        pts = ((1 - t) ** 2)[:, None] * p0 + (2 * (1 - t) * t)[:, None] * p1 + (t**2)[:, None] * p2
        draw.line([tuple(p) for p in pts], fill=level, width=stroke, joint="curve")
    mask = mask.filter(ImageFilter.GaussianBlur(EDGE_SIGMA_PX))
    return np.asarray(mask, dtype=np.float32) * np.float32(1.0 / 255.0)


class Scratches(ImageStep):
    name = "scratches"
    title = "Scratches"
    description = "Seeded synthetic scratches (a new defect label: the mask comes with the image)."
    draws_defects = True
    order = 130
    drawn_keys = ("scratch_seed",)

    @classmethod
    def to_albumentations(cls, settings):
        return [
            a_transform(
                "NoOp",
                {},
                cls.name,
                "none",
                "albumentations draws no scratches: render them offline with augcheck "
                "(`augment render`), which also writes their masks",
            )
        ]

    params = (
        Param(
            "count", 0.0, 30.0, 3.0, "scratches", "scratches per picture (whole number)", step=1.0
        ),
        Param(
            "length_frac",
            0.02,
            1.0,
            0.25,
            "of diagonal",
            "length as a share of the diagonal",
            step=0.01,
        ),
        Param("width_px", 0.5, 12.0, 2.0, "px", "stroke width", step=0.5),
        Param("tone", -1.0, 1.0, 0.6, "blend", "-1 black, 0 invisible, +1 white", step=0.05),
    )

    def sample(self, settings, rng, shape, ctx):
        out = super().sample(settings, rng, shape, ctx)
        out["count"] = float(round(out["count"]))
        out["scratch_seed"] = int(rng.integers(0, 2**31 - 1))
        return out

    def apply(self, img, params, ctx, rng):
        alpha = scratch_alpha(shape_hw(img), params)
        if ctx.mask is not None:
            ctx.add_mask(alpha > 0.5)
        tone = float(params["tone"])
        a = np.float32(abs(tone)) * alpha
        if img.ndim == 3:
            a = a[..., None]
        target = np.float32(255.0 if tone > 0 else 0.0)
        return img * (1.0 - a) + target * a
