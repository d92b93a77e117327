"""Studio: pick a clip and a noise, tune the steps, listen, look, tick the checklist, save."""

from __future__ import annotations

import hashlib
import os
import secrets
from concurrent.futures import wait

import streamlit as st

from augment import controls
from augment.errors import AugcheckError
from augment.recipe import Recipe
from augment.steps import STEPS, length_changed_by
from views._common import (
    checklist,
    decoded,
    hints_job,
    job_outcome,
    model_job,
    original_spectrogram,
    original_wav,
    render_view,
    warm_up,
)
from views._handoff import recipe_to_open
from views._studio_parts import (
    pick,
    save,
    show_hints,
    show_metrics,
    show_model,
    show_players,
    step_controls,
    sweep_starter,
)

ss = st.session_state

st.title("Studio")
st.caption(
    "Tune a recipe, listen to the original and the augmented sample at their true levels, "
    "look at both spectrograms, then answer the checklist. Each answer labels the recipe."
)

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
        "No clean clip yet: upload a speech recording above to start.", icon=":material/upload:"
    )
    st.stop()

try:
    clean = decoded(clip.hash)
except AugcheckError as exc:
    st.error(str(exc))
    st.stop()
facts = f"{clean.duration_s:.2f} s · {clean.sample_rate} Hz"
if clean.downmixed:
    facts += f" · {clean.channels} channels, downmixed to mono"
if clip.transcript:
    facts += f" · “{clip.transcript}”"
st.caption(f"**{clip.name}**: {facts}")

# --- steps --------------------------------------------------------------------------------
with st.container():  # a fixed place, so the controls below keep theirs
    opened = recipe_to_open()
    if opened is not None:
        ss["parent_recipe"] = opened.id
        state, problems = controls.recipe_state(opened)
        ss.update(state)
        st.info(
            f"Opened recipe **{opened.name}** (`{opened.id}`). Changing anything makes a new"
            " recipe; the old one and its reviews stay."
            + (f" Note: {'; '.join(problems)}." if problems else ""),
            icon=":material/open_in_new:",
        )

columns = st.columns(3)
for i, step in enumerate(STEPS.values()):
    with columns[i % 3].container(border=True):
        step_controls(step)
steps = controls.recipe_steps(ss)


def new_draw():
    ss["seed"] = secrets.randbelow(2**31)


if "seed" not in ss:
    new_draw()
r1, r2, r3 = st.columns([3, 2, 1], vertical_alignment="bottom")
r1.text_input("Recipe name", key="recipe_name", placeholder="e.g. cafe noise 0-20 dB")
r2.number_input(
    "Seed",
    min_value=0,
    max_value=2**31 - 1,
    step=1,
    key="seed",
    help="Same seed, same recipe, same clip: the same sample, bit for bit.",
)
r3.button(
    "New draw",
    key="new_draw",
    on_click=new_draw,
    icon=":material/casino:",
    help="Pick a new seed: new values from the ranges, a new noise offset.",
)

try:
    recipe = Recipe.from_dict({"name": ss.get("recipe_name") or "", "steps": steps})
except AugcheckError as exc:
    st.error(str(exc))
    st.stop()
if not recipe.name:
    recipe = recipe.with_name(recipe.summary())

try:
    with st.spinner("Rendering..."):
        result = render_view(
            recipe.to_json(indent=None),
            clip.hash,
            (noise.hash, noise.name) if noise else None,
            (ir.hash, ir.name) if ir else None,
            int(ss["seed"]),
        )
except AugcheckError as exc:
    st.error(str(exc), icon=":material/error:")
    st.stop()

# --- listen and look ----------------------------------------------------------------------
st.subheader("Listen")
show_players(original_wav(clip.hash), result)

st.subheader("Look")
m = result["metrics"]
show_metrics(m, clean.duration_s)
s1, s2 = st.columns(2)
s1.image(original_spectrogram(clip.hash, result["axis_s"]), width="stretch")
s2.image(result["png"], width="stretch")
with st.expander(f"Parameters drawn (seed {result['seed']}) and the recipe"):
    st.json({"recipe_id": recipe.id, "params": result["params"]}, expanded=True)
    st.code(recipe.to_json(), language="json")

# --- the model and objective hints: computed in a worker process after the page is drawn ------
st.subheader("Model and hints")
sample_key = (recipe.id, clip.hash, noise and noise.hash, ir and ir.hash, result["seed"])
timing_cause = length_changed_by(result["params"])
# The jobs start on the poll's first timed tick, once this page is drawn, so they never compete
# with the first render for the two cores; a sample seen before is answered from the cache.
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
    """Until both results are in: start the jobs on the first tick, then wait for news."""
    if not ss.get(started_key):
        ss[started_key] = True
        return
    hints_now = hints_job(sample_key, clip.hash, result, timing_cause)
    model_now = model_job(sample_key, clip.hash, result, clip.transcript)
    if (hint is None and hint_problem is None and hints_now.done()) or (
        report is None and model_problem is None and model_now.done()
    ):
        st.rerun()  # the whole page: the hints, the model and the pre-filled checklist


h1, h2 = st.columns(2)
with h1:
    show_model(report, model_problem)
with h2:
    show_hints(hint, hint_problem)
# Things that come and go get a container that is always there: Streamlit knows elements by
# their place, so a shift below would reset the expander and the checklist's unsent answers.
with st.container():
    if (hint is None and hint_problem is None) or (report is None and model_problem is None):
        st.fragment(poll, run_every=0.5)()
# the model's answer pre-fills question 3 for this sample; the reviewer can change it
prefill = 2 if report is None else (0 if report["poor"] else 1)
# keyed by sample and by whether the model has answered: a radio keeps its value across reruns,
# so only a new key lets the model's answer arrive as the pre-filled choice
poor_key = "answer_model_poor_" + hashlib.sha1(repr(sample_key).encode()).hexdigest()[:10]
poor_key += "_model" if report is not None else "_pending"
listening = report is None and model_problem is None

# --- the checklist ------------------------------------------------------------------------
st.subheader("Checklist")
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
    note_placeholder="what you heard; Enter saves",
)
with st.container():  # a fixed place for save errors
    if answers is not None:
        figures = {**m, "hints": hint, "model": report}
        save(answers, recipe, result, clip, noise, ir, metrics=figures)

saved_for, saved_text = ss.get("last_saved") or (None, "")
with st.container():  # a fixed place (see above)
    if saved_for == (recipe.id, clip.hash, result["seed"]):  # only while the sample is shown
        st.success(saved_text, icon=":material/check_circle:")

# --- threshold sweep ----------------------------------------------------------------------
st.subheader("Threshold sweep")
sweep_starter(recipe, result, clip, noise, ir)

warm_up()
