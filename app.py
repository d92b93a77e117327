"""augcheck: listen to, look at and label data-augmentation recipes. Entry point only."""

import streamlit as st

st.set_page_config(page_title="augcheck", page_icon=":material/graphic_eq:", layout="wide")


def _remember_reviewer():
    # a plain session key outlives page switches, whatever happens to the widget's own state
    st.session_state["reviewer"] = st.session_state["reviewer_input"].strip()


# A labeler's review link (?round=...) hides the navigation and the sidebar: the recipes, their
# parameters and the results stay out of sight while they listen.
labeler_link = bool(st.query_params.get("round"))

if not labeler_link:
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

page = st.navigation(
    [
        st.Page("views/studio.py", title="Studio", icon=":material/tune:", default=True),
        st.Page("views/sweep.py", title="Sweep", icon=":material/linear_scale:"),
        st.Page("views/recipes.py", title="Recipes", icon=":material/menu_book:"),
        st.Page("views/render.py", title="Render", icon=":material/dataset:"),
        st.Page("views/rounds.py", title="Rounds", icon=":material/groups:"),
        st.Page("views/review.py", title="Review", icon=":material/headphones:", url_path="review"),
        st.Page("views/labels.py", title="Labels", icon=":material/fact_check:"),
        st.Page("views/library.py", title="Library", icon=":material/library_music:"),
        st.Page("views/import_recipe.py", title="Import", icon=":material/file_upload:"),
    ],
    position="hidden" if labeler_link else "sidebar",
)
if labeler_link and page.url_path != "review":
    st.switch_page("views/review.py")
page.run()
