"""Background noise mixed in at an exact signal-to-noise ratio.

SNR definition used throughout augcheck: the power of the signal entering this step divided by
the power of the noise added, both averaged over the whole clip, in dB:
``snr_db = 10 * log10(mean(signal**2) / mean(noise**2))``.

Hand-written on purpose: audiomentations' AddBackgroundNoise reads noise from folders on disk and
defines SNR relative to RMS after its own looping; augcheck mixes in-memory noise from its library
at an exact SNR and records the offset, so a review can be re-rendered bit for bit.
"""

from __future__ import annotations

import numpy as np

from augment.audio import SILENCE_RMS, resample, rms
from augment.errors import AudioError, ParameterError
from augment.steps.base import NOISE_DIR, Context, Param, Source, Step, bounds, transform

#: Crossfade where a short noise loops back to its start, in seconds.
LOOP_CROSSFADE_S = 0.05
#: The mix is scaled down to stay this far below full scale when it would exceed it.
HEADROOM_PEAK = 0.99


def loop_noise(noise: np.ndarray, n_samples: int, offset: int, crossfade: int) -> np.ndarray:
    """``n_samples`` of ``noise`` from ``offset`` on, looping with an equal-power crossfade."""
    n = len(noise)
    if offset + n_samples <= n:
        return noise[offset : offset + n_samples]
    xf = int(min(crossfade, n // 4))
    period = n - xf
    looped = noise[:period].astype(np.float64, copy=True)
    if xf > 0:
        t = (np.arange(xf) + 0.5) / xf
        # uncorrelated ends: sin/cos keeps the power constant across the seam
        looped[:xf] = noise[:xf] * np.sin(0.5 * np.pi * t) + noise[period:] * np.cos(
            0.5 * np.pi * t
        )
    idx = (offset + np.arange(n_samples)) % period
    return looped[idx]


def scale_for_snr(signal_power: float, noise_power: float, snr_db: float) -> float:
    """The factor that puts noise of ``noise_power`` at ``snr_db`` below ``signal_power``."""
    return float(np.sqrt(signal_power / (noise_power * 10.0 ** (snr_db / 10.0))))


class BackgroundNoise(Step):
    name = "background_noise"
    title = "Background noise"
    description = "Mix a noise (cafe, music, kitchen...) in at an exact SNR, from a random offset."
    params = (
        Param(
            "snr_db",
            -20.0,
            60.0,
            10.0,
            "dB",
            "signal-to-noise ratio",
            step=0.5,
            sweep=(30.0, -10.0),
        ),
    )
    order = 40
    default_on = True
    drawn_keys = ("noise", "noise_name", "offset_s")
    source_keys = {"noise": "noise"}

    @classmethod
    def to_audiomentations(cls, settings):
        """``AddBackgroundNoise(noise_rms="relative")``: closest."""
        lo, hi = bounds(settings["snr_db"])
        kwargs = {
            "sounds_path": NOISE_DIR,
            "min_snr_db": lo,
            "max_snr_db": hi,
            "noise_rms": "relative",
        }
        note = (
            "closest: same SNR definition for noises at least as long as the clip; a shorter noise "
            "starts at 0 and repeats with a hard seam (augcheck: random offset, 50 ms crossfade) "
            "and its SNR is only approximate; no headroom scaling, so the mix may pass full scale"
        )
        return [
            transform(
                "audiomentations.augmentations.add_background_noise.AddBackgroundNoise",
                kwargs,
                cls.name,
                "closest",
                note,
            )
        ]

    def _source(self, ctx: Context, rng: np.random.Generator) -> Source:
        if not ctx.noises:
            raise ParameterError(
                "background_noise: no noise given to mix in (pick, upload or pass one)"
            )
        return (
            ctx.noises[int(rng.integers(len(ctx.noises)))] if len(ctx.noises) > 1 else ctx.noises[0]
        )

    def sample(self, settings, rng, n_samples, ctx):
        out = super().sample(settings, rng, n_samples, ctx)
        src = self._source(ctx, rng)
        n_noise = int(round(len(src.samples) * ctx.sample_rate / src.sample_rate))
        if n_noise >= n_samples:
            offset = int(rng.integers(0, n_noise - n_samples + 1))
        else:
            offset = int(rng.integers(0, max(1, n_noise)))
        out["noise"] = src.id
        out["noise_name"] = src.name
        out["offset_s"] = offset / float(ctx.sample_rate)
        return out

    def noise_segment(self, n_samples: int, params, ctx: Context) -> np.ndarray:
        src = next((s for s in ctx.noises if s.id == params["noise"]), None)
        if src is None:
            raise ParameterError(f"background_noise: noise {params['noise']!r} is not available")
        noise = resample(src.samples, src.sample_rate, ctx.sample_rate)
        offset = int(round(params["offset_s"] * ctx.sample_rate))
        crossfade = int(LOOP_CROSSFADE_S * ctx.sample_rate)
        # only the part used is copied to float64, not the whole (possibly long) recording
        return np.asarray(loop_noise(noise, n_samples, offset, crossfade), dtype=np.float64)

    def process(self, clean, noise, params, ctx, rng):
        signal = clean if noise is None else clean.astype(np.float64) + noise
        signal_rms = rms(signal)
        if signal_rms < SILENCE_RMS:
            raise AudioError("the clean clip is silent, so an SNR is undefined")
        signal_power = signal_rms**2
        segment = self.noise_segment(len(clean), params, ctx)
        seg_power = rms(segment) ** 2
        if seg_power < SILENCE_RMS**2:
            raise AudioError(
                f"noise {params.get('noise_name', '')!r} is silent (at least where it is used), "
                "so an SNR is undefined"
            )
        added = segment * scale_for_snr(signal_power, seg_power, params["snr_db"])
        total_noise = added if noise is None else noise + added
        peak = float(np.max(np.abs(clean + total_noise))) if len(clean) else 0.0
        if peak > HEADROOM_PEAK:
            # scale signal and noise alike: the SNR stays exact, the mix stays below full scale
            g = HEADROOM_PEAK / peak
            ctx.report["headroom_gain_db"] = ctx.report.get("headroom_gain_db", 0.0) + float(
                20.0 * np.log10(g)
            )
            return clean * g, total_noise * g
        return clean, total_noise
