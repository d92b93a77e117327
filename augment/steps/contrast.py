"""Contrast: stretch or squeeze the levels about the picture's mean grey level."""

from __future__ import annotations

import numpy as np

from augment.steps._image import ImageStep, a_transform, bounds
from augment.steps.base import Param


class Contrast(ImageStep):
    name = "contrast"
    title = "Contrast"
    description = "Levels pushed away from (>1) or towards (<1) the mean grey; 0 is flat grey."
    params = (Param("contrast_factor", 0.0, 3.0, 1.0, "x", "1 keeps the picture", step=0.05),)
    order = 160

    @classmethod
    def to_albumentations(cls, settings):
        lo, hi = bounds(settings["contrast_factor"])
        # albumentations computes alpha * x + beta * mean(x); beta = 1 - alpha keeps the mean
        exact = lo == hi
        return [
            a_transform(
                "RandomBrightnessContrast",
                {
                    "brightness_limit": [1.0 - hi, 1.0 - lo],
                    "contrast_limit": [lo - 1.0, hi - 1.0],
                    "brightness_by_max": False,
                    "ensure_safe_range": False,
                },
                cls.name,
                "exact" if exact else "closest",
                "alpha * x + (1 - alpha) * mean(x) is augcheck's contrast about the mean"
                + (
                    ""
                    if exact
                    else "; with a range albumentations draws alpha and beta apart, so the mean "
                    "moves by up to (hi - lo) * mean"
                ),
            )
        ]

    point = True

    def apply(self, img, params, ctx, rng):
        return self._about(img, float(img.mean(dtype="float64")), params)

    def lut(self, img_u8, params):
        # the mean of the 8-bit picture is the mean apply() sees (same values, same summation)
        levels = np.arange(256, dtype=np.float32)
        return self._about(levels, float(img_u8.mean(dtype="float64")), params)

    @staticmethod
    def _about(img, mean, params):
        f = float(params["contrast_factor"])
        if f == 1.0:
            return img
        # about the mean of every pixel and channel, as albumentations
        return (img - mean) * f + mean
