"""augcheck: listen to, look at and label data-augmentation recipes. Entry point only."""

import streamlit as st

from augment.access import ENGINEER, LABELER
from views._access import current_user, exposure_warning, login, sign_in_configured

st.set_page_config(page_title="augcheck", page_icon=":material/graphic_eq:", layout="wide")


def _remember_reviewer():
    # a plain session key outlives page switches, whatever happens to the widget's own state
    st.session_state["reviewer"] = st.session_state["reviewer_input"].strip()


# A labeler's review link (?round=...) hides the navigation and the sidebar: the recipes, their
# parameters and the results stay out of sight while they listen.
labeler_link = bool(st.query_params.get("round"))
signing_in = sign_in_configured()
user = current_user()

if signing_in and user is None:
    st.title("augcheck")
    st.write("Sign in to listen to and label augmented samples.")
    if labeler_link:  # the provider sends everyone back to the home page, without the link
        st.write("After signing in, open your round link again.")
    if st.button("Sign in", type="primary", icon=":material/login:", key="sign_in"):
        login()
    st.stop()
if signing_in and user.role is None:
    st.title("augcheck")
    st.error(
        f"Signed in as {user.id}, which has no role in augcheck: ask an engineer to add you.",
        icon=":material/block:",
    )
    if st.button("Sign out", key="sign_out_no_role"):
        st.logout()
    st.stop()

if signing_in:
    st.session_state["reviewer"] = user.id  # the reviewer is who signed in, never a typed name
    with st.sidebar:
        st.text(f"Signed in as {user.name}\n{user.id} · {user.role}")
        if st.button("Sign out", icon=":material/logout:", key="sign_out"):
            st.logout()
elif not labeler_link:
    with st.sidebar:
        st.text_input(
            "Your name (reviewer)",
            value=st.session_state.get("reviewer", ""),
            key="reviewer_input",
            on_change=_remember_reviewer,
            placeholder="e.g. ana",
            help="Stored with every label you save; remembered for this browser session.",
        )
        st.caption(
            "augcheck: does the augmented sample sound real, and can you still tell what was said?"
        )

warning = exposure_warning()
if warning and not labeler_link:
    st.warning(warning, icon=":material/warning:")

# Who may open what: a page missing from st.navigation cannot run in this session (its URL
# falls back to the default page), so this list is the access check, on the server.
BOTH = (ENGINEER, LABELER)
review = st.Page("views/review.py", title="Review", icon=":material/headphones:", url_path="review")
pages = [
    (
        st.Page(
            "views/studio.py", title="Studio", icon=":material/tune:", default=user.role != LABELER
        ),
        (ENGINEER,),
    ),
    (st.Page("views/sweep.py", title="Sweep", icon=":material/linear_scale:"), (ENGINEER,)),
    (st.Page("views/recipes.py", title="Recipes", icon=":material/menu_book:"), (ENGINEER,)),
    (st.Page("views/render.py", title="Render", icon=":material/dataset:"), (ENGINEER,)),
    (st.Page("views/rounds.py", title="Rounds", icon=":material/groups:"), (ENGINEER,)),
    (review, BOTH),
    (st.Page("views/labels.py", title="Labels", icon=":material/fact_check:"), (ENGINEER,)),
    (st.Page("views/library.py", title="Library", icon=":material/library_music:"), (ENGINEER,)),
    (st.Page("views/import_recipe.py", title="Import", icon=":material/file_upload:"), (ENGINEER,)),
]
allowed = [p for p, who in pages if user.role in who]
if user.role == LABELER:
    # the default page answers at "/" only, so /review (the round links) stays a page of its own
    start = st.Page(lambda: st.switch_page(review), title="Review", url_path="start", default=True)
    allowed.insert(0, start)
page = st.navigation(
    allowed, position="hidden" if labeler_link or user.role == LABELER else "sidebar"
)
if labeler_link and page is not review:
    # keep the query (?round=...&labeler=...) on the way, or the link loses its round
    st.switch_page("views/review.py", query_params=st.query_params.to_dict())
page.run()
