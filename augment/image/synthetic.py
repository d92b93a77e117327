"""Pictures augcheck draws itself: a phone-like object on a plain background, with or without
scratches on its screen (the demo material and the tests' pictures; no download, no licence).
"""

from __future__ import annotations

import math

import numpy as np
from PIL import Image, ImageDraw, ImageFilter


def phone_picture(
    width: int = 640, height: int = 480, *, scratched: bool = False, seed: int = 0
) -> tuple[np.ndarray, dict]:
    """An RGB ``uint8`` picture of a phone lying on a table, and its label.

    The label is ``{"class": "scratched" | "clean"}``, with ``"box": [x0, y0, x1, y1]`` around
    the scratches when there are some.
    """
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    # table: warm light grey with a soft light fall-off
    fall = 1.0 - 0.25 * (((x - 0.3 * width) / width) ** 2 + ((y - 0.2 * height) / height) ** 2)
    bg = np.stack([214 * fall, 206 * fall, 194 * fall], axis=-1)
    img = Image.fromarray(np.clip(bg, 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(img)
    pw, ph = int(0.34 * width), int(0.84 * height)
    px0, py0 = (width - pw) // 2, (height - ph) // 2
    radius = int(0.12 * pw)
    # shadow, body, screen, camera, speaker slot
    shadow = Image.new("L", (width, height), 0)
    ImageDraw.Draw(shadow).rounded_rectangle(
        (px0 + 8, py0 + 10, px0 + pw + 8, py0 + ph + 10), radius, fill=110
    )
    shadow = shadow.filter(ImageFilter.GaussianBlur(max(2, width // 80)))
    img = Image.composite(Image.new("RGB", img.size, (90, 86, 80)), img, shadow)
    draw = ImageDraw.Draw(img)
    draw.rounded_rectangle((px0, py0, px0 + pw, py0 + ph), radius, fill=(38, 40, 46))
    m = max(3, pw // 18)
    sx0, sy0, sx1, sy1 = px0 + m, py0 + 3 * m, px0 + pw - m, py0 + ph - 3 * m
    draw.rounded_rectangle((sx0, sy0, sx1, sy1), radius // 3, fill=(22, 26, 34))
    cr = max(2, m // 2)
    ccx, ccy = px0 + pw // 2, py0 + int(1.5 * m)
    draw.ellipse((ccx - cr, ccy - cr, ccx + cr, ccy + cr), fill=(10, 12, 16))
    draw.rounded_rectangle(
        (ccx - 3 * m, ccy + cr + 2, ccx + 3 * m, ccy + cr + 4), 1, fill=(60, 62, 66)
    )
    a = np.asarray(img, dtype=np.float32)
    # a diagonal reflection across the glass
    band = np.exp(-(((x - sx0) - 0.8 * (y - sy0) - 0.15 * pw) ** 2) / (2 * (0.12 * pw) ** 2))
    on_screen = (x >= sx0) & (x < sx1) & (y >= sy0) & (y < sy1)
    a += (18.0 * band * on_screen)[..., None]
    label: dict = {"class": "clean"}
    if scratched:
        layer = Image.new("L", (width, height), 0)
        d = ImageDraw.Draw(layer)
        boxes = []
        for _ in range(3):
            length = rng.uniform(0.25, 0.45) * (sy1 - sy0)
            ang = rng.uniform(-0.6, 0.6) + math.pi / 2
            cx = rng.uniform(sx0 + 0.3 * (sx1 - sx0), sx1 - 0.3 * (sx1 - sx0))
            cy = rng.uniform(sy0 + 0.3 * (sy1 - sy0), sy1 - 0.3 * (sy1 - sy0))
            dx, dy = 0.5 * length * math.cos(ang), 0.5 * length * math.sin(ang)
            pts = [(cx - dx, cy - dy), (cx + 0.1 * dy, cy - 0.1 * dx), (cx + dx, cy + dy)]
            d.line(pts, fill=255, width=max(1, width // 320), joint="curve")
            boxes.append([min(p[0] for p in pts), min(p[1] for p in pts)])
            boxes.append([max(p[0] for p in pts), max(p[1] for p in pts)])
        layer = layer.filter(ImageFilter.GaussianBlur(0.6))
        s = np.asarray(layer, dtype=np.float32)[..., None] / 255.0
        a = a * (1 - 0.75 * s) + 200.0 * 0.75 * s
        b = np.array(boxes)
        pad = 6
        label = {
            "class": "scratched",
            "box": [
                int(max(0, b[:, 0].min() - pad)),
                int(max(0, b[:, 1].min() - pad)),
                int(min(width, b[:, 0].max() + pad)),
                int(min(height, b[:, 1].max() + pad)),
            ],
        }
    # a little sensor grain so it looks photographed, not drawn
    a += rng.normal(0.0, 1.6, a.shape).astype(np.float32)
    return np.clip(np.rint(a), 0, 255).astype(np.uint8), label


def scratch_overlay(width: int = 256, height: int = 96, *, seed: int = 0) -> np.ndarray:
    """An RGBA ``uint8`` overlay: a few light scratches on a transparent background."""
    rng = np.random.default_rng(seed)
    layer = Image.new("L", (width, height), 0)
    d = ImageDraw.Draw(layer)
    for _ in range(4):
        y0 = rng.uniform(0.2, 0.8) * height
        pts = [
            (rng.uniform(0, 0.2) * width, y0),
            (0.5 * width, y0 + rng.normal(0, 0.1 * height)),
            (rng.uniform(0.8, 1.0) * width, y0 + rng.normal(0, 0.2 * height)),
        ]
        d.line(pts, fill=int(rng.uniform(150, 255)), width=2, joint="curve")
    alpha = np.asarray(layer.filter(ImageFilter.GaussianBlur(0.7)), dtype=np.uint8)
    rgba = np.zeros((height, width, 4), np.uint8)
    rgba[..., :3] = 235
    rgba[..., 3] = alpha
    return rgba
