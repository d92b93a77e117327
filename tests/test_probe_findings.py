"""The security probe's findings on the pages (issue 9, item 11), each as a test that failed on
the main branch before the fix. AppTest on a real SQLite file."""

from __future__ import annotations

import pytest
import streamlit as st
import tomllib
from streamlit.testing.v1 import AppTest

from augment.recipe import Recipe
from augment.review.agreement import review_agreement
from tests.conftest import ROOT, speechlike, wav_bytes

RECIPE = Recipe.from_dict(
    {"name": "cafe 5 dB", "steps": [{"step": "background_noise", "snr_db": 5}]}
)


def new_app() -> AppTest:
    st.cache_resource.clear()
    st.cache_data.clear()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    return at


def seeded_store():
    from augment.store import Store

    store = Store()
    clip, _ = store.add_media(wav_bytes(speechlike(1.0)), name="c.wav", kind="speech")
    return store, clip


def save(store, clip, reviewer, clear=True, **kw):
    return store.save_review(
        recipe=RECIPE,
        params=[{"step": "background_noise", "snr_db": 5.0}],
        seed=1,
        clip_hash=clip.hash,
        reviewer=reviewer,
        realistic=True,
        clear=clear,
        model_poor="unknown",
        **kw,
    )


# --------------------------------------------------------------------------------------------
# the Recipes page crashed when one reviewer saved the same sample twice
# --------------------------------------------------------------------------------------------
def test_recipes_page_survives_one_reviewer_saving_a_sample_twice(data_dir):
    data_dir.mkdir(parents=True, exist_ok=True)
    store, clip = seeded_store()
    save(store, clip, "ana", clear=True)
    save(store, clip, "ana", clear=False)  # the same sample again: she changed her mind
    save(store, clip, "bob", clear=False)
    agreement = review_agreement(store.reviews())
    assert agreement["units_rated_twice"] == 1
    assert agreement["alpha"]["clear"] == pytest.approx(1.0) or agreement["alpha"]["clear"] is None
    assert agreement["majority"] == {"ana": 1.0, "bob": 1.0}  # ana's latest answer counts
    at = new_app()
    at.run()
    at.switch_page("pages/recipes.py").run()
    assert not at.exception, at.exception
    assert any("Krippendorff" in c.value for c in at.caption)


def test_tracebacks_never_reach_visitors():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["client"]["showErrorDetails"] == "none"


# --------------------------------------------------------------------------------------------
# CSV formula injection: every text column of the reviews export
# --------------------------------------------------------------------------------------------
FORMULAS = ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"]


@pytest.mark.parametrize("payload", FORMULAS)
def test_csv_export_neutralises_formulas_in_every_text_column(data_dir, payload):
    import csv
    import io

    from augment.export.reviews import reviews_csv

    data_dir.mkdir(parents=True, exist_ok=True)
    store, clip = seeded_store()
    noise, _ = store.add_media(
        wav_bytes(speechlike(1.0, seed=3)), name=payload + ".wav", kind="noise"
    )
    recipe = RECIPE.with_name(payload)
    store.save_review(
        recipe=recipe,
        params=[
            {
                "step": "background_noise",
                "snr_db": -5.0,
                "noise": noise.hash,
                "noise_name": payload + ".wav",
            },
        ],
        seed=1,
        clip_hash=clip.hash,
        noise_hash=noise.hash,
        reviewer=payload,
        realistic=True,
        clear=False,
        model_poor="yes",
        note=payload,
    )
    text = reviews_csv(store.reviews()).decode("utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    header, row = rows[0], rows[1]
    cells = dict(zip(header, row, strict=True))
    for column in ("reviewer", "recipe", "note", "background_noise.noise_name"):
        stored = cells[column].removeprefix("'")
        assert payload.strip()[:3] in stored, (column, cells[column])  # kept, readable
        if stored.startswith(tuple("=+-@\t\r")):
            assert cells[column].startswith("'"), (column, cells[column])
    for column, cell in cells.items():
        assert not cell.startswith(("=", "+", "@", "\t", "\r")), (column, cell)
        if cell.startswith("-"):  # a negative number is a number, not a formula
            float(cell)
    assert cells["background_noise.snr_db"] == "-5.0"
