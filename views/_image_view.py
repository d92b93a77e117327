"""The Studio for pictures: pick a picture, tune image steps, compare, answer, save.

Called from ``views/studio.py`` when the Media switch is on *Images*; a layout script like the
pages (the work is in ``augment.image``). Widget keys start with ``img.`` so the audio Studio's
settings survive a switch back and forth.
"""

from __future__ import annotations

import hashlib

import numpy as np
import streamlit as st
from PIL import Image, ImageDraw

from augment import controls
from augment.checklist import verdict_for
from augment.errors import AugcheckError
from augment.image import decode_image, decode_rgba
from augment.image.io import EXTENSIONS, preview_bytes
from augment.image.labels import parse_label
from augment.image.model import image_model_report, load_image_model
from augment.image.render import difference, overlay_source, preview
from augment.recipe import Recipe
from augment.review.sweep import MAX_RUNGS, ladder, make_sweep
from augment.steps import Choice, source_key, steps_for
from views._common import (
    checklist,
    md,
    media_by_hash,
    reviewer,
    seed_controls,
    show_drawn,
    take_upload,
)
from views._handoff import image_recipe_to_open, opened_notice

ss = st.session_state
IMAGE_STEPS = steps_for("image")


@st.cache_resource(max_entries=8, show_spinner=False)
def picture(digest: str, _store) -> np.ndarray:
    return decode_image(_store.media_bytes(digest), name=digest[:12]).pixels


@st.cache_resource(max_entries=8, show_spinner=False)
def overlay(digest: str, name: str, _store):
    return overlay_source(digest, name, decode_rgba(_store.media_bytes(digest), name=name))


@st.cache_resource(max_entries=16, show_spinner=False)
def rendered(recipe_json: str, digest: str, overlay_key, seed: int, box, _store) -> dict:
    """One slider move: render, measure, JPEG for the browser (cached per setting)."""
    pixels = picture(digest, _store)
    overlays = [overlay(*overlay_key, _store)] if overlay_key else []
    p = preview(
        Recipe.from_json(recipe_json),
        pixels,
        seed=seed,
        overlays=overlays,
        box=list(box) if box else None,
    )
    return {"jpeg": p.jpeg, "rendering": p.rendering}


@st.cache_resource(max_entries=1, show_spinner=False)
def image_model():
    return load_image_model()


def _pick(store, kind: str, label: str, key: str):
    take_upload(f"{key}_upload", kind, select_key=key)
    items = media_by_hash(kind)
    if key not in ss or ss[key] not in items:
        preferred = [h for h, m in items.items() if "scratched" in m.name.lower()]
        ss[key] = (preferred or list(items) or [None])[0]
    choice = st.selectbox(
        label,
        list(items),
        key=key,
        format_func=lambda h: items[h].label,
        placeholder=f"No {label.lower()} yet: upload one below",
    )
    st.file_uploader(
        f"Upload {'an' if label[0].lower() in 'aeiou' else 'a'} {label.lower()}",
        type=list(EXTENSIONS),
        key=f"{key}_upload",
        help="PNG, JPEG or WebP; the EXIF orientation is applied.",
    )
    return items.get(choice) if choice else None


#: Every key of this view's step controls (``controls.keep`` re-sets them on each run).
CONTROL_KEYS = controls.control_keys(IMAGE_STEPS, prefix="img.")


def _controls() -> list[dict]:
    """One box per image step; a step that is off shows its switch and description only (its
    values wait in the session and come back when it is switched on, as in the audio Studio)."""
    controls.keep(ss, CONTROL_KEYS)
    steps = []
    columns = st.columns(3)
    for i, step in enumerate(IMAGE_STEPS.values()):
        with columns[i % 3].container(border=True):
            head, rng_col = st.columns([3, 2])
            ss.setdefault(f"img.{step.name}.on", bool(getattr(step, "default_on", False)))
            on = head.toggle(step.title, key=f"img.{step.name}.on")
            st.caption(step.description)
            if not on:
                continue
            ranged = rng_col.toggle(
                "range",
                key=f"img.{step.name}.ranged",
                help="Draw each value from a [low, high] range (or a set of options) with the "
                "seed.",
            )
            settings = {}
            for p in step.params:
                key = f"img.{step.name}.{p.name}"
                if isinstance(p, Choice):
                    if ranged:
                        ss.setdefault(f"{key}.multi", [p.default])
                        picked = st.segmented_control(
                            p.name,
                            p.options,
                            key=f"{key}.multi",
                            selection_mode="multi",
                            help=p.help,
                        )
                        settings[p.name] = list(picked) or p.default
                    else:
                        ss.setdefault(key, p.default)
                        settings[p.name] = (
                            st.segmented_control(p.name, p.options, key=key, help=p.help)
                            or p.default
                        )
                    continue
                label = p.name if not p.unit or p.unit in p.name else f"{p.name} ({p.unit})"
                fmt = "%.0f" if p.step >= 1 else "%.1f" if p.step >= 0.1 else "%.2f"
                if ranged:
                    span = p.max - p.min
                    ss.setdefault(
                        f"{key}.range",
                        (
                            round(max(p.min, p.default - 0.1 * span), 2),
                            round(min(p.max, p.default + 0.1 * span), 2),
                        ),
                    )
                    lo, hi = st.slider(
                        label,
                        p.min,
                        p.max,
                        key=f"{key}.range",
                        step=p.step,
                        format=fmt,
                        help=p.help,
                    )
                    settings[p.name] = [float(lo), float(hi)]
                else:
                    ss.setdefault(key, float(p.default))
                    settings[p.name] = float(
                        st.slider(
                            label,
                            p.min,
                            p.max,
                            key=key,
                            step=p.step,
                            format=fmt,
                            help=p.help,
                        )
                    )
            steps.append({"step": step.name, **settings})
    return steps


def recipe_state(recipe: Recipe) -> tuple[dict, list[str]]:
    """A stored image recipe in this view's controls (``controls.recipe_state`` under ``img.``;
    a step with a range or a choice of several options gets its range toggle, and its choices
    the multi-select): ``(state, notes)``."""
    state, notes = controls.recipe_state(recipe, IMAGE_STEPS)
    out = {f"img.{k}": v for k, v in state.items()}
    first: dict = {}
    for cfg in recipe.steps:
        first.setdefault(cfg.step, cfg)
    for name, cfg in first.items():
        step = IMAGE_STEPS[name]
        if not any(isinstance(v, list) for v in cfg.settings.values()):
            continue
        out[f"img.{name}.ranged"] = True
        for p in step.params:
            v = cfg.settings[p.name]
            if isinstance(p, Choice):
                out[f"img.{name}.{p.name}.multi"] = list(v) if isinstance(v, list) else [v]
            elif not isinstance(v, list):
                out[f"img.{name}.{p.name}.range"] = (v, v)
    return out, [n for n in notes if " draws from " not in n]  # the multi-select shows them


def _crop(pixels: np.ndarray, region) -> np.ndarray:
    if region is None:
        return pixels
    x0, y0, x1, y1 = (int(round(v)) for v in region)
    return pixels[max(0, y0) : max(y0 + 1, y1), max(0, x0) : max(x0 + 1, x1)]


def _with_box(pixels: np.ndarray, box, colour=(255, 64, 64)) -> np.ndarray:
    if box is None:
        return pixels
    img = Image.fromarray(pixels).convert("RGB")
    width = max(1, round(min(img.size) / 240))
    ImageDraw.Draw(img).rectangle([round(v) for v in box], outline=colour, width=width)
    return np.asarray(img)


def _pct(x) -> str:
    return "n/a" if x is None else f"{100 * x:.1f} %"


def image_studio(store) -> None:
    st.caption(
        "Pictures: tune an image recipe, compare the original and the augmented picture side "
        "by side (zoom to the label's box or any region, or look at the difference), then "
        "answer the checklist. Each answer labels the recipe, as for audio."
    )
    c1, c2 = st.columns(2)
    with c1:
        item = _pick(store, "image", "Picture", "img.picture")
    with c2:
        ov = _pick(store, "texture", "Texture (for the overlay step)", "img.overlay")
    if item is None:
        st.info("No picture yet: upload a PNG, JPEG or WebP above.", icon=":material/upload:")
        return
    try:
        pixels = picture(item.hash, store)
        label = parse_label(item.transcript)
    except AugcheckError as exc:
        st.error(str(exc))
        return
    box = (label or {}).get("box")
    h, w = pixels.shape[:2]
    facts = f"{w}x{h} · {'grey' if pixels.ndim == 2 else 'colour'} · {item.format}"
    if label:
        facts += f" · label: {md(label.get('class', '(no class)'))}"
        if box:
            facts += " · box " + ", ".join(f"{v:g}" for v in box)
    st.caption(f"**{md(item.name)}**: {facts}")

    opened = image_recipe_to_open()  # "Open in the Studio" on the Recipes page
    if opened is not None:
        state, notes = recipe_state(opened)
        ss.update(state)
        ss["img.parent_recipe"] = opened.id  # what a changed version is saved as a child of
        opened_notice(opened, notes)
    steps = _controls()

    r1, r2, r3 = st.columns([3, 2, 1], vertical_alignment="bottom")
    r1.text_input("Recipe name", key="img.recipe_name", placeholder="e.g. darker phones")
    seed_controls(r2, r3, key="img.seed", draw_key="img.new_draw", same="picture: the same pixels")
    try:
        recipe = Recipe.from_dict({"name": ss.get("img.recipe_name") or "", "steps": steps})
        if not recipe.name:
            recipe = recipe.with_name(recipe.summary())
        uses_overlay = any(getattr(IMAGE_STEPS[s["step"]], "source_keys", None) for s in steps)
        with st.spinner("Rendering..."):
            result = rendered(
                recipe.to_json(indent=None),
                item.hash,
                (ov.hash, ov.name) if (ov and uses_overlay) else None,
                int(ss["img.seed"]),
                tuple(box) if box else None,
                store,
            )
    except AugcheckError as exc:
        st.error(str(exc), icon=":material/error:")
        return
    r = result["rendering"]
    m = r.metrics

    # --- look -------------------------------------------------------------------------------
    st.subheader("Look")
    z1, z2, z3 = st.columns([2, 2, 1])
    zooms = ["Whole picture", *(["Label box"] if box else []), "Region"]
    zoom = z1.segmented_control("Zoom", zooms, key="img.zoom", default="Whole picture")
    right = z2.segmented_control(
        "Right side shows",
        ["Augmented", "Difference ×4", "Drawn defects"],
        key="img.right",
        default="Augmented",
    )
    show_box = z3.toggle("Box", key="img.show_box", value=bool(box), disabled=not box)
    region = moved = None
    if zoom == "Label box" and box:
        pad = 0.25 * max(box[2] - box[0], box[3] - box[1])
        region = [box[0] - pad, box[1] - pad, box[2] + pad, box[3] + pad]
        mb = r.box or box
        moved = [mb[0] - pad, mb[1] - pad, mb[2] + pad, mb[3] + pad]
    elif zoom == "Region":
        x_lo, x_hi = st.slider("Region, across (%)", 0, 100, (25, 75), key="img.region_x")
        y_lo, y_hi = st.slider("Region, down (%)", 0, 100, (25, 75), key="img.region_y")
        region = moved = [w * x_lo / 100, h * y_lo / 100, w * x_hi / 100, h * y_hi / 100]
    left_img = _with_box(pixels, box if show_box else None)
    if right == "Difference ×4":
        right_img = difference(pixels, r.pixels)
        caption = "Difference ×4 (luma, same place in both: geometric steps move things)"
    elif right == "Drawn defects":
        mask = r.mask if r.mask is not None else np.zeros((h, w), bool)
        right_img = r.pixels.copy() if r.pixels.ndim == 3 else np.stack([r.pixels] * 3, -1)
        right_img[mask] = (255, 0, 255)
        caption = f"Drawn defects in magenta ({_pct(m.get('defect_share', 0.0))} of the picture)"
    else:
        right_img = r.pixels
        caption = "Augmented"
    right_img = _with_box(right_img, (r.box or box) if show_box else None)
    v1, v2 = st.columns(2)
    v1.image(_crop(left_img, region), caption="Original", width="stretch")
    v2.image(
        preview_bytes(_crop(right_img, moved))
        if (region is not None or right != "Augmented" or show_box)
        else result["jpeg"],
        caption=caption,
        width="stretch",
    )
    k = st.columns(5 if box else 4)
    k[0].metric(
        "Mean luminance",
        f"{m['mean_luminance']:.0f}",
        delta=f"{m['luminance_change']:+.0f}",
        delta_color="off",
        help="Rec. 601 luma, 0-255; the change from the original beside it.",
    )
    k[1].metric(
        "Clipped",
        _pct(m["clipped_share"]),
        help="Pure black (every channel 0) or pure white (every channel 255) pixels: "
        f"black {_pct(m['black_share'])}, white {_pct(m['white_share'])}.",
    )
    k[2].metric(
        "PSNR",
        "identical" if m["psnr_db"] is None else f"{m['psnr_db']:.1f} dB",
        help="10 log10(255² / mean squared difference) over every pixel and channel."
        + (
            f" The sensor noise alone: {m['noise_psnr_db']:.2f} dB (exact)."
            if m.get("noise_psnr_db") is not None
            else ""
        ),
    )
    k[3].metric(
        "SSIM",
        "n/a" if m["ssim"] is None else f"{m['ssim']:.3f}",
        help="Structural similarity of the luma (Gaussian window, sigma 1.5) on the picture "
        "shrunk to about 250,000 pixels, as large as it shows here.",
    )
    if box:
        bo, ba = m.get("box_contrast_original"), m.get("box_contrast")
        k[4].metric(
            "Contrast in box",
            _pct(ba),
            delta=None if bo is None or ba is None else f"{100 * (ba - bo):+.1f} pts",
            delta_color="off",
            help="RMS contrast (std of luma / 255) inside the label's box, which geometric "
            "steps move: a dark picture hides the defect exactly here.",
        )
    with st.expander(f"Parameters drawn (seed {r.seed}) and the recipe"):
        show_drawn(recipe, r.params)

    # --- the model --------------------------------------------------------------------------
    report, problem = None, None
    try:
        model = image_model()
        if model is not None:
            report = image_model_report(model, pixels, r.pixels)
    except AugcheckError as exc:
        problem = str(exc)
    if problem:
        st.warning(f"Model: {problem}")
    elif report is not None:
        st.metric(
            f"Model ({report['model']})",
            f"{report['label_original']} → {report['label_augmented']}",
            help=f"Confidence {report['confidence_original']:.2f} → "
            f"{report['confidence_augmented']:.2f}",
        )
    else:
        st.caption(
            "No image model configured (AUGCHECK_IMAGE_MODEL): question 3 is yours to answer."
        )

    # --- the checklist ----------------------------------------------------------------------
    st.subheader("Checklist")
    sample_key = (recipe.id, item.hash, r.seed)
    poor_key = "img_model_poor_" + hashlib.sha1(repr(sample_key).encode()).hexdigest()[:10]
    answers = checklist(
        "img_checklist",
        "img_answer",
        submit_label="Save label",
        submit_key="img_save",
        poor_index=2 if report is None else (0 if report["poor"] else 1),
        poor_key=poor_key,
        poor_help="Pre-filled from the model's result; change it if you disagree."
        if report is not None
        else None,
        note_placeholder="what you saw; Enter saves",
        modality="image",
    )
    with st.container():
        if answers is not None:
            who = reviewer()
            if not who:
                st.error("Enter your name in the sidebar (Your name) before saving.")
            else:
                try:
                    review_id = store.save_review(
                        recipe=recipe,
                        params=r.params,
                        seed=r.seed,
                        clip_hash=item.hash,
                        inputs={"clip": item.hash, source_key("texture"): ov.hash if ov else None},
                        reviewer=who,
                        **answers,
                        metrics={**m, "model": report},
                        parent_id=ss.get("img.parent_recipe"),
                    )
                except AugcheckError as exc:
                    st.error(str(exc))
                else:
                    verdict = verdict_for(answers["realistic"], answers["clear"])
                    st.toast(f"Saved review #{review_id}: {verdict}", icon=":material/check:")
                    ss["img.last_saved"] = (
                        sample_key,
                        f"Saved review #{review_id}: **{verdict}** for {md(recipe.name)} "
                        f"(`{recipe.id}`).",
                    )
    saved_for, saved_text = ss.get("img.last_saved") or (None, "")
    with st.container():
        if saved_for == sample_key:
            st.success(saved_text, icon=":material/check_circle:")

    # --- threshold sweep ----------------------------------------------------------------------
    st.subheader("Threshold sweep")
    keys = recipe.numeric_keys()
    with st.expander("Sweep one parameter over a ladder of values, seen blind in a shuffled order"):
        if not keys:
            st.caption("Turn on a step with a numeric parameter to sweep it.")
            return
        key = st.selectbox("Parameter", keys, key="img.sweep_key")
        i, param = recipe.step_index(key)
        spec = IMAGE_STEPS[recipe.steps[i].step].param(param)
        ranges = getattr(spec, "sweep_range", None)
        start, stop = ranges() if ranges else (spec.max, spec.min)
        if param == "exposure_ev":  # darker is worse: from the picture as taken down to black
            start, stop = 0.0, spec.min
        w1, w2, w3 = st.columns(3)
        w1.number_input(
            f"From ({spec.unit})", spec.min, spec.max, start, key=f"img.sweep_from.{key}"
        )
        w2.number_input(f"To ({spec.unit})", spec.min, spec.max, stop, key=f"img.sweep_to.{key}")
        w3.number_input("Rungs", 2, MAX_RUNGS, 9, key="img.sweep_rungs")
        st.caption(
            "Every rung uses this picture and seed; only the parameter changes. The values stay "
            "hidden while you look; each answer is saved as a review of the recipe with the "
            "parameter as a range, and feeds its fit on the Recipes page (where 'label still "
            "clear' falls below 80%)."
        )
        if st.button("Start sweep", key="img.sweep_start", icon=":material/linear_scale:"):
            try:
                values = ladder(
                    ss[f"img.sweep_from.{key}"], ss[f"img.sweep_to.{key}"], ss["img.sweep_rungs"]
                )
                make_sweep(recipe, key, values, seed=r.seed)  # validates
            except AugcheckError as exc:
                st.error(str(exc))
            else:
                ss["sweep"] = {
                    "modality": "image",
                    "recipe": recipe.to_json(indent=None),
                    "key": key,
                    "values": values,
                    "seed": r.seed,
                    "clip": item.hash,
                    "texture": [ov.hash, ov.name] if (ov and uses_overlay) else None,
                    "box": list(box) if box else None,
                    "noise": None,
                    "ir": None,
                    "answers": {},
                }
                st.switch_page("views/sweep.py")


def sweep_rung(store, state: dict, rung: Recipe, seed: int) -> dict:
    """Show the original and one sweep rung side by side; what to save with the answer."""
    box = state.get("box")
    result = rendered(
        rung.to_json(indent=None),
        state["clip"],
        tuple(state["texture"]) if state.get("texture") else None,
        int(seed),
        tuple(box) if box else None,
        store,
    )
    a1, a2 = st.columns(2)
    a1.image(picture(state["clip"], store), caption="Original (reference)", width="stretch")
    a2.image(result["jpeg"], caption="This rung", width="stretch")
    r = result["rendering"]
    return {"params": r.params, "metrics": r.metrics}
