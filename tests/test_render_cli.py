"""``python -m augment render`` and ``status`` as real processes: exit codes, one-line errors,
progress and summary, resume, and a SIGKILL mid-run followed by a rerun."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time

import pytest

from augment.render.progress import Progress
from tests.conftest import ROOT, noise_signal, speechlike
from tests.test_render import tree, write

RECIPE = {
    "name": "cafe, slower, phone",
    "steps": [
        {"step": "background_noise", "snr_db": [0, 20]},
        {"step": "time_stretch", "rate": [0.9, 1.1]},
        {"step": "band_pass", "low_hz": 300, "high_hz": 3400},
    ],
}


def augment(*args, check=None, **kw) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        [sys.executable, "-m", "augment", *map(str, args)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        **kw,
    )
    if check is not None:
        assert proc.returncode == check, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


@pytest.fixture
def corpus(tmp_path):
    root = tmp_path / "corpus"
    for i in range(12):
        write(root / f"s{i % 3}" / f"u{i:02d}.wav", speechlike(0.8, seed=i))
    noise = write(tmp_path / "noise.wav", noise_signal(3.0))
    recipe = tmp_path / "recipe.json"
    recipe.write_text(json.dumps(RECIPE))
    return {"root": root, "noise": noise, "recipe": recipe, "tmp": tmp_path}


def render_args(c, out, *extra):
    return [
        "render",
        c["recipe"],
        "--input",
        c["root"],
        "--out",
        out,
        "--noise",
        c["noise"],
        "--assume-train",
        "--workers",
        "1",
        *extra,
    ]


def test_status_rule_and_the_status_command(corpus):
    out = corpus["tmp"] / "out"
    refused = augment(*render_args(corpus, out), check=2)
    (line,) = refused.stderr.splitlines()
    assert line.startswith("error: recipe ") and "not stored" in line
    rid = json.loads(augment("import", corpus["recipe"], check=0).stdout)["recipe_id"]
    refused = augment(*render_args(corpus, out), check=2)
    assert "is 'draft'" in refused.stderr
    assert f"python -m augment status {rid} accepted" in refused.stderr
    assert not out.exists()
    bad = augment("status", rid, "approved", "--reason", "x", check=2)
    assert bad.stderr.startswith("error: status='approved' is not one of")
    done = augment("status", rid, "accepted", "--reason", "clear at 0 dB", "--by", "ana", check=0)
    assert json.loads(done.stdout)["status"] == "accepted"
    by_id = [rid if a == corpus["recipe"] else a for a in render_args(corpus, out, "--quiet")]
    ok = augment(*by_id, "--format", "flac", check=0)
    assert "12 files rendered" in ok.stdout and not ok.stderr
    assert (out / "s0" / "u00_aug1.flac").exists()
    assert json.loads((out / "render.json").read_text())["recipe_status"] == "accepted"


def test_exit_codes_progress_summary_and_error_rows(corpus):
    out = corpus["tmp"] / "out"
    (corpus["root"] / "s1" / "u01.wav").write_bytes(b"garbage")
    run = augment(*render_args(corpus, out, "--any-status"), check=1)
    assert "warning: rendering recipe" in run.stderr and "not stored" in run.stderr
    assert "rendered 1/12 files" in run.stderr  # plain progress lines when not a terminal
    assert "11 files rendered" in run.stdout and "x real time" in run.stdout
    assert "1 input file(s) failed" in run.stdout and "errors.jsonl" in run.stdout
    (err,) = [json.loads(x) for x in (out / "errors.jsonl").read_text().splitlines()]
    assert err["source_filepath"].endswith("u01.wav") and "not an audio file" in err["error"]
    record = json.loads((out / "render.json").read_text())
    assert record["command"][:4] == ["python", "-m", "augment", "render"]
    assert record["counts"]["errors"] == 1 and record["counts"]["outputs"] == 11
    assert record["any_status"] is True and record["recipe_status"] is None
    # bad command lines: exit 2, one error: line
    for args in (["--copies", "0"], ["--workers", "2", "--dask", "local"]):
        bad = augment(*render_args(corpus, corpus["tmp"] / "o3", *args), "--any-status", check=2)
        assert len(bad.stderr.strip().splitlines()) == 1 and bad.stderr.startswith("error: ")


def test_tqdm_bar_with_rate_and_eta_on_a_terminal(tmp_path):
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    stream = Terminal()
    p = Progress(str(tmp_path), stream=stream)
    p.start(10, 0)
    for _ in range(10):
        p.update(1, 0, 1.0)
    p.finish("done")
    text = stream.getvalue()
    assert "10/10" in text and "file/s" in text and "<00:00" in text
    assert json.loads((tmp_path / ".render" / "progress.json").read_text())["done"] == 10


def test_sigkill_mid_run_then_rerun_gives_the_same_files_and_manifest(corpus):
    full, killed = corpus["tmp"] / "full", corpus["tmp"] / "killed"
    args = ["--copies", "2", "--any-status"]
    augment(*render_args(corpus, full, *args), check=0)
    proc = subprocess.Popen(
        [sys.executable, "-m", "augment", *map(str, render_args(corpus, killed, *args))],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    journal = killed / ".render" / "journal.jsonl"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if journal.exists() and journal.read_text().count("\n") >= 4:
            break
        time.sleep(0.02)
    assert proc.poll() is None, "the render ended before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    finished = journal.read_text().count("\n")
    assert 4 <= finished < 24
    assert not (killed / "manifest.jsonl").exists()
    rerun = augment(*render_args(corpus, killed, *args), check=0)
    skipped = int(rerun.stdout.split(" already done")[0].rsplit(" ", 1)[1])
    assert skipped >= 4
    assert f"{24 - skipped} files rendered" in rerun.stdout
    assert tree(killed) == tree(full)
    assert not [p for p in tree(killed) if ".augtmp-" in p]
