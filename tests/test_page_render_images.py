"""The Render page with an accepted image recipe (AppTest): library pictures offered by their
split, a render in the background, the result with pictures side by side and the manifest."""

from __future__ import annotations

from augment.recipe import Recipe
from tests.test_page_render import page, wait_until_done  # noqa: F401 (the page fixture)

PHONES = Recipe.from_dict(
    {
        "name": "phones, darker, scratched",
        "steps": [
            {"step": "flip", "direction": ["horizontal", "none"]},
            {"step": "scratches", "count": 2},
            {"step": "brightness", "exposure_ev": [-1, 0]},
        ],
    }
)


def test_an_image_recipe_renders_library_pictures_of_the_train_split(page, tmp_path):  # noqa: F811
    from augment.store import Store

    store = Store()
    store.save_recipe(PHONES)
    store.set_recipe_status(PHONES.id, "accepted", reason="scratch still visible", by="ana")
    pictures = store.list_media("image")
    assert len(pictures) == 3
    store.update_media(pictures[0].hash, split="train")
    store.update_media(pictures[1].hash, split="test")
    page.run()
    page.selectbox(key="render_recipe").set_value(PHONES.id).run()
    assert page.radio(key="render_source").options[0] == "Library pictures"
    boxes = {c.key: c for c in page.checkbox if c.key.startswith("render_clip_")}
    assert len(boxes) == 3  # pictures, not the speech clips
    train, test, unmarked = (boxes[f"render_clip_{m.hash[:16]}"] for m in pictures)
    assert not train.disabled and "train" in train.label
    assert test.disabled and "never augmented" in test.label
    assert unmarked.disabled and "no split" in unmarked.label
    assert page.selectbox(key="render_format_image").value is None  # each keeps its format
    train.check()
    page.text_input(key="render_out").input(str(tmp_path / "out"))
    page.number_input(key="render_copies").set_value(2)
    page.button(key="render_start").click().run()
    assert not page.exception and not page.error, [e.value for e in page.error]
    done = wait_until_done(page)
    metrics = {m.label: m.value for m in done.metric}
    assert metrics["Files rendered"] == "2" and metrics["Errors"] == "0"
    assert "Pictures per second" in metrics and "Hours of audio" not in metrics
    table = done.dataframe[0].value
    assert list(table["image_filepath"]) == sorted(table["image_filepath"])
    assert table["image_filepath"][0].endswith("_aug1.jpg") and "mask_filepath" in table
    assert sum(len(e.proto.imgs) for e in done.get("image")) == 4  # 2 sources, 2 copies
    assert not done.get("audio")
