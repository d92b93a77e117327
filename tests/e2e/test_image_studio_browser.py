"""The image Studio in a real browser: upload a picture, darken it, answer, save; row in the DB.

A screenshot of the page goes to ``test-artifacts/e2e_image_studio.png`` pass or fail.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import sqlite3

import pytest

pytest.importorskip("playwright.sync_api")
from e2e_helpers import LONG, screenshot, settle  # noqa: E402
from playwright.sync_api import Page, expect  # noqa: E402

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("require_chromium")]

REVIEWER = "e2e-image-reviewer"
PRESSES = 10  # exposure_ev moves 0.1 EV per key press: 0.0 -> -1.0


def augmented_src(page: Page) -> str | None:
    figure = page.locator('[data-testid="stImage"]').filter(has_text="Augmented")
    return figure.locator("img").first.get_attribute("src")


@pytest.fixture(scope="module")
def picture_app(tmp_path_factory):
    """The app on its own data folder: the Studio browser test counts the reviews of the shared
    app, and a picture's review must not land there."""
    from conftest import serve_app

    with serve_app(tmp_path_factory.mktemp("picture_app")) as app:
        yield app


def test_label_an_uploaded_picture(app_page: Page, picture_app, artifacts_dir, tmp_path):
    streamlit_app = picture_app
    from PIL import Image

    from augment.image.synthetic import phone_picture

    pixels, _ = phone_picture(480, 360, scratched=True, seed=9)
    path = tmp_path / "my_phone.png"
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, format="PNG")
    path.write_bytes(buf.getvalue())
    sha = hashlib.sha256(buf.getvalue()).hexdigest()
    page = app_page
    try:
        page.goto(streamlit_app.url + "/", wait_until="domcontentloaded")
        expect(page.get_by_role("heading", name="Studio")).to_be_visible(timeout=LONG)
        settle(page)
        name_box = page.locator('[data-testid="stSidebar"]').get_by_role(
            "textbox", name="Your name (reviewer)"
        )
        name_box.fill(REVIEWER)
        name_box.press("Enter")
        settle(page)

        page.locator('[data-testid="stButtonGroup"]').get_by_text("Images", exact=True).click()
        expect(page.locator('[data-testid="stImage"]')).to_have_count(2, timeout=LONG)
        settle(page)
        expect(name_box).to_have_value(REVIEWER)
        uploader = page.locator('[data-testid="stFileUploader"]').filter(
            has_text="Upload a picture"
        )
        uploader.locator('input[type="file"]').set_input_files(str(path))
        expect(
            page.locator('[data-testid="stCaptionContainer"]').filter(has_text="my_phone.png")
        ).to_be_visible(timeout=LONG)
        settle(page)
        expect(name_box).to_have_value(REVIEWER)
        luminance = page.locator('[data-testid="stMetric"]').filter(has_text="Mean luminance")
        before_lum = luminance.inner_text()
        before = augmented_src(page)
        assert before and "/media/" in before, before

        slider = (
            page.locator('[data-testid="stSlider"]')
            .filter(has_text="exposure_ev (EV)")
            .get_by_role("slider")
        )
        expect(slider).to_have_value("0")
        slider.focus()
        for _ in range(PRESSES):
            page.keyboard.press("ArrowLeft")
        expect(slider).to_have_value("-1", timeout=LONG)
        settle(page)
        expect(luminance).not_to_have_text(before_lum, timeout=LONG)
        after = augmented_src(page)
        assert after and after != before, (before, after)

        for question in ("Looks realistic", "Label still clear"):
            group = page.locator('[data-testid="stRadio"]').filter(has_text=question)
            group.locator('[data-testid="stRadioOption"]').filter(
                has_text=re.compile(r"^\s*Yes\s*$")
            ).click()
            expect(group.get_by_role("radio", name="Yes", exact=True)).to_be_checked()
        page.get_by_role("textbox", name="Note (optional)").fill("still visible at -1 EV")
        page.get_by_role("button", name="Save label").click()
        success = page.locator('[data-testid="stAlert"]').filter(has_text="Saved review #")
        expect(success).to_be_visible(timeout=LONG)
        expect(success).to_contain_text("accept")
        settle(page)
    except BaseException:
        print(streamlit_app.output())
        raise
    finally:
        screenshot(page, artifacts_dir / "e2e_image_studio.png")

    con = sqlite3.connect(f"file:{streamlit_app.db_path}?mode=ro", uri=True)
    try:
        con.row_factory = sqlite3.Row
        rows = con.execute("SELECT * FROM reviews").fetchall()
        media = con.execute("SELECT name, kind FROM media WHERE hash = ?", (sha,)).fetchone()
    finally:
        con.close()
    assert len(rows) == 1
    row = rows[0]
    assert row["reviewer"] == REVIEWER and row["verdict"] == "accept"
    assert row["clip_hash"] == sha and media["kind"] == "image" and media["name"] == "my_phone.png"
    params = json.loads(row["params_json"])
    bright = [p for p in params if p["step"] == "brightness"]
    assert bright and bright[0]["exposure_ev"] == pytest.approx(-1.0)
