"""augcheck core: audio in/out, augmentation steps, recipes, metrics, storage and plots.

Nothing in this package imports streamlit; everything is usable from plain Python and pytest.
"""

from __future__ import annotations

__version__ = "0.1.0"

from augment.errors import (  # noqa: E402
    AudioError,
    AugcheckError,
    ModelError,
    NotFoundError,
    ParameterError,
)

__all__ = [
    "AudioError",
    "AugcheckError",
    "ModelError",
    "NotFoundError",
    "ParameterError",
    "__version__",
]
