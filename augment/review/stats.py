"""How the answers depend on the parameters: shares with intervals, logistic fits, suggestions.

The fits themselves (Wilson intervals, the logistic regression) live in :mod:`augment.review.fits`.
A recipe draws each ranged parameter anew for every sample, so the reviews of one recipe cover
its range. This module turns them into evidence about the parameter::

    effect = parameter_effect(store.reviews(recipe_ids=[rid]), "background_noise.snr_db")
    effect.crossings["clear"][0.5]          # the SNR at which half the samples are still clear
    new = suggest_range(effect, [0, 20])    # the part of 0..20 dB where >= 80% are accepted
    recipe2 = suggested_recipe(recipe, "background_noise.snr_db", new)

Keys name a step's parameter as ``<step>.<param>`` for the first occurrence of the step in a
recipe and ``<step>#2.<param>`` for the second, as the CSV export does.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from augment.checklist import ACCEPT, FIT_ITEMS, verdict_for
from augment.errors import ParameterError
from augment.export.reviews import param_items
from augment.param_key import ParamKey
from augment.recipe import Recipe
from augment.review.fits import (
    LogisticFit,
    check_share,
    check_whole,
    fit_logistic,
    wilson_interval,
)
from augment.steps import STEPS, is_drawn_key
from augment.steps.base import Param

#: The shares :func:`parameter_effect` reports crossings for.
CROSSING_LEVELS = (0.5, 0.8)


# --- parameters in reviews ----------------------------------------------------------------
def _is_number(v: Any) -> bool:
    return (
        not isinstance(v, bool)
        and isinstance(v, (int, float, np.integer, np.floating))
        and math.isfinite(float(v))
    )


def _numeric_params(review: dict[str, Any]) -> dict[str, float]:
    """``{"<step>.<param>": value}`` of one review's drawn numbers (``<step>#2`` for repeats)."""
    return {
        key: float(v)
        for step, name, key, v in param_items(review.get("params") or [])
        if not is_drawn_key(step, name) and _is_number(v)
    }


def varied_parameters(reviews: Sequence[dict[str, Any]]) -> dict[str, np.ndarray]:
    """The numeric parameters that vary across ``reviews``, one array per key, aligned with them.

    Keys are ``<step>.<param>`` (``<step>#2.<param>`` for a step's second occurrence); a review
    without the parameter has NaN. Drawn values that are not settings (``offset_s``,
    ``ir_seed``) and non-numbers (noise names, hashes, the room) are left out, and so is every
    parameter with a single distinct value.
    """
    rows = [_numeric_params(r) for r in reviews]
    keys: dict[str, None] = {}
    for row in rows:
        keys.update(dict.fromkeys(row))
    out: dict[str, np.ndarray] = {}
    for key in keys:
        values = np.array([row.get(key, np.nan) for row in rows], dtype=float)
        if np.unique(values[~np.isnan(values)]).size > 1:
            out[key] = values
    return out


# --- the effect of one parameter ----------------------------------------------------------
@dataclass(frozen=True)
class BinnedShare:
    """The observed share of "yes" among the reviews whose value falls in one bin."""

    centre: float  # mean x of the reviews in the bin (where to plot the point)
    low: float  # smallest x in the bin
    high: float  # largest x in the bin
    n: int
    successes: int
    share: float
    ci_low: float  # Wilson interval of the share
    ci_high: float


@dataclass(frozen=True, eq=False)
class ParameterEffect:
    """How the answers depend on one parameter, over the reviews that have it.

    ``answers``, ``fits``, ``bins`` and ``crossings`` are keyed by ``"clear"``, ``"realistic"``
    and ``"both"``; ``crossings[answer][p]`` is the value where the fitted share is ``p`` (for
    ``p`` in 0.5 and 0.8), None if the fit does not reach ``p`` within the observed range.
    """

    key: str
    x: np.ndarray = field(repr=False)
    answers: dict[str, np.ndarray] = field(repr=False)
    fits: dict[str, LogisticFit | None]
    bins: dict[str, tuple[BinnedShare, ...]] = field(repr=False)
    crossings: dict[str, dict[float, float | None]]

    @property
    def n(self) -> int:
        return int(self.x.size)

    @property
    def clear(self) -> np.ndarray:
        return self.answers["clear"]

    @property
    def realistic(self) -> np.ndarray:
        return self.answers["realistic"]

    @property
    def both(self) -> np.ndarray:
        return self.answers["both"]


def _bin_index(x: np.ndarray, bins: int) -> np.ndarray:
    """Bin numbers 0..k-1: one bin per value when there are few, else quantile bins."""
    values = np.unique(x)
    if values.size <= bins:
        return np.searchsorted(values, x)
    edges = np.unique(np.quantile(x, np.linspace(0.0, 1.0, bins + 1)))
    return np.clip(np.searchsorted(edges, x, side="right") - 1, 0, edges.size - 2)


def binned_shares(
    x: Any, y: Any, *, bins: int = 8, min_per_bin: int = 5, confidence: float = 0.95
) -> tuple[BinnedShare, ...]:
    """Observed shares of ``y`` in up to ``bins`` quantile bins of ``x`` (for plotting).

    Fewer bins are used when there are few points (about ``min_per_bin`` per bin), and one bin
    per distinct value when ``x`` takes only a few values.
    """
    xa = np.asarray(x, dtype=float).ravel()
    ya = np.asarray(y, dtype=bool).ravel()
    if xa.size != ya.size:
        raise ParameterError(f"x has {xa.size} values but y has {ya.size}")
    if check_whole("bins", bins) < 1 or check_whole("min_per_bin", min_per_bin) < 1:
        raise ParameterError(f"bins={bins} and min_per_bin={min_per_bin} must be at least 1")
    if xa.size == 0:
        return ()
    if np.unique(xa).size <= bins:  # a ladder (a sweep): one point per value heard
        index = _bin_index(xa, bins)
    else:
        index = _bin_index(xa, max(1, min(bins, xa.size // min_per_bin)))
    out = []
    for i in np.unique(index):
        sel = index == i
        n, hits = int(sel.sum()), int(ya[sel].sum())
        lo, hi = wilson_interval(hits, n, confidence=confidence)
        out.append(
            BinnedShare(
                centre=float(xa[sel].mean()),
                low=float(xa[sel].min()),
                high=float(xa[sel].max()),
                n=n,
                successes=hits,
                share=hits / n,
                ci_low=lo,
                ci_high=hi,
            )
        )
    return tuple(out)


def _answer(review: dict[str, Any], name: str) -> bool | None:
    v = review.get(name)
    return None if v is None else bool(v)


def parameter_effect(
    reviews: Iterable[dict[str, Any]], key: str, *, bins: int = 12
) -> ParameterEffect:
    """The answers against the parameter ``key`` (e.g. ``"background_noise.snr_db"``).

    Uses the reviews that have a value for ``key`` and both answers. Each answer (``clear``,
    ``realistic``, ``both``) gets a logistic fit (None with fewer than 3 such reviews or a single
    distinct value), observed shares in up to ``bins`` quantile bins, and its 50% and 80%
    crossings inside the observed range.
    """
    ParamKey.parse(key)  # a ParameterError for a malformed key
    xs, answers = [], {name: [] for name in FIT_ITEMS}
    found = False
    for r in reviews:
        value = _numeric_params(r).get(key)
        found = found or value is not None
        clear, realistic = _answer(r, "clear"), _answer(r, "realistic")
        if value is None or clear is None or realistic is None:
            continue
        xs.append(value)
        answers["clear"].append(clear)
        answers["realistic"].append(realistic)
        answers["both"].append(verdict_for(realistic, clear) == ACCEPT)
    if not found:
        raise ParameterError(f"no review has a numeric value for {key!r}")
    x = np.array(xs, dtype=float)
    arrays = {name: np.array(v, dtype=bool) for name, v in answers.items()}
    fits: dict[str, LogisticFit | None] = {}
    crossings: dict[str, dict[float, float | None]] = {}
    for name, y in arrays.items():
        try:
            fit: LogisticFit | None = fit_logistic(x, y)
        except ParameterError:
            fit = None
        fits[name] = fit
        crossings[name] = {p: _crossing_in_range(fit, p) for p in CROSSING_LEVELS}
    bins_out = {name: binned_shares(x, y, bins=bins) for name, y in arrays.items()}
    for a in (x, *arrays.values()):
        a.setflags(write=False)
    return ParameterEffect(key, x, arrays, fits, bins_out, crossings)


def _crossing_in_range(fit: LogisticFit | None, p: float) -> float | None:
    if fit is None:
        return None
    c = fit.crossing(p)
    return c if c is not None and fit.x_min <= c <= fit.x_max else None


# --- suggestions ------------------------------------------------------------------------------
def _parse_key(key: str) -> tuple[str, int, Param]:
    """``"<step>#2.<param>"`` -> ``("<step>", 1, <the step's Param>)``."""
    k = ParamKey.parse(key)
    step, param = k.step, k.param
    if step not in STEPS:
        raise ParameterError(f"key={key!r}: unknown step {step!r} (known: {', '.join(STEPS)})")
    try:
        spec = STEPS[step].param(param)
    except KeyError:
        raise ParameterError(f"key={key!r}: {step} has no parameter {param!r}") from None
    if not isinstance(spec, Param):
        raise ParameterError(f"key={key!r}: {step}.{param} is a choice, not a number")
    return step, k.occurrence - 1, spec


def _range(value: Any, what: str) -> tuple[float, float]:
    if (
        isinstance(value, (list, tuple, np.ndarray))
        and len(value) == 2
        and all(_is_number(v) for v in value)
    ):
        lo, hi = (float(v) for v in value)
    elif _is_number(value):
        lo = hi = float(value)
    else:
        raise ParameterError(f"{what}={value!r} must be a number or [low, high]")
    if lo > hi:
        raise ParameterError(f"{what}=[{lo:g}, {hi:g}]: low is above high")
    return lo, hi


def _tidy(v: float, step: float) -> float:
    decimals = max(0, -math.floor(math.log10(step))) + 3
    return float(round(v, decimals))


def suggest_range(
    effect: ParameterEffect,
    current: float | Sequence[float],
    *,
    target: float = 0.8,
    answer: str = "both",
    grid: int = 1001,
) -> tuple[float, float] | None:
    """The part of the ``current`` range where the fitted share of ``answer`` is >= ``target``.

    By default the share of accepts (clear *and* realistic). Evaluated on ``grid`` points from
    low to high, so it works for rising and falling fits alike; None if no point qualifies.
    Ends inside the range are rounded inwards to the parameter's slider step (0.5 dB for
    ``snr_db``; 0.1 for an unknown key), ends at the range's edge are kept as they are. The fit
    is a point estimate: with few reviews, look at ``effect.fits[answer].band`` too.
    """
    if answer not in FIT_ITEMS:
        raise ParameterError(f"answer={answer!r} is not one of {', '.join(FIT_ITEMS)}")
    check_share(target)
    if check_whole("grid", grid) < 2:
        raise ParameterError(f"grid={grid} must be at least 2")
    lo, hi = _range(current, "current")
    fit = effect.fits.get(answer)
    if fit is None:
        raise ParameterError(
            f"no fit of {answer!r} for {effect.key}: it needs at least 3 reviews and 2 distinct "
            f"values (have {effect.n} reviews)"
        )
    xs = np.linspace(lo, hi, grid)
    ok = np.asarray(fit.predict(xs)) >= target
    if not ok.any():
        return None
    first, last = int(np.argmax(ok)), int(grid - 1 - np.argmax(ok[::-1]))
    try:
        step = float(_parse_key(effect.key)[2].step)
    except ParameterError:
        step = 0.1
    new_lo = lo if first == 0 else math.ceil(xs[first] / step - 1e-9) * step
    new_hi = hi if last == grid - 1 else math.floor(xs[last] / step + 1e-9) * step
    if new_lo > new_hi:  # the qualifying part is narrower than one step: round to nearest
        new_lo = new_hi = min(max(round(xs[first] / step) * step, lo), hi)
    return _tidy(new_lo, step), _tidy(new_hi, step)


def suggested_recipe(recipe: Recipe, key: str, new_range: float | Sequence[float]) -> Recipe:
    """A copy of ``recipe`` with the range of ``key``'s parameter replaced by ``new_range``.

    ``key`` is ``<step>.<param>`` (the step's first occurrence) or ``<step>#2.<param>`` (the
    second). The name gets the new range appended (replacing an earlier such suffix for the
    same parameter); the id follows from the new steps.
    """
    _, _, spec = _parse_key(key)
    if new_range is None:
        raise ParameterError(f"no range to put into {key}: nothing qualified")
    lo, hi = _range(new_range, "new_range")
    base = re.sub(rf"\s*\({re.escape(spec.name)} [^()]*\)$", "", recipe.name)
    text = f"{lo:g}" if lo == hi else f"{lo:g}..{hi:g}"
    return recipe.with_setting(key, [lo, hi], name=f"{base} ({spec.name} {text})".strip())


__all__ = [
    "BinnedShare",
    "LogisticFit",
    "ParameterEffect",
    "binned_shares",
    "fit_logistic",
    "parameter_effect",
    "suggest_range",
    "suggested_recipe",
    "varied_parameters",
    "wilson_interval",
]


# --- humans against numbers ---------------------------------------------------------------------
#: The objective figures a human "clear" answer is compared with, and how to read each as an
#: "expected clear" between 0 and 1.
METRICS = {
    "stoi": ("STOI", lambda m: (m.get("hints") or {}).get("stoi"), lambda v: v),
    "wer": (
        "model WER",
        lambda m: (m.get("model") or {}).get("wer_augmented"),
        lambda v: 1.0 - min(v, 1.0),
    ),
}


def human_vs_metric(
    reviews: Sequence[dict[str, Any]], metric: str, *, top: int = 5
) -> dict[str, Any]:
    """How human "clear" answers line up with an objective figure (``"stoi"`` or ``"wer"``).

    Returns ``x`` (the figure per review that has it), ``clear`` (0/1), ``reviews`` (those
    reviews), ``fit`` (logistic fit of clear on the figure, or None), ``bins`` and
    ``disagreements``: the ``top`` reviews where the answer is furthest from what the figure
    suggests (``|clear - expected|``, expected = STOI, or 1 - WER capped at 1), largest first.
    """
    if metric not in METRICS:
        raise ParameterError(f"metric={metric!r} is not one of {', '.join(METRICS)}")
    _, get, expected = METRICS[metric]
    kept = [
        r for r in reviews if _is_number(get(r.get("metrics") or {})) and r.get("clear") is not None
    ]
    x = np.array([float(get(r["metrics"])) for r in kept])
    clear = np.array([1.0 if r["clear"] else 0.0 for r in kept])
    fit = None
    if len(kept) >= 3 and len(np.unique(x)) >= 2:
        fit = fit_logistic(x, clear)
    gap = np.abs(clear - np.array([expected(v) for v in x])) if len(kept) else np.array([])
    order = np.argsort(-gap, kind="stable")[:top]
    return {
        "x": x,
        "clear": clear,
        "reviews": kept,
        "fit": fit,
        "bins": binned_shares(x, clear) if len(kept) else (),
        "disagreements": [
            {"review": kept[i], "value": float(x[i]), "gap": round(float(gap[i]), 3)} for i in order
        ],
    }
