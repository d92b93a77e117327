"""The app on PostgreSQL (``AUGCHECK_DB_URL``) in a real browser: a label saved in the Studio
lands in the PostgreSQL database, and the Labels page reads it back from there.

The server is the session's throwaway PostgreSQL (``postgresql_server`` in ``tests/conftest.py``);
without PostgreSQL the test is skipped, except under CI, where that is a failure.
"""

from __future__ import annotations

import re

import pytest

pytest.importorskip("playwright.sync_api")
from e2e_helpers import LONG, screenshot, settle, wait_player  # noqa: E402
from playwright.sync_api import Page, expect  # noqa: E402

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("require_chromium")]

REVIEWER = "pg-reviewer"
NOTE = "stored in PostgreSQL"


def rows(url: str, query: str) -> list:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text(query)).fetchall()
    finally:
        engine.dispose()


def test_label_saved_on_postgresql(app_page: Page, postgresql_app, artifacts_dir):
    app, page = postgresql_app, app_page
    try:
        page.goto(app.url + "/", wait_until="domcontentloaded")
        expect(page.get_by_role("heading", name="Studio")).to_be_visible(timeout=LONG)
        expect(page.get_by_role("button", name="Save label")).to_be_visible(timeout=LONG)
        settle(page)
        # the player has the original, the augmented sample and the noise alone
        wait_player(page, "['original', 'augmented', 'noise'].every((k) => i.loaded[k])")
        name_box = page.locator('[data-testid="stSidebar"]').get_by_role(
            "textbox", name="Your name (reviewer)"
        )
        name_box.fill(REVIEWER)
        name_box.press("Enter")
        settle(page)
        for question in ("Sounds realistic", "Label still clear"):
            group = page.locator('[data-testid="stRadio"]').filter(has_text=question)
            group.locator('[data-testid="stRadioOption"]').filter(
                has_text=re.compile(r"^\s*Yes\s*$")
            ).click()
            expect(group.get_by_role("radio", name="Yes", exact=True)).to_be_checked()
        page.get_by_role("textbox", name="Note (optional)").fill(NOTE)
        page.get_by_role("button", name="Save label").click()
        success = page.locator('[data-testid="stAlert"]').filter(has_text="Saved review #")
        expect(success).to_be_visible(timeout=LONG)
        settle(page)
        screenshot(page, artifacts_dir / "e2e_postgresql_studio.png")

        # --- the PostgreSQL database itself, and no SQLite file beside it ---------------------
        assert not app.db_path.exists(), "the app wrote a SQLite file despite AUGCHECK_DB_URL"
        media = rows(app.db_url, "SELECT kind, count(*) FROM media GROUP BY kind")
        assert dict(media).keys() == {"speech", "noise", "impulse_response", "image", "texture"}, (
            media
        )
        reviews = rows(app.db_url, "SELECT id, reviewer, verdict, note, origin FROM reviews")
        assert len(reviews) == 1, reviews
        rid, reviewer, verdict, note, origin = reviews[0]
        assert (reviewer, verdict, note, origin) == (REVIEWER, "accept", NOTE, "studio")
        assert f"Saved review #{rid}: accept" in success.inner_text()

        # --- the Labels page reads it back ----------------------------------------------------
        page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name="Labels").click()
        expect(page.get_by_role("heading", name="Labels")).to_be_visible(timeout=LONG)
        expect(page.get_by_text("Reviews (1)", exact=True)).to_be_visible(timeout=LONG)
        settle(page)
        screenshot(page, artifacts_dir / "e2e_postgresql_labels.png")
    except BaseException:
        screenshot(page, artifacts_dir / "e2e_postgresql_failure.png")
        print(app.output())
        raise
