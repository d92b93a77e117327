"""Offline render of pictures (an image recipe through ``augment.render``): formats kept, masks
beside the pictures, manifest rows, the same bytes with 1 or 2 workers, resume (also after
SIGKILL), bad pictures as error rows, and the leakage guard's refusals. Real PNG/JPEG files."""

from __future__ import annotations

import hashlib
import io
import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from PIL import Image

from augment.errors import AugcheckError, ParameterError
from augment.image import decode_image, render_image
from augment.image.synthetic import phone_picture, scratch_overlay
from augment.recipe import Recipe
from augment.render import LeakageError, Options, derive_seed, prepare, render_dataset
from tests.conftest import ROOT
from tests.test_render import tree

RECIPE = Recipe.from_dict(
    {
        "name": "phones: flip, scratches, darker, jpeg",
        "steps": [
            {"step": "flip", "direction": ["horizontal", "none"]},
            {"step": "scratches", "count": [1, 3]},
            {"step": "brightness", "exposure_ev": [-1.5, 0.5]},
            {"step": "jpeg", "quality": [60, 95]},
        ],
    }
)
PLAIN = Recipe.from_dict({"steps": [{"step": "flip"}, {"step": "brightness", "exposure_ev": -1}]})


def save(path, pixels, fmt):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(pixels).save(path, format=fmt)
    return path


@pytest.fixture
def pictures(tmp_path):
    """Six small phones (PNG and JPEG) for three devices; device p2 is the test split."""
    root = tmp_path / "data"
    rows = []
    for i in range(6):
        px, label = phone_picture(160, 120, scratched=bool(i % 2), seed=i)
        ext, fmt = ("png", "PNG") if i % 2 == 0 else ("jpg", "JPEG")
        rel = f"p{i % 3}/phone{i}.{ext}"
        save(root / rel, px, fmt)
        rows.append(
            {
                "image_filepath": rel,
                "label": json.dumps(label),
                "text": f"phone {i}",
                "split": "test" if i % 3 == 2 else "train",
                "device": f"p{i % 3}",
            }
        )
    manifest = root / "manifest.jsonl"
    manifest.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return {"root": root, "manifest": manifest, "rows": rows, "tmp": tmp_path}


def opts(ds, out, **kw) -> Options:
    base = dict(recipe=RECIPE, input=str(ds["manifest"]), out=str(out), workers=1)
    base.update(kw)
    return Options(**base)


def rows_of(out):
    return [json.loads(x) for x in (out / "manifest.jsonl").read_text().splitlines()]


def test_pictures_keep_their_format_with_masks_rows_and_the_reviewed_pixels(pictures, tmp_path):
    out = tmp_path / "out"
    record = render_dataset(opts(pictures, out, copies=2))
    rows = rows_of(out)
    assert len(rows) == 8  # 4 train pictures x 2 copies; device p2 (test) left out
    assert record["modality"] == "image" and record["counts"]["left_out"] == 2
    assert record["output"]["jpeg_quality"] == 95 and record["format"] is None
    names = [r["image_filepath"] for r in rows]
    assert (
        names == sorted(names) and "p0/phone0_aug1.png" in names and "p1/phone1_aug2.jpg" in names
    )
    for r in rows:
        written = (out / r["image_filepath"]).read_bytes()
        kind = Image.open(io.BytesIO(written)).format
        assert kind == ("PNG" if r["image_filepath"].endswith(".png") else "JPEG")
        mask = decode_image((out / r["mask_filepath"]).read_bytes()).pixels
        assert r["mask_filepath"] == r["image_filepath"].rsplit(".", 1)[0] + ".mask.png"
        assert mask.shape == (120, 160) and set(np.unique(mask)) <= {0, 255} and mask.any()
        assert r["defect_share"] == pytest.approx(np.count_nonzero(mask) / mask.size, abs=1e-6)
        assert r["width"] == 160 and r["height"] == 120 and r["purpose"] == "training"
        assert {"mean_luminance", "luminance_change", "clipped_share", "psnr_db"} <= set(r)
        assert [p["step"] for p in r["params"]] == ["flip", "scratches", "brightness", "jpeg"]
    # a PNG output is what render_image gives with the derived seed (what the Studio showed)
    first = next(r for r in rows if r["image_filepath"] == "p0/phone0_aug1.png")
    data = (pictures["root"] / "p0" / "phone0.png").read_bytes()
    assert first["source_sha256"] == hashlib.sha256(data).hexdigest()
    assert first["seed"] == derive_seed(0, RECIPE.id, first["source_sha256"], 1)
    label = json.loads(pictures["rows"][0]["label"])
    want = render_image(RECIPE, decode_image(data).pixels, seed=first["seed"], box=label.get("box"))
    got = decode_image((out / first["image_filepath"]).read_bytes()).pixels
    np.testing.assert_array_equal(got, want.pixels)
    assert first["params"] == want.params
    assert first["mean_luminance"] == pytest.approx(want.metrics["mean_luminance"], abs=0.01)
    assert first["psnr_db"] == pytest.approx(want.metrics["psnr_db"], abs=1e-3)
    assert first["text"] == "phone 0" and first["device"] == "p0" and first["split"] == "train"
    # the label's box moves with a flip
    scratched = next(r for r in rows if r["image_filepath"] == "p1/phone1_aug1.jpg")
    box = json.loads(pictures["rows"][1]["label"])["box"]
    moved = json.loads(scratched["label"])["box"]
    flipped = scratched["params"][0]["direction"] == "horizontal"
    assert moved == ([160 - box[2], box[1], 160 - box[0], box[3]] if flipped else box)
    header = (out / "manifest.csv").read_text().splitlines()[0].split(",")
    assert header[:5] == ["image_filepath", "width", "height", "label", "mask_filepath"]
    assert "brightness.exposure_ev" in header and "jpeg.quality" in header


def test_one_and_two_workers_give_the_same_bytes_and_a_rerun_skips(pictures, tmp_path):
    one, two = tmp_path / "w1", tmp_path / "w2"
    render_dataset(opts(pictures, one, copies=2))
    record = render_dataset(opts(pictures, two, copies=2, workers=2))
    assert record["executor"]["kind"] == "process pool"
    files = tree(one)
    assert len([p for p in files if p.endswith(".mask.png")]) == 8
    assert tree(two) == files
    again = render_dataset(opts(pictures, two, copies=2, workers=2))
    assert again["counts"]["skipped"] == 8 and again["counts"]["rendered"] == 0
    assert tree(two) == files
    # a lost output, a cut-off journal line: rendered again, to the same bytes
    journal = two / ".render" / "journal.jsonl"
    lines = journal.read_text().splitlines(keepends=True)
    journal.write_text("".join(lines[:5]) + lines[5][:30])
    (two / "manifest.jsonl").unlink()
    os.remove(two / json.loads(lines[0])["row"]["image_filepath"])
    again = render_dataset(opts(pictures, two, copies=2))
    assert again["counts"]["skipped"] == 4 and again["counts"]["rendered"] == 4
    assert tree(two) == files


def test_an_output_format_can_be_asked_and_a_wrong_one_is_refused(pictures, tmp_path):
    out = tmp_path / "png"
    render_dataset(opts(pictures, out, recipe=PLAIN, format="png"))
    assert sorted(r["image_filepath"] for r in rows_of(out))[-1] == "p1/phone4_aug1.png"
    assert not any("mask_filepath" in r for r in rows_of(out))  # no step drew a defect
    with pytest.raises(ParameterError, match="not one of png, jpeg, webp"):
        prepare(opts(pictures, tmp_path / "x", format="wav"))
    with pytest.raises(ParameterError, match="--noise is for recipes"):
        prepare(opts(pictures, tmp_path / "x", noises=[str(pictures["manifest"])]))
    assert not (tmp_path / "x").exists()


def test_bad_pictures_and_labels_are_error_rows_and_the_run_goes_on(pictures, tmp_path):
    root = pictures["root"]
    whole = (root / "p0" / "phone0.png").read_bytes()
    (root / "p0" / "phone0.png").write_bytes(whole[: len(whole) // 2])  # cut off
    rows = list(pictures["rows"])
    rows[1] = dict(rows[1], label='{"box": [1, 2]}')  # phone1: a malformed label
    pictures["manifest"].write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "out"
    record = render_dataset(opts(pictures, out))
    assert record["counts"]["errors"] == 2 and record["counts"]["outputs"] == 2
    errors = [json.loads(x) for x in (out / "errors.jsonl").read_text().splitlines()]
    reasons = {os.path.basename(e["source_filepath"]): e["error"] for e in errors}
    assert "phone0.png" in reasons["phone0.png"] and "truncated" in reasons["phone0.png"]
    assert reasons["phone1.jpg"].startswith("p1/phone1.jpg: label:")
    assert all("\n" not in e for e in reasons.values())


# --- the leakage guard, for pictures ---------------------------------------------------------
def test_the_leakage_guard_refuses_for_pictures_as_for_clips(pictures, tmp_path):
    ds, root = pictures, pictures["root"]
    with pytest.raises(LeakageError, match="a folder says nothing about splits"):
        prepare(opts(ds, tmp_path / "a", input=str(root)))
    folder = render_dataset(opts(ds, tmp_path / "b", input=str(root / "p0"), assume_train=True))
    assert folder["counts"]["outputs"] == 2
    no_split = [{k: v for k, v in r.items() if k != "split"} for r in ds["rows"]]
    bare = root / "bare.jsonl"
    bare.write_text("".join(json.dumps(r) + "\n" for r in no_split))
    with pytest.raises(LeakageError, match="no 'split' column"):
        prepare(opts(ds, tmp_path / "c", input=str(bare)))
    mixed = [dict(r, device="same") for r in ds["rows"]]
    groups = root / "groups.jsonl"
    groups.write_text("".join(json.dumps(r) + "\n" for r in mixed))
    with pytest.raises(LeakageError, match="'same'"):
        prepare(opts(ds, tmp_path / "d", input=str(groups), group_column="device"))
    texture = save(tmp_path / "tex" / "scratch.png", scratch_overlay(64, 64, seed=1), "PNG")
    (tmp_path / "tex" / "t.jsonl").write_text(
        json.dumps({"image_filepath": texture.name, "split": "test"}) + "\n"
    )
    with_overlay = Recipe.from_dict({"steps": [{"step": "overlay"}]})
    with pytest.raises(LeakageError, match="overlay texture"):
        prepare(
            opts(ds, tmp_path / "e", recipe=with_overlay, overlays=[str(tmp_path / "tex/t.jsonl")])
        )
    with pytest.raises(ParameterError, match="--overlay"):
        prepare(opts(ds, tmp_path / "e", recipe=with_overlay))
    ev = tmp_path / "eval"
    record = render_dataset(opts(ds, ev, purpose="evaluation"))
    assert record["counts"]["outputs"] == 2 and {r["split"] for r in rows_of(ev)} == {"test"}
    assert all(r["purpose"] == "evaluation" for r in rows_of(ev))
    with pytest.raises(LeakageError, match="holds an evaluation render"):
        prepare(opts(ds, ev))
    for folder in "abcde":
        assert not (tmp_path / folder).exists() or folder == "b"


def test_overlay_textures_are_read_once_and_join_the_mask(pictures, tmp_path):
    texture = save(tmp_path / "scratch.png", scratch_overlay(64, 64, seed=1), "PNG")
    recipe = Recipe.from_dict({"steps": [{"step": "overlay", "scale_frac": 0.3}]})
    out = tmp_path / "out"
    render_dataset(opts(pictures, out, recipe=recipe, overlays=[str(texture)]))
    rows = rows_of(out)
    assert len(rows) == 4 and all(r["params"][0]["overlay_name"] == "scratch.png" for r in rows)
    assert all(r["defect_share"] > 0 for r in rows)
    saved = json.loads((out / "render.json").read_text())
    assert saved["overlays"][0]["sha256"] == hashlib.sha256(texture.read_bytes()).hexdigest()


def test_sigkill_mid_run_then_rerun_gives_the_same_pictures_and_manifest(tmp_path):
    root = tmp_path / "many"
    for i in range(24):
        save(root / f"phone{i:02d}.png", phone_picture(320, 240, scratched=True, seed=i)[0], "PNG")
    recipe = tmp_path / "recipe.json"
    recipe.write_text(RECIPE.to_json())

    def args(out):
        return [
            "render", str(recipe), "--input", str(root), "--out", str(out),
            "--assume-train", "--any-status", "--workers", "1", "--quiet",
        ]  # fmt: skip

    env = {**os.environ, "AUGCHECK_DATA_DIR": str(tmp_path / "db")}
    full, killed = tmp_path / "full", tmp_path / "killed"
    done = subprocess.run(
        [sys.executable, "-m", "augment", *args(full)], cwd=ROOT, env=env, capture_output=True
    )
    assert done.returncode == 0, done.stderr
    proc = subprocess.Popen(
        [sys.executable, "-m", "augment", *args(killed)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    journal = killed / ".render" / "journal.jsonl"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if journal.exists() and journal.read_text().count("\n") >= 3:
            break
        time.sleep(0.01)
    assert proc.poll() is None, "the render ended before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert 3 <= journal.read_text().count("\n") < 24
    rerun = subprocess.run(
        [sys.executable, "-m", "augment", *args(killed)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert rerun.returncode == 0 and " already done" in rerun.stdout
    assert tree(killed) == tree(full)
    assert not [p for p in tree(killed) if ".augtmp-" in p]


def test_an_audio_option_or_input_is_refused_for_a_picture_recipe_in_one_line(pictures, tmp_path):
    with pytest.raises(AugcheckError, match="no image_filepath"):
        audio_manifest = pictures["root"] / "audio.jsonl"
        audio_manifest.write_text(json.dumps({"audio_filepath": "x.wav", "split": "train"}) + "\n")
        prepare(opts(pictures, tmp_path / "o", input=str(audio_manifest)))


def test_a_dask_cluster_gives_the_same_pictures_and_reads_a_texture_once_per_worker(
    pictures, tmp_path
):
    from distributed import Client, LocalCluster

    from augment.render import work

    texture = save(tmp_path / "scratch.png", scratch_overlay(64, 64, seed=1), "PNG")
    recipe = Recipe.from_dict({"steps": [*RECIPE.to_dict()["steps"][:2], {"step": "overlay"}]})
    kw = dict(recipe=recipe, overlays=[str(texture)], copies=2)
    serial = render_dataset(opts(pictures, tmp_path / "serial", **kw))
    with (
        LocalCluster(
            n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        record = render_dataset(
            opts(pictures, tmp_path / "dask", dask=cluster.scheduler_address, **kw)
        )
        caches = client.run(work.cache_info)
    assert record["executor"]["kind"] == "dask" and record["counts"]["outputs"] == 8
    assert serial["counts"]["outputs"] == 8
    assert tree(tmp_path / "dask") == tree(tmp_path / "serial")
    assert caches and all(c["textures"] <= 1 for c in caches.values())
    assert sum(c["textures"] for c in caches.values()) >= 1


def test_pictures_and_masks_to_a_file_url_are_the_same_bytes_as_to_a_folder(pictures, tmp_path):
    plain, via_url = tmp_path / "plain", tmp_path / "via_url"
    render_dataset(opts(pictures, plain, copies=2))
    record = render_dataset(opts(pictures, f"file://{via_url}", copies=2))
    assert record["counts"]["rendered"] == 8
    assert tree(via_url) == tree(plain)
    assert len(list(via_url.rglob("*.mask.png"))) == 8 and not list(via_url.rglob(".augtmp-*"))


def test_two_pictures_differing_only_in_their_extension_are_refused(pictures, tmp_path):
    """phone0.png and phone0.jpg would both leave phone0_aug1.mask.png."""
    root = pictures["root"]
    save(root / "p0" / "phone0.jpg", phone_picture(160, 120, seed=9)[0], "JPEG")
    with pytest.raises(AugcheckError, match="differing only in their extension"):
        prepare(opts(pictures, tmp_path / "o", input=str(root / "p0"), assume_train=True))
    assert not (tmp_path / "o").exists()
