import json
import subprocess
import sys

import soundfile as sf

from tests.conftest import ROOT, noise_signal, speechlike


def cli(*args, cwd=ROOT):
    return subprocess.run(
        [sys.executable, "-m", "augment", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
    )


def test_steps_prints_every_parameter():
    p = cli("steps")
    assert p.returncode == 0, p.stderr
    steps = {s["step"]: s for s in json.loads(p.stdout)["steps"]}
    assert {
        "background_noise",
        "gain",
        "time_stretch",
        "pitch_shift",
        "reverb",
        "band_pass",
    } <= set(steps)
    snr = next(q for q in steps["background_noise"]["params"] if q["name"] == "snr_db")
    assert {"min", "max", "default", "unit"} <= set(snr) and snr["unit"] == "dB"


def write_inputs(tmp_path, sr=22050):
    clip, noise = tmp_path / "clip.wav", tmp_path / "noise.flac"
    sf.write(clip, speechlike(1.5, sr), sr)
    sf.write(noise, noise_signal(2.0, 16000), 16000)
    recipe = tmp_path / "r.json"
    recipe.write_text(
        json.dumps(
            {
                "name": "cafe",
                "steps": [
                    {"step": "background_noise", "snr_db": [0, 20]},
                    {"step": "gain", "gain_db": -3},
                ],
            }
        )
    )
    return clip, noise, recipe


def test_apply_writes_audio_and_reports(tmp_path):
    clip, noise, recipe = write_inputs(tmp_path)
    out = tmp_path / "out.wav"
    p = cli("apply", recipe, clip, out, "--noise", noise, "--seed", 9)
    assert p.returncode == 0, p.stderr
    report = json.loads(p.stdout)
    assert report["seed"] == 9 and len(report["recipe_id"]) == 16
    assert [s["step"] for s in report["params"]] == ["background_noise", "gain"]
    snr = report["params"][0]["snr_db"]
    assert 0 <= snr <= 20
    assert abs(report["metrics"]["snr_db"] - snr) < 0.01
    assert {"peak_dbfs", "clipped_fraction"} <= set(report["metrics"])
    info = sf.info(out)
    assert info.samplerate == 22050  # the input's rate, noise resampled to it
    again = tmp_path / "again.wav"
    cli("apply", recipe, clip, again, "--noise", noise, "--seed", 9)
    assert out.read_bytes() == again.read_bytes()


def one_line_error(p):
    assert p.returncode == 2
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), p.stderr
    assert "Traceback" not in p.stderr
    return lines[0]


def test_bad_inputs_exit_2_with_one_line(tmp_path):
    clip, noise, recipe = write_inputs(tmp_path)
    out = tmp_path / "o.wav"
    assert "no noise" in one_line_error(cli("apply", recipe, clip, out))
    assert "not an audio file" in one_line_error(
        cli("apply", recipe, recipe, out, "--noise", noise)
    )
    assert "cannot read" in one_line_error(cli("apply", tmp_path / "missing.json", clip, out))
    bad = tmp_path / "bad.json"
    bad.write_text('{"steps": [{"step": "gain", "gain_db": 99}]}')
    assert "gain.gain_db=99" in one_line_error(cli("apply", bad, clip, out))
    assert "required" in one_line_error(cli("apply", recipe))
    assert "invalid int" in one_line_error(cli("apply", recipe, clip, out, "--seed", "x"))
    one_line_error(cli("frobnicate"))
    assert not out.exists()


def test_apply_reports_hints_and_the_model(tmp_path, arctic, dishes):
    recipe = tmp_path / "r.json"
    recipe.write_text(json.dumps({"steps": [{"step": "background_noise", "snr_db": 5}]}))
    out = tmp_path / "o.wav"
    text = "Author of the danger trail, Philip Steels, etc."
    p = cli("apply", recipe, arctic, out, "--noise", dishes, "--transcript", text)
    assert p.returncode == 0, p.stderr
    report = json.loads(p.stdout)
    m = report["metrics"]
    assert 0.3 < m["stoi"] < 1.0 and m["stoi_reason"] is None
    assert isinstance(m["snr_db_speech"], float) and m["snr_db_speech"] != m["snr_db"]
    assert -40 < m["lufs"] < 0
    model = report["model"]
    assert {"wer_original", "wer_augmented", "model"} <= set(model)
    assert model["wer_augmented"] >= model["wer_original"]


def test_apply_stoi_not_applicable_after_a_stretch(tmp_path):
    clip, _noise, _ = write_inputs(tmp_path)
    recipe = tmp_path / "s.json"
    recipe.write_text(json.dumps({"steps": [{"step": "time_stretch", "rate": 1.2}]}))
    p = cli("apply", recipe, clip, tmp_path / "o.wav")
    assert p.returncode == 0, p.stderr
    m = json.loads(p.stdout)["metrics"]
    assert m["stoi"] is None and "timing changed" in m["stoi_reason"]
    assert "model" not in json.loads(p.stdout)


def test_apply_with_a_bad_model_plugin(tmp_path):
    import os

    clip, _noise, _ = write_inputs(tmp_path)
    recipe = tmp_path / "g.json"
    recipe.write_text(json.dumps({"steps": [{"step": "gain", "gain_db": -3}]}))
    env = {**os.environ, "AUGCHECK_MODEL": "no_such_module:fn"}
    p = subprocess.run(
        [
            sys.executable,
            "-m",
            "augment",
            "apply",
            recipe,
            clip,
            tmp_path / "o.wav",
            "--transcript",
            "hello",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
    )
    assert "no_such_module" in one_line_error(p)
