"""``python -m augment labels``: reviews for scripts, as CSV (stdout) or Parquet (--out).

The rows are those of the Labels page's downloads; the database is the default one
(``AUGCHECK_DATA_DIR``), or PostgreSQL through ``AUGCHECK_DB_URL``.
"""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys

import pyarrow.parquet as pq
import pytest

from augment.export.reviews import reviews_csv
from augment.recipe import Recipe
from augment.store import Store
from tests.conftest import ROOT

NOISY = Recipe.from_dict({"name": "cafe 5", "steps": [{"step": "background_noise", "snr_db": 5}]})
QUIET = Recipe.from_dict({"name": "quieter", "steps": [{"step": "gain", "gain_db": -6}]})
PARAMS = {
    NOISY.id: {"step": "background_noise", "snr_db": 5.0},
    QUIET.id: {"step": "gain", "gain_db": -6.0},
}


def labels(env, *args):
    """Run the command; ``stdout`` stays bytes (the CSV's own line ends), ``stderr`` is text."""
    p = subprocess.run(
        [sys.executable, "-m", "augment", "labels", *map(str, args)],
        capture_output=True,
        cwd=ROOT,
        env={**os.environ, **env},
        timeout=120,
    )
    p.stderr = p.stderr.decode()
    return p


@pytest.fixture
def filled(store):
    """Three reviews of two recipes, one with a note that starts like a formula."""
    for recipe, seed, note in ((NOISY, 1, "fine"), (NOISY, 2, "=1+1"), (QUIET, 3, "")):
        store.save_review(
            recipe=recipe,
            params=[
                {"step": recipe.steps[0].step, "snr_db" if recipe is NOISY else "gain_db": 5.0}
            ],
            seed=seed,
            clip_hash="c" * 64,
            reviewer="ana",
            realistic=True,
            clear=seed != 2,
            model_poor="no",
            note=note,
        )
    return store


def env_for(store: Store) -> dict:
    return {"AUGCHECK_DB_URL": store.url}


def test_csv_to_stdout_is_the_labels_page_csv(filled):
    p = labels(env_for(filled))
    assert p.returncode == 0, p.stderr
    assert p.stdout == reviews_csv(filled.reviews())
    rows = list(csv.DictReader(io.StringIO(p.stdout.decode())))
    assert len(rows) == 3 and {r["recipe_id"] for r in rows} == {NOISY.id, QUIET.id}
    assert "background_noise.snr_db" in rows[0]


def test_one_recipe_to_a_parquet_file(filled, tmp_path):
    out = tmp_path / "labels.parquet"
    p = labels(env_for(filled), "--format", "parquet", "--recipe", NOISY.id, "--out", out)
    assert p.returncode == 0, p.stderr
    table = pq.read_table(out)
    assert table.num_rows == 2 and set(table["recipe_id"].to_pylist()) == {NOISY.id}
    assert sorted(table["seed"].to_pylist()) == [1, 2]
    assert b'"reviews": 2' in p.stdout


def test_csv_to_a_file(filled, tmp_path):
    out = tmp_path / "labels.csv"
    p = labels(env_for(filled), "--recipe", QUIET.id, "--out", out)
    assert p.returncode == 0, p.stderr
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert [r["recipe_id"] for r in rows] == [QUIET.id]


def test_refusals_are_one_line(filled, tmp_path):
    env = env_for(filled)
    for args, expected in (
        (("--format", "parquet"), "give --out FILE"),
        (("--recipe", "0123456789abcdef"), "no recipe with id 0123456789abcdef"),
        (("--out", tmp_path / "missing" / "x.csv"), "does not exist"),
        (("--format", "xlsx"), "invalid choice"),
    ):
        p = labels(env, *args)
        lines = p.stderr.strip().splitlines()
        assert p.returncode == 2 and len(lines) == 1, (args, p.stderr)
        assert lines[0].startswith("error: ") and expected in lines[0], (args, p.stderr)
    assert not (tmp_path / "missing").exists()


def test_no_reviews_gives_just_the_header(tmp_path):
    p = labels({"AUGCHECK_DATA_DIR": str(tmp_path / "data"), "AUGCHECK_DB_URL": ""})
    assert p.returncode == 0, p.stderr
    assert p.stdout.splitlines()[0].startswith(b"id,created_at,reviewer")
    assert len(p.stdout.splitlines()) == 1
