"""SIGKILL while reviews are being saved: after a restart, every acknowledged review is there.

A child process saves through the code paths the pages use (``labeling.answer``, what the Review
page's "Save and next" calls, and ``Store.save_review``, the Studio's "Save label"), printing one
line after each call returned: that is the acknowledgement a user sees. The test kills it with
SIGKILL at a random moment, "restarts" (a new ``Store`` on the same database, as the app does on
start), checks that everything acknowledged is stored whole, then lets a new child go on
from where the old one stopped, three times. Runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import json
import os
import random
import select
import signal
import subprocess
import sys
import time

import augment.review.labeling as labeling
import augment.review.rounds as rounds
from augment.recipe import Recipe
from augment.store import Store
from tests.conftest import ROOT, noise_signal, speechlike, sql, wav_bytes

NOISY = Recipe.from_dict(
    {"name": "cafe 0-20 dB", "steps": [{"step": "background_noise", "snr_db": [0, 20]}]}
)
LABELERS = ("ana", "bo")
KILLS = 3
ACKS_BEFORE_KILL = 6

#: The saving process: alternately a round answer (per labeler) and a Studio review, each
#: acknowledged on stdout once the call has returned; runs until killed.
CHILD = r"""
import json, sys
from augment.review import labeling, rounds
from augment.recipe import Recipe
from augment.store import Store

url, token, clip, noise, recipe_json = sys.argv[1:6]
store = Store(url)
recipe = Recipe.from_json(recipe_json)
print(json.dumps({"ready": True}), flush=True)
n = 0
while True:
    for who in ("ana", "bo"):
        sample, _, _ = labeling.next_sample(store, token, who)
        if sample is not None:
            assert labeling.answer(store, token, who, sample.id, realistic=True, clear=n % 2 == 0,
                                 model_poor="no", note=f"{who}:{sample.id}", params=[])
            print(json.dumps({"answer": [who, sample.id]}), flush=True)
        rid = store.save_review(recipe=recipe, params=[{"step": "background_noise", "snr_db": 5.0}],
                                seed=n, clip_hash=clip, noise_hash=noise, reviewer=who,
                                realistic=True, clear=True, model_poor="no", note=f"studio {n}")
        print(json.dumps({"review": rid, "seed": n, "who": who}), flush=True)
        n += 1
"""


def _read_line(proc, deadline):
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], 0.5)
        if ready:
            line = proc.stdout.readline()
            if not line:
                return None  # the child ended
            return json.loads(line)
        if proc.poll() is not None:
            return None
    raise AssertionError("the saving process stopped acknowledging")


def test_sigkill_while_saving_loses_no_acknowledged_review(store):
    clip = store.add_media(wav_bytes(speechlike(1.0)), name="c.wav", kind="speech")[0].hash
    noise = store.add_media(wav_bytes(noise_signal(1.5)), name="n.wav", kind="noise")[0].hash
    store.save_recipe(NOISY)
    info = rounds.create_round(
        store,
        name="crash round",
        recipe_ids=[NOISY.id],
        clip_hashes=[clip],
        noise_hashes=[noise],
        samples_per_recipe=30,
        offer_reference=False,
        anchor_share=0.0,
        created_by="eng",
        seed=3,
    )
    store.engine.dispose()
    rng = random.Random(0)
    answers_acked: set[tuple[str, int]] = set()
    reviews_acked: dict[int, tuple[int, str]] = {}
    for cycle in range(KILLS):
        proc = subprocess.Popen(
            [sys.executable, "-c", CHILD, store.url, info.token, clip, noise, NOISY.to_json()],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        try:
            deadline = time.monotonic() + 120
            acks = 0
            while acks < ACKS_BEFORE_KILL:
                msg = _read_line(proc, deadline)
                assert msg is not None, proc.stderr.read()
                if "answer" in msg:
                    answers_acked.add(tuple(msg["answer"]))
                    acks += 1
                elif "review" in msg:
                    reviews_acked[msg["review"]] = (msg["seed"], msg["who"])
                    acks += 1
            # somewhere inside the next save: a commit, a flush, between two statements
            time.sleep(rng.uniform(0.0, 0.25))
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
            assert proc.returncode == -signal.SIGKILL, proc.stderr.read()
            for line in proc.stdout:  # printed before the kill: acknowledged too
                msg = json.loads(line)
                if "answer" in msg:
                    answers_acked.add(tuple(msg["answer"]))
                elif "review" in msg:
                    reviews_acked[msg["review"]] = (msg["seed"], msg["who"])
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            proc.stdout.close()
            proc.stderr.close()

        # --- the restart: a new store on the same database ----------------------------------
        fresh = Store(store.url)
        try:
            studio = {
                r["id"]: (r["seed"], r["reviewer"])
                for r in fresh.reviews()
                if r["origin"] == "studio"
            }
            missing = {rid: v for rid, v in reviews_acked.items() if studio.get(rid) != v}
            assert not missing, f"cycle {cycle}: acknowledged Studio reviews lost: {missing}"
            rows = sql(
                fresh,
                "SELECT a.labeler, a.sample_id, a.review_id, a.note, r.reviewer, r.note "
                "FROM round_answers a LEFT JOIN reviews r ON r.id = a.review_id "
                "WHERE a.round_id = :r",
                r=info.id,
            )
            stored = {
                (lab, sid): (rid, note, rev, rnote) for lab, sid, rid, note, rev, rnote in rows
            }
            lost = answers_acked - set(stored)
            assert not lost, f"cycle {cycle}: acknowledged round answers lost: {sorted(lost)}"
            for (lab, sid), (rid, note, reviewer, review_note) in stored.items():
                # every stored answer is whole: its review is there and is this labeler's
                assert rid is not None, f"cycle {cycle}: answer {lab}/{sid} has no review"
                assert (reviewer, review_note, note) == (lab, f"{lab}:{sid}", f"{lab}:{sid}")
            # the labelers go on where they stopped: nothing acknowledged is asked again
            for who in LABELERS:
                sample, done, total = labeling.next_sample(fresh, info.token, who)
                mine = {sid for lab, sid in stored if lab == who}
                assert done == len(mine) and (sample is None or sample.id not in mine)
        finally:
            fresh.engine.dispose()
    assert len(answers_acked) >= KILLS * 2 and len(reviews_acked) >= KILLS * 2
