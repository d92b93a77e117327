"""Gain: change the level by ``gain_db`` decibels."""

from __future__ import annotations

from augment.steps.base import Param, Step


class Gain(Step):
    name = "gain"
    title = "Gain"
    description = "Louder or quieter; past full scale the output clips, as a recorder would."
    params = (Param("gain_db", -40.0, 20.0, 0.0, "dB", "level change", step=0.5),)

    def apply(self, y, params, ctx, rng):
        return (y * (10.0 ** (params["gain_db"] / 20.0))).astype(y.dtype, copy=False)
