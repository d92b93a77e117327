"""Pitch shift by ``semitones`` at the same duration (Signalsmith Stretch; see time_stretch)."""

from __future__ import annotations

from augment.steps.base import Param, Step, bounds, transform
from augment.steps.time_stretch import signalsmith


class PitchShift(Step):
    name = "pitch_shift"
    title = "Pitch shift"
    description = "Higher or lower voice, same duration."
    params = (Param("semitones", -12.0, 12.0, 0.0, "semitones", "pitch change", step=0.5),)
    order = 20

    @classmethod
    def to_audiomentations(cls, settings):
        """``PitchShift(method="signalsmith_stretch")``: exact; a fixed 0 is a no-op, left out."""
        if settings["semitones"] == 0.0:
            return []
        lo, hi = bounds(settings["semitones"])
        return [
            transform(
                "audiomentations.augmentations.pitch_shift.PitchShift",
                {"min_semitones": lo, "max_semitones": hi, "method": "signalsmith_stretch"},
                cls.name,
                "exact",
                "exact (same Signalsmith Stretch calls)",
            )
        ]

    def apply(self, y, params, ctx, rng):
        if params["semitones"] == 0.0:
            return y
        return signalsmith(y, ctx.sample_rate, semitones=params["semitones"])
