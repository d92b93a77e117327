import io

import numpy as np
import pytest
import soundfile as sf

from augment import audio
from augment.errors import AudioError
from tests.conftest import SR, speechlike, wav_bytes


@pytest.mark.parametrize(
    "fmt,subtype,sr",
    [
        ("WAV", "PCM_16", SR),
        ("WAV", "FLOAT", SR),
        ("FLAC", "PCM_16", SR),
        ("OGG", "VORBIS", SR),
        ("OGG", "OPUS", 48000),
        ("MP3", "MPEG_LAYER_III", SR),
        ("AIFF", "PCM_16", SR),
    ],
)
def test_decode_supported_formats(fmt, subtype, sr):
    y = speechlike(1.0, sr)
    a = audio.decode(wav_bytes(y, sr, subtype, fmt), name=f"x.{fmt.lower()}")
    assert a.sample_rate == sr
    assert a.channels == 1
    assert abs(len(a.samples) - len(y)) < 0.05 * sr  # codecs may pad a little
    assert a.samples.dtype == np.float32


def test_stereo_is_downmixed_and_says_so():
    left = speechlike(1.0)
    stereo = np.stack([left, -0.5 * left], axis=1)
    a = audio.decode(wav_bytes(stereo, subtype="FLOAT"), name="s.wav")
    assert a.channels == 2 and a.downmixed
    np.testing.assert_allclose(a.samples, 0.25 * left, atol=1e-6)


def test_real_recording_reads(arctic):
    a = audio.read(arctic)
    assert a.sample_rate == 16000 and 3.5 < a.duration_s < 4.5


def expect_error(data: bytes, *words: str, **kwargs):
    with pytest.raises(AudioError) as info:
        audio.decode(data, name="up.wav", **kwargs)
    msg = str(info.value)
    assert "\n" not in msg
    assert msg.startswith("up.wav: ")
    for w in words:
        assert w in msg, msg
    return msg


def test_not_audio_at_all():
    expect_error(b"this is a text file, not audio\n" * 20, "not an audio file", "WAV, FLAC")


def test_empty_file():
    expect_error(b"", "empty")


def test_truncated_wav():
    data = wav_bytes(speechlike(1.0))
    expect_error(data[: len(data) // 2], "truncated")


def test_corrupt_flac():
    data = wav_bytes(speechlike(1.0), fmt="FLAC")
    broken = data[:200] + bytes(len(data) - 200)
    expect_error(broken, "corrupt or truncated")


def test_zero_samples():
    expect_error(wav_bytes(np.zeros(0, dtype=np.float32)), "zero samples")


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_samples(bad):
    y = speechlike(0.5)
    y[100:103] = bad
    expect_error(wav_bytes(y, subtype="FLOAT"), "3 NaN or infinite samples")


def test_too_long_refused_before_decoding():
    y = np.zeros(SR * 3, dtype=np.float32)
    expect_error(wav_bytes(y), "3.0 s long", "2 s limit", max_duration=2)


def test_limit_from_environment(monkeypatch):
    monkeypatch.setenv("AUGCHECK_MAX_CLIP_S", "1.5")
    assert audio.max_duration_s() == 1.5
    expect_error(wav_bytes(np.zeros(SR * 2, dtype=np.float32)), "over the 2 s limit")


def test_default_limit_is_ten_minutes(monkeypatch):
    monkeypatch.delenv("AUGCHECK_MAX_CLIP_S", raising=False)
    assert audio.max_duration_s() == 600.0


def test_m4a_refused_with_the_formats_that_work():
    fake_m4a = b"\x00\x00\x00\x20ftypM4A \x00\x00\x02\x00M4A isommp42" + bytes(200)
    expect_error(fake_m4a, "M4A/AAC", "WAV, FLAC, OGG/Vorbis, Opus, MP3")


def test_resample_with_soxr_keeps_duration():
    y = speechlike(1.0, 22050)
    out = audio.resample(y, 22050, 16000)
    assert len(out) == 16000
    assert audio.resample(y, 16000, 16000) is y


def test_wav_bytes_keep_true_level():
    y = 0.05 * speechlike(1.0) / 0.3  # peak 0.05, about -26 dBFS
    back, sr = sf.read(io.BytesIO(audio.to_wav_bytes(y, SR)), dtype="float32")
    assert sr == SR
    assert np.max(np.abs(back)) == pytest.approx(0.05, abs=1e-3)


def test_content_hash_is_sha256():
    assert audio.content_hash(b"abc").startswith("ba7816bf")
