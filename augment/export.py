"""Reviews as flat rows (one per review, concrete parameters as columns) and as CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

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
    "origin",
    "app_version",
)
SKIP_PARAMS = {"step", "noise", "ir"}  # hashes already in their own columns / inputs


def flatten_review(review: dict[str, Any]) -> dict[str, Any]:
    """One flat row: the base columns, ``metric.*`` and ``<step>.<param>`` columns."""
    row = {k: review.get(k) for k in BASE_COLUMNS}
    for k, v in (review.get("metrics") or {}).items():
        row[f"metric.{k}"] = v
    seen: dict[str, int] = {}
    for p in review.get("params") or []:
        step = p.get("step", "?")
        n = seen.get(step, 0)
        seen[step] = n + 1
        prefix = step if n == 0 else f"{step}#{n + 1}"
        for k, v in p.items():
            if k not in SKIP_PARAMS:
                row[f"{prefix}.{k}"] = v
    return row


def review_rows(reviews: Iterable[dict[str, Any]]) -> tuple[list[str], list[dict[str, Any]]]:
    """Flat rows and the union of their columns (base columns first, then sorted)."""
    rows = [flatten_review(r) for r in reviews]
    extra = sorted({k for r in rows for k in r} - set(BASE_COLUMNS))
    return [*BASE_COLUMNS, *extra], rows


def reviews_csv(reviews: Iterable[dict[str, Any]]) -> bytes:
    columns, rows = review_rows(reviews)
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    for r in rows:
        writer.writerow(r)
    return buf.getvalue().encode("utf-8")
