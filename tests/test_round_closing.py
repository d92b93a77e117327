"""Rounds can be closed: late answers are refused, results are frozen (issue 9, item 11)."""

from __future__ import annotations

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from augment.errors import ParameterError
from augment.recipe import Recipe
from augment.review import labeling, round_results, rounds
from tests.conftest import ROOT, speechlike, wav_bytes

RECIPE = Recipe.from_dict({"name": "cafe", "steps": [{"step": "background_noise", "snr_db": 5}]})


def make_round(store):
    clip, _ = store.add_media(wav_bytes(speechlike(1.0)), name="c.wav", kind="speech")
    noise, _ = store.add_media(wav_bytes(speechlike(2.0, seed=4)), name="n.wav", kind="noise")
    store.save_recipe(RECIPE)
    return rounds.create_round(
        store,
        name="r",
        recipe_ids=[RECIPE.id],
        clip_hashes=[clip.hash],
        noise_hashes=[noise.hash],
        samples_per_recipe=3,
        offer_reference=False,
        anchor_share=0.0,
        created_by="eve",
        seed=2,
    )


def say(store, info, labeler, sid, clear=True):
    return labeling.answer(
        store, info.token, labeler, sid, realistic=True, clear=clear, model_poor="no"
    )


def test_a_closed_round_refuses_late_answers_and_its_results_stay(store):
    info = make_round(store)
    first, second, *_ = info.sample_ids
    assert say(store, info, "ann", first)
    before = round_results.round_results(store, info.token)
    closed = rounds.close_round(store, info.token, by="eve")
    assert closed.closed and closed.closed_by == "eve"
    with pytest.raises(ParameterError, match="is closed"):
        say(store, info, "bob", second, clear=False)
    with pytest.raises(ParameterError, match="is closed"):
        say(store, info, "ann", second)
    after = round_results.round_results(store, info.token)
    assert {k: v for k, v in after.items() if k != "round"} == {
        k: v for k, v in before.items() if k != "round"
    }
    assert len(store.reviews()) == 1  # nothing late reached the recipe's reviews either
    again = rounds.close_round(store, info.token, by="someone else")
    assert (again.closed_at, again.closed_by) == (closed.closed_at, "eve")


def test_closing_needs_a_name(store):
    info = make_round(store)
    with pytest.raises(ParameterError, match="enter your name"):
        rounds.close_round(store, info.token, by=" ")
    assert not rounds.get_round(store, info.token).closed


def test_close_on_the_rounds_page_and_the_link_says_closed(data_dir):
    from augment.store import Store

    data_dir.mkdir(parents=True, exist_ok=True)
    info = make_round(Store())
    st.cache_resource.clear()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    at.session_state["reviewer"] = "eve"
    at.switch_page("views/rounds.py").run()
    at.button(key=f"round_close_{info.token}").click().run()
    assert not at.exception, at.exception
    assert any("the link takes no more answers" in i.value for i in at.info)
    labeler = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    labeler.switch_page("views/review.py")
    labeler.query_params["round"] = info.token
    labeler.query_params["labeler"] = "ann"
    from augment import access

    labeler.query_params["sig"] = access.sign(access.link_secret(data_dir), info.token, "ann")
    labeler.run()
    assert not labeler.exception, labeler.exception
    assert any("This round is closed" in i.value for i in labeler.info)
    assert not any(b.key == "review_save" for b in labeler.button)
