"""Decode uploaded images into arrays, and encode arrays for the browser and for files.

An image in augcheck is a ``numpy.uint8`` array, ``(height, width)`` for grayscale or
``(height, width, 3)`` for RGB, with the EXIF orientation already applied (a phone photo shows
the way the phone showed it). Anything else is refused with one line that names the file:
not an image, a format other than PNG/JPEG/WebP, truncated, zero-size, a decompression bomb
(Pillow's own limit) or larger than ``AUGCHECK_MAX_IMAGE_PIXELS``.
"""

from __future__ import annotations

import io
import os
import warnings
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from augment.errors import ImageError

#: The formats accepted (Pillow's names) and what a user calls them.
FORMATS = {name: name.lower() for name in ("PNG", "JPEG", "WEBP")}
#: JPEG quality of the pictures sent to the browser while tuning (fast to encode and send).
PREVIEW_QUALITY = 90
#: The names a JPEG goes by (a file format, not the jpeg step).
JPEG_NAMES = frozenset({FORMATS["JPEG"], "jpg"})
#: File extensions offered by the upload widgets.
EXTENSIONS = (FORMATS["PNG"], "jpg", FORMATS["JPEG"], FORMATS["WEBP"])
#: Default pixel limit: 40 MP, a large phone photo (the Studio redraws the whole image per move).
DEFAULT_MAX_PIXELS = 40_000_000


def max_pixels() -> int:
    """The configured pixel limit (``AUGCHECK_MAX_IMAGE_PIXELS``)."""
    raw = os.environ.get("AUGCHECK_MAX_IMAGE_PIXELS", "")
    try:
        value = int(raw) if raw.strip() else DEFAULT_MAX_PIXELS
    except ValueError:
        raise ImageError(f"AUGCHECK_MAX_IMAGE_PIXELS={raw!r} is not a whole number") from None
    if value <= 0:
        raise ImageError(f"AUGCHECK_MAX_IMAGE_PIXELS={raw!r} must be above 0")
    return value


@dataclass(frozen=True)
class DecodedImage:
    """An image ready for the steps, with what its file said."""

    pixels: np.ndarray  # uint8, (h, w) or (h, w, 3)
    format: str  # png / jpeg / webp
    width: int
    height: int
    channels: int  # 1 or 3
    had_alpha: bool
    exif_rotated: bool


def _mode_to_array(img: Image.Image) -> tuple[np.ndarray, bool]:
    """RGB or grayscale uint8; an alpha channel is composited onto white (how a viewer shows it)."""
    had_alpha = img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info)
    if img.mode in ("I;16", "I;16B", "I;16L", "I"):
        # 16-bit grayscale: keep the top 8 bits of its range
        a = np.asarray(img, dtype=np.float64)
        top = 65535.0 if a.max(initial=0) > 255 else 255.0
        return np.clip(np.round(a * (255.0 / top)), 0, 255).astype(np.uint8), False
    if img.mode == "F":
        raise ImageError("32-bit float images are not supported (PNG, JPEG or WebP, 8 or 16 bit)")
    gray = img.mode in ("1", "L", "LA") or (
        img.mode == "P" and img.palette is not None and img.palette.mode == "L"
    )
    if had_alpha:
        rgba = img.convert("LA" if gray else "RGBA")
        white = Image.new(rgba.mode, rgba.size, (255, 255) if gray else (255, 255, 255, 255))
        white.alpha_composite(rgba)
        img = white.convert("L" if gray else "RGB")
    else:
        img = img.convert("L" if gray else "RGB")
    return np.asarray(img, dtype=np.uint8).copy(), had_alpha


def _declared_size(data: bytes) -> tuple[int, int] | None:
    """The width and height a PNG header declares (Pillow refuses a 0x0 PNG as 'not an image')."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR" and len(data) >= 24:
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    return None


def decode_image(data: bytes, *, name: str = "image", limit: int | None = None) -> DecodedImage:
    """Decode PNG/JPEG/WebP bytes; raise :class:`ImageError` with one line otherwise."""
    if not data:
        raise ImageError(f"{name}: the file is empty (0 bytes)")
    limit = max_pixels() if limit is None else int(limit)
    declared = _declared_size(data)
    if declared is not None and 0 in declared:
        raise ImageError(f"{name}: the image is zero-size ({declared[0]}x{declared[1]} pixels)")
    with warnings.catch_warnings():
        # Pillow warns above MAX_IMAGE_PIXELS and raises above twice that: refuse both
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            try:
                # only the three formats' plugins: Pillow otherwise imports all of its ~40
                # (Image.init, 65 ms of the first start, which decodes the demo pictures)
                img = Image.open(io.BytesIO(data), formats=tuple(FORMATS))
            except UnidentifiedImageError:
                img = Image.open(io.BytesIO(data))  # to name what it is, or not an image
            fmt = img.format
            w, h = img.size
            if fmt not in FORMATS:
                raise ImageError(
                    f"{name}: a {fmt or 'unknown'} image; augcheck takes PNG, JPEG or WebP"
                )
            if w <= 0 or h <= 0:
                raise ImageError(f"{name}: the image is zero-size ({w}x{h} pixels)")
            if w * h > limit:
                raise ImageError(
                    f"{name}: {w}x{h} = {w * h / 1e6:.1f} MP is over the limit of "
                    f"{limit / 1e6:g} MP (AUGCHECK_MAX_IMAGE_PIXELS)"
                )
            img.load()
            exif_rotated = False
            orientation = img.getexif().get(0x0112, 1)
            if orientation not in (None, 1):
                img = ImageOps.exif_transpose(img)
                exif_rotated = True
            pixels, had_alpha = _mode_to_array(img)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ImageError(
                f"{name}: refused as a decompression bomb (more than Pillow's limit of "
                f"{Image.MAX_IMAGE_PIXELS / 1e6:.0f} MP)"
            ) from None
        except UnidentifiedImageError:
            raise ImageError(f"{name}: not an image (PNG, JPEG or WebP)") from None
        except ImageError:
            raise
        except (OSError, SyntaxError, ValueError, EOFError) as exc:
            text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            if "truncated" in text or isinstance(exc, EOFError) or "broken" in text:
                raise ImageError(f"{name}: the image is truncated or damaged ({text})") from None
            raise ImageError(f"{name}: cannot decode the image ({text})") from None
    if pixels.size == 0:
        raise ImageError(f"{name}: the image is zero-size")
    h, w = pixels.shape[:2]
    return DecodedImage(
        pixels=pixels,
        format=FORMATS[fmt],
        width=w,
        height=h,
        channels=1 if pixels.ndim == 2 else 3,
        had_alpha=had_alpha,
        exif_rotated=exif_rotated,
    )


def decode_rgba(data: bytes, *, name: str = "texture", limit: int | None = None) -> np.ndarray:
    """An overlay (texture, scratch): float32 ``(h, w, 4)`` in 0..255, alpha kept.

    Checked like :func:`decode_image` first (same one-line refusals).
    """
    decode_image(data, name=name, limit=limit)
    with Image.open(io.BytesIO(data), formats=tuple(FORMATS)) as img:
        img = ImageOps.exif_transpose(img)
        return np.asarray(img.convert("RGBA"), dtype=np.float32)


def to_uint8(pixels: np.ndarray) -> np.ndarray:
    """Round and clip a float image to ``uint8`` (what every rendering ends with)."""
    if pixels.dtype == np.uint8:
        return pixels
    out = np.empty(pixels.shape, np.float32)
    np.clip(pixels, 0.0, 255.0, out=out)
    np.rint(out, out=out)
    return out.astype(np.uint8)


def preview_bytes(pixels: np.ndarray, *, quality: int = PREVIEW_QUALITY) -> bytes:
    """A picture for the browser while tuning: JPEG, which a 1024x768 picture encodes in a few
    ms where PNG takes tens (the Studio's slider-move budget, benchmarks/image_speed.py)."""
    return encode(pixels, fmt=FORMATS["JPEG"], quality=quality)


def encode(
    pixels: np.ndarray, *, fmt: str = "png", quality: int = 92, lossless: bool = False
) -> bytes:
    """PNG (lossless, for files) or JPEG (fast, for the browser) bytes of an image; WebP lossy at
    ``quality``, or exact with ``lossless``."""
    img = Image.fromarray(to_uint8(pixels))
    buf = io.BytesIO()
    if fmt == "png":
        # compress_level 1: a 1024x768 photo in a third of the default time, ~10% larger
        img.save(buf, format="PNG", compress_level=1)
    elif fmt in JPEG_NAMES:
        img.save(buf, format="JPEG", quality=int(quality))
    elif fmt == "webp":
        img.save(buf, format="WEBP", quality=int(quality), lossless=bool(lossless))
    else:
        raise ImageError(f"format={fmt!r} is not one of png, jpeg, webp")
    return buf.getvalue()


def disguised_png_bytes(pixels: np.ndarray, *, seed) -> bytes:
    """PNG bytes of exactly ``pixels`` with a seeded random text chunk: a blind-review picture
    never has the same bytes, hash or media URL as the original shown beside it, not even the
    clean attention check (the image counterpart of ``audio.disguised_wav_bytes``, which adds
    an inaudible dither; here not one pixel changes). ``seed``: anything ``default_rng`` takes.
    """
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("augcheck", np.random.default_rng(seed).bytes(8).hex())
    buf = io.BytesIO()
    Image.fromarray(to_uint8(pixels)).save(buf, format="PNG", compress_level=1, pnginfo=info)
    return buf.getvalue()


def luminance(pixels: np.ndarray) -> np.ndarray:
    """Rec. 601 luma (as Pillow's ``convert('L')``), float32 in 0..255."""
    a = np.asarray(pixels)
    if a.ndim == 2:
        return a.astype(np.float32, copy=False)
    a = a.astype(np.float32, copy=False)
    return a[..., 0] * 0.299 + a[..., 1] * 0.587 + a[..., 2] * 0.114
