"""Recipes: an ordered list of steps with fixed values or ranges, identified by a hash.

The recipe JSON format (the CLI reads it, the app exports it; the README's "Recipe JSON" has a
worked example)::

    {"name": "...", "steps": [{"step": "<step name>", "<param>": value or [low, high]}, ...]}

The id is the SHA-256 of the canonical JSON of the steps (defaults filled in, keys sorted,
numbers as floats), so the same settings are always the same recipe whatever the name.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from augment import metrics
from augment.audio import resample
from augment.errors import AudioError, ParameterError
from augment.param_key import ParamKey, numbered
from augment.steps import STEPS, Context, Source, get_step

ID_LENGTH = 16
#: Size limits on a recipe (a 10 MB name or 330,000 steps made every page that lists recipes
#: take 20 s): its JSON text, its name and its number of steps.
MAX_JSON_BYTES = 64 * 1024
MAX_NAME_CHARS = 200
MAX_STEPS = 64


def check_name(name: str) -> str:
    """``name`` if it is at most :data:`MAX_NAME_CHARS` characters, else a ParameterError."""
    if len(name) > MAX_NAME_CHARS:
        raise ParameterError(
            f"recipe: the name is {len(name)} characters long, over the {MAX_NAME_CHARS} allowed"
        )
    return name


def _too_big(n: int) -> str:
    return f"recipe: the JSON is {n:,} bytes, over the {MAX_JSON_BYTES:,}-byte limit"


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return (lines[0] if lines else type(exc).__name__)[:200]


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


@dataclass(frozen=True)
class StepConfig:
    """One step of a recipe with its normalised settings."""

    step: str
    settings: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {"step": self.step, **self.settings}


@dataclass(frozen=True)
class Recipe:
    name: str
    steps: tuple[StepConfig, ...]

    @classmethod
    def from_dict(cls, data: Any) -> Recipe:
        if not isinstance(data, dict):
            raise ParameterError("a recipe is a JSON object with 'name' and 'steps'")
        unknown = sorted(set(data) - {"name", "steps", "id"})
        if unknown:
            raise ParameterError(f"recipe: unknown key {unknown[0]!r} (known: name, steps)")
        steps = data.get("steps")
        if not isinstance(steps, list):
            raise ParameterError("recipe: 'steps' must be a list of steps")
        if len(steps) > MAX_STEPS:
            raise ParameterError(f"recipe: {len(steps)} steps, more than the {MAX_STEPS} allowed")
        name = data.get("name", "")
        if not isinstance(name, str):
            raise ParameterError(f"recipe: 'name' must be text, not {_short(name)}")
        check_name(name)
        configs = []
        for i, raw in enumerate(steps):
            if not isinstance(raw, dict) or "step" not in raw:
                raise ParameterError(f"recipe: step {i + 1} must be an object with a 'step' key")
            settings = {k: v for k, v in raw.items() if k != "step"}
            step_cls = get_step(raw["step"])
            configs.append(StepConfig(step_cls.name, step_cls.normalise(settings)))
        recipe = cls(name, tuple(configs))
        _ = recipe.modality  # refuses a recipe that mixes audio and image steps
        if "id" in data and data["id"] not in (None, recipe.id):
            raise ParameterError(
                f"recipe: id {data['id']!r} does not match its steps (their id is {recipe.id})"
            )
        return recipe

    @classmethod
    def from_json(cls, text: str | bytes) -> Recipe:
        """Parse recipe JSON (text, or bytes in UTF-8 with or without a byte-order mark).

        Anything else is one :class:`ParameterError` line: not UTF-8, over
        :data:`MAX_JSON_BYTES`, not JSON, numbers too long to read, nesting too deep.
        """
        if isinstance(text, bytes | bytearray):
            if len(text) > MAX_JSON_BYTES:
                raise ParameterError(_too_big(len(text)))
            try:
                text = bytes(text).decode("utf-8-sig")
            except UnicodeDecodeError as exc:
                raise ParameterError(
                    f"recipe: not UTF-8 text (byte 0x{text[exc.start]:02x} at offset {exc.start});"
                    " save the file as UTF-8"
                ) from None
        text = text.removeprefix("\ufeff")
        if len(text) > MAX_JSON_BYTES or len(text.encode("utf-8", "replace")) > MAX_JSON_BYTES:
            raise ParameterError(_too_big(len(text.encode("utf-8", "replace"))))
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ParameterError(
                f"recipe: not valid JSON ({exc.msg} at line {exc.lineno})"
            ) from None
        except RecursionError:
            raise ParameterError("recipe: the JSON is nested too deeply") from None
        except ValueError as exc:  # an integer of more than 4300 digits
            if "digits" in str(exc):
                raise ParameterError("recipe: a number has too many digits to read") from None
            raise ParameterError(f"recipe: not usable JSON ({_first_line(exc)})") from None
        try:
            return cls.from_dict(data)
        except RecursionError:
            raise ParameterError("recipe: the JSON is nested too deeply") from None
        except OverflowError:
            raise ParameterError("recipe: a number is too large") from None

    def to_dict(self, *, with_id: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "steps": [s.to_dict() for s in self.steps]}
        if with_id:
            out = {"id": self.id, **out}
        return out

    def to_json(self, *, indent: int | None = 2, with_id: bool = False) -> str:
        return json.dumps(self.to_dict(with_id=with_id), indent=indent)

    def canonical_json(self) -> str:
        return json.dumps([s.to_dict() for s in self.steps], sort_keys=True, separators=(",", ":"))

    @property
    def id(self) -> str:
        return hashlib.sha256(self.canonical_json().encode()).hexdigest()[:ID_LENGTH]

    @property
    def modality(self) -> str | None:
        """``"audio"`` or ``"image"`` (``None`` for an empty recipe, which fits either)."""
        kinds = {STEPS[cfg.step].modality for cfg in self.steps}
        if len(kinds) > 1:
            raise ParameterError(
                "recipe: it mixes audio and image steps; a recipe is for one kind of media"
            )
        return kinds.pop() if kinds else None

    def with_name(self, name: str) -> Recipe:
        return Recipe(name, self.steps)

    def step_index(self, key: str) -> tuple[int, str]:
        """Where ``"<step>.<param>"`` (or ``"<step>#2.<param>"`` for a repeat) lives."""
        k = ParamKey.parse(key)
        for i, (step, occurrence) in enumerate(numbered(cfg.step for cfg in self.steps)):
            if (step, occurrence) == (k.step, k.occurrence) and k.param in self.steps[i].settings:
                return i, k.param
        count = sum(cfg.step == k.step for cfg in self.steps)
        raise ParameterError(f"recipe has no parameter {key!r} (it has {count} {k.step} step(s))")

    def setting(self, key: str) -> Any:
        i, param = self.step_index(key)
        return self.steps[i].settings[param]

    def with_setting(self, key: str, value: Any, *, name: str | None = None) -> Recipe:
        """A copy with one parameter (``"<step>.<param>"``) set to a value or a range."""
        i, param = self.step_index(key)
        cfg = self.steps[i]
        settings = STEPS[cfg.step].normalise({**cfg.settings, param: value})
        steps = (*self.steps[:i], StepConfig(cfg.step, settings), *self.steps[i + 1 :])
        return Recipe(self.name if name is None else name, steps)

    def numeric_keys(self) -> list[str]:
        """Every numeric parameter as ``"<step>.<param>"`` (repeats as ``"<step>#2.<param>"``)."""
        return [
            str(ParamKey(step, p.name, occurrence))
            for step, occurrence in numbered(cfg.step for cfg in self.steps)
            for p in STEPS[step].params
            if hasattr(p, "min")
        ]

    def sources(self) -> frozenset[str]:
        """The kinds of library audio the steps draw on (``noise``, ``impulse_response``)."""
        return frozenset().union(*(STEPS[c.step].sources(c.settings) for c in self.steps))

    def summary(self) -> str:
        """A readable one-liner: ``background_noise snr_db 0..20 dB -> gain gain_db -3 dB``."""
        parts = []
        for cfg in self.steps:
            cls = STEPS[cfg.step]
            bits = []
            for p in cls.params:
                v = cfg.settings[p.name]
                unit = getattr(p, "unit", "")
                if isinstance(v, list):
                    text = "|".join(v) if isinstance(v[0], str) else f"{v[0]:g}..{v[1]:g}"
                else:
                    text = v if isinstance(v, str) else f"{v:g}"
                bits.append(f"{p.name} {text}{' ' + unit if unit and unit != 'x' else ''}")
            parts.append(f"{cfg.step} ({', '.join(bits)})" if bits else cfg.step)
        return " -> ".join(parts) if parts else "(no steps: the original)"


@dataclass
class Rendering:
    """A recipe rendered on a clip with a seed: the audio, what was drawn, what was measured."""

    samples: np.ndarray
    noise: np.ndarray | None
    sample_rate: int
    seed: int
    recipe_id: str
    params: list[dict[str, Any]]
    metrics: dict[str, Any] = field(default_factory=dict)


def step_rng(seed: int, step: str, occurrence: int) -> np.random.Generator:
    """The generator of one step: depends on the seed, the step's name and its occurrence.

    Turning another step on or off therefore does not change what this one draws.
    """
    return np.random.default_rng([int(seed), zlib.crc32(step.encode()), int(occurrence)])


def _as_sources(items) -> tuple[Source, ...]:
    return tuple(items or ())


def render(
    recipe: Recipe,
    samples: np.ndarray,
    sample_rate: int,
    *,
    seed: int,
    noises=(),
    irs=(),
) -> Rendering:
    """Render ``recipe`` on mono ``samples``; the same seed gives the same output, bit for bit."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= seed < 2**63:
        raise ParameterError(f"seed={seed!r} must be a whole number from 0 to 2**63-1")
    if recipe.modality == "image":
        raise ParameterError("recipe: its steps are for images, not audio")
    ctx = Context(int(sample_rate), _as_sources(noises), _as_sources(irs))
    clean = np.asarray(samples, dtype=np.float32)
    noise: np.ndarray | None = None
    drawn: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for cfg in recipe.steps:
        step = STEPS[cfg.step]()
        occurrence = seen.get(cfg.step, 0)
        seen[cfg.step] = occurrence + 1
        rng = step_rng(seed, cfg.step, occurrence)
        params = step.sample(cfg.settings, rng, len(clean), ctx)
        clean, noise = step.process(clean, noise, params, ctx, rng)
        drawn.append({"step": cfg.step, **params})
    out64 = np.asarray(clean, np.float64) if noise is None else clean + noise
    measured = {
        "snr_db": None if noise is None else metrics.finite_or_none(metrics.snr_db(clean, noise)),
        "clipped_fraction": round(metrics.clipped_fraction(out64), 6),
        "headroom_gain_db": metrics.finite_or_none(ctx.report.get("headroom_gain_db", 0.0)),
        "duration_s": round(len(out64) / float(sample_rate), 4),
    }
    out = np.clip(out64, -1.0, 1.0).astype(np.float32)
    measured["peak_dbfs"] = metrics.finite_or_none(metrics.peak_dbfs(out), 2)
    return Rendering(
        samples=out,
        noise=None if noise is None else np.asarray(noise, dtype=np.float32),
        sample_rate=int(sample_rate),
        seed=int(seed),
        recipe_id=recipe.id,
        params=drawn,
        metrics=measured,
    )


def source(id: str, name: str, samples: np.ndarray, sample_rate: int, *, target_sr=None) -> Source:
    """A noise or impulse response for :func:`render`, resampled to ``target_sr`` if given."""
    if target_sr is not None and int(target_sr) != int(sample_rate):
        samples, sample_rate = resample(samples, sample_rate, target_sr), int(target_sr)
    if len(samples) == 0:  # e.g. one sample at 22050 Hz resampled to 8000 Hz
        raise AudioError(f"{name}: too short: no sample left at {int(sample_rate)} Hz")
    return Source(id, name, np.asarray(samples, dtype=np.float32), int(sample_rate))
