"""Review: what a labeler sees. One sample at a time, recipe and parameters hidden.

A round of audio recipes is heard (the player, the clean reference beside it); a round of image
recipes is seen: the original picture and the augmented one side by side, at the same size.
"""

from __future__ import annotations

import numpy as np
import streamlit as st
from PIL import Image

from augment import audio
from augment.errors import AugcheckError
from augment.image.io import disguised_png_bytes, encode
from augment.image.labels import parse_label
from augment.review import labeling, round_results, rounds
from views._access import current_user, round_labeler
from views._common import (
    checklist,
    decoded,
    get_store,
    md,
    media_by_hash,
    original_wav,
    render_view,
)
from views._image_view import _crop, _with_box, picture
from views._player import Match, Signal, ab_player

qp = st.query_params
store = get_store()
token = qp.get(rounds.QUERY_PARAM, "")
try:  # the title says what the round asks for; a bad token is reported below
    pictures_round = bool(token) and rounds.get_round(store, token).modality == "image"
except AugcheckError:
    pictures_round = False
st.title("Picture review" if pictures_round else "Listening review")


#: Streamlit re-encodes a picture wider than its content width (1460 px), which would drop the
#: PNG's disguise; wider pictures are shrunk here first, both sides alike.
SCREEN_MAX_PX = 1400


def for_screen(pixels):
    """``pixels`` at most :data:`SCREEN_MAX_PX` wide (Pillow's Lanczos), else unchanged."""
    h, w = pixels.shape[:2]
    if w <= SCREEN_MAX_PX:
        return pixels
    size = (SCREEN_MAX_PX, max(1, round(h * SCREEN_MAX_PX / w)))
    return np.asarray(Image.fromarray(pixels).resize(size, Image.Resampling.LANCZOS))


@st.cache_resource(max_entries=8, show_spinner=False)
def picture_sample(token: str, sample_id: int, _store) -> dict:
    """A picture sample as every labeler sees it (re-made from its seed) and what its answer
    stores; the PNG carries a per-sample random chunk (``disguised_png_bytes``), so not even
    the clean attention check has the original's bytes or URL."""
    sample = rounds.get_sample(_store, token, sample_id)
    r = rounds.render_sample(_store, sample)
    disguise = [sample.round_id, sample.id, sample.seed]
    return {
        "png": disguised_png_bytes(for_screen(r.pixels), seed=disguise),
        "pixels": r.pixels,
        "box": r.box,  # the label's box where it ends up (geometric steps move it)
        "disguise": disguise,
        "params": r.params,
        "metrics": r.metrics,
    }


def around(box, share: float = 0.25) -> list[float]:
    """The region of a label's box with a margin of ``share`` of its longer side (the Studio's
    zoom to the label box)."""
    pad = share * max(box[2] - box[0], box[3] - box[1])
    return [box[0] - pad, box[1] - pad, box[2] + pad, box[3] + pad]


if not token:
    user = current_user()
    if user is None or not user.signed_in:
        st.info(
            "Open your personal round link (you get it from the engineer).", icon=":material/link:"
        )
        st.stop()
    # a signed-in labeler's own rounds and progress (nobody else's)
    mine = []
    for r in rounds.list_rounds(store):
        summary = round_results.labeler_summary(store, r.token, user.id)
        if summary["answered"]:
            mine.append(
                {
                    "round": r.name,
                    "answered": summary["answered"],
                    "of": r.total,
                    "link": f"review?{rounds.QUERY_PARAM}={r.token}",
                }
            )
    if mine:
        st.subheader("Your rounds")
        st.dataframe(
            mine,
            hide_index=True,
            key="review_my_rounds",
            column_config={"link": st.column_config.LinkColumn("open", display_text="open")},
        )
    else:
        st.info("You have not answered in any round yet.", icon=":material/headphones:")
    code = st.text_input("Round code from your link", key="review_code")
    if code:
        qp[rounds.QUERY_PARAM] = code.strip()
        st.rerun()
    st.stop()
try:
    info = rounds.get_round(store, token)
except AugcheckError as exc:
    st.error(md(exc))
    st.stop()
st.caption(f"Round: **{md(info.name)}**")
if info.closed:
    st.info("This round is closed: it takes no more answers. Thank you!", icon=":material/lock:")
    st.stop()

labeler = round_labeler(token)  # the signed-in user, or a signed personal link; else it stops

try:  # a name the store refuses (too long, say) is one line, never a traceback
    sample, done, total = labeling.next_sample(store, token, labeler)
except AugcheckError as exc:
    st.error(md(exc))
    st.stop()
st.progress(done / total if total else 1.0, text=f"{done} of {total}")
if sample is None:
    summary = round_results.labeler_summary(store, token, labeler)
    st.success(
        f"All done: you answered {summary['answered']} samples. Thank you!",
        icon=":material/celebration:",
    )
    share = summary["accept_share"]
    st.caption(
        f"You found {'—' if share is None else f'{100 * share:.0f}%'} of the augmented samples "
        + (
            "realistic with the label still clear."
            if pictures_round
            else "realistic with the words still clear."
        )
    )
    st.stop()

media = media_by_hash()


def pair(h):
    return (h, media[h].name) if h and h in media else None


def show_picture() -> dict:
    """The picture to judge (beside the original when the round offers it); what to save."""
    item = media.get(sample.clip_hash)
    view = picture_sample(token, sample.id, store)
    label = parse_label(item.transcript if item else None) or {}
    st.subheader(f"Picture {done + 1}")
    box = label.get("box")
    zoom = bool(box and view["box"]) and st.toggle(
        "Zoom to the labelled part",
        key="review_zoom",
        help="Both pictures cut to the label's box and a margin around it (where it ends up in "
        "the picture to judge).",
    )
    judged = view["png"]
    if zoom:
        judged = disguised_png_bytes(
            for_screen(_crop(view["pixels"], around(view["box"]))), seed=view["disguise"]
        )
    # PNG, not Streamlit's default JPEG (quality 90) for pictures without alpha: the labeler
    # judges the pixels the seed made, not JPEG artefacts, and the disguise stays
    if info.offer_reference:
        original = _with_box(picture(sample.clip_hash, store), box)
        if zoom:
            original = _crop(original, around(box))
        left, right = st.columns(2)
        left.image(
            encode(for_screen(original), fmt="png"),
            caption="Original" + (" (the box marks the label)" if box else ""),
            width="stretch",
            output_format="PNG",
        )
        right.image(judged, caption="Picture to judge", width="stretch", output_format="PNG")
    else:
        st.image(judged, caption="Picture to judge", width="stretch", output_format="PNG")
    if label.get("class"):
        st.text(f"Label: {label['class']}")  # user text: never markdown
    return view


def play_sample() -> dict:
    """The sample to judge in the player (with the clean reference when offered); what to save."""
    view = render_view(
        sample.recipe.to_json(indent=None),
        sample.clip_hash,
        pair(sample.noise_hash),
        pair(sample.ir_hash),
        sample.seed,
        picture=False,
    )
    st.subheader(f"Sample {done + 1}")
    # never the reference's bytes (or URL), not even for the clean attention check
    judged = Signal(
        "sample",
        "Sample to judge",
        audio.disguised_wav_bytes(
            view["samples"], view["sample_rate"], seed=[sample.round_id, sample.id, sample.seed]
        ),
    )
    if info.offer_reference:
        clean = decoded(sample.clip_hash)
        ab_player(
            [Signal("reference", "Clean reference", original_wav(sample.clip_hash)), judged],
            key="review_player",
            reset_key=f"{token}:{sample.id}",
            match=Match(
                "sample", clean.samples, view["samples"], view["sample_rate"], show_gain=False
            ),
        )
        st.caption(
            "Keys: **1** reference, **2** sample (switching keeps the place), **space** play or "
            "pause; drag on the bar to loop a part."
        )
    else:
        ab_player([judged], key="review_player", reset_key=f"{token}:{sample.id}")
    transcript = media[sample.clip_hash].transcript if sample.clip_hash in media else None
    if transcript:
        st.caption(f"What is said: “{md(transcript)}”")
    return view


try:
    view = show_picture() if info.modality == "image" else play_sample()
except AugcheckError as exc:
    st.error(md(exc))
    st.stop()

answers = checklist(
    f"review_form_{sample.id}",
    "review",
    suffix=f"_{sample.id}",
    submit_label="Save and next",
    submit_key="review_save",
    modality=info.modality,
)
if answers is not None:
    try:
        labeling.answer(
            store,
            token,
            labeler,
            sample.id,
            **answers,
            params=view["params"],
            metrics=view["metrics"],
        )
    except AugcheckError as exc:
        st.error(md(exc))
    else:
        st.rerun()
