"""Gamma: darken (>1) or lift (<1) the mid-tones, keeping black and white where they are."""

from __future__ import annotations

import numpy as np

from augment.steps._image import ImageStep, a_transform, bounds
from augment.steps.base import Param


class Gamma(ImageStep):
    name = "gamma"
    title = "Gamma"
    description = "out = 255 * (in / 255) ** gamma: >1 darker mid-tones, <1 lighter."
    params = (Param("gamma", 0.2, 5.0, 1.0, "x", "1 keeps the picture", step=0.05),)
    order = 170

    @classmethod
    def to_albumentations(cls, settings):
        lo, hi = bounds(settings["gamma"])
        return [
            a_transform(
                "RandomGamma",
                {"gamma_limit": [100.0 * lo, 100.0 * hi]},
                cls.name,
                "exact",
                "the same curve; albumentations' 8-bit table truncates, augcheck rounds (1 level)",
            )
        ]

    point = True

    def lut(self, img_u8, params):
        return self.apply(np.arange(256, dtype=np.float32), params, None, None)

    def apply(self, img, params, ctx, rng):
        g = float(params["gamma"])
        if g == 1.0:
            return img
        x = np.clip(img, 0.0, 255.0) * np.float32(1.0 / 255.0)
        return np.power(x, np.float32(g)) * np.float32(255.0)
