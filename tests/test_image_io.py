"""Decoding images: every kind of bad input is one clear line; good ones come out right side up."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from augment.errors import AugcheckError, ImageError
from augment.image import decode_image, decode_rgba, encode
from augment.image.synthetic import phone_picture


def save(img: Image.Image, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format=fmt, **kw)
    return buf.getvalue()


@pytest.fixture(scope="module")
def phone():
    return phone_picture(160, 120, seed=1)[0]


@pytest.mark.parametrize("fmt,name", [("PNG", "png"), ("JPEG", "jpeg"), ("WEBP", "webp")])
def test_formats_decode_to_rgb(phone, fmt, name):
    data = save(Image.fromarray(phone), fmt, **({"quality": 95} if fmt != "PNG" else {}))
    out = decode_image(data, name=f"x.{name}")
    assert out.format == name
    assert out.pixels.shape == (120, 160, 3) and out.pixels.dtype == np.uint8
    assert (out.width, out.height, out.channels) == (160, 120, 3)
    tol = 0 if fmt == "PNG" else 12
    assert np.abs(out.pixels.astype(int) - phone).mean() <= tol


def test_grayscale_stays_grayscale(phone):
    gray = Image.fromarray(phone).convert("L")
    out = decode_image(save(gray, "PNG"))
    assert out.pixels.ndim == 2 and out.channels == 1
    np.testing.assert_array_equal(out.pixels, np.asarray(gray))


def test_sixteen_bit_grayscale_keeps_its_range():
    a = (np.arange(64 * 64).reshape(64, 64) * 16).astype(np.uint16)
    out = decode_image(save(Image.fromarray(a), "PNG"))
    assert out.pixels.dtype == np.uint8 and out.pixels.max() == round(int(a.max()) * 255 / 65535)


def test_alpha_is_composited_on_white():
    rgba = np.zeros((8, 8, 4), np.uint8)
    rgba[..., 0] = 255
    rgba[:4, :, 3] = 255  # top half opaque red, bottom half fully transparent
    out = decode_image(save(Image.fromarray(rgba, "RGBA"), "PNG"))
    assert out.had_alpha
    assert tuple(out.pixels[0, 0]) == (255, 0, 0)
    assert tuple(out.pixels[7, 0]) == (255, 255, 255)


def test_exif_orientation_is_applied():
    a = np.zeros((20, 40, 3), np.uint8)
    a[:, :10] = 255  # white on the left
    img = Image.fromarray(a)
    exif = img.getexif()
    exif[0x0112] = 6  # stored rotated: a viewer turns it 90 degrees clockwise
    out = decode_image(save(img, "JPEG", exif=exif.tobytes(), quality=95))
    assert out.exif_rotated
    assert out.pixels.shape == (40, 20, 3)
    assert out.pixels[:10].mean() > 200 and out.pixels[-10:].mean() < 50  # left went to the top


@pytest.mark.parametrize(
    "data,words",
    [
        (b"", "empty"),
        (b"RIFF....WAVEfmt definitely not a picture", "not an image"),
        ("héllo".encode(), "not an image"),
    ],
)
def test_not_images(data, words):
    with pytest.raises(ImageError, match=words):
        decode_image(data, name="bad.png")


def test_truncated(phone):
    data = save(Image.fromarray(phone), "PNG")
    with pytest.raises(ImageError, match="truncated|damaged|cannot decode") as e:
        decode_image(data[: len(data) // 2], name="half.png")
    assert "half.png" in str(e.value) and "\n" not in str(e.value)
    jpg = save(Image.fromarray(phone), "JPEG")
    with pytest.raises(ImageError, match="truncated|damaged"):
        decode_image(jpg[: len(jpg) // 2], name="half.jpg")


def test_other_formats_are_named():
    data = save(Image.fromarray(np.zeros((4, 4, 3), np.uint8)), "GIF")
    with pytest.raises(ImageError, match="a GIF image; augcheck takes PNG, JPEG or WebP"):
        decode_image(data)


def test_zero_size_png_is_refused():
    # a PNG header that claims 0x0 pixels (Pillow itself cannot make one)
    import struct
    import zlib

    def chunk(kind, body):
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    data = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 0, 0, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(b""))
        + chunk(b"IEND", b"")
    )
    with pytest.raises(ImageError, match="zero-size .0x0 pixels"):
        decode_image(data, name="zero.png")


def test_over_the_configured_size(phone, monkeypatch):
    data = save(Image.fromarray(phone), "PNG")
    monkeypatch.setenv("AUGCHECK_MAX_IMAGE_PIXELS", "10000")
    with pytest.raises(ImageError, match=r"160x120 = 0.0 MP is over the limit .*MAX_IMAGE_PIXELS"):
        decode_image(data, name="big.png")
    monkeypatch.setenv("AUGCHECK_MAX_IMAGE_PIXELS", "lots")
    with pytest.raises(ImageError, match="not a whole number"):
        decode_image(data)


def test_decompression_bomb_uses_pillows_limit(monkeypatch):
    # a tiny file that claims many pixels: 4000 x 4000 of zeros compresses to a few KB
    data = save(Image.new("L", (4000, 4000)), "PNG")
    assert len(data) < 100_000
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1_000_000)
    with pytest.raises(ImageError, match="decompression bomb"):
        decode_image(data, name="bomb.png", limit=10**9)


def test_errors_are_one_family():
    assert issubclass(ImageError, AugcheckError)


def test_encode_round_trips(phone):
    back = decode_image(encode(phone, fmt="png")).pixels
    np.testing.assert_array_equal(back, phone)
    jpg = decode_image(encode(phone, fmt="jpeg", quality=90))
    assert jpg.format == "jpeg" and np.abs(jpg.pixels.astype(int) - phone).mean() < 4
    with pytest.raises(ImageError, match="format='bmp'"):
        encode(phone, fmt="bmp")


def test_overlay_keeps_alpha():
    rgba = np.zeros((10, 10, 4), np.uint8)
    rgba[..., 3] = 128
    out = decode_rgba(save(Image.fromarray(rgba, "RGBA"), "PNG"))
    assert out.shape == (10, 10, 4) and out[..., 3].max() == 128
