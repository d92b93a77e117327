"""Library: the clips, noises and impulse responses augcheck knows; upload and annotate."""

from __future__ import annotations

import streamlit as st

from augment import audio
from augment.errors import AugcheckError
from augment.image.io import EXTENSIONS as IMAGE_EXTENSIONS
from augment.store import IMAGE_KINDS, MEDIA_KINDS, SPLITS
from views._common import KIND_LABELS, get_store, md, original_wav, take_upload
from views._player import Signal, ab_player

st.title("Library")
st.caption("Files are stored by content: the same file uploaded twice is one entry.")
store = get_store()

with st.container(border=True):
    u1, u2 = st.columns([1, 3])
    kind = u1.radio("Kind", MEDIA_KINDS, format_func=KIND_LABELS.get, key="upload_kind")
    u2.file_uploader(
        "Upload",
        type=[*IMAGE_EXTENSIONS]
        if kind in IMAGE_KINDS
        else [*audio.UPLOAD_EXTENSIONS, "m4a", "aac", "mp4"],
        key="library_upload",
        help="PNG, JPEG or WebP" if kind in IMAGE_KINDS else audio.SUPPORTED_FORMATS,
    )
    take_upload("library_upload", kind)

with st.expander("Import transcripts from a CSV", icon=":material/subtitles:"):
    st.caption("Columns `file` (the clip's name, as uploaded) and `transcript`, one row per clip.")
    csv_file = st.file_uploader("Transcripts CSV", type=["csv"], key="transcripts_csv")
    if csv_file is not None and st.button("Import transcripts", key="transcripts_go"):
        try:
            updated, unmatched = store.import_transcripts(csv_file.getvalue())
        except AugcheckError as exc:
            st.error(md(exc))
        else:
            st.success(f"Transcripts set for {len(updated)} clip(s).")
            if unmatched:
                st.warning(f"No clip named: {md(', '.join(unmatched))}")


def delete_box(m) -> None:
    """Delete, after a confirmation that says what the deletion keeps and what it removes."""
    if ss.get("library_confirm_delete") != m.hash:
        if st.button("Delete…", key=f"delete_{m.hash}", icon=":material/delete:"):
            ss["library_confirm_delete"] = m.hash
            st.rerun()
        return
    use = store.media_usage(m.hash)
    rounds_note = f"; {len(use['rounds'])} round(s) use it" if use["rounds"] else ""
    st.warning(
        f"Delete this {KIND_LABELS[m.kind].lower()} for good? Its audio (and transcript) leave "
        f"the database. {use['reviews']} review(s) used it{rounds_note}: they stay, and their "
        "verdicts still count; the item shows as deleted. This cannot be undone.",
        icon=":material/warning:",
    )
    c1, c2 = st.columns(2)
    if c1.button("Delete for good", key=f"delete_yes_{m.hash}", type="primary"):
        store.delete_media(m.hash)
        ss.pop("library_confirm_delete", None)
        ss["library_deleted"] = m.name
        st.rerun()
    if c2.button("Cancel", key=f"delete_no_{m.hash}"):
        ss.pop("library_confirm_delete", None)
        st.rerun()


ss = st.session_state
if ss.get("library_deleted"):
    st.toast(f"Deleted {ss.pop('library_deleted')}", icon=":material/delete:")

for kind in MEDIA_KINDS:
    items = store.list_media(kind)
    st.subheader(f"{KIND_LABELS[kind]}s ({len(items)})")
    if not items:
        st.caption("None yet.")
        continue
    picture = kind in IMAGE_KINDS
    for m in items:
        facts = (
            f"{m.format} · {'grey' if m.channels == 1 else 'colour'}"
            if picture
            else f"{m.format} · {m.sample_rate} Hz"
            + (" · downmixed" if (m.channels or 1) > 1 else "")
        )
        with st.expander(
            f"{md(m.label)} · {facts}" + (" · demo" if m.origin == "demo" else ""),
            expanded=ss.get("library_confirm_delete") == m.hash,
        ):
            if picture:
                st.image(store.media_bytes(m.hash), width=320)
            elif ss.get("library_listening") == m.hash:  # one player on the page at a time
                ab_player(
                    [Signal("original", "Original", original_wav(m.hash))],
                    key="library_player",
                    reset_key=m.hash,
                )
            else:
                st.button(
                    "Listen",
                    key=f"listen_{m.hash}",
                    icon=":material/play_arrow:",
                    on_click=ss.__setitem__,
                    args=("library_listening", m.hash),
                )
            with st.form(f"edit_{m.hash}", border=False):
                name = st.text_input("Name", m.name, key=f"name_{m.hash}")
                transcript = st.text_input(
                    'Label (a class, or JSON {"class": ..., "box": [x0, y0, x1, y1]})'
                    if picture
                    else "Transcript",
                    m.transcript or "",
                    key=f"transcript_{m.hash}",
                )
                split = st.selectbox(
                    "Split",
                    ["", *SPLITS],
                    index=(["", *SPLITS]).index(m.split or ""),
                    key=f"split_{m.hash}",
                    format_func=lambda s: s or "(none)",
                )
                if st.form_submit_button("Save changes", key=f"save_{m.hash}"):
                    try:
                        store.update_media(
                            m.hash,
                            name=name.strip() or m.name,
                            transcript=transcript.strip() or None,
                            split=split or None,
                        )
                    except AugcheckError as exc:
                        st.error(md(exc))
                    else:
                        st.toast(f"Saved {md(name)}")
                        st.rerun()
            st.caption(f"hash {m.hash[:16]}…")
            delete_box(m)
