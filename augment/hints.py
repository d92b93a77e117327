"""Objective hints beside the checklist: numbers that inform a reviewer's answer, not verdicts.

* **STOI** (short-time objective intelligibility, pystoi) of the augmented sample against the
  original, 0..1 -- only when the timing is unchanged, since it compares the two frame by frame.
* **SNR** over the whole clip (:func:`augment.metrics.snr_db`) and over **speech frames only**:
  a clip with long pauses has a whole-clip SNR well below what the listener hears while someone
  speaks, because the pauses add noise but no speech. Speech frames are found by the WebRTC
  voice-activity detector (``webrtcvad``, from the ``webrtcvad-wheels`` package) run on the
  clean signal.
* **Integrated loudness** (ITU-R BS.1770-4, LUFS, pyloudnorm) of the original and the augmented.
* The **clipped fraction** of the augmented sample.

Every value is JSON-safe: ``None`` stands for "not measurable" (infinite, NaN, not applicable),
with a ``*_reason`` key saying why where that is not obvious.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from augment import metrics
from augment.audio import resample
from augment.errors import ParameterError

#: Rates the WebRTC VAD accepts; other rates are resampled to :data:`VAD_SR` first.
VAD_RATES = (8000, 16000, 32000, 48000)
VAD_SR = 16000
#: Frame length for the VAD (it accepts 10, 20 or 30 ms).
VAD_FRAME_MS = 30
#: WebRTC VAD aggressiveness, 0 (keeps most frames as speech) .. 3 (strictest).
VAD_MODE = 3
#: STOI compares 30 frames of 25.6 ms at 10 kHz (hop 12.8 ms): shorter clips have no STOI, and
#: pystoi itself fails on clips shorter than one frame.
STOI_MIN_S = 0.4
#: pyloudnorm's gating block: shorter clips have no integrated loudness.
LUFS_MIN_S = 0.4


def _json_float(x: float | None, digits: int = 4) -> float | None:
    return metrics.finite_or_none(x, digits)


# --------------------------------------------------------------------------------------------
# STOI
# --------------------------------------------------------------------------------------------
def stoi_hint(
    original: np.ndarray, augmented: np.ndarray, sample_rate: int, *, cause: str | None = None
) -> dict[str, Any]:
    """``{"stoi": float | None, "reason": str | None}``: STOI of ``augmented`` vs ``original``.

    Only where the timing is unchanged (lengths equal within one sample; the longer one is
    trimmed); otherwise ``stoi`` is None and ``reason`` says why -- naming ``cause`` (e.g.
    ``"time_stretch"``) when given. Also None for an original with no speech-level signal
    or too short for STOI (pystoi needs 30 frames of 25.6 ms after dropping silent frames).
    """
    x = np.asarray(original, dtype=np.float64)
    y = np.asarray(augmented, dtype=np.float64)
    if abs(len(x) - len(y)) > 1:
        what = f"({cause})" if cause else f"({len(x)} -> {len(y)} samples)"
        return {
            "stoi": None,
            "reason": f"not applicable: the timing changed {what}, so samples no longer line up",
        }
    n = min(len(x), len(y))
    x, y = x[:n], y[:n]
    if n == 0 or not np.any(x):
        return {"stoi": None, "reason": "not applicable: the original is silent"}
    if n < STOI_MIN_S * sample_rate:
        return {
            "stoi": None,
            "reason": f"not applicable: too little audio ({n / sample_rate:.3f} s; STOI needs "
            f"about {STOI_MIN_S} s)",
        }
    from pystoi import stoi

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with np.errstate(all="ignore"):
            try:
                value = float(stoi(x, y, int(sample_rate), extended=False))
            except (ValueError, IndexError):  # numpy's AxisError when no frame is left
                value = math.nan
                warnings.warn("Not enough STFT frames", stacklevel=1)
    if any("Not enough STFT frames" in str(w.message) for w in caught):
        return {
            "stoi": None,
            "reason": "not applicable: too little non-silent audio (STOI needs about 0.4 s)",
        }
    if not math.isfinite(value):
        return {"stoi": None, "reason": "not measurable: STOI came out NaN"}
    return {"stoi": round(value, 4), "reason": None}


# --------------------------------------------------------------------------------------------
# speech-only SNR
# --------------------------------------------------------------------------------------------
def speech_mask(clean: np.ndarray, sample_rate: int) -> np.ndarray:
    """Boolean mask, one entry per sample of ``clean``: inside a frame the VAD calls speech.

    The WebRTC VAD runs on ``clean`` peak-normalised (its decisions are level-independent here),
    as 16-bit PCM at 8/16/32/48 kHz (other rates are resampled to 16 kHz), in 30 ms frames; a
    last partial frame counts as non-speech.
    """
    import webrtcvad

    y = np.asarray(clean, dtype=np.float32)
    mask = np.zeros(len(y), dtype=bool)
    peak = float(np.max(np.abs(y))) if len(y) else 0.0
    if peak == 0.0:
        return mask
    vad_sr = int(sample_rate) if int(sample_rate) in VAD_RATES else VAD_SR
    z = resample(y / peak * 0.9, sample_rate, vad_sr)
    pcm = np.round(np.clip(z, -1.0, 1.0) * 32767.0).astype(np.int16)
    frame = vad_sr * VAD_FRAME_MS // 1000
    if len(pcm) < frame:  # shorter than one VAD frame (a few samples resampled to 16 kHz)
        return mask
    vad = webrtcvad.Vad(VAD_MODE)
    scale = len(y) / float(len(pcm))
    for i in range(len(pcm) // frame):
        if vad.is_speech(pcm[i * frame : (i + 1) * frame].tobytes(), vad_sr):
            lo = int(round(i * frame * scale))
            hi = int(round((i + 1) * frame * scale))
            mask[lo:hi] = True
    return mask


def speech_snr(
    clean: np.ndarray, noise: np.ndarray, sample_rate: int
) -> tuple[float | None, str | None]:
    """(SNR over speech frames in dB, None) or (None, why not). See :func:`speech_snr_db`."""
    c = np.asarray(clean, dtype=np.float64)
    n = np.asarray(noise, dtype=np.float64)
    if len(c) != len(n):
        raise ParameterError(
            f"clean ({len(c)} samples) and noise ({len(n)} samples) must have the same length"
        )
    mask = speech_mask(c, sample_rate)
    if not mask.any():
        return (
            None,
            "no speech frames: the voice-activity detector heard no speech in the clean part",
        )
    s = float(np.dot(c[mask], c[mask]))
    e = float(np.dot(n[mask], n[mask]))
    if e == 0.0:
        return None, "no noise during speech: the speech-frame SNR is infinite"
    return 10.0 * math.log10(s / e), None


def speech_snr_db(clean: np.ndarray, noise: np.ndarray, sample_rate: int) -> float | None:
    """SNR in dB over speech frames only: ``10 log10(sum clean² / sum noise²)`` over the frames
    where the WebRTC VAD hears speech in ``clean`` (see :func:`speech_mask`).

    ``clean`` and ``noise`` are the two components of the mix, the same length. None when the
    VAD finds no speech (or no noise falls in the speech frames); :func:`speech_snr` says why.
    """
    return speech_snr(clean, noise, sample_rate)[0]


# --------------------------------------------------------------------------------------------
# loudness
# --------------------------------------------------------------------------------------------
def lufs(y: np.ndarray, sample_rate: int) -> float | None:
    """Integrated loudness (ITU-R BS.1770-4) in LUFS, pyloudnorm's meter; mono counts as one
    channel (a full-scale 1 kHz sine reads -3.0 LUFS).

    None for a clip shorter than 0.4 s (one gating block) and for silence (-inf, or every
    block under the -70 LUFS absolute gate).
    """
    import pyloudnorm

    x = np.asarray(y, dtype=np.float64)
    if len(x) < int(math.ceil(LUFS_MIN_S * sample_rate)) + 1 or not np.any(x):
        return None
    meter = pyloudnorm.Meter(int(sample_rate))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with np.errstate(all="ignore"):
            try:
                value = float(meter.integrated_loudness(x))
            except ValueError:  # shorter than a block after all
                return None
    return _json_float(value, 2)


def loudness_match_gain_db(
    lufs_reference: float | None, lufs_sample: float | None
) -> tuple[float | None, str | None]:
    """The gain (dB) that plays a sample at the integrated loudness of the reference, from their
    :func:`lufs`, for listening at matched loudness (a louder sample tends to be judged better);
    ``(None, reason)`` when either has no integrated loudness (shorter than 0.4 s, or silent).

    Only for playback: what is stored and exported keeps its true level.
    """
    if lufs_reference is None or lufs_sample is None:
        which = "the original" if lufs_reference is None else "this sample"
        return None, f"{which} has no integrated loudness (silent, or shorter than 0.4 s)"
    return round(lufs_reference - lufs_sample, 2), None


# --------------------------------------------------------------------------------------------
# all of them
# --------------------------------------------------------------------------------------------
def hints(
    original: np.ndarray,
    augmented: np.ndarray,
    noise: np.ndarray | None,
    sample_rate: int,
    *,
    clean_component: np.ndarray | None = None,
    timing_cause: str | None = None,
) -> dict[str, Any]:
    """The hints for one rendered sample, JSON-safe::

        {"stoi", "stoi_reason", "snr_db", "snr_db_speech", "snr_db_speech_reason",
         "lufs_original", "lufs_augmented", "clipped_fraction"}

    ``noise`` is the rendering's noise component (``Rendering.noise``) or None when no noise
    was added (then both SNRs are None with a reason). ``clean_component`` is the signal part of
    the mix; by default ``augmented - noise`` (exact unless the mix clipped). ``timing_cause``
    names the step that changed the length (e.g. ``"time_stretch"``) for the STOI reason.
    """
    st = stoi_hint(original, augmented, sample_rate, cause=timing_cause)
    out: dict[str, Any] = {
        "stoi": st["stoi"],
        "stoi_reason": st["reason"],
        "snr_db": None,
        "snr_db_speech": None,
        "snr_db_speech_reason": "no noise was added",
        "lufs_original": lufs(original, sample_rate),
        "lufs_augmented": lufs(augmented, sample_rate),
        "clipped_fraction": round(metrics.clipped_fraction(np.asarray(augmented)), 6),
    }
    if noise is not None:
        n = np.asarray(noise, dtype=np.float64)
        if len(n) != len(augmented):
            raise ParameterError(
                f"noise ({len(n)} samples) and augmented ({len(augmented)} samples) must have "
                "the same length"
            )
        if clean_component is None:
            clean = np.asarray(augmented, dtype=np.float64) - n
        else:
            clean = np.asarray(clean_component, dtype=np.float64)
        out["snr_db"] = _json_float(metrics.snr_db(clean, n))
        value, reason = speech_snr(clean, n, sample_rate)
        out["snr_db_speech"] = _json_float(value)
        out["snr_db_speech_reason"] = reason
    return out
