"""The Render page as a user drives it (AppTest): only accepted recipes, training clips only, a
render in a background process with progress that a reload or a second tab still sees, and the
result (summary, manifest rows, players, downloads, errors)."""

from __future__ import annotations

import json
import os
import signal
import time

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from augment.recipe import Recipe
from tests.conftest import ROOT, speechlike
from tests.test_render import write

ACCEPTED = Recipe.from_dict(
    {"name": "cafe 5-15 dB", "steps": [{"step": "background_noise", "snr_db": [5, 15]}]}
)
DRAFT = Recipe.from_dict({"name": "quieter", "steps": [{"step": "gain", "gain_db": -6}]})


def open_page() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    at.run()
    at.switch_page("views/render.py").run()
    assert not at.exception, at.exception
    return at


@pytest.fixture
def page(data_dir):
    from augment.render import jobs

    st.cache_resource.clear()
    st.cache_data.clear()
    at = open_page()  # first start: the store and its demo material
    from augment.store import Store

    store = Store()
    for r in (ACCEPTED, DRAFT):
        store.save_recipe(r)
    store.set_recipe_status(ACCEPTED.id, "accepted", reason="clear at 5 dB", by="ana")
    yield at.run()
    for job in jobs.jobs():  # never leave a render running after a test
        try:
            os.killpg(job["pid"], signal.SIGKILL)
        except OSError:
            pass


def wait_until_done(at: AppTest, timeout_s: float = 120.0) -> AppTest:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        at.run()
        if any(s.value.startswith("Done:") for s in at.success):
            return at
        assert not at.error, [e.value for e in at.error]
        time.sleep(0.5)
    raise AssertionError("the render did not finish")


def test_only_accepted_recipes_and_training_clips_are_offered(page):
    assert page.selectbox(key="render_recipe").options == [f"{ACCEPTED.name} ({ACCEPTED.id})"]
    assert any("1 recipe(s) not offered (1 draft)" in c.value for c in page.caption)
    demo = [c for c in page.checkbox if c.key.startswith("render_clip_")]
    assert demo and all(c.disabled for c in demo)  # demo clips carry no split
    assert all("no split" in c.label for c in demo)
    page.checkbox(key="render_assume_train").check().run()
    demo = [c for c in page.checkbox if c.key.startswith("render_clip_")]
    assert not any(c.disabled for c in demo)
    page.button(key="render_start").click().run()
    assert [e.value for e in page.error] == ["Pick at least one training clip."]


def test_a_refusal_of_the_leakage_guard_is_one_line(page, tmp_path):
    rows = []
    for i, split in enumerate(["train", "test"]):
        write(tmp_path / "c" / f"u{i}.wav", speechlike(0.5, seed=i))
        rows.append({"audio_filepath": f"u{i}.wav", "split": split, "speaker": "s1"})
    manifest = tmp_path / "c" / "m.jsonl"
    manifest.write_text("".join(json.dumps(r) + "\n" for r in rows))
    page.radio(key="render_source").set_value("A folder or manifest on the server").run()
    page.text_input(key="render_input_path").input(str(manifest))
    page.text_input(key="render_out").input(str(tmp_path / "out"))
    page.button(key="render_start").click().run()
    (error,) = page.error
    assert "refusing a training render" in error.value and "s1" in error.value
    assert not (tmp_path / "out").exists()


def test_start_progress_reload_and_result(page, tmp_path):
    folder = tmp_path / "corpus"
    for i in range(40):
        write(folder / f"spk{i % 4}" / f"utt{i:02d}.wav", speechlike(1.0, seed=i))
    (folder / "spk0" / "broken.wav").write_bytes(b"not audio")
    out = tmp_path / "rendered"
    page.radio(key="render_source").set_value("A folder or manifest on the server").run()
    page.text_input(key="render_input_path").input(str(folder))
    page.checkbox(key="render_assume_train_path").check()
    page.number_input(key="render_copies").set_value(2)
    page.text_input(key="render_out").input(str(out))
    page.button(key="render_start").click().run()
    assert not page.exception and not page.error, [e.value for e in page.error]
    # the job runs in another process: the page shows its progress and stays usable
    progress = page.get("progress")
    assert progress, "no progress bar while the render runs"
    assert "Rendering" in progress[0].proto.text or "Starting" in progress[0].proto.text
    assert page.button(key="render_start").disabled
    # a reload / a second tab sees the same job
    other = open_page()
    assert other.get("progress") or any(s.value.startswith("Done:") for s in other.success)
    done = wait_until_done(page)
    assert {m.label: m.value for m in done.metric}["Files rendered"] == "80"
    assert {m.label: m.value for m in done.metric}["Errors"] == "1"
    table, errors = done.dataframe  # the manifest's first rows, then the errors
    table = table.value
    assert list(table["audio_filepath"][:2]) == ["spk0/utt00_aug1.wav", "spk0/utt00_aug2.wav"]
    assert len(done.get("audio")) == 6  # three sources beside their rendered copies
    assert (
        "broken.wav" in errors.value["file"][0] and "not an audio file" in errors.value["reason"][0]
    )
    assert len(done.get("download_button")) == 2
    assert len((out / "manifest.jsonl").read_text().splitlines()) == 80
    assert not done.button(key="render_start").disabled


def test_a_render_that_died_can_be_resumed_from_the_page(page, tmp_path):
    from augment.render import jobs

    folder = tmp_path / "corpus"
    for i in range(4):
        write(folder / f"u{i}.wav", speechlike(0.5, seed=i))
    noise = write(tmp_path / "noise.wav", speechlike(2.0, seed=9))
    out = tmp_path / "out"
    argv = [
        ACCEPTED.id,
        "--input",
        str(folder),
        "--out",
        str(out),
        "--noise",
        str(noise),
        "--assume-train",
        "--workers",
        "1",
    ]
    (out / ".render").mkdir(parents=True)
    (out / ".render" / "progress.json").write_text(
        json.dumps({"state": "running", "done": 1, "total": 4})
    )
    job_id, _ = jobs.new_job_folder()
    with open(jobs.jobs_dir() / "jobs.jsonl", "a") as fh:
        fh.write(
            json.dumps(
                {
                    "id": job_id,
                    "pid": 999999,
                    "out": str(out),
                    "argv": argv,
                    "label": "the corpus",
                    "started_at": time.time() - 60,
                }
            )
            + "\n"
        )
    page.run()
    (warning,) = page.warning
    assert "stopped before the end (1 of 4 files)" in warning.value
    page.button(key="render_resume").click().run()
    done = wait_until_done(page)
    assert {m.label: m.value for m in done.metric}["Files rendered"] == "4"


def test_an_output_url_renders_there_and_a_bad_one_is_one_line(page, tmp_path):
    folder = tmp_path / "corpus"
    for i in range(3):
        write(folder / f"utt{i}.wav", speechlike(0.5, seed=i))
    page.radio(key="render_source").set_value("A folder or manifest on the server").run()
    page.text_input(key="render_input_path").input(str(folder))
    page.checkbox(key="render_assume_train_path").check()
    page.text_input(key="render_out").input("nope://bucket/aug")
    page.button(key="render_start").click().run()
    (error,) = page.error
    assert "knows no protocol 'nope'" in error.value
    out = tmp_path / "via_url"
    page.text_input(key="render_out").input(f"file://{out}")
    page.button(key="render_start").click().run()
    assert not page.exception and not page.error, [e.value for e in page.error]
    done = wait_until_done(page)
    assert {m.label: m.value for m in done.metric}["Files rendered"] == "3"
    assert len(done.get("audio")) == 6  # the copies are read back from the URL to be played
    assert len((out / "manifest.jsonl").read_text().splitlines()) == 3
