"""The augmentation steps, one per module, and the registry that finds them.

A step is one file: a module here defining a :class:`Step` subclass with a ``name``. The registry
imports every module of this package (except ``base`` and private ``_*`` ones) and orders the
steps by their ``order`` attribute, so adding a step means adding its file, nothing else.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

from augment.errors import ParameterError
from augment.steps.base import Choice, Context, Param, Source, Step


def _discover() -> dict[str, type[Step]]:
    found: dict[str, type[Step]] = {}
    for info in pkgutil.iter_modules(__path__):
        if info.name == "base" or info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        for obj in vars(module).values():
            if (
                isinstance(obj, type)
                and issubclass(obj, Step)
                and obj.__module__ == module.__name__
                and obj.name
            ):
                if obj.name in found:
                    raise RuntimeError(f"two steps are called {obj.name!r}")
                found[obj.name] = obj
    return {cls.name: cls for cls in sorted(found.values(), key=lambda c: (c.order, c.name))}


#: Every step, in the order the Studio offers them (their ``order``: the order a signal meets
#: them in a room: the talker, the room, the noise around, the channel, the recorder's level).
STEPS: dict[str, type[Step]] = _discover()
#: What a step can work on; a recipe holds steps of one modality only.
MODALITIES = ("audio", "image")


def steps_for(modality: str) -> dict[str, type[Step]]:
    """The steps of one modality, in the registry's order."""
    return {name: cls for name, cls in STEPS.items() if cls.modality == modality}


def get_step(name: str) -> type[Step]:
    try:
        return STEPS[name]
    except (KeyError, TypeError):
        raise ParameterError(f"unknown step {name!r} (known: {', '.join(STEPS)})") from None


def length_changed_by(params: list[dict[str, Any]]) -> str | None:
    """The first step whose drawn ``params`` changed the timing (for a hint's reason), or None."""
    for p in params:
        cls = STEPS.get(p.get("step"))
        if cls is not None and cls.changed_length(p):
            return cls.name
    return None


def is_drawn_key(step: str, key: str) -> bool:
    """True when ``key`` of a drawing of ``step`` is a drawn value (an offset, a seed, a source),
    not a setting."""
    cls = STEPS.get(step)
    return cls is not None and key in cls.drawn_keys


def source_key(kind: str) -> str:
    """The key a drawing (and a review's inputs) gives a library item of ``kind`` (``"noise"``,
    ``"impulse_response"``, ``"texture"``), as the step that draws on it names it."""
    for cls in STEPS.values():
        for key, item_kind in cls.source_keys.items():
            if item_kind == kind:
                return key
    raise KeyError(f"no step draws on library items of kind {kind!r}")


def is_source_key(step: str, key: str) -> bool:
    """True when ``key`` of a drawing of ``step`` holds a library item's hash."""
    cls = STEPS.get(step)
    return cls is not None and key in cls.source_keys


__all__ = [
    "MODALITIES",
    "STEPS",
    "Choice",
    "Context",
    "Param",
    "Source",
    "Step",
    "get_step",
    "is_drawn_key",
    "is_source_key",
    "length_changed_by",
    "source_key",
    "steps_for",
]
