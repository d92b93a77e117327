"""Render: an accepted recipe over training clips or pictures, as files and a manifest, in the
background."""

from __future__ import annotations

import json
import os
import re

import streamlit as st

from augment.errors import AugcheckError
from augment.render import Options, jobs, prepare, target
from augment.render.media import media_for
from views._common import get_store

st.title("Render training data")
st.caption(
    "Offline augmentation: an accepted recipe rendered over training clips or pictures, written "
    "as files with a manifest, the same as `python -m augment render`. Validation and test data "
    "are never augmented."
)
store = get_store()


def plain(text) -> str:
    """User text (names, paths) shown as typed, never as Markdown."""
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|<>~$:=])", r"\\\1", str(text))


# --- the job (if any): progress while it runs, results when it is done -----------------------
def show_result(job: dict, st_: dict) -> None:
    record, out = st_["record"], job["out"]
    c, t = record["counts"], record["timings"]
    media = media_for(record.get("modality"))
    pictures = not media.has_duration
    m = st.columns(5)
    m[0].metric("Files rendered", c["rendered"], help=f"{c['skipped']} were already done")
    if pictures:
        m[1].metric("Pictures per second", t.get("files_per_s"))
        m[2].metric("Format", str(record.get("format") or "kept"), help="Each picture's own")
    else:
        m[1].metric("Hours of audio", f"{t['audio_h']:.3f}")
        m[2].metric("Real-time factor", f"{t['real_time_factor']}x")
    m[3].metric("Errors", c["errors"])
    m[4].metric("Left out (val/test)", c["left_out"])
    st.caption(f"Written to {plain(out)}")
    manifest = target.read_text(target.join(out, "manifest.jsonl"))  # a folder or a URL
    rows = [json.loads(x) for x in manifest.splitlines()[:200]]
    if rows:
        from augment.export.reviews import param_columns

        shown = [c for c in media.csv_columns() if c not in ("source_sha256", "recipe_id")]
        table = [
            {k: r.get(k) for k in shown if k in r} | param_columns(r["params"]) for r in rows[:20]
        ]
        st.subheader("Manifest (first rows)")
        st.dataframe(table, hide_index=True, key="render_manifest_table")
        d1, d2 = st.columns(2)
        d1.download_button(
            "Download manifest.jsonl",
            manifest.encode("utf-8"),
            "manifest.jsonl",
            "application/jsonl",
            key="render_download_jsonl",
            icon=":material/download:",
        )
        d2.download_button(
            "Download manifest.csv",
            target.read_bytes(target.join(out, "manifest.csv")),
            "manifest.csv",
            "text/csv",
            key="render_download_csv",
            icon=":material/download:",
        )
        st.subheader(
            "Look: source and rendered copy" if pictures else "Listen: source and rendered copy"
        )
        for r in rows[:3]:
            a, b = st.columns(2)
            a.caption(f"Source: {plain(os.path.basename(r['source_filepath']))}")
            snr = "" if r.get("snr_db") is None else f" (SNR {r['snr_db']:.1f} dB)"
            if pictures:
                psnr = "identical" if r["psnr_db"] is None else f"PSNR {r['psnr_db']:.1f} dB"
                snr = f" (luminance {r['luminance_change']:+.1f}, {psnr})"
            b.caption(f"Rendered: {plain(r[media.path_column])}{snr}")
            for col, path in (
                (a, r["source_filepath"]),
                (b, target.join(out, r[media.path_column])),
            ):
                try:
                    data = target.read_bytes(path)
                    if pictures:
                        col.image(data)
                    else:
                        col.audio(data)
                except OSError as exc:
                    col.caption(f"Cannot play it: {plain(exc.strerror or exc)}")
    errors = target.join(out, "errors.jsonl")
    if target.exists(errors):
        st.subheader("Errors")
        bad = [json.loads(x) for x in target.read_text(errors).splitlines()]
        st.dataframe(
            [{"file": e["source_filepath"], "reason": e["error"]} for e in bad],
            hide_index=True,
            key="render_errors_table",
        )


@st.fragment(run_every=1.0)
def watch(job: dict) -> None:
    """Redrawn every second while the job runs; the whole page reruns when it ends."""
    s = jobs.status(job)
    if s["state"] != "running":
        if st.session_state.get("render_watching") == job["id"]:
            st.session_state["render_watching"] = None
            st.rerun()
        return
    st.session_state["render_watching"] = job["id"]
    p = s["progress"]
    total, done = p.get("total") or 0, p.get("done") or 0
    text = f"Rendering {plain(job['label'])}: {done} of {total} files"
    if not p:  # the process is still starting (imports, checks)
        text = f"Starting the render of {plain(job['label'])}..."
    if p.get("errors"):
        text += f", {p['errors']} errors"
    if p.get("skipped"):
        text += f" ({p['skipped']} already done)"
    st.progress(done / total if total else 0.0, text=text)


all_jobs = jobs.jobs()
latest = all_jobs[0] if all_jobs else None
running = False
if latest is not None:
    s = jobs.status(latest)
    running = s["state"] == "running"
    with st.container(border=True):
        if running:
            watch(latest)
            st.caption("It runs in its own process: leave this page or reload, it goes on.")
        elif s["state"] == "done":
            st.success(f"Done: {plain(latest['label'])}", icon=":material/check_circle:")
            show_result(latest, s)
        elif s["state"] == "refused":
            line = next(
                (x for x in s["log"].splitlines() if x.startswith("error:")), s["log"][-300:]
            )
            st.error(f"The render of {plain(latest['label'])} was refused: {plain(line)}")
        else:
            st.warning(
                f"The render of {plain(latest['label'])} stopped before the end "
                f"({s['progress'].get('done', 0)} of {s['progress'].get('total', '?')} files). "
                "Resume it: finished files are kept and skipped."
            )
            if st.button("Resume", key="render_resume", icon=":material/replay:"):
                job_id, _folder = jobs.new_job_folder()
                jobs.start(job_id, latest["argv"], out=latest["out"], label=latest["label"])
                st.rerun()

# --- a new render ------------------------------------------------------------------------------
st.subheader("New render")
recipes = store.list_recipes()
accepted = [r for r in recipes if r["status"] == "accepted"]
others = [r for r in recipes if r["status"] != "accepted"]
if others:
    counts: dict[str, int] = {}
    for r in others:
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    st.caption(
        f"{len(others)} recipe(s) not offered ("
        + ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
        + "): only accepted recipes render. Accept one on the Recipes page once its reviews "
        "say so."
    )
if not accepted:
    st.info(
        "No accepted recipe yet. Review a recipe in the Studio, then set its status to "
        "accepted on the Recipes page.",
        icon=":material/info:",
    )
    st.stop()

by_id = {r["id"]: r for r in accepted}
recipe_id = st.selectbox(
    "Recipe (accepted)",
    list(by_id),
    format_func=lambda i: f"{by_id[i]['name']} ({i})",
    key="render_recipe",
)
recipe = store.recipe(recipe_id)
media = media_for(recipe.modality)  # audio clips or pictures: the page asks it what differs
st.caption(recipe.summary())

LIBRARY = f"Library {media.plural}"
source_kind = st.radio(
    "Input",
    [LIBRARY, "A folder or manifest on the server"],
    horizontal=True,
    key="render_source",
)
assume_train = False
clip_hashes: list[str] = []
input_path = ""
if source_kind == LIBRARY:
    assume_train = st.checkbox(
        f"Treat {media.plural} without a split as training data",
        key="render_assume_train",
        help=f"{media.plural.capitalize()} marked val or test are never offered. Unmarked ones "
        "need this (or a split set in the Library).",
    )
    clips = store.list_media(media.library_kind)
    if not clips:
        st.info(f"No {media.plural} in the Library yet.", icon=":material/info:")
    for m in clips:
        if m.split in ("val", "test"):
            reason = f"{m.split} split: never augmented"
        elif m.split is None and not assume_train:
            reason = "no split: mark it train in the Library, or tick the box above"
        else:
            reason = None
        picked = st.checkbox(
            plain(m.label) + (f" · {reason}" if reason else f" · {m.split or 'assumed train'}"),
            key=f"render_clip_{m.hash[:16]}",
            disabled=reason is not None,
        )
        if picked and reason is None:
            clip_hashes.append(m.hash)
else:
    input_path = st.text_input(
        f"Folder or manifest (.jsonl / .csv with {media.path_column}, split, ...) on the server",
        key="render_input_path",
        placeholder="/data/corpus/train_manifest.jsonl",
    ).strip()
    assume_train = st.checkbox(
        "No split column: every file is training data (--assume-train)",
        key="render_assume_train_path",
    )

uses = recipe.sources()  # the kinds of library items the steps draw on


def pick_sources(kind: str, label: str, key: str) -> list[str]:
    """The library items of ``kind`` a training render may draw from (val/test ones are not
    offered: the leakage guard would refuse them), or [] when the recipe does not use them."""
    if kind not in uses:
        return []
    items = store.list_media(kind)
    offered = [m for m in items if m.split not in ("val", "test")]
    picked = st.multiselect(
        label,
        [m.hash for m in offered],
        default=[m.hash for m in offered[:1]],
        format_func=lambda h: next(m.label for m in offered if m.hash == h),
        key=key,
    )
    if held := len(items) - len(offered):
        st.caption(f"Not offered: {held} {kind.replace('_', ' ')}(s) marked val/test.")
    return picked


noise_hashes = pick_sources("noise", "Noises (one is drawn per copy)", "render_noises")
overlay_hashes = pick_sources(
    "texture", "Overlay textures (one is drawn per copy)", "render_overlays"
)
ir_hashes = pick_sources("impulse_response", "Impulse responses", "render_irs")

c1, c2, c3, c4 = st.columns(4)
copies = c1.number_input(f"Copies per {media.item}", 1, 100, 1, key="render_copies")
seed = c2.number_input("Seed", 0, 2**31 - 1, 0, key="render_seed")
formats = [media.default_format] if media.default_format else [None]
formats += [f for f in media.formats if f not in formats]
fmt = c3.selectbox(
    "Format",
    formats,
    format_func=lambda f: f or "as the input",
    key=f"render_format_{media.modality}",
    help=None if media.default_format else "A JPEG is written at quality 95, WebP losslessly",
)
workers = c4.number_input("Worker processes", 1, 64, os.cpu_count() or 1, key="render_workers")
out = st.text_input(
    "Output folder (on the server)",
    value=jobs.default_out(recipe_id),
    key="render_out",
    help="A folder on the server, or an fsspec URL such as s3://bucket/folder (with its driver)",
).strip()

start = st.button(
    "Start render",
    type="primary",
    key="render_start",
    disabled=running,
    help="One render at a time" if running else None,
    icon=":material/play_arrow:",
)
if start:
    job_id, folder = jobs.new_job_folder()
    if source_kind == LIBRARY:
        if not clip_hashes:
            st.error(f"Pick at least one training {media.item}.")
            st.stop()
        manifest = jobs.write_library_manifest(
            store,
            clip_hashes,
            folder / "inputs",
            kind=media.library_kind,
            column=media.path_column,
        )
        input_spec, label_input = str(manifest), f"{len(clip_hashes)} library {media.plural}"
    else:
        input_spec, label_input = input_path, input_path
    noise_specs = (
        [str(jobs.write_library_manifest(store, noise_hashes, folder / "noises", kind="noise"))]
        if noise_hashes
        else []
    )
    overlay_specs = (
        [
            str(
                jobs.write_library_manifest(
                    store,
                    overlay_hashes,
                    folder / "overlays",
                    kind="texture",
                    column=media.path_column,
                )
            )
        ]
        if overlay_hashes
        else []
    )
    ir_specs = (
        [str(jobs.write_library_manifest(store, ir_hashes, folder / "irs", kind="ir"))]
        if ir_hashes
        else []
    )
    options = Options(
        recipe=recipe,
        input=input_spec,
        out=out,
        status="accepted",
        noises=noise_specs,
        irs=ir_specs,
        overlays=overlay_specs,
        copies=int(copies),
        seed=int(seed),
        workers=int(workers),
        format=fmt,
        assume_train=assume_train,
    )
    try:
        prepare(options)  # every refusal now, in one line, before a process starts
    except AugcheckError as exc:
        st.error(plain(exc), icon=":material/block:")
    else:
        argv = [
            recipe_id,
            "--input",
            input_spec,
            "--out",
            out,
            "--copies",
            str(int(copies)),
            "--seed",
            str(int(seed)),
            "--workers",
            str(int(workers)),
        ]
        if fmt:
            argv += ["--format", fmt]
        for spec in overlay_specs:
            argv += ["--overlay", spec]
        for spec in noise_specs:
            argv += ["--noise", spec]
        for spec in ir_specs:
            argv += ["--ir", spec]
        if assume_train:
            argv.append("--assume-train")
        jobs.start(job_id, argv, out=out, label=f"{by_id[recipe_id]['name']} on {label_input}")
        st.rerun()
