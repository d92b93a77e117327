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
    #: Where a threshold sweep of this parameter starts and stops by default (from the best to
    #: the worst value); None: from ``max`` down to ``min``.
    sweep: tuple[float, float] | None = None

    def sweep_range(self) -> tuple[float, float]:
        """The default ``(from, to)`` of a sweep over this parameter."""
        return self.sweep if self.sweep is not None else (self.max, self.min)

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


#: Placeholders in exported audiomentations code: the folders a training loop reads files from.
NOISE_DIR = "path/to/noises"
IR_DIR = "path/to/impulse_responses"


def bounds(value: float | list[float]) -> tuple[float, float]:
    """``(low, high)`` of a fixed value or a ``[low, high]`` range."""
    return (float(value[0]), float(value[1])) if isinstance(value, list) else (value, value)


def transform(
    fullname: str, kwargs: dict[str, Any], step: str, match: str, note: str
) -> dict[str, Any]:
    """One audiomentations transform as plain data (``audiomentations``' own ``to_dict`` form).

    ``match`` is ``exact``, ``closest`` or ``none``; ``note`` says how it differs (measured).
    Every transform runs on every call (``p=1.0``), as every step of a recipe does.
    """
    return {
        "__class_fullname__": fullname,
        **kwargs,
        "p": 1.0,
        "__augcheck__": {"step": step, "match": match, "note": note},
    }


class Step:
    """Base class: everything augcheck knows about one step lives on its subclass.

    Subclasses set ``name``, ``title``, ``params`` and ``order`` and implement ``apply``; the
    registry (:mod:`augment.steps`) finds them by module. The rest of augcheck asks the class
    (``sources``, ``shown_params``, ``changed_length``, ``drawn_keys``, ``presets``,
    ``Param.sweep_range``, ``to_audiomentations``), never the step's name.
    """

    name: ClassVar[str] = ""
    title: ClassVar[str] = ""
    description: ClassVar[str] = ""
    params: ClassVar[tuple[Param | Choice, ...]] = ()
    #: Named settings the Studio offers in a Preset box (a subset of the parameters each).
    presets: ClassVar[dict[str, dict[str, Any]]] = {}
    #: Where the Studio lists the step (lower first): the order a signal meets them.
    order: ClassVar[int] = 1000
    #: On when the Studio opens.
    default_on: ClassVar[bool] = False
    #: True when the output length may differ from the input length (see ``changed_length``).
    changes_length: ClassVar[bool] = False
    #: What the step works on: "audio" or "image"; a recipe never mixes the two.
    modality: ClassVar[str] = "audio"
    #: Values ``sample`` records beside the parameters (an offset, a seed, a source's hash and
    #: name): what was drawn, not a setting, so never fitted, swept or set.
    drawn_keys: ClassVar[tuple[str, ...]] = ()
    #: The drawn keys that hold a library item's hash, with that item's kind.
    source_keys: ClassVar[dict[str, str]] = {}
    #: Parameters that matter only for one option of a choice: ``{param: (choice, option)}``,
    #: e.g. ``{"rt60_s": ("room", "synthetic")}``. One rule for the Studio and the drawing.
    shown_when: ClassVar[dict[str, tuple[str, str]]] = {}

    # --- what the rest of augcheck asks ---------------------------------------------------
    @classmethod
    def sources(cls, settings: dict[str, Any]) -> frozenset[str]:
        """The kinds of library audio (``noise``, ``impulse_response``) these settings draw on."""
        return frozenset(cls.source_keys.values())

    @classmethod
    def shown_params(cls, settings: dict[str, Any]) -> tuple[Param | Choice, ...]:
        """The parameters that matter at these settings (the Studio shows only these, and a
        drawing records only these): ``shown_when`` applied to the choices in ``settings``
        (a choice drawn from several options counts as each of them)."""

        def shown(p: Param | Choice) -> bool:
            if p.name not in cls.shown_when:
                return True
            choice, option = cls.shown_when[p.name]
            value = settings.get(choice)
            return option in (value if isinstance(value, list) else [value])

        return tuple(p for p in cls.params if shown(p))

    @classmethod
    def changed_length(cls, params: dict[str, Any]) -> bool:
        """Whether a rendering with these drawn ``params`` changed the timing."""
        return cls.changes_length

    @classmethod
    def to_audiomentations(cls, settings: dict[str, Any]) -> list[dict[str, Any]]:
        """The audiomentations transforms doing what this step does (see :func:`transform`);
        an empty list when the step is a no-op at these settings."""
        raise ParameterError(f"no audiomentations export for step {cls.name!r}")

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
        """Draw concrete values: uniform within a range, the value itself when fixed.

        Every parameter is drawn (so the generator's state does not depend on the settings);
        the ones ``shown_params`` leaves out at the drawn values are then dropped.
        """
        out: dict[str, Any] = {}
        for p in self.params:
            value = settings[p.name]
            if isinstance(p, Choice):
                out[p.name] = value if isinstance(value, str) else str(rng.choice(value))
            elif isinstance(value, list):
                out[p.name] = float(rng.uniform(value[0], value[1]))
            else:
                out[p.name] = float(value)
        shown = {p.name for p in self.shown_params(out)}
        return {k: v for k, v in out.items() if k in shown}

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
