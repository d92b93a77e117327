"""The Studio's building blocks: media pickers, one step's controls, the measured figures, the
model's result and the hints. Layout only; what the controls mean is in ``augment.controls``."""

from __future__ import annotations

import streamlit as st

from augment import audio, controls
from augment.checklist import verdict_for
from augment.errors import AugcheckError
from augment.recipe import Recipe
from augment.review.sweep import MAX_RUNGS, ladder, make_sweep
from augment.steps import Choice, Step
from views._common import (
    get_store,
    md,
    media_by_hash,
    original_spectrogram,
    original_wav,
    reviewer,
    take_upload,
)
from views._handoff import start_sweep
from views._player import Match, Picture, Signal, ab_player

ss = st.session_state
UPLOAD_TYPES = [*audio.UPLOAD_EXTENSIONS, "m4a", "aac", "mp4"]


def pick(kind: str, label: str, key: str, *, prefer: str = ""):
    """A library picker with an uploader under it; the picked media item (or None)."""
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
        placeholder=f"No {label.lower()} yet: upload one in the sidebar",
    )
    article = "an" if label[0].lower() in "aeiou" else "a"
    # the uploaders live in the sidebar, so the Studio fits on one screen
    st.sidebar.file_uploader(
        f"Upload {article} {label.lower()}",
        type=UPLOAD_TYPES,
        key=f"{key}_upload",
        help=f"{audio.SUPPORTED_FORMATS}; stereo is downmixed to mono.",
    )
    return items.get(choice) if choice else None


def _apply_preset(step: type[Step]) -> None:
    ss.update(controls.preset_state(step, ss.get(controls.preset_key(step))))


def _number(step: type[Step], p, ranged: bool) -> None:
    key = controls.range_key(step, p) if ranged else controls.value_key(step, p)
    ss.setdefault(key, controls.default_range(p) if ranged else float(p.default))
    st.slider(
        controls.label(p),
        p.min,
        p.max,
        key=key,
        step=p.step,
        format=controls.number_format(p),
        help=p.help,
    )


def step_controls(step: type[Step]) -> None:
    """One step's box: on/off, range, description, presets, one control per shown parameter.

    A step that is off shows its switch and description only: its values wait in the session
    (``controls.keep``) and come back when it is switched on. Drawing the 17 disabled controls of
    the steps that start switched off cost the page's first draw about 0.26 s (medians of 10
    interleaved cold starts each, driven as ``benchmarks/cold_start.py`` does), and every slider
    move redrew them.
    """
    head, rng_col = st.columns([3, 2])
    ss.setdefault(controls.on_key(step), step.default_on)
    on = head.toggle(step.title, key=controls.on_key(step))
    st.caption(step.description)
    if not on:
        return
    ranged = rng_col.toggle(
        "range",
        key=controls.ranged_key(step),
        help="Draw each value from a [low, high] range with the seed.",
    )
    if step.presets:
        st.selectbox(
            "Preset",
            [controls.CUSTOM, *step.presets],
            key=controls.preset_key(step),
            on_change=_apply_preset,
            args=(step,),
        )
    chosen = {}
    for p in step.params:
        if isinstance(p, Choice):
            ss.setdefault(controls.value_key(step, p), p.default)
            chosen[p.name] = (
                st.segmented_control(
                    p.name,
                    p.options,
                    key=controls.value_key(step, p),
                    help=p.help,
                    format_func=lambda o: o.replace("_", " "),
                )
                or p.default
            )
    shown = {p.name for p in step.shown_params(chosen)}
    for p in step.params:
        if not isinstance(p, Choice) and p.name in shown:
            _number(step, p, ranged)


def show_player(clip_hash: str, clean, result: dict) -> None:
    """One player: original, augmented and the noise alone at their true levels (loudness
    matching on request), over both spectrograms on one time axis with a moving cursor."""
    ab_player(
        [
            Signal("original", "Original", original_wav(clip_hash)),
            Signal("augmented", "Augmented", result["wav"]),
            Signal("noise", "Noise alone", result["noise_wav"], missing="No noise in this recipe"),
        ],
        key="studio_player",
        reset_key=clip_hash,
        axis_s=result["axis_s"],
        pictures=[
            Picture("Original", original_spectrogram(clip_hash, result["axis_s"]), "original"),
            Picture("Augmented", result["png"], "augmented"),
        ],
        match=Match("augmented", clean.samples, result["samples"], result["sample_rate"]),
    )


def show_metrics(m: dict, clean_duration_s: float) -> None:
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
        delta=f"{m['duration_s'] - clean_duration_s:+.2f} s"
        if abs(m["duration_s"] - clean_duration_s) > 0.005
        else None,
        delta_color="off",
    )
    with st.container():  # a fixed place: the note comes and goes with the sliders
        if m.get("headroom_gain_db"):
            st.caption(
                f"The mix would have passed full scale: scaled by {m['headroom_gain_db']:.2f} dB "
                "(signal and noise alike, so the SNR is kept)."
            )


def show_hints(hint, problem) -> None:
    if problem:
        st.warning(f"Hints unavailable: {md(problem)}")
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
        st.warning(f"Model: {md(problem)}")
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


def save(answers: dict, recipe: Recipe, result: dict, clip, noise, ir, *, metrics: dict) -> None:
    """Store the checklist's answers as a review of ``recipe``; say so, or say why not."""
    who = reviewer()
    if not who:
        st.error("Enter your name in the sidebar (Your name) before saving.")
        return
    try:
        review_id = get_store().save_review(
            recipe=recipe,
            params=result["params"],
            seed=result["seed"],
            clip_hash=clip.hash,
            noise_hash=noise.hash if noise and "noise" in recipe.sources() else None,
            inputs={"clip": clip.hash, "noise": noise and noise.hash, "ir": ir and ir.hash},
            reviewer=who,
            **answers,
            metrics=metrics,
            parent_id=ss.get("parent_recipe"),
        )
    except AugcheckError as exc:
        st.error(md(exc))
        return
    verdict = verdict_for(answers["realistic"], answers["clear"])
    st.toast(
        f"Saved review #{review_id}: {verdict} for {md(recipe.name)}",
        icon=":material/check_circle:",
    )
    ss["last_saved"] = (
        (recipe.id, clip.hash, result["seed"]),
        f"Saved review #{review_id}: **{verdict}** for {md(recipe.name)} (`{recipe.id}`).",
    )


def sweep_starter(recipe: Recipe, result: dict, clip, noise, ir) -> None:
    """Pick a parameter, its ends and rungs; Start opens the Sweep page on this sample."""
    keys = recipe.numeric_keys()
    with st.expander(
        "Sweep one parameter over a ladder of values, heard blind in a shuffled order"
    ):
        if not keys:
            st.caption("Turn on a step with a numeric parameter to sweep it.")
            return
        key = st.selectbox("Parameter", keys, key="sweep_key")
        spec, start, stop = controls.sweep_ends(recipe, key)
        w1, w2, w3 = st.columns(3)
        w1.number_input(f"From ({spec.unit})", spec.min, spec.max, start, key=f"sweep_from.{key}")
        w2.number_input(f"To ({spec.unit})", spec.min, spec.max, stop, key=f"sweep_to.{key}")
        w3.number_input("Rungs", 2, MAX_RUNGS, 9, key="sweep_rungs")
        st.caption(
            "Every rung uses this clip, noise and seed; only the parameter changes. The values "
            "stay hidden while you listen; each answer is saved as a review of the recipe with "
            "the parameter as a range, and feeds its fit on the Recipes page."
        )
        if not st.button("Start sweep", key="sweep_start", icon=":material/linear_scale:"):
            return
        try:
            values = ladder(ss[f"sweep_from.{key}"], ss[f"sweep_to.{key}"], ss["sweep_rungs"])
            make_sweep(recipe, key, values, seed=result["seed"])  # validates
        except AugcheckError as exc:
            st.error(md(exc))
            return
        start_sweep(recipe, key, values, seed=result["seed"], clip=clip, noise=noise, ir=ir)
