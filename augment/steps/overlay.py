"""Overlay: paste an uploaded texture or scratch picture (with its alpha) onto the picture.

The image counterpart of ``background_noise``: the source comes from the library (media kind
``texture``), one is drawn when several are given, and where it lands is drawn and recorded
(``x_frac``, ``y_frac``: its centre as a share of the width and height) so a review re-renders
it exactly. Where the overlay covers the picture (alpha over one half) is added to the
defect mask: a pasted scratch is a new label.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from augment.errors import ParameterError
from augment.steps._image import ImageSource, ImageStep, a_transform, shape_hw
from augment.steps.base import Param


class Overlay(ImageStep):
    name = "overlay"
    title = "Overlay"
    description = "Paste an uploaded texture or scratch (alpha kept) at a random place."
    draws_defects = True
    order = 140
    drawn_keys = ("overlay", "overlay_name", "x_frac", "y_frac")
    source_keys = {"overlay": "texture"}

    @classmethod
    def to_albumentations(cls, settings):
        return [
            a_transform(
                "NoOp",
                {},
                cls.name,
                "none",
                "albumentations' OverlayElements needs per-picture metadata, not a texture "
                "folder: render overlays offline with augcheck (`augment render`)",
            )
        ]

    params = (
        Param("opacity", 0.0, 1.0, 0.8, "blend", "0 invisible, 1 as uploaded", step=0.05),
        Param(
            "scale_frac", 0.05, 1.0, 0.3, "of width", "overlay width as a share of the picture's"
        ),
    )

    def _source(self, ctx, rng) -> ImageSource:
        if not ctx.overlays:
            raise ParameterError("overlay: no overlay picture given (pick or upload one)")
        if len(ctx.overlays) == 1:
            return ctx.overlays[0]
        return ctx.overlays[int(rng.integers(len(ctx.overlays)))]

    def sample(self, settings, rng, shape, ctx):
        out = super().sample(settings, rng, shape, ctx)
        src = self._source(ctx, rng)
        out["overlay"] = src.id
        out["overlay_name"] = src.name
        out["x_frac"] = float(rng.uniform(0.0, 1.0))
        out["y_frac"] = float(rng.uniform(0.0, 1.0))
        return out

    def apply(self, img, params, ctx, rng):
        src = next((s for s in ctx.overlays if s.id == params["overlay"]), None)
        if src is None:
            raise ParameterError(f"overlay: overlay {params['overlay']!r} is not available")
        h, w = shape_hw(img)
        oh, ow = src.rgba.shape[:2]
        tw = max(1, int(round(float(params["scale_frac"]) * w)))
        th = max(1, int(round(oh * tw / ow)))
        tex = np.asarray(
            Image.fromarray(np.rint(np.clip(src.rgba, 0, 255)).astype(np.uint8), "RGBA").resize(
                (tw, th), Image.Resampling.BILINEAR
            ),
            dtype=np.float32,
        )
        x0 = int(round(float(params["x_frac"]) * w - tw / 2))
        y0 = int(round(float(params["y_frac"]) * h - th / 2))
        ix0, iy0, ix1, iy1 = max(0, x0), max(0, y0), min(w, x0 + tw), min(h, y0 + th)
        if ix1 <= ix0 or iy1 <= iy0:
            return img
        part = tex[iy0 - y0 : iy1 - y0, ix0 - x0 : ix1 - x0]
        a = part[..., 3] * np.float32(float(params["opacity"]) / 255.0)
        rgb = part[..., :3]
        if img.ndim == 2:
            rgb = rgb[..., 0] * 0.299 + rgb[..., 1] * 0.587 + rgb[..., 2] * 0.114
        else:
            a = a[..., None]
        out = np.array(img, dtype=np.float32, copy=True)
        region = out[iy0:iy1, ix0:ix1]
        out[iy0:iy1, ix0:ix1] = region * (1.0 - a) + rgb * a
        if ctx.mask is not None:
            cover = a if a.ndim == 2 else a[..., 0]
            ctx.add_mask(cover > 0.5, (slice(iy0, iy1), slice(ix0, ix1)))
        return out
