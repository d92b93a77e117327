"""Mel spectrograms, computed and drawn quickly enough for a rerun on every slider move.

The dB scale is absolute (0 dB = a full-scale sine's peak bin), fixed from ``VMIN_DB`` to
``VMAX_DB``, so the original and the augmented sample share one colour scale without one waiting
for the other: the original's image is drawn once and cached while the sliders move.

Why the STFT, the mel filterbank and the axes are written here and not taken from librosa and
matplotlib: the Studio's cold start must stay under 8 s, and importing librosa (numba, scipy.signal)
and matplotlib cost about 6 s of it on a 2-core machine. The STFT is numpy's rfft over Hann-windowed
frames, the filterbank is librosa's Slaney mel formula (tests/test_plots.py checks both against
librosa), and the axes, ticks and colour bar are drawn once per size and time axis with Pillow,
then the coloured pixels are pasted in. benchmarks/studio_rerun.py measures this against the usual
librosa.display.specshow + tight_layout + savefig path.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

VMIN_DB = -100.0
VMAX_DB = 0.0
N_MELS = 80


@dataclass(frozen=True)
class MelSpectrogram:
    db: np.ndarray  # (n_mels, n_frames), dB re full scale
    sample_rate: int
    hop_length: int
    fmax: float
    duration_s: float


def fft_size(sample_rate: int) -> int:
    """About 32 ms windows: 512 at 16 kHz, 1024 at 32-48 kHz."""
    return int(2 ** np.ceil(np.log2(0.032 * sample_rate)))


# Slaney's mel scale, as librosa's default (htk=False): linear below 1 kHz, logarithmic above.
_F_SP = 200.0 / 3.0
_MIN_LOG_HZ = 1000.0
_MIN_LOG_MEL = _MIN_LOG_HZ / _F_SP
_LOGSTEP = math.log(6.4) / 27.0


def hz_to_mel(hz):
    hz = np.asarray(hz, dtype=np.float64)
    linear = hz / _F_SP
    log = _MIN_LOG_MEL + np.log(np.maximum(hz, 1e-10) / _MIN_LOG_HZ) / _LOGSTEP
    return np.where(hz >= _MIN_LOG_HZ, log, linear)


def mel_to_hz(mel):
    mel = np.asarray(mel, dtype=np.float64)
    linear = mel * _F_SP
    log = _MIN_LOG_HZ * np.exp(_LOGSTEP * (mel - _MIN_LOG_MEL))
    return np.where(mel >= _MIN_LOG_MEL, log, linear)


@lru_cache(maxsize=16)
def mel_filterbank(sample_rate: int, n_fft: int, n_mels: int, fmax: float) -> np.ndarray:
    """Triangular mel filters peaking at 1 (librosa.filters.mel with norm=None), (n_mels, bins)."""
    fft_hz = np.fft.rfftfreq(n_fft, 1.0 / sample_rate)
    edges = mel_to_hz(np.linspace(hz_to_mel(0.0), hz_to_mel(fmax), n_mels + 2))
    widths = np.diff(edges)
    ramps = edges[:, None] - fft_hz[None, :]
    lower = -ramps[:-2] / widths[:-1, None]
    upper = ramps[2:] / widths[1:, None]
    return np.maximum(0.0, np.minimum(lower, upper)).astype(np.float32)


@lru_cache(maxsize=8)
def _hann(n: int) -> np.ndarray:
    return (0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(n) / n)).astype(np.float32)  # periodic


def stft_power(y: np.ndarray, n_fft: int, hop: int) -> np.ndarray:
    """|STFT|^2 with centred frames (zero padding), as librosa.stft(center=True), (bins, frames)."""
    padded = np.pad(np.asarray(y, dtype=np.float32), n_fft // 2)
    frames = np.lib.stride_tricks.sliding_window_view(padded, n_fft)[::hop]
    spec = np.fft.rfft(frames * _hann(n_fft), axis=1)
    return (spec.real**2 + spec.imag**2).T


def mel_spectrogram(y: np.ndarray, sample_rate: int, *, n_mels: int = N_MELS) -> MelSpectrogram:
    """Power mel spectrogram in dB, referenced so a full-scale sine peaks near 0 dB."""
    n_fft = fft_size(sample_rate)
    hop = n_fft // 4
    fmax = sample_rate / 2.0
    y = np.asarray(y, dtype=np.float32)
    duration = len(y) / sample_rate
    if len(y) < n_fft:
        y = np.pad(y, (0, n_fft - len(y)))
    # a full-scale sine under a Hann window has a peak bin magnitude of n_fft / 4
    spec = stft_power(y, n_fft, hop) / (n_fft / 4.0) ** 2
    # filters peak at 1 (norm=None), so a tone keeps its level in the band it falls in
    mel = mel_filterbank(int(sample_rate), n_fft, n_mels, fmax) @ spec
    db = 10.0 * np.log10(np.maximum(mel, 1e-12))
    return MelSpectrogram(db.astype(np.float32), int(sample_rate), hop, fmax, duration)


def nice_axis_s(duration_s: float) -> float:
    """Round a time axis up to a tidy length, so small length changes reuse the drawn frame."""
    for step in (0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0):
        if duration_s <= step * 10:
            return math.ceil(duration_s / step - 1e-9) * step or step
    return math.ceil(duration_s / 60.0) * 60.0


@lru_cache(maxsize=1)
def _lut() -> np.ndarray:
    from augment._magma import MAGMA_HEX

    return np.frombuffer(bytes.fromhex(MAGMA_HEX), dtype=np.uint8).reshape(256, 3)


@lru_cache(maxsize=4)
def _font(size: int):
    from PIL import ImageFont

    return ImageFont.load_default(size=size)


def _ticks(lo: float, hi: float, target: int = 6) -> list[float]:
    raw = (hi - lo) / target
    mag = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1.0
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    first = math.ceil(lo / step - 1e-9) * step
    return [round(first + i * step, 6) for i in range(int((hi - first) / step + 1e-9) + 1)]


def _vertical_text(img, text: str, xy: tuple[int, int], font) -> None:
    from PIL import Image, ImageDraw

    left, top, right, bottom = font.getbbox(text)
    label = Image.new("RGB", (right - left + 2, bottom - top + 2), "white")
    ImageDraw.Draw(label).text((1 - left, 1 - top), text, fill="#333333", font=font)
    rotated = label.rotate(90, expand=True)
    img.paste(rotated, (xy[0], xy[1] - rotated.height // 2))


#: Size of a spectrogram picture in pixels (width, height).
SPECTROGRAM_SIZE_PX = (640, 260)


def _plot_box_px(size_px: tuple[int, int]) -> tuple[int, int, int, int]:
    width, height = size_px
    return 58, 24, width - 92, height - 40


def plot_box(size_px: tuple[int, int] = SPECTROGRAM_SIZE_PX) -> tuple[float, ...]:
    """Where the spectrogram sits in its picture, as fractions ``(left, top, right, bottom)``;
    time 0 is at ``left`` and the picture's ``axis_s`` at ``right`` (a player's cursor uses it)."""
    x0, y0, x1, y1 = _plot_box_px(size_px)
    w, h = size_px
    return (x0 / w, y0 / h, x1 / w, y1 / h)


@lru_cache(maxsize=32)
def _frame(
    title: str, axis_s: float, fmax: float, n_mels: int, size_px: tuple[int, int]
) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """The axes, ticks, labels and colour bar, drawn once; returns RGB pixels and the plot box.

    Only the pixels inside the box change from one rendering to the next, so they are pasted
    into a copy of this frame.
    """
    from PIL import Image, ImageDraw

    width, height = size_px
    img = Image.new("RGB", size_px, "white")
    draw = ImageDraw.Draw(img)
    small, normal = _font(10), _font(12)
    x0, y0, x1, y1 = _plot_box_px(size_px)
    draw.rectangle((x0 - 1, y0 - 1, x1, y1), outline="#333333")
    if title:
        draw.text((x0, 4), title, fill="#111111", font=normal)
    for t in _ticks(0.0, axis_s):
        x = x0 + (x1 - x0) * t / axis_s
        draw.line((x, y1, x, y1 + 4), fill="#333333")
        draw.text((x, y1 + 6), f"{t:g}", fill="#333333", font=small, anchor="mt")
    draw.text(((x0 + x1) / 2, height - 4), "time (s)", fill="#333333", font=small, anchor="md")
    mel_top = float(hz_to_mel(fmax))
    for hz in (0, 250, 500, 1000, 2000, 4000, 8000, 16000):
        if hz > fmax:
            break
        y = y1 - (y1 - y0) * float(hz_to_mel(hz)) / mel_top
        draw.line((x0 - 4, y, x0 - 1, y), fill="#333333")
        text = f"{hz // 1000}k" if hz >= 1000 else str(hz)
        draw.text((x0 - 6, y), text, fill="#333333", font=small, anchor="rm")
    _vertical_text(img, "frequency (Hz)", (4, (y0 + y1) // 2), small)
    # colour bar
    cx0, cx1 = x1 + 12, x1 + 24
    ramp = np.linspace(255, 0, y1 - y0).astype(np.uint8)
    bar = np.repeat(_lut()[ramp][:, None, :], cx1 - cx0, axis=1)
    img.paste(Image.fromarray(bar), (cx0, y0))
    draw.rectangle((cx0 - 1, y0 - 1, cx1, y1), outline="#333333")
    for db in range(int(VMAX_DB), int(VMIN_DB) - 1, -20):
        y = y0 + (y1 - y0) * (VMAX_DB - db) / (VMAX_DB - VMIN_DB)
        draw.line((cx1, y, cx1 + 3, y), fill="#333333")
        draw.text((cx1 + 5, y), str(db), fill="#333333", font=small, anchor="lm")
    _vertical_text(img, "dB re full scale", (width - 16, (y0 + y1) // 2), small)
    return np.asarray(img).copy(), (x0, y0, x1, y1)


def spectrogram_image(
    spec: MelSpectrogram,
    *,
    title: str = "",
    axis_s: float | None = None,
    size_px: tuple[int, int] = SPECTROGRAM_SIZE_PX,
) -> np.ndarray:
    """RGB pixels of a mel spectrogram with time in s, frequency in Hz and a dB colour bar.

    ``axis_s`` sets the time axis (pass the longer of two clips to compare them on one axis).
    """
    n_mels, n_frames = spec.db.shape
    axis_s = float(axis_s or nice_axis_s(spec.duration_s))
    frame, (x0, y0, x1, y1) = _frame(title, round(axis_s, 3), spec.fmax, n_mels, size_px)
    img = frame.copy()
    w, h = x1 - x0, y1 - y0
    t = (np.arange(w) + 0.5) / w * axis_s
    cols = np.floor(t * spec.sample_rate / spec.hop_length).astype(int)
    inside = t < spec.duration_s
    rows = (n_mels - 1 - np.floor((np.arange(h) + 0.5) / h * n_mels)).astype(int)
    scaled = (spec.db - VMIN_DB) / (VMAX_DB - VMIN_DB) * 255.0
    idx = np.clip(scaled, 0, 255).astype(np.uint8)
    patch = _lut()[idx[np.ix_(rows, np.minimum(cols, n_frames - 1))]]
    patch[:, ~inside] = 255  # past the end of a shorter clip: blank
    img[y0:y1, x0:x1] = patch
    return img


def spectrogram_png(spec: MelSpectrogram, **kwargs) -> bytes:
    """:func:`spectrogram_image` encoded as PNG (fast compression)."""
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(spectrogram_image(spec, **kwargs)).save(buf, format="PNG", compress_level=1)
    return buf.getvalue()


#: Colours of the checklist items in effect charts.
ITEM_COLOURS = {"clear": "#1f77b4", "realistic": "#d62728", "both": "#2ca02c"}


def _num(v) -> float | None:
    v = float(v)
    return v if math.isfinite(v) else None


def effect_chart(
    *,
    xlabel: str,
    curves: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]],
    points: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]],
    marks: dict[str, float | None] | None = None,
    title: str = "",
    max_curve_points: int = 120,
) -> dict:
    """A Vega-Lite spec (data inline): share of "yes" answers against a parameter value.

    ``curves[item] = (x, p, lo, hi)`` (fit and its 95% band); ``points[item] = (x, share, lo,
    hi)`` (binned shares with Wilson intervals); ``marks`` names vertical lines, e.g.
    ``{"clear 80%": 4.6}``. Drawn by the browser, so the server spends no time on pictures.
    """
    curve_rows, point_rows = [], []
    for item, (x, p, lo, hi) in curves.items():
        step = max(1, len(x) // max_curve_points)
        for i in range(0, len(x), step):
            curve_rows.append(
                {
                    "x": _num(x[i]),
                    "p": _num(p[i]),
                    "lo": _num(lo[i]),
                    "hi": _num(hi[i]),
                    "answer": item,
                }
            )
    for item, (x, share, lo, hi) in points.items():
        for i in range(len(x)):
            point_rows.append(
                {
                    "x": _num(x[i]),
                    "share": _num(share[i]),
                    "lo": _num(lo[i]),
                    "hi": _num(hi[i]),
                    "answer": item,
                }
            )
    items = [i for i in ITEM_COLOURS if i in curves or i in points]
    colour = {
        "field": "answer",
        "type": "nominal",
        "title": "answer",
        "scale": {"domain": items, "range": [ITEM_COLOURS[i] for i in items]},
    }
    x_enc = {"field": "x", "type": "quantitative", "title": xlabel, "scale": {"zero": False}}
    y_scale = {"domain": [0, 1]}
    layers: list[dict] = [
        {
            "data": {"values": [{"y": 0.5}, {"y": 0.8}]},
            "mark": {"type": "rule", "strokeDash": [2, 3], "color": "#999999"},
            "encoding": {"y": {"field": "y", "type": "quantitative", "scale": y_scale}},
        }
    ]
    if curve_rows:
        layers += [
            {
                "data": {"values": curve_rows},
                "mark": {"type": "area", "opacity": 0.15},
                "encoding": {
                    "x": x_enc,
                    "y": {
                        "field": "lo",
                        "type": "quantitative",
                        "scale": y_scale,
                        "title": "share of answers 'yes'",
                    },
                    "y2": {"field": "hi"},
                    "color": colour,
                },
            },
            {
                "data": {"values": curve_rows},
                "mark": {"type": "line", "strokeWidth": 2},
                "encoding": {
                    "x": x_enc,
                    "y": {"field": "p", "type": "quantitative", "scale": y_scale},
                    "color": colour,
                },
            },
        ]
    if point_rows:
        layers += [
            {
                "data": {"values": point_rows},
                "mark": {"type": "rule"},
                "encoding": {
                    "x": x_enc,
                    "y": {"field": "lo", "type": "quantitative", "scale": y_scale},
                    "y2": {"field": "hi"},
                    "color": colour,
                },
            },
            {
                "data": {"values": point_rows},
                "mark": {"type": "point", "filled": True, "size": 50},
                "encoding": {
                    "x": x_enc,
                    "y": {
                        "field": "share",
                        "type": "quantitative",
                        "scale": y_scale,
                        "title": "share of answers 'yes'",
                    },
                    "color": colour,
                    "tooltip": [
                        {"field": "answer"},
                        {"field": "x", "title": xlabel, "format": ".2f"},
                        {"field": "share", "format": ".0%"},
                        {"field": "lo", "title": "95% low", "format": ".0%"},
                        {"field": "hi", "title": "95% high", "format": ".0%"},
                    ],
                },
            },
        ]
    mark_rows = [
        {"x": _num(v), "label": k}
        for k, v in (marks or {}).items()
        if v is not None and math.isfinite(v)
    ]
    if mark_rows:
        layers += [
            {
                "data": {"values": mark_rows},
                "mark": {"type": "rule", "strokeDash": [5, 3], "color": "#444444"},
                "encoding": {"x": x_enc},
            },
            {
                "data": {"values": mark_rows},
                "mark": {"type": "text", "dy": -6, "fontSize": 10, "color": "#444444"},
                "encoding": {"x": x_enc, "y": {"value": 0}, "text": {"field": "label"}},
            },
        ]
    return {"title": title, "height": 260, "layer": layers}
