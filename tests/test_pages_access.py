"""Access control through AppTest: sign-in and roles, signed round links, the exposure warning."""

from __future__ import annotations

import logging
import sqlite3

import pytest
import streamlit as st
from streamlit import config
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT

AUTH = {
    "redirect_uri": "http://127.0.0.1:8501/oauth2callback",
    "cookie_secret": "c" * 32,
    "client_id": "augcheck",
    "client_secret": "s",
    "server_metadata_url": "http://127.0.0.1:1/.well-known/openid-configuration",
}
ROLES = {"roles": {"engineers": ["eng@example.org"], "labelers": ["@labs.example.org"]}}


def new_app(user: dict | None = None, *, page: str | None = None, query=None) -> AppTest:
    st.cache_resource.clear()
    st.cache_data.clear()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    if user is not None:
        at.secrets["auth"] = AUTH
        at.secrets["augcheck"] = ROLES
        at.user = user
    if page:
        at.switch_page(page)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    return at.run()


def signed_in(email: str, **claims) -> dict:
    return {"is_logged_in": True, "email": email, **claims}


def titles(at) -> list[str]:
    return [t.value for t in at.title]


def make_round(data_dir) -> str:
    from augment.recipe import Recipe
    from augment.review import rounds
    from augment.store import Store, load_demo_assets

    data_dir.mkdir(parents=True, exist_ok=True)
    store = Store(f"sqlite:///{data_dir}/augcheck.db")
    load_demo_assets(store)
    rid = store.save_recipe(
        Recipe.from_dict({"name": "r", "steps": [{"step": "gain", "gain_db": -3}]})
    )
    info = rounds.create_round(
        store,
        name="week 1",
        recipe_ids=[rid],
        clip_hashes=[m.hash for m in store.list_media("speech")][:1],
        samples_per_recipe=2,
        offer_reference=True,
        anchor_share=0.0,
        created_by="eng",
        seed=1,
    )
    return info.token


def test_sign_in_page_before_anything(data_dir):
    at = new_app({"is_logged_in": False})
    assert not at.exception
    assert titles(at) == ["augcheck"]
    assert at.button(key="sign_in").label == "Sign in"
    assert not at.radio and not at.text_input  # no page ran


def test_engineer_is_the_reviewer_no_typed_name(data_dir):
    at = new_app(signed_in("eng@example.org", name="Eng Ineer"))
    assert not at.exception, at.exception
    assert titles(at) == ["Studio"]
    assert "reviewer_input" not in [t.key for t in at.text_input]  # no name box
    assert "eng@example.org · engineer" in at.sidebar.text[0].value
    at.radio(key="answer_realistic").set_value("Yes")
    at.radio(key="answer_clear").set_value("Yes")
    at.button(key="save").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    rows = sqlite3.connect(data_dir / "augcheck.db").execute("select reviewer from reviews")
    assert rows.fetchall() == [("eng@example.org",)]


@pytest.mark.parametrize(
    "page",
    [
        "views/studio.py",
        "views/sweep.py",
        "views/recipes.py",
        "views/rounds.py",
        "views/labels.py",
        "views/library.py",
        "views/import_recipe.py",
    ],
)
def test_labeler_cannot_open_engineer_pages(data_dir, page):
    at = new_app(signed_in("lee@labs.example.org"), page=page)
    assert not at.exception, at.exception
    assert titles(at) == ["Listening review"]  # the only page a labeler has
    assert not at.dataframe and not at.get("download_button")


def test_labeler_sees_own_rounds_and_not_another_labelers_link(data_dir):
    token = make_round(data_dir)
    lee = new_app(signed_in("lee@labs.example.org"), page="views/review.py", query={"round": token})
    assert not lee.exception and not lee.error
    radios = {r.key.rsplit("_", 1)[0]: r for r in lee.radio}
    radios["review_realistic"].set_value("Yes")
    radios["review_clear"].set_value("Yes")
    lee.button(key="review_save").click().run()
    assert "1 of 2" in lee.get("progress")[0].proto.text
    # her own progress, without the round link
    home = new_app(signed_in("lee@labs.example.org"), page="views/review.py")
    table = home.dataframe[0].value
    assert table[["round", "answered", "of"]].values.tolist() == [["week 1", 1, 2]]
    # another labeler's link: refused in one line, nothing of lee's shown
    kim = new_app(
        signed_in("kim@labs.example.org"),
        page="views/review.py",
        query={"round": token, "labeler": "lee@labs.example.org"},
    )
    assert [e.value for e in kim.error] == [
        "This link is for another labeler. Open your own link, signed in as yourself."
    ]
    assert not kim.get("progress") and not kim.radio
    # and kim's own page lists no round of lee's
    assert not new_app(signed_in("kim@labs.example.org"), page="views/review.py").dataframe


def test_signed_in_without_a_role_is_refused(data_dir):
    at = new_app(signed_in("eve@evil.org"))
    assert "no role in augcheck" in at.error[0].value
    assert titles(at) == ["augcheck"]


def test_local_links_are_signed_editing_the_name_is_refused(data_dir):
    from augment import access

    token = make_round(data_dir)
    sig = access.sign(access.link_secret(data_dir), token, "ana")
    ok = new_app(page="views/review.py", query={"round": token, "labeler": "ana", "sig": sig})
    assert not ok.error and "0 of 2" in ok.get("progress")[0].proto.text
    for query in (
        {"round": token, "labeler": "bo", "sig": sig},  # the name edited
        {"round": token, "labeler": "ana"},  # the signature dropped
        {"round": token, "labeler": "a" * 300, "sig": sig},
    ):
        at = new_app(page="views/review.py", query=query)
        assert not at.exception, at.exception
        assert len(at.error) == 1 and "not valid" in at.error[0].value, query
        assert not at.get("progress") and not at.radio
    bare = new_app(page="views/review.py", query={"round": token})
    assert "names no labeler" in bare.error[0].value and not bare.radio


@pytest.fixture
def listening_everywhere():
    before = config.get_option("server.address")
    config.set_option("server.address", "0.0.0.0")
    yield
    config.set_option("server.address", before)


def test_warning_when_exposed_without_sign_in(data_dir, listening_everywhere, caplog):
    with caplog.at_level(logging.WARNING, logger="augcheck"):
        at = new_app()
    assert any("0.0.0.0 without sign-in" in w.value for w in at.warning)
    assert any("0.0.0.0 without sign-in" in r.getMessage() for r in caplog.records)
    # with sign-in, no warning
    assert not new_app(signed_in("eng@example.org")).warning


def test_no_warning_on_this_machine_only(data_dir):
    config.set_option("server.address", "127.0.0.1")
    assert not new_app().warning


def test_rounds_page_links_per_labeler_and_says_which_name_is_unfit(data_dir):
    from augment import access

    token = make_round(data_dir)
    at = new_app(page="views/rounds.py")
    at.text_area(key=f"round_labelers_{token}").input("ana\n" + "x" * 120).run()
    assert not at.exception, at.exception
    table = next(d.value for d in at.dataframe if "link" in d.value.columns)
    assert table["labeler"].tolist()[0] == "ana"
    ana_link = table["link"].tolist()[0]
    assert ana_link.endswith(f"&sig={access.sign(access.link_secret(data_dir), token, 'ana')}")
    assert table["link"].tolist()[1] == "" and "at most 100" in table["error"].tolist()[1]
    at.text_area(key=f"round_labelers_{token}").input("ana").run()
    table = next(d.value for d in at.dataframe if "link" in d.value.columns)
    assert "error" not in table.columns


def test_round_link_on_the_home_url_keeps_its_query(data_dir):
    """``/?round=..&labeler=..&sig=..`` reaches the Review page with the whole query."""
    from augment import access

    token = make_round(data_dir)
    sig = access.sign(access.link_secret(data_dir), token, "ana")
    at = new_app(query={"round": token, "labeler": "ana", "sig": sig})
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert titles(at) == ["Listening review"]
    assert "0 of 2" in at.get("progress")[0].proto.text
