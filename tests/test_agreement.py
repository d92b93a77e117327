import itertools
import math

import numpy as np
import pytest

from augment.errors import ParameterError
from augment.review.agreement import (
    WHY_ALPHA,
    coincidence_matrix,
    fleiss_kappa,
    fleiss_kappa_counts,
    krippendorff_alpha,
    majority_agreement,
    to_triples,
)

NAN = np.nan

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: nominal data,
# 4 observers (rows) x 12 units (columns), missing values as NaN.
KRIPPENDORFF_2011 = np.array(
    [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, NAN, NAN, NAN],  # A
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NAN, 3],  # B
        [NAN, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NAN],  # C
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NAN],  # D
    ]
)
# By hand. Unit 12 has one value and is not pairable. Per unit, values (m_u):
#   u1 {1,1,1} (3)   u2 {2,2,3,2} (4)  u3 {3x4} (4)  u4 {3x4} (4)  u5 {2x4} (4)
#   u6 {1,2,3,4} (4) u7 {4x4} (4)      u8 {1,1,2,1} (4)  u9 {2x4} (4)  u10 {5x3} (3)
#   u11 {1,1} (2)                       -> n = 3 + 8*4 + 3 + 2 = 40 pairable values
# Diagonal coincidences o_cc = sum_u n_uc (n_uc - 1) / (m_u - 1):
#   o_11 = u1 3*2/2 + u8 3*2/3 + u11 2*1/1 = 3 + 2 + 2 = 7
#   o_22 = u2 3*2/3 + u5 4*3/3 + u9 4*3/3  = 2 + 4 + 4 = 10
#   o_33 = u3 4 + u4 4 = 8;  o_44 = u7 4;  o_55 = u10 3*2/2 = 3   -> sum o_cc = 32
# Marginals n_c: n_1 = 3+1+3+2 = 9, n_2 = 3+4+1+1+4 = 13, n_3 = 1+4+4+1 = 10, n_4 = 1+4 = 5,
#   n_5 = 3 (sum 40); sum n_c (n_c - 1) = 72 + 156 + 90 + 20 + 6 = 344
# alpha = ((n-1) sum o_cc - sum n_c(n_c-1)) / (n(n-1) - sum n_c(n_c-1))
#       = (39*32 - 344) / (40*39 - 344) = 904 / 1216 = 0.74342...  (the paper: 0.743)
KRIPPENDORFF_2011_ALPHA = 904 / 1216

# Fleiss (1971), Table 1: 30 patients, 6 psychiatrists each, 5 diagnoses (depression,
# personality disorder, schizophrenia, neurosis, other); cells = raters choosing the diagnosis.
# Transcribed from the paper's table (as in the quadagree R package's data_raw/fleiss1971.csv,
# which matches the rater-level `diagnoses` data of R's irr package). Fleiss reports kappa = .430;
# irr::kappam.fleiss(diagnoses) gives 0.4302445.
FLEISS_1971 = [
    [0, 0, 0, 6, 0],
    [0, 3, 0, 0, 3],
    [0, 1, 4, 0, 1],
    [0, 0, 0, 0, 6],
    [0, 3, 0, 3, 0],
    [2, 0, 4, 0, 0],
    [0, 0, 4, 0, 2],
    [2, 0, 3, 1, 0],
    [2, 0, 0, 4, 0],
    [0, 0, 0, 0, 6],
    [1, 0, 0, 5, 0],
    [1, 1, 0, 4, 0],
    [0, 3, 3, 0, 0],
    [1, 0, 0, 5, 0],
    [0, 2, 0, 3, 1],
    [0, 0, 5, 0, 1],
    [3, 0, 0, 1, 2],
    [5, 1, 0, 0, 0],
    [0, 2, 0, 4, 0],
    [1, 0, 2, 0, 3],
    [0, 0, 0, 0, 6],
    [0, 1, 0, 5, 0],
    [0, 2, 0, 1, 3],
    [2, 0, 0, 4, 0],
    [1, 0, 0, 4, 1],
    [0, 5, 0, 1, 0],
    [4, 0, 0, 0, 2],
    [0, 2, 0, 4, 0],
    [1, 0, 5, 0, 0],
    [0, 0, 0, 0, 6],
]

# A small example worked by hand: 4 samples, 3 labelers, yes/no.
SMALL = [
    ["yes", "yes", "yes"],
    ["yes", "yes", "no"],
    ["no", "no", "no"],
    ["yes", "no", "no"],
]
# Fleiss by hand: counts (yes, no) per unit: (3,0) (2,1) (0,3) (1,2), m = 3 raters.
#   P_i = (sum_j n_ij^2 - 3) / (3*2): 1, (4+1-3)/6 = 1/3, 1, 1/3  -> P = (8/3)/4 = 2/3
#   p_yes = 6/12 = 1/2, p_no = 1/2 -> P_e = 1/4 + 1/4 = 1/2
#   kappa = (2/3 - 1/2) / (1 - 1/2) = 1/3
# Krippendorff by hand: n = 12; o_yes,yes = u1 3*2/2 + u2 2*1/2 = 4, o_no,no = u3 3 + u4 1 = 4;
#   n_yes = n_no = 6, sum n_c(n_c-1) = 60; alpha = (11*8 - 60) / (12*11 - 60) = 28/72 = 7/18
SMALL_KAPPA = 1 / 3
SMALL_ALPHA = 7 / 18


def counts_to_triples(counts):
    """Rater-level triples from a units x categories count table (raters numbered per unit)."""
    out = []
    for u, row in enumerate(counts):
        r = 0
        for category, n in enumerate(row):
            for _ in range(n):
                out.append((u, r, category))
                r += 1
    return out


def brute_force_alpha(triples):
    """Alpha straight from its definition, pair by pair (no coincidence matrix)."""
    units = {}
    for u, _coder, v in triples:
        units.setdefault(u, []).append(v)
    units = {u: vs for u, vs in units.items() if len(vs) >= 2}
    values = [v for vs in units.values() for v in vs]
    n = len(values)
    d_o = (
        sum(
            sum(a != b for a, b in itertools.permutations(vs, 2)) / (len(vs) - 1)
            for vs in units.values()
        )
        / n
    )
    d_e = sum(a != b for a, b in itertools.permutations(values, 2)) / (n * (n - 1))
    return 1 - d_o / d_e


def test_krippendorff_2011_example_matrix():
    # our matrices are units x coders: transpose the paper's observers x units layout
    alpha = krippendorff_alpha(KRIPPENDORFF_2011.T)
    assert alpha == pytest.approx(KRIPPENDORFF_2011_ALPHA, abs=1e-12)
    assert round(alpha, 3) == 0.743


def test_krippendorff_2011_example_triples_and_coincidences():
    triples = [
        (f"u{u + 1}", "ABCD"[c], int(v))
        for c, row in enumerate(KRIPPENDORFF_2011)
        for u, v in enumerate(row)
        if not math.isnan(v)
    ]
    assert krippendorff_alpha(triples) == pytest.approx(KRIPPENDORFF_2011_ALPHA, abs=1e-12)
    values, o = coincidence_matrix(triples)
    o = dict(zip(values, np.diag(o), strict=True))
    assert o == pytest.approx({1: 7, 2: 10, 3: 8, 4: 4, 5: 3})
    assert brute_force_alpha(triples) == pytest.approx(KRIPPENDORFF_2011_ALPHA)


def test_matrix_with_none_equals_triples():
    matrix = np.array(KRIPPENDORFF_2011.T, dtype=object)
    matrix[np.vectorize(lambda v: isinstance(v, float) and math.isnan(v))(matrix)] = None
    assert krippendorff_alpha(matrix) == pytest.approx(KRIPPENDORFF_2011_ALPHA)


def test_small_example_by_hand():
    m = np.array(SMALL, dtype=object)
    assert krippendorff_alpha(m) == pytest.approx(SMALL_ALPHA)
    assert fleiss_kappa(m) == pytest.approx(SMALL_KAPPA)
    assert fleiss_kappa_counts([[3, 0], [2, 1], [0, 3], [1, 2]]) == pytest.approx(SMALL_KAPPA)


def test_perfect_agreement_is_one():
    m = np.array([["yes", "yes", None], ["no", "no", "no"], [None, "yes", "yes"]], dtype=object)
    assert krippendorff_alpha(m) == 1.0
    full = np.array([["yes", "yes"], ["no", "no"], ["yes", "yes"]], dtype=object)
    assert fleiss_kappa(full) == 1.0


def test_undefined_cases_are_nan():
    # one value throughout: no disagreement could be expected, alpha is 0/0
    assert math.isnan(krippendorff_alpha([(1, "a", "yes"), (1, "b", "yes"), (2, "a", "yes")]))
    # nobody rated the same unit twice: nothing pairable
    assert math.isnan(krippendorff_alpha([(1, "a", "yes"), (2, "b", "no")]))
    assert math.isnan(krippendorff_alpha([]))
    assert math.isnan(fleiss_kappa([(1, "a", "y"), (1, "b", "y"), (2, "a", "y"), (2, "b", "y")]))


def test_fleiss_1971_table():
    assert round(fleiss_kappa_counts(FLEISS_1971), 3) == 0.430
    assert fleiss_kappa_counts(FLEISS_1971) == pytest.approx(0.4302445, abs=1e-7)
    assert fleiss_kappa(counts_to_triples(FLEISS_1971)) == pytest.approx(0.4302445, abs=1e-7)
    # each patient had 6 ratings; the category totals of the table
    assert np.array(FLEISS_1971).sum(axis=0).tolist() == [26, 26, 30, 55, 43]


def test_fleiss_needs_equal_raters():
    with pytest.raises(ParameterError, match="same number of ratings"):
        fleiss_kappa([(1, "a", "yes"), (1, "b", "yes"), (2, "a", "no")])
    m = np.array([["yes", "yes", None], ["no", "no", "no"]], dtype=object)
    with pytest.raises(ParameterError, match="Krippendorff"):
        fleiss_kappa(m)
    with pytest.raises(ParameterError, match="same number of ratings"):
        fleiss_kappa_counts([[2, 0], [1, 2]])
    with pytest.raises(ParameterError, match="at least 2 ratings"):
        fleiss_kappa([(1, "a", "yes"), (2, "a", "no")])
    # a unit nobody rated is simply absent, not a unit with 0 raters
    m2 = np.array([["yes", "yes"], [None, None], ["no", "no"]], dtype=object)
    assert fleiss_kappa(m2) == 1.0


def test_bad_input_refused():
    with pytest.raises(ParameterError, match="more than once"):
        krippendorff_alpha([(1, "a", "yes"), (1, "a", "no")])
    with pytest.raises(ParameterError, match="triple"):
        krippendorff_alpha([(1, "a")])
    with pytest.raises(ParameterError, match="2-D"):
        krippendorff_alpha(np.array([1, 2, 3]))


def test_alpha_matches_pairwise_definition_on_random_data():
    rng = np.random.default_rng(5)
    for _ in range(20):
        triples = [
            (u, c, int(rng.integers(3))) for u in range(15) for c in range(5) if rng.random() < 0.6
        ]
        assert krippendorff_alpha(triples) == pytest.approx(brute_force_alpha(triples))


def test_alpha_matches_krippendorff_package():
    krippendorff = pytest.importorskip("krippendorff")  # optional cross-check only
    rng = np.random.default_rng(9)
    data = rng.integers(0, 3, size=(6, 30)).astype(float)
    data[rng.random(data.shape) < 0.3] = np.nan
    ours = krippendorff_alpha(data.T)
    theirs = krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")
    assert ours == pytest.approx(theirs)


def test_majority_agreement_by_hand():
    triples = [
        # unit 1: a, b, c say yes, d says no -> everyone's "others" have a clear majority
        (1, "a", "yes"),
        (1, "b", "yes"),
        (1, "c", "yes"),
        (1, "d", "no"),
        # unit 2: a yes, b no -> each one's "others" is a single rating: a vs no, b vs yes
        (2, "a", "yes"),
        (2, "b", "no"),
        # unit 3: a yes, b no, c no -> a: others {no, no} -> disagree; b: others {yes, no} tie,
        # skipped; c: others {yes, no} tie, skipped
        (3, "a", "yes"),
        (3, "b", "no"),
        (3, "c", "no"),
        # unit 4: only d -> nothing to compare with
        (4, "d", "no"),
    ]
    shares = majority_agreement(triples)
    # a: u1 agree, u2 disagree, u3 disagree -> 1/3; b: u1 agree, u2 disagree -> 1/2
    # c: u1 agree -> 1; d: u1 disagree -> 0
    assert shares == pytest.approx({"a": 1 / 3, "b": 1 / 2, "c": 1.0, "d": 0.0})
    assert math.isnan(majority_agreement([(1, "x", "yes")])["x"])


def test_to_triples_drops_missing():
    assert to_triples([(1, "a", None), (1, "b", float("nan")), (2, "a", "no")]) == [(2, "a", "no")]


def test_why_alpha_text():
    assert "missing" in WHY_ALPHA and "Fleiss" in WHY_ALPHA and "\n" not in WHY_ALPHA


def _review(unit, who, verdict, *, rnd=True):
    inputs = {"round_sample": unit} if rnd else {}
    return {
        "inputs": inputs,
        "recipe_json": "{}",
        "seed": unit,
        "clip_hash": "c",
        "noise_hash": None,
        "reviewer": who,
        "verdict": verdict,
        "realistic": verdict == "accept",
        "clear": True,
    }


def test_review_agreement_matches_alpha_on_the_same_units():
    from augment.review.agreement import krippendorff_alpha, review_agreement

    data = [
        (1, "a", "accept"),
        (1, "b", "accept"),
        (2, "a", "reject"),
        (2, "b", "accept"),
        (3, "a", "reject"),
        (3, "b", "reject"),
        (4, "a", "accept"),
    ]
    reviews = [_review(u, w, v) for u, w, v in data]
    out = review_agreement(reviews)
    assert out["alpha"]["verdict"] == pytest.approx(krippendorff_alpha(data))
    assert out["alpha"]["clear"] is None  # everyone said clear: agreement undefined
    assert out["units_rated_twice"] == 3 and out["ratings"] == 7
    # studio reviews with the same seed, recipe and inputs are one unit too
    studio = [_review(9, "a", "accept", rnd=False), _review(9, "b", "reject", rnd=False)]
    assert review_agreement(studio)["units_rated_twice"] == 1
