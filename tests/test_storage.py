import json
import sqlite3

import numpy as np
import pytest

from augment.checklist import verdict_for
from augment.errors import AudioError, ParameterError
from augment.export.reviews import reviews_csv
from augment.recipe import Recipe
from augment.store import Store, load_demo_assets, migrate
from tests.conftest import speechlike, sql, wav_bytes

RECIPE = Recipe.from_dict({"name": "cafe 5", "steps": [{"step": "background_noise", "snr_db": 5}]})


def add_clip(store, seed=0, **kw):
    return store.add_media(
        wav_bytes(speechlike(1.0, seed=seed)), name=f"c{seed}.wav", kind="speech", **kw
    )


def review(store, clip_hash, **kw):
    args = dict(
        recipe=RECIPE,
        params=[{"step": "background_noise", "snr_db": 5.0}],
        seed=1,
        clip_hash=clip_hash,
        reviewer="ana",
        realistic=True,
        clear=True,
        model_poor="unknown",
    )
    args.update(kw)
    return store.save_review(**args)


def test_same_file_twice_is_one_entry(store):
    m1, created1 = add_clip(store)
    m2, created2 = add_clip(store)
    assert created1 and not created2 and m1.hash == m2.hash
    assert len(store.list_media("speech")) == 1
    assert store.media_bytes(m1.hash) == wav_bytes(speechlike(1.0, seed=0))


def test_media_fields(store):
    m, _ = add_clip(store, transcript="hello there", split="train")
    assert (m.kind, m.transcript, m.split, m.sample_rate, m.channels) == (
        "speech",
        "hello there",
        "train",
        16000,
        1,
    )
    assert m.duration_s == pytest.approx(1.0)
    m2 = store.update_media(m.hash, split="test", transcript="")
    assert m2.split == "test" and m2.transcript is None


def test_bad_kind_or_split(store):
    with pytest.raises(ParameterError, match="kind='video'"):
        store.add_media(wav_bytes(speechlike(0.5)), name="a.wav", kind="video")
    with pytest.raises(ParameterError, match="split='dev'"):
        add_clip(store, split="dev")


def test_failed_upload_changes_nothing(store):
    m, _ = add_clip(store)
    review(store, m.hash)
    before = tuple(
        sql(
            store,
            "select (select count(*) from media), (select count(*) from blobs),"
            " (select count(*) from reviews)",
        )[0]
    )
    for bad in (b"not audio" * 50, wav_bytes(speechlike(1.0))[:3000], b""):
        with pytest.raises(AudioError):
            store.add_media(bad, name="bad.wav", kind="speech")
    after = tuple(
        sql(
            store,
            "select (select count(*) from media), (select count(*) from blobs),"
            " (select count(*) from reviews)",
        )[0]
    )
    assert before == after == (1, 1, 1)


def test_everything_survives_a_restart(db_url):
    url = db_url
    migrate.upgrade(url)
    s1 = Store(url)
    m, _ = add_clip(s1)
    rid = review(s1, m.hash, note="keep me")
    s1.engine.dispose()
    s2 = Store(url)  # a second start: schema exists, rows stay
    assert [r["id"] for r in s2.reviews()] == [rid]
    assert s2.reviews()[0]["note"] == "keep me"
    assert s2.media(m.hash).name == "c0.wav"
    assert s2.recipe(RECIPE.id).id == RECIPE.id
    s2.engine.dispose()


def test_sqlite_uses_wal(sqlite_store, tmp_path):
    add_clip(sqlite_store)
    mode = sqlite3.connect(tmp_path / "augcheck.db").execute("pragma journal_mode").fetchone()[0]
    assert mode == "wal"


def test_default_location_from_environment(data_dir):
    s = Store()
    assert s.url == f"sqlite:///{data_dir / 'augcheck.db'}"
    assert (data_dir / "augcheck.db").exists()


def test_review_stores_everything_needed_to_rerender(store):
    m, _ = add_clip(store)
    rid = review(
        store,
        m.hash,
        seed=77,
        noise_hash="n" * 64,
        note="hiss",
        metrics={"snr_db": 5.0},
        model_poor="yes",
    )
    r = store.reviews()[0]
    assert r["id"] == rid
    assert r["recipe_id"] == RECIPE.id
    assert Recipe.from_json(r["recipe_json"]).id == RECIPE.id
    assert r["params"] == [{"step": "background_noise", "snr_db": 5.0}]
    assert (r["seed"], r["clip_hash"], r["noise_hash"], r["note"]) == (77, m.hash, "n" * 64, "hiss")
    assert r["model_poor"] == "yes" and r["verdict"] == "accept"
    assert r["versions"]["augcheck"] == r["app_version"]
    assert "numpy" in r["versions"] and "python-stretch" in r["versions"]


@pytest.mark.parametrize(
    "realistic,clear,verdict",
    [
        (True, True, "accept"),
        (True, False, "reject"),
        (False, True, "reject"),
        (False, False, "reject"),
    ],
)
def test_verdict(realistic, clear, verdict):
    assert verdict_for(realistic, clear) == verdict


def test_reviewer_required_and_answers_checked(store):
    m, _ = add_clip(store)
    with pytest.raises(ParameterError, match="reviewer's name"):
        review(store, m.hash, reviewer="  ")
    with pytest.raises(ParameterError, match="model_poor='maybe'"):
        review(store, m.hash, model_poor="maybe")
    assert store.reviews() == []


def test_filters_and_summary(store):
    m, _ = add_clip(store)
    other = Recipe.from_dict({"name": "loud", "steps": [{"step": "gain", "gain_db": 6}]})
    review(store, m.hash, reviewer="ana")
    review(store, m.hash, reviewer="bo", clear=False)
    review(store, m.hash, reviewer="bo", recipe=other, params=[{"step": "gain", "gain_db": 6.0}])
    assert len(store.reviews()) == 3
    assert len(store.reviews(reviewers=["bo"])) == 2
    assert len(store.reviews(verdicts=["reject"])) == 1
    assert len(store.reviews(recipe_ids=[RECIPE.id], verdicts=["accept"])) == 1
    summary = {s["recipe_id"]: s for s in store.recipe_summary()}
    assert summary[RECIPE.id]["reviews"] == 2
    assert summary[RECIPE.id]["reviewers"] == 2
    assert summary[RECIPE.id]["accept_pct"] == 50.0
    assert summary[other.id]["accept_pct"] == 100.0
    assert store.reviewers() == ["ana", "bo"]


def test_csv_has_params_as_columns(store):
    m, _ = add_clip(store)
    review(store, m.hash, metrics={"snr_db": 5.0})
    lines = reviews_csv(store.reviews()).decode().splitlines()
    header = lines[0].split(",")
    assert {"reviewer", "verdict", "background_noise.snr_db", "metric.snr_db"} <= set(header)
    assert len(lines) == 2


def test_demo_assets_load_once(store):
    added = load_demo_assets(store)
    kinds = [m.kind for m in store.list_media()]
    assert added == len(kinds) >= 7
    assert kinds.count("speech") >= 3 and kinds.count("noise") >= 3
    assert kinds.count("impulse_response") >= 1
    first = store.list_media("speech")[0]
    store.update_media(first.hash, name="renamed")
    assert load_demo_assets(store) == 0
    assert store.media(first.hash).name == "renamed"


def test_demo_assets_are_small_and_valid():
    from augment import audio
    from augment.store import PROJECT_ROOT

    folder = PROJECT_ROOT / "assets"
    manifest = json.loads((folder / "manifest.json").read_text())
    total = sum((folder / item["file"]).stat().st_size for item in manifest)
    assert total < 2 * 1024 * 1024
    for item in manifest:
        if item["kind"] in ("image", "texture"):  # pictures: tests/test_image_store.py
            continue
        a = audio.read(folder / item["file"])
        assert np.isfinite(a.samples).all() and a.duration_s > 0.2


def test_import_transcripts_from_the_real_csv(store):
    from tests.conftest import recording

    names = ["cmu_arctic_us_aew_a0001.wav", "cmu_arctic_us_aew_a0002.wav"]
    for n in names:
        store.add_media(recording(n).read_bytes(), name=n, kind="speech")
    updated, unmatched = store.import_transcripts(recording("transcripts.csv").read_bytes())
    assert sorted(updated) == names and unmatched == ["cmu_arctic_us_aew_a0003.wav"]
    by_name = {m.name: m.transcript for m in store.list_media("speech")}
    assert (
        by_name["cmu_arctic_us_aew_a0001.wav"] == "Author of the danger trail, Philip Steels, etc."
    )


def test_import_transcripts_refuses_a_bad_csv(store):
    m, _ = add_clip(store, transcript="keep")
    with pytest.raises(ParameterError, match="columns 'file' and 'transcript'"):
        store.import_transcripts(b"name,text\nc0.wav,hello\n")
    assert store.media(m.hash).transcript == "keep"


def test_methods_join_a_callers_transaction(store):
    """Calls given ``tx=`` commit together at the end of the block, or not at all."""
    clip, _ = add_clip(store)
    other = Recipe.from_dict({"name": "quiet", "steps": [{"step": "gain", "gain_db": -6}]})
    with pytest.raises(RuntimeError, match="stop"):
        with store.transaction() as tx:
            store.save_recipe(other, tx=tx)
            review(store, clip.hash, recipe=other, tx=tx)
            assert len(store.reviews(tx=tx)) == 1  # visible inside the transaction
            raise RuntimeError("stop")
    assert store.reviews() == [] and store.list_recipes() == []
    with store.transaction() as tx:
        store.save_recipe(other, tx=tx)
        review_id = review(store, clip.hash, recipe=other, tx=tx)
        store.rename_recipe(other.id, "quieter", tx=tx)
    assert [r["id"] for r in store.reviews()] == [review_id]
    assert store.recipe(other.id).name == "quieter"


def test_a_review_and_its_recipe_are_saved_together(store):
    clip, _ = add_clip(store)
    with pytest.raises(TypeError):  # a metric that is not JSON fails after the recipe is added
        review(store, clip.hash, metrics={"snr_db": object()})
    assert store.list_recipes() == [] and store.reviews() == []
