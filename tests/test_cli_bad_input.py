"""Every CLI entry point refuses bad input in one line (issue 9, items 4 and 11).

The CLI is called in-process (``augment.cli.main``) for speed. Each call must end in exit code 0
with a valid output, or exit code 2 with exactly one ``error:`` line on stderr and nothing
stored touched. ``error: internal error`` is the CLI's last-resort catch of a bug: it counts as
a failure here, so the tests can find one.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sqlite3
import tempfile
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st

from augment.cli import main
from augment.steps import STEPS
from tests.conftest import recording, speechlike

#: every PCM/float/companded subtype libsndfile writes in a WAV file
WAV_SUBTYPES = sorted(
    s
    for s in sf.available_subtypes("WAV")
    if s not in ("MPEG_LAYER_III",)  # needs a whole MPEG frame
)
GOOD_RECIPE = {"name": "ok", "steps": [{"step": "gain", "gain_db": -3}]}
ALL_STEPS = {
    "name": "every step",
    "steps": [
        {"step": "background_noise", "snr_db": 5},
        {"step": "reverb"},
        {"step": "band_pass", "low_hz": 300, "high_hz": 3400},
        {"step": "pitch_shift", "semitones": 2},
        {"step": "time_stretch", "rate": 1.1},
        {"step": "gain", "gain_db": -3},
    ],
}


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(argv))
        except SystemExit as exc:  # argparse's own refusals
            code = exc.code
    return code, out.getvalue(), err.getvalue()


def assert_refused_in_one_line(code: int, out: str, err: str, *, match: str = "") -> str:
    lines = err.strip().splitlines()
    assert code == 2, (code, out[:300], err[:300])
    assert len(lines) == 1 and lines[0].startswith("error: "), err[:500]
    assert "internal error" not in lines[0] and "Traceback" not in err, err[:500]
    assert match in lines[0], lines[0]
    return lines[0]


def assert_ok_or_refused(code: int, out: str, err: str) -> None:
    if code == 0:
        assert err.strip() == "" or "error" not in err
        return
    assert_refused_in_one_line(code, out, err)


def write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


def wav(folder: Path, name: str, y: np.ndarray, subtype: str = "PCM_16", sr: int = 16000) -> Path:
    path = folder / name
    sf.write(path, y, sr, format="WAV", subtype=subtype)
    return path


# --------------------------------------------------------------------------------------------
# malformed and oversized recipes: apply, import, export
# --------------------------------------------------------------------------------------------
BAD_RECIPES = {
    "5000-digit integer": (
        b'{"steps": [{"step": "gain", "gain_db": ' + b"9" * 5000 + b"}]}",
        "too many digits",
    ),
    "100k-deep nesting": (b"[" * 100_000 + b"]" * 100_000, "over the 65,536-byte limit"),
    "20k-deep nesting (under the size limit)": (b"[" * 20_000 + b"]" * 20_000, "nested too deep"),
    "deep nesting in a parameter": (
        b'{"steps": [{"step": "gain", "gain_db": ' + b"[" * 20_000 + b"]" * 20_000 + b"}]}",
        "nested too deep",
    ),
    "Latin-1 file": ('{"name": "café", "steps": []}'.encode("latin-1"), "not UTF-8"),
    "1e999": (b'{"steps": [{"step": "gain", "gain_db": 1e999}]}', "not a finite number"),
    "NaN": (b'{"steps": [{"step": "gain", "gain_db": NaN}]}', "not a finite number"),
    "10 MB name": (
        json.dumps({"name": "x" * 10_000_000, "steps": []}).encode(),
        "over the 65,536-byte limit",
    ),
    "300-character name": (
        json.dumps({"name": "x" * 300, "steps": []}).encode(),
        "over the 200 allowed",
    ),
    "330,000 steps": (
        json.dumps({"steps": [{"step": "gain"}] * 330_000}).encode(),
        "over the 65,536-byte limit",
    ),
    "65 steps": (json.dumps({"steps": [{"step": "gain"}] * 65}).encode(), "more than the 64"),
    "not JSON": (b"\x00\x01\x02garbage", "not valid JSON"),
    "a list": (b"[1, 2, 3]", "a recipe is a JSON object"),
    "empty file": (b"", "not valid JSON"),
}


@pytest.fixture
def clip(tmp_path) -> Path:
    return wav(tmp_path, "clip.wav", speechlike(0.5))


def recipe_count(data_dir: Path) -> int:
    db = data_dir / "augcheck.db"
    if not db.exists():
        return 0
    return sqlite3.connect(db).execute("select count(*) from recipes").fetchone()[0]


@pytest.mark.parametrize("case", list(BAD_RECIPES))
def test_bad_recipe_files_are_refused_in_one_line_everywhere(case, tmp_path, clip, data_dir):
    data, match = BAD_RECIPES[case]
    bad = write(tmp_path, "bad.json", data)
    out = tmp_path / "out.wav"
    assert_refused_in_one_line(*run("apply", str(bad), str(clip), str(out)), match=match)
    assert not out.exists()
    assert (
        run("import", str(write(tmp_path, "good.json", json.dumps(GOOD_RECIPE).encode())))[0] == 0
    )
    before = recipe_count(data_dir)
    assert_refused_in_one_line(*run("import", str(bad)), match=match)
    assert recipe_count(data_dir) == before  # nothing stored
    assert_refused_in_one_line(*run("export", str(bad)), match=match)
    assert_refused_in_one_line(*run("export", str(bad), "--to", "audiomentations"), match=match)


def test_a_recipe_file_with_a_utf8_bom_is_accepted(tmp_path, clip, data_dir):
    path = write(tmp_path, "bom.json", b"\xef\xbb\xbf" + json.dumps(GOOD_RECIPE).encode())
    code, out, err = run("apply", str(path), str(clip), str(tmp_path / "o.wav"))
    assert code == 0, err
    code, out, err = run("import", str(path))
    assert code == 0 and json.loads(out)["name"] == "ok", err
    assert run("export", str(path))[0] == 0


def test_size_limits_hold_on_the_recipe_api():
    from augment.errors import ParameterError
    from augment.recipe import MAX_NAME_CHARS, MAX_STEPS, Recipe

    Recipe.from_dict({"name": "x" * MAX_NAME_CHARS, "steps": [{"step": "gain"}] * MAX_STEPS})
    with pytest.raises(ParameterError, match="over the 200 allowed"):
        Recipe.from_dict({"name": "x" * (MAX_NAME_CHARS + 1), "steps": []})
    with pytest.raises(ParameterError, match="more than the 64 allowed"):
        Recipe.from_dict({"steps": [{"step": "gain"}] * (MAX_STEPS + 1)})


# --------------------------------------------------------------------------------------------
# short, silent, constant and lying audio
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("subtype", WAV_SUBTYPES)
@pytest.mark.parametrize("kind", ["random", "silent", "constant"])
def test_tiny_wavs_through_apply_never_traceback(subtype, kind, tmp_path):
    """The probe's 22-sample int24/int32/float64 WAV ended in pystoi's AxisError."""
    rng = np.random.default_rng(22)
    y = {
        "random": rng.uniform(-0.5, 0.5, 22),
        "silent": np.zeros(22),
        "constant": np.full(22, 0.25),
    }[kind]
    clip = wav(tmp_path, "tiny.wav", y, subtype)
    noise = wav(tmp_path, "noise.wav", rng.uniform(-0.1, 0.1, 5))
    for recipe in (GOOD_RECIPE, ALL_STEPS):
        rpath = write(tmp_path, "r.json", json.dumps(recipe).encode())
        code, out, err = run(
            "apply", str(rpath), str(clip), str(tmp_path / "out.wav"), "--noise", str(noise)
        )
        assert_ok_or_refused(code, out, err)
        if code == 0:
            metrics = json.loads(out)["metrics"]
            if metrics["stoi"] is None:
                assert metrics["stoi_reason"], metrics  # n/a with the reason


def test_a_wav_whose_data_chunk_claims_more_than_the_file_holds_is_refused(tmp_path):
    good = wav(tmp_path, "good.wav", speechlike(0.3)).read_bytes()
    pos = good.index(b"data")
    lying = bytearray(good)
    lying[pos + 4 : pos + 8] = (len(good) * 4).to_bytes(4, "little")  # data size: 4x the file
    lying[4:8] = (len(good) - 8).to_bytes(4, "little")  # RIFF size tells the truth
    path = write(tmp_path, "lying.wav", bytes(lying))
    rpath = write(tmp_path, "r.json", json.dumps(GOOD_RECIPE).encode())
    assert_refused_in_one_line(
        *run("apply", str(rpath), str(path), str(tmp_path / "o.wav")), match="truncated"
    )


def test_apply_refuses_to_overwrite_its_input(tmp_path, clip, monkeypatch):
    before = clip.read_bytes()
    rpath = write(tmp_path, "r.json", json.dumps(GOOD_RECIPE).encode())
    assert_refused_in_one_line(*run("apply", str(rpath), str(clip), str(clip)), match="input")
    monkeypatch.chdir(tmp_path)  # the same file by another spelling
    assert_refused_in_one_line(*run("apply", str(rpath), str(clip), "./clip.wav"), match="input")
    assert clip.read_bytes() == before


def test_apply_into_a_missing_folder_names_the_folder(tmp_path, clip):
    rpath = write(tmp_path, "r.json", json.dumps(GOOD_RECIPE).encode())
    missing = tmp_path / "no" / "such"
    line = assert_refused_in_one_line(
        *run("apply", str(rpath), str(clip), str(missing / "o.wav")), match="does not exist"
    )
    assert str(missing) in line


# --------------------------------------------------------------------------------------------
# property-based: random bytes, random short WAVs, random recipe JSON
# --------------------------------------------------------------------------------------------
FUZZ = settings(
    max_examples=int(os.environ.get("AUGCHECK_FUZZ_EXAMPLES", "40")),  # more: set it higher
    deadline=None,  # a shared 2-core machine: a slow example is not a failure
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@contextlib.contextmanager
def scratch():
    with tempfile.TemporaryDirectory() as folder:
        yield Path(folder)


def numbers() -> st.SearchStrategy:
    return st.one_of(
        st.integers(min_value=-(10**30), max_value=10**30),
        st.floats(allow_nan=True, allow_infinity=True),
        st.lists(st.floats(min_value=-100, max_value=100), min_size=0, max_size=3),
        st.text(max_size=5),
        st.none(),
        st.booleans(),
    )


@st.composite
def recipe_json(draw) -> bytes:
    """Mostly plausible recipes (real step and parameter names, wild values), some junk."""
    names = sorted(STEPS)
    steps = []
    for _ in range(draw(st.integers(0, 4))):
        name = draw(st.one_of(st.sampled_from(names), st.text(max_size=8)))
        step: dict = {"step": name}
        params = [p.name for p in STEPS[name].params] if name in STEPS else []
        for key in draw(st.lists(st.sampled_from([*params, "x"] or ["x"]), max_size=3)):
            step[key] = draw(numbers())
        steps.append(step)
    doc = {"name": draw(st.text(max_size=30)), "steps": steps}
    if draw(st.booleans()):
        doc[draw(st.sampled_from(["id", "extra"]))] = draw(st.text(max_size=20))
    text = json.dumps(doc, allow_nan=True)
    return draw(st.sampled_from([b"", b"\xef\xbb\xbf"])) + text.encode()


@st.composite
def short_wav(draw) -> bytes:
    subtype = draw(st.sampled_from(WAV_SUBTYPES))
    n = draw(st.integers(1, 64))
    sr = draw(st.sampled_from([8000, 16000, 22050, 44100, 48000]))
    shape = draw(st.sampled_from(["random", "silent", "constant", "full scale"]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    y = {
        "random": rng.uniform(-1, 1, n),
        "silent": np.zeros(n),
        "constant": np.full(n, draw(st.floats(-1, 1))),
        "full scale": np.sign(rng.uniform(-1, 1, n)),
    }[shape]
    channels = draw(st.integers(1, 2))
    if channels == 2:
        y = np.stack([y, y[::-1]], axis=1)
    buf = io.BytesIO()
    try:
        sf.write(buf, y, sr, format="WAV", subtype=subtype)
    except sf.LibsndfileError:  # e.g. GSM 6.10 is mono only: libsndfile cannot write this one
        reject()
    return buf.getvalue()


@FUZZ
@given(data=st.binary(max_size=2048), as_audio=st.booleans())
def test_fuzz_random_bytes(data, as_audio):
    with scratch() as d:
        good_recipe = write(d, "good.json", json.dumps(ALL_STEPS).encode())
        good_clip = wav(d, "clip.wav", speechlike(0.2))
        blob = write(d, "blob.bin", data)
        if as_audio:
            argv = ["apply", str(good_recipe), str(blob), str(d / "o.wav")]
        else:
            argv = ["apply", str(blob), str(good_clip), str(d / "o.wav")]
        assert_ok_or_refused(*run(*argv))
        if not as_audio:
            assert_ok_or_refused(*run("export", str(blob)))


@FUZZ
@given(clip=short_wav(), noise=short_wav(), ir=short_wav())
def test_fuzz_short_wavs(clip, noise, ir):
    with scratch() as d:
        recipe = write(d, "r.json", json.dumps(ALL_STEPS).encode())
        args = [
            "apply",
            str(recipe),
            str(write(d, "clip.wav", clip)),
            str(d / "out.wav"),
            "--noise",
            str(write(d, "noise.wav", noise)),
        ]
        code, out, err = run(*args)
        assert_ok_or_refused(code, out, err)
        if code == 0:
            doc = json.loads(out)
            assert (d / "out.wav").exists() and doc["sample_rate"] > 0
        assert_ok_or_refused(*run(*args, "--ir", str(write(d, "ir.wav", ir))))


@FUZZ
@given(recipe=recipe_json(), seed=st.integers(0, 2**63 - 1))
def test_fuzz_recipe_json(recipe, seed):
    with scratch() as d:
        path = write(d, "r.json", recipe)
        clip = wav(d, "clip.wav", speechlike(0.5))
        noise = recording("doing_the_dishes.wav")
        code, out, err = run(
            "apply",
            str(path),
            str(clip),
            str(d / "o.wav"),
            "--noise",
            str(noise),
            "--seed",
            str(seed),
        )
        assert_ok_or_refused(code, out, err)
        if code == 0:
            doc = json.loads(out)
            assert len(doc["recipe_id"]) == 16 and (d / "o.wav").stat().st_size > 44
        assert_ok_or_refused(*run("export", str(path), "--to", "audiomentations"))


# examples the fuzz test found (kept so they are always tried)
ONE_SAMPLE_ALAW = (
    b"RIFF4\x00\x00\x00WAVEfmt \x12\x00\x00\x00\x06\x00\x01\x00{rate}\x00\x00{rate}\x00\x00\x01"
    b"\x00\x08\x00\x00\x00fact\x04\x00\x00\x00\x01\x00\x00\x00data\x01\x00\x00\x00\xb4\x00"
)


@pytest.mark.parametrize(
    "clip_rate, noise_rate",
    [(b"@\x1f", b'"V'), (b"D\xac", b"@\x1f")],  # 8000 clip + 22050 noise; 44100 + 8000
)
def test_found_by_fuzzing_one_sample_files_at_odd_rates(clip_rate, noise_rate, tmp_path):
    clip = write(tmp_path, "c.wav", ONE_SAMPLE_ALAW.replace(b"{rate}", clip_rate))
    noise = write(tmp_path, "n.wav", ONE_SAMPLE_ALAW.replace(b"{rate}", noise_rate))
    recipe = write(tmp_path, "r.json", json.dumps(ALL_STEPS).encode())
    args = ["apply", str(recipe), str(clip), str(tmp_path / "o.wav"), "--noise", str(noise)]
    assert_ok_or_refused(*run(*args))
    assert_ok_or_refused(*run(*args, "--ir", str(clip)))


def test_renaming_a_recipe_keeps_the_name_limit(store):
    from augment.errors import ParameterError
    from augment.recipe import Recipe

    recipe = Recipe.from_dict(GOOD_RECIPE)
    store.save_recipe(recipe)
    with pytest.raises(ParameterError, match="over the 200 allowed"):
        store.rename_recipe(recipe.id, "x" * 10_000)
    assert store.recipe(recipe.id).name == "ok"
