"""Recipes for training: our recipe JSON, and audiomentations (0.43) code or a dict of it.

:func:`to_audiomentations_code` writes Python that builds an ``audiomentations.Compose`` doing what
the recipe does, ready to paste into a training loop; :func:`to_audiomentations_dict` is the same
Compose as plain JSON-able data (no audiomentations, no torch needed to make it) and
:func:`compose_from_dict` builds the real Compose from it. Every transform gets ``p=1.0`` (the
recipe always applies every step) and ``min_*``/``max_*`` from the fixed value or the
``[low, high]`` range; the steps keep their order. Noise and impulse-response files come from
folders, ``NOISE_DIR`` and ``IR_DIR`` (placeholders to edit).

How each step maps, and how it differs (measured by ``tests/test_exporters.py``, checked against
audiomentations 0.43.1's source): the table under "Training config: audiomentations" in the
README, the one description of it. In code, each step's class says it
(``Step.to_audiomentations`` in ``augment/steps/<step>.py``).
"""

from __future__ import annotations

import importlib
import json
import os
import textwrap
from typing import Any

from augment.errors import ParameterError
from augment.recipe import Recipe, StepConfig
from augment.steps import get_step
from augment.steps.base import IR_DIR, NOISE_DIR  # placeholders: the folders files come from

_COMPOSE = "audiomentations.core.composition.Compose"
#: Keyword arguments whose placeholder value is written as the constant's name in the code.
_PATH_ARGS = {"sounds_path": ("NOISE_DIR", NOISE_DIR), "ir_path": ("IR_DIR", IR_DIR)}


# --- building the transform list ------------------------------------------------------------
def _transforms(cfg: StepConfig) -> list[dict[str, Any]]:
    """The audiomentations transforms for one step (none when the step is a no-op)."""
    return get_step(cfg.step).to_audiomentations(cfg.settings)


def to_audiomentations_dict(recipe: Recipe) -> dict[str, Any]:
    """The recipe as a plain, JSON-serialisable description of an ``audiomentations.Compose``.

    Transforms are ``{"__class_fullname__": ..., <init arguments>, "p": 1.0}``; keys starting
    with ``__`` are notes (``__augcheck__``: the step, ``exact``/``closest``/``none`` and how it
    differs) that :func:`compose_from_dict` ignores. Steps that are no-ops at their settings are
    listed under ``__augcheck__.skipped``.
    """
    transforms: list[dict[str, Any]] = []
    skipped: list[str] = []
    for cfg in recipe.steps:
        made = _transforms(cfg)
        transforms.extend(made)
        if not made:
            skipped.append(cfg.step)
    return {
        "__class_fullname__": _COMPOSE,
        "transforms": transforms,
        "p": 1.0,
        "__augcheck__": {"recipe_id": recipe.id, "name": recipe.name, "skipped": skipped},
    }


# --- Python source ----------------------------------------------------------------------------
def _short(fullname: str) -> str:
    return fullname.rpartition(".")[2]


def _value(key: str, value: Any) -> str:
    if key in _PATH_ARGS and value == _PATH_ARGS[key][1]:
        return _PATH_ARGS[key][0]
    if isinstance(value, str):
        return json.dumps(value)
    return repr(value)


def _comment(text: str, indent: str) -> list[str]:
    return textwrap.wrap(
        text, width=99, initial_indent=f"{indent}# ", subsequent_indent=f"{indent}#   "
    )


def _render(entry: dict[str, Any], indent: str) -> list[str]:
    note = entry.get("__augcheck__")
    lines = []
    if note and _short(entry["__class_fullname__"]) != "Compose":
        lines += _comment(f"{note['step']}: {note['note']}", indent)
    lines.append(f"{indent}{_short(entry['__class_fullname__'])}(")
    inner = indent + "    "
    for key, value in entry.items():
        if key.startswith("__"):
            continue
        if key == "transforms":
            lines.append(f"{inner}[")
            for child in value:
                lines += _render(child, inner + "    ")
            lines.append(f"{inner}],")
        else:
            lines.append(f"{inner}{key}={_value(key, value)},")
    lines.append(f"{indent}),")
    return lines


def _class_names(entry: dict[str, Any]) -> set[str]:
    names = {_short(entry["__class_fullname__"])}
    for child in entry.get("transforms", ()):
        names |= _class_names(child)
    return names


def _uses(entry: dict[str, Any], key: str) -> bool:
    return key in entry or any(_uses(c, key) for c in entry.get("transforms", ()))


def to_audiomentations_code(recipe: Recipe) -> str:
    """Python source building an ``audiomentations.Compose`` equivalent to ``recipe``.

    Runs as is once ``NOISE_DIR`` / ``IR_DIR`` (where used) point at folders of audio files;
    ``augment(samples=..., sample_rate=...)`` then augments one mono float32 clip.
    """
    spec = to_audiomentations_dict(recipe)
    meta = spec["__augcheck__"]
    lines = [
        f"# augcheck recipe {json.dumps(recipe.name)} (id {recipe.id}), for audiomentations 0.43",
        "# Steps run in the recipe's order, each on every call (p=1.0); a [low, high] range is",
        "# drawn anew per call. Each step's comment says whether the transform is exact.",
    ]
    lines += [f"# {step}: a no-op at these settings, left out" for step in meta["skipped"]]
    names = sorted(_class_names(spec))
    imports = f"from audiomentations import {', '.join(names)}"
    if len(imports) > 99:
        imports = "\n".join(["from audiomentations import (", *(f"    {n}," for n in names), ")"])
    lines += ["", imports, ""]
    if _uses(spec, "sounds_path") or _uses(spec, "ir_path"):
        lines.insert(
            3, "# Point NOISE_DIR / IR_DIR below at folders of audio files before running."
        )
    if _uses(spec, "sounds_path"):
        lines.append(f'NOISE_DIR = "{NOISE_DIR}"  # a folder of noise files')
    if _uses(spec, "ir_path"):
        lines.append(f'IR_DIR = "{IR_DIR}"  # a folder of impulse responses')
    if lines[-1]:
        lines.append("")
    body = _render(spec, "")
    body[0] = f"augment = {body[0]}"
    body[-1] = ")"
    lines += body
    lines += [
        "",
        "# augmented = augment(samples=samples, sample_rate=sample_rate)  # mono float32",
    ]
    return "\n".join(lines) + "\n"


# --- back to a real Compose --------------------------------------------------------------------
def _resolve(fullname: Any):
    if not isinstance(fullname, str) or not fullname:
        raise ParameterError(f"not an audiomentations class name: {fullname!r}")
    if "." not in fullname:
        module_name, attr = "audiomentations", fullname
    else:
        module_name, _, attr = fullname.rpartition(".")
    if module_name.split(".")[0] != "audiomentations":
        raise ParameterError(f"{fullname!r} is not an audiomentations class")
    try:
        return getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError):
        raise ParameterError(f"audiomentations has no {fullname!r}") from None


def _folder(name: str, given: str | os.PathLike | None, stored: Any, arg: str) -> Any:
    if given is not None:
        return os.fspath(given)
    paths = stored if isinstance(stored, list) else [stored]
    if not any(isinstance(p, str) and os.path.exists(p) for p in paths):
        option = "noise_dir" if arg == "sounds_path" else "ir_dir"
        raise ParameterError(
            f"{name}: {arg}={stored!r} does not exist (pass {option}=... to compose_from_dict)"
        )
    return stored


def _build(d: Any, noise_dir, ir_dir):
    if not isinstance(d, dict) or "__class_fullname__" not in d:
        raise ParameterError("each transform is an object with a '__class_fullname__'")
    cls = _resolve(d["__class_fullname__"])
    kwargs = {k: v for k, v in d.items() if not k.startswith("__")}
    if "transforms" in kwargs:
        kwargs["transforms"] = [_build(c, noise_dir, ir_dir) for c in kwargs["transforms"]]
    if "sounds_path" in kwargs:
        kwargs["sounds_path"] = _folder(
            cls.__name__, noise_dir, kwargs["sounds_path"], "sounds_path"
        )
    if "ir_path" in kwargs:
        kwargs["ir_path"] = _folder(cls.__name__, ir_dir, kwargs["ir_path"], "ir_path")
    try:
        return cls(**kwargs)
    except (TypeError, ValueError, AssertionError) as exc:
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ParameterError(f"{cls.__name__}: {message}") from None


def compose_from_dict(
    d: dict[str, Any],
    *,
    noise_dir: str | os.PathLike | None = None,
    ir_dir: str | os.PathLike | None = None,
):
    """Build the real audiomentations object (a ``Compose``) from :func:`to_audiomentations_dict`.

    ``noise_dir`` / ``ir_dir`` replace the noise and impulse-response folders of every transform
    that reads files. Class names may be full (``audiomentations.augmentations.gain.Gain``) or
    short (``Gain``, as audiomentations' own ``to_dict`` writes them); only audiomentations
    classes are built.
    """
    return _build(d, noise_dir, ir_dir)


# --- our own JSON ---------------------------------------------------------------------------------
def to_json(recipe: Recipe) -> str:
    """The recipe JSON the CLI and the app read (with its id, which is checked on reading)."""
    return recipe.to_json(with_id=True)


__all__ = [
    "IR_DIR",
    "NOISE_DIR",
    "compose_from_dict",
    "to_audiomentations_code",
    "to_audiomentations_dict",
    "to_json",
]
