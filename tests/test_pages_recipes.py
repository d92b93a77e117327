"""Recipes page and threshold sweep, driven through AppTest on a real SQLite file."""

import json
import sqlite3

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT, players, shown


@pytest.fixture
def app(data_dir):
    st.cache_resource.clear()
    st.cache_data.clear()
    at = AppTest.from_file(
        str(ROOT / "app.py"), default_timeout=150
    )  # waits for the model under load
    at.run()
    assert not at.exception, at.exception
    at.session_state["reviewer"] = "ana"
    return at


def db(data_dir, sql, *args):
    return sqlite3.connect(data_dir / "augcheck.db").execute(sql, args).fetchall()


def errors(at):
    return [shown(e.value) for e in at.error]


def test_recipes_empty_state(app):
    app.switch_page("views/recipes.py").run()
    assert not app.exception
    assert "No recipes yet" in app.info[0].value


def run_sweep(app, threshold):
    """Start a 9-rung snr_db sweep in the Studio; 'clear' when the hidden value >= threshold."""
    app.selectbox(key="sweep_key").set_value("background_noise.snr_db").run()
    app.button(key="sweep_start").click().run()
    assert not app.exception, app.exception
    state = app.session_state["sweep"]
    assert state["values"] == [30, 25, 20, 15, 10, 5, 0, -5, -10]
    heard = []
    for _ in range(9):
        assert not app.exception and not errors(app), errors(app)
        pos = next(i for i in range(9) if str(i) not in app.session_state["sweep"]["answers"])
        # the page hears rungs in the sweep's shuffled order; find which one is on screen
        page_text = " ".join(m.value for m in app.markdown)
        assert "snr_db =" not in page_text  # the value stays hidden
        form_key = next(r.key for r in app.radio if r.key.startswith("sweep_realistic_"))
        pos = int(form_key.rsplit("_", 1)[1])
        value = state["values"][pos]
        heard.append(value)
        (player,) = players(app)  # the original and this rung, its value hidden
        assert [s["id"] for s in player["signals"]] == ["original", "rung"]
        assert player["match"]["show_gain"] is False and "snr" not in json.dumps(player)
        app.radio(key=f"sweep_realistic_{pos}").set_value("Yes")
        app.radio(key=f"sweep_clear_{pos}").set_value("Yes" if value >= threshold else "No")
        app.button(key="sweep_save").click().run()
    assert sorted(heard) == sorted(state["values"]) and heard != state["values"]
    return state


def test_sweep_then_fit_and_suggested_range(app, data_dir):
    run_sweep(app, threshold=5)
    assert any("Sweep finished" in s.value for s in app.success)
    rows = db(data_dir, "select origin, recipe_id, recipe_json, clear from reviews")
    assert len(rows) == 9 and {r[0] for r in rows} == {"sweep"}
    assert len({r[1] for r in rows}) == 1  # all count toward one recipe (snr_db as a range)
    assert len({r[2] for r in rows}) == 9  # each keeps the rung it rendered
    base_id = rows[0][1]
    assert '"snr_db":[-10.0,30.0]' in db(data_dir, "select json from recipes where id=?", base_id)[
        0
    ][0].replace(" ", "")

    app.button(key="sweep_to_recipes").click().run()
    assert not app.exception, app.exception
    assert app.selectbox(key="recipe_pick").value == base_id
    assert len(app.get("vega_lite_chart")) >= 1  # the fit chart of snr_db
    table = next(d.value for d in app.dataframe if "fitted 50% at" in d.value.columns)
    clear50 = table.set_index("answer").loc["clear", "fitted 50% at"]
    assert 0 <= clear50 <= 5  # answers flip between 0 and 5 dB
    app.button(key="suggest_background_noise.snr_db").click().run()
    assert not app.exception, app.exception
    suggested = app.session_state["suggested_background_noise.snr_db"]
    assert suggested["old"] == [-10.0, 30.0]
    assert 0 < suggested["new"][0] <= 10 and suggested["new"][1] == 30.0
    assert db(data_dir, "select parent_id from recipes where id=?", suggested["id"]) == [(base_id,)]


def test_rename_status_and_open_in_studio(app, data_dir):
    app.radio(key="answer_realistic").set_value("Yes")
    app.radio(key="answer_clear").set_value("Yes")
    app.button(key="save").click().run()
    rid = db(data_dir, "select recipe_id from reviews")[0][0]
    app.switch_page("views/recipes.py").run()
    assert not app.exception, app.exception
    app.text_input(key=f"name_{rid}").input("cafe, mild")
    app.button(key=f"rename_go_{rid}").click().run()
    assert db(data_dir, "select name from recipes where id=?", rid) == [("cafe, mild",)]
    app.selectbox(key=f"status_pick_{rid}").set_value("accepted")
    app.button(key=f"status_go_{rid}").click().run()
    assert "give a reason" in errors(app)[0]
    app.text_input(key=f"status_reason_{rid}").input("sounds right")
    app.button(key=f"status_go_{rid}").click().run()
    assert db(data_dir, "select status, status_by, status_reason from recipes where id=?", rid) == [
        ("accepted", "ana", "sounds right")
    ]
    code = app.get("code")
    assert any("Compose" in c.value for c in code)
    app.button(key="open_in_studio").click().run()
    assert not app.exception, app.exception
    assert app.title[0].value == "Studio"
    assert any("Opened recipe" in i.value for i in app.info)
    # AppTest keeps the page the test last chose for later runs; follow the app's own switch
    app.switch_page("views/studio.py")
    assert app.toggle(key="background_noise.on").value is True
    app.slider(key="background_noise.snr_db").set_value(3.0).run()
    assert not app.exception and not errors(app), (app.exception, errors(app))
    app.radio(key="answer_realistic").set_value("No")
    app.radio(key="answer_clear").set_value("Yes")
    app.button(key="save").click().run()
    ids = db(data_dir, "select id, parent_id from recipes order by created_at")
    assert len(ids) == 2 and ids[1][1] == rid  # editing made a new recipe, the old one stays


def test_import_page(app, data_dir):
    app.switch_page("views/import_recipe.py").run()
    app.text_area(key="import_text").input('{"name": "phone", "steps": [{"step": "band_pass"}]}')
    app.button(key="import_go").click().run()
    assert any("Imported" in s.value for s in app.success)
    app.button(key="import_go").click().run()
    assert any("Already in the library" in s.value for s in app.success)
    app.text_area(key="import_text").input('{"steps": [{"step": "gain", "gain_db": 99}]}')
    app.button(key="import_go").click().run()
    assert "gain.gain_db=99" in errors(app)[0]
    assert len(db(data_dir, "select id from recipes")) == 1


def test_humans_against_numbers_lists_and_plays_disagreements(app, data_dir, monkeypatch):
    monkeypatch.setenv("AUGCHECK_MODEL_WAIT_S", "120")
    app.toggle(key="background_noise.ranged").set_value(True).run()
    app.slider(key="background_noise.snr_db.range").set_value((-15.0, 30.0)).run()
    for clear in ("No", "Yes", "Yes"):  # three draws, three answers
        app.button(key="new_draw").click().run()
        app.radio(key="answer_realistic").set_value("Yes")
        app.radio(key="answer_clear").set_value(clear)
        app.button(key="save").click().run()
        assert not app.exception and not errors(app), (app.exception, errors(app))
    stored = db(data_dir, "select metrics_json from reviews")
    assert len(stored) == 3 and all('"stoi"' in m[0] for m in stored)
    app.switch_page("views/recipes.py").run()
    assert not app.exception, app.exception
    assert any(s.value == "Humans against numbers" for s in app.subheader)
    plays = [b for b in app.button if b.key.startswith("play_stoi_")]
    assert len(plays) == 3
    assert not players(app)
    plays[0].click().run()
    assert not app.exception, app.exception
    (player,) = players(app)  # the disagreeing sample, re-rendered, beside its original
    assert [s["id"] for s in player["signals"]] == ["original", "sample"]
    assert all(s["url"] for s in player["signals"])
