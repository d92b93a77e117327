"""Recipes: which recipes are good, by how much, and what their parameters do to the answers."""

from __future__ import annotations

import streamlit as st

from augment.errors import AugcheckError
from augment.recipe import Recipe
from augment.storage import STATUSES
from pages._common import get_store, reviewer

ss = st.session_state
st.title("Recipes")
store = get_store()
rows = store.recipe_rows()
if not rows:
    st.info(
        "No recipes yet. Tune one in the **Studio** and save a label (a recipe is stored with its "
        "first review), or bring one in on the **Import** page.",
        icon=":material/menu_book:",
    )
    st.stop()


def pct(k: int, n: int) -> float | None:
    return round(100.0 * k / n, 1) if n else None


@st.cache_data(max_entries=256, show_spinner=False)
def summary_of(recipe_json: str) -> str:
    return Recipe.from_json(recipe_json).summary()


def wilson_text(k: int, n: int) -> str:
    from augment.stats import wilson_interval

    if not n:
        return ""
    lo, hi = wilson_interval(k, n)
    return f"{100 * lo:.0f}–{100 * hi:.0f}%"


table = [
    {
        "name": r["name"],
        "status": r["status"],
        "steps": summary_of(r["json"]),
        "reviews": r["reviews"],
        "reviewers": r["reviewers"],
        "accept %": pct(r["accepted"], r["reviews"]),
        "accept 95% CI": wilson_text(r["accepted"], r["reviews"]),
        "realistic %": pct(r["realistic"], r["reviews"]),
        "clear %": pct(r["clear"], r["reviews"]),
        "model poor %": pct(r["model_poor"], r["model_answered"]),
        "last reviewed": r["last_reviewed"],
        "id": r["id"],
    }
    for r in rows
]
st.dataframe(
    table,
    hide_index=True,
    width="stretch",
    key="recipes_table",
    column_config={
        "accept %": st.column_config.ProgressColumn(min_value=0, max_value=100, format="%.0f%%"),
        "steps": st.column_config.TextColumn(width="large"),
        "last reviewed": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm"),
    },
)
st.caption(
    "Accept = realistic and clear. The interval is Wilson's 95% score interval. "
    "'Model poor' counts only the answers that were not 'don't know'."
)

by_id = {r["id"]: r for r in rows}
if ss.get("recipe_pick") not in by_id:
    ss["recipe_pick"] = rows[0]["id"]
pick = st.selectbox(
    "Recipe",
    list(by_id),
    key="recipe_pick",
    format_func=lambda i: f"{by_id[i]['name']} · {by_id[i]['reviews']} reviews · {i}",
)
row = by_id[pick]
recipe = Recipe.from_json(row["json"]).with_name(row["name"])

st.subheader(row["name"])
st.caption(f"`{recipe.id}` · {summary_of(row['json'])}")
if row["parent_id"]:
    st.caption(f"Derived from `{row['parent_id']}`.")

c1, c2 = st.columns(2)
with c1.form(f"rename_{pick}", border=True):
    new_name = st.text_input("Name", row["name"], key=f"name_{pick}")
    if st.form_submit_button("Rename", key=f"rename_go_{pick}"):
        try:
            store.rename_recipe(pick, new_name)
        except AugcheckError as exc:
            st.error(str(exc))
        else:
            st.toast(f"Renamed to {new_name}")
            st.rerun()
with c2.form(f"status_{pick}", border=True):
    status = st.selectbox("Status", STATUSES, index=STATUSES.index(row["status"]),
                          key=f"status_pick_{pick}")
    reason = st.text_input("Reason", key=f"status_reason_{pick}",
                           placeholder="e.g. 40 reviews, 85% accepted")
    if st.form_submit_button("Set status", key=f"status_go_{pick}"):
        try:
            store.set_recipe_status(pick, status, reason=reason, by=reviewer())
        except AugcheckError as exc:
            st.error(str(exc))
        else:
            st.toast(f"Status: {status}")
            st.rerun()
if row["status_by"]:
    st.caption(
        f"Status **{row['status']}** set by {row['status_by']} on "
        f"{row['status_at']:%Y-%m-%d %H:%M}: {row['status_reason']}"
    )

b1, b2, b3 = st.columns(3)
if b1.button("Open in the Studio", key="open_in_studio", icon=":material/tune:"):
    ss["open_recipe"] = recipe.to_json()
    st.switch_page("pages/studio.py")
b2.download_button("Recipe JSON", recipe.to_json(with_id=True), file_name=f"{pick}.json",
                   mime="application/json", key="dl_json", icon=":material/download:")
try:
    from augment.exporters import to_audiomentations_code

    code = to_audiomentations_code(recipe)
except ImportError:
    code = None
if code:
    b3.download_button("audiomentations code", code, file_name=f"augment_{pick}.py",
                       mime="text/x-python", key="dl_code", icon=":material/code:")
    with st.expander("Training config: audiomentations code"):
        st.code(code, language="python")
