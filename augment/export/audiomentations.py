"""Recipes for training: our recipe JSON, and audiomentations (0.43) code or a dict of it.

:func:`to_audiomentations_code` writes Python that builds an ``audiomentations.Compose`` doing what
the recipe does, ready to paste into a training loop; :func:`to_audiomentations_dict` is the same
Compose as plain JSON-able data (no audiomentations, no torch needed to make it) and
:func:`compose_from_dict` builds the real Compose from it. Every transform gets ``p=1.0`` (the
recipe always applies every step) and ``min_*``/``max_*`` from the fixed value or the
``[low, high]`` range; the steps keep their order. Noise and impulse-response files come from
folders, ``NOISE_DIR`` and ``IR_DIR`` (placeholders to edit).

How each step maps (checked against audiomentations 0.43.1's source; agreement measured by
``tests/test_exporters.py`` on the synthetic speech-like signal, 16 kHz):

=================== ============================== ========= =======================================
step                audiomentations                match     how it differs / measured
=================== ============================== ========= =======================================
gain                Gain(min_gain_db, max_gain_db) exact     same multiply, bit-identical. augcheck
                                                             clips the final mix to [-1, 1] (and
                                                             reports the clipped share);
                                                             audiomentations returns values past
                                                             full scale.
time_stretch        TimeStretch(min_rate,          exact     the same python-stretch Signalsmith
                    max_rate, leave_length_                  calls: bit-identical, same length. A
                    unchanged=False, method=                 fixed rate 1 is a no-op in augcheck and
                    "signalsmith_stretch")                   is left out (audiomentations would
                                                             still run the stretcher).
pitch_shift         PitchShift(min_semitones,      exact     same Signalsmith calls: bit-identical.
                    max_semitones, method=                   A fixed 0 is left out, as above.
                    "signalsmith_stretch")
band_pass (fixed    BandPassFilter(centre =        exact     the same scipy Butterworth order 4 band
low_hz and high_hz) (low+high)/2, bandwidth                  pass run forwards and backwards
                    fraction = (high-low)/centre,            (sosfiltfilt): bit-identical. Differs
                    rolloff 48, zero_phase=True)             only when high_hz >= 0.98 x Nyquist:
                                                             augcheck then uses a high-pass alone,
                                                             audiomentations keeps the top edge
                                                             (clamped to 0.9999 x Nyquist when above
                                                             it).
band_pass (a range) HighPassFilter(low range) +    closest   a cascade of order-4 high- and low-pass
                    LowPassFilter(high range),               filters, not the band-pass design: the
                    rolloff 48, zero_phase=True              response differs by <= 0.43 dB inside
                                                             300-3400 Hz (<= 0.08 dB for 100-5000
                                                             and 50-7000 Hz), both cut > 30 dB an
                                                             octave outside. Cutoffs are drawn
                                                             uniformly on the mel scale (augcheck:
                                                             uniformly in Hz).
background_noise    AddBackgroundNoise(sounds_path closest   same SNR definition (RMS of the input
                    =NOISE_DIR, min_snr_db,                  over RMS of the noise used, whole clip)
                    max_snr_db, noise_rms=                   when a noise is at least as long as the
                    "relative")                              clip: measured SNR within 1e-5 dB of
                                                             the asked one. Its offset is drawn in
                                                             seconds; a shorter noise starts at 0,
                                                             repeats with a hard seam (augcheck:
                                                             random offset, 50 ms equal-power
                                                             crossfade) and its SNR is set from the
                                                             whole file's RMS before looping, so it
                                                             is only approximate (0.5 dB off for a
                                                             modulated 1.3 s noise on a 2 s clip).
                                                             No headroom scaling (the mix may pass
                                                             full scale); a silent clip gets no
                                                             noise (augcheck refuses it). Noises are
                                                             read and resampled (librosa, soxr_hq)
                                                             on every call.
reverb, room =      ApplyImpulseResponse(ir_path=  closest   no wet/dry mix (always fully wet); the
impulse_response    IR_DIR, leave_length_                    IR is used as stored (augcheck starts
                    unchanged=True)                          it at its peak and scales it to unit
                                                             energy); the output is scaled so the
                                                             whole convolution peaks at 0.5. With
                                                             wet=1 and a unit-energy IR starting at
                                                             its peak the outputs differ by that one
                                                             gain: after it, max difference
                                                             3e-7 x peak.
reverb, room =      RoomSimulator(calculation_mode none      no statistical-room transform in
synthetic           ="rt60", min/max_target_rt60,            audiomentations. RoomSimulator builds a
                    max_order=3, leave_length_               shoebox room (random size, source and
                    unchanged=True)                          mic), sets wall absorption for the RT60
                                                             by Sabine's formula and ray-traces the
                                                             tail; augcheck uses seeded decaying
                                                             Gaussian noise. No wet/dry mix, the
                                                             level depends on the mic distance. It
                                                             needs pyroomacoustics (an optional
                                                             extra of audiomentations).
reverb, room =      OneOf([ApplyImpulseResponse,   closest   one of the two rooms, uniformly, as in
both                RoomSimulator])                          augcheck.
=================== ============================== ========= =======================================

Everywhere: audiomentations draws from Python's global ``random``/``numpy.random`` on every call,
so it follows the same distributions as augcheck but cannot reproduce a reviewed sample (augcheck
seeds each step and records the drawn values, noise offset included). A reverb with a fixed
``wet`` of 0 is a no-op and is left out.
"""

from __future__ import annotations

import importlib
import json
import os
import textwrap
from typing import Any

from augment.errors import ParameterError
from augment.recipe import Recipe, StepConfig

#: Placeholders in the exported code and dict: the folders the training loop reads files from.
NOISE_DIR = "path/to/noises"
IR_DIR = "path/to/impulse_responses"

#: Our Butterworth order 4 run forwards and backwards, in audiomentations' terms (zero phase:
#: order = rolloff // 12).
ZERO_PHASE_ROLLOFF = 48

_CLASSES = {
    "Compose": "audiomentations.core.composition.Compose",
    "OneOf": "audiomentations.core.composition.OneOf",
    "Gain": "audiomentations.augmentations.gain.Gain",
    "TimeStretch": "audiomentations.augmentations.time_stretch.TimeStretch",
    "PitchShift": "audiomentations.augmentations.pitch_shift.PitchShift",
    "BandPassFilter": "audiomentations.augmentations.band_pass_filter.BandPassFilter",
    "HighPassFilter": "audiomentations.augmentations.high_pass_filter.HighPassFilter",
    "LowPassFilter": "audiomentations.augmentations.low_pass_filter.LowPassFilter",
    "AddBackgroundNoise": "audiomentations.augmentations.add_background_noise.AddBackgroundNoise",
    "ApplyImpulseResponse": (
        "audiomentations.augmentations.apply_impulse_response.ApplyImpulseResponse"
    ),
    "RoomSimulator": "audiomentations.augmentations.room_simulator.RoomSimulator",
}
#: Keyword arguments whose placeholder value is written as the constant's name in the code.
_PATH_ARGS = {"sounds_path": ("NOISE_DIR", NOISE_DIR), "ir_path": ("IR_DIR", IR_DIR)}

_NOTES = {
    "gain": "exact (same multiply); augcheck also clips the final mix to [-1, 1], this does not",
    "time_stretch": "exact (same Signalsmith Stretch calls); the length changes with the rate",
    "pitch_shift": "exact (same Signalsmith Stretch calls)",
    "band_pass": (
        "exact (same scipy Butterworth order-4 band pass, sosfiltfilt) unless high_hz >= 0.98 x "
        "Nyquist, where augcheck uses a high-pass alone"
    ),
    "band_pass_range": (
        "closest: a cascade of order-4 zero-phase high- and low-pass filters (within 0.5 dB of "
        "augcheck's band pass in the pass band); cutoffs drawn uniformly on the mel scale, not "
        "in Hz"
    ),
    "background_noise": (
        "closest: same SNR definition for noises at least as long as the clip; a shorter noise "
        "starts at 0 and repeats with a hard seam (augcheck: random offset, 50 ms crossfade) and "
        "its SNR is only approximate; no headroom scaling, so the mix may pass full scale"
    ),
    "impulse_response": (
        "closest: always fully wet (augcheck mixes {wet} wet), uses the IR as stored (augcheck "
        "starts it at its peak, unit energy) and scales the output to peak at 0.5"
    ),
    "synthetic": (
        "no exact counterpart: augcheck's synthetic room is seeded decaying noise with this RT60; "
        "RoomSimulator simulates a shoebox room (absorption from Sabine's formula), fully wet "
        "(augcheck mixes {wet} wet). Needs `pip install pyroomacoustics`"
    ),
}


# --- building the transform list ------------------------------------------------------------
def _bounds(value: float | list[float]) -> tuple[float, float]:
    return (float(value[0]), float(value[1])) if isinstance(value, list) else (value, value)


def _entry(cls: str, kwargs: dict[str, Any], step: str, match: str, note: str) -> dict[str, Any]:
    return {
        "__class_fullname__": _CLASSES[cls],
        **kwargs,
        "p": 1.0,
        "__augcheck__": {"step": step, "match": match, "note": note},
    }


def _fmt(x: float) -> str:
    return f"{x:g}"


def _reverb(cfg: StepConfig) -> list[dict[str, Any]]:
    s = cfg.settings
    rooms = s["room"] if isinstance(s["room"], list) else [s["room"]]
    w = s["wet"]
    wet = f"{_fmt(w[0])}..{_fmt(w[1])}" if isinstance(w, list) else _fmt(w)
    out = []
    if "impulse_response" in rooms:
        out.append(
            _entry(
                "ApplyImpulseResponse",
                {"ir_path": IR_DIR, "leave_length_unchanged": True},
                "reverb",
                "closest",
                _NOTES["impulse_response"].format(wet=wet),
            )
        )
    if "synthetic" in rooms:
        lo, hi = _bounds(s["rt60_s"])
        out.append(
            _entry(
                "RoomSimulator",
                {
                    "calculation_mode": "rt60",
                    "min_target_rt60": lo,
                    "max_target_rt60": hi,
                    "max_order": 3,
                    "leave_length_unchanged": True,
                },
                "reverb",
                "none",
                _NOTES["synthetic"].format(wet=wet),
            )
        )
    if len(out) == 1:
        return out
    return [
        {
            "__class_fullname__": _CLASSES["OneOf"],
            "transforms": out,
            "p": 1.0,
            "__augcheck__": {
                "step": "reverb",
                "match": "closest",
                "note": "one of the two rooms, drawn uniformly as augcheck does",
            },
        }
    ]


def _band_pass(cfg: StepConfig) -> list[dict[str, Any]]:
    low, high = cfg.settings["low_hz"], cfg.settings["high_hz"]
    rolloff = {"min_rolloff": ZERO_PHASE_ROLLOFF, "max_rolloff": ZERO_PHASE_ROLLOFF}
    if not isinstance(low, list) and not isinstance(high, list):
        centre = (low + high) / 2.0
        fraction = (high - low) / centre  # the edges come back as centre -/+ bandwidth / 2
        kwargs = {
            "min_center_freq": centre,
            "max_center_freq": centre,
            "min_bandwidth_fraction": fraction,
            "max_bandwidth_fraction": fraction,
            **rolloff,
            "zero_phase": True,
        }
        return [_entry("BandPassFilter", kwargs, "band_pass", "exact", _NOTES["band_pass"])]
    out = []
    notes = (_NOTES["band_pass_range"], "the upper edge of the band pass above")
    for (cls, value), note in zip(
        (("HighPassFilter", low), ("LowPassFilter", high)), notes, strict=True
    ):
        lo, hi = _bounds(value)
        kwargs = {"min_cutoff_freq": lo, "max_cutoff_freq": hi, **rolloff, "zero_phase": True}
        out.append(_entry(cls, kwargs, "band_pass", "closest", note))
    return out


def _transforms(cfg: StepConfig) -> list[dict[str, Any]]:
    """The audiomentations transforms for one step (none when the step is a no-op)."""
    s, step = cfg.settings, cfg.step
    if step == "gain":
        lo, hi = _bounds(s["gain_db"])
        kwargs = {"min_gain_db": lo, "max_gain_db": hi}
        return [_entry("Gain", kwargs, step, "exact", _NOTES[step])]
    if step == "time_stretch":
        if s["rate"] == 1.0:
            return []
        lo, hi = _bounds(s["rate"])
        kwargs = {
            "min_rate": lo,
            "max_rate": hi,
            "leave_length_unchanged": False,
            "method": "signalsmith_stretch",
        }
        return [_entry("TimeStretch", kwargs, step, "exact", _NOTES[step])]
    if step == "pitch_shift":
        if s["semitones"] == 0.0:
            return []
        lo, hi = _bounds(s["semitones"])
        kwargs = {"min_semitones": lo, "max_semitones": hi, "method": "signalsmith_stretch"}
        return [_entry("PitchShift", kwargs, step, "exact", _NOTES[step])]
    if step == "band_pass":
        return _band_pass(cfg)
    if step == "background_noise":
        lo, hi = _bounds(s["snr_db"])
        kwargs = {
            "sounds_path": NOISE_DIR,
            "min_snr_db": lo,
            "max_snr_db": hi,
            "noise_rms": "relative",
        }
        return [_entry("AddBackgroundNoise", kwargs, step, "closest", _NOTES[step])]
    if step == "reverb":
        return [] if s["wet"] == 0.0 else _reverb(cfg)
    raise ParameterError(f"no audiomentations export for step {step!r}")


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
        "__class_fullname__": _CLASSES["Compose"],
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
