"""Mel spectrograms, computed and drawn quickly enough for a rerun on every slider move.

The dB scale is absolute (0 dB = a full-scale sine's peak bin), fixed from ``VMIN_DB`` to
``VMAX_DB``, so the original and the augmented sample share one colour scale without one waiting
for the other: the original's image is drawn once and cached while the sliders move.

Drawing uses matplotlib's object API with a fixed layout (no pyplot, no tight_layout, no
librosa.display): benchmarks/studio_rerun.py measures it against the usual specshow path.
"""

from __future__ import annotations

import io
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


@lru_cache(maxsize=16)
def _mel_basis(sample_rate: int, n_fft: int, n_mels: int, fmax: float) -> np.ndarray:
    import librosa.filters

    return librosa.filters.mel(
        sr=sample_rate, n_fft=n_fft, n_mels=n_mels, fmax=fmax, norm=None
    ).astype(np.float32)


def mel_spectrogram(y: np.ndarray, sample_rate: int, *, n_mels: int = N_MELS) -> MelSpectrogram:
    """Power mel spectrogram in dB, referenced so a full-scale sine peaks near 0 dB."""
    import librosa

    n_fft = fft_size(sample_rate)
    hop = n_fft // 4
    fmax = sample_rate / 2.0
    y = np.asarray(y, dtype=np.float32)
    if len(y) < n_fft:
        y = np.pad(y, (0, n_fft - len(y)))
    spec = np.abs(librosa.stft(y, n_fft=n_fft, hop_length=hop, center=True)) ** 2
    # a full-scale sine under a Hann window has a peak bin magnitude of n_fft / 4
    spec /= (n_fft / 4.0) ** 2
    mel = _mel_basis(int(sample_rate), n_fft, n_mels, fmax) @ spec
    # filters peak at 1 (norm=None), so a tone keeps its level in the band it falls in
    db = 10.0 * np.log10(np.maximum(mel, 1e-12))
    return MelSpectrogram(db.astype(np.float32), int(sample_rate), hop, fmax, len(y) / sample_rate)


def _hz_to_mel(hz):
    import librosa

    return librosa.hz_to_mel(hz)


@lru_cache(maxsize=1)
def _lut(cmap: str = "magma") -> np.ndarray:
    import matplotlib

    return (matplotlib.colormaps[cmap](np.linspace(0.0, 1.0, 256))[:, :3] * 255).astype(np.uint8)


@lru_cache(maxsize=32)
def _frame(
    title: str, axis_s: float, fmax: float, n_mels: int, size_px: tuple[int, int], dpi: int
) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """The axes, ticks, labels and colour bar, drawn once; returns RGB pixels and the plot box.

    Only the pixels inside the box change from one rendering to the next, so they are pasted
    into a copy of this frame instead of asking matplotlib to lay out and draw it all again.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    width_px, height_px = size_px
    fig = Figure(figsize=(width_px / dpi, height_px / dpi), dpi=dpi)
    canvas = FigureCanvasAgg(fig)
    ax = fig.add_axes((0.1, 0.18, 0.74, 0.7))
    cax = fig.add_axes((0.86, 0.18, 0.025, 0.7))
    im = ax.imshow(
        np.full((2, 2), VMIN_DB),
        origin="lower",
        aspect="auto",
        extent=(0.0, axis_s, 0.0, float(n_mels)),
        vmin=VMIN_DB,
        vmax=VMAX_DB,
        cmap="magma",
    )
    ax.set_xlim(0.0, axis_s)
    ax.set_ylim(0.0, float(n_mels))
    ticks_hz = [h for h in (0, 250, 500, 1000, 2000, 4000, 8000, 16000) if h <= fmax]
    mel_top = float(_hz_to_mel(fmax))
    ax.set_yticks([n_mels * float(_hz_to_mel(h)) / mel_top for h in ticks_hz])
    ax.set_yticklabels([f"{h // 1000}k" if h >= 1000 else str(h) for h in ticks_hz])
    ax.set_ylabel("frequency (Hz)", fontsize=8)
    ax.set_xlabel("time (s)", fontsize=8)
    ax.tick_params(labelsize=7)
    if title:
        ax.set_title(title, fontsize=9, loc="left")
    cb = fig.colorbar(im, cax=cax)
    cb.set_label("dB re full scale", fontsize=7)
    cb.ax.tick_params(labelsize=7)
    canvas.draw()
    rgb = np.asarray(canvas.buffer_rgba())[:, :, :3].copy()
    x0, y0, x1, y1 = ax.get_window_extent().extents
    h = rgb.shape[0]
    box = (int(round(x0)) + 1, int(round(h - y1)) + 1, int(round(x1)) - 1, int(round(h - y0)) - 1)
    return rgb, box


def spectrogram_image(
    spec: MelSpectrogram,
    *,
    title: str = "",
    axis_s: float | None = None,
    size_px: tuple[int, int] = (640, 260),
    dpi: int = 100,
) -> np.ndarray:
    """RGB pixels of a mel spectrogram with time in s, frequency in Hz and a dB colour bar.

    ``axis_s`` sets the time axis (pass the longer of two clips to compare them on one axis).
    """
    n_mels, n_frames = spec.db.shape
    axis_s = float(axis_s or spec.duration_s)
    frame, (x0, y0, x1, y1) = _frame(title, round(axis_s, 3), spec.fmax, n_mels, size_px, dpi)
    img = frame.copy()
    w, h = x1 - x0, y1 - y0
    t = (np.arange(w) + 0.5) / w * axis_s
    cols = np.floor(t * spec.sample_rate / spec.hop_length).astype(int)
    inside = cols < n_frames
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


#: Colours of the checklist items in effect plots.
ITEM_COLOURS = {"clear": "#1f77b4", "realistic": "#d62728", "both": "#2ca02c"}


def effect_png(
    *,
    xlabel: str,
    curves: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]],
    points: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]],
    marks: dict[str, float | None] | None = None,
    title: str = "",
    size_in: tuple[float, float] = (6.4, 3.2),
    dpi: int = 100,
) -> bytes:
    """Share of "yes" answers against a parameter value: fitted curves with bands, binned shares.

    ``curves[item] = (x, p, lo, hi)``; ``points[item] = (x, share, lo, hi)`` (Wilson intervals);
    ``marks`` names vertical lines (e.g. ``{"clear 80%": 4.6}``).
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=size_in, dpi=dpi)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.1, 0.16, 0.62, 0.72))
    for item, (x, p, lo, hi) in curves.items():
        colour = ITEM_COLOURS.get(item, "#555555")
        ax.fill_between(x, lo, hi, color=colour, alpha=0.15, linewidth=0)
        ax.plot(x, p, color=colour, linewidth=1.8, label=f"{item} (fit, 95% band)")
    for item, (x, share, lo, hi) in points.items():
        colour = ITEM_COLOURS.get(item, "#555555")
        yerr = np.vstack([np.asarray(share) - lo, np.asarray(hi) - share])
        ax.errorbar(
            x,
            share,
            yerr=yerr,
            fmt="o",
            color=colour,
            markersize=4,
            capsize=2,
            linewidth=0.8,
            label=f"{item} (observed)",
        )
    for y in (0.5, 0.8):
        ax.axhline(y, color="#999999", linewidth=0.7, linestyle=":")
    for label, x in (marks or {}).items():
        if x is not None and np.isfinite(x):
            ax.axvline(x, color="#444444", linewidth=0.8, linestyle="--")
            ax.annotate(
                label,
                (x, 1.02),
                xycoords=("data", "axes fraction"),
                fontsize=7,
                ha="center",
                rotation=0,
            )
    ax.set_ylim(-0.02, 1.02)
    ax.set_ylabel("share of answers 'yes'", fontsize=8)
    ax.set_xlabel(xlabel, fontsize=8)
    ax.tick_params(labelsize=7)
    if title:
        ax.set_title(title, fontsize=9, loc="left", pad=14)
    ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.02, 0.5), frameon=False)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()
