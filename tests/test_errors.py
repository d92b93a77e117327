"""One error family: every refusal is an AugcheckError; missing things are NotFoundError."""

import subprocess
import sys

import pytest

from augment import errors
from augment.review import rounds
from tests.conftest import ROOT


def test_the_family():
    for cls in (errors.ParameterError, errors.AudioError, errors.ModelError, errors.NotFoundError):
        assert issubclass(cls, errors.AugcheckError)
    from augment.model import ModelError

    assert ModelError is errors.ModelError


def test_missing_recipe_media_and_round_raise_not_found(store):
    with pytest.raises(errors.NotFoundError, match="no recipe with id 0123456789abcdef"):
        store.recipe("0123456789abcdef")
    with pytest.raises(errors.NotFoundError, match="no media with hash 000000000000"):
        store.media("0" * 64)
    with pytest.raises(errors.NotFoundError, match="no media with hash 000000000000"):
        store.media_bytes("0" * 64)
    with pytest.raises(errors.NotFoundError, match="no recipe with id nope"):
        store.rename_recipe("nope", "x")
    with pytest.raises(errors.NotFoundError, match="no review round with token 'nope'"):
        rounds.get_round(store, "nope")


def test_the_cli_reports_a_missing_recipe_in_one_line(tmp_path):
    p = subprocess.run(
        [sys.executable, "-m", "augment", "export", "0123456789abcdef"],
        cwd=ROOT,
        env={"AUGCHECK_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
    )
    assert p.returncode == 2
    assert p.stderr == "error: no recipe with id 0123456789abcdef\n"
