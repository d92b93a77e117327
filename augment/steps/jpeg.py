"""JPEG: a round trip through JPEG at a given quality (a picture that was sent or stored lossy)."""

from __future__ import annotations

import numpy as np

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
        """8-bit in (rounded first if float), 8-bit out: the decoded levels are whole numbers.

        Encoded by OpenCV's libjpeg-turbo, decoded by simplejpeg's, both at their accurate
        settings (islow DCT, smooth chroma upsampling): the very levels of Pillow's own round
        trip (a test compares them at several qualities, RGB and grey), in 3.3 ms of CPU for a
        1024x768 picture where Pillow took 2.1 to encode, 1.0 to copy in and out of its 4-byte
        pixels and 2.4 to decode (benchmarks/image_speed.py). simplejpeg's own encoder is not
        used: it gives other levels (up to 16 apart at quality 75), and a saved review must
        re-render bit for bit.
        """
        import cv2
        import simplejpeg

        u8 = np.ascontiguousarray(img if img.dtype == np.uint8 else _to_uint8(img))
        gray = u8.ndim == 2
        ok, encoded = cv2.imencode(
            ".jpg",
            u8 if gray else cv2.cvtColor(u8, cv2.COLOR_RGB2BGR),
            [cv2.IMWRITE_JPEG_QUALITY, int(params["quality"])],
        )
        if not ok:  # pragma: no cover (OpenCV refuses nothing a uint8 picture can be)
            raise ValueError("jpeg: OpenCV could not encode the picture")
        out = simplejpeg.decode_jpeg(
            encoded.tobytes(),
            colorspace="GRAY" if gray else "RGB",
            fastdct=False,
            fastupsample=False,
        )
        return out[..., 0] if gray else out
