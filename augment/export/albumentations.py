"""Image recipes to albumentations: ``Compose`` code and its ``to_dict`` JSON.

The JSON is exactly what ``albumentations.to_dict(compose)`` writes, so ``A.from_dict`` loads it,
in albumentations 2.0.8 (the last MIT release) and in its AGPL successor AlbumentationsX alike.
albumentations is never imported here (it is a dev/test dependency only): each image step says
what it maps to (``to_albumentations``), with how close the match is and the measured difference.
"""

from __future__ import annotations

import json
import textwrap
from typing import Any

from augment.errors import ParameterError
from augment.recipe import Recipe
from augment.steps import STEPS

#: The albumentations version the JSON declares (the last MIT release; AlbumentationsX reads it).
ALBUMENTATIONS_VERSION = "2.0.8"


def transforms(recipe: Recipe) -> list[dict[str, Any]]:
    """Every step's transforms, each still carrying its ``__augcheck__`` match and note."""
    if recipe.modality == "audio":
        raise ParameterError("recipe: its steps are for audio; export it to audiomentations")
    out: list[dict[str, Any]] = []
    for cfg in recipe.steps:
        mapping = getattr(STEPS[cfg.step], "to_albumentations", None)
        if mapping is None:
            raise ParameterError(f"no albumentations export for step {cfg.step!r}")
        out.extend(mapping(cfg.settings))
    return out


def _strip(t: Any) -> Any:
    """Without augcheck's notes, floats to 10 decimals (0.2, not 1 - 0.8 = 0.19999999999999996)."""
    if isinstance(t, dict):
        return {k: _strip(v) for k, v in t.items() if k != "__augcheck__"}
    if isinstance(t, (list, tuple)):
        return [_strip(v) for v in t]
    if isinstance(t, float):
        return round(t, 10)
    return t


def to_albumentations_dict(recipe: Recipe) -> dict[str, Any]:
    """``A.to_dict(A.Compose([...]))`` of the recipe (steps with no counterpart are left out)."""
    kept = [t for t in transforms(recipe) if t["__augcheck__"]["match"] != "none"]
    return {
        "__version__": ALBUMENTATIONS_VERSION,
        "transform": {
            "__class_fullname__": "Compose",
            "p": 1.0,
            "transforms": [_strip(t) for t in kept],
            "bbox_params": None,
            "keypoint_params": None,
            "additional_targets": {},
            "is_check_shapes": True,
        },
    }


def to_albumentations_json(recipe: Recipe) -> str:
    return json.dumps(to_albumentations_dict(recipe), indent=2)


def _value(v: Any) -> str:
    if isinstance(v, list):
        return "(" + ", ".join(_value(x) for x in v) + ")"
    return repr(v)


def _call(t: dict[str, Any], indent: str) -> list[str]:
    name = t["__class_fullname__"]
    kwargs = {k: v for k, v in _strip(t).items() if k != "__class_fullname__"}
    children = kwargs.pop("transforms", None)
    args = ", ".join(f"{k}={_value(v)}" for k, v in kwargs.items())
    if children is None:
        return [f"{indent}A.{name}({args}),"]
    lines = [f"{indent}A.{name}(["]
    for child in children:
        lines += _call(child, indent + "    ")
    lines.append(f"{indent}], {args}),")
    return lines


def to_albumentations_code(recipe: Recipe) -> str:
    """Python that builds the same pipeline, one comment per step saying how close it is."""
    lines = [
        f"# augcheck recipe {recipe.id}: {recipe.name or '(unnamed)'!r}".replace("\n", " "),
        f"# albumentations {ALBUMENTATIONS_VERSION} (MIT) or AlbumentationsX; every step p=1",
        "import albumentations as A",
        "",
        "transform = A.Compose([",
    ]
    for t in transforms(recipe):
        info = t["__augcheck__"]
        text = f"{info['step']}: {info['match']}: {info['note']}"
        lines += textwrap.wrap(text, 96, initial_indent="    # ", subsequent_indent="    #   ")
        if info["match"] == "none":
            continue
        lines += _call(t, "    ")
    lines.append("])")
    lines.append("")
    lines.append('# augmented = transform(image=image)["image"]  # uint8 HxWx3 (RGB) or HxW')
    return "\n".join(lines) + "\n"
