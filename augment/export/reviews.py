"""Reviews as flat rows (one per review, concrete parameters as columns), as CSV and Parquet."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from typing import Any

from augment.steps import is_source_key

BASE_COLUMNS = (
    "id",
    "created_at",
    "reviewer",
    "recipe",
    "recipe_id",
    "verdict",
    "realistic",
    "clear",
    "model_poor",
    "note",
    "seed",
    "clip_hash",
    "noise_hash",
    "deleted_media",
    "origin",
    "app_version",
)


def flatten_review(review: dict[str, Any]) -> dict[str, Any]:
    """One flat row: the base columns, ``metric.*`` and ``<step>.<param>`` columns."""
    row = {k: review.get(k) for k in BASE_COLUMNS}
    for k, v in (review.get("metrics") or {}).items():
        if isinstance(v, dict):  # hints, model report: one column per figure
            for k2, v2 in v.items():
                row[f"metric.{k}.{k2}"] = v2
        else:
            row[f"metric.{k}"] = v
    for step, name, key, v in param_items(review.get("params") or []):
        if not is_source_key(step, name):  # a library item's hash: in the inputs already
            row[key] = v
    return row


def param_items(params: Iterable[dict[str, Any]]) -> Iterator[tuple[str, str, str, Any]]:
    """``(step, name, "<step>.<name>", value)`` of every drawn value; a step's second use is
    ``<step>#2``."""
    seen: dict[str, int] = {}
    for p in params:
        step = p.get("step", "?")
        n = seen.get(step, 0)
        seen[step] = n + 1
        prefix = step if n == 0 else f"{step}#{n + 1}"
        for k, v in p.items():
            if k != "step":
                yield step, k, f"{prefix}.{k}", v


def param_columns(params: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Drawn parameters as ``{"<step>.<param>": value}``; a step's second use is ``<step>#2``.

    The same keys as :meth:`augment.recipe.Recipe.numeric_keys` and the Recipes page's fits.
    """
    return {key: v for _, _, key, v in param_items(params)}


def review_rows(reviews: Iterable[dict[str, Any]]) -> tuple[list[str], list[dict[str, Any]]]:
    """Flat rows and the union of their columns (base columns first, then sorted)."""
    rows = [flatten_review(r) for r in reviews]
    extra = sorted({k for r in rows for k in r} - set(BASE_COLUMNS))
    return [*BASE_COLUMNS, *extra], rows


#: A spreadsheet reads a cell starting with one of these as a formula (OWASP, "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: Any) -> Any:
    """A text cell that a spreadsheet would run as a formula gets a leading ``'``; the rest as is.

    User text (notes, reviewer, recipe, file names) reaches the CSV; numbers are not text and
    keep their sign.
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def reviews_csv(reviews: Iterable[dict[str, Any]]) -> bytes:
    """The rows of :func:`review_rows` as UTF-8 CSV, every text cell through :func:`csv_safe`."""
    columns, rows = review_rows(reviews)
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=[csv_safe(c) for c in columns], extrasaction="ignore")
    writer.writeheader()
    for r in rows:
        writer.writerow({csv_safe(k): csv_safe(v) for k, v in r.items()})
    return buf.getvalue().encode("utf-8")


def _arrow_column(values: list[Any]):
    """One Parquet column: pyarrow's own type when the values agree, else a common one.

    Whole and fractional numbers together become float64; anything else mixed (text and
    numbers, flags and numbers) becomes text, lists and objects JSON text; a column of nothing
    but missing values is text.
    """
    import pyarrow as pa

    present = [v for v in values if v is not None]
    if not present:
        return pa.array(values, type=pa.string())
    if any(isinstance(v, (dict, list, tuple)) for v in present):
        return pa.array([None if v is None else _text(v) for v in values], type=pa.string())
    try:
        return pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, OverflowError):
        pass
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present):
        return pa.array([None if v is None else float(v) for v in values], type=pa.float64())
    return pa.array([None if v is None else _text(v) for v in values], type=pa.string())


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, (dict, list, tuple)):
        return json.dumps(value, default=str)
    return str(value)


def reviews_parquet(reviews: Iterable[dict[str, Any]]) -> bytes:
    """The rows of :func:`review_rows` (same columns, same order) as a Parquet file."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    columns, rows = review_rows(reviews)
    table = pa.table({c: _arrow_column([r.get(c) for r in rows]) for c in columns})
    buf = io.BytesIO()
    pq.write_table(table, buf)
    return buf.getvalue()
