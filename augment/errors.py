"""One error family for everything augcheck refuses, in the manner of librosa's ParameterError.

Every message is one line that names the bad value, so the UI can show it with ``st.error`` and
the CLI can print it after ``error:``.
"""

from __future__ import annotations


class AugcheckError(ValueError):
    """Base class: a clear, one-line, user-facing refusal."""


class ParameterError(AugcheckError):
    """A recipe, step or parameter value is not acceptable."""


class AudioError(AugcheckError):
    """An audio file cannot be used (not audio, corrupt, empty, too long, non-finite, silent)."""


class ImageError(AugcheckError):
    """An image file cannot be used (not an image, truncated, zero-size, too large, a bomb)."""


class NotFoundError(AugcheckError):
    """Something asked for by its id, hash or token is not stored (a recipe, media, a round)."""


class ModelError(AugcheckError):
    """A model cannot be loaded from its spec, or gave an output augcheck cannot use."""
