"""Recipes: which recipes are good, by how much, and what their parameters do to the answers."""

from __future__ import annotations

import numpy as np
import streamlit as st

from augment.checklist import AGREEMENT_ITEMS, FIT_ITEMS, VERDICT_RULE
from augment.errors import AugcheckError
from augment.export.albumentations import to_albumentations_code, to_albumentations_json
from augment.export.audiomentations import to_audiomentations_code
from augment.plots import effect_chart
from augment.recipe import Recipe
from augment.review.agreement import WHY_ALPHA, review_agreement
from augment.review.round_results import flagged_review_ids
from augment.review.stats import (
    METRICS,
    human_vs_metric,
    parameter_effect,
    suggest_range,
    suggested_recipe,
    varied_parameters,
    wilson_interval,
)
from augment.store import STATUSES
from views._common import get_store, md, media_by_hash, original_wav, render_view, reviewer
from views._handoff import open_in_studio
from views._player import Signal, ab_player

ss = st.session_state
st.title("Recipes")
store = get_store()
flagged = flagged_review_ids(store)
leave_out = st.toggle(
    f"Leave out labelers flagged by attention checks ({len(flagged)} reviews)",
    value=True,
    key="leave_out_flagged",
    disabled=not flagged,
    help="Review rounds hide known-good and known-bad samples among the others; labelers "
    "below the round's accuracy threshold are flagged.",
)
excluded = flagged if leave_out else set()
show_archived = st.toggle("Show archived recipes", value=False, key="show_archived")
rows = store.recipe_rows(exclude_ids=excluded, include_archived=show_archived)
if not rows:
    st.info(
        "No recipes yet. Tune one in the **Studio** and save a label (a recipe is stored with its "
        "first review), or bring one in on the **Import** page.",
        icon=":material/menu_book:",
    )
    st.stop()


def fmt_range(v) -> str:
    return f"{v[0]:g} .. {v[1]:g}" if isinstance(v, list) else f"{v:g}"


def pct(k: int, n: int) -> float | None:
    return round(100.0 * k / n, 1) if n else None


@st.cache_data(max_entries=256, show_spinner=False)
def summary_of(recipe_json: str) -> str:
    return Recipe.from_json(recipe_json).summary()


def wilson_text(k: int, n: int) -> str:
    if not n:
        return ""
    lo, hi = wilson_interval(k, n)
    return f"{100 * lo:.0f}–{100 * hi:.0f}%"


table = [
    {
        "name": r["name"],
        "status": r["status"],
        "reviews": r["reviews"],
        "reviewers": r["reviewers"],
        "accept %": pct(r["accepted"], r["reviews"]),
        "accept 95% CI": wilson_text(r["accepted"], r["reviews"]),
        "realistic %": pct(r["realistic"], r["reviews"]),
        "clear %": pct(r["clear"], r["reviews"]),
        "model poor %": pct(r["model_poor"], r["model_answered"]),
        "last reviewed": r["last_reviewed"],
        "steps": summary_of(r["json"]),
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
    f"{VERDICT_RULE} The interval is Wilson's 95% score interval. "
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

st.subheader(md(row["name"]))
st.caption(f"`{recipe.id}` · {summary_of(row['json'])}")
if row["archived_at"]:
    st.info(
        f"Archived on {row['archived_at']:%Y-%m-%d}: hidden from the lists, kept with its reviews.",
        icon=":material/archive:",
    )
    if st.button("Unarchive", key=f"unarchive_{pick}", icon=":material/unarchive:"):
        store.set_recipe_archived(pick, False)
        st.toast("Unarchived")
        st.rerun()
elif st.button(
    "Archive",
    key=f"archive_{pick}",
    icon=":material/archive:",
    help="Hide this recipe from the lists (Recipes, Rounds); its reviews stay and still count. "
    "'Show archived recipes' brings it back.",
):
    store.set_recipe_archived(pick, True)
    st.toast("Archived: turn on 'Show archived recipes' to see it again")
    st.rerun()
if row["parent_id"]:
    st.caption(f"Derived from `{row['parent_id']}`.")

c1, c2 = st.columns(2)
with c1.form(f"rename_{pick}", border=True):
    new_name = st.text_input("Name", row["name"], key=f"name_{pick}")
    if st.form_submit_button("Rename", key=f"rename_go_{pick}"):
        try:
            store.rename_recipe(pick, new_name)
        except AugcheckError as exc:
            st.error(md(exc))
        else:
            st.toast(f"Renamed to {md(new_name)}")
            st.rerun()
with c2.form(f"status_{pick}", border=True):
    status = st.selectbox(
        "Status", STATUSES, index=STATUSES.index(row["status"]), key=f"status_pick_{pick}"
    )
    reason = st.text_input(
        "Reason", key=f"status_reason_{pick}", placeholder="e.g. 40 reviews, 85% accepted"
    )
    if st.form_submit_button("Set status", key=f"status_go_{pick}"):
        try:
            store.set_recipe_status(pick, status, reason=reason, by=reviewer())
        except AugcheckError as exc:
            st.error(md(exc))
        else:
            st.toast(f"Status: {status}")
            st.rerun()
if row["status_by"]:
    st.caption(
        f"Status **{row['status']}** set by {md(row['status_by'])} on "
        f"{row['status_at']:%Y-%m-%d %H:%M}: {md(row['status_reason'] or '')}"
    )

b1, b2, b3 = st.columns(3)
pictures = recipe.modality == "image"
if b1.button(
    "Open in the Studio",
    key="open_in_studio",
    icon=":material/tune:",
    help="In the Studio's Images view, with this recipe's steps and settings."
    if pictures
    else None,
):
    open_in_studio(recipe)
b2.download_button(
    "Recipe JSON",
    recipe.to_json(with_id=True),
    file_name=f"{pick}.json",
    mime="application/json",
    key="dl_json",
    icon=":material/download:",
)
library = "albumentations" if pictures else "audiomentations"
code = to_albumentations_code(recipe) if pictures else to_audiomentations_code(recipe)
if code:
    b3.download_button(
        f"{library} code",
        code,
        file_name=f"augment_{pick}.py",
        mime="text/x-python",
        key="dl_code",
        icon=":material/code:",
    )
    with st.expander(f"Training config: {library} code"):
        st.code(code, language="python")
        if pictures:
            st.caption("The same pipeline as `A.from_dict` JSON (albumentations 2.0.8 or X):")
            st.code(to_albumentations_json(recipe), language="json")


# --- what the labels say ------------------------------------------------------------------
st.subheader("What the labels say")
reviews = [r for r in store.reviews(recipe_ids=[pick]) if r["id"] not in excluded]
if not reviews:
    st.info(
        "No reviews of this recipe yet. Open it in the Studio and save a few labels, or run a "
        "threshold sweep from the Studio.",
        icon=":material/hearing:",
    )
    st.stop()

names = {h: m.name for h, m in media_by_hash().items()}
clips = sorted({r["clip_hash"] for r in reviews})
noises = sorted({r["noise_hash"] for r in reviews if r["noise_hash"]})
f1, f2 = st.columns(2)
clip_pick = f1.selectbox(
    "Clip",
    ["all", *clips],
    key=f"fit_clip_{pick}",
    format_func=lambda h: "all clips" if h == "all" else names.get(h, h[:12]),
)
noise_pick = f2.selectbox(
    "Noise",
    ["all", *noises],
    key=f"fit_noise_{pick}",
    format_func=lambda h: "all noises" if h == "all" else names.get(h, h[:12]),
)
chosen = [
    r
    for r in reviews
    if (clip_pick == "all" or r["clip_hash"] == clip_pick)
    and (noise_pick == "all" or r["noise_hash"] == noise_pick)
]
agreement = review_agreement(chosen)
a = agreement["alpha"]
g1, g2, g3, g4 = st.columns(4)
g1.metric("Reviews", len(chosen))
for col, item in zip((g2, g3, g4), AGREEMENT_ITEMS, strict=True):
    col.metric(f"Agreement α ({item})", "n/a" if a[item] is None else f"{a[item]:.2f}")
st.caption(
    f"Krippendorff's alpha over {agreement['units_rated_twice']} samples heard by two or more "
    f"reviewers (1 = full agreement, 0 = chance). {WHY_ALPHA}"
)
if agreement["majority"]:
    with st.expander("Each reviewer's agreement with the majority"):
        st.dataframe(
            [
                {"reviewer": k, "agrees with majority": round(v, 3)}
                for k, v in sorted(agreement["majority"].items())
            ],
            hide_index=True,
        )

varied = varied_parameters(chosen)
if not varied:
    st.info(
        "No parameter varied across these reviews, so there is nothing to fit. Use ranges "
        "(the *range* toggle in the Studio) or a threshold sweep to learn where answers change."
    )


@st.cache_data(max_entries=64, show_spinner=False)
def effect_view(review_key: tuple, key: str, _chosen: list) -> tuple[dict, list, object]:
    effect = parameter_effect(_chosen, key)
    grid = np.linspace(float(np.nanmin(effect.x)), float(np.nanmax(effect.x)), 200)
    curves, points = {}, {}
    for item in ("clear", "realistic"):
        fit = effect.fits.get(item)
        if fit is not None:
            lo, hi = fit.band(grid)
            curves[item] = (grid, fit.predict(grid), lo, hi)
        bins = effect.bins.get(item) or ()
        if bins:
            points[item] = tuple(
                np.array([getattr(b, f) for b in bins])
                for f in ("centre", "share", "ci_low", "ci_high")
            )
    marks = {
        "clear 50%": effect.crossings["clear"].get(0.5),
        "clear 80%": effect.crossings["clear"].get(0.8),
    }
    chart = effect_chart(
        xlabel=key, curves=curves, points=points, marks=marks, title=f"{key}: {effect.n} reviews"
    )
    table = [
        {
            "answer": item,
            "fitted 50% at": effect.crossings[item].get(0.5),
            "fitted 80% at": effect.crossings[item].get(0.8),
        }
        for item in FIT_ITEMS
    ]
    return chart, table, effect


review_key = (pick, clip_pick, noise_pick, len(chosen), max(r["id"] for r in chosen))
for key in varied:
    with st.container(border=True):
        try:
            chart, table, effect = effect_view(review_key, key, chosen)
        except AugcheckError as exc:
            st.warning(f"{key}: {exc}")
            continue
        left, right = st.columns([3, 2])
        left.vega_lite_chart(spec=chart, width="stretch")
        right.dataframe(table, hide_index=True, key=f"crossings_{key}")
        right.caption(
            "Where the fitted share of 'yes' crosses 50% and 80% (blank: not within the "
            "values heard). 'both' = clear and realistic."
        )
        try:
            current = recipe.setting(key)
        except AugcheckError:
            current = None
        if current is not None and right.button(
            "Suggest a range", key=f"suggest_{key}", icon=":material/auto_fix_high:"
        ):
            try:
                new_range = suggest_range(effect, current)
            except AugcheckError as exc:
                new_range, problem = None, str(exc)
            else:
                problem = "no part of the range reaches 80% clear and realistic"
            if new_range is None:
                ss[f"suggested_{key}"] = {"problem": problem}
            else:
                new = suggested_recipe(recipe, key, new_range)
                store.save_recipe(new, parent_id=recipe.id)
                ss[f"suggested_{key}"] = {
                    "old": current,
                    "new": list(new_range),
                    "id": new.id,
                    "name": new.name,
                    "json": new.to_json(),
                }
        done = ss.get(f"suggested_{key}")
        if done and "problem" in done:
            st.warning(f"Cannot suggest a range for {key}: {done['problem']}.")
        elif done:
            o1, o2, o3 = st.columns([2, 2, 1], vertical_alignment="bottom")
            o1.metric("Old range", fmt_range(done["old"]))
            o2.metric("Suggested (>= 80% clear and realistic)", fmt_range(done["new"]))
            if o3.button("Open it", key=f"open_suggested_{key}"):
                open_in_studio(Recipe.from_json(done["json"]))
            st.caption(
                f"Saved as a new recipe: **{done['name']}** (`{done['id']}`); "
                "the old one and its reviews stay."
            )


# --- humans against numbers ---------------------------------------------------------------
st.subheader("Humans against numbers")
st.caption(
    "Each review's 'clear' answer against an objective figure saved with it. Where they disagree "
    "most, listen: a careless reviewer, or a misleading metric?"
)


def play_review(r: dict) -> None:
    inputs = r.get("inputs") or {}
    noise_h, ir_h = inputs.get("noise") or r.get("noise_hash"), inputs.get("ir")
    try:
        view = render_view(
            r["recipe_json"],
            r["clip_hash"],
            (noise_h, names.get(noise_h, noise_h)) if noise_h else None,
            (ir_h, names.get(ir_h, ir_h)) if ir_h else None,
            int(r["seed"]),
            picture=False,
        )
    except AugcheckError as exc:
        st.error(md(exc))
    else:
        ab_player(
            [
                Signal("original", "Original", original_wav(r["clip_hash"])),
                Signal("sample", f"Review #{r['id']}'s sample", view["wav"]),
            ],
            key="recipes_player",
            reset_key=str(r["id"]),
        )


for tab, metric in zip(st.tabs(["STOI", "Model WER"]), ("stoi", "wer"), strict=True):
    with tab:
        label = METRICS[metric][0]
        out = human_vs_metric(chosen, metric)
        if not len(out["x"]):
            st.caption(f"No review here has a {label} yet (the Studio saves it with each label).")
            continue
        curves, points = {}, {}
        if out["fit"] is not None:
            grid = np.linspace(float(out["x"].min()), float(out["x"].max()), 200)
            lo, hi = out["fit"].band(grid)
            curves["clear"] = (grid, out["fit"].predict(grid), lo, hi)
        if out["bins"]:
            points["clear"] = tuple(
                np.array([getattr(b, f) for b in out["bins"]])
                for f in ("centre", "share", "ci_low", "ci_high")
            )
        st.vega_lite_chart(
            spec=effect_chart(
                xlabel=label,
                curves=curves,
                points=points,
                title=f"'clear' against {label}: {len(out['x'])} reviews",
            ),
            width="stretch",
        )
        st.markdown("**Where they disagree most**")
        for d in out["disagreements"]:
            r = d["review"]
            said = "clear" if r["clear"] else "not clear"
            c1, c2 = st.columns([4, 1], vertical_alignment="center")
            c1.markdown(
                f"\\#{r['id']} · **{md(r['reviewer'])}** said *{said}* · {label} "
                f"{d['value']:.2f} · gap {d['gap']:.2f}"
                + (f" · “{md(r['note'])}”" if r.get("note") else "")
            )
            if c2.button("Play", key=f"play_{metric}_{r['id']}", icon=":material/play_arrow:"):
                ss["play_review"] = (metric, r["id"])
            if ss.get("play_review") == (metric, r["id"]):
                play_review(r)
