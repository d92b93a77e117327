"""The Studio keeps what a reviewer did while the model was still listening.

The model's result arrives with a rerun of the whole page. Elements that come and go (the poll
that waits for the model, notes, messages) sit in fixed containers, so nothing below them moves;
otherwise Streamlit treats the moved elements as new ones and a reviewer's unsent ticks and open
sections are lost.
"""

from __future__ import annotations

import re

import pytest

pytest.importorskip("playwright.sync_api")
from e2e_helpers import LONG, screenshot, settle  # noqa: E402
from playwright.sync_api import expect  # noqa: E402

pytestmark = pytest.mark.e2e


def test_ticks_and_open_sections_survive_the_models_result(app_page, streamlit_app, artifacts_dir):
    page = app_page
    try:
        page.goto(streamlit_app.url + "/", wait_until="domcontentloaded")
        expect(page.get_by_role("button", name="Save label")).to_be_visible(timeout=LONG)
        expect(page.get_by_text("Model WER")).to_be_visible(timeout=LONG)
        settle(page)

        # a new sample: the model starts listening again
        page.get_by_role("button", name="New draw").click()
        listening = page.get_by_text("The model is listening")
        expect(listening).to_be_visible(timeout=LONG)

        # while it listens: tick a checklist answer and open the sweep section
        realistic = page.locator('[data-testid="stRadio"]').filter(has_text="Sounds realistic")
        realistic.locator('[data-testid="stRadioOption"]').filter(
            has_text=re.compile(r"^\s*Yes\s*$")
        ).click()
        page.get_by_role("tab", name="Threshold sweep").click()  # the sweep sits in a tab
        sweep = page.locator('[data-testid="stExpander"]').filter(has_text="Sweep one parameter")
        sweep.locator("summary").click()
        expect(page.get_by_role("button", name="Start sweep")).to_be_visible(timeout=LONG)
        assert listening.count() == 1, "the model answered before the test could act"

        # the model answers: the page reruns, and what the reviewer did stays
        expect(page.get_by_text("Model WER")).to_be_visible(timeout=LONG)
        settle(page)
        page.wait_for_timeout(1500)
        expect(realistic.get_by_role("radio", name="Yes", exact=True)).to_be_checked()
        expect(page.get_by_role("button", name="Start sweep")).to_be_visible()
    finally:
        screenshot(page, artifacts_dir / "e2e_studio_layout.png")
