"""``--out`` as an fsspec URL: the same bytes as a folder, resumable, refused with one line when
the protocol is unknown or its driver is missing (tested with ``file://``, which needs nothing)."""

from __future__ import annotations

import importlib.util
import json

import pytest

from augment.errors import ParameterError
from augment.render import LeakageError, prepare, render_dataset
from tests.test_render import dataset, opts, tree  # noqa: F401 (the fixture)
from tests.test_render_cli import augment, corpus, render_args  # noqa: F401 (the fixture)


def url(path) -> str:
    return f"file://{path}"


@pytest.mark.parametrize("workers", [1, 2])
def test_a_file_url_gets_the_same_bytes_as_the_folder(dataset, tmp_path, workers):  # noqa: F811
    plain, via_url = tmp_path / "plain", tmp_path / "via_url"
    render_dataset(opts(dataset, plain, copies=2, workers=workers))
    record = render_dataset(opts(dataset, url(via_url), copies=2, workers=workers))
    assert record["out"] == url(via_url) and record["counts"]["rendered"] == 8
    assert tree(via_url) == tree(plain)
    assert {"manifest.jsonl", "manifest.csv", "render.json"} <= {p.name for p in via_url.iterdir()}
    assert json.loads((via_url / "render.json").read_text())["counts"]["outputs"] == 8
    assert not list(via_url.rglob(".augtmp-*"))


def test_a_url_render_resumes_from_its_journal_pieces(dataset, tmp_path):  # noqa: F811
    out = tmp_path / "out"
    full = tmp_path / "full"
    render_dataset(opts(dataset, full, copies=2))
    render_dataset(opts(dataset, url(out), copies=2))
    pieces = list((out / ".render").glob("journal-*.jsonl"))
    assert pieces and not (out / ".render" / "journal.jsonl").exists()
    again = render_dataset(opts(dataset, url(out), copies=2))
    assert again["counts"]["skipped"] == 8 and again["counts"]["rendered"] == 0
    # a lost output and a temporary a killed run left behind: rendered again, cleaned up
    (out / "spk0" / "utt0_aug2.wav").unlink()
    (out / "spk1" / ".augtmp-123-utt1_aug1.wav").write_bytes(b"half a file")
    record = render_dataset(opts(dataset, url(out), copies=2))
    assert record["counts"]["skipped"] == 7 and record["counts"]["rendered"] == 1
    assert tree(out) == tree(full)


def test_a_url_folder_keeps_training_and_evaluation_apart(dataset, tmp_path):  # noqa: F811
    out = url(tmp_path / "out")
    render_dataset(opts(dataset, out))
    with pytest.raises(LeakageError, match="holds a training render"):
        prepare(opts(dataset, out, purpose="evaluation"))
    with pytest.raises(LeakageError, match="inside the input folder"):
        inside = url(dataset["root"] / "aug")
        prepare(opts(dataset, inside, input=str(dataset["root"]), assume_train=True))


def test_unknown_protocols_and_missing_drivers_are_refused(dataset, tmp_path):  # noqa: F811
    with pytest.raises(ParameterError, match="knows no protocol 'nope'"):
        prepare(opts(dataset, "nope://bucket/aug"))
    if importlib.util.find_spec("s3fs") is None:
        with pytest.raises(ParameterError, match="s3:// driver is not installed"):
            prepare(opts(dataset, "s3://bucket/aug"))


def test_the_command_line_refuses_a_missing_driver_with_one_line(corpus):  # noqa: F811
    proto = "nope" if importlib.util.find_spec("s3fs") else "s3"
    proc = augment(*render_args(corpus, f"{proto}://bucket/aug"), check=2)
    (line,) = proc.stderr.splitlines()
    assert line.startswith(f"error: --out {proto}://bucket/aug")
