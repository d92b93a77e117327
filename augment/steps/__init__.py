"""The augmentation steps, one per module, and the registry that names them."""

from __future__ import annotations

from augment.errors import ParameterError
from augment.steps.background_noise import BackgroundNoise
from augment.steps.band_pass import BandPass
from augment.steps.base import Choice, Context, Param, Source, Step
from augment.steps.gain import Gain
from augment.steps.pitch_shift import PitchShift
from augment.steps.reverb import Reverb
from augment.steps.time_stretch import TimeStretch

#: Every step, in the order the Studio offers them (the order a signal meets them in a room:
#: the talker, the room, the noise around, the channel, the recorder's level).
STEPS: dict[str, type[Step]] = {
    cls.name: cls for cls in (TimeStretch, PitchShift, Reverb, BackgroundNoise, BandPass, Gain)
}


def get_step(name: str) -> type[Step]:
    try:
        return STEPS[name]
    except (KeyError, TypeError):
        raise ParameterError(f"unknown step {name!r} (known: {', '.join(STEPS)})") from None


__all__ = ["STEPS", "Choice", "Context", "Param", "Source", "Step", "get_step"]
