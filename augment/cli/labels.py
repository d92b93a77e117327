"""``python -m augment labels``: every review as CSV or Parquet, for scripts.

The same rows and columns as the Labels page's downloads (:mod:`augment.export.reviews`): one
row per review, the concrete parameters drawn for each sample as columns. CSV goes to standard
output without ``--out``; Parquet, being binary, needs ``--out``.
"""

from __future__ import annotations

import os

from augment.cli._common import database
from augment.errors import AugcheckError, ParameterError


def register(sub) -> None:
    p = sub.add_parser(
        "labels", help="export reviews as CSV (standard output) or Parquet, like the Labels page"
    )
    p.add_argument("--format", choices=("csv", "parquet"), default="csv", help="default csv")
    p.add_argument(
        "--recipe",
        action="append",
        default=[],
        metavar="ID",
        help="only this recipe's reviews (repeatable)",
    )
    p.add_argument("--out", metavar="FILE", help="write here (default: standard output, CSV only)")
    p.set_defaults(run=cmd_labels)


def cmd_labels(args) -> dict | str:
    from augment.export.reviews import reviews_csv, reviews_parquet

    if args.format == "parquet" and not args.out:
        raise ParameterError("--format parquet is binary: give --out FILE")
    with database() as store:
        for rid in args.recipe:
            store.recipe(rid)  # an unknown id is an error, not an empty file
        reviews = store.reviews(recipe_ids=args.recipe or None)
    data = (reviews_parquet if args.format == "parquet" else reviews_csv)(reviews)
    if not args.out:
        return data.decode("utf-8")  # printed as is
    _write(args.out, data)
    return {"out": args.out, "format": args.format, "reviews": len(reviews), "bytes": len(data)}


def _write(path: str, data: bytes) -> None:
    """Write through a temporary file beside ``path``, so a failure leaves no half file."""
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise AugcheckError(f"{path}: the folder {folder} does not exist")
    tmp = f"{path}.tmp-{os.getpid()}"
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
