"""Helpers the pages share: the store, cached decoding, uploads. Pages stay thin scripts."""

from __future__ import annotations

import streamlit as st

from augment import audio, plots
from augment.errors import AugcheckError
from augment.recipe import Recipe, Source, render, source
from augment.storage import Media, Store, load_demo_assets

KIND_LABELS = {"speech": "Clean clip", "noise": "Noise", "impulse_response": "Impulse response"}


@st.cache_resource(show_spinner=False)
def get_store() -> Store:
    """One store per process; the demo assets go in on the very first start."""
    store = Store()
    load_demo_assets(store)
    return store


@st.cache_resource(max_entries=24, show_spinner=False)
def decoded(digest: str) -> audio.Audio:
    """Decoded mono audio of a stored file (kept in memory, shared, never modified)."""
    return audio.decode(get_store().media_bytes(digest), name=digest[:12])


@st.cache_resource(max_entries=24, show_spinner=False)
def as_source(digest: str, name: str, sample_rate: int) -> Source:
    a = decoded(digest)
    return source(digest, name, a.samples, a.sample_rate, target_sr=sample_rate)


@st.cache_data(max_entries=24, show_spinner=False)
def original_wav(digest: str) -> bytes:
    a = decoded(digest)
    return audio.to_wav_bytes(a.samples, a.sample_rate)


@st.cache_resource(max_entries=24, show_spinner=False)
def original_mel(digest: str) -> plots.MelSpectrogram:
    a = decoded(digest)
    return plots.mel_spectrogram(a.samples, a.sample_rate)


@st.cache_data(max_entries=24, show_spinner=False)
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
            st.error(seen[uploaded.file_id][len("error: ") :], icon=":material/error:")
        return
    try:
        media, created = get_store().add_media(uploaded.getvalue(), name=uploaded.name, kind=kind)
    except AugcheckError as exc:
        seen[uploaded.file_id] = f"error: {exc}"
        st.error(str(exc), icon=":material/error:")
        return
    seen[uploaded.file_id] = media.hash
    if select_key:
        st.session_state[select_key] = media.hash
    verb = "Added" if created else "Already in the library:"
    note = " (stereo, downmixed to mono)" if (media.channels or 1) > 1 else ""
    st.toast(f"{verb} {media.name}{note}", icon=":material/library_add:")


def reviewer() -> str:
    return (st.session_state.get("reviewer") or "").strip()


@st.cache_resource(max_entries=16, show_spinner=False)
def render_view(
    recipe_json: str, clip_hash: str, noise: tuple | None, ir: tuple | None, seed: int
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
    spec = plots.mel_spectrogram(out.samples, out.sample_rate)
    return {
        "samples": out.samples,
        "noise": out.noise,
        "sample_rate": out.sample_rate,
        "wav": audio.to_wav_bytes(out.samples, out.sample_rate),
        "noise_wav": None if out.noise is None else audio.to_wav_bytes(out.noise, out.sample_rate),
        "png": plots.spectrogram_png(spec, title="Augmented", axis_s=axis_s),
        "axis_s": round(axis_s, 3),
        "params": out.params,
        "metrics": out.metrics,
        "seed": out.seed,
    }


@st.cache_resource(show_spinner=False)
def get_model():
    """The model that answers "does it do poorly?": loaded once per process.

    The built-in offline recognizer, or the user's ``AUGCHECK_MODEL=module:function``.
    """
    from augment.model import load_model

    return load_model()


@st.cache_data(max_entries=64, show_spinner=False)
def sample_hints(sample_key: tuple, clip_hash: str, _view: dict, timing_cause: str | None) -> dict:
    """Objective hints (STOI, speech-only SNR, loudness) for one rendered sample, cached."""
    from augment.hints import hints

    clean = decoded(clip_hash)
    return hints(
        clean.samples,
        _view["samples"],
        _view["noise"],
        _view["sample_rate"],
        timing_cause=timing_cause,
    )


#: Longest stretch of audio the model hears per sample, in seconds (keeps long clips snappy).
MODEL_MAX_S = 60.0


@st.cache_resource(show_spinner=False)
def _model_jobs() -> dict:
    """One worker thread for the model and the jobs it was given, per process."""
    import threading
    from collections import OrderedDict
    from concurrent.futures import ThreadPoolExecutor

    return {
        "pool": ThreadPoolExecutor(max_workers=1, thread_name_prefix="augcheck-model"),
        "jobs": OrderedDict(),
        "lock": threading.Lock(),
    }


def _model_job(clip_hash: str, samples, sample_rate: int, transcript):
    from augment.model import model_report

    clean = decoded(clip_hash)
    n = int(MODEL_MAX_S * sample_rate)
    report = model_report(get_model(), clean.samples[:n], samples[:n], sample_rate, transcript)
    if len(clean.samples) > n:
        report["note"] = f"the model heard the first {MODEL_MAX_S:.0f} s"
    return report


def model_job(sample_key: tuple, clip_hash: str, view: dict, transcript):
    """The model's result for one sample as a Future, computed in the background, cached.

    The page never waits for it: the audio and the pictures show at once, and the result is
    shown when it is ready. A job not yet started for an older sample is cancelled.
    """
    box = _model_jobs()
    with box["lock"]:
        jobs = box["jobs"]
        if sample_key in jobs:
            jobs.move_to_end(sample_key)
            future = jobs[sample_key]
            if not future.cancelled():
                return future
        for old in list(jobs.values())[-4:]:
            old.cancel()  # only succeeds for jobs still queued
        future = box["pool"].submit(
            _model_job, clip_hash, view["samples"], view["sample_rate"], transcript
        )
        jobs[sample_key] = future
        while len(jobs) > 128:
            jobs.popitem(last=False)
        return future


@st.cache_resource(show_spinner=False)
def warm_up() -> bool:
    """Import what the other pages need (tables, statistics) in the background, once per process.

    Called at the end of the Studio, after its first render, so it never delays it; the first
    visit to the Recipes or Labels page then does not pay for importing pandas and pyarrow.
    """
    import importlib
    import threading

    def work() -> None:
        for name in ("pandas", "pyarrow", "augment.stats", "augment.exporters", "augment.export"):
            try:
                importlib.import_module(name)
            except ImportError:  # a missing optional library shows up where it is used
                pass

    threading.Thread(target=work, name="augcheck-warm-up", daemon=True).start()
    return True
