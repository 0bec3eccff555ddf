import numpy as np
import pandas as pd
import pytest

from jstbench.core.errors import InputError
from jstbench.stats.composite.sensitivity import Factor, sobol_sensitivity

NOMINAL = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
REVERSED = NOMINAL[::-1].copy()  # MARS vs nominal: (4 + 2 + 0 + 2 + 4) / 5 = 2.4


def index_of(result, factor):
    return result.indices.set_index("factor").loc[factor]


def test_only_one_factor_moves_the_ranks():
    # ranks depend on A alone (a cyclic shift by 0-3 places); B and the continuous C are ignored
    factors = [Factor("A", [0, 1, 2, 3]), Factor("B", ["x", "y", "z"]), Factor("C", bounds=(0.75, 1.25))]
    seen = []

    def model(choice):
        seen.append(choice)
        return np.roll(NOMINAL, choice["A"])

    r = sobol_sensitivity(model, factors, NOMINAL, n_base=64)
    a = index_of(r, "A")
    assert abs(a["S1"] - 1) <= a["S1_conf"] and abs(a["ST"] - 1) <= a["ST_conf"]
    assert 0 < a["S1_conf"] < 0.5 and 0 < a["ST_conf"] < 0.5
    for other in ("B", "C"):  # AB_j differs from A only in a factor the model ignores: both estimators are exactly 0
        assert index_of(r, other)[["S1", "S1_conf", "ST", "ST_conf"]].tolist() == [0.0, 0.0, 0.0, 0.0]
    assert r.runs == 64 * (3 + 2) == len(r.mars)
    assert len(seen) == r.evaluations < r.runs  # some runs repeat A's choices exactly and are not rerun
    assert {type(c["C"]) for c in seen} == {float} and all(0.75 <= c["C"] <= 1.25 for c in seen)
    assert {c["B"] for c in seen} == {"x", "y", "z"}
    assert list(r.table().columns) == ["factor", "S1", "S1_conf", "ST", "ST_conf", "n_base", "runs", "evaluations"]


@pytest.mark.parametrize("shifted, s1, st", [
    # ranks reversed only when A and B are both 1 (P = 1/4): MARS Y = 2.4·[A=1][B=1], Var Y = 2.4²·3/16;
    # E[Y | A] is 0 or 1.2: Var = 2.4²/16 -> S1 = 1/3; E_B[Var(Y | B)] = 1/2 · 2.4²/4 -> ST = (1/8) / (3/16) = 2/3
    (lambda c: c["A"] == 1 and c["B"] == 1, 1 / 3, 2 / 3),
    # reversed when exactly one of them is 1: E[Y | A] = 1.2 whatever A -> S1 = 0; Y is fixed only by both -> ST = 1
    (lambda c: c["A"] != c["B"], 0.0, 1.0),
])
def test_interaction_of_two_factors(shifted, s1, st):
    factors = [Factor("A", [0, 1]), Factor("B", [0, 1]), Factor("C", [0, 1, 2])]
    r = sobol_sensitivity(lambda c: REVERSED if shifted(c) else NOMINAL, factors, NOMINAL, n_base=256)
    for f in ("A", "B"):
        i = index_of(r, f)
        assert abs(i["S1"] - s1) <= i["S1_conf"] and abs(i["ST"] - st) <= i["ST_conf"]
        assert i["ST"] - i["S1"] > i["S1_conf"]  # the interaction: total clearly above first order
    assert index_of(r, "C")["ST"] == 0.0
    assert r.evaluations == 2 * 2 * 3  # all discrete: each combination of choices is run once


def test_unit_summary_by_hand():
    # one factor of 4 options; the A and B columns of a scrambled Sobol' sequence of n = 2^m points put exactly n/4
    # points in each quarter of [0, 1), so over the 2n = 32 runs of A and B each option is chosen 8 times
    ranks = {"o0": [1, 2, 3], "o1": [2, 1, 3], "o2": [3, 2, 1], "o3": [1, 3, np.nan]}
    nominal = pd.Series([1.0, 2.0, 3.0], index=["u1", "u2", "u3"])
    r = sobol_sensitivity(lambda c: np.array(ranks[c["f"]], dtype=float), [Factor("f", list(ranks))], nominal, n_base=16)
    u = r.units
    assert u.index.name == "unit" and list(u.index) == ["u1", "u2", "u3"]
    assert u["nominal_rank"].tolist() == [1.0, 2.0, 3.0]
    # u1: 16×1, 8×2, 8×3 -> mean 56/32 = 1.75; median (16th + 17th of 32) = (1 + 2)/2; shifts 0, 1, 2, 0 -> 3/4
    # u2: 8×1, 16×2, 8×3 -> mean 2, median 2; shifts 0, 1, 0, 1 -> 1/2
    # u3: 8×1, 16×3 over the 24 runs ranking it -> mean 56/24, median 3; shifts 0, 0, 2 -> 2/3
    assert u["mean_rank"].tolist() == pytest.approx([1.75, 2.0, 56 / 24])
    assert u["median_rank"].tolist() == [1.5, 2.0, 3.0]
    assert u["mean_abs_shift"].tolist() == pytest.approx([0.75, 0.5, 2 / 3])
    # 5th percentile at position 0.05·31 = 1.55 (0-based, linear), within the ones; 95th at 29.45, within the threes;
    # u3 (24 runs): 0.05·23 = 1.15 -> 1, 0.95·23 = 21.85 -> 3
    assert u["rank_p05"].tolist() == [1.0, 1.0, 1.0] and u["rank_p95"].tolist() == [3.0, 3.0, 3.0]
    # MARS per option: o0 0, o1 (1 + 1 + 0)/3, o2 (2 + 0 + 2)/3, o3 (0 + 1)/2 over the two units ranked in both
    assert set(np.round(r.mars, 6)) == {0.0, round(2 / 3, 6), round(4 / 3, 6), 0.5}


def test_deterministic_with_a_seed():
    factors = [Factor("A", [0, 1, 2, 3]), Factor("w", bounds=(0.75, 1.25))]

    def model(c):  # unit 1's score is the weight: it passes 0.9 and 1.1, the scores of the others, as w varies
        return pd.Series([c["w"], 0.9, 1.1]).rank(ascending=False).to_numpy() if c["A"] else NOMINAL[:3]

    one, two = (sobol_sensitivity(model, factors, NOMINAL[:3], n_base=32, seed=3) for _ in range(2))
    pd.testing.assert_frame_equal(one.indices, two.indices)
    pd.testing.assert_frame_equal(one.units, two.units)
    assert np.array_equal(one.mars, two.mars)
    other = sobol_sensitivity(model, factors, NOMINAL[:3], n_base=32, seed=4)
    assert not np.array_equal(one.mars, other.mars)


def test_constant_output_gives_zero_indices():
    r = sobol_sensitivity(lambda c: NOMINAL, [Factor("A", [0, 1]), Factor("B", [0, 1])], NOMINAL, n_base=8)
    assert r.indices[["S1", "S1_conf", "ST", "ST_conf"]].to_numpy().tolist() == [[0.0] * 4] * 2
    assert r.mars.tolist() == [0.0] * 8 * 4


@pytest.mark.parametrize("kwargs, message", [
    ({"name": "drop", "options": []}, "no options"),
    ({"name": "w"}, "either discrete options or continuous bounds"),
    ({"name": "w", "options": [1], "bounds": (0, 1)}, "either discrete options or continuous bounds"),
    ({"name": "w", "bounds": (1.25, 0.75)}, "low < high"),
])
def test_factor_errors(kwargs, message):
    with pytest.raises(InputError, match=message):
        Factor(**kwargs)


def test_analysis_errors():
    two = [Factor("A", [0, 1]), Factor("B", [0, 1])]
    with pytest.raises(InputError, match="power of 2"):
        sobol_sensitivity(lambda c: NOMINAL, two, NOMINAL, n_base=100)
    with pytest.raises(InputError, match=r"model returned shape \(4,\)"):
        sobol_sensitivity(lambda c: NOMINAL[:4], two, NOMINAL, n_base=8)
    with pytest.raises(InputError, match="its own name"):
        sobol_sensitivity(lambda c: NOMINAL, [Factor("A", [0, 1]), Factor("A", [0, 1])], NOMINAL, n_base=8)
    with pytest.raises(InputError, match="ranks none of the units"):
        sobol_sensitivity(lambda c: np.full(5, np.nan) if c["A"] else NOMINAL, two, NOMINAL, n_base=8)
