"""What every augmentation step shares: parameter specs, drawing values, applying them.

As in audiomentations, a step first *samples* concrete parameters (from fixed values or
``[low, high]`` ranges, with an explicit ``numpy.random.Generator``) and then *applies* them.
Applying the same concrete parameters again gives the same samples, bit for bit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from augment.errors import ParameterError


@dataclass(frozen=True)
class Param:
    """One numeric parameter: its name (with its unit in it), bounds, default and unit."""

    name: str
    min: float
    max: float
    default: float
    unit: str
    help: str = ""
    step: float = 0.1

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "min": self.min,
            "max": self.max,
            "default": self.default,
            "unit": self.unit,
            "help": self.help,
        }


@dataclass(frozen=True)
class Choice:
    """A parameter picked from named options (fixed, or a list to draw from)."""

    name: str
    options: tuple[str, ...]
    default: str
    help: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "options": list(self.options),
            "default": self.default,
            "help": self.help,
        }


@dataclass(frozen=True)
class Source:
    """A piece of audio a step draws on (a noise, an impulse response), at a known rate."""

    id: str
    name: str
    samples: np.ndarray
    sample_rate: int


@dataclass
class Context:
    """What a step may use besides the signal: the noise and impulse-response pools."""

    sample_rate: int
    noises: tuple[Source, ...] = ()
    irs: tuple[Source, ...] = ()
    report: dict[str, Any] = field(default_factory=dict)


def _number(step: str, name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ParameterError(f"{step}.{name}={value!r} is not a number")
    v = float(value)
    if not math.isfinite(v):
        raise ParameterError(f"{step}.{name}={value!r} is not a finite number")
    return v


class Step:
    """Base class. Subclasses set ``name``, ``title``, ``params`` and implement ``apply``."""

    name: ClassVar[str] = ""
    title: ClassVar[str] = ""
    description: ClassVar[str] = ""
    params: ClassVar[tuple[Param | Choice, ...]] = ()
    presets: ClassVar[dict[str, dict[str, Any]]] = {}
    #: True when the output length differs from the input length.
    changes_length: ClassVar[bool] = False
    #: What the step works on: "audio" or "image"; a recipe never mixes the two.
    modality: ClassVar[str] = "audio"

    # --- settings (what a recipe stores) -------------------------------------------------
    @classmethod
    def param(cls, name: str) -> Param | Choice:
        for p in cls.params:
            if p.name == name:
                return p
        raise KeyError(name)

    @classmethod
    def normalise(cls, settings: dict[str, Any]) -> dict[str, Any]:
        """Validate settings and return their canonical form with defaults filled in.

        A numeric setting is a number or ``[low, high]``; a range whose ends are equal collapses
        to the number. A choice setting is one option or a list of options.
        """
        known = {p.name for p in cls.params}
        unknown = sorted(set(settings) - known)
        if unknown:
            raise ParameterError(
                f"{cls.name}: unknown parameter {unknown[0]!r} (known: {', '.join(sorted(known))})"
            )
        out: dict[str, Any] = {}
        for p in cls.params:
            value = settings.get(p.name, p.default)
            if isinstance(p, Choice):
                out[p.name] = cls._normalise_choice(p, value)
            else:
                out[p.name] = cls._normalise_number(p, value)
        cls.check(out)
        return out

    @classmethod
    def _normalise_number(cls, p: Param, value: Any) -> float | list[float]:
        if isinstance(value, (list, tuple)):
            if len(value) != 2:
                raise ParameterError(f"{cls.name}.{p.name}={list(value)!r}: a range is [low, high]")
            lo, hi = (_number(cls.name, p.name, v) for v in value)
            if lo > hi:
                raise ParameterError(f"{cls.name}.{p.name}=[{lo:g}, {hi:g}]: low is above high")
            for v in (lo, hi):
                cls._in_bounds(p, v)
            return lo if lo == hi else [lo, hi]
        v = _number(cls.name, p.name, value)
        cls._in_bounds(p, v)
        return v

    @classmethod
    def _in_bounds(cls, p: Param, v: float) -> None:
        if not p.min <= v <= p.max:
            raise ParameterError(
                f"{cls.name}.{p.name}={v:g} is outside [{p.min:g}, {p.max:g}] {p.unit}".rstrip()
            )

    @classmethod
    def _normalise_choice(cls, p: Choice, value: Any) -> str | list[str]:
        values = list(value) if isinstance(value, (list, tuple)) else [value]
        if not values:
            raise ParameterError(f"{cls.name}.{p.name}: an empty list of options")
        for v in values:
            if v not in p.options:
                raise ParameterError(
                    f"{cls.name}.{p.name}={v!r} is not one of {', '.join(p.options)}"
                )
        unique = sorted(set(values))
        return unique[0] if len(unique) == 1 else unique

    @classmethod
    def check(cls, settings: dict[str, Any]) -> None:
        """Cross-parameter checks (e.g. low below high); override where needed."""

    # --- sample, then apply --------------------------------------------------------------
    def sample(
        self, settings: dict[str, Any], rng: np.random.Generator, n_samples: int, ctx: Context
    ) -> dict[str, Any]:
        """Draw concrete values: uniform within a range, the value itself when fixed."""
        out: dict[str, Any] = {}
        for p in self.params:
            value = settings[p.name]
            if isinstance(p, Choice):
                out[p.name] = value if isinstance(value, str) else str(rng.choice(value))
            elif isinstance(value, list):
                out[p.name] = float(rng.uniform(value[0], value[1]))
            else:
                out[p.name] = float(value)
        return out

    def apply(
        self, y: np.ndarray, params: dict[str, Any], ctx: Context, rng: np.random.Generator
    ) -> np.ndarray:
        raise NotImplementedError

    def process(
        self,
        clean: np.ndarray,
        noise: np.ndarray | None,
        params: dict[str, Any],
        ctx: Context,
        rng: np.random.Generator,
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """Apply to the signal and to the noise added so far, tracked apart.

        Keeping the two apart lets the output's SNR be measured exactly (for linear steps the
        output is exactly their sum). ``rng`` is handed to both in the same state.
        """
        state = rng.bit_generator.state
        out = self.apply(clean, params, ctx, rng)
        if noise is not None:
            rng.bit_generator.state = state
            noise = self.apply(noise, params, ctx, rng)
        return out, noise

    @classmethod
    def describe(cls) -> dict[str, Any]:
        return {
            "step": cls.name,
            "modality": cls.modality,
            "title": cls.title,
            "description": cls.description,
            "params": [p.to_dict() for p in cls.params],
            "presets": cls.presets,
        }
