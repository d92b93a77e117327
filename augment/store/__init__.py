"""Persistence: media, recipes, reviews and rounds through SQLAlchemy 2 (``Store``).

``from augment.store import Store`` is the way in; the class lives in :mod:`augment.store.store`.
"""

from augment.store.store import (
    ANSWERS,
    IMAGE_KINDS,
    KINDS,
    PROJECT_ROOT,
    SPLITS,
    STATUSES,
    Base,
    Media,
    MediaRow,
    RecipeRow,
    ReviewRow,
    Store,
    default_url,
    library_versions,
    load_demo_assets,
    verdict_for,
)

__all__ = [
    "ANSWERS",
    "IMAGE_KINDS",
    "KINDS",
    "PROJECT_ROOT",
    "SPLITS",
    "STATUSES",
    "Base",
    "Media",
    "MediaRow",
    "RecipeRow",
    "ReviewRow",
    "Store",
    "default_url",
    "library_versions",
    "load_demo_assets",
    "verdict_for",
]
