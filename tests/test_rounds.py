import json
import os
import subprocess
import sys
import threading
from collections import Counter
from types import SimpleNamespace

import numpy as np
import pytest

import augment.review.labeling as labeling
import augment.review.round_results as round_results
import augment.review.rounds as rounds
from augment.errors import AugcheckError, ParameterError
from augment.recipe import Recipe
from augment.store import Store
from tests.conftest import ROOT, noise_signal, speechlike, sql_value, wav_bytes

NOISY = Recipe.from_dict(
    {"name": "cafe 0-20 dB", "steps": [{"step": "background_noise", "snr_db": [0, 20]}]}
)
QUIET = Recipe.from_dict({"name": "quieter", "steps": [{"step": "gain", "gain_db": -6}]})
ROOM = Recipe.from_dict(
    {"name": "measured room", "steps": [{"step": "reverb", "room": "impulse_response"}]}
)


@pytest.fixture
def lib(store):
    clips = [
        store.add_media(wav_bytes(speechlike(1.0, seed=i)), name=f"c{i}.wav", kind="speech")[0].hash
        for i in range(3)
    ]
    noises = [
        store.add_media(wav_bytes(noise_signal(1.5, seed=10 + i)), name=f"n{i}.wav", kind="noise")[
            0
        ].hash
        for i in range(2)
    ]
    for r in (NOISY, QUIET, ROOM):
        store.save_recipe(r)
    return SimpleNamespace(store=store, clips=clips, noises=noises)


def make_round(lib, **kw):
    args = dict(
        name="first round",
        recipe_ids=[NOISY.id, QUIET.id],
        clip_hashes=lib.clips,
        noise_hashes=lib.noises,
        samples_per_recipe=20,
        offer_reference=True,
        anchor_share=0.2,
        created_by="eng",
        seed=7,
    )
    args.update(kw)
    return rounds.create_round(lib.store, **args)


def say(store, info, who, sample_id, **kw):
    args = dict(realistic=True, clear=True, model_poor="no", params=[])
    args.update(kw)
    return labeling.answer(store, info.token, who, sample_id, **args)


def count(store, query):
    return sql_value(store, query)


# --- creating ----------------------------------------------------------------------------------
def test_anchors_mixed_in_at_the_asked_share(lib):
    info = make_round(lib)
    samples = rounds.round_samples(lib.store, info.token)
    kinds = Counter(s.kind for s in samples)
    # 2 recipes x 20 = 40 recipe samples; share 0.2 -> 40 * 0.2 / 0.8 = 10 anchors, 10/50 = 0.2
    assert kinds == {"recipe": 40, "clean": 5, "bad": 5}
    assert info.total == 50 and info.n_anchors == 10
    assert [s.id for s in samples] == list(info.sample_ids)
    assert [s.position for s in samples] == list(range(50))
    for s in samples:
        assert s.clip_hash in lib.clips and 0 <= s.seed < 2**31
        if s.kind == "recipe":
            assert s.recipe_id in (NOISY.id, QUIET.id) and s.recipe.id == s.recipe_id
        else:
            assert s.recipe_id is None and s.is_anchor
        uses_noise = s.kind == "bad" or s.recipe_id == NOISY.id
        assert (s.noise_hash in lib.noises) if uses_noise else s.noise_hash is None
        assert s.ir_hash is None
    assert {s.recipe.id for s in samples if s.kind == "bad"} == {rounds.BAD_ANCHOR.id}
    assert rounds.BAD_ANCHOR.steps[0].settings == {"snr_db": -20.0}
    assert {len(s.recipe.steps) for s in samples if s.kind == "clean"} == {0}
    # clips spread evenly over each recipe's samples
    per_clip = Counter(s.clip_hash for s in samples if s.recipe_id == NOISY.id)
    assert sorted(per_clip.values()) == [6, 7, 7]


def test_share_zero_and_odd_anchor_count(lib):
    assert make_round(lib, anchor_share=0).n_anchors == 0
    # 1 recipe x 3 samples, share 0.25 -> 3 * 0.25 / 0.75 = 1 anchor: a clean one, no noise needed
    info = make_round(lib, recipe_ids=[QUIET.id], samples_per_recipe=3, noise_hashes=[])
    assert (info.n_clean_anchors, info.n_bad_anchors) == (1, 0)


def test_same_seed_same_samples_and_settings_kept(lib):
    a, b = make_round(lib), make_round(lib, name="again")
    key = lambda s: (s.kind, s.recipe_id, s.clip_hash, s.noise_hash, s.seed)  # noqa: E731
    sa = [key(s) for s in rounds.round_samples(lib.store, a.token)]
    sb = [key(s) for s in rounds.round_samples(lib.store, b.token)]
    assert sa == sb
    assert a.token != b.token and len(a.token) >= 10
    assert a.token.replace("-", "").replace("_", "").isalnum()
    c = make_round(lib, seed=8)
    assert [key(s) for s in rounds.round_samples(lib.store, c.token)] != sa
    got = rounds.get_round(lib.store, a.token)
    assert got == a
    assert (got.samples_per_recipe, got.offer_reference, got.anchor_share) == (20, True, 0.2)
    assert (got.anchor_threshold, got.seed, got.created_by) == (0.8, 7, "eng")
    assert got.recipe_ids == (NOISY.id, QUIET.id) and got.clip_hashes == tuple(lib.clips)
    assert [r.token for r in rounds.list_rounds(lib.store)] == [c.token, b.token, a.token]
    assert a.link("http://host:8501/round") == f"http://host:8501/round?round={a.token}"
    assert make_round(lib, seed=None).seed >= 0


@pytest.mark.parametrize(
    "change,error,match",
    [
        (dict(recipe_ids=[]), ParameterError, "at least one recipe"),
        (dict(clip_hashes=[]), ParameterError, "at least one clip"),
        (dict(noise_hashes=[], anchor_share=0), ParameterError, "mixes in noise"),
        (dict(recipe_ids=[QUIET.id], noise_hashes=[]), ParameterError, "'bad' attention"),
        (dict(recipe_ids=[ROOM.id]), ParameterError, "impulse response"),
        (dict(anchor_share=1.0), ParameterError, "anchor_share=1.0"),
        (dict(anchor_share=-0.1), ParameterError, "anchor_share=-0.1"),
        (dict(anchor_threshold=1.5), ParameterError, "anchor_threshold"),
        (dict(samples_per_recipe=0), ParameterError, "at least 1"),
        (dict(samples_per_recipe=2.5), ParameterError, "whole number"),
        (dict(name=" "), ParameterError, "name"),
        (dict(created_by=""), ParameterError, "your name"),
        (dict(recipe_ids=["0" * 16]), AugcheckError, "no recipe"),
        (dict(clip_hashes=["f" * 64]), AugcheckError, "no media"),
        (dict(seed=-1), ParameterError, "seed"),
    ],
)
def test_create_round_refuses(lib, change, error, match):
    with pytest.raises(error, match=match):
        make_round(lib, **change)
    assert rounds.list_rounds(lib.store) == []


def test_media_kinds_checked(lib):
    with pytest.raises(ParameterError, match="is a noise, not a speech"):
        make_round(lib, clip_hashes=lib.noises)
    with pytest.raises(ParameterError, match="is a speech, not a noise"):
        make_round(lib, noise_hashes=lib.clips)


def test_unknown_token(lib):
    with pytest.raises(AugcheckError, match="no review round"):
        rounds.get_round(lib.store, "nope")
    with pytest.raises(AugcheckError, match="no review round"):
        labeling.next_sample(lib.store, "nope", "ana")


# --- labelers' order -----------------------------------------------------------------------------
def test_sequence_shuffled_per_labeler(lib):
    info = make_round(lib)
    ana, bo = labeling.labeler_sequence(info, "ana"), labeling.labeler_sequence(info, "bo")
    assert sorted(ana) == sorted(bo) == sorted(info.sample_ids)
    assert len(set(ana)) == len(ana) == info.total  # no repeats
    assert ana != bo
    assert ana != list(info.sample_ids)  # shuffled, not the creation order
    assert labeling.labeler_sequence(info, "ana") == ana  # the same labeler, the same order
    assert labeling.labeler_sequence(info, "  ana ") == ana
    again = rounds.get_round(lib.store, info.token)
    assert labeling.labeler_sequence(again, "ana") == ana
    with pytest.raises(ParameterError, match="your name"):
        labeling.labeler_sequence(info, " ")


def test_sequence_independent_of_hash_salt(lib):
    info = make_round(lib)
    code = (
        "import json, sys\n"
        "from augment.store import Store\n"
        "import augment.review.rounds as r, augment.review.labeling as lab\n"
        "s = Store(sys.argv[1])\n"
        "print(json.dumps(lab.labeler_sequence(r.get_round(s, sys.argv[2]), 'ana')))\n"
    )
    orders = []
    for salt in ("1", "2"):
        out = subprocess.run(
            [sys.executable, "-c", code, lib.store.url, info.token],
            env={**os.environ, "PYTHONHASHSEED": salt},
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        orders.append(json.loads(out.stdout))
    assert orders[0] == orders[1] == labeling.labeler_sequence(info, "ana")


def test_next_sample_walks_the_sequence_without_repeats(lib):
    info = make_round(lib, samples_per_recipe=4, anchor_share=0.2)  # 8 + 2
    order = labeling.labeler_sequence(info, "ana")
    heard = []
    while True:
        sample, done, total = labeling.next_sample(lib.store, info.token, "ana")
        assert (done, total) == (len(heard), 10)
        if sample is None:
            break
        heard.append(sample.id)
        assert say(lib.store, info, "ana", sample.id)
    assert heard == order


def test_resumes_after_a_restart(lib):
    info = make_round(lib)
    order = labeling.labeler_sequence(info, "ana")
    for _ in range(3):
        sample, _, _ = labeling.next_sample(lib.store, info.token, "ana")
        say(lib.store, info, "ana", sample.id)
    lib.store.engine.dispose()
    fresh = Store(lib.store.url)  # another day, a restarted server
    sample, done, total = labeling.next_sample(fresh, info.token, "ana")
    assert sample.id == order[3] and (done, total) == (3, 50)
    # another labeler starts at the beginning of their own order
    other, done, _ = labeling.next_sample(fresh, info.token, "bo")
    assert other.id == labeling.labeler_sequence(info, "bo")[0] and done == 0


# --- answers -----------------------------------------------------------------------------------
def test_duplicate_answer_ignored(lib):
    info = make_round(lib)
    samples = rounds.round_samples(lib.store, info.token)
    recipe_sample = next(s for s in samples if s.kind == "recipe")
    assert say(lib.store, info, "ana", recipe_sample.id, note="first") is True
    assert say(lib.store, info, "ana", recipe_sample.id, clear=False, note="second") is False
    db = lib.store
    assert count(db, "select count(*) from round_answers") == 1
    assert count(db, "select note from round_answers") == "first"
    assert count(db, "select count(*) from reviews") == 1
    # another labeler may answer the same sample
    assert say(lib.store, info, "bo", recipe_sample.id) is True
    assert count(db, "select count(*) from round_answers") == 2


def test_a_failed_answer_leaves_nothing_behind_and_can_be_sent_again(lib):
    """The answer and its review are one transaction: a failure while saving the review (here a
    metric that is not JSON) rolls the answer back too, with no hand-written undo."""
    info = make_round(lib)
    noisy = next(s for s in rounds.round_samples(lib.store, info.token) if s.kind == "recipe")
    db = lib.store
    with pytest.raises(TypeError):
        say(lib.store, info, "ana", noisy.id, metrics={"snr_db": object()})
    assert count(db, "select count(*) from round_answers") == 0
    assert count(db, "select count(*) from reviews") == 0
    assert say(lib.store, info, "ana", noisy.id, metrics={"snr_db": 3.0}) is True
    assert count(db, "select count(*) from round_answers") == 1
    assert count(db, "select review_id from round_answers") == count(db, "select id from reviews")


def test_answer_refusals(lib):
    info = make_round(lib)
    other = make_round(lib, name="other")
    sid = info.sample_ids[0]
    with pytest.raises(ParameterError, match="your name"):
        say(lib.store, info, "  ", sid)
    with pytest.raises(ParameterError, match="not part of round"):
        say(lib.store, info, "ana", 10**6)
    with pytest.raises(ParameterError, match="not part of round"):
        say(lib.store, info, "ana", other.sample_ids[0])
    with pytest.raises(ParameterError, match="model_poor='maybe'"):
        say(lib.store, info, "ana", sid, model_poor="maybe")
    with pytest.raises(ParameterError, match="yes or no"):
        say(lib.store, info, "ana", sid, realistic="yes")
    assert count(lib.store, "select count(*) from round_answers") == 0


def test_recipe_answers_become_reviews_anchor_answers_do_not(lib):
    info = make_round(lib)
    samples = rounds.round_samples(lib.store, info.token)
    noisy = next(s for s in samples if s.recipe_id == NOISY.id)
    clean = next(s for s in samples if s.kind == "clean")
    bad = next(s for s in samples if s.kind == "bad")
    params = [{"step": "background_noise", "snr_db": 7.5, "noise": noisy.noise_hash}]
    assert say(
        lib.store, info, "ana", noisy.id, params=params, metrics={"snr_db": 7.5}, note="hiss"
    )
    say(lib.store, info, "ana", clean.id)
    say(lib.store, info, "ana", bad.id, clear=False)
    reviews = lib.store.reviews()
    assert len(reviews) == 1
    r = reviews[0]
    assert (r["origin"], r["recipe_id"], r["reviewer"]) == ("round", NOISY.id, "ana")
    assert (r["seed"], r["clip_hash"], r["note"]) == (noisy.seed, noisy.clip_hash, "hiss")
    assert r["noise_hash"] == noisy.noise_hash and r["verdict"] == "accept"
    assert r["params"] == params and r["metrics"] == {"snr_db": 7.5}
    assert r["inputs"]["round"] == info.token and r["inputs"]["round_sample"] == noisy.id
    by_sample = {a["sample_id"]: a for a in round_results.round_answers(lib.store, info.token)}
    assert by_sample[noisy.id]["review_id"] == r["id"]
    assert by_sample[clean.id]["review_id"] is None and by_sample[bad.id]["review_id"] is None
    summary = {s["recipe_id"]: s for s in lib.store.recipe_summary()}
    assert summary[NOISY.id]["reviews"] == 1 and rounds.BAD_ANCHOR.id not in summary


def test_answer_without_params_renders_the_sample(lib):
    info = make_round(lib, samples_per_recipe=2)
    samples = rounds.round_samples(lib.store, info.token)
    noisy = next(s for s in samples if s.recipe_id == NOISY.id)
    out = rounds.render_sample(lib.store, noisy)
    assert labeling.answer(
        lib.store, info.token, "ana", noisy.id, realistic=False, clear=True, model_poor="yes"
    )
    r = lib.store.reviews()[0]
    assert r["params"] == json.loads(json.dumps(out.params))  # what the labeler heard
    assert r["params"][0]["noise"] == noisy.noise_hash and 0 <= r["params"][0]["snr_db"] <= 20
    assert r["metrics"]["snr_db"] == pytest.approx(r["params"][0]["snr_db"], abs=0.01)
    assert r["verdict"] == "reject"


def test_anchor_renderings(lib):
    info = make_round(lib, samples_per_recipe=4, anchor_share=0.5)  # 8 + 8 anchors
    samples = rounds.round_samples(lib.store, info.token)
    bad = next(s for s in samples if s.kind == "bad")
    assert rounds.render_sample(lib.store, bad).metrics["snr_db"] == pytest.approx(-20, abs=0.01)
    clean = next(s for s in samples if s.kind == "clean")
    out = rounds.render_sample(lib.store, clean)
    from augment.audio import decode

    original = decode(lib.store.media_bytes(clean.clip_hash)).samples
    np.testing.assert_array_equal(out.samples, original)


# --- two labelers at once -------------------------------------------------------------------------
def _run_threads(targets):
    errors = []

    def wrap(fn):
        def run():
            try:
                fn()
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        return run

    threads = [threading.Thread(target=wrap(fn)) for fn in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert not any(t.is_alive() for t in threads)


def test_two_labelers_answering_at_the_same_time(lib):
    info = make_round(lib, samples_per_recipe=10, anchor_share=0.2)  # 20 + 5
    barrier = threading.Barrier(2)

    def labeler(who):
        def work():
            st = Store(lib.store.url)  # each its own server connection pool
            barrier.wait()
            try:
                while True:
                    sample, _, _ = labeling.next_sample(st, info.token, who)
                    if sample is None:
                        return
                    assert say(st, info, who, sample.id, clear=who == "ana")
            finally:
                st.engine.dispose()

        return work

    _run_threads([labeler("ana"), labeler("bo")])
    db = lib.store
    assert count(db, "select count(*) from round_answers") == 50
    assert count(db, "select count(distinct labeler || '/' || sample_id) from round_answers") == 50
    assert count(db, "select count(*) from reviews where origin = 'round'") == 40
    assert count(db, "select count(*) from round_answers where review_id is null") == 10  # anchors
    # nobody overwrote anybody: ana said clear everywhere, bo nowhere
    assert count(db, "select count(*) from round_answers where labeler = 'ana' and clear") == 25
    assert count(db, "select count(*) from round_answers where labeler = 'bo' and clear") == 0
    for who in ("ana", "bo"):
        assert labeling.next_sample(lib.store, info.token, who) == (None, 25, 25)


def test_same_answer_submitted_at_once_is_stored_once(lib):
    info = make_round(lib, samples_per_recipe=5, anchor_share=0.2)  # 10 + 3
    barrier = threading.Barrier(4)
    created = Counter()
    lock = threading.Lock()

    def tab():
        st = Store(lib.store.url)
        barrier.wait()
        try:
            for sid in info.sample_ids:  # four tabs of the same labeler, same order
                if say(st, info, "ana", sid):
                    with lock:
                        created[sid] += 1
        finally:
            st.engine.dispose()

    _run_threads([tab] * 4)
    assert created == {sid: 1 for sid in info.sample_ids}
    db = lib.store
    assert count(db, "select count(*) from round_answers") == 13
    assert count(db, "select count(*) from reviews") == 10


# --- anchors and results ----------------------------------------------------------------------
def test_anchor_accuracy_and_flagging(lib):
    # 1 recipe x 4 samples, share 0.5 -> 4 anchors: 2 clean, 2 bad
    info = make_round(lib, recipe_ids=[QUIET.id], samples_per_recipe=4, anchor_share=0.5)
    samples = rounds.round_samples(lib.store, info.token)
    for s in samples:
        # good: right on every anchor; sloppy: "realistic and clear" to everything
        say(lib.store, info, "good", s.id, clear=s.kind != "bad")
        say(lib.store, info, "sloppy", s.id)
        if s.kind == "recipe":
            say(lib.store, info, "newbie", s.id, realistic=False)
    # one wrong clean anchor for "mostly": clean wrong if not realistic, 3 of 4 = 0.75 < 0.8
    first_clean = next(s for s in samples if s.kind == "clean")
    for s in samples:
        if s.is_anchor:
            say(lib.store, info, "mostly", s.id, clear=s.kind != "bad", realistic=s != first_clean)
    acc = round_results.anchor_accuracy(lib.store, info.token)
    assert acc["good"] == (4, 4, 1.0, False)
    assert acc["sloppy"] == (2, 4, 0.5, True)  # clean right, bad wrong
    assert acc["mostly"] == (3, 4, 0.75, True)
    assert acc["newbie"] == (0, 0, None, False)  # no anchor heard yet: not flagged
    assert round_results.excluded_labelers(lib.store, info.token) == ["mostly", "sloppy"]
    lenient = make_round(
        lib, recipe_ids=[QUIET.id], samples_per_recipe=4, anchor_share=0.5, anchor_threshold=0.5
    )
    for s in rounds.round_samples(lib.store, lenient.token):
        say(lib.store, lenient, "sloppy", s.id)
    assert round_results.anchor_accuracy(lib.store, lenient.token)["sloppy"].flagged is False

    summary = round_results.labeler_summary(lib.store, info.token, "sloppy")
    assert summary["answered"] == 8 and summary["remaining"] == 0
    assert summary["recipe_answers"] == 4 and summary["accept_share"] == 1.0
    assert (summary["anchors_correct"], summary["anchors_total"]) == (2, 4)
    assert summary["anchor_accuracy"] == 0.5 and summary["flagged"] is True
    fresh = round_results.labeler_summary(lib.store, info.token, "nobody")
    assert fresh["answered"] == 0 and fresh["accept_share"] is None and not fresh["flagged"]


def test_round_results(lib):
    info = make_round(lib, samples_per_recipe=3, anchor_share=0.25)  # 6 + 2 anchors
    samples = rounds.round_samples(lib.store, info.token)
    for s in samples:
        ok = s.kind != "bad"
        say(lib.store, info, "ana", s.id, clear=ok)  # accepts every recipe sample
        # bo rejects the noisy recipe, accepts the quiet one; right on anchors
        say(lib.store, info, "bo", s.id, clear=ok and s.recipe_id != NOISY.id, model_poor="yes")
        say(lib.store, info, "cy", s.id, clear=False)  # wrong on clean anchors -> excluded
    res = round_results.round_results(lib.store, info.token)
    assert res["answers"] == 24 and res["labelers"] == 3 and res["excluded"] == ["cy"]
    per_recipe = {r["recipe_id"]: r for r in res["per_recipe"]}
    assert per_recipe[NOISY.id]["recipe"] == "cafe 0-20 dB"
    assert per_recipe[NOISY.id]["samples"] == 3 and per_recipe[NOISY.id]["answers"] == 6
    assert per_recipe[NOISY.id]["accepted"] == 3 and per_recipe[NOISY.id]["accept_share"] == 0.5
    assert per_recipe[NOISY.id]["model_poor_yes"] == 3 and per_recipe[NOISY.id]["labelers"] == 2
    assert per_recipe[QUIET.id]["accepted"] == 6 and per_recipe[QUIET.id]["accept_share"] == 1.0
    per_labeler = {r["labeler"]: r for r in res["per_labeler"]}
    assert per_labeler["cy"]["excluded"] and per_labeler["cy"]["anchor_accuracy"] == 0.5
    assert per_labeler["ana"]["accept_share"] == 1.0 and per_labeler["bo"]["accept_share"] == 0.5
    # ana and bo: 6 samples rated twice, verdicts (a,a) x3 on QUIET and (a,r) x3 on NOISY
    # by hand: n = 12, o_aa = 3 * 2/1 = 6, o_rr = 0; n_a = 9, n_r = 3
    # alpha = (11 * 6 - (72 + 6)) / (12 * 11 - 78) = -12 / 54 = -2/9
    assert res["agreement"]["verdict"] == pytest.approx(-2 / 9)
    assert res["agreement"]["samples_with_two_or_more"] == 6
    assert res["agreement"]["realistic"] is None  # everyone said realistic: undefined
    everyone = round_results.round_results(lib.store, info.token, exclude_flagged=False)
    assert everyone["excluded"] == []
    assert {r["recipe_id"]: r["answers"] for r in everyone["per_recipe"]}[NOISY.id] == 9


def test_flagged_labelers_reviews_can_be_left_out_of_recipe_stats(lib):
    """A labeler who fails every anchor is flagged; their reviews drop out of recipe_rows."""
    store, recipe_id = lib.store, NOISY.id
    info = make_round(
        lib,
        recipe_ids=[recipe_id],
        samples_per_recipe=4,
        anchor_share=0.5,
        anchor_threshold=0.8,
        seed=3,
    )
    for who, careless in (("good", False), ("careless", True)):
        while True:
            sample, _, _ = labeling.next_sample(store, info.token, who)
            if sample is None:
                break
            if sample.kind == "clean":
                ok = not careless
                labeling.answer(
                    store, info.token, who, sample.id, realistic=ok, clear=ok, model_poor="no"
                )
            elif sample.kind == "bad":
                labeling.answer(
                    store,
                    info.token,
                    who,
                    sample.id,
                    realistic=True,
                    clear=careless,
                    model_poor="no",
                )
            else:
                labeling.answer(
                    store, info.token, who, sample.id, realistic=True, clear=True, model_poor="no"
                )
    flagged = round_results.flagged_review_ids(store)
    assert len(flagged) == 4  # the careless labeler's four recipe answers
    all_rows = {r["id"]: r for r in store.recipe_rows()}
    kept = {r["id"]: r for r in store.recipe_rows(exclude_ids=flagged)}
    assert all_rows[recipe_id]["reviews"] == 8 and kept[recipe_id]["reviews"] == 4
    assert kept[recipe_id]["reviewers"] == 1
