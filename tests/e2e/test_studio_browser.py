"""The Studio in a real browser, as a reviewer uses it: name, upload, tune, listen, label, save.

Then the saved row is checked in the SQLite file itself and on the Labels page. Screenshots of
both pages go to ``test-artifacts/`` whether the test passes or fails.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import sqlite3
from pathlib import Path

import pytest

pytest.importorskip("playwright.sync_api")
from e2e_helpers import LONG, screenshot, settle, wait_player  # noqa: E402
from playwright.sync_api import Locator, Page, expect  # noqa: E402

# the Chromium check comes first, so a machine without it skips before starting the app
pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("require_chromium")]

REPO_ROOT = Path(__file__).resolve().parents[2]
CLIP = REPO_ROOT / "tests" / "data" / "cmu_arctic_us_aew_a0001.wav"
REVIEWER = "e2e-reviewer"
NOTE = "e2e note"
ARROW_PRESSES = 4  # snr_db moves 0.5 dB per key press: 10.0 -> 8.0


def reviewer_box(page: Page) -> Locator:
    return page.locator('[data-testid="stSidebar"]').get_by_role(
        "textbox", name="Your name (reviewer)"
    )


def player_urls(page: Page) -> dict:
    """What the player plays, once decoded: {"original": url, "augmented": url, "noise": url}."""
    info = wait_player(page, "Object.keys(i.urls).every((k) => i.loaded[k] === i.urls[k])")
    return info["urls"]


def test_label_uploaded_clip_in_studio(app_page: Page, streamlit_app, artifacts_dir):
    assert CLIP.is_file(), f"missing test recording {CLIP}"
    clip_bytes = CLIP.read_bytes()
    clip_sha = hashlib.sha256(clip_bytes).hexdigest()
    page = app_page

    # --- Studio -------------------------------------------------------------------------
    try:
        page.goto(streamlit_app.url + "/", wait_until="domcontentloaded")
        expect(page.get_by_role("heading", name="Studio")).to_be_visible(timeout=LONG)
        expect(page.get_by_role("button", name="Save label")).to_be_visible(timeout=LONG)
        settle(page)
        # one player (original, augmented, noise alone), no plain <audio> elements
        urls = player_urls(page)
        assert set(urls) == {"original", "augmented", "noise"} and all(urls.values()), urls
        expect(page.locator("audio")).to_have_count(0)

        # reviewer name in the sidebar; Enter commits a Streamlit text input
        name_box = reviewer_box(page)
        name_box.fill(REVIEWER)
        name_box.press("Enter")
        settle(page)
        expect(name_box).to_have_value(REVIEWER)

        # upload the real recording as the clean clip; the app stores and selects it
        original_src = urls["original"]
        uploader = page.locator('[data-testid="stFileUploader"]').filter(
            has_text="Upload a clean clip"
        )
        uploader.locator('input[type="file"]').set_input_files(str(CLIP))
        clip_select = page.get_by_role("combobox", name="Clean clip", exact=True)
        expect(clip_select).to_have_value(re.compile(r"^" + re.escape(CLIP.name)), timeout=LONG)
        expect(
            page.locator('[data-testid="stCaptionContainer"]').filter(has_text=CLIP.name)
        ).to_be_visible(timeout=LONG)
        wait_player(page, "i.urls.original !== arg", arg=original_src)
        settle(page)
        snr_metric = page.locator('[data-testid="stMetric"]').filter(has_text="SNR (measured)")
        expect(snr_metric).to_contain_text("10.00 dB", timeout=LONG)
        before = player_urls(page)["augmented"]
        assert before and "/media/" in before, before

        # move Background noise's snr_db with the keyboard: 0.5 dB per ArrowLeft
        snr_slider = page.locator('[data-testid="stSlider"]').filter(has_text="snr_db (dB)")
        slider = snr_slider.get_by_role("slider")
        expect(slider).to_have_value("10")
        slider.focus()
        for _ in range(ARROW_PRESSES):
            page.keyboard.press("ArrowLeft")
        expect(slider).to_have_value("8", timeout=LONG)
        wait_player(page, "i.urls.augmented !== arg", arg=before)
        expect(snr_metric).to_contain_text("8.00 dB", timeout=LONG)
        settle(page)
        after = player_urls(page)["augmented"]
        assert after and after != before, (before, after)

        # the model's result arrives in the background and pre-fills question 3
        expect(page.get_by_text("Model WER")).to_be_visible(timeout=LONG)
        settle(page)

        # the checklist
        for question in ("Sounds realistic", "Label still clear"):
            group = page.locator('[data-testid="stRadio"]').filter(has_text=question)
            group.locator('[data-testid="stRadioOption"]').filter(
                has_text=re.compile(r"^\s*Yes\s*$")
            ).click()
            expect(group.get_by_role("radio", name="Yes", exact=True)).to_be_checked()
        # the reviewer overrides the model's pre-filled answer: theirs is what is stored
        poor = page.locator('[data-testid="stRadio"]').filter(has_text="Model likely does poorly")
        poor.locator('[data-testid="stRadioOption"]').filter(has_text="Don't know").click()
        expect(poor.get_by_role("radio", name="Don't know", exact=True)).to_be_checked()
        page.get_by_role("textbox", name="Note (optional)").fill(NOTE)
        page.get_by_role("button", name="Save label").click()
        success = page.locator('[data-testid="stAlert"]').filter(has_text="Saved review #")
        expect(success).to_be_visible(timeout=LONG)
        expect(success).to_contain_text("accept")
        settle(page)

        # the name is remembered for the session
        expect(name_box).to_have_value(REVIEWER)
        # the form was cleared after the submit
        expect(page.get_by_role("textbox", name="Note (optional)")).to_have_value("")
    except BaseException:
        print(streamlit_app.output())  # shown by pytest with the failure
        raise
    finally:
        screenshot(page, artifacts_dir / "e2e_studio.png")

    # --- the database itself --------------------------------------------------------------
    db = streamlit_app.db_path
    assert db.is_file(), f"no database at {db}"
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        con.row_factory = sqlite3.Row
        rows = con.execute("SELECT * FROM reviews").fetchall()
        clip_row = con.execute(
            "SELECT name, kind FROM media WHERE hash = ?", (clip_sha,)
        ).fetchone()
    finally:
        con.close()
    assert len(rows) == 1, [dict(r) for r in rows]
    row = rows[0]
    assert row["reviewer"] == REVIEWER
    assert row["verdict"] == "accept"
    assert row["note"] == NOTE
    assert row["clip_hash"] == clip_sha
    assert bool(row["realistic"]) and bool(row["clear"])
    assert row["model_poor"] == "unknown"
    assert row["origin"] == "studio"
    assert clip_row is not None and clip_row["name"] == CLIP.name and clip_row["kind"] == "speech"
    params = json.loads(row["params_json"])
    noise_params = [p for p in params if p["step"] == "background_noise"]
    assert len(noise_params) == 1 and noise_params[0]["snr_db"] == pytest.approx(8.0), params
    assert json.loads(row["metrics_json"])["snr_db"] == pytest.approx(8.0, abs=0.01)
    saved_text = success.inner_text()
    assert f"Saved review #{row['id']}: accept for" in saved_text
    assert row["recipe_id"] in saved_text

    # --- Labels -----------------------------------------------------------------------------
    try:
        page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name="Labels").click()
        expect(page).to_have_url(re.compile(r"/labels/?$"), timeout=LONG)
        expect(page.get_by_role("heading", name="Labels")).to_be_visible(timeout=LONG)
        expect(page.get_by_text("Reviews (1)", exact=True)).to_be_visible(timeout=LONG)
        expect(page.get_by_text("Per recipe", exact=True)).to_be_visible()
        expect(page.locator('[data-testid="stDataFrame"]')).to_have_count(2, timeout=LONG)
        settle(page)
        # the sidebar still knows who is reviewing
        expect(reviewer_box(page)).to_have_value(REVIEWER)

        # the reviewer is offered in the Reviewer filter (the tables are canvas-drawn)
        page.locator('[data-testid="stMultiSelect"]').filter(has_text="Reviewer").click()
        expect(page.get_by_role("option", name=REVIEWER)).to_be_visible(timeout=LONG)
        page.keyboard.press("Escape")

        # and the CSV download holds the row as saved
        with page.expect_download(timeout=LONG) as info:
            page.get_by_role("button", name="Download CSV").click()
        text = open(info.value.path(), encoding="utf-8").read()
        exported = list(csv.DictReader(io.StringIO(text)))
        assert len(exported) == 1, text
        assert exported[0]["reviewer"] == REVIEWER
        assert exported[0]["verdict"] == "accept"
        assert exported[0]["note"] == NOTE
        assert exported[0]["clip_hash"] == clip_sha
    except BaseException:
        print(streamlit_app.output())  # shown by pytest with the failure
        raise
    finally:
        screenshot(page, artifacts_dir / "e2e_labels.png")
