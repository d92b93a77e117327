"""The audiomentations export does what the recipe does: same input through augcheck's renderer
and through audiomentations, built both by executing the exported code and from the dict form.

Each test states its tolerance. Where audiomentations calls the same library the same way
(Signalsmith Stretch, scipy's Butterworth) the outputs must be identical to float32 rounding.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import soundfile as sf
from scipy.signal import oaconvolve, welch

from augment.errors import ParameterError
from augment.export.audiomentations import (
    IR_DIR,
    NOISE_DIR,
    compose_from_dict,
    to_audiomentations_code,
    to_audiomentations_dict,
    to_json,
)
from augment.recipe import Recipe, render, source
from augment.steps.reverb import synthetic_ir
from tests.conftest import SR, noise_signal, speechlike

pytest.importorskip("audiomentations")

BUILDERS = ("code", "dict")


def recipe(*steps, name="export test") -> Recipe:
    return Recipe.from_dict({"name": name, "steps": list(steps)})


def build(r: Recipe, how: str, *, noise_dir=None, ir_dir=None):
    """The audiomentations Compose for ``r``: by running the exported code, or from the dict."""
    if how == "code":
        code = to_audiomentations_code(r)
        if noise_dir is not None:
            code = code.replace(json.dumps(NOISE_DIR), json.dumps(str(noise_dir)))
        if ir_dir is not None:
            code = code.replace(json.dumps(IR_DIR), json.dumps(str(ir_dir)))
        namespace: dict = {}
        exec(compile(code, "exported_recipe.py", "exec"), namespace)
        return namespace["augment"]
    spec = json.loads(json.dumps(to_audiomentations_dict(r)))  # through JSON on purpose
    return compose_from_dict(spec, noise_dir=noise_dir, ir_dir=ir_dir)


def ours(r: Recipe, x, **kw) -> np.ndarray:
    return render(r, x, SR, seed=5, **kw).samples


def theirs(r: Recipe, how: str, x, **kw) -> np.ndarray:
    out = build(r, how, **kw)(samples=np.asarray(x, np.float32), sample_rate=SR)
    return np.asarray(out, dtype=np.float32)


def snr_db(signal, noise) -> float:
    signal, noise = np.asarray(signal, np.float64), np.asarray(noise, np.float64)
    return float(10 * np.log10(np.mean(signal**2) / np.mean(noise**2)))


# --- exact counterparts ---------------------------------------------------------------------
@pytest.mark.parametrize("how", BUILDERS)
@pytest.mark.parametrize("gain_db", [-6.0, 3.5])
def test_gain_is_identical(how, gain_db):
    # tolerance: max abs difference < 1e-6 (the same float32 multiply; measured 0)
    r, x = recipe({"step": "gain", "gain_db": gain_db}), speechlike(1.5)
    a, b = ours(r, x), theirs(r, how, x)
    assert a.shape == b.shape
    assert np.max(np.abs(a - b)) < 1e-6


@pytest.mark.parametrize("how", BUILDERS)
@pytest.mark.parametrize(
    "step",
    [
        {"step": "time_stretch", "rate": 0.8},
        {"step": "time_stretch", "rate": 1.25},
        {"step": "pitch_shift", "semitones": -3.0},
        {"step": "pitch_shift", "semitones": 2.0},
    ],
)
def test_stretch_and_pitch_are_identical(how, step):
    # both call python-stretch's Signalsmith Stretch the same way (preset(1 channel, sr), then
    # setTimeFactor / setTransposeSemitones): same length, max abs difference < 1e-6 (measured 0)
    r, x = recipe(step), speechlike(2.0)
    a, b = ours(r, x), theirs(r, how, x)
    assert len(a) == len(b)
    if step["step"] == "time_stretch":
        assert abs(len(a) - len(x) / step["rate"]) <= 0.01 * len(x)
    assert np.max(np.abs(a - b)) < 1e-6


@pytest.mark.parametrize("how", BUILDERS)
@pytest.mark.parametrize("band", [(300.0, 3400.0), (50.0, 7000.0), (100.0, 5000.0)])
def test_fixed_band_pass_is_identical(how, band):
    # BandPassFilter(centre, bandwidth fraction, rolloff 48, zero phase) is scipy's butter(4,
    # [low, high], "bandpass") run with sosfiltfilt, as ours: max abs difference < 1e-6
    r = recipe({"step": "band_pass", "low_hz": band[0], "high_hz": band[1]})
    assert [
        t["__class_fullname__"].rsplit(".", 1)[1] for t in to_audiomentations_dict(r)["transforms"]
    ] == ["BandPassFilter"]
    for x in (speechlike(1.5), noise_signal(1.5)):
        a, b = ours(r, x), theirs(r, how, x)
        assert np.max(np.abs(a - b)) < 1e-6


def band_spectrum_db(y):
    f, p = welch(np.asarray(y, np.float64), fs=SR, nperseg=2048)
    return f, 10 * np.log10(p + 1e-30)


@pytest.mark.parametrize("how", BUILDERS)
@pytest.mark.parametrize("band", [(300.0, 3400.0), (100.0, 5000.0)])
def test_band_pass_range_is_close(how, band):
    # a range exports as HighPassFilter + LowPassFilter (order 4 each, zero phase). A range only
    # 0.002 Hz wide makes both sides draw the same edges to within 0.002 Hz, so the responses can
    # be compared on white noise: within 0.6 dB of each other across the pass band [low, high],
    # and both at least 30 dB below the pass band an octave outside it
    low, high = band
    r = recipe({"step": "band_pass", "low_hz": [low - 0.001, low + 0.001], "high_hz": high})
    names = [
        t["__class_fullname__"].rsplit(".", 1)[1] for t in to_audiomentations_dict(r)["transforms"]
    ]
    assert names == ["HighPassFilter", "LowPassFilter"]
    x = noise_signal(4.0)
    f, a = band_spectrum_db(ours(r, x))
    _, b = band_spectrum_db(theirs(r, how, x))
    passband = (f >= low) & (f <= high)
    assert np.max(np.abs(a[passband] - b[passband])) < 0.6
    level = np.mean(a[(f >= 1.5 * low) & (f <= high / 1.5)])
    # an octave outside: the bins from 2.5x to 2x below low_hz and above high_hz (not the bins
    # next to 0 Hz, where the ends of the clip leave a little energy in both)
    outside = ((f >= low / 2.5) & (f <= low / 2)) | ((f >= 2 * high) & (f <= 2.5 * high))
    assert outside.any()
    assert np.max(a[outside]) < level - 30 and np.max(b[outside]) < level - 30


# --- closest counterparts ---------------------------------------------------------------------
@pytest.fixture
def noise_dir(tmp_path):
    folder = tmp_path / "noises"
    folder.mkdir()
    sf.write(folder / "babble.wav", noise_signal(3.0), SR, subtype="FLOAT")  # longer than clips
    return folder


@pytest.mark.parametrize("how", BUILDERS)
@pytest.mark.parametrize("snr", [-5.0, 5.0, 20.0])
def test_background_noise_snr_matches(how, snr, noise_dir):
    # the offsets differ (both random), so the samples cannot match; the SNR can. audiomentations'
    # output minus its input is the noise added: its SNR against the input must be the asked one
    # within 0.1 dB (measured within 1e-5 dB); ours within 0.01 dB (it is exact)
    r, x = recipe({"step": "background_noise", "snr_db": snr}), speechlike(2.0)
    out = render(r, x, SR, seed=2, noises=[source("n", "babble", noise_signal(3.0), SR)])
    assert abs(out.metrics["snr_db"] - snr) < 0.01
    b = theirs(r, how, x, noise_dir=noise_dir)
    assert b.shape == x.shape
    assert abs(snr_db(x, b - x) - snr) < 0.1


@pytest.mark.parametrize("how", BUILDERS)
def test_background_noise_range_is_drawn_and_kept(how, noise_dir):
    # a range is drawn per call; the SNR measured matches the value audiomentations drew (0.1 dB)
    r, x = recipe({"step": "background_noise", "snr_db": [0, 20]}), speechlike(2.0)
    compose = build(r, how, noise_dir=noise_dir)
    b = compose(samples=x, sample_rate=SR)
    drawn = compose.transforms[0].parameters["snr_db"]
    assert 0.0 <= drawn <= 20.0
    assert abs(snr_db(x, b - x) - drawn) < 0.1


@pytest.fixture
def ir(tmp_path):
    """A unit-energy impulse response that starts at its peak (so ours uses it unchanged)."""
    h = synthetic_ir(0.4, SR, np.random.default_rng(7)).astype(np.float32)
    folder = tmp_path / "irs"
    folder.mkdir()
    sf.write(folder / "room.wav", h, SR, subtype="FLOAT")
    return folder, h


@pytest.mark.parametrize("how", BUILDERS)
def test_impulse_response_matches_up_to_one_gain(how, ir):
    # ApplyImpulseResponse has no wet/dry mix and scales its output so the full convolution
    # peaks at 0.5. With wet=1 and a unit-energy IR that starts at its peak, its output is ours
    # times that one gain: the gain within 1e-4 (relative) of 0.5 / peak(full convolution), and
    # after it the max abs difference < 1e-5 (measured 1.3e-7; float32 vs float64 convolution)
    folder, h = ir
    r = recipe({"step": "reverb", "room": "impulse_response", "wet": 1.0})
    x = speechlike(2.0)
    a = ours(r, x, irs=[source("ir", "room", h, SR)]).astype(np.float64)
    b = theirs(r, how, x, ir_dir=folder).astype(np.float64)
    assert a.shape == b.shape == x.shape
    gain = float(np.dot(a, b) / np.dot(a, a))
    expected = 0.5 / np.max(np.abs(oaconvolve(x.astype(np.float64), h.astype(np.float64))))
    assert abs(gain / expected - 1) < 1e-4
    assert np.max(np.abs(b - gain * a)) < 1e-5


def test_synthetic_reverb_exports_a_room_simulator():
    r = recipe({"step": "reverb", "room": "synthetic", "rt60_s": [0.3, 0.6], "wet": 0.4})
    spec = to_audiomentations_dict(r)
    (room,) = spec["transforms"]
    assert room["__class_fullname__"].endswith(".RoomSimulator")
    assert (room["calculation_mode"], room["min_target_rt60"], room["max_target_rt60"]) == (
        "rt60",
        0.3,
        0.6,
    )
    assert room["__augcheck__"]["match"] == "none"
    code = to_audiomentations_code(r)
    assert "no exact counterpart" in code and "pyroomacoustics" in code
    build(r, "code")  # constructing needs no pyroomacoustics; running does
    build(r, "dict")


def test_synthetic_reverb_runs_with_pyroomacoustics():
    pytest.importorskip("pyroomacoustics", reason="RoomSimulator needs pyroomacoustics")
    r = recipe({"step": "reverb", "room": "synthetic", "rt60_s": 0.4, "wet": 1.0})
    x = speechlike(1.0)
    b = theirs(r, "code", x)
    assert b.shape == x.shape and np.all(np.isfinite(b))


def test_both_rooms_become_one_of(ir):
    folder, _ = ir
    r = recipe({"step": "reverb", "room": ["synthetic", "impulse_response"], "wet": 0.5})
    (one_of,) = to_audiomentations_dict(r)["transforms"]
    assert one_of["__class_fullname__"].endswith(".OneOf")
    inner = [t["__class_fullname__"].rsplit(".", 1)[1] for t in one_of["transforms"]]
    assert inner == ["ApplyImpulseResponse", "RoomSimulator"]
    assert "wet" in to_audiomentations_code(r)  # the comment says the mix is lost
    assert type(build(r, "code", ir_dir=folder).transforms[0]).__name__ == "OneOf"


# --- a whole recipe, order and no-ops ----------------------------------------------------------
@pytest.mark.parametrize("how", BUILDERS)
def test_chain_keeps_order_and_matches(how):
    # exact steps chained: max abs difference < 1e-6 (the order matters: stretch before filter)
    r = recipe(
        {"step": "time_stretch", "rate": 1.1},
        {"step": "pitch_shift", "semitones": 1.0},
        {"step": "band_pass", "low_hz": 300, "high_hz": 3400},
        {"step": "gain", "gain_db": 4.0},
    )
    x = speechlike(2.0)
    a, b = ours(r, x), theirs(r, how, x)
    assert a.shape == b.shape
    assert np.max(np.abs(a - b)) < 1e-6


def test_no_op_steps_are_left_out():
    r = recipe(
        {"step": "time_stretch", "rate": 1.0},
        {"step": "pitch_shift", "semitones": 0},
        {"step": "reverb", "wet": 0},
        {"step": "gain", "gain_db": -3},
    )
    spec = to_audiomentations_dict(r)
    assert [t["__class_fullname__"].rsplit(".", 1)[1] for t in spec["transforms"]] == ["Gain"]
    assert spec["__augcheck__"]["skipped"] == ["time_stretch", "pitch_shift", "reverb"]
    code = to_audiomentations_code(r)
    assert "# time_stretch: a no-op" in code and "TimeStretch(" not in code
    assert "NOISE_DIR" not in code and "IR_DIR" not in code


def test_ranges_become_min_and_max():
    r = recipe(
        {"step": "gain", "gain_db": [-6, 2]},
        {"step": "time_stretch", "rate": [0.9, 1.2]},
        {"step": "pitch_shift", "semitones": [-2, 2]},
        {"step": "background_noise", "snr_db": [0, 20]},
    )
    t = to_audiomentations_dict(r)["transforms"]
    assert (t[0]["min_gain_db"], t[0]["max_gain_db"]) == (-6.0, 2.0)
    assert (t[1]["min_rate"], t[1]["max_rate"], t[1]["leave_length_unchanged"]) == (0.9, 1.2, False)
    assert (t[2]["min_semitones"], t[2]["max_semitones"]) == (-2.0, 2.0)
    assert (t[3]["min_snr_db"], t[3]["max_snr_db"], t[3]["noise_rms"]) == (0.0, 20.0, "relative")
    assert all(x["p"] == 1.0 for x in t)


# --- forms ---------------------------------------------------------------------------------------
def test_code_header_names_the_recipe():
    r = recipe({"step": "background_noise"}, name='cafe "loud"\nphone')
    code = to_audiomentations_code(r)
    assert code.splitlines()[0].startswith("# augcheck recipe ") and r.id in code.splitlines()[0]
    assert f'NOISE_DIR = "{NOISE_DIR}"' in code and "sounds_path=NOISE_DIR" in code
    compile(code, "x", "exec")


def test_json_round_trip_keeps_the_id():
    r = recipe(
        {"step": "background_noise", "snr_db": [0, 20]},
        {"step": "band_pass", "low_hz": 300, "high_hz": 3400},
        name="cafe, phone",
    )
    back = Recipe.from_json(to_json(r))
    assert back.id == r.id and back.name == r.name
    assert json.loads(to_json(r))["id"] == r.id


def test_dict_is_plain_json_and_short_names_work(noise_dir):
    r = recipe({"step": "background_noise"}, {"step": "gain", "gain_db": -3})
    spec = to_audiomentations_dict(r)
    assert json.loads(json.dumps(spec)) == spec
    assert spec["__class_fullname__"] == "audiomentations.core.composition.Compose"
    assert spec["transforms"][1]["__class_fullname__"] == "audiomentations.augmentations.gain.Gain"
    # audiomentations' own to_dict writes short names ("Gain"); those are accepted too
    short = json.loads(json.dumps(spec))
    short["__class_fullname__"] = "Compose"
    short["transforms"][1]["__class_fullname__"] = "Gain"
    compose = compose_from_dict(short, noise_dir=noise_dir)
    assert [type(t).__name__ for t in compose.transforms] == ["AddBackgroundNoise", "Gain"]


def test_compose_from_dict_refuses_bad_input():
    r = recipe({"step": "background_noise"})
    with pytest.raises(ParameterError, match="noise_dir"):
        compose_from_dict(to_audiomentations_dict(r))  # the placeholder folder does not exist
    with pytest.raises(ParameterError, match="not an audiomentations class"):
        compose_from_dict({"__class_fullname__": "os.system"})
    with pytest.raises(ParameterError, match="has no"):
        compose_from_dict({"__class_fullname__": "audiomentations.Nope"})
    with pytest.raises(ParameterError, match="Gain"):
        compose_from_dict({"__class_fullname__": "Gain", "min_gain_db": 3, "max_gain_db": 1})
