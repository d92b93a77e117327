"""What every image step shares (the image counterpart of ``base.Step``).

An image travels through a recipe as ``float32`` in 0..255, ``(h, w)`` or ``(h, w, 3)``, and is
rounded and clipped to ``uint8`` once at the end (as audio is clipped once at the end), so a
chain of brightness and contrast does not lose levels between steps. A step samples its
concrete values first (``sample``, same ``Param``/``Choice`` specs, same seeded generator as the
audio steps) and then applies them; the same values give the same pixels, bit for bit.

Geometric steps (``geometric = True``) move pixels: they also move the label box and the scratch
mask, so a drawn scratch stays a correct label after a later flip.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from augment.steps.base import Step


@dataclass(frozen=True)
class ImageSource:
    """An overlay (texture, scratch photo) a step draws on: float32 RGBA in 0..255."""

    id: str
    name: str
    rgba: np.ndarray


@dataclass
class ImageContext:
    """What an image step may use besides the picture: overlays, the mask of drawn defects."""

    overlays: tuple[ImageSource, ...] = ()
    report: dict[str, Any] = field(default_factory=dict)
    #: pixels where a step drew a new defect (scratches, overlay); ``None`` until one does
    mask: np.ndarray | None = None

    def add_mask(self, region: np.ndarray, where: tuple[slice, slice] | None = None) -> None:
        """Mark ``region`` (bool, the image's size or the size of ``where``) as a new defect."""
        if self.mask is None:
            raise RuntimeError("ImageContext.mask must be set to the image size first")
        if where is None:
            self.mask |= region
        else:
            self.mask[where] |= region


def shape_hw(img: np.ndarray) -> tuple[int, int]:
    return int(img.shape[0]), int(img.shape[1])


class ImageStep(Step):
    """Base class of the image steps; subclasses implement ``apply`` on float32 pixels."""

    modality: ClassVar[str] = "image"
    #: True when the step moves pixels (the label box and the defect mask move with them)
    geometric: ClassVar[bool] = False
    #: True when the step draws new defects (its pixels go into the rendering's mask)
    draws_defects: ClassVar[bool] = False
    # --- the 8-bit fast path (offline rendering: see augment.image.render) ----------------
    #: only moves pixels around (flip): ``apply`` works on uint8 unchanged
    permutes: ClassVar[bool] = False
    #: maps each level to a level (brightness, contrast, gamma): ``lut`` gives the 256-entry
    #: table whose rounded output equals ``apply`` followed by rounding, bit for bit
    point: ClassVar[bool] = False
    #: rounds its input to 8 bits first anyway (jpeg): ``apply`` takes uint8, returns uint8
    quantizes_input: ClassVar[bool] = False

    def lut(self, img_u8: np.ndarray, params: dict[str, Any]) -> np.ndarray:
        """The float32 value of each of the 256 input levels (for ``point`` steps)."""
        raise NotImplementedError

    def sample(self, settings, rng, shape, ctx):  # noqa: D401 (same contract as Step.sample)
        """Draw concrete values; ``shape`` is the image's ``(h, w[, c])``."""
        return super().sample(settings, rng, 0, ctx)

    def apply(
        self, img: np.ndarray, params: dict[str, Any], ctx: ImageContext, rng: np.random.Generator
    ) -> np.ndarray:
        raise NotImplementedError

    def move_points(self, points: np.ndarray, params: dict[str, Any], hw: tuple[int, int]):
        """Where points ``(n, 2)`` of ``(x, y)`` in pixel-edge coordinates end up."""
        return points

    def apply_mask(self, mask: np.ndarray, params: dict[str, Any], ctx, rng) -> np.ndarray:
        """The defect mask through a geometric step (nearest: it stays a clean mask)."""
        if not self.geometric:
            return mask
        moved = self.apply(mask.astype(np.float32) * 255.0, params, ImageContext(), rng)
        return moved > 127.5

    def process(self, clean, noise, params, ctx, rng):
        raise TypeError(f"{self.name} is an image step; render it with augment.image.render_image")


def bounds(value) -> tuple[float, float]:
    """``(low, high)`` of a fixed value or a ``[low, high]`` range."""
    return (float(value[0]), float(value[1])) if isinstance(value, list) else (value, value)


def a_transform(name: str, kwargs: dict[str, Any], step: str, match: str, note: str) -> dict:
    """One albumentations transform as plain data (albumentations' own ``to_dict`` form).

    ``match`` is ``exact``, ``closest`` or ``none``; ``note`` says how it differs (measured in
    ``tests/test_albumentations_parity.py``). Every transform runs on every call (``p=1``), as
    every step of a recipe does.
    """
    return {
        "__class_fullname__": name,
        "p": 1.0,
        **kwargs,
        "__augcheck__": {"step": step, "match": match, "note": note},
    }
