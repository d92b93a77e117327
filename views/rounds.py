"""Rounds: an engineer sets up a blind review round for labelers and reads its results."""

from __future__ import annotations

import streamlit as st

from augment.checklist import AGREEMENT_ITEMS
from augment.errors import AugcheckError
from augment.review import round_results, rounds
from augment.review.agreement import WHY_ALPHA, krippendorff_alpha
from views._access import labeler_links, sign_in_configured
from views._common import get_store, md, media_by_hash, reviewer

ss = st.session_state
st.title("Review rounds")
st.caption(
    "Labelers get samples one at a time in their own shuffled order, without the recipe or its "
    "parameters, listen to them (or look at them) and answer the checklist. Hidden attention "
    "checks (the clean original, and a sample nobody can make out: noise at -20 dB SNR, or a "
    "picture 6 EV darker) show who is paying attention."
)
store = get_store()
recipes = store.recipe_rows()
#: what each recipe is for: "audio", "image" (None: no steps, fits either)
kind_of = {r["id"]: store.recipe(r["id"]).modality for r in recipes}
in_review = [r["id"] for r in recipes if r["status"] == "in review"]
names = {r["id"]: r["name"] for r in recipes}
KIND_WORDS = {"audio": "audio", "image": "image", None: "no steps"}


def media_pick(where, label: str, kind: str, key: str) -> list[str]:
    """The library's media of one kind to draw on, all picked to start with."""
    items = media_by_hash(kind)
    return where.multiselect(
        label, list(items), default=list(items), format_func=lambda h: items[h].name, key=key
    )


with st.expander("New round", expanded=not rounds.list_rounds(store), icon=":material/add:"):
    if not recipes:
        st.info("No recipes yet: tune one in the Studio and save a label first.")
    else:
        if not in_review:
            st.info(
                "No recipe has the status *in review*. Set it on the Recipes page, or pick any "
                "recipe below."
            )
        # in review first, of one kind: a round holds one kind of media
        first_kind = next((kind_of[i] for i in in_review if kind_of[i]), None)
        picked = st.multiselect(
            "Recipes (in review first)",
            sorted(names, key=lambda i: (i not in in_review, names[i])),
            default=[i for i in in_review if kind_of[i] in (first_kind, None)],
            format_func=lambda i: f"{names[i]} · {KIND_WORDS[kind_of[i]]} ({i[:8]})",
            key="round_recipes",
        )
        st.caption(
            "A round holds one kind of media: audio recipes, heard on clips, or image recipes, "
            "seen on pictures. For both, make two rounds."
        )
        try:
            modality = rounds.round_modality([store.recipe(i) for i in picked])
        except AugcheckError as exc:
            st.error(md(exc), icon=":material/error:")
            modality = None
        pictures = modality == "image"
        with st.form("new_round", border=False):
            name = st.text_input(
                "Round name",
                key="round_name",
                placeholder="e.g. week 47",
                help="Labelers see this name: don't describe the recipes in it.",
            )
            clip_pick, noise_pick, ir_pick, texture_pick = [], [], [], []
            if pictures:
                c1, c2 = st.columns(2)
                clip_pick = media_pick(c1, "Pictures", "image", "round_pictures")
                texture_pick = media_pick(
                    c2, "Textures (for the overlay step)", "texture", "round_textures"
                )
            else:
                c1, c2, c3 = st.columns(3)
                clip_pick = media_pick(c1, "Clips", "speech", "round_clips")
                noise_pick = media_pick(c2, "Noises", "noise", "round_noises")
                ir_pick = media_pick(c3, "Impulse responses", "impulse_response", "round_irs")
            d1, d2, d3 = st.columns(3)
            per_recipe = d1.number_input("Samples per recipe", 1, 500, 10, key="round_per_recipe")
            share = d2.slider(
                "Share of attention checks", 0.0, 0.5, 0.2, 0.05, key="round_anchor_share"
            )
            threshold = d3.slider(
                "Flag labelers below this anchor accuracy",
                0.0,
                1.0,
                0.8,
                0.05,
                key="round_threshold",
            )
            reference = st.checkbox(
                "Show the original picture beside the augmented one"
                if pictures
                else "Offer the clean original as a reference",
                value=True,
                key="round_reference",
            )
            create = st.form_submit_button(
                "Create round", type="primary", key="round_create", disabled=modality is None
            )
        if create:
            try:
                info = rounds.create_round(
                    store,
                    name=name,
                    recipe_ids=picked,
                    clip_hashes=clip_pick,
                    noise_hashes=noise_pick,
                    ir_hashes=ir_pick,
                    texture_hashes=texture_pick,
                    modality=modality,
                    samples_per_recipe=int(per_recipe),
                    offer_reference=reference,
                    anchor_share=float(share),
                    anchor_threshold=float(threshold),
                    created_by=reviewer() or "unknown",
                )
            except AugcheckError as exc:
                st.error(md(exc))
            else:
                ss["round_pick"] = info.token
                st.toast(f"Round '{md(info.name)}' created: {info.total} samples")

all_rounds = rounds.list_rounds(store)
if not all_rounds:
    st.info("No rounds yet: create one above, then share its link with the labelers.")
    st.stop()

by_token = {r.token: r for r in all_rounds}
if ss.get("round_pick") not in by_token:
    ss["round_pick"] = all_rounds[0].token
token = st.selectbox(
    "Round",
    list(by_token),
    key="round_pick",
    format_func=lambda t: f"{by_token[t].name} · {by_token[t].total} samples",
)
info = by_token[token]
base = st.context.url.split("/rounds")[0].rstrip("/") if st.context.url else ""
link = info.link(f"{base}/review")
if sign_in_configured():
    st.markdown("**Link for labelers**")
    st.code(link, language=None)
    st.caption("Labelers sign in; each answers as themself.")
else:
    st.markdown("**Personal links for labelers**")
    typed = st.text_area(
        "Labelers, one name per line",
        key=f"round_labelers_{token}",
        placeholder="ana\nbo",
        help="Each gets a link with their name, signed by this server: a changed name makes the "
        "link invalid, so nobody can answer as someone else.",
    )
    links = labeler_links(f"{base}/review", token, typed.splitlines() if typed else [])
    if links:
        if not any(r["error"] for r in links):  # a "problem" column only when there is one
            links = [{k: v for k, v in r.items() if k != "error"} for r in links]
        st.dataframe(
            links,
            hide_index=True,
            key="round_labeler_links",
            column_config={"error": st.column_config.TextColumn("problem")},
        )
st.caption(
    f"{'Pictures' if info.modality == 'image' else 'Audio'}. "
    f"{info.total} samples: {info.total - info.n_anchors} from {len(info.recipe_ids)} recipe(s), "
    f"{info.n_anchors} attention checks. Reference "
    f"{'offered' if info.offer_reference else 'not offered'}. Created by {md(info.created_by)}."
)

gone = rounds.unplayable_samples(store, token)
if gone:
    used = sorted({what for whats in gone.values() for what in whats})
    st.warning(
        f"{len(gone)} of {info.total} samples can no longer be played: they use deleted media. "
        "Labelers are not given them any more; answers already given stay and count.",
        icon=":material/delete:",
    )
    st.text("Deleted: " + ", ".join(used))  # names are user text: never markdown
if info.closed:
    st.info(
        f"Closed by {md(info.closed_by)} on {info.closed_at:%Y-%m-%d %H:%M} UTC: the link takes no "
        "more answers and these results are final.",
        icon=":material/lock:",
    )
elif st.button("Close the round", key=f"round_close_{token}", icon=":material/lock:"):
    try:
        rounds.close_round(store, token, by=reviewer())
    except AugcheckError as exc:
        st.error(md(exc))
    else:
        st.rerun()

results = round_results.round_results(store, token)
st.subheader("Results")
if not results["answers"]:
    st.info("No answers yet. Share the link above; results appear here as labelers answer.")
    st.stop()
ag = results["agreement"]


def shown(alpha: float | None) -> str:
    return "n/a" if alpha is None else f"{alpha:.2f}"


def rounded(alpha: float) -> float | None:
    return round(alpha, 2) if alpha == alpha else None  # NaN: undefined


m1, m2, m3, m4 = st.columns(4)
m1.metric("Answers", results["answers"])
m2.metric("Labelers", results["labelers"])
m3.metric("α verdict", shown(ag["verdict"]))
m4.metric("Samples heard by 2+", ag["samples_with_two_or_more"])
st.caption(
    f"α realistic: {shown(ag['realistic'])} · α clear: {shown(ag['clear'])}. "
    "Krippendorff's alpha, nominal; 1 = full agreement, 0 = chance. " + WHY_ALPHA
)
if results["excluded"]:
    st.warning(
        f"Left out of the recipe figures and agreement: {md(', '.join(results['excluded']))} "
        "(anchor accuracy below the threshold)."
    )

answers = round_results.round_answers(store, token)
counted = [a for a in answers if a["kind"] == "recipe" and a["labeler"] not in results["excluded"]]
per_recipe = []
for row in results["per_recipe"]:
    mine = [a for a in counted if a["recipe_id"] == row["recipe_id"]]
    alphas = {
        item: krippendorff_alpha([(a["sample_id"], a["labeler"], a[item]) for a in mine])
        for item in AGREEMENT_ITEMS
    }
    per_recipe.append(
        {
            "recipe": row["recipe"],
            "answers": row["answers"],
            "labelers": row["labelers"],
            "accept %": None if row["accept_share"] is None else round(100 * row["accept_share"]),
            "α verdict": rounded(alphas["verdict"]),
            "α realistic": rounded(alphas["realistic"]),
            "α clear": rounded(alphas["clear"]),
            "id": row["recipe_id"],
        }
    )
st.markdown("**Per recipe**")
st.dataframe(per_recipe, hide_index=True, width="stretch", key="round_per_recipe_table")
st.markdown("**Per labeler**")
st.dataframe(
    [
        {
            "labeler": r["labeler"],
            "answered": r["answered"],
            "remaining": r["remaining"],
            "accept %": None if r["accept_share"] is None else round(100 * r["accept_share"]),
            "anchors": f"{r['anchors_correct']}/{r['anchors_total']}",
            "anchor accuracy": r["anchor_accuracy"],
            "agrees with majority": r["agrees_with_majority"],
            "flagged": r["flagged"],
        }
        for r in results["per_labeler"]
    ],
    hide_index=True,
    width="stretch",
    key="round_per_labeler_table",
)
