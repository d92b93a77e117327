"""The image steps: each does what it says, is reproducible from its seed, refuses bad values."""

from __future__ import annotations

import math

import numpy as np
import pytest

from augment.errors import ImageError, ParameterError
from augment.image import render_image
from augment.image.render import overlay_source
from augment.image.synthetic import phone_picture, scratch_overlay
from augment.recipe import Recipe, render
from augment.steps import STEPS, steps_for

IMAGE_STEPS = sorted(steps_for("image"))


@pytest.fixture(scope="module")
def phone():
    return phone_picture(160, 120, scratched=True, seed=3)


def run(steps, img, *, seed=0, **kw):
    return render_image(Recipe.from_dict({"steps": steps}), img, seed=seed, **kw)


OVERLAYS = [overlay_source("ov1", "scratch overlay", scratch_overlay(64, 24).astype(np.float32))]


def test_the_image_steps_are_registered_as_images():
    assert IMAGE_STEPS == sorted(
        [
            "flip",
            "rotate",
            "brightness",
            "contrast",
            "gamma",
            "blur",
            "sensor_noise",
            "jpeg",
            "scratches",
            "overlay",
        ]
    )
    assert all(STEPS[n].modality == "audio" for n in STEPS if n not in IMAGE_STEPS)


@pytest.mark.parametrize("name", IMAGE_STEPS)
def test_seeded_and_reproducible(phone, name):
    img, _ = phone
    cls = STEPS[name]
    settings = {}
    for p in cls.params:
        if hasattr(p, "min"):  # a range: drawn from the seed
            lo, hi = p.min, p.max
            settings[p.name] = [lo + 0.25 * (hi - lo), lo + 0.5 * (hi - lo)]
        else:
            settings[p.name] = list(p.options)
    steps = [{"step": name, **settings}]
    a = run(steps, img, seed=11, overlays=OVERLAYS)
    b = run(steps, img, seed=11, overlays=OVERLAYS)
    np.testing.assert_array_equal(a.pixels, b.pixels)
    assert a.params == b.params
    assert a.pixels.shape == img.shape and a.pixels.dtype == np.uint8
    others = [run(steps, img, seed=s, overlays=OVERLAYS).params for s in range(12, 16)]
    assert any(o != a.params for o in others), "a range must draw different values per seed"
    for p in cls.params:
        if hasattr(p, "min"):
            lo, hi = settings[p.name]
            assert lo - 0.5 <= a.params[0][p.name] <= hi + 0.5


@pytest.mark.parametrize("name", IMAGE_STEPS)
def test_bad_parameters_are_refused_with_one_line(name):
    cls = STEPS[name]
    for p in cls.params:
        bad_values = (
            [p.max + 1, "x", float("nan"), [p.max, p.min - 1]]
            if hasattr(p, "min")
            else ["sideways"]
        )
        for bad in bad_values:
            if hasattr(p, "min") and isinstance(bad, list) and p.max == p.min - 1:
                continue
            with pytest.raises(ParameterError) as e:
                Recipe.from_dict({"steps": [{"step": name, p.name: bad}]})
            assert name in str(e.value) and "\n" not in str(e.value)
    with pytest.raises(ParameterError, match="unknown parameter"):
        Recipe.from_dict({"steps": [{"step": name, "volume_db": 1}]})


def test_a_recipe_is_one_modality(phone, speech):
    with pytest.raises(ParameterError, match="mixes audio and image steps"):
        Recipe.from_dict({"steps": [{"step": "flip"}, {"step": "gain"}]})
    with pytest.raises(ParameterError, match="for images, not audio"):
        render(Recipe.from_dict({"steps": [{"step": "flip"}]}), speech, 16000, seed=0)
    with pytest.raises(ParameterError, match="for audio, not images"):
        run([{"step": "gain"}], phone[0])
    assert Recipe.from_dict({"steps": [{"step": "blur"}]}).modality == "image"
    assert Recipe.from_dict({"steps": []}).modality is None


def test_flip_directions_and_box(phone):
    img, label = phone
    out = run([{"step": "flip", "direction": "horizontal"}], img, box=label["box"])
    np.testing.assert_array_equal(out.pixels, img[:, ::-1])
    x0, y0, x1, y1 = label["box"]
    assert out.box == [160 - x1, y0, 160 - x0, y1]
    # the box still holds the scratches: its contrast is unchanged by a flip
    assert out.metrics["box_contrast"] == pytest.approx(out.metrics["box_contrast_original"])
    np.testing.assert_array_equal(
        run([{"step": "flip", "direction": "vertical"}], img).pixels, img[::-1]
    )
    np.testing.assert_array_equal(
        run([{"step": "flip", "direction": "both"}], img).pixels, img[::-1, ::-1]
    )
    np.testing.assert_array_equal(run([{"step": "flip", "direction": "none"}], img).pixels, img)


def test_rotate_turns_counter_clockwise_and_moves_the_box():
    img = np.zeros((101, 101), np.uint8)
    img[45:56, 80:91] = 255  # a white square right of the centre
    out = run([{"step": "rotate", "angle_deg": 90}], img, box=[80, 45, 91, 56])
    ys, xs = np.nonzero(out.pixels > 127)
    # counter-clockwise by 90: right of the centre goes to above it
    assert abs(xs.mean() - 50.5) < 1.5 and ys.mean() < 25
    bx0, by0, bx1, by1 = out.box
    assert bx0 <= xs.min() + 1 and bx1 >= xs.max() and by0 <= ys.min() + 1 and by1 >= ys.max()
    assert run([{"step": "rotate", "angle_deg": 0}], img).pixels.tobytes() == img.tobytes()


def test_brightness_is_a_factor_of_two_per_ev(phone):
    img, _ = phone
    out = run([{"step": "brightness", "exposure_ev": -1}], img)
    np.testing.assert_array_equal(out.pixels, np.rint(img / 2.0).astype(np.uint8))
    up = run([{"step": "brightness", "exposure_ev": 3}], img)
    assert up.metrics["white_share"] > 0.5 and up.metrics["luminance_change"] > 0


def test_contrast_about_the_mean(phone):
    img, _ = phone
    f = 0.5
    out = run([{"step": "contrast", "contrast_factor": f}], img).pixels
    mean = img.mean()
    expect = np.clip(np.rint((img - mean) * f + mean), 0, 255)
    assert np.abs(out.astype(int) - expect).max() <= 1
    flat = run([{"step": "contrast", "contrast_factor": 0}], img).pixels
    assert flat.max() - flat.min() <= 1


def test_gamma_keeps_black_and_white():
    img = np.array([[0, 64, 128, 255]], np.uint8)
    out = run([{"step": "gamma", "gamma": 2.0}], img).pixels
    np.testing.assert_array_equal(out, np.rint(255 * (img / 255.0) ** 2).astype(np.uint8))


def test_blur_spreads_a_point_with_the_right_sigma():
    img = np.zeros((61, 61), np.uint8)
    img[30, 30] = 255
    sigma = 3.0
    out = run([{"step": "blur", "sigma_px": sigma}], img, with_metrics=False)
    # blur of a float chain, rounded at the end: measure sigma from the unrounded spread instead
    from augment.steps.blur import Blur

    f = Blur().apply(img.astype(np.float32), {"sigma_px": sigma}, None, None)
    x = np.arange(61) - 30
    measured = math.sqrt((f.sum(axis=0) * x**2).sum() / f.sum())
    assert measured == pytest.approx(sigma, rel=0.03)
    assert out.pixels.max() < 20


@pytest.mark.parametrize("model", ["gaussian", "poisson"])
@pytest.mark.parametrize("psnr", [12.0, 25.0, 40.0])
def test_sensor_noise_psnr_is_exact(phone, model, psnr):
    img, _ = phone
    from augment.steps._image import ImageContext
    from augment.steps.sensor_noise import SensorNoise

    x = img.astype(np.float32)
    ctx = ImageContext()
    y = SensorNoise().apply(x, {"psnr_db": psnr, "model": model}, ctx, np.random.default_rng(1))
    added = (y.astype(np.float64) - x) ** 2
    assert 10 * math.log10(255**2 / added.mean()) == pytest.approx(psnr, abs=1e-3)
    assert ctx.report["noise_psnr_db"] == pytest.approx(psnr, abs=1e-3)
    out = run([{"step": "sensor_noise", "psnr_db": psnr, "model": model}], img)
    assert out.metrics["noise_psnr_db"] == pytest.approx(psnr, abs=1e-3)
    # on the 8-bit output, rounding and clipping move it: a little, unless the noise is strong
    if psnr >= 25:
        assert out.metrics["psnr_db"] == pytest.approx(psnr, abs=0.5)
    else:
        assert out.metrics["psnr_db"] > psnr  # clipping at black and white removes noise


def test_poisson_noise_is_quieter_in_the_dark(phone):
    img, _ = phone
    from augment.steps._image import ImageContext
    from augment.steps.sensor_noise import SensorNoise

    x = img.astype(np.float32)
    y = SensorNoise().apply(
        x, {"psnr_db": 20, "model": "poisson"}, ImageContext(), np.random.default_rng(0)
    )
    lum = x.mean(axis=2)
    d = (y - x).std(axis=2)
    assert d[lum < 60].mean() < 0.8 * d[lum > 150].mean()
    with pytest.raises(ImageError, match="all-black"):
        SensorNoise().apply(
            np.zeros((4, 4), np.float32),
            {"psnr_db": 20, "model": "poisson"},
            ImageContext(),
            np.random.default_rng(0),
        )


def test_jpeg_quality_is_a_whole_number_and_lower_is_worse(phone):
    img, _ = phone
    hi = run([{"step": "jpeg", "quality": 95}], img)
    lo = run([{"step": "jpeg", "quality": 5}], img)
    assert lo.metrics["psnr_db"] < hi.metrics["psnr_db"] - 5
    drawn = run([{"step": "jpeg", "quality": [10, 90]}], img, seed=4).params[0]["quality"]
    assert drawn == int(drawn)


@pytest.mark.parametrize("quality", [1, 30, 75, 95, 100])
def test_jpeg_gives_exactly_pillows_round_trip(phone, quality):
    """The decoder is simplejpeg (faster), the levels are those of Pillow's own round trip."""
    import io

    from PIL import Image

    img, _ = phone
    odd = np.random.default_rng(3).integers(0, 256, (37, 53, 3), dtype=np.uint8)
    for picture in (img, img[..., 0].copy(), odd, odd[..., 2].copy()):
        buf = io.BytesIO()
        Image.fromarray(picture).save(buf, format="JPEG", quality=quality)
        with Image.open(io.BytesIO(buf.getvalue())) as decoded:
            want = np.asarray(decoded)
        got = run([{"step": "jpeg", "quality": quality}], picture).pixels
        assert got.shape == picture.shape
        np.testing.assert_array_equal(got, want)


def test_scratches_come_with_their_mask(phone):
    img, _ = phone
    out = run([{"step": "scratches", "count": 4, "tone": -1.0, "width_px": 3}], img)
    assert out.mask is not None and out.mask.shape == img.shape[:2]
    assert 0 < out.metrics["defect_share"] < 0.2
    lum_in, lum_out = img.mean(axis=2), out.pixels.mean(axis=2)
    assert (lum_out[out.mask] < lum_in[out.mask] - 10).mean() > 0.5
    assert np.array_equal(
        out.pixels[~out.mask & (lum_out == lum_in)], img[~out.mask & (lum_out == lum_in)]
    )
    none = run([{"step": "scratches", "count": 0}], img)
    np.testing.assert_array_equal(none.pixels, img)
    assert not none.mask.any()
    # the mask follows a later flip
    flipped = run(
        [{"step": "scratches", "count": 4, "tone": -1.0, "width_px": 3}, {"step": "flip"}], img
    )
    np.testing.assert_array_equal(flipped.mask, out.mask[:, ::-1])


def test_overlay_pastes_with_alpha_and_needs_a_source(phone):
    img, _ = phone
    out = run([{"step": "overlay", "opacity": 1.0, "scale_frac": 0.5}], img, overlays=OVERLAYS)
    assert out.params[0]["overlay"] == "ov1" and 0 <= out.params[0]["x_frac"] <= 1
    assert out.mask is not None and out.mask.any()
    assert not np.array_equal(out.pixels, img)
    none = run([{"step": "overlay", "opacity": 0.0}], img, overlays=OVERLAYS)
    np.testing.assert_array_equal(none.pixels, img)
    with pytest.raises(ParameterError, match="no overlay picture"):
        run([{"step": "overlay"}], img)


def test_grayscale_pictures_work_with_every_step(phone):
    gray = phone[0].mean(axis=2).astype(np.uint8)
    steps = [{"step": n} for n in IMAGE_STEPS]
    out = run(steps, gray, overlays=OVERLAYS)
    assert out.pixels.shape == gray.shape


def test_turning_a_step_off_does_not_change_what_another_draws(phone):
    img, _ = phone
    a = run([{"step": "brightness", "exposure_ev": [-2, 0]}, {"step": "jpeg"}], img, seed=7)
    b = run([{"step": "brightness", "exposure_ev": [-2, 0]}], img, seed=7)
    assert a.params[0] == b.params[0]


def test_bad_inputs_to_render(phone):
    with pytest.raises(ParameterError, match="seed"):
        run([{"step": "flip"}], phone[0], seed=-1)
    with pytest.raises(ParameterError, match="uint8"):
        run([{"step": "flip"}], phone[0].astype(np.float32))
    with pytest.raises(ParameterError, match="channels"):
        run([{"step": "flip"}], np.zeros((4, 4, 4), np.uint8))


@pytest.mark.parametrize(
    "steps",
    [
        [{"step": "flip"}, {"step": "brightness", "exposure_ev": -1.3}, {"step": "jpeg"}],
        [{"step": "brightness", "exposure_ev": 0.7}],
        [{"step": "contrast", "contrast_factor": 1.4}, {"step": "flip", "direction": "both"}],
        [{"step": "gamma", "gamma": 1.7}, {"step": "jpeg", "quality": 60}, {"step": "contrast"}],
        [{"step": "brightness", "exposure_ev": -0.4}, {"step": "gamma", "gamma": 0.6}],
        [{"step": "jpeg", "quality": 40}, {"step": "brightness", "exposure_ev": 0.3}],
        [{"step": "flip", "direction": "vertical"}, {"step": "contrast", "contrast_factor": 0.7}],
        [{"step": "flip", "direction": ["none"]}, {"step": "gamma", "gamma": 2}, {"step": "blur"}],
        [{"step": "contrast", "contrast_factor": 1.3}, {"step": "jpeg", "quality": 70}],
    ],
)
def test_the_8_bit_fast_path_gives_the_same_pixels(phone, steps):
    img, _ = phone
    for picture in (img, img[..., 1].copy()):
        fast = run(steps, picture, seed=5)
        slow = render_image(Recipe.from_dict({"steps": steps}), picture, seed=5, fast=False)
        np.testing.assert_array_equal(fast.pixels, slow.pixels)
        assert fast.params == slow.params


def _random_pictures(rng):
    """Noise pictures with every level, odd sizes (rows that end off a vector's width), grey,
    views that are not contiguous, and a read-only array (as ``np.asarray`` of a Pillow image)."""
    rgb = rng.integers(0, 256, size=(37, 53, 3), dtype=np.uint8)
    big = rng.integers(0, 256, size=(96, 130, 3), dtype=np.uint8)
    read_only = rgb[::-1].copy()
    read_only.flags.writeable = False
    return [
        rgb,
        read_only,
        rng.integers(0, 256, size=(41, 29), dtype=np.uint8),
        big[5:70, 3:101],
        big[:, ::2],
        rng.integers(0, 256, size=(1, 7, 3), dtype=np.uint8),
    ]


@pytest.mark.parametrize(
    "steps",
    [
        [{"step": "brightness", "exposure_ev": [-6.0, 3.0]}],
        [
            {"step": "flip", "direction": ["horizontal", "none"]},
            {"step": "brightness", "exposure_ev": [-3.0, 1.0]},
        ],
        [
            {"step": "flip", "direction": ["horizontal", "vertical", "none"]},
            {"step": "brightness", "exposure_ev": [-1.5, 0.5]},
            {"step": "jpeg", "quality": [60, 95]},
        ],
        [
            {"step": "contrast", "contrast_factor": [0.5, 1.8]},
            {"step": "flip", "direction": ["vertical", "both"]},
        ],
        [{"step": "gamma", "gamma": [0.4, 2.5]}, {"step": "jpeg", "quality": [30, 90]}],
    ],
)
def test_the_8_bit_level_tables_give_the_float_path_pixels(steps):
    """The fast path looks the 8-bit levels up in a table (StringZilla's translate): on random
    pictures (odd sizes, grey, views that are not contiguous) and drawn values, the very pixels
    of the float chain, which rounds once at the end."""
    rng = np.random.default_rng(12)
    recipe = Recipe.from_dict({"steps": steps})
    for picture in _random_pictures(rng):
        for seed in range(40):
            fast = render_image(recipe, picture, seed=seed, with_metrics=False)
            slow = render_image(recipe, picture, seed=seed, with_metrics=False, fast=False)
            np.testing.assert_array_equal(fast.pixels, slow.pixels)
            assert fast.params == slow.params


@pytest.mark.parametrize("ev", [-1.0, -2.0, 1.0, -0.5849625007211562, 0.0, -6.0, 3.0])
def test_brightness_at_exposures_that_hit_half_levels(ev):
    """Factors 0.5, 0.25, 2/3...: many products end in .5, where the table must round as the
    float chain does."""
    levels = np.arange(256, dtype=np.uint8).reshape(16, 16)
    picture = np.stack([levels, levels.T, levels[::-1]], axis=-1)
    steps = [{"step": "brightness", "exposure_ev": ev}]
    fast = run(steps, picture, with_metrics=False)
    slow = run(steps, picture, with_metrics=False, fast=False)
    np.testing.assert_array_equal(fast.pixels, slow.pixels)
