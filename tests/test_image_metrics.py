"""Image measures: PSNR exactly as defined, SSIM against scikit-image, clipping, box contrast."""

from __future__ import annotations

import math

import numpy as np
import pytest

from augment.image import luminance
from augment.image import metrics as m
from augment.image.synthetic import phone_picture

skimage_metrics = pytest.importorskip("skimage.metrics")  # dev dependency: the reference


@pytest.fixture(scope="module")
def pair():
    a, _ = phone_picture(200, 150, scratched=True, seed=2)
    rng = np.random.default_rng(5)
    b = np.clip(a.astype(int) + rng.integers(-20, 21, a.shape), 0, 255).astype(np.uint8)
    return a, b


def test_psnr_is_exact(pair):
    a, b = pair
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    assert m.psnr_db(a, b) == pytest.approx(10 * math.log10(255**2 / mse), abs=1e-12)
    ref = skimage_metrics.peak_signal_noise_ratio(a, b, data_range=255)
    assert m.psnr_db(a, b) == pytest.approx(ref, abs=1e-9)
    assert m.psnr_db(a, a) == math.inf
    # a known MSE of 1 everywhere: 20 log10(255) dB
    c = a.astype(np.int16)
    c = np.where(c < 255, c + 1, c - 1).astype(np.uint8)
    assert m.psnr_db(a, c) == pytest.approx(20 * math.log10(255), abs=1e-12)


def test_ssim_matches_scikit_image(pair):
    a, b = pair
    ref = skimage_metrics.structural_similarity(
        luminance(a).astype(np.float64),
        luminance(b).astype(np.float64),
        gaussian_weights=True,
        sigma=1.5,
        use_sample_covariance=False,
        data_range=255,
    )
    assert m.ssim(a, b) == pytest.approx(ref, abs=1e-4)
    assert m.ssim(a, a) == pytest.approx(1.0, abs=1e-9)
    assert m.ssim(a, b) < 0.9


def test_clipped_share_counts_pure_black_and_white():
    img = np.full((10, 10, 3), 128, np.uint8)
    img[0, :] = 0  # 10 pure black
    img[1, :5] = 255  # 5 pure white
    img[2, :, 0] = 255  # one channel at 255 is not pure white
    black, white = m.clipped_share(img)
    assert (black, white) == (0.10, 0.05)
    assert m.clipped_share(img[..., 0]) == (0.10, 0.15)


def test_box_contrast_is_rms_contrast_inside_the_box():
    img = np.zeros((20, 20), np.uint8)
    img[5:10, 5:15] = 255  # half of the box [5, 5, 15, 15] is white
    assert m.box_contrast(img, [5, 5, 15, 15]) == pytest.approx(0.5)
    assert m.box_contrast(img, [0, 0, 4, 4]) == 0.0
    assert m.box_contrast(img, [30, 30, 40, 40]) is None


def test_compare_reports_luminance_change(pair):
    a, _ = pair
    darker = (a // 2).astype(np.uint8)
    out = m.compare(a, darker, box=[10, 10, 60, 60])
    assert out["luminance_change"] == pytest.approx(
        out["mean_luminance"] - out["mean_luminance_original"], abs=2e-3
    )
    assert out["luminance_change"] < -40
    assert out["box_contrast"] < out["box_contrast_original"]
    assert out["psnr_db"] is not None and out["ssim"] is not None


def test_ssim_on_a_shrunk_picture_matches_scikit_image_on_the_same_shrink(pair):
    a, b = pair
    assert m.ssim_factor(a.shape, 10_000) == 2  # 200 x 150 = 30,000 pixels
    la = m._shrink(luminance(a).astype(np.float64), 2)
    lb = m._shrink(luminance(b).astype(np.float64), 2)
    ref = skimage_metrics.structural_similarity(
        la, lb, gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=255
    )
    assert m.ssim(a, b, max_pixels=10_000) == pytest.approx(ref, abs=1e-4)
    assert m.ssim(a, b, max_pixels=10**9) == m.ssim(a, b)
