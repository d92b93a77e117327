import json

import numpy as np
import pytest

from augment.errors import ParameterError
from augment.recipe import Recipe, render, source
from tests.conftest import SR, noise_signal

FULL = {
    "name": "everything",
    "steps": [
        {"step": "time_stretch", "rate": [0.9, 1.1]},
        {"step": "pitch_shift", "semitones": [-2, 2]},
        {"step": "reverb", "rt60_s": [0.3, 0.8], "wet": 0.3},
        {"step": "background_noise", "snr_db": [0, 20]},
        {"step": "band_pass", "low_hz": 300, "high_hz": 3400},
        {"step": "gain", "gain_db": [-6, 0]},
    ],
}
NOISES = [
    source("n1", "white", noise_signal(5.0), SR),
    source("n2", "other", noise_signal(4, seed=9), SR),
]


def test_json_round_trip_keeps_the_id():
    r = Recipe.from_dict(FULL)
    again = Recipe.from_json(r.to_json())
    assert again == r and again.id == r.id
    assert Recipe.from_json(r.to_json(with_id=True)).id == r.id


def test_id_ignores_name_key_order_and_number_spelling():
    a = Recipe.from_dict({"name": "a", "steps": [{"step": "gain", "gain_db": -3}]})
    b = Recipe.from_json('{"steps": [{"gain_db": -3.0, "step": "gain"}], "name": "b"}')
    assert a.id == b.id


def test_defaults_are_part_of_the_recipe():
    a = Recipe.from_dict({"steps": [{"step": "band_pass"}]})
    b = Recipe.from_dict({"steps": [{"step": "band_pass", "low_hz": 300, "high_hz": 3400}]})
    assert a.id == b.id
    assert a.steps[0].settings == {"low_hz": 300.0, "high_hz": 3400.0}


def test_different_settings_or_order_are_different_recipes():
    a = Recipe.from_dict({"steps": [{"step": "gain", "gain_db": -3}]})
    b = Recipe.from_dict({"steps": [{"step": "gain", "gain_db": -2}]})
    c = Recipe.from_dict({"steps": [{"step": "gain", "gain_db": [-3, -2]}]})
    g = {"step": "gain"}
    bp = {"step": "band_pass"}
    d1 = Recipe.from_dict({"steps": [g, bp]})
    d2 = Recipe.from_dict({"steps": [bp, g]})
    assert len({a.id, b.id, c.id, d1.id, d2.id}) == 5


def test_collapsed_range_is_the_fixed_value():
    a = Recipe.from_dict({"steps": [{"step": "gain", "gain_db": [-3, -3]}]})
    assert a.steps[0].settings["gain_db"] == -3.0


def test_id_mismatch_is_refused():
    data = {**Recipe.from_dict(FULL).to_dict(), "id": "0000000000000000"}
    with pytest.raises(ParameterError, match="does not match its steps"):
        Recipe.from_dict(data)


@pytest.mark.parametrize(
    "text,match",
    [
        ("{not json", "not valid JSON"),
        ("[]", "a recipe is a JSON object"),
        ('{"steps": {}}', "'steps' must be a list"),
        ('{"steps": [3]}', "step 1 must be an object"),
        ('{"steps": [], "colour": 1}', "unknown key 'colour'"),
    ],
)
def test_bad_recipe_json(text, match):
    with pytest.raises(ParameterError, match=match):
        Recipe.from_json(text)


def test_same_seed_same_bytes_other_seed_other_bytes(speech):
    r = Recipe.from_dict(FULL)
    a = render(r, speech, SR, seed=42, noises=NOISES)
    b = render(r, speech, SR, seed=42, noises=NOISES)
    c = render(r, speech, SR, seed=43, noises=NOISES)
    assert a.samples.tobytes() == b.samples.tobytes()
    assert a.params == b.params
    assert a.samples.tobytes() != c.samples.tobytes()
    assert a.params != c.params
    json.dumps(a.params)  # stored as JSON with every review


def test_turning_another_step_on_does_not_change_the_draw(speech):
    base = Recipe.from_dict({"steps": [{"step": "background_noise", "snr_db": [0, 20]}]})
    more = Recipe.from_dict(
        {"steps": [{"step": "gain", "gain_db": [-6, 0]}, *base.to_dict()["steps"]]}
    )
    a = render(base, speech, SR, seed=5, noises=NOISES).params[0]
    b = render(more, speech, SR, seed=5, noises=NOISES).params[1]
    assert a == b


def test_noise_drawn_from_the_pool_is_recorded(speech):
    r = Recipe.from_dict({"steps": [{"step": "background_noise"}]})
    picked = {render(r, speech, SR, seed=s, noises=NOISES).params[0]["noise"] for s in range(12)}
    assert picked == {"n1", "n2"}


def test_no_global_random_state_is_used(speech):
    r = Recipe.from_dict(FULL)
    np.random.seed(0)
    a = render(r, speech, SR, seed=1, noises=NOISES)
    np.random.seed(123)
    np.random.random(10)
    b = render(r, speech, SR, seed=1, noises=NOISES)
    assert a.samples.tobytes() == b.samples.tobytes()


@pytest.mark.parametrize("seed", [-1, 1.5, "7", True, 2**63])
def test_bad_seed(speech, seed):
    with pytest.raises(ParameterError, match="seed="):
        render(Recipe.from_dict({"steps": []}), speech, SR, seed=seed)


def test_empty_recipe_is_the_original(speech):
    out = render(Recipe.from_dict({"steps": []}), speech, SR, seed=0)
    np.testing.assert_array_equal(out.samples, speech)
    assert out.metrics["snr_db"] is None


def test_summary_reads_well():
    text = Recipe.from_dict(FULL).summary()
    assert "background_noise (snr_db 0..20 dB)" in text
    assert "band_pass (low_hz 300 Hz, high_hz 3400 Hz)" in text
