"""Recipes page speed with 100 recipes and 20,000 reviews (target: renders in under 1 s).

Builds that database in a temporary folder (bulk inserts, seeded), then times the Recipes page
through Streamlit's AppTest: the first run (cold caches) and warm reruns, median of several.
Run from the repository root: ``python benchmarks/recipes_page.py``.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

N_RECIPES = 100
N_REVIEWS = 20_000
N_RUNS = 7
TARGET_S = 1.0


def build(data_dir: Path) -> None:
    import numpy as np
    from sqlalchemy import insert

    from augment.checklist import verdict_for
    from augment.recipe import Recipe
    from augment.store import Store, load_demo_assets
    from augment.store.schema import ReviewRow

    store = Store(f"sqlite:///{data_dir / 'augcheck.db'}")
    load_demo_assets(store)
    clip = store.list_media("speech")[0].hash
    noise = store.list_media("noise")[0].hash
    rng = np.random.default_rng(0)
    recipes = []
    for i in range(N_RECIPES):
        lo = -10.0 + 0.25 * i  # distinct settings: ids are content hashes
        r = Recipe.from_dict(
            {
                "name": f"recipe {i:03d}",
                "steps": [
                    {"step": "background_noise", "snr_db": [lo, lo + 20]},
                    {"step": "gain", "gain_db": [-6, 0]},
                ],
            }
        )
        store.save_recipe(r)
        recipes.append(r)
    rows = []
    for k in range(N_REVIEWS):
        r = recipes[k % N_RECIPES]
        lo, hi = r.steps[0].settings["snr_db"]
        snr = float(rng.uniform(lo, hi))
        clear = bool(rng.random() < 1 / (1 + np.exp(-(snr - 5) / 2)))
        realistic = bool(rng.random() < 0.8)
        rows.append(
            {
                "recipe_id": r.id,
                "recipe_json": r.to_json(indent=None),
                "params_json": json.dumps(
                    [
                        {
                            "step": "background_noise",
                            "snr_db": snr,
                            "noise": noise,
                            "noise_name": "cafe",
                            "offset_s": 1.0,
                        },
                        {"step": "gain", "gain_db": float(rng.uniform(-6, 0))},
                    ]
                ),
                "seed": int(rng.integers(2**31)),
                "clip_hash": clip,
                "noise_hash": noise,
                "inputs_json": json.dumps({"clip": clip, "noise": noise}),
                "reviewer": f"reviewer{int(rng.integers(12))}",
                "realistic": realistic,
                "clear": clear,
                "model_poor": ("yes", "no", "unknown")[int(rng.integers(3))],
                "verdict": verdict_for(realistic, clear),
                "note": "",
                "metrics_json": json.dumps(
                    {
                        "snr_db": snr,
                        "hints": {"stoi": float(np.clip(0.6 + snr / 60, 0, 1))},
                        "model": {"wer_augmented": float(np.clip(0.5 - snr / 40, 0, 1.5))},
                    }
                ),
                "origin": "studio",
                "app_version": "bench",
                "versions_json": "{}",
            }
        )
    with store.engine.begin() as conn:
        conn.execute(insert(ReviewRow), rows)
    store.engine.dispose()


def main() -> int:
    tmp = Path(tempfile.mkdtemp(prefix="augcheck_bench_recipes_"))
    os.environ["AUGCHECK_DATA_DIR"] = str(tmp)
    t0 = time.perf_counter()
    build(tmp)
    build_s = time.perf_counter() - t0

    import streamlit as st
    from streamlit.testing.v1 import AppTest

    st.cache_resource.clear()
    st.cache_data.clear()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()  # the Studio (default page) once: imports, store, demo check
    t0 = time.perf_counter()
    at.switch_page("views/recipes.py").run()
    first_s = time.perf_counter() - t0
    if at.exception:
        print("page raised:", at.exception[0].message)
        return 1
    n_rows = len(at.dataframe[0].value)
    reruns = []
    for _ in range(N_RUNS):
        t0 = time.perf_counter()
        at.run()
        reruns.append(time.perf_counter() - t0)
    # picking another recipe: its reviews, fits and plots are computed anew
    picks = []
    ids = list(at.selectbox(key="recipe_pick").options)
    for i in range(1, N_RUNS + 1):
        t0 = time.perf_counter()
        at.selectbox(key="recipe_pick").set_value(at.selectbox(key="recipe_pick").options[i])
        at.run()
        picks.append(time.perf_counter() - t0)
    warm = statistics.median(reruns)
    pick = statistics.median(picks)
    load = os.getloadavg()
    print(f"Recipes page, {N_RECIPES} recipes, {N_REVIEWS} reviews (built in {build_s:.1f} s)")
    print(f"  recipes listed:                         {n_rows} (of {len(ids)} in the picker)")
    print(f"  first render (cold page caches):        {first_s * 1000:7.0f} ms")
    print(f"  rerun, same recipe (median of {N_RUNS}):      {warm * 1000:7.0f} ms")
    print(f"  pick another recipe (median of {N_RUNS}):     {pick * 1000:7.0f} ms")
    ok = first_s < TARGET_S and pick < TARGET_S
    print(f"  target < {TARGET_S:.0f} s: {'PASS' if ok else 'FAIL'}   (load average {load[0]:.2f})")
    print(
        json.dumps(
            {
                "recipes": N_RECIPES,
                "reviews": N_REVIEWS,
                "first_s": round(first_s, 3),
                "rerun_median_s": round(warm, 3),
                "pick_median_s": round(pick, 3),
                "target_s": TARGET_S,
                "pass": ok,
                "loadavg": load[0],
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
