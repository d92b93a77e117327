"""Blur: Gaussian blur of ``sigma_px`` pixels (an out-of-focus or shaken camera).

scipy's separable filter on the float picture, edges mirrored without repeating the edge pixel
(OpenCV's default border, so albumentations' GaussianBlur matches), kernel cut at 3 sigma (the
kernel albumentations picks for uint8 pictures).
"""

from __future__ import annotations

import numpy as np

from augment.steps._image import ImageStep, a_transform, bounds
from augment.steps.base import Param

TRUNCATE = 3.0


class Blur(ImageStep):
    name = "blur"
    title = "Blur"
    description = "Gaussian blur, sigma in pixels (out of focus, camera shake)."
    params = (Param("sigma_px", 0.0, 20.0, 1.0, "px", "Gaussian sigma", step=0.1),)
    order = 180

    @classmethod
    def to_albumentations(cls, settings):
        lo, hi = bounds(settings["sigma_px"])
        if hi <= 0.0:
            return []
        return [
            a_transform(
                "GaussianBlur",
                {"blur_limit": [0, 0], "sigma_limit": [lo, hi]},
                cls.name,
                "closest",
                "same sigma and border; OpenCV's kernel has odd size round(6 sigma + 1) and "
                "8-bit fixed-point taps, augcheck's 2 * round(3 sigma) + 1 in float",
            )
        ]

    def apply(self, img, params, ctx, rng):
        # imported here: scipy.ndimage costs 0.4-0.5 s at start-up (python -X importtime), and the
        # audio Studio never blurs
        from scipy.ndimage import gaussian_filter1d

        sigma = float(params["sigma_px"])
        if sigma <= 0.0:
            return img
        out = np.asarray(img, dtype=np.float32)
        for axis in (0, 1):
            out = gaussian_filter1d(out, sigma, axis=axis, mode="mirror", truncate=TRUNCATE)
        return out
