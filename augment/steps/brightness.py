"""Brightness: a brighter or darker exposure, in EV (stops): each EV doubles or halves the light.

EV rather than a factor because darkness is what breaks a label: -1, -2, -3 EV are evenly spaced
steps towards "nobody can see the scratch", where factors 0.5, 0.25, 0.125 are not.
"""

from __future__ import annotations

import numpy as np

from augment.steps._image import ImageStep, a_transform, bounds
from augment.steps.base import Param


class Brightness(ImageStep):
    name = "brightness"
    title = "Brightness"
    description = "Brighter or darker exposure in EV (x2 per EV); past white the picture clips."
    params = (Param("exposure_ev", -6.0, 3.0, 0.0, "EV", "stops: +1 doubles, -1 halves", step=0.1),)
    order = 150
    default_on = True

    @classmethod
    def to_albumentations(cls, settings):
        lo, hi = bounds(settings["exposure_ev"])
        ranged = lo != hi
        return [
            a_transform(
                "MultiplicativeNoise",
                {"multiplier": [2.0**lo, 2.0**hi], "per_channel": False, "elementwise": False},
                cls.name,
                "closest" if ranged else "exact",
                "the same factor 2**EV (albumentations rounds each step to 8 bits, augcheck once "
                "at the end: at most 1 level apart)"
                + (
                    "; a range is drawn uniformly in the factor, augcheck draws it in EV"
                    if ranged
                    else ""
                ),
            )
        ]

    point = True

    def apply(self, img, params, ctx, rng):
        return img * float(2.0 ** params["exposure_ev"])

    def lut(self, img_u8, params):
        return self.apply(np.arange(256, dtype=np.float32), params, None, None)
