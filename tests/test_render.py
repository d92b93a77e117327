"""Offline rendering (augment.render): seeding, manifests, resume, error rows, the status rule and
every refusal of the leakage guard. Real files in a temporary folder, real audio."""

from __future__ import annotations

import csv
import json
import os

import numpy as np
import pytest
import soundfile as sf

from augment.errors import AugcheckError
from augment.recipe import Recipe
from augment.render import LeakageError, Options, derive_seed, prepare, render_dataset
from augment.render.output import Journal, csv_cell
from augment.render.work import Job, Task, render_task
from tests.conftest import SR, noise_signal, speechlike

RECIPE = Recipe.from_dict(
    {
        "name": "cafe, phone",
        "steps": [
            {"step": "background_noise", "snr_db": [0, 20]},
            {"step": "band_pass", "low_hz": 300, "high_hz": 3400},
            {"step": "gain", "gain_db": [-6, 0]},
        ],
    }
)


def write(path, y, sr=SR):
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(path, y, sr)
    return path


@pytest.fixture
def dataset(tmp_path):
    """Six 1 s clips in two speaker folders, a manifest with splits, and a noise."""
    root = tmp_path / "data"
    rows = []
    for i in range(6):
        spk = f"spk{i % 3}"
        rel = f"{spk}/utt{i}.wav"
        write(root / rel, speechlike(1.0, seed=i))
        split = "test" if spk == "spk2" else "train"
        rows.append(
            {
                "audio_filepath": rel,
                "duration": 1.0,
                "text": f"utt {i}",
                "split": split,
                "speaker": spk,
            }
        )
    manifest = root / "manifest.jsonl"
    manifest.write_text("".join(json.dumps(r) + "\n" for r in rows))
    noise = write(tmp_path / "noise.wav", noise_signal(3.0))
    return {"root": root, "manifest": manifest, "noise": noise, "rows": rows, "tmp": tmp_path}


def opts(ds, out, **kw) -> Options:
    base = dict(
        recipe=RECIPE, input=str(ds["manifest"]), out=str(out), noises=[str(ds["noise"])], workers=1
    )
    base.update(kw)
    return Options(**base)


def tree(folder) -> dict[str, bytes]:
    """Every file under ``folder`` except the run's own records, as bytes."""
    out = {}
    for dirpath, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if d != ".render"]
        for f in files:
            if f != "render.json":
                p = os.path.join(dirpath, f)
                out[os.path.relpath(p, folder)] = open(p, "rb").read()
    return out


def test_seed_depends_on_every_part_and_nothing_else():
    s = derive_seed(7, "abc", "f" * 64, 1)
    assert s == derive_seed(7, "abc", "f" * 64, 1)
    assert 0 <= s < 2**63
    others = {
        derive_seed(8, "abc", "f" * 64, 1),
        derive_seed(7, "abd", "f" * 64, 1),
        derive_seed(7, "abc", "e" * 64, 1),
        derive_seed(7, "abc", "f" * 64, 2),
    }
    assert s not in others and len(others) == 4


def test_training_render_writes_train_rows_only_with_manifests(dataset, tmp_path):
    out = tmp_path / "out"
    record = render_dataset(opts(dataset, out, copies=2))
    rows = [json.loads(x) for x in (out / "manifest.jsonl").read_text().splitlines()]
    assert len(rows) == 8  # 4 train clips x 2 copies; the 2 test clips (spk2) are left out
    assert [r["audio_filepath"] for r in rows] == sorted(r["audio_filepath"] for r in rows)
    assert rows[0]["audio_filepath"] == "spk0/utt0_aug1.wav"
    assert not any(r["audio_filepath"].startswith("spk2") for r in rows)
    assert record["counts"]["left_out"] == 2
    assert {x["split"] for x in record["left_out"]} == {"test"}
    assert all(r["purpose"] == "training" and r["recipe_id"] == RECIPE.id for r in rows)
    first = rows[0]
    assert first["text"] == "utt 0" and first["speaker"] == "spk0"
    assert first["source_filepath"] == str(dataset["root"] / "spk0" / "utt0.wav")
    # the output is what recipe.render gives with the derived seed, bit for bit
    from augment import audio
    from augment.recipe import render, source

    data = (dataset["root"] / "spk0" / "utt0.wav").read_bytes()
    assert first["source_sha256"] == audio.content_hash(data)
    assert first["seed"] == derive_seed(0, RECIPE.id, first["source_sha256"], 1)
    clip = audio.decode(data)
    nz = audio.read(dataset["noise"])
    want = render(
        RECIPE,
        clip.samples,
        SR,
        seed=first["seed"],
        noises=[
            source(
                audio.content_hash(dataset["noise"].read_bytes()),
                "noise.wav",
                nz.samples,
                nz.sample_rate,
            )
        ],
    )
    got, sr = sf.read(out / first["audio_filepath"], dtype="float32")
    assert sr == SR and np.allclose(got, want.samples, atol=1 / 32768)
    assert first["params"][0]["snr_db"] == want.params[0]["snr_db"]
    assert first["snr_db"] == want.metrics["snr_db"] and first["duration"] == 1.0
    # CSV: the same rows, parameters as <step>.<param> columns
    with open(out / "manifest.csv", newline="") as fh:
        table = list(csv.DictReader(fh))
    assert len(table) == 8
    assert float(table[0]["background_noise.snr_db"]) == first["params"][0]["snr_db"]
    assert float(table[0]["gain.gain_db"]) == first["params"][2]["gain_db"]
    # render.json: recipe, versions, command, counts, timings
    saved = json.loads((out / "render.json").read_text())
    assert saved["recipe"]["id"] == RECIPE.id and saved["versions"]["numpy"] == np.__version__
    assert saved["counts"]["outputs"] == 8 and saved["timings"]["wall_s"] > 0
    assert not (out / "errors.jsonl").exists()


def test_csv_cells_never_start_a_formula(dataset, tmp_path):
    assert csv_cell('=HYPERLINK("x")') == '\'=HYPERLINK("x")'
    assert csv_cell("@SUM(A1)") == "'@SUM(A1)" and csv_cell(-3.0) == -3.0
    rows = [dict(r, text="=1+2" if i == 0 else r["text"]) for i, r in enumerate(dataset["rows"])]
    dataset["manifest"].write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "out"
    render_dataset(opts(dataset, out))
    text = (out / "manifest.csv").read_text()
    assert ",'=1+2," in text and ",=1+2," not in text
    for row in csv.reader(text.splitlines()):
        assert not any(c.startswith(("=", "+", "@")) for c in row)
        assert not any(c.startswith("-") and not c[1:2].isdigit() for c in row)


def test_rerun_skips_finished_outputs_and_rewrites_nothing(dataset, tmp_path):
    out = tmp_path / "out"
    render_dataset(opts(dataset, out))
    before = tree(out)
    mtimes = {p: os.stat(out / p).st_mtime_ns for p in before if p.endswith(".wav")}
    record = render_dataset(opts(dataset, out))
    assert record["counts"]["skipped"] == 4 and record["counts"]["rendered"] == 0
    assert tree(out) == before
    assert {p: os.stat(out / p).st_mtime_ns for p in mtimes} == mtimes
    # one more copy: only the new copy of each clip is rendered
    record = render_dataset(opts(dataset, out, copies=2))
    assert record["counts"]["skipped"] == 4 and record["counts"]["rendered"] == 4


def test_cut_off_journal_and_lost_outputs_are_rendered_again_to_the_same_bytes(dataset, tmp_path):
    full, part = tmp_path / "full", tmp_path / "part"
    render_dataset(opts(dataset, full, copies=2))
    render_dataset(opts(dataset, part, copies=2))
    journal = part / ".render" / "journal.jsonl"
    lines = journal.read_text().splitlines(keepends=True)
    journal.write_text("".join(lines[:3]) + lines[3][:40])  # killed while writing line 4
    (part / "manifest.jsonl").unlink()
    (part / "spk0" / "utt0_aug2.wav").unlink()
    (part / "spk1" / ".augtmp-123-utt1_aug1.wav").write_bytes(b"half a file")
    assert len(Journal(str(part)).read()) == 3
    record = render_dataset(opts(dataset, part, copies=2))
    assert record["counts"]["skipped"] == 2  # 3 journaled, one of them deleted since
    assert tree(part) == tree(full)


def test_a_bad_file_is_an_error_row_and_the_run_goes_on(dataset, tmp_path):
    root = dataset["root"]
    (root / "spk0" / "utt0.wav").write_bytes(b"not audio at all")
    write(root / "spk1" / "utt1.wav", np.zeros(SR, np.float32))  # silent: SNR undefined
    out = tmp_path / "out"
    record = render_dataset(opts(dataset, out))
    assert record["counts"]["errors"] == 2 and record["counts"]["outputs"] == 2
    errors = [json.loads(x) for x in (out / "errors.jsonl").read_text().splitlines()]
    reasons = {os.path.basename(e["source_filepath"]): e["error"] for e in errors}
    assert "not an audio file" in reasons["utt0.wav"]
    assert "silent" in reasons["utt1.wav"]
    assert all("\n" not in e for e in reasons.values())


def test_render_task_reads_noises_once_per_process(dataset, tmp_path):
    from augment.render import work

    job = Job(
        RECIPE.to_json(indent=None),
        0,
        str(tmp_path / "o"),
        noises=((str(dataset["noise"]), "noise.wav"),),
    )
    work._DECODED.clear()
    work._SOURCES.clear()
    for i in (0, 1, 3):
        rel = f"spk{i % 3}/utt{i}.wav"
        r = render_task(Task(str(dataset["root"] / rel), rel, (1,)), job)
        assert r["rows"] and not r["errors"]
    assert work.cache_info()["decoded"] == 1


# --- the status rule ------------------------------------------------------------------------
@pytest.mark.parametrize("status", ["draft", "in review", "rejected", None])
def test_only_accepted_recipes_render(dataset, tmp_path, status):
    with pytest.raises(AugcheckError, match="only accepted recipes render") as err:
        prepare(opts(dataset, tmp_path / "out", status=status))
    assert "python -m augment status" in str(err.value) and "--any-status" in str(err.value)
    assert not (tmp_path / "out").exists()
    out = tmp_path / "out2"
    record = render_dataset(opts(dataset, out, status=status, any_status=True))
    assert record["any_status"] is True and record["recipe_status"] == status
    assert record["warnings"] and "not accepted" in record["warnings"][0]


# --- the leakage guard: every refusal -------------------------------------------------------
def test_no_split_column_is_refused_unless_assume_train(dataset, tmp_path):
    rows = [{k: v for k, v in r.items() if k not in ("split", "speaker")} for r in dataset["rows"]]
    dataset["manifest"].write_text("".join(json.dumps(r) + "\n" for r in rows))
    with pytest.raises(LeakageError, match="no 'split' column.*--assume-train"):
        prepare(opts(dataset, tmp_path / "out"))
    with pytest.raises(LeakageError, match="a folder says nothing about splits"):
        prepare(opts(dataset, tmp_path / "out", input=str(dataset["root"])))
    record = render_dataset(opts(dataset, tmp_path / "out", assume_train=True))
    assert record["counts"]["outputs"] == 6 and record["assume_train"] is True


def test_rows_without_a_split_or_with_an_unknown_one_are_refused(dataset, tmp_path):
    rows = [dict(r) for r in dataset["rows"]]
    rows[1]["split"] = ""
    dataset["manifest"].write_text("".join(json.dumps(r) + "\n" for r in rows))
    with pytest.raises(LeakageError, match="1 row.*no split.*line 2"):
        prepare(opts(dataset, tmp_path / "out"))
    rows[1]["split"] = "holdout"
    dataset["manifest"].write_text("".join(json.dumps(r) + "\n" for r in rows))
    with pytest.raises(AugcheckError, match="line 2: split='holdout' is not one of"):
        prepare(opts(dataset, tmp_path / "out"))


def test_speakers_in_train_and_test_are_refused_listing_them(dataset, tmp_path):
    rows = [dict(r) for r in dataset["rows"]]
    rows[0]["split"] = "val"  # spk0 now in train (utt3) and val (utt0)
    dataset["manifest"].write_text("".join(json.dumps(r) + "\n" for r in rows))
    with pytest.raises(LeakageError, match=r"1 speaker group\(s\).*'spk0'"):
        prepare(opts(dataset, tmp_path / "out"))
    # another column as the group: by "text" nothing overlaps, so it renders
    assert prepare(opts(dataset, tmp_path / "out", group_column="text")).group_column == "text"
    with pytest.raises(LeakageError, match="--group-column 'session'.*no such column"):
        prepare(opts(dataset, tmp_path / "out", group_column="session"))


def test_noises_and_irs_marked_for_evaluation_are_refused(dataset, tmp_path):
    noises = tmp_path / "noises.jsonl"
    noises.write_text(json.dumps({"audio_filepath": str(dataset["noise"]), "split": "test"}) + "\n")
    with pytest.raises(LeakageError, match="1 noise.*marked test"):
        prepare(opts(dataset, tmp_path / "out", noises=[str(noises)]))
    irs = tmp_path / "irs.csv"
    irs.write_text(f"audio_filepath,split\n{dataset['noise']},val\n")
    with pytest.raises(LeakageError, match="impulse response.*marked val"):
        prepare(opts(dataset, tmp_path / "out", irs=[str(irs)]))
    noises.write_text(
        json.dumps({"audio_filepath": str(dataset["noise"]), "split": "train"}) + "\n"
    )
    assert prepare(opts(dataset, tmp_path / "out", noises=[str(noises)]))
    with pytest.raises(LeakageError, match="evaluation render.*marked train"):
        prepare(opts(dataset, tmp_path / "out", noises=[str(noises)], purpose="evaluation"))


def test_evaluation_set_renders_test_rows_and_never_shares_a_folder(dataset, tmp_path):
    ev = tmp_path / "robustness"
    record = render_dataset(opts(dataset, ev, purpose="evaluation"))
    rows = [json.loads(x) for x in (ev / "manifest.jsonl").read_text().splitlines()]
    assert {r["audio_filepath"].split("/")[0] for r in rows} == {"spk2"}
    assert all(r["purpose"] == "evaluation" for r in rows) and record["purpose"] == "evaluation"
    assert json.loads((ev / "render.json").read_text())["purpose"] == "evaluation"
    assert record["counts"]["left_out"] == 4
    with pytest.raises(LeakageError, match="training render into .* holds an evaluation render"):
        prepare(opts(dataset, ev))
    train = tmp_path / "train"
    render_dataset(opts(dataset, train))
    with pytest.raises(LeakageError, match="evaluation render into .* holds a training render"):
        prepare(opts(dataset, train, purpose="evaluation"))
    # a killed training render (no render.json yet) still marks its folder
    (train / "render.json").unlink()
    with pytest.raises(LeakageError, match="holds a training render"):
        prepare(opts(dataset, train, purpose="evaluation"))


def test_output_inside_the_input_folder_is_refused(dataset, tmp_path):
    with pytest.raises(LeakageError, match="inside the input folder"):
        prepare(
            opts(dataset, dataset["root"] / "aug", input=str(dataset["root"]), assume_train=True)
        )


def test_bad_arguments_are_refused_before_anything_is_written(dataset, tmp_path):
    out = tmp_path / "out"
    for kw, msg in [
        ({"copies": 0}, "--copies"),
        ({"format": "mp3"}, "--format"),
        ({"noises": []}, "pass --noise"),
        ({"noises": [str(tmp_path / "nope.wav")]}, "no such file"),
        ({"input": str(tmp_path / "missing")}, "no such folder or manifest"),
        ({"dask": "nonsense"}, "--dask"),
    ]:
        with pytest.raises(AugcheckError, match=msg):
            prepare(opts(dataset, out, **kw))
    bad_noise = tmp_path / "bad.wav"
    bad_noise.write_bytes(b"RIFF....")
    with pytest.raises(AugcheckError, match="bad.wav"):
        prepare(opts(dataset, out, noises=[str(bad_noise)]))
    assert not out.exists()
    render_dataset(opts(dataset, out))
    with pytest.raises(AugcheckError, match="another seed"):
        prepare(opts(dataset, out, seed=5))
