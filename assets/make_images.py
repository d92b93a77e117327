"""Regenerate augcheck's demo pictures into ``assets/`` and list them in ``manifest.json``.

Run from the repository root::

    python assets/make_images.py

The pictures are drawn by :mod:`augment.image.synthetic` (a phone-like object on a table, with
and without scratches on its screen, and a transparent scratch overlay), so they carry no licence
question. The script keeps the audio entries of ``manifest.json`` and replaces the image ones.
"""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

from PIL import Image

ASSETS_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(ASSETS_DIR.parent))

from augment.image.synthetic import phone_picture, scratch_overlay  # noqa: E402

PICTURES = [
    # file, name, scratched, seed, format options
    ("image_phone_clean.jpg", "Phone, clean", False, 1, {"quality": 90}),
    ("image_phone_scratched.jpg", "Phone, scratched screen", True, 2, {"quality": 90}),
    ("image_phone_scratched_b.webp", "Phone, scratched screen B", True, 5, {"quality": 90}),
]


def main() -> None:
    manifest_path = ASSETS_DIR / "manifest.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else []
    manifest = [m for m in manifest if m["kind"] not in ("image", "texture")]
    for file, name, scratched, seed, options in PICTURES:
        pixels, label = phone_picture(640, 480, scratched=scratched, seed=seed)
        buf = io.BytesIO()
        fmt = "WEBP" if file.endswith(".webp") else "JPEG"
        Image.fromarray(pixels).save(buf, format=fmt, **options)
        (ASSETS_DIR / file).write_bytes(buf.getvalue())
        manifest.append(
            {"file": file, "name": name, "kind": "image", "transcript": json.dumps(label)}
        )
    buf = io.BytesIO()
    Image.fromarray(scratch_overlay(256, 96, seed=3), "RGBA").save(buf, format="PNG")
    (ASSETS_DIR / "overlay_scratches.png").write_bytes(buf.getvalue())
    manifest.append(
        {
            "file": "overlay_scratches.png",
            "name": "Light scratches (transparent overlay)",
            "kind": "texture",
            "transcript": None,
        }
    )
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n")
    for m in manifest[-4:]:
        print(m["file"], (ASSETS_DIR / m["file"]).stat().st_size, "bytes")


if __name__ == "__main__":
    main()
