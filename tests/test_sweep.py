import pytest

from augment.errors import ParameterError
from augment.recipe import Recipe, render, source
from augment.review.sweep import ladder, make_sweep
from tests.conftest import SR, noise_signal

BASE = Recipe.from_dict(
    {"name": "cafe", "steps": [{"step": "background_noise", "snr_db": 10}, {"step": "gain"}]}
)


def test_ladder_both_directions():
    assert ladder(30, -10, 9) == [30, 25, 20, 15, 10, 5, 0, -5, -10]
    assert ladder(0, 1, 3) == [0, 0.5, 1]


@pytest.mark.parametrize("args", [(0, 1, 1), (0, 1, 100), (3, 3, 5), (0, 1, 2.5)])
def test_bad_ladders(args):
    with pytest.raises(ParameterError):
        ladder(*args)


def test_sweep_recipes():
    values = ladder(30, -10, 9)
    sw = make_sweep(BASE, "background_noise.snr_db", values, seed=4)
    assert sw.base.setting("background_noise.snr_db") == [-10.0, 30.0]
    assert [r.setting("background_noise.snr_db") for r in sw.rungs] == values
    assert sorted(sw.order) == list(range(9)) and list(sw.order) != list(range(9))
    assert sw.base.id != BASE.id and len({r.id for r in sw.rungs}) == 9
    assert all(r.setting("gain.gain_db") == 0.0 for r in sw.rungs)


def test_rungs_differ_only_in_the_swept_parameter(speech):
    sw = make_sweep(BASE, "background_noise.snr_db", [20.0, 0.0], seed=4)
    noises = [source("n", "white", noise_signal(6.0), SR)]
    a, b = (render(r, speech, SR, seed=sw.seed, noises=noises) for r in sw.rungs)
    assert a.params[0]["offset_s"] == b.params[0]["offset_s"]
    assert a.metrics["snr_db"] == pytest.approx(20.0, abs=0.01)
    assert b.metrics["snr_db"] == pytest.approx(0.0, abs=0.01)


def test_sweep_checks_bounds_and_kind():
    with pytest.raises(ParameterError, match="outside"):
        make_sweep(BASE, "background_noise.snr_db", [0, 100], seed=1)
    with pytest.raises(ParameterError, match="no parameter"):
        make_sweep(BASE, "reverb.wet", [0, 1], seed=1)
    rev = Recipe.from_dict({"steps": [{"step": "reverb"}]})
    with pytest.raises(ParameterError, match="not numeric"):
        make_sweep(rev, "reverb.room", [0, 1], seed=1)


def test_with_setting_and_numeric_keys():
    r = Recipe.from_dict({"steps": [{"step": "gain"}, {"step": "gain", "gain_db": -3}]})
    assert r.numeric_keys() == ["gain.gain_db", "gain#2.gain_db"]
    r2 = r.with_setting("gain#2.gain_db", [-6, 0])
    assert r2.steps[1].settings["gain_db"] == [-6.0, 0.0] and r2.steps[0] == r.steps[0]
    with pytest.raises(ParameterError):
        r.with_setting("gain.gain_db", 99)
