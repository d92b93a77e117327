"""Band-pass filter between ``low_hz`` and ``high_hz`` (a telephone channel is 300-3400 Hz)."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from augment.errors import ParameterError
from augment.steps.base import Param, Step

ORDER = 4  # Butterworth order; run forwards and backwards (zero phase), so 8 in effect.


@lru_cache(maxsize=64)
def _sos(low_hz: float, high_hz: float, sample_rate: int):
    from scipy.signal import butter

    nyquist = sample_rate / 2.0
    top = min(high_hz, nyquist * 0.98)
    if high_hz >= nyquist * 0.98:  # nothing to cut at the top at this rate
        return butter(ORDER, low_hz, btype="highpass", fs=sample_rate, output="sos")
    if low_hz >= top:
        raise ParameterError(
            f"band_pass: low_hz={low_hz:g} is not below the usable top {top:g} Hz "
            f"at {sample_rate} Hz"
        )
    return butter(ORDER, [low_hz, top], btype="bandpass", fs=sample_rate, output="sos")


class BandPass(Step):
    name = "band_pass"
    title = "Band pass"
    description = "Keep only the band between low_hz and high_hz, like a phone line or radio."
    params = (
        Param("low_hz", 20.0, 4000.0, 300.0, "Hz", "lower edge", step=10.0),
        Param("high_hz", 500.0, 20000.0, 3400.0, "Hz", "upper edge", step=50.0),
    )
    presets = {
        "telephone (300-3400 Hz)": {"low_hz": 300.0, "high_hz": 3400.0},
        "wideband VoIP (50-7000 Hz)": {"low_hz": 50.0, "high_hz": 7000.0},
        "AM radio (100-5000 Hz)": {"low_hz": 100.0, "high_hz": 5000.0},
    }

    @classmethod
    def check(cls, settings):
        low, high = settings["low_hz"], settings["high_hz"]
        low_max = low[1] if isinstance(low, list) else low
        high_min = high[0] if isinstance(high, list) else high
        if low_max >= high_min:
            raise ParameterError(
                f"band_pass: low_hz ({low_max:g}) must stay below high_hz ({high_min:g})"
            )

    def apply(self, y, params, ctx, rng):
        from scipy.signal import sosfiltfilt

        if len(y) < 3 * (2 * ORDER + 1) * 2:
            return y
        sos = _sos(float(params["low_hz"]), float(params["high_hz"]), int(ctx.sample_rate))
        return sosfiltfilt(sos, y).astype(np.float32)
