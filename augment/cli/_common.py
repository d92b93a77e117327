"""What several command groups share: reading a recipe file, opening the default store."""

from __future__ import annotations

from contextlib import contextmanager

from augment.errors import AugcheckError
from augment.recipe import MAX_JSON_BYTES, Recipe


def read_recipe(path: str) -> Recipe:
    """The recipe in a JSON file (UTF-8, a byte-order mark allowed); one-line errors."""
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_JSON_BYTES + 1)  # never more than the limit into memory
    except OSError as exc:
        raise AugcheckError(f"{path}: cannot read the recipe ({exc.strerror})") from None
    try:
        return Recipe.from_json(data)
    except AugcheckError as exc:
        raise type(exc)(f"{path}: {exc}") from None


@contextmanager
def database_errors():
    """The database's errors (SQLAlchemy, the driver) as one ``database: ...`` line."""
    from sqlalchemy.exc import SQLAlchemyError

    try:
        yield
    except SQLAlchemyError as exc:
        line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise AugcheckError(f"database: {line}") from None


@contextmanager
def database():
    """The default store (``AUGCHECK_DATA_DIR`` / ``AUGCHECK_DB_URL``); its errors in one line.

    Storage (SQLAlchemy) is imported here, so ``steps`` and ``apply`` do not pay for it.
    """
    from augment.store import Store

    with database_errors():
        yield Store()
