"""The Studio's step controls as plain data: widget keys, their first values, what a stored recipe
or a preset sets them to, the steps they describe, and a sweep's default ends.

No Streamlit here: the page draws one widget per key and hands its state (any mapping, e.g.
``st.session_state``) to these functions, so all of this is unit-tested without a browser.

Keys (stable: tests and the browser tests use them): ``<step>.on``, ``<step>.ranged``,
``<step>.preset``, ``<step>.<param>`` (a fixed value or a choice), ``<step>.<param>.range`` and,
for a choice drawn from several options (the Images view), ``<step>.<param>.multi``.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from typing import Any

from augment.errors import ParameterError
from augment.recipe import Recipe
from augment.steps import STEPS, Choice, Param, Step, steps_for

#: The steps the audio Studio has controls for (pictures have their own view).
AUDIO_STEPS = steps_for("audio")

#: The Preset box's first entry: the sliders as they are.
CUSTOM = "custom"


def on_key(step: type[Step]) -> str:
    return f"{step.name}.on"


def ranged_key(step: type[Step]) -> str:
    return f"{step.name}.ranged"


def preset_key(step: type[Step]) -> str:
    return f"{step.name}.preset"


def value_key(step: type[Step], p: Param | Choice) -> str:
    return f"{step.name}.{p.name}"


def range_key(step: type[Step], p: Param) -> str:
    return f"{step.name}.{p.name}.range"


def multi_key(step: type[Step], p: Choice) -> str:
    return f"{step.name}.{p.name}.multi"


def control_keys(steps: Mapping[str, type[Step]] = AUDIO_STEPS, *, prefix: str = "") -> list[str]:
    """Every key the steps' controls can have (``prefix`` before each: the Images view's
    ``img.``)."""
    keys: list[str] = []
    for step in steps.values():
        keys += [on_key(step), ranged_key(step), preset_key(step)]
        for p in step.params:
            keys.append(value_key(step, p))
            keys.append(multi_key(step, p) if isinstance(p, Choice) else range_key(step, p))
    return [prefix + k for k in keys]


def keep(state: MutableMapping[str, Any], keys: list[str]) -> None:
    """Set each key that has a value to that same value, at the start of every run that draws
    the controls.

    Streamlit forgets a widget's value in a run that does not draw it: the fixed value while
    "range" is on, the range while it is off, every slider of a step switched off. A value set
    through the session state in the run is kept (Streamlit's own advice), so switching back
    brings back what the user had set, not the default.
    """
    for key in keys:
        if key in state:
            state[key] = state[key]


def label(p: Param | Choice) -> str:
    """A slider's label: the name, with the unit where the name does not already say it."""
    unit = getattr(p, "unit", "")
    return p.name if not unit or unit in p.name else f"{p.name} ({unit})"


def number_format(p: Param) -> str:
    """A printf format showing as many decimals as the slider's step needs."""
    return "%.0f" if p.step >= 1 else "%.1f" if p.step >= 0.1 else "%.2f"


def default_range(p: Param) -> tuple[float, float]:
    """A range slider's first value: 10% of the span either side of the default, in bounds."""
    span = p.max - p.min
    lo = max(p.min, p.default - span * 0.1)
    hi = min(p.max, p.default + span * 0.1)
    return (round(lo, 2), round(hi, 2))


def initial_state(steps: Mapping[str, type[Step]] = AUDIO_STEPS) -> dict[str, Any]:
    """Every control's first value (steps off except those ``default_on``, defaults set)."""
    state: dict[str, Any] = {}
    for step in steps.values():
        state[on_key(step)] = step.default_on
        for p in step.params:
            if isinstance(p, Choice):
                state[value_key(step, p)] = p.default
            else:
                state[value_key(step, p)] = float(p.default)
                state[range_key(step, p)] = default_range(p)
    return state


def preset_state(step: type[Step], preset: str | None) -> dict[str, Any]:
    """What picking ``preset`` in ``step``'s Preset box sets: each value, fixed and as a range.

    Nothing for ``custom`` (or an unknown name): the sliders stay as they are.
    """
    values = step.presets.get(preset or "")
    if not values:
        return {}
    out: dict[str, Any] = {}
    for name, value in values.items():
        p = step.param(name)
        out[value_key(step, p)] = value
        if isinstance(p, Param):
            out[range_key(step, p)] = (value, value)
    return out


def recipe_state(
    recipe: Recipe, steps: Mapping[str, type[Step]] = AUDIO_STEPS
) -> tuple[dict[str, Any], list[str]]:
    """Put a stored recipe into the controls: ``(state, notes)``.

    The Studio has one control per step, in its own order: a repeated step shows its first use
    and a different order is shown in the Studio's; ``notes`` says what could not be shown
    exactly (repeats, order, a choice drawn from several options).
    """
    notes: list[str] = []
    first: dict[str, Any] = {}
    for cfg in recipe.steps:
        first.setdefault(cfg.step, cfg)
    if len(first) < len(recipe.steps):
        notes.append("it repeats a step; the Studio shows the first of each")
    if [c.step for c in recipe.steps if first[c.step] is c] != [n for n in steps if n in first]:
        notes.append(f"its step order differs from the Studio's ({', '.join(steps)})")
    state: dict[str, Any] = {}
    for name, step in steps.items():
        cfg = first.get(name)
        state[on_key(step)] = cfg is not None
        if cfg is None:
            continue
        values = cfg.settings
        ranged = any(isinstance(v, list) and not isinstance(v[0], str) for v in values.values())
        state[ranged_key(step)] = ranged
        for p in step.params:
            v = values[p.name]
            if isinstance(p, Choice):
                state[value_key(step, p)] = v if isinstance(v, str) else v[0]
                if not isinstance(v, str):
                    notes.append(f"{name}.{p.name} draws from {v}; the Studio shows {v[0]}")
            elif ranged:
                state[range_key(step, p)] = tuple(v) if isinstance(v, list) else (v, v)
            else:
                state[value_key(step, p)] = v
    state["recipe_name"] = recipe.name
    return state, notes


def step_settings(step: type[Step], state: Mapping[str, Any]) -> dict[str, Any]:
    """One step's settings from the controls' state: choices, then the numbers ``shown_params``
    keeps at those choices (fixed values, or ``[low, high]`` when the step is ranged)."""
    ranged = bool(state.get(ranged_key(step)))
    settings: dict[str, Any] = {}
    for p in step.params:
        if isinstance(p, Choice):
            settings[p.name] = state.get(value_key(step, p)) or p.default
    shown = {p.name for p in step.shown_params(settings)}
    out: dict[str, Any] = {}
    for p in step.params:
        if isinstance(p, Choice):
            out[p.name] = settings[p.name]
        elif p.name in shown:
            if ranged:
                lo, hi = state.get(range_key(step, p), default_range(p))
                out[p.name] = [float(lo), float(hi)]
            else:
                out[p.name] = float(state.get(value_key(step, p), p.default))
    return out


def recipe_steps(
    state: Mapping[str, Any], steps: Mapping[str, type[Step]] = AUDIO_STEPS
) -> list[dict[str, Any]]:
    """The recipe's steps (``{"step": name, **settings}``) for every step switched on."""
    return [
        {"step": step.name, **step_settings(step, state)}
        for step in steps.values()
        if state.get(on_key(step))
    ]


def sweep_ends(recipe: Recipe, key: str) -> tuple[Param, float, float]:
    """The swept parameter's spec and its default ``(from, to)`` (the step's ``sweep_range``)."""
    i, name = recipe.step_index(key)
    spec = STEPS[recipe.steps[i].step].param(name)
    if not isinstance(spec, Param):
        raise ParameterError(f"{key} is not numeric; only numeric parameters can be swept")
    start, stop = spec.sweep_range()
    return spec, start, stop


__all__ = [
    "CUSTOM",
    "default_range",
    "initial_state",
    "label",
    "number_format",
    "on_key",
    "preset_key",
    "preset_state",
    "range_key",
    "ranged_key",
    "recipe_state",
    "recipe_steps",
    "step_settings",
    "sweep_ends",
    "value_key",
]
