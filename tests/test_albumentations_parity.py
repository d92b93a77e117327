"""Image recipes exported to albumentations 2.0.8 do what augcheck does (measured, at fixed values).

albumentations is a dev/test dependency only (its MIT line ended with 2.0.8; the successor is
AGPL). The figures these tests bound are the README's albumentations table; run this file with
``-s`` to print them.
"""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pytest

from augment.errors import ParameterError
from augment.export.albumentations import (
    to_albumentations_code,
    to_albumentations_dict,
    to_albumentations_json,
)
from augment.image import render_image
from augment.image.synthetic import phone_picture
from augment.recipe import Recipe

A = pytest.importorskip("albumentations")
warnings.filterwarnings("ignore", module="albumentations")


@pytest.fixture(scope="module")
def phone():
    return phone_picture(320, 240, scratched=True, seed=1)[0]


def both(steps, img, seed=0):
    r = Recipe.from_dict({"steps": steps})
    ours = render_image(r, img, seed=seed).pixels
    t = A.from_dict(to_albumentations_dict(r))
    t.set_random_seed(seed)
    return ours, t(image=img)["image"]


# step, settings, largest allowed |difference| in levels: (max, mean)
CASES = [
    ("flip", {"direction": "horizontal"}, 0, 0.0),
    ("flip", {"direction": "both"}, 0, 0.0),
    ("brightness", {"exposure_ev": -1.5}, 1, 0.6),
    ("brightness", {"exposure_ev": 1.0}, 1, 0.01),
    ("contrast", {"contrast_factor": 1.5}, 1, 0.5),
    ("contrast", {"contrast_factor": 0.6}, 1, 0.5),
    ("gamma", {"gamma": 1.8}, 1, 0.6),
    ("blur", {"sigma_px": 2.0}, 1, 0.02),
    ("rotate", {"angle_deg": 15.0}, 255, 0.5),
    ("jpeg", {"quality": 50.0}, 40, 2.0),
]


@pytest.mark.parametrize("step,settings,max_diff,mean_diff", CASES)
def test_parity_at_fixed_values(phone, step, settings, max_diff, mean_diff):
    ours, theirs = both([{"step": step, **settings}], phone)
    assert ours.shape == theirs.shape and theirs.dtype == np.uint8
    d = np.abs(ours.astype(int) - theirs.astype(int))
    print(f"\n{step} {settings}: max {d.max()} levels, mean {d.mean():.4f}")
    assert d.max() <= max_diff and d.mean() <= mean_diff
    if step == "rotate":  # the same direction: all but the edges agree
        assert np.percentile(d, 99) <= 1


def test_noise_parity_in_power(phone):
    psnr = 30.0
    ours, theirs = both([{"step": "sensor_noise", "psnr_db": psnr}], phone)

    def measured(x):
        mse = np.mean((x.astype(np.float64) - phone) ** 2)
        return 10 * math.log10(255**2 / mse)

    print(
        f"\nsensor_noise {psnr} dB: augcheck {measured(ours):.3f}, albumentations "
        f"{measured(theirs):.3f} dB on the 8-bit outputs"
    )
    assert measured(ours) == pytest.approx(psnr, abs=0.3)
    assert measured(theirs) == pytest.approx(psnr, abs=1.0)


def test_random_flip_choice_draws_both(phone):
    r = Recipe.from_dict({"steps": [{"step": "flip", "direction": ["horizontal", "none"]}]})
    t = A.from_dict(to_albumentations_dict(r))
    t.set_random_seed(0)
    seen = {t(image=phone)["image"].tobytes() for _ in range(12)}
    assert seen == {phone.tobytes(), phone[:, ::-1].tobytes()}


def test_export_round_trips_through_from_dict_and_code(phone):
    r = Recipe.from_dict(
        {
            "name": "phones",
            "steps": [
                {"step": "flip", "direction": ["horizontal", "vertical", "none"]},
                {"step": "rotate", "angle_deg": [-10, 10]},
                {"step": "scratches"},
                {"step": "brightness", "exposure_ev": [-2, 1]},
                {"step": "contrast", "contrast_factor": [0.8, 1.2]},
                {"step": "gamma", "gamma": [0.8, 1.5]},
                {"step": "blur", "sigma_px": [0.5, 1.5]},
                {"step": "sensor_noise", "psnr_db": [25, 40]},
                {"step": "jpeg", "quality": [50, 90]},
            ],
        }
    )
    d = to_albumentations_dict(r)
    loaded = A.from_dict(d)
    full = A.to_dict(loaded)

    def within(ours, theirs):  # every value written is what albumentations itself writes
        if isinstance(ours, dict):
            return all(k in theirs and within(v, theirs[k]) for k, v in ours.items())
        if isinstance(ours, list) and ours and isinstance(ours[0], dict):
            return len(ours) == len(theirs) and all(map(within, ours, theirs))
        return ours == pytest.approx(theirs) if ours is not None else theirs is None

    assert within(d, full)
    assert loaded(image=phone)["image"].shape == phone.shape

    assert json.loads(to_albumentations_json(r)) == d
    code = to_albumentations_code(r)
    assert "# scratches: none" in code
    namespace: dict = {}
    exec(compile(code, "<export>", "exec"), namespace)  # the code is runnable as written
    assert A.to_dict(namespace["transform"]) == full  # the same pipeline


def test_audio_recipes_are_not_exported_to_albumentations():
    with pytest.raises(ParameterError, match="audiomentations"):
        to_albumentations_dict(Recipe.from_dict({"steps": [{"step": "gain"}]}))


def test_the_cli_exports_image_recipes(tmp_path):
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT

    path = tmp_path / "phones.json"
    path.write_text(
        json.dumps({"name": "phones", "steps": [{"step": "flip"}, {"step": "jpeg", "quality": 80}]})
    )
    env = {**os.environ, "AUGCHECK_DATA_DIR": str(tmp_path / "data")}
    env.pop("AUGCHECK_DB_URL", None)

    def cli(*args):
        return subprocess.run(
            [sys.executable, "-m", "augment", *args],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env=env,
            timeout=120,
        )

    out = cli("export", str(path), "--to", "albumentations-json")
    assert out.returncode == 0, out.stderr
    loaded = A.from_dict(json.loads(out.stdout))
    assert [type(t).__name__ for t in loaded.transforms] == ["HorizontalFlip", "ImageCompression"]
    code = cli("export", str(path), "--to", "albumentations")
    assert code.returncode == 0 and "A.ImageCompression(" in code.stdout
    audio = cli("export", str(path), "--to", "audiomentations")
    assert audio.returncode == 2 and audio.stderr.startswith("error: ")
