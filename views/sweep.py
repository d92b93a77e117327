"""Sweep: hear the rungs of a threshold sweep in a shuffled order, values hidden, and answer."""

from __future__ import annotations

import streamlit as st

from augment.errors import AugcheckError
from augment.recipe import Recipe
from augment.review.sweep import make_sweep
from augment.steps import source_key
from views._common import (
    checklist,
    decoded,
    get_store,
    md,
    original_wav,
    render_view,
    reviewer,
)
from views._handoff import close_sweep, running_sweep, show_on_recipes_page
from views._player import Match, Signal, ab_player

ss = st.session_state
st.title("Threshold sweep")
state = running_sweep()
if not state:
    st.info(
        "No sweep running. In the **Studio**, open *Threshold sweep*, pick a parameter and a "
        "ladder (e.g. snr_db from 30 to -10 dB in 9 rungs) and press **Start sweep**.",
        icon=":material/linear_scale:",
    )
    st.stop()

store = get_store()
recipe = Recipe.from_json(state["recipe"])
sweep = make_sweep(recipe, state["key"], state["values"], seed=state["seed"])
done_answers: dict = state["answers"]
total = len(sweep.values)
done = len(done_answers)
st.caption(
    f"Sweeping **{sweep.param}** of *{recipe.name}* over {total} rungs. "
    "The value of each rung stays hidden until the end."
)
st.progress(done / total, text=f"{done} of {total} answered")

if done == total:
    st.success("Sweep finished: every rung is saved as a review.", icon=":material/task_alt:")
    rows = sorted(
        (
            {
                sweep.param: sweep.values[int(i)],
                "realistic": a["realistic"],
                "clear": a["clear"],
                "model poor": a["model_poor"],
                "review": a["review_id"],
            }
            for i, a in done_answers.items()
        ),
        key=lambda r: r[sweep.param],
    )
    st.dataframe(rows, hide_index=True, key="sweep_results")
    st.caption(
        f"The answers count toward recipe `{sweep.base.id}` ({md(sweep.base.name)}); its fit is on "
        "the Recipes page."
    )
    c1, c2 = st.columns(2)
    if c1.button("See the fit on the Recipes page", key="sweep_to_recipes", type="primary"):
        show_on_recipes_page(sweep.base.id)
    if c2.button("Close this sweep", key="sweep_close"):
        close_sweep()
        st.rerun()
    st.stop()

position = next(i for i in sweep.order if str(i) not in done_answers)
rung = sweep.rungs[position]
noise = tuple(state["noise"]) if state["noise"] else None
ir = tuple(state["ir"]) if state["ir"] else None
modality = state.get("modality", "audio")
st.subheader(f"Rung {done + 1} of {total}")
try:
    if modality == "image":  # pictures: the image view shows the rung
        from views._image_view import sweep_rung

        view = sweep_rung(store, state, rung, sweep.seed)
    else:
        view = render_view(
            rung.to_json(indent=None), state["clip"], noise, ir, sweep.seed, picture=False
        )
except AugcheckError as exc:
    st.error(md(exc))
    st.stop()

if modality != "image":
    ab_player(
        [
            Signal("original", "Original (reference)", original_wav(state["clip"])),
            Signal("rung", "This rung", view["wav"]),
        ],
        key="sweep_player",
        reset_key=f"{sweep.base.id}:{position}",
        # the level would give the rung's value away: no figure, only "at the original's loudness"
        match=Match(
            "rung",
            decoded(state["clip"]).samples,
            view["samples"],
            view["sample_rate"],
            show_gain=False,
        ),
    )

answers = checklist(
    f"sweep_form_{position}",
    "sweep",
    suffix=f"_{position}",
    submit_label="Save and next",
    submit_key="sweep_save",
    modality=modality,
)
if answers is not None:
    who = reviewer()
    if not who:
        st.error("Enter your name in the sidebar (Your name) before saving.")
    else:
        review_id = store.save_review(
            recipe=sweep.base,
            rendered_recipe=rung,
            params=view["params"],
            seed=sweep.seed,
            clip_hash=state["clip"],
            noise_hash=noise[0] if noise else None,
            inputs={
                "clip": state["clip"],
                "noise": noise[0] if noise else None,
                "ir": ir[0] if ir else None,
                **({source_key("texture"): state["texture"][0]} if state.get("texture") else {}),
                "sweep": {"key": sweep.key, "values": list(sweep.values), "rung": position},
            },
            reviewer=who,
            **answers,
            metrics=view["metrics"],
            origin="sweep",
            parent_id=recipe.id,
        )
        done_answers[str(position)] = {
            "realistic": answers["realistic"],
            "clear": answers["clear"],
            "model_poor": answers["model_poor"],
            "review_id": review_id,
        }
        st.rerun()
