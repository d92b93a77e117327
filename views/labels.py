"""Labels: every saved review, filtered, summarised per recipe, downloadable as CSV."""

from __future__ import annotations

import streamlit as st

from augment.checklist import VERDICTS
from augment.export.reviews import review_rows, reviews_csv, reviews_parquet
from views._common import get_store

st.title("Labels")
store = get_store()
summary = store.recipe_summary()
if not summary:
    st.info(
        "No labels yet. Open the **Studio**, tune a recipe, answer the checklist and press "
        "**Save label**: each answer appears here.",
        icon=":material/fact_check:",
    )
    st.stop()

names = {s["recipe_id"]: s["recipe"] for s in summary}
f1, f2, f3 = st.columns([3, 2, 2])
recipes = f1.multiselect(
    "Recipe",
    list(names),
    format_func=lambda i: f"{names[i]} ({i[:8]})",
    key="filter_recipe",
    placeholder="all recipes",
)
who = f2.multiselect(
    "Reviewer", store.reviewers(), key="filter_reviewer", placeholder="all reviewers"
)
verdicts = f3.multiselect("Verdict", list(VERDICTS), key="filter_verdict", placeholder="both")
reviews = store.reviews(recipe_ids=recipes, reviewers=who, verdicts=verdicts)

st.subheader("Per recipe")
shown = [s for s in summary if not recipes or s["recipe_id"] in recipes]
st.dataframe(
    shown,
    hide_index=True,
    width="stretch",
    column_config={
        "recipe_id": st.column_config.TextColumn("id"),
        "accept_pct": st.column_config.ProgressColumn(
            "accept %", min_value=0, max_value=100, format="%.0f%%"
        ),
        "last_reviewed": st.column_config.DatetimeColumn("last reviewed"),
    },
)

st.subheader(f"Reviews ({len(reviews)})")
if not reviews:
    st.info("No review matches these filters.")
    st.stop()
columns, rows = review_rows(reviews)
st.dataframe(rows, hide_index=True, width="stretch", column_order=columns, key="reviews_table")
downloads = st.container(horizontal=True)
downloads.download_button(
    "Download CSV",
    reviews_csv(reviews),
    file_name="augcheck_reviews.csv",
    mime="text/csv",
    icon=":material/download:",
    key="download_csv",
)
downloads.download_button(
    "Download Parquet",
    reviews_parquet(reviews),
    file_name="augcheck_reviews.parquet",
    mime="application/vnd.apache.parquet",
    icon=":material/download:",
    key="download_parquet",
)
st.caption("One row per review; the concrete parameters drawn for each sample are columns.")
