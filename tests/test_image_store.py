"""Pictures in the library: content-addressed like audio, a checked label, the demo pictures."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from PIL import Image

from augment.errors import AugcheckError, ImageError, ParameterError
from augment.image import decode_image
from augment.image.labels import label_box, parse_label
from augment.image.synthetic import phone_picture
from augment.store import IMAGE_KINDS, PROJECT_ROOT, Store, load_demo_assets


@pytest.fixture
def store(tmp_path):
    return Store(f"sqlite:///{tmp_path / 'a.db'}")


def png(pixels) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, format="PNG")
    return buf.getvalue()


def test_a_picture_is_stored_once_with_its_facts_and_label(store):
    pixels, label = phone_picture(120, 90, scratched=True, seed=1)
    data = png(pixels)
    m, created = store.add_media(
        data, name="phone.png", kind="image", transcript=json.dumps(label), split="train"
    )
    assert created and m.kind == "image" and m.format == "png" and m.channels == 3
    assert m.sample_rate is None and m.duration_s is None and m.split == "train"
    again, created = store.add_media(data, name="other name.png", kind="image")
    assert not created and again.hash == m.hash
    assert label_box(store.media(m.hash).transcript) == [float(v) for v in label["box"]]
    np.testing.assert_array_equal(decode_image(store.media_bytes(m.hash)).pixels, pixels)


def test_bad_pictures_and_labels_store_nothing(store):
    with pytest.raises(ImageError, match="not an image"):
        store.add_media(b"not a picture at all", name="x.png", kind="image")
    pixels, _ = phone_picture(60, 40)
    with pytest.raises(ParameterError, match="label: 'box' is"):
        store.add_media(png(pixels), name="p.png", kind="image", transcript='{"box": [5, 5, 1]}')
    assert store.list_media("image") == []
    # a WAV is refused as a picture, a picture as audio
    with pytest.raises(AugcheckError):
        store.add_media(png(pixels), name="p.png", kind="speech")


def test_a_picture_stays_a_picture(store):
    pixels, _ = phone_picture(60, 40)
    m, _ = store.add_media(png(pixels), name="p.png", kind="image")
    with pytest.raises(ParameterError, match="is a picture and stays one"):
        store.update_media(m.hash, kind="noise")
    assert store.update_media(m.hash, kind="texture").kind == "texture"
    with pytest.raises(ParameterError, match="not valid JSON"):
        store.update_media(m.hash, transcript="{nope")
    assert store.update_media(m.hash, transcript="scratched").transcript == "scratched"


@pytest.mark.parametrize(
    "text,expect",
    [
        (None, None),
        ("  ", None),
        ("scratched", {"class": "scratched"}),
        ('{"class": "dent", "box": [1, 2, 30, 40]}', {"class": "dent", "box": [1, 2, 30, 40]}),
        (
            '{"polygon": [[0, 0], [10, 0], [5, 8]]}',
            {"polygon": [[0, 0], [10, 0], [5, 8]], "box": [0, 0, 10, 8]},
        ),
    ],
)
def test_labels(text, expect):
    assert parse_label(text) == expect


@pytest.mark.parametrize(
    "text,words",
    [
        ('{"class": 3}', "'class' must be text"),
        ('{"box": [0, 0, 0, 5]}', "empty"),
        ('{"box": [0, 0, "a", 5]}', "finite numbers"),
        ('{"polygon": [[0, 0]]}', "at least 3"),
        ('{"shape": 1}', "unknown key 'shape'"),
    ],
)
def test_bad_labels_are_one_line(text, words):
    with pytest.raises(ParameterError, match=words) as e:
        parse_label(text)
    assert "\n" not in str(e.value)


def test_demo_pictures_load_once_and_also_into_an_older_library(store):
    store.set_meta("demo_assets_loaded", "2026-01-01")  # a library from before the pictures
    added = load_demo_assets(store)
    kinds = [m.kind for m in store.list_media()]
    assert added == len(kinds) and kinds.count("image") >= 3 and kinds.count("texture") >= 1
    assert "speech" not in kinds  # the audio demo was loaded (and maybe renamed) long ago
    assert load_demo_assets(store) == 0
    scratched = [m for m in store.list_media("image") if "scratched" in (m.transcript or "")]
    assert scratched and all(label_box(m.transcript) for m in scratched)


def test_demo_pictures_are_small_real_pictures():
    folder = PROJECT_ROOT / "assets"
    manifest = json.loads((folder / "manifest.json").read_text())
    pictures = [item for item in manifest if item["kind"] in IMAGE_KINDS]
    assert len(pictures) >= 4
    assert sum((folder / item["file"]).stat().st_size for item in pictures) < 1024 * 1024
    for item in pictures:
        out = decode_image((folder / item["file"]).read_bytes(), name=item["file"])
        assert out.width >= 64 and out.height >= 64
        if item["kind"] == "image":
            assert parse_label(item["transcript"])["class"] in ("clean", "scratched")
