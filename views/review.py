"""Review: what a labeler sees. One sample at a time, recipe and parameters hidden."""

from __future__ import annotations

import streamlit as st

from augment import audio
from augment.errors import AugcheckError
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
from views._player import Match, Signal, ab_player

qp = st.query_params
store = get_store()
st.title("Listening review")

token = qp.get(rounds.QUERY_PARAM, "")
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
        "realistic with the words still clear."
    )
    st.stop()

media = media_by_hash()


def pair(h):
    return (h, media[h].name) if h and h in media else None


try:
    view = render_view(
        sample.recipe.to_json(indent=None),
        sample.clip_hash,
        pair(sample.noise_hash),
        pair(sample.ir_hash),
        sample.seed,
        picture=False,
    )
except AugcheckError as exc:
    st.error(md(exc))
    st.stop()

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
        match=Match("sample", clean.samples, view["samples"], view["sample_rate"], show_gain=False),
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

answers = checklist(
    f"review_form_{sample.id}",
    "review",
    suffix=f"_{sample.id}",
    submit_label="Save and next",
    submit_key="review_save",
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
