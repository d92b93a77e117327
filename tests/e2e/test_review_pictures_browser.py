"""A blind review round of an image recipe in a real browser: one labeler answers one picture.

The round is made with the core API on the app's own SQLite file (the demo pictures, loaded on
the app's first start). The labeler opens their personal signed link: the original and the
picture to judge side by side, nothing of the recipe, the image wording of the checklist. The
picture the browser gets is read back and compared with the picture the stored seed makes, bit
for bit. A screenshot goes to ``test-artifacts/e2e_review_pictures.png`` pass or fail.
"""

from __future__ import annotations

import io
import re
import sqlite3

import pytest

pytest.importorskip("playwright.sync_api")
from e2e_helpers import LONG, screenshot, settle  # noqa: E402
from playwright.sync_api import Page, expect  # noqa: E402

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("require_chromium")]

ROUND_NAME = "e2e picture round"
RECIPE = {
    "name": "darker flipped phones",
    "steps": [
        {"step": "flip", "direction": "horizontal"},
        {"step": "brightness", "exposure_ev": [-2.0, -1.0]},
    ],
}
HIDDEN_WORDS = ("darker", "flipped", "flip", "brightness", "exposure", "ev", "recipe", "anchor")
SAMPLE_KEY = re.compile(r"\bst-key-review_realistic_(\d+)\b")


@pytest.fixture(scope="module")
def picture_round_app(tmp_path_factory):
    """An app of its own: its round answers become reviews."""
    from conftest import serve_app

    with serve_app(tmp_path_factory.mktemp("picture_round_app")) as app:
        yield app


def figure(page: Page, caption: str):
    return page.locator('[data-testid="stMain"] [data-testid="stImage"]').filter(has_text=caption)


def test_a_labeler_answers_a_picture(app_page: Page, picture_round_app, artifacts_dir):
    import numpy as np
    from PIL import Image

    from augment import access
    from augment.recipe import Recipe
    from augment.review import labeling, rounds
    from augment.store import Store

    app, page = picture_round_app, app_page
    shot = artifacts_dir / "e2e_review_pictures.png"
    shot.unlink(missing_ok=True)
    try:
        page.goto(app.url + "/", wait_until="domcontentloaded")  # first start: demo material
        expect(page.get_by_role("heading", name="Studio")).to_be_visible(timeout=LONG)
        settle(page)
        store = Store(f"sqlite:///{app.data_dir}/augcheck.db")
        recipe_id = store.save_recipe(Recipe.from_dict(RECIPE))
        pictures = [m.hash for m in store.list_media("image")]
        assert pictures
        info = rounds.create_round(
            store,
            name=ROUND_NAME,
            recipe_ids=[recipe_id],
            clip_hashes=pictures,
            modality="image",
            samples_per_recipe=2,
            offer_reference=True,
            anchor_share=0.3,
            created_by="e2e",
            seed=5,
        )
        link = access.labeler_link(
            f"{app.url}/review", access.link_secret(app.data_dir), info.token, "ana"
        )
        page.goto(link, wait_until="domcontentloaded")
        expect(page.get_by_role("heading", name="Picture review")).to_be_visible(timeout=LONG)
        main = page.locator('[data-testid="stMain"]')
        expect(main.get_by_role("heading", name="Picture 1", exact=True)).to_be_visible(
            timeout=LONG
        )
        settle(page)
        original, judged = figure(page, "Original"), figure(page, "Picture to judge")
        expect(original.locator("img")).to_be_visible(timeout=LONG)
        expect(judged.locator("img")).to_be_visible(timeout=LONG)
        # side by side, the same size
        a, b = original.locator("img").bounding_box(), judged.locator("img").bounding_box()
        assert abs(a["y"] - b["y"]) < 2 and a["x"] + a["width"] <= b["x"] + 1
        assert abs(a["width"] - b["width"]) < 2 and abs(a["height"] - b["height"]) < 2
        # blind: nothing of the recipe on the page
        text = main.inner_text().lower()
        words = set(re.findall(r"[a-z_]+", text))
        assert not [w for w in HIDDEN_WORDS if w in words], text
        assert recipe_id[:8] not in text
        expect(
            main.get_by_text("Label still clear (a person can still see the defect")
        ).to_be_visible()
        # the picture the browser got is the one the stored seed makes, bit for bit
        keyed = main.locator('[class*="st-key-review_realistic_"]')
        sample_id = int(SAMPLE_KEY.search(keyed.get_attribute("class") or "").group(1))
        sample = rounds.get_sample(store, info.token, sample_id)
        src = judged.locator("img").get_attribute("src")
        assert src != original.locator("img").get_attribute("src")
        blob = page.request.get(src if src.startswith("http") else app.url + src).body()
        shown = np.asarray(Image.open(io.BytesIO(blob)))
        assert np.array_equal(shown, rounds.render_sample(store, sample).pixels)
        screenshot(page, shot)

        # zoom to the labelled part: both pictures cut around the label's box, still PNG
        natural = "img => [img.naturalWidth, img.naturalHeight]"
        full = judged.locator("img").evaluate(natural)
        main.get_by_text("Zoom to the labelled part").click()
        settle(page)
        expect(judged.locator("img")).not_to_have_attribute("src", src, timeout=LONG)
        zoomed = judged.locator("img").evaluate(natural)
        cut = original.locator("img").evaluate(natural)
        assert zoomed[0] < full[0] / 2 and zoomed == cut, (full, zoomed, cut)
        screenshot(page, artifacts_dir / "e2e_review_pictures_zoom.png")

        # answer: realistic, not clear, model "Don't know"; save and next
        for question, option in (("Looks realistic", "Yes"), ("Label still clear", "No")):
            group = main.locator('[data-testid="stRadio"]').filter(has_text=question)
            group.locator('[data-testid="stRadioOption"]').filter(
                has_text=re.compile(rf"^\s*{option}\s*$")
            ).click()
        main.get_by_role("button", name="Save and next").click()
        expect(main.locator('[data-testid="stProgress"]')).to_have_text(
            re.compile(rf"^\s*1 of {info.total}\s*$"), timeout=LONG
        )
        expect(main.get_by_role("heading", name="Picture 2", exact=True)).to_be_visible(
            timeout=LONG
        )
        with sqlite3.connect(app.data_dir / "augcheck.db") as db:
            rows = db.execute(
                "select sample_id, labeler, realistic, clear, model_poor from round_answers"
            ).fetchall()
        assert rows == [(sample_id, "ana", 1, 0, "unknown")]
        nxt, done, _ = labeling.next_sample(store, info.token, "ana")
        assert done == 1 and nxt is not None and nxt.id != sample_id

        # the engineer's Rounds page: a picture round, and a new one offers pictures
        page.goto(app.url + "/rounds", wait_until="domcontentloaded")
        expect(page.get_by_role("heading", name="Review rounds")).to_be_visible(timeout=LONG)
        settle(page)
        expect(main.get_by_text(re.compile(r"^Pictures\. 3 samples"))).to_be_visible()
        main.get_by_text("New round").click()
        settle(page)
        recipes = main.locator('[data-testid="stMultiSelect"]').filter(has_text="Recipes")
        expect(recipes).to_be_visible(timeout=LONG)
        recipes.locator("input").click()
        option = page.get_by_role("option", name=re.compile("darker flipped phones · image"))
        expect(option).to_be_visible(timeout=LONG)
        option.click()
        page.keyboard.press("Escape")
        settle(page)
        expect(
            main.locator('[data-testid="stMultiSelect"]').filter(has_text="Pictures")
        ).to_be_visible()
        screenshot(page, artifacts_dir / "e2e_rounds_pictures.png")
    finally:
        if not shot.exists():
            screenshot(page, shot)


def test_open_an_image_recipe_in_the_studio(app_page: Page, picture_round_app, artifacts_dir):
    """Recipes page -> Open in the Studio: the Images view, the recipe's steps set."""
    from augment.recipe import Recipe
    from augment.store import Store

    app, page = picture_round_app, app_page
    store = Store(f"sqlite:///{app.data_dir}/augcheck.db")
    recipe = Recipe.from_dict(RECIPE)
    store.save_recipe(recipe)
    shot = artifacts_dir / "e2e_open_image_recipe.png"
    shot.unlink(missing_ok=True)
    try:
        page.goto(app.url + "/recipes", wait_until="domcontentloaded")
        expect(page.get_by_role("heading", name="Recipes")).to_be_visible(timeout=LONG)
        settle(page)
        main = page.locator('[data-testid="stMain"]')
        # the only recipe of this app, so the one picked
        expect(main.get_by_role("heading", name=RECIPE["name"])).to_be_visible(timeout=LONG)
        main.get_by_role("button", name="Open in the Studio").click()
        expect(page.get_by_role("heading", name="Studio")).to_be_visible(timeout=LONG)
        settle(page)
        expect(main.get_by_text(f"Opened recipe {RECIPE['name']}")).to_be_visible(timeout=LONG)
        # the Images view (the Media switch was not reset to "Audio")
        expect(main.get_by_text(re.compile("^Pictures: tune an image recipe"))).to_be_visible()
        on = main.locator(".st-key-img-flip-on input[type=checkbox]")
        expect(on).to_be_checked()
        expect(main.locator(".st-key-img-brightness-ranged input[type=checkbox]")).to_be_checked()
        expect(main.locator(".st-key-img-blur-on input[type=checkbox]")).not_to_be_checked()
        expect(main.get_by_text(recipe.id).first).to_be_attached()
        screenshot(page, shot)
    finally:
        if not shot.exists():
            screenshot(page, shot)
