"""Helpers the pages share: the store, cached decoding, uploads. Pages stay thin scripts."""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import time

import streamlit as st

from augment import audio, cache, plots
from augment.checklist import CLEAR, MODEL_POOR, MODEL_POOR_CODES, REALISTIC, YES, asked
from augment.errors import AugcheckError
from augment.jobs import JobScheduler, outcome
from augment.recipe import Recipe, Source, render, source
from augment.store import Media, Store, load_demo_assets

KIND_LABELS = {
    "speech": "Clean clip",
    "noise": "Noise",
    "impulse_response": "Impulse response",
    "image": "Picture",
    "texture": "Texture (for the overlay step)",
}


#: Decoded audio, renderings, WAV bytes and spectrograms: kept in memory up to a byte budget
#: for the whole process (AUGCHECK_CACHE_MB, default 512 MB; see augment.cache), not a count.
bounded = cache.shared.memo


@st.cache_resource(show_spinner=False)
def get_store() -> Store:
    """One store per process; the demo assets go in on the very first start."""
    store = Store()
    load_demo_assets(store)
    return store


@bounded
def decoded(digest: str) -> audio.Audio:
    """Decoded mono audio of a stored file (kept in memory, shared, never modified)."""
    return audio.decode(get_store().media_bytes(digest), name=digest[:12])


@bounded
def as_source(digest: str, name: str, sample_rate: int) -> Source:
    a = decoded(digest)
    return source(digest, name, a.samples, a.sample_rate, target_sr=sample_rate)


@bounded
def original_wav(digest: str) -> bytes:
    a = decoded(digest)
    return audio.to_wav_bytes(a.samples, a.sample_rate)


@bounded
def original_mel(digest: str) -> plots.MelSpectrogram:
    a = decoded(digest)
    return plots.mel_spectrogram(a.samples, a.sample_rate)


@bounded
def original_spectrogram(digest: str, axis_s: float) -> bytes:
    """The original's image on a given time axis (its mel spectrogram is computed once)."""
    return plots.spectrogram_png(original_mel(digest), title="Original", axis_s=axis_s)


def media_by_hash(kind: str | None = None) -> dict[str, Media]:
    return {m.hash: m for m in get_store().list_media(kind)}


def take_upload(key: str, kind: str, *, select_key: str | None = None) -> None:
    """Store a file uploaded in the widget ``key`` once; on success select it in ``select_key``.

    A bad file shows a one-line ``st.error`` and stores nothing.
    """
    uploaded = st.session_state.get(key)
    if uploaded is None:
        return
    seen = st.session_state.setdefault("_uploads_seen", {})
    if uploaded.file_id in seen:
        if seen[uploaded.file_id].startswith("error:"):
            st.error(md(seen[uploaded.file_id][len("error: ") :]), icon=":material/error:")
        return
    try:
        media, created = get_store().add_media(uploaded.getvalue(), name=uploaded.name, kind=kind)
    except AugcheckError as exc:
        seen[uploaded.file_id] = f"error: {exc}"
        st.error(md(exc), icon=":material/error:")
        return
    if not created and media.kind != kind:  # the same bytes, stored as another kind
        problem = (
            f"{uploaded.name} is already in the library as a {KIND_LABELS[media.kind].lower()} "
            f"(named {media.name}); change its kind in the Library to use it as a "
            f"{KIND_LABELS[kind].lower()}"
        )
        seen[uploaded.file_id] = f"error: {problem}"
        st.error(md(problem), icon=":material/error:")
        return
    seen[uploaded.file_id] = media.hash
    if select_key:
        st.session_state[select_key] = media.hash
    verb = "Added" if created else "Already in the library:"
    note = " (stereo, downmixed to mono)" if (media.channels or 1) > 1 else ""
    st.toast(f"{verb} {md(media.name)}{note}", icon=":material/library_add:")


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~<>$:&=^@])")


def md(value: object) -> str:
    """User text (file names, transcripts, recipe names, notes, people's and rounds' names,
    reasons, error messages quoting them) made safe to put in anything Streamlit renders as
    markdown: every markdown, KaTeX and directive character escaped, line breaks made spaces.

    It then shows as the characters typed: no links, images, bold, formulas or colours.
    """
    text = " ".join(str(value).split())
    return _MD_SPECIAL.sub(r"\\\1", text)


def reviewer() -> str:
    return (st.session_state.get("reviewer") or "").strip()


@bounded
def render_view(
    recipe_json: str,
    clip_hash: str,
    noise: tuple | None,
    ir: tuple | None,
    seed: int,
    *,
    picture: bool = True,
) -> dict:
    """Render a recipe and prepare what a page shows (WAV bytes, spectrogram, metrics).

    Cached per input: a rerun that changes nothing (a click elsewhere, a save) costs nothing,
    and the clip's decoding and the original's spectrogram are cached apart from it.
    ``noise`` and ``ir`` are ``(hash, name)`` pairs or None.
    """
    r = Recipe.from_json(recipe_json)
    a = decoded(clip_hash)
    noises = [as_source(*noise, a.sample_rate)] if noise else []
    irs = [as_source(*ir, a.sample_rate)] if ir else []
    out = render(r, a.samples, a.sample_rate, seed=seed, noises=noises, irs=irs)
    axis_s = plots.nice_axis_s(max(a.duration_s, len(out.samples) / out.sample_rate))
    return {
        "samples": out.samples,
        "noise": out.noise,
        "sample_rate": out.sample_rate,
        "wav": audio.to_wav_bytes(out.samples, out.sample_rate),
        "noise_wav": None if out.noise is None else audio.to_wav_bytes(out.noise, out.sample_rate),
        # pages that only play the sample (Review, Sweep, Recipes) skip the picture
        "png": plots.spectrogram_png(
            plots.mel_spectrogram(out.samples, out.sample_rate), title="Augmented", axis_s=axis_s
        )
        if picture
        else None,
        "axis_s": round(axis_s, 3),
        "params": out.params,
        "metrics": out.metrics,
        "seed": out.seed,
    }


#: Longest stretch of audio the model hears per sample, in seconds (keeps long clips snappy).
MODEL_MAX_S = 60.0


def _stop_jobs(scheduler: JobScheduler) -> None:
    scheduler.shutdown()


@st.cache_resource(show_spinner=False, on_release=_stop_jobs)
def _jobs() -> JobScheduler:
    """One background worker (see augment.jobs) per server process."""
    return JobScheduler(workers=1)


def background(key: tuple, target: str, *args, **kwargs):
    """``target`` (``"module:function"``) run in the worker, as a Future cached under ``key``."""
    return _jobs().submit(key, target, *args, **kwargs)


def hints_job(sample_key: tuple, clip_hash: str, view: dict, timing_cause: str | None):
    """Objective hints (STOI, speech-only SNR, loudness) for one sample, in the background."""
    return background(
        ("hints", sample_key),
        "augment.hints:hints",
        decoded(clip_hash).samples,
        view["samples"],
        view["noise"],
        view["sample_rate"],
        timing_cause=timing_cause,
    )


def model_job(sample_key: tuple, clip_hash: str, view: dict, transcript):
    """The model on the original and this sample (see augment.model), in the background."""
    return background(
        ("model", sample_key),
        "augment.model:worker_report",
        decoded(clip_hash).samples,
        view["samples"],
        view["sample_rate"],
        transcript,
        max_s=MODEL_MAX_S,
    )


job_outcome = outcome  # (result, problem) of a background job; see augment.jobs.outcome


#: Seconds between the Studio's first run and the background imports (see warm_up).
WARM_UP_DELAY_S = 8.0


@st.cache_resource(show_spinner=False)
def warm_up() -> bool:
    """Import what the other pages need (tables, statistics) in the background, once per process.

    Called at the end of the Studio; the imports start ``WARM_UP_DELAY_S`` later, once the
    browser has drawn the page (started at once, they held the GIL while the browser fetched
    the sounds: cold start about 1 s slower, ``benchmarks/cold_start.py``). The first visit to
    the Recipes or Labels page then does not pay for importing pandas and pyarrow.
    """
    import importlib
    import threading

    def work() -> None:
        for name in (
            "pandas",
            "pyarrow",
            "augment.review.stats",
            "augment.export.audiomentations",
            "augment.export.reviews",
        ):
            try:
                importlib.import_module(name)
            except ImportError:  # a missing optional library shows up where it is used
                pass

    timer = threading.Timer(WARM_UP_DELAY_S, work)
    timer.name, timer.daemon = "augcheck-warm-up", True
    timer.start()
    return True


def checklist(
    form_key: str,
    prefix: str,
    *,
    suffix: str = "",
    submit_label: str,
    submit_key: str,
    poor_index: int = 2,
    poor_key: str | None = None,
    poor_help: str | None = None,
    poor_disabled: bool = False,
    poor_rule: str | None = None,
    note_placeholder: str = "",
    compact: bool = False,
    modality: str = "audio",
) -> dict | None:
    """The three-question checklist and a note, as one form; the answers once it is submitted.

    Returns None until the form is submitted with both required answers (a one-line error says
    what is missing), then ``{"realistic", "clear", "model_poor", "note"}``. Widget keys are
    ``f"{prefix}_realistic{suffix}"`` and so on, so each page (and each sample) keeps its own.
    ``compact`` puts the three questions side by side and the note beside the button (the
    Studio's one screen).
    """
    q_real, short_real = asked(REALISTIC, modality)
    q_clear, short_clear = asked(CLEAR, modality)
    with st.form(form_key, clear_on_submit=True, border=True):
        q1, q2, q3 = st.columns(3) if compact else (st, st, st)
        realistic = q1.radio(
            q_real,
            REALISTIC.choices,
            index=None,
            horizontal=True,
            key=f"{prefix}_realistic{suffix}",
        )
        clear = q2.radio(
            q_clear,
            CLEAR.choices,
            index=None,
            horizontal=True,
            key=f"{prefix}_clear{suffix}",
        )
        poor = q3.radio(
            MODEL_POOR.label,
            MODEL_POOR.choices,
            index=poor_index,
            horizontal=True,
            disabled=poor_disabled,
            key=poor_key or f"{prefix}_model_poor{suffix}",
            help=poor_help,
        )
        if poor_rule:  # the rule behind the pre-fill, under the answers (full width: one screen)
            st.caption(poor_rule)
        n1, n2 = st.columns([4, 1], vertical_alignment="bottom") if compact else (st, st)
        note = n1.text_input(
            "Note (optional)", key=f"{prefix}_note{suffix}", placeholder=note_placeholder
        )
        submitted = n2.form_submit_button(submit_label, type="primary", key=submit_key)
    if not submitted:
        return None
    if realistic is None or clear is None:
        st.error(f"Answer both '{short_real}' and '{short_clear}' before saving.")
        return None
    return {
        "realistic": realistic == YES,
        "clear": clear == YES,
        "model_poor": MODEL_POOR_CODES[poor],
        "note": note,
    }


@contextlib.contextmanager
def timed(what: str):
    """Time a block; with ``AUGCHECK_TIMINGS=FILE`` set, append ``{"what", "ms"}`` to FILE as a
    JSON line (benchmarks/player_latency.py reads it: a fragment's own run, server side)."""
    path = os.environ.get("AUGCHECK_TIMINGS")
    start = time.perf_counter()
    try:
        yield
    finally:
        if path:
            ms = round(1000 * (time.perf_counter() - start), 2)
            with open(path, "a", encoding="utf-8") as f:
                f.write(json.dumps({"what": what, "ms": ms, "at": time.time()}) + "\n")


def show_drawn(recipe, params) -> None:
    """What the seed drew for each step, and the recipe, as JSON trees (copy icon on hover).

    Not ``st.code``: a code box loads Streamlit's syntax highlighter, which took 0.55 s of the
    browser's main thread on the Studio's first draw (a JS CPU profile in Chromium; cold start
    6.35 -> 5.32 s median, ``python benchmarks/cold_start.py``).
    """
    st.json({"recipe_id": recipe.id, "params": params}, expanded=True)
    st.caption("The recipe:")
    st.json(recipe.to_dict(), expanded=True)


def new_seed(key: str) -> None:
    """A new random seed under ``key`` (a New draw)."""
    st.session_state[key] = secrets.randbelow(2**31)


def seed_controls(seed_col, draw_col, *, key: str, draw_key: str, same: str, draw_help=None):
    """The Seed box and the New draw button of a Studio view (``same``: what the same seed
    gives again, e.g. "clip: the same sample")."""
    if key not in st.session_state:
        new_seed(key)
    seed_col.number_input(
        "Seed",
        min_value=0,
        max_value=2**31 - 1,
        step=1,
        key=key,
        help=f"Same seed, same recipe, same {same}, bit for bit.",
    )
    draw_col.button(
        "New draw",
        key=draw_key,
        on_click=new_seed,
        args=(key,),
        icon=":material/casino:",
        help=draw_help,
    )
