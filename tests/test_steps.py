import numpy as np
import pytest

from augment import metrics
from augment.errors import AudioError, ParameterError
from augment.recipe import Recipe, render, source
from augment.steps import STEPS, get_step
from augment.steps.background_noise import loop_noise
from tests.conftest import SR, noise_signal


def run(steps, y, *, seed=0, noises=(), irs=()):
    return render(Recipe.from_dict({"steps": steps}), y, SR, seed=seed, noises=noises, irs=irs)


def tone(freq, duration_s=1.0, amp=0.5, sr=SR):
    return (amp * np.sin(2 * np.pi * freq * np.arange(int(duration_s * sr)) / sr)).astype(
        np.float32
    )


def dominant_hz(y, sr=SR):
    spec = np.abs(np.fft.rfft(y * np.hanning(len(y))))
    return np.argmax(spec) * sr / len(y)


def band_db(y, lo, hi, sr=SR):
    spec = np.abs(np.fft.rfft(y)) ** 2
    f = np.fft.rfftfreq(len(y), 1 / sr)
    return 10 * np.log10(spec[(f >= lo) & (f < hi)].sum() + 1e-20)


NOISE = [source("n1", "white", noise_signal(), SR)]


# --- gain -------------------------------------------------------------------------------------
def test_gain_scales_exactly(speech):
    out = run([{"step": "gain", "gain_db": -6.0}], speech).samples
    np.testing.assert_allclose(out, speech * 10 ** (-6 / 20), rtol=1e-6)


def test_gain_past_full_scale_clips_and_reports(speech):
    out = run([{"step": "gain", "gain_db": 20.0}], speech)
    assert out.metrics["clipped_fraction"] > 0.01
    assert np.max(np.abs(out.samples)) <= 1.0


# --- time stretch and pitch shift -------------------------------------------------------------
@pytest.mark.parametrize("rate", [0.8, 1.25])
def test_time_stretch_changes_length_not_pitch(rate):
    y = tone(440, 2.0)
    out = run([{"step": "time_stretch", "rate": rate}], y)
    assert len(out.samples) == pytest.approx(len(y) / rate, rel=0.01)
    assert dominant_hz(out.samples[4000:-4000]) == pytest.approx(440, abs=5)
    assert out.metrics["duration_s"] == pytest.approx(2.0 / rate, rel=0.01)


@pytest.mark.parametrize("semitones,factor", [(12, 2.0), (-12, 0.5), (2, 2 ** (2 / 12))])
def test_pitch_shift_moves_pitch_keeps_length(semitones, factor):
    y = tone(440, 1.5)
    out = run([{"step": "pitch_shift", "semitones": semitones}], y).samples
    assert len(out) == len(y)
    assert dominant_hz(out[4000:-4000]) == pytest.approx(440 * factor, rel=0.02)


def test_pitch_round_trip_keeps_speech_intelligible(arctic):
    from pystoi import stoi

    from augment import audio

    a = audio.read(arctic)
    up = run([{"step": "pitch_shift", "semitones": 2}], a.samples).samples
    back = run([{"step": "pitch_shift", "semitones": -2}], up).samples
    assert stoi(a.samples, back, SR) > 0.95  # librosa's phase vocoder gives about 0.72 here


# --- band pass --------------------------------------------------------------------------------
def test_band_pass_telephone_keeps_band_cuts_outside():
    y = tone(100) + tone(1000) + tone(6000)
    preset = STEPS["band_pass"].presets["telephone (300-3400 Hz)"]
    out = run([{"step": "band_pass", **preset}], y).samples
    assert band_db(out, 950, 1050) == pytest.approx(band_db(y, 950, 1050), abs=0.5)
    assert band_db(out, 80, 120) < band_db(y, 80, 120) - 30
    assert band_db(out, 5900, 6100) < band_db(y, 5900, 6100) - 30


def test_band_pass_above_nyquist_becomes_high_pass():
    y = tone(50) + tone(3000)
    out = run([{"step": "band_pass", "low_hz": 300, "high_hz": 12000}], y).samples
    assert band_db(out, 2900, 3100) == pytest.approx(band_db(y, 2900, 3100), abs=0.5)
    assert band_db(out, 40, 60) < band_db(y, 40, 60) - 30


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("sr", [8000, 16000, 44100])
@pytest.mark.parametrize("band", [(300.0, 3400.0), (50.0, 7000.0), (300.0, 20000.0)])
@pytest.mark.parametrize("n", [60, 16001])
def test_band_pass_gives_scipys_sosfiltfilt_bytes(dtype, sr, band, n):
    """The band pass designs the filter's initial state once (hand-written sosfiltfilt): its
    output must stay scipy's, bit for bit, for a float32 signal and a float64 noise track, or
    rendered files and re-rendered reviews would change."""
    from scipy.signal import butter, sosfiltfilt

    from augment.steps import Context

    low, high = band
    y = (np.random.default_rng(n).standard_normal(n) * 0.2).astype(dtype)
    if high >= 0.98 * sr / 2:
        sos = butter(4, low, btype="highpass", fs=sr, output="sos")
    else:
        sos = butter(4, [low, high], btype="bandpass", fs=sr, output="sos")
    out = STEPS["band_pass"]().apply(y, {"low_hz": low, "high_hz": high}, Context(sr), None)
    expected = sosfiltfilt(sos, y).astype(np.float32)
    assert out.dtype == np.float32 and out.tobytes() == expected.tobytes()


def test_band_pass_low_must_be_below_high():
    with pytest.raises(ParameterError, match="low_hz .* must stay below high_hz"):
        Recipe.from_dict({"steps": [{"step": "band_pass", "low_hz": 3000, "high_hz": 2000}]})


# --- reverb -----------------------------------------------------------------------------------
def test_reverb_adds_a_tail_and_keeps_length():
    y = np.zeros(SR, dtype=np.float32)
    y[:800] = tone(500, 0.05)
    out = run([{"step": "reverb", "rt60_s": 0.8, "wet": 0.5}], y).samples
    assert len(out) == len(y)
    tail = slice(4000, 8000)  # 0.25-0.5 s: silence in the dry signal
    assert np.sum(y[tail] ** 2) == 0
    assert np.sum(out[tail] ** 2) > 1e-6


def test_longer_rt60_means_longer_tail():
    y = np.zeros(SR * 2, dtype=np.float32)
    y[0] = 1.0
    short = run([{"step": "reverb", "rt60_s": 0.3, "wet": 1.0}], y).samples
    long = run([{"step": "reverb", "rt60_s": 1.5, "wet": 1.0}], y).samples
    late = slice(int(0.5 * SR), SR)
    assert np.sum(long[late] ** 2) > 100 * np.sum(short[late] ** 2)


def test_reverb_wet_zero_is_identity(speech):
    out = run([{"step": "reverb", "wet": 0.0}], speech).samples
    np.testing.assert_array_equal(out, speech)


def test_reverb_with_library_impulse_response(speech):
    ir = np.zeros(800, dtype=np.float32)
    ir[0], ir[400] = 1.0, 0.5  # an echo 25 ms later
    out = run(
        [{"step": "reverb", "room": "impulse_response", "wet": 1.0}],
        speech,
        irs=[source("ir1", "echo", ir, SR)],
    )
    expected = (speech + 0.5 * np.concatenate([np.zeros(400), speech[:-400]])) / np.sqrt(1.25)
    np.testing.assert_allclose(out.samples, expected, atol=1e-5)
    assert out.params[0]["ir"] == "ir1"


def test_reverb_impulse_response_needs_one(speech):
    with pytest.raises(ParameterError, match="no impulse response"):
        run([{"step": "reverb", "room": "impulse_response"}], speech)


# --- background noise: the SNR ----------------------------------------------------------------
@pytest.mark.parametrize("snr", [-10.0, 0.0, 5.0, 12.5, 30.0])
def test_snr_is_exact(speech, snr):
    out = run([{"step": "background_noise", "snr_db": snr}], speech, noises=NOISE)
    clean = out.samples - out.noise  # the tracked noise component
    assert metrics.snr_db(clean, out.noise) == pytest.approx(snr, abs=0.01)
    assert out.metrics["snr_db"] == pytest.approx(snr, abs=0.01)


def test_snr_exact_on_real_recordings(arctic, dishes):
    from augment import audio

    clip, bg = audio.read(arctic), audio.read(dishes)
    out = run(
        [{"step": "background_noise", "snr_db": 5.0}],
        clip.samples,
        noises=[source("d", "dishes", bg.samples, bg.sample_rate)],
        seed=11,
    )
    # measured independently: the output minus the original clip is exactly the added noise
    added = out.samples.astype(np.float64) - clip.samples
    assert metrics.snr_db(clip.samples, added) == pytest.approx(5.0, abs=0.01)


def test_mix_over_full_scale_is_scaled_down_and_snr_kept():
    loud = 0.95 * np.sign(tone(200))  # near full scale already
    out = run([{"step": "background_noise", "snr_db": 0.0}], loud, noises=NOISE)
    assert np.max(np.abs(out.samples)) <= 0.99 + 1e-6
    assert out.metrics["headroom_gain_db"] < -1.0
    assert out.metrics["clipped_fraction"] == 0.0
    assert out.metrics["snr_db"] == pytest.approx(0.0, abs=0.01)


def test_short_noise_loops_with_crossfade():
    n = np.sin(2 * np.pi * 3 * np.arange(1000) / 1000)  # a ramp-free periodic-ish signal
    out = loop_noise(n, 5000, 200, 50)
    assert len(out) == 5000
    assert np.max(np.abs(np.diff(out))) < 0.2  # no click at the seams


def test_short_noise_in_a_render_fills_the_clip(speech):
    short = [source("s", "short", noise_signal(0.3), SR)]
    out = run([{"step": "background_noise", "snr_db": 10}], speech, noises=short)
    assert len(out.noise) == len(speech)
    assert np.all(np.abs(out.noise[-SR // 2 :]).max() > 0)
    assert out.metrics["snr_db"] == pytest.approx(10, abs=0.01)


def test_offset_is_random_but_recorded(speech):
    long = [source("l", "long", noise_signal(20.0), SR)]
    offsets = {
        run([{"step": "background_noise"}], speech, noises=long, seed=s).params[0]["offset_s"]
        for s in range(5)
    }
    assert len(offsets) == 5
    assert all(0 <= o <= 20.0 - len(speech) / SR for o in offsets)


def test_noise_resampled_to_clip_rate(speech):
    other = [source("r", "22k", noise_signal(3.0, 22050), 22050)]
    out = run([{"step": "background_noise", "snr_db": 3}], speech, noises=other)
    assert len(out.samples) == len(speech)
    assert out.metrics["snr_db"] == pytest.approx(3, abs=0.01)


def test_silent_clean_clip_with_snr_is_refused():
    with pytest.raises(AudioError, match="clean clip is silent, so an SNR is undefined"):
        run([{"step": "background_noise"}], np.zeros(SR, np.float32), noises=NOISE)


def test_silent_noise_is_refused(speech):
    quiet = [source("q", "quiet.wav", np.zeros(SR, np.float32), SR)]
    with pytest.raises(AudioError, match="noise 'quiet.wav' is silent"):
        run([{"step": "background_noise"}], speech, noises=quiet)


def test_noise_step_needs_a_noise(speech):
    with pytest.raises(ParameterError, match="no noise"):
        run([{"step": "background_noise"}], speech)


# --- parameter validation ---------------------------------------------------------------------
@pytest.mark.parametrize(
    "step,match",
    [
        ({"step": "gain", "gain_db": 99}, r"gain.gain_db=99 is outside \[-40, 20\] dB"),
        ({"step": "gain", "volume": 1}, "unknown parameter 'volume'"),
        ({"step": "echo"}, "unknown step 'echo'"),
        ({"step": "gain", "gain_db": "loud"}, "is not a number"),
        ({"step": "gain", "gain_db": [3, -3]}, "low is above high"),
        ({"step": "gain", "gain_db": [1, 2, 3]}, r"a range is \[low, high\]"),
        ({"step": "reverb", "room": "cave"}, "is not one of synthetic, impulse_response"),
        ({"step": "time_stretch", "rate": float("nan")}, "not a finite number"),
    ],
)
def test_bad_parameters_name_the_value(step, match):
    with pytest.raises(ParameterError, match=match):
        Recipe.from_dict({"steps": [step]})


def test_every_step_describes_its_parameters_with_units():
    for name, cls in STEPS.items():
        assert get_step(name) is cls
        d = cls.describe()
        for p in d["params"]:
            assert p["default"] is not None
            if "min" in p:
                assert p["min"] <= p["default"] <= p["max"]
                assert p["unit"] or p["name"] == "wet"


def test_ranges_draw_inside_bounds(speech):
    r = Recipe.from_dict({"steps": [{"step": "gain", "gain_db": [-6, -3]}]})
    drawn = [render(r, speech, SR, seed=s).params[0]["gain_db"] for s in range(30)]
    assert all(-6 <= g <= -3 for g in drawn)
    assert max(drawn) - min(drawn) > 1.5
