"""A step is one file: no code outside ``augment/steps/`` checks a step by its name.

Every string literal in the app's own code is read with ``ast`` (f-string pieces included):
every ``.py`` file of the project except ``augment/steps/``, the tests, the benchmarks (which
build recipes as data) and the asset scripts. Flagged, as asking for a step by name instead of
asking the step (give the step an attribute instead):

- a literal starting with a step's name and ``.`` or ``#`` (a widget key such as
  ``"band_pass.preset"``, a parameter key such as ``"background_noise#2.snr_db"``);
- a literal equal to a step's name where code identifies a step with it: compared (``==``,
  ``!=``, ``in``, ``not in``), as the index of ``STEPS[...]``, as an argument of a call, or as
  the value of a ``"step"`` key.

A literal that merely spells the same word for something else (the image format ``"jpeg"``, the
media kind ``"overlay"`` as a dict key or in a tuple of kinds) is not a step check.
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
    """``(line, literal)`` of every string literal in ``source`` that asks for a step by name."""
    names = set(names)
    key_like = re.compile(rf"^(?:{'|'.join(map(re.escape, sorted(names)))})[.#]")
    tree = ast.parse(source)
    found: list[tuple[int, str]] = []

    def named(node) -> bool:
        return (
            isinstance(node, ast.Constant) and isinstance(node.value, str) and (node.value in names)
        )

    def operands(node):
        if isinstance(node, (ast.Set, ast.List, ast.Tuple)):
            return node.elts
        return [node]

    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if key_like.match(node.value):
                found.append((node.lineno, node.value))
        elif isinstance(node, ast.Compare):
            for side in [node.left, *node.comparators]:
                found += [(c.lineno, c.value) for c in operands(side) if named(c)]
        elif isinstance(node, ast.Subscript):
            target = node.value
            if isinstance(target, ast.Name) and target.id.endswith("STEPS") and named(node.slice):
                found.append((node.slice.lineno, node.slice.value))
        elif isinstance(node, ast.Call):
            found += [(a.lineno, a.value) for a in node.args if named(a)]
        elif isinstance(node, ast.Dict):
            for k, v in zip(node.keys, node.values, strict=True):
                if isinstance(k, ast.Constant) and k.value == "step" and named(v):
                    found.append((v.lineno, v.value))
    return found


def test_the_check_catches_a_step_name_in_code():
    code = """
if step == "time_stretch":
    pass
preset = STEPS["band_pass"].presets[ss[f"band_pass.{name}"]]
key = "background_noise#2.snr_db"
uses = s["step"] in {"reverb", "pitch_shift"}
cls = get_step("gain")
recipe = {"step": "codec"}
fine = ["stretched", "gain_db", "a reverb tail", "timing"]
kinds = ("speech", "overlay")
pixels = encode(img, fmt="jpeg")
state = {"overlay": 1}
"""
    found = sorted(value for _, value in step_name_literals(code, STEPS))
    assert found == [
        "background_noise#2.snr_db",
        "band_pass",
        "band_pass.",
        "codec",
        "gain",
        "pitch_shift",
        "reverb",
        "time_stretch",
    ]


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
