"""An image item's label: what a person must still be able to see after augmentation.

Stored as text beside the item (the column that holds a speech clip's transcript). Either a
plain class name (``scratched``) or JSON::

    {"class": "scratched", "box": [x0, y0, x1, y1]}
    {"class": "scratched", "polygon": [[x, y], [x, y], [x, y], ...]}

in pixels of the picture as stored (after its EXIF orientation). A polygon's bounding box is
where the Studio measures contrast. Anything else is refused with one line.
"""

from __future__ import annotations

import json
import math
from typing import Any

from augment.errors import ParameterError

MAX_LABEL_CHARS = 20_000


def _number(v: Any, what: str) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        raise ParameterError(f"label: {what} must be finite numbers, not {v!r}")
    return float(v)


def parse_label(text: str | None) -> dict[str, Any] | None:
    """The label as a dict (``class`` and maybe ``box``), or ``None`` for no label."""
    if text is None or not str(text).strip():
        return None
    text = str(text).strip()
    if len(text) > MAX_LABEL_CHARS:
        raise ParameterError(f"label: {len(text)} characters is over {MAX_LABEL_CHARS}")
    if not text.startswith("{"):
        return {"class": text}
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ParameterError(f"label: not valid JSON ({exc.msg} at column {exc.colno})") from None
    unknown = sorted(set(data) - {"class", "box", "polygon"})
    if unknown:
        raise ParameterError(f"label: unknown key {unknown[0]!r} (known: class, box, polygon)")
    out: dict[str, Any] = {}
    if "class" in data:
        if not isinstance(data["class"], str):
            raise ParameterError(f"label: 'class' must be text, not {data['class']!r}")
        out["class"] = data["class"]
    if "box" in data:
        box = data["box"]
        if not isinstance(box, list) or len(box) != 4:
            raise ParameterError("label: 'box' is [x0, y0, x1, y1]")
        x0, y0, x1, y1 = (_number(v, "box corners") for v in box)
        if x1 <= x0 or y1 <= y0:
            raise ParameterError(f"label: box {box!r} is empty (x1 <= x0 or y1 <= y0)")
        out["box"] = [x0, y0, x1, y1]
    if "polygon" in data:
        poly = data["polygon"]
        if (
            not isinstance(poly, list)
            or len(poly) < 3
            or not all(isinstance(p, list) and len(p) == 2 for p in poly)
        ):
            raise ParameterError("label: 'polygon' is a list of at least 3 [x, y] points")
        pts = [[_number(x, "polygon points"), _number(y, "polygon points")] for x, y in poly]
        out["polygon"] = pts
        if "box" not in out:
            xs, ys = [p[0] for p in pts], [p[1] for p in pts]
            out["box"] = [min(xs), min(ys), max(xs), max(ys)]
    return out


def label_box(text: str | None) -> list[float] | None:
    """The box where the label's contrast is measured, or ``None``."""
    label = parse_label(text)
    return None if label is None else label.get("box")


def label_class(text: str | None) -> str | None:
    label = parse_label(text)
    return None if label is None else label.get("class")
