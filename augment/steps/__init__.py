"""The augmentation steps, one per module, and the registry that names them."""

from __future__ import annotations

from augment.errors import ParameterError
from augment.steps.background_noise import BackgroundNoise
from augment.steps.band_pass import BandPass
from augment.steps.base import Choice, Context, Param, Source, Step
from augment.steps.blur import Blur
from augment.steps.brightness import Brightness
from augment.steps.contrast import Contrast
from augment.steps.flip import Flip
from augment.steps.gain import Gain
from augment.steps.gamma import Gamma
from augment.steps.jpeg import Jpeg
from augment.steps.overlay import Overlay
from augment.steps.pitch_shift import PitchShift
from augment.steps.reverb import Reverb
from augment.steps.rotate import Rotate
from augment.steps.scratches import Scratches
from augment.steps.sensor_noise import SensorNoise
from augment.steps.time_stretch import TimeStretch

#: Every step, in the order the Studio offers them (the order a signal meets them in a room:
#: the talker, the room, the noise around, the channel, the recorder's level).
STEPS: dict[str, type[Step]] = {
    cls.name: cls
    for cls in (
        TimeStretch,
        PitchShift,
        Reverb,
        BackgroundNoise,
        BandPass,
        Gain,
        # image steps, in the order light meets them: the object (its pose, its defects), the
        # exposure, the lens, the sensor, the file
        Flip,
        Rotate,
        Scratches,
        Overlay,
        Brightness,
        Contrast,
        Gamma,
        Blur,
        SensorNoise,
        Jpeg,
    )
}
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


__all__ = [
    "MODALITIES",
    "STEPS",
    "Choice",
    "Context",
    "Param",
    "Source",
    "Step",
    "get_step",
    "steps_for",
]
