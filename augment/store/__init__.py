"""Persistence: media, recipes, reviews and rounds through SQLAlchemy 2.

``from augment.store import Store`` is the way in; the class lives in :mod:`augment.store.store`,
every table in :mod:`augment.store.schema`.
"""

from augment.store.demo import load_demo_assets
from augment.store.schema import IMAGE_KINDS, MEDIA_KINDS, SPLITS, STATUSES
from augment.store.store import (
    PROJECT_ROOT,
    Media,
    Store,
    default_url,
    library_versions,
)

__all__ = [
    "IMAGE_KINDS",
    "MEDIA_KINDS",
    "PROJECT_ROOT",
    "SPLITS",
    "STATUSES",
    "Media",
    "Store",
    "default_url",
    "library_versions",
    "load_demo_assets",
]
