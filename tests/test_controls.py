"""The Studio's controls as plain data (augment.controls): keys, loading a stored recipe, presets,
which parameters show, sweep ends. No Streamlit: the state is a dict."""

from __future__ import annotations

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from augment import controls
from augment.recipe import Recipe
from augment.steps import STEPS, Param, Step
from tests.conftest import ROOT, switch_step_off_and_on


def recipe(*steps, name="r"):
    return Recipe.from_dict({"name": name, "steps": list(steps)})


def test_a_recipe_in_the_studios_order_comes_back_unchanged():
    r = recipe(
        {"step": "reverb", "room": "synthetic", "rt60_s": 0.7, "wet": 0.2},
        {"step": "background_noise", "snr_db": 5},
        {"step": "band_pass", "low_hz": 300, "high_hz": 3400},
        {"step": "gain", "gain_db": -3},
    )
    state, notes = controls.recipe_state(r)
    assert notes == []
    assert state["recipe_name"] == "r"
    assert state["time_stretch.on"] is False and state["reverb.on"] is True
    assert state["reverb.rt60_s"] == 0.7 and state["gain.gain_db"] == -3.0
    assert Recipe.from_dict({"name": "r", "steps": controls.recipe_steps(state)}).id == r.id


def test_ranges_load_into_the_range_sliders_and_come_back():
    r = recipe({"step": "background_noise", "snr_db": [0, 20]}, {"step": "gain", "gain_db": -3})
    state, _ = controls.recipe_state(r)
    assert state["background_noise.ranged"] is True
    assert state["background_noise.snr_db.range"] == (0.0, 20.0)
    assert state["gain.ranged"] is False
    assert Recipe.from_dict({"steps": controls.recipe_steps(state)}).id == r.id


def test_a_ranged_step_with_one_fixed_value_keeps_it_as_an_equal_range():
    r = recipe({"step": "band_pass", "low_hz": [200, 400], "high_hz": 3400})
    state, _ = controls.recipe_state(r)
    assert state["band_pass.high_hz.range"] == (3400.0, 3400.0)
    assert Recipe.from_dict({"steps": controls.recipe_steps(state)}).id == r.id


def test_repeated_steps_show_the_first_and_say_so():
    r = recipe({"step": "gain", "gain_db": -6}, {"step": "gain", "gain_db": 3})
    state, notes = controls.recipe_state(r)
    assert state["gain.gain_db"] == -6.0
    assert notes == ["it repeats a step; the Studio shows the first of each"]


def test_another_step_order_is_shown_in_the_studios_order_and_said():
    r = recipe({"step": "gain", "gain_db": -6}, {"step": "background_noise", "snr_db": 5})
    state, notes = controls.recipe_state(r)
    assert len(notes) == 1 and notes[0].startswith("its step order differs from the Studio's")
    assert [s["step"] for s in controls.recipe_steps(state)] == ["background_noise", "gain"]


def test_a_choice_drawn_from_several_options_shows_the_first():
    r = recipe({"step": "reverb", "room": ["impulse_response", "synthetic"], "wet": 0.5})
    state, notes = controls.recipe_state(r)
    assert state["reverb.room"] == "impulse_response"
    assert notes == [
        "reverb.room draws from ['impulse_response', 'synthetic']; the Studio shows "
        "impulse_response"
    ]


def test_loading_turns_off_the_steps_the_recipe_does_not_use():
    state, _ = controls.recipe_state(recipe({"step": "gain", "gain_db": 1}))
    assert [k for k, v in state.items() if k.endswith(".on") and v] == ["gain.on"]


def test_rt60_shows_only_for_a_synthetic_room():
    reverb = STEPS["reverb"]
    state = {**controls.initial_state(), "reverb.on": True, "reverb.room": "impulse_response"}
    assert controls.step_settings(reverb, state) == {"room": "impulse_response", "wet": 0.3}
    state["reverb.room"] = "synthetic"
    assert controls.step_settings(reverb, state) == {"room": "synthetic", "rt60_s": 0.5, "wet": 0.3}
    state["reverb.room"] = None  # a segmented control with nothing picked: the default
    assert controls.step_settings(reverb, state)["room"] == "synthetic"


def test_initial_state_turns_on_the_default_steps_only():
    state = controls.initial_state()
    on = [k for k, v in state.items() if k.endswith(".on") and v]
    audio = controls.AUDIO_STEPS.values()
    assert on == [f"{s.name}.on" for s in audio if s.default_on] == ["background_noise.on"]
    assert controls.recipe_steps(state) == [{"step": "background_noise", "snr_db": 10.0}]
    assert state["gain.gain_db.range"] == (-6.0, 6.0)


class Hiss(Step):
    """A step the Studio has never seen, with presets of its own."""

    name = "hiss"
    title = "Hiss"
    params = (Param("level_db", -60.0, 0.0, -40.0, "dB"), Param("tilt_db", -6.0, 6.0, 0.0, "dB"))
    presets = {"tape": {"level_db": -30.0, "tilt_db": 3.0}}


def test_a_preset_sets_its_own_steps_values_fixed_and_as_ranges():
    assert controls.preset_state(Hiss, "tape") == {
        "hiss.level_db": -30.0,
        "hiss.level_db.range": (-30.0, -30.0),
        "hiss.tilt_db": 3.0,
        "hiss.tilt_db.range": (3.0, 3.0),
    }
    assert controls.preset_state(Hiss, controls.CUSTOM) == {}
    assert controls.preset_state(Hiss, None) == {}


def test_controls_work_for_any_registry():
    steps = {"hiss": Hiss}
    state = {**controls.initial_state(steps), "hiss.on": True, "hiss.ranged": True}
    assert controls.recipe_steps(state, steps) == [
        {"step": "hiss", "level_db": [-46.0, -34.0], "tilt_db": [-1.2, 1.2]}
    ]


def test_sweep_ends_come_from_the_parameter():
    r = recipe({"step": "background_noise", "snr_db": 5}, {"step": "gain", "gain_db": 0})
    spec, start, stop = controls.sweep_ends(r, "background_noise.snr_db")
    assert (spec.name, start, stop) == ("snr_db", 30.0, -10.0)
    assert controls.sweep_ends(r, "gain.gain_db")[1:] == (20.0, -40.0)


def test_labels_and_formats():
    snr = STEPS["background_noise"].param("snr_db")
    rate = STEPS["time_stretch"].param("rate")
    semitones = STEPS["pitch_shift"].param("semitones")
    assert controls.label(snr) == "snr_db (dB)" and controls.label(rate) == "rate (x)"
    assert controls.label(semitones) == "semitones"
    assert controls.number_format(snr) == "%.1f" and controls.number_format(rate) == "%.2f"


# --- the Studio's Preset box, driven through the page -------------------------------------------
@pytest.fixture
def studio(data_dir):
    st.cache_resource.clear()
    st.cache_data.clear()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    at.run()
    assert not at.exception, at.exception
    return at


def test_a_preset_of_a_step_other_than_band_pass_sets_that_steps_sliders(studio, monkeypatch):
    """The Preset box's callback once applied band_pass's values whatever the step."""
    gain = STEPS["gain"]
    monkeypatch.setattr(gain, "presets", {"quiet recorder (-20 dB)": {"gain_db": -20.0}})
    studio.run()
    studio.toggle(key="gain.on").set_value(True).run()
    studio.selectbox(key="gain.preset").set_value("quiet recorder (-20 dB)").run()
    assert not studio.exception, studio.exception
    assert studio.slider(key="gain.gain_db").value == -20.0
    assert studio.session_state["band_pass.low_hz"] == 300.0  # band_pass left as it was


def test_control_keys_cover_every_control_and_keep_resets_only_those_set():
    keys = controls.control_keys()
    assert len(keys) == len(set(keys))
    assert set(controls.initial_state()) <= set(keys)
    assert {"band_pass.on", "band_pass.ranged", "band_pass.preset", "reverb.room.multi"} <= set(
        keys
    )
    assert controls.control_keys(prefix="img.")[0].startswith("img.")

    class Recording(dict):
        """A mapping that records every assignment (Streamlit keeps what is set in a run)."""

        def __init__(self, *a):
            super().__init__(*a)
            self.assigned = []

        def __setitem__(self, key, value):
            self.assigned.append(key)
            super().__setitem__(key, value)

    state = Recording({"gain.gain_db": -6.0, "band_pass.low_hz.range": (200.0, 400.0), "x": 1})
    controls.keep(state, keys)
    assert sorted(state.assigned) == ["band_pass.low_hz.range", "gain.gain_db"]
    assert state == {"gain.gain_db": -6.0, "band_pass.low_hz.range": (200.0, 400.0), "x": 1}


def test_a_step_that_is_off_shows_only_its_switch_and_keeps_its_values(studio):
    """Switched off, a step draws no sliders; switched back on, its sliders show what was set,
    and the fixed value and the range each survive the "range" switch going on and off."""
    keys = {s.key for s in studio.slider}
    assert keys == {"background_noise.snr_db"}  # band_pass, gain, ... are off: no sliders
    assert {t.key for t in studio.toggle} >= {"band_pass.on", "gain.on", "background_noise.ranged"}
    assert "band_pass.ranged" not in {t.key for t in studio.toggle}
    switch_step_off_and_on(studio, "band_pass", "low_hz", 500.0)
    studio.slider(key="background_noise.snr_db").set_value(5.0).run()
    studio.toggle(key="background_noise.ranged").set_value(True).run()
    studio.slider(key="background_noise.snr_db.range").set_value((2.0, 8.0)).run()
    studio.toggle(key="background_noise.ranged").set_value(False).run()
    assert studio.slider(key="background_noise.snr_db").value == 5.0
    studio.toggle(key="background_noise.ranged").set_value(True).run()
    assert studio.slider(key="background_noise.snr_db.range").value == (2.0, 8.0)
    assert not studio.exception, studio.exception
