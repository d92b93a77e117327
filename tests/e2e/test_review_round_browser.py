"""A blind review round in a real browser: two labelers working through it at the same time.

The round is set up with the core API (in the test process, on the app's own SQLite file);
"ana" and "bo" each open their personal signed link in their own browser context (own cookies,
so their own Streamlit session) and answer every sample, taking turns and submitting in
the same moment. On every sample the page must show nothing of the recipe or its parameters.
Halfway, ana reloads the page and must resume at the same sample. At the end the answers are
checked in the database itself. Screenshots of both pages (mid-round) go to ``test-artifacts/``
whether the test passes or fails.

The test runs on an app and database of its own (``private_app``): its round answers become
reviews, which would show up in the Studio test's counts on the shared app.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlparse

import pytest

pytest.importorskip("playwright.sync_api")
from e2e_helpers import (  # noqa: E402
    LONG,
    new_context,
    player,
    screenshot,
    settle,
    wait_player,
)
from playwright.sync_api import Locator, Page, expect  # noqa: E402

# the Chromium check comes first, so a machine without it skips before starting the app
pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("require_chromium")]

ROUND_NAME = "e2e listening round"  # nothing in it may hint at the recipe
RECIPE = {"name": "cafe 0-20", "steps": [{"step": "background_noise", "snr_db": [0, 20]}]}
SAMPLES_PER_RECIPE = 4  # + 2 attention checks (1 clean, 1 bad) at anchor_share 0.3: 6 in all
ANCHOR_SHARE = 0.3
ROUND_SEED = 1
LABELERS = ("ana", "bo")
# none of these may show in the main area of the review page (compared in lower case)
HIDDEN_WORDS = (
    "snr",
    "background_noise",
    "background noise",
    "cafe",  # the recipe's name, and the demo noise "Cafe babble"
    "0-20",
    "kitchen",  # the other demo noises
    "background music",
    "recipe",
    "anchor",
    "attention",
    "seed",
    "params",
)
DB_VALUE = re.compile(r"-?\d+(?:\.\d+)?\s*dB\b|\bdB\b")  # a level such as "12.3 dB"
SAMPLE_KEY = re.compile(r"\bst-key-review_realistic_(\d+)\b")


@dataclass
class Labeler:
    name: str
    page: Page
    heard: list[tuple[int, str]] = field(default_factory=list)  # (sample id, "Sample to judge" src)
    answers: dict[int, tuple[bool, bool, str]] = field(default_factory=dict)
    shot_taken: bool = False

    def choice(self, sample_id: int) -> tuple[bool, bool, str]:
        """What this labeler answers for a sample: varied, and different between the two."""
        if self.name == "ana":
            return sample_id % 2 == 0, True, ("yes" if sample_id % 3 == 0 else "unknown")
        return True, sample_id % 3 != 0, "no" if sample_id % 2 else "unknown"


def main_area(page: Page) -> Locator:
    return page.locator('[data-testid="stMain"]')


def progress(page: Page) -> Locator:
    return main_area(page).locator('[data-testid="stProgress"]')


def judged_url(page: Page) -> str:
    """The URL of the sound the player offers as "Sample to judge", once it is decoded."""
    return wait_player(page, "i.urls.sample && i.loaded.sample === i.urls.sample")["urls"]["sample"]


def radio_group(page: Page, question: str) -> Locator:
    return main_area(page).locator('[data-testid="stRadio"]').filter(has_text=question)


def pick(page: Page, question: str, option: str) -> None:
    group = radio_group(page, question)
    group.locator('[data-testid="stRadioOption"]').filter(
        has_text=re.compile(rf"^\s*{re.escape(option)}\s*$")
    ).click()
    expect(group.get_by_role("radio", name=option, exact=True)).to_be_checked()


def expect_progress(page: Page, done: int, total: int) -> None:
    expect(progress(page)).to_have_text(re.compile(rf"^\s*{done} of {total}\s*$"), timeout=LONG)


def shown_sample(page: Page, done: int, total: int) -> tuple[int, str]:
    """Wait for sample ``done + 1`` to be on the page; return (its sample id, its audio src).

    The sample id is read from the key of its form's first question (``review_realistic_<id>``).
    """
    expect_progress(page, done, total)
    expect(
        main_area(page).get_by_role("heading", name=f"Sample {done + 1}", exact=True)
    ).to_be_visible(timeout=LONG)
    settle(page)
    expect_progress(page, done, total)
    keyed = main_area(page).locator('[class*="st-key-review_realistic_"]')
    expect(keyed).to_have_count(1)
    match = SAMPLE_KEY.search(keyed.get_attribute("class") or "")
    assert match, keyed.get_attribute("class")
    src = judged_url(page)
    assert "/media/" in src, src
    # the reference is offered: one player, "Clean reference" and "Sample to judge"
    expect(main_area(page).locator("audio")).to_have_count(0)
    signals = player(page).get_by_role("radio")
    expect(signals).to_have_count(2)
    expect(signals.nth(0)).to_have_text(re.compile("Clean reference"))
    expect(signals.nth(1)).to_have_text(re.compile("Sample to judge"))
    return int(match.group(1)), src


def assert_blind(page: Page, recipe_id: str) -> None:
    """Nothing of the recipe, its parameters or the sample's kind in the main area or URL."""
    text = main_area(page).inner_text()
    low = text.lower()
    leaks = [w for w in (*HIDDEN_WORDS, recipe_id.lower()[:8]) if w in low]
    leaks += DB_VALUE.findall(text)
    assert not leaks, f"the review page shows {leaks!r}:\n{text}"
    query = parse_qs(urlparse(page.url).query)
    assert set(query) == {"round", "labeler", "sig"}, page.url


def start(lab: Labeler, url: str, token: str, total: int, data_dir) -> None:
    """Open the labeler's personal link (signed with the server's secret in the data folder)."""
    from augment import access

    link = access.labeler_link(f"{url}/review", access.link_secret(data_dir), token, lab.name)
    page = lab.page
    page.goto(link, wait_until="domcontentloaded")
    expect(page.get_by_role("heading", name="Listening review")).to_be_visible(timeout=LONG)
    expect(main_area(page).get_by_text(f"Round: {ROUND_NAME}", exact=True)).to_be_visible(
        timeout=LONG
    )
    expect(page).to_have_url(re.compile(rf"[?&]labeler={lab.name}(&|$)"), timeout=LONG)
    settle(page)


def fill_answer(lab: Labeler, sample_id: int) -> None:
    realistic, clear, poor = lab.choice(sample_id)
    page = lab.page
    pick(page, "Sounds realistic", "Yes" if realistic else "No")
    pick(page, "Label still clear", "Yes" if clear else "No")
    if poor != "unknown":
        pick(page, "Model likely does poorly", {"yes": "Yes", "no": "No"}[poor])
    lab.answers[sample_id] = (realistic, clear, poor)


def save_button(page: Page) -> Locator:
    return main_area(page).get_by_role("button", name="Save and next")


def test_two_labelers_share_a_round(chromium_browser, private_app, artifacts_dir):
    from augment.recipe import Recipe
    from augment.review import labeling, rounds
    from augment.store import Store

    app = private_app
    for stale in artifacts_dir.glob("e2e_review_*_failure.png"):
        stale.unlink()
    contexts = [new_context(chromium_browser) for _ in LABELERS]
    labs = [Labeler(name, ctx.new_page()) for name, ctx in zip(LABELERS, contexts, strict=True)]
    ana, bo = labs
    try:
        # --- the app has started and put the demo assets in its database ------------------
        page = ana.page
        page.goto(app.url + "/", wait_until="domcontentloaded")
        expect(page.get_by_role("heading", name="Studio")).to_be_visible(timeout=LONG)
        expect(page.get_by_role("button", name="Save label")).to_be_visible(timeout=LONG)
        settle(page)

        # --- the round, made with the core API on the app's own database --------------------
        store = Store(f"sqlite:///{app.data_dir}/augcheck.db")
        recipe_id = store.save_recipe(Recipe.from_dict(RECIPE))
        speech = [m.hash for m in store.list_media("speech")]
        noises = [m.hash for m in store.list_media("noise")]
        assert len(speech) == 3 and len(noises) == 3, (speech, noises)
        info = rounds.create_round(
            store,
            name=ROUND_NAME,
            recipe_ids=[recipe_id],
            clip_hashes=speech,
            noise_hashes=noises,
            samples_per_recipe=SAMPLES_PER_RECIPE,
            offer_reference=True,
            anchor_share=ANCHOR_SHARE,
            created_by="eng",
            seed=ROUND_SEED,
        )
        total = info.total
        assert (total, info.n_clean_anchors, info.n_bad_anchors) == (6, 1, 1), info
        kinds = {s.id: s.kind for s in rounds.round_samples(store, info.token)}
        store.engine.dispose()

        # --- both labelers open their personal (signed) links ---------------------------------
        for lab in labs:
            start(lab, app.url, info.token, total, app.data_dir)
        halfway = total // 2
        for done in range(total):
            # both pages show their next sample; neither shows the recipe
            for lab in labs:
                sample_id, src = shown_sample(lab.page, done, total)
                assert_blind(lab.page, recipe_id)
                if lab is ana and done == halfway:
                    # a reload resumes at the same place: the link carries the name, the server
                    # the answers; the sample not yet answered is shown again, nothing else
                    lab.page.reload(wait_until="domcontentloaded")
                    assert shown_sample(lab.page, done, total) == (sample_id, src)
                    expect(
                        main_area(lab.page).get_by_role("textbox", name="Your name", exact=True)
                    ).to_have_count(0)
                    assert_blind(lab.page, recipe_id)
                lab.heard.append((sample_id, src))
                fill_answer(lab, sample_id)
            if done == halfway:
                for lab in labs:
                    screenshot(lab.page, artifacts_dir / f"e2e_review_{lab.name}.png")
                    lab.shot_taken = True
            # ana answers, then bo, without waiting in between: two script runs at once
            for lab in labs:
                save_button(lab.page).click()
            for lab in labs:
                expect_progress(lab.page, done + 1, total)

        # --- both are through ---------------------------------------------------------------
        for lab in labs:
            done_note = (
                main_area(lab.page).locator('[data-testid="stAlert"]').filter(has_text="All done")
            )
            expect(done_note).to_contain_text(
                f"All done: you answered {total} samples", timeout=LONG
            )
            expect_progress(lab.page, total, total)
            expect(save_button(lab.page)).to_have_count(0)
            # the share of the recipe samples (not the attention checks) found acceptable
            mine = [lab.answers[sid] for sid, kind in kinds.items() if kind == "recipe"]
            share = sum(realistic and clear for realistic, clear, _ in mine) / len(mine)
            expect(main_area(lab.page)).to_contain_text(
                f"You found {100 * share:.0f}% of the augmented samples realistic"
            )
            settle(lab.page)
    except BaseException:
        for lab in labs:
            name = f"e2e_review_{lab.name}{'_failure' if lab.shot_taken else ''}.png"
            screenshot(lab.page, artifacts_dir / name)
        print(app.output())  # shown by pytest with the failure
        raise
    finally:
        for ctx in contexts:
            ctx.close()

    # --- what each labeler heard: every sample once, in their own order -----------------------
    for lab in labs:
        ids = [sid for sid, _ in lab.heard]
        srcs = [src for _, src in lab.heard]
        assert len(ids) == total and sorted(ids) == sorted(info.sample_ids), (lab.name, ids)
        assert len(set(srcs)) == total, (lab.name, Counter(srcs).most_common(2))
        assert ids == labeling.labeler_sequence(info, lab.name), lab.name
    assert [s for s, _ in ana.heard] != [s for s, _ in bo.heard], "both heard the same order"
    # the same sample is the same sound for both (the src is a hash of the WAV bytes)
    assert dict(ana.heard) == dict(bo.heard)

    # --- the database itself ------------------------------------------------------------------
    con = sqlite3.connect(f"file:{app.db_path}?mode=ro", uri=True)
    try:
        con.row_factory = sqlite3.Row
        answers = con.execute(
            "SELECT * FROM round_answers WHERE round_id = ? ORDER BY id", (info.id,)
        ).fetchall()
        all_answers = con.execute("SELECT COUNT(*) FROM round_answers").fetchone()[0]
        reviews = {r["id"]: r for r in con.execute("SELECT * FROM reviews").fetchall()}
    finally:
        con.close()
    assert len(answers) == all_answers == 2 * total, [dict(a) for a in answers]
    pairs = Counter((a["labeler"], a["sample_id"]) for a in answers)
    assert max(pairs.values()) == 1, pairs.most_common(3)
    assert Counter(a["labeler"] for a in answers) == {name: total for name in LABELERS}
    n_recipe = sum(kind == "recipe" for kind in kinds.values())
    assert n_recipe == SAMPLES_PER_RECIPE
    for lab in labs:
        mine = {a["sample_id"]: a for a in answers if a["labeler"] == lab.name}
        assert set(mine) == set(info.sample_ids), lab.name
        for sid, (realistic, clear, poor) in lab.answers.items():
            a = mine[sid]
            assert (bool(a["realistic"]), bool(a["clear"]), a["model_poor"]) == (
                realistic,
                clear,
                poor,
            ), (lab.name, sid, dict(a))
            if kinds[sid] == "recipe":
                review = reviews.get(a["review_id"])
                assert review is not None, (lab.name, sid, dict(a))
                assert review["origin"] == "round" and review["reviewer"] == lab.name
                assert review["recipe_id"] == recipe_id
                assert (bool(review["realistic"]), bool(review["clear"])) == (realistic, clear)
                assert review["model_poor"] == poor
                assert json.loads(review["inputs_json"])["round_sample"] == sid
                noise = [
                    p for p in json.loads(review["params_json"]) if p["step"] == "background_noise"
                ]
                assert len(noise) == 1 and 0.0 <= noise[0]["snr_db"] <= 20.0, noise
            else:  # attention checks are not reviews
                assert a["review_id"] is None, (lab.name, sid, dict(a))
    round_reviews = [r for r in reviews.values() if r["origin"] == "round"]
    assert len(round_reviews) == len(reviews) == 2 * n_recipe, [dict(r) for r in reviews.values()]
    assert Counter(r["reviewer"] for r in round_reviews) == {name: n_recipe for name in LABELERS}
    assert len(
        {(r["reviewer"], json.loads(r["inputs_json"])["round_sample"]) for r in round_reviews}
    ) == (2 * n_recipe)
