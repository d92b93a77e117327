"""Helpers the browser tests share (plain functions; the fixtures are in ``conftest.py``).

Imported as ``from e2e_helpers import ...``: pytest puts this folder on ``sys.path`` (no
``__init__.py`` here), with ``pytest`` as with ``python -m pytest``. Playwright is imported
inside the functions, so importing this module needs no Playwright.
"""

from __future__ import annotations

LONG = 60_000  # ms: first render, uploads and reruns are slow on a 2-core machine
VIEWPORT = {"width": 1400, "height": 1800}


def new_context(browser):
    """A fresh browser context (own cookies, so its own Streamlit session), tall viewport."""
    context = browser.new_context(viewport=dict(VIEWPORT), accept_downloads=True)
    context.set_default_timeout(30_000)
    return context


def settle(page, timeout: float = LONG) -> None:
    """Wait until Streamlit is connected and no script run is in progress (seen twice)."""
    from playwright.sync_api import expect

    app = page.locator('[data-testid="stApp"]')
    for _ in range(2):
        expect(app).to_have_attribute("data-test-connection-state", "CONNECTED", timeout=timeout)
        expect(app).to_have_attribute("data-test-script-state", "notRunning", timeout=timeout)
        expect(
            page.locator('[data-testid="stStatusWidget"]').filter(has_text="Running")
        ).to_have_count(0, timeout=timeout)
        page.wait_for_timeout(300)


def screenshot(page, path) -> None:
    """A full-page screenshot; Streamlit scrolls inside ``stMain``, so grow the viewport first."""
    try:
        size = page.viewport_size or dict(VIEWPORT)
        height = page.evaluate(
            """() => {
                const main = document.querySelector('[data-testid="stMain"]');
                return Math.max(document.body.scrollHeight, main ? main.scrollHeight : 0);
            }"""
        )
        shot_height = max(size["height"], min(int(height) + 40, 8000))
        if shot_height > size["height"]:
            page.set_viewport_size({"width": size["width"], "height": shot_height})
            page.wait_for_timeout(700)
        # park the pointer in the empty bottom-right corner: no hover toolbars in the picture
        page.mouse.move(size["width"] - 5, shot_height - 5)
        page.wait_for_timeout(200)
        page.screenshot(path=str(path), full_page=True)
        page.set_viewport_size(size)
    except Exception as exc:  # a screenshot must never hide the real failure
        print(f"screenshot {path} failed: {exc!r}")


#: The A/B player's state (``views/_player.js``'s ``info()``), read from inside its shadow root.
PLAYER_INFO_JS = """() => {
    for (const host of document.querySelectorAll('[data-testid="stBidiComponentIsolated"]')) {
        const wrap = host.shadowRoot && host.shadowRoot.querySelector('.acp');
        if (wrap && wrap.player) return wrap.player.info();
    }
    return null;
}"""


def player_info(page) -> dict | None:
    """The player's state: signal, playing, position (s), loop, region, match, level, ..."""
    return page.evaluate(PLAYER_INFO_JS)


def player(page):
    """A locator for the player's root (Playwright's CSS locators pierce open shadow roots)."""
    return page.locator(".acp")


def wait_player(page, condition: str, *, arg=None, timeout: float = LONG) -> dict:
    """Wait until ``condition`` (a JS expression on the player's state ``i`` and on ``arg``)
    holds; returns that state."""
    page.wait_for_function(
        f"(arg) => {{ const i = ({PLAYER_INFO_JS})(); return !!i && ({condition}); }}",
        arg=arg,
        timeout=timeout,
    )
    return player_info(page)
