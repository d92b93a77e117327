"""Audio in and out: decode uploads, downmix, resample, encode WAV bytes.

Decoding is libsndfile's (through soundfile): WAV, FLAC, OGG/Vorbis, Opus, MP3, AIFF and the
other formats it reads. M4A/AAC is not among them and is refused with a message saying what works.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
from dataclasses import dataclass

import numpy as np
import soundfile as sf

from augment.errors import AudioError

#: Formats a user can upload, as said in error messages and the UI.
SUPPORTED_FORMATS = "WAV, FLAC, OGG/Vorbis, Opus, MP3 or AIFF"
#: File name extensions the upload widgets accept.
UPLOAD_EXTENSIONS = ("wav", "flac", "ogg", "oga", "opus", "mp3", "aif", "aiff")
#: Default longest clip, in seconds (env AUGCHECK_MAX_CLIP_S overrides).
DEFAULT_MAX_DURATION_S = 600.0
#: A signal whose RMS is below this (about -120 dBFS) counts as silent.
SILENCE_RMS = 1e-6


def max_duration_s() -> float:
    """The configured clip-length limit in seconds (``AUGCHECK_MAX_CLIP_S``, default 600)."""
    raw = os.environ.get("AUGCHECK_MAX_CLIP_S", "")
    try:
        return float(raw) if raw else DEFAULT_MAX_DURATION_S
    except ValueError:
        return DEFAULT_MAX_DURATION_S


@dataclass(frozen=True)
class Audio:
    """Decoded mono audio. ``channels`` is the source's channel count (> 1 means downmixed)."""

    samples: np.ndarray
    sample_rate: int
    channels: int = 1
    format: str = "WAV"

    @property
    def duration_s(self) -> float:
        return len(self.samples) / float(self.sample_rate)

    @property
    def downmixed(self) -> bool:
        return self.channels > 1


def content_hash(data: bytes) -> str:
    """The content address of a file: SHA-256 of its bytes, hex."""
    return hashlib.sha256(data).hexdigest()


def _sniff_unsupported(data: bytes) -> str | None:
    if len(data) >= 12 and data[4:8] == b"ftyp":
        return "M4A/AAC (MP4 audio)"
    if data[:2] in (b"\xff\xf1", b"\xff\xf9"):
        return "AAC (ADTS)"
    return None


def _declared_riff_truncated(data: bytes) -> bool:
    """True when a RIFF/WAVE header, or its ``data`` chunk, announces more bytes than the file
    holds.

    libsndfile quietly shortens such a file to what is there; a cut-off upload must be refused.
    """
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        return False
    declared = int.from_bytes(data[4:8], "little")
    if declared not in (0, 0xFFFFFFFF) and declared + 8 > len(data):  # 0/-1: streaming writers
        return True
    pos = 12
    while pos + 8 <= len(data):  # walk the chunks to the data chunk
        size = int.from_bytes(data[pos + 4 : pos + 8], "little")
        if data[pos : pos + 4] == b"data":
            return size not in (0, 0xFFFFFFFF) and pos + 8 + size > len(data)
        pos += 8 + size + (size & 1)
    return False


def _clean(exc: Exception) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    text = re.sub(r"Error opening <[^>]*>:\s*", "", text)
    return text.strip().rstrip(".") or type(exc).__name__


def decode(data: bytes, *, name: str = "file", max_duration: float | None = None) -> Audio:
    """Decode an audio file's bytes to mono float32.

    Raises :class:`AudioError` with a one-line message for anything that is not usable audio:
    not audio, unsupported (M4A/AAC), truncated or corrupt, zero samples, NaN/Inf samples, or
    longer than ``max_duration`` seconds (default: :func:`max_duration_s`).
    """
    limit = max_duration_s() if max_duration is None else float(max_duration)
    if not data:
        raise AudioError(f"{name}: the file is empty (0 bytes)")
    unsupported = _sniff_unsupported(data)
    if unsupported:
        raise AudioError(f"{name}: {unsupported} is not supported; use {SUPPORTED_FORMATS}")
    try:
        with sf.SoundFile(io.BytesIO(data)) as f:
            sr, channels, frames, fmt = f.samplerate, f.channels, f.frames, f.format
            if frames > 0 and sr > 0 and frames / sr > limit:
                raise AudioError(
                    f"{name}: the clip is {frames / sr:.1f} s long, over the {limit:.0f} s limit"
                )
            y = f.read(dtype="float32", always_2d=True)
    except AudioError:
        raise
    except (sf.LibsndfileError, RuntimeError, TypeError, ValueError) as exc:
        detail = _clean(exc)
        if "unknown format" in detail.lower() or "format not recognised" in detail.lower():
            raise AudioError(
                f"{name}: not an audio file augcheck can read (it reads {SUPPORTED_FORMATS})"
            ) from None
        raise AudioError(f"{name}: the file is corrupt or truncated ({detail})") from None
    if _declared_riff_truncated(data) or (frames > 0 and len(y) < frames):
        raise AudioError(
            f"{name}: the file is truncated (its header announces more audio than it holds)"
        )
    if len(y) == 0:
        raise AudioError(f"{name}: the file holds zero samples (empty or cut off)")
    if len(y) / sr > limit:
        raise AudioError(
            f"{name}: the clip is {len(y) / sr:.1f} s long, over the {limit:.0f} s limit"
        )
    if not np.all(np.isfinite(y)):
        bad = int(np.count_nonzero(~np.isfinite(y)))
        raise AudioError(f"{name}: the file holds {bad} NaN or infinite samples")
    mono = y[:, 0] if channels == 1 else y.mean(axis=1, dtype=np.float32)
    return Audio(np.ascontiguousarray(mono, dtype=np.float32), int(sr), int(channels), fmt)


def read(path: str | os.PathLike, *, max_duration: float | None = None) -> Audio:
    """Decode an audio file from disk (see :func:`decode`)."""
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        raise AudioError(f"{os.fspath(path)}: cannot read ({exc.strerror})") from None
    return decode(data, name=os.path.basename(os.fspath(path)), max_duration=max_duration)


def resample(y: np.ndarray, orig_sr: int, target_sr: int) -> np.ndarray:
    """Resample with soxr (high quality); a no-op when the rates match."""
    if int(orig_sr) == int(target_sr):
        return y
    import soxr

    return soxr.resample(y, int(orig_sr), int(target_sr), quality="HQ").astype(np.float32)


def rms(y: np.ndarray) -> float:
    """Root mean square, in float64."""
    if len(y) == 0:
        return 0.0
    y64 = np.asarray(y, dtype=np.float64)
    # einsum, not np.dot: a 1-D dot wakes every BLAS thread, costly on a busy 2-core machine
    return float(np.sqrt(np.einsum("i,i->", y64, y64) / len(y64)))


def is_silent(y: np.ndarray) -> bool:
    return rms(y) < SILENCE_RMS


def to_wav_bytes(y: np.ndarray, sample_rate: int, *, subtype: str = "PCM_16") -> bytes:
    """Encode mono samples as WAV bytes at their true level (clipped to full scale).

    ``st.audio`` normalises a numpy array's loudness; handing it these bytes keeps the original
    and the augmented sample at the levels they really have.
    """
    buf = io.BytesIO()
    sf.write(buf, np.clip(y, -1.0, 1.0), int(sample_rate), format="WAV", subtype=subtype)
    return buf.getvalue()


def disguised_wav_bytes(y: np.ndarray, sample_rate: int, *, seed) -> bytes:
    """WAV bytes of ``y`` with a seeded, inaudible dither added first (TPDF, +-1 LSB of 16-bit,
    about -100 dBFS): a blind-review sample never has the same bytes, hash or media URL as the
    clean reference, not even the clean attention check, so the page source gives nothing away.
    ``seed`` is anything ``numpy.random.default_rng`` takes (e.g. the round sample's ids).
    """
    rng = np.random.default_rng(seed)
    x = np.asarray(y, dtype=np.float64)
    dither = (rng.random(len(x)) - rng.random(len(x))) / 32768.0
    return to_wav_bytes(x + dither, sample_rate)


def write(path: str | os.PathLike, y: np.ndarray, sample_rate: int) -> None:
    """Write audio to ``path``; the format follows the extension (WAV, FLAC, OGG...)."""
    try:
        sf.write(os.fspath(path), np.clip(y, -1.0, 1.0), int(sample_rate))
    except (sf.LibsndfileError, TypeError, ValueError, RuntimeError) as exc:
        msg = str(exc).splitlines()[0]
        raise AudioError(f"{os.fspath(path)}: cannot write ({msg})") from None
