"""augment.hints: STOI, speech-only SNR, loudness, and the hints dict."""

from __future__ import annotations

import json

import numpy as np
import pytest

from augment import audio, hints, metrics
from augment.errors import ParameterError
from augment.recipe import Recipe, render, source
from tests.conftest import SR, noise_signal, speechlike

SEED = 3


def _recipe(*steps: dict) -> Recipe:
    return Recipe.from_dict({"name": "", "steps": list(steps)})


@pytest.fixture
def clip(arctic):
    a = audio.read(arctic)
    return a.samples, a.sample_rate


@pytest.fixture
def dishes_src(dishes):
    n = audio.read(dishes)
    return source("dishes", "doing_the_dishes", n.samples, n.sample_rate, target_sr=SR)


def _with_noise(y, sr, snr_db, src):
    return render(
        _recipe({"step": "background_noise", "snr_db": snr_db}), y, sr, seed=SEED, noises=[src]
    )


# --------------------------------------------------------------------------------------------
# STOI
# --------------------------------------------------------------------------------------------
def test_stoi_is_one_on_an_unchanged_clip(clip):
    y, sr = clip
    assert hints.stoi_hint(y, y.copy(), sr) == {
        "stoi": pytest.approx(1.0, abs=1e-3),
        "reason": None,
    }
    assert hints.stoi_hint(y, y, sr)["stoi"] >= 0.999
    # one sample longer still lines up
    assert hints.stoi_hint(y, np.append(y, 0.0), sr)["stoi"] >= 0.999


def test_stoi_falls_with_noise(clip, dishes_src):
    y, sr = clip
    values = [
        hints.stoi_hint(y, _with_noise(y, sr, s, dishes_src).samples, sr)["stoi"]
        for s in (20.0, 5.0, -5.0)
    ]
    # measured (seed 3, a0001): 0.989, 0.854, 0.675
    assert values[0] > values[1] > values[2], values
    assert values[0] > 0.95 and values[2] < 0.85, values


def test_stoi_is_not_applicable_after_a_time_stretch(clip):
    y, sr = clip
    out = render(_recipe({"step": "time_stretch", "rate": 1.25}), y, sr, seed=SEED).samples
    got = hints.stoi_hint(y, out, sr, cause="time_stretch")
    assert got == {
        "stoi": None,
        "reason": "not applicable: the timing changed (time_stretch), so samples no longer line up",
    }
    generic = hints.stoi_hint(y, out, sr)["reason"]
    assert generic.startswith("not applicable: the timing changed (") and str(len(y)) in generic


def test_stoi_on_silence_and_tiny_clips():
    assert hints.stoi_hint(np.zeros(SR), np.zeros(SR), SR)["stoi"] is None
    short = speechlike(0.2)
    got = hints.stoi_hint(short, short, SR)
    assert got["stoi"] is None and "too little" in got["reason"]


# --------------------------------------------------------------------------------------------
# speech-only SNR
# --------------------------------------------------------------------------------------------
def test_speech_snr_is_above_whole_clip_snr_with_long_silences(clip, dishes_src):
    y, sr = clip
    padded = np.concatenate([y, np.zeros(2 * sr, np.float32)])  # speech + 2 s of silence
    r = _with_noise(padded, sr, 5.0, dishes_src)
    clean = r.samples.astype(np.float64) - r.noise
    whole = metrics.snr_db(clean, r.noise)
    speech = hints.speech_snr_db(clean, r.noise, sr)
    assert whole == pytest.approx(5.0, abs=0.05)
    # the silences add noise but no speech: over speech frames the SNR is higher.
    # measured (seed 3): 8.6 dB vs 5.0 (speech frames are 59 % of the padded clip; 5.4 dB unpadded)
    assert speech > whole + 1.5, (speech, whole)
    # on the unpadded clip (only short pauses) the two agree more closely
    r0 = _with_noise(y, sr, 5.0, dishes_src)
    near = hints.speech_snr_db(r0.samples.astype(np.float64) - r0.noise, r0.noise, sr)
    assert abs(near - 5.0) < speech - whole


def test_speech_mask_at_other_rates(clip):
    y, sr = clip
    padded = np.concatenate([np.zeros(sr, np.float32), y, np.zeros(sr, np.float32)])
    for rate in (22050, 44100):
        z = audio.resample(padded, sr, rate)
        mask = hints.speech_mask(z, rate)
        assert mask.shape == z.shape
        assert not mask[: rate // 2].any() and not mask[-rate // 2 :].any()
        assert 0.4 < mask.mean() < 0.8


def test_speech_snr_without_speech_says_why():
    value, reason = hints.speech_snr(np.zeros(SR), noise_signal(1.0), SR)
    assert value is None and "no speech" in reason
    assert hints.speech_snr_db(np.zeros(SR), noise_signal(1.0), SR) is None
    with pytest.raises(ParameterError, match=r"clean \(16000 samples\) and noise \(8000"):
        hints.speech_snr_db(np.zeros(SR), np.zeros(SR // 2), SR)


# --------------------------------------------------------------------------------------------
# loudness
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("rate", [16000, 48000])
def test_lufs_of_a_full_scale_1khz_sine(rate):
    t = np.arange(3 * rate) / rate
    # ITU-R BS.1770: a 0 dBFS 1 kHz sine in one channel reads -3.01 LKFS
    assert hints.lufs(np.sin(2 * np.pi * 1000 * t), rate) == pytest.approx(-3.0, abs=0.5)
    assert hints.lufs(0.1 * np.sin(2 * np.pi * 1000 * t), rate) == pytest.approx(-23.0, abs=0.5)


def test_lufs_is_none_for_silence_and_short_clips():
    assert hints.lufs(np.zeros(SR), SR) is None
    assert hints.lufs(np.full(SR, 1e-6), SR) is None  # under the -70 LUFS gate
    assert hints.lufs(speechlike(0.3), SR) is None  # shorter than one 0.4 s block
    assert hints.lufs(np.zeros(0), SR) is None


# --------------------------------------------------------------------------------------------
# the hints dict
# --------------------------------------------------------------------------------------------
KEYS = {
    "stoi",
    "stoi_reason",
    "snr_db",
    "snr_db_speech",
    "snr_db_speech_reason",
    "lufs_original",
    "lufs_augmented",
    "clipped_fraction",
}


def test_hints_of_a_noisy_sample(clip, dishes_src):
    y, sr = clip
    r = _with_noise(y, sr, 10.0, dishes_src)
    h = hints.hints(y, r.samples, r.noise, sr)
    assert set(h) == KEYS
    json.dumps(h, allow_nan=False)
    assert h["snr_db"] == pytest.approx(r.metrics["snr_db"], abs=0.01)
    assert h["snr_db_speech"] is not None and h["snr_db_speech_reason"] is None
    assert 0.8 < h["stoi"] < 1.0 and h["stoi_reason"] is None
    assert h["lufs_augmented"] > h["lufs_original"]  # noise adds energy
    assert h["clipped_fraction"] == 0.0
    # the clean component given explicitly gives the same numbers
    explicit = hints.hints(y, r.samples, r.noise, sr, clean_component=r.samples - r.noise)
    assert explicit == h


def test_hints_without_noise_and_with_clipping(clip):
    y, sr = clip
    r = render(_recipe({"step": "gain", "gain_db": 12.0}), y, sr, seed=SEED)
    h = hints.hints(y, r.samples, None, sr)
    assert h["snr_db"] is None and h["snr_db_speech"] is None
    assert h["snr_db_speech_reason"] == "no noise was added"
    assert (
        h["clipped_fraction"] == pytest.approx(r.metrics["clipped_fraction"])
        and h["clipped_fraction"] > 0
    )
    json.dumps(h, allow_nan=False)


def test_hints_after_a_time_stretch_and_on_silence(dishes_src):
    y = speechlike(2.0)
    r = render(
        _recipe(
            {"step": "time_stretch", "rate": 0.8}, {"step": "background_noise", "snr_db": 10.0}
        ),
        y,
        SR,
        seed=SEED,
        noises=[dishes_src],
    )
    h = hints.hints(y, r.samples, r.noise, SR, timing_cause="time_stretch")
    assert h["stoi"] is None and "time_stretch" in h["stoi_reason"]
    assert h["snr_db"] == pytest.approx(10.0, abs=0.05)
    silent = hints.hints(np.zeros(SR // 4), np.zeros(SR // 4), np.zeros(SR // 4), SR)
    assert silent["stoi"] is None and silent["lufs_original"] is None
    assert silent["snr_db"] is None and silent["snr_db_speech"] is None
    json.dumps(silent, allow_nan=False)
    with pytest.raises(ParameterError, match="noise"):
        hints.hints(y, y, np.zeros(10), SR)


def test_loudness_match_gain_brings_a_quieter_sample_to_the_originals_loudness(clip):
    clip, sr = clip
    assert sr == SR
    quiet = clip * 10 ** (-9 / 20)  # 9 dB down: the gain is +9 dB
    gain, reason = hints.loudness_match_gain_db(hints.lufs(clip, SR), hints.lufs(quiet, SR))
    assert reason is None and gain == pytest.approx(9.0, abs=0.01)
    gain, _ = hints.loudness_match_gain_db(hints.lufs(quiet, SR), hints.lufs(clip, SR))
    assert gain == pytest.approx(-9.0, abs=0.01)
    # after the gain, the meter agrees
    matched = quiet * 10 ** (9.0 / 20)
    assert hints.lufs(matched, SR) == pytest.approx(hints.lufs(clip, SR), abs=0.01)


def test_loudness_match_says_why_it_cannot(clip):
    clip, _ = clip
    silent = np.zeros_like(clip)
    gain, reason = hints.loudness_match_gain_db(hints.lufs(clip, SR), hints.lufs(silent, SR))
    assert gain is None and "this sample has no integrated loudness" in reason
    gain, reason = hints.loudness_match_gain_db(None, hints.lufs(clip, SR))
    assert gain is None and reason.startswith("the original")
