"""The Studio on one 1400x900 screen, and a slider move that reruns only the tuning fragment.

* Without scrolling the page: the step controls (their own scrolling box), the player with its
  Original / Augmented / Noise alone buttons, both spectrograms and the checklist with its Save
  button are inside the viewport. A screenshot at 1400x900 goes to ``test-artifacts/``.
* A slider move brings new augmented audio into the player, while a ticked checklist answer,
  the open sweep tab and its open expander stay as they were; the server ran the fragment
  (``studio.tune``) and not the checklist (``studio.checklist``), read from the app's
  ``AUGCHECK_TIMINGS`` file.
* Key 3 plays the noise alone, at the same position.
* The "range" switch and a step's on/off switch bring back the values that were set.
"""

from __future__ import annotations

import json
import os
import re
import time

import pytest

pytest.importorskip("playwright.sync_api")
from conftest import serve_app  # noqa: E402
from e2e_helpers import LONG, player, player_info, settle, wait_player  # noqa: E402
from playwright.sync_api import expect  # noqa: E402

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("require_chromium")]

SCREEN = {"width": 1400, "height": 900}


@pytest.fixture(scope="module")
def timed_app(tmp_path_factory):
    """An app of this module's own that logs its timed blocks (views._common.timed)."""
    base = tmp_path_factory.mktemp("augcheck_e2e_one_screen")
    log = base / "timings.jsonl"
    old = os.environ.get("AUGCHECK_TIMINGS")
    os.environ["AUGCHECK_TIMINGS"] = str(log)
    try:
        with serve_app(base) as app:
            yield app, log
    finally:
        if old is None:
            os.environ.pop("AUGCHECK_TIMINGS", None)
        else:
            os.environ["AUGCHECK_TIMINGS"] = old


def runs_since(log, t: float) -> list[str]:
    if not log.exists():
        return []
    return [r["what"] for r in map(json.loads, log.read_text().splitlines()) if r["at"] >= t]


@pytest.fixture
def studio(chromium_browser, timed_app, artifacts_dir, request):
    app, log = timed_app
    context = chromium_browser.new_context(viewport=dict(SCREEN))
    context.set_default_timeout(30_000)
    page = context.new_page()
    page.goto(app.url + "/", wait_until="domcontentloaded")
    expect(page.get_by_role("button", name="Save label")).to_be_visible(timeout=LONG)
    expect(page.get_by_text("Model WER")).to_be_visible(timeout=LONG)
    settle(page)
    wait_player(page, "Object.keys(i.urls).every((k) => i.loaded[k] === i.urls[k])")
    try:
        yield page, log
    finally:
        page.screenshot(path=str(artifacts_dir / f"e2e_{request.node.name}.png"))
        context.close()


def inside_screen(locator) -> None:
    box = locator.bounding_box()
    assert box is not None, f"{locator} is not on the page"
    assert box["x"] >= 0 and box["y"] >= 0, box
    assert box["x"] + box["width"] <= SCREEN["width"] + 1, box
    assert box["y"] + box["height"] <= SCREEN["height"] + 1, box


def test_one_screen_at_1400x900(studio, artifacts_dir):
    page, _ = studio
    main = page.locator('[data-testid="stMain"]')
    assert main.evaluate("m => m.scrollTop") == 0
    controls = page.locator(".st-key-studio_controls")
    inside_screen(controls)
    # the controls scroll in their own box; snr_db is in it
    expect(controls.get_by_role("slider", name="snr_db")).to_have_count(1)
    acp = player(page)
    inside_screen(acp.locator(".acp-bar"))
    for name in ("Original", "Augmented", "Noise alone"):
        inside_screen(acp.get_by_role("radio", name=re.compile(name)))
    pictures = acp.locator(".acp-pic img")
    expect(pictures).to_have_count(2)
    for i in range(2):
        inside_screen(pictures.nth(i))
        assert pictures.nth(i).evaluate("img => img.complete && img.naturalWidth > 0")
    for question in ("Sounds realistic", "Label still clear", "Model likely does poorly"):
        inside_screen(page.locator('[data-testid="stRadio"]').filter(has_text=question))
    inside_screen(page.get_by_role("textbox", name="Note (optional)"))
    inside_screen(page.get_by_role("button", name="Save label"))
    page.screenshot(path=str(artifacts_dir / "e2e_studio_one_screen_1400x900.png"))


def test_a_slider_move_reruns_the_fragment_only(studio):
    page, log = studio
    # a ticked answer, the sweep tab and its expander open
    realistic = page.locator('[data-testid="stRadio"]').filter(has_text="Sounds realistic")
    realistic.locator('[data-testid="stRadioOption"]').filter(
        has_text=re.compile(r"^\s*Yes\s*$")
    ).click()
    page.get_by_role("tab", name="Threshold sweep").click()
    sweep = page.locator('[data-testid="stExpander"]').filter(has_text="Sweep one parameter")
    sweep.locator("summary").click()
    start = page.get_by_role("button", name="Start sweep")
    expect(start).to_be_visible()
    settle(page)
    before = player_info(page)["urls"]["augmented"]
    t0 = time.time()

    slider = page.locator(".st-key-studio_controls").get_by_role("slider", name="snr_db")
    slider.focus()
    page.keyboard.press("ArrowLeft")
    wait_player(
        page, "i.urls.augmented !== arg && i.loaded.augmented === i.urls.augmented", arg=before
    )
    settle(page)
    expect(
        page.locator('[data-testid="stMetric"]').filter(has_text="SNR (measured)")
    ).to_contain_text("9.50 dB")
    expect(realistic.get_by_role("radio", name="Yes", exact=True)).to_be_checked()
    expect(start).to_be_visible()
    # the move ran the fragment alone; the model's result for the new sample reruns the whole
    # page later (tune, then the checklist), which is how question 3 gets pre-filled
    ran = runs_since(log, t0)
    assert ran and ran[0] == "studio.tune", ran
    assert ran[:2] != ["studio.tune", "studio.checklist"], ran
    # and once the model has answered, the answer and the open sections are still there
    expect(page.get_by_text("Model WER")).to_be_visible(timeout=LONG)
    settle(page)
    expect(realistic.get_by_role("radio", name="Yes", exact=True)).to_be_checked()
    expect(start).to_be_visible()


def test_switches_bring_back_what_was_set(studio):
    """In the browser, where a switch reruns only the tuning fragment: the snr_db value survives
    "range" going on and off, and a step switched off shows no sliders and comes back as set."""
    page, _ = studio
    box = page.locator(".st-key-studio_controls")

    def clicked(key):  # Streamlit's class for a widget's key: the dots become dashes
        page.locator(f".st-key-{key.replace('.', '-')} label").click()
        settle(page)

    snr = box.get_by_role("slider", name="snr_db")
    snr.focus()
    page.keyboard.press("ArrowLeft")
    expect(snr).to_have_value("9.5")
    settle(page)
    clicked("background_noise.ranged")
    expect(box.get_by_role("slider", name="snr_db")).to_have_count(2)  # low and high
    clicked("background_noise.ranged")
    expect(box.get_by_role("slider", name="snr_db")).to_have_value("9.5")
    expect(
        page.locator('[data-testid="stMetric"]').filter(has_text="SNR (measured)")
    ).to_contain_text("9.50 dB")

    expect(box.get_by_role("slider", name="low_hz")).to_have_count(0)  # band pass is off
    clicked("band_pass.on")
    low = box.get_by_role("slider", name="low_hz")
    low.focus()
    page.keyboard.press("ArrowRight")
    moved = low.input_value()
    assert moved != "300", moved
    settle(page)
    clicked("band_pass.on")
    expect(box.get_by_role("slider", name="low_hz")).to_have_count(0)
    clicked("band_pass.on")
    expect(box.get_by_role("slider", name="low_hz")).to_have_value(moved)


def test_key_3_plays_the_noise_alone_at_the_same_place(studio):
    page, _ = studio
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    page.keyboard.press("Space")
    before = wait_player(page, "i.playing && i.position > 0.3", timeout=10_000)
    page.keyboard.press("3")
    after = player_info(page)
    assert after["signal"] == "noise" and after["playing"]
    assert after["position"] == pytest.approx(
        before["position"] + (after["now"] - before["now"]) / 1000, abs=0.12
    )


def test_slider_moves_back_and_forth_keep_the_page_connected(chromium_browser, timed_app):
    """Quick moves from the first load on, while the model's poll ticks (values seen before
    come back): each reaches the player and the page never shows Streamlit's "Connection error"
    (its message cache, on by default, lost track with fragments: "Cached ForwardMsg MISS" on
    the third move; .streamlit/config.toml)."""
    app, _ = timed_app
    context = chromium_browser.new_context(viewport=dict(SCREEN))
    context.set_default_timeout(30_000)
    try:
        page = context.new_page()
        page.goto(app.url + "/", wait_until="domcontentloaded")
        expect(page.get_by_role("button", name="Save label")).to_be_visible(timeout=LONG)
        settle(page)
        wait_player(page, "i.loaded.augmented && i.loaded.augmented === i.urls.augmented")
        slider = page.locator(".st-key-studio_controls").get_by_role("slider", name="snr_db")
        slider.focus()
        for i in range(12):
            before = player_info(page)["loaded"]["augmented"]
            page.keyboard.press("ArrowRight" if i % 2 == 0 else "ArrowLeft")
            wait_player(page, "i.loaded.augmented && i.loaded.augmented !== arg", arg=before)
            settle(page)
            expect(page.get_by_text("Connection error")).to_have_count(0)
    finally:
        context.close()
