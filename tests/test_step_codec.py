"""The codec step (augment/steps/codec.py): a phone line (8 kHz mu-law) or a VoIP call (Opus).

It was added by touching only its own file, this file and the README's step table: the registry,
the CLI, the Studio and the audiomentations export find it through its class.
"""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
import soundfile as sf
import streamlit as st
from scipy.signal import welch
from streamlit.testing.v1 import AppTest

from augment.audio import resample
from augment.cli import main
from augment.errors import ParameterError
from augment.export.audiomentations import (
    compose_from_dict,
    to_audiomentations_code,
    to_audiomentations_dict,
)
from augment.recipe import Recipe, render, source
from augment.steps import STEPS
from augment.steps.codec import VOIP_RATE_HZ, code, opus_level
from tests.conftest import ROOT, noise_signal


@pytest.fixture(scope="module")
def talk():
    y, sr = sf.read(ROOT / "tests" / "data" / "cmu_arctic_us_aew_a0001.wav", dtype="float32")
    return y, sr


def recipe(*steps):
    return Recipe.from_dict({"name": "codec test", "steps": list(steps)})


def band_share_db(y, sr, lo_hz, hi_hz):
    """Power between lo_hz and hi_hz over power in the speech band (300-3000 Hz), in dB."""
    f, p = welch(y, sr, nperseg=1024)
    band = p[(f >= lo_hz) & (f < hi_hz)].mean()
    return 10 * np.log10(band / p[(f >= 300) & (f < 3000)].mean())


def test_registered_after_the_band_pass_and_listed_by_the_cli(capsys):
    names = list(STEPS)
    assert names.index("band_pass") < names.index("codec") < names.index("gain")
    assert main(["steps"]) == 0
    listed = {s["step"]: s for s in json.loads(capsys.readouterr().out)["steps"]}
    assert [p["name"] for p in listed["codec"]["params"]] == ["format", "bitrate_kbps"]


@pytest.mark.parametrize("fmt", ["mu_law", "opus"])
@pytest.mark.parametrize("sr", [16000, 44100])
def test_length_and_rate_kept_and_the_same_every_time(talk, fmt, sr):
    y = resample(talk[0], talk[1], sr)
    r = recipe({"step": "codec", "format": fmt, "bitrate_kbps": 12})
    a = render(r, y, sr, seed=3)
    b = render(r, y, sr, seed=3)
    assert a.sample_rate == sr and len(a.samples) == len(y)
    assert np.array_equal(a.samples, b.samples)
    assert not np.array_equal(a.samples, y)
    assert not STEPS["codec"].changes_length


@pytest.mark.parametrize("n", [1, 2, 50])
def test_very_short_clips_keep_their_length(n):
    y = np.full(n, 0.1, dtype=np.float32)
    for fmt in ("mu_law", "opus"):
        assert len(code(y, 44100, fmt)) == n


def test_mu_law_is_the_8_khz_phone_band_with_companding_noise(talk):
    y, _ = talk
    y44 = resample(y, 16000, 44100)
    out = code(y44, 44100, "mu_law")
    # above the 4 kHz Nyquist of the phone line: more than 50 dB down (the original: ~ -25 dB)
    assert band_share_db(y44, 44100, 4500, 8000) > -35
    assert band_share_db(out, 44100, 4500, 8000) < -50
    # 8-bit companding noise: 37.5 dB below the band-limited speech (as the export note says)
    band = resample(resample(y, 16000, 8000), 8000, 16000)[: len(y)]
    mu = code(y, 16000, "mu_law")
    snr = 10 * np.log10(np.sum(band**2) / np.sum((mu - band) ** 2))
    assert 35 < snr < 40


@pytest.mark.parametrize("kbps", [8, 16, 32, 64])
def test_opus_runs_at_the_asked_bitrate(talk, kbps):
    """Asked bitrate against the size of the Ogg Opus stream libsndfile writes (framing
    included, so a little above the target)."""
    y = resample(*talk, VOIP_RATE_HZ)
    buf = io.BytesIO()
    sf.write(buf, y, VOIP_RATE_HZ, format="OGG", subtype="OPUS", compression_level=opus_level(kbps))
    measured = len(buf.getvalue()) * 8 / (len(y) / VOIP_RATE_HZ) / 1000
    assert kbps * 0.9 <= measured <= kbps * 1.05 + 3, measured


def test_a_lower_bitrate_sounds_worse(talk):
    y, sr = talk
    errors = [np.mean((code(y, sr, "opus", kbps) - y) ** 2) for kbps in (8, 16, 64)]
    assert errors[0] > errors[1] > errors[2]


def test_bitrate_only_matters_for_opus():
    codec = STEPS["codec"]
    assert [p.name for p in codec.shown_params({"format": "mu_law"})] == ["format"]
    assert len(codec.shown_params({"format": "opus"})) == 2
    rng = np.random.default_rng(0)
    drawn = codec().sample(codec.normalise({"format": "mu_law"}), rng, 100, None)
    assert drawn == {"format": "mu_law"}
    with pytest.raises(ParameterError, match="bitrate_kbps=4 is outside"):
        codec.normalise({"format": "opus", "bitrate_kbps": 4})


def test_the_codec_hears_the_mix_of_speech_and_noise(talk):
    """A codec is not linear: the output is codec(speech + noise), not the two coded apart."""
    y, sr = talk
    noises = [source("n", "n", noise_signal(5.0, sr), sr)]
    noisy = render(recipe({"step": "background_noise", "snr_db": 10}), y, sr, seed=1, noises=noises)
    both = recipe({"step": "background_noise", "snr_db": 10}, {"step": "codec"})
    out = render(both, y, sr, seed=1, noises=noises)
    expected = np.clip(code(noisy.samples, sr, "mu_law"), -1, 1)
    assert np.max(np.abs(out.samples - expected)) < 1e-6
    # the measured SNR: coded speech against what the noise added to it after the codec (the
    # phone band cuts the noise's top half, so it rises above the 10 dB mixed in)
    speech = code(noisy.samples - noisy.noise, sr, "mu_law").astype(np.float64)
    added = code(noisy.samples, sr, "mu_law") - speech
    expected_snr = 10 * np.log10(np.sum(speech**2) / np.sum(added**2))
    assert out.metrics["snr_db"] == pytest.approx(expected_snr, abs=0.01)
    assert out.metrics["snr_db"] > 10.5


def test_exported_as_honest_nearest_transforms():
    d = to_audiomentations_dict(recipe({"step": "codec"}))
    (t,) = d["transforms"]
    assert t["__class_fullname__"].endswith("LowPassFilter") and t["min_cutoff_freq"] == 3770.0
    assert t["__augcheck__"]["match"] == "none" and "37.5 dB" in t["__augcheck__"]["note"]
    d = to_audiomentations_dict(
        recipe({"step": "codec", "format": "opus", "bitrate_kbps": [9, 30]})
    )
    (t,) = d["transforms"]
    assert t["__class_fullname__"].endswith("Mp3Compression")
    assert (t["min_bitrate"], t["max_bitrate"]) == (8, 32)
    assert "STOI" in t["__augcheck__"]["note"]
    both = recipe({"step": "codec", "format": ["mu_law", "opus"]})
    (one_of,) = to_audiomentations_dict(both)["transforms"]
    assert one_of["__class_fullname__"].endswith("OneOf") and len(one_of["transforms"]) == 2
    code_text = to_audiomentations_code(both)
    assert "Mp3Compression(" in code_text and "# codec: none: audiomentations has no" in code_text


def test_the_exported_pipeline_builds_and_runs_the_phone_band(talk):
    pytest.importorskip("audiomentations")
    y, sr = talk
    augment = compose_from_dict(to_audiomentations_dict(recipe({"step": "codec"})))
    out = augment(samples=y, sample_rate=sr)
    assert band_share_db(out, sr, 4500, 8000) < -40


def test_in_the_studio_with_its_presets(data_dir):
    st.cache_resource.clear()
    st.cache_data.clear()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    at.run()
    at.toggle(key="codec.on").set_value(True).run()
    assert not at.exception, at.exception
    assert not [s for s in at.slider if s.key == "codec.bitrate_kbps"]  # mu-law: no bitrate
    at.selectbox(key="codec.preset").set_value("VoIP, poor (Opus 8 kbit/s)").run()
    assert at.segmented_control(key="codec.format").value == "opus"
    assert at.slider(key="codec.bitrate_kbps").value == 8.0
    assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])
    length = next(m for m in at.metric if m.label == "Length")
    assert not length.delta  # the length did not change
