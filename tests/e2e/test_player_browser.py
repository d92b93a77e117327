"""The A/B player (views/_player.js) in a real Chromium, on the labeler's Review page.

Reference and sample: switching keeps the playback position, one sound at a time, a dragged
region loops, "match loudness" plays the sample at the reference's integrated loudness (and off
again at its true level), and the keys 1/2/space work, except while typing in a text field.
The player's state is read from the page (its ``info()``: position from the AudioContext clock).

The round (a recipe that turns the clip down 12 dB, so the loudness match has work to do) is
made with the core API on the app's own database; the app is this module's own.
"""

from __future__ import annotations

import re

import pytest

pytest.importorskip("playwright.sync_api")
from e2e_helpers import (  # noqa: E402
    LONG,
    new_context,
    player,
    player_info,
    screenshot,
    settle,
    wait_player,
)
from playwright.sync_api import expect  # noqa: E402

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("require_chromium")]

GAIN_DB = -12.0
RECIPE = {"name": "quiet", "steps": [{"step": "gain", "gain_db": GAIN_DB}]}


@pytest.fixture(scope="module")
def round_url(chromium_browser, private_app):
    """A round on the private app: one recipe, every demo clip, the reference offered."""
    from augment import access
    from augment.recipe import Recipe
    from augment.review import rounds
    from augment.store import Store

    # the first visit puts the demo material in the app's database
    context = new_context(chromium_browser)
    page = context.new_page()
    page.goto(private_app.url + "/", wait_until="domcontentloaded")
    expect(page.get_by_role("heading", name="Studio")).to_be_visible(timeout=LONG)
    settle(page)
    context.close()
    store = Store(f"sqlite:///{private_app.data_dir}/augcheck.db")
    recipe_id = store.save_recipe(Recipe.from_dict(RECIPE))
    info = rounds.create_round(
        store,
        name="player test",
        recipe_ids=[recipe_id],
        clip_hashes=[m.hash for m in store.list_media("speech")],
        noise_hashes=[],
        samples_per_recipe=3,
        offer_reference=True,
        anchor_share=0.0,
        created_by="eng",
        seed=3,
    )
    store.engine.dispose()
    # the labeler's personal link, signed with the server's secret in its data folder
    secret = access.link_secret(private_app.data_dir)
    return access.labeler_link(f"{private_app.url}/review", secret, info.token, "pat")


@pytest.fixture
def review(chromium_browser, round_url, artifacts_dir, request):
    context = new_context(chromium_browser)
    page = context.new_page()
    page.goto(round_url, wait_until="domcontentloaded")
    expect(page.get_by_role("heading", name="Sample 1")).to_be_visible(timeout=LONG)
    settle(page)
    wait_loaded(page)
    try:
        yield page
    finally:
        screenshot(page, artifacts_dir / f"e2e_player_{request.node.name}.png")
        context.close()


def wait_loaded(page, signals=("reference", "sample")) -> dict:
    """Until the player has decoded the signals it was given."""
    return wait_player(
        page, "arg.every((id) => i.loaded[id] && i.loaded[id] === i.urls[id])", arg=list(signals)
    )


def play_until(page, position_s: float) -> dict:
    """Start playing (space) and wait until the position passes ``position_s``."""
    page.keyboard.press("Space")
    return wait_player(page, "i.playing && i.position > arg", arg=position_s, timeout=10_000)


def test_switching_keeps_the_position_and_one_sound_plays(review):
    page = review
    info = player_info(page)
    assert info["signal"] == "reference" and not info["playing"]
    before = play_until(page, 0.6)
    assert before["signal"] == "reference"
    page.keyboard.press("2")
    after = player_info(page)
    assert after["signal"] == "sample" and after["playing"]
    # the same place: what the clock says went by, not a jump back to 0 or elsewhere
    elapsed = (after["now"] - before["now"]) / 1000
    assert after["position"] == pytest.approx(before["position"] + elapsed, abs=0.12), (
        before,
        after,
    )
    switch = after["stats"]["switches"][-1]
    assert (switch["from"], switch["to"]) == ("reference", "sample")
    page.wait_for_timeout(150)  # past the 15 ms crossfade: one source left
    assert player_info(page)["sounding"] == 1
    # and back with the button, still at the same place
    mid = player_info(page)
    player(page).get_by_role("radio", name=re.compile("Clean reference")).click()
    back = player_info(page)
    assert back["signal"] == "reference"
    assert back["position"] == pytest.approx(
        mid["position"] + (back["now"] - mid["now"]) / 1000, abs=0.12
    )
    page.wait_for_timeout(150)
    assert player_info(page)["sounding"] == 1
    # space pauses where it is, and plays on from there
    page.keyboard.press("Space")
    paused = player_info(page)
    assert not paused["playing"]
    page.wait_for_timeout(300)
    assert player_info(page)["position"] == pytest.approx(paused["position"], abs=1e-6)
    page.keyboard.press("Space")
    resumed = player_info(page)
    assert resumed["playing"] and resumed["position"] == pytest.approx(paused["position"], abs=0.05)


def test_a_dragged_region_loops(review):
    page = review
    info = player_info(page)
    duration = info["duration"]
    bar = player(page).locator(".acp-timeline")
    box = bar.bounding_box()
    assert box and box["width"] > 200
    axis_s = info["axis_s"]
    # drag over 20%..45% of the clip's length
    start_s, end_s = 0.2 * duration, 0.45 * duration
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] * start_s / axis_s, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * (start_s + end_s) / 2 / axis_s, y, steps=4)
    page.mouse.move(box["x"] + box["width"] * end_s / axis_s, y, steps=4)
    page.mouse.up()
    info = player_info(page)
    assert info["loop"] is True
    lo, hi = info["region"]
    assert lo == pytest.approx(start_s, abs=0.05) and hi == pytest.approx(end_s, abs=0.05)
    expect(player(page).get_by_role("button", name="Loop")).to_have_attribute(
        "aria-pressed", "true"
    )
    page.keyboard.press("Space")
    length = hi - lo
    seen = []
    for _ in range(12):  # about two and a half times round the region
        page.wait_for_timeout(int(1000 * length / 5))
        i = player_info(page)
        assert i["playing"], "the loop stopped"
        seen.append(i["position"])
    assert all(lo - 0.02 <= p <= hi + 0.02 for p in seen), (lo, hi, seen)
    assert any(b < a for a, b in zip(seen, seen[1:], strict=False)), f"never wrapped: {seen}"
    src_loop, src_start, src_end = player_info(page)["sourceLoop"]
    assert src_loop and src_start == pytest.approx(lo) and src_end == pytest.approx(hi)
    # switching inside the loop keeps looping the same region
    page.keyboard.press("2")
    i = player_info(page)
    assert i["signal"] == "sample" and i["sourceLoop"][0] and lo - 0.02 <= i["position"] <= hi
    # L turns the loop off: playback runs on past the region's end
    page.keyboard.press("l")
    assert player_info(page)["loop"] is False
    page.wait_for_timeout(int(1000 * (length + 0.3)))
    i = player_info(page)
    assert i["position"] > hi or not i["playing"], i


def test_match_loudness_on_and_off(review):
    page = review
    match = player(page).get_by_role("button", name="Match loudness")
    expect(match).to_have_attribute("aria-pressed", "false")
    play_until(page, 0.2)
    page.keyboard.press("2")
    info = player_info(page)
    assert info["signal"] == "sample" and info["level"] == 1.0  # true level by default
    match.click()
    expect(match).to_have_attribute("aria-pressed", "true")
    # the gain comes from Python (pyloudnorm): the sample was turned down 12 dB
    wait_player(page, "i.matchGainDb !== null")
    info = player_info(page)
    assert info["matchGainDb"] == pytest.approx(-GAIN_DB, abs=0.3)
    assert info["level"] == pytest.approx(10 ** (info["matchGainDb"] / 20), rel=1e-6)
    page.wait_for_timeout(100)
    if player_info(page)["playing"]:
        assert player_info(page)["levelParam"] == pytest.approx(info["level"], rel=1e-3)
    # the labeler sees no figure (no level in dB on the Review page)
    note = player(page).locator(".acp-note")
    expect(note).to_have_text(re.compile("at the clean reference's loudness"))
    assert "dB" not in note.inner_text()
    # the reference is never changed
    page.keyboard.press("1")
    assert player_info(page)["level"] == 1.0
    # off: the sample plays at its true level again
    page.keyboard.press("2")
    match.click()
    expect(match).to_have_attribute("aria-pressed", "false")
    assert player_info(page)["level"] == 1.0
    settle(page)
    assert player_info(page)["match"] is False


def test_keys_leave_text_fields_and_buttons_alone(review):
    page = review
    note = page.get_by_role("textbox", name="Note (optional)")
    note.click()
    page.keyboard.type("2 1 ")
    expect(note).to_have_value("2 1 ")
    info = player_info(page)
    assert info["signal"] == "reference" and not info["playing"]
    # out of the text field (Escape blurs nothing in Streamlit: click on empty space)
    page.locator('[data-testid="stHeading"]').first.click()
    page.keyboard.press("2")
    assert player_info(page)["signal"] == "sample"
    page.keyboard.press("1")
    assert player_info(page)["signal"] == "reference"
    page.keyboard.press("Space")
    assert player_info(page)["playing"]
    page.keyboard.press("Space")
    assert not player_info(page)["playing"]
