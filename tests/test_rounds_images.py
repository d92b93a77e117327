"""Review rounds of image recipes: one kind of media per round, pictures re-made bit for bit.

Real pictures (the generated demo phones, PNG-encoded), a real SQLite file and a real
PostgreSQL server (the ``store`` fixture).
"""

import io
import json
from collections import Counter
from types import SimpleNamespace

import numpy as np
import pytest
from PIL import Image

import augment.review.labeling as labeling
import augment.review.round_results as round_results
import augment.review.rounds as rounds
from augment.errors import ParameterError
from augment.export.reviews import review_rows
from augment.image import decode_image, decode_rgba, overlay_source, render_image
from augment.image.render import ImageRendering
from augment.image.synthetic import phone_picture, scratch_overlay
from augment.recipe import Recipe
from tests.conftest import speechlike, wav_bytes

DARK = Recipe.from_dict(
    {
        "name": "darker phones",
        "steps": [
            {"step": "flip", "direction": ["horizontal", "vertical"]},
            {"step": "brightness", "exposure_ev": [-3, -1]},
            {"step": "sensor_noise", "psnr_db": [25, 35]},
        ],
    }
)
PASTED = Recipe.from_dict(
    {"name": "pasted scratch", "steps": [{"step": "overlay", "opacity": [0.5, 1.0]}]}
)
QUIET = Recipe.from_dict({"name": "quieter", "steps": [{"step": "gain", "gain_db": -6}]})


def png(pixels) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, format="PNG")
    return buf.getvalue()


@pytest.fixture
def lib(store):
    pictures = []
    for i, scratched in enumerate((True, False)):
        pixels, label = phone_picture(160, 120, scratched=scratched, seed=i)
        item, _ = store.add_media(
            png(pixels), name=f"phone{i}.png", kind="image", transcript=json.dumps(label)
        )
        pictures.append(item.hash)
    texture = store.add_media(png(scratch_overlay(64, 24)), name="scratch.png", kind="texture")
    clip = store.add_media(wav_bytes(speechlike(1.0)), name="c0.wav", kind="speech")
    for r in (DARK, PASTED, QUIET):
        store.save_recipe(r)
    return SimpleNamespace(
        store=store, pictures=pictures, texture=texture[0].hash, clip=clip[0].hash
    )


def picture_round(lib, **kw):
    args = dict(
        name="phones",
        recipe_ids=[DARK.id, PASTED.id],
        clip_hashes=lib.pictures,
        texture_hashes=[lib.texture],
        modality="image",
        samples_per_recipe=4,
        offer_reference=True,
        anchor_share=0.2,
        created_by="eng",
        seed=3,
    )
    args.update(kw)
    return rounds.create_round(lib.store, **args)


def test_a_round_mixing_audio_and_image_recipes_is_refused(lib):
    with pytest.raises(ParameterError, match="one kind of media") as err:
        picture_round(lib, recipe_ids=[DARK.id, QUIET.id], modality=None)
    assert "'darker phones' is an image recipe" in str(err.value)
    assert "'quieter' is an audio recipe" in str(err.value)
    assert "\n" not in str(err.value)
    # an image round given an audio recipe, or pictures given to an audio round
    with pytest.raises(
        ParameterError, match="'quieter' is an audio recipe; this round is for image"
    ):
        picture_round(lib, recipe_ids=[QUIET.id])
    with pytest.raises(ParameterError, match="is an image, not a speech"):
        picture_round(lib, recipe_ids=[QUIET.id], modality="audio")
    with pytest.raises(ParameterError, match="is a speech, not an image"):
        picture_round(lib, clip_hashes=[lib.clip])
    with pytest.raises(ParameterError, match="pastes a texture"):
        picture_round(lib, texture_hashes=[])
    with pytest.raises(ParameterError, match="modality='video'"):
        picture_round(lib, modality="video")
    assert rounds.list_rounds(lib.store) == []  # nothing stored


def test_image_round_samples_are_pictures_with_picture_anchors(lib):
    info = picture_round(lib)
    assert info.modality == "image" and info.texture_hashes == (lib.texture,)
    assert info.noise_hashes == () and info.ir_hashes == ()
    samples = rounds.round_samples(lib.store, info.token)
    assert Counter(s.kind for s in samples) == {"recipe": 8, "clean": 1, "bad": 1}
    assert {s.clip_hash for s in samples} == set(lib.pictures)
    by_kind = {s.kind: s for s in samples}
    assert by_kind["bad"].recipe == rounds.BAD_IMAGE_ANCHOR
    assert by_kind["clean"].recipe.steps == ()
    for s in samples:  # the overlay's texture goes where a clip's noise goes, only where used
        pasted = s.recipe_id == PASTED.id
        assert s.noise_hash == (lib.texture if pasted else None) and s.ir_hash is None
    # the same round read back through get_round (settings JSON): still an image round
    assert rounds.get_round(lib.store, info.token).modality == "image"


def test_image_round_items_are_re_made_bit_for_bit_from_the_stored_seed(lib):
    info = picture_round(lib)
    samples = rounds.round_samples(lib.store, info.token)
    for s in samples:
        out = rounds.render_sample(lib.store, s)
        assert isinstance(out, ImageRendering)
        again = rounds.render_sample(lib.store, s)
        assert again.pixels.tobytes() == out.pixels.tobytes()
        assert again.params == out.params
        # and from scratch, outside the round code: decode, render with the stored seed
        item = lib.store.media(s.clip_hash)
        pixels = decode_image(lib.store.media_bytes(s.clip_hash)).pixels
        overlays = (
            [overlay_source(s.noise_hash, "t", decode_rgba(lib.store.media_bytes(s.noise_hash)))]
            if s.noise_hash
            else []
        )
        direct = render_image(
            Recipe.from_json(s.recipe_json), pixels, seed=s.seed, overlays=overlays
        )
        assert np.array_equal(direct.pixels, out.pixels)
        assert out.pixels.shape == pixels.shape
        if s.kind == "clean":
            assert np.array_equal(out.pixels, pixels)
        if s.kind == "bad":  # 6 EV darker: the phone is gone
            assert out.metrics["mean_luminance"] < pixels.mean() / 32
        if item.transcript and "box" in item.transcript:
            assert "box_contrast" in out.metrics
    # different seeds draw different pictures (the seed is what makes them)
    dark = [s for s in samples if s.recipe_id == DARK.id]
    assert len({rounds.render_sample(lib.store, s).pixels.tobytes() for s in dark}) == len(dark)


def test_answering_an_image_round_saves_the_same_review_row(lib):
    info = picture_round(lib, anchor_share=0.0)
    store = lib.store
    for who, clear in (("ana", True), ("bo", True), ("cy", False)):
        while True:
            sample, _done, _total = labeling.next_sample(store, info.token, who)
            if sample is None:
                break
            out = rounds.render_sample(store, sample)
            assert labeling.answer(
                store,
                info.token,
                who,
                sample.id,
                realistic=True,
                clear=clear,
                model_poor="unknown",
                params=out.params,
                metrics=out.metrics,
            )
    reviews = store.reviews()
    assert len(reviews) == 24 and {r["origin"] for r in reviews} == {"round"}
    for r in reviews:
        used = r["inputs"]
        assert used["clip"] == r["clip_hash"] and "noise" not in used and r["noise_hash"] is None
        assert used.get("overlay") == (lib.texture if r["recipe_id"] == PASTED.id else None)
    # the stored parameters are those of the picture shown: re-rendered, the same
    s0 = rounds.round_samples(store, info.token)[0]
    stored = next(r for r in reviews if r["seed"] == s0.seed and r["clip_hash"] == s0.clip_hash)
    assert stored["params"] == rounds.render_sample(store, s0).params
    # round results and agreement as for audio
    res = round_results.round_results(store, info.token)
    assert res["answers"] == 24 and res["labelers"] == 3
    assert {r["recipe_id"] for r in res["per_recipe"]} == {DARK.id, PASTED.id}
    assert res["agreement"]["samples_with_two_or_more"] == 8
    # the Labels export: one row per review, drawn parameters as columns
    columns, rows = review_rows(reviews)
    assert len(rows) == 24
    assert {"brightness.exposure_ev", "flip.direction", "overlay.opacity"} <= set(columns)


def test_the_picture_to_judge_has_its_pixels_but_never_the_originals_bytes(lib):
    from augment.image.io import disguised_png_bytes, encode

    pixels = decode_image(lib.store.media_bytes(lib.pictures[0])).pixels
    a = disguised_png_bytes(pixels, seed=[1, 2, 3])
    b = disguised_png_bytes(pixels, seed=[1, 2, 4])
    assert a == disguised_png_bytes(pixels, seed=[1, 2, 3])  # seeded: the same sample, the same
    assert len({a, b, encode(pixels, fmt="png")}) == 3
    for blob in (a, b):
        assert np.array_equal(np.asarray(Image.open(io.BytesIO(blob))), pixels)


def test_a_deleted_picture_or_texture_is_named_as_such(lib):
    info = picture_round(lib)
    lib.store.delete_media(lib.texture)
    lib.store.delete_media(lib.pictures[1])
    gone = rounds.unplayable_samples(lib.store, info.token)
    whats = {w for ws in gone.values() for w in ws}
    assert whats == {"texture scratch.png", "picture phone1.png"}
    samples = {s.id: s for s in rounds.round_samples(lib.store, info.token)}
    assert {sid for sid, s in samples.items() if s.clip_hash == lib.pictures[1]} <= set(gone)
    assert {sid for sid, s in samples.items() if s.noise_hash == lib.texture} <= set(gone)
