"""augment.param_key: one format for "<step>.<param>" and "<step>#2.<param>"."""

import pytest

from augment.errors import ParameterError
from augment.param_key import ParamKey, numbered
from augment.recipe import Recipe


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("gain.gain_db", ParamKey("gain", "gain_db", 1)),
        ("gain#2.gain_db", ParamKey("gain", "gain_db", 2)),
        ("background_noise#12.snr_db", ParamKey("background_noise", "snr_db", 12)),
        ("reverb.rt60_s", ParamKey("reverb", "rt60_s")),
    ],
)
def test_parse_and_format_round_trip(text, key):
    assert ParamKey.parse(text) == key
    assert str(key) == text


@pytest.mark.parametrize(
    "bad",
    ["gain", "gain#1x.gain_db", "gain#0.gain_db", "gain#.gain_db", ".gain_db", "Gain.x", "", 3],
)
def test_malformed_keys_are_refused_naming_the_value(bad):
    with pytest.raises(
        ParameterError, match=r"key=.* is not '<step>.<param>' or '<step>#2.<param>'"
    ):
        ParamKey.parse(bad)


def test_first_use_has_no_number():
    assert ParamKey("gain", "gain_db", 1).prefix == "gain"
    assert ParamKey("gain", "gain_db", 3).prefix == "gain#3"


def test_numbered_counts_each_steps_uses():
    assert list(numbered(["gain", "band_pass", "gain", "gain"])) == [
        ("gain", 1),
        ("band_pass", 1),
        ("gain", 2),
        ("gain", 3),
    ]


def test_recipe_keys_use_the_type():
    r = Recipe.from_dict(
        {"steps": [{"step": "gain", "gain_db": -3}, {"step": "gain", "gain_db": [-6, 0]}]}
    )
    assert r.numeric_keys() == ["gain.gain_db", "gain#2.gain_db"]
    for text in r.numeric_keys():
        assert r.step_index(text) == (r.numeric_keys().index(text), "gain_db")
    assert r.setting("gain#2.gain_db") == [-6.0, 0.0]
    with pytest.raises(ParameterError, match=r"no parameter 'gain#3.gain_db' \(it has 2 gain"):
        r.step_index("gain#3.gain_db")
    with pytest.raises(ParameterError, match="is not '<step>.<param>'"):
        r.with_setting("gain_db", 1)
