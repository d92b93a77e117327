"""20 labelers answering one review round at the same time, on SQLite and on PostgreSQL.

Each simulated labeler runs the Review page's own code path, in a loop: ``labeling.next_sample``
(what to show) then ``labeling.answer`` (the "Save and next" button) with the parameters and
metrics of the rendered sample, until the round is done; one answer in ten is submitted twice
(a double click, a second tab), which must be ignored. Labelers are threads sharing one
``Store`` by default, as the sessions of one Streamlit server do (Streamlit runs every session
in a thread of one process, and ``get_store`` is one store per process); ``--processes`` gives
each labeler its own process and store instead (several app servers on one database).

Printed per database: answers per second (wall clock, all labelers), the median and p95
latency of one ``answer`` call and of one whole step (next + answer), errors, and the checks:
every acknowledged answer is in the database (0 lost), no (labeler, sample) twice and no review
twice (0 duplicated), every recipe answer has its review. Exit code 1 when a check fails.

PostgreSQL: ``--pg-url URL``, or by default a throwaway server started here from Debian's
binaries (``tests/pg_server.py``, durable settings: fsync and synchronous commit on).

Run from the repository root: ``python benchmarks/round_load.py [--db sqlite|postgresql|both]``.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import random
import statistics
import sys
import tempfile
import threading
import time
import traceback
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(1, str(ROOT / "tests"))  # pg_server: the tests' throwaway PostgreSQL

CLIPS = [f"cmu_arctic_us_aew_a000{i}.wav" for i in (1, 2, 3)]
NOISE = "doing_the_dishes.wav"
RECIPES = [
    {"name": "cafe 0-20 dB", "steps": [{"step": "background_noise", "snr_db": [0, 20]}]},
    {
        "name": "phone line",
        "steps": [
            {"step": "background_noise", "snr_db": [5, 15]},
            {"step": "band_pass", "low_hz": 300, "high_hz": 3400},
        ],
    },
]


def setup(url: str, samples_per_recipe: int, anchor_share: float) -> tuple[str, dict]:
    """A fresh round on ``url``: real clips and noise from tests/data; returns its token and
    each sample's rendered parameters and metrics (what the page passes to ``answer``)."""
    from augment.recipe import Recipe
    from augment.review import rounds
    from augment.store import Store, migrate

    migrate.upgrade(url)  # what `python -m augment db upgrade` does (PostgreSQL needs it)
    store = Store(url)
    data = ROOT / "tests" / "data"
    clips = [store.add_media((data / c).read_bytes(), name=c, kind="speech")[0].hash for c in CLIPS]
    noise = store.add_media((data / NOISE).read_bytes(), name=NOISE, kind="noise")[0].hash
    recipe_ids = [store.save_recipe(Recipe.from_dict(r)) for r in RECIPES]
    info = rounds.create_round(
        store,
        name="load test",
        recipe_ids=recipe_ids,
        clip_hashes=clips,
        noise_hashes=[noise],
        samples_per_recipe=samples_per_recipe,
        offer_reference=True,
        anchor_share=anchor_share,
        created_by="bench",
        seed=1,
    )
    rendered = {}
    for s in rounds.round_samples(store, info.token):
        out = rounds.render_sample(store, s)
        rendered[s.id] = {"params": out.params, "metrics": out.metrics}
    store.engine.dispose()
    return info.token, rendered


def labeler(store, token, name, rendered, start, double_share, seed) -> dict:
    """One labeler working through the round as the Review page does; returns what happened."""
    from augment.review import labeling

    rng = random.Random(seed)
    acked, ignored, answer_s, step_s, errors = [], 0, [], [], []
    start.wait()
    while True:
        t0 = time.perf_counter()
        try:
            sample, _done, _total = labeling.next_sample(store, token, name)
            if sample is None:
                break
            answers = dict(
                realistic=rng.random() < 0.8,
                clear=rng.random() < 0.7,
                model_poor=rng.choice(("yes", "no", "unknown")),
                note=f"{name} on {sample.id}",
                **rendered[sample.id],
            )
            t1 = time.perf_counter()
            stored = labeling.answer(store, token, name, sample.id, **answers)
            t2 = time.perf_counter()
            if stored:
                acked.append(sample.id)  # acknowledged: the function returned
            else:
                errors.append(f"{name}: first submit of sample {sample.id} was not stored")
            answer_s.append(t2 - t1)
            step_s.append(t2 - t0)
            if rng.random() < double_share:  # the same answer again: must be ignored
                if labeling.answer(store, token, name, sample.id, **answers):
                    errors.append(f"{name}: a second submit of sample {sample.id} was stored")
                else:
                    ignored += 1
        except Exception as exc:  # counted and shown; the labeler presses again
            errors.append(
                f"{name}: {type(exc).__name__}: {' | '.join(str(exc).splitlines()[:2])[:300]}"
            )
            if len(errors) > 50:
                break
    return {
        "name": name,
        "acked": acked,
        "ignored": ignored,
        "answer_s": answer_s,
        "step_s": step_s,
        "errors": errors,
    }


def _process_labeler(url, token, name, rendered, start, double_share, seed, queue) -> None:
    from augment.store import Store

    store = Store(url)
    try:
        queue.put(labeler(store, token, name, rendered, start, double_share, seed))
    except BaseException:
        queue.put({"name": name, "fatal": traceback.format_exc()})
    finally:
        store.engine.dispose()


def run(url: str, n_labelers: int, processes: bool, double_share: float, token, rendered) -> dict:
    from augment.store import Store

    names = [f"labeler{i:02d}" for i in range(n_labelers)]
    if processes:
        ctx = mp.get_context("spawn")
        start, queue = ctx.Barrier(n_labelers + 1), ctx.Queue()
        procs = [
            ctx.Process(
                target=_process_labeler,
                args=(url, token, n, rendered, start, double_share, i, queue),
            )
            for i, n in enumerate(names)
        ]
        for p in procs:
            p.start()
        start.wait()  # every labeler has imported and connected
        t0 = time.perf_counter()
        results = [queue.get() for _ in procs]
        wall = time.perf_counter() - t0
        for p in procs:
            p.join()
    else:
        store = Store(url)  # one per process, shared by its sessions' threads
        start = threading.Barrier(n_labelers + 1)
        results, threads = [], []
        lock = threading.Lock()

        def work(i, n):
            r = labeler(store, token, n, rendered, start, double_share, i)
            with lock:
                results.append(r)

        threads = [threading.Thread(target=work, args=(i, n)) for i, n in enumerate(names)]
        for t in threads:
            t.start()
        start.wait()
        t0 = time.perf_counter()
        for t in threads:
            t.join()
        wall = time.perf_counter() - t0
        store.engine.dispose()
    fatal = [r["fatal"] for r in results if "fatal" in r]
    if fatal:
        raise RuntimeError(fatal[0])
    return {"wall_s": wall, "results": results}


def check(url: str, token: str, results: list[dict], n_samples: int) -> dict:
    """Compare what the labelers were told (acknowledged) with what the database holds."""
    from sqlalchemy import text

    from augment.review import rounds
    from augment.store import Store

    store = Store(url)
    info = rounds.get_round(store, token)
    with store.engine.connect() as c:
        rows = c.execute(
            text(
                "SELECT a.labeler, a.sample_id, a.review_id, s.kind FROM round_answers a "
                "JOIN round_samples s ON s.id = a.sample_id WHERE a.round_id = :r"
            ),
            {"r": info.id},
        ).fetchall()
        review_refs = c.execute(
            text("SELECT reviewer, inputs_json FROM reviews WHERE origin = 'round'")
        ).fetchall()
    store.engine.dispose()
    stored = Counter((r.labeler, r.sample_id) for r in rows)
    acked = {(r["name"], sid) for r in results for sid in r["acked"]}
    acked_twice = sum(
        n - 1 for r in results for n in Counter(r["acked"]).values() if n > 1
    )  # an answer acknowledged as new twice
    reviews = Counter((who, json.loads(inp)["round_sample"]) for who, inp in review_refs)
    recipe_answers = {(r.labeler, r.sample_id) for r in rows if r.kind == "recipe"}
    return {
        "expected": len(results) * n_samples,
        "stored": len(rows),
        "acknowledged": len(acked),
        "lost": len(acked - set(stored)),
        "duplicated": sum(n - 1 for n in stored.values())
        + sum(n - 1 for n in reviews.values())
        + acked_twice,
        "recipe_answers_without_review": len(recipe_answers - set(reviews)),
        "reviews_without_answer": len(set(reviews) - recipe_answers),
    }


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def bench(db: str, url: str, args) -> dict:
    token, rendered = setup(url, args.samples_per_recipe, args.anchor_share)
    n_samples = len(rendered)
    out = run(url, args.labelers, args.processes, args.double_share, token, rendered)
    results = out["results"]
    answer_s = [x for r in results for x in r["answer_s"]]
    step_s = [x for r in results for x in r["step_s"]]
    errors = [e for r in results for e in r["errors"]]
    checks = check(url, token, results, n_samples)
    figures = {
        "db": db,
        "mode": "processes" if args.processes else "threads",
        "labelers": args.labelers,
        "samples": n_samples,
        "answers": checks["stored"],
        "wall_s": round(out["wall_s"], 2),
        "answers_per_s": round(checks["stored"] / out["wall_s"], 1),
        "answer_ms_median": round(1000 * statistics.median(answer_s), 1),
        "answer_ms_p95": round(1000 * pct(answer_s, 0.95), 1),
        "step_ms_p95": round(1000 * pct(step_s, 0.95), 1),
        "double_submits_ignored": sum(r["ignored"] for r in results),
        "errors": len(errors),
        **checks,
    }
    print(
        f"{db:10s} {figures['labelers']} labelers x {n_samples} samples ({figures['mode']}): "
        f"{figures['answers']} answers in {figures['wall_s']} s = "
        f"{figures['answers_per_s']} answers/s; answer() median {figures['answer_ms_median']} ms, "
        f"p95 {figures['answer_ms_p95']} ms (next + answer p95 {figures['step_ms_p95']} ms); "
        f"lost {checks['lost']}, duplicated {checks['duplicated']}, "
        f"recipe answers without review {checks['recipe_answers_without_review']}, "
        f"double submits ignored {figures['double_submits_ignored']}, errors {len(errors)}"
    )
    for e in errors[:5]:
        print(f"  error: {e}")
    return figures


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    p.add_argument("--labelers", type=int, default=20)
    p.add_argument("--samples-per-recipe", type=int, default=20, help="2 recipes (default 20)")
    p.add_argument("--anchor-share", type=float, default=0.2)
    p.add_argument("--double-share", type=float, default=0.1, help="answers submitted twice")
    p.add_argument("--processes", action="store_true", help="a process per labeler")
    p.add_argument("--pg-url", help="an empty PostgreSQL database (default: start a server)")
    args = p.parse_args(argv)

    figures = []
    with tempfile.TemporaryDirectory(prefix="round_load_") as tmp:
        if args.db in ("sqlite", "both"):
            figures.append(bench("sqlite", f"sqlite:///{Path(tmp) / 'augcheck.db'}", args))
        if args.db in ("postgresql", "both"):
            if args.pg_url:
                figures.append(bench("postgresql", args.pg_url, args))
            else:
                from pg_server import TempPostgres

                with TempPostgres(durable=True) as server:
                    figures.append(bench("postgresql", server.create_database("bench"), args))
    for f in figures:
        print(json.dumps(f))
    ok = all(
        f["lost"] == 0
        and f["duplicated"] == 0
        and f["recipe_answers_without_review"] == 0
        and f["reviews_without_answer"] == 0
        and f["answers"] == f["expected"]
        and f["errors"] == 0
        for f in figures
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
