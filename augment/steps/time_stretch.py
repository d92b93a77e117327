"""Time stretch: faster or slower speech at the same pitch (Signalsmith Stretch).

``rate`` > 1 is faster (shorter). librosa's default phase vocoder smears speech: on the CMU ARCTIC
clips a 1.25x / 0.8x round trip kept STOI at ~0.69 with librosa and ~0.98 with Signalsmith
(benchmarks/stretch_quality.py), so Signalsmith (also audiomentations' default) is used.
"""

from __future__ import annotations

import numpy as np

from augment.steps.base import Param, Step, bounds, transform


def signalsmith(y: np.ndarray, sample_rate: int, *, rate: float = 1.0, semitones: float = 0.0):
    import python_stretch

    s = python_stretch.Signalsmith.Stretch()
    s.preset(1, float(sample_rate))
    if rate != 1.0:
        s.setTimeFactor(float(rate))
    if semitones != 0.0:
        s.setTransposeSemitones(float(semitones))
    out = s.process(np.ascontiguousarray(y, dtype=np.float32)[np.newaxis, :])
    return np.asarray(out[0], dtype=np.float32)


class TimeStretch(Step):
    name = "time_stretch"
    title = "Time stretch"
    description = "Faster or slower at the same pitch; rate 1.25 plays in 80% of the time."
    params = (Param("rate", 0.5, 2.0, 1.0, "x", "speed factor (>1 faster)", step=0.01),)
    order = 10
    changes_length = True

    @classmethod
    def changed_length(cls, params):
        return params["rate"] != 1.0

    @classmethod
    def to_audiomentations(cls, settings):
        """``TimeStretch(method="signalsmith_stretch")``: exact; a fixed rate 1 is left out."""
        if settings["rate"] == 1.0:
            return []
        lo, hi = bounds(settings["rate"])
        kwargs = {
            "min_rate": lo,
            "max_rate": hi,
            "leave_length_unchanged": False,
            "method": "signalsmith_stretch",
        }
        return [
            transform(
                "audiomentations.augmentations.time_stretch.TimeStretch",
                kwargs,
                cls.name,
                "exact",
                "exact (same Signalsmith Stretch calls); the length changes with the rate",
            )
        ]

    def apply(self, y, params, ctx, rng):
        if params["rate"] == 1.0:
            return y
        return signalsmith(y, ctx.sample_rate, rate=params["rate"])
