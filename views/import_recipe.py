"""Import: bring a recipe JSON (the CLI's format, or an export) into the library of recipes."""

from __future__ import annotations

import streamlit as st

from augment.errors import AugcheckError
from augment.recipe import Recipe
from views._common import get_store, md
from views._handoff import open_in_studio

ss = st.session_state
st.title("Import a recipe")
st.caption(
    'The recipe JSON format: `{"name": ..., "steps": [{"step": "background_noise", "snr_db": '
    '[0, 20]}, {"step": "gain", "gain_db": -3}]}`. The same settings always get the same id, so '
    "importing an exported recipe finds it again."
)
store = get_store()
uploaded = st.file_uploader("Recipe file (.json)", type=["json"], key="import_file")
text = st.text_area("…or paste the JSON", key="import_text", height=180)
if st.button("Import", type="primary", key="import_go", icon=":material/file_upload:"):
    # a file's bytes as they are: Recipe.from_json checks the size, UTF-8 (a BOM is fine) and all
    source = uploaded.getvalue() if uploaded else text
    if not source.strip():
        st.error("Choose a recipe file or paste its JSON first.")
    else:
        try:
            recipe = Recipe.from_json(source)
            known = {r["id"] for r in store.list_recipes(include_archived=True)}
            store.save_recipe(recipe)
        except AugcheckError as exc:
            st.error(md(exc))
        else:
            verb = "Already in the library" if recipe.id in known else "Imported"
            ss["import_done"] = (verb, recipe.id, recipe.name, recipe.summary())
if "import_done" in ss:
    verb, rid, name, summary = ss["import_done"]
    st.success(f"{verb}: **{md(name or rid)}** · id `{rid}`", icon=":material/check_circle:")
    st.caption(summary)
    if st.button("Open it in the Studio", key="import_open"):
        open_in_studio(store.recipe(rid))
