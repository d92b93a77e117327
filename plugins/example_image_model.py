"""An example image model for augcheck's question 3: a hand-made detector of light scratches.

**An example, not a real model.** It shows the shape of an image plugin and lets the Studio's
model-in-the-loop path run with nothing to download::

    AUGCHECK_IMAGE_MODEL=plugins.example_image_model:scratch_detector streamlit run app.py

An image plugin is a function ``fn(pixels) -> (label, confidence)``: ``pixels`` is a ``uint8``
numpy array, ``(h, w, 3)`` RGB or ``(h, w)`` grey, as the reviewer sees it; ``label`` a ``str``,
``confidence`` a number in [0, 1]. Set ``fn.modality = "image"`` (then ``AUGCHECK_MODEL`` may
name it too). Load a real model once (at import or in a cached helper), not on every call, and
guard it with a lock if it is not thread-safe.

How this one decides: thin light lines stand out from their surroundings by more than the
picture's own grain. It takes the luma, subtracts its morphological opening (a 5x5 minimum then
maximum filter, which wipes out bright lines thinner than 5 pixels but keeps broad shapes and
edges: a white top-hat), and counts pixels more than ``THRESHOLD`` levels above it, as a share of
the picture. Many such pixels: ``"scratched"``; few: ``"clean"``; the confidence grows
with the distance from the decision line. Darken the picture and the scratches fall under the
threshold: exactly the "label no longer clear" the checklist asks about.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageFilter

THRESHOLD = 18.0  # levels above the local background
DECISION_SHARE = 0.0025  # share of such pixels that makes a picture "scratched"
# (on the demo phones: clean 0.0007-0.0014, scratched 0.0034-0.0059)


def scratch_detector(pixels: np.ndarray) -> tuple[str, float]:
    a = np.asarray(pixels)
    grey = Image.fromarray(a if a.ndim == 2 else a.mean(axis=2).astype(np.uint8))
    opened = grey.filter(ImageFilter.MinFilter(5)).filter(ImageFilter.MaxFilter(5))
    lines = np.asarray(grey, dtype=np.float32) - np.asarray(opened, dtype=np.float32) > THRESHOLD
    share = float(lines.mean())
    # confidence: how far the share is from the decision line, on a log scale, squashed to 0.5-1
    distance = abs(np.log10((share + 1e-6) / DECISION_SHARE))
    confidence = float(0.5 + 0.5 * np.tanh(2.0 * distance))
    return ("scratched" if share >= DECISION_SHARE else "clean"), confidence


scratch_detector.modality = "image"
scratch_detector.kind = "label"
