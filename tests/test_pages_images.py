"""The image Studio as a user drives it (AppTest, real SQLite file, the demo pictures)."""

from __future__ import annotations

import io
import json
import sqlite3

import numpy as np
import pytest
import streamlit as st
from PIL import Image
from streamlit.testing.v1 import AppTest

from augment.image.synthetic import phone_picture
from tests.conftest import ROOT, switch_step_off_and_on


@pytest.fixture
def app(data_dir):
    st.cache_resource.clear()
    st.cache_data.clear()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    at.run()
    at.segmented_control(key="studio_media").set_value("Images").run()
    assert not at.exception, at.exception
    return at


def metric(at, label):
    return next(m.value for m in at.metric if m.label == label)


def errors(at):
    return [e.value for e in at.error]


def png(pixels) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, format="PNG")
    return buf.getvalue()


def test_demo_picture_slider_save_and_labels_row(app, data_dir):
    # the scratched demo phone is picked, with its box; flip and brightness are on
    assert (
        "scratched"
        in app.selectbox(key="img.picture")
        .format_func(app.selectbox(key="img.picture").value)
        .lower()
    )
    assert {"Mean luminance", "Clipped", "PSNR", "SSIM", "Contrast in box"} <= {
        m.label for m in app.metric
    }
    before = float(metric(app, "Mean luminance"))
    box_before = metric(app, "Contrast in box")
    app.slider(key="img.brightness.exposure_ev").set_value(-3.0).run()
    assert not app.exception, app.exception
    after = float(metric(app, "Mean luminance"))
    assert after < before / 4
    assert metric(app, "Contrast in box") != box_before
    assert [r.label for r in app.radio][:2] == [
        "Looks realistic",
        "Label still clear (a person can still see the defect / tell the class)",
    ]
    app.session_state["reviewer"] = "ana"
    app.radio(key="img_answer_realistic").set_value("Yes")
    app.radio(key="img_answer_clear").set_value("No")
    app.text_input(key="img_answer_note").input("too dark to see the scratch")
    app.button(key="img_save").click().run()
    assert not app.exception and not errors(app), errors(app)
    db = sqlite3.connect(data_dir / "augcheck.db")
    recipe_json, params, verdict, metrics, clip = db.execute(
        "select recipe_json, params_json, verdict, metrics_json, clip_hash from reviews"
    ).fetchone()
    assert verdict == "reject"
    steps = [s["step"] for s in json.loads(recipe_json)["steps"]]
    assert steps == ["flip", "brightness"]
    assert json.loads(params)[1]["exposure_ev"] == -3.0
    assert json.loads(metrics)["mean_luminance"] == pytest.approx(after, abs=0.6)
    kind = db.execute("select kind from media where hash = ?", (clip,)).fetchone()[0]
    assert kind == "image"
    # the Labels page lists it like any review
    app.switch_page("views/labels.py").run()
    assert not app.exception, app.exception
    frames = [df.value for df in app.dataframe]
    assert any("too dark to see the scratch" in df.to_csv() for df in frames)


def test_zoom_difference_and_defects(app):
    app.toggle(key="img.scratches.on").set_value(True).run()
    app.segmented_control(key="img.zoom").set_value("Label box").run()
    app.segmented_control(key="img.right").set_value("Difference ×4").run()
    assert not app.exception, app.exception
    app.segmented_control(key="img.right").set_value("Drawn defects").run()
    assert not app.exception, app.exception
    captions = [img.caption for e in app.get("image") for img in e.proto.imgs]
    assert captions[0] == "Original" and captions[1].startswith("Drawn defects in magenta")


@pytest.mark.parametrize(
    "payload,message",
    [
        (b"definitely not a picture", "not an image"),
        (png(phone_picture(80, 60)[0])[:300], "truncated"),
    ],
    ids=["text", "truncated"],
)
def test_bad_picture_upload_is_one_line_and_stores_nothing(app, data_dir, payload, message):
    db = sqlite3.connect(data_dir / "augcheck.db")
    before = db.execute("select count(*) from media").fetchone()[0]
    app.file_uploader(key="img.picture_upload").upload("bad.png", payload, "image/png").run()
    assert not app.exception
    assert len(errors(app)) == 1 and message in errors(app)[0] and "\n" not in errors(app)[0]
    assert db.execute("select count(*) from media").fetchone()[0] == before


def test_uploaded_picture_is_picked_and_rendered(app):
    pixels = np.full((60, 80, 3), 200, np.uint8)
    app.file_uploader(key="img.picture_upload").upload("grey.png", png(pixels), "image/png").run()
    assert not app.exception, app.exception
    assert not errors(app)
    assert float(metric(app, "Mean luminance")) == pytest.approx(200, abs=1)


def test_the_example_model_prefills_question_3(data_dir, monkeypatch):
    monkeypatch.setenv("AUGCHECK_IMAGE_MODEL", "plugins.example_image_model:scratch_detector")
    st.cache_resource.clear()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    at.run()
    at.segmented_control(key="studio_media").set_value("Images").run()
    at.slider(key="img.brightness.exposure_ev").set_value(-4.0).run()
    assert not at.exception, at.exception
    assert metric(at, "Model (plugins.example_image_model:scratch_detector)") == (
        "scratched → clean"
    )
    q3 = next(r for r in at.radio if r.key.startswith("img_model_poor"))
    assert q3.value == "Yes"


def test_an_image_recipe_on_the_recipes_page(app):
    app.session_state["reviewer"] = "ana"
    app.radio(key="img_answer_realistic").set_value("Yes")
    app.radio(key="img_answer_clear").set_value("Yes")
    app.button(key="img_save").click().run()
    assert not errors(app)
    app.switch_page("views/recipes.py").run()
    assert not app.exception, app.exception
    codes = [c.value for c in app.code]
    assert any("import albumentations as A" in c and "A.HorizontalFlip" in c for c in codes)
    app.button(key="open_in_studio").click().run()  # back in the Images view, the same recipe
    assert not app.exception, app.exception
    assert any("Opened recipe" in i.value for i in app.info)


def test_rounds_say_they_hold_one_kind_of_media(app):
    app.session_state["reviewer"] = "ana"
    app.radio(key="img_answer_realistic").set_value("Yes")
    app.radio(key="img_answer_clear").set_value("No")
    app.button(key="img_save").click().run()
    app.switch_page("views/rounds.py").run()
    assert not app.exception, app.exception
    assert any("A round holds one kind of media" in c.value for c in app.caption)
    # the image recipe is offered, its kind beside its name
    recipes = app.multiselect(key="round_recipes")
    assert [o.rsplit(" · ", 1)[1].split(" ")[0] for o in recipes.options] == ["image"]


def test_a_brightness_sweep_finds_where_the_label_stops_being_clear(app, data_dir):
    from augment.recipe import Recipe
    from augment.review.stats import parameter_effect
    from augment.review.sweep import make_sweep
    from augment.store import Store

    app.session_state["reviewer"] = "ana"
    app.selectbox(key="img.sweep_key").set_value("brightness.exposure_ev").run()
    app.number_input(key="img.sweep_rungs").set_value(13).run()
    app.button(key="img.sweep_start").click().run()
    assert not app.exception, app.exception
    state = app.session_state["sweep"]
    assert state["modality"] == "image" and state["values"][0] == 0.0
    assert state["values"][-1] == -6.0
    sweep = make_sweep(
        Recipe.from_json(state["recipe"]), state["key"], state["values"], seed=state["seed"]
    )
    # a reviewer who can see the scratch down to -3 EV (the values stay hidden on the page)
    for position in sweep.order:
        assert any(img.caption == "This rung" for e in app.get("image") for img in e.proto.imgs)
        assert app.radio(key=f"sweep_clear_{position}").label.startswith("Label still clear (a")
        app.radio(key=f"sweep_realistic_{position}").set_value("Yes")
        clear = sweep.values[position] >= -3.0
        app.radio(key=f"sweep_clear_{position}").set_value("Yes" if clear else "No")
        app.button(key="sweep_save").click().run()
        assert not app.exception, app.exception
    assert any("Sweep finished" in s.value for s in app.success)
    store = Store(f"sqlite:///{data_dir / 'augcheck.db'}")
    reviews = store.reviews()
    assert len(reviews) == 13 and {r["origin"] for r in reviews} == {"sweep"}
    effect = parameter_effect(reviews, "brightness.exposure_ev")
    crossing = effect.crossings["clear"][0.8]
    assert crossing is not None and -3.5 < crossing < -2.5


def test_switched_off_steps_show_no_sliders_and_values_survive_the_range_switch(app):
    assert {s.key for s in app.slider} == {"img.brightness.exposure_ev"}  # flip has no slider
    app.slider(key="img.brightness.exposure_ev").set_value(-2.0).run()
    app.toggle(key="img.brightness.ranged").set_value(True).run()
    app.toggle(key="img.brightness.ranged").set_value(False).run()
    assert app.slider(key="img.brightness.exposure_ev").value == -2.0
    switch_step_off_and_on(app, "img.blur", "sigma_px", 2.5)
    assert not app.exception, app.exception
