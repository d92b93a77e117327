"""Checklist question 3 for pictures: a model that classifies a picture, run on both versions.

Name it with ``AUGCHECK_IMAGE_MODEL=module:function`` (or with ``AUGCHECK_MODEL`` when the
function says ``fn.modality = "image"``; one variable can then serve a team that only does
pictures). The function takes the picture, a ``uint8`` numpy array ``(h, w, 3)`` (RGB) or
``(h, w)`` (grey), and returns ``(label, confidence)``, ``confidence`` in [0, 1]. The augmented
picture counts as poor for the model when its label differs from the original's, or the
confidence in it falls by 0.3 or more (the rule of audio label models). ``plugins/
example_image_model.py`` is a worked example that needs no download (and is not a real model).
Without a configured image model the Studio leaves question 3 to the reviewer.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from typing import Any

import numpy as np

from augment.errors import ModelError
from augment.model import _SPEC, MODEL_ENV, POOR_CONFIDENCE_DROP, _one_line, _to_output

IMAGE_MODEL_ENV = "AUGCHECK_IMAGE_MODEL"


class ImageModel:
    """``model(pixels) -> (label, confidence)``, checked on every call; ``.name``."""

    def __init__(self, name: str, fn: Callable[[np.ndarray], Any]) -> None:
        self.name = name
        self._fn = fn

    def __call__(self, pixels: np.ndarray) -> tuple[str, float]:
        try:
            raw = self._fn(np.ascontiguousarray(pixels, dtype=np.uint8))
        except Exception as exc:
            raise ModelError(f"model {self.name!r} failed: {_one_line(exc)}") from exc
        out = _to_output(self.name, raw)
        if out.kind != "label":
            raise ModelError(
                f"model {self.name!r} returned a transcript; an image model returns "
                "(label, confidence)"
            )
        return str(out.label), float(out.confidence)


def _resolve(spec: str, where: str):
    m = _SPEC.match(spec)
    if not m:
        raise ModelError(f"{where}={spec!r} is not of the form module:function")
    module_name, func_name = m.groups()
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:
        raise ModelError(
            f"{where}={spec!r}: cannot import module {module_name!r} ({_one_line(exc)})"
        ) from None
    fn = getattr(module, func_name, None)
    if fn is None or not callable(fn):
        raise ModelError(f"{where}={spec!r}: module {module_name!r} has no function {func_name!r}")
    return fn


def load_image_model(spec: str | None = None) -> ImageModel | None:
    """The image model named by ``spec``, ``$AUGCHECK_IMAGE_MODEL`` or an image-declaring
    ``$AUGCHECK_MODEL``; ``None`` when none is configured. A bad spec is one-line ModelError."""
    if spec is not None:
        return ImageModel(spec.strip(), _resolve(spec.strip(), "model spec"))
    own = os.environ.get(IMAGE_MODEL_ENV, "").strip()
    if own:
        return ImageModel(own, _resolve(own, IMAGE_MODEL_ENV))
    shared = os.environ.get(MODEL_ENV, "").strip()
    if shared:
        try:
            fn = _resolve(shared, MODEL_ENV)
        except ModelError:
            return None  # the audio side reports a bad AUGCHECK_MODEL
        if getattr(fn, "modality", None) == "image":
            return ImageModel(shared, fn)
    return None


def image_model_report(
    model: ImageModel, original: np.ndarray, augmented: np.ndarray
) -> dict[str, Any]:
    """The model on both pictures, and whether it does poorly on the augmented one."""
    lo, co = model(original)
    la, ca = model(augmented)
    poor = la != lo or (co - ca) >= POOR_CONFIDENCE_DROP
    return {
        "kind": "label",
        "model": model.name,
        "label_original": lo,
        "label_augmented": la,
        "confidence_original": round(co, 4),
        "confidence_augmented": round(ca, 4),
        "poor": bool(poor),
    }
