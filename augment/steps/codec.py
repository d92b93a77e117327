"""Codec: what a phone line or a VoIP call does to speech, through libsndfile (soundfile).

``format`` = ``mu_law``: G.711 as on a phone line: resampled to 8 kHz, 8-bit mu-law (64 kbit/s),
decoded. ``format`` = ``opus``: a VoIP call: resampled to 16 kHz and round-tripped through Ogg Opus
at ``bitrate_kbps`` (at low bitrates Opus itself narrows the band). Either way the result is
resampled back to the input's rate and keeps its length, sample for sample. Nothing is drawn
beyond the parameters' ranges, and libsndfile's encoders are deterministic: the same input and
settings give the same samples.

With noise mixed in before it, the codec hears the mix (a codec is not linear, so coding speech
and noise apart would not be the same sound): the output is ``codec(speech + noise)``, carried as
``codec(speech)`` plus the rest, which counts as noise for the measured SNR.
"""

from __future__ import annotations

import io

import numpy as np

from augment.audio import resample
from augment.steps.base import Choice, Param, Step, bounds, transform

#: G.711's rate, and the rate the Opus round trip runs at (wideband VoIP).
PHONE_RATE_HZ = 8000
VOIP_RATE_HZ = 16000

# libsndfile 1.2 sets Opus' target bitrate from soundfile's compression_level (0 = best):
# 6 kbit/s + (1 - level) x 250 kbit/s. Measured on a 3.9 s CMU ARCTIC clip at 16 kHz, file size
# over duration (Ogg framing included): level 0.9 -> 32.2 kbit/s (asked 31), 0.95 -> 20.1 (18.5),
# 0.99 -> 10.3 (8.5), 1.0 -> 8.1 (6); tests/test_step_codec.py checks asked against measured.
_OPUS_MIN_BPS = 6000.0
_OPUS_SPAN_BPS = 250000.0


def opus_level(bitrate_kbps: float) -> float:
    """soundfile's ``compression_level`` for an Opus target of ``bitrate_kbps``."""
    level = 1.0 - (bitrate_kbps * 1000.0 - _OPUS_MIN_BPS) / _OPUS_SPAN_BPS
    return float(min(1.0, max(0.0, level)))


def _round_trip(y: np.ndarray, rate: int, **write) -> np.ndarray:
    import soundfile as sf

    buf = io.BytesIO()
    sf.write(buf, np.clip(y, -1.0, 1.0), rate, **write)
    buf.seek(0)
    out, _ = sf.read(buf, dtype="float32")
    return out


def code(y: np.ndarray, sample_rate: int, fmt: str, bitrate_kbps: float = 16.0) -> np.ndarray:
    """``y`` through the codec and back, at ``sample_rate``, with ``len(y)`` samples."""
    y = np.asarray(y, dtype=np.float32)
    if len(y) == 0:
        return y
    if fmt == "mu_law":
        rate, write = PHONE_RATE_HZ, {"format": "WAV", "subtype": "ULAW"}
    else:
        write = {"format": "OGG", "subtype": "OPUS", "compression_level": opus_level(bitrate_kbps)}
        rate = VOIP_RATE_HZ
    low = resample(y, sample_rate, rate)
    # a clip shorter than one 20 ms codec frame at the codec's rate is padded with silence (an
    # empty Ogg Opus stream is refused as malformed); the padding is cut off below
    low = np.pad(low, (0, max(0, rate // 50 - len(low))))
    coded = _round_trip(low, rate, **write)
    back = resample(coded, rate, sample_rate)
    out = np.zeros(len(y), dtype=np.float32)  # the round trip may be a sample off: same length
    n = min(len(y), len(back))
    out[:n] = back[:n]
    return out


_AM = "audiomentations.augmentations"
#: The bitrates audiomentations' Mp3Compression accepts (up to this step's maximum).
_MP3_KBPS = (8, 16, 24, 32, 40, 48, 56, 64)
# Measured on the three CMU ARCTIC clips of tests/data (16 kHz): see the notes.
_NOTE_MU_LAW = (
    "none: audiomentations has no mu-law codec; this low-pass (at the -3 dB edge of augcheck's "
    "8 kHz round trip, 3.77 kHz) gives the phone band only, without G.711's 8-bit companding "
    "noise (37.5 dB below the band-limited speech)"
)
_NOTE_OPUS = (
    "none: audiomentations has no Opus codec; Mp3Compression at the nearest MP3 bitrate is "
    "another lossy codec: at 16 kbit/s it keeps less (STOI 0.97-0.98 against Opus' 0.99, "
    "band cut near 5.6 kHz against Opus' full 8 kHz). Needs `pip install fast-mp3-augment`"
)


def _mp3_kbps(kbps: float) -> int:
    """The nearest bitrate Mp3Compression accepts (ties go up)."""
    return min(_MP3_KBPS, key=lambda b: (abs(b - kbps), -b))


class Codec(Step):
    name = "codec"
    title = "Codec"
    description = "A phone line (8 kHz mu-law) or a VoIP call (Opus at a low bitrate)."
    params = (
        Choice("format", ("mu_law", "opus"), "mu_law", "G.711 phone line, or Opus VoIP"),
        Param("bitrate_kbps", 8.0, 64.0, 16.0, "kbit/s", "Opus bitrate", step=1.0),
    )
    presets = {
        "phone line (G.711 mu-law)": {"format": "mu_law"},
        "VoIP, good (Opus 24 kbit/s)": {"format": "opus", "bitrate_kbps": 24.0},
        "VoIP, poor (Opus 8 kbit/s)": {"format": "opus", "bitrate_kbps": 8.0},
    }
    order = 55  # the channel: after the band pass, before the recorder's level
    shown_when = {"bitrate_kbps": ("format", "opus")}  # G.711 is always 64 kbit/s

    @classmethod
    def to_audiomentations(cls, settings):
        fmt = settings["format"]
        out = []
        if "mu_law" in (fmt if isinstance(fmt, list) else [fmt]):
            kwargs = {
                "min_cutoff_freq": 3770.0,
                "max_cutoff_freq": 3770.0,
                "min_rolloff": 48,
                "max_rolloff": 48,
                "zero_phase": True,
            }
            fullname = f"{_AM}.low_pass_filter.LowPassFilter"
            out.append(transform(fullname, kwargs, cls.name, "none", _NOTE_MU_LAW))
        if "opus" in (fmt if isinstance(fmt, list) else [fmt]):
            lo, hi = bounds(settings["bitrate_kbps"])
            kwargs = {"min_bitrate": _mp3_kbps(lo), "max_bitrate": _mp3_kbps(hi)}
            fullname = f"{_AM}.mp3_compression.Mp3Compression"
            out.append(transform(fullname, kwargs, cls.name, "none", _NOTE_OPUS))
        if len(out) == 1:
            return out
        return [
            {
                "__class_fullname__": "audiomentations.core.composition.OneOf",
                "transforms": out,
                "p": 1.0,
                "__augcheck__": {
                    "step": cls.name,
                    "match": "none",
                    "note": "one of the two formats, drawn uniformly as augcheck does",
                },
            }
        ]

    def apply(self, y, params, ctx, rng):
        return code(y, ctx.sample_rate, params["format"], params.get("bitrate_kbps", 16.0))

    def process(self, clean, noise, params, ctx, rng):
        coded_clean = self.apply(clean, params, ctx, rng)
        if noise is None:
            return coded_clean, None
        mix = np.asarray(clean, dtype=np.float64) + noise
        return coded_clean, self.apply(mix, params, ctx, rng) - coded_clean.astype(np.float64)
