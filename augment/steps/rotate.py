"""Rotate: turn the picture about its centre, same size, corners filled with black."""

from __future__ import annotations

import math

import numpy as np
from PIL import Image

from augment.steps._image import ImageStep, a_transform, bounds
from augment.steps.base import Param


class Rotate(ImageStep):
    name = "rotate"
    title = "Rotate"
    description = "Turn about the centre (positive: counter-clockwise); same size, black corners."
    params = (Param("angle_deg", -180.0, 180.0, 0.0, "deg", "counter-clockwise", step=1.0),)
    geometric = True
    order = 120

    @classmethod
    def to_albumentations(cls, settings):
        lo, hi = bounds(settings["angle_deg"])
        return [
            a_transform(
                "Rotate",
                {"limit": [lo, hi], "interpolation": 1, "border_mode": 0, "fill": 0.0},
                cls.name,
                "closest",
                "same angle and bilinear interpolation, black corners; OpenCV turns about the "
                "pixel centre (w-1)/2, Pillow about w/2: edges differ by up to half a pixel",
            )
        ]

    def apply(self, img, params, ctx, rng):
        angle = float(params["angle_deg"])
        if angle == 0.0:
            return img
        # Pillow's bilinear rotation on 32-bit float planes keeps the float chain (no rounding)
        planes = [img] if img.ndim == 2 else [img[..., c] for c in range(img.shape[2])]
        out = [
            np.asarray(
                Image.fromarray(np.ascontiguousarray(p, dtype=np.float32), mode="F").rotate(
                    angle, resample=Image.Resampling.BILINEAR, expand=False, fillcolor=0.0
                ),
                dtype=np.float32,
            )
            for p in planes
        ]
        return out[0] if img.ndim == 2 else np.stack(out, axis=-1)

    def move_points(self, points, params, hw):
        h, w = hw
        a = math.radians(float(params["angle_deg"]))
        cx, cy = w / 2.0, h / 2.0
        p = np.asarray(points, dtype=np.float64)
        dx, dy = p[:, 0] - cx, p[:, 1] - cy
        # counter-clockwise on screen, where y grows downwards
        x = cx + dx * math.cos(a) + dy * math.sin(a)
        y = cy - dx * math.sin(a) + dy * math.cos(a)
        return np.stack([x, y], axis=1)
