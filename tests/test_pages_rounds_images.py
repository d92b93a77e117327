"""Image rounds on the Rounds and Review pages, and an image recipe opened in the Studio
(AppTest, a real SQLite file, the demo pictures loaded on first start)."""

import json
import sqlite3

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from augment.recipe import Recipe
from augment.review import labeling, rounds
from augment.steps import steps_for
from augment.store import Store
from tests.conftest import ROOT
from tests.test_pages_rounds import personal_link

DARK = Recipe.from_dict(
    {
        "name": "**darker** phones",  # user text: shown as typed, never as markdown
        "steps": [
            {"step": "flip", "direction": ["horizontal", "vertical"]},
            {"step": "brightness", "exposure_ev": [-3.0, -1.0]},
        ],
    }
)
QUIET = Recipe.from_dict({"name": "quieter", "steps": [{"step": "gain", "gain_db": -6}]})


@pytest.fixture
def app(data_dir):
    st.cache_resource.clear()
    st.cache_data.clear()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    at.run()  # the first start loads the demo clips and pictures
    at.session_state["reviewer"] = "eng"
    store = Store(f"sqlite:///{data_dir / 'augcheck.db'}")
    for r in (DARK, QUIET):
        store.save_recipe(r)
    return at


def db(data_dir, sql, *args):
    return sqlite3.connect(data_dir / "augcheck.db").execute(sql, args).fetchall()


def errors(at):
    return [e.value for e in at.error]


def make_image_round(app, data_dir, per_recipe=3):
    app.switch_page("views/rounds.py").run()
    assert not app.exception, app.exception
    assert any("one kind of media" in c.value for c in app.caption)
    # mixing kinds: one line, and no round can be created
    app.multiselect(key="round_recipes").set_value([DARK.id, QUIET.id]).run()
    (err,) = errors(app)
    assert "one kind of media" in err and "\n" not in err
    assert "\\*\\*darker\\*\\* phones" in err  # the name escaped, not bold
    assert app.button(key="round_create").disabled
    # image recipes only: the form offers pictures (and textures), not clips and noises
    app.multiselect(key="round_recipes").set_value([DARK.id]).run()
    assert not errors(app) and not app.exception
    keys = {m.key for m in app.multiselect}
    assert {"round_pictures", "round_textures"} <= keys and "round_clips" not in keys
    pictures = app.multiselect(key="round_pictures").value
    kinds = {
        k
        for (k,) in db(
            data_dir,
            f"select distinct kind from media where hash in ({','.join('?' * len(pictures))})",
            *pictures,
        )
    }
    assert pictures and kinds == {"image"}
    app.text_input(key="round_name").input("phones")
    app.number_input(key="round_per_recipe").set_value(per_recipe)
    app.slider(key="round_anchor_share").set_value(0.4)
    app.button(key="round_create").click().run()
    assert not app.exception and not errors(app), (app.exception, errors(app))
    (token,) = db(data_dir, "select token from rounds")[0]
    assert any("Pictures." in c.value for c in app.caption)
    return token


def test_image_round_created_and_answered_on_the_review_page(app, data_dir):
    token = make_image_round(app, data_dir)
    samples = db(data_dir, "select id, kind, clip_hash from round_samples order by position")
    assert [k for _, k, _ in samples] == ["recipe"] * 3 + ["clean", "bad"]
    store = Store(f"sqlite:///{data_dir / 'augcheck.db'}")
    st.cache_resource.clear()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    personal_link(at, data_dir, token, "ana")
    at.run()
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == ["Picture review"]
    answered = zoomed = 0
    while not at.success:
        assert not at.exception and not errors(at), (at.exception, errors(at))
        # the original and the picture to judge side by side, same width; no player
        images = at.get("image")
        captions = [i.proto.imgs[0].caption for i in images]
        assert captions[0].startswith("Original") and captions[1] == "Picture to judge"
        assert len(images) == 2 and not at.get("bidi_component")
        # blind: neither the recipe's name nor its steps or parameters anywhere on the page
        text = json.dumps([str(e.proto) for e in at.main])
        for hidden in ("darker", "brightness", "exposure_ev", "flip", DARK.id):
            assert hidden not in text, hidden
        labels = {r.label for r in at.radio}
        assert "Label still clear (a person can still see the defect / tell the class)" in labels
        assert "Looks realistic" in labels
        zoom = [t for t in at.toggle if t.key == "review_zoom"]
        if zoom and not zoom[0].value:  # a picture with a label box: zoom to it
            zoom[0].set_value(True).run()
            assert not at.exception and len(at.get("image")) == 2, at.exception
            zoomed += 1
        radios = {r.key.rsplit("_", 1)[0]: r for r in at.radio}
        radios["review_realistic"].set_value("Yes")
        sample, _, _ = labeling.next_sample(store, token, "ana")  # a careful labeler
        radios["review_clear"].set_value("No" if sample.kind == "bad" else "Yes")
        at.button(key="review_save").click().run()
        answered += 1
        assert answered <= len(samples)
    assert answered == len(samples) and zoomed >= 1
    assert "label still clear" in at.caption[-1].value
    # the same review rows as for audio: the recipe samples are reviews of the recipe
    rows = db(
        data_dir,
        "select recipe_id, seed, clip_hash, params_json, inputs_json, noise_hash from reviews "
        "where origin='round' order by id",
    )
    assert len(rows) == 3 and {r[0] for r in rows} == {DARK.id}

    by_id = {s.id: s for s in rounds.round_samples(store, token)}
    for _rid, seed, clip, params, inputs, noise in rows:
        assert noise is None and json.loads(inputs)["clip"] == clip
        sample = by_id[json.loads(inputs)["round_sample"]]
        assert (sample.seed, sample.clip_hash) == (seed, clip)
        # the stored parameters re-make the picture the labeler saw, bit for bit
        assert json.loads(params) == rounds.render_sample(store, sample).params
    # results on the Rounds page, as for audio
    app.run()
    assert not app.exception, app.exception
    per_recipe = next(d.value for d in app.dataframe if "α verdict" in d.value.columns)
    assert per_recipe["answers"].tolist() == [3]
    assert per_recipe["recipe"].tolist() == [DARK.name]
    # and the Labels page lists them with the drawn parameters
    app.switch_page("views/labels.py").run()
    assert not app.exception, app.exception
    table = next(d.value for d in app.dataframe if "brightness.exposure_ev" in d.value.columns)
    mine = table[table["origin"] == "round"]
    assert len(mine) == 3 and mine["brightness.exposure_ev"].between(-3, -1).all()


def test_open_an_image_recipe_in_the_studio(app, data_dir):
    opened = Recipe.from_dict(
        {
            "name": "<b>scratched</b>, darker",
            "steps": [
                {"step": "flip", "direction": ["horizontal", "vertical"]},
                {"step": "scratches", "count": 3, "width_px": 2},
                {"step": "brightness", "exposure_ev": [-2.5, -0.5]},
                {"step": "blur", "sigma_px": 1.5},
            ],
        }
    )
    Store(f"sqlite:///{data_dir / 'augcheck.db'}").save_recipe(opened)
    app.switch_page("views/recipes.py").run()
    app.selectbox(key="recipe_pick").set_value(opened.id).run()
    assert not app.exception, app.exception
    assert not app.button(key="open_in_studio").disabled
    app.button(key="open_in_studio").click().run()
    assert not app.exception and not errors(app), (app.exception, errors(app))
    assert app.title[0].value == "Studio"
    assert app.segmented_control(key="studio_media").value == "Images"
    (note,) = [i.value for i in app.info if "Opened recipe" in i.value]
    assert opened.id in note and "\\<b\\>scratched" in note  # the name as typed, not bold
    app.switch_page("views/studio.py")  # AppTest keeps the page the test last chose
    ss = app.session_state
    on = {s for s in steps_for("image") if app.toggle(key=f"img.{s}.on").value}
    assert on == {"flip", "scratches", "brightness", "blur"}
    assert app.toggle(key="img.flip.ranged").value is True
    assert ss["img.flip.direction.multi"] == ["horizontal", "vertical"]
    assert app.slider(key="img.brightness.exposure_ev.range").value == (-2.5, -0.5)
    assert app.toggle(key="img.scratches.ranged").value is False
    assert app.slider(key="img.scratches.count").value == 3
    assert app.slider(key="img.blur.sigma_px").value == 1.5
    assert app.text_input(key="img.recipe_name").value == opened.name
    # untouched, the Studio's recipe is the opened one: the same id, the same drawn values
    expanders = [str(e.proto) for e in app.get("json")]
    assert any(opened.id in e for e in expanders), expanders
    # a change is a new recipe whose parent is the opened one
    app.slider(key="img.blur.sigma_px").set_value(3.0).run()
    app.session_state["reviewer"] = "ana"
    app.radio(key="img_answer_realistic").set_value("Yes")
    app.radio(key="img_answer_clear").set_value("No")
    app.button(key="img_save").click().run()
    assert not app.exception and not errors(app), (app.exception, errors(app))
    rows = db(data_dir, "select id, parent_id from recipes where parent_id is not null")
    assert rows and rows[0][1] == opened.id and rows[0][0] != opened.id


def test_without_the_reference_only_the_picture_to_judge(app, data_dir):
    store = Store(f"sqlite:///{data_dir / 'augcheck.db'}")
    info = rounds.create_round(
        store,
        name="no reference",
        recipe_ids=[DARK.id],
        clip_hashes=[m.hash for m in store.list_media("image")],
        samples_per_recipe=2,
        offer_reference=False,
        anchor_share=0.0,
        created_by="eng",
    )
    assert info.modality == "image"  # from the recipes
    st.cache_resource.clear()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    personal_link(at, data_dir, info.token, "cy")
    at.run()
    assert not at.exception and not errors(at), (at.exception, errors(at))
    captions = [img.caption for e in at.get("image") for img in e.proto.imgs]
    assert captions == ["Picture to judge"]
