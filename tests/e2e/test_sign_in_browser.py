"""Sign-in and roles in a real browser, against a local OpenID Connect provider.

The provider is ``oidc-provider-mock`` (a real OIDC server: discovery, authorization code,
signed ID tokens) on 127.0.0.1 in this process; the app gets its ``[auth]`` settings and roles
from a secrets file of the test's own (``--secrets.files``). An engineer signs in and gets every
page, with the reviewer being who signed in; a labeler gets only the Review page (the Studio's URL
shows the Review page), answers a round and sees their own progress; another labeler cannot use
the first one's link. Screenshots of the sign-in page and of the labeler's view go to
``test-artifacts/``.
"""

from __future__ import annotations

import re
import threading

import pytest

pytest.importorskip("playwright.sync_api")
pytest.importorskip("oidc_provider_mock")
pytest.importorskip("authlib")
from conftest import _free_port, serve_app  # noqa: E402
from e2e_helpers import LONG, new_context, screenshot, settle  # noqa: E402
from playwright.sync_api import expect  # noqa: E402
from test_deep_links_browser import make_round, nav_texts  # noqa: E402

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("require_chromium")]

ENGINEER = "eng@example.org"
LEE = "lee@labs.example.org"
KIM = "kim@labs.example.org"


@pytest.fixture
def oidc_provider():
    """The mock provider on 127.0.0.1 (a free port), users listed on its sign-in page."""
    import oidc_provider_mock
    import werkzeug.serving

    users = [
        oidc_provider_mock.User(sub=email, claims={"email": email, "name": name})
        for email, name in ((ENGINEER, "Eng Ineer"), (LEE, "Lee"), (KIM, "Kim"))
    ]
    server = werkzeug.serving.make_server(
        "127.0.0.1", 0, oidc_provider_mock.app(user_claims=users), threaded=True
    )
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(10)
        server.server_close()


def sign_in(page, url: str, email: str) -> None:
    """From the app's sign-in page through the provider's form, back to the app."""
    page.goto(url, wait_until="domcontentloaded")
    button = page.get_by_role("button", name="Sign in")
    expect(button).to_be_visible(timeout=LONG)
    settle(page)
    button.click()
    # the provider's page: one button per known user
    page.get_by_role("button", name=email, exact=True).click(timeout=LONG)
    expect(page.get_by_text(f"{email} · ", exact=False)).to_be_visible(timeout=LONG)
    settle(page)


def test_engineer_and_labelers_sign_in(chromium_browser, oidc_provider, tmp_path, artifacts_dir):
    port = _free_port()
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(
        f"""
[auth]
redirect_uri = "http://127.0.0.1:{port}/oauth2callback"
cookie_secret = "an-e2e-cookie-secret-of-enough-length"
client_id = "augcheck-e2e"
client_secret = "e2e-client-secret"
server_metadata_url = "{oidc_provider}/.well-known/openid-configuration"

[augcheck.roles]
engineers = ["{ENGINEER}"]
labelers = ["@labs.example.org"]
"""
    )
    tokens: list[str] = []
    with serve_app(
        tmp_path,
        prepare=lambda d: tokens.append(make_round(d)),
        args=["--secrets.files", str(secrets)],
        port=port,
    ) as app:
        token = tokens[0]
        round_link = f"{app.url}/review?round={token}"
        contexts = []
        try:
            # --- nobody signed in: the sign-in page, and nothing of the app ------------------
            ctx = new_context(chromium_browser)
            contexts.append(ctx)
            page = ctx.new_page()
            page.goto(f"{app.url}/recipes", wait_until="domcontentloaded")
            expect(page.get_by_role("button", name="Sign in")).to_be_visible(timeout=LONG)
            settle(page)
            screenshot(page, artifacts_dir / "e2e_sign_in.png")
            expect(page.get_by_role("heading", name="Recipes")).to_have_count(0)
            assert nav_texts(page) == []

            # --- the engineer: every page; the reviewer is who signed in ---------------------
            sign_in(page, app.url + "/", ENGINEER)
            expect(page.get_by_role("heading", name="Studio")).to_be_visible(timeout=LONG)
            assert {"Studio", "Recipes", "Rounds", "Labels", "Library"} <= set(nav_texts(page))
            expect(page.get_by_role("textbox", name="Your name (reviewer)")).to_have_count(0)
            page.goto(f"{app.url}/rounds", wait_until="domcontentloaded")
            expect(page.get_by_role("heading", name="Review rounds")).to_be_visible(timeout=LONG)
            expect(page.get_by_text("Labelers sign in; each answers as themself.")).to_be_visible(
                timeout=LONG
            )

            # --- a labeler: only the Review page, own rounds and progress --------------------
            ctx = new_context(chromium_browser)
            contexts.append(ctx)
            lee = ctx.new_page()
            sign_in(lee, round_link, LEE)
            lee.goto(round_link, wait_until="domcontentloaded")
            expect(lee.get_by_role("heading", name="Sample 1")).to_be_visible(timeout=LONG)
            settle(lee)
            for question in ("Sounds realistic", "Label still clear"):
                group = lee.locator('[data-testid="stRadio"]').filter(has_text=question)
                group.locator('[data-testid="stRadioOption"]').filter(
                    has_text=re.compile(r"^\s*Yes\s*$")
                ).click()
            lee.get_by_role("button", name="Save and next").click()
            expect(lee.get_by_role("heading", name="Sample 2")).to_be_visible(timeout=LONG)
            expect(lee.locator('[data-testid="stProgress"]')).to_have_text(
                re.compile(r"1 of 2"), timeout=LONG
            )
            settle(lee)
            screenshot(lee, artifacts_dir / "e2e_labeler_review.png")
            assert nav_texts(lee) == []
            # the Studio's URL gives the labeler the Review page, never the Studio
            lee.goto(f"{app.url}/studio", wait_until="domcontentloaded")
            expect(lee.get_by_role("heading", name="Listening review")).to_be_visible(timeout=LONG)
            expect(lee.get_by_role("heading", name="Your rounds")).to_be_visible(timeout=LONG)
            settle(lee)
            screenshot(lee, artifacts_dir / "e2e_labeler_home.png")
            expect(lee.get_by_role("heading", name="Studio")).to_have_count(0)
            expect(lee.locator("audio")).to_have_count(0)
            for path in ("recipes", "labels", "rounds", "library"):
                lee.goto(f"{app.url}/{path}", wait_until="domcontentloaded")
                expect(lee.get_by_role("heading", name="Listening review")).to_be_visible(
                    timeout=LONG
                )
                settle(lee)
                expect(lee.locator('[data-testid="stDataFrame"]')).to_have_count(1)  # own rounds

            # --- another labeler with lee's link: refused ------------------------------------
            ctx = new_context(chromium_browser)
            contexts.append(ctx)
            kim = ctx.new_page()
            sign_in(kim, app.url + "/", KIM)
            kim.goto(f"{round_link}&labeler={LEE}", wait_until="domcontentloaded")
            expect(kim.get_by_text("This link is for another labeler.", exact=False)).to_be_visible(
                timeout=LONG
            )
            settle(kim)
            expect(kim.locator('[data-testid="stProgress"]')).to_have_count(0)
            expect(kim.locator("audio")).to_have_count(0)
        except BaseException:
            for i, ctx in enumerate(contexts):
                for j, pg in enumerate(ctx.pages):
                    screenshot(pg, artifacts_dir / f"e2e_sign_in_failure_{i}_{j}.png")
            raise
        finally:
            for ctx in contexts:
                ctx.close()
