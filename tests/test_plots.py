import io
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from augment import plots
from tests.conftest import ROOT, SR, noise_signal, speechlike


def test_mel_filterbank_matches_librosa():
    librosa = pytest.importorskip("librosa")
    for sr, n_fft in ((16000, 512), (44100, 2048)):
        ours = plots.mel_filterbank(sr, n_fft, 80, sr / 2)
        ref = librosa.filters.mel(sr=sr, n_fft=n_fft, n_mels=80, fmax=sr / 2, norm=None)
        np.testing.assert_allclose(ours, ref, atol=1e-5)


def test_mel_spectrogram_matches_librosa_within_a_thousandth_of_a_db():
    librosa = pytest.importorskip("librosa")
    y = speechlike(2.0) + noise_signal(2.0)
    ours = plots.mel_spectrogram(y, SR)
    ref = (
        librosa.feature.melspectrogram(
            y=y, sr=SR, n_fft=512, hop_length=128, n_mels=80, norm=None, fmax=SR / 2
        )
        / (512 / 4) ** 2
    )
    ref_db = 10 * np.log10(np.maximum(ref, 1e-12))
    assert ours.db.shape == ref_db.shape
    assert np.max(np.abs(ours.db - ref_db)) < 1e-2


def test_full_scale_sine_peaks_near_zero_db_in_its_band():
    f = 1000.0
    y = np.sin(2 * np.pi * f * np.arange(SR) / SR).astype(np.float32)
    spec = plots.mel_spectrogram(y, SR)
    assert spec.db.max() == pytest.approx(0.0, abs=1.0)
    band = int(np.argmax(spec.db[:, spec.db.shape[1] // 2]))
    centres = plots.mel_to_hz(np.linspace(0, plots.hz_to_mel(SR / 2), 82))[1:-1]
    assert centres[band] == pytest.approx(f, rel=0.1)


def test_quieter_signal_is_darker_on_the_shared_scale():
    y = speechlike(1.0)
    loud = plots.spectrogram_image(plots.mel_spectrogram(y, SR), axis_s=1.0)
    quiet = plots.spectrogram_image(plots.mel_spectrogram(0.01 * y, SR), axis_s=1.0)
    assert loud.shape == quiet.shape == (260, 640, 3)
    assert loud.astype(int).sum() != quiet.astype(int).sum()
    # magma: darker = lower values; 40 dB quieter must be darker inside the plot
    box = (slice(40, 200), slice(80, 520))
    assert quiet[box].mean() < loud[box].mean()


def test_shorter_clip_leaves_the_rest_of_the_axis_blank():
    img = plots.spectrogram_image(plots.mel_spectrogram(speechlike(1.0), SR), axis_s=2.0)
    _, (x0, y0, x1, y1) = plots._frame("", 2.0, SR / 2, 80, (640, 260))
    right = img[y0:y1, x1 - 20 : x1]
    assert (right == 255).all()


def test_png_decodes():
    png = plots.spectrogram_png(plots.mel_spectrogram(speechlike(0.5), SR), title="Original")
    assert Image.open(io.BytesIO(png)).size == (640, 260)


def test_magma_table_matches_matplotlib():
    matplotlib = pytest.importorskip("matplotlib")
    ref = (matplotlib.colormaps["magma"](np.linspace(0, 1, 256))[:, :3] * 255).round()
    np.testing.assert_array_equal(plots._lut(), ref.astype(np.uint8))


@pytest.mark.parametrize("d,axis", [(0.3, 0.5), (2.03, 2.25), (3.9, 4.0), (10.0, 10.0), (37, 40)])
def test_nice_axis(d, axis):
    assert plots.nice_axis_s(d) == axis
    assert plots.nice_axis_s(d) >= d


def test_the_studio_path_imports_neither_librosa_nor_matplotlib():
    code = (
        "import sys, numpy as np\n"
        "from augment import plots, recipe, store\n"
        "plots.spectrogram_png(plots.mel_spectrogram(np.ones(16000, np.float32) * 0.1, 16000))\n"
        "heavy = ('librosa', 'matplotlib', 'numba', 'sklearn')\n"
        "print(sorted(m for m in heavy if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_plot_box_is_where_the_spectrogram_is_drawn():
    """The player's cursor runs from the box's left (0 s) to its right (axis_s)."""
    size = plots.SPECTROGRAM_SIZE_PX
    loud = 0.5 * np.sin(2 * np.pi * 440 * np.arange(2 * SR) / SR).astype(np.float32)
    img = plots.spectrogram_image(plots.mel_spectrogram(loud, SR), axis_s=2.0, size_px=size)
    left, top, right, bottom = plots.plot_box(size)
    x0, y0 = round(left * size[0]), round(top * size[1])
    x1, y1 = round(right * size[0]), round(bottom * size[1])
    inside = img[y0:y1, x0:x1]
    assert (inside != 255).any(axis=2).all(axis=0).all()  # every column inside is painted
    row = (y0 + y1) // 2
    assert (img[row, x0 - 3] == 255).all() and (img[row, x1 + 3] == 255).all()  # white around
