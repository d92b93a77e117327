"""augment.review.stats: Wilson intervals, logistic fit and its uncertainty, effects, suggestions.

The fit is checked against answers simulated from a known curve. Its sampling error is real, so
the thresholds below come from that error, worked out in advance, not from the code's output:
for 200 answers with x uniform on [-10, 30] dB and p = sigmoid((x - 5) / 2), about 10 reviews
fall in the transition, Var(x50) ~ 1 / (sum p(1-p) * slope^2) = 1 / (10 * 0.25), so the 50%
crossing has a standard error of about 0.63 dB and lands within 1 dB only ~85-89% of the time.
"20 seeds out of 20 within 1 dB" would then fail for a correct fit ~90% of the time, so with
200 answers the tests count seeds against binomial limits (each chosen so a correct fit fails
with probability below 1%), and the strict "every seed within 1 dB" is checked with 2000 answers
(standard error ~0.2 dB).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from scipy import optimize, stats

from augment.errors import ParameterError
from augment.recipe import Recipe
from augment.review.stats import (
    LogisticFit,
    ParameterEffect,
    binned_shares,
    fit_logistic,
    parameter_effect,
    suggest_range,
    suggested_recipe,
    varied_parameters,
    wilson_interval,
)

SEEDS = range(20)
X50 = 5.0
WIDTH = 2.0
X80 = X50 + WIDTH * math.log(4.0)  # sigmoid((x - 5) / 2) = 0.8  <=>  x = 5 + 2 ln 4 = 7.77


def true_p(x):
    return 1.0 / (1.0 + np.exp(-(np.asarray(x, dtype=float) - X50) / WIDTH))


def simulate(seed: int, n: int = 200) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.uniform(-10.0, 30.0, n)
    return x, rng.random(n) < true_p(x)


# --- Wilson -------------------------------------------------------------------------------
def test_wilson_matches_hand_computed_values():
    # z = 1.96, z^2/n = 0.38416: centre (0.8 + 0.19208) / 1.38416 = 0.71674,
    # half 1.96 / 1.38416 * sqrt(0.016 + 0.009604) = 0.22658.
    assert wilson_interval(8, 10) == pytest.approx((0.49016, 0.94332), abs=2e-4)
    # p = 0: centre = half = 0.19208 / 1.38416, the interval is [0, 2 * 0.13877].
    assert wilson_interval(0, 10) == pytest.approx((0.0, 0.27753), abs=2e-4)
    assert wilson_interval(10, 10) == pytest.approx((0.72247, 1.0), abs=2e-4)
    assert wilson_interval(0, 10)[0] == 0.0 and wilson_interval(10, 10)[1] == 1.0
    assert wilson_interval(0, 0) == (0.0, 1.0)


@pytest.mark.parametrize("k,n", [(0, 1), (1, 1), (1, 3), (5, 7), (17, 40), (199, 200)])
@pytest.mark.parametrize("confidence", [0.8, 0.95, 0.99])
def test_wilson_agrees_with_scipy(k, n, confidence):
    ref = stats.binomtest(k, n).proportion_ci(confidence_level=confidence, method="wilson")
    assert wilson_interval(k, n, confidence=confidence) == pytest.approx(
        (ref.low, ref.high), abs=1e-9
    )


def test_wilson_narrows_with_lower_confidence_and_more_data():
    lo95, hi95 = wilson_interval(30, 60)
    lo80, hi80 = wilson_interval(30, 60, confidence=0.8)
    assert lo95 < lo80 < 0.5 < hi80 < hi95
    assert wilson_interval(300, 600)[1] - wilson_interval(300, 600)[0] < hi95 - lo95


@pytest.mark.parametrize(
    "args,kwargs,word",
    [
        ((11, 10), {}, "successes=11"),
        ((-1, 10), {}, "successes=-1"),
        ((1, -1), {}, "n=-1"),
        ((2.5, 10), {}, "successes=2.5"),
        ((True, 10), {}, "successes=True"),
        ((1, 10), {"confidence": 1.0}, "confidence=1.0"),
        ((1, 10), {"confidence": 0}, "confidence=0"),
        ((1, 10), {"confidence": "95%"}, "confidence='95%'"),
    ],
)
def test_wilson_refuses_bad_values(args, kwargs, word):
    with pytest.raises(ParameterError, match=word.replace("(", r"\(")) as info:
        wilson_interval(*args, **kwargs)
    assert "\n" not in str(info.value)


# --- the logistic fit ---------------------------------------------------------------------
def test_fit_is_the_maximum_likelihood_fit_with_its_inverse_hessian():
    x, y = simulate(0)
    fit = fit_logistic(x, y)
    design = np.column_stack([np.ones_like(x), x])

    def nll(beta):
        eta = design @ beta
        return np.sum(np.logaddexp(0.0, eta) - y * eta)

    ref = optimize.minimize(
        nll,
        np.zeros(2),
        method="Nelder-Mead",
        options={"xatol": 1e-9, "fatol": 1e-12, "maxiter": 20000},
    )
    # The tiny ridge moves the estimate by far less than its standard error.
    assert fit.intercept == pytest.approx(ref.x[0], rel=2e-3)
    assert fit.slope == pytest.approx(ref.x[1], rel=2e-3)
    w = 1.0 / (1.0 + np.exp(-design @ ref.x))
    info = design.T @ (design * (w * (1 - w))[:, None])
    assert np.allclose(fit.cov, np.linalg.inv(info), rtol=1e-2)
    assert (fit.n, fit.x_min, fit.x_max) == (200, x.min(), x.max())


def test_fit_recovers_the_50_percent_crossing():
    crossings = np.array([fit_logistic(*simulate(seed)).crossing(0.5) for seed in SEEDS])
    errors = np.abs(crossings - X50)
    # within 1 dB with probability ~0.85 each: P(fewer than 14 of 20) < 1%
    assert np.sum(errors < 1.0) >= 14, errors.round(2)
    assert np.all(errors < 2.5), errors.round(2)  # 2.5 dB is ~4 standard errors
    assert abs(crossings.mean() - X50) < 0.5  # the mean of 20 has a standard error of ~0.15


def test_fit_recovers_the_crossings_within_1_db_with_2000_answers():
    fits = [fit_logistic(*simulate(100 + seed, n=2000)) for seed in SEEDS]
    assert all(abs(f.crossing(0.5) - X50) < 1.0 for f in fits)
    assert all(abs(f.crossing(0.8) - X80) < 1.0 for f in fits)


def test_fit_recovers_the_80_percent_crossing():
    crossings = np.array([fit_logistic(*simulate(seed)).crossing(0.8) for seed in SEEDS])
    errors = np.abs(crossings - X80)
    # standard error ~0.8 dB: within 1.5 dB ~93% of the time, P(fewer than 15 of 20) ~1%
    assert np.sum(errors < 1.5) >= 15, errors.round(2)
    assert abs(crossings.mean() - X80) < 0.75


def test_crossing_interval_covers_the_true_threshold():
    covered = 0
    for seed in SEEDS:
        fit = fit_logistic(*simulate(seed))
        lo, hi = fit.crossing_interval(0.5)
        assert lo < fit.crossing(0.5) < hi
        lo80, hi80 = fit.crossing_interval(0.5, level=0.8)
        assert lo < lo80 < hi80 < hi
        covered += lo <= X50 <= hi
    # a 95% interval: P(16 or fewer of 20) < 1%
    assert covered >= 17


def test_reported_slope_error_matches_its_spread_over_repeats():
    fits = [fit_logistic(*simulate(1000 + seed)) for seed in range(200)]
    slopes = np.array([f.slope for f in fits])
    q25, q75 = np.percentile(slopes, [25, 75])
    spread = (q75 - q25) / 1.349  # robust: the slope's sampling distribution is skewed
    reported = np.median([math.sqrt(f.cov[1, 1]) for f in fits])
    assert reported == pytest.approx(spread, rel=0.2)
    assert np.median(slopes) == pytest.approx(1.0 / WIDTH, rel=0.1)


def test_band_contains_the_true_curve_at_most_points():
    grid = np.linspace(-10.0, 30.0, 201)
    inside = []
    for seed in SEEDS:
        fit = fit_logistic(*simulate(seed))
        lo, hi = fit.band(grid)
        p = fit.predict(grid)
        assert np.all(lo <= p) and np.all(p <= hi)
        assert np.all(0.0 <= lo) and np.all(hi <= 1.0)
        wide_lo, wide_hi = fit.band(grid, level=0.99)
        assert np.all(wide_lo <= lo) and np.all(hi <= wide_hi)
        inside.append(np.mean((lo <= true_p(grid)) & (true_p(grid) <= hi)))
    # pointwise 95%: on average ~95% of the grid; 85% leaves room for seed-to-seed swings
    assert np.mean(inside) >= 0.85, np.round(inside, 2)


def test_band_is_the_delta_method_on_the_logit_scale():
    fit = fit_logistic(*simulate(2))
    z = 1.959964
    for x in (-10.0, 0.0, 5.0, 30.0):
        g = np.array([1.0, x])  # d(a + b x) / d(a, b)
        se = math.sqrt(g @ fit.cov @ g)
        eta = fit.intercept + fit.slope * x
        expected = (1 / (1 + math.exp(-(eta - z * se))), 1 / (1 + math.exp(-(eta + z * se))))
        assert fit.band(x) == pytest.approx(expected, rel=1e-6)
    # narrowest (on the logit scale) where the answers change, i.e. near the 50% crossing
    grid = np.linspace(-5.0, 15.0, 201)  # inside this the band stays clear of 0 and 1
    lo, hi = fit.band(grid)
    width = np.log(hi / (1 - hi)) - np.log(lo / (1 - lo))
    assert abs(grid[np.argmin(width)] - X50) < 3.0


def test_predict_and_band_take_numbers_and_arrays():
    fit = fit_logistic(*simulate(3))
    assert isinstance(fit.predict(5.0), float)
    assert fit.predict(np.array([5.0])).shape == (1,)
    lo, hi = fit.band(5.0)
    assert isinstance(lo, float) and lo < fit.predict(5.0) < hi


def test_separated_answers_give_a_finite_fit():
    x = np.arange(10.0)
    fit = fit_logistic(x, x >= 5)
    assert np.isfinite([fit.intercept, fit.slope]).all() and np.isfinite(fit.cov).all()
    assert fit.slope > 0
    assert 4.0 < fit.crossing(0.5) < 5.0
    assert fit.predict(0.0) < 0.05 and fit.predict(9.0) > 0.95
    flipped = fit_logistic(x, x < 5)
    assert flipped.slope < 0 and 4.0 < flipped.crossing(0.5) < 5.0


def test_all_the_same_answer_is_flat_and_has_no_crossing():
    fit = fit_logistic(np.arange(10.0), np.ones(10, dtype=bool))
    assert np.isfinite(fit.intercept) and fit.predict(4.5) > 0.9
    assert fit.crossing(0.5) is None and fit.crossing_interval(0.5) is None


def test_crossing_interval_is_none_when_the_slope_is_not_significant():
    rng = np.random.default_rng(7)
    x = rng.uniform(0, 1, 30)
    fit = fit_logistic(x, rng.random(30) < 0.5)
    assert abs(fit.slope) < 1.96 * math.sqrt(fit.cov[1, 1])
    assert fit.crossing_interval(0.5) is None


@pytest.mark.parametrize(
    "x,y,word",
    [
        ([1.0, 2.0], [0, 1], "at least 3"),
        ([], [], "at least 3"),
        ([2.0, 2.0, 2.0, 2.0], [0, 1, 0, 1], "2 distinct"),
        ([1.0, 2.0, 3.0], [0, 1], "y has 2"),
        ([1.0, np.nan, 3.0], [0, 1, 1], "finite"),
        ([1.0, 2.0, 3.0], [0, 2, 1], "y=2 "),
        ([1.0, 2.0, 3.0], ["yes", "no", "no"], "y='yes'"),
    ],
)
def test_fit_refuses_what_it_cannot_fit(x, y, word):
    with pytest.raises(ParameterError, match=word):
        fit_logistic(x, y)


def test_crossing_refuses_a_share_outside_0_1():
    fit = fit_logistic(*simulate(0))
    with pytest.raises(ParameterError, match="p=1.2"):
        fit.crossing(1.2)
    with pytest.raises(ParameterError, match="level=95"):
        fit.band(0.0, level=95)


# --- parameters in reviews ----------------------------------------------------------------
def review(params, clear=True, realistic=True, **extra):
    return {
        "id": extra.pop("id", 0),
        "params": params,
        "clear": clear,
        "realistic": realistic,
        **extra,
    }


def noise_step(snr, offset=1.0):
    return {
        "step": "background_noise",
        "snr_db": snr,
        "noise": "ab12",
        "noise_name": "cafe.ogg",
        "offset_s": offset,
    }


def test_varied_parameters_from_hand_built_reviews():
    reviews = [
        review(
            [
                noise_step(5.0, 0.1),
                {"step": "gain", "gain_db": -3.0},
                {"step": "reverb", "room": "synthetic", "rt60_s": 0.5, "wet": 0.2, "ir_seed": 11},
            ]
        ),
        review(
            [
                noise_step(12.5, 2.2),
                {"step": "gain", "gain_db": -3.0},
                {"step": "reverb", "room": "synthetic", "rt60_s": 0.5, "wet": 0.4, "ir_seed": 99},
                noise_step(30.0),
            ]
        ),
        review([noise_step(20.0, 0.7), {"step": "gain", "gain_db": -3.0}, noise_step(40.0)]),
        review([{"step": "gain", "gain_db": -3.0, "flag": True}]),
    ]
    varied = varied_parameters(reviews)
    assert set(varied) == {"background_noise.snr_db", "reverb.wet", "background_noise#2.snr_db"}
    np.testing.assert_array_equal(varied["background_noise.snr_db"], [5.0, 12.5, 20.0, np.nan])
    np.testing.assert_array_equal(varied["reverb.wet"], [0.2, 0.4, np.nan, np.nan])
    np.testing.assert_array_equal(varied["background_noise#2.snr_db"], [np.nan, 30.0, 40.0, np.nan])
    assert varied_parameters([]) == {}
    assert varied_parameters(reviews[:1]) == {}


def simulated_reviews(seed, n=200, p_realistic=0.9):
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        snr = float(rng.uniform(-10.0, 30.0))
        out.append(
            review(
                [noise_step(snr, float(rng.uniform(0, 3))), {"step": "gain", "gain_db": -3.0}],
                clear=bool(rng.random() < true_p(snr)),
                realistic=bool(rng.random() < p_realistic),
                id=i,
            )
        )
    return out


def test_parameter_effect_on_simulated_reviews():
    reviews = simulated_reviews(42, n=400)
    reviews.append(review([{"step": "gain", "gain_db": -3.0}]))  # without the key: left out
    reviews.append(review([noise_step(3.0)], clear=None))  # unanswered: left out
    effect = parameter_effect(reviews, "background_noise.snr_db")
    assert effect.n == 400
    x = np.array([r["params"][0]["snr_db"] for r in reviews[:400]])
    np.testing.assert_array_equal(effect.x, x)
    np.testing.assert_array_equal(effect.clear, [r["clear"] for r in reviews[:400]])
    np.testing.assert_array_equal(effect.both, effect.clear & effect.realistic)
    assert all(effect.fits[a] is not None for a in ("clear", "realistic", "both"))
    # n = 400: the crossing's standard error is ~0.45 dB, so 1.5 dB is over 3 of them
    assert effect.crossings["clear"][0.5] == pytest.approx(X50, abs=1.5)
    assert effect.crossings["clear"][0.8] == pytest.approx(X80, abs=1.5)
    assert effect.crossings["realistic"][0.5] is None  # ~0.9 everywhere: never 50% in range
    for answer, bins in effect.bins.items():
        assert 0 < len(bins) <= 12  # parameter_effect draws up to 12 bins
        assert sum(b.n for b in bins) == 400
        assert sum(b.successes for b in bins) == int(effect.answers[answer].sum())
        assert all(b.ci_low <= b.share <= b.ci_high for b in bins)
        assert all(a.high <= b.low for a, b in zip(bins, bins[1:], strict=False))
    shares = [b.share for b in effect.bins["clear"]]
    assert shares[0] < 0.2 and shares[-1] > 0.9


def test_parameter_effect_with_too_few_reviews_has_no_fits():
    effect = parameter_effect(simulated_reviews(1, n=2), "background_noise.snr_db")
    assert effect.fits == {"clear": None, "realistic": None, "both": None}
    assert effect.crossings["clear"] == {0.5: None, 0.8: None}
    with pytest.raises(ParameterError, match="no review has"):
        parameter_effect(simulated_reviews(1, n=5), "background_noise#2.snr_db")
    with pytest.raises(ParameterError, match="key='snr'"):
        parameter_effect([], "snr")


def test_binned_shares_by_hand():
    x = [0.0] * 5 + [1.0] * 5 + [2.0] * 5
    y = [1, 0, 0, 0, 0] + [1, 1, 1, 0, 0] + [1] * 5
    bins = binned_shares(x, y, bins=12)  # as parameter_effect asks
    assert [(b.centre, b.n, b.successes, b.share) for b in bins] == [
        (0.0, 5, 1, 0.2),
        (1.0, 5, 3, 0.6),
        (2.0, 5, 5, 1.0),
    ]
    ref = stats.binomtest(3, 5).proportion_ci(method="wilson")
    assert (bins[1].ci_low, bins[1].ci_high) == pytest.approx((ref.low, ref.high))
    # many distinct values: quantile bins of about equal size, at most 8
    many = binned_shares(np.arange(100.0), np.arange(100) % 2 == 0)
    assert [b.n for b in many] == [13, 12, 13, 12, 12, 13, 12, 13]
    assert len(binned_shares(np.arange(12.0), np.ones(12))) == 2  # ~5 per bin


# --- suggestions ----------------------------------------------------------------------------
def effect_with_fit(key, intercept, slope, x_min=-10.0, x_max=30.0):
    fit = LogisticFit(intercept, slope, np.eye(2) * 1e-4, 100, x_min, x_max)
    empty = np.array([])
    return ParameterEffect(key, empty, {}, {"clear": fit, "realistic": fit, "both": fit}, {}, {})


def test_suggest_range_by_hand():
    key = "background_noise.snr_db"
    # p = sigmoid(0.5 x - 2.5) >= 0.8  <=>  x >= 5 + 2 ln 4 = 7.77, rounded up to the 0.5 dB step
    assert suggest_range(effect_with_fit(key, -2.5, 0.5), [-10, 30]) == (8.0, 30.0)
    assert suggest_range(effect_with_fit(key, -2.5, 0.5), [0, 20.3]) == (8.0, 20.3)
    # falling: x <= 5 - 2 ln 4 = 2.23, rounded down to 2.0
    assert suggest_range(effect_with_fit(key, 2.5, -0.5), [-10, 30]) == (-10.0, 2.0)
    # p >= 0.9 <=> x >= 5 + 2 ln 9 = 9.39 -> 9.5
    assert suggest_range(effect_with_fit(key, -2.5, 0.5), [0, 20], target=0.9) == (9.5, 20.0)
    # reverb.wet moves in steps of 0.05: x <= 0.5 - 0.08 ln 4 = 0.389 -> 0.35
    assert suggest_range(effect_with_fit("reverb.wet", 6.25, -12.5), [0, 1]) == (0.0, 0.35)
    # all of it, a fixed value, nothing
    assert suggest_range(effect_with_fit(key, 10.0, 0.1), [-10, 30]) == (-10.0, 30.0)
    assert suggest_range(effect_with_fit(key, -2.5, 0.5), 12.0) == (12.0, 12.0)
    assert suggest_range(effect_with_fit(key, -2.5, 0.5), 6.0) is None
    assert suggest_range(effect_with_fit(key, 0.0, 0.001), [-10, 30]) is None


def test_suggest_range_on_a_simulated_effect():
    # clear ~ sigmoid((x - 5) / 2), always realistic: the accepts follow the clear curve
    effect = parameter_effect(
        simulated_reviews(5, n=1000, p_realistic=1.0), "background_noise.snr_db"
    )
    lo, hi = suggest_range(effect, [-10, 30])
    assert hi == 30.0
    assert lo == pytest.approx(X80, abs=1.0)  # 1000 answers: standard error ~0.35 dB
    assert lo * 2 == round(lo * 2)  # on the 0.5 dB slider step
    assert suggest_range(effect, [-10, 0]) is None  # p(0 dB) ~ 0.08


def test_suggest_range_none_when_nothing_reaches_target():
    # accepts never above ~50%: realistic only half the time
    effect = parameter_effect(
        simulated_reviews(6, n=400, p_realistic=0.5), "background_noise.snr_db"
    )
    assert suggest_range(effect, [-10, 30]) is None
    assert suggest_range(effect, [-10, 30], answer="clear") is not None


def test_suggest_range_refuses_bad_input():
    effect = effect_with_fit("background_noise.snr_db", -2.5, 0.5)
    with pytest.raises(ParameterError, match=r"current=\[20.0, 10.0\]|low is above high"):
        suggest_range(effect, [20.0, 10.0])
    with pytest.raises(ParameterError, match="p=1.5"):
        suggest_range(effect, [0, 20], target=1.5)
    with pytest.raises(ParameterError, match="answer='model'"):
        suggest_range(effect, [0, 20], answer="model")
    no_fit = dataclasses.replace(effect, fits={"clear": None, "realistic": None, "both": None})
    with pytest.raises(ParameterError, match="no fit"):
        suggest_range(no_fit, [0, 20])


RECIPE = Recipe.from_dict(
    {
        "name": "cafe 0-20 dB, phone line",
        "steps": [
            {"step": "background_noise", "snr_db": [0, 20]},
            {"step": "band_pass", "low_hz": 300, "high_hz": 3400},
            {"step": "gain", "gain_db": -3},
        ],
    }
)


def test_suggested_recipe_changes_the_range_and_the_id_only():
    new = suggested_recipe(RECIPE, "background_noise.snr_db", (4.5, 20.0))
    assert new.id != RECIPE.id
    assert new.steps[0].settings["snr_db"] == [4.5, 20.0]
    assert new.steps[1:] == RECIPE.steps[1:]
    assert new.name == "cafe 0-20 dB, phone line (snr_db 4.5..20)"
    again = suggested_recipe(new, "background_noise.snr_db", (6, 20))
    assert again.name == "cafe 0-20 dB, phone line (snr_db 6..20)"
    assert Recipe.from_json(new.to_json()).id == new.id


def test_suggested_recipe_second_occurrence():
    recipe = Recipe.from_dict(
        {
            "name": "two noises",
            "steps": [
                {"step": "background_noise", "snr_db": [0, 20]},
                {"step": "gain", "gain_db": -3},
                {"step": "background_noise", "snr_db": [10, 30]},
            ],
        }
    )
    new = suggested_recipe(recipe, "background_noise#2.snr_db", [15, 30])
    assert new.steps[0] == recipe.steps[0] and new.steps[1] == recipe.steps[1]
    assert new.steps[2].settings["snr_db"] == [15.0, 30.0]
    assert new.id != recipe.id


@pytest.mark.parametrize(
    "key,new_range,word",
    [
        ("background_noise#2.snr_db", (5, 20), "has 1 background_noise"),
        ("reverb.wet", (0, 0.5), "has 0 reverb"),
        ("echo.delay", (0, 1), "unknown step 'echo'"),
        ("gain.volume", (0, 1), "no parameter 'volume'"),
        ("reverb.room", (0, 1), "a choice"),
        ("background_noise.snr_db", (5, 99), "snr_db=99"),
        ("background_noise.snr_db", None, "nothing qualified"),
        ("snr_db", (5, 20), "key='snr_db'"),
    ],
)
def test_suggested_recipe_refuses_bad_input(key, new_range, word):
    with pytest.raises(ParameterError, match=word):
        suggested_recipe(RECIPE, key, new_range)


def _metric_review(i, clear, stoi=None, wer=None):
    metrics = {}
    if stoi is not None:
        metrics["hints"] = {"stoi": stoi}
    if wer is not None:
        metrics["model"] = {"wer_augmented": wer}
    return {"id": i, "clear": clear, "metrics": metrics}


def test_human_vs_stoi_finds_the_biggest_disagreements():
    from augment.review.stats import human_vs_metric

    reviews = [
        _metric_review(1, True, stoi=0.95),
        _metric_review(2, False, stoi=0.3),
        _metric_review(3, True, stoi=0.2),  # says clear although STOI is low: gap 0.8
        _metric_review(4, False, stoi=0.9),  # says unclear although STOI is high: gap 0.9
        _metric_review(5, True),  # no STOI: left out
    ]
    out = human_vs_metric(reviews, "stoi", top=2)
    assert [d["review"]["id"] for d in out["disagreements"]] == [4, 3]
    assert [d["gap"] for d in out["disagreements"]] == [0.9, 0.8]
    assert len(out["x"]) == 4 and out["fit"] is not None


def test_human_vs_wer_reads_high_wer_as_unclear():
    from augment.review.stats import human_vs_metric

    reviews = [_metric_review(1, True, wer=1.5), _metric_review(2, True, wer=0.0)]
    out = human_vs_metric(reviews, "wer")
    assert out["disagreements"][0]["review"]["id"] == 1
    assert out["disagreements"][0]["gap"] == 1.0  # WER capped at 1
    assert out["fit"] is None  # too few reviews to fit
    with pytest.raises(ParameterError, match="metric='pesq'"):
        human_vs_metric(reviews, "pesq")


def test_a_sweep_ladder_keeps_one_point_per_rung():
    from augment.review.stats import binned_shares

    x = np.linspace(30, -10, 9)
    y = x > 5
    bins = binned_shares(x, y, bins=12)  # as parameter_effect asks
    assert len(bins) == 9 and all(b.n == 1 for b in bins)
    assert [b.share for b in bins] == [1.0 if v > 5 else 0.0 for v in sorted(x)]
