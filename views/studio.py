"""Studio: one screen. Pick a clip and a noise; tune the steps on the left; listen, look and
answer the checklist on the right.

A slider move reruns only ``tune`` (a fragment): the step controls, the rendering, the player
with both spectrograms, the measured figures, the model and the hints. The pickers, the
checklist and the sweep are not rerun, so unsent answers and open sections stay as they are.
The model's result for a new sample arrives with a full rerun that pre-fills question 3.
"""

from __future__ import annotations

import hashlib
import os
from concurrent.futures import wait

import streamlit as st

from augment import controls
from augment.errors import AugcheckError
from augment.recipe import Recipe
from augment.steps import length_changed_by
from views._common import (
    checklist,
    decoded,
    get_store,
    hints_job,
    job_outcome,
    md,
    model_job,
    new_seed,
    render_view,
    seed_controls,
    show_drawn,
    timed,
    warm_up,
)
from views._handoff import opened_notice, recipe_to_open
from views._studio_parts import (
    pick,
    save,
    show_hints,
    show_metrics,
    show_model,
    show_player,
    step_controls,
    sweep_starter,
)

#: The audio steps (image steps have their own view, views/_image_view.py)
STEPS = controls.AUDIO_STEPS
CONTROL_KEYS = controls.control_keys(STEPS)

ss = st.session_state
#: The session's first sample starts the model and the hints after this many poll ticks (0.5 s
#: each), not one: the worker process's start-up (pocketsphinx, scipy) then no longer competes
#: with the browser drawing the page on 2 cores (cold start 7.2-7.6 s -> 5.6-5.7 s together with
#: the later warm-up, measured with both off; benchmarks/cold_start.py).
FIRST_JOBS_AFTER_TICKS = 4
#: The step controls scroll inside a box this tall, so the results stay beside them (1400x900).
CONTROLS_HEIGHT_PX = 470

title_col, media_col = st.columns([5, 2], vertical_alignment="bottom")
title_col.title(
    "Studio",
    help="Tune a recipe, listen to the original and the augmented sample at "
    "their true levels, look at both spectrograms, then answer the checklist. Each answer "
    "labels the recipe.",
)
# pictures have their own view (a recipe is for one kind of media); beside the title, so the
# audio Studio still fits on one screen
media = media_col.segmented_control(
    "Media", ["Audio", "Images"], key="studio_media", default="Audio", label_visibility="collapsed"
)

# One screen at 1400x900: less space above the title, smaller figures beside the player. Our
# own constant CSS (no user text), scoped to the Studio's keyed containers.
st.html(
    """<style>
    [data-testid="stMainBlockContainer"] { padding-top: 2.2rem; }
    .st-key-studio_results [data-testid="stMetricValue"],
    .st-key-studio_model [data-testid="stMetricValue"] { font-size: 1.2rem; }
    </style>"""
)

if media == "Images":
    from views._image_view import image_studio

    image_studio(get_store())
    st.stop()

# --- inputs: clip, noise, impulse response -------------------------------------------------
c1, c2, c3 = st.columns(3)
with c1:
    clip = pick("speech", "Clean clip", "clip")
with c2:
    noise = pick("noise", "Noise", "noise", prefer="cafe")
with c3:
    ir = pick("impulse_response", "Impulse response", "ir")

if clip is None:
    st.info(
        "No clean clip yet: upload a speech recording in the sidebar to start.",
        icon=":material/upload:",
    )
    st.stop()

try:
    clean = decoded(clip.hash)
except AugcheckError as exc:
    st.error(md(exc))
    st.stop()

with st.container():  # a fixed place, so what follows keeps its place
    opened = recipe_to_open()
    if opened is not None:
        ss["parent_recipe"] = opened.id
        state, problems = controls.recipe_state(opened, STEPS)
        ss.update(state)
        opened_notice(opened, problems)
for key, value in controls.initial_state(STEPS).items():
    ss.setdefault(key, value)


if "seed" not in ss:  # the rendering below needs it before the controls draw it
    new_seed("seed")

left, right = st.columns([4, 7], gap="medium")
controls_box = left.container(height=CONTROLS_HEIGHT_PX, border=True, key="studio_controls")
drawn_tab, hints_tab, sweep_tab = left.tabs(["Drawn parameters", "Hints", "Threshold sweep"])
results_box = right.container(key="studio_results")
model_box = right.container(key="studio_model")
checklist_box = right.container()


def draw_controls() -> None:
    """Recipe name, seed and every step's controls, in the scrolling column on the left."""
    facts = f"{clean.duration_s:.2f} s · {clean.sample_rate} Hz"
    if clean.downmixed:
        facts += f" · {clean.channels} channels, downmixed to mono"
    if clip.transcript:
        facts += f" · “{md(clip.transcript)}”"
    with controls_box:
        st.caption(f"**{md(clip.name)}**: {facts}")
        st.text_input("Recipe name", key="recipe_name", placeholder="e.g. cafe noise 0-20 dB")
        r2, r3 = st.columns([1, 1], vertical_alignment="bottom")
        seed_controls(
            r2,
            r3,
            key="seed",
            draw_key="new_draw",
            same="clip: the same sample",
            draw_help="New draw: a new seed, so new values from the ranges and a new noise offset.",
        )
        for step in STEPS.values():
            with st.container(border=True):
                step_controls(step)


# --- the part a slider move reruns ---------------------------------------------------------
@st.fragment
def tune():
    """Controls -> recipe -> rendering -> player, figures, model and hints; returns what the
    checklist and the sweep need (on a full run), or None when there is nothing to show."""
    with timed("studio.tune"):
        return _tune()


def _tune():
    # The sound first, the controls after: the recipe comes from the controls' state (the moved
    # slider's value is already in it), so the player's new sound goes to the browser before the
    # messages that redraw the step controls (a slider move waited for all of them before;
    # measured with a WebSocket probe in Chromium, see benchmarks/player_latency.py).
    controls.keep(ss, CONTROL_KEYS)  # a control not drawn in this run keeps its value
    steps = controls.recipe_steps(ss, STEPS)
    try:
        recipe = Recipe.from_dict({"name": ss.get("recipe_name") or "", "steps": steps})
        if not recipe.name:
            recipe = recipe.with_name(recipe.summary())
        result = render_view(
            recipe.to_json(indent=None),
            clip.hash,
            (noise.hash, noise.name) if noise else None,
            (ir.hash, ir.name) if ir else None,
            int(ss["seed"]),
        )
    except AugcheckError as exc:
        results_box.error(md(exc), icon=":material/error:")
        result = None
    else:
        with results_box:
            show_player(clip.hash, clean, result)
            show_metrics(result["metrics"], clean.duration_s)
    draw_controls()
    if result is None:
        return None
    with drawn_tab:
        show_drawn(recipe, result["params"])

    # the model and the hints: in a worker process, after the page is drawn
    sample_key = (recipe.id, clip.hash, noise and noise.hash, ir and ir.hash, result["seed"])
    timing_cause = length_changed_by(result["params"])
    # The jobs start on the poll's first timed tick, once this page is drawn, so they never
    # compete with the rendering for the two cores; a sample seen before is answered at once.
    wait_s = float(os.environ.get("AUGCHECK_MODEL_WAIT_S", "0") or 0)
    started_key = f"analysis_started_{hash(sample_key)}"
    hint_job = job = None
    if wait_s > 0 or ss.get(started_key):
        hint_job = hints_job(sample_key, clip.hash, result, timing_cause)
        job = model_job(sample_key, clip.hash, result, clip.transcript)
    if wait_s > 0:  # synchronous mode (scripts, tests): wait for both before going on
        wait([hint_job, job], timeout=wait_s)
    hint, hint_problem = job_outcome(hint_job)
    report, model_problem = job_outcome(job)

    def poll() -> None:
        """Until both results are in: start the jobs after a tick or two, then wait for news."""
        if not ss.get(started_key):
            ticks = ss[f"{started_key}_ticks"] = ss.get(f"{started_key}_ticks", 0) + 1
            if ticks >= (1 if ss.get("studio_jobs_started") else FIRST_JOBS_AFTER_TICKS):
                ss[started_key] = ss["studio_jobs_started"] = True
            return
        hints_now = hints_job(sample_key, clip.hash, result, timing_cause)
        model_now = model_job(sample_key, clip.hash, result, clip.transcript)
        if (hint is None and hint_problem is None and hints_now.done()) or (
            report is None and model_problem is None and model_now.done()
        ):
            st.rerun()  # the whole page: the hints, the model and the pre-filled checklist

    with model_box:
        show_model(report, model_problem)
        # Things that come and go get a container that is always there: Streamlit knows
        # elements by their place, so a shift below would reset what the reviewer did.
        with st.container():
            if (hint is None and hint_problem is None) or (
                report is None and model_problem is None
            ):
                st.fragment(poll, run_every=0.5)()
    with hints_tab:
        show_hints(hint, hint_problem)
    if not ss.get("studio_full_run") and ss.get("studio_sweep_keys") != recipe.numeric_keys():
        st.rerun()  # a step went on or off: the sweep's parameter list (not rerun here) follows
    return recipe, result, sample_key, hint, report, model_problem


ss["studio_full_run"] = True  # tune() tells a full run from its own reruns by this
out = tune()
ss["studio_full_run"] = False
if out is None:
    st.stop()
recipe, result, sample_key, hint, report, model_problem = out
ss["studio_sweep_keys"] = recipe.numeric_keys()

# --- the checklist: not rerun by a slider move ----------------------------------------------
# the model's answer pre-fills question 3 for this sample; the reviewer can change it
prefill = 2 if report is None else (0 if report["poor"] else 1)
# keyed by sample and by whether the model has answered: a radio keeps its value across reruns,
# so only a new key lets the model's answer arrive as the pre-filled choice
poor_key = "answer_model_poor_" + hashlib.sha1(repr(sample_key).encode()).hexdigest()[:10]
poor_key += "_model" if report is not None else "_pending"
listening = report is None and model_problem is None
with checklist_box, timed("studio.checklist"):
    answers = checklist(
        "checklist",
        "answer",
        submit_label="Save label",
        submit_key="save",
        poor_index=prefill,
        poor_key=poor_key,
        # while the model listens, question 3 waits for it: an early tick would be replaced
        poor_disabled=listening,
        poor_help="Waiting for the model's result (a second or two); it is then pre-filled."
        if listening
        else "Pre-filled from the model's result; change it if you disagree. Both are stored."
        if report is not None
        else None,
        poor_rule=None if report is None else report.get("rule"),
        note_placeholder="what you heard; Enter saves",
        compact=True,
    )
    with st.container():  # a fixed place for save errors
        if answers is not None:
            figures = {**result["metrics"], "hints": hint, "model": report}
            save(answers, recipe, result, clip, noise, ir, metrics=figures)
    saved_for, saved_text = ss.get("last_saved") or (None, "")
    with st.container():  # a fixed place (see above)
        if saved_for == (recipe.id, clip.hash, result["seed"]):  # only while it is shown
            st.success(saved_text, icon=":material/check_circle:")

# --- threshold sweep ----------------------------------------------------------------------
with sweep_tab:
    sweep_starter(recipe, result, clip, noise, ir)

warm_up()
