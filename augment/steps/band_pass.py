"""Band-pass filter between ``low_hz`` and ``high_hz`` (a telephone channel is 300-3400 Hz)."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from augment.errors import ParameterError
from augment.steps.base import Param, Step, bounds, transform

ORDER = 4  # Butterworth order; run forwards and backwards (zero phase), so 8 in effect.
#: ORDER run forwards and backwards, in audiomentations' terms (zero phase: order = rolloff // 12).
ZERO_PHASE_ROLLOFF = 48

_AM = "audiomentations.augmentations"
_NOTE_FIXED = (
    "exact (same scipy Butterworth order-4 band pass, sosfiltfilt) unless high_hz >= 0.98 x "
    "Nyquist, where augcheck uses a high-pass alone"
)
_NOTE_RANGE = (
    "closest: a cascade of order-4 zero-phase high- and low-pass filters (within 0.5 dB of "
    "augcheck's band pass in the pass band); cutoffs drawn uniformly on the mel scale, not "
    "in Hz"
)


@lru_cache(maxsize=64)
def _sos(low_hz: float, high_hz: float, sample_rate: int):
    """The filter's second-order sections, its initial state for a unit step (scipy's
    ``sosfilt_zi``) and the padding ``sosfiltfilt`` uses: ``(sos, zi, edge)``."""
    from scipy.signal import sosfilt_zi

    sos = _design(low_hz, high_hz, sample_rate)
    ntaps = 2 * len(sos) + 1 - min(int((sos[:, 2] == 0).sum()), int((sos[:, 5] == 0).sum()))
    return sos, sosfilt_zi(sos), 3 * ntaps


def _design(low_hz: float, high_hz: float, sample_rate: int):
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

    order = 50

    @classmethod
    def to_audiomentations(cls, settings):
        """Fixed edges: ``BandPassFilter`` (exact); a range: ``HighPassFilter`` +
        ``LowPassFilter`` (closest)."""
        low, high = settings["low_hz"], settings["high_hz"]
        rolloff = {"min_rolloff": ZERO_PHASE_ROLLOFF, "max_rolloff": ZERO_PHASE_ROLLOFF}
        if not isinstance(low, list) and not isinstance(high, list):
            centre = (low + high) / 2.0
            fraction = (high - low) / centre  # the edges come back as centre -/+ bandwidth / 2
            kwargs = {
                "min_center_freq": centre,
                "max_center_freq": centre,
                "min_bandwidth_fraction": fraction,
                "max_bandwidth_fraction": fraction,
                **rolloff,
                "zero_phase": True,
            }
            fullname = f"{_AM}.band_pass_filter.BandPassFilter"
            return [transform(fullname, kwargs, cls.name, "exact", _NOTE_FIXED)]
        out = []
        parts = (
            (f"{_AM}.high_pass_filter.HighPassFilter", low, _NOTE_RANGE),
            (f"{_AM}.low_pass_filter.LowPassFilter", high, "the upper edge of the band pass above"),
        )
        for fullname, value, note in parts:
            lo, hi = bounds(value)
            kwargs = {"min_cutoff_freq": lo, "max_cutoff_freq": hi, **rolloff, "zero_phase": True}
            out.append(transform(fullname, kwargs, cls.name, "closest", note))
        return out

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
        if len(y) < 3 * (2 * ORDER + 1) * 2:
            return y
        design = _sos(float(params["low_hz"]), float(params["high_hz"]), int(ctx.sample_rate))
        return filtfilt(design, y)


def _odd_ext(x: np.ndarray, n: int) -> np.ndarray:
    """scipy's ``odd_ext`` of a 1-D array, in the array's own dtype (so float32 stays float32)."""
    return np.concatenate((2 * x[:1] - x[n:0:-1], x, 2 * x[-1:] - x[-2 : -(n + 2) : -1]))


def filtfilt(design, y: np.ndarray) -> np.ndarray:
    """``scipy.signal.sosfiltfilt(sos, y).astype(float32)``, bit for bit; ``design`` is
    ``(sos, zi, edge)`` from :func:`_sos`.

    Hand-written (the steps of scipy 1.17's ``sosfiltfilt``: odd padding in ``y``'s own dtype,
    forward and backward ``sosfilt`` from ``sosfilt_zi`` scaled by the first sample) because
    scipy's ``sosfiltfilt`` designs the filter's initial state (``sosfilt_zi``) again on every
    call, and a render filters twice per band pass (the signal and the noise added so far are
    tracked apart, see :meth:`Step.process`): on the render benchmark's chain (a) the band pass
    was 52% of the CPU time and 41% of that was ``sosfilt_zi``. Here it is designed once, with
    the filter (``tests/test_steps.py`` checks the bytes against scipy's, float32 and float64).
    Signal and noise as the two rows of one array took the same CPU time in ``sosfilt`` but
    its 1 MB temporaries made glibc return memory and fault it in again on every call (780
    page faults, +70% time, measured), so the tracks go one at a time.
    """
    from scipy.signal import sosfilt

    sos, zi, edge = design
    x = np.asarray(y)
    if len(x) <= edge:
        raise ValueError(f"band_pass: {len(x)} samples, fewer than the filter's {edge}")
    ext = _odd_ext(x, edge)
    z, _ = sosfilt(sos, ext, zi=zi * ext[:1])
    z, _ = sosfilt(sos, z[::-1], zi=zi * z[-1:])
    return z[::-1][edge:-edge].astype(np.float32)
