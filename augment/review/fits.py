"""Shares with their intervals, and a one-parameter logistic regression with its uncertainty.

The numbers behind the Recipes page's fits (see :mod:`augment.review.stats`): Wilson's score
interval for a share, and :func:`fit_logistic` (Newton/IRLS with a tiny ridge so perfectly
separated answers still give a finite fit) with a delta-method band on the logit scale and
Fieller intervals for the crossings.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from statistics import NormalDist
from typing import Any

import numpy as np

from augment.errors import ParameterError

#: Ridge penalty of :func:`fit_logistic`, on the coefficients of the standardised parameter.
RIDGE = 1e-3


# --- shares -------------------------------------------------------------------------------
# numpy versions of scipy.special's expit and logit: importing scipy.stats/special costs about
# 1.5 s of the Recipes page's first render, for two one-line functions
def expit(x):
    x = np.asarray(x, dtype=np.float64)
    return np.exp(-np.logaddexp(0.0, -x))


def logit(p):
    p = np.asarray(p, dtype=np.float64)
    return np.log(p) - np.log1p(-p)


def _z(level: float, what: str = "level") -> float:
    if isinstance(level, bool) or not isinstance(level, (int, float)) or not 0 < level < 1:
        raise ParameterError(f"{what}={level!r} must be a number between 0 and 1 (exclusive)")
    return float(NormalDist().inv_cdf(0.5 + level / 2.0))


def check_whole(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ParameterError(f"{name}={value!r} must be a whole number")
    return int(value)


def wilson_interval(successes: int, n: int, *, confidence: float = 0.95) -> tuple[float, float]:
    """The Wilson score interval of a share ``successes / n``.

    Unlike the normal-approximation interval it stays inside [0, 1] and is sensible for 0/n and
    n/n. With no trials at all it is the whole of ``(0.0, 1.0)``.
    """
    k = check_whole("successes", successes)
    n = check_whole("n", n)
    z = _z(confidence, "confidence")
    if n < 0:
        raise ParameterError(f"n={n} must not be negative")
    if not 0 <= k <= n:
        raise ParameterError(f"successes={k} must be between 0 and n={n}")
    if n == 0:
        return 0.0, 1.0
    p = k / n
    z2n = z * z / n
    centre = (p + z2n / 2.0) / (1.0 + z2n)
    half = z / (1.0 + z2n) * math.sqrt(p * (1.0 - p) / n + z2n / (4.0 * n))
    lo = 0.0 if k == 0 else max(0.0, centre - half)
    hi = 1.0 if k == n else min(1.0, centre + half)
    return lo, hi


# --- logistic regression ------------------------------------------------------------------
def _scalar_or_array(values: np.ndarray, like: Any) -> float | np.ndarray:
    return float(values) if np.ndim(like) == 0 else values


@dataclass(frozen=True)
class LogisticFit:
    """``p(x) = sigmoid(intercept + slope * x)`` with the covariance of the two coefficients.

    ``cov`` is the inverse of the (penalised) Hessian of the negative log-likelihood at the fit,
    in the order (intercept, slope). ``x_min``/``x_max`` is the range the data covered: outside
    it every figure is an extrapolation.
    """

    intercept: float
    slope: float
    cov: np.ndarray = field(repr=False, compare=False)
    n: int
    x_min: float
    x_max: float

    def _eta_se(self, x: Any) -> tuple[np.ndarray, np.ndarray]:
        x = np.asarray(x, dtype=float)
        eta = self.intercept + self.slope * x
        var = self.cov[0, 0] + 2.0 * x * self.cov[0, 1] + x * x * self.cov[1, 1]
        return eta, np.sqrt(np.maximum(var, 0.0))

    def predict(self, x: Any) -> float | np.ndarray:
        """The fitted share at ``x`` (a float for a number, an array for an array)."""
        eta = self.intercept + self.slope * np.asarray(x, dtype=float)
        return _scalar_or_array(expit(eta), x)

    def band(self, x: Any, *, level: float = 0.95) -> tuple[Any, Any]:
        """Pointwise confidence band ``(lo, hi)`` of the fitted share at ``x``.

        Delta method on the logit scale (``se(a + b x)`` from ``cov``), then mapped through the
        sigmoid, so the band stays inside [0, 1] and is asymmetric near its ends.
        """
        z = _z(level)
        eta, se = self._eta_se(x)
        return _scalar_or_array(expit(eta - z * se), x), _scalar_or_array(expit(eta + z * se), x)

    def _flat(self) -> bool:
        # "~0": the fitted logit changes by less than 1e-9 across the data's range.
        return abs(self.slope) * max(self.x_max - self.x_min, 1e-300) < 1e-9

    def crossing(self, p: float) -> float | None:
        """The ``x`` where the fitted share equals ``p`` (maybe outside the data); None if flat."""
        target = float(logit(check_share(p)))
        if self._flat():
            return None
        return (target - self.intercept) / self.slope

    def crossing_interval(self, p: float, *, level: float = 0.95) -> tuple[float, float] | None:
        """Fieller confidence interval of :meth:`crossing`.

        The crossing is a ratio, ``(logit(p) - a) / b``; Fieller's interval is the set of ``x``
        where ``a + b x - logit(p)`` is not significantly different from 0, i.e. the roots of
        ``(a + b x - L)^2 = z^2 var(a + b x)``. It is asymmetric where it should be, and it is
        unbounded when the slope itself is not significantly different from 0; then this returns
        None (as it does for a flat fit).
        """
        target = float(logit(check_share(p)))
        z = _z(level)
        if self._flat():
            return None
        (vaa, vab), (_, vbb) = self.cov
        d = self.intercept - target
        b = self.slope
        qa = b * b - z * z * vbb
        qb = 2.0 * (d * b - z * z * vab)
        qc = d * d - z * z * vaa
        if qa <= 0:
            return None
        disc = qb * qb - 4.0 * qa * qc
        root = math.sqrt(max(disc, 0.0))
        lo, hi = (-qb - root) / (2.0 * qa), (-qb + root) / (2.0 * qa)
        return float(lo), float(hi)


def check_share(p: Any) -> float:
    if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0 < p < 1:
        raise ParameterError(f"p={p!r} must be a share between 0 and 1 (exclusive)")
    return float(p)


def fit_logistic(x: Any, y: Any, *, ridge: float = RIDGE) -> LogisticFit:
    """Logistic regression of a yes/no answer ``y`` on one number ``x``, with uncertainty.

    Newton's method (IRLS) with step halving, written out in numpy: scikit-learn's
    ``LogisticRegression`` gives no coefficient covariance and statsmodels is not a dependency.

    ``x`` is standardised internally and a ridge penalty ``ridge / 2 * (a^2 + b^2)`` is put on
    the standardised intercept and slope. It is tiny (1e-3 against a Hessian of order
    ``n / 4``), so it changes ordinary fits by far less than their standard error, but it keeps
    the fit finite when the answers are perfectly separated by ``x`` (all "no" below some value,
    all "yes" above) or all the same, where the maximum-likelihood slope or intercept would be
    infinite. ``cov`` is the inverse of the penalised Hessian; for separated data it is large,
    as it should be.

    Needs at least 3 points and 2 distinct ``x`` values; ``y`` must be booleans or 0/1.
    """
    xa = np.asarray(x, dtype=float).ravel()
    ya_raw = np.asarray(y).ravel()
    if xa.size != ya_raw.size:
        raise ParameterError(f"x has {xa.size} values but y has {ya_raw.size}")
    if not np.all(np.isfinite(xa)):
        raise ParameterError("x must hold finite numbers only (drop the NaN/Inf rows first)")
    try:
        ya = ya_raw.astype(float)
    except (TypeError, ValueError):
        ya = np.full(ya_raw.shape, np.nan)
    binary = (ya == 0) | (ya == 1)
    if not np.all(binary):
        bad = ya_raw[~binary][0]
        bad = bad.item() if isinstance(bad, np.generic) else bad
        raise ParameterError(f"y={bad!r} is not a yes/no answer (use booleans or 0/1)")
    if xa.size < 3:
        raise ParameterError(f"a logistic fit needs at least 3 answers, got {xa.size}")
    if np.unique(xa).size < 2:
        raise ParameterError(
            f"a logistic fit needs at least 2 distinct x values, all {xa.size} are {xa[0]:g}"
        )
    if isinstance(ridge, bool) or not isinstance(ridge, (int, float)) or not ridge > 0:
        raise ParameterError(f"ridge={ridge!r} must be a positive number")

    centre, scale = float(xa.mean()), float(xa.std())
    design = np.column_stack([np.ones_like(xa), (xa - centre) / scale])
    penalty = float(ridge) * np.eye(2)

    def objective(beta: np.ndarray) -> float:
        eta = design @ beta
        return float(np.sum(np.logaddexp(0.0, eta) - ya * eta) + 0.5 * beta @ penalty @ beta)

    beta = np.zeros(2)
    value = objective(beta)
    for _ in range(200):
        p = expit(design @ beta)
        grad = design.T @ (p - ya) + penalty @ beta
        hess = design.T @ (design * (p * (1.0 - p))[:, None]) + penalty
        step = np.linalg.solve(hess, grad)
        t = 1.0
        while t >= 1e-10:
            candidate = beta - t * step
            new_value = objective(candidate)
            if new_value <= value:
                break
            t /= 2.0
        else:
            break  # no step lowers the objective: at the optimum, to rounding
        beta, value = candidate, new_value
        if np.max(np.abs(t * step)) < 1e-10:
            break
    p = expit(design @ beta)
    hess = design.T @ (design * (p * (1.0 - p))[:, None]) + penalty
    cov_std = np.linalg.inv(hess)
    # Back to the units of x: (intercept, slope) = T @ (a, b).
    to_x = np.array([[1.0, -centre / scale], [0.0, 1.0 / scale]])
    intercept, slope = to_x @ beta
    cov = to_x @ cov_std @ to_x.T
    cov = (cov + cov.T) / 2.0
    cov.setflags(write=False)
    return LogisticFit(
        intercept=float(intercept),
        slope=float(slope),
        cov=cov,
        n=int(xa.size),
        x_min=float(xa.min()),
        x_max=float(xa.max()),
    )
