"""A step is one file: no code outside ``augment/steps/`` checks a step by its name.

Every string literal in the app's own code is read with ``ast`` (f-string pieces included):
every ``.py`` file of the project except ``augment/steps/``, the tests, the benchmarks (which
build recipes as data) and the asset scripts. A literal equal to a registered step's name, or
starting with it and ``.`` or ``#`` (a widget key such as ``"band_pass.preset"``, a parameter key
such as ``"background_noise#2.snr_db"``), means someone asked for a step by name instead of
asking the step: give the step an attribute instead.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from augment.steps import STEPS
from tests.conftest import ROOT

#: Folders whose code may name steps: the steps themselves, and data-like code.
ALLOWED = (("augment", "steps"), ("tests",), ("benchmarks",), ("assets",))


def _sources() -> list[Path]:
    files = []
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT).parts
        if any(part.startswith(".") or part in ("data", "test-artifacts") for part in parts):
            continue
        if not any(parts[: len(a)] == a for a in ALLOWED):
            files.append(path)
    return files


def step_name_literals(source: str, names) -> list[tuple[int, str]]:
    """``(line, literal)`` of every string literal naming a step in ``source``."""
    pattern = re.compile(rf"^(?:{'|'.join(map(re.escape, names))})(?:$|[.#])")
    return [
        (node.lineno, node.value)
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and pattern.match(node.value)
    ]


def test_the_check_catches_a_step_name_in_code():
    code = """
if step == "time_stretch":
    pass
preset = STEPS["band_pass"].presets[ss[f"band_pass.{name}"]]
key = "background_noise#2.snr_db"
fine = ["stretched", "gain_db", "a reverb tail", "timing"]
"""
    found = sorted(value for _, value in step_name_literals(code, STEPS))
    assert found == ["background_noise#2.snr_db", "band_pass", "band_pass.", "time_stretch"]


def test_the_walk_covers_the_pages_the_app_and_the_core():
    names = {p.relative_to(ROOT).as_posix() for p in _sources()}
    pages = {n for n in names if n.endswith("/studio.py")}  # pages/ or views/
    assert {"app.py", "augment/recipe.py"} <= names and pages
    assert not any(n.startswith("augment/steps/") for n in names)


def test_no_step_is_checked_by_name_outside_its_own_file():
    found = [
        f"{path.relative_to(ROOT)}:{line}: {value!r}"
        for path in _sources()
        for line, value in step_name_literals(path.read_text(encoding="utf-8"), STEPS)
    ]
    assert not found, "ask the step (an attribute on its class), not its name:\n" + "\n".join(found)
