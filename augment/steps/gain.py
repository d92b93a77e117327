"""Gain: change the level by ``gain_db`` decibels."""

from __future__ import annotations

from augment.steps.base import Param, Step, bounds, transform


class Gain(Step):
    name = "gain"
    title = "Gain"
    description = "Louder or quieter; past full scale the output clips, as a recorder would."
    params = (Param("gain_db", -40.0, 20.0, 0.0, "dB", "level change", step=0.5),)
    order = 60

    @classmethod
    def to_audiomentations(cls, settings):
        """``Gain``: exact."""
        lo, hi = bounds(settings["gain_db"])
        return [
            transform(
                "audiomentations.augmentations.gain.Gain",
                {"min_gain_db": lo, "max_gain_db": hi},
                cls.name,
                "exact",
                "exact (same multiply); augcheck also clips the final mix to [-1, 1], "
                "this does not",
            )
        ]

    def apply(self, y, params, ctx, rng):
        return (y * (10.0 ** (params["gain_db"] / 20.0))).astype(y.dtype, copy=False)
