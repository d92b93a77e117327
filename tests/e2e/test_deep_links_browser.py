"""Deep links go through app.py: a page URL or a round link as the FIRST request after a start.

Streamlit (1.67) runs its old "pages folder" mode for a folder named ``pages/`` beside the main
script until some session has called ``st.navigation``: the first visitor after a server start
who opened ``/recipes`` or ``/review?round=...`` got that page run without ``app.py`` (no identity,
a navigation list of raw file names, ``_common.py`` as a page). Each case here starts its own
server and makes the deep link its very first request.
"""

from __future__ import annotations

import re

import pytest

pytest.importorskip("playwright.sync_api")
from conftest import serve_app  # noqa: E402
from e2e_helpers import LONG, new_context, screenshot, settle  # noqa: E402
from playwright.sync_api import expect  # noqa: E402

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("require_chromium")]

# the raw file names Streamlit's folder mode puts in the navigation
RAW_NAMES = re.compile(r"^\s*(app|common|import recipe)\s*$", re.IGNORECASE)


def nav_texts(page) -> list[str]:
    """The navigation's link titles (a link's text is its icon's name, then its title)."""
    links = page.locator('[data-testid="stSidebarNav"] a').all_inner_texts()
    return [t.strip().splitlines()[-1].strip() for t in links if t.strip()]


def make_round(data_dir) -> str:
    """A round in a fresh database, made before the server starts; returns its token."""
    from augment.recipe import Recipe
    from augment.review import rounds
    from augment.store import Store, load_demo_assets

    store = Store(f"sqlite:///{data_dir}/augcheck.db")
    load_demo_assets(store)
    recipe_id = store.save_recipe(
        Recipe.from_dict({"name": "r", "steps": [{"step": "gain", "gain_db": -3}]})
    )
    info = rounds.create_round(
        store,
        name="deep link round",
        recipe_ids=[recipe_id],
        clip_hashes=[m.hash for m in store.list_media("speech")][:1],
        samples_per_recipe=2,
        offer_reference=True,
        anchor_share=0.0,
        created_by="eng",
        seed=1,
    )
    store.engine.dispose()
    return info.token


def test_page_link_as_first_request_runs_app_frame(chromium_browser, tmp_path, artifacts_dir):
    with serve_app(tmp_path) as app:
        context = new_context(chromium_browser)
        page = context.new_page()
        try:
            page.goto(f"{app.url}/recipes", wait_until="domcontentloaded")
            expect(page.get_by_role("heading", name="Recipes", exact=True)).to_be_visible(
                timeout=LONG
            )
            settle(page)
            screenshot(page, artifacts_dir / "e2e_deep_link_recipes.png")
            names = nav_texts(page)
            # app.py's navigation: its titles, none of the file names
            assert "Studio" in names and "Recipes" in names, names
            assert not [n for n in names if RAW_NAMES.match(n)], names
            # app.py's frame: the sidebar says who is working (local mode: the name box)
            sidebar = page.locator('[data-testid="stSidebar"]')
            expect(sidebar.get_by_role("textbox", name="Your name (reviewer)")).to_be_visible(
                timeout=LONG
            )
        finally:
            context.close()


def test_round_link_as_first_request_runs_app_frame(chromium_browser, tmp_path, artifacts_dir):
    tokens: list[str] = []
    with serve_app(tmp_path, prepare=lambda d: tokens.append(make_round(d))) as app:
        context = new_context(chromium_browser)
        page = context.new_page()
        try:
            page.goto(f"{app.url}/review?round={tokens[0]}", wait_until="domcontentloaded")
            expect(page.get_by_role("heading", name="Listening review")).to_be_visible(timeout=LONG)
            settle(page)
            screenshot(page, artifacts_dir / "e2e_deep_link_round.png")
            # app.py hides the navigation from a labeler's link; folder mode lists every file
            assert nav_texts(page) == []
            expect(page.get_by_text("common", exact=True)).to_have_count(0)
            expect(page.locator('[data-testid="stSidebarNav"]')).to_have_count(0)
        finally:
            context.close()
