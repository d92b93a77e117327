"""Template for bringing your own model to augcheck's "is the model doing poorly?" question.

Point augcheck at a function with ``AUGCHECK_MODEL=module:function``, e.g.::

    AUGCHECK_MODEL=plugins.example_model:energy_classifier streamlit run app.py

The function is called as ``fn(samples, sample_rate)``:

* ``samples``: a float32 numpy array, mono, in [-1, 1], at the clip's own rate (resample
  inside if your model needs a fixed rate, e.g. with ``augment.audio.resample``);
* ``sample_rate``: an int, in Hz.

It returns one of

* a transcript ``str`` (speech recognition; augcheck scores it by word error rate against the
  clip's transcript, or against what the model heard in the original when there is none), or
* a ``(label, confidence)`` tuple, ``label`` a ``str`` and ``confidence`` a number in [0, 1]
  (classification; the sample counts as poor when the label changes or the confidence falls by
  0.3 or more).

Set ``fn.kind = "transcript"`` or ``"label"`` to say which; without it augcheck calls the
function once on 0.5 s of silence to find out. Load heavy models once (at import, or in a
cached helper like ``_model()`` below), not on every call. Streamlit calls the function from
several threads: guard a model that is not thread-safe with a ``threading.Lock``. Exceptions
are shown to the reviewer as one line naming the model.

The module must be importable: keep it under the project's ``plugins/`` folder and run the app
from the project root, or put its folder on ``PYTHONPATH``.

Two examples:

* :func:`energy_classifier` -- a toy "classifier": ``"speech"`` when the clip's loudest 100 ms
  stretches are well above its quietest ones, else ``"silence"``; stands in for a keyword
  spotter or an audio-event model.
* :func:`transcribe` -- a transcript model wrapping augcheck's built-in pocketsphinx recognizer
  (what augcheck uses when ``AUGCHECK_MODEL`` is not set).
"""

from __future__ import annotations

import functools
import math

import numpy as np

#: Frame used by the energy classifier, seconds.
FRAME_S = 0.1
#: Level (dBFS) below which a frame is silence whatever the contrast.
SILENCE_DBFS = -55.0
#: Loud-vs-quiet contrast (dB) at which the classifier is 50 % sure it hears speech.
CONTRAST_DB = 12.0


def _frame_levels_db(samples: np.ndarray, sample_rate: int) -> np.ndarray:
    n = max(1, int(FRAME_S * sample_rate))
    count = max(1, len(samples) // n)
    frames = np.asarray(samples[: count * n], dtype=np.float64)
    if len(frames) < count * n:  # shorter than one frame
        frames = np.pad(frames, (0, count * n - len(frames)))
    power = np.mean(frames.reshape(count, n) ** 2, axis=1)
    return 10.0 * np.log10(np.maximum(power, 1e-12))


def energy_classifier(samples: np.ndarray, sample_rate: int) -> tuple[str, float]:
    """``("speech", p)`` or ``("silence", 1 - p)``, p from the contrast of loud and quiet frames.

    Speech comes in syllables and pauses, so its 100 ms frame levels spread widely; a steady
    noise or silence does not. p = logistic((90th - 10th percentile level - 12 dB) / 3 dB),
    and 0 when even the loud frames are under -55 dBFS. Added noise fills the pauses, narrows
    the spread, and the confidence falls: a model doing poorly.
    """
    levels = _frame_levels_db(samples, sample_rate)
    loud, quiet = np.percentile(levels, 90), np.percentile(levels, 10)
    if loud < SILENCE_DBFS:
        p = 0.0
    else:
        p = 1.0 / (1.0 + math.exp(-(float(loud - quiet) - CONTRAST_DB) / 3.0))
    return ("speech", round(p, 4)) if p >= 0.5 else ("silence", round(1.0 - p, 4))


energy_classifier.kind = "label"


@functools.lru_cache(maxsize=1)
def _model():
    # load once per process; the built-in recognizer already locks around decoding
    from augment.model import get_recognizer

    return get_recognizer()


def transcribe(samples: np.ndarray, sample_rate: int) -> str:
    """The words pocketsphinx (US English) recognises, as one lower-case string."""
    return _model().transcribe(samples, sample_rate)


transcribe.kind = "transcript"
