"""Reverb: convolve with a room impulse response, mixed ``wet`` against the dry signal.

The room is either synthetic (exponentially decaying noise with the asked ``rt60_s``, drawn from
the step's own seeded generator) or an impulse response from the library (``room`` =
``impulse_response``). Responses are scaled to unit energy, so the operation is linear and the
output's SNR stays measurable. The output keeps the input's length (the tail past the end is cut).
"""

from __future__ import annotations

import numpy as np

from augment.audio import resample
from augment.errors import ParameterError
from augment.steps.base import IR_DIR, Choice, Param, Step, bounds, transform

_ONE_OF = "audiomentations.core.composition.OneOf"
_NOTE_IR = (
    "closest: always fully wet (augcheck mixes {wet} wet), uses the IR as stored (augcheck "
    "starts it at its peak, unit energy) and scales the output to peak at 0.5"
)
_NOTE_SYNTHETIC = (
    "no exact counterpart: augcheck's synthetic room is seeded decaying noise with this RT60; "
    "RoomSimulator simulates a shoebox room (absorption from Sabine's formula), fully wet "
    "(augcheck mixes {wet} wet). Needs `pip install pyroomacoustics`"
)


def _rooms(settings) -> list[str]:
    room = settings.get("room")
    return room if isinstance(room, list) else [room]


def synthetic_ir(rt60_s: float, sample_rate: int, rng: np.random.Generator) -> np.ndarray:
    """A diffuse room: Gaussian noise under an envelope that falls 60 dB in ``rt60_s``.

    Hand-written: no maintained light library makes a seeded statistical room response
    (pyroomacoustics builds geometric rooms and is a heavy dependency for this).
    """
    n = max(1, int(round(min(rt60_s * 1.2, 4.0) * sample_rate)))
    t = np.arange(n) / sample_rate
    ir = rng.standard_normal(n) * np.exp(-3.0 * np.log(10.0) * t / rt60_s)
    ir[0] = np.abs(ir).max() * 2.0  # direct sound
    return ir / np.sqrt(np.sum(ir**2))


def prepare_ir(ir: np.ndarray) -> np.ndarray:
    """Start at the direct sound (the peak) and scale to unit energy."""
    ir = np.asarray(ir, dtype=np.float64)
    ir = ir[int(np.argmax(np.abs(ir))) :]
    energy = np.sqrt(np.sum(ir**2))
    if energy == 0:
        raise ParameterError("reverb: the impulse response is silent")
    return ir / energy


class Reverb(Step):
    name = "reverb"
    title = "Reverb"
    description = "Put the speaker in a room: a synthetic one by RT60, or a measured response."
    params = (
        Choice("room", ("synthetic", "impulse_response"), "synthetic", "where the room comes from"),
        Param("rt60_s", 0.1, 3.0, 0.5, "s", "reverberation time (synthetic room)", step=0.05),
        Param("wet", 0.0, 1.0, 0.3, "", "share of reverberant sound", step=0.05),
    )
    order = 30
    drawn_keys = ("ir", "ir_name", "ir_seed")
    source_keys = {"ir": "impulse_response"}
    shown_when = {"rt60_s": ("room", "synthetic")}  # the RT60 of a synthetic room only

    @classmethod
    def sources(cls, settings):
        """An impulse response from the library only for a measured room."""
        return frozenset({"impulse_response"} if "impulse_response" in _rooms(settings) else ())

    @classmethod
    def to_audiomentations(cls, settings):
        """``ApplyImpulseResponse`` (closest) / ``RoomSimulator`` (none), ``OneOf`` for both."""
        if settings["wet"] == 0.0:
            return []
        w = settings["wet"]
        wet = f"{w[0]:g}..{w[1]:g}" if isinstance(w, list) else f"{w:g}"
        rooms = _rooms(settings)
        out = []
        if "impulse_response" in rooms:
            out.append(
                transform(
                    "audiomentations.augmentations.apply_impulse_response.ApplyImpulseResponse",
                    {"ir_path": IR_DIR, "leave_length_unchanged": True},
                    cls.name,
                    "closest",
                    _NOTE_IR.format(wet=wet),
                )
            )
        if "synthetic" in rooms:
            lo, hi = bounds(settings["rt60_s"])
            out.append(
                transform(
                    "audiomentations.augmentations.room_simulator.RoomSimulator",
                    {
                        "calculation_mode": "rt60",
                        "min_target_rt60": lo,
                        "max_target_rt60": hi,
                        "max_order": 3,
                        "leave_length_unchanged": True,
                    },
                    cls.name,
                    "none",
                    _NOTE_SYNTHETIC.format(wet=wet),
                )
            )
        if len(out) == 1:
            return out
        return [
            {
                "__class_fullname__": _ONE_OF,
                "transforms": out,
                "p": 1.0,
                "__augcheck__": {
                    "step": cls.name,
                    "match": "closest",
                    "note": "one of the two rooms, drawn uniformly as augcheck does",
                },
            }
        ]

    def sample(self, settings, rng, n_samples, ctx):
        out = super().sample(settings, rng, n_samples, ctx)
        if out["room"] == "impulse_response":
            if not ctx.irs:
                raise ParameterError("reverb: room=impulse_response but no impulse response given")
            src = ctx.irs[int(rng.integers(len(ctx.irs)))] if len(ctx.irs) > 1 else ctx.irs[0]
            out["ir"] = src.id
            out["ir_name"] = src.name
        else:
            out["ir_seed"] = int(rng.integers(2**31))
        return out

    def _ir(self, params, ctx) -> np.ndarray:
        if params["room"] == "impulse_response":
            src = next((s for s in ctx.irs if s.id == params["ir"]), None)
            if src is None:
                raise ParameterError(f"reverb: impulse response {params['ir']!r} is not available")
            return prepare_ir(resample(src.samples, src.sample_rate, ctx.sample_rate))
        rng = np.random.default_rng(params["ir_seed"])
        return synthetic_ir(params["rt60_s"], ctx.sample_rate, rng)

    def apply(self, y, params, ctx, rng):
        from scipy.signal import oaconvolve

        wet = float(params["wet"])
        if wet == 0.0 or len(y) == 0:
            return y
        reverberant = oaconvolve(np.asarray(y, dtype=np.float64), self._ir(params, ctx))[: len(y)]
        return ((1.0 - wet) * y + wet * reverberant).astype(np.float32)
