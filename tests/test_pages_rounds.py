"""Rounds (engineer) and Review (labeler) pages through AppTest, on a real SQLite file."""

import json
import sqlite3

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT, players


@pytest.fixture
def app(data_dir):
    st.cache_resource.clear()
    st.cache_data.clear()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    at.run()
    at.session_state["reviewer"] = "eng"
    return at


def db(data_dir, sql, *args):
    return sqlite3.connect(data_dir / "augcheck.db").execute(sql, args).fetchall()


def make_recipe_and_round(app, data_dir):
    app.radio(key="answer_realistic").set_value("Yes")
    app.radio(key="answer_clear").set_value("Yes")
    app.button(key="save").click().run()
    app.switch_page("views/rounds.py").run()
    assert not app.exception, app.exception
    assert any("No recipe has the status" in i.value for i in app.info)
    rid = db(data_dir, "select id from recipes")[0][0]
    app.multiselect(key="round_recipes").set_value([rid])
    app.text_input(key="round_name").input("week 47")
    app.number_input(key="round_per_recipe").set_value(4)
    app.slider(key="round_anchor_share").set_value(0.5)
    app.button(key="round_create").click().run()
    assert not app.exception and not app.error, (app.exception, [e.value for e in app.error])
    token = db(data_dir, "select token from rounds")[0][0]
    # personal signed links, one per labeler name typed (names are plain text, never markdown)
    app.text_area(key=f"round_labelers_{token}").input("lee\n\n**kim**").run()
    links = next(d.value for d in app.dataframe if "link" in d.value.columns)
    assert links["labeler"].tolist() == ["lee", "**kim**"]
    assert all(f"round={token}" in u and "&sig=" in u for u in links["link"])
    assert "labeler=lee&" in links["link"][0]
    assert not any("<strong>kim" in m.value or "**kim**" in m.value for m in app.markdown)
    return token


def personal_link(at, data_dir, token, name):
    """Open the review page the way a labeler's signed link does."""
    from augment import access

    at.switch_page("views/review.py")
    at.query_params["round"] = token
    at.query_params["labeler"] = name
    at.query_params["sig"] = access.sign(access.link_secret(data_dir), token, name)


def label_everything(data_dir, token, name, careful=True):
    """Answer every sample. A careful labeler hears the -20 dB anchors as unclear (the test
    looks the hidden kind up in the database); a careless one calls everything clear."""
    from augment.review import labeling
    from augment.store import Store

    store = Store(f"sqlite:///{data_dir / 'augcheck.db'}")
    st.cache_resource.clear()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    personal_link(at, data_dir, token, name)
    at.run()
    seen = 0
    while not at.success:
        assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])
        text = " ".join(x.value for x in [*at.markdown, *at.caption, *at.subheader])
        assert "snr_db" not in text and "background_noise" not in text  # parameters hidden
        (player,) = players(at)  # one player: the clean reference and the sample
        assert [s["id"] for s in player["signals"]] == ["reference", "sample"]
        shown = json.dumps(player)
        assert "snr" not in shown and "noise" not in shown and "seed" not in shown
        radios = {r.key.rsplit("_", 1)[0]: r for r in at.radio}
        radios["review_realistic"].set_value("Yes")
        sample, _, _ = labeling.next_sample(store, token, name)
        radios["review_clear"].set_value("No" if careful and sample.kind == "bad" else "Yes")
        at.button(key="review_save").click().run()
        seen += 1
        assert seen <= 20
    return at, seen


def test_round_from_setup_to_results(app, data_dir):
    token = make_recipe_and_round(app, data_dir)
    total = len(db(data_dir, "select id from round_samples"))
    assert total == 8  # 4 recipe samples + 4 attention checks at a 0.5 share
    at, seen = label_everything(data_dir, token, "lee")
    assert seen == total
    assert "All done" in at.success[0].value
    answers = db(data_dir, "select count(*), count(distinct sample_id) from round_answers")
    assert answers == [(total, total)]
    assert db(data_dir, "select count(*) from reviews where origin='round'") == [(4,)]
    # a careless labeler: says every sample is clear, including the -20 dB anchors
    label_everything(data_dir, token, "kim", careful=False)
    app.run()
    assert not app.exception, app.exception
    per_labeler = next(d.value for d in app.dataframe if "anchor accuracy" in d.value.columns)
    assert set(per_labeler["labeler"]) == {"lee", "kim"}
    assert per_labeler["answered"].tolist() == [total, total]
    flagged = dict(zip(per_labeler["labeler"], per_labeler["flagged"], strict=True))
    assert flagged == {"kim": True, "lee": False}
    assert any("kim" in w.value for w in app.warning)  # left out of the round's figures
    app.switch_page("views/recipes.py").run()
    table = app.dataframe[0].value
    assert table["reviews"].iloc[0] == 1 + 4  # the Studio review + lee's 4; kim's left out
    app.toggle(key="leave_out_flagged").set_value(False).run()
    assert app.dataframe[0].value["reviews"].iloc[0] == 1 + 8


def test_review_resumes_after_leaving(app, data_dir):
    token = make_recipe_and_round(app, data_dir)
    st.cache_resource.clear()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    personal_link(at, data_dir, token, "sam")  # the link remembers the name
    at.run()
    for _ in range(3):
        radios = {r.key.rsplit("_", 1)[0]: r for r in at.radio}
        radios["review_realistic"].set_value("No")
        radios["review_clear"].set_value("Yes")
        at.button(key="review_save").click().run()
    assert "3 of 8" in at.get("progress")[0].proto.text
    # another day: a new session (server restarted, caches gone) opens the same link
    st.cache_resource.clear()
    again = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    personal_link(again, data_dir, token, "sam")
    again.run()
    assert "3 of 8" in again.get("progress")[0].proto.text
    assert db(data_dir, "select count(*) from round_answers where labeler='sam'") == [(3,)]


def test_review_without_a_round_explains(app):
    app.switch_page("views/review.py").run()
    assert "personal round link" in app.info[0].value


def test_labelers_match_loudness_without_seeing_a_level(app, data_dir):
    token = make_recipe_and_round(app, data_dir)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    personal_link(at, data_dir, token, "sam")
    at.run()
    (player,) = players(at)
    assert player["match"] == {
        "signal": "sample",
        "on": False,
        "gain_db": None,  # measured only when asked for
        "note": "",
        "show_gain": False,
    }
    at.session_state["player_match_loudness"] = True  # what the player's switch sets
    at.run()
    (player,) = players(at)
    assert player["match"]["on"] is True and isinstance(player["match"]["gain_db"], float)
    assert player["match"]["show_gain"] is False
