"""Deleting a clip, noise or impulse response, and archiving recipes (SQLite and PostgreSQL).

A deleted item's bytes leave the database; the reviews that used it stay (their verdicts still
count) and say it is deleted; rounds stop giving labelers the samples that use it and say so.
Also from the Library page (with a confirmation) and ``python -m augment delete HASH``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from augment.errors import AugcheckError, ParameterError
from augment.recipe import Recipe
from augment.review import labeling, round_results, rounds
from tests.conftest import ROOT, noise_signal, speechlike, sql, sql_value, wav_bytes

NOISY = Recipe.from_dict({"name": "cafe 5", "steps": [{"step": "background_noise", "snr_db": 5}]})
QUIET = Recipe.from_dict({"name": "quieter", "steps": [{"step": "gain", "gain_db": -6}]})


def review(store, recipe, clip, noise=None, seed=1, clear=True):
    return store.save_review(
        recipe=recipe,
        params=[],
        seed=seed,
        clip_hash=clip,
        noise_hash=noise,
        reviewer="ana",
        realistic=True,
        clear=clear,
        model_poor="no",
    )


@pytest.fixture
def lib(store):
    clip_bytes = wav_bytes(speechlike(1.0, seed=7))
    clips = [
        store.add_media(clip_bytes, name="private voice.wav", kind="speech", transcript="hi")[0],
        store.add_media(wav_bytes(speechlike(1.0, seed=8)), name="other.wav", kind="speech")[0],
    ]
    noise = store.add_media(wav_bytes(noise_signal(1.5)), name="n.wav", kind="noise")[0]
    return store, clips, noise, clip_bytes


def test_delete_removes_the_bytes_and_keeps_the_reviews(lib):
    store, (clip, other), noise, clip_bytes = lib
    review(store, NOISY, clip.hash, noise.hash, seed=1, clear=True)
    review(store, NOISY, clip.hash, noise.hash, seed=2, clear=False)
    review(store, NOISY, other.hash, noise.hash, seed=3, clear=True)
    before = {r["id"]: r for r in store.recipe_rows()}

    deleted = store.delete_media(clip.hash)
    assert deleted.deleted and deleted.transcript is None and deleted.name == "private voice.wav"
    assert sql_value(store, "SELECT count(*) FROM blobs WHERE hash = :h", h=clip.hash) == 0
    with pytest.raises(AugcheckError, match="private voice.wav .* was deleted on"):
        store.media_bytes(clip.hash)
    assert [m.hash for m in store.list_media("speech")] == [other.hash]
    assert clip.hash in {m.hash for m in store.list_media("speech", include_deleted=True)}
    assert store.media(clip.hash).label.endswith("(deleted)")

    # the reviews stay, say so, and still count for the recipe
    reviews = store.reviews()
    assert len(reviews) == 3
    marks = sorted(r["deleted_media"] for r in reviews)
    assert marks == ["", "clip private voice.wav (deleted)", "clip private voice.wav (deleted)"]
    after = {r["id"]: r for r in store.recipe_rows()}
    assert after[NOISY.id]["reviews"] == before[NOISY.id]["reviews"] == 3
    assert after[NOISY.id]["accepted"] == before[NOISY.id]["accepted"] == 2
    # the other items are untouched, and deleting twice changes nothing
    assert store.media_bytes(other.hash) and store.media_bytes(noise.hash)
    again = store.delete_media(clip.hash)
    assert again.deleted_at.replace(tzinfo=None) == deleted.deleted_at.replace(tzinfo=None)
    assert store.media_usage(clip.hash) == {"reviews": 2, "rounds": []}


def test_sqlite_file_keeps_no_copy_of_the_deleted_bytes(sqlite_store, tmp_path):
    store = sqlite_store
    data = wav_bytes(speechlike(1.0, seed=11))
    media, _ = store.add_media(data, name="secret.wav", kind="speech")
    store.add_media(wav_bytes(speechlike(1.0, seed=12)), name="kept.wav", kind="speech")
    chunk = data[2000:2064]  # 64 bytes of samples from the middle of the recording

    def on_disk() -> bytes:
        return b"".join(
            p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("augcheck.db")
        )

    assert chunk in on_disk()
    store.delete_media(media.hash)
    assert chunk not in on_disk()


def test_uploading_a_deleted_file_again_brings_it_back(lib):
    store, (clip, _), _, clip_bytes = lib
    store.delete_media(clip.hash)
    again, created = store.add_media(clip_bytes, name="voice again.wav", kind="speech")
    assert created and not again.deleted and again.name == "voice again.wav"
    assert store.media_bytes(clip.hash) == clip_bytes


def test_rounds_skip_samples_of_deleted_media_and_say_so(lib):
    store, (clip, other), noise, _ = lib
    store.save_recipe(NOISY)
    info = rounds.create_round(
        store,
        name="r",
        recipe_ids=[NOISY.id],
        clip_hashes=[clip.hash, other.hash],
        noise_hashes=[noise.hash],
        samples_per_recipe=6,
        offer_reference=True,
        anchor_share=0.0,
        created_by="eng",
        seed=4,
    )
    samples = {s.id: s for s in rounds.round_samples(store, info.token)}
    with_clip = {sid for sid, s in samples.items() if s.clip_hash == clip.hash}
    assert 0 < len(with_clip) < len(samples)
    # ana answers one sample of the clip before it is deleted: her answer stays and counts
    first = next(sid for sid in labeling.labeler_sequence(info, "ana") if sid in with_clip)
    assert labeling.answer(
        store, info.token, "ana", first, realistic=True, clear=True, model_poor="no", params=[]
    )
    assert store.media_usage(clip.hash)["rounds"] == ["r"]

    store.delete_media(clip.hash)
    gone = rounds.unplayable_samples(store, info.token)
    assert set(gone) == with_clip
    assert all(what == ["clip private voice.wav"] for what in gone.values())
    for who in ("ana", "bo"):
        heard = []
        while True:
            sample, done, total = labeling.next_sample(store, info.token, who)
            if sample is None:
                break
            assert sample.id not in with_clip
            heard.append(sample.id)
            labeling.answer(
                store, info.token, who, sample.id, realistic=True, clear=True, model_poor="no",
                params=[],
            )  # fmt: skip
        expected = len(samples) - len(with_clip) + (1 if who == "ana" else 0)
        assert (done, total) == (expected, expected), who
    assert (
        len(round_results.round_answers(store, info.token))
        == 2 * (len(samples) - len(with_clip)) + 1
    )


def test_archived_recipes_are_hidden_and_kept(lib):
    store, (clip, _), noise, _ = lib
    review(store, NOISY, clip.hash, noise.hash)
    review(store, QUIET, clip.hash)
    store.set_recipe_archived(NOISY.id)
    assert [r["id"] for r in store.recipe_rows()] == [QUIET.id]
    assert [r["id"] for r in store.list_recipes()] == [QUIET.id]
    shown = {r["id"]: r for r in store.recipe_rows(include_archived=True)}
    assert shown[NOISY.id]["archived_at"] is not None and shown[NOISY.id]["reviews"] == 1
    assert store.recipe(NOISY.id).id == NOISY.id  # still there to open and export
    assert len(store.reviews()) == 2
    store.set_recipe_archived(NOISY.id, False)
    assert {r["id"] for r in store.recipe_rows()} == {NOISY.id, QUIET.id}
    with pytest.raises(AugcheckError, match="no recipe with id nope"):
        store.set_recipe_archived("nope")


def test_find_media_by_prefix(lib):
    store, (clip, _), _, _ = lib
    assert store.find_media(clip.hash[:12].upper()).hash == clip.hash
    with pytest.raises(AugcheckError, match="no media with hash 00000000"):
        store.find_media("00000000")
    for bad in ("abc", "zzzzzzzzzz", ""):
        with pytest.raises(ParameterError, match="not a media hash"):
            store.find_media(bad)


def cli(store, *args):
    return subprocess.run(
        [sys.executable, "-m", "augment", *args],
        cwd=ROOT,
        env={**os.environ, "AUGCHECK_DB_URL": store.url},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_delete_and_archive_on_the_command_line(lib):
    store, (clip, _), noise, _ = lib
    review(store, NOISY, clip.hash, noise.hash)
    p = cli(store, "delete", clip.hash[:12])
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert (out["hash"], out["deleted"], out["reviews_kept"]) == (clip.hash, True, 1)
    assert sql(store, "SELECT hash FROM blobs WHERE hash = :h", h=clip.hash) == []
    assert json.loads(cli(store, "delete", clip.hash).stdout)["deleted"] is False
    bad = cli(store, "delete", "0" * 12)
    assert bad.returncode == 2 and bad.stderr.strip() == "error: no media with hash 000000000000"
    p = cli(store, "archive", NOISY.id)
    assert p.returncode == 0 and json.loads(p.stdout)["archived"] is True, p.stderr
    assert store.recipe_rows() == []
    assert json.loads(cli(store, "archive", NOISY.id, "--undo").stdout)["archived"] is False
    assert [r["id"] for r in store.recipe_rows()] == [NOISY.id]


def test_library_page_deletes_after_a_confirmation(data_dir):
    st.cache_resource.clear()
    st.cache_data.clear()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    at.switch_page("views/library.py").run()
    assert not at.exception, at.exception
    from augment.store import Store

    store = Store()
    victim = store.list_media("noise")[0]
    at.button(key=f"delete_{victim.hash}").click().run()
    assert any("for good" in w.value for w in at.warning)
    assert store.media_bytes(victim.hash)  # nothing happens before the confirmation
    at.button(key=f"delete_no_{victim.hash}").click().run()  # cancel
    assert not any("for good" in w.value for w in at.warning)
    at.button(key=f"delete_{victim.hash}").click().run()
    at.button(key=f"delete_yes_{victim.hash}").click().run()
    assert not at.exception, at.exception
    assert store.media(victim.hash).deleted
    assert victim.hash not in {m.hash for m in store.list_media()}
    assert not [b for b in at.button if b.key == f"delete_{victim.hash}"]  # gone from the list
    store.engine.dispose()
