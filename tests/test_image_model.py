"""The image model hook and its example plugin (a hand-made scratch detector, not a real model)."""

from __future__ import annotations

import numpy as np
import pytest

from augment.errors import ModelError
from augment.image import render_image
from augment.image.model import image_model_report, load_image_model
from augment.image.synthetic import phone_picture
from augment.recipe import Recipe

SPEC = "plugins.example_image_model:scratch_detector"


def test_the_example_detector_tells_scratched_from_clean():
    model = load_image_model(SPEC)
    for seed in range(3):
        assert model(phone_picture(320, 240, scratched=True, seed=seed)[0])[0] == "scratched"
        assert model(phone_picture(320, 240, scratched=False, seed=seed)[0])[0] == "clean"


def test_darkness_makes_it_miss_the_scratches():
    model = load_image_model(SPEC)
    pixels, _ = phone_picture(320, 240, scratched=True, seed=1)
    dark = render_image(
        Recipe.from_dict({"steps": [{"step": "brightness", "exposure_ev": -4}]}), pixels, seed=0
    ).pixels
    report = image_model_report(model, pixels, dark)
    assert report["label_original"] == "scratched" and report["label_augmented"] == "clean"
    assert report["poor"] is True
    same = image_model_report(model, pixels, pixels[:, ::-1].copy())
    assert same["poor"] is False


def test_configuration(monkeypatch):
    monkeypatch.delenv("AUGCHECK_IMAGE_MODEL", raising=False)
    monkeypatch.delenv("AUGCHECK_MODEL", raising=False)
    assert load_image_model() is None
    monkeypatch.setenv("AUGCHECK_MODEL", SPEC)  # declares modality = "image"
    assert load_image_model().name == SPEC
    monkeypatch.setenv("AUGCHECK_MODEL", "plugins.example_model:energy_classifier")  # audio
    assert load_image_model() is None
    monkeypatch.setenv("AUGCHECK_IMAGE_MODEL", "nope")
    with pytest.raises(ModelError, match="module:function"):
        load_image_model()
    monkeypatch.setenv("AUGCHECK_IMAGE_MODEL", "plugins.example_image_model:missing")
    with pytest.raises(ModelError, match="no function 'missing'"):
        load_image_model()


def test_bad_outputs_are_one_line():
    from augment.image.model import ImageModel

    with pytest.raises(ModelError, match="confidence"):
        ImageModel("m", lambda p: ("x", 2.0))(np.zeros((4, 4), np.uint8))
    with pytest.raises(ModelError, match="failed: ZeroDivisionError"):
        ImageModel("m", lambda p: 1 / 0)(np.zeros((4, 4), np.uint8))
    with pytest.raises(ModelError, match="transcript"):
        ImageModel("m", lambda p: "words")(np.zeros((4, 4), np.uint8))
