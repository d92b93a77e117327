"""The pages as a user drives them, through streamlit.testing (AppTest), on a real SQLite file."""

import json
import sqlite3

import numpy as np
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT, players, shown, speechlike, wav_bytes


@pytest.fixture
def app(data_dir):
    st.cache_resource.clear()  # each test gets its own store in its own data_dir
    st.cache_data.clear()
    at = AppTest.from_file(
        str(ROOT / "app.py"), default_timeout=150
    )  # waits for the model under load
    at.run()
    assert not at.exception, at.exception
    return at


def db_count(data_dir, table):
    return (
        sqlite3.connect(data_dir / "augcheck.db")
        .execute(f"select count(*) from {table}")
        .fetchone()[0]
    )


def metric(at, label):
    return next(m.value for m in at.metric if m.label == label)


def errors(at):
    return [shown(e.value) for e in at.error]


def answer(at, realistic="Yes", clear="Yes", poor="Don't know", note=""):
    at.radio(key="answer_realistic").set_value(realistic)
    at.radio(key="answer_clear").set_value(clear)
    question3 = next(r for r in at.radio if r.key.startswith("answer_model_poor"))
    if not question3.disabled:  # disabled while the model is still listening
        question3.set_value(poor)
    at.text_input(key="answer_note").input(note)
    return at.button(key="save").click().run()


def test_first_start_shows_demo_material_and_a_rendered_sample(app, data_dir):
    assert db_count(data_dir, "media") >= 7
    assert app.selectbox(key="clip").value is not None
    assert "Cafe" in app.selectbox(key="noise").format_func(app.selectbox(key="noise").value)
    assert metric(app, "SNR (measured)") == "10.00 dB"
    (player,) = players(app)  # one player: original, augmented, noise alone
    assert [(s["id"], bool(s["url"])) for s in player["signals"]] == [
        ("original", True),
        ("augmented", True),
        ("noise", True),
    ]
    assert [p["signal"] for p in player["pictures"]] == ["original", "augmented"]
    assert not app.get("audio")  # no plain <audio> beside it
    # the drawn parameters and the recipe as JSON trees; no code box (its syntax highlighter
    # cost the browser 0.55 s of the first draw, see views._common.show_drawn)
    drawn, recipe = (j.value for j in app.json)
    assert set(json.loads(drawn)) == {"recipe_id", "params"}
    assert [s["step"] for s in json.loads(recipe)["steps"]] == ["background_noise"]
    assert not app.code


def test_upload_slider_save_then_labels_shows_the_row(app, data_dir, arctic):
    data = arctic.read_bytes()
    app.file_uploader(key="clip_upload").upload(arctic.name, data, "audio/wav").run()
    assert not app.exception and not errors(app)
    chosen = app.selectbox(key="clip")
    assert chosen.format_func(chosen.value).startswith(arctic.name)
    app.slider(key="background_noise.snr_db").set_value(5.0).run()
    assert metric(app, "SNR (measured)") == "5.00 dB"
    app.session_state["reviewer"] = "ana"  # the sidebar box (see test_reviewer_box_is_remembered)
    answer(app, note="cafe is fine")
    assert not errors(app), errors(app)
    assert any("Saved review #1" in s.value for s in app.success)
    row = (
        sqlite3.connect(data_dir / "augcheck.db")
        .execute("select reviewer, verdict, note, clip_hash, params_json from reviews")
        .fetchall()
    )
    assert len(row) == 1
    reviewer, verdict, note, clip_hash, params = row[0]
    assert (reviewer, verdict, note) == ("ana", "accept", "cafe is fine")
    import hashlib

    assert clip_hash == hashlib.sha256(data).hexdigest()
    assert '"snr_db": 5.0' in params
    app.switch_page("views/labels.py").run()
    assert not app.exception
    assert any(s.value == "Reviews (1)" for s in app.subheader)
    table = app.dataframe[1].value
    assert list(table["reviewer"]) == ["ana"] and list(table["verdict"]) == ["accept"]
    assert app.get("download_button")


def test_reject_when_label_not_clear(app, data_dir, monkeypatch):
    monkeypatch.setenv("AUGCHECK_MODEL_WAIT_S", "120")  # question 3 opens once the model answered
    app.run(timeout=150)  # the run waits for the model: give it as long as the wait allows
    app.session_state["reviewer"] = "bo"
    answer(app, realistic="Yes", clear="No", poor="Yes")
    verdict, poor = (
        sqlite3.connect(data_dir / "augcheck.db")
        .execute("select verdict, model_poor from reviews")
        .fetchone()
    )
    assert (verdict, poor) == ("reject", "yes")


def test_saving_needs_a_name_and_both_answers(app, data_dir):
    answer(app)
    assert errors(app) == ["Enter your name in the sidebar (Your name) before saving."]
    app.session_state["reviewer"] = "ana"
    app.button(key="save").click().run()
    assert "Answer both" in errors(app)[0]
    assert db_count(data_dir, "reviews") == 0


@pytest.mark.parametrize(
    "payload,message",
    [
        (b"just some text" * 40, "not an audio file augcheck can read"),
        (wav_bytes(speechlike(1.0))[:5000], "truncated"),
        (wav_bytes(np.zeros(0, np.float32)), "zero samples"),
        (wav_bytes(np.full(100, np.nan, np.float32), subtype="FLOAT"), "NaN or infinite"),
        (b"\x00\x00\x00\x20ftypM4A " + bytes(300), "M4A/AAC (MP4 audio) is not supported"),
    ],
    ids=["text", "truncated", "empty", "nan", "m4a"],
)
def test_bad_upload_shows_one_line_error_and_stores_nothing(app, data_dir, payload, message):
    before = db_count(data_dir, "media")
    app.file_uploader(key="clip_upload").upload("bad.wav", payload, "audio/wav").run()
    assert not app.exception
    assert len(errors(app)) == 1 and message in errors(app)[0] and "\n" not in errors(app)[0]
    assert db_count(data_dir, "media") == before
    assert metric(app, "SNR (measured)") == "10.00 dB"  # the page still works


def test_too_long_clip_is_refused(app, data_dir, monkeypatch):
    monkeypatch.setenv("AUGCHECK_MAX_CLIP_S", "1")
    app.file_uploader(key="clip_upload").upload("long.wav", wav_bytes(speechlike(2.0)), "audio/wav")
    app.run()
    assert "over the 1 s limit" in errors(app)[0]


@pytest.mark.parametrize(
    "uploader, select, what",
    [("clip_upload", "clip", "clean clip"), ("noise_upload", "noise", "noise")],
)
def test_a_silent_upload_is_refused_and_not_selected(app, data_dir, uploader, select, what):
    before = (db_count(data_dir, "media"), app.selectbox(key=select).value)
    silent = wav_bytes(np.zeros(16000, np.float32))
    app.file_uploader(key=uploader).upload("hush.wav", silent, "audio/wav").run()
    assert errors(app) == [
        f"hush.wav: the file is silent (below -120 dBFS); a silent {what} cannot be used"
    ]
    assert (db_count(data_dir, "media"), app.selectbox(key=select).value) == before


def test_stereo_upload_is_downmixed_and_says_so(app):
    y = speechlike(1.0)
    stereo = wav_bytes(np.stack([y, y * 0.5], axis=1))
    app.file_uploader(key="clip_upload").upload("stereo.wav", stereo, "audio/wav").run()
    assert any("downmixed to mono" in c.value for c in app.caption)


def test_time_stretch_changes_the_length(app):
    app.toggle(key="time_stretch.on").set_value(True).run()
    before = metric(app, "Length")
    app.slider(key="time_stretch.rate").set_value(1.25).run()
    assert float(metric(app, "Length").split()[0]) == pytest.approx(
        float(before.split()[0]) / 1.25, abs=0.02
    )


def test_ranges_and_new_draw(app):
    app.toggle(key="background_noise.ranged").set_value(True).run()
    app.slider(key="background_noise.snr_db.range").set_value((0.0, 20.0)).run()
    first = metric(app, "SNR (measured)")
    seeds = set()
    for _ in range(3):
        app.button(key="new_draw").click().run()
        seeds.add(app.number_input(key="seed").value)
    assert len(seeds) == 3
    values = {metric(app, "SNR (measured)")}
    assert all(0 <= float(v.split()[0]) <= 20 for v in values | {first})


def test_telephone_preset_sets_the_band(app):
    app.toggle(key="band_pass.on").set_value(True).run()
    app.selectbox(key="band_pass.preset").set_value("wideband VoIP (50-7000 Hz)").run()
    assert app.slider(key="band_pass.low_hz").value == 50.0
    assert app.slider(key="band_pass.high_hz").value == 7000.0


def test_labels_page_empty_state(app):
    app.switch_page("views/labels.py").run()
    assert "No labels yet" in app.info[0].value


def test_library_upload_and_transcript(app, data_dir, arctic):
    app.switch_page("views/library.py").run()
    app.radio(key="upload_kind").set_value("noise")
    app.file_uploader(key="library_upload").upload(
        "hum.wav", wav_bytes(speechlike(1.0, seed=3)), "audio/wav"
    ).run()
    assert not errors(app)
    kinds = (
        sqlite3.connect(data_dir / "augcheck.db")
        .execute("select kind from media where name='hum.wav'")
        .fetchall()
    )
    assert kinds == [("noise",)]
    digest = (
        sqlite3.connect(data_dir / "augcheck.db")
        .execute("select hash from media where name='hum.wav'")
        .fetchone()[0]
    )
    app.text_input(key=f"transcript_{digest}").input("a hum")
    app.selectbox(key=f"split_{digest}").set_value("val")
    app.button(key=f"save_{digest}").click().run()
    row = (
        sqlite3.connect(data_dir / "augcheck.db")
        .execute("select transcript, split from media where hash=?", (digest,))
        .fetchone()
    )
    assert row == ("a hum", "val")
    # listening: the same A/B player as everywhere (no <audio>), one at a time, on request
    assert players(app) == []
    app.button(key=f"listen_{digest}").click().run()
    (player,) = players(app)
    assert [(s["id"], bool(s["url"])) for s in player["signals"]] == [("original", True)]
    other = next(b.key for b in app.button if b.key and b.key.startswith("listen_"))
    app.button(key=other).click().run()
    assert len(players(app)) == 1 and app.button(key=f"listen_{digest}")


def test_model_and_hints_beside_the_checklist(app, data_dir, monkeypatch):
    monkeypatch.setenv("AUGCHECK_MODEL_WAIT_S", "120")  # wait for the background model here
    app.slider(key="background_noise.snr_db").set_value(30.0).run()
    assert not app.exception, app.exception
    wer_metric = next(m for m in app.metric if m.label.startswith("Model WER"))
    assert "→" in wer_metric.value
    assert "pocketsphinx" in wer_metric.label
    stoi = float(metric(app, "STOI"))
    assert 0.8 < stoi <= 1.0  # 30 dB of cafe noise barely touches intelligibility
    poor_radio = next(r for r in app.radio if r.key.startswith("answer_model_poor"))
    assert poor_radio.value in ("Yes", "No")  # pre-filled from the measured WER
    app.slider(key="background_noise.snr_db").set_value(-15.0).run()
    assert float(metric(app, "STOI")) < stoi
    poor_radio = next(r for r in app.radio if r.key.startswith("answer_model_poor"))
    assert poor_radio.value == "Yes"  # at -15 dB the recognizer loses the words
    app.session_state["reviewer"] = "ana"
    app.radio(key="answer_realistic").set_value("Yes")
    app.radio(key="answer_clear").set_value("No")
    poor_radio.set_value("No")  # the reviewer disagrees with the model: both are kept
    app.button(key="save").click().run()
    import json

    poor, metrics_json = (
        sqlite3.connect(data_dir / "augcheck.db")
        .execute("select model_poor, metrics_json from reviews")
        .fetchone()
    )
    stored = json.loads(metrics_json)
    assert poor == "no"
    assert stored["model"]["poor"] is True and stored["model"]["wer_augmented"] > 0.3
    assert stored["hints"]["stoi"] < stoi


def test_time_stretch_makes_stoi_not_applicable(app, monkeypatch):
    monkeypatch.setenv("AUGCHECK_MODEL_WAIT_S", "120")
    app.toggle(key="time_stretch.on").set_value(True).run()
    app.slider(key="time_stretch.rate").set_value(1.2).run()
    assert metric(app, "STOI") == "n/a"


def test_page_does_not_wait_for_the_model(app):
    """By default the page is drawn before the slow analyses; they start on the poll's tick."""
    app.slider(key="background_noise.snr_db").set_value(3.0).run()
    assert metric(app, "SNR (measured)") == "3.00 dB"
    texts = " ".join(c.value for c in app.caption)
    assert "The model is listening" in texts and "Measuring STOI" in texts
    poor = next(r for r in app.radio if r.key.startswith("answer_model_poor"))
    assert poor.value == "Don't know"  # nothing pre-filled until the model has answered
    assert poor.disabled  # and no early tick that the model's answer would replace


def test_streamlit_settings_the_studio_relies_on():
    """No ForwardMsg cache (it drifted apart with fragments), no full garbage collection after
    every run (90-300 ms holding the GIL after each slider move and on the first start) and no
    file watcher (about 0.3 s of a cold start on the thread that sends the page)."""
    import tomllib

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["global"]["minCachedMessageSize"] >= 1e12
    assert config["runner"]["postScriptGC"] is False
    assert config["server"]["fileWatcherType"] == "none"
