"""Agreement between labelers on nominal answers (yes/no, accept/reject, categories).

Ratings come either as ``(unit, coder, value)`` triples (a unit is a sample, a coder a labeler)
or as a units x coders matrix: a 2-D ``numpy`` array (or anything with ``to_numpy``, such as a
pandas DataFrame) whose rows are units and columns coders. ``None`` and NaN mean "not rated".
A plain list of rows is always read as triples, so wrap a list matrix in ``np.array(...)``.

- :func:`krippendorff_alpha` is the primary statistic (see :data:`WHY_ALPHA`).
- :func:`fleiss_kappa` needs the same number of ratings on every unit.
- :func:`majority_agreement` tells, per coder, how often they side with the others' majority.

Both coefficients are implemented from their published formulas (Krippendorff 2011, "Computing
Krippendorff's Alpha-Reliability"; Fleiss 1971, "Measuring nominal scale agreement among many
raters"). Where a coefficient is undefined (no unit with two ratings, or a single value used
throughout, so no disagreement could even be expected) it is NaN.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Hashable, Iterable
from typing import Any

import numpy as np

from augment.checklist import AGREEMENT_ITEMS
from augment.errors import ParameterError

WHY_ALPHA = (
    "Krippendorff's alpha is the main agreement figure because it works with missing ratings and "
    "any number of labelers per sample, which is what review rounds produce: labelers stop at "
    "different points and hear the samples in their own order, so each sample ends up with its "
    "own set of raters. Fleiss' kappa needs the same number of raters on every sample, so it is "
    "only shown when that holds. Both compare the disagreement observed with the disagreement "
    "expected by chance: 1 is perfect agreement, 0 is chance level, below 0 is systematic "
    "disagreement."
)

Triple = tuple[Hashable, Hashable, Any]


def is_missing(value: Any) -> bool:
    """``None``, NaN (float or numpy) and pandas' ``NA`` count as "not rated"."""
    if value is None:
        return True
    if isinstance(value, (float, np.floating)):
        return math.isnan(value)
    return type(value).__name__ in ("NAType", "NaTType")


def _scalar(value: Any) -> Any:
    # numpy scalars become Python ones, so np.str_("yes") and "yes" are one category
    return value.item() if isinstance(value, np.generic) else value


def from_matrix(matrix: Any) -> list[Triple]:
    """Triples from a units x coders matrix: ``(row index, column index, value)``."""
    arr = np.asarray(matrix.to_numpy() if hasattr(matrix, "to_numpy") else matrix, dtype=object)
    if arr.ndim != 2:
        raise ParameterError(f"a ratings matrix must be 2-D (units x coders), not {arr.ndim}-D")
    return [
        (u, c, _scalar(arr[u, c]))
        for u in range(arr.shape[0])
        for c in range(arr.shape[1])
        if not is_missing(arr[u, c])
    ]


def to_triples(data: Any) -> list[Triple]:
    """Normalise ratings to triples without missing values; one rating per (unit, coder)."""
    if isinstance(data, np.ndarray) or hasattr(data, "to_numpy"):
        return from_matrix(data)
    out: list[Triple] = []
    seen: set[tuple[Hashable, Hashable]] = set()
    for item in data:
        try:
            unit, coder, value = item
        except (TypeError, ValueError):
            raise ParameterError(
                f"a rating must be a (unit, coder, value) triple, not {item!r}"
            ) from None
        if is_missing(value):
            continue
        key = (_scalar(unit), _scalar(coder))
        if key in seen:
            raise ParameterError(f"coder {key[1]!r} rated unit {key[0]!r} more than once")
        seen.add(key)
        out.append((key[0], key[1], _scalar(value)))
    return out


def _by_unit(triples: Iterable[Triple]) -> dict[Hashable, dict[Hashable, Any]]:
    units: dict[Hashable, dict[Hashable, Any]] = {}
    for unit, coder, value in triples:
        units.setdefault(unit, {})[coder] = value
    return units


def _counts(units: dict[Hashable, dict[Hashable, Any]]) -> tuple[list[Any], np.ndarray]:
    """Values (in order of first appearance) and the units x values count table."""
    index: dict[Any, int] = {}
    for ratings in units.values():
        for v in ratings.values():
            index.setdefault(v, len(index))
    table = np.zeros((len(units), len(index)), dtype=np.float64)
    for i, ratings in enumerate(units.values()):
        for v in ratings.values():
            table[i, index[v]] += 1
    return list(index), table


def coincidence_matrix(data: Any) -> tuple[list[Any], np.ndarray]:
    """Krippendorff's coincidence matrix ``o[c, k]`` over the pairable units (two or more ratings).

    Each unit with ``m_u`` ratings contributes every ordered pair of ratings by different coders,
    weighted ``1 / (m_u - 1)``, so each pairable rating adds exactly 1 to its row.
    """
    units = {u: r for u, r in _by_unit(to_triples(data)).items() if len(r) >= 2}
    values, table = _counts(units)
    if not units:
        return values, np.zeros((0, 0))
    m = table.sum(axis=1)
    # sum over units of (n_u n_u^T - diag(n_u)) / (m_u - 1)
    weighted = table / (m - 1)[:, None]
    o = weighted.T @ table - np.diag(weighted.sum(axis=0))
    return values, o


def krippendorff_alpha(data: Any) -> float:
    """Krippendorff's alpha for nominal data; missing ratings allowed, any number of coders.

    ``alpha = 1 - D_o / D_e`` with, from the coincidence matrix ``o`` (marginals ``n_c``,
    total ``n``): ``D_o = sum_{c != k} o_ck / n`` and
    ``D_e = sum_{c != k} n_c n_k / (n (n - 1))``. Units rated once carry no information about
    agreement and are left out. NaN when undefined (no pairable unit, or only one value used).
    """
    _, o = coincidence_matrix(data)
    if o.size == 0:
        return float("nan")
    n_c = o.sum(axis=1)
    n = float(n_c.sum())
    observed = n - float(np.trace(o))  # sum of off-diagonal coincidences
    expected_pairs = n * n - float(np.sum(n_c * n_c))  # sum_{c != k} n_c n_k
    if expected_pairs <= 0:
        return float("nan")
    return float(1.0 - (n - 1.0) * observed / expected_pairs)


def fleiss_kappa_counts(counts: Any) -> float:
    """Fleiss' kappa from a units x categories table of how many raters chose each category.

    With ``N`` units, ``m`` ratings per unit and ``n_ij`` raters putting unit ``i`` in category
    ``j``: ``P_i = (sum_j n_ij^2 - m) / (m (m - 1))``, ``P = mean(P_i)``,
    ``p_j = sum_i n_ij / (N m)``, ``P_e = sum_j p_j^2`` and ``kappa = (P - P_e) / (1 - P_e)``.
    """
    table = np.asarray(counts, dtype=np.float64)
    if table.ndim != 2 or table.shape[0] == 0:
        raise ParameterError("Fleiss' kappa needs a units x categories table with units in it")
    if not np.all(np.isfinite(table)) or np.any(table < 0) or np.any(table != np.round(table)):
        raise ParameterError("Fleiss' kappa counts must be whole numbers of raters, 0 or more")
    m = table.sum(axis=1)
    if np.any(m != m[0]):
        raise ParameterError(
            f"Fleiss' kappa needs the same number of ratings on every unit "
            f"(found {int(m.min())} to {int(m.max())}); use Krippendorff's alpha instead"
        )
    raters = float(m[0])
    if raters < 2:
        raise ParameterError("Fleiss' kappa needs at least 2 ratings per unit")
    p_i = (np.sum(table * table, axis=1) - raters) / (raters * (raters - 1.0))
    p_bar = float(p_i.mean())
    p_j = table.sum(axis=0) / (table.shape[0] * raters)
    p_e = float(np.sum(p_j * p_j))
    if p_e >= 1.0:
        return float("nan")
    return float((p_bar - p_e) / (1.0 - p_e))


def fleiss_kappa(data: Any) -> float:
    """Fleiss' kappa from triples or a units x coders matrix (same number of ratings per unit).

    Units without any rating are ignored; any other difference in the number of ratings raises
    :class:`ParameterError` (use :func:`krippendorff_alpha` then).
    """
    units = _by_unit(to_triples(data))
    if not units:
        raise ParameterError("Fleiss' kappa needs at least one rated unit")
    _, table = _counts(units)
    return fleiss_kappa_counts(table)


def majority_agreement(data: Any) -> dict[Hashable, float]:
    """Per coder: the share of their ratings that equal the majority of the *other* coders.

    A rating counts only where at least one other coder rated the unit and the others' most
    common value is unique (ties are skipped). NaN for a coder with no such rating.
    """
    units = _by_unit(to_triples(data))
    agree: dict[Hashable, int] = {}
    counted: dict[Hashable, int] = {}
    for ratings in units.values():
        for coder, value in ratings.items():
            agree.setdefault(coder, 0)
            counted.setdefault(coder, 0)
            others = Counter(v for c, v in ratings.items() if c != coder)
            if not others:
                continue
            top = others.most_common(2)
            if len(top) == 2 and top[0][1] == top[1][1]:
                continue
            counted[coder] += 1
            agree[coder] += int(value == top[0][0])
    return {c: agree[c] / counted[c] if counted[c] else float("nan") for c in counted}


__all__ = [
    "WHY_ALPHA",
    "coincidence_matrix",
    "fleiss_kappa",
    "fleiss_kappa_counts",
    "from_matrix",
    "is_missing",
    "krippendorff_alpha",
    "majority_agreement",
    "to_triples",
]


def sample_key(review: dict[str, Any]) -> Hashable:
    """What makes two reviews ratings of the *same* sample (the unit for agreement).

    A round sample is one unit whoever hears it; elsewhere a sample is the rendered recipe, the
    seed and the inputs (the same settings heard twice are the same sound).
    """
    inputs = review.get("inputs") or {}
    if inputs.get("round_sample") is not None:
        return ("round", inputs["round_sample"])
    return (
        "sample",
        review.get("recipe_json"),
        review.get("seed"),
        review.get("clip_hash"),
        review.get("noise_hash"),
    )


def latest_per_reviewer(reviews: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """One review per (sample, reviewer): the latest (by ``created_at``, then ``id``)."""
    latest: dict[tuple, dict[str, Any]] = {}
    for r in reviews:
        key = (sample_key(r), r["reviewer"])
        old = latest.get(key)
        if old is None or _when(r) >= _when(old):
            latest[key] = r
    return list(latest.values())


def _when(review: dict[str, Any]) -> tuple:
    return (str(review.get("created_at") or ""), review.get("id") or 0)


def review_agreement(reviews: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Krippendorff's alpha on the verdict and each checklist item, over review dicts.

    Units are samples (:func:`sample_key`), coders are reviewers. Returns ``alpha`` (item ->
    alpha or None when undefined), ``units_rated_twice`` (units with two or more reviewers),
    ``ratings`` and ``majority`` (reviewer -> share of their verdicts that match the others'
    majority, where defined).

    A reviewer who saved the same sample more than once counts once, with their latest answer
    (:func:`latest_per_reviewer`): agreement is between people, not between one person's tries.
    """
    reviews = latest_per_reviewer(reviews)
    alpha: dict[str, float | None] = {}
    for item in AGREEMENT_ITEMS:
        value = krippendorff_alpha([(sample_key(r), r["reviewer"], r[item]) for r in reviews])
        alpha[item] = value if np.isfinite(value) else None
    raters: dict[Hashable, set] = {}
    for r in reviews:
        raters.setdefault(sample_key(r), set()).add(r["reviewer"])
    majority = majority_agreement([(sample_key(r), r["reviewer"], r["verdict"]) for r in reviews])
    return {
        "alpha": alpha,
        "units_rated_twice": sum(len(v) >= 2 for v in raters.values()),
        "ratings": len(reviews),
        "majority": {k: v for k, v in majority.items() if np.isfinite(v)},
    }
