"""Studio: pick a clip and a noise, tune the steps, listen, look, tick the checklist, save."""

from __future__ import annotations

import hashlib
import os
import secrets
from concurrent.futures import wait

import streamlit as st

from augment import audio
from augment.checklist import verdict_for
from augment.errors import AugcheckError
from augment.recipe import Recipe
from augment.review.sweep import MAX_RUNGS, ladder, make_sweep
from augment.steps import STEPS, Choice
from views._common import (
    checklist,
    decoded,
    get_store,
    hints_job,
    job_outcome,
    media_by_hash,
    model_job,
    original_spectrogram,
    original_wav,
    render_view,
    reviewer,
    take_upload,
    warm_up,
)
from views._handoff import recipe_to_open, start_sweep

ss = st.session_state
DEFAULT_ON = {"background_noise"}
UPLOAD_TYPES = [*audio.UPLOAD_EXTENSIONS, "m4a", "aac", "mp4"]

st.title("Studio")
st.caption(
    "Tune a recipe, listen to the original and the augmented sample at their true levels, "
    "look at both spectrograms, then answer the checklist. Each answer labels the recipe."
)
store = get_store()


# --- inputs: clip, noise, impulse response -------------------------------------------------
def pick(kind: str, label: str, key: str, *, prefer: str = "", optional: bool = False):
    take_upload(f"{key}_upload", kind, select_key=key)
    items = media_by_hash(kind)
    options = list(items)
    if key not in ss or ss[key] not in items:
        preferred = [h for h, m in items.items() if prefer and prefer in m.name.lower()]
        ss[key] = (preferred or options or [None])[0]
    choice = st.selectbox(
        label,
        options,
        key=key,
        format_func=lambda h: items[h].label,
        placeholder=f"No {label.lower()} yet: upload one below",
    )
    article = "an" if label[0].lower() in "aeiou" else "a"
    st.file_uploader(
        f"Upload {article} {label.lower()}",
        type=UPLOAD_TYPES,
        key=f"{key}_upload",
        help=f"{audio.SUPPORTED_FORMATS}; stereo is downmixed to mono.",
    )
    return items.get(choice) if choice else None


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
def load_recipe(recipe: Recipe) -> list[str]:
    """Put a stored recipe into the step controls; returns what could not be shown exactly."""
    notes, first = [], {}
    for cfg in recipe.steps:
        first.setdefault(cfg.step, cfg)
    if len(first) < len(recipe.steps):
        notes.append("it repeats a step; the Studio shows the first of each")
    if [c.step for c in recipe.steps if first[c.step] is c] != [n for n in STEPS if n in first]:
        notes.append(f"its step order differs from the Studio's ({', '.join(STEPS)})")
    for name, cls in STEPS.items():
        cfg = first.get(name)
        ss[f"{name}.on"] = cfg is not None
        if cfg is None:
            continue
        values = cfg.settings
        ranged = any(isinstance(v, list) and not isinstance(v[0], str) for v in values.values())
        ss[f"{name}.ranged"] = ranged
        for p in cls.params:
            v = values[p.name]
            if isinstance(p, Choice):
                ss[f"{name}.{p.name}"] = v if isinstance(v, str) else v[0]
                if not isinstance(v, str):
                    notes.append(f"{name}.{p.name} draws from {v}; the Studio shows {v[0]}")
            elif ranged:
                ss[f"{name}.{p.name}.range"] = tuple(v) if isinstance(v, list) else (v, v)
            else:
                ss[f"{name}.{p.name}"] = v
    ss["recipe_name"] = recipe.name
    return notes


with st.container():  # a fixed place, so the controls below keep theirs
    opened = recipe_to_open()
    if opened is not None:
        ss["parent_recipe"] = opened.id
        problems = load_recipe(opened)
        st.info(
            f"Opened recipe **{opened.name}** (`{opened.id}`). Changing anything makes a new"
            " recipe; the old one and its reviews stay."
            + (f" Note: {'; '.join(problems)}." if problems else ""),
            icon=":material/open_in_new:",
        )


def apply_preset():
    preset = STEPS["band_pass"].presets.get(ss["band_pass.preset"])
    if preset:
        for name, value in preset.items():
            ss[f"band_pass.{name}"] = value
            ss[f"band_pass.{name}.range"] = (value, value)


def slider_label(p) -> str:
    return p.name if not p.unit or p.unit in p.name else f"{p.name} ({p.unit})"


def slider_format(p) -> str:
    return "%.0f" if p.step >= 1 else "%.1f" if p.step >= 0.1 else "%.2f"


def number_control(step, p, on: bool, ranged: bool):
    span = p.max - p.min
    if ranged:
        key = f"{step.name}.{p.name}.range"
        if key not in ss:
            lo = max(p.min, p.default - span * 0.1)
            hi = min(p.max, p.default + span * 0.1)
            ss[key] = (round(lo, 2), round(hi, 2))
        value = st.slider(
            slider_label(p),
            p.min,
            p.max,
            key=key,
            step=p.step,
            format=slider_format(p),
            disabled=not on,
            help=p.help,
        )
        return [float(value[0]), float(value[1])]
    key = f"{step.name}.{p.name}"
    ss.setdefault(key, float(p.default))
    value = st.slider(
        slider_label(p),
        p.min,
        p.max,
        key=key,
        step=p.step,
        format=slider_format(p),
        disabled=not on,
        help=p.help,
    )
    return float(value)


steps = []
columns = st.columns(3)
for i, step in enumerate(STEPS.values()):
    with columns[i % 3].container(border=True):
        head, rng_col = st.columns([3, 2])
        ss.setdefault(f"{step.name}.on", step.name in DEFAULT_ON)
        on = head.toggle(step.title, key=f"{step.name}.on")
        ranged = rng_col.toggle(
            "range",
            key=f"{step.name}.ranged",
            disabled=not on,
            help="Draw each value from a [low, high] range with the seed.",
        )
        st.caption(step.description)
        if step.presets:
            st.selectbox(
                "Preset",
                ["custom", *step.presets],
                key=f"{step.name}.preset",
                on_change=apply_preset,
                disabled=not on,
            )
        settings = {}
        for p in step.params:
            if isinstance(p, Choice):
                ss.setdefault(f"{step.name}.{p.name}", p.default)
                settings[p.name] = (
                    st.segmented_control(
                        p.name,
                        p.options,
                        key=f"{step.name}.{p.name}",
                        disabled=not on,
                        help=p.help,
                        format_func=lambda o: o.replace("_", " "),
                    )
                    or p.default
                )
                continue
            if step.name == "reverb" and p.name == "rt60_s" and settings.get("room") != "synthetic":
                continue
            settings[p.name] = number_control(step, p, on, ranged)
        if on:
            steps.append({"step": step.name, **settings})


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
p1, p2, p3 = st.columns(3)
p1.markdown("**Original**")
p1.audio(original_wav(clip.hash), format="audio/wav")
p2.markdown("**Augmented**")
p2.audio(result["wav"], format="audio/wav")
p3.markdown("**Noise alone** (as mixed)")
if result["noise_wav"]:
    p3.audio(result["noise_wav"], format="audio/wav")
else:
    p3.caption("No noise in this recipe.")

st.subheader("Look")
m = result["metrics"]
k1, k2, k3, k4 = st.columns(4)
k1.metric(
    "SNR (measured)",
    "none" if m["snr_db"] is None else f"{m['snr_db']:.2f} dB",
    help="Clean power over added-noise power across the whole clip, at the output.",
)
k2.metric("Peak", "silent" if m["peak_dbfs"] is None else f"{m['peak_dbfs']:.1f} dBFS")
k3.metric(
    "Clipped",
    f"{100 * m['clipped_fraction']:.2f} %",
    help="Share of samples at or past full scale before the output was limited to it.",
)
k4.metric(
    "Length",
    f"{m['duration_s']:.2f} s",
    delta=f"{m['duration_s'] - clean.duration_s:+.2f} s"
    if abs(m["duration_s"] - clean.duration_s) > 0.005
    else None,
    delta_color="off",
)
with st.container():  # a fixed place: the note comes and goes with the sliders
    if m.get("headroom_gain_db"):
        st.caption(
            f"The mix would have passed full scale: scaled by {m['headroom_gain_db']:.2f} dB "
            "(signal and noise alike, so the SNR is kept)."
        )
s1, s2 = st.columns(2)
s1.image(original_spectrogram(clip.hash, result["axis_s"]), width="stretch")
s2.image(result["png"], width="stretch")
with st.expander(f"Parameters drawn (seed {result['seed']}) and the recipe"):
    st.json({"recipe_id": recipe.id, "params": result["params"]}, expanded=True)
    st.code(recipe.to_json(), language="json")

# --- the model and objective hints: computed in a worker process after the page is drawn ------
st.subheader("Model and hints")
sample_key = (
    recipe.id,
    clip.hash,
    noise.hash if noise else None,
    ir.hash if ir else None,
    result["seed"],
)
stretched = any(s["step"] == "time_stretch" and s["rate"] != 1.0 for s in result["params"])
# The jobs start on the poll's first timed tick, once this page is drawn, so they never compete
# with the first render for the two cores; a sample seen before is answered from the cache.
wait_s = float(os.environ.get("AUGCHECK_MODEL_WAIT_S", "0") or 0)
started_key = f"analysis_started_{hash(sample_key)}"
hint_job = job = None
if wait_s > 0 or ss.get(started_key):
    hint_job = hints_job(sample_key, clip.hash, result, "time_stretch" if stretched else None)
    job = model_job(sample_key, clip.hash, result, clip.transcript)
if wait_s > 0:  # synchronous mode (scripts, tests): wait for both before going on
    wait([hint_job, job], timeout=wait_s)
hint, hint_problem = job_outcome(hint_job)
report, model_problem = job_outcome(job)


def show_hints(hint, problem) -> None:
    if problem:
        st.warning(f"Hints unavailable: {problem}")
        return
    if hint is None:
        st.caption(":material/hourglass_top: Measuring STOI, speech-only SNR and loudness…")
        return
    q1, q2, q3 = st.columns(3)
    q1.metric(
        "STOI",
        "n/a" if hint["stoi"] is None else f"{hint['stoi']:.2f}",
        help="Short-time objective intelligibility against the original (0-1). "
        + (hint["stoi_reason"] or ""),
    )
    q2.metric(
        "SNR over speech",
        "n/a" if hint["snr_db_speech"] is None else f"{hint['snr_db_speech']:.1f} dB",
        help="SNR over the frames a voice-activity detector marks as speech, beside "
        "the whole-clip SNR. " + (hint["snr_db_speech_reason"] or ""),
    )
    lo, la = hint["lufs_original"], hint["lufs_augmented"]
    q3.metric(
        "Loudness (LUFS)",
        "n/a" if la is None else f"{la:.1f}",
        delta=None if lo is None or la is None else f"{la - lo:+.1f} LU",
        delta_color="off",
        help="Integrated loudness (ITU-R BS.1770), original -> this.",
    )
    notes = [r for r in (hint["stoi_reason"], hint["snr_db_speech_reason"]) if r]
    st.caption("Hints, not verdicts." + (" " + " ".join(notes) if notes else ""))


def show_model(report, problem) -> None:
    if problem:
        st.warning(f"Model: {problem}")
    elif report is None:
        st.caption(":material/hourglass_top: The model is listening… (the sliders stay free)")
    elif report["kind"] == "transcript":
        st.metric(
            f"Model WER ({report['model']})",
            f"{100 * report['wer_original']:.0f}% → {100 * report['wer_augmented']:.0f}%",
            help="Word error rate on the original and on this sample, against "
            + (
                "the clip's transcript."
                if report["reference"] == "transcript"
                else "what the model heard in the original (the clip has no transcript)."
            ),
        )
        st.caption(f"Heard: “{report['text_augmented'] or '…'}”  " + report.get("note", ""))
    else:
        st.metric(
            f"Model ({report['model']})",
            f"{report['label_original']} → {report['label_augmented']}",
            help=f"Confidence {report['confidence_original']:.2f} → "
            f"{report['confidence_augmented']:.2f}",
        )


def poll() -> None:
    """Until both results are in: start the jobs on the first tick, then wait for news."""
    if not ss.get(started_key):
        ss[started_key] = True
        return
    hints_now = hints_job(sample_key, clip.hash, result, "time_stretch" if stretched else None)
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
    poor_disabled=report is None and model_problem is None,
    poor_help="Waiting for the model's result (a second or two); it is then pre-filled."
    if report is None and model_problem is None
    else "Pre-filled from the model's result; change it if you disagree. Both are stored."
    if report is not None
    else None,
    note_placeholder="what you heard; Enter saves",
)
with st.container():  # a fixed place for save errors
    if answers is not None:
        who = reviewer()
        if not who:
            st.error("Enter your name in the sidebar (Your name) before saving.")
        else:
            try:
                review_id = store.save_review(
                    recipe=recipe,
                    params=result["params"],
                    seed=result["seed"],
                    clip_hash=clip.hash,
                    noise_hash=noise.hash
                    if noise and "background_noise" in {s["step"] for s in steps}
                    else None,
                    inputs={
                        "clip": clip.hash,
                        "noise": noise.hash if noise else None,
                        "ir": ir.hash if ir else None,
                    },
                    reviewer=who,
                    **answers,
                    metrics={**m, "hints": hint, "model": report},
                    parent_id=ss.get("parent_recipe"),
                )
            except AugcheckError as exc:
                st.error(str(exc))
            else:
                verdict = verdict_for(answers["realistic"], answers["clear"])
                st.toast(
                    f"Saved review #{review_id}: {verdict} for {recipe.name}",
                    icon=":material/check_circle:",
                )
                ss["last_saved"] = (
                    (recipe.id, clip.hash, result["seed"]),
                    f"Saved review #{review_id}: **{verdict}** for {recipe.name} (`{recipe.id}`).",
                )

saved_for, saved_text = ss.get("last_saved") or (None, "")
with st.container():  # a fixed place (see above)
    if saved_for == (recipe.id, clip.hash, result["seed"]):  # only while the sample is shown
        st.success(saved_text, icon=":material/check_circle:")

# --- threshold sweep ----------------------------------------------------------------------
st.subheader("Threshold sweep")
keys = recipe.numeric_keys()
with st.expander("Sweep one parameter over a ladder of values, heard blind in a shuffled order"):
    if not keys:
        st.caption("Turn on a step with a numeric parameter to sweep it.")
    else:
        key = st.selectbox("Parameter", keys, key="sweep_key")
        i, param = recipe.step_index(key)
        spec = STEPS[recipe.steps[i].step].param(param)
        start, stop = (30.0, -10.0) if param == "snr_db" else (spec.max, spec.min)
        w1, w2, w3 = st.columns(3)
        w1.number_input(f"From ({spec.unit})", spec.min, spec.max, start, key=f"sweep_from.{key}")
        w2.number_input(f"To ({spec.unit})", spec.min, spec.max, stop, key=f"sweep_to.{key}")
        w3.number_input("Rungs", 2, MAX_RUNGS, 9, key="sweep_rungs")
        st.caption(
            "Every rung uses this clip, noise and seed; only the parameter changes. The values "
            "stay hidden while you listen; each answer is saved as a review of the recipe with "
            "the parameter as a range, and feeds its fit on the Recipes page."
        )
        if st.button("Start sweep", key="sweep_start", icon=":material/linear_scale:"):
            try:
                values = ladder(ss[f"sweep_from.{key}"], ss[f"sweep_to.{key}"], ss["sweep_rungs"])
                make_sweep(recipe, key, values, seed=result["seed"])  # validates
            except AugcheckError as exc:
                st.error(str(exc))
            else:
                start_sweep(recipe, key, values, seed=result["seed"], clip=clip, noise=noise, ir=ir)

warm_up()
