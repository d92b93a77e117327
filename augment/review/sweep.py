"""Threshold sweeps: one parameter over a ladder of values, heard in a shuffled order.

The answers count toward the *base* recipe, in which the swept parameter spans the ladder as a
range, so they feed that recipe's per-parameter fit. Each rung is rendered from a recipe with the
parameter fixed at the rung's value and the sweep's single seed (only that parameter differs from
rung to rung); the rung recipe is what a review keeps to re-render the sample bit for bit.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np

from augment.errors import ParameterError
from augment.param_key import ParamKey
from augment.recipe import Recipe
from augment.steps import STEPS

MAX_RUNGS = 41


def ladder(start: float, stop: float, n: int) -> list[float]:
    """``n`` evenly spaced values from ``start`` to ``stop`` (either direction), rounded."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 2 <= n <= MAX_RUNGS:
        raise ParameterError(f"rungs={n!r}: a sweep has 2 to {MAX_RUNGS} rungs")
    if start == stop:
        raise ParameterError(f"a sweep needs two different ends (both are {start:g})")
    return [round(float(v), 4) for v in np.linspace(start, stop, int(n))]


@dataclass(frozen=True)
class Sweep:
    key: str
    values: tuple[float, ...]
    order: tuple[int, ...]  # the order rungs are heard in (indexes into values)
    seed: int
    base: Recipe  # the parameter as a range over the ladder: the answers count here
    rungs: tuple[Recipe, ...]  # one recipe per value, the parameter fixed

    @property
    def param(self) -> str:
        return ParamKey.parse(self.key).param


def make_sweep(recipe: Recipe, key: str, values: list[float], *, seed: int) -> Sweep:
    """Build a sweep of ``key`` over ``values`` on ``recipe``; the heard order is shuffled."""
    i, param = recipe.step_index(key)
    spec = STEPS[recipe.steps[i].step].param(param)
    if not hasattr(spec, "min"):
        raise ParameterError(f"{key} is not numeric; only numeric parameters can be swept")
    for v in values:
        if not spec.min <= v <= spec.max:
            raise ParameterError(f"{key}={v:g} is outside [{spec.min:g}, {spec.max:g}]")
    lo, hi = min(values), max(values)
    base_name = f"{recipe.name} (sweep {param} {lo:g}..{hi:g})" if recipe.name else ""
    base = recipe.with_setting(key, [lo, hi], name=base_name)
    rungs = tuple(recipe.with_setting(key, v) for v in values)
    rng = np.random.default_rng([int(seed), zlib.crc32(key.encode())])
    order = tuple(int(j) for j in rng.permutation(len(values)))
    return Sweep(key, tuple(values), order, int(seed), base, rungs)
