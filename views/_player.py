"""The A/B player every page plays audio with: one Web Audio player, not a row of ``<audio>``s.

A Streamlit ``components.v2`` component (mounted in the page, no iframe, no build step); its code is
``views/_player.js`` and ``views/_player.css``, read from the repository, nothing fetched at run
time. Sounds and pictures reach it as URLs of Streamlit's own media store (the one ``st.audio``
and ``st.image`` use), so a slider move sends only what changed: the original is fetched and
decoded once. Labels are the page's own constants and are set as text, never as HTML.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import streamlit as st

from augment import hints, plots

_HERE = Path(__file__).resolve().parent
_component = st.components.v2.component(
    "augcheck.ab_player",
    js=(_HERE / "_player.js").read_text(encoding="utf-8"),
    css=(_HERE / "_player.css").read_text(encoding="utf-8"),
)

#: Session key of the "match loudness" switch, shared by every page's player.
MATCH_KEY = "player_match_loudness"


@dataclass(frozen=True)
class Signal:
    """One thing the player can play: ``id`` is stable across reruns, ``label`` is shown."""

    id: str
    label: str
    wav: bytes | None
    missing: str = ""  # why there is no sound (the button's tooltip)


@dataclass(frozen=True)
class Picture:
    """A spectrogram (PNG, ``plots.spectrogram_png`` on the player's time axis)."""

    label: str
    png: bytes
    signal: str = ""  # the signal it shows, framed while that one is selected


@dataclass(frozen=True)
class Match:
    """Offer "match loudness": ``signal`` plays at the integrated loudness of ``reference``."""

    signal: str
    reference: np.ndarray
    samples: np.ndarray
    sample_rate: int
    show_gain: bool = True  # False for labelers: "at the reference's loudness", no figure


def _media_url(data: bytes, mimetype: str, coordinates: str) -> str:
    """A URL the browser can fetch ``data`` from, in Streamlit's media store (as ``st.audio``).

    The store forgets a session's files once no element refers to them any more, and gives the
    same content the same URL, so the browser's copy and the player's decoded one are reused.
    """
    from streamlit import config, runtime

    if not runtime.exists():  # bare mode, no server
        return ""
    url = runtime.get_instance().media_file_mgr.add(data, mimetype, coordinates)
    base = (config.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{base}{url}" if base else url


@st.cache_data(max_entries=64, show_spinner=False)
def _lufs(samples: np.ndarray, sample_rate: int) -> float | None:
    return hints.lufs(samples, sample_rate)


def match_gain_db(match: Match) -> tuple[float | None, str]:
    """The playback gain for ``match.signal`` and a note (e.g. that it would clip)."""
    gain, reason = hints.loudness_match_gain_db(
        _lufs(match.reference, match.sample_rate), _lufs(match.samples, match.sample_rate)
    )
    if gain is None:
        return None, f"Cannot match loudness: {reason}."
    peak = float(np.max(np.abs(match.samples))) if len(match.samples) else 0.0
    if peak * 10 ** (gain / 20) > 1.0:
        return gain, "At this gain its peaks pass full scale and clip in playback."
    return gain, ""


def _remember_match(key: str) -> None:
    value = st.session_state.get(key)
    if value is not None and "match_loudness" in value:
        st.session_state[MATCH_KEY] = bool(value["match_loudness"])


def ab_player(
    signals: list[Signal],
    *,
    key: str,
    reset_key: str,
    axis_s: float | None = None,
    pictures: list[Picture] = (),
    match: Match | None = None,
):
    """Mount the player; returns its state (``match_loudness``).

    ``reset_key`` names what is being listened to (a clip, a review sample): when it changes the
    player stops and forgets its loop region; a new rendering of the same clip (a slider move)
    keeps playing at the same position. ``axis_s`` is the time axis of the timeline and of the
    pictures (the longer signal by default).
    """
    ss = st.session_state
    ss.setdefault(MATCH_KEY, False)
    durations = []
    data_signals = []
    for s in signals:
        url = _media_url(s.wav, "audio/wav", f"{key}.{s.id}") if s.wav else None
        data_signals.append({"id": s.id, "label": s.label, "url": url, "missing": s.missing})
        if s.wav:
            durations.append(_wav_duration_s(s.wav))
    if axis_s is None:
        axis_s = plots.nice_axis_s(max(durations, default=1.0))
    data = {
        "signals": data_signals,
        "pictures": [
            {
                "label": p.label,
                "url": _media_url(p.png, "image/png", f"{key}.picture{i}"),
                "signal": p.signal,
            }
            for i, p in enumerate(pictures)
        ],
        "axis_s": float(axis_s),
        "plot_box": list(plots.plot_box()),
        "picture_aspect": plots.SPECTROGRAM_SIZE_PX[0] / plots.SPECTROGRAM_SIZE_PX[1],
        "reset_key": reset_key,
        "match": None,
    }
    if match is not None:
        gain, note = match_gain_db(match) if ss[MATCH_KEY] else (None, "")
        data["match"] = {
            "signal": match.signal,
            "on": ss[MATCH_KEY],
            "gain_db": gain,
            "note": note,
            "show_gain": match.show_gain,
        }
    return _component(
        key=key,
        # as one JSON string: Streamlit checks each first-level value of a dict for a dataframe,
        # and that check imports pandas (0.58 s of the Studio's first run, cProfile) for a list
        data={"json": json.dumps(data)},
        default={"match_loudness": ss[MATCH_KEY]},
        on_match_loudness_change=lambda: _remember_match(key),
        height="content",
    )


def _wav_duration_s(wav: bytes) -> float:
    """Length of a PCM WAV from its header (``audio.to_wav_bytes`` output), without decoding."""
    import io
    import wave

    with wave.open(io.BytesIO(wav)) as w:
        return w.getnframes() / float(w.getframerate())
