"""JPEG: a round trip through JPEG at a given quality (a picture that was sent or stored lossy)."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from augment.steps._image import ImageStep, a_transform, bounds
from augment.steps.base import Param


def _to_uint8(img: np.ndarray) -> np.ndarray:
    return np.rint(np.clip(img, 0.0, 255.0)).astype(np.uint8)


class Jpeg(ImageStep):
    name = "jpeg"
    title = "JPEG"
    description = "Encode and decode as JPEG (libjpeg-turbo, 4:2:0 chroma); 100 is near-lossless."
    params = (Param("quality", 1.0, 100.0, 75.0, "/100", "JPEG quality (whole number)", step=1.0),)
    order = 200

    @classmethod
    def to_albumentations(cls, settings):
        lo, hi = bounds(settings["quality"])
        return [
            a_transform(
                "ImageCompression",
                {"compression_type": "jpeg", "quality_range": [int(round(lo)), int(round(hi))]},
                cls.name,
                "closest",
                "same quality and 4:2:0 chroma; OpenCV's and Pillow's libjpeg builds differ in "
                "chroma upsampling by a level or two",
            )
        ]

    def sample(self, settings, rng, shape, ctx):
        out = super().sample(settings, rng, shape, ctx)
        out["quality"] = float(round(out["quality"]))
        return out

    quantizes_input = True

    def apply(self, img, params, ctx, rng):
        """8-bit in (rounded first if float), 8-bit out: the decoded levels are whole numbers."""
        u8 = img if img.dtype == np.uint8 else _to_uint8(img)
        return self.apply_pil(Image.fromarray(np.ascontiguousarray(u8)), params)

    def apply_pil(self, pil: Image.Image, params) -> np.ndarray:
        """The round trip of a Pillow picture (the 8-bit fast path hands one over): encoded by
        Pillow, decoded by simplejpeg, the same libjpeg-turbo decoder with the same settings
        (accurate DCT, smooth chroma upsampling), so the very same levels (a test compares
        them), straight into a numpy array: 1.4 ms for a 1024x768 picture where Pillow's
        decode and the copy out of its 4-byte pixels took 3.0 + 0.4 ms (benchmarks/image_speed.py).
        The encoding stays Pillow's: simplejpeg's encoder gives other coefficients (up to 16
        levels apart at quality 75), so a saved review would no longer be re-made bit for bit.
        """
        import simplejpeg

        buf = io.BytesIO()
        pil.save(buf, format="JPEG", quality=int(params["quality"]))
        gray = pil.mode == "L"
        out = simplejpeg.decode_jpeg(
            buf.getvalue(), colorspace="GRAY" if gray else "RGB", fastdct=False, fastupsample=False
        )
        return out[..., 0] if gray else out
