"""``python -m augment import`` / ``export``, and the Parquet export of reviews."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys

import pyarrow.parquet as pq

from augment.export.reviews import review_rows, reviews_parquet
from augment.recipe import Recipe, render, source
from tests.conftest import ROOT, SR, noise_signal, speechlike

RECIPE = {
    "name": "cafe, phone line",
    "steps": [
        {"step": "background_noise", "snr_db": [0, 20]},
        {"step": "band_pass", "low_hz": 300, "high_hz": 3400},
        {"step": "gain", "gain_db": -3},
    ],
}


def cli(tmp_path, *args):
    env = {**os.environ, "AUGCHECK_DATA_DIR": str(tmp_path / "data")}
    env.pop("AUGCHECK_DB_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "augment", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
    )


def one_line_error(p) -> str:
    assert p.returncode == 2, p.stdout
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), p.stderr
    return lines[0]


def recipe_file(tmp_path, data=RECIPE, name="recipe.json"):
    path = tmp_path / name
    path.write_text(json.dumps(data))
    return path


def test_import_stores_once(tmp_path):
    path = recipe_file(tmp_path)
    expected = Recipe.from_json(path.read_text()).id
    p = cli(tmp_path, "import", path)
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout) == {"recipe_id": expected, "name": RECIPE["name"], "created": True}
    assert (tmp_path / "data" / "augcheck.db").exists()
    again = cli(tmp_path, "import", path)
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["created"] is False
    assert json.loads(again.stdout)["recipe_id"] == expected


def test_export_by_id_round_trips(tmp_path):
    rid = json.loads(cli(tmp_path, "import", recipe_file(tmp_path)).stdout)["recipe_id"]
    p = cli(tmp_path, "export", rid, "--to", "json")
    assert p.returncode == 0, p.stderr
    back = Recipe.from_json(p.stdout)
    assert back.id == rid and back.name == RECIPE["name"]
    assert cli(tmp_path, "export", rid).stdout == p.stdout  # json is the default


def test_export_audiomentations_code_compiles(tmp_path):
    rid = json.loads(cli(tmp_path, "import", recipe_file(tmp_path)).stdout)["recipe_id"]
    p = cli(tmp_path, "export", rid, "--to", "audiomentations")
    assert p.returncode == 0, p.stderr
    code = p.stdout
    compile(code, "x", "exec")
    assert rid in code.splitlines()[0]
    assert "AddBackgroundNoise(" in code and "BandPassFilter(" in code and "Gain(" in code


def test_export_from_a_file_needs_no_database(tmp_path):
    path = recipe_file(tmp_path)
    p = cli(tmp_path, "export", path, "--to", "json")
    assert p.returncode == 0, p.stderr
    assert Recipe.from_json(p.stdout).id == Recipe.from_json(path.read_text()).id
    p = cli(tmp_path, "export", path, "--to", "audiomentations")
    assert p.returncode == 0, p.stderr
    compile(p.stdout, "x", "exec")


def test_export_errors_are_one_line(tmp_path):
    assert one_line_error(cli(tmp_path, "export", "0123456789abcdef")) == (
        "error: no recipe with id 0123456789abcdef"
    )
    assert "cannot read" in one_line_error(cli(tmp_path, "export", tmp_path / "missing.json"))
    assert "invalid choice" in one_line_error(
        cli(tmp_path, "export", recipe_file(tmp_path), "--to", "yaml")
    )
    bad = recipe_file(tmp_path, {"steps": [{"step": "gain", "gain_db": 99}]}, "bad.json")
    assert "gain.gain_db=99" in one_line_error(cli(tmp_path, "import", bad))
    assert "cannot read" in one_line_error(cli(tmp_path, "import", tmp_path / "nope.json"))


# --- Parquet ----------------------------------------------------------------------------------
def test_reviews_parquet_has_one_row_per_review(store):
    r1 = Recipe.from_dict(RECIPE)
    r2 = Recipe.from_dict({"name": "room", "steps": [{"step": "reverb", "wet": 0.5}]})
    noise = source("n" * 64, "cafe", noise_signal(3.0), SR)
    clip = speechlike(1.5)
    saved = []
    for r, seed in ((r1, 1), (r1, 2), (r2, 3)):
        out = render(r, clip, SR, seed=seed, noises=[noise])
        store.save_review(
            recipe=r,
            params=out.params,
            seed=seed,
            clip_hash="c" * 64,
            reviewer="ann",
            realistic=seed != 2,
            clear=True,
            model_poor="unknown",
            metrics=out.metrics,
        )
        saved.append(out)
    reviews = store.reviews()
    table = pq.read_table(io.BytesIO(reviews_parquet(reviews)))
    columns, _ = review_rows(reviews)
    assert table.num_rows == 3
    assert table.column_names == columns
    assert "background_noise.snr_db" in table.column_names
    seeds, snrs = table["seed"].to_pylist(), table["background_noise.snr_db"].to_pylist()
    snr = dict(zip(seeds, snrs, strict=True))
    assert snr[3] is None  # the reverb recipe has no noise step
    for out in saved[:2]:
        assert snr[out.seed] == out.params[0]["snr_db"]
    assert table.schema.field("background_noise.snr_db").type == "double"
    assert table["verdict"].to_pylist().count("reject") == 1


def test_reviews_parquet_handles_mixed_columns():
    reviews = [
        {"id": 1, "params": [{"step": "gain", "gain_db": 3}], "metrics": {"x": 1}},
        {"id": 2, "params": [{"step": "gain", "gain_db": -2.5}], "metrics": {"x": "n/a"}},
        {"id": 3, "params": [], "metrics": {"x": [1, 2]}},
    ]
    table = pq.read_table(io.BytesIO(reviews_parquet(reviews)))
    assert table.num_rows == 3
    assert table["gain.gain_db"].to_pylist() == [3.0, -2.5, None]  # whole and fraction: float
    assert table["metric.x"].to_pylist() == ["1", "n/a", "[1, 2]"]  # mixed: text
    assert table.schema.field("noise_hash").type == "string"  # all missing
    empty = pq.read_table(io.BytesIO(reviews_parquet([])))
    assert empty.num_rows == 0 and "recipe_id" in empty.column_names
